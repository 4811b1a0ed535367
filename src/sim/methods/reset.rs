//! Simulator layer (`sim`): reboot and factory reset (document section 7), as
//! the simulated device carries them out.

use super::*;

impl Device {
    /// Carry out one of section 7's methods (`dispatch` routes here).
    pub(super) fn reset(&mut self, m: &str) -> R {
        let now = self.t;
        match m {
            "reboot" => {
                self.request_power(now, PowerKind::Reboot);
                ok()
            }
            "reset-all-settings" => {
                self.request_power(now, PowerKind::Reset);
                ok()
            }
            _ => Err(ERR_PARAM),
        }
    }
}
