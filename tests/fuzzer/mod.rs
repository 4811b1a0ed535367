//! A small mutational fuzzer for the `tests/it/fuzz_*.rs` targets (stable
//! Rust has no coverage-guided cargo-fuzz: it needs nightly's sanitizer
//! flags). Deterministic: seeded inputs, a fixed-seed xorshift, so a
//! failure reproduces with the same `FUZZ_SEED` and `FUZZ_ITERS`.
//!
//! Short run (part of `cargo test`): `FUZZ_ITERS` unset, a few thousand
//! executions. Long run (>= 10 M per target), from the repository root:
//!
//! ```text
//! FUZZ_ITERS=10000000 FUZZ_THREADS=2 cargo test --release --test it fuzz_replies:: -- --nocapture
//! FUZZ_ITERS=10000000 FUZZ_THREADS=2 cargo test --release --test it fuzz_discovery:: -- --nocapture
//! FUZZ_ITERS=10000000 FUZZ_THREADS=2 cargo test --release --test it fuzz_sim_request:: -- --nocapture
//! ```
//!
//! A panicking input is written to `target/fuzz-crashes/<target>-<n>.bin`
//! and the test fails printing it; add it to the target's regression list.
#![allow(dead_code)]

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().replace('_', "").parse().ok())
        .unwrap_or(default)
}

const MAX_INPUT: usize = 64 << 10;

const INTERESTING: &[u8] = b"\x00\xff\"{}[],:\\-9.eE \r\n\t<>/=;&";

const EXTREMES: &[&[u8]] = &[
    b"1e999",
    b"-1e999",
    b"-9223372036854775809",
    b"18446744073709551616",
    b"4294967296",
    b"2147483648",
    b"-2147483649",
    b"NaN",
    b"0.5",
    b"-0",
    b"null",
    b"true",
    b"\"\"",
    b"[]",
    b"{}",
    b"\"\\ud800\"",
    b"\"\\u0000\"",
];

/// One mutation of `input` in place.
fn mutate(rng: &mut Rng, input: &mut Vec<u8>, seeds: &[Vec<u8>], dict: &[&[u8]]) {
    let len = input.len();
    match rng.below(10) {
        0 if len > 0 => {
            let i = rng.below(len);
            input[i] ^= 1 << rng.below(8);
        }
        1 if len > 0 => {
            let i = rng.below(len);
            input[i] = INTERESTING[rng.below(INTERESTING.len())];
        }
        2 if len > 0 => {
            let a = rng.below(len);
            let b = (a + 1 + rng.below(32)).min(len);
            input.drain(a..b);
        }
        3 if len > 0 => {
            let a = rng.below(len);
            let b = (a + 1 + rng.below(64)).min(len);
            let chunk = input[a..b].to_vec();
            let at = rng.below(len + 1);
            for _ in 0..=rng.below(3) {
                input.splice(at..at, chunk.iter().copied());
            }
        }
        4 if !dict.is_empty() => {
            let tok = dict[rng.below(dict.len())];
            let at = rng.below(len + 1);
            input.splice(at..at, tok.iter().copied());
        }
        5 if len > 0 => input.truncate(rng.below(len)),
        6 => {
            // Replace a run of digits (or any spot) by an extreme value.
            let tok = EXTREMES[rng.below(EXTREMES.len())];
            let digits: Vec<usize> = (0..len).filter(|&i| input[i].is_ascii_digit()).collect();
            if digits.is_empty() {
                let at = rng.below(len + 1);
                input.splice(at..at, tok.iter().copied());
            } else {
                let a = digits[rng.below(digits.len())];
                let mut b = a;
                while b < len && input[b].is_ascii_digit() {
                    b += 1;
                }
                input.splice(a..b, tok.iter().copied());
            }
        }
        7 if !seeds.is_empty() => {
            let other = &seeds[rng.below(seeds.len())];
            if !other.is_empty() {
                let a = rng.below(other.len());
                let b = (a + 1 + rng.below(256)).min(other.len());
                let at = rng.below(len + 1);
                input.splice(at..at, other[a..b].iter().copied());
            }
        }
        _ => {
            let at = rng.below(len + 1);
            let n = 1 + rng.below(8);
            let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
            input.splice(at..at, bytes);
        }
    }
    input.truncate(MAX_INPUT);
}

/// Run `target` on `FUZZ_ITERS` (default `short`) mutated inputs; the
/// regression inputs and seeds run first, unmutated. Returns the number of
/// executions.
pub fn run(
    name: &str,
    seeds: &[Vec<u8>],
    regressions: &[&[u8]],
    dict: &[&[u8]],
    short: u64,
    target: fn(&[u8]),
) -> u64 {
    for r in regressions {
        target(r);
    }
    for s in seeds {
        target(s);
    }
    let iters = env_u64("FUZZ_ITERS", short);
    let threads = env_u64("FUZZ_THREADS", 1).clamp(1, 64);
    let seed = env_u64("FUZZ_SEED", 0x005e_ed0f_f022);
    let done = Arc::new(AtomicU64::new(0));
    let crash: Arc<Mutex<Option<Vec<u8>>>> = Arc::new(Mutex::new(None));
    // Quiet panics while fuzzing: the failing input is reported below.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    std::thread::scope(|scope| {
        for t in 0..threads {
            let (done, crash) = (done.clone(), crash.clone());
            let share = iters / threads + u64::from(t < iters % threads);
            scope.spawn(move || {
                let mut rng = Rng::new(seed ^ (t + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
                for _ in 0..share {
                    if crash.lock().map(|c| c.is_some()).unwrap_or(true) {
                        return;
                    }
                    let mut input = if seeds.is_empty() {
                        Vec::new()
                    } else {
                        seeds[rng.below(seeds.len())].clone()
                    };
                    for _ in 0..=rng.below(4) {
                        mutate(&mut rng, &mut input, seeds, dict);
                    }
                    if catch_unwind(AssertUnwindSafe(|| target(&input))).is_err() {
                        if let Ok(mut c) = crash.lock() {
                            c.get_or_insert(input);
                        }
                        return;
                    }
                    done.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    std::panic::set_hook(hook);
    let n = done.load(Ordering::Relaxed);
    if let Some(input) = crash.lock().ok().and_then(|c| c.clone()) {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fuzz-crashes");
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join(format!("{name}-{n}.bin"));
        let _ = std::fs::write(&path, &input);
        // Re-run outside catch_unwind for the panic message.
        eprintln!(
            "{name}: panic after {n} executions on {} (saved to {}): {:?}",
            input.len(),
            path.display(),
            String::from_utf8_lossy(&input)
        );
        target(&input);
        panic!("{name}: the input above panicked once but not twice (state?)");
    }
    println!("{name}: {n} executions, 0 panics (seed {seed:#x}, {threads} threads)");
    n
}

/// Every file of `tests/data/fuzz` whose name contains `pattern`.
pub fn seeds_from_data(pattern: &str) -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().contains(pattern))
        .collect();
    files.sort();
    files.iter().filter_map(|p| std::fs::read(p).ok()).collect()
}
