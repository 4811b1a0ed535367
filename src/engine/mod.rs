// stand-in until the engine lands: h17engine's mio reactor replaces this
// whole file at merge (same public items, same behaviour as seen by callers).
// It runs each call as a blocking `Device::call` on a small thread pool.

//! The fleet engine's many-devices call (`call_many`) and one-call
//! completion (`submit`). Stand-in: a small thread pool over
//! `Device::call`, with the public contract of the event-driven engine.

use crate::client::{Device, Reply, Result};
use once_cell::sync::OnceCell;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, mpsc};
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

/// Run `method` with `params` on every device, at most
/// `opts.max_in_flight` at once, and hand each device's result to
/// `on_result` (on the calling thread) as it finishes. Returns when every
/// device has its result.
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
    let width = match opts.max_in_flight {
        0 => 64,
        n => n,
    }
    .min(devices.len());
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel::<ManyResult>();
    std::thread::scope(|s| {
        for _ in 0..width {
            let tx = tx.clone();
            let next = &next;
            s.spawn(move || {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(dev) = devices.get(index) else { break };
                    let result = dev.call(method, params);
                    if tx.send(ManyResult { index, result }).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        for r in rx {
            on_result(r);
        }
    });
    Ok(())
}

type Job = (
    Arc<Device>,
    String,
    Vec<(String, String)>,
    Box<dyn FnOnce(Result<Reply>) + Send + 'static>,
);

struct Pool {
    queue: Mutex<VecDeque<Job>>,
    ready: Condvar,
}

/// Workers of the stand-in pool behind `submit`.
const POOL_THREADS: usize = 64;

fn pool() -> Result<&'static Arc<Pool>> {
    static POOL: OnceCell<Arc<Pool>> = OnceCell::new();
    POOL.get_or_try_init(|| {
        let p = Arc::new(Pool {
            queue: Mutex::new(VecDeque::new()),
            ready: Condvar::new(),
        });
        for i in 0..POOL_THREADS {
            let p = Arc::clone(&p);
            std::thread::Builder::new()
                .name(format!("usapi-engine-{i}"))
                .stack_size(256 * 1024)
                .spawn(move || {
                    loop {
                        let job = {
                            let mut q = p.queue.lock().unwrap_or_else(|e| e.into_inner());
                            loop {
                                if let Some(j) = q.pop_front() {
                                    break j;
                                }
                                q = p.ready.wait(q).unwrap_or_else(|e| e.into_inner());
                            }
                        };
                        let (dev, method, params, done) = job;
                        let borrowed: Vec<(&str, &str)> = params
                            .iter()
                            .map(|(k, v)| (k.as_str(), v.as_str()))
                            .collect();
                        done(dev.call(&method, &borrowed));
                    }
                })
                .map_err(|e| {
                    crate::client::Error::Io(format!("cannot start the engine's threads: {e}"))
                })?;
        }
        Ok(p)
    })
}

/// Start `method` on `device` and return at once; `done` runs exactly
/// once with the result, on the engine's thread (keep it short).
pub fn submit(
    device: Arc<Device>,
    method: &str,
    params: Vec<(String, String)>,
    done: Box<dyn FnOnce(Result<Reply>) + Send + 'static>,
) -> Result<()> {
    let p = pool()?;
    p.queue
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push_back((device, method.to_string(), params, done));
    p.ready.notify_one();
    Ok(())
}
