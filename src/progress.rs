//! Progress reports (layer: beside `model`, below the client): the one type
//! the streamed upload (`Device::upload_update_file_progress`), every long
//! operation in `ops` and the C ABI's `usapi_progress` share. `ops`
//! re-exports it, so `ultrastream::ops::Progress` keeps working.

use std::ops::ControlFlow;

/// One progress report. Borrowed strings: copy what you keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress<'a> {
    /// "format-usb", "format-sd", "test-usb", "test-server", "update-check",
    /// "upload", "update", "reboot", "reset", "download".
    pub operation: &'a str,
    /// e.g. "uploading", "downloading", "verifying", "writing", "rebooting", "waiting".
    pub phase: &'a str,
    /// The device's step where it reports one, else 0.
    pub step: i32,
    /// 0..=100.
    pub percent: i32,
    /// Bytes so far, for upload and download; else 0.
    pub done: u64,
    /// Bytes in all, for upload and download; else 0.
    pub total: u64,
    /// The device's current result for the operation (2 running, ...).
    pub result: i32,
}

/// What a progress callback returns: `ControlFlow::Break(())` cancels.
pub type Flow = ControlFlow<()>;

/// A progress callback.
pub type ProgressFn<'a> = dyn FnMut(&Progress<'_>) -> Flow + 'a;

/// Percent of `done` in `total`, 0..=100 (100 for an empty total).
pub fn percent_of(done: u64, total: u64) -> i32 {
    if total == 0 {
        return 100;
    }
    ((done.min(total) as u128 * 100) / total as u128) as i32
}

#[cfg(test)]
mod tests {
    #[test]
    fn percent_of() {
        assert_eq!(super::percent_of(0, 10), 0);
        assert_eq!(super::percent_of(5, 10), 50);
        assert_eq!(super::percent_of(11, 10), 100);
        assert_eq!(super::percent_of(0, 0), 100);
        assert_eq!(super::percent_of(u64::MAX, u64::MAX), 100);
    }
}
