//! The document's "API Limits" table (section 1.6), every pair: while one
//! operation is in progress, a request of each class gets errBusy (-9) for
//! "Mutually exclusive", retRepeat (1) for "Repeat request", and goes
//! through (0, its effect visible) for "N" — and a refused request changes
//! nothing.
//!
//! The table is written out here again from the document, not taken from
//! the simulator, so a transcription slip in one shows up against the other.

use crate::sim_support;

use serde_json::Value;
use sim_support::*;
use ultrastream::sim::{Model, Simulator, fake_firmware};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    UsbFormat,
    PerfTest,
    LiveTest,
    EditServer,
    Live,
    Rec,
    Encoding,
    Firmware,
    Reset,
    Reboot,
    Other,
}
use Op::*;

/// The document's columns.
const COLUMNS: [Op; 6] = [UsbFormat, PerfTest, LiveTest, EditServer, Live, Rec];

/// The document's table, verbatim: R = Repeat request, M = Mutually
/// exclusive, L = Last effective, N = independent.
const TABLE: [(Op, &str); 11] = [
    //             UF PT LT ES LV RC
    (UsbFormat, "R M N N N M"),
    (PerfTest, "M R N N N M"),
    (LiveTest, "N N M M M N"),
    (EditServer, "N N M L M N"),
    (Live, "N N M M R N"),
    (Rec, "M M N N N R"),
    (Encoding, "N N M N M M"),
    (Firmware, "M M M M M M"),
    (Reset, "M M M M M M"),
    (Reboot, "M M M M M M"),
    (Other, "N N N N N N"),
];

fn cell(row: Op, col: usize) -> char {
    let cells = TABLE
        .iter()
        .find(|(r, _)| *r == row)
        .map(|(_, c)| *c)
        .unwrap_or("");
    cells
        .split(' ')
        .nth(col)
        .and_then(|s| s.chars().next())
        .unwrap_or('?')
}

/// The relation for a request while `running` is in progress. Firmware
/// update, reset and reboot have rows but no columns: for them the table is
/// read the other way round (it is symmetric where both orders exist).
fn expected(request: Op, running: Op) -> char {
    if let Some(c) = COLUMNS.iter().position(|&x| x == running) {
        cell(request, c)
    } else if let Some(c) = COLUMNS.iter().position(|&x| x == request) {
        cell(running, c)
    } else if matches!(request, Encoding | Other) {
        'N'
    } else if request == running {
        'R'
    } else {
        'M'
    }
}

const TEST_SERVER: &[(&str, &str)] = &[
    ("type", "0"),
    ("url", "rtmp://test/live"),
    ("key", "tk"),
    ("is-auth", "0"),
    ("net-mode", "1"),
];

/// The representative request of each class.
fn request(op: Op) -> (&'static str, &'static [(&'static str, &'static str)]) {
    match op {
        UsbFormat => ("start-format-usb", &[]),
        PerfTest => ("start-test-usb", &[]),
        LiveTest => ("start-test-server", TEST_SERVER),
        EditServer => ("set-server", &[("id", "0"), ("name", "Edited")]),
        Live => ("start-live", &[]),
        Rec => ("start-rec", &[]),
        Encoding => ("set-audio", &[("kbps", "64")]),
        Firmware => ("update", &[("mode", "upload")]),
        Reset => ("reset-all-settings", &[]),
        Reboot => ("reboot", &[]),
        Other => ("set-name", &[("name", "Edited Box")]),
    }
}

/// Whether the request's effect is visible.
fn effect(op: Op, st: &Value, set: &Value) -> bool {
    match op {
        UsbFormat => st["ops"]["format"]["running"] == true,
        PerfTest => st["ops"]["disk_test"]["running"] == true,
        LiveTest => st["ops"]["living_test"]["running"] == true,
        EditServer => set["stream-server"][0]["name"] == "Edited",
        Live => st["live"] == true,
        Rec => st["recording"] == true,
        Encoding => set["audio"]["kbps"] == 64,
        Firmware => st["ops"]["update"]["running"] == true,
        Reset => st["power"] == "stopping-reset",
        Reboot => st["power"] == "stopping-reboot",
        Other => set["name"] == "Edited Box",
    }
}

/// A device with `running` in progress (server 0 enabled and firmware
/// uploaded beforehand, so start-live and update can go through). The clock
/// is manual, so nothing finishes during the test.
fn with_running(running: Op) -> (Simulator, ultrastream::Device) {
    let sim = sim();
    let d = raw_dev(&sim);
    assert_eq!(
        call(&d, "enable-server", &[("id", "0"), ("is-use", "1")]),
        0
    );
    d.upload_update_bytes("fw.mwf", &fake_firmware(Model::Hdmi, "1.2.200"))
        .unwrap();
    let (m, p) = request(running);
    assert_eq!(call(&d, m, p), 0, "setting up {running:?}");
    assert!(
        effect(running, &state(&sim), &settings(&d)),
        "{running:?} is in progress"
    );
    (sim, d)
}

const REQUESTS: [Op; 11] = [
    UsbFormat, PerfTest, LiveTest, EditServer, Live, Rec, Encoding, Firmware, Reset, Reboot, Other,
];
/// Everything that can be in progress (an edit is instantaneous; its
/// column is covered by reading the rows of the others).
const RUNNING: [Op; 8] = [
    UsbFormat, PerfTest, LiveTest, Live, Rec, Firmware, Reset, Reboot,
];

#[test]
fn every_pair_of_the_api_limits_table() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for running in RUNNING {
        for req in REQUESTS {
            let (sim, d) = with_running(running);
            let want = expected(req, running);
            let (m, p) = request(req);
            let got = call(&d, m, p);
            let want_code = match want {
                'M' => -9,
                'R' => 1,
                _ => 0,
            };
            let (st, set) = (state(&sim), settings(&d));
            let visible = effect(req, &st, &set);
            let want_visible = want_code == 0 || req == running;
            if got != want_code {
                failures.push(format!(
                    "{req:?} while {running:?}: table says {want}, expected {want_code}, got {got}"
                ));
            } else if visible != want_visible {
                failures.push(format!(
                    "{req:?} while {running:?}: answered {got} but its effect visible = {visible}"
                ));
            }
            // The operation in progress is undisturbed (a reset or reboot
            // that went through would end it, but none is ever allowed here).
            let ends_it = want_code == 0 && matches!(req, Reset | Reboot);
            if !ends_it && !effect(running, &st, &set) {
                failures.push(format!(
                    "{req:?} while {running:?}: {running:?} no longer in progress"
                ));
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 88);
    assert!(
        failures.is_empty(),
        "{} of {checked} pairs wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_table_is_symmetric_where_both_orders_exist() {
    for (i, &a) in COLUMNS.iter().enumerate() {
        for (j, &b) in COLUMNS.iter().enumerate() {
            assert_eq!(cell(a, j), cell(b, i), "{a:?}/{b:?}");
        }
    }
}

#[test]
fn editing_servers_twice_the_last_edit_wins() {
    let sim = sim();
    let d = raw_dev(&sim);
    assert_eq!(
        call(
            &d,
            "set-server",
            &[("id", "0"), ("name", "First"), ("key", "k1")]
        ),
        0
    );
    assert_eq!(
        call(
            &d,
            "set-server",
            &[("id", "0"), ("name", "Second"), ("key", "k2")]
        ),
        0
    );
    let s = &settings(&d)["stream-server"][0];
    assert_eq!(
        (s["name"].as_str(), s["key"].as_str()),
        (Some("Second"), Some("k2"))
    );
    assert_eq!(
        call(&d, "enable-server", &[("id", "0"), ("is-use", "1")]),
        0
    );
    assert_eq!(
        call(&d, "enable-server", &[("id", "0"), ("is-use", "0")]),
        0
    );
    assert_eq!(settings(&d)["stream-server"][0]["is-use"], 0);
    // Two clients editing one after the other: the later one wins too.
    let other = raw_dev(&sim);
    assert_eq!(
        call(
            &other,
            "set-server",
            &[("id", "0"), ("url", "rtmp://other/live")]
        ),
        0
    );
    assert_eq!(
        call(
            &d,
            "set-server",
            &[("id", "0"), ("url", "rtmp://mine/live")]
        ),
        0
    );
    assert_eq!(
        settings(&other)["stream-server"][0]["url"],
        "rtmp://mine/live"
    );
}

#[test]
fn repeats_and_busy_codes_outside_the_table() {
    let sim = sim();
    let d = raw_dev(&sim);
    // online-update-check twice: repeat; update while checking: busy.
    assert_eq!(call(&d, "online-update-check", &[]), 0);
    assert_eq!(call(&d, "online-update-check", &[]), 1);
    d.upload_update_bytes("fw.mwf", &fake_firmware(Model::Hdmi, "1.2.200"))
        .unwrap();
    assert_eq!(call(&d, "update", &[("mode", "upload")]), -9);
    assert_eq!(
        call(&d, "clear-check-update", &[]),
        -9,
        "clear while running"
    );
    // clear-* while the operation runs: busy.
    assert_eq!(call(&d, "start-format-sd", &[]), 0);
    assert_eq!(call(&d, "start-format-usb", &[]), 1, "one format at a time");
    assert_eq!(call(&d, "clear-format-usb", &[]), -9);
    let sim = sim_support::sim();
    let d = raw_dev(&sim);
    assert_eq!(call(&d, "start-test-usb", &[]), 0);
    assert_eq!(call(&d, "clear-test-usb", &[]), -9);
    assert_eq!(call(&d, "start-test-server", TEST_SERVER), 0);
    assert_eq!(call(&d, "clear-test-server", &[]), -9);
    // While updating, uploading another image and checking online are busy.
    let sim = sim_support::sim();
    let d = raw_dev(&sim);
    d.upload_update_bytes("fw.mwf", &fake_firmware(Model::Hdmi, "1.2.200"))
        .unwrap();
    assert_eq!(call(&d, "update", &[("mode", "upload")]), 0);
    assert_eq!(call(&d, "update", &[("mode", "upload")]), 1, "repeat");
    assert_eq!(call(&d, "online-update-check", &[]), -9);
    assert_eq!(call(&d, "clear-upgrade", &[]), -9);
    match d.upload_update_bytes("fw.mwf", &fake_firmware(Model::Hdmi, "1.2.201")) {
        Err(ultrastream::Error::Busy { blocking, .. }) => {
            assert_eq!(blocking, "a firmware update")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(state(&sim)["uploaded_firmware"]["version"], "1.2.200");
}
