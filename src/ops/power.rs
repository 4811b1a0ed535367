//! Operations that end with the device restarting: reboot,
//! reset-all-settings and the firmware update. Each waits until the device
//! answers ping as ready (`restart`), logs in again, and (update) checks
//! the new version. During a restart only ping is sent.

use super::ProgressFn;
use super::busy;
use super::restart::{self, Restart, Seen, Verdict};
use super::run::{Ctx, RunOptions, make_reply, status, unreachable};
use crate::api::Firmware;
use crate::client::{Device, Reply};
use crate::error::{Error, Result};
use crate::model::codes::{ERR_BUSY, RET_CANCEL, RET_INIT, RET_RUNNING, RET_SUCCEED};
use serde_json::{Value, json};
use std::path::Path;
use std::time::{Duration, Instant};

// Percent milestones of a restart (the device reports none).
const P_REQUESTED: i32 = 5;
const P_STOPPING: i32 = 25;
const P_DOWN: i32 = 50;
const P_ANSWERS: i32 = 75;
const P_LOGGED_IN: i32 = 90;

/// The streamed upload, its bytes progress forwarded as it comes
/// (operation "upload", phase "uploading", done / total bytes).
fn upload(ctx: &mut Ctx<'_, '_>, path: &Path) -> Result<Reply> {
    let dev = ctx.dev;
    dev.upload_update_file_progress(path, &mut |p| ctx.forward(p))
}

/// A failed call that means "the device is restarting (or about to)":
/// no answer, a reply that is not the API's, or errBusy.
fn restarting_error(e: &Error) -> bool {
    unreachable(e)
        || matches!(e, Error::BadReply { .. })
        || matches!(e, Error::Device { code, .. } if *code == ERR_BUSY)
        || matches!(e, Error::Busy { .. })
}

/// Words for what the last ping showed, for a timeout message.
fn describe(seen: Seen) -> String {
    match seen {
        Seen::NoAnswer => "it does not answer".into(),
        Seen::SessionLost => "it refused the session".into(),
        Seen::Answer { result, mask } => format!(
            "ping answered {result}{}",
            mask.map(|m| format!(" with cur-status {m:#x}"))
                .unwrap_or_default()
        ),
    }
}

impl Device {
    /// Wait until the device answers ping with 0 and no reboot, reset or
    /// update in progress in its mask (a refused or dropped connection, a
    /// timeout or any other result is "not ready yet", never final), then
    /// log in again with the stored credentials (a restart ends every
    /// session). Only ping is sent while waiting.
    pub fn wait_ready(&self, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            let seen = self.ping_seen();
            if restart::ping_ready(seen) {
                break;
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(Error::Timeout(format!(
                    "the device was not ready within {} ms ({}; it is still restarting or updating, or unreachable)",
                    timeout.as_millis(),
                    describe(seen)
                )));
            }
            std::thread::sleep(Duration::from_millis(250).min(deadline - now));
        }
        self.relogin_after_restart()?;
        Ok(())
    }

    /// reboot, then wait until the device is back and log in again.
    /// Cancelling stops only the waiting (a reboot cannot be undone).
    pub fn run_reboot(&self, opts: &RunOptions, progress: &mut ProgressFn<'_>) -> Result<()> {
        self.run_restart(Restart::Reboot, "reboot", opts, progress, |d| d.reboot())
    }

    /// reset-all-settings (defaults restored, then a restart), then wait
    /// until the device is back and log in again (with the stored
    /// credentials: after a reset they must be the defaults').
    pub fn run_reset_all_settings(
        &self,
        opts: &RunOptions,
        progress: &mut ProgressFn<'_>,
    ) -> Result<()> {
        self.run_restart(Restart::Reset, "reset-all-settings", opts, progress, |d| {
            d.reset_all_settings()
        })
    }

    fn run_restart(
        &self,
        kind: Restart,
        method: &'static str,
        opts: &RunOptions,
        progress: &mut ProgressFn<'_>,
        start: fn(&Device) -> Result<Reply>,
    ) -> Result<()> {
        let mut ctx = Ctx::new(self, kind.name(), opts, Duration::from_secs(600), progress);
        let (st, _) = status(self)?;
        if let Some(e) = busy::blocking(method, st.cur_status as u32) {
            return Err(e);
        }
        let generation = self.login_generation();
        match start(self) {
            Ok(_) => {}
            // The device may restart before it answers: wait and see.
            Err(e) if unreachable(&e) => {}
            Err(e) => return Err(e),
        }
        if ctx.report("rebooting", 0, P_REQUESTED, RET_RUNNING) {
            return Err(wait_cancelled(ctx.operation));
        }
        if wait_restart(&mut ctx, kind, false, generation, &|_| Ok(false))? {
            self.relogin_after_restart()?;
        }
        let _ = ctx.report("done", 0, 100, RET_SUCCEED);
        Ok(())
    }

    /// Firmware update to the end. `mwf`: a firmware file to upload
    /// (streamed, with bytes progress); None: online (online-update-check,
    /// then the download). Then `update`, its steps and percent, the
    /// reboot, the wait, a fresh login, clear-upgrade, and a check that
    /// get-info reports the new version (else `Error::Verify`). Cancelling
    /// stops the online download on the device (cancel-download); later
    /// steps cannot be stopped, and then only the waiting stops.
    ///
    /// The reply: `{"result":0,"mode":"upload"|"online","previous-version",
    /// "version","upload":{...}}`, or `"up-to-date":true` and no update
    /// when the online check finds nothing newer.
    pub fn run_firmware_update(
        &self,
        mwf: Option<&Path>,
        opts: &RunOptions,
        progress: &mut ProgressFn<'_>,
    ) -> Result<Reply> {
        let (st, _) = status(self)?;
        if let Some(e) = busy::blocking("update", st.cur_status as u32) {
            return Err(e);
        }
        if st.upgrade_status.result == RET_RUNNING as i64 {
            return Err(Error::Busy {
                method: "update".into(),
                blocking: "a firmware update".into(),
                explanation: "a firmware update is already in progress (Repeat request); wait for it to finish"
                    .into(),
            });
        }
        let previous = self.get_info()?.product.firmware_ver_s;
        let timeout = Duration::from_secs(1800);
        let (mode, target, upload_json, mut ctx) = match mwf {
            Some(path) => {
                let mut ctx = Ctx::new(self, "update", opts, timeout, progress);
                let r = upload(&mut ctx, path)?;
                let v: Value = serde_json::from_str(&r.body).unwrap_or(Value::Null);
                let version = str_of(&v, "version");
                if version.is_empty() {
                    return Err(Error::BadReply {
                        method: "upload-update-file".into(),
                        detail: "the reply names no firmware version".into(),
                    });
                }
                (Firmware::Upload, version, v, ctx)
            }
            None => {
                let (_, upgrade) = self.update_check(opts, progress)?;
                let ver = str_of(&upgrade, "ver");
                if ver.is_empty() {
                    let v = json!({"result": 0, "operation": "update", "mode": "online",
                                   "up-to-date": true, "previous-version": previous, "version": previous});
                    return Ok(make_reply("update", 0, v));
                }
                let ctx = Ctx::new(self, "update", opts, timeout, progress);
                (Firmware::Online, ver, Value::Null, ctx)
            }
        };
        if st.upgrade_status.result != RET_INIT as i64 {
            // A result left from an earlier update would read as ours.
            let _ = self.clear_upgrade();
        }
        let generation = self.login_generation();
        self.update(mode)?;
        let now = loop {
            let gone = poll_update(&mut ctx, mode, &target, generation)?;
            let settled = |d: &Device| Ok(firmware_of(d)? == target);
            if wait_restart(&mut ctx, Restart::Update, gone, generation, &settled)? {
                self.relogin_after_restart()?;
            }
            if ctx.report("verifying", 0, P_LOGGED_IN, RET_SUCCEED) {
                return Err(wait_cancelled(ctx.operation));
            }
            let now = loop {
                match firmware_of(self) {
                    Ok(v) => break v,
                    // It restarts only now: wait for it again.
                    Err(e) if restarting_error(&e) => {
                        if wait_restart(&mut ctx, Restart::Update, true, generation, &settled)? {
                            self.relogin_after_restart()?;
                        }
                    }
                    Err(e) => return Err(e),
                }
            };
            if now != target {
                // A dropped poll while it still runs is not its end.
                if let Ok((st, _)) = status(self) {
                    if st.upgrade_status.result == RET_RUNNING as i64 {
                        continue;
                    }
                }
            }
            break now;
        };
        // Back to 27 (the result of a finished update stays otherwise).
        let _ = self.clear_upgrade();
        if now != target {
            return Err(Error::Verify(format!(
                "after the update get-info reports firmware {now}, not the {} version {target} \
                 (it was {previous}); the device may have refused the file: check it and retry",
                if mode == Firmware::Upload {
                    "uploaded"
                } else {
                    "offered"
                }
            )));
        }
        let _ = ctx.report("done", 0, 100, RET_SUCCEED);
        let mode_s = if mode == Firmware::Upload {
            "upload"
        } else {
            "online"
        };
        let v = json!({"result": 0, "operation": "update", "mode": mode_s, "previous-version": previous,
                       "version": now, "upload": upload_json});
        Ok(make_reply("update", 0, v))
    }
}

fn wait_cancelled(operation: &str) -> Error {
    Error::Cancelled(format!(
        "{operation}: a restart cannot be stopped on the device, so only the waiting stopped; \
         the device goes on (wait_ready / usapi_wait_ready waits for it)"
    ))
}

fn phase_of_step(step: i64) -> &'static str {
    match step {
        1 => "downloading",
        2 => "verifying",
        3 => "writing",
        _ => "updating",
    }
}

/// The firmware version get-info reports.
fn firmware_of(dev: &Device) -> Result<String> {
    Ok(dev.get_info()?.product.firmware_ver_s)
}

/// Poll `upgrade-status` until the update has finished. True when the
/// device is seen restarting (a dropped or refused get-status, a restart
/// flag): from then on only ping is sent. False when it reports success,
/// or shows that it finished between two polls (its session renewed, or
/// get-info already reporting `target`, with the status back at 27).
fn poll_update(
    ctx: &mut Ctx<'_, '_>,
    mode: Firmware,
    target: &str,
    generation: u64,
) -> Result<bool> {
    let dev = ctx.dev;
    loop {
        ctx.sleep("finish")?;
        let st = match status(dev) {
            Ok((st, _)) => st,
            Err(e) if restarting_error(&e) => return Ok(true),
            Err(e) => return Err(e),
        };
        if restart::restart_in_mask(st.cur_status as u32, Some(Restart::Update)).is_some() {
            return Ok(true);
        }
        let u = &st.upgrade_status;
        let result = u.result as i32;
        match result {
            RET_RUNNING => {
                if ctx.report(
                    phase_of_step(u.step),
                    u.step as i32,
                    u.percent as i32,
                    result,
                ) {
                    if mode == Firmware::Online && u.step == 1 {
                        dev.cancel_download()?;
                        wait_not_running(ctx, |s| &s.upgrade_status)?;
                        let _ = dev.clear_upgrade();
                        return Err(Error::Cancelled(
                            "update: the online download was stopped on the device (cancel-download) and its status cleared; \
                             the firmware is unchanged"
                                .into(),
                        ));
                    }
                    return Err(Error::Cancelled(format!(
                        "update: the firmware update cannot be stopped while it is {} (the document offers cancel-download \
                         only for an online download), so only the waiting stopped; the device goes on and reboots",
                        phase_of_step(u.step)
                    )));
                }
            }
            RET_INIT => {
                // Not started yet, or finished and restarted between two
                // polls (a restart forgets the status): judge by the device.
                if dev.login_generation() != generation {
                    return Ok(false);
                }
                match firmware_of(dev) {
                    Ok(v) if v == target => return Ok(false),
                    Ok(_) => {}
                    Err(e) if restarting_error(&e) => return Ok(true),
                    Err(e) => return Err(e),
                }
                if ctx.report("updating", 0, 0, result) {
                    return Err(wait_cancelled(ctx.operation));
                }
            }
            RET_SUCCEED => {
                let _ = ctx.report("writing", u.step as i32, 100, result);
                return Ok(false);
            }
            _ => {
                let _ = dev.clear_upgrade();
                if result == RET_CANCEL {
                    return Err(Error::Cancelled(
                        "update: cancelled on the device (by another client); its status was cleared".into(),
                    ));
                }
                return Err(Error::Device {
                    method: "update".into(),
                    code: result,
                });
            }
        }
    }
}

fn wait_not_running(
    ctx: &mut Ctx<'_, '_>,
    pick: fn(&crate::model::Status) -> &crate::model::Progress,
) -> Result<()> {
    loop {
        let (st, _) = status(ctx.dev)?;
        let b = pick(&st);
        if b.result != RET_RUNNING as i64 {
            return Ok(());
        }
        let _ = ctx.report("stopping", b.step as i32, b.percent as i32, RET_RUNNING);
        ctx.sleep("stop after it was cancelled")?;
    }
}

/// Wait for a restart with ping alone. `gone`: the device was already
/// seen restarting. Not ready (no answer, a non-zero result, a restart or
/// update flag) is never final before the deadline. Ready after being seen
/// restarting: back. Ready without ever being seen going: it restarted
/// between two polls when its session is gone (or renewed since
/// `generation`), or when `settled` says the operation's effect shows
/// (an update that does not restart); otherwise it has not started yet.
/// Returns true when the session must be renewed (a fresh login).
fn wait_restart(
    ctx: &mut Ctx<'_, '_>,
    kind: Restart,
    mut gone: bool,
    generation: u64,
    settled: &dyn Fn(&Device) -> Result<bool>,
) -> Result<bool> {
    let dev = ctx.dev;
    if gone && ctx.report("rebooting", 0, P_DOWN, RET_RUNNING) {
        return Err(wait_cancelled(ctx.operation));
    }
    loop {
        ctx.sleep("come back after its restart")?;
        let seen = dev.ping_seen();
        let (phase, pct) = if restart::ping_ready(seen) {
            if gone {
                break;
            }
            if dev.login_generation() != generation {
                let _ = ctx.report("waiting", 0, P_ANSWERS, RET_RUNNING);
                return Ok(false);
            }
            if dev.session_lost().unwrap_or(false) {
                break;
            }
            match settled(dev) {
                Ok(true) => {
                    let _ = ctx.report("waiting", 0, P_ANSWERS, RET_RUNNING);
                    return Ok(false);
                }
                Ok(false) => ("waiting", P_REQUESTED),
                // It goes down just now.
                Err(e) if restarting_error(&e) => {
                    gone = true;
                    ("rebooting", P_DOWN)
                }
                Err(e) => return Err(e),
            }
        } else {
            match restart::judge(Some(kind), seen) {
                Verdict::Restarting(_) => {
                    gone = true;
                    match seen {
                        Seen::NoAnswer => ("rebooting", P_DOWN),
                        _ => ("rebooting", P_STOPPING),
                    }
                }
                // Answering, not ready yet (an update finishing, a result
                // other than 0): keep waiting.
                _ => ("waiting", if gone { P_DOWN } else { P_REQUESTED }),
            }
        };
        if ctx.report(phase, 0, pct, RET_RUNNING) {
            return Err(wait_cancelled(ctx.operation));
        }
    }
    if ctx.report("waiting", 0, P_ANSWERS, RET_RUNNING) {
        return Err(wait_cancelled(ctx.operation));
    }
    Ok(true)
}

/// The string `key` of a reply object; empty when absent or not a string.
fn str_of(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}
