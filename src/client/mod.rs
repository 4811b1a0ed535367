//! The safe Rust client: `Device`, its session, and the one request path
//! every API method goes through.
//!
//! Layer: client, above model / validate / http / error / redact / progress;
//! never uses `ops`, `engine`, `ffi` or `sim`.

pub(crate) mod busy;
pub(crate) mod fastjson;
pub(crate) mod fetch;
mod reply;
pub(crate) mod session;
mod transport;
mod upload;
mod wire;

pub use crate::error::{Error, Result};
pub use reply::Reply;
pub(crate) use reply::{fast_pass_agrees, into_reply, into_reply_bytes, ping_fields};
pub use transport::percent_encode;
pub(crate) use transport::{CONNECT_PAUSE, HostAddrs, location_host, parse_sid, request_bytes};

use crate::api::{Method, Transport as Wire};
use crate::model::codes;
use serde_json::Value;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};
pub(crate) use transport::Body;
use transport::Transport;

/// Connection options. `Default` gives sane values.
#[derive(Debug, Clone)]
pub struct Options {
    /// TCP connect timeout (default 3 s).
    pub connect_timeout: Duration,
    /// Whole-request timeout for ordinary calls (default 10 s).
    pub request_timeout: Duration,
    /// Whole-request timeout for firmware uploads (default 300 s).
    pub upload_timeout: Duration,
    /// Largest reply body accepted (default 4 MiB).
    pub max_reply_bytes: usize,
    /// Check arguments against the document's rules before sending
    /// (default true). Turn off only to test how a device reacts to bad
    /// input: every value is then sent as given (the C ABI's typed
    /// functions included; see `usapi_options.skip_validation`).
    pub validate: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            connect_timeout: Duration::from_secs(3),
            request_timeout: Duration::from_secs(10),
            upload_timeout: Duration::from_secs(300),
            max_reply_bytes: 4 << 20,
            validate: true,
        }
    }
}

/// A call by name, checked (`Device::prepare_call`).
#[derive(Debug)]
pub(crate) enum Prepared<'m> {
    /// login, through the session logic (the old session given back first).
    Login { user: String, pass_md5: String },
    /// logout, then the credentials are forgotten.
    Logout,
    /// Any other method without a body.
    Send { name: &'m str, needs_login: bool },
}

/// A seekable source of upload bytes (a file, or memory).
pub(crate) trait ReadSeek: std::io::Read + std::io::Seek {}
impl<T: std::io::Read + std::io::Seek> ReadSeek for T {}

#[derive(Default)]
struct Session {
    sid: Option<String>,
    user: Option<String>,
    /// The MD5 hex of the password, kept for transparent re-login; the
    /// plain password is never stored.
    pass_md5: Option<String>,
    /// Bumped on every login, so threads that saw the same -17 re-login once.
    generation: u64,
    /// The newest generation a request has seen refused with -17: a
    /// session that is known dead is never adopted, only replaced.
    dead: u64,
    /// Someone holds the login token (`session::LoginToken`, or the
    /// engine's `try_begin_login`).
    logging_in: bool,
}

/// One Ultra Stream device. `Send + Sync`: share it between threads freely.
pub struct Device {
    base: String,
    /// The URL authority (`Host:` value).
    authority: String,
    opts: Options,
    transport: Transport,
    session: Mutex<Session>,
    /// Signalled when the login token is given back, so concurrent
    /// re-logins collapse into one.
    login_done: Condvar,
}

/// Plain passwords as a scrub set.
pub(crate) fn plain_secrets(plain: &[&str]) -> crate::redact::Secrets {
    let mut s = crate::redact::Secrets::new();
    for p in plain {
        s.add(p);
    }
    s
}

/// MD5 of `s` as 32 lower-case hex digits, the form the API wants.
pub fn md5_hex(s: &str) -> String {
    use md5::{Digest, Md5};
    let digest = Md5::digest(s.as_bytes());
    let mut out = String::with_capacity(32);
    for b in digest.iter() {
        out.push(char::from_digit((b >> 4) as u32, 16).unwrap_or('0'));
        out.push(char::from_digit((b & 15) as u32, 16).unwrap_or('0'));
    }
    out
}

/// Parse `host`, `host:port`, `[v6]:port` or a bare IPv6 address into the
/// URL authority. Anything that could smuggle a path or query is refused.
fn authority(host: &str) -> Result<String> {
    let bad = |why: &str| {
        Error::invalid(
            "host",
            format!("{why} (expected \"10.0.0.5\", \"name:8080\" or \"[::1]:8080\")"),
        )
    };
    let host = host.trim();
    let host = host
        .strip_prefix("http://")
        .unwrap_or(host)
        .trim_end_matches('/');
    if host.is_empty() {
        return Err(bad("empty"));
    }
    let (name, port) = if let Some(rest) = host.strip_prefix('[') {
        let (v6, after) = rest.split_once(']').ok_or_else(|| bad("unclosed '['"))?;
        v6.parse::<std::net::Ipv6Addr>()
            .map_err(|_| bad("not an IPv6 address"))?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or_else(|| bad("junk after ']'"))?),
        };
        (format!("[{v6}]"), port)
    } else if host.matches(':').count() > 1 {
        host.parse::<std::net::Ipv6Addr>()
            .map_err(|_| bad("not an IPv6 address"))?;
        (format!("[{host}]"), None)
    } else {
        let (n, p) = match host.split_once(':') {
            Some((n, p)) => (n, Some(p)),
            None => (host, None),
        };
        if n.is_empty()
            || n.len() > 253
            || !n
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        {
            return Err(bad("host names use letters, digits, '.' and '-'"));
        }
        (n.to_string(), p)
    };
    match port {
        None => Ok(name),
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 => Ok(format!("{name}:{n}")),
            _ => Err(bad("the port must be 1-65535")),
        },
    }
}

impl Device {
    /// Prepare a device at `host` (`"10.0.0.5"`, `"127.0.0.1:8080"`,
    /// `"[::1]:8080"`). No traffic happens until the first call.
    pub fn connect(host: &str, opts: Options) -> Result<Device> {
        let authority = authority(host)?;
        let base = format!("http://{authority}/usapi?method=");
        let addrs = std::sync::Arc::new(HostAddrs::new(&authority));
        let transport = Transport::new(
            addrs,
            opts.connect_timeout,
            opts.request_timeout,
            opts.max_reply_bytes,
        );
        Ok(Device {
            base,
            authority,
            opts,
            transport,
            session: Mutex::new(Session::default()),
            login_done: Condvar::new(),
        })
    }

    /// "host" or "host:port", as the device was opened (for the download
    /// path, which is served on another port).
    pub(crate) fn authority(&self) -> &str {
        self.base
            .strip_prefix("http://")
            .and_then(|s| s.strip_suffix("/usapi?method="))
            .unwrap_or("")
    }

    /// The options this device was opened with.
    pub fn options(&self) -> &Options {
        &self.opts
    }

    /// Log in with a plain password (hashed here with MD5; never stored,
    /// and kept out of every error message, like the hash).
    pub fn login(&self, user: &str, password: &str) -> Result<()> {
        self.login_md5(user, &md5_hex(password))
            .map_err(|e| e.scrubbed(&plain_secrets(&[password])))
    }

    /// Log in with the MD5 hex of the password.
    pub fn login_md5(&self, user: &str, pass_md5: &str) -> Result<()> {
        self.login_md5_reply(user, pass_md5).map(|_| ())
    }

    /// `login_md5`, with the device's reply.
    fn login_md5_reply(&self, user: &str, pass_md5: &str) -> Result<Reply> {
        let pass_md5 = pass_md5.to_ascii_lowercase();
        crate::validate::check_value(Method::Login, "id", user)?;
        crate::validate::check_value(Method::Login, "pass", &pass_md5)?;
        let _token = self.login_token();
        // The device holds at most two sessions: give back the one this
        // handle already has before taking a new one.
        let old = self.take_sid();
        if let Some(sid) = old {
            let url = self.url(Method::Logout.name(), &[]);
            let cookie = format!("sid={sid}");
            let _ = self
                .transport
                .send(&url, "logout", Some(&cookie), Body::None, None);
        }
        self.do_login(user, &pass_md5)
    }

    fn do_login(&self, user: &str, pass_md5: &str) -> Result<Reply> {
        let secrets = self.secrets_of(&[("pass", pass_md5)]);
        self.do_login_unscrubbed(user, pass_md5)
            .map_err(|e| e.scrubbed(&secrets))
    }

    /// The secrets a request of this handle may echo back: its secret
    /// parameters, the stored password hash and the session id.
    fn secrets_of(&self, params: &[(&str, &str)]) -> crate::redact::Secrets {
        let mut secrets = crate::redact::Secrets::of_params(params);
        let s = self.session();
        for v in [&s.pass_md5, &s.sid].into_iter().flatten() {
            secrets.add(v);
        }
        secrets
    }

    fn do_login_unscrubbed(&self, user: &str, pass_md5: &str) -> Result<Reply> {
        let url = self.login_url(user, pass_md5);
        let raw = self.transport.send(&url, "login", None, Body::None, None)?;
        self.finish_login(user, pass_md5, raw.status, raw.set_cookie_sid, raw.body)
    }

    /// Log out and forget the credentials.
    pub fn logout(&self) -> Result<Reply> {
        let r = self.send(Method::Logout, &[], None);
        self.forget_session();
        r
    }

    /// True when the device no longer knows this handle's session (it
    /// answers -17 to it): after a restart every session is gone. Sent
    /// without the transparent re-login; false for a handle that never
    /// logged in.
    pub(crate) fn session_lost(&self) -> Result<bool> {
        let Some(sid) = self.session().sid.clone() else {
            return Ok(false);
        };
        let url = self.url(Method::GetStatus.name(), &[]);
        let cookie = format!("sid={sid}");
        let raw = self
            .transport
            .send(&url, "get-status", Some(&cookie), Body::None, None)?;
        Ok(into_reply_bytes("get-status", raw.status, raw.body)?.result == codes::ERR_NEED_AUTH)
    }

    /// One ping: its result and `cur-status` whatever the result (a -9 is
    /// not explained with a get-status: during a restart only ping is
    /// sent). Err only when no reply came (or not the API's).
    pub(crate) fn ping_reply(&self) -> Result<(i32, Option<u32>)> {
        let url = self.url(Method::Ping.name(), &[]);
        let raw = self.transport.send(&url, "ping", None, Body::None, None)?;
        let reply = into_reply_bytes("ping", raw.status, raw.body)?;
        Ok(ping_fields(&reply))
    }

    /// After a restart: log in again with the stored credentials, nothing
    /// else first (the old session is gone with the restart; it is sent
    /// along so a device that still holds it keeps its slot). Ok(false):
    /// no credentials stored, nothing sent.
    pub(crate) fn relogin_after_restart(&self) -> Result<bool> {
        let _token = self.login_token();
        let Some((user, pass)) = self.credentials() else {
            return Ok(false);
        };
        let secrets = self.secrets_of(&[("pass", &pass)]);
        let url = self.login_url(&user, &pass);
        let cookie = self.session().sid.as_ref().map(|v| format!("sid={v}"));
        let result = (|| {
            let raw = self
                .transport
                .send(&url, "login", cookie.as_deref(), Body::None, None)?;
            self.finish_login(&user, &pass, raw.status, raw.set_cookie_sid, raw.body)
                .map(|_| true)
        })();
        result.map_err(|e| e.scrubbed(&secrets))
    }

    /// Bumped by every login (explicit or transparent): a change means the
    /// session was renewed, e.g. because the device restarted.
    pub(crate) fn login_generation(&self) -> u64 {
        self.session().generation
    }

    /// After ch-password succeeds, re-login must use the new password.
    pub(crate) fn replace_stored_password(&self, new_md5: String) {
        let mut s = self.session();
        if s.pass_md5.is_some() {
            s.pass_md5 = Some(new_md5);
        }
    }

    /// The stored user and password MD5 (for the watcher's fresh login
    /// after a device comes back); never logged or shown.
    pub(crate) fn credentials(&self) -> Option<(String, String)> {
        let s = self.session();
        Some((s.user.clone()?, s.pass_md5.clone()?))
    }

    /// Keep a user and password hash for the engine's login on the first
    /// -17, without logging in now (the exporter starts thousands of
    /// devices without a blocking login each).
    #[cfg(feature = "exporter")]
    pub(crate) fn store_credentials(&self, user: &str, pass_md5: &str) {
        let mut s = self.session();
        s.user = Some(user.to_string());
        s.pass_md5 = Some(pass_md5.to_ascii_lowercase());
    }

    /// True when a user and password hash are stored (after a login).
    pub(crate) fn has_credentials(&self) -> bool {
        let s = self.session();
        s.user.is_some() && s.pass_md5.is_some()
    }

    /// "host" or "host:port", as given to `connect` (normalised).
    pub fn host(&self) -> &str {
        self.authority()
    }

    /// True after a successful login (until logout).
    pub fn is_logged_in(&self) -> bool {
        self.session().sid.is_some()
    }

    fn url(&self, method: &str, params: &[(&str, &str)]) -> String {
        let mut url = String::with_capacity(self.base.len() + method.len() + 16 * params.len());
        url.push_str(&self.base);
        url.push_str(method);
        for (k, v) in params {
            url.push('&');
            url.push_str(k);
            url.push('=');
            percent_encode(v, &mut url);
        }
        url
    }

    /// `send` for a call given plain passwords (sent as their MD5 in
    /// `params`): the plain values are scrubbed from its errors too, since
    /// a device may echo whatever it knows.
    pub(crate) fn send_hiding(
        &self,
        method: Method,
        params: &[(&str, &str)],
        plain: &[&str],
    ) -> Result<Reply> {
        self.send(method, params, None)
            .map_err(|e| e.scrubbed(&plain_secrets(plain)))
    }

    /// The one request path: validate, send with the session cookie, and on
    /// a top-level -17 log in again (at most twice) and retry.
    pub(crate) fn send(
        &self,
        method: Method,
        params: &[(&str, &str)],
        body: Option<(&str, &[u8])>,
    ) -> Result<Reply> {
        if self.opts.validate {
            crate::validate::check(method, params)
                .map_err(|e| e.scrubbed(&crate::redact::Secrets::of_params(params)))?;
        }
        self.send_named(method.name(), method.spec().needs_login, params, body)
    }

    fn send_named(
        &self,
        name: &str,
        needs_login: bool,
        params: &[(&str, &str)],
        body: Option<(&str, &[u8])>,
    ) -> Result<Reply> {
        // The secrets before the call and after it (a re-login may have
        // changed the session id). Built only when there is an error to
        // scrub: a successful call pays for two small copies, not for them.
        let before = self.secret_values();
        self.send_named_unscrubbed(name, needs_login, params, body)
            .map_err(|e| self.scrub(e, params, &before))
    }

    fn send_named_unscrubbed(
        &self,
        name: &str,
        needs_login: bool,
        params: &[(&str, &str)],
        body: Option<(&str, &[u8])>,
    ) -> Result<Reply> {
        let url = self.call_url(name, params)?;
        let timeout = body.map(|_| self.opts.upload_timeout);
        self.with_session(name, needs_login, &mut |cookie| {
            let b = match body {
                Some((content_type, data)) => Body::Bytes { content_type, data },
                None => Body::None,
            };
            let raw = self.transport.send(&url, name, cookie, b, timeout)?;
            into_reply_bytes(name, raw.status, raw.body)
        })
    }

    /// Run one request (`attempt`, given the `Cookie:` value) with the
    /// session (`session::SessionCall` decides): on a top-level -17
    /// re-login and retry; a negative result becomes `Error::Device`.
    fn with_session(
        &self,
        name: &str,
        needs_login: bool,
        attempt: &mut dyn FnMut(Option<&str>) -> Result<Reply>,
    ) -> Result<Reply> {
        let mut call = session::SessionCall::new(needs_login);
        loop {
            let cookie = call.cookie(self);
            let reply = attempt(cookie.as_deref())?;
            match call.on_reply(name, reply) {
                session::Next::Done(r) => return Ok(r),
                session::Next::Fail(e) => return Err(e),
                // Name the operation that blocks it (one get-status).
                session::Next::Busy => return Err(busy::explain(self, name)),
                session::Next::Relogin { seen } => {
                    if self.relogin(name, seen)? {
                        call.logged_in();
                    }
                }
            }
        }
    }

    /// upload-update-file with the body streamed from `source` (`len`
    /// bytes, read from its start again for a retry after re-login).
    pub(crate) fn upload_stream(
        &self,
        filename: &str,
        source: &mut dyn ReadSeek,
        len: u64,
        progress: &mut crate::progress::ProgressFn<'_>,
    ) -> Result<Reply> {
        const NAME: &str = "upload-update-file";
        if len == 0 {
            return Err(Error::invalid("file", "the firmware file is empty"));
        }
        if self.opts.validate {
            crate::validate::check(Method::UploadUpdateFile, &[])?;
        }
        let framing = crate::api::multipart_framing(filename);
        let target = format!("/usapi?method={NAME}");
        self.with_session(NAME, true, &mut |cookie| {
            source
                .seek(std::io::SeekFrom::Start(0))
                .map_err(|e| Error::File(format!("cannot read the firmware file: {e}")))?;
            let deadline = Instant::now() + self.opts.upload_timeout;
            let addrs = self.transport.addrs.get()?;
            let req = upload::UploadRequest {
                addrs: &addrs,
                host: &self.authority,
                target: &target,
                cookie,
                content_type: &framing.content_type,
                preamble: framing.preamble.as_bytes(),
                epilogue: framing.epilogue.as_bytes(),
                file_len: len,
                connect_timeout: self.opts.connect_timeout,
                deadline,
                max_reply: self.opts.max_reply_bytes,
            };
            let r = upload::upload(&req, source, progress).inspect_err(|e| {
                if matches!(e, Error::Connect(_)) {
                    self.transport.addrs.forget();
                }
            })?;
            if (300..400).contains(&r.status) {
                return Err(Error::Redirect {
                    method: NAME.to_string(),
                    status: r.status,
                    location_host: transport::location_host(r.location.as_deref(), &self.authority),
                });
            }
            let body = String::from_utf8(r.body).map_err(|_| Error::BadReply {
                method: NAME.to_string(),
                detail: "the body is not UTF-8".into(),
            })?;
            into_reply(NAME, r.status, body)
        })
    }

    /// After `method` was refused with -17 under session `seen`: make sure
    /// the next try carries a session nobody has seen refused. Adopts a
    /// newer login of another caller (`Ok(false)`), else logs in
    /// (`Ok(true)`). Without stored credentials the refusal stands.
    fn relogin(&self, method: &str, seen: u64) -> Result<bool> {
        self.mark_dead(seen);
        let _token = self.login_token();
        match self.relogin_plan(method)? {
            session::Plan::Adopt => Ok(false),
            session::Plan::Login { user, pass_md5 } => {
                self.do_login(&user, &pass_md5).map(|_| true)
            }
        }
    }

    /// Call any method by name with string parameters, exactly as they
    /// should appear in the query (they are percent-encoded here). Known
    /// methods are validated; unknown names are sent as they are, for
    /// firmware newer than the document.
    pub fn call(&self, method: &str, params: &[(&str, &str)]) -> Result<Reply> {
        match self.prepare_call(method, params)? {
            // Through the session logic: the cookie is kept, the password
            // hash stored for re-login, a refusal is an error.
            Prepared::Login { user, pass_md5 } => self.login_md5_reply(&user, &pass_md5),
            Prepared::Logout => self.logout(),
            Prepared::Send { name, needs_login } => {
                self.send_named(name, needs_login, params, None)
            }
        }
    }

    /// Check a call by name before any traffic, the same way for
    /// `Device::call` and the fleet engine: the method's kind, its
    /// parameters (validated by the document's rules unless the handle
    /// turned validation off), and the URL's length.
    pub(crate) fn prepare_call<'m>(
        &self,
        method: &'m str,
        params: &[(&str, &str)],
    ) -> Result<Prepared<'m>> {
        match Method::from_name(method) {
            Some(m) if m.spec().transport != Wire::Get => Err(Error::invalid(
                "method",
                format!(
                    "{method} sends a body; use its typed function (del_media_files / upload_update_file)"
                ),
            )),
            Some(Method::Login) => {
                let (mut id, mut pass) = (None, None);
                for (k, v) in params {
                    match *k {
                        "id" => id = Some(*v),
                        "pass" => pass = Some(*v),
                        other => {
                            return Err(Error::invalid(
                                other,
                                "login takes only 'id' and 'pass' (the password's MD5; or use login())",
                            ));
                        }
                    }
                }
                let id = id.ok_or_else(|| Error::invalid("id", "login needs 'id'"))?;
                let pass = pass.ok_or_else(|| {
                    Error::invalid("pass", "login needs 'pass', the MD5 hex of the password")
                })?;
                let pass_md5 = pass.to_ascii_lowercase();
                crate::validate::check_value(Method::Login, "id", id)?;
                crate::validate::check_value(Method::Login, "pass", &pass_md5)?;
                Ok(Prepared::Login {
                    user: id.to_string(),
                    pass_md5,
                })
            }
            Some(Method::Logout) => {
                if let Some((k, _)) = params.first() {
                    return Err(Error::invalid(k, "logout takes no parameters"));
                }
                Ok(Prepared::Logout)
            }
            Some(m) => {
                if self.opts.validate {
                    crate::validate::check(m, params)
                        .map_err(|e| e.scrubbed(&crate::redact::Secrets::of_params(params)))?;
                }
                Ok(Prepared::Send {
                    name: m.name(),
                    needs_login: m.spec().needs_login,
                })
            }
            None => {
                if method.is_empty()
                    || method.len() > 64
                    || !method
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                {
                    return Err(Error::UnknownMethod(method.to_string()));
                }
                for (k, _) in params {
                    if k.is_empty()
                        || !k
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                    {
                        return Err(Error::invalid(
                            k,
                            "parameter names use letters, digits, '-' and '_'",
                        ));
                    }
                }
                Ok(Prepared::Send {
                    name: method,
                    needs_login: true,
                })
            }
        }
    }

    /// The request URL of `name` with `params`, or the error when it is
    /// longer than the transport sends.
    pub(crate) fn call_url(&self, name: &str, params: &[(&str, &str)]) -> Result<String> {
        let url = self.url(name, params);
        if url.len() > transport::MAX_URL {
            return Err(Error::invalid(
                "params",
                format!(
                    "the request URL would be {} bytes; at most {} are sent",
                    url.len(),
                    transport::MAX_URL
                ),
            ));
        }
        Ok(url)
    }

    /// The path and query of one of this handle's URLs.
    pub(crate) fn target_of<'u>(&self, url: &'u str) -> &'u str {
        url.strip_prefix("http://")
            .and_then(|r| r.strip_prefix(self.authority.as_str()))
            .unwrap_or(url)
    }

    /// The device's addresses (looked up once for a name).
    pub(crate) fn addrs(&self) -> &HostAddrs {
        &self.transport.addrs
    }

    /// `call` with the parameters as a flat JSON object whose values are
    /// strings, numbers or booleans.
    pub fn call_json(&self, method: &str, params: &Value) -> Result<Reply> {
        let owned = flat_params(params)?;
        let borrowed: Vec<(&str, &str)> = owned
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        self.call(method, &borrowed)
    }
}

/// Query parameters from a flat JSON object whose values are strings,
/// numbers or booleans (true is 1); `null` gives none. What `call_json`
/// and the many-devices calls of the C ABI take.
pub fn flat_params(params: &Value) -> Result<Vec<(String, String)>> {
    match params {
        Value::Null => Ok(Vec::new()),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| {
                let s = match v {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => (*b as i32).to_string(),
                    _ => {
                        return Err(Error::invalid(
                            k,
                            "values must be strings, numbers or booleans",
                        ));
                    }
                };
                Ok((k.clone(), s))
            })
            .collect(),
        _ => Err(Error::invalid("params_json", "must be a flat JSON object")),
    }
}

/// How long closing a handle may spend logging out.
const CLOSE_LOGOUT_TIMEOUT: Duration = Duration::from_secs(2);

impl Drop for Device {
    /// Closing a handle gives its session back (the device holds two), so
    /// a program restarted twice does not lock the device until the
    /// session timeout. Bounded by a short timeout; failures are ignored.
    fn drop(&mut self) {
        let sid = self.session().sid.take();
        if let Some(sid) = sid {
            let url = self.url(Method::Logout.name(), &[]);
            let cookie = format!("sid={sid}");
            let _ = self.transport.send(
                &url,
                "logout",
                Some(&cookie),
                Body::None,
                Some(CLOSE_LOGOUT_TIMEOUT),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_matches_known_vector() {
        assert_eq!(md5_hex("Admin"), "e3afed0047b08059d0fada10f400c1e5");
        assert_eq!(md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
    }

    #[test]
    fn authorities() {
        assert_eq!(authority("10.0.0.5").unwrap(), "10.0.0.5");
        assert_eq!(authority("127.0.0.1:8080").unwrap(), "127.0.0.1:8080");
        assert_eq!(authority("[::1]:8080").unwrap(), "[::1]:8080");
        assert_eq!(authority("::1").unwrap(), "[::1]");
        assert_eq!(authority("http://box.local/").unwrap(), "box.local");
        for bad in [
            "", "a/b", "h:0", "h:99999", "h?x=1", "[::1", "h:1:2x", "a b",
        ] {
            assert!(authority(bad).is_err(), "{bad} accepted");
        }
    }
}
