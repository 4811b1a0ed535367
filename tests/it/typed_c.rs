//! The "no JSON parser" C program (tests/c/typed_structs.c): compiled with
//! -std=c11 -Wall -Wextra -Werror -pedantic against the committed header
//! and the library this test run built, then run under valgrind (no
//! errors, no leaks) against the built-in simulator.
//!
//! Needs cc and valgrind; a missing tool fails the test and says what to install.

use crate::harness;

use harness::{assert_valgrind_clean, cc_against_lib, deps_lib_dir, root, run};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

fn build(out_dir: &Path) -> PathBuf {
    let exe = out_dir.join("typed_structs");
    cc_against_lib(
        &["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic", "-g"],
        &root().join("tests/c/typed_structs.c"),
        &exe,
        &deps_lib_dir(),
    );
    exe
}

#[test]
fn c_program_streams_to_a_named_server_using_only_structs_under_valgrind() {
    let out_dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("typed-c-{}", std::process::id()));
    std::fs::create_dir_all(&out_dir).expect("create scratch folder");
    let exe = build(&out_dir);

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

    let out = run(
        harness::valgrind(1, "definite,possible").arg(&exe),
        Duration::from_secs(300),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("all checks passed"), "{stdout}");
    assert_valgrind_clean(&out, "typed_structs");
    let _ = std::fs::remove_dir_all(&out_dir);
}
