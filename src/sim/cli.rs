//! The `ultrastream-sim` program (and `ultrastream sim`): run one or more
//! simulated encoders until Ctrl-C. In the library so both programs share it.

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
    --devices N            Run N devices (default 1).
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

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

struct Args {
    opts: SimOptions,
    devices: u16,
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
            "--port" => {
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
            "--devices" => {
                let v = val(&mut it)?;
                devices = v
                    .parse()
                    .map_err(|_| format!("--devices: '{v}' is not a number"))?;
                if devices == 0 || devices > 1000 {
                    return Err("--devices: give 1 to 1000".into());
                }
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
    Ok(Parsed::Run(Box::new(Args { opts, devices })))
}

/// A server that many clients may hold connections to wants more than the
/// usual 1024 descriptors: raise the soft limit to the hard one (the
/// simulator sizes its connection cap from it). Windows has no such limit
/// on sockets.
#[cfg(unix)]
fn raise_open_file_limit() {
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
}

#[cfg(not(unix))]
fn raise_open_file_limit() {}

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
    raise_open_file_limit();
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
                let model = match args.opts.model {
                    Model::Hdmi => "hdmi",
                    Model::Sdi => "sdi",
                };
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
