//! C-ABI test helpers shared by the C-ABI tests of tests/it/.
//! Declared once in tests/it/main.rs (`mod ffi_common`).
#![allow(dead_code)]

use std::ffi::{CStr, CString};
use std::ptr::null;
use ultrastream::ffi::*;

/// This thread's `usapi_last_error()` as a String.
pub fn last_error() -> String {
    unsafe { CStr::from_ptr(usapi_last_error()) }
        .to_string_lossy()
        .into_owned()
}

/// Takes a library-owned string: its JSON (or the text as a JSON string),
/// freed with `usapi_string_free`; NULL is `Value::Null`.
pub fn take(p: *mut std::ffi::c_char) -> serde_json::Value {
    if p.is_null() {
        return serde_json::Value::Null;
    }
    let s = unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned();
    unsafe { usapi_string_free(p) };
    serde_json::from_str(&s).unwrap_or(serde_json::Value::String(s))
}

/// `take` for a reply that must be JSON: anything else fails the test.
pub fn take_json_strict(p: *mut std::ffi::c_char) -> serde_json::Value {
    if p.is_null() {
        return serde_json::Value::Null;
    }
    let s = unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned();
    unsafe { usapi_string_free(p) };
    serde_json::from_str(&s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

/// `usapi_sim_control(sim, cmd)`, which must succeed; its JSON reply.
pub fn sim_control(sim: usapi_sim, cmd: &serde_json::Value) -> serde_json::Value {
    let c = CString::new(cmd.to_string()).unwrap();
    let mut out = std::ptr::null_mut();
    assert_eq!(
        unsafe { usapi_sim_control(sim, c.as_ptr(), &mut out) },
        0,
        "{}",
        last_error()
    );
    take_json_strict(out)
}

/// A handle for `host`, logged in as Admin / Admin; both must succeed.
pub fn open_logged_in(host: &str) -> usapi_device {
    let host = CString::new(host).unwrap();
    let mut dev = 0;
    unsafe {
        assert_eq!(usapi_device_open(host.as_ptr(), null(), &mut dev), 0);
        assert_eq!(
            usapi_login(dev, c"Admin".as_ptr(), c"Admin".as_ptr()),
            0,
            "{}",
            last_error()
        );
    }
    dev
}
