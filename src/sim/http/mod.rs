//! Simulator layer (`sim`), below the server: a small, defensive HTTP/1.1
//! layer. Request parsing (header cap, body cap, Content-Length and chunked
//! bodies, `Expect: 100-continue`), replies serialised into one buffer so
//! each goes out in a single write, and the decoders the device needs
//! (query strings, cookies, ranges, multipart/form-data).
//!
//! Request heads, chunk-size lines, trailers and multipart part heads are
//! parsed by `httparse`, the parser the client's replies go through too, so
//! the crate reads the wire one way. Framing is strict: `Content-Length` is
//! digits only and one value, `chunked` is the only transfer coding (any
//! other is 501), both at once is 400, and the head (16 KiB, 64 lines),
//! body (64 MiB) and trailers (32 lines, 16 KiB) are bounded.
//!
//! Query strings are decoded the way browsers encode forms: `%XX` is a byte
//! and a literal `+` is a space (`%2B` is a plus). The document's own example
//! `time=2019-09-10+15:00:00` relies on that. Paths (downloads) decode `%XX`
//! only; a `+` in a path stays a plus.
//!
//! Files: `request.rs` the request and its framing headers, `reader.rs`
//! reading heads off a connection, `body.rs` bodies (Content-Length,
//! chunked, trailers; memory or a spool file), `decode.rs` queries, cookies
//! and ranges, `multipart.rs` multipart/form-data, `response.rs` replies.

mod body;
mod decode;
mod multipart;
mod reader;
mod request;
mod response;

pub(crate) use decode::{cookie_sids, parse_query, parse_range};
pub(crate) use multipart::{PartSink, multipart_boundary, parse_multipart};
pub(crate) use reader::{Budget, Reader};
pub(crate) use request::Request;
pub(crate) use response::Response;

use std::io;

/// Largest request head (request line + headers) accepted.
pub(crate) const MAX_HEAD: usize = 16 * 1024;
/// Most header lines in a request head (431 past it).
const MAX_HEADERS: usize = 64;
/// Most trailer lines after a chunked body (their bytes: `MAX_HEAD`).
const MAX_TRAILERS: usize = 32;
/// Longest chunk-size line (with extensions) accepted.
const MAX_CHUNK_LINE: usize = 1024;
/// Largest request body accepted (firmware images are ~12 MB).
pub(crate) const MAX_BODY: usize = 64 * 1024 * 1024;
/// Bodies larger than this go to a temporary file as they arrive, so a
/// connection costs at most this much memory for its body, whatever it sends.
pub(crate) const SPILL: usize = 64 * 1024;

/// Why a request could not be read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The peer closed (or the server is stopping) between requests.
    Closed,
    /// The request is malformed or too large: answer this status, then close.
    Bad(u16, &'static str),
    /// The request took longer than the whole-request deadline or stalled:
    /// answer 408, then close.
    Timeout,
    /// A socket error, or the peer closed mid-request.
    Io,
}

pub(crate) fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// Byte-substring search.
pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    find_from(hay, needle, 0)
}

pub(crate) fn find_from(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    let first = *needle.first()?;
    let mut i = from;
    while i + needle.len() <= hay.len() {
        let off = hay[i..=hay.len() - needle.len()]
            .iter()
            .position(|&b| b == first)?;
        i += off;
        if &hay[i..i + needle.len()] == needle {
            return Some(i);
        }
        i += 1;
    }
    None
}
