//! One poll of one device on the reactor (layer: watch): its requests
//! by phase (get-status; ping, login, get-status for a device that was
//! away; ping only while it restarts), each started when the one before it
//! ended, then `judge` and the next poll's timer.

use super::fields::{Snap, snapshot};
use super::judge::{Outcome, Verdict, classify};
use super::{Phase, Shared, lock};
use crate::api::Method;
use crate::client::Error;
use crate::engine::{Call, Limits, Reactor, Vouch};
use crate::model::codes;
use crate::ops::restart::{self, Restart, Seen, Verdict as RVerdict};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

/// One poll in progress: its device, its deadline, the bounds of its
/// requests, the phase it began in and the restart it expects.
#[derive(Clone, Copy)]
struct PollCtx {
    index: usize,
    due: Instant,
    limits: Limits,
    phase: Phase,
    expected: Option<Restart>,
}

/// What a poll does with its ping.
#[derive(Clone, Copy)]
enum PingFor {
    /// A handle without credentials: the ping is the poll.
    Only,
    /// A device that was offline: log in unless it restarts, then
    /// get-status.
    Probe,
    /// A restarting device: ready (ping 0, no restart flag) means log in
    /// again and get-status.
    Restart,
    /// After errBusy to this method: does the mask show a restart?
    Busy(&'static str),
}

impl Shared {
    /// Poll device `index` at `due` (a timer of the reactor).
    pub(super) fn schedule(sh: &Arc<Shared>, r: &mut Reactor, index: usize, due: Instant) {
        let sh = Arc::clone(sh);
        r.at(due, move |r| Shared::start_poll(&sh, r, index, due));
    }

    /// The requests of one poll, by phase, each started when the one
    /// before it ended (the same steps the blocking watcher took, on the
    /// engine).
    fn start_poll(sh: &Arc<Shared>, r: &mut Reactor, index: usize, due: Instant) {
        if sh.stop.load(Ordering::SeqCst) {
            return;
        }
        let started = Instant::now();
        let e = &sh.entries[index];
        let (phase, expected) = {
            let mut s = lock(&e.state);
            s.polls += 1;
            s.max_lag = s.max_lag.max(started.saturating_duration_since(due));
            let expected = if s.phase == Phase::Rebooting {
                Some(s.restarting)
            } else {
                s.hint
            };
            (s.phase, expected)
        };
        sh.polls.fetch_add(1, Ordering::Relaxed);
        let connect = if phase == Phase::Offline {
            sh.probe_connect
        } else {
            sh.timeout
        };
        let ctx = PollCtx {
            index,
            due,
            limits: Limits::at_most(&e.dev, connect, sh.timeout),
            phase,
            expected,
        };
        // Only ping while it restarts; the login once it is ready.
        if phase == Phase::Rebooting {
            return Shared::ping(sh, r, ctx, PingFor::Restart);
        }
        let steady = matches!(phase, Phase::Unknown | Phase::Online);
        let creds = if steady {
            e.dev.has_credentials()
        } else {
            e.dev.credentials().is_some()
        };
        if !creds {
            return Shared::ping(sh, r, ctx, PingFor::Only);
        }
        match phase {
            // The session logic renews an expired session inside the call.
            Phase::Unknown | Phase::Online => Shared::status(sh, r, ctx),
            // A cheap probe first: a device still down costs one connect
            // attempt, and one still rebooting no login.
            Phase::Offline | Phase::Rebooting => Shared::ping(sh, r, ctx, PingFor::Probe),
            Phase::AuthFailed | Phase::Occupied => Shared::login(sh, r, ctx, false),
        }
    }

    fn ping(sh: &Arc<Shared>, r: &mut Reactor, ctx: PollCtx, what: PingFor) {
        let dev = Arc::clone(&sh.entries[ctx.index].dev);
        let sh2 = Arc::clone(sh);
        let call = Call::raw_method(
            dev,
            Method::Ping,
            ctx.limits,
            Box::new(move |r, res| {
                let fields = res.as_ref().ok().map(crate::client::ping_fields);
                let seen = match fields {
                    Some((result, mask)) => Seen::Answer { result, mask },
                    None => Seen::NoAnswer,
                };
                match what {
                    PingFor::Restart => {
                        let k = ctx.expected.unwrap_or(Restart::Reboot);
                        if !restart::ping_ready(seen) {
                            let answered = seen != Seen::NoAnswer;
                            return Shared::finish(&sh2, r, ctx, Outcome::Restarting(k, answered));
                        }
                        let mask = fields.and_then(|f| f.1).unwrap_or(0);
                        if !sh2.entries[ctx.index].dev.has_credentials() {
                            let snap = Box::new(Snap::from_ping(mask));
                            return Shared::finish(&sh2, r, ctx, Outcome::Status(mask, snap, None));
                        }
                        Shared::login(&sh2, r, ctx, true)
                    }
                    PingFor::Busy(method) => {
                        let outcome = match restart::judge(ctx.expected, seen) {
                            RVerdict::Restarting(k) => {
                                Outcome::Restarting(k, seen != Seen::NoAnswer)
                            }
                            _ => Outcome::Fail(Error::Device {
                                method: method.into(),
                                code: codes::ERR_BUSY,
                            }),
                        };
                        Shared::finish(&sh2, r, ctx, outcome)
                    }
                    PingFor::Only | PingFor::Probe => {
                        let (result, mask) = match res {
                            Ok(ref reply) => crate::client::ping_fields(reply),
                            Err(e) => return Shared::steady_failed(&sh2, r, ctx, e),
                        };
                        let restarting =
                            mask.is_some_and(|m| restart::restart_in_mask(m, None).is_some());
                        let mask = mask.unwrap_or(0);
                        if matches!(what, PingFor::Probe) && restarting {
                            let snap = Box::new(Snap::from_ping(mask));
                            return Shared::finish(&sh2, r, ctx, Outcome::Status(mask, snap, None));
                        }
                        if result != 0 {
                            let e = Error::Device {
                                method: "ping".into(),
                                code: result,
                            };
                            return Shared::steady_failed(&sh2, r, ctx, e);
                        }
                        match what {
                            PingFor::Probe => Shared::login(&sh2, r, ctx, false),
                            _ => {
                                let snap = Box::new(Snap::from_ping(mask));
                                Shared::finish(&sh2, r, ctx, Outcome::Status(mask, snap, None))
                            }
                        }
                    }
                }
            }),
        );
        r.call(call);
    }

    /// Log in with the stored credentials (`after_restart`: the old
    /// session sent along, nothing given back first), then get-status.
    fn login(sh: &Arc<Shared>, r: &mut Reactor, ctx: PollCtx, after_restart: bool) {
        let dev = Arc::clone(&sh.entries[ctx.index].dev);
        let sh2 = Arc::clone(sh);
        let done: crate::engine::Done = Box::new(move |r, res| match res {
            Ok(_) => Shared::status(&sh2, r, ctx),
            Err(e) => Shared::steady_failed(&sh2, r, ctx, e),
        });
        let call = if after_restart {
            Call::login_after_restart(dev, ctx.limits, done)
        } else {
            dev.credentials()
                .map(|(user, pass)| Call::login(dev, user, pass, ctx.limits, done))
        };
        match call {
            Some(c) => r.call(c),
            // The credentials went (a logout meanwhile): the ping is the poll.
            None => Shared::ping(sh, r, ctx, PingFor::Only),
        }
    }

    fn status(sh: &Arc<Shared>, r: &mut Reactor, ctx: PollCtx) {
        let dev = Arc::clone(&sh.entries[ctx.index].dev);
        let sh2 = Arc::clone(sh);
        let call = Call::method(
            dev,
            Method::GetStatus,
            ctx.limits,
            Box::new(move |r, res| {
                let reply = match res {
                    Ok(reply) => reply,
                    Err(e) => return Shared::steady_failed(&sh2, r, ctx, e),
                };
                // `vouch` fingerprinted this very body (every 200 reply
                // to the call passes it, the last one is this).
                let key = sh2.entries[ctx.index].key.load(Ordering::Relaxed);
                if sh2.unchanged(ctx.index, key) {
                    return Shared::finish(&sh2, r, ctx, Outcome::Same);
                }
                let outcome = match snapshot(&reply.body) {
                    // Only a body whose result is 0 vouches for the next.
                    Ok(snap) => Outcome::Status(
                        snap.mask,
                        Box::new(snap),
                        (reply.result == 0).then_some(key),
                    ),
                    Err(detail) => Outcome::Fail(Error::BadReply {
                        method: "get-status".into(),
                        detail,
                    }),
                };
                Shared::finish(&sh2, r, ctx, outcome)
            }),
        )
        .vouched(Arc::clone(sh) as Arc<dyn Vouch>, ctx.index);
        r.call(call);
    }

    /// A request of a poll outside a restart failed: right after a restart
    /// was announced, or as errBusy whose ping shows a restart flag, it is
    /// that restart (`ops::restart::judge`); else the failure stands.
    fn steady_failed(sh: &Arc<Shared>, r: &mut Reactor, ctx: PollCtx, err: Error) {
        if !matches!(ctx.phase, Phase::Unknown | Phase::Online) {
            return Shared::finish(sh, r, ctx, Outcome::Fail(err));
        }
        match &err {
            Error::Device { code, method } if *code == codes::ERR_BUSY => {
                let method = if method == "ping" {
                    "ping"
                } else {
                    "get-status"
                };
                Shared::ping(sh, r, ctx, PingFor::Busy(method))
            }
            _ if matches!(classify(&err), Verdict::NoAnswer) => {
                let outcome = match restart::judge(ctx.expected, Seen::NoAnswer) {
                    RVerdict::Restarting(k) => Outcome::Restarting(k, false),
                    _ => Outcome::Fail(err),
                };
                Shared::finish(sh, r, ctx, outcome)
            }
            _ => Shared::finish(sh, r, ctx, Outcome::Fail(err)),
        }
    }

    /// A poll ended: judge it, emit its events, set the next one's timer.
    fn finish(sh: &Arc<Shared>, r: &mut Reactor, ctx: PollCtx, outcome: Outcome) {
        if sh.stop.load(Ordering::SeqCst) {
            return;
        }
        let next = sh.judge(ctx.index, ctx.due, outcome);
        Shared::schedule(sh, r, ctx.index, next);
    }

    /// Whether device `index` is online and its last status came from a
    /// body with fingerprint `key`.
    pub(super) fn unchanged(&self, index: usize, key: u64) -> bool {
        let s = lock(&self.entries[index].state);
        s.phase == Phase::Online && s.snapshot.is_some() && s.body_key == Some(key)
    }
}
