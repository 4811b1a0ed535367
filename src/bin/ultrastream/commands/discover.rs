//! discover (devices on the network) and watch (their events).

use crate::output::{print_table, print_value};
use crate::progress::{cooperative, interrupted};
use crate::session::credentials;
use crate::{CliError, CliResult, Global, describe, fail};
use clap::{Args, ValueEnum};
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;
use ultrastream::{Device, DiscoverOptions, Options, Watch, WatchOptions};

/// Seconds, 0 < s <= 86400.
fn secs(s: &str) -> Result<Duration, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= 86_400.0 => Ok(Duration::from_secs_f64(v)),
        _ => Err(format!("'{s}' is not a number of seconds (0-86400)")),
    }
}

/// Which discovery protocol.
#[derive(ValueEnum, Clone, Copy)]
pub enum Protocol {
    /// The vendor's multicast probe.
    Multicast,
    /// SSDP (UPnP).
    Ssdp,
    /// Both.
    Both,
}

/// `discover` arguments.
#[derive(Args)]
#[command(
    after_help = "Without --target it probes every interface's multicast group (the local
network); --target probes those addresses by unicast instead. Each device
is listed with the address and HTTP port to give to --host."
)]
pub struct DiscoverArgs {
    /// How long to listen for answers.
    #[arg(long, value_name = "SECS", value_parser = secs, default_value = "2")]
    timeout: Duration,
    /// Probe this address by unicast instead of the multicast group (repeatable).
    #[arg(long, value_name = "ADDR[:PORT]")]
    target: Vec<String>,
    /// UDP port of the multicast protocol.
    #[arg(long, value_name = "PORT")]
    multicast_port: Option<u16>,
    /// UDP port of SSDP.
    #[arg(long, value_name = "PORT")]
    ssdp_port: Option<u16>,
    /// Which protocol(s).
    #[arg(long, value_name = "PROTOCOL")]
    protocol: Option<Protocol>,
}

/// Run `discover`.
pub fn discover(g: &Global, a: DiscoverArgs) -> CliResult {
    let mut o = DiscoverOptions {
        timeout: a.timeout,
        targets: a.target,
        ..Default::default()
    };
    if let Some(p) = a.multicast_port {
        o.multicast_port = p;
    }
    if let Some(p) = a.ssdp_port {
        o.ssdp_port = p;
    }
    if let Some(p) = a.protocol {
        use ultrastream::discovery::Protocols;
        o.protocols = match p {
            Protocol::Multicast => Protocols::MULTICAST,
            Protocol::Ssdp => Protocols::SSDP,
            Protocol::Both => Protocols::BOTH,
        };
    }
    let found = ultrastream::discover(&o).map_err(|e| fail(&e))?;
    if g.table {
        let rows: Vec<Vec<String>> = found
            .devices
            .iter()
            .map(|d| {
                vec![
                    d.host(),
                    d.serialnumber.clone(),
                    d.boxname.clone(),
                    d.status_flags.join(" "),
                    d.protocols
                        .iter()
                        .map(|p| {
                            serde_json::to_value(p)
                                .ok()
                                .and_then(|v| v.as_str().map(String::from))
                                .unwrap_or_default()
                        })
                        .collect::<Vec<_>>()
                        .join(","),
                ]
            })
            .collect();
        print_table(&["host", "serial", "name", "status", "found by"], &rows);
    } else {
        let v = serde_json::to_value(&found).map_err(|e| CliError::Fail(e.to_string()))?;
        print_value(&v);
    }
    Ok(())
}

/// `watch` arguments.
#[derive(Args)]
#[command(
    after_help = "Each HOST is logged in with the global --user / --password. Ctrl-C ends
it (exit status 130)."
)]
pub struct WatchArgs {
    /// The devices.
    #[arg(required = true, value_name = "HOST")]
    hosts: Vec<String>,
    /// Seconds between two polls of each device.
    #[arg(long, value_name = "SECS", value_parser = secs, default_value = "1")]
    interval: Duration,
}

/// Run `watch` until Ctrl-C.
pub fn watch(g: &Global, a: WatchArgs) -> CliResult {
    let mut devices = Vec::new();
    for (i, h) in a.hosts.iter().enumerate() {
        let dev = Device::connect(h, Options::default()).map_err(|e| fail(&e))?;
        if let Some((user, pw)) = credentials(g, h) {
            // A refused or unreachable device is not the end: the watcher
            // reports it (auth-failed, offline) and keeps trying.
            if let Err(e) = dev.login(&user, &pw) {
                eprintln!("ultrastream: {h}: {}", describe(&e));
            }
        }
        devices.push((i as u64 + 1, Arc::new(dev)));
    }
    let opts = WatchOptions {
        interval: a.interval,
        offline_after: (a.interval * 3).max(Duration::from_secs(3)),
        ..WatchOptions::default()
    };
    cooperative(|| {
        let w = Watch::start(devices, opts, |event: &str| {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{event}");
            let _ = out.flush();
        })
        .map_err(|e| fail(&e))?;
        while !interrupted() {
            std::thread::sleep(Duration::from_millis(100));
        }
        w.stop().map_err(|e| fail(&e))?;
        Err(CliError::Interrupted("watch ended by Ctrl-C".into()))
    })
}
