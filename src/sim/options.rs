//! Simulator layer (`sim`): how to start a simulator. `SimOptions` (from
//! Rust, or the JSON `usapi_sim_start` takes), the readings of the
//! document where devices differ, and the server's limits.

use super::{Model, ResponderOptions};
use crate::error::Error;
use serde_json::Value;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

/// How to start a simulator. `Default` gives 127.0.0.1, an ephemeral port,
/// user Admin / password Admin, the HDMI model, real time, 30-minute session
/// idle timeout and a serial number derived from the port.
#[derive(Debug, Clone, PartialEq)]
pub struct SimOptions {
    /// Address to bind (default 127.0.0.1).
    pub bind: IpAddr,
    /// Port (default 0 = ephemeral).
    pub port: u16,
    /// The administrator's user name (default "Admin").
    pub user: String,
    /// The administrator's password, plain (default "Admin"); the device
    /// compares the MD5 hex clients send.
    pub password: String,
    /// The simulated product (default HDMI).
    pub model: Model,
    /// Device time runs this many times faster than wall time (default 1.0).
    /// 0 makes the clock manual: device time moves only when told
    /// (`{"cmd":"advance","ms":N}`), never with wall time, so a test gives
    /// the same result on a loaded machine as on an idle one. Tests should
    /// use 0; other values are for people watching a simulation.
    pub time_scale: f64,
    /// Sessions idle this long (device time) expire (default 30 min; zero:
    /// never).
    pub session_idle_timeout: Duration,
    /// Serial number (default derived from the model and port, e.g.
    /// "C301181214002" on port 14002, so devices of a fleet differ).
    pub serial: Option<String>,
    /// Answer device discovery (multicast probe and SSDP) with these
    /// options (default `None`: silent).
    pub discovery: Option<ResponderOptions>,
    /// When set, HTTP requests to `/__sim/control` must carry
    /// `Authorization: Bearer <token>` (in-process `Simulator::control` and
    /// C `usapi_sim_control` need none). Default `None`: no token, but the
    /// control endpoint still refuses what a browser can send cross-site.
    pub control_token: Option<String>,
    /// Connection limits and timeouts of the HTTP server.
    pub server: ServerLimits,
    /// Log every request (secrets masked), fault and state change on
    /// stderr, one line each (default false; `ultrastream-sim --log`).
    pub log: bool,
    /// Every API request is answered this much later (wall time; default
    /// zero), as a device on a real network answers in tens to hundreds of
    /// milliseconds. Only that request waits: other connections and other
    /// devices are served meanwhile. Adds up with `latency` faults.
    pub latency: Duration,
    /// Each request's delay is `latency` plus or minus up to this much,
    /// uniformly drawn (default zero; clamped at zero delay).
    pub latency_jitter: Duration,
    /// Which reading of the document the device follows where devices in
    /// the field differ (docs/simulator-readings.md).
    pub readings: Readings,
}

/// How the device shows a restart (reboot, reset, an update's reboot).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RestartStyle {
    /// Connections are closed and new ones get no answer (default).
    #[default]
    Close,
    /// Every API call, ping and login included, answers
    /// `{"result":-9,"cur-status":MASK}` with statusReboot (reboot, update)
    /// or statusReset (reset) in MASK; connections stay open.
    Busy,
}

/// The unit of rec-status and live-status `cur-bps` / `avg-bps`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BpsUnit {
    /// Bytes per second (default; see docs/units.md for the evidence).
    #[default]
    Bytes,
    /// Bits per second.
    Bits,
}

/// The readings of the document a simulated device follows, where real
/// devices (or other readers of the document) differ. `Default` is the
/// simulator's usual device.
#[derive(Debug, Clone, PartialEq)]
pub struct Readings {
    /// How a restart shows (default: connections closed).
    pub restart: RestartStyle,
    /// Whether a successful firmware update ends with a reboot (default
    /// true). False: the new version is running as soon as upgrade-status
    /// shows 0, sessions stay.
    pub update_restarts: bool,
    /// Every long operation (format, speed test, stream test, update
    /// check, each update step) takes this many device ms instead of its
    /// usual duration: below a client's poll interval it finishes between
    /// two polls (None: the usual durations). At least 1.
    pub op_ms: Option<u64>,
    /// Set statusFormatDisk ("USB format is in progress") for SD card
    /// formats too (default false: only for USB, as the document names it).
    pub sd_format_flag: bool,
    /// The unit of rec / live `cur-bps` and `avg-bps` (default bytes/s).
    pub bps_unit: BpsUnit,
}

impl Default for Readings {
    fn default() -> Self {
        Readings {
            restart: RestartStyle::Close,
            update_restarts: true,
            op_ms: None,
            sd_format_flag: false,
            bps_unit: BpsUnit::Bytes,
        }
    }
}

/// How the simulator's HTTP server defends itself against clients that
/// hold connections, drip bytes or send huge bodies (see `server/`).
#[derive(Debug, Clone, PartialEq)]
pub struct ServerLimits {
    /// At most this many connections at once (default 1024, lowered to fit
    /// the process's open-file limit). When full, a new connection closes
    /// the longest-idle one, else the slowest half-received request; when
    /// every connection is being answered, the new one gets HTTP 503.
    pub max_connections: usize,
    /// An idle keep-alive connection is closed after this long (default 5 s).
    pub idle_timeout: Duration,
    /// A request that sends no byte for this long is dropped (default 10 s).
    pub stall_timeout: Duration,
    /// A whole request (head and body) must arrive within this long of its
    /// first byte (default 30 s), however steadily it drips.
    pub request_timeout: Duration,
}

impl Default for ServerLimits {
    fn default() -> Self {
        ServerLimits {
            max_connections: 1024,
            idle_timeout: Duration::from_secs(5),
            stall_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
        }
    }
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            user: "Admin".into(),
            password: "Admin".into(),
            model: Model::Hdmi,
            time_scale: 1.0,
            session_idle_timeout: Duration::from_secs(30 * 60),
            serial: None,
            discovery: None,
            control_token: None,
            server: ServerLimits::default(),
            log: false,
            latency: Duration::ZERO,
            latency_jitter: Duration::ZERO,
            readings: Readings::default(),
        }
    }
}

impl SimOptions {
    /// Parse the JSON object `usapi_sim_start` takes:
    /// `{"port":0,"user":"Admin","password":"Admin","model":"hdmi"|"sdi",
    /// "time_scale":1.0,"clock":"real"|"manual","session_idle_timeout_ms":N,
    /// "bind":"127.0.0.1","serial":"...","control_token":"...",
    /// "restart":"close"|"busy","update_restarts":true,"op_ms":N,
    /// "sd_format_flag":false,"bps_unit":"bytes"|"bits","latency_ms":N,
    /// "latency_jitter_ms":N}` (the readings: see [`Readings`]).
    /// `"clock":"manual"` is `time_scale` 0: device time moves only on
    /// `advance` (what tests should use).
    /// Every key is optional (`null` means the default). Unknown keys and
    /// wrong types are errors naming the key. An empty string or `{}` gives
    /// the defaults.
    pub fn from_json(s: &str) -> Result<SimOptions, Error> {
        let mut o = SimOptions::default();
        if s.trim().is_empty() {
            return Ok(o);
        }
        let err = |m: String| Error::Simulator(format!("options: {m}"));
        let v: Value = serde_json::from_str(s).map_err(|e| err(format!("not valid JSON: {e}")))?;
        let obj = v
            .as_object()
            .ok_or_else(|| err("must be a JSON object".into()))?;
        let mut clock: Option<bool> = None;
        for (k, val) in obj {
            if val.is_null() {
                continue;
            }
            let want_str = || {
                val.as_str()
                    .ok_or_else(|| err(format!("'{k}' must be a string, not {val}")))
            };
            let want_u64 = || {
                val.as_u64()
                    .ok_or_else(|| err(format!("'{k}' must be a non-negative integer, not {val}")))
            };
            match k.as_str() {
                "port" => {
                    o.port = u16::try_from(want_u64()?)
                        .map_err(|_| err(format!("'port' must be 0-65535, not {val}")))?
                }
                "user" => o.user = want_str()?.to_string(),
                "password" => o.password = want_str()?.to_string(),
                "model" => {
                    o.model = match want_str()?.to_ascii_lowercase().as_str() {
                        "hdmi" => Model::Hdmi,
                        "sdi" => Model::Sdi,
                        other => {
                            return Err(err(format!(
                                "'model' must be \"hdmi\" or \"sdi\", not \"{other}\""
                            )));
                        }
                    }
                }
                "time_scale" => {
                    o.time_scale = val
                        .as_f64()
                        .ok_or_else(|| err(format!("'time_scale' must be a number, not {val}")))?
                }
                "session_idle_timeout_ms" => {
                    o.session_idle_timeout = Duration::from_millis(want_u64()?)
                }
                "bind" => {
                    o.bind = want_str()?.parse().map_err(|_| {
                        err(format!(
                            "'bind' must be an IP address such as \"127.0.0.1\", not {val}"
                        ))
                    })?
                }
                "serial" => o.serial = Some(want_str()?.to_string()),
                "clock" => {
                    clock = Some(match want_str()? {
                        "manual" => true,
                        "real" => false,
                        other => {
                            return Err(err(format!(
                                "'clock' must be \"real\" or \"manual\", not \"{other}\""
                            )));
                        }
                    })
                }
                "control_token" => o.control_token = Some(want_str()?.to_string()),
                "latency_ms" => o.latency = Duration::from_millis(want_u64()?),
                "latency_jitter_ms" => o.latency_jitter = Duration::from_millis(want_u64()?),
                "log" => {
                    o.log = val
                        .as_bool()
                        .ok_or_else(|| err(format!("'log' must be true or false, not {val}")))?
                }
                "discovery" => {
                    let on = val.as_bool().ok_or_else(|| {
                        err(format!("'discovery' must be true or false, not {val}"))
                    })?;
                    o.discovery = on.then(|| o.discovery.take().unwrap_or_default());
                }
                "restart" => {
                    o.readings.restart = match want_str()? {
                        "close" => RestartStyle::Close,
                        "busy" => RestartStyle::Busy,
                        other => {
                            return Err(err(format!(
                                "'restart' must be \"close\" or \"busy\", not \"{other}\""
                            )));
                        }
                    }
                }
                "update_restarts" | "sd_format_flag" => {
                    let b = val
                        .as_bool()
                        .ok_or_else(|| err(format!("'{k}' must be true or false, not {val}")))?;
                    if k == "update_restarts" {
                        o.readings.update_restarts = b;
                    } else {
                        o.readings.sd_format_flag = b;
                    }
                }
                "op_ms" => {
                    let ms = want_u64()?;
                    if ms == 0 {
                        return Err(err(
                            "'op_ms' must be at least 1 (device milliseconds)".into()
                        ));
                    }
                    o.readings.op_ms = Some(ms);
                }
                "bps_unit" => {
                    o.readings.bps_unit = match want_str()? {
                        "bytes" => BpsUnit::Bytes,
                        "bits" => BpsUnit::Bits,
                        other => {
                            return Err(err(format!(
                                "'bps_unit' must be \"bytes\" or \"bits\", not \"{other}\""
                            )));
                        }
                    }
                }
                "discovery_port" | "ssdp_port" => {
                    let port = u16::try_from(want_u64()?)
                        .map_err(|_| err(format!("'{k}' must be 0-65535, not {val}")))?;
                    let d = o.discovery.get_or_insert_with(ResponderOptions::default);
                    if k == "discovery_port" {
                        d.multicast_port = port;
                    } else {
                        d.ssdp_port = port;
                    }
                }
                other => {
                    return Err(err(format!(
                        "unknown key '{other}' (known: port, user, password, model, time_scale, clock, session_idle_timeout_ms, bind, serial, control_token, log, discovery, discovery_port, ssdp_port, restart, update_restarts, op_ms, sd_format_flag, bps_unit, latency_ms, latency_jitter_ms)"
                    )));
                }
            }
        }
        match clock {
            Some(true)
                if obj.get("time_scale").is_some_and(|v| !v.is_null()) && o.time_scale != 0.0 =>
            {
                return Err(err(
                    "'clock' \"manual\" and a non-zero 'time_scale' contradict each other: give one".into(),
                ));
            }
            Some(true) => o.time_scale = 0.0,
            Some(false) if o.time_scale == 0.0 => {
                return Err(err(
                    "'clock' \"real\" needs a 'time_scale' above 0 (0 means a manual clock)".into(),
                ));
            }
            _ => {}
        }
        Ok(o)
    }
}

impl SimOptions {
    /// Refuse options no simulator can run with.
    pub(crate) fn check(&self) -> Result<(), Error> {
        let opts = self;
        let err = |m: String| Error::Simulator(m);
        if !opts.time_scale.is_finite() || opts.time_scale < 0.0 || opts.time_scale > 1e6 {
            return Err(err(format!(
                "time_scale must be a number from 0 (a manual clock) to 1000000, not {}",
                opts.time_scale
            )));
        }
        if let Some(t) = &opts.control_token {
            if t.is_empty() || t.len() > 256 || !t.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(err(
                    "control_token must be 1 to 256 visible ASCII characters (no spaces)".into(),
                ));
            }
        }
        const MAX_LATENCY: Duration = Duration::from_secs(600);
        if opts.latency > MAX_LATENCY || opts.latency_jitter > MAX_LATENCY {
            return Err(err(format!(
                "latency and latency_jitter must be at most 600 s, not {:?} and {:?}",
                opts.latency, opts.latency_jitter
            )));
        }
        if opts.server.max_connections == 0 {
            return Err(err("server.max_connections must be at least 1".into()));
        }
        if opts.readings.op_ms == Some(0) {
            return Err(err("readings.op_ms must be at least 1".into()));
        }
        if opts.user.is_empty() || opts.user.len() > 32 || opts.user.chars().any(char::is_control) {
            return Err(err(
                "user must be 1 to 32 characters without control characters".into(),
            ));
        }
        if let Some(s) = &opts.serial {
            if s.is_empty() || s.len() > 32 || !s.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(err("serial must be 1 to 32 letters and digits".into()));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_readings_from_json() {
        let o = SimOptions::from_json(
            r#"{"restart":"busy","update_restarts":false,"op_ms":7,"sd_format_flag":true,"bps_unit":"bits"}"#,
        )
        .unwrap();
        assert_eq!(
            o.readings,
            Readings {
                restart: RestartStyle::Busy,
                update_restarts: false,
                op_ms: Some(7),
                sd_format_flag: true,
                bps_unit: BpsUnit::Bits,
            }
        );
        assert_eq!(
            SimOptions::from_json("{}").unwrap().readings,
            Readings::default()
        );
        for (bad, says) in [
            (r#"{"restart":"soon"}"#, "'restart'"),
            (r#"{"op_ms":0}"#, "'op_ms'"),
            (r#"{"update_restarts":"no"}"#, "'update_restarts'"),
            (r#"{"bps_unit":"kbps"}"#, "'bps_unit'"),
        ] {
            let e = SimOptions::from_json(bad).unwrap_err().to_string();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }
}
