//! A final reply head as the reader hands it over: status, framing,
//! header lines, and the `Content-Range` parser.

/// How the body of a final head is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// No body (204, 304).
    Empty,
    /// Exactly this many bytes.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// Everything until the device closes the connection.
    UntilClose,
}

/// `Content-Range: bytes first-last/total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContentRange {
    /// Offset of the first byte sent.
    pub first: u64,
    /// Offset of the last byte sent (inclusive).
    pub last: u64,
    /// The whole resource's length; `None` for `*`.
    pub total: Option<u64>,
}

impl ContentRange {
    /// Parse `bytes first-last/total` (or `/*`): digits only, first ≤
    /// last, last < total. Anything else is `None`.
    pub fn parse(value: &[u8]) -> Option<ContentRange> {
        let rest = value.trim_ascii().strip_prefix(b"bytes ")?;
        let slash = rest.iter().position(|&b| b == b'/')?;
        let (range, total) = (&rest[..slash], &rest[slash + 1..]);
        let dash = range.iter().position(|&b| b == b'-')?;
        let first = digits(&range[..dash])?;
        let last = digits(&range[dash + 1..])?;
        let total = if total == b"*" {
            None
        } else {
            Some(digits(total)?)
        };
        if first > last || total.is_some_and(|t| last >= t) {
            return None;
        }
        Some(ContentRange { first, last, total })
    }
}

/// A decimal number of ASCII digits only (no sign, no space), no overflow.
pub(crate) fn digits(s: &[u8]) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    for &b in s {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(n)
}

/// A final reply head: status, framing and the header lines as received.
#[derive(Debug, Clone, Default)]
pub struct Head {
    pub(super) status: u16,
    pub(super) minor: u8,
    pub(super) framing: Option<Framing>,
    pub(super) keep_alive: bool,
    pub(super) raw: Vec<u8>,
    /// (name start, name end, value start, value end) in `raw`.
    pub(super) fields: Vec<[u32; 4]>,
}

impl Head {
    /// The status code (200..=599).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// 1 for HTTP/1.1, 0 for HTTP/1.0.
    pub fn minor_version(&self) -> u8 {
        self.minor
    }

    /// How the body is delimited.
    pub fn framing(&self) -> Framing {
        self.framing.unwrap_or(Framing::Empty)
    }

    /// The body length when the head gives one (`Framing::Length`).
    pub fn content_length(&self) -> Option<u64> {
        match self.framing {
            Some(Framing::Length(n)) => Some(n),
            _ => None,
        }
    }

    /// Whether the device keeps the connection open after this reply
    /// (HTTP/1.1 without `Connection: close`, or HTTP/1.0 with
    /// `keep-alive`). `Event::Done` gives the final word.
    pub fn keep_alive(&self) -> bool {
        self.keep_alive
    }

    /// The first value of header `name` (any case), trimmed.
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.fields.iter().find_map(|f| {
            let n = &self.raw[f[0] as usize..f[1] as usize];
            n.eq_ignore_ascii_case(name.as_bytes())
                .then(|| &self.raw[f[2] as usize..f[3] as usize])
        })
    }

    /// Every value of header `name` (any case), in order, trimmed.
    pub fn headers<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.fields.iter().filter_map(move |f| {
            let n = &self.raw[f[0] as usize..f[1] as usize];
            n.eq_ignore_ascii_case(name.as_bytes())
                .then(|| &self.raw[f[2] as usize..f[3] as usize])
        })
    }

    /// The first value of header `name` when it is UTF-8.
    pub fn header_str(&self, name: &str) -> Option<&str> {
        self.header(name).and_then(|v| std::str::from_utf8(v).ok())
    }

    /// The parsed `Content-Range`, if present and well formed.
    pub fn content_range(&self) -> Option<ContentRange> {
        self.header("content-range").and_then(ContentRange::parse)
    }
}
