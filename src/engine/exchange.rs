//! The reply side of one HTTP/1.1 exchange for the engine: the crate's
//! sans-IO reader (`crate::http::Response`, the same one the blocking
//! client drives) behind the small [`Exchange`] trait the reactor uses.
//! Bytes in (read straight into the reader's buffer), a finished reply
//! out; interim heads skipped, a redirect ended at its head, every buffer
//! bounded by the reader's limits.

use crate::client::parse_sid;
use crate::error::{Error, Result};
use crate::http::{Event, Limits, Response};

/// Longest reply head accepted (the device's are a few hundred bytes).
const MAX_REPLY_HEAD: usize = 6 * 1024;

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

/// The reply reader the reactor drives. `method` names the call in
/// errors (borrowed per call, so no reader owns a copy of it).
pub(crate) trait Exchange {
    /// `data` was read (into the reactor's one receive buffer: the reader
    /// keeps a copy only of what a reply holds, so a small reply costs a
    /// small buffer). `Ok(Some)`: the reply is complete.
    fn feed(&mut self, data: &[u8], method: &str) -> Result<Option<Answer>>;
    /// The device closed the connection.
    fn eof(&mut self, method: &str) -> Result<Answer>;
}

/// One reply, with bodies of at most the limit given. A reader outlives
/// its reply: the reactor keeps spare ones (with their buffers) for the
/// next requests of any connection, so an idle connection holds none.
pub(crate) struct Reader {
    resp: Response,
    status: u16,
    sid: Option<String>,
    location: Option<String>,
    body: Vec<u8>,
}

impl Reader {
    /// A reader for one reply with bodies of at most `max` bytes.
    pub fn new(max: usize) -> Reader {
        Reader {
            resp: Response::new(Limits::new(MAX_REPLY_HEAD, max as u64)),
            status: 0,
            sid: None,
            location: None,
            body: Vec::new(),
        }
    }

    /// Ready the reader for another reply (its buffer kept), with bodies
    /// of at most `max` bytes.
    pub fn reset(&mut self, max: usize) {
        self.resp.reset();
        self.resp
            .set_limits(Limits::new(MAX_REPLY_HEAD, max as u64));
        self.status = 0;
        self.sid = None;
        self.location = None;
        self.body = Vec::new();
    }

    /// Whether the reader holds no byte of a reply (so it can serve
    /// another connection).
    pub fn is_clean(&self) -> bool {
        self.resp.unread() == 0
    }

    /// Take every event the buffered bytes give.
    fn drive(&mut self, method: &str) -> Result<Option<Answer>> {
        loop {
            let event = self.resp.advance().map_err(|e| e.into_error(method))?;
            match event {
                Event::NeedData => return Ok(None),
                Event::Interim(_) => {}
                Event::Head(h) => {
                    self.status = h.status();
                    self.sid = h
                        .headers("set-cookie")
                        .filter_map(|v| std::str::from_utf8(v).ok())
                        .find_map(parse_sid);
                    self.location = h.header_str("location").map(str::to_string);
                    if let Some(n) = h.content_length() {
                        // One allocation of the announced size (bounded by
                        // the reader's limit, checked at the head).
                        self.body.reserve(n.min(64 * 1024) as usize);
                    }
                    if (300..400).contains(&self.status) {
                        // Never followed, and its body is never read.
                        return Ok(Some(self.answer(false)));
                    }
                }
                Event::Body(b) => self.body.extend_from_slice(b),
                Event::Done { reusable } => return Ok(Some(self.answer(reusable))),
            }
        }
    }

    fn answer(&mut self, reuse: bool) -> Answer {
        Answer {
            status: self.status,
            sid: self.sid.take(),
            location: self.location.take(),
            body: std::mem::take(&mut self.body),
            reuse,
        }
    }
}

impl Exchange for Reader {
    fn feed(&mut self, data: &[u8], method: &str) -> Result<Option<Answer>> {
        self.resp.feed(data);
        self.drive(method)
    }

    fn eof(&mut self, method: &str) -> Result<Answer> {
        self.resp.eof();
        match self.drive(method)? {
            Some(a) => Ok(a),
            None => Err(Error::Io(format!(
                "{method}: the device closed the connection before answering"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(r: &mut Reader, data: &[u8]) -> Result<Option<Answer>> {
        Exchange::feed(r, data, "m")
    }

    /// Feed `wire` cut into pieces of `step` bytes.
    fn run(wire: &[u8], step: usize) -> Result<Option<Answer>> {
        let mut r = Reader::new(1000);
        for piece in wire.chunks(step) {
            if let Some(a) = feed(&mut r, piece)? {
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
        let mut r = Reader::new(1000);
        feed(
            &mut r,
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n",
        )
        .unwrap();
        let line = b"X-Trailer: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
        let err = (0..1000).find_map(|_| feed(&mut r, line).err());
        assert!(err.is_some());
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
        let mut r = Reader::new(1000);
        assert!(
            feed(&mut r, b"HTTP/1.0 200 OK\r\n\r\n{}")
                .unwrap()
                .is_none()
        );
        let a = r.eof("m").unwrap();
        assert_eq!(a.body, b"{}");
        assert!(!a.reuse);
        let mut r = Reader::new(1000);
        assert!(matches!(r.eof("m"), Err(Error::Io(_))));
        assert!(run(b"<html>", 10).is_err());
    }
}
