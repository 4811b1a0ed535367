//! Busy explained: on errBusy (-9) the library reads the status mask once
//! and names the running operation that blocks the request, by the
//! document's API Limits table (`model::limits`). The `run_*` operations
//! refuse up front with the same message.
//!
//! The message has one shape, which the Python binding reads back:
//! `METHOD: WHAT is in progress (ROW × COLUMN are mutually exclusive); ADVICE`.

use crate::error::Error;
use crate::model::limits::{busy_blocking, busy_explained};

pub(crate) use crate::client::busy::explain_from;

/// The error for `method` when the status mask `mask` shows an operation
/// that excludes it, else None.
pub fn blocking(method: &str, mask: u32) -> Option<Error> {
    busy_blocking(method, mask).map(Error::from)
}

/// Explain an errBusy the device answered to `method` when its status
/// mask is `mask`: the operation the API Limits table says excludes it;
/// else, where the table has no such row, whatever running operation the
/// mask shows; else that none shows.
pub fn explain_mask(method: &str, mask: u32) -> Error {
    Error::from(busy_explained(method, mask))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::status::*;

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
