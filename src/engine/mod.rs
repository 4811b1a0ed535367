//! The fleet engine: one reactor thread on `mio` with non-blocking
//! sockets, many devices in flight, each device at most one request at a
//! time, deadlines on a timer heap, and the blocking client's session
//! logic (`client::session`) driven without blocking. The watcher
//! (`crate::watch`) and the many-devices call below stand on it.
//!
//! Layer: engine, built on client (`Device`, the session logic) and http
//! (the reply reader); used by watch, exporter, ffi and the CLI. Files:
//! this one `call_many` and `submit`; `call` one call and its bounds;
//! `exchange` the reply reader; `reactor/` the reactor and its thread.
//!
//! ```no_run
//! use std::sync::Arc;
//! use ultrastream::engine::{CallManyOptions, call_many};
//! let devices: Vec<Arc<ultrastream::Device>> = ["10.0.0.5", "10.0.0.6"]
//!     .iter()
//!     .map(|h| Arc::new(ultrastream::Device::connect(h, Default::default()).unwrap()))
//!     .collect();
//! for d in &devices {
//!     d.login("Admin", "Admin")?;
//! }
//! call_many(&devices, "set-box-name", &[("name", "Stage")], &CallManyOptions::default(), &mut |r| {
//!     println!("{}: {:?}", devices[r.index].host(), r.result.map(|reply| reply.result));
//! })?;
//! # Ok::<(), ultrastream::Error>(())
//! ```

mod call;
mod exchange;
mod reactor;

pub(crate) use call::{Call, Done, Limits, Vouch};
pub(crate) use reactor::{Engine, Reactor};

use crate::client::{Device, Reply, Result};
use once_cell::sync::OnceCell;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

/// How `call_many` runs.
#[derive(Debug, Clone, PartialEq)]
pub struct CallManyOptions {
    /// At most this many calls in flight at once (0: 64). A device never
    /// has more than one.
    pub max_in_flight: usize,
    /// Bound of each request (connect included). `None`: each device's own
    /// `Options::request_timeout` (and `connect_timeout`).
    pub timeout: Option<Duration>,
}

impl Default for CallManyOptions {
    fn default() -> Self {
        CallManyOptions {
            max_in_flight: 64,
            timeout: None,
        }
    }
}

/// One device's result from `call_many`.
#[derive(Debug, Clone, PartialEq)]
pub struct ManyResult {
    /// The device's index in the slice given to `call_many`.
    pub index: usize,
    /// The reply, or why there is none (as `Device::call` reports it).
    pub result: Result<Reply>,
}

/// The engine `submit` and `call_many` share: started on first use, it
/// lives as long as the process.
fn shared() -> Result<&'static Engine> {
    SHARED.get_or_try_init(|| {
        let e = Engine::start("usapi-engine")?;
        // At exit the reactor ends and frees its state, so leak checkers
        // (valgrind in the suite) see nothing of it still held; calls still
        // in flight then get no callback.
        #[cfg(unix)]
        // SAFETY: registers a plain function with no arguments.
        unsafe {
            libc::atexit(stop_shared_at_exit);
        }
        Ok(e)
    })
}

static SHARED: OnceCell<Engine> = OnceCell::new();

#[cfg(unix)]
extern "C" fn stop_shared_at_exit() {
    let _ = std::panic::catch_unwind(|| {
        if let Some(e) = SHARED.get() {
            e.halt_and_wait(Duration::from_millis(500));
        }
    });
}

fn limits(dev: &Device, timeout: Option<Duration>) -> Limits {
    match timeout {
        None => Limits::of(dev),
        Some(t) => {
            let t = t.max(Duration::from_millis(1));
            Limits {
                connect: dev.options().connect_timeout.min(t),
                total: t,
            }
        }
    }
}

/// Runs `method` with `params` on every device, at most `max_in_flight`
/// at once; calls `on_result` once per device as each finishes (on the
/// calling thread); returns when all are done.
///
/// The method and parameters are checked as `Device::call` checks them
/// (the document's rules, for every device whose options validate) before
/// any traffic: a bad argument is this function's error and nothing is
/// sent. Each call runs with its device's session (cookie, re-login on
/// -17, never sent twice). A device listed twice runs its calls one after
/// the other.
pub fn call_many(
    devices: &[Arc<Device>],
    method: &str,
    params: &[(&str, &str)],
    opts: &CallManyOptions,
    on_result: &mut dyn FnMut(ManyResult),
) -> Result<()> {
    if devices.is_empty() {
        return Ok(());
    }
    let (tx, rx) = mpsc::channel::<ManyResult>();
    let mut calls = Vec::with_capacity(devices.len());
    for (index, dev) in devices.iter().enumerate() {
        let tx = tx.clone();
        let call = Call::prepare(
            Arc::clone(dev),
            method,
            params,
            limits(dev, opts.timeout),
            Box::new(move |_r, result| {
                let _ = tx.send(ManyResult { index, result });
            }),
        )?;
        calls.push(call);
    }
    drop(tx);
    // Names are looked up here, once per device, not on the reactor.
    for d in devices {
        let _ = d.addrs().get();
    }
    let engine = shared()?;
    let limit = if opts.max_in_flight == 0 {
        64
    } else {
        opts.max_in_flight
    };
    let mut pending = calls.into_iter();
    let first: Vec<Call> = pending.by_ref().take(limit).collect();
    let mut outstanding = first.len();
    engine.send(Box::new(move |r| {
        for c in first {
            r.call(c);
        }
    }))?;
    while outstanding > 0 {
        let Ok(res) = rx.recv() else { break };
        outstanding -= 1;
        if let Some(next) = pending.next() {
            outstanding += 1;
            engine.send(Box::new(move |r| r.call(next)))?;
        }
        on_result(res);
    }
    Ok(())
}

/// Non-blocking: queue one call on the shared engine; `done` runs on the
/// engine thread when it finishes (for C callbacks and Python asyncio's
/// `call_soon_threadsafe`). It must return quickly: every device of the
/// engine waits while it runs. A panic in `done` is caught.
///
/// The arguments are checked as `Device::call` checks them: an error is
/// returned here, `done` is not called and nothing is sent.
pub fn submit(
    device: Arc<Device>,
    method: &str,
    params: Vec<(String, String)>,
    done: Box<dyn FnOnce(Result<Reply>) + Send + 'static>,
) -> Result<()> {
    let borrowed: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let lim = limits(&device, None);
    let call = Call::prepare(
        device,
        method,
        &borrowed,
        lim,
        Box::new(move |_r, result| {
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| done(result)));
        }),
    )?;
    shared()?.send(Box::new(move |r| r.call(call)))
}
