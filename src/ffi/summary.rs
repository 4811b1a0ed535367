//! Structs for C callers who should not need a JSON parser.

use super::device::{DEVICES, usapi_device};
use super::{guard, out_arg};
use crate::model::status::{STATUS_LIVING, STATUS_RECORD};

/// ping's reply.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct usapi_ping_result {
    /// The device's result (0: ready).
    pub result: i32,
    /// The device status mask (USAPI_STATUS_* bits).
    pub cur_status: u32,
}

/// The main facts of get-status.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct usapi_status_summary {
    /// The device status mask (USAPI_STATUS_* bits).
    pub cur_status: u32,
    /// 1 while recording (statusRecord).
    pub recording: u8,
    /// 1 while live streaming (statusLiving).
    pub living: u8,
    /// rec-status.result and its counters.
    pub rec_result: i32,
    /// How long the recording has run, in milliseconds.
    pub rec_run_ms: i64,
    /// rec-status cur-bps: bytes per second, as the Bitfocus module reads
    /// it on real Ultra Streams and the simulator reports it by default.
    /// The document states no unit (its one worked *-bps example,
    /// disk-test write-bps, is bytes per second); see docs/units.md.
    pub rec_cur_bps: i64,
    /// rec-status avg-bps, the same unit as rec_cur_bps.
    pub rec_avg_bps: i64,
    /// live-status.result (22 connected, 23 connecting, ...) and counters.
    pub live_result: i32,
    /// How long the live stream has run, in milliseconds.
    pub live_run_ms: i64,
    /// live-status cur-bps: bytes per second, as the Bitfocus module reads
    /// it on real Ultra Streams and the simulator reports it by default
    /// (the document states no unit; see docs/units.md).
    pub live_cur_bps: i64,
    /// live-status avg-bps, the same unit as live_cur_bps.
    pub live_avg_bps: i64,
    /// 1 when the input has a signal (a non-zero input resolution).
    pub signal_present: u8,
    /// Input width in pixels (0 without a signal).
    pub signal_cx: i32,
    /// Input height in pixels (0 without a signal).
    pub signal_cy: i32,
    /// 1 when the input is interlaced.
    pub signal_interlaced: u8,
    /// Input frames per second (e.g. 59.94).
    pub signal_frame_rate: f64,
    /// USB drive: disk-status (USAPI_DISK_*), bytes free and total.
    pub usb_disk_status: i32,
    /// USB drive: free space in bytes.
    pub usb_free_bytes: i64,
    /// USB drive: capacity in bytes.
    pub usb_total_bytes: i64,
    /// SD card: disk-status (USAPI_DISK_*), bytes free and total.
    pub sd_disk_status: i32,
    /// SD card: free space in bytes.
    pub sd_free_bytes: i64,
    /// SD card: capacity in bytes.
    pub sd_total_bytes: i64,
}

/// ping, decoded into a struct. Works without login.
///
/// Returns the device's result, or a library code (then `*out` is untouched).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_ping_status(dev: usapi_device, out: *mut usapi_ping_result) -> i32 {
    guard(|| {
        let out = out_arg(out, "out")?;
        let p = DEVICES.get(dev)?.ping()?;
        *out = usapi_ping_result {
            result: p.result as i32,
            cur_status: p.cur_status as u32,
        };
        Ok(p.result as i32)
    })
}

/// get-status, decoded into a struct: recording / live state, run time,
/// bitrates, input signal, USB and SD state and space.
///
/// Returns the device's result, or a negative device or library code (then
/// `*out` is untouched).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_get_status_summary(
    dev: usapi_device,
    out: *mut usapi_status_summary,
) -> i32 {
    guard(|| {
        let out = out_arg(out, "out")?;
        let s = DEVICES.get(dev)?.get_status()?;
        let mask = s.cur_status as u32;
        let clamp = |v: i64| v.clamp(i32::MIN as i64, i32::MAX as i64) as i32;
        *out = usapi_status_summary {
            cur_status: mask,
            recording: (mask & STATUS_RECORD != 0) as u8,
            living: (mask & STATUS_LIVING != 0) as u8,
            rec_result: clamp(s.rec_status.result),
            rec_run_ms: s.rec_status.run_ms,
            rec_cur_bps: s.rec_status.cur_bps,
            rec_avg_bps: s.rec_status.avg_bps,
            live_result: clamp(s.live_status.result),
            live_run_ms: s.live_status.run_ms,
            live_cur_bps: s.live_status.cur_bps,
            live_avg_bps: s.live_status.avg_bps,
            signal_present: (s.input_signal.cx > 0 && s.input_signal.cy > 0) as u8,
            signal_cx: clamp(s.input_signal.cx),
            signal_cy: clamp(s.input_signal.cy),
            signal_interlaced: (s.input_signal.interlaced != 0) as u8,
            signal_frame_rate: s.input_signal.frame_rate,
            usb_disk_status: clamp(s.usb.disk_status),
            usb_free_bytes: s.usb.free_size,
            usb_total_bytes: s.usb.total_size,
            sd_disk_status: clamp(s.sd.disk_status),
            sd_free_bytes: s.sd.free_size,
            sd_total_bytes: s.sd.total_size,
        };
        Ok(s.result as i32)
    })
}
