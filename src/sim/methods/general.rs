//! Simulator layer (`sim`): the general settings' methods (document section 3),
//! as the simulated device carries them out.

use super::*;

impl Device {
    /// Carry out one of section 3's methods (`dispatch` routes here).
    pub(super) fn general(&mut self, m: &str, p: &P<'_>) -> R {
        let now = self.t;
        match m {
            "set-name" => {
                let name = p.req_str("name")?;
                if !rules::is_name(name) {
                    return Err(ERR_STRING);
                }
                self.cfg.name = name.to_string();
                ok()
            }
            "set-app-settings" => {
                self.cfg.is_settings = p.req_flag("is-settings")?;
                ok()
            }
            "set-app-passwd" => self.set_app_passwd(p),
            "set-first-over" => {
                let name = p.req_str("name")?;
                let enable = p.req_flag("enable-passwd")?;
                let pass = match p.md5("passwd")? {
                    Some(v) => Some(v),
                    None => p.md5("pass")?,
                };
                if enable == 1 && pass.is_none() {
                    return Err(ERR_PARAM);
                }
                if !rules::is_name(name) {
                    return Err(ERR_STRING);
                }
                self.cfg.name = name.to_string();
                self.cfg.app_pass = if enable == 1 { pass } else { None };
                self.first_boot = false;
                ok()
            }
            "set-rec-control" => {
                let usb = p.req_choice("usb-option", &[0, 1])?;
                let sd = p.req_choice("sd-option", &[0, 1, 2])?;
                let mime = p
                    .choice("mime-type", &[0, 1])?
                    .unwrap_or(self.cfg.mime_type);
                let unit = p.req_choice("time-unit", TIME_UNITS)?;
                let folder = p.req_str("root-folder")?;
                let prefix = p.req_str("file-prefix")?;
                if !rules::is_folder(folder) || !rules::is_prefix(prefix) {
                    return Err(ERR_STRING);
                }
                if file_bytes(unit, self.cfg.rec_kbps()) > FILE_LIMIT_BYTES {
                    return Err(ERR_4G_LIMITED);
                }
                let c = &mut self.cfg;
                (c.usb_option, c.sd_option, c.mime_type, c.time_unit) = (usb, sd, mime, unit);
                c.root_folder = folder.to_string();
                c.file_prefix = prefix.to_string();
                ok()
            }
            "set-softap" => {
                let on = p.req_flag("is-softap")?;
                let visible = p.req_flag("is-visible")?;
                let ssid = p.req_str("softap-ssid")?;
                let pass = p.req_str("softap-passwd")?;
                if !rules::is_ssid(ssid) || !rules::is_ssid(pass) {
                    return Err(ERR_STRING);
                }
                let c = &mut self.cfg;
                (c.is_softap, c.is_visible) = (on, visible);
                c.softap_ssid = ssid.to_string();
                c.softap_passwd = pass.to_string();
                self.softap_active = on == 1;
                ok()
            }
            "set-date-time" => {
                let tz = p.req_str("timezone")?;
                if !crate::model::timezones::is_valid(tz) {
                    return Err(ERR_PARAM);
                }
                let auto = p.req_flag("is-auto")?;
                let offset = if auto == 1 {
                    0
                } else {
                    let (y, mo, d, h, mi, s) =
                        rules::parse_date_time(p.req_str("time")?).ok_or(ERR_PARAM)?;
                    let secs =
                        rules::days_from_civil(y, mo, d) * 86400 + (h * 3600 + mi * 60 + s) as i64;
                    secs.saturating_mul(1000).saturating_sub(
                        self.epoch_ms
                            .saturating_add(i64::try_from(now).unwrap_or(i64::MAX)),
                    )
                };
                self.cfg.timezone = tz.to_string();
                self.cfg.is_auto_time = auto;
                self.time_offset_ms = offset;
                ok()
            }
            "set-signal-lost-ctrl" => {
                self.cfg.is_signal_lost = p.req_flag("is-signal-lost")?;
                ok()
            }
            "set-startup-rec" => {
                self.cfg.is_startup_rec = p.req_flag("is-startup-rec")?;
                ok()
            }
            "set-startup-live" => {
                self.cfg.is_startup_live = p.req_flag("is-startup-live")?;
                ok()
            }
            "set-ssdp" => {
                self.cfg.is_ssdp = p.req_flag("is-ssdp")?;
                ok()
            }
            "set-hdmi-rec-ctrl" => {
                self.cfg.is_hdmi_rec_ctrl = p.req_flag("is-hdmi-rec-ctrl")?;
                ok()
            }
            _ => Err(ERR_PARAM),
        }
    }

    fn set_app_passwd(&mut self, p: &P<'_>) -> R {
        let on = p.req_flag("is-pass")?;
        let old = p.md5("pass")?;
        let new = p.md5("new-pass")?;
        if on == 1 {
            let new = new.ok_or(ERR_PARAM)?;
            // Modify: the old password must match.
            if let (Some(old), Some(cur)) = (&old, &self.cfg.app_pass) {
                if old != cur {
                    return Err(ERR_PASSWD);
                }
            }
            self.cfg.app_pass = Some(new);
        } else {
            if let Some(cur) = &self.cfg.app_pass {
                let old = old.ok_or(ERR_PARAM)?;
                if &old != cur {
                    return Err(ERR_PASSWD);
                }
            }
            self.cfg.app_pass = None;
        }
        ok()
    }
}
