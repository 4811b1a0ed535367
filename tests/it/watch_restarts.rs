//! The watcher names restarts however the device signals them (issue 15):
//! a reboot, a reset and a firmware update, with the simulator closing
//! connections during the restart or answering every call (ping included)
//! with -9 and the restart flag. Each gives `rebooting` (with the
//! operation) then `back`, and nothing else; while the device is down the
//! watcher sends only ping. The simulator's clock is manual; waits poll a
//! condition with a generous bound.

use crate::ffi_common;

use ffi_common::{last_error, open_logged_in};
use serde_json::{Value, json};
use std::ffi::{CStr, c_char, c_void};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use ultrastream::ffi::*;
use ultrastream::sim::{Readings, RestartStyle, SimOptions, Simulator};

const BOUND: Duration = Duration::from_secs(60);

#[derive(Default)]
struct Seen {
    events: Mutex<Vec<Value>>,
}

unsafe extern "C" fn on_event(json: *const c_char, user_data: *mut c_void) -> i32 {
    let seen = unsafe { &*(user_data as *const Seen) };
    let text = unsafe { CStr::from_ptr(json) }.to_str().unwrap();
    seen.events
        .lock()
        .unwrap()
        .push(serde_json::from_str(text).expect("event is JSON"));
    0
}

fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < BOUND, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn control(sim: &Simulator, cmd: Value) -> Value {
    serde_json::from_str(&sim.control(&cmd.to_string()).unwrap()).unwrap()
}

struct Watched {
    sim: Simulator,
    dev: usapi_device,
    w: usapi_watch,
    seen: Box<Seen>,
    style: RestartStyle,
}

impl Watched {
    fn new(style: RestartStyle, update_restarts: bool) -> Watched {
        let sim = Simulator::start(SimOptions {
            time_scale: 0.0,
            readings: Readings {
                restart: style,
                update_restarts,
                ..Readings::default()
            },
            ..SimOptions::default()
        })
        .unwrap();
        let dev = open_logged_in(&sim.host());
        let seen = Box::new(Seen::default());
        // Each request may take a whole interval: on a loaded machine (or
        // under a sanitizer) a 45 ms bound failed every poll, and a
        // timeout right after an update is read as its restart.
        let opts = usapi_watch_options {
            interval_ms: 250,
            offline_after_ms: 2_500,
            timeout_ms: 250,
            max_backoff_ms: 250,
            ..Default::default()
        };
        let mut w = 0;
        let rc = unsafe {
            usapi_watch_start(
                &dev,
                1,
                &opts,
                Some(on_event),
                &*seen as *const Seen as *mut c_void,
                &mut w,
            )
        };
        assert_eq!(rc, 0, "{}", last_error());
        let me = Watched {
            sim,
            dev,
            w,
            seen,
            style,
        };
        me.wait_event("online");
        me
    }

    fn events(&self) -> Vec<Value> {
        self.seen.events.lock().unwrap().clone()
    }

    fn wait_event(&self, kind: &str) {
        wait_for(&format!("{kind} ({:?})", self.style), || {
            self.events().iter().any(|e| e["event"] == kind)
        });
    }

    /// Move the clock and let the watcher poll the device at least
    /// `polls` more times.
    fn advance_and_poll(&self, ms: u64, polls: usize) {
        control(&self.sim, json!({"cmd": "advance", "ms": ms}));
        let n = self.requests(false).len();
        wait_for("polls", || self.requests(false).len() >= n + polls);
    }

    fn requests(&self, clear: bool) -> Vec<Value> {
        control(&self.sim, json!({"cmd": "requests", "clear": clear}))["requests"]
            .as_array()
            .unwrap()
            .clone()
    }

    /// The events after the first one matching `from`, by name.
    fn names_after(&self, from: impl Fn(&Value) -> bool) -> Vec<Value> {
        let ev = self.events();
        let at = ev.iter().position(from).expect("the starting event");
        ev[at + 1..].to_vec()
    }

    /// While down, the watcher sent ping only (the first request that
    /// found the device down may be its usual get-status).
    fn assert_ping_while_down(&self) {
        let reqs = self.requests(true);
        let down: Vec<&Value> = reqs
            .iter()
            .filter(|r| r["power"].as_str().unwrap().starts_with("down-"))
            .collect();
        assert!(
            down.len() >= 2,
            "{:?}: polled while down: {reqs:?}",
            self.style
        );
        assert!(
            down[1..].iter().all(|r| r["method"] == "ping"),
            "{:?}: only ping while down: {down:?}",
            self.style
        );
    }
}

impl Drop for Watched {
    fn drop(&mut self) {
        assert_eq!(usapi_watch_stop(self.w), 0);
        usapi_device_close(self.dev);
    }
}

/// `start` begins the restart (the device then shows its flag until the
/// clock moves); the watcher says `rebooting` with `operation`, then
/// `back`, and nothing else.
fn restart_gives_rebooting_then_back(
    style: RestartStyle,
    operation: &str,
    start: impl Fn(&Watched),
) {
    let w = Watched::new(style, true);
    let boots = control(&w.sim, json!({"cmd": "state"}))["boots"]
        .as_u64()
        .unwrap();
    w.requests(true);
    start(&w);
    w.wait_event("rebooting");
    // Down: the watcher keeps probing, with ping only.
    w.advance_and_poll(2_000, 4);
    w.advance_and_poll(1_000, 4);
    w.assert_ping_while_down();
    control(&w.sim, json!({"cmd": "advance", "ms": 30_000}));
    w.wait_event("back");
    // A few more polls: nothing else follows.
    w.advance_and_poll(0, 4);
    let after = w.names_after(|e| e["event"] == "online");
    let names: Vec<&str> = after.iter().map(|e| e["event"].as_str().unwrap()).collect();
    let tail: Vec<&str> = names
        .iter()
        .copied()
        .skip_while(|n| *n != "rebooting")
        .collect();
    assert_eq!(
        tail,
        ["rebooting", "back"],
        "{style:?} {operation}: {after:#?}"
    );
    let rebooting = after.iter().find(|e| e["event"] == "rebooting").unwrap();
    assert_eq!(rebooting["operation"], operation, "{style:?}: {rebooting}");
    let st = control(&w.sim, json!({"cmd": "state"}));
    assert_eq!(st["boots"], boots + 1, "{st}");
    assert_eq!(
        st["sessions"], 1,
        "{style:?}: the watcher logged in again: {st}"
    );
}

fn call(w: &Watched, method: &str) {
    let m = std::ffi::CString::new(method).unwrap();
    let mut out = std::ptr::null_mut();
    let code = unsafe { usapi_call(w.dev, m.as_ptr(), c"{}".as_ptr(), &mut out) };
    assert_eq!(code, 0, "{method}: {}", last_error());
    unsafe { usapi_string_free(out) };
}

#[test]
fn reboot_in_both_readings() {
    for style in [RestartStyle::Close, RestartStyle::Busy] {
        restart_gives_rebooting_then_back(style, "reboot", |w| call(w, "reboot"));
    }
}

#[test]
fn reset_in_both_readings() {
    for style in [RestartStyle::Close, RestartStyle::Busy] {
        restart_gives_rebooting_then_back(style, "reset", |w| call(w, "reset-all-settings"));
    }
}

/// Upload a firmware file and start the update; wait until the watcher
/// has seen it running (statusUpgrade), then let it finish: the restart
/// itself shows only as closed connections or -9.
fn start_update(w: &Watched) {
    let path = std::env::temp_dir().join(format!(
        "ultrastream-watch-restart-{}-{:?}.mwf",
        std::process::id(),
        w.style
    ));
    std::fs::write(
        &path,
        ultrastream::sim::fake_firmware(ultrastream::sim::Model::Hdmi, "1.2.300"),
    )
    .unwrap();
    let other = ultrastream::Device::connect(&w.sim.host(), Default::default()).unwrap();
    other.login("Admin", "Admin").unwrap();
    other.upload_update_file(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    other.update(ultrastream::api::Firmware::Upload).unwrap();
    other.logout().unwrap();
    wait_for("the update in the events", || {
        w.events().iter().any(|e| {
            e["event"] == "changed"
                && e["changes"]["operations"]
                    .as_array()
                    .is_some_and(|o| o.iter().any(|x| x == "update"))
        })
    });
    // Verify and write (12 s), then a second: the device goes down.
    control(&w.sim, json!({"cmd": "advance", "ms": 13_600}));
    let st = control(&w.sim, json!({"cmd": "state"}));
    assert_eq!(st["power"], "down-update", "{st}");
}

#[test]
fn update_in_both_readings() {
    for style in [RestartStyle::Close, RestartStyle::Busy] {
        restart_gives_rebooting_then_back(style, "update", start_update);
    }
}

#[test]
fn an_update_without_restart_is_no_restart() {
    let w = Watched::new(RestartStyle::Busy, false);
    let other = ultrastream::Device::connect(&w.sim.host(), Default::default()).unwrap();
    other.login("Admin", "Admin").unwrap();
    let path = std::env::temp_dir().join(format!(
        "ultrastream-watch-norestart-{}.mwf",
        std::process::id()
    ));
    std::fs::write(
        &path,
        ultrastream::sim::fake_firmware(ultrastream::sim::Model::Hdmi, "1.2.301"),
    )
    .unwrap();
    other.upload_update_file(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    other.update(ultrastream::api::Firmware::Upload).unwrap();
    w.advance_and_poll(20_000, 6);
    let st = control(&w.sim, json!({"cmd": "state"}));
    assert_eq!(st["firmware"], "1.2.301", "{st}");
    let names: Vec<String> = w
        .events()
        .iter()
        .map(|e| e["event"].as_str().unwrap().to_string())
        .collect();
    assert!(
        names.iter().all(|n| n == "online" || n == "changed"),
        "{names:?}"
    );
}
