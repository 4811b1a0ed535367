//! Simulator layer (`sim`), below the server and the methods: the simulated
//! device's state: configuration (what get-settings shows),
//! runtime state (what get-status shows), the device clock, and the
//! long-running operations that move on that clock.
//!
//! Nothing runs in the background: every request first brings the state up
//! to the current device time (`tick`), so progress, recordings filling
//! disks, live connections and reboots all follow the clock exactly, at any
//! time scale, and `advance` can jump it forward.
//!
//! This file holds the state itself (constants, clock, the `Device` struct,
//! its construction); how it moves and what it reports live beside it:
//! `disk` (disks and media files), `config` (the settings), `time` (ticking
//! and the firmware update's steps), `power` (restart, reset, boot),
//! `recording` (recording and live), `report` (the status, settings and
//! info JSON).

mod config;
mod disk;
mod power;
mod recording;
mod report;
mod time;

pub(crate) use config::*;
pub(crate) use disk::*;

use super::Model;
use super::firmware::{hardware_of, version_cmp};
use crate::model::codes::*;
use crate::model::status::*;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Instant;

pub(crate) const MIB: u64 = 1024 * 1024;
/// Below this much free space a disk reports LowSpace (the document: 200 MB).
pub(crate) const LOW_SPACE_BYTES: u64 = 200 * MIB;

// Durations of the long operations, in device milliseconds.
pub(crate) const FORMAT_MS: u64 = 8_000;
pub(crate) const DISK_TEST_MS: u64 = 10_000;
/// The document: the stream test stops by itself at 20 s.
pub(crate) const LIVE_TEST_MS: u64 = 20_000;
pub(crate) const CHECK_MS: u64 = 3_000;
pub(crate) const DOWNLOAD_MS: u64 = 10_000;
pub(crate) const VERIFY_MS: u64 = 2_000;
pub(crate) const FLASH_MS: u64 = 10_000;
/// After a successful update the device waits this long, then reboots.
pub(crate) const UPDATE_REBOOT_DELAY_MS: u64 = 1_000;
/// Between reboot / reset being accepted and the device going down; it still
/// answers, with statusReboot / statusReset set.
pub(crate) const STOPPING_MS: u64 = 500;
pub(crate) const REBOOT_DOWN_MS: u64 = 5_000;
pub(crate) const RESET_DOWN_MS: u64 = 8_000;
pub(crate) const UPDATE_DOWN_MS: u64 = 8_000;
/// A live server shows connecting (23) this long, then connected (22).
pub(crate) const LIVE_CONNECT_MS: u64 = 1_500;
/// The newest firmware the simulated online update service offers.
pub(crate) const ONLINE_LATEST: &str = "1.2.123";
pub(crate) const INITIAL_FIRMWARE: &str = "1.2.122";
pub(crate) const FACTORY_FIRMWARE: &str = "1.2.115";
pub(crate) const MAX_SERVERS: usize = 16;
pub(crate) const MAX_ENABLED: usize = 2;
pub(crate) const MAX_SESSIONS: usize = 2;
/// The largest recording file: 4 GB.
pub(crate) const FILE_LIMIT_BYTES: u64 = 4 * 1024 * MIB;
/// At most this many files per disk (a FAT32 directory's limit); a disk
/// holding this many takes no more recordings.
pub(crate) const MAX_FILES_PER_DISK: usize = 65_535;

/// get-info's `codec-cap` and `rec-control`, exactly as the document's
/// example reply has them (including its `gorp-sec` spelling and the
/// leading spaces in some names).
pub(crate) const CAPS_JSON: &str = r#"{
"codec-cap": {
  "resolutions": [{"w":480,"h":360},{"w":640,"h":360},{"w":640,"h":480},{"w":720,"h":480},{"w":720,"h":576},
    {"w":768,"h":576},{"w":800,"h":600},{"w":960,"h":540},{"w":1024,"h":768},{"w":1280,"h":720},{"w":1280,"h":800},
    {"w":1280,"h":960},{"w":1280,"h":1024},{"w":1440,"h":900},{"w":1440,"h":1080},{"w":1600,"h":1200},{"w":1920,"h":1080}],
  "durations": [{"name":"15 FPS","value":666667},{"name":"24 FPS","value":416667},{"name":"25 FPS","value":400000},
    {"name":"29.97 FPS","value":333667},{"name":"30 FPS","value":333333},{"name":"50 FPS","value":200000},
    {"name":"59.94 FPS","value":166833},{"name":"60 FPS","value":166667}],
  "profile": [{"name":"Baseline","value":0},{"name":"Main profile","value":1},{"name":"High profile","value":2}],
  "hevc-profile": [{"name":"Main profile","value":0}],
  "video-kbps": [{"name":"256 Kbps","value":256},{"name":"512 Kbps","value":512},{"name":"768 Kbps","value":768},
    {"name":"1 Mbps","value":1024},{"name":"1.5 Mbps","value":1536},{"name":"2 Mbps","value":2048},
    {"name":"3 Mbps","value":3072},{"name":"4 Mbps","value":4096},{"name":"8 Mbps","value":8192}],
  "audio-kbps": [{"name":" 16 Kbps","value":16},{"name":" 32 Kbps","value":32},{"name":" 48 Kbps","value":48},
    {"name":" 64 Kbps","value":64},{"name":" 96 Kbps","value":96},{"name":"128 Kbps","value":128}],
  "gorp-sec": [{"name":" 1 sec","value":1},{"name":" 2 sec","value":2},{"name":" 5 sec","value":5},
    {"name":"10 sec","value":10},{"name":"30 sec","value":30},{"name":"60 sec","value":60}],
  "video-range": [{"name":"Full range (0-255)","value":1},{"name":"Limited range (16-235)","value":0}],
  "stat-sec": [{"name":" 1 sec","value":1},{"name":" 5 sec","value":5},{"name":"10 sec","value":10},
    {"name":"30 sec","value":30},{"name":"60 sec","value":60}],
  "video-codec": [{"name":"H.264","value":0},{"name":"HEVC","value":1}]
},
"rec-control": {
  "usb-option": [{"name":"Don't record","value":0},{"name":"Ordinary recording","value":1}],
  "sd-option": [{"name":"Don't record","value":0},{"name":"Ordinary recording","value":1},{"name":"Loop recording","value":2}],
  "time-unit": [{"name":"5 minutes","value":5},{"name":"10 minutes","value":10},{"name":"30 minutes","value":30},
    {"name":"40 minutes","value":40},{"name":"50 minutes","value":50},{"name":"60 minutes","value":60},
    {"name":"90 minutes","value":90},{"name":"120 minutes","value":120}],
  "file-ext": [{"name":"mp4","value":0},{"name":"mov","value":1}]
}
}"#;

/// The device clock: wall time × scale, plus whatever `advance` added.
/// Scale 0 is a manual clock: only `advance` moves it.
pub(crate) struct Clock {
    start: Instant,
    scale: f64,
    advanced_ms: u64,
    last: u64,
}

impl Clock {
    pub fn new(scale: f64) -> Clock {
        Clock {
            start: Instant::now(),
            scale,
            advanced_ms: 0,
            last: 0,
        }
    }
    pub fn now(&mut self) -> u64 {
        let scaled = self.start.elapsed().as_secs_f64() * 1000.0 * self.scale;
        let t = (scaled.min(1e15) as u64).saturating_add(self.advanced_ms);
        self.last = self.last.max(t);
        self.last
    }
    pub fn advance(&mut self, ms: u64) {
        self.advanced_ms = self.advanced_ms.saturating_add(ms);
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub user: String,
    pub last: u64,
}

/// A long operation's progress block.
#[derive(Debug, Clone)]
pub(crate) struct Op {
    pub result: i32,
    pub percent: u64,
    pub running: bool,
    pub start: u64,
    pub dur: u64,
}

impl Op {
    fn init(result: i32) -> Op {
        Op {
            result,
            percent: 0,
            running: false,
            start: 0,
            dur: 1,
        }
    }
    pub fn begin(&mut self, now: u64, dur: u64) {
        *self = Op {
            result: RET_RUNNING,
            percent: 0,
            running: true,
            start: now,
            dur: dur.max(1),
        };
    }
    /// Move to `now`; true when it finished in this step.
    fn tick(&mut self, now: u64) -> bool {
        if !self.running {
            return false;
        }
        let elapsed = now.saturating_sub(self.start);
        if elapsed >= self.dur {
            self.running = false;
            self.percent = 100;
            self.result = RET_SUCCEED;
            true
        } else {
            self.percent = (elapsed.saturating_mul(100) / self.dur).min(99);
            false
        }
    }
    /// The moment it finishes, if running.
    fn end(&self) -> Option<u64> {
        self.running.then(|| self.start.saturating_add(self.dur))
    }
    pub fn cancel(&mut self) {
        self.running = false;
        self.result = RET_CANCEL;
    }
    pub fn clear(&mut self) {
        *self = Op::init(RET_INIT);
    }
}

/// A firmware update in progress or finished.
#[derive(Debug, Clone)]
pub(crate) struct Update {
    pub op: Op,
    /// "none", "upload" or "online".
    pub mode: &'static str,
    pub step: u64,
    pub target: String,
    /// (step, duration) still to run after the current one.
    pub steps: Vec<(u64, u64)>,
}

#[derive(Debug, Clone)]
pub(crate) struct Recording {
    pub start: u64,
    /// Processed up to this device time.
    pub t: u64,
    pub seg_start: u64,
    pub seg_no: u64,
    pub rec_no: u64,
    pub bps: u64,
    pub bytes: u64,
    pub targets: Vec<(DiskKind, u64)>,
    pub width: i64,
    pub height: i64,
    pub interval: i64,
    pub codec: i64,
    pub folder: String,
    pub prefix: String,
    pub ext: &'static str,
    pub time_unit_ms: u64,
}

#[derive(Debug, Clone)]
pub(crate) struct Live {
    pub start: u64,
    pub bps: u64,
    pub servers: Vec<(i64, i64)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PowerKind {
    Reboot,
    Reset,
    Update,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Power {
    Up,
    /// Still answering, about to go down.
    Stopping {
        at: u64,
        kind: PowerKind,
    },
    /// Not answering until `until`.
    Down {
        until: u64,
        kind: PowerKind,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct Uploaded {
    pub version: String,
    pub size: u64,
}

/// The whole device.
pub(crate) struct Device {
    pub model: Model,
    pub serial: String,
    pub default_user: String,
    pub default_pass_md5: String,
    pub idle_timeout_ms: u64,
    pub clock: Clock,
    /// Device time processed so far.
    pub t: u64,
    /// Unix time (ms) at device time 0.
    pub epoch_ms: i64,
    /// Manual clock setting, added to the above.
    pub time_offset_ms: i64,
    pub firmware: String,
    pub cfg: Config,
    pub sessions: HashMap<String, Session>,
    pub first_boot: bool,
    pub softap_active: bool,
    pub wifi_connected: bool,
    pub signal: bool,
    pub usb: Disk,
    pub sd: Disk,
    pub rec: Option<Recording>,
    pub rec_counter: u64,
    pub file_seq: u64,
    pub last_rec_status: i32,
    pub live: Option<Live>,
    pub format: Op,
    pub format_disk: DiskKind,
    pub disk_test: Op,
    pub disk_test_bps: u64,
    pub living_test: Op,
    pub living_test_net: i64,
    pub check: Op,
    pub upgrade_found: Option<String>,
    pub update: Update,
    pub uploaded: Option<Uploaded>,
    pub power: Power,
    /// Bumped whenever the device goes down: connections from before are closed.
    pub boot_epoch: u64,
    pub boots: u64,
    /// Which reading of the document this device follows.
    pub readings: super::Readings,
}

impl Device {
    pub fn new(
        model: Model,
        serial: String,
        user: &str,
        pass_md5: &str,
        scale: f64,
        idle_ms: u64,
    ) -> Device {
        let epoch_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(1_569_480_000_000);
        Device {
            model,
            cfg: Config::defaults(&serial, user, pass_md5),
            serial,
            default_user: user.to_string(),
            default_pass_md5: pass_md5.to_string(),
            idle_timeout_ms: idle_ms,
            clock: Clock::new(scale),
            t: 0,
            epoch_ms,
            time_offset_ms: 0,
            firmware: INITIAL_FIRMWARE.to_string(),
            sessions: HashMap::new(),
            first_boot: false,
            softap_active: false,
            wifi_connected: true,
            signal: true,
            usb: Disk::usb(),
            sd: Disk::sd(),
            rec: None,
            rec_counter: 0,
            file_seq: 0,
            last_rec_status: 0,
            live: None,
            format: Op::init(RET_INIT),
            format_disk: DiskKind::Usb,
            disk_test: Op::init(RET_INIT),
            disk_test_bps: 0,
            living_test: Op::init(RET_INIT),
            living_test_net: 0,
            // The document's example shows check-upgrade idle with result 0.
            check: Op::init(RET_SUCCEED),
            upgrade_found: None,
            update: Update {
                op: Op::init(RET_INIT),
                mode: "none",
                step: 0,
                target: String::new(),
                steps: Vec::new(),
            },
            uploaded: None,
            power: Power::Up,
            boot_epoch: 0,
            boots: 0,
            readings: super::Readings::default(),
        }
    }

    pub fn disk(&self, k: DiskKind) -> &Disk {
        match k {
            DiskKind::Usb => &self.usb,
            DiskKind::Sd => &self.sd,
        }
    }
    pub fn disk_mut(&mut self, k: DiskKind) -> &mut Disk {
        match k {
            DiskKind::Usb => &mut self.usb,
            DiskKind::Sd => &mut self.sd,
        }
    }

    /// Unix seconds on the device's clock.
    pub fn unix_secs_at(&self, t: u64) -> i64 {
        self.epoch_ms
            .saturating_add(self.time_offset_ms)
            .saturating_add(i64::try_from(t).unwrap_or(i64::MAX))
            / 1000
    }

    pub fn is_down(&self) -> bool {
        matches!(self.power, Power::Down { .. })
    }

    /// How long a long operation takes: `usual`, or the `op_ms` reading.
    pub fn op_duration(&self, usual: u64) -> u64 {
        self.readings.op_ms.unwrap_or(usual).max(1)
    }

    /// What an API call gets while the device is down, in the "busy"
    /// restart reading: errBusy with the restart flag in the mask (None:
    /// the connection is closed).
    pub fn down_answer(&self) -> Option<Value> {
        (self.is_down() && self.readings.restart == super::RestartStyle::Busy)
            .then(|| json!({"result": ERR_BUSY, "cur-status": self.cur_status()}))
    }
}
