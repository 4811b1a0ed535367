//! The fleet engine through its Rust API (`call_many`, `submit`): one
//! result per device, the session logic (re-login on -17, login through
//! the engine), arguments refused before any traffic, and a device that
//! never answers or refuses costing only its own result. A fake device
//! counts connections and requests in progress: the engine never has more
//! than one of each per device. Waits poll a condition with generous
//! bounds; nothing here depends on machine speed.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};
use ultrastream::engine::{CallManyOptions, ManyResult, call_many, submit};
use ultrastream::sim::{SimOptions, Simulator};
use ultrastream::{Device, Error, Options};

const BOUND: Duration = Duration::from_secs(60);

fn logged_in(sim: &Simulator) -> Arc<Device> {
    let d = Device::connect(&sim.host(), Options::default()).unwrap();
    d.login("Admin", "Admin").unwrap();
    Arc::new(d)
}

fn run(
    devs: &[Arc<Device>],
    method: &str,
    params: &[(&str, &str)],
    opts: &CallManyOptions,
) -> Vec<ManyResult> {
    let mut out = Vec::new();
    call_many(devs, method, params, opts, &mut |r| out.push(r)).unwrap();
    out
}

#[test]
fn set_name_on_many_devices_one_result_each() {
    let sims: Vec<Simulator> = (0..6)
        .map(|_| Simulator::start(SimOptions::default()).unwrap())
        .collect();
    let devs: Vec<Arc<Device>> = sims.iter().map(logged_in).collect();
    let opts = CallManyOptions {
        max_in_flight: 2,
        ..Default::default()
    };
    let results = run(&devs, "set-name", &[("name", "Stage 'A'+1")], &opts);
    let mut seen: Vec<usize> = results.iter().map(|r| r.index).collect();
    seen.sort();
    assert_eq!(seen, (0..6).collect::<Vec<_>>());
    for r in &results {
        assert_eq!(r.result.as_ref().unwrap().result, 0, "{r:?}");
    }
    for d in &devs {
        assert_eq!(d.get_status().unwrap().box_name, "Stage 'A'+1");
    }
}

#[test]
fn expired_sessions_are_renewed_and_login_runs_through_the_engine() {
    let sims: Vec<Simulator> = (0..3)
        .map(|_| Simulator::start(SimOptions::default()).unwrap())
        .collect();
    let devs: Vec<Arc<Device>> = sims.iter().map(logged_in).collect();
    for s in &sims {
        s.control(r#"{"cmd":"expire-sessions"}"#).unwrap();
    }
    let opts = CallManyOptions::default();
    for r in run(&devs, "get-status", &[], &opts) {
        assert_eq!(r.result.unwrap().result, 0);
    }
    for s in &sims {
        let state: serde_json::Value =
            serde_json::from_str(&s.control(r#"{"cmd":"state"}"#).unwrap()).unwrap();
        assert_eq!(state["sessions"], 1, "{state}");
    }
    // A login through the engine gives the old session back first.
    let pass = ultrastream::md5_hex("Admin");
    for r in run(&devs, "login", &[("id", "Admin"), ("pass", &pass)], &opts) {
        assert_eq!(r.result.unwrap().result, 0);
    }
    for s in &sims {
        let state: serde_json::Value =
            serde_json::from_str(&s.control(r#"{"cmd":"state"}"#).unwrap()).unwrap();
        assert_eq!(state["sessions"], 1, "{state}");
    }
    // A wrong password is the device's refusal, and no secret is shown.
    let wrong = ultrastream::md5_hex("wrong");
    for r in run(&devs, "login", &[("id", "Admin"), ("pass", &wrong)], &opts) {
        let e = r.result.unwrap_err();
        assert!(matches!(e, Error::Device { .. }), "{e:?}");
        assert!(!e.to_string().contains(&wrong), "{e}");
    }
}

#[test]
fn bad_arguments_send_nothing() {
    let fake = FakeDevice::start(Duration::ZERO);
    let dev = Arc::new(Device::connect(&fake.host(), Options::default()).unwrap());
    let r = call_many(
        std::slice::from_ref(&dev),
        "set-name",
        &[("name", " leading space")],
        &CallManyOptions::default(),
        &mut |_| panic!("no result expected"),
    );
    assert!(matches!(r, Err(Error::InvalidArgument { .. })), "{r:?}");
    let r = submit(
        dev,
        "no such method!",
        vec![],
        Box::new(|_| panic!("not called")),
    );
    assert!(matches!(r, Err(Error::UnknownMethod(_))), "{r:?}");
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(fake.connections.load(Ordering::SeqCst), 0);
}

#[test]
fn one_request_and_one_connection_per_device() {
    let fake = FakeDevice::start(Duration::from_millis(20));
    let dev = Arc::new(Device::connect(&fake.host(), Options::default()).unwrap());
    // The same device five times: the calls run one after the other.
    let devs = vec![dev.clone(); 5];
    let results = run(&devs, "ping", &[], &CallManyOptions::default());
    assert_eq!(results.len(), 5);
    for r in &results {
        assert_eq!(r.result.as_ref().unwrap().result, 0, "{r:?}");
    }
    assert_eq!(fake.max_busy.load(Ordering::SeqCst), 1, "requests at once");
    assert_eq!(fake.connections.load(Ordering::SeqCst), 1, "connections");
    assert_eq!(fake.requests.load(Ordering::SeqCst), 5);
}

#[test]
fn silent_and_refused_devices_cost_only_their_own_result() {
    let sim = Simulator::start(SimOptions::default()).unwrap();
    // Accepts and never answers.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_host = silent.local_addr().unwrap().to_string();
    let held = Arc::new(Mutex::new(Vec::new()));
    let h = held.clone();
    std::thread::spawn(move || {
        for s in silent.incoming().flatten() {
            h.lock().unwrap().push(s);
        }
    });
    // Refuses: a port nobody listens on.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_host = closed.local_addr().unwrap().to_string();
    drop(closed);
    let devs = vec![
        Arc::new(Device::connect(&silent_host, Options::default()).unwrap()),
        logged_in(&sim),
        Arc::new(Device::connect(&closed_host, Options::default()).unwrap()),
    ];
    let opts = CallManyOptions {
        max_in_flight: 3,
        timeout: Some(Duration::from_millis(300)),
    };
    let t0 = Instant::now();
    let mut order = Vec::new();
    call_many(&devs, "get-status", &[], &opts, &mut |r| {
        order.push((r.index, t0.elapsed(), r.result))
    })
    .unwrap();
    let by = |i: usize| order.iter().find(|o| o.0 == i).unwrap();
    assert!(matches!(by(0).2, Err(Error::Timeout(_))), "{:?}", by(0));
    assert!(by(0).1 >= Duration::from_millis(300), "{:?}", by(0).1);
    assert!(by(1).2.is_ok(), "{:?}", by(1));
    assert!(matches!(by(2).2, Err(Error::Connect(_))), "{:?}", by(2));
    // The healthy and the refused device did not wait for the silent one.
    assert_eq!(order.last().unwrap().0, 0, "{order:?}");
}

#[test]
fn submit_calls_done_once_on_the_engine_thread() {
    let sim = Simulator::start(SimOptions::default()).unwrap();
    let dev = logged_in(&sim);
    let (tx, rx) = mpsc::channel();
    let caller = std::thread::current().id();
    for _ in 0..3 {
        let tx = tx.clone();
        submit(
            dev.clone(),
            "get-status",
            vec![],
            Box::new(move |r| {
                let _ = tx.send((std::thread::current().id(), r.map(|r| r.result)));
            }),
        )
        .unwrap();
    }
    for _ in 0..3 {
        let (thread, r) = rx.recv_timeout(BOUND).unwrap();
        assert_ne!(thread, caller);
        assert_eq!(r.unwrap(), 0);
    }
    // A panicking callback is contained: the engine goes on.
    submit(dev.clone(), "ping", vec![], Box::new(|_| panic!("in done"))).unwrap();
    let tx2 = tx.clone();
    submit(
        dev,
        "ping",
        vec![],
        Box::new(move |r| {
            let _ = tx2.send((std::thread::current().id(), r.map(|r| r.result)));
        }),
    )
    .unwrap();
    assert_eq!(rx.recv_timeout(BOUND).unwrap().1.unwrap(), 0);
}

/// A device that answers every request with `{"result":0}` after `delay`,
/// counting connections and requests in progress.
struct FakeDevice {
    port: u16,
    connections: Arc<AtomicUsize>,
    requests: Arc<AtomicUsize>,
    busy: Arc<AtomicUsize>,
    max_busy: Arc<AtomicUsize>,
}

impl FakeDevice {
    fn start(delay: Duration) -> FakeDevice {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let f = FakeDevice {
            port,
            connections: Default::default(),
            requests: Default::default(),
            busy: Default::default(),
            max_busy: Default::default(),
        };
        let (c, q, b, m) = (
            f.connections.clone(),
            f.requests.clone(),
            f.busy.clone(),
            f.max_busy.clone(),
        );
        std::thread::spawn(move || {
            for s in l.incoming().flatten() {
                c.fetch_add(1, Ordering::SeqCst);
                let (q, b, m) = (q.clone(), b.clone(), m.clone());
                std::thread::spawn(move || serve(s, delay, &q, &b, &m));
            }
        });
        f
    }

    fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

fn serve(
    mut s: TcpStream,
    delay: Duration,
    requests: &AtomicUsize,
    busy: &AtomicUsize,
    max_busy: &AtomicUsize,
) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            buf.drain(..end + 4);
            requests.fetch_add(1, Ordering::SeqCst);
            let now = busy.fetch_add(1, Ordering::SeqCst) + 1;
            max_busy.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(delay);
            busy.fetch_sub(1, Ordering::SeqCst);
            let body = r#"{"result":0,"cur-status":0}"#;
            let reply = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
            if s.write_all(reply.as_bytes()).is_err() {
                return;
            }
        }
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}
