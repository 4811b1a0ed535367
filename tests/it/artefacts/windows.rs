//! Windows: cargo cross-builds ultrastream.dll (with its import library
//! libultrastream.dll.a) for x86_64-pc-windows-gnu, in release as the
//! win_amd64 wheel gets it; MinGW compiles the C
//! demo and the C ABI test program against it and the committed header;
//! Wine runs both against the DLL's own simulator on loopback.
//!
//! Needs the rustup target and Debian's gcc-mingw-w64-x86-64 and wine64
//! (.ci/run installs them); a missing one fails the test with what to
//! install. Wine 8 lacks bcryptprimitives.dll, whose ProcessPrng Rust's
//! std calls: tests/windows/bcryptprimitives.c is a stand-in built beside
//! the programs (Windows 10+ and Wine 9+ have the real one).

use super::{in_background, own_target_dir};
use crate::harness;

use harness::{Scratch, assert_demo_sections, require_tool, root, run_ok, target_dir};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const TARGET: &str = "x86_64-pc-windows-gnu";
const MINGW_CC: &str = "x86_64-w64-mingw32-gcc";
const BUILD: Duration = Duration::from_secs(900);
const RUN: Duration = Duration::from_secs(180);

/// Fail unless rustup installed the Windows target's standard library.
fn require_target() {
    let sysroot = run_ok(
        Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
            .args(["--print", "sysroot"]),
        RUN,
    );
    let lib = Path::new(sysroot.trim()).join("lib/rustlib").join(TARGET);
    assert!(
        lib.is_dir(),
        "the Rust target {TARGET} is not installed ({} missing): run `rustup target add {TARGET}`; .ci/run does",
        lib.display()
    );
}

/// Wine's 64-bit loader: Debian keeps it in /usr/lib/wine.
fn wine64() -> PathBuf {
    for cand in ["/usr/lib/wine/wine64", "/usr/bin/wine64"] {
        if Path::new(cand).is_file() {
            return PathBuf::from(cand);
        }
    }
    require_tool("wine64", &["--version"], "apt-get install wine wine64");
    PathBuf::from("wine64")
}

/// `cargo build --release --lib -p ultrastream-capi --no-default-features
/// --features simulator --target x86_64-pc-windows-gnu`, stripped, into target/windows of this run (see
/// own_target_dir), in the background: the very build (command, profile,
/// environment) the Python backend runs for the win_amd64 wheel
/// (tests/it/artefacts/wheel.rs), so whichever test comes second finds it
/// done and these programs run against the DLL that ships.
/// Returns the folder holding the DLL.
fn build_dll() -> PathBuf {
    let target = own_target_dir("windows");
    run_ok(
        in_background(env!("CARGO"))
            .args([
                "build",
                "--target",
                TARGET,
                "-p",
                "ultrastream-capi",
                "--no-default-features",
                "--features",
                "simulator",
                "--release",
                "--lib",
            ])
            .arg("--manifest-path")
            .arg(root().join("Cargo.toml"))
            .current_dir(root())
            .env("CARGO_TARGET_DIR", &target)
            .env("CARGO_PROFILE_RELEASE_STRIP", "symbols"),
        BUILD,
    );
    let dir = target.join(TARGET).join("release");
    for f in [
        "ultrastream.dll",
        "libultrastream.dll.a",
        "libultrastream.a",
    ] {
        assert!(
            dir.join(f).is_file(),
            "{f} missing in {} after the build",
            dir.display()
        );
    }
    dir
}

/// MinGW: `cc -std=c11 -Wall -Wextra -Werror -pedantic -I include SRC
/// -L LIB -lultrastream` (the import library, so the .exe loads the DLL).
fn mingw_cc(src: &Path, exe: &Path, lib: &Path) {
    run_ok(
        Command::new(MINGW_CC)
            .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic", "-I"])
            .arg(root().join("include"))
            .arg(src)
            .arg("-o")
            .arg(exe)
            .arg(format!("-L{}", lib.display()))
            .arg("-lultrastream"),
        RUN,
    );
}

/// Every function the header declares is exported by the DLL.
fn assert_exports(dll: &Path) {
    let dump = run_ok(
        Command::new("x86_64-w64-mingw32-objdump")
            .arg("-p")
            .arg(dll),
        RUN,
    );
    let header =
        std::fs::read_to_string(root().join("include/ultrastream.h")).expect("read the header");
    let declared = harness::header_functions(&header);
    assert!(declared.len() > 50, "few functions found in the header");
    let missing: Vec<&String> = declared
        .iter()
        .filter(|f| !dump.contains(&format!(" {f}\n")))
        .collect();
    assert!(
        missing.is_empty(),
        "ultrastream.dll does not export {missing:?}"
    );
}

#[test]
fn c_demo_and_abi_test_run_under_wine_against_the_dll() {
    require_target();
    require_tool(
        MINGW_CC,
        &["--version"],
        "apt-get install gcc-mingw-w64-x86-64",
    );
    let wine = wine64();
    let lib = build_dll();
    assert_exports(&lib.join("ultrastream.dll"));

    let dir = Scratch::new("wine");
    let bin = dir.path();
    std::fs::copy(lib.join("ultrastream.dll"), bin.join("ultrastream.dll")).expect("copy the DLL");
    run_ok(
        Command::new(MINGW_CC)
            .args(["-shared", "-O2", "-Wall", "-Wextra", "-Werror", "-o"])
            .arg(bin.join("bcryptprimitives.dll"))
            .arg(root().join("tests/windows/bcryptprimitives.c"))
            .arg("-ladvapi32"),
        RUN,
    );
    mingw_cc(
        &root().join("tests/c/abi_test.c"),
        &bin.join("abi_test.exe"),
        &lib,
    );
    mingw_cc(
        &root().join("examples/c/ultra_stream_demo.c"),
        &bin.join("ultra_stream_demo.exe"),
        &lib,
    );

    // One prefix per target folder, kept: creating it takes ~15 s.
    let prefix = target_dir().join("tmp/wineprefix");
    let wine_cmd = |exe: &str| {
        let mut c = Command::new(&wine);
        c.arg(exe)
            .current_dir(bin)
            .env("WINEPREFIX", &prefix)
            .env("WINEDEBUG", "-all")
            // No Mono / Gecko installer dialogs while the prefix is made.
            .env("WINEDLLOVERRIDES", "mscoree,mshtml=")
            .env(
                "TEMP",
                "Z:".to_string() + &bin.display().to_string().replace('/', "\\"),
            );
        c
    };
    let out = run_ok(&mut wine_cmd("abi_test.exe"), RUN);
    assert!(out.contains("abi_test: all checks passed"), "{out}");

    let out = run_ok(&mut wine_cmd("ultra_stream_demo.exe"), RUN);
    assert_demo_sections(&out);
    assert!(
        out.contains("(no device given: using the built-in simulator at 127.0.0.1:"),
        "{out}"
    );
    // Its temporary firmware folder is gone.
    let left: Vec<_> = std::fs::read_dir(bin)
        .expect("read scratch")
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("ultra_stream_demo_")
        })
        .collect();
    assert!(left.is_empty(), "the demo left {left:?} behind");
}
