//! Fuzz target: reply parsing (top-level code, every typed view, error
//! messages with excerpts and scrubbing). See tests/fuzzer/mod.rs for the
//! long run (>= 10 M executions).

use crate::fuzzer;

/// Inputs that once failed, kept as regression tests (none found so far).
const REGRESSIONS: &[&[u8]] = &[
    b"",
    b"{\"result\":\"\\ud800\"}",
    b"{\"result\":1e999}",
    b"{\"result\":-9223372036854775809}",
    b"{\"result\":0,\"cur-status\":18446744073709551616}",
];

const DICT: &[&[u8]] = &[
    b"\"result\":",
    b"\"status\":",
    b"\"cur-status\":",
    b"\"rec-status\":{",
    b"\"live-status\":{",
    b"\"disk-test\":{",
    b"\"write-bps\":",
    b"\"cur-bps\":",
    b"\"media-files\":[",
    b"\"users\":[",
    b"\"stream-server\":[",
    b"\"up-to-date\":",
    b"\"is-skd-running\":",
    b"\"beign-time\":",
    b"\"gorp-sec\":",
    b"\"hdm1\":",
    b"\"percent\":",
    b"\\u0000",
    b"\\\"",
];

#[test]
fn fuzz_replies() {
    let mut seeds = fuzzer::seeds_from_data(".json");
    seeds.push(include_bytes!("../data/get-status-real.json").to_vec());
    seeds.push(br#"{"result":0}"#.to_vec());
    seeds.push(br#"{"status":0,"up-to-date":false,"version":"1.2.3","size":1024}"#.to_vec());
    assert!(seeds.len() >= 10, "seeds missing from tests/data/fuzz");
    let n = fuzzer::run(
        "fuzz_replies",
        &seeds,
        REGRESSIONS,
        DICT,
        3_000,
        ultrastream::fuzzing::reply,
    );
    assert!(n > 0);
}
