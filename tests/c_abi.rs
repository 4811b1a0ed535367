//! Compiles tests/c/abi_test.c with -Wall -Wextra -Werror against the
//! committed header and the library cargo just built, then runs it.

use std::path::PathBuf;
use std::process::Command;

/// The library built for this very test run: `cargo test` compiles the
/// crate's cdylib into target/<profile>/deps, next to this executable (it
/// is only copied up to target/<profile> by `cargo build`).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    exe.parent().expect("target/<profile>/deps").to_path_buf()
}

#[test]
fn c_program_compiles_warning_free_and_passes() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let lib_dir = target_dir();
    assert!(
        lib_dir.join("libultrastream.so").exists(),
        "libultrastream.so not built in {}",
        lib_dir.display()
    );
    let out_dir = std::env::temp_dir().join(format!("usapi-c-abi-{}", std::process::id()));
    std::fs::create_dir_all(&out_dir).unwrap();
    let exe = out_dir.join("abi_test");
    let status = Command::new("cc")
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic"])
        .arg("-I")
        .arg(root.join("include"))
        .arg(root.join("tests/c/abi_test.c"))
        .arg("-o")
        .arg(&exe)
        .arg(format!("-L{}", lib_dir.display()))
        .arg(format!("-Wl,-rpath,{}", lib_dir.display()))
        .arg("-lultrastream")
        .status()
        .expect("run cc");
    assert!(status.success(), "cc failed");
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
