//! One exporter over a large simulated fleet whose every request is
//! answered late: what a `/metrics` scrape costs.
//!
//!   cargo bench --bench exporter_scrape                       # 4096 devices, 100 ms
//!   cargo bench --bench exporter_scrape -- --devices 512 --latency-ms 100 --scrapes 20
//!
//! The simulators run in child processes (2048 devices each; each with a `latency` fault on
//! every method: answers come `--latency-ms` late), so the exporter's
//! process holds only the exporter and the engine. The exporter polls
//! every device every 5 s; once every device has answered, the program
//! scrapes `/metrics` over HTTP `--scrapes` times and prints, per scrape,
//! the wall time from the request to the last byte and the CPU time the
//! request cost the exporter's serving thread (`Exporter::last_scrape_cpu`:
//! copying the state, encoding, writing), then the median and the worst.
//!
//! Targets (issue 18): at 4096 devices and 100 ms latency, a scrape
//! answers in at most 250 ms and costs at most 50 ms CPU.

mod common;
use common::{Serving, arg, print_ports, serve_in_child};

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};
use ultrastream::exporter::{Config, Credential, DeviceEntry, Exporter};

/// The child: `n` simulators answering `latency_ms` late; print their
/// ports; live until stdin closes.
fn serve(n: usize, latency_ms: u64) {
    use ultrastream::sim::{SimOptions, Simulator};
    let fault =
        format!(r#"{{"cmd":"fault","method":"*","kind":"latency","ms":{latency_ms},"count":0}}"#);
    let sims: Vec<Simulator> = (0..n)
        .map(|_| {
            let s = Simulator::start(SimOptions::default()).expect("simulator starts");
            if latency_ms > 0 {
                s.control(&fault).expect("latency fault");
            }
            s
        })
        .collect();
    print_ports(sims.iter().map(|s| s.addr().port()));
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
}

fn scrape(addr: &str) -> (Duration, usize) {
    let t0 = Instant::now();
    let mut s = TcpStream::connect(addr).expect("connect to the exporter");
    write!(
        s,
        "GET /metrics HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut body = Vec::with_capacity(16 << 20);
    s.read_to_end(&mut body).unwrap();
    (t0.elapsed(), body.len())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Thousands of sockets (the simulators' process holds about six
/// descriptors per device): raise the descriptor limit to 65536 where
/// allowed (root), else the soft limit to the hard one.
fn raise_fd_limit() {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit read and write one rlimit we own.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) == 0 {
            let want = libc::rlimit {
                rlim_cur: 65536,
                rlim_max: 65536,
            };
            if r.rlim_max >= 65536 || libc::setrlimit(libc::RLIMIT_NOFILE, &want) != 0 {
                r.rlim_cur = r.rlim_max;
                libc::setrlimit(libc::RLIMIT_NOFILE, &r);
            }
        }
    }
}

fn main() {
    raise_fd_limit();
    let args: Vec<String> = std::env::args().collect();
    let n = arg(&args, "--devices", 4096) as usize;
    let latency = arg(&args, "--latency-ms", 100);
    let scrapes = arg(&args, "--scrapes", 20) as usize;
    if args.iter().any(|a| a == "--serve") {
        serve(n, latency);
        return;
    }
    // About five descriptors per simulated device: at most 2048 devices
    // per child keeps each under a 20000-descriptor limit.
    const PER_CHILD: usize = 2048;
    let mut children = Vec::new();
    let mut ports: Vec<u16> = Vec::new();
    let mut left = n;
    while left > 0 {
        let k = left.min(PER_CHILD);
        left -= k;
        let child = serve_in_child(&[
            "--serve",
            "--devices",
            &k.to_string(),
            "--latency-ms",
            &latency.to_string(),
        ]);
        ports.extend(&child.ports);
        children.push(child);
    }
    assert_eq!(ports.len(), n);

    let mut cfg = Config {
        listen: "127.0.0.1:0".into(),
        interval_ms: 5000,
        timeout_ms: Some(3000),
        ..Config::default()
    };
    cfg.credentials
        .insert("default".into(), Credential::new("Admin", "Admin"));
    for p in &ports {
        cfg.devices.push(DeviceEntry {
            host: format!("127.0.0.1:{p}"),
            auth: "default".into(),
        });
    }
    let exp = Exporter::start(cfg).expect("exporter starts");
    let t0 = Instant::now();
    loop {
        let up = exp
            .devices()
            .iter()
            .filter(|d| d.up && d.info.is_some())
            .count();
        if up == n {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(300),
            "only {up} of {n} devices answered in 300 s"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    println!(
        "{n} devices, {latency} ms latency: all up after {:.1} s",
        t0.elapsed().as_secs_f64()
    );
    let addr = exp.addr().to_string();
    let mut walls = Vec::new();
    let mut cpus = Vec::new();
    let mut bytes = 0;
    for _ in 0..scrapes {
        let (wall, len) = scrape(&addr);
        bytes = len;
        walls.push(wall);
        cpus.push(exp.last_scrape_cpu());
        std::thread::sleep(Duration::from_millis(100));
    }
    let up = exp.devices().iter().filter(|d| d.up).count();
    walls.sort();
    cpus.sort();
    println!(
        "scrape of {} bytes, {scrapes} scrapes: wall median {:.1} ms, worst {:.1} ms; exporter CPU median {:.1} ms, worst {:.1} ms; {up}/{n} up at the end",
        bytes,
        ms(walls[walls.len() / 2]),
        ms(walls[walls.len() - 1]),
        ms(cpus[cpus.len() / 2]),
        ms(cpus[cpus.len() - 1]),
    );
    let ok = walls[walls.len() / 2] <= Duration::from_millis(250)
        && cpus[cpus.len() / 2] <= Duration::from_millis(50);
    println!(
        "target (median wall <= 250 ms, median CPU <= 50 ms): {}",
        if ok { "met" } else { "NOT met" }
    );
    exp.stop();
    for c in children {
        let Serving {
            mut child,
            to_child,
            ..
        } = c;
        drop(to_child);
        let _ = child.wait();
    }
}
