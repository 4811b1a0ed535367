//! Entry points for the fuzz targets (`tests/it/fuzz_*.rs`): each takes any
//! bytes and runs one parser of untrusted input the way the library does,
//! so a panic there is a bug. Not part of the supported API.
//!
//! Layer: top (test support): reaches into any layer.

use crate::model::{Info, Ping, Settings, Status, UploadReply, Users};
use crate::redact::Secrets;
use std::time::Duration;

/// A reply body as the client handles it: the top-level code, then every
/// typed view a caller may ask for, and the error messages (with their
/// excerpts and scrubbing).
pub fn reply(data: &[u8]) {
    let body = match String::from_utf8(data.to_vec()) {
        Ok(b) => b,
        Err(_) => return,
    };
    // The fast reply check must never answer where serde would not.
    assert!(
        crate::client::fast_pass_agrees(&body),
        "the fast reply check and serde disagree on {body:?}"
    );
    let mut secrets = Secrets::new();
    secrets.add("0123456789abcdef0123456789abcdef");
    match crate::client::into_reply("get-status", 200, body) {
        Ok(r) => {
            fn view<T: serde::de::DeserializeOwned>(r: &crate::client::Reply, s: &Secrets) {
                if let Err(e) = r.parse::<T>() {
                    let _ = e.scrubbed(s).to_string();
                }
            }
            view::<Status>(&r, &secrets);
            view::<Settings>(&r, &secrets);
            view::<Info>(&r, &secrets);
            view::<Ping>(&r, &secrets);
            view::<Users>(&r, &secrets);
            view::<UploadReply>(&r, &secrets);
            view::<crate::model::MediaFiles>(&r, &secrets);
        }
        Err(e) => {
            let msg = e.scrubbed(&secrets).to_string();
            let _ = crate::redact::scrub_patterns(&msg);
        }
    }
}

/// A discovery datagram as the search sorts it, and (for text) the UPnP
/// description parser that fetched LOCATIONs go through.
pub fn datagram(data: &[u8]) {
    let _ = crate::discovery::classify(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = crate::discovery::parse_description(text);
    }
}

/// Bytes as a client sends them to the simulator: its request reader on a
/// connection that delivers them in pieces (the first byte picks their
/// size, 0 = all at once), then every decoder a request meets (query,
/// cookies, ranges, chunked bodies, multipart, the firmware check).
/// Returns how many requests were read.
#[cfg(feature = "simulator")]
pub fn sim_request(data: &[u8]) -> usize {
    crate::sim::fuzz_request_reader(data)
}

/// A device's answer as the client reads it off the wire: `data[0]`
/// picks the size of the pieces it arrives in (0: all at once), the rest
/// is the bytes, then the connection ends. The pieces go through the
/// client's sans-IO reply reader (`crate::http::Response`) the way the
/// transport feeds it, with small limits so fuzzing reaches them; the
/// body it frames then goes through the reply checks. Panics (a fuzzing
/// failure) when the reader breaks its promises: every call makes
/// progress (no `NeedData` after the end, a bounded number of events per
/// byte), the unread buffer stays bounded, the body never passes its cap.
pub fn reply_exchange(data: &[u8]) {
    use crate::http::{Event, Limits, Response};
    let Some((&first, wire)) = data.split_first() else {
        return;
    };
    let step = if first == 0 {
        usize::MAX
    } else {
        1 + first as usize % 64
    };
    const MAX_HEAD: usize = 2048;
    const MAX_BODY: u64 = 8192;
    let mut limits = Limits::new(MAX_HEAD, MAX_BODY);
    limits.max_interim = 3;
    limits.max_trailer_lines = 4;
    limits.max_trailer_bytes = 512;
    let mut r = Response::new(limits);
    let mut rest = wire;
    let mut eof = false;
    let mut status = 0;
    let mut body = Vec::new();
    let mut calls = 0usize;
    loop {
        calls += 1;
        assert!(
            calls <= 4 * wire.len() + 16,
            "the reader stopped making progress"
        );
        match r.advance() {
            Err(e) => {
                let _ = e
                    .into_error("get-status")
                    .scrubbed(&Secrets::new())
                    .to_string();
                return;
            }
            Ok(Event::NeedData) => {
                assert!(!eof, "the reader wants more after the connection ended");
                let n = rest.len().min(step);
                if n == 0 {
                    r.eof();
                    eof = true;
                    continue;
                }
                r.feed(&rest[..n]);
                rest = &rest[n..];
                assert!(
                    r.unread() <= MAX_HEAD + 1024 + n,
                    "the reader kept {} unread bytes",
                    r.unread()
                );
            }
            Ok(Event::Interim(s)) => assert!((100..200).contains(&s)),
            Ok(Event::Head(h)) => status = h.status(),
            Ok(Event::Body(b)) => {
                body.extend_from_slice(b);
                assert!(body.len() as u64 <= MAX_BODY, "a body past its cap");
            }
            Ok(Event::Done { .. }) => break,
        }
    }
    if let Ok(b) = String::from_utf8(body) {
        if let Err(e) = crate::client::into_reply("get-status", status, b) {
            let _ = e.to_string();
        }
    }
}

/// Tests only: on this thread, pause `pause` between connecting and the
/// peek that looks for bytes the device sent before the request (None: no
/// pause). A hostile test device's early reply then deterministically
/// arrives before the peek; without it the two race.
pub fn pause_after_connect(pause: Option<Duration>) {
    crate::client::CONNECT_PAUSE.with(|p| p.set(pause));
}
