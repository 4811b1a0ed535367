//! One call's way through the session logic on the reactor (layer:
//! engine): its stages (the call, a re-login after -17, giving back the
//! old session before a login, reading the mask after errBusy), each
//! reply judged by `client::session` exactly as the blocking client judges
//! it, and the result handed to the call's `done`.

use super::{DevSlot, Reactor, get_bytes, key_of, release};
use crate::client::session::{Next, Plan, SessionCall};
use crate::client::{Error, Reply, Result, into_reply};
use crate::engine::call::{Call, Target, What};
use crate::engine::exchange::Answer;
use std::borrow::Cow;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How soon a call waiting for another caller's login looks again.
const LOGIN_WAIT: Duration = Duration::from_millis(5);

#[derive(Debug)]
pub(super) enum Stage {
    /// The call itself.
    Call,
    /// A re-login after -17; then the call again.
    Relogin { user: String, pass_md5: String },
    /// An explicit login gives back the old session first.
    LogoutOld,
    /// An explicit login.
    Login,
    /// errBusy: one get-status to name the blocker.
    BusyStatus,
}

pub(super) struct Op {
    pub(super) call: Call,
    pub(super) session: SessionCall,
    pub(super) stage: Stage,
    /// This op holds the device's login token.
    pub(super) token: bool,
    /// The handle's secrets when the call began (a re-login may change
    /// them), to scrub from an error.
    pub(super) before: (Option<String>, Option<String>),
}

impl Op {
    pub(super) fn name(&self) -> &str {
        match &self.call.what {
            What::Send { name, .. } => name,
            What::Login { .. } => "login",
        }
    }

    /// The name, cheaply owned (a known method's is static).
    pub(super) fn name_cow(&self) -> Cow<'static, str> {
        match &self.call.what {
            What::Send { name, .. } => name.clone(),
            What::Login { .. } => Cow::Borrowed("login"),
        }
    }

    pub(super) fn release_token(&mut self) {
        if self.token {
            self.token = false;
            self.call.dev.end_login();
        }
    }
}

impl Drop for Op {
    /// An op dropped mid-login (the engine stopping) gives the token back,
    /// so the blocking client never waits for a login that will not end.
    fn drop(&mut self) {
        self.release_token();
    }
}

impl Reactor {
    /// Start `call` (or queue it behind the device's call in progress).
    pub fn call(&mut self, call: Call) {
        let before = call.dev.secret_values();
        let op = Box::new(Op {
            session: SessionCall::new(match &call.what {
                What::Send { needs_login, .. } => *needs_login,
                What::Login { .. } => false,
            }),
            call,
            stage: Stage::Call,
            token: false,
            before,
        });
        let key = key_of(&op.call.dev);
        let slot = self.devs.entry(key).or_insert_with(|| DevSlot {
            _dev: Arc::downgrade(&op.call.dev),
            busy: false,
            queue: VecDeque::new(),
            idle: None,
            cached: None,
        });
        if slot.busy {
            slot.queue.push_back(op);
            return;
        }
        slot.busy = true;
        self.begin(op);
    }

    pub(super) fn begin(&mut self, mut op: Box<Op>) {
        match op.call.what {
            What::Send { .. } => {
                op.stage = Stage::Call;
                self.send_call(op);
            }
            What::Login { .. } => self.explicit_login(op),
        }
    }

    pub(super) fn send_call(&mut self, mut op: Box<Op>) {
        let (bytes, cached) = match &op.call.what {
            What::Send {
                target: Target::Bare(m),
                ..
            } => {
                let m = *m;
                let key = key_of(&op.call.dev);
                let old = self.devs.get_mut(&key).and_then(|s| s.cached.take());
                let dev = &op.call.dev;
                // The bytes written last time, while the session is the
                // one they carry: no URL, cookie or head written again.
                let r = op.session.with_sid(dev, |sid| match old {
                    Some(c) if c.method == m && c.sid.as_deref() == sid => Ok((c.bytes, c.sid)),
                    _ => {
                        let cookie = sid.map(|v| format!("sid={v}"));
                        let url = dev.call_url(m.name(), &[])?;
                        let bytes = get_bytes(dev, &url, cookie.as_deref())?;
                        Ok((bytes, sid.map(str::to_string)))
                    }
                });
                match r {
                    Ok((bytes, sid)) => (Ok(bytes), Some((m, sid))),
                    Err(e) => (Err(e), None),
                }
            }
            What::Send {
                target: Target::Url(url),
                ..
            } => {
                let cookie = op.session.cookie(&op.call.dev);
                (get_bytes(&op.call.dev, url, cookie.as_deref()), None)
            }
            What::Login { .. } => (Ok(Vec::new()), None),
        };
        self.request(op, bytes, cached);
    }

    pub(super) fn explicit_login(&mut self, mut op: Box<Op>) {
        if !op.call.dev.try_begin_login() {
            let at = Instant::now() + LOGIN_WAIT;
            self.at(at, move |r| r.explicit_login(op));
            return;
        }
        op.token = true;
        if matches!(
            op.call.what,
            What::Login {
                after_restart: true,
                ..
            }
        ) {
            return self.send_login(op);
        }
        // The device holds at most two sessions: give back the one this
        // handle already has before taking a new one.
        match op.call.dev.take_sid() {
            Some(sid) => {
                op.stage = Stage::LogoutOld;
                let dev = &op.call.dev;
                let cookie = format!("sid={sid}");
                let url = dev.call_url("logout", &[]).unwrap_or_default();
                let bytes = get_bytes(dev, &url, Some(&cookie));
                self.request(op, bytes, None);
            }
            None => self.send_login(op),
        }
    }

    pub(super) fn send_login(&mut self, mut op: Box<Op>) {
        let (user, pass) = match &op.call.what {
            What::Login { user, pass_md5, .. } => (user.clone(), pass_md5.clone()),
            What::Send { .. } => {
                return self.finish(op, Err(Error::Watch("internal: not a login".into())));
            }
        };
        op.stage = Stage::Login;
        self.login_request(op, &user, &pass);
    }

    pub(super) fn login_request(&mut self, op: Box<Op>, user: &str, pass_md5: &str) {
        let dev = &op.call.dev;
        let url = dev.login_url(user, pass_md5);
        // After a restart the old session goes along (a device that still
        // holds it keeps the slot); an explicit login gave it back first.
        let cookie = match op.call.what {
            What::Login {
                after_restart: true,
                ..
            } => dev.secret_values().1.map(|sid| format!("sid={sid}")),
            _ => None,
        };
        let bytes = get_bytes(dev, &url, cookie.as_deref());
        self.request(op, bytes, None);
    }

    /// After -17: adopt a newer session or log in, under the device's
    /// login token (waiting for another caller's login by timer, never by
    /// blocking).
    pub(super) fn relogin(&mut self, mut op: Box<Op>) {
        if !op.call.dev.try_begin_login() {
            let at = Instant::now() + LOGIN_WAIT;
            self.at(at, move |r| r.relogin(op));
            return;
        }
        op.token = true;
        let plan = op.call.dev.relogin_plan(op.name());
        match plan {
            Err(e) => self.finish(op, Err(e)),
            Ok(Plan::Adopt) => {
                op.release_token();
                op.stage = Stage::Call;
                self.send_call(op);
            }
            Ok(Plan::Login { user, pass_md5 }) => {
                self.login_request_relogin(op, user, pass_md5);
            }
        }
    }

    pub(super) fn login_request_relogin(
        &mut self,
        mut op: Box<Op>,
        user: String,
        pass_md5: String,
    ) {
        let url = op.call.dev.login_url(&user, &pass_md5);
        op.stage = Stage::Relogin { user, pass_md5 };
        let dev = &op.call.dev;
        let bytes = get_bytes(dev, &url, None);
        self.request(op, bytes, None);
    }

    /// A reply arrived for `op`'s current stage.
    pub(super) fn on_answer(&mut self, mut op: Box<Op>, a: Answer) {
        if (300..400).contains(&a.status) {
            let own = op.call.dev.authority().to_string();
            let e = Error::Redirect {
                method: op.name().to_string(),
                status: a.status,
                location_host: crate::client::location_host(a.location.as_deref(), &own),
            };
            return self.on_error(op, e);
        }
        let body = match String::from_utf8(a.body) {
            Ok(b) => b,
            Err(_) => {
                let e = Error::BadReply {
                    method: op.name().to_string(),
                    detail: "the body is not UTF-8".into(),
                };
                return self.on_error(op, e);
            }
        };
        match std::mem::replace(&mut op.stage, Stage::Call) {
            Stage::Call => {
                let name = op.name_cow();
                let vouched = match &op.call.vouch {
                    Some((v, tag)) if a.status == 200 => v.vouch(*tag, &body),
                    _ => None,
                };
                let reply = match vouched {
                    Some(result) => Reply {
                        method: name.to_string(),
                        result,
                        body,
                    },
                    None => match into_reply(&name, a.status, body) {
                        Ok(r) => r,
                        Err(e) => return self.finish(op, Err(e)),
                    },
                };
                if matches!(op.call.what, What::Send { raw: true, .. }) {
                    return self.finish(op, Ok(reply));
                }
                match op.session.on_reply(&name, reply) {
                    Next::Done(r) => {
                        if matches!(
                            op.call.what,
                            What::Send {
                                forget_after: true,
                                ..
                            }
                        ) {
                            op.call.dev.forget_session();
                        }
                        self.finish(op, Ok(r))
                    }
                    Next::Fail(e) => {
                        if matches!(
                            op.call.what,
                            What::Send {
                                forget_after: true,
                                ..
                            }
                        ) {
                            op.call.dev.forget_session();
                        }
                        self.finish(op, Err(e))
                    }
                    Next::Busy => {
                        op.stage = Stage::BusyStatus;
                        let cookie = op.session.cookie(&op.call.dev);
                        let dev = &op.call.dev;
                        let url = dev.call_url("get-status", &[]).unwrap_or_default();
                        let bytes = get_bytes(dev, &url, cookie.as_deref());
                        self.request(op, bytes, None);
                    }
                    Next::Relogin { seen } => {
                        op.call.dev.mark_dead(seen);
                        self.relogin(op);
                    }
                }
            }
            Stage::Relogin { user, pass_md5 } => {
                let r =
                    op.call
                        .dev
                        .finish_login(&user, &pass_md5, a.status, a.sid, body.into_bytes());
                op.release_token();
                match r {
                    Ok(_) => {
                        op.session.logged_in();
                        self.send_call(op);
                    }
                    Err(e) => self.finish(op, Err(e)),
                }
            }
            Stage::LogoutOld => self.send_login(op),
            Stage::Login => {
                let r = match &op.call.what {
                    What::Login { user, pass_md5, .. } => {
                        op.call
                            .dev
                            .finish_login(user, pass_md5, a.status, a.sid, body.into_bytes())
                    }
                    What::Send { .. } => Err(Error::Watch("internal: not a login".into())),
                };
                op.release_token();
                self.finish(op, r)
            }
            Stage::BusyStatus => {
                let mask = into_reply("get-status", a.status, body)
                    .and_then(|r| r.parse::<crate::model::Ping>())
                    .map(|p| p.cur_status as u32);
                let name = op.name_cow();
                self.finish(op, Err(crate::ops::busy::explain_from(&name, mask)))
            }
        }
    }

    /// A request of `op` failed (connect, timeout, broken reply).
    pub(super) fn on_error(&mut self, mut op: Box<Op>, e: Error) {
        match std::mem::replace(&mut op.stage, Stage::Call) {
            // Giving the old session back is a courtesy: log in anyway.
            Stage::LogoutOld => self.send_login(op),
            Stage::BusyStatus => {
                let name = op.name().to_string();
                self.finish(op, Err(crate::ops::busy::explain_from(&name, Err(e))))
            }
            _ => self.finish(op, Err(e)),
        }
    }

    /// `op` ended: hand the result to its `done`, then start the device's
    /// next queued op.
    pub(super) fn finish(&mut self, mut op: Box<Op>, result: Result<Reply>) {
        op.release_token();
        let result = result.map_err(|e| {
            let params: Vec<(&str, &str)> = op
                .call
                .secret_params
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let mut e = op.call.dev.scrub(e, &params, &op.before);
            if let What::Login { pass_md5, .. } = &op.call.what {
                let mut s = crate::redact::Secrets::new();
                s.add(pass_md5);
                e = e.scrubbed(&s);
            }
            e
        });
        let key = key_of(&op.call.dev);
        if let Some(slot) = self.devs.get_mut(&key) {
            slot.busy = false;
        }
        let done = std::mem::replace(&mut op.call.done, Box::new(|_, _| {}));
        let dev = Arc::clone(&op.call.dev);
        drop(op);
        done(self, result);
        if let Some(slot) = self.devs.get_mut(&key) {
            if !slot.busy {
                if let Some(next) = slot.queue.pop_front() {
                    slot.busy = true;
                    self.begin(next);
                }
            }
        }
        self.tidy(key);
        release(dev);
    }
}
