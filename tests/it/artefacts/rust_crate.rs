//! The crate as a Rust user gets it.
//!
//! - A new cargo project with the documented dependency line (here as a
//!   path to this checkout: the git line of docs/releasing.md resolves to
//!   the same package) builds and runs the simulator and a get-status, and
//!   its build has neither cbindgen nor the C ABI's package in its tree, nor
//!   libultrastream.so / .a among the files its build produces.
//! - `cargo package --list` holds the library's sources and licences, not
//!   tests, benches, fuzz corpora, bindings or capi/; `cargo publish
//!   --dry-run` passes with no warning but cargo's notes on the test and
//!   bench targets it leaves out with their files.
//!
//! Both run cargo with the registry cache the workspace's own build filled
//! and in this run's target folder: the consumer gets a copy of Cargo.lock
//! (the same versions) and the dev profile is the same, so cargo reuses the
//! dependencies the workspace's build compiled and builds only `ultrastream`
//! (without the `capi` feature) and the consumer.

use super::in_background;
use crate::harness;

use harness::{root, run, target_dir};
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

const BUILD: Duration = Duration::from_secs(900);

/// cargo in the background (no other test waits for these builds).
fn cargo(dir: &Path) -> Command {
    let mut c = in_background(env!("CARGO"));
    c.current_dir(dir)
        // This run's target folder: dependencies already compiled there are
        // reused (the consumer is still not part of the workspace).
        .env("CARGO_TARGET_DIR", target_dir())
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS");
    c
}

fn ok(out: Output, what: &str) -> (String, String) {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    (stdout, stderr)
}

/// The `[profile.*]` tables of the checkout's Cargo.toml, verbatim: with
/// them the consumer compiles its dependencies as the workspace did, so
/// cargo reuses those in the shared target folder (a profile changes no
/// dependency, feature or source).
fn workspace_profiles() -> String {
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).expect("read Cargo.toml");
    let mut out = String::new();
    let mut inside = false;
    for line in manifest.lines() {
        if line.starts_with('[') {
            inside = line.starts_with("[profile.");
        }
        if inside {
            out.push_str(line);
            out.push('\n');
        }
    }
    assert!(
        out.contains("[profile.dev]"),
        "no [profile.dev] in Cargo.toml"
    );
    out
}

const MAIN_RS: &str = r#"
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sim = ultrastream::sim::Simulator::start(Default::default())?;
    let dev = ultrastream::Device::connect(&sim.host(), Default::default())?;
    dev.login("Admin", "Admin")?;
    let status = dev.get_status()?;
    println!("status ok, cur-status {}", status.cur_status);
    dev.logout()?;
    Ok(())
}
"#;

#[test]
fn a_new_project_builds_without_cbindgen_or_c_artefacts() {
    // A kept folder (in this run's target/tmp): the second run is incremental.
    let project = target_dir().join("tmp/rust-consumer");
    let _ = std::fs::remove_dir_all(project.join("src"));
    std::fs::create_dir_all(project.join("src")).expect("create the project");
    let line = format!(
        "ultrastream = {{ path = {:?} }}",
        root().to_str().expect("utf-8 checkout path")
    );
    std::fs::write(
        project.join("Cargo.toml"),
        format!(
            "[package]\nname = \"consumer\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
             # Not a member of the checkout's workspace.\n[workspace]\n\n[dependencies]\n{line}\n\n\
             # The checkout's profiles, so its build's dependencies are reused.\n{}",
            workspace_profiles()
        ),
    )
    .expect("write Cargo.toml");
    std::fs::write(project.join("src/main.rs"), MAIN_RS).expect("write main.rs");
    if !project.join("Cargo.lock").exists() {
        std::fs::copy(root().join("Cargo.lock"), project.join("Cargo.lock")).expect("copy lock");
    }

    let (tree, _) = ok(
        run(
            cargo(&project).args(["tree", "--edges", "all", "--prefix", "none"]),
            BUILD,
        ),
        "cargo tree",
    );
    for absent in ["cbindgen ", "ultrastream-capi ", "toml "] {
        assert!(
            !tree.lines().any(|l| l.starts_with(absent)),
            "`{}` is in a Rust user's dependency tree:\n{tree}",
            absent.trim()
        );
    }
    assert!(
        tree.lines().any(|l| l.starts_with("ultrastream v")),
        "{tree}"
    );

    // What this build produced, from cargo's own account (fresh units
    // included): the target folder is shared, so the C ABI's files other
    // builds left there say nothing about this one.
    let (messages, _) = ok(
        run(
            cargo(&project).args(["build", "--message-format=json"]),
            BUILD,
        ),
        "cargo build",
    );
    let mut built = Vec::new();
    for line in messages
        .lines()
        .filter(|l| l.contains("\"compiler-artifact\""))
    {
        let msg: serde_json::Value = serde_json::from_str(line).expect("cargo's JSON message");
        let id = msg["package_id"].as_str().unwrap_or_default().to_string();
        let kinds: Vec<String> = msg["target"]["crate_types"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|k| k.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let files: Vec<String> = msg["filenames"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|f| f.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        built.push((id, kinds, files));
    }
    assert!(
        built
            .iter()
            .any(|(id, _, _)| id.contains("/rust-consumer#consumer@")),
        "no consumer artefact in cargo's messages:\n{messages}"
    );
    let mut c_artefacts = Vec::new();
    for (id, kinds, files) in &built {
        let c_kind = kinds.iter().any(|k| k == "cdylib" || k == "staticlib");
        let c_file = files.iter().any(|f| {
            let name = Path::new(f)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            name.starts_with("libultrastream")
                && (name.ends_with(".so") || name.ends_with(".a") || name.contains(".so."))
                || name == "ultrastream.dll"
                || name == "ultrastream.h"
        });
        if c_kind || c_file || id.contains("ultrastream-capi") || id.contains("cbindgen") {
            c_artefacts.push(format!("{id} {kinds:?} {files:?}"));
        }
    }
    assert!(
        c_artefacts.is_empty(),
        "C artefacts in a Rust user's build: {c_artefacts:?}"
    );
    // The header comes from capi/'s build script: no build script of the
    // crate ran for the consumer.
    let scripts: Vec<&str> = messages
        .lines()
        .filter(|l| l.contains("\"build-script-executed\""))
        .filter(|l| l.contains("ultrastream"))
        .collect();
    assert!(
        scripts.is_empty(),
        "a build script of ultrastream ran: {scripts:?}"
    );

    let (out, _) = ok(run(cargo(&project).arg("run"), BUILD), "cargo run");
    assert!(out.contains("status ok, cur-status "), "{out}");
}

#[test]
fn the_package_is_the_library_and_publishes_cleanly() {
    let (list, _) = ok(
        run(
            cargo(root()).args(["package", "--list", "--allow-dirty", "-p", "ultrastream"]),
            BUILD,
        ),
        "cargo package --list",
    );
    for want in [
        "Cargo.toml",
        "LICENSE-MIT",
        "LICENSE-APACHE",
        "README.md",
        "src/lib.rs",
        "src/ffi/mod.rs",
    ] {
        assert!(
            list.lines().any(|l| l == want),
            "{want} not packaged:\n{list}"
        );
    }
    for unwanted in [
        "tests/",
        "bench/",
        "bindings/",
        "capi/",
        "include/",
        "scripts/",
        ".ci/",
    ] {
        assert!(
            !list.lines().any(|l| l.starts_with(unwanted)),
            "{unwanted} is packaged:\n{list}"
        );
    }

    // Packs, then builds the package alone, as crates.io would get it
    // (under this run's target/package).
    let (_, stderr) = ok(
        run(
            cargo(root())
                .args(["publish", "--dry-run", "--allow-dirty", "-p", "ultrastream"])
                .env("CARGO_TARGET_DIR", target_dir()),
            BUILD,
        ),
        "cargo publish --dry-run",
    );
    // Cargo names each test and bench target it leaves out because its
    // file is excluded on purpose; any other warning (missing metadata, a
    // file the build needs) fails.
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("warning"))
        .filter(|l| !l.contains("aborting upload due to dry run"))
        .filter(|l| {
            !((l.starts_with("warning: ignoring test `")
                || l.starts_with("warning: ignoring benchmark `"))
                && l.ends_with("is not included in the published package")
                && (l.contains("`tests/") || l.contains("`bench/")))
        })
        .collect();
    assert!(
        warnings.is_empty(),
        "cargo publish --dry-run warns:\n{stderr}"
    );
}
