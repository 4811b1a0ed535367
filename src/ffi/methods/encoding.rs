//! C ABI layer (`ffi`): the exports of the encoding methods (document
//! section 6: stream, video, audio).

use super::{flag, send_raw, skipping};
use crate::api::{Method, VideoArgs};
use crate::ffi::device::{usapi_device, with_device};
use crate::ffi::ref_arg;
use std::ffi::c_char;

/// set-stream: which stream (0 main, 1 sub) records, goes live and previews.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_set_stream(
    dev: usapi_device,
    rec: i32,
    live: i32,
    mws: i32,
    out_json: *mut *mut c_char,
) -> i32 {
    with_device(dev, out_json, |d| {
        Ok(d.set_stream(rec as i64, live as i64, mws as i64)?)
    })
}

/// Arguments of `usapi_set_video`; values come from get-info's codec-cap.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct usapi_video {
    /// 0 main stream, 1 sub stream.
    pub stream: i32,
    /// 1: the device picks the stream's settings itself; 0: the values
    /// below (the sub stream can be set only with 0).
    pub is_auto: i32,
    /// Width in pixels (one of get-info's codec-cap resolutions).
    pub cx: i32,
    /// Height in pixels.
    pub cy: i32,
    /// Frame interval in 100 ns units (166667 = 60 fps).
    pub duration: i32,
    /// Video bitrate in kbit/s (within codec-cap video-kbps).
    pub kbps: i32,
    /// Keyframe interval in seconds.
    pub gop: i32,
    /// 0 H.264, 1 HEVC (main stream only).
    pub codec: i32,
    /// Encoding profile (codec-cap profile for H.264, hevc-profile for HEVC).
    pub profile: i32,
    /// Bitrate statistics window in seconds (codec-cap stat-sec).
    pub cbrstat: i32,
    /// Quantization range: 0 limited, 1 full (codec-cap video-range).
    pub fullrange: i32,
}

/// set-video.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_set_video(
    dev: usapi_device,
    video: *const usapi_video,
    out_json: *mut *mut c_char,
) -> i32 {
    with_device(dev, out_json, |d| {
        let v = ref_arg(video, "video")?;
        if skipping(d) {
            let n = |x: i32| x.to_string();
            return send_raw(
                d,
                Method::SetVideo,
                &[
                    ("stream", n(v.stream)),
                    ("is-auto", n(v.is_auto)),
                    ("cx", n(v.cx)),
                    ("cy", n(v.cy)),
                    ("duration", n(v.duration)),
                    ("kbps", n(v.kbps)),
                    ("gop", n(v.gop)),
                    ("fourcc", "0".into()),
                    ("codec", n(v.codec)),
                    ("profile", n(v.profile)),
                    ("cbrstat", n(v.cbrstat)),
                    ("fullrange", n(v.fullrange)),
                ],
            );
        }
        let args = VideoArgs {
            stream: v.stream as i64,
            is_auto: flag(v.is_auto, "is_auto")?,
            cx: v.cx as i64,
            cy: v.cy as i64,
            duration: v.duration as i64,
            kbps: v.kbps as i64,
            gop: v.gop as i64,
            codec: v.codec as i64,
            profile: v.profile as i64,
            cbrstat: v.cbrstat as i64,
            fullrange: flag(v.fullrange, "fullrange")?,
        };
        Ok(d.set_video(&args)?)
    })
}

/// set-audio: 16, 32, 48, 64, 96 or 128 kbps.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_set_audio(
    dev: usapi_device,
    kbps: i32,
    out_json: *mut *mut c_char,
) -> i32 {
    with_device(dev, out_json, |d| Ok(d.set_audio(kbps as i64)?))
}
