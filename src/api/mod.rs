//! The 56 API methods: one table, from the vendor's Ultra Stream API
//! documentation (<https://www.magewell.com/api-docs/ultra-stream-api/>);
//! `tests/data/methods.tsv` lists them too, and a test checks the table
//! against it. The client, the validator, the C ABI and the documentation
//! all read this table, so a method is described once.
//!
//! The typed one-liners live in one file per section of the document.
//!
//! Layer: this file is the method table, the layer just above `model` (the
//! document's methods as data; it uses `model` only, and `validate`, the
//! client, the simulator and the C ABI read it). The typed one-liners in
//! `api/<section>.rs` are `impl Device` blocks: the client layer.
//! scripts/module-graph.py counts the two apart and checks both.

mod encoding;
mod firmware;
mod general;
mod network;
mod reset;
mod server;
mod storage;
mod universal;
mod users;

pub use firmware::Firmware;
pub(crate) use firmware::multipart_framing;

pub use encoding::VideoArgs;
pub use general::{AppPassword, RecControlArgs, SoftApArgs};
pub use network::EthArgs;
pub use server::{NetMode, ServerArgs, ServerType};

/// How a parameter's value is checked before any traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// 0 or 1.
    Flag,
    /// One of the listed integers.
    Choice(&'static [i64]),
    /// An integer in the inclusive range.
    Range(i64, i64),
    /// Device / server name: 1-32 of `A-Z a-z 0-9 space . _ - + '`, no
    /// leading or trailing space.
    Name,
    /// Soft-AP SSID or password: 1-32 of `A-Z a-z 0-9 space . _ - + !`, no
    /// leading or trailing space.
    Ssid,
    /// Recording root folder: name characters plus `/`, at most two levels
    /// (`a/b`), no leading or trailing space or `/`.
    Folder,
    /// Recording file prefix: name characters, no leading or trailing space.
    Prefix,
    /// A 32-hex-digit MD5 (the library hashes plain passwords itself).
    Md5,
    /// Free text up to this many bytes, no control characters.
    Text(usize),
    /// Non-empty free text up to this many bytes, no control characters.
    NonEmpty(usize),
    /// One of the document's time zones.
    Timezone,
    /// `YYYY-MM-DD HH:MM:SS`, or empty.
    DateTime,
    /// Dotted-quad IPv4 address, or empty.
    Ipv4,
    /// A contiguous dotted-quad IPv4 netmask (255.255.255.0), or empty.
    Netmask,
    /// One of the listed words.
    Word(&'static [&'static str]),
}

/// One parameter of a method, as the document describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param {
    /// The query name ("is-auto").
    pub name: &'static str,
    /// What values it accepts.
    pub rule: Rule,
    /// False when the method may be called without it.
    pub required: bool,
}

const fn req(name: &'static str, rule: Rule) -> Param {
    Param {
        name,
        rule,
        required: true,
    }
}
const fn opt(name: &'static str, rule: Rule) -> Param {
    Param {
        name,
        rule,
        required: false,
    }
}

/// How the request travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// GET with the parameters in the query string.
    Get,
    /// POST of a JSON body (del-media-files).
    PostJson,
    /// POST of a multipart/form-data file (upload-update-file).
    Upload,
}

/// The document's sections, which group the methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// 2: get-info, get-status, get-settings, recording and live on / off, ping.
    Universal,
    /// 3: name, app settings, recording control, access point, clock, start-up.
    General,
    /// 4: formats, disk tests, recorded files.
    Storage,
    /// 5: streaming servers.
    Server,
    /// 6: streams, video and audio encoding.
    Encoding,
    /// 7: reboot and factory reset.
    Reset,
    /// 8: login and logout.
    Login,
    /// 9: user accounts.
    Users,
    /// 10: Ethernet, Wi-Fi, access point.
    Network,
    /// 11: firmware update.
    Firmware,
}

/// One API method, as the document describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MethodSpec {
    /// The method.
    pub method: Method,
    /// Its wire name ("get-status").
    pub name: &'static str,
    /// The document's section.
    pub section: Section,
    /// How the request travels.
    pub transport: Transport,
    /// False for the two methods that work without a session.
    pub needs_login: bool,
    /// Its parameters, in the document's order.
    pub params: &'static [Param],
}

pub(crate) use crate::model::caps::{
    AUDIO_KBPS, DURATIONS, GOP_SEC, RESOLUTIONS, STAT_SEC, TIME_UNITS, VIDEO_KBPS,
};

const SERVER_PARAMS: &[Param] = &[
    req("type", Rule::Choice(&[0, 1, 2, 3])),
    req("name", Rule::Name),
    req("url", Rule::NonEmpty(512)),
    opt("key", Rule::Text(512)),
    req("is-auth", Rule::Flag),
    opt("user", Rule::Text(128)),
    opt("passwd", Rule::Text(128)),
    opt("token", Rule::Text(512)),
    req("net-mode", Rule::Choice(&[0, 1, 2])),
];
const SET_SERVER_PARAMS: &[Param] = &[
    req("id", Rule::Range(0, 1_000_000)),
    req("type", Rule::Choice(&[0, 1, 2, 3])),
    req("name", Rule::Name),
    req("url", Rule::NonEmpty(512)),
    opt("key", Rule::Text(512)),
    req("is-auth", Rule::Flag),
    opt("user", Rule::Text(128)),
    opt("passwd", Rule::Text(128)),
    opt("token", Rule::Text(512)),
    req("net-mode", Rule::Choice(&[0, 1, 2])),
];
const TEST_SERVER_PARAMS: &[Param] = &[
    req("type", Rule::Choice(&[0, 1, 2, 3])),
    req("url", Rule::NonEmpty(512)),
    opt("key", Rule::Text(512)),
    req("is-auth", Rule::Flag),
    opt("user", Rule::Text(128)),
    opt("passwd", Rule::Text(128)),
    opt("token", Rule::Text(512)),
    req("net-mode", Rule::Choice(&[0, 1, 2])),
];
const USER_ID: Rule = Rule::NonEmpty(32);

macro_rules! methods {
    ($( $variant:ident = $name:literal, $section:ident, $transport:ident, $login:expr, $params:expr; )*) => {
        /// Every API method. `Method::ALL` lists them in the document's order.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Method { $( #[doc = concat!("`", $name, "`")] $variant, )* }

        /// The table, in the document's order.
        pub static METHODS: &[MethodSpec] = &[
            $( MethodSpec {
                method: Method::$variant,
                name: $name,
                section: Section::$section,
                transport: Transport::$transport,
                needs_login: $login,
                params: $params,
            }, )*
        ];

        impl Method {
            /// Every method, in the document's order.
            pub const ALL: &'static [Method] = &[ $( Method::$variant, )* ];

            /// The wire name ("get-status").
            pub fn name(self) -> &'static str {
                match self { $( Method::$variant => $name, )* }
            }
        }
    };
}

methods! {
    GetInfo = "get-info", Universal, Get, true, &[];
    GetStatus = "get-status", Universal, Get, true, &[];
    GetSettings = "get-settings", Universal, Get, true, &[];
    StartRec = "start-rec", Universal, Get, true, &[];
    StopRec = "stop-rec", Universal, Get, true, &[];
    StartLive = "start-live", Universal, Get, true, &[];
    StopLive = "stop-live", Universal, Get, true, &[];
    Ping = "ping", Universal, Get, false, &[];
    SetName = "set-name", General, Get, true, &[req("name", Rule::Name)];
    SetAppSettings = "set-app-settings", General, Get, true, &[req("is-settings", Rule::Flag)];
    SetAppPasswd = "set-app-passwd", General, Get, true, &[
        req("is-pass", Rule::Flag), opt("pass", Rule::Md5), opt("new-pass", Rule::Md5)];
    SetFirstOver = "set-first-over", General, Get, true, &[
        req("name", Rule::Name), req("enable-passwd", Rule::Flag), opt("passwd", Rule::Md5)];
    SetRecControl = "set-rec-control", General, Get, true, &[
        req("usb-option", Rule::Choice(&[0, 1])), req("sd-option", Rule::Choice(&[0, 1, 2])),
        req("mime-type", Rule::Choice(&[0, 1])), req("root-folder", Rule::Folder),
        req("file-prefix", Rule::Prefix), req("time-unit", Rule::Choice(TIME_UNITS))];
    SetSoftap = "set-softap", General, Get, true, &[
        req("is-softap", Rule::Flag), req("is-visible", Rule::Flag),
        req("softap-ssid", Rule::Ssid), req("softap-passwd", Rule::Ssid)];
    SetDateTime = "set-date-time", General, Get, true, &[
        req("timezone", Rule::Timezone), req("is-auto", Rule::Flag), opt("time", Rule::DateTime)];
    SetSignalLostCtrl = "set-signal-lost-ctrl", General, Get, true, &[req("is-signal-lost", Rule::Flag)];
    SetStartupRec = "set-startup-rec", General, Get, true, &[req("is-startup-rec", Rule::Flag)];
    SetStartupLive = "set-startup-live", General, Get, true, &[req("is-startup-live", Rule::Flag)];
    SetSsdp = "set-ssdp", General, Get, true, &[req("is-ssdp", Rule::Flag)];
    SetHdmiRecCtrl = "set-hdmi-rec-ctrl", General, Get, true, &[req("is-hdmi-rec-ctrl", Rule::Flag)];
    StartFormatUsb = "start-format-usb", Storage, Get, true, &[];
    StartFormatSd = "start-format-sd", Storage, Get, true, &[];
    ClearFormatUsb = "clear-format-usb", Storage, Get, true, &[];
    StartTestUsb = "start-test-usb", Storage, Get, true, &[];
    StopTestUsb = "stop-test-usb", Storage, Get, true, &[];
    ClearTestUsb = "clear-test-usb", Storage, Get, true, &[];
    GetMediaFiles = "get-media-files", Storage, Get, true, &[
        req("disk-type", Rule::Choice(&[0, 1])), req("start", Rule::Range(0, i32::MAX as i64)),
        req("count", Rule::Range(1, 10_000))];
    DelMediaFiles = "del-media-files", Storage, PostJson, true, &[];
    AddServer = "add-server", Server, Get, true, SERVER_PARAMS;
    EnableServer = "enable-server", Server, Get, true, &[
        req("id", Rule::Range(0, 1_000_000)), req("is-use", Rule::Flag)];
    SetServer = "set-server", Server, Get, true, SET_SERVER_PARAMS;
    DelServer = "del-server", Server, Get, true, &[req("id", Rule::Range(0, 1_000_000))];
    StartTestServer = "start-test-server", Server, Get, true, TEST_SERVER_PARAMS;
    StopTestServer = "stop-test-server", Server, Get, true, &[];
    ClearTestServer = "clear-test-server", Server, Get, true, &[];
    SetStream = "set-stream", Encoding, Get, true, &[
        req("rec", Rule::Flag), req("live", Rule::Flag), req("mws", Rule::Flag)];
    SetVideo = "set-video", Encoding, Get, true, &[
        req("stream", Rule::Flag), req("is-auto", Rule::Flag),
        req("cx", Rule::Range(1, 8192)), req("cy", Rule::Range(1, 8192)),
        req("duration", Rule::Choice(DURATIONS)), req("kbps", Rule::Choice(VIDEO_KBPS)),
        req("gop", Rule::Choice(GOP_SEC)), req("fourcc", Rule::Choice(&[0])),
        req("codec", Rule::Flag), req("profile", Rule::Choice(&[0, 1, 2])),
        req("cbrstat", Rule::Choice(STAT_SEC)), req("fullrange", Rule::Flag)];
    SetAudio = "set-audio", Encoding, Get, true, &[req("kbps", Rule::Choice(AUDIO_KBPS))];
    Reboot = "reboot", Reset, Get, true, &[];
    ResetAllSettings = "reset-all-settings", Reset, Get, true, &[];
    Login = "login", Login, Get, false, &[req("id", USER_ID), req("pass", Rule::Md5)];
    Logout = "logout", Login, Get, true, &[];
    GetUsers = "get-users", Users, Get, true, &[];
    AddUser = "add-user", Users, Get, true, &[req("id", USER_ID), req("pass", Rule::Md5)];
    DelUser = "del-user", Users, Get, true, &[req("id", USER_ID)];
    ChPassword = "ch-password", Users, Get, true, &[req("pass", Rule::Md5), req("new-pass", Rule::Md5)];
    SetPassword = "set-password", Users, Get, true, &[req("id", USER_ID), req("pass", Rule::Md5)];
    SetEth = "set-eth", Network, Get, true, &[
        req("is-dhcp", Rule::Flag), opt("ip", Rule::Ipv4), opt("mask", Rule::Netmask),
        opt("router", Rule::Ipv4), opt("dns", Rule::Ipv4)];
    DisconnWifi = "disconn-wifi", Network, Get, true, &[];
    CloseSoftap = "close-softap", Network, Get, true, &[];
    Update = "update", Firmware, Get, true, &[req("mode", Rule::Word(&["upload", "online"]))];
    UploadUpdateFile = "upload-update-file", Firmware, Upload, true, &[];
    CancelDownload = "cancel-download", Firmware, Get, true, &[];
    OnlineUpdateCheck = "online-update-check", Firmware, Get, true, &[];
    ClearUpgrade = "clear-upgrade", Firmware, Get, true, &[];
    ClearCheckUpdate = "clear-check-update", Firmware, Get, true, &[];
}

impl Method {
    /// The method's table entry.
    pub fn spec(self) -> &'static MethodSpec {
        // The table is built from the same list as the enum, in order.
        &METHODS[self as usize]
    }

    /// Look a method up by its wire name.
    pub fn from_name(name: &str) -> Option<Method> {
        METHODS.iter().find(|m| m.name == name).map(|m| m.method)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_matches_methods_tsv() {
        assert_eq!(METHODS.len(), 56);
        for (i, m) in METHODS.iter().enumerate() {
            assert_eq!(m.method as usize, i);
            assert_eq!(Method::from_name(m.name), Some(m.method));
        }
        let tsv = include_str!("../../tests/data/methods.tsv");
        let names: Vec<&str> = tsv
            .lines()
            .skip(1)
            .filter_map(|l| l.split('\t').nth(1))
            .collect();
        assert_eq!(names.len(), 56);
        for n in names {
            assert!(Method::from_name(n).is_some(), "{n} missing from the table");
        }
    }
}
