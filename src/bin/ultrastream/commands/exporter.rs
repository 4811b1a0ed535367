//! `ultrastream exporter`: the Prometheus exporter (`ultrastream::exporter`),
//! from a configuration file or from hosts on the command line.

use crate::session::{self, NO_PASSWORD};
use crate::{CliResult, Global, fail, usage};
use clap::Args;
use ultrastream::exporter::{Config, Credential, DeviceEntry, Exporter};

/// `ultrastream exporter [--config FILE] [--listen ADDR] [HOST...]`
#[derive(Args, Debug)]
pub struct ExporterArgs {
    /// The configuration (JSON: devices, named credentials, probe
    /// allow-list; docs/exporter.md). Without it: HOST... with
    /// $ULTRASTREAM_USER / $ULTRASTREAM_PASSWORD.
    #[arg(long, value_name = "FILE")]
    pub config: Option<String>,
    /// Address to listen on (default 127.0.0.1:9851; overrides the file's).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// Poll interval in ms (default 5000; overrides the file's).
    #[arg(long, value_name = "MS")]
    pub interval_ms: Option<u64>,
    /// Devices to watch (with the credentials "default").
    #[arg(value_name = "HOST")]
    pub hosts: Vec<String>,
}

/// Run the exporter until Ctrl-C (or a kill).
pub fn run(g: &Global, a: ExporterArgs) -> CliResult {
    let mut cfg = match &a.config {
        Some(path) => Config::from_file(path).map_err(|e| fail(&e))?,
        None => Config::default(),
    };
    if a.config.is_none() && a.hosts.is_empty() {
        return usage(
            "give the devices: `ultrastream exporter HOST...` (credentials from $ULTRASTREAM_USER / $ULTRASTREAM_PASSWORD) or `--config FILE`",
        );
    }
    if let Some(l) = a.listen {
        cfg.listen = l;
    }
    if let Some(i) = a.interval_ms {
        cfg.interval_ms = i;
    }
    if !a.hosts.is_empty() {
        if !cfg.credentials.contains_key("default") {
            let user = session::user_of(g);
            // Not asked on a terminal: the exporter runs unattended.
            let pw = g
                .password
                .clone()
                .or_else(|| std::env::var("ULTRASTREAM_PASSWORD").ok());
            let Some(pw) = pw else {
                return usage(NO_PASSWORD);
            };
            cfg.credentials
                .insert("default".into(), Credential::new(&user, &pw));
        }
        for h in a.hosts {
            cfg.devices.push(DeviceEntry {
                host: h,
                auth: "default".into(),
            });
        }
    }
    let n = cfg.devices.len();
    let exporter = Exporter::start(cfg).map_err(|e| fail(&e))?;
    if !g.quiet {
        eprintln!(
            "exporter: {n} device(s); serving http://{}/metrics (Ctrl-C to stop)",
            exporter.addr()
        );
    }
    while !crate::progress::interrupted() {
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    exporter.stop();
    Ok(())
}
