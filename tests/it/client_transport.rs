//! Transport: redirects are never followed (a 3xx is Error::Redirect and
//! nothing is sent again), names resolve, buffers sized for small replies
//! still carry large ones up to the cap.

use crate::common;

use common::{Action, Stub};
use std::ffi::CString;
use std::ptr::null_mut;
use ultrastream::ffi::*;
use ultrastream::{Device, Error, Options};

fn hdr(k: &str, v: &str) -> Vec<(String, String)> {
    vec![(k.to_string(), v.to_string())]
}

/// A device that answers every call but login with a redirect.
fn redirecting(status: u16, location: String) -> Stub {
    Stub::start(move |req| match req.api_method().as_str() {
        "login" => Action::JsonWith(r#"{"result":0}"#.into(), common::cookie("s1")),
        _ => Action::Status(status, hdr("Location", &location), String::new()),
    })
}

#[test]
fn a_307_to_the_same_url_sends_start_rec_exactly_once() {
    // The stub's own address is only known after it starts: redirect to a
    // relative URL, which names the same host and path.
    let stub = redirecting(307, "/usapi?method=start-rec".into());
    let host = CString::new(stub.addr.clone()).unwrap();
    let mut dev = 0;
    unsafe {
        assert_eq!(
            usapi_device_open(host.as_ptr(), std::ptr::null(), &mut dev),
            0
        );
        assert_eq!(usapi_login(dev, c"Admin".as_ptr(), c"Admin".as_ptr()), 0);
        let mut out = null_mut();
        assert_eq!(usapi_start_rec(dev, &mut out), USAPI_E_REDIRECT);
        assert!(out.is_null());
        let msg = std::ffi::CStr::from_ptr(usapi_last_error())
            .to_string_lossy()
            .into_owned();
        assert!(msg.contains("307") && msg.contains(&stub.addr), "{msg}");
        assert_eq!(usapi_device_close(dev), 0);
    }
    assert_eq!(stub.count("start-rec"), 1, "sent once, never again");
}

#[test]
fn a_307_with_an_absolute_url_to_the_same_device_is_not_followed_either() {
    let stub = Stub::start(|_| Action::Json("{}".into()));
    let same = format!("http://{}/usapi?method=start-rec", stub.addr);
    let redir = redirecting(307, same);
    let d = Device::connect(&redir.addr, Options::default()).unwrap();
    d.login("Admin", "Admin").unwrap();
    let err = d.start_rec().unwrap_err();
    assert!(matches!(err, Error::Redirect { status: 307, .. }), "{err}");
    assert_eq!(redir.count("start-rec"), 1);
    assert_eq!(stub.requests().len(), 0);
}

#[test]
fn a_302_to_another_host_is_an_error_naming_that_host() {
    let other = Stub::start(|_| Action::Json(r#"{"result":0,"cur-status":1}"#.into()));
    let stub = redirecting(
        302,
        format!(
            "http://user:secret@{}/usapi?method=get-status&pass=x",
            other.addr
        ),
    );
    let d = Device::connect(&stub.addr, Options::default()).unwrap();
    d.login("Admin", "Admin").unwrap();
    let err = d.get_status().unwrap_err();
    match &err {
        Error::Redirect {
            status,
            location_host,
            method,
        } => {
            assert_eq!((*status, method.as_str()), (302, "get-status"));
            assert_eq!(location_host, &other.addr);
        }
        e => panic!("{e}"),
    }
    assert_eq!(err.code(), USAPI_E_REDIRECT);
    let msg = err.to_string();
    assert!(!msg.contains("secret") && !msg.contains("pass="), "{msg}");
    assert_eq!(other.requests().len(), 0, "the other host got nothing");
    assert_eq!(stub.count("get-status"), 1);
    // Every 3xx, and through call() too.
    for s in [301, 303, 308] {
        let st = redirecting(s, "/elsewhere".into());
        let d = Device::connect(&st.addr, Options::default()).unwrap();
        let e = d.call("get-info", &[]).unwrap_err();
        assert!(
            matches!(e, Error::Redirect { status, .. } if status == s),
            "{e}"
        );
        assert_eq!(st.count("get-info"), 1);
    }
}

#[test]
fn names_resolve_and_small_buffers_carry_large_replies() {
    let big = format!(r#"{{"result":0,"pad":"{}"}}"#, "x".repeat(300 * 1024));
    let big2 = big.clone();
    let stub = Stub::start(move |req| match req.api_method().as_str() {
        "get-info" => Action::Json(big2.clone()),
        "get-settings" => Action::JsonWith(
            r#"{"result":0}"#.into(),
            (0..400)
                .map(|i| (format!("X-Pad-{i}"), "y".repeat(60)))
                .collect(),
        ),
        _ => Action::Json(r#"{"result":0}"#.into()),
    });
    let port = stub.addr.rsplit(':').next().unwrap();
    let d = Device::connect(&format!("localhost:{port}"), Options::default()).unwrap();
    for _ in 0..3 {
        assert_eq!(d.ping().unwrap().result, 0);
    }
    assert_eq!(d.call("get-info", &[]).unwrap().body.len(), big.len());
    // A reply head over 6 KiB is refused with a defined code.
    let e = d.call("get-settings", &[]).unwrap_err();
    assert!(matches!(e, Error::TooLarge { .. }), "{e}");
    // The reply cap still applies.
    let small = Device::connect(
        &stub.addr,
        Options {
            max_reply_bytes: 64 * 1024,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(matches!(
        small.call("get-info", &[]).unwrap_err(),
        Error::TooLarge { .. }
    ));
    assert_eq!(small.ping().unwrap().result, 0);
}

#[test]
fn an_overlong_request_is_refused_before_sending() {
    let stub = Stub::start(|_| Action::Json(r#"{"result":0}"#.into()));
    let d = Device::connect(&stub.addr, Options::default()).unwrap();
    let long = "a".repeat(9000);
    let e = d.call("future-method", &[("x", &long)]).unwrap_err();
    assert!(matches!(e, Error::InvalidArgument { .. }), "{e}");
    assert_eq!(stub.requests().len(), 0);
}
