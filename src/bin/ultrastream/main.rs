//! `ultrastream`: control a Magewell Ultra Stream encoder from a shell.
//!
//! JSON on stdout (the device's own reply, for `jq`; indented on a
//! terminal), `--table` for people, messages and progress on stderr.
//! Arguments are parsed by clap's derive API: typed subcommands, one help
//! style, suggestions and shell completions. One module per command group
//! (`commands/`); the shared pieces are `session` (host, password, login),
//! `output` (JSON, tables), `progress` (the bar, Ctrl-C) and `vendor` (the
//! API's method names as commands).

mod commands;
mod output;
mod progress;
mod session;
mod vendor;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use std::ffi::OsString;
use std::process::ExitCode;
use ultrastream::Error;
use ultrastream::model::codes;

/// The exit statuses, as `--help` documents them.
const EXIT_STATUS: &str = "\
Exit status:
  0    success (the device's positive outcomes such as retRepeat included)
  1    failure (the message names the code, e.g. \"connect failed (-1004)\")
  2    usage error (unknown command or option, missing or bad argument, no
       command at all, no device given, no password without a terminal)
  130  interrupted by Ctrl-C (SIGINT; 143 for SIGTERM)";

const EXAMPLES: &str = "\
Examples:
  ultrastream sim --port 8080 &
  export ULTRASTREAM_HOST=127.0.0.1:8080 ULTRASTREAM_PASSWORD=Admin
  ultrastream status | jq '.\"rec-status\"'
  ultrastream status --table
  ultrastream rec start            (or by the API's name: ultrastream start-rec)
  ultrastream firmware update ultra_stream_hdmi_1_2_123.mwf
  ultrastream set-name name='Studio A'   (any API method by its name)";

/// Control Magewell Ultra Stream encoders over their HTTP API.
#[derive(Parser)]
#[command(
    name = "ultrastream",
    version,
    about = "ultrastream: control Magewell Ultra Stream encoders over their HTTP API",
    after_help = format!("Every API method is also a command by its own name: `ultrastream get-status`\n(= status), `ultrastream set-name name=X` (= call set-name name=X).\n\n{EXAMPLES}\n\n{EXIT_STATUS}"),
    subcommand_required = true,
    help_expected = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes, before or after the command's name.
#[derive(Args, Clone, Default)]
#[command(next_help_heading = "Global options")]
pub struct Global {
    /// The device: 192.168.1.217, host:port, [v6]:port (or $ULTRASTREAM_HOST).
    /// No default: try `ultrastream sim`.
    #[arg(long, global = true, value_name = "HOST")]
    pub host: Option<String>,
    /// User to log in as (or $ULTRASTREAM_USER; default Admin).
    #[arg(long, global = true, value_name = "NAME")]
    pub user: Option<String>,
    /// Password (or $ULTRASTREAM_PASSWORD). Prefer the variable or the
    /// prompt: an argument is visible to every user in the process list.
    /// Asked for on a terminal when none is given.
    #[arg(long, global = true, value_name = "PASSWORD")]
    pub password: Option<String>,
    /// A table for people instead of JSON (an error where none fits).
    #[arg(long, global = true)]
    pub table: bool,
    /// No progress on stderr (errors are still printed).
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

/// The commands.
#[derive(Subcommand)]
pub enum Command {
    /// Print get-info (product, firmware, MAC addresses, codec capabilities).
    Info,
    /// Print get-status (--table: recording, live, signal, disks).
    Status,
    /// Print get-settings.
    Settings,
    /// Print ping's reply (needs no login).
    Ping,
    /// Start or stop recording (retRepeat, already so, exits 0).
    Rec {
        #[command(subcommand)]
        action: commands::device::StartStop,
    },
    /// Start or stop live streaming.
    Live {
        #[command(subcommand)]
        action: commands::device::StartStop,
    },
    /// Stream servers: list, add, enable, disable, remove.
    #[command(subcommand)]
    Server(commands::server::ServerCmd),
    /// Recorded files on the USB disk or SD card: list, get, remove.
    #[command(subcommand)]
    Media(commands::media::MediaCmd),
    /// Format a disk and wait for the end, with progress.
    Format(commands::ops::FormatArgs),
    /// Run a test (USB speed, stream server) and wait for its result.
    #[command(subcommand)]
    Test(commands::ops::TestCmd),
    /// Check for and install firmware, with progress.
    #[command(subcommand)]
    Firmware(commands::ops::FirmwareCmd),
    /// Reboot the device and wait until it answers again.
    Reboot(commands::ops::RunArgs),
    /// Reset all settings (the device restarts) and wait for it.
    Reset(commands::ops::RunArgs),
    /// Wait for the running operation (format, test, update, restart) to end.
    Wait(commands::ops::WaitArgs),
    /// Clear a finished operation's result so the next one can start.
    Clear(commands::ops::ClearArgs),
    /// User accounts: list, add, remove, set-password, change-password.
    #[command(subcommand)]
    Users(commands::users::UsersCmd),
    /// Call any API method by name: METHOD KEY=VALUE...
    Call(commands::call::CallArgs),
    /// Find devices on the network (multicast protocol and SSDP).
    Discover(commands::discover::DiscoverArgs),
    /// Follow devices and print their events, one JSON line each, until Ctrl-C.
    Watch(commands::discover::WatchArgs),
    /// Serve Prometheus metrics of many devices (fleet mode, /probe) until Ctrl-C.
    Exporter(commands::exporter::ExporterArgs),
    /// Run the simulator (`ultrastream sim --help`), or write a test
    /// firmware file (`ultrastream sim firmware FILE`).
    #[command(disable_help_flag = true)]
    Sim(commands::sim::SimArgs),
    /// Print a shell completion script: bash, zsh, fish, elvish, powershell.
    Completions(commands::completions::CompletionsArgs),
}

/// How a command ends: the exit status and what stderr says.
#[derive(Debug)]
pub enum CliError {
    /// Exit 2: the command line is wrong; the message says how to fix it.
    Usage(String),
    /// Exit 1: the device or the connection failed.
    Fail(String),
    /// Exit 130 (Ctrl-C; 143 for SIGTERM): the message says what was stopped.
    Interrupted(String),
}

/// A command's result.
pub type CliResult<T = ()> = Result<T, CliError>;

/// A usage error (exit 2).
pub fn usage<T>(msg: impl Into<String>) -> CliResult<T> {
    Err(CliError::Usage(msg.into()))
}

/// A library error as a message in words that names its code.
pub fn fail(e: &Error) -> CliError {
    if progress::interrupted() && matches!(e, Error::Cancelled(_)) {
        return CliError::Interrupted(describe(e));
    }
    let mut msg = describe(e);
    if matches!(e, Error::InvalidArgument { .. }) {
        // The caller's value broke a rule; nothing was sent.
        return CliError::Usage(msg);
    }
    if e.code() == codes::ERR_NEED_AUTH {
        msg.push_str(
            "; give a password with $ULTRASTREAM_PASSWORD or --password, or run on a terminal to be asked",
        );
    }
    CliError::Fail(msg)
}

/// "connect failed (-1004): could not connect ...": the code in words and
/// its number, then the library's message (device errors already name their code).
pub fn describe(e: &Error) -> String {
    let code = e.code();
    let msg = match e {
        Error::Device { .. } => e.to_string(),
        // What runs can be followed to its end from here.
        Error::Busy { .. } if !e.to_string().contains("clear its status") => {
            format!("{e}; `ultrastream wait` follows it to its end")
        }
        Error::Busy { .. } => e.to_string(),
        Error::Cancelled(d) if progress::interrupted() => format!("interrupted ({code}): {d}"),
        _ => format!("{} ({code}): {e}", code_words(code)),
    };
    cli_hints(&msg)
}

/// The library's advice names API methods and functions; in a shell the
/// commands that do it are what helps.
pub fn cli_hints(msg: &str) -> String {
    let mut m = msg.to_string();
    if let Some(i) = m.find("poll get-status") {
        m.truncate(i);
        m.push_str("`ultrastream wait` follows it to its end and clears its result");
    }
    m = m
        .replace(
            "wait_ready / usapi_wait_ready waits for it",
            "`ultrastream wait` waits for it",
        )
        .replace(
            "wait for it to finish, then clear its status",
            "`ultrastream wait` follows it to its end and clears its status",
        )
        .replace(
            "raise RunOptions.timeout / timeout_ms if the device is slow",
            "give a longer --timeout SECS if the device is slow",
        )
        .replace(
            "read it with usapi_get_servers",
            "see `ultrastream server list`",
        );
    for spec in ultrastream::api::METHODS {
        let paren = format!("({})", spec.name);
        if m.contains(&paren) {
            let words = vendor::command_for(spec.name)
                .map(|w| {
                    if w[0] == "call" {
                        spec.name.to_string()
                    } else {
                        w.join(" ")
                    }
                })
                .unwrap_or_else(|| spec.name.to_string());
            m = m.replace(&paren, &format!("(`ultrastream {words}`)"));
        }
    }
    m
}

/// The library's codes in words (the C names, USAPI_E_*, mean little in a shell).
pub fn code_words(code: i32) -> &'static str {
    match code {
        codes::E_INVALID_ARGUMENT => "invalid argument",
        codes::E_CONNECT => "connect failed",
        codes::E_TIMEOUT => "timed out",
        codes::E_HTTP_STATUS => "HTTP error",
        codes::E_BAD_REPLY => "bad reply",
        codes::E_REPLY_TOO_LARGE => "reply too large",
        codes::E_IO => "connection broken",
        codes::E_FILE => "file error",
        codes::E_SIMULATOR => "simulator error",
        codes::E_UNKNOWN_METHOD => "unknown method",
        codes::E_DISCOVERY => "discovery failed",
        codes::E_CANCELLED => "cancelled",
        codes::E_REDIRECT => "redirected",
        codes::E_VERIFY => "verification failed",
        codes::E_TRUNCATED => "value too long",
        codes::E_WATCH => "watch failed",
        c => codes::name(c),
    }
}

fn main() -> ExitCode {
    let argv: Vec<OsString> = std::env::args_os().collect();
    if argv.len() <= 1 {
        // No command: the overview on stderr, a usage error.
        let _ = Cli::command().write_help(&mut std::io::stderr());
        eprintln!("\nultrastream: no command given (see above, or `ultrastream help`)");
        return ExitCode::from(2);
    }
    let argv = match vendor::rewrite(argv) {
        Ok(a) => a,
        Err(e) => return report(e),
    };
    let matches = match Cli::command().try_get_matches_from(&argv) {
        Ok(m) => m,
        Err(e) => return clap_error(e),
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => return clap_error(e),
    };
    if let Command::Sim(a) = cli.command {
        return commands::sim::run(a);
    }
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => report(e),
    }
}

/// clap's own outcomes: help and version exit 0, every mistake 2.
fn clap_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    let _ = e.print();
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => ExitCode::SUCCESS,
        _ => ExitCode::from(2),
    }
}

/// Print the message and give the exit status.
pub fn report(e: CliError) -> ExitCode {
    let (msg, status) = match e {
        CliError::Usage(m) => (m, 2),
        CliError::Fail(m) => (m, 1),
        CliError::Interrupted(m) => (m, progress::exit_status()),
    };
    eprintln!("ultrastream: {msg}");
    ExitCode::from(status)
}
