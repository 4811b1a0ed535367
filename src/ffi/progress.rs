//! The C shapes of progress reporting, shared by the streamed upload and
//! every `usapi_run_*` operation (other code is written against them: add
//! fields at the end, never rename).

use std::ffi::{CString, c_char, c_void};

/// One progress report, valid only during the callback (copy what you keep).
#[repr(C)]
pub struct usapi_progress {
    /// "format-usb", "format-sd", "test-usb", "test-server", "update-check",
    /// "upload", "update", "reboot", "reset", "download".
    pub operation: *const c_char,
    /// e.g. "uploading", "downloading", "verifying", "writing", "rebooting", "waiting".
    pub phase: *const c_char,
    /// The device's step where it reports one, else 0.
    pub step: i32,
    /// 0..100.
    pub percent: i32,
    /// Bytes so far, for upload and download; else 0.
    pub done: u64,
    /// Bytes in all, for upload and download; else 0.
    pub total: u64,
    /// The device's current result for the operation.
    pub result: i32,
}

/// Called on the calling thread with each report; return non-zero to cancel.
pub type usapi_progress_callback =
    Option<unsafe extern "C" fn(p: *const usapi_progress, user_data: *mut c_void) -> i32>;

/// Options of a usapi_run_* operation. NULL options: all defaults.
#[repr(C)]
pub struct usapi_run_options {
    /// 0: a default per operation.
    pub timeout_ms: u32,
    /// 0: a default.
    pub poll_interval_ms: u32,
    /// May be NULL.
    pub progress: usapi_progress_callback,
    /// Passed to `progress` unchanged.
    pub user_data: *mut c_void,
}

/// Adapt a C callback to the Rust one. A string with a NUL inside (never
/// from this library) is reported as "".
pub(crate) fn rust_callback(
    cb: usapi_progress_callback,
    user_data: *mut c_void,
) -> impl FnMut(&crate::ops::Progress<'_>) -> crate::ops::Flow {
    move |p| {
        let Some(f) = cb else {
            return crate::ops::Flow::Continue(());
        };
        let op = CString::new(p.operation).unwrap_or_default();
        let phase = CString::new(p.phase).unwrap_or_default();
        let c = usapi_progress {
            operation: op.as_ptr(),
            phase: phase.as_ptr(),
            step: p.step,
            percent: p.percent,
            done: p.done,
            total: p.total,
            result: p.result,
        };
        // SAFETY: the caller promised `f` is callable with its own
        // user_data; `c` and its strings outlive the call.
        if unsafe { f(&c, user_data) } != 0 {
            crate::ops::Flow::Break(())
        } else {
            crate::ops::Flow::Continue(())
        }
    }
}
