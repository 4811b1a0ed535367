//! What a poll's outcome means for its device (layer: watch): the events
//! it gives, the device's new phase, and when it is polled next.

use super::fields::{Snap, diff, state_fields};
use super::{DevState, Entry, Phase, Shared, lock, ms};
use crate::client::Error;
use crate::model::codes;
use crate::model::status::*;
use crate::ops::restart::{self, Restart};
use serde_json::Map;
use std::time::{Duration, Instant};

/// What a failed call means for the watcher.
pub(super) enum Verdict {
    NoAnswer,
    AuthFailed,
    Occupied,
    /// The device answered but refused (busy, ...): alive, no status.
    Refused,
}

pub(super) fn classify(e: &Error) -> Verdict {
    match e {
        Error::Device { method, code } if method == "login" => match *code {
            codes::ERR_OCCUPIED => Verdict::Occupied,
            codes::ERR_NEED_AUTH
            | codes::ERR_PASSWD
            | codes::RET_LOGIN_FAILED
            | codes::ERR_NO_USER => Verdict::AuthFailed,
            _ => Verdict::Refused,
        },
        Error::Device { code, .. } if *code == codes::ERR_NEED_AUTH => Verdict::AuthFailed,
        Error::Device { code, .. } if *code == codes::ERR_OCCUPIED => Verdict::Occupied,
        Error::Device { .. } | Error::InvalidArgument { .. } => Verdict::Refused,
        _ => Verdict::NoAnswer,
    }
}

/// What one poll found.
pub(super) enum Outcome {
    /// The status mask, the watched fields, and the fingerprint of the
    /// get-status body they were read from (None: from a ping).
    Status(u32, Box<Snap>, Option<u64>),
    /// A get-status body that differs from the last one only in its
    /// clock: nothing watched changed, and nothing was parsed.
    Same,
    /// The device restarts (`answered`: it replied, e.g. -9 with the flag).
    Restarting(Restart, bool),
    Fail(Error),
}

/// A device restarting for this long without a word is reported offline.
const RESTART_SILENCE: Duration = Duration::from_secs(600);

impl Shared {
    /// What a poll's outcome means for device `index`: its events, its new
    /// phase, and the time of its next poll.
    pub(super) fn judge(&self, index: usize, due: Instant, outcome: Outcome) -> Instant {
        let e = &self.entries[index];
        let now = Instant::now();
        let mut s = lock(&e.state);
        match outcome {
            Outcome::Same => {
                s.last_answer = now;
                s.probes = 0;
                s.refusals = 0;
                due_after(due, self.interval, now)
            }
            Outcome::Status(mask, mut snap, key) => {
                s.body_key = key;
                s.last_answer = now;
                s.probes = 0;
                s.refusals = 0;
                let rebooting = mask & (STATUS_REBOOT | STATUS_RESET) != 0;
                let announced = restart::restart_in_mask(mask, s.hint);
                s.hint = restart::announced(mask);
                match s.phase {
                    Phase::Unknown => {
                        self.emit(e, "online", state_fields(&snap));
                        s.phase = Phase::Online;
                    }
                    Phase::Online => {
                        if let Some(old) = &s.snapshot {
                            if let Some(f) = diff(old, &mut snap) {
                                self.emit(e, "changed", f);
                            }
                        }
                    }
                    Phase::Offline | Phase::Rebooting | Phase::AuthFailed | Phase::Occupied => {
                        if !rebooting {
                            self.emit(e, "back", state_fields(&snap));
                            s.phase = Phase::Online;
                        }
                    }
                }
                if let (Some(k), Phase::Online) = (announced, s.phase) {
                    self.restarting(e, &mut s, k);
                }
                s.snapshot = Some(snap);
                due_after(due, self.interval, now)
            }
            Outcome::Restarting(k, answered) => {
                s.failed += 1;
                if answered {
                    s.last_answer = now;
                }
                match s.phase {
                    Phase::Unknown | Phase::Online => self.restarting(e, &mut s, k),
                    Phase::Rebooting => {
                        let silent = now.saturating_duration_since(s.last_answer);
                        if silent >= RESTART_SILENCE.max(self.offline_after) {
                            let mut f = Map::new();
                            f.insert("silent_ms".into(), ms(silent).into());
                            f.insert("code".into(), crate::model::codes::E_TIMEOUT.into());
                            f.insert(
                                "error".into(),
                                format!(
                                    "no answer for {} s since it began to restart",
                                    silent.as_secs()
                                )
                                .into(),
                            );
                            self.emit(e, "offline", f);
                            s.phase = Phase::Offline;
                            s.probes = 0;
                        }
                    }
                    _ => {}
                }
                // The interval's cadence (it may not answer).
                due_after(due, self.interval, now)
            }
            Outcome::Fail(err) => {
                s.failed += 1;
                match classify(&err) {
                    Verdict::NoAnswer => {
                        let silent = now.saturating_duration_since(s.last_answer);
                        if s.phase != Phase::Offline && silent >= self.offline_after {
                            let mut f = Map::new();
                            f.insert("silent_ms".into(), ms(silent).into());
                            f.insert("code".into(), err.code().into());
                            f.insert("error".into(), err.to_string().into());
                            self.emit(e, "offline", f);
                            s.phase = Phase::Offline;
                            s.probes = 0;
                        }
                        if s.phase == Phase::Offline {
                            let wait = self.backoff(s.probes, index);
                            s.probes = s.probes.saturating_add(1);
                            now + wait
                        } else {
                            // Keep the cadence until offline is decided.
                            due_after(due, self.interval, now)
                        }
                    }
                    kind @ (Verdict::AuthFailed | Verdict::Occupied) => {
                        s.last_answer = now;
                        let (phase, name) = match kind {
                            Verdict::Occupied => (Phase::Occupied, "occupied"),
                            _ => (Phase::AuthFailed, "auth-failed"),
                        };
                        if s.phase != phase {
                            let mut f = Map::new();
                            f.insert("code".into(), err.code().into());
                            f.insert("error".into(), err.to_string().into());
                            self.emit(e, name, f);
                            s.phase = phase;
                            s.refusals = 0;
                        }
                        // Retry the login, backing off: the device answers.
                        let wait = self.backoff(s.refusals, index);
                        s.refusals = s.refusals.saturating_add(1);
                        now + wait
                    }
                    Verdict::Refused => {
                        s.last_answer = now;
                        due_after(due, self.interval, now)
                    }
                }
            }
        }
    }

    /// Enter the Rebooting phase with its event.
    fn restarting(&self, e: &Entry, s: &mut DevState, k: Restart) {
        let mut f = Map::new();
        f.insert("operation".into(), k.name().into());
        self.emit(e, "rebooting", f);
        s.phase = Phase::Rebooting;
        s.restarting = k;
    }

    /// interval × 2^k up to max_backoff, with a per-device spread of up to
    /// 1/8 so a fleet that died together is not probed in lockstep.
    fn backoff(&self, k: u32, index: usize) -> Duration {
        let base = self
            .interval
            .saturating_mul(1u32 << k.min(16))
            .min(self.max_backoff);
        let spread = (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 61; // 0..7
        base + base.mul_f64(spread as f64 / 64.0)
    }
}

/// The next deadline: one interval after the last, or after now when the
/// poll ran late (so a late device does not poll in a burst to catch up).
fn due_after(due: Instant, interval: Duration, now: Instant) -> Instant {
    let next = due + interval;
    if next > now { next } else { now + interval }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::Error;

    #[test]
    fn login_refusals_are_classified() {
        let login = |code| Error::Device {
            method: "login".into(),
            code,
        };
        assert!(matches!(classify(&login(-1)), Verdict::AuthFailed));
        assert!(matches!(classify(&login(-2)), Verdict::Occupied));
        assert!(matches!(
            classify(&Error::Timeout("x".into())),
            Verdict::NoAnswer
        ));
        assert!(matches!(
            classify(&Error::Device {
                method: "get-status".into(),
                code: -9
            }),
            Verdict::Refused
        ));
    }
}
