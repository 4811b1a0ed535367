//! Simulator layer (`sim`): what the device reports: the status mask and
//! the get-status, get-settings and get-info JSON.

use super::*;

fn jitter(bps: u64, t: u64) -> u64 {
    // ±2 %, deterministic in time.
    let wobble = ((t / 1000).wrapping_mul(7919) % 41) as i64 - 20;
    (bps as i64 + bps as i64 * wobble / 1000).max(0) as u64
}

impl Device {
    // ---------------------------------------------------------------
    // Status

    pub fn cur_status(&self) -> u32 {
        let mut m = 0;
        let flag = |c: bool, bit: u32| if c { bit } else { 0 };
        m |= flag(self.first_boot, STATUS_FIRST);
        m |= flag(self.rec.is_some(), STATUS_RECORD);
        m |= flag(self.live.is_some(), STATUS_LIVING);
        m |= flag(self.usb.recordable(), STATUS_DISK_READY);
        m |= flag(
            self.cfg.enabled_servers().next().is_some(),
            STATUS_RTMP_READY,
        );
        m |= flag(self.softap_active, STATUS_SOFTAP);
        m |= flag(self.disk_test.running, STATUS_DISK_TEST);
        m |= flag(self.update_in_progress(), STATUS_UPGRADE);
        m |= flag(self.living_test.running, STATUS_NET_TEST);
        m |= flag(self.cfg.app_pass.is_some(), STATUS_PASSWD);
        m |= flag(self.sessions.len() >= MAX_SESSIONS, STATUS_OCCUPIED);
        m |= flag(
            self.format.running
                && (self.format_disk == DiskKind::Usb || self.readings.sd_format_flag),
            STATUS_FORMAT_DISK,
        );
        m |= flag(self.check.running, STATUS_CHECK_UPGRADE);
        m |= flag(
            matches!(
                self.power,
                Power::Stopping {
                    kind: PowerKind::Reset,
                    ..
                }
            ),
            STATUS_RESET,
        );
        m |= flag(
            matches!(
                self.power,
                Power::Stopping {
                    kind: PowerKind::Reboot,
                    ..
                }
            ),
            STATUS_REBOOT,
        );
        // Down, the restart flag (seen only in the "busy" reading).
        m |= match self.power {
            Power::Down {
                kind: PowerKind::Reset,
                ..
            } => STATUS_RESET,
            Power::Down { .. } => STATUS_REBOOT,
            _ => 0,
        };
        m
    }

    fn disk_json(&self, d: &Disk) -> Value {
        let begin_key = if d.kind == DiskKind::Usb {
            "beign-time"
        } else {
            "begin-time"
        };
        if !d.present {
            return json!({
                "disk-status": 0, "total-size": 0, "used-size": 0, "free-size": 0, "block-size": 0, "usage": 0,
                "sys-path": "", "fs-type": "", "mount-path": "", "fs-label": "", "write-bps": 0, "read-bps": 0,
                "free-sec": 0, "file-count": 0, begin_key: "", "end-time": "", "total-cache-time": 0
            });
        }
        let rate = required_bytes_per_sec(self.cfg.rec_kbps()).max(1);
        let begin = d.files.iter().map(|f| f.create_unix).min();
        let end = d
            .files
            .iter()
            .map(|f| f.create_unix + (f.duration_ms / 1000) as i64)
            .max();
        let fmt = |v: Option<i64>| v.map(crate::sim::rules::format_unix).unwrap_or_default();
        json!({
            "disk-status": d.status(),
            "total-size": d.total,
            "used-size": d.used().min(d.total),
            "free-size": d.free(),
            "block-size": if d.kind == DiskKind::Usb { 32768 } else { 16384 },
            "usage": (d.used().min(d.total) * 100).checked_div(d.total).unwrap_or(0),
            "sys-path": if d.kind == DiskKind::Usb { "/dev/sda1" } else { "/dev/mmcblk1p1" },
            "fs-type": "vfat",
            "mount-path": d.mount_path(),
            "fs-label": d.fs_label,
            "write-bps": d.write_bps,
            "read-bps": 0,
            "free-sec": d.free() / rate,
            "file-count": d.files.len(),
            begin_key: fmt(begin),
            "end-time": fmt(end),
            "total-cache-time": 0
        })
    }

    pub fn status_json(&self) -> Value {
        let t = self.t;
        // Bit rates are kept in bits/s; the reading chooses what is shown.
        let unit = |bits: u64| match self.readings.bps_unit {
            crate::sim::BpsUnit::Bits => bits,
            crate::sim::BpsUnit::Bytes => bits / 8,
        };
        let rec = match &self.rec {
            Some(r) => {
                let run = t.saturating_sub(r.start);
                json!({"result": RET_RUNNING, "run-ms": run, "cur-bps": unit(jitter(r.bps, t)),
                       "avg-bps": if run == 0 { 0 } else { unit((r.bytes as u128 * 8000 / run as u128) as u64) }, "client-id": ""})
            }
            None => json!({"result": 0, "run-ms": 0, "cur-bps": 0, "avg-bps": 0, "client-id": ""}),
        };
        let live = match &self.live {
            Some(l) => {
                let run = t.saturating_sub(l.start);
                let state = if run < LIVE_CONNECT_MS {
                    RET_LIVING_CONNECTING
                } else {
                    RET_LIVING_CONNECTED
                };
                let bps = if run < LIVE_CONNECT_MS {
                    0
                } else {
                    jitter(l.bps, t)
                };
                let avg = if run <= LIVE_CONNECT_MS {
                    0
                } else {
                    (l.bps as u128 * (run - LIVE_CONNECT_MS) as u128 / run as u128) as u64
                };
                let first = l.servers.first();
                let second = l.servers.get(1);
                json!({"result": state, "run-ms": run, "cur-bps": unit(bps), "avg-bps": unit(avg),
                       "net": first.map_or(0, |s| s.1),
                       "result2": if second.is_some() { state } else { 0 },
                       "cur-bps2": if second.is_some() { unit(jitter(l.bps, t + 500) * (bps > 0) as u64) } else { 0 },
                       "net2": second.map_or(0, |s| s.1), "client-id": ""})
            }
            None => json!({"result": 0, "run-ms": 0, "cur-bps": 0, "avg-bps": 0, "net": 0,
                           "result2": 0, "cur-bps2": 0, "net2": 0, "client-id": ""}),
        };
        let signal = if self.signal {
            json!({"status": 1, "cx": 1920, "cy": 1080, "interlaced": 0, "frame-rate": 60.0, "channel-valid": 2,
                   "is-lpcm": 1, "bits-per-sample": 16, "sample-rate": 48000})
        } else {
            json!({"status": 0, "cx": 0, "cy": 0, "interlaced": 0, "frame-rate": 0.0, "channel-valid": 0,
                   "is-lpcm": 0, "bits-per-sample": 0, "sample-rate": 0})
        };
        let wifi = if self.softap_active {
            json!({"name": self.cfg.softap_ssid, "level": 0, "ip": "192.168.48.1", "mask": "255.255.255.0",
                   "router": "192.168.48.1", "dns": "192.168.48.1"})
        } else if self.wifi_connected {
            json!({"name": "MWL1", "level": 0, "ip": "192.168.8.249", "mask": "255.255.255.0",
                   "router": "192.168.8.1", "dns": "192.168.8.1"})
        } else {
            json!({"name": "", "level": 0, "ip": "", "mask": "", "router": "", "dns": ""})
        };
        let upgrade = match &self.upgrade_found {
            Some(v) => json!({"ver": v, "date": "2019-10-08 00:00:00", "size-byte": 12004784,
                              "info": [{"version": v, "changelog": "## Simulated release. ## Bug fixes."}]}),
            None => json!({"ver": "", "date": "", "size-byte": 0, "info": []}),
        };
        json!({
            "result": 0,
            "cur-status": self.cur_status(),
            "last-rec-status": self.last_rec_status,
            "cur-time": crate::sim::rules::format_unix(self.unix_secs_at(t)),
            "box-name": self.cfg.name,
            "lock-user": [],
            "rec-status": rec,
            "live-status": live,
            "upgrade-status": {"step": self.update.step, "percent": self.update.op.percent, "result": self.update.op.result,
                               "client-id": "", "mode": self.update.mode},
            "format-status": {"percent": self.format.percent, "result": self.format.result, "client-id": ""},
            "disk-test": {"read-bps": 0,
                          "write-bps": if self.disk_test.running || self.disk_test.result != RET_INIT { self.disk_test_bps } else { 0 },
                          "percent": self.disk_test.percent, "result": self.disk_test.result, "client-id": ""},
            "living-test": {"upload-bps": if self.living_test.running { jitter(6_291_456, t) } else { 0 },
                            "percent": self.living_test.percent, "result": self.living_test.result,
                            "net": self.living_test_net, "client-id": ""},
            "check-upgrade": {"result": self.check.result, "percent": self.check.percent, "client-id": ""},
            "input-signal": signal,
            "usb": self.disk_json(&self.usb),
            "sd": self.disk_json(&self.sd),
            "wifi": wifi,
            "eth": self.eth_json(),
            "mobile": {"ip": "", "mask": "", "router": "", "dns": ""},
            "upgrade": upgrade,
            "downgrade": {"ver": "", "date": "", "size-byte": 0, "info": []}
        })
    }

    fn eth_json(&self) -> Value {
        if self.cfg.eth_dhcp == 1 {
            json!({"ip": "10.10.107.212", "mask": "255.255.0.0", "router": "10.10.0.1", "dns": "10.0.0.3"})
        } else {
            json!({"ip": self.cfg.eth_ip, "mask": self.cfg.eth_mask, "router": self.cfg.eth_router, "dns": self.cfg.eth_dns})
        }
    }

    pub fn eth_ip(&self) -> String {
        if self.cfg.eth_dhcp == 1 {
            "10.10.107.212".into()
        } else {
            self.cfg.eth_ip.clone()
        }
    }

    pub fn wifi_ip(&self) -> String {
        if self.softap_active {
            "192.168.48.1".into()
        } else if self.wifi_connected {
            "192.168.8.249".into()
        } else {
            String::new()
        }
    }

    pub fn settings_json(&self) -> Value {
        let c = &self.cfg;
        let video = |v: &Video, main: bool| {
            let mut o = json!({"cx": v.cx, "cy": v.cy, "duration": v.duration, "kbps": v.kbps, "gop": v.gop,
                               "fourcc": v.fourcc, "profile": v.profile, "cbrstat": v.cbrstat, "fullrange": v.fullrange});
            if main {
                o["is-auto"] = json!(v.is_auto);
                o["codec"] = json!(v.codec);
            }
            o
        };
        let servers: Vec<Value> = c
            .servers
            .iter()
            .map(|s| {
                json!({"id": s.id, "type": s.kind, "url": s.url, "key": s.key, "is-auth": s.is_auth, "user": s.user,
                       "passwd": s.passwd, "is-use": s.is_use, "token": s.token, "net-mode": s.net_mode, "name": s.name})
            })
            .collect();
        json!({
            "result": 0,
            "name": c.name,
            "passwd": c.app_pass.is_some() as i64,
            "is-settings": c.is_settings,
            "is-ssdp": c.is_ssdp,
            "is-startup": (c.is_startup_rec == 1 || c.is_startup_live == 1) as i64,
            "is-startup-rec": c.is_startup_rec,
            "is-startup-live": c.is_startup_live,
            "is-signal-lost": c.is_signal_lost,
            "is-hdmi-rec-ctrl": c.is_hdmi_rec_ctrl,
            "softap": {"is-softap": c.is_softap, "is-visible": c.is_visible, "softap-ssid": c.softap_ssid,
                       "softap-passwd": c.softap_passwd},
            "date-time": {"timezone": c.timezone, "is-auto": c.is_auto_time},
            "rec-control": {"mime-type": c.mime_type, "usb-option": c.usb_option, "sd-option": c.sd_option,
                            "root-folder": c.root_folder, "file-prefix": c.file_prefix, "time-unit": c.time_unit},
            "video-color": {"contrast": 100, "brightness": 0, "saturation": 100, "hue": 0},
            "volume": {"is-mic": 1, "mic-gain": 0, "is-spi": 1, "spi-gain": 0, "is-phone": 1, "phone-gain": 0},
            "rec-stream": c.rec_stream,
            "live-stream": c.live_stream,
            "mws-stream": c.mws_stream,
            "main-stream": video(&c.main, true),
            "sub-stream": video(&c.sub, false),
            "audio": {"sample-rate": 48000, "channels": 2, "kbps": c.audio_kbps},
            "eth": {"is-dhcp": c.eth_dhcp, "ip": c.eth_ip, "mask": c.eth_mask, "router": c.eth_router, "dns": c.eth_dns},
            "stream-server": servers
        })
    }

    pub fn info_json(&self) -> Value {
        let caps: Value = serde_json::from_str(CAPS_JSON).unwrap_or(Value::Null);
        // MAC addresses derived from the serial, so each device differs.
        let h = self
            .serial
            .bytes()
            .fold(0u32, |a, b| a.wrapping_mul(31).wrapping_add(b as u32));
        let mac = |last: u32| {
            format!(
                "70:b3:d5:{:02x}:{:02x}:{:02x}",
                (h >> 16) & 0xff,
                (h >> 8) & 0xff,
                (h.wrapping_add(last)) & 0xff
            )
        };
        let (module, product_id) = match self.model {
            Model::Hdmi => ("Ultra Stream HDMI", 769),
            Model::Sdi => ("Ultra Stream SDI", 770),
        };
        json!({
            "result": 0,
            "mac-addr": {"eth": mac(0), "wifi": mac(1), "blue": mac(2)},
            "snapshot": "/tmp/sbox-snapshot/sbox-quarter.jpg",
            "product": {"sn": self.serial, "product-id": product_id, "hardware-ver": hardware_of(self.model),
                        "firmware-id": 0, "firmware-ver-s": self.firmware, "factory-firmware-ver-s": FACTORY_FIRMWARE,
                        "product-name": "Ultra Stream", "module-name": module, "manu-name": "MAGEWELL",
                        "features": 1, "max-lock-count": MAX_SESSIONS},
            "audio-range": {"hdmi": {"max": 6.0, "min": -100.0, "def": 0.0},
                            "mic": {"max": 55.25, "min": -12.0, "def": 0.0},
                            "phone": {"max": 6.0, "min": -57.0, "def": 0.0}},
            "codec-cap": caps["codec-cap"],
            "rec-control": caps["rec-control"]
        })
    }
}
