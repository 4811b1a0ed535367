//! C ABI layer (`ffi`): the exports of the firmware-update methods with
//! arguments (document section 11): update and the three upload forms.

use super::{send_raw, skipping};
use crate::api::{Firmware, Method};
use crate::ffi::device::{usapi_device, with_device};
use crate::ffi::progress::{rust_callback, usapi_progress_callback};
use crate::ffi::{Failure, str_arg};
use crate::model::codes;
use std::ffi::{c_char, c_void};

/// update: `mode` "upload" (after upload-update-file) or "online".
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_update(
    dev: usapi_device,
    mode: *const c_char,
    out_json: *mut *mut c_char,
) -> i32 {
    with_device(dev, out_json, |d| {
        let mode = str_arg(mode, "mode")?;
        if skipping(d) {
            return send_raw(d, Method::Update, &[("mode", mode.to_string())]);
        }
        let mode = match mode {
            "upload" => Firmware::Upload,
            "online" => Firmware::Online,
            _ => {
                return Err(Failure::new(
                    codes::E_INVALID_ARGUMENT,
                    "invalid argument 'mode': must be \"upload\" or \"online\"",
                ));
            }
        };
        Ok(d.update(mode)?)
    })
}

/// upload-update-file: send the .mwf firmware at `path` (multipart, field
/// "file"). The reply carries "status" (not "result"), "up-to-date",
/// "version" and "size"; the return value is its status. Then call
/// usapi_update(dev, "upload", ...).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_upload_update_file(
    dev: usapi_device,
    path: *const c_char,
    out_json: *mut *mut c_char,
) -> i32 {
    with_device(dev, out_json, |d| {
        Ok(d.upload_update_file_reply(std::path::Path::new(str_arg(path, "path")?))?)
    })
}

/// upload-update-file with progress: the file at `path` is streamed in
/// chunks (memory use does not grow with its size). `cb` (may be NULL) is
/// called on this thread with operation "upload", phase "uploading" and
/// `done` / `total` bytes of the file; a non-zero return stops the upload
/// (USAPI_E_CANCELLED; the device got an incomplete file). A device that
/// refuses before reading the body (HTTP 413, its JSON error) is answered
/// without pushing the body. Otherwise as usapi_upload_update_file.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_upload_update_file_progress(
    dev: usapi_device,
    path: *const c_char,
    cb: usapi_progress_callback,
    user_data: *mut c_void,
    out_json: *mut *mut c_char,
) -> i32 {
    with_device(dev, out_json, |d| {
        let path = std::path::Path::new(str_arg(path, "path")?);
        let mut progress = rust_callback(cb, user_data);
        Ok(d.upload_update_file_progress(path, &mut progress)?)
    })
}

/// The largest firmware image `usapi_upload_update_data` accepts, in bytes
/// (1 GiB; real .mwf images are tens of MB). Larger `len` values are refused
/// with USAPI_E_INVALID_ARGUMENT before anything is read or sent.
pub const USAPI_UPLOAD_MAX_BYTES: u64 = 1 << 30;

/// upload-update-file from memory: `len` bytes at `data`, sent under
/// `filename`. `len` may be at most USAPI_UPLOAD_MAX_BYTES (else
/// USAPI_E_INVALID_ARGUMENT, nothing sent); `data` must not be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_upload_update_data(
    dev: usapi_device,
    filename: *const c_char,
    data: *const u8,
    len: usize,
    out_json: *mut *mut c_char,
) -> i32 {
    with_device(dev, out_json, |d| {
        let name = str_arg(filename, "filename")?;
        if data.is_null() {
            return Err(Failure::new(
                codes::E_NULL_ARGUMENT,
                "argument 'data' is NULL",
            ));
        }
        // Bounded before the slice is built: a slice longer than isize::MAX
        // is undefined behaviour, and SIZE_MAX is never a real image.
        if len as u64 > USAPI_UPLOAD_MAX_BYTES {
            return Err(Failure::new(
                codes::E_INVALID_ARGUMENT,
                format!(
                    "invalid argument 'len': {len} bytes is more than USAPI_UPLOAD_MAX_BYTES ({USAPI_UPLOAD_MAX_BYTES}); nothing was sent to the device"
                ),
            ));
        }
        // SAFETY: the caller passes `len` readable bytes at `data`, and
        // `len` <= 1 GiB < isize::MAX.
        let bytes = unsafe { std::slice::from_raw_parts(data, len) };
        Ok(d.upload_update_bytes_reply(name, bytes)?)
    })
}
