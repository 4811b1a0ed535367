//! The document's "API Limits" table (section 1.6), as data: the simulator
//! enforces it and the client names the blocking operation of an errBusy
//! with it (`busy_explained`, turned into `Error::Busy` by the client and
//! `ops::busy`). Layer: model, the bottom (uses only `model::status`).
//!
//! Rows are the request being made, columns the operation already in
//! progress. "Mutually exclusive" answers errBusy (-9), "Repeat request"
//! answers retRepeat (1), "Last effective" and "N" let the request proceed
//! (a later edit simply overwrites an earlier one).
//!
//! The document gives six columns. Firmware update, reset and reboot can
//! also be in progress; for them the table is read the other way round (the
//! table is symmetric where both orders exist: row X / column Y equals row Y
//! / column X), and two of them together are mutually exclusive (the same
//! one twice is a repeat).

/// An operation class: a row, and for the first six also a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    /// Formatting a USB drive or SD card.
    UsbFormat,
    /// The USB speed test.
    PerfTest,
    /// The stream server test.
    LiveTest,
    /// Adding, changing or removing a stream server.
    EditServer,
    /// Live streaming.
    Live,
    /// Recording.
    Rec,
    /// Changing the encoding (set-stream, set-video, set-audio).
    Encoding,
    /// A firmware update.
    FirmwareUpdate,
    /// A factory reset.
    Reset,
    /// A reboot.
    Reboot,
    /// Everything else: never blocked by the table.
    Other,
}

/// One cell of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rel {
    /// Independent.
    N,
    /// errBusy (-9).
    Exclusive,
    /// retRepeat (1).
    Repeat,
    /// The last change wins.
    LastEffective,
}

use Class::*;
use Rel::*;

/// The table's columns, in the document's order.
pub const COLUMNS: [Class; 6] = [UsbFormat, PerfTest, LiveTest, EditServer, Live, Rec];

/// The table's rows, verbatim from the document.
pub const TABLE: [(Class, [Rel; 6]); 11] = [
    //                 USB Format  Perf Test  Live Test  Edit Server    LIVE       REC
    (UsbFormat, [Repeat, Exclusive, N, N, N, Exclusive]),
    (PerfTest, [Exclusive, Repeat, N, N, N, Exclusive]),
    (LiveTest, [N, N, Exclusive, Exclusive, Exclusive, N]),
    (EditServer, [N, N, Exclusive, LastEffective, Exclusive, N]),
    (Live, [N, N, Exclusive, Exclusive, Repeat, N]),
    (Rec, [Exclusive, Exclusive, N, N, N, Repeat]),
    (Encoding, [N, N, Exclusive, N, Exclusive, Exclusive]),
    (
        FirmwareUpdate,
        [
            Exclusive, Exclusive, Exclusive, Exclusive, Exclusive, Exclusive,
        ],
    ),
    (
        Reset,
        [
            Exclusive, Exclusive, Exclusive, Exclusive, Exclusive, Exclusive,
        ],
    ),
    (
        Reboot,
        [
            Exclusive, Exclusive, Exclusive, Exclusive, Exclusive, Exclusive,
        ],
    ),
    (Other, [N, N, N, N, N, N]),
];

impl Class {
    /// The row / column name the document's table uses.
    pub fn doc_name(self) -> &'static str {
        match self {
            UsbFormat => "USB Format",
            PerfTest => "Performance Test",
            LiveTest => "Live Test",
            EditServer => "Edit Streaming Server",
            Live => "LIVE",
            Rec => "REC",
            Encoding => "Encoding Parameter",
            FirmwareUpdate => "Firmware Update",
            Reset => "Reset",
            Reboot => "Reboot",
            Other => "Other",
        }
    }
}

fn column(c: Class) -> Option<usize> {
    COLUMNS.iter().position(|&x| x == c)
}

fn row(c: Class) -> &'static [Rel; 6] {
    // Every class has a row; Other is the fallback.
    TABLE
        .iter()
        .find(|(r, _)| *r == c)
        .map_or(&TABLE[10].1, |(_, cells)| cells)
}

/// What happens to a `request` while `running` is in progress.
pub fn rel(request: Class, running: Class) -> Rel {
    if let Some(col) = column(running) {
        return row(request)[col];
    }
    if let Some(col) = column(request) {
        return row(running)[col];
    }
    match (request, running) {
        (Other, _) | (_, Other) | (Encoding, _) | (_, Encoding) => N,
        (a, b) if a == b => Repeat,
        _ => Exclusive,
    }
}

/// The class of an API method.
pub fn class_of(method: &str) -> Class {
    match method {
        "start-format-usb" | "start-format-sd" => UsbFormat,
        "start-test-usb" => PerfTest,
        "start-test-server" => LiveTest,
        "add-server" | "set-server" | "del-server" | "enable-server" => EditServer,
        "start-live" => Live,
        "start-rec" => Rec,
        "set-stream" | "set-video" | "set-audio" => Encoding,
        "update" => FirmwareUpdate,
        "reset-all-settings" => Reset,
        "reboot" => Reboot,
        _ => Other,
    }
}

/// A running operation the status mask can show: its flag, its class in
/// the table, words for messages, and what to do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaskOp {
    /// The `cur-status` flag.
    pub bit: u32,
    /// Its row / column in the table (`Other` when the table has none).
    pub class: Class,
    /// What it is, for messages ("a disk format").
    pub what: &'static str,
    /// What to do about it.
    pub advice: &'static str,
}

use crate::model::status::{
    STATUS_CHECK_UPGRADE, STATUS_CONNECT_WIFI, STATUS_DISK_TEST, STATUS_FORMAT_DISK, STATUS_LIVING,
    STATUS_NET_TEST, STATUS_REBOOT, STATUS_RECORD, STATUS_RESET, STATUS_SEARCH_WIFI,
    STATUS_UPGRADE,
};

/// Every running operation the document's status mask names, most
/// exclusive first. statusFormatDisk says "USB format" but a device may set
/// it for an SD card format too, hence "a disk format".
pub const MASK_OPS: &[MaskOp] = &[
    MaskOp {
        bit: STATUS_REBOOT,
        class: Reboot,
        what: "a reboot",
        advice: "wait until the device answers again (ping), then log in again",
    },
    MaskOp {
        bit: STATUS_RESET,
        class: Reset,
        what: "a reset of all settings",
        advice: "wait until the device answers again (ping), then log in again",
    },
    MaskOp {
        bit: STATUS_UPGRADE,
        class: FirmwareUpdate,
        what: "a firmware update",
        advice: "wait until the update has finished and the device has rebooted",
    },
    MaskOp {
        bit: STATUS_FORMAT_DISK,
        class: UsbFormat,
        what: "a disk format",
        advice: "wait for the format to finish (it cannot be cancelled)",
    },
    MaskOp {
        bit: STATUS_DISK_TEST,
        class: PerfTest,
        what: "the USB speed test",
        advice: "stop it (stop-test-usb) or wait for it to finish",
    },
    MaskOp {
        bit: STATUS_NET_TEST,
        class: LiveTest,
        what: "a stream server test",
        advice: "stop it (stop-test-server) or wait for it to end (20 s at most)",
    },
    MaskOp {
        bit: STATUS_RECORD,
        class: Rec,
        what: "recording",
        advice: "stop recording first (stop-rec)",
    },
    MaskOp {
        bit: STATUS_LIVING,
        class: Live,
        what: "live streaming",
        advice: "stop live streaming first (stop-live)",
    },
    MaskOp {
        bit: STATUS_CHECK_UPGRADE,
        class: Other,
        what: "an online update check",
        advice: "wait for it to finish (a few seconds)",
    },
    MaskOp {
        bit: STATUS_SEARCH_WIFI,
        class: Other,
        what: "a Wi-Fi network search",
        advice: "wait for it to finish",
    },
    MaskOp {
        bit: STATUS_CONNECT_WIFI,
        class: Other,
        what: "a Wi-Fi connection attempt",
        advice: "wait for it to finish",
    },
];

/// The running operations `mask` shows, most exclusive first.
pub fn running_in_mask(mask: u32) -> impl Iterator<Item = &'static MaskOp> {
    MASK_OPS.iter().filter(move |o| mask & o.bit != 0)
}

/// The first running operation in `mask` that the table says excludes
/// `request` (answers errBusy), if any.
pub fn excluding(request: Class, mask: u32) -> Option<&'static MaskOp> {
    running_in_mask(mask).find(|o| o.class != Other && rel(request, o.class) == Exclusive)
}

// ---------------------------------------------------------------------------
// Busy explained: what the table says about an errBusy (-9). `ops::busy`
// and the client turn a `Busy` into `Error::Busy`.

/// A refusal explained by the table: the fields of `Error::Busy`.
///
/// The explanation has one shape, which the Python binding reads back:
/// `WHAT is in progress (ROW × COLUMN are mutually exclusive); ADVICE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Busy {
    /// The refused method ("start-format-usb").
    pub method: String,
    /// The running operation that blocks it ("recording"); "" when none shows.
    pub blocking: String,
    /// The whole explanation, advice included.
    pub explanation: String,
}

/// Methods the document itself forbids while one operation runs (outside
/// the table): each clear-* while its own operation is running, and the
/// update / update-check pair (sections 11.1 and 11.4).
const OWN: &[(&str, u32, &str)] = &[
    ("clear-format-usb", STATUS_FORMAT_DISK, "a disk format"),
    ("clear-test-usb", STATUS_DISK_TEST, "the USB speed test"),
    ("clear-test-server", STATUS_NET_TEST, "a stream server test"),
    ("clear-upgrade", STATUS_UPGRADE, "a firmware update"),
    ("upload-update-file", STATUS_UPGRADE, "a firmware update"),
    ("online-update-check", STATUS_UPGRADE, "a firmware update"),
    ("update", STATUS_CHECK_UPGRADE, "an online update check"),
];

fn busy(method: &str, blocking: &str, explanation: String) -> Busy {
    Busy {
        method: method.to_string(),
        blocking: blocking.to_string(),
        explanation,
    }
}

/// Why `method` is refused when the status mask `mask` shows an operation
/// that excludes it, else None.
pub fn busy_blocking(method: &str, mask: u32) -> Option<Busy> {
    let req = class_of(method);
    if let Some(r) = excluding(req, mask) {
        let (a, b) = (req.doc_name(), r.class.doc_name());
        return Some(busy(
            method,
            r.what,
            format!(
                "{} is in progress ({a} × {b} are mutually exclusive); {}",
                r.what, r.advice
            ),
        ));
    }
    for (m, bit, what) in OWN {
        if *m == method && mask & bit != 0 {
            return Some(busy(
                method,
                what,
                format!(
                    "{what} is in progress (the document forbids {method} meanwhile); wait for it to finish"
                ),
            ));
        }
    }
    None
}

/// Explain an errBusy the device answered to `method` when its status
/// mask is `mask`: the operation the API Limits table says excludes it;
/// else, where the table has no such row, whatever running operation the
/// mask shows; else that none shows.
pub fn busy_explained(method: &str, mask: u32) -> Busy {
    if let Some(e) = busy_blocking(method, mask) {
        return e;
    }
    if let Some(r) = running_in_mask(mask).next() {
        return busy(
            method,
            r.what,
            format!(
                "{} is in progress (cur-status {mask:#x} shows it, though the API Limits table does not list it as \
                 excluding {method}); {}",
                r.what, r.advice
            ),
        );
    }
    busy(
        method,
        "",
        format!(
            "the device answered errBusy (-9) but its status (cur-status {mask:#x}) shows no \
             running operation; one may have just ended: retry"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_symmetric_where_both_orders_exist() {
        for &a in &COLUMNS {
            for &b in &COLUMNS {
                assert_eq!(rel(a, b), rel(b, a), "{a:?} / {b:?}");
            }
        }
    }

    #[test]
    fn reading_the_other_way() {
        assert_eq!(rel(Rec, FirmwareUpdate), Exclusive);
        assert_eq!(rel(Other, Reboot), N);
        assert_eq!(rel(Encoding, Reset), N);
        assert_eq!(rel(Reboot, Reboot), Repeat);
        assert_eq!(rel(Reset, FirmwareUpdate), Exclusive);
        assert_eq!(class_of("stop-rec"), Other);
    }

    #[test]
    fn the_mask_names_what_runs() {
        // The mask: statusFormatDisk | statusPasswd.
        let names: Vec<&str> = running_in_mask(0x110000).map(|o| o.what).collect();
        assert_eq!(names, ["a disk format"]);
        // The table has "Repeat request" for a format during a format: no
        // exclusion, though the mask names it.
        assert!(excluding(UsbFormat, 0x110000).is_none());
        assert_eq!(excluding(Rec, 0x110000).unwrap().what, "a disk format");
        let all: u32 = MASK_OPS.iter().map(|o| o.bit).sum();
        assert_eq!(running_in_mask(all).count(), MASK_OPS.len());
        assert_eq!(running_in_mask(0x10).count(), 0);
    }
}
