//! A 64 MiB upload costs at most 2 MiB of extra memory. A test binary of
//! its own, so no other test's allocations land in the measured peak; the
//! peak RSS (VmHWM) is reset through /proc/self/clear_refs first. Linux only.

#![cfg(target_os = "linux")]

use crate::harness::alone;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::thread;
use ultrastream::{Device, Options};

fn status_kib(key: &str) -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap();
    s.lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[test]
fn upload_of_64_mib_stays_within_2_mib() {
    alone!(upload_of_64_mib_stays_within_2_mib);
    // A device that reads and discards the body, then answers.
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        let mut buf = vec![0u8; 64 * 1024];
        let mut head = Vec::new();
        let body_start = loop {
            let n = s.read(&mut buf).unwrap();
            head.extend_from_slice(&buf[..n]);
            if let Some(i) = head.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
        };
        let text = String::from_utf8_lossy(&head[..body_start]).to_ascii_lowercase();
        let len: usize = text
            .lines()
            .find_map(|l| {
                l.strip_prefix("content-length:")
                    .map(|v| v.trim().parse().unwrap())
            })
            .unwrap();
        s.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").unwrap();
        let mut got = head.len() - body_start;
        while got < len {
            let n = s.read(&mut buf).unwrap();
            assert!(n > 0);
            got += n;
        }
        let body = format!(r#"{{"status":0,"size":{got}}}"#);
        write!(
            s,
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
    });
    let path = std::env::temp_dir().join(format!("ultrastream-{}-rss.mwf", std::process::id()));
    std::fs::File::create(&path)
        .unwrap()
        .set_len(64 << 20)
        .unwrap();
    let d = Device::connect(&addr, Options::default()).unwrap();
    std::fs::write("/proc/self/clear_refs", "5").expect("reset VmHWM (Linux >= 4.0)");
    let before = status_kib("VmHWM:");
    let r = d.upload_update_file_reply(&path);
    let peak = status_kib("VmHWM:");
    let _ = std::fs::remove_file(&path);
    let r = r.unwrap();
    assert_eq!(r.result, 0);
    let size = serde_json::from_str::<serde_json::Value>(&r.body).unwrap()["size"]
        .as_u64()
        .unwrap();
    assert!(size > 64 << 20 && size < (64 << 20) + 512, "{size}");
    assert!(
        peak.saturating_sub(before) <= 2048,
        "peak RSS grew by {} KiB during a 64 MiB upload",
        peak - before
    );
}
