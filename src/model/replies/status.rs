//! Model layer (`model`): the get-status and ping replies (document
//! section 2): recording, live, disks, network, long operations' progress.

use super::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The units of the `*-bps` fields, and the evidence (docs/units.md). The
/// document states no unit for them; its one worked example (disk-test
/// `write-bps` 14833071, "/ 1024 * 1024 ≈ 14.15 MB/S") is bytes per
/// second. Recording and live `cur-bps` / `avg-bps` / `cur-bps2`: bytes per
/// second. The only client tested on real Ultra Streams, the Bitfocus
/// Companion module (firmware 1.3.189 to 1.5.224, in use since 2020),
/// shows live `cur-bps` / 125,000 as "Mb/s", i.e. reads it as bytes per
/// second; the evidence for bits per second comes from a sibling product
/// (a real Ultra Encode's codec block). The simulator reports bytes per
/// second by default (1 kbps = 1024 bit/s, so a 4096 + 128 kbps recording
/// shows about 540672), bits per second as an option (`bps_unit`).
/// `upload-bps` of living-test has no example; the simulator reports bits
/// per second (about 6 Mbit/s).
pub const BPS_UNITS: &str = "disk write-bps/read-bps: bytes/s (document example); rec/live cur-bps, avg-bps, cur-bps2: bytes/s (the simulator's default; the Bitfocus Companion module, tested on real Ultra Streams, reads them so; the document states no unit; bits/s is a simulator option); living-test upload-bps: bits/s (simulator; no example)";

/// `{result, percent, ...}` progress blocks of get-status.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct Progress {
    /// The operation's state: 27 initial (never run), 2 running,
    /// 0 finished, 5 cancelled, or a failure code.
    #[serde(deserialize_with = "lenient_i64")]
    pub result: i64,
    /// Progress, 0 to 100.
    #[serde(deserialize_with = "lenient_i64")]
    pub percent: i64,
    /// Firmware update step (upgrade-status only).
    #[serde(deserialize_with = "lenient_i64")]
    pub step: i64,
    /// Firmware update type (upgrade-status only): "upload" (a
    /// file), "online", or "none".
    #[serde(deserialize_with = "lenient_string")]
    pub mode: String,
    /// disk-test read speed, bytes per second (see [`BPS_UNITS`]).
    #[serde(deserialize_with = "lenient_i64")]
    pub read_bps: i64,
    /// disk-test write speed, bytes per second: the document's example
    /// 14833071 ≈ 14.15 MB/s (see [`BPS_UNITS`]).
    #[serde(deserialize_with = "lenient_i64")]
    pub write_bps: i64,
    /// living-test upload speed; no unit in the document, bits per second
    /// in the simulator (see [`BPS_UNITS`]).
    #[serde(deserialize_with = "lenient_i64")]
    pub upload_bps: i64,
    /// living-test: the network the test used (0 mobile, 1
    /// Ethernet, 2 Wi-Fi, as `net-mode`).
    #[serde(deserialize_with = "lenient_i64")]
    pub net: i64,
    /// Reserved by the document.
    #[serde(deserialize_with = "lenient_string")]
    pub client_id: String,
}

/// get-status' `rec-status` block: the recording.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct RecStatus {
    /// Recording state: 0 recording normally, or a failure code
    /// (e.g. -16 errNoSpace stopped it).
    #[serde(deserialize_with = "lenient_i64")]
    pub result: i64,
    /// How long the recording has run, in milliseconds.
    #[serde(deserialize_with = "lenient_i64")]
    pub run_ms: i64,
    /// Current recording bitrate, bytes per second as the Bitfocus module
    /// reads it on real Ultra Streams and the simulator reports it by
    /// default; the document states no unit (see [`BPS_UNITS`]).
    #[serde(deserialize_with = "lenient_i64")]
    pub cur_bps: i64,
    /// Average recording bitrate, bytes per second (see [`BPS_UNITS`]).
    #[serde(deserialize_with = "lenient_i64")]
    pub avg_bps: i64,
    /// Reserved by the document.
    #[serde(deserialize_with = "lenient_string")]
    pub client_id: String,
}

/// get-status' `live-status` block: live streaming to up to two servers
/// (`result` / `cur_bps` / `net` for the first, `result2` / `cur_bps2` /
/// `net2` for the second).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct LiveStatus {
    /// First server's live state (22 connected, 23 connecting, 30
    /// authentication refused, ...; see `model::codes`).
    #[serde(deserialize_with = "lenient_i64")]
    pub result: i64,
    /// How long the live stream has run, in milliseconds.
    #[serde(deserialize_with = "lenient_i64")]
    pub run_ms: i64,
    /// Current live bitrate, bytes per second as the Bitfocus module reads
    /// it on real Ultra Streams and the simulator reports it by default;
    /// the document states no unit (see [`BPS_UNITS`]).
    #[serde(deserialize_with = "lenient_i64")]
    pub cur_bps: i64,
    /// Average live bitrate, bytes per second (see [`BPS_UNITS`]).
    #[serde(deserialize_with = "lenient_i64")]
    pub avg_bps: i64,
    /// Network the first server is reached over (0 mobile, 1
    /// Ethernet, 2 Wi-Fi).
    #[serde(deserialize_with = "lenient_i64")]
    pub net: i64,
    /// Second server's live state, like `result`.
    #[serde(deserialize_with = "lenient_i64")]
    pub result2: i64,
    /// The second server's current bitrate, like `cur_bps`.
    #[serde(deserialize_with = "lenient_i64")]
    pub cur_bps2: i64,
    /// Network the second server is reached over, like `net`.
    #[serde(deserialize_with = "lenient_i64")]
    pub net2: i64,
    /// Reserved by the document.
    #[serde(deserialize_with = "lenient_string")]
    pub client_id: String,
    /// Per-server entries that newer firmware (Ultra Encode) sends; the
    /// Ultra Stream document has only `result` / `result2`.
    #[serde(deserialize_with = "lenient_vec")]
    pub live: Vec<LiveEntry>,
}

/// One entry of get-status' `live-status.live` list (newer firmware).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct LiveEntry {
    /// The stream server's id (as in get-settings' `stream-server`).
    #[serde(deserialize_with = "lenient_i64")]
    pub id: i64,
    /// This server's live state (22 connected, 23 connecting, ...).
    #[serde(deserialize_with = "lenient_i64")]
    pub result: i64,
    /// The stream server's name.
    #[serde(deserialize_with = "lenient_string")]
    pub name: String,
}

/// get-status' `input-signal` block: the video and audio at the input.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct InputSignal {
    /// Signal state as the device reports it (0 in the document's
    /// example without a signal).
    #[serde(deserialize_with = "lenient_i64")]
    pub status: i64,
    /// Input width in pixels (0 without a signal).
    #[serde(deserialize_with = "lenient_i64")]
    pub cx: i64,
    /// Input height in pixels (0 without a signal).
    #[serde(deserialize_with = "lenient_i64")]
    pub cy: i64,
    /// 1 when the input is interlaced.
    #[serde(deserialize_with = "lenient_i64")]
    pub interlaced: i64,
    /// Input frames per second (e.g. 59.94).
    #[serde(deserialize_with = "lenient_f64")]
    pub frame_rate: f64,
    /// Which audio channels are present (not described by the document).
    #[serde(deserialize_with = "lenient_i64")]
    pub channel_valid: i64,
    /// 1 when the input audio is LPCM (uncompressed).
    #[serde(deserialize_with = "lenient_i64")]
    pub is_lpcm: i64,
    /// Input audio bits per sample.
    #[serde(deserialize_with = "lenient_i64")]
    pub bits_per_sample: i64,
    /// Input audio sample rate in Hz.
    #[serde(deserialize_with = "lenient_i64")]
    pub sample_rate: i64,
}

/// USB / SD card information.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct Disk {
    /// `model::status::DISK_*`: 0 none, 1 valid, 3 full, 4 not writable,
    /// 5 low space, 6 invalid; compare with ==.
    #[serde(deserialize_with = "lenient_i64")]
    pub disk_status: i64,
    /// Capacity in bytes.
    #[serde(deserialize_with = "lenient_i64")]
    pub total_size: i64,
    /// Used space in bytes.
    #[serde(deserialize_with = "lenient_i64")]
    pub used_size: i64,
    /// Free space in bytes.
    #[serde(deserialize_with = "lenient_i64")]
    pub free_size: i64,
    /// File system block size in bytes.
    #[serde(deserialize_with = "lenient_i64")]
    pub block_size: i64,
    /// Used space in percent.
    #[serde(deserialize_with = "lenient_i64")]
    pub usage: i64,
    /// Device node on the encoder ("/dev/sda1").
    #[serde(deserialize_with = "lenient_string")]
    pub sys_path: String,
    /// File system ("vfat").
    #[serde(deserialize_with = "lenient_string")]
    pub fs_type: String,
    /// Where the encoder mounted it.
    #[serde(deserialize_with = "lenient_string")]
    pub mount_path: String,
    /// File system label or id ("C472-731D").
    #[serde(deserialize_with = "lenient_string")]
    pub fs_label: String,
    /// The disk's write speed, bytes per second (the document's usb
    /// example 14255282 ≈ 13.6 MB/s; see [`BPS_UNITS`]).
    #[serde(deserialize_with = "lenient_i64")]
    pub write_bps: i64,
    /// The disk's read speed, bytes per second.
    #[serde(deserialize_with = "lenient_i64")]
    pub read_bps: i64,
    /// Recording time left at the current settings, in seconds
    /// (not described by the document; its examples fit seconds).
    #[serde(deserialize_with = "lenient_i64")]
    pub free_sec: i64,
    /// Number of recorded files.
    #[serde(deserialize_with = "lenient_i64")]
    pub file_count: i64,
    /// USB blocks on devices spell it `beign-time`.
    #[serde(alias = "beign-time", deserialize_with = "lenient_string")]
    pub begin_time: String,
    /// Creation time of the newest recording ("2019-09-28 07:12:44").
    #[serde(deserialize_with = "lenient_string")]
    pub end_time: String,
    /// Not described by the document (0 for USB, 103062 for SD
    /// in its examples).
    #[serde(deserialize_with = "lenient_i64")]
    pub total_cache_time: i64,
}

/// get-status' `wifi`, `eth` and `mobile` blocks: one network interface
/// (with the AP mode on, `wifi` describes the access point).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct NetInfo {
    /// Network name (the Wi-Fi SSID).
    #[serde(deserialize_with = "lenient_string")]
    pub name: String,
    /// Wi-Fi signal level.
    #[serde(deserialize_with = "lenient_i64")]
    pub level: i64,
    /// IP address.
    #[serde(deserialize_with = "lenient_string")]
    pub ip: String,
    /// Subnet mask.
    #[serde(deserialize_with = "lenient_string")]
    pub mask: String,
    /// Gateway.
    #[serde(deserialize_with = "lenient_string")]
    pub router: String,
    /// DNS server.
    #[serde(deserialize_with = "lenient_string")]
    pub dns: String,
}

/// get-status' `upgrade` and `downgrade` blocks: a firmware version found by
/// online-update-check.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct UpgradeInfo {
    /// The firmware version ("" when none was found).
    #[serde(deserialize_with = "lenient_string")]
    pub ver: String,
    /// Its release date.
    #[serde(deserialize_with = "lenient_string")]
    pub date: String,
    /// Its file size in bytes.
    #[serde(deserialize_with = "lenient_i64")]
    pub size_byte: i64,
    /// Its release notes, as the device sends them.
    #[serde(deserialize_with = "lenient_vec")]
    pub info: Vec<Value>,
}

/// Reply of get-status.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct Status {
    /// The result code (0 success; see `model::codes`).
    #[serde(deserialize_with = "lenient_i64")]
    pub result: i64,
    /// The device status mask: `model::status::STATUS_*` bits (recording,
    /// living, formatting, rebooting ...).
    #[serde(deserialize_with = "lenient_i64")]
    pub cur_status: i64,
    /// Not described by the document (0 in its example).
    #[serde(deserialize_with = "lenient_i64")]
    pub last_rec_status: i64,
    /// The device's clock ("2019-09-26 08:00:00").
    #[serde(deserialize_with = "lenient_string")]
    pub cur_time: String,
    /// The device's name.
    #[serde(deserialize_with = "lenient_string")]
    pub box_name: String,
    /// Not described by the document (an empty list in its example).
    #[serde(deserialize_with = "lenient_vec")]
    pub lock_user: Vec<Value>,
    /// The recording.
    #[serde(deserialize_with = "lenient_struct")]
    pub rec_status: RecStatus,
    /// Live streaming.
    #[serde(deserialize_with = "lenient_struct")]
    pub live_status: LiveStatus,
    /// A firmware update in progress.
    #[serde(deserialize_with = "lenient_struct")]
    pub upgrade_status: Progress,
    /// A format in progress.
    #[serde(deserialize_with = "lenient_struct")]
    pub format_status: Progress,
    /// A USB speed test in progress.
    #[serde(deserialize_with = "lenient_struct")]
    pub disk_test: Progress,
    /// A stream server test in progress.
    #[serde(deserialize_with = "lenient_struct")]
    pub living_test: Progress,
    /// An online update check in progress.
    #[serde(deserialize_with = "lenient_struct")]
    pub check_upgrade: Progress,
    /// The input signal.
    #[serde(deserialize_with = "lenient_struct")]
    pub input_signal: InputSignal,
    /// The USB drive.
    #[serde(deserialize_with = "lenient_struct")]
    pub usb: Disk,
    /// The SD card.
    #[serde(deserialize_with = "lenient_struct")]
    pub sd: Disk,
    /// Wi-Fi (the access point when AP mode is on).
    #[serde(deserialize_with = "lenient_struct")]
    pub wifi: NetInfo,
    /// Ethernet.
    #[serde(deserialize_with = "lenient_struct")]
    pub eth: NetInfo,
    /// Mobile broadband.
    #[serde(deserialize_with = "lenient_struct")]
    pub mobile: NetInfo,
    /// A newer firmware found by online-update-check.
    #[serde(deserialize_with = "lenient_struct")]
    pub upgrade: UpgradeInfo,
    /// An older firmware offered (not described by the document).
    #[serde(deserialize_with = "lenient_struct")]
    pub downgrade: UpgradeInfo,
}

/// Reply of ping.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct Ping {
    /// 0 when the device is ready.
    #[serde(deserialize_with = "lenient_i64")]
    pub result: i64,
    /// The device status mask (`model::status::STATUS_*`).
    #[serde(deserialize_with = "lenient_i64")]
    pub cur_status: i64,
}
