//! `ultrastream`: control a Magewell Ultra Stream encoder from a shell.
//!
//! JSON on stdout (the device's own reply, for `jq`), `--table` for people,
//! messages on stderr, exit status 0 on success, 1 on a failure (the message
//! names the code), 2 on a usage error. Arguments are parsed with `lexopt`
//! (one small file, no dependencies): global options are accepted anywhere
//! on the line, before or after the subcommand.

use lexopt::prelude::*;
use serde_json::{Value, json};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use ultrastream::api::{NetMode, ServerArgs, ServerType};
use ultrastream::model::{codes, status as st};
use ultrastream::ops::{Flow, Progress, ProgressFn, RunOptions};
use ultrastream::{Device, DiscoverOptions, Error, Options, Reply, Watch, WatchOptions};

const HELP: &str = "\
ultrastream: control Magewell Ultra Stream encoders over their HTTP API

USAGE:
    ultrastream [GLOBAL OPTIONS] COMMAND [ARGS] [GLOBAL OPTIONS]

GLOBAL OPTIONS (before or after the command):
    --host HOST          The device: 192.168.1.217, host:port, [v6]:port
                         (or $ULTRASTREAM_HOST). No default: try `ultrastream sim`.
    --user NAME          User to log in as (or $ULTRASTREAM_USER; default Admin).
    --password PASSWORD  Password (or $ULTRASTREAM_PASSWORD). Prefer the
                         variable or the prompt: a command-line argument is
                         visible to every user in the process list. Asked for
                         on the terminal when none is given.
    --table              A table for people instead of JSON (status, discover,
                         media list, server list).
    -h, --help           Help (also after any command: `ultrastream rec --help`).
    -V, --version        The version.

COMMANDS:
    info                       get-info
    status                     get-status (--table: recording, live, signal, disks)
    settings                   get-settings
    ping                       ping (no login)
    rec start|stop             start-rec / stop-rec
    live start|stop            start-live / stop-live
    server list|add|enable|disable|remove    stream servers
    media list|get|remove      recorded files on the USB disk or SD card
    format usb|sd              format a disk, with progress
    test usb|server            USB speed test, stream server test, with progress
    firmware check|update FILE|online        firmware, with progress
    reboot                     reboot and wait until the device answers again
    reset                      reset all settings and wait for the device
    users list|add|remove|set-password|change-password
    call METHOD [KEY=VALUE...] any API method by name
    discover                   find devices on the network
    watch HOST...              follow devices' events, one JSON line each
    sim [OPTIONS]              run the simulator (the ultrastream-sim program)

EXAMPLES:
    ultrastream sim --port 8080 &
    export ULTRASTREAM_HOST=127.0.0.1:8080 ULTRASTREAM_PASSWORD=Admin
    ultrastream status | jq '.\"rec-status\"'
    ultrastream status --table
    ultrastream rec start
    ultrastream firmware update ultra_stream_hdmi_1_2_123.mwf
    ultrastream call set-name name='Studio A'

Exit status: 0 success (the device's positive outcomes such as retRepeat
included), 1 failure (the message names the code, e.g. errPasswd), 2 usage.
";

/// Help of each command, by its first word.
fn command_help(cmd: &str) -> Option<&'static str> {
    Some(match cmd {
        "info" => {
            "ultrastream info: print get-info (product, firmware, MAC addresses, codec capabilities).\n\nUSAGE:\n    ultrastream info\n"
        }
        "status" => {
            "ultrastream status: print get-status.\n\nUSAGE:\n    ultrastream status [--table]\n\nWith --table: the status flags, recording and live state with their\nrun time and bit rate, input signal, disks.\n"
        }
        "settings" => {
            "ultrastream settings: print get-settings.\n\nUSAGE:\n    ultrastream settings\n"
        }
        "ping" => {
            "ultrastream ping: print ping's reply (needs no login).\n\nUSAGE:\n    ultrastream ping\n"
        }
        "rec" => {
            "ultrastream rec: start or stop recording.\n\nUSAGE:\n    ultrastream rec start\n    ultrastream rec stop\n\nretRepeat (1: already recording / stopped) is an outcome, exit status 0.\n"
        }
        "live" => {
            "ultrastream live: start or stop live streaming.\n\nUSAGE:\n    ultrastream live start\n    ultrastream live stop\n"
        }
        "server" => {
            "ultrastream server: stream servers.\n\nUSAGE:\n    ultrastream server list [--table]\n    ultrastream server add KEY=VALUE...\n    ultrastream server enable ID\n    ultrastream server disable ID\n    ultrastream server remove ID\n\nadd takes type=rtmp|twitch|youtube|facebook (or 0-3), name=, url=, key=,\nuser=, passwd=, token=, net-mode=mobile|eth|wifi (or 0-2); is-auth is set\nwhen user= is given. Example:\n    ultrastream server add type=rtmp name=Main url=rtmp://live.example/app key=KEY\n"
        }
        "media" => {
            "ultrastream media: recorded files.\n\nUSAGE:\n    ultrastream media list [usb|sd] [--start N] [--count N] [--table]\n    ultrastream media get usb|sd NAME [-o FILE|FOLDER]\n    ultrastream media remove usb|sd NAME...\n\nlist: the disk defaults to usb, --count to 100. get downloads with\nprogress, into the current folder unless -o says where.\n"
        }
        "format" => {
            "ultrastream format: format a disk and wait for the end, with progress.\n\nUSAGE:\n    ultrastream format usb|sd [--timeout SECS] [--interval SECS]\n"
        }
        "test" => {
            "ultrastream test: run a test and wait for its result, with progress.\n\nUSAGE:\n    ultrastream test usb [--timeout SECS]\n    ultrastream test server ID [--timeout SECS]\n    ultrastream test server KEY=VALUE... (as `server add`)\n\ntest usb measures the USB disk's write speed; test server pushes a test\nstream to a configured server (by id) or to the one described.\n"
        }
        "firmware" => {
            "ultrastream firmware: check for and install firmware, with progress.\n\nUSAGE:\n    ultrastream firmware check [--timeout SECS]\n    ultrastream firmware update FILE.mwf [--timeout SECS]\n    ultrastream firmware online [--timeout SECS]\n\ncheck: online-update-check, then prints what was found.\nupdate: uploads FILE, installs it, waits for the device to come back and\nprints the new version. online: installs the version found online.\n"
        }
        "reboot" => {
            "ultrastream reboot: reboot the device and wait until it answers again.\n\nUSAGE:\n    ultrastream reboot [--timeout SECS]\n"
        }
        "reset" => {
            "ultrastream reset: reset all settings (the device restarts) and wait for it.\n\nUSAGE:\n    ultrastream reset [--timeout SECS]\n"
        }
        "users" => {
            "ultrastream users: user accounts.\n\nUSAGE:\n    ultrastream users list\n    ultrastream users add NAME\n    ultrastream users remove NAME\n    ultrastream users set-password NAME\n    ultrastream users change-password\n\nNew passwords come from $ULTRASTREAM_NEW_PASSWORD, the terminal (asked\ntwice), or the first line of standard input; never from the command line.\nchange-password changes the logged-in user's own password.\n"
        }
        "call" => {
            "ultrastream call: call any API method by name.\n\nUSAGE:\n    ultrastream call METHOD [KEY=VALUE...]\n\nValues are sent exactly as given (percent-encoded on the wire). Known\nmethods are checked against the API document first. Example:\n    ultrastream call set-rec-control usb-option=1 sd-option=0 mime-type=0 \\\n        root-folder=REC file-prefix=VID time-unit=5\n"
        }
        "discover" => {
            "ultrastream discover: find Ultra Stream devices (multicast protocol and SSDP).\n\nUSAGE:\n    ultrastream discover [--timeout SECS] [--target ADDR[:PORT]]...\n                         [--multicast-port PORT] [--ssdp-port PORT]\n                         [--protocol multicast|ssdp] [--table]\n\nWithout --target it probes every interface's multicast group (the local\nnetwork); --target probes those addresses by unicast instead. Each device\nis listed with the address and HTTP port to give to --host.\n"
        }
        "watch" => {
            "ultrastream watch: follow devices and print their events, one JSON line each, until Ctrl-C.\n\nUSAGE:\n    ultrastream watch HOST... [--interval SECS]\n\nEach HOST is logged in with the global --user / --password.\n"
        }
        "sim" => {
            "ultrastream sim: run the simulator (the same program as ultrastream-sim).\n\nUSAGE:\n    ultrastream sim [OPTIONS]      (ultrastream sim --help lists them)\n"
        }
        _ => return None,
    })
}

/// Exit with a message: `Usage` (2) or `Fail` (1).
enum CliError {
    Usage(String),
    Fail(String),
}

impl From<lexopt::Error> for CliError {
    fn from(e: lexopt::Error) -> Self {
        CliError::Usage(format!("{e} (see --help)"))
    }
}

/// A library error as a message that names its code.
fn fail(e: &Error) -> CliError {
    let code = e.code();
    let mut msg = match e {
        // The device's errors already name the code.
        Error::Device { .. } => e.to_string(),
        _ => format!("{} ({code}): {e}", codes::name(code)),
    };
    if code == codes::ERR_NEED_AUTH {
        msg.push_str(
            "; give a password with $ULTRASTREAM_PASSWORD or --password, or run on a terminal to be asked",
        );
    }
    CliError::Fail(msg)
}

type CliResult<T = ()> = Result<T, CliError>;

fn usage<T>(msg: impl Into<String>) -> CliResult<T> {
    Err(CliError::Usage(msg.into()))
}

#[derive(Default)]
struct Cli {
    host: Option<String>,
    user: Option<String>,
    password: Option<String>,
    table: bool,
    help: bool,
    version: bool,
    /// Options of one command (checked by the command): name and value.
    locals: Vec<(&'static str, String)>,
    words: Vec<String>,
    sim_args: Option<Vec<String>>,
}

impl Cli {
    fn local(&self, name: &str) -> Option<&str> {
        self.locals
            .iter()
            .rev()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
    fn locals_all(&self, name: &str) -> Vec<String> {
        self.locals
            .iter()
            .filter(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
            .collect()
    }
    /// Refuse options the command does not take.
    fn allow(&self, allowed: &[&str]) -> CliResult {
        for (n, _) in &self.locals {
            if !allowed.contains(n) {
                return usage(format!(
                    "--{n} does not apply to `{}` (see `ultrastream {} --help`)",
                    self.words.join(" "),
                    self.words.first().map(String::as_str).unwrap_or("")
                ));
            }
        }
        Ok(())
    }
    fn secs(&self, name: &str, default: f64) -> CliResult<Duration> {
        match self.local(name) {
            None => Ok(Duration::from_secs_f64(default)),
            Some(v) => match v.parse::<f64>() {
                Ok(s) if s.is_finite() && s > 0.0 && s <= 86_400.0 => {
                    Ok(Duration::from_secs_f64(s))
                }
                _ => usage(format!(
                    "--{name}: '{v}' is not a number of seconds (0-86400)"
                )),
            },
        }
    }
    fn number<T: std::str::FromStr>(&self, name: &str) -> CliResult<Option<T>> {
        match self.local(name) {
            None => Ok(None),
            Some(v) => v
                .parse::<T>()
                .map(Some)
                .or_else(|_| usage(format!("--{name}: '{v}' is not a valid number"))),
        }
    }
}

const LOCAL_WITH_VALUE: &[&str] = &[
    "timeout",
    "interval",
    "target",
    "multicast-port",
    "ssdp-port",
    "protocol",
    "start",
    "count",
    "output",
];

fn parse_args() -> CliResult<Cli> {
    let mut cli = Cli::default();
    let mut p = lexopt::Parser::from_env();
    while let Some(arg) = p.next()? {
        match arg {
            Long("host") => cli.host = Some(p.value()?.string()?),
            Long("user") => cli.user = Some(p.value()?.string()?),
            Long("password") => cli.password = Some(p.value()?.string()?),
            Long("table") => cli.table = true,
            Short('h') | Long("help") => cli.help = true,
            Short('V') | Long("version") => cli.version = true,
            Short('o') => cli.locals.push(("output", p.value()?.string()?)),
            Long(name) => match LOCAL_WITH_VALUE.iter().find(|n| **n == name) {
                Some(n) => {
                    let v = p.value()?.string()?;
                    cli.locals.push((n, v));
                }
                None => return usage(format!("unknown option --{name} (see --help)")),
            },
            Value(v) => {
                let s = v.string()?;
                if cli.words.is_empty() && s == "sim" {
                    // Everything after `sim` is the simulator's.
                    let rest = p
                        .raw_args()?
                        .map(|a| a.to_string_lossy().into_owned())
                        .collect();
                    cli.sim_args = Some(rest);
                    break;
                }
                cli.words.push(s);
            }
            other => return Err(other.unexpected().into()),
        }
    }
    Ok(cli)
}

fn main() -> ExitCode {
    let cli = match parse_args() {
        Ok(c) => c,
        Err(e) => return report(e),
    };
    if let Some(args) = &cli.sim_args {
        return sim(&cli, args);
    }
    if cli.version {
        println!("ultrastream {}", env!("CARGO_PKG_VERSION"));
        return ExitCode::SUCCESS;
    }
    let first = cli.words.first().map(String::as_str);
    if cli.help || first.is_none() {
        let text = first.and_then(command_help).unwrap_or(HELP);
        print!("{text}");
        return if cli.help {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(2)
        };
    }
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => report(e),
    }
}

fn report(e: CliError) -> ExitCode {
    match e {
        CliError::Usage(m) => {
            eprintln!("ultrastream: {m}");
            ExitCode::from(2)
        }
        CliError::Fail(m) => {
            eprintln!("ultrastream: {m}");
            ExitCode::from(1)
        }
    }
}

#[cfg(feature = "simulator")]
fn sim(cli: &Cli, args: &[String]) -> ExitCode {
    let mut args = args.to_vec();
    if cli.help {
        args.push("--help".into());
    }
    ultrastream::sim::cli::main("ultrastream sim", &args)
}

#[cfg(not(feature = "simulator"))]
fn sim(_: &Cli, _: &[String]) -> ExitCode {
    report(CliError::Fail(
        "this build has no simulator (the crate's `simulator` feature is off)".into(),
    ))
}

// --- connection and login ---------------------------------------------------

fn env_nonempty(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn host_of(cli: &Cli) -> CliResult<String> {
    cli.host
        .clone()
        .or_else(|| env_nonempty("ULTRASTREAM_HOST"))
        .map_or_else(
            || {
                usage(
                    "no device: give --host HOST or set ULTRASTREAM_HOST (no device at hand? `ultrastream sim` runs a simulated one)",
                )
            },
            Ok,
        )
}

/// Read a line from the terminal without echo. (Not on Windows: there the
/// password comes from --password or ULTRASTREAM_PASSWORD.)
#[cfg(not(unix))]
fn prompt_hidden(_prompt: &str) -> Option<String> {
    None
}

/// Read a line from the terminal without echo.
#[cfg(unix)]
fn prompt_hidden(prompt: &str) -> Option<String> {
    use std::io::BufRead;
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .ok()?;
    let fd = std::os::fd::AsRawFd::as_raw_fd(&tty);
    // SAFETY: termios is plain data; fd is open for the whole block.
    let saved = unsafe {
        let mut t: libc::termios = std::mem::zeroed();
        if libc::tcgetattr(fd, &mut t) != 0 {
            return None;
        }
        let saved = t;
        t.c_lflag &= !libc::ECHO;
        t.c_lflag |= libc::ECHONL;
        libc::tcsetattr(fd, libc::TCSANOW, &t);
        saved
    };
    let mut out = &tty;
    let _ = write!(out, "{prompt}");
    let _ = out.flush();
    let mut line = String::new();
    let ok = std::io::BufReader::new(&tty).read_line(&mut line).is_ok();
    // SAFETY: restores the settings read above.
    unsafe {
        libc::tcsetattr(fd, libc::TCSANOW, &saved);
    }
    ok.then(|| line.trim_end_matches(['\r', '\n']).to_string())
}

fn password_of(cli: &Cli, user: &str, host: &str) -> Option<String> {
    if let Some(p) = &cli.password {
        return Some(p.clone());
    }
    if let Ok(p) = std::env::var("ULTRASTREAM_PASSWORD") {
        return Some(p);
    }
    if std::io::stdin().is_terminal() {
        return prompt_hidden(&format!("password for {user} on {host}: "));
    }
    None
}

/// A connected device, logged in when a password is known. Logs out on drop.
struct Session {
    dev: Device,
    logged_in: bool,
}

impl Drop for Session {
    fn drop(&mut self) {
        if self.logged_in {
            // Frees the device's session slot (it has two); errors do not matter here.
            let _ = self.dev.logout();
        }
    }
}

fn user_of(cli: &Cli) -> String {
    cli.user
        .clone()
        .or_else(|| env_nonempty("ULTRASTREAM_USER"))
        .unwrap_or_else(|| "Admin".to_string())
}

/// The user and password (asked for at most once per run).
fn credentials(cli: &Cli, host: &str) -> Option<(String, String)> {
    static ASKED: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let user = user_of(cli);
    let pw = ASKED
        .get_or_init(|| password_of(cli, &user, host))
        .clone()?;
    Some((user, pw))
}

fn connect(cli: &Cli, host: &str, login: bool) -> CliResult<Session> {
    let dev = Device::connect(host, Options::default()).map_err(|e| fail(&e))?;
    let mut s = Session {
        dev,
        logged_in: false,
    };
    if login {
        if let Some((user, pw)) = credentials(cli, host) {
            s.dev.login(&user, &pw).map_err(|e| fail(&e))?;
            s.logged_in = true;
        }
    }
    Ok(s)
}

// --- output -------------------------------------------------------------------

fn print_json_text(body: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", body.trim_end());
    let _ = out.flush();
}

fn print_value(v: &Value) {
    print_json_text(&v.to_string());
}

/// Print a reply; a negative result is a failure.
fn finish(r: Result<Reply, Error>) -> CliResult {
    let r = r.map_err(|e| fail(&e))?;
    print_json_text(&r.body);
    Ok(())
}

fn body_json(r: &Reply) -> CliResult<Value> {
    serde_json::from_str(&r.body).map_err(|e| {
        CliError::Fail(format!(
            "{} ({}): {}: the reply is not JSON: {e}",
            codes::name(codes::E_BAD_REPLY),
            codes::E_BAD_REPLY,
            r.method
        ))
    })
}

fn call(dev: &Device, method: &str, params: &[(&str, &str)]) -> CliResult<Value> {
    let r = dev.call(method, params).map_err(|e| fail(&e))?;
    body_json(&r)
}

fn int(v: &Value, path: &[&str]) -> i64 {
    let mut cur = v;
    for p in path {
        match cur.get(*p) {
            Some(x) => cur = x,
            None => return 0,
        }
    }
    cur.as_i64()
        .or_else(|| cur.as_f64().map(|f| f as i64))
        .unwrap_or(0)
}

fn text(v: &Value, path: &[&str]) -> String {
    let mut cur = v;
    for p in path {
        match cur.get(*p) {
            Some(x) => cur = x,
            None => return String::new(),
        }
    }
    match cur {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Left-aligned columns with a header row.
fn print_table(header: &[&str], rows: &[Vec<String>]) {
    let mut width: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if i < width.len() {
                width[i] = width[i].max(c.chars().count());
            }
        }
    }
    let mut out = std::io::stdout().lock();
    let line = |cells: Vec<String>| -> String {
        let n = cells.len();
        let mut s = String::new();
        for (i, c) in cells.into_iter().enumerate() {
            if i + 1 == n {
                s.push_str(&c);
            } else {
                s.push_str(&format!("{c:<w$}  ", w = width[i]));
            }
        }
        s.trim_end().to_string()
    };
    let _ = writeln!(
        out,
        "{}",
        line(header.iter().map(|h| h.to_string()).collect())
    );
    for r in rows {
        let _ = writeln!(out, "{}", line(r.clone()));
    }
}

fn bytes(n: i64) -> String {
    let n = n.max(0) as f64;
    let units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < units.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", units[u])
    }
}

fn duration_ms(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    format!("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
}

fn bps(v: i64) -> String {
    if v >= 1_000_000 {
        format!("{:.1} Mb/s", v as f64 / 1e6)
    } else {
        format!("{} kb/s", v / 1000)
    }
}

fn status_table(s: &Value) {
    let mask = int(s, &["cur-status"]) as u32;
    let flags = st::status_flag_names(mask).join(" ");
    let run_state = |on: bool, key: &str| -> String {
        if on {
            format!(
                "yes  {}  {} (avg {})",
                duration_ms(int(s, &[key, "run-ms"])),
                bps(int(s, &[key, "cur-bps"])),
                bps(int(s, &[key, "avg-bps"]))
            )
        } else {
            format!("no  (result {})", int(s, &[key, "result"]))
        }
    };
    let signal = if int(s, &["input-signal", "status"]) != 0 {
        format!(
            "{}x{}{} {:.2} Hz",
            int(s, &["input-signal", "cx"]),
            int(s, &["input-signal", "cy"]),
            if int(s, &["input-signal", "interlaced"]) != 0 {
                "i"
            } else {
                "p"
            },
            s.pointer("/input-signal/frame-rate")
                .and_then(Value::as_f64)
                .unwrap_or(0.0)
        )
    } else {
        "none".to_string()
    };
    let disk = |d: &str| -> String {
        let status = int(s, &[d, "disk-status"]);
        let name = st::disk_status_name(status as u32);
        if status == st::DISK_NOT_DISK as i64 {
            name.to_string()
        } else {
            format!(
                "{name}  {} free of {}",
                bytes(int(s, &[d, "free-size"])),
                bytes(int(s, &[d, "total-size"]))
            )
        }
    };
    let rows = vec![
        vec!["name".into(), text(s, &["box-name"])],
        vec!["time".into(), text(s, &["cur-time"])],
        vec!["status".into(), format!("{mask:#x}  {flags}")],
        vec![
            "recording".into(),
            run_state(mask & st::STATUS_RECORD != 0, "rec-status"),
        ],
        vec![
            "live".into(),
            run_state(mask & st::STATUS_LIVING != 0, "live-status"),
        ],
        vec!["signal".into(), signal],
        vec!["usb".into(), disk("usb")],
        vec!["sd".into(), disk("sd")],
    ];
    print_table(&["field", "value"], &rows);
}

// --- progress -----------------------------------------------------------------

/// A bar on a terminal (stderr), plain lines otherwise (one per change).
struct Bar {
    tty: bool,
    last: Option<(String, i64)>,
    drawn: bool,
}

impl Bar {
    fn new() -> Bar {
        Bar {
            tty: std::io::stderr().is_terminal(),
            last: None,
            drawn: false,
        }
    }
    fn show(&mut self, what: &str, percent: Option<i64>) {
        let p = percent.unwrap_or(-1).clamp(-1, 100);
        let key = (what.to_string(), p);
        if self.last.as_ref() == Some(&key) {
            return;
        }
        self.last = Some(key);
        let mut err = std::io::stderr().lock();
        if self.tty {
            let bar = if p >= 0 {
                let filled = (p as usize) * 30 / 100;
                format!("[{}{}] {p:3}%", "#".repeat(filled), ".".repeat(30 - filled))
            } else {
                "[..............................]".to_string()
            };
            let _ = write!(err, "\r\x1b[2K{what} {bar}");
            self.drawn = true;
        } else if p >= 0 {
            let _ = writeln!(err, "{what}: {p}%");
        } else {
            let _ = writeln!(err, "{what}");
        }
        let _ = err.flush();
    }
    fn done(&mut self) {
        if self.drawn {
            let _ = writeln!(std::io::stderr());
            self.drawn = false;
        }
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.done();
    }
}

// --- long operations (ultrastream::ops) -------------------------------------------

/// Set by Ctrl-C during a long operation: the progress callback then asks
/// the operation to stop (on the device where the document allows it).
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_interrupt(_: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

fn catch_interrupt() {
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        let handler = on_interrupt as extern "C" fn(libc::c_int) as libc::sighandler_t;
        libc::signal(libc::SIGINT, handler);
        libc::signal(libc::SIGTERM, handler);
    }
}

fn run_options(cli: &Cli) -> CliResult<RunOptions> {
    let opt = |name: &str| -> CliResult<Option<Duration>> {
        match cli.local(name) {
            None => Ok(None),
            Some(_) => cli.secs(name, 0.0).map(Some),
        }
    };
    Ok(RunOptions {
        timeout: opt("timeout")?,
        poll_interval: opt("interval")?,
    })
}

/// Run `f` with a progress callback that draws `bar` and stops on Ctrl-C.
fn with_progress<T>(f: impl FnOnce(&mut ProgressFn<'_>) -> Result<T, Error>) -> Result<T, Error> {
    catch_interrupt();
    let mut bar = Bar::new();
    let mut cb = |p: &Progress<'_>| -> Flow {
        let what = if p.phase.is_empty() || p.phase == p.operation {
            p.operation.to_string()
        } else {
            format!("{} ({})", p.operation, p.phase)
        };
        let pct = (p.percent >= 0).then_some(i64::from(p.percent));
        bar.show(&what, pct);
        if INTERRUPTED.load(Ordering::SeqCst) {
            Flow::Break(())
        } else {
            Flow::Continue(())
        }
    };
    let r = f(&mut cb);
    bar.done();
    r
}

// --- commands -------------------------------------------------------------------

fn run(cli: &Cli) -> CliResult {
    let w: Vec<&str> = cli.words.iter().map(String::as_str).collect();
    match w[0] {
        "discover" => return discover(cli),
        "watch" => return watch(cli, &w[1..]),
        _ => {}
    }
    if command_help(w[0]).is_none() {
        return usage(format!("unknown command '{}' (see --help)", w[0]));
    }
    let host = host_of(cli)?;
    let sub = w.get(1).copied();
    let rest = if w.len() > 2 { &w[2..] } else { &[][..] };
    let no_args = |w: &[&str]| -> CliResult {
        if w.len() > 1 {
            usage(format!(
                "`{}` takes no arguments (see `ultrastream {} --help`)",
                w[0], w[0]
            ))
        } else {
            Ok(())
        }
    };
    let pick = |choices: &[&str]| -> CliResult<&str> {
        match sub {
            Some(s) if choices.contains(&s) => Ok(s),
            _ => usage(format!(
                "`{}` needs one of: {} (see `ultrastream {} --help`)",
                w[0],
                choices.join(", "),
                w[0]
            )),
        }
    };
    match w[0] {
        "ping" => {
            cli.allow(&[])?;
            no_args(&w)?;
            let s = connect(cli, &host, false)?;
            finish(s.dev.call("ping", &[]))
        }
        "info" | "settings" => {
            cli.allow(&[])?;
            no_args(&w)?;
            let s = connect(cli, &host, true)?;
            finish(s.dev.call(&format!("get-{}", w[0]), &[]))
        }
        "status" => {
            cli.allow(&[])?;
            no_args(&w)?;
            let s = connect(cli, &host, true)?;
            let r = s.dev.call("get-status", &[]).map_err(|e| fail(&e))?;
            if cli.table {
                status_table(&body_json(&r)?);
            } else {
                print_json_text(&r.body);
            }
            Ok(())
        }
        "rec" | "live" => {
            cli.allow(&[])?;
            let action = pick(&["start", "stop"])?;
            if !rest.is_empty() {
                return usage(format!("`{} {action}` takes no arguments", w[0]));
            }
            let s = connect(cli, &host, true)?;
            finish(s.dev.call(&format!("{action}-{}", w[0]), &[]))
        }
        "server" => server(
            cli,
            &host,
            pick(&["list", "add", "enable", "disable", "remove"])?,
            rest,
        ),
        "media" => media(cli, &host, pick(&["list", "get", "remove"])?, rest),
        "format" => {
            cli.allow(&["timeout", "interval"])?;
            let disk = pick(&["usb", "sd"])?;
            let opts = run_options(cli)?;
            let s = connect(cli, &host, true)?;
            finish(with_progress(|cb| {
                if disk == "usb" {
                    s.dev.run_format_usb(&opts, cb)
                } else {
                    s.dev.run_format_sd(&opts, cb)
                }
            }))
        }
        "test" => test(cli, &host, pick(&["usb", "server"])?, rest),
        "firmware" => firmware(cli, &host, pick(&["check", "update", "online"])?, rest),
        "reboot" | "reset" => {
            cli.allow(&["timeout", "interval"])?;
            no_args(&w)?;
            let opts = run_options(cli)?;
            let s = connect(cli, &host, true)?;
            let method = if w[0] == "reboot" {
                "reboot"
            } else {
                "reset-all-settings"
            };
            with_progress(|cb| {
                if w[0] == "reboot" {
                    s.dev.run_reboot(&opts, cb)
                } else {
                    s.dev.run_reset_all_settings(&opts, cb)
                }
            })
            .map_err(|e| fail(&e))?;
            let p = call(&s.dev, "ping", &[])?;
            print_value(&json!({"result": 0, "method": method, "ping": p}));
            Ok(())
        }
        "users" => users(
            cli,
            &host,
            pick(&["list", "add", "remove", "set-password", "change-password"])?,
            rest,
        ),
        "call" => {
            cli.allow(&[])?;
            let Some(method) = sub else {
                return usage("`call` needs a METHOD (see `ultrastream call --help`)");
            };
            let params = key_values(rest)?;
            let borrowed: Vec<(&str, &str)> = params
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let s = connect(cli, &host, method != "ping")?;
            finish(s.dev.call(method, &borrowed))
        }
        other => usage(format!("unknown command '{other}' (see --help)")),
    }
}

fn key_values(args: &[&str]) -> CliResult<Vec<(String, String)>> {
    args.iter()
        .map(|a| match a.split_once('=') {
            Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
            _ => usage(format!("'{a}' is not KEY=VALUE")),
        })
        .collect()
}

fn server_args(args: &[&str]) -> CliResult<ServerArgs> {
    let mut s = ServerArgs::default();
    for (k, v) in key_values(args)? {
        match k.as_str() {
            "type" => {
                s.kind = match v.to_ascii_lowercase().as_str() {
                    "0" | "rtmp" => ServerType::Rtmp,
                    "1" | "twitch" => ServerType::Twitch,
                    "2" | "youtube" => ServerType::YouTube,
                    "3" | "facebook" => ServerType::Facebook,
                    _ => return usage(format!("type={v}: use rtmp, twitch, youtube or facebook")),
                }
            }
            "net-mode" => {
                s.net_mode = match v.to_ascii_lowercase().as_str() {
                    "0" | "mobile" => NetMode::Mobile,
                    "1" | "eth" | "ethernet" => NetMode::Ethernet,
                    "2" | "wifi" => NetMode::Wifi,
                    _ => return usage(format!("net-mode={v}: use mobile, eth or wifi")),
                }
            }
            "name" => s.name = v,
            "url" => s.url = v,
            "key" => s.key = v,
            "user" => {
                s.is_auth = !v.is_empty();
                s.user = v;
            }
            "passwd" | "password" => s.passwd = v,
            "token" => s.token = v,
            "is-auth" => s.is_auth = v == "1",
            other => {
                return usage(format!(
                    "unknown server field '{other}' (type, name, url, key, user, passwd, token, net-mode, is-auth)"
                ));
            }
        }
    }
    Ok(s)
}

fn id_arg(cmd: &str, rest: &[&str]) -> CliResult<i64> {
    match rest {
        [id] => id.parse::<i64>().or_else(|_| {
            usage(format!(
                "`{cmd}`: '{id}' is not a server id (see `server list`)"
            ))
        }),
        _ => usage(format!("`{cmd}` needs one server ID (see `server list`)")),
    }
}

fn servers_of(dev: &Device) -> CliResult<Vec<Value>> {
    let settings = call(dev, "get-settings", &[])?;
    Ok(settings
        .get("stream-server")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default())
}

fn server(cli: &Cli, host: &str, action: &str, rest: &[&str]) -> CliResult {
    cli.allow(&[])?;
    let s = connect(cli, host, true)?;
    match action {
        "list" => {
            if !rest.is_empty() {
                return usage("`server list` takes no arguments");
            }
            let list = servers_of(&s.dev)?;
            if cli.table {
                let kind = |v: i64| match v {
                    0 => "rtmp",
                    1 => "twitch",
                    2 => "youtube",
                    3 => "facebook",
                    _ => "?",
                };
                let net = |v: i64| match v {
                    0 => "mobile",
                    1 => "eth",
                    2 => "wifi",
                    _ => "?",
                };
                let rows: Vec<Vec<String>> = list
                    .iter()
                    .map(|v| {
                        vec![
                            int(v, &["id"]).to_string(),
                            kind(int(v, &["type"])).into(),
                            if int(v, &["is-use"]) != 0 {
                                "yes"
                            } else {
                                "no"
                            }
                            .into(),
                            net(int(v, &["net-mode"])).into(),
                            text(v, &["name"]),
                            text(v, &["url"]),
                        ]
                    })
                    .collect();
                // Stream keys and passwords stay out of the table.
                print_table(&["id", "type", "enabled", "net", "name", "url"], &rows);
            } else {
                print_value(&Value::Array(list));
            }
            Ok(())
        }
        "add" => {
            if rest.is_empty() {
                return usage(
                    "`server add` needs KEY=VALUE fields (see `ultrastream server --help`)",
                );
            }
            let a = server_args(rest)?;
            finish(s.dev.add_server(&a))
        }
        "enable" | "disable" => {
            let id = id_arg(&format!("server {action}"), rest)?;
            finish(s.dev.enable_server(id, action == "enable"))
        }
        _ => {
            let id = id_arg("server remove", rest)?;
            finish(s.dev.del_server(id))
        }
    }
}

fn disk_type(cmd: &str, d: &str) -> CliResult<i64> {
    match d {
        "usb" | "0" => Ok(0),
        "sd" | "1" => Ok(1),
        _ => usage(format!("`{cmd}`: '{d}' is not a disk (usb or sd)")),
    }
}

fn media(cli: &Cli, host: &str, action: &str, rest: &[&str]) -> CliResult {
    match action {
        "list" => {
            cli.allow(&["start", "count"])?;
            let disk = match rest {
                [] => 0,
                [d] => disk_type("media list", d)?,
                _ => return usage("`media list` takes at most a disk (usb or sd)"),
            };
            let start: i64 = cli.number("start")?.unwrap_or(0);
            let count: i64 = cli.number("count")?.unwrap_or(100);
            let s = connect(cli, host, true)?;
            let r = s
                .dev
                .get_media_files_reply(disk, start, count)
                .map_err(|e| fail(&e))?;
            if cli.table {
                let v = body_json(&r)?;
                let rows: Vec<Vec<String>> = v
                    .get("media-files")
                    .and_then(Value::as_array)
                    .map(|a| a.as_slice())
                    .unwrap_or(&[])
                    .iter()
                    .map(|f| {
                        vec![
                            text(f, &["name"]),
                            bytes(int(f, &["size-bytes"])),
                            duration_ms(int(f, &["duration"])),
                            format!("{}x{}", int(f, &["width"]), int(f, &["height"])),
                            text(f, &["create-time"]),
                        ]
                    })
                    .collect();
                print_table(&["name", "size", "duration", "size-px", "created"], &rows);
            } else {
                print_json_text(&r.body);
            }
            Ok(())
        }
        "remove" => {
            cli.allow(&[])?;
            let [d, names @ ..] = rest else {
                return usage("`media remove` needs a disk (usb or sd) and file names");
            };
            if names.is_empty() {
                return usage("`media remove` needs file names (see `media list`)");
            }
            let disk = disk_type("media remove", d)?;
            let s = connect(cli, host, true)?;
            finish(s.dev.del_media_files(disk, names))
        }
        _ => {
            cli.allow(&["output", "timeout"])?;
            let [d, name] = rest else {
                return usage("`media get` needs a disk (usb or sd) and a file name");
            };
            let disk = disk_type("media get", d)?;
            let dest = match cli.local("output") {
                None => PathBuf::from(name),
                Some(o) if Path::new(o).is_dir() => Path::new(o).join(name),
                Some(o) => PathBuf::from(o),
            };
            let opts = run_options(cli)?;
            let s = connect(cli, host, true)?;
            let n = with_progress(|cb| s.dev.download_media(disk as i32, name, &dest, &opts, cb))
                .map_err(|e| fail(&e))?;
            print_value(
                &json!({"result": 0, "name": name, "path": dest.display().to_string(), "bytes": n}),
            );
            Ok(())
        }
    }
}

fn test(cli: &Cli, host: &str, what: &str, rest: &[&str]) -> CliResult {
    cli.allow(&["timeout", "interval"])?;
    let opts = run_options(cli)?;
    let s = connect(cli, host, true)?;
    if what == "usb" {
        if !rest.is_empty() {
            return usage("`test usb` takes no arguments");
        }
        return finish(with_progress(|cb| s.dev.run_test_usb(&opts, cb)));
    }
    let args = match rest {
        [id] if id.parse::<i64>().is_ok() => {
            let id: i64 = id.parse().unwrap_or(-1);
            let list = servers_of(&s.dev)?;
            let v = list.iter().find(|v| int(v, &["id"]) == id).ok_or_else(|| {
                CliError::Fail(format!(
                    "no server with id {id} (see `ultrastream server list`)"
                ))
            })?;
            let mut a = ServerArgs {
                name: text(v, &["name"]),
                url: text(v, &["url"]),
                key: text(v, &["key"]),
                is_auth: int(v, &["is-auth"]) != 0,
                user: text(v, &["user"]),
                passwd: text(v, &["passwd"]),
                token: text(v, &["token"]),
                ..Default::default()
            };
            a.kind = match int(v, &["type"]) {
                1 => ServerType::Twitch,
                2 => ServerType::YouTube,
                3 => ServerType::Facebook,
                _ => ServerType::Rtmp,
            };
            a.net_mode = match int(v, &["net-mode"]) {
                0 => NetMode::Mobile,
                2 => NetMode::Wifi,
                _ => NetMode::Ethernet,
            };
            a
        }
        [] => return usage("`test server` needs a server ID or KEY=VALUE fields"),
        kv => server_args(kv)?,
    };
    finish(with_progress(|cb| s.dev.run_test_server(&args, &opts, cb)))
}

fn firmware(cli: &Cli, host: &str, what: &str, rest: &[&str]) -> CliResult {
    cli.allow(&["timeout", "interval"])?;
    let opts = run_options(cli)?;
    let s = connect(cli, host, true)?;
    match what {
        "check" => {
            if !rest.is_empty() {
                return usage("`firmware check` takes no arguments");
            }
            finish(with_progress(|cb| s.dev.run_update_check(&opts, cb)))
        }
        "update" => {
            let [file] = rest else {
                return usage("`firmware update` needs the .mwf FILE");
            };
            let path = Path::new(file);
            finish(with_progress(|cb| {
                s.dev.run_firmware_update(Some(path), &opts, cb)
            }))
        }
        _ => {
            if !rest.is_empty() {
                return usage("`firmware online` takes no arguments");
            }
            finish(with_progress(|cb| {
                s.dev.run_firmware_update(None, &opts, cb)
            }))
        }
    }
}

/// A new password: $ULTRASTREAM_NEW_PASSWORD, the terminal (twice), or the
/// first line of standard input.
fn new_password(what: &str) -> CliResult<String> {
    if let Ok(p) = std::env::var("ULTRASTREAM_NEW_PASSWORD") {
        return Ok(p);
    }
    if std::io::stdin().is_terminal() {
        let a = prompt_hidden(&format!("new password for {what}: "));
        let b = prompt_hidden("again: ");
        return match (a, b) {
            (Some(a), Some(b)) if a == b => Ok(a),
            (Some(_), Some(_)) => Err(CliError::Fail(
                "the two passwords differ; nothing changed".into(),
            )),
            _ => Err(CliError::Fail(
                "could not read the password from the terminal".into(),
            )),
        };
    }
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).map_err(|e| {
        CliError::Fail(format!(
            "could not read the new password from standard input: {e}"
        ))
    })?;
    let p = line.trim_end_matches(['\r', '\n']).to_string();
    if p.is_empty() {
        return usage(
            "no new password: set ULTRASTREAM_NEW_PASSWORD or pipe it into standard input",
        );
    }
    Ok(p)
}

fn users(cli: &Cli, host: &str, action: &str, rest: &[&str]) -> CliResult {
    cli.allow(&[])?;
    let one = |cmd: &str| -> CliResult<String> {
        match rest {
            [n] => Ok(n.to_string()),
            _ => usage(format!("`users {cmd}` needs one user NAME")),
        }
    };
    match action {
        "list" => {
            let s = connect(cli, host, true)?;
            finish(s.dev.call("get-users", &[]))
        }
        "add" => {
            let name = one("add")?;
            let pw = new_password(&name)?;
            let s = connect(cli, host, true)?;
            finish(s.dev.add_user(&name, &pw))
        }
        "remove" => {
            let name = one("remove")?;
            let s = connect(cli, host, true)?;
            finish(s.dev.del_user(&name))
        }
        "set-password" => {
            let name = one("set-password")?;
            let pw = new_password(&name)?;
            let s = connect(cli, host, true)?;
            finish(s.dev.set_password(&name, &pw))
        }
        _ => {
            if !rest.is_empty() {
                return usage("`users change-password` takes no arguments");
            }
            let (user, old) = credentials(cli, host).ok_or_else(|| {
                CliError::Usage("the current password is needed: $ULTRASTREAM_PASSWORD, --password or a terminal".into())
            })?;
            let pw = new_password(&user)?;
            let s = connect(cli, host, true)?;
            finish(s.dev.ch_password(&old, &pw))
        }
    }
}

fn discover(cli: &Cli) -> CliResult {
    cli.allow(&[
        "timeout",
        "target",
        "multicast-port",
        "ssdp-port",
        "protocol",
    ])?;
    if cli.words.len() > 1 {
        return usage("`discover` takes options only (see `ultrastream discover --help`)");
    }
    let mut o = DiscoverOptions {
        timeout: cli.secs("timeout", 2.0)?,
        targets: cli.locals_all("target"),
        ..Default::default()
    };
    if let Some(p) = cli.number::<u16>("multicast-port")? {
        o.multicast_port = p;
    }
    if let Some(p) = cli.number::<u16>("ssdp-port")? {
        o.ssdp_port = p;
    }
    if let Some(p) = cli.local("protocol") {
        o.protocols = match p {
            "multicast" => ultrastream::discovery::Protocols::MULTICAST,
            "ssdp" => ultrastream::discovery::Protocols::SSDP,
            "both" => ultrastream::discovery::Protocols::BOTH,
            _ => return usage(format!("--protocol: '{p}' is not multicast, ssdp or both")),
        };
    }
    let found = ultrastream::discover(&o).map_err(|e| fail(&e))?;
    if cli.table {
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

fn watch(cli: &Cli, hosts: &[&str]) -> CliResult {
    cli.allow(&["interval"])?;
    if hosts.is_empty() {
        return usage("`watch` needs at least one HOST (see `ultrastream watch --help`)");
    }
    let interval = cli.secs("interval", 1.0)?;
    let mut devices = Vec::new();
    for (i, h) in hosts.iter().enumerate() {
        let dev = Device::connect(h, Options::default()).map_err(|e| fail(&e))?;
        if let Some((user, pw)) = credentials(cli, h) {
            // A refused or unreachable device is not the end: the watcher
            // reports it (auth-failed, offline) and keeps trying.
            if let Err(e) = dev.login(&user, &pw) {
                eprintln!(
                    "ultrastream: {h}: {}",
                    match fail(&e) {
                        CliError::Fail(m) | CliError::Usage(m) => m,
                    }
                );
            }
        }
        devices.push((i as u64 + 1, Arc::new(dev)));
    }
    let opts = WatchOptions {
        interval,
        offline_after: (interval * 3).max(Duration::from_secs(3)),
        ..WatchOptions::default()
    };
    catch_interrupt();
    let w = Watch::start(devices, opts, |event: &str| {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{event}");
        let _ = out.flush();
    })
    .map_err(|e| fail(&e))?;
    while !INTERRUPTED.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(100));
    }
    w.stop().map_err(|e| fail(&e))
}
