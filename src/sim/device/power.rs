//! Simulator layer (`sim`): restart and power: going down for a reboot,
//! reset or update, installing the update, and booting again.

use super::*;

impl Device {
    pub(super) fn go_down(&mut self, kind: PowerKind) {
        let t = self.t;
        self.finish_recording(t, 0);
        self.live = None;
        self.sessions.clear();
        for op in [&mut self.format, &mut self.disk_test, &mut self.living_test] {
            op.clear();
        }
        self.check = Op::init(RET_SUCCEED);
        if self.update.op.running {
            // Power lost mid-update: the update did not happen.
            self.update = Update {
                op: Op::init(RET_INIT),
                mode: "none",
                step: 0,
                target: String::new(),
                steps: Vec::new(),
            };
        }
        let down = match kind {
            PowerKind::Reboot => REBOOT_DOWN_MS,
            PowerKind::Reset => RESET_DOWN_MS,
            PowerKind::Update => UPDATE_DOWN_MS,
        };
        self.power = Power::Down {
            until: t.saturating_add(down),
            kind,
        };
        // Closing connections is the "close" reading of a restart; the
        // "busy" one keeps them and answers -9.
        if self.readings.restart == crate::sim::RestartStyle::Close {
            self.boot_epoch += 1;
        }
    }

    /// Go down now (a "reboot" fault): no goodbye.
    pub fn crash_reboot(&mut self) {
        self.go_down(PowerKind::Reboot);
    }

    pub fn request_power(&mut self, now: u64, kind: PowerKind) {
        self.power = Power::Stopping {
            at: now.saturating_add(STOPPING_MS),
            kind,
        };
    }

    /// The updated firmware becomes the running one.
    pub(super) fn install_update(&mut self) {
        if !self.update.target.is_empty() {
            self.firmware = self.update.target.clone();
        }
        self.uploaded = None;
        self.upgrade_found = None;
    }

    pub(super) fn boot(&mut self, kind: PowerKind) {
        self.power = Power::Up;
        self.boots += 1;
        match kind {
            PowerKind::Reset => {
                self.cfg =
                    Config::defaults(&self.serial, &self.default_user, &self.default_pass_md5);
                self.first_boot = true;
                self.time_offset_ms = 0;
                self.uploaded = None;
                self.update = Update {
                    op: Op::init(RET_INIT),
                    mode: "none",
                    step: 0,
                    target: String::new(),
                    steps: Vec::new(),
                };
            }
            PowerKind::Update => {
                self.install_update();
                // A restart forgets the update's status: back to 27.
                self.update = Update {
                    op: Op::init(RET_INIT),
                    mode: "none",
                    step: 0,
                    target: String::new(),
                    steps: Vec::new(),
                };
            }
            PowerKind::Reboot => {}
        }
        self.softap_active = self.cfg.is_softap == 1;
        if self.first_boot {
            return;
        }
        // Start-up actions.
        let now = self.t;
        if self.cfg.is_startup_rec == 1 {
            let _ = self.begin_recording(now);
        }
        if self.cfg.is_startup_live == 1 && self.live_check().is_ok() {
            self.begin_live(now);
        }
    }
}
