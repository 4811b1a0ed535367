//! The panic boundary, the per-thread last error, and C string handling.

use crate::error::Error;
use crate::model::codes;
use std::cell::RefCell;
use std::ffi::{CStr, CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// A failure at the C boundary: a stable code and a detail message.
pub(crate) struct Failure {
    pub code: i32,
    pub message: String,
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

impl Failure {
    pub fn new(code: i32, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
        }
    }
}

pub(crate) type FfiResult<T> = Result<T, Failure>;

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

pub(crate) fn set_last_error(message: &str) {
    let c = c_message(message);
    LAST_ERROR.with(|e| *e.borrow_mut() = c);
}

/// A failure's message as C will see it. The client scrubbed the secrets
/// it knows by value; here, as a last line, redact any
/// `pass=`/`key=`/`sid=`-shaped value, drop control characters (NULs
/// included) and bound the length.
pub(crate) fn c_message(message: &str) -> CString {
    // Cut first (a message may quote a 1 MiB argument), then scrub.
    let cut: String = message
        .chars()
        .take(4 * crate::redact::MAX_MESSAGE_BYTES)
        .collect();
    let clean = crate::redact::sanitize_message(&crate::redact::scrub_patterns(&cut));
    CString::new(clean.replace('\0', " ")).unwrap_or_default()
}

/// Pointer to this thread's last error text; valid until the next call
/// that fails on this thread.
pub(crate) fn last_error_ptr() -> *const c_char {
    LAST_ERROR.with(|e| e.borrow().as_ptr())
}

/// Run `f` inside the panic boundary. Its `Ok(code)` is returned as is (0
/// or a non-negative device outcome); a failure sets the thread's last
/// error and returns its code; a panic returns `USAPI_E_PANIC`.
pub(crate) fn guard(f: impl FnOnce() -> FfiResult<i32>) -> i32 {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(code)) => code,
        Ok(Err(fail)) => {
            set_last_error(&fail.message);
            fail.code
        }
        Err(_) => {
            set_last_error(
                "internal error: a panic was caught at the C boundary (a bug in ultrastream; please report it)",
            );
            codes::E_PANIC
        }
    }
}

/// A required string argument: NULL and invalid UTF-8 are errors that name it.
pub(crate) fn str_arg<'a>(p: *const c_char, name: &str) -> FfiResult<&'a str> {
    if p.is_null() {
        return Err(Failure::new(
            codes::E_NULL_ARGUMENT,
            format!("argument '{name}' is NULL"),
        ));
    }
    // SAFETY: the caller promises a NUL-terminated string that outlives the call.
    let c = unsafe { CStr::from_ptr(p) };
    c.to_str().map_err(|_| {
        Failure::new(
            codes::E_INVALID_UTF8,
            format!("argument '{name}' is not valid UTF-8"),
        )
    })
}

/// An optional string argument: NULL gives `None`.
pub(crate) fn opt_str_arg<'a>(p: *const c_char, name: &str) -> FfiResult<Option<&'a str>> {
    if p.is_null() {
        Ok(None)
    } else {
        str_arg(p, name).map(Some)
    }
}

/// A required pointer to a struct.
pub(crate) fn ref_arg<'a, T>(p: *const T, name: &str) -> FfiResult<&'a T> {
    // SAFETY: non-null pointers from the caller point to a valid T.
    unsafe { p.as_ref() }
        .ok_or_else(|| Failure::new(codes::E_NULL_ARGUMENT, format!("argument '{name}' is NULL")))
}

/// A required out-pointer.
pub(crate) fn out_arg<'a, T>(p: *mut T, name: &str) -> FfiResult<&'a mut T> {
    // SAFETY: non-null pointers from the caller point to writable storage.
    unsafe { p.as_mut() }
        .ok_or_else(|| Failure::new(codes::E_NULL_ARGUMENT, format!("argument '{name}' is NULL")))
}

/// Hand a string to C through an optional `char **out`: NULL `out` means
/// the caller only wants the code.
pub(crate) fn write_string(out: *mut *mut c_char, s: &str) -> FfiResult<()> {
    if out.is_null() {
        return Ok(());
    }
    let bytes = s.as_bytes();
    // The C library's memchr, not CString::new's own scan: that one goes a
    // word at a time (2.2k instructions for a 1.9 KB get-status reply, a
    // tenth of a call), the C library's is vectorised.
    // SAFETY: it reads exactly the `bytes.len()` bytes of a live slice.
    let nul = unsafe { libc::memchr(bytes.as_ptr().cast(), 0, bytes.len()) };
    if !nul.is_null() {
        return Err(Failure::new(
            codes::E_BAD_REPLY,
            "the reply contains a NUL byte and cannot be returned as a C string",
        ));
    }
    let mut v = Vec::with_capacity(bytes.len() + 1);
    v.extend_from_slice(bytes);
    // SAFETY: memchr just found no NUL byte in `bytes`, all that `v` holds.
    let c = unsafe { CString::from_vec_unchecked(v) };
    // SAFETY: checked non-null; the caller provides writable storage.
    unsafe { *out = c.into_raw() };
    Ok(())
}

/// Free a string this library returned.
pub(crate) fn free_string(s: *mut c_char) {
    if !s.is_null() {
        // SAFETY: `s` came from CString::into_raw in write_string.
        drop(unsafe { CString::from_raw(s) });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_a_code_and_a_message() {
        let code = guard(|| panic!("boom"));
        assert_eq!(code, codes::E_PANIC);
        // SAFETY: the pointer is this thread's last error, valid until the next failure.
        let msg = unsafe { CStr::from_ptr(last_error_ptr()) }
            .to_string_lossy()
            .into_owned();
        assert!(msg.contains("panic"), "{msg}");
        assert_eq!(guard(|| Ok(2)), 2, "outcomes pass through");
        assert_eq!(guard(|| Err(Failure::new(-9, "busy"))), -9);
    }

    #[test]
    fn strings_go_out_whole_and_a_nul_anywhere_is_refused() {
        for s in ["", "x", "{\"result\":0}", &"é".repeat(1000)] {
            let mut out: *mut c_char = std::ptr::null_mut();
            assert!(write_string(&mut out, s).is_ok());
            assert!(!out.is_null());
            // SAFETY: write_string gave a NUL-terminated string we own.
            assert_eq!(unsafe { CStr::from_ptr(out) }.to_str(), Ok(s));
            free_string(out);
        }
        for at in [0, 1, 7, 8, 31, 32, 999] {
            let mut s = "a".repeat(1000);
            s.replace_range(at..at + 1, "\0");
            let mut out: *mut c_char = std::ptr::null_mut();
            let e = write_string(&mut out, &s).err().map(|f| f.code);
            assert_eq!(e, Some(codes::E_BAD_REPLY), "NUL at {at}");
            assert!(out.is_null(), "nothing written on failure");
        }
        assert!(
            write_string(std::ptr::null_mut(), "a\0b").is_ok(),
            "NULL out: code only"
        );
    }
}
