//! Simulator layer (`sim`), server: the registry of open connections, what
//! phase each is in (idle, receiving, answering), and which one to close
//! when a newcomer needs room.

use super::super::Shared;
use super::lock;
use crate::sim::http::Reader;
use std::collections::HashMap;
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
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
    pub(super) stream: TcpStream,
    pub(super) phase: Phase,
    /// Idle: since when. Receiving: when the request began.
    pub(super) since: Instant,
    /// Bytes of the current request so far.
    pub(super) bytes: u64,
    /// Closed to make room; its owner has not noticed yet.
    pub(super) evicted: bool,
}

impl Entry {
    pub fn close(&self) {
        let _ = self.stream.shutdown(Shutdown::Both);
    }
}

pub(crate) type Registry = HashMap<u64, Entry>;

/// The client address of connection `id` (for the log).
pub(super) fn peer(shared: &Shared, id: u64) -> Option<std::net::SocketAddr> {
    let reg = shared.conns.lock().unwrap_or_else(|p| p.into_inner());
    reg.get(&id).and_then(|e| e.stream.peer_addr().ok())
}

/// A connection and what has been read from it.
pub(crate) struct Conn {
    pub(super) id: u64,
    pub(super) stream: TcpStream,
    pub(super) reader: Reader,
    #[cfg_attr(not(unix), allow(dead_code))] // used by the Unix-only reactor
    pub(super) idle_since: Instant,
}

/// Close one connection to make room; false if every one is answering.
pub(super) fn evict_one(reg: &mut Registry) -> bool {
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

pub(super) fn set_phase(shared: &Shared, id: u64, phase: Phase, since: Instant) {
    set_phase_in(&mut lock(&shared.conns), id, phase, since);
}

/// `set_phase` with the registry already locked. Idle stays idle since the
/// moment the last reply went out: handing the connection to the reactor
/// later does not make it younger (or the longest-idle connection would
/// be whichever was parked first, a matter of thread scheduling).
pub(super) fn set_phase_in(reg: &mut Registry, id: u64, phase: Phase, since: Instant) {
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

pub(super) fn add_bytes(shared: &Shared, id: u64, n: usize, started: Option<Instant>) {
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
pub(super) fn close(shared: &Shared, conn: Conn) {
    lock(&shared.conns).remove(&conn.id);
    let _ = conn.stream.shutdown(Shutdown::Both);
}
