//! Watching devices from C: one background watcher polls any number of
//! device handles and calls back with events as JSON (see `watch.rs` for
//! the events and their fields).

use super::device::DEVICES;
use super::{Failure, HandleMap, guard, out_arg, write_string};
use crate::model::codes;
use crate::ops::Flow;
use crate::watch::{Watch, WatchOptions};
use std::ffi::{CString, c_char, c_void};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A watcher handle. 0 is never a valid handle.
pub type usapi_watch = u64;

/// Called on the watcher's event thread with one event's JSON (valid only
/// during the call: copy what you keep). Events come one at a time, in
/// order. Return 0 to go on; non-zero stops the watcher: polling ends and
/// no further event is delivered (still call `usapi_watch_stop`, from any
/// other thread, to free it). The callback may call the library (the
/// devices' functions, other watchers) but not `usapi_watch_stop` on its
/// own watcher, which returns USAPI_E_WATCH instead of deadlocking.
pub type usapi_event_callback =
    Option<unsafe extern "C" fn(event_json: *const c_char, user_data: *mut c_void) -> i32>;

/// Options of `usapi_watch_start`; zero in any field means its default,
/// NULL options all defaults.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct usapi_watch_options {
    /// How often each device is polled, ms (default 1000, at least 10).
    pub interval_ms: u32,
    /// A device silent this long is "offline", ms (default 3 × interval).
    pub offline_after_ms: u32,
    /// Bound of each request of a poll, ms (default half the interval, at
    /// most 5000; never above the interval).
    pub timeout_ms: u32,
    /// Ignored (kept for compatibility): every device is polled on one
    /// reactor thread, whatever the number of devices.
    pub workers: u32,
    /// Longest pause between probes of an offline device, ms (default 10000).
    pub max_backoff_ms: u32,
}

/// The most handles one watcher takes (a count beyond is a caller bug,
/// refused before the array is read).
const MAX_DEVICES: usize = 1 << 16;

static WATCHES: HandleMap<Mutex<Option<Watch>>> = HandleMap::new("watch");

/// The C callback and its user_data, moved to the event thread.
struct CCallback {
    cb: unsafe extern "C" fn(*const c_char, *mut c_void) -> i32,
    user_data: *mut c_void,
}

// SAFETY: the caller of usapi_watch_start hands user_data to the watcher's
// thread; the header says the callback runs there.
unsafe impl Send for CCallback {}

impl CCallback {
    fn call(&self, event: &str) -> Flow {
        let Ok(c) = CString::new(event) else {
            return Flow::Continue(());
        };
        // SAFETY: the caller promised `cb` is callable with its user_data.
        if unsafe { (self.cb)(c.as_ptr(), self.user_data) } != 0 {
            Flow::Break(())
        } else {
            Flow::Continue(())
        }
    }
}

fn options_from(o: Option<&usapi_watch_options>) -> WatchOptions {
    let mut opts = WatchOptions::default();
    let ms = |v: u32| Duration::from_millis(v as u64);
    if let Some(o) = o {
        if o.interval_ms != 0 {
            opts.interval = ms(o.interval_ms);
        }
        opts.offline_after = if o.offline_after_ms != 0 {
            ms(o.offline_after_ms)
        } else {
            opts.interval * 3
        };
        if o.timeout_ms != 0 {
            opts.timeout = Some(ms(o.timeout_ms));
        }
        opts.workers = o.workers as usize;
        if o.max_backoff_ms != 0 {
            opts.max_backoff = ms(o.max_backoff_ms);
        }
    }
    opts
}

/// Watch `count` device handles (`devices[0..count]`, logged in: the
/// watcher logs in again with their stored credentials after a device
/// comes back) and call `cb(event_json, user_data)` with each event on the
/// watcher's own thread. Events: "online", "offline", "back",
/// "auth-failed", "occupied", "rebooting", "changed"; each names the
/// device handle ("device") and its "host". The handles stay yours: close
/// them only after `usapi_watch_stop`. `user_data` is passed to every
/// call of `cb`: keep what it points to alive until `usapi_watch_stop` has
/// returned 0, on every path out of your code (an early return or error
/// path that frees it while the watcher runs has the next event write into
/// freed memory). On success `*out_watch` receives the watcher.
///
/// Returns 0, USAPI_E_NULL_ARGUMENT (devices, cb or out_watch),
/// USAPI_E_INVALID_ARGUMENT (count 0 or above 65536, interval under 10 ms),
/// USAPI_E_INVALID_HANDLE (a device handle), USAPI_E_WATCH (no thread).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_watch_start(
    devices: *const super::usapi_device,
    count: usize,
    opts: *const usapi_watch_options,
    cb: usapi_event_callback,
    user_data: *mut c_void,
    out_watch: *mut usapi_watch,
) -> i32 {
    guard(|| {
        let out = out_arg(out_watch, "out_watch")?;
        let cb = cb.ok_or_else(|| Failure::new(codes::E_NULL_ARGUMENT, "argument 'cb' is NULL"))?;
        if devices.is_null() {
            return Err(Failure::new(
                codes::E_NULL_ARGUMENT,
                "argument 'devices' is NULL",
            ));
        }
        if count == 0 || count > MAX_DEVICES {
            return Err(Failure::new(
                codes::E_INVALID_ARGUMENT,
                format!("count is {count}: pass 1 to {MAX_DEVICES} device handles"),
            ));
        }
        // SAFETY: non-NULL and, per the contract, `count` readable handles.
        let handles = unsafe { std::slice::from_raw_parts(devices, count) };
        let mut list = Vec::with_capacity(count);
        for &h in handles {
            list.push((h, DEVICES.get(h)?));
        }
        // SAFETY: NULL or readable, per the contract.
        let opts = options_from(unsafe { opts.as_ref() });
        if opts.interval < Duration::from_millis(10) {
            return Err(Failure::new(
                codes::E_INVALID_ARGUMENT,
                format!(
                    "interval_ms {} is too short: use at least 10",
                    opts.interval.as_millis()
                ),
            ));
        }
        let c = CCallback { cb, user_data };
        let watch = Watch::start_with(list, opts, move |e| c.call(e))?;
        *out = WATCHES.insert(Mutex::new(Some(watch)));
        Ok(0)
    })
}

/// Stop the watcher and return after its last callback has returned
/// (events not yet delivered are dropped). The handle becomes invalid.
///
/// Returns 0, USAPI_E_INVALID_HANDLE, or USAPI_E_WATCH when called from
/// this watcher's own callback (it would wait for itself): nothing is
/// stopped then; return non-zero from the callback instead, or stop it
/// from another thread.
#[unsafe(no_mangle)]
pub extern "C" fn usapi_watch_stop(watch: usapi_watch) -> i32 {
    guard(|| {
        let slot = WATCHES.get(watch)?;
        let on_own_thread = slot
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .is_some_and(|w| w.on_event_thread());
        if on_own_thread {
            return Err(Failure::new(
                codes::E_WATCH,
                "usapi_watch_stop was called from this watcher's own callback, where it would wait for itself; return non-zero from the callback to stop the events, then call usapi_watch_stop from another thread",
            ));
        }
        let slot: Arc<Mutex<Option<Watch>>> = WATCHES.remove(watch)?;
        let w = slot.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(w) = w {
            w.stop()?;
        }
        Ok(0)
    })
}

/// The watcher's counters as JSON: `{"polls":N,"failed":N,"devices":[{"device",
/// "host","state","polls","failed","max_lag_ms"}]}` ("state" is "unknown",
/// "online", "offline", "rebooting", "auth-failed" or "occupied"). Free
/// `*out_json` with `usapi_string_free`.
///
/// Returns 0, USAPI_E_INVALID_HANDLE or USAPI_E_NULL_ARGUMENT.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_watch_stats(watch: usapi_watch, out_json: *mut *mut c_char) -> i32 {
    guard(|| {
        if out_json.is_null() {
            return Err(Failure::new(
                codes::E_NULL_ARGUMENT,
                "argument 'out_json' is NULL",
            ));
        }
        let slot = WATCHES.get(watch)?;
        let json = match slot.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            Some(w) => w.stats_json(),
            None => {
                return Err(Failure::new(
                    codes::E_INVALID_HANDLE,
                    format!("watch handle {watch:#x} is being stopped"),
                ));
            }
        };
        write_string(out_json, &json)?;
        Ok(0)
    })
}
