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
//!
//! Interim replies (100 Continue, 102 Processing, 103) are skipped
//! wherever they come: before the body, during it (a 100 that comes after
//! the client stopped waiting for it) or after it.

use super::wire::{Collected, Peek, Stop, Wire, readable_now};
use crate::error::{Error, Result};
use crate::http::{Limits, Request};
use crate::progress::{Flow, Progress, ProgressFn, percent_of};
use std::io::{ErrorKind, Read};
use std::net::SocketAddr;
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

/// Longest reply head accepted.
const MAX_HEAD: usize = 16 * 1024;

/// Send the request with the body streamed from `source`, reporting
/// progress, and read the reply.
pub(crate) fn upload(
    req: &UploadRequest<'_>,
    source: &mut dyn Read,
    progress: &mut ProgressFn<'_>,
) -> Result<UploadReply> {
    let stream =
        super::transport::connect_first(req.addrs, METHOD, req.connect_timeout, req.deadline)?;
    let mut wire = Wire::new(stream, Limits::new(MAX_HEAD, req.max_reply as u64));
    match wire.peek() {
        Peek::Quiet => {}
        Peek::Stray => {
            return Err(Error::BadReply {
                method: METHOD.into(),
                detail: "the device sent a reply before any request (it is out of step); nothing was sent"
                    .into(),
            });
        }
        Peek::Closed => {
            return Err(Error::Io(format!(
                "{METHOD}: the device closed the connection before the request; nothing was sent"
            )));
        }
    }
    let body_len = req.preamble.len() as u64 + req.file_len + req.epilogue.len() as u64;
    let mut head = Vec::with_capacity(384);
    Request {
        method: "POST",
        cookie: req.cookie,
        content_type: Some(req.content_type),
        content_length: Some(body_len),
        extra: &[("Expect", "100-continue")],
        close: true,
        ..Request::get(req.target, req.host)
    }
    .write_head(&mut head)
    .map_err(|e| e.into_error(METHOD))?;
    send(&mut wire, &head, req.deadline)?;

    let mut got = Collected::default();
    // 1. Wait briefly for 100 Continue, or for a refusal before the body.
    let wait_until = (Instant::now() + AWAIT_100).min(req.deadline);
    loop {
        match wire.collect(&mut got, req.deadline, METHOD)? {
            Stop::Need if got.head => return finish(wire, got, req.deadline),
            Stop::Need if got.continued => break,
            Stop::Need => {}
            Stop::Done | Stop::Redirect => return finish(wire, got, req.deadline),
        }
        if Instant::now() >= wait_until {
            break; // no 100-continue support: send anyway
        }
        match wire.fill(wait_until, METHOD) {
            Ok(()) => {}
            Err(Error::Timeout(_)) => break,
            Err(e) => return Err(e),
        }
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
        // Whatever the device sent meanwhile: an interim reply (a late
        // 100 Continue) is skipped, a final one ends the sending.
        while readable_now(&wire.stream) && !wire.resp.is_done() {
            wire.fill(req.deadline, METHOD)?;
            if wire.collect(&mut got, req.deadline, METHOD)? != Stop::Need || got.head {
                return finish(wire, got, req.deadline);
            }
        }
        if let Err(e) = send(&mut wire, &buf, req.deadline) {
            // The device may have answered and closed: look for its answer.
            if let Error::Io(_) = e {
                let look = (Instant::now() + AFTER_BREAK).min(req.deadline);
                if let Ok(r) = finish(wire, got, look) {
                    return Ok(r);
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
    // 3. The reply (interim ones skipped).
    finish(wire, got, req.deadline)
}

/// Read the rest of the reply into `got` by `deadline`.
fn finish(mut wire: Wire, mut got: Collected, deadline: Instant) -> Result<UploadReply> {
    wire.read_reply(&mut got, deadline, METHOD)?;
    Ok(UploadReply {
        status: got.status,
        location: got.location,
        body: got.body,
    })
}

fn send(wire: &mut Wire, data: &[u8], deadline: Instant) -> Result<()> {
    wire.write_all(data, deadline, METHOD).map_err(|w| w.error)
}
