//! Many devices, one call, through the C ABI (issue 17): usapi_call_many's
//! one callback per device, dead handles and failures among live ones, the
//! in-flight bound, and usapi_call_async's single callback per call.

#[path = "common/ffi.rs"]
mod ffi_common;

use ffi_common::{last_error, open_logged_in};
use std::collections::HashMap;
use std::ffi::{CStr, CString, c_char, c_void};
use std::ptr::{null, null_mut};
use std::sync::mpsc;
use std::time::Duration;
use ultrastream::ffi::*;
use ultrastream::sim::{SimOptions, Simulator};

#[derive(Default)]
struct Seen {
    /// index -> (handle, code, text)
    results: HashMap<usize, (usapi_device, i32, String)>,
    calls: usize,
}

unsafe extern "C" fn on_one(
    index: usize,
    dev: usapi_device,
    code: i32,
    text: *const c_char,
    user: *mut c_void,
) {
    let seen = unsafe { &mut *(user as *mut Seen) };
    let text = unsafe { CStr::from_ptr(text) }
        .to_string_lossy()
        .into_owned();
    seen.calls += 1;
    seen.results.insert(index, (dev, code, text));
}

fn sims(n: usize) -> Vec<Simulator> {
    (0..n)
        .map(|_| Simulator::start(SimOptions::default()).expect("simulator starts"))
        .collect()
}

fn get_name(dev: usapi_device) -> String {
    let mut out: *mut c_char = null_mut();
    assert_eq!(
        unsafe { usapi_call(dev, c"get-settings".as_ptr(), null(), &mut out) },
        0,
        "{}",
        last_error()
    );
    let body = unsafe { CStr::from_ptr(out) }
        .to_string_lossy()
        .into_owned();
    unsafe { usapi_string_free(out) };
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    v["name"].as_str().unwrap_or_default().to_string()
}

#[test]
fn call_many_gives_each_device_one_result_dead_handles_included() {
    let fleet = sims(12);
    let mut devs: Vec<usapi_device> = fleet.iter().map(|s| open_logged_in(&s.host())).collect();
    // A closed handle in the middle, and a never-valid one at the end.
    assert_eq!(usapi_device_close(devs[5]), 0);
    devs.push(0);
    let opts = usapi_many_options {
        max_in_flight: 4,
        timeout_ms: 0,
    };
    let mut seen = Seen::default();
    let rc = unsafe {
        usapi_call_many(
            devs.as_ptr(),
            devs.len(),
            c"set-name".as_ptr(),
            c"{\"name\":\"Rack A+1 'x'\"}".as_ptr(),
            &opts,
            Some(on_one),
            &mut seen as *mut Seen as *mut c_void,
        )
    };
    assert_eq!(rc, 0, "{}", last_error());
    assert_eq!(seen.calls, devs.len(), "one callback per device");
    for (i, d) in devs.iter().enumerate() {
        let (h, code, text) = &seen.results[&i];
        assert_eq!(h, d, "the callback names the caller's handle");
        if i == 5 || i == devs.len() - 1 {
            assert_eq!(*code, USAPI_E_INVALID_HANDLE, "{text}");
            assert!(text.contains("handle"), "{text}");
        } else {
            assert_eq!(*code, 0, "{text}");
            assert!(text.contains("\"result\":0"), "{text}");
            assert_eq!(get_name(*d), "Rack A+1 'x'");
        }
    }
    for (i, d) in devs.iter().enumerate() {
        if i != 5 && *d != 0 {
            usapi_device_close(*d);
        }
    }
}

#[test]
fn call_many_reports_device_refusals_and_argument_errors() {
    let fleet = sims(3);
    let devs: Vec<usapi_device> = fleet.iter().map(|s| open_logged_in(&s.host())).collect();
    // Device 1 refuses: its session is gone and re-login is impossible
    // (logged out: no stored credentials).
    assert_eq!(usapi_logout(devs[1]), 0);
    let mut seen = Seen::default();
    let rc = unsafe {
        usapi_call_many(
            devs.as_ptr(),
            devs.len(),
            c"get-status".as_ptr(),
            null(),
            null(),
            Some(on_one),
            &mut seen as *mut Seen as *mut c_void,
        )
    };
    assert_eq!(rc, 0);
    assert_eq!(seen.results[&0].1, 0);
    assert_eq!(
        seen.results[&1].1, USAPI_ERR_NEED_AUTH,
        "{:?}",
        seen.results[&1]
    );
    assert_eq!(seen.results[&2].1, 0);

    // Bad arguments: an error code, and no callback at all.
    let mut seen = Seen::default();
    let user = &mut seen as *mut Seen as *mut c_void;
    let call = |method: *const c_char, params: *const c_char, cb: usapi_many_callback| unsafe {
        usapi_call_many(devs.as_ptr(), devs.len(), method, params, null(), cb, user)
    };
    assert_eq!(call(null(), null(), Some(on_one)), USAPI_E_NULL_ARGUMENT);
    assert_eq!(
        call(c"set-name".as_ptr(), c"{not json".as_ptr(), Some(on_one)),
        USAPI_E_INVALID_ARGUMENT
    );
    assert!(last_error().contains("params_json"), "{}", last_error());
    assert_eq!(
        call(c"set-name".as_ptr(), c"[1,2]".as_ptr(), Some(on_one)),
        USAPI_E_INVALID_ARGUMENT
    );
    assert_eq!(
        call(c"get-status".as_ptr(), null(), None),
        USAPI_E_NULL_ARGUMENT
    );
    let rc = unsafe {
        usapi_call_many(
            null(),
            3,
            c"get-status".as_ptr(),
            null(),
            null(),
            Some(on_one),
            user,
        )
    };
    assert_eq!(rc, USAPI_E_NULL_ARGUMENT);
    let rc = unsafe {
        usapi_call_many(
            devs.as_ptr(),
            usize::MAX,
            c"get-status".as_ptr(),
            null(),
            null(),
            Some(on_one),
            user,
        )
    };
    assert_eq!(rc, USAPI_E_INVALID_ARGUMENT);
    // n = 0 with NULL devs is an empty fleet, not an error.
    let rc = unsafe {
        usapi_call_many(
            null(),
            0,
            c"get-status".as_ptr(),
            null(),
            null(),
            Some(on_one),
            user,
        )
    };
    assert_eq!(rc, 0);
    assert_eq!(seen.calls, 0);
    for d in devs {
        usapi_device_close(d);
    }
}

#[test]
fn at_most_max_in_flight_calls_run_at_once() {
    // Every device answers 300 ms late; with 2 in flight, 6 devices need
    // three rounds, so the last result cannot come before 900 ms.
    let fleet: Vec<Simulator> = (0..6)
        .map(|_| {
            Simulator::start(SimOptions {
                latency: Duration::from_millis(300),
                ..SimOptions::default()
            })
            .unwrap()
        })
        .collect();
    let devs: Vec<usapi_device> = fleet.iter().map(|s| open_logged_in(&s.host())).collect();
    let opts = usapi_many_options {
        max_in_flight: 2,
        timeout_ms: 0,
    };
    let mut seen = Seen::default();
    let t = std::time::Instant::now();
    let rc = unsafe {
        usapi_call_many(
            devs.as_ptr(),
            devs.len(),
            c"get-status".as_ptr(),
            null(),
            &opts,
            Some(on_one),
            &mut seen as *mut Seen as *mut c_void,
        )
    };
    assert_eq!(rc, 0);
    assert_eq!(seen.calls, 6);
    assert!(seen.results.values().all(|r| r.1 == 0));
    assert!(
        t.elapsed() >= Duration::from_millis(900),
        "{:?}",
        t.elapsed()
    );
    for d in devs {
        usapi_device_close(d);
    }
}

type Done = mpsc::Sender<(i32, String)>;

unsafe extern "C" fn on_async(code: i32, text: *const c_char, user: *mut c_void) {
    let tx = unsafe { Box::from_raw(user as *mut Done) };
    let text = unsafe { CStr::from_ptr(text) }
        .to_string_lossy()
        .into_owned();
    let _ = tx.send((code, text));
}

#[test]
fn call_async_calls_back_once_per_call() {
    let fleet = sims(4);
    let devs: Vec<usapi_device> = fleet.iter().map(|s| open_logged_in(&s.host())).collect();
    let (tx, rx) = mpsc::channel::<(i32, String)>();
    let mut started = 0;
    for round in 0..25 {
        for d in &devs {
            let user = Box::into_raw(Box::new(tx.clone())) as *mut c_void;
            let params = CString::new(format!("{{\"name\":\"Unit {round}\"}}")).unwrap();
            let rc = unsafe {
                usapi_call_async(
                    *d,
                    c"set-name".as_ptr(),
                    params.as_ptr(),
                    Some(on_async),
                    user,
                )
            };
            assert_eq!(rc, 0, "{}", last_error());
            started += 1;
        }
    }
    for _ in 0..started {
        let (code, text) = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("a callback");
        assert_eq!(code, 0, "{text}");
    }
    assert!(
        rx.recv_timeout(Duration::from_millis(200)).is_err(),
        "no extra callbacks"
    );

    // Not started: an error code and no callback.
    let user = Box::into_raw(Box::new(tx.clone())) as *mut c_void;
    let rc = unsafe { usapi_call_async(0, c"ping".as_ptr(), null(), Some(on_async), user) };
    assert_eq!(rc, USAPI_E_INVALID_HANDLE);
    let rc = unsafe {
        usapi_call_async(
            devs[0],
            c"ping".as_ptr(),
            c"{".as_ptr(),
            Some(on_async),
            user,
        )
    };
    assert_eq!(rc, USAPI_E_INVALID_ARGUMENT);
    let rc = unsafe { usapi_call_async(devs[0], c"ping".as_ptr(), null(), None, user) };
    assert_eq!(rc, USAPI_E_NULL_ARGUMENT);
    drop(unsafe { Box::from_raw(user as *mut Done) });
    assert!(rx.recv_timeout(Duration::from_millis(200)).is_err());

    // A rule broken before sending: refused at once, no callback.
    let user = Box::into_raw(Box::new(tx.clone())) as *mut c_void;
    let rc = unsafe {
        usapi_call_async(
            devs[0],
            c"set-name".as_ptr(),
            c"{\"name\":\" bad\"}".as_ptr(),
            Some(on_async),
            user,
        )
    };
    assert_eq!(rc, USAPI_E_INVALID_ARGUMENT);
    assert!(last_error().contains("name"), "{}", last_error());
    drop(unsafe { Box::from_raw(user as *mut Done) });
    // A device's refusal comes through the callback, with its message.
    assert_eq!(usapi_logout(devs[3]), 0);
    let user = Box::into_raw(Box::new(tx.clone())) as *mut c_void;
    let rc = unsafe {
        usapi_call_async(
            devs[3],
            c"get-status".as_ptr(),
            null(),
            Some(on_async),
            user,
        )
    };
    assert_eq!(rc, 0);
    let (code, text) = rx.recv_timeout(Duration::from_secs(60)).unwrap();
    assert_eq!(code, USAPI_ERR_NEED_AUTH, "{text}");
    assert!(!text.is_empty());
    assert!(rx.recv_timeout(Duration::from_millis(200)).is_err());
    for d in devs {
        usapi_device_close(d);
    }
}
