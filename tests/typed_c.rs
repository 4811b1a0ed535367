//! The "no JSON parser" C program (tests/c/typed_structs.c): compiled with
//! -std=c11 -Wall -Wextra -Werror -pedantic against the committed header
//! and the library this test run built, then run under valgrind (no
//! errors, no leaks) against the built-in simulator.
//!
//! Needs cc and valgrind; a missing tool fails the test and says what to install.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// target/<profile>/deps: `cargo test` builds the cdylib there.
fn lib_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    exe.parent().expect("target/<profile>/deps").to_path_buf()
}

fn require_tool(tool: &str, install: &str) {
    let ok = Command::new(tool)
        .arg("--version")
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

fn build(root: &Path, out_dir: &Path) -> PathBuf {
    require_tool("cc", "apt-get install gcc");
    let lib = lib_dir();
    assert!(
        lib.join("libultrastream.so").exists(),
        "libultrastream.so not built in {}",
        lib.display()
    );
    let exe = out_dir.join("typed_structs");
    let out = Command::new("cc")
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic", "-g"])
        .arg("-I")
        .arg(root.join("include"))
        .arg(root.join("tests/c/typed_structs.c"))
        .arg("-o")
        .arg(&exe)
        .arg(format!("-L{}", lib.display()))
        .arg(format!("-Wl,-rpath,{}", lib.display()))
        .arg("-lultrastream")
        .output()
        .expect("run cc");
    assert!(
        out.status.success(),
        "cc failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    exe
}

#[test]
fn c_program_streams_to_a_named_server_using_only_structs_under_valgrind() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let out_dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("typed-c-{}", std::process::id()));
    std::fs::create_dir_all(&out_dir).expect("create scratch folder");
    let exe = build(&root, &out_dir);

    // Plain run first: a failing check is easier to read without valgrind.
    let out = Command::new(&exe)
        .env_remove("LD_LIBRARY_PATH")
        .output()
        .expect("run typed_structs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "typed_structs failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("all checks passed"), "{stdout}");

    require_tool("valgrind", "apt-get install valgrind");
    let out = Command::new("valgrind")
        .args([
            "--leak-check=full",
            "--error-exitcode=1",
            "--errors-for-leak-kinds=definite,possible",
        ])
        .arg(format!(
            "--suppressions={}",
            root.join("scripts/valgrind.supp").display()
        ))
        .arg(&exe)
        .env_remove("LD_LIBRARY_PATH")
        .output()
        .expect("run valgrind");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "typed_structs under valgrind failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    assert!(stdout.contains("all checks passed"), "{stdout}");
    assert!(stderr.contains("ERROR SUMMARY: 0 errors"), "{stderr}");
    assert!(
        stderr.contains("definitely lost: 0 bytes")
            || stderr.contains("All heap blocks were freed"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&out_dir);
}
