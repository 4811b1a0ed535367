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
    #[serde(deserialize_with = "lenient_string")]
    pub name: String,
    #[serde(deserialize_with = "lenient_i64")]
    pub value: i64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Resolution {
    #[serde(deserialize_with = "lenient_i64")]
    pub w: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub h: i64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Range {
    #[serde(deserialize_with = "lenient_f64")]
    pub max: f64,
    #[serde(deserialize_with = "lenient_f64")]
    pub min: f64,
    #[serde(deserialize_with = "lenient_f64")]
    pub def: f64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct Product {
    #[serde(deserialize_with = "lenient_string")]
    pub sn: String,
    #[serde(deserialize_with = "lenient_i64")]
    pub product_id: i64,
    #[serde(deserialize_with = "lenient_string")]
    pub hardware_ver: String,
    #[serde(deserialize_with = "lenient_i64")]
    pub firmware_id: i64,
    #[serde(deserialize_with = "lenient_string")]
    pub firmware_ver_s: String,
    #[serde(deserialize_with = "lenient_string")]
    pub factory_firmware_ver_s: String,
    #[serde(deserialize_with = "lenient_string")]
    pub product_name: String,
    #[serde(deserialize_with = "lenient_string")]
    pub module_name: String,
    #[serde(deserialize_with = "lenient_string")]
    pub manu_name: String,
    #[serde(deserialize_with = "lenient_i64")]
    pub features: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub max_lock_count: i64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct MacAddr {
    #[serde(deserialize_with = "lenient_string")]
    pub eth: String,
    #[serde(deserialize_with = "lenient_string")]
    pub wifi: String,
    #[serde(deserialize_with = "lenient_string")]
    pub blue: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct AudioRange {
    /// The document's structure shows `hdm1`; its example and devices say `hdmi`.
    #[serde(alias = "hdm1", deserialize_with = "lenient_struct")]
    pub hdmi: Range,
    #[serde(deserialize_with = "lenient_struct")]
    pub mic: Range,
    #[serde(deserialize_with = "lenient_struct")]
    pub phone: Range,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct CodecCap {
    #[serde(deserialize_with = "lenient_vec")]
    pub resolutions: Vec<Resolution>,
    #[serde(deserialize_with = "lenient_vec")]
    pub durations: Vec<NamedValue>,
    #[serde(deserialize_with = "lenient_vec")]
    pub profile: Vec<NamedValue>,
    #[serde(deserialize_with = "lenient_vec")]
    pub hevc_profile: Vec<NamedValue>,
    #[serde(deserialize_with = "lenient_vec")]
    pub video_kbps: Vec<NamedValue>,
    #[serde(deserialize_with = "lenient_vec")]
    pub audio_kbps: Vec<NamedValue>,
    /// The document's example spells it `gorp-sec`.
    #[serde(alias = "gorp-sec", deserialize_with = "lenient_vec")]
    pub gop_sec: Vec<NamedValue>,
    #[serde(deserialize_with = "lenient_vec")]
    pub video_range: Vec<NamedValue>,
    #[serde(deserialize_with = "lenient_vec")]
    pub stat_sec: Vec<NamedValue>,
    #[serde(deserialize_with = "lenient_vec")]
    pub video_codec: Vec<NamedValue>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct RecControlCap {
    #[serde(deserialize_with = "lenient_vec")]
    pub usb_option: Vec<NamedValue>,
    #[serde(deserialize_with = "lenient_vec")]
    pub sd_option: Vec<NamedValue>,
    #[serde(deserialize_with = "lenient_vec")]
    pub time_unit: Vec<NamedValue>,
    #[serde(deserialize_with = "lenient_vec")]
    pub file_ext: Vec<NamedValue>,
}

/// Reply of get-info.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct Info {
    #[serde(deserialize_with = "lenient_i64")]
    pub result: i64,
    #[serde(deserialize_with = "lenient_struct")]
    pub mac_addr: MacAddr,
    #[serde(deserialize_with = "lenient_string")]
    pub snapshot: String,
    #[serde(deserialize_with = "lenient_struct")]
    pub product: Product,
    #[serde(deserialize_with = "lenient_struct")]
    pub audio_range: AudioRange,
    #[serde(deserialize_with = "lenient_struct")]
    pub codec_cap: CodecCap,
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
    #[serde(deserialize_with = "lenient_i64")]
    pub result: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub percent: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub step: i64,
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
    #[serde(deserialize_with = "lenient_i64")]
    pub net: i64,
    #[serde(deserialize_with = "lenient_string")]
    pub client_id: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct RecStatus {
    #[serde(deserialize_with = "lenient_i64")]
    pub result: i64,
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
    #[serde(deserialize_with = "lenient_string")]
    pub client_id: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct LiveStatus {
    #[serde(deserialize_with = "lenient_i64")]
    pub result: i64,
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
    #[serde(deserialize_with = "lenient_i64")]
    pub net: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub result2: i64,
    /// The second server's current bitrate, like `cur_bps`.
    #[serde(deserialize_with = "lenient_i64")]
    pub cur_bps2: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub net2: i64,
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
    #[serde(deserialize_with = "lenient_string")]
    pub name: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct InputSignal {
    #[serde(deserialize_with = "lenient_i64")]
    pub status: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub cx: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub cy: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub interlaced: i64,
    #[serde(deserialize_with = "lenient_f64")]
    pub frame_rate: f64,
    #[serde(deserialize_with = "lenient_i64")]
    pub channel_valid: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub is_lpcm: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub bits_per_sample: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub sample_rate: i64,
}

/// USB / SD card information.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct Disk {
    #[serde(deserialize_with = "lenient_i64")]
    pub disk_status: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub total_size: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub used_size: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub free_size: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub block_size: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub usage: i64,
    #[serde(deserialize_with = "lenient_string")]
    pub sys_path: String,
    #[serde(deserialize_with = "lenient_string")]
    pub fs_type: String,
    #[serde(deserialize_with = "lenient_string")]
    pub mount_path: String,
    #[serde(deserialize_with = "lenient_string")]
    pub fs_label: String,
    /// The disk's write speed, bytes per second (the document's usb
    /// example 14255282 ≈ 13.6 MB/s; see [`BPS_UNITS`]).
    #[serde(deserialize_with = "lenient_i64")]
    pub write_bps: i64,
    /// The disk's read speed, bytes per second.
    #[serde(deserialize_with = "lenient_i64")]
    pub read_bps: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub free_sec: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub file_count: i64,
    /// USB blocks on devices spell it `beign-time`.
    #[serde(alias = "beign-time", deserialize_with = "lenient_string")]
    pub begin_time: String,
    #[serde(deserialize_with = "lenient_string")]
    pub end_time: String,
    #[serde(deserialize_with = "lenient_i64")]
    pub total_cache_time: i64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct NetInfo {
    #[serde(deserialize_with = "lenient_string")]
    pub name: String,
    #[serde(deserialize_with = "lenient_i64")]
    pub level: i64,
    #[serde(deserialize_with = "lenient_string")]
    pub ip: String,
    #[serde(deserialize_with = "lenient_string")]
    pub mask: String,
    #[serde(deserialize_with = "lenient_string")]
    pub router: String,
    #[serde(deserialize_with = "lenient_string")]
    pub dns: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct UpgradeInfo {
    #[serde(deserialize_with = "lenient_string")]
    pub ver: String,
    #[serde(deserialize_with = "lenient_string")]
    pub date: String,
    #[serde(deserialize_with = "lenient_i64")]
    pub size_byte: i64,
    #[serde(deserialize_with = "lenient_vec")]
    pub info: Vec<Value>,
}

/// Reply of get-status.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct Status {
    #[serde(deserialize_with = "lenient_i64")]
    pub result: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub cur_status: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub last_rec_status: i64,
    #[serde(deserialize_with = "lenient_string")]
    pub cur_time: String,
    #[serde(deserialize_with = "lenient_string")]
    pub box_name: String,
    #[serde(deserialize_with = "lenient_vec")]
    pub lock_user: Vec<Value>,
    #[serde(deserialize_with = "lenient_struct")]
    pub rec_status: RecStatus,
    #[serde(deserialize_with = "lenient_struct")]
    pub live_status: LiveStatus,
    #[serde(deserialize_with = "lenient_struct")]
    pub upgrade_status: Progress,
    #[serde(deserialize_with = "lenient_struct")]
    pub format_status: Progress,
    #[serde(deserialize_with = "lenient_struct")]
    pub disk_test: Progress,
    #[serde(deserialize_with = "lenient_struct")]
    pub living_test: Progress,
    #[serde(deserialize_with = "lenient_struct")]
    pub check_upgrade: Progress,
    #[serde(deserialize_with = "lenient_struct")]
    pub input_signal: InputSignal,
    #[serde(deserialize_with = "lenient_struct")]
    pub usb: Disk,
    #[serde(deserialize_with = "lenient_struct")]
    pub sd: Disk,
    #[serde(deserialize_with = "lenient_struct")]
    pub wifi: NetInfo,
    #[serde(deserialize_with = "lenient_struct")]
    pub eth: NetInfo,
    #[serde(deserialize_with = "lenient_struct")]
    pub mobile: NetInfo,
    #[serde(deserialize_with = "lenient_struct")]
    pub upgrade: UpgradeInfo,
    #[serde(deserialize_with = "lenient_struct")]
    pub downgrade: UpgradeInfo,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct SoftAp {
    #[serde(deserialize_with = "lenient_i64")]
    pub is_softap: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub is_visible: i64,
    #[serde(deserialize_with = "lenient_string")]
    pub softap_ssid: String,
    #[serde(deserialize_with = "lenient_string")]
    pub softap_passwd: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct DateTime {
    #[serde(deserialize_with = "lenient_string")]
    pub timezone: String,
    #[serde(deserialize_with = "lenient_i64")]
    pub is_auto: i64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct RecControl {
    #[serde(deserialize_with = "lenient_i64")]
    pub mime_type: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub usb_option: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub sd_option: i64,
    #[serde(deserialize_with = "lenient_string")]
    pub root_folder: String,
    #[serde(deserialize_with = "lenient_string")]
    pub file_prefix: String,
    #[serde(deserialize_with = "lenient_i64")]
    pub time_unit: i64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct VideoStream {
    #[serde(deserialize_with = "lenient_i64")]
    pub is_auto: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub codec: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub cx: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub cy: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub duration: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub kbps: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub gop: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub fourcc: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub profile: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub cbrstat: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub fullrange: i64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct Audio {
    #[serde(deserialize_with = "lenient_i64")]
    pub sample_rate: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub channels: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub kbps: i64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct EthSettings {
    #[serde(deserialize_with = "lenient_i64")]
    pub is_dhcp: i64,
    #[serde(deserialize_with = "lenient_string")]
    pub ip: String,
    #[serde(deserialize_with = "lenient_string")]
    pub mask: String,
    #[serde(deserialize_with = "lenient_string")]
    pub router: String,
    #[serde(deserialize_with = "lenient_string")]
    pub dns: String,
}

/// get-settings' `video-color` block.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct VideoColor {
    #[serde(deserialize_with = "lenient_i64")]
    pub contrast: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub brightness: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub saturation: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub hue: i64,
}

/// get-settings' `volume` block (gains in dB; the document's ranges,
/// get-info `audio-range`, have fractions such as 55.25).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct Volume {
    #[serde(deserialize_with = "lenient_i64")]
    pub is_mic: i64,
    #[serde(deserialize_with = "lenient_f64")]
    pub mic_gain: f64,
    #[serde(deserialize_with = "lenient_i64")]
    pub is_spi: i64,
    #[serde(deserialize_with = "lenient_f64")]
    pub spi_gain: f64,
    #[serde(deserialize_with = "lenient_i64")]
    pub is_phone: i64,
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
    #[serde(deserialize_with = "lenient_i64")]
    pub id: i64,
    #[serde(rename = "type", deserialize_with = "lenient_i64")]
    pub kind: i64,
    #[serde(deserialize_with = "lenient_string")]
    pub name: String,
    #[serde(deserialize_with = "lenient_string")]
    pub url: String,
    #[serde(deserialize_with = "lenient_string")]
    pub key: String,
    #[serde(deserialize_with = "lenient_i64")]
    pub is_auth: i64,
    #[serde(deserialize_with = "lenient_string")]
    pub user: String,
    #[serde(deserialize_with = "lenient_string")]
    pub passwd: String,
    #[serde(deserialize_with = "lenient_i64")]
    pub is_use: i64,
    #[serde(deserialize_with = "lenient_string")]
    pub token: String,
    #[serde(deserialize_with = "lenient_i64")]
    pub net_mode: i64,
}

/// Reply of get-settings.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct Settings {
    #[serde(deserialize_with = "lenient_i64")]
    pub result: i64,
    #[serde(deserialize_with = "lenient_string")]
    pub name: String,
    #[serde(deserialize_with = "lenient_i64")]
    pub passwd: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub is_settings: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub is_ssdp: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub is_startup: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub is_startup_rec: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub is_startup_live: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub is_signal_lost: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub is_hdmi_rec_ctrl: i64,
    #[serde(deserialize_with = "lenient_struct")]
    pub softap: SoftAp,
    #[serde(deserialize_with = "lenient_struct")]
    pub date_time: DateTime,
    #[serde(deserialize_with = "lenient_struct")]
    pub rec_control: RecControl,
    pub video_color: Value,
    pub volume: Value,
    #[serde(deserialize_with = "lenient_i64")]
    pub rec_stream: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub live_stream: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub mws_stream: i64,
    #[serde(deserialize_with = "lenient_struct")]
    pub main_stream: VideoStream,
    #[serde(deserialize_with = "lenient_struct")]
    pub sub_stream: VideoStream,
    #[serde(deserialize_with = "lenient_struct")]
    pub audio: Audio,
    #[serde(deserialize_with = "lenient_struct")]
    pub eth: EthSettings,
    #[serde(deserialize_with = "lenient_vec")]
    pub stream_server: Vec<StreamServer>,
}

/// Reply of ping.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct Ping {
    #[serde(deserialize_with = "lenient_i64")]
    pub result: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub cur_status: i64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct User {
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
    #[serde(deserialize_with = "lenient_i64")]
    pub result: i64,
    #[serde(deserialize_with = "lenient_vec")]
    pub users: Vec<User>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct MediaFile {
    #[serde(deserialize_with = "lenient_string")]
    pub name: String,
    #[serde(deserialize_with = "lenient_string")]
    pub thumbnail_name: String,
    #[serde(deserialize_with = "lenient_i64")]
    pub status: i64,
    #[serde(deserialize_with = "lenient_string")]
    pub create_time: String,
    #[serde(deserialize_with = "lenient_i64")]
    pub size_bytes: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub duration: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub width: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub height: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub interval: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub codec: i64,
}

/// Reply of get-media-files.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct MediaFiles {
    #[serde(deserialize_with = "lenient_i64")]
    pub result: i64,
    #[serde(deserialize_with = "lenient_string")]
    pub path: String,
    #[serde(deserialize_with = "lenient_string")]
    pub thumbnail: String,
    #[serde(deserialize_with = "lenient_vec")]
    pub media_files: Vec<MediaFile>,
}

/// Reply of upload-update-file: it carries `status`, not `result`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct UploadReply {
    #[serde(alias = "result", deserialize_with = "lenient_i64")]
    pub status: i64,
    #[serde(deserialize_with = "lenient_bool")]
    pub up_to_date: bool,
    #[serde(deserialize_with = "lenient_string")]
    pub version: String,
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
