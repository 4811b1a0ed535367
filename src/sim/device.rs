//! The simulated device's state: configuration (what get-settings shows),
//! runtime state (what get-status shows), the device clock, and the
//! long-running operations that move on that clock.
//!
//! Nothing runs in the background: every request first brings the state up
//! to the current device time (`tick`), so progress, recordings filling
//! disks, live connections and reboots all follow the clock exactly, at any
//! time scale, and `advance` can jump it forward.

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DiskKind {
    Usb,
    Sd,
}

impl DiskKind {
    pub fn index(self) -> u32 {
        match self {
            DiskKind::Usb => 0,
            DiskKind::Sd => 1,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct MediaFile {
    pub seq: u64,
    pub folder: String,
    pub name: String,
    pub thumb: String,
    /// 0 recording, 1 normal.
    pub status: i64,
    pub create_unix: i64,
    pub size: u64,
    pub duration_ms: u64,
    pub width: i64,
    pub height: i64,
    pub interval: i64,
    pub codec: i64,
}

#[derive(Debug, Clone)]
pub(crate) struct Disk {
    pub kind: DiskKind,
    pub present: bool,
    pub valid: bool,
    pub writable: bool,
    pub total: u64,
    /// Space used by everything but the recordings.
    pub base_used: u64,
    /// Space the file system keeps back.
    pub reserved: u64,
    pub write_bps: u64,
    /// Read freely; change only through the methods below, which keep
    /// `files_bytes` right.
    pub files: Vec<MediaFile>,
    files_bytes: u64,
    pub fs_label: String,
}

impl Disk {
    fn usb() -> Disk {
        // The document's example USB block: 61638148096 total, 3559489536
        // used, 57944440832 free (128 MiB reserved).
        Disk {
            kind: DiskKind::Usb,
            present: true,
            valid: true,
            writable: true,
            total: 61638148096,
            base_used: 3559489536,
            reserved: 134217728,
            write_bps: 14255282,
            files: Vec::new(),
            files_bytes: 0,
            fs_label: "C472-731D".into(),
        }
    }
    fn sd() -> Disk {
        // The document's example SD block (10 % reserved).
        Disk {
            kind: DiskKind::Sd,
            present: true,
            valid: true,
            writable: true,
            total: 31895175168,
            base_used: 3708043264,
            reserved: 3189517516,
            write_bps: 9437184,
            files: Vec::new(),
            files_bytes: 0,
            fs_label: "9C30-9CB8".into(),
        }
    }
    pub fn files_bytes(&self) -> u64 {
        self.files_bytes
    }
    pub fn add_file(&mut self, f: MediaFile) {
        self.files_bytes = self.files_bytes.saturating_add(f.size);
        self.files.push(f);
    }
    pub fn remove_file(&mut self, index: usize) {
        if index < self.files.len() {
            let f = self.files.remove(index);
            self.files_bytes = self.files_bytes.saturating_sub(f.size);
        }
    }
    pub fn clear_files(&mut self) {
        self.files.clear();
        self.files_bytes = 0;
    }
    /// The file with this sequence number (recent files are at the end).
    pub fn file_mut(&mut self, seq: u64) -> Option<&mut MediaFile> {
        self.files.iter_mut().rev().find(|f| f.seq == seq)
    }
    /// Add `bytes` to file `seq`.
    pub fn grow_file(&mut self, seq: u64, bytes: u64) {
        if let Some(f) = self.files.iter_mut().rev().find(|f| f.seq == seq) {
            f.size = f.size.saturating_add(bytes);
            self.files_bytes = self.files_bytes.saturating_add(bytes);
        }
    }
    pub fn used(&self) -> u64 {
        self.base_used.saturating_add(self.files_bytes())
    }
    pub fn free(&self) -> u64 {
        self.total
            .saturating_sub(self.used())
            .saturating_sub(self.reserved)
    }
    /// The document's storage status values.
    pub fn status(&self) -> u32 {
        if !self.present {
            DISK_NOT_DISK
        } else if !self.valid {
            DISK_INVALID
        } else if !self.writable {
            DISK_NOT_WRITE
        } else if self.free() == 0 {
            DISK_NOT_SPACE
        } else if self.free() < LOW_SPACE_BYTES {
            DISK_LOW_SPACE
        } else {
            DISK_VALID
        }
    }
    /// Can be recorded to now.
    pub fn recordable(&self) -> bool {
        matches!(self.status(), DISK_VALID | DISK_LOW_SPACE)
    }
    /// Set the free space to `free`, keeping the files.
    pub fn set_free(&mut self, free: u64) {
        let needed = self
            .files_bytes()
            .saturating_add(self.reserved)
            .saturating_add(free);
        if needed > self.total {
            self.total = needed;
        }
        self.base_used = self.total - needed;
    }
    pub fn mount_path(&self) -> String {
        format!("/usr/share/web-data/media/disk{}", self.kind.index())
    }
    pub fn media_path(&self, folder: &str) -> String {
        format!("/media/disk{}/{folder}", self.kind.index())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Video {
    pub is_auto: i64,
    pub codec: i64,
    pub cx: i64,
    pub cy: i64,
    pub duration: i64,
    pub kbps: i64,
    pub gop: i64,
    pub fourcc: i64,
    pub profile: i64,
    pub cbrstat: i64,
    pub fullrange: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Server {
    pub id: i64,
    pub kind: i64,
    pub url: String,
    pub key: String,
    pub is_auth: i64,
    pub user: String,
    pub passwd: String,
    pub is_use: i64,
    pub token: String,
    pub net_mode: i64,
    pub name: String,
}

pub(crate) const FACEBOOK: i64 = 3;

#[derive(Debug, Clone)]
pub(crate) struct User {
    pub id: String,
    pub pass_md5: String,
    /// 1 administrator, 2 general user.
    pub kind: i64,
}

/// Everything reset-all-settings restores.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub name: String,
    pub app_pass: Option<String>,
    pub is_settings: i64,
    pub is_ssdp: i64,
    pub is_startup_rec: i64,
    pub is_startup_live: i64,
    pub is_signal_lost: i64,
    pub is_hdmi_rec_ctrl: i64,
    pub is_softap: i64,
    pub is_visible: i64,
    pub softap_ssid: String,
    pub softap_passwd: String,
    pub timezone: String,
    pub is_auto_time: i64,
    pub mime_type: i64,
    pub usb_option: i64,
    pub sd_option: i64,
    pub root_folder: String,
    pub file_prefix: String,
    pub time_unit: i64,
    pub rec_stream: i64,
    pub live_stream: i64,
    pub mws_stream: i64,
    pub main: Video,
    pub sub: Video,
    pub audio_kbps: i64,
    pub eth_dhcp: i64,
    pub eth_ip: String,
    pub eth_mask: String,
    pub eth_router: String,
    pub eth_dns: String,
    pub servers: Vec<Server>,
    pub next_server_id: i64,
    pub users: Vec<User>,
}

impl Config {
    /// The document's example get-settings, for this serial number.
    pub fn defaults(serial: &str, user: &str, pass_md5: &str) -> Config {
        let tail: String = serial
            .chars()
            .rev()
            .take(8)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        Config {
            name: format!("Ultra Stream {serial}"),
            app_pass: Some(pass_md5.to_string()),
            is_settings: 0,
            is_ssdp: 1,
            is_startup_rec: 1,
            is_startup_live: 1,
            is_signal_lost: 0,
            is_hdmi_rec_ctrl: 0,
            is_softap: 1,
            is_visible: 1,
            softap_ssid: serial.to_string(),
            softap_passwd: tail,
            timezone: "UTC".into(),
            is_auto_time: 1,
            mime_type: 0,
            usb_option: 1,
            sd_option: 1,
            root_folder: "REC_Folder".into(),
            file_prefix: "VID".into(),
            time_unit: 5,
            rec_stream: 0,
            live_stream: 0,
            mws_stream: 1,
            main: Video {
                is_auto: 0,
                codec: 0,
                cx: 1920,
                cy: 1080,
                duration: 166667,
                kbps: 4096,
                gop: 1,
                fourcc: 0,
                profile: 2,
                cbrstat: 60,
                fullrange: 0,
            },
            sub: Video {
                is_auto: 0,
                codec: 0,
                cx: 1024,
                cy: 768,
                duration: 333333,
                kbps: 1024,
                gop: 1,
                fourcc: 0,
                profile: 2,
                cbrstat: 60,
                fullrange: 1,
            },
            audio_kbps: 128,
            eth_dhcp: 1,
            eth_ip: String::new(),
            eth_mask: String::new(),
            eth_router: String::new(),
            eth_dns: String::new(),
            servers: vec![Server {
                id: 0,
                kind: 0,
                url: "192.168.1.123:345/live".into(),
                key: "aa".into(),
                is_auth: 0,
                user: String::new(),
                passwd: String::new(),
                is_use: 0,
                token: String::new(),
                net_mode: 1,
                name: "192.168.1.123".into(),
            }],
            next_server_id: 1,
            users: vec![User {
                id: user.to_string(),
                pass_md5: pass_md5.to_string(),
                kind: 1,
            }],
        }
    }

    pub fn stream(&self, which: i64) -> &Video {
        if which == 1 { &self.sub } else { &self.main }
    }
    /// Recording bit rate in kbps (video of the recorded stream + audio).
    pub fn rec_kbps(&self) -> i64 {
        self.stream(self.rec_stream).kbps + self.audio_kbps
    }
    pub fn live_kbps(&self) -> i64 {
        self.stream(self.live_stream).kbps + self.audio_kbps
    }
    pub fn enabled_servers(&self) -> impl Iterator<Item = &Server> {
        self.servers.iter().filter(|s| s.is_use == 1)
    }
}

/// Bytes one file of `minutes` at `kbps` takes (1 kbps = 1024 bit/s, as
/// the document's required-speed example computes).
pub(crate) fn file_bytes(minutes: i64, kbps: i64) -> u64 {
    (minutes.max(0) as u64) * 60 * (kbps.max(0) as u64) * 1024 / 8
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

fn jitter(bps: u64, t: u64) -> u64 {
    // ±2 %, deterministic in time.
    let wobble = ((t / 1000).wrapping_mul(7919) % 41) as i64 - 20;
    (bps as i64 + bps as i64 * wobble / 1000).max(0) as u64
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

    // ---------------------------------------------------------------
    // Time

    /// Bring everything up to the clock's current time.
    pub fn tick(&mut self) {
        let now = self.clock.now();
        self.tick_to(now);
    }

    pub fn tick_to(&mut self, now: u64) {
        for _ in 0..10_000 {
            // The next moment something changes discontinuously.
            let mut next = now;
            match self.power {
                Power::Up => {}
                Power::Stopping { at, .. } => next = next.min(at),
                Power::Down { until, .. } => next = next.min(until),
            }
            if let Some(end) = self.update.op.end() {
                next = next.min(end);
            }
            let next = next.max(self.t);
            self.advance_activities(next);
            self.t = next;
            let mut changed = false;
            if self.update.op.end().is_some_and(|e| e <= self.t) {
                self.finish_update_step();
                changed = true;
            }
            match self.power {
                Power::Stopping { at, kind } if at <= self.t => {
                    self.go_down(kind);
                    changed = true;
                }
                Power::Down { until, kind } if until <= self.t => {
                    self.boot(kind);
                    changed = true;
                }
                _ => {}
            }
            if !changed && self.t >= now {
                break;
            }
        }
        if self.idle_timeout_ms > 0 {
            let (t, idle) = (self.t, self.idle_timeout_ms);
            self.sessions.retain(|_, s| t.saturating_sub(s.last) < idle);
        }
    }

    /// Move recordings, live, and the simple operations to `to`.
    fn advance_activities(&mut self, to: u64) {
        if self.is_down() {
            return;
        }
        self.tick_recording(to);
        if self.format.tick(to) {
            let k = self.format_disk;
            let d = self.disk_mut(k);
            d.clear_files();
            d.base_used = d.total / 2000;
            d.valid = true;
            d.fs_label = format!("{:04X}-{:04X}", (to / 7) % 0x10000, (to / 13) % 0x10000);
        }
        if self.disk_test.tick(to) {
            let need = required_bytes_per_sec(self.cfg.rec_kbps());
            if self.disk_test_bps < need {
                self.disk_test.result = RET_LOW_SPEED;
            }
        }
        self.living_test.tick(to);
        if self.check.tick(to) {
            self.upgrade_found = (version_cmp(ONLINE_LATEST, &self.firmware)
                == std::cmp::Ordering::Greater)
                .then(|| ONLINE_LATEST.to_string());
        }
        // The update's own steps are handled by tick_to; keep its percent fresh.
        let u = &mut self.update.op;
        if u.running {
            let elapsed = to.saturating_sub(u.start);
            u.percent = (elapsed.saturating_mul(100) / u.dur).min(99);
        }
    }

    fn finish_update_step(&mut self) {
        let end = self.update.op.start.saturating_add(self.update.op.dur);
        if self.update.steps.is_empty() {
            self.update.op.running = false;
            self.update.op.percent = 100;
            self.update.op.result = RET_SUCCEED;
            if !self.readings.update_restarts {
                // The new version runs at once; nothing restarts.
                self.install_update();
                return;
            }
            self.power = Power::Stopping {
                at: end.saturating_add(UPDATE_REBOOT_DELAY_MS),
                kind: PowerKind::Update,
            };
        } else {
            let (step, dur) = self.update.steps.remove(0);
            self.update.step = step;
            self.update.op.begin(end, dur);
        }
    }

    pub fn start_update(&mut self, now: u64, mode: &'static str, target: String) {
        let mut steps = if mode == "online" {
            vec![(1, DOWNLOAD_MS)]
        } else {
            Vec::new()
        };
        steps.push((2, VERIFY_MS));
        steps.push((3, FLASH_MS));
        for s in steps.iter_mut() {
            s.1 = self.op_duration(s.1);
        }
        let (first, dur) = steps.remove(0);
        self.update = Update {
            op: Op::init(RET_INIT),
            mode,
            step: first,
            target,
            steps,
        };
        self.update.op.begin(now, dur);
    }

    pub fn update_in_progress(&self) -> bool {
        self.update.op.running
            || matches!(
                self.power,
                Power::Stopping {
                    kind: PowerKind::Update,
                    ..
                }
            )
    }

    fn go_down(&mut self, kind: PowerKind) {
        let t = self.t;
        self.finish_recording(t, 0);
        self.live = None;
        self.sessions.clear();
        for op in [&mut self.format, &mut self.disk_test, &mut self.living_test] {
            op.clear();
        }
        self.check = Op::init(RET_SUCCEED);
        if self.update.op.running {
            // Power lost mid-update: the update did not happen.
            self.update = Update {
                op: Op::init(RET_INIT),
                mode: "none",
                step: 0,
                target: String::new(),
                steps: Vec::new(),
            };
        }
        let down = match kind {
            PowerKind::Reboot => REBOOT_DOWN_MS,
            PowerKind::Reset => RESET_DOWN_MS,
            PowerKind::Update => UPDATE_DOWN_MS,
        };
        self.power = Power::Down {
            until: t.saturating_add(down),
            kind,
        };
        // Closing connections is the "close" reading of a restart; the
        // "busy" one keeps them and answers -9.
        if self.readings.restart == super::RestartStyle::Close {
            self.boot_epoch += 1;
        }
    }

    /// Go down now (a "reboot" fault): no goodbye.
    pub fn crash_reboot(&mut self) {
        self.go_down(PowerKind::Reboot);
    }

    pub fn request_power(&mut self, now: u64, kind: PowerKind) {
        self.power = Power::Stopping {
            at: now.saturating_add(STOPPING_MS),
            kind,
        };
    }

    /// The updated firmware becomes the running one.
    fn install_update(&mut self) {
        if !self.update.target.is_empty() {
            self.firmware = self.update.target.clone();
        }
        self.uploaded = None;
        self.upgrade_found = None;
    }

    fn boot(&mut self, kind: PowerKind) {
        self.power = Power::Up;
        self.boots += 1;
        match kind {
            PowerKind::Reset => {
                self.cfg =
                    Config::defaults(&self.serial, &self.default_user, &self.default_pass_md5);
                self.first_boot = true;
                self.time_offset_ms = 0;
                self.uploaded = None;
                self.update = Update {
                    op: Op::init(RET_INIT),
                    mode: "none",
                    step: 0,
                    target: String::new(),
                    steps: Vec::new(),
                };
            }
            PowerKind::Update => {
                self.install_update();
                // A restart forgets the update's status: back to 27.
                self.update = Update {
                    op: Op::init(RET_INIT),
                    mode: "none",
                    step: 0,
                    target: String::new(),
                    steps: Vec::new(),
                };
            }
            PowerKind::Reboot => {}
        }
        self.softap_active = self.cfg.is_softap == 1;
        if self.first_boot {
            return;
        }
        // Start-up actions.
        let now = self.t;
        if self.cfg.is_startup_rec == 1 {
            let _ = self.begin_recording(now);
        }
        if self.cfg.is_startup_live == 1 && self.live_check().is_ok() {
            self.begin_live(now);
        }
    }

    // ---------------------------------------------------------------
    // Recording

    /// Disks the next recording writes to.
    pub fn rec_targets(&self) -> Vec<DiskKind> {
        let mut v = Vec::new();
        if self.cfg.usb_option == 1 && self.usb.recordable() {
            v.push(DiskKind::Usb);
        }
        if self.cfg.sd_option >= 1 && self.sd.recordable() {
            v.push(DiskKind::Sd);
        }
        v
    }

    /// Why recording cannot start, as a device code.
    pub fn rec_check(&self) -> Result<(), i32> {
        if !self.rec_targets().is_empty() {
            return Ok(());
        }
        let wanted: Vec<&Disk> = [
            (self.cfg.usb_option == 1, &self.usb),
            (self.cfg.sd_option >= 1, &self.sd),
        ]
        .into_iter()
        .filter(|(w, d)| *w && d.present)
        .map(|(_, d)| d)
        .collect();
        if wanted.iter().any(|d| d.status() == DISK_NOT_SPACE) {
            Err(ERR_NO_SPACE)
        } else {
            Err(ERR_DISK)
        }
    }

    pub fn begin_recording(&mut self, now: u64) -> Result<(), i32> {
        self.rec_check()?;
        self.rec_counter += 1;
        let v = self.cfg.stream(self.cfg.rec_stream).clone();
        let codec = if self.cfg.rec_stream == 0 { v.codec } else { 0 };
        let mut rec = Recording {
            start: now,
            t: now,
            seg_start: now,
            seg_no: 0,
            rec_no: self.rec_counter,
            bps: (self.cfg.rec_kbps().max(0) as u64) * 1024,
            bytes: 0,
            targets: Vec::new(),
            width: v.cx,
            height: v.cy,
            interval: v.duration,
            codec,
            folder: self.cfg.root_folder.clone(),
            prefix: self.cfg.file_prefix.clone(),
            ext: if self.cfg.mime_type == 1 {
                "mov"
            } else {
                "mp4"
            },
            time_unit_ms: (self.cfg.time_unit.max(1) as u64) * 60_000,
        };
        let targets = self.rec_targets();
        self.open_segment(&mut rec, &targets, now);
        self.rec = Some(rec);
        Ok(())
    }

    fn open_segment(&mut self, rec: &mut Recording, disks: &[DiskKind], now: u64) {
        rec.seg_no += 1;
        rec.seg_start = now;
        rec.targets.clear();
        let create = self.unix_secs_at(now);
        for &k in disks {
            if self.disk(k).files.len() >= MAX_FILES_PER_DISK {
                // A full directory: nothing more is written to this disk.
                continue;
            }
            self.file_seq += 1;
            let seq = self.file_seq;
            let name = format!("{}_{}_{}.{}", rec.prefix, rec.rec_no, rec.seg_no, rec.ext);
            let f = MediaFile {
                seq,
                folder: rec.folder.clone(),
                thumb: format!("{name}_{create}"),
                name,
                status: 0,
                create_unix: create,
                size: 0,
                duration_ms: 0,
                width: rec.width,
                height: rec.height,
                interval: rec.interval,
                codec: rec.codec,
            };
            self.disk_mut(k).add_file(f);
            rec.targets.push((k, seq));
        }
    }

    fn close_file(&mut self, k: DiskKind, seq: u64, now: u64, seg_start: u64) {
        if let Some(f) = self.disk_mut(k).file_mut(seq) {
            f.status = 1;
            f.duration_ms = now.saturating_sub(seg_start);
        }
    }

    /// Stop the recording at `now`; `why` becomes last-rec-status.
    pub fn finish_recording(&mut self, now: u64, why: i32) {
        self.tick_recording(now);
        if let Some(rec) = self.rec.take() {
            for (k, seq) in rec.targets.clone() {
                self.close_file(k, seq, now, rec.seg_start);
            }
            self.last_rec_status = why;
        }
    }

    fn tick_recording(&mut self, to: u64) {
        let Some(mut rec) = self.rec.take() else {
            return;
        };
        let loop_sd = self.cfg.sd_option == 2;
        let mut stop_reason = ERR_NO_SPACE;
        let mut guard = 0u32;
        while rec.t < to && guard < 1_000_000 {
            guard += 1;
            // Drop targets that cannot take data any more.
            let mut i = 0;
            while i < rec.targets.len() {
                let (k, seq) = rec.targets[i];
                let keep = self.disk(k).present && self.disk(k).valid && self.disk(k).writable;
                if keep {
                    i += 1;
                } else {
                    self.close_file(k, seq, rec.t, rec.seg_start);
                    rec.targets.remove(i);
                    stop_reason = ERR_DISK;
                }
            }
            if rec.targets.is_empty() {
                // Nothing left to write to: the recording ends (self.rec stays None).
                self.last_rec_status = stop_reason;
                return;
            }
            let seg_end = rec.seg_start.saturating_add(rec.time_unit_ms);
            let mut step_end = to.min(seg_end);
            // A disk reaching its limit is an event.
            let mut full: Option<usize> = None;
            for (idx, &(k, _)) in rec.targets.iter().enumerate() {
                let limit = if k == DiskKind::Sd && loop_sd {
                    LOW_SPACE_BYTES
                } else {
                    0
                };
                let headroom = self.disk(k).free().saturating_sub(limit);
                let ms = if rec.bps == 0 {
                    u64::MAX
                } else {
                    (headroom as u128 * 8000 / rec.bps as u128).min(u64::MAX as u128) as u64
                };
                if rec.t.saturating_add(ms) < step_end {
                    step_end = rec.t.saturating_add(ms);
                    full = Some(idx);
                }
            }
            let dt = step_end - rec.t;
            let bytes = (rec.bps as u128 * dt as u128 / 8000) as u64;
            for &(k, seq) in &rec.targets {
                let d = self.disk_mut(k);
                let cap = d.free();
                d.grow_file(seq, bytes.min(cap));
                if let Some(f) = d.file_mut(seq) {
                    f.duration_ms = step_end.saturating_sub(rec.seg_start);
                }
            }
            rec.bytes = rec.bytes.saturating_add(bytes);
            rec.t = step_end;
            if let Some(idx) = full {
                let (k, seq) = rec.targets[idx];
                if k == DiskKind::Sd && loop_sd {
                    // Loop recording: delete the oldest finished file.
                    let d = self.disk_mut(k);
                    if let Some(pos) = d.files.iter().position(|f| f.status != 0) {
                        d.remove_file(pos);
                        continue;
                    }
                }
                // Fill the last bytes, close the file, stop writing there.
                let d = self.disk_mut(k);
                let rest = d.free();
                d.grow_file(seq, rest);
                self.close_file(k, seq, rec.t, rec.seg_start);
                rec.targets.remove(idx);
                stop_reason = ERR_NO_SPACE;
                continue;
            }
            if rec.t >= seg_end {
                for (k, seq) in rec.targets.clone() {
                    self.close_file(k, seq, rec.t, rec.seg_start);
                }
                let disks: Vec<DiskKind> = rec
                    .targets
                    .iter()
                    .map(|(k, _)| *k)
                    .filter(|k| self.disk(*k).recordable())
                    .collect();
                let t = rec.t;
                self.open_segment(&mut rec, &disks, t);
            }
        }
        self.rec = Some(rec);
    }

    // ---------------------------------------------------------------
    // Live

    /// Rules for going live with the enabled servers.
    pub fn live_check(&self) -> Result<(), i32> {
        let enabled: Vec<&Server> = self.cfg.enabled_servers().collect();
        if enabled.is_empty() {
            return Err(RET_LIVING_NOTSET);
        }
        if self.cfg.live_stream == 0 && self.cfg.main.codec == 1 {
            return Err(ERR_CODEC_LIMITED);
        }
        if enabled.len() > 1 && enabled.iter().any(|s| s.kind == FACEBOOK) {
            return Err(ERR_FACEBOOK_LIMITED);
        }
        if enabled.len() > 1 && self.cfg.stream(self.cfg.live_stream).kbps >= 8192 {
            return Err(ERR_8M_LIMITED);
        }
        if enabled.len() > MAX_ENABLED {
            return Err(ERR_CHANNELS_LIMITED);
        }
        Ok(())
    }

    pub fn begin_live(&mut self, now: u64) {
        let servers = self
            .cfg
            .enabled_servers()
            .map(|s| (s.id, s.net_mode))
            .collect();
        self.live = Some(Live {
            start: now,
            bps: (self.cfg.live_kbps().max(0) as u64) * 1024,
            servers,
        });
    }

    // ---------------------------------------------------------------
    // Status

    pub fn cur_status(&self) -> u32 {
        let mut m = 0;
        let flag = |c: bool, bit: u32| if c { bit } else { 0 };
        m |= flag(self.first_boot, STATUS_FIRST);
        m |= flag(self.rec.is_some(), STATUS_RECORD);
        m |= flag(self.live.is_some(), STATUS_LIVING);
        m |= flag(self.usb.recordable(), STATUS_DISK_READY);
        m |= flag(
            self.cfg.enabled_servers().next().is_some(),
            STATUS_RTMP_READY,
        );
        m |= flag(self.softap_active, STATUS_SOFTAP);
        m |= flag(self.disk_test.running, STATUS_DISK_TEST);
        m |= flag(self.update_in_progress(), STATUS_UPGRADE);
        m |= flag(self.living_test.running, STATUS_NET_TEST);
        m |= flag(self.cfg.app_pass.is_some(), STATUS_PASSWD);
        m |= flag(self.sessions.len() >= MAX_SESSIONS, STATUS_OCCUPIED);
        m |= flag(
            self.format.running
                && (self.format_disk == DiskKind::Usb || self.readings.sd_format_flag),
            STATUS_FORMAT_DISK,
        );
        m |= flag(self.check.running, STATUS_CHECK_UPGRADE);
        m |= flag(
            matches!(
                self.power,
                Power::Stopping {
                    kind: PowerKind::Reset,
                    ..
                }
            ),
            STATUS_RESET,
        );
        m |= flag(
            matches!(
                self.power,
                Power::Stopping {
                    kind: PowerKind::Reboot,
                    ..
                }
            ),
            STATUS_REBOOT,
        );
        // Down, the restart flag (seen only in the "busy" reading).
        m |= match self.power {
            Power::Down {
                kind: PowerKind::Reset,
                ..
            } => STATUS_RESET,
            Power::Down { .. } => STATUS_REBOOT,
            _ => 0,
        };
        m
    }

    fn disk_json(&self, d: &Disk) -> Value {
        let begin_key = if d.kind == DiskKind::Usb {
            "beign-time"
        } else {
            "begin-time"
        };
        if !d.present {
            return json!({
                "disk-status": 0, "total-size": 0, "used-size": 0, "free-size": 0, "block-size": 0, "usage": 0,
                "sys-path": "", "fs-type": "", "mount-path": "", "fs-label": "", "write-bps": 0, "read-bps": 0,
                "free-sec": 0, "file-count": 0, begin_key: "", "end-time": "", "total-cache-time": 0
            });
        }
        let rate = required_bytes_per_sec(self.cfg.rec_kbps()).max(1);
        let begin = d.files.iter().map(|f| f.create_unix).min();
        let end = d
            .files
            .iter()
            .map(|f| f.create_unix + (f.duration_ms / 1000) as i64)
            .max();
        let fmt = |v: Option<i64>| v.map(super::rules::format_unix).unwrap_or_default();
        json!({
            "disk-status": d.status(),
            "total-size": d.total,
            "used-size": d.used().min(d.total),
            "free-size": d.free(),
            "block-size": if d.kind == DiskKind::Usb { 32768 } else { 16384 },
            "usage": (d.used().min(d.total) * 100).checked_div(d.total).unwrap_or(0),
            "sys-path": if d.kind == DiskKind::Usb { "/dev/sda1" } else { "/dev/mmcblk1p1" },
            "fs-type": "vfat",
            "mount-path": d.mount_path(),
            "fs-label": d.fs_label,
            "write-bps": d.write_bps,
            "read-bps": 0,
            "free-sec": d.free() / rate,
            "file-count": d.files.len(),
            begin_key: fmt(begin),
            "end-time": fmt(end),
            "total-cache-time": 0
        })
    }

    pub fn status_json(&self) -> Value {
        let t = self.t;
        // Bit rates are kept in bits/s; the reading chooses what is shown.
        let unit = |bits: u64| match self.readings.bps_unit {
            super::BpsUnit::Bits => bits,
            super::BpsUnit::Bytes => bits / 8,
        };
        let rec = match &self.rec {
            Some(r) => {
                let run = t.saturating_sub(r.start);
                json!({"result": RET_RUNNING, "run-ms": run, "cur-bps": unit(jitter(r.bps, t)),
                       "avg-bps": if run == 0 { 0 } else { unit((r.bytes as u128 * 8000 / run as u128) as u64) }, "client-id": ""})
            }
            None => json!({"result": 0, "run-ms": 0, "cur-bps": 0, "avg-bps": 0, "client-id": ""}),
        };
        let live = match &self.live {
            Some(l) => {
                let run = t.saturating_sub(l.start);
                let state = if run < LIVE_CONNECT_MS {
                    RET_LIVING_CONNECTING
                } else {
                    RET_LIVING_CONNECTED
                };
                let bps = if run < LIVE_CONNECT_MS {
                    0
                } else {
                    jitter(l.bps, t)
                };
                let avg = if run <= LIVE_CONNECT_MS {
                    0
                } else {
                    (l.bps as u128 * (run - LIVE_CONNECT_MS) as u128 / run as u128) as u64
                };
                let first = l.servers.first();
                let second = l.servers.get(1);
                json!({"result": state, "run-ms": run, "cur-bps": unit(bps), "avg-bps": unit(avg),
                       "net": first.map_or(0, |s| s.1),
                       "result2": if second.is_some() { state } else { 0 },
                       "cur-bps2": if second.is_some() { unit(jitter(l.bps, t + 500) * (bps > 0) as u64) } else { 0 },
                       "net2": second.map_or(0, |s| s.1), "client-id": ""})
            }
            None => json!({"result": 0, "run-ms": 0, "cur-bps": 0, "avg-bps": 0, "net": 0,
                           "result2": 0, "cur-bps2": 0, "net2": 0, "client-id": ""}),
        };
        let signal = if self.signal {
            json!({"status": 1, "cx": 1920, "cy": 1080, "interlaced": 0, "frame-rate": 60.0, "channel-valid": 2,
                   "is-lpcm": 1, "bits-per-sample": 16, "sample-rate": 48000})
        } else {
            json!({"status": 0, "cx": 0, "cy": 0, "interlaced": 0, "frame-rate": 0.0, "channel-valid": 0,
                   "is-lpcm": 0, "bits-per-sample": 0, "sample-rate": 0})
        };
        let wifi = if self.softap_active {
            json!({"name": self.cfg.softap_ssid, "level": 0, "ip": "192.168.48.1", "mask": "255.255.255.0",
                   "router": "192.168.48.1", "dns": "192.168.48.1"})
        } else if self.wifi_connected {
            json!({"name": "MWL1", "level": 0, "ip": "192.168.8.249", "mask": "255.255.255.0",
                   "router": "192.168.8.1", "dns": "192.168.8.1"})
        } else {
            json!({"name": "", "level": 0, "ip": "", "mask": "", "router": "", "dns": ""})
        };
        let upgrade = match &self.upgrade_found {
            Some(v) => json!({"ver": v, "date": "2019-10-08 00:00:00", "size-byte": 12004784,
                              "info": [{"version": v, "changelog": "## Simulated release. ## Bug fixes."}]}),
            None => json!({"ver": "", "date": "", "size-byte": 0, "info": []}),
        };
        json!({
            "result": 0,
            "cur-status": self.cur_status(),
            "last-rec-status": self.last_rec_status,
            "cur-time": super::rules::format_unix(self.unix_secs_at(t)),
            "box-name": self.cfg.name,
            "lock-user": [],
            "rec-status": rec,
            "live-status": live,
            "upgrade-status": {"step": self.update.step, "percent": self.update.op.percent, "result": self.update.op.result,
                               "client-id": "", "mode": self.update.mode},
            "format-status": {"percent": self.format.percent, "result": self.format.result, "client-id": ""},
            "disk-test": {"read-bps": 0,
                          "write-bps": if self.disk_test.running || self.disk_test.result != RET_INIT { self.disk_test_bps } else { 0 },
                          "percent": self.disk_test.percent, "result": self.disk_test.result, "client-id": ""},
            "living-test": {"upload-bps": if self.living_test.running { jitter(6_291_456, t) } else { 0 },
                            "percent": self.living_test.percent, "result": self.living_test.result,
                            "net": self.living_test_net, "client-id": ""},
            "check-upgrade": {"result": self.check.result, "percent": self.check.percent, "client-id": ""},
            "input-signal": signal,
            "usb": self.disk_json(&self.usb),
            "sd": self.disk_json(&self.sd),
            "wifi": wifi,
            "eth": self.eth_json(),
            "mobile": {"ip": "", "mask": "", "router": "", "dns": ""},
            "upgrade": upgrade,
            "downgrade": {"ver": "", "date": "", "size-byte": 0, "info": []}
        })
    }

    fn eth_json(&self) -> Value {
        if self.cfg.eth_dhcp == 1 {
            json!({"ip": "10.10.107.212", "mask": "255.255.0.0", "router": "10.10.0.1", "dns": "10.0.0.3"})
        } else {
            json!({"ip": self.cfg.eth_ip, "mask": self.cfg.eth_mask, "router": self.cfg.eth_router, "dns": self.cfg.eth_dns})
        }
    }

    pub fn eth_ip(&self) -> String {
        if self.cfg.eth_dhcp == 1 {
            "10.10.107.212".into()
        } else {
            self.cfg.eth_ip.clone()
        }
    }

    pub fn wifi_ip(&self) -> String {
        if self.softap_active {
            "192.168.48.1".into()
        } else if self.wifi_connected {
            "192.168.8.249".into()
        } else {
            String::new()
        }
    }

    pub fn settings_json(&self) -> Value {
        let c = &self.cfg;
        let video = |v: &Video, main: bool| {
            let mut o = json!({"cx": v.cx, "cy": v.cy, "duration": v.duration, "kbps": v.kbps, "gop": v.gop,
                               "fourcc": v.fourcc, "profile": v.profile, "cbrstat": v.cbrstat, "fullrange": v.fullrange});
            if main {
                o["is-auto"] = json!(v.is_auto);
                o["codec"] = json!(v.codec);
            }
            o
        };
        let servers: Vec<Value> = c
            .servers
            .iter()
            .map(|s| {
                json!({"id": s.id, "type": s.kind, "url": s.url, "key": s.key, "is-auth": s.is_auth, "user": s.user,
                       "passwd": s.passwd, "is-use": s.is_use, "token": s.token, "net-mode": s.net_mode, "name": s.name})
            })
            .collect();
        json!({
            "result": 0,
            "name": c.name,
            "passwd": c.app_pass.is_some() as i64,
            "is-settings": c.is_settings,
            "is-ssdp": c.is_ssdp,
            "is-startup": (c.is_startup_rec == 1 || c.is_startup_live == 1) as i64,
            "is-startup-rec": c.is_startup_rec,
            "is-startup-live": c.is_startup_live,
            "is-signal-lost": c.is_signal_lost,
            "is-hdmi-rec-ctrl": c.is_hdmi_rec_ctrl,
            "softap": {"is-softap": c.is_softap, "is-visible": c.is_visible, "softap-ssid": c.softap_ssid,
                       "softap-passwd": c.softap_passwd},
            "date-time": {"timezone": c.timezone, "is-auto": c.is_auto_time},
            "rec-control": {"mime-type": c.mime_type, "usb-option": c.usb_option, "sd-option": c.sd_option,
                            "root-folder": c.root_folder, "file-prefix": c.file_prefix, "time-unit": c.time_unit},
            "video-color": {"contrast": 100, "brightness": 0, "saturation": 100, "hue": 0},
            "volume": {"is-mic": 1, "mic-gain": 0, "is-spi": 1, "spi-gain": 0, "is-phone": 1, "phone-gain": 0},
            "rec-stream": c.rec_stream,
            "live-stream": c.live_stream,
            "mws-stream": c.mws_stream,
            "main-stream": video(&c.main, true),
            "sub-stream": video(&c.sub, false),
            "audio": {"sample-rate": 48000, "channels": 2, "kbps": c.audio_kbps},
            "eth": {"is-dhcp": c.eth_dhcp, "ip": c.eth_ip, "mask": c.eth_mask, "router": c.eth_router, "dns": c.eth_dns},
            "stream-server": servers
        })
    }

    pub fn info_json(&self) -> Value {
        let caps: Value = serde_json::from_str(CAPS_JSON).unwrap_or(Value::Null);
        // MAC addresses derived from the serial, so each device differs.
        let h = self
            .serial
            .bytes()
            .fold(0u32, |a, b| a.wrapping_mul(31).wrapping_add(b as u32));
        let mac = |last: u32| {
            format!(
                "70:b3:d5:{:02x}:{:02x}:{:02x}",
                (h >> 16) & 0xff,
                (h >> 8) & 0xff,
                (h.wrapping_add(last)) & 0xff
            )
        };
        let (module, product_id) = match self.model {
            Model::Hdmi => ("Ultra Stream HDMI", 769),
            Model::Sdi => ("Ultra Stream SDI", 770),
        };
        json!({
            "result": 0,
            "mac-addr": {"eth": mac(0), "wifi": mac(1), "blue": mac(2)},
            "snapshot": "/tmp/sbox-snapshot/sbox-quarter.jpg",
            "product": {"sn": self.serial, "product-id": product_id, "hardware-ver": hardware_of(self.model),
                        "firmware-id": 0, "firmware-ver-s": self.firmware, "factory-firmware-ver-s": FACTORY_FIRMWARE,
                        "product-name": "Ultra Stream", "module-name": module, "manu-name": "MAGEWELL",
                        "features": 1, "max-lock-count": MAX_SESSIONS},
            "audio-range": {"hdmi": {"max": 6.0, "min": -100.0, "def": 0.0},
                            "mic": {"max": 55.25, "min": -12.0, "def": 0.0},
                            "phone": {"max": 6.0, "min": -57.0, "def": 0.0}},
            "codec-cap": caps["codec-cap"],
            "rec-control": caps["rec-control"]
        })
    }
}

/// The document's lowest required write speed, in bytes per second:
/// (video + audio kbps) × 1024 / 8.
pub(crate) fn required_bytes_per_sec(kbps: i64) -> u64 {
    (kbps.max(0) as u64) * 1024 / 8
}
