//! The validation rules of issue 11 through the C ABI: refused before any
//! traffic with a message naming the parameter and the rule; the typed
//! functions honour `skip_validation` (every value sent as given); the
//! upload length is bounded; login's 36 is reported as 36.

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

fn open(addr: &str, skip: bool) -> usapi_device {
    let host = CString::new(addr).unwrap();
    let opts = usapi_options {
        skip_validation: skip as u8,
        ..Default::default()
    };
    let mut dev = 0;
    assert_eq!(
        unsafe { usapi_device_open(host.as_ptr(), &opts, &mut dev) },
        USAPI_OK
    );
    dev
}

fn ok_stub() -> Stub {
    Stub::start(|_| Action::Json(r#"{"result":0}"#.into()))
}

fn refused(what: &str, code: i32, param: &str, rule_word: &str) {
    assert_eq!(code, USAPI_E_INVALID_ARGUMENT, "{what}: {}", last_error());
    let msg = last_error();
    assert!(msg.contains(&format!("'{param}'")), "{what}: {msg}");
    assert!(msg.contains(rule_word), "{what}: {msg}");
}

fn call(dev: usapi_device, method: &str, params: &str) -> i32 {
    let (m, p) = (CString::new(method).unwrap(), CString::new(params).unwrap());
    let mut out: *mut c_char = null_mut();
    let code = unsafe { usapi_call(dev, m.as_ptr(), p.as_ptr(), &mut out) };
    unsafe { usapi_string_free(out) };
    code
}

#[test]
fn issue_cases_are_refused_before_any_traffic() {
    let stub = ok_stub();
    let dev = open(&stub.addr, false);
    let rc = |folder: &str| {
        let (f, p) = (CString::new(folder).unwrap(), c"VID");
        let rc = usapi_rec_control {
            usb_option: 1,
            sd_option: 2,
            mime_type: 0,
            root_folder: f.as_ptr(),
            file_prefix: p.as_ptr(),
            time_unit: 5,
        };
        unsafe { usapi_set_rec_control(dev, &rc, null_mut()) }
    };
    for f in ["../x", "..", "x/..", ".", "./x", "x/."] {
        refused(f, rc(f), "root-folder", "'..'");
    }
    for v in [" 1", "+1", "01", "1 ", "-0"] {
        refused(
            v,
            call(dev, "set-ssdp", &format!(r#"{{"is-ssdp":"{v}"}}"#)),
            "is-ssdp",
            "canonical",
        );
    }
    for t in [
        "2019-02-31 10:00:00",
        "2023-02-29 10:00:00",
        "2019-04-31 10:00:00",
    ] {
        let tz = c"UTC";
        let t = CString::new(t).unwrap();
        let code = unsafe { usapi_set_date_time(dev, tz.as_ptr(), t.as_ptr(), null_mut()) };
        refused("date", code, "time", "real date");
    }
    let code = unsafe {
        usapi_set_eth(
            dev,
            0,
            c"192.168.1.20".as_ptr(),
            c"255.0.255.0".as_ptr(),
            null(),
            null(),
            null_mut(),
        )
    };
    refused("mask", code, "mask", "contiguous");
    assert_eq!(stub.requests().len(), 0, "something was sent");
    // The valid neighbours of each case pass.
    assert_eq!(rc("a.b/c..d"), 0, "{}", last_error());
    assert_eq!(call(dev, "set-ssdp", r#"{"is-ssdp":"1"}"#), 0);
    let code = unsafe {
        usapi_set_date_time(
            dev,
            c"UTC".as_ptr(),
            c"2024-02-29 10:00:00".as_ptr(),
            null_mut(),
        )
    };
    assert_eq!(code, 0, "{}", last_error());
    let code = unsafe {
        usapi_set_eth(
            dev,
            0,
            c"192.168.1.20".as_ptr(),
            c"255.255.252.0".as_ptr(),
            null(),
            null(),
            null_mut(),
        )
    };
    assert_eq!(code, 0, "{}", last_error());
    assert_eq!(stub.requests().len(), 4);
    usapi_device_close(dev);
}

#[test]
fn upload_length_is_bounded() {
    let stub = ok_stub();
    let dev = open(&stub.addr, true);
    let byte = 0u8;
    for len in [usize::MAX, isize::MAX as usize + 1, (1usize << 30) + 1] {
        let code =
            unsafe { usapi_upload_update_data(dev, c"fw.mwf".as_ptr(), &byte, len, null_mut()) };
        refused("len", code, "len", "USAPI_UPLOAD_MAX_BYTES");
    }
    assert_eq!(USAPI_UPLOAD_MAX_BYTES, 1 << 30);
    assert_eq!(stub.requests().len(), 0);
    let code = unsafe { usapi_upload_update_data(dev, c"fw.mwf".as_ptr(), &byte, 1, null_mut()) };
    assert_eq!(code, 0, "{}", last_error());
    usapi_device_close(dev);
}

/// With skip_validation the typed functions send what they are given:
/// flags, enums, forms and modes the library would refuse.
#[test]
fn typed_functions_honour_skip_validation() {
    let stub = ok_stub();
    let strict = open(&stub.addr, false);
    let dev = open(&stub.addr, true);
    let key = c"k";
    let server = usapi_server {
        server_type: 7,
        name: c"S".as_ptr(),
        url: c"rtmp://127.0.0.1/x".as_ptr(),
        key: key.as_ptr(),
        is_auth: 5,
        user: null(),
        passwd: null(),
        token: null(),
        net_mode: 9,
    };
    let video = usapi_video {
        stream: 3,
        is_auto: 4,
        cx: 1,
        cy: 1,
        duration: 1,
        kbps: 1,
        gop: 1,
        codec: 9,
        profile: 9,
        cbrstat: 1,
        fullrange: 6,
    };
    type Case<'a> = (&'a str, &'a str, Box<dyn Fn(usapi_device) -> i32 + 'a>);
    let cases: Vec<Case> = vec![
        (
            "set-app-passwd",
            "is-pass=2",
            Box::new(|d| unsafe { usapi_set_app_passwd(d, 2, null(), null(), null_mut()) }),
        ),
        (
            "set-app-passwd",
            "is-pass=0&new-pass=",
            Box::new(|d| unsafe { usapi_set_app_passwd(d, 0, null(), c"n".as_ptr(), null_mut()) }),
        ),
        (
            "add-server",
            "type=7",
            Box::new(|d| unsafe { usapi_add_server(d, &server, null_mut()) }),
        ),
        (
            "set-server",
            "net-mode=9",
            Box::new(|d| unsafe { usapi_set_server(d, 1, &server, null_mut()) }),
        ),
        (
            "start-test-server",
            "is-auth=5",
            Box::new(|d| unsafe { usapi_start_test_server(d, &server, null_mut()) }),
        ),
        (
            "update",
            "mode=usb",
            Box::new(|d| unsafe { usapi_update(d, c"usb".as_ptr(), null_mut()) }),
        ),
        (
            "set-ssdp",
            "is-ssdp=3",
            Box::new(|d| unsafe { usapi_set_ssdp(d, 3, null_mut()) }),
        ),
        (
            "enable-server",
            "is-use=2",
            Box::new(|d| unsafe { usapi_enable_server(d, 0, 2, null_mut()) }),
        ),
        (
            "set-softap",
            "is-softap=8",
            Box::new(|d| unsafe {
                usapi_set_softap(d, 8, 1, c" bad'".as_ptr(), c"p".as_ptr(), null_mut())
            }),
        ),
        (
            "set-video",
            "fullrange=6",
            Box::new(|d| unsafe { usapi_set_video(d, &video, null_mut()) }),
        ),
        (
            "set-eth",
            "is-dhcp=4",
            Box::new(|d| unsafe {
                usapi_set_eth(d, 4, c"x".as_ptr(), null(), null(), null(), null_mut())
            }),
        ),
    ];
    for (method, wire, f) in &cases {
        // Refused when validating, nothing sent...
        let before = stub.requests().len();
        let code = f(strict);
        assert_eq!(code, USAPI_E_INVALID_ARGUMENT, "{method} strict");
        assert_eq!(stub.requests().len(), before, "{method} strict sent");
        // ... and sent as given when skipping.
        assert_eq!(f(dev), 0, "{method} skip: {}", last_error());
        let reqs = stub.requests();
        let last = reqs.last().unwrap();
        assert_eq!(last.api_method(), *method);
        for part in wire.split('&') {
            assert!(
                last.target.contains(&format!("&{part}")),
                "{method}: {part} not in {}",
                last.target
            );
        }
    }
    // NULL where a string is needed is refused either way.
    let code = unsafe { usapi_update(dev, null(), null_mut()) };
    assert_eq!(code, USAPI_E_NULL_ARGUMENT);
    usapi_device_close(dev);
    usapi_device_close(strict);
}

#[test]
fn login_36_is_reported_as_36() {
    let stub = Stub::start(|req| match req.api_method().as_str() {
        "login" => Action::Json(r#"{"result":36}"#.into()),
        _ => Action::Json(r#"{"result":0}"#.into()),
    });
    let dev = open(&stub.addr, false);
    let code = unsafe { usapi_login(dev, c"Admin".as_ptr(), c"wrong".as_ptr()) };
    assert_eq!(code, USAPI_RET_LOGIN_FAILED);
    let msg = last_error();
    assert!(msg.contains("36"), "{msg}");
    assert!(msg.contains("errPasswd"), "{msg}");
    assert!(msg.contains("wrong user or password"), "{msg}");
    let d = ultrastream::Device::connect(&stub.addr, Default::default()).unwrap();
    match d.login("Admin", "wrong") {
        Err(ultrastream::Error::Device { code: 36, .. }) => {}
        other => panic!("{other:?}"),
    }
    assert!(!d.is_logged_in());
    usapi_device_close(dev);
}
