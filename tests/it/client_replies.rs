//! Typed replies tolerate `null` (and wrong types) wherever an object,
//! array, number or string is expected: get-status with each nested block
//! null parses, through Rust and through the C summary.

use crate::common;

use common::{Action, Stub};
use serde_json::Value;
use std::ffi::CString;
use std::sync::{Arc, Mutex};
use ultrastream::ffi::*;
use ultrastream::model::{Settings, Status};
use ultrastream::{Device, Options};

/// The simulator's get-status (every block the typed view knows), with
/// the real capture's extra blocks merged in.
fn full_status() -> Value {
    let sim = ultrastream::sim::Simulator::start(Default::default()).unwrap();
    let d = Device::connect(&sim.host(), Options::default()).unwrap();
    d.login("Admin", "Admin").unwrap();
    let mut v = d.call("get-status", &[]).unwrap().json().unwrap();
    let real: Value = serde_json::from_str(include_str!("../data/get-status-real.json")).unwrap();
    for (k, x) in real.as_object().unwrap() {
        if v.get(k).is_none() {
            v[k.as_str()] = x.clone();
        }
    }
    v
}

/// A stub whose get-status answer is whatever `body` holds.
fn stub_with(body: Arc<Mutex<String>>) -> Stub {
    Stub::start(move |req| match req.api_method().as_str() {
        "get-status" => Action::Json(body.lock().unwrap().clone()),
        _ => Action::Json(r#"{"result":0}"#.into()),
    })
}

#[test]
fn get_status_with_each_block_null_parses_in_rust_and_c() {
    let base = full_status();
    let keys: Vec<String> = base.as_object().unwrap().keys().cloned().collect();
    let nested: Vec<&String> = keys
        .iter()
        .filter(|k| base[k.as_str()].is_object() || base[k.as_str()].is_array())
        .collect();
    for must in [
        "usb",
        "sd",
        "live-status",
        "rec-status",
        "input-signal",
        "upgrade-status",
    ] {
        assert!(
            nested.iter().any(|k| *k == must),
            "{must} not in the capture"
        );
    }
    let body = Arc::new(Mutex::new(String::new()));
    let stub = stub_with(body.clone());
    let dev = Device::connect(&stub.addr, Options::default()).unwrap();
    let host = CString::new(stub.addr.clone()).unwrap();
    let mut cdev = 0;
    assert_eq!(
        unsafe { usapi_device_open(host.as_ptr(), std::ptr::null(), &mut cdev) },
        0
    );
    // Every top-level key null in turn (blocks, arrays and scalars alike).
    for k in &keys {
        let mut v = base.clone();
        v[k.as_str()] = Value::Null;
        *body.lock().unwrap() = v.to_string();
        let s: Status = dev
            .get_status()
            .unwrap_or_else(|e| panic!("{k}: null fails: {e}"));
        assert_eq!(s.result, 0);
        if k != "cur-status" {
            assert_eq!(s.cur_status, base["cur-status"].as_i64().unwrap(), "{k}");
        }
        let mut sum: usapi_status_summary = unsafe { std::mem::zeroed() };
        let code = unsafe { usapi_get_status_summary(cdev, &mut sum) };
        assert_eq!(code, 0, "{k}: {}", unsafe {
            std::ffi::CStr::from_ptr(usapi_last_error()).to_string_lossy()
        });
        if k == "usb" {
            assert_eq!((s.usb.disk_status, sum.usb_disk_status), (0, 0));
        }
        if k == "live-status" {
            assert_eq!(sum.live_result, 0);
        }
    }
    // Every key of every nested block null, and wrong types for blocks.
    for k in &nested {
        let block = base[k.as_str()].clone();
        if let Some(obj) = block.as_object() {
            for inner in obj.keys() {
                let mut v = base.clone();
                v[k.as_str()][inner.as_str()] = Value::Null;
                *body.lock().unwrap() = v.to_string();
                dev.get_status()
                    .unwrap_or_else(|e| panic!("{k}.{inner}: null fails: {e}"));
            }
        }
        for wrong in [Value::from(1), Value::from("x"), Value::from(vec![1, 2])] {
            let mut v = base.clone();
            v[k.as_str()] = wrong.clone();
            *body.lock().unwrap() = v.to_string();
            dev.get_status()
                .unwrap_or_else(|e| panic!("{k} = {wrong}: fails: {e}"));
        }
    }
    // A block that is present still parses (the null tolerance did not hide it).
    *body.lock().unwrap() = base.to_string();
    let s = dev.get_status().unwrap();
    assert_eq!(
        s.usb.disk_status,
        base["usb"]["disk-status"].as_i64().unwrap()
    );
    assert_eq!(usapi_device_close(cdev), 0);
}

#[test]
fn other_replies_tolerate_nulls_too() {
    let s: Settings = serde_json::from_str(
        r#"{"result":0,"softap":null,"date-time":null,"rec-control":null,"main-stream":null,
            "stream-server":[null,{"id":3,"name":null},7],"eth":null,"audio":null,"name":null}"#,
    )
    .unwrap();
    assert_eq!(s.stream_server.len(), 1, "non-object entries are skipped");
    assert_eq!(s.stream_server[0].id, 3);
    let i: ultrastream::model::Info = serde_json::from_str(
        r#"{"product":null,"codec-cap":{"resolutions":null,"durations":[{"name":null,"value":"5"}]},
            "audio-range":{"hdmi":null},"mac-addr":null}"#,
    )
    .unwrap();
    assert_eq!(i.codec_cap.durations[0].value, 5);
    let m: ultrastream::model::MediaFiles =
        serde_json::from_str(r#"{"media-files":null,"path":7}"#).unwrap();
    assert!(m.media_files.is_empty());
    assert_eq!(m.path, "7");
    // Still strict about the JSON itself.
    assert!(serde_json::from_str::<Status>(r#"{"usb":{"#).is_err());
}
