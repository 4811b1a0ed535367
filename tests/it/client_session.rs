//! Session and transport behaviour of the client, against a scripted
//! server that records every request.

use crate::common;

use common::{Action, Stub, cookie};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use ultrastream::{Device, Error, Options, md5_hex};

/// A device that hands out sid-1, sid-2, ... and accepts only the newest.
fn session_stub(always_need_auth: bool) -> (Stub, Arc<Mutex<Option<String>>>) {
    let valid = Arc::new(Mutex::new(None::<String>));
    let logins = AtomicUsize::new(0);
    let v = valid.clone();
    let stub = Stub::start(move |req| match req.api_method().as_str() {
        "login" => {
            if !req.target.contains(&format!("pass={}", md5_hex("secret"))) {
                return Action::Json(r#"{"result":-1}"#.into());
            }
            let sid = format!("sid{}", logins.fetch_add(1, Ordering::SeqCst) + 1);
            *v.lock().unwrap() = Some(sid.clone());
            Action::JsonWith(r#"{"result":0}"#.into(), cookie(&sid))
        }
        _ => {
            let ok = !always_need_auth
                && match (&*v.lock().unwrap(), req.header("cookie")) {
                    (Some(sid), Some(c)) => c == format!("sid={sid}"),
                    _ => false,
                };
            if ok {
                Action::Json(r#"{"result":0,"cur-status":65552}"#.into())
            } else {
                Action::Json(r#"{"result":-17}"#.into())
            }
        }
    });
    (stub, valid)
}

#[test]
fn relogin_once_after_session_expiry() {
    let (stub, valid) = session_stub(false);
    let dev = Device::connect(&stub.addr, Options::default()).unwrap();
    dev.login("Admin", "secret").unwrap();
    assert_eq!(dev.get_status().unwrap().cur_status, 65552);
    *valid.lock().unwrap() = None; // the device forgets the session
    assert_eq!(dev.get_status().unwrap().cur_status, 65552);
    assert_eq!(stub.count("login"), 2, "exactly one re-login");
    let statuses: Vec<_> = stub
        .requests()
        .into_iter()
        .filter(|r| r.api_method() == "get-status")
        .collect();
    assert_eq!(statuses.len(), 3, "the refused call is retried once");
    assert_eq!(
        statuses[2].header("cookie"),
        Some("sid=sid2"),
        "the retry carries the new session"
    );
}

#[test]
fn relogin_then_clear_error_when_still_refused() {
    let (stub, _) = session_stub(true);
    let dev = Device::connect(&stub.addr, Options::default()).unwrap();
    dev.login("Admin", "secret").unwrap();
    let err = dev.get_status().unwrap_err();
    assert_eq!(err.code(), -17);
    assert!(err.to_string().contains("errNeedAuth"), "{err}");
    assert_eq!(stub.count("login"), 3, "at most two re-logins, no loop");
    assert_eq!(stub.count("get-status"), 3, "one try per login, no loop");
}

#[test]
fn no_credentials_no_relogin() {
    let (stub, _) = session_stub(false);
    let dev = Device::connect(&stub.addr, Options::default()).unwrap();
    let err = dev.get_settings().unwrap_err();
    assert_eq!(err.code(), -17);
    assert_eq!(stub.count("login"), 0);
}

#[test]
fn concurrent_expiry_collapses_into_one_relogin() {
    let (stub, valid) = session_stub(false);
    let dev = Arc::new(Device::connect(&stub.addr, Options::default()).unwrap());
    dev.login("Admin", "secret").unwrap();
    *valid.lock().unwrap() = None;
    let threads: Vec<_> = (0..16)
        .map(|_| {
            let dev = dev.clone();
            std::thread::spawn(move || dev.get_status().map(|s| s.cur_status))
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap().unwrap(), 65552);
    }
    assert_eq!(
        stub.count("login"),
        2,
        "16 threads that saw -17 share one re-login"
    );
}

#[test]
fn wrong_password_keeps_its_code_for_both_codes_and_leaks_nothing() {
    // The document's 36 and the field's -1 are each reported as sent.
    for (answer, code) in [(r#"{"result":36}"#, 36), (r#"{"result":-1}"#, -1)] {
        let stub = Stub::start(move |_| Action::Json(answer.into()));
        let dev = Device::connect(&stub.addr, Options::default()).unwrap();
        let err = dev.login("Admin", "hunter2").unwrap_err();
        assert_eq!(err.code(), code, "{answer}");
        let msg = err.to_string();
        assert!(msg.contains("wrong user"), "{msg}");
        assert!(msg.contains("errPasswd"), "{msg}");
        assert!(
            !msg.contains("hunter2") && !msg.contains(&md5_hex("hunter2")),
            "{msg}"
        );
        assert!(!dev.is_logged_in());
    }
}

#[test]
fn values_are_percent_encoded_on_the_wire() {
    let stub = Stub::start(|_| Action::Json(r#"{"result":0}"#.into()));
    let dev = Device::connect(&stub.addr, Options::default()).unwrap();
    dev.set_name("My Box+1 'A'").unwrap();
    dev.set_rec_control(&ultrastream::api::RecControlArgs {
        usb_option: 1,
        sd_option: 2,
        mime_type: 0,
        root_folder: "a/b".into(),
        file_prefix: "VID".into(),
        time_unit: 5,
    })
    .unwrap();
    let reqs = stub.requests();
    assert_eq!(
        reqs[0].target,
        "/usapi?method=set-name&name=My%20Box%2B1%20%27A%27"
    );
    assert!(
        reqs[1].target.contains("&root-folder=a%2Fb&"),
        "{}",
        reqs[1].target
    );
}

#[test]
fn keep_alive_reuses_one_connection() {
    let stub = Stub::start(|_| Action::Json(r#"{"result":0,"cur-status":16}"#.into()));
    let dev = Device::connect(&stub.addr, Options::default()).unwrap();
    for _ in 0..20 {
        dev.ping().unwrap();
    }
    assert_eq!(stub.connections.load(Ordering::SeqCst), 1);
}

/// True once no client socket to `addr` is still ESTABLISHED: the stub's
/// FIN has reached the client's side too. On a loaded machine loopback
/// delivery can lag the stub's close() (softirq work is deferred), and a
/// request written before the FIN arrives meets a reset, which the client
/// rightly reports instead of sending the request again (docs/http.md).
/// Linux's /proc/net/tcp; elsewhere the stub's close is taken as enough.
fn client_saw_the_close(addr: &str) -> bool {
    let Some(port) = addr.rsplit(':').next().and_then(|p| p.parse::<u16>().ok()) else {
        return true;
    };
    let want = format!(":{port:04X}");
    ["/proc/net/tcp", "/proc/net/tcp6"].iter().all(|f| {
        std::fs::read_to_string(f).map_or(true, |t| {
            !t.lines().skip(1).any(|l| {
                let cols: Vec<&str> = l.split_whitespace().collect();
                // rem_address ends with the stub's port; state 01 is ESTABLISHED.
                cols.len() > 3 && cols[2].ends_with(&want) && cols[3] == "01"
            })
        })
    })
}

#[test]
fn a_connection_the_device_closed_is_replaced_silently() {
    let stub = Stub::start(|_| Action::JsonThenClose(r#"{"result":0,"cur-status":16}"#.into()));
    let dev = Device::connect(&stub.addr, Options::default()).unwrap();
    for i in 0..3 {
        dev.ping().unwrap();
        // Wait (bounded) until the stub has closed its side, as a device
        // would have between real calls: a fixed sleep could lose the race
        // on a loaded machine.
        let until = std::time::Instant::now() + Duration::from_secs(30);
        while stub.closed.load(Ordering::SeqCst) <= i || !client_saw_the_close(&stub.addr) {
            assert!(std::time::Instant::now() < until, "the stub never closed");
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    assert_eq!(stub.count("ping"), 3);
    assert_eq!(stub.connections.load(Ordering::SeqCst), 3);
}

#[test]
fn a_request_that_reached_the_device_is_never_resent() {
    let stub = Stub::start(|req| {
        if req.api_method() == "start-rec" {
            Action::Drop
        } else {
            Action::Json(r#"{"result":0}"#.into())
        }
    });
    let dev = Device::connect(&stub.addr, Options::default()).unwrap();
    let err = dev.start_rec().unwrap_err();
    assert!(
        matches!(err, Error::Io(_) | Error::BadReply { .. }),
        "{err:?}"
    );
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(stub.count("start-rec"), 1, "start-rec must not run twice");
    dev.stop_rec().unwrap();
}

#[test]
fn rejected_arguments_send_nothing() {
    let stub = Stub::start(|_| Action::Json(r#"{"result":0}"#.into()));
    let dev = Device::connect(&stub.addr, Options::default()).unwrap();
    let err = dev.set_name(" leading space").unwrap_err();
    assert_eq!(err.code(), -1003);
    assert!(err.to_string().contains("'name'"), "{err}");
    assert!(dev.set_audio(100).is_err());
    assert!(dev.call("set-ssdp", &[("is-ssdp", "2")]).is_err());
    assert!(dev.call("no such method", &[]).is_err());
    assert!(stub.requests().is_empty());
}

#[test]
fn timeouts_are_reported_within_the_timeout() {
    // The stub answers far later than the timeout plus anything a loaded
    // machine adds, so the bound below cannot be missed by slowness alone.
    let stub = Stub::start(|_| {
        std::thread::sleep(Duration::from_secs(20));
        Action::Json(r#"{"result":0}"#.into())
    });
    let opts = Options {
        request_timeout: Duration::from_millis(300),
        ..Options::default()
    };
    let dev = Device::connect(&stub.addr, opts).unwrap();
    let t = std::time::Instant::now();
    let err = dev.ping().unwrap_err();
    assert_eq!(err.code(), -1005, "{err:?}");
    assert!(
        t.elapsed() >= Duration::from_millis(300),
        "{:?}",
        t.elapsed()
    );
    assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
}

#[test]
fn refused_connection_is_a_connect_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dev = Device::connect(&format!("127.0.0.1:{port}"), Options::default()).unwrap();
    assert_eq!(dev.ping().unwrap_err().code(), -1004);
}

#[test]
fn replies_with_unknown_keys_and_misspellings_parse() {
    let body = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/get-status-real.json"
    ))
    .unwrap();
    let stub = Stub::start(move |_| Action::Json(body.clone()));
    let dev = Device::connect(&stub.addr, Options::default()).unwrap();
    let s = dev.get_status().unwrap();
    assert_eq!(s.cur_status, 4);
    assert_eq!(s.box_name, "aio-bttv-plh-e600");
}

/// A device whose sessions die a given number of times right after they
/// are handed out (a second expiry between re-login and retry).
fn dying_sessions_stub(refusals: usize) -> Stub {
    let logins = AtomicUsize::new(0);
    let refused = AtomicUsize::new(0);
    Stub::start(move |req| match req.api_method().as_str() {
        "login" => {
            let sid = format!("sid{}", logins.fetch_add(1, Ordering::SeqCst) + 1);
            Action::JsonWith(r#"{"result":0}"#.into(), cookie(&sid))
        }
        _ if refused.fetch_add(1, Ordering::SeqCst) < refusals => {
            Action::Json(r#"{"result":-17}"#.into())
        }
        _ => Action::Json(r#"{"result":0,"cur-status":65552}"#.into()),
    })
}

#[test]
fn a_second_expiry_before_the_retry_gets_a_second_relogin() {
    let stub = dying_sessions_stub(2);
    let dev = Device::connect(&stub.addr, Options::default()).unwrap();
    dev.login("Admin", "secret").unwrap();
    assert_eq!(dev.get_status().unwrap().cur_status, 65552);
    assert_eq!(stub.count("login"), 3, "the login and two re-logins");
    let cookies: Vec<_> = stub
        .requests()
        .into_iter()
        .filter(|r| r.api_method() == "get-status")
        .map(|r| r.header("cookie").unwrap_or("").to_string())
        .collect();
    assert_eq!(
        cookies,
        ["sid=sid1", "sid=sid2", "sid=sid3"],
        "each try a fresh session"
    );
}

#[test]
fn a_third_expiry_is_the_devices_answer() {
    let stub = dying_sessions_stub(3);
    let dev = Device::connect(&stub.addr, Options::default()).unwrap();
    dev.login("Admin", "secret").unwrap();
    let err = dev.start_rec().unwrap_err();
    assert_eq!(err.code(), -17);
    assert!(err.to_string().contains("start-rec"), "{err}");
    assert_eq!(stub.count("login"), 3, "at most two re-logins per call");
    assert_eq!(stub.count("start-rec"), 3);
    // The next call starts afresh.
    assert_eq!(dev.get_status().unwrap().cur_status, 65552);
}

#[test]
fn a_refusal_without_credentials_names_the_call_not_login() {
    let stub = dying_sessions_stub(1);
    let dev = Device::connect(&stub.addr, Options::default()).unwrap();
    let err = dev.start_rec().unwrap_err();
    assert_eq!(err.code(), -17);
    assert!(err.to_string().starts_with("start-rec:"), "{err}");
    assert_eq!(
        stub.count("login"),
        0,
        "nothing sent for a login it cannot do"
    );
}

#[test]
fn login_and_logout_by_name_go_through_the_session() {
    let (stub, _) = session_stub(false);
    let dev = Device::connect(&stub.addr, Options::default()).unwrap();
    let pass = md5_hex("secret");
    let r = dev
        .call("login", &[("id", "Admin"), ("pass", pass.as_str())])
        .unwrap();
    assert_eq!(r.result, 0);
    assert!(dev.is_logged_in());
    // The cookie was kept: the next call carries it and succeeds.
    assert_eq!(dev.get_status().unwrap().cur_status, 65552);
    let last = stub.requests().pop().unwrap();
    assert_eq!(last.header("cookie"), Some("sid=sid1"));
    // And the hash was stored: an expiry is survived.
    assert_eq!(stub.count("login"), 1);
    dev.call("logout", &[]).unwrap();
    assert!(!dev.is_logged_in());
    assert_eq!(dev.get_status().unwrap_err().code(), -17);
    // A wrong password is an error (errPasswd), not a success.
    let bad = md5_hex("wrong");
    let err = dev
        .call_json("login", &serde_json::json!({"id": "Admin", "pass": bad}))
        .unwrap_err();
    assert_eq!(err.code(), -1);
    assert!(err.to_string().contains("errPasswd"), "{err}");
    assert!(!dev.is_logged_in());
    assert!(
        dev.call("login", &[("id", "Admin")]).is_err(),
        "pass missing"
    );
    assert!(dev.call("logout", &[("x", "1")]).is_err());
}

#[test]
fn usapi_call_login_keeps_the_cookie_and_refuses_a_wrong_password() {
    use std::ffi::CString;
    use ultrastream::ffi::*;
    let sim = ultrastream::sim::Simulator::start(Default::default()).unwrap();
    let host = CString::new(sim.host()).unwrap();
    let good = CString::new(format!(r#"{{"id":"Admin","pass":"{}"}}"#, md5_hex("Admin"))).unwrap();
    let bad = CString::new(format!(r#"{{"id":"Admin","pass":"{}"}}"#, md5_hex("nope"))).unwrap();
    let mut dev = 0;
    let mut out = std::ptr::null_mut();
    unsafe {
        assert_eq!(
            usapi_device_open(host.as_ptr(), std::ptr::null(), &mut dev),
            0
        );
        assert_eq!(
            usapi_call(dev, c"login".as_ptr(), bad.as_ptr(), &mut out),
            USAPI_ERR_PASSWD
        );
        assert!(out.is_null());
        assert_eq!(
            usapi_get_status(dev, std::ptr::null_mut()),
            USAPI_ERR_NEED_AUTH
        );
        assert_eq!(
            usapi_call(dev, c"login".as_ptr(), good.as_ptr(), &mut out),
            0
        );
        assert!(!out.is_null());
        usapi_string_free(out);
        assert_eq!(
            usapi_get_status(dev, std::ptr::null_mut()),
            0,
            "the cookie was kept"
        );
        // The stored hash lets the next call survive an expiry.
        sim.control(r#"{"cmd":"expire-sessions"}"#).unwrap();
        assert_eq!(
            usapi_get_status(dev, std::ptr::null_mut()),
            0,
            "re-logged in"
        );
        assert_eq!(
            usapi_call(
                dev,
                c"logout".as_ptr(),
                std::ptr::null(),
                std::ptr::null_mut()
            ),
            0
        );
        assert_eq!(
            usapi_get_status(dev, std::ptr::null_mut()),
            USAPI_ERR_NEED_AUTH
        );
        assert_eq!(usapi_device_close(dev), 0);
    }
}
