//! The `ultrastream` command as people and scripts meet it (issue 20):
//! exit statuses (usage 2, Ctrl-C 130 under `timeout -s INT`), the API's
//! method names as commands, `call` refusing unknown methods, suggestions,
//! progress and JSON in a pipe and on a pseudo-terminal (`script`),
//! `--quiet`, `--table`, `wait` / `clear`, `server add`'s id,
//! `sim firmware`, shell completions. Only the simulator on 127.0.0.1.

use crate::cli_common::{BIN, at, cmd, run, sim_fast, sim_manual, stderr, stdout};
use crate::harness;

use harness::{Scratch, require_tool};
use serde_json::Value;
use std::net::TcpListener;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use ultrastream::sim::{Model, Simulator};

/// Run, require exit 0, parse stdout as JSON.
fn ok_json(c: &mut Command) -> Value {
    let o = run(c);
    assert!(o.status.success(), "{c:?} failed: {o:?}");
    serde_json::from_str(stdout(&o).trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {o:?}"))
}

fn advance(sim: &Simulator, ms: u64) {
    sim.control(&format!(r#"{{"cmd":"advance","ms":{ms}}}"#))
        .expect("advance the simulator's clock");
}

/// Nothing listens here: a command that sent anything would fail to
/// connect (exit 1) instead of refusing up front (exit 2).
fn closed_port() -> String {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = l.local_addr().expect("addr");
    drop(l);
    addr.to_string()
}

#[test]
fn usage_errors_of_every_kind_exit_2_and_help_documents_the_statuses() {
    let host = closed_port();
    let cases: &[(&[&str], &str)] = &[
        (&[], "no command"),
        (&["stauts"], "did you mean `status`?"),
        (&["get-stauts"], "`get-status`"),
        (&["status", "--frobnicate"], "--frobnicate"),
        (&["rec", "sideways"], "sideways"),
        (&["server", "enable"], "<ID>"),
        (&["server", "enable", "x"], "invalid value 'x'"),
        (
            &["format", "usb", "--timeout", "soon"],
            "not a number of seconds",
        ),
        (&["media", "list", "floppy"], "floppy"),
        (&["--table", "rec", "start"], "--table does not apply"),
        (&["completions", "tcsh"], "tcsh"),
        // No device given.
        (&["status"], "--host"),
        // No password and no terminal: refused before connecting.
        (&["--host", &host, "status"], "no password"),
        (&["--host", &host, "call", "get-stauts"], "`get-status`"),
        (
            &[
                "--host",
                &host,
                "--password",
                "x",
                "call",
                "set-name",
                "name=",
            ],
            "name",
        ),
    ];
    for (args, needle) in cases {
        let o = run(&mut cmd(args));
        assert_eq!(o.status.code(), Some(2), "{args:?}: {o:?}");
        assert!(
            stderr(&o).contains(needle),
            "{args:?}: no {needle:?} in:\n{}",
            stderr(&o)
        );
        assert!(o.stdout.is_empty() || args.is_empty(), "{args:?}: {o:?}");
    }
    let o = run(&mut cmd(&["--help"]));
    assert!(o.status.success());
    let help = stdout(&o);
    for s in ["Exit status", "130", "usage error", "get-status"] {
        assert!(help.contains(s), "--help lacks {s:?}:\n{help}");
    }
    // `help` and `help COMMAND`, the API's names included.
    let o = run(&mut cmd(&["help"]));
    assert!(
        o.status.success() && stdout(&o).contains("Exit status"),
        "{o:?}"
    );
    let o = run(&mut cmd(&["help", "get-status"]));
    assert!(stdout(&o).contains("Usage: ultrastream status"), "{o:?}");
    let o = run(&mut cmd(&["help", "rec", "start"]));
    assert!(stdout(&o).contains("Usage: ultrastream rec start"), "{o:?}");
}

#[test]
fn every_api_method_is_a_command_by_its_vendor_name() {
    let methods: Vec<&str> = ultrastream::api::METHODS.iter().map(|m| m.name).collect();
    assert_eq!(methods.len(), 56);
    for m in &methods {
        let o = run(&mut cmd(&[m, "--help"]));
        assert!(o.status.success(), "ultrastream {m} --help: {o:?}");
        assert!(stdout(&o).contains("Usage: ultrastream "), "{m}: {o:?}");
    }
    let sim = sim_fast();
    let by_name = ok_json(&mut at(&sim, &["get-status"]));
    assert_eq!(by_name["result"], 0);
    assert!(by_name["cur-status"].is_u64(), "{by_name}");
    assert_eq!(ok_json(&mut at(&sim, &["start-rec"]))["result"], 0);
    let st = ok_json(&mut at(&sim, &["status"]));
    assert_ne!(st["cur-status"].as_u64().unwrap_or(0) & 0x02, 0, "{st}");
    assert_eq!(ok_json(&mut at(&sim, &["stop-rec"]))["result"], 0);
    assert_eq!(
        ok_json(&mut at(&sim, &["set-name", "name=By Vendor Name"]))["result"],
        0
    );
    assert_eq!(
        ok_json(&mut at(&sim, &["get-settings"]))["name"],
        "By Vendor Name"
    );
    // Global options before the vendor name.
    let o = run(&mut cmd(&[
        "--host",
        &sim.host(),
        "--password",
        "Admin",
        "get-info",
    ]));
    assert!(o.status.success(), "{o:?}");
}

#[test]
fn call_refuses_unknown_methods_with_close_names_unless_raw() {
    let sim = sim_fast();
    let o = run(&mut at(&sim, &["call", "get-stauts"]));
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    let e = stderr(&o);
    assert!(
        e.contains("`get-status`") && e.contains("nothing was sent") && e.contains("--raw"),
        "{e}"
    );
    let o = run(&mut at(&sim, &["call", "start-formatt-usb"]));
    assert!(stderr(&o).contains("`start-format-usb`"), "{o:?}");
    // --raw sends it: now the device answers (the simulator refuses it).
    let o = run(&mut at(&sim, &["call", "--raw", "get-stauts"]));
    assert!(!stderr(&o).contains("nothing was sent"), "{o:?}");
    assert_ne!(o.status.code(), Some(2), "{o:?}");
    // A body method says which command sends it.
    let o = run(&mut at(&sim, &["call", "del-media-files"]));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("ultrastream media remove"), "{o:?}");
}

/// `timeout --preserve-status -s INT SECS ultrastream ...`: SIGINT as a
/// shell's Ctrl-C sends it.
fn interrupted_after(secs: &str, c: &Command) -> Output {
    require_tool("timeout", &["--version"], "apt-get install coreutils");
    let mut t = Command::new("timeout");
    t.args(["--preserve-status", "-s", "INT", secs, BIN])
        .args(c.get_args())
        .stdin(Stdio::null());
    for (k, v) in c.get_envs() {
        match v {
            Some(v) => t.env(k, v),
            None => t.env_remove(k),
        };
    }
    run(&mut t)
}

/// Runs `c` with stderr piped and sends it SIGINT once it has printed its
/// first progress line (it is then polling a started operation).
fn interrupted_once_polling(mut c: Command) -> Output {
    use std::io::Read;
    let mut child = c
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start ultrastream");
    let mut err = child.stderr.take().expect("stderr");
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = seen.clone();
    let reader = std::thread::spawn(move || {
        let mut buf = [0u8; 512];
        while let Ok(n) = err.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    while !seen.lock().unwrap().contains(&b'%') {
        assert!(
            child.try_wait().expect("try_wait").is_none(),
            "ultrastream ended before polling: {}",
            String::from_utf8_lossy(&seen.lock().unwrap())
        );
        assert!(Instant::now() < deadline, "no progress line within 60 s");
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: kill(2) on our own child's pid; no memory is involved.
    let rc = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    assert_eq!(rc, 0, "kill -INT");
    let mut out = child.wait_with_output().expect("wait");
    reader.join().expect("reader");
    out.stderr = seen.lock().unwrap().clone();
    out
}

#[test]
fn ctrl_c_exits_130_and_wait_follows_the_operation_to_its_end() {
    let sim = sim_manual();
    // The format never ends on a manual clock: Ctrl-C stops the waiting.
    // SIGINT goes out once the CLI is polling (its first progress line), not
    // after a fixed time, so a loaded machine cannot move it before the start.
    let o = interrupted_once_polling(at(&sim, &["format", "usb"]));
    assert_eq!(o.status.code(), Some(130), "{o:?}");
    let e = stderr(&o);
    let st = ok_json(&mut at(&sim, &["status"]));
    assert_eq!(st["format-status"]["result"], 2, "{st}");
    assert!(e.contains("`ultrastream wait`"), "{e}");
    assert!(!e.contains("clear-format-usb"), "{e}");
    // A second format is refused with a hint that names the command.
    let o = run(&mut at(&sim, &["format", "usb"]));
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    assert!(stderr(&o).contains("`ultrastream wait`"), "{o:?}");
    // wait follows it to its end (the clock moves while it polls) and clears it.
    let mut w = at(&sim, &["wait", "--interval", "0.05"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start ultrastream wait");
    let deadline = Instant::now() + Duration::from_secs(60);
    while w.try_wait().expect("wait").is_none() {
        assert!(Instant::now() < deadline, "wait did not end");
        advance(&sim, 2_000);
        std::thread::sleep(Duration::from_millis(50));
    }
    let o = w.wait_with_output().expect("output");
    assert!(o.status.success(), "{o:?}");
    let v: Value = serde_json::from_str(stdout(&o).trim()).expect("JSON");
    assert_eq!(
        (v["result"].as_i64(), v["operation"].as_str()),
        (Some(0), Some("format")),
        "{v}"
    );
    assert_eq!(v["cleared"], true);
    let st = ok_json(&mut at(&sim, &["status"]));
    assert_eq!(st["format-status"]["result"], 27, "{st}");
    // Nothing running: wait says so at once; clear clears nothing.
    let v = ok_json(&mut at(&sim, &["wait"]));
    assert_eq!(v["operation"], Value::Null, "{v}");
    let v = ok_json(&mut at(&sim, &["clear"]));
    assert_eq!(v["cleared"], serde_json::json!([]), "{v}");

    // A restart (sent by its API name only): wait sees the device go away
    // and come back.
    ok_json(&mut at(&sim, &["call", "reboot"]));
    let mut w = at(&sim, &["wait", "--interval", "0.05"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start ultrastream wait");
    let deadline = Instant::now() + Duration::from_secs(60);
    while w.try_wait().expect("wait").is_none() {
        assert!(
            Instant::now() < deadline,
            "wait did not end after the reboot"
        );
        advance(&sim, 1_000);
        std::thread::sleep(Duration::from_millis(50));
    }
    let o = w.wait_with_output().expect("output");
    assert!(o.status.success(), "{o:?}");
    let v: Value = serde_json::from_str(stdout(&o).trim()).expect("JSON");
    assert_eq!(v["operation"], "restart", "{v}");
    assert_eq!(ok_json(&mut at(&sim, &["ping"]))["result"], 0);

    // Ctrl-C while a request hangs (a server that never answers): 130 at once.
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let host = l.local_addr().expect("addr").to_string();
    let o = interrupted_after("2", &cmd(&["ping", "--host", &host]));
    assert_eq!(o.status.code(), Some(130), "{o:?}");
    // SIGTERM: 143, as a shell reports it.
    let mut t = Command::new("timeout");
    t.args([
        "--preserve-status",
        "-s",
        "TERM",
        "2",
        BIN,
        "ping",
        "--host",
        &host,
    ])
    .stdin(Stdio::null());
    let o = run(&mut t);
    assert_eq!(o.status.code(), Some(143), "{o:?}");
    drop(l);
}

/// Lines of stderr that report progress ("what: N%").
fn percents(err: &str) -> Vec<i32> {
    err.lines()
        .filter_map(|l| {
            l.strip_suffix('%')?
                .rsplit(": ")
                .next()?
                .trim()
                .parse()
                .ok()
        })
        .collect()
}

#[test]
fn progress_in_a_pipe_is_sparse_and_only_rises_and_quiet_silences_it() {
    let sim = sim_fast();
    let dir = Scratch::new("cli-ux-fw");
    let file = dir.path().join("fw.mwf");
    let file_s = file.to_str().expect("utf-8");
    // sim firmware writes the file the simulator's own function makes.
    let v = ok_json(&mut cmd(&[
        "sim",
        "firmware",
        file_s,
        "--version",
        "1.2.300",
    ]));
    assert_eq!(v["version"], "1.2.300");
    let bytes = std::fs::read(&file).expect("firmware file written");
    assert_eq!(
        bytes,
        ultrastream::sim::fake_firmware(Model::Hdmi, "1.2.300")
    );

    let t0 = Instant::now();
    let o = run(&mut at(&sim, &["firmware", "update", file_s]));
    let secs = t0.elapsed().as_secs() as usize;
    assert!(o.status.success(), "{o:?}");
    let v: Value = serde_json::from_str(stdout(&o).trim()).expect("JSON");
    assert_eq!(v["version"], "1.2.300", "{v}");
    let err = stderr(&o);
    assert!(!err.contains('\r'), "a bar in a pipe: {err:?}");
    let p = percents(&err);
    assert!(p.len() >= 2 && p.last() == Some(&100), "{err}");
    assert!(
        p.windows(2).all(|w| w[0] <= w[1]),
        "the percent went back: {p:?}\n{err}"
    );
    // At most one line per 10 % or per second.
    assert!(
        p.len() <= 11 + secs + 1,
        "{} lines in {secs} s:\n{err}",
        p.len()
    );

    // --quiet: the same result, nothing on stderr.
    ok_json(&mut at(&sim, &["rec", "stop"]));
    let o = run(&mut at(&sim, &["format", "usb", "--quiet"]));
    assert!(o.status.success(), "{o:?}");
    assert!(o.stderr.is_empty(), "{o:?}");
    let o = run(&mut at(&sim, &["-q", "test", "usb"]));
    assert!(o.status.success() && o.stderr.is_empty(), "{o:?}");
    // A pipe gets one compact line of JSON.
    let o = run(&mut at(&sim, &["status"]));
    assert_eq!(stdout(&o).trim_end().lines().count(), 1, "{o:?}");
}

/// Run under a pseudo-terminal (util-linux `script`); its output, both
/// streams as the terminal showed them.
fn on_pty(sim: &Simulator, args: &[&str]) -> (Option<i32>, String) {
    require_tool(
        "script",
        &["--version"],
        "apt-get install bsdutils (util-linux's script)",
    );
    let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    let line: Vec<String> = std::iter::once(BIN)
        .chain(args.iter().copied())
        .map(quote)
        .collect();
    let o = run(Command::new("script")
        .args(["-qfec", &line.join(" "), "/dev/null"])
        .env("ULTRASTREAM_HOST", sim.host())
        .env("ULTRASTREAM_PASSWORD", "Admin")
        .stdin(Stdio::null()));
    (o.status.code(), stdout(&o))
}

#[test]
fn a_terminal_gets_a_bar_and_indented_json() {
    let sim = sim_fast();
    let (code, out) = on_pty(&sim, &["status"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("\n  \"result\": 0"), "not indented: {out:?}");
    let (code, out) = on_pty(&sim, &["format", "usb"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("\r\x1b[2K") && out.contains("] 100%"),
        "no bar: {out:?}"
    );
    let (code, out) = on_pty(&sim, &["format", "usb", "--quiet"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(!out.contains('%'), "--quiet drew progress: {out:?}");
}

#[test]
fn tables_where_they_fit_and_server_add_prints_the_id() {
    let sim = sim_fast();
    let o = run(&mut at(&sim, &["info", "--table"]));
    assert!(o.status.success(), "{o:?}");
    let t = stdout(&o);
    assert!(
        t.starts_with("field") && t.contains("product.firmware-ver-s"),
        "{t}"
    );
    let t = stdout(&run(&mut at(&sim, &["users", "list", "--table"])));
    assert!(t.lines().any(|l| l.starts_with("Admin ")), "{t}");
    let t = stdout(&run(&mut at(&sim, &["--table", "settings"])));
    assert!(t.lines().any(|l| l.starts_with("name ")), "{t}");
    for args in [
        &["--table", "rec", "start"][..],
        &["server", "add", "name=x", "--table"],
    ] {
        let o = run(&mut at(&sim, args));
        assert_eq!(o.status.code(), Some(2), "{args:?}: {o:?}");
    }

    let v = ok_json(&mut at(
        &sim,
        &[
            "server",
            "add",
            "type=rtmp",
            "name=Id",
            "url=rtmp://127.0.0.1/a",
            "key=k",
        ],
    ));
    let id = v["id"].as_i64().unwrap_or_else(|| panic!("no id: {v}"));
    let list = ok_json(&mut at(&sim, &["server", "list"]));
    let named = list
        .as_array()
        .and_then(|a| a.iter().find(|s| s["name"] == "Id"))
        .unwrap_or_else(|| panic!("{list}"));
    assert_eq!(named["id"].as_i64(), Some(id));
}

#[test]
fn completions_for_bash_zsh_and_fish() {
    for shell in ["bash", "zsh", "fish"] {
        let o = run(&mut cmd(&["completions", shell]));
        assert!(o.status.success(), "{shell}: {o:?}");
        let s = stdout(&o);
        for word in ["ultrastream", "firmware", "discover", "host", "quiet"] {
            assert!(s.contains(word), "{shell}: no {word}");
        }
    }
    // The bash script parses.
    require_tool("bash", &["--version"], "apt-get install bash");
    let dir = Scratch::new("cli-ux-completions");
    let f = dir.path().join("ultrastream.bash");
    std::fs::write(&f, run(&mut cmd(&["completions", "bash"])).stdout).expect("write");
    let o = run(Command::new("bash").arg("-n").arg(&f));
    assert!(o.status.success(), "{o:?}");
}

/// docs/cli.md's shell lines run as written against a simulator (the
/// simulated device's address in place of 127.0.0.1:8080, a scratch
/// folder for /tmp and the home folder; `| jq` and `&` dropped).
#[test]
fn the_cli_guide_commands_run() {
    let sim = sim_fast();
    let dir = Scratch::new("cli-ux-guide");
    let bin_dir = dir.path().join("bin");
    std::fs::create_dir_all(&bin_dir).expect("bin folder");
    std::os::unix::fs::symlink(BIN, bin_dir.join("ultrastream")).expect("symlink");
    let home = dir.path().join("home");
    for sub in [
        ".local/share/bash-completion/completions",
        ".zfunc",
        ".config/fish/completions",
    ] {
        std::fs::create_dir_all(home.join(sub)).expect("home folders");
    }
    let guide = std::fs::read_to_string(harness::root().join("docs/cli.md")).expect("docs/cli.md");
    let mut in_block = false;
    let mut ran = 0;
    for line in guide.lines() {
        if line.starts_with("```") {
            in_block = line == "```sh";
            continue;
        }
        if !in_block
            || !line.starts_with("ultrastream ")
            || line.starts_with("ultrastream sim --port")
        {
            continue;
        }
        // The comment, a pipe into jq.
        let mut l = line
            .split("  #")
            .next()
            .unwrap_or(line)
            .trim_end()
            .to_string();
        if let Some(i) = l.find(" | ") {
            l.truncate(i);
        }
        let l = l
            .replace("127.0.0.1:8080", &sim.host())
            .replace("/tmp/", &format!("{}/", dir.path().display()))
            .replace("~/", "$HOME/");
        let path = format!(
            "{}:{}",
            bin_dir.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let o = run(Command::new("sh")
            .args(["-c", &l])
            .env("PATH", path)
            .env("HOME", &home)
            .env("ULTRASTREAM_HOST", sim.host())
            .env("ULTRASTREAM_PASSWORD", "Admin")
            .stdin(Stdio::null()));
        assert!(
            o.status.success(),
            "docs/cli.md: `{line}` (ran `{l}`): {o:?}"
        );
        ran += 1;
    }
    assert!(ran >= 10, "only {ran} commands found in docs/cli.md");
    let fish = home.join(".config/fish/completions/ultrastream.fish");
    assert!(
        std::fs::metadata(fish)
            .map(|m| m.len() > 0)
            .unwrap_or(false)
    );
}
