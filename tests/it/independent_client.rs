//! Runs `tests/independent_client.py` (Python standard library only, written
//! from the vendor document) against the real `ultrastream-sim` program.

use crate::sim_support::SimProgram;
use std::process::Command;
use std::time::{Duration, Instant};

fn python() -> Option<&'static str> {
    ["python3", "python"].into_iter().find(|p| {
        Command::new(p)
            .args([
                "-c",
                "import sys; sys.exit(0 if sys.version_info >= (3, 6) else 1)",
            ])
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// Start `ultrastream-sim` and read each device's port from the line that
/// says where it listens.
fn start_sim(args: &[&str]) -> (SimProgram, Vec<u16>) {
    let sim = SimProgram::start(args);
    let want = args
        .windows(2)
        .find(|w| w[0] == "--devices")
        .map_or(1, |w| w[1].parse().unwrap_or(1));
    let mut ports = Vec::new();
    while ports.len() < want {
        let line = sim.line();
        let rest = line
            .strip_prefix("ultrastream-sim: listening on http://127.0.0.1:")
            .unwrap_or_else(|| panic!("unexpected line: {line}"));
        let port: u16 = rest
            .split(' ')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no port in: {line}"));
        assert!(
            rest.contains("(serial ") && rest.contains(", model hdmi)"),
            "{line}"
        );
        ports.push(port);
    }
    (sim, ports)
}

/// SIGINT (Ctrl-C) or SIGTERM, then wait for a clean exit.
fn stop(mut sim: SimProgram, signal: libc::c_int) {
    // SAFETY: signalling our own child process by its id.
    let rc = unsafe { libc::kill(sim.child.id() as libc::pid_t, signal) };
    assert_eq!(rc, 0);
    let start = Instant::now();
    loop {
        if let Some(status) = sim.child.try_wait().expect("wait") {
            assert!(
                status.success(),
                "ultrastream-sim exits cleanly on signal {signal}: {status}"
            );
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "ultrastream-sim did not stop on signal {signal}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn python_standard_library_client_against_ultrastream_sim() {
    let py = python().expect("python3 (3.6 or newer) is needed on PATH: apt-get install python3");
    let (sim, ports) = start_sim(&["--port", "0"]);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/independent_client.py");
    let port = ports[0].to_string();
    let out = Command::new(py)
        .args([
            script,
            "--port",
            &port,
            "--interval",
            "0.1",
            "--iterations",
            "20",
        ])
        .output()
        .expect("python runs");
    let (so, se) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        out.status.success(),
        "independent client failed ({}):\n{so}\n{se}",
        out.status
    );
    assert!(so.contains(": OK"), "{so}");
    assert!(
        !so.contains(" 0 re-login"),
        "the client logged in again after the sessions expired: {so}"
    );
    stop(sim, libc::SIGINT); // Ctrl-C
}

#[test]
fn the_program_runs_a_fleet_and_documents_its_options() {
    let (sim, ports) = start_sim(&["--port", "0", "--devices", "3", "--time-scale", "10"]);
    assert_eq!(ports.len(), 3);
    let mut sorted = ports.clone();
    sorted.dedup();
    assert_eq!(sorted.len(), 3, "each device has its own port");
    for p in &ports {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", *p)).unwrap();
        std::io::Write::write_all(
            &mut s,
            b"GET /usapi?method=ping HTTP/1.1\r\nConnection: close\r\n\r\n",
        )
        .unwrap();
        let mut reply = String::new();
        std::io::Read::read_to_string(&mut s, &mut reply).unwrap();
        assert!(
            reply.starts_with("HTTP/1.1 200") && reply.contains("\"result\":0"),
            "{reply}"
        );
    }
    stop(sim, libc::SIGTERM);

    let help = Command::new(env!("CARGO_BIN_EXE_ultrastream-sim"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(help.status.success());
    let text = String::from_utf8_lossy(&help.stdout);
    for opt in [
        "--port",
        "--bind",
        "--user",
        "--password",
        "--model",
        "--time-scale",
        "--devices",
        "--session-timeout",
        "--serial",
        "--help",
    ] {
        assert!(text.contains(opt), "--help documents {opt}");
    }
    for bad in [
        &["--port", "x"][..],
        &["--model", "usb"],
        &["--devices", "0"],
        &["--time-scale", "-1"],
        &["--nope"],
        &["--port"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_ultrastream-sim"))
            .args(bad)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        assert!(!out.stderr.is_empty(), "{bad:?} explains itself");
    }
}
