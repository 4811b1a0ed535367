//! `ultrastream call METHOD --hosts-file FILE` (issue 17): one JSON line
//! per device as each finishes, failures as lines of their own, sessions
//! given back, exit status 1 when any device failed.

use crate::cli_common::BIN;
use crate::harness;

use serde_json::Value;
use std::process::{Command, Output};
use std::time::Duration;
use ultrastream::sim::{SimOptions, Simulator};

/// `ultrastream ARGS`, stdin from `stdin_file` (harness::run gives none,
/// so that case runs under `sh -c '... < FILE'`).
fn run(args: &[&str], stdin_file: Option<&std::path::Path>) -> Output {
    let mut c = match stdin_file {
        None => {
            let mut c = Command::new(BIN);
            c.args(args);
            c
        }
        Some(p) => {
            let mut c = Command::new("sh");
            c.arg("-c")
                .arg("f=$1; shift; exec \"$@\" < \"$f\"")
                .arg("sh")
                .arg(p)
                .arg(BIN)
                .args(args);
            c
        }
    };
    c.env_remove("ULTRASTREAM_HOST")
        .env_remove("ULTRASTREAM_USER")
        .env("ULTRASTREAM_PASSWORD", "Admin");
    harness::run(&mut c, Duration::from_secs(120))
}

fn lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}")))
        .collect()
}

#[test]
fn call_on_a_hosts_file_prints_one_line_per_device() {
    let sims: Vec<Simulator> = (0..4)
        .map(|_| {
            Simulator::start(SimOptions {
                latency: Duration::from_millis(50),
                ..SimOptions::default()
            })
            .unwrap()
        })
        .collect();
    let dir = harness::Scratch::new("cli-fleet");
    let file = dir.path().join("hosts.txt");
    let mut text = String::from("# the rack\n\n");
    for s in &sims {
        text.push_str(&format!("{}   # a unit\n", s.host()));
    }
    std::fs::write(&file, &text).unwrap();
    let f = file.to_str().unwrap();

    let out = run(
        &[
            "call",
            "set-name",
            "name=Rack C",
            "--hosts-file",
            f,
            "--max-in-flight",
            "2",
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = lines(&out);
    assert_eq!(got.len(), 4);
    let mut idx: Vec<u64> = got.iter().map(|l| l["index"].as_u64().unwrap()).collect();
    idx.sort_unstable();
    assert_eq!(idx, [0, 1, 2, 3]);
    for l in &got {
        let i = l["index"].as_u64().unwrap() as usize;
        assert_eq!(l["host"], sims[i].host());
        assert_eq!(l["result"], 0, "{l}");
        assert_eq!(l["reply"]["result"], 0, "{l}");
    }
    // Applied, and the sessions given back: two more clients can log in.
    for s in &sims {
        let a = ultrastream::Device::connect(&s.host(), Default::default()).unwrap();
        let b = ultrastream::Device::connect(&s.host(), Default::default()).unwrap();
        a.login("Admin", "Admin").unwrap();
        b.login("Admin", "Admin").expect("the CLI logged out");
        assert_eq!(a.get_settings().unwrap().name, "Rack C");
    }

    // Failures are lines too; exit 1. Hosts from stdin.
    let bad = dir.path().join("bad.txt");
    std::fs::write(
        &bad,
        format!("{}\n127.0.0.1:1\nnot a host!\n", sims[0].host()),
    )
    .unwrap();
    let out = run(&["call", "get-status", "--hosts-file", "-"], Some(&bad));
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = lines(&out);
    assert_eq!(got.len(), 3);
    let by = |i: u64| got.iter().find(|l| l["index"] == i).unwrap().clone();
    assert_eq!(by(0)["result"], 0);
    assert_eq!(by(1)["error"]["name"], "USAPI_E_CONNECT");
    assert_eq!(by(2)["error"]["code"], -1003);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("2 of 3 devices failed"), "{err}");

    // Usage errors: exit 2 with a message.
    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, "# nothing\n").unwrap();
    for (args, needle) in [
        (
            vec!["call", "ping", "--hosts-file", empty.to_str().unwrap()],
            "no hosts",
        ),
        (
            vec!["call", "ping", "--hosts-file", "/nonexistent/h"],
            "--hosts-file",
        ),
        (
            vec!["call", "ping", "--hosts-file", f, "--host", "127.0.0.1"],
            "not both",
        ),
        (
            vec!["call", "ping", "--hosts-file", f, "--max-in-flight", "0"],
            "at least 1",
        ),
    ] {
        let out = run(&args, None);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}
