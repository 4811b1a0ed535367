//! Every kind of C ABI misuse returns a defined code and a message, never
//! a crash: NULL arguments, handle 0, closed handles, invalid UTF-8, bad
//! JSON, out-of-range values.

use crate::common;

use common::{Action, Stub};
use std::ffi::{CStr, CString, c_char};
use std::ptr::{null, null_mut};
use ultrastream::ffi::*;

fn last_error() -> String {
    unsafe { CStr::from_ptr(usapi_last_error()) }
        .to_string_lossy()
        .into_owned()
}

fn open(addr: &str) -> usapi_device {
    let host = CString::new(addr).unwrap();
    let mut dev = 0;
    assert_eq!(
        unsafe { usapi_device_open(host.as_ptr(), null(), &mut dev) },
        USAPI_OK
    );
    assert_ne!(dev, 0);
    dev
}

fn ok_stub() -> Stub {
    Stub::start(|_| Action::Json(r#"{"result":0,"cur-status":16}"#.into()))
}

#[test]
fn null_arguments() {
    let stub = ok_stub();
    let dev = open(&stub.addr);
    let mut out: *mut c_char = null_mut();
    unsafe {
        assert_eq!(
            usapi_device_open(null(), null(), &mut 0),
            USAPI_E_NULL_ARGUMENT
        );
        assert!(last_error().contains("'host'"), "{}", last_error());
        let host = CString::new(stub.addr.as_str()).unwrap();
        assert_eq!(
            usapi_device_open(host.as_ptr(), null(), null_mut()),
            USAPI_E_NULL_ARGUMENT
        );
        assert!(last_error().contains("'out_device'"));
        assert_eq!(
            usapi_login(dev, null(), c"x".as_ptr()),
            USAPI_E_NULL_ARGUMENT
        );
        assert_eq!(
            usapi_login(dev, c"Admin".as_ptr(), null()),
            USAPI_E_NULL_ARGUMENT
        );
        assert_eq!(usapi_set_name(dev, null(), &mut out), USAPI_E_NULL_ARGUMENT);
        assert_eq!(
            usapi_call(dev, null(), null(), &mut out),
            USAPI_E_NULL_ARGUMENT
        );
        assert_eq!(
            usapi_add_server(dev, null(), &mut out),
            USAPI_E_NULL_ARGUMENT
        );
        assert_eq!(
            usapi_set_video(dev, null(), &mut out),
            USAPI_E_NULL_ARGUMENT
        );
        assert_eq!(
            usapi_set_rec_control(dev, null(), &mut out),
            USAPI_E_NULL_ARGUMENT
        );
        assert_eq!(
            usapi_del_media_files(dev, 0, null(), 1, &mut out),
            USAPI_E_NULL_ARGUMENT
        );
        assert_eq!(usapi_ping_status(dev, null_mut()), USAPI_E_NULL_ARGUMENT);
        assert_eq!(
            usapi_get_status_summary(dev, null_mut()),
            USAPI_E_NULL_ARGUMENT
        );
        assert_eq!(
            usapi_upload_update_data(dev, c"f.mwf".as_ptr(), null(), 3, &mut out),
            USAPI_E_NULL_ARGUMENT
        );
        assert!(out.is_null(), "out_json is written only on success");
        // NULL out_json is allowed: the caller wants only the code.
        assert_eq!(usapi_ping(dev, null_mut()), 0);
        usapi_string_free(null_mut());
    }
    assert!(
        stub.requests().iter().all(|r| r.api_method() == "ping"),
        "misuse sent nothing"
    );
    assert_eq!(usapi_device_close(dev), 0);
}

#[test]
fn handle_zero_closed_and_forged() {
    let stub = ok_stub();
    let mut out: *mut c_char = null_mut();
    unsafe {
        assert_eq!(usapi_get_status(0, &mut out), USAPI_E_INVALID_HANDLE);
        assert!(last_error().contains("handle"), "{}", last_error());
        let dev = open(&stub.addr);
        assert_eq!(usapi_ping(dev, &mut out), 0);
        usapi_string_free(out);
        out = null_mut();
        assert_eq!(usapi_device_close(dev), 0);
        assert_eq!(
            usapi_device_close(dev),
            USAPI_E_INVALID_HANDLE,
            "double close"
        );
        assert_eq!(usapi_ping(dev, &mut out), USAPI_E_INVALID_HANDLE);
        assert_eq!(
            usapi_login(dev, c"Admin".as_ptr(), c"x".as_ptr()),
            USAPI_E_INVALID_HANDLE
        );
        assert_eq!(usapi_logout(dev), USAPI_E_INVALID_HANDLE);
        // A new device reusing the slot gets a new generation.
        let dev2 = open(&stub.addr);
        assert_ne!(dev, dev2);
        assert_eq!(usapi_ping(dev, &mut out), USAPI_E_INVALID_HANDLE);
        assert_eq!(usapi_ping(dev2, null_mut()), 0);
        // Forged handles that no test of this parallel suite can hold
        // (`dev2 + 1` could be another test's live device): generation 0,
        // a slot far past any opened, and generation u32::MAX.
        let slot = dev2 & 0xffff_ffff;
        for forged in [
            u64::MAX,
            1,
            slot,
            (1 << 32) | 0xffff_fff0,
            slot | (u64::from(u32::MAX) << 32),
        ] {
            assert_eq!(
                usapi_ping(forged, &mut out),
                USAPI_E_INVALID_HANDLE,
                "{forged:#x}"
            );
        }
        assert!(out.is_null());
        usapi_device_close(dev2);
    }
}

#[test]
fn invalid_utf8_is_an_error_not_repaired() {
    let stub = ok_stub();
    let dev = open(&stub.addr);
    let bad = [0x66u8, 0xff, 0xfe, 0];
    let bad = bad.as_ptr() as *const c_char;
    let mut out: *mut c_char = null_mut();
    unsafe {
        assert_eq!(usapi_set_name(dev, bad, &mut out), USAPI_E_INVALID_UTF8);
        assert!(last_error().contains("'name'"));
        assert_eq!(usapi_device_open(bad, null(), &mut 0), USAPI_E_INVALID_UTF8);
        assert_eq!(usapi_login(dev, bad, c"x".as_ptr()), USAPI_E_INVALID_UTF8);
        assert_eq!(
            usapi_call(dev, c"set-name".as_ptr(), bad, &mut out),
            USAPI_E_INVALID_UTF8
        );
    }
    assert!(stub.requests().is_empty());
    usapi_device_close(dev);
}

#[test]
fn invalid_arguments_name_the_parameter_and_send_nothing() {
    let stub = ok_stub();
    let dev = open(&stub.addr);
    let mut out: *mut c_char = null_mut();
    unsafe {
        let host = c"bad host/../x";
        assert_eq!(
            usapi_device_open(host.as_ptr(), null(), &mut 0),
            USAPI_E_INVALID_ARGUMENT
        );
        assert!(last_error().contains("'host'"));
        assert_eq!(usapi_set_ssdp(dev, 7, &mut out), USAPI_E_INVALID_ARGUMENT);
        assert!(last_error().contains("is_ssdp"));
        assert_eq!(
            usapi_call(dev, c"set-name".as_ptr(), c"{not json".as_ptr(), &mut out),
            USAPI_E_INVALID_ARGUMENT
        );
        assert_eq!(
            usapi_call(dev, c"set-name".as_ptr(), c"[1,2]".as_ptr(), &mut out),
            USAPI_E_INVALID_ARGUMENT
        );
        assert_eq!(
            usapi_call(
                dev,
                c"set-name".as_ptr(),
                c"{\"name\":{\"a\":1}}".as_ptr(),
                &mut out
            ),
            USAPI_E_INVALID_ARGUMENT
        );
        assert_eq!(
            usapi_call(dev, c"Bad Method!".as_ptr(), null(), &mut out),
            USAPI_E_UNKNOWN_METHOD
        );
        assert_eq!(
            usapi_call(dev, c"del-media-files".as_ptr(), null(), &mut out),
            USAPI_E_INVALID_ARGUMENT
        );
        assert_eq!(
            usapi_update(dev, c"usb".as_ptr(), &mut out),
            USAPI_E_INVALID_ARGUMENT
        );
        assert_eq!(
            usapi_set_app_passwd(dev, 0, null(), c"new".as_ptr(), &mut out),
            USAPI_E_INVALID_ARGUMENT
        );
        assert_eq!(
            usapi_upload_update_file(dev, c"/nonexistent/fw.mwf".as_ptr(), &mut out),
            USAPI_E_FILE
        );
        assert!(last_error().contains("/nonexistent/fw.mwf"));
        let server = usapi_server {
            server_type: 9,
            name: c"x".as_ptr(),
            url: c"rtmp://h/app".as_ptr(),
            key: null(),
            is_auth: 0,
            user: null(),
            passwd: null(),
            token: null(),
            net_mode: 1,
        };
        assert_eq!(
            usapi_add_server(dev, &server, &mut out),
            USAPI_E_INVALID_ARGUMENT
        );
        assert!(last_error().contains("server_type"));
        assert!(out.is_null());
    }
    assert!(stub.requests().is_empty(), "nothing reached the device");
    usapi_device_close(dev);
}

#[test]
fn result_names_messages_and_version() {
    let s = |p: *const c_char| unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_string();
    assert_eq!(s(usapi_result_name(-9)), "errBusy");
    assert_eq!(s(usapi_result_name(-17)), "errNeedAuth");
    assert_eq!(s(usapi_result_name(USAPI_E_TIMEOUT)), "USAPI_E_TIMEOUT");
    assert_eq!(s(usapi_result_name(424242)), "unknown");
    assert!(s(usapi_result_message(USAPI_ERR_CHANNELS_LIMITED)).contains("2"));
    assert_eq!(
        usapi_result_name(-9),
        usapi_result_name(-9),
        "static strings are stable"
    );
    assert_eq!(s(usapi_version()), env!("CARGO_PKG_VERSION"));
    // Status bits: the document's names (its spelling too), one bit at a time.
    assert_eq!(
        s(usapi_status_flag_name(USAPI_STATUS_DISK_READY)),
        "statusDiskReady"
    );
    assert_eq!(s(usapi_status_flag_name(USAPI_STATUS_IPV6)), "stausIPv6");
    for not_one_bit in [
        0,
        0x80,
        0x8000_0000,
        USAPI_STATUS_FIRST | USAPI_STATUS_RECORD,
    ] {
        assert_eq!(
            s(usapi_status_flag_name(not_one_bit)),
            "",
            "{not_one_bit:#x}"
        );
    }
}

#[test]
fn device_failures_set_a_message_without_secrets() {
    let stub = Stub::start(|req| match req.api_method().as_str() {
        "login" => Action::Json(r#"{"result":-1}"#.into()),
        _ => Action::Json(r#"{"result":-9}"#.into()),
    });
    let dev = open(&stub.addr);
    let mut out: *mut c_char = null_mut();
    unsafe {
        assert_eq!(
            usapi_login(dev, c"Admin".as_ptr(), c"s3cr3t-pass".as_ptr()),
            USAPI_ERR_PASSWD
        );
        let msg = last_error();
        assert!(
            !msg.contains("s3cr3t") && !msg.contains(&ultrastream::md5_hex("s3cr3t-pass")),
            "{msg}"
        );
        assert_eq!(usapi_start_rec(dev, &mut out), USAPI_ERR_BUSY);
        assert!(
            last_error().contains("errBusy") && last_error().contains("start-rec"),
            "{}",
            last_error()
        );
        assert!(out.is_null(), "negative codes write no JSON");
        let server = usapi_server {
            server_type: 0,
            name: c"S".as_ptr(),
            url: c"rtmp://h/app".as_ptr(),
            key: c"STREAMKEY123".as_ptr(),
            is_auth: 1,
            user: c"u".as_ptr(),
            passwd: c"SRVPASS".as_ptr(),
            token: c"TOKEN42".as_ptr(),
            net_mode: 1,
        };
        assert_eq!(usapi_add_server(dev, &server, &mut out), USAPI_ERR_BUSY);
        let msg = last_error();
        for secret in ["STREAMKEY123", "SRVPASS", "TOKEN42"] {
            assert!(!msg.contains(secret), "{msg}");
        }
    }
    usapi_device_close(dev);
}

#[test]
fn reply_with_nul_byte_or_garbage_is_bad_reply() {
    let stub = Stub::start(|req| match req.api_method().as_str() {
        "ping" => Action::Json("{\"result\":0,\"x\":\"a\u{0}b\"}".into()),
        _ => Action::Json("<html>".into()),
    });
    let dev = open(&stub.addr);
    let mut out: *mut c_char = null_mut();
    unsafe {
        assert_eq!(usapi_ping(dev, &mut out), USAPI_E_BAD_REPLY);
        assert_eq!(usapi_get_info(dev, &mut out), USAPI_E_BAD_REPLY);
        assert!(out.is_null());
    }
    usapi_device_close(dev);
}
