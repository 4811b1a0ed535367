//! The document's "API Limits" table (section 1.6), as data: the simulator
//! enforces it and the client names the blocking operation of an errBusy
//! with it (`ops::busy`).
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
}
