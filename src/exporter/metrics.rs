//! The metric families (docs/exporter.md has the table), encoded with the
//! Prometheus project's client library (`prometheus-client`) in the
//! Prometheus text format 0.0.4 (label values escaped by the library). A
//! scrape encodes a copy of the devices' state: one family at a time, so
//! each family's series stay together.

use super::state::{DeviceMetrics, OPERATIONS, Status};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::DescriptorEncoder;
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;

/// The `Content-Type` of what [`render`] writes.
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// The devices to encode, and the fleet size (None for `/probe`).
#[derive(Debug)]
struct Snapshot {
    devices: Vec<DeviceMetrics>,
    configured: Option<usize>,
}

/// Encode `devices` (and `ultrastream_exporter_devices` when `configured`
/// is given) in the Prometheus text format.
pub fn render(devices: Vec<DeviceMetrics>, configured: Option<usize>) -> String {
    let mut reg = Registry::default();
    reg.register_collector(Box::new(Snapshot {
        devices,
        configured,
    }));
    let mut out = String::new();
    // Writing to a String cannot fail; a collector error would be a bug
    // here, shown as an empty body rather than a panic.
    let _ = prometheus_client::encoding::prometheus_text::encode(&mut out, &reg);
    out
}

type Enc<'a, 'b> = &'a mut DescriptorEncoder<'b>;
type Write<'w> = &'w mut dyn FnMut(&[(&str, &str)], f64) -> std::fmt::Result;

/// One family: every item's samples under one HELP/TYPE. `items` are
/// (device label, what the samples are read from).
fn family<T, F>(
    e: Enc,
    name: &str,
    help: &str,
    kind: MetricType,
    items: &[(&str, T)],
    mut each: F,
) -> std::fmt::Result
where
    F: FnMut(&T, Write) -> std::fmt::Result,
{
    let mut m = e.encode_descriptor(name, help, None, kind)?;
    for (device, item) in items {
        each(item, &mut |extra, v| {
            // On the stack: no allocation per sample.
            let mut all = [("", ""); 6];
            all[0] = ("device", device);
            let n = 1 + extra.len().min(5);
            all[1..n].copy_from_slice(&extra[..n - 1]);
            let labels = &all[..n];
            let mut s = m.encode_family(&labels)?;
            if kind == MetricType::Counter {
                s.encode_counter::<Vec<(&str, &str)>, _, f64>(&v, None)
            } else {
                s.encode_gauge(&v)
            }
        })?;
    }
    Ok(())
}

fn b(v: bool) -> f64 {
    if v { 1.0 } else { 0.0 }
}

impl Collector for Snapshot {
    fn encode(&self, mut e: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        use MetricType::{Counter, Gauge};
        let all: Vec<(&str, &DeviceMetrics)> = self
            .devices
            .iter()
            .map(|d| (d.device.as_str(), d))
            .collect();
        let ds = &all[..];
        let e = &mut e;
        family(
            e,
            "ultrastream_up",
            "1 when the last poll got a get-status reply with result 0",
            Gauge,
            ds,
            |d, w| w(&[], b(d.up)),
        )?;
        family(
            e,
            "ultrastream_poll_duration_seconds",
            "Wall time of the last poll (get-status, and get-info when read)",
            Gauge,
            ds,
            |d, w| w(&[], d.poll_seconds),
        )?;
        family(
            e,
            "ultrastream_last_poll_success_timestamp_seconds",
            "Unix time of the last good poll",
            Gauge,
            ds,
            |d, w| {
                if d.last_success > 0.0 {
                    w(&[], d.last_success)
                } else {
                    Ok(())
                }
            },
        )?;
        family(
            e,
            "ultrastream_polls_failed",
            "Polls that got no good get-status (connect, timeout, refusal, non-zero result)",
            Counter,
            ds,
            |d, w| w(&[], d.polls_failed as f64),
        )?;
        family(
            e,
            "ultrastream_relogins",
            "Session logins after the first (the device refused the session with -17)",
            Counter,
            ds,
            |d, w| w(&[], d.relogins as f64),
        )?;
        family(
            e,
            "ultrastream_device_info",
            "The device's model, firmware, serial number and name (get-info, get-status box-name)",
            Gauge,
            ds,
            |d, w| match &d.info {
                Some(i) => {
                    let name = d.status.as_ref().map_or("", |s| s.name.as_str());
                    w(
                        &[
                            ("model", &i.model),
                            ("firmware", &i.firmware),
                            ("serial", &i.serial),
                            ("name", name),
                        ],
                        1.0,
                    )
                }
                None => Ok(()),
            },
        )?;
        // The rest only for devices that answered their last poll: a down
        // device shows no stale state.
        let ds: Vec<(&str, &Status)> = self
            .devices
            .iter()
            .filter_map(|d| Some((d.device.as_str(), d.status.as_ref()?)))
            .collect();
        let ds = &ds[..];
        family(
            e,
            "ultrastream_recording",
            "1 while recording (cur-status statusRecord)",
            Gauge,
            ds,
            |d, w| w(&[], b(d.recording())),
        )?;
        family(
            e,
            "ultrastream_recording_duration_seconds",
            "How long the current recording runs (rec-status run-ms)",
            Gauge,
            ds,
            |d, w| w(&[], d.rec.run_ms as f64 / 1000.0),
        )?;
        family(
            e,
            "ultrastream_last_recording_result",
            "How the last recording ended (last-rec-status: 0 normally, else the API status code)",
            Gauge,
            ds,
            |d, w| w(&[], d.last_rec as f64),
        )?;
        family(
            e,
            "ultrastream_live",
            "1 while streaming live (cur-status statusLiving)",
            Gauge,
            ds,
            |d, w| w(&[], b(d.live())),
        )?;
        family(
            e,
            "ultrastream_live_duration_seconds",
            "How long the current live stream runs (live-status run-ms)",
            Gauge,
            ds,
            |d, w| w(&[], d.live.run_ms as f64 / 1000.0),
        )?;
        family(
            e,
            "ultrastream_live_stream_state",
            "Each live server's state code (live-status result / result2: 22 connected, 23 connecting, 24 waiting, 25 authorising, 27 idle, 28 resolving, 29 not set, 30 authentication failed, negative: an error); absent when 0",
            Gauge,
            ds,
            |d, w| {
                let l = d.live;
                if l.result != 0 {
                    w(&[("slot", "1")], l.result as f64)?;
                }
                if l.result2 != 0 {
                    w(&[("slot", "2")], l.result2 as f64)?;
                }
                Ok(())
            },
        )?;
        family(
            e,
            "ultrastream_encoder_bitrate_bytes_per_second",
            "Encoder output rate in bytes per second (rec-status / live-status cur-bps and avg-bps, which the device reports in bytes/s: docs/units.md)",
            Gauge,
            ds,
            |d, w| {
                let s = d;
                for (out, r) in [("record", s.rec), ("live", s.live)] {
                    w(&[("output", out), ("window", "current")], r.cur_bps as f64)?;
                    w(&[("output", out), ("window", "average")], r.avg_bps as f64)?;
                }
                Ok(())
            },
        )?;
        family(
            e,
            "ultrastream_input_signal_present",
            "1 when an input signal is present (input-signal status)",
            Gauge,
            ds,
            |d, w| w(&[], b(d.signal.status == 1)),
        )?;
        family(
            e,
            "ultrastream_input_width_pixels",
            "Input width (input-signal cx)",
            Gauge,
            ds,
            |d, w| w(&[], d.signal.cx as f64),
        )?;
        family(
            e,
            "ultrastream_input_height_pixels",
            "Input height (input-signal cy)",
            Gauge,
            ds,
            |d, w| w(&[], d.signal.cy as f64),
        )?;
        family(
            e,
            "ultrastream_input_frame_rate_hertz",
            "Input frame rate (input-signal frame-rate)",
            Gauge,
            ds,
            |d, w| w(&[], d.signal.frame_rate),
        )?;
        family(
            e,
            "ultrastream_input_interlaced",
            "1 when the input is interlaced (input-signal interlaced)",
            Gauge,
            ds,
            |d, w| w(&[], b(d.signal.interlaced != 0)),
        )?;
        family(
            e,
            "ultrastream_disk_status",
            "Each disk's status (disk-status: 0 none, 1 valid, 3 full, 4 not writable, 5 low space, 6 invalid)",
            Gauge,
            ds,
            |d, w| {
                for (k, disk) in [("usb", d.usb), ("sd", d.sd)] {
                    w(&[("disk", k)], disk.status as f64)?;
                }
                Ok(())
            },
        )?;
        family(
            e,
            "ultrastream_disk_size_bytes",
            "Each disk's size (total-size)",
            Gauge,
            ds,
            |d, w| {
                for (k, disk) in [("usb", d.usb), ("sd", d.sd)] {
                    w(&[("disk", k)], disk.total as f64)?;
                }
                Ok(())
            },
        )?;
        family(
            e,
            "ultrastream_disk_free_bytes",
            "Each disk's free space (free-size)",
            Gauge,
            ds,
            |d, w| {
                for (k, disk) in [("usb", d.usb), ("sd", d.sd)] {
                    w(&[("disk", k)], disk.free as f64)?;
                }
                Ok(())
            },
        )?;
        family(
            e,
            "ultrastream_operation_running",
            "1 while the operation runs (its cur-status bit)",
            Gauge,
            ds,
            |d, w| {
                let mask = d.mask;
                for (op, bit) in OPERATIONS {
                    w(&[("operation", op)], b(mask & bit != 0))?;
                }
                Ok(())
            },
        )?;
        if let Some(n) = self.configured {
            e.encode_descriptor(
                "ultrastream_exporter_devices",
                "Devices this exporter polls",
                None,
                Gauge,
            )?
            .encode_gauge(&(n as f64))?;
        }
        Ok(())
    }
}
