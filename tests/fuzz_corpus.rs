//! The coverage-guided fuzz targets in `fuzz/` (cargo-fuzz, libFuzzer) are
//! one-line wrappers over `ultrastream::fuzzing`. Their committed corpus
//! (`fuzz/seeds/<target>/`) is replayed here on stable Rust through the
//! same entry points, so `cargo test` runs every target's inputs without
//! nightly. The libFuzzer short run itself needs nightly and cargo-fuzz
//! (minutes to install and build, so not in `cargo test`):
//! `cargo test --test fuzz_corpus -- --ignored` runs each target for a
//! few seconds and fails, saying what to install, when they are missing.
//! See docs/fuzzing.md for the long run.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A libFuzzer target: its name, the call it wraps, that entry point.
type Target = (&'static str, &'static str, fn(&[u8]));

/// Each libFuzzer target and the entry point it wraps.
const TARGETS: &[Target] = &[
    (
        "reply_exchange",
        "ultrastream::fuzzing::reply_exchange(data)",
        ultrastream::fuzzing::reply_exchange,
    ),
    (
        "reply_body",
        "ultrastream::fuzzing::reply(data)",
        ultrastream::fuzzing::reply,
    ),
    (
        "sim_request",
        "ultrastream::fuzzing::sim_request(data)",
        |d| {
            ultrastream::fuzzing::sim_request(d);
        },
    ),
    (
        "discovery",
        "ultrastream::fuzzing::datagram(data)",
        ultrastream::fuzzing::datagram,
    ),
];

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

fn seeds(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = fuzz_dir().join("seeds").join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let data = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p, data)
        })
        .collect()
}

#[test]
fn every_target_wraps_its_entry_point_and_has_a_corpus() {
    let manifest = std::fs::read_to_string(fuzz_dir().join("Cargo.toml")).unwrap();
    for (target, call, _) in TARGETS {
        let src = fuzz_dir().join("fuzz_targets").join(format!("{target}.rs"));
        let text =
            std::fs::read_to_string(&src).unwrap_or_else(|e| panic!("{}: {e}", src.display()));
        assert!(
            text.contains(call),
            "{} no longer calls {call}: update TARGETS here",
            src.display()
        );
        assert!(
            manifest.contains(&format!("name = \"{target}\"")),
            "fuzz/Cargo.toml lacks the [[bin]] {target}"
        );
        assert!(
            seeds(target).len() >= 4,
            "fuzz/seeds/{target}: too few seeds"
        );
    }
}

#[test]
fn the_committed_corpus_replays_through_every_target() {
    for (target, _, run) in TARGETS {
        for (path, data) in seeds(target) {
            let r = std::panic::catch_unwind(|| run(&data));
            assert!(r.is_ok(), "{target}: {} panics", path.display());
        }
    }
}

/// `cargo +nightly fuzz run` for a few seconds per target (opt-in: needs
/// nightly and cargo-fuzz, and builds the targets with sanitizers, which
/// takes minutes; the corpus replay above runs in every `cargo test`).
#[test]
#[ignore = "needs nightly + cargo-fuzz (minutes to build): cargo test --test fuzz_corpus -- --ignored"]
fn libfuzzer_short_run_of_every_target() {
    let nightly = Command::new("rustup")
        .args(["run", "nightly", "rustc", "--version"])
        .output();
    assert!(
        nightly.is_ok_and(|o| o.status.success()),
        "no nightly toolchain: rustup toolchain install nightly --profile minimal"
    );
    let fuzz = Command::new("cargo")
        .args(["+nightly", "fuzz", "--version"])
        .output();
    assert!(
        fuzz.is_ok_and(|o| o.status.success()),
        "cargo-fuzz is missing: cargo install cargo-fuzz --locked"
    );
    let secs = std::env::var("FUZZ_SECONDS").unwrap_or_else(|_| "5".into());
    for (target, _, _) in TARGETS {
        let work = tempdir(target);
        let out = Command::new("cargo")
            .current_dir(fuzz_dir())
            .args(["+nightly", "fuzz", "run", "-O", target])
            .arg(&work)
            .arg(format!("seeds/{target}"))
            .args(["--", &format!("-max_total_time={secs}"), "-max_len=65536"])
            .output()
            .expect("cargo fuzz run");
        let log = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "{target}: libFuzzer found a failure:\n{}",
            &log[log.len().saturating_sub(4000)..]
        );
        assert!(
            log.contains("Done "),
            "{target}: no libFuzzer summary:\n{log}"
        );
        let _ = std::fs::remove_dir_all(&work);
    }
}

fn tempdir(target: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ultrastream-fuzz-{target}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}
