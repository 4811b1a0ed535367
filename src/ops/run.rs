//! The cycle every long operation shares: refuse up front when the status
//! shows a mutually exclusive operation, start, poll the operation's block
//! of get-status, report progress, clear, return the final reply.

use super::busy;
use super::{Flow, Progress, ProgressFn};
use crate::api::ServerArgs;
use crate::client::{Device, Reply};
use crate::error::{Error, Result};
use crate::model::codes::{RET_CANCEL, RET_INIT, RET_LOW_SPEED, RET_REPEAT, RET_RUNNING};
use crate::model::{Progress as Block, Status};
use serde::Deserialize;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// How a `run_*` operation waits. `Default`: a timeout per operation and a
/// 1 s poll interval.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// The whole operation's bound (None: a default per operation, from
    /// 2 minutes for a stream test to 30 for a firmware update).
    pub timeout: Option<Duration>,
    /// Between two polls of get-status (None: 1 s).
    pub poll_interval: Option<Duration>,
}

pub(crate) const DEFAULT_POLL: Duration = Duration::from_secs(1);
/// Consecutive failed polls tolerated before the error is returned (a lost
/// poll must not end a ten-minute format).
const POLL_FAILURES: u32 = 5;

/// A reply this library builds (the final report of an operation).
pub(crate) fn make_reply(method: &str, result: i32, v: Value) -> Reply {
    Reply {
        method: method.to_string(),
        result,
        body: v.to_string(),
    }
}

/// One running operation: its deadline, poll interval and callback.
pub(crate) struct Ctx<'a, 'b> {
    pub dev: &'a Device,
    pub operation: &'static str,
    deadline: Instant,
    timeout: Duration,
    poll: Duration,
    progress: &'a mut ProgressFn<'b>,
}

impl<'a, 'b> Ctx<'a, 'b> {
    pub fn new(
        dev: &'a Device,
        operation: &'static str,
        opts: &RunOptions,
        default_timeout: Duration,
        progress: &'a mut ProgressFn<'b>,
    ) -> Self {
        let timeout = opts.timeout.unwrap_or(default_timeout);
        Ctx {
            dev,
            operation,
            deadline: Instant::now() + timeout,
            timeout,
            poll: opts.poll_interval.unwrap_or(DEFAULT_POLL),
            progress,
        }
    }

    /// Report; true when the callback asks to cancel.
    pub fn report(&mut self, phase: &str, step: i32, percent: i32, result: i32) -> bool {
        self.report_bytes(phase, step, percent, 0, 0, result)
    }

    pub fn report_bytes(
        &mut self,
        phase: &str,
        step: i32,
        percent: i32,
        done: u64,
        total: u64,
        result: i32,
    ) -> bool {
        let p = Progress {
            operation: self.operation,
            phase,
            step,
            percent: percent.clamp(0, 100),
            done,
            total,
            result,
        };
        matches!((self.progress)(&p), Flow::Break(()))
    }

    /// Forward a report of a sub-operation (the upload) as it is.
    pub fn forward(&mut self, p: &Progress<'_>) -> Flow {
        (self.progress)(p)
    }

    /// Sleep one poll interval, or fail when the deadline has passed.
    pub fn sleep(&self, what: &str) -> Result<()> {
        let now = Instant::now();
        if now >= self.deadline {
            return Err(Error::Timeout(format!(
                "{} did not {what} within {} s (raise RunOptions.timeout / timeout_ms if the device is slow)",
                self.operation,
                self.timeout.as_secs()
            )));
        }
        std::thread::sleep(self.poll.min(self.deadline - now));
        Ok(())
    }
}

/// get-status, typed and raw.
pub(crate) fn status(dev: &Device) -> Result<(Status, Value)> {
    let r = dev.call("get-status", &[])?;
    let v: Value = serde_json::from_str(&r.body).map_err(|e| Error::BadReply {
        method: "get-status".into(),
        detail: e.to_string(),
    })?;
    let s = Status::deserialize(&v).map_err(|e| Error::BadReply {
        method: "get-status".into(),
        detail: e.to_string(),
    })?;
    Ok((s, v))
}

/// Errors that mean "the device does not answer (now)".
pub(crate) fn unreachable(e: &Error) -> bool {
    matches!(
        e,
        Error::Connect(_) | Error::Io(_) | Error::Timeout(_) | Error::HttpStatus { .. }
    )
}

fn already_running(method: &str, what: &str) -> Error {
    Error::Busy {
        method: method.to_string(),
        blocking: what.to_string(),
        explanation: format!(
            "{what} is already in progress (Repeat request; another client may have started it); \
             wait for it to finish, then clear its status"
        ),
    }
}

/// A device method by name: the clear-* and stop-* of an operation.
pub(crate) type NamedCall = (&'static str, fn(&Device) -> Result<Reply>);

/// An operation polled through one block of get-status.
pub(crate) struct Spec<'s> {
    pub operation: &'static str,
    /// The start method (for the busy check and error messages).
    pub method: &'static str,
    /// What it is, for messages ("a disk format").
    pub what: &'static str,
    /// get-status key of its block.
    pub key: &'static str,
    pub phase: &'static str,
    pub pick: fn(&Status) -> &Block,
    pub start: &'s dyn Fn(&Device) -> Result<Reply>,
    pub clear: NamedCall,
    /// The document's way to stop it on the device, if any.
    pub stop: Option<NamedCall>,
    pub default_timeout: Duration,
}

/// The final state of a block operation.
pub(crate) struct Outcome {
    pub result: i32,
    pub block: Value,
    pub last_running: Block,
}

/// Run `spec` to the end; the block is cleared (back to 27) afterwards.
pub(crate) fn run_block(
    dev: &Device,
    spec: &Spec<'_>,
    opts: &RunOptions,
    progress: &mut ProgressFn<'_>,
) -> Result<Outcome> {
    let mut ctx = Ctx::new(dev, spec.operation, opts, spec.default_timeout, progress);
    let (st, _) = status(dev)?;
    if let Some(e) = busy::blocking(spec.method, st.cur_status as u32) {
        return Err(e);
    }
    let b = (spec.pick)(&st);
    if b.result == RET_RUNNING as i64 {
        return Err(already_running(spec.method, spec.what));
    }
    if b.result != RET_INIT as i64 {
        // A result left from an earlier run would read as ours.
        (spec.clear.1)(dev)?;
    }
    let r = (spec.start)(dev)?;
    if r.result == RET_REPEAT {
        return Err(already_running(spec.method, spec.what));
    }
    if ctx.report(spec.phase, 0, 0, RET_RUNNING) {
        return cancel(&mut ctx, spec);
    }
    let mut seen_running = false;
    let mut failures = 0;
    let mut last_running = Block::default();
    loop {
        ctx.sleep("finish")?;
        let (st, v) = match status(dev) {
            Ok(x) => {
                failures = 0;
                x
            }
            Err(e) if unreachable(&e) && failures < POLL_FAILURES => {
                failures += 1;
                if ctx.report(spec.phase, 0, 0, RET_RUNNING) {
                    return cancel(&mut ctx, spec);
                }
                continue;
            }
            Err(e) => return Err(e),
        };
        let b = (spec.pick)(&st);
        let result = b.result as i32;
        if result == RET_INIT {
            if seen_running {
                return Err(Error::Verify(format!(
                    "{}: the device's {} went back to 27 before its result was read (another client cleared it)",
                    spec.operation, spec.key
                )));
            }
            // Not started yet on a slow device.
            if ctx.report(spec.phase, b.step as i32, 0, result) {
                return cancel(&mut ctx, spec);
            }
            continue;
        }
        if result == RET_RUNNING {
            seen_running = true;
            last_running = b.clone();
            if ctx.report(spec.phase, b.step as i32, b.percent as i32, result) {
                return cancel(&mut ctx, spec);
            }
            continue;
        }
        let pct = if result == 0 { 100 } else { b.percent as i32 };
        let _ = ctx.report("done", b.step as i32, pct, result);
        let block = v.get(spec.key).cloned().unwrap_or(Value::Null);
        (spec.clear.1)(dev)?;
        if result < 0 {
            return Err(Error::Device {
                method: spec.method.to_string(),
                code: result,
            });
        }
        if result == RET_CANCEL {
            return Err(Error::Cancelled(format!(
                "{} was cancelled on the device (by another client); its status was cleared",
                spec.operation
            )));
        }
        return Ok(Outcome {
            result,
            block,
            last_running,
        });
    }
}

fn cancel<T>(ctx: &mut Ctx<'_, '_>, spec: &Spec<'_>) -> Result<T> {
    let Some((stop_name, stop)) = spec.stop else {
        return Err(Error::Cancelled(format!(
            "{op}: the document gives no way to stop {what} on the device, so only the waiting stopped; \
             it goes on: poll get-status {key} and call {clear} when it ends",
            op = spec.operation,
            what = spec.what,
            key = spec.key,
            clear = spec.clear.0
        )));
    };
    stop(ctx.dev)?;
    // Wait for the device to show the end (5 retCancel), then clear.
    loop {
        let (st, _) = status(ctx.dev)?;
        let b = (spec.pick)(&st);
        if b.result != RET_RUNNING as i64 {
            break;
        }
        let _ = ctx.report("stopping", b.step as i32, b.percent as i32, RET_RUNNING);
        ctx.sleep("stop after it was cancelled")?;
    }
    (spec.clear.1)(ctx.dev)?;
    Err(Error::Cancelled(format!(
        "{}: stopped on the device ({stop_name}) and its status cleared",
        spec.operation
    )))
}

/// Bytes per second a recording needs with the current settings, by the
/// document's formula: (rec stream kbps + audio kbps) × 1024 / 8.
pub fn required_write_bps(s: &crate::model::Settings) -> u64 {
    let video = if s.rec_stream == 1 {
        s.sub_stream.kbps
    } else {
        s.main_stream.kbps
    };
    ((video.max(0) + s.audio.kbps.max(0)) as u64) * 1024 / 8
}

fn final_reply(method: &str, operation: &str, key: &str, o: &Outcome, extra: Value) -> Reply {
    let mut v = json!({"result": o.result, "operation": operation});
    v[key] = o.block.clone();
    if let Value::Object(m) = extra {
        for (k, x) in m {
            v[k] = x;
        }
    }
    make_reply(method, o.result, v)
}

/// The final reply of a run of `spec`.
fn spec_reply(spec: &Spec<'_>, o: &Outcome, extra: Value) -> Reply {
    final_reply(spec.method, spec.operation, spec.key, o, extra)
}

impl Device {
    /// USB format to the end: start-format-usb, poll `format-status`,
    /// clear-format-usb. Cannot be stopped on the device: cancelling stops
    /// only the waiting (`Error::Cancelled` says so).
    pub fn run_format_usb(
        &self,
        opts: &RunOptions,
        progress: &mut ProgressFn<'_>,
    ) -> Result<Reply> {
        self.run_format(
            "format-usb",
            "start-format-usb",
            &|d| d.start_format_usb(),
            opts,
            progress,
        )
    }

    /// SD card format to the end (cleared with clear-format-usb, as the
    /// document says). Cannot be stopped on the device.
    pub fn run_format_sd(&self, opts: &RunOptions, progress: &mut ProgressFn<'_>) -> Result<Reply> {
        self.run_format(
            "format-sd",
            "start-format-sd",
            &|d| d.start_format_sd(),
            opts,
            progress,
        )
    }

    /// A disk format (USB or SD: only the start differs) to the end.
    fn run_format(
        &self,
        operation: &'static str,
        method: &'static str,
        start: &dyn Fn(&Device) -> Result<Reply>,
        opts: &RunOptions,
        progress: &mut ProgressFn<'_>,
    ) -> Result<Reply> {
        let spec = Spec {
            operation,
            method,
            what: "a disk format",
            key: "format-status",
            phase: "formatting",
            pick: |s| &s.format_status,
            start,
            clear: ("clear-format-usb", |d| d.clear_format_usb()),
            stop: None,
            default_timeout: Duration::from_secs(600),
        };
        let o = run_block(self, &spec, opts, progress)?;
        Ok(spec_reply(&spec, &o, Value::Null))
    }

    /// USB speed test to the end, with the verdict against the document's
    /// required speed for the current settings: the reply adds
    /// `required-bps`, `write-bps` (both bytes per second, see
    /// `model::BPS_UNITS`) and `fast-enough`, and its result is 3
    /// (retLowSpeed) when the drive is too slow. Cancelling sends
    /// stop-test-usb.
    pub fn run_test_usb(&self, opts: &RunOptions, progress: &mut ProgressFn<'_>) -> Result<Reply> {
        let required = required_write_bps(&self.get_settings()?);
        let spec = Spec {
            operation: "test-usb",
            method: "start-test-usb",
            what: "the USB speed test",
            key: "disk-test",
            phase: "testing",
            pick: |s| &s.disk_test,
            start: &|d| d.start_test_usb(),
            clear: ("clear-test-usb", |d| d.clear_test_usb()),
            stop: Some(("stop-test-usb", |d| d.stop_test_usb())),
            default_timeout: Duration::from_secs(300),
        };
        let mut o = run_block(self, &spec, opts, progress)?;
        let write = o
            .block
            .get("write-bps")
            .and_then(Value::as_u64)
            .unwrap_or(o.last_running.write_bps.max(0) as u64);
        let fast = write >= required;
        if !fast && o.result == 0 {
            o.result = RET_LOW_SPEED;
        }
        let extra = json!({"required-bps": required, "write-bps": write, "fast-enough": fast});
        Ok(spec_reply(&spec, &o, extra))
    }

    /// Stream server test to the end (the device stops it at 20 s).
    /// Cancelling sends stop-test-server. The reply adds `upload-bps`, the
    /// last speed seen while it ran.
    pub fn run_test_server(
        &self,
        server: &ServerArgs,
        opts: &RunOptions,
        progress: &mut ProgressFn<'_>,
    ) -> Result<Reply> {
        let start = |d: &Device| d.start_test_server(server);
        let spec = Spec {
            operation: "test-server",
            method: "start-test-server",
            what: "a stream server test",
            key: "living-test",
            phase: "testing",
            pick: |s| &s.living_test,
            start: &start,
            clear: ("clear-test-server", |d| d.clear_test_server()),
            stop: Some(("stop-test-server", |d| d.stop_test_server())),
            default_timeout: Duration::from_secs(120),
        };
        let o = run_block(self, &spec, opts, progress)?;
        let extra = json!({"upload-bps": o.last_running.upload_bps});
        Ok(spec_reply(&spec, &o, extra))
    }

    /// Online update check to the end; the reply adds get-status `upgrade`
    /// (the version found; `ver` empty when there is none newer).
    pub fn run_update_check(
        &self,
        opts: &RunOptions,
        progress: &mut ProgressFn<'_>,
    ) -> Result<Reply> {
        let (o, upgrade) = self.update_check(opts, progress)?;
        Ok(final_reply(
            "online-update-check",
            "update-check",
            "check-upgrade",
            &o,
            json!({ "upgrade": upgrade }),
        ))
    }

    pub(crate) fn update_check(
        &self,
        opts: &RunOptions,
        progress: &mut ProgressFn<'_>,
    ) -> Result<(Outcome, Value)> {
        let spec = Spec {
            operation: "update-check",
            method: "online-update-check",
            what: "an online update check",
            key: "check-upgrade",
            phase: "checking",
            pick: |s| &s.check_upgrade,
            start: &|d| d.online_update_check(),
            clear: ("clear-check-update", |d| d.clear_check_update()),
            stop: None,
            default_timeout: Duration::from_secs(120),
        };
        let o = run_block(self, &spec, opts, progress)?;
        // The found version stays in `upgrade` after the clear.
        let (_, v) = status(self)?;
        Ok((o, v.get("upgrade").cloned().unwrap_or(Value::Null)))
    }
}
