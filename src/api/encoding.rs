//! Encoding parameters (document section 6).

use super::Method;
use super::general::flag as flag_str;
use crate::client::{Device, Reply, Result};

/// Arguments of set-video; values come from get-info's codec-cap.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoArgs {
    /// 0 main stream, 1 sub stream.
    pub stream: i64,
    /// True: the device picks the settings itself (the sub stream can
    /// be set only with false).
    pub is_auto: bool,
    /// Width in pixels (one of `model::caps::RESOLUTIONS`).
    pub cx: i64,
    /// Height in pixels.
    pub cy: i64,
    /// Frame interval in 100 ns units (166667 = 60 fps).
    pub duration: i64,
    /// Bitrate in kbit/s (`model::caps::VIDEO_KBPS`).
    pub kbps: i64,
    /// Keyframe interval in seconds.
    pub gop: i64,
    /// 0 H.264, 1 HEVC (main stream only).
    pub codec: i64,
    /// Encoding profile (get-info `codec-cap.profile` / `hevc-profile`).
    pub profile: i64,
    /// Bitrate statistics window in seconds (`model::caps::STAT_SEC`).
    pub cbrstat: i64,
    /// True: full quantization range; false: limited.
    pub fullrange: bool,
}

impl Default for VideoArgs {
    /// The document's main-stream example: 1080p60 H.264 High at 4 Mbps.
    fn default() -> Self {
        VideoArgs {
            stream: 0,
            is_auto: false,
            cx: 1920,
            cy: 1080,
            duration: 166667,
            kbps: 4096,
            gop: 1,
            codec: 0,
            profile: 2,
            cbrstat: 60,
            fullrange: false,
        }
    }
}

impl Device {
    /// set-stream: which stream (0 main, 1 sub) records, goes live, previews.
    pub fn set_stream(&self, rec: i64, live: i64, mws: i64) -> Result<Reply> {
        self.send(
            Method::SetStream,
            &[
                ("rec", &rec.to_string()),
                ("live", &live.to_string()),
                ("mws", &mws.to_string()),
            ],
            None,
        )
    }
    /// set-video.
    pub fn set_video(&self, v: &VideoArgs) -> Result<Reply> {
        let n = |x: i64| x.to_string();
        let (stream, cx, cy, duration, kbps, gop, codec, profile, cbrstat) = (
            n(v.stream),
            n(v.cx),
            n(v.cy),
            n(v.duration),
            n(v.kbps),
            n(v.gop),
            n(v.codec),
            n(v.profile),
            n(v.cbrstat),
        );
        self.send(
            Method::SetVideo,
            &[
                ("stream", &stream),
                ("is-auto", flag_str(v.is_auto)),
                ("cx", &cx),
                ("cy", &cy),
                ("duration", &duration),
                ("kbps", &kbps),
                ("gop", &gop),
                ("fourcc", "0"),
                ("codec", &codec),
                ("profile", &profile),
                ("cbrstat", &cbrstat),
                ("fullrange", flag_str(v.fullrange)),
            ],
            None,
        )
    }
    /// set-audio: 16, 32, 48, 64, 96 or 128 kbps.
    pub fn set_audio(&self, kbps: i64) -> Result<Reply> {
        self.send(Method::SetAudio, &[("kbps", &kbps.to_string())], None)
    }
}
