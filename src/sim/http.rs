//! A small, defensive HTTP/1.1 layer for the simulator: request parsing
//! (header cap, body cap, Content-Length and chunked bodies,
//! `Expect: 100-continue`), replies serialised into one buffer so each goes
//! out in a single write, and the decoders the device needs (query strings,
//! cookies, multipart/form-data).
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

use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

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

#[derive(Debug, Default)]
pub(crate) struct Request {
    pub method: String,
    /// Decoded path, without the query.
    pub path: String,
    /// The raw query string (after `?`), undecoded.
    pub query: String,
    /// HTTP/1.x minor version.
    pub minor: u8,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body when it is at most `SPILL` bytes (else empty, see `spool`).
    pub body: Vec<u8>,
    /// A larger body, in an unlinked temporary file.
    pub spool: Option<Spool>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether the connection stays open after this request.
    pub fn keep_alive(&self) -> bool {
        let tokens: Vec<String> = self
            .headers_named("connection")
            .flat_map(|v| v.split(','))
            .map(|t| t.trim().to_ascii_lowercase())
            .collect();
        if tokens.iter().any(|t| t == "close") {
            return false;
        }
        self.minor >= 1 || tokens.iter().any(|t| t == "keep-alive")
    }

    /// The body is chunked (a valid `Transfer-Encoding: chunked` alone).
    pub fn chunked(&self) -> bool {
        matches!(self.content_length(), Ok(None))
    }

    /// The announced body length (0 without one; chunked: None), read
    /// strictly: `Content-Length` is ASCII digits and appears once;
    /// `Transfer-Encoding` is exactly `chunked` and never beside a
    /// `Content-Length` (a request two readers could frame two ways).
    pub fn content_length(&self) -> Result<Option<usize>, ReadError> {
        let mut te = self.headers_named("transfer-encoding").peekable();
        let mut cl = self.headers_named("content-length");
        if te.peek().is_some() {
            if cl.next().is_some() {
                return Err(ReadError::Bad(
                    400,
                    "Content-Length and Transfer-Encoding together",
                ));
            }
            let mut codings = te.flat_map(|v| v.split(',')).map(str::trim);
            return match (codings.next(), codings.next()) {
                (Some(c), None) if c.eq_ignore_ascii_case("chunked") => Ok(None),
                _ => Err(ReadError::Bad(
                    501,
                    "only the chunked transfer coding is supported",
                )),
            };
        }
        let Some(v) = cl.next() else {
            return Ok(Some(0));
        };
        if cl.next().is_some() {
            return Err(ReadError::Bad(400, "more than one Content-Length"));
        }
        let len = digits(v).ok_or(ReadError::Bad(400, "bad Content-Length"))?;
        if len > MAX_BODY as u64 {
            return Err(ReadError::Bad(413, "request body too large"));
        }
        Ok(Some(len as usize))
    }

    pub fn expects_continue(&self) -> bool {
        self.header("expect")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("100-continue"))
    }

    /// The whole body, from memory or the spool file.
    pub fn body_reader(&self) -> io::Result<Box<dyn Read + '_>> {
        match &self.spool {
            Some(s) => s.reader(),
            None => Ok(Box::new(io::Cursor::new(&self.body[..]))),
        }
    }
}

/// A request body in a temporary file, unlinked as soon as it is created
/// (nothing is left behind, whatever happens to the process) where the
/// platform allows it, else removed on drop.
#[derive(Debug)]
pub(crate) struct Spool {
    file: std::fs::File,
    path: Option<std::path::PathBuf>,
    pub len: u64,
}

impl Spool {
    fn new() -> io::Result<Spool> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let mut last = None;
        for _ in 0..8 {
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let path = std::env::temp_dir()
                .join(format!("ultrastream-sim-body-{}-{n}", std::process::id()));
            match std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(file) => {
                    let path = if cfg!(unix) && std::fs::remove_file(&path).is_ok() {
                        None
                    } else {
                        Some(path)
                    };
                    return Ok(Spool { file, path, len: 0 });
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| io::Error::other("no temporary file")))
    }

    fn write(&mut self, b: &[u8]) -> io::Result<()> {
        self.file.write_all(b)?;
        self.len += b.len() as u64;
        Ok(())
    }

    fn reader(&self) -> io::Result<Box<dyn Read + '_>> {
        use std::io::Seek;
        let mut f = &self.file;
        f.seek(io::SeekFrom::Start(0))?;
        Ok(Box::new(io::BufReader::with_capacity(64 * 1024, f)))
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        if let Some(p) = &self.path {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Where a body goes while it is read: memory up to `SPILL`, then a spool
/// file; or nowhere (a request refused before its body was looked at).
struct Sink {
    mem: Vec<u8>,
    spool: Option<Spool>,
    len: usize,
    discard: bool,
}

impl Sink {
    fn push(&mut self, b: &[u8]) -> Result<(), ReadError> {
        self.len = self.len.saturating_add(b.len());
        if self.len > MAX_BODY {
            return Err(ReadError::Bad(413, "request body too large"));
        }
        if self.discard {
            return Ok(());
        }
        let spill_err = |_| ReadError::Bad(503, "the simulator cannot store the request body");
        if self.spool.is_none() && self.mem.len() + b.len() > SPILL {
            let mut sp = Spool::new().map_err(spill_err)?;
            sp.write(&self.mem).map_err(spill_err)?;
            self.mem = Vec::new();
            self.spool = Some(sp);
        }
        match &mut self.spool {
            Some(sp) => sp.write(b).map_err(spill_err),
            None => {
                self.mem.extend_from_slice(b);
                Ok(())
            }
        }
    }
}

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
    buf: Vec<u8>,
    pos: usize,
    /// Unread bytes already searched for the blank line ending a head (or
    /// trailers): a head dripping in byte by byte is scanned once.
    scanned: usize,
    /// When the first byte of the request being read arrived.
    started: Option<Instant>,
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

    fn unread(&self) -> &[u8] {
        &self.buf[self.pos..]
    }

    fn consume(&mut self, n: usize) {
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
    fn blank_line(&mut self) -> bool {
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
    fn more(&mut self, stream: &mut dyn Read, b: &Budget<'_>) -> Result<(), ReadError> {
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

    /// Read the body `req` announces, into memory or a spool file; with
    /// `discard`, read and drop it (a request answered without its body).
    pub fn read_body(
        &mut self,
        stream: &mut dyn Read,
        req: &mut Request,
        b: &Budget<'_>,
        discard: bool,
    ) -> Result<(), ReadError> {
        let mut sink = Sink {
            mem: Vec::new(),
            spool: None,
            len: 0,
            discard,
        };
        match req.content_length()? {
            Some(len) => self.copy(stream, len, &mut sink, b)?,
            None => self.chunks(stream, &mut sink, b)?,
        }
        req.body = sink.mem;
        req.spool = sink.spool;
        // A pipelined next request may already have begun.
        self.started = (!self.is_empty()).then(Instant::now);
        Ok(())
    }

    /// A chunked body: sizes by `httparse::parse_chunk_size`, each chunk's
    /// data followed by its line break, then bounded trailers (dropped).
    fn chunks(
        &mut self,
        stream: &mut dyn Read,
        sink: &mut Sink,
        b: &Budget<'_>,
    ) -> Result<(), ReadError> {
        loop {
            let size = match httparse::parse_chunk_size(self.unread()) {
                // httparse reads an empty size as 0: a size needs a digit.
                Ok(httparse::Status::Complete((used, size)))
                    if self.unread()[0].is_ascii_hexdigit() && used <= MAX_CHUNK_LINE =>
                {
                    self.consume(used);
                    size
                }
                Ok(httparse::Status::Partial) => {
                    if self.unread().len() > MAX_CHUNK_LINE {
                        return Err(ReadError::Bad(400, "chunk-size line too long"));
                    }
                    self.more(stream, b)?;
                    continue;
                }
                Ok(httparse::Status::Complete((used, _))) if used > MAX_CHUNK_LINE => {
                    return Err(ReadError::Bad(400, "chunk-size line too long"));
                }
                Ok(httparse::Status::Complete(_)) | Err(_) => {
                    return Err(ReadError::Bad(400, "bad chunk size"));
                }
            };
            if size == 0 {
                return self.trailers(stream, b);
            }
            if (sink.len as u64).saturating_add(size) > MAX_BODY as u64 {
                return Err(ReadError::Bad(413, "request body too large"));
            }
            self.copy(stream, size as usize, sink, b)?;
            // The CRLF that ends the chunk's data (chunk-size lines end
            // with CRLF too: httparse wants it).
            loop {
                let u = self.unread();
                if u.starts_with(b"\r\n") {
                    self.consume(2);
                    break;
                }
                if u.len() >= 2 || (u.len() == 1 && u[0] != b'\r') {
                    return Err(ReadError::Bad(400, "chunk data longer than its size"));
                }
                self.more(stream, b)?;
            }
        }
    }

    /// Trailer lines after the last chunk, up to the blank line: parsed
    /// (they must be well-formed), bounded, dropped.
    fn trailers(&mut self, stream: &mut dyn Read, b: &Budget<'_>) -> Result<(), ReadError> {
        loop {
            // The common case, no trailers: the blank line alone.
            let u = self.unread();
            if u.starts_with(b"\r\n") || u.starts_with(b"\n") {
                self.consume(if u[0] == b'\r' { 2 } else { 1 });
                return Ok(());
            }
            if self.blank_line() {
                let mut slots = [httparse::EMPTY_HEADER; MAX_TRAILERS];
                match httparse::parse_headers(self.unread(), &mut slots) {
                    Ok(httparse::Status::Complete((used, _))) if used <= MAX_HEAD => {
                        self.consume(used);
                        return Ok(());
                    }
                    Ok(httparse::Status::Partial) if self.unread().len() <= MAX_HEAD => {}
                    Ok(_) | Err(httparse::Error::TooManyHeaders) => {
                        return Err(ReadError::Bad(431, "too many or too large trailers"));
                    }
                    Err(_) => return Err(ReadError::Bad(400, "malformed trailer")),
                }
            } else if self.unread().len() > MAX_HEAD {
                return Err(ReadError::Bad(431, "too many or too large trailers"));
            }
            self.more(stream, b)?;
        }
    }

    /// Move `len` bytes from the buffer and the stream into `sink`.
    fn copy(
        &mut self,
        stream: &mut dyn Read,
        mut len: usize,
        sink: &mut Sink,
        b: &Budget<'_>,
    ) -> Result<(), ReadError> {
        loop {
            let n = len.min(self.unread().len());
            if n > 0 {
                sink.push(&self.buf[self.pos..self.pos + n])?;
                self.consume(n);
                len -= n;
            }
            if len == 0 {
                return Ok(());
            }
            self.more(stream, b)?;
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

/// A decimal made of ASCII digits only (no sign, no space inside), or None.
fn digits(v: &str) -> Option<u64> {
    let v = v.trim_matches([' ', '\t']);
    // At most 19 digits, as before the client's reading was shared.
    if v.len() > 19 {
        return None;
    }
    crate::http::digits(v.as_bytes())
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

/// A `Request` from a head `httparse` accepted: the method upper-case
/// letters, the target a path (or absolute-form `http://host/path`).
fn request_from(head: &httparse::Request<'_, '_>) -> Result<Request, ReadError> {
    let method = head.method.unwrap_or("");
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(ReadError::Bad(400, "malformed method"));
    }
    let minor = match head.version {
        Some(v @ (0 | 1)) => v,
        _ => {
            return Err(ReadError::Bad(
                505,
                "only HTTP/1.0 and HTTP/1.1 are supported",
            ));
        }
    };
    let target = head.path.unwrap_or("");
    // Absolute-form targets ("http://host/usapi?...") are allowed too.
    let target = match target.strip_prefix("http://") {
        Some(rest) => match rest.find('/') {
            Some(p) => &rest[p..],
            None => "/",
        },
        None => target,
    };
    if !target.starts_with('/') {
        return Err(ReadError::Bad(400, "the request target must be a path"));
    }
    let (raw_path, query) = match target.split_once('?') {
        Some((p, q)) => (p, q),
        None => (target, ""),
    };
    let headers = head
        .headers
        .iter()
        .map(|h| {
            (
                h.name.to_ascii_lowercase(),
                String::from_utf8_lossy(h.value).trim().to_string(),
            )
        })
        .collect();
    Ok(Request {
        method: method.to_string(),
        path: String::from_utf8_lossy(&percent_decode(raw_path, false)).into_owned(),
        query: query.to_string(),
        minor,
        headers,
        body: Vec::new(),
        spool: None,
    })
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decode `%XX` escapes (malformed escapes stay literal); with
/// `plus_is_space`, a literal `+` becomes a space.
pub(crate) fn percent_decode(s: &str, plus_is_space: bool) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => match (hex_val(b[i + 1]), hex_val(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h << 4) | l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus_is_space => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    out
}

/// Parse `a=1&b=x%20y` into decoded pairs (order kept; a key without `=`
/// has an empty value).
pub(crate) fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (
                String::from_utf8_lossy(&percent_decode(k, true)).into_owned(),
                String::from_utf8_lossy(&percent_decode(v, true)).into_owned(),
            )
        })
        .collect()
}

/// Every `sid` value in the Cookie headers, parsed leniently: clients send
/// the whole `Set-Cookie` value back (`sid=...; path=/`), possibly among
/// other cookies, possibly quoted.
pub(crate) fn cookie_sids(req: &Request) -> Vec<String> {
    let mut out = Vec::new();
    for header in req.headers_named("cookie") {
        for pair in header.split([';', ',']) {
            if let Some((k, v)) = pair.split_once('=') {
                if k.trim().eq_ignore_ascii_case("sid") {
                    let v = v.trim().trim_matches('"');
                    if !v.is_empty() {
                        out.push(v.to_string());
                    }
                }
            }
        }
    }
    out
}

/// What receives the data of one multipart part as it streams past.
pub(crate) trait PartSink {
    fn feed(&mut self, data: &[u8]);
}

/// One part of a multipart/form-data body, its data given to a sink.
pub(crate) struct Part<S> {
    pub name: Option<String>,
    pub filename: Option<String>,
    pub sink: S,
}

/// The boundary parameter of a multipart Content-Type.
pub(crate) fn multipart_boundary(content_type: &str) -> Option<String> {
    let lower = content_type.to_ascii_lowercase();
    if !lower.trim_start().starts_with("multipart/") {
        return None;
    }
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        if k.trim().eq_ignore_ascii_case("boundary") {
            let v = v.trim().trim_matches('"');
            (!v.is_empty() && v.len() <= 200).then(|| v.to_string())
        } else {
            None
        }
    })
}

/// Read a multipart body from `src` in pieces, handing each part's data to
/// a fresh sink from `make`, so a body of any size costs a few KiB.
/// Malformed bodies (or more than 64 parts) give `None`.
pub(crate) fn parse_multipart<S: PartSink>(
    src: &mut dyn Read,
    boundary: &str,
    mut make: impl FnMut() -> S,
) -> Option<Vec<Part<S>>> {
    struct Win<'a> {
        src: &'a mut dyn Read,
        buf: Vec<u8>,
        eof: bool,
    }
    impl Win<'_> {
        /// Read more; false at EOF. Errors count as a malformed body.
        fn fill(&mut self) -> Option<bool> {
            if self.eof {
                return Some(false);
            }
            let mut tmp = [0u8; 16 * 1024];
            loop {
                match self.src.read(&mut tmp) {
                    Ok(0) => {
                        self.eof = true;
                        return Some(false);
                    }
                    Ok(n) => {
                        self.buf.extend_from_slice(&tmp[..n]);
                        return Some(true);
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(_) => return None,
                }
            }
        }
        /// Make sure `n` bytes are buffered, if the body has them.
        fn want(&mut self, n: usize) -> Option<()> {
            while self.buf.len() < n && self.fill()? {}
            Some(())
        }
    }
    let delim = format!("--{boundary}").into_bytes();
    let mut end_delim = b"\n".to_vec();
    end_delim.extend_from_slice(&delim);
    let mut w = Win {
        src,
        buf: Vec::new(),
        eof: false,
    };
    // The preamble, up to the first delimiter.
    loop {
        if let Some(p) = find(&w.buf, &delim) {
            w.buf.drain(..p + delim.len());
            break;
        }
        let keep = w.buf.len().min(delim.len() - 1);
        w.buf.drain(..w.buf.len() - keep);
        if !w.fill()? {
            return None;
        }
    }
    let mut parts = Vec::new();
    loop {
        w.want(2)?;
        if w.buf.starts_with(b"--") {
            return Some(parts);
        }
        // Skip the line break after the delimiter.
        loop {
            w.want(1)?;
            match w.buf.first() {
                Some(b' ' | b'\t') => {
                    w.buf.remove(0);
                }
                _ => break,
            }
        }
        w.want(2)?;
        if w.buf.starts_with(b"\r\n") {
            w.buf.drain(..2);
        } else if w.buf.starts_with(b"\n") {
            w.buf.drain(..1);
        } else {
            return None;
        }
        // The part's head, by the same parser as request heads.
        let mut name = None;
        let mut filename = None;
        loop {
            let mut slots = [httparse::EMPTY_HEADER; 16];
            match httparse::parse_headers(&w.buf, &mut slots) {
                Ok(httparse::Status::Complete((used, headers))) => {
                    for h in headers
                        .iter()
                        .filter(|h| h.name.eq_ignore_ascii_case("content-disposition"))
                    {
                        let v = String::from_utf8_lossy(h.value);
                        for param in v.split(';').skip(1) {
                            if let Some((pk, pv)) = param.split_once('=') {
                                let pv = pv.trim().trim_matches('"').to_string();
                                match pk.trim().to_ascii_lowercase().as_str() {
                                    "name" => name = Some(pv),
                                    "filename" => filename = Some(pv),
                                    _ => {}
                                }
                            }
                        }
                    }
                    w.buf.drain(..used);
                    break;
                }
                Ok(httparse::Status::Partial) => {
                    if w.buf.len() > MAX_HEAD || !w.fill()? {
                        return None;
                    }
                }
                Err(_) => return None,
            }
        }
        // The data, up to "\n--boundary" (a CR before it is the line break's).
        let mut sink = make();
        loop {
            if let Some(p) = find(&w.buf, &end_delim) {
                let data_end = if p > 0 && w.buf[p - 1] == b'\r' {
                    p - 1
                } else {
                    p
                };
                sink.feed(&w.buf[..data_end]);
                w.buf.drain(..p + end_delim.len());
                break;
            }
            // Hand on all but what could begin a delimiter (and its CR).
            let keep = end_delim.len() + 1;
            if w.buf.len() > keep {
                let n = w.buf.len() - keep;
                sink.feed(&w.buf[..n]);
                w.buf.drain(..n);
            }
            if !w.fill()? {
                return None;
            }
        }
        parts.push(Part {
            name,
            filename,
            sink,
        });
        if parts.len() > 64 {
            return None;
        }
    }
}

/// A reply, serialised into one buffer (head + body) so it goes out in a
/// single write.
#[derive(Debug, Clone)]
pub(crate) struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Close the connection after this reply.
    pub close: bool,
}

pub(crate) fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        206 => "Partial Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        405 => "Method Not Allowed",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}

impl Response {
    pub fn json(status: u16, body: String) -> Response {
        Response {
            status,
            content_type: "application/json",
            headers: Vec::new(),
            body: body.into_bytes(),
            close: false,
        }
    }

    pub fn text(status: u16, content_type: &'static str, body: impl Into<Vec<u8>>) -> Response {
        Response {
            status,
            content_type,
            headers: Vec::new(),
            body: body.into(),
            close: false,
        }
    }

    /// The head alone, announcing `content_length` body bytes.
    pub fn head_bytes(&self, content_length: u64, keep_alive: bool) -> Vec<u8> {
        let mut h = format!(
            "HTTP/1.1 {} {}\r\nServer: ultrastream-sim\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: {}\r\n",
            self.status,
            reason(self.status),
            self.content_type,
            content_length,
            if keep_alive && !self.close {
                "keep-alive"
            } else {
                "close"
            }
        );
        for (k, v) in &self.headers {
            h.push_str(k);
            h.push_str(": ");
            h.push_str(v);
            h.push_str("\r\n");
        }
        h.push_str("\r\n");
        h.into_bytes()
    }

    /// Head and body in one buffer.
    pub fn to_bytes(&self, keep_alive: bool, include_body: bool) -> Vec<u8> {
        let mut out = self.head_bytes(self.body.len() as u64, keep_alive);
        if include_body {
            out.extend_from_slice(&self.body);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_queries() {
        let q = parse_query(
            "method=set-name&name=My%20Box%2B1%20%27A%27&t=2019-09-10+15:00:00&x&bad=%zz%4",
        );
        assert_eq!(q[1], ("name".into(), "My Box+1 'A'".into()));
        assert_eq!(q[2], ("t".into(), "2019-09-10 15:00:00".into()));
        assert_eq!(q[3], ("x".into(), "".into()));
        assert_eq!(q[4], ("bad".into(), "%zz%4".into()));
        assert_eq!(percent_decode("a+b%2Fc", false), b"a+b/c");
        assert_eq!(percent_decode("%", true), b"%");
        assert_eq!(percent_decode("%4", true), b"%4");
        assert_eq!(percent_decode("%41", true), b"A");
    }

    #[test]
    fn parses_cookies_leniently() {
        let mut r = Request::default();
        r.headers
            .push(("cookie".into(), "theme=dark; sid=abc; path=/".into()));
        r.headers.push(("cookie".into(), "sid=\"def\"".into()));
        assert_eq!(cookie_sids(&r), vec!["abc".to_string(), "def".to_string()]);
    }

    struct Collect(Vec<u8>);
    impl PartSink for Collect {
        fn feed(&mut self, data: &[u8]) {
            self.0.extend_from_slice(data);
        }
    }

    /// Reads one byte at a time: every boundary straddles a read.
    struct Dribble<'a>(&'a [u8]);
    impl Read for Dribble<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            match self.0.split_first() {
                Some((b, rest)) if !out.is_empty() => {
                    out[0] = *b;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    #[test]
    fn parses_multipart() {
        let body = b"------X\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.mwf\"\r\nContent-Type: application/octet-stream\r\n\r\nDATA\r\n--\r\n------X--\r\n";
        for dribble in [false, true] {
            let mut whole = io::Cursor::new(&body[..]);
            let mut slow = Dribble(&body[..]);
            let src: &mut dyn Read = if dribble { &mut slow } else { &mut whole };
            let parts = parse_multipart(src, "----X", || Collect(Vec::new())).unwrap();
            assert_eq!(parts.len(), 1);
            assert_eq!(parts[0].name.as_deref(), Some("file"));
            assert_eq!(parts[0].filename.as_deref(), Some("a.mwf"));
            assert_eq!(parts[0].sink.0, b"DATA\r\n--");
        }
        assert_eq!(
            multipart_boundary("multipart/form-data; boundary=\"----X\"").as_deref(),
            Some("----X")
        );
        let mut g = io::Cursor::new(&b"garbage"[..]);
        assert!(parse_multipart(&mut g, "X", || Collect(Vec::new())).is_none());
    }

    fn budget_test<T>(f: impl FnOnce(&Budget<'_>) -> T) -> T {
        let alive = || true;
        let progress = |_| {};
        f(&Budget {
            alive: &alive,
            stall: Duration::from_secs(5),
            request: Duration::from_secs(5),
            progress: &progress,
        })
    }

    #[test]
    fn reads_bodies_into_memory_or_a_spool_file() {
        let big = vec![b'z'; SPILL * 3 + 7];
        let mut wire =
            format!("POST /a HTTP/1.1\r\nContent-Length: {}\r\n\r\n", big.len()).into_bytes();
        wire.extend_from_slice(&big);
        wire.extend_from_slice(b"POST /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n1;x=y\r\nd\r\n0\r\nT: 1\r\n\r\nGET /c HTTP/1.1\r\n\r\n");
        let mut src = io::Cursor::new(wire);
        let mut r = Reader::new();
        budget_test(|b| {
            let mut a = r.read_head(&mut src, b, Duration::ZERO).unwrap().unwrap();
            r.read_body(&mut src, &mut a, b, false).unwrap();
            assert!(a.body.is_empty());
            let mut got = Vec::new();
            a.body_reader().unwrap().read_to_end(&mut got).unwrap();
            assert_eq!(got, big);
            let mut c = r.read_head(&mut src, b, Duration::ZERO).unwrap().unwrap();
            assert_eq!(c.path, "/b");
            r.read_body(&mut src, &mut c, b, false).unwrap();
            assert_eq!(c.body, b"abcd");
            assert!(c.spool.is_none());
            let d = r.read_head(&mut src, b, Duration::ZERO).unwrap().unwrap();
            assert_eq!(d.path, "/c");
            assert!(matches!(
                r.read_head(&mut src, b, Duration::ZERO),
                Err(ReadError::Closed)
            ));
        });
    }

    /// The request in `head` (a blank line is appended).
    fn parse_head(head: &str) -> Result<Request, ReadError> {
        let mut r = Reader::new();
        r.buf.extend_from_slice(head.as_bytes());
        r.buf.extend_from_slice(b"\r\n\r\n");
        r.take_head().map(|o| o.expect("a whole head"))
    }

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

    #[test]
    fn framing_is_strict() {
        let framing = |headers: &str| {
            parse_head(&format!("POST / HTTP/1.1{headers}"))
                .unwrap()
                .content_length()
        };
        assert_eq!(framing("").unwrap(), Some(0));
        assert_eq!(framing("\r\nContent-Length: 12").unwrap(), Some(12));
        assert_eq!(framing("\r\nContent-Length:  007 ").unwrap(), Some(7));
        for bad in [
            "+12",
            "-1",
            "1 2",
            "0x10",
            "",
            "12,12",
            "1e3",
            "99999999999999999999",
        ] {
            assert!(
                matches!(
                    framing(&format!("\r\nContent-Length: {bad}")),
                    Err(ReadError::Bad(400, _))
                ),
                "Content-Length: {bad}"
            );
        }
        assert!(matches!(
            framing("\r\nContent-Length: 1\r\nContent-Length: 1"),
            Err(ReadError::Bad(400, _))
        ));
        assert!(matches!(
            framing(&format!("\r\nContent-Length: {}", MAX_BODY + 1)),
            Err(ReadError::Bad(413, _))
        ));
        assert_eq!(framing("\r\nTransfer-Encoding: Chunked").unwrap(), None);
        for bad in [
            "gzip, chunked",
            "chunked, gzip",
            "gzip",
            "identity",
            "chunked,",
        ] {
            assert!(
                matches!(
                    framing(&format!("\r\nTransfer-Encoding: {bad}")),
                    Err(ReadError::Bad(501, _))
                ),
                "Transfer-Encoding: {bad}"
            );
        }
        assert!(matches!(
            framing("\r\nTransfer-Encoding: chunked\r\nContent-Length: 3"),
            Err(ReadError::Bad(400, _))
        ));
    }

    /// The body of one chunked request, or why it was refused.
    fn chunked_body(chunks: &[u8]) -> Result<Vec<u8>, ReadError> {
        let mut wire = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        wire.extend_from_slice(chunks);
        let mut src = io::Cursor::new(wire);
        let mut r = Reader::new();
        budget_test(|b| {
            let mut req = r.read_head(&mut src, b, Duration::ZERO)?.expect("a head");
            r.read_body(&mut src, &mut req, b, false)?;
            assert!(r.is_empty(), "bytes left after the body");
            Ok(req.body)
        })
    }

    #[test]
    fn chunked_bodies_are_strict_and_bounded() {
        assert_eq!(chunked_body(b"3\r\nabc\r\n0\r\n\r\n").unwrap(), b"abc");
        assert_eq!(
            chunked_body(b"A;ext=1\r\n0123456789\r\n0\r\nX-T: 1\r\nY: 2\r\n\r\n").unwrap(),
            b"0123456789"
        );
        for bad in [
            &b"+c\r\nabcdefghijkl\r\n0\r\n\r\n"[..],
            b"-1\r\n",
            b"x\r\n",
            b"\r\n\r\n",
            b" 1\r\nz\r\n0\r\n\r\n",
            b"1\nz\r\n0\r\n\r\n",
            b"1\r\nz\n0\r\n\r\n",
            b"3\r\nabcd\r\n0\r\n\r\n",
            b"ffffffffffffffffff\r\n",
            b"0\r\nno colon\r\n\r\n",
        ] {
            assert!(
                matches!(chunked_body(bad), Err(ReadError::Bad(400, _))),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        assert!(matches!(
            chunked_body(format!("{:x}\r\n", MAX_BODY + 1).as_bytes()),
            Err(ReadError::Bad(413, _))
        ));
        let long_ext = format!("1;{}\r\n", "e".repeat(MAX_CHUNK_LINE));
        assert!(matches!(
            chunked_body(long_ext.as_bytes()),
            Err(ReadError::Bad(400, _))
        ));
        // Trailers: bounded in count and in bytes, whatever their lines.
        let many: String = (0..MAX_TRAILERS + 1)
            .map(|i| format!("T{i}: v\r\n"))
            .collect();
        assert!(matches!(
            chunked_body(format!("0\r\n{many}\r\n").as_bytes()),
            Err(ReadError::Bad(431, _))
        ));
        let endless = format!(
            "0\r\n{}",
            "T: 0123456789012345678901234567890123456789012345678901\r\n".repeat(400)
        );
        assert!(matches!(
            chunked_body(endless.as_bytes()),
            Err(ReadError::Bad(431, _))
        ));
        // Cut short: the peer went away mid-body.
        assert!(matches!(chunked_body(b"3\r\nab"), Err(ReadError::Io)));
        // Many small chunks: linear (each chunk consumed without moving the rest).
        let mut wire = Vec::new();
        for _ in 0..20_000 {
            wire.extend_from_slice(b"1\r\nz\r\n");
        }
        wire.extend_from_slice(b"0\r\n\r\n");
        assert_eq!(chunked_body(&wire).unwrap().len(), 20_000);
    }
}
