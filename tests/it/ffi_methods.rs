//! Every one of the 56 API methods through the C ABI against the
//! simulator, each asserting the device state it changed or the reply.

use crate::ffi_common;

use ffi_common::{last_error, open_logged_in};
use serde_json::Value;
use std::ffi::{CStr, CString, c_char};
use std::ptr::{null, null_mut};
use ultrastream::ffi::*;
use ultrastream::sim::{Model, SimOptions, Simulator, fake_firmware};

type NoParam = unsafe extern "C" fn(usapi_device, *mut *mut c_char) -> i32;

struct Fixture {
    sim: Simulator,
    dev: usapi_device,
}

impl Fixture {
    fn new() -> Fixture {
        let sim = Simulator::start(SimOptions::default()).expect("simulator starts");
        let dev = open_logged_in(&sim.host());
        Fixture { sim, dev }
    }

    /// A parameterless method: (code, reply JSON or Null).
    fn call0(&self, f: NoParam) -> (i32, Value) {
        let mut out: *mut c_char = null_mut();
        let code = unsafe { f(self.dev, &mut out) };
        (code, take(out))
    }

    fn ok0(&self, f: NoParam) -> Value {
        let (code, v) = self.call0(f);
        assert_eq!(code, 0, "{}", last_error());
        v
    }

    /// Run an export that takes `out_json` last, via a closure.
    fn with(&self, f: impl FnOnce(usapi_device, *mut *mut c_char) -> i32) -> (i32, Value) {
        let mut out: *mut c_char = null_mut();
        let code = f(self.dev, &mut out);
        (code, take(out))
    }

    fn ok(&self, f: impl FnOnce(usapi_device, *mut *mut c_char) -> i32) -> Value {
        let (code, v) = self.with(f);
        assert_eq!(code, 0, "{}", last_error());
        v
    }

    fn settings(&self) -> Value {
        self.ok0(usapi_get_settings)
    }

    fn status(&self) -> Value {
        self.ok0(usapi_get_status)
    }

    fn control(&self, cmd: &str) -> Value {
        serde_json::from_str(&self.sim.control(cmd).expect("control command")).unwrap()
    }

    fn advance(&self, ms: u64) {
        self.control(&format!(r#"{{"cmd":"advance","ms":{ms}}}"#));
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        usapi_device_close(self.dev);
    }
}

fn take(out: *mut c_char) -> Value {
    if out.is_null() {
        return Value::Null;
    }
    let s = unsafe { CStr::from_ptr(out) }.to_str().unwrap().to_string();
    unsafe { usapi_string_free(out) };
    serde_json::from_str(&s).expect("reply is JSON")
}

fn c(s: &str) -> CString {
    CString::new(s).unwrap()
}

fn server(name: &CStr, url: &CStr, key: &CStr) -> usapi_server {
    usapi_server {
        server_type: 0,
        name: name.as_ptr(),
        url: url.as_ptr(),
        key: key.as_ptr(),
        is_auth: 0,
        user: null(),
        passwd: null(),
        token: null(),
        net_mode: 1,
    }
}

#[test]
fn universal_methods() {
    let f = Fixture::new();
    let info = f.ok0(usapi_get_info);
    assert_eq!(info["product"]["product-name"], "Ultra Stream");
    assert!(info["codec-cap"]["resolutions"].as_array().unwrap().len() >= 10);
    // The simulator's get-info lists exactly the document's capabilities,
    // the ones the library checks arguments against.
    use ultrastream::model::caps;
    let values = |v: &Value| -> Vec<i64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|e| e["value"].as_i64().unwrap())
            .collect()
    };
    let cap = &info["codec-cap"];
    assert_eq!(values(&cap["video-kbps"]), caps::VIDEO_KBPS);
    assert_eq!(values(&cap["audio-kbps"]), caps::AUDIO_KBPS);
    assert_eq!(values(&cap["durations"]), caps::DURATIONS);
    // The document (and so the simulator) spells it gorp-sec.
    assert_eq!(values(&cap["gorp-sec"]), caps::GOP_SEC);
    assert_eq!(values(&cap["stat-sec"]), caps::STAT_SEC);
    assert_eq!(values(&info["rec-control"]["time-unit"]), caps::TIME_UNITS);
    let res: Vec<(i64, i64)> = cap["resolutions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["w"].as_i64().unwrap(), r["h"].as_i64().unwrap()))
        .collect();
    assert_eq!(res, caps::RESOLUTIONS);

    let st = f.status();
    assert_eq!(st["result"], 0);
    assert!(st["cur-status"].as_u64().is_some());
    assert!(f.settings()["name"].as_str().is_some());

    // start-rec / stop-rec, with the repeat rule.
    assert_eq!(f.call0(usapi_start_rec).0, 0);
    assert_eq!(f.call0(usapi_start_rec).0, USAPI_RET_REPEAT);
    let mut sum = usapi_status_summary::default();
    assert_eq!(unsafe { usapi_get_status_summary(f.dev, &mut sum) }, 0);
    assert_eq!(sum.recording, 1);
    assert_ne!(sum.cur_status & USAPI_STATUS_RECORD, 0);
    f.advance(5_000);
    assert_eq!(unsafe { usapi_get_status_summary(f.dev, &mut sum) }, 0);
    assert!(sum.rec_run_ms >= 5_000, "run-ms moves: {}", sum.rec_run_ms);
    assert_eq!(f.call0(usapi_stop_rec).0, 0);
    assert_eq!(unsafe { usapi_get_status_summary(f.dev, &mut sum) }, 0);
    assert_eq!(sum.recording, 0);

    // start-live needs an enabled server.
    assert_eq!(f.call0(usapi_start_live).0, USAPI_RET_LIVING_NOTSET);
    let (n, u, k) = (c("Live"), c("rtmp://127.0.0.1/live"), c("k1"));
    f.ok(|d, o| unsafe { usapi_add_server(d, &server(&n, &u, &k), o) });
    let id = f.settings()["stream-server"][0]["id"].as_i64().unwrap() as i32;
    f.ok(|d, o| unsafe { usapi_enable_server(d, id, 1, o) });
    assert_eq!(f.call0(usapi_start_live).0, 0);
    assert_ne!(
        f.status()["cur-status"].as_u64().unwrap() as u32 & USAPI_STATUS_LIVING,
        0
    );
    assert_eq!(f.call0(usapi_stop_live).0, 0);
    assert_eq!(
        f.status()["cur-status"].as_u64().unwrap() as u32 & USAPI_STATUS_LIVING,
        0
    );

    let ping = f.ok0(usapi_ping);
    assert_eq!(ping["result"], 0);
    let mut p = usapi_ping_result::default();
    assert_eq!(unsafe { usapi_ping_status(f.dev, &mut p) }, 0);
    assert_eq!(p.cur_status as u64, ping["cur-status"].as_u64().unwrap());
}

#[test]
fn general_settings() {
    let f = Fixture::new();
    let name = c("My Box+1 'A'");
    f.ok(|d, o| unsafe { usapi_set_name(d, name.as_ptr(), o) });
    assert_eq!(f.settings()["name"], "My Box+1 'A'");

    f.ok(|d, o| unsafe { usapi_set_app_settings(d, 1, o) });
    assert_eq!(f.settings()["is-settings"], 1);

    f.ok(|d, o| unsafe { usapi_set_app_passwd(d, 1, null(), c"pairing".as_ptr(), o) });
    assert_eq!(f.settings()["passwd"], 1);
    f.ok(|d, o| unsafe {
        usapi_set_app_passwd(d, 1, c"pairing".as_ptr(), c"pairing2".as_ptr(), o)
    });
    assert_eq!(f.settings()["passwd"], 1);
    f.ok(|d, o| unsafe { usapi_set_app_passwd(d, 0, c"pairing2".as_ptr(), null(), o) });
    assert_eq!(f.settings()["passwd"], 0);

    f.ok(|d, o| unsafe { usapi_set_first_over(d, c"First Box".as_ptr(), null(), o) });
    assert_eq!(f.settings()["name"], "First Box");
    assert_eq!(
        f.status()["cur-status"].as_u64().unwrap() as u32 & USAPI_STATUS_FIRST,
        0
    );

    let (folder, prefix) = (c("a/b"), c("CAM"));
    let rc = usapi_rec_control {
        usb_option: 1,
        sd_option: 2,
        mime_type: 1,
        root_folder: folder.as_ptr(),
        file_prefix: prefix.as_ptr(),
        time_unit: 10,
    };
    f.ok(|d, o| unsafe { usapi_set_rec_control(d, &rc, o) });
    let s = f.settings();
    assert_eq!(s["rec-control"]["root-folder"], "a/b");
    assert_eq!(s["rec-control"]["file-prefix"], "CAM");
    assert_eq!(s["rec-control"]["sd-option"], 2);
    assert_eq!(s["rec-control"]["mime-type"], 1);
    assert_eq!(s["rec-control"]["time-unit"], 10);

    f.ok(|d, o| unsafe {
        usapi_set_softap(d, 1, 0, c"My SSID!".as_ptr(), c"pass word".as_ptr(), o)
    });
    let s = f.settings();
    assert_eq!(s["softap"]["softap-ssid"], "My SSID!");
    assert_eq!(s["softap"]["is-visible"], 0);
    assert_eq!(s["softap"]["softap-passwd"], "pass word");

    f.ok(|d, o| unsafe {
        usapi_set_date_time(
            d,
            c"Asia/Shanghai".as_ptr(),
            c"2024-01-02 03:04:05".as_ptr(),
            o,
        )
    });
    let s = f.settings();
    assert_eq!(s["date-time"]["timezone"], "Asia/Shanghai");
    assert_eq!(s["date-time"]["is-auto"], 0);
    assert!(
        f.status()["cur-time"]
            .as_str()
            .unwrap()
            .starts_with("2024-01-02")
    );
    f.ok(|d, o| unsafe { usapi_set_date_time(d, c"UTC".as_ptr(), null(), o) });
    assert_eq!(f.settings()["date-time"]["is-auto"], 1);

    type Toggle = unsafe extern "C" fn(usapi_device, i32, *mut *mut c_char) -> i32;
    let toggles: [(Toggle, &str); 5] = [
        (usapi_set_signal_lost_ctrl, "is-signal-lost"),
        (usapi_set_startup_rec, "is-startup-rec"),
        (usapi_set_startup_live, "is-startup-live"),
        (usapi_set_ssdp, "is-ssdp"),
        (usapi_set_hdmi_rec_ctrl, "is-hdmi-rec-ctrl"),
    ];
    for (func, key) in toggles {
        for v in [1, 0, 1] {
            f.ok(|d, o| unsafe { func(d, v, o) });
            assert_eq!(f.settings()[key], v, "{key}");
        }
    }
}

#[test]
fn storage_methods() {
    let f = Fixture::new();
    // Format USB: running, then done, then cleared.
    f.ok0(usapi_start_format_usb);
    assert_eq!(f.status()["format-status"]["result"], 2);
    assert_ne!(
        f.status()["cur-status"].as_u64().unwrap() as u32 & USAPI_STATUS_FORMAT_DISK,
        0
    );
    f.advance(120_000);
    assert_eq!(f.status()["format-status"]["result"], 0);
    assert_eq!(f.status()["format-status"]["percent"], 100);
    f.ok0(usapi_clear_format_usb);
    assert_eq!(f.status()["format-status"]["result"], 27);
    // Format SD, cleared with clear-format-usb too.
    f.ok0(usapi_start_format_sd);
    f.advance(120_000);
    assert_eq!(f.status()["format-status"]["result"], 0);
    f.ok0(usapi_clear_format_usb);
    assert_eq!(f.status()["format-status"]["result"], 27);

    // Speed test: running, cancelled (5), cleared (27).
    f.ok0(usapi_start_test_usb);
    assert_eq!(f.status()["disk-test"]["result"], 2);
    f.ok0(usapi_stop_test_usb);
    assert_eq!(f.status()["disk-test"]["result"], 5);
    f.ok0(usapi_clear_test_usb);
    assert_eq!(f.status()["disk-test"]["result"], 27);

    // Record 12 minutes with 5-minute files: files appear, then deletion.
    f.ok0(usapi_start_rec);
    f.advance(12 * 60_000);
    f.ok0(usapi_stop_rec);
    let page = f.ok(|d, o| unsafe { usapi_get_media_files(d, 0, 0, 100, o) });
    let files: Vec<String> = page["media-files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap().to_string())
        .collect();
    assert!(files.len() >= 3, "{page}");
    let first = f.ok(|d, o| unsafe { usapi_get_media_files(d, 0, 0, 1, o) });
    assert_eq!(
        first["media-files"].as_array().unwrap().len(),
        1,
        "count pages"
    );
    let cs: Vec<CString> = files.iter().map(|n| c(n)).collect();
    let ptrs: Vec<*const c_char> = cs.iter().map(|s| s.as_ptr()).collect();
    f.ok(|d, o| unsafe { usapi_del_media_files(d, 0, ptrs.as_ptr(), ptrs.len(), o) });
    let page = f.ok(|d, o| unsafe { usapi_get_media_files(d, 0, 0, 100, o) });
    assert!(page["media-files"].as_array().unwrap().is_empty(), "{page}");
}

#[test]
fn server_methods() {
    let f = Fixture::new();
    let before = f.settings()["stream-server"].as_array().unwrap().len();
    let (n, u, k) = (c("Main Server"), c("rtmp://127.0.0.1/live"), c("key-A"));
    f.ok(|d, o| unsafe { usapi_add_server(d, &server(&n, &u, &k), o) });
    let list = f.settings()["stream-server"].as_array().unwrap().clone();
    assert_eq!(list.len(), before + 1);
    let added = list.iter().find(|s| s["name"] == "Main Server").unwrap();
    assert_eq!(added["is-use"], 0, "a new server starts disabled");
    assert_eq!(added["url"], "rtmp://127.0.0.1/live");
    let id = added["id"].as_i64().unwrap() as i32;

    f.ok(|d, o| unsafe { usapi_enable_server(d, id, 1, o) });
    let find = |f: &Fixture| {
        f.settings()["stream-server"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .cloned()
    };
    assert_eq!(find(&f).unwrap()["is-use"], 1);

    let (n2, u2, k2) = (c("Renamed"), c("rtmp://127.0.0.1/other"), c("key-B"));
    f.ok(|d, o| unsafe { usapi_set_server(d, id, &server(&n2, &u2, &k2), o) });
    let s = find(&f).unwrap();
    assert_eq!(s["name"], "Renamed");
    assert_eq!(s["key"], "key-B");

    let (tn, tu, tk) = (c("Test"), c("rtmp://127.0.0.1/test"), c("key-T"));
    f.ok(|d, o| unsafe { usapi_start_test_server(d, &server(&tn, &tu, &tk), o) });
    assert_eq!(f.status()["living-test"]["result"], 2);
    assert_ne!(
        f.status()["cur-status"].as_u64().unwrap() as u32 & USAPI_STATUS_NET_TEST,
        0
    );
    f.ok0(usapi_stop_test_server);
    assert_eq!(f.status()["living-test"]["result"], 5);
    f.ok0(usapi_clear_test_server);
    assert_eq!(f.status()["living-test"]["result"], 27);

    f.ok(|d, o| unsafe { usapi_del_server(d, id, o) });
    assert!(find(&f).is_none());
}

#[test]
fn encoding_methods() {
    let f = Fixture::new();
    f.ok(|d, o| unsafe { usapi_set_stream(d, 1, 1, 0, o) });
    let s = f.settings();
    assert_eq!(
        (
            s["rec-stream"].clone(),
            s["live-stream"].clone(),
            s["mws-stream"].clone()
        ),
        (1.into(), 1.into(), 0.into())
    );

    let v = usapi_video {
        stream: 0,
        is_auto: 0,
        cx: 1280,
        cy: 720,
        duration: 333333,
        kbps: 2048,
        gop: 2,
        codec: 0,
        profile: 1,
        cbrstat: 30,
        fullrange: 1,
    };
    f.ok(|d, o| unsafe { usapi_set_video(d, &v, o) });
    let m = f.settings()["main-stream"].clone();
    assert_eq!(
        (m["cx"].clone(), m["cy"].clone(), m["kbps"].clone()),
        (1280.into(), 720.into(), 2048.into())
    );
    assert_eq!(
        (
            m["duration"].clone(),
            m["gop"].clone(),
            m["profile"].clone()
        ),
        (333333.into(), 2.into(), 1.into())
    );
    assert_eq!(
        (m["cbrstat"].clone(), m["fullrange"].clone()),
        (30.into(), 1.into())
    );

    f.ok(|d, o| unsafe { usapi_set_audio(d, 64, o) });
    assert_eq!(f.settings()["audio"]["kbps"], 64);
}

#[test]
fn user_methods_and_login_logout() {
    let f = Fixture::new();
    let users = f.ok0(usapi_get_users);
    assert!(
        users["users"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["id"] == "Admin" && u["type"] == 1)
    );

    f.ok(|d, o| unsafe { usapi_add_user(d, c"Operator".as_ptr(), c"op-pass".as_ptr(), o) });
    let users = f.ok0(usapi_get_users);
    assert!(
        users["users"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["id"] == "Operator" && u["type"] == 2)
    );

    f.ok(|d, o| unsafe { usapi_set_password(d, c"Operator".as_ptr(), c"op-pass-2".as_ptr(), o) });
    // The operator can log in with the new password only.
    let host = c(&f.sim.host());
    let mut op = 0;
    unsafe {
        assert_eq!(usapi_device_open(host.as_ptr(), null(), &mut op), 0);
        assert_eq!(
            usapi_login(op, c"Operator".as_ptr(), c"op-pass".as_ptr()),
            USAPI_ERR_PASSWD
        );
        assert_eq!(
            usapi_login(op, c"Operator".as_ptr(), c"op-pass-2".as_ptr()),
            0
        );
        assert_eq!(usapi_logout(op), 0);
        usapi_device_close(op);
    }

    f.ok(|d, o| unsafe { usapi_del_user(d, c"Operator".as_ptr(), o) });
    let users = f.ok0(usapi_get_users);
    assert!(
        !users["users"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["id"] == "Operator")
    );
    assert_eq!(
        f.with(|d, o| unsafe { usapi_del_user(d, c"Nobody".as_ptr(), o) })
            .0,
        USAPI_ERR_NO_USER
    );

    // ch-password: the stored credentials follow, so re-login still works.
    f.ok(|d, o| unsafe { usapi_ch_password(d, c"Admin".as_ptr(), c"Admin2".as_ptr(), o) });
    f.control(r#"{"cmd":"expire-sessions"}"#);
    assert_eq!(
        f.status()["result"],
        0,
        "transparent re-login with the new password"
    );

    assert_eq!(usapi_logout(f.dev), 0);
    assert_eq!(
        f.call0(usapi_get_status).0,
        USAPI_ERR_NEED_AUTH,
        "logged out, no credentials kept"
    );
}

#[test]
fn network_methods() {
    let f = Fixture::new();
    f.ok(|d, o| unsafe {
        usapi_set_eth(
            d,
            0,
            c"10.0.0.9".as_ptr(),
            c"255.255.255.0".as_ptr(),
            c"10.0.0.1".as_ptr(),
            c"10.0.0.1".as_ptr(),
            o,
        )
    });
    let eth = f.settings()["eth"].clone();
    assert_eq!(
        (
            eth["is-dhcp"].clone(),
            eth["ip"].clone(),
            eth["mask"].clone()
        ),
        (0.into(), "10.0.0.9".into(), "255.255.255.0".into())
    );
    f.ok(|d, o| unsafe { usapi_set_eth(d, 1, null(), null(), null(), null(), o) });
    assert_eq!(f.settings()["eth"]["is-dhcp"], 1);

    f.ok0(usapi_disconn_wifi);
    assert_eq!(
        f.status()["cur-status"].as_u64().unwrap() as u32 & USAPI_STATUS_CONNECT_WIFI,
        0
    );
    f.ok(|d, o| unsafe { usapi_set_softap(d, 1, 1, c"AP".as_ptr(), c"appass12".as_ptr(), o) });
    f.ok0(usapi_close_softap);
    assert_eq!(
        f.status()["cur-status"].as_u64().unwrap() as u32 & USAPI_STATUS_SOFTAP,
        0
    );
}

#[test]
fn firmware_methods() {
    let f = Fixture::new();
    // Online check finds a newer version; cleared afterwards.
    f.ok0(usapi_online_update_check);
    f.advance(30_000);
    let st = f.status();
    assert_eq!(st["check-upgrade"]["result"], 0);
    assert!(
        !st["upgrade"]["ver"].as_str().unwrap().is_empty(),
        "{}",
        st["upgrade"]
    );
    f.ok0(usapi_clear_check_update);
    assert_eq!(f.status()["check-upgrade"]["result"], 27);

    // Online update: downloading, cancelled (5), cleared (27).
    f.ok(|d, o| unsafe { usapi_update(d, c"online".as_ptr(), o) });
    assert_eq!(f.status()["upgrade-status"]["result"], 2);
    f.ok0(usapi_cancel_download);
    assert_eq!(f.status()["upgrade-status"]["result"], 5);
    f.ok0(usapi_clear_upgrade);
    assert_eq!(f.status()["upgrade-status"]["result"], 27);

    // Upload the wrong model: refused with -34.
    let sdi = fake_firmware(Model::Sdi, "1.2.200");
    let (code, _) = f.with(|d, o| unsafe {
        usapi_upload_update_data(d, c"fw.mwf".as_ptr(), sdi.as_ptr(), sdi.len(), o)
    });
    assert_eq!(code, USAPI_ERR_MWF_UNSUPPORTED);

    // Upload from a file, update, reboot, back with the new version.
    let path = std::env::temp_dir().join(format!("usapi-fw-{}.mwf", std::process::id()));
    std::fs::write(&path, fake_firmware(Model::Hdmi, "1.2.200")).unwrap();
    let cpath = c(path.to_str().unwrap());
    let up = f.ok(|d, o| unsafe { usapi_upload_update_file(d, cpath.as_ptr(), o) });
    std::fs::remove_file(&path).ok();
    assert_eq!(up["status"], 0);
    assert_eq!(up["version"], "1.2.200");
    f.ok(|d, o| unsafe { usapi_update(d, c"upload".as_ptr(), o) });
    assert_eq!(f.status()["upgrade-status"]["result"], 2);
    f.advance(600_000);
    wait_until_up(&f);
    assert_eq!(
        f.ok0(usapi_get_info)["product"]["firmware-ver-s"],
        "1.2.200"
    );
}

/// Poll ping until the device answers again (it was rebooting).
fn wait_until_up(f: &Fixture) {
    for _ in 0..100 {
        if f.call0(usapi_ping).0 == 0 {
            return;
        }
        f.advance(10_000);
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    panic!("the device never came back: {}", last_error());
}

#[test]
fn reboot_and_reset() {
    let f = Fixture::new();
    f.ok(|d, o| unsafe { usapi_set_name(d, c"Before Reset".as_ptr(), o) });
    f.ok0(usapi_reboot);
    // It answers for a moment (statusReboot set), then goes quiet.
    f.advance(1_000);
    let (code, _) = f.call0(usapi_ping);
    assert!(
        code == USAPI_E_CONNECT || code == USAPI_E_IO || code == USAPI_E_TIMEOUT,
        "a rebooting device does not answer: {code}"
    );
    f.advance(120_000);
    wait_until_up(&f);
    // Sessions are gone after a reboot; the library logs in again by itself.
    assert_eq!(
        f.settings()["name"],
        "Before Reset",
        "reboot keeps settings"
    );
    // is-startup-rec is on by default, so the device records after boot;
    // reset is mutually exclusive with recording (API Limits).
    assert_eq!(f.settings()["is-startup-rec"], 1);
    assert_ne!(
        f.status()["cur-status"].as_u64().unwrap() as u32 & USAPI_STATUS_RECORD,
        0
    );
    assert_eq!(f.call0(usapi_reset_all_settings).0, USAPI_ERR_BUSY);
    f.ok0(usapi_stop_rec);
    f.call0(usapi_stop_live);

    f.ok0(usapi_reset_all_settings);
    f.advance(120_000);
    wait_until_up(&f);
    assert_ne!(
        f.settings()["name"],
        "Before Reset",
        "reset restores defaults"
    );
}

#[test]
fn generic_call_reaches_every_kind_of_method() {
    let f = Fixture::new();
    let name = c("set-name");
    let params = c(r#"{"name":"Via Call"}"#);
    f.ok(|d, o| unsafe { usapi_call(d, name.as_ptr(), params.as_ptr(), o) });
    assert_eq!(f.settings()["name"], "Via Call");
    let v = f.ok(|d, o| unsafe {
        usapi_call(
            d,
            c"get-media-files".as_ptr(),
            c"{\"disk-type\":1,\"start\":0,\"count\":5}".as_ptr(),
            o,
        )
    });
    assert_eq!(v["result"], 0);
    assert!(v["media-files"].is_array());
}

#[test]
fn sixteen_threads_share_one_handle() {
    let f = Fixture::new();
    let dev = f.dev;
    let threads: Vec<_> = (0..16)
        .map(|i| {
            std::thread::spawn(move || {
                for j in 0..10 {
                    let mut out: *mut c_char = null_mut();
                    assert_eq!(
                        unsafe { usapi_get_status(dev, &mut out) },
                        0,
                        "{}",
                        last_error()
                    );
                    let v = take(out);
                    assert_eq!(v["result"], 0);
                    let name = c(&format!("T{i} {j}"));
                    assert_eq!(
                        unsafe { usapi_set_name(dev, name.as_ptr(), null_mut()) },
                        0,
                        "{}",
                        last_error()
                    );
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("thread");
    }
    let name = f.settings()["name"].as_str().unwrap().to_string();
    assert!(name.starts_with('T'), "{name}");
}

#[test]
fn this_file_exercises_all_56_methods() {
    let src = include_str!("ffi_methods.rs");
    let mut missing = Vec::new();
    for m in ultrastream::METHODS {
        let export = format!("usapi_{}(", m.name.replace('-', "_"));
        let bare = format!("usapi_{},", m.name.replace('-', "_"));
        let bare2 = format!("usapi_{})", m.name.replace('-', "_"));
        if !src.contains(&export) && !src.contains(&bare) && !src.contains(&bare2) {
            missing.push(m.name);
        }
    }
    assert_eq!(ultrastream::METHODS.len(), 56);
    assert!(
        missing.is_empty(),
        "methods without a round trip here: {missing:?}"
    );
}

#[test]
fn the_method_map_lists_every_method() {
    let map = include_str!("../../docs/mapping.md");
    for m in ultrastream::METHODS {
        assert!(
            map.contains(&format!("`{}`", m.name)),
            "docs/mapping.md lacks {}",
            m.name
        );
        assert!(
            map.contains(&format!("usapi_{}", m.name.replace('-', "_"))),
            "docs/mapping.md lacks usapi_ for {}",
            m.name
        );
    }
}

#[test]
fn logging_in_again_gives_back_the_old_session() {
    let f = Fixture::new();
    for _ in 0..4 {
        assert_eq!(
            unsafe { usapi_login(f.dev, c"Admin".as_ptr(), c"Admin".as_ptr()) },
            0,
            "{}",
            last_error()
        );
    }
    assert_eq!(f.status()["result"], 0);
    // This handle holds one session, so another client still gets in.
    let host = c(&f.sim.host());
    let mut other = 0;
    unsafe {
        assert_eq!(usapi_device_open(host.as_ptr(), null(), &mut other), 0);
        assert_eq!(
            usapi_login(other, c"Admin".as_ptr(), c"Admin".as_ptr()),
            0,
            "{}",
            last_error()
        );
        assert_eq!(usapi_logout(other), 0);
        usapi_device_close(other);
    }
}
