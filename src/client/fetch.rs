//! A streamed GET on its own connection, for media downloads: the reply
//! head first (so the caller can choose append or truncate), then the body
//! handed over piece by piece, never held whole.

use super::http1::{self, Head, ReplyReader};
use super::transport::HostAddrs;
use crate::error::{Error, Result};
use std::io::{ErrorKind, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// At most this many interim (1xx) heads before the final one.
const MAX_INTERIM: usize = 8;

pub(crate) struct Fetch {
    stream: TcpStream,
    buf: Vec<u8>,
    read_timeout: Option<Duration>,
    what: String,
    pub head: Head,
}

/// Connect to `authority` (`host:port`), send `GET target` (with
/// `Range: bytes=N-` when `range_from` is given) and read the reply head
/// within `head_timeout` (and `deadline`). `what` names it in errors.
pub(crate) fn get(
    authority: &str,
    target: &str,
    range_from: Option<u64>,
    connect_timeout: Duration,
    head_timeout: Duration,
    deadline: Instant,
    what: &str,
) -> Result<Fetch> {
    let addrs = HostAddrs::new(authority).get()?;
    let mut stream = super::transport::connect_first(&addrs, what, connect_timeout, deadline)?;
    let mut req = format!(
        concat!(
            "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: ultrastream/",
            env!("CARGO_PKG_VERSION"),
            "\r\nAccept: */*\r\n"
        ),
        target, authority
    );
    if let Some(n) = range_from {
        req.push_str(&format!("Range: bytes={n}-\r\n"));
    }
    req.push_str("Connection: close\r\n\r\n");
    let head_deadline = (Instant::now() + head_timeout).min(deadline);
    let remaining = head_deadline.saturating_duration_since(Instant::now());
    stream
        .set_write_timeout(Some(http1::timeout_for(remaining)))
        .and_then(|()| stream.write_all(req.as_bytes()))
        .map_err(|e| {
            if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) {
                Error::Timeout(format!("{what}: sending took too long"))
            } else {
                Error::Io(format!("{what}: {e}"))
            }
        })?;
    let mut reader = ReplyReader {
        stream: &mut stream,
        buf: Vec::new(),
        deadline: head_deadline,
        method: what,
        read_timeout: None,
        spent: false,
    };
    let mut interim = 0;
    let head = loop {
        let h = reader.head()?;
        reader.buf.drain(..h.len);
        if (100..200).contains(&h.status) {
            if h.status == 101 || interim == MAX_INTERIM {
                return Err(Error::BadReply {
                    method: what.to_string(),
                    detail: format!("HTTP protocol error: unexpected status {}", h.status),
                });
            }
            interim += 1;
            continue;
        }
        break h;
    };
    let buf = std::mem::take(&mut reader.buf);
    let read_timeout = reader.read_timeout;
    Ok(Fetch {
        stream,
        buf,
        read_timeout,
        what: what.to_string(),
        head,
    })
}

impl Fetch {
    /// Hand the body to `sink` piece by piece. Each read waits at most
    /// `stall` for data, and all of it ends by `deadline`. An error from
    /// `sink` is returned as it is.
    pub fn body(
        &mut self,
        stall: Duration,
        deadline: Instant,
        sink: &mut dyn FnMut(&[u8]) -> Result<()>,
    ) -> Result<()> {
        let Fetch {
            stream,
            buf,
            read_timeout,
            what,
            head,
        } = self;
        let mut r = ReplyReader {
            stream,
            buf: std::mem::take(buf),
            deadline,
            method: what,
            read_timeout: *read_timeout,
            spent: false,
        };
        // Fewer, larger reads for a file of many MiB.
        r.buf.reserve(64 * 1024);
        let fill = |r: &mut ReplyReader<'_>| -> Result<usize> {
            r.deadline = (Instant::now() + stall).min(deadline);
            r.fill()
        };
        let bad = |d: &str| Error::BadReply {
            method: what.to_string(),
            detail: format!("HTTP protocol error: {d}"),
        };
        if head.status == 204 || head.status == 304 {
            return Ok(());
        }
        if head.chunked {
            loop {
                let line_end = loop {
                    if let Some(i) = http1::find(&r.buf, b"\r\n") {
                        break i;
                    }
                    if r.buf.len() > 1024 {
                        return Err(bad("a chunk-size line is too long"));
                    }
                    if fill(&mut r)? == 0 {
                        return Err(bad("the chunked reply ended early"));
                    }
                };
                let line =
                    std::str::from_utf8(&r.buf[..line_end]).map_err(|_| bad("bad chunk size"))?;
                let size_text = line.split(';').next().unwrap_or("").trim();
                let mut left =
                    u64::from_str_radix(size_text, 16).map_err(|_| bad("bad chunk size"))?;
                r.buf.drain(..line_end + 2);
                if left == 0 {
                    return Ok(()); // trailers do not matter: the connection ends
                }
                while left > 0 {
                    if r.buf.is_empty() && fill(&mut r)? == 0 {
                        return Err(bad("the chunked reply ended early"));
                    }
                    let k = (r.buf.len() as u64).min(left) as usize;
                    sink(&r.buf[..k])?;
                    r.buf.drain(..k);
                    left -= k as u64;
                }
                while r.buf.len() < 2 {
                    if fill(&mut r)? == 0 {
                        return Err(bad("the chunked reply ended early"));
                    }
                }
                if &r.buf[..2] != b"\r\n" {
                    return Err(bad("a chunk does not end with CRLF"));
                }
                r.buf.drain(..2);
            }
        }
        let mut left = head.content_length;
        loop {
            if !r.buf.is_empty() {
                let k = match left {
                    Some(n) => (r.buf.len() as u64).min(n) as usize,
                    None => r.buf.len(),
                };
                sink(&r.buf[..k])?;
                if let Some(n) = left.as_mut() {
                    *n -= k as u64;
                }
                r.buf.clear();
            }
            if left == Some(0) {
                return Ok(());
            }
            if fill(&mut r)? == 0 {
                return match left {
                    None => Ok(()),
                    Some(n) => Err(Error::Io(format!(
                        "{what}: the reply ended {n} bytes before its Content-Length"
                    ))),
                };
            }
        }
    }
}
