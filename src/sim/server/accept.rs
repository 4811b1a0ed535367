//! Simulator layer (`sim`), server: the listener. Accepts connections up
//! to the cap (making room by eviction, else a 503), and starts the
//! reactor beside it.

use super::super::Shared;
use super::conns::{Conn, Entry, Phase, evict_one};
use super::lock;
#[cfg(unix)]
use super::reactor::reactor;
use super::worker::spawn_worker;
use crate::sim::http::{Reader, Response};
use serde_json::json;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Descriptors left to the rest of the process when sizing the cap.
#[cfg_attr(not(unix), allow(dead_code))] // used by the Unix-only reactor
const FD_RESERVE: u64 = 64;

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
pub(super) fn refuse(stream: TcpStream, in_use: usize) {
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
