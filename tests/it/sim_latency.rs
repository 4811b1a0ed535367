//! The simulator's configured latency (issue 17): every API request is
//! answered late, from Rust options, the C ABI's JSON options and the
//! `ultrastream-sim --latency MS[:JITTER]` program; a late answer holds up
//! only its own request. Only lower bounds on time are asserted, plus one
//! generous upper bound that a serialising server could not meet.

use crate::sim_support::SimProgram;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};
use ultrastream::sim::{SimOptions, Simulator};

/// One `ping` on a fresh connection; how long the answer took.
fn timed_ping(host: &str) -> Duration {
    let t = Instant::now();
    let mut s = TcpStream::connect(host).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(
        s,
        "GET /usapi?method=ping HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).expect("read the answer");
    assert!(out.contains("\"result\":0"), "{out}");
    t.elapsed()
}

#[test]
fn every_request_waits_and_only_its_own_connection_waits() {
    let sim = Simulator::start(SimOptions {
        latency: Duration::from_millis(1000),
        ..SimOptions::default()
    })
    .expect("simulator starts");
    let host = sim.host();
    assert!(timed_ping(&host) >= Duration::from_millis(1000));
    // Ten requests at once: one after another would take 10 s or more.
    let t = Instant::now();
    let threads: Vec<_> = (0..10)
        .map(|_| {
            let h = host.clone();
            std::thread::spawn(move || timed_ping(&h))
        })
        .collect();
    for th in threads {
        assert!(th.join().unwrap() >= Duration::from_millis(1000));
    }
    assert!(
        t.elapsed() < Duration::from_secs(8),
        "10 concurrent requests took {:?}: the latency serialises connections",
        t.elapsed()
    );
    // The client library sees the same: a call through Device is late too.
    let dev = ultrastream::Device::connect(&host, Default::default()).unwrap();
    let t = Instant::now();
    dev.login("Admin", "Admin").unwrap();
    assert!(t.elapsed() >= Duration::from_millis(1000));
}

#[test]
fn json_options_name_the_latency_and_refuse_bad_values() {
    let o = SimOptions::from_json(r#"{"latency_ms":120,"latency_jitter_ms":30}"#).unwrap();
    assert_eq!(o.latency, Duration::from_millis(120));
    assert_eq!(o.latency_jitter, Duration::from_millis(30));
    for (bad, needle) in [
        (
            r#"{"latency_ms":-1}"#,
            "'latency_ms' must be a non-negative integer",
        ),
        (
            r#"{"latency_jitter_ms":"x"}"#,
            "'latency_jitter_ms' must be",
        ),
    ] {
        let e = SimOptions::from_json(bad).unwrap_err().to_string();
        assert!(e.contains(needle), "{bad}: {e}");
    }
    let e = Simulator::start(SimOptions {
        latency: Duration::from_secs(3600),
        ..SimOptions::default()
    })
    .err()
    .expect("an hour of latency is refused");
    assert!(e.to_string().contains("at most 600 s"), "{e}");
}

#[test]
fn c_json_options_set_the_latency() {
    use std::ffi::CString;
    use ultrastream::ffi::*;
    let opts = CString::new(r#"{"latency_ms":400}"#).unwrap();
    let mut h: usapi_sim = 0;
    // SAFETY: valid NUL-terminated options and out-pointer.
    assert_eq!(unsafe { usapi_sim_start(opts.as_ptr(), &mut h) }, 0);
    let mut port = 0u16;
    // SAFETY: a live handle and a valid out-pointer.
    assert_eq!(unsafe { usapi_sim_port(h, &mut port) }, 0);
    assert!(timed_ping(&format!("127.0.0.1:{port}")) >= Duration::from_millis(400));
    assert_eq!(usapi_sim_stop(h), 0);
}

#[test]
fn the_program_serves_a_fleet_with_latency_and_jitter() {
    let program = SimProgram::start(&["--count", "3", "--latency", "300:100"]);
    let hosts = program.hosts(3);
    let mut took = Vec::new();
    for h in &hosts {
        for _ in 0..3 {
            took.push(timed_ping(h));
        }
    }
    drop(program);
    // 300 ms minus at most 100 ms of jitter, on every device.
    assert!(
        took.iter().all(|t| *t >= Duration::from_millis(200)),
        "{took:?}"
    );
}

#[test]
fn the_program_refuses_a_malformed_latency() {
    for bad in ["abc", "100:", "-5", "100:x", "700000"] {
        let out = Command::new(env!("CARGO_BIN_EXE_ultrastream-sim"))
            .args(["--latency", bad])
            .output()
            .expect("run ultrastream-sim");
        assert_eq!(out.status.code(), Some(2), "--latency {bad}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("--latency") && err.contains("MS:JITTER"),
            "{err}"
        );
    }
}
