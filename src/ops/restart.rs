//! Restarts judged from one poll, without I/O: the rules that
//! `run_reboot`, `run_reset_all_settings`, `run_firmware_update`,
//! `wait_ready` and the watcher share (DESIGN.md "Long operations and
//! watching"), so every caller, blocking or event-driven, reads a
//! restarting device the same way.
//!
//! The document promises only ping during a restart ("0 indicates the
//! device is ready"; reboot and reset: "use ping to determine whether the
//! restart is finished"). Devices in the field differ in how they show a
//! restart: some close connections, some answer every call, ping included,
//! with errBusy (-9) and statusReboot / statusReset in `cur-status`. Both
//! mean "not ready", never a failure.

use crate::model::codes::{ERR_BUSY, RET_SUCCEED};
use crate::model::status::{STATUS_REBOOT, STATUS_RESET, STATUS_UPGRADE};

/// The operations that end with the device restarting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Restart {
    /// `reboot`.
    Reboot,
    /// `reset-all-settings` (defaults restored, then a restart).
    Reset,
    /// `update` (the firmware is installed, then usually a restart).
    Update,
}

impl Restart {
    /// The name events and progress reports use: "reboot", "reset", "update".
    pub fn name(self) -> &'static str {
        match self {
            Restart::Reboot => "reboot",
            Restart::Reset => "reset",
            Restart::Update => "update",
        }
    }
}

/// What one request to a possibly restarting device got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// No reply: the connection was refused or dropped, or timed out, or
    /// the reply was not the API's (an HTTP error, a page while booting).
    NoAnswer,
    /// The device refused the session (-17): it restarted since the last
    /// login (every session is lost at a restart).
    SessionLost,
    /// A reply: its top-level `result` and its `cur-status`, if it has one.
    Answer {
        /// The reply's `result` (ping: 0 means ready).
        result: i32,
        /// `cur-status`, when the reply carries it.
        mask: Option<u32>,
    },
}

/// The reading of one poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// A restart is under way (not ready; not a failure).
    Restarting(Restart),
    /// The device answers and shows no restart: ready (after a restart:
    /// log in again now).
    Ready,
    /// Not about a restart: the caller's ordinary handling (a device that
    /// does not answer and was not expected to restart, a refusal ...).
    Other,
}

/// The restart a status mask shows by its flags (statusReset,
/// statusReboot), if any. `expected`: the restart the caller knows of; a
/// plain reboot flag during an update's restart is that update's.
pub fn restart_in_mask(mask: u32, expected: Option<Restart>) -> Option<Restart> {
    if mask & STATUS_RESET != 0 {
        Some(Restart::Reset)
    } else if mask & STATUS_REBOOT != 0 {
        Some(match expected {
            Some(Restart::Update) => Restart::Update,
            _ => Restart::Reboot,
        })
    } else {
        None
    }
}

/// The restart a status mask announces: its flag, or a firmware update in
/// progress (which ends with a restart on most devices). A watcher that
/// loses the device right after such a mask reads it as that restart.
pub fn announced(mask: u32) -> Option<Restart> {
    restart_in_mask(mask, None).or_else(|| update_in_mask(mask).then_some(Restart::Update))
}

/// True when the mask shows a firmware update in progress (statusUpgrade).
pub fn update_in_mask(mask: u32) -> bool {
    mask & STATUS_UPGRADE != 0
}

/// Judge one poll. `expected`: a restart the caller requested or has seen
/// coming (its flag in an earlier mask), or None.
///
/// - A restart flag in the mask: restarting, whatever the result.
/// - No answer, or errBusy, while a restart is expected: restarting.
/// - A lost session while a restart is expected: it restarted between two
///   polls and answers again: ready.
/// - Result 0 without a restart flag: ready.
/// - Anything else: not about a restart.
pub fn judge(expected: Option<Restart>, seen: Seen) -> Verdict {
    match seen {
        Seen::NoAnswer => expected.map_or(Verdict::Other, Verdict::Restarting),
        Seen::SessionLost => match expected {
            Some(_) => Verdict::Ready,
            None => Verdict::Other,
        },
        Seen::Answer { result, mask } => {
            if let Some(r) = mask.and_then(|m| restart_in_mask(m, expected)) {
                return Verdict::Restarting(r);
            }
            match (result, expected) {
                (RET_SUCCEED, _) => Verdict::Ready,
                (ERR_BUSY, Some(r)) => Verdict::Restarting(r),
                _ => Verdict::Other,
            }
        }
    }
}

/// What `wait_ready` waits for: ping answered 0, with no reboot, reset or
/// firmware update in progress in its mask. Anything else (no answer, any
/// other result, one of those flags) is "not ready yet", never final.
pub fn ping_ready(seen: Seen) -> bool {
    match seen {
        Seen::Answer {
            result: RET_SUCCEED,
            mask,
        } => {
            let m = mask.unwrap_or(0);
            restart_in_mask(m, None).is_none() && !update_in_mask(m)
        }
        _ => false,
    }
}

// Here rather than in the client, so the client does not depend on `ops`.
impl crate::client::Device {
    /// One ping, read as a restart poll (`ops::restart`): no reply of any
    /// kind is `Seen::NoAnswer`.
    pub(crate) fn ping_seen(&self) -> Seen {
        match self.ping_reply() {
            Ok((result, mask)) => Seen::Answer { result, mask },
            Err(_) => Seen::NoAnswer,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::status::{STATUS_DISK_READY, STATUS_FORMAT_DISK, STATUS_PASSWD};

    fn answer(result: i32, mask: u32) -> Seen {
        Seen::Answer {
            result,
            mask: Some(mask),
        }
    }

    #[test]
    fn ping_is_ready_only_with_zero_and_no_restart_flag() {
        assert!(ping_ready(answer(0, STATUS_PASSWD | STATUS_DISK_READY)));
        assert!(ping_ready(Seen::Answer {
            result: 0,
            mask: None
        }));
        // The device: -9 with statusReboot during a reboot.
        assert!(!ping_ready(answer(-9, 0x2001_0010)));
        assert!(!ping_ready(answer(-9, STATUS_PASSWD)));
        assert!(!ping_ready(answer(0, STATUS_REBOOT)));
        assert!(!ping_ready(answer(0, STATUS_RESET)));
        assert!(!ping_ready(answer(0, STATUS_UPGRADE)));
        assert!(!ping_ready(answer(-18, 0)));
        assert!(!ping_ready(Seen::NoAnswer));
        assert!(!ping_ready(Seen::SessionLost));
    }

    #[test]
    fn a_restart_shows_however_the_device_signals_it() {
        use Restart::*;
        // Flags name it, expected or not, whatever the result.
        assert_eq!(
            judge(None, answer(-9, 0x2001_0010)),
            Verdict::Restarting(Reboot)
        );
        assert_eq!(
            judge(None, answer(0, STATUS_RESET)),
            Verdict::Restarting(Reset)
        );
        assert_eq!(
            judge(Some(Update), answer(-9, STATUS_REBOOT)),
            Verdict::Restarting(Update)
        );
        assert_eq!(
            judge(Some(Reboot), answer(0, STATUS_RESET | STATUS_REBOOT)),
            Verdict::Restarting(Reset)
        );
        // Closed connections and -9 without a flag: only when expected.
        assert_eq!(
            judge(Some(Reset), Seen::NoAnswer),
            Verdict::Restarting(Reset)
        );
        assert_eq!(judge(None, Seen::NoAnswer), Verdict::Other);
        assert_eq!(
            judge(Some(Update), answer(-9, 0)),
            Verdict::Restarting(Update)
        );
        assert_eq!(
            judge(
                Some(Update),
                Seen::Answer {
                    result: -9,
                    mask: None
                }
            ),
            Verdict::Restarting(Update)
        );
        assert_eq!(judge(None, answer(-9, STATUS_FORMAT_DISK)), Verdict::Other);
        // Back: 0 without a flag, or the session gone after an expected restart.
        assert_eq!(
            judge(Some(Reboot), answer(0, STATUS_PASSWD)),
            Verdict::Ready
        );
        assert_eq!(judge(None, answer(0, STATUS_PASSWD)), Verdict::Ready);
        assert_eq!(judge(Some(Update), Seen::SessionLost), Verdict::Ready);
        assert_eq!(judge(None, Seen::SessionLost), Verdict::Other);
        assert_eq!(judge(Some(Reboot), answer(-18, 0)), Verdict::Other);
        assert_eq!(Update.name(), "update");
        assert_eq!(announced(STATUS_UPGRADE | STATUS_PASSWD), Some(Update));
        assert_eq!(announced(STATUS_UPGRADE | STATUS_REBOOT), Some(Reboot));
        assert_eq!(announced(STATUS_PASSWD), None);
    }
}
