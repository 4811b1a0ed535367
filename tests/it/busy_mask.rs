//! The issue-15 device's exact replies, from a scripted server, through the
//! C ABI: a -9 that the API Limits table does not explain names what the
//! mask shows, and a ping answering -9 with statusReboot is "not ready"
//! (a timeout, never -9) with nothing but ping sent.

use crate::common;

use common::{Action, Stub};
use std::ffi::{CStr, CString, c_char};
use std::ptr::null_mut;
use ultrastream::ffi::*;

fn last_error() -> String {
    unsafe { CStr::from_ptr(usapi_last_error()) }
        .to_string_lossy()
        .into_owned()
}

fn open(stub: &Stub) -> usapi_device {
    let host = CString::new(stub.addr.clone()).unwrap();
    let mut dev = 0;
    assert_eq!(
        unsafe { usapi_device_open(host.as_ptr(), std::ptr::null(), &mut dev) },
        0
    );
    dev
}

#[test]
fn a_refused_sd_format_names_the_running_disk_format() {
    // A USB format runs (statusFormatDisk | statusPasswd = 0x110000).
    let stub = Stub::start(|req| match req.api_method().as_str() {
        "start-format-sd" => Action::Json(r#"{"result":-9}"#.into()),
        "get-status" => Action::Json(r#"{"result":0,"cur-status":1114112}"#.into()),
        _ => Action::Json(r#"{"result":0}"#.into()),
    });
    let dev = open(&stub);
    let mut out: *mut c_char = null_mut();
    let code = unsafe { usapi_call(dev, c"start-format-sd".as_ptr(), c"{}".as_ptr(), &mut out) };
    assert_eq!(code, USAPI_ERR_BUSY);
    let msg = last_error();
    assert!(
        msg.contains("a disk format is in progress") && msg.contains("0x110000"),
        "{msg}"
    );
    assert!(!msg.contains("shows no"), "{msg}");
    usapi_device_close(dev);
}

#[test]
fn ping_refused_with_the_reboot_flag_is_not_ready_and_only_ping_is_sent() {
    let stub = Stub::start(|req| match req.api_method().as_str() {
        "ping" => Action::Json(r#"{"result":-9,"cur-status":536936464}"#.into()),
        _ => Action::Json(r#"{"result":-9,"cur-status":536936464}"#.into()),
    });
    let dev = open(&stub);
    assert_eq!(
        usapi_wait_ready(dev, 600),
        USAPI_E_TIMEOUT,
        "{}",
        last_error()
    );
    let msg = last_error();
    assert!(
        msg.contains("ping answered -9") && msg.contains("0x20010010"),
        "{msg}"
    );
    let reqs = stub.requests();
    assert!(!reqs.is_empty());
    assert!(
        reqs.iter().all(|r| r.api_method() == "ping"),
        "only ping while restarting: {:?}",
        reqs.iter().map(|r| r.api_method()).collect::<Vec<_>>()
    );
    usapi_device_close(dev);
}
