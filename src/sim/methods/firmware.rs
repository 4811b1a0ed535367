//! Simulator layer (`sim`): the firmware-update methods (document section 11),
//! as the simulated device carries them out.

use super::*;

impl Device {
    /// Carry out one of section 11's methods (`dispatch` routes here).
    pub(super) fn firmware(&mut self, m: &str, p: &P<'_>, c: &Call<'_>) -> R {
        let now = self.t;
        match m {
            "update" => {
                let mode = match p.req_str("mode")? {
                    "upload" => "upload",
                    "online" => "online",
                    _ => return Err(ERR_PARAM),
                };
                if self.check.running {
                    return Err(ERR_BUSY);
                }
                let target = if mode == "upload" {
                    self.uploaded.as_ref().map(|u| u.version.clone())
                } else {
                    self.upgrade_found.clone()
                };
                let target = target.ok_or(ERR_NOT_FOUND)?;
                self.start_update(now, mode, target);
                ok()
            }
            "upload-update-file" => self.upload(c),
            "cancel-download" => {
                let u = &mut self.update;
                if u.op.running && u.mode == "online" && u.step == 1 {
                    u.op.cancel();
                    u.steps.clear();
                }
                ok()
            }
            "online-update-check" => {
                if self.update_in_progress() {
                    return Err(ERR_BUSY);
                }
                if self.check.running {
                    return code(RET_REPEAT);
                }
                self.check.begin(now, self.op_duration(CHECK_MS));
                ok()
            }
            "clear-upgrade" => {
                if self.update_in_progress() {
                    return Err(ERR_BUSY);
                }
                self.update = Update {
                    op: Op {
                        result: RET_INIT,
                        percent: 0,
                        running: false,
                        start: 0,
                        dur: 1,
                    },
                    mode: "none",
                    step: 0,
                    target: String::new(),
                    steps: Vec::new(),
                };
                ok()
            }
            "clear-check-update" => {
                if self.check.running {
                    return Err(ERR_BUSY);
                }
                self.check.clear();
                ok()
            }
            _ => Err(ERR_PARAM),
        }
    }

    fn upload(&mut self, c: &Call<'_>) -> R {
        if self.update_in_progress() {
            return Err(ERR_BUSY);
        }
        let img = c.upload.ok_or(ERR_FILE)?.clone()?;
        let up_to_date = crate::sim::firmware::version_cmp(&self.firmware, &img.version)
            != std::cmp::Ordering::Less;
        self.uploaded = Some(Uploaded {
            version: img.version.clone(),
            size: img.size,
        });
        Ok(
            json!({"status": RET_SUCCEED, "up-to-date": up_to_date, "version": img.version, "size": img.size}),
        )
    }
}
