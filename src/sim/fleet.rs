//! Simulator layer (`sim`), beside `server`: many simulated devices from
//! one process with few threads, `Fleet`.
//!
//! Each device is the same as a `Simulator`'s (its own state, sessions,
//! serial number, faults and port); what differs is the server. Instead of
//! an acceptor, a reactor and a thread per request for every device, a few
//! event-loop threads (mio) each own a share of the devices' listening
//! sockets and their connections, parse requests with the same reader,
//! route them with the same code, and send each reply when its latency (the
//! configured one plus `latency` faults) has passed, from a timer heap. So
//! 4096 devices answering in 100 ms cost a few threads and one descriptor
//! per listener and per connection, not 8,000 threads.
//!
//! What a fleet device does not do (run the device alone, `Simulator`, for
//! these): serve downloads (501), take request bodies over 64 KiB or chunked
//! (413 / 501: firmware uploads), answer discovery, or send
//! `100 Continue`. A device that reboots closes each connection at its next
//! request rather than at once. The `reset` fault closes the connection;
//! `truncate` sends half the body then closes; `no-answer` keeps the
//! connection open and silent.

use super::http::{self, ReadError, Reader, Request, Response};
use super::server::{self, Action};
use super::{Shared, SimOptions};
use crate::error::Error;
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token, Waker};
use serde_json::json;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Tokens below this are listeners (their index in the thread's share).
const CONN_BASE: usize = 1 << 32;
const WAKE: Token = Token(usize::MAX);

/// Many simulated devices served by a few event-loop threads. Stops (and
/// joins its threads) on `stop` or drop.
pub struct Fleet {
    shared: Vec<Arc<Shared>>,
    addrs: Vec<SocketAddr>,
    stop: Arc<AtomicBool>,
    wakers: Vec<Arc<Waker>>,
    threads: Vec<JoinHandle<()>>,
}

impl Fleet {
    /// Start `count` devices, all with `opts` (ports `opts.port`,
    /// `opts.port + 1`, ... or each an ephemeral one when it is 0; a given
    /// serial gets the device's index appended), served by `threads`
    /// event-loop threads (0: 2).
    pub fn start(count: usize, opts: SimOptions, threads: usize) -> Result<Fleet, Error> {
        let err = |m: String| Error::Simulator(m);
        opts.check()?;
        if count == 0 {
            return Err(err("a fleet needs at least one device".into()));
        }
        if opts.discovery.is_some() {
            return Err(err(
                "a fleet does not answer discovery: start devices with discovery one by one (Simulator)".into(),
            ));
        }
        if opts.port != 0 && usize::from(opts.port) + count - 1 > 65535 {
            return Err(err(format!(
                "port {} with {count} devices runs past port 65535",
                opts.port
            )));
        }
        let threads = if threads == 0 { 2 } else { threads }.min(count);
        let mut listeners = Vec::with_capacity(count);
        let mut shared = Vec::with_capacity(count);
        let mut addrs = Vec::with_capacity(count);
        for i in 0..count {
            let mut o = opts.clone();
            if o.port != 0 {
                o.port += i as u16;
            }
            if let Some(s) = &opts.serial {
                o.serial = Some(format!("{s}{i}"));
            }
            let l = std::net::TcpListener::bind((o.bind, o.port)).map_err(|e| {
                err(format!(
                    "device {}: cannot listen on {}:{}: {e}{}",
                    i + 1,
                    o.bind,
                    o.port,
                    if e.raw_os_error() == Some(libc::EMFILE) {
                        " (out of open files: raise the limit, ulimit -n, or use fewer devices per process)"
                    } else {
                        ""
                    }
                ))
            })?;
            l.set_nonblocking(true)
                .map_err(|e| err(format!("cannot make a listener non-blocking: {e}")))?;
            let addr = l
                .local_addr()
                .map_err(|e| err(format!("cannot read the bound address: {e}")))?;
            shared.push(super::new_shared(&o, addr, server::Park::none(), None));
            addrs.push(addr);
            listeners.push(TcpListener::from_std(l));
        }
        let stop = Arc::new(AtomicBool::new(false));
        let mut shares: Vec<Vec<(TcpListener, Arc<Shared>)>> =
            (0..threads).map(|_| Vec::new()).collect();
        for (i, (l, s)) in listeners.into_iter().zip(shared.iter()).enumerate() {
            shares[i % threads].push((l, Arc::clone(s)));
        }
        let mut fleet = Fleet {
            shared,
            addrs,
            stop: Arc::clone(&stop),
            wakers: Vec::new(),
            threads: Vec::new(),
        };
        for (t, share) in shares.into_iter().enumerate() {
            let poll = Poll::new().map_err(|e| err(format!("cannot create a poller: {e}")))?;
            let waker = Arc::new(
                Waker::new(poll.registry(), WAKE)
                    .map_err(|e| err(format!("cannot create a waker: {e}")))?,
            );
            let stop = Arc::clone(&stop);
            let h = std::thread::Builder::new()
                .name(format!("usapi-sim-fleet-{t}"))
                .spawn(move || Loop::new(poll, share, stop).run())
                .map_err(|e| err(format!("cannot start a fleet thread: {e}")))?;
            fleet.wakers.push(waker);
            fleet.threads.push(h);
        }
        Ok(fleet)
    }

    /// The devices' addresses, in order.
    pub fn addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }

    /// Device `index`'s serial number.
    pub fn serial(&self, index: usize) -> Option<String> {
        let s = self.shared.get(index)?;
        Some(s.with_device(None, |d| d.serial.clone()))
    }

    /// How many devices.
    pub fn len(&self) -> usize {
        self.addrs.len()
    }

    /// Never true: a fleet has at least one device.
    pub fn is_empty(&self) -> bool {
        self.addrs.is_empty()
    }

    /// Run a control command on device `index` (see `Simulator::control`).
    pub fn control(&self, index: usize, command_json: &str) -> Result<String, Error> {
        let s = self.shared.get(index).ok_or_else(|| {
            Error::Simulator(format!(
                "no device {index} in a fleet of {}",
                self.addrs.len()
            ))
        })?;
        super::control::run(s, command_json, None)
            .map(|v| v.to_string())
            .map_err(Error::Simulator)
    }

    /// Stop serving and join the threads.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        for s in &self.shared {
            s.stopping.store(true, Ordering::SeqCst);
        }
        for w in &self.wakers {
            let _ = w.wake();
        }
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// One connection.
struct Conn {
    stream: TcpStream,
    device: usize,
    id: u64,
    reader: Reader,
    /// A request whose body is still arriving.
    waiting: Option<Request>,
    /// Bytes to send (from `sent`), once `due` has passed.
    out: Vec<u8>,
    sent: usize,
    due: Option<Instant>,
    close_after: bool,
    /// `no-answer`: read and drop everything from now on.
    muted: bool,
    last_active: Instant,
}

struct Loop {
    poll: Poll,
    listeners: Vec<(TcpListener, Arc<Shared>)>,
    conns: HashMap<usize, Conn>,
    next_token: usize,
    /// (when, token): replies waiting out their latency.
    timers: BinaryHeap<Reverse<(Instant, usize)>>,
    stop: Arc<AtomicBool>,
}

impl Loop {
    fn new(poll: Poll, listeners: Vec<(TcpListener, Arc<Shared>)>, stop: Arc<AtomicBool>) -> Loop {
        Loop {
            poll,
            listeners,
            conns: HashMap::new(),
            next_token: CONN_BASE,
            timers: BinaryHeap::new(),
            stop,
        }
    }

    fn run(mut self) {
        for (i, (l, _)) in self.listeners.iter_mut().enumerate() {
            let _ = self
                .poll
                .registry()
                .register(l, Token(i), Interest::READABLE);
        }
        let mut events = Events::with_capacity(1024);
        let mut next_sweep = Instant::now() + Duration::from_secs(1);
        while !self.stop.load(Ordering::SeqCst) {
            let now = Instant::now();
            let mut wait = next_sweep.saturating_duration_since(now);
            if let Some(Reverse((at, _))) = self.timers.peek() {
                wait = wait.min(at.saturating_duration_since(now));
            }
            // Round up: a timer is never fired early, never spun on.
            let wait = if wait.is_zero() {
                wait
            } else {
                wait + Duration::from_micros(500)
            };
            if let Err(e) = self.poll.poll(&mut events, Some(wait)) {
                if e.kind() != std::io::ErrorKind::Interrupted {
                    return;
                }
            }
            for ev in events.iter() {
                let t = ev.token().0;
                if ev.token() == WAKE {
                    continue;
                }
                if t < CONN_BASE {
                    self.accept(t);
                    continue;
                }
                if ev.is_readable() || ev.is_read_closed() || ev.is_error() {
                    self.readable(t);
                }
                if ev.is_writable() {
                    self.flush(t);
                }
            }
            let now = Instant::now();
            while let Some(Reverse((at, t))) = self.timers.peek().copied() {
                if at > now {
                    break;
                }
                self.timers.pop();
                if let Some(c) = self.conns.get_mut(&t) {
                    if c.due == Some(at) {
                        c.due = None;
                        self.flush(t);
                    }
                }
            }
            if now >= next_sweep {
                next_sweep = now + Duration::from_secs(1);
                self.sweep(now);
            }
        }
    }

    fn accept(&mut self, li: usize) {
        loop {
            let (mut stream, _) = match self.listeners[li].0.accept() {
                Ok(a) => a,
                Err(_) => return, // WouldBlock, or out of descriptors: try at the next readiness
            };
            let _ = stream.set_nodelay(true);
            let token = self.next_token;
            self.next_token += 1;
            if self
                .poll
                .registry()
                .register(
                    &mut stream,
                    Token(token),
                    Interest::READABLE | Interest::WRITABLE,
                )
                .is_err()
            {
                continue;
            }
            let shared = &self.listeners[li].1;
            let id = shared.next_conn.fetch_add(1, Ordering::Relaxed);
            self.conns.insert(
                token,
                Conn {
                    stream,
                    device: li,
                    id,
                    reader: Reader::new(),
                    waiting: None,
                    out: Vec::new(),
                    sent: 0,
                    due: None,
                    close_after: false,
                    muted: false,
                    last_active: Instant::now(),
                },
            );
        }
    }

    fn close(&mut self, t: usize) {
        if let Some(mut c) = self.conns.remove(&t) {
            let _ = self.poll.registry().deregister(&mut c.stream);
        }
    }

    fn readable(&mut self, t: usize) {
        enum After {
            Process,
            Close,
            Done,
        }
        let Some(c) = self.conns.get_mut(&t) else {
            return;
        };
        let after = loop {
            match c.reader.fill(&mut c.stream) {
                Ok(0) => {
                    // The client is done sending; a reply still due goes out.
                    if c.out.is_empty() && c.due.is_none() {
                        break After::Close;
                    }
                    c.close_after = true;
                    break After::Done;
                }
                Ok(_) => c.last_active = Instant::now(),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break After::Process,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => break After::Close,
            }
            if c.reader.buffered() > 128 * 1024 {
                break After::Process; // parse what is there before reading more
            }
        };
        match after {
            After::Process => self.process(t),
            After::Close => self.close(t),
            After::Done => {}
        }
    }

    /// Answer the next complete request, when nothing is being sent.
    fn process(&mut self, t: usize) {
        let Some(c) = self.conns.get_mut(&t) else {
            return;
        };
        if c.muted {
            c.reader = Reader::new();
            return;
        }
        if c.due.is_some() || c.sent < c.out.len() {
            return;
        }
        let mut req = match c.waiting.take() {
            Some(r) => r,
            None => match c.reader.take_head() {
                Ok(None) => return,
                Ok(Some(r)) => r,
                Err(e) => {
                    let (status, why) = match e {
                        ReadError::Bad(s, w) => (s, w),
                        _ => (400, "bad request"),
                    };
                    let mut r =
                        Response::json(status, json!({"ok": false, "error": why}).to_string());
                    r.close = true;
                    self.send(t, r.to_bytes(false, true), 0, true);
                    return;
                }
            },
        };
        let refuse = |status: u16, why: &str| {
            let mut r = Response::json(status, json!({"ok": false, "error": why}).to_string());
            r.close = true;
            r.to_bytes(false, true)
        };
        if req.chunked() {
            let b = refuse(
                501,
                "a fleet device takes no chunked request body; run this device alone (ultrastream-sim without --fleet)",
            );
            self.send(t, b, 0, true);
            return;
        }
        match req.content_length() {
            Ok(None) | Ok(Some(0)) => {}
            Ok(Some(len)) if len > http::SPILL => {
                let b = refuse(
                    413,
                    "a fleet device takes request bodies up to 64 KiB; run this device alone (ultrastream-sim without --fleet) to upload firmware",
                );
                self.send(t, b, 0, true);
                return;
            }
            Ok(Some(len)) => {
                if c.reader.buffered() < len {
                    c.waiting = Some(req);
                    return;
                }
                // Everything is buffered: read_body reads no socket.
                let alive = || true;
                let progress = |_: usize| {};
                let budget = http::Budget {
                    alive: &alive,
                    stall: Duration::from_secs(10),
                    request: Duration::from_secs(30),
                    progress: &progress,
                };
                if let Err(e) = c
                    .reader
                    .read_body(&mut std::io::empty(), &mut req, &budget, false)
                {
                    let why = match e {
                        ReadError::Bad(_, w) => w,
                        _ => "bad request body",
                    };
                    let b = refuse(400, why);
                    self.send(t, b, 0, true);
                    return;
                }
            }
            Err(_) => {
                let b = refuse(400, "bad Content-Length");
                self.send(t, b, 0, true);
                return;
            }
        }
        let shared = Arc::clone(&self.listeners[c.device].1);
        let keep = req.keep_alive();
        let head_only = req.method == "HEAD";
        let (action, delay) = server::route_deferred(&shared, &req, c.id);
        match action {
            Action::Reply(r) => {
                let close = r.close || !keep;
                self.send(t, r.to_bytes(keep, !head_only), delay, close);
            }
            Action::Close => self.close(t),
            Action::NoAnswer => {
                c.muted = true;
                c.reader = Reader::new();
            }
            Action::Reset(r) => {
                let full = r.to_bytes(false, true);
                let cut = full.len() - r.body.len() + r.body.len() / 2;
                self.send(t, full[..cut].to_vec(), delay, true);
            }
            Action::Truncate(r) => {
                let mut out = r.head_bytes(r.body.len() as u64 + 1000, false);
                out.extend_from_slice(&r.body);
                self.send(t, out, delay, true);
            }
            Action::Download(_) => {
                let b = refuse(
                    501,
                    "a fleet device serves no downloads; run this device alone (ultrastream-sim without --fleet)",
                );
                self.send(t, b, 0, true);
            }
        }
    }

    /// Queue `bytes` on connection `t`, sent `delay_ms` from now.
    fn send(&mut self, t: usize, bytes: Vec<u8>, delay_ms: u64, close_after: bool) {
        let Some(c) = self.conns.get_mut(&t) else {
            return;
        };
        c.out = bytes;
        c.sent = 0;
        c.close_after |= close_after;
        if delay_ms == 0 {
            c.due = None;
            self.flush(t);
        } else {
            let at = Instant::now() + Duration::from_millis(delay_ms);
            c.due = Some(at);
            self.timers.push(Reverse((at, t)));
        }
    }

    /// Write what is due; then close, or take the next request.
    fn flush(&mut self, t: usize) {
        let Some(c) = self.conns.get_mut(&t) else {
            return;
        };
        if c.due.is_some() {
            return;
        }
        while c.sent < c.out.len() {
            match c.stream.write(&c.out[c.sent..]) {
                Ok(0) => {
                    self.close(t);
                    return;
                }
                Ok(n) => c.sent += n,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => {
                    self.close(t);
                    return;
                }
            }
        }
        let had_reply = !c.out.is_empty();
        c.out.clear();
        c.sent = 0;
        c.last_active = Instant::now();
        if c.close_after {
            let _ = c.stream.shutdown(std::net::Shutdown::Write);
            self.close(t);
            return;
        }
        if had_reply {
            // A pipelined request may be waiting in the buffer.
            self.process(t);
        }
    }

    /// Close idle keep-alive connections and requests that stalled.
    fn sweep(&mut self, now: Instant) {
        let stale: Vec<usize> = self
            .conns
            .iter()
            .filter(|(_, c)| {
                let shared = &self.listeners[c.device].1;
                let quiet = now.saturating_duration_since(c.last_active);
                c.due.is_none()
                    && c.sent >= c.out.len()
                    && !c.muted
                    && if c.reader.started().is_some() || c.waiting.is_some() {
                        quiet > shared.limits.stall_timeout
                    } else {
                        quiet > shared.limits.idle_timeout
                    }
            })
            .map(|(t, _)| *t)
            .collect();
        for t in stale {
            self.close(t);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_a_fleet_cannot_honour_are_refused() {
        let e = Fleet::start(0, SimOptions::default(), 1).err().unwrap();
        assert!(e.to_string().contains("at least one"), "{e}");
        let o = SimOptions {
            discovery: Some(Default::default()),
            ..SimOptions::default()
        };
        let e = Fleet::start(2, o, 1).err().unwrap();
        assert!(e.to_string().contains("discovery"), "{e}");
        let o = SimOptions {
            port: 65535,
            ..SimOptions::default()
        };
        let e = Fleet::start(2, o, 1).err().unwrap();
        assert!(e.to_string().contains("65535"), "{e}");
    }
}
