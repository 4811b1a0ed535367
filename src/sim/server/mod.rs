//! Simulator layer (`sim`), on the device, the methods and `sim::http`:
//! the simulator's HTTP server. Every reply goes out in one write with
//! TCP_NODELAY set, so a client never waits on Nagle or a delayed ACK.
//!
//! Routes:
//! - `/usapi?method=NAME&...` (also the document's typo `/usapi/usapi`): the API.
//! - `/download/<path>/<name>`: recorded files and thumbnails, the document's
//!   `http://ip:8080/download/path/name`, served on this same port (GET and
//!   HEAD; single `Range: bytes=` ranges are honoured). No login needed.
//! - `/__sim/control`: simulator control (see `sim/control.rs`). No login needed;
//!   requests a browser could send cross-site are refused (see
//!   `control_endpoint.rs`), and `SimOptions::control_token` can require a token.
//! - `/`: a short plain-text page pointing at the above.
//!
//! While the simulated device is down (rebooting, resetting, updating)
//! API and download requests get no answer: the connection is closed.
//!
//! # Connections, and clients that abuse them
//!
//! Attackers and the honest client may all be 127.0.0.1, so nothing here is
//! per address. A connection has a thread of its own (small stack) while it
//! is busy: for its first request, a body arriving, an answer, and requests
//! that follow at once. After 50 ms of quiet it goes to the reactor, one
//! thread that `poll`s every waiting connection (idle keep-alive, or a head
//! still trickling in) and hands it a thread again once a head is complete.
//! So 1,100 idle connections or slowloris heads cost 1,100 descriptors and a
//! few hundred bytes each, not 1,100 threads waking every few hundred
//! milliseconds; threads exist only for requests in progress, at most
//! `max_connections` of them, and a client that sends at once is answered
//! without a detour through the reactor.
//!
//! - At most `ServerLimits::max_connections` connections (lowered to fit the
//!   open-file limit). When a new one arrives and all are taken, the server
//!   closes, in this order: the longest-idle connection idle for a second or
//!   more; the slowest request in progress (bytes per second since its first
//!   byte) running for a second or more; any idle one; any receiving one.
//!   Only when every connection is being answered does the newcomer get
//!   `503 Service Unavailable` (and `Connection: close`), never silence. Out
//!   of descriptors, a spare one kept for the purpose answers the 503.
//! - An idle keep-alive connection is closed after `idle_timeout` (5 s).
//! - A request that sends nothing for `stall_timeout` (10 s), or whose head
//!   and body take longer than `request_timeout` (30 s) from its first byte
//!   however steadily they drip, gets `408 Request Timeout` and is closed.
//! - A body over 64 KiB is written to an unlinked temporary file as it
//!   arrives and the firmware image is checked from there in pieces, so a
//!   connection holds at most ~100 KiB whatever it sends (bodies over 64 MiB
//!   get 413 from the Content-Length, or as the chunks cross it).
//! - `Expect: 100-continue` is answered with `100 Continue`, or at once with
//!   the final refusal (no session, device busy, control request refused)
//!   and `Connection: close`, before any byte of the body is sent.
//!
//! # Files
//!
//! `accept.rs` the listener (the cap, refusing with 503), `conns.rs` the
//! registry of connections and eviction, `reactor.rs` parked connections
//! (Unix), `worker.rs` a connection's thread, `send.rs` writing replies,
//! `route.rs` which path gets what, `faults.rs` injected faults and
//! latency, `control_endpoint.rs` `/__sim/control`, `download.rs`
//! recorded files, `fuzz.rs` the request reader under the fuzzer.

mod accept;
mod conns;
mod control_endpoint;
mod download;
mod faults;
mod fuzz;
mod reactor;
mod route;
mod send;
mod worker;

pub(crate) use accept::{effective_cap, spawn};
pub(crate) use conns::Registry;
pub(crate) use fuzz::fuzz_requests;
pub(crate) use reactor::Park;
#[cfg(unix)] // for the fleet's event loops, Unix only
pub(crate) use route::{Action, route_deferred};

use std::sync::Mutex;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
