//! The simulator never panics, whatever it is sent: random methods with
//! random parameters, random bodies, random bytes, extreme clock jumps.
//! A panic hook counts panics on the simulator's own threads.

use crate::fuzzer::Rng;
use crate::harness::alone;
use crate::sim_support;

use sim_support::*;
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

static SIM_PANICS: AtomicUsize = AtomicUsize::new(0);

fn install_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current()
            .name()
            .is_some_and(|n| n.starts_with("usapi-sim"))
        {
            SIM_PANICS.fetch_add(1, Ordering::SeqCst);
        }
        previous(info);
    }));
}

/// One of `xs`, from the shared generator (crate::fuzzer::Rng).
fn pick<'a>(rng: &mut Rng, xs: &[&'a str]) -> &'a str {
    xs[rng.below(xs.len())]
}

const METHODS: &[&str] = &[
    "get-info",
    "get-status",
    "get-settings",
    "start-rec",
    "stop-rec",
    "start-live",
    "stop-live",
    "ping",
    "set-name",
    "set-app-settings",
    "set-app-passwd",
    "set-first-over",
    "set-rec-control",
    "set-softap",
    "set-date-time",
    "set-signal-lost-ctrl",
    "set-startup-rec",
    "set-startup-live",
    "set-ssdp",
    "set-hdmi-rec-ctrl",
    "start-format-usb",
    "start-format-sd",
    "clear-format-usb",
    "start-test-usb",
    "stop-test-usb",
    "clear-test-usb",
    "get-media-files",
    "add-server",
    "enable-server",
    "set-server",
    "del-server",
    "start-test-server",
    "stop-test-server",
    "clear-test-server",
    "set-stream",
    "set-video",
    "set-audio",
    "get-users",
    "add-user",
    "del-user",
    "ch-password",
    "set-password",
    "set-eth",
    "disconn-wifi",
    "close-softap",
    "update",
    "cancel-download",
    "online-update-check",
    "clear-upgrade",
    "clear-check-update",
    "no-such-method",
];
const KEYS: &[&str] = &[
    "name",
    "id",
    "is-use",
    "type",
    "url",
    "key",
    "is-auth",
    "user",
    "passwd",
    "pass",
    "new-pass",
    "is-pass",
    "enable-passwd",
    "usb-option",
    "sd-option",
    "mime-type",
    "root-folder",
    "file-prefix",
    "time-unit",
    "is-softap",
    "is-visible",
    "softap-ssid",
    "softap-passwd",
    "timezone",
    "is-auto",
    "time",
    "stream",
    "cx",
    "cy",
    "duration",
    "kbps",
    "gop",
    "fourcc",
    "codec",
    "profile",
    "cbrstat",
    "fullrange",
    "rec",
    "live",
    "mws",
    "disk-type",
    "start",
    "count",
    "is-dhcp",
    "ip",
    "mask",
    "router",
    "dns",
    "mode",
    "net-mode",
];
const VALUES: &[&str] = &[
    "0",
    "1",
    "2",
    "3",
    "-1",
    "5",
    "120",
    "8192",
    "1920",
    "1080",
    "166667",
    "99999999999999999999",
    "",
    " ",
    "x",
    "a/b",
    "../..",
    "UTC",
    "2019-09-10 15:00:00",
    "10.0.0.1",
    "online",
    "upload",
    "é",
    "%00",
    "\u{7f}",
    "e3afed0047b08059d0fada10f400c1e5",
    "rtmp://a/b",
    "+",
    "1e3",
    "0x10",
    "9223372036854775807",
];

#[test]
fn random_requests_never_crash_the_simulator() {
    alone!(random_requests_never_crash_the_simulator);
    install_hook();
    assert_send_sync::<ultrastream::sim::Simulator>();
    let sim = sim_with(|o| o.time_scale = 50.0);
    let d = raw_dev(&sim);
    d.upload_update_bytes(
        "fw.mwf",
        &ultrastream::sim::fake_firmware(ultrastream::sim::Model::Hdmi, "1.3.0"),
    )
    .unwrap();
    let mut rng = Rng::new(0x9E3779B97F4A7C15);
    let start = Instant::now();
    for i in 0..3000 {
        let m = pick(&mut rng, METHODS);
        // reboot / reset would make most of the run hit a device that is down.
        let n = rng.next() % 6;
        let mut params: Vec<(&str, &str)> = Vec::new();
        for _ in 0..n {
            params.push((pick(&mut rng, KEYS), pick(&mut rng, VALUES)));
        }
        match d.call(m, &params) {
            Ok(_)
            | Err(ultrastream::Error::Device { .. })
            | Err(ultrastream::Error::Busy { .. }) => {}
            // The device may be rebooting after a firmware update.
            Err(e) => {
                if !matches!(
                    e,
                    ultrastream::Error::Io(_)
                        | ultrastream::Error::Connect(_)
                        | ultrastream::Error::Timeout(_)
                ) {
                    panic!("request {i} {m} {params:?}: {e}");
                }
                advance(&sim, 20_000);
            }
        }
        if i % 100 == 0 {
            advance(&sim, rng.next() % 3_600_000);
            let _ = sim.control(r#"{"cmd":"set-disk","disk":"usb","free_bytes":300000000}"#);
        }
    }
    eprintln!("3000 random calls in {:?}", start.elapsed());
    advance(&sim, 60_000);
    assert_eq!(get(&sim, "/usapi?method=ping", "").status, 200);
    assert_eq!(
        SIM_PANICS.load(Ordering::SeqCst),
        0,
        "a simulator thread panicked"
    );
}

fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn random_bytes_and_bodies_never_crash_the_simulator() {
    alone!(random_bytes_and_bodies_never_crash_the_simulator);
    install_hook();
    let sim = sim();
    let cookie = raw_login(&sim);
    let mut rng = Rng::new(12345);
    for i in 0..300 {
        let mut c = std::net::TcpStream::connect(sim.addr()).unwrap();
        c.set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let len = (rng.next() % 600) as usize;
        let junk: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let msg = match i % 4 {
            0 => junk,
            1 => {
                let mut m = format!(
                    "POST /usapi?method=del-media-files HTTP/1.1\r\nCookie: {cookie}\r\nContent-Length: {}\r\n\r\n",
                    junk.len()
                )
                .into_bytes();
                m.extend(junk);
                m
            }
            2 => {
                let mut m = format!(
                    "POST /usapi?method=upload-update-file HTTP/1.1\r\nCookie: {cookie}\r\nContent-Type: multipart/form-data; boundary=xx\r\nContent-Length: {}\r\n\r\n--xx\r\n",
                    junk.len() + 6
                )
                .into_bytes();
                m.extend(junk);
                m
            }
            _ => {
                let mut m =
                    b"POST /__sim/control HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
                m.extend(format!("{:x}\r\n", junk.len()).as_bytes());
                m.extend(junk);
                m.extend(b"\r\n0\r\n\r\n");
                m
            }
        };
        let _ = c.write_all(&msg);
        // Half-close: an incomplete request then ends at EOF instead of
        // the server's 30-second stall limit.
        let _ = c.shutdown(std::net::Shutdown::Write);
        let mut sink = Vec::new();
        let _ = std::io::Read::read_to_end(&mut c, &mut sink);
    }
    assert_eq!(get(&sim, "/usapi?method=ping", "").status, 200);
    assert_eq!(
        SIM_PANICS.load(Ordering::SeqCst),
        0,
        "a simulator thread panicked"
    );
}

#[test]
fn extreme_clock_jumps_stay_fast_and_sane() {
    alone!(extreme_clock_jumps_stay_fast_and_sane);
    install_hook();
    let sim = sim();
    let d = raw_dev(&sim);
    // A petabyte disk, 5-minute files, ten years at a time.
    ctl(
        &sim,
        r#"{"cmd":"set-disk","disk":"usb","free_bytes":1125899906842624}"#,
    );
    assert_eq!(
        call(
            &d,
            "set-rec-control",
            &[
                ("usb-option", "1"),
                ("sd-option", "2"),
                ("root-folder", "R"),
                ("file-prefix", "V"),
                ("time-unit", "5")
            ]
        ),
        0
    );
    assert_eq!(call(&d, "start-rec", &[]), 0);
    assert_eq!(
        call(&d, "enable-server", &[("id", "0"), ("is-use", "1")]),
        0
    );
    assert_eq!(call(&d, "start-live", &[]), 0);
    let start = Instant::now();
    for _ in 0..3 {
        advance(&sim, 10 * 365 * 24 * 3600 * 1000);
    }
    let st = status(&d);
    assert_eq!(st["result"], 0);
    assert!(st["rec-status"]["run-ms"].as_u64().unwrap() > 0);
    assert!(st["usb"]["file-count"].as_u64().unwrap() <= 65_535);
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "{:?}",
        start.elapsed()
    );
    assert!(
        sim.control(r#"{"cmd":"advance","ms":315360000001}"#)
            .is_err(),
        "more than ten years at once"
    );
    assert_eq!(SIM_PANICS.load(Ordering::SeqCst), 0);
}
