//! The device's rules with the documented codes, sent past the client's
//! own checks (`validate: false`), each asserting the code and that the
//! state did (or did not) change.

use crate::sim_support;

use serde_json::Value;
use sim_support::*;
use ultrastream::model::codes::*;
use ultrastream::sim::{Model, fake_firmware};

fn server_count(d: &ultrastream::Device) -> usize {
    settings(d)["stream-server"].as_array().unwrap().len()
}

fn add(d: &ultrastream::Device, name: &str, kind: &str, url: &str, key: &str) -> i32 {
    call(
        d,
        "add-server",
        &[
            ("type", kind),
            ("name", name),
            ("url", url),
            ("key", key),
            ("is-auth", "0"),
            ("net-mode", "1"),
        ],
    )
}

/// Ids of the servers, in list order.
fn ids(d: &ultrastream::Device) -> Vec<String> {
    settings(d)["stream-server"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].to_string())
        .collect()
}

#[test]
fn character_sets_and_lengths_give_err_string() {
    let sim = sim();
    let d = raw_dev(&sim);
    let before = settings(&d);
    let long = "a".repeat(33);
    for bad in [
        "",
        " lead",
        "trail ",
        "semi;colon",
        "slash/",
        "é",
        long.as_str(),
        "tab\t",
    ] {
        assert_eq!(
            call(&d, "set-name", &[("name", bad)]),
            ERR_STRING,
            "set-name {bad:?}"
        );
        assert_eq!(
            call(
                &d,
                "set-first-over",
                &[("name", bad), ("enable-passwd", "0")]
            ),
            ERR_STRING,
            "set-first-over {bad:?}"
        );
        assert_eq!(
            add(&d, bad, "0", "rtmp://x/live", &format!("k{bad}")),
            ERR_STRING,
            "add-server name {bad:?}"
        );
    }
    for ok in ["a", "My Box+1 'A'", "x._-+'", &"b".repeat(32)] {
        assert_eq!(call(&d, "set-name", &[("name", ok)]), 0, "{ok:?}");
        assert_eq!(settings(&d)["name"], *ok);
    }
    // Soft AP: ! allowed, ' not.
    let softap = |ssid: &str, pw: &str| {
        call(
            &d,
            "set-softap",
            &[
                ("is-softap", "0"),
                ("is-visible", "1"),
                ("softap-ssid", ssid),
                ("softap-passwd", pw),
            ],
        )
    };
    for bad in ["", " a", "a ", "it's", "a/b", long.as_str()] {
        assert_eq!(softap(bad, "password"), ERR_STRING, "ssid {bad:?}");
        assert_eq!(softap("Net", bad), ERR_STRING, "passwd {bad:?}");
    }
    assert_eq!(settings(&d)["softap"], before["softap"], "nothing changed");
    assert_eq!(softap("My AP!", "pass.word-1+"), 0);
    assert_eq!(settings(&d)["softap"]["softap-ssid"], "My AP!");
    // Root folder: at most two levels; file prefix: no slash.
    let rec = |folder: &str, prefix: &str| {
        call(
            &d,
            "set-rec-control",
            &[
                ("usb-option", "1"),
                ("sd-option", "1"),
                ("root-folder", folder),
                ("file-prefix", prefix),
                ("time-unit", "5"),
            ],
        )
    };
    for bad in [
        "", "a/b/c", "/a", "a/", "a//b", " a", "a ", "../x", "x/..", "a;b",
    ] {
        assert_eq!(rec(bad, "VID"), ERR_STRING, "folder {bad:?}");
    }
    for bad in ["", "a/b", " v", "v ", "v;"] {
        assert_eq!(rec("REC_Folder", bad), ERR_STRING, "prefix {bad:?}");
    }
    assert_eq!(
        settings(&d)["rec-control"],
        before["rec-control"],
        "nothing changed"
    );
    assert_eq!(rec("My Shows/Day 1", "Cam+1"), 0);
    assert_eq!(settings(&d)["rec-control"]["root-folder"], "My Shows/Day 1");
}

#[test]
fn bad_or_missing_parameters_give_err_param() {
    let sim = sim();
    let d = raw_dev(&sim);
    let before = settings(&d);
    let cases: &[(&str, &[(&str, &str)])] = &[
        ("set-name", &[]),
        ("set-app-settings", &[("is-settings", "2")]),
        ("set-app-settings", &[("is-settings", "x")]),
        ("set-app-settings", &[]),
        ("set-ssdp", &[("is-ssdp", "-1")]),
        ("set-startup-rec", &[("is-startup-rec", "1.0")]),
        ("set-startup-live", &[("is-startup-live", "")]),
        ("set-signal-lost-ctrl", &[("is-signal-lost", "yes")]),
        ("set-hdmi-rec-ctrl", &[("is-hdmi-rec-ctrl", "3")]),
        ("set-app-passwd", &[("is-pass", "1")]),
        (
            "set-app-passwd",
            &[("is-pass", "1"), ("new-pass", "not-md5")],
        ),
        ("set-app-passwd", &[("is-pass", "0")]),
        ("set-first-over", &[("name", "x"), ("enable-passwd", "1")]),
        (
            "set-rec-control",
            &[
                ("usb-option", "2"),
                ("sd-option", "1"),
                ("root-folder", "a"),
                ("file-prefix", "v"),
                ("time-unit", "5"),
            ],
        ),
        (
            "set-rec-control",
            &[
                ("usb-option", "1"),
                ("sd-option", "3"),
                ("root-folder", "a"),
                ("file-prefix", "v"),
                ("time-unit", "5"),
            ],
        ),
        (
            "set-rec-control",
            &[
                ("usb-option", "1"),
                ("sd-option", "1"),
                ("root-folder", "a"),
                ("file-prefix", "v"),
                ("time-unit", "7"),
            ],
        ),
        (
            "set-rec-control",
            &[
                ("usb-option", "1"),
                ("sd-option", "1"),
                ("root-folder", "a"),
                ("file-prefix", "v"),
            ],
        ),
        (
            "set-rec-control",
            &[
                ("usb-option", "1"),
                ("sd-option", "1"),
                ("mime-type", "2"),
                ("root-folder", "a"),
                ("file-prefix", "v"),
                ("time-unit", "5"),
            ],
        ),
        (
            "set-softap",
            &[
                ("is-softap", "1"),
                ("is-visible", "1"),
                ("softap-ssid", "a"),
            ],
        ),
        (
            "set-date-time",
            &[("timezone", "Mars/Olympus"), ("is-auto", "1")],
        ),
        ("set-date-time", &[("timezone", "UTC"), ("is-auto", "0")]),
        (
            "set-date-time",
            &[
                ("timezone", "UTC"),
                ("is-auto", "0"),
                ("time", "2019-02-30 10:00:00"),
            ],
        ),
        (
            "set-date-time",
            &[("timezone", "UTC"), ("is-auto", "0"), ("time", "yesterday")],
        ),
        ("set-stream", &[("rec", "0"), ("live", "2"), ("mws", "1")]),
        ("set-stream", &[("rec", "0"), ("live", "0")]),
        (
            "set-video",
            &[
                ("stream", "0"),
                ("cx", "1000"),
                ("cy", "1000"),
                ("duration", "166667"),
                ("kbps", "4096"),
            ],
        ),
        (
            "set-video",
            &[
                ("stream", "0"),
                ("cx", "1920"),
                ("cy", "1080"),
                ("duration", "123"),
                ("kbps", "4096"),
            ],
        ),
        (
            "set-video",
            &[
                ("stream", "0"),
                ("cx", "1920"),
                ("cy", "1080"),
                ("duration", "166667"),
                ("kbps", "5000"),
            ],
        ),
        (
            "set-video",
            &[
                ("stream", "0"),
                ("cx", "1920"),
                ("cy", "1080"),
                ("duration", "166667"),
            ],
        ),
        (
            "set-video",
            &[
                ("stream", "0"),
                ("cx", "1920"),
                ("cy", "1080"),
                ("duration", "166667"),
                ("kbps", "4096"),
                ("gop", "3"),
            ],
        ),
        (
            "set-video",
            &[
                ("stream", "0"),
                ("cx", "1920"),
                ("cy", "1080"),
                ("duration", "166667"),
                ("kbps", "4096"),
                ("codec", "1"),
                ("profile", "2"),
            ],
        ),
        (
            "set-video",
            &[
                ("stream", "0"),
                ("cx", "1920"),
                ("cy", "1080"),
                ("duration", "166667"),
                ("kbps", "4096"),
                ("fourcc", "1"),
            ],
        ),
        (
            "set-video",
            &[
                ("stream", "1"),
                ("cx", "640"),
                ("cy", "360"),
                ("duration", "333333"),
                ("kbps", "512"),
                ("codec", "1"),
            ],
        ),
        (
            "set-video",
            &[
                ("stream", "1"),
                ("is-auto", "1"),
                ("cx", "640"),
                ("cy", "360"),
                ("duration", "333333"),
                ("kbps", "512"),
            ],
        ),
        ("set-audio", &[("kbps", "100")]),
        (
            "add-server",
            &[("type", "4"), ("url", "rtmp://x/l"), ("key", "k")],
        ),
        ("add-server", &[("type", "0"), ("key", "k")]),
        (
            "add-server",
            &[
                ("type", "0"),
                ("url", "rtmp://x/l"),
                ("key", "k"),
                ("net-mode", "3"),
            ],
        ),
        (
            "add-server",
            &[
                ("type", "0"),
                ("url", "rtmp://x/l"),
                ("key", "k"),
                ("is-auth", "1"),
            ],
        ),
        ("enable-server", &[("is-use", "1")]),
        ("enable-server", &[("id", "0"), ("is-use", "2")]),
        ("start-test-server", &[("type", "0")]),
        (
            "get-media-files",
            &[("disk-type", "2"), ("start", "0"), ("count", "1")],
        ),
        (
            "get-media-files",
            &[("disk-type", "0"), ("start", "-1"), ("count", "1")],
        ),
        ("add-user", &[("id", "u"), ("pass", "plain")]),
        ("ch-password", &[("pass", ADMIN_MD5)]),
        ("set-eth", &[("is-dhcp", "0"), ("ip", "10.0.0.1")]),
        (
            "set-eth",
            &[
                ("is-dhcp", "0"),
                ("ip", "10.0.0.300"),
                ("mask", "255.0.0.0"),
            ],
        ),
        ("set-eth", &[("is-dhcp", "1"), ("dns", "dns.example")]),
        ("update", &[("mode", "usb")]),
        ("update", &[]),
    ];
    for (m, p) in cases {
        assert_eq!(call(&d, m, p), ERR_PARAM, "{m} {p:?}");
    }
    assert_eq!(settings(&d), before, "no rejected call changed anything");
    // del-media-files with bad bodies.
    let cookie = raw_login(&sim);
    for body in [
        "",
        "{",
        "[]",
        r#"{"disk-type":5,"media-files":["a"]}"#,
        r#"{"disk-type":0}"#,
        r#"{"disk-type":0,"media-files":[]}"#,
        r#"{"disk-type":0,"media-files":[1]}"#,
    ] {
        let mut c = Raw::connect(&sim);
        c.send(format!("POST /usapi?method=del-media-files HTTP/1.1\r\nCookie: {cookie}\r\nContent-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
        assert_eq!(c.read_reply().unwrap().result(), ERR_PARAM as i64, "{body}");
    }
}

#[test]
fn duplicates_give_err_same_name() {
    let sim = sim();
    let d = raw_dev(&sim);
    assert_eq!(add(&d, "One", "0", "rtmp://a/live", "k1"), 0);
    assert_eq!(
        add(&d, "One", "0", "rtmp://b/live", "k2"),
        ERR_SAME_NAME,
        "same name"
    );
    assert_eq!(
        add(&d, "Two", "0", "rtmp://a/live", "k1"),
        ERR_SAME_NAME,
        "same url and key"
    );
    assert_eq!(
        add(&d, "Two", "1", "rtmp://c/live", "k1"),
        ERR_SAME_NAME,
        "same key"
    );
    assert_eq!(server_count(&d), 2);
    assert_eq!(
        add(&d, "Two", "0", "rtmp://a/live", "k2"),
        0,
        "same url, other key"
    );
    assert_eq!(
        add(&d, "Three", "0", "rtmp://z/live", ""),
        0,
        "empty keys do not clash"
    );
    assert_eq!(add(&d, "Four", "0", "rtmp://y/live", ""), 0);
    // set-server to another server's name / key.
    let id = ids(&d)[2].clone();
    assert_eq!(
        call(&d, "set-server", &[("id", &id), ("name", "One")]),
        ERR_SAME_NAME
    );
    assert_eq!(
        call(&d, "set-server", &[("id", &id), ("key", "k1")]),
        ERR_SAME_NAME
    );
    assert_eq!(settings(&d)["stream-server"][2]["name"], "Two");
    assert_eq!(
        call(
            &d,
            "set-server",
            &[("id", &id), ("name", "Two"), ("key", "k2")]
        ),
        0,
        "its own values are fine"
    );
    // Users.
    assert_eq!(
        call(&d, "add-user", &[("id", "Admin"), ("pass", ADMIN_MD5)]),
        ERR_SAME_NAME
    );
    assert_eq!(
        call(&d, "add-user", &[("id", "Ops"), ("pass", ADMIN_MD5)]),
        0
    );
    assert_eq!(
        call(&d, "add-user", &[("id", "Ops"), ("pass", ADMIN_MD5)]),
        ERR_SAME_NAME
    );
    assert_eq!(d.get_users().unwrap().users.len(), 2);
}

#[test]
fn at_most_sixteen_servers() {
    let sim = sim();
    let d = raw_dev(&sim);
    for i in 1..16 {
        assert_eq!(
            add(
                &d,
                &format!("S{i}"),
                "0",
                &format!("rtmp://h{i}/live"),
                &format!("k{i}")
            ),
            0,
            "server {i}"
        );
    }
    assert_eq!(server_count(&d), 16);
    assert_eq!(add(&d, "S16", "0", "rtmp://h16/live", "k16"), ERR_PARAM);
    assert_eq!(server_count(&d), 16);
    assert_eq!(call(&d, "del-server", &[("id", "3")]), 0);
    assert_eq!(
        add(&d, "S16", "0", "rtmp://h16/live", "k16"),
        0,
        "room again after a delete"
    );
    let ids = ids(&d);
    let mut sorted = ids.clone();
    sorted.dedup();
    assert_eq!(sorted.len(), 16, "ids are unique");
    assert_eq!(call(&d, "del-server", &[("id", "999")]), ERR_NOT_FOUND);
    assert_eq!(
        call(&d, "set-server", &[("id", "999"), ("name", "x")]),
        ERR_NOT_FOUND
    );
    assert_eq!(
        call(&d, "enable-server", &[("id", "999"), ("is-use", "1")]),
        ERR_NOT_FOUND
    );
}

fn enabled(d: &ultrastream::Device) -> Vec<i64> {
    settings(d)["stream-server"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["is-use"] == 1)
        .map(|s| s["id"].as_i64().unwrap())
        .collect()
}

#[test]
fn live_limits_two_servers_eight_mbps_facebook() {
    let sim = sim();
    let d = raw_dev(&sim);
    assert_eq!(add(&d, "A", "0", "rtmp://a/live", "ka"), 0);
    assert_eq!(add(&d, "B", "2", "rtmp://b/live", "kb"), 0);
    assert_eq!(add(&d, "FB", "3", "rtmps://fb/live", "kf"), 0);
    // errChannelsLimited: two at most.
    assert_eq!(
        call(&d, "enable-server", &[("id", "0"), ("is-use", "1")]),
        0
    );
    assert_eq!(
        call(&d, "enable-server", &[("id", "1"), ("is-use", "1")]),
        0
    );
    assert_eq!(
        call(&d, "enable-server", &[("id", "2"), ("is-use", "1")]),
        ERR_CHANNELS_LIMITED
    );
    assert_eq!(enabled(&d), vec![0, 1]);
    // Enabling an enabled server again is fine.
    assert_eq!(
        call(&d, "enable-server", &[("id", "1"), ("is-use", "1")]),
        0
    );
    // errFacebookLimited: Facebook only alone, both ways.
    assert_eq!(
        call(&d, "enable-server", &[("id", "1"), ("is-use", "0")]),
        0
    );
    assert_eq!(
        call(&d, "enable-server", &[("id", "3"), ("is-use", "1")]),
        ERR_FACEBOOK_LIMITED
    );
    assert_eq!(
        call(&d, "enable-server", &[("id", "0"), ("is-use", "0")]),
        0
    );
    assert_eq!(
        call(&d, "enable-server", &[("id", "3"), ("is-use", "1")]),
        0,
        "Facebook alone"
    );
    assert_eq!(
        call(&d, "enable-server", &[("id", "1"), ("is-use", "1")]),
        ERR_FACEBOOK_LIMITED
    );
    assert_eq!(enabled(&d), vec![3]);
    assert_eq!(call(&d, "start-live", &[]), 0);
    assert_eq!(call(&d, "stop-live", &[]), 0);
    assert_eq!(
        call(&d, "enable-server", &[("id", "3"), ("is-use", "0")]),
        0
    );
    // set-server turning an enabled server into Facebook while another is enabled.
    assert_eq!(
        call(&d, "enable-server", &[("id", "0"), ("is-use", "1")]),
        0
    );
    assert_eq!(
        call(&d, "enable-server", &[("id", "1"), ("is-use", "1")]),
        0
    );
    assert_eq!(
        call(&d, "set-server", &[("id", "1"), ("type", "3")]),
        ERR_FACEBOOK_LIMITED
    );
    assert_eq!(settings(&d)["stream-server"][2]["type"], 2);
    // err8MLimited: at 8 Mbps only one.
    assert_eq!(
        call(
            &d,
            "set-video",
            &[
                ("stream", "0"),
                ("cx", "1920"),
                ("cy", "1080"),
                ("duration", "166667"),
                ("kbps", "8192")
            ]
        ),
        ERR_8M_LIMITED
    );
    assert_eq!(settings(&d)["main-stream"]["kbps"], 4096);
    assert_eq!(
        call(&d, "enable-server", &[("id", "1"), ("is-use", "0")]),
        0
    );
    assert_eq!(
        call(
            &d,
            "set-video",
            &[
                ("stream", "0"),
                ("cx", "1920"),
                ("cy", "1080"),
                ("duration", "166667"),
                ("kbps", "8192")
            ]
        ),
        0
    );
    assert_eq!(
        call(&d, "enable-server", &[("id", "1"), ("is-use", "1")]),
        ERR_8M_LIMITED
    );
    assert_eq!(enabled(&d), vec![0]);
    // The sub stream is not the live stream: its bitrate does not matter...
    assert_eq!(
        call(
            &d,
            "set-stream",
            &[("rec", "0"), ("live", "1"), ("mws", "1")]
        ),
        0
    );
    assert_eq!(
        call(&d, "enable-server", &[("id", "1"), ("is-use", "1")]),
        0
    );
    // ...until the live stream moves back to the 8 Mbps main stream.
    assert_eq!(
        call(
            &d,
            "set-stream",
            &[("rec", "0"), ("live", "0"), ("mws", "1")]
        ),
        ERR_8M_LIMITED
    );
    assert_eq!(settings(&d)["live-stream"], 1);
}

#[test]
fn hevc_main_stream_cannot_go_live() {
    let sim = sim();
    let d = raw_dev(&sim);
    let hevc = [
        ("stream", "0"),
        ("cx", "1920"),
        ("cy", "1080"),
        ("duration", "166667"),
        ("kbps", "4096"),
        ("codec", "1"),
        ("profile", "0"),
    ];
    let h264 = [
        ("stream", "0"),
        ("cx", "1920"),
        ("cy", "1080"),
        ("duration", "166667"),
        ("kbps", "4096"),
        ("codec", "0"),
        ("profile", "2"),
    ];
    // No server enabled: HEVC on the main stream is allowed...
    assert_eq!(call(&d, "set-video", &hevc), 0);
    assert_eq!(settings(&d)["main-stream"]["codec"], 1);
    // ...but enabling a server to stream the main stream is not.
    assert_eq!(
        call(&d, "enable-server", &[("id", "0"), ("is-use", "1")]),
        ERR_CODEC_LIMITED
    );
    assert!(enabled(&d).is_empty());
    // Streaming the sub stream is fine; moving live back to main makes start-live refuse.
    assert_eq!(
        call(
            &d,
            "set-stream",
            &[("rec", "0"), ("live", "1"), ("mws", "1")]
        ),
        0
    );
    assert_eq!(
        call(&d, "enable-server", &[("id", "0"), ("is-use", "1")]),
        0
    );
    assert_eq!(
        call(
            &d,
            "set-stream",
            &[("rec", "0"), ("live", "0"), ("mws", "1")]
        ),
        0
    );
    assert_eq!(call(&d, "start-live", &[]), ERR_CODEC_LIMITED);
    assert_eq!(state(&sim)["live"], false);
    // Back to H.264: live works; HEVC with a server enabled on main is refused.
    assert_eq!(call(&d, "set-video", &h264), 0);
    assert_eq!(call(&d, "set-video", &hevc), ERR_CODEC_LIMITED);
    assert_eq!(settings(&d)["main-stream"]["codec"], 0);
    assert_eq!(call(&d, "start-live", &[]), 0);
    assert_eq!(state(&sim)["live"], true);
}

#[test]
fn recording_files_stay_under_4_gb() {
    let sim = sim();
    let d = raw_dev(&sim);
    let rec = |unit: &str| {
        call(
            &d,
            "set-rec-control",
            &[
                ("usb-option", "1"),
                ("sd-option", "1"),
                ("root-folder", "REC_Folder"),
                ("file-prefix", "VID"),
                ("time-unit", unit),
            ],
        )
    };
    // 120 min at 4 Mbps + 128 kbps is 3.9 GB: fine.
    assert_eq!(rec("120"), 0);
    // 8 Mbps for 120 min is 7.5 GB.
    let v8 = [
        ("stream", "0"),
        ("cx", "1920"),
        ("cy", "1080"),
        ("duration", "166667"),
        ("kbps", "8192"),
    ];
    assert_eq!(call(&d, "set-video", &v8), ERR_4G_LIMITED);
    assert_eq!(settings(&d)["main-stream"]["kbps"], 4096);
    assert_eq!(rec("60"), 0);
    assert_eq!(call(&d, "set-video", &v8), 0, "60 min at 8 Mbps is 3.8 GB");
    assert_eq!(rec("90"), ERR_4G_LIMITED);
    assert_eq!(rec("120"), ERR_4G_LIMITED);
    assert_eq!(settings(&d)["rec-control"]["time-unit"], 60);
    // Recording the sub stream instead lifts the limit.
    assert_eq!(
        call(
            &d,
            "set-stream",
            &[("rec", "1"), ("live", "0"), ("mws", "1")]
        ),
        0
    );
    assert_eq!(rec("120"), 0);
    assert_eq!(
        call(
            &d,
            "set-stream",
            &[("rec", "0"), ("live", "0"), ("mws", "1")]
        ),
        ERR_4G_LIMITED
    );
    assert_eq!(settings(&d)["rec-stream"], 1);
}

#[test]
fn firmware_for_another_model_is_refused() {
    let sim = sim();
    let d = raw_dev(&sim);
    let up = |name: &str, data: &[u8]| d.upload_update_bytes(name, data);
    let status_of = |r: Result<ultrastream::model::UploadReply, ultrastream::Error>| match r {
        Ok(u) => u.status as i32,
        Err(ultrastream::Error::Device { code, .. }) => code,
        Err(e @ ultrastream::Error::Busy { .. }) => e.code(),
        Err(e) => panic!("{e}"),
    };
    assert_eq!(
        status_of(up("fw.mwf", &fake_firmware(Model::Sdi, "1.2.200"))),
        ERR_MWF_UNSUPPORTED
    );
    assert_eq!(
        status_of(up("ultra_stream_sdi_rev_a_1_5_79.mwf", b"vendor bytes")),
        ERR_MWF_UNSUPPORTED
    );
    assert_eq!(
        status_of(up("ultra_stream_hdmi_rev_b_1_2_130.mwf", b"vendor bytes")),
        ERR_MWF_UNSUPPORTED,
        "other hardware revision"
    );
    assert_eq!(status_of(up("notes.txt", b"hello")), ERR_FILE);
    let fw = fake_firmware(Model::Hdmi, "1.2.200");
    assert_eq!(
        status_of(up("fw.mwf", &fw[..fw.len() - 10])),
        ERR_FILE,
        "truncated image"
    );
    assert_eq!(state(&sim)["uploaded_firmware"], Value::Null);
    assert_eq!(
        call(&d, "update", &[("mode", "upload")]),
        ERR_NOT_FOUND,
        "nothing uploaded"
    );
    // The right model, by content and by vendor file name.
    let u = up("ultra_stream_hdmi_rev_c_1_2_123.mwf", b"vendor bytes").unwrap();
    assert_eq!(
        (u.status, u.version.as_str(), u.size, u.up_to_date),
        (0, "1.2.123", 12, false)
    );
    let u = up("any.mwf", &fake_firmware(Model::Hdmi, "1.2.100")).unwrap();
    assert!(u.up_to_date, "1.2.100 is older than the running 1.2.122");
    assert_eq!(state(&sim)["uploaded_firmware"]["version"], "1.2.100");
    // An SDI simulator takes SDI firmware.
    let sdi = sim_with(|o| o.model = Model::Sdi);
    let d = raw_dev(&sdi);
    assert_eq!(
        d.upload_update_bytes("fw.mwf", &fake_firmware(Model::Sdi, "1.5.79"))
            .unwrap()
            .status,
        0
    );
}

#[test]
fn users_rules() {
    let sim = sim();
    let d = raw_dev(&sim);
    assert_eq!(call(&d, "del-user", &[("id", "Ghost")]), ERR_NO_USER);
    assert_eq!(
        call(&d, "set-password", &[("id", "Ghost"), ("pass", ADMIN_MD5)]),
        ERR_NO_USER
    );
    assert_eq!(
        call(&d, "del-user", &[("id", "Admin")]),
        ERR_PARAM,
        "the administrator stays"
    );
    assert_eq!(
        call(
            &d,
            "ch-password",
            &[
                ("pass", "00000000000000000000000000000000"),
                ("new-pass", ADMIN_MD5)
            ]
        ),
        ERR_PASSWD
    );
    assert_eq!(
        call(&d, "add-user", &[("id", " x"), ("pass", ADMIN_MD5)]),
        ERR_STRING
    );
    assert_eq!(d.get_users().unwrap().users.len(), 1);
}

#[test]
fn start_live_without_an_enabled_server_is_29() {
    let sim = sim();
    let d = raw_dev(&sim);
    assert_eq!(call(&d, "start-live", &[]), RET_LIVING_NOTSET);
    assert_eq!(state(&sim)["live"], false);
    assert_eq!(status(&d)["live-status"]["result"], 0);
    assert_eq!(call(&d, "stop-live", &[]), RET_REPEAT, "nothing to stop");
    assert_eq!(call(&d, "stop-rec", &[]), RET_REPEAT, "nothing to stop");
}
