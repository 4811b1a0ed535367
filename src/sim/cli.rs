//! Simulator layer (`sim`), its top: the `ultrastream-sim` program (and
//! `ultrastream sim`): run one or more simulated encoders until Ctrl-C.
//! In the library so both programs share it.

use super::{Model, ResponderOptions, SimOptions, Simulator};
use std::io::Write;
use std::net::IpAddr;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

const HELP: &str = "\
ultrastream-sim: a simulated Magewell Ultra Stream encoder (HTTP API on 127.0.0.1)

USAGE:
    ultrastream-sim [OPTIONS]

OPTIONS:
    --port PORT            TCP port (default 0: an ephemeral port is chosen).
                           With --devices N, devices use PORT, PORT+1, ...
                           (with 0, each gets its own ephemeral port).
    --bind ADDRESS         Address to listen on (default 127.0.0.1). Only use
                           another address if you mean to expose the simulator.
    --user NAME            Administrator user name (default Admin).
    --password PASSWORD    Administrator password, plain text (default Admin).
                           Clients log in with its MD5 hex, as on a device.
    --model hdmi|sdi       Simulated model (default hdmi).
    --time-scale FACTOR    Device time runs FACTOR times faster than wall time
                           (default 1; e.g. 60 makes a 20 s stream test take
                           a third of a second; 0: a manual clock).
    --clock real|manual    manual: device time moves only when told
                           ({\"cmd\":\"advance\",\"ms\":N} on the control endpoint),
                           never with wall time (default real).
    --control-token TOKEN  Requests to /__sim/control must then send
                           'Authorization: Bearer TOKEN'.
    --session-timeout SECS Idle sessions expire after SECS seconds of device
                           time (default 1800; 0: never).
    --serial SERIAL        Serial number (default derived from model and port).
                           With --devices N the device index is appended.
    --devices N            Run N devices (default 1, at most 8192), each its
                           own device on its own port. Alias: --count.
    --base-port PORT       The same as --port (the first device's port).
    --fleet                Serve all --devices from 2 event-loop threads (mio)
                           instead of threads per device and per request:
                           thousands of devices in one process. API and
                           control requests only (no downloads, no bodies
                           over 64 KiB, no discovery).
    --fleet-threads N      --fleet with N threads (1 to 64).
    --latency MS[:JITTER]  Answer every API request MS milliseconds late,
                           plus or minus up to JITTER (uniform), as a device
                           on a real network would (default 0). Only that
                           request waits; other connections are served.
    --discovery            Answer device discovery: the multicast probe on
                           UDP 2538 and SSDP M-SEARCH on UDP 1900, on the
                           loopback interface (or --bind's IPv4 address).
    --discovery-port PORT  UDP port of the multicast protocol (implies
                           --discovery; 0: ephemeral, printed at start).
    --ssdp-port PORT       UDP port for SSDP (implies --discovery; 0: ephemeral).
    --log                  Print one line per request on stderr (time, client,
                           method, parameters with passwords, hashes, keys and
                           tokens masked, result, milliseconds), and one per
                           fault, control command and state change.
    --restart close|busy   How a restart (reboot, reset, an update's reboot)
                           shows: close (default) closes connections and
                           answers nothing; busy answers every call, ping
                           included, {\"result\":-9,\"cur-status\":MASK} with
                           statusReboot / statusReset in MASK.
    --no-update-restart    A successful update installs without a reboot.
    --op-ms MS             Every long operation (format, speed and stream
                           test, update check, each update step) takes MS
                           device milliseconds (e.g. shorter than a poll).
    --sd-format-flag       Set statusFormatDisk for SD card formats too.
    --bps-unit bytes|bits  Unit of rec / live cur-bps and avg-bps (default
                           bytes). See docs/simulator-readings.md.
    -V, --version          Print the version and exit.
    -h, --help             Print this help and exit.

For each device one line is printed, then the program runs until Ctrl-C
(SIGINT) or SIGTERM:
    ultrastream-sim: listening on http://127.0.0.1:PORT (serial ..., model ...)

Try it:
    curl 'http://127.0.0.1:PORT/usapi?method=ping'
    curl -c jar 'http://127.0.0.1:PORT/usapi?method=login&id=Admin&pass=e3afed0047b08059d0fada10f400c1e5'
    curl -b jar 'http://127.0.0.1:PORT/usapi?method=get-status'
    curl -H 'Content-Type: application/json' -d '{\"cmd\":\"state\"}' 'http://127.0.0.1:PORT/__sim/control'
";

/// Most devices one process serves (each costs two threads and a
/// listening socket; see `--devices`).
const MAX_DEVICES: u16 = 8192;

/// `MS` or `MS:JITTER`, whole milliseconds, each at most 600000.
fn parse_latency(v: &str) -> Result<(Duration, Duration), String> {
    let num = |s: &str| -> Result<Duration, String> {
        match s.trim().parse::<u64>() {
            Ok(n) if n <= 600_000 => Ok(Duration::from_millis(n)),
            _ => Err(format!(
                "--latency: '{v}' is not MS or MS:JITTER (whole milliseconds, at most 600000)"
            )),
        }
    };
    match v.split_once(':') {
        Some((a, b)) => Ok((num(a)?, num(b)?)),
        None => Ok((num(v)?, Duration::ZERO)),
    }
}

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

struct Args {
    opts: SimOptions,
    devices: u16,
    /// Serve every device from this many event-loop threads (`--fleet`).
    fleet: Option<usize>,
}

fn value<'a>(flag: &str, it: &mut impl Iterator<Item = &'a String>) -> Result<&'a String, String> {
    it.next()
        .ok_or_else(|| format!("{flag} needs a value (see --help)"))
}

enum Parsed {
    Help,
    Version,
    Run(Box<Args>),
}

fn parse(argv: &[String]) -> Result<Parsed, String> {
    let mut opts = SimOptions::default();
    let mut devices: u16 = 1;
    let mut fleet: Option<usize> = None;
    let mut it = argv.iter();
    while let Some(arg) = it.next() {
        // Accept --flag=value as well as --flag value.
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        let val = |it: &mut std::slice::Iter<'_, String>| -> Result<String, String> {
            match &inline {
                Some(v) => Ok(v.clone()),
                None => value(flag, it).cloned(),
            }
        };
        match flag {
            "-h" | "--help" => return Ok(Parsed::Help),
            "-V" | "--version" => return Ok(Parsed::Version),
            "--port" | "--base-port" => {
                let v = val(&mut it)?;
                opts.port = v
                    .parse()
                    .map_err(|_| format!("--port: '{v}' is not a port number (0-65535)"))?;
            }
            "--bind" => {
                let v = val(&mut it)?;
                opts.bind = v
                    .parse::<IpAddr>()
                    .map_err(|_| format!("--bind: '{v}' is not an IP address"))?;
            }
            "--user" => opts.user = val(&mut it)?,
            "--password" => opts.password = val(&mut it)?,
            "--model" => {
                let v = val(&mut it)?;
                opts.model = match v.to_ascii_lowercase().as_str() {
                    "hdmi" => Model::Hdmi,
                    "sdi" => Model::Sdi,
                    _ => return Err(format!("--model: '{v}' is not hdmi or sdi")),
                };
            }
            "--time-scale" => {
                let v = val(&mut it)?;
                let f: f64 = v
                    .parse()
                    .map_err(|_| format!("--time-scale: '{v}' is not a number"))?;
                if !f.is_finite() || !(0.0..=1e6).contains(&f) {
                    return Err(format!(
                        "--time-scale: {v} must be from 0 (a manual clock) to 1000000"
                    ));
                }
                opts.time_scale = f;
            }
            "--clock" => {
                let v = val(&mut it)?;
                match v.as_str() {
                    "manual" => opts.time_scale = 0.0,
                    "real" if opts.time_scale == 0.0 => opts.time_scale = 1.0,
                    "real" => {}
                    _ => return Err(format!("--clock: '{v}' is not real or manual")),
                }
            }
            "--control-token" => opts.control_token = Some(val(&mut it)?),
            "--restart" => {
                let v = val(&mut it)?;
                opts.readings.restart = match v.as_str() {
                    "close" => super::RestartStyle::Close,
                    "busy" => super::RestartStyle::Busy,
                    _ => return Err(format!("--restart: '{v}' is not close or busy")),
                };
            }
            "--no-update-restart" => opts.readings.update_restarts = false,
            "--sd-format-flag" => opts.readings.sd_format_flag = true,
            "--op-ms" => {
                let v = val(&mut it)?;
                let ms: u64 = v.parse().ok().filter(|&n| n > 0).ok_or_else(|| {
                    format!("--op-ms: '{v}' is not a number of milliseconds from 1")
                })?;
                opts.readings.op_ms = Some(ms);
            }
            "--bps-unit" => {
                let v = val(&mut it)?;
                opts.readings.bps_unit = match v.as_str() {
                    "bytes" => super::BpsUnit::Bytes,
                    "bits" => super::BpsUnit::Bits,
                    _ => return Err(format!("--bps-unit: '{v}' is not bytes or bits")),
                };
            }
            "--session-timeout" => {
                let v = val(&mut it)?;
                let s: u64 = v.parse().map_err(|_| {
                    format!("--session-timeout: '{v}' is not a whole number of seconds")
                })?;
                opts.session_idle_timeout = Duration::from_secs(s);
            }
            "--serial" => opts.serial = Some(val(&mut it)?),
            "--log" => opts.log = true,
            "--devices" | "--count" => {
                let v = val(&mut it)?;
                devices = v
                    .parse()
                    .map_err(|_| format!("{flag}: '{v}' is not a number"))?;
                if devices == 0 || devices > MAX_DEVICES {
                    return Err(format!("{flag}: give 1 to {MAX_DEVICES}"));
                }
            }
            "--fleet" => {
                fleet.get_or_insert(2);
            }
            "--fleet-threads" => {
                let v = val(&mut it)?;
                let n: usize = v
                    .parse()
                    .ok()
                    .filter(|n| (1..=64).contains(n))
                    .ok_or_else(|| format!("--fleet-threads: '{v}' is not 1 to 64"))?;
                fleet = Some(n);
            }
            "--latency" => {
                let v = val(&mut it)?;
                let (ms, jitter) = parse_latency(&v)?;
                opts.latency = ms;
                opts.latency_jitter = jitter;
            }
            "--discovery" => {
                opts.discovery.get_or_insert_with(ResponderOptions::default);
            }
            "--discovery-port" | "--ssdp-port" => {
                let v = val(&mut it)?;
                let port: u16 = v
                    .parse()
                    .map_err(|_| format!("{flag}: '{v}' is not a port number (0-65535)"))?;
                let d = opts.discovery.get_or_insert_with(ResponderOptions::default);
                if flag == "--discovery-port" {
                    d.multicast_port = port;
                } else {
                    d.ssdp_port = port;
                }
            }
            other => return Err(format!("unknown argument '{other}' (see --help)")),
        }
    }
    // Discovery answers on the interface the HTTP side binds, when that is
    // one IPv4 address; loopback otherwise.
    if let (Some(d), IpAddr::V4(v4)) = (opts.discovery.as_mut(), opts.bind) {
        if !v4.is_unspecified() {
            d.interface = v4;
        }
    }
    if opts.port != 0 && u32::from(opts.port) + u32::from(devices) - 1 > 65535 {
        return Err(format!(
            "--port {} with --devices {devices} runs past port 65535",
            opts.port
        ));
    }
    if fleet.is_some() && opts.discovery.is_some() {
        return Err(
            "--fleet devices do not answer discovery: leave out --fleet or --discovery".into(),
        );
    }
    Ok(Parsed::Run(Box::new(Args {
        opts,
        devices,
        fleet,
    })))
}

/// A server that many clients may hold connections to wants more than the
/// usual 1024 descriptors: raise the soft limit to the hard one (the
/// simulator sizes its connection cap from it). Windows has no such limit
/// on sockets.
#[cfg(unix)]
fn raise_open_file_limit(devices: u16, fleet: bool) {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: a valid, correctly sized rlimit struct.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < lim.rlim_max {
            lim.rlim_cur = lim.rlim_max.min(65536);
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
    // A device holds four descriptors (its listener, a wake-up pair, a
    // spare for refusing when out of descriptors; a --fleet device only its
    // listener) and one per client connection (count two clients): say so
    // before running out.
    let want = u64::from(devices) * if fleet { 3 } else { 6 } + 64;
    #[allow(clippy::unnecessary_cast)] // rlim_t is not u64 everywhere
    let have = lim.rlim_cur as u64;
    if have < want {
        eprintln!(
            "ultrastream-sim: warning: {devices} devices want about {want} open files and the limit is {have}: raise the hard limit (ulimit -Hn, or LimitNOFILE= for a service) or split the fleet across processes (--port P --devices N each){}",
            if fleet {
                ""
            } else {
                ", or serve them with --fleet (one descriptor per device)"
            }
        );
    }
}

/// `--fleet` needs the Unix event loop.
#[cfg(not(unix))]
fn run_fleet(prog: &str, _args: &Args, _threads: usize, _model: &str) -> ExitCode {
    eprintln!("{prog}: --fleet is not available on this platform; run the devices without it");
    ExitCode::from(2)
}

/// `--fleet`: every device on a few event-loop threads.
#[cfg(unix)]
fn run_fleet(prog: &str, args: &Args, threads: usize, model: &str) -> ExitCode {
    let fleet = match super::Fleet::start(usize::from(args.devices), args.opts.clone(), threads) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("{prog}: {e}");
            return ExitCode::FAILURE;
        }
    };
    {
        let mut out = std::io::stdout().lock();
        for (i, a) in fleet.addrs().iter().enumerate() {
            let serial = fleet.serial(i).unwrap_or_default();
            let _ = writeln!(
                out,
                "{prog}: listening on http://{a} (serial {serial}, model {model})"
            );
        }
        let _ = out.flush();
    }
    while !STOP.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(100));
    }
    fleet.stop();
    eprintln!("{prog}: stopped");
    ExitCode::SUCCESS
}

#[cfg(not(unix))]
fn raise_open_file_limit(_devices: u16, _fleet: bool) {}

/// Run the simulator program with `argv` (the arguments after the program
/// name); `prog` names it in messages ("ultrastream-sim").
pub fn main(prog: &str, argv: &[String]) -> ExitCode {
    let args = match parse(argv) {
        Ok(Parsed::Run(a)) => a,
        Ok(Parsed::Version) => {
            println!("{prog} {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Ok(Parsed::Help) => {
            print!("{}", HELP.replace("ultrastream-sim", prog));
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("{prog}: {e}");
            return ExitCode::from(2);
        }
    };
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        let handler = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
        libc::signal(libc::SIGINT, handler);
        libc::signal(libc::SIGTERM, handler);
    }
    raise_open_file_limit(args.devices, args.fleet.is_some());
    let model = match args.opts.model {
        Model::Hdmi => "hdmi",
        Model::Sdi => "sdi",
    };
    if let Some(threads) = args.fleet {
        return run_fleet(prog, &args, threads, model);
    }
    let mut sims = Vec::new();
    let stdout = std::io::stdout();
    for i in 0..args.devices {
        let mut o = args.opts.clone();
        if o.port != 0 {
            o.port += i;
        }
        if args.devices > 1 {
            if let Some(s) = &o.serial {
                o.serial = Some(format!("{s}{i}"));
            }
        }
        match Simulator::start(o) {
            Ok(sim) => {
                let info = sim.discovery_info();
                let mut out = stdout.lock();
                let _ = writeln!(
                    out,
                    "{prog}: listening on http://{} (serial {}, model {model})",
                    sim.host(),
                    info.serialnumber
                );
                if let Some((m, d)) = sim.discovery_addrs() {
                    let _ = writeln!(
                        out,
                        "{prog}: answering discovery on udp {m} (multicast protocol) and udp {d} (SSDP)"
                    );
                }
                let _ = out.flush();
                sims.push(sim);
            }
            Err(e) => {
                eprintln!("{prog}: device {}: {e}", i + 1);
                return ExitCode::FAILURE;
            }
        }
    }
    while !STOP.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(100));
    }
    for s in sims {
        s.stop();
    }
    eprintln!("{prog}: stopped");
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &[&str]) -> Result<SimOptions, String> {
        let argv: Vec<String> = v.iter().map(|s| s.to_string()).collect();
        match parse(&argv)? {
            Parsed::Run(a) => Ok(a.opts),
            _ => Err("not a run".into()),
        }
    }

    #[test]
    fn the_readings_have_flags() {
        let o = args(&[
            "--restart",
            "busy",
            "--no-update-restart",
            "--op-ms=50",
            "--sd-format-flag",
            "--bps-unit",
            "bits",
        ])
        .unwrap();
        let r = o.readings;
        assert_eq!(r.restart, super::super::RestartStyle::Busy);
        assert!(!r.update_restarts && r.sd_format_flag);
        assert_eq!(r.op_ms, Some(50));
        assert_eq!(r.bps_unit, super::super::BpsUnit::Bits);
        assert_eq!(
            args(&[]).unwrap().readings,
            super::super::Readings::default()
        );
        for bad in [
            &["--restart", "later"][..],
            &["--op-ms", "0"],
            &["--bps-unit", "kbps"],
        ] {
            let e = args(bad).unwrap_err();
            assert!(e.starts_with(bad[0]), "{e}");
        }
    }
}
