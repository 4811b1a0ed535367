//! The reply reader: a state machine over one receive buffer.

use super::head::{Framing, Head, digits};
use std::fmt;

/// Header lines accepted in one head (more is an error).
const MAX_HEADERS: usize = 64;
/// Longest chunk-size line (size, extensions, CRLF).
const MAX_CHUNK_LINE: usize = 1024;
/// Spare room offered to each read.
const READ: usize = 8 * 1024;

/// Bounds on one reply. Every field has a default; set the ones you need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Longest head (status line and headers), in bytes. Default 16 KiB.
    /// More than 64 header lines also count as a head too large.
    pub max_head: usize,
    /// Most body bytes, whatever the framing. Default 64 MiB.
    pub max_body: u64,
    /// Most interim (1xx) heads before the final one. Default 8.
    pub max_interim: usize,
    /// Most trailer lines after a chunked body. Default 32.
    pub max_trailer_lines: usize,
    /// Most trailer bytes after a chunked body. Default 8 KiB.
    pub max_trailer_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_head: 16 * 1024,
            max_body: 64 * 1024 * 1024,
            max_interim: 8,
            max_trailer_lines: 32,
            max_trailer_bytes: 8 * 1024,
        }
    }
}

impl Limits {
    /// The defaults with `max_head` and `max_body` set.
    pub fn new(max_head: usize, max_body: u64) -> Limits {
        Limits {
            max_head,
            max_body,
            ..Limits::default()
        }
    }
}

/// Why a reply was refused. Every error is final: close the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HttpError {
    /// The bytes break HTTP/1.1 framing: a bad head, Content-Length or
    /// chunk size, an unsupported transfer coding, too many interim heads
    /// or trailers. The text says which.
    Protocol(String),
    /// The head or the body is longer than its limit.
    TooLarge {
        /// `"reply head"` or `"reply body"`.
        what: &'static str,
        /// The limit, in bytes.
        limit: u64,
    },
    /// The connection ended before the reply was complete.
    Closed(String),
    /// A request field cannot be written (CR, LF or NUL in it).
    Request(String),
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpError::Protocol(d) => write!(f, "HTTP protocol error: {d}"),
            HttpError::TooLarge { what, limit } => {
                write!(f, "the {what} is larger than the limit of {limit} bytes")
            }
            HttpError::Closed(d) => f.write_str(d),
            HttpError::Request(d) => write!(f, "cannot write the request: {d}"),
        }
    }
}

impl std::error::Error for HttpError {}

impl HttpError {
    /// The crate's error for this failure of call `method`: `Protocol` is
    /// `BadReply`, `TooLarge` is `TooLarge`, `Closed` is `Io`, `Request`
    /// is `InvalidArgument`.
    pub fn into_error(self, method: &str) -> crate::error::Error {
        use crate::error::Error;
        match self {
            HttpError::Protocol(_) => Error::BadReply {
                method: method.to_string(),
                detail: self.to_string(),
            },
            HttpError::TooLarge { limit, .. } => Error::TooLarge {
                method: method.to_string(),
                limit: usize::try_from(limit).unwrap_or(usize::MAX),
            },
            HttpError::Closed(d) => Error::Io(format!("{method}: {d}")),
            HttpError::Request(d) => Error::InvalidArgument {
                param: "request".into(),
                rule: d,
            },
        }
    }
}

/// What [`Response::advance`] found.
#[derive(Debug)]
pub enum Event<'a> {
    /// More bytes are needed: read from the socket, then `filled` or `eof`.
    NeedData,
    /// An interim 1xx head (100 Continue, 102 Processing, 103 Early
    /// Hints) was read and dropped.
    Interim(u16),
    /// The final head.
    Head(&'a Head),
    /// Body bytes (chunk framing removed). Valid until the next call.
    Body(&'a [u8]),
    /// The reply is complete; `reusable`: the connection may carry
    /// another request (see the module documentation).
    Done {
        /// The connection is clean and may be kept alive.
        reusable: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Head,
    Length(u64),
    ChunkSize,
    ChunkData(u64),
    ChunkEnd,
    Trailers { lines: usize, bytes: usize },
    UntilClose,
    Done,
    Failed,
}

/// What one step found, before it is turned into a borrowed `Event`.
enum Step {
    Again,
    Need,
    Interim(u16),
    Head,
    Body(usize, usize),
    Done,
}

/// One reply being read (see the module documentation for the driver's
/// loop). Owns the receive buffer; reusable for the next reply on the
/// same connection with [`Response::reset`].
#[derive(Debug)]
pub struct Response {
    limits: Limits,
    /// Receive buffer; bytes `start..end` are unread. Kept initialised, so
    /// `read_buf` hands out spare room without zeroing it each time.
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// Unread bytes already searched for the end of a head.
    scanned: usize,
    eof: bool,
    state: State,
    interim: usize,
    body_total: u64,
    head: Head,
    error: Option<HttpError>,
}

impl Response {
    /// A reader for one reply, within `limits`.
    pub fn new(limits: Limits) -> Response {
        Response {
            limits,
            buf: Vec::new(),
            start: 0,
            end: 0,
            scanned: 0,
            eof: false,
            state: State::Head,
            interim: 0,
            body_total: 0,
            head: Head::default(),
            error: None,
        }
    }

    /// Start reading the next reply on the same connection, keeping the
    /// buffer. Unread bytes stay and are read as the start of that reply
    /// (a driver only gets here after `Done { reusable: true }`, when
    /// there are none).
    pub fn reset(&mut self) {
        self.scanned = 0;
        self.eof = false;
        self.state = State::Head;
        self.interim = 0;
        self.body_total = 0;
        self.error = None;
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Change the limits (for example a download's body size, known once
    /// the head is in).
    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    /// Spare room to read into: at least 8 KiB when every event was taken
    /// (`advance` returned `NeedData`). Report what was written with
    /// [`Response::filled`].
    pub fn read_buf(&mut self) -> &mut [u8] {
        self.make_room(READ);
        &mut self.buf[self.end..]
    }

    /// `n` bytes were written at the start of [`Response::read_buf`].
    pub fn filled(&mut self, n: usize) {
        self.end = (self.end + n).min(self.buf.len());
    }

    /// Copy `data` in (for drivers that read into their own buffer).
    pub fn feed(&mut self, data: &[u8]) {
        self.make_room(data.len());
        self.buf[self.end..self.end + data.len()].copy_from_slice(data);
        self.end += data.len();
    }

    /// The device closed its side: no more bytes will come.
    pub fn eof(&mut self) {
        self.eof = true;
    }

    /// Bytes received and not yet consumed. After `Done`, any are bytes
    /// the device sent past its reply.
    pub fn unread(&self) -> usize {
        self.end - self.start
    }

    /// Whether the reply is complete (`Done` was returned).
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// The final head, once `Event::Head` was returned.
    pub fn head(&self) -> Option<&Head> {
        match self.state {
            State::Head | State::Failed => None,
            _ => Some(&self.head),
        }
    }

    /// Make `want` bytes of room after `end`: move the unread bytes to the
    /// front when that frees enough (they are few: every unit is consumed
    /// as soon as it is complete), else grow.
    fn make_room(&mut self, want: usize) {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
            self.scanned = 0;
        }
        if self.buf.len() - self.end >= want {
            return;
        }
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.buf.len() - self.end < want {
            // `read_buf` asks for READ; a driver that feeds its own reads
            // gets what they need, so a small reply keeps a small buffer.
            let size = (self.end + want).max(self.buf.len() * 2);
            self.buf.resize(size, 0);
        }
    }

    /// Parse as far as the next event. Does at most one unit of work (a
    /// head, one run of body bytes, a bounded run of chunk framing or
    /// trailer lines) so the driver can check its deadline between calls.
    pub fn advance(&mut self) -> Result<Event<'_>, HttpError> {
        let step = loop {
            let r = match self.state {
                State::Head => self.step_head(),
                State::Length(left) => Ok(self.step_length(left)),
                State::ChunkSize => self.step_chunk_size(),
                State::ChunkData(left) => self.step_chunk_data(left),
                State::ChunkEnd => self.step_chunk_end(),
                State::Trailers { lines, bytes } => self.step_trailer(lines, bytes),
                State::UntilClose => self.step_until_close(),
                State::Done => Ok(Step::Done),
                State::Failed => Err(self.error.clone().unwrap_or_else(|| {
                    HttpError::Protocol("the reply was already refused".into())
                })),
            };
            match r {
                Ok(Step::Again) => continue,
                Ok(s) => break s,
                Err(e) => {
                    self.state = State::Failed;
                    self.error = Some(e.clone());
                    return Err(e);
                }
            }
        };
        Ok(match step {
            Step::Again | Step::Need => Event::NeedData,
            Step::Interim(s) => Event::Interim(s),
            Step::Head => Event::Head(&self.head),
            Step::Body(a, b) => Event::Body(&self.buf[a..b]),
            Step::Done => Event::Done {
                reusable: self.head.keep_alive
                    && self.head.framing != Some(Framing::UntilClose)
                    && self.start == self.end
                    && !self.eof,
            },
        })
    }

    fn unread_bytes(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    fn closed(&self, what: &str) -> HttpError {
        HttpError::Closed(format!("the device closed the connection {what}"))
    }

    fn step_head(&mut self) -> Result<Step, HttpError> {
        let avail = &self.buf[self.start..self.end];
        if avail.is_empty() {
            return if self.eof {
                Err(self.closed("before answering"))
            } else {
                Ok(Step::Need)
            };
        }
        // Not HTTP at all: say so now rather than wait for a blank line.
        let lead = &avail[..avail.len().min(7)];
        if !b"HTTP/1.".starts_with(lead) {
            return Err(HttpError::Protocol(
                "the reply does not start with HTTP/1.".into(),
            ));
        }
        // The first look parses at once (the whole head usually comes in
        // one read); after a partial parse, parse again only once a blank
        // line is in, so a head sent byte by byte costs one scan of each
        // byte, not one parse per byte.
        if self.scanned > 0 {
            let from = self.scanned.saturating_sub(3);
            let complete = find_head_end(&avail[from..]);
            self.scanned = avail.len();
            if !complete {
                return self.head_partial();
            }
        }
        self.scanned = avail.len();
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut resp = httparse::Response::new(&mut headers);
        let n = match httparse::ParserConfig::default().parse_response(&mut resp, avail) {
            Ok(httparse::Status::Complete(n)) => n,
            Ok(httparse::Status::Partial) => return self.head_partial(),
            // More lines than accepted: a head too large, whether or not
            // its bytes are already past `max_head` (which depends on how
            // much of it one read brought).
            Err(httparse::Error::TooManyHeaders) => {
                return Err(HttpError::TooLarge {
                    what: "reply head",
                    limit: self.limits.max_head as u64,
                });
            }
            Err(e) => {
                return Err(HttpError::Protocol(format!("bad reply head ({e})")));
            }
        };
        if n > self.limits.max_head || n > u32::MAX as usize {
            return Err(HttpError::TooLarge {
                what: "reply head",
                limit: self.limits.max_head as u64,
            });
        }
        let status = resp.code.unwrap_or(0);
        let minor = resp.version.unwrap_or(0);
        if !(100..=599).contains(&status) {
            return Err(HttpError::Protocol(format!("bad status code {status}")));
        }
        if status < 200 {
            if status == 101 {
                return Err(HttpError::Protocol(
                    "unexpected 101 Switching Protocols".into(),
                ));
            }
            self.interim += 1;
            if self.interim > self.limits.max_interim {
                return Err(HttpError::Protocol(format!(
                    "more than {} interim (1xx) replies",
                    self.limits.max_interim
                )));
            }
            self.consume(n);
            return Ok(Step::Interim(status));
        }
        // The final head: framing, then a copy of its lines.
        let mut length: Option<u64> = None;
        let mut te = false;
        let mut close = false;
        let mut keep = false;
        let base = avail.as_ptr() as usize;
        self.head.raw.clear();
        self.head.raw.extend_from_slice(&avail[..n]);
        self.head.fields.clear();
        for h in resp.headers.iter() {
            let value = trim(h.value);
            let name = h.name.as_bytes();
            if name.eq_ignore_ascii_case(b"content-length") {
                let v = digits(value).ok_or_else(|| {
                    HttpError::Protocol(format!(
                        "bad Content-Length '{}' (digits only)",
                        printable(value)
                    ))
                })?;
                if length.is_some_and(|old| old != v) {
                    return Err(HttpError::Protocol(
                        "conflicting Content-Length values".into(),
                    ));
                }
                length = Some(v);
            } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
                if te || !value.eq_ignore_ascii_case(b"chunked") {
                    return Err(HttpError::Protocol(format!(
                        "Transfer-Encoding '{}' is not supported (only chunked is)",
                        printable(value)
                    )));
                }
                te = true;
            } else if name.eq_ignore_ascii_case(b"connection") {
                for token in value.split(|&b| b == b',') {
                    let token = trim(token);
                    close |= token.eq_ignore_ascii_case(b"close");
                    keep |= token.eq_ignore_ascii_case(b"keep-alive");
                }
            }
            let ns = h.name.as_ptr() as usize - base;
            let vs = value.as_ptr() as usize - base;
            // Offsets fit in u32: the head's length was checked above.
            self.head.fields.push([
                ns as u32,
                (ns + name.len()) as u32,
                vs as u32,
                (vs + value.len()) as u32,
            ]);
        }
        if te && length.is_some() {
            return Err(HttpError::Protocol(
                "both Content-Length and Transfer-Encoding: chunked".into(),
            ));
        }
        let framing = if status == 204 || status == 304 {
            Framing::Empty
        } else if te {
            Framing::Chunked
        } else if let Some(n) = length {
            if n > self.limits.max_body {
                return Err(HttpError::TooLarge {
                    what: "reply body",
                    limit: self.limits.max_body,
                });
            }
            Framing::Length(n)
        } else {
            Framing::UntilClose
        };
        self.head.status = status;
        self.head.minor = minor;
        self.head.framing = Some(framing);
        self.head.keep_alive = !close && (minor >= 1 || keep);
        self.consume(n);
        self.state = match framing {
            Framing::Empty => State::Done,
            Framing::Length(n) => State::Length(n),
            Framing::Chunked => State::ChunkSize,
            Framing::UntilClose => State::UntilClose,
        };
        Ok(Step::Head)
    }

    fn head_partial(&self) -> Result<Step, HttpError> {
        if self.unread() >= self.limits.max_head {
            return Err(HttpError::TooLarge {
                what: "reply head",
                limit: self.limits.max_head as u64,
            });
        }
        if self.eof {
            return Err(self.closed("in the middle of the reply head"));
        }
        Ok(Step::Need)
    }

    fn consume(&mut self, n: usize) {
        self.start += n;
        self.scanned = 0;
    }

    /// Hand out up to `left` unread bytes as body.
    fn take_body(&mut self, left: u64) -> (usize, usize) {
        let k = (self.unread() as u64).min(left) as usize;
        let a = self.start;
        self.start += k;
        self.body_total += k as u64;
        (a, a + k)
    }

    fn step_length(&mut self, left: u64) -> Step {
        if left == 0 {
            self.state = State::Done;
            return Step::Done;
        }
        if self.unread() == 0 {
            if self.eof {
                self.state = State::Failed;
                self.error = Some(self.closed(&format!(
                    "after {} of {} body bytes",
                    self.body_total,
                    self.body_total + left
                )));
                return Step::Again;
            }
            return Step::Need;
        }
        let (a, b) = self.take_body(left);
        self.state = State::Length(left - (b - a) as u64);
        Step::Body(a, b)
    }

    fn step_chunk_size(&mut self) -> Result<Step, HttpError> {
        match httparse::parse_chunk_size(self.unread_bytes()) {
            Ok(httparse::Status::Complete((n, size))) => {
                self.consume(n);
                if size == 0 {
                    self.state = State::Trailers { lines: 0, bytes: 0 };
                } else {
                    if self.body_total.saturating_add(size) > self.limits.max_body {
                        return Err(HttpError::TooLarge {
                            what: "reply body",
                            limit: self.limits.max_body,
                        });
                    }
                    self.state = State::ChunkData(size);
                }
                Ok(Step::Again)
            }
            Ok(httparse::Status::Partial) => {
                if self.unread() > MAX_CHUNK_LINE {
                    Err(HttpError::Protocol("a chunk-size line is too long".into()))
                } else if self.eof {
                    Err(self.closed("in the middle of a chunked body"))
                } else {
                    Ok(Step::Need)
                }
            }
            Err(_) => Err(HttpError::Protocol(format!(
                "bad chunk size line '{}'",
                printable(&self.unread_bytes()[..self.unread().min(40)])
            ))),
        }
    }

    fn step_chunk_data(&mut self, left: u64) -> Result<Step, HttpError> {
        if self.unread() == 0 {
            return if self.eof {
                Err(self.closed("in the middle of a chunk"))
            } else {
                Ok(Step::Need)
            };
        }
        let (a, b) = self.take_body(left);
        let left = left - (b - a) as u64;
        self.state = if left == 0 {
            State::ChunkEnd
        } else {
            State::ChunkData(left)
        };
        Ok(Step::Body(a, b))
    }

    fn step_chunk_end(&mut self) -> Result<Step, HttpError> {
        let u = self.unread_bytes();
        if u.len() >= 2 && u[..2] == *b"\r\n" {
            self.consume(2);
            self.state = State::ChunkSize;
            return Ok(Step::Again);
        }
        if u.len() >= 2 || (u.len() == 1 && u[0] != b'\r') {
            return Err(HttpError::Protocol(
                "a chunk does not end with CRLF where its size says".into(),
            ));
        }
        if self.eof {
            return Err(self.closed("in the middle of a chunked body"));
        }
        Ok(Step::Need)
    }

    fn step_trailer(&mut self, lines: usize, bytes: usize) -> Result<Step, HttpError> {
        let u = self.unread_bytes();
        let too_many = || {
            HttpError::Protocol(format!(
                "the trailers exceed {} lines or {} bytes",
                self.limits.max_trailer_lines, self.limits.max_trailer_bytes
            ))
        };
        let Some(i) = u.iter().position(|&b| b == b'\n') else {
            if bytes + u.len() > self.limits.max_trailer_bytes {
                return Err(too_many());
            }
            if self.eof {
                return Err(self.closed("in the middle of the trailers"));
            }
            return Ok(Step::Need);
        };
        let len = i + 1;
        if i == 0 || u[i - 1] != b'\r' {
            return Err(HttpError::Protocol(
                "a trailer line does not end with CRLF".into(),
            ));
        }
        let last = len == 2;
        let bytes = bytes + len;
        let lines = lines + usize::from(!last);
        if bytes > self.limits.max_trailer_bytes || lines > self.limits.max_trailer_lines {
            return Err(too_many());
        }
        self.consume(len);
        if last {
            self.state = State::Done;
            return Ok(Step::Done);
        }
        // Trailers are dropped unread; the caps bound this loop.
        self.state = State::Trailers { lines, bytes };
        Ok(Step::Again)
    }

    fn step_until_close(&mut self) -> Result<Step, HttpError> {
        if self.unread() == 0 {
            if self.eof {
                self.state = State::Done;
                return Ok(Step::Done);
            }
            return Ok(Step::Need);
        }
        let room = self.limits.max_body - self.body_total.min(self.limits.max_body);
        if self.unread() as u64 > room {
            return Err(HttpError::TooLarge {
                what: "reply body",
                limit: self.limits.max_body,
            });
        }
        let (a, b) = self.take_body(u64::MAX);
        Ok(Step::Body(a, b))
    }
}

/// Whether `b` holds the blank line that ends a head (CRLF CRLF, or the
/// bare-LF forms httparse also accepts).
fn find_head_end(b: &[u8]) -> bool {
    (0..b.len()).any(|i| {
        b[i] == b'\n'
            && (b.get(i + 1) == Some(&b'\n')
                || (b.get(i + 1) == Some(&b'\r') && b.get(i + 2) == Some(&b'\n')))
    })
}

/// `b` without leading and trailing spaces and tabs.
fn trim(b: &[u8]) -> &[u8] {
    let is_ws = |c: &u8| *c == b' ' || *c == b'\t';
    let s = b.iter().position(|c| !is_ws(c)).unwrap_or(b.len());
    let e = b.iter().rposition(|c| !is_ws(c)).map_or(s, |i| i + 1);
    &b[s..e.max(s)]
}

/// At most 40 bytes of `b` for a message, non-printable bytes as `?`.
fn printable(b: &[u8]) -> String {
    b.iter()
        .take(40)
        .map(|&c| {
            if (0x20..0x7f).contains(&c) {
                c as char
            } else {
                '?'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::ContentRange;

    /// The whole reply fed `step` bytes at a time, then EOF if `close`:
    /// (status, body, reusable) or the error.
    fn read(bytes: &[u8], step: usize, close: bool) -> Result<(u16, Vec<u8>, bool), HttpError> {
        let mut r = Response::new(Limits::new(1024, 4096));
        let mut fed = 0;
        let mut status = 0;
        let mut body = Vec::new();
        loop {
            match r.advance()? {
                Event::NeedData => {
                    if fed < bytes.len() {
                        let room = r.read_buf();
                        assert!(room.len() >= 8 * 1024);
                        let n = step.min(bytes.len() - fed).min(room.len());
                        room[..n].copy_from_slice(&bytes[fed..fed + n]);
                        r.filled(n);
                        fed += n;
                    } else if close {
                        r.eof();
                    } else {
                        panic!("waiting for more than the reply");
                    }
                }
                Event::Interim(s) => assert!((100..200).contains(&s)),
                Event::Head(h) => status = h.status(),
                Event::Body(b) => body.extend_from_slice(b),
                Event::Done { reusable } => return Ok((status, body, reusable)),
            }
        }
    }

    fn ok(bytes: &[u8], close: bool) -> (u16, Vec<u8>, bool) {
        let whole = read(bytes, usize::MAX, close).unwrap();
        for step in [1, 2, 3, 7] {
            let r = read(bytes, step, close).unwrap();
            assert_eq!(r.0, whole.0);
            assert_eq!(r.1, whole.1);
        }
        whole
    }

    fn err(bytes: &[u8]) -> HttpError {
        let e = read(bytes, usize::MAX, true).unwrap_err();
        for step in [1, 5] {
            assert!(read(bytes, step, true).is_err(), "step {step}");
        }
        e
    }

    #[test]
    fn framings() {
        let r = ok(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", false);
        assert_eq!(r, (200, b"hello".to_vec(), true));
        let r = ok(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nhel\r\n2\r\nlo\r\n0\r\nX-T: 1\r\n\r\n",
            false,
        );
        assert_eq!(r, (200, b"hello".to_vec(), true));
        let r = ok(b"HTTP/1.1 200 OK\r\n\r\nuntil close", true);
        assert_eq!(r, (200, b"until close".to_vec(), false));
        let r = ok(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", false);
        assert!(!r.2, "HTTP/1.0 closes");
        let r = ok(
            b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
            false,
        );
        assert!(!r.2);
        let r = ok(
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
            false,
        );
        assert_eq!(r, (204, Vec::new(), true));
        // Bytes past the reply: out of step, not reusable.
        let r = read(
            b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxHTTP/1.1",
            usize::MAX,
            false,
        )
        .unwrap();
        assert_eq!(r, (200, b"x".to_vec(), false));
    }

    #[test]
    fn strict_framing() {
        for bad in [
            &b"<html>"[..],
            b"HTTP/1.1 2000 OK\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: +12\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx",
            b"HTTP/1.1 200 OK\r\nContent-Length: 1, 1\r\n\r\nx",
            b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 4000000\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n+c\r\nhello world!\r\n0\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\nbare\n\r\n",
            b"HTTP/1.1 101 Switching Protocols\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
            b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n",
        ] {
            let e = err(bad);
            assert!(!e.to_string().is_empty(), "{}", String::from_utf8_lossy(bad));
        }
        // Interim replies are bounded.
        let many = b"HTTP/1.1 100 Continue\r\n\r\n".repeat(9);
        assert!(matches!(err(&many), HttpError::Protocol(_)));
    }

    #[test]
    fn bounded_trailers_and_heads() {
        let mut endless =
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n".to_vec();
        for _ in 0..10_000 {
            endless
                .extend_from_slice(b"X-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
        }
        assert!(matches!(err(&endless), HttpError::Protocol(d) if d.contains("trailers")));
        let mut long = b"HTTP/1.1 200 OK\r\n".to_vec();
        long.extend(std::iter::repeat_n(b'a', 5000));
        assert!(matches!(
            err(&long),
            HttpError::TooLarge {
                what: "reply head",
                ..
            }
        ));
        assert!(matches!(
            err(b"HTTP/1.1 200 OK\r\n\r\n"
                .iter()
                .chain(&[b'x'; 5000])
                .copied()
                .collect::<Vec<_>>()
                .as_slice()),
            HttpError::TooLarge {
                what: "reply body",
                ..
            }
        ));
    }

    #[test]
    fn buffer_stays_small_for_endless_small_chunks() {
        let mut r = Response::new(Limits::new(1024, u64::MAX));
        r.feed(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        assert!(matches!(r.advance().unwrap(), Event::Head(_)));
        for _ in 0..100_000 {
            r.feed(b"1\r\nz\r\n");
            assert!(matches!(r.advance().unwrap(), Event::Body(b"z")));
        }
        assert!(r.buf.len() <= 16 * 1024, "{}", r.buf.len());
    }

    #[test]
    fn heads_and_ranges() {
        let mut r = Response::new(Limits::default());
        r.feed(b"HTTP/1.1 206 Partial\r\nSet-Cookie: a=1\r\nset-cookie:  sid=x; path=/ \r\nContent-Range: bytes 500-999/1000\r\nContent-Length: 500\r\n\r\n");
        let Event::Head(h) = r.advance().unwrap() else {
            panic!("no head")
        };
        assert_eq!(h.status(), 206);
        assert_eq!(
            h.headers("Set-Cookie").collect::<Vec<_>>(),
            [&b"a=1"[..], b"sid=x; path=/"]
        );
        assert_eq!(
            h.content_range(),
            Some(ContentRange {
                first: 500,
                last: 999,
                total: Some(1000)
            })
        );
        assert_eq!(h.content_length(), Some(500));
        for bad in [
            &b"bytes 5-4/10"[..],
            b"bytes 0-10/10",
            b"bytes +0-1/2",
            b"items 0-1/2",
            b"bytes 0-1",
        ] {
            assert_eq!(ContentRange::parse(bad), None);
        }
        assert_eq!(
            ContentRange::parse(b"bytes 0-0/*"),
            Some(ContentRange {
                first: 0,
                last: 0,
                total: None
            })
        );
    }

    /// Valid replies, mutated and cut at random points: no panic, the
    /// buffer stays bounded, and every stream ends (done or an error).
    #[test]
    fn random_streams() {
        let seeds: &[&[u8]] = &[
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nT: 1\r\n\r\n",
            b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\nuntil close",
            b"HTTP/1.1 204 No Content\r\n\r\n",
        ];
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut rnd = move |n: usize| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % n.max(1) as u64) as usize
        };
        for round in 0..5_000 {
            let mut data = seeds[round % seeds.len()].to_vec();
            for _ in 0..rnd(4) {
                let i = rnd(data.len());
                match rnd(3) {
                    0 => data[i] = rnd(256) as u8,
                    1 => {
                        data.remove(i);
                    }
                    _ => {
                        let b = b"\r\n0123456789abcdef:; ,"[rnd(22)];
                        data.insert(i, b);
                    }
                }
                if data.is_empty() {
                    break;
                }
            }
            let mut r = Response::new(Limits::new(512, 1 << 16));
            let mut fed = 0;
            let mut steps = 0;
            loop {
                steps += 1;
                assert!(steps < 100_000, "no progress on {data:?}");
                assert!(r.buf.len() <= 64 * 1024);
                match r.advance() {
                    Err(_) | Ok(Event::Done { .. }) => break,
                    Ok(Event::NeedData) if fed < data.len() => {
                        let n = (1 + rnd(16)).min(data.len() - fed);
                        r.feed(&data[fed..fed + n]);
                        fed += n;
                    }
                    Ok(Event::NeedData) => r.eof(),
                    Ok(_) => {}
                }
            }
        }
    }
}
