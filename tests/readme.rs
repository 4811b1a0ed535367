//! The README's snippets work as written: the C snippet builds and runs
//! from the checkout (before any install) with the README's own command,
//! against the simulator; the Rust snippet is examples/readme.rs (which
//! cargo builds with the tests); nothing in the README's snippets or the
//! examples defaults to an address off this machine.

#[path = "common/harness.rs"]
mod harness;

use harness::{Scratch, built_lib_dir, deps_lib_dir, require_tool, root};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

fn readme() -> String {
    std::fs::read_to_string(root().join("README.md")).expect("README.md")
}

/// The body of the first fenced block of `lang` after the heading line `heading`.
fn block_after(text: &str, heading: &str, lang: &str) -> String {
    let start = text
        .find(&format!("\n{heading}\n"))
        .unwrap_or_else(|| panic!("no heading {heading}"));
    let rest = &text[start..];
    let open = format!("```{lang}\n");
    let b = rest
        .find(&open)
        .unwrap_or_else(|| panic!("no {lang} block after {heading}"))
        + open.len();
    let e = rest[b..].find("```").expect("closing fence") + b;
    rest[b..e].to_string()
}

#[test]
fn the_c_snippet_builds_and_runs_in_the_checkout_as_written() {
    require_tool("cc", &["--version"], "apt-get install gcc");
    let text = readme();
    let app_c = block_after(&text, "## C", "c");
    assert!(
        !app_c.contains("10.0.0.5"),
        "the C snippet defaults to a made-up address"
    );
    let commands = block_after(&text, "## C", "sh");
    let cc_line = commands
        .lines()
        .find(|l| l.starts_with("cc app.c"))
        .expect("the README's cc command");
    let run_line = commands
        .lines()
        .find(|l| l.starts_with("./app ") || *l == "./app")
        .map(|l| l.split('#').next().unwrap_or(l).trim().to_string())
        .expect("the README's ./app command");
    assert_eq!(run_line, "./app");

    // A folder laid out like the checkout: include/ and target/ as there.
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("readme-c-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    let lib = built_lib_dir();
    let target = lib.parent().expect("target folder");
    std::os::unix::fs::symlink(root().join("include"), dir.join("include")).expect("link include");
    std::fs::create_dir_all(dir.join("target")).expect("target folder");
    std::os::unix::fs::symlink(&lib, dir.join("target").join("debug")).expect("link target/debug");
    assert!(
        target.join("debug").exists(),
        "the README builds against target/debug"
    );
    std::fs::write(dir.join("app.c"), &app_c).expect("write app.c");
    let sh = |line: &str| {
        Command::new("sh")
            .arg("-c")
            .arg(line)
            .current_dir(&dir)
            .env("PWD", &dir)
            .env_remove("LD_LIBRARY_PATH")
            .output()
            .expect("run sh")
    };
    let built = sh(&format!("{cc_line} -Wall -Wextra -Werror"));
    assert!(built.status.success(), "{cc_line}: {built:?}");
    let out = sh(&run_line);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "./app: {out:?}");
    let v: serde_json::Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("not the status JSON ({e}): {stdout}"));
    assert_eq!(v["result"], 0);
    assert!(v["cur-status"].is_u64());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_rust_snippet_is_the_readme_example_and_logs_out() {
    let snippet = block_after(&readme(), "## Rust", "rust");
    let example =
        std::fs::read_to_string(root().join("examples/readme.rs")).expect("examples/readme.rs");
    assert!(
        example.contains(&snippet),
        "README's Rust snippet and examples/readme.rs differ"
    );
    assert!(
        snippet.contains("dev.logout()"),
        "the snippet never logs out"
    );
}

#[test]
fn no_snippet_or_example_defaults_to_a_made_up_address() {
    let mut files = vec![root().join("README.md")];
    for dir in ["examples", "examples/c", "examples/cpp", "examples/python"] {
        if let Ok(rd) = std::fs::read_dir(root().join(dir)) {
            files.extend(
                rd.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.is_file()),
            );
        }
    }
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        for (n, line) in text.lines().enumerate() {
            // A default is an address in code, not one the user types.
            let code = !line.trim_start().starts_with("//")
                && !line.trim_start().starts_with('#')
                && !line.trim_start().starts_with('*')
                && !line.contains("./")
                && !line.contains("cargo run");
            assert!(
                !(code && line.contains("\"10.0.0.5\"")),
                "{}:{}: {line}",
                f.display(),
                n + 1
            );
        }
    }
}

const LONG_OPS: &str = "## Long operations and the fleet watcher";

/// Run a snippet's program in `dir` with a bound; require exit 0 and the
/// new firmware version in what it printed.
fn assert_updates_the_simulator(cmd: &mut Command, what: &str) -> String {
    let out = harness::run(cmd, Duration::from_secs(300));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("1.2.200"),
        "{what}: no new version in\n{stdout}"
    );
    stdout
}

#[test]
fn the_long_operation_snippets_build_and_update_the_simulator() {
    let text = readme();
    let dir = Scratch::new("longops");
    let lib = deps_lib_dir();
    let link = |cmd: &mut Command| {
        cmd.arg("-I")
            .arg(root().join("include"))
            .arg(format!("-L{}", lib.display()))
            .arg(format!("-Wl,-rpath,{}", lib.display()))
            .arg("-lultrastream")
            .current_dir(dir.path());
    };

    require_tool("cc", &["--version"], "apt-get install gcc");
    std::fs::write(
        dir.path().join("longops.c"),
        block_after(&text, LONG_OPS, "c"),
    )
    .unwrap();
    let mut cc = Command::new("cc");
    cc.args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic"])
        .args(["longops.c", "-o", "longops_c"]);
    link(&mut cc);
    harness::run_ok(&mut cc, Duration::from_secs(300));
    let out = assert_updates_the_simulator(
        Command::new(dir.path().join("longops_c")).current_dir(dir.path()),
        "the C snippet",
    );
    assert!(out.contains("upload uploading"), "{out}");

    require_tool("c++", &["--version"], "apt-get install g++");
    std::fs::write(
        dir.path().join("longops.cpp"),
        block_after(&text, LONG_OPS, "cpp"),
    )
    .unwrap();
    let mut cxx = Command::new("c++");
    cxx.args(["-std=c++17", "-Wall", "-Wextra", "-Werror"])
        .arg("-I")
        .arg(root().join("bindings/cpp"))
        .args(["longops.cpp", "-o", "longops_cpp"]);
    link(&mut cxx);
    harness::run_ok(&mut cxx, Duration::from_secs(300));
    assert_updates_the_simulator(
        Command::new(dir.path().join("longops_cpp")).current_dir(dir.path()),
        "the C++ snippet",
    );

    require_tool("python3", &["--version"], "apt-get install python3");
    std::fs::write(
        dir.path().join("longops.py"),
        block_after(&text, LONG_OPS, "python"),
    )
    .unwrap();
    assert_updates_the_simulator(
        Command::new("python3")
            .arg("longops.py")
            .current_dir(dir.path())
            .env("PYTHONPATH", root().join("bindings/python/src"))
            .env("ULTRASTREAM_LIB", lib.join("libultrastream.so")),
        "the Python snippet",
    );
}
