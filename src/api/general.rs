//! General settings (document section 3).

use super::Method;
use crate::client::{Device, Reply, Result, md5_hex};

/// The three forms of set-app-passwd. Passwords are plain; they are hashed
/// with MD5 before they leave the library.
#[derive(Debug, Clone)]
pub enum AppPassword<'a> {
    /// Turn the app's pairing password on.
    Enable {
        /// The new password.
        new: &'a str,
    },
    /// Turn it off.
    Disable {
        /// The current password.
        old: &'a str,
    },
    /// Change it.
    Modify {
        /// The current password.
        old: &'a str,
        /// The new password.
        new: &'a str,
    },
}

/// Arguments of set-rec-control.
#[derive(Debug, Clone, PartialEq)]
pub struct RecControlArgs {
    /// 0 don't record, 1 ordinary recording.
    pub usb_option: i64,
    /// 0 don't record, 1 ordinary, 2 loop recording.
    pub sd_option: i64,
    /// 0 mp4, 1 mov.
    pub mime_type: i64,
    /// At most two levels, `a/b`.
    pub root_folder: String,
    /// File name prefix, case-sensitive ("VID").
    pub file_prefix: String,
    /// Minutes per file: 5, 10, 30, 40, 50, 60, 90 or 120.
    pub time_unit: i64,
}

/// Arguments of set-softap. The password is sent in plain text, as the
/// document requires.
#[derive(Debug, Clone, PartialEq)]
pub struct SoftApArgs {
    /// True: the access point is on at boot.
    pub is_softap: bool,
    /// True: the SSID is broadcast; false: hidden.
    pub is_visible: bool,
    /// 1 to 32 characters of A-Z a-z 0-9 space . _ - + !
    pub ssid: String,
    /// 1 to 32 characters (sent in plain text, as the document
    /// requires; never in an error message).
    pub password: String,
}

pub(crate) fn flag(b: bool) -> &'static str {
    if b { "1" } else { "0" }
}

impl Device {
    /// set-name: 1-32 characters of `A-Z a-z 0-9 space . _ - + '`.
    pub fn set_name(&self, name: &str) -> Result<Reply> {
        self.send(Method::SetName, &[("name", name)], None)
    }
    /// set-app-settings.
    pub fn set_app_settings(&self, enabled: bool) -> Result<Reply> {
        self.send(
            Method::SetAppSettings,
            &[("is-settings", flag(enabled))],
            None,
        )
    }
    /// set-app-passwd, in one of its three forms.
    pub fn set_app_passwd(&self, form: AppPassword<'_>) -> Result<Reply> {
        match form {
            AppPassword::Enable { new } => self.send_hiding(
                Method::SetAppPasswd,
                &[("is-pass", "1"), ("new-pass", &md5_hex(new))],
                &[new],
            ),
            AppPassword::Disable { old } => self.send_hiding(
                Method::SetAppPasswd,
                &[("is-pass", "0"), ("pass", &md5_hex(old))],
                &[old],
            ),
            AppPassword::Modify { old, new } => self.send_hiding(
                Method::SetAppPasswd,
                &[
                    ("is-pass", "1"),
                    ("pass", &md5_hex(old)),
                    ("new-pass", &md5_hex(new)),
                ],
                &[old, new],
            ),
        }
    }
    /// set-first-over: name the device and optionally set the pairing
    /// password (the URL parameter is `passwd`, as the document's example shows).
    pub fn set_first_over(&self, name: &str, password: Option<&str>) -> Result<Reply> {
        match password {
            Some(p) => self.send_hiding(
                Method::SetFirstOver,
                &[
                    ("name", name),
                    ("enable-passwd", "1"),
                    ("passwd", &md5_hex(p)),
                ],
                &[p],
            ),
            None => self.send(
                Method::SetFirstOver,
                &[("name", name), ("enable-passwd", "0")],
                None,
            ),
        }
    }
    /// set-rec-control.
    pub fn set_rec_control(&self, a: &RecControlArgs) -> Result<Reply> {
        self.send(
            Method::SetRecControl,
            &[
                ("usb-option", &a.usb_option.to_string()),
                ("sd-option", &a.sd_option.to_string()),
                ("mime-type", &a.mime_type.to_string()),
                ("root-folder", &a.root_folder),
                ("file-prefix", &a.file_prefix),
                ("time-unit", &a.time_unit.to_string()),
            ],
            None,
        )
    }
    /// set-softap.
    pub fn set_softap(&self, a: &SoftApArgs) -> Result<Reply> {
        self.send(
            Method::SetSoftap,
            &[
                ("is-softap", flag(a.is_softap)),
                ("is-visible", flag(a.is_visible)),
                ("softap-ssid", &a.ssid),
                ("softap-passwd", &a.password),
            ],
            None,
        )
    }
    /// set-date-time: `time` None means automatic time for the zone;
    /// Some("YYYY-MM-DD HH:MM:SS") sets it by hand.
    pub fn set_date_time(&self, timezone: &str, time: Option<&str>) -> Result<Reply> {
        match time {
            None => self.send(
                Method::SetDateTime,
                &[("timezone", timezone), ("is-auto", "1"), ("time", "")],
                None,
            ),
            Some(t) => self.send(
                Method::SetDateTime,
                &[("timezone", timezone), ("is-auto", "0"), ("time", t)],
                None,
            ),
        }
    }
    /// set-signal-lost-ctrl: stop recording when the input signal is lost.
    pub fn set_signal_lost_ctrl(&self, stop: bool) -> Result<Reply> {
        self.send(
            Method::SetSignalLostCtrl,
            &[("is-signal-lost", flag(stop))],
            None,
        )
    }
    /// set-startup-rec.
    pub fn set_startup_rec(&self, on: bool) -> Result<Reply> {
        self.send(Method::SetStartupRec, &[("is-startup-rec", flag(on))], None)
    }
    /// set-startup-live.
    pub fn set_startup_live(&self, on: bool) -> Result<Reply> {
        self.send(
            Method::SetStartupLive,
            &[("is-startup-live", flag(on))],
            None,
        )
    }
    /// set-ssdp: enable UPnP / SSDP.
    pub fn set_ssdp(&self, on: bool) -> Result<Reply> {
        self.send(Method::SetSsdp, &[("is-ssdp", flag(on))], None)
    }
    /// set-hdmi-rec-ctrl.
    pub fn set_hdmi_rec_ctrl(&self, on: bool) -> Result<Reply> {
        self.send(
            Method::SetHdmiRecCtrl,
            &[("is-hdmi-rec-ctrl", flag(on))],
            None,
        )
    }
}
