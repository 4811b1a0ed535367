//! A Prometheus exporter for a fleet of Ultra Stream encoders
//! (docs/exporter.md): `/metrics` answers from the state the poller keeps
//! fresh on the fleet engine, calling no device, so a scrape costs the
//! same however slow the devices are; `/probe?target=HOST&auth=NAME`
//! polls one device, only if the allow-list permits it; `/` is a short
//! page linking both.
//!
//! Layer: beside watch, on the engine (`engine::submit`) and the client;
//! used by the CLI only.
//!
//! ```no_run
//! use ultrastream::exporter::{Config, Credential, DeviceEntry, Exporter};
//! let mut cfg = Config::default();
//! cfg.listen = "127.0.0.1:9851".into();
//! cfg.credentials.insert("default".into(), Credential::new("Admin", "Admin"));
//! cfg.devices.push(DeviceEntry { host: "10.0.0.5".into(), auth: "default".into() });
//! let exporter = Exporter::start(cfg)?;
//! println!("{}", exporter.metrics());
//! exporter.stop();
//! # Ok::<(), ultrastream::Error>(())
//! ```

#![warn(missing_docs)]

mod config;
mod metrics;
mod server;
mod state;

pub use config::{Allow, Config, Credential, DeviceEntry, ProbeConfig};
pub use metrics::{CONTENT_TYPE, render};
pub use state::{DeviceMetrics, Disk, Info, OPERATIONS, Run, Signal, Status};

use crate::client::{Error, Result};
use state::Slot;
use std::collections::{BTreeMap, HashMap};
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// At most this many `/probe` targets keep a session (then the oldest
/// are dropped; a device holds only two sessions, so probes reuse one).
const PROBE_CACHE: usize = 4096;

pub(crate) struct Shared {
    slots: Vec<Arc<Slot>>,
    /// Credentials by name: user and password MD5 (never the password).
    creds: BTreeMap<String, (String, String)>,
    allow: Vec<Allow>,
    timeout: Duration,
    stop: AtomicBool,
    /// CPU the last `/metrics` request cost its thread, ns.
    last_scrape_cpu_ns: AtomicU64,
    probes: Mutex<HashMap<String, Arc<Slot>>>,
}

/// A running exporter. Stop it with [`Exporter::stop`] (or drop it).
pub struct Exporter {
    shared: Arc<Shared>,
    addr: SocketAddr,
    threads: Vec<JoinHandle<()>>,
}

impl Exporter {
    /// Check `cfg`, resolve its credentials, bind its listen address and
    /// start polling its devices.
    pub fn start(cfg: Config) -> Result<Exporter> {
        cfg.check()?;
        let mut creds = BTreeMap::new();
        for (name, c) in &cfg.credentials {
            creds.insert(name.clone(), c.resolve(name)?);
        }
        let timeout = cfg.timeout();
        let mut slots = Vec::with_capacity(cfg.devices.len());
        for d in &cfg.devices {
            let (user, pass) = &creds[&d.auth];
            slots.push(Arc::new(Slot::new(state::device(
                &d.host, user, pass, timeout,
            )?)));
        }
        let allow = cfg
            .probe
            .allow
            .iter()
            .map(|a| Allow::parse(a))
            .collect::<Result<Vec<_>>>()?;
        let listener = TcpListener::bind(&cfg.listen).map_err(|e| {
            Error::Io(format!(
                "cannot listen on {}: {e}; choose a free address with --listen or \"listen\"",
                cfg.listen
            ))
        })?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::Io(format!("cannot read the listening address: {e}")))?;
        let shared = Arc::new(Shared {
            slots,
            creds,
            allow,
            timeout,
            stop: AtomicBool::new(false),
            last_scrape_cpu_ns: AtomicU64::new(0),
            probes: Mutex::new(HashMap::new()),
        });
        let mut threads = Vec::new();
        if !shared.slots.is_empty() {
            let s = Arc::clone(&shared);
            let interval = cfg.interval();
            threads.push(spawn("usapi-exp-poll", move || s.schedule(interval))?);
        }
        let s = Arc::clone(&shared);
        threads.push(spawn("usapi-exp-http", move || server::serve(s, listener))?);
        Ok(Exporter {
            shared,
            addr,
            threads,
        })
    }

    /// The address it listens on (the port chosen when 0 was asked).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The fleet's state now (what `/metrics` serves).
    pub fn devices(&self) -> Vec<DeviceMetrics> {
        self.shared.snapshot()
    }

    /// The `/metrics` text now.
    pub fn metrics(&self) -> String {
        self.shared.metrics()
    }

    /// The CPU time the last `/metrics` request cost the exporter (its
    /// thread's, encoding and writing the reply), for benchmarks; zero
    /// where the thread's CPU clock is not read (off Unix).
    pub fn last_scrape_cpu(&self) -> Duration {
        Duration::from_nanos(self.shared.last_scrape_cpu_ns.load(Ordering::Relaxed))
    }

    /// Stop polling and serving; joins the threads.
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = std::net::TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        self.halt();
    }
}

fn spawn(name: &str, f: impl FnOnce() + Send + 'static) -> Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name(name.into())
        .spawn(f)
        .map_err(|e| Error::Io(format!("cannot start the exporter's {name} thread: {e}")))
}

/// What `/probe` answered.
pub(crate) enum Probe {
    Metrics(String),
    /// HTTP status and a message (never a credential).
    Refused(u16, String),
}

impl Shared {
    fn snapshot(&self) -> Vec<DeviceMetrics> {
        self.slots.iter().map(|s| s.snapshot()).collect()
    }

    fn metrics(&self) -> String {
        render(self.snapshot(), Some(self.slots.len()))
    }

    /// Poll every device once per `interval`, spread over the interval
    /// so the engine sees a steady trickle, not a burst.
    fn schedule(&self, interval: Duration) {
        let n = self.slots.len() as u32;
        let t0 = Instant::now();
        let mut due: Vec<Instant> = (0..n).map(|i| t0 + interval * i / n.max(1)).collect();
        while !self.stop.load(Ordering::SeqCst) {
            let now = Instant::now();
            let mut next = now + Duration::from_millis(100);
            for (slot, d) in self.slots.iter().zip(due.iter_mut()) {
                if *d <= now {
                    slot.poll(|| {});
                    *d += interval;
                    if *d < now {
                        // Fell behind (a stall): do not poll in a burst.
                        *d = now + interval;
                    }
                }
                next = next.min(*d);
            }
            std::thread::sleep(next.saturating_duration_since(Instant::now()));
        }
    }

    /// One poll of `target` with the credentials named `auth`, if the
    /// allow-list permits it; its metrics.
    pub(crate) fn probe(&self, target: &str, auth: &str) -> Probe {
        if target.is_empty() {
            return Probe::Refused(400, "give the device as ?target=HOST[:PORT]".into());
        }
        let Some((user, pass)) = self.creds.get(auth) else {
            return Probe::Refused(
                400,
                format!(
                    "no credentials named \"{auth}\" in the configuration: use one of its names as ?auth=NAME"
                ),
            );
        };
        if !self.allow.iter().any(|a| a.allows(target)) {
            return Probe::Refused(
                403,
                format!(
                    "target {target} is not in the configuration's probe.allow list: nothing was sent to it"
                ),
            );
        }
        let key = format!("{auth}\u{0}{target}");
        let slot = {
            let mut cache = self.probes.lock().unwrap_or_else(|p| p.into_inner());
            match cache.get(&key) {
                Some(s) => Arc::clone(s),
                None => {
                    let dev = match state::device(target, user, pass, self.timeout) {
                        Ok(d) => d,
                        Err(e) => return Probe::Refused(400, format!("target {target}: {e}")),
                    };
                    if cache.len() >= PROBE_CACHE {
                        cache.clear();
                    }
                    let s = Arc::new(Slot::new(dev));
                    cache.insert(key, Arc::clone(&s));
                    s
                }
            }
        };
        let (tx, rx) = mpsc::channel();
        slot.poll(move || {
            let _ = tx.send(());
        });
        let bound = Instant::now() + self.timeout * 2 + Duration::from_secs(1);
        let _ = rx.recv_timeout(self.timeout * 2 + Duration::from_secs(1));
        // A poll already in flight (a concurrent probe of the same target)
        // did not take ours: wait for it, its result is what we report.
        while slot.polling() && Instant::now() < bound {
            std::thread::sleep(Duration::from_millis(5));
        }
        Probe::Metrics(render(vec![slot.snapshot()], None))
    }
}
