//! Simulator layer (`sim`), server: the reactor. One thread polls every
//! connection that waits for a request (idle keep-alive, or a head still
//! trickling in) and hands it a thread again once a head is complete.

use super::super::Shared;
use super::conns::Conn;
#[cfg(unix)]
use super::conns::{Phase, add_bytes, close, set_phase};
#[cfg(unix)]
use super::lock;
#[cfg(unix)]
use super::send::answer_read_error;
#[cfg(unix)]
use super::worker::spawn_worker;
#[cfg(unix)]
use crate::sim::http::{self, ReadError, Request};
#[cfg(unix)]
use std::io::{Read, Write};
#[cfg(unix)]
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
#[cfg(unix)]
use std::time::{Duration, Instant};

/// Connections handed back to the reactor, and the socket that wakes it.
pub(crate) struct Park {
    #[cfg_attr(not(unix), allow(dead_code))] // used by the Unix-only reactor
    inbox: Mutex<Vec<Conn>>,
    #[cfg(unix)]
    wake: Option<std::os::unix::net::UnixStream>,
}

impl Park {
    /// No reactor to wake (the fleet server's devices have none).
    #[cfg_attr(not(unix), allow(dead_code))]
    pub fn none() -> Park {
        Park {
            inbox: Mutex::new(Vec::new()),
            #[cfg(unix)]
            wake: None,
        }
    }

    #[cfg(unix)]
    pub fn new() -> std::io::Result<(Park, std::os::unix::net::UnixStream)> {
        let (tx, rx) = std::os::unix::net::UnixStream::pair()?;
        tx.set_nonblocking(true)?;
        rx.set_nonblocking(true)?;
        Ok((
            Park {
                inbox: Mutex::new(Vec::new()),
                wake: Some(tx),
            },
            rx,
        ))
    }

    /// Without the reactor (not on Unix) every connection keeps its thread,
    /// so nothing is ever parked.
    #[cfg(not(unix))]
    pub fn new() -> Park {
        Park {
            inbox: Mutex::new(Vec::new()),
        }
    }

    /// Wake the reactor (a full wake socket already means "wake up").
    pub fn wake(&self) {
        #[cfg(unix)]
        if let Some(w) = &self.wake {
            let _ = (&*w).write(&[1]);
        }
    }
}

/// Hand a connection waiting for a request to the reactor.
#[cfg(unix)]
pub(super) fn park(shared: &Arc<Shared>, mut conn: Conn) {
    if shared.stopping.load(Ordering::SeqCst) || conn.stream.set_nonblocking(true).is_err() {
        close(shared, conn);
        return;
    }
    conn.idle_since = Instant::now();
    if conn.reader.is_empty() {
        set_phase(shared, conn.id, Phase::Idle, conn.idle_since);
    }
    lock(&shared.park.inbox).push(conn);
    shared.park.wake();
}

/// Without the reactor, a connection keeps its thread.
#[cfg(not(unix))]
pub(super) fn park(_: &Arc<Shared>, _: Conn) {}

/// What the reactor decided for a connection it holds.
#[cfg(unix)]
enum Ready {
    Keep,
    Close,
    Head(Request),
    Bad(ReadError),
}

#[cfg(unix)]
fn read_ready(shared: &Shared, c: &mut Conn) -> Ready {
    for _ in 0..4 {
        match c.reader.fill(&mut c.stream) {
            Ok(0) => return Ready::Close,
            Ok(n) => add_bytes(shared, c.id, n, c.reader.started()),
            Err(e) if http::is_timeout(&e) => break,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return Ready::Close,
        }
    }
    match c.reader.take_head() {
        Ok(Some(r)) => Ready::Head(r),
        Ok(None) => Ready::Keep,
        Err(e) => Ready::Bad(e),
    }
}

/// When a parked connection's time is up: Err(true) to answer 408.
#[cfg(unix)]
fn parked_deadline(shared: &Shared, c: &Conn, now: Instant) -> Result<Instant, bool> {
    let l = &shared.limits;
    let at = match c.reader.started() {
        None => c.idle_since + l.idle_timeout,
        Some(s) => (s + l.request_timeout).min(c.reader.last_byte() + l.stall_timeout),
    };
    if now >= at {
        Err(c.reader.started().is_some())
    } else {
        Ok(at)
    }
}

/// The reactor: one thread polls every connection that waits for a
/// request, reads heads as they arrive, enforces the idle, stall and
/// whole-request limits, and gives a connection with a complete head to a
/// thread of its own.
#[cfg(unix)]
pub(super) fn reactor(shared: Arc<Shared>, wake: std::os::unix::net::UnixStream) {
    use std::os::fd::AsRawFd;
    let mut parked: Vec<Conn> = Vec::new();
    let mut fds: Vec<libc::pollfd> = Vec::new();
    while !shared.stopping.load(Ordering::SeqCst) {
        parked.append(&mut lock(&shared.park.inbox));
        let now = Instant::now();
        let mut next = now + Duration::from_secs(1);
        let mut k = 0;
        while k < parked.len() {
            match parked_deadline(&shared, &parked[k], now) {
                Ok(at) => {
                    next = next.min(at);
                    k += 1;
                }
                Err(late) => {
                    let mut c = parked.swap_remove(k);
                    if late {
                        let _ = c.stream.set_nonblocking(false);
                        let _ = c.stream.set_write_timeout(Some(Duration::from_millis(100)));
                        answer_read_error(&mut c.stream, ReadError::Timeout);
                    }
                    close(&shared, c);
                }
            }
        }
        fds.clear();
        fds.push(libc::pollfd {
            fd: wake.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        });
        fds.extend(parked.iter().map(|c| libc::pollfd {
            fd: c.stream.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        }));
        let wait = next.saturating_duration_since(Instant::now());
        let ms = (wait.as_millis() as libc::c_int).clamp(1, 1000);
        // SAFETY: `fds` is a valid array of `fds.len()` pollfd structs.
        let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, ms) };
        if n <= 0 {
            continue;
        }
        if fds[0].revents != 0 {
            let mut sink = [0u8; 256];
            while matches!((&wake).read(&mut sink), Ok(n) if n > 0) {}
        }
        // From the end, so swap_remove only moves entries already seen.
        for k in (0..parked.len()).rev() {
            if fds[k + 1].revents == 0 {
                continue;
            }
            match read_ready(&shared, &mut parked[k]) {
                Ready::Keep => {}
                Ready::Close => {
                    let c = parked.swap_remove(k);
                    close(&shared, c);
                }
                Ready::Head(req) => {
                    let c = parked.swap_remove(k);
                    spawn_worker(&shared, c, Some(req));
                }
                Ready::Bad(e) => {
                    let mut c = parked.swap_remove(k);
                    let _ = c.stream.set_nonblocking(false);
                    let _ = c.stream.set_write_timeout(Some(Duration::from_millis(100)));
                    answer_read_error(&mut c.stream, e);
                    close(&shared, c);
                }
            }
        }
    }
    for c in parked.drain(..) {
        close(&shared, c);
    }
}
