//! One call for the reactor (layer: engine): a device, what to send (a
//! method without parameters, whose request bytes the reactor keeps per
//! device, or a URL with its parameters), the bounds of its requests, and
//! what to do when it ends; checked as `Device::call` checks it before any
//! traffic. Also the bounds (`Limits`) and the `Vouch` hook by which a
//! caller skips reading again a reply it saw before.

use super::reactor::Reactor;
use crate::api::Method;
use crate::client::{Device, Prepared, Reply, Result};
use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

/// Runs on the reactor thread when a call ends.
pub(crate) type Done = Box<dyn FnOnce(&mut Reactor, Result<Reply>) + Send>;

/// A caller's quicker judge of replies it has seen before (the watcher:
/// a get-status body equal to the last one but for its clock).
pub(crate) trait Vouch: Send + Sync {
    /// `Some(result)` when `body`, a 200 reply to the call tagged `tag`,
    /// is known to be one well-formed JSON object whose top-level result is
    /// `result`: the JSON is then not read through again. `None`: judge it
    /// as usual.
    fn vouch(&self, tag: usize, body: &str) -> Option<i32>;
}

/// Bounds of each request of a call.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Limits {
    /// Connect timeout (each address).
    pub connect: Duration,
    /// Whole request, connect included.
    pub total: Duration,
}

impl Limits {
    /// The device's own timeouts.
    pub fn of(dev: &Device) -> Limits {
        let o = dev.options();
        Limits {
            connect: o.connect_timeout,
            total: o.request_timeout,
        }
    }

    /// The device's timeouts, none longer than `connect` / `total`.
    pub fn at_most(dev: &Device, connect: Duration, total: Duration) -> Limits {
        let own = Limits::of(dev);
        Limits {
            connect: own.connect.min(connect),
            total: own.total.min(total),
        }
    }
}

/// What a call sends: a method without parameters (its request bytes
/// kept per device and written again only when the session changes), or
/// a URL built with its parameters.
pub(super) enum Target {
    Bare(Method),
    Url(String),
}

pub(super) enum What {
    Send {
        name: Cow<'static, str>,
        needs_login: bool,
        target: Target,
        /// logout: forget the session and credentials when it ends.
        forget_after: bool,
        /// Hand out the device's reply as it came (its code unjudged, no
        /// re-login): the restart rules read a ping's -9 themselves.
        raw: bool,
    },
    Login {
        user: String,
        pass_md5: String,
        /// After a restart: the old session is sent along instead of
        /// being given back first (`Device::relogin_after_restart`).
        after_restart: bool,
    },
}

/// One call for the reactor: a device, what to send, bounds, and what to
/// do when it ends.
pub(crate) struct Call {
    pub(super) dev: Arc<Device>,
    pub(super) what: What,
    /// The call's parameters, to scrub from an error (only secret ones are
    /// kept).
    pub(super) secret_params: Vec<(String, String)>,
    pub(super) limits: Limits,
    pub(super) done: Done,
    pub(super) vouch: Option<(Arc<dyn Vouch>, usize)>,
}

impl Call {
    /// `method` with `params`, checked exactly as `Device::call` checks
    /// them (before any traffic).
    pub fn prepare(
        dev: Arc<Device>,
        method: &str,
        params: &[(&str, &str)],
        limits: Limits,
        done: Done,
    ) -> Result<Call> {
        let what = match dev.prepare_call(method, params)? {
            Prepared::Login { user, pass_md5 } => What::Login {
                user,
                pass_md5,
                after_restart: false,
            },
            Prepared::Logout => What::Send {
                name: Cow::Borrowed(Method::Logout.name()),
                needs_login: Method::Logout.spec().needs_login,
                target: Target::Bare(Method::Logout),
                forget_after: true,
                raw: false,
            },
            Prepared::Send { name, needs_login } => {
                let known = Method::from_name(name);
                What::Send {
                    name: match known {
                        Some(m) => Cow::Borrowed(m.name()),
                        None => Cow::Owned(name.to_string()),
                    },
                    needs_login,
                    target: match known {
                        Some(m) if params.is_empty() => Target::Bare(m),
                        _ => Target::Url(dev.call_url(name, params)?),
                    },
                    forget_after: false,
                    raw: false,
                }
            }
        };
        let secret_params = params
            .iter()
            .filter(|(k, _)| crate::redact::is_secret_param(k))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Ok(Call {
            dev,
            what,
            secret_params,
            limits,
            done,
            vouch: None,
        })
    }

    /// Let `v` vouch for this call's replies (see [`Vouch`]), as `tag`.
    pub fn vouched(mut self, v: Arc<dyn Vouch>, tag: usize) -> Call {
        self.vouch = Some((v, tag));
        self
    }

    /// A method without parameters (the watcher's get-status and ping).
    pub fn method(dev: Arc<Device>, method: Method, limits: Limits, done: Done) -> Call {
        Call::method_as(dev, method, limits, done, false)
    }

    /// `method`, its reply handed out as it came: any `result`, no
    /// re-login (the watcher's ping, read by the restart rules).
    pub fn raw_method(dev: Arc<Device>, method: Method, limits: Limits, done: Done) -> Call {
        Call::method_as(dev, method, limits, done, true)
    }

    fn method_as(dev: Arc<Device>, method: Method, limits: Limits, done: Done, raw: bool) -> Call {
        Call {
            what: What::Send {
                name: Cow::Borrowed(method.name()),
                needs_login: method.spec().needs_login && !raw,
                target: Target::Bare(method),
                forget_after: false,
                raw,
            },
            dev,
            secret_params: Vec::new(),
            limits,
            done,
            vouch: None,
        }
    }

    /// A login with the MD5 hex of the password, the old session given
    /// back first (as `Device::login_md5` does).
    pub fn login(
        dev: Arc<Device>,
        user: String,
        pass_md5: String,
        limits: Limits,
        done: Done,
    ) -> Call {
        Call {
            dev,
            what: What::Login {
                user,
                pass_md5,
                after_restart: false,
            },
            secret_params: Vec::new(),
            limits,
            done,
            vouch: None,
        }
    }

    /// The login after a restart with the stored credentials, the old
    /// session sent along (as `Device::relogin_after_restart`). Without
    /// stored credentials: None.
    pub fn login_after_restart(dev: Arc<Device>, limits: Limits, done: Done) -> Option<Call> {
        let (user, pass_md5) = dev.credentials()?;
        Some(Call {
            dev,
            what: What::Login {
                user,
                pass_md5,
                after_restart: true,
            },
            secret_params: Vec::new(),
            limits,
            done,
            vouch: None,
        })
    }
}
