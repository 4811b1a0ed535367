//! Typed replies. Every struct tolerates unknown and missing keys, numbers
//! sent as strings or floats, and the spellings real devices use
//! (`beign-time`, `gorp-sec`, `hdm1`).
//!
//! Units of the `*-bps` fields (the document gives no unit for most): see
//! [`BPS_UNITS`].
//! The raw JSON is always kept next to the typed view by the client.

use serde::de::value::MapAccessDeserializer;
use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

// The lenient readers below visit the JSON directly (no `Value` tree per
// field) and never fail on a wrong type: null, or an object where a number
// was expected, gives the field's default, as a missing key does.

/// What each lenient reader makes of each JSON type.
trait Lenient: Sized + Default {
    fn int(_: i64) -> Self {
        Self::default()
    }
    fn uint(v: u64) -> Self {
        Self::int(v.min(i64::MAX as u64) as i64)
    }
    fn float(_: f64) -> Self {
        Self::default()
    }
    fn string(_: &str) -> Self {
        Self::default()
    }
    fn boolean(_: bool) -> Self {
        Self::default()
    }
}

struct LenientVisitor<T>(std::marker::PhantomData<T>);

impl<'de, T: Lenient> Visitor<'de> for LenientVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_i64<E>(self, v: i64) -> Result<T, E> {
        Ok(T::int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<T, E> {
        Ok(T::uint(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<T, E> {
        Ok(T::float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<T, E> {
        Ok(T::string(v))
    }
    fn visit_bool<E>(self, v: bool) -> Result<T, E> {
        Ok(T::boolean(v))
    }
    fn visit_unit<E>(self) -> Result<T, E> {
        Ok(T::default())
    }
    fn visit_none<E>(self) -> Result<T, E> {
        Ok(T::default())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<T, A::Error> {
        while a.next_element::<IgnoredAny>()?.is_some() {}
        Ok(T::default())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<T, A::Error> {
        while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(T::default())
    }
}

fn lenient<'de, D: Deserializer<'de>, T: Lenient>(d: D) -> Result<T, D::Error> {
    d.deserialize_any(LenientVisitor(std::marker::PhantomData))
}

impl Lenient for i64 {
    fn int(v: i64) -> i64 {
        v
    }
    fn float(v: f64) -> i64 {
        v as i64
    }
    fn string(v: &str) -> i64 {
        v.trim().parse::<f64>().map(|f| f as i64).unwrap_or(0)
    }
    fn boolean(v: bool) -> i64 {
        v as i64
    }
}

impl Lenient for f64 {
    fn int(v: i64) -> f64 {
        v as f64
    }
    fn uint(v: u64) -> f64 {
        v as f64
    }
    fn float(v: f64) -> f64 {
        v
    }
    fn string(v: &str) -> f64 {
        v.trim().parse().unwrap_or(0.0)
    }
}

impl Lenient for String {
    fn int(v: i64) -> String {
        v.to_string()
    }
    fn uint(v: u64) -> String {
        v.to_string()
    }
    fn float(v: f64) -> String {
        // As serde_json renders it (12.0 stays "12.0").
        serde_json::Number::from_f64(v)
            .map(|n| n.to_string())
            .unwrap_or_default()
    }
    fn string(v: &str) -> String {
        v.to_string()
    }
    fn boolean(v: bool) -> String {
        v.to_string()
    }
}

impl Lenient for bool {
    fn int(v: i64) -> bool {
        v != 0
    }
    fn uint(v: u64) -> bool {
        v != 0
    }
    fn float(v: f64) -> bool {
        v != 0.0
    }
    fn string(v: &str) -> bool {
        matches!(v, "true" | "1")
    }
    fn boolean(v: bool) -> bool {
        v
    }
}

/// Accept 12, 12.0, "12", true/false and null for an integer field.
pub fn lenient_i64<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    lenient(d)
}

/// Accept a number, a numeric string or null for a float field.
pub fn lenient_f64<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    lenient(d)
}

/// Accept a string, a number (rendered) or null for a string field.
pub fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    lenient(d)
}

/// Accept true/false, 0/1 or "true"/"1".
pub fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    lenient(d)
}

/// An object read into `T`; anything else (null included) gives `None`.
struct MaybeObject<T>(Option<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for MaybeObject<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = MaybeObject<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, a: A) -> Result<Self::Value, A::Error> {
                T::deserialize(MapAccessDeserializer::new(a)).map(|t| MaybeObject(Some(t)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                while a.next_element::<IgnoredAny>()?.is_some() {}
                Ok(MaybeObject(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(MaybeObject(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(MaybeObject(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(MaybeObject(None))
            }
            fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
                Ok(MaybeObject(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(MaybeObject(None))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(MaybeObject(None))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// A nested block: an object, or its default for null or any other type.
pub fn lenient_struct<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(
    d: D,
) -> Result<T, D::Error> {
    Ok(MaybeObject::<T>::deserialize(d)?.0.unwrap_or_default())
}

/// Accept an array or anything else (treated as empty). Entries that are
/// not objects are skipped (for `Vec<Value>`, every entry is kept).
pub fn lenient_vec<'de, D: Deserializer<'de>, T: Deserialize<'de> + 'static>(
    d: D,
) -> Result<Vec<T>, D::Error> {
    struct V<T>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de> + 'static> Visitor<'de> for V<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Vec<T>, A::Error> {
            let mut out = Vec::new();
            while let Some(item) = a.next_element::<Item<T>>()? {
                if let Some(t) = item.0 {
                    out.push(t);
                }
            }
            Ok(out)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Vec<T>, A::Error> {
            while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(Vec::new())
        }
        fn visit_i64<E>(self, _: i64) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }
        fn visit_u64<E>(self, _: u64) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }
        fn visit_f64<E>(self, _: f64) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }
        fn visit_str<E>(self, _: &str) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }
        fn visit_bool<E>(self, _: bool) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }
        fn visit_unit<E>(self) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }
    }
    d.deserialize_any(V(std::marker::PhantomData))
}

struct Item<T>(Option<T>);
impl<'de, T: Deserialize<'de> + 'static> Deserialize<'de> for Item<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // A `Value` entry is any JSON value; a typed entry must be an object.
        if std::any::TypeId::of::<T>() == std::any::TypeId::of::<Value>() {
            T::deserialize(d).map(|t| Item(Some(t)))
        } else {
            MaybeObject::<T>::deserialize(d).map(|m| Item(m.0))
        }
    }
}

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

/// get-settings' `softap` block: the Wi-Fi access point (set-softap).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct SoftAp {
    /// 1: the access point is on at boot.
    #[serde(deserialize_with = "lenient_i64")]
    pub is_softap: i64,
    /// 1: the SSID is broadcast; 0: hidden.
    #[serde(deserialize_with = "lenient_i64")]
    pub is_visible: i64,
    /// The access point's SSID.
    #[serde(deserialize_with = "lenient_string")]
    pub softap_ssid: String,
    /// The access point's password, in plain text as the device
    /// sends it (the library never logs it).
    #[serde(deserialize_with = "lenient_string")]
    pub softap_passwd: String,
}

/// get-settings' `date-time` block (set-date-time).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct DateTime {
    /// Time zone name ("Asia/Shanghai", "UTC").
    #[serde(deserialize_with = "lenient_string")]
    pub timezone: String,
    /// 1: the clock is set automatically; 0: by hand.
    #[serde(deserialize_with = "lenient_i64")]
    pub is_auto: i64,
}

/// get-settings' `rec-control` block: where and how recordings are written
/// (set-rec-control).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct RecControl {
    /// Container format (get-info `rec-control.file-ext`).
    #[serde(deserialize_with = "lenient_i64")]
    pub mime_type: i64,
    /// USB recording: 0 off, 1 normal.
    #[serde(deserialize_with = "lenient_i64")]
    pub usb_option: i64,
    /// SD recording: 0 off, 1 normal, 2 cycle.
    #[serde(deserialize_with = "lenient_i64")]
    pub sd_option: i64,
    /// Folder of the recordings (at most two levels, "REC_Folder").
    #[serde(deserialize_with = "lenient_string")]
    pub root_folder: String,
    /// File name prefix ("VID").
    #[serde(deserialize_with = "lenient_string")]
    pub file_prefix: String,
    /// File length in minutes; one file stays under 4 GB
    /// (err4GLimited, -33, otherwise).
    #[serde(deserialize_with = "lenient_i64")]
    pub time_unit: i64,
}

/// get-settings' `main-stream` and `sub-stream` blocks: one encoder's
/// settings (set-video; the ranges are in get-info's `codec-cap`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct VideoStream {
    /// 1: the device picks the settings; 0: the values below.
    #[serde(deserialize_with = "lenient_i64")]
    pub is_auto: i64,
    /// 0 H.264, 1 HEVC.
    #[serde(deserialize_with = "lenient_i64")]
    pub codec: i64,
    /// Width in pixels.
    #[serde(deserialize_with = "lenient_i64")]
    pub cx: i64,
    /// Height in pixels.
    #[serde(deserialize_with = "lenient_i64")]
    pub cy: i64,
    /// Frame interval in 100 ns units (166667 = 60 fps, 333333 = 30 fps).
    #[serde(deserialize_with = "lenient_i64")]
    pub duration: i64,
    /// Bitrate in kbit/s.
    #[serde(deserialize_with = "lenient_i64")]
    pub kbps: i64,
    /// Keyframe interval in seconds.
    #[serde(deserialize_with = "lenient_i64")]
    pub gop: i64,
    /// Reserved (0).
    #[serde(deserialize_with = "lenient_i64")]
    pub fourcc: i64,
    /// Encoding profile (get-info `codec-cap.profile` / `hevc-profile`).
    #[serde(deserialize_with = "lenient_i64")]
    pub profile: i64,
    /// Bitrate statistics window in seconds.
    #[serde(deserialize_with = "lenient_i64")]
    pub cbrstat: i64,
    /// Quantization range: 0 limited, 1 full.
    #[serde(deserialize_with = "lenient_i64")]
    pub fullrange: i64,
}

/// get-settings' `audio` block: the audio encoder (set-audio).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct Audio {
    /// Sample rate in Hz (48000).
    #[serde(deserialize_with = "lenient_i64")]
    pub sample_rate: i64,
    /// Number of channels (2).
    #[serde(deserialize_with = "lenient_i64")]
    pub channels: i64,
    /// Bitrate in kbit/s (128).
    #[serde(deserialize_with = "lenient_i64")]
    pub kbps: i64,
}

/// get-settings' `eth` block: the Ethernet configuration (set-eth).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct EthSettings {
    /// 1: the address comes from DHCP; 0: the values below.
    #[serde(deserialize_with = "lenient_i64")]
    pub is_dhcp: i64,
    /// Static IP address ("" with DHCP).
    #[serde(deserialize_with = "lenient_string")]
    pub ip: String,
    /// Static subnet mask.
    #[serde(deserialize_with = "lenient_string")]
    pub mask: String,
    /// Static gateway.
    #[serde(deserialize_with = "lenient_string")]
    pub router: String,
    /// Static DNS server.
    #[serde(deserialize_with = "lenient_string")]
    pub dns: String,
}

/// get-settings' `video-color` block.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct VideoColor {
    /// Contrast (100 in the document's example).
    #[serde(deserialize_with = "lenient_i64")]
    pub contrast: i64,
    /// Brightness (0 in the document's example).
    #[serde(deserialize_with = "lenient_i64")]
    pub brightness: i64,
    /// Saturation (100 in the document's example).
    #[serde(deserialize_with = "lenient_i64")]
    pub saturation: i64,
    /// Hue (0 in the document's example).
    #[serde(deserialize_with = "lenient_i64")]
    pub hue: i64,
}

/// get-settings' `volume` block (gains in dB; the document's ranges,
/// get-info `audio-range`, have fractions such as 55.25).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct Volume {
    /// 1: the microphone input is on.
    #[serde(deserialize_with = "lenient_i64")]
    pub is_mic: i64,
    /// Microphone gain, dB.
    #[serde(deserialize_with = "lenient_f64")]
    pub mic_gain: f64,
    /// 1: the embedded (HDMI / SDI) audio is on.
    #[serde(deserialize_with = "lenient_i64")]
    pub is_spi: i64,
    /// Embedded audio gain, dB.
    #[serde(deserialize_with = "lenient_f64")]
    pub spi_gain: f64,
    /// 1: the headphone output is on.
    #[serde(deserialize_with = "lenient_i64")]
    pub is_phone: i64,
    /// Headphone gain, dB.
    #[serde(deserialize_with = "lenient_f64")]
    pub phone_gain: f64,
}

impl Settings {
    /// `video-color` as a typed view (the field itself stays raw JSON).
    pub fn video_color_view(&self) -> VideoColor {
        VideoColor::deserialize(&self.video_color).unwrap_or_default()
    }
    /// `volume` as a typed view (the field itself stays raw JSON).
    pub fn volume_view(&self) -> Volume {
        Volume::deserialize(&self.volume).unwrap_or_default()
    }
}

/// One entry of get-settings' `stream-server` list.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct StreamServer {
    /// The server's id (enable-server, set-server, del-server take it).
    #[serde(deserialize_with = "lenient_i64")]
    pub id: i64,
    /// `type`: 0 RTMP, 1 Twitch, 2 YouTube, 3 Facebook.
    #[serde(rename = "type", deserialize_with = "lenient_i64")]
    pub kind: i64,
    /// The server's name.
    #[serde(deserialize_with = "lenient_string")]
    pub name: String,
    /// The server's address.
    #[serde(deserialize_with = "lenient_string")]
    pub url: String,
    /// The stream key (a secret: the library never logs it).
    #[serde(deserialize_with = "lenient_string")]
    pub key: String,
    /// 1: the server needs `user` and `passwd`.
    #[serde(deserialize_with = "lenient_i64")]
    pub is_auth: i64,
    /// User name at the server.
    #[serde(deserialize_with = "lenient_string")]
    pub user: String,
    /// Password at the server (a secret: never logged).
    #[serde(deserialize_with = "lenient_string")]
    pub passwd: String,
    /// 1: enabled (at most 2 at once).
    #[serde(deserialize_with = "lenient_i64")]
    pub is_use: i64,
    /// Token (a secret: never logged).
    #[serde(deserialize_with = "lenient_string")]
    pub token: String,
    /// Network tried first: 0 mobile, 1 Ethernet, 2 Wi-Fi.
    #[serde(deserialize_with = "lenient_i64")]
    pub net_mode: i64,
}

/// Reply of get-settings.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct Settings {
    /// The result code (0 success; see `model::codes`).
    #[serde(deserialize_with = "lenient_i64")]
    pub result: i64,
    /// The device's name.
    #[serde(deserialize_with = "lenient_string")]
    pub name: String,
    /// 1: the mobile app needs a pairing password.
    #[serde(deserialize_with = "lenient_i64")]
    pub passwd: i64,
    /// 1: settings may be changed from the mobile app.
    #[serde(deserialize_with = "lenient_i64")]
    pub is_settings: i64,
    /// 1: UPnP (SSDP) discovery is on.
    #[serde(deserialize_with = "lenient_i64")]
    pub is_ssdp: i64,
    /// 1: recording and streaming start at boot (older firmware;
    /// see `is_startup_rec` / `is_startup_live`).
    #[serde(deserialize_with = "lenient_i64")]
    pub is_startup: i64,
    /// 1: recording starts at boot.
    #[serde(deserialize_with = "lenient_i64")]
    pub is_startup_rec: i64,
    /// 1: live streaming starts at boot.
    #[serde(deserialize_with = "lenient_i64")]
    pub is_startup_live: i64,
    /// 1: recording and streaming stop when the input signal is lost.
    #[serde(deserialize_with = "lenient_i64")]
    pub is_signal_lost: i64,
    /// 1: a camera may start and stop recording through the HDMI signal.
    #[serde(deserialize_with = "lenient_i64")]
    pub is_hdmi_rec_ctrl: i64,
    /// The Wi-Fi access point.
    #[serde(deserialize_with = "lenient_struct")]
    pub softap: SoftAp,
    /// Time zone and clock.
    #[serde(deserialize_with = "lenient_struct")]
    pub date_time: DateTime,
    /// Recording settings.
    #[serde(deserialize_with = "lenient_struct")]
    pub rec_control: RecControl,
    /// Picture adjustments, raw (typed: `video_color_view`).
    pub video_color: Value,
    /// Audio gains, raw (typed: `volume_view`).
    pub volume: Value,
    /// Stream recorded: 0 main, 1 sub.
    #[serde(deserialize_with = "lenient_i64")]
    pub rec_stream: i64,
    /// Stream sent live: 0 main, 1 sub.
    #[serde(deserialize_with = "lenient_i64")]
    pub live_stream: i64,
    /// Stream the mobile app previews: 0 main, 1 sub.
    #[serde(deserialize_with = "lenient_i64")]
    pub mws_stream: i64,
    /// Main stream encoder.
    #[serde(deserialize_with = "lenient_struct")]
    pub main_stream: VideoStream,
    /// Sub stream encoder.
    #[serde(deserialize_with = "lenient_struct")]
    pub sub_stream: VideoStream,
    /// Audio encoder.
    #[serde(deserialize_with = "lenient_struct")]
    pub audio: Audio,
    /// Ethernet configuration.
    #[serde(deserialize_with = "lenient_struct")]
    pub eth: EthSettings,
    /// The streaming servers.
    #[serde(deserialize_with = "lenient_vec")]
    pub stream_server: Vec<StreamServer>,
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

/// One entry of get-users' `users` list.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct User {
    /// The user name.
    #[serde(deserialize_with = "lenient_string")]
    pub id: String,
    /// 1 admin, 2 general user.
    #[serde(rename = "type", deserialize_with = "lenient_i64")]
    pub kind: i64,
}

/// Reply of get-users.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Users {
    /// The result code (0 success; see `model::codes`).
    #[serde(deserialize_with = "lenient_i64")]
    pub result: i64,
    /// The users.
    #[serde(deserialize_with = "lenient_vec")]
    pub users: Vec<User>,
}

/// One recorded file of get-media-files' `media-files` list.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct MediaFile {
    /// File name ("VID_9.mp4").
    #[serde(deserialize_with = "lenient_string")]
    pub name: String,
    /// Thumbnail file name (the image is `path/thumbnail/thumbnail-name`).
    #[serde(deserialize_with = "lenient_string")]
    pub thumbnail_name: String,
    /// 0 being recorded, 1 normal, 2 damaged, 3 lost.
    #[serde(deserialize_with = "lenient_i64")]
    pub status: i64,
    /// Creation time ("2019-09-25 06:35:21").
    #[serde(deserialize_with = "lenient_string")]
    pub create_time: String,
    /// Size in bytes.
    #[serde(deserialize_with = "lenient_i64")]
    pub size_bytes: i64,
    /// Length; the document says seconds, but its example (14480 for a
    /// 4 MB file) fits milliseconds, which the simulator sends.
    #[serde(deserialize_with = "lenient_i64")]
    pub duration: i64,
    /// Video width in pixels.
    #[serde(deserialize_with = "lenient_i64")]
    pub width: i64,
    /// Video height in pixels.
    #[serde(deserialize_with = "lenient_i64")]
    pub height: i64,
    /// Frame interval in 100 ns units: fps = 10000000 / interval.
    #[serde(deserialize_with = "lenient_i64")]
    pub interval: i64,
    /// 0 H.264, 1 HEVC.
    #[serde(deserialize_with = "lenient_i64")]
    pub codec: i64,
}

/// Reply of get-media-files.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct MediaFiles {
    /// The result code (0 success; see `model::codes`).
    #[serde(deserialize_with = "lenient_i64")]
    pub result: i64,
    /// Folder of the files on the device ("/media/disk1/REC_Folder");
    /// a file downloads from `/download` + path + `/` + name.
    #[serde(deserialize_with = "lenient_string")]
    pub path: String,
    /// Thumbnail subfolder of `path`.
    #[serde(deserialize_with = "lenient_string")]
    pub thumbnail: String,
    /// The files, from `start`, at most `count`.
    #[serde(deserialize_with = "lenient_vec")]
    pub media_files: Vec<MediaFile>,
}

/// Reply of upload-update-file: it carries `status`, not `result`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct UploadReply {
    /// The result code (0 success).
    #[serde(alias = "result", deserialize_with = "lenient_i64")]
    pub status: i64,
    /// True when the device already runs this version.
    #[serde(deserialize_with = "lenient_bool")]
    pub up_to_date: bool,
    /// The uploaded firmware's version.
    #[serde(deserialize_with = "lenient_string")]
    pub version: String,
    /// The uploaded file's size in bytes.
    #[serde(deserialize_with = "lenient_i64")]
    pub size: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerates_misspellings_and_types() {
        let s: Status = serde_json::from_str(
            r#"{"result":"0","cur-status":65552.0,"usb":{"beign-time":"x","disk-status":1},
                "lock-user":null,"extra":{"a":1}}"#,
        )
        .unwrap();
        assert_eq!(s.cur_status, 65552);
        assert_eq!(s.usb.begin_time, "x");
        assert!(s.lock_user.is_empty());
        let i: Info = serde_json::from_str(
            r#"{"codec-cap":{"gorp-sec":[{"name":"1 sec","value":1}]},"audio-range":{"hdm1":{"max":6.0}}}"#,
        )
        .unwrap();
        assert_eq!(i.codec_cap.gop_sec.len(), 1);
        assert_eq!(i.audio_range.hdmi.max, 6.0);
        let u: UploadReply = serde_json::from_str(
            r#"{"status":0,"up-to-date":true,"version":"1.2.123","size":12494463}"#,
        )
        .unwrap();
        assert!(u.up_to_date);
        assert_eq!(u.size, 12494463);
    }
}
