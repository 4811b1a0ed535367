//! Simulator layer (`sim`), on the device state: the 56 API methods as the
//! simulated device carries them out: session
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
//!
//! This file holds the request plumbing (parameters, session check, API
//! Limits) and routes each method to the file of its section of the
//! document, like `src/api/` does for the client.

// Section 2.
mod universal;
// Section 3.
mod general;
// Section 4.
mod storage;
// Section 5.
mod server;
// Section 6.
mod encoding;
// Section 7.
mod reset;
// Section 8.
mod login;
// Section 9.
mod users;
// Section 10.
mod network;
// Section 11.
mod firmware;

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
    pub upload: Option<&'a Result<crate::sim::firmware::Image, i32>>,
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

    /// Route a logged-in call, within its API Limits, to its section.
    fn dispatch(&mut self, m: &str, p: &P<'_>, c: &Call<'_>, sid: &str) -> R {
        use crate::api::{Method, Section};
        match Method::from_name(m).map(|x| x.spec().section) {
            Some(Section::Universal) => self.universal(m),
            Some(Section::General) => self.general(m, p),
            Some(Section::Storage) => self.storage(m, p, c),
            Some(Section::Server) => self.server(m, p),
            Some(Section::Encoding) => self.encoding(m, p),
            Some(Section::Reset) => self.reset(m),
            Some(Section::Login) => self.login_section(m, sid),
            Some(Section::Users) => self.users(m, p, sid),
            Some(Section::Network) => self.network(m, p),
            Some(Section::Firmware) => self.firmware(m, p, c),
            None => Err(ERR_PARAM),
        }
    }
}
