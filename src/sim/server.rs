//! The simulator's HTTP server. Every reply goes out in one write with
//! TCP_NODELAY set, so a client never waits on Nagle or a delayed ACK.
//!
//! Routes:
//! - `/usapi?method=NAME&...` (also the document's typo `/usapi/usapi`): the API.
//! - `/download/<path>/<name>`: recorded files and thumbnails, the document's
//!   `http://ip:8080/download/path/name`, served on this same port (GET and
//!   HEAD; single `Range: bytes=` ranges are honoured). No login needed.
//! - `/__sim/control`: simulator control (see `control.rs`). No login needed;
//!   requests a browser could send cross-site are refused (see
//!   `control_guard`), and `SimOptions::control_token` can require a token.
//! - `/`: a short plain-text page pointing at the above.
//!
//! While the simulated device is down (rebooting, resetting, updating)
//! API and download requests get no answer: the connection is closed.
//!
//! # Connections, and clients that abuse them
//!
//! Attackers and the honest client may all be 127.0.0.1, so nothing here is
//! per address. A connection has a thread of its own (small stack) while it
//! is busy: for its first request, a body arriving, an answer, and requests
//! that follow at once. After 50 ms of quiet it goes to the reactor, one
//! thread that `poll`s every waiting connection (idle keep-alive, or a head
//! still trickling in) and hands it a thread again once a head is complete.
//! So 1,100 idle connections or slowloris heads cost 1,100 descriptors and a
//! few hundred bytes each, not 1,100 threads waking every few hundred
//! milliseconds; threads exist only for requests in progress, at most
//! `max_connections` of them, and a client that sends at once is answered
//! without a detour through the reactor.
//!
//! - At most `ServerLimits::max_connections` connections (lowered to fit the
//!   open-file limit). When a new one arrives and all are taken, the server
//!   closes, in this order: the longest-idle connection idle for a second or
//!   more; the slowest request in progress (bytes per second since its first
//!   byte) running for a second or more; any idle one; any receiving one.
//!   Only when every connection is being answered does the newcomer get
//!   `503 Service Unavailable` (and `Connection: close`), never silence. Out
//!   of descriptors, a spare one kept for the purpose answers the 503.
//! - An idle keep-alive connection is closed after `idle_timeout` (5 s).
//! - A request that sends nothing for `stall_timeout` (10 s), or whose head
//!   and body take longer than `request_timeout` (30 s) from its first byte
//!   however steadily they drip, gets `408 Request Timeout` and is closed.
//! - A body over 64 KiB is written to an unlinked temporary file as it
//!   arrives and the firmware image is checked from there in pieces, so a
//!   connection holds at most ~100 KiB whatever it sends (bodies over 64 MiB
//!   get 413 from the Content-Length, or as the chunks cross it).
//! - `Expect: 100-continue` is answered with `100 Continue`, or at once with
//!   the final refusal (no session, device busy, control request refused)
//!   and `Connection: close`, before any byte of the body is sent.

use super::Shared;
use super::control::{self, FaultKind};
use super::device::{Device, DiskKind};
use super::http::{self, Budget, ReadError, Reader, Request, Response};
use super::methods::Call;
use serde_json::json;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Read timeout of a connection's own thread: how often it checks for
/// shutdown and its limits, and how long it waits for a next request
/// before handing the connection back to the reactor.
const WORKER_POLL: Duration = Duration::from_millis(50);
/// Read timeout while a body arrives (limits are checked this often).
const BODY_POLL: Duration = Duration::from_millis(250);
/// Stack of a connection thread: requests need little (replies are built
/// on the heap), and 1,000 threads should not reserve 2 GiB.
const WORKER_STACK: usize = 256 * 1024;
/// The body size of the `oversized` fault.
const OVERSIZED_BYTES: usize = 9 * 1024 * 1024;
/// Largest control command body.
const MAX_CONTROL_BODY: usize = 64 * 1024;
/// Descriptors left to the rest of the process when sizing the cap.
#[cfg_attr(not(unix), allow(dead_code))] // used by the Unix-only reactor
const FD_RESERVE: u64 = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for a request (nothing of one received yet).
    Idle,
    /// A request is arriving.
    Receiving,
    /// A request is being answered.
    Answering,
}

/// The registry's view of one connection, for eviction and for closing
/// every connection (stop, reboot) from another thread.
pub(crate) struct Entry {
    /// A clone of the socket: `shutdown` on it wakes whoever owns the
    /// connection (its thread's read fails, the reactor's poll reports it).
    stream: TcpStream,
    phase: Phase,
    /// Idle: since when. Receiving: when the request began.
    since: Instant,
    /// Bytes of the current request so far.
    bytes: u64,
    /// Closed to make room; its owner has not noticed yet.
    evicted: bool,
}

impl Entry {
    pub fn close(&self) {
        let _ = self.stream.shutdown(Shutdown::Both);
    }
}

pub(crate) type Registry = HashMap<u64, Entry>;

/// The client address of connection `id` (for the log).
fn peer(shared: &Shared, id: u64) -> Option<std::net::SocketAddr> {
    let reg = shared.conns.lock().unwrap_or_else(|p| p.into_inner());
    reg.get(&id).and_then(|e| e.stream.peer_addr().ok())
}

/// A connection and what has been read from it.
pub(crate) struct Conn {
    id: u64,
    stream: TcpStream,
    reader: Reader,
    #[cfg_attr(not(unix), allow(dead_code))] // used by the Unix-only reactor
    idle_since: Instant,
}

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

/// The connection cap for this process: the configured one, lowered so the
/// sockets fit in the open-file limit.
pub(crate) fn effective_cap(configured: usize) -> usize {
    #[cfg(unix)]
    {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: a valid, correctly sized rlimit struct.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } == 0 {
            #[allow(clippy::unnecessary_cast)] // rlim_t is not u64 everywhere
            let fit = (lim.rlim_cur as u64).saturating_sub(FD_RESERVE).max(16);
            return configured.min(usize::try_from(fit).unwrap_or(usize::MAX));
        }
    }
    configured
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Start the reactor and the acceptor; the acceptor's handle is returned,
/// the reactor's goes with the connection threads.
pub(crate) fn spawn(listener: TcpListener, shared: Arc<Shared>) -> std::io::Result<JoinHandle<()>> {
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
    #[cfg(unix)]
    if let Some(rx) = shared
        .wake_rx
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take()
    {
        let sh = Arc::clone(&shared);
        let r = std::thread::Builder::new()
            .name(format!("usapi-sim-reactor-{port}"))
            .spawn(move || reactor(sh, rx))?;
        lock(&shared.threads).push(r);
    }
    std::thread::Builder::new()
        .name(format!("usapi-sim-{port}"))
        .spawn(move || accept_loop(listener, shared))
}

/// A refusal sent on a connection we will not serve: one small write that
/// never blocks, then close.
fn refuse(stream: TcpStream, in_use: usize) {
    let r = Response::json(
        503,
        json!({"ok": false, "error": format!(
            "the simulator is serving {in_use} connections, all busy answering: try again shortly"
        )})
        .to_string(),
    );
    let mut r = r;
    r.close = true;
    r.headers.push(("Retry-After".into(), "1".into()));
    let _ = stream.set_nonblocking(true);
    let mut s = &stream;
    let _ = s.write_all(&r.to_bytes(false, true));
    let _ = stream.shutdown(Shutdown::Write);
    // Read what the client already sent, so closing does not reset the
    // connection before it reads the 503.
    let mut scratch = [0u8; 4096];
    for _ in 0..16 {
        match s.read(&mut scratch) {
            Ok(n) if n > 0 => {}
            _ => break,
        }
    }
}

#[cfg(unix)]
fn is_out_of_descriptors(e: &std::io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::EMFILE) | Some(libc::ENFILE))
}

#[cfg(not(unix))]
fn is_out_of_descriptors(_: &std::io::Error) -> bool {
    false
}

fn open_spare() -> Option<std::fs::File> {
    #[cfg(unix)]
    {
        std::fs::File::open("/dev/null").ok()
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// Close one connection to make room; false if every one is answering.
fn evict_one(reg: &mut Registry) -> bool {
    let now = Instant::now();
    let grace = Duration::from_secs(1);
    let age = |e: &Entry| now.saturating_duration_since(e.since);
    let rate = |e: &Entry| e.bytes as f64 / age(e).as_secs_f64().max(0.001);
    let live = || reg.iter().filter(|(_, e)| !e.evicted);
    let idle = || live().filter(|(_, e)| e.phase == Phase::Idle);
    let recv = || live().filter(|(_, e)| e.phase == Phase::Receiving);
    let oldest_idle = |min: Duration| {
        idle()
            .filter(|(_, e)| age(e) >= min)
            .max_by_key(|(_, e)| age(e))
            .map(|(id, _)| *id)
    };
    let slowest = |min: Duration| {
        recv()
            .filter(|(_, e)| age(e) >= min)
            .min_by(|a, b| rate(a.1).total_cmp(&rate(b.1)))
            .map(|(id, _)| *id)
    };
    let victim = oldest_idle(grace)
        .or_else(|| slowest(grace))
        .or_else(|| oldest_idle(Duration::ZERO))
        .or_else(|| slowest(Duration::ZERO));
    match victim.and_then(|id| reg.get_mut(&id)) {
        Some(e) => {
            e.evicted = true;
            e.close();
            true
        }
        None => false,
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut spare = open_spare();
    loop {
        let accepted = listener.accept();
        if shared.stopping.load(Ordering::SeqCst) {
            break;
        }
        let stream = match accepted {
            Ok((s, _)) => s,
            Err(e) if is_out_of_descriptors(&e) => {
                // Free a descriptor for later, and use the spare one to
                // tell this client why it is not served.
                let in_use = {
                    let mut reg = lock(&shared.conns);
                    evict_one(&mut reg);
                    reg.len()
                };
                drop(spare.take());
                if let Ok((s, _)) = listener.accept() {
                    refuse(s, in_use);
                }
                spare = open_spare();
                std::thread::sleep(Duration::from_millis(5));
                continue;
            }
            Err(_) => {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let _ = stream.set_write_timeout(Some(Duration::from_secs(20)));
        let id = shared.next_conn.fetch_add(1, Ordering::Relaxed);
        let clone = match stream.try_clone() {
            Ok(c) => c,
            Err(_) => {
                refuse(stream, 0);
                continue;
            }
        };
        {
            let mut reg = lock(&shared.conns);
            let live = reg.values().filter(|e| !e.evicted).count();
            if live >= shared.cap && !evict_one(&mut reg) {
                drop(reg);
                drop(clone);
                refuse(stream, live);
                continue;
            }
            reg.insert(
                id,
                Entry {
                    stream: clone,
                    phase: Phase::Idle,
                    since: Instant::now(),
                    bytes: 0,
                    evicted: false,
                },
            );
        }
        let conn = Conn {
            id,
            stream,
            reader: Reader::new(),
            idle_since: Instant::now(),
        };
        // Most clients send their request at once: a thread of its own
        // waits for it (50 ms), so it is answered without a detour through
        // the reactor; a connection that stays quiet is parked there.
        spawn_worker(&shared, conn, None);
    }
}

fn set_phase(shared: &Shared, id: u64, phase: Phase, since: Instant) {
    set_phase_in(&mut lock(&shared.conns), id, phase, since);
}

/// `set_phase` with the registry already locked. Idle stays idle since the
/// moment the last reply went out: handing the connection to the reactor
/// later does not make it younger (or the longest-idle connection would
/// be whichever was parked first, a matter of thread scheduling).
fn set_phase_in(reg: &mut Registry, id: u64, phase: Phase, since: Instant) {
    if let Some(e) = reg.get_mut(&id) {
        if e.phase != phase || phase == Phase::Idle {
            e.bytes = 0;
        }
        if !(phase == Phase::Idle && e.phase == Phase::Idle) {
            e.since = since;
        }
        e.phase = phase;
    }
}

/// How a connection's phase changes once its reply is out.
#[derive(Clone, Copy)]
struct After<'a> {
    shared: &'a Shared,
    id: u64,
    /// When a pipelined next request began (already buffered), else None.
    next: Option<Instant>,
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
    fn finish(&self, stream: &mut TcpStream, bytes: &[u8]) -> std::io::Result<()> {
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

fn add_bytes(shared: &Shared, id: u64, n: usize, started: Option<Instant>) {
    if let Some(e) = lock(&shared.conns).get_mut(&id) {
        if e.phase == Phase::Idle {
            e.phase = Phase::Receiving;
            e.since = started.unwrap_or_else(Instant::now);
            e.bytes = 0;
        }
        e.bytes += n as u64;
    }
}

/// Forget a connection and close it.
fn close(shared: &Shared, conn: Conn) {
    lock(&shared.conns).remove(&conn.id);
    let _ = conn.stream.shutdown(Shutdown::Both);
}

/// Answer a request that could not be read, if it deserves an answer.
fn answer_read_error(stream: &mut TcpStream, e: ReadError) {
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

/// Hand a connection waiting for a request to the reactor.
#[cfg(unix)]
fn park(shared: &Arc<Shared>, mut conn: Conn) {
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
fn park(_: &Arc<Shared>, _: Conn) {}

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
fn reactor(shared: Arc<Shared>, wake: std::os::unix::net::UnixStream) {
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

/// Give a connection a thread of its own to read and answer requests.
fn spawn_worker(shared: &Arc<Shared>, conn: Conn, first: Option<Request>) {
    if conn.stream.set_nonblocking(false).is_err()
        || conn.stream.set_read_timeout(Some(WORKER_POLL)).is_err()
    {
        close(shared, conn);
        return;
    }
    let id = conn.id;
    // The thread may fail to start; keep a handle on the socket to refuse.
    let fallback = conn.stream.try_clone();
    let sh = Arc::clone(shared);
    let spawned = std::thread::Builder::new()
        .name(format!("usapi-sim-conn-{id}"))
        .stack_size(WORKER_STACK)
        .spawn(move || serve(conn, first, &sh));
    match spawned {
        Ok(h) => {
            let mut threads = lock(&shared.threads);
            threads.retain(|t| !t.is_finished());
            threads.push(h);
        }
        Err(_) => {
            let in_use = {
                let mut reg = lock(&shared.conns);
                reg.remove(&id);
                reg.len()
            };
            if let Ok(s) = fallback {
                refuse(s, in_use);
            }
        }
    }
}

/// What to do with the connection after routing a request.
pub(crate) enum Action {
    Reply(Response),
    /// Close without answering.
    Close,
    /// Read and ignore until the client closes.
    NoAnswer,
    /// Send head and part of the body, then RST.
    Reset(Response),
    /// Announce more body than is sent, then close.
    Truncate(Response),
    Download(Download),
}

/// After a request: keep the connection, close it, or it is already gone.
enum Next {
    Keep,
    Close,
    Gone,
}

/// A connection's thread: read bodies, answer, and take the requests that
/// follow at once; hand the connection back to the reactor when it goes
/// quiet.
fn serve(mut conn: Conn, first: Option<Request>, shared: &Arc<Shared>) {
    let alive = || !shared.stopping.load(Ordering::SeqCst);
    let id = conn.id;
    let progress = |n: usize| add_bytes(shared, id, n, None);
    let budget = Budget {
        alive: &alive,
        stall: shared.limits.stall_timeout,
        request: shared.limits.request_timeout,
        progress: &progress,
    };
    // Without a reactor this thread also waits out idle keep-alive time.
    let linger = if cfg!(unix) {
        WORKER_POLL
    } else {
        shared.limits.idle_timeout
    };
    let mut next = first;
    loop {
        let mut req = match next.take() {
            Some(r) => r,
            None => {
                let _ = conn.stream.set_read_timeout(Some(WORKER_POLL));
                match conn.reader.read_head(&mut conn.stream, &budget, linger) {
                    Ok(Some(r)) => r,
                    Ok(None) if cfg!(unix) => {
                        park(shared, conn);
                        return;
                    }
                    Ok(None) => break,
                    Err(e) => {
                        answer_read_error(&mut conn.stream, e);
                        break;
                    }
                }
            }
        };
        set_phase(
            shared,
            id,
            Phase::Receiving,
            conn.reader.started().unwrap_or_else(Instant::now),
        );
        // Wake less often while a body arrives: a drip of many connections
        // must not cost thousands of wake-ups a second.
        let _ = conn.stream.set_read_timeout(Some(BODY_POLL));
        let has_body = match req.content_length() {
            Ok(len) => len != Some(0),
            Err(e) => {
                answer_read_error(&mut conn.stream, e);
                break;
            }
        };
        if let Some(mut refusal) = early_refusal(shared, &req, id) {
            // Refused before the body: with Expect the client has not sent
            // it, so answer and close; otherwise read it past, then answer.
            let unread = has_body && req.expects_continue();
            if has_body && !unread {
                if let Err(e) = conn
                    .reader
                    .read_body(&mut conn.stream, &mut req, &budget, true)
                {
                    answer_read_error(&mut conn.stream, e);
                    break;
                }
            }
            refusal.close |= unread || !req.keep_alive();
            let out = refusal.to_bytes(true, req.method != "HEAD");
            if refusal.close {
                let _ = conn.stream.write_all(&out);
                break;
            }
            let after = After {
                shared,
                id,
                next: conn.reader.started(),
            };
            if after.finish(&mut conn.stream, &out).is_err() {
                break;
            }
            continue;
        }
        if has_body && req.expects_continue() && conn.reader.is_empty() {
            let _ = conn.stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
        }
        if let Err(e) = conn
            .reader
            .read_body(&mut conn.stream, &mut req, &budget, false)
        {
            answer_read_error(&mut conn.stream, e);
            break;
        }
        set_phase(shared, id, Phase::Answering, Instant::now());
        let after = After {
            shared,
            id,
            next: conn.reader.started(),
        };
        match answer(&mut conn.stream, &req, id, after) {
            Next::Keep => {}
            Next::Close => break,
            Next::Gone => return,
        }
    }
    close(shared, conn);
}

/// Route one request and send what it gets.
fn answer(stream: &mut TcpStream, req: &Request, id: u64, after: After<'_>) -> Next {
    let shared = after.shared;
    let keep = req.keep_alive();
    let head_only = req.method == "HEAD";
    match route(shared, req, id) {
        Action::Reply(r) => {
            let out = r.to_bytes(keep, !head_only);
            if !keep || r.close {
                let _ = stream.write_all(&out);
                return Next::Close;
            }
            if after.finish(stream, &out).is_err() {
                return Next::Close;
            }
            Next::Keep
        }
        Action::Close => Next::Close,
        Action::NoAnswer => {
            hold_open(stream, shared);
            Next::Close
        }
        Action::Reset(r) => {
            let full = r.to_bytes(false, true);
            let head_len = full.len() - r.body.len();
            let cut = head_len + r.body.len() / 2;
            let _ = stream.write_all(&full[..cut]);
            let _ = stream.flush();
            // Give the bytes a moment to leave before the RST overtakes them.
            std::thread::sleep(Duration::from_millis(20));
            // The registry holds a clone of this socket: drop it first,
            // or closing this handle would not close the socket.
            lock(&shared.conns).remove(&id);
            set_linger_zero(stream);
            Next::Gone
        }
        Action::Truncate(r) => {
            let mut out = r.head_bytes(r.body.len() as u64 + 1000, false);
            out.extend_from_slice(&r.body);
            let _ = stream.write_all(&out);
            let _ = stream.shutdown(Shutdown::Write);
            Next::Close
        }
        Action::Download(d) => {
            if !send_download(stream, &d, keep, head_only, after) || !keep {
                return Next::Close;
            }
            Next::Keep
        }
    }
}

/// Keep the socket open, discarding input, until the client goes or the
/// server stops.
fn hold_open(stream: &mut TcpStream, shared: &Shared) {
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
fn set_linger_zero(stream: &TcpStream) {
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
fn set_linger_zero(stream: &TcpStream) {
    let _ = stream.shutdown(Shutdown::Both);
}

/// Sleep in slices, giving up early when the server stops.
fn sleep_interruptible(ms: u64, shared: &Shared) {
    let end = Instant::now() + Duration::from_millis(ms);
    while !shared.stopping.load(Ordering::SeqCst) {
        let now = Instant::now();
        if now >= end {
            return;
        }
        std::thread::sleep((end - now).min(Duration::from_millis(20)));
    }
}

thread_local! {
    /// Set by `route_deferred`: the request's delay is handed back to the
    /// caller (an event loop that sends the reply later) instead of slept.
    static DEFERRED_MS: std::cell::Cell<Option<u64>> = const { std::cell::Cell::new(None) };
}

/// `route` for an event loop: the latency (configured and faults) is not
/// slept but returned, in milliseconds, for the caller to wait out.
#[cfg_attr(not(unix), allow(dead_code))] // used by Unix-only code
pub(crate) fn route_deferred(shared: &Shared, req: &Request, conn: u64) -> (Action, u64) {
    DEFERRED_MS.with(|d| d.set(Some(0)));
    let action = route(shared, req, conn);
    let ms = DEFERRED_MS.with(|d| d.take()).unwrap_or(0);
    (action, ms)
}

fn route(shared: &Shared, req: &Request, conn: u64) -> Action {
    let path = req.path.as_str();
    if is_control(path) {
        let resp = control_route(shared, req, conn);
        if let Some(log) = &shared.log {
            log.control(shared, conn, peer(shared, conn), req, resp.status);
        }
        return Action::Reply(resp);
    }
    if is_api(path) {
        let Some(log) = &shared.log else {
            return api(shared, req, conn);
        };
        let started = Instant::now();
        let action = api(shared, req, conn);
        let (label, resp) = match &action {
            Action::Reply(r) => ("", Some(r)),
            Action::Reset(r) => ("then reset", Some(r)),
            Action::Truncate(r) => ("truncated", Some(r)),
            Action::Close => ("closed: the device is down", None),
            Action::NoAnswer => ("no answer", None),
            Action::Download(_) => ("download", None),
        };
        log.request(shared, conn, peer(shared, conn), req, label, resp, started);
        return action;
    }
    if let Some(rest) = path.strip_prefix("/download/") {
        if shared.with_device(Some(conn), |d| d.is_down()) {
            return Action::Close;
        }
        return match shared.with_device(Some(conn), |d| find_download(d, rest)) {
            Some(mut d) => {
                d.range = req.header("range").map(str::to_string);
                Action::Download(d)
            }
            None => Action::Reply(Response::text(404, "text/plain", "no such file\n")),
        };
    }
    if path == "/" {
        return Action::Reply(Response::text(
            200,
            "text/plain; charset=utf-8",
            "ultrastream-sim: a simulated Magewell Ultra Stream.\n\
             API:       /usapi?method=ping  (log in with /usapi?method=login&id=USER&pass=MD5HEX)\n\
             Downloads: /download/media/disk0/<root-folder>/<file>\n\
             Control:   POST /__sim/control {\"cmd\":\"state\"} (Content-Type: application/json)  or  GET /__sim/control?cmd=state\n",
        ));
    }
    Action::Reply(Response::text(404, "text/plain", "not found\n"))
}

fn control_route(shared: &Shared, req: &Request, conn: u64) -> Response {
    if let Some(refused) = control_guard(shared, req) {
        return refused;
    }
    if req.spool.is_some() {
        return control_error(413, "the control command is larger than 64 KiB");
    }
    let result = if req.method == "POST" && !req.body.is_empty() {
        control::run(shared, &String::from_utf8_lossy(&req.body), Some(conn))
    } else {
        let pairs = http::parse_query(&req.query);
        if pairs.is_empty() {
            Err("send a JSON command as the POST body (Content-Type: application/json), or ?cmd=NAME&key=value".to_string())
        } else {
            control::run_value(shared, &control::query_to_json(&pairs), Some(conn))
        }
    };
    match result {
        Ok(v) => Response::json(200, v.to_string()),
        Err(e) => Response::json(400, json!({"ok": false, "error": e}).to_string()),
    }
}

fn control_error(status: u16, why: &str) -> Response {
    Response::json(status, json!({"ok": false, "error": why}).to_string())
}

/// Compare without an early exit, so timing does not reveal the token.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Refuse control requests a web page could make a browser send: anything
/// with an `Origin` header or a `Sec-Fetch-Site` other than "none" (a
/// request the user typed), and bodies that are not JSON (`text/plain` and
/// form posts need no CORS preflight; `application/json` does, and the
/// simulator never answers one). With a control token, require
/// `Authorization: Bearer <token>` (a header no cross-site page can add
/// without a preflight). Never echoes the token.
fn control_guard(shared: &Shared, req: &Request) -> Option<Response> {
    if !matches!(req.method.as_str(), "GET" | "HEAD" | "POST") {
        return Some(control_error(405, "the control endpoint takes GET or POST"));
    }
    if req.header("origin").is_some() {
        return Some(control_error(
            403,
            "control requests with an Origin header are refused (a web page may have sent it); use curl, the library or Simulator::control",
        ));
    }
    if req
        .header("sec-fetch-site")
        .is_some_and(|v| !v.trim().eq_ignore_ascii_case("none"))
    {
        return Some(control_error(
            403,
            "control requests a browser sent on behalf of a web page (Sec-Fetch-Site) are refused",
        ));
    }
    if let Some(token) = &shared.control_token {
        let given = req
            .header("authorization")
            .and_then(|v| v.trim().strip_prefix("Bearer "))
            .map(str::trim)
            .unwrap_or("");
        if !same_secret(given.as_bytes(), token.as_bytes()) {
            return Some(control_error(
                401,
                "this simulator requires its control token: send the header 'Authorization: Bearer <token>'",
            ));
        }
    }
    let has_body = req.chunked() || req.content_length().is_ok_and(|l| l.is_some_and(|n| n > 0));
    if has_body {
        let json_type = req.header("content-type").is_some_and(|c| {
            let c = c.trim().to_ascii_lowercase();
            c == "application/json" || c.starts_with("application/json;")
        });
        if !json_type {
            return Some(control_error(
                415,
                "a control command body must be sent with Content-Type: application/json",
            ));
        }
        if req
            .content_length()
            .is_ok_and(|l| l.is_some_and(|n| n > MAX_CONTROL_BODY))
        {
            return Some(control_error(
                413,
                "the control command is larger than 64 KiB",
            ));
        }
    }
    None
}

fn is_control(path: &str) -> bool {
    path == "/__sim/control" || path == "/__sim/control/"
}

fn is_api(path: &str) -> bool {
    matches!(
        path,
        "/usapi" | "/usapi/" | "/usapi/usapi" | "/usapi/usapi/"
    )
}

/// A final answer decided from the head alone, sent instead of reading
/// (and storing) a body that would be refused anyway.
fn early_refusal(shared: &Shared, req: &Request, conn: u64) -> Option<Response> {
    if is_control(&req.path) {
        return control_guard(shared, req);
    }
    if !is_api(&req.path) {
        return None;
    }
    let uploading = http::parse_query(&req.query)
        .iter()
        .any(|(k, v)| k == "method" && v == "upload-update-file");
    if !uploading {
        return None;
    }
    let sids = http::cookie_sids(req);
    let body = shared.with_device(Some(conn), |d| {
        if d.is_down() {
            None
        } else {
            d.upload_refusal(&sids)
        }
    })?;
    Some(Response::json(200, body.to_string()))
}

fn api(shared: &Shared, req: &Request, conn: u64) -> Action {
    let mut params = http::parse_query(&req.query);
    let content_type = req.header("content-type");
    if req.spool.is_none()
        && content_type.is_some_and(|c| {
            c.to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        })
    {
        params.extend(http::parse_query(&String::from_utf8_lossy(&req.body)));
    }
    let method = params
        .iter()
        .find(|(k, _)| k == "method")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();

    let hit = {
        let mut faults = shared.faults.lock().unwrap_or_else(|p| p.into_inner());
        if faults.is_empty() {
            control::FaultHit::default()
        } else {
            control::take_faults(&mut faults, &method)
        }
    };
    if let Some(log) = &shared.log {
        let kind = hit.kind.map(|k| format!("{k:?}")).unwrap_or_default();
        log.fault(&method, &kind, hit.latency_ms);
    }
    // The configured latency and latency faults add up; the sleep holds
    // this connection's thread only, never another connection or device.
    let delay = hit.latency_ms.saturating_add(shared.request_latency_ms());
    if delay > 0 && !DEFERRED_MS.with(|d| d.get().is_some()) {
        sleep_interruptible(delay, shared);
    }
    DEFERRED_MS.with(|d| {
        if d.get().is_some() {
            d.set(Some(delay));
        }
    });
    match hit.kind {
        Some(FaultKind::NoAnswer) => return Action::NoAnswer,
        Some(FaultKind::Reboot) => {
            shared.with_device(Some(conn), |d| {
                if !d.is_down() {
                    d.crash_reboot();
                }
            });
            return Action::Close;
        }
        Some(FaultKind::NonJson) => {
            return Action::Reply(Response::text(
                200,
                "text/html",
                "<!DOCTYPE html>\n<html><head><title>Ultra Stream</title></head><body><p>Loading...</p></body></html>\n",
            ));
        }
        Some(FaultKind::Http500) => {
            return Action::Reply(Response::text(
                500,
                "text/html",
                "<html><body><h1>500 Internal Server Error</h1></body></html>\n",
            ));
        }
        Some(FaultKind::Oversized) => {
            let mut body = Vec::with_capacity(OVERSIZED_BYTES + 64);
            body.extend_from_slice(b"{\"result\":0,\"padding\":\"");
            body.resize(OVERSIZED_BYTES, b'x');
            body.extend_from_slice(b"\"}");
            return Action::Reply(Response {
                status: 200,
                content_type: "application/json",
                headers: Vec::new(),
                body,
                close: false,
            });
        }
        _ => {}
    }

    let sids = http::cookie_sids(req);
    // Read and check an uploaded image before taking the device lock.
    let upload = (method == "upload-update-file").then(|| {
        let filename = params
            .iter()
            .find(|(k, _)| k == "filename")
            .map(|(_, v)| v.as_str());
        super::firmware::inspect_upload(shared.model, req, filename)
    });
    let (power, outcome) = shared.with_device(Some(conn), |d| {
        let power = super::control::power_label(d);
        if d.is_down() {
            let body = d.down_answer();
            return (
                power,
                body.map(|body| super::methods::Outcome {
                    body,
                    set_cookie: None,
                }),
            );
        }
        if method.is_empty() {
            return (
                power,
                Some(super::methods::Outcome {
                    body: json!({"result": crate::model::codes::ERR_PARAM}),
                    set_cookie: None,
                }),
            );
        }
        let out = d.call(&Call {
            method: &method,
            params: &params,
            sids: &sids,
            body: &req.body,
            upload: upload.as_ref(),
        });
        (power, Some(out))
    });
    shared.record(
        &method,
        &power,
        if outcome.is_some() {
            "answered"
        } else {
            "closed"
        },
    );
    let Some(outcome) = outcome else {
        return Action::Close;
    };
    let mut resp = Response::json(200, outcome.body.to_string());
    if let Some(sid) = outcome.set_cookie {
        resp.headers
            .push(("Set-Cookie".into(), format!("sid={sid}; path=/")));
    }
    match hit.kind {
        Some(FaultKind::Reset) => Action::Reset(resp),
        Some(FaultKind::Truncate) => Action::Truncate(resp),
        _ => Action::Reply(resp),
    }
}

/// A file to send.
pub(crate) struct Download {
    pub size: u64,
    pub content_type: &'static str,
    pub thumb: bool,
    pub seed: u64,
    /// The request's Range header.
    pub range: Option<String>,
}

/// Resolve `media/disk0/<folder>/<name>` or
/// `media/disk0/<folder>/thumbnail/<thumbnail-name>[.jpg]`.
fn find_download(d: &Device, rest: &str) -> Option<Download> {
    let rest = rest.strip_prefix("media/disk")?;
    let (n, rel) = rest.split_once('/')?;
    let disk = match n {
        "0" => d.disk(DiskKind::Usb),
        "1" => d.disk(DiskKind::Sd),
        _ => return None,
    };
    if !disk.present {
        return None;
    }
    for f in &disk.files {
        let Some(tail) = rel
            .strip_prefix(f.folder.as_str())
            .and_then(|t| t.strip_prefix('/'))
        else {
            continue;
        };
        if tail == f.name {
            let content_type = if f.name.ends_with(".mov") {
                "video/quicktime"
            } else {
                "video/mp4"
            };
            return Some(Download {
                size: f.size,
                content_type,
                thumb: false,
                seed: f.seq,
                range: None,
            });
        }
        if let Some(t) = tail.strip_prefix("thumbnail/") {
            if t == f.thumb || t.strip_suffix(".jpg") == Some(f.thumb.as_str()) {
                return Some(Download {
                    size: THUMB.len() as u64,
                    content_type: "image/jpeg",
                    thumb: true,
                    seed: f.seq,
                    range: None,
                });
            }
        }
    }
    None
}

/// A 1×1 grey baseline JPEG (thumbnails).
const THUMB: &[u8] = &[
    0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01,
    0x00, 0x01, 0x00, 0x00, 0xFF, 0xDB, 0x00, 0x43, 0x00, 0x08, 0x06, 0x06, 0x07, 0x06, 0x05, 0x08,
    0x07, 0x07, 0x07, 0x09, 0x09, 0x08, 0x0A, 0x0C, 0x14, 0x0D, 0x0C, 0x0B, 0x0B, 0x0C, 0x19, 0x12,
    0x13, 0x0F, 0x14, 0x1D, 0x1A, 0x1F, 0x1E, 0x1D, 0x1A, 0x1C, 0x1C, 0x20, 0x24, 0x2E, 0x27, 0x20,
    0x22, 0x2C, 0x23, 0x1C, 0x1C, 0x28, 0x37, 0x29, 0x2C, 0x30, 0x31, 0x34, 0x34, 0x34, 0x1F, 0x27,
    0x39, 0x3D, 0x38, 0x32, 0x3C, 0x2E, 0x33, 0x34, 0x32, 0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x01,
    0x00, 0x01, 0x01, 0x01, 0x11, 0x00, 0xFF, 0xC4, 0x00, 0x14, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09, 0xFF, 0xC4,
    0x00, 0x14, 0x10, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00,
    0x2A, 0x9F, 0xFF, 0xD9,
];

/// Byte `i` of a simulated recording: an MP4 `ftyp` box, then filler.
fn video_bytes(seed: u64, start: u64, out: &mut [u8]) {
    const FTYP: &[u8] = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41";
    for (k, b) in out.iter_mut().enumerate() {
        let i = start + k as u64;
        *b = if (i as usize) < FTYP.len() {
            FTYP[i as usize]
        } else {
            let x =
                i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ seed.wrapping_mul(0xBF58_476D_1CE4_E5B9);
            (x >> 29) as u8
        };
    }
}

/// Parse a single `bytes=a-b` range against `size`. None: serve it whole;
/// Some(Err): unsatisfiable.
fn parse_range(h: &str, size: u64) -> Option<Result<(u64, u64), ()>> {
    let spec = h.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let (a, b) = (a.trim(), b.trim());
    let range = if a.is_empty() {
        let n: u64 = b.parse().ok()?;
        if n == 0 || size == 0 {
            return Some(Err(()));
        }
        (size.saturating_sub(n), size - 1)
    } else {
        let start: u64 = a.parse().ok()?;
        let end = if b.is_empty() {
            size.saturating_sub(1)
        } else {
            b.parse::<u64>().ok()?.min(size.saturating_sub(1))
        };
        if start >= size || end < start {
            return Some(Err(()));
        }
        (start, end)
    };
    Some(Ok(range))
}

/// Send a download. Small ones go out in one write; large ones stream.
fn send_download(
    stream: &mut TcpStream,
    d: &Download,
    keep: bool,
    head_only: bool,
    after: After<'_>,
) -> bool {
    let shared = after.shared;
    let (status, start, end) = match d.range.as_deref().and_then(|h| parse_range(h, d.size)) {
        Some(Ok((a, b))) => (206, a, b + 1),
        Some(Err(())) => {
            let mut r = Response::text(416, "text/plain", "range not satisfiable\n");
            r.headers
                .push(("Content-Range".into(), format!("bytes */{}", d.size)));
            return after.finish(stream, &r.to_bytes(keep, true)).is_ok();
        }
        None => (200, 0, d.size),
    };
    let mut r = Response::text(status, d.content_type, Vec::new());
    r.headers.push(("Accept-Ranges".into(), "bytes".into()));
    if status == 206 {
        r.headers.push((
            "Content-Range".into(),
            format!("bytes {start}-{}/{}", end.saturating_sub(1), d.size),
        ));
    }
    let len = end - start;
    let mut out = r.head_bytes(len, keep);
    if head_only {
        return after.finish(stream, &out).is_ok();
    }
    const CHUNK: u64 = 256 * 1024;
    let mut pos = start;
    loop {
        let n = (end - pos).min(CHUNK) as usize;
        let at = out.len();
        out.resize(at + n, 0);
        if d.thumb {
            out[at..].copy_from_slice(&THUMB[pos as usize..pos as usize + n]);
        } else {
            video_bytes(d.seed, pos, &mut out[at..]);
        }
        pos += n as u64;
        if pos >= end {
            return after.finish(stream, &out).is_ok();
        }
        if stream.write_all(&out).is_err() {
            return false;
        }
        out.clear();
        if shared.stopping.load(Ordering::SeqCst) {
            return false;
        }
    }
}

/// See `sim::fuzz_request_reader`.
pub(crate) fn fuzz_requests(data: &[u8]) -> usize {
    struct Pieces<'a> {
        data: &'a [u8],
        step: usize,
    }
    impl Read for Pieces<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.data.len().min(self.step).min(out.len());
            out[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }
    let Some((&first, data)) = data.split_first() else {
        return 0;
    };
    let step = if first == 0 {
        usize::MAX
    } else {
        1 + first as usize % 64
    };
    let mut src = Pieces { data, step };
    let alive = || true;
    let progress = |_: usize| {};
    let budget = Budget {
        alive: &alive,
        stall: Duration::from_secs(3600),
        request: Duration::from_secs(3600),
        progress: &progress,
    };
    let mut reader = Reader::new();
    let mut n = 0;
    while n < 64 {
        let mut req = match reader.read_head(&mut src, &budget, Duration::ZERO) {
            Ok(Some(r)) => r,
            Ok(None) | Err(_) => break,
        };
        n += 1;
        let _ = (
            req.keep_alive(),
            req.expects_continue(),
            http::cookie_sids(&req),
        );
        let params = http::parse_query(&req.query);
        if let Some(r) = req.header("range") {
            let _ = (
                parse_range(r, 1000),
                parse_range(r, 0),
                parse_range(r, u64::MAX),
            );
        }
        if reader
            .read_body(&mut src, &mut req, &budget, false)
            .is_err()
        {
            break;
        }
        if is_control(&req.path) {
            let _ = control::query_to_json(&params);
            let _ = serde_json::from_slice::<serde_json::Value>(&req.body);
        }
        let _ = http::parse_query(&String::from_utf8_lossy(&req.body));
        let filename = params
            .iter()
            .find(|(k, _)| k == "filename")
            .map(|(_, v)| v.as_str());
        for model in [super::Model::Hdmi, super::Model::Sdi] {
            let _ = super::firmware::inspect_upload(model, &req, filename);
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-9", 100), Some(Ok((0, 9))));
        assert_eq!(parse_range("bytes=90-", 100), Some(Ok((90, 99))));
        assert_eq!(parse_range("bytes=-10", 100), Some(Ok((90, 99))));
        assert_eq!(parse_range("bytes=0-1000", 100), Some(Ok((0, 99))));
        assert_eq!(parse_range("bytes=100-", 100), Some(Err(())));
        assert_eq!(parse_range("bytes=1-2,4-5", 100), None);
        assert_eq!(parse_range("items=1-2", 100), None);
    }

    #[test]
    fn video_starts_with_ftyp() {
        let mut b = [0u8; 12];
        video_bytes(1, 0, &mut b);
        assert_eq!(&b[4..8], b"ftyp");
    }
}
