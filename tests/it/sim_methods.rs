//! Every one of the 56 methods against the simulator through the Rust
//! client, each asserting the state it changed (visible in the next
//! get-settings / get-status / get-users / get-media-files).

use crate::sim_support;

use sim_support::*;
use ultrastream::api::{
    AppPassword, EthArgs, Firmware, RecControlArgs, ServerArgs, ServerType, SoftApArgs, VideoArgs,
};
use ultrastream::model::status::*;
use ultrastream::sim::{Model, fake_firmware};

#[test]
fn universal_interfaces() {
    let sim = sim();
    let d = dev(&sim);
    // ping
    let p = d.ping().unwrap();
    assert_eq!(
        (p.result, p.cur_status),
        (0, 65552),
        "the document's example mask"
    );
    // get-info: the document's ranges
    let info = d.get_info().unwrap();
    assert_eq!(info.product.module_name, "Ultra Stream HDMI");
    assert_eq!(info.product.hardware_ver, "C");
    assert_eq!(info.product.firmware_ver_s, "1.2.122");
    assert_eq!(info.product.sn, state(&sim)["serial"].as_str().unwrap());
    assert_eq!(info.codec_cap.resolutions.len(), 17);
    assert_eq!(info.codec_cap.durations.len(), 8);
    assert_eq!(info.codec_cap.video_kbps.last().unwrap().value, 8192);
    assert_eq!(info.codec_cap.audio_kbps[0].name, " 16 Kbps");
    assert_eq!(info.codec_cap.gop_sec.len(), 6);
    assert_eq!(info.codec_cap.stat_sec.len(), 5);
    assert_eq!(info.codec_cap.video_codec.len(), 2);
    assert_eq!(info.rec_control.time_unit.len(), 8);
    assert_eq!(info.rec_control.sd_option.len(), 3);
    assert_eq!(info.rec_control.file_ext[1].name, "mov");
    assert_eq!(info.audio_range.mic.max, 55.25);
    let raw = d.call("get-info", &[]).unwrap().json().unwrap();
    assert!(
        raw["codec-cap"]["gorp-sec"].is_array(),
        "the example reply's spelling"
    );
    // get-status: every documented block
    let st = status(&d);
    for k in [
        "result",
        "cur-status",
        "last-rec-status",
        "cur-time",
        "box-name",
        "lock-user",
        "rec-status",
        "live-status",
        "upgrade-status",
        "format-status",
        "disk-test",
        "living-test",
        "check-upgrade",
        "input-signal",
        "usb",
        "sd",
        "wifi",
        "eth",
        "mobile",
        "upgrade",
        "downgrade",
    ] {
        assert!(st.get(k).is_some(), "get-status lacks {k}");
    }
    assert_eq!(
        st["usb"]["free-size"], 57944440832u64,
        "the document's example USB block"
    );
    assert!(st["usb"].get("beign-time").is_some() && st["sd"].get("begin-time").is_some());
    assert_eq!(st["upgrade-status"]["result"], 27);
    assert_eq!(st["format-status"]["result"], 27);
    // get-settings: the document's example
    let s = d.get_settings().unwrap();
    assert_eq!(
        (
            s.main_stream.cx,
            s.main_stream.kbps,
            s.sub_stream.kbps,
            s.audio.kbps
        ),
        (1920, 4096, 1024, 128)
    );
    assert_eq!(s.rec_control.root_folder, "REC_Folder");
    assert_eq!(s.stream_server.len(), 1);
    assert_eq!(s.stream_server[0].url, "192.168.1.123:345/live");
    // start-rec / stop-rec
    assert_eq!(d.start_rec().unwrap().result, 0);
    assert!(mask(&d) & STATUS_RECORD != 0);
    assert_eq!(status(&d)["rec-status"]["result"], 2);
    assert_eq!(d.stop_rec().unwrap().result, 0);
    assert_eq!(mask(&d) & STATUS_RECORD, 0);
    // start-live / stop-live
    assert_eq!(
        d.start_live().unwrap().result,
        29,
        "no enabled server: retLivingNotset"
    );
    d.enable_server(0, true).unwrap();
    assert_eq!(d.start_live().unwrap().result, 0);
    assert!(mask(&d) & STATUS_LIVING != 0);
    assert_eq!(d.stop_live().unwrap().result, 0);
    assert_eq!(mask(&d) & STATUS_LIVING, 0);
}

#[test]
fn general_settings() {
    let sim = sim();
    let d = dev(&sim);
    d.set_name("My Box+1 'A'").unwrap();
    assert_eq!(settings(&d)["name"], "My Box+1 'A'");
    assert_eq!(status(&d)["box-name"], "My Box+1 'A'");

    d.set_app_settings(true).unwrap();
    assert_eq!(settings(&d)["is-settings"], 1);

    // set-app-passwd: the app password starts as the login password.
    assert_eq!(
        code(d.set_app_passwd(AppPassword::Disable { old: "wrong" })),
        -1
    );
    d.set_app_passwd(AppPassword::Disable { old: "Admin" })
        .unwrap();
    assert_eq!(settings(&d)["passwd"], 0);
    assert_eq!(mask(&d) & STATUS_PASSWD, 0);
    d.set_app_passwd(AppPassword::Enable { new: "1234" })
        .unwrap();
    assert_eq!(settings(&d)["passwd"], 1);
    assert!(mask(&d) & STATUS_PASSWD != 0);
    assert_eq!(
        code(d.set_app_passwd(AppPassword::Modify {
            old: "nope",
            new: "5678"
        })),
        -1
    );
    d.set_app_passwd(AppPassword::Modify {
        old: "1234",
        new: "5678",
    })
    .unwrap();
    d.set_app_passwd(AppPassword::Disable { old: "5678" })
        .unwrap();
    assert_eq!(settings(&d)["passwd"], 0);

    d.set_first_over("First Box", Some("9999")).unwrap();
    assert_eq!(settings(&d)["name"], "First Box");
    assert_eq!(settings(&d)["passwd"], 1);
    d.set_first_over("First Box", None).unwrap();
    assert_eq!(settings(&d)["passwd"], 0);

    d.set_rec_control(&RecControlArgs {
        usb_option: 0,
        sd_option: 2,
        mime_type: 1,
        root_folder: "a/b".into(),
        file_prefix: "CAM 1".into(),
        time_unit: 10,
    })
    .unwrap();
    let rc = &settings(&d)["rec-control"];
    assert_eq!(
        (
            rc["usb-option"].as_i64(),
            rc["sd-option"].as_i64(),
            rc["mime-type"].as_i64()
        ),
        (Some(0), Some(2), Some(1))
    );
    assert_eq!(
        (
            rc["root-folder"].as_str(),
            rc["file-prefix"].as_str(),
            rc["time-unit"].as_i64()
        ),
        (Some("a/b"), Some("CAM 1"), Some(10))
    );

    d.set_softap(&SoftApArgs {
        is_softap: true,
        is_visible: false,
        ssid: "My AP!".into(),
        password: "secret-1".into(),
    })
    .unwrap();
    let ap = &settings(&d)["softap"];
    assert_eq!(
        (ap["is-softap"].as_i64(), ap["is-visible"].as_i64()),
        (Some(1), Some(0))
    );
    assert_eq!(
        (ap["softap-ssid"].as_str(), ap["softap-passwd"].as_str()),
        (Some("My AP!"), Some("secret-1"))
    );
    assert!(mask(&d) & STATUS_SOFTAP != 0);
    assert_eq!(
        status(&d)["wifi"]["name"],
        "My AP!",
        "get-status shows the AP while it is on"
    );

    d.set_date_time("Asia/Shanghai", Some("2019-09-10 15:00:00"))
        .unwrap();
    let s = settings(&d);
    assert_eq!(
        (
            s["date-time"]["timezone"].as_str(),
            s["date-time"]["is-auto"].as_i64()
        ),
        (Some("Asia/Shanghai"), Some(0))
    );
    assert!(
        status(&d)["cur-time"]
            .as_str()
            .unwrap()
            .starts_with("2019-09-10 15:00")
    );
    d.set_date_time("UTC", None).unwrap();
    assert_eq!(settings(&d)["date-time"]["is-auto"], 1);
    assert!(!status(&d)["cur-time"].as_str().unwrap().starts_with("2019"));

    for (f, key) in [
        (0usize, "is-signal-lost"),
        (1, "is-startup-rec"),
        (2, "is-startup-live"),
        (3, "is-ssdp"),
        (4, "is-hdmi-rec-ctrl"),
    ] {
        let before = settings(&d)[key].as_i64().unwrap();
        let want = before == 0;
        match f {
            0 => d.set_signal_lost_ctrl(want),
            1 => d.set_startup_rec(want),
            2 => d.set_startup_live(want),
            3 => d.set_ssdp(want),
            _ => d.set_hdmi_rec_ctrl(want),
        }
        .unwrap();
        assert_eq!(settings(&d)[key].as_i64().unwrap(), want as i64, "{key}");
    }
    assert!(
        !sim.discovery_info().ssdp_enabled,
        "set-ssdp 0 reaches discovery"
    );
}

#[test]
fn storage_device() {
    let sim = sim();
    let d = dev(&sim);
    // start-format-usb, progress, done, clear-format-usb
    d.start_test_usb().unwrap();
    d.stop_test_usb().unwrap();
    assert_eq!(status(&d)["disk-test"]["result"], 5);
    d.clear_test_usb().unwrap();
    assert_eq!(status(&d)["disk-test"]["result"], 27);

    d.start_rec().unwrap();
    advance(&sim, 60_000);
    d.stop_rec().unwrap();
    let files = d.get_media_files(0, 0, 10).unwrap();
    assert_eq!(files.media_files.len(), 1);
    assert_eq!(files.path, "/media/disk0/REC_Folder");
    let name = files.media_files[0].name.clone();
    assert_eq!(
        d.get_media_files(1, 0, 10).unwrap().media_files.len(),
        1,
        "sd-option 1 records to SD too"
    );
    d.del_media_files(0, &[&name]).unwrap();
    assert!(d.get_media_files(0, 0, 10).unwrap().media_files.is_empty());
    assert_eq!(d.get_media_files(1, 0, 10).unwrap().media_files.len(), 1);

    d.start_format_usb().unwrap();
    let fs = &status(&d)["format-status"];
    assert_eq!(fs["result"], 2);
    assert!(mask(&d) & STATUS_FORMAT_DISK != 0);
    advance(&sim, 10_000);
    assert_eq!(status(&d)["format-status"]["result"], 0);
    assert_eq!(status(&d)["format-status"]["percent"], 100);
    d.clear_format_usb().unwrap();
    assert_eq!(status(&d)["format-status"]["result"], 27);

    d.start_format_sd().unwrap();
    advance(&sim, 10_000);
    assert_eq!(status(&d)["format-status"]["result"], 0);
    assert!(
        d.get_media_files(1, 0, 10).unwrap().media_files.is_empty(),
        "format empties the SD card"
    );
    d.clear_format_usb().unwrap();

    d.start_test_usb().unwrap();
    assert!(mask(&d) & STATUS_DISK_TEST != 0);
    advance(&sim, 11_000);
    let t = &status(&d)["disk-test"];
    assert_eq!(
        (t["result"].as_i64(), t["percent"].as_i64()),
        (Some(0), Some(100))
    );
    assert!(t["write-bps"].as_i64().unwrap() > 0);
}

fn server(name: &str, key: &str) -> ServerArgs {
    ServerArgs {
        kind: ServerType::Rtmp,
        name: name.into(),
        url: format!("rtmp://{name}.example/live"),
        key: key.into(),
        ..Default::default()
    }
}

#[test]
fn stream_servers() {
    let sim = sim();
    let d = dev(&sim);
    d.add_server(&server("one", "k1")).unwrap();
    let list = d.get_settings().unwrap().stream_server;
    assert_eq!(list.len(), 2);
    let id = list[1].id;
    assert_eq!(
        (list[1].name.as_str(), list[1].key.as_str(), list[1].is_use),
        ("one", "k1", 0)
    );

    d.enable_server(id, true).unwrap();
    assert_eq!(d.get_settings().unwrap().stream_server[1].is_use, 1);
    assert!(mask(&d) & STATUS_RTMP_READY != 0);

    let mut changed = server("renamed", "k2");
    changed.kind = ServerType::YouTube;
    d.set_server(id, &changed).unwrap();
    let s = &d.get_settings().unwrap().stream_server[1];
    assert_eq!(
        (s.name.as_str(), s.key.as_str(), s.kind, s.is_use),
        ("renamed", "k2", 2, 1)
    );

    d.del_server(id).unwrap();
    assert_eq!(d.get_settings().unwrap().stream_server.len(), 1);

    d.start_test_server(&server("t", "tk")).unwrap();
    assert_eq!(status(&d)["living-test"]["result"], 2);
    assert!(mask(&d) & STATUS_NET_TEST != 0);
    d.stop_test_server().unwrap();
    assert_eq!(status(&d)["living-test"]["result"], 5);
    assert_eq!(mask(&d) & STATUS_NET_TEST, 0);
    d.clear_test_server().unwrap();
    assert_eq!(status(&d)["living-test"]["result"], 27);
}

#[test]
fn encoding_parameters() {
    let sim = sim();
    let d = dev(&sim);
    d.set_stream(1, 1, 0).unwrap();
    let s = settings(&d);
    assert_eq!(
        (
            s["rec-stream"].as_i64(),
            s["live-stream"].as_i64(),
            s["mws-stream"].as_i64()
        ),
        (Some(1), Some(1), Some(0))
    );

    d.set_video(&VideoArgs {
        stream: 0,
        cx: 1280,
        cy: 720,
        duration: 333333,
        kbps: 2048,
        gop: 2,
        codec: 1,
        profile: 0,
        cbrstat: 10,
        fullrange: true,
        ..Default::default()
    })
    .unwrap();
    let m = d.get_settings().unwrap().main_stream;
    assert_eq!(
        (
            m.cx,
            m.cy,
            m.duration,
            m.kbps,
            m.gop,
            m.codec,
            m.profile,
            m.cbrstat,
            m.fullrange
        ),
        (1280, 720, 333333, 2048, 2, 1, 0, 10, 1)
    );
    d.set_video(&VideoArgs {
        stream: 1,
        cx: 640,
        cy: 360,
        duration: 400000,
        kbps: 512,
        gop: 5,
        codec: 0,
        profile: 1,
        cbrstat: 5,
        fullrange: false,
        ..Default::default()
    })
    .unwrap();
    let sub = d.get_settings().unwrap().sub_stream;
    assert_eq!((sub.cx, sub.cy, sub.kbps, sub.profile), (640, 360, 512, 1));

    d.set_audio(64).unwrap();
    assert_eq!(d.get_settings().unwrap().audio.kbps, 64);
}

#[test]
fn reset_and_reboot() {
    let sim = sim();
    let d = dev(&sim);
    d.set_startup_rec(false).unwrap();
    d.set_name("Before Reboot").unwrap();
    d.reboot().unwrap();
    assert!(d.ping().unwrap().cur_status as u32 & STATUS_REBOOT != 0);
    advance(&sim, 6_000);
    assert_eq!(d.ping().unwrap().result, 0);
    assert_eq!(
        state(&sim)["sessions"],
        0,
        "sessions are gone after a reboot"
    );
    // The client logs in again by itself after -17.
    assert_eq!(
        d.get_settings().unwrap().name,
        "Before Reboot",
        "reboot keeps the settings"
    );
    assert_eq!(state(&sim)["boots"], 1);

    d.add_server(&server("gone", "k")).unwrap();
    d.reset_all_settings().unwrap();
    assert!(d.ping().unwrap().cur_status as u32 & STATUS_RESET != 0);
    advance(&sim, 10_000);
    let s = d.get_settings().unwrap();
    assert!(
        s.name.starts_with("Ultra Stream "),
        "reset restores the default name"
    );
    assert_eq!(s.stream_server.len(), 1);
    assert_eq!(s.is_startup_rec, 1);
    assert!(mask(&d) & STATUS_FIRST != 0, "first boot after a reset");
    d.set_first_over("Fresh", None).unwrap();
    assert_eq!(mask(&d) & STATUS_FIRST, 0);
}

#[test]
fn log_in_out_and_users() {
    let sim = sim();
    let d = dev(&sim);
    assert_eq!(state(&sim)["sessions"], 1);
    let users = d.get_users().unwrap().users;
    assert_eq!(users.len(), 1);
    assert_eq!((users[0].id.as_str(), users[0].kind), ("Admin", 1));

    d.add_user("Test", "pw1").unwrap();
    let users = d.get_users().unwrap().users;
    assert_eq!(
        users
            .iter()
            .map(|u| (u.id.as_str(), u.kind))
            .collect::<Vec<_>>(),
        vec![("Admin", 1), ("Test", 2)]
    );

    d.set_password("Test", "pw2").unwrap();
    let other = ultrastream::Device::connect(&sim.host(), Default::default()).unwrap();
    assert_eq!(other.login("Test", "pw1").unwrap_err().code(), -1);
    other.login("Test", "pw2").unwrap();
    other.ch_password("pw2", "pw3").unwrap();
    other.logout().unwrap();
    other.login("Test", "pw3").unwrap();
    assert_eq!(state(&sim)["sessions"], 2);
    d.del_user("Test").unwrap();
    assert_eq!(d.get_users().unwrap().users.len(), 1);
    assert_eq!(
        state(&sim)["sessions"],
        1,
        "deleting a user ends its session"
    );

    d.logout().unwrap();
    assert_eq!(state(&sim)["sessions"], 0);
}

#[test]
fn network_settings() {
    let sim = sim();
    let d = dev(&sim);
    d.set_eth(&EthArgs {
        is_dhcp: false,
        ip: "10.0.0.9".into(),
        mask: "255.255.255.0".into(),
        router: "10.0.0.1".into(),
        dns: "10.0.0.2".into(),
    })
    .unwrap();
    let e = d.get_settings().unwrap().eth;
    assert_eq!(
        (e.is_dhcp, e.ip.as_str(), e.router.as_str()),
        (0, "10.0.0.9", "10.0.0.1")
    );
    assert_eq!(status(&d)["eth"]["ip"], "10.0.0.9");
    assert_eq!(sim.discovery_info().ethip, "10.0.0.9");

    assert_eq!(status(&d)["wifi"]["ip"], "192.168.8.249");
    d.disconn_wifi().unwrap();
    assert_eq!(status(&d)["wifi"]["ip"], "");

    d.set_softap(&SoftApArgs {
        is_softap: true,
        is_visible: true,
        ssid: "AP".into(),
        password: "pw".into(),
    })
    .unwrap();
    assert!(mask(&d) & STATUS_SOFTAP != 0);
    d.close_softap().unwrap();
    assert_eq!(mask(&d) & STATUS_SOFTAP, 0);
}

#[test]
fn firmware_update() {
    let sim = sim();
    let d = dev(&sim);
    d.online_update_check().unwrap();
    assert_eq!(status(&d)["check-upgrade"]["result"], 2);
    assert!(mask(&d) & STATUS_CHECK_UPGRADE != 0);
    advance(&sim, 4_000);
    let st = status(&d);
    assert_eq!(st["check-upgrade"]["result"], 0);
    assert_eq!(st["upgrade"]["ver"], "1.2.123");
    d.clear_check_update().unwrap();
    assert_eq!(status(&d)["check-upgrade"]["result"], 27);

    // Online update, cancelled while downloading.
    d.update(Firmware::Online).unwrap();
    let u = &status(&d)["upgrade-status"];
    assert_eq!(
        (u["result"].as_i64(), u["step"].as_i64(), u["mode"].as_str()),
        (Some(2), Some(1), Some("online"))
    );
    d.cancel_download().unwrap();
    assert_eq!(status(&d)["upgrade-status"]["result"], 5);
    d.clear_upgrade().unwrap();
    assert_eq!(status(&d)["upgrade-status"]["result"], 27);

    // Upload then update.
    let up = d
        .upload_update_bytes("fw.mwf", &fake_firmware(Model::Hdmi, "1.3.5"))
        .unwrap();
    assert_eq!(
        (up.status, up.up_to_date, up.version.as_str()),
        (0, false, "1.3.5")
    );
    d.update(Firmware::Upload).unwrap();
    assert_eq!(status(&d)["upgrade-status"]["mode"], "upload");
    assert!(mask(&d) & STATUS_UPGRADE != 0);
    advance(&sim, 12_300);
    let u = &status(&d)["upgrade-status"];
    assert_eq!(
        (
            u["result"].as_i64(),
            u["percent"].as_i64(),
            u["step"].as_i64()
        ),
        (Some(0), Some(100), Some(3))
    );
    advance(&sim, 10_000);
    assert_eq!(
        d.get_info().unwrap().product.firmware_ver_s,
        "1.3.5",
        "the device rebooted into the new firmware"
    );
    // The restart forgot the update's status; clear-upgrade still answers.
    assert_eq!(status(&d)["upgrade-status"]["result"], 27);
    d.clear_upgrade().unwrap();
    assert_eq!(status(&d)["upgrade-status"]["result"], 27);
}
