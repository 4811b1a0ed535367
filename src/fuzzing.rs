//! Entry points for the fuzz targets (`tests/fuzz_*.rs`): each takes any
//! bytes and runs one parser of untrusted input the way the library does,
//! so a panic there is a bug. Not part of the supported API.

use crate::model::{Info, Ping, Settings, Status, UploadReply, Users};
use crate::redact::Secrets;

/// A reply body as the client handles it: the top-level code, then every
/// typed view a caller may ask for, and the error messages (with their
/// excerpts and scrubbing).
pub fn reply(data: &[u8]) {
    let body = match String::from_utf8(data.to_vec()) {
        Ok(b) => b,
        Err(_) => return,
    };
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
/// is the bytes. Each piece goes through the reply reader the way a read
/// from the socket does (the head parser on everything buffered so far),
/// then the body it frames through the reply checks (`reply`). Panics
/// (a fuzzing failure) when the reader breaks its promises: a head is
/// found only once complete, never past its cap, and the buffered bytes
/// never exceed the head cap plus one piece before the head is decided.
pub fn reply_exchange(data: &[u8]) {
    use crate::client::http1;
    let Some((&first, wire)) = data.split_first() else {
        return;
    };
    let step = if first == 0 {
        usize::MAX
    } else {
        1 + first as usize % 64
    };
    // A small cap, so fuzzing reaches the limit often.
    const CAP: usize = 2048;
    let mut buf: Vec<u8> = Vec::new();
    let mut rest = wire;
    let head = loop {
        let n = rest.len().min(step);
        if n == 0 {
            return; // the connection ended before a head: an error upstream
        }
        buf.extend_from_slice(&rest[..n]);
        rest = &rest[n..];
        assert!(
            buf.len() <= CAP.saturating_add(step),
            "the reader kept more than its cap"
        );
        match http1::parse_head_max(&buf, "get-status", CAP) {
            Ok(Some(h)) => break h,
            Ok(None) => {}
            Err(e) => {
                let _ = e.scrubbed(&Secrets::new()).to_string();
                return;
            }
        }
    };
    assert!(
        head.len <= buf.len() && head.len <= CAP + 4,
        "head past the bytes"
    );
    assert!(
        buf[..head.len].ends_with(b"\r\n\r\n"),
        "head not at its end"
    );
    let mut body = buf.split_off(head.len);
    body.extend_from_slice(rest);
    if let Some(n) = head.content_length {
        body.truncate(usize::try_from(n).unwrap_or(usize::MAX));
    }
    if let Ok(b) = String::from_utf8(body) {
        if let Err(e) = crate::client::into_reply("get-status", head.status, b) {
            let _ = e.to_string();
        }
    }
}
