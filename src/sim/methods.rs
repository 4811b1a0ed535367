//! The 56 API methods as the simulated device carries them out: session
//! check, the API Limits table, parameter rules with the documented codes,
//! and the state change each method makes.
//!
//! Conventions (where the document names no code, the choice is given):
//! - A parameter that is missing, not an integer, or outside its listed
//!   values: errParam (-10). A string outside its character set or length:
//!   errString (-28).
//! - An id that names no server: errNotFound (-14). A user id that names no
//!   user (del-user, set-password): errNoUser (-25). Wrong login: errPasswd
//!   (-1), as devices in the field answer (the document says 36).
//! - A 17th server: errParam (-10) (the document gives the limit, no code).
//! - stop-rec / stop-live with nothing running: retRepeat (1).
//!   stop-test-usb / stop-test-server / cancel-download with nothing to
//!   stop: 0, no change. A clear-* while its operation runs: errBusy (-9).
//! - HEVC on the main stream (errCodecLimited, -32): enable-server and
//!   start-live refuse when the live stream is the main stream and it is
//!   HEVC; set-video refuses HEVC on the main stream when the live stream is
//!   the main stream and a server is enabled. The sub stream is H.264 only
//!   (errParam).
//! - The 4 GB rule (err4GLimited, -33): time-unit minutes × (video + audio
//!   kbps × 1024 / 8 bytes/s) must stay ≤ 4 GiB; checked by set-rec-control,
//!   set-video, set-audio and set-stream.

use super::device::*;
use super::limits::{self, Class, Rel};
use super::rules;
use crate::model::caps::*;
use crate::model::codes::*;
use serde_json::{Value, json};

/// True for the 56 methods of the document. The name list is the
/// library's method table: data from the document, not client logic.
pub(crate) fn is_method(name: &str) -> bool {
    crate::api::Method::from_name(name).is_some()
}

/// One request, as the server hands it over.
pub(crate) struct Call<'a> {
    pub method: &'a str,
    pub params: &'a [(String, String)],
    /// Every `sid` the Cookie headers carried.
    pub sids: &'a [String],
    pub body: &'a [u8],
    /// For upload-update-file: the verdict on the uploaded image, worked out
    /// by the server before it takes the device lock (reading and hashing
    /// a large body must not stall every other client).
    pub upload: Option<&'a Result<super::firmware::Image, i32>>,
}

/// The reply body and, after a login, the new session id.
pub(crate) struct Outcome {
    pub body: Value,
    pub set_cookie: Option<String>,
}

type R = Result<Value, i32>;

fn ok() -> R {
    Ok(json!({"result": RET_SUCCEED}))
}

fn code(c: i32) -> R {
    Ok(json!({"result": c}))
}

/// Parameter access with the device's codes.
struct P<'a>(&'a [(String, String)]);

impl<'a> P<'a> {
    fn get(&self, k: &str) -> Option<&'a str> {
        self.0
            .iter()
            .rev()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    }
    fn int(&self, k: &str) -> Result<Option<i64>, i32> {
        match self.get(k) {
            None => Ok(None),
            Some(v) => parse_int(v).map(Some).ok_or(ERR_PARAM),
        }
    }
    fn req_int(&self, k: &str) -> Result<i64, i32> {
        self.int(k)?.ok_or(ERR_PARAM)
    }
    fn choice(&self, k: &str, allowed: &[i64]) -> Result<Option<i64>, i32> {
        match self.int(k)? {
            Some(v) if !allowed.contains(&v) => Err(ERR_PARAM),
            other => Ok(other),
        }
    }
    fn req_choice(&self, k: &str, allowed: &[i64]) -> Result<i64, i32> {
        self.choice(k, allowed)?.ok_or(ERR_PARAM)
    }
    fn flag(&self, k: &str) -> Result<Option<i64>, i32> {
        self.choice(k, &[0, 1])
    }
    fn req_flag(&self, k: &str) -> Result<i64, i32> {
        self.req_choice(k, &[0, 1])
    }
    fn req_str(&self, k: &str) -> Result<&'a str, i32> {
        self.get(k).ok_or(ERR_PARAM)
    }
    fn md5(&self, k: &str) -> Result<Option<String>, i32> {
        match self.get(k) {
            None | Some("") => Ok(None),
            Some(v) if rules::is_md5(v) => Ok(Some(v.to_ascii_lowercase())),
            Some(_) => Err(ERR_PARAM),
        }
    }
    fn req_md5(&self, k: &str) -> Result<String, i32> {
        self.md5(k)?.ok_or(ERR_PARAM)
    }
}

fn parse_int(v: &str) -> Option<i64> {
    let digits = v.strip_prefix(['-', '+']).unwrap_or(v);
    if digits.is_empty() || digits.len() > 15 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    v.parse().ok()
}

/// Free text (URLs, keys, tokens): no control characters, at most `max` bytes.
fn text_ok(s: &str, max: usize) -> bool {
    s.len() <= max && !s.chars().any(char::is_control)
}

/// A fresh session id: 32 lower-case hex digits.
pub(crate) fn new_sid() -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mut out = String::with_capacity(32);
    for i in 0..2u64 {
        let mut h = RandomState::new().build_hasher();
        h.write_u64(n);
        h.write_u64(i);
        h.write_u128(nanos);
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out
}

/// MD5 hex of a plain password.
pub(crate) fn md5_hex(s: &str) -> String {
    use md5::{Digest, Md5};
    Md5::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The server named in a URL: `rtmp://a.b:1935/live` → `a.b`.
fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.split(['/', ':', '?']).next().unwrap_or("");
    let name: String = host
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "._-".contains(*c))
        .take(32)
        .collect();
    if name.is_empty() {
        "Server".into()
    } else {
        name
    }
}

/// The server fields add-server, set-server and start-test-server take.
struct ServerFields {
    kind: Option<i64>,
    url: Option<String>,
    key: Option<String>,
    is_auth: Option<i64>,
    user: Option<String>,
    passwd: Option<String>,
    token: Option<String>,
    net_mode: Option<i64>,
    name: Option<String>,
}

fn server_fields(p: &P<'_>) -> Result<ServerFields, i32> {
    let f = ServerFields {
        kind: p.choice("type", &[0, 1, 2, 3])?,
        url: p.get("url").map(str::to_string),
        key: p.get("key").map(str::to_string),
        is_auth: p.flag("is-auth")?,
        user: p.get("user").map(str::to_string),
        passwd: p.get("passwd").map(str::to_string),
        token: p.get("token").map(str::to_string),
        net_mode: p.choice("net-mode", &[0, 1, 2])?,
        name: p.get("name").map(str::to_string),
    };
    if f.url.as_deref() == Some("") {
        return Err(ERR_PARAM);
    }
    for (v, max) in [
        (&f.url, 512),
        (&f.key, 512),
        (&f.user, 128),
        (&f.passwd, 128),
        (&f.token, 512),
    ] {
        if v.as_deref().is_some_and(|s| !text_ok(s, max)) {
            return Err(ERR_STRING);
        }
    }
    if f.name.as_deref().is_some_and(|n| !rules::is_name(n)) {
        return Err(ERR_STRING);
    }
    Ok(f)
}

fn apply_fields(s: &mut Server, f: ServerFields) {
    if let Some(v) = f.kind {
        s.kind = v;
    }
    if let Some(v) = f.url {
        s.url = v;
    }
    if let Some(v) = f.key {
        s.key = v;
    }
    if let Some(v) = f.is_auth {
        s.is_auth = v;
    }
    if let Some(v) = f.user {
        s.user = v;
    }
    if let Some(v) = f.passwd {
        s.passwd = v;
    }
    if let Some(v) = f.token {
        s.token = v;
    }
    if let Some(v) = f.net_mode {
        s.net_mode = v;
    }
    if let Some(v) = f.name {
        s.name = v;
    }
}

fn check_auth_fields(s: &Server) -> Result<(), i32> {
    if s.is_auth == 1 && (s.user.is_empty() || s.passwd.is_empty()) {
        return Err(ERR_PARAM);
    }
    Ok(())
}

impl Device {
    /// The operations in progress, as API Limits columns (or rows).
    pub fn running_classes(&self) -> Vec<Class> {
        let mut v = Vec::new();
        if self.format.running {
            v.push(Class::UsbFormat);
        }
        if self.disk_test.running {
            v.push(Class::PerfTest);
        }
        if self.living_test.running {
            v.push(Class::LiveTest);
        }
        if self.live.is_some() {
            v.push(Class::Live);
        }
        if self.rec.is_some() {
            v.push(Class::Rec);
        }
        if self.update_in_progress() {
            v.push(Class::FirmwareUpdate);
        }
        match self.power {
            Power::Stopping {
                kind: PowerKind::Reset,
                ..
            } => v.push(Class::Reset),
            Power::Stopping {
                kind: PowerKind::Reboot,
                ..
            } => v.push(Class::Reboot),
            _ => {}
        }
        v
    }

    /// errBusy / retRepeat from the API Limits table, if any applies.
    pub fn limit_code(&self, class: Class) -> Option<i32> {
        let rels: Vec<Rel> = self
            .running_classes()
            .into_iter()
            .map(|r| limits::rel(class, r))
            .collect();
        if rels.contains(&Rel::Exclusive) {
            Some(ERR_BUSY)
        } else if rels.contains(&Rel::Repeat) {
            Some(RET_REPEAT)
        } else {
            None
        }
    }

    /// Whether an upload would be refused before its body is looked at
    /// (no session, a running operation excludes it, an update is under
    /// way): the reply to send instead of `100 Continue`.
    pub fn upload_refusal(&mut self, sids: &[String]) -> Option<Value> {
        if self.session_of(sids).is_none() {
            return Some(json!({"result": ERR_NEED_AUTH}));
        }
        if let Some(busy) = self.limit_code(limits::class_of("upload-update-file")) {
            return Some(json!({"status": busy}));
        }
        self.update_in_progress()
            .then(|| json!({"status": ERR_BUSY}))
    }

    fn session_of(&mut self, sids: &[String]) -> Option<String> {
        let t = self.t;
        let sid = sids
            .iter()
            .find(|s| self.sessions.contains_key(*s))?
            .clone();
        if let Some(s) = self.sessions.get_mut(&sid) {
            s.last = t;
        }
        Some(sid)
    }

    /// Carry out one API call. The caller has ticked the device and checked
    /// that it is up.
    pub fn call(&mut self, c: &Call<'_>) -> Outcome {
        let session = self.session_of(c.sids);
        let p = P(c.params);
        let mut set_cookie = None;
        let r: R = match c.method {
            "ping" => Ok(json!({"result": RET_SUCCEED, "cur-status": self.cur_status()})),
            "login" => self.login(&p, session.as_deref()).map(|(v, sid)| {
                set_cookie = sid;
                v
            }),
            m if !is_method(m) => code(if session.is_some() {
                ERR_PARAM
            } else {
                ERR_NEED_AUTH
            }),
            _ if session.is_none() => code(ERR_NEED_AUTH),
            m => match self.limit_code(limits::class_of(m)) {
                Some(busy) if m == "upload-update-file" => Ok(json!({"status": busy})),
                Some(busy) => code(busy),
                None => self.dispatch(m, &p, c, session.as_deref().unwrap_or("")),
            },
        };
        let body = match r {
            Ok(v) => v,
            Err(e) if c.method == "upload-update-file" && e != ERR_NEED_AUTH => {
                json!({"status": e})
            }
            Err(e) => json!({"result": e}),
        };
        Outcome { body, set_cookie }
    }

    fn login(&mut self, p: &P<'_>, session: Option<&str>) -> Result<(Value, Option<String>), i32> {
        let id = p.req_str("id")?;
        let pass = p.get("pass").ok_or(ERR_PARAM)?.to_ascii_lowercase();
        let user_ok = self
            .cfg
            .users
            .iter()
            .any(|u| u.id == id && u.pass_md5 == pass);
        if !user_ok {
            return Err(ERR_PASSWD);
        }
        // A client logging in again with a live session keeps its slot.
        if let Some(sid) = session {
            if self.sessions.get(sid).is_some_and(|s| s.user == id) {
                return Ok((json!({"result": RET_SUCCEED}), Some(sid.to_string())));
            }
        }
        if self.sessions.len() >= MAX_SESSIONS {
            return Err(ERR_OCCUPIED);
        }
        let sid = new_sid();
        self.sessions.insert(
            sid.clone(),
            Session {
                user: id.to_string(),
                last: self.t,
            },
        );
        Ok((json!({"result": RET_SUCCEED}), Some(sid)))
    }

    fn dispatch(&mut self, m: &str, p: &P<'_>, c: &Call<'_>, sid: &str) -> R {
        let now = self.t;
        match m {
            "get-info" => Ok(self.info_json()),
            "get-status" => Ok(self.status_json()),
            "get-settings" => Ok(self.settings_json()),
            "start-rec" => {
                self.begin_recording(now)?;
                ok()
            }
            "stop-rec" => {
                if self.rec.is_none() {
                    return code(RET_REPEAT);
                }
                self.finish_recording(now, RET_SUCCEED);
                ok()
            }
            "start-live" => match self.live_check() {
                Err(c) => code(c),
                Ok(()) => {
                    self.begin_live(now);
                    ok()
                }
            },
            "stop-live" => {
                if self.live.take().is_none() {
                    return code(RET_REPEAT);
                }
                ok()
            }
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
            "start-format-usb" | "start-format-sd" => {
                let k = if m == "start-format-usb" {
                    DiskKind::Usb
                } else {
                    DiskKind::Sd
                };
                // The document: "disk-status & DiskValid = DiskValid".
                if self.disk(k).status() & crate::model::status::DISK_VALID == 0 {
                    return Err(ERR_DISK);
                }
                self.format.begin(now, self.op_duration(FORMAT_MS));
                self.format_disk = k;
                ok()
            }
            "clear-format-usb" => {
                if self.format.running {
                    return Err(ERR_BUSY);
                }
                self.format.clear();
                ok()
            }
            "start-test-usb" => {
                let d = &self.usb;
                if !d.present || !d.valid || !d.writable {
                    return Err(ERR_DISK);
                }
                if d.free() < LOW_SPACE_BYTES {
                    return Err(ERR_NO_SPACE);
                }
                self.disk_test_bps = d.write_bps;
                self.disk_test.begin(now, self.op_duration(DISK_TEST_MS));
                ok()
            }
            "stop-test-usb" => {
                if self.disk_test.running {
                    self.disk_test.cancel();
                }
                ok()
            }
            "clear-test-usb" => {
                if self.disk_test.running {
                    return Err(ERR_BUSY);
                }
                self.disk_test.clear();
                ok()
            }
            "get-media-files" => self.get_media_files(p),
            "del-media-files" => self.del_media_files(p, c.body),
            "add-server" => self.add_server(p),
            "set-server" => self.set_server(p),
            "del-server" => {
                let id = p.req_int("id")?;
                let pos = self
                    .cfg
                    .servers
                    .iter()
                    .position(|s| s.id == id)
                    .ok_or(ERR_NOT_FOUND)?;
                self.cfg.servers.remove(pos);
                ok()
            }
            "enable-server" => self.enable_server(p),
            "start-test-server" => {
                let f = server_fields(p)?;
                if f.kind.is_none() || f.url.is_none() {
                    return Err(ERR_PARAM);
                }
                if f.is_auth == Some(1)
                    && (f.user.as_deref().unwrap_or("").is_empty()
                        || f.passwd.as_deref().unwrap_or("").is_empty())
                {
                    return Err(ERR_PARAM);
                }
                self.living_test_net = f.net_mode.unwrap_or(1);
                self.living_test.begin(now, self.op_duration(LIVE_TEST_MS));
                ok()
            }
            "stop-test-server" => {
                if self.living_test.running {
                    self.living_test.cancel();
                }
                ok()
            }
            "clear-test-server" => {
                if self.living_test.running {
                    return Err(ERR_BUSY);
                }
                self.living_test.clear();
                ok()
            }
            "set-stream" => {
                let rec = p.req_flag("rec")?;
                let live = p.req_flag("live")?;
                let mws = p.req_flag("mws")?;
                let enabled = self.cfg.enabled_servers().count();
                if file_bytes(
                    self.cfg.time_unit,
                    self.cfg.stream(rec).kbps + self.cfg.audio_kbps,
                ) > FILE_LIMIT_BYTES
                {
                    return Err(ERR_4G_LIMITED);
                }
                if enabled > 1 && self.cfg.stream(live).kbps >= 8192 {
                    return Err(ERR_8M_LIMITED);
                }
                (
                    self.cfg.rec_stream,
                    self.cfg.live_stream,
                    self.cfg.mws_stream,
                ) = (rec, live, mws);
                ok()
            }
            "set-video" => self.set_video(p),
            "set-audio" => {
                let kbps = p.req_choice("kbps", AUDIO_KBPS)?;
                if file_bytes(
                    self.cfg.time_unit,
                    self.cfg.stream(self.cfg.rec_stream).kbps + kbps,
                ) > FILE_LIMIT_BYTES
                {
                    return Err(ERR_4G_LIMITED);
                }
                self.cfg.audio_kbps = kbps;
                ok()
            }
            "reboot" => {
                self.request_power(now, PowerKind::Reboot);
                ok()
            }
            "reset-all-settings" => {
                self.request_power(now, PowerKind::Reset);
                ok()
            }
            "logout" => {
                self.sessions.remove(sid);
                ok()
            }
            "get-users" => {
                let users: Vec<Value> = self
                    .cfg
                    .users
                    .iter()
                    .map(|u| json!({"id": u.id, "type": u.kind}))
                    .collect();
                Ok(json!({"result": RET_SUCCEED, "users": users}))
            }
            "add-user" => {
                let id = p.req_str("id")?;
                let pass = p.req_md5("pass")?;
                if !rules::is_user_id(id) {
                    return Err(ERR_STRING);
                }
                if self.cfg.users.iter().any(|u| u.id == id) {
                    return Err(ERR_SAME_NAME);
                }
                if self.cfg.users.len() >= 16 {
                    return Err(ERR_PARAM);
                }
                self.cfg.users.push(User {
                    id: id.to_string(),
                    pass_md5: pass,
                    kind: 2,
                });
                ok()
            }
            "del-user" => {
                let id = p.req_str("id")?;
                let pos = self
                    .cfg
                    .users
                    .iter()
                    .position(|u| u.id == id)
                    .ok_or(ERR_NO_USER)?;
                if self.cfg.users[pos].kind == 1 {
                    // The administrator cannot be deleted.
                    return Err(ERR_PARAM);
                }
                self.cfg.users.remove(pos);
                self.sessions.retain(|_, s| s.user != id);
                ok()
            }
            "ch-password" => {
                let old = p.req_md5("pass")?;
                let new = p.req_md5("new-pass")?;
                let user = self
                    .sessions
                    .get(sid)
                    .map(|s| s.user.clone())
                    .unwrap_or_default();
                let u = self
                    .cfg
                    .users
                    .iter_mut()
                    .find(|u| u.id == user)
                    .ok_or(ERR_NO_USER)?;
                if u.pass_md5 != old {
                    return Err(ERR_PASSWD);
                }
                u.pass_md5 = new;
                ok()
            }
            "set-password" => {
                let id = p.req_str("id")?;
                let pass = p.req_md5("pass")?;
                let u = self
                    .cfg
                    .users
                    .iter_mut()
                    .find(|u| u.id == id)
                    .ok_or(ERR_NO_USER)?;
                u.pass_md5 = pass;
                ok()
            }
            "set-eth" => {
                let dhcp = p.req_flag("is-dhcp")?;
                let field = |k: &str, required: bool| -> Result<String, i32> {
                    match p.get(k) {
                        None | Some("") if required => Err(ERR_PARAM),
                        None | Some("") => Ok(String::new()),
                        Some(v) if rules::is_ipv4(v) => Ok(v.to_string()),
                        Some(_) => Err(ERR_PARAM),
                    }
                };
                let static_ip = dhcp == 0;
                let (ip, mask, router, dns) = (
                    field("ip", static_ip)?,
                    field("mask", static_ip)?,
                    field("router", false)?,
                    field("dns", false)?,
                );
                let c = &mut self.cfg;
                (c.eth_dhcp, c.eth_ip, c.eth_mask, c.eth_router, c.eth_dns) =
                    (dhcp, ip, mask, router, dns);
                ok()
            }
            "disconn-wifi" => {
                self.wifi_connected = false;
                ok()
            }
            "close-softap" => {
                self.softap_active = false;
                ok()
            }
            "update" => {
                let mode = match p.req_str("mode")? {
                    "upload" => "upload",
                    "online" => "online",
                    _ => return Err(ERR_PARAM),
                };
                if self.check.running {
                    return Err(ERR_BUSY);
                }
                let target = if mode == "upload" {
                    self.uploaded.as_ref().map(|u| u.version.clone())
                } else {
                    self.upgrade_found.clone()
                };
                let target = target.ok_or(ERR_NOT_FOUND)?;
                self.start_update(now, mode, target);
                ok()
            }
            "upload-update-file" => self.upload(c),
            "cancel-download" => {
                let u = &mut self.update;
                if u.op.running && u.mode == "online" && u.step == 1 {
                    u.op.cancel();
                    u.steps.clear();
                }
                ok()
            }
            "online-update-check" => {
                if self.update_in_progress() {
                    return Err(ERR_BUSY);
                }
                if self.check.running {
                    return code(RET_REPEAT);
                }
                self.check.begin(now, self.op_duration(CHECK_MS));
                ok()
            }
            "clear-upgrade" => {
                if self.update_in_progress() {
                    return Err(ERR_BUSY);
                }
                self.update = Update {
                    op: Op {
                        result: RET_INIT,
                        percent: 0,
                        running: false,
                        start: 0,
                        dur: 1,
                    },
                    mode: "none",
                    step: 0,
                    target: String::new(),
                    steps: Vec::new(),
                };
                ok()
            }
            "clear-check-update" => {
                if self.check.running {
                    return Err(ERR_BUSY);
                }
                self.check.clear();
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

    fn get_media_files(&self, p: &P<'_>) -> R {
        let k = if p.req_choice("disk-type", &[0, 1])? == 0 {
            DiskKind::Usb
        } else {
            DiskKind::Sd
        };
        let start = p.int("start")?.unwrap_or(0);
        let count = p.int("count")?.unwrap_or(100);
        if start < 0 || count < 0 {
            return Err(ERR_PARAM);
        }
        let d = self.disk(k);
        if !d.present {
            return Err(ERR_DISK);
        }
        let folder = &self.cfg.root_folder;
        let files: Vec<Value> = d
            .files
            .iter()
            .filter(|f| &f.folder == folder)
            .skip(usize::try_from(start).unwrap_or(usize::MAX))
            .take(count.min(10_000) as usize)
            .map(|f| {
                json!({"name": f.name, "thumbnail-name": f.thumb, "status": f.status,
                       "create-time": rules::format_unix(f.create_unix), "size-bytes": f.size,
                       "duration": f.duration_ms, "width": f.width, "height": f.height,
                       "interval": f.interval, "codec": f.codec})
            })
            .collect();
        Ok(
            json!({"result": RET_SUCCEED, "path": d.media_path(folder), "thumbnail": "thumbnail", "media-files": files}),
        )
    }

    fn del_media_files(&mut self, p: &P<'_>, body: &[u8]) -> R {
        let text = String::from_utf8_lossy(body);
        let parsed: Option<Value> = serde_json::from_str(&text)
            .ok()
            // The document's example payload leaves the keys unquoted.
            .or_else(|| {
                serde_json::from_str(
                    &text
                        .replace("disk-type:", "\"disk-type\":")
                        .replace("media-files:", "\"media-files\":"),
                )
                .ok()
            });
        let obj = parsed.as_ref().and_then(Value::as_object);
        let disk_type = match obj.and_then(|o| o.get("disk-type")) {
            Some(v) => v
                .as_i64()
                .or_else(|| v.as_str().and_then(parse_int))
                .ok_or(ERR_PARAM)?,
            None => p.req_int("disk-type")?,
        };
        let k = match disk_type {
            0 => DiskKind::Usb,
            1 => DiskKind::Sd,
            _ => return Err(ERR_PARAM),
        };
        let names: Vec<String> = obj
            .and_then(|o| o.get("media-files"))
            .and_then(Value::as_array)
            .ok_or(ERR_PARAM)?
            .iter()
            .map(|v| v.as_str().map(str::to_string).ok_or(ERR_PARAM))
            .collect::<Result<_, _>>()?;
        if names.is_empty() {
            return Err(ERR_PARAM);
        }
        let folder = self.cfg.root_folder.clone();
        let d = self.disk_mut(k);
        if !d.present {
            return Err(ERR_DISK);
        }
        let (mut deleted, mut busy) = (0, false);
        for n in &names {
            match d
                .files
                .iter()
                .position(|f| f.folder == folder && &f.name == n)
            {
                Some(i) if d.files[i].status == 0 => busy = true,
                Some(i) => {
                    d.remove_file(i);
                    deleted += 1;
                }
                None => {}
            }
        }
        if busy {
            Err(ERR_BUSY)
        } else if deleted == 0 {
            Err(ERR_NOT_FOUND)
        } else {
            ok()
        }
    }

    fn duplicate(&self, s: &Server, except: Option<i64>) -> bool {
        self.cfg
            .servers
            .iter()
            .filter(|o| Some(o.id) != except)
            .any(|o| {
                o.name == s.name
                    || (o.url == s.url && o.key == s.key)
                    || (!s.key.is_empty() && o.key == s.key)
            })
    }

    fn add_server(&mut self, p: &P<'_>) -> R {
        if self.cfg.servers.len() >= MAX_SERVERS {
            return Err(ERR_PARAM);
        }
        let f = server_fields(p)?;
        let (Some(_), Some(url)) = (f.kind, f.url.clone()) else {
            return Err(ERR_PARAM);
        };
        let mut s = Server {
            id: self.cfg.next_server_id,
            kind: 0,
            url: String::new(),
            key: String::new(),
            is_auth: 0,
            user: String::new(),
            passwd: String::new(),
            is_use: 0,
            token: String::new(),
            net_mode: 1,
            name: host_of(&url),
        };
        apply_fields(&mut s, f);
        check_auth_fields(&s)?;
        if self.duplicate(&s, None) {
            return Err(ERR_SAME_NAME);
        }
        self.cfg.next_server_id += 1;
        self.cfg.servers.push(s);
        ok()
    }

    fn set_server(&mut self, p: &P<'_>) -> R {
        let id = p.req_int("id")?;
        let mut s = self
            .cfg
            .servers
            .iter()
            .find(|s| s.id == id)
            .cloned()
            .ok_or(ERR_NOT_FOUND)?;
        apply_fields(&mut s, server_fields(p)?);
        check_auth_fields(&s)?;
        if self.duplicate(&s, Some(id)) {
            return Err(ERR_SAME_NAME);
        }
        if s.is_use == 1 {
            let others: Vec<&Server> = self.cfg.enabled_servers().filter(|o| o.id != id).collect();
            if !others.is_empty()
                && (s.kind == FACEBOOK || others.iter().any(|o| o.kind == FACEBOOK))
            {
                return Err(ERR_FACEBOOK_LIMITED);
            }
        }
        if let Some(slot) = self.cfg.servers.iter_mut().find(|o| o.id == id) {
            *slot = s;
        }
        ok()
    }

    fn enable_server(&mut self, p: &P<'_>) -> R {
        let id = p.req_int("id")?;
        let on = p.req_flag("is-use")?;
        let s = self
            .cfg
            .servers
            .iter()
            .find(|s| s.id == id)
            .cloned()
            .ok_or(ERR_NOT_FOUND)?;
        if on == 1 && s.is_use == 0 {
            let others: Vec<&Server> = self.cfg.enabled_servers().collect();
            if self.cfg.live_stream == 0 && self.cfg.main.codec == 1 {
                return Err(ERR_CODEC_LIMITED);
            }
            if !others.is_empty()
                && (s.kind == FACEBOOK || others.iter().any(|o| o.kind == FACEBOOK))
            {
                return Err(ERR_FACEBOOK_LIMITED);
            }
            if !others.is_empty() && self.cfg.stream(self.cfg.live_stream).kbps >= 8192 {
                return Err(ERR_8M_LIMITED);
            }
            if others.len() >= MAX_ENABLED {
                return Err(ERR_CHANNELS_LIMITED);
            }
        }
        if let Some(slot) = self.cfg.servers.iter_mut().find(|o| o.id == id) {
            slot.is_use = on;
        }
        ok()
    }

    fn set_video(&mut self, p: &P<'_>) -> R {
        let stream = p.req_flag("stream")?;
        let cur = self.cfg.stream(stream).clone();
        let is_auto = p.flag("is-auto")?.unwrap_or(cur.is_auto);
        let cx = p.req_int("cx")?;
        let cy = p.req_int("cy")?;
        if !RESOLUTIONS.contains(&(cx, cy)) {
            return Err(ERR_PARAM);
        }
        let duration = p.req_choice("duration", DURATIONS)?;
        let kbps = p.req_choice("kbps", VIDEO_KBPS)?;
        let gop = p.choice("gop", GOP_SEC)?.unwrap_or(cur.gop);
        let fourcc = p.choice("fourcc", &[0])?.unwrap_or(0);
        let codec = p.flag("codec")?.unwrap_or(cur.codec);
        let profile = p
            .int("profile")?
            .unwrap_or(if codec == 1 { 0 } else { cur.profile });
        let cbrstat = p.choice("cbrstat", STAT_SEC)?.unwrap_or(cur.cbrstat);
        let fullrange = p.flag("fullrange")?.unwrap_or(cur.fullrange);
        if stream == 1 && (is_auto == 1 || codec == 1) {
            // The sub stream is custom and H.264 only.
            return Err(ERR_PARAM);
        }
        let profiles: &[i64] = if codec == 1 { &[0] } else { &[0, 1, 2] };
        if !profiles.contains(&profile) {
            return Err(ERR_PARAM);
        }
        let enabled = self.cfg.enabled_servers().count();
        if stream == self.cfg.rec_stream
            && file_bytes(self.cfg.time_unit, kbps + self.cfg.audio_kbps) > FILE_LIMIT_BYTES
        {
            return Err(ERR_4G_LIMITED);
        }
        if stream == self.cfg.live_stream && kbps >= 8192 && enabled > 1 {
            return Err(ERR_8M_LIMITED);
        }
        if stream == 0 && codec == 1 && self.cfg.live_stream == 0 && enabled > 0 {
            return Err(ERR_CODEC_LIMITED);
        }
        let v = Video {
            is_auto,
            codec,
            cx,
            cy,
            duration,
            kbps,
            gop,
            fourcc,
            profile,
            cbrstat,
            fullrange,
        };
        if stream == 0 {
            self.cfg.main = v;
        } else {
            self.cfg.sub = v;
        }
        ok()
    }

    fn upload(&mut self, c: &Call<'_>) -> R {
        if self.update_in_progress() {
            return Err(ERR_BUSY);
        }
        let img = c.upload.ok_or(ERR_FILE)?.clone()?;
        let up_to_date =
            super::firmware::version_cmp(&self.firmware, &img.version) != std::cmp::Ordering::Less;
        self.uploaded = Some(Uploaded {
            version: img.version.clone(),
            size: img.size,
        });
        Ok(
            json!({"status": RET_SUCCEED, "up-to-date": up_to_date, "version": img.version, "size": img.size}),
        )
    }
}
