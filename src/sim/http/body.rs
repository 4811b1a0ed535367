//! Simulator layer (`sim`), HTTP: request bodies, framed by Content-Length
//! or chunked (sizes, data, bounded trailers), kept in memory up to `SPILL`
//! bytes and past that in an unlinked temporary file.

use super::reader::{Budget, Reader};
use super::request::Request;
use super::{MAX_BODY, MAX_CHUNK_LINE, MAX_HEAD, MAX_TRAILERS, ReadError, SPILL};
use std::io::{self, Read, Write};
use std::time::Instant;

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

    pub(super) fn reader(&self) -> io::Result<Box<dyn Read + '_>> {
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

impl Reader {
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

#[cfg(test)]
mod tests {
    use super::super::reader::{Budget, Reader};
    use super::super::{MAX_BODY, MAX_CHUNK_LINE, MAX_TRAILERS, ReadError, SPILL};
    use std::io::{self, Read};
    use std::time::Duration;

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
