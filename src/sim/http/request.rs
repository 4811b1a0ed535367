//! Simulator layer (`sim`), HTTP: one request as read off the wire, and how
//! its headers frame the body (strictly: one way to read it, or refused).

use super::body::Spool;
use super::decode::percent_decode;
use super::{MAX_BODY, ReadError};
use std::io::{self, Read};

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

/// A decimal made of ASCII digits only (no sign, no space inside), or None.
fn digits(v: &str) -> Option<u64> {
    let v = v.trim_matches([' ', '\t']);
    // At most 19 digits, as before the client's reading was shared.
    if v.len() > 19 {
        return None;
    }
    crate::http::digits(v.as_bytes())
}

/// A `Request` from a head `httparse` accepted: the method upper-case
/// letters, the target a path (or absolute-form `http://host/path`).
pub(super) fn request_from(head: &httparse::Request<'_, '_>) -> Result<Request, ReadError> {
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

#[cfg(test)]
mod tests {
    use super::super::reader::parse_head;
    use super::super::{MAX_BODY, ReadError};

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
}
