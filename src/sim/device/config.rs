//! Simulator layer (`sim`): the device configuration, what get-settings
//! shows (streams, servers, users and the rest), with its defaults.

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Video {
    pub is_auto: i64,
    pub codec: i64,
    pub cx: i64,
    pub cy: i64,
    pub duration: i64,
    pub kbps: i64,
    pub gop: i64,
    pub fourcc: i64,
    pub profile: i64,
    pub cbrstat: i64,
    pub fullrange: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Server {
    pub id: i64,
    pub kind: i64,
    pub url: String,
    pub key: String,
    pub is_auth: i64,
    pub user: String,
    pub passwd: String,
    pub is_use: i64,
    pub token: String,
    pub net_mode: i64,
    pub name: String,
}

pub(crate) const FACEBOOK: i64 = 3;

#[derive(Debug, Clone)]
pub(crate) struct User {
    pub id: String,
    pub pass_md5: String,
    /// 1 administrator, 2 general user.
    pub kind: i64,
}

/// Everything reset-all-settings restores.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub name: String,
    pub app_pass: Option<String>,
    pub is_settings: i64,
    pub is_ssdp: i64,
    pub is_startup_rec: i64,
    pub is_startup_live: i64,
    pub is_signal_lost: i64,
    pub is_hdmi_rec_ctrl: i64,
    pub is_softap: i64,
    pub is_visible: i64,
    pub softap_ssid: String,
    pub softap_passwd: String,
    pub timezone: String,
    pub is_auto_time: i64,
    pub mime_type: i64,
    pub usb_option: i64,
    pub sd_option: i64,
    pub root_folder: String,
    pub file_prefix: String,
    pub time_unit: i64,
    pub rec_stream: i64,
    pub live_stream: i64,
    pub mws_stream: i64,
    pub main: Video,
    pub sub: Video,
    pub audio_kbps: i64,
    pub eth_dhcp: i64,
    pub eth_ip: String,
    pub eth_mask: String,
    pub eth_router: String,
    pub eth_dns: String,
    pub servers: Vec<Server>,
    pub next_server_id: i64,
    pub users: Vec<User>,
}

impl Config {
    /// The document's example get-settings, for this serial number.
    pub fn defaults(serial: &str, user: &str, pass_md5: &str) -> Config {
        let tail: String = serial
            .chars()
            .rev()
            .take(8)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        Config {
            name: format!("Ultra Stream {serial}"),
            app_pass: Some(pass_md5.to_string()),
            is_settings: 0,
            is_ssdp: 1,
            is_startup_rec: 1,
            is_startup_live: 1,
            is_signal_lost: 0,
            is_hdmi_rec_ctrl: 0,
            is_softap: 1,
            is_visible: 1,
            softap_ssid: serial.to_string(),
            softap_passwd: tail,
            timezone: "UTC".into(),
            is_auto_time: 1,
            mime_type: 0,
            usb_option: 1,
            sd_option: 1,
            root_folder: "REC_Folder".into(),
            file_prefix: "VID".into(),
            time_unit: 5,
            rec_stream: 0,
            live_stream: 0,
            mws_stream: 1,
            main: Video {
                is_auto: 0,
                codec: 0,
                cx: 1920,
                cy: 1080,
                duration: 166667,
                kbps: 4096,
                gop: 1,
                fourcc: 0,
                profile: 2,
                cbrstat: 60,
                fullrange: 0,
            },
            sub: Video {
                is_auto: 0,
                codec: 0,
                cx: 1024,
                cy: 768,
                duration: 333333,
                kbps: 1024,
                gop: 1,
                fourcc: 0,
                profile: 2,
                cbrstat: 60,
                fullrange: 1,
            },
            audio_kbps: 128,
            eth_dhcp: 1,
            eth_ip: String::new(),
            eth_mask: String::new(),
            eth_router: String::new(),
            eth_dns: String::new(),
            servers: vec![Server {
                id: 0,
                kind: 0,
                url: "192.168.1.123:345/live".into(),
                key: "aa".into(),
                is_auth: 0,
                user: String::new(),
                passwd: String::new(),
                is_use: 0,
                token: String::new(),
                net_mode: 1,
                name: "192.168.1.123".into(),
            }],
            next_server_id: 1,
            users: vec![User {
                id: user.to_string(),
                pass_md5: pass_md5.to_string(),
                kind: 1,
            }],
        }
    }

    pub fn stream(&self, which: i64) -> &Video {
        if which == 1 { &self.sub } else { &self.main }
    }
    /// Recording bit rate in kbps (video of the recorded stream + audio).
    pub fn rec_kbps(&self) -> i64 {
        self.stream(self.rec_stream).kbps + self.audio_kbps
    }
    pub fn live_kbps(&self) -> i64 {
        self.stream(self.live_stream).kbps + self.audio_kbps
    }
    pub fn enabled_servers(&self) -> impl Iterator<Item = &Server> {
        self.servers.iter().filter(|s| s.is_use == 1)
    }
}
