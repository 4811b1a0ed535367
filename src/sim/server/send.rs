//! Simulator layer (`sim`), server: writing replies: the last bytes of a
//! reply and the phase change together, refusals of unreadable requests,
//! and the wire tricks of the reset and no-answer faults.

use super::super::Shared;
use super::conns::Phase;
#[cfg(not(unix))]
use super::conns::set_phase;
#[cfg(unix)]
use super::conns::set_phase_in;
#[cfg(unix)]
use super::lock;
use crate::sim::http::{self, ReadError, Response};
use serde_json::json;
use std::io::{Read, Write};
#[cfg(not(unix))]
use std::net::Shutdown;
use std::net::TcpStream;
use std::sync::atomic::Ordering;
#[cfg(unix)]
use std::time::Duration;
use std::time::Instant;

/// How a connection's phase changes once its reply is out.
#[derive(Clone, Copy)]
pub(super) struct After<'a> {
    pub(super) shared: &'a Shared,
    pub(super) id: u64,
    /// When a pipelined next request began (already buffered), else None.
    pub(super) next: Option<Instant>,
}

impl After<'_> {
    fn phase(&self) -> (Phase, Instant) {
        match self.next {
            Some(s) => (Phase::Receiving, s),
            None => (Phase::Idle, Instant::now()),
        }
    }

    /// Write the last bytes of a reply and leave the Answering phase no
    /// later than the client can see them: the final non-blocking send and
    /// the phase change happen under the registry lock, so the eviction
    /// never sees an answered connection as busy (a client that got its
    /// reply may connect again at once), and never closes one mid-reply.
    pub(super) fn finish(&self, stream: &mut TcpStream, bytes: &[u8]) -> std::io::Result<()> {
        #[cfg(unix)]
        {
            let mut off = 0;
            loop {
                {
                    let mut reg = lock(&self.shared.conns);
                    while off < bytes.len() {
                        match send_now(stream, &bytes[off..]) {
                            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
                            Ok(n) => off += n,
                            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                            Err(e) => return Err(e),
                        }
                    }
                    if off == bytes.len() {
                        let (phase, since) = self.phase();
                        set_phase_in(&mut reg, self.id, phase, since);
                        return Ok(());
                    }
                }
                // The socket buffer is full: wait for room without the lock.
                wait_writable(stream)?;
            }
        }
        #[cfg(not(unix))]
        {
            stream.write_all(bytes)?;
            let (phase, since) = self.phase();
            set_phase(self.shared, self.id, phase, since);
            Ok(())
        }
    }
}

/// One send that never blocks (and never raises SIGPIPE in a host program).
#[cfg(unix)]
fn send_now(stream: &TcpStream, b: &[u8]) -> std::io::Result<usize> {
    use std::os::fd::AsRawFd;
    // SAFETY: a valid socket and a buffer of `b.len()` readable bytes.
    let n = unsafe {
        libc::send(
            stream.as_raw_fd(),
            b.as_ptr() as *const libc::c_void,
            b.len(),
            libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL,
        )
    };
    if n < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

/// Wait until `stream` can take more bytes, within its write timeout.
#[cfg(unix)]
fn wait_writable(stream: &TcpStream) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let limit = stream.write_timeout()?.unwrap_or(Duration::from_secs(20));
    let mut p = libc::pollfd {
        fd: stream.as_raw_fd(),
        events: libc::POLLOUT,
        revents: 0,
    };
    let ms = limit.as_millis().min(i32::MAX as u128) as libc::c_int;
    // SAFETY: one valid pollfd.
    match unsafe { libc::poll(&mut p, 1, ms) } {
        n if n > 0 => Ok(()),
        0 => Err(std::io::ErrorKind::TimedOut.into()),
        _ => {
            let e = std::io::Error::last_os_error();
            if e.kind() == std::io::ErrorKind::Interrupted {
                Ok(())
            } else {
                Err(e)
            }
        }
    }
}

/// Answer a request that could not be read, if it deserves an answer.
pub(super) fn answer_read_error(stream: &mut TcpStream, e: ReadError) {
    let (status, why) = match e {
        ReadError::Bad(status, why) => (status, why),
        ReadError::Timeout => (
            408,
            "the request took too long to arrive (stalled, or past the whole-request deadline)",
        ),
        ReadError::Closed | ReadError::Io => return,
    };
    let mut r = Response::json(status, json!({"ok": false, "error": why}).to_string());
    r.close = true;
    let _ = stream.write_all(&r.to_bytes(false, true));
}

/// Keep the socket open, discarding input, until the client goes or the
/// server stops.
pub(super) fn hold_open(stream: &mut TcpStream, shared: &Shared) {
    let mut scratch = [0u8; 4096];
    loop {
        if shared.stopping.load(Ordering::SeqCst) {
            return;
        }
        match stream.read(&mut scratch) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if http::is_timeout(&e) || e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return,
        }
    }
}

#[cfg(unix)]
pub(super) fn set_linger_zero(stream: &TcpStream) {
    use std::os::fd::AsRawFd;
    let l = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: a valid socket descriptor and a correctly sized linger struct.
    unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            &l as *const libc::linger as *const libc::c_void,
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        );
    }
}

#[cfg(not(unix))]
pub(super) fn set_linger_zero(stream: &TcpStream) {
    let _ = stream.shutdown(Shutdown::Both);
}
