//! Hostile clients against the simulator: the attackers and the honest
//! client are all 127.0.0.1, as on a shared CI machine.
//!
//! - 1,100 idle connections, a header slowloris (one byte per second per
//!   connection) and a chunked-body drip (a 1-byte chunk every 0.5 s), all
//!   at once: at least 99 % of an honest client's pings succeed.
//! - 8 concurrent uploads that announce 64 MiB, send most of it and stall:
//!   the simulator process stays under 128 MiB RSS, and still checks a
//!   firmware file as before.
//! - The limits themselves: idle keep-alive timeout, whole-request deadline,
//!   503 when every connection is busy, eviction of the longest idle one,
//!   `Expect: 100-continue`, and the control endpoint's refusals.
//!
//! The attack runs for `ULTRASTREAM_HOSTILE_SECS` seconds (default 8, so the
//! suite stays short on two loaded cores). The documented long run is
//! `ULTRASTREAM_HOSTILE_SECS=40 cargo test --release --test it sim_hostile:: -- --nocapture`.
//! Nothing here is a timed assertion: waits poll a condition with a bound of
//! tens of seconds, and the ping criterion counts answers, with a 5 s
//! timeout per ping.

use crate::harness::alone;
use crate::sim_support;

use sim_support::*;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};
use ultrastream::sim::{Model, ServerLimits, SimOptions, Simulator, fake_firmware};
use ultrastream::{Device, Options};

/// The heavy tests run one at a time: they measure a shared machine. Each
/// runs in a process of its own, so the lock is a file lock (flock), held
/// until the returned file is dropped (or the process ends).
fn heavy() -> std::fs::File {
    use std::os::fd::AsRawFd;
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("sim_hostile.heavy.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
    // SAFETY: flock on a descriptor this function owns.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) };
    assert_eq!(
        rc,
        0,
        "flock {}: {}",
        path.display(),
        std::io::Error::last_os_error()
    );
    file
}

fn attack_secs() -> u64 {
    std::env::var("ULTRASTREAM_HOSTILE_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8)
}

/// Raise this process's open-file limit to at least `need` (attackers and
/// the in-process simulator share it), or fail saying what to do.
#[allow(clippy::unnecessary_cast)] // rlim_t is not u64 on every platform
fn raise_nofile(need: u64) {
    let mut l = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: valid, correctly sized rlimit structs.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut l), 0);
        if (l.rlim_cur as u64) >= need {
            return;
        }
        assert!(
            (l.rlim_max as u64) >= need,
            "this test needs {need} open files but the hard limit (ulimit -Hn) is {}: \
             raise it (e.g. `ulimit -Hn {need}` as root, LimitNOFILE={need} in a systemd \
             unit, or --ulimit nofile={need} for docker)",
            l.rlim_max
        );
        l.rlim_cur = need as libc::rlim_t;
        assert_eq!(
            libc::setrlimit(libc::RLIMIT_NOFILE, &l),
            0,
            "setrlimit(RLIMIT_NOFILE, {need}) failed"
        );
    }
}

/// One ping on a fresh connection, by hand: true when HTTP 200 with
/// result 0 came back within 5 s.
fn fresh_ping(addr: SocketAddr) -> bool {
    let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_secs(5)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    if s.write_all(b"GET /usapi?method=ping HTTP/1.1\r\nHost: sim\r\nConnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out);
    text.starts_with("HTTP/1.1 200") && text.contains("\"result\":0")
}

#[derive(Debug, Default)]
struct Pings {
    ok: u64,
    failed: u64,
}

/// The honest client: the library's keep-alive client and fresh
/// connections in turn, until `stop`.
fn pinger(addr: SocketAddr, stop: Arc<AtomicBool>) -> JoinHandle<Pings> {
    thread::spawn(move || {
        let dev = Device::connect(
            &addr.to_string(),
            Options {
                connect_timeout: Duration::from_secs(5),
                request_timeout: Duration::from_secs(5),
                ..Default::default()
            },
        )
        .expect("connect");
        let mut p = Pings::default();
        let mut i = 0u64;
        while !stop.load(Ordering::SeqCst) {
            let t = Instant::now();
            let ok = if i % 2 == 0 {
                dev.ping().map(|_| ()).map_err(|e| e.to_string())
            } else if fresh_ping(addr) {
                Ok(())
            } else {
                Err("no answer on a fresh connection".into())
            };
            match ok {
                Ok(()) => p.ok += 1,
                Err(e) => {
                    p.failed += 1;
                    eprintln!("ping {i} failed after {:?}: {e}", t.elapsed());
                }
            }
            i += 1;
            thread::sleep(Duration::from_millis(20));
        }
        p
    })
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    /// Connect and send nothing.
    Idle,
    /// An endless header, one byte per second.
    Slowloris,
    /// A chunked body, a 1-byte chunk every 0.5 s.
    Drip,
}

/// Hold `n` connections of one kind, reopening any the server closes,
/// until `stop`. Returns how many connections it opened in all.
fn attacker(addr: SocketAddr, kind: Kind, n: usize, stop: Arc<AtomicBool>) -> JoinHandle<u64> {
    thread::spawn(move || {
        let start: &[u8] = match kind {
            Kind::Idle => b"",
            Kind::Slowloris => b"GET /usapi?method=ping HTTP/1.1\r\nHost: sim\r\nX-Slow: ",
            Kind::Drip => {
                b"POST /usapi?method=ping HTTP/1.1\r\nHost: sim\r\nTransfer-Encoding: chunked\r\n\r\n"
            }
        };
        let (tick, byte): (Duration, &[u8]) = match kind {
            Kind::Idle => (Duration::from_millis(250), b""),
            Kind::Slowloris => (Duration::from_secs(1), b"a"),
            Kind::Drip => (Duration::from_millis(500), b"1\r\nx\r\n"),
        };
        let mut conns: Vec<Option<TcpStream>> = (0..n).map(|_| None).collect();
        let mut opened = 0u64;
        while !stop.load(Ordering::SeqCst) {
            let round = Instant::now();
            for c in conns.iter_mut() {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let alive = match c {
                    None => false,
                    Some(s) => {
                        let mut b = [0u8; 512];
                        let readable_closed = match s.read(&mut b) {
                            Ok(0) => true,
                            Ok(_) => true, // an answer (408, 503): the server is done with it
                            Err(e) => e.kind() != std::io::ErrorKind::WouldBlock,
                        };
                        !readable_closed && (byte.is_empty() || s.write(byte).is_ok())
                    }
                };
                if !alive {
                    *c = TcpStream::connect_timeout(&addr, Duration::from_millis(500))
                        .ok()
                        .and_then(|mut s| {
                            s.write_all(start).ok()?;
                            s.set_nonblocking(true).ok()?;
                            Some(s)
                        });
                    if c.is_some() {
                        opened += 1;
                    }
                }
            }
            if let Some(rest) = tick.checked_sub(round.elapsed()) {
                thread::sleep(rest);
            }
        }
        opened
    })
}

#[test]
fn idle_slowloris_and_drip_at_once_leave_99_percent_of_pings_answered() {
    alone!(idle_slowloris_and_drip_at_once_leave_99_percent_of_pings_answered);
    let _g = heavy();
    let (idle, slow, drip) = (1100, 300, 300);
    // The attackers' sockets, the simulator's (at most its 1,024-connection
    // cap) and some to spare.
    raise_nofile((idle + slow + drip) as u64 + 1024 + 512);
    let sim = sim();
    let addr = sim.addr();
    let stop = Arc::new(AtomicBool::new(false));
    let attackers = [
        attacker(addr, Kind::Idle, idle, stop.clone()),
        attacker(addr, Kind::Slowloris, slow, stop.clone()),
        attacker(addr, Kind::Drip, drip, stop.clone()),
    ];
    let ping = pinger(addr, stop.clone());
    let secs = attack_secs();
    thread::sleep(Duration::from_secs(secs));
    stop.store(true, Ordering::SeqCst);
    let p = ping.join().expect("pinger");
    let opened: Vec<u64> = attackers
        .into_iter()
        .map(|a| a.join().expect("attacker"))
        .collect();
    eprintln!(
        "{secs} s of {idle} idle + {slow} slowloris + {drip} drip connections \
         (opened {opened:?}): {} of {} pings answered",
        p.ok,
        p.ok + p.failed
    );
    assert!(
        opened[0] >= idle as u64,
        "the attack never reached {idle} connections"
    );
    assert!(p.ok + p.failed >= 10, "too few pings to judge: {p:?}");
    assert!(
        p.ok * 100 >= (p.ok + p.failed) * 99,
        "fewer than 99 % of the pings were answered: {p:?}"
    );
    // The simulator is fine afterwards.
    assert!(fresh_ping(addr));
}

fn limits(f: impl FnOnce(&mut ServerLimits)) -> Simulator {
    sim_with(|o| f(&mut o.server))
}

/// Read until the server closes; what it sent. Panics if it keeps the
/// connection open past the bound.
fn read_until_closed(s: &mut TcpStream, bound: Duration) -> String {
    s.set_read_timeout(Some(bound)).expect("timeout");
    let mut out = Vec::new();
    let mut b = [0u8; 4096];
    loop {
        match s.read(&mut b) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&b[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!(
                "the server kept the connection open ({e}); so far: {}",
                String::from_utf8_lossy(&out)
            ),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn idle_keep_alive_connections_are_closed_after_the_idle_timeout() {
    alone!(idle_keep_alive_connections_are_closed_after_the_idle_timeout);
    let sim = limits(|l| l.idle_timeout = Duration::from_millis(300));
    // Never sent anything.
    let mut quiet = TcpStream::connect(sim.addr()).unwrap();
    assert_eq!(read_until_closed(&mut quiet, Duration::from_secs(30)), "");
    // Sent one request, then went idle.
    let mut c = Raw::connect(&sim);
    assert_eq!(c.get("/usapi?method=ping", "").result(), 0);
    assert!(c.closed(), "an idle keep-alive connection stays open");
    // The default is a few seconds, not minutes.
    let d = ServerLimits::default();
    assert!(d.idle_timeout <= Duration::from_secs(10), "{d:?}");
}

#[test]
fn a_steady_drip_is_cut_off_at_the_whole_request_deadline() {
    alone!(a_steady_drip_is_cut_off_at_the_whole_request_deadline);
    let sim = limits(|l| {
        l.request_timeout = Duration::from_millis(1500);
        l.stall_timeout = Duration::from_secs(60);
    });
    for (start, drip) in [
        // A header that never ends.
        (
            &b"GET /usapi?method=ping HTTP/1.1\r\nX-Slow: "[..],
            &b"a"[..],
        ),
        // A chunked body that never ends.
        (
            &b"POST /usapi?method=ping HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"[..],
            &b"1\r\nx\r\n"[..],
        ),
    ] {
        let mut s = TcpStream::connect(sim.addr()).unwrap();
        s.write_all(start).unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut answer = Vec::new();
        s.set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        // Drip faster than the stall timer could ever fire, until the
        // server answers or closes (bounded: 60 s of wall time).
        loop {
            assert!(Instant::now() < deadline, "the drip was never cut off");
            if s.write_all(drip).is_err() {
                break;
            }
            let mut b = [0u8; 1024];
            match s.read(&mut b) {
                Ok(0) => break,
                Ok(n) => answer.extend_from_slice(&b[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
                Err(_) => break,
            }
            if answer.windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
        let text = String::from_utf8_lossy(&answer);
        assert!(text.starts_with("HTTP/1.1 408"), "{text}");
        assert!(text.contains("Connection: close"), "{text}");
    }
    // The simulator still answers.
    assert_eq!(get(&sim, "/usapi?method=ping", "").result(), 0);
}

#[test]
fn a_full_server_closes_the_longest_idle_connection_for_a_newcomer() {
    alone!(a_full_server_closes_the_longest_idle_connection_for_a_newcomer);
    let sim = limits(|l| l.max_connections = 3);
    let mut oldest = Raw::connect(&sim);
    assert_eq!(oldest.get("/usapi?method=ping", "").result(), 0);
    let mut b = Raw::connect(&sim);
    assert_eq!(b.get("/usapi?method=ping", "").result(), 0);
    let mut c = Raw::connect(&sim);
    assert_eq!(c.get("/usapi?method=ping", "").result(), 0);
    // A fourth client is served; the connection idle longest makes room.
    let mut d = Raw::connect(&sim);
    assert_eq!(d.get("/usapi?method=ping", "").result(), 0);
    assert!(
        oldest.closed(),
        "the longest-idle connection was not closed"
    );
    assert_eq!(c.get("/usapi?method=ping", "").result(), 0);
}

#[test]
fn a_full_server_of_busy_connections_answers_503_and_closes() {
    alone!(a_full_server_of_busy_connections_answers_503_and_closes);
    let sim = limits(|l| l.max_connections = 2);
    ctl(
        &sim,
        r#"{"cmd":"fault","method":"get-info","kind":"no-answer","count":2}"#,
    );
    // Two requests that are never answered keep both connections busy.
    let mut held: Vec<TcpStream> = (0..2)
        .map(|_| {
            let mut s = TcpStream::connect(sim.addr()).unwrap();
            s.write_all(b"GET /usapi?method=get-info HTTP/1.1\r\nHost: sim\r\n\r\n")
                .unwrap();
            s
        })
        .collect();
    // Wait (bounded) until the simulator has taken both: the faults are used.
    let until = Instant::now() + Duration::from_secs(30);
    while !state(&sim)["faults"].as_array().unwrap().is_empty() {
        assert!(Instant::now() < until, "the held requests never arrived");
        thread::sleep(Duration::from_millis(10));
    }
    let mut s = TcpStream::connect(sim.addr()).unwrap();
    let text = read_until_closed(&mut s, Duration::from_secs(30));
    assert!(text.starts_with("HTTP/1.1 503"), "{text}");
    assert!(text.contains("Connection: close"), "{text}");
    assert!(text.contains("busy"), "{text}");
    drop(held.drain(..));
    // Once they go, clients are served again (bounded wait).
    let until = Instant::now() + Duration::from_secs(30);
    while !fresh_ping(sim.addr()) {
        assert!(Instant::now() < until, "never served again");
        thread::sleep(Duration::from_millis(20));
    }
}

/// Send an upload head with `Expect: 100-continue`; what comes back first.
fn expect_continue(sim: &Simulator, cookie: &str, len: usize) -> (TcpStream, String) {
    let mut s = TcpStream::connect(sim.addr()).unwrap();
    let head = format!(
        "POST /usapi?method=upload-update-file&filename=fw.mwf HTTP/1.1\r\nHost: sim\r\n{cookie}Content-Type: application/octet-stream\r\nContent-Length: {len}\r\nExpect: 100-continue\r\n\r\n"
    );
    s.write_all(head.as_bytes()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut got = Vec::new();
    let mut b = [0u8; 1];
    while !got.ends_with(b"\r\n\r\n") {
        match s.read(&mut b) {
            Ok(1) => got.push(b[0]),
            _ => break,
        }
    }
    (s, String::from_utf8_lossy(&got).into_owned())
}

#[test]
fn expect_100_continue_is_answered_or_refused_before_the_body() {
    alone!(expect_100_continue_is_answered_or_refused_before_the_body);
    let sim = sim();
    let img = fake_firmware(Model::Hdmi, "1.2.200");
    // No session: the final answer (-17) comes at once, and the connection closes.
    let (mut s, head) = expect_continue(&sim, "", img.len());
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(head.contains("Connection: close"), "{head}");
    let rest = read_until_closed(&mut s, Duration::from_secs(30));
    assert!(rest.contains("\"result\":-17"), "{rest}");
    // With a session: 100 Continue, then the body is checked as usual.
    let cookie = format!("Cookie: {}\r\n", raw_login(&sim));
    let (mut s, head) = expect_continue(&sim, &cookie, img.len());
    assert!(head.starts_with("HTTP/1.1 100 Continue"), "{head}");
    s.write_all(&img).unwrap();
    let mut r = Raw::from_stream(s);
    let reply = r.read_reply().expect("a reply");
    assert_eq!(reply.json()["status"], 0, "{:?}", reply.json());
    assert_eq!(reply.json()["version"], "1.2.200");
}

#[test]
fn large_uploads_are_checked_from_the_spool_as_before() {
    alone!(large_uploads_are_checked_from_the_spool_as_before);
    let sim = sim();
    let cookie = format!("Cookie: {}\r\n", raw_login(&sim));
    // A valid image with a 20 MiB payload, as multipart and as a raw body.
    let payload: Vec<u8> = (0..20u32 << 20)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let fnv = payload.iter().fold(0xcbf29ce484222325u64, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    });
    let image = |model: &str, hw: &str| {
        let mut v = format!(
            "MWF-SIM 1\nproduct: Ultra Stream\nmodel: {model}\nhardware: {hw}\nversion: 1.4.0\npayload-bytes: {}\npayload-fnv1a64: {fnv:016x}\n\n",
            payload.len()
        )
        .into_bytes();
        v.extend_from_slice(&payload);
        v
    };
    let upload = |body: &[u8], multipart: bool| -> serde_json::Value {
        let mut c = Raw::connect(&sim);
        let mut wire = Vec::new();
        let (ct, framed) = if multipart {
            let mut f = b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"fw.mwf\"\r\nContent-Type: application/octet-stream\r\n\r\n".to_vec();
            f.extend_from_slice(body);
            f.extend_from_slice(b"\r\n--XyZ--\r\n");
            ("multipart/form-data; boundary=XyZ", f)
        } else {
            ("application/octet-stream", body.to_vec())
        };
        wire.extend_from_slice(
            format!(
                "POST /usapi?method=upload-update-file&filename=fw.mwf HTTP/1.1\r\nHost: sim\r\n{cookie}Content-Type: {ct}\r\nContent-Length: {}\r\n\r\n",
                framed.len()
            )
            .as_bytes(),
        );
        wire.extend_from_slice(&framed);
        c.stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        c.send(&wire);
        c.read_reply().expect("a reply").json()
    };
    for multipart in [true, false] {
        let ok = upload(&image("hdmi", "C"), multipart);
        assert_eq!(
            (ok["status"].as_i64(), ok["version"].as_str()),
            (Some(0), Some("1.4.0")),
            "{ok}"
        );
        assert_eq!(ok["size"].as_u64(), Some(image("hdmi", "C").len() as u64));
        // The other model: errMWFUnsupported (-34), as before.
        assert_eq!(upload(&image("sdi", "A"), multipart)["status"], -34);
        // One payload byte changed: errFile (-15).
        let mut bad = image("hdmi", "C");
        let at = bad.len() - 12345;
        bad[at] ^= 0x40;
        assert_eq!(upload(&bad, multipart)["status"], -15);
        // Cut short: errFile too.
        let full = image("hdmi", "C");
        assert_eq!(upload(&full[..full.len() - 1], multipart)["status"], -15);
    }
}

/// The simulator as a program, so its memory is its own.
struct SimProcess {
    program: SimProgram,
    addr: SocketAddr,
}

impl SimProcess {
    fn start() -> SimProcess {
        let program = SimProgram::start(&["--port", "0", "--clock", "manual"]);
        let line = program.line();
        let addr = line
            .split("http://")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        SimProcess { program, addr }
    }

    /// Resident set size in bytes, from /proc.
    fn rss(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.program.child.id()))
            .expect("/proc/PID/status (Linux)");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .expect("VmRSS")
            * 1024
    }
}

#[test]
fn eight_stalled_64_mib_uploads_keep_the_simulator_under_128_mib() {
    alone!(eight_stalled_64_mib_uploads_keep_the_simulator_under_128_mib);
    let _g = heavy();
    let sim = SimProcess::start();
    let addr = sim.addr;
    let login = {
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(format!("GET /usapi?method=login&id=Admin&pass={ADMIN_MD5} HTTP/1.1\r\nHost: sim\r\nConnection: close\r\n\r\n").as_bytes()).unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out.lines()
            .find_map(|l| l.strip_prefix("Set-Cookie: "))
            .expect("Set-Cookie")
            .to_string()
    };
    let peak = Arc::new(AtomicU64::new(sim.rss()));
    let baseline = peak.load(Ordering::SeqCst);
    let stop = Arc::new(AtomicBool::new(false));
    let sent_all = Arc::new(AtomicU64::new(0));
    const ANNOUNCED: usize = 64 << 20;
    const SENT: usize = 56 << 20;
    let uploads: Vec<JoinHandle<TcpStream>> = (0..8)
        .map(|_| {
            let (login, sent_all) = (login.clone(), sent_all.clone());
            thread::spawn(move || {
                let mut s = TcpStream::connect(addr).unwrap();
                s.write_all(format!("POST /usapi?method=upload-update-file&filename=fw.mwf HTTP/1.1\r\nHost: sim\r\nCookie: {login}\r\nContent-Type: application/octet-stream\r\nContent-Length: {ANNOUNCED}\r\n\r\n").as_bytes()).unwrap();
                let chunk = vec![0x5au8; 1 << 20];
                for _ in 0..SENT >> 20 {
                    s.write_all(&chunk).expect("the simulator took the body");
                }
                sent_all.fetch_add(1, Ordering::SeqCst);
                // Stall: hold the connection, send nothing more.
                s
            })
        })
        .collect();
    let monitor = {
        let (peak, stop) = (peak.clone(), stop.clone());
        let pid = sim.program.child.id();
        thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                if let Ok(st) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
                    if let Some(kb) = st
                        .lines()
                        .find_map(|l| l.strip_prefix("VmRSS:"))
                        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                    {
                        peak.fetch_max(kb * 1024, Ordering::SeqCst);
                    }
                }
                thread::sleep(Duration::from_millis(20));
            }
        })
    };
    let held: Vec<TcpStream> = uploads
        .into_iter()
        .map(|u| u.join().expect("upload"))
        .collect();
    assert_eq!(sent_all.load(Ordering::SeqCst), 8);
    // All stalled now: sample a while longer.
    for _ in 0..10 {
        peak.fetch_max(sim.rss(), Ordering::SeqCst);
        thread::sleep(Duration::from_millis(50));
    }
    stop.store(true, Ordering::SeqCst);
    monitor.join().unwrap();
    let peak = peak.load(Ordering::SeqCst);
    eprintln!(
        "8 stalled uploads of {} MiB announced, {} MiB sent each: simulator RSS {} MiB at start, peak {} MiB",
        ANNOUNCED >> 20,
        SENT >> 20,
        baseline >> 20,
        peak >> 20
    );
    assert!(
        peak <= 128 << 20,
        "simulator RSS peaked at {} MiB",
        peak >> 20
    );
    drop(held);
    // And it still checks firmware: the right model passes, the other is -34.
    let dev = Device::connect(&addr.to_string(), Options::default()).unwrap();
    dev.login("Admin", "Admin").unwrap();
    let ok = dev
        .upload_update_bytes("fw.mwf", &fake_firmware(Model::Hdmi, "1.2.200"))
        .expect("upload");
    assert_eq!(ok.version, "1.2.200");
    match dev.upload_update_bytes("fw.mwf", &fake_firmware(Model::Sdi, "1.2.200")) {
        Err(ultrastream::Error::Device { code, .. }) => assert_eq!(code, -34),
        other => panic!("an SDI image on an HDMI device: {other:?}"),
    }
}

fn control(sim: &Simulator, head: &str, body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(sim.addr()).unwrap();
    let req = if body.is_empty() {
        format!("{head}\r\nHost: sim\r\nConnection: close\r\n\r\n")
    } else {
        format!(
            "{head}\r\nHost: sim\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
    };
    s.write_all(req.as_bytes()).unwrap();
    let text = read_until_closed(&mut s, Duration::from_secs(30));
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, text)
}

#[test]
fn the_control_endpoint_refuses_what_a_browser_can_send_cross_site() {
    alone!(the_control_endpoint_refuses_what_a_browser_can_send_cross_site);
    let sim = sim();
    let post = "POST /__sim/control HTTP/1.1";
    let cmd = r#"{"cmd":"set-signal","present":false}"#;
    let json_ct = "\r\nContent-Type: application/json";
    // A simple cross-site form or fetch (no preflight): text/plain, form, none.
    for ct in [
        "\r\nContent-Type: text/plain",
        "\r\nContent-Type: application/x-www-form-urlencoded",
        "\r\nContent-Type: multipart/form-data; boundary=x",
        "",
    ] {
        let (status, text) = control(&sim, &format!("{post}{ct}"), cmd);
        assert_eq!(status, 415, "{ct}: {text}");
        assert!(text.contains("application/json"), "{text}");
    }
    // Anything carrying an Origin, or a browser's Sec-Fetch-Site.
    let (status, _) = control(
        &sim,
        &format!("{post}{json_ct}\r\nOrigin: http://evil.example"),
        cmd,
    );
    assert_eq!(status, 403);
    let (status, _) = control(
        &sim,
        "GET /__sim/control?cmd=set-signal&present=false HTTP/1.1\r\nSec-Fetch-Site: cross-site",
        "",
    );
    assert_eq!(status, 403);
    // None of it ran.
    assert_eq!(state(&sim)["signal"], true);
    // What curl and the libraries send still works.
    let (status, text) = control(&sim, &format!("{post}{json_ct}; charset=utf-8"), cmd);
    assert_eq!(status, 200, "{text}");
    assert_eq!(state(&sim)["signal"], false);
    let (status, _) = control(
        &sim,
        "GET /__sim/control?cmd=state HTTP/1.1\r\nSec-Fetch-Site: none",
        "",
    );
    assert_eq!(status, 200);
}

#[test]
fn a_control_token_is_required_when_set_and_never_echoed() {
    alone!(a_control_token_is_required_when_set_and_never_echoed);
    let token = "s3cr3t-Tok3n";
    let sim = sim_with(|o| o.control_token = Some(token.into()));
    let post = "POST /__sim/control HTTP/1.1\r\nContent-Type: application/json";
    let cmd = r#"{"cmd":"state"}"#;
    for auth in [
        "".to_string(),
        "\r\nAuthorization: Bearer wrong".into(),
        format!("\r\nAuthorization: Bearer {token}x"),
        format!("\r\nAuthorization: Basic {token}"),
    ] {
        let (status, text) = control(&sim, &format!("{post}{auth}"), cmd);
        assert_eq!(status, 401, "{auth}: {text}");
        assert!(text.contains("Authorization: Bearer"), "{text}");
        assert!(!text.contains(token), "the token leaked: {text}");
    }
    let (status, _) = control(&sim, "GET /__sim/control?cmd=state HTTP/1.1", "");
    assert_eq!(status, 401);
    let (status, text) = control(
        &sim,
        &format!("{post}\r\nAuthorization: Bearer {token}"),
        cmd,
    );
    assert_eq!(status, 200, "{text}");
    // In-process control needs no token.
    assert_eq!(state(&sim)["power"], "up");
    // A bad token is refused at start, without quoting it.
    match Simulator::start(SimOptions {
        control_token: Some("has space".into()),
        ..test_options()
    }) {
        Err(ultrastream::Error::Simulator(m)) => assert!(!m.contains("has space"), "{m}"),
        other => panic!("{:?}", other.map(|s| s.host())),
    }
}
