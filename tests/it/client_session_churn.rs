//! Re-login under churn: 8 threads share one handle while the simulator
//! ends every session each 100 ms (its `expire-sessions` control command),
//! 120 times. With credentials stored, no call may come back -17, and the
//! re-logins stay bounded. (A load test counted in expiries, not a timed
//! assertion: nothing here depends on how fast the machine is; an idle
//! machine takes about 13 s, a loaded one longer, up to a 120 s bound.)
//! Between two expiries every thread finishes the call it had in flight:
//! one transparent re-login and one retry is the contract, and a retry that
//! a second expiry hits is a legitimate -17, which a loaded machine (a
//! thread descheduled between its re-login and its retry) would otherwise
//! produce.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};
use ultrastream::sim::{SimOptions, Simulator};
use ultrastream::{Device, Options};

#[test]
fn eight_threads_sessions_expired_every_100_ms_never_see_minus_17() {
    let sim = Arc::new(Simulator::start(SimOptions::default()).unwrap());
    let dev = Arc::new(Device::connect(&sim.host(), Options::default()).unwrap());
    dev.login("Admin", "Admin").unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let calls = Arc::new(AtomicU64::new(0));
    let expiries = Arc::new(AtomicU64::new(0));
    // Calls each thread has finished.
    let done: Arc<Vec<AtomicU64>> = Arc::new((0..8).map(|_| AtomicU64::new(0)).collect());
    let churn = {
        let (sim, stop, expiries, done) =
            (sim.clone(), stop.clone(), expiries.clone(), done.clone());
        thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                thread::sleep(Duration::from_millis(100));
                sim.control(r#"{"cmd":"expire-sessions"}"#).unwrap();
                expiries.fetch_add(1, Ordering::SeqCst);
                // Wait (bounded) until every thread has finished the call
                // in flight and one more: no call spans two expiries.
                let snap: Vec<u64> = done.iter().map(|d| d.load(Ordering::SeqCst)).collect();
                let until = Instant::now() + Duration::from_secs(60);
                while !stop.load(Ordering::SeqCst)
                    && done
                        .iter()
                        .zip(&snap)
                        .any(|(d, s)| d.load(Ordering::SeqCst) < s + 2)
                {
                    assert!(Instant::now() < until, "a worker made no progress for 60 s");
                    thread::sleep(Duration::from_millis(1));
                }
            }
        })
    };
    let workers: Vec<_> = (0..8)
        .map(|t| {
            let (dev, stop, calls, done) = (dev.clone(), stop.clone(), calls.clone(), done.clone());
            thread::spawn(move || {
                let mut failures: Vec<String> = Vec::new();
                let mut i = 0u64;
                while !stop.load(Ordering::SeqCst) {
                    // Reads and a state-changing call alike.
                    let r = match (t + i) % 3 {
                        0 => dev.get_status().map(|_| ()),
                        1 => dev.call("get-settings", &[]).map(|_| ()),
                        _ => dev.set_name(&format!("Churn {t}")).map(|_| ()),
                    };
                    if let Err(e) = r {
                        failures.push(format!("thread {t} call {i}: {} ({e})", e.code()));
                    }
                    i += 1;
                    calls.fetch_add(1, Ordering::SeqCst);
                    done[t as usize].fetch_add(1, Ordering::SeqCst);
                }
                failures
            })
        })
        .collect();
    // A count of expiries, not a duration: the same churn on any machine.
    const EXPIRIES: u64 = 120;
    let started = Instant::now();
    while expiries.load(Ordering::SeqCst) < EXPIRIES {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "only {} of {EXPIRIES} expiries in 120 s",
            expiries.load(Ordering::SeqCst)
        );
        thread::sleep(Duration::from_millis(20));
    }
    stop.store(true, Ordering::SeqCst);
    let mut failures = Vec::new();
    for w in workers {
        failures.extend(w.join().unwrap());
    }
    churn.join().unwrap();
    let n = calls.load(Ordering::SeqCst);
    let e = expiries.load(Ordering::SeqCst);
    assert!(
        failures.is_empty(),
        "{} of {n} calls failed, e.g. {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
    assert!(e >= EXPIRIES, "the sessions were expired {e} times");
    assert!(n >= 200, "only {n} calls ran");
    // The handle still holds a working session, and only one.
    dev.get_status().unwrap();
    let st: serde_json::Value =
        serde_json::from_str(&sim.control(r#"{"cmd":"state"}"#).unwrap()).unwrap();
    let sessions = &st["sessions"];
    let count = sessions
        .as_array()
        .map(|a| a.len())
        .or_else(|| sessions.as_object().map(|o| o.len()))
        .or_else(|| sessions.as_u64().map(|n| n as usize));
    assert!(count.is_none_or(|c| c <= 1), "sessions: {sessions}");
    eprintln!("{n} calls, {e} expiries, 0 failures");
}
