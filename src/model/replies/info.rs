//! Model layer (`model`): the get-info reply (document section 2): product,
//! MAC addresses, audio ranges, codec and recording capabilities.

use super::*;
use serde::{Deserialize, Serialize};

/// `{"name": "...", "value": N}` entries of get-info's ranges.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct NamedValue {
    /// What to show a person ("1080p", "60 fps").
    #[serde(deserialize_with = "lenient_string")]
    pub name: String,
    /// What to send to the device.
    #[serde(deserialize_with = "lenient_i64")]
    pub value: i64,
}

/// One resolution of get-info's `codec-cap.resolutions`, in pixels.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Resolution {
    /// Width in pixels.
    #[serde(deserialize_with = "lenient_i64")]
    pub w: i64,
    /// Height in pixels.
    #[serde(deserialize_with = "lenient_i64")]
    pub h: i64,
}

/// A gain range of get-info's `audio-range`, in dB (e.g. mic: -12 to 55.25, default 0).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Range {
    /// Highest gain, dB.
    #[serde(deserialize_with = "lenient_f64")]
    pub max: f64,
    /// Lowest gain, dB.
    #[serde(deserialize_with = "lenient_f64")]
    pub min: f64,
    /// Factory default gain, dB.
    #[serde(deserialize_with = "lenient_f64")]
    pub def: f64,
}

/// get-info's `product` block: what the device is and which firmware it runs.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct Product {
    /// Serial number ("C301181214002").
    #[serde(deserialize_with = "lenient_string")]
    pub sn: String,
    /// Magewell's product id (769 in the document's example).
    #[serde(deserialize_with = "lenient_i64")]
    pub product_id: i64,
    /// Hardware revision ("C"); firmware images are per revision.
    #[serde(deserialize_with = "lenient_string")]
    pub hardware_ver: String,
    /// Firmware id (0 in the document's example).
    #[serde(deserialize_with = "lenient_i64")]
    pub firmware_id: i64,
    /// Running firmware version ("1.2.122").
    #[serde(deserialize_with = "lenient_string")]
    pub firmware_ver_s: String,
    /// Firmware version the device shipped with.
    #[serde(deserialize_with = "lenient_string")]
    pub factory_firmware_ver_s: String,
    /// Product name ("Ultra Stream").
    #[serde(deserialize_with = "lenient_string")]
    pub product_name: String,
    /// Model name ("Ultra Stream HDMI" or "Ultra Stream SDI").
    #[serde(deserialize_with = "lenient_string")]
    pub module_name: String,
    /// Manufacturer ("MAGEWELL").
    #[serde(deserialize_with = "lenient_string")]
    pub manu_name: String,
    /// Feature bits (1 in the document's example; not described there).
    #[serde(deserialize_with = "lenient_i64")]
    pub features: i64,
    /// How many clients may be logged in at once (2): a third
    /// gets errOccupied (-2).
    #[serde(deserialize_with = "lenient_i64")]
    pub max_lock_count: i64,
}

/// get-info's `mac-addr` block: the MAC addresses of the network interfaces.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct MacAddr {
    /// Ethernet MAC address ("70:b3:d5:75:d5:fc").
    #[serde(deserialize_with = "lenient_string")]
    pub eth: String,
    /// Wi-Fi MAC address.
    #[serde(deserialize_with = "lenient_string")]
    pub wifi: String,
    /// Bluetooth MAC address.
    #[serde(deserialize_with = "lenient_string")]
    pub blue: String,
}

/// get-info's `audio-range` block: the allowed gain of each audio input, in dB.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct AudioRange {
    /// The document's structure shows `hdm1`; its example and devices say `hdmi`.
    #[serde(alias = "hdm1", deserialize_with = "lenient_struct")]
    pub hdmi: Range,
    /// Microphone input gain range.
    #[serde(deserialize_with = "lenient_struct")]
    pub mic: Range,
    /// Headphone output gain range.
    #[serde(deserialize_with = "lenient_struct")]
    pub phone: Range,
}

/// get-info's `codec-cap` block: the values set-video and set-audio accept.
/// Each list holds `{name, value}` pairs: send `value`, show `name`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct CodecCap {
    /// Encoder resolutions (set-video `cx` / `cy`).
    #[serde(deserialize_with = "lenient_vec")]
    pub resolutions: Vec<Resolution>,
    /// Frame intervals in 100 ns units (set-video `duration`;
    /// 166667 = 60 fps).
    #[serde(deserialize_with = "lenient_vec")]
    pub durations: Vec<NamedValue>,
    /// H.264 profiles (set-video `profile` with codec 0).
    #[serde(deserialize_with = "lenient_vec")]
    pub profile: Vec<NamedValue>,
    /// HEVC profiles (set-video `profile` with codec 1).
    #[serde(deserialize_with = "lenient_vec")]
    pub hevc_profile: Vec<NamedValue>,
    /// Video bitrates in kbit/s (set-video `kbps`).
    #[serde(deserialize_with = "lenient_vec")]
    pub video_kbps: Vec<NamedValue>,
    /// Audio bitrates in kbit/s (set-audio `kbps`).
    #[serde(deserialize_with = "lenient_vec")]
    pub audio_kbps: Vec<NamedValue>,
    /// The document's example spells it `gorp-sec`.
    #[serde(alias = "gorp-sec", deserialize_with = "lenient_vec")]
    pub gop_sec: Vec<NamedValue>,
    /// Quantization ranges (set-video `fullrange`: 0 limited, 1 full).
    #[serde(deserialize_with = "lenient_vec")]
    pub video_range: Vec<NamedValue>,
    /// Bitrate statistics windows in seconds (set-video `cbrstat`).
    #[serde(deserialize_with = "lenient_vec")]
    pub stat_sec: Vec<NamedValue>,
    /// Video codecs (set-video `codec`: 0 H.264, 1 HEVC).
    #[serde(deserialize_with = "lenient_vec")]
    pub video_codec: Vec<NamedValue>,
}

/// get-info's `rec-control` block: the values set-rec-control accepts.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct RecControlCap {
    /// USB recording modes (0 off, 1 normal).
    #[serde(deserialize_with = "lenient_vec")]
    pub usb_option: Vec<NamedValue>,
    /// SD recording modes (0 off, 1 normal, 2 cycle: the oldest
    /// files are overwritten when the card is full).
    #[serde(deserialize_with = "lenient_vec")]
    pub sd_option: Vec<NamedValue>,
    /// File lengths in minutes (a file is split after this long).
    #[serde(deserialize_with = "lenient_vec")]
    pub time_unit: Vec<NamedValue>,
    /// Container formats (set-rec-control `mime-type`).
    #[serde(deserialize_with = "lenient_vec")]
    pub file_ext: Vec<NamedValue>,
}

/// Reply of get-info.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct Info {
    /// The result code (0 success; see `model::codes`).
    #[serde(deserialize_with = "lenient_i64")]
    pub result: i64,
    /// MAC addresses.
    #[serde(deserialize_with = "lenient_struct")]
    pub mac_addr: MacAddr,
    /// Path of the input's snapshot image on the device.
    #[serde(deserialize_with = "lenient_string")]
    pub snapshot: String,
    /// Product and firmware.
    #[serde(deserialize_with = "lenient_struct")]
    pub product: Product,
    /// Allowed audio gains.
    #[serde(deserialize_with = "lenient_struct")]
    pub audio_range: AudioRange,
    /// Allowed encoder settings.
    #[serde(deserialize_with = "lenient_struct")]
    pub codec_cap: CodecCap,
    /// Allowed recording settings.
    #[serde(deserialize_with = "lenient_struct")]
    pub rec_control: RecControlCap,
}
