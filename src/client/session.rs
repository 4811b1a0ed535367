//! The session logic without I/O: what a reply to a call made under the
//! session means (done, log in again and retry, explain a busy refusal,
//! fail), and the login bookkeeping. Both drivers run it: the blocking
//! client (`Device::with_session`) and the fleet engine (`crate::engine`),
//! so MD5 login, re-login on -17 and "never send a request twice" have one
//! implementation.

use super::{Device, Error, Reply, Result, Session, into_reply};
use crate::api::Method;
use crate::model::codes;
use std::sync::MutexGuard;

/// At most this many logins within one call.
const MAX_LOGINS: u32 = 2;
/// At most this many tries of one call in all.
const MAX_TRIES: u32 = 4;

/// One call's way through the session: how often it was tried, how often
/// it logged in, and the session generation its last try carried.
#[derive(Debug)]
pub(crate) struct SessionCall {
    needs_login: bool,
    tries: u32,
    logins: u32,
    generation: u64,
}

/// What to do after a reply.
#[derive(Debug)]
pub(crate) enum Next {
    /// The call is done: a success (or a positive code) to hand out.
    Done(Reply),
    /// A top-level -17: make sure the next try carries a session no request
    /// has seen refused (`Device::relogin_plan` after `mark_dead(seen)`),
    /// then try again. The device refused before acting, so the retry never
    /// runs anything twice.
    Relogin {
        /// The generation the refused try carried.
        seen: u64,
    },
    /// errBusy (-9) to a method other than get-status: read the status
    /// mask once and name the blocker (`client::busy::explain_from`).
    Busy,
    /// The device refused: a negative code.
    Fail(Error),
}

/// What a re-login needs, decided under the login token.
#[derive(Debug)]
pub(crate) enum Plan {
    /// Another caller logged in since the refused try: use its session.
    Adopt,
    /// Log in with the stored credentials.
    Login { user: String, pass_md5: String },
}

impl SessionCall {
    /// A call of a method that needs a login (or not: ping, login).
    pub fn new(needs_login: bool) -> SessionCall {
        SessionCall {
            needs_login,
            tries: 0,
            logins: 0,
            generation: 0,
        }
    }

    /// The `Cookie:` value for the next try (None: no session), noting the
    /// session generation it carries.
    pub fn cookie(&mut self, dev: &Device) -> Option<String> {
        let s = dev.session();
        self.generation = s.generation;
        // concat, not format!: one exact allocation on every call.
        s.sid.as_ref().map(|v| ["sid=", v].concat())
    }

    /// Judge the reply to a try of `name`.
    pub fn on_reply(&mut self, name: &str, reply: Reply) -> Next {
        self.tries += 1;
        if reply.result == codes::ERR_NEED_AUTH
            && self.needs_login
            && self.tries < MAX_TRIES
            && self.logins < MAX_LOGINS
        {
            return Next::Relogin {
                seen: self.generation,
            };
        }
        if reply.result == codes::ERR_BUSY && name == "ping" {
            // Ping carries its own mask (a restarting device answers -9
            // with the restart flag): explain from it, sending nothing else
            // to a device that may be restarting.
            let mask = serde_json::from_str::<serde_json::Value>(&reply.body)
                .ok()
                .and_then(|v| v.get("cur-status").and_then(serde_json::Value::as_i64))
                .unwrap_or(0);
            return Next::Fail(crate::model::limits::busy_explained(name, mask as u32).into());
        }
        if reply.result == codes::ERR_BUSY && name != "get-status" {
            return Next::Busy;
        }
        if codes::is_failure(reply.result) {
            return Next::Fail(Error::Device {
                method: name.to_string(),
                code: reply.result,
            });
        }
        Next::Done(reply)
    }

    /// A re-login of this call succeeded (counts against its bound).
    pub fn logged_in(&mut self) {
        self.logins += 1;
    }
}

/// Held while one caller logs in, so concurrent re-logins (threads of the
/// blocking client, the engine) collapse into one. Released on drop.
pub(crate) struct LoginToken<'a> {
    dev: &'a Device,
}

impl Drop for LoginToken<'_> {
    fn drop(&mut self) {
        self.dev.session().logging_in = false;
        self.dev.login_done.notify_all();
    }
}

impl Device {
    pub(super) fn session(&self) -> MutexGuard<'_, Session> {
        // A panic elsewhere cannot leave the session half-written: recover.
        self.session.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Wait for any login in progress, then take the token (blocking
    /// client).
    pub(crate) fn login_token(&self) -> LoginToken<'_> {
        let mut s = self.session();
        while s.logging_in {
            s = self.login_done.wait(s).unwrap_or_else(|p| p.into_inner());
        }
        s.logging_in = true;
        LoginToken { dev: self }
    }

    /// Take the login token if nobody holds it (the engine, which must not
    /// block: it tries again a moment later). Give it back with
    /// `end_login`.
    pub(crate) fn try_begin_login(&self) -> bool {
        let mut s = self.session();
        if s.logging_in {
            return false;
        }
        s.logging_in = true;
        true
    }

    /// Give back the token `try_begin_login` took.
    pub(crate) fn end_login(&self) {
        self.session().logging_in = false;
        self.login_done.notify_all();
    }

    /// A try carrying generation `seen` was refused with -17: that session
    /// is dead and is never adopted again.
    pub(crate) fn mark_dead(&self, seen: u64) {
        let mut s = self.session();
        s.dead = s.dead.max(seen);
    }

    /// Under the login token: adopt a newer session or log in with the
    /// stored credentials. Without them the refusal of `method` stands.
    pub(crate) fn relogin_plan(&self, method: &str) -> Result<Plan> {
        let s = self.session();
        if s.generation > s.dead && s.sid.is_some() {
            return Ok(Plan::Adopt);
        }
        match (&s.user, &s.pass_md5) {
            (Some(u), Some(p)) => Ok(Plan::Login {
                user: u.clone(),
                pass_md5: p.clone(),
            }),
            // Nothing was sent: report the call's own refusal.
            _ => Err(Error::Device {
                method: method.to_string(),
                code: codes::ERR_NEED_AUTH,
            }),
        }
    }

    /// The URL of a login request.
    pub(crate) fn login_url(&self, user: &str, pass_md5: &str) -> String {
        self.url(Method::Login.name(), &[("id", user), ("pass", pass_md5)])
    }

    /// Judge the reply to a login and, when it succeeded, keep the session
    /// (its id, the user and the password hash for re-login).
    pub(crate) fn finish_login(
        &self,
        user: &str,
        pass_md5: &str,
        status: u16,
        sid: Option<String>,
        body: String,
    ) -> Result<Reply> {
        let reply = into_reply("login", status, body)?;
        // The document says 36 for a wrong user or password, devices in the
        // field answer -1: each is reported as the code the device sent
        // (36 is positive but still a failure of login).
        if reply.result != 0 {
            return Err(Error::Device {
                method: "login".into(),
                code: reply.result,
            });
        }
        let mut s = self.session();
        s.sid = sid.or(s.sid.take());
        s.user = Some(user.to_string());
        s.pass_md5 = Some(pass_md5.to_string());
        s.generation += 1;
        Ok(reply)
    }

    /// The session id, taken out (before an explicit login gives it back
    /// with a logout, or a logout ends it).
    pub(crate) fn take_sid(&self) -> Option<String> {
        self.session().sid.take()
    }

    /// Forget the session and the credentials (after a logout).
    pub(crate) fn forget_session(&self) {
        let mut s = self.session();
        s.sid = None;
        s.user = None;
        s.pass_md5 = None;
    }

    /// The stored password hash and session id, to scrub from errors.
    pub(crate) fn secret_values(&self) -> (Option<String>, Option<String>) {
        let s = self.session();
        (s.pass_md5.clone(), s.sid.clone())
    }

    /// Scrub `e` of the call's secret parameters, the secrets the handle
    /// held before the call (`before`) and those it holds now.
    pub(crate) fn scrub(
        &self,
        e: Error,
        params: &[(&str, &str)],
        before: &(Option<String>, Option<String>),
    ) -> Error {
        let mut secrets = crate::redact::Secrets::of_params(params);
        for v in [&before.0, &before.1].into_iter().flatten() {
            secrets.add(v);
        }
        secrets.extend(&self.secrets_of(&[]));
        e.scrubbed(&secrets)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(result: i32) -> Reply {
        Reply {
            method: "m".into(),
            result,
            body: format!("{{\"result\":{result}}}"),
        }
    }

    #[test]
    fn need_auth_asks_for_a_login_a_bounded_number_of_times() {
        let mut c = SessionCall::new(true);
        assert!(matches!(c.on_reply("m", reply(-17)), Next::Relogin { .. }));
        c.logged_in();
        assert!(matches!(c.on_reply("m", reply(-17)), Next::Relogin { .. }));
        c.logged_in();
        // Two logins spent: the refusal stands.
        assert!(matches!(
            c.on_reply("m", reply(-17)),
            Next::Fail(Error::Device { code: -17, .. })
        ));
        // A method without login never logs in.
        let mut p = SessionCall::new(false);
        assert!(matches!(p.on_reply("ping", reply(-17)), Next::Fail(_)));
    }

    #[test]
    fn busy_and_results() {
        let mut c = SessionCall::new(true);
        assert!(matches!(c.on_reply("start-rec", reply(-9)), Next::Busy));
        assert!(matches!(c.on_reply("get-status", reply(-9)), Next::Fail(_)));
        assert!(matches!(c.on_reply("start-rec", reply(1)), Next::Done(r) if r.result == 1));
    }
}
