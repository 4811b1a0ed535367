//! Many devices, one call, from C: `usapi_call_many` (blocking, one
//! callback per device as it finishes) and `usapi_call_async` (returns at
//! once, one callback when done), both on the fleet engine.
//!
//! Why a callback per device rather than a results array: results arrive
//! as devices answer, so a program can show progress or act on each one at
//! once, memory does not grow with the fleet, and the strings need no
//! freeing (they are lent for the callback's duration) — the watcher's
//! event callback works the same way.

use super::boundary::{Failure, FfiResult, c_message, set_last_error};
use super::device::{DEVICES, usapi_device};
use super::{guard, opt_str_arg, str_arg};
use crate::client::{Device, Reply, Result, flat_params};
use crate::engine::{self, CallManyOptions};
use crate::model::codes;
use std::ffi::{CString, c_char, c_void};
use std::sync::Arc;
use std::time::Duration;

/// Most handles one `usapi_call_many` takes (an n beyond any fleet is a
/// caller's mistake, refused before the array is read).
const MAX_DEVICES: usize = 1 << 20;

/// How `usapi_call_many` runs. Zero in a field means its default; a NULL
/// options pointer means every default. New fields are only ever added at
/// the end.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct usapi_many_options {
    /// At most this many calls in flight at once (0: 64). A device never
    /// has more than one.
    pub max_in_flight: u32,
    /// Bound of each device's request, connect included, in milliseconds
    /// (0: each device's own request timeout from its usapi_options).
    pub timeout_ms: u32,
}

/// The result of one device in `usapi_call_many`, called on the thread
/// that called `usapi_call_many`, once per device, in the order devices
/// finish. `index` is the device's position in the array given; `code` is
/// what `usapi_call` would return for it (>= 0: the device's result,
/// `text` is its JSON reply; < 0: a device or library failure, `text` is
/// the message, as `usapi_last_error` would give it). `text` is lent for
/// the callback's duration: copy it to keep it, do not free it.
pub type usapi_many_callback = Option<
    unsafe extern "C" fn(
        index: usize,
        dev: usapi_device,
        code: i32,
        text: *const c_char,
        user_data: *mut c_void,
    ),
>;

/// The result of `usapi_call_async`: called exactly once, on the library's
/// engine thread (keep it short; hand the result to your own loop or
/// thread). `code` and `text` as in `usapi_many_callback`.
pub type usapi_async_callback =
    Option<unsafe extern "C" fn(code: i32, text: *const c_char, user_data: *mut c_void)>;

/// `params_json` as query parameters (NULL or "" for none).
fn params_arg(params_json: *const c_char) -> FfiResult<Vec<(String, String)>> {
    let value = match opt_str_arg(params_json, "params_json")? {
        None => serde_json::Value::Null,
        Some(s) if s.trim().is_empty() => serde_json::Value::Null,
        Some(s) => serde_json::from_str(s).map_err(|e| {
            Failure::new(
                codes::E_INVALID_ARGUMENT,
                format!("params_json is not valid JSON: {e}"),
            )
        })?,
    };
    Ok(flat_params(&value)?)
}

/// A result as C sees it: the code and the text (reply or message).
fn outcome(result: Result<Reply>) -> (i32, CString) {
    match result {
        Ok(reply) => match CString::new(reply.body) {
            Ok(body) => (reply.result, body),
            Err(_) => (
                codes::E_BAD_REPLY,
                c_message("the reply contains a NUL byte and cannot be returned as a C string"),
            ),
        },
        Err(e) => {
            let f = Failure::from(e);
            (f.code, c_message(&f.message))
        }
    }
}

/// Call `method` with `params_json` (NULL or a flat JSON object, as for
/// `usapi_call`) on the `n` devices of `devs`, at most
/// `options->max_in_flight` at once, and return when every device's
/// callback has returned. Each device gets exactly one callback (see
/// `usapi_many_callback`), a closed or unknown handle too
/// (USAPI_E_INVALID_HANDLE). The same handle twice runs the call twice.
/// Log the devices in first (`usapi_login`): a call on a device without a
/// session gets its USAPI_ERR_NEED_AUTH. The callback may call the
/// library, other many-calls included.
///
/// Returns 0 when every device had its callback, or USAPI_E_NULL_ARGUMENT
/// / USAPI_E_INVALID_UTF8 / USAPI_E_INVALID_ARGUMENT (bad `params_json`,
/// n over 1048576) when nothing was called (and no callback made).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_call_many(
    devs: *const usapi_device,
    n: usize,
    method: *const c_char,
    params_json: *const c_char,
    options: *const usapi_many_options,
    cb: usapi_many_callback,
    user_data: *mut c_void,
) -> i32 {
    guard(|| {
        let method = str_arg(method, "method")?;
        let params = params_arg(params_json)?;
        let cb = cb.ok_or_else(|| Failure::new(codes::E_NULL_ARGUMENT, "argument 'cb' is NULL"))?;
        if n == 0 {
            return Ok(0);
        }
        if devs.is_null() {
            return Err(Failure::new(
                codes::E_NULL_ARGUMENT,
                format!("argument 'devs' is NULL and n is {n}"),
            ));
        }
        if n > MAX_DEVICES {
            return Err(Failure::new(
                codes::E_INVALID_ARGUMENT,
                format!("n is {n}: pass at most {MAX_DEVICES} device handles per call"),
            ));
        }
        // SAFETY: the caller passes an array of `n` handles.
        let handles = unsafe { std::slice::from_raw_parts(devs, n) };
        // SAFETY: NULL or a valid usapi_many_options, per the contract.
        let o = unsafe { options.as_ref() }.copied().unwrap_or_default();
        let opts = CallManyOptions {
            max_in_flight: o.max_in_flight as usize,
            timeout: (o.timeout_ms != 0).then(|| Duration::from_millis(u64::from(o.timeout_ms))),
        };
        let report = |index: usize, (code, text): (i32, CString)| {
            // So usapi_last_error() inside the callback tells the same.
            if code < 0 {
                set_last_error(&text.to_string_lossy());
            }
            // SAFETY: a C function pointer the caller gave, called with
            // valid arguments; `text` lives until it returns.
            unsafe { cb(index, handles[index], code, text.as_ptr(), user_data) };
        };
        // Live handles go to the engine; `slots[k]` is the caller's index
        // of `live[k]`. A dead handle gets its callback at once.
        let mut live: Vec<Arc<Device>> = Vec::with_capacity(n);
        let mut slots: Vec<usize> = Vec::with_capacity(n);
        for (i, h) in handles.iter().enumerate() {
            match DEVICES.get(*h) {
                Ok(d) => {
                    live.push(d);
                    slots.push(i);
                }
                Err(f) => report(i, (f.code, c_message(&f.message))),
            }
        }
        let borrowed: Vec<(&str, &str)> = params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        engine::call_many(&live, method, &borrowed, &opts, &mut |r| {
            report(slots[r.index], outcome(r.result))
        })?;
        Ok(0)
    })
}

/// The C callback and its user_data, moved to the engine's thread.
struct AsyncDone {
    cb: unsafe extern "C" fn(i32, *const c_char, *mut c_void),
    user_data: *mut c_void,
}

// SAFETY: the caller hands `user_data` to the engine's thread by calling
// `usapi_call_async`; the header says the callback runs there.
unsafe impl Send for AsyncDone {}

impl AsyncDone {
    fn call(self, (code, text): (i32, CString)) {
        if code < 0 {
            set_last_error(&text.to_string_lossy());
        }
        // SAFETY: the caller's function pointer; `text` lives until it returns.
        unsafe { (self.cb)(code, text.as_ptr(), self.user_data) };
    }
}

/// Start `method` with `params_json` (as for `usapi_call`) on `dev` and
/// return at once; `cb` is called exactly once with the result, on the
/// library's engine thread, when the device answers or fails. Many calls
/// may be in flight on many devices; one device runs its calls one at a
/// time. Made for event loops (Python's asyncio, libuv, GLib): hand the
/// result to the loop from the callback.
///
/// Returns 0 when the call was started (the callback will come), or a
/// failure code when it was not (no callback): USAPI_E_INVALID_HANDLE,
/// USAPI_E_NULL_ARGUMENT, USAPI_E_INVALID_UTF8, USAPI_E_INVALID_ARGUMENT.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_call_async(
    dev: usapi_device,
    method: *const c_char,
    params_json: *const c_char,
    cb: usapi_async_callback,
    user_data: *mut c_void,
) -> i32 {
    guard(|| {
        let method = str_arg(method, "method")?;
        let params = params_arg(params_json)?;
        let cb = cb.ok_or_else(|| Failure::new(codes::E_NULL_ARGUMENT, "argument 'cb' is NULL"))?;
        let device = DEVICES.get(dev)?;
        let done = AsyncDone { cb, user_data };
        engine::submit(
            device,
            method,
            params,
            Box::new(move |r| {
                // A panic must not unwind into the engine (or C): report it.
                let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| outcome(r)))
                    .unwrap_or_else(|_| {
                        (
                            codes::E_PANIC,
                            c_message(
                                "internal error: a panic was caught completing an async call",
                            ),
                        )
                    });
                done.call(out);
            }),
        )?;
        Ok(0)
    })
}
