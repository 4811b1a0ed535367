//! Simulator layer (`sim`), server: a connection's own thread. Reads the
//! body, answers, takes the requests that follow at once, and parks the
//! connection with the reactor when it goes quiet.

use super::super::Shared;
use super::accept::refuse;
use super::conns::{Conn, Phase, add_bytes, close, set_phase};
use super::download::send_download;
use super::lock;
use super::reactor::park;
use super::route::{Action, early_refusal, route};
use super::send::{After, answer_read_error, hold_open, set_linger_zero};
use crate::sim::http::{Budget, Request};
use std::io::Write;
use std::net::{Shutdown, TcpStream};
use std::sync::Arc;
use std::sync::atomic::Ordering;
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

/// Give a connection a thread of its own to read and answer requests.
pub(super) fn spawn_worker(shared: &Arc<Shared>, conn: Conn, first: Option<Request>) {
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
