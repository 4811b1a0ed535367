//! The streamed firmware upload: progress, cancellation, refusals answered
//! without pushing the body, redirects, and the simulator accepting it.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;
use ultrastream::sim::{Model, SimOptions, Simulator, fake_firmware};
use ultrastream::{Device, Error, Options};

struct TempFile(PathBuf);
impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn temp_file(name: &str, data: &[u8]) -> TempFile {
    let p = std::env::temp_dir().join(format!("ultrastream-{}-{name}", std::process::id()));
    std::fs::write(&p, data).unwrap();
    TempFile(p)
}

/// A sparse file of `len` bytes (zeros), cheap to make at any size.
fn sparse_file(name: &str, len: u64) -> TempFile {
    let p = std::env::temp_dir().join(format!("ultrastream-{}-{name}", std::process::id()));
    let f = std::fs::File::create(&p).unwrap();
    f.set_len(len).unwrap();
    TempFile(p)
}

fn logged_in(sim: &Simulator) -> Device {
    let d = Device::connect(&sim.host(), Options::default()).unwrap();
    d.login("Admin", "Admin").unwrap();
    d
}

#[test]
fn simulator_accepts_the_streamed_upload_with_progress() {
    let sim = Simulator::start(SimOptions::default()).unwrap();
    let d = logged_in(&sim);
    let fw = fake_firmware(Model::Hdmi, "1.9.1");
    let f = temp_file("fw-ok.mwf", &fw);
    let mut reports = Vec::new();
    let r = d
        .upload_update_file_progress(&f.0, &mut |p| {
            reports.push((
                p.operation.to_string(),
                p.phase.to_string(),
                p.done,
                p.total,
                p.percent,
            ));
            ControlFlow::Continue(())
        })
        .unwrap();
    assert_eq!(r.result, 0, "{}", r.body);
    let u: ultrastream::model::UploadReply = r.parse().unwrap();
    assert_eq!(u.version, "1.9.1");
    assert_eq!(u.size as usize, fw.len());
    assert!(reports.len() >= 2, "{reports:?}");
    assert_eq!(reports[0].2, 0);
    let last = reports.last().unwrap();
    assert_eq!(
        (last.2, last.3, last.4),
        (fw.len() as u64, fw.len() as u64, 100)
    );
    for (op, phase, done, total, _) in &reports {
        assert_eq!((op.as_str(), phase.as_str()), ("upload", "uploading"));
        assert!(done <= total);
    }
    assert!(
        reports.windows(2).all(|w| w[0].2 <= w[1].2),
        "done never goes back"
    );
    // The other upload entry points take the same path.
    assert_eq!(d.upload_update_file(&f.0).unwrap().version, "1.9.1");
    assert_eq!(
        d.upload_update_bytes("fw.mwf", &fw).unwrap().version,
        "1.9.1"
    );
    // And the device keeps working on its ordinary connection.
    assert_eq!(d.ping().unwrap().result, 0);
}

#[test]
fn simulator_refusal_by_size_comes_back_without_the_body() {
    // Over the simulator's 64 MiB body cap: it answers 413 to the head.
    let sim = Simulator::start(SimOptions::default()).unwrap();
    let d = logged_in(&sim);
    let f = sparse_file("big.mwf", 65 << 20);
    let mut max_done = 0;
    let err = d
        .upload_update_file_progress(&f.0, &mut |p| {
            max_done = max_done.max(p.done);
            ControlFlow::Continue(())
        })
        .unwrap_err();
    assert!(
        matches!(err, Error::HttpStatus { status: 413, .. }),
        "{err}"
    );
    assert_eq!(max_done, 0, "no body byte was pushed");
}

#[test]
fn empty_and_missing_files_are_refused_locally() {
    let sim = Simulator::start(SimOptions::default()).unwrap();
    let d = logged_in(&sim);
    let f = temp_file("empty.mwf", b"");
    assert_eq!(
        d.upload_update_file(&f.0).unwrap_err().code(),
        ultrastream::model::codes::E_INVALID_ARGUMENT
    );
    let missing = std::env::temp_dir().join("ultrastream-no-such-file.mwf");
    assert_eq!(
        d.upload_update_file(&missing).unwrap_err().code(),
        ultrastream::model::codes::E_FILE
    );
}

/// A scripted device for uploads. `respond(head, body_bytes_so_far)`
/// decides when to answer; after answering it keeps reading (as a device
/// draining the socket would) and counts what still arrives.
struct UploadStub {
    addr: String,
    received: Arc<AtomicU64>,
    heads: Arc<Mutex<Vec<String>>>,
}

#[derive(Clone, Copy)]
enum Mode {
    /// 100 Continue, read the whole body, answer status 0.
    Accept,
    /// Answer this JSON at once, no 100 Continue.
    RefuseAtHead(&'static str),
    /// 100 Continue, read this many body bytes, then answer the JSON.
    RefuseAfter(u64, &'static str),
    /// Answer a 307 to the head.
    Redirect,
}

impl UploadStub {
    fn start(mode: Mode) -> UploadStub {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap().to_string();
        let received = Arc::new(AtomicU64::new(0));
        let heads = Arc::new(Mutex::new(Vec::new()));
        let (rc, hc) = (received.clone(), heads.clone());
        thread::spawn(move || {
            for s in l.incoming() {
                let Ok(s) = s else { continue };
                let (rc, hc) = (rc.clone(), hc.clone());
                thread::spawn(move || serve_upload(s, mode, &rc, &hc));
            }
        });
        UploadStub {
            addr,
            received,
            heads,
        }
    }
}

fn reply(s: &mut TcpStream, status: &str, body: &str, extra: &str) {
    let _ = write!(
        s,
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n{body}",
        body.len()
    );
}

fn serve_upload(mut s: TcpStream, mode: Mode, received: &AtomicU64, heads: &Mutex<Vec<String>>) {
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut buf = Vec::new();
    let mut tmp = vec![0u8; 64 * 1024];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match s.read(&mut tmp) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&tmp[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    heads.lock().unwrap().push(head.clone());
    let len: u64 = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse().unwrap())
        })
        .unwrap_or(0);
    let mut got = (buf.len() - head_end) as u64;
    received.fetch_add(got, Ordering::SeqCst);
    let mut read_more = |s: &mut TcpStream, got: &mut u64, until: u64| {
        while *got < until {
            match s.read(&mut tmp) {
                Ok(0) | Err(_) => return false,
                Ok(n) => {
                    *got += n as u64;
                    received.fetch_add(n as u64, Ordering::SeqCst);
                }
            }
        }
        true
    };
    match mode {
        Mode::Accept => {
            let _ = s.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
            if read_more(&mut s, &mut got, len) {
                reply(
                    &mut s,
                    "200 OK",
                    &format!(r#"{{"status":0,"up-to-date":false,"version":"9.9.9","size":{got}}}"#),
                    "",
                );
            }
        }
        Mode::RefuseAtHead(json) => {
            reply(&mut s, "200 OK", json, "");
            read_more(&mut s, &mut got, u64::MAX);
        }
        Mode::RefuseAfter(n, json) => {
            let _ = s.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
            read_more(&mut s, &mut got, n);
            reply(&mut s, "200 OK", json, "");
            read_more(&mut s, &mut got, u64::MAX);
        }
        Mode::Redirect => {
            reply(
                &mut s,
                "307 Temporary Redirect",
                "",
                "Location: http://elsewhere.example:8080/usapi?method=upload-update-file\r\n",
            );
            read_more(&mut s, &mut got, u64::MAX);
        }
    }
}

fn stub_dev(stub: &UploadStub) -> Device {
    Device::connect(&stub.addr, Options::default()).unwrap()
}

#[test]
fn progress_counts_every_byte_with_content_length_up_front() {
    let stub = UploadStub::start(Mode::Accept);
    let f = sparse_file("progress.mwf", 1_000_003);
    let mut reports = Vec::new();
    let r = stub_dev(&stub)
        .upload_update_file_progress(&f.0, &mut |p| {
            reports.push((p.done, p.total, p.percent));
            ControlFlow::Continue(())
        })
        .unwrap();
    assert_eq!(r.result, 0);
    assert!(reports.len() > 10, "chunked progress: {}", reports.len());
    assert_eq!(reports[0], (0, 1_000_003, 0));
    assert_eq!(*reports.last().unwrap(), (1_000_003, 1_000_003, 100));
    let head = stub.heads.lock().unwrap()[0].to_ascii_lowercase();
    assert!(
        head.starts_with("post /usapi?method=upload-update-file http/1.1\r\n"),
        "{head}"
    );
    assert!(head.contains("expect: 100-continue\r\n"), "{head}");
    assert!(
        head.contains("content-type: multipart/form-data; boundary="),
        "{head}"
    );
    assert!(!head.contains("transfer-encoding"), "{head}");
    let cl: u64 = head
        .lines()
        .find_map(|l| {
            l.strip_prefix("content-length:")
                .map(|v| v.trim().parse().unwrap())
        })
        .unwrap();
    assert_eq!(
        stub.received.load(Ordering::SeqCst),
        cl,
        "exactly Content-Length bytes"
    );
    assert!(cl > 1_000_003 && cl < 1_000_003 + 512);
}

#[test]
fn cancel_stops_the_upload() {
    let stub = UploadStub::start(Mode::Accept);
    let f = sparse_file("cancel.mwf", 8 << 20);
    let mut calls = 0;
    let err = stub_dev(&stub)
        .upload_update_file_progress(&f.0, &mut |p| {
            calls += 1;
            if p.done > 0 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap_err();
    assert!(matches!(err, Error::Cancelled(_)), "{err}");
    assert_eq!(err.code(), ultrastream::model::codes::E_CANCELLED);
    assert_eq!(calls, 2, "no report after the cancel");
    thread::sleep(Duration::from_millis(50)); // let the stub count what it got
    assert!(stub.received.load(Ordering::SeqCst) < 1 << 20);
}

#[test]
fn json_refusal_at_the_head_is_the_devices_answer() {
    let stub = UploadStub::start(Mode::RefuseAtHead(r#"{"status":-9}"#));
    let f = sparse_file("busy.mwf", 16 << 20);
    let mut max_done = 0;
    let err = stub_dev(&stub)
        .upload_update_file_progress(&f.0, &mut |p| {
            max_done = max_done.max(p.done);
            ControlFlow::Continue(())
        })
        .unwrap_err();
    // -9 comes back as errBusy (explained when the status can be read).
    assert_eq!(err.code(), -9, "{err}");
    assert_eq!(max_done, 0);
    assert_eq!(
        stub.received.load(Ordering::SeqCst),
        0,
        "no body byte pushed"
    );
}

#[test]
fn json_refusal_mid_body_stops_sending() {
    let stub = UploadStub::start(Mode::RefuseAfter(256 * 1024, r#"{"status":-15}"#));
    let f = sparse_file("bad.mwf", 64 << 20);
    let err = stub_dev(&stub).upload_update_file(&f.0).unwrap_err();
    assert!(matches!(err, Error::Device { code: -15, .. }), "{err}");
    thread::sleep(Duration::from_millis(50));
    let got = stub.received.load(Ordering::SeqCst);
    assert!(
        got < 16 << 20,
        "sending stopped early: {got} bytes of 64 MiB"
    );
}

#[test]
fn an_upload_redirect_is_an_error_and_not_followed() {
    let stub = UploadStub::start(Mode::Redirect);
    let f = sparse_file("redir.mwf", 1 << 20);
    let err = stub_dev(&stub).upload_update_file(&f.0).unwrap_err();
    match &err {
        Error::Redirect {
            status,
            location_host,
            ..
        } => {
            assert_eq!(*status, 307);
            assert_eq!(location_host, "elsewhere.example:8080");
        }
        other => panic!("{other}"),
    }
    assert_eq!(err.code(), ultrastream::model::codes::E_REDIRECT);
    assert_eq!(stub.heads.lock().unwrap().len(), 1, "sent once");
    assert_eq!(stub.received.load(Ordering::SeqCst), 0);
}
