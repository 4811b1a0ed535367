//! One background poller for many devices (DESIGN.md "Long operations and
//! watching"): events as JSON, the same text for Rust, C, C++ and Python.
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

use crate::api::Method;
use crate::client::{Device, Error, Result};
use crate::engine::{Call, Engine, Limits, Reactor, Vouch};
use crate::model::codes;
use crate::model::status::*;
use crate::ops::Flow;
use crate::ops::restart::{self, Restart, Seen, Verdict as RVerdict};
use serde::Deserialize;
use serde_json::{Map, Value, json};
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

/// The watched fields of get-status, read without building a JSON tree of
/// the whole reply. Numbers stay `Value`s (no allocation): devices send
/// some as strings.
#[derive(Deserialize, Default)]
#[serde(default)]
struct StatusView {
    #[serde(rename = "cur-status")]
    cur_status: Value,
    #[serde(rename = "box-name")]
    box_name: Value,
    #[serde(rename = "live-status")]
    live_status: LiveView,
    #[serde(rename = "format-status")]
    format_status: ResultView,
    #[serde(rename = "input-signal")]
    input_signal: Signal,
    usb: Disk,
    sd: Disk,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LiveView {
    result: Value,
    result2: Value,
    live: Option<Vec<LiveEntry>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LiveEntry {
    id: Value,
    result: Value,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ResultView {
    result: Value,
}

/// input-signal, the document's fields.
#[derive(Deserialize, Default, Clone, PartialEq, Debug)]
#[serde(default)]
struct Signal {
    status: Value,
    cx: Value,
    cy: Value,
    interlaced: Value,
    #[serde(rename = "frame-rate")]
    frame_rate: Value,
    #[serde(rename = "channel-valid")]
    channel_valid: Value,
    #[serde(rename = "is-lpcm")]
    is_lpcm: Value,
    #[serde(rename = "bits-per-sample")]
    bits_per_sample: Value,
    #[serde(rename = "sample-rate")]
    sample_rate: Value,
}

#[derive(Deserialize, Default, Clone, PartialEq, Debug)]
#[serde(default)]
struct Disk {
    #[serde(rename = "disk-status")]
    disk_status: Value,
    #[serde(rename = "free-size")]
    free_size: Value,
    #[serde(rename = "total-size")]
    total_size: Value,
}

fn as_i64(v: &Value) -> Option<i64> {
    v.as_i64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

/// Mask bits of running operations, with their names.
const OPS: &[(u32, &str)] = &[
    (STATUS_FORMAT_DISK, "format-usb"),
    (STATUS_DISK_TEST, "test-usb"),
    (STATUS_NET_TEST, "test-server"),
    (STATUS_UPGRADE, "update"),
    (STATUS_CHECK_UPGRADE, "update-check"),
    (STATUS_RESET, "reset"),
    (STATUS_REBOOT, "reboot"),
    (STATUS_SEARCH_WIFI, "search-wifi"),
    (STATUS_CONNECT_WIFI, "connect-wifi"),
];

fn ops_bits(mask: u32) -> u32 {
    OPS.iter().fold(0, |a, (bit, _)| a | (mask & bit))
}

/// Running operations named from the status mask (and format-status for
/// the SD card: the document's flag names only a USB format, though a
/// device may set it for either disk; see `snapshot`).
fn operations(mask: u32, format_sd: bool) -> Vec<Value> {
    let mut out: Vec<Value> = OPS
        .iter()
        .filter(|(bit, _)| mask & bit != 0 && !(format_sd && *bit == STATUS_FORMAT_DISK))
        .map(|(_, n)| Value::from(*n))
        .collect();
    if format_sd {
        out.push("format-sd".into());
    }
    out
}

/// The watched fields, typed: compared on every poll without building
/// JSON; JSON is built only for an event.
#[derive(Clone, PartialEq, Debug, Default)]
struct Snap {
    /// From get-status (false: from ping, only the mask).
    full: bool,
    mask: u32,
    format_sd: bool,
    servers: Vec<(Value, Value)>,
    signal: Signal,
    usb: Disk,
    sd: Disk,
    box_name: Value,
}

/// The watched fields' names, in event order.
const FIELDS: [&str; 8] = [
    "recording",
    "live",
    "live-servers",
    "input-signal",
    "usb",
    "sd",
    "operations",
    "box-name",
];

impl Snap {
    fn from_ping(mask: u32) -> Snap {
        Snap {
            mask,
            ..Snap::default()
        }
    }

    /// Whether field `k` is known (a ping knows only the mask's fields).
    fn has(&self, k: usize) -> bool {
        self.full || matches!(k, 0 | 1 | 6)
    }

    fn same(&self, o: &Snap, k: usize) -> bool {
        match k {
            0 => self.mask & STATUS_RECORD == o.mask & STATUS_RECORD,
            1 => self.mask & STATUS_LIVING == o.mask & STATUS_LIVING,
            2 => self.servers == o.servers,
            3 => self.signal == o.signal,
            4 => self.usb == o.usb,
            5 => self.sd == o.sd,
            6 => ops_bits(self.mask) == ops_bits(o.mask) && self.format_sd == o.format_sd,
            _ => self.box_name == o.box_name,
        }
    }

    fn field(&self, k: usize) -> Value {
        let disk = |d: &Disk| json!({"disk-status": d.disk_status, "free-size": d.free_size, "total-size": d.total_size});
        match k {
            0 => (self.mask & STATUS_RECORD != 0).into(),
            1 => (self.mask & STATUS_LIVING != 0).into(),
            2 => self
                .servers
                .iter()
                .map(|(id, r)| json!({"id": id, "result": r}))
                .collect::<Vec<_>>()
                .into(),
            3 => {
                let s = &self.signal;
                json!({"status": s.status, "cx": s.cx, "cy": s.cy, "interlaced": s.interlaced,
                       "frame-rate": s.frame_rate, "channel-valid": s.channel_valid, "is-lpcm": s.is_lpcm,
                       "bits-per-sample": s.bits_per_sample, "sample-rate": s.sample_rate})
            }
            4 => disk(&self.usb),
            5 => disk(&self.sd),
            6 => operations(self.mask, self.format_sd).into(),
            _ => self.box_name.clone(),
        }
    }

    fn to_map(&self) -> Map<String, Value> {
        (0..FIELDS.len())
            .filter(|&k| self.has(k))
            .map(|k| (FIELDS[k].to_string(), self.field(k)))
            .collect()
    }
}

/// The watched fields of a get-status body.
fn snapshot(body: &str) -> std::result::Result<Snap, String> {
    let v: StatusView = serde_json::from_str(body).map_err(|e| e.to_string())?;
    let mask = as_i64(&v.cur_status).unwrap_or(0) as u32;
    let servers = match v.live_status.live {
        Some(list) => list.into_iter().map(|e| (e.id, e.result)).collect(),
        None => vec![
            (Value::from(1), v.live_status.result),
            (Value::from(2), v.live_status.result2),
        ],
    };
    let format_running = as_i64(&v.format_status.result) == Some(codes::RET_RUNNING as i64);
    // A format runs on the SD card when the flag is clear (it names a USB
    // format), or when it is set but no USB drive is present. Otherwise
    // the blocks cannot tell which disk: it is reported as "format-usb".
    let no_usb = as_i64(&v.usb.disk_status) == Some(0);
    let format_sd = format_running && (mask & STATUS_FORMAT_DISK == 0 || no_usb);
    Ok(Snap {
        full: true,
        mask,
        format_sd,
        servers,
        signal: v.input_signal,
        usb: v.usb,
        sd: v.sd,
        box_name: v.box_name,
    })
}

/// What a failed call means for the watcher.
enum Verdict {
    NoAnswer,
    AuthFailed,
    Occupied,
    /// The device answered but refused (busy, ...): alive, no status.
    Refused,
}

fn classify(e: &Error) -> Verdict {
    match e {
        Error::Device { method, code } if method == "login" => match *code {
            codes::ERR_OCCUPIED => Verdict::Occupied,
            codes::ERR_NEED_AUTH
            | codes::ERR_PASSWD
            | codes::RET_LOGIN_FAILED
            | codes::ERR_NO_USER => Verdict::AuthFailed,
            _ => Verdict::Refused,
        },
        Error::Device { code, .. } if *code == codes::ERR_NEED_AUTH => Verdict::AuthFailed,
        Error::Device { code, .. } if *code == codes::ERR_OCCUPIED => Verdict::Occupied,
        Error::Device { .. } | Error::InvalidArgument { .. } => Verdict::Refused,
        _ => Verdict::NoAnswer,
    }
}

/// What one poll found.
enum Outcome {
    /// The status mask, the watched fields, and the fingerprint of the
    /// get-status body they were read from (None: from a ping).
    Status(u32, Box<Snap>, Option<u64>),
    /// A get-status body that differs from the last one only in its
    /// clock: nothing watched changed, and nothing was parsed.
    Same,
    /// The device restarts (`answered`: it replied, e.g. -9 with the flag).
    Restarting(Restart, bool),
    Fail(Error),
}

/// A fingerprint of a get-status body without its clock ("cur-time",
/// which changes every second and is not watched). Two bodies with the
/// same fingerprint give the same watched fields, so a poll of a device
/// whose status did not change parses nothing: a multiply-rotate hash over
/// 8-byte words (about 1,000 instructions for a 2 KB body, where reading
/// the fields costs 35,000). It guards against accident, not against a
/// device: a device can lie in its status anyway.
///
/// `hint` is where the clock was last time (checked first, so a steady
/// device's body is not searched); the clock's place is returned for the
/// next call (0 when there is none).
fn body_key(body: &str, hint: usize) -> (u64, usize, bool) {
    const CLOCK: &str = "\"cur-time\":";
    let b = body.as_bytes();
    let found = if hint > 0
        && b.get(hint..)
            .is_some_and(|r| r.starts_with(CLOCK.as_bytes()))
    {
        Some(hint)
    } else {
        body.find(CLOCK)
    };
    match found {
        Some(at) => {
            let rest = &body[at + CLOCK.len()..];
            // Skip the value: a string (no escapes in a clock) or a number.
            let end = if let Some(r) = rest.strip_prefix('"') {
                r.find('"').map(|i| i + 2)
            } else {
                rest.find([',', '}'])
            }
            .unwrap_or(0);
            let tail = &rest.as_bytes()[end..];
            let key = fold(fold(0x51_7c_c1_b7_27_22_0a_95, &b[..at]), tail) ^ tail.len() as u64;
            (key, at, plain_clock(&rest.as_bytes()[..end]))
        }
        None => (fold(0x51_7c_c1_b7_27_22_0a_95, b) ^ b.len() as u64, 0, true),
    }
}

/// Whether a clock value (as `body_key` skipped it) is a JSON string of
/// printable ASCII without escapes, or a JSON number, with nothing
/// around it: put in place of another such value, the body stays
/// well-formed JSON.
fn plain_clock(v: &[u8]) -> bool {
    if let Some(s) = v.strip_prefix(b"\"").and_then(|s| s.strip_suffix(b"\"")) {
        return s
            .iter()
            .all(|&c| (0x20..0x7f).contains(&c) && c != b'"' && c != b'\\');
    }
    // -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
    let mut i = usize::from(v.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let from = *i;
        while v.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - from
    };
    let int_from = i;
    let n = digits(&mut i);
    if n == 0 || (n > 1 && v[int_from] == b'0') {
        return false;
    }
    if v.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    }
    if matches!(v.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(v.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == v.len()
}

/// The hash step of `body_key`, over `bytes`.
fn fold(mut h: u64, bytes: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let mut a = [0u8; 8];
        a.copy_from_slice(w);
        h = (h.rotate_left(23) ^ u64::from_le_bytes(a)).wrapping_mul(K);
    }
    for &x in words.remainder() {
        h = (h.rotate_left(23) ^ u64::from(x)).wrapping_mul(K);
    }
    (h.rotate_left(23) ^ bytes.len() as u64).wrapping_mul(K)
}

/// A device restarting for this long without a word is reported offline.
const RESTART_SILENCE: Duration = Duration::from_secs(600);

/// One poll in progress: its device, its deadline, the bounds of its
/// requests, the phase it began in and the restart it expects.
#[derive(Clone, Copy)]
struct PollCtx {
    index: usize,
    due: Instant,
    limits: Limits,
    phase: Phase,
    expected: Option<Restart>,
}

/// What a poll does with its ping.
#[derive(Clone, Copy)]
enum PingFor {
    /// A handle without credentials: the ping is the poll.
    Only,
    /// A device that was offline: log in unless it restarts, then
    /// get-status.
    Probe,
    /// A restarting device: ready (ping 0, no restart flag) means log in
    /// again and get-status.
    Restart,
    /// After errBusy to this method: does the mask show a restart?
    Busy(&'static str),
}

/// A get-status body equal to the last one read (result 0) but for a
/// plain clock is that body again: well-formed, result 0, nothing watched
/// changed. The engine then skips reading its JSON through, and the poll
/// reads nothing either (`Outcome::Same`). The fingerprint guards against
/// accident, not against a device, which can lie in its status anyway.
impl Vouch for Shared {
    fn vouch(&self, index: usize, body: &str) -> Option<i32> {
        let e = self.entries.get(index)?;
        let (key, at, plain) = body_key(body, e.clock_at.load(Ordering::Relaxed));
        e.clock_at.store(at, Ordering::Relaxed);
        e.key.store(key, Ordering::Relaxed);
        (plain && self.unchanged(index, key)).then_some(0)
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

    /// Poll device `index` at `due` (a timer of the reactor).
    fn schedule(sh: &Arc<Shared>, r: &mut Reactor, index: usize, due: Instant) {
        let sh = Arc::clone(sh);
        r.at(due, move |r| Shared::start_poll(&sh, r, index, due));
    }

    /// The requests of one poll, by phase, each started when the one
    /// before it ended (the same steps the blocking watcher took, on the
    /// engine).
    fn start_poll(sh: &Arc<Shared>, r: &mut Reactor, index: usize, due: Instant) {
        if sh.stop.load(Ordering::SeqCst) {
            return;
        }
        let started = Instant::now();
        let e = &sh.entries[index];
        let (phase, expected) = {
            let mut s = lock(&e.state);
            s.polls += 1;
            s.max_lag = s.max_lag.max(started.saturating_duration_since(due));
            let expected = if s.phase == Phase::Rebooting {
                Some(s.restarting)
            } else {
                s.hint
            };
            (s.phase, expected)
        };
        sh.polls.fetch_add(1, Ordering::Relaxed);
        let connect = if phase == Phase::Offline {
            sh.probe_connect
        } else {
            sh.timeout
        };
        let ctx = PollCtx {
            index,
            due,
            limits: Limits::at_most(&e.dev, connect, sh.timeout),
            phase,
            expected,
        };
        // Only ping while it restarts; the login once it is ready.
        if phase == Phase::Rebooting {
            return Shared::ping(sh, r, ctx, PingFor::Restart);
        }
        let steady = matches!(phase, Phase::Unknown | Phase::Online);
        let creds = if steady {
            e.dev.has_credentials()
        } else {
            e.dev.credentials().is_some()
        };
        if !creds {
            return Shared::ping(sh, r, ctx, PingFor::Only);
        }
        match phase {
            // The session logic renews an expired session inside the call.
            Phase::Unknown | Phase::Online => Shared::status(sh, r, ctx),
            // A cheap probe first: a device still down costs one connect
            // attempt, and one still rebooting no login.
            Phase::Offline | Phase::Rebooting => Shared::ping(sh, r, ctx, PingFor::Probe),
            Phase::AuthFailed | Phase::Occupied => Shared::login(sh, r, ctx, false),
        }
    }

    fn ping(sh: &Arc<Shared>, r: &mut Reactor, ctx: PollCtx, what: PingFor) {
        let dev = Arc::clone(&sh.entries[ctx.index].dev);
        let sh2 = Arc::clone(sh);
        let call = Call::raw_method(
            dev,
            Method::Ping,
            ctx.limits,
            Box::new(move |r, res| {
                let fields = res.as_ref().ok().map(crate::client::ping_fields);
                let seen = match fields {
                    Some((result, mask)) => Seen::Answer { result, mask },
                    None => Seen::NoAnswer,
                };
                match what {
                    PingFor::Restart => {
                        let k = ctx.expected.unwrap_or(Restart::Reboot);
                        if !restart::ping_ready(seen) {
                            let answered = seen != Seen::NoAnswer;
                            return Shared::finish(&sh2, r, ctx, Outcome::Restarting(k, answered));
                        }
                        let mask = fields.and_then(|f| f.1).unwrap_or(0);
                        if !sh2.entries[ctx.index].dev.has_credentials() {
                            let snap = Box::new(Snap::from_ping(mask));
                            return Shared::finish(&sh2, r, ctx, Outcome::Status(mask, snap, None));
                        }
                        Shared::login(&sh2, r, ctx, true)
                    }
                    PingFor::Busy(method) => {
                        let outcome = match restart::judge(ctx.expected, seen) {
                            RVerdict::Restarting(k) => {
                                Outcome::Restarting(k, seen != Seen::NoAnswer)
                            }
                            _ => Outcome::Fail(Error::Device {
                                method: method.into(),
                                code: codes::ERR_BUSY,
                            }),
                        };
                        Shared::finish(&sh2, r, ctx, outcome)
                    }
                    PingFor::Only | PingFor::Probe => {
                        let (result, mask) = match res {
                            Ok(ref reply) => crate::client::ping_fields(reply),
                            Err(e) => return Shared::steady_failed(&sh2, r, ctx, e),
                        };
                        let restarting =
                            mask.is_some_and(|m| restart::restart_in_mask(m, None).is_some());
                        let mask = mask.unwrap_or(0);
                        if matches!(what, PingFor::Probe) && restarting {
                            let snap = Box::new(Snap::from_ping(mask));
                            return Shared::finish(&sh2, r, ctx, Outcome::Status(mask, snap, None));
                        }
                        if result != 0 {
                            let e = Error::Device {
                                method: "ping".into(),
                                code: result,
                            };
                            return Shared::steady_failed(&sh2, r, ctx, e);
                        }
                        match what {
                            PingFor::Probe => Shared::login(&sh2, r, ctx, false),
                            _ => {
                                let snap = Box::new(Snap::from_ping(mask));
                                Shared::finish(&sh2, r, ctx, Outcome::Status(mask, snap, None))
                            }
                        }
                    }
                }
            }),
        );
        r.call(call);
    }

    /// Log in with the stored credentials (`after_restart`: the old
    /// session sent along, nothing given back first), then get-status.
    fn login(sh: &Arc<Shared>, r: &mut Reactor, ctx: PollCtx, after_restart: bool) {
        let dev = Arc::clone(&sh.entries[ctx.index].dev);
        let sh2 = Arc::clone(sh);
        let done: crate::engine::Done = Box::new(move |r, res| match res {
            Ok(_) => Shared::status(&sh2, r, ctx),
            Err(e) => Shared::steady_failed(&sh2, r, ctx, e),
        });
        let call = if after_restart {
            Call::login_after_restart(dev, ctx.limits, done)
        } else {
            dev.credentials()
                .map(|(user, pass)| Call::login(dev, user, pass, ctx.limits, done))
        };
        match call {
            Some(c) => r.call(c),
            // The credentials went (a logout meanwhile): the ping is the poll.
            None => Shared::ping(sh, r, ctx, PingFor::Only),
        }
    }

    fn status(sh: &Arc<Shared>, r: &mut Reactor, ctx: PollCtx) {
        let dev = Arc::clone(&sh.entries[ctx.index].dev);
        let sh2 = Arc::clone(sh);
        let call = Call::method(
            dev,
            Method::GetStatus,
            ctx.limits,
            Box::new(move |r, res| {
                let reply = match res {
                    Ok(reply) => reply,
                    Err(e) => return Shared::steady_failed(&sh2, r, ctx, e),
                };
                // `vouch` fingerprinted this very body (every 200 reply
                // to the call passes it, the last one is this).
                let key = sh2.entries[ctx.index].key.load(Ordering::Relaxed);
                if sh2.unchanged(ctx.index, key) {
                    return Shared::finish(&sh2, r, ctx, Outcome::Same);
                }
                let outcome = match snapshot(&reply.body) {
                    // Only a body whose result is 0 vouches for the next.
                    Ok(snap) => Outcome::Status(
                        snap.mask,
                        Box::new(snap),
                        (reply.result == 0).then_some(key),
                    ),
                    Err(detail) => Outcome::Fail(Error::BadReply {
                        method: "get-status".into(),
                        detail,
                    }),
                };
                Shared::finish(&sh2, r, ctx, outcome)
            }),
        )
        .vouched(Arc::clone(sh) as Arc<dyn Vouch>, ctx.index);
        r.call(call);
    }

    /// A request of a poll outside a restart failed: right after a restart
    /// was announced, or as errBusy whose ping shows a restart flag, it is
    /// that restart (`ops::restart::judge`); else the failure stands.
    fn steady_failed(sh: &Arc<Shared>, r: &mut Reactor, ctx: PollCtx, err: Error) {
        if !matches!(ctx.phase, Phase::Unknown | Phase::Online) {
            return Shared::finish(sh, r, ctx, Outcome::Fail(err));
        }
        match &err {
            Error::Device { code, method } if *code == codes::ERR_BUSY => {
                let method = if method == "ping" {
                    "ping"
                } else {
                    "get-status"
                };
                Shared::ping(sh, r, ctx, PingFor::Busy(method))
            }
            _ if matches!(classify(&err), Verdict::NoAnswer) => {
                let outcome = match restart::judge(ctx.expected, Seen::NoAnswer) {
                    RVerdict::Restarting(k) => Outcome::Restarting(k, false),
                    _ => Outcome::Fail(err),
                };
                Shared::finish(sh, r, ctx, outcome)
            }
            _ => Shared::finish(sh, r, ctx, Outcome::Fail(err)),
        }
    }

    /// A poll ended: judge it, emit its events, set the next one's timer.
    fn finish(sh: &Arc<Shared>, r: &mut Reactor, ctx: PollCtx, outcome: Outcome) {
        if sh.stop.load(Ordering::SeqCst) {
            return;
        }
        let next = sh.judge(ctx.index, ctx.due, outcome);
        Shared::schedule(sh, r, ctx.index, next);
    }

    /// Whether device `index` is online and its last status came from a
    /// body with fingerprint `key`.
    fn unchanged(&self, index: usize, key: u64) -> bool {
        let s = lock(&self.entries[index].state);
        s.phase == Phase::Online && s.snapshot.is_some() && s.body_key == Some(key)
    }

    /// What a poll's outcome means for device `index`: its events, its new
    /// phase, and the time of its next poll.
    fn judge(&self, index: usize, due: Instant, outcome: Outcome) -> Instant {
        let e = &self.entries[index];
        let now = Instant::now();
        let mut s = lock(&e.state);
        match outcome {
            Outcome::Same => {
                s.last_answer = now;
                s.probes = 0;
                s.refusals = 0;
                due_after(due, self.interval, now)
            }
            Outcome::Status(mask, mut snap, key) => {
                s.body_key = key;
                s.last_answer = now;
                s.probes = 0;
                s.refusals = 0;
                let rebooting = mask & (STATUS_REBOOT | STATUS_RESET) != 0;
                let announced = restart::restart_in_mask(mask, s.hint);
                s.hint = restart::announced(mask);
                match s.phase {
                    Phase::Unknown => {
                        self.emit(e, "online", state_fields(&snap));
                        s.phase = Phase::Online;
                    }
                    Phase::Online => {
                        if let Some(old) = &s.snapshot {
                            if let Some(f) = diff(old, &mut snap) {
                                self.emit(e, "changed", f);
                            }
                        }
                    }
                    Phase::Offline | Phase::Rebooting | Phase::AuthFailed | Phase::Occupied => {
                        if !rebooting {
                            self.emit(e, "back", state_fields(&snap));
                            s.phase = Phase::Online;
                        }
                    }
                }
                if let (Some(k), Phase::Online) = (announced, s.phase) {
                    self.restarting(e, &mut s, k);
                }
                s.snapshot = Some(snap);
                due_after(due, self.interval, now)
            }
            Outcome::Restarting(k, answered) => {
                s.failed += 1;
                if answered {
                    s.last_answer = now;
                }
                match s.phase {
                    Phase::Unknown | Phase::Online => self.restarting(e, &mut s, k),
                    Phase::Rebooting => {
                        let silent = now.saturating_duration_since(s.last_answer);
                        if silent >= RESTART_SILENCE.max(self.offline_after) {
                            let mut f = Map::new();
                            f.insert("silent_ms".into(), ms(silent).into());
                            f.insert("code".into(), crate::model::codes::E_TIMEOUT.into());
                            f.insert(
                                "error".into(),
                                format!(
                                    "no answer for {} s since it began to restart",
                                    silent.as_secs()
                                )
                                .into(),
                            );
                            self.emit(e, "offline", f);
                            s.phase = Phase::Offline;
                            s.probes = 0;
                        }
                    }
                    _ => {}
                }
                // The interval's cadence (it may not answer).
                due_after(due, self.interval, now)
            }
            Outcome::Fail(err) => {
                s.failed += 1;
                match classify(&err) {
                    Verdict::NoAnswer => {
                        let silent = now.saturating_duration_since(s.last_answer);
                        if s.phase != Phase::Offline && silent >= self.offline_after {
                            let mut f = Map::new();
                            f.insert("silent_ms".into(), ms(silent).into());
                            f.insert("code".into(), err.code().into());
                            f.insert("error".into(), err.to_string().into());
                            self.emit(e, "offline", f);
                            s.phase = Phase::Offline;
                            s.probes = 0;
                        }
                        if s.phase == Phase::Offline {
                            let wait = self.backoff(s.probes, index);
                            s.probes = s.probes.saturating_add(1);
                            now + wait
                        } else {
                            // Keep the cadence until offline is decided.
                            due_after(due, self.interval, now)
                        }
                    }
                    kind @ (Verdict::AuthFailed | Verdict::Occupied) => {
                        s.last_answer = now;
                        let (phase, name) = match kind {
                            Verdict::Occupied => (Phase::Occupied, "occupied"),
                            _ => (Phase::AuthFailed, "auth-failed"),
                        };
                        if s.phase != phase {
                            let mut f = Map::new();
                            f.insert("code".into(), err.code().into());
                            f.insert("error".into(), err.to_string().into());
                            self.emit(e, name, f);
                            s.phase = phase;
                            s.refusals = 0;
                        }
                        // Retry the login, backing off: the device answers.
                        let wait = self.backoff(s.refusals, index);
                        s.refusals = s.refusals.saturating_add(1);
                        now + wait
                    }
                    Verdict::Refused => {
                        s.last_answer = now;
                        due_after(due, self.interval, now)
                    }
                }
            }
        }
    }

    /// Enter the Rebooting phase with its event.
    fn restarting(&self, e: &Entry, s: &mut DevState, k: Restart) {
        let mut f = Map::new();
        f.insert("operation".into(), k.name().into());
        self.emit(e, "rebooting", f);
        s.phase = Phase::Rebooting;
        s.restarting = k;
    }

    /// interval × 2^k up to max_backoff, with a per-device spread of up to
    /// 1/8 so a fleet that died together is not probed in lockstep.
    fn backoff(&self, k: u32, index: usize) -> Duration {
        let base = self
            .interval
            .saturating_mul(1u32 << k.min(16))
            .min(self.max_backoff);
        let spread = (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 61; // 0..7
        base + base.mul_f64(spread as f64 / 64.0)
    }
}

/// The next deadline: one interval after the last, or after now when the
/// poll ran late (so a late device does not poll in a burst to catch up).
fn due_after(due: Instant, interval: Duration, now: Instant) -> Instant {
    let next = due + interval;
    if next > now { next } else { now + interval }
}

fn state_fields(snap: &Snap) -> Map<String, Value> {
    let mut f = Map::new();
    f.insert("state".into(), Value::Object(snap.to_map()));
    f
}

/// Whether a disk changed enough to report: its status or size, or its
/// free space by at least 1 % of the disk (a recording eats free space
/// every second; reporting each byte would flood the callback).
fn disk_changed(old: &Disk, new: &Disk) -> bool {
    if old.disk_status != new.disk_status || old.total_size != new.total_size {
        return true;
    }
    let (Some(o), Some(n)) = (as_i64(&old.free_size), as_i64(&new.free_size)) else {
        return old.free_size != new.free_size;
    };
    let step = (as_i64(&new.total_size).unwrap_or(0) / 100).max(1);
    (n - o).abs() >= step
}

/// "changes" and "previous" for the fields that differ, or `None`. A disk
/// whose change is too small keeps its last reported free space in `new`,
/// so slow drift adds up to a report.
fn diff(old: &Snap, new: &mut Snap) -> Option<Map<String, Value>> {
    if old.full && new.full {
        if !disk_changed(&old.usb, &new.usb) {
            new.usb.free_size = old.usb.free_size.clone();
        }
        if !disk_changed(&old.sd, &new.sd) {
            new.sd.free_size = old.sd.free_size.clone();
        }
    }
    let mut changes = Map::new();
    let mut previous = Map::new();
    for (k, name) in FIELDS.iter().enumerate() {
        // A field a ping-only poll does not carry is unknown, not changed.
        if old.has(k) && new.has(k) && !old.same(new, k) {
            changes.insert(name.to_string(), new.field(k));
            previous.insert(name.to_string(), old.field(k));
        }
    }
    if changes.is_empty() {
        return None;
    }
    let mut f = Map::new();
    f.insert("changes".into(), changes.into());
    f.insert("previous".into(), previous.into());
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_reads_the_watched_fields() {
        let body = r#"{"result":0,"cur-status":"1048598","box-name":"Box 1",
            "live-status":{"result":27,"live":[{"id":0,"result":27,"is-skd-runnung":0}]},
            "format-status":{"result":27},"input-signal":{"status":1,"cx":1920},
            "usb":{"disk-status":1,"free-size":100},"sd":{"disk-status":0}}"#;
        let snap = snapshot(body).unwrap();
        assert_eq!(snap.mask, 0x100016);
        let m = snap.to_map();
        assert_eq!(m["recording"], true);
        assert_eq!(m["live"], true);
        assert_eq!(m["operations"], json!(["format-usb"]));
        assert_eq!(m["live-servers"], json!([{"id": 0, "result": 27}]));
        assert_eq!(m["input-signal"]["cx"], 1920);
        assert_eq!(
            m["usb"],
            json!({"disk-status": 1, "free-size": 100, "total-size": null})
        );
        assert_eq!(
            m["sd"],
            json!({"disk-status": 0, "free-size": null, "total-size": null})
        );
        assert_eq!(m["box-name"], "Box 1");
        assert!(snapshot("<html>").is_err());
        let ping = Snap::from_ping(STATUS_RECORD).to_map();
        assert_eq!(ping.len(), 3, "{ping:?}");
    }

    #[test]
    fn diff_names_only_what_changed() {
        let a = snapshot(r#"{"cur-status":16,"box-name":"a"}"#).unwrap();
        let b = snapshot(r#"{"cur-status":18,"box-name":"a"}"#).unwrap();
        assert!(diff(&a, &mut a.clone()).is_none());
        let d = diff(&a, &mut b.clone()).unwrap();
        assert_eq!(d["changes"], json!({"recording": true}));
        assert_eq!(d["previous"], json!({"recording": false}));
        // A ping after a full poll compares only what it knows.
        assert!(diff(&a, &mut Snap::from_ping(16)).is_none());
    }

    #[test]
    fn free_space_is_reported_in_steps_of_one_percent() {
        let snap = |status: i64, free: i64| {
            snapshot(&format!(
                r#"{{"usb":{{"disk-status":{status},"free-size":{free},"total-size":10000}}}}"#
            ))
            .unwrap()
        };
        let old = snap(1, 5_000);
        // 99 bytes less: nothing, and the reported value stays.
        let mut new = snap(1, 4_901);
        assert!(diff(&old, &mut new).is_none());
        assert_eq!(new.usb.free_size, 5_000);
        let mut newer = snap(1, 4_900);
        let d = diff(&new, &mut newer).unwrap();
        assert_eq!(d["changes"]["usb"]["free-size"], 4_900);
        // A status change is always reported.
        assert!(diff(&old, &mut snap(3, 5_000)).is_some());
    }

    #[test]
    fn sd_format_has_no_bit_but_is_named() {
        assert_eq!(operations(0, true), vec![Value::from("format-sd")]);
        // A device that sets the flag for SD formats too: named from the
        // blocks when they tell (no USB drive), else the flag's meaning.
        let snap = |usb: i64| {
            snapshot(&format!(
                r#"{{"cur-status":1048592,"format-status":{{"result":2}},"usb":{{"disk-status":{usb}}}}}"#
            ))
            .unwrap()
            .to_map()["operations"]
                .clone()
        };
        assert_eq!(snap(0), json!(["format-sd"]));
        assert_eq!(snap(1), json!(["format-usb"]));
        assert_eq!(
            operations(STATUS_REBOOT | STATUS_DISK_TEST, false),
            vec![Value::from("test-usb"), Value::from("reboot")]
        );
    }

    #[test]
    fn body_keys_ignore_only_the_clock() {
        let a = r#"{"result":0,"cur-status":16,"cur-time":"2026-12-07 07:11:09","box-name":"a"}"#;
        let b = r#"{"result":0,"cur-status":16,"cur-time":"2026-12-07 07:11:10","box-name":"a"}"#;
        let c = r#"{"result":0,"cur-status":16,"cur-time":"2026-12-07 07:11:10","box-name":"b"}"#;
        let d = r#"{"result":0,"cur-status":18,"cur-time":"2026-12-07 07:11:09","box-name":"a"}"#;
        let key = |s: &str| body_key(s, 0).0;
        assert!(body_key(a, 0).2);
        assert_eq!(key(a), key(b));
        assert_ne!(key(b), key(c));
        assert_ne!(key(a), key(d));
        // A numeric clock, and a body without one.
        assert_eq!(
            key(r#"{"cur-time":5,"x":1}"#),
            key(r#"{"cur-time":6,"x":1}"#)
        );
        assert_ne!(key(r#"{"x":1}"#), key(r#"{"x":2}"#));
        // The clock's place is returned, and as a hint it gives the same
        // key; a hint that misses (the body moved) falls back to a search.
        let (ka, at, _) = body_key(a, 0);
        assert_eq!(&a[at..at + 11], "\"cur-time\":");
        assert_eq!(body_key(b, at), (ka, at, true));
        assert_eq!(body_key(c, at).0, key(c));
        assert_eq!(
            body_key(r#"{"cur-time":5,"x":1}"#, at).0,
            key(r#"{"cur-time":6,"x":1}"#)
        );
        assert_eq!(body_key(r#"{"x":1}"#, 3), (key(r#"{"x":1}"#), 0, true));
    }

    #[test]
    fn only_a_plain_clock_vouches() {
        for ok in [
            &br#""2026-12-07 07:11:09""#[..],
            b"0",
            b"-12",
            b"1.5e+3",
            b"17e2",
        ] {
            assert!(plain_clock(ok), "{}", String::from_utf8_lossy(ok));
        }
        for bad in [
            &br#""a\u0041""#[..],
            b"\"tab\there\"",
            b"",
            b" 5",
            b"01",
            b"1.",
            b"1e",
            b"+1",
            b"--1",
            b"null",
            b"\"unterminated",
        ] {
            assert!(!plain_clock(bad), "{}", String::from_utf8_lossy(bad));
        }
        // As body_key sees them.
        assert!(!body_key(r#"{"cur-time":"a\q","x":1}"#, 0).2);
        assert!(!body_key(r#"{"cur-time":5x,"x":1}"#, 0).2);
    }

    #[test]
    fn login_refusals_are_classified() {
        let login = |code| Error::Device {
            method: "login".into(),
            code,
        };
        assert!(matches!(classify(&login(-1)), Verdict::AuthFailed));
        assert!(matches!(classify(&login(-2)), Verdict::Occupied));
        assert!(matches!(
            classify(&Error::Timeout("x".into())),
            Verdict::NoAnswer
        ));
        assert!(matches!(
            classify(&Error::Device {
                method: "get-status".into(),
                code: -9
            }),
            Verdict::Refused
        ));
    }
}
