//! Simulator layer (`sim`): recording (targets, checks, segments filling
//! the disks) and going live.

use super::*;

impl Device {
    // ---------------------------------------------------------------
    // Recording

    /// Disks the next recording writes to.
    pub fn rec_targets(&self) -> Vec<DiskKind> {
        let mut v = Vec::new();
        if self.cfg.usb_option == 1 && self.usb.recordable() {
            v.push(DiskKind::Usb);
        }
        if self.cfg.sd_option >= 1 && self.sd.recordable() {
            v.push(DiskKind::Sd);
        }
        v
    }

    /// Why recording cannot start, as a device code.
    pub fn rec_check(&self) -> Result<(), i32> {
        if !self.rec_targets().is_empty() {
            return Ok(());
        }
        let wanted: Vec<&Disk> = [
            (self.cfg.usb_option == 1, &self.usb),
            (self.cfg.sd_option >= 1, &self.sd),
        ]
        .into_iter()
        .filter(|(w, d)| *w && d.present)
        .map(|(_, d)| d)
        .collect();
        if wanted.iter().any(|d| d.status() == DISK_NOT_SPACE) {
            Err(ERR_NO_SPACE)
        } else {
            Err(ERR_DISK)
        }
    }

    pub fn begin_recording(&mut self, now: u64) -> Result<(), i32> {
        self.rec_check()?;
        self.rec_counter += 1;
        let v = self.cfg.stream(self.cfg.rec_stream).clone();
        let codec = if self.cfg.rec_stream == 0 { v.codec } else { 0 };
        let mut rec = Recording {
            start: now,
            t: now,
            seg_start: now,
            seg_no: 0,
            rec_no: self.rec_counter,
            bps: (self.cfg.rec_kbps().max(0) as u64) * 1024,
            bytes: 0,
            targets: Vec::new(),
            width: v.cx,
            height: v.cy,
            interval: v.duration,
            codec,
            folder: self.cfg.root_folder.clone(),
            prefix: self.cfg.file_prefix.clone(),
            ext: if self.cfg.mime_type == 1 {
                "mov"
            } else {
                "mp4"
            },
            time_unit_ms: (self.cfg.time_unit.max(1) as u64) * 60_000,
        };
        let targets = self.rec_targets();
        self.open_segment(&mut rec, &targets, now);
        self.rec = Some(rec);
        Ok(())
    }

    fn open_segment(&mut self, rec: &mut Recording, disks: &[DiskKind], now: u64) {
        rec.seg_no += 1;
        rec.seg_start = now;
        rec.targets.clear();
        let create = self.unix_secs_at(now);
        for &k in disks {
            if self.disk(k).files.len() >= MAX_FILES_PER_DISK {
                // A full directory: nothing more is written to this disk.
                continue;
            }
            self.file_seq += 1;
            let seq = self.file_seq;
            let name = format!("{}_{}_{}.{}", rec.prefix, rec.rec_no, rec.seg_no, rec.ext);
            let f = MediaFile {
                seq,
                folder: rec.folder.clone(),
                thumb: format!("{name}_{create}"),
                name,
                status: 0,
                create_unix: create,
                size: 0,
                duration_ms: 0,
                width: rec.width,
                height: rec.height,
                interval: rec.interval,
                codec: rec.codec,
            };
            self.disk_mut(k).add_file(f);
            rec.targets.push((k, seq));
        }
    }

    fn close_file(&mut self, k: DiskKind, seq: u64, now: u64, seg_start: u64) {
        if let Some(f) = self.disk_mut(k).file_mut(seq) {
            f.status = 1;
            f.duration_ms = now.saturating_sub(seg_start);
        }
    }

    /// Stop the recording at `now`; `why` becomes last-rec-status.
    pub fn finish_recording(&mut self, now: u64, why: i32) {
        self.tick_recording(now);
        if let Some(rec) = self.rec.take() {
            for (k, seq) in rec.targets.clone() {
                self.close_file(k, seq, now, rec.seg_start);
            }
            self.last_rec_status = why;
        }
    }

    pub(super) fn tick_recording(&mut self, to: u64) {
        let Some(mut rec) = self.rec.take() else {
            return;
        };
        let loop_sd = self.cfg.sd_option == 2;
        let mut stop_reason = ERR_NO_SPACE;
        let mut guard = 0u32;
        while rec.t < to && guard < 1_000_000 {
            guard += 1;
            // Drop targets that cannot take data any more.
            let mut i = 0;
            while i < rec.targets.len() {
                let (k, seq) = rec.targets[i];
                let keep = self.disk(k).present && self.disk(k).valid && self.disk(k).writable;
                if keep {
                    i += 1;
                } else {
                    self.close_file(k, seq, rec.t, rec.seg_start);
                    rec.targets.remove(i);
                    stop_reason = ERR_DISK;
                }
            }
            if rec.targets.is_empty() {
                // Nothing left to write to: the recording ends (self.rec stays None).
                self.last_rec_status = stop_reason;
                return;
            }
            let seg_end = rec.seg_start.saturating_add(rec.time_unit_ms);
            let mut step_end = to.min(seg_end);
            // A disk reaching its limit is an event.
            let mut full: Option<usize> = None;
            for (idx, &(k, _)) in rec.targets.iter().enumerate() {
                let limit = if k == DiskKind::Sd && loop_sd {
                    LOW_SPACE_BYTES
                } else {
                    0
                };
                let headroom = self.disk(k).free().saturating_sub(limit);
                let ms = if rec.bps == 0 {
                    u64::MAX
                } else {
                    (headroom as u128 * 8000 / rec.bps as u128).min(u64::MAX as u128) as u64
                };
                if rec.t.saturating_add(ms) < step_end {
                    step_end = rec.t.saturating_add(ms);
                    full = Some(idx);
                }
            }
            let dt = step_end - rec.t;
            let bytes = (rec.bps as u128 * dt as u128 / 8000) as u64;
            for &(k, seq) in &rec.targets {
                let d = self.disk_mut(k);
                let cap = d.free();
                d.grow_file(seq, bytes.min(cap));
                if let Some(f) = d.file_mut(seq) {
                    f.duration_ms = step_end.saturating_sub(rec.seg_start);
                }
            }
            rec.bytes = rec.bytes.saturating_add(bytes);
            rec.t = step_end;
            if let Some(idx) = full {
                let (k, seq) = rec.targets[idx];
                if k == DiskKind::Sd && loop_sd {
                    // Loop recording: delete the oldest finished file.
                    let d = self.disk_mut(k);
                    if let Some(pos) = d.files.iter().position(|f| f.status != 0) {
                        d.remove_file(pos);
                        continue;
                    }
                }
                // Fill the last bytes, close the file, stop writing there.
                let d = self.disk_mut(k);
                let rest = d.free();
                d.grow_file(seq, rest);
                self.close_file(k, seq, rec.t, rec.seg_start);
                rec.targets.remove(idx);
                stop_reason = ERR_NO_SPACE;
                continue;
            }
            if rec.t >= seg_end {
                for (k, seq) in rec.targets.clone() {
                    self.close_file(k, seq, rec.t, rec.seg_start);
                }
                let disks: Vec<DiskKind> = rec
                    .targets
                    .iter()
                    .map(|(k, _)| *k)
                    .filter(|k| self.disk(*k).recordable())
                    .collect();
                let t = rec.t;
                self.open_segment(&mut rec, &disks, t);
            }
        }
        self.rec = Some(rec);
    }

    // ---------------------------------------------------------------
    // Live

    /// Rules for going live with the enabled servers.
    pub fn live_check(&self) -> Result<(), i32> {
        let enabled: Vec<&Server> = self.cfg.enabled_servers().collect();
        if enabled.is_empty() {
            return Err(RET_LIVING_NOTSET);
        }
        if self.cfg.live_stream == 0 && self.cfg.main.codec == 1 {
            return Err(ERR_CODEC_LIMITED);
        }
        if enabled.len() > 1 && enabled.iter().any(|s| s.kind == FACEBOOK) {
            return Err(ERR_FACEBOOK_LIMITED);
        }
        if enabled.len() > 1 && self.cfg.stream(self.cfg.live_stream).kbps >= 8192 {
            return Err(ERR_8M_LIMITED);
        }
        if enabled.len() > MAX_ENABLED {
            return Err(ERR_CHANNELS_LIMITED);
        }
        Ok(())
    }

    pub fn begin_live(&mut self, now: u64) {
        let servers = self
            .cfg
            .enabled_servers()
            .map(|s| (s.id, s.net_mode))
            .collect();
        self.live = Some(Live {
            start: now,
            bps: (self.cfg.live_kbps().max(0) as u64) * 1024,
            servers,
        });
    }
}
