//! A small, defensive HTTP/1.1 layer for the simulator: request parsing
//! (header cap, body cap, Content-Length and chunked bodies,
//! `Expect: 100-continue`), replies serialised into one buffer so each goes
//! out in a single write, and the decoders the device needs (query strings,
//! cookies, multipart/form-data).
//!
//! Query strings are decoded the way browsers encode forms: `%XX` is a byte
//! and a literal `+` is a space (`%2B` is a plus). The document's own example
//! `time=2019-09-10+15:00:00` relies on that. Paths (downloads) decode `%XX`
//! only; a `+` in a path stays a plus.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Largest request head (request line + headers) accepted.
pub(crate) const MAX_HEAD: usize = 16 * 1024;
/// Largest request body accepted (firmware images are ~12 MB).
pub(crate) const MAX_BODY: usize = 64 * 1024 * 1024;

#[derive(Debug, Clone, Default)]
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
    pub body: Vec<u8>,
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
}

/// Why a request could not be read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The peer closed (or the server is stopping) between requests.
    Closed,
    /// The request is malformed or too large: answer this status, then close.
    Bad(u16, &'static str),
    /// A socket error or a stalled request.
    Io,
}

/// Reads requests from one connection, keeping bytes of a pipelined next
/// request for the next call.
pub(crate) struct Reader {
    buf: Vec<u8>,
}

/// How long a half-received request may take before the connection is dropped.
const REQUEST_STALL: Duration = Duration::from_secs(30);

impl Reader {
    pub fn new() -> Reader {
        Reader {
            buf: Vec::with_capacity(4096),
        }
    }

    /// Read more bytes. `Ok(0)` is EOF. Timeouts come back as `WouldBlock`/`TimedOut`.
    fn fill(&mut self, stream: &mut TcpStream) -> io::Result<usize> {
        let mut tmp = [0u8; 16 * 1024];
        let n = stream.read(&mut tmp)?;
        self.buf.extend_from_slice(&tmp[..n]);
        Ok(n)
    }

    /// Wait for the next request. `alive` is polled whenever the socket is
    /// idle (the stream has a short read timeout), so a stopping server or an
    /// idle limit ends the wait.
    pub fn next(
        &mut self,
        stream: &mut TcpStream,
        alive: &dyn Fn() -> bool,
        idle_limit: Duration,
    ) -> Result<Request, ReadError> {
        let started = Instant::now();
        // 1. The head.
        let head_end = loop {
            if let Some(end) = find_head_end(&self.buf) {
                break end;
            }
            if self.buf.len() > MAX_HEAD {
                return Err(ReadError::Bad(431, "request header too large"));
            }
            if !alive() {
                return Err(ReadError::Closed);
            }
            match self.fill(stream) {
                Ok(0) => {
                    return Err(if self.buf.is_empty() {
                        ReadError::Closed
                    } else {
                        ReadError::Io
                    });
                }
                Ok(_) => {}
                Err(e) if is_timeout(&e) => {
                    let limit = if self.buf.is_empty() {
                        idle_limit
                    } else {
                        REQUEST_STALL
                    };
                    if started.elapsed() > limit {
                        return Err(if self.buf.is_empty() {
                            ReadError::Closed
                        } else {
                            ReadError::Io
                        });
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return Err(ReadError::Io),
            }
        };
        let (head_len, sep_len) = head_end;
        if head_len > MAX_HEAD {
            return Err(ReadError::Bad(431, "request header too large"));
        }
        let head = String::from_utf8_lossy(&self.buf[..head_len]).into_owned();
        self.buf.drain(..head_len + sep_len);
        let mut req = parse_head(&head)?;

        // 2. The body.
        let chunked = req
            .header("transfer-encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
        let expects_continue = req
            .header("expect")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("100-continue"));
        if chunked {
            if expects_continue && self.buf.is_empty() {
                let _ = stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
            }
            req.body = self.read_chunked(stream, alive)?;
        } else if let Some(cl) = req.header("content-length") {
            let len: usize = cl
                .trim()
                .parse()
                .map_err(|_| ReadError::Bad(400, "bad Content-Length"))?;
            if len > MAX_BODY {
                return Err(ReadError::Bad(413, "request body too large"));
            }
            if expects_continue && self.buf.len() < len {
                let _ = stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
            }
            self.read_exact_buf(stream, len, alive)?;
            req.body = self.buf.drain(..len).collect();
        }
        Ok(req)
    }

    /// Make sure `len` body bytes are buffered.
    fn read_exact_buf(
        &mut self,
        stream: &mut TcpStream,
        len: usize,
        alive: &dyn Fn() -> bool,
    ) -> Result<(), ReadError> {
        let mut last_progress = Instant::now();
        while self.buf.len() < len {
            if !alive() {
                return Err(ReadError::Closed);
            }
            match self.fill(stream) {
                Ok(0) => return Err(ReadError::Io),
                Ok(_) => last_progress = Instant::now(),
                Err(e) if is_timeout(&e) => {
                    if last_progress.elapsed() > REQUEST_STALL {
                        return Err(ReadError::Io);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return Err(ReadError::Io),
            }
        }
        Ok(())
    }

    /// Read one CRLF-terminated line from the buffer (filling as needed).
    fn read_line(
        &mut self,
        stream: &mut TcpStream,
        alive: &dyn Fn() -> bool,
    ) -> Result<String, ReadError> {
        let mut last_progress = Instant::now();
        loop {
            if let Some(pos) = self.buf.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.buf.drain(..=pos).collect();
                return Ok(String::from_utf8_lossy(&line)
                    .trim_end_matches(['\r', '\n'])
                    .to_string());
            }
            if self.buf.len() > MAX_HEAD {
                return Err(ReadError::Bad(400, "chunk line too long"));
            }
            if !alive() {
                return Err(ReadError::Closed);
            }
            match self.fill(stream) {
                Ok(0) => return Err(ReadError::Io),
                Ok(_) => last_progress = Instant::now(),
                Err(e) if is_timeout(&e) => {
                    if last_progress.elapsed() > REQUEST_STALL {
                        return Err(ReadError::Io);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return Err(ReadError::Io),
            }
        }
    }

    fn read_chunked(
        &mut self,
        stream: &mut TcpStream,
        alive: &dyn Fn() -> bool,
    ) -> Result<Vec<u8>, ReadError> {
        let mut body = Vec::new();
        loop {
            let line = self.read_line(stream, alive)?;
            let size_hex = line.split(';').next().unwrap_or("").trim();
            let size = usize::from_str_radix(size_hex, 16)
                .map_err(|_| ReadError::Bad(400, "bad chunk size"))?;
            if size == 0 {
                // Trailers until an empty line.
                loop {
                    if self.read_line(stream, alive)?.is_empty() {
                        return Ok(body);
                    }
                }
            }
            if body.len().saturating_add(size) > MAX_BODY {
                return Err(ReadError::Bad(413, "request body too large"));
            }
            self.read_exact_buf(stream, size + 2, alive)?;
            body.extend(self.buf.drain(..size));
            self.buf.drain(..2);
        }
    }
}

pub(crate) fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// Position and separator length of the end of the head (`\r\n\r\n` or `\n\n`).
fn find_head_end(buf: &[u8]) -> Option<(usize, usize)> {
    let crlf = find(buf, b"\r\n\r\n").map(|p| (p, 4));
    let lf = find(buf, b"\n\n").map(|p| (p, 2));
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
        (a, b) => a.or(b),
    }
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

fn parse_head(head: &str) -> Result<Request, ReadError> {
    let mut lines = head.split('\n').map(|l| l.trim_end_matches('\r'));
    let request_line = lines.next().unwrap_or("");
    let mut parts = request_line.split(' ').filter(|s| !s.is_empty());
    let (method, target, version) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(m), Some(t), Some(v), None) => (m, t, v),
        _ => return Err(ReadError::Bad(400, "malformed request line")),
    };
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(ReadError::Bad(400, "malformed method"));
    }
    let minor = match version {
        "HTTP/1.1" => 1,
        "HTTP/1.0" => 0,
        _ => {
            return Err(ReadError::Bad(
                505,
                "only HTTP/1.0 and HTTP/1.1 are supported",
            ));
        }
    };
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
    let mut headers = Vec::new();
    for line in lines {
        if line.is_empty() {
            continue;
        }
        let Some((k, v)) = line.split_once(':') else {
            return Err(ReadError::Bad(400, "malformed header line"));
        };
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
    }
    Ok(Request {
        method: method.to_string(),
        path: String::from_utf8_lossy(&percent_decode(raw_path, false)).into_owned(),
        query: query.to_string(),
        minor,
        headers,
        body: Vec::new(),
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

/// One part of a multipart/form-data body.
pub(crate) struct Part<'a> {
    pub name: Option<String>,
    pub filename: Option<String>,
    pub data: &'a [u8],
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

/// Split a multipart body into its parts. Malformed bodies give `None`.
pub(crate) fn parse_multipart<'a>(body: &'a [u8], boundary: &str) -> Option<Vec<Part<'a>>> {
    let delim = format!("--{boundary}");
    let delim = delim.as_bytes();
    let mut pos = find(body, delim)? + delim.len();
    let mut parts = Vec::new();
    loop {
        if body.get(pos..pos + 2) == Some(b"--") {
            return Some(parts);
        }
        // Skip the line break after the delimiter.
        while matches!(body.get(pos), Some(b' ' | b'\t')) {
            pos += 1;
        }
        if body.get(pos..pos + 2) == Some(b"\r\n") {
            pos += 2;
        } else if body.get(pos) == Some(&b'\n') {
            pos += 1;
        } else {
            return None;
        }
        let (head_len, sep) = find_head_end(&body[pos..])?;
        let head = String::from_utf8_lossy(&body[pos..pos + head_len]).into_owned();
        let data_start = pos + head_len + sep;
        let mut next_delim = Vec::with_capacity(delim.len() + 2);
        next_delim.extend_from_slice(b"\r\n");
        next_delim.extend_from_slice(delim);
        let (data_end, after) = match find_from(body, &next_delim, data_start) {
            Some(p) => (p, p + next_delim.len()),
            None => {
                // Tolerate bare-LF bodies.
                let mut lf = vec![b'\n'];
                lf.extend_from_slice(delim);
                let p = find_from(body, &lf, data_start)?;
                (p, p + lf.len())
            }
        };
        let mut name = None;
        let mut filename = None;
        for line in head.lines() {
            let Some((k, v)) = line.split_once(':') else {
                continue;
            };
            if !k.trim().eq_ignore_ascii_case("content-disposition") {
                continue;
            }
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
        parts.push(Part {
            name,
            filename,
            data: &body[data_start..data_end],
        });
        pos = after;
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
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Payload Too Large",
        416 => "Range Not Satisfiable",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
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

    #[test]
    fn parses_multipart() {
        let body = b"------X\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.mwf\"\r\nContent-Type: application/octet-stream\r\n\r\nDATA\r\n--\r\n------X--\r\n";
        let parts = parse_multipart(body, "----X").unwrap();
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].name.as_deref(), Some("file"));
        assert_eq!(parts[0].filename.as_deref(), Some("a.mwf"));
        assert_eq!(parts[0].data, b"DATA\r\n--");
        assert_eq!(
            multipart_boundary("multipart/form-data; boundary=\"----X\"").as_deref(),
            Some("----X")
        );
        assert!(parse_multipart(b"garbage", "X").is_none());
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
        assert!(parse_head("GET / HTTP/2").is_err());
        assert!(parse_head("nonsense").is_err());
        assert!(parse_head("GET nopath HTTP/1.1").is_err());
    }
}
