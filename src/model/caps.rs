//! The encoding and recording capabilities the vendor document lists in
//! get-info (`codec-cap`, `rec-control`): the values set-video, set-audio
//! and set-rec-control accept. Shared by the client's checks and the
//! simulator's device.

/// Encoder resolutions (width, height) in pixels (set-video `cx`, `cy`).
pub const RESOLUTIONS: &[(i64, i64)] = &[
    (480, 360),
    (640, 360),
    (640, 480),
    (720, 480),
    (720, 576),
    (768, 576),
    (800, 600),
    (960, 540),
    (1024, 768),
    (1280, 720),
    (1280, 800),
    (1280, 960),
    (1280, 1024),
    (1440, 900),
    (1440, 1080),
    (1600, 1200),
    (1920, 1080),
];
/// Frame intervals in 100 ns units (set-video `duration`): 15, 24, 25,
/// 29.97, 30, 50, 59.94 and 60 fps.
pub const DURATIONS: &[i64] = &[
    666667, 416667, 400000, 333667, 333333, 200000, 166833, 166667,
];
/// Video bitrates in kbit/s (set-video `kbps`).
pub const VIDEO_KBPS: &[i64] = &[256, 512, 768, 1024, 1536, 2048, 3072, 4096, 8192];
/// Audio bitrates in kbit/s (set-audio `kbps`).
pub const AUDIO_KBPS: &[i64] = &[16, 32, 48, 64, 96, 128];
/// Keyframe intervals in seconds (set-video `gop`).
pub const GOP_SEC: &[i64] = &[1, 2, 5, 10, 30, 60];
/// Bitrate statistics windows in seconds (set-video `cbrstat`).
pub const STAT_SEC: &[i64] = &[1, 5, 10, 30, 60];
/// Recording file lengths in minutes (set-rec-control `time-unit`).
pub const TIME_UNITS: &[i64] = &[5, 10, 30, 40, 50, 60, 90, 120];
