//! Compiles tests/c/abi_test.c with -Wall -Wextra -Werror against the
//! committed header and the library cargo just built, then runs it.

use crate::harness;

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

/// The C library comes from the capi/ package linking the crate's rlib:
/// every function the header declares must be exported by the shared
/// library and defined in the static one (the linker would drop what
/// nothing references if the rlib's exports were not kept).
#[test]
fn every_header_function_is_exported() {
    harness::require_tool("nm", &["--version"], "apt-get install binutils");
    let lib = deps_lib_dir();
    let header = std::fs::read_to_string(root().join("include/ultrastream.h")).expect("header");
    let declared = harness::header_functions(&header);
    assert!(declared.len() > 50, "few functions found in the header");
    for (file, args) in [
        ("libultrastream.so", &["-D", "--defined-only"][..]),
        ("libultrastream.a", &["--defined-only"][..]),
    ] {
        let path = lib.join(file);
        let out = Command::new("nm")
            .args(args)
            .arg(&path)
            .output()
            .expect("run nm");
        assert!(out.status.success(), "nm {}", path.display());
        let listing = String::from_utf8_lossy(&out.stdout);
        let defined: std::collections::HashSet<&str> = listing
            .lines()
            .filter_map(|l| {
                let mut f = l.split_whitespace();
                let (kind, name) = (f.nth(1)?, f.next()?);
                (kind == "T").then_some(name)
            })
            .collect();
        let missing: Vec<&String> = declared
            .iter()
            .filter(|f| !defined.contains(f.as_str()))
            .collect();
        assert!(missing.is_empty(), "{file} lacks {missing:?}");
    }
}
