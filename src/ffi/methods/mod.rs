//! C ABI layer (`ffi`): one export per API method, one file per section of
//! the vendor document (like `src/api/`), plus the parameterless methods
//! together (they lead the header, whose order follows these files).
//! Parameterless methods have exactly the shape
//! `int32_t usapi_x(usapi_device dev, char **out_json)`; parameterised ones
//! take typed arguments or a `#[repr(C)]` struct, then `out_json`.
//!
//! Every function returns the device's result code (>= 0 on success, and
//! then `*out_json`, when not NULL, receives the reply JSON, to be freed with
//! `usapi_string_free`), a negative device code (USAPI_ERR_*), or a library
//! code (USAPI_E_*; USAPI_E_INVALID_ARGUMENT names the parameter and rule
//! in `usapi_last_error()`, and nothing was sent). When the session has
//! expired (-17) the library logs in again (at most twice per call) and
//! retries; a request the device accepted is never sent again.

// Declared in header order (cbindgen emits functions in parse order); the
// comments between them keep rustfmt from sorting them.
mod parameterless;
// Section 3.
mod general;
// Section 4.
mod storage;
// Section 5.
mod server;
// Section 6.
mod encoding;
// Section 9.
mod users;
// Section 10.
mod network;
// Section 11.
mod firmware;

pub use encoding::*;
pub use firmware::*;
pub use general::*;
pub use network::*;
pub use parameterless::*;
pub use server::*;
pub use storage::*;
pub use users::*;

use super::device::{usapi_device, with_device};
use super::{Failure, FfiResult, opt_str_arg};
use crate::api::Method;
use crate::client::{Device, Reply};
use crate::model::codes;
use std::ffi::c_char;

// Shared by the section files: the parameterless body, the 0/1 flag check
// and the `skip_validation` path.

/// The body of every parameterless export.
fn no_params(dev: usapi_device, out_json: *mut *mut c_char, method: Method) -> i32 {
    with_device(dev, out_json, |d| Ok(d.send(method, &[], None)?))
}
fn flag(v: i32, name: &str) -> FfiResult<bool> {
    match v {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(Failure::new(
            codes::E_INVALID_ARGUMENT,
            format!("invalid argument '{name}': must be 0 or 1, got {v}"),
        )),
    }
}

/// True when the handle was opened with `skip_validation`: then the typed
/// functions send every value as given (flags, enums, forms and modes
/// included) and refuse only what cannot be sent at all (NULL where a
/// string is needed, invalid UTF-8, a length past the documented bound).
fn skipping(d: &Device) -> bool {
    !d.options().validate
}

/// Send `params` as given (the `skip_validation` path).
fn send_raw(d: &Device, method: Method, params: &[(&str, String)]) -> FfiResult<Reply> {
    let borrowed: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Ok(d.send(method, &borrowed, None)?)
}

/// A setter of one 0/1 flag: checked, or sent as given when skipping.
fn flag_setter(
    dev: usapi_device,
    out_json: *mut *mut c_char,
    method: Method,
    param: &'static str,
    arg: &str,
    v: i32,
    typed: fn(&Device, bool) -> crate::client::Result<Reply>,
) -> i32 {
    with_device(dev, out_json, |d| {
        if skipping(d) {
            return send_raw(d, method, &[(param, v.to_string())]);
        }
        Ok(typed(d, flag(v, arg)?)?)
    })
}

fn opt_or_empty<'a>(p: *const c_char, name: &str) -> FfiResult<&'a str> {
    Ok(opt_str_arg(p, name)?.unwrap_or(""))
}
