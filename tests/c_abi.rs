//! Compiles tests/c/abi_test.c with -Wall -Wextra -Werror against the
//! committed header and the library cargo just built, then runs it.

#[path = "common/harness.rs"]
mod harness;

use harness::{cc_against_lib, deps_lib_dir, root};
use std::process::Command;

#[test]
fn c_program_compiles_warning_free_and_passes() {
    let out_dir = std::env::temp_dir().join(format!("usapi-c-abi-{}", std::process::id()));
    std::fs::create_dir_all(&out_dir).unwrap();
    let exe = out_dir.join("abi_test");
    cc_against_lib(
        &["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic"],
        &root().join("tests/c/abi_test.c"),
        &exe,
        &deps_lib_dir(),
    );
    // The program writes its scratch files (a test firmware) where it runs.
    let out = Command::new(&exe)
        .current_dir(&out_dir)
        .output()
        .expect("run abi_test");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "abi_test failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("all checks passed"), "{stdout}");
    let _ = std::fs::remove_dir_all(&out_dir);
}
