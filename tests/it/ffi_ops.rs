//! Long operations through the C ABI against the simulator: every
//! `usapi_run_*`, `usapi_wait_ready` and `usapi_download_media`, each
//! asserting the progress it saw (at least three rising percents), the
//! final result, and the device's state after.
//!
//! The simulator's clock is manual: the progress callback advances it
//! (`advance`) at every report, so the tests do not depend on machine speed.

use crate::ffi_common::{last_error, sim_control, take};
use serde_json::{Value, json};
use std::ffi::{CStr, CString, c_char, c_void};
use std::ptr::{null, null_mut};
use ultrastream::ffi::*;

/// Device ms the callback moves the clock at each report.
const STEP_MS: u64 = 500;

#[derive(Debug, Clone)]
struct Event {
    operation: String,
    phase: String,
    step: i32,
    percent: i32,
    done: u64,
    total: u64,
    result: i32,
}

type CancelWhen = Box<dyn Fn(&Event) -> bool>;

/// What the callback sees and does.
struct Recorder {
    sim: usapi_sim,
    events: Vec<Event>,
    advance_ms: u64,
    /// Return non-zero (cancel) when this says so.
    cancel_when: Option<CancelWhen>,
}

unsafe extern "C" fn on_progress(p: *const usapi_progress, ud: *mut c_void) -> i32 {
    let r = unsafe { &mut *(ud as *mut Recorder) };
    let p = unsafe { &*p };
    let s = |c: *const c_char| unsafe { CStr::from_ptr(c) }.to_string_lossy().into_owned();
    let e = Event {
        operation: s(p.operation),
        phase: s(p.phase),
        step: p.step,
        percent: p.percent,
        done: p.done,
        total: p.total,
        result: p.result,
    };
    if r.advance_ms > 0 {
        let cmd = CString::new(json!({"cmd": "advance", "ms": r.advance_ms}).to_string()).unwrap();
        assert_eq!(
            unsafe { usapi_sim_control(r.sim, cmd.as_ptr(), null_mut()) },
            0
        );
    }
    let cancel = r.cancel_when.as_ref().is_some_and(|f| f(&e));
    r.events.push(e);
    cancel as i32
}

struct Sim {
    sim: usapi_sim,
    dev: usapi_device,
    host: String,
}

impl Sim {
    fn new() -> Sim {
        Self::with(json!({}))
    }

    /// A simulator whose clock moves only when advanced, and a logged-in
    /// handle.
    fn with(mut opts: Value) -> Sim {
        opts["clock"] = json!("manual");
        let o = CString::new(opts.to_string()).unwrap();
        let mut sim = 0;
        let mut host: *mut c_char = null_mut();
        unsafe {
            assert_eq!(usapi_sim_start(o.as_ptr(), &mut sim), 0, "{}", last_error());
            assert_eq!(usapi_sim_address(sim, &mut host), 0);
        }
        let h = unsafe { CStr::from_ptr(host) }
            .to_string_lossy()
            .into_owned();
        unsafe { usapi_string_free(host) };
        let mut s = Sim {
            sim,
            dev: 0,
            host: h,
        };
        s.dev = s.open();
        assert_eq!(
            unsafe { usapi_login(s.dev, c"Admin".as_ptr(), c"Admin".as_ptr()) },
            0
        );
        s
    }

    fn open(&self) -> usapi_device {
        let h = CString::new(self.host.clone()).unwrap();
        let opts = usapi_options {
            request_timeout_ms: 5000,
            skip_validation: 1,
            ..Default::default()
        };
        let mut dev = 0;
        assert_eq!(unsafe { usapi_device_open(h.as_ptr(), &opts, &mut dev) }, 0);
        dev
    }

    fn control(&self, cmd: Value) -> Value {
        sim_control(self.sim, &cmd)
    }

    fn state(&self) -> Value {
        self.control(json!({"cmd": "state"}))
    }

    fn call(&self, method: &str, params: Value) -> (i32, Value) {
        let m = CString::new(method).unwrap();
        let p = CString::new(params.to_string()).unwrap();
        let mut out = null_mut();
        let code = unsafe { usapi_call(self.dev, m.as_ptr(), p.as_ptr(), &mut out) };
        (code, take(out))
    }

    fn ok(&self, method: &str, params: Value) -> Value {
        let (code, v) = self.call(method, params);
        assert_eq!(code, 0, "{method}: {}", last_error());
        v
    }

    fn recorder(&self) -> Box<Recorder> {
        Box::new(Recorder {
            sim: self.sim,
            events: Vec::new(),
            advance_ms: STEP_MS,
            cancel_when: None,
        })
    }

    fn firmware(&self, model: &str, version: &str) -> (tempdir::Dir, CString) {
        let dir = tempdir::Dir::new();
        let path = dir.path().join("fw.mwf");
        let p = CString::new(path.to_str().unwrap()).unwrap();
        let m = CString::new(model).unwrap();
        let v = CString::new(version).unwrap();
        assert_eq!(
            unsafe { usapi_sim_firmware(m.as_ptr(), v.as_ptr(), p.as_ptr()) },
            0,
            "{}",
            last_error()
        );
        (dir, p)
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        usapi_device_close(self.dev);
        usapi_sim_stop(self.sim);
    }
}

mod tempdir {
    use std::path::{Path, PathBuf};
    use std::sync::atomic::{AtomicU32, Ordering};
    pub struct Dir(PathBuf);
    impl Dir {
        pub fn new() -> Dir {
            static N: AtomicU32 = AtomicU32::new(0);
            let p = std::env::temp_dir().join(format!(
                "ultrastream-ops-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            std::fs::create_dir_all(&p).unwrap();
            Dir(p)
        }
        pub fn path(&self) -> &Path {
            &self.0
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

fn opts(r: &mut Recorder) -> usapi_run_options {
    usapi_run_options {
        timeout_ms: 120_000,
        poll_interval_ms: 2,
        progress: Some(on_progress),
        user_data: r as *mut Recorder as *mut c_void,
    }
}

/// How many reports of `op` raised the percent over the previous one of
/// the same step.
fn rises(events: &[Event], op: &str) -> usize {
    let mut n = 0;
    let mut prev: Option<(i32, i32)> = None;
    for e in events.iter().filter(|e| e.operation == op) {
        if let Some((step, pct)) = prev {
            if e.step == step && e.percent > pct {
                n += 1;
            }
        }
        prev = Some((e.step, e.percent));
    }
    n
}

fn assert_rising(events: &[Event], op: &str) {
    let n = rises(events, op);
    assert!(n >= 3, "{op}: only {n} rising percents in {events:#?}");
    for e in events {
        assert!((0..=100).contains(&e.percent), "{e:?}");
    }
}

type Run0 = unsafe extern "C" fn(usapi_device, *const usapi_run_options, *mut *mut c_char) -> i32;

fn run(s: &Sim, f: Run0, r: &mut Recorder) -> (i32, Value) {
    let o = opts(r);
    let mut out = null_mut();
    let code = unsafe { f(s.dev, &o, &mut out) };
    (code, take(out))
}

#[test]
fn format_usb_runs_to_the_end_and_clears() {
    let s = Sim::new();
    s.ok("start-rec", json!({}));
    s.control(json!({"cmd": "advance", "ms": 60_000}));
    s.ok("stop-rec", json!({}));
    assert!(s.state()["usb"]["file_count"].as_u64().unwrap() > 0);
    let mut r = s.recorder();
    let (code, v) = run(&s, usapi_run_format_usb, &mut r);
    assert_eq!(code, 0, "{}", last_error());
    assert_eq!(v["result"], 0);
    assert_eq!(v["operation"], "format-usb");
    assert_eq!(v["format-status"]["result"], 0);
    assert_rising(&r.events, "format-usb");
    let last = r.events.last().unwrap();
    assert_eq!(
        (last.phase.as_str(), last.percent, last.result),
        ("done", 100, 0)
    );
    let st = s.state();
    assert_eq!(st["ops"]["format"]["result"], 27, "cleared");
    assert_eq!(st["usb"]["file_count"], 0, "formatted");
}

#[test]
fn format_sd_runs_to_the_end() {
    let s = Sim::new();
    let mut r = s.recorder();
    let (code, v) = run(&s, usapi_run_format_sd, &mut r);
    assert_eq!(code, 0, "{}", last_error());
    assert_eq!(v["operation"], "format-sd");
    assert_rising(&r.events, "format-sd");
    assert_eq!(s.state()["ops"]["format"]["result"], 27);
}

#[test]
fn cancelling_a_format_stops_only_the_waiting() {
    let s = Sim::new();
    let mut r = s.recorder();
    r.cancel_when = Some(Box::new(|e| e.percent >= 30));
    let (code, _) = run(&s, usapi_run_format_usb, &mut r);
    assert_eq!(code, USAPI_E_CANCELLED);
    let msg = last_error();
    assert!(msg.contains("only the waiting stopped"), "{msg}");
    assert!(msg.contains("clear-format-usb"), "{msg}");
    assert!(rises(&r.events, "format-usb") >= 3, "{:?}", r.events);
    assert_eq!(
        s.state()["ops"]["format"]["running"],
        true,
        "the format goes on"
    );
}

#[test]
fn usb_speed_test_gives_the_verdict_for_the_current_settings() {
    let s = Sim::new();
    let set = s.ok("get-settings", json!({}));
    let kbps = if set["rec-stream"] == 1 {
        set["sub-stream"]["kbps"].as_u64().unwrap()
    } else {
        set["main-stream"]["kbps"].as_u64().unwrap()
    } + set["audio"]["kbps"].as_u64().unwrap();
    let required = kbps * 1024 / 8;

    // Fast enough.
    s.control(json!({"cmd": "set-disk", "disk": "usb", "write_bps": required * 10}));
    let mut r = s.recorder();
    let (code, v) = run(&s, usapi_run_test_usb, &mut r);
    assert_eq!(code, 0, "{}", last_error());
    assert_eq!(v["required-bps"], required);
    assert_eq!(v["write-bps"], required * 10);
    assert_eq!(v["fast-enough"], true);
    assert_rising(&r.events, "test-usb");
    assert_eq!(s.state()["ops"]["disk_test"]["result"], 27);

    // Too slow: retLowSpeed (3), a result with its reply.
    s.control(json!({"cmd": "set-disk", "disk": "usb", "write_bps": required / 2}));
    let mut r = s.recorder();
    let (code, v) = run(&s, usapi_run_test_usb, &mut r);
    assert_eq!(code, USAPI_RET_LOW_SPEED, "{}", last_error());
    assert_eq!(v["fast-enough"], false);
    assert_eq!(v["result"], 3);
    assert_rising(&r.events, "test-usb");
    assert_eq!(s.state()["ops"]["disk_test"]["result"], 27);
}

#[test]
fn cancelling_a_usb_speed_test_stops_it_on_the_device() {
    let s = Sim::new();
    let mut r = s.recorder();
    r.cancel_when = Some(Box::new(|e| e.percent >= 30));
    let (code, _) = run(&s, usapi_run_test_usb, &mut r);
    assert_eq!(code, USAPI_E_CANCELLED);
    assert!(last_error().contains("stop-test-usb"), "{}", last_error());
    assert!(rises(&r.events, "test-usb") >= 3);
    let st = s.state();
    assert_eq!(st["ops"]["disk_test"]["running"], false);
    assert_eq!(st["ops"]["disk_test"]["result"], 27);
}

fn server() -> (usapi_server, Vec<CString>) {
    let keep = vec![
        CString::new("rtmp://127.0.0.1/live").unwrap(),
        CString::new("test-key").unwrap(),
    ];
    let s = usapi_server {
        server_type: 0,
        name: null(),
        url: keep[0].as_ptr(),
        key: keep[1].as_ptr(),
        is_auth: 0,
        user: null(),
        passwd: null(),
        token: null(),
        net_mode: 1,
    };
    (s, keep)
}

#[test]
fn stream_server_test_runs_and_cancels() {
    let s = Sim::new();
    let (srv, _keep) = server();
    let mut r = s.recorder();
    let o = opts(&mut r);
    let mut out = null_mut();
    let code = unsafe { usapi_run_test_server(s.dev, &srv, &o, &mut out) };
    assert_eq!(code, 0, "{}", last_error());
    let v = take(out);
    assert_eq!(v["operation"], "test-server");
    assert!(v["upload-bps"].as_u64().unwrap() > 0, "{v}");
    assert_rising(&r.events, "test-server");
    assert_eq!(s.state()["ops"]["living_test"]["result"], 27);

    let mut r = s.recorder();
    r.cancel_when = Some(Box::new(|e| e.percent >= 20));
    let o = opts(&mut r);
    let code = unsafe { usapi_run_test_server(s.dev, &srv, &o, null_mut()) };
    assert_eq!(code, USAPI_E_CANCELLED);
    assert!(
        last_error().contains("stop-test-server"),
        "{}",
        last_error()
    );
    assert!(rises(&r.events, "test-server") >= 3);
    let st = s.state();
    assert_eq!(st["ops"]["living_test"]["running"], false);
    assert_eq!(st["ops"]["living_test"]["result"], 27);
}

#[test]
fn update_check_finds_the_newer_version() {
    let s = Sim::new();
    let mut r = s.recorder();
    let (code, v) = run(&s, usapi_run_update_check, &mut r);
    assert_eq!(code, 0, "{}", last_error());
    assert_eq!(v["upgrade"]["ver"], "1.2.123", "{v}");
    assert_rising(&r.events, "update-check");
    assert_eq!(s.state()["ops"]["check_upgrade"]["result"], 27);
}

fn run_update(s: &Sim, path: *const c_char, r: &mut Recorder) -> (i32, Value) {
    let o = opts(r);
    let mut out = null_mut();
    let code = unsafe { usapi_run_firmware_update(s.dev, path, &o, &mut out) };
    (code, take(out))
}

#[test]
fn firmware_update_from_a_file_reboots_and_reports_the_new_version() {
    let s = Sim::new();
    let before = s.state();
    assert_eq!(before["firmware"], "1.2.122");
    let (_dir, path) = s.firmware("hdmi", "1.2.200");
    let mut r = s.recorder();
    let (code, v) = run_update(&s, path.as_ptr(), &mut r);
    assert_eq!(code, 0, "{}", last_error());
    assert_eq!(v["version"], "1.2.200");
    assert_eq!(v["previous-version"], "1.2.122");
    assert_eq!(v["mode"], "upload");
    // The upload reported bytes; the update its steps and percent.
    let up: Vec<&Event> = r
        .events
        .iter()
        .filter(|e| e.operation == "upload")
        .collect();
    assert!(!up.is_empty());
    let last_up = up.last().unwrap();
    assert!(
        last_up.total > 0 && last_up.done == last_up.total,
        "{last_up:?}"
    );
    assert_rising(&r.events, "update");
    for step in [2, 3] {
        assert!(
            r.events
                .iter()
                .any(|e| e.operation == "update" && e.step == step),
            "step {step} reported"
        );
    }
    // It rebooted: stopped answering, then came back.
    assert!(
        r.events
            .iter()
            .any(|e| e.phase == "rebooting" && e.percent == 50),
        "{:#?}",
        r.events
    );
    let st = s.state();
    assert_eq!(st["firmware"], "1.2.200", "version changed");
    assert_eq!(st["power"], "up");
    assert_eq!(
        st["boots"].as_u64(),
        Some(before["boots"].as_u64().unwrap() + 1)
    );
    assert_eq!(st["ops"]["update"]["result"], 27, "status back to 27");
    assert_eq!(st["sessions"], 1, "logged in again");
    s.ok("get-status", json!({}));
}

#[test]
fn firmware_for_the_wrong_model_is_refused_with_34() {
    let s = Sim::new();
    let (_dir, path) = s.firmware("sdi", "1.2.200");
    let mut r = s.recorder();
    let (code, _) = run_update(&s, path.as_ptr(), &mut r);
    assert_eq!(code, USAPI_ERR_MWF_UNSUPPORTED, "{}", last_error());
    let st = s.state();
    assert_eq!(st["firmware"], "1.2.122", "unchanged");
    assert_eq!(st["ops"]["update"]["result"], 27);
    assert_eq!(st["boots"], 0);
}

#[test]
fn cancelling_the_upload_stops_it_and_nothing_is_installed() {
    let s = Sim::new();
    let (_dir, path) = s.firmware("hdmi", "1.2.200");
    let mut r = s.recorder();
    r.cancel_when = Some(Box::new(|e| e.operation == "upload" && e.done > 0));
    let (code, _) = run_update(&s, path.as_ptr(), &mut r);
    assert_eq!(code, USAPI_E_CANCELLED, "{}", last_error());
    assert!(last_error().contains("upload"), "{}", last_error());
    let ups: Vec<&Event> = r
        .events
        .iter()
        .filter(|e| e.operation == "upload")
        .collect();
    assert!(ups.len() >= 2 && ups.iter().all(|e| e.phase == "uploading" && e.total > 0));
    assert!(
        ups.iter().all(|e| e.done < e.total),
        "stopped before the end"
    );
    let st = s.state();
    assert_eq!(st["firmware"], "1.2.122");
    assert_eq!(st["ops"]["update"]["result"], 27);
    assert_eq!(st["boots"], 0);
}

#[test]
fn online_update_downloads_installs_and_cancels() {
    let s = Sim::new();
    // Cancelled during the download: stopped on the device.
    let mut r = s.recorder();
    r.cancel_when = Some(Box::new(|e| {
        e.operation == "update" && e.step == 1 && e.percent >= 30
    }));
    let (code, _) = run_update(&s, null(), &mut r);
    assert_eq!(code, USAPI_E_CANCELLED, "{}", last_error());
    assert!(last_error().contains("cancel-download"), "{}", last_error());
    assert!(rises(&r.events, "update") >= 3, "{:#?}", r.events);
    let st = s.state();
    assert_eq!(st["firmware"], "1.2.122");
    assert_eq!(st["ops"]["update"]["result"], 27);
    assert_eq!(st["ops"]["update"]["running"], false);

    // To the end.
    let mut r = s.recorder();
    let (code, v) = run_update(&s, null(), &mut r);
    assert_eq!(code, 0, "{}", last_error());
    assert_eq!(v["version"], "1.2.123");
    assert_rising(&r.events, "update-check");
    assert_rising(&r.events, "update");
    assert!(
        r.events
            .iter()
            .any(|e| e.operation == "update" && e.step == 1)
    );
    let st = s.state();
    assert_eq!(st["firmware"], "1.2.123");
    assert_eq!(st["ops"]["update"]["result"], 27);

    // Nothing newer now: no update, no reboot. (The device started
    // recording at boot, as its is-startup-rec says: stop that first.)
    assert_eq!(st["recording"], true);
    s.ok("stop-rec", json!({}));
    let boots = st["boots"].clone();
    let mut r = s.recorder();
    let (code, v) = run_update(&s, null(), &mut r);
    assert_eq!(code, 0, "{}", last_error());
    assert_eq!(v["up-to-date"], true);
    assert_eq!(s.state()["boots"], boots);
}

type RunPower = unsafe extern "C" fn(usapi_device, *const usapi_run_options) -> i32;

fn run_power(s: &Sim, f: RunPower, r: &mut Recorder) -> i32 {
    let o = opts(r);
    unsafe { f(s.dev, &o) }
}

#[test]
fn reboot_waits_while_the_device_does_not_answer_and_logs_in_again() {
    let s = Sim::new();
    let mut r = s.recorder();
    assert_eq!(
        run_power(&s, usapi_run_reboot, &mut r),
        0,
        "{}",
        last_error()
    );
    assert_rising(&r.events, "reboot");
    assert!(
        r.events
            .iter()
            .any(|e| e.phase == "rebooting" && e.percent == 50),
        "the device stopped answering: {:#?}",
        r.events
    );
    let st = s.state();
    assert_eq!(st["boots"], 1);
    assert_eq!(st["power"], "up");
    assert_eq!(st["sessions"], 1, "logged in again");
    s.ok("get-settings", json!({}));
}

#[test]
fn a_restart_done_between_two_polls_is_noticed() {
    // Each report moves the clock a minute: the device reboots (or
    // finishes its update and reboots) entirely between two polls.
    let s = Sim::new();
    let mut r = s.recorder();
    r.advance_ms = 60_000;
    assert_eq!(
        run_power(&s, usapi_run_reboot, &mut r),
        0,
        "{}",
        last_error()
    );
    assert_eq!(s.state()["boots"], 1);
    assert_eq!(s.state()["sessions"], 1);

    s.ok("stop-rec", json!({})); // started at boot (is-startup-rec)
    let (_dir, path) = s.firmware("hdmi", "1.2.201");
    let mut r = s.recorder();
    r.advance_ms = 60_000;
    let (code, v) = run_update(&s, path.as_ptr(), &mut r);
    assert_eq!(code, 0, "{}", last_error());
    assert_eq!(v["version"], "1.2.201");
    assert_eq!(s.state()["firmware"], "1.2.201");
}

#[test]
fn cancelling_a_reboot_stops_only_the_waiting_and_wait_ready_finishes_it() {
    let s = Sim::new();
    let mut r = s.recorder();
    r.cancel_when = Some(Box::new(|e| e.percent >= 50));
    assert_eq!(run_power(&s, usapi_run_reboot, &mut r), USAPI_E_CANCELLED);
    assert!(
        last_error().contains("only the waiting"),
        "{}",
        last_error()
    );
    assert!(s.state()["power"].as_str().unwrap().starts_with("down"));
    // Not ready while down (a short bound), ready once the clock moves on.
    assert_eq!(usapi_wait_ready(s.dev, 300), USAPI_E_TIMEOUT);
    s.control(json!({"cmd": "advance", "ms": 60_000}));
    assert_eq!(usapi_wait_ready(s.dev, 30_000), 0, "{}", last_error());
    assert_eq!(s.state()["sessions"], 1);
    s.ok("get-status", json!({}));
}

#[test]
fn reset_all_settings_restores_defaults_and_logs_in_again() {
    let s = Sim::new();
    s.ok("set-name", json!({"name": "Renamed"}));
    let mut r = s.recorder();
    assert_eq!(
        run_power(&s, usapi_run_reset_all_settings, &mut r),
        0,
        "{}",
        last_error()
    );
    assert_rising(&r.events, "reset");
    let st = s.state();
    assert_eq!(st["first_boot"], true);
    assert_eq!(st["sessions"], 1);
    assert_ne!(s.ok("get-settings", json!({}))["name"], "Renamed");
}

#[test]
fn run_operations_refuse_up_front_when_busy() {
    let s = Sim::new();
    s.ok("start-rec", json!({}));
    let mut r = s.recorder();
    let (code, _) = run(&s, usapi_run_format_usb, &mut r);
    assert_eq!(code, USAPI_ERR_BUSY);
    assert_eq!(
        last_error(),
        "start-format-usb: recording is in progress (USB Format × REC are mutually exclusive); stop recording first (stop-rec)"
    );
    assert!(r.events.is_empty(), "refused before starting");
    assert_eq!(s.state()["ops"]["format"]["running"], false);
    let (code, _) = run(&s, usapi_run_test_usb, &mut r);
    assert_eq!(code, USAPI_ERR_BUSY);
    assert!(
        last_error().contains("Performance Test × REC"),
        "{}",
        last_error()
    );
    assert_eq!(run_power(&s, usapi_run_reboot, &mut r), USAPI_ERR_BUSY);
    assert!(last_error().contains("Reboot × REC"), "{}", last_error());
    assert_eq!(s.state()["boots"], 0);
}

fn media(s: &Sim) -> Value {
    s.ok(
        "get-media-files",
        json!({"disk-type": 0, "start": 0, "count": 100}),
    )
}

#[test]
fn download_interrupted_halfway_resumes_and_matches_the_listed_size() {
    let s = Sim::new();
    s.ok("start-rec", json!({}));
    s.control(json!({"cmd": "advance", "ms": 20_000}));
    s.ok("stop-rec", json!({}));
    let m = media(&s);
    let f = &m["media-files"][0];
    let name = f["name"].as_str().unwrap().to_string();
    let size = f["size-bytes"].as_u64().unwrap();
    assert!(size > 1 << 20, "a file of some size: {size}");
    let dir = tempdir::Dir::new();
    let dest = dir.path().join(&name);
    let c_name = CString::new(name.clone()).unwrap();
    let c_dest = CString::new(dest.to_str().unwrap()).unwrap();

    // Interrupted halfway.
    let mut r = s.recorder();
    r.advance_ms = 0;
    r.cancel_when = Some(Box::new(move |e| e.done >= size / 2));
    let o = opts(&mut r);
    let code = unsafe { usapi_download_media(s.dev, 0, c_name.as_ptr(), c_dest.as_ptr(), &o) };
    assert_eq!(code, USAPI_E_CANCELLED, "{}", last_error());
    let part = std::fs::metadata(&dest).unwrap().len();
    assert!(part >= size / 2 && part < size, "{part} of {size}");
    assert!(rises(&r.events, "download") >= 3, "{:#?}", r.events);

    // Resumed from there.
    let mut r = s.recorder();
    r.advance_ms = 0;
    let o = opts(&mut r);
    let code = unsafe { usapi_download_media(s.dev, 0, c_name.as_ptr(), c_dest.as_ptr(), &o) };
    assert_eq!(code, 0, "{}", last_error());
    assert_eq!(std::fs::metadata(&dest).unwrap().len(), size);
    assert_eq!(r.events[0].phase, "resuming");
    assert_eq!(r.events[0].done, part, "resumed, not restarted");
    assert_rising(&r.events, "download");
    let last = r.events.last().unwrap();
    assert_eq!((last.done, last.total, last.percent), (size, size, 100));

    // The same bytes as one whole download.
    let whole = dir.path().join("whole");
    let c_whole = CString::new(whole.to_str().unwrap()).unwrap();
    let code = unsafe { usapi_download_media(s.dev, 0, c_name.as_ptr(), c_whole.as_ptr(), null()) };
    assert_eq!(code, 0, "{}", last_error());
    assert!(std::fs::read(&dest).unwrap() == std::fs::read(&whole).unwrap());

    // Its thumbnail, by the thumbnail name.
    let thumb = f["thumbnail-name"].as_str().unwrap();
    let c_thumb = CString::new(thumb).unwrap();
    let tdest = dir.path().join("t.jpg");
    let c_tdest = CString::new(tdest.to_str().unwrap()).unwrap();
    let code =
        unsafe { usapi_download_media(s.dev, 0, c_thumb.as_ptr(), c_tdest.as_ptr(), null()) };
    assert_eq!(code, 0, "{}", last_error());
    assert_eq!(
        &std::fs::read(&tdest).unwrap()[..2],
        &[0xFF, 0xD8],
        "a JPEG"
    );

    // Files are still on the device; an unknown name names itself.
    assert_eq!(
        s.state()["usb"]["file_count"],
        m["media-files"].as_array().unwrap().len()
    );
    let code =
        unsafe { usapi_download_media(s.dev, 0, c"nope.mp4".as_ptr(), c_tdest.as_ptr(), null()) };
    assert_eq!(code, USAPI_E_INVALID_ARGUMENT);
    assert!(last_error().contains("nope.mp4"));
}

#[test]
fn closing_a_handle_frees_its_session() {
    let s = Sim::new();
    // s.dev holds one of the two slots; three programs in turn use the other.
    for round in 0..3 {
        let d = s.open();
        let rc = unsafe { usapi_login(d, c"Admin".as_ptr(), c"Admin".as_ptr()) };
        assert_eq!(rc, 0, "round {round}: {}", last_error());
        assert_eq!(s.state()["sessions"], 2);
        assert_eq!(usapi_device_close(d), 0);
        assert_eq!(
            s.state()["sessions"],
            1,
            "round {round}: closing logged out"
        );
    }
    // Two held: a third login says so, and what to do.
    let a = s.open();
    let b = s.open();
    assert_eq!(
        unsafe { usapi_login(a, c"Admin".as_ptr(), c"Admin".as_ptr()) },
        0
    );
    assert_eq!(
        unsafe { usapi_login(b, c"Admin".as_ptr(), c"Admin".as_ptr()) },
        USAPI_ERR_OCCUPIED
    );
    let msg = last_error();
    assert!(
        msg.contains("errOccupied") && msg.contains("close or log out"),
        "{msg}"
    );
    usapi_device_close(a);
    usapi_device_close(b);
    assert_eq!(s.state()["sessions"], 1);
}

/// errBusy names the blocking operation for every mutually exclusive pair
/// of the API Limits table: for each operation that can be in progress,
/// a fresh simulator runs it, and every request the table excludes gets
/// -9 with a message naming both (read from the table, not a copy of it).
#[test]
fn busy_names_the_blocker_for_every_exclusive_pair_of_the_table() {
    use ultrastream::model::limits::{Class, Rel, TABLE, rel};
    let srv = json!({"type": 0, "url": "rtmp://127.0.0.1/live", "key": "busy-key", "is-auth": 0,
                     "user": "", "passwd": "", "token": "", "net-mode": 1});
    let mut srv2 = srv.clone();
    srv2["key"] = json!("other-key");
    srv2["name"] = json!("Second");
    let mut srv1 = srv.clone();
    srv1["name"] = json!("First");
    // (running class, what the message calls it, how to start it)
    type Start = Box<dyn Fn(&Sim)>;
    let running: Vec<(Class, &str, Start)> = vec![
        (
            Class::UsbFormat,
            "a disk format",
            Box::new(|s: &Sim| {
                s.ok("start-format-usb", json!({}));
            }),
        ),
        (
            Class::PerfTest,
            "the USB speed test",
            Box::new(|s: &Sim| {
                s.ok("start-test-usb", json!({}));
            }),
        ),
        (
            Class::LiveTest,
            "a stream server test",
            Box::new({
                let srv = srv.clone();
                move |s: &Sim| {
                    s.ok("start-test-server", srv.clone());
                }
            }),
        ),
        (
            Class::Live,
            "live streaming",
            Box::new(|s: &Sim| {
                s.ok("start-live", json!({}));
            }),
        ),
        (
            Class::Rec,
            "recording",
            Box::new(|s: &Sim| {
                s.ok("start-rec", json!({}));
            }),
        ),
        (
            Class::FirmwareUpdate,
            "a firmware update",
            Box::new(|s: &Sim| {
                s.ok("update", json!({"mode": "upload"}));
            }),
        ),
        (
            Class::Reset,
            "a reset of all settings",
            Box::new(|s: &Sim| {
                s.ok("reset-all-settings", json!({}));
            }),
        ),
        (
            Class::Reboot,
            "a reboot",
            Box::new(|s: &Sim| {
                s.ok("reboot", json!({}));
            }),
        ),
    ];
    let request = |c: Class| -> (&str, Value) {
        match c {
            Class::UsbFormat => ("start-format-usb", json!({})),
            Class::PerfTest => ("start-test-usb", json!({})),
            Class::LiveTest => ("start-test-server", srv.clone()),
            Class::EditServer => ("add-server", srv2.clone()),
            Class::Live => ("start-live", json!({})),
            Class::Rec => ("start-rec", json!({})),
            Class::Encoding => ("set-audio", json!({"kbps": 128})),
            Class::FirmwareUpdate => ("update", json!({"mode": "upload"})),
            Class::Reset => ("reset-all-settings", json!({})),
            Class::Reboot => ("reboot", json!({})),
            Class::Other => ("get-info", json!({})),
        }
    };
    let mut pairs = 0;
    for (run_class, what, start) in &running {
        for (req_class, _) in TABLE.iter() {
            if rel(*req_class, *run_class) != Rel::Exclusive {
                continue;
            }
            let s = Sim::new();
            // What some requests need, before the operation starts.
            let (_dir, fw) = s.firmware("hdmi", "1.2.200");
            assert_eq!(
                unsafe { usapi_upload_update_file(s.dev, fw.as_ptr(), null_mut()) },
                0
            );
            s.ok("add-server", srv1.clone());
            let id = s.ok("get-settings", json!({}))["stream-server"][0]["id"].clone();
            s.ok("enable-server", json!({"id": id, "is-use": 1}));
            start(&s);
            let (method, params) = request(*req_class);
            let (code, _) = s.call(method, params);
            let msg = last_error();
            assert_eq!(code, USAPI_ERR_BUSY, "{method} during {run_class:?}: {msg}");
            let want = format!(
                "{method}: {what} is in progress ({} × {} are mutually exclusive); ",
                req_class.doc_name(),
                run_class.doc_name()
            );
            assert!(
                msg.starts_with(&want),
                "{method} during {run_class:?}:\n  got  {msg}\n  want {want}..."
            );
            pairs += 1;
        }
    }
    // 8 operations that can be in progress, against the 11 rows.
    assert!(pairs >= 50, "only {pairs} pairs checked");
}
