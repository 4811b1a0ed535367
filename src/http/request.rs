//! Request heads, written into a caller's buffer.

use super::HttpError;

/// The `User-Agent` every request carries.
pub const USER_AGENT: &str = concat!("ultrastream/", env!("CARGO_PKG_VERSION"));

/// A request head: `METHOD target HTTP/1.1`, `Host`, `User-Agent`,
/// `Accept: */*`, then the optional headers below, in that order.
///
/// Every field is checked for CR, LF and NUL before anything is written,
/// so no value can end a header early and smuggle another.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// `GET` or `POST`.
    pub method: &'a str,
    /// Path and query, starting with `/`.
    pub target: &'a str,
    /// The `Host` value (the URL authority).
    pub host: &'a str,
    /// `Cookie` value, if any.
    pub cookie: Option<&'a str>,
    /// `Content-Type` value, if any.
    pub content_type: Option<&'a str>,
    /// `Content-Length`, for a request with a body.
    pub content_length: Option<u64>,
    /// Further headers, written as `name: value`.
    pub extra: &'a [(&'a str, &'a str)],
    /// Ask the device to close the connection after its reply.
    pub close: bool,
}

impl<'a> Request<'a> {
    /// A `GET` of `target` on `host` with no other headers.
    pub fn get(target: &'a str, host: &'a str) -> Request<'a> {
        Request {
            method: "GET",
            target,
            host,
            cookie: None,
            content_type: None,
            content_length: None,
            extra: &[],
            close: false,
        }
    }

    /// Append the head (ending with the blank line) to `out`. Nothing is
    /// written when a field holds CR, LF or NUL, or the target does not
    /// start with `/`.
    pub fn write_head(&self, out: &mut Vec<u8>) -> Result<(), HttpError> {
        let bad = |b: &u8| matches!(b, b'\r' | b'\n' | 0);
        let clean = |s: &str| !s.as_bytes().iter().any(bad);
        let token = !self.method.is_empty() && self.method.bytes().all(|b| b.is_ascii_uppercase());
        let fields_ok = clean(self.target)
            && !self.target.contains(' ')
            && self.target.starts_with('/')
            && clean(self.host)
            && self.cookie.is_none_or(clean)
            && self.content_type.is_none_or(clean)
            && self
                .extra
                .iter()
                .all(|(n, v)| clean(n) && clean(v) && !n.is_empty() && !n.contains(':'));
        if !token || !fields_ok {
            return Err(HttpError::Request(
                "a request field holds CR, LF, NUL or a space, or the target does not start with '/'"
                    .into(),
            ));
        }
        out.reserve(self.target.len() + self.host.len() + 96);
        out.extend_from_slice(self.method.as_bytes());
        out.push(b' ');
        out.extend_from_slice(self.target.as_bytes());
        out.extend_from_slice(b" HTTP/1.1\r\nHost: ");
        out.extend_from_slice(self.host.as_bytes());
        out.extend_from_slice(b"\r\nUser-Agent: ");
        out.extend_from_slice(USER_AGENT.as_bytes());
        out.extend_from_slice(b"\r\nAccept: */*\r\n");
        let mut header = |name: &str, value: &[u8]| {
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value);
            out.extend_from_slice(b"\r\n");
        };
        if let Some(c) = self.cookie {
            header("Cookie", c.as_bytes());
        }
        if let Some(t) = self.content_type {
            header("Content-Type", t.as_bytes());
        }
        if let Some(n) = self.content_length {
            let mut digits = [0u8; 20];
            header("Content-Length", decimal(n, &mut digits));
        }
        for (n, v) in self.extra {
            header(n, v.as_bytes());
        }
        if self.close {
            header("Connection", b"close");
        }
        out.extend_from_slice(b"\r\n");
        Ok(())
    }
}

/// `n` in decimal, in the tail of `buf` (no allocation).
fn decimal(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &buf[i..];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_and_refusals() {
        let mut out = Vec::new();
        let r = Request {
            method: "POST",
            content_type: Some("text/plain"),
            content_length: Some(1234),
            cookie: Some("sid=abc"),
            extra: &[("Expect", "100-continue")],
            close: true,
            ..Request::get("/usapi?method=x", "127.0.0.1:80")
        };
        r.write_head(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("POST /usapi?method=x HTTP/1.1\r\nHost: 127.0.0.1:80\r\n"));
        assert!(text.contains("\r\nCookie: sid=abc\r\n"));
        assert!(text.contains("\r\nContent-Length: 1234\r\n"));
        assert!(text.contains("\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n"));
        for bad in [
            Request::get("/x\r\nEvil: 1", "h"),
            Request::get("x", "h"),
            Request::get("/x y", "h"),
            Request::get("/x", "h\n"),
            Request {
                cookie: Some("a\rb"),
                ..Request::get("/", "h")
            },
        ] {
            let mut out = Vec::new();
            assert!(bad.write_head(&mut out).is_err());
            assert!(out.is_empty());
        }
        let mut d = [0u8; 20];
        assert_eq!(decimal(0, &mut d), b"0");
        assert_eq!(decimal(u64::MAX, &mut d), b"18446744073709551615");
    }
}
