//! A small HTTP/1.1 reply reader, for the API calls (`transport.rs`) and
//! the streamed firmware upload (`upload.rs`). Bounded everywhere: the head
//! to a cap, the body to the reply cap, every read to the caller's deadline.
//!
//! Socket timeouts are set only when the value needed changes: a read is
//! bounded by `SO_RCVTIMEO`, kept at most `SLACK` above the time left, and
//! a read that times out early is retried with the time left. A kept-alive
//! connection so costs no `setsockopt` per call.

use crate::error::{Error, Result};
use std::io::ErrorKind;
#[cfg(not(unix))]
use std::io::Read;
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// How far a socket timeout may exceed the time left before it is lowered.
const SLACK: Duration = Duration::from_millis(10);

/// Whether a socket timeout currently `set` bounds an operation that has
/// `remaining`: not more than `SLACK` past the deadline, and not so far
/// below it that an early timeout is likely.
pub(crate) fn timeout_fits(set: Option<Duration>, remaining: Duration) -> bool {
    set.is_some_and(|t| t <= remaining + SLACK && t * 2 >= remaining)
}

/// The socket timeout for `remaining` (a zero timeout means "none").
pub(crate) fn timeout_for(remaining: Duration) -> Duration {
    remaining.max(Duration::from_millis(1))
}

/// Largest reply head accepted (status line and headers).
pub(crate) const MAX_HEAD: usize = 16 * 1024;

/// A parsed reply head.
#[derive(Debug)]
pub(crate) struct Head {
    pub status: u16,
    /// Bytes of the buffer the head took (including the blank line).
    pub len: usize,
    pub content_length: Option<u64>,
    pub chunked: bool,
    pub location: Option<String>,
    pub sid: Option<String>,
    /// The connection ends after this reply (`Connection: close`, or
    /// HTTP/1.0 without keep-alive).
    pub close: bool,
}

/// Parse a reply head at the start of `buf`. `Ok(None)`: not complete yet.
pub(crate) fn parse_head(buf: &[u8], method: &str) -> Result<Option<Head>> {
    parse_head_max(buf, method, MAX_HEAD)
}

/// `parse_head` with a head cap of `max` bytes.
pub(crate) fn parse_head_max(buf: &[u8], method: &str, max: usize) -> Result<Option<Head>> {
    let bad = |detail: &str| Error::BadReply {
        method: method.to_string(),
        detail: detail.to_string(),
    };
    let Some(end) = find(buf, b"\r\n\r\n") else {
        if buf.len() > max {
            return Err(Error::TooLarge {
                method: method.to_string(),
                limit: max,
            });
        }
        // A head that does not even start like HTTP is not worth waiting for.
        let start = &buf[..buf.len().min(5)];
        if !b"HTTP/".starts_with(start) {
            return Err(bad(
                "HTTP protocol error: the reply does not start with HTTP/",
            ));
        }
        return Ok(None);
    };
    if end > max {
        return Err(Error::TooLarge {
            method: method.to_string(),
            limit: max,
        });
    }
    let text = std::str::from_utf8(&buf[..end])
        .map_err(|_| bad("HTTP protocol error: the reply head is not text"))?;
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or("");
    if !version.starts_with("HTTP/1.") {
        return Err(bad("HTTP protocol error: bad status line"));
    }
    let status: u16 = parts
        .next()
        .filter(|s| s.len() == 3)
        .and_then(|s| s.parse().ok())
        .filter(|s| (100..600).contains(s))
        .ok_or_else(|| bad("HTTP protocol error: bad status code"))?;
    let mut head = Head {
        status,
        len: end + 4,
        content_length: None,
        chunked: false,
        location: None,
        sid: None,
        close: version == "HTTP/1.0",
    };
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            return Err(bad("HTTP protocol error: a header line without ':'"));
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            let n: u64 = value
                .parse()
                .map_err(|_| bad("HTTP protocol error: bad Content-Length"))?;
            if head.content_length.is_some_and(|old| old != n) {
                return Err(bad("HTTP protocol error: conflicting Content-Length"));
            }
            head.content_length = Some(n);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            head.chunked = value.to_ascii_lowercase().contains("chunked");
        } else if name.eq_ignore_ascii_case("connection") {
            for token in value.split(',') {
                let token = token.trim();
                if token.eq_ignore_ascii_case("close") {
                    head.close = true;
                } else if token.eq_ignore_ascii_case("keep-alive") && version == "HTTP/1.0" {
                    head.close = false;
                }
            }
        } else if name.eq_ignore_ascii_case("location") {
            head.location = Some(value.to_string());
        } else if name.eq_ignore_ascii_case("set-cookie") && head.sid.is_none() {
            head.sid = super::transport::parse_sid(value);
        }
    }
    Ok(Some(head))
}

/// Reads one reply from a stream, with everything already received in `buf`.
pub(crate) struct ReplyReader<'a> {
    pub stream: &'a mut TcpStream,
    pub buf: Vec<u8>,
    pub deadline: Instant,
    pub method: &'a str,
    /// The stream's `SO_RCVTIMEO` as last set (None: unknown).
    pub read_timeout: Option<Duration>,
    /// Set by `body`: bytes followed the reply, or it ended with the
    /// connection, so the connection must not carry another request.
    pub spent: bool,
}

/// Bytes read at once.
const READ: usize = 8 * 1024;

impl ReplyReader<'_> {
    /// Read more bytes into `buf`, bounded by the deadline. `Ok(0)`: EOF.
    pub fn fill(&mut self) -> Result<usize> {
        loop {
            let remaining = self.deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Err(Error::Timeout(format!(
                    "{}: no answer in time",
                    self.method
                )));
            }
            if !timeout_fits(self.read_timeout, remaining) {
                let t = timeout_for(remaining);
                self.read_timeout = None;
                self.stream
                    .set_read_timeout(Some(t))
                    .map_err(|e| Error::Io(format!("{}: {e}", self.method)))?;
                self.read_timeout = Some(t);
            }
            match self.read_more() {
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                // Early or on time: the loop checks the deadline.
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    continue;
                }
                Err(e) => return Err(Error::Io(format!("{}: {e}", self.method))),
            }
        }
    }

    /// One read into the spare room of `buf` (at least `READ` bytes).
    fn read_more(&mut self) -> std::io::Result<usize> {
        if self.buf.capacity() - self.buf.len() < READ {
            self.buf.reserve(READ);
        }
        #[cfg(unix)]
        {
            // Straight into the spare capacity: zeroing 8 KiB per read
            // cost more than the rest of a call's parsing.
            use std::os::fd::AsRawFd;
            let spare = self.buf.spare_capacity_mut();
            // SAFETY: the kernel writes at most `spare.len()` bytes into
            // memory we own; only the `n` bytes it wrote are then counted.
            let n = unsafe {
                libc::read(
                    self.stream.as_raw_fd(),
                    spare.as_mut_ptr().cast(),
                    spare.len(),
                )
            };
            if n < 0 {
                return Err(std::io::Error::last_os_error());
            }
            let n = n as usize;
            // SAFETY: those `n` bytes were just initialised by read(2).
            unsafe { self.buf.set_len(self.buf.len() + n) };
            Ok(n)
        }
        #[cfg(not(unix))]
        {
            let len = self.buf.len();
            self.buf.resize(self.buf.capacity(), 0);
            let r = self.stream.read(&mut self.buf[len..]);
            self.buf.truncate(len + *r.as_ref().unwrap_or(&0));
            r
        }
    }

    /// Read until a complete head is buffered.
    pub fn head(&mut self) -> Result<Head> {
        loop {
            if let Some(h) = parse_head(&self.buf, self.method)? {
                return Ok(h);
            }
            if self.fill()? == 0 {
                return Err(Error::Io(format!(
                    "{}: the device closed the connection before answering",
                    self.method
                )));
            }
        }
    }

    /// Read the body that follows `head` (already consumed from `buf`),
    /// capped at `max` bytes.
    pub fn body(&mut self, head: &Head, max: usize) -> Result<Vec<u8>> {
        let too_large = || Error::TooLarge {
            method: self.method.to_string(),
            limit: max,
        };
        if head.status == 204 || head.status == 304 {
            return Ok(Vec::new());
        }
        if head.chunked {
            return self.chunked(max);
        }
        match head.content_length {
            Some(n) => {
                if n > max as u64 {
                    return Err(too_large());
                }
                let n = n as usize;
                while self.buf.len() < n {
                    if self.fill()? == 0 {
                        return Err(Error::Io(format!(
                            "{}: the reply ended after {} of {n} bytes",
                            self.method,
                            self.buf.len()
                        )));
                    }
                }
                if self.buf.len() > n {
                    self.spent = true; // more than one reply: out of step
                }
                self.buf.truncate(n);
                Ok(std::mem::take(&mut self.buf))
            }
            None => {
                // No length: the body ends when the device closes.
                self.spent = true;
                while self.fill()? > 0 {
                    if self.buf.len() > max {
                        return Err(too_large());
                    }
                }
                Ok(std::mem::take(&mut self.buf))
            }
        }
    }

    fn chunked(&mut self, max: usize) -> Result<Vec<u8>> {
        let bad = |d: &str| Error::BadReply {
            method: self.method.to_string(),
            detail: format!("HTTP protocol error: {d}"),
        };
        let mut out = Vec::new();
        let mut pos = 0;
        loop {
            // The chunk-size line.
            let line_end = loop {
                if let Some(i) = find(&self.buf[pos..], b"\r\n") {
                    break pos + i;
                }
                if self.buf.len() - pos > 1024 {
                    return Err(bad("a chunk-size line is too long"));
                }
                if self.fill()? == 0 {
                    return Err(bad("the chunked reply ended early"));
                }
            };
            let line =
                std::str::from_utf8(&self.buf[pos..line_end]).map_err(|_| bad("bad chunk size"))?;
            let size_text = line.split(';').next().unwrap_or("").trim();
            let size = usize::from_str_radix(size_text, 16).map_err(|_| bad("bad chunk size"))?;
            pos = line_end + 2;
            if size == 0 {
                // Trailers, up to the blank line that ends the reply.
                loop {
                    if let Some(i) = find(&self.buf[pos..], b"\r\n") {
                        pos += i + 2;
                        if i == 0 {
                            break;
                        }
                        continue;
                    }
                    if self.buf.len() - pos > 1024 {
                        return Err(bad("a trailer line is too long"));
                    }
                    if self.fill()? == 0 {
                        return Err(bad("the chunked reply ended early"));
                    }
                }
                if self.buf.len() > pos {
                    self.spent = true;
                }
                return Ok(out);
            }
            if out.len().saturating_add(size) > max {
                return Err(Error::TooLarge {
                    method: self.method.to_string(),
                    limit: max,
                });
            }
            while self.buf.len() < pos + size + 2 {
                if self.fill()? == 0 {
                    return Err(bad("the chunked reply ended early"));
                }
            }
            out.extend_from_slice(&self.buf[pos..pos + size]);
            if &self.buf[pos + size..pos + size + 2] != b"\r\n" {
                return Err(bad("a chunk does not end with CRLF"));
            }
            pos += size + 2;
            // Keep the buffer small: drop what was consumed.
            self.buf.drain(..pos);
            pos = 0;
        }
    }
}

pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads() {
        assert!(
            parse_head(b"HTTP/1.1 200 OK\r\nContent-", "m")
                .unwrap()
                .is_none()
        );
        let h = parse_head(
            b"HTTP/1.1 307 Temporary Redirect\r\nLocation: http://x/\r\nContent-Length: 0\r\n\r\n",
            "m",
        )
        .unwrap()
        .unwrap();
        assert_eq!(h.status, 307);
        assert_eq!(h.location.as_deref(), Some("http://x/"));
        assert_eq!(h.content_length, Some(0));
        for bad in [
            &b"<html>"[..],
            b"HTTP/1.1 2000 OK\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        ] {
            assert!(parse_head(bad, "m").is_err());
        }
        let big = vec![b'H'; MAX_HEAD + 10];
        assert!(parse_head(&big, "m").is_err());
    }
}
