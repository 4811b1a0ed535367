//! Watching simulated devices through the C ABI: online, offline when one
//! stops, back (logged in again) when it restarts on the same port, changed
//! when another starts recording, nothing at all when sessions expire, and a
//! device that stops answering costs the others no poll. Waits poll a
//! condition with generous bounds; nothing here depends on machine speed.

use crate::ffi_common;

use ffi_common::{last_error, open_logged_in};
use serde_json::Value;
use std::ffi::{CStr, CString, c_char, c_void};
use std::ptr::{null, null_mut};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use ultrastream::ffi::*;
use ultrastream::sim::{SimOptions, Simulator};

const BOUND: Duration = Duration::from_secs(60);

/// Events seen by the callback, shared through user_data.
#[derive(Default)]
struct Seen {
    events: Mutex<Vec<Value>>,
    /// When set, the callback tries to stop this watcher from inside.
    self_stop: Mutex<Option<usapi_watch>>,
    self_stop_code: Mutex<Option<i32>>,
    /// Return this from the callback.
    ret: Mutex<i32>,
}

unsafe extern "C" fn on_event(json: *const c_char, user_data: *mut c_void) -> i32 {
    let seen = unsafe { &*(user_data as *const Seen) };
    let text = unsafe { CStr::from_ptr(json) }
        .to_str()
        .unwrap()
        .to_string();
    let v: Value = serde_json::from_str(&text).expect("event is JSON");
    seen.events.lock().unwrap().push(v);
    if let Some(w) = *seen.self_stop.lock().unwrap() {
        let code = usapi_watch_stop(w);
        *seen.self_stop_code.lock().unwrap() = Some(code);
    }
    *seen.ret.lock().unwrap()
}

fn open(sim: &Simulator) -> usapi_device {
    open_logged_in(&sim.host())
}

/// A running watcher and the `Seen` its callback writes into, freed in
/// that order. Dropping it (at a test's end, or while a failed assertion
/// unwinds) stops the watcher before `seen` is freed: a watcher left
/// running calls back into freed memory, which corrupted the heap of the
/// whole test binary (glibc aborted it at exit).
struct Watching {
    w: usapi_watch,
    seen: Option<Box<Seen>>,
}

impl Watching {
    /// Stop the watcher (the test's own check of `usapi_watch_stop`).
    fn stop(&mut self) -> i32 {
        usapi_watch_stop(std::mem::replace(&mut self.w, 0))
    }
}

impl std::ops::Deref for Watching {
    type Target = Seen;
    fn deref(&self) -> &Seen {
        self.seen
            .as_deref()
            .expect("seen lives as long as the watcher")
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        if self.w == 0 {
            return;
        }
        // After 0 no callback runs any more. Anything else (a stop from the
        // callback's own thread): leak `seen` rather than free it under a
        // running watcher.
        if usapi_watch_stop(self.w) != 0 {
            std::mem::forget(self.seen.take());
        }
    }
}

/// Start a watcher of `devs` that records into its own `Seen`; it must
/// start.
fn start_watch(devs: &[usapi_device], opts: &usapi_watch_options) -> Watching {
    let seen = Box::new(Seen::default());
    let mut w = 0;
    let rc = unsafe {
        usapi_watch_start(
            devs.as_ptr(),
            devs.len(),
            opts,
            Some(on_event),
            &*seen as *const Seen as *mut c_void,
            &mut w,
        )
    };
    assert_eq!(rc, 0, "usapi_watch_start: {}", last_error());
    Watching {
        w,
        seen: Some(seen),
    }
}

fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < BOUND, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn events_of(seen: &Seen, dev: usapi_device, kind: &str) -> Vec<Value> {
    seen.events
        .lock()
        .unwrap()
        .iter()
        .filter(|e| e["device"] == dev && e["event"] == kind)
        .cloned()
        .collect()
}

fn stats(w: usapi_watch) -> Value {
    let mut out: *mut c_char = null_mut();
    assert_eq!(
        unsafe { usapi_watch_stats(w, &mut out) },
        0,
        "{}",
        last_error()
    );
    let s = unsafe { CStr::from_ptr(out) }.to_str().unwrap().to_string();
    unsafe { usapi_string_free(out) };
    serde_json::from_str(&s).unwrap()
}

fn device_stats(w: usapi_watch, dev: usapi_device) -> Value {
    stats(w)["devices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["device"] == dev)
        .cloned()
        .unwrap()
}

fn sim_state(sim: &Simulator) -> Value {
    serde_json::from_str(&sim.control(r#"{"cmd":"state"}"#).unwrap()).unwrap()
}

/// Start a simulator on `port` again (the old one just released it).
fn restart_on(port: u16) -> Simulator {
    let start = Instant::now();
    loop {
        match Simulator::start(SimOptions {
            port,
            ..SimOptions::default()
        }) {
            Ok(s) => return s,
            Err(e) => {
                assert!(start.elapsed() < BOUND, "cannot restart on {port}: {e}");
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
}

#[test]
fn three_devices_offline_back_changed_and_quiet_session_expiry() {
    let mut sims: Vec<Option<Simulator>> = (0..3)
        .map(|_| Some(Simulator::start(SimOptions::default()).unwrap()))
        .collect();
    let devs: Vec<usapi_device> = sims.iter().map(|s| open(s.as_ref().unwrap())).collect();
    let (a, b, c) = (devs[0], devs[1], devs[2]);
    // Each request may take a whole interval: a loaded machine's stall is
    // no failed poll, whose absence is checked below.
    let opts = usapi_watch_options {
        interval_ms: 500,
        offline_after_ms: 1500,
        timeout_ms: 500,
        ..Default::default()
    };
    let mut seen = start_watch(&devs, &opts);
    let w = seen.w;

    // Every device comes online, each event naming its handle and host.
    wait_for("3 online events", || {
        devs.iter()
            .all(|&d| events_of(&seen, d, "online").len() == 1)
    });
    for (d, s) in devs.iter().zip(&sims) {
        let e = &events_of(&seen, *d, "online")[0];
        assert_eq!(e["host"], s.as_ref().unwrap().host());
        assert_eq!(e["state"]["recording"], false);
        assert!(e["time_ms"].as_u64().unwrap() > 0);
    }

    // A recording on b: changed, with recording on.
    assert_eq!(
        unsafe { usapi_start_rec(b, null_mut()) },
        0,
        "{}",
        last_error()
    );
    wait_for("b changed recording on", || {
        events_of(&seen, b, "changed")
            .iter()
            .any(|e| e["changes"]["recording"] == true && e["previous"]["recording"] == false)
    });
    assert!(events_of(&seen, a, "changed").is_empty());
    assert!(events_of(&seen, c, "changed").is_empty());

    // a stops: offline, after offline_after_ms of silence and no later than
    // the first poll after it (silent_ms is the watcher's own measure).
    let port = sims[0].as_ref().unwrap().addr().port();
    sims[0].take().unwrap().stop();
    wait_for("a offline", || events_of(&seen, a, "offline").len() == 1);
    let off = &events_of(&seen, a, "offline")[0];
    let silent = off["silent_ms"].as_u64().unwrap();
    assert!(silent >= 1500, "offline after only {silent} ms: {off}");
    assert!(off["error"].as_str().unwrap().len() > 5, "{off}");
    assert!(events_of(&seen, b, "offline").is_empty());
    assert!(events_of(&seen, c, "offline").is_empty());

    // a restarts on the same port: back, logged in again, calls work.
    sims[0] = Some(restart_on(port));
    wait_for("a back", || events_of(&seen, a, "back").len() == 1);
    let back = &events_of(&seen, a, "back")[0];
    assert_eq!(back["state"]["recording"], false, "{back}");
    let st = sim_state(sims[0].as_ref().unwrap());
    assert_eq!(st["sessions"], 1, "the watcher logged in again: {st}");
    let mut out: *mut c_char = null_mut();
    assert_eq!(
        unsafe { usapi_get_status(a, &mut out) },
        0,
        "{}",
        last_error()
    );
    unsafe { usapi_string_free(out) };

    // Quiet phase: stop b's recording (its free space moves while it
    // records), wait for that event, then expire every session.
    assert_eq!(
        unsafe { usapi_stop_rec(b, null_mut()) },
        0,
        "{}",
        last_error()
    );
    wait_for("b changed recording off", || {
        events_of(&seen, b, "changed")
            .iter()
            .any(|e| e["changes"]["recording"] == false)
    });
    let count = seen.events.lock().unwrap().len();
    let before: Vec<Value> = devs.iter().map(|&d| device_stats(w, d)).collect();
    for s in &sims {
        let r: Value = serde_json::from_str(
            &s.as_ref()
                .unwrap()
                .control(r#"{"cmd":"expire-sessions"}"#)
                .unwrap(),
        )
        .unwrap();
        assert_eq!(r["expired"], 1, "{r}");
    }
    // Each device polled at least 5 more times: each re-logged in.
    wait_for("5 polls each after the expiry", || {
        devs.iter().zip(&before).all(|(&d, b0)| {
            device_stats(w, d)["polls"].as_u64().unwrap() >= b0["polls"].as_u64().unwrap() + 5
        })
    });
    for (s, (&d, b0)) in sims.iter().zip(devs.iter().zip(&before)) {
        let now = device_stats(w, d);
        assert_eq!(
            now["failed"], b0["failed"],
            "a failed poll after session expiry: {now}"
        );
        assert_eq!(now["state"], "online");
        assert_eq!(sim_state(s.as_ref().unwrap())["sessions"], 1);
    }
    let events = seen.events.lock().unwrap()[count..].to_vec();
    assert!(events.is_empty(), "events after session expiry: {events:?}");

    assert_eq!(seen.stop(), 0, "{}", last_error());
    assert_eq!(usapi_watch_stop(w), USAPI_E_INVALID_HANDLE);
    // No callback after stop returned.
    let n = seen.events.lock().unwrap().len();
    assert_eq!(unsafe { usapi_start_rec(c, null_mut()) }, 0);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(seen.events.lock().unwrap().len(), n);
    for d in devs {
        assert_eq!(usapi_device_close(d), 0);
    }
}

#[test]
fn a_device_that_stops_answering_costs_the_others_no_poll() {
    let sims: Vec<Simulator> = (0..4)
        .map(|_| Simulator::start(SimOptions::default()).unwrap())
        .collect();
    let devs: Vec<usapi_device> = sims.iter().map(open).collect();
    // Two workers (ignored now: one reactor polls every device; with the
    // old pool, one worker waited on the silent device). Each request may
    // take a whole interval: a loaded machine's stall is no failed poll,
    // whose absence is checked below.
    let opts = usapi_watch_options {
        interval_ms: 1000,
        offline_after_ms: 3000,
        timeout_ms: 1000,
        workers: 2,
        ..Default::default()
    };
    let mut seen = start_watch(&devs, &opts);
    let w = seen.w;
    wait_for("4 online", || {
        devs.iter()
            .all(|&d| events_of(&seen, d, "online").len() == 1)
    });
    // Device 0 keeps its connections open and never answers again.
    sims[0]
        .control(r#"{"cmd":"fault","method":"*","kind":"no-answer","count":0}"#)
        .unwrap();
    wait_for("0 offline", || {
        events_of(&seen, devs[0], "offline").len() == 1
    });
    // The others keep their cadence and see a change on 3.
    let before: Vec<u64> = devs
        .iter()
        .map(|&d| device_stats(w, d)["polls"].as_u64().unwrap())
        .collect();
    sims[3]
        .control(r#"{"cmd":"set-signal","present":false}"#)
        .unwrap();
    wait_for("3 changed input signal", || {
        events_of(&seen, devs[3], "changed")
            .iter()
            .any(|e| e["changes"]["input-signal"]["status"] == 0)
    });
    wait_for("8 more polls of each live device", || {
        (1..4).all(|i| device_stats(w, devs[i])["polls"].as_u64().unwrap() >= before[i] + 8)
    });
    for &d in &devs[1..] {
        let s = device_stats(w, d);
        assert_eq!(s["failed"], 0, "{s}");
        assert!(events_of(&seen, d, "offline").is_empty());
    }
    // The silent device is probed less and less often (backoff), forever.
    let dead = device_stats(w, devs[0]);
    assert_eq!(dead["state"], "offline");
    let live = device_stats(w, devs[1]);
    assert!(
        dead["polls"].as_u64().unwrap() < live["polls"].as_u64().unwrap(),
        "{dead} vs {live}"
    );
    sims[0].control(r#"{"cmd":"clear-faults"}"#).unwrap();
    wait_for("0 back", || events_of(&seen, devs[0], "back").len() == 1);
    assert_eq!(seen.stop(), 0);
    for d in devs {
        usapi_device_close(d);
    }
}

#[test]
fn callbacks_may_not_stop_their_own_watcher_but_may_end_it() {
    let sim = Simulator::start(SimOptions::default()).unwrap();
    let dev = open(&sim);
    let opts = usapi_watch_options {
        interval_ms: 50,
        ..Default::default()
    };
    let mut seen = start_watch(&[dev], &opts);
    wait_for("the online event", || {
        !seen.events.lock().unwrap().is_empty()
    });
    // From now on the callback tries to stop its own watcher, then returns
    // non-zero; a change gives it an event to do that in.
    *seen.self_stop.lock().unwrap() = Some(seen.w);
    *seen.ret.lock().unwrap() = 1;
    sim.control(r#"{"cmd":"set-signal","present":false}"#)
        .unwrap();
    wait_for("the self-stop attempt", || {
        seen.self_stop_code.lock().unwrap().is_some()
    });
    assert_eq!(*seen.self_stop_code.lock().unwrap(), Some(USAPI_E_WATCH));
    // Non-zero ended the events: a change now gives none.
    let n = seen.events.lock().unwrap().len();
    sim.control(r#"{"cmd":"set-signal","present":true}"#)
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(seen.events.lock().unwrap().len(), n);
    assert_eq!(seen.stop(), 0, "{}", last_error());
    usapi_device_close(dev);
}

#[test]
fn bad_arguments_are_reported() {
    let sim = Simulator::start(SimOptions::default()).unwrap();
    let dev = open(&sim);
    let mut w = 0;
    unsafe {
        assert_eq!(
            usapi_watch_start(&dev, 1, null(), None, null_mut(), &mut w),
            USAPI_E_NULL_ARGUMENT
        );
        assert_eq!(
            usapi_watch_start(null(), 1, null(), Some(on_event), null_mut(), &mut w),
            USAPI_E_NULL_ARGUMENT
        );
        assert_eq!(
            usapi_watch_start(&dev, 0, null(), Some(on_event), null_mut(), &mut w),
            USAPI_E_INVALID_ARGUMENT
        );
        assert_eq!(
            usapi_watch_start(&dev, usize::MAX, null(), Some(on_event), null_mut(), &mut w),
            USAPI_E_INVALID_ARGUMENT,
            "a count beyond the array is refused before it is read"
        );
        // Generation u32::MAX of this slot: no test's handle (a flipped
        // bit could name another test's live device in this parallel suite).
        let stale = (dev & 0xffff_ffff) | (u64::from(u32::MAX) << 32);
        assert_eq!(
            usapi_watch_start(&stale, 1, null(), Some(on_event), null_mut(), &mut w),
            USAPI_E_INVALID_HANDLE
        );
        let fast = usapi_watch_options {
            interval_ms: 5,
            ..Default::default()
        };
        assert_eq!(
            usapi_watch_start(&dev, 1, &fast, Some(on_event), null_mut(), &mut w),
            USAPI_E_INVALID_ARGUMENT
        );
        assert!(last_error().contains("interval"));
    }
    assert_eq!(w, 0, "out_watch is written only on success");
    assert_eq!(usapi_watch_stop(0), USAPI_E_INVALID_HANDLE);
    usapi_device_close(dev);
}

/// One watched device with a 250 ms interval, for the event-kind tests.
/// Each request may take the whole interval: a login that timed out under
/// load was sent again, and the device then held two sessions.
fn watch_one(sim: &Simulator) -> (usapi_device, Watching) {
    let dev = open(sim);
    let opts = usapi_watch_options {
        interval_ms: 250,
        offline_after_ms: 60_000,
        timeout_ms: 250,
        max_backoff_ms: 250,
        ..Default::default()
    };
    let seen = start_watch(&[dev], &opts);
    wait_for("online", || events_of(&seen, dev, "online").len() == 1);
    (dev, seen)
}

#[test]
fn wrong_stored_password_gives_auth_failed_then_back() {
    let sim = Simulator::start(SimOptions::default()).unwrap();
    let (dev, mut seen) = watch_one(&sim);
    // Another client changes the password; the watched handle's session ends.
    let other = ultrastream::Device::connect(&sim.host(), Default::default()).unwrap();
    other.login("Admin", "Admin").unwrap();
    other.ch_password("Admin", "Changed1").unwrap();
    sim.control(r#"{"cmd":"expire-sessions"}"#).unwrap();
    wait_for("auth-failed", || {
        events_of(&seen, dev, "auth-failed").len() == 1
    });
    let e = &events_of(&seen, dev, "auth-failed")[0];
    assert_eq!(e["code"], -1, "{e}");
    let text = e.to_string();
    assert!(
        !text.contains(&ultrastream::md5_hex("Admin")) && !text.contains("Admin\""),
        "no credential in events: {text}"
    );
    // The password comes back: the watcher, retrying, logs in again.
    other.ch_password("Changed1", "Admin").unwrap();
    wait_for("back", || events_of(&seen, dev, "back").len() == 1);
    assert_eq!(
        events_of(&seen, dev, "auth-failed").len(),
        1,
        "one event per episode"
    );
    assert_eq!(seen.stop(), 0);
    usapi_device_close(dev);
}

#[test]
fn both_sessions_taken_gives_occupied_then_back() {
    let sim = Simulator::start(SimOptions::default()).unwrap();
    let (dev, mut seen) = watch_one(&sim);
    let x = ultrastream::Device::connect(&sim.host(), Default::default()).unwrap();
    let y = ultrastream::Device::connect(&sim.host(), Default::default()).unwrap();
    // Expire every session and let x and y take both slots before the
    // watcher logs in again (retry if the watcher was quicker).
    let start = Instant::now();
    loop {
        sim.control(r#"{"cmd":"expire-sessions"}"#).unwrap();
        if x.login("Admin", "Admin").is_ok() && y.login("Admin", "Admin").is_ok() {
            break;
        }
        assert!(start.elapsed() < BOUND, "x and y never got both sessions");
    }
    wait_for("occupied", || events_of(&seen, dev, "occupied").len() == 1);
    assert_eq!(events_of(&seen, dev, "occupied")[0]["code"], -2);
    y.logout().unwrap();
    wait_for("back", || events_of(&seen, dev, "back").len() == 1);
    let mut out: *mut c_char = null_mut();
    assert_eq!(
        unsafe { usapi_get_status(dev, &mut out) },
        0,
        "{}",
        last_error()
    );
    unsafe { usapi_string_free(out) };
    assert_eq!(seen.stop(), 0);
    usapi_device_close(dev);
}

#[test]
fn a_reboot_gives_rebooting_then_back() {
    // Device time runs slowly, so the short "stopping" phase of the reboot
    // (500 ms of device time) lasts 10 s of wall time: the watcher sees the
    // reboot bit however loaded the machine is; then the clock jumps.
    let sim = Simulator::start(SimOptions {
        time_scale: 0.05,
        ..SimOptions::default()
    })
    .unwrap();
    let (dev, mut seen) = watch_one(&sim);
    let boots = sim_state(&sim)["boots"].as_u64().unwrap();
    assert_eq!(
        unsafe { usapi_reboot(dev, null_mut()) },
        0,
        "{}",
        last_error()
    );
    wait_for("rebooting", || {
        events_of(&seen, dev, "rebooting").len() == 1
    });
    assert_eq!(events_of(&seen, dev, "rebooting")[0]["operation"], "reboot");
    sim.control(r#"{"cmd":"advance","ms":10000}"#).unwrap();
    wait_for("back", || events_of(&seen, dev, "back").len() == 1);
    let st = sim_state(&sim);
    assert_eq!(st["boots"], boots + 1, "{st}");
    assert_eq!(st["sessions"], 1, "logged in again after the reboot: {st}");
    assert_eq!(seen.stop(), 0);
    usapi_device_close(dev);
}

#[test]
fn a_handle_without_login_is_watched_with_ping() {
    let sim = Simulator::start(SimOptions::default()).unwrap();
    let host = CString::new(sim.host()).unwrap();
    let mut dev = 0;
    assert_eq!(
        unsafe { usapi_device_open(host.as_ptr(), null(), &mut dev) },
        0
    );
    let opts = usapi_watch_options {
        interval_ms: 100,
        ..Default::default()
    };
    let mut seen = start_watch(&[dev], &opts);
    wait_for("online", || events_of(&seen, dev, "online").len() == 1);
    let state = events_of(&seen, dev, "online")[0]["state"].clone();
    let keys: Vec<&str> = state
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    assert_eq!(keys, ["recording", "live", "operations"], "{state}");
    // Recording shows in the mask that ping reports.
    let other = ultrastream::Device::connect(&sim.host(), Default::default()).unwrap();
    other.login("Admin", "Admin").unwrap();
    other.start_rec().unwrap();
    wait_for("changed recording", || {
        events_of(&seen, dev, "changed")
            .iter()
            .any(|e| e["changes"]["recording"] == true)
    });
    assert!(events_of(&seen, dev, "auth-failed").is_empty());
    assert_eq!(seen.stop(), 0);
    usapi_device_close(dev);
}

/// A failed assertion in a watching test unwinds through `Watching`, which
/// stops the watcher before its `Seen` is freed: after the unwinding the
/// handle is gone (so no callback can write into the freed `Seen`).
#[test]
fn a_failing_watch_test_stops_its_watcher_before_freeing_its_events() {
    let sim = Simulator::start(SimOptions::default()).unwrap();
    let dev = open(&sim);
    let opts = usapi_watch_options {
        interval_ms: 20,
        ..Default::default()
    };
    let mut w = 0;
    let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let seen = start_watch(&[dev], &opts);
        w = seen.w;
        wait_for("online", || events_of(&seen, dev, "online").len() == 1);
        panic!("a failing assertion (on purpose: the guard's test)");
    }));
    assert!(unwound.is_err());
    assert_ne!(w, 0);
    assert_eq!(
        usapi_watch_stop(w),
        USAPI_E_INVALID_HANDLE,
        "the watcher still ran after its test failed"
    );
    usapi_device_close(dev);
}
