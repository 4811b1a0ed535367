//! The Python package as users get it: `pip wheel ./bindings/python` builds
//! the Rust library and puts it inside a platform wheel; that wheel, copied
//! alone into a fresh venv, runs the simulator and a device round trip with
//! the checkout's target/ out of reach; the sdist carries the Rust sources and
//! builds a wheel too.
//!
//! cargo's target folder of this test run is passed as CARGO_TARGET_DIR, so
//! the release build is incremental. Nothing comes from PyPI: the package's
//! build backend needs only the standard library (`requires = []`).
//! Needs python3 with venv; a missing tool fails with what to install.

#[path = "common/harness.rs"]
mod harness;

use harness::{Scratch, root, run_ok, target_dir};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const BUILD: Duration = Duration::from_secs(900);
const RUN: Duration = Duration::from_secs(120);

/// `pip wheel` with no index (the backend needs nothing from PyPI) and this
/// run's cargo target folder.
fn pip_wheel(python: &Path, what: &Path, out: &Path) -> PathBuf {
    run_ok(
        Command::new(python)
            .args([
                "-m",
                "pip",
                "wheel",
                "--no-deps",
                "--no-index",
                "--disable-pip-version-check",
                "--no-input",
                "-w",
            ])
            .arg(out)
            .arg(what)
            .env("CARGO_TARGET_DIR", target_dir())
            .env("CARGO", env!("CARGO")),
        BUILD,
    );
    let wheels: Vec<PathBuf> = std::fs::read_dir(out)
        .expect("wheel folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "whl"))
        .collect();
    assert_eq!(wheels.len(), 1, "expected one wheel in {}", out.display());
    wheels[0].clone()
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

fn platform_tag() -> String {
    format!("linux_{}", std::env::consts::ARCH)
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

#[test]
fn the_wheel_carries_the_library_and_runs_without_the_checkout() {
    if !cfg!(all(target_os = "linux", feature = "simulator")) {
        panic!("this test needs Linux and the simulator feature");
    }
    let dir = Scratch::new("install");
    let python = harness::venv(dir.path(), RUN);
    let dist = dir.path().join("dist");
    std::fs::create_dir_all(&dist).expect("create dist folder");
    let wheel = pip_wheel(&python, &root().join("bindings/python"), &dist);

    // A platform wheel for any Python 3, holding the library.
    let name = wheel.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(
        name,
        format!("ultrastream-{version}-py3-none-{}.whl", platform_tag())
    );
    let members = wheel_members(&python, &wheel);
    assert!(
        members.iter().any(|m| m == "ultrastream/libultrastream.so"),
        "{members:?}"
    );
    assert!(
        !members.iter().any(|m| m.contains("_build_info")),
        "{members:?}"
    );
    // Nothing in the package records the build machine's checkout.
    let checkout = root().to_str().expect("utf-8 path");
    let scan = run_ok(
        Command::new(&python)
            .args([
                "-c",
                "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\n\
                 print([n for n in z.namelist() if not n.endswith('.so') and sys.argv[2].encode() in z.read(n)])",
            ])
            .arg(&wheel)
            .arg(checkout),
        RUN,
    );
    assert_eq!(scan.trim(), "[]", "files naming {checkout}");

    // Only a copy of the wheel goes to the user's machine.
    let away = dir.path().join("elsewhere");
    std::fs::create_dir_all(&away).expect("create folder");
    let copy = away.join(name);
    std::fs::copy(&wheel, &copy).expect("copy wheel");
    std::fs::remove_dir_all(&dist).expect("remove dist");
    run_ok(
        Command::new(&python)
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
        Command::new(&python)
            .args(["-c", ROUND_TRIP])
            .current_dir(&away)
            .env_remove("ULTRASTREAM_LIB")
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("LD_LIBRARY_PATH")
            .env_remove("PYTHONPATH"),
        RUN,
    );
    let venv_root = dir.path().join("venv");
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

#[test]
fn the_sdist_carries_the_rust_sources_and_builds_a_wheel() {
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
    let out = dir.path().join("wheel");
    std::fs::create_dir_all(&out).expect("create wheel folder");
    let wheel = pip_wheel(&python, &sdist, &out);
    let members = wheel_members(&python, &wheel);
    assert!(
        members.iter().any(|m| m == "ultrastream/libultrastream.so"),
        "{members:?}"
    );
}
