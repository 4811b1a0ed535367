//! Table-driven: every field of the C structs (usapi_info, usapi_settings,
//! usapi_server_info, usapi_media_page / usapi_media_file, usapi_user)
//! equals the value at its place in the JSON of the same reply, for the
//! simulator's replies (JSON and struct through the C ABI) and for real
//! captures (tests/data/captures, provenance in its SOURCES.md). The
//! tables are checked against the header: a struct field without a row
//! fails. Truncation: a device string too long for its field is an error
//! naming the field, never a cut string.

use crate::common;

use serde_json::Value;
use std::ffi::{CStr, CString, c_char};
use std::ptr;
use ultrastream::Error;
use ultrastream::ffi::*;
use ultrastream::model::servers::{ServerInfo, server_infos};
use ultrastream::model::{Info, MediaFiles, Settings, Status, Users};

// ------------------------------------------------------------ the tables

#[derive(Debug, Clone, PartialEq)]
enum V {
    S(String),
    I(i64),
    F(f64),
}

trait ToV {
    fn to_v(&self) -> V;
}
impl<const N: usize> ToV for [c_char; N] {
    fn to_v(&self) -> V {
        assert_eq!(self[N - 1], 0, "the last byte of a string field is its NUL");
        let bytes: Vec<u8> = self
            .iter()
            .take_while(|c| **c != 0)
            .map(|c| *c as u8)
            .collect();
        V::S(String::from_utf8(bytes).expect("UTF-8 field"))
    }
}
impl ToV for i32 {
    fn to_v(&self) -> V {
        V::I(*self as i64)
    }
}
impl ToV for i64 {
    fn to_v(&self) -> V {
        V::I(*self)
    }
}
impl ToV for f64 {
    fn to_v(&self) -> V {
        V::F(*self)
    }
}

/// What the JSON says a field of kind `like` holds: a missing key or null
/// is "" / 0; numbers sent as text count as numbers, as the library reads them.
fn from_json(v: Option<&Value>, like: &V) -> V {
    let v = v.unwrap_or(&Value::Null);
    match like {
        V::S(_) => V::S(match v {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        }),
        V::I(_) => V::I(match v {
            Value::Number(n) => n
                .as_i64()
                .unwrap_or_else(|| n.as_f64().unwrap_or(0.0) as i64),
            Value::String(s) => s.trim().parse::<f64>().map(|f| f as i64).unwrap_or(0),
            Value::Bool(b) => *b as i64,
            _ => 0,
        }),
        V::F(_) => V::F(match v {
            Value::Number(n) => n.as_f64().unwrap_or(0.0),
            Value::String(s) => s.trim().parse().unwrap_or(0.0),
            _ => 0.0,
        }),
    }
}

/// (C field path, JSON pointer, accessor).
type Row<T> = (String, &'static str, fn(&T) -> V);

macro_rules! rows {
    ($t:ty; $($($f:ident).+ => $p:expr),* $(,)?) => {
        vec![$(
            (stringify!($($f).+).replace(' ', ""), $p, (|o: &$t| o $(.$f)+ .to_v()) as fn(&$t) -> V)
        ),*]
    };
}

fn info_rows() -> Vec<Row<usapi_info>> {
    rows![usapi_info;
        result => "/result",
        product.sn => "/product/sn",
        product.product_id => "/product/product-id",
        product.hardware_ver => "/product/hardware-ver",
        product.firmware_id => "/product/firmware-id",
        product.firmware_ver_s => "/product/firmware-ver-s",
        product.factory_firmware_ver_s => "/product/factory-firmware-ver-s",
        product.product_name => "/product/product-name",
        product.module_name => "/product/module-name",
        product.manu_name => "/product/manu-name",
        product.features => "/product/features",
        product.max_lock_count => "/product/max-lock-count",
        mac_addr.eth => "/mac-addr/eth",
        mac_addr.wifi => "/mac-addr/wifi",
        mac_addr.blue => "/mac-addr/blue",
        snapshot => "/snapshot",
    ]
}

fn settings_rows() -> Vec<Row<usapi_settings>> {
    let mut r = rows![usapi_settings;
        result => "/result",
        name => "/name",
        passwd => "/passwd",
        is_settings => "/is-settings",
        is_ssdp => "/is-ssdp",
        is_startup => "/is-startup",
        is_startup_rec => "/is-startup-rec",
        is_startup_live => "/is-startup-live",
        is_signal_lost => "/is-signal-lost",
        is_hdmi_rec_ctrl => "/is-hdmi-rec-ctrl",
        softap.is_softap => "/softap/is-softap",
        softap.is_visible => "/softap/is-visible",
        softap.softap_ssid => "/softap/softap-ssid",
        softap.softap_passwd => "/softap/softap-passwd",
        date_time.timezone => "/date-time/timezone",
        date_time.is_auto => "/date-time/is-auto",
        rec_control.mime_type => "/rec-control/mime-type",
        rec_control.usb_option => "/rec-control/usb-option",
        rec_control.sd_option => "/rec-control/sd-option",
        rec_control.root_folder => "/rec-control/root-folder",
        rec_control.file_prefix => "/rec-control/file-prefix",
        rec_control.time_unit => "/rec-control/time-unit",
        video_color.contrast => "/video-color/contrast",
        video_color.brightness => "/video-color/brightness",
        video_color.saturation => "/video-color/saturation",
        video_color.hue => "/video-color/hue",
        volume.is_mic => "/volume/is-mic",
        volume.mic_gain => "/volume/mic-gain",
        volume.is_spi => "/volume/is-spi",
        volume.spi_gain => "/volume/spi-gain",
        volume.is_phone => "/volume/is-phone",
        volume.phone_gain => "/volume/phone-gain",
        rec_stream => "/rec-stream",
        live_stream => "/live-stream",
        mws_stream => "/mws-stream",
        audio.sample_rate => "/audio/sample-rate",
        audio.channels => "/audio/channels",
        audio.kbps => "/audio/kbps",
        eth.is_dhcp => "/eth/is-dhcp",
        eth.ip => "/eth/ip",
        eth.mask => "/eth/mask",
        eth.router => "/eth/router",
        eth.dns => "/eth/dns",
    ];
    for (block, ptr) in [
        ("main_stream", "/main-stream"),
        ("sub_stream", "/sub-stream"),
    ] {
        let main = block == "main_stream";
        macro_rules! stream {
            ($($f:ident => $k:expr),*) => {
                $(r.push((
                    format!("{block}.{}", stringify!($f)),
                    Box::leak(format!("{ptr}/{}", $k).into_boxed_str()),
                    if main { |o: &usapi_settings| o.main_stream.$f.to_v() } else { |o: &usapi_settings| o.sub_stream.$f.to_v() },
                ));)*
            };
        }
        stream!(is_auto => "is-auto", codec => "codec", cx => "cx", cy => "cy",
            duration => "duration", kbps => "kbps", gop => "gop", fourcc => "fourcc",
            profile => "profile", cbrstat => "cbrstat", fullrange => "fullrange");
    }
    r
}

/// Relative to one `stream-server` entry. live_result is not in
/// get-settings: it is checked against get-status by `check_live`.
fn server_rows() -> Vec<Row<usapi_server_info>> {
    rows![usapi_server_info;
        id => "/id",
        server_type => "/type",
        name => "/name",
        url => "/url",
        is_use => "/is-use",
        is_auth => "/is-auth",
        net_mode => "/net-mode",
    ]
}

fn page_rows() -> Vec<Row<usapi_media_page>> {
    rows![usapi_media_page; result => "/result", path => "/path", thumbnail => "/thumbnail"]
}

/// Relative to one `media-files` entry.
fn file_rows() -> Vec<Row<usapi_media_file>> {
    rows![usapi_media_file;
        name => "/name",
        thumbnail_name => "/thumbnail-name",
        status => "/status",
        create_time => "/create-time",
        size_bytes => "/size-bytes",
        duration => "/duration",
        width => "/width",
        height => "/height",
        interval => "/interval",
        codec => "/codec",
    ]
}

/// Relative to one `users` entry.
fn user_rows() -> Vec<Row<usapi_user>> {
    rows![usapi_user; id => "/id", user_type => "/type"]
}

/// Compare every row; return how many fields held a non-default value
/// (so a test can insist the data was not all empty).
fn check<T>(what: &str, s: &T, json: &Value, rows: &[Row<T>]) -> usize {
    let mut non_default = 0;
    for (path, ptr, get) in rows {
        let got = get(s);
        let want = from_json(json.pointer(ptr), &got);
        assert_eq!(got, want, "{what}: field `{path}` vs JSON {ptr}");
        if !matches!(&got, V::S(x) if x.is_empty()) && got != V::I(0) && got != V::F(0.0) {
            non_default += 1;
        }
    }
    non_default
}

// ---------------------------------------- the tables cover the header

/// The leaf fields of `usapi_X` in the header, nested structs flattened
/// with '.' ("product.sn").
fn header_leaves(header: &str, name: &str, prefix: &str, out: &mut Vec<String>) {
    let start = format!("typedef struct {name} {{");
    let body = header
        .split(&start)
        .nth(1)
        .and_then(|rest| rest.split(&format!("}} {name};")).next())
        .unwrap_or_else(|| panic!("struct {name} not in the header"));
    for line in body.lines().map(str::trim) {
        if line.is_empty() || line.starts_with("/*") || line.starts_with('*') {
            continue;
        }
        let decl = line.trim_end_matches(';');
        let (ty, field) = decl.rsplit_once(' ').expect("a field declaration");
        let field = field.split('[').next().unwrap_or(field);
        let ty = ty.trim().trim_start_matches("struct ");
        let path = format!("{prefix}{field}");
        if ty.starts_with("usapi_") {
            header_leaves(header, ty, &format!("{path}."), out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn the_tables_cover_every_field_of_the_header() {
    let header = include_str!("../../include/ultrastream.h");
    let cases: Vec<(&str, Vec<String>, &[&str])> = vec![
        (
            "usapi_info",
            info_rows().into_iter().map(|r| r.0).collect(),
            &[],
        ),
        (
            "usapi_settings",
            settings_rows().into_iter().map(|r| r.0).collect(),
            &["server_count"],
        ),
        (
            "usapi_server_info",
            server_rows().into_iter().map(|r| r.0).collect(),
            &["live_result"],
        ),
        (
            "usapi_media_page",
            page_rows().into_iter().map(|r| r.0).collect(),
            &[],
        ),
        (
            "usapi_media_file",
            file_rows().into_iter().map(|r| r.0).collect(),
            &[],
        ),
        (
            "usapi_user",
            user_rows().into_iter().map(|r| r.0).collect(),
            &[],
        ),
    ];
    for (name, mut covered, elsewhere) in cases {
        let mut leaves = Vec::new();
        header_leaves(header, name, "", &mut leaves);
        covered.extend(elsewhere.iter().map(|s| s.to_string()));
        leaves.sort();
        covered.sort();
        assert_eq!(
            leaves, covered,
            "{name}: header fields (left) vs table rows (right)"
        );
    }
}

// ---------------------------------------------------- C ABI helpers

fn cstr(s: &str) -> CString {
    CString::new(s).unwrap()
}

fn take_json(p: *mut c_char) -> Value {
    assert!(!p.is_null());
    // SAFETY: a string the library returned.
    let s = unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_string();
    unsafe { usapi_string_free(p) };
    serde_json::from_str(&s).unwrap()
}

fn last_error() -> String {
    // SAFETY: the library's per-thread message.
    unsafe { CStr::from_ptr(usapi_last_error()) }
        .to_string_lossy()
        .into_owned()
}

struct Sim {
    sim: usapi_sim,
    dev: usapi_device,
}

impl Sim {
    fn start() -> Sim {
        let mut sim = 0;
        let mut host = ptr::null_mut();
        let opts = cstr(r#"{"time_scale":0.000001}"#);
        unsafe {
            assert_eq!(usapi_sim_start(opts.as_ptr(), &mut sim), 0);
            assert_eq!(usapi_sim_address(sim, &mut host), 0);
        }
        let h = unsafe { CStr::from_ptr(host) }.to_owned();
        unsafe { usapi_string_free(host) };
        let mut dev = 0;
        let admin = cstr("Admin");
        unsafe {
            assert_eq!(usapi_device_open(h.as_ptr(), ptr::null(), &mut dev), 0);
            assert_eq!(usapi_login(dev, admin.as_ptr(), admin.as_ptr()), 0);
        }
        Sim { sim, dev }
    }
    fn control(&self, cmd: &str) {
        let c = cstr(cmd);
        assert_eq!(
            unsafe { usapi_sim_control(self.sim, c.as_ptr(), ptr::null_mut()) },
            0
        );
    }
    fn json(&self, f: unsafe extern "C" fn(usapi_device, *mut *mut c_char) -> i32) -> Value {
        let mut p = ptr::null_mut();
        assert_eq!(unsafe { f(self.dev, &mut p) }, 0, "{}", last_error());
        take_json(p)
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        usapi_device_close(self.dev);
        usapi_sim_stop(self.sim);
    }
}

fn zeroed<T>() -> T {
    // SAFETY: the plain-data structs of the C ABI.
    unsafe { std::mem::zeroed() }
}

/// live_result against get-status' JSON, with the rule the header states:
/// the per-id `live` list when present, else result / result2 for the
/// first / second enabled server; 0 or absent is 27.
fn check_live(servers: &[usapi_server_info], settings: &Value, status: &Value) {
    let live = &status["live-status"];
    let enabled: Vec<i64> = settings["stream-server"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|s| s["is-use"].as_i64() == Some(1))
                .filter_map(|s| s["id"].as_i64())
                .collect()
        })
        .unwrap_or_default();
    for s in servers {
        let id = s.id as i64;
        let state = match live["live"].as_array() {
            Some(list) if !list.is_empty() => list
                .iter()
                .find(|e| e["id"].as_i64() == Some(id))
                .and_then(|e| e["result"].as_i64()),
            _ => match enabled.iter().position(|e| *e == id) {
                Some(0) => live["result"].as_i64(),
                Some(1) => live["result2"].as_i64(),
                _ => None,
            },
        };
        let want = match state {
            None | Some(0) => 27,
            Some(v) => v,
        };
        assert_eq!(s.live_result as i64, want, "live_result of server {id}");
    }
}

// ------------------------------------------------ the simulator's replies

#[test]
fn struct_fields_equal_the_simulators_json() {
    let sim = Sim::start();
    let dev = sim.dev;

    let json = sim.json(usapi_get_info);
    let mut info: usapi_info = zeroed();
    assert_eq!(unsafe { usapi_get_info_struct(dev, &mut info) }, 0);
    assert!(check("sim get-info", &info, &json, &info_rows()) > 10);

    // A second server, enabled and live, so live_result has a state.
    let (name, url, key) = (
        cstr("Typed Fields"),
        cstr("rtmp://127.0.0.1/app"),
        cstr("k-1"),
    );
    let server = usapi_server {
        server_type: 0,
        name: name.as_ptr(),
        url: url.as_ptr(),
        key: key.as_ptr(),
        is_auth: 0,
        user: ptr::null(),
        passwd: ptr::null(),
        token: ptr::null(),
        net_mode: 2,
    };
    let mut id = -1;
    assert_eq!(
        unsafe { usapi_add_server_id(dev, &server, &mut id, ptr::null_mut()) },
        0
    );
    assert!(id >= 0);
    unsafe {
        assert_eq!(
            usapi_enable_server(dev, 0, 1, ptr::null_mut()),
            0,
            "{}",
            last_error()
        );
        assert_eq!(
            usapi_enable_server(dev, id, 1, ptr::null_mut()),
            0,
            "{}",
            last_error()
        );
        assert_eq!(usapi_start_live(dev, ptr::null_mut()), 0);
    }
    sim.control(r#"{"cmd":"advance","ms":5000}"#);

    let json = sim.json(usapi_get_settings);
    let mut settings: usapi_settings = zeroed();
    assert_eq!(unsafe { usapi_get_settings_struct(dev, &mut settings) }, 0);
    assert!(check("sim get-settings", &settings, &json, &settings_rows()) > 20);
    let list = json["stream-server"].as_array().unwrap();
    assert_eq!(settings.server_count as usize, list.len());

    let mut servers: Vec<usapi_server_info> = vec![zeroed(); 16];
    let mut n = 0;
    assert_eq!(
        unsafe { usapi_get_servers(dev, servers.as_mut_ptr(), 16, &mut n) },
        0
    );
    servers.truncate(n);
    assert_eq!(n, list.len());
    assert!(n >= 2);
    for (s, j) in servers.iter().zip(list) {
        check("sim stream-server", s, j, &server_rows());
    }
    let status = sim.json(usapi_get_status);
    check_live(&servers, &json, &status);
    let ours = servers.iter().find(|s| s.id == id).unwrap();
    assert_eq!(ours.live_result, 22, "connected after the advance");
    assert_eq!(
        servers[0].live_result, 22,
        "the first enabled server takes `result`"
    );
    unsafe { assert_eq!(usapi_stop_live(dev, ptr::null_mut()), 0) };

    let json = sim.json(usapi_get_users);
    let mut users: Vec<usapi_user> = vec![zeroed(); 8];
    let mut n = 0;
    assert_eq!(
        unsafe { usapi_get_users_struct(dev, users.as_mut_ptr(), 8, &mut n) },
        0
    );
    let list = json["users"].as_array().unwrap();
    assert_eq!(n, list.len());
    for (u, j) in users.iter().zip(list) {
        assert_eq!(check("sim users", u, j, &user_rows()), 2);
    }

    // Two recordings, so the page has files.
    for _ in 0..2 {
        unsafe { assert_eq!(usapi_start_rec(dev, ptr::null_mut()), 0) };
        sim.control(r#"{"cmd":"advance","ms":30000}"#);
        unsafe { assert_eq!(usapi_stop_rec(dev, ptr::null_mut()), 0) };
    }
    let mut p = ptr::null_mut();
    assert_eq!(unsafe { usapi_get_media_files(dev, 0, 0, 8, &mut p) }, 0);
    let json = take_json(p);
    let mut page: usapi_media_page = zeroed();
    let mut files: Vec<usapi_media_file> = vec![zeroed(); 8];
    let mut n = 0;
    let rc = unsafe {
        usapi_get_media_files_struct(dev, 0, 0, &mut page, files.as_mut_ptr(), 8, &mut n)
    };
    assert_eq!(rc, 0, "{}", last_error());
    check("sim get-media-files", &page, &json, &page_rows());
    let list = json["media-files"].as_array().unwrap();
    assert_eq!(n, list.len());
    assert!(n >= 2);
    for (f, j) in files.iter().zip(list) {
        assert!(check("sim media file", f, j, &file_rows()) >= 5);
    }
}

// ------------------------------------------------------- real captures

fn capture(name: &str) -> Value {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

#[test]
fn struct_fields_equal_the_real_captures() {
    // get-info (Ultra Encode AIO fixture with a real serial format).
    let json = capture("captures/WestonConat-magewell-aio-control__get-info_fixture.json");
    let info =
        usapi_info::from_reply(&serde_json::from_value::<Info>(json.clone()).unwrap()).unwrap();
    assert_eq!(check("get-info capture", &info, &json, &info_rows()), 6);

    // A real settings export. Its softap-passwd was redacted with a
    // 41-character note, longer than the 32 the document allows: the
    // struct refuses it (see the truncation test); with an 8-digit
    // stand-in, as in the original, every field matches.
    let mut json =
        capture("captures/WestonConat-magewell-aio-control__export-settings_ultra-encode-aio.json");
    json["softap"]["softap-passwd"] = Value::String("12345678".into());
    let typed: Settings = serde_json::from_value(json.clone()).unwrap();
    let settings = usapi_settings::from_reply(&typed).unwrap();
    assert!(check("get-settings capture", &settings, &json, &settings_rows()) > 15);
    let list = json["stream-server"].as_array().unwrap();
    assert_eq!(settings.server_count as usize, list.len());
    let servers: Vec<usapi_server_info> = server_infos(&typed, &Status::default())
        .iter()
        .map(|s| usapi_server_info::from_info(s).unwrap())
        .collect();
    for (s, j) in servers.iter().zip(list) {
        check("stream-server capture", s, j, &server_rows());
    }
    check_live(&servers, &json, &Value::Null);

    // The real get-status of an Ultra Encode streaming to two SRT servers:
    // the per-id live list gives each server its state.
    let status = capture("get-status-real.json");
    let typed_status: Status = serde_json::from_value(status.clone()).unwrap();
    let ids: Vec<Value> = status["live-status"]["live"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| serde_json::json!({"id": e["id"], "is-use": e["is-use"], "name": e["name"]}))
        .collect();
    let settings_json = serde_json::json!({"stream-server": ids});
    let typed_settings: Settings = serde_json::from_value(settings_json.clone()).unwrap();
    let servers: Vec<usapi_server_info> = server_infos(&typed_settings, &typed_status)
        .iter()
        .map(|s| usapi_server_info::from_info(s).unwrap())
        .collect();
    assert_eq!(servers.len(), 2);
    check_live(&servers, &settings_json, &status);
    assert!(servers.iter().all(|s| s.live_result == 22));

    // get-media-files, the vendor's example.
    let json = capture("captures/magewell-docs-ultra-stream__get-media-files.json");
    let typed: MediaFiles = serde_json::from_value(json.clone()).unwrap();
    let page = usapi_media_page::from_reply(&typed).unwrap();
    assert_eq!(
        check("get-media-files capture", &page, &json, &page_rows()),
        2
    );
    let files: Vec<usapi_media_file> = typed
        .media_files
        .iter()
        .map(|f| usapi_media_file::from_reply(f).unwrap())
        .collect();
    let list = json["media-files"].as_array().unwrap();
    assert_eq!(files.len(), list.len());
    for (f, j) in files.iter().zip(list) {
        assert_eq!(check("media file capture", f, j, &file_rows()), 9);
    }

    // get-users: the document's example (no capture of it exists).
    let json: Value = serde_json::from_str(
        r#"{"result":0,"users":[{"id":"Admin","type":1},{"id":"Test","type":2}]}"#,
    )
    .unwrap();
    let typed: Users = serde_json::from_value(json.clone()).unwrap();
    for (u, j) in typed.users.iter().zip(json["users"].as_array().unwrap()) {
        check(
            "users example",
            &usapi_user::from_reply(u).unwrap(),
            j,
            &user_rows(),
        );
    }
}

// ------------------------------------------------------------ truncation

fn truncated(e: Error) -> (String, usize, usize) {
    match e {
        Error::Truncated { field, len, cap } => (field, len, cap),
        other => panic!("expected Truncated, got {other:?}"),
    }
}

#[test]
fn a_string_longer_than_its_field_is_an_error_naming_it() {
    // The real capture with its redaction note (41 bytes) in softap-passwd.
    let json =
        capture("captures/WestonConat-magewell-aio-control__export-settings_ultra-encode-aio.json");
    let typed: Settings = serde_json::from_value(json).unwrap();
    let e = usapi_settings::from_reply(&typed).unwrap_err();
    assert_eq!(e.code(), USAPI_E_TRUNCATED);
    assert!(e.to_string().contains("softap.softap-passwd"), "{e}");
    assert_eq!(truncated(e), ("softap.softap-passwd".into(), 41, 32));

    // At the limit it fits whole; one byte more is refused.
    let server = |name: &str, url: &str| ServerInfo {
        name: name.into(),
        url: url.into(),
        ..Default::default()
    };
    let s = usapi_server_info::from_info(&server(&"n".repeat(32), &"u".repeat(512))).unwrap();
    assert_eq!(s.name.to_v(), V::S("n".repeat(32)));
    assert_eq!(s.url.to_v(), V::S("u".repeat(512)));
    assert_eq!(
        truncated(usapi_server_info::from_info(&server(&"n".repeat(33), "u")).unwrap_err()),
        ("stream-server.name".into(), 33, 32)
    );
    assert_eq!(
        truncated(usapi_server_info::from_info(&server("n", &"u".repeat(513))).unwrap_err()),
        ("stream-server.url".into(), 513, 512)
    );
    // Multi-byte UTF-8 counts in bytes: 17 two-byte characters do not fit 32.
    assert_eq!(
        truncated(usapi_server_info::from_info(&server(&"é".repeat(17), "u")).unwrap_err()),
        ("stream-server.name".into(), 34, 32)
    );
    // A NUL inside would cut the C string: refused too.
    let e = usapi_server_info::from_info(&server("a\0b", "u")).unwrap_err();
    assert_eq!(e.code(), USAPI_E_BAD_REPLY, "{e}");
    // A number outside int32_t is refused, not wrapped.
    let big = ServerInfo {
        id: 1 << 40,
        ..Default::default()
    };
    assert_eq!(
        usapi_server_info::from_info(&big).unwrap_err().code(),
        USAPI_E_BAD_REPLY
    );
}

#[test]
fn through_the_c_abi_truncation_fails_the_call_and_leaves_out_untouched() {
    use common::{Action, Stub};
    let long_name = "N".repeat(40);
    let settings = format!(
        r#"{{"result":0,"name":"{long_name}","stream-server":[
            {{"id":0,"type":0,"name":"short","url":"rtmp://a/b","is-use":1}},
            {{"id":7,"type":0,"name":"{long_name}","url":"rtmp://c/d","is-use":0}}]}}"#
    );
    let stub = Stub::start(move |req| match req.api_method().as_str() {
        "get-settings" => Action::Json(settings.clone()),
        "get-status" => Action::Json(r#"{"result":0,"live-status":{"result":22}}"#.into()),
        "get-users" => Action::Json(
            r#"{"result":0,"users":[{"id":"Admin","type":1},{"id":"B","type":2}]}"#.into(),
        ),
        _ => Action::Json(r#"{"result":0}"#.into()),
    });
    let host = cstr(&stub.addr);
    let mut dev = 0;
    assert_eq!(
        unsafe { usapi_device_open(host.as_ptr(), ptr::null(), &mut dev) },
        0
    );

    // get-settings: the device name is too long.
    let mut s: usapi_settings = zeroed();
    s.result = 12345;
    assert_eq!(
        unsafe { usapi_get_settings_struct(dev, &mut s) },
        USAPI_E_TRUNCATED
    );
    assert_eq!(s.result, 12345, "out untouched");
    let msg = last_error();
    assert!(
        msg.contains("'name' is 40 bytes") && msg.contains("32"),
        "{msg}"
    );

    // get-servers: the second server's name; nothing written.
    let mut list: Vec<usapi_server_info> = vec![zeroed(); 4];
    list[0].id = -5;
    let mut n = 99;
    assert_eq!(
        unsafe { usapi_get_servers(dev, list.as_mut_ptr(), 4, &mut n) },
        USAPI_E_TRUNCATED
    );
    assert_eq!((n, list[0].id), (99, -5));
    assert!(
        last_error().contains("stream-server.name"),
        "{}",
        last_error()
    );

    // find-server: the short one is found (only it is converted), and
    // has the first enabled server's live state.
    let short = cstr("short");
    let mut one: usapi_server_info = zeroed();
    assert_eq!(
        unsafe { usapi_find_server(dev, short.as_ptr(), &mut one) },
        0
    );
    assert_eq!((one.id, one.live_result), (0, 22));
    let long = cstr(&"N".repeat(40));
    assert_eq!(
        unsafe { usapi_find_server(dev, long.as_ptr(), &mut one) },
        USAPI_E_TRUNCATED
    );

    // Users: a capacity of 1 for 2 users.
    let mut users: Vec<usapi_user> = vec![zeroed(); 1];
    let mut n = 0;
    assert_eq!(
        unsafe { usapi_get_users_struct(dev, users.as_mut_ptr(), 1, &mut n) },
        USAPI_E_BUFFER_TOO_SMALL
    );
    assert_eq!(n, 2);
    assert_eq!(users[0].id.to_v(), V::S("Admin".into()));
    assert!(last_error().contains("capacity"), "{}", last_error());
    usapi_device_close(dev);
}
