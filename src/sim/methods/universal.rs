//! Simulator layer (`sim`): the universal methods: information, status,
//! settings, recording and live on / off (document section 2), as the simulated
//! device carries them out.

use super::*;

impl Device {
    /// Carry out one of section 2's methods (`dispatch` routes here).
    pub(super) fn universal(&mut self, m: &str) -> R {
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
            _ => Err(ERR_PARAM),
        }
    }
}
