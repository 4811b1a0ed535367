//! The `*-bps` units the docs state (docs/units.md, model::BPS_UNITS, the
//! C struct comments, Python's replies.BPS_UNITS) are the simulator's: rec
//! and live cur-bps in bytes per second by default (bits per second as an
//! option), disk write-bps in bytes per second.

use ultrastream::model::BPS_UNITS;
use ultrastream::sim::{BpsUnit, Readings, SimOptions, Simulator};
use ultrastream::{Device, Options};

/// Record for 5 s and return (rec cur-bps, avg-bps, the recording's bits/s).
fn rec_rates(sim: &Simulator) -> (i64, i64, i64) {
    let dev = Device::connect(&sim.host(), Options::default()).unwrap();
    dev.login("Admin", "Admin").unwrap();
    let s = dev.get_settings().unwrap();
    let stream = if s.rec_stream == 0 {
        &s.main_stream
    } else {
        &s.sub_stream
    };
    let bits = (stream.kbps + s.audio.kbps) * 1024;
    dev.call("start-rec", &[]).unwrap();
    sim.control(r#"{"cmd":"advance","ms":5000}"#).unwrap();
    let st = dev.get_status().unwrap();
    dev.call("stop-rec", &[]).unwrap();
    (st.rec_status.cur_bps, st.rec_status.avg_bps, bits)
}

#[test]
fn bits_per_second_is_an_option() {
    let sim = Simulator::start(SimOptions {
        time_scale: 0.0,
        readings: Readings {
            bps_unit: BpsUnit::Bits,
            ..Readings::default()
        },
        ..SimOptions::default()
    })
    .unwrap();
    let (cur, avg, bits) = rec_rates(&sim);
    assert!(
        (cur - bits).abs() * 20 < bits,
        "cur-bps {cur} vs {bits} bits/s"
    );
    assert!(
        (avg - bits).abs() * 20 < bits,
        "avg-bps {avg} vs {bits} bits/s"
    );
    let manual = Simulator::start(SimOptions {
        time_scale: 0.0,
        ..SimOptions::default()
    })
    .unwrap();
    let (cur_bytes, _, _) = rec_rates(&manual);
    assert!(
        (cur_bytes * 8 - cur).abs() * 20 < cur,
        "{cur_bytes} B/s vs {cur} bit/s"
    );
}

#[test]
fn simulator_reports_the_documented_units() {
    let sim = Simulator::start(SimOptions::default()).unwrap();
    let dev = Device::connect(&sim.host(), Options::default()).unwrap();
    dev.login("Admin", "Admin").unwrap();
    let s = dev.get_settings().unwrap();
    // rec-stream 0 = main stream; 1 kbps = 1024 bit/s.
    let stream = if s.rec_stream == 0 {
        &s.main_stream
    } else {
        &s.sub_stream
    };
    let bytes = (stream.kbps + s.audio.kbps) * 1024 / 8;
    dev.call("start-rec", &[]).unwrap();
    sim.control(r#"{"cmd":"advance","ms":5000}"#).unwrap();
    let st = dev.get_status().unwrap();
    let cur = st.rec_status.cur_bps;
    assert!(
        (cur - bytes).abs() * 20 < bytes,
        "rec cur-bps {cur} is not ~{bytes} bytes/s (bits/s would be ~{})",
        bytes * 8
    );
    let avg = st.rec_status.avg_bps;
    assert!(
        (avg - bytes).abs() * 20 < bytes,
        "rec avg-bps {avg} vs {bytes}"
    );
    dev.call("stop-rec", &[]).unwrap();
    // The disk's write speed, as set, comes back as bytes per second in
    // the usb block and the disk test.
    sim.control(r#"{"cmd":"set-disk","disk":"usb","write_bps":14833071}"#)
        .unwrap();
    dev.call("start-test-usb", &[]).unwrap();
    sim.control(r#"{"cmd":"advance","ms":600000}"#).unwrap();
    let st = dev.get_status().unwrap();
    assert_eq!(st.disk_test.write_bps, 14833071, "{:?}", st.disk_test);
    assert_eq!(st.usb.write_bps, 14833071);
}

#[test]
fn every_place_states_the_same_units() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let py =
        std::fs::read_to_string(root.join("bindings/python/src/ultrastream/replies.py")).unwrap();
    // The Python constant is the Rust one, split over string literals.
    let start = py.find("BPS_UNITS = (").expect("replies.BPS_UNITS");
    let end = start + py[start..].find("\n)").unwrap();
    let joined: String = py[start..end].split('"').skip(1).step_by(2).collect();
    assert_eq!(joined, BPS_UNITS);
    let header = std::fs::read_to_string(root.join("include/ultrastream.h")).unwrap();
    for field in ["rec_cur_bps", "live_cur_bps"] {
        let at = header.find(&format!("int64_t {field};")).unwrap();
        let doc = &header[at.saturating_sub(600)..at];
        assert!(doc.contains("bytes per second"), "{field}: {doc}");
        assert!(
            doc.contains("no unit"),
            "{field} must say the document states no unit: {doc}"
        );
    }
    let units = std::fs::read_to_string(root.join("docs/units.md")).unwrap();
    assert!(units.contains("# Units of the `*-bps` fields"));
    assert!(units.contains("14.15 MB/S"));
    assert!(units.contains("125,000"), "the Bitfocus evidence");
    assert!(units.contains("bps_unit"), "the simulator option");
}
