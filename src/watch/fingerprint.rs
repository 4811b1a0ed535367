//! The fingerprint of a get-status body without its clock (layer:
//! watch), and the watcher's vouching for a body it read before, so a
//! steady device's poll reads nothing: neither the engine's JSON check nor
//! the watched fields.

use super::Shared;
use crate::engine::Vouch;
use std::sync::atomic::Ordering;

/// A fingerprint of a get-status body without its clock ("cur-time",
/// which changes every second and is not watched). Two bodies with the
/// same fingerprint give the same watched fields, so a poll of a device
/// whose status did not change parses nothing: a multiply-rotate hash over
/// 8-byte words (about 1,000 instructions for a 2 KB body, where reading
/// the fields costs 35,000). It guards against accident, not against a
/// device: a device can lie in its status anyway.
///
/// `hint` is where the clock was last time (checked first, so a steady
/// device's body is not searched); the clock's place is returned for the
/// next call (0 when there is none).
fn body_key(body: &str, hint: usize) -> (u64, usize, bool) {
    const CLOCK: &str = "\"cur-time\":";
    let b = body.as_bytes();
    let found = if hint > 0
        && b.get(hint..)
            .is_some_and(|r| r.starts_with(CLOCK.as_bytes()))
    {
        Some(hint)
    } else {
        body.find(CLOCK)
    };
    match found {
        Some(at) => {
            let rest = &body[at + CLOCK.len()..];
            // Skip the value: a string (no escapes in a clock) or a number.
            let end = if let Some(r) = rest.strip_prefix('"') {
                r.find('"').map(|i| i + 2)
            } else {
                rest.find([',', '}'])
            }
            .unwrap_or(0);
            let tail = &rest.as_bytes()[end..];
            let key = fold(fold(0x51_7c_c1_b7_27_22_0a_95, &b[..at]), tail) ^ tail.len() as u64;
            (key, at, plain_clock(&rest.as_bytes()[..end]))
        }
        None => (fold(0x51_7c_c1_b7_27_22_0a_95, b) ^ b.len() as u64, 0, true),
    }
}

/// Whether a clock value (as `body_key` skipped it) is a JSON string of
/// printable ASCII without escapes, or a JSON number, with nothing
/// around it: put in place of another such value, the body stays
/// well-formed JSON.
fn plain_clock(v: &[u8]) -> bool {
    if let Some(s) = v.strip_prefix(b"\"").and_then(|s| s.strip_suffix(b"\"")) {
        return s
            .iter()
            .all(|&c| (0x20..0x7f).contains(&c) && c != b'"' && c != b'\\');
    }
    // The reply check's own number grammar, not a second copy of it.
    crate::client::fastjson::is_number(v)
}

/// The hash step of `body_key`, over `bytes`.
fn fold(mut h: u64, bytes: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let mut a = [0u8; 8];
        a.copy_from_slice(w);
        h = (h.rotate_left(23) ^ u64::from_le_bytes(a)).wrapping_mul(K);
    }
    for &x in words.remainder() {
        h = (h.rotate_left(23) ^ u64::from(x)).wrapping_mul(K);
    }
    (h.rotate_left(23) ^ bytes.len() as u64).wrapping_mul(K)
}

/// A get-status body equal to the last one read (result 0) but for a
/// plain clock is that body again: well-formed, result 0, nothing watched
/// changed. The engine then skips reading its JSON through, and the poll
/// reads nothing either (`Outcome::Same`). The fingerprint guards against
/// accident, not against a device, which can lie in its status anyway.
impl Vouch for Shared {
    fn vouch(&self, index: usize, body: &str) -> Option<i32> {
        let e = self.entries.get(index)?;
        let (key, at, plain) = body_key(body, e.clock_at.load(Ordering::Relaxed));
        e.clock_at.store(at, Ordering::Relaxed);
        e.key.store(key, Ordering::Relaxed);
        (plain && self.unchanged(index, key)).then_some(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_keys_ignore_only_the_clock() {
        let a = r#"{"result":0,"cur-status":16,"cur-time":"2026-12-07 07:11:09","box-name":"a"}"#;
        let b = r#"{"result":0,"cur-status":16,"cur-time":"2026-12-07 07:11:10","box-name":"a"}"#;
        let c = r#"{"result":0,"cur-status":16,"cur-time":"2026-12-07 07:11:10","box-name":"b"}"#;
        let d = r#"{"result":0,"cur-status":18,"cur-time":"2026-12-07 07:11:09","box-name":"a"}"#;
        let key = |s: &str| body_key(s, 0).0;
        assert!(body_key(a, 0).2);
        assert_eq!(key(a), key(b));
        assert_ne!(key(b), key(c));
        assert_ne!(key(a), key(d));
        // A numeric clock, and a body without one.
        assert_eq!(
            key(r#"{"cur-time":5,"x":1}"#),
            key(r#"{"cur-time":6,"x":1}"#)
        );
        assert_ne!(key(r#"{"x":1}"#), key(r#"{"x":2}"#));
        // The clock's place is returned, and as a hint it gives the same
        // key; a hint that misses (the body moved) falls back to a search.
        let (ka, at, _) = body_key(a, 0);
        assert_eq!(&a[at..at + 11], "\"cur-time\":");
        assert_eq!(body_key(b, at), (ka, at, true));
        assert_eq!(body_key(c, at).0, key(c));
        assert_eq!(
            body_key(r#"{"cur-time":5,"x":1}"#, at).0,
            key(r#"{"cur-time":6,"x":1}"#)
        );
        assert_eq!(body_key(r#"{"x":1}"#, 3), (key(r#"{"x":1}"#), 0, true));
    }

    #[test]
    fn only_a_plain_clock_vouches() {
        for ok in [
            &br#""2026-12-07 07:11:09""#[..],
            b"0",
            b"-12",
            b"1.5e+3",
            b"17e2",
        ] {
            assert!(plain_clock(ok), "{}", String::from_utf8_lossy(ok));
        }
        for bad in [
            &br#""a\u0041""#[..],
            b"\"tab\there\"",
            b"",
            b" 5",
            b"01",
            b"1.",
            b"1e",
            b"+1",
            b"--1",
            b"null",
            b"\"unterminated",
        ] {
            assert!(!plain_clock(bad), "{}", String::from_utf8_lossy(bad));
        }
        // As body_key sees them.
        assert!(!body_key(r#"{"cur-time":"a\q","x":1}"#, 0).2);
        assert!(!body_key(r#"{"cur-time":5x,"x":1}"#, 0).2);
    }
}
