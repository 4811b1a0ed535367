//! The watched fields of get-status (layer: watch): read from a body
//! without building a JSON tree, compared on every poll, turned into JSON
//! only for an event.

use crate::model::codes;
use crate::model::status::*;
use serde::Deserialize;
use serde_json::{Map, Value, json};

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
pub(super) struct Snap {
    /// From get-status (false: from ping, only the mask).
    full: bool,
    pub(super) mask: u32,
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
    pub(super) fn from_ping(mask: u32) -> Snap {
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
pub(super) fn snapshot(body: &str) -> std::result::Result<Snap, String> {
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

pub(super) fn state_fields(snap: &Snap) -> Map<String, Value> {
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
pub(super) fn diff(old: &Snap, new: &mut Snap) -> Option<Map<String, Value>> {
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
}
