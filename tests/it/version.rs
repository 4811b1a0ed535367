//! One version everywhere it is written (docs/releasing.md says where to
//! change it): the workspace's Cargo.toml (the crate, capi/ inherits it),
//! the header's USAPI_VERSION_* macros, the Python package's __version__,
//! what the C and C++ APIs report at run time, both programs' --version,
//! and the pkg-config and CMake files `make install` writes.

use crate::harness;

use harness::{Scratch, built_lib_dir, require_tool, root, run_ok};
use std::process::Command;
use std::time::Duration;

const VERSION: &str = env!("CARGO_PKG_VERSION");
const RUN: Duration = Duration::from_secs(120);

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
}

#[test]
fn manifests_carry_one_version() {
    let root_manifest = read("Cargo.toml");
    let ws = root_manifest
        .split("[workspace.package]")
        .nth(1)
        .expect("Cargo.toml has [workspace.package]");
    assert!(
        ws.contains(&format!("\nversion = \"{VERSION}\"\n")),
        "[workspace.package] version is not {VERSION}"
    );
    for manifest in ["Cargo.toml", "capi/Cargo.toml"] {
        let text = read(manifest);
        let package = text
            .split("[package]")
            .nth(1)
            .unwrap_or_else(|| panic!("{manifest} has no [package]"));
        let package = package.split("\n[").next().unwrap_or("");
        assert!(
            package.contains("\nversion.workspace = true\n"),
            "{manifest}: the package's version must come from the workspace (version.workspace = true)"
        );
    }
}

#[test]
fn header_macros_match() {
    let header = read("include/ultrastream.h");
    let parts: Vec<u32> = VERSION
        .split(['.', '-'])
        .take(3)
        .map(|p| p.parse().expect("numeric version"))
        .collect();
    for (name, want) in [
        ("USAPI_VERSION_MAJOR", parts[0].to_string()),
        ("USAPI_VERSION_MINOR", parts[1].to_string()),
        ("USAPI_VERSION_PATCH", parts[2].to_string()),
        (
            "USAPI_VERSION_NUM",
            (parts[0] * 10000 + parts[1] * 100 + parts[2]).to_string(),
        ),
        ("USAPI_VERSION_STRING", format!("\"{VERSION}\"")),
    ] {
        let line = format!("#define {name} {want}\n");
        assert!(
            header.contains(&line),
            "include/ultrastream.h lacks `{}`: regenerate it (ULTRASTREAM_UPDATE_HEADER=1 cargo build)",
            line.trim()
        );
    }
}

#[test]
fn python_package_version_matches() {
    let init = read("bindings/python/src/ultrastream/__init__.py");
    assert!(
        init.contains(&format!("\n__version__ = \"{VERSION}\"\n")),
        "bindings/python/src/ultrastream/__init__.py: __version__ is not \"{VERSION}\""
    );
}

#[test]
fn programs_report_the_version() {
    let cli = run_ok(
        Command::new(env!("CARGO_BIN_EXE_ultrastream")).arg("--version"),
        RUN,
    );
    assert_eq!(cli.trim(), format!("ultrastream {VERSION}"));
    let sim = run_ok(
        Command::new(env!("CARGO_BIN_EXE_ultrastream-sim")).arg("--version"),
        RUN,
    );
    assert_eq!(sim.trim(), format!("ultrastream-sim {VERSION}"));
}

/// usapi_version() and the C++ wrapper's version() at run time, beside the
/// macro the program was compiled with.
#[test]
fn c_and_cpp_report_the_version() {
    require_tool("c++", &["--version"], "apt-get install g++");
    let lib = built_lib_dir();
    let dir = Scratch::new("version");
    let src = dir.path().join("v.cpp");
    std::fs::write(
        &src,
        "#include \"ultrastream.hpp\"\n#include <cstdio>\n\
         int main() { std::printf(\"%s %s %s\\n\", usapi_version(), \
         ultrastream::version().c_str(), USAPI_VERSION_STRING); return 0; }\n",
    )
    .expect("write v.cpp");
    let exe = dir.path().join("v");
    run_ok(
        Command::new("c++")
            .arg("-std=c++17")
            .arg("-I")
            .arg(root().join("include"))
            .arg("-I")
            .arg(root().join("bindings/cpp"))
            .arg(&src)
            .arg("-o")
            .arg(&exe)
            .arg(format!("-L{}", lib.display()))
            .arg(format!("-Wl,-rpath,{}", lib.display()))
            .arg("-lultrastream"),
        RUN,
    );
    let out = run_ok(&mut Command::new(&exe), RUN);
    assert_eq!(out.trim(), format!("{VERSION} {VERSION} {VERSION}"));
}

/// The files `make install` writes from scripts/*.in get the Makefile's
/// VERSION, which it reads from Cargo.toml: install them (headers and
/// metadata only, no build) and read them back.
#[test]
fn pkg_config_and_cmake_files_match() {
    require_tool("make", &["--version"], "apt-get install make");
    let dir = Scratch::new("version-make");
    let prefix = dir.path().join("prefix");
    run_ok(
        Command::new("make")
            .arg("-C")
            .arg(root())
            .arg("install-metadata")
            .arg(format!("PREFIX={}", prefix.display())),
        RUN,
    );
    let pc = std::fs::read_to_string(prefix.join("lib/pkgconfig/ultrastream.pc")).expect("pc");
    assert!(pc.contains(&format!("\nVersion: {VERSION}\n")), "{pc}");
    let cmake_dir = prefix.join("lib/cmake/ultrastream");
    let config =
        std::fs::read_to_string(cmake_dir.join("ultrastreamConfig.cmake")).expect("config");
    assert!(
        config.contains(&format!("set(ultrastream_VERSION \"{VERSION}\")")),
        "{config}"
    );
    let cv = std::fs::read_to_string(cmake_dir.join("ultrastreamConfigVersion.cmake"))
        .expect("config version");
    assert!(
        cv.contains(&format!("set(PACKAGE_VERSION \"{VERSION}\")")),
        "{cv}"
    );
}
