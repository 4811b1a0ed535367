//! Long operations with progress: format, test, firmware, reboot, reset;
//! `wait` follows one that is already running, `clear` clears a result.

use super::server::{server_args, server_by_id};
use crate::output::{call, int, print_value};
use crate::progress::{Bar, cooperative, interrupted, with_progress};
use crate::session::{connect, try_connect};
use crate::{CliError, CliResult, Global, code_words, fail, usage};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use ultrastream::model::codes::{self, RET_INIT, RET_RUNNING};
use ultrastream::model::status::{STATUS_REBOOT, STATUS_RESET};
use ultrastream::ops::{Progress, RunOptions};

/// A disk.
#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum Disk {
    /// The USB disk (disk-type 0).
    #[value(alias = "0")]
    Usb,
    /// The SD card (disk-type 1).
    #[value(alias = "1")]
    Sd,
}

impl Disk {
    /// The API's disk-type.
    pub fn code(self) -> i64 {
        match self {
            Disk::Usb => 0,
            Disk::Sd => 1,
        }
    }
}

/// Seconds, 0 < s <= 86400.
fn secs(s: &str) -> Result<Duration, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= 86_400.0 => Ok(Duration::from_secs_f64(v)),
        _ => Err(format!("'{s}' is not a number of seconds (0-86400)")),
    }
}

/// How long to wait and how often to ask.
#[derive(Args, Clone, Default)]
pub struct RunArgs {
    /// Give up after SECS seconds (default: per operation, 2 to 30 minutes).
    #[arg(long, value_name = "SECS", value_parser = secs)]
    pub timeout: Option<Duration>,
    /// Seconds between two polls of the device (default 1).
    #[arg(long, value_name = "SECS", value_parser = secs)]
    pub interval: Option<Duration>,
}

impl RunArgs {
    /// As the library's options.
    pub fn options(&self) -> RunOptions {
        RunOptions {
            timeout: self.timeout,
            poll_interval: self.interval,
        }
    }
}

/// `format` arguments.
#[derive(Args)]
pub struct FormatArgs {
    /// The disk to format.
    disk: Disk,
    #[command(flatten)]
    run: RunArgs,
}

/// The tests.
#[derive(Subcommand)]
pub enum TestCmd {
    /// Measure the USB disk's write speed.
    Usb(RunArgs),
    /// Push a test stream to a configured server (by ID) or to the one
    /// described by KEY=VALUE fields (as `server add`).
    Server {
        /// ID, or KEY=VALUE fields.
        #[arg(required = true, value_name = "ID|KEY=VALUE")]
        target: Vec<String>,
        #[command(flatten)]
        run: RunArgs,
    },
}

/// The firmware commands.
#[derive(Subcommand)]
pub enum FirmwareCmd {
    /// online-update-check, then print what was found.
    Check(RunArgs),
    /// Upload FILE, install it, wait for the device to come back and print
    /// the new version.
    Update {
        /// The .mwf firmware file.
        file: PathBuf,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Install the version found online.
    Online(RunArgs),
    /// Only upload FILE (upload-update-file), with progress; `call update
    /// mode=upload` installs it.
    Upload {
        /// The .mwf firmware file.
        file: PathBuf,
    },
}

/// `wait` arguments.
#[derive(Args)]
pub struct WaitArgs {
    /// Leave the finished operation's result on the device (default: clear it).
    #[arg(long)]
    keep: bool,
    #[command(flatten)]
    run: RunArgs,
}

/// What `clear` clears.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clearable {
    /// A disk format's result (clear-format-usb).
    FormatUsb,
    /// The USB speed test's result (clear-test-usb).
    TestUsb,
    /// The stream server test's result (clear-test-server).
    TestServer,
    /// A firmware update's result (clear-upgrade).
    Upgrade,
    /// An online update check's result (clear-check-update).
    CheckUpdate,
}

/// `clear` arguments.
#[derive(Args)]
pub struct ClearArgs {
    /// What to clear (default: every finished operation's result).
    what: Option<Clearable>,
}

/// The get-status blocks of the operations, their names and clear methods.
const BLOCKS: &[(&str, &str, Clearable, &str)] = &[
    (
        "format-status",
        "format",
        Clearable::FormatUsb,
        "clear-format-usb",
    ),
    (
        "disk-test",
        "test-usb",
        Clearable::TestUsb,
        "clear-test-usb",
    ),
    (
        "living-test",
        "test-server",
        Clearable::TestServer,
        "clear-test-server",
    ),
    (
        "upgrade-status",
        "update",
        Clearable::Upgrade,
        "clear-upgrade",
    ),
    (
        "check-upgrade",
        "update-check",
        Clearable::CheckUpdate,
        "clear-check-update",
    ),
];

/// format usb|sd.
pub fn format(g: &Global, a: FormatArgs) -> CliResult {
    let opts = a.run.options();
    let s = connect(g, true)?;
    let r = with_progress(g.quiet, |cb| match a.disk {
        Disk::Usb => s.dev.run_format_usb(&opts, cb),
        Disk::Sd => s.dev.run_format_sd(&opts, cb),
    })?;
    crate::output::finish(Ok(r))
}

/// test usb|server.
pub fn test(g: &Global, c: TestCmd) -> CliResult {
    match c {
        TestCmd::Usb(run) => {
            let opts = run.options();
            let s = connect(g, true)?;
            let r = with_progress(g.quiet, |cb| s.dev.run_test_usb(&opts, cb))?;
            crate::output::finish(Ok(r))
        }
        TestCmd::Server { target, run } => {
            let opts = run.options();
            let by_id = match target.as_slice() {
                [one] if !one.contains('=') => Some(one.parse::<i64>().or_else(|_| {
                    usage(format!(
                        "`test server`: '{one}' is neither a server id nor KEY=VALUE"
                    ))
                })?),
                _ => None,
            };
            let fields = match by_id {
                None => Some(server_args(&target)?),
                Some(_) => None,
            };
            let s = connect(g, true)?;
            let args = match (by_id, fields) {
                (Some(id), _) => server_by_id(&s.dev, id)?,
                (None, Some(f)) => f,
                (None, None) => return usage("`test server` needs an ID or KEY=VALUE fields"),
            };
            let r = with_progress(g.quiet, |cb| s.dev.run_test_server(&args, &opts, cb))?;
            crate::output::finish(Ok(r))
        }
    }
}

/// firmware check|update|online|upload.
pub fn firmware(g: &Global, c: FirmwareCmd) -> CliResult {
    let s;
    let r = match c {
        FirmwareCmd::Check(run) => {
            s = connect(g, true)?;
            with_progress(g.quiet, |cb| s.dev.run_update_check(&run.options(), cb))?
        }
        FirmwareCmd::Update { file, run } => {
            s = connect(g, true)?;
            with_progress(g.quiet, |cb| {
                s.dev.run_firmware_update(Some(&file), &run.options(), cb)
            })?
        }
        FirmwareCmd::Online(run) => {
            s = connect(g, true)?;
            with_progress(g.quiet, |cb| {
                s.dev.run_firmware_update(None, &run.options(), cb)
            })?
        }
        FirmwareCmd::Upload { file } => {
            s = connect(g, true)?;
            with_progress(g.quiet, |cb| s.dev.upload_update_file_progress(&file, cb))?
        }
    };
    crate::output::finish(Ok(r))
}

/// reboot, reset: restart and wait for the device.
pub fn restart(g: &Global, method: &str, a: RunArgs) -> CliResult {
    let opts = a.options();
    let s = connect(g, true)?;
    with_progress(g.quiet, |cb| {
        if method == "reboot" {
            s.dev.run_reboot(&opts, cb)
        } else {
            s.dev.run_reset_all_settings(&opts, cb)
        }
    })?;
    let p = call(&s.dev, "ping", &[])?;
    print_value(&json!({"result": 0, "method": method, "ping": p}));
    Ok(())
}

/// The blocks whose result is `pick`ed from get-status.
fn blocks_where(
    v: &Value,
    pick: impl Fn(&str, i64) -> bool,
) -> Vec<&'static (&'static str, &'static str, Clearable, &'static str)> {
    BLOCKS
        .iter()
        .filter(|(key, ..)| v.get(*key).is_some_and(|b| pick(key, int(b, &["result"]))))
        .collect()
}

/// A block with a result to read: neither idle nor running. check-upgrade
/// idles at 0 (the document's example), the others at 27 (retInit).
fn ended(key: &str, result: i64) -> bool {
    let idle = result == i64::from(RET_INIT) || (key == "check-upgrade" && result == 0);
    !idle && result != i64::from(RET_RUNNING)
}

/// Follow the running operation (or the one that just ended) to its end,
/// print its final state, clear it unless --keep.
pub fn wait(g: &Global, a: WaitArgs) -> CliResult {
    let timeout = a.run.timeout.unwrap_or(Duration::from_secs(1800));
    let poll = a.run.interval.unwrap_or(Duration::from_secs(1));
    let deadline = Instant::now() + timeout;
    let mut bar = Bar::new(g.quiet);
    let mut followed: Option<&'static str> = None;
    let mut restarting = false;
    // A device in the middle of a restart does not answer the login yet.
    let s = cooperative(|| {
        loop {
            match try_connect(g, true)? {
                Ok(s) => return Ok(s),
                Err(e) if unreachable(&e) && Instant::now() < deadline && !interrupted() => {
                    restarting = true;
                    bar.update(&phase("restart", "waiting", 50));
                    std::thread::sleep(poll);
                }
                Err(_) if interrupted() => {
                    return Err(CliError::Interrupted(
                        "interrupted: only the waiting stopped".into(),
                    ));
                }
                Err(e) => return Err(fail(&e)),
            }
        }
    })?;
    let last = cooperative(|| -> CliResult<Value> {
        loop {
            if interrupted() {
                return Err(CliError::Interrupted(
                    "interrupted: only the waiting stopped, the operation goes on (`ultrastream wait` again follows it)".into(),
                ));
            }
            let v = match s.dev.call("get-status", &[]) {
                Ok(r) => crate::output::body_json(&r)?,
                // A restart (reboot, reset, the end of an update): the
                // device is away for a while; keep asking.
                Err(e) if unreachable(&e) && Instant::now() < deadline => {
                    restarting = true;
                    bar.update(&phase("restart", "waiting", 50));
                    std::thread::sleep(poll);
                    continue;
                }
                Err(e) => return Err(fail(&e)),
            };
            let mask = int(&v, &["cur-status"]) as u32;
            if mask & (STATUS_REBOOT | STATUS_RESET) != 0 && Instant::now() < deadline {
                restarting = true;
                bar.update(&phase("restart", "rebooting", 25));
                std::thread::sleep(poll);
                continue;
            }
            let running = blocks_where(&v, |_, r| r == i64::from(RET_RUNNING));
            if let Some((key, op, ..)) = running.first() {
                followed = Some(key);
                let b = &v[*key];
                bar.update(&Progress {
                    step: int(b, &["step"]) as i32,
                    ..phase(op, "", int(b, &["percent"]) as i32)
                });
                if Instant::now() >= deadline {
                    return Err(CliError::Fail(format!(
                        "{} ({}): {op} did not end within {} s (`ultrastream wait --timeout SECS` waits longer)",
                        code_words(codes::E_TIMEOUT),
                        codes::E_TIMEOUT,
                        timeout.as_secs()
                    )));
                }
                std::thread::sleep(poll.min(deadline.saturating_duration_since(Instant::now())));
                continue;
            }
            return Ok(v);
        }
    });
    bar.done();
    let v = last?;
    // The followed one, else any that ended before `wait` started.
    let ended = blocks_where(&v, ended);
    let pick = followed
        .and_then(|k| ended.iter().find(|b| b.0 == k))
        .or(ended.first());
    let Some(&&(key, op, _, clear)) = pick else {
        // Nothing left to report: say whether a restart was waited for.
        let op = if restarting {
            json!("restart")
        } else {
            Value::Null
        };
        print_value(&json!({"result": 0, "operation": op}));
        return Ok(());
    };
    let result = int(&v[key], &["result"]) as i32;
    if !a.keep {
        call(&s.dev, clear, &[])?;
    }
    print_value(
        &json!({"result": result, "operation": op, key: v[key].clone(), "cleared": !a.keep}),
    );
    if codes::is_failure(result) {
        return Err(fail(&ultrastream::Error::Device {
            method: op.to_string(),
            code: result,
        }));
    }
    Ok(())
}

/// A progress report of `wait`'s own.
fn phase<'a>(operation: &'a str, phase: &'a str, percent: i32) -> Progress<'a> {
    Progress {
        operation,
        phase,
        step: 0,
        percent,
        done: 0,
        total: 0,
        result: RET_RUNNING,
    }
}

/// Errors that mean the device does not answer now.
fn unreachable(e: &ultrastream::Error) -> bool {
    use ultrastream::Error as E;
    matches!(
        e,
        E::Connect(_) | E::Io(_) | E::Timeout(_) | E::HttpStatus { .. }
    )
}

/// Clear one operation's result, or every finished one.
pub fn clear(g: &Global, a: ClearArgs) -> CliResult {
    let s = connect(g, true)?;
    let chosen: Vec<&(&str, &str, Clearable, &str)> = match a.what {
        Some(w) => BLOCKS.iter().filter(|b| b.2 == w).collect(),
        None => {
            let v = call(&s.dev, "get-status", &[])?;
            blocks_where(&v, ended)
        }
    };
    let mut cleared = Vec::new();
    for (_, op, _, method) in chosen {
        s.dev.call(method, &[]).map_err(|e| fail(&e))?;
        cleared.push(*op);
    }
    print_value(&json!({"result": 0, "cleared": cleared}));
    Ok(())
}
