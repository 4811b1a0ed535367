//! The reactor: one thread, one `mio::Poll`, non-blocking sockets, a timer
//! heap. It runs calls for many devices at once, each device at most one
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

use super::exchange::{Answer, Exchange, Reader};
use crate::api::Method;
use crate::client::session::{Next, Plan, SessionCall};
use crate::client::{Body, Device, Error, Prepared, Reply, Result, into_reply, request_bytes};
use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token, Waker};
use std::cmp::Ordering as CmpOrdering;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::io::{ErrorKind, Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Runs on the reactor thread when a call ends.
pub(crate) type Done = Box<dyn FnOnce(&mut Reactor, Result<Reply>) + Send>;
/// Work handed to the reactor from another thread.
pub(crate) type Command = Box<dyn FnOnce(&mut Reactor) + Send>;
type TimerFn = Box<dyn FnOnce(&mut Reactor)>;

const WAKER: Token = Token(usize::MAX);
/// An idle connection older than this is closed rather than reused.
const MAX_IDLE_AGE: Duration = Duration::from_secs(30);
/// How soon a call waiting for another caller's login looks again.
const LOGIN_WAIT: Duration = Duration::from_millis(5);

/// Bounds of each request of a call.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Limits {
    /// Connect timeout (each address).
    pub connect: Duration,
    /// Whole request, connect included.
    pub total: Duration,
}

impl Limits {
    /// The device's own timeouts.
    pub fn of(dev: &Device) -> Limits {
        let o = dev.options();
        Limits {
            connect: o.connect_timeout,
            total: o.request_timeout,
        }
    }

    /// The device's timeouts, none longer than `connect` / `total`.
    pub fn at_most(dev: &Device, connect: Duration, total: Duration) -> Limits {
        let own = Limits::of(dev);
        Limits {
            connect: own.connect.min(connect),
            total: own.total.min(total),
        }
    }
}

enum What {
    Send {
        name: Box<str>,
        needs_login: bool,
        url: String,
        /// logout: forget the session and credentials when it ends.
        forget_after: bool,
        /// Hand out the device's reply as it came (its code unjudged, no
        /// re-login): the restart rules read a ping's -9 themselves.
        raw: bool,
    },
    Login {
        user: String,
        pass_md5: String,
        /// After a restart: the old session is sent along instead of
        /// being given back first (`Device::relogin_after_restart`).
        after_restart: bool,
    },
}

/// One call for the reactor: a device, what to send, bounds, and what to
/// do when it ends.
pub(crate) struct Call {
    dev: Arc<Device>,
    what: What,
    /// The call's parameters, to scrub from an error (only secret ones are
    /// kept).
    secret_params: Vec<(String, String)>,
    limits: Limits,
    done: Done,
}

impl Call {
    /// `method` with `params`, checked exactly as `Device::call` checks
    /// them (before any traffic).
    pub fn prepare(
        dev: Arc<Device>,
        method: &str,
        params: &[(&str, &str)],
        limits: Limits,
        done: Done,
    ) -> Result<Call> {
        let what = match dev.prepare_call(method, params)? {
            Prepared::Login { user, pass_md5 } => What::Login {
                user,
                pass_md5,
                after_restart: false,
            },
            Prepared::Logout => What::Send {
                name: "logout".into(),
                needs_login: Method::Logout.spec().needs_login,
                url: dev.call_url("logout", &[])?,
                forget_after: true,
                raw: false,
            },
            Prepared::Send { name, needs_login } => What::Send {
                name: name.into(),
                needs_login,
                url: dev.call_url(name, params)?,
                forget_after: false,
                raw: false,
            },
        };
        let secret_params = params
            .iter()
            .filter(|(k, _)| crate::redact::is_secret_param(k))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Ok(Call {
            dev,
            what,
            secret_params,
            limits,
            done,
        })
    }

    /// A method without parameters (the watcher's get-status and ping).
    pub fn method(dev: Arc<Device>, method: Method, limits: Limits, done: Done) -> Call {
        Call::method_as(dev, method, limits, done, false)
    }

    /// `method`, its reply handed out as it came: any `result`, no
    /// re-login (the watcher's ping, read by the restart rules).
    pub fn raw_method(dev: Arc<Device>, method: Method, limits: Limits, done: Done) -> Call {
        Call::method_as(dev, method, limits, done, true)
    }

    fn method_as(dev: Arc<Device>, method: Method, limits: Limits, done: Done, raw: bool) -> Call {
        let url = dev.call_url(method.name(), &[]).unwrap_or_default();
        Call {
            what: What::Send {
                name: method.name().into(),
                needs_login: method.spec().needs_login && !raw,
                url,
                forget_after: false,
                raw,
            },
            dev,
            secret_params: Vec::new(),
            limits,
            done,
        }
    }

    /// A login with the MD5 hex of the password, the old session given
    /// back first (as `Device::login_md5` does).
    pub fn login(
        dev: Arc<Device>,
        user: String,
        pass_md5: String,
        limits: Limits,
        done: Done,
    ) -> Call {
        Call {
            dev,
            what: What::Login {
                user,
                pass_md5,
                after_restart: false,
            },
            secret_params: Vec::new(),
            limits,
            done,
        }
    }

    /// The login after a restart with the stored credentials, the old
    /// session sent along (as `Device::relogin_after_restart`). Without
    /// stored credentials: None.
    pub fn login_after_restart(dev: Arc<Device>, limits: Limits, done: Done) -> Option<Call> {
        let (user, pass_md5) = dev.credentials()?;
        Some(Call {
            dev,
            what: What::Login {
                user,
                pass_md5,
                after_restart: true,
            },
            secret_params: Vec::new(),
            limits,
            done,
        })
    }
}

#[derive(Debug)]
enum Stage {
    /// The call itself.
    Call,
    /// A re-login after -17; then the call again.
    Relogin { user: String, pass_md5: String },
    /// An explicit login gives back the old session first.
    LogoutOld,
    /// An explicit login.
    Login,
    /// errBusy: one get-status to name the blocker.
    BusyStatus,
}

struct Op {
    call: Call,
    session: SessionCall,
    stage: Stage,
    /// This op holds the device's login token.
    token: bool,
    /// The handle's secrets when the call began (a re-login may change
    /// them), to scrub from an error.
    before: (Option<String>, Option<String>),
}

impl Op {
    fn name(&self) -> &str {
        match &self.call.what {
            What::Send { name, .. } => name,
            What::Login { .. } => "login",
        }
    }

    fn release_token(&mut self) {
        if self.token {
            self.token = false;
            self.call.dev.end_login();
        }
    }
}

impl Drop for Op {
    /// An op dropped mid-login (the engine stopping) gives the token back,
    /// so the blocking client never waits for a login that will not end.
    fn drop(&mut self) {
        self.release_token();
    }
}

/// A device the reactor knows: busy with one op, the ops waiting, its
/// idle connection. The `Weak` keeps the key (the handle's address) from
/// being reused by another handle while the slot exists.
struct DevSlot {
    _dev: Weak<Device>,
    busy: bool,
    queue: VecDeque<Box<Op>>,
    idle: Option<usize>,
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
    /// An idle connection's reader, kept for its next request.
    reader: Option<Reader>,
    key: usize,
    state: ConnState,
    /// Bumped whenever the connection starts or ends a request: timers of
    /// another generation are stale.
    generation: u64,
    idle_since: Instant,
}

struct Timer {
    at: Instant,
    seq: u64,
    what: TimerWhat,
}

enum TimerWhat {
    Conn {
        id: usize,
        generation: u64,
    },
    /// Close idle connections older than `MAX_IDLE_AGE`.
    Sweep,
    Run(TimerFn),
}

impl PartialEq for Timer {
    fn eq(&self, o: &Self) -> bool {
        (self.at, self.seq) == (o.at, o.seq)
    }
}
impl Eq for Timer {}
impl PartialOrd for Timer {
    fn partial_cmp(&self, o: &Self) -> Option<CmpOrdering> {
        Some(self.cmp(o))
    }
}
impl Ord for Timer {
    /// Reversed: `BinaryHeap` is a max-heap, the earliest timer must top it.
    fn cmp(&self, o: &Self) -> CmpOrdering {
        (o.at, o.seq).cmp(&(self.at, self.seq))
    }
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
        }
    }

    /// Run `f` on the reactor thread at `at` (or at once if it is past).
    pub fn at(&mut self, at: Instant, f: impl FnOnce(&mut Reactor) + 'static) {
        self.push_timer(at, TimerWhat::Run(Box::new(f)));
    }

    fn push_timer(&mut self, at: Instant, what: TimerWhat) {
        self.seq += 1;
        self.timers.push(Timer {
            at,
            seq: self.seq,
            what,
        });
    }

    /// Start `call` (or queue it behind the device's call in progress).
    pub fn call(&mut self, call: Call) {
        let before = call.dev.secret_values();
        let op = Box::new(Op {
            session: SessionCall::new(match &call.what {
                What::Send { needs_login, .. } => *needs_login,
                What::Login { .. } => false,
            }),
            call,
            stage: Stage::Call,
            token: false,
            before,
        });
        let key = key_of(&op.call.dev);
        let slot = self.devs.entry(key).or_insert_with(|| DevSlot {
            _dev: Arc::downgrade(&op.call.dev),
            busy: false,
            queue: VecDeque::new(),
            idle: None,
        });
        if slot.busy {
            slot.queue.push_back(op);
            return;
        }
        slot.busy = true;
        self.begin(op);
    }

    fn begin(&mut self, mut op: Box<Op>) {
        match op.call.what {
            What::Send { .. } => {
                op.stage = Stage::Call;
                self.send_call(op);
            }
            What::Login { .. } => self.explicit_login(op),
        }
    }

    fn send_call(&mut self, mut op: Box<Op>) {
        let cookie = op.session.cookie(&op.call.dev);
        let bytes = match &op.call.what {
            What::Send { url, .. } => {
                let dev = &op.call.dev;
                get_bytes(dev, url, cookie.as_deref())
            }
            What::Login { .. } => Ok(Vec::new()),
        };
        let name = op.name().to_string();
        self.request(op, bytes, name);
    }

    fn explicit_login(&mut self, mut op: Box<Op>) {
        if !op.call.dev.try_begin_login() {
            let at = Instant::now() + LOGIN_WAIT;
            self.at(at, move |r| r.explicit_login(op));
            return;
        }
        op.token = true;
        if matches!(
            op.call.what,
            What::Login {
                after_restart: true,
                ..
            }
        ) {
            return self.send_login(op);
        }
        // The device holds at most two sessions: give back the one this
        // handle already has before taking a new one.
        match op.call.dev.take_sid() {
            Some(sid) => {
                op.stage = Stage::LogoutOld;
                let dev = &op.call.dev;
                let cookie = format!("sid={sid}");
                let url = dev.call_url("logout", &[]).unwrap_or_default();
                let bytes = get_bytes(dev, &url, Some(&cookie));
                self.request(op, bytes, "logout".into());
            }
            None => self.send_login(op),
        }
    }

    fn send_login(&mut self, mut op: Box<Op>) {
        let (user, pass) = match &op.call.what {
            What::Login { user, pass_md5, .. } => (user.clone(), pass_md5.clone()),
            What::Send { .. } => {
                return self.finish(op, Err(Error::Watch("internal: not a login".into())));
            }
        };
        op.stage = Stage::Login;
        self.login_request(op, &user, &pass);
    }

    fn login_request(&mut self, op: Box<Op>, user: &str, pass_md5: &str) {
        let dev = &op.call.dev;
        let url = dev.login_url(user, pass_md5);
        // After a restart the old session goes along (a device that still
        // holds it keeps the slot); an explicit login gave it back first.
        let cookie = match op.call.what {
            What::Login {
                after_restart: true,
                ..
            } => dev.secret_values().1.map(|sid| format!("sid={sid}")),
            _ => None,
        };
        let bytes = get_bytes(dev, &url, cookie.as_deref());
        self.request(op, bytes, "login".into());
    }

    /// After -17: adopt a newer session or log in, under the device's
    /// login token (waiting for another caller's login by timer, never by
    /// blocking).
    fn relogin(&mut self, mut op: Box<Op>) {
        if !op.call.dev.try_begin_login() {
            let at = Instant::now() + LOGIN_WAIT;
            self.at(at, move |r| r.relogin(op));
            return;
        }
        op.token = true;
        let plan = op.call.dev.relogin_plan(op.name());
        match plan {
            Err(e) => self.finish(op, Err(e)),
            Ok(Plan::Adopt) => {
                op.release_token();
                op.stage = Stage::Call;
                self.send_call(op);
            }
            Ok(Plan::Login { user, pass_md5 }) => {
                self.login_request_relogin(op, user, pass_md5);
            }
        }
    }

    fn login_request_relogin(&mut self, mut op: Box<Op>, user: String, pass_md5: String) {
        let url = op.call.dev.login_url(&user, &pass_md5);
        op.stage = Stage::Relogin { user, pass_md5 };
        let dev = &op.call.dev;
        let bytes = get_bytes(dev, &url, None);
        self.request(op, bytes, "login".into());
    }

    /// Send `bytes` for `op` on the device's idle connection or a new one
    /// (or end `op` with the error that kept them from being written).
    fn request(&mut self, op: Box<Op>, bytes: Result<Vec<u8>>, name: String) {
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
        // A kept-alive connection keeps its reader (and its buffer: no
        // allocation, no zeroing per request).
        let reader = match idle.and_then(|id| self.conns.get_mut(&id)?.reader.take()) {
            Some(mut r) => {
                r.reset(name, max);
                r
            }
            None => Reader::new(name, max),
        };
        let mut f = Box::new(InFlight {
            op,
            request: bytes,
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
                self.pump(id);
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
                            reader: None,
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
                self.pump(id);
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
    fn pump(&mut self, id: usize) {
        enum Then {
            Wait,
            Reply(Answer),
            Fail(Error),
            Unsent,
        }
        let then = {
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
                // Read at once, to WouldBlock: mio's readiness is edge
                // triggered, and on some systems an edge is only re-armed
                // by a read that found nothing.
                None => loop {
                    match c.stream.read(f.reader.read_buf()) {
                        Ok(0) => {
                            break match f.reader.eof() {
                                Ok(a) => Then::Reply(a),
                                Err(e) => Then::Fail(e),
                            };
                        }
                        Ok(n) => match f.reader.filled(n) {
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
                if let Some(f) = self.end_request(id, reuse) {
                    self.on_answer(f.op, a);
                }
            }
            Then::Fail(e) => {
                if let Some(f) = self.end_request(id, false) {
                    self.on_error(f.op, e);
                }
            }
            Then::Unsent => {
                // The kept-alive connection was gone and nothing reached
                // the device: the same request goes out on a fresh one.
                if let Some(f) = self.end_request(id, false) {
                    let name = f.reader_name();
                    let f = *f;
                    self.request(f.op, Ok(f.request), name);
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
        if reuse {
            c.reader = f.reader.take_for_reuse();
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
                    if let Some(f) = self.end_request(id, false) {
                        self.on_error(f.op, e);
                    }
                } else if f.connecting.as_ref().is_some_and(|k| now >= k.deadline) {
                    let e = std::io::Error::new(ErrorKind::TimedOut, "connect timed out");
                    self.attempt_failed(id, e);
                }
            }
        }
    }

    /// A reply arrived for `op`'s current stage.
    fn on_answer(&mut self, mut op: Box<Op>, a: Answer) {
        if (300..400).contains(&a.status) {
            let own = op.call.dev.authority().to_string();
            let e = Error::Redirect {
                method: op.name().to_string(),
                status: a.status,
                location_host: crate::client::location_host(a.location.as_deref(), &own),
            };
            return self.on_error(op, e);
        }
        let body = match String::from_utf8(a.body) {
            Ok(b) => b,
            Err(_) => {
                let e = Error::BadReply {
                    method: op.name().to_string(),
                    detail: "the body is not UTF-8".into(),
                };
                return self.on_error(op, e);
            }
        };
        match std::mem::replace(&mut op.stage, Stage::Call) {
            Stage::Call => {
                let name = op.name().to_string();
                let reply = match into_reply(&name, a.status, body) {
                    Ok(r) => r,
                    Err(e) => return self.finish(op, Err(e)),
                };
                if matches!(op.call.what, What::Send { raw: true, .. }) {
                    return self.finish(op, Ok(reply));
                }
                match op.session.on_reply(&name, reply) {
                    Next::Done(r) => {
                        if matches!(
                            op.call.what,
                            What::Send {
                                forget_after: true,
                                ..
                            }
                        ) {
                            op.call.dev.forget_session();
                        }
                        self.finish(op, Ok(r))
                    }
                    Next::Fail(e) => {
                        if matches!(
                            op.call.what,
                            What::Send {
                                forget_after: true,
                                ..
                            }
                        ) {
                            op.call.dev.forget_session();
                        }
                        self.finish(op, Err(e))
                    }
                    Next::Busy => {
                        op.stage = Stage::BusyStatus;
                        let cookie = op.session.cookie(&op.call.dev);
                        let dev = &op.call.dev;
                        let url = dev.call_url("get-status", &[]).unwrap_or_default();
                        let bytes = get_bytes(dev, &url, cookie.as_deref());
                        self.request(op, bytes, "get-status".into());
                    }
                    Next::Relogin { seen } => {
                        op.call.dev.mark_dead(seen);
                        self.relogin(op);
                    }
                }
            }
            Stage::Relogin { user, pass_md5 } => {
                let r =
                    op.call
                        .dev
                        .finish_login(&user, &pass_md5, a.status, a.sid, body.into_bytes());
                op.release_token();
                match r {
                    Ok(_) => {
                        op.session.logged_in();
                        self.send_call(op);
                    }
                    Err(e) => self.finish(op, Err(e)),
                }
            }
            Stage::LogoutOld => self.send_login(op),
            Stage::Login => {
                let r = match &op.call.what {
                    What::Login { user, pass_md5, .. } => {
                        op.call
                            .dev
                            .finish_login(user, pass_md5, a.status, a.sid, body.into_bytes())
                    }
                    What::Send { .. } => Err(Error::Watch("internal: not a login".into())),
                };
                op.release_token();
                self.finish(op, r)
            }
            Stage::BusyStatus => {
                let mask = into_reply("get-status", a.status, body)
                    .and_then(|r| r.parse::<crate::model::Ping>())
                    .map(|p| p.cur_status as u32);
                let name = op.name().to_string();
                self.finish(op, Err(crate::ops::busy::explain_from(&name, mask)))
            }
        }
    }

    /// A request of `op` failed (connect, timeout, broken reply).
    fn on_error(&mut self, mut op: Box<Op>, e: Error) {
        match std::mem::replace(&mut op.stage, Stage::Call) {
            // Giving the old session back is a courtesy: log in anyway.
            Stage::LogoutOld => self.send_login(op),
            Stage::BusyStatus => {
                let name = op.name().to_string();
                self.finish(op, Err(crate::ops::busy::explain_from(&name, Err(e))))
            }
            _ => self.finish(op, Err(e)),
        }
    }

    /// `op` ended: hand the result to its `done`, then start the device's
    /// next queued op.
    fn finish(&mut self, mut op: Box<Op>, result: Result<Reply>) {
        op.release_token();
        let result = result.map_err(|e| {
            let params: Vec<(&str, &str)> = op
                .call
                .secret_params
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let mut e = op.call.dev.scrub(e, &params, &op.before);
            if let What::Login { pass_md5, .. } = &op.call.what {
                let mut s = crate::redact::Secrets::new();
                s.add(pass_md5);
                e = e.scrubbed(&s);
            }
            e
        });
        let key = key_of(&op.call.dev);
        if let Some(slot) = self.devs.get_mut(&key) {
            slot.busy = false;
        }
        let done = std::mem::replace(&mut op.call.done, Box::new(|_, _| {}));
        let dev = Arc::clone(&op.call.dev);
        drop(op);
        done(self, result);
        if let Some(slot) = self.devs.get_mut(&key) {
            if !slot.busy {
                if let Some(next) = slot.queue.pop_front() {
                    slot.busy = true;
                    self.begin(next);
                }
            }
        }
        self.tidy(key);
        release(dev);
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

    fn fire_timers(&mut self) {
        let now = Instant::now();
        while self.timers.peek().is_some_and(|t| t.at <= now) {
            let Some(t) = self.timers.pop() else { break };
            match t.what {
                TimerWhat::Conn { id, generation } => self.on_timer(id, generation, now),
                TimerWhat::Sweep => self.sweep(now),
                TimerWhat::Run(f) => f(self),
            }
        }
    }
}

impl InFlight {
    fn reader_name(&self) -> String {
        match self.op.stage {
            Stage::Relogin { .. } | Stage::Login => "login".into(),
            Stage::LogoutOld => "logout".into(),
            Stage::BusyStatus => "get-status".into(),
            Stage::Call => self.op.name().to_string(),
        }
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

struct Inbox {
    cmds: Mutex<Vec<Command>>,
    waker: Waker,
    stop: AtomicBool,
}

/// A running reactor thread. Commands reach it through a queue and a
/// waker; `stop` ends it and joins it.
pub(crate) struct Engine {
    inbox: Arc<Inbox>,
    thread: Option<JoinHandle<()>>,
}

impl Engine {
    /// Start a reactor thread named `name`.
    pub fn start(name: &str) -> Result<Engine> {
        let poll = Poll::new().map_err(|e| Error::Io(format!("cannot start the engine: {e}")))?;
        let waker = Waker::new(poll.registry(), WAKER)
            .map_err(|e| Error::Io(format!("cannot start the engine: {e}")))?;
        let inbox = Arc::new(Inbox {
            cmds: Mutex::new(Vec::new()),
            waker,
            stop: AtomicBool::new(false),
        });
        let ib = Arc::clone(&inbox);
        let thread = std::thread::Builder::new()
            .name(name.to_string())
            .stack_size(512 * 1024)
            .spawn(move || run(Reactor::new(poll), &ib))
            .map_err(|e| Error::Io(format!("cannot start the engine thread: {e}")))?;
        Ok(Engine {
            inbox,
            thread: Some(thread),
        })
    }

    /// Run `f` on the reactor thread, soon.
    pub fn send(&self, f: Command) -> Result<()> {
        if self.inbox.stop.load(Ordering::SeqCst) {
            return Err(Error::Io("the engine has stopped".into()));
        }
        self.inbox
            .cmds
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(f);
        self.inbox
            .waker
            .wake()
            .map_err(|e| Error::Io(format!("cannot wake the engine: {e}")))
    }

    /// Ask the reactor to stop (calls in progress are dropped, their
    /// sockets closed) without waiting.
    pub fn halt(&self) {
        self.inbox.stop.store(true, Ordering::SeqCst);
        let _ = self.inbox.waker.wake();
    }

    /// Stop and wait for the thread to end.
    pub fn stop(&mut self) {
        self.halt();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    /// Halt and wait (at most `bound`) for the thread to have ended,
    /// through a shared reference (the process-wide engine at exit).
    #[cfg_attr(not(unix), allow(dead_code))] // used by Unix-only code
    pub fn halt_and_wait(&self, bound: std::time::Duration) {
        self.halt();
        let until = std::time::Instant::now() + bound;
        while self.thread.as_ref().is_some_and(|t| !t.is_finished())
            && std::time::Instant::now() < until
        {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }

    /// Let the thread run on without anyone joining it.
    pub fn detach(&mut self) {
        self.thread = None;
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.halt();
        if let Some(t) = self.thread.take() {
            if t.thread().id() != std::thread::current().id() {
                let _ = t.join();
            }
        }
    }
}

fn run(mut r: Reactor, inbox: &Inbox) {
    let mut events = Events::with_capacity(1024);
    let mut ids: Vec<usize> = Vec::with_capacity(1024);
    loop {
        if inbox.stop.load(Ordering::SeqCst) {
            return;
        }
        let timeout = r
            .timers
            .peek()
            .map(|t| t.at.saturating_duration_since(Instant::now()));
        if let Err(e) = r.poll.poll(&mut events, timeout) {
            if e.kind() != ErrorKind::Interrupted {
                // Nothing sensible to do but not spin.
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        ids.clear();
        ids.extend(
            events
                .iter()
                .map(|e| e.token())
                .filter(|t| *t != WAKER)
                .map(|t| t.0),
        );
        for &id in &ids {
            r.on_event(id);
            if inbox.stop.load(Ordering::SeqCst) {
                return;
            }
        }
        let cmds = std::mem::take(&mut *inbox.cmds.lock().unwrap_or_else(|p| p.into_inner()));
        for c in cmds {
            c(&mut r);
        }
        r.fire_timers();
    }
}
