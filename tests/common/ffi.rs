//! C-ABI test helpers shared by tests/it/watch_ffi.rs and tests/it/ffi_methods.rs.
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
