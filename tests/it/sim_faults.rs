//! Injected faults: the client returns the right error within its timeout,
//! and the next call works.
//!
//! Timing assertions compare with the client's timeout only (a lower bound
//! is exact: wall time only moves forward; an upper bound gets `SLACK`, far
//! more than a loaded machine adds, far less than a hang), so they hold
//! with other work loading every core.

use crate::sim_support;

use sim_support::*;
use std::time::{Duration, Instant};
use ultrastream::sim::Simulator;
use ultrastream::{Device, Error, Options};

const TIMEOUT: Duration = Duration::from_secs(2);
/// What a loaded machine may add to a timeout before the client returns.
const SLACK: Duration = Duration::from_secs(5);

/// A logged-in client with a short request timeout.
fn client(sim: &Simulator) -> Device {
    let d = Device::connect(
        &sim.host(),
        Options {
            request_timeout: TIMEOUT,
            connect_timeout: Duration::from_secs(1),
            ..Default::default()
        },
    )
    .unwrap();
    d.login("Admin", "Admin").unwrap();
    d
}

fn fault(sim: &Simulator, method: &str, kind: &str) {
    ctl(
        sim,
        &format!(r#"{{"cmd":"fault","method":"{method}","kind":"{kind}"}}"#),
    );
}

/// Run `f`, returning its result and how long it took.
fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed())
}

fn assert_recovers(sim: &Simulator, d: &Device) {
    let (r, took) = timed(|| d.get_status());
    assert_eq!(r.unwrap().result, 0, "the next call works");
    assert!(took < TIMEOUT, "without waiting out a timeout: {took:?}");
    assert!(
        state(sim)["faults"].as_array().unwrap().is_empty(),
        "a count-1 fault is used up"
    );
}

#[test]
fn latency_delays_the_answer() {
    let sim = sim();
    let d = client(&sim);
    ctl(
        &sim,
        r#"{"cmd":"fault","method":"get-status","kind":"latency","ms":300}"#,
    );
    let (r, took) = timed(|| d.get_status());
    // Answered (so within the timeout), and late.
    assert_eq!(r.unwrap().result, 0);
    assert!(took >= Duration::from_millis(300), "{took:?}");
    assert_recovers(&sim, &d);
    // Longer than the client's timeout: a timeout.
    ctl(
        &sim,
        r#"{"cmd":"fault","method":"get-settings","kind":"latency","ms":30000}"#,
    );
    let (r, took) = timed(|| d.get_settings());
    assert!(matches!(r, Err(Error::Timeout(_))), "{r:?}");
    assert!(took < TIMEOUT + SLACK, "{took:?}");
    assert_recovers(&sim, &d);
}

#[test]
fn no_answer_is_a_timeout() {
    let sim = sim();
    let d = client(&sim);
    fault(&sim, "set-name", "no-answer");
    let (r, took) = timed(|| d.set_name("Never Seen"));
    assert!(matches!(r, Err(Error::Timeout(_))), "{r:?}");
    assert!(
        took >= TIMEOUT - Duration::from_millis(50) && took < TIMEOUT + SLACK,
        "{took:?}"
    );
    assert_ne!(
        settings(&d)["name"],
        "Never Seen",
        "the request was not carried out"
    );
    assert_recovers(&sim, &d);
}

#[test]
fn reset_mid_reply_is_an_io_error() {
    let sim = sim();
    let d = client(&sim);
    fault(&sim, "set-name", "reset");
    let (r, took) = timed(|| d.set_name("Reset Name"));
    assert!(
        matches!(r, Err(Error::Io(_) | Error::BadReply { .. })),
        "{r:?}"
    );
    assert!(took < TIMEOUT, "{took:?}");
    assert_eq!(
        settings(&d)["name"],
        "Reset Name",
        "the device did it; only the reply was lost"
    );
    assert_recovers(&sim, &d);
    // On the wire: part of the reply, then a reset.
    fault(&sim, "ping", "reset");
    let mut c = Raw::connect(&sim);
    c.send(b"GET /usapi?method=ping HTTP/1.1\r\n\r\n");
    assert!(c.read_reply().is_none(), "an incomplete reply");
}

#[test]
fn truncated_body_is_an_io_error() {
    let sim = sim();
    let d = client(&sim);
    fault(&sim, "get-info", "truncate");
    let (r, took) = timed(|| d.get_info());
    assert!(
        matches!(r, Err(Error::Io(_) | Error::BadReply { .. })),
        "{r:?}"
    );
    assert!(took < TIMEOUT, "{took:?}");
    assert_recovers(&sim, &d);
}

#[test]
fn non_json_is_a_bad_reply() {
    let sim = sim();
    let d = client(&sim);
    fault(&sim, "set-name", "non-json");
    let r = d.set_name("Html Name");
    assert!(matches!(r, Err(Error::BadReply { .. })), "{r:?}");
    assert_ne!(settings(&d)["name"], "Html Name", "the method did not run");
    assert_recovers(&sim, &d);
}

#[test]
fn http_500_is_an_http_status_error() {
    let sim = sim();
    let d = client(&sim);
    fault(&sim, "start-rec", "http-500");
    let r = d.start_rec();
    assert!(
        matches!(r, Err(Error::HttpStatus { status: 500, .. })),
        "{r:?}"
    );
    assert_eq!(state(&sim)["recording"], false);
    assert_recovers(&sim, &d);
}

#[test]
fn oversized_is_too_large() {
    let sim = sim();
    let d = client(&sim);
    fault(&sim, "get-status", "oversized");
    let (r, took) = timed(|| d.get_status());
    assert!(matches!(r, Err(Error::TooLarge { .. })), "{r:?}");
    assert!(took < TIMEOUT, "{took:?}");
    assert_recovers(&sim, &d);
    // Over 8 MiB on the wire.
    fault(&sim, "ping", "oversized");
    let r = get(&sim, "/usapi?method=ping", "");
    assert_eq!(r.status, 200);
    assert!(r.body.len() > 8 << 20);
    assert_eq!(r.result(), 0);
}

#[test]
fn reboot_now_instead_of_answering() {
    let sim = sim();
    let d = client(&sim);
    fault(&sim, "get-settings", "reboot");
    let (r, took) = timed(|| d.get_settings());
    assert!(
        matches!(
            r,
            Err(Error::Io(_) | Error::Connect(_) | Error::BadReply { .. } | Error::Timeout(_))
        ),
        "{r:?}"
    );
    assert!(took < TIMEOUT + SLACK, "{took:?}");
    let st = state(&sim);
    assert_eq!(
        (st["power"].as_str(), st["sessions"].as_u64()),
        (Some("down-reboot"), Some(0))
    );
    assert!(d.ping().is_err(), "still down");
    advance(&sim, 5_000);
    assert_eq!(d.ping().unwrap().result, 0);
    assert_eq!(
        d.get_settings().unwrap().result,
        0,
        "the client logs in again"
    );
}

#[test]
fn counts_wildcards_and_clearing() {
    let sim = sim();
    let d = client(&sim);
    ctl(
        &sim,
        r#"{"cmd":"fault","method":"*","kind":"http-500","count":2}"#,
    );
    assert!(d.ping().is_err());
    assert!(d.get_info().is_err());
    assert_eq!(d.ping().unwrap().result, 0, "used up after two");
    // count 0: until cleared.
    ctl(
        &sim,
        r#"{"cmd":"fault","method":"get-info","kind":"non-json","count":0}"#,
    );
    for _ in 0..5 {
        assert!(matches!(d.get_info(), Err(Error::BadReply { .. })));
    }
    assert_eq!(d.ping().unwrap().result, 0, "other methods are unaffected");
    assert_eq!(
        state(&sim)["faults"][0]["remaining"],
        serde_json::Value::Null
    );
    ctl(&sim, r#"{"cmd":"clear-faults"}"#);
    assert!(d.get_info().is_ok());
    // Latency adds to another fault.
    ctl(
        &sim,
        r#"{"cmd":"fault","method":"ping","kind":"latency","ms":200}"#,
    );
    ctl(&sim, r#"{"cmd":"fault","method":"ping","kind":"http-500"}"#);
    let (r, took) = timed(|| d.ping());
    assert!(
        matches!(r, Err(Error::HttpStatus { status: 500, .. })),
        "{r:?}"
    );
    assert!(took >= Duration::from_millis(200), "{took:?}");
    // Faults also hit login, and the client reports them.
    fault(&sim, "login", "http-500");
    let other = Device::connect(&sim.host(), Options::default()).unwrap();
    assert!(matches!(
        other.login("Admin", "Admin"),
        Err(Error::HttpStatus { status: 500, .. })
    ));
    other.login("Admin", "Admin").unwrap();
}

#[test]
fn faults_set_over_http() {
    let sim = sim();
    let r = get(
        &sim,
        "/__sim/control?cmd=fault&method=ping&kind=http-500&count=1",
        "",
    );
    assert_eq!(r.json()["ok"], true);
    assert_eq!(get(&sim, "/usapi?method=ping", "").status, 500);
    assert_eq!(get(&sim, "/usapi?method=ping", "").status, 200);
    let r = get(
        &sim,
        "/__sim/control?cmd=fault&method=ping&kind=latency&ms=150",
        "",
    );
    assert_eq!(r.json()["ok"], true);
    let (_, took) = timed(|| get(&sim, "/usapi?method=ping", ""));
    assert!(took >= Duration::from_millis(150));
}
