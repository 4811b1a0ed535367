//! Library-wide functions and the device handle's lifecycle.

use super::boundary::{free_string, last_error_ptr};
use super::{HandleMap, guard, opt_str_arg, out_arg, str_arg, write_owned_string};
use crate::client::{Device, Options, Reply};
use crate::model::{codes, status};
use std::ffi::c_char;
use std::time::Duration;

/// A device handle. 0 is never a valid handle.
pub type usapi_device = u64;

/// Options for `usapi_device_open`. Zero in any field means its default;
/// pass NULL for all defaults.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct usapi_options {
    /// TCP connect timeout in milliseconds (default 3000).
    pub connect_timeout_ms: u32,
    /// Whole-request timeout in milliseconds (default 10000).
    pub request_timeout_ms: u32,
    /// Timeout of a firmware upload in milliseconds (default 300000).
    pub upload_timeout_ms: u32,
    /// Largest reply accepted, in bytes (default 4 MiB).
    pub max_reply_bytes: u64,
    /// Non-zero: do not check arguments before sending (only to test how a
    /// device reacts to bad input). The typed functions then send every
    /// value as given — flags other than 0/1, unknown server types and
    /// net modes, any combination of set-app-passwd's passwords, any update
    /// mode — and refuse only what cannot be sent at all: NULL where a
    /// string is required, invalid UTF-8, and lengths past their documented
    /// bounds (del_media_files' count, USAPI_UPLOAD_MAX_BYTES).
    pub skip_validation: u8,
}

pub(crate) static DEVICES: HandleMap<Device> = HandleMap::new("device");

fn options_from(o: Option<&usapi_options>) -> Options {
    let mut opts = Options::default();
    if let Some(o) = o {
        let ms = |v: u32, d: Duration| {
            if v == 0 {
                d
            } else {
                Duration::from_millis(v as u64)
            }
        };
        opts.connect_timeout = ms(o.connect_timeout_ms, opts.connect_timeout);
        opts.request_timeout = ms(o.request_timeout_ms, opts.request_timeout);
        opts.upload_timeout = ms(o.upload_timeout_ms, opts.upload_timeout);
        if o.max_reply_bytes != 0 {
            opts.max_reply_bytes = usize::try_from(o.max_reply_bytes).unwrap_or(usize::MAX);
        }
        opts.validate = o.skip_validation == 0;
    }
    opts
}

/// Run `f` on the device behind `dev` and hand its reply to `out_json`
/// (written only when the call succeeds, i.e. returns a code >= 0).
pub(crate) fn with_device(
    dev: usapi_device,
    out_json: *mut *mut c_char,
    f: impl FnOnce(&Device) -> super::FfiResult<Reply>,
) -> i32 {
    guard(|| {
        let d = DEVICES.get(dev)?;
        let reply = f(&d)?;
        let result = reply.result;
        write_owned_string(out_json, reply.body)?;
        Ok(result)
    })
}

/// Prepare a device at `host` (`"10.0.0.5"`, `"127.0.0.1:8080"` or
/// `"[::1]:8080"`); no traffic happens until the first call. `options` may be
/// NULL. On success `*out_device` receives a new handle; close it with
/// `usapi_device_close`.
///
/// Returns 0, USAPI_E_NULL_ARGUMENT, USAPI_E_INVALID_UTF8 or
/// USAPI_E_INVALID_ARGUMENT (malformed host).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_device_open(
    host: *const c_char,
    options: *const usapi_options,
    out_device: *mut usapi_device,
) -> i32 {
    guard(|| {
        let host = str_arg(host, "host")?;
        let out = out_arg(out_device, "out_device")?;
        // SAFETY: NULL or a valid usapi_options, per the contract.
        let opts = options_from(unsafe { options.as_ref() });
        let device = Device::connect(host, opts)?;
        *out = DEVICES.insert(device);
        Ok(0)
    })
}

/// Close a device handle. Calls already running on other threads finish;
/// later calls with the handle return USAPI_E_INVALID_HANDLE. A handle
/// that is logged in logs out first (bounded by 2 s; the last call in
/// flight does it), so its session slot is free for the next program.
///
/// Returns 0 or USAPI_E_INVALID_HANDLE.
#[unsafe(no_mangle)]
pub extern "C" fn usapi_device_close(dev: usapi_device) -> i32 {
    guard(|| {
        DEVICES.remove(dev)?;
        Ok(0)
    })
}

/// Log in with a plain password; the library sends its MD5 and keeps only
/// the hash, for transparent re-login when the session expires.
///
/// Returns 0 only on success. A wrong user or password gives the code the
/// device sent: USAPI_ERR_PASSWD (-1), as devices in the field answer, or
/// USAPI_RET_LOGIN_FAILED (36), the document's code — positive, yet a
/// failure: test `!= 0`, not `< 0`. USAPI_ERR_OCCUPIED (-2) when two other
/// clients hold the device, or a library code.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_login(
    dev: usapi_device,
    user: *const c_char,
    password: *const c_char,
) -> i32 {
    guard(|| {
        let user = str_arg(user, "user")?;
        let password = str_arg(password, "password")?;
        DEVICES.get(dev)?.login(user, password)?;
        Ok(0)
    })
}

/// Log in with the MD5 of the password as 32 hex digits.
///
/// Returns the same codes as `usapi_login`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_login_md5(
    dev: usapi_device,
    user: *const c_char,
    password_md5: *const c_char,
) -> i32 {
    guard(|| {
        let user = str_arg(user, "user")?;
        let md5 = str_arg(password_md5, "password_md5")?;
        DEVICES.get(dev)?.login_md5(user, md5)?;
        Ok(0)
    })
}

/// logout: end the session and forget the stored credentials.
#[unsafe(no_mangle)]
pub extern "C" fn usapi_logout(dev: usapi_device) -> i32 {
    guard(|| {
        let r = DEVICES.get(dev)?.logout()?;
        Ok(r.result)
    })
}

/// Call any method by name. `params_json` is NULL or a flat JSON object
/// whose values are strings or numbers, exactly as they should appear in
/// the query (the library percent-encodes them). Known methods are checked
/// against the document's rules; unknown names are sent as they are.
///
/// Returns the device's result (>= 0: `*out_json` receives the reply), a
/// negative device code, or a library code.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_call(
    dev: usapi_device,
    method: *const c_char,
    params_json: *const c_char,
    out_json: *mut *mut c_char,
) -> i32 {
    with_device(dev, out_json, |d| {
        let method = str_arg(method, "method")?;
        let params = match opt_str_arg(params_json, "params_json")? {
            None => serde_json::Value::Null,
            Some(s) if s.trim().is_empty() => serde_json::Value::Null,
            Some(s) => serde_json::from_str(s).map_err(|e| {
                super::Failure::new(
                    codes::E_INVALID_ARGUMENT,
                    format!("params_json is not valid JSON: {e}"),
                )
            })?,
        };
        Ok(d.call_json(method, &params)?)
    })
}

/// Free a string returned by this library. NULL is a no-op.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_string_free(s: *mut c_char) {
    // Never unwind into C, even from a double free we could detect.
    let _ = std::panic::catch_unwind(|| free_string(s));
}

/// The name of a result code ("errBusy", "USAPI_E_TIMEOUT"), or "unknown".
/// A static string: do not free.
#[unsafe(no_mangle)]
pub extern "C" fn usapi_result_name(code: i32) -> *const c_char {
    codes::name_c(code).as_ptr()
}

/// A message for a result code. A static string: do not free.
#[unsafe(no_mangle)]
pub extern "C" fn usapi_result_message(code: i32) -> *const c_char {
    codes::message_c(code).as_ptr()
}

/// What a caller does about a failing code: one of the USAPI_KIND_*
/// values (USAPI_KIND_BUSY for -9 errBusy and -2 errOccupied: retry later;
/// USAPI_KIND_OTHER for codes of no kind, success and unknown codes). The
/// C++ wrapper's `Error::is_auth()` and the like and Python's exception
/// classes are chosen by it.
#[unsafe(no_mangle)]
pub extern "C" fn usapi_result_kind(code: i32) -> i32 {
    codes::kind_of(code).value
}

/// The document's name of one status mask bit (USAPI_STATUS_DISK_READY →
/// "statusDiskReady", with the document's spelling "stausIPv6"), so C, C++
/// and Python name bits from the library's one table. "" (never NULL)
/// unless `flag` is exactly one documented bit. A static string: do not
/// free.
#[unsafe(no_mangle)]
pub extern "C" fn usapi_status_flag_name(flag: u32) -> *const c_char {
    status::status_flag_name_c(flag).unwrap_or(c"").as_ptr()
}

/// Detail of the last failure on this thread (parameter, rule, method,
/// code). Never NULL; "" when nothing failed yet. Owned by the library and
/// valid until the next failing call on this thread. Never contains a
/// password, hash, stream key, token or cookie.
#[unsafe(no_mangle)]
pub extern "C" fn usapi_last_error() -> *const c_char {
    last_error_ptr()
}

/// The library version, "MAJOR.MINOR.PATCH". A static string.
#[unsafe(no_mangle)]
pub extern "C" fn usapi_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}
