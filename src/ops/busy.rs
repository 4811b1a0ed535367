//! Busy explained: on errBusy (-9) the library reads the status mask once
//! and names the running operation that blocks the request, by the
//! document's API Limits table (`model::limits`). The `run_*` operations
//! refuse up front with the same message.
//!
//! The message has one shape, which the Python binding reads back:
//! `METHOD: WHAT is in progress (ROW × COLUMN are mutually exclusive); ADVICE`.

use crate::client::Device;
use crate::error::Error;
use crate::model::limits::{Class, Rel, class_of, rel};
use crate::model::status::*;

/// A running operation as the status mask shows it.
struct Running {
    bit: u32,
    class: Class,
    what: &'static str,
    advice: &'static str,
}

const RUNNING: &[Running] = &[
    Running {
        bit: STATUS_REBOOT,
        class: Class::Reboot,
        what: "a reboot",
        advice: "wait until the device answers again (ping), then log in again",
    },
    Running {
        bit: STATUS_RESET,
        class: Class::Reset,
        what: "a reset of all settings",
        advice: "wait until the device answers again (ping), then log in again",
    },
    Running {
        bit: STATUS_UPGRADE,
        class: Class::FirmwareUpdate,
        what: "a firmware update",
        advice: "wait until the update has finished and the device has rebooted",
    },
    Running {
        bit: STATUS_FORMAT_DISK,
        class: Class::UsbFormat,
        what: "a disk format",
        advice: "wait for the format to finish (it cannot be cancelled)",
    },
    Running {
        bit: STATUS_DISK_TEST,
        class: Class::PerfTest,
        what: "the USB speed test",
        advice: "stop it (stop-test-usb) or wait for it to finish",
    },
    Running {
        bit: STATUS_NET_TEST,
        class: Class::LiveTest,
        what: "a stream server test",
        advice: "stop it (stop-test-server) or wait for it to end (20 s at most)",
    },
    Running {
        bit: STATUS_RECORD,
        class: Class::Rec,
        what: "recording",
        advice: "stop recording first (stop-rec)",
    },
    Running {
        bit: STATUS_LIVING,
        class: Class::Live,
        what: "live streaming",
        advice: "stop live streaming first (stop-live)",
    },
];

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

fn busy(method: &str, blocking: &str, explanation: String) -> Error {
    Error::Busy {
        method: method.to_string(),
        blocking: blocking.to_string(),
        explanation,
    }
}

/// The error for `method` when the status mask `mask` shows an operation
/// that excludes it, else None.
pub fn blocking(method: &str, mask: u32) -> Option<Error> {
    let req = class_of(method);
    for r in RUNNING {
        if mask & r.bit != 0 && rel(req, r.class) == Rel::Exclusive {
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

/// Explain an errBusy the device answered to `method`: one get-status.
pub(crate) fn explain(dev: &Device, method: &str) -> Error {
    explain_from(method, dev.get_status().map(|s| s.cur_status as u32))
}

/// The explanation of an errBusy to `method`, given the status mask a
/// get-status read just after it (or why it could not be read). Shared by
/// the blocking client and the fleet engine, which reads the mask its own
/// way.
pub(crate) fn explain_from(method: &str, mask: Result<u32, Error>) -> Error {
    match mask {
        Ok(mask) => blocking(method, mask).unwrap_or_else(|| {
            busy(
                method,
                "",
                format!(
                    "the device answered errBusy (-9) but its status (cur-status {mask:#x}) shows no \
                     operation that excludes it; one may have just ended: retry"
                ),
            )
        }),
        Err(e) => busy(
            method,
            "",
            format!(
                "the device answered errBusy (-9) (a mutually exclusive operation is running); \
                 reading its status to name it failed: {e}"
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_blocker_like_the_issue() {
        let e = blocking("start-format-usb", STATUS_RECORD | STATUS_DISK_READY).unwrap();
        assert_eq!(
            e.to_string(),
            "start-format-usb: recording is in progress (USB Format × REC are mutually exclusive); stop recording first (stop-rec)"
        );
        assert_eq!(e.code(), -9);
        assert!(blocking("start-format-usb", STATUS_LIVING).is_none());
        assert!(blocking("get-status", STATUS_REBOOT).is_none());
        let e = blocking("update", STATUS_CHECK_UPGRADE).unwrap();
        assert!(e.to_string().contains("online update check"), "{e}");
    }
}
