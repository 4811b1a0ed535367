//! C ABI layer (`ffi`): the exports of the general settings' methods
//! (document section 3: name, app, first run, recording control, access
//! point, date and time, start-up and HDMI switches).

use super::{flag, flag_setter, send_raw, skipping};
use crate::api::{AppPassword, Method, RecControlArgs, SoftApArgs};
use crate::client::{Device, md5_hex};
use crate::ffi::device::{usapi_device, with_device};
use crate::ffi::{Failure, opt_str_arg, ref_arg, str_arg};
use crate::model::codes;
use std::ffi::c_char;

/// set-name: `name` is 1-32 characters of A-Z a-z 0-9 space . _ - + ' with
/// no leading or trailing space (percent-encoded by the library).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_set_name(
    dev: usapi_device,
    name: *const c_char,
    out_json: *mut *mut c_char,
) -> i32 {
    with_device(dev, out_json, |d| Ok(d.set_name(str_arg(name, "name")?)?))
}

/// set-app-settings: `is_settings` 1 lets the mobile app change settings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_set_app_settings(
    dev: usapi_device,
    is_settings: i32,
    out_json: *mut *mut c_char,
) -> i32 {
    flag_setter(
        dev,
        out_json,
        Method::SetAppSettings,
        "is-settings",
        "is_settings",
        is_settings,
        Device::set_app_settings,
    )
}

/// set-app-passwd, in the document's three forms, with plain passwords
/// (hashed with MD5 by the library): enable (`is_pass` 1, `new_password`,
/// `old_password` NULL), disable (`is_pass` 0, `old_password`), modify
/// (`is_pass` 1, both).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_set_app_passwd(
    dev: usapi_device,
    is_pass: i32,
    old_password: *const c_char,
    new_password: *const c_char,
    out_json: *mut *mut c_char,
) -> i32 {
    with_device(dev, out_json, |d| {
        let old = opt_str_arg(old_password, "old_password")?;
        let new = opt_str_arg(new_password, "new_password")?;
        if skipping(d) {
            // Any combination, as given: is-pass and each password present.
            let mut p = vec![("is-pass", is_pass.to_string())];
            if let Some(old) = old {
                p.push(("pass", md5_hex(old)));
            }
            if let Some(new) = new {
                p.push(("new-pass", md5_hex(new)));
            }
            let borrowed: Vec<(&str, &str)> = p.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let plain: Vec<&str> = [old, new].into_iter().flatten().collect();
            return Ok(d.send_hiding(Method::SetAppPasswd, &borrowed, &plain)?);
        }
        let form = match (flag(is_pass, "is_pass")?, old, new) {
            (true, None, Some(new)) => AppPassword::Enable { new },
            (true, Some(old), Some(new)) => AppPassword::Modify { old, new },
            (false, Some(old), None) => AppPassword::Disable { old },
            _ => {
                return Err(Failure::new(
                    codes::E_INVALID_ARGUMENT,
                    "invalid argument 'is_pass': enable takes is_pass=1 and new_password; disable is_pass=0 and old_password; modify is_pass=1 and both",
                ));
            }
        };
        Ok(d.set_app_passwd(form)?)
    })
}

/// set-first-over: name the device on its first run and set the pairing
/// password (`password` NULL: no password).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_set_first_over(
    dev: usapi_device,
    name: *const c_char,
    password: *const c_char,
    out_json: *mut *mut c_char,
) -> i32 {
    with_device(dev, out_json, |d| {
        Ok(d.set_first_over(str_arg(name, "name")?, opt_str_arg(password, "password")?)?)
    })
}

/// Arguments of `usapi_set_rec_control`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct usapi_rec_control {
    /// 0 don't record, 1 ordinary recording.
    pub usb_option: i32,
    /// 0 don't record, 1 ordinary, 2 loop recording.
    pub sd_option: i32,
    /// 0 mp4, 1 mov.
    pub mime_type: i32,
    /// Folder of the recordings, at most two levels ("a/b").
    pub root_folder: *const c_char,
    /// Prefix of the file names.
    pub file_prefix: *const c_char,
    /// Minutes per file: 5, 10, 30, 40, 50, 60, 90 or 120.
    pub time_unit: i32,
}

/// set-rec-control.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_set_rec_control(
    dev: usapi_device,
    rec_control: *const usapi_rec_control,
    out_json: *mut *mut c_char,
) -> i32 {
    with_device(dev, out_json, |d| {
        let rc = ref_arg(rec_control, "rec_control")?;
        let args = RecControlArgs {
            usb_option: rc.usb_option as i64,
            sd_option: rc.sd_option as i64,
            mime_type: rc.mime_type as i64,
            root_folder: str_arg(rc.root_folder, "root_folder")?.to_string(),
            file_prefix: str_arg(rc.file_prefix, "file_prefix")?.to_string(),
            time_unit: rc.time_unit as i64,
        };
        Ok(d.set_rec_control(&args)?)
    })
}

/// set-softap: the access point's switch, SSID visibility, SSID and
/// password (plain text, as the document requires; 1-32 characters).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_set_softap(
    dev: usapi_device,
    is_softap: i32,
    is_visible: i32,
    ssid: *const c_char,
    password: *const c_char,
    out_json: *mut *mut c_char,
) -> i32 {
    with_device(dev, out_json, |d| {
        if skipping(d) {
            return send_raw(
                d,
                Method::SetSoftap,
                &[
                    ("is-softap", is_softap.to_string()),
                    ("is-visible", is_visible.to_string()),
                    ("softap-ssid", str_arg(ssid, "ssid")?.to_string()),
                    ("softap-passwd", str_arg(password, "password")?.to_string()),
                ],
            );
        }
        let args = SoftApArgs {
            is_softap: flag(is_softap, "is_softap")?,
            is_visible: flag(is_visible, "is_visible")?,
            ssid: str_arg(ssid, "ssid")?.to_string(),
            password: str_arg(password, "password")?.to_string(),
        };
        Ok(d.set_softap(&args)?)
    })
}

/// set-date-time: `timezone` from the document's list ("UTC",
/// "Asia/Shanghai"); `time` NULL or "" for automatic time, else
/// "YYYY-MM-DD HH:MM:SS".
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_set_date_time(
    dev: usapi_device,
    timezone: *const c_char,
    time: *const c_char,
    out_json: *mut *mut c_char,
) -> i32 {
    with_device(dev, out_json, |d| {
        let tz = str_arg(timezone, "timezone")?;
        let time = opt_str_arg(time, "time")?.filter(|t| !t.is_empty());
        Ok(d.set_date_time(tz, time)?)
    })
}

/// set-signal-lost-ctrl: 1 stops recording when the input signal is lost.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_set_signal_lost_ctrl(
    dev: usapi_device,
    is_signal_lost: i32,
    out_json: *mut *mut c_char,
) -> i32 {
    flag_setter(
        dev,
        out_json,
        Method::SetSignalLostCtrl,
        "is-signal-lost",
        "is_signal_lost",
        is_signal_lost,
        Device::set_signal_lost_ctrl,
    )
}

/// set-startup-rec: 1 starts recording at boot.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_set_startup_rec(
    dev: usapi_device,
    is_startup_rec: i32,
    out_json: *mut *mut c_char,
) -> i32 {
    flag_setter(
        dev,
        out_json,
        Method::SetStartupRec,
        "is-startup-rec",
        "is_startup_rec",
        is_startup_rec,
        Device::set_startup_rec,
    )
}

/// set-startup-live: 1 starts streaming at boot.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_set_startup_live(
    dev: usapi_device,
    is_startup_live: i32,
    out_json: *mut *mut c_char,
) -> i32 {
    flag_setter(
        dev,
        out_json,
        Method::SetStartupLive,
        "is-startup-live",
        "is_startup_live",
        is_startup_live,
        Device::set_startup_live,
    )
}

/// set-ssdp: 1 enables UPnP / SSDP.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_set_ssdp(
    dev: usapi_device,
    is_ssdp: i32,
    out_json: *mut *mut c_char,
) -> i32 {
    flag_setter(
        dev,
        out_json,
        Method::SetSsdp,
        "is-ssdp",
        "is_ssdp",
        is_ssdp,
        Device::set_ssdp,
    )
}

/// set-hdmi-rec-ctrl: 1 lets the HDMI source start and stop recording.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_set_hdmi_rec_ctrl(
    dev: usapi_device,
    is_hdmi_rec_ctrl: i32,
    out_json: *mut *mut c_char,
) -> i32 {
    flag_setter(
        dev,
        out_json,
        Method::SetHdmiRecCtrl,
        "is-hdmi-rec-ctrl",
        "is_hdmi_rec_ctrl",
        is_hdmi_rec_ctrl,
        Device::set_hdmi_rec_ctrl,
    )
}
