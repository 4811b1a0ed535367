//! Operations that end with the device restarting: reboot,
//! reset-all-settings and the firmware update. Each waits until the device
//! answers again, logs in again, and (update) checks the new version.

use super::ProgressFn;
use super::busy;
use super::run::{Ctx, RunOptions, make_reply, status, unreachable};
use crate::api::Firmware;
use crate::client::{Device, Reply};
use crate::error::{Error, Result};
use crate::model::codes::{RET_CANCEL, RET_INIT, RET_RUNNING, RET_SUCCEED};
use crate::model::status::{STATUS_REBOOT, STATUS_RESET, STATUS_UPGRADE};
use serde_json::{Value, json};
use std::path::Path;
use std::time::{Duration, Instant};

/// Status bits of a device that is not ready for ordinary work.
const RESTARTING: u32 = STATUS_REBOOT | STATUS_RESET | STATUS_UPGRADE;

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

impl Device {
    /// Wait until the device answers ping without a reboot, reset or
    /// update in progress, then (when this handle has logged in) make one
    /// call that needs the session, so a lost session is renewed.
    pub fn wait_ready(&self, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.ping() {
                Ok(p) if (p.cur_status as u32) & RESTARTING == 0 => break,
                Ok(_) => {}
                Err(e) if unreachable(&e) => {}
                Err(e) => return Err(e),
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(Error::Timeout(format!(
                    "the device was not ready within {} ms (it does not answer, or is still rebooting or updating)",
                    timeout.as_millis()
                )));
            }
            std::thread::sleep(Duration::from_millis(250).min(deadline - now));
        }
        self.relogin_after_restart()
    }

    /// After a restart every session is gone: the first call that needs
    /// one logs in again with the stored credentials (transparently, on
    /// its -17). A handle that never logged in has nothing to renew.
    fn relogin_after_restart(&self) -> Result<()> {
        if self.is_logged_in() {
            self.get_status()?;
        }
        Ok(())
    }

    /// reboot, then wait until the device is back and log in again.
    /// Cancelling stops only the waiting (a reboot cannot be undone).
    pub fn run_reboot(&self, opts: &RunOptions, progress: &mut ProgressFn<'_>) -> Result<()> {
        self.run_restart("reboot", "reboot", opts, progress, |d| d.reboot())
    }

    /// reset-all-settings (defaults restored, then a restart), then wait
    /// until the device is back and log in again (with the stored
    /// credentials: after a reset they must be the defaults').
    pub fn run_reset_all_settings(
        &self,
        opts: &RunOptions,
        progress: &mut ProgressFn<'_>,
    ) -> Result<()> {
        self.run_restart("reset", "reset-all-settings", opts, progress, |d| {
            d.reset_all_settings()
        })
    }

    fn run_restart(
        &self,
        operation: &'static str,
        method: &'static str,
        opts: &RunOptions,
        progress: &mut ProgressFn<'_>,
        start: fn(&Device) -> Result<Reply>,
    ) -> Result<()> {
        let mut ctx = Ctx::new(self, operation, opts, Duration::from_secs(600), progress);
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
        let cancelled = ctx.report("rebooting", 0, P_REQUESTED, RET_RUNNING);
        if cancelled {
            return Err(wait_cancelled(operation));
        }
        wait_back(&mut ctx, STATUS_REBOOT | STATUS_RESET, false, generation)?;
        self.relogin_after_restart()?;
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
        let down_seen = poll_update(&mut ctx, mode)?;
        wait_back(&mut ctx, RESTARTING, down_seen, generation)?;
        self.relogin_after_restart()?;
        let _ = ctx.report("verifying", 0, P_LOGGED_IN, RET_SUCCEED);
        let now = self.get_info()?.product.firmware_ver_s;
        // Back to 27 (the result of a finished update stays otherwise).
        let _ = self.clear_upgrade();
        if now != target {
            return Err(Error::Verify(format!(
                "after the update and reboot get-info reports firmware {now}, not the {} version {target} \
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

/// Poll `upgrade-status` until the update has finished; true when the
/// device already stopped answering (it reboots at the end).
fn poll_update(ctx: &mut Ctx<'_, '_>, mode: Firmware) -> Result<bool> {
    let dev = ctx.dev;
    let mut seen_running = false;
    loop {
        ctx.sleep("finish")?;
        let st = match status(dev) {
            Ok((st, _)) => st,
            // It finished and reboots: the device goes away.
            Err(e) if unreachable(&e) && seen_running => return Ok(true),
            Err(e) if unreachable(&e) => {
                let _ = ctx.report("updating", 0, 0, RET_RUNNING);
                continue;
            }
            Err(e) => return Err(e),
        };
        let u = &st.upgrade_status;
        let result = u.result as i32;
        match result {
            RET_RUNNING => {
                seen_running = true;
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
            RET_INIT if !seen_running => {
                let _ = ctx.report("updating", 0, 0, result);
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

/// Wait for a restart: the device shows `flags` or stops answering, then
/// answers again without them. A device that was never seen going away is
/// not taken as back.
fn wait_back(
    ctx: &mut Ctx<'_, '_>,
    flags: u32,
    mut down_seen: bool,
    generation: u64,
) -> Result<()> {
    let mut flag_seen = false;
    if down_seen && ctx.report("rebooting", 0, P_DOWN, RET_RUNNING) {
        return Err(wait_cancelled(ctx.operation));
    }
    loop {
        ctx.sleep("come back after its restart")?;
        let (phase, pct) = match ctx.dev.ping() {
            Ok(p) if (p.cur_status as u32) & flags != 0 => {
                flag_seen = true;
                ("rebooting", P_STOPPING)
            }
            Ok(_) if down_seen || flag_seen => break,
            // Restarted between two polls: its sessions are gone (a poll
            // has logged in again already, or the session is unknown now).
            Ok(_) if ctx.dev.login_generation() != generation => break,
            Ok(_) if ctx.dev.session_lost().unwrap_or(false) => break,
            Ok(_) => ("waiting", P_REQUESTED),
            Err(e) if unreachable(&e) => {
                down_seen = true;
                ("rebooting", P_DOWN)
            }
            Err(e) => return Err(e),
        };
        if ctx.report(phase, 0, pct, RET_RUNNING) {
            return Err(wait_cancelled(ctx.operation));
        }
    }
    if ctx.report("waiting", 0, P_ANSWERS, RET_RUNNING) {
        return Err(wait_cancelled(ctx.operation));
    }
    Ok(())
}

/// The string `key` of a reply object; empty when absent or not a string.
fn str_of(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}
