//! Long operations run to the end: start, poll the right block of
//! get-status, report progress, clear, return the final reply (DESIGN.md
//! "Long operations and watching").
//!
//! This module's one shared type is [`Progress`]: the streamed upload
//! (`Device::upload_update_file_progress`) and every operation report
//! through it, and the C ABI mirrors it as `usapi_progress`.

pub mod busy;
mod download;
mod power;
pub mod restart;
mod run;

pub use run::{RunOptions, required_write_bps};

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
