//! Simulator layer (`sim`), HTTP: reading requests off one connection:
//! the buffer, request heads (bounded in bytes and lines), and the time a
//! request may take. Bodies are read on in `body.rs`.

use super::request::{Request, request_from};
use super::{MAX_HEAD, MAX_HEADERS, ReadError, is_timeout};
use std::io::{self, Read};
use std::time::{Duration, Instant};

/// The time a request may take, and how to tell the server is stopping.
pub(crate) struct Budget<'a> {
    /// False once the server stops (polled whenever the socket is quiet).
    pub alive: &'a dyn Fn() -> bool,
    /// No byte for this long mid-request: give up.
    pub stall: Duration,
    /// The whole request (head and body) within this long of its first byte.
    pub request: Duration,
    /// Told how many bytes each read brought (the server ranks slow clients).
    pub progress: &'a dyn Fn(usize),
}

/// Reads requests from one connection, keeping bytes of a pipelined next
/// request for the next call. Works on any `Read`: a socket with a short
/// read timeout (timeouts are when limits are checked), or a byte slice.
pub(crate) struct Reader {
    /// Received bytes; those before `pos` are consumed. Consumed bytes are
    /// released when the buffer empties or they are the larger part, so a
    /// body of many small chunks costs no quadratic moves.
    pub(super) buf: Vec<u8>,
    pub(super) pos: usize,
    /// Unread bytes already searched for the blank line ending a head (or
    /// trailers): a head dripping in byte by byte is scanned once.
    scanned: usize,
    /// When the first byte of the request being read arrived.
    pub(super) started: Option<Instant>,
    last_byte: Instant,
}

impl Reader {
    pub fn new() -> Reader {
        Reader {
            buf: Vec::with_capacity(1024),
            pos: 0,
            scanned: 0,
            started: None,
            last_byte: Instant::now(),
        }
    }

    /// Bytes read and not yet taken (a body, or a pipelined request).
    #[cfg_attr(not(unix), allow(dead_code))] // used by Unix-only code
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// No byte of a next request is buffered.
    pub fn is_empty(&self) -> bool {
        self.pos == self.buf.len()
    }

    /// When the request being read began (None: between requests).
    pub fn started(&self) -> Option<Instant> {
        self.started
    }

    #[cfg_attr(not(unix), allow(dead_code))] // used by the Unix-only reactor
    pub fn last_byte(&self) -> Instant {
        self.last_byte
    }

    pub(super) fn unread(&self) -> &[u8] {
        &self.buf[self.pos..]
    }

    pub(super) fn consume(&mut self, n: usize) {
        self.pos += n;
        self.scanned = 0;
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        } else if self.pos >= 64 * 1024 || self.pos * 2 >= self.buf.len() {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
    }

    /// One read. `Ok(0)` is EOF. Timeouts come back as `WouldBlock`/`TimedOut`.
    pub fn fill(&mut self, stream: &mut dyn Read) -> io::Result<usize> {
        let mut tmp = [0u8; 16 * 1024];
        let n = stream.read(&mut tmp)?;
        if n > 0 {
            let now = Instant::now();
            if self.started.is_none() {
                self.started = Some(now);
            }
            self.last_byte = now;
            self.buf.extend_from_slice(&tmp[..n]);
        }
        Ok(n)
    }

    /// Whether the unread bytes hold a blank line (a head's or the
    /// trailers' end); remembers how far it looked.
    pub(super) fn blank_line(&mut self) -> bool {
        let from = self.scanned.saturating_sub(3);
        let found = has_blank_line(&self.unread()[from..]);
        self.scanned = self.unread().len();
        found
    }

    /// Parse a head if one is complete in the buffer (and remove it).
    pub fn take_head(&mut self) -> Result<Option<Request>, ReadError> {
        let too_large = ReadError::Bad(431, "request header too large");
        if !self.blank_line() {
            if self.unread().len() > MAX_HEAD {
                return Err(too_large);
            }
            return Ok(None);
        }
        let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut head = httparse::Request::new(&mut slots);
        let used = match head.parse(self.unread()) {
            Ok(httparse::Status::Complete(n)) => n,
            // A blank line before the request line (skipped) and no head yet.
            Ok(httparse::Status::Partial) if self.unread().len() <= MAX_HEAD => return Ok(None),
            Ok(httparse::Status::Partial) => return Err(too_large),
            Err(httparse::Error::TooManyHeaders) => {
                return Err(ReadError::Bad(431, "too many request header lines"));
            }
            Err(httparse::Error::Version) => {
                return Err(ReadError::Bad(
                    505,
                    "only HTTP/1.0 and HTTP/1.1 are supported",
                ));
            }
            Err(_) => return Err(ReadError::Bad(400, "malformed request head")),
        };
        if used > MAX_HEAD {
            return Err(too_large);
        }
        let req = request_from(&head)?;
        self.consume(used);
        Ok(Some(req))
    }

    /// One read while a request is in progress, with its limits checked.
    pub(super) fn more(&mut self, stream: &mut dyn Read, b: &Budget<'_>) -> Result<(), ReadError> {
        let over = |r: &Reader| {
            let now = Instant::now();
            r.started.is_some_and(|s| now.duration_since(s) > b.request)
                || now.duration_since(r.last_byte) > b.stall
        };
        match self.fill(stream) {
            Ok(0) => Err(ReadError::Io),
            Ok(n) => {
                (b.progress)(n);
                if over(self) {
                    return Err(ReadError::Timeout);
                }
                Ok(())
            }
            Err(e) if is_timeout(&e) || e.kind() == io::ErrorKind::Interrupted => {
                if !(b.alive)() {
                    return Err(ReadError::Closed);
                }
                if over(self) {
                    return Err(ReadError::Timeout);
                }
                Ok(())
            }
            Err(_) => Err(ReadError::Io),
        }
    }

    /// Wait for the next head. With nothing buffered, give up after `idle`
    /// quiet time (`Ok(None)`: the caller parks or closes the connection).
    pub fn read_head(
        &mut self,
        stream: &mut dyn Read,
        b: &Budget<'_>,
        idle: Duration,
    ) -> Result<Option<Request>, ReadError> {
        let waiting_since = Instant::now();
        loop {
            if let Some(r) = self.take_head()? {
                return Ok(Some(r));
            }
            if self.is_empty() {
                if !(b.alive)() {
                    return Err(ReadError::Closed);
                }
                match self.fill(stream) {
                    Ok(0) => return Err(ReadError::Closed),
                    Ok(n) => (b.progress)(n),
                    Err(e) if is_timeout(&e) || e.kind() == io::ErrorKind::Interrupted => {
                        if waiting_since.elapsed() >= idle {
                            return Ok(None);
                        }
                    }
                    Err(_) => return Err(ReadError::Io),
                }
            } else {
                self.more(stream, b)?;
            }
        }
    }
}

/// Whether `b` holds a blank line: LF, optional CR, LF.
fn has_blank_line(b: &[u8]) -> bool {
    let mut i = 0;
    while let Some(p) = b[i..].iter().position(|&c| c == b'\n') {
        let j = i + p + 1;
        match b.get(j) {
            Some(b'\n') => return true,
            Some(b'\r') if b.get(j + 1) == Some(&b'\n') => return true,
            _ => {}
        }
        i = j;
    }
    false
}

/// The request in `head` (a blank line is appended).
#[cfg(test)]
pub(super) fn parse_head(head: &str) -> Result<Request, ReadError> {
    let mut r = Reader::new();
    r.buf.extend_from_slice(head.as_bytes());
    r.buf.extend_from_slice(b"\r\n\r\n");
    r.take_head().map(|o| o.expect("a whole head"))
}

#[cfg(test)]
mod tests {
    use super::super::{MAX_HEAD, MAX_HEADERS, ReadError};
    use super::parse_head;

    #[test]
    fn parses_heads() {
        let r =
            parse_head("GET /usapi?method=ping HTTP/1.1\r\nHost: x\r\nConnection: close").unwrap();
        assert_eq!(r.path, "/usapi");
        assert_eq!(r.query, "method=ping");
        assert!(!r.keep_alive());
        let r = parse_head("GET http://h:1/download/a%20b HTTP/1.0").unwrap();
        assert_eq!(r.path, "/download/a b");
        assert!(!r.keep_alive());
        let r = parse_head("GET / HTTP/1.1\nX-A:  b c \nHost: h").unwrap();
        assert_eq!(r.header("x-a"), Some("b c"));
        assert!(matches!(
            parse_head("GET / HTTP/2"),
            Err(ReadError::Bad(505, _))
        ));
        assert!(parse_head("nonsense").is_err());
        assert!(parse_head("GET nopath HTTP/1.1").is_err());
        assert!(parse_head("get / HTTP/1.1").is_err());
        assert!(parse_head("GET / HTTP/1.1\r\nBad Header: x").is_err());
        assert!(parse_head("GET / HTTP/1.1\r\nFolded: a\r\n b").is_err());
        let many: String = (0..MAX_HEADERS + 1)
            .map(|i| format!("\r\nH{i}: v"))
            .collect();
        assert!(matches!(
            parse_head(&format!("GET / HTTP/1.1{many}")),
            Err(ReadError::Bad(431, _))
        ));
        let long = format!("GET / HTTP/1.1\r\nX: {}", "v".repeat(MAX_HEAD));
        assert!(matches!(parse_head(&long), Err(ReadError::Bad(431, _))));
    }
}
