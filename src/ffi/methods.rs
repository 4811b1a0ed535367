//! One export per API method. Parameterless methods have exactly the shape
//! `int32_t usapi_x(usapi_device dev, char **out_json)`; parameterised ones
//! take typed arguments or a `#[repr(C)]` struct, then `out_json`.
//!
//! Every function returns the device's result code (>= 0 on success, and
//! then `*out_json`, when not NULL, receives the reply JSON, to be freed with
//! `usapi_string_free`), a negative device code (USAPI_ERR_*), or a library
//! code (USAPI_E_*; USAPI_E_INVALID_ARGUMENT names the parameter and rule
//! in `usapi_last_error()`, and nothing was sent). When the session has
//! expired (-17) the library logs in again (at most twice per call) and
//! retries; a request the device accepted is never sent again.

use super::device::{usapi_device, with_device};
use super::progress::{rust_callback, usapi_progress_callback};
use super::{Failure, FfiResult, opt_str_arg, ref_arg, str_arg};
use crate::api::{
    AppPassword, EthArgs, Firmware, Method, NetMode, RecControlArgs, ServerArgs, ServerType,
    SoftApArgs, VideoArgs,
};
use crate::client::{Device, Reply, md5_hex};
use crate::model::codes;
use std::ffi::{c_char, c_void};

/// The body of every parameterless export.
fn no_params(dev: usapi_device, out_json: *mut *mut c_char, method: Method) -> i32 {
    with_device(dev, out_json, |d| Ok(d.send(method, &[], None)?))
}

/// get-info: device information: product, MAC addresses, audio ranges, codec and recording capabilities.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_get_info(dev: usapi_device, out_json: *mut *mut c_char) -> i32 {
    no_params(dev, out_json, Method::GetInfo)
}

/// get-status: the real-time working status (see also usapi_get_status_summary).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_get_status(dev: usapi_device, out_json: *mut *mut c_char) -> i32 {
    no_params(dev, out_json, Method::GetStatus)
}

/// get-settings: the device configuration.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_get_settings(dev: usapi_device, out_json: *mut *mut c_char) -> i32 {
    no_params(dev, out_json, Method::GetSettings)
}

/// start-rec: start recording; returns USAPI_RET_REPEAT (1) when already recording.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_start_rec(dev: usapi_device, out_json: *mut *mut c_char) -> i32 {
    no_params(dev, out_json, Method::StartRec)
}

/// stop-rec: stop recording.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_stop_rec(dev: usapi_device, out_json: *mut *mut c_char) -> i32 {
    no_params(dev, out_json, Method::StopRec)
}

/// start-live: start live streaming; returns USAPI_RET_LIVING_NOTSET (29) when no server is enabled.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_start_live(dev: usapi_device, out_json: *mut *mut c_char) -> i32 {
    no_params(dev, out_json, Method::StartLive)
}

/// stop-live: stop live streaming.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_stop_live(dev: usapi_device, out_json: *mut *mut c_char) -> i32 {
    no_params(dev, out_json, Method::StopLive)
}

/// ping: works without login; use it to wait for reboot, reset or an address change (see also usapi_ping_status).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_ping(dev: usapi_device, out_json: *mut *mut c_char) -> i32 {
    no_params(dev, out_json, Method::Ping)
}

/// start-format-usb: start formatting the USB drive (asynchronous; poll get-status format-status, then clear-format-usb).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_start_format_usb(
    dev: usapi_device,
    out_json: *mut *mut c_char,
) -> i32 {
    no_params(dev, out_json, Method::StartFormatUsb)
}

/// start-format-sd: start formatting the SD card (asynchronous; cleared with clear-format-usb).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_start_format_sd(
    dev: usapi_device,
    out_json: *mut *mut c_char,
) -> i32 {
    no_params(dev, out_json, Method::StartFormatSd)
}

/// clear-format-usb: reset format-status to 27 after a format.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_clear_format_usb(
    dev: usapi_device,
    out_json: *mut *mut c_char,
) -> i32 {
    no_params(dev, out_json, Method::ClearFormatUsb)
}

/// start-test-usb: start the USB write-speed test (asynchronous; poll get-status disk-test).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_start_test_usb(
    dev: usapi_device,
    out_json: *mut *mut c_char,
) -> i32 {
    no_params(dev, out_json, Method::StartTestUsb)
}

/// stop-test-usb: cancel the USB speed test; disk-test result becomes 5.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_stop_test_usb(dev: usapi_device, out_json: *mut *mut c_char) -> i32 {
    no_params(dev, out_json, Method::StopTestUsb)
}

/// clear-test-usb: reset disk-test to 27.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_clear_test_usb(
    dev: usapi_device,
    out_json: *mut *mut c_char,
) -> i32 {
    no_params(dev, out_json, Method::ClearTestUsb)
}

/// stop-test-server: cancel the stream test.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_stop_test_server(
    dev: usapi_device,
    out_json: *mut *mut c_char,
) -> i32 {
    no_params(dev, out_json, Method::StopTestServer)
}

/// clear-test-server: reset living-test to 27.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_clear_test_server(
    dev: usapi_device,
    out_json: *mut *mut c_char,
) -> i32 {
    no_params(dev, out_json, Method::ClearTestServer)
}

/// reboot: reboot; the device stops answering until it is back (wait with usapi_ping), then log in again.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_reboot(dev: usapi_device, out_json: *mut *mut c_char) -> i32 {
    no_params(dev, out_json, Method::Reboot)
}

/// reset-all-settings: restore all defaults and restart.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_reset_all_settings(
    dev: usapi_device,
    out_json: *mut *mut c_char,
) -> i32 {
    no_params(dev, out_json, Method::ResetAllSettings)
}

/// get-users: list the users.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_get_users(dev: usapi_device, out_json: *mut *mut c_char) -> i32 {
    no_params(dev, out_json, Method::GetUsers)
}

/// disconn-wifi: disconnect Wi-Fi.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_disconn_wifi(dev: usapi_device, out_json: *mut *mut c_char) -> i32 {
    no_params(dev, out_json, Method::DisconnWifi)
}

/// close-softap: turn the Wi-Fi access point off.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_close_softap(dev: usapi_device, out_json: *mut *mut c_char) -> i32 {
    no_params(dev, out_json, Method::CloseSoftap)
}

/// cancel-download: cancel an online update's download.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_cancel_download(
    dev: usapi_device,
    out_json: *mut *mut c_char,
) -> i32 {
    no_params(dev, out_json, Method::CancelDownload)
}

/// online-update-check: look for new firmware online (asynchronous; poll get-status check-upgrade).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_online_update_check(
    dev: usapi_device,
    out_json: *mut *mut c_char,
) -> i32 {
    no_params(dev, out_json, Method::OnlineUpdateCheck)
}

/// clear-upgrade: reset upgrade-status to 27.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_clear_upgrade(dev: usapi_device, out_json: *mut *mut c_char) -> i32 {
    no_params(dev, out_json, Method::ClearUpgrade)
}

/// clear-check-update: reset check-upgrade to 27.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_clear_check_update(
    dev: usapi_device,
    out_json: *mut *mut c_char,
) -> i32 {
    no_params(dev, out_json, Method::ClearCheckUpdate)
}

// ---- Parameterised methods -------------------------------------------------

fn flag(v: i32, name: &str) -> FfiResult<bool> {
    match v {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(Failure::new(
            codes::E_INVALID_ARGUMENT,
            format!("invalid argument '{name}': must be 0 or 1, got {v}"),
        )),
    }
}

/// True when the handle was opened with `skip_validation`: then the typed
/// functions send every value as given (flags, enums, forms and modes
/// included) and refuse only what cannot be sent at all (NULL where a
/// string is needed, invalid UTF-8, a length past the documented bound).
fn skipping(d: &Device) -> bool {
    !d.options().validate
}

/// Send `params` as given (the `skip_validation` path).
fn send_raw(d: &Device, method: Method, params: &[(&str, String)]) -> FfiResult<Reply> {
    let borrowed: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Ok(d.send(method, &borrowed, None)?)
}

/// A setter of one 0/1 flag: checked, or sent as given when skipping.
fn flag_setter(
    dev: usapi_device,
    out_json: *mut *mut c_char,
    method: Method,
    param: &'static str,
    arg: &str,
    v: i32,
    typed: fn(&Device, bool) -> crate::client::Result<Reply>,
) -> i32 {
    with_device(dev, out_json, |d| {
        if skipping(d) {
            return send_raw(d, method, &[(param, v.to_string())]);
        }
        Ok(typed(d, flag(v, arg)?)?)
    })
}

fn opt_or_empty<'a>(p: *const c_char, name: &str) -> FfiResult<&'a str> {
    Ok(opt_str_arg(p, name)?.unwrap_or(""))
}

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
            return send_raw(d, Method::SetAppPasswd, &p);
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

/// get-media-files: a page of recorded files; `disk_type` 0 USB, 1 SD.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_get_media_files(
    dev: usapi_device,
    disk_type: i32,
    start: i32,
    count: i32,
    out_json: *mut *mut c_char,
) -> i32 {
    with_device(dev, out_json, |d| {
        Ok(d.get_media_files_reply(disk_type as i64, start as i64, count as i64)?)
    })
}

/// del-media-files: delete `count` files named in `names` from disk
/// `disk_type` (0 USB, 1 SD).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_del_media_files(
    dev: usapi_device,
    disk_type: i32,
    names: *const *const c_char,
    count: usize,
    out_json: *mut *mut c_char,
) -> i32 {
    with_device(dev, out_json, |d| {
        if names.is_null() {
            return Err(Failure::new(
                codes::E_NULL_ARGUMENT,
                "argument 'names' is NULL",
            ));
        }
        if count > 100_000 {
            return Err(Failure::new(
                codes::E_INVALID_ARGUMENT,
                "invalid argument 'count': at most 100000 names per call",
            ));
        }
        // SAFETY: the caller passes an array of `count` string pointers.
        let ptrs = unsafe { std::slice::from_raw_parts(names, count) };
        let list = ptrs
            .iter()
            .map(|p| str_arg(*p, "names[i]"))
            .collect::<FfiResult<Vec<&str>>>()?;
        Ok(d.del_media_files(disk_type as i64, &list)?)
    })
}

/// A streaming server, for add-server, set-server and start-test-server.
/// NULL strings count as "".
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct usapi_server {
    /// 0 RTMP, 1 Twitch, 2 YouTube, 3 Facebook.
    pub server_type: i32,
    /// 1-32 characters of A-Z a-z 0-9 space . _ - + ' (ignored by start-test-server).
    pub name: *const c_char,
    /// The server's address, e.g. "rtmp://live.example/app" (at most 512 bytes).
    pub url: *const c_char,
    /// The stream key. Never appears in error messages.
    pub key: *const c_char,
    /// 1: `user` and `passwd` are required.
    pub is_auth: i32,
    /// User name at the server, when `is_auth` is 1.
    pub user: *const c_char,
    /// Password at the server, when `is_auth` is 1. Never appears in error messages.
    pub passwd: *const c_char,
    /// A token some servers require. Never appears in error messages.
    pub token: *const c_char,
    /// 0 mobile first, 1 Ethernet first, 2 Wi-Fi first.
    pub net_mode: i32,
}

/// The server's parameters as given (the `skip_validation` path).
fn server_raw(s: &usapi_server, with_name: bool) -> FfiResult<Vec<(&'static str, String)>> {
    let text = |p, n| opt_or_empty(p, n).map(str::to_string);
    let mut v = vec![("type", s.server_type.to_string())];
    if with_name {
        v.push(("name", text(s.name, "name")?));
    }
    v.extend([
        ("url", text(s.url, "url")?),
        ("key", text(s.key, "key")?),
        ("is-auth", s.is_auth.to_string()),
        ("user", text(s.user, "user")?),
        ("passwd", text(s.passwd, "passwd")?),
        ("token", text(s.token, "token")?),
        ("net-mode", s.net_mode.to_string()),
    ]);
    Ok(v)
}

pub(crate) fn server_args(s: &usapi_server) -> FfiResult<ServerArgs> {
    let bad = |name: &str, rule: &str| {
        Failure::new(
            codes::E_INVALID_ARGUMENT,
            format!("invalid argument '{name}': {rule}"),
        )
    };
    Ok(ServerArgs {
        kind: match s.server_type {
            0 => ServerType::Rtmp,
            1 => ServerType::Twitch,
            2 => ServerType::YouTube,
            3 => ServerType::Facebook,
            _ => {
                return Err(bad(
                    "server_type",
                    "must be 0 RTMP, 1 Twitch, 2 YouTube or 3 Facebook",
                ));
            }
        },
        name: opt_or_empty(s.name, "name")?.to_string(),
        url: opt_or_empty(s.url, "url")?.to_string(),
        key: opt_or_empty(s.key, "key")?.to_string(),
        is_auth: flag(s.is_auth, "is_auth")?,
        user: opt_or_empty(s.user, "user")?.to_string(),
        passwd: opt_or_empty(s.passwd, "passwd")?.to_string(),
        token: opt_or_empty(s.token, "token")?.to_string(),
        net_mode: match s.net_mode {
            0 => NetMode::Mobile,
            1 => NetMode::Ethernet,
            2 => NetMode::Wifi,
            _ => return Err(bad("net_mode", "must be 0 mobile, 1 Ethernet or 2 Wi-Fi")),
        },
    })
}

/// add-server: at most 16; a new server starts disabled.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_add_server(
    dev: usapi_device,
    server: *const usapi_server,
    out_json: *mut *mut c_char,
) -> i32 {
    with_device(dev, out_json, |d| {
        let s = ref_arg(server, "server")?;
        if skipping(d) {
            return send_raw(d, Method::AddServer, &server_raw(s, true)?);
        }
        Ok(d.add_server(&server_args(s)?)?)
    })
}

/// enable-server: at most 2 enabled (USAPI_ERR_CHANNELS_LIMITED); Facebook
/// and 8 Mbps streams only alone; no live HEVC main stream.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_enable_server(
    dev: usapi_device,
    id: i32,
    is_use: i32,
    out_json: *mut *mut c_char,
) -> i32 {
    with_device(dev, out_json, |d| {
        if skipping(d) {
            return send_raw(
                d,
                Method::EnableServer,
                &[("id", id.to_string()), ("is-use", is_use.to_string())],
            );
        }
        Ok(d.enable_server(id as i64, flag(is_use, "is_use")?)?)
    })
}

/// set-server: change server `id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_set_server(
    dev: usapi_device,
    id: i32,
    server: *const usapi_server,
    out_json: *mut *mut c_char,
) -> i32 {
    with_device(dev, out_json, |d| {
        let s = ref_arg(server, "server")?;
        if skipping(d) {
            let mut p = vec![("id", id.to_string())];
            p.extend(server_raw(s, true)?);
            return send_raw(d, Method::SetServer, &p);
        }
        Ok(d.set_server(id as i64, &server_args(s)?)?)
    })
}

/// del-server.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_del_server(
    dev: usapi_device,
    id: i32,
    out_json: *mut *mut c_char,
) -> i32 {
    with_device(dev, out_json, |d| Ok(d.del_server(id as i64)?))
}

/// start-test-server: test streaming to a server (asynchronous; stops by
/// itself after 20 s; poll get-status living-test, then clear-test-server).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_start_test_server(
    dev: usapi_device,
    server: *const usapi_server,
    out_json: *mut *mut c_char,
) -> i32 {
    with_device(dev, out_json, |d| {
        let s = ref_arg(server, "server")?;
        if skipping(d) {
            return send_raw(d, Method::StartTestServer, &server_raw(s, false)?);
        }
        Ok(d.start_test_server(&server_args(s)?)?)
    })
}

/// set-stream: which stream (0 main, 1 sub) records, goes live and previews.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_set_stream(
    dev: usapi_device,
    rec: i32,
    live: i32,
    mws: i32,
    out_json: *mut *mut c_char,
) -> i32 {
    with_device(dev, out_json, |d| {
        Ok(d.set_stream(rec as i64, live as i64, mws as i64)?)
    })
}

/// Arguments of `usapi_set_video`; values come from get-info's codec-cap.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct usapi_video {
    /// 0 main stream, 1 sub stream.
    pub stream: i32,
    /// 1: the device picks the stream's settings itself; 0: the values
    /// below (the sub stream can be set only with 0).
    pub is_auto: i32,
    /// Width in pixels (one of get-info's codec-cap resolutions).
    pub cx: i32,
    /// Height in pixels.
    pub cy: i32,
    /// Frame interval in 100 ns units (166667 = 60 fps).
    pub duration: i32,
    /// Video bitrate in kbit/s (within codec-cap video-kbps).
    pub kbps: i32,
    /// Keyframe interval in seconds.
    pub gop: i32,
    /// 0 H.264, 1 HEVC (main stream only).
    pub codec: i32,
    /// Encoding profile (codec-cap profile for H.264, hevc-profile for HEVC).
    pub profile: i32,
    /// Bitrate statistics window in seconds (codec-cap stat-sec).
    pub cbrstat: i32,
    /// Quantization range: 0 limited, 1 full (codec-cap video-range).
    pub fullrange: i32,
}

/// set-video.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_set_video(
    dev: usapi_device,
    video: *const usapi_video,
    out_json: *mut *mut c_char,
) -> i32 {
    with_device(dev, out_json, |d| {
        let v = ref_arg(video, "video")?;
        if skipping(d) {
            let n = |x: i32| x.to_string();
            return send_raw(
                d,
                Method::SetVideo,
                &[
                    ("stream", n(v.stream)),
                    ("is-auto", n(v.is_auto)),
                    ("cx", n(v.cx)),
                    ("cy", n(v.cy)),
                    ("duration", n(v.duration)),
                    ("kbps", n(v.kbps)),
                    ("gop", n(v.gop)),
                    ("fourcc", "0".into()),
                    ("codec", n(v.codec)),
                    ("profile", n(v.profile)),
                    ("cbrstat", n(v.cbrstat)),
                    ("fullrange", n(v.fullrange)),
                ],
            );
        }
        let args = VideoArgs {
            stream: v.stream as i64,
            is_auto: flag(v.is_auto, "is_auto")?,
            cx: v.cx as i64,
            cy: v.cy as i64,
            duration: v.duration as i64,
            kbps: v.kbps as i64,
            gop: v.gop as i64,
            codec: v.codec as i64,
            profile: v.profile as i64,
            cbrstat: v.cbrstat as i64,
            fullrange: flag(v.fullrange, "fullrange")?,
        };
        Ok(d.set_video(&args)?)
    })
}

/// set-audio: 16, 32, 48, 64, 96 or 128 kbps.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_set_audio(
    dev: usapi_device,
    kbps: i32,
    out_json: *mut *mut c_char,
) -> i32 {
    with_device(dev, out_json, |d| Ok(d.set_audio(kbps as i64)?))
}

/// add-user with a plain password (hashed by the library).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_add_user(
    dev: usapi_device,
    id: *const c_char,
    password: *const c_char,
    out_json: *mut *mut c_char,
) -> i32 {
    with_device(dev, out_json, |d| {
        Ok(d.add_user(str_arg(id, "id")?, str_arg(password, "password")?)?)
    })
}

/// del-user.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_del_user(
    dev: usapi_device,
    id: *const c_char,
    out_json: *mut *mut c_char,
) -> i32 {
    with_device(dev, out_json, |d| Ok(d.del_user(str_arg(id, "id")?)?))
}

/// ch-password: change the logged-in user's password (plain passwords).
/// Later transparent re-logins use the new one.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_ch_password(
    dev: usapi_device,
    old_password: *const c_char,
    new_password: *const c_char,
    out_json: *mut *mut c_char,
) -> i32 {
    with_device(dev, out_json, |d| {
        Ok(d.ch_password(
            str_arg(old_password, "old_password")?,
            str_arg(new_password, "new_password")?,
        )?)
    })
}

/// set-password: an administrator sets user `id`'s password (plain).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_set_password(
    dev: usapi_device,
    id: *const c_char,
    password: *const c_char,
    out_json: *mut *mut c_char,
) -> i32 {
    with_device(dev, out_json, |d| {
        Ok(d.set_password(str_arg(id, "id")?, str_arg(password, "password")?)?)
    })
}

/// set-eth: `is_dhcp` 1 (addresses may be NULL) or 0 with `ip` and `mask`
/// (and optionally `router`, `dns`). The device may move: wait with ping.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_set_eth(
    dev: usapi_device,
    is_dhcp: i32,
    ip: *const c_char,
    mask: *const c_char,
    router: *const c_char,
    dns: *const c_char,
    out_json: *mut *mut c_char,
) -> i32 {
    with_device(dev, out_json, |d| {
        if skipping(d) {
            let text = |p, n| opt_or_empty(p, n).map(str::to_string);
            return send_raw(
                d,
                Method::SetEth,
                &[
                    ("is-dhcp", is_dhcp.to_string()),
                    ("ip", text(ip, "ip")?),
                    ("mask", text(mask, "mask")?),
                    ("router", text(router, "router")?),
                    ("dns", text(dns, "dns")?),
                ],
            );
        }
        let args = EthArgs {
            is_dhcp: flag(is_dhcp, "is_dhcp")?,
            ip: opt_or_empty(ip, "ip")?.to_string(),
            mask: opt_or_empty(mask, "mask")?.to_string(),
            router: opt_or_empty(router, "router")?.to_string(),
            dns: opt_or_empty(dns, "dns")?.to_string(),
        };
        Ok(d.set_eth(&args)?)
    })
}

/// update: `mode` "upload" (after upload-update-file) or "online".
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_update(
    dev: usapi_device,
    mode: *const c_char,
    out_json: *mut *mut c_char,
) -> i32 {
    with_device(dev, out_json, |d| {
        let mode = str_arg(mode, "mode")?;
        if skipping(d) {
            return send_raw(d, Method::Update, &[("mode", mode.to_string())]);
        }
        let mode = match mode {
            "upload" => Firmware::Upload,
            "online" => Firmware::Online,
            _ => {
                return Err(Failure::new(
                    codes::E_INVALID_ARGUMENT,
                    "invalid argument 'mode': must be \"upload\" or \"online\"",
                ));
            }
        };
        Ok(d.update(mode)?)
    })
}

/// upload-update-file: send the .mwf firmware at `path` (multipart, field
/// "file"). The reply carries "status" (not "result"), "up-to-date",
/// "version" and "size"; the return value is its status. Then call
/// usapi_update(dev, "upload", ...).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_upload_update_file(
    dev: usapi_device,
    path: *const c_char,
    out_json: *mut *mut c_char,
) -> i32 {
    with_device(dev, out_json, |d| {
        Ok(d.upload_update_file_reply(std::path::Path::new(str_arg(path, "path")?))?)
    })
}

/// upload-update-file with progress: the file at `path` is streamed in
/// chunks (memory use does not grow with its size). `cb` (may be NULL) is
/// called on this thread with operation "upload", phase "uploading" and
/// `done` / `total` bytes of the file; a non-zero return stops the upload
/// (USAPI_E_CANCELLED; the device got an incomplete file). A device that
/// refuses before reading the body (HTTP 413, its JSON error) is answered
/// without pushing the body. Otherwise as usapi_upload_update_file.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_upload_update_file_progress(
    dev: usapi_device,
    path: *const c_char,
    cb: usapi_progress_callback,
    user_data: *mut c_void,
    out_json: *mut *mut c_char,
) -> i32 {
    with_device(dev, out_json, |d| {
        let path = std::path::Path::new(str_arg(path, "path")?);
        let mut progress = rust_callback(cb, user_data);
        Ok(d.upload_update_file_progress(path, &mut progress)?)
    })
}

/// The largest firmware image `usapi_upload_update_data` accepts, in bytes
/// (1 GiB; real .mwf images are tens of MB). Larger `len` values are refused
/// with USAPI_E_INVALID_ARGUMENT before anything is read or sent.
pub const USAPI_UPLOAD_MAX_BYTES: u64 = 1 << 30;

/// upload-update-file from memory: `len` bytes at `data`, sent under
/// `filename`. `len` may be at most USAPI_UPLOAD_MAX_BYTES (else
/// USAPI_E_INVALID_ARGUMENT, nothing sent); `data` must not be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_upload_update_data(
    dev: usapi_device,
    filename: *const c_char,
    data: *const u8,
    len: usize,
    out_json: *mut *mut c_char,
) -> i32 {
    with_device(dev, out_json, |d| {
        let name = str_arg(filename, "filename")?;
        if data.is_null() {
            return Err(Failure::new(
                codes::E_NULL_ARGUMENT,
                "argument 'data' is NULL",
            ));
        }
        // Bounded before the slice is built: a slice longer than isize::MAX
        // is undefined behaviour, and SIZE_MAX is never a real image.
        if len as u64 > USAPI_UPLOAD_MAX_BYTES {
            return Err(Failure::new(
                codes::E_INVALID_ARGUMENT,
                format!(
                    "invalid argument 'len': {len} bytes is more than USAPI_UPLOAD_MAX_BYTES ({USAPI_UPLOAD_MAX_BYTES}); nothing was sent to the device"
                ),
            ));
        }
        // SAFETY: the caller passes `len` readable bytes at `data`, and
        // `len` <= 1 GiB < isize::MAX.
        let bytes = unsafe { std::slice::from_raw_parts(data, len) };
        Ok(d.upload_update_bytes_reply(name, bytes)?)
    })
}
