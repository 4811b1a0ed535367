//! The reactor (layer: engine): one thread, one `mio::Poll`, non-blocking
//! sockets, a timer heap. It runs calls for many devices at once, each device at most one
//! request at a time on at most one connection (a device has two session
//! slots; the engine never takes more than its share), and drives for each
//! call the same session logic as the blocking client
//! (`client::session`): the cookie, re-login on a top-level -17 with the
//! stored MD5, and never a request sent twice once any byte of it left.
//!
//! Deadlines are timers, not threads: a device that answers in 100 ms or
//! never costs an entry in the heap and a socket. Stale timers (of a
//! request that already ended) are skipped by a generation check rather
//! than removed.
//!
//! Files: this one the connections (connect, write, read, keep alive,
//! deadlines); `op` one call's way through the session logic (its stages,
//! re-login, the result); `timers` the timer heap; `thread` the thread that
//! runs the reactor and takes commands from others.

mod op;
mod thread;
mod timers;

pub(crate) use thread::Engine;

use super::exchange::{Answer, Exchange, Reader};
use crate::api::Method;
use crate::client::{Body, Device, Error, Result, request_bytes};
use mio::Poll;
use mio::net::TcpStream;
use mio::{Interest, Token};
use op::{Op, Stage};
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::io::{ErrorKind, Read, Write};
use std::net::SocketAddr;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};
use timers::{Timer, TimerWhat};

/// An idle connection older than this is closed rather than reused.
const MAX_IDLE_AGE: Duration = Duration::from_secs(30);
/// Spare readers (each with its receive buffer) kept for the next
/// requests. Idle connections hold none, so a fleet's memory follows the
/// requests in flight, not the connections open; this bounds what a burst
/// leaves behind (256 replies' worth).
const MAX_SPARE_READERS: usize = 256;
/// The reactor's receive buffer (one read takes a whole get-status reply).
const SCRATCH: usize = 16 * 1024;

/// A device the reactor knows: busy with one op, the ops waiting, its
/// idle connection. The `Weak` keeps the key (the handle's address) from
/// being reused by another handle while the slot exists.
struct DevSlot {
    _dev: Weak<Device>,
    busy: bool,
    queue: VecDeque<Box<Op>>,
    idle: Option<usize>,
    /// The request bytes of the device's last parameterless call, for the
    /// next one of the same method and session (a watcher's get-status).
    /// Out on the wire (in `InFlight`) while that request runs.
    cached: Option<Cached>,
}

/// A parameterless request's bytes, with what they were written for.
struct Cached {
    method: Method,
    sid: Option<String>,
    bytes: Vec<u8>,
}

struct Connecting {
    addrs: Vec<SocketAddr>,
    next: usize,
    deadline: Instant,
    last_err: Option<std::io::Error>,
}

struct InFlight {
    op: Box<Op>,
    request: Vec<u8>,
    /// What `request` was written for, when it is a device's cached
    /// request (it goes back to the device's slot when the request ends).
    cached: Option<(Method, Option<String>)>,
    written: usize,
    reader: Reader,
    deadline: Instant,
    connecting: Option<Connecting>,
    /// A kept-alive connection: a failure before any byte was written may
    /// go out again on a fresh one.
    reused: bool,
}

enum ConnState {
    Idle,
    Busy(Box<InFlight>),
}

struct Conn {
    stream: TcpStream,
    key: usize,
    state: ConnState,
    /// Bumped whenever the connection starts or ends a request: timers of
    /// another generation are stale.
    generation: u64,
    idle_since: Instant,
}

/// The reactor's state, owned by its thread. Code running on that thread
/// (a `Done`, a timer, a command) gets `&mut Reactor` to start calls and
/// set timers.
pub(crate) struct Reactor {
    poll: Poll,
    conns: IdMap<Conn>,
    next_id: usize,
    devs: IdMap<DevSlot>,
    timers: BinaryHeap<Timer>,
    seq: u64,
    /// A sweep of idle connections is scheduled.
    sweeping: bool,
    /// Readers of ended requests, buffers and all, for the next ones.
    spare: Vec<Reader>,
    /// Every socket is read into this one buffer; readers copy what they
    /// keep.
    scratch: Box<[u8]>,
}

/// A hasher for the reactor's own keys (connection ids, handle
/// addresses): one multiply. The keys are ours, never a device's or a
/// caller's, so SipHash's protection buys nothing here.
#[derive(Default, Clone, Copy)]
struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type IdMap<V> = HashMap<usize, V, std::hash::BuildHasherDefault<IdHasher>>;

fn key_of(dev: &Arc<Device>) -> usize {
    Arc::as_ptr(dev) as usize
}

impl Reactor {
    fn new(poll: Poll) -> Reactor {
        Reactor {
            poll,
            conns: IdMap::default(),
            next_id: 0,
            devs: IdMap::default(),
            timers: BinaryHeap::new(),
            seq: 0,
            sweeping: false,
            spare: Vec::new(),
            scratch: vec![0; SCRATCH].into_boxed_slice(),
        }
    }

    /// Send `bytes` for `op` on the device's idle connection or a new one
    /// (or end `op` with the error that kept them from being written).
    fn request(
        &mut self,
        op: Box<Op>,
        bytes: Result<Vec<u8>>,
        cached: Option<(Method, Option<String>)>,
    ) {
        let bytes = match bytes {
            Ok(b) => b,
            Err(e) => return self.finish(op, Err(e)),
        };
        let now = Instant::now();
        let key = key_of(&op.call.dev);
        let limits = op.call.limits;
        let max = op.call.dev.options().max_reply_bytes;
        let idle = self.devs.get_mut(&key).and_then(|s| s.idle.take());
        let idle = idle.filter(|&id| {
            let ok = self.usable(id, now);
            if !ok {
                self.close(id);
            }
            ok
        });
        // A spare reader, buffer and all: no allocation, no zeroing per
        // request, and no buffer held by an idle connection.
        let reader = match self.spare.pop() {
            Some(mut r) => {
                r.reset(max);
                r
            }
            None => Reader::new(max),
        };
        let mut f = Box::new(InFlight {
            op,
            request: bytes,
            cached,
            written: 0,
            reader,
            deadline: now + limits.total,
            connecting: None,
            reused: false,
        });
        if let Some(id) = idle {
            if let Some(c) = self.conns.get_mut(&id) {
                f.reused = true;
                c.generation += 1;
                let generation = c.generation;
                c.state = ConnState::Busy(f);
                self.push_timer(now + limits.total, TimerWhat::Conn { id, generation });
                // The connection was just peeked quiet and the reply cannot
                // precede the request: on Linux (epoll reports every arrival)
                // the read waits for its event instead of finding nothing.
                self.pump(id, !cfg!(target_os = "linux"));
                return;
            }
        }
        let addrs = match f.op.call.dev.addrs().get() {
            Ok(a) => a,
            Err(e) => return self.finish(f.op, Err(e)),
        };
        f.connecting = Some(Connecting {
            addrs,
            next: 0,
            deadline: now,
            last_err: None,
        });
        self.try_connect(f);
    }

    /// Whether idle connection `id` may carry a request: young enough, and
    /// nothing to read on it (the device's FIN or stray bytes both rule it
    /// out).
    fn usable(&mut self, id: usize, now: Instant) -> bool {
        let Some(c) = self.conns.get(&id) else {
            return false;
        };
        if now.saturating_duration_since(c.idle_since) > MAX_IDLE_AGE {
            return false;
        }
        let mut b = [0u8; 1];
        matches!(c.stream.peek(&mut b), Err(e) if e.kind() == ErrorKind::WouldBlock)
    }

    /// Connect to the next address of `f`, or fail the op when none is left.
    fn try_connect(&mut self, mut f: Box<InFlight>) {
        let now = Instant::now();
        let limits = f.op.call.limits;
        loop {
            let Some(c) = f.connecting.as_mut() else {
                return;
            };
            if c.next >= c.addrs.len() || now >= f.deadline {
                let e = connect_error(f.op.name(), c.last_err.take());
                f.op.call.dev.addrs().forget();
                return self.finish(f.op, Err(e));
            }
            let addr = c.addrs[c.next];
            c.next += 1;
            match TcpStream::connect(addr) {
                Ok(mut stream) => {
                    let id = self.next_id;
                    self.next_id = self.next_id.wrapping_add(1) % (usize::MAX - 1);
                    if let Err(e) = self.poll.registry().register(
                        &mut stream,
                        Token(id),
                        Interest::READABLE | Interest::WRITABLE,
                    ) {
                        c.last_err = Some(e);
                        continue;
                    }
                    c.deadline = (now + limits.connect).min(f.deadline);
                    let connect_at = c.deadline;
                    let key = key_of(&f.op.call.dev);
                    let deadline = f.deadline;
                    self.conns.insert(
                        id,
                        Conn {
                            stream,
                            key,
                            state: ConnState::Busy(f),
                            generation: 1,
                            idle_since: now,
                        },
                    );
                    self.push_timer(connect_at, TimerWhat::Conn { id, generation: 1 });
                    if deadline > connect_at {
                        self.push_timer(deadline, TimerWhat::Conn { id, generation: 1 });
                    }
                    return;
                }
                Err(e) => c.last_err = Some(e),
            }
        }
    }

    fn on_event(&mut self, id: usize) {
        let Some(c) = self.conns.get_mut(&id) else {
            return;
        };
        match &mut c.state {
            // Nothing is asked of an idle connection: anything on it (EOF,
            // an error, stray bytes) makes it unusable. Readiness is
            // edge-triggered, so a late edge of the last exchange (the
            // request's writable edge, the reply's readable one) may still
            // come: only what a peek finds retires the connection.
            ConnState::Idle => {
                let mut b = [0u8; 1];
                if matches!(c.stream.peek(&mut b), Err(e) if e.kind() == ErrorKind::WouldBlock) {
                    return;
                }
                let key = c.key;
                if let Some(slot) = self.devs.get_mut(&key) {
                    if slot.idle == Some(id) {
                        slot.idle = None;
                    }
                }
                self.close(id);
                self.tidy(key);
            }
            ConnState::Busy(f) => {
                if f.connecting.is_some() {
                    match c.stream.take_error() {
                        Ok(None) => {}
                        Ok(Some(e)) | Err(e) => return self.attempt_failed(id, e),
                    }
                    match c.stream.peer_addr() {
                        Ok(_) => {
                            let _ = c.stream.set_nodelay(true);
                            f.connecting = None;
                        }
                        // Not yet: wait for the next event.
                        Err(e) if e.kind() == ErrorKind::NotConnected => return,
                        Err(e) => return self.attempt_failed(id, e),
                    }
                }
                self.pump(id, true);
            }
        }
    }

    /// A connect attempt failed: drop the socket, try the next address.
    fn attempt_failed(&mut self, id: usize, e: std::io::Error) {
        if let Some(mut c) = self.conns.remove(&id) {
            let _ = self.poll.registry().deregister(&mut c.stream);
            if let ConnState::Busy(mut f) = c.state {
                if let Some(k) = f.connecting.as_mut() {
                    k.last_err = Some(e);
                }
                self.try_connect(f);
            }
        }
    }

    /// Write what is left of the request, then read what has come.
    /// `read_now`: read right after writing (else wait for the readable
    /// event).
    fn pump(&mut self, id: usize, read_now: bool) {
        enum Then {
            Wait,
            Reply(Answer),
            Fail(Error),
            Unsent,
        }
        let then = {
            let scratch = &mut self.scratch;
            let Some(c) = self.conns.get_mut(&id) else {
                return;
            };
            let ConnState::Busy(f) = &mut c.state else {
                return;
            };
            let mut then = None;
            while f.written < f.request.len() {
                match c.stream.write(&f.request[f.written..]) {
                    Ok(0) => {
                        then = Some(if f.written == 0 && f.reused {
                            Then::Unsent
                        } else {
                            Then::Fail(Error::Io(format!("{}: the connection closed", f.op.name())))
                        });
                        break;
                    }
                    Ok(n) => f.written += n,
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {
                        then = Some(Then::Wait);
                        break;
                    }
                    Err(e) => {
                        then = Some(if f.written == 0 && f.reused {
                            Then::Unsent
                        } else {
                            Then::Fail(Error::Io(format!("{}: {e}", f.op.name())))
                        });
                        break;
                    }
                }
            }
            match then {
                Some(t) => t,
                None if !read_now => Then::Wait,
                // Read at once, to WouldBlock: mio's readiness is edge
                // triggered, and on some systems an edge is only re-armed
                // by a read that found nothing.
                None => loop {
                    match c.stream.read(scratch) {
                        Ok(0) => {
                            break match f.reader.eof(reader_name(&f.op)) {
                                Ok(a) => Then::Reply(a),
                                Err(e) => Then::Fail(e),
                            };
                        }
                        Ok(n) => match f.reader.feed(&scratch[..n], reader_name(&f.op)) {
                            Ok(Some(a)) => break Then::Reply(a),
                            Ok(None) => {}
                            Err(e) => break Then::Fail(e),
                        },
                        Err(e) if e.kind() == ErrorKind::Interrupted => {}
                        Err(e) if e.kind() == ErrorKind::WouldBlock => break Then::Wait,
                        Err(e) => break Then::Fail(Error::Io(format!("{}: {e}", f.op.name()))),
                    }
                },
            }
        };
        match then {
            Then::Wait => {}
            Then::Reply(a) => {
                let reuse = a.reuse;
                if let Some(mut f) = self.end_request(id, reuse) {
                    self.give_back(&mut f);
                    self.on_answer(f.op, a);
                }
            }
            Then::Fail(e) => {
                if let Some(mut f) = self.end_request(id, false) {
                    self.give_back(&mut f);
                    self.on_error(f.op, e);
                }
            }
            Then::Unsent => {
                // The kept-alive connection was gone and nothing reached
                // the device: the same request goes out on a fresh one.
                if let Some(f) = self.end_request(id, false) {
                    let f = *f;
                    self.request(f.op, Ok(f.request), f.cached);
                }
            }
        }
    }

    /// Take the request off connection `id`; keep the connection as the
    /// device's idle one when `reuse`, else close it.
    fn end_request(&mut self, id: usize, reuse: bool) -> Option<Box<InFlight>> {
        let c = self.conns.get_mut(&id)?;
        let ConnState::Busy(mut f) = std::mem::replace(&mut c.state, ConnState::Idle) else {
            return None;
        };
        c.generation += 1;
        let key = c.key;
        // The reader goes to the spares (a clean one: nothing of a reply
        // left in it), not to the idle connection.
        let reader = std::mem::replace(&mut f.reader, Reader::new(0));
        if reader.is_clean() && self.spare.len() < MAX_SPARE_READERS {
            self.spare.push(reader);
        }
        if reuse {
            let now = Instant::now();
            c.idle_since = now;
            // One sweep closes idle connections that grew old, rather than
            // a timer per request (a fleet polled each second would keep
            // tens of thousands of them in the heap).
            if !self.sweeping {
                self.sweeping = true;
                self.push_timer(now + MAX_IDLE_AGE, TimerWhat::Sweep);
            }
            let old = self.devs.get_mut(&key).and_then(|s| s.idle.replace(id));
            if let Some(old) = old {
                if old != id {
                    self.close(old);
                }
            }
        } else {
            self.close(id);
        }
        Some(f)
    }

    /// A device's cached request bytes go back to its slot once their
    /// request ended (see `send_call`).
    fn give_back(&mut self, f: &mut InFlight) {
        if let Some((method, sid)) = f.cached.take() {
            let key = key_of(&f.op.call.dev);
            if let Some(slot) = self.devs.get_mut(&key) {
                slot.cached = Some(Cached {
                    method,
                    sid,
                    bytes: std::mem::take(&mut f.request),
                });
            }
        }
    }

    fn close(&mut self, id: usize) {
        if let Some(mut c) = self.conns.remove(&id) {
            let _ = self.poll.registry().deregister(&mut c.stream);
        }
    }

    fn on_timer(&mut self, id: usize, generation: u64, now: Instant) {
        let Some(c) = self.conns.get_mut(&id) else {
            return;
        };
        if c.generation != generation {
            return;
        }
        match &mut c.state {
            ConnState::Idle => {
                let key = c.key;
                if let Some(slot) = self.devs.get_mut(&key) {
                    if slot.idle == Some(id) {
                        slot.idle = None;
                    }
                }
                self.close(id);
                self.tidy(key);
            }
            ConnState::Busy(f) => {
                if now >= f.deadline {
                    let e = if f.connecting.is_some() {
                        Error::Timeout(format!("{}: no answer (connect)", f.op.name()))
                    } else {
                        Error::Timeout(format!("{}: no answer in time", f.op.name()))
                    };
                    if let Some(mut f) = self.end_request(id, false) {
                        self.give_back(&mut f);
                        self.on_error(f.op, e);
                    }
                } else if f.connecting.as_ref().is_some_and(|k| now >= k.deadline) {
                    let e = std::io::Error::new(ErrorKind::TimedOut, "connect timed out");
                    self.attempt_failed(id, e);
                }
            }
        }
    }

    /// Close the idle connections that grew old; sweep again while any
    /// idle one is left.
    fn sweep(&mut self, now: Instant) {
        self.sweeping = false;
        let old: Vec<(usize, usize)> = self
            .conns
            .iter()
            .filter(|(_, c)| {
                matches!(c.state, ConnState::Idle)
                    && now.saturating_duration_since(c.idle_since) >= MAX_IDLE_AGE
            })
            .map(|(id, c)| (*id, c.key))
            .collect();
        for (id, key) in old {
            if let Some(slot) = self.devs.get_mut(&key) {
                if slot.idle == Some(id) {
                    slot.idle = None;
                }
            }
            self.close(id);
            self.tidy(key);
        }
        if self
            .conns
            .values()
            .any(|c| matches!(c.state, ConnState::Idle))
        {
            self.sweeping = true;
            self.push_timer(now + MAX_IDLE_AGE / 2, TimerWhat::Sweep);
        }
    }

    /// Forget a device slot with nothing left in it.
    fn tidy(&mut self, key: usize) {
        if let Some(s) = self.devs.get(&key) {
            if !s.busy && s.queue.is_empty() && s.idle.is_none() {
                self.devs.remove(&key);
            }
        }
    }
}

/// The method a reply being read answers (named in its errors).
fn reader_name(op: &Op) -> &str {
    match op.stage {
        Stage::Relogin { .. } | Stage::Login => "login",
        Stage::LogoutOld => "logout",
        Stage::BusyStatus => "get-status",
        Stage::Call => op.name(),
    }
}

/// Drop the reactor's reference to a device. When it is the last one the
/// handle's `Drop` logs out with a blocking call: that must not stall the
/// reactor, so it runs on a short-lived thread of its own.
fn release(dev: Arc<Device>) {
    if Arc::strong_count(&dev) == 1 && dev.is_logged_in() {
        let _ = std::thread::Builder::new()
            .name("usapi-close".into())
            .spawn(move || drop(dev));
    }
}

/// The bytes of a GET of `url` on `dev` (the crate's one request writer).
fn get_bytes(dev: &Device, url: &str, cookie: Option<&str>) -> Result<Vec<u8>> {
    let target = dev.target_of(url);
    let method = target
        .strip_prefix("/usapi?method=")
        .and_then(|m| m.split('&').next())
        .unwrap_or("request");
    request_bytes(dev.authority(), target, cookie, &Body::None, method)
}

fn connect_error(method: &str, last: Option<std::io::Error>) -> Error {
    match last {
        Some(e) if e.kind() == ErrorKind::TimedOut => {
            Error::Timeout(format!("{method}: no answer (connect)"))
        }
        Some(e) if e.kind() == ErrorKind::ConnectionRefused => {
            Error::Connect(format!("connection refused ({e})"))
        }
        Some(e) => Error::Connect(e.to_string()),
        None => Error::Timeout(format!("{method}: no time left to connect")),
    }
}
