//! Progress on stderr and Ctrl-C.
//!
//! Progress: a bar redrawn in place on a terminal; elsewhere (a pipe, a log
//! file) at most one line per second or per 10 %; nothing with `--quiet`.
//! Operations with several phases (upload, writing, rebooting, waiting)
//! show one overall percent that only rises.
//!
//! Ctrl-C: outside a long operation the program ends at once with status
//! 130 (what a shell expects of SIGINT), restoring the terminal's echo if a
//! password prompt had turned it off. During a long operation it asks the
//! operation to stop (on the device where the API allows it); the command
//! then ends with 130. A second Ctrl-C ends at once.

use crate::{CliError, CliResult};
use std::io::{IsTerminal, Write};
#[cfg(unix)]
use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::time::{Duration, Instant};
use ultrastream::Error;
use ultrastream::ops::{Flow, Progress, ProgressFn};

static INTERRUPTED: AtomicBool = AtomicBool::new(false);
/// The signal that interrupted (SIGINT, SIGTERM), for the exit status 128 + N.
static SIGNAL: AtomicI32 = AtomicI32::new(libc::SIGINT);
/// True while a long operation polls `interrupted()` itself.
static COOPERATIVE: AtomicBool = AtomicBool::new(false);
/// The terminal whose settings `SAVED` holds, or -1.
static TTY_FD: AtomicI32 = AtomicI32::new(-1);
/// Written before TTY_FD is set, read by the handler only after it is.
#[cfg(unix)]
static mut SAVED: MaybeUninit<libc::termios> = MaybeUninit::uninit();

extern "C" fn on_interrupt(sig: libc::c_int) {
    SIGNAL.store(sig, Ordering::SeqCst);
    let again = INTERRUPTED.swap(true, Ordering::SeqCst);
    if COOPERATIVE.load(Ordering::SeqCst) && !again {
        return;
    }
    // SAFETY: tcsetattr and _exit are async-signal-safe; SAVED was fully
    // written before TTY_FD was set to fd.
    unsafe {
        #[cfg(unix)]
        {
            let fd = TTY_FD.load(Ordering::SeqCst);
            if fd >= 0 {
                libc::tcsetattr(fd, libc::TCSANOW, (&raw const SAVED).cast());
            }
        }
        libc::_exit(128 + sig);
    }
}

/// Install the Ctrl-C (and SIGTERM) handler: once, at start.
pub fn catch_interrupt() {
    // SAFETY: the handler only touches atomics and async-signal-safe calls.
    unsafe {
        let handler = on_interrupt as extern "C" fn(libc::c_int) as libc::sighandler_t;
        libc::signal(libc::SIGINT, handler);
        libc::signal(libc::SIGTERM, handler);
    }
}

/// The exit status of an interrupted run: 130 for Ctrl-C (SIGINT), 143
/// for SIGTERM, as shells report a program killed by the signal.
pub fn exit_status() -> u8 {
    (128 + SIGNAL.load(Ordering::SeqCst)).clamp(129, 255) as u8
}

/// True once Ctrl-C was pressed.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Ctrl-C only sets the flag while `f` runs (it polls `interrupted()`).
pub fn cooperative<T>(f: impl FnOnce() -> T) -> T {
    COOPERATIVE.store(true, Ordering::SeqCst);
    let r = f();
    COOPERATIVE.store(false, Ordering::SeqCst);
    r
}

/// Restore these terminal settings if Ctrl-C ends the program.
#[cfg(unix)]
pub fn restore_on_interrupt(fd: libc::c_int, saved: libc::termios) {
    // SAFETY: only this thread writes SAVED, and only while TTY_FD is -1
    // (the handler does not read it then).
    unsafe {
        TTY_FD.store(-1, Ordering::SeqCst);
        (&raw mut SAVED).write(MaybeUninit::new(saved));
    }
    TTY_FD.store(fd, Ordering::SeqCst);
}

/// The terminal is restored: nothing to do on Ctrl-C any more.
#[cfg_attr(not(unix), allow(dead_code))] // only the Unix prompt turns echo off
pub fn restore_done() {
    TTY_FD.store(-1, Ordering::SeqCst);
}

/// The overall percent of a phase's percent, so that one run counts from
/// 0 to 100 once: a firmware update is the upload (0-30), the device's
/// verifying and writing (30-80), then its restart (80-100).
fn overall(operation: &str, phase: &str, step: i32, percent: i32) -> i32 {
    let p = percent.clamp(0, 100);
    let (lo, hi) = match (operation, phase) {
        ("upload", _) => (0, 30),
        ("update", "downloading") => (0, 30),
        ("update", "updating") => (30, 30),
        ("update", "verifying") if step > 0 => (30, 40),
        ("update", "writing") => (40, 80),
        // The restart after it: the milestones of a reboot.
        ("update", _) => (80, 100),
        _ => (0, 100),
    };
    lo + p * (hi - lo) / 100
}

/// What the user sees of a long operation.
pub struct Bar {
    tty: bool,
    quiet: bool,
    /// The highest overall percent shown so far (-1: none yet).
    shown: i32,
    last_text: String,
    /// When the last line was written (pipe) and its percent.
    last_line: Option<(Instant, i32)>,
    drawn: bool,
}

impl Bar {
    /// A bar on stderr: drawn on a terminal, lines elsewhere, none when quiet.
    pub fn new(quiet: bool) -> Bar {
        Bar {
            tty: std::io::stderr().is_terminal(),
            quiet,
            shown: -1,
            last_text: String::new(),
            last_line: None,
            drawn: false,
        }
    }

    /// One progress report.
    pub fn update(&mut self, p: &Progress<'_>) {
        let what = if p.phase.is_empty() || p.phase == p.operation {
            p.operation.to_string()
        } else {
            format!("{} ({})", p.operation, p.phase)
        };
        let pct = overall(p.operation, p.phase, p.step, p.percent).max(self.shown);
        self.show(&what, pct, Instant::now());
    }

    fn show(&mut self, what: &str, pct: i32, now: Instant) {
        if self.quiet || (pct == self.shown && what == self.last_text) {
            return;
        }
        self.shown = pct;
        self.last_text = what.to_string();
        let mut err = std::io::stderr().lock();
        if self.tty {
            let filled = (pct.max(0) as usize) * 30 / 100;
            let _ = write!(
                err,
                "\r\x1b[2K{what} [{}{}] {pct:3}%",
                "#".repeat(filled),
                ".".repeat(30 - filled)
            );
            self.drawn = true;
        } else {
            // A new tens digit, or a second since the last line.
            let due = match self.last_line {
                None => true,
                Some((t, last)) => {
                    pct / 10 > last / 10 || now.duration_since(t) >= Duration::from_secs(1)
                }
            };
            if !due {
                return;
            }
            self.last_line = Some((now, pct));
            let _ = writeln!(err, "{what}: {pct}%");
        }
        let _ = err.flush();
    }

    /// End the bar's line.
    pub fn done(&mut self) {
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

/// Run `f` with a progress callback that draws the bar and stops on Ctrl-C;
/// an interrupted run ends with status 130.
pub fn with_progress<T>(
    quiet: bool,
    f: impl FnOnce(&mut ProgressFn<'_>) -> Result<T, Error>,
) -> CliResult<T> {
    let mut bar = Bar::new(quiet);
    let r = cooperative(|| {
        let mut cb = |p: &Progress<'_>| -> Flow {
            bar.update(p);
            if interrupted() {
                Flow::Break(())
            } else {
                Flow::Continue(())
            }
        };
        f(&mut cb)
    });
    bar.done();
    match r {
        Err(e) if interrupted() => Err(CliError::Interrupted(crate::describe(&e))),
        Err(e) => Err(crate::fail(&e)),
        Ok(_) if interrupted() => Err(CliError::Interrupted(
            "interrupted (the operation had ended)".into(),
        )),
        Ok(v) => Ok(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overall_percent_only_rises_across_an_update() {
        let steps = [
            ("upload", "uploading", 0, 0),
            ("upload", "uploading", 0, 100),
            ("update", "updating", 0, 0),
            ("update", "verifying", 2, 50),
            ("update", "writing", 3, 80),
            ("update", "writing", 3, 100),
            ("update", "rebooting", 0, 50),
            ("update", "waiting", 0, 75),
            ("update", "verifying", 0, 90),
            ("update", "done", 0, 100),
        ];
        let mut last = -1;
        for (o, ph, s, p) in steps {
            let v = overall(o, ph, s, p);
            assert!(v >= last, "{o} {ph} {p}: {v} after {last}");
            last = v;
        }
        assert_eq!(last, 100);
    }

    #[test]
    fn pipe_lines_at_most_per_ten_percent_or_second() {
        let mut b = Bar::new(false);
        b.tty = false;
        let t0 = Instant::now();
        let mut lines = 0;
        for p in 0..=100 {
            let before = b.last_line;
            b.show("download", p, t0);
            if b.last_line != before {
                lines += 1;
            }
        }
        // 0, 10, 20, ... 100.
        assert_eq!(lines, 11);
        b.show("download", 100, t0 + Duration::from_secs(2));
        assert_eq!(lines, 11);
    }
}
