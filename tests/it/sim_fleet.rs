//! `sim::Fleet` and `ultrastream-sim --fleet` (issue 17): many devices on a
//! few event-loop threads, each its own device, each reply sent when its
//! latency has passed without holding up the others.

use crate::sim_support::SimProgram;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};
use ultrastream::Device;
use ultrastream::engine::{CallManyOptions, call_many};
use ultrastream::sim::{Fleet, SimOptions};

fn raw(host: &str, request: &str) -> String {
    let mut s = TcpStream::connect(host).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

#[test]
fn a_fleet_of_devices_answers_concurrently_late_and_independently() {
    let fleet = Fleet::start(
        300,
        SimOptions {
            latency: Duration::from_millis(300),
            ..SimOptions::default()
        },
        2,
    )
    .expect("fleet starts");
    assert_eq!(fleet.len(), 300);
    let devs: Vec<Arc<Device>> = fleet
        .addrs()
        .iter()
        .map(|a| Arc::new(Device::connect(&a.to_string(), Default::default()).unwrap()))
        .collect();
    let opts = CallManyOptions {
        max_in_flight: 300,
        timeout: Some(Duration::from_secs(60)),
    };
    let md5 = ultrastream::md5_hex("Admin");
    let mut ok = 0;
    let t0 = Instant::now();
    call_many(
        &devs,
        "login",
        &[("id", "Admin"), ("pass", &md5)],
        &opts,
        &mut |r| {
            ok += usize::from(r.result.is_ok());
        },
    )
    .unwrap();
    assert_eq!(ok, 300);
    eprintln!("logins took {:?}", t0.elapsed());
    // 300 devices x 300 ms one after another would be 90 s.
    let t = Instant::now();
    let mut names = 0;
    call_many(
        &devs,
        "set-name",
        &[("name", "Fleet unit")],
        &opts,
        &mut |r| {
            names += usize::from(matches!(r.result, Ok(ref x) if x.result == 0));
        },
    )
    .unwrap();
    let took = t.elapsed();
    eprintln!("set-name took {took:?}");
    assert_eq!(names, 300);
    assert!(took >= Duration::from_millis(300), "{took:?}");
    assert!(
        took < Duration::from_secs(30),
        "{took:?}: the latency serialises devices"
    );
    // Each device is its own: one's state and faults are not another's.
    assert_eq!(devs[7].get_settings().unwrap().name, "Fleet unit");
    devs[8].set_name("Only eight").unwrap();
    assert_eq!(devs[9].get_settings().unwrap().name, "Fleet unit");
    assert_ne!(fleet.serial(0), fleet.serial(1));
    fleet
        .control(
            3,
            r#"{"cmd":"fault","method":"ping","kind":"http-500","count":1}"#,
        )
        .unwrap();
    assert!(devs[3].ping().is_err());
    assert!(devs[4].ping().is_ok());
    assert!(fleet.control(300, r#"{"cmd":"state"}"#).is_err());
    // Control over HTTP (query form and JSON body), and what a fleet
    // device refuses.
    let h = fleet.addrs()[5].to_string();
    let r = raw(
        &h,
        &format!("GET /__sim/control?cmd=state HTTP/1.1\r\nHost: {h}\r\nConnection: close\r\n\r\n"),
    );
    assert!(r.contains("\"ok\":true"), "{r}");
    let body = r#"{"cmd":"state"}"#;
    let r = raw(
        &h,
        &format!(
            "POST /__sim/control HTTP/1.1\r\nHost: {h}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    );
    assert!(r.contains("\"ok\":true"), "{r}");
    let r = raw(
        &h,
        &format!(
            "POST /usapi?method=upload-update-file HTTP/1.1\r\nHost: {h}\r\nContent-Length: 100000\r\n\r\n"
        ),
    );
    assert!(r.starts_with("HTTP/1.1 413"), "{r}");
    // Two requests pipelined on one connection: two answers, in order.
    let r = raw(
        &h,
        &format!(
            "GET /usapi?method=ping HTTP/1.1\r\nHost: {h}\r\n\r\nGET /usapi?method=nope HTTP/1.1\r\nHost: {h}\r\nConnection: close\r\n\r\n"
        ),
    );
    assert_eq!(r.matches("HTTP/1.1 200").count(), 2, "{r}");
    fleet.stop();
}

#[test]
fn the_program_serves_a_fleet_on_few_threads() {
    let program = SimProgram::start(&["--fleet", "--devices", "200", "--latency", "200:50"]);
    let hosts = program.hosts(200);
    let status = std::fs::read_to_string(format!("/proc/{}/status", program.child.id())).unwrap();
    let threads: u32 = status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let t = Instant::now();
    let r = raw(
        &hosts[199],
        "GET /usapi?method=ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    let took = t.elapsed();
    drop(program);
    assert!(threads <= 4, "{threads} threads for 200 devices");
    assert!(r.contains("\"result\":0"), "{r}");
    assert!(took >= Duration::from_millis(150), "{took:?}");
}
