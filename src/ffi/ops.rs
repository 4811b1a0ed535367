//! Long operations run to the end (`ops`): `usapi_run_*`, `usapi_wait_ready`
//! and `usapi_download_media`. The progress callback runs on the calling
//! thread; a non-zero return cancels (see each function for what that
//! stops). `opts` may be NULL: all defaults.

use super::FfiResult;
use super::device::{DEVICES, usapi_device, with_device};
use super::methods::{server_args, usapi_server};
use super::progress::{rust_callback, usapi_progress_callback, usapi_run_options};
use super::{guard, ref_arg, str_arg};
use crate::client::{Device, Reply};
use crate::ops::{Flow, Progress, ProgressFn, RunOptions};
use std::ffi::{c_char, c_void};
use std::path::Path;
use std::time::Duration;

fn ms(v: u32) -> Option<Duration> {
    (v != 0).then(|| Duration::from_millis(v as u64))
}

/// The Rust options and callback of a C `usapi_run_options` (NULL: defaults).
fn run_args(opts: *const usapi_run_options) -> (RunOptions, impl FnMut(&Progress<'_>) -> Flow) {
    // SAFETY: NULL or a valid usapi_run_options, per the contract.
    let o = unsafe { opts.as_ref() };
    let (cb, ud): (usapi_progress_callback, *mut c_void) = match o {
        Some(o) => (o.progress, o.user_data),
        None => (None, std::ptr::null_mut()),
    };
    let ro = RunOptions {
        timeout: o.and_then(|o| ms(o.timeout_ms)),
        poll_interval: o.and_then(|o| ms(o.poll_interval_ms)),
    };
    (ro, rust_callback(cb, ud))
}

/// The common body of the `usapi_run_*` exports that answer JSON: the
/// handle, the options and callback, `op`, then the reply into `*out_json`.
fn run_json(
    dev: usapi_device,
    opts: *const usapi_run_options,
    out_json: *mut *mut c_char,
    op: impl FnOnce(&Device, &RunOptions, &mut ProgressFn<'_>) -> FfiResult<Reply>,
) -> i32 {
    with_device(dev, out_json, |d| {
        let (o, mut cb) = run_args(opts);
        op(d, &o, &mut cb)
    })
}

/// The common body of the exports that answer only a code: the handle,
/// the options and callback, then `op`.
fn run_code(
    dev: usapi_device,
    opts: *const usapi_run_options,
    op: impl FnOnce(&Device, &RunOptions, &mut ProgressFn<'_>) -> FfiResult<()>,
) -> i32 {
    guard(|| {
        let d = DEVICES.get(dev)?;
        let (o, mut cb) = run_args(opts);
        op(&d, &o, &mut cb)?;
        Ok(0)
    })
}

/// USB format to the end: start-format-usb, poll get-status
/// `format-status`, clear-format-usb. `*out_json` receives
/// `{"result":0,"operation":"format-usb","format-status":{...}}`. A format
/// cannot be stopped on the device: cancelling returns USAPI_E_CANCELLED
/// and stops only the waiting. USAPI_ERR_BUSY (-9) when a mutually
/// exclusive operation runs (usapi_last_error() names it).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_run_format_usb(
    dev: usapi_device,
    opts: *const usapi_run_options,
    out_json: *mut *mut c_char,
) -> i32 {
    run_json(dev, opts, out_json, |d, o, cb| Ok(d.run_format_usb(o, cb)?))
}

/// SD card format to the end (like usapi_run_format_usb).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_run_format_sd(
    dev: usapi_device,
    opts: *const usapi_run_options,
    out_json: *mut *mut c_char,
) -> i32 {
    run_json(dev, opts, out_json, |d, o, cb| Ok(d.run_format_sd(o, cb)?))
}

/// USB speed test to the end, with the verdict against the document's
/// required speed for the current settings: returns 0, or 3
/// (USAPI_RET_LOW_SPEED) when the drive is too slow; `*out_json` adds
/// `required-bps`, `write-bps` (both bytes per second, as the document's
/// disk-test example) and `fast-enough`. Cancelling sends stop-test-usb.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_run_test_usb(
    dev: usapi_device,
    opts: *const usapi_run_options,
    out_json: *mut *mut c_char,
) -> i32 {
    run_json(dev, opts, out_json, |d, o, cb| Ok(d.run_test_usb(o, cb)?))
}

/// Stream server test to the end (the device stops it at 20 s); cancelling
/// sends stop-test-server. `server->name` is ignored.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_run_test_server(
    dev: usapi_device,
    server: *const usapi_server,
    opts: *const usapi_run_options,
    out_json: *mut *mut c_char,
) -> i32 {
    run_json(dev, opts, out_json, |d, o, cb| {
        let s = server_args(ref_arg(server, "server")?)?;
        Ok(d.run_test_server(&s, o, cb)?)
    })
}

/// Online update check to the end; `*out_json` adds get-status `upgrade`
/// (`ver` empty when nothing newer was found).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_run_update_check(
    dev: usapi_device,
    opts: *const usapi_run_options,
    out_json: *mut *mut c_char,
) -> i32 {
    run_json(dev, opts, out_json, |d, o, cb| {
        Ok(d.run_update_check(o, cb)?)
    })
}

/// Firmware update to the end. `mwf_path`: a .mwf file to upload (bytes
/// progress, operation "upload"); NULL: online (update check, then the
/// download). Then `update` (steps and percent, operation "update"), the
/// reboot, the wait, a fresh login, and a check that get-info reports the
/// new version (else USAPI_E_VERIFY). A file for another model gives
/// USAPI_ERR_MWF_UNSUPPORTED (-34). Cancelling stops an online download on
/// the device (cancel-download); later steps only stop the waiting.
/// `*out_json`: `{"result":0,"mode":..,"previous-version":..,"version":..}`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_run_firmware_update(
    dev: usapi_device,
    mwf_path: *const c_char,
    opts: *const usapi_run_options,
    out_json: *mut *mut c_char,
) -> i32 {
    run_json(dev, opts, out_json, |d, o, cb| {
        let path = super::opt_str_arg(mwf_path, "mwf_path")?;
        Ok(d.run_firmware_update(path.map(Path::new), o, cb)?)
    })
}

/// reboot, then wait until the device answers again and log in again.
/// Cancelling stops only the waiting.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_run_reboot(
    dev: usapi_device,
    opts: *const usapi_run_options,
) -> i32 {
    run_code(dev, opts, |d, o, cb| Ok(d.run_reboot(o, cb)?))
}

/// reset-all-settings, then wait until the device answers again and log
/// in again. Cancelling stops only the waiting.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_run_reset_all_settings(
    dev: usapi_device,
    opts: *const usapi_run_options,
) -> i32 {
    run_code(dev, opts, |d, o, cb| Ok(d.run_reset_all_settings(o, cb)?))
}

/// Wait until the device answers, is not rebooting, resetting or updating,
/// and (when this handle logged in) is logged in again. Only ping is sent
/// while waiting: a refused or dropped connection, a timeout, any non-zero
/// ping result (a restarting device may answer -9) or statusReboot /
/// statusReset / statusUpgrade in ping's mask mean "not ready yet"; ready
/// is ping 0 without them, then one login. `timeout_ms` 0: 300000.
/// USAPI_E_TIMEOUT when it is not ready in time (the message says what the
/// last ping showed).
#[unsafe(no_mangle)]
pub extern "C" fn usapi_wait_ready(dev: usapi_device, timeout_ms: u32) -> i32 {
    guard(|| {
        let d = DEVICES.get(dev)?;
        d.wait_ready(ms(timeout_ms).unwrap_or(Duration::from_secs(300)))?;
        Ok(0)
    })
}

/// Download the recorded file `name` (or its thumbnail, given the
/// thumbnail name) from disk `disk_type` (0 USB, 1 SD) to `dest_path`,
/// streamed, bytes progress (operation "download"). A destination that
/// already holds a prefix is resumed with Range; the result must have the
/// size get-media-files lists (else USAPI_E_VERIFY). Cancelling keeps the
/// part downloaded for a later resume.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_download_media(
    dev: usapi_device,
    disk_type: i32,
    name: *const c_char,
    dest_path: *const c_char,
    opts: *const usapi_run_options,
) -> i32 {
    guard(|| {
        // Not run_code: the arguments are checked before the handle, so a
        // NULL name is reported whatever the handle.
        let name = str_arg(name, "name")?;
        let dest = str_arg(dest_path, "dest_path")?;
        let d = DEVICES.get(dev)?;
        let (o, mut cb) = run_args(opts);
        d.download_media(disk_type, name, Path::new(dest), &o, &mut cb)?;
        Ok(0)
    })
}
