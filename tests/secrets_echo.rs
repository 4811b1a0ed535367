//! A device (or proxy) that echoes every request back — query, headers
//! and body — in every kind of reply that leads to an error path: no
//! secret the library sent (password hashes, stream key, server password,
//! token, access-point password, session id) ever appears in
//! `usapi_last_error()` or a Rust error message.

use std::ffi::{CStr, CString, c_char};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::ptr::{null, null_mut};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;
use ultrastream::ffi::*;
use ultrastream::{Device, Options, md5_hex};

const SID: &str = "S1D0123456789abcdefsecretsession";
const PASSWORD: &str = "login-Pw-7788";
const NEW_PASSWORD: &str = "new-Pw-5566";
const KEY: &str = "streamKEY-live+01/xyz";
const SERVER_PASSWD: &str = "srvPASS-9876q";
const TOKEN: &str = "tokABCDEFGH555";
const AP_PASS: &str = "apPASS 4444x";

/// Every way a reply can fail, each carrying the whole request.
#[derive(Clone, Copy, Debug)]
enum Mode {
    /// Log in, answer 0 with the session cookie.
    Ok,
    BadJson,
    ResultString,
    ResultObject,
    HttpStatus,
    ReasonPhrase,
    Oversize,
    RedirectAway,
    RedirectRelative,
    BadHeader,
    BadStatusLine,
    Http09,
    BadChunk,
    TypedFieldWrong,
    LongStringField,
    NeedAuthThenEcho,
    SetCookieEcho,
    NotUtf8,
    /// A device that knows the passwords (it stores them) answers with the
    /// plain password it recognises by its hash in the request (finding 9).
    PlainResult,
    PlainResultObject,
    PlainHtml,
    PlainReason,
    PlainStatus,
}

/// The modes that answer with a plain password: only calls given one can
/// scrub it (the library never stores a plain password).
const PLAIN_MODES: &[Mode] = &[
    Mode::PlainResult,
    Mode::PlainResultObject,
    Mode::PlainHtml,
    Mode::PlainReason,
    Mode::PlainStatus,
];

fn all_modes() -> Vec<Mode> {
    [&[Mode::Ok][..], MODES, PLAIN_MODES].concat()
}

const MODES: &[Mode] = &[
    Mode::BadJson,
    Mode::ResultString,
    Mode::ResultObject,
    Mode::HttpStatus,
    Mode::ReasonPhrase,
    Mode::Oversize,
    Mode::RedirectAway,
    Mode::RedirectRelative,
    Mode::BadHeader,
    Mode::BadStatusLine,
    Mode::Http09,
    Mode::BadChunk,
    Mode::TypedFieldWrong,
    Mode::LongStringField,
    Mode::NeedAuthThenEcho,
    Mode::SetCookieEcho,
    Mode::NotUtf8,
];

struct EchoDevice {
    addr: String,
    mode: Arc<AtomicUsize>,
}

impl EchoDevice {
    fn start() -> EchoDevice {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().unwrap().to_string();
        let mode = Arc::new(AtomicUsize::new(0));
        let m = mode.clone();
        thread::spawn(move || {
            for s in listener.incoming() {
                let Ok(s) = s else { continue };
                let m = m.clone();
                thread::spawn(move || serve(s, &m));
            }
        });
        EchoDevice { addr, mode }
    }
    fn set(&self, mode: Mode) {
        let i = all_modes()
            .iter()
            .position(|m| std::mem::discriminant(m) == std::mem::discriminant(&mode))
            .unwrap();
        self.mode.store(i, Ordering::SeqCst);
    }
}

fn serve(stream: TcpStream, mode: &AtomicUsize) {
    stream.set_read_timeout(Some(Duration::from_secs(20))).ok();
    let mut w = stream.try_clone().unwrap();
    let mut r = BufReader::new(stream);
    let mut need_auth_sent = false;
    loop {
        // The whole request, as text.
        let mut head = String::new();
        loop {
            let mut line = String::new();
            if r.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let end = line == "\r\n" || line == "\n";
            head.push_str(&line);
            if end {
                break;
            }
        }
        let len = head
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("content-length")
                    .then(|| v.trim().parse::<usize>().ok())?
            })
            .unwrap_or(0);
        if head.to_ascii_lowercase().contains("expect: 100-continue")
            && w.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").is_err()
        {
            return;
        }
        let mut body = vec![0; len];
        if r.read_exact(&mut body).is_err() {
            return;
        }
        let echo = format!("{head}{}", String::from_utf8_lossy(&body));
        let all = all_modes();
        // The plain password whose hash the request carries (the last one:
        // ch-password sends the old, then the new).
        let plain = [PASSWORD, NEW_PASSWORD]
            .into_iter()
            .filter_map(|p| echo.rfind(&md5_hex(p)).map(|at| (at, p)))
            .max()
            .map(|(_, p)| p)
            .unwrap_or("no-password-in-this-request");
        let plain_json = serde_json::to_string(plain).unwrap();
        let m = all[mode.load(Ordering::SeqCst).min(all.len() - 1)];
        let json_echo = serde_json::to_string(&echo).unwrap();
        let one_line: String = echo
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let mut enc = String::new();
        ultrastream::client::percent_encode(&echo, &mut enc);
        let reply = |status: &str, extra: &str, body: &str| {
            format!(
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\n{extra}Content-Length: {}\r\n\r\n{body}",
                body.len()
            )
            .into_bytes()
        };
        let out: Vec<u8> = match m {
            Mode::Ok => reply(
                "200 OK",
                &format!("Set-Cookie: sid={SID}; path=/\r\n"),
                r#"{"result":0}"#,
            ),
            Mode::BadJson => reply("200 OK", "", &format!("<html>{echo}")),
            Mode::ResultString => reply("200 OK", "", &format!(r#"{{"result":{json_echo}}}"#)),
            Mode::ResultObject => reply(
                "200 OK",
                "",
                &format!(r#"{{"result":{{"echo":{json_echo}}}}}"#),
            ),
            Mode::HttpStatus => reply("500 Internal Server Error", "", &echo),
            Mode::ReasonPhrase => reply(&format!("403 {one_line}"), "", "{}"),
            Mode::Oversize => reply("200 OK", "", &echo.repeat(2000)),
            Mode::RedirectAway => reply(
                "302 Found",
                &format!("Location: http://127.0.0.1:1/{enc}?{enc}\r\n"),
                &echo,
            ),
            Mode::RedirectRelative => {
                reply("301 Moved", &format!("Location: /usapi?{enc}\r\n"), &echo)
            }
            Mode::BadHeader => reply("200 OK", &format!("{one_line}\r\n"), r#"{"result":0}"#),
            Mode::BadStatusLine => format!("HTTP/1.1 2x0 {one_line}\r\n\r\n").into_bytes(),
            Mode::Http09 => echo.clone().into_bytes(),
            Mode::BadChunk => format!(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n{one_line}\r\n{echo}\r\n"
            )
            .into_bytes(),
            Mode::TypedFieldWrong => reply(
                "200 OK",
                "",
                &format!(
                    r#"{{"result":0,"cur-status":{json_echo},"rec-status":{{"result":{json_echo}}},"live-status":{json_echo},"disk-test":{json_echo},"eth":{json_echo}}}"#
                ),
            ),
            Mode::LongStringField => reply(
                "200 OK",
                "",
                &format!(
                    r#"{{"result":0,"cur-status":1,"ip-addr":{json_echo},"eth":{{"ip-addr":{json_echo},"mac-addr":{json_echo}}},"name":{json_echo},"version":{json_echo}}}"#
                ),
            ),
            Mode::NeedAuthThenEcho => {
                if need_auth_sent {
                    reply("200 OK", "", &format!("{{{json_echo}"))
                } else {
                    need_auth_sent = true;
                    reply("200 OK", "", r#"{"result":-17}"#)
                }
            }
            Mode::SetCookieEcho => reply(
                "200 OK",
                &format!("Set-Cookie: sid={enc}; path=/\r\n"),
                &format!(r#"{{"result":-36,"msg":{json_echo}}}"#),
            ),
            Mode::PlainResult => reply("200 OK", "", &format!(r#"{{"result":{plain_json}}}"#)),
            Mode::PlainResultObject => reply(
                "200 OK",
                "",
                &format!(r#"{{"result":{{{plain_json}:{plain_json}}}}}"#),
            ),
            Mode::PlainHtml => reply("200 OK", "", &format!("<html>{plain}</html>")),
            Mode::PlainReason => reply(&format!("403 {plain}"), "", "{}"),
            Mode::PlainStatus => reply("200 OK", "", &format!(r#"{{"status":{plain_json}}}"#)),
            Mode::NotUtf8 => {
                let mut b = reply("200 OK", "", "");
                // Rewrite with a non-UTF-8 body that still carries the echo.
                b.clear();
                let mut body = b"\xff\xfe".to_vec();
                body.extend_from_slice(echo.as_bytes());
                b.extend_from_slice(
                    format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len()).as_bytes(),
                );
                b.extend_from_slice(&body);
                b
            }
        };
        if w.write_all(&out).is_err() {
            return;
        }
        if matches!(m, Mode::BadStatusLine | Mode::Http09 | Mode::BadChunk) {
            return; // close: the reply ends with the connection
        }
    }
}

/// Every secret in every form it might be echoed in.
fn secrets() -> Vec<String> {
    let mut v = vec![SID.to_string()];
    for p in [PASSWORD, NEW_PASSWORD, KEY, SERVER_PASSWD, TOKEN, AP_PASS] {
        v.push(p.to_string());
        v.push(md5_hex(p));
        let mut e = String::new();
        ultrastream::client::percent_encode(p, &mut e);
        v.push(e);
    }
    v
}

fn assert_clean(what: &str, msg: &str) {
    let lower = msg.to_ascii_lowercase();
    for s in secrets() {
        // The whole value, and any 8-character piece of it.
        let s = s.to_ascii_lowercase();
        let pieces: Vec<&str> = if s.len() > 8 {
            (0..=s.len() - 8)
                .filter(|i| s.is_char_boundary(*i) && s.is_char_boundary(i + 8))
                .map(|i| &s[i..i + 8])
                .collect()
        } else {
            vec![s.as_str()]
        };
        for p in pieces {
            assert!(
                !lower.contains(p),
                "{what}: the message carries a piece of a secret ({p}): {msg}"
            );
        }
    }
    assert!(msg.len() <= 1100, "{what}: message of {} bytes", msg.len());
}

fn last_error() -> String {
    unsafe { CStr::from_ptr(usapi_last_error()) }
        .to_string_lossy()
        .into_owned()
}

fn options() -> usapi_options {
    usapi_options {
        connect_timeout_ms: 2000,
        request_timeout_ms: 5000,
        upload_timeout_ms: 5000,
        max_reply_bytes: 64 << 10,
        skip_validation: 0,
    }
}

fn c(s: &str) -> CString {
    CString::new(s).unwrap()
}

/// Every C call that sends a secret (and get-status, which sends the sid).
fn c_calls(dev: usapi_device) -> Vec<(&'static str, i32)> {
    let (pw, npw, key, spw, tok, ap) = (
        c(PASSWORD),
        c(NEW_PASSWORD),
        c(KEY),
        c(SERVER_PASSWD),
        c(TOKEN),
        c(AP_PASS),
    );
    let (admin, name, url) = (c("Admin"), c("Box"), c("rtmp://127.0.0.1/live"));
    let server = usapi_server {
        server_type: 0,
        name: name.as_ptr(),
        url: url.as_ptr(),
        key: key.as_ptr(),
        is_auth: 1,
        user: admin.as_ptr(),
        passwd: spw.as_ptr(),
        token: tok.as_ptr(),
        net_mode: 1,
    };
    let mut out: *mut c_char = null_mut();
    let o = &mut out as *mut *mut c_char;
    let mut summary = std::mem::MaybeUninit::<usapi_status_summary>::zeroed();
    let mut ping = std::mem::MaybeUninit::<usapi_ping_result>::zeroed();
    let params = c(&format!(
        r#"{{"type":0,"name":"Box","url":"rtmp://127.0.0.1/live","key":"{KEY}","is-auth":1,"user":"Admin","passwd":"{SERVER_PASSWD}","token":"{TOKEN}","net-mode":1}}"#
    ));
    let method = c("add-server");
    let fw = c("fw.mwf");
    let calls: Vec<(&'static str, i32)> = unsafe {
        vec![
            ("login", usapi_login(dev, admin.as_ptr(), pw.as_ptr())),
            (
                "login_md5",
                usapi_login_md5(dev, admin.as_ptr(), c(&md5_hex(PASSWORD)).as_ptr()),
            ),
            ("get_status", usapi_get_status(dev, o)),
            (
                "status_summary",
                usapi_get_status_summary(dev, summary.as_mut_ptr()),
            ),
            ("ping_status", usapi_ping_status(dev, ping.as_mut_ptr())),
            ("add_server", usapi_add_server(dev, &server, o)),
            ("set_server", usapi_set_server(dev, 0, &server, o)),
            (
                "start_test_server",
                usapi_start_test_server(dev, &server, o),
            ),
            ("call", usapi_call(dev, method.as_ptr(), params.as_ptr(), o)),
            (
                "set_app_passwd",
                usapi_set_app_passwd(dev, 1, pw.as_ptr(), npw.as_ptr(), o),
            ),
            (
                "set_first_over",
                usapi_set_first_over(dev, name.as_ptr(), pw.as_ptr(), o),
            ),
            (
                "set_softap",
                usapi_set_softap(dev, 1, 1, name.as_ptr(), ap.as_ptr(), o),
            ),
            (
                "add_user",
                usapi_add_user(dev, name.as_ptr(), pw.as_ptr(), o),
            ),
            (
                "set_password",
                usapi_set_password(dev, name.as_ptr(), npw.as_ptr(), o),
            ),
            (
                "ch_password",
                usapi_ch_password(dev, pw.as_ptr(), npw.as_ptr(), o),
            ),
            (
                "upload_update_data",
                usapi_upload_update_data(dev, fw.as_ptr(), b"MWF-image".as_ptr(), 9, o),
            ),
        ]
    };
    unsafe { usapi_string_free(out) };
    calls
}

#[test]
fn c_abi_messages_carry_no_secret_on_any_error_path() {
    let device = EchoDevice::start();
    let host = c(&device.addr);
    let mut dev = 0;
    let opts = options();
    assert_eq!(
        unsafe { usapi_device_open(host.as_ptr(), &opts, &mut dev) },
        USAPI_OK
    );
    let mut failures = 0;
    for &mode in MODES {
        // A fresh session each round, so the sid and hash are stored.
        device.set(Mode::Ok);
        let (admin, pw) = (c("Admin"), c(PASSWORD));
        assert_eq!(
            unsafe { usapi_login(dev, admin.as_ptr(), pw.as_ptr()) },
            USAPI_OK
        );
        device.set(mode);
        for (what, code) in c_calls(dev) {
            let what = format!("{mode:?} {what}");
            if code != USAPI_OK {
                failures += 1;
                let name = unsafe { CStr::from_ptr(usapi_result_name(code)) }
                    .to_string_lossy()
                    .into_owned();
                // Device codes pass through as they are; library codes are named.
                assert!(
                    code > -1000 || name != "unknown",
                    "{what}: undefined code {code}"
                );
                assert_clean(&what, &last_error());
            }
        }
    }
    assert!(failures > MODES.len() * 10, "only {failures} calls failed");
    assert_eq!(usapi_device_close(dev), USAPI_OK);
    let _ = null::<u8>();
}

#[test]
fn rust_errors_carry_no_secret_on_any_error_path() {
    let device = EchoDevice::start();
    let opts = Options {
        request_timeout: Duration::from_secs(5),
        max_reply_bytes: 64 << 10,
        ..Options::default()
    };
    let d = Device::connect(&device.addr, opts).unwrap();
    let mut failures = 0;
    for &mode in MODES {
        device.set(Mode::Ok);
        d.login("Admin", PASSWORD).unwrap();
        device.set(mode);
        let results: Vec<(&str, Result<String, ultrastream::Error>)> = vec![
            ("login", d.login("Admin", PASSWORD).map(|_| String::new())),
            (
                "call",
                d.call(
                    "add-server",
                    &[
                        ("type", "0"),
                        ("name", "Box"),
                        ("url", "rtmp://127.0.0.1/live"),
                        ("key", KEY),
                        ("is-auth", "1"),
                        ("user", "Admin"),
                        ("passwd", SERVER_PASSWD),
                        ("token", TOKEN),
                        ("net-mode", "1"),
                    ],
                )
                .map(|r| r.body),
            ),
            (
                "call-unknown",
                d.call("x-new-method", &[("key", KEY), ("token", TOKEN)])
                    .map(|r| r.body),
            ),
            ("get-status", d.call("get-status", &[]).map(|r| r.body)),
        ];
        for (what, r) in results {
            if let Err(e) = r {
                failures += 1;
                assert_clean(&format!("{mode:?} {what}"), &e.to_string());
                assert_clean(&format!("{mode:?} {what} (Debug)"), &format!("{e:?}"));
            }
        }
    }
    assert!(failures > MODES.len() * 2, "only {failures} calls failed");
}

/// Finding 9: a device that answers a login with `{"result":"<password>"}`
/// (or puts the plain password anywhere else in a failing reply) never
/// gets it into a message: Rust errors (Display and Debug) and the C
/// library's last error (which Python's exceptions carry), for every call
/// that is given a plain password.
#[test]
fn the_plain_password_is_scrubbed_wherever_it_passes() {
    let device = EchoDevice::start();
    let opts = Options {
        request_timeout: Duration::from_secs(5),
        max_reply_bytes: 64 << 10,
        ..Options::default()
    };
    let d = Device::connect(&device.addr, opts).unwrap();
    let host = c(&device.addr);
    let mut dev = 0;
    assert_eq!(
        unsafe { usapi_device_open(host.as_ptr(), &options(), &mut dev) },
        USAPI_OK
    );
    let (admin, pw, npw, name) = (c("Admin"), c(PASSWORD), c(NEW_PASSWORD), c("Box"));
    let mut failures = 0;
    for &mode in PLAIN_MODES {
        device.set(Mode::Ok);
        d.login("Admin", PASSWORD).unwrap();
        assert_eq!(
            unsafe { usapi_login(dev, admin.as_ptr(), pw.as_ptr()) },
            USAPI_OK
        );
        device.set(mode);
        use ultrastream::api::AppPassword;
        let rust: Vec<(&str, Result<(), ultrastream::Error>)> = vec![
            ("login", d.login("Admin", PASSWORD)),
            ("add_user", d.add_user("Box", PASSWORD).map(drop)),
            (
                "set_password",
                d.set_password("Box", NEW_PASSWORD).map(drop),
            ),
            (
                "ch_password",
                d.ch_password(PASSWORD, NEW_PASSWORD).map(drop),
            ),
            (
                "set_app_passwd",
                d.set_app_passwd(AppPassword::Modify {
                    old: PASSWORD,
                    new: NEW_PASSWORD,
                })
                .map(drop),
            ),
            (
                "set_first_over",
                d.set_first_over("Box", Some(PASSWORD)).map(drop),
            ),
        ];
        for (what, r) in rust {
            let e = r.expect_err(&format!("{mode:?} {what}"));
            failures += 1;
            assert_clean(&format!("{mode:?} {what}"), &e.to_string());
            assert_clean(&format!("{mode:?} {what} (Debug)"), &format!("{e:?}"));
        }
        let mut out: *mut c_char = null_mut();
        let o = &mut out as *mut *mut c_char;
        let calls = unsafe {
            [
                ("login", usapi_login(dev, admin.as_ptr(), pw.as_ptr())),
                (
                    "add_user",
                    usapi_add_user(dev, name.as_ptr(), pw.as_ptr(), o),
                ),
                (
                    "set_password",
                    usapi_set_password(dev, name.as_ptr(), npw.as_ptr(), o),
                ),
                (
                    "ch_password",
                    usapi_ch_password(dev, pw.as_ptr(), npw.as_ptr(), o),
                ),
                (
                    "set_app_passwd",
                    usapi_set_app_passwd(dev, 1, pw.as_ptr(), npw.as_ptr(), o),
                ),
                (
                    "set_first_over",
                    usapi_set_first_over(dev, name.as_ptr(), pw.as_ptr(), o),
                ),
            ]
        };
        for (what, code) in calls {
            assert_ne!(code, USAPI_OK, "{mode:?} {what}");
            failures += 1;
            assert_clean(&format!("{mode:?} C {what}"), &last_error());
        }
    }
    assert_eq!(failures, PLAIN_MODES.len() * 12);
    assert_eq!(usapi_device_close(dev), USAPI_OK);
}
