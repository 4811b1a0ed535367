//! Simulator layer (`sim`), server: the faults a test arms with the
//! control command `fault` (see `sim::control`), as the server applies
//! them to one API request, and the latency (configured plus faults) it
//! waits out first.

use super::super::Shared;
use super::route::Action;
use crate::sim::control::{self, FaultKind};
use crate::sim::http::Response;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// The body size of the `oversized` fault.
const OVERSIZED_BYTES: usize = 9 * 1024 * 1024;

thread_local! {
    /// Set by `route_deferred`: the request's delay is handed back to the
    /// caller (an event loop that sends the reply later) instead of slept.
    static DEFERRED_MS: std::cell::Cell<Option<u64>> = const { std::cell::Cell::new(None) };
}

/// Run `f` (routing one request) with its latency handed back, in
/// milliseconds, instead of slept: for an event loop that sends the reply
/// later.
pub(super) fn deferring<T>(f: impl FnOnce() -> T) -> (T, u64) {
    DEFERRED_MS.with(|d| d.set(Some(0)));
    let out = f();
    let ms = DEFERRED_MS.with(|d| d.take()).unwrap_or(0);
    (out, ms)
}

/// Take (count down) the faults armed for `method`, log them, and wait out
/// their latency plus the configured one (or leave it to `deferring`'s
/// caller). The kind of fault that hit, if any.
pub(super) fn take(shared: &Shared, method: &str) -> Option<FaultKind> {
    let hit = {
        let mut faults = shared.faults.lock().unwrap_or_else(|p| p.into_inner());
        if faults.is_empty() {
            control::FaultHit::default()
        } else {
            control::take_faults(&mut faults, method)
        }
    };
    if let Some(log) = &shared.log {
        let kind = hit.kind.map(|k| format!("{k:?}")).unwrap_or_default();
        log.fault(method, &kind, hit.latency_ms);
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
    hit.kind
}

/// The answer a fault sends instead of asking the device, if `fault` is one
/// (a `reboot` fault also crashes the device).
pub(super) fn instead_of_answer(
    shared: &Shared,
    conn: u64,
    fault: Option<FaultKind>,
) -> Option<Action> {
    match fault {
        Some(FaultKind::NoAnswer) => Some(Action::NoAnswer),
        Some(FaultKind::Reboot) => {
            shared.with_device(Some(conn), |d| {
                if !d.is_down() {
                    d.crash_reboot();
                }
            });
            Some(Action::Close)
        }
        Some(FaultKind::NonJson) => Some(Action::Reply(Response::text(
            200,
            "text/html",
            "<!DOCTYPE html>\n<html><head><title>Ultra Stream</title></head><body><p>Loading...</p></body></html>\n",
        ))),
        Some(FaultKind::Http500) => Some(Action::Reply(Response::text(
            500,
            "text/html",
            "<html><body><h1>500 Internal Server Error</h1></body></html>\n",
        ))),
        Some(FaultKind::Oversized) => {
            let mut body = Vec::with_capacity(OVERSIZED_BYTES + 64);
            body.extend_from_slice(b"{\"result\":0,\"padding\":\"");
            body.resize(OVERSIZED_BYTES, b'x');
            body.extend_from_slice(b"\"}");
            Some(Action::Reply(Response {
                status: 200,
                content_type: "application/json",
                headers: Vec::new(),
                body,
                close: false,
            }))
        }
        _ => None,
    }
}

/// The device's answer as a fault that cuts it short sends it.
pub(super) fn mangle(fault: Option<FaultKind>, resp: Response) -> Action {
    match fault {
        Some(FaultKind::Reset) => Action::Reset(resp),
        Some(FaultKind::Truncate) => Action::Truncate(resp),
        _ => Action::Reply(resp),
    }
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
