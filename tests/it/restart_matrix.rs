//! Every `usapi_run_*` and `usapi_wait_ready`, through the C ABI, against
//! the simulator in each reading of the document that devices differ on
//! (issue 15): a restart that closes connections or answers every call with
//! -9 and the restart flag, an update that restarts or not, operations
//! longer or shorter than the poll interval. Each run must return 0 with
//! rising progress and leave the device in the state it should; during a
//! restart only ping is sent, then the login.
//!
//! The simulator's clock is manual: the progress callback moves it at each
//! report, and the wait_ready case moves it by hand, so nothing here
//! depends on machine speed.

use crate::ffi_common::{last_error, sim_control, take};
use serde_json::{Value, json};
use std::ffi::{CStr, CString, c_char, c_void};
use std::ptr::{null, null_mut};
use ultrastream::ffi::*;

/// Device ms the callback moves the clock at each report; the poll
/// interval is far shorter in wall time, so "shorter than a poll" is an
/// operation of fewer device ms than this.
const STEP_MS: u64 = 500;
const SHORT_OP_MS: u64 = 100;

#[derive(Debug, Clone)]
struct Event {
    operation: String,
    phase: String,
    percent: i32,
}

struct Recorder {
    sim: usapi_sim,
    events: Vec<Event>,
    advance_ms: u64,
}

unsafe extern "C" fn on_progress(p: *const usapi_progress, ud: *mut c_void) -> i32 {
    let r = unsafe { &mut *(ud as *mut Recorder) };
    let p = unsafe { &*p };
    let s = |c: *const c_char| unsafe { CStr::from_ptr(c) }.to_string_lossy().into_owned();
    let cmd = CString::new(json!({"cmd": "advance", "ms": r.advance_ms}).to_string()).unwrap();
    assert_eq!(
        unsafe { usapi_sim_control(r.sim, cmd.as_ptr(), null_mut()) },
        0
    );
    r.events.push(Event {
        operation: s(p.operation),
        phase: s(p.phase),
        percent: p.percent,
    });
    0
}

/// One reading of the document.
#[derive(Debug, Clone, Copy)]
struct Variant {
    busy: bool,
    update_restarts: bool,
    short: bool,
}

impl Variant {
    fn all() -> Vec<Variant> {
        let mut v = Vec::new();
        for busy in [false, true] {
            for update_restarts in [true, false] {
                for short in [false, true] {
                    v.push(Variant {
                        busy,
                        update_restarts,
                        short,
                    });
                }
            }
        }
        v
    }

    fn options(&self) -> Value {
        let mut o = json!({
            "clock": "manual",
            "restart": if self.busy { "busy" } else { "close" },
            "update_restarts": self.update_restarts,
        });
        if self.short {
            o["op_ms"] = json!(SHORT_OP_MS);
        }
        o
    }
}

struct Sim {
    sim: usapi_sim,
    dev: usapi_device,
    v: Variant,
}

impl Sim {
    fn new(v: Variant) -> Sim {
        let o = CString::new(v.options().to_string()).unwrap();
        let mut sim = 0;
        let mut host: *mut c_char = null_mut();
        unsafe {
            assert_eq!(usapi_sim_start(o.as_ptr(), &mut sim), 0, "{}", last_error());
            assert_eq!(usapi_sim_address(sim, &mut host), 0);
        }
        let h = CString::new(unsafe { CStr::from_ptr(host) }.to_bytes()).unwrap();
        unsafe { usapi_string_free(host) };
        let opts = usapi_options {
            request_timeout_ms: 5000,
            skip_validation: 1,
            ..Default::default()
        };
        let mut dev = 0;
        unsafe {
            assert_eq!(usapi_device_open(h.as_ptr(), &opts, &mut dev), 0);
            assert_eq!(
                usapi_login(dev, c"Admin".as_ptr(), c"Admin".as_ptr()),
                0,
                "{}",
                last_error()
            );
        }
        Sim { sim, dev, v }
    }

    fn control(&self, cmd: Value) -> Value {
        sim_control(self.sim, &cmd)
    }

    fn state(&self) -> Value {
        self.control(json!({"cmd": "state"}))
    }

    /// The API requests since the last call, as (method, power state).
    fn requests(&self) -> Vec<(String, String)> {
        self.control(json!({"cmd": "requests", "clear": true}))["requests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["method"].as_str().unwrap().to_string(),
                    r["power"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    /// After a reboot the device starts recording (is-startup-rec 1 in
    /// the document's example settings), which excludes updates, resets
    /// and reboots: stop it.
    fn stop_startup_rec(&self) {
        if self.state()["recording"] == true {
            assert_eq!(unsafe { usapi_stop_rec(self.dev, null_mut()) }, 0);
        }
    }

    fn recorder(&self) -> Box<Recorder> {
        Box::new(Recorder {
            sim: self.sim,
            events: Vec::new(),
            advance_ms: STEP_MS,
        })
    }

    /// A get-status through the handle: the session works.
    fn status_ok(&self) {
        let mut out = null_mut();
        let code = unsafe { usapi_get_status(self.dev, &mut out) };
        assert_eq!(code, 0, "{:?}: get-status after: {}", self.v, last_error());
        take(out);
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        usapi_device_close(self.dev);
        usapi_sim_stop(self.sim);
    }
}

fn opts(r: &mut Recorder) -> usapi_run_options {
    usapi_run_options {
        timeout_ms: 600_000,
        poll_interval_ms: 2,
        progress: Some(on_progress),
        user_data: r as *mut Recorder as *mut c_void,
    }
}

/// Rising progress for `op`: percents in 0..=100, at least `rises`
/// increases over the previous report, ending with "done" at 100.
fn assert_progress(v: Variant, events: &[Event], op: &str, rises: usize) {
    let mine: Vec<&Event> = events.iter().filter(|e| e.operation == op).collect();
    assert!(!mine.is_empty(), "{v:?} {op}: no progress: {events:#?}");
    let mut n = 0;
    for w in mine.windows(2) {
        if w[1].percent > w[0].percent {
            n += 1;
        }
    }
    assert!(
        n >= rises,
        "{v:?} {op}: {n} rising percents, want {rises}: {mine:#?}"
    );
    assert!(mine.iter().all(|e| (0..=100).contains(&e.percent)));
    let last = mine.last().unwrap();
    assert_eq!(
        (last.phase.as_str(), last.percent),
        ("done", 100),
        "{v:?} {op}: {mine:#?}"
    );
}

/// During a restart only ping goes out, then one login: every request
/// from the first one the device handled while down (or, for a reboot or
/// reset, from the request that started it) up to the login is a ping.
fn assert_ping_only(v: Variant, what: &str, reqs: &[(String, String)], start: Option<&str>) {
    let from = match start {
        Some(m) => reqs.iter().position(|(x, _)| x == m).map(|i| i + 1),
        None => reqs.iter().position(|(_, p)| p.starts_with("down-")),
    };
    let Some(from) = from else {
        panic!("{v:?} {what}: no restart in the requests {reqs:?}");
    };
    // The first request handled while down may be the poll that found
    // the restart (an update's get-status); after it, pings only.
    let from = match start {
        None if reqs[from].0 != "ping" => from + 1,
        _ => from,
    };
    let login = reqs[from..]
        .iter()
        .position(|(m, _)| m != "ping")
        .map(|i| i + from)
        .unwrap_or_else(|| panic!("{v:?} {what}: no login after the restart: {reqs:?}"));
    assert_eq!(
        reqs[login].0, "login",
        "{v:?} {what}: only ping during a restart, then login: {reqs:?}"
    );
    assert!(
        reqs[from..login]
            .iter()
            .any(|(_, p)| p.starts_with("down-")),
        "{v:?} {what}: the pings saw the device down: {reqs:?}"
    );
    assert_eq!(reqs[login].1, "up", "{v:?} {what}: {reqs:?}");
    // Nothing but ping (and the poll that found it) reached it while down.
    let down: Vec<&(String, String)> = reqs
        .iter()
        .filter(|(m, p)| p.starts_with("down-") && m != "ping")
        .collect();
    assert!(
        down.len() <= usize::from(start.is_none()),
        "{v:?} {what}: requests other than ping while down: {down:?}"
    );
}

type Run0 = unsafe extern "C" fn(usapi_device, *const usapi_run_options, *mut *mut c_char) -> i32;
type RunPower = unsafe extern "C" fn(usapi_device, *const usapi_run_options) -> i32;

fn run(s: &Sim, f: Run0, op: &str) -> (Value, Box<Recorder>) {
    let mut r = s.recorder();
    let o = opts(&mut r);
    let mut out = null_mut();
    let code = unsafe { f(s.dev, &o, &mut out) };
    assert_eq!(code, 0, "{:?} {op}: {}", s.v, last_error());
    let v = take(out);
    let rises = if s.v.short { 1 } else { 3 };
    assert_progress(s.v, &r.events, op, rises);
    (v, r)
}

fn firmware(version: &str) -> (std::path::PathBuf, CString) {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let path = std::env::temp_dir().join(format!(
        "ultrastream-matrix-{}-{}.mwf",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let p = CString::new(path.to_str().unwrap()).unwrap();
    let v = CString::new(version).unwrap();
    assert_eq!(
        unsafe { usapi_sim_firmware(c"hdmi".as_ptr(), v.as_ptr(), p.as_ptr()) },
        0,
        "{}",
        last_error()
    );
    (path, p)
}

fn block_operations(s: &Sim) {
    let v = s.v;
    // A recording to format away.
    s.control(json!({"cmd": "set-signal", "present": true}));
    let (c, _) = (
        unsafe { usapi_start_rec(s.dev, null_mut()) },
        s.control(json!({"cmd": "advance", "ms": 60_000})),
    );
    assert_eq!(c, 0, "{}", last_error());
    assert_eq!(unsafe { usapi_stop_rec(s.dev, null_mut()) }, 0);
    assert!(s.state()["usb"]["file_count"].as_u64().unwrap() > 0);

    let (r, _) = run(s, usapi_run_format_usb, "format-usb");
    assert_eq!(r["format-status"]["result"], 0, "{v:?} {r}");
    let st = s.state();
    assert_eq!(st["ops"]["format"]["result"], 27, "{v:?} cleared");
    assert_eq!(st["usb"]["file_count"], 0, "{v:?} formatted");

    run(s, usapi_run_format_sd, "format-sd");
    assert_eq!(s.state()["ops"]["format"]["result"], 27, "{v:?}");

    s.control(json!({"cmd": "set-disk", "disk": "usb", "write_bps": 100_000_000u64}));
    let (r, _) = run(s, usapi_run_test_usb, "test-usb");
    assert_eq!(r["fast-enough"], true, "{v:?} {r}");
    assert_eq!(r["write-bps"], 100_000_000u64, "{v:?} {r}");
    assert_eq!(s.state()["ops"]["disk_test"]["result"], 27, "{v:?}");

    let url = CString::new("rtmp://127.0.0.1/live").unwrap();
    let key = CString::new("k").unwrap();
    let srv = usapi_server {
        server_type: 0,
        name: null(),
        url: url.as_ptr(),
        key: key.as_ptr(),
        is_auth: 0,
        user: null(),
        passwd: null(),
        token: null(),
        net_mode: 1,
    };
    let mut r = s.recorder();
    let o = opts(&mut r);
    let mut out = null_mut();
    let code = unsafe { usapi_run_test_server(s.dev, &srv, &o, &mut out) };
    assert_eq!(code, 0, "{v:?} test-server: {}", last_error());
    take(out);
    assert_progress(v, &r.events, "test-server", if v.short { 1 } else { 3 });
    assert_eq!(s.state()["ops"]["living_test"]["result"], 27, "{v:?}");

    let (r, _) = run(s, usapi_run_update_check, "update-check");
    assert_eq!(r["upgrade"]["ver"], "1.2.123", "{v:?} {r}");
    assert_eq!(s.state()["ops"]["check_upgrade"]["result"], 27, "{v:?}");
}

/// A firmware update (`path`: upload; NULL: online) to `target`.
fn update(s: &Sim, path: *const c_char, target: &str) {
    let v = s.v;
    s.stop_startup_rec();
    let boots = s.state()["boots"].as_u64().unwrap();
    s.requests();
    let mut r = s.recorder();
    let o = opts(&mut r);
    let mut out = null_mut();
    let code = unsafe { usapi_run_firmware_update(s.dev, path, &o, &mut out) };
    assert_eq!(code, 0, "{v:?} update to {target}: {}", last_error());
    let reply = take(out);
    assert_eq!(reply["version"], target, "{v:?} {reply}");
    assert_progress(v, &r.events, "update", if v.short { 1 } else { 3 });
    let st = s.state();
    assert_eq!(st["firmware"], target, "{v:?} installed: {st}");
    assert_eq!(st["ops"]["update"]["result"], 27, "{v:?} cleared: {st}");
    assert_eq!(st["power"], "up", "{v:?}");
    let restarts = u64::from(v.update_restarts);
    assert_eq!(st["boots"], boots + restarts, "{v:?} {st}");
    let reqs = s.requests();
    if v.update_restarts {
        assert_ping_only(v, "update", &reqs, None);
        assert_eq!(st["sessions"], 1, "{v:?} logged in again: {st}");
    } else {
        assert!(
            reqs.iter().all(|(m, p)| p == "up" && m != "login"),
            "{v:?} no restart, no new login: {reqs:?}"
        );
    }
    s.status_ok();
}

fn restart(s: &Sim, f: RunPower, op: &str, method: &str) {
    let v = s.v;
    s.stop_startup_rec();
    let boots = s.state()["boots"].as_u64().unwrap();
    s.requests();
    let mut r = s.recorder();
    let o = opts(&mut r);
    let code = unsafe { f(s.dev, &o) };
    assert_eq!(code, 0, "{v:?} {op}: {}", last_error());
    // A restart reports milestones: requested, going, answering, done.
    assert_progress(v, &r.events, op, 3);
    assert!(
        r.events
            .iter()
            .any(|e| e.phase == "rebooting" && e.percent >= 25),
        "{v:?} {op}: the restart was seen: {:#?}",
        r.events
    );
    let st = s.state();
    assert_eq!(st["boots"], boots + 1, "{v:?} {op}: {st}");
    assert_eq!(st["power"], "up");
    assert_eq!(st["sessions"], 1, "{v:?} {op}: logged in again: {st}");
    assert_ping_only(v, op, &s.requests(), Some(method));
    s.status_ok();
}

fn wait_ready(s: &Sim) {
    let v = s.v;
    s.stop_startup_rec();
    let boots = s.state()["boots"].as_u64().unwrap();
    s.requests();
    assert_eq!(
        unsafe { usapi_reboot(s.dev, null_mut()) },
        0,
        "{}",
        last_error()
    );
    // Stopping (flag set), then down: not ready, never the device's -9.
    for ms in [0, 1_000] {
        s.control(json!({"cmd": "advance", "ms": ms}));
        assert_eq!(
            usapi_wait_ready(s.dev, 1),
            USAPI_E_TIMEOUT,
            "{v:?} after {ms} ms: {}",
            last_error()
        );
    }
    s.control(json!({"cmd": "advance", "ms": 10_000}));
    assert_eq!(
        usapi_wait_ready(s.dev, 60_000),
        0,
        "{v:?}: {}",
        last_error()
    );
    let st = s.state();
    assert_eq!(st["boots"], boots + 1);
    assert_eq!(st["sessions"], 1, "{v:?} logged in again: {st}");
    assert_ping_only(v, "wait_ready", &s.requests(), Some("reboot"));
    s.status_ok();
}

#[test]
fn every_operation_in_every_reading() {
    for v in Variant::all() {
        let s = Sim::new(v);
        block_operations(&s);
        // Online first (1.2.122 → 1.2.123), then a newer upload.
        update(&s, null(), "1.2.123");
        let (file, path) = firmware("1.2.200");
        update(&s, path.as_ptr(), "1.2.200");
        let _ = std::fs::remove_file(file);
        restart(&s, usapi_run_reboot, "reboot", "reboot");
        restart(
            &s,
            usapi_run_reset_all_settings,
            "reset",
            "reset-all-settings",
        );
        wait_ready(&s);
    }
}

/// Polls far apart (in device time): the update's end and its restart
/// fall between two polls. With `jump_ms` 2 s the poll after the update
/// meets the device already restarting (a get-status refused with -9, or
/// dropped); with a minute, the whole restart happened unseen (the session
/// is gone, upgrade-status is back to 27, get-info shows the new version).
/// Both are a finished update; a reboot likewise.
#[test]
fn restarts_between_two_polls_in_both_readings() {
    for busy in [false, true] {
        for jump_ms in [2_000u64, 60_000] {
            let v = Variant {
                busy,
                update_restarts: true,
                short: true,
            };
            let s = Sim::new(v);
            let (file, path) = firmware("1.2.201");
            s.requests();
            let mut r = s.recorder();
            r.advance_ms = jump_ms;
            let o = opts(&mut r);
            let mut out = null_mut();
            let code = unsafe { usapi_run_firmware_update(s.dev, path.as_ptr(), &o, &mut out) };
            let _ = std::fs::remove_file(file);
            assert_eq!(code, 0, "busy {busy} jump {jump_ms}: {}", last_error());
            assert_eq!(take(out)["version"], "1.2.201");
            assert_progress(v, &r.events, "update", 1);
            let st = s.state();
            assert_eq!(st["firmware"], "1.2.201");
            assert_eq!(st["ops"]["update"]["result"], 27, "cleared: {st}");
            assert_eq!(st["sessions"], 1, "{st}");
            let reqs = s.requests();
            if jump_ms == 2_000 {
                // The poll that met the restart was the last but ping.
                assert_ping_only(v, "update", &reqs, None);
                let first_down = reqs.iter().find(|(_, p)| p.starts_with("down-")).unwrap();
                assert_eq!(first_down.0, "get-status", "{reqs:?}");
            }
            s.stop_startup_rec();
            let mut r = s.recorder();
            r.advance_ms = jump_ms;
            let o = opts(&mut r);
            assert_eq!(
                unsafe { usapi_run_reboot(s.dev, &o) },
                0,
                "busy {busy} jump {jump_ms}: {}",
                last_error()
            );
            assert_progress(v, &r.events, "reboot", 2);
            assert_eq!(s.state()["sessions"], 1);
            s.status_ok();
        }
    }
}
