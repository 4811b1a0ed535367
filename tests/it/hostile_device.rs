//! A hostile device on loopback: stalls, drips, endless chunking, a huge
//! Content-Length, a huge header, HTTP/0.9, resets, garbage. Every call
//! ends with a defined library error within a bound past the request
//! timeout (generous: a loaded machine must pass), nothing crashes or
//! hangs, and the next call on the same handle works.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};
use ultrastream::model::codes;
use ultrastream::{Device, Options};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Hostile {
    Ok,
    /// Read the request, never answer.
    Stall,
    /// The status line and headers one byte every 50 ms, forever.
    DripHead,
    /// A valid head, then the body one byte every 50 ms.
    DripBody,
    /// Chunked, 1-byte chunks without end, as fast as possible.
    EndlessChunks,
    /// Content-Length 100 MB, then data as fast as possible.
    HugeContentLength,
    /// Content-Length 100 MB and a short body, then silence.
    ShortBodyStall,
    /// A 10 MB header line.
    HugeHeader,
    /// Headers without end (small ones, fast).
    EndlessHeaders,
    /// HTTP/0.9: the body with no status line, then close.
    Http09,
    /// Close with a TCP reset right after reading the request.
    Reset,
    /// Close without a word.
    Close,
    /// Random bytes, then close.
    Garbage,
    /// A 1xx status forever (100 Continue repeated).
    EndlessContinue,
}

const CASES: &[Hostile] = &[
    Hostile::Stall,
    Hostile::DripHead,
    Hostile::DripBody,
    Hostile::EndlessChunks,
    Hostile::HugeContentLength,
    Hostile::ShortBodyStall,
    Hostile::HugeHeader,
    Hostile::EndlessHeaders,
    Hostile::Http09,
    Hostile::Reset,
    Hostile::Close,
    Hostile::Garbage,
    Hostile::EndlessContinue,
];

struct Server {
    addr: String,
    mode: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl Server {
    fn start() -> Server {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap().to_string();
        let mode = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (m, st) = (mode.clone(), stop.clone());
        thread::spawn(move || {
            for s in l.incoming() {
                if st.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(s) = s else { continue };
                let (m, st) = (m.clone(), st.clone());
                thread::spawn(move || serve(s, &m, &st));
            }
        });
        Server { addr, mode, stop }
    }
    fn set(&self, h: Hostile) {
        let i = [&[Hostile::Ok][..], CASES]
            .concat()
            .iter()
            .position(|x| *x == h)
            .unwrap();
        self.mode.store(i, Ordering::SeqCst);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(&self.addr);
    }
}

fn read_request(r: &mut BufReader<TcpStream>) -> bool {
    let mut any = false;
    loop {
        let mut line = String::new();
        match r.read_line(&mut line) {
            Ok(0) | Err(_) => return false,
            Ok(_) => {}
        }
        if line == "\r\n" || line == "\n" {
            return any;
        }
        any = true;
    }
}

fn serve(s: TcpStream, mode: &AtomicUsize, stop: &AtomicBool) {
    s.set_read_timeout(Some(Duration::from_secs(30))).ok();
    s.set_write_timeout(Some(Duration::from_secs(30))).ok();
    let mut w = s.try_clone().unwrap();
    let mut r = BufReader::new(s);
    // The client gave up when a write fails; stop then (or at the end).
    let alive =
        |w: &mut TcpStream, b: &[u8]| !stop.load(Ordering::SeqCst) && w.write_all(b).is_ok();
    let forever = Instant::now() + Duration::from_secs(60);
    loop {
        if !read_request(&mut r) {
            return;
        }
        let all = [&[Hostile::Ok][..], CASES].concat();
        let h = all[mode.load(Ordering::SeqCst).min(all.len() - 1)];
        match h {
            Hostile::Ok => {
                let body = r#"{"result":0,"cur-status":16}"#;
                let out = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                );
                if w.write_all(out.as_bytes()).is_err() {
                    return;
                }
                continue;
            }
            Hostile::Stall => {
                let mut b = [0u8; 1];
                // Hold until the client closes.
                let _ = r.read(&mut b);
            }
            Hostile::DripHead => {
                let head = b"HTTP/1.1 200 OK\r\nX-Drip: ".to_vec();
                for &c in head.iter().chain(std::iter::repeat(&b'a')) {
                    if Instant::now() > forever || !alive(&mut w, &[c]) {
                        break;
                    }
                    thread::sleep(Duration::from_millis(50));
                }
            }
            Hostile::DripBody => {
                if alive(
                    &mut w,
                    b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n{\"result\":0",
                ) {
                    while Instant::now() < forever && alive(&mut w, b" ") {
                        thread::sleep(Duration::from_millis(50));
                    }
                }
            }
            Hostile::EndlessChunks => {
                if alive(
                    &mut w,
                    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                ) {
                    let chunk = b"1\r\n \r\n".repeat(1024);
                    while Instant::now() < forever && alive(&mut w, &chunk) {}
                }
            }
            Hostile::HugeContentLength => {
                if alive(
                    &mut w,
                    b"HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n",
                ) {
                    let block = vec![b' '; 64 << 10];
                    while Instant::now() < forever && alive(&mut w, &block) {}
                }
            }
            Hostile::ShortBodyStall => {
                let _ = alive(
                    &mut w,
                    b"HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n{\"re",
                );
                let mut b = [0u8; 1];
                let _ = r.read(&mut b);
            }
            Hostile::HugeHeader => {
                if alive(&mut w, b"HTTP/1.1 200 OK\r\nX-Big: ") {
                    let block = vec![b'a'; 64 << 10];
                    for _ in 0..160 {
                        if !alive(&mut w, &block) {
                            break;
                        }
                    }
                    let _ = alive(&mut w, b"\r\nContent-Length: 2\r\n\r\n{}");
                }
            }
            Hostile::EndlessHeaders => {
                if alive(&mut w, b"HTTP/1.1 200 OK\r\n") {
                    let block = b"X-A: b\r\n".repeat(512);
                    while Instant::now() < forever && alive(&mut w, &block) {}
                }
            }
            Hostile::Http09 => {
                let _ = alive(&mut w, br#"{"result":0,"cur-status":16}"#);
            }
            Hostile::Reset => {
                // SO_LINGER 0: close sends RST.
                libc_linger_zero(r.get_ref());
            }
            Hostile::Close => {}
            Hostile::Garbage => {
                let mut x = 0x1234_5678_9abc_def0u64;
                let bytes: Vec<u8> = (0..4096)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        x as u8
                    })
                    .collect();
                let _ = alive(&mut w, &bytes);
            }
            Hostile::EndlessContinue => {
                while Instant::now() < forever && alive(&mut w, b"HTTP/1.1 100 Continue\r\n\r\n") {
                    thread::sleep(Duration::from_millis(1));
                }
            }
        }
        return; // every hostile mode ends the connection
    }
}

/// Set SO_LINGER {on, 0} so dropping the socket resets the connection.
fn libc_linger_zero(s: &TcpStream) {
    use std::os::fd::AsRawFd;
    #[repr(C)]
    struct Linger {
        l_onoff: i32,
        l_linger: i32,
    }
    let l = Linger {
        l_onoff: 1,
        l_linger: 0,
    };
    unsafe extern "C" {
        fn setsockopt(fd: i32, level: i32, name: i32, val: *const Linger, len: u32) -> i32;
    }
    // SOL_SOCKET 1, SO_LINGER 13 on Linux.
    unsafe {
        setsockopt(
            s.as_raw_fd(),
            1,
            13,
            &l,
            std::mem::size_of::<Linger>() as u32,
        )
    };
    let _ = s.shutdown(std::net::Shutdown::Read);
}

#[test]
fn every_hostile_reply_ends_in_a_defined_error_and_the_next_call_works() {
    let server = Server::start();
    let timeout = Duration::from_millis(1500);
    let d = Device::connect(
        &server.addr,
        Options {
            connect_timeout: Duration::from_secs(2),
            request_timeout: timeout,
            max_reply_bytes: 1 << 20,
            ..Options::default()
        },
    )
    .unwrap();
    let allowed = [
        codes::E_TIMEOUT,
        codes::E_IO,
        codes::E_BAD_REPLY,
        codes::E_REPLY_TOO_LARGE,
        codes::E_CONNECT,
        codes::E_HTTP_STATUS,
    ];
    // Generous: the bound is about hangs, not speed.
    let bound = timeout + Duration::from_secs(20);
    let mut report = Vec::new();
    for &h in CASES {
        server.set(h);
        let start = Instant::now();
        let r = d.call("ping", &[]);
        let took = start.elapsed();
        let err = match r {
            Ok(reply) if h == Hostile::Http09 => {
                // A lenient parser may read HTTP/0.9 as a body: still defined.
                assert_eq!(reply.result, 0);
                None
            }
            Ok(reply) => panic!("{h:?}: a reply came back: {}", reply.body),
            Err(e) => Some(e),
        };
        if let Some(e) = &err {
            assert!(
                allowed.contains(&e.code()),
                "{h:?}: code {} ({e})",
                e.code()
            );
            assert!(!e.to_string().is_empty());
        }
        assert!(took < bound, "{h:?} took {took:?}, more than {bound:?}");
        report.push(format!(
            "{h:?}: {} after {:.2} s",
            err.as_ref().map(|e| codes::name(e.code())).unwrap_or("ok"),
            took.as_secs_f64()
        ));
        // The next call on the same handle works.
        server.set(Hostile::Ok);
        let next = d.call("ping", &[]);
        assert!(next.is_ok(), "{h:?}: the next call failed: {next:?}");
    }
    println!("{}", report.join("\n"));
}
