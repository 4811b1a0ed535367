//! Simulator layer (`sim`): the encoding methods: streams, video, audio
//! (document section 6), as the simulated device carries them out.

use super::*;

impl Device {
    /// Carry out one of section 6's methods (`dispatch` routes here).
    pub(super) fn encoding(&mut self, m: &str, p: &P<'_>) -> R {
        match m {
            "set-stream" => {
                let rec = p.req_flag("rec")?;
                let live = p.req_flag("live")?;
                let mws = p.req_flag("mws")?;
                let enabled = self.cfg.enabled_servers().count();
                if file_bytes(
                    self.cfg.time_unit,
                    self.cfg.stream(rec).kbps + self.cfg.audio_kbps,
                ) > FILE_LIMIT_BYTES
                {
                    return Err(ERR_4G_LIMITED);
                }
                if enabled > 1 && self.cfg.stream(live).kbps >= 8192 {
                    return Err(ERR_8M_LIMITED);
                }
                (
                    self.cfg.rec_stream,
                    self.cfg.live_stream,
                    self.cfg.mws_stream,
                ) = (rec, live, mws);
                ok()
            }
            "set-video" => self.set_video(p),
            "set-audio" => {
                let kbps = p.req_choice("kbps", AUDIO_KBPS)?;
                if file_bytes(
                    self.cfg.time_unit,
                    self.cfg.stream(self.cfg.rec_stream).kbps + kbps,
                ) > FILE_LIMIT_BYTES
                {
                    return Err(ERR_4G_LIMITED);
                }
                self.cfg.audio_kbps = kbps;
                ok()
            }
            _ => Err(ERR_PARAM),
        }
    }

    fn set_video(&mut self, p: &P<'_>) -> R {
        let stream = p.req_flag("stream")?;
        let cur = self.cfg.stream(stream).clone();
        let is_auto = p.flag("is-auto")?.unwrap_or(cur.is_auto);
        let cx = p.req_int("cx")?;
        let cy = p.req_int("cy")?;
        if !RESOLUTIONS.contains(&(cx, cy)) {
            return Err(ERR_PARAM);
        }
        let duration = p.req_choice("duration", DURATIONS)?;
        let kbps = p.req_choice("kbps", VIDEO_KBPS)?;
        let gop = p.choice("gop", GOP_SEC)?.unwrap_or(cur.gop);
        let fourcc = p.choice("fourcc", &[0])?.unwrap_or(0);
        let codec = p.flag("codec")?.unwrap_or(cur.codec);
        let profile = p
            .int("profile")?
            .unwrap_or(if codec == 1 { 0 } else { cur.profile });
        let cbrstat = p.choice("cbrstat", STAT_SEC)?.unwrap_or(cur.cbrstat);
        let fullrange = p.flag("fullrange")?.unwrap_or(cur.fullrange);
        if stream == 1 && (is_auto == 1 || codec == 1) {
            // The sub stream is custom and H.264 only.
            return Err(ERR_PARAM);
        }
        let profiles: &[i64] = if codec == 1 { &[0] } else { &[0, 1, 2] };
        if !profiles.contains(&profile) {
            return Err(ERR_PARAM);
        }
        let enabled = self.cfg.enabled_servers().count();
        if stream == self.cfg.rec_stream
            && file_bytes(self.cfg.time_unit, kbps + self.cfg.audio_kbps) > FILE_LIMIT_BYTES
        {
            return Err(ERR_4G_LIMITED);
        }
        if stream == self.cfg.live_stream && kbps >= 8192 && enabled > 1 {
            return Err(ERR_8M_LIMITED);
        }
        if stream == 0 && codec == 1 && self.cfg.live_stream == 0 && enabled > 0 {
            return Err(ERR_CODEC_LIMITED);
        }
        let v = Video {
            is_auto,
            codec,
            cx,
            cy,
            duration,
            kbps,
            gop,
            fourcc,
            profile,
            cbrstat,
            fullrange,
        };
        if stream == 0 {
            self.cfg.main = v;
        } else {
            self.cfg.sub = v;
        }
        ok()
    }
}
