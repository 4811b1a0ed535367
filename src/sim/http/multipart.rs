//! Simulator layer (`sim`), HTTP: multipart/form-data bodies (firmware
//! uploads), read in pieces and handed on part by part, so a body of any
//! size costs a few KiB.

use super::{MAX_HEAD, find};
use std::io::{self, Read};

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
