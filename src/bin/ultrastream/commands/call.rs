//! call METHOD KEY=VALUE...: any API method by name.

use super::server::key_values;
use crate::output::finish;
use crate::session::connect;
use crate::session::{NO_PASSWORD, credentials};
use crate::vendor::did_you_mean;
use crate::{CliError, describe};
use crate::{CliResult, Global, usage};
use clap::Args;
use serde_json::{Value, json};
use std::io::Write;
use std::sync::Arc;
use ultrastream::api::{METHODS, Transport};
use ultrastream::engine::{CallManyOptions, ManyResult, call_many};
use ultrastream::{Device, Options, Reply};

/// `call` arguments.
#[derive(Args)]
#[command(
    after_help = "Values are sent exactly as given (percent-encoded on the wire); the
parameters of the document's methods are checked before anything is sent.
Example:
  ultrastream call set-rec-control usb-option=1 sd-option=0 mime-type=0 \\
      root-folder=REC file-prefix=VID time-unit=5

With --hosts-file the call runs on every device listed (one host a line;
blank lines and #-comments skipped; - reads stdin), many at once, and
prints one JSON line per device as it finishes:
  {\"host\":\"10.0.0.5\",\"index\":0,\"result\":0,\"reply\":{...}}
  {\"host\":\"10.0.0.6\",\"index\":1,\"error\":{\"code\":-1004,\"name\":\"USAPI_E_CONNECT\",\"message\":\"...\"}}
Exit status 0 when every device answered result >= 0, 1 otherwise.
  ultrastream call set-name name='Stage' --hosts-file racks.txt"
)]
pub struct CallArgs {
    /// The API method (get-status, set-name, ...).
    method: String,
    /// Its parameters.
    #[arg(value_name = "KEY=VALUE")]
    params: Vec<String>,
    /// Send a method the API document does not list (firmware newer than the document).
    #[arg(long)]
    raw: bool,
    /// Run the call on every host in FILE (one a line; - for stdin) instead
    /// of --host: one JSON line per device, as each finishes.
    #[arg(long, value_name = "FILE")]
    hosts_file: Option<std::path::PathBuf>,
    /// With --hosts-file: at most N devices in flight at once.
    #[arg(long, value_name = "N", default_value_t = 64)]
    max_in_flight: usize,
    /// With --hosts-file: bound of each device's request, in seconds
    /// (default: the library's request timeout).
    #[arg(long, value_name = "SECS")]
    timeout: Option<f64>,
}

/// Run `call`.
pub fn run(g: &Global, a: CallArgs) -> CliResult {
    let spec = METHODS.iter().find(|m| m.name == a.method);
    match spec {
        None if !a.raw => {
            let names: Vec<String> = METHODS.iter().map(|m| m.name.to_string()).collect();
            return usage(format!(
                "'{}' is not a method of the API document{}; nothing was sent (`ultrastream call --raw {}` sends it anyway, for firmware newer than the document)",
                a.method,
                did_you_mean(&a.method, &names),
                a.method
            ));
        }
        Some(m) if m.transport != Transport::Get => {
            let cmd = match m.name {
                "del-media-files" => "ultrastream media remove usb|sd NAME...",
                _ => "ultrastream firmware upload FILE",
            };
            return usage(format!(
                "{} sends a body, not KEY=VALUE parameters: use `{cmd}`",
                m.name
            ));
        }
        _ => {}
    }
    let params = key_values(&a.params)?;
    let borrowed: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    // The document's rules first: a mistake is a usage error, and nothing
    // (not even the login) is sent.
    if let Some(m) = spec {
        ultrastream::validate::check(m.method, &borrowed).map_err(|e| crate::fail(&e))?;
    }
    let login = spec.is_none_or(|m| m.needs_login);
    if let Some(file) = &a.hosts_file {
        return many(g, &a, file, &borrowed, login);
    }
    let s = connect(g, login)?;
    finish(s.dev.call(&a.method, &borrowed))
}

/// The hosts of a hosts file: one a line, blank lines and `#` comments skipped.
fn read_hosts(file: &std::path::Path) -> CliResult<Vec<String>> {
    let text = if file.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())
    } else {
        std::fs::read_to_string(file)
    }
    .map_err(|e| CliError::Usage(format!("--hosts-file {}: {e}", file.display())))?;
    let hosts: Vec<String> = text
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    if hosts.is_empty() {
        return usage(format!(
            "--hosts-file {}: no hosts in it (one a line, such as 10.0.0.5 or 127.0.0.1:8080)",
            file.display()
        ));
    }
    Ok(hosts)
}

/// One device's JSON line.
fn line(host: &str, index: usize, r: &Result<Reply, ultrastream::Error>) -> Value {
    match r {
        Ok(reply) => {
            let body: Value = serde_json::from_str(&reply.body).unwrap_or(Value::Null);
            json!({"host": host, "index": index, "result": reply.result, "reply": body})
        }
        Err(e) => json!({"host": host, "index": index, "error": {
            "code": e.code(),
            "name": ultrastream::model::codes::name(e.code()),
            "message": describe(e),
        }}),
    }
}

/// `call METHOD ... --hosts-file FILE`: log in to every device, call, log
/// out, printing each device's result as it comes.
fn many(
    g: &Global,
    a: &CallArgs,
    file: &std::path::Path,
    params: &[(&str, &str)],
    login: bool,
) -> CliResult {
    if g.host.is_some() {
        return usage("give --host or --hosts-file, not both");
    }
    let timeout = match a.timeout {
        None => None,
        Some(t) if t.is_finite() && t > 0.0 && t <= 3600.0 => {
            Some(std::time::Duration::from_secs_f64(t))
        }
        Some(t) => {
            return usage(format!(
                "--timeout {t}: give seconds, above 0 and at most 3600"
            ));
        }
    };
    if a.max_in_flight == 0 {
        return usage("--max-in-flight must be at least 1");
    }
    let hosts = read_hosts(file)?;
    let creds = if login {
        Some(credentials(g, &hosts[0]).ok_or_else(|| CliError::Usage(NO_PASSWORD.into()))?)
    } else {
        None
    };
    let opts = CallManyOptions {
        max_in_flight: a.max_in_flight,
        timeout,
    };
    let stdout = std::io::stdout();
    let mut failed = 0usize;
    let mut emit = |host: &str, index: usize, r: &Result<Reply, ultrastream::Error>| {
        if !matches!(r, Ok(reply) if reply.result >= 0) {
            failed += 1;
        }
        let mut out = stdout.lock();
        let _ = writeln!(out, "{}", line(host, index, r));
        let _ = out.flush();
    };
    // Every host is opened first: a malformed one is that device's error.
    let mut devices: Vec<Arc<Device>> = Vec::with_capacity(hosts.len());
    let mut index_of: Vec<usize> = Vec::with_capacity(hosts.len());
    for (i, h) in hosts.iter().enumerate() {
        match Device::connect(h, Options::default()) {
            Ok(d) => {
                devices.push(Arc::new(d));
                index_of.push(i);
            }
            Err(e) => emit(h, i, &Err(e)),
        }
    }
    let run =
        |devs: &[Arc<Device>], method: &str, p: &[(&str, &str)], f: &mut dyn FnMut(ManyResult)| {
            call_many(devs, method, p, &opts, f).map_err(|e| crate::fail(&e))
        };
    // Log in (a failed login is that device's line), then call the rest.
    let mut ready: Vec<usize> = (0..devices.len()).collect();
    if let Some((user, pw)) = &creds {
        let md5 = ultrastream::md5_hex(pw);
        let mut ok = Vec::with_capacity(devices.len());
        run(
            &devices,
            "login",
            &[("id", user), ("pass", &md5)],
            &mut |r| match &r.result {
                Ok(reply) if reply.result == 0 => ok.push(r.index),
                Ok(reply) => {
                    let e = ultrastream::Error::Device {
                        method: "login".into(),
                        code: reply.result,
                    };
                    emit(&hosts[index_of[r.index]], index_of[r.index], &Err(e));
                }
                Err(_) => emit(&hosts[index_of[r.index]], index_of[r.index], &r.result),
            },
        )?;
        ok.sort_unstable();
        ready = ok;
    }
    let chosen: Vec<Arc<Device>> = ready.iter().map(|k| Arc::clone(&devices[*k])).collect();
    run(&chosen, &a.method, params, &mut |r| {
        let k = ready[r.index];
        emit(&hosts[index_of[k]], index_of[k], &r.result)
    })?;
    if creds.is_some() {
        // Give the session slots back (a device has two); failures do not matter.
        let _ = call_many(&chosen, "logout", &[], &opts, &mut |_| {});
    }
    if failed > 0 {
        return Err(CliError::Fail(format!(
            "{failed} of {} devices failed (see their lines)",
            hosts.len()
        )));
    }
    Ok(())
}
