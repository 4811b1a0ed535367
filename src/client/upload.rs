//! The streamed firmware upload: one POST written over a plain `TcpStream`.
//!
//! Why not ureq: ureq 3 can send a reader with a known Content-Length and
//! honours `Expect: 100-continue`, but once it is pushing the body it never
//! looks at the socket, so a device that answers early (HTTP 413, or its
//! JSON error) and closes is reported as "Broken pipe" after the whole body
//! was pushed, with the device's answer lost. Here the body goes out in
//! 64 KiB chunks, and before each chunk a zero-timeout poll checks whether
//! the device has already answered; if so, sending stops and its answer is
//! returned. Memory is one chunk buffer plus the reply, whatever the size
//! of the file.

use super::http1::{Head, ReplyReader};
use crate::error::{Error, Result};
use crate::ops::{Flow, Progress, ProgressFn, percent_of};
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// Size of each body write.
const CHUNK: usize = 64 * 1024;
/// How long to wait for `100 Continue` before sending the body anyway (a
/// device without 100-continue support says nothing), as curl does.
const AWAIT_100: Duration = Duration::from_secs(1);
/// After a broken write, how long to look for the answer that explains it.
const AFTER_BREAK: Duration = Duration::from_secs(2);

pub(crate) struct UploadRequest<'a> {
    pub addrs: &'a [SocketAddr],
    /// `Host:` value (the URL authority).
    pub host: &'a str,
    /// Path and query, e.g. `/usapi?method=upload-update-file`.
    pub target: &'a str,
    pub cookie: Option<&'a str>,
    pub content_type: &'a str,
    pub preamble: &'a [u8],
    pub epilogue: &'a [u8],
    pub file_len: u64,
    pub connect_timeout: Duration,
    pub deadline: Instant,
    pub max_reply: usize,
}

/// What came back: the reply head's status, the session cookie, the body.
pub(crate) struct UploadReply {
    pub status: u16,
    pub location: Option<String>,
    pub body: Vec<u8>,
}

const METHOD: &str = "upload-update-file";

fn io_err(e: std::io::Error) -> Error {
    if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) {
        Error::Timeout(format!("{METHOD}: {e}"))
    } else {
        Error::Io(format!("{METHOD}: {e}"))
    }
}

/// True when the device has sent something (or closed) and we have not read it.
fn readable_now(stream: &TcpStream) -> bool {
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        let mut pfd = libc::pollfd {
            fd: stream.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd, zero timeout.
        let n = unsafe { libc::poll(&mut pfd, 1, 0) };
        n > 0 && pfd.revents & (libc::POLLIN | libc::POLLHUP | libc::POLLERR) != 0
    }
    #[cfg(not(unix))]
    {
        let _ = stream;
        false
    }
}

/// Send the request with the body streamed from `source`, reporting
/// progress, and read the reply.
pub(crate) fn upload(
    req: &UploadRequest<'_>,
    source: &mut dyn Read,
    progress: &mut ProgressFn<'_>,
) -> Result<UploadReply> {
    let mut stream =
        super::transport::connect_first(req.addrs, METHOD, req.connect_timeout, req.deadline)?;
    let body_len = req.preamble.len() as u64 + req.file_len + req.epilogue.len() as u64;
    let mut head = String::with_capacity(384);
    head.push_str("POST ");
    head.push_str(req.target);
    head.push_str(" HTTP/1.1\r\nHost: ");
    head.push_str(req.host);
    head.push_str(concat!(
        "\r\nUser-Agent: ultrastream/",
        env!("CARGO_PKG_VERSION"),
        "\r\nAccept: */*\r\n"
    ));
    if let Some(c) = req.cookie {
        head.push_str("Cookie: ");
        head.push_str(c);
        head.push_str("\r\n");
    }
    head.push_str("Content-Type: ");
    head.push_str(req.content_type);
    head.push_str("\r\nContent-Length: ");
    head.push_str(&body_len.to_string());
    head.push_str("\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n");
    write_all(&mut stream, head.as_bytes(), req.deadline)?;

    let mut reader = ReplyReader {
        stream: &mut stream,
        buf: Vec::new(),
        deadline: req.deadline,
        method: METHOD,
        read_timeout: None,
        spent: false,
    };
    // 1. Wait briefly for 100 Continue, or for a refusal before the body.
    let wait_until = (Instant::now() + AWAIT_100).min(req.deadline);
    loop {
        if let Some(h) = super::http1::parse_head(&reader.buf, METHOD)? {
            if h.status == 100 || (101..200).contains(&h.status) {
                reader.buf.drain(..h.len);
                if h.status == 100 {
                    break;
                }
                continue;
            }
            // A final answer before the body: the device's own refusal.
            return finish(reader, h, req.max_reply);
        }
        let now = Instant::now();
        if now >= wait_until {
            break;
        }
        let saved = reader.deadline;
        reader.deadline = wait_until;
        let r = reader.fill();
        reader.deadline = saved;
        match r {
            Ok(0) => {
                return Err(Error::Io(format!(
                    "{METHOD}: the device closed the connection before the body was sent"
                )));
            }
            Ok(_) => {}
            Err(Error::Timeout(_)) => break, // no 100-continue support: send anyway
            Err(e) => return Err(e),
        }
    }
    if !reader.buf.is_empty() {
        // Bytes that are not a complete head yet: wait for the rest of it.
        let h = reader.head()?;
        return finish(reader, h, req.max_reply);
    }

    // 2. The body, in chunks, with an early-answer check before each.
    let mut buf = Vec::with_capacity(CHUNK);
    buf.extend_from_slice(req.preamble);
    let mut done: u64 = 0;
    let mut report = |done: u64| -> Result<()> {
        let p = Progress {
            operation: "upload",
            phase: "uploading",
            step: 0,
            percent: percent_of(done, req.file_len),
            done,
            total: req.file_len,
            result: crate::model::codes::RET_RUNNING,
        };
        match progress(&p) {
            Flow::Continue(()) => Ok(()),
            Flow::Break(()) => Err(Error::Cancelled(format!(
                "{METHOD}: the upload was stopped after {done} of {} bytes; the device got an incomplete file (upload again before update)",
                req.file_len
            ))),
        }
    };
    report(0)?;
    let mut tail_sent = false;
    while !tail_sent {
        // Fill the chunk from the file.
        while buf.len() < CHUNK && done < req.file_len {
            let want = (CHUNK - buf.len()).min((req.file_len - done) as usize);
            let start = buf.len();
            buf.resize(start + want, 0);
            let n = loop {
                match source.read(&mut buf[start..]) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                    Err(e) => {
                        return Err(Error::File(format!("cannot read the firmware file: {e}")));
                    }
                }
            };
            buf.truncate(start + n);
            if n == 0 {
                return Err(Error::File(format!(
                    "the firmware file shrank while it was sent ({done} of {} bytes read); nothing more was sent",
                    req.file_len
                )));
            }
            done += n as u64;
        }
        if done == req.file_len && buf.len() + req.epilogue.len() <= CHUNK {
            buf.extend_from_slice(req.epilogue);
            tail_sent = true;
        }
        if readable_now(reader.stream) {
            let h = reader.head()?;
            return finish(reader, h, req.max_reply);
        }
        if let Err(e) = write_all(reader.stream, &buf, req.deadline) {
            // The device may have answered and closed: look for its answer.
            if let Error::Io(_) = e {
                reader.deadline = (Instant::now() + AFTER_BREAK).min(req.deadline);
                if let Ok(h) = reader.head() {
                    return finish(reader, h, req.max_reply);
                }
            }
            return Err(match e {
                Error::Io(d) => Error::Io(format!(
                    "{d} (after {done} of {} bytes of the file)",
                    req.file_len
                )),
                other => other,
            });
        }
        buf.clear();
        report(done)?;
    }
    // 3. The reply.
    let h = reader.head()?;
    finish(reader, h, req.max_reply)
}

fn finish(mut reader: ReplyReader<'_>, head: Head, max: usize) -> Result<UploadReply> {
    reader.buf.drain(..head.len);
    let body = if (300..400).contains(&head.status) {
        Vec::new() // never read or followed
    } else {
        reader.body(&head, max)?
    };
    Ok(UploadReply {
        status: head.status,
        location: head.location,
        body,
    })
}

fn write_all(stream: &mut TcpStream, mut data: &[u8], deadline: Instant) -> Result<()> {
    while !data.is_empty() {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(Error::Timeout(format!("{METHOD}: sending took too long")));
        }
        stream.set_write_timeout(Some(remaining)).map_err(io_err)?;
        match stream.write(data) {
            Ok(0) => return Err(Error::Io(format!("{METHOD}: the connection closed"))),
            Ok(n) => data = &data[n..],
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(io_err(e)),
        }
    }
    Ok(())
}
