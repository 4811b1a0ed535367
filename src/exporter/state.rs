//! What the exporter knows of each device, and the poller that keeps it
//! fresh on the fleet engine (`engine::submit`): one get-status per device
//! per interval (get-info once after each time it comes up), the replies
//! read on the engine thread into a small struct. A scrape copies these
//! structs and calls no device.

use crate::client::{Device, Error, Options, Reply, Result};
use crate::model::status::*;
use serde::Deserialize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

/// get-info's figures for `ultrastream_device_info`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Info {
    /// product.module-name ("Ultra Stream HDMI").
    pub model: String,
    /// product.firmware-ver-s.
    pub firmware: String,
    /// product.sn.
    pub serial: String,
}

/// One disk (usb or sd) as get-status shows it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Disk {
    /// disk-status (0 none, 1 valid, 3 full, 4 not writable, 5 low space, 6 invalid).
    #[serde(rename = "disk-status")]
    pub status: i64,
    /// total-size, bytes.
    #[serde(rename = "total-size")]
    pub total: u64,
    /// free-size, bytes.
    #[serde(rename = "free-size")]
    pub free: u64,
}

/// The get-status fields the metrics read (everything else is skipped
/// unparsed).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Status {
    /// cur-status: the status mask.
    #[serde(rename = "cur-status")]
    pub mask: u32,
    /// last-rec-status.
    #[serde(rename = "last-rec-status")]
    pub last_rec: i64,
    /// box-name.
    #[serde(rename = "box-name")]
    pub name: String,
    /// rec-status.
    #[serde(rename = "rec-status")]
    pub rec: Run,
    /// live-status.
    #[serde(rename = "live-status")]
    pub live: Run,
    /// input-signal.
    #[serde(rename = "input-signal")]
    pub signal: Signal,
    /// usb.
    pub usb: Disk,
    /// sd.
    pub sd: Disk,
}

/// rec-status / live-status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Run {
    /// result (live: the first server's state).
    pub result: i64,
    /// result2 (live: the second server's state).
    pub result2: i64,
    /// run-ms.
    #[serde(rename = "run-ms")]
    pub run_ms: u64,
    /// cur-bps (bytes/s, docs/units.md).
    #[serde(rename = "cur-bps")]
    pub cur_bps: u64,
    /// avg-bps (bytes/s).
    #[serde(rename = "avg-bps")]
    pub avg_bps: u64,
}

/// input-signal.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Signal {
    /// status (1 present).
    pub status: i64,
    /// cx.
    pub cx: u32,
    /// cy.
    pub cy: u32,
    /// frame-rate.
    #[serde(rename = "frame-rate")]
    pub frame_rate: f64,
    /// interlaced.
    pub interlaced: i64,
}

impl Status {
    /// Recording (statusRecord).
    pub fn recording(&self) -> bool {
        self.mask & STATUS_RECORD != 0
    }

    /// Live (statusLiving).
    pub fn live(&self) -> bool {
        self.mask & STATUS_LIVING != 0
    }
}

/// The operations `ultrastream_operation_running` names, with their bit.
pub const OPERATIONS: [(&str, u32); 7] = [
    ("firmware_update", STATUS_UPGRADE),
    ("format", STATUS_FORMAT_DISK),
    ("disk_test", STATUS_DISK_TEST),
    ("stream_test", STATUS_NET_TEST),
    ("update_check", STATUS_CHECK_UPGRADE),
    ("reboot", STATUS_REBOOT),
    ("reset", STATUS_RESET),
];

/// One device's metrics as the last polls left them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeviceMetrics {
    /// The `device` label (host or host:port as configured).
    pub device: String,
    /// The last poll got a get-status reply with result 0.
    pub up: bool,
    /// Wall time of the last poll, seconds.
    pub poll_seconds: f64,
    /// Unix time of the last good poll (0: never).
    pub last_success: f64,
    /// Polls that failed.
    pub polls_failed: u64,
    /// Logins after the first (session renewed after -17).
    pub relogins: u64,
    /// get-info's figures, once read (kept while the device is down).
    pub info: Option<Info>,
    /// The last good get-status (None while down: no stale values).
    pub status: Option<Status>,
}

/// Called when a poll has ended (its figures recorded).
type Done = Box<dyn FnOnce() + Send>;

/// One polled device.
pub(crate) struct Slot {
    pub dev: Arc<Device>,
    pub metrics: Mutex<DeviceMetrics>,
    in_flight: AtomicBool,
    need_info: AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

pub(crate) fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// The handle for one device: its requests bounded by `timeout`, the
/// credentials stored (not used until the device asks: the first -17 logs
/// in on the engine, without blocking anyone).
pub(crate) fn device(host: &str, user: &str, pass_md5: &str, timeout: Duration) -> Result<Device> {
    let opts = Options {
        connect_timeout: timeout.min(Duration::from_secs(3)),
        request_timeout: timeout,
        ..Options::default()
    };
    let d = Device::connect(host, opts)?;
    d.store_credentials(user, pass_md5);
    Ok(d)
}

impl Slot {
    pub(crate) fn new(dev: Device) -> Slot {
        let device = dev.host().to_string();
        Slot {
            dev: Arc::new(dev),
            metrics: Mutex::new(DeviceMetrics {
                device,
                ..DeviceMetrics::default()
            }),
            in_flight: AtomicBool::new(false),
            need_info: AtomicBool::new(true),
        }
    }

    /// A poll of this device is under way.
    pub(crate) fn polling(&self) -> bool {
        self.in_flight.load(Ordering::Acquire)
    }

    /// A copy of the metrics (for a scrape).
    pub(crate) fn snapshot(&self) -> DeviceMetrics {
        lock(&self.metrics).clone()
    }

    /// Start one poll on the engine unless one is in flight (a slow device
    /// is never asked twice at once). `done` runs when it ends.
    pub(crate) fn poll(self: &Arc<Self>, done: impl FnOnce() + Send + 'static) {
        if self.in_flight.swap(true, Ordering::AcqRel) {
            return;
        }
        let me = Arc::clone(self);
        let done: Done = Box::new(done);
        let started = Instant::now();
        let sent = crate::engine::submit(
            Arc::clone(&self.dev),
            "get-status",
            Vec::new(),
            Box::new(move |r| me.after_status(started, r, done)),
        );
        if let Err(e) = sent {
            self.record_failure(started, &e);
            self.in_flight.store(false, Ordering::Release);
        }
    }

    fn after_status(self: Arc<Self>, started: Instant, r: Result<Reply>, done: Done) {
        let parsed = r.and_then(|reply| reply.parse::<Status>());
        match parsed {
            Ok(status) => {
                if self.need_info.load(Ordering::Acquire) {
                    // get-info on the same engine, then the poll is done.
                    let me = Arc::clone(&self);
                    let kept = status.clone();
                    let sent = crate::engine::submit(
                        Arc::clone(&self.dev),
                        "get-info",
                        Vec::new(),
                        Box::new(move |r| me.after_info(started, kept, r, done)),
                    );
                    match sent {
                        Ok(()) => return,
                        // The closure (and `done`) went with the error.
                        Err(_) => {
                            self.record_success(started, status, None);
                            self.in_flight.store(false, Ordering::Release);
                            return;
                        }
                    }
                }
                self.record_success(started, status, None);
            }
            Err(e) => self.record_failure(started, &e),
        }
        self.in_flight.store(false, Ordering::Release);
        done();
    }

    fn after_info(&self, started: Instant, status: Status, r: Result<Reply>, done: Done) {
        let info = r.and_then(|reply| reply.json()).map(|v| {
            let p = &v["product"];
            let s = |k: &str| p[k].as_str().unwrap_or("").to_string();
            Info {
                model: s("module-name"),
                firmware: s("firmware-ver-s"),
                serial: s("sn"),
            }
        });
        match info {
            Ok(info) => {
                self.need_info.store(false, Ordering::Release);
                self.record_success(started, status, Some(info));
            }
            // The status was good: keep it; get-info is asked again next poll.
            Err(_) => self.record_success(started, status, None),
        }
        self.in_flight.store(false, Ordering::Release);
        done();
    }

    fn record_success(&self, started: Instant, status: Status, info: Option<Info>) {
        let logins = self.dev.login_generation();
        let mut m = lock(&self.metrics);
        m.up = true;
        m.poll_seconds = started.elapsed().as_secs_f64();
        m.last_success = unix_now();
        m.relogins = logins.saturating_sub(1);
        if info.is_some() {
            m.info = info;
        }
        m.status = Some(status);
    }

    fn record_failure(&self, started: Instant, _e: &Error) {
        // Firmware may change while it is away (an update): read get-info
        // again when it answers.
        self.need_info.store(true, Ordering::Release);
        let logins = self.dev.login_generation();
        let mut m = lock(&self.metrics);
        m.up = false;
        m.poll_seconds = started.elapsed().as_secs_f64();
        m.polls_failed += 1;
        m.relogins = logins.saturating_sub(1);
        m.status = None;
    }
}
