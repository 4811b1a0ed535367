//! The simulator: a virtual Magewell Ultra Stream HDMI / SDI on a real HTTP
//! server (127.0.0.1 and an ephemeral port unless told otherwise).
//!
//! ```
//! use ultrastream::sim::{SimOptions, Simulator};
//! let sim = Simulator::start(SimOptions::default())?;
//! let dev = ultrastream::Device::connect(&sim.host(), Default::default())?;
//! dev.login("Admin", "Admin")?;
//! dev.start_rec()?;
//! sim.control(r#"{"cmd":"advance","ms":540000}"#)?; // nine minutes later
//! dev.stop_rec()?;
//! // Files are split every time-unit (5 minutes by default): 5 + 4 minutes.
//! assert_eq!(dev.get_media_files(0, 0, 10)?.media_files.len(), 2);
//! # Ok::<(), ultrastream::Error>(())
//! ```
//!
//! # What it simulates
//!
//! - **Protocol.** `GET /usapi?method=NAME&...` (and the document's
//!   `/usapi/usapi` typo). Without a valid session every method but `ping`
//!   and `login` answers HTTP 200 `{"result":-17}`. `login` takes `id` and
//!   `pass` = MD5 hex of the password, answers `Set-Cookie: sid=<32 hex>;
//!   path=/`; a wrong user or password answers `{"result":-1}` (as devices in
//!   the field do; the document says 36). Cookies are parsed leniently (the
//!   whole Set-Cookie value sent back, other cookies, quotes). At most 2
//!   sessions (`max-lock-count`): a third login gets errOccupied (-2) and
//!   `cur-status` shows statusOccupied while two are held; `logout` frees a
//!   slot; a session idle longer than `session_idle_timeout` (device time)
//!   expires. Query values: `%XX` decoded, a literal `+` is a space (as
//!   browsers encode forms; `%2B` is a plus).
//! - **State.** Starts from the document's example replies (get-info,
//!   get-settings, get-status); every method changes what it should, visible
//!   in the next get-settings / get-status / get-users / get-media-files.
//!   The app pairing password (`passwd`: 1) starts as the login password.
//! - **Rules and codes.** See `methods.rs` for the rules and the codes
//!   chosen where the document names none, and `limits.rs` for the API
//!   Limits table.
//! - **Long operations** run on the device clock (`time_scale`, `advance`):
//!   USB / SD format 8 s; USB speed test 10 s (result 0 when the disk's
//!   write speed reaches the document's required speed, (video + audio kbps)
//!   × 1024 / 8 bytes/s, else 3 retLowSpeed); stream test 20 s;
//!   online update check 3 s (finds 1.2.123 when the device runs older);
//!   update: download 10 s (online only, step 1), verify 2 s (step 2), write
//!   10 s (step 3), then reboot. They report result 2 with a rising percent,
//!   then 0 (5 when cancelled); the clear-* methods return them to 27.
//! - **Power.** reboot / reset-all-settings: the device answers for 0.5 s
//!   more (statusReboot / statusReset), then goes down — API and download
//!   requests get their connection closed, open connections are closed — for
//!   5 s (reboot), 8 s (reset, after an update). Then `ping` answers again,
//!   every session is gone, and reset has restored the defaults (the device
//!   then shows statusFirst until set-first-over). After a reboot (not a
//!   reset) `is-startup-rec` / `is-startup-live` start recording / live as
//!   a device would (both are 1 in the document's example settings).
//!   After an update's restart upgrade-status is back to 27 (the restart
//!   forgets it). Other readings of the document (restarts answered with
//!   -9, updates without a reboot, operations shorter than a poll, the
//!   format flag for SD formats, bits/s rates) are options: [`Readings`]
//!   and docs/simulator-readings.md.
//! - **Recording and live.** Recording writes to USB (usb-option 1) and SD
//!   (sd-option 1, or 2 = loop: oldest files deleted when space runs low) at
//!   (video + audio kbps) × 1024 bit/s; files split every `time-unit`
//!   minutes, named `<prefix>_<recording>_<part>.<mp4|mov>`, listed by
//!   get-media-files (the current file with status 0) under
//!   `/media/disk0|1/<root-folder>`, downloadable at
//!   `/download/media/disk0|1/<root-folder>/<name>` and thumbnails at
//!   `.../<root-folder>/thumbnail/<thumbnail-name>[.jpg]`. Disks fill up
//!   (LowSpace under 200 MiB, NotSpace at 0; recording stops when no disk is
//!   left). Live shows each enabled server connecting (23) for 1.5 s, then
//!   connected (22).
//! - **Control and faults:** see `control.rs` (set-signal, set-disk,
//!   expire-sessions, fault, clear-faults, advance, state).
//!
//! Layer: beside the client, on `model`, the method table, `discovery` and
//! `error`; never on `client`, so a client bug cannot hide behind the same
//! bug in the simulator.

pub mod cli;
mod control;
mod device;
pub mod discovery;
mod firmware;
#[cfg(unix)]
mod fleet;
mod http;
/// The API Limits table lives in `model` (the client explains errBusy with it).
pub use crate::model::limits;
mod log;
mod methods;
mod options;
mod rules;
mod server;

/// See `crate::fuzzing::sim_request`.
pub(crate) fn fuzz_request_reader(data: &[u8]) -> usize {
    server::fuzz_requests(data)
}

pub use discovery::{DiscoveryResponder, ResponderOptions};
pub use firmware::fake_firmware;
#[cfg(unix)]
pub use fleet::Fleet;
pub use options::{BpsUnit, Readings, RestartStyle, ServerLimits, SimOptions};

use crate::error::Error;
use device::Device;
use serde_json::Value;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// The simulated product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Model {
    /// Ultra Stream HDMI (the default).
    #[default]
    Hdmi,
    /// Ultra Stream SDI (refuses HDMI firmware, and the other way round).
    Sdi,
}

/// What the discovery responder needs to answer for this device.
#[derive(Debug, Clone, PartialEq)]
pub struct DiscoveryInfo {
    /// `product` ("Ultra Stream").
    pub product: String,
    /// `boxname`: the device's name.
    pub boxname: String,
    /// `serialnumber`.
    pub serialnumber: String,
    /// `ethip`: the Ethernet address.
    pub ethip: String,
    /// `wifiip`: the Wi-Fi address ("" when none).
    pub wifiip: String,
    /// The device status mask (`cur-status`).
    pub status: u32,
    /// True when the device answers SSDP (its is-ssdp setting).
    pub ssdp_enabled: bool,
    /// The HTTP port, sent as the extra `http-port` field so a
    /// simulated fleet on one address can be told apart.
    pub http_port: u16,
}

/// `base` plus or minus a uniform draw of at most `jitter` (never below 0).
fn jittered(state: &AtomicU64, base: u64, jitter: u64) -> u64 {
    if jitter == 0 {
        return base;
    }
    // xorshift64*; a lost race between threads only repeats a draw.
    let mut x = state.load(Ordering::Relaxed);
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    state.store(x, Ordering::Relaxed);
    let span = jitter.saturating_mul(2).saturating_add(1);
    let off = x.wrapping_mul(0x2545_F491_4F6C_DD1D) % span;
    base.saturating_add(off).saturating_sub(jitter)
}

/// State shared by the server threads and the `Simulator` handle.
pub(crate) struct Shared {
    pub device: Mutex<Device>,
    pub faults: Mutex<Vec<control::Fault>>,
    pub stopping: AtomicBool,
    pub conns: Mutex<server::Registry>,
    pub next_conn: AtomicU64,
    pub threads: Mutex<Vec<JoinHandle<()>>>,
    /// The device's boot epoch whose connections were last closed.
    pub closed_epoch: AtomicU64,
    pub model: Model,
    pub control_token: Option<String>,
    /// The request log, when asked for.
    pub log: Option<log::Logger>,
    pub limits: ServerLimits,
    /// The connection cap in force (`limits.max_connections`, lowered to
    /// fit the open-file limit).
    pub cap: usize,
    pub park: server::Park,
    /// `SimOptions::latency` and `latency_jitter`, in milliseconds.
    pub latency_ms: u64,
    pub latency_jitter_ms: u64,
    /// The jitter's random state (xorshift; no need for a crate).
    pub jitter_state: AtomicU64,
    /// The API requests received, oldest first (at most `REQUEST_LOG`).
    pub requests: Mutex<std::collections::VecDeque<Value>>,
    #[cfg(unix)]
    pub wake_rx: Mutex<Option<std::os::unix::net::UnixStream>>,
}

/// How many API requests `{"cmd":"requests"}` keeps.
pub(crate) const REQUEST_LOG: usize = 10_000;

impl Shared {
    /// This request's configured delay: the latency, plus or minus a
    /// uniform draw within the jitter.
    pub fn request_latency_ms(&self) -> u64 {
        jittered(&self.jitter_state, self.latency_ms, self.latency_jitter_ms)
    }

    /// Note one API request: its method, the device's power state when it
    /// was handled, and what it got ("answered", "closed", or a fault).
    pub fn record(&self, method: &str, power: &str, got: &str) {
        let mut q = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        if q.len() >= REQUEST_LOG {
            q.pop_front();
        }
        q.push_back(serde_json::json!({"method": method, "power": power, "got": got}));
    }

    /// Run `f` on the device, brought up to the current device time. If the
    /// device went down meanwhile, close every open connection but `keep`.
    pub fn with_device<T>(&self, keep: Option<u64>, f: impl FnOnce(&mut Device) -> T) -> T {
        let (out, epoch) = {
            let mut d = self.device.lock().unwrap_or_else(|p| p.into_inner());
            d.tick();
            let out = f(&mut d);
            (out, d.boot_epoch)
        };
        if epoch > self.closed_epoch.load(Ordering::SeqCst) {
            self.closed_epoch.store(epoch, Ordering::SeqCst);
            let conns = self.conns.lock().unwrap_or_else(|p| p.into_inner());
            for (id, c) in conns.iter() {
                if Some(*id) != keep {
                    c.close();
                }
            }
        }
        out
    }
}

/// A running simulator. `Send + Sync`; stops (and joins its threads) on
/// `stop` or drop.
pub struct Simulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    acceptor: Option<JoinHandle<()>>,
    responder: Option<DiscoveryResponder>,
}

/// The discovery reply for the device in `shared`, reachable on `port`.
fn discovery_info_of(shared: &Shared, port: u16) -> DiscoveryInfo {
    shared.with_device(None, |d| DiscoveryInfo {
        product: "Ultra Stream".into(),
        boxname: d.cfg.name.clone(),
        serialnumber: d.serial.clone(),
        ethip: d.eth_ip(),
        wifiip: d.wifi_ip(),
        status: d.cur_status(),
        ssdp_enabled: d.cfg.is_ssdp == 1,
        http_port: port,
    })
}

/// The reactor's end of the wake-up pair (none off Unix).
#[cfg(unix)]
pub(crate) type WakeRx = std::os::unix::net::UnixStream;
/// The reactor's end of the wake-up pair (none off Unix).
#[cfg(not(unix))]
pub(crate) type WakeRx = ();

/// The state of one device served at `addr`.
pub(crate) fn new_shared(
    opts: &SimOptions,
    addr: SocketAddr,
    park: server::Park,
    wake_rx: Option<WakeRx>,
) -> Arc<Shared> {
    #[cfg(not(unix))]
    let _ = wake_rx;
    let serial = opts
        .serial
        .clone()
        .unwrap_or_else(|| derive_serial(opts.model, addr.port()));
    let idle_ms = u64::try_from(opts.session_idle_timeout.as_millis()).unwrap_or(u64::MAX);
    let mut device = Device::new(
        opts.model,
        serial,
        &opts.user,
        &methods::md5_hex(&opts.password),
        opts.time_scale,
        idle_ms,
    );
    device.readings = opts.readings.clone();
    Arc::new(Shared {
        device: Mutex::new(device),
        faults: Mutex::new(Vec::new()),
        stopping: AtomicBool::new(false),
        conns: Mutex::new(HashMap::new()),
        next_conn: AtomicU64::new(1),
        threads: Mutex::new(Vec::new()),
        closed_epoch: AtomicU64::new(0),
        model: opts.model,
        control_token: opts.control_token.clone(),
        log: opts.log.then(log::Logger::new),
        cap: server::effective_cap(opts.server.max_connections),
        limits: opts.server.clone(),
        park,
        requests: Mutex::new(std::collections::VecDeque::new()),
        latency_ms: u64::try_from(opts.latency.as_millis()).unwrap_or(u64::MAX),
        latency_jitter_ms: u64::try_from(opts.latency_jitter.as_millis()).unwrap_or(u64::MAX),
        jitter_state: AtomicU64::new(0x9E37_79B9_7F4A_7C15 ^ u64::from(addr.port())),
        #[cfg(unix)]
        wake_rx: Mutex::new(wake_rx),
    })
}

fn derive_serial(model: Model, port: u16) -> String {
    match model {
        Model::Hdmi => format!("C3011812{port:05}"),
        Model::Sdi => format!("A3021907{port:05}"),
    }
}

impl Simulator {
    /// Bind and start serving.
    pub fn start(opts: SimOptions) -> Result<Simulator, Error> {
        let err = |m: String| Error::Simulator(m);
        opts.check()?;
        let listener = TcpListener::bind((opts.bind, opts.port))
            .map_err(|e| err(format!("cannot listen on {}:{}: {e}", opts.bind, opts.port)))?;
        let addr = listener
            .local_addr()
            .map_err(|e| err(format!("cannot read the bound address: {e}")))?;
        #[cfg(unix)]
        let (park, wake_rx) = server::Park::new()
            .map_err(|e| err(format!("cannot create the server's wake-up socket: {e}")))?;
        #[cfg(not(unix))]
        let park = server::Park::new();
        #[cfg(unix)]
        let shared = new_shared(&opts, addr, park, Some(wake_rx));
        #[cfg(not(unix))]
        let shared = new_shared(&opts, addr, park, None);
        let acceptor = server::spawn(listener, Arc::clone(&shared))
            .map_err(|e| err(format!("cannot start the server threads: {e}")))?;
        let mut sim = Simulator {
            shared,
            addr,
            acceptor: Some(acceptor),
            responder: None,
        };
        if let Some(ropts) = opts.discovery {
            // A weak reference: the responder never keeps a stopped device
            // alive, and a device that is down (rebooting) stays silent.
            let weak = Arc::downgrade(&sim.shared);
            let port = addr.port();
            let source: discovery::OptionalInfoSource = Arc::new(move || {
                let shared = weak.upgrade()?;
                if shared.with_device(None, |d| d.is_down()) {
                    return None;
                }
                Some(discovery_info_of(&shared, port))
            });
            // On failure `sim` drops here and shuts the server down.
            sim.responder = Some(DiscoveryResponder::start_optional(source, ropts)?);
        }
        Ok(sim)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// "127.0.0.1:PORT": what `Device::connect` takes.
    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    /// Run one control command (JSON in, JSON out). See `control.rs` for
    /// the commands; errors name what is wrong.
    pub fn control(&self, command_json: &str) -> Result<String, Error> {
        control::run(&self.shared, command_json, None)
            .map(|v| v.to_string())
            .map_err(Error::Simulator)
    }

    /// What the discovery responder reports for this device.
    pub fn discovery_info(&self) -> DiscoveryInfo {
        discovery_info_of(&self.shared, self.addr.port())
    }

    /// Where the discovery responder listens (multicast protocol, SSDP),
    /// when `SimOptions::discovery` was given.
    pub fn discovery_addrs(&self) -> Option<(SocketAddr, SocketAddr)> {
        self.responder
            .as_ref()
            .map(|r| (r.multicast_addr().into(), r.ssdp_addr().into()))
    }

    /// Stop accepting, close every connection and join the threads.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(mut r) = self.responder.take() {
            r.stop();
        }
        let Some(acceptor) = self.acceptor.take() else {
            return;
        };
        self.shared.stopping.store(true, Ordering::SeqCst);
        // Wake the acceptor with a connection of our own.
        let mut wake = self.addr;
        if wake.ip().is_unspecified() {
            wake.set_ip(match wake {
                SocketAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
                SocketAddr::V6(_) => IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
            });
        }
        let woke = TcpStream::connect_timeout(&wake, Duration::from_secs(1)).is_ok();
        if woke {
            let _ = acceptor.join();
        }
        self.shared.park.wake();
        for c in self
            .shared
            .conns
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
        {
            c.close();
        }
        let threads = std::mem::take(
            &mut *self
                .shared
                .threads
                .lock()
                .unwrap_or_else(|p| p.into_inner()),
        );
        for t in threads {
            let _ = t.join();
        }
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.shutdown();
    }
}

#[cfg(test)]
mod jitter_tests {
    use super::*;

    #[test]
    fn draws_cover_the_range_and_stay_in_it() {
        let st = AtomicU64::new(0x1234_5678_9abc_def1);
        let draws: Vec<u64> = (0..2000).map(|_| jittered(&st, 100, 50)).collect();
        assert!(draws.iter().all(|d| (50..=150).contains(d)), "{draws:?}");
        // Both ends of the range are reached, and the middle is about 100.
        assert!(draws.iter().any(|d| *d < 60) && draws.iter().any(|d| *d > 140));
        let mean = draws.iter().sum::<u64>() as f64 / draws.len() as f64;
        assert!((90.0..110.0).contains(&mean), "mean {mean}");
        // A jitter above the base clamps at zero, never wraps.
        assert!((0..500).all(|_| jittered(&st, 10, 40) <= 50));
        assert_eq!(jittered(&st, 7, 0), 7);
    }
}
