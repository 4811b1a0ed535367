//! The watcher's cost and isolation: N simulated devices (default 256)
//! watched at 1 Hz for S seconds (default 60), the simulators in a child
//! process so only the watcher is measured.
//!
//!   cargo bench --bench watch_fleet                      # 256 devices, 60 s
//!   cargo bench --bench watch_fleet -- --devices 64 --seconds 20
//!
//! Prints the watcher process's CPU (percent of one core, user + system,
//! over the measured window) and RSS (now and peak), the polls done and
//! failed, and the latency from a change on every device to its `changed`
//! event, twice: with every device answering, and after device 0 stopped
//! answering (it keeps its connections open and never replies, the worst
//! case for a poller). The second latency must match the first: a silent
//! device delays no other device's events.
//!
//! Targets (issue 9): at most 5 % of one core and 16 MiB RSS at 256 devices.

mod common;
use common::{Serving, arg, print_ports, serve_in_child};

use std::io::{BufRead, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use ultrastream::watch::{Watch, WatchOptions};
use ultrastream::{Device, Options};

/// The child: start `n` simulators, print their ports, obey stdin.
fn serve(n: usize) {
    use ultrastream::sim::{SimOptions, Simulator};
    let sims: Vec<Simulator> = (0..n)
        .map(|_| Simulator::start(SimOptions::default()).expect("simulator starts"))
        .collect();
    print_ports(sims.iter().map(|s| s.addr().port()));
    let mut dead = vec![false; n];
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["dead", i] => {
                let i: usize = i.parse().unwrap_or(0);
                sims[i]
                    .control(r#"{"cmd":"fault","method":"*","kind":"no-answer","count":0}"#)
                    .expect("fault");
                dead[i] = true;
            }
            ["signal", v] => {
                let cmd = format!(r#"{{"cmd":"set-signal","present":{}}}"#, *v == "on");
                for (s, d) in sims.iter().zip(&dead) {
                    if !d {
                        s.control(&cmd).expect("set-signal");
                    }
                }
            }
            ["quit"] => break,
            _ => {}
        }
        println!("ok");
        let _ = std::io::stdout().flush();
    }
    drop(sims);
}

fn cpu_time() -> Duration {
    // SAFETY: getrusage fills the struct it is given.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

/// (VmRSS, VmHWM) in KiB.
fn rss_kib() -> (u64, u64) {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        s.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

type Log = Arc<Mutex<Vec<(u64, String, Instant)>>>;

/// Latency from `since` to each device's first "changed" input-signal
/// event after it, for the devices in `ids`: (count, median, max).
fn latencies(log: &Log, ids: &[u64], since: Instant) -> (usize, Duration, Duration) {
    let log = log.lock().unwrap();
    let mut lat: Vec<Duration> = ids
        .iter()
        .filter_map(|id| {
            log.iter()
                .find(|(d, kind, t)| d == id && kind == "changed-signal" && *t >= since)
                .map(|(_, _, t)| *t - since)
        })
        .collect();
    lat.sort();
    let med = lat.get(lat.len() / 2).copied().unwrap_or_default();
    let max = lat.last().copied().unwrap_or_default();
    (lat.len(), med, max)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--serve") {
        let n = args.get(i + 1).and_then(|v| v.parse().ok()).unwrap_or(256);
        serve(n);
        return;
    }
    let n = arg(&args, "--devices", 256).max(2) as usize;
    let seconds = arg(&args, "--seconds", 60).max(6);
    let interval = Duration::from_millis(arg(&args, "--interval-ms", 1000).max(10));

    let Serving {
        mut child,
        mut to_child,
        mut from_child,
        ports,
    } = serve_in_child(&["--serve", &n.to_string()]);
    assert_eq!(ports.len(), n, "the child said: {ports:?}");
    let mut command = |c: &str| {
        writeln!(to_child, "{c}").expect("send");
        to_child.flush().expect("flush");
        let mut ack = String::new();
        from_child.read_line(&mut ack).expect("ack");
    };

    let devices: Vec<(u64, Arc<Device>)> = ports
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let d =
                Device::connect(&format!("127.0.0.1:{p}"), Options::default()).expect("connect");
            d.login("Admin", "Admin").expect("login");
            (i as u64, Arc::new(d))
        })
        .collect();
    let log: Log = Arc::new(Mutex::new(Vec::with_capacity(n * 8)));
    let sink = Arc::clone(&log);
    let opts = WatchOptions {
        interval,
        offline_after: interval * 3,
        ..WatchOptions::default()
    };
    let watch = Watch::start(devices, opts, move |e| {
        let now = Instant::now();
        // Cheap classification: the event's kind and device only.
        let v: serde_json::Value = match serde_json::from_str(e) {
            Ok(v) => v,
            Err(_) => return,
        };
        let id = v["device"].as_u64().unwrap_or(u64::MAX);
        let mut kind = v["event"].as_str().unwrap_or("").to_string();
        if kind == "changed" && v["changes"].get("input-signal").is_some() {
            kind = "changed-signal".into();
        }
        sink.lock().unwrap().push((id, kind, now));
    })
    .expect("watch starts");

    let start = Instant::now();
    while log
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, k, _)| k == "online")
        .count()
        < n
    {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "not all devices came online"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    println!(
        "watch_fleet: {n} devices, interval {} ms, {seconds} s measured (one reactor thread)",
        interval.as_millis(),
    );
    let polls0: u64 = watch.stats().iter().map(|s| s.polls).sum();
    let (cpu0, t0) = (cpu_time(), Instant::now());
    let at = |frac: f64| t0 + Duration::from_secs_f64(seconds as f64 * frac);
    let sleep_until = |t: Instant| {
        let now = Instant::now();
        if t > now {
            std::thread::sleep(t - now);
        }
    };

    // 1. A change on every device, all answering.
    sleep_until(at(0.15));
    let base_at = Instant::now();
    command("signal off");
    // 2. Device 0 stops answering; 3. a change on every other device.
    sleep_until(at(0.35));
    let lag_before = watch.stats()[1..]
        .iter()
        .map(|s| s.max_lag)
        .max()
        .unwrap_or_default();
    command("dead 0");
    sleep_until(at(0.65));
    let dead_at = Instant::now();
    command("signal on");
    sleep_until(at(1.0));
    let (cpu1, t1) = (cpu_time(), Instant::now());
    let (rss, hwm) = rss_kib();

    let stats = watch.stats();
    let polls: u64 = stats.iter().map(|s| s.polls).sum::<u64>() - polls0;
    let failed: u64 = stats.iter().map(|s| s.failed).sum();
    let max_lag = stats[1..]
        .iter()
        .map(|s| s.max_lag)
        .max()
        .unwrap_or_default();
    let others: Vec<u64> = (1..n as u64).collect();
    let (nb, mb, xb) = latencies(&log, &others, base_at);
    let (nd, md, xd) = latencies(&log, &others, dead_at);
    let offline0 = log
        .lock()
        .unwrap()
        .iter()
        .any(|(d, k, _)| *d == 0 && k == "offline");
    let cpu_pct = (cpu1 - cpu0).as_secs_f64() / (t1 - t0).as_secs_f64() * 100.0;

    println!("  cpu:     {cpu_pct:.2} % of one core (target <= 5 %)");
    println!(
        "  rss:     {:.1} MiB now, {:.1} MiB peak (target <= 16 MiB)",
        rss as f64 / 1024.0,
        hwm as f64 / 1024.0
    );
    println!(
        "  polls:   {polls} in the window ({:.1}/s), {failed} failed (all device 0's: {})",
        polls as f64 / (t1 - t0).as_secs_f64(),
        stats[1..].iter().all(|s| s.failed == 0)
    );
    println!(
        "  latency of a change, all answering:        {nb}/{} devices, median {} ms, max {} ms",
        n - 1,
        mb.as_millis(),
        xb.as_millis()
    );
    println!(
        "  latency of a change, device 0 silent:      {nd}/{} devices, median {} ms, max {} ms (device 0 offline: {offline0})",
        n - 1,
        md.as_millis(),
        xd.as_millis()
    );
    println!(
        "  latest poll of an answering device:        {} ms after its deadline before device 0 fell silent, {} ms over the whole run (machine load: {})",
        lag_before.as_millis(),
        max_lag.as_millis(),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .split_whitespace()
            .next()
            .unwrap_or("?")
    );
    let ok = cpu_pct <= 5.0
        && hwm <= 16 * 1024
        && nb == n - 1
        && nd == n - 1
        && offline0
        && xd <= interval * 2
        && stats[1..].iter().all(|s| s.failed == 0);
    println!("  verdict: {}", if ok { "PASS" } else { "FAIL" });

    watch.stop().expect("stop");
    command("quit");
    let _ = child.wait();
    if !ok {
        std::process::exit(1);
    }
}
