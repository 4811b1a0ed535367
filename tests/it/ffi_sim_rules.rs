//! The simulator's rules, API Limits and faults seen through the C ABI:
//! each case asserts the code the C caller gets and the state after.
//! (tests/sim_*.rs cover the same ground in depth through the Rust client.)

use crate::ffi_common::{last_error, sim_control, take_json_strict};
use serde_json::Value;
use std::ffi::{CString, c_char};
use std::ptr::null_mut;
use std::time::{Duration, Instant};
use ultrastream::ffi::*;

struct Sim {
    sim: usapi_sim,
    dev: usapi_device,
}

impl Sim {
    /// A simulator and a logged-in device handle that does not check
    /// arguments itself, so the device's own rules answer.
    fn new() -> Sim {
        let mut sim = 0;
        let mut host: *mut c_char = null_mut();
        let mut dev = 0;
        let opts = usapi_options {
            request_timeout_ms: 2000,
            skip_validation: 1,
            ..Default::default()
        };
        unsafe {
            // A manual clock: device time moves only on "advance".
            assert_eq!(
                usapi_sim_start(c"{\"clock\":\"manual\"}".as_ptr(), &mut sim),
                0
            );
            assert_eq!(usapi_sim_address(sim, &mut host), 0);
            assert_eq!(usapi_device_open(host, &opts, &mut dev), 0);
            usapi_string_free(host);
            assert_eq!(usapi_login(dev, c"Admin".as_ptr(), c"Admin".as_ptr()), 0);
        }
        Sim { sim, dev }
    }

    /// usapi_call with a JSON object of parameters: (code, reply or Null).
    fn call(&self, method: &str, params: Value) -> (i32, Value) {
        let m = CString::new(method).unwrap();
        let p = CString::new(params.to_string()).unwrap();
        let mut out: *mut c_char = null_mut();
        let code = unsafe { usapi_call(self.dev, m.as_ptr(), p.as_ptr(), &mut out) };
        (code, take_json_strict(out))
    }

    fn code(&self, method: &str, params: Value) -> i32 {
        self.call(method, params).0
    }

    fn settings(&self) -> Value {
        let (code, v) = self.call("get-settings", Value::Null);
        assert_eq!(code, 0, "{}", last_error());
        v
    }

    fn status(&self) -> Value {
        let (code, v) = self.call("get-status", Value::Null);
        assert_eq!(code, 0, "{}", last_error());
        v
    }

    fn control(&self, cmd: Value) -> Value {
        sim_control(self.sim, &cmd)
    }

    fn servers(&self) -> Vec<Value> {
        self.settings()["stream-server"].as_array().unwrap().clone()
    }

    fn add_server(&self, name: &str, kind: i32, key: &str) -> i32 {
        self.code(
            "add-server",
            serde_json::json!({"type": kind, "name": name, "url": format!("rtmp://127.0.0.1/{name}"),
                "key": key, "is-auth": 0, "net-mode": 1}),
        )
    }

    fn id_of(&self, name: &str) -> i64 {
        self.servers().iter().find(|s| s["name"] == name).unwrap()["id"]
            .as_i64()
            .unwrap()
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        usapi_device_close(self.dev);
        usapi_sim_stop(self.sim);
    }
}

#[test]
fn character_sets_parameters_and_users() {
    let s = Sim::new();
    let before = s.settings()["name"].clone();
    assert_eq!(
        s.code("set-name", serde_json::json!({"name": " bad"})),
        USAPI_ERR_STRING
    );
    assert_eq!(
        s.code("set-name", serde_json::json!({"name": "x".repeat(33)})),
        USAPI_ERR_STRING
    );
    assert_eq!(
        s.settings()["name"],
        before,
        "a refused name changes nothing"
    );
    assert_eq!(
        s.code("set-ssdp", serde_json::json!({"is-ssdp": 7})),
        USAPI_ERR_PARAM
    );
    assert_eq!(s.code("set-audio", serde_json::json!({})), USAPI_ERR_PARAM);
    let rc = serde_json::json!({"usb-option":1,"sd-option":1,"mime-type":0,"root-folder":"a/b/c","file-prefix":"VID","time-unit":5});
    assert_eq!(s.code("set-rec-control", rc), USAPI_ERR_STRING);
    assert_eq!(s.settings()["rec-control"]["root-folder"], "REC_Folder");
    assert_eq!(
        s.code("del-user", serde_json::json!({"id": "Nobody"})),
        USAPI_ERR_NO_USER
    );
    assert!(last_error().contains("errNoUser"), "{}", last_error());
}

#[test]
fn server_rules() {
    let s = Sim::new();
    let before = s.servers().len(); // the document's example server
    assert_eq!(s.add_server("A", 0, "ka"), 0);
    assert_eq!(
        s.add_server("A", 0, "kb"),
        USAPI_ERR_SAME_NAME,
        "duplicate name"
    );
    assert_eq!(
        s.add_server("B", 0, "ka"),
        USAPI_ERR_SAME_NAME,
        "duplicate key"
    );
    assert_eq!(s.servers().len(), before + 1);
    // start-live with no enabled server: 29, and not live.
    let (code, reply) = s.call("start-live", Value::Null);
    assert_eq!(code, USAPI_RET_LIVING_NOTSET);
    assert_eq!(
        reply["result"], 29,
        "positive outcomes still return the reply"
    );
    assert_eq!(
        s.status()["cur-status"].as_u64().unwrap() as u32 & USAPI_STATUS_LIVING,
        0
    );
    // At most 2 enabled.
    assert_eq!(s.add_server("B", 0, "kb"), 0);
    assert_eq!(s.add_server("C", 0, "kc"), 0);
    for n in ["A", "B"] {
        assert_eq!(
            s.code(
                "enable-server",
                serde_json::json!({"id": s.id_of(n), "is-use": 1})
            ),
            0
        );
    }
    assert_eq!(
        s.code(
            "enable-server",
            serde_json::json!({"id": s.id_of("C"), "is-use": 1})
        ),
        USAPI_ERR_CHANNELS_LIMITED
    );
    // 8 Mbps: one server only.
    assert_eq!(
        s.code(
            "enable-server",
            serde_json::json!({"id": s.id_of("B"), "is-use": 0})
        ),
        0
    );
    let video = serde_json::json!({"stream":0,"is-auto":0,"cx":1920,"cy":1080,"duration":166667,"kbps":8192,
        "gop":1,"fourcc":0,"codec":0,"profile":2,"cbrstat":60,"fullrange":0});
    assert_eq!(s.code("set-rec-control", serde_json::json!({"usb-option":1,"sd-option":1,"mime-type":0,"root-folder":"R","file-prefix":"V","time-unit":5})), 0);
    assert_eq!(s.code("set-video", video), 0);
    assert_eq!(
        s.code(
            "enable-server",
            serde_json::json!({"id": s.id_of("B"), "is-use": 1})
        ),
        USAPI_ERR_8M_LIMITED
    );
    // Facebook only alone.
    assert_eq!(s.add_server("F", 3, "kf"), 0);
    assert_eq!(
        s.code(
            "enable-server",
            serde_json::json!({"id": s.id_of("F"), "is-use": 1})
        ),
        USAPI_ERR_FACEBOOK_LIMITED
    );
    let enabled: Vec<Value> = s
        .servers()
        .into_iter()
        .filter(|v| v["is-use"] == 1)
        .map(|v| v["name"].clone())
        .collect();
    assert_eq!(enabled, ["A"]);
    // At most 16 servers.
    for i in 0..20 {
        s.add_server(&format!("S{i}"), 0, &format!("k{i}"));
    }
    assert_eq!(s.servers().len(), 16);
}

#[test]
fn hevc_4g_and_firmware_model() {
    let s = Sim::new();
    assert_eq!(s.add_server("A", 0, "ka"), 0);
    assert_eq!(
        s.code(
            "enable-server",
            serde_json::json!({"id": s.id_of("A"), "is-use": 1})
        ),
        0
    );
    let hevc = serde_json::json!({"stream":0,"is-auto":0,"cx":1920,"cy":1080,"duration":166667,"kbps":4096,
        "gop":1,"fourcc":0,"codec":1,"profile":0,"cbrstat":60,"fullrange":0});
    assert_eq!(
        s.code("set-video", hevc),
        USAPI_ERR_CODEC_LIMITED,
        "live uses the main stream"
    );
    assert_eq!(s.settings()["main-stream"]["codec"], 0);
    // 120-minute files at 8 Mbps exceed 4 GB.
    let rc = serde_json::json!({"usb-option":1,"sd-option":1,"mime-type":0,"root-folder":"R","file-prefix":"V","time-unit":120});
    let video = serde_json::json!({"stream":0,"is-auto":0,"cx":1920,"cy":1080,"duration":166667,"kbps":8192,
        "gop":1,"fourcc":0,"codec":0,"profile":2,"cbrstat":60,"fullrange":0});
    assert_eq!(s.code("set-video", video), 0);
    assert_eq!(s.code("set-rec-control", rc), USAPI_ERR_4G_LIMITED);
    assert_ne!(s.settings()["rec-control"]["time-unit"], 120);
    // Firmware for the other model.
    let fw = ultrastream::sim::fake_firmware(ultrastream::sim::Model::Sdi, "1.2.200");
    let mut out: *mut c_char = null_mut();
    let code = unsafe {
        usapi_upload_update_data(s.dev, c"fw.mwf".as_ptr(), fw.as_ptr(), fw.len(), &mut out)
    };
    assert_eq!(code, USAPI_ERR_MWF_UNSUPPORTED);
    assert!(out.is_null());
    assert_eq!(
        s.code("update", serde_json::json!({"mode": "upload"})),
        USAPI_ERR_NOT_FOUND,
        "nothing valid was uploaded"
    );
}

#[test]
fn api_limits_busy_repeat_and_last_effective() {
    let s = Sim::new();
    // REC vs USB format: mutually exclusive.
    assert_eq!(s.code("start-rec", Value::Null), 0);
    assert_eq!(s.code("start-rec", Value::Null), USAPI_RET_REPEAT);
    assert_eq!(s.code("start-format-usb", Value::Null), USAPI_ERR_BUSY);
    assert_eq!(s.code("start-test-usb", Value::Null), USAPI_ERR_BUSY);
    assert_eq!(
        s.status()["format-status"]["result"],
        27,
        "the refused format never started"
    );
    assert_eq!(s.code("stop-rec", Value::Null), 0);
    // USB format: repeat, and REC is refused while it runs.
    assert_eq!(s.code("start-format-usb", Value::Null), 0);
    assert_eq!(s.code("start-format-usb", Value::Null), USAPI_RET_REPEAT);
    assert_eq!(s.code("start-rec", Value::Null), USAPI_ERR_BUSY);
    assert_eq!(
        s.status()["cur-status"].as_u64().unwrap() as u32 & USAPI_STATUS_RECORD,
        0
    );
    s.control(serde_json::json!({"cmd": "advance", "ms": 60000}));
    assert_eq!(s.status()["format-status"]["result"], 0);
    // Editing servers: last effective.
    assert_eq!(s.add_server("A", 0, "ka"), 0);
    let id = s.id_of("A");
    for name in ["First", "Second", "Last"] {
        let p = serde_json::json!({"id": id, "type": 0, "name": name, "url": "rtmp://127.0.0.1/x", "key": "ka", "is-auth": 0, "net-mode": 1});
        assert_eq!(s.code("set-server", p), 0);
    }
    assert!(s.servers().iter().any(|v| v["name"] == "Last"));
    // Live test vs editing a server: mutually exclusive.
    let t = serde_json::json!({"type": 0, "url": "rtmp://127.0.0.1/t", "key": "kt", "is-auth": 0, "net-mode": 1});
    assert_eq!(s.code("start-test-server", t), 0);
    assert_eq!(s.add_server("B", 0, "kb"), USAPI_ERR_BUSY);
    assert!(!s.servers().iter().any(|v| v["name"] == "B"));
}

#[test]
fn faults_give_defined_codes_within_the_timeout_and_the_next_call_works() {
    let cases = [
        ("no-answer", USAPI_E_TIMEOUT),
        ("reset", USAPI_E_IO),
        ("truncate", USAPI_E_IO),
        ("non-json", USAPI_E_BAD_REPLY),
        ("http-500", USAPI_E_HTTP_STATUS),
        ("oversized", USAPI_E_REPLY_TOO_LARGE),
    ];
    let s = Sim::new();
    for (kind, want) in cases {
        s.control(serde_json::json!({"cmd": "fault", "method": "get-status", "kind": kind}));
        let start = Instant::now();
        let mut out: *mut c_char = null_mut();
        let code = unsafe { usapi_get_status(s.dev, &mut out) };
        let took = start.elapsed();
        assert_eq!(code, want, "{kind}: {}", last_error());
        assert!(out.is_null(), "{kind}: no JSON on failure");
        // Within the 2 s timeout, plus what a loaded machine may add.
        assert!(took < Duration::from_secs(7), "{kind} took {took:?}");
        let mut sum = usapi_status_summary::default();
        assert_eq!(
            unsafe { usapi_get_status_summary(s.dev, &mut sum) },
            0,
            "{kind}: the next call works"
        );
    }
    // latency: answered late, within the timeout.
    s.control(serde_json::json!({"cmd": "fault", "method": "ping", "kind": "latency", "ms": 200}));
    let start = Instant::now();
    assert_eq!(unsafe { usapi_ping(s.dev, null_mut()) }, 0);
    assert!(start.elapsed() >= Duration::from_millis(200));
    // reboot: no answer now, back later with a transparent re-login.
    s.control(serde_json::json!({"cmd": "fault", "method": "get-settings", "kind": "reboot"}));
    let code = unsafe { usapi_get_settings(s.dev, null_mut()) };
    assert_eq!(code, USAPI_E_IO, "reboot: {}", last_error());
    s.control(serde_json::json!({"cmd": "advance", "ms": 60000}));
    assert_eq!(
        unsafe { usapi_get_settings(s.dev, null_mut()) },
        0,
        "{}",
        last_error()
    );
}
