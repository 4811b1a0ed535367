//! Model layer (`model`): the get-settings reply (document section 2): the
//! device configuration, streams and servers included.

use super::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// get-settings' `softap` block: the Wi-Fi access point (set-softap).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct SoftAp {
    /// 1: the access point is on at boot.
    #[serde(deserialize_with = "lenient_i64")]
    pub is_softap: i64,
    /// 1: the SSID is broadcast; 0: hidden.
    #[serde(deserialize_with = "lenient_i64")]
    pub is_visible: i64,
    /// The access point's SSID.
    #[serde(deserialize_with = "lenient_string")]
    pub softap_ssid: String,
    /// The access point's password, in plain text as the device
    /// sends it (the library never logs it).
    #[serde(deserialize_with = "lenient_string")]
    pub softap_passwd: String,
}

/// get-settings' `date-time` block (set-date-time).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct DateTime {
    /// Time zone name ("Asia/Shanghai", "UTC").
    #[serde(deserialize_with = "lenient_string")]
    pub timezone: String,
    /// 1: the clock is set automatically; 0: by hand.
    #[serde(deserialize_with = "lenient_i64")]
    pub is_auto: i64,
}

/// get-settings' `rec-control` block: where and how recordings are written
/// (set-rec-control).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct RecControl {
    /// Container format (get-info `rec-control.file-ext`).
    #[serde(deserialize_with = "lenient_i64")]
    pub mime_type: i64,
    /// USB recording: 0 off, 1 normal.
    #[serde(deserialize_with = "lenient_i64")]
    pub usb_option: i64,
    /// SD recording: 0 off, 1 normal, 2 cycle.
    #[serde(deserialize_with = "lenient_i64")]
    pub sd_option: i64,
    /// Folder of the recordings (at most two levels, "REC_Folder").
    #[serde(deserialize_with = "lenient_string")]
    pub root_folder: String,
    /// File name prefix ("VID").
    #[serde(deserialize_with = "lenient_string")]
    pub file_prefix: String,
    /// File length in minutes; one file stays under 4 GB
    /// (err4GLimited, -33, otherwise).
    #[serde(deserialize_with = "lenient_i64")]
    pub time_unit: i64,
}

/// get-settings' `main-stream` and `sub-stream` blocks: one encoder's
/// settings (set-video; the ranges are in get-info's `codec-cap`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct VideoStream {
    /// 1: the device picks the settings; 0: the values below.
    #[serde(deserialize_with = "lenient_i64")]
    pub is_auto: i64,
    /// 0 H.264, 1 HEVC.
    #[serde(deserialize_with = "lenient_i64")]
    pub codec: i64,
    /// Width in pixels.
    #[serde(deserialize_with = "lenient_i64")]
    pub cx: i64,
    /// Height in pixels.
    #[serde(deserialize_with = "lenient_i64")]
    pub cy: i64,
    /// Frame interval in 100 ns units (166667 = 60 fps, 333333 = 30 fps).
    #[serde(deserialize_with = "lenient_i64")]
    pub duration: i64,
    /// Bitrate in kbit/s.
    #[serde(deserialize_with = "lenient_i64")]
    pub kbps: i64,
    /// Keyframe interval in seconds.
    #[serde(deserialize_with = "lenient_i64")]
    pub gop: i64,
    /// Reserved (0).
    #[serde(deserialize_with = "lenient_i64")]
    pub fourcc: i64,
    /// Encoding profile (get-info `codec-cap.profile` / `hevc-profile`).
    #[serde(deserialize_with = "lenient_i64")]
    pub profile: i64,
    /// Bitrate statistics window in seconds.
    #[serde(deserialize_with = "lenient_i64")]
    pub cbrstat: i64,
    /// Quantization range: 0 limited, 1 full.
    #[serde(deserialize_with = "lenient_i64")]
    pub fullrange: i64,
}

/// get-settings' `audio` block: the audio encoder (set-audio).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct Audio {
    /// Sample rate in Hz (48000).
    #[serde(deserialize_with = "lenient_i64")]
    pub sample_rate: i64,
    /// Number of channels (2).
    #[serde(deserialize_with = "lenient_i64")]
    pub channels: i64,
    /// Bitrate in kbit/s (128).
    #[serde(deserialize_with = "lenient_i64")]
    pub kbps: i64,
}

/// get-settings' `eth` block: the Ethernet configuration (set-eth).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct EthSettings {
    /// 1: the address comes from DHCP; 0: the values below.
    #[serde(deserialize_with = "lenient_i64")]
    pub is_dhcp: i64,
    /// Static IP address ("" with DHCP).
    #[serde(deserialize_with = "lenient_string")]
    pub ip: String,
    /// Static subnet mask.
    #[serde(deserialize_with = "lenient_string")]
    pub mask: String,
    /// Static gateway.
    #[serde(deserialize_with = "lenient_string")]
    pub router: String,
    /// Static DNS server.
    #[serde(deserialize_with = "lenient_string")]
    pub dns: String,
}

/// get-settings' `video-color` block.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct VideoColor {
    /// Contrast (100 in the document's example).
    #[serde(deserialize_with = "lenient_i64")]
    pub contrast: i64,
    /// Brightness (0 in the document's example).
    #[serde(deserialize_with = "lenient_i64")]
    pub brightness: i64,
    /// Saturation (100 in the document's example).
    #[serde(deserialize_with = "lenient_i64")]
    pub saturation: i64,
    /// Hue (0 in the document's example).
    #[serde(deserialize_with = "lenient_i64")]
    pub hue: i64,
}

/// get-settings' `volume` block (gains in dB; the document's ranges,
/// get-info `audio-range`, have fractions such as 55.25).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct Volume {
    /// 1: the microphone input is on.
    #[serde(deserialize_with = "lenient_i64")]
    pub is_mic: i64,
    /// Microphone gain, dB.
    #[serde(deserialize_with = "lenient_f64")]
    pub mic_gain: f64,
    /// 1: the embedded (HDMI / SDI) audio is on.
    #[serde(deserialize_with = "lenient_i64")]
    pub is_spi: i64,
    /// Embedded audio gain, dB.
    #[serde(deserialize_with = "lenient_f64")]
    pub spi_gain: f64,
    /// 1: the headphone output is on.
    #[serde(deserialize_with = "lenient_i64")]
    pub is_phone: i64,
    /// Headphone gain, dB.
    #[serde(deserialize_with = "lenient_f64")]
    pub phone_gain: f64,
}

impl Settings {
    /// `video-color` as a typed view (the field itself stays raw JSON).
    pub fn video_color_view(&self) -> VideoColor {
        VideoColor::deserialize(&self.video_color).unwrap_or_default()
    }
    /// `volume` as a typed view (the field itself stays raw JSON).
    pub fn volume_view(&self) -> Volume {
        Volume::deserialize(&self.volume).unwrap_or_default()
    }
}

/// One entry of get-settings' `stream-server` list.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct StreamServer {
    /// The server's id (enable-server, set-server, del-server take it).
    #[serde(deserialize_with = "lenient_i64")]
    pub id: i64,
    /// `type`: 0 RTMP, 1 Twitch, 2 YouTube, 3 Facebook.
    #[serde(rename = "type", deserialize_with = "lenient_i64")]
    pub kind: i64,
    /// The server's name.
    #[serde(deserialize_with = "lenient_string")]
    pub name: String,
    /// The server's address.
    #[serde(deserialize_with = "lenient_string")]
    pub url: String,
    /// The stream key (a secret: the library never logs it).
    #[serde(deserialize_with = "lenient_string")]
    pub key: String,
    /// 1: the server needs `user` and `passwd`.
    #[serde(deserialize_with = "lenient_i64")]
    pub is_auth: i64,
    /// User name at the server.
    #[serde(deserialize_with = "lenient_string")]
    pub user: String,
    /// Password at the server (a secret: never logged).
    #[serde(deserialize_with = "lenient_string")]
    pub passwd: String,
    /// 1: enabled (at most 2 at once).
    #[serde(deserialize_with = "lenient_i64")]
    pub is_use: i64,
    /// Token (a secret: never logged).
    #[serde(deserialize_with = "lenient_string")]
    pub token: String,
    /// Network tried first: 0 mobile, 1 Ethernet, 2 Wi-Fi.
    #[serde(deserialize_with = "lenient_i64")]
    pub net_mode: i64,
}

/// Reply of get-settings.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct Settings {
    /// The result code (0 success; see `model::codes`).
    #[serde(deserialize_with = "lenient_i64")]
    pub result: i64,
    /// The device's name.
    #[serde(deserialize_with = "lenient_string")]
    pub name: String,
    /// 1: the mobile app needs a pairing password.
    #[serde(deserialize_with = "lenient_i64")]
    pub passwd: i64,
    /// 1: settings may be changed from the mobile app.
    #[serde(deserialize_with = "lenient_i64")]
    pub is_settings: i64,
    /// 1: UPnP (SSDP) discovery is on.
    #[serde(deserialize_with = "lenient_i64")]
    pub is_ssdp: i64,
    /// 1: recording and streaming start at boot (older firmware;
    /// see `is_startup_rec` / `is_startup_live`).
    #[serde(deserialize_with = "lenient_i64")]
    pub is_startup: i64,
    /// 1: recording starts at boot.
    #[serde(deserialize_with = "lenient_i64")]
    pub is_startup_rec: i64,
    /// 1: live streaming starts at boot.
    #[serde(deserialize_with = "lenient_i64")]
    pub is_startup_live: i64,
    /// 1: recording and streaming stop when the input signal is lost.
    #[serde(deserialize_with = "lenient_i64")]
    pub is_signal_lost: i64,
    /// 1: a camera may start and stop recording through the HDMI signal.
    #[serde(deserialize_with = "lenient_i64")]
    pub is_hdmi_rec_ctrl: i64,
    /// The Wi-Fi access point.
    #[serde(deserialize_with = "lenient_struct")]
    pub softap: SoftAp,
    /// Time zone and clock.
    #[serde(deserialize_with = "lenient_struct")]
    pub date_time: DateTime,
    /// Recording settings.
    #[serde(deserialize_with = "lenient_struct")]
    pub rec_control: RecControl,
    /// Picture adjustments, raw (typed: `video_color_view`).
    pub video_color: Value,
    /// Audio gains, raw (typed: `volume_view`).
    pub volume: Value,
    /// Stream recorded: 0 main, 1 sub.
    #[serde(deserialize_with = "lenient_i64")]
    pub rec_stream: i64,
    /// Stream sent live: 0 main, 1 sub.
    #[serde(deserialize_with = "lenient_i64")]
    pub live_stream: i64,
    /// Stream the mobile app previews: 0 main, 1 sub.
    #[serde(deserialize_with = "lenient_i64")]
    pub mws_stream: i64,
    /// Main stream encoder.
    #[serde(deserialize_with = "lenient_struct")]
    pub main_stream: VideoStream,
    /// Sub stream encoder.
    #[serde(deserialize_with = "lenient_struct")]
    pub sub_stream: VideoStream,
    /// Audio encoder.
    #[serde(deserialize_with = "lenient_struct")]
    pub audio: Audio,
    /// Ethernet configuration.
    #[serde(deserialize_with = "lenient_struct")]
    pub eth: EthSettings,
    /// The streaming servers.
    #[serde(deserialize_with = "lenient_vec")]
    pub stream_server: Vec<StreamServer>,
}
