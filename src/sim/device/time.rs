//! Simulator layer (`sim`): bringing the device up to the clock's time
//! (`tick`), the long operations' progress, and the firmware update's steps.

use super::*;

impl Device {
    // ---------------------------------------------------------------
    // Time

    /// Bring everything up to the clock's current time.
    pub fn tick(&mut self) {
        let now = self.clock.now();
        self.tick_to(now);
    }

    pub fn tick_to(&mut self, now: u64) {
        for _ in 0..10_000 {
            // The next moment something changes discontinuously.
            let mut next = now;
            match self.power {
                Power::Up => {}
                Power::Stopping { at, .. } => next = next.min(at),
                Power::Down { until, .. } => next = next.min(until),
            }
            if let Some(end) = self.update.op.end() {
                next = next.min(end);
            }
            let next = next.max(self.t);
            self.advance_activities(next);
            self.t = next;
            let mut changed = false;
            if self.update.op.end().is_some_and(|e| e <= self.t) {
                self.finish_update_step();
                changed = true;
            }
            match self.power {
                Power::Stopping { at, kind } if at <= self.t => {
                    self.go_down(kind);
                    changed = true;
                }
                Power::Down { until, kind } if until <= self.t => {
                    self.boot(kind);
                    changed = true;
                }
                _ => {}
            }
            if !changed && self.t >= now {
                break;
            }
        }
        if self.idle_timeout_ms > 0 {
            let (t, idle) = (self.t, self.idle_timeout_ms);
            self.sessions.retain(|_, s| t.saturating_sub(s.last) < idle);
        }
    }

    /// Move recordings, live, and the simple operations to `to`.
    fn advance_activities(&mut self, to: u64) {
        if self.is_down() {
            return;
        }
        self.tick_recording(to);
        if self.format.tick(to) {
            let k = self.format_disk;
            let d = self.disk_mut(k);
            d.clear_files();
            d.base_used = d.total / 2000;
            d.valid = true;
            d.fs_label = format!("{:04X}-{:04X}", (to / 7) % 0x10000, (to / 13) % 0x10000);
        }
        if self.disk_test.tick(to) {
            let need = required_bytes_per_sec(self.cfg.rec_kbps());
            if self.disk_test_bps < need {
                self.disk_test.result = RET_LOW_SPEED;
            }
        }
        self.living_test.tick(to);
        if self.check.tick(to) {
            self.upgrade_found = (version_cmp(ONLINE_LATEST, &self.firmware)
                == std::cmp::Ordering::Greater)
                .then(|| ONLINE_LATEST.to_string());
        }
        // The update's own steps are handled by tick_to; keep its percent fresh.
        let u = &mut self.update.op;
        if u.running {
            let elapsed = to.saturating_sub(u.start);
            u.percent = (elapsed.saturating_mul(100) / u.dur).min(99);
        }
    }

    fn finish_update_step(&mut self) {
        let end = self.update.op.start.saturating_add(self.update.op.dur);
        if self.update.steps.is_empty() {
            self.update.op.running = false;
            self.update.op.percent = 100;
            self.update.op.result = RET_SUCCEED;
            if !self.readings.update_restarts {
                // The new version runs at once; nothing restarts.
                self.install_update();
                return;
            }
            self.power = Power::Stopping {
                at: end.saturating_add(UPDATE_REBOOT_DELAY_MS),
                kind: PowerKind::Update,
            };
        } else {
            let (step, dur) = self.update.steps.remove(0);
            self.update.step = step;
            self.update.op.begin(end, dur);
        }
    }

    pub fn start_update(&mut self, now: u64, mode: &'static str, target: String) {
        let mut steps = if mode == "online" {
            vec![(1, DOWNLOAD_MS)]
        } else {
            Vec::new()
        };
        steps.push((2, VERIFY_MS));
        steps.push((3, FLASH_MS));
        for s in steps.iter_mut() {
            s.1 = self.op_duration(s.1);
        }
        let (first, dur) = steps.remove(0);
        self.update = Update {
            op: Op::init(RET_INIT),
            mode,
            step: first,
            target,
            steps,
        };
        self.update.op.begin(now, dur);
    }

    pub fn update_in_progress(&self) -> bool {
        self.update.op.running
            || matches!(
                self.power,
                Power::Stopping {
                    kind: PowerKind::Update,
                    ..
                }
            )
    }
}
