//! The discovery C ABI: options, JSON, codes, the streaming callback.
//! Loopback unicast only (the target override); nothing is multicast.

use std::ffi::{CStr, CString, c_char, c_void};
use std::ptr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use ultrastream::ffi::*;
use ultrastream::model::codes;
use ultrastream::sim::DiscoveryInfo;
use ultrastream::sim::discovery::{DiscoveryResponder, ResponderOptions};

fn responder(serial: &str, ssdp_enabled: bool) -> DiscoveryResponder {
    let serial = serial.to_string();
    let info = move || DiscoveryInfo {
        product: "Ultra Stream".into(),
        boxname: format!("Box {serial}"),
        serialnumber: serial.clone(),
        ethip: "10.0.0.2".into(),
        wifiip: String::new(),
        status: 0x12,
        ssdp_enabled,
        http_port: 8081,
    };
    DiscoveryResponder::start(Arc::new(info), ResponderOptions::ephemeral()).expect("responder")
}

fn last_error() -> String {
    // SAFETY: never NULL, valid until the next failing call on this thread.
    unsafe { CStr::from_ptr(usapi_last_error()) }
        .to_string_lossy()
        .into_owned()
}

/// Run usapi_discover and return (code, parsed JSON if any).
fn discover(opts: Option<&usapi_discover_options>) -> (i32, Option<serde_json::Value>) {
    let mut out: *mut c_char = ptr::null_mut();
    let p = opts.map_or(ptr::null(), |o| o as *const _);
    // SAFETY: valid options (or NULL) and a valid out-pointer.
    let rc = unsafe { usapi_discover(p, &mut out) };
    if out.is_null() {
        return (rc, None);
    }
    // SAFETY: a string from the library, freed right after.
    let json = unsafe { CStr::from_ptr(out) }
        .to_string_lossy()
        .into_owned();
    unsafe { usapi_string_free(out) };
    (rc, Some(serde_json::from_str(&json).expect("valid JSON")))
}

#[test]
fn discover_with_options_returns_devices_and_diagnostics() {
    let a = responder("C-ABI-1", true);
    let b = responder("C-ABI-2", false);
    let target = CString::new(format!(
        "{}, {},{}",
        a.multicast_addr(),
        b.multicast_addr(),
        a.ssdp_addr()
    ))
    .expect("no NUL");
    let local = CString::new("127.0.0.1").expect("no NUL");
    let opts = usapi_discover_options {
        timeout_ms: 400,
        protocols: USAPI_DISCOVER_MULTICAST | USAPI_DISCOVER_SSDP,
        local_address: local.as_ptr(),
        target: target.as_ptr(),
        ..Default::default()
    };
    let (rc, json) = discover(Some(&opts));
    assert_eq!(rc, 0, "{}", last_error());
    let v = json.expect("JSON on success");
    let devices = v["devices"].as_array().expect("devices array");
    let mut serials: Vec<&str> = devices
        .iter()
        .filter_map(|d| d["serialnumber"].as_str())
        .collect();
    serials.sort();
    assert_eq!(serials, ["C-ABI-1", "C-ABI-2"]);
    let one = devices
        .iter()
        .find(|d| d["serialnumber"] == "C-ABI-1")
        .expect("C-ABI-1");
    assert_eq!(one["status"], 0x12);
    assert_eq!(
        one["status_flags"],
        serde_json::json!(["statusRecord", "statusDiskReady"])
    );
    assert_eq!(one["protocols"], serde_json::json!(["multicast", "ssdp"]));
    assert_eq!(
        one["ssdp"]["location"],
        "http://127.0.0.1:8081/usapi?method=ping"
    );
    let two = devices
        .iter()
        .find(|d| d["serialnumber"] == "C-ABI-2")
        .expect("C-ABI-2");
    assert_eq!(two["protocols"], serde_json::json!(["multicast"]));
    assert!(two["ssdp"].is_null());
    assert!(
        v["diagnostics"]["datagrams_received"]
            .as_u64()
            .is_some_and(|n| n >= 3)
    );
    assert_eq!(
        v["diagnostics"]["interfaces"],
        serde_json::json!(["127.0.0.1"])
    );

    // Only SSDP: the device with SSDP off is not found.
    let opts = usapi_discover_options {
        protocols: USAPI_DISCOVER_SSDP,
        timeout_ms: 300,
        ..opts
    };
    let target = CString::new(format!("{},{}", a.ssdp_addr(), b.ssdp_addr())).expect("no NUL");
    let opts = usapi_discover_options {
        target: target.as_ptr(),
        ..opts
    };
    let (rc, json) = discover(Some(&opts));
    assert_eq!(rc, 0);
    let v = json.expect("JSON");
    assert_eq!(v["devices"].as_array().map(Vec::len), Some(1));
    assert_eq!(v["devices"][0]["serialnumber"], "C-ABI-1");
}

#[test]
fn argument_errors_have_defined_codes_and_send_nothing() {
    // NULL out_json, with NULL options (which would otherwise mean "probe
    // every interface"): rejected before any socket is opened.
    let started = Instant::now();
    // SAFETY: NULL is allowed for both and must be rejected cleanly.
    assert_eq!(
        unsafe { usapi_discover(ptr::null(), ptr::null_mut()) },
        codes::E_NULL_ARGUMENT
    );
    assert!(last_error().contains("out_json"));
    assert_eq!(
        unsafe { usapi_discover_each(ptr::null(), None, ptr::null_mut()) },
        codes::E_NULL_ARGUMENT
    );
    assert!(last_error().contains("cb"));
    assert!(
        started.elapsed() < Duration::from_millis(50),
        "no waiting: nothing was sent"
    );

    let cases: Vec<(usapi_discover_options, i32, &str)> = vec![
        (
            usapi_discover_options {
                protocols: 0x10,
                ..Default::default()
            },
            codes::E_INVALID_ARGUMENT,
            "protocols",
        ),
        (
            usapi_discover_options {
                flags: 0x80,
                ..Default::default()
            },
            codes::E_INVALID_ARGUMENT,
            "flags",
        ),
        (
            usapi_discover_options {
                multicast_ttl: 300,
                ..Default::default()
            },
            codes::E_INVALID_ARGUMENT,
            "multicast_ttl",
        ),
        (
            usapi_discover_options {
                local_address: c"not-an-ip".as_ptr(),
                ..Default::default()
            },
            codes::E_INVALID_ARGUMENT,
            "local_address",
        ),
        (
            usapi_discover_options {
                target: c"[::1]:2538".as_ptr(),
                ..Default::default()
            },
            codes::E_INVALID_ARGUMENT,
            "target",
        ),
        (
            usapi_discover_options {
                target: c"127.0.0.1:99999".as_ptr(),
                ..Default::default()
            },
            codes::E_INVALID_ARGUMENT,
            "target",
        ),
        (
            usapi_discover_options {
                target: c"127.0.0.\xff".as_ptr(),
                ..Default::default()
            },
            codes::E_INVALID_UTF8,
            "target",
        ),
        (
            // An address this host does not have: no socket can be bound.
            usapi_discover_options {
                local_address: c"192.0.2.1".as_ptr(),
                target: c"127.0.0.1:9".as_ptr(),
                timeout_ms: 100,
                ..Default::default()
            },
            codes::E_DISCOVERY,
            "192.0.2.1",
        ),
    ];
    for (opts, want, mention) in cases {
        let mut out: *mut c_char = ptr::null_mut();
        // SAFETY: valid options and out-pointer.
        let rc = unsafe { usapi_discover(&opts, &mut out) };
        assert_eq!(rc, want, "{mention}: {}", last_error());
        assert!(out.is_null(), "out_json is written only on success");
        assert!(
            last_error().contains(mention),
            "{mention}: {}",
            last_error()
        );
    }
}

struct Collected {
    devices: Vec<serde_json::Value>,
    stop_after: usize,
}

unsafe extern "C" fn collect(device_json: *const c_char, user_data: *mut c_void) -> i32 {
    // SAFETY: user_data is the &mut Collected passed below; the string is
    // valid during this call.
    let c = unsafe { &mut *user_data.cast::<Collected>() };
    let json = unsafe { CStr::from_ptr(device_json) }
        .to_string_lossy()
        .into_owned();
    c.devices
        .push(serde_json::from_str(&json).unwrap_or_default());
    i32::from(c.devices.len() >= c.stop_after)
}

#[test]
fn discover_each_streams_devices_and_stops_on_request() {
    let rs = [
        responder("EACH-1", true),
        responder("EACH-2", true),
        responder("EACH-3", true),
    ];
    let target = CString::new(
        rs.iter()
            .map(|r| r.multicast_addr().to_string())
            .collect::<Vec<_>>()
            .join(","),
    )
    .expect("no NUL");
    let opts = usapi_discover_options {
        timeout_ms: 400,
        protocols: USAPI_DISCOVER_MULTICAST,
        target: target.as_ptr(),
        ..Default::default()
    };
    let mut all = Collected {
        devices: Vec::new(),
        stop_after: usize::MAX,
    };
    // SAFETY: valid options, callback and user data for the whole call.
    let rc =
        unsafe { usapi_discover_each(&opts, Some(collect), (&mut all as *mut Collected).cast()) };
    assert_eq!(rc, 0, "{}", last_error());
    let mut serials: Vec<String> = all
        .devices
        .iter()
        .filter_map(|d| d["serialnumber"].as_str().map(String::from))
        .collect();
    serials.sort();
    assert_eq!(
        serials,
        ["EACH-1", "EACH-2", "EACH-3"],
        "each device reported exactly once"
    );

    let opts = usapi_discover_options {
        timeout_ms: 2000,
        ..opts
    };
    let mut first = Collected {
        devices: Vec::new(),
        stop_after: 1,
    };
    let started = Instant::now();
    // SAFETY: as above.
    let rc =
        unsafe { usapi_discover_each(&opts, Some(collect), (&mut first as *mut Collected).cast()) };
    assert_eq!(rc, 0);
    assert_eq!(first.devices.len(), 1);
    assert!(
        started.elapsed() < Duration::from_millis(1000),
        "a non-zero return stops the search at once"
    );
}

#[test]
fn header_documents_discovery() {
    let header = include_str!("../../include/ultrastream.h");
    for item in [
        "int32_t usapi_discover(const struct usapi_discover_options *opts,\n                       char **out_json);",
        "int32_t usapi_discover_each(const struct usapi_discover_options *opts,",
        "typedef int32_t (*usapi_discover_callback)(const char *device_json, void *user_data);",
        "USAPI_DISCOVER_MULTICAST 1",
        "USAPI_DISCOVER_SSDP 2",
        "typedef struct usapi_discover_options {",
    ] {
        assert!(header.contains(item), "header lacks `{item}`");
    }
}
