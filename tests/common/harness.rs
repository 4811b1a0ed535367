//! Harness for the tests that build and run programs outside cargo (C, C++,
//! Python, valgrind, the CLI): where the library of this test run is, a
//! scratch folder, running a command with a bound, requiring a tool with
//! what to install. Included with
//! `#[path = "../common/harness.rs"] mod harness;` in tests/it/main.rs (kept apart from
//! common/mod.rs, the scripted HTTP server, so neither drags the other in).
#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// target/<profile>/deps, next to this test executable, after
/// `cargo build --lib` (see built_lib_dir): the C library comes from the
/// capi/ workspace member, which a single test target does not build.
pub fn deps_lib_dir() -> PathBuf {
    let dir = built_lib_dir().join("deps");
    assert!(
        dir.join("libultrastream.so").exists(),
        "libultrastream.so not built in {}",
        dir.display()
    );
    dir
}

/// cargo's target folder of this run (tests run from target/<profile>/deps).
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    exe.ancestors()
        .nth(3)
        .expect("target folder above target/<profile>/deps")
        .to_path_buf()
}

/// target/<profile> of this test run, after `cargo build --lib` there
/// (the workspace's default members: the crate and capi/, which makes
/// libultrastream.so / .a): `cargo test` does not put the C library in
/// target/<profile>, where the examples link it.
/// Built once per test process; cargo holds its build lock only while
/// compiling, not while tests run, so this cannot deadlock.
pub fn built_lib_dir() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let exe = std::env::current_exe().expect("test executable path");
        let dir = exe
            .ancestors()
            .nth(2)
            .expect("target/<profile>")
            .to_path_buf();
        let target = dir.parent().expect("target folder");
        let mut cargo = Command::new(env!("CARGO"));
        cargo
            .args(["build", "--lib"])
            .current_dir(root())
            .env("CARGO_TARGET_DIR", target);
        if dir.file_name().is_some_and(|n| n == "release") {
            cargo.arg("--release");
        }
        run_ok(&mut cargo, Duration::from_secs(900));
        assert!(
            dir.join("libultrastream.so").exists(),
            "`cargo build --lib` did not produce {}",
            dir.join("libultrastream.so").display()
        );
        dir
    })
    .clone()
}

/// A scratch folder under cargo's target/tmp named after the test binary,
/// removed on drop (kept when ULTRASTREAM_KEEP_TMP=1, for debugging).
pub struct Scratch(PathBuf);

impl Scratch {
    pub fn new(tag: &str) -> Scratch {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
            "{}-{tag}-{}-{}",
            env!("CARGO_CRATE_NAME"),
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create scratch folder");
        Scratch(dir)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if std::env::var_os("ULTRASTREAM_KEEP_TMP").is_none() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// Fail unless `tool ARGS` runs and succeeds; say what to install.
pub fn require_tool(tool: &str, args: &[&str], install: &str) {
    let ok = Command::new(tool)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(
        ok,
        "`{tool}` is required by this test and was not found: install it ({install}); .ci/run installs it"
    );
}

/// Run `cmd` with a deadline, capturing its output: `Err` with what it
/// printed so far when it had to be killed at the deadline.
pub fn run_bounded(cmd: &mut Command, timeout: Duration) -> Result<Output, Output> {
    // cargo runs tests with LD_LIBRARY_PATH pointing into target/<profile>/deps;
    // programs under test must find the library through their own rpath,
    // pkg-config or an LD_LIBRARY_PATH the test sets itself.
    if !cmd.get_envs().any(|(k, _)| k == "LD_LIBRARY_PATH") {
        cmd.env_remove("LD_LIBRARY_PATH");
    }
    let desc = format!("{cmd:?}");
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("could not start {desc}: {e}"));
    let mut out_pipe = child.stdout.take().expect("stdout pipe");
    let mut err_pipe = child.stderr.take().expect("stderr pipe");
    // Both pipes are drained while the child runs, so a chatty program
    // never blocks on a full pipe.
    let out_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out_pipe.read_to_end(&mut v);
        v
    });
    let err_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err_pipe.read_to_end(&mut v);
        v
    });
    let start = Instant::now();
    let (status, finished) = loop {
        if let Some(status) = child.try_wait().expect("wait for child") {
            break (status, true);
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            break (child.wait().expect("wait for killed child"), false);
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = Output {
        status,
        stdout: out_reader.join().unwrap_or_default(),
        stderr: err_reader.join().unwrap_or_default(),
    };
    if finished { Ok(out) } else { Err(out) }
}

/// Run `cmd` with a deadline, capturing its output; past the deadline the
/// test fails with what the command printed.
pub fn run(cmd: &mut Command, timeout: Duration) -> Output {
    let desc = format!("{cmd:?}");
    run_bounded(cmd, timeout).unwrap_or_else(|out| {
        panic!(
            "{desc} did not finish within {timeout:?}\n--- stdout\n{}\n--- stderr\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Run `cmd`, require exit status 0, return its stdout.
pub fn run_ok(cmd: &mut Command, timeout: Duration) -> String {
    let desc = format!("{cmd:?}");
    let out = run(cmd, timeout);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{desc} failed ({})\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status
    );
    stdout
}

/// `cc FLAGS -I include SRC -o EXE` linked against libultrastream in `lib`
/// (with an rpath, so the program runs without LD_LIBRARY_PATH); fails the
/// test with cc's messages.
pub fn cc_against_lib(flags: &[&str], src: &Path, exe: &Path, lib: &Path) {
    require_tool("cc", &["--version"], "apt-get install gcc");
    let out = Command::new("cc")
        .args(flags)
        .arg("-I")
        .arg(root().join("include"))
        .arg(src)
        .arg("-o")
        .arg(exe)
        .arg(format!("-L{}", lib.display()))
        .arg(format!("-Wl,-rpath,{}", lib.display()))
        .arg("-lultrastream")
        .output()
        .expect("run cc");
    assert!(
        out.status.success(),
        "cc failed on {}:\n{}",
        src.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `valgrind --leak-check=full --error-exitcode=CODE --errors-for-leak-kinds=KINDS`
/// with our suppressions (scripts/valgrind.supp: one Rust-std entry,
/// explained there), ready for the program and its arguments.
pub fn valgrind(error_exitcode: u8, leak_kinds: &str) -> Command {
    require_tool("valgrind", &["--version"], "apt-get install valgrind");
    let mut cmd = Command::new("valgrind");
    cmd.arg("--leak-check=full")
        .arg(format!("--error-exitcode={error_exitcode}"))
        .arg(format!("--errors-for-leak-kinds={leak_kinds}"))
        .arg(format!(
            "--suppressions={}",
            root().join("scripts/valgrind.supp").display()
        ));
    cmd
}

/// Exit 0, no valgrind error, nothing definitely lost.
pub fn assert_valgrind_clean(out: &Output, what: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{what} under valgrind failed ({}):\n{}\n{stderr}",
        out.status,
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        stderr.contains("ERROR SUMMARY: 0 errors"),
        "{what}:\n{stderr}"
    );
    assert!(
        stderr.contains("definitely lost: 0 bytes")
            || stderr.contains("All heap blocks were freed"),
        "{what}:\n{stderr}"
    );
}

/// A fresh venv in `dir`/venv (python3 -m venv: pip only, nothing from the
/// network); returns its python.
pub fn venv(dir: &Path, timeout: Duration) -> PathBuf {
    require_tool(
        "python3",
        &["-c", "import venv, ensurepip"],
        "apt-get install python3-venv",
    );
    let venv = dir.join("venv");
    run_ok(
        Command::new("python3").arg("-m").arg("venv").arg(&venv),
        timeout,
    );
    venv.join("bin/python")
}

/// The vendor demo's sections, in order, each followed by JSON.
pub fn assert_demo_sections(stdout: &str) {
    let mut at = 0;
    for heading in [
        "***** 1. login *****",
        "login response data:",
        "***** 2. get info *****",
        "get info response data:",
        "***** 3. upload firmware *****",
        "upload firmware response data:",
    ] {
        let pos = stdout[at..].find(heading).map(|p| p + at);
        let pos =
            pos.unwrap_or_else(|| panic!("`{heading}` missing (or out of order) in:\n{stdout}"));
        at = pos + heading.len();
    }
    // JSON checks ignore layout (the C demo indents, the C++ one does not).
    let squeezed: String = stdout.split_whitespace().collect();
    for want in [
        "\"result\":0",
        "\"product-name\":\"UltraStream\"",
        "\"up-to-date\":",
        "\"version\":\"1.2.123\"",
    ] {
        assert!(squeezed.contains(want), "`{want}` missing in:\n{stdout}");
    }
}

/// The functions a C header declares (`usapi_NAME(` on a declaration
/// line, comments skipped), sorted and without repeats.
pub fn header_functions(header: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in header.lines() {
        let t = line.trim_start();
        if t.starts_with('*') || t.starts_with("/*") || t.starts_with("//") || t.starts_with('#') {
            continue;
        }
        let mut rest = t;
        while let Some(i) = rest.find("usapi_") {
            let name: String = rest[i..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            rest = &rest[i + name.len()..];
            if rest.starts_with('(') && !out.contains(&name) {
                out.push(name);
            }
        }
    }
    out.sort();
    out
}

/// Runs the test `path` (`module_path!()::name`, as `alone!` gives it) again
/// in a process of its own: `true` here in the parent, once the child passed
/// (the test then returns); `false` in the child, where its body runs.
/// For the tests that measure or change the whole process (peak RSS,
/// RLIMIT_NOFILE and a thousand sockets, a process-wide panic hook, a count
/// of the process's threads), which tests running beside them in one
/// process would disturb. As children of this binary they run beside the
/// other tests instead of after them, in binaries of their own.
pub fn rerun_alone(path: &str) -> bool {
    const CHILD: &str = "ULTRASTREAM_TEST_ALONE";
    let test = path.split_once("::").map_or(path, |(_, t)| t);
    if std::env::var_os(CHILD).is_some_and(|v| v == test) {
        return false;
    }
    let exe = std::env::current_exe().expect("test executable path");
    let mut cmd = Command::new(exe);
    cmd.args([test, "--exact", "--test-threads=1", "--nocapture"])
        .env(CHILD, test);
    // The child sees what cargo gave this process (run_bounded would drop it).
    if let Some(p) = std::env::var_os("LD_LIBRARY_PATH") {
        cmd.env("LD_LIBRARY_PATH", p);
    }
    let out = run(&mut cmd, Duration::from_secs(600));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("test result: ok. 1 passed"),
        "{test}, run in a process of its own, failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status
    );
    // What the test printed, for `--nocapture`.
    eprint!("{stdout}{stderr}");
    true
}

/// First line of a test that needs a process of its own (see rerun_alone).
macro_rules! alone {
    ($name:ident) => {
        if $crate::harness::rerun_alone(concat!(module_path!(), "::", stringify!($name))) {
            return;
        }
    };
}
pub(crate) use alone;
