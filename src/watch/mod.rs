//! One background poller for many devices (DESIGN.md "Long operations and
//! watching"): events as JSON, the same text for Rust, C, C++ and Python.
//!
//! Layer: built on the engine (`crate::engine`), the client's `Device` and
//! the restart rules of `ops`; used by ffi and the CLI. Files: this one the
//! public API and the per-device state; `poll` one poll's requests on the
//! reactor; `judge` what a poll's outcome means (events, phase, next
//! poll); `fields` the watched fields of get-status; `fingerprint` the
//! body fingerprint that lets a steady device's poll read nothing.
//!
//! Every device is polled on the fleet engine (`crate::engine`): one
//! reactor thread with non-blocking sockets, each device's next poll a
//! timer, each poll's requests deadlines on the same timer heap. A device
//! that answers in 100 ms or never costs a timer and a socket, not a
//! thread, so a rack of dead devices delays no live one. Every request of
//! a poll is bounded by the poll timeout (shorter than the interval); a
//! device that went offline is probed with `ping` and a short connect
//! timeout, backing off up to `max_backoff`, forever. Callbacks run on one
//! event thread of the watcher, in order, so a slow callback never delays
//! a poll. A watcher has two threads, whatever the number of devices.
//!
//! Events (one JSON object each; every one has "event", "device" (the id
//! the caller gave, the C handle), "host" and "time_ms" (Unix time)):
//! - `online`: the first answer; "state" holds the watched fields.
//! - `offline`: no answer for `offline_after`; "silent_ms", "code", "error".
//! - `back`: answers again after `offline`, `rebooting`, `auth-failed` or
//!   `occupied`, and the watcher has logged in again; "state".
//! - `auth-failed`: the device refused the stored credentials (or the
//!   handle never logged in); "code", "error".
//! - `occupied`: login refused with errOccupied (-2): two other clients
//!   hold the device's sessions; "code", "error".
//! - `rebooting`: the device restarts; "operation" ("reboot", "reset" or
//!   "update"). However the device shows it (`ops::restart`, the same rules
//!   the `run_*` operations use): statusReboot / statusReset in the mask,
//!   errBusy (-9) on get-status with one of them in ping's mask, or
//!   connections closing (or -9) right after a reboot, reset or update was
//!   seen in the mask. While it restarts only ping is sent; `back` follows
//!   once ping answers 0 without those flags and the login succeeds (no
//!   `offline` in between unless it stays silent for 10 minutes).
//! - `changed`: "changes" holds each watched field that changed, with its
//!   new value, and "previous" the old values. Watched fields: "recording",
//!   "live" (bools), "live-servers" (each server's live state, `[{"id","result"}]`),
//!   "input-signal" (the device's object), "usb" / "sd" (`{"disk-status",
//!   "free-size", "total-size"}`; free space is reported when it moved by 1 %
//!   of the disk since last reported, or with a status change), "operations" (running operations by name: "format-usb",
//!   "format-sd", "test-usb", "test-server", "update", "update-check",
//!   "reset", "reboot", "search-wifi", "connect-wifi"), "box-name".
//!
//! A session that expires is renewed by the client's transparent re-login
//! inside the poll: no event, no failed poll.

mod fields;
mod fingerprint;
mod judge;
mod poll;

use crate::client::{Device, Error, Result};
use crate::engine::{Engine, Reactor};
use crate::ops::Flow;
use crate::ops::restart::Restart;
use fields::Snap;
use serde_json::{Map, Value};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{JoinHandle, ThreadId};
use std::time::{Duration, Instant, SystemTime};

/// How to watch. `Default`: 1 s interval, offline after 3 s, the poll
/// timeout half the interval, backoff up to 10 s.
#[derive(Debug, Clone, PartialEq)]
pub struct WatchOptions {
    /// How often each device is polled (at least 10 ms).
    pub interval: Duration,
    /// A device that has not answered for this long is `offline` (at least
    /// one interval).
    pub offline_after: Duration,
    /// Bound of each request of a poll (connect included). `None`: half the
    /// interval, at most 5 s. Capped at the interval.
    pub timeout: Option<Duration>,
    /// Ignored: kept so existing code still compiles. Watchers had a pool
    /// of blocking workers; every device is now polled on one reactor
    /// thread, whatever this says.
    pub workers: usize,
    /// Longest pause between two probes of an offline device (default 10 s,
    /// never below the interval).
    pub max_backoff: Duration,
}

impl Default for WatchOptions {
    fn default() -> Self {
        WatchOptions {
            interval: Duration::from_secs(1),
            offline_after: Duration::from_secs(3),
            timeout: None,
            workers: 0,
            max_backoff: Duration::from_secs(10),
        }
    }
}

/// Counters of one device, for monitoring and benchmarks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeviceStats {
    /// The id the caller gave the device (the C handle).
    pub id: u64,
    /// The device's host, as opened.
    pub host: String,
    /// "unknown", "online", "offline", "rebooting", "auth-failed", "occupied".
    pub state: &'static str,
    /// Polls and probes done.
    pub polls: u64,
    /// Polls and probes that got no status (no answer, or a refusal).
    pub failed: u64,
    /// The latest any poll of this device started after its deadline.
    pub max_lag: Duration,
}

/// A running watcher. Stop it with [`Watch::stop`] (dropping it stops it
/// too).
pub struct Watch {
    shared: Arc<Shared>,
    engine: Option<Engine>,
    events: Option<JoinHandle<()>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Unknown,
    Online,
    Offline,
    Rebooting,
    AuthFailed,
    Occupied,
}

impl Phase {
    fn name(self) -> &'static str {
        match self {
            Phase::Unknown => "unknown",
            Phase::Online => "online",
            Phase::Offline => "offline",
            Phase::Rebooting => "rebooting",
            Phase::AuthFailed => "auth-failed",
            Phase::Occupied => "occupied",
        }
    }
}

struct DevState {
    phase: Phase,
    last_answer: Instant,
    /// Failed probes since the device went offline (the backoff exponent).
    probes: u32,
    /// Consecutive failed logins (auth-failed / occupied backoff).
    refusals: u32,
    snapshot: Option<Box<Snap>>,
    /// The fingerprint of the get-status body `snapshot` was read from
    /// (`body_key`), None when it came from a ping.
    body_key: Option<u64>,
    /// A restart the last mask announced (its flag, or statusUpgrade):
    /// connections closing next mean that restart.
    hint: Option<Restart>,
    /// The restart under way (phase Rebooting).
    restarting: Restart,
    polls: u64,
    failed: u64,
    max_lag: Duration,
}

struct Entry {
    id: u64,
    /// Its host is the handle's own (`Device::host`), not a copy.
    dev: Arc<Device>,
    state: Mutex<DevState>,
    /// Where the clock was in the last get-status body (`body_key`'s
    /// hint: the device writes its status in the same order each time).
    clock_at: AtomicUsize,
    /// The fingerprint of the last get-status body (set by `vouch`, read
    /// by the poll that asked for it).
    key: AtomicU64,
}

struct Shared {
    entries: Vec<Entry>,
    stop: AtomicBool,
    interval: Duration,
    offline_after: Duration,
    timeout: Duration,
    probe_connect: Duration,
    max_backoff: Duration,
    tx: Mutex<Option<mpsc::Sender<String>>>,
    event_thread: Mutex<Option<ThreadId>>,
    polls: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl Watch {
    /// Watch `devices` (each an id that events name as "device", and its
    /// handle) and call `cb` with each event's JSON on the watcher's event
    /// thread. The handles should be logged in: the watcher logs in again
    /// with their stored credentials after a device comes back (a handle
    /// that never logged in is watched with `ping` only, and its state
    /// holds only "recording", "live" and "operations").
    pub fn start(
        devices: Vec<(u64, Arc<Device>)>,
        opts: WatchOptions,
        mut cb: impl FnMut(&str) + Send + 'static,
    ) -> Result<Watch> {
        Self::start_with(devices, opts, move |e| {
            cb(e);
            Flow::Continue(())
        })
    }

    /// Like [`Watch::start`], with a callback that can end the watch:
    /// `Flow::Break(())` stops polling and delivers no further events (call
    /// `stop` afterwards to join the threads).
    pub fn start_with(
        devices: Vec<(u64, Arc<Device>)>,
        opts: WatchOptions,
        mut cb: impl FnMut(&str) -> Flow + Send + 'static,
    ) -> Result<Watch> {
        if devices.is_empty() {
            return Err(Error::Watch(
                "no devices to watch: pass at least one".into(),
            ));
        }
        if opts.interval < Duration::from_millis(10) {
            return Err(Error::Watch(format!(
                "interval {} ms is too short: use at least 10 ms",
                opts.interval.as_millis()
            )));
        }
        let interval = opts.interval;
        let offline_after = opts.offline_after.max(interval);
        let timeout = opts
            .timeout
            .unwrap_or_else(|| (interval / 2).min(Duration::from_secs(5)))
            .clamp(Duration::from_millis(5), interval);
        // Names are looked up here, once, not on the reactor thread.
        for (_, d) in &devices {
            let _ = d.addrs().get();
        }
        let now = Instant::now();
        let entries: Vec<Entry> = devices
            .into_iter()
            .map(|(id, dev)| Entry {
                clock_at: AtomicUsize::new(0),
                key: AtomicU64::new(0),
                id,
                dev,
                state: Mutex::new(DevState {
                    phase: Phase::Unknown,
                    last_answer: now,
                    probes: 0,
                    refusals: 0,
                    snapshot: None,
                    body_key: None,
                    hint: None,
                    restarting: Restart::Reboot,
                    polls: 0,
                    failed: 0,
                    max_lag: Duration::ZERO,
                }),
            })
            .collect();
        let n = entries.len();
        let (tx, rx) = mpsc::channel::<String>();
        let shared = Arc::new(Shared {
            entries,
            stop: AtomicBool::new(false),
            interval,
            offline_after,
            timeout,
            probe_connect: timeout.min(Duration::from_millis(250)),
            max_backoff: opts.max_backoff.max(interval),
            tx: Mutex::new(Some(tx)),
            event_thread: Mutex::new(None),
            polls: AtomicU64::new(0),
        });
        let mut watch = Watch {
            shared: Arc::clone(&shared),
            engine: None,
            events: None,
        };
        let sh = Arc::clone(&shared);
        let events = std::thread::Builder::new()
            .name("usapi-watch-events".into())
            .spawn(move || {
                for event in rx {
                    if sh.stop.load(Ordering::SeqCst) {
                        break;
                    }
                    // A panicking callback ends the events, never the process.
                    let flow =
                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| cb(&event)));
                    if !matches!(flow, Ok(Flow::Continue(()))) {
                        sh.halt();
                        break;
                    }
                }
            })
            .map_err(|e| Error::Watch(format!("cannot start the event thread: {e}")))?;
        *lock(&shared.event_thread) = Some(events.thread().id());
        watch.events = Some(events);
        // `watch` drops on an error here and ends the event thread.
        let engine = Engine::start("usapi-watch")
            .map_err(|e| Error::Watch(format!("cannot start the watcher: {e}")))?;
        let sh = Arc::clone(&shared);
        engine.send(Box::new(move |r: &mut Reactor| {
            // Spread the first polls over one interval: no burst every second.
            for i in 0..n {
                let due = now + interval.mul_f64(i as f64 / n as f64);
                Shared::schedule(&sh, r, i, due);
            }
        }))?;
        watch.engine = Some(engine);
        Ok(watch)
    }

    /// Stop polling and return after the last callback has returned;
    /// events not yet delivered are dropped. Called from this watcher's own
    /// callback it cannot wait for itself: it stops the polling, returns
    /// `Error::Watch`, and the threads end when the callback returns.
    pub fn stop(mut self) -> Result<()> {
        if self.on_event_thread() {
            self.shared.halt();
            if let Some(e) = self.engine.as_mut() {
                e.halt();
                e.detach();
            }
            // Detach: joining our own thread would deadlock.
            self.events = None;
            return Err(Error::Watch(
                "stop called from the watcher's own callback: polling has stopped, and the threads end when the callback returns (return Break from the callback, or stop it from another thread)".into(),
            ));
        }
        self.join();
        Ok(())
    }

    /// True when called on this watcher's event thread (inside its callback).
    pub fn on_event_thread(&self) -> bool {
        *lock(&self.shared.event_thread) == Some(std::thread::current().id())
    }

    /// Per-device counters and states, in the order the devices were given.
    pub fn stats(&self) -> Vec<DeviceStats> {
        self.shared
            .entries
            .iter()
            .map(|e| {
                let s = lock(&e.state);
                DeviceStats {
                    id: e.id,
                    host: e.dev.host().to_string(),
                    state: s.phase.name(),
                    polls: s.polls,
                    failed: s.failed,
                    max_lag: s.max_lag,
                }
            })
            .collect()
    }

    /// The counters as JSON: `{"polls":N,"failed":N,"devices":[{"device",
    /// "host","state","polls","failed","max_lag_ms"}]}`. Written straight
    /// into one string (a JSON tree of 4096 devices took 7 MiB on the way).
    pub fn stats_json(&self) -> String {
        use std::fmt::Write as _;
        let entries = &self.shared.entries;
        let mut devices = String::with_capacity(entries.len() * 112);
        let mut failed = 0u64;
        for (i, e) in entries.iter().enumerate() {
            let (phase, polls, fails, lag) = {
                let s = lock(&e.state);
                (s.phase, s.polls, s.failed, s.max_lag)
            };
            failed += fails;
            let host = Value::from(e.dev.host()).to_string();
            let _ = write!(
                devices,
                r#"{}{{"device":{},"host":{host},"state":"{}","polls":{polls},"failed":{fails},"max_lag_ms":{}}}"#,
                if i == 0 { "" } else { "," },
                e.id,
                phase.name(),
                ms(lag)
            );
        }
        format!(
            r#"{{"polls":{},"failed":{failed},"devices":[{devices}]}}"#,
            self.shared.polls.load(Ordering::Relaxed)
        )
    }

    fn join(&mut self) {
        self.shared.halt();
        // The reactor ends first (its sockets close, its calls are
        // dropped), then the channel closes so the event thread ends.
        if let Some(mut e) = self.engine.take() {
            e.stop();
        }
        lock(&self.shared.tx).take();
        if let Some(e) = self.events.take() {
            let _ = e.join();
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        if self.on_event_thread() {
            self.shared.halt();
            if let Some(e) = self.engine.as_mut() {
                e.halt();
                e.detach();
            }
            return;
        }
        self.join();
    }
}

impl Shared {
    fn halt(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }

    fn emit(&self, e: &Entry, event: &str, mut fields: Map<String, Value>) {
        let mut obj = Map::with_capacity(fields.len() + 4);
        obj.insert("event".into(), event.into());
        obj.insert("device".into(), e.id.into());
        obj.insert("host".into(), e.dev.host().into());
        obj.insert("time_ms".into(), unix_ms().into());
        obj.append(&mut fields);
        if let Some(tx) = lock(&self.tx).as_ref() {
            let _ = tx.send(Value::Object(obj).to_string());
        }
    }
}
