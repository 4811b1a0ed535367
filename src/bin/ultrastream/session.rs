//! The device to talk to, the credentials, the login, and the logout at the end.

use crate::{CliError, CliResult, Global, fail, usage};
use std::io::IsTerminal;
use ultrastream::{Device, Error, Options};

fn env_nonempty(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// --host or $ULTRASTREAM_HOST; none is a usage error.
pub fn host_of(g: &Global) -> CliResult<String> {
    g.host
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
pub fn prompt_hidden(_prompt: &str) -> Option<String> {
    None
}

/// Read a line from the terminal without echo.
#[cfg(unix)]
pub fn prompt_hidden(prompt: &str) -> Option<String> {
    use std::io::{BufRead, Write};
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
        // Ctrl-C while echo is off must not leave the terminal silent.
        crate::progress::restore_on_interrupt(fd, saved);
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
    crate::progress::restore_done();
    ok.then(|| line.trim_end_matches(['\r', '\n']).to_string())
}

/// True when a password can be asked for (a terminal on stdin).
pub fn can_prompt() -> bool {
    std::io::stdin().is_terminal()
}

fn password_of(g: &Global, user: &str, host: &str) -> Option<String> {
    if let Some(p) = &g.password {
        return Some(p.clone());
    }
    if let Ok(p) = std::env::var("ULTRASTREAM_PASSWORD") {
        return Some(p);
    }
    if can_prompt() {
        return prompt_hidden(&format!("password for {user} on {host}: "));
    }
    None
}

/// The user to log in as.
pub fn user_of(g: &Global) -> String {
    g.user
        .clone()
        .or_else(|| env_nonempty("ULTRASTREAM_USER"))
        .unwrap_or_else(|| "Admin".to_string())
}

/// The user and password (asked for at most once per run).
pub fn credentials(g: &Global, host: &str) -> Option<(String, String)> {
    static ASKED: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let user = user_of(g);
    let pw = ASKED.get_or_init(|| password_of(g, &user, host)).clone()?;
    Some((user, pw))
}

/// The message when no password can be had: before anything is sent.
pub const NO_PASSWORD: &str = "no password: set ULTRASTREAM_PASSWORD or give --password (not on a terminal, so none can be asked for); nothing was sent to the device";

/// A connected device, logged in when `login`. Logs out on drop.
pub struct Session {
    /// The device.
    pub dev: Device,
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

/// Connect to --host and, when `login`, log in. Without a password and a
/// terminal to ask on, a usage error before anything is sent.
pub fn connect(g: &Global, login: bool) -> CliResult<Session> {
    try_connect(g, login)?.map_err(|e| fail(&e))
}

/// `connect` with the library's error kept (the outer error is a usage
/// error: no host, no password), for callers that retry a device that is
/// away (restarting).
pub fn try_connect(g: &Global, login: bool) -> CliResult<Result<Session, Error>> {
    let host = host_of(g)?;
    let creds = if login {
        Some(credentials(g, &host).ok_or_else(|| CliError::Usage(NO_PASSWORD.into()))?)
    } else {
        None
    };
    Ok((|| {
        let dev = Device::connect(&host, Options::default())?;
        let mut s = Session {
            dev,
            logged_in: false,
        };
        if let Some((user, pw)) = creds {
            s.dev.login(&user, &pw)?;
            s.logged_in = true;
        }
        Ok(s)
    })())
}
