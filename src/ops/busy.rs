//! Busy explained: on errBusy (-9) the library reads the status mask once
//! and names the running operation that blocks the request, by the
//! document's API Limits table (`model::limits`). The `run_*` operations
//! refuse up front with the same message.
//!
//! The message has one shape, which the Python binding reads back:
//! `METHOD: WHAT is in progress (ROW × COLUMN are mutually exclusive); ADVICE`.

use crate::client::Device;
use crate::error::Error;
use crate::model::limits::{class_of, excluding, running_in_mask};
use crate::model::status::*;

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
pub fn explain_mask(method: &str, mask: u32) -> Error {
    if let Some(e) = blocking(method, mask) {
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
        Ok(mask) => explain_mask(method, mask),
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

    #[test]
    fn a_refusal_the_table_does_not_explain_names_what_the_mask_shows() {
        // The issue's case: start-format-sd refused while a format runs
        // (the table says "Repeat request" for that pair).
        let e = explain_mask("start-format-sd", STATUS_FORMAT_DISK | STATUS_PASSWD);
        let m = e.to_string();
        assert!(
            m.starts_with("start-format-sd: a disk format is in progress"),
            "{m}"
        );
        assert!(m.contains("cannot be cancelled"), "{m}");
        assert_eq!(e.code(), -9);
        let e = explain_mask("set-name", STATUS_SEARCH_WIFI);
        assert!(e.to_string().contains("Wi-Fi network search"), "{e}");
        let e = explain_mask("start-rec", STATUS_PASSWD);
        assert!(e.to_string().contains("shows no running operation"), "{e}");
        // The table's answer comes first.
        let e = explain_mask("start-format-usb", STATUS_RECORD | STATUS_FORMAT_DISK);
        assert!(e.to_string().contains("USB Format × REC"), "{e}");
    }
}
