//! Structs for what control software reads, so a C program needs no JSON
//! parser: device information, settings, stream servers (with their live
//! state), a page of media files, and users.
//!
//! Strings are fixed-size, NUL-terminated `char` arrays inside the structs:
//! the caller owns all the storage and frees nothing. Each array's size
//! comes from the document's rule for that value where it has one (names,
//! SSIDs: 1 to 32 characters), from the library's own argument rule where
//! the document has none (URL 512 bytes, user 32), and otherwise from the
//! value's format (MAC and IP text) or a generous choice, said per field.
//!
//! Truncation is never silent: a device string that does not fit its field
//! fails the whole call with USAPI_E_TRUNCATED, and `usapi_last_error()`
//! names the field, its length and the room there is (the JSON function of
//! the same method still gives the whole value). A string with a NUL byte
//! inside, which C would read cut short, fails with USAPI_E_BAD_REPLY; so
//! does a number outside an `int32_t` field's range.
//!
//! Arrays are filled into caller storage: `out` with room for `capacity`
//! entries and `*out_count`. When the device has more than `capacity`
//! entries the call returns USAPI_E_BUFFER_TOO_SMALL, fills the first
//! `capacity` entries and sets `*out_count` to the number needed; `out` may
//! be NULL when `capacity` is 0 (to ask for the count).
//!
//! On success the functions return the device's result (>= 0). On any
//! other failure nothing is written to the out arguments.

use super::device::{DEVICES, usapi_device};
use super::methods::{server_args, usapi_server};
use super::{Failure, FfiResult, guard, out_arg, ref_arg, str_arg, write_string};
use crate::client::Error;
use crate::model::codes;
use crate::model::servers::ServerInfo;
use crate::model::{
    Audio, DateTime, EthSettings, Info, MacAddr, MediaFile, MediaFiles, Product, RecControl,
    Settings, SoftAp, User, Users, VideoColor, VideoStream, Volume,
};
use std::ffi::c_char;

// Sizes of the string fields: the array length, NUL included.

/// Names of the device and of stream servers: the document's 1 to 32 characters.
pub const USAPI_NAME_SIZE: usize = 33;
/// Stream server URL: the library's add-server rule (1 to 512 bytes; the document gives no limit).
pub const USAPI_URL_SIZE: usize = 513;
/// MAC address text "70:b3:d5:75:d5:fc": 17 characters.
pub const USAPI_MAC_SIZE: usize = 18;
/// IP address text: INET6_ADDRSTRLEN (46), so IPv6 text fits too.
pub const USAPI_IP_SIZE: usize = 46;
/// Short device strings (serial number, versions): no limit in the
/// document; the values it shows have at most 13 characters.
pub const USAPI_SHORT_SIZE: usize = 33;
/// Product, module and manufacturer names: no limit in the document; its
/// longest is "Ultra Stream HDMI" (17).
pub const USAPI_LABEL_SIZE: usize = 65;
/// Paths on the device: no limit in the document; 256 bytes.
pub const USAPI_PATH_SIZE: usize = 257;
/// File names on the device's disks: NAME_MAX (255) of its Linux file systems.
pub const USAPI_FILE_NAME_SIZE: usize = 256;
/// Time zones: the longest name of the document's list, "America/Argentina/ComodRivadavia" (32).
pub const USAPI_TIMEZONE_SIZE: usize = 33;
/// Recording folder: at most two levels of 1 to 32 characters, "a/b" (65).
pub const USAPI_FOLDER_SIZE: usize = 66;
/// Date-time text "2019-09-25 06:35:21" is 19 characters; room for 32.
pub const USAPI_TIME_SIZE: usize = 33;

/// A zeroed struct: every field of the structs here is an integer, a float
/// or an array of them, for which all-zero bytes are valid.
fn zeroed<T: Copy>() -> T {
    // SAFETY: only instantiated with the plain-data #[repr(C)] structs of this file.
    unsafe { std::mem::zeroed() }
}

/// Copy `src` into `dst` with its NUL, or fail: never cut.
fn put<const N: usize>(dst: &mut [c_char; N], src: &str, field: &str) -> Result<(), Error> {
    let bytes = src.as_bytes();
    if bytes.len() >= N {
        return Err(Error::Truncated {
            field: field.to_string(),
            len: bytes.len(),
            cap: N - 1,
        });
    }
    if bytes.contains(&0) {
        return Err(Error::BadReply {
            method: field.to_string(),
            detail: format!(
                "'{field}' contains a NUL byte, so C would read it cut short; read it from the JSON function instead"
            ),
        });
    }
    for (d, s) in dst.iter_mut().zip(bytes) {
        *d = *s as c_char;
    }
    dst[bytes.len()] = 0;
    Ok(())
}

/// An `int32_t` field, or a failure naming it.
fn int(v: i64, field: &str) -> Result<i32, Error> {
    i32::try_from(v).map_err(|_| Error::BadReply {
        method: field.to_string(),
        detail: format!(
            "'{field}' is {v}, outside the int32_t range of its struct field; read it from the JSON function instead"
        ),
    })
}

// ---------------------------------------------------------------- get-info

/// get-info `product`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct usapi_product {
    /// `sn`: serial number ("C301181214002"); USAPI_SHORT_SIZE (no limit in the document).
    pub sn: [c_char; USAPI_SHORT_SIZE],
    /// `product-id` (769 Ultra Stream HDMI).
    pub product_id: i32,
    /// `hardware-ver` ("C"); USAPI_SHORT_SIZE.
    pub hardware_ver: [c_char; USAPI_SHORT_SIZE],
    /// `firmware-id`.
    pub firmware_id: i32,
    /// `firmware-ver-s`: the running firmware ("1.2.122"); USAPI_SHORT_SIZE.
    pub firmware_ver_s: [c_char; USAPI_SHORT_SIZE],
    /// `factory-firmware-ver-s`: the factory firmware; USAPI_SHORT_SIZE.
    pub factory_firmware_ver_s: [c_char; USAPI_SHORT_SIZE],
    /// `product-name` ("Ultra Stream"); USAPI_LABEL_SIZE (no limit in the document).
    pub product_name: [c_char; USAPI_LABEL_SIZE],
    /// `module-name`: the model ("Ultra Stream HDMI"); USAPI_LABEL_SIZE.
    pub module_name: [c_char; USAPI_LABEL_SIZE],
    /// `manu-name`: the manufacturer ("MAGEWELL"); USAPI_LABEL_SIZE.
    pub manu_name: [c_char; USAPI_LABEL_SIZE],
    /// `features` bits.
    pub features: i64,
    /// `max-lock-count`: how many apps may hold the device (2).
    pub max_lock_count: i32,
}

/// get-info `mac-addr`: MAC addresses as text; USAPI_MAC_SIZE ("xx:xx:xx:xx:xx:xx").
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct usapi_mac_addr {
    /// `eth`: Ethernet.
    pub eth: [c_char; USAPI_MAC_SIZE],
    /// `wifi`: Wi-Fi.
    pub wifi: [c_char; USAPI_MAC_SIZE],
    /// `blue`: Bluetooth.
    pub blue: [c_char; USAPI_MAC_SIZE],
}

/// get-info, decoded (the ranges of `audio-range`, `codec-cap` and
/// `rec-control` are lists: read them from usapi_get_info's JSON).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct usapi_info {
    /// `result`: the device's result.
    pub result: i32,
    /// `product`: serial, model, firmware and hardware versions.
    pub product: usapi_product,
    /// `mac-addr`.
    pub mac_addr: usapi_mac_addr,
    /// `snapshot`: the path of the input's snapshot on the device; USAPI_PATH_SIZE (no limit in the document).
    pub snapshot: [c_char; USAPI_PATH_SIZE],
}

fn product(p: &Product) -> Result<usapi_product, Error> {
    let mut o: usapi_product = zeroed();
    put(&mut o.sn, &p.sn, "product.sn")?;
    o.product_id = int(p.product_id, "product.product-id")?;
    put(&mut o.hardware_ver, &p.hardware_ver, "product.hardware-ver")?;
    o.firmware_id = int(p.firmware_id, "product.firmware-id")?;
    put(
        &mut o.firmware_ver_s,
        &p.firmware_ver_s,
        "product.firmware-ver-s",
    )?;
    put(
        &mut o.factory_firmware_ver_s,
        &p.factory_firmware_ver_s,
        "product.factory-firmware-ver-s",
    )?;
    put(&mut o.product_name, &p.product_name, "product.product-name")?;
    put(&mut o.module_name, &p.module_name, "product.module-name")?;
    put(&mut o.manu_name, &p.manu_name, "product.manu-name")?;
    o.features = p.features;
    o.max_lock_count = int(p.max_lock_count, "product.max-lock-count")?;
    Ok(o)
}

fn mac_addr(m: &MacAddr) -> Result<usapi_mac_addr, Error> {
    let mut o: usapi_mac_addr = zeroed();
    put(&mut o.eth, &m.eth, "mac-addr.eth")?;
    put(&mut o.wifi, &m.wifi, "mac-addr.wifi")?;
    put(&mut o.blue, &m.blue, "mac-addr.blue")?;
    Ok(o)
}

impl usapi_info {
    /// The struct of a typed get-info reply.
    pub fn from_reply(i: &Info) -> Result<usapi_info, Error> {
        let mut o: usapi_info = zeroed();
        o.result = int(i.result, "result")?;
        o.product = product(&i.product)?;
        o.mac_addr = mac_addr(&i.mac_addr)?;
        put(&mut o.snapshot, &i.snapshot, "snapshot")?;
        Ok(o)
    }
}

/// get-info, decoded into a struct: product, serial number, model,
/// firmware and hardware versions, MAC addresses.
///
/// Returns the device's result, or a negative code (then `*out` is untouched;
/// USAPI_E_TRUNCATED names a string too long for its field).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_get_info_struct(dev: usapi_device, out: *mut usapi_info) -> i32 {
    guard(|| {
        let out = out_arg(out, "out")?;
        let o = usapi_info::from_reply(&DEVICES.get(dev)?.get_info()?)?;
        *out = o;
        Ok(o.result)
    })
}

// ------------------------------------------------------------ get-settings

/// get-settings `softap`: the Wi-Fi access point.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct usapi_softap {
    /// `is-softap`: 1 when the AP starts at boot.
    pub is_softap: i32,
    /// `is-visible`: 1 when the SSID is broadcast.
    pub is_visible: i32,
    /// `softap-ssid`; USAPI_NAME_SIZE (the document's 1 to 32 characters).
    pub softap_ssid: [c_char; USAPI_NAME_SIZE],
    /// `softap-passwd`: the AP's password in plain text, as the device sends
    /// it (a secret: do not log it); USAPI_NAME_SIZE (1 to 32 characters).
    pub softap_passwd: [c_char; USAPI_NAME_SIZE],
}

/// get-settings `date-time`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct usapi_date_time {
    /// `timezone` ("Asia/Shanghai"); USAPI_TIMEZONE_SIZE (the document's list).
    pub timezone: [c_char; USAPI_TIMEZONE_SIZE],
    /// `is-auto`: 1 when the time comes from the network.
    pub is_auto: i32,
}

/// get-settings `rec-control`: the recording configuration.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct usapi_rec_control_info {
    /// `mime-type`: the file format (get-info rec-control file-ext: 0 mp4, 1 mov).
    pub mime_type: i32,
    /// `usb-option`: 0 off, 1 recording.
    pub usb_option: i32,
    /// `sd-option`: 0 off, 1 recording, 2 loop recording.
    pub sd_option: i32,
    /// `root-folder` ("REC_Folder"); USAPI_FOLDER_SIZE (two levels of 1 to 32 characters).
    pub root_folder: [c_char; USAPI_FOLDER_SIZE],
    /// `file-prefix` ("VID"); USAPI_NAME_SIZE (1 to 32 characters, the library's rule).
    pub file_prefix: [c_char; USAPI_NAME_SIZE],
    /// `time-unit`: minutes per file.
    pub time_unit: i32,
}

/// get-settings `video-color`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct usapi_video_color {
    /// `contrast`.
    pub contrast: i32,
    /// `brightness`.
    pub brightness: i32,
    /// `saturation`.
    pub saturation: i32,
    /// `hue`.
    pub hue: i32,
}

/// get-settings `volume`: inputs on/off and their gains in dB.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct usapi_volume {
    /// `is-mic`: 1 when the microphone input is on.
    pub is_mic: i32,
    /// `mic-gain` in dB (get-info audio-range mic gives the range).
    pub mic_gain: f64,
    /// `is-spi`: 1 when the HDMI/SDI embedded audio is on.
    pub is_spi: i32,
    /// `spi-gain` in dB.
    pub spi_gain: f64,
    /// `is-phone`: 1 when the headphone output is on.
    pub is_phone: i32,
    /// `phone-gain` in dB.
    pub phone_gain: f64,
}

/// get-settings `main-stream` / `sub-stream`: an encoder's settings.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct usapi_video_stream {
    /// `is-auto`: 1 when the resolution follows the input (main stream only).
    pub is_auto: i32,
    /// `codec`: 0 H.264, 1 HEVC.
    pub codec: i32,
    /// `cx`: width in pixels.
    pub cx: i32,
    /// `cy`: height in pixels.
    pub cy: i32,
    /// `duration`: frame duration in 100 ns units (166667: 60 fps).
    pub duration: i32,
    /// `kbps`: the bitrate.
    pub kbps: i32,
    /// `gop`: key-frame interval in seconds.
    pub gop: i32,
    /// `fourcc`.
    pub fourcc: i64,
    /// `profile`: 0 baseline, 1 main, 2 high.
    pub profile: i32,
    /// `cbrstat`: bitrate statistics period in seconds.
    pub cbrstat: i32,
    /// `fullrange`: 1 full range (0-255), 0 limited.
    pub fullrange: i32,
}

/// get-settings `audio`: the audio encoder.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct usapi_audio_info {
    /// `sample-rate` in Hz.
    pub sample_rate: i32,
    /// `channels`.
    pub channels: i32,
    /// `kbps`: the bitrate.
    pub kbps: i32,
}

/// get-settings `eth`: the Ethernet configuration (empty strings with DHCP).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct usapi_eth_info {
    /// `is-dhcp`: 1 when the address comes from DHCP.
    pub is_dhcp: i32,
    /// `ip`; USAPI_IP_SIZE (INET6_ADDRSTRLEN).
    pub ip: [c_char; USAPI_IP_SIZE],
    /// `mask`; USAPI_IP_SIZE.
    pub mask: [c_char; USAPI_IP_SIZE],
    /// `router`: the gateway; USAPI_IP_SIZE.
    pub router: [c_char; USAPI_IP_SIZE],
    /// `dns`; USAPI_IP_SIZE.
    pub dns: [c_char; USAPI_IP_SIZE],
}

/// get-settings, decoded. The stream servers come from usapi_get_servers
/// (`server_count` says how many there are).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct usapi_settings {
    /// `result`: the device's result.
    pub result: i32,
    /// `name`: the device name; USAPI_NAME_SIZE (the document's 1 to 32 characters).
    pub name: [c_char; USAPI_NAME_SIZE],
    /// `passwd`: 1 when the app needs a pairing password.
    pub passwd: i32,
    /// `is-settings`: 1 when the app may change settings.
    pub is_settings: i32,
    /// `is-ssdp`: 1 when UPnP/SSDP discovery is on.
    pub is_ssdp: i32,
    /// `is-startup`: 1 when recording / streaming start at boot.
    pub is_startup: i32,
    /// `is-startup-rec`: 1 when recording starts at boot.
    pub is_startup_rec: i32,
    /// `is-startup-live`: 1 when streaming starts at boot.
    pub is_startup_live: i32,
    /// `is-signal-lost`: 1 when recording and streaming stop on signal loss.
    pub is_signal_lost: i32,
    /// `is-hdmi-rec-ctrl`: 1 when the HDMI source may start/stop recording.
    pub is_hdmi_rec_ctrl: i32,
    /// `softap`.
    pub softap: usapi_softap,
    /// `date-time`.
    pub date_time: usapi_date_time,
    /// `rec-control`.
    pub rec_control: usapi_rec_control_info,
    /// `video-color`.
    pub video_color: usapi_video_color,
    /// `volume`.
    pub volume: usapi_volume,
    /// `rec-stream`: the stream recorded (0 main, 1 sub).
    pub rec_stream: i32,
    /// `live-stream`: the stream sent live (0 main, 1 sub).
    pub live_stream: i32,
    /// `mws-stream`: the app's preview stream (0 main, 1 sub).
    pub mws_stream: i32,
    /// `main-stream`.
    pub main_stream: usapi_video_stream,
    /// `sub-stream`.
    pub sub_stream: usapi_video_stream,
    /// `audio`.
    pub audio: usapi_audio_info,
    /// `eth`.
    pub eth: usapi_eth_info,
    /// How many entries `stream-server` has (the room usapi_get_servers needs).
    pub server_count: i32,
}

fn softap(s: &SoftAp) -> Result<usapi_softap, Error> {
    let mut o: usapi_softap = zeroed();
    o.is_softap = int(s.is_softap, "softap.is-softap")?;
    o.is_visible = int(s.is_visible, "softap.is-visible")?;
    put(&mut o.softap_ssid, &s.softap_ssid, "softap.softap-ssid")?;
    put(
        &mut o.softap_passwd,
        &s.softap_passwd,
        "softap.softap-passwd",
    )?;
    Ok(o)
}

fn date_time(d: &DateTime) -> Result<usapi_date_time, Error> {
    let mut o: usapi_date_time = zeroed();
    put(&mut o.timezone, &d.timezone, "date-time.timezone")?;
    o.is_auto = int(d.is_auto, "date-time.is-auto")?;
    Ok(o)
}

fn rec_control(r: &RecControl) -> Result<usapi_rec_control_info, Error> {
    let mut o: usapi_rec_control_info = zeroed();
    o.mime_type = int(r.mime_type, "rec-control.mime-type")?;
    o.usb_option = int(r.usb_option, "rec-control.usb-option")?;
    o.sd_option = int(r.sd_option, "rec-control.sd-option")?;
    put(
        &mut o.root_folder,
        &r.root_folder,
        "rec-control.root-folder",
    )?;
    put(
        &mut o.file_prefix,
        &r.file_prefix,
        "rec-control.file-prefix",
    )?;
    o.time_unit = int(r.time_unit, "rec-control.time-unit")?;
    Ok(o)
}

fn video_color(v: &VideoColor) -> Result<usapi_video_color, Error> {
    Ok(usapi_video_color {
        contrast: int(v.contrast, "video-color.contrast")?,
        brightness: int(v.brightness, "video-color.brightness")?,
        saturation: int(v.saturation, "video-color.saturation")?,
        hue: int(v.hue, "video-color.hue")?,
    })
}

fn volume(v: &Volume) -> Result<usapi_volume, Error> {
    Ok(usapi_volume {
        is_mic: int(v.is_mic, "volume.is-mic")?,
        mic_gain: v.mic_gain,
        is_spi: int(v.is_spi, "volume.is-spi")?,
        spi_gain: v.spi_gain,
        is_phone: int(v.is_phone, "volume.is-phone")?,
        phone_gain: v.phone_gain,
    })
}

fn video_stream(v: &VideoStream, block: &str) -> Result<usapi_video_stream, Error> {
    let f = |name: &str| format!("{block}.{name}");
    Ok(usapi_video_stream {
        is_auto: int(v.is_auto, &f("is-auto"))?,
        codec: int(v.codec, &f("codec"))?,
        cx: int(v.cx, &f("cx"))?,
        cy: int(v.cy, &f("cy"))?,
        duration: int(v.duration, &f("duration"))?,
        kbps: int(v.kbps, &f("kbps"))?,
        gop: int(v.gop, &f("gop"))?,
        fourcc: v.fourcc,
        profile: int(v.profile, &f("profile"))?,
        cbrstat: int(v.cbrstat, &f("cbrstat"))?,
        fullrange: int(v.fullrange, &f("fullrange"))?,
    })
}

fn audio(a: &Audio) -> Result<usapi_audio_info, Error> {
    Ok(usapi_audio_info {
        sample_rate: int(a.sample_rate, "audio.sample-rate")?,
        channels: int(a.channels, "audio.channels")?,
        kbps: int(a.kbps, "audio.kbps")?,
    })
}

fn eth(e: &EthSettings) -> Result<usapi_eth_info, Error> {
    let mut o: usapi_eth_info = zeroed();
    o.is_dhcp = int(e.is_dhcp, "eth.is-dhcp")?;
    put(&mut o.ip, &e.ip, "eth.ip")?;
    put(&mut o.mask, &e.mask, "eth.mask")?;
    put(&mut o.router, &e.router, "eth.router")?;
    put(&mut o.dns, &e.dns, "eth.dns")?;
    Ok(o)
}

impl usapi_settings {
    /// The struct of a typed get-settings reply.
    pub fn from_reply(s: &Settings) -> Result<usapi_settings, Error> {
        let mut o: usapi_settings = zeroed();
        o.result = int(s.result, "result")?;
        put(&mut o.name, &s.name, "name")?;
        o.passwd = int(s.passwd, "passwd")?;
        o.is_settings = int(s.is_settings, "is-settings")?;
        o.is_ssdp = int(s.is_ssdp, "is-ssdp")?;
        o.is_startup = int(s.is_startup, "is-startup")?;
        o.is_startup_rec = int(s.is_startup_rec, "is-startup-rec")?;
        o.is_startup_live = int(s.is_startup_live, "is-startup-live")?;
        o.is_signal_lost = int(s.is_signal_lost, "is-signal-lost")?;
        o.is_hdmi_rec_ctrl = int(s.is_hdmi_rec_ctrl, "is-hdmi-rec-ctrl")?;
        o.softap = softap(&s.softap)?;
        o.date_time = date_time(&s.date_time)?;
        o.rec_control = rec_control(&s.rec_control)?;
        o.video_color = video_color(&s.video_color_view())?;
        o.volume = volume(&s.volume_view())?;
        o.rec_stream = int(s.rec_stream, "rec-stream")?;
        o.live_stream = int(s.live_stream, "live-stream")?;
        o.mws_stream = int(s.mws_stream, "mws-stream")?;
        o.main_stream = video_stream(&s.main_stream, "main-stream")?;
        o.sub_stream = video_stream(&s.sub_stream, "sub-stream")?;
        o.audio = audio(&s.audio)?;
        o.eth = eth(&s.eth)?;
        o.server_count = int(s.stream_server.len() as i64, "stream-server")?;
        Ok(o)
    }
}

/// get-settings, decoded into a struct: name, flags, soft-AP, date-time,
/// rec-control, video color, volume, main / sub stream, audio, Ethernet,
/// and the number of stream servers (read them with usapi_get_servers).
///
/// Returns the device's result, or a negative code (then `*out` is untouched).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_get_settings_struct(
    dev: usapi_device,
    out: *mut usapi_settings,
) -> i32 {
    guard(|| {
        let out = out_arg(out, "out")?;
        let o = usapi_settings::from_reply(&DEVICES.get(dev)?.get_settings()?)?;
        *out = o;
        Ok(o.result)
    })
}

// ---------------------------------------------------------------- servers

/// A stream server (get-settings `stream-server`) with its live state
/// (get-status `live-status`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct usapi_server_info {
    /// `id`: the device's id, for usapi_enable_server, usapi_set_server and usapi_del_server.
    pub id: i32,
    /// `type`: as in usapi_server (0 RTMP, 1 Twitch, 2 YouTube, 3 Facebook).
    pub server_type: i32,
    /// `name`; USAPI_NAME_SIZE (the document's 1 to 32 characters).
    pub name: [c_char; USAPI_NAME_SIZE],
    /// `url`; USAPI_URL_SIZE (the library's 512-byte add-server rule; the document gives none).
    pub url: [c_char; USAPI_URL_SIZE],
    /// `is-use`: 1 when enabled (streams on usapi_start_live).
    pub is_use: i32,
    /// `is-auth`: 1 when the server needs a user and password.
    pub is_auth: i32,
    /// `net-mode`: 0 mobile first, 1 Ethernet first, 2 Wi-Fi first.
    pub net_mode: i32,
    /// This server's live state from get-status (22 connected, 23
    /// connecting, 24 waiting, 25 authorising, 28 resolving DNS, 30
    /// authentication error ...), else 27 (retInit): not enabled, or not
    /// streaming. Newer firmware lists a state per server id
    /// (`live-status.live[]`); the Ultra Stream document's
    /// `live-status.result` belongs to the first enabled server in list
    /// order and `result2` to the second.
    pub live_result: i32,
}

impl usapi_server_info {
    /// The struct of one server.
    pub fn from_info(s: &ServerInfo) -> Result<usapi_server_info, Error> {
        let mut o: usapi_server_info = zeroed();
        o.id = int(s.id, "stream-server.id")?;
        o.server_type = int(s.kind, "stream-server.type")?;
        put(&mut o.name, &s.name, "stream-server.name")?;
        put(&mut o.url, &s.url, "stream-server.url")?;
        o.is_use = int(s.is_use, "stream-server.is-use")?;
        o.is_auth = int(s.is_auth, "stream-server.is-auth")?;
        o.net_mode = int(s.net_mode, "stream-server.net-mode")?;
        o.live_result = int(s.live_result, "live-status.result")?;
        Ok(o)
    }
}

/// Fill caller storage with `items`, per the array convention above.
fn fill<T: Copy>(
    items: &[T],
    out: *mut T,
    capacity: usize,
    out_count: *mut usize,
) -> FfiResult<()> {
    let count = out_arg(out_count, "out_count")?;
    if capacity > 0 && out.is_null() {
        return Err(Failure::new(
            codes::E_NULL_ARGUMENT,
            "argument 'out' is NULL but capacity is not 0",
        ));
    }
    let n = items.len().min(capacity);
    if n > 0 {
        // SAFETY: the caller provides room for `capacity` >= n entries at `out`.
        let dst = unsafe { std::slice::from_raw_parts_mut(out, n) };
        dst.copy_from_slice(&items[..n]);
    }
    *count = items.len();
    if items.len() > capacity {
        return Err(Failure::new(
            codes::E_BUFFER_TOO_SMALL,
            format!(
                "{} entries do not fit the array of {capacity}: call again with capacity >= *out_count ({}); the first {capacity} were filled",
                items.len(),
                items.len()
            ),
        ));
    }
    Ok(())
}

fn check_array<T>(out: *mut T, capacity: usize, out_count: *mut usize) -> FfiResult<()> {
    out_arg(out_count, "out_count")?;
    if capacity > 0 && out.is_null() {
        return Err(Failure::new(
            codes::E_NULL_ARGUMENT,
            "argument 'out' is NULL but capacity is not 0",
        ));
    }
    Ok(())
}

/// The stream servers, in the device's order, each with its live state
/// (one get-settings and one get-status). At most 16 (the document's limit
/// for add-server), so `usapi_server_info out[16]` always has room.
///
/// Returns 0; USAPI_E_BUFFER_TOO_SMALL when there are more than `capacity`
/// (the first `capacity` filled, `*out_count` the number needed); or a
/// negative code, with nothing written.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_get_servers(
    dev: usapi_device,
    out: *mut usapi_server_info,
    capacity: usize,
    out_count: *mut usize,
) -> i32 {
    guard(|| {
        check_array(out, capacity, out_count)?;
        let list = DEVICES
            .get(dev)?
            .servers()?
            .iter()
            .map(usapi_server_info::from_info)
            .collect::<Result<Vec<_>, Error>>()?;
        fill(&list, out, capacity, out_count)?;
        Ok(0)
    })
}

/// The stream server named exactly `name` (names are unique on a device:
/// add-server and set-server refuse a taken name with USAPI_ERR_SAME_NAME),
/// with its live state. Use it to find a server a previous run added.
///
/// Returns 0 and `*out`; USAPI_ERR_NOT_FOUND (-14) when no server has that
/// name; or another negative code. `*out` is written only on 0.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_find_server(
    dev: usapi_device,
    name: *const c_char,
    out: *mut usapi_server_info,
) -> i32 {
    guard(|| {
        let name = str_arg(name, "name")?;
        let out = out_arg(out, "out")?;
        match DEVICES.get(dev)?.find_server(name)? {
            Some(s) => {
                *out = usapi_server_info::from_info(&s)?;
                Ok(0)
            }
            None => Err(Failure::new(
                codes::ERR_NOT_FOUND,
                format!("no stream server is named '{name}' (usapi_get_servers lists them)"),
            )),
        }
    })
}

/// add-server, then the id the device gave the new server in `*out_id`.
///
/// The device's reply does not carry the id, so the library reads the
/// server list (get-settings) before and after the add: the new id is the
/// one that was not there before and has the given name. Should other
/// clients add servers at the same moment, the server with the given name
/// decides (names are unique by errSameName). Three calls in all.
///
/// Returns the device's result for add-server (>= 0: `*out_id` and
/// `*out_json`, the add-server reply, are written); a negative code (e.g.
/// USAPI_ERR_SAME_NAME (-27) when the name is taken: usapi_find_server finds
/// that server); or USAPI_E_VERIFY when the add succeeded but the new id
/// could not be told apart (usapi_get_servers lists them).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_add_server_id(
    dev: usapi_device,
    server: *const usapi_server,
    out_id: *mut i32,
    out_json: *mut *mut c_char,
) -> i32 {
    guard(|| {
        let args = server_args(ref_arg(server, "server")?)?;
        let out_id = out_arg(out_id, "out_id")?;
        let (id, reply) = DEVICES.get(dev)?.add_server_id(&args)?;
        let id = int(id, "stream-server.id")?;
        write_string(out_json, &reply.body)?;
        *out_id = id;
        Ok(reply.result)
    })
}

// ------------------------------------------------------------ media files

/// get-media-files: the folder of a page of files.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct usapi_media_page {
    /// `result`: the device's result.
    pub result: i32,
    /// `path`: the recording folder on the device ("/media/disk1/REC_Folder"); USAPI_PATH_SIZE.
    pub path: [c_char; USAPI_PATH_SIZE],
    /// `thumbnail`: the thumbnails' subfolder of `path` ("thumbnail"); USAPI_PATH_SIZE.
    pub thumbnail: [c_char; USAPI_PATH_SIZE],
}

/// get-media-files: one recorded file. Download it from
/// http://HOST:8080/download + path + "/" + name.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct usapi_media_file {
    /// `name` ("VID_9.mp4"); USAPI_FILE_NAME_SIZE (NAME_MAX of the device's file systems).
    pub name: [c_char; USAPI_FILE_NAME_SIZE],
    /// `thumbnail-name` (in path/thumbnail, ".jpg" implied); USAPI_FILE_NAME_SIZE.
    pub thumbnail_name: [c_char; USAPI_FILE_NAME_SIZE],
    /// `status`: 0 recording, 1 normal, 2 error, 3 lost.
    pub status: i32,
    /// `create-time` ("2019-09-25 06:35:21"); USAPI_TIME_SIZE.
    pub create_time: [c_char; USAPI_TIME_SIZE],
    /// `size-bytes`.
    pub size_bytes: i64,
    /// `duration` (the document says seconds; its example's values look like milliseconds).
    pub duration: i64,
    /// `width` in pixels.
    pub width: i32,
    /// `height` in pixels.
    pub height: i32,
    /// `interval`: frame interval in 100 ns units (fps = 10000000 / interval).
    pub interval: i64,
    /// `codec`: 0 H.264, 1 HEVC.
    pub codec: i32,
}

impl usapi_media_page {
    /// The page header of a typed get-media-files reply.
    pub fn from_reply(m: &MediaFiles) -> Result<usapi_media_page, Error> {
        let mut o: usapi_media_page = zeroed();
        o.result = int(m.result, "result")?;
        put(&mut o.path, &m.path, "path")?;
        put(&mut o.thumbnail, &m.thumbnail, "thumbnail")?;
        Ok(o)
    }
}

impl usapi_media_file {
    /// The struct of one file.
    pub fn from_reply(f: &MediaFile) -> Result<usapi_media_file, Error> {
        let mut o: usapi_media_file = zeroed();
        put(&mut o.name, &f.name, "media-files.name")?;
        put(
            &mut o.thumbnail_name,
            &f.thumbnail_name,
            "media-files.thumbnail-name",
        )?;
        o.status = int(f.status, "media-files.status")?;
        put(
            &mut o.create_time,
            &f.create_time,
            "media-files.create-time",
        )?;
        o.size_bytes = f.size_bytes;
        o.duration = f.duration;
        o.width = int(f.width, "media-files.width")?;
        o.height = int(f.height, "media-files.height")?;
        o.interval = f.interval;
        o.codec = int(f.codec, "media-files.codec")?;
        Ok(o)
    }
}

/// get-media-files, decoded: up to `capacity` files (1 to 10000, sent as
/// the method's `count`) from index `start` of disk `disk_type` (0 USB, 1
/// SD) into `out`, the folder into `*out_page` (may be NULL). Fewer than
/// `capacity` files means the end of the list.
///
/// Returns the device's result; USAPI_E_BUFFER_TOO_SMALL if the device sent
/// more files than asked for; or a negative code, with nothing written.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_get_media_files_struct(
    dev: usapi_device,
    disk_type: i32,
    start: i32,
    out_page: *mut usapi_media_page,
    out: *mut usapi_media_file,
    capacity: usize,
    out_count: *mut usize,
) -> i32 {
    guard(|| {
        check_array(out, capacity, out_count)?;
        if capacity == 0 || out.is_null() {
            return Err(Failure::new(
                codes::E_INVALID_ARGUMENT,
                "invalid argument 'capacity': room for 1 to 10000 files is needed (it is the page size sent as count); nothing was sent to the device",
            ));
        }
        let count = capacity.min(10_000) as i64;
        let m = DEVICES
            .get(dev)?
            .get_media_files(disk_type as i64, start as i64, count)?;
        let page = usapi_media_page::from_reply(&m)?;
        let files = m
            .media_files
            .iter()
            .map(usapi_media_file::from_reply)
            .collect::<Result<Vec<_>, Error>>()?;
        fill(&files, out, capacity, out_count)?;
        // SAFETY: NULL or a writable usapi_media_page, per the contract.
        if let Some(p) = unsafe { out_page.as_mut() } {
            *p = page;
        }
        Ok(page.result)
    })
}

// ------------------------------------------------------------------ users

/// get-users: one user.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct usapi_user {
    /// `id`: the user name ("Admin"); USAPI_NAME_SIZE (the library's 1 to 32-byte rule for user ids).
    pub id: [c_char; USAPI_NAME_SIZE],
    /// `type`: 1 administrator, 2 general user.
    pub user_type: i32,
}

impl usapi_user {
    /// The struct of one user.
    pub fn from_reply(u: &User) -> Result<usapi_user, Error> {
        let mut o: usapi_user = zeroed();
        put(&mut o.id, &u.id, "users.id")?;
        o.user_type = int(u.kind, "users.type")?;
        Ok(o)
    }
}

/// get-users, decoded into `out` (room for `capacity`), `*out_count` users.
///
/// Returns the device's result; USAPI_E_BUFFER_TOO_SMALL when there are more
/// than `capacity` (the first `capacity` filled, `*out_count` the number
/// needed); or a negative code, with nothing written.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_get_users_struct(
    dev: usapi_device,
    out: *mut usapi_user,
    capacity: usize,
    out_count: *mut usize,
) -> i32 {
    guard(|| {
        check_array(out, capacity, out_count)?;
        let u: Users = DEVICES.get(dev)?.get_users()?;
        let users = u
            .users
            .iter()
            .map(usapi_user::from_reply)
            .collect::<Result<Vec<_>, Error>>()?;
        fill(&users, out, capacity, out_count)?;
        int(u.result, "result").map_err(Failure::from)
    })
}
