//! The blocking driver of `crate::http::Response`: one `TcpStream`, reads
//! bounded by the caller's deadline, the deadline checked between parsed
//! units as well as on reads. Used by the API calls (`transport.rs`), the
//! streamed upload (`upload.rs`) and downloads (`fetch.rs`).
//!
//! Socket timeouts are set only when the value needed changes: a read is
//! bounded by `SO_RCVTIMEO`, kept at most `SLACK` above the time left, and
//! a read that times out early is retried with the time left. A kept-alive
//! connection so costs no `setsockopt` per call.

use crate::error::{Error, Result};
use crate::http::{Event, Limits, Response};
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// How far a socket timeout may exceed the time left before it is lowered.
const SLACK: Duration = Duration::from_millis(10);

/// Whether a socket timeout currently `set` bounds an operation that has
/// `remaining`: not more than `SLACK` past the deadline, and not so far
/// below it that an early timeout is likely.
fn timeout_fits(set: Option<Duration>, remaining: Duration) -> bool {
    set.is_some_and(|t| t <= remaining + SLACK && t * 2 >= remaining)
}

/// The socket timeout for `remaining` (a zero timeout means "none").
fn timeout_for(remaining: Duration) -> Duration {
    remaining.max(Duration::from_millis(1))
}

fn timed_out(method: &str) -> Error {
    Error::Timeout(format!("{method}: no answer in time"))
}

/// One connection and its reply reader.
pub(crate) struct Wire {
    pub stream: TcpStream,
    pub resp: Response,
    read_timeout: Option<Duration>,
    write_timeout: Option<Duration>,
}

/// A write that failed, and whether any byte of it had been accepted
/// (after that, the request may have reached the device).
pub(crate) struct WriteError {
    pub error: Error,
    pub sent_any: bool,
}

/// A reply gathered from the events: the final head's status and the
/// headers the client uses, the body (capped by the reader's limits).
#[derive(Default)]
pub(crate) struct Collected {
    pub status: u16,
    pub sid: Option<String>,
    pub location: Option<String>,
    pub body: Vec<u8>,
    /// A `100 Continue` came.
    pub continued: bool,
    /// The final head came.
    pub head: bool,
    /// The reply is complete, and whether the connection may be reused.
    pub done: bool,
    pub reusable: bool,
}

/// Where `Wire::collect` stopped.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Stop {
    /// The reply is complete.
    Done,
    /// A final 3xx head: its body is never read (nothing is followed).
    Redirect,
    /// The bytes buffered are used up: read more.
    Need,
}

impl Wire {
    pub fn new(stream: TcpStream, limits: Limits) -> Wire {
        Wire {
            stream,
            resp: Response::new(limits),
            read_timeout: None,
            write_timeout: None,
        }
    }

    /// Read once into the reply buffer, waiting until `deadline` at most.
    /// EOF is passed on to the reader (`Response::eof`).
    pub fn fill(&mut self, deadline: Instant, method: &str) -> Result<()> {
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Err(timed_out(method));
            }
            if !timeout_fits(self.read_timeout, remaining) {
                let t = timeout_for(remaining);
                self.read_timeout = None;
                self.stream
                    .set_read_timeout(Some(t))
                    .map_err(|e| Error::Io(format!("{method}: {e}")))?;
                self.read_timeout = Some(t);
            }
            match self.stream.read(self.resp.read_buf()) {
                Ok(0) => {
                    self.resp.eof();
                    return Ok(());
                }
                Ok(n) => {
                    self.resp.filled(n);
                    return Ok(());
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                // Early or on time: the loop checks the deadline.
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e) => return Err(Error::Io(format!("{method}: {e}"))),
            }
        }
    }

    /// Write all of `data` by `deadline`.
    pub fn write_all(
        &mut self,
        mut data: &[u8],
        deadline: Instant,
        method: &str,
    ) -> std::result::Result<(), WriteError> {
        let mut sent_any = false;
        let fail = |error, sent_any| Err(WriteError { error, sent_any });
        while !data.is_empty() {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                let e = Error::Timeout(format!("{method}: sending took too long"));
                return fail(e, sent_any);
            }
            if !timeout_fits(self.write_timeout, remaining) {
                let t = timeout_for(remaining);
                self.write_timeout = None;
                if let Err(e) = self.stream.set_write_timeout(Some(t)) {
                    return fail(Error::Io(format!("{method}: {e}")), sent_any);
                }
                self.write_timeout = Some(t);
            }
            match self.stream.write(data) {
                Ok(0) => {
                    let e = Error::Io(format!("{method}: the connection closed"));
                    return fail(e, sent_any);
                }
                Ok(n) => {
                    data = &data[n..];
                    sent_any = true;
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                // Early or on time: the loop checks the deadline.
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e) => return fail(Error::Io(format!("{method}: {e}")), sent_any),
            }
        }
        Ok(())
    }

    /// Run the reader over the bytes buffered, gathering into `c`, until
    /// the reply is done, a redirect head came, or more bytes are needed.
    /// The deadline is checked between units, so a flood of tiny ones
    /// cannot hold the caller past it.
    pub fn collect(&mut self, c: &mut Collected, deadline: Instant, method: &str) -> Result<Stop> {
        loop {
            if Instant::now() >= deadline {
                return Err(timed_out(method));
            }
            match self.resp.advance().map_err(|e| e.into_error(method))? {
                Event::NeedData => return Ok(Stop::Need),
                Event::Interim(s) => c.continued |= s == 100,
                Event::Head(h) => {
                    c.head = true;
                    c.status = h.status();
                    if (300..400).contains(&c.status) {
                        c.location = h.header_str("location").map(str::to_string);
                        return Ok(Stop::Redirect);
                    }
                    c.sid = h
                        .headers("set-cookie")
                        .filter_map(|v| std::str::from_utf8(v).ok())
                        .find_map(super::transport::parse_sid);
                    if let Some(n) = h.content_length() {
                        // One allocation of the announced size (within the
                        // cap), plus the byte a C string's NUL needs: the
                        // C ABI hands the body out without a copy.
                        c.body.reserve_exact((n as usize).saturating_add(1));
                    }
                }
                Event::Body(b) => c.body.extend_from_slice(b),
                Event::Done { reusable } => {
                    c.done = true;
                    c.reusable = reusable;
                    return Ok(Stop::Done);
                }
            }
        }
    }

    /// Read until the reply is done (or a redirect head came).
    pub fn read_reply(&mut self, c: &mut Collected, deadline: Instant, method: &str) -> Result<()> {
        while self.collect(c, deadline, method)? == Stop::Need {
            self.fill(deadline, method)?;
        }
        Ok(())
    }

    /// What the connection holds unread right now (see `peek`).
    pub fn peek(&self) -> Peek {
        peek(&self.stream)
    }
}

/// What a non-blocking peek at an idle connection found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Peek {
    /// Open, nothing unread: it may carry a request.
    Quiet,
    /// Bytes nobody asked for: the device is out of step.
    Stray,
    /// EOF, a reset or another error: the device closed it.
    Closed,
}

/// One non-blocking peek of one byte.
pub(crate) fn peek(stream: &TcpStream) -> Peek {
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        let mut b = 0u8;
        // SAFETY: a valid socket and a one-byte buffer we own.
        let n = unsafe {
            libc::recv(
                stream.as_raw_fd(),
                (&mut b as *mut u8).cast(),
                1,
                libc::MSG_PEEK | libc::MSG_DONTWAIT,
            )
        };
        match n {
            1.. => Peek::Stray,
            0 => Peek::Closed,
            _ if std::io::Error::last_os_error().kind() == ErrorKind::WouldBlock => Peek::Quiet,
            _ => Peek::Closed,
        }
    }
    #[cfg(not(unix))]
    {
        let mut b = [0u8; 1];
        if stream.set_nonblocking(true).is_err() {
            return Peek::Closed;
        }
        let p = match stream.peek(&mut b) {
            Ok(0) => Peek::Closed,
            Ok(_) => Peek::Stray,
            Err(e) if e.kind() == ErrorKind::WouldBlock => Peek::Quiet,
            Err(_) => Peek::Closed,
        };
        if stream.set_nonblocking(false).is_err() {
            return Peek::Closed;
        }
        p
    }
}

/// True when the device has sent something (or closed) and we have not
/// read it: a zero-timeout poll.
pub(crate) fn readable_now(stream: &TcpStream) -> bool {
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
        peek(stream) != Peek::Quiet
    }
}
