//! Recording and live: bit rates and run time from the configuration, files
//! split by time-unit on USB and SD, paging and deleting them, disks filling
//! up, loop recording, input signal loss, and downloads over HTTP.

use crate::sim_support;

use serde_json::Value;
use sim_support::*;
use std::io::Read;
use std::time::Duration;
use ultrastream::Device;
use ultrastream::model::status::*;
use ultrastream::sim::Simulator;

/// (4096 + 128) kbps × 1024 bit/s.
const REC_BPS: u64 = 4224 * 1024;
/// Bytes per second at that rate.
const REC_BYTES_PER_S: u64 = REC_BPS / 8;

fn near(v: u64, want: u64, tolerance_pct: u64) -> bool {
    v.abs_diff(want) * 100 <= want * tolerance_pct
}

fn files(d: &Device, disk: i64) -> Vec<Value> {
    let r = d
        .call(
            "get-media-files",
            &[
                ("disk-type", &disk.to_string()),
                ("start", "0"),
                ("count", "1000"),
            ],
        )
        .unwrap();
    r.json().unwrap()["media-files"].as_array().unwrap().clone()
}

fn names(d: &Device, disk: i64) -> Vec<String> {
    files(d, disk)
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_string())
        .collect()
}

fn disk_status(d: &Device, disk: &str) -> i64 {
    status(d)[disk]["disk-status"].as_i64().unwrap()
}

#[test]
fn recording_status_moves_with_the_configured_bitrate() {
    let sim = sim();
    let d = raw_dev(&sim);
    assert_eq!(call(&d, "start-rec", &[]), 0);
    assert_eq!(call(&d, "start-rec", &[]), 1, "repeat");
    advance(&sim, 10_000);
    let r = status(&d)["rec-status"].clone();
    assert_eq!(r["result"], 2);
    let run = r["run-ms"].as_u64().unwrap();
    assert!((10_000..10_200).contains(&run), "run-ms {run}");
    assert!(
        near(r["cur-bps"].as_u64().unwrap(), REC_BYTES_PER_S, 3),
        "cur-bps {}",
        r["cur-bps"]
    );
    assert!(
        near(r["avg-bps"].as_u64().unwrap(), REC_BYTES_PER_S, 1),
        "avg-bps {}",
        r["avg-bps"]
    );
    advance(&sim, 5_000);
    assert!(status(&d)["rec-status"]["run-ms"].as_u64().unwrap() >= run + 5_000);
    assert!(mask(&d) & STATUS_RECORD != 0);
    assert_eq!(call(&d, "stop-rec", &[]), 0);
    let r = status(&d)["rec-status"].clone();
    assert_eq!(
        (
            r["result"].as_i64(),
            r["run-ms"].as_i64(),
            r["cur-bps"].as_i64()
        ),
        (Some(0), Some(0), Some(0))
    );
    assert_eq!(status(&d)["last-rec-status"], 0);
    // Recording the sub stream: (1024 + 128) kbps.
    assert_eq!(
        call(
            &d,
            "set-stream",
            &[("rec", "1"), ("live", "0"), ("mws", "1")]
        ),
        0
    );
    assert_eq!(call(&d, "start-rec", &[]), 0);
    advance(&sim, 10_000);
    assert!(near(
        status(&d)["rec-status"]["avg-bps"].as_u64().unwrap(),
        1152 * 1024 / 8, // bytes/s
        1
    ));
    assert_eq!(call(&d, "stop-rec", &[]), 0);
    let f = files(&d, 0).last().unwrap().clone();
    assert_eq!(
        (
            f["width"].as_i64(),
            f["height"].as_i64(),
            f["interval"].as_i64()
        ),
        (Some(1024), Some(768), Some(333333))
    );
}

#[test]
fn live_status_shows_each_server_connecting_then_connected() {
    let sim = sim();
    let d = raw_dev(&sim);
    assert_eq!(
        call(
            &d,
            "add-server",
            &[
                ("type", "2"),
                ("name", "YT"),
                ("url", "rtmp://yt/live2"),
                ("key", "y"),
                ("net-mode", "2")
            ]
        ),
        0
    );
    assert_eq!(
        call(&d, "enable-server", &[("id", "0"), ("is-use", "1")]),
        0
    );
    assert_eq!(
        call(&d, "enable-server", &[("id", "1"), ("is-use", "1")]),
        0
    );
    assert_eq!(call(&d, "start-live", &[]), 0);
    assert_eq!(call(&d, "start-live", &[]), 1, "repeat");
    let l = status(&d)["live-status"].clone();
    assert_eq!(
        (
            l["result"].as_i64(),
            l["result2"].as_i64(),
            l["cur-bps"].as_i64()
        ),
        (Some(23), Some(23), Some(0))
    );
    assert!(mask(&d) & STATUS_LIVING != 0);
    advance(&sim, 2_000);
    let l = status(&d)["live-status"].clone();
    assert_eq!(
        (l["result"].as_i64(), l["result2"].as_i64()),
        (Some(22), Some(22))
    );
    assert_eq!(
        (l["net"].as_i64(), l["net2"].as_i64()),
        (Some(1), Some(2)),
        "each server's network"
    );
    assert!(near(l["cur-bps"].as_u64().unwrap(), REC_BYTES_PER_S, 3));
    assert!(near(l["cur-bps2"].as_u64().unwrap(), REC_BYTES_PER_S, 3));
    advance(&sim, 60_000);
    let l = status(&d)["live-status"].clone();
    assert!(l["run-ms"].as_u64().unwrap() >= 62_000);
    assert!(near(l["avg-bps"].as_u64().unwrap(), REC_BYTES_PER_S, 5));
    assert_eq!(call(&d, "stop-live", &[]), 0);
    let l = status(&d)["live-status"].clone();
    assert_eq!(
        (l["result"].as_i64(), l["run-ms"].as_i64()),
        (Some(0), Some(0))
    );
    assert_eq!(mask(&d) & STATUS_LIVING, 0);
    // One server: result2 stays 0; the sub stream's bitrate when live uses it.
    assert_eq!(
        call(&d, "enable-server", &[("id", "1"), ("is-use", "0")]),
        0
    );
    assert_eq!(
        call(
            &d,
            "set-stream",
            &[("rec", "0"), ("live", "1"), ("mws", "1")]
        ),
        0
    );
    assert_eq!(call(&d, "start-live", &[]), 0);
    advance(&sim, 3_000);
    let l = status(&d)["live-status"].clone();
    assert_eq!(
        (
            l["result"].as_i64(),
            l["result2"].as_i64(),
            l["cur-bps2"].as_i64()
        ),
        (Some(22), Some(0), Some(0))
    );
    assert!(near(l["cur-bps"].as_u64().unwrap(), 1152 * 1024 / 8, 3));
}

#[test]
fn stopping_a_recording_adds_files_split_by_time_unit() {
    let sim = sim();
    let d = raw_dev(&sim);
    assert!(files(&d, 0).is_empty() && files(&d, 1).is_empty());
    assert_eq!(call(&d, "start-rec", &[]), 0);
    advance(&sim, 12 * 60_000);
    // While recording, the current file shows status 0.
    let now = files(&d, 0);
    assert_eq!(now.len(), 3);
    assert_eq!(
        now.iter()
            .map(|f| f["status"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        vec![1, 1, 0]
    );
    assert_eq!(call(&d, "stop-rec", &[]), 0);
    for disk in [0, 1] {
        let fs = files(&d, disk);
        assert_eq!(
            fs.iter()
                .map(|f| f["name"].as_str().unwrap())
                .collect::<Vec<_>>(),
            vec!["VID_1_1.mp4", "VID_1_2.mp4", "VID_1_3.mp4"]
        );
        let durations: Vec<u64> = fs.iter().map(|f| f["duration"].as_u64().unwrap()).collect();
        assert!(
            durations[0] == 300_000
                && durations[1] == 300_000
                && (120_000..120_200).contains(&durations[2]),
            "{durations:?}"
        );
        for f in &fs {
            assert_eq!(f["status"], 1);
            let secs = f["duration"].as_u64().unwrap() / 1000;
            assert!(
                near(f["size-bytes"].as_u64().unwrap(), secs * REC_BYTES_PER_S, 1),
                "{f}"
            );
            assert_eq!(
                (
                    f["width"].as_i64(),
                    f["height"].as_i64(),
                    f["interval"].as_i64(),
                    f["codec"].as_i64()
                ),
                (Some(1920), Some(1080), Some(166667), Some(0))
            );
            let thumb = f["thumbnail-name"].as_str().unwrap();
            assert!(
                thumb.starts_with(&format!("{}_", f["name"].as_str().unwrap())),
                "{thumb}"
            );
            assert_eq!(f["create-time"].as_str().unwrap().len(), 19);
        }
    }
    let st = status(&d);
    assert_eq!(st["usb"]["file-count"], 3);
    assert_ne!(st["usb"]["beign-time"], "");
    // Settings shape the next recording: prefix, folder, mov, USB only, 10-minute parts.
    assert_eq!(
        call(
            &d,
            "set-rec-control",
            &[
                ("usb-option", "1"),
                ("sd-option", "0"),
                ("mime-type", "1"),
                ("root-folder", "Show/Day 2"),
                ("file-prefix", "CAM"),
                ("time-unit", "10")
            ]
        ),
        0
    );
    assert_eq!(call(&d, "start-rec", &[]), 0);
    advance(&sim, 15 * 60_000);
    assert_eq!(call(&d, "stop-rec", &[]), 0);
    assert_eq!(names(&d, 0), vec!["CAM_2_1.mov", "CAM_2_2.mov"]);
    assert!(
        names(&d, 1).is_empty(),
        "sd-option 0: nothing on SD in this folder"
    );
    let r = d
        .call(
            "get-media-files",
            &[("disk-type", "0"), ("start", "0"), ("count", "5")],
        )
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        (r["path"].as_str(), r["thumbnail"].as_str()),
        (Some("/media/disk0/Show/Day 2"), Some("thumbnail"))
    );
    assert_eq!(
        status(&d)["usb"]["file-count"],
        5,
        "file-count counts every folder"
    );
    // Nowhere to record: errDisk.
    assert_eq!(
        call(
            &d,
            "set-rec-control",
            &[
                ("usb-option", "0"),
                ("sd-option", "0"),
                ("root-folder", "R"),
                ("file-prefix", "V"),
                ("time-unit", "5")
            ]
        ),
        0
    );
    assert_eq!(call(&d, "start-rec", &[]), -5);
    assert_eq!(state(&sim)["recording"], false);
}

#[test]
fn get_media_files_pages_and_del_media_files_removes() {
    let sim = sim();
    let d = raw_dev(&sim);
    assert_eq!(call(&d, "start-rec", &[]), 0);
    advance(&sim, 32 * 60_000);
    assert_eq!(call(&d, "stop-rec", &[]), 0);
    let all = names(&d, 0);
    assert_eq!(all.len(), 7);
    let page = |start: &str, count: &str| -> Vec<String> {
        d.call(
            "get-media-files",
            &[("disk-type", "0"), ("start", start), ("count", count)],
        )
        .unwrap()
        .json()
        .unwrap()["media-files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(page("0", "3"), all[0..3]);
    assert_eq!(page("3", "3"), all[3..6]);
    assert_eq!(page("6", "3"), all[6..7]);
    assert!(page("7", "3").is_empty());
    assert!(page("0", "0").is_empty());
    assert!(page("1000000", "5").is_empty());
    // Typed paging through the client.
    assert_eq!(
        d.get_media_files(0, 2, 2)
            .unwrap()
            .media_files
            .iter()
            .map(|f| f.name.clone())
            .collect::<Vec<_>>(),
        all[2..4]
    );

    let free_before = status(&d)["usb"]["free-size"].as_u64().unwrap();
    d.del_media_files(0, &[&all[0], &all[1]]).unwrap();
    assert_eq!(names(&d, 0), all[2..]);
    assert!(
        status(&d)["usb"]["free-size"].as_u64().unwrap() > free_before,
        "deleting frees space"
    );
    assert_eq!(names(&d, 1).len(), 7, "SD untouched");
    assert_eq!(code(d.del_media_files(0, &["no-such-file.mp4"])), -14);
    // The document's example payload, keys unquoted.
    let cookie = raw_login(&sim);
    let body = format!("{{\n  disk-type: 1,\n  media-files: [\"{}\"]\n}}", all[6]);
    let mut c = Raw::connect(&sim);
    c.send(
        format!("POST /usapi?method=del-media-files HTTP/1.1\r\nCookie: {cookie}\r\nContent-Type: application/json;charset=UTF-8\r\nContent-Length: {}\r\n\r\n{body}", body.len())
            .as_bytes(),
    );
    assert_eq!(c.read_reply().unwrap().result(), 0);
    assert_eq!(names(&d, 1).len(), 6);
    // The file being recorded cannot be deleted.
    assert_eq!(call(&d, "start-rec", &[]), 0);
    advance(&sim, 1_000);
    let current = names(&d, 0).last().unwrap().clone();
    assert_eq!(code(d.del_media_files(0, &[&current])), -9);
    assert!(names(&d, 0).contains(&current));
    // An absent disk.
    ctl(&sim, r#"{"cmd":"set-disk","disk":"sd","present":false}"#);
    assert_eq!(
        call(
            &d,
            "get-media-files",
            &[("disk-type", "1"), ("start", "0"), ("count", "5")]
        ),
        -5
    );
}

#[test]
fn disks_fill_up_low_space_then_no_space() {
    let sim = sim();
    let d = raw_dev(&sim);
    // 300 MiB free on USB: LowSpace after ~194 s, full after ~582 s.
    ctl(
        &sim,
        r#"{"cmd":"set-disk","disk":"usb","free_bytes":314572800}"#,
    );
    assert_eq!(disk_status(&d, "usb"), 1);
    assert_eq!(call(&d, "start-rec", &[]), 0);
    advance(&sim, 150_000);
    assert_eq!(disk_status(&d, "usb"), 1);
    advance(&sim, 50_000);
    assert_eq!(disk_status(&d, "usb"), 5, "under 200 MB: LowSpace");
    assert!(
        mask(&d) & STATUS_DISK_READY != 0,
        "LowSpace is still usable"
    );
    advance(&sim, 400_000);
    let st = status(&d);
    assert_eq!(
        (
            st["usb"]["disk-status"].as_i64(),
            st["usb"]["free-size"].as_i64()
        ),
        (Some(3), Some(0)),
        "NotSpace"
    );
    assert_eq!(mask(&d) & STATUS_DISK_READY, 0);
    assert_eq!(state(&sim)["recording"], true, "still recording to SD");
    let usb_last = files(&d, 0).last().unwrap().clone();
    assert_eq!(
        usb_last["status"], 1,
        "the USB file was closed when the disk filled"
    );
    // Now the SD card fills too: the recording ends with errNoSpace.
    ctl(
        &sim,
        r#"{"cmd":"set-disk","disk":"sd","free_bytes":1000000}"#,
    );
    advance(&sim, 5_000);
    let st = state(&sim);
    assert_eq!(st["recording"], false);
    assert_eq!(status(&d)["last-rec-status"], -16);
    assert_eq!(mask(&d) & STATUS_RECORD, 0);
    assert_eq!(call(&d, "start-rec", &[]), -16, "both disks full");
    // Freeing space makes recording possible again.
    ctl(
        &sim,
        r#"{"cmd":"set-disk","disk":"usb","free_bytes":5000000000}"#,
    );
    assert_eq!(call(&d, "start-rec", &[]), 0);
}

#[test]
fn loop_recording_on_sd_deletes_the_oldest_files() {
    let sim = sim();
    let d = raw_dev(&sim);
    assert_eq!(
        call(
            &d,
            "set-rec-control",
            &[
                ("usb-option", "0"),
                ("sd-option", "2"),
                ("root-folder", "REC_Folder"),
                ("file-prefix", "VID"),
                ("time-unit", "5")
            ]
        ),
        0
    );
    ctl(
        &sim,
        r#"{"cmd":"set-disk","disk":"sd","free_bytes":734003200}"#,
    ); // 700 MiB
    assert_eq!(call(&d, "start-rec", &[]), 0);
    advance(&sim, 60 * 60_000);
    let st = state(&sim);
    assert_eq!(
        st["recording"], true,
        "loop recording never runs out of space"
    );
    let fs = names(&d, 1);
    assert!(fs.len() < 13, "old parts were deleted: {fs:?}");
    assert_eq!(
        fs.last().unwrap(),
        "VID_1_13.mp4",
        "the newest part is kept"
    );
    assert!(!fs.contains(&"VID_1_1.mp4".to_string()));
    assert_ne!(disk_status(&d, "sd"), 3);
    assert!(files(&d, 0).is_empty());
}

#[test]
fn a_disk_removed_while_recording() {
    let sim = sim();
    let d = raw_dev(&sim);
    assert_eq!(call(&d, "start-rec", &[]), 0);
    advance(&sim, 10_000);
    ctl(&sim, r#"{"cmd":"set-disk","disk":"usb","present":false}"#);
    let st = status(&d);
    assert_eq!(st["usb"]["disk-status"], 0);
    assert_eq!(st["usb"]["total-size"], 0);
    assert_eq!(mask(&d) & STATUS_DISK_READY, 0);
    advance(&sim, 10_000);
    assert_eq!(state(&sim)["recording"], true, "SD goes on");
    ctl(&sim, r#"{"cmd":"set-disk","disk":"usb","present":true}"#);
    let usb = files(&d, 0);
    assert_eq!(usb.len(), 1);
    assert_eq!(usb[0]["status"], 1);
    assert!(
        usb[0]["duration"].as_u64().unwrap() <= 10_100,
        "closed when the disk went away"
    );
    ctl(&sim, r#"{"cmd":"set-disk","disk":"sd","present":false}"#);
    ctl(&sim, r#"{"cmd":"set-disk","disk":"usb","writable":false}"#);
    advance(&sim, 1_000);
    assert_eq!(state(&sim)["recording"], false);
    assert_eq!(status(&d)["last-rec-status"], -5);
    assert_eq!(disk_status(&d, "usb"), 4, "NotWrite");
    assert_eq!(call(&d, "start-rec", &[]), -5);
}

#[test]
fn input_signal_loss_stops_recording_when_asked_to() {
    let sim = sim();
    let d = raw_dev(&sim);
    assert_eq!(status(&d)["input-signal"]["status"], 1);
    // is-signal-lost = 0: recording goes on.
    assert_eq!(call(&d, "start-rec", &[]), 0);
    ctl(&sim, r#"{"cmd":"set-signal","present":false}"#);
    let sig = status(&d)["input-signal"].clone();
    assert_eq!(
        (sig["status"].as_i64(), sig["cx"].as_i64()),
        (Some(0), Some(0))
    );
    assert_eq!(state(&sim)["recording"], true);
    ctl(&sim, r#"{"cmd":"set-signal","present":true}"#);
    assert_eq!(status(&d)["input-signal"]["cx"], 1920);
    // is-signal-lost = 1: losing the signal stops it.
    assert_eq!(
        call(&d, "set-signal-lost-ctrl", &[("is-signal-lost", "1")]),
        0
    );
    advance(&sim, 5_000);
    ctl(&sim, r#"{"cmd":"set-signal","present":false}"#);
    assert_eq!(state(&sim)["recording"], false);
    assert_eq!(mask(&d) & STATUS_RECORD, 0);
    assert_eq!(status(&d)["last-rec-status"], 9, "retSignalChange");
    assert!(
        files(&d, 0).iter().all(|f| f["status"] == 1),
        "the file was closed"
    );
    ctl(&sim, r#"{"cmd":"set-signal","present":true}"#);
    assert_eq!(status(&d)["input-signal"]["status"], 1);
    assert_eq!(call(&d, "start-rec", &[]), 0);
}

/// GET (or HEAD) a download on a fresh connection: (status, headers, body).
fn download(
    sim: &Simulator,
    path: &str,
    method: &str,
    extra: &str,
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut c = Raw::connect(sim);
    c.send(
        format!("{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{extra}\r\n")
            .as_bytes(),
    );
    let mut all = Vec::new();
    c.stream.read_to_end(&mut all).unwrap();
    let end = all
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a head");
    let head = String::from_utf8_lossy(&all[..end]).to_string();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| {
            l.split_once(':')
                .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        })
        .collect();
    (status, headers, all[end + 4..].to_vec())
}

fn hdr<'a>(h: &'a [(String, String)], k: &str) -> Option<&'a str> {
    h.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
}

#[test]
fn recorded_files_and_thumbnails_download_over_http() {
    let sim = sim();
    let d = raw_dev(&sim);
    assert_eq!(
        call(
            &d,
            "set-rec-control",
            &[
                ("usb-option", "1"),
                ("sd-option", "1"),
                ("root-folder", "My Shows/Day 1"),
                ("file-prefix", "VID"),
                ("time-unit", "5")
            ]
        ),
        0
    );
    assert_eq!(call(&d, "start-rec", &[]), 0);
    advance(&sim, 4_000);
    assert_eq!(call(&d, "stop-rec", &[]), 0);
    let r = d
        .call(
            "get-media-files",
            &[("disk-type", "0"), ("start", "0"), ("count", "1")],
        )
        .unwrap()
        .json()
        .unwrap();
    let f = &r["media-files"][0];
    let (path, name, size) = (
        r["path"].as_str().unwrap(),
        f["name"].as_str().unwrap(),
        f["size-bytes"].as_u64().unwrap(),
    );
    assert!(near(size, 4 * REC_BYTES_PER_S, 1), "{size}");
    // http://ip:8080/download/path/name, on the simulator's own port; no login.
    let url = format!("/download{}/{name}", path.replace(' ', "%20"));
    let (st, h, body) = download(&sim, &url, "GET", "");
    assert_eq!((st, hdr(&h, "content-type")), (200, Some("video/mp4")));
    assert_eq!(body.len() as u64, size);
    assert_eq!(&body[4..8], b"ftyp");
    // The same file again is the same bytes; a range is a slice of them.
    let (st, h, part) = download(&sim, &url, "GET", "Range: bytes=1000-1999\r\n");
    assert_eq!(
        (st, hdr(&h, "content-range")),
        (206, Some(format!("bytes 1000-1999/{size}").as_str()))
    );
    assert_eq!(part, body[1000..2000]);
    let (st, _, _) = download(&sim, &url, "GET", &format!("Range: bytes={size}-\r\n"));
    assert_eq!(st, 416);
    let (st, h, body) = download(&sim, &url, "HEAD", "");
    assert_eq!(
        (st, hdr(&h, "content-length")),
        (200, Some(size.to_string().as_str()))
    );
    assert!(body.is_empty());
    // The SD copy.
    let (st, _, body) = download(
        &sim,
        &format!("/download/media/disk1/My%20Shows/Day%201/{name}"),
        "GET",
        "",
    );
    assert_eq!((st, body.len() as u64), (200, size));
    // Thumbnails: path/thumbnail/thumbnail-name, with or without .jpg.
    let thumb = f["thumbnail-name"].as_str().unwrap();
    for t in [thumb.to_string(), format!("{thumb}.jpg")] {
        let (st, h, body) = download(
            &sim,
            &format!("/download{}/thumbnail/{t}", path.replace(' ', "%20")),
            "GET",
            "",
        );
        assert_eq!((st, hdr(&h, "content-type")), (200, Some("image/jpeg")));
        assert_eq!(
            (&body[..2], &body[body.len() - 2..]),
            (&[0xFF, 0xD8][..], &[0xFF, 0xD9][..])
        );
    }
    for bad in [
        "/download/media/disk0/My%20Shows/Day%201/nope.mp4".to_string(),
        format!("/download/media/disk2/My%20Shows/Day%201/{name}"),
        format!("/download/media/disk0/{name}"),
        format!("/download/media/disk0/My%20Shows/Day%201/../{name}"),
        "/download/".to_string(),
    ] {
        assert_eq!(download(&sim, &bad, "GET", "").0, 404, "{bad}");
    }
    // Deleted files are gone from the download path too.
    d.del_media_files(0, &[name]).unwrap();
    assert_eq!(download(&sim, &url, "GET", "").0, 404);
    // A keep-alive download followed by an API call on the same connection.
    let (_, _, _) = download(&sim, "/", "GET", "");
    let mut c = Raw::connect(&sim);
    let r = c.get(
        &format!("/download/media/disk1/My%20Shows/Day%201/{name}"),
        "",
    );
    assert_eq!(r.body.len() as u64, size);
    assert_eq!(c.get("/usapi?method=ping", "").result(), 0);
    c.stream
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
}
