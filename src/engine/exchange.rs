//! The reply side of one HTTP/1.1 exchange, without I/O: bytes in, a
//! finished reply out. The engine drives it through the [`Exchange`] trait
//! so that the crate's one sans-IO exchange (`crate::http`, issue 16) can
//! take its place without touching the reactor.
//!
//! Bounded like the blocking reader: the head to `MAX_REPLY_HEAD`, at most
//! `MAX_INTERIM` interim heads, the body to the reply cap, chunk-size and
//! trailer lines to 1 KiB and trailers to `MAX_TRAILERS` bytes in all;
//! consumed bytes are released in bulk (never one move per chunk).

use crate::client::http1::{Head, find, parse_head_max};
use crate::error::{Error, Result};

/// Longest reply head accepted (the device's are a few hundred bytes).
const MAX_REPLY_HEAD: usize = 6 * 1024;
/// At most this many interim (1xx) heads before the final one.
const MAX_INTERIM: usize = 8;
/// Trailer bytes accepted after a chunked body, in all.
const MAX_TRAILERS: usize = 8 * 1024;

/// A finished reply.
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: u16,
    pub sid: Option<String>,
    pub location: Option<String>,
    pub body: Vec<u8>,
    /// The connection may carry another request (no `close`, nothing
    /// after the reply, a framed body).
    pub reuse: bool,
}

/// The reply reader the engine drives.
pub(crate) trait Exchange {
    /// Bytes received. `Ok(Some)`: the reply is complete.
    fn feed(&mut self, data: &[u8]) -> Result<Option<Answer>>;
    /// The device closed the connection.
    fn eof(&mut self) -> Result<Answer>;
}

enum State {
    Head {
        interim: usize,
    },
    Body(Head),
    /// Within a chunked body: `pos` is the next unread byte of `buf`.
    Chunked {
        head: Head,
        out: Vec<u8>,
    },
    Trailers {
        head: Head,
        out: Vec<u8>,
        seen: usize,
    },
    Done,
}

/// The reader used until the crate's shared exchange lands.
pub(crate) struct Reader {
    method: String,
    max: usize,
    buf: Vec<u8>,
    pos: usize,
    state: State,
}

impl Reader {
    /// A reader for a reply to `method` (named in errors), with bodies of
    /// at most `max` bytes.
    pub fn new(method: String, max: usize) -> Reader {
        Reader {
            method,
            max,
            buf: Vec::new(),
            pos: 0,
            state: State::Head { interim: 0 },
        }
    }

    fn bad(&self, d: &str) -> Error {
        Error::BadReply {
            method: self.method.to_string(),
            detail: format!("HTTP protocol error: {d}"),
        }
    }

    fn too_large(&self) -> Error {
        Error::TooLarge {
            method: self.method.to_string(),
            limit: self.max,
        }
    }

    /// Drop consumed bytes once they are at least half the buffer: each
    /// byte moves at most once on average.
    fn compact(&mut self) {
        if self.pos > 0 && self.pos * 2 >= self.buf.len() {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
    }

    fn answer(&self, head: &Head, body: Vec<u8>, framed: bool) -> Answer {
        Answer {
            status: head.status,
            sid: head.sid.clone(),
            location: head.location.clone(),
            body,
            reuse: framed && !head.close && self.pos == self.buf.len(),
        }
    }

    /// Advance as far as the buffered bytes allow.
    fn step(&mut self) -> Result<Option<Answer>> {
        loop {
            match std::mem::replace(&mut self.state, State::Done) {
                State::Done => return Err(self.bad("bytes after the reply")),
                State::Head { interim } => {
                    let Some(head) =
                        parse_head_max(&self.buf[self.pos..], &self.method, MAX_REPLY_HEAD)?
                    else {
                        self.state = State::Head { interim };
                        return Ok(None);
                    };
                    self.pos += head.len;
                    if (100..200).contains(&head.status) {
                        if head.status == 101 || interim == MAX_INTERIM {
                            return Err(self.bad(&format!("unexpected status {}", head.status)));
                        }
                        self.state = State::Head {
                            interim: interim + 1,
                        };
                        continue;
                    }
                    if (300..400).contains(&head.status) {
                        // Never followed, and its body is never read.
                        let a = self.answer(&head, Vec::new(), false);
                        return Ok(Some(a));
                    }
                    if head.status == 204 || head.status == 304 {
                        let a = self.answer(&head, Vec::new(), true);
                        return Ok(Some(a));
                    }
                    if head.chunked {
                        self.state = State::Chunked {
                            head,
                            out: Vec::new(),
                        };
                    } else {
                        if let Some(n) = head.content_length {
                            if n > self.max as u64 {
                                return Err(self.too_large());
                            }
                        }
                        self.state = State::Body(head);
                    }
                }
                State::Body(head) => {
                    let have = self.buf.len() - self.pos;
                    match head.content_length {
                        Some(n) if have as u64 >= n => {
                            let n = n as usize;
                            let body = self.buf[self.pos..self.pos + n].to_vec();
                            self.pos += n;
                            return Ok(Some(self.answer(&head, body, true)));
                        }
                        Some(_) => {}
                        None if have > self.max => return Err(self.too_large()),
                        None => {}
                    }
                    self.state = State::Body(head);
                    return Ok(None);
                }
                State::Chunked { head, mut out } => {
                    let rest = &self.buf[self.pos..];
                    let Some(i) = find(rest, b"\r\n") else {
                        if rest.len() > 1024 {
                            return Err(self.bad("a chunk-size line is too long"));
                        }
                        self.state = State::Chunked { head, out };
                        return Ok(None);
                    };
                    let line =
                        std::str::from_utf8(&rest[..i]).map_err(|_| self.bad("bad chunk size"))?;
                    let text = line.split(';').next().unwrap_or("").trim();
                    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
                        return Err(self.bad("bad chunk size"));
                    }
                    let size =
                        usize::from_str_radix(text, 16).map_err(|_| self.bad("bad chunk size"))?;
                    if size == 0 {
                        self.pos += i + 2;
                        self.state = State::Trailers { head, out, seen: 0 };
                        continue;
                    }
                    if out.len().saturating_add(size) > self.max {
                        return Err(self.too_large());
                    }
                    if rest.len() < i + 2 + size + 2 {
                        self.state = State::Chunked { head, out };
                        return Ok(None);
                    }
                    let data = &rest[i + 2..i + 2 + size];
                    if &rest[i + 2 + size..i + 4 + size] != b"\r\n" {
                        return Err(self.bad("a chunk does not end with CRLF"));
                    }
                    out.extend_from_slice(data);
                    self.pos += i + 4 + size;
                    self.compact();
                    self.state = State::Chunked { head, out };
                }
                State::Trailers { head, out, seen } => {
                    let rest = &self.buf[self.pos..];
                    let Some(i) = find(rest, b"\r\n") else {
                        if rest.len() > 1024 {
                            return Err(self.bad("a trailer line is too long"));
                        }
                        self.state = State::Trailers { head, out, seen };
                        return Ok(None);
                    };
                    self.pos += i + 2;
                    if i == 0 {
                        return Ok(Some(self.answer(&head, out, true)));
                    }
                    let seen = seen + i + 2;
                    if seen > MAX_TRAILERS {
                        return Err(self.bad("too many trailer bytes"));
                    }
                    self.compact();
                    self.state = State::Trailers { head, out, seen };
                }
            }
        }
    }
}

impl Exchange for Reader {
    fn feed(&mut self, data: &[u8]) -> Result<Option<Answer>> {
        if matches!(self.state, State::Done) {
            return Err(self.bad("bytes after the reply"));
        }
        self.buf.extend_from_slice(data);
        let r = self.step();
        if matches!(r, Ok(Some(_))) {
            self.state = State::Done;
        }
        r
    }

    fn eof(&mut self) -> Result<Answer> {
        match std::mem::replace(&mut self.state, State::Done) {
            State::Head { .. } => Err(Error::Io(format!(
                "{}: the device closed the connection before answering",
                self.method
            ))),
            State::Body(head) => match head.content_length {
                None => {
                    // No length: the body ends with the connection.
                    let body = self.buf[self.pos..].to_vec();
                    self.pos = self.buf.len();
                    Ok(self.answer(&head, body, false))
                }
                Some(n) => Err(Error::Io(format!(
                    "{}: the reply ended after {} of {n} bytes",
                    self.method,
                    self.buf.len() - self.pos
                ))),
            },
            State::Chunked { .. } | State::Trailers { .. } => {
                Err(self.bad("the chunked reply ended early"))
            }
            State::Done => Err(self.bad("bytes after the reply")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feed `wire` cut into pieces of `step` bytes.
    fn run(wire: &[u8], step: usize) -> Result<Option<Answer>> {
        let mut r = Reader::new("get-status".into(), 1000);
        for piece in wire.chunks(step) {
            if let Some(a) = r.feed(piece)? {
                return Ok(Some(a));
            }
        }
        Ok(None)
    }

    #[test]
    fn framed_replies_at_any_cut() {
        let cl = b"HTTP/1.1 200 OK\r\nSet-Cookie: sid=abc; path=/\r\nContent-Length: 12\r\n\r\n{\"result\":0}";
        let ch = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"res\r\n7\r\nult\":0}\r\n0\r\nX-T: 1\r\n\r\n";
        for step in 1..20 {
            let a = run(cl, step).unwrap().unwrap();
            assert_eq!((a.status, a.sid.as_deref()), (200, Some("abc")));
            assert_eq!(a.body, b"{\"result\":0}");
            assert!(a.reuse);
            let a = run(ch, step).unwrap().unwrap();
            assert_eq!(a.body, b"{\"result\":0}", "step {step}");
            assert!(a.reuse);
        }
    }

    #[test]
    fn bounds_and_errors() {
        // Too large, announced or chunked.
        assert!(matches!(
            run(b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n", 64),
            Err(Error::TooLarge { .. })
        ));
        assert!(matches!(
            run(
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7d0\r\n",
                64
            ),
            Err(Error::TooLarge { .. })
        ));
        // Endless trailers end with an error, not with memory.
        let mut r = Reader::new("m".into(), 1000);
        r.feed(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n")
            .unwrap();
        let line = b"X-Trailer: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
        let err = (0..1000).find_map(|_| r.feed(line).err());
        assert!(err.is_some());
        assert!(r.buf.len() < 16 * 1024, "{}", r.buf.len());
        // Bad chunk sizes.
        assert!(
            run(
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n+c\r\n",
                64
            )
            .is_err()
        );
        // Bytes after the reply: the connection is not reused.
        let a = run(
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}HTTP/1.1 200 OK\r\n",
            200,
        )
        .unwrap()
        .unwrap();
        assert!(!a.reuse);
        // A close-delimited body ends at EOF.
        let mut r = Reader::new("m".into(), 1000);
        assert!(r.feed(b"HTTP/1.0 200 OK\r\n\r\n{}").unwrap().is_none());
        let a = r.eof().unwrap();
        assert_eq!(a.body, b"{}");
        assert!(!a.reuse);
        let mut r = Reader::new("m".into(), 1000);
        assert!(matches!(r.eof(), Err(Error::Io(_))));
        assert!(run(b"<html>", 10).is_err());
    }
}
