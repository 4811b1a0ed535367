//! Entry points for the fuzz targets (`tests/fuzz_*.rs`): each takes any
//! bytes and runs one parser of untrusted input the way the library does,
//! so a panic there is a bug. Not part of the supported API.

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

/// Tests only: on this thread, pause `pause` between connecting and the
/// peek that looks for bytes the device sent before the request (None: no
/// pause). A hostile test device's early reply then deterministically
/// arrives before the peek; without it the two race.
pub fn pause_after_connect(pause: Option<Duration>) {
    crate::client::CONNECT_PAUSE.with(|p| p.set(pause));
}
