//! The Python package as users get it. The sdist carries the Rust sources;
//! pip builds the release wheel from it, in a temporary folder away from
//! the checkout, as a release pipeline does. That wheel is a manylinux one:
//! built with cargo-zigbuild against glibc 2.28, `auditwheel show` clean,
//! the library stripped, the licences inside; a copy of it alone, installed
//! in a fresh venv, runs the simulator and a device round trip with the
//! checkout's target/ out of reach. The Windows wheel (win_amd64,
//! cross-built with MinGW) holds the DLL. On a terminal, `pip install`
//! shows cargo's progress.
//!
//! cargo's target folder of this test run (for the manylinux and Windows
//! builds, a folder of their own inside it) is passed as CARGO_TARGET_DIR,
//! so the release build is incremental. The package's build backend needs only
//! the standard library (`requires = []`): pip runs with no index. The
//! tools come from a venv of their own: ziglang, cargo-zigbuild and
//! auditwheel in `$ULTRASTREAM_PY_TOOLS` or target/ci-tools (.ci/run makes
//! it). Needs python3 with venv; a missing tool fails with what to install.

use super::{in_background, own_target_dir};
use crate::harness;

use harness::{Scratch, root, run_ok, target_dir};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const BUILD: Duration = Duration::from_secs(900);
const RUN: Duration = Duration::from_secs(120);

/// The folder holding cargo-zigbuild (with ziglang's python beside it) and
/// auditwheel: `$ULTRASTREAM_PY_TOOLS`, or target/ci-tools, which the first
/// caller makes from PyPI when it is missing (as .ci/run does), so the
/// README's `cargo test` works on a fresh machine.
fn py_tools() -> PathBuf {
    static MADE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    let dir = MADE.get_or_init(|| {
        if let Some(d) = std::env::var_os("ULTRASTREAM_PY_TOOLS") {
            return PathBuf::from(d);
        }
        let dir = target_dir().join("ci-tools/bin");
        let have = |d: &Path| {
            ["cargo-zigbuild", "auditwheel", "python3"]
                .iter()
                .all(|t| d.join(t).is_file())
        };
        if !have(&dir) {
            let venv = dir.parent().unwrap_or(&dir).to_path_buf();
            let out = harness::run(
                Command::new("python3").arg("-m").arg("venv").arg(&venv),
                BUILD,
            );
            assert!(
                out.status.success(),
                "python3 -m venv {}: {out:?}",
                venv.display()
            );
            let out = harness::run(
                Command::new(dir.join("pip")).args([
                    "install",
                    "--disable-pip-version-check",
                    "--quiet",
                    "ziglang",
                    "cargo-zigbuild",
                    "auditwheel",
                ]),
                BUILD,
            );
            assert!(
                out.status.success(),
                "installing ziglang cargo-zigbuild auditwheel into {} failed (PyPI is needed): {}",
                venv.display(),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        dir
    });
    for tool in ["cargo-zigbuild", "auditwheel", "python3"] {
        assert!(
            dir.join(tool).is_file(),
            "{tool} not found in {}: make it with `python3 -m venv {} && {}/pip install ziglang cargo-zigbuild auditwheel` \
             (.ci/run does), or set ULTRASTREAM_PY_TOOLS to a folder holding them",
            dir.display(),
            dir.parent().unwrap_or(dir).display(),
            dir.display()
        );
    }
    dir.clone()
}

/// PATH with `dir` first.
fn path_with(dir: &Path) -> std::ffi::OsString {
    let mut paths = vec![dir.to_path_buf()];
    paths.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(paths).expect("PATH")
}

/// `pip wheel` with no index (the backend needs nothing from PyPI) and the
/// cargo target folder `cargo_target`; `tools` first on PATH when given (so
/// the backend finds cargo-zigbuild); `extra` pip arguments.
fn pip_wheel_with(
    python: &Path,
    what: &Path,
    out: &Path,
    cargo_target: &Path,
    tools: Option<&Path>,
    extra: &[&str],
) -> PathBuf {
    let mut cmd = in_background(python);
    cmd.args([
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-index",
        "--disable-pip-version-check",
        "--no-input",
    ])
    .args(extra)
    .arg("-w")
    .arg(out)
    .arg(what)
    .env("CARGO_TARGET_DIR", cargo_target)
    .env("CARGO", env!("CARGO"));
    if let Some(t) = tools {
        cmd.env("PATH", path_with(t));
    }
    run_ok(&mut cmd, BUILD);
    let wheels: Vec<PathBuf> = std::fs::read_dir(out)
        .expect("wheel folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "whl"))
        .collect();
    assert_eq!(wheels.len(), 1, "expected one wheel in {}", out.display());
    wheels[0].clone()
}

/// A member of a zip, through the venv's Python.
fn wheel_member(python: &Path, wheel: &Path, name: &str, to: &Path) {
    run_ok(
        Command::new(python)
            .args([
                "-c",
                "import sys, zipfile; open(sys.argv[3], 'wb').write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))",
            ])
            .arg(wheel)
            .arg(name)
            .arg(to),
        RUN,
    );
}

/// The licences, in the .dist-info's licenses folder.
fn assert_licences(members: &[String]) {
    let info = format!("ultrastream-{}.dist-info", env!("CARGO_PKG_VERSION"));
    for f in ["LICENSE-MIT", "LICENSE-APACHE"] {
        assert!(
            members.iter().any(|m| *m == format!("{info}/licenses/{f}")),
            "{f} missing: {members:?}"
        );
    }
}

/// The names of a zip's members, through the venv's Python.
fn wheel_members(python: &Path, wheel: &Path) -> Vec<String> {
    run_ok(
        Command::new(python)
            .args([
                "-c",
                "import sys, zipfile; print('\\n'.join(zipfile.ZipFile(sys.argv[1]).namelist()))",
            ])
            .arg(wheel),
        RUN,
    )
    .lines()
    .map(str::to_string)
    .collect()
}

/// manylinux_2_N_<arch> with N at most 28.
fn assert_manylinux_2_28_or_older(tag: &str) {
    let rest = tag
        .strip_prefix("manylinux_2_")
        .and_then(|r| r.strip_suffix(&format!("_{}", std::env::consts::ARCH)))
        .unwrap_or_else(|| panic!("`{tag}` is not a manylinux_2_N tag"));
    let n: u32 = rest.parse().unwrap_or_else(|_| panic!("`{tag}`"));
    assert!(n <= 28, "`{tag}` needs a glibc newer than 2.28");
}

const ROUND_TRIP: &str = r#"
import os, sys, ultrastream
assert "ULTRASTREAM_LIB" not in os.environ
print("lib", ultrastream.library_path())
print("file", ultrastream.__file__)
with ultrastream.Simulator() as sim:
    with ultrastream.Device(sim.host) as dev:
        dev.login("Admin", "Admin")
        dev.set_name("Wheel Box")
        status = dev.get_status()
        print("status", status.code, "name", dev.get_settings()["name"])
        r = dev.start_rec()
        print("rec", r.code, dev.get_status().recording)
print("version", ultrastream.library_version())
"#;

/// The release wheel's promises: a manylinux (glibc 2.28 or older) wheel
/// for any Python 3 that auditwheel finds clean, holding the stripped
/// library and the licences, naming no build folder; a copy of it alone,
/// installed in a fresh venv, runs the simulator and a device round trip.
fn assert_release_wheel(python: &Path, wheel: &Path, tools: &Path, dir: &Path, dist: &Path) {
    // A manylinux wheel for any Python 3, holding the library.
    let name = wheel.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let version = env!("CARGO_PKG_VERSION");
    let tag = name
        .strip_prefix(&format!("ultrastream-{version}-py3-none-"))
        .and_then(|n| n.strip_suffix(".whl"))
        .unwrap_or_else(|| panic!("unexpected wheel name {name}"));
    assert_manylinux_2_28_or_older(tag);
    // auditwheel agrees: the tag it finds is as old or older, and it finds
    // no library the policy does not allow (it would say so and refuse).
    let show = run_ok(
        Command::new(tools.join("auditwheel"))
            .arg("show")
            .arg(wheel)
            .env("PATH", path_with(tools)),
        RUN,
    );
    let flat = show.split_whitespace().collect::<Vec<_>>().join(" ");
    let found = flat
        .split("consistent with the following platform tag: \"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_else(|| panic!("auditwheel show:\n{show}"));
    assert_manylinux_2_28_or_older(found);
    for bad in [
        "not compliant",
        "cannot be repaired",
        "too-recent versioned symbols",
    ] {
        assert!(!flat.contains(bad), "auditwheel show:\n{show}");
    }
    let members = wheel_members(python, wheel);
    assert!(
        members.iter().any(|m| m == "ultrastream/libultrastream.so"),
        "{members:?}"
    );
    assert_licences(&members);
    // Stripped: no symbol table, only the dynamic symbols it exports.
    harness::require_tool("readelf", &["--version"], "apt-get install binutils");
    let so = dir.join("wheel-lib.so");
    wheel_member(python, wheel, "ultrastream/libultrastream.so", &so);
    let sections = run_ok(Command::new("readelf").arg("-S").arg(&so), RUN);
    assert!(
        !sections.contains(".symtab") && sections.contains(".dynsym"),
        "the wheel's library is not stripped:\n{sections}"
    );
    assert!(
        !members.iter().any(|m| m.contains("_build_info")),
        "{members:?}"
    );
    // Nothing in the package records the build machine's checkout.
    let checkout = root().to_str().expect("utf-8 path");
    let scan = run_ok(
        Command::new(python)
            .args([
                "-c",
                "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\n\
                 print([n for n in z.namelist() if not n.endswith('.so') and sys.argv[2].encode() in z.read(n)])",
            ])
            .arg(wheel)
            .arg(checkout),
        RUN,
    );
    assert_eq!(scan.trim(), "[]", "files naming {checkout}");

    // Only a copy of the wheel goes to the user's machine.
    let away = dir.join("elsewhere");
    std::fs::create_dir_all(&away).expect("create folder");
    let copy = away.join(name);
    std::fs::copy(wheel, &copy).expect("copy wheel");
    std::fs::remove_dir_all(dist).expect("remove dist");
    run_ok(
        Command::new(python)
            .args([
                "-m",
                "pip",
                "install",
                "--no-deps",
                "--no-index",
                "--disable-pip-version-check",
            ])
            .arg(&copy),
        RUN,
    );
    let out = run_ok(
        Command::new(python)
            .args(["-c", ROUND_TRIP])
            .current_dir(&away)
            .env_remove("ULTRASTREAM_LIB")
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("LD_LIBRARY_PATH")
            .env_remove("PYTHONPATH"),
        RUN,
    );
    let venv_root = dir.join("venv");
    let field = |key: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix(key).map(str::trim))
            .unwrap_or_else(|| panic!("no {key} in:\n{out}"))
            .to_string()
    };
    let lib = PathBuf::from(field("lib "));
    assert!(
        lib.starts_with(&venv_root) && lib.ends_with("ultrastream/libultrastream.so"),
        "loaded {} instead of the wheel's library",
        lib.display()
    );
    assert!(
        PathBuf::from(field("file ")).starts_with(&venv_root),
        "{out}"
    );
    assert_eq!(field("status "), "0 name Wheel Box", "{out}");
    assert_eq!(field("rec "), "0 True", "{out}");
    assert_eq!(field("version "), version);
}

/// The release wheel is built the way a release pipeline builds it: from
/// the sdist, which pip unpacks in a temporary folder away from the
/// checkout. One release compile serves both promises (a second, from the
/// checkout, cost the suite a minute of CPU and tested nothing more: the
/// plain build from the checkout is bindings.rs's and the progress test's).
#[test]
fn the_sdist_carries_the_rust_sources_and_builds_the_release_wheel() {
    if !cfg!(all(target_os = "linux", feature = "simulator")) {
        panic!("this test needs Linux and the simulator feature");
    }
    let dir = Scratch::new("sdist");
    let python = harness::venv(dir.path(), RUN);
    let sdist_dir = dir.path().join("sdist");
    std::fs::create_dir_all(&sdist_dir).expect("create sdist folder");
    // The PEP 517 hook, as `python -m build --sdist` calls it.
    let name = run_ok(
        Command::new(&python)
            .args([
                "-c",
                "import sys; sys.path.insert(0, '_build'); import ultrastream_build as b; print(b.build_sdist(sys.argv[1]))",
            ])
            .arg(&sdist_dir)
            .current_dir(root().join("bindings/python")),
        RUN,
    );
    let sdist = sdist_dir.join(name.trim());
    let listing = run_ok(
        Command::new(&python)
            .args([
                "-c",
                "import sys, tarfile; print('\\n'.join(tarfile.open(sys.argv[1]).getnames()))",
            ])
            .arg(&sdist),
        RUN,
    );
    let base = format!("ultrastream-{}", env!("CARGO_PKG_VERSION"));
    for f in [
        "PKG-INFO",
        "pyproject.toml",
        "_build/ultrastream_build.py",
        "src/ultrastream/__init__.py",
        "src/ultrastream/_native.py",
        "rust/Cargo.toml",
        "rust/Cargo.lock",
        "rust/capi/Cargo.toml",
        "rust/capi/build.rs",
        "rust/capi/src/lib.rs",
        "rust/cbindgen.toml",
        "rust/src/lib.rs",
        "rust/src/ffi/mod.rs",
        "rust/include/ultrastream.h",
    ] {
        assert!(
            listing.lines().any(|l| l == format!("{base}/{f}")),
            "{f} missing from the sdist:\n{listing}"
        );
    }
    // pip unpacks it in a temporary folder, away from the checkout.
    let dist = dir.path().join("dist");
    std::fs::create_dir_all(&dist).expect("create dist folder");
    let tools = py_tools();
    let wheel = pip_wheel_with(
        &python,
        &sdist,
        &dist,
        &own_target_dir("manylinux"),
        Some(&tools),
        &[],
    );
    assert_release_wheel(&python, &wheel, &tools, dir.path(), &dist);
}

/// The win_amd64 wheel, cross-built with MinGW: the DLL (a PE32+ x86-64
/// image exporting every function of the header) and the licences, no
/// Linux library.
#[test]
fn the_windows_wheel_carries_the_dll() {
    let sysroot = run_ok(Command::new("rustc").args(["--print", "sysroot"]), RUN);
    assert!(
        Path::new(sysroot.trim())
            .join("lib/rustlib/x86_64-pc-windows-gnu")
            .is_dir(),
        "the Rust target x86_64-pc-windows-gnu is missing: `rustup target add x86_64-pc-windows-gnu` (.ci/run does)"
    );
    harness::require_tool(
        "x86_64-w64-mingw32-objdump",
        &["--version"],
        "apt-get install gcc-mingw-w64-x86-64",
    );
    let dir = Scratch::new("win-wheel");
    let python = harness::venv(dir.path(), RUN);
    let dist = dir.path().join("dist");
    std::fs::create_dir_all(&dist).expect("create dist folder");
    let wheel = pip_wheel_with(
        &python,
        &root().join("bindings/python"),
        &dist,
        &own_target_dir("windows"),
        None,
        &["-C", "target=x86_64-pc-windows-gnu"],
    );
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(
        wheel.file_name().and_then(|n| n.to_str()).unwrap_or(""),
        format!("ultrastream-{version}-py3-none-win_amd64.whl")
    );
    let members = wheel_members(&python, &wheel);
    assert!(
        members.iter().any(|m| m == "ultrastream/ultrastream.dll"),
        "{members:?}"
    );
    assert!(
        !members
            .iter()
            .any(|m| m.ends_with(".so") || m.ends_with(".a")),
        "{members:?}"
    );
    assert!(
        members.iter().any(|m| m == "ultrastream/_native.py"),
        "{members:?}"
    );
    assert_licences(&members);
    let dll = dir.path().join("ultrastream.dll");
    wheel_member(&python, &wheel, "ultrastream/ultrastream.dll", &dll);
    let dump = run_ok(
        Command::new("x86_64-w64-mingw32-objdump")
            .arg("-p")
            .arg(&dll),
        RUN,
    );
    assert!(
        dump.contains("file format pei-x86-64"),
        "not a PE32+ x86-64 image:\n{}",
        dump.lines().take(5).collect::<Vec<_>>().join("\n")
    );
    let header = std::fs::read_to_string(root().join("include/ultrastream.h")).expect("header");
    let missing: Vec<String> = harness::header_functions(&header)
        .into_iter()
        .filter(|f| !dump.contains(&format!(" {f}\n")))
        .collect();
    assert!(missing.is_empty(), "the wheel's DLL lacks {missing:?}");
}

/// pip hides a build backend's output unless -v; on a terminal the
/// backend shows cargo's progress there. `script` gives pip a terminal.
/// The plain build (no cargo-zigbuild on PATH), as bindings.rs's install
/// makes it: the one release compile of the checkout is shared.
#[test]
fn pip_install_shows_cargo_progress_on_a_terminal() {
    harness::require_tool("script", &["--version"], "apt-get install bsdutils");
    let dir = Scratch::new("progress");
    let python = harness::venv(dir.path(), RUN);
    let pip = format!(
        "{} -m pip install --no-deps --no-index --disable-pip-version-check --no-input {}",
        python.display(),
        root().join("bindings/python").display()
    );
    let out = run_ok(
        Command::new("script")
            .args(["-q", "-e", "-c", &pip, "/dev/null"])
            // Plain words to look for, no colour codes between them.
            .env("CARGO_TERM_COLOR", "never")
            .env("CARGO_TARGET_DIR", target_dir())
            .env("CARGO", env!("CARGO")),
        BUILD,
    );
    assert!(
        out.contains("ultrastream: building the library"),
        "no word of the build on the terminal:\n{out}"
    );
    // cargo's own lines (Compiling ... / Finished ...) reach the terminal.
    assert!(
        out.contains("Finished `release` profile"),
        "cargo's progress is not on the terminal:\n{out}"
    );
    assert!(out.contains("Successfully installed ultrastream"), "{out}");
}
