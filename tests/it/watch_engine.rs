//! The watcher on the fleet engine: a silent device costs a timer and a
//! socket, not a thread, and many silent devices delay no healthy one.
//! Silent devices are a listener that accepts and never answers. Waits
//! poll a condition with generous bounds; the lag bound is several
//! intervals wide (the old worker pool lagged by the silent devices'
//! timeouts times their number over its workers: seconds here).

use crate::harness::alone;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use ultrastream::sim::{SimOptions, Simulator};
use ultrastream::watch::{Watch, WatchOptions};
use ultrastream::{Device, Options};

const BOUND: Duration = Duration::from_secs(60);

/// A host that accepts connections and never answers; they stay open.
fn silent_host() -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let host = l.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in l.incoming().flatten() {
            held.push(s);
        }
    });
    host
}

/// Names of this process's threads that belong to watchers.
fn watcher_threads() -> Vec<String> {
    std::fs::read_dir("/proc/self/task")
        .expect("/proc/self/task (Linux) lists this process's threads")
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .map(|n| n.trim().to_string())
        .filter(|n| n.starts_with("usapi-watch"))
        .collect()
}

fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let t0 = Instant::now();
    while !cond() {
        assert!(t0.elapsed() < BOUND, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn count(events: &Mutex<Vec<serde_json::Value>>, kind: &str) -> usize {
    events
        .lock()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == kind)
        .count()
}

#[test]
fn silent_devices_cost_timers_not_threads_and_delay_no_healthy_one() {
    alone!(silent_devices_cost_timers_not_threads_and_delay_no_healthy_one);
    let sims: Vec<Simulator> = (0..3)
        .map(|_| Simulator::start(SimOptions::default()).unwrap())
        .collect();
    let silent = silent_host();
    let mut devices: Vec<(u64, Arc<Device>)> = Vec::new();
    for (i, s) in sims.iter().enumerate() {
        let d = Device::connect(&s.host(), Options::default()).unwrap();
        d.login("Admin", "Admin").unwrap();
        devices.push((i as u64, Arc::new(d)));
    }
    const SILENT: u64 = 150;
    for i in 0..SILENT {
        let d = Device::connect(&silent, Options::default()).unwrap();
        devices.push((100 + i, Arc::new(d)));
    }
    let events = Arc::new(Mutex::new(Vec::new()));
    let ev = events.clone();
    // Generous bounds: a loaded machine may answer a healthy poll late,
    // which must not look like the silent devices.
    let interval = Duration::from_millis(500);
    let offline_after = Duration::from_millis(1500);
    let w = Watch::start(
        devices,
        WatchOptions {
            interval,
            offline_after,
            timeout: Some(Duration::from_millis(500)),
            workers: 8, // ignored
            ..Default::default()
        },
        move |e| ev.lock().unwrap().push(serde_json::from_str(e).unwrap()),
    )
    .unwrap();
    wait_for("every silent device offline", || {
        count(&events, "offline") == SILENT as usize
    });
    // The engine thread and the event thread, whatever the fleet.
    let mut names = watcher_threads();
    names.sort();
    assert_eq!(names, ["usapi-watch", "usapi-watch-eve"], "{names:?}");
    for e in events.lock().unwrap().iter() {
        if e["event"] == "offline" {
            assert!(e["device"].as_u64().unwrap() >= 100, "{e}");
            assert!(e["silent_ms"].as_u64().unwrap() >= 1500, "{e}");
        }
    }
    // Healthy devices keep their cadence beside the silent ones.
    wait_for("ten polls of each healthy device", || {
        w.stats().iter().take(3).all(|s| s.polls >= 10)
    });
    for s in w.stats().iter().take(3) {
        assert_eq!(s.state, "online", "{s:?}");
        assert!(s.failed < s.polls / 2, "{s:?}");
        assert!(s.max_lag < interval * 3, "{s:?}");
    }
    assert_eq!(count(&events, "online"), 3);
    w.stop().unwrap();
}
