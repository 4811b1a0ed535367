//! A hostile device speaking raw bytes on loopback, one scripted byte
//! stream per finding of issue 16 (1, 2, 3, 4, 5, 7, 8): endless chunked
//! trailers, a timeout outrun by tiny chunks, interim replies around an
//! upload, a download without bound, a lying Content-Range, lax framing,
//! and replies nobody asked for. Every call ends within its timeout +
//! 100 ms, a hostile call's peak memory stays within 16 MiB of the
//! baseline (measured in a child process: VmHWM of /proc/self/status),
//! malformed framing is an error (never 0), and no stray reply reaches a
//! later call.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};
use ultrastream::model::codes;
use ultrastream::ops::RunOptions;
use ultrastream::{Device, Options};

/// How far past its timeout a call may end.
const SLACK: Duration = Duration::from_millis(100);

/// A device on 127.0.0.1 that runs `script(connection number, stream)` on
/// a thread per accepted connection. Returns its `host:port`.
fn device<F>(script: F) -> String
where
    F: Fn(usize, TcpStream) + Send + Sync + 'static,
{
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    let script = Arc::new(script);
    let n = Arc::new(AtomicUsize::new(0));
    thread::spawn(move || {
        for s in l.incoming() {
            let Ok(s) = s else { continue };
            let (script, i) = (script.clone(), n.fetch_add(1, Ordering::SeqCst));
            thread::spawn(move || {
                s.set_read_timeout(Some(Duration::from_secs(20))).ok();
                s.set_write_timeout(Some(Duration::from_secs(20))).ok();
                script(i, s)
            });
        }
    });
    addr
}

/// One request head (and its body when it has a Content-Length and
/// `Expect: 100-continue` is not asked), as text. None: the client left.
fn request(s: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match s.read(&mut b) {
            Ok(1) => head.push(b[0]),
            _ => return None,
        }
    }
    Some(String::from_utf8_lossy(&head).into_owned())
}

/// The body announced by a request head.
fn body(s: &mut TcpStream, head: &str) -> Option<Vec<u8>> {
    let n: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .and_then(|v| v.trim().parse().ok())?;
    let mut v = vec![0u8; n];
    s.read_exact(&mut v).ok()?;
    Some(v)
}

fn json_reply(body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Write `block` again and again until the client leaves, `cap` bytes
/// went out, or 30 s passed.
fn flood(s: &mut TcpStream, block: &[u8], cap: usize) {
    let end = Instant::now() + Duration::from_secs(30);
    let mut sent = 0;
    while sent < cap && Instant::now() < end && s.write_all(block).is_ok() {
        sent += block.len();
    }
    // Hold the connection open: the client must end the call on its own.
    let mut b = [0u8; 64];
    while Instant::now() < end && matches!(s.read(&mut b), Ok(n) if n > 0) {}
}

fn dev(addr: &str, timeout: Duration) -> Device {
    Device::connect(
        addr,
        Options {
            connect_timeout: Duration::from_secs(2),
            request_timeout: timeout,
            upload_timeout: timeout,
            ..Options::default()
        },
    )
    .unwrap()
}

/// Run `f`, and check it ended within `timeout` + `SLACK`.
fn timed<T>(what: &str, timeout: Duration, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let r = f();
    let took = start.elapsed();
    assert!(
        took <= timeout + SLACK,
        "{what}: took {took:?}, more than {timeout:?} + {SLACK:?}"
    );
    r
}

struct TempPath(PathBuf);
impl Drop for TempPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn temp(name: &str) -> TempPath {
    TempPath(std::env::temp_dir().join(format!(
        "ultrastream-hostile-http-{}-{name}",
        std::process::id()
    )))
}

// ---- Finding 1: chunked trailers without end ---------------------------

/// A valid chunked reply to every request, then 57-byte trailer lines
/// (up to 96 MiB, then silence with the connection held open).
fn trailer_flood() -> String {
    device(|_, mut s| {
        let Some(head) = request(&mut s) else { return };
        if head.contains("Expect: 100-continue") {
            let _ = s.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
            let _ = body(&mut s, &head);
        }
        let start =
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nc\r\n{\"result\":0}\r\n0\r\n";
        if s.write_all(start).is_err() {
            return;
        }
        let line = b"X-Trailer-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
        assert_eq!(line.len(), 57);
        flood(&mut s, &line.repeat(1024), 96 << 20);
    })
}

/// Peak resident memory (VmHWM) of this process, in KiB.
fn vm_hwm_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/self/status (Linux)")
}

/// In a child process (this test binary again, one test, one thread):
/// the hostile call `case`, printing the growth of peak RSS. Returns
/// (growth in KiB, how long the call took, what it returned).
fn rss_in_child(case: &str) -> (u64, Duration, String) {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "hostile_http::hostile_calls_memory",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("HOSTILE_HTTP_CHILD", case)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "child {case} failed: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let grew = text
        .lines()
        .find_map(|l| l.strip_prefix("HWM_GROWTH_KIB="))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("child {case} printed no measurement: {text}"));
    let took = text
        .lines()
        .find_map(|l| l.strip_prefix("TOOK_MS="))
        .and_then(|v| v.trim().parse().ok())
        .map(Duration::from_millis)
        .unwrap_or_else(|| panic!("child {case} printed no time: {text}"));
    let result = text
        .lines()
        .find_map(|l| l.strip_prefix("RESULT="))
        .unwrap_or("")
        .to_string();
    (grew, took, result)
}

/// The child's part: the hostile call `case`, printing the growth of peak
/// RSS and what the call returned.
fn child(case: &str) {
    let timeout = Duration::from_secs(2);
    let addr = match case {
        "tiny chunks" => tiny_chunks(),
        _ => trailer_flood(),
    };
    let d = dev(&addr, timeout);
    let fw = temp("flood.mwf");
    std::fs::write(&fw.0, vec![0x5a; 64 * 1024]).unwrap();
    let base = vm_hwm_kib();
    let start = Instant::now();
    let r = match case {
        "get-status" | "tiny chunks" => d.call("get-status", &[]).map(|r| r.result),
        "upload" => d
            .upload_update_file_progress(&fw.0, &mut |_| ControlFlow::Continue(()))
            .map(|r| r.result),
        other => panic!("unknown case {other}"),
    };
    let took = start.elapsed();
    println!("\nHWM_GROWTH_KIB={}", vm_hwm_kib().saturating_sub(base));
    println!("TOOK_MS={}", took.as_millis());
    println!(
        "RESULT={}",
        r.map_or_else(|e| format!("error {} {e}", e.code()), |c| format!("ok {c}"))
    );
}

/// Run as a test, this starts itself again as a child process per case
/// (`HOSTILE_HTTP_CHILD` set), where the call runs alone: endless
/// trailers after a get-status and after an upload, and a 3 MiB chunk
/// followed by endless 1-byte chunks.
#[test]
fn hostile_calls_memory() {
    if let Ok(case) = std::env::var("HOSTILE_HTTP_CHILD") {
        child(&case);
        return;
    }
    let timeout = Duration::from_secs(2);
    let mut failed = Vec::new();
    for case in ["get-status", "upload", "tiny chunks"] {
        let (grew, took, result) = rss_in_child(case);
        println!("{case}: peak RSS grew {grew} KiB in {took:?}; {result}");
        if grew > 16 * 1024 {
            failed.push(format!("{case}: peak RSS grew {grew} KiB (> 16 MiB)"));
        }
        if took > timeout + SLACK {
            failed.push(format!(
                "{case}: took {took:?}, more than {timeout:?} + {SLACK:?}"
            ));
        }
        if !result.starts_with("error") {
            failed.push(format!("{case}: {result}"));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

// ---- Finding 2: timeouts outrun -----------------------------------------

/// A 3 MiB chunk, then 1-byte chunks without end.
fn tiny_chunks() -> String {
    device(|_, mut s| {
        if request(&mut s).is_none() {
            return;
        }
        let mut out = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n300000\r\n".to_vec();
        out.extend(std::iter::repeat_n(b' ', 0x30_0000));
        out.extend_from_slice(b"\r\n");
        if s.write_all(&out).is_ok() {
            flood(&mut s, &b"1\r\n \r\n".repeat(4096), usize::MAX);
        }
    })
}

#[test]
fn tiny_chunks_after_a_large_one_end_within_the_timeout() {
    let addr = tiny_chunks();
    let timeout = Duration::from_secs(1);
    let d = dev(&addr, timeout);
    let r = timed("tiny chunks", timeout, || d.call("get-status", &[]));
    let e = r.expect_err("an endless reply is an error");
    assert!(
        [codes::E_TIMEOUT, codes::E_REPLY_TOO_LARGE].contains(&e.code()),
        "{e}"
    );
}

#[test]
fn content_length_beside_chunked_is_refused_at_once() {
    let addr = device(|_, mut s| {
        if request(&mut s).is_none() {
            return;
        }
        let head =
            b"HTTP/1.1 200 OK\r\nContent-Length: 4000000\r\nTransfer-Encoding: chunked\r\n\r\n";
        if s.write_all(head).is_ok() {
            flood(&mut s, &b"1\r\n \r\n".repeat(4096), usize::MAX);
        }
    });
    let timeout = Duration::from_secs(1);
    let d = dev(&addr, timeout);
    let e = timed("CL + chunked", timeout, || d.call("get-status", &[]))
        .expect_err("Content-Length with chunked is an error");
    assert_eq!(e.code(), codes::E_BAD_REPLY, "{e}");
}

// ---- Finding 3: interim replies around an upload ------------------------

/// A device that takes the upload whole, with `before_body` and
/// `after_body` written around reading the body, then answers 200.
fn upload_device(before_body: &'static [u8], delay: Duration, after_body: &'static [u8]) -> String {
    device(move |_, mut s| {
        let Some(head) = request(&mut s) else { return };
        thread::sleep(delay);
        let _ = s.write_all(before_body);
        if body(&mut s, &head).is_none() {
            return;
        }
        let _ = s.write_all(after_body);
        let _ = s.write_all(&json_reply(r#"{"status":0}"#));
    })
}

#[test]
fn upload_with_a_late_100_continue_succeeds() {
    // The client stops waiting for 100 after 1 s and sends the body; the
    // 100 comes after that, then the final answer.
    let addr = upload_device(
        b"HTTP/1.1 100 Continue\r\n\r\n",
        Duration::from_millis(1300),
        b"",
    );
    let d = dev(&addr, Duration::from_secs(10));
    let r = d.upload_update_bytes_reply("fw.mwf", &[7u8; 100_000]);
    assert_eq!(
        r.expect("the device took the file and answered 200").result,
        0
    );
}

#[test]
fn upload_with_102_after_the_body_succeeds() {
    let addr = upload_device(
        b"HTTP/1.1 100 Continue\r\n\r\n",
        Duration::ZERO,
        b"HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n",
    );
    let d = dev(&addr, Duration::from_secs(10));
    let r = d.upload_update_bytes_reply("fw.mwf", &[7u8; 100_000]);
    assert_eq!(r.expect("interim replies are skipped").result, 0);
}

// ---- Findings 4 and 5: downloads ----------------------------------------

const LISTED: usize = 1000;

fn content() -> Vec<u8> {
    (0..LISTED).map(|i| (i * 7 % 251) as u8).collect()
}

/// A device whose get-media-files lists `a.mp4` at 1000 bytes, and whose
/// download path runs `download(range start, stream)`.
fn media_device(download: fn(Option<u64>, &mut TcpStream)) -> String {
    device(move |_, mut s| {
        while let Some(head) = request(&mut s) {
            if head.starts_with("GET /usapi?method=get-media-files") {
                let list = format!(
                    r#"{{"result":0,"path":"/sd/rec","thumbnail":"thumb","media-files":[{{"name":"a.mp4","thumbnail-name":"a","status":1,"size-bytes":{LISTED}}}]}}"#
                );
                if s.write_all(&json_reply(&list)).is_err() {
                    return;
                }
            } else if head.starts_with("GET /download/") {
                let range = head
                    .lines()
                    .find_map(|l| l.strip_prefix("Range: bytes="))
                    .and_then(|v| v.trim_end_matches('-').parse().ok());
                download(range, &mut s);
                return;
            } else {
                let _ = s.write_all(&json_reply(r#"{"result":0}"#));
            }
        }
    })
}

fn download(addr: &str, dest: &TempPath) -> ultrastream::Result<u64> {
    let d = dev(addr, Duration::from_secs(5));
    let opts = RunOptions {
        timeout: Some(Duration::from_secs(5)),
        ..RunOptions::default()
    };
    d.download_media(1, "a.mp4", &dest.0, &opts, &mut |_| {
        ControlFlow::Continue(())
    })
}

#[test]
fn a_download_never_writes_past_the_listed_size() {
    // 200 without a length, then 20 MiB and close.
    let addr = media_device(|_, s| {
        if s.write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
            .is_ok()
        {
            let block = vec![b'x'; 64 * 1024];
            for _ in 0..320 {
                if s.write_all(&block).is_err() {
                    break;
                }
            }
        }
    });
    let dest = temp("unbounded.mp4");
    let r = download(&addr, &dest);
    let len = std::fs::metadata(&dest.0).map(|m| m.len()).unwrap_or(0);
    assert!(
        len <= LISTED as u64,
        "{len} bytes written for a {LISTED}-byte file"
    );
    assert!(r.is_err(), "a longer file than listed is an error: {r:?}");

    // An announced length past the listing: nothing is written.
    let addr = media_device(|_, s| {
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n");
        let _ = s.write_all(&[b'y'; 5000]);
    });
    let dest = temp("too-long.mp4");
    let r = download(&addr, &dest);
    let len = std::fs::metadata(&dest.0).map(|m| m.len()).unwrap_or(0);
    assert!(r.is_err() && len <= LISTED as u64, "{r:?}, {len} bytes");
}

#[test]
fn a_resume_with_a_wrong_content_range_starts_again_from_zero() {
    // Asked for bytes=500-, the device answers with the first half again
    // (Content-Range 0-499/1000); asked without a range, the whole file.
    let addr = media_device(|range, s| {
        let c = content();
        match range {
            Some(_) => {
                let mut out = format!(
                    "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-499/{LISTED}\r\nContent-Length: 500\r\n\r\n"
                )
                .into_bytes();
                out.extend_from_slice(&c[..500]);
                let _ = s.write_all(&out);
            }
            None => {
                let mut out =
                    format!("HTTP/1.1 200 OK\r\nContent-Length: {LISTED}\r\n\r\n").into_bytes();
                out.extend_from_slice(&c);
                let _ = s.write_all(&out);
            }
        }
    });
    let dest = temp("resume.mp4");
    std::fs::write(&dest.0, &content()[..500]).unwrap();
    let r = download(&addr, &dest);
    let got = std::fs::read(&dest.0).unwrap();
    match r {
        Ok(n) => {
            assert_eq!(n, LISTED as u64);
            assert!(got == content(), "rc 0 with a wrong file");
        }
        Err(e) => panic!("the whole file was there to fetch again: {e}"),
    }

    // A range that does not total the listed size is refused too.
    let addr = media_device(|range, s| {
        let c = content();
        let out = match range {
            Some(from) => {
                let mut o = format!(
                    "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes {from}-{}/2000\r\nContent-Length: {}\r\n\r\n",
                    LISTED - 1,
                    LISTED as u64 - from
                )
                .into_bytes();
                o.extend_from_slice(&c[from as usize..]);
                o
            }
            None => {
                let mut o =
                    format!("HTTP/1.1 200 OK\r\nContent-Length: {LISTED}\r\n\r\n").into_bytes();
                o.extend_from_slice(&c);
                o
            }
        };
        let _ = s.write_all(&out);
    });
    let dest = temp("resume-total.mp4");
    std::fs::write(&dest.0, &content()[..500]).unwrap();
    // The data happens to be right, but the range claims another file:
    // fetched again from 0 (and right).
    assert_eq!(download(&addr, &dest).unwrap(), LISTED as u64);
    assert!(std::fs::read(&dest.0).unwrap() == content());
}

// ---- Finding 7: lax framing ---------------------------------------------

#[test]
fn lax_framing_is_an_error_never_a_result() {
    let cases: &[(&str, &[u8])] = &[
        (
            "Content-Length: +12",
            b"HTTP/1.1 200 OK\r\nContent-Length: +12\r\n\r\n{\"result\":0}",
        ),
        (
            "chunk size +c",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n+c\r\n{\"result\":0}\r\n0\r\n\r\n",
        ),
        (
            "gzip, chunked",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\nc\r\n{\"result\":0}\r\n0\r\n\r\n",
        ),
        (
            "two Content-Lengths",
            b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\nContent-Length: 13\r\n\r\n{\"result\":0} ",
        ),
        (
            "chunk without CRLF",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nc\r\n{\"result\":0}XX0\r\n\r\n",
        ),
    ];
    for &(what, reply) in cases {
        let addr = device(move |_, mut s| {
            if request(&mut s).is_some() {
                let _ = s.write_all(reply);
                let mut b = [0u8; 16];
                let _ = s.read(&mut b);
            }
        });
        let timeout = Duration::from_secs(2);
        let d = dev(&addr, timeout);
        let r = timed(what, timeout, || d.call("get-status", &[]));
        let e = r.expect_err(what);
        assert_eq!(e.code(), codes::E_BAD_REPLY, "{what}: {e}");
    }
}

// ---- Finding 8: replies nobody asked for --------------------------------

/// Each request is answered with its sequence number; the first one also
/// with a second reply, `stray`, after `gap`.
fn two_replies_device(gap: Duration) -> String {
    let seq = Arc::new(AtomicUsize::new(0));
    device(move |_, mut s| {
        while request(&mut s).is_some() {
            let n = seq.fetch_add(1, Ordering::SeqCst);
            let _ = s.write_all(&json_reply(&format!(r#"{{"result":0,"n":{n}}}"#)));
            if n == 0 {
                thread::sleep(gap);
                let _ = s.write_all(&json_reply(r#"{"result":0,"stray":true}"#));
            }
        }
    })
}

#[test]
fn a_second_reply_to_one_request_never_reaches_the_next_call() {
    for gap in [Duration::ZERO, Duration::from_millis(30)] {
        let addr = two_replies_device(gap);
        let d = dev(&addr, Duration::from_secs(2));
        let first = d.call("get-status", &[]).unwrap();
        assert!(first.body.contains(r#""n":0"#), "{}", first.body);
        // The stray reply is on its way or in: the next call must not get it.
        thread::sleep(gap + Duration::from_millis(100));
        for _ in 0..3 {
            let r = d.call("get-status", &[]).unwrap();
            assert!(
                !r.body.contains("stray"),
                "gap {gap:?}: a stray reply came back: {}",
                r.body
            );
        }
    }
}

#[test]
fn a_reply_before_the_request_never_reaches_a_call() {
    // Every connection is answered at once, before any request, with a
    // reply carrying "early"; requests then get their own reply.
    let addr = device(|_, mut s| {
        if s.write_all(&json_reply(r#"{"result":0,"early":true}"#))
            .is_err()
        {
            return;
        }
        while request(&mut s).is_some() {
            if s.write_all(&json_reply(r#"{"result":0,"asked":true}"#))
                .is_err()
            {
                return;
            }
        }
    });
    let d = dev(&addr, Duration::from_secs(2));
    // The early reply races the request unless it is in before the peek
    // of the new connection: give it that time. (Arriving after the
    // request went out, it is a reply within one round trip, which no
    // HTTP/1.1 client can tell from the real one: see docs/http.md.)
    ultrastream::fuzzing::pause_after_connect(Some(Duration::from_millis(150)));
    for i in 0..6 {
        match d.call("get-status", &[]) {
            Ok(r) => assert!(
                !r.body.contains("early"),
                "call {i}: the early reply came back: {}",
                r.body
            ),
            Err(e) => assert_eq!(e.code(), codes::E_BAD_REPLY, "call {i}: {e}"),
        }
    }
}

#[test]
fn a_connection_reset_after_its_reply_is_replaced_before_reuse() {
    // Each connection answers one request (keep-alive) and then resets.
    let addr = device(|_, mut s| {
        if request(&mut s).is_some() {
            let _ = s.write_all(&json_reply(r#"{"result":0}"#));
            thread::sleep(Duration::from_millis(20));
            linger_zero(&s);
            let _ = s.shutdown(Shutdown::Read);
        }
    });
    let d = dev(&addr, Duration::from_secs(2));
    for i in 0..5 {
        let r = d.call("get-status", &[]);
        assert_eq!(r.map(|r| r.result).ok(), Some(0), "call {i}");
        thread::sleep(Duration::from_millis(80));
    }
}

/// SO_LINGER {on, 0}: dropping the socket resets the connection.
fn linger_zero(s: &TcpStream) {
    use std::os::fd::AsRawFd;
    #[repr(C)]
    struct Linger {
        l_onoff: i32,
        l_linger: i32,
    }
    unsafe extern "C" {
        fn setsockopt(fd: i32, level: i32, name: i32, val: *const Linger, len: u32) -> i32;
    }
    let l = Linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SOL_SOCKET 1, SO_LINGER 13 on Linux.
    // SAFETY: a valid socket and a properly sized option value.
    unsafe {
        setsockopt(
            s.as_raw_fd(),
            1,
            13,
            &l,
            std::mem::size_of::<Linger>() as u32,
        )
    };
}

// ---- Every endless or slow stream ends within the timeout ---------------

#[test]
fn every_endless_stream_ends_within_the_timeout() {
    // (name, what is sent first, what is repeated, the pause between repeats)
    let cases: &[(&str, &[u8], &[u8], u64)] = &[
        ("silence", b"", b"", 0),
        (
            "head byte by byte",
            b"HTTP/1.1 200 OK\r\nX-Drip: ",
            b"a",
            20,
        ),
        (
            "body byte by byte",
            b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n{",
            b" ",
            20,
        ),
        (
            "endless 1-byte chunks",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"1\r\n \r\n",
            0,
        ),
        (
            "slow 1-byte chunks",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"1\r\n \r\n",
            10,
        ),
        (
            "endless interim replies",
            b"",
            b"HTTP/1.1 102 Processing\r\n\r\n",
            5,
        ),
        (
            "slow trailers",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n{\r\n0\r\n",
            b"X: y\r\n",
            30,
        ),
        (
            "endless chunk extension",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;",
            b"a",
            0,
        ),
        (
            "body until close, slowly",
            b"HTTP/1.1 200 OK\r\n\r\n{",
            b" ",
            10,
        ),
    ];
    // One at a time: the floods compete for the CPU with the other calls.
    let timeout = Duration::from_millis(500);
    let runs = cases.iter().map(|&(name, first, unit, pause)| {
        let addr = device(move |_, mut s| {
            if request(&mut s).is_none() || s.write_all(first).is_err() {
                return;
            }
            let end = Instant::now() + Duration::from_secs(30);
            let block = if pause == 0 {
                unit.repeat(4096)
            } else {
                unit.to_vec()
            };
            while Instant::now() < end && (block.is_empty() || s.write_all(&block).is_ok()) {
                thread::sleep(Duration::from_millis(pause.max(1)));
                if block.is_empty() && matches!(s.read(&mut [0u8; 1]), Ok(0)) {
                    return;
                }
            }
        });
        let d = dev(&addr, timeout);
        let start = Instant::now();
        let r = d.call("get-status", &[]);
        (name, start.elapsed(), r.map(|r| r.body))
    });
    let mut failed = Vec::new();
    for (name, took, r) in runs {
        println!("{name}: {took:?}, {:?}", r.as_ref().map_err(|e| e.code()));
        if took > timeout + SLACK {
            failed.push(format!("{name}: took {took:?}"));
        }
        if let Ok(body) = r {
            failed.push(format!("{name}: a reply came back: {body}"));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}
