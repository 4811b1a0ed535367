//! Long operations on the device clock: each reports result 2 with a rising
//! percent, then 0 (or 5 when cancelled), and its clear-* method returns it
//! to 27. Reboot and reset take the device away and bring it back.

use crate::sim_support;

use serde_json::Value;
use sim_support::*;
use std::time::Duration;
use ultrastream::model::status::*;
use ultrastream::sim::{Model, fake_firmware};
use ultrastream::{Device, Error, Options};

fn block(d: &Device, name: &str) -> Value {
    status(d)[name].clone()
}

fn rp(v: &Value) -> (i64, i64) {
    (
        v["result"].as_i64().unwrap(),
        v["percent"].as_i64().unwrap(),
    )
}

fn record(sim: &ultrastream::sim::Simulator, d: &Device, ms: u64) {
    assert_eq!(call(d, "start-rec", &[]), 0);
    advance(sim, ms);
    assert_eq!(call(d, "stop-rec", &[]), 0);
}

#[test]
fn usb_format_progress_result_and_clear() {
    let sim = sim();
    let d = raw_dev(&sim);
    record(&sim, &d, 60_000);
    let free_before = block(&d, "usb")["free-size"].as_u64().unwrap();
    assert_eq!(block(&d, "usb")["file-count"], 1);

    assert_eq!(call(&d, "start-format-usb", &[]), 0);
    assert_eq!(rp(&block(&d, "format-status")), (2, 0));
    assert!(mask(&d) & STATUS_FORMAT_DISK != 0);
    let mut last = 0;
    for _ in 0..3 {
        advance(&sim, 2_000);
        let (r, p) = rp(&block(&d, "format-status"));
        assert_eq!(r, 2);
        assert!(p > last, "percent rises: {p} after {last}");
        last = p;
    }
    advance(&sim, 3_000);
    assert_eq!(rp(&block(&d, "format-status")), (0, 100));
    assert_eq!(mask(&d) & STATUS_FORMAT_DISK, 0);
    let usb = block(&d, "usb");
    assert_eq!(usb["file-count"], 0);
    assert!(
        usb["free-size"].as_u64().unwrap() > free_before,
        "formatting frees the space"
    );
    assert_eq!(block(&d, "sd")["file-count"], 1, "the SD card is untouched");
    assert_eq!(call(&d, "clear-format-usb", &[]), 0);
    assert_eq!(rp(&block(&d, "format-status")), (27, 0));

    // A full disk can be formatted.
    ctl(&sim, r#"{"cmd":"set-disk","disk":"usb","free_bytes":0}"#);
    assert_eq!(block(&d, "usb")["disk-status"], 3);
    assert_eq!(call(&d, "start-format-usb", &[]), 0);
    advance(&sim, 9_000);
    assert_eq!(block(&d, "usb")["disk-status"], 1);
    assert_eq!(call(&d, "clear-format-usb", &[]), 0);

    // "USB flash drive is valid to work": absent, read-only or invalid disks are errDisk.
    for cmd in [
        r#"{"cmd":"set-disk","disk":"usb","present":false}"#,
        r#"{"cmd":"set-disk","disk":"usb","present":true,"writable":false}"#,
        r#"{"cmd":"set-disk","disk":"usb","writable":true,"valid":false}"#,
    ] {
        ctl(&sim, cmd);
        assert_eq!(call(&d, "start-format-usb", &[]), -5, "{cmd}");
        assert_eq!(rp(&block(&d, "format-status")), (27, 0));
    }
}

#[test]
fn sd_format() {
    let sim = sim();
    let d = raw_dev(&sim);
    record(&sim, &d, 60_000);
    assert_eq!(call(&d, "start-format-sd", &[]), 0);
    assert_eq!(rp(&block(&d, "format-status")).0, 2);
    advance(&sim, 4_000);
    assert_eq!(rp(&block(&d, "format-status")), (2, 50));
    advance(&sim, 4_000);
    assert_eq!(rp(&block(&d, "format-status")), (0, 100));
    assert_eq!(block(&d, "sd")["file-count"], 0);
    assert_eq!(
        block(&d, "usb")["file-count"],
        1,
        "the USB disk is untouched"
    );
    assert_eq!(
        call(&d, "clear-format-usb", &[]),
        0,
        "the document clears an SD format with clear-format-usb"
    );
    assert_eq!(rp(&block(&d, "format-status")), (27, 0));
    ctl(&sim, r#"{"cmd":"set-disk","disk":"sd","present":false}"#);
    assert_eq!(call(&d, "start-format-sd", &[]), -5);
}

#[test]
fn usb_speed_test_against_the_required_speed() {
    let sim = sim();
    let d = raw_dev(&sim);
    assert_eq!(call(&d, "start-test-usb", &[]), 0);
    let t = block(&d, "disk-test");
    assert_eq!(rp(&t), (2, 0));
    assert_eq!(t["write-bps"], 14255282, "the disk's write speed");
    assert!(mask(&d) & STATUS_DISK_TEST != 0);
    advance(&sim, 5_000);
    assert_eq!(rp(&block(&d, "disk-test")), (2, 50));
    advance(&sim, 5_000);
    assert_eq!(
        rp(&block(&d, "disk-test")),
        (0, 100),
        "14 MB/s beats (4096 + 128) kbps"
    );
    assert_eq!(mask(&d) & STATUS_DISK_TEST, 0);
    assert_eq!(call(&d, "clear-test-usb", &[]), 0);
    assert_eq!(rp(&block(&d, "disk-test")), (27, 0));

    // Required: (4096 + 128) × 1024 / 8 = 540672 bytes/s.
    ctl(
        &sim,
        r#"{"cmd":"set-disk","disk":"usb","write_bps":540000}"#,
    );
    assert_eq!(call(&d, "start-test-usb", &[]), 0);
    advance(&sim, 11_000);
    assert_eq!(
        rp(&block(&d, "disk-test")),
        (3, 100),
        "too slow: retLowSpeed"
    );
    assert_eq!(call(&d, "clear-test-usb", &[]), 0);
    ctl(
        &sim,
        r#"{"cmd":"set-disk","disk":"usb","write_bps":540672}"#,
    );
    assert_eq!(call(&d, "start-test-usb", &[]), 0);
    advance(&sim, 11_000);
    assert_eq!(
        rp(&block(&d, "disk-test")).0,
        0,
        "exactly the required speed passes"
    );
    assert_eq!(call(&d, "clear-test-usb", &[]), 0);
    // Recording the 1 Mbps sub stream needs less.
    ctl(
        &sim,
        r#"{"cmd":"set-disk","disk":"usb","write_bps":540000}"#,
    );
    assert_eq!(
        call(
            &d,
            "set-stream",
            &[("rec", "1"), ("live", "0"), ("mws", "1")]
        ),
        0
    );
    assert_eq!(call(&d, "start-test-usb", &[]), 0);
    advance(&sim, 11_000);
    assert_eq!(rp(&block(&d, "disk-test")).0, 0);
    assert_eq!(call(&d, "clear-test-usb", &[]), 0);

    // Cancelled.
    assert_eq!(call(&d, "start-test-usb", &[]), 0);
    advance(&sim, 3_000);
    assert_eq!(call(&d, "stop-test-usb", &[]), 0);
    assert_eq!(rp(&block(&d, "disk-test")), (5, 30));
    assert_eq!(mask(&d) & STATUS_DISK_TEST, 0);
    advance(&sim, 10_000);
    assert_eq!(
        rp(&block(&d, "disk-test")),
        (5, 30),
        "a cancelled test stays cancelled"
    );
    assert_eq!(
        call(&d, "stop-test-usb", &[]),
        0,
        "nothing to stop: no change"
    );
    assert_eq!(call(&d, "clear-test-usb", &[]), 0);
    assert_eq!(rp(&block(&d, "disk-test")), (27, 0));

    // Preconditions: more than 200 MB free, writable, present.
    for (cmd, code) in [
        (
            r#"{"cmd":"set-disk","disk":"usb","free_bytes":209715199}"#,
            -16,
        ),
        (r#"{"cmd":"set-disk","disk":"usb","free_bytes":0}"#, -16),
        (
            r#"{"cmd":"set-disk","disk":"usb","free_bytes":10000000000,"writable":false}"#,
            -5,
        ),
        (
            r#"{"cmd":"set-disk","disk":"usb","writable":true,"present":false}"#,
            -5,
        ),
    ] {
        ctl(&sim, cmd);
        assert_eq!(call(&d, "start-test-usb", &[]), code, "{cmd}");
        assert_eq!(rp(&block(&d, "disk-test")), (27, 0));
    }
    ctl(
        &sim,
        r#"{"cmd":"set-disk","disk":"usb","present":true,"free_bytes":209715200}"#,
    );
    assert_eq!(
        call(&d, "start-test-usb", &[]),
        0,
        "200 MB exactly is enough"
    );
}

const TEST_SERVER: &[(&str, &str)] = &[
    ("type", "0"),
    ("url", "rtmp://test/live"),
    ("key", "tk"),
    ("is-auth", "0"),
    ("net-mode", "2"),
];

#[test]
fn stream_test_stops_by_itself_after_20_seconds() {
    let sim = sim();
    let d = raw_dev(&sim);
    assert_eq!(call(&d, "start-test-server", TEST_SERVER), 0);
    let t = block(&d, "living-test");
    assert_eq!((rp(&t), t["net"].as_i64()), ((2, 0), Some(2)));
    assert!(mask(&d) & STATUS_NET_TEST != 0);
    advance(&sim, 10_000);
    let t = block(&d, "living-test");
    assert_eq!(rp(&t), (2, 50));
    assert!(t["upload-bps"].as_u64().unwrap() > 1_000_000);
    advance(&sim, 9_900);
    assert_eq!(
        rp(&block(&d, "living-test")).0,
        2,
        "still running just before 20 s"
    );
    advance(&sim, 200);
    let t = block(&d, "living-test");
    assert_eq!((rp(&t), t["upload-bps"].as_u64()), ((0, 100), Some(0)));
    assert_eq!(mask(&d) & STATUS_NET_TEST, 0);
    assert_eq!(call(&d, "clear-test-server", &[]), 0);
    assert_eq!(rp(&block(&d, "living-test")), (27, 0));
    // Cancelled.
    assert_eq!(call(&d, "start-test-server", TEST_SERVER), 0);
    advance(&sim, 5_000);
    assert_eq!(call(&d, "stop-test-server", &[]), 0);
    assert_eq!(rp(&block(&d, "living-test")), (5, 25));
    assert_eq!(mask(&d) & STATUS_NET_TEST, 0);
    assert_eq!(call(&d, "clear-test-server", &[]), 0);
    assert_eq!(rp(&block(&d, "living-test")), (27, 0));
}

#[test]
fn online_check_then_online_update_then_reboot() {
    let sim = sim();
    let d = raw_dev(&sim);
    // Otherwise the reboot into the new firmware starts a recording, and
    // an update refuses to run while recording.
    assert_eq!(call(&d, "set-startup-rec", &[("is-startup-rec", "0")]), 0);
    assert_eq!(
        block(&d, "check-upgrade")["result"],
        0,
        "idle as in the document's example"
    );
    assert_eq!(call(&d, "online-update-check", &[]), 0);
    assert_eq!(block(&d, "check-upgrade")["result"], 2);
    assert!(mask(&d) & STATUS_CHECK_UPGRADE != 0);
    assert_eq!(block(&d, "upgrade")["ver"], "");
    advance(&sim, 3_000);
    let st = status(&d);
    assert_eq!(st["check-upgrade"]["result"], 0);
    assert_eq!(mask(&d) & STATUS_CHECK_UPGRADE, 0);
    assert_eq!(st["upgrade"]["ver"], "1.2.123");
    assert!(st["upgrade"]["size-byte"].as_u64().unwrap() > 0);
    assert_eq!(st["upgrade"]["info"][0]["version"], "1.2.123");

    assert_eq!(call(&d, "update", &[("mode", "online")]), 0);
    let u = block(&d, "upgrade-status");
    assert_eq!(
        (
            u["result"].as_i64(),
            u["step"].as_i64(),
            u["percent"].as_i64(),
            u["mode"].as_str()
        ),
        (Some(2), Some(1), Some(0), Some("online"))
    );
    assert!(mask(&d) & STATUS_UPGRADE != 0);
    advance(&sim, 5_000);
    assert_eq!(block(&d, "upgrade-status")["percent"], 50, "downloading");
    advance(&sim, 5_000);
    let u = block(&d, "upgrade-status");
    assert_eq!(
        (u["step"].as_i64(), u["percent"].as_i64()),
        (Some(2), Some(0)),
        "verifying"
    );
    advance(&sim, 2_000);
    assert_eq!(block(&d, "upgrade-status")["step"], 3, "writing");
    advance(&sim, 5_000);
    assert_eq!(block(&d, "upgrade-status")["percent"], 50);
    advance(&sim, 5_000);
    let u = block(&d, "upgrade-status");
    assert_eq!(
        (u["result"].as_i64(), u["percent"].as_i64()),
        (Some(0), Some(100))
    );
    assert_eq!(
        d.get_info().unwrap().product.firmware_ver_s,
        "1.2.122",
        "not yet rebooted"
    );
    // It reboots by itself a second later.
    advance(&sim, 1_500);
    assert!(
        d.ping().is_err(),
        "down while rebooting into the new firmware"
    );
    advance(&sim, 8_000);
    assert_eq!(d.ping().unwrap().result, 0);
    assert_eq!(d.get_info().unwrap().product.firmware_ver_s, "1.2.123");
    // The restart forgot the update's status (as devices in the field do).
    let u = block(&d, "upgrade-status");
    assert_eq!(
        (u["result"].as_i64(), u["mode"].as_str()),
        (Some(27), Some("none"))
    );
    assert_eq!(mask(&d) & STATUS_UPGRADE, 0);
    assert_eq!(call(&d, "clear-upgrade", &[]), 0);
    assert_eq!(block(&d, "upgrade-status")["result"], 27);
    // Nothing newer any more.
    assert_eq!(call(&d, "online-update-check", &[]), 0);
    advance(&sim, 3_000);
    assert_eq!(block(&d, "upgrade")["ver"], "");
    assert_eq!(call(&d, "update", &[("mode", "online")]), -14);
    assert_eq!(call(&d, "clear-check-update", &[]), 0);
    assert_eq!(block(&d, "check-upgrade")["result"], 27);
}

#[test]
fn cancel_download_stops_an_online_update_while_downloading() {
    let sim = sim();
    let d = raw_dev(&sim);
    assert_eq!(
        call(&d, "update", &[("mode", "online")]),
        -14,
        "no check yet: nothing to install"
    );
    assert_eq!(call(&d, "online-update-check", &[]), 0);
    advance(&sim, 3_000);
    assert_eq!(call(&d, "update", &[("mode", "online")]), 0);
    advance(&sim, 4_000);
    assert_eq!(call(&d, "cancel-download", &[]), 0);
    let u = block(&d, "upgrade-status");
    assert_eq!(
        (
            u["result"].as_i64(),
            u["percent"].as_i64(),
            u["step"].as_i64()
        ),
        (Some(5), Some(40), Some(1))
    );
    assert_eq!(mask(&d) & STATUS_UPGRADE, 0);
    advance(&sim, 60_000);
    assert_eq!(d.ping().unwrap().result, 0, "no reboot");
    assert_eq!(d.get_info().unwrap().product.firmware_ver_s, "1.2.122");
    assert_eq!(call(&d, "clear-upgrade", &[]), 0);
    assert_eq!(block(&d, "upgrade-status")["result"], 27);
    // An upload update has no download to cancel.
    d.upload_update_bytes("fw.mwf", &fake_firmware(Model::Hdmi, "1.4.0"))
        .unwrap();
    assert_eq!(call(&d, "update", &[("mode", "upload")]), 0);
    assert_eq!(block(&d, "upgrade-status")["step"], 2);
    assert_eq!(call(&d, "cancel-download", &[]), 0);
    assert_eq!(block(&d, "upgrade-status")["result"], 2, "still updating");
    advance(&sim, 30_000);
    assert_eq!(d.get_info().unwrap().product.firmware_ver_s, "1.4.0");
}

/// A client for a device that goes down (the simulator closes connections
/// while down, so no call waits out these timeouts; they are long enough
/// that a loaded machine never makes a call that should work time out).
fn quick(sim: &ultrastream::sim::Simulator) -> Device {
    Device::connect(
        &sim.host(),
        Options {
            connect_timeout: Duration::from_secs(3),
            request_timeout: Duration::from_secs(5),
            ..Default::default()
        },
    )
    .unwrap()
}

#[test]
fn reboot_goes_away_and_comes_back() {
    let sim = sim();
    let d = raw_dev(&sim);
    let cookie = raw_login(&sim);
    let mut idle = Raw::connect(&sim);
    assert_eq!(idle.get("/usapi?method=ping", "").status, 200);
    assert_eq!(call(&d, "reboot", &[]), 0);
    // Still answering for a moment, with statusReboot.
    assert!(d.ping().unwrap().cur_status as u32 & STATUS_REBOOT != 0);
    assert_eq!(call(&d, "start-rec", &[]), -9);
    assert_eq!(call(&d, "reboot", &[]), 1);
    advance(&sim, 600);
    // Down: open connections are closed, new ones get no answer.
    assert!(idle.closed());
    let mut c = Raw::connect(&sim);
    c.send(b"GET /usapi?method=ping HTTP/1.1\r\n\r\n");
    assert!(c.read_reply().is_none(), "no answer while down");
    let q = quick(&sim);
    match q.ping() {
        Err(Error::Io(_) | Error::Connect(_) | Error::Timeout(_) | Error::BadReply { .. }) => {}
        other => panic!("expected a transport error, got {other:?}"),
    }
    assert_eq!(
        state(&sim)["power"],
        "down-reboot",
        "control still works while down"
    );
    advance(&sim, 5_000);
    assert_eq!(q.ping().unwrap().result, 0);
    assert_eq!(
        get(
            &sim,
            "/usapi?method=get-status",
            &format!("Cookie: {cookie}\r\n")
        )
        .result(),
        -17,
        "sessions are gone"
    );
    let st = state(&sim);
    assert_eq!(
        (st["boots"].as_u64(), st["power"].as_str()),
        (Some(1), Some("up"))
    );
    // The document's example settings start recording at boot.
    assert_eq!(st["recording"], true, "is-startup-rec = 1");
    assert_eq!(
        st["live"], false,
        "is-startup-live = 1, but no server is enabled"
    );
}

#[test]
fn reboot_runs_the_startup_actions_as_configured() {
    let sim = sim();
    let d = raw_dev(&sim);
    assert_eq!(call(&d, "set-startup-rec", &[("is-startup-rec", "0")]), 0);
    assert_eq!(
        call(&d, "enable-server", &[("id", "0"), ("is-use", "1")]),
        0
    );
    assert_eq!(call(&d, "reboot", &[]), 0);
    advance(&sim, 6_000);
    let st = state(&sim);
    assert_eq!(
        (st["recording"].as_bool(), st["live"].as_bool()),
        (Some(false), Some(true))
    );
    assert_eq!(
        status(&d)["live-status"]["result"],
        23,
        "connecting after boot"
    );
}

#[test]
fn reset_restores_the_defaults() {
    let sim = sim();
    let d = raw_dev(&sim);
    let defaults = settings(&d);
    record(&sim, &d, 30_000);
    for (m, p) in [
        ("set-name", &[("name", "Changed")][..]),
        (
            "add-server",
            &[
                ("type", "1"),
                ("name", "Tw"),
                ("url", "rtmp://tw/app"),
                ("key", "x"),
            ],
        ),
        ("add-user", &[("id", "Ops"), ("pass", ADMIN_MD5)]),
        (
            "set-rec-control",
            &[
                ("usb-option", "0"),
                ("sd-option", "2"),
                ("root-folder", "X"),
                ("file-prefix", "Y"),
                ("time-unit", "10"),
            ],
        ),
        (
            "set-video",
            &[
                ("stream", "0"),
                ("cx", "1280"),
                ("cy", "720"),
                ("duration", "333333"),
                ("kbps", "2048"),
            ],
        ),
        (
            "set-date-time",
            &[
                ("timezone", "Europe/Paris"),
                ("is-auto", "0"),
                ("time", "2020-01-01 00:00:00"),
            ],
        ),
        ("set-app-passwd", &[("is-pass", "0"), ("pass", ADMIN_MD5)]),
        (
            "set-eth",
            &[("is-dhcp", "0"), ("ip", "10.1.1.1"), ("mask", "255.0.0.0")],
        ),
        (
            "ch-password",
            &[
                ("pass", ADMIN_MD5),
                ("new-pass", "0123456789abcdef0123456789abcdef"),
            ],
        ),
    ] {
        assert_eq!(call(&d, m, p), 0, "{m}");
    }
    assert_ne!(settings(&d), defaults);
    assert_eq!(call(&d, "reset-all-settings", &[]), 0);
    assert!(d.ping().unwrap().cur_status as u32 & STATUS_RESET != 0);
    advance(&sim, 600);
    assert_eq!(state(&sim)["power"], "down-reset");
    advance(&sim, 8_000);
    // The original password works again (the client re-logs in with the
    // one it knows, which ch-password updated; use a fresh client).
    let d = raw_dev(&sim);
    let mut now = settings(&d);
    let mut want = defaults.clone();
    for v in [&mut now, &mut want] {
        v.as_object_mut().unwrap().remove("result");
    }
    assert_eq!(now, want, "every setting back to its default");
    assert_eq!(d.get_users().unwrap().users.len(), 1);
    assert!(mask(&d) & STATUS_FIRST != 0, "first boot after a reset");
    assert!(
        !status(&d)["cur-time"]
            .as_str()
            .unwrap()
            .starts_with("2020-01-01"),
        "clock back to automatic"
    );
    let st = state(&sim);
    assert_eq!(
        st["recording"], false,
        "no start-up recording before set-first-over"
    );
    assert_eq!(st["usb"]["file_count"], 1, "recordings survive a reset");
}

#[test]
fn time_scale_speeds_up_the_clock_and_manual_stands_still() {
    // The one test of wall time: at 200x the 20 s stream test ends after
    // 100 ms of wall time; wait for it with a generous bound, never a
    // fixed sleep that a loaded machine could outrun.
    let sim = sim_with(|o| o.time_scale = 200.0);
    let d = raw_dev(&sim);
    assert_eq!(call(&d, "start-test-server", TEST_SERVER), 0);
    let started = std::time::Instant::now();
    while rp(&block(&d, "living-test")) != (0, 100) {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the stream test never finished at 200x: {:?}",
            rp(&block(&d, "living-test"))
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // And slows it down: at 0.001x a whole minute of wall time would be
    // 60 ms of device time, so after any delay this machine can produce
    // the test is still at 0 %.
    let sim = sim_with(|o| o.time_scale = 0.001);
    let d = raw_dev(&sim);
    assert_eq!(call(&d, "start-test-server", TEST_SERVER), 0);
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(rp(&block(&d, "living-test")), (2, 0));
    // A manual clock does not move at all by itself.
    let sim = sim_support::sim();
    let d = raw_dev(&sim);
    let t0 = state(&sim)["device_ms"].as_u64();
    assert_eq!(call(&d, "start-test-server", TEST_SERVER), 0);
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(rp(&block(&d, "living-test")), (2, 0));
    assert_eq!(state(&sim)["device_ms"].as_u64(), t0);
    advance(&sim, 20_000);
    assert_eq!(rp(&block(&d, "living-test")), (0, 100));
}
