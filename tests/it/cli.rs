//! The `ultrastream` command against the simulator: JSON and tables,
//! global options anywhere, exit status and messages, long operations,
//! discovery of a simulated fleet on loopback (never the real network).

use crate::cli_common::{cmd, ok, run, sim_fast};

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};
use ultrastream::sim::{Model, ResponderOptions, SimOptions, Simulator};

fn json(s: &str) -> Value {
    serde_json::from_str(s.trim()).unwrap_or_else(|e| panic!("not JSON ({e}):\n{s}"))
}

fn table_value(table: &str, field: &str) -> String {
    table
        .lines()
        .find_map(|l| {
            l.strip_prefix(field)
                .filter(|r| r.starts_with(' '))
                .map(|r| r.trim().to_string())
        })
        .unwrap_or_else(|| panic!("no row {field}:\n{table}"))
}

#[test]
fn status_json_table_and_recording() {
    let sim = sim_fast();
    let status = json(&ok(&sim, &["status"]));
    assert_eq!(status["result"], 0);
    assert!(status["cur-status"].is_u64(), "{status}");

    let table = ok(&sim, &["--table", "status"]);
    assert!(
        table_value(&table, "recording").starts_with("no"),
        "{table}"
    );
    assert!(table_value(&table, "live").starts_with("no"), "{table}");

    let started = json(&ok(&sim, &["rec", "start"]));
    assert_eq!(started["result"], 0);
    // --table after the subcommand, as a global option.
    let table = ok(&sim, &["status", "--table"]);
    assert!(
        table_value(&table, "recording").starts_with("yes"),
        "{table}"
    );
    assert!(table_value(&table, "status").contains("statusRecord"));
    let status = json(&ok(&sim, &["status"]));
    let mask = status["cur-status"].as_u64().expect("cur-status");
    assert_ne!(mask & 0x02, 0, "statusRecord not set: {status}");

    // A positive outcome (retRepeat) is not a failure.
    let again = json(&ok(&sim, &["rec", "start"]));
    assert_eq!(again["result"], 1);
    ok(&sim, &["rec", "stop"]);
    sim.control(r#"{"cmd":"advance","ms":2000}"#)
        .expect("advance");
    let files = ok(&sim, &["media", "list", "usb", "--table"]);
    assert!(
        files.lines().nth(1).is_some_and(|l| l.contains(".mp4")),
        "{files}"
    );

    // media get downloads it, with the size the device lists.
    let list = json(&ok(&sim, &["media", "list"]));
    let first = &list["media-files"][0];
    let name = first["name"].as_str().expect("a file name");
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-media-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("folder");
    let got = json(&ok(
        &sim,
        &[
            "media",
            "get",
            "usb",
            name,
            "-o",
            dir.to_str().expect("utf-8"),
        ],
    ));
    let size = std::fs::metadata(dir.join(name))
        .map(|m| m.len())
        .unwrap_or(0);
    assert_eq!(Some(size), first["size-bytes"].as_u64(), "{got}");
    assert_eq!(got["bytes"].as_u64(), Some(size));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn global_options_go_before_or_after_and_every_command_has_help() {
    let sim = sim_fast();
    let host = sim.host();
    for args in [
        vec!["--host", &host, "--password", "Admin", "info"],
        vec!["info", "--host", &host, "--password", "Admin"],
        vec![
            "--host",
            &host,
            "info",
            "--user",
            "Admin",
            "--password=Admin",
        ],
    ] {
        let out = run(&mut cmd(&args));
        assert!(out.status.success(), "{args:?}: {out:?}");
        let v = json(&String::from_utf8_lossy(&out.stdout));
        assert!(v["product"]["firmware-ver-s"].is_string(), "{v}");
    }
    // Sessions are released: many runs never lock the device (2 sessions).
    for _ in 0..4 {
        ok(&sim, &["settings"]);
    }
    for c in [
        "info", "status", "settings", "ping", "rec", "live", "server", "media", "format", "test",
        "firmware", "reboot", "reset", "users", "call", "discover", "watch",
    ] {
        let out = run(&mut cmd(&[c, "--help"]));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{c} --help: {out:?}");
        assert!(
            text.contains(&format!("Usage: ultrastream {c}")),
            "{c} --help:\n{text}"
        );
    }
    let out = run(&mut cmd(&["rec", "start", "--help"]));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Usage: ultrastream rec start"));
    let out = run(&mut cmd(&["sim", "--help"]));
    assert!(String::from_utf8_lossy(&out.stdout).contains("--time-scale"));
    let out = run(&mut cmd(&["--version"]));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("ultrastream {}", env!("CARGO_PKG_VERSION"))
    );
    // Usage errors exit 2 and say what to do.
    let out = run(&mut cmd(&["status"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--host"));
    let out = run(&mut cmd(&["rec", "sideways", "--host", &host]));
    assert_eq!(out.status.code(), Some(2));
    let out = run(&mut cmd(&["frobnicate"]));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn wrong_password_fails_with_errpasswd() {
    let sim = sim_fast();
    let out = run(cmd(&["status"])
        .env("ULTRASTREAM_HOST", sim.host())
        .env("ULTRASTREAM_PASSWORD", "not-the-password"));
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("errPasswd"), "{stderr}");
    assert!(!stderr.contains("not-the-password"), "{stderr}");
    assert!(out.stdout.is_empty());
    // No password and no terminal: a usage error that says how to give one.
    let out = run(cmd(&["status"]).env("ULTRASTREAM_HOST", sim.host()));
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no password") && stderr.contains("ULTRASTREAM_PASSWORD"),
        "{stderr}"
    );
    // A connection failure names its code too, in words, the OS text once.
    let out = run(&mut cmd(&["ping", "--host", "127.0.0.1:1"]));
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("connect failed (-1004)"), "{stderr}");
    assert!(!stderr.contains("USAPI_E_"), "{stderr}");
    assert_eq!(
        stderr.to_lowercase().matches("connection refused").count(),
        1,
        "{stderr}"
    );
}

#[test]
fn call_servers_and_long_operations() {
    let sim = sim_fast();
    assert_eq!(
        json(&ok(&sim, &["call", "set-name", "name=CLI Box+1"]))["result"],
        0
    );
    assert_eq!(json(&ok(&sim, &["settings"]))["name"], "CLI Box+1");
    let added = json(&ok(
        &sim,
        &[
            "server",
            "add",
            "type=rtmp",
            "name=Main",
            "url=rtmp://127.0.0.1/app",
            "key=secret-key",
        ],
    ));
    assert_eq!(added["result"], 0);
    let list = json(&ok(&sim, &["server", "list"]));
    let main = list
        .as_array()
        .and_then(|a| a.iter().find(|s| s["name"] == "Main"))
        .unwrap_or_else(|| panic!("no Main in {list}"));
    let id = main["id"].to_string();
    ok(&sim, &["server", "enable", &id]);
    let table = ok(&sim, &["server", "list", "--table"]);
    let row = table
        .lines()
        .find(|l| l.contains("Main"))
        .unwrap_or_else(|| panic!("{table}"));
    assert!(
        row.contains("yes") && !table.contains("secret-key"),
        "{table}"
    );
    ok(&sim, &["server", "disable", &id]);
    ok(&sim, &["server", "remove", &id]);

    // Format: plain progress lines on a pipe, the final state as JSON.
    let out = run(cmd(&["format", "usb"])
        .env("ULTRASTREAM_HOST", sim.host())
        .env("ULTRASTREAM_PASSWORD", "Admin"));
    assert!(out.status.success(), "{out:?}");
    assert_eq!(json(&String::from_utf8_lossy(&out.stdout))["result"], 0);
    let progress = String::from_utf8_lossy(&out.stderr);
    assert!(
        progress
            .lines()
            .any(|l| l.contains("format-usb") && l.ends_with(": 100%")),
        "{progress}"
    );
    assert!(!progress.contains('\r'), "a bar on a pipe: {progress:?}");
    let test = json(&ok(&sim, &["test", "usb"]));
    assert_eq!(test["result"], 0);
    assert!(test["write-bps"].as_u64().unwrap_or(0) > 0, "{test}");
}

#[test]
fn firmware_update_completes_and_prints_the_new_version() {
    let sim = sim_fast();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-fw-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("folder");
    let file = dir.join("ultra_stream_hdmi_1_2_200.mwf");
    std::fs::write(
        &file,
        ultrastream::sim::fake_firmware(Model::Hdmi, "1.2.200"),
    )
    .expect("write firmware");
    // An image for the other model is refused with its code's name.
    let sdi = dir.join("sdi.mwf");
    std::fs::write(&sdi, ultrastream::sim::fake_firmware(Model::Sdi, "1.2.201")).expect("write");
    let out = run(cmd(&["firmware", "update", sdi.to_str().expect("utf-8")])
        .env("ULTRASTREAM_HOST", sim.host())
        .env("ULTRASTREAM_PASSWORD", "Admin"));
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("errMWFUnsupported"),
        "{out:?}"
    );

    let out = ok(&sim, &["firmware", "update", file.to_str().expect("utf-8")]);
    let v = json(&out);
    assert_eq!(
        (v["result"].as_i64(), v["version"].as_str()),
        (Some(0), Some("1.2.200")),
        "{v}"
    );
    let info = json(&ok(&sim, &["info"]));
    assert_eq!(info["product"]["firmware-ver-s"], "1.2.200");
    let _ = std::fs::remove_dir_all(&dir);

    // reboot waits until the device is back (after the update the device
    // starts recording by itself, is-startup-rec 1: reboot refuses that).
    ok(&sim, &["rec", "stop"]);
    let r = json(&ok(&sim, &["reboot"]));
    assert_eq!(r["ping"]["result"], 0, "{r}");
}

#[test]
fn discover_lists_a_simulated_fleet_with_ports_and_host_works() {
    // Three devices on loopback, each answering discovery on its own
    // ephemeral port; probed by unicast only (never the real network).
    let fleet: Vec<Simulator> = (0..3)
        .map(|i| {
            Simulator::start(SimOptions {
                serial: Some(format!("CLIFLEET{i}")),
                discovery: Some(ResponderOptions {
                    join_group: false,
                    ..ResponderOptions::ephemeral()
                }),
                ..SimOptions::default()
            })
            .expect("simulator starts")
        })
        .collect();
    let mut args = vec![
        "discover".to_string(),
        "--protocol".into(),
        "multicast".into(),
        "--timeout".into(),
        "1".into(),
    ];
    for s in &fleet {
        let (m, _) = s.discovery_addrs().expect("discovery addresses");
        args.push("--target".into());
        args.push(m.to_string());
    }
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(&mut cmd(&argv));
    assert!(out.status.success(), "{out:?}");
    let found = json(&String::from_utf8_lossy(&out.stdout));
    let devices = found["devices"].as_array().cloned().unwrap_or_default();
    assert_eq!(devices.len(), 3, "{found}");
    for s in &fleet {
        let serial = s.discovery_info().serialnumber;
        let d = devices
            .iter()
            .find(|d| d["serialnumber"] == serial.as_str())
            .unwrap_or_else(|| panic!("{serial} not found: {found}"));
        assert_eq!(d["port"].as_u64(), Some(u64::from(s.addr().port())), "{d}");
    }

    let mut table_args = argv.clone();
    table_args.push("--table");
    let out = run(&mut cmd(&table_args));
    let table = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{out:?}");
    for s in &fleet {
        let row = table
            .lines()
            .find(|l| l.contains(&s.discovery_info().serialnumber))
            .unwrap_or_else(|| panic!("{table}"));
        let host = row.split_whitespace().next().expect("host column");
        assert_eq!(host, s.host());
        // discover -> connect: the listed host is what --host takes.
        let out = run(cmd(&["--host", host, "status"]).env("ULTRASTREAM_PASSWORD", "Admin"));
        assert!(out.status.success(), "{out:?}");
        let v = json(&String::from_utf8_lossy(&out.stdout));
        assert_eq!(v["result"], 0);
    }
}

#[test]
fn sim_subcommand_runs_the_simulator() {
    let out = run(&mut cmd(&["sim", "--version"]));
    assert!(String::from_utf8_lossy(&out.stdout).contains(env!("CARGO_PKG_VERSION")));
    let mut child = cmd(&["sim", "--port", "0", "--time-scale", "10"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start ultrastream sim");
    let mut line = String::new();
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let read = stdout.read_line(&mut line);
    let host = line
        .split("http://")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .map(str::to_string);
    let status = host
        .as_ref()
        .map(|h| run(cmd(&["status", "--host", h]).env("ULTRASTREAM_PASSWORD", "Admin")));
    let _ = child.kill();
    let _ = child.wait();
    assert!(read.is_ok(), "{line}");
    let status = status.unwrap_or_else(|| panic!("no address in: {line}"));
    assert!(status.status.success(), "{status:?}");
    assert_eq!(json(&String::from_utf8_lossy(&status.stdout))["result"], 0);
}

#[test]
fn sim_log_has_one_line_per_request_with_secrets_masked() {
    let mut child = cmd(&["sim", "--port", "0", "--log"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start ultrastream sim --log");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    let _ = stdout.read_line(&mut line);
    let host = line
        .split("http://")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .map(str::to_string);
    let mut ran = Vec::new();
    if let Some(h) = &host {
        for args in [
            vec!["rec", "start"],
            vec![
                "server",
                "add",
                "type=rtmp",
                "name=Log",
                "url=rtmp://127.0.0.1/a",
                "key=KEY-SECRET-42",
            ],
            vec!["call", "--raw", "no-such-method"],
        ] {
            ran.push(run(cmd(&args)
                .env("ULTRASTREAM_HOST", h)
                .env("ULTRASTREAM_PASSWORD", "Admin")));
        }
    }
    // Our own child: SIGKILL is fine, its stderr is complete up to there.
    let _ = child.kill();
    let out = child.wait_with_output().expect("sim output");
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(host.is_some(), "no address in: {line}");
    assert!(ran.iter().all(|o| o.status.code().is_some()), "{ran:?}");
    let md5 = ultrastream::md5_hex("Admin");
    assert!(
        !log.contains("KEY-SECRET-42") && !log.contains(&md5),
        "secret in the log:\n{log}"
    );
    let find = |needle: &str| {
        log.lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle:?}:\n{log}"))
            .to_string()
    };
    let login = find(" login id=Admin pass=***");
    assert!(login.contains("-> 0 ") && login.ends_with(" ms"), "{login}");
    assert!(
        login.starts_with("20") && login.contains("127.0.0.1:"),
        "{login}"
    );
    assert!(find(" add-server ").contains("key=***"));
    assert!(find(" start-rec").contains("-> 0"));
    assert!(find("state: +statusRecord").contains("state"));
    assert!(find(" no-such-method").contains("-> "));
}

#[test]
fn watch_prints_one_json_event_per_line_until_ctrl_c() {
    let sim = sim_fast();
    let mut child = cmd(&["watch", &sim.host(), "--interval", "0.1"])
        .env("ULTRASTREAM_PASSWORD", "Admin")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start ultrastream watch");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let next_event = |name: &str| -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = rx
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no {name} event within 60 s"));
            let v = json(&line);
            if v["event"] == name {
                return v;
            }
        }
    };
    let online = next_event("online");
    assert_eq!(online["host"], sim.host().as_str());
    assert_eq!(online["device"], 1);
    assert_eq!(online["state"]["recording"], false);
    ok(&sim, &["rec", "start"]);
    let changed = loop {
        let v = next_event("changed");
        if v["changes"].get("recording").is_some() {
            break v;
        }
    };
    assert_eq!(changed["changes"]["recording"], true);
    // Ctrl-C (SIGINT to our own child) ends it.
    // SAFETY: kill(2) on the pid of a child this test started and still owns.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGINT);
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break st;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("watch did not stop on SIGINT");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let _ = reader.join();
    // Ended by Ctrl-C: 130, as a shell expects.
    assert_eq!(status.code(), Some(130), "{status:?}");
}
