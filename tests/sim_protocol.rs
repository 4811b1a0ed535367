//! The simulator's protocol as real clients see it: -17 as HTTP 200, login
//! and the cookie, lenient cookie parsing, sessions (at most 2, logout,
//! idle expiry), keep-alive, request parsing, control over HTTP, options.

mod sim_support;

use sim_support::*;
use std::time::{Duration, Instant};
use ultrastream::model::status::STATUS_OCCUPIED;
use ultrastream::sim::{Model, SimOptions, Simulator};
use ultrastream::{Device, Error, Options};

/// Every method that needs a session: the library's table, without ping
/// and login.
fn methods_needing_login() -> Vec<&'static str> {
    ultrastream::METHODS
        .iter()
        .filter(|m| m.needs_login)
        .map(|m| m.name)
        .collect()
}

#[test]
fn every_method_without_a_session_is_http_200_minus_17() {
    let sim = sim();
    let mut c = Raw::connect(&sim);
    let methods = methods_needing_login();
    assert_eq!(methods.len(), 54, "56 methods minus ping and login");
    for m in methods {
        let r = c.get(&format!("/usapi?method={m}"), "");
        assert_eq!(r.status, 200, "{m}");
        assert_eq!(r.json(), serde_json::json!({"result": -17}), "{m}");
    }
    // Nothing changed: still idle, not rebooting.
    let st = state(&sim);
    assert_eq!(
        (st["recording"].as_bool(), st["power"].as_str()),
        (Some(false), Some("up"))
    );
    // A POST without a session too.
    c.send(b"POST /usapi?method=del-media-files HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 35\r\n\r\n{\"disk-type\":0,\"media-files\":[\"a\"]}");
    assert_eq!(c.read_reply().unwrap().result(), -17);
}

#[test]
fn ping_and_login_need_no_session_and_login_sets_the_cookie() {
    let sim = sim();
    let r = get(&sim, "/usapi?method=ping", "");
    assert_eq!(
        r.json(),
        serde_json::json!({"result": 0, "cur-status": 65552})
    );
    let r = get(
        &sim,
        &format!("/usapi?method=login&id=Admin&pass={ADMIN_MD5}"),
        "",
    );
    assert_eq!(r.json(), serde_json::json!({"result": 0}));
    let cookie = r.header("Set-Cookie").unwrap();
    let (sid, attrs) = cookie.split_once("; ").unwrap();
    let hex = sid.strip_prefix("sid=").unwrap();
    assert_eq!(hex.len(), 32);
    assert!(
        hex.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );
    assert_eq!(attrs, "path=/");
    // Upper-case MD5 hex is the same password.
    let r = get(
        &sim,
        &format!(
            "/usapi?method=login&id=Admin&pass={}",
            ADMIN_MD5.to_uppercase()
        ),
        "",
    );
    assert_eq!(r.result(), 0);
    assert_eq!(state(&sim)["sessions"], 2);
}

#[test]
fn wrong_credentials_answer_minus_1() {
    let sim = sim();
    for q in [
        "id=Admin&pass=00000000000000000000000000000000",
        "id=Nobody&pass=e3afed0047b08059d0fada10f400c1e5",
        "id=Admin&pass=Admin",
        "id=admin&pass=e3afed0047b08059d0fada10f400c1e5",
    ] {
        let r = get(&sim, &format!("/usapi?method=login&{q}"), "");
        assert_eq!(r.result(), -1, "{q}");
        assert!(r.header("Set-Cookie").is_none(), "{q}");
    }
    assert_eq!(
        get(&sim, "/usapi?method=login&pass=x", "").result(),
        -10,
        "missing id"
    );
    assert_eq!(
        get(&sim, "/usapi?method=login&id=Admin", "").result(),
        -10,
        "missing pass"
    );
    assert_eq!(state(&sim)["sessions"], 0);
    // The client reports it as errPasswd.
    let d = Device::connect(&sim.host(), Options::default()).unwrap();
    assert!(matches!(
        d.login("Admin", "nope"),
        Err(Error::Device { code: -1, .. })
    ));
}

#[test]
fn cookies_are_parsed_leniently() {
    let sim = sim();
    let set_cookie = raw_login(&sim);
    let sid = set_cookie.split(';').next().unwrap().to_string();
    let hex = sid.trim_start_matches("sid=").to_string();
    let ok = |hdr: &str| get(&sim, "/usapi?method=get-status", hdr).result();
    assert_eq!(
        ok(&format!("Cookie: {set_cookie}\r\n")),
        0,
        "the whole Set-Cookie value sent back"
    );
    assert_eq!(ok(&format!("Cookie: {sid}\r\n")), 0);
    assert_eq!(
        ok(&format!("Cookie: theme=dark; {sid}; lang=en\r\n")),
        0,
        "among other cookies"
    );
    assert_eq!(ok(&format!("Cookie: sid=\"{hex}\"\r\n")), 0, "quoted");
    assert_eq!(ok(&format!("Cookie: SID={hex}\r\n")), 0, "name case");
    assert_eq!(
        ok(&format!("Cookie: a=1\r\nCookie: {sid}\r\n")),
        0,
        "a second Cookie header"
    );
    assert_eq!(
        ok(&format!("Cookie: sid=stale; {sid}\r\n")),
        0,
        "a stale sid next to the live one"
    );
    assert_eq!(ok("Cookie: sid=00000000000000000000000000000000\r\n"), -17);
    assert_eq!(ok("Cookie: sid=\r\n"), -17);
    assert_eq!(ok("Cookie: ;;;=;\r\n"), -17);
    assert_eq!(ok(""), -17);
}

#[test]
fn logout_on_the_documented_typo_path() {
    let sim = sim();
    let cookie = raw_login(&sim);
    let hdr = format!("Cookie: {cookie}\r\n");
    assert_eq!(get(&sim, "/usapi/usapi?method=logout", &hdr).result(), 0);
    assert_eq!(state(&sim)["sessions"], 0);
    assert_eq!(get(&sim, "/usapi?method=get-status", &hdr).result(), -17);
    // The typo path serves every method.
    let cookie = raw_login(&sim);
    assert_eq!(
        get(
            &sim,
            "/usapi/usapi?method=get-settings",
            &format!("Cookie: {cookie}\r\n")
        )
        .result(),
        0
    );
}

#[test]
fn at_most_two_sessions() {
    let sim = sim();
    let a = raw_login(&sim);
    assert_eq!(
        mask_raw(&sim, &a) & STATUS_OCCUPIED,
        0,
        "one session does not lock the device"
    );
    let b = raw_login(&sim);
    assert!(
        mask_raw(&sim, &a) & STATUS_OCCUPIED != 0,
        "two sessions: statusOccupied"
    );
    let third = get(
        &sim,
        &format!("/usapi?method=login&id=Admin&pass={ADMIN_MD5}"),
        "",
    );
    assert_eq!(third.result(), -2);
    assert!(third.header("Set-Cookie").is_none());
    assert!(
        get(&sim, "/usapi?method=ping", "").json()["cur-status"]
            .as_u64()
            .unwrap() as u32
            & STATUS_OCCUPIED
            != 0
    );
    assert_eq!(state(&sim)["sessions"], 2);
    // Logging in again with a live cookie keeps the slot.
    let again = get(
        &sim,
        &format!("/usapi?method=login&id=Admin&pass={ADMIN_MD5}"),
        &format!("Cookie: {a}\r\n"),
    );
    assert_eq!(again.result(), 0);
    assert_eq!(again.header("Set-Cookie"), Some(a.as_str()));
    // Logout frees a slot.
    assert_eq!(
        get(&sim, "/usapi?method=logout", &format!("Cookie: {b}\r\n")).result(),
        0
    );
    assert_eq!(mask_raw(&sim, &a) & STATUS_OCCUPIED, 0);
    let c = raw_login(&sim);
    assert_eq!(
        get(
            &sim,
            "/usapi?method=get-status",
            &format!("Cookie: {c}\r\n")
        )
        .result(),
        0
    );
    assert_eq!(state(&sim)["sessions"], 2);
    // The Rust client sees errOccupied too.
    let d = Device::connect(&sim.host(), Options::default()).unwrap();
    assert!(matches!(
        d.login("Admin", "Admin"),
        Err(Error::Device { code: -2, .. })
    ));
}

fn mask_raw(sim: &Simulator, cookie: &str) -> u32 {
    get(
        sim,
        "/usapi?method=get-status",
        &format!("Cookie: {cookie}\r\n"),
    )
    .json()["cur-status"]
        .as_u64()
        .unwrap() as u32
}

#[test]
fn idle_sessions_expire_on_device_time() {
    let sim = sim_with(|o| o.session_idle_timeout = Duration::from_secs(60));
    let a = raw_login(&sim);
    let hdr = format!("Cookie: {a}\r\n");
    // Activity keeps it alive.
    advance(&sim, 40_000);
    assert_eq!(get(&sim, "/usapi?method=get-status", &hdr).result(), 0);
    advance(&sim, 40_000);
    assert_eq!(
        get(&sim, "/usapi?method=ping", &hdr).result(),
        0,
        "ping with the cookie counts as activity"
    );
    advance(&sim, 40_000);
    assert_eq!(get(&sim, "/usapi?method=get-status", &hdr).result(), 0);
    // Idle past the timeout: gone, and the slot is free.
    advance(&sim, 61_000);
    assert_eq!(get(&sim, "/usapi?method=get-status", &hdr).result(), -17);
    assert_eq!(state(&sim)["sessions"], 0);

    // Zero means never.
    let sim = sim_with(|o| o.session_idle_timeout = Duration::ZERO);
    let a = raw_login(&sim);
    advance(&sim, 365 * 24 * 3600 * 1000);
    assert_eq!(
        get(
            &sim,
            "/usapi?method=get-status",
            &format!("Cookie: {a}\r\n")
        )
        .result(),
        0
    );
}

#[test]
fn expired_sessions_make_the_client_log_in_again_once() {
    let sim = sim();
    let d = dev(&sim);
    ctl(&sim, r#"{"cmd":"expire-sessions"}"#);
    assert_eq!(state(&sim)["sessions"], 0);
    d.set_name("After Expiry").unwrap();
    assert_eq!(settings(&d)["name"], "After Expiry");
    assert_eq!(state(&sim)["sessions"], 1);
}

#[test]
fn keep_alive_serves_many_requests_on_one_connection() {
    let sim = sim();
    let cookie = raw_login(&sim);
    let mut c = Raw::connect(&sim);
    let hdr = format!("Cookie: {cookie}\r\n");
    let start = Instant::now();
    for i in 0..200 {
        let r = c.get("/usapi?method=get-status", &hdr);
        assert_eq!(r.result(), 0, "request {i}");
        assert_eq!(r.header("Connection"), Some("keep-alive"));
    }
    // 200 round trips without Nagle / delayed-ACK stalls take far less than 40 ms each.
    assert!(
        start.elapsed() < Duration::from_secs(4),
        "{:?}",
        start.elapsed()
    );
    // Exactly one reply per request: nothing extra is waiting.
    c.stream
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let mut b = [0u8; 1];
    assert!(
        std::io::Read::read(&mut c.stream, &mut b).is_err(),
        "no stray bytes after the replies"
    );
}

#[test]
fn pipelined_requests_get_replies_in_order() {
    let sim = sim();
    let mut c = Raw::connect(&sim);
    c.send(b"GET /usapi?method=ping HTTP/1.1\r\nHost: x\r\n\r\nGET /usapi?method=get-info HTTP/1.1\r\nHost: x\r\n\r\nGET /usapi?method=ping HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(c.read_reply().unwrap().json()["cur-status"], 65552);
    assert_eq!(c.read_reply().unwrap().result(), -17);
    assert_eq!(c.read_reply().unwrap().json()["cur-status"], 65552);
}

#[test]
fn connection_close_is_honoured() {
    let sim = sim();
    let mut c = Raw::connect(&sim);
    let r = c.get("/usapi?method=ping", "Connection: close\r\n");
    assert_eq!(r.header("Connection"), Some("close"));
    assert!(c.closed());
    // HTTP/1.0 closes unless asked to keep alive.
    let mut c = Raw::connect(&sim);
    c.send(b"GET /usapi?method=ping HTTP/1.0\r\n\r\n");
    assert_eq!(c.read_reply().unwrap().header("Connection"), Some("close"));
    assert!(c.closed());
    let mut c = Raw::connect(&sim);
    c.send(b"GET /usapi?method=ping HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    assert_eq!(
        c.read_reply().unwrap().header("Connection"),
        Some("keep-alive")
    );
    assert_eq!(c.get("/usapi?method=ping", "").status, 200);
}

#[test]
fn query_values_are_decoded_like_a_browser_form() {
    let sim = sim();
    let cookie = raw_login(&sim);
    let hdr = format!("Cookie: {cookie}\r\n");
    assert_eq!(
        get(
            &sim,
            "/usapi?method=set-name&name=My%20Box%2B1%20%27A%27",
            &hdr
        )
        .result(),
        0
    );
    let name = |sim: &Simulator| {
        get(sim, "/usapi?method=get-settings", &hdr).json()["name"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(name(&sim), "My Box+1 'A'");
    assert_eq!(
        get(&sim, "/usapi?method=set-name&name=A+B", &hdr).result(),
        0
    );
    assert_eq!(name(&sim), "A B", "a literal + is a space");
    // The document's own example relies on that.
    assert_eq!(
        get(
            &sim,
            "/usapi?method=set-date-time&timezone=Asia/Shanghai&is-auto=0&time=2019-09-10+15:00:00",
            &hdr
        )
        .result(),
        0
    );
    let t = get(&sim, "/usapi?method=get-status", &hdr).json()["cur-time"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(t.starts_with("2019-09-10 15:00"), "{t}");
    // Folders with a slash, encoded.
    assert_eq!(
        get(&sim, "/usapi?method=set-rec-control&usb-option=1&sd-option=1&root-folder=a%2Fb&file-prefix=VID&time-unit=5", &hdr).result(),
        0
    );
    assert_eq!(
        get(&sim, "/usapi?method=get-settings", &hdr).json()["rec-control"]["root-folder"],
        "a/b"
    );
}

#[test]
fn malformed_and_oversized_requests() {
    let sim = sim();
    let mut c = Raw::connect(&sim);
    c.send(b"NONSENSE\r\n\r\n");
    assert_eq!(c.read_reply().unwrap().status, 400);
    assert!(c.closed());

    let mut c = Raw::connect(&sim);
    c.send(
        format!(
            "GET /usapi?method=ping HTTP/1.1\r\nX-Big: {}\r\n\r\n",
            "a".repeat(20_000)
        )
        .as_bytes(),
    );
    assert_eq!(c.read_reply().unwrap().status, 431);

    let mut c = Raw::connect(&sim);
    c.send(b"POST /usapi?method=upload-update-file HTTP/1.1\r\nContent-Length: 100000000\r\n\r\n");
    assert_eq!(c.read_reply().unwrap().status, 413);

    let mut c = Raw::connect(&sim);
    c.send(b"GET /usapi?method=ping HTTP/2.0\r\n\r\n");
    assert_eq!(c.read_reply().unwrap().status, 505);

    let mut c = Raw::connect(&sim);
    c.send(b"POST /usapi?method=ping HTTP/1.1\r\nContent-Length: nope\r\n\r\n");
    assert_eq!(c.read_reply().unwrap().status, 400);

    // Garbage bytes never crash the server.
    for junk in [
        &b"\x00\x01\x02\r\n\r\n"[..],
        b"GET \xff\xfe HTTP/1.1\r\n\r\n",
        b"GET /usapi?method=%%% HTTP/1.1\r\n\r\n",
        b"\r\n\r\n",
    ] {
        let mut c = Raw::connect(&sim);
        c.send(junk);
        let _ = c.read_reply();
    }
    assert_eq!(get(&sim, "/usapi?method=ping", "").result(), 0);

    // Unknown paths and methods.
    assert_eq!(get(&sim, "/nowhere", "").status, 404);
    assert_eq!(get(&sim, "/", "").status, 200);
    assert_eq!(get(&sim, "/usapi", "").result(), -10, "no method");
    assert_eq!(get(&sim, "/usapi?method=no-such-method", "").result(), -17);
    let cookie = raw_login(&sim);
    assert_eq!(
        get(
            &sim,
            "/usapi?method=no-such-method",
            &format!("Cookie: {cookie}\r\n")
        )
        .result(),
        -10
    );
}

#[test]
fn chunked_bodies_and_expect_continue() {
    let sim = sim();
    let d = dev(&sim);
    d.start_rec().unwrap();
    advance(&sim, 1000);
    d.stop_rec().unwrap();
    let name = d.get_media_files(0, 0, 1).unwrap().media_files[0]
        .name
        .clone();
    let cookie = raw_login(&sim);
    let body = format!("{{\"disk-type\":0,\"media-files\":[\"{name}\"]}}");
    let (a, b) = body.split_at(10);
    let mut c = Raw::connect(&sim);
    c.send(
        format!(
            "POST /usapi?method=del-media-files HTTP/1.1\r\nCookie: {cookie}\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{a}\r\n{:x}\r\n{b}\r\n0\r\n\r\n",
            a.len(),
            b.len()
        )
        .as_bytes(),
    );
    assert_eq!(c.read_reply().unwrap().result(), 0);
    assert!(d.get_media_files(0, 0, 10).unwrap().media_files.is_empty());

    // Expect: 100-continue gets its interim reply before the body is sent.
    let fw = ultrastream::sim::fake_firmware(Model::Hdmi, "1.2.200");
    let mut c = Raw::connect(&sim);
    c.send(
        format!(
            "POST /usapi?method=upload-update-file&filename=fw.mwf HTTP/1.1\r\nCookie: {cookie}\r\nContent-Type: application/octet-stream\r\nExpect: 100-continue\r\nContent-Length: {}\r\n\r\n",
            fw.len()
        )
        .as_bytes(),
    );
    let mut interim = [0u8; 25];
    std::io::Read::read_exact(&mut c.stream, &mut interim).unwrap();
    assert_eq!(&interim, b"HTTP/1.1 100 Continue\r\n\r\n");
    c.send(&fw);
    let r = c.read_reply().unwrap().json();
    assert_eq!(
        (
            r["status"].as_i64(),
            r["version"].as_str(),
            r["size"].as_u64()
        ),
        (Some(0), Some("1.2.200"), Some(fw.len() as u64))
    );
}

#[test]
fn control_over_http() {
    let sim = sim();
    let mut c = Raw::connect(&sim);
    let body = r#"{"cmd":"set-signal","present":false}"#;
    c.send(format!("POST /__sim/control HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
    let r = c.read_reply().unwrap();
    assert_eq!((r.status, r.json()["ok"].as_bool()), (200, Some(true)));
    assert_eq!(state(&sim)["signal"], false);
    let r = c.get("/__sim/control?cmd=set-signal&present=true", "");
    assert_eq!(r.json()["ok"], true);
    assert_eq!(state(&sim)["signal"], true);
    let r = c.get("/__sim/control?cmd=state", "");
    assert_eq!(r.json()["power"], "up");
    let r = c.get("/__sim/control?cmd=set-disk&disk=usb&free_bytes=1000", "");
    assert_eq!(r.json()["disk-status"], 5);
    for (q, needle) in [
        ("cmd=nope", "unknown command 'nope'"),
        ("cmd=set-signal&present=maybe", "'present'"),
        ("cmd=set-signal&bogus=1&present=true", "unknown key 'bogus'"),
        ("cmd=set-disk&disk=floppy", "floppy"),
        ("cmd=fault&method=get-stauts&kind=reset", "get-stauts"),
        ("cmd=fault&method=ping&kind=explode", "explode"),
        ("cmd=fault&method=ping&kind=latency", "'ms'"),
        ("cmd=advance", "'ms'"),
    ] {
        let r = c.get(&format!("/__sim/control?{q}"), "");
        assert_eq!(r.status, 400, "{q}");
        assert_eq!(r.json()["ok"], false, "{q}");
        let e = r.json()["error"].as_str().unwrap().to_string();
        assert!(e.contains(needle), "{q}: {e}");
    }
    let r = c.get("/__sim/control", "");
    assert_eq!(r.status, 400);
    // In process, the same errors are Error::Simulator.
    match sim.control(r#"{"cmd":"advance","ms":-5}"#) {
        Err(Error::Simulator(m)) => assert!(m.contains("'ms'"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(sim.control("not json"), Err(Error::Simulator(_))));
    assert!(matches!(sim.control("[1]"), Err(Error::Simulator(_))));
    assert!(matches!(sim.control(""), Err(Error::Simulator(_))));
}

#[test]
fn options_from_json() {
    assert_eq!(SimOptions::from_json("").unwrap(), SimOptions::default());
    assert_eq!(SimOptions::from_json("{}").unwrap(), SimOptions::default());
    let o = SimOptions::from_json(
        r#"{"port":0,"user":"Boss","password":"pw","model":"SDI","time_scale":2.5,"session_idle_timeout_ms":1500,"bind":"127.0.0.1","serial":"X1"}"#,
    )
    .unwrap();
    assert_eq!(
        (o.user.as_str(), o.password.as_str(), o.model, o.time_scale),
        ("Boss", "pw", Model::Sdi, 2.5)
    );
    assert_eq!(
        (o.session_idle_timeout, o.serial.as_deref()),
        (Duration::from_millis(1500), Some("X1"))
    );
    assert_eq!(
        SimOptions::from_json(r#"{"serial":null}"#).unwrap().serial,
        None
    );
    let manual = SimOptions::from_json(r#"{"clock":"manual","control_token":"t0k"}"#).unwrap();
    assert_eq!(
        (manual.time_scale, manual.control_token.as_deref()),
        (0.0, Some("t0k"))
    );
    assert_eq!(
        SimOptions::from_json(r#"{"clock":"real","time_scale":3}"#)
            .unwrap()
            .time_scale,
        3.0
    );
    for (j, needle) in [
        (r#"{"clock":"fast"}"#, "'clock'"),
        (r#"{"clock":"manual","time_scale":2}"#, "contradict"),
        (r#"{"clock":"real","time_scale":0}"#, "manual clock"),
        (r#"{"control_token":5}"#, "'control_token'"),
        (r#"{"prot":1}"#, "'prot'"),
        (r#"{"port":"80"}"#, "'port'"),
        (r#"{"port":70000}"#, "'port'"),
        (r#"{"time_scale":"fast"}"#, "'time_scale'"),
        (r#"{"model":"usb"}"#, "'model'"),
        (r#"{"bind":"localhost"}"#, "'bind'"),
        (
            r#"{"session_idle_timeout_ms":-1}"#,
            "'session_idle_timeout_ms'",
        ),
        ("[]", "object"),
        ("{", "JSON"),
    ] {
        match SimOptions::from_json(j) {
            Err(Error::Simulator(m)) => assert!(m.contains(needle), "{j}: {m}"),
            other => panic!("{j}: {other:?}"),
        }
    }
    assert!(
        Simulator::start(SimOptions {
            time_scale: -1.0,
            ..Default::default()
        })
        .is_err()
    );
    assert!(
        Simulator::start(SimOptions {
            time_scale: f64::NAN,
            ..Default::default()
        })
        .is_err()
    );
    assert!(
        Simulator::start(SimOptions {
            serial: Some("bad serial!".into()),
            ..Default::default()
        })
        .is_err()
    );
}

#[test]
fn options_take_effect() {
    let sim = Simulator::start(SimOptions {
        user: "Boss".into(),
        password: "s3cret".into(),
        model: Model::Sdi,
        serial: Some("A302190719003".into()),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(sim.addr().ip().to_string(), "127.0.0.1");
    assert_eq!(sim.host(), format!("127.0.0.1:{}", sim.addr().port()));
    let d = Device::connect(&sim.host(), Options::default()).unwrap();
    assert!(d.login("Admin", "Admin").is_err());
    d.login("Boss", "s3cret").unwrap();
    let info = d.get_info().unwrap();
    assert_eq!(
        (info.product.module_name.as_str(), info.product.sn.as_str()),
        ("Ultra Stream SDI", "A302190719003")
    );
    let di = sim.discovery_info();
    assert_eq!(
        (di.product.as_str(), di.serialnumber.as_str(), di.http_port),
        ("Ultra Stream", "A302190719003", sim.addr().port())
    );
    assert_eq!(di.status, 65552);
    assert!(di.ssdp_enabled);
    assert_eq!(di.boxname, "Ultra Stream A302190719003");
}

#[test]
fn a_fleet_has_distinct_serials_and_ports() {
    let sims: Vec<Simulator> = (0..4).map(|_| sim()).collect();
    let mut serials: Vec<String> = sims
        .iter()
        .map(|s| s.discovery_info().serialnumber)
        .collect();
    let mut macs: Vec<String> = sims
        .iter()
        .map(|s| {
            dev(s).call("get-info", &[]).unwrap().json().unwrap()["mac-addr"]["eth"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    serials.sort();
    serials.dedup();
    macs.sort();
    macs.dedup();
    assert_eq!((serials.len(), macs.len()), (4, 4));
}

#[test]
fn stop_is_prompt_with_open_connections() {
    let sim = sim();
    ctl(
        &sim,
        r#"{"cmd":"fault","method":"get-status","kind":"no-answer"}"#,
    );
    let mut hung = Raw::connect(&sim);
    hung.send(b"GET /usapi?method=get-status HTTP/1.1\r\n\r\n");
    let mut idle = Raw::connect(&sim);
    assert_eq!(idle.get("/usapi?method=ping", "").status, 200);
    let slow = Raw::connect(&sim);
    ctl(
        &sim,
        r#"{"cmd":"fault","method":"ping","kind":"latency","ms":60000}"#,
    );
    let mut slow = slow;
    slow.send(b"GET /usapi?method=ping HTTP/1.1\r\n\r\n");
    std::thread::sleep(Duration::from_millis(50));
    let addr = sim.addr();
    let start = Instant::now();
    sim.stop();
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "stop took {:?}",
        start.elapsed()
    );
    assert!(hung.closed() && idle.closed() && slow.closed());
    assert!(
        std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_err(),
        "no longer listening"
    );
}

#[test]
fn many_threads_share_one_client() {
    let sim = sim();
    let d = std::sync::Arc::new(dev(&sim));
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let d = std::sync::Arc::clone(&d);
            std::thread::spawn(move || {
                for j in 0..25 {
                    if j % 5 == 0 {
                        d.set_name(&format!("T{i} {j}")).unwrap();
                    } else {
                        assert_eq!(d.get_status().unwrap().result, 0);
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(state(&sim)["sessions"], 1);
}

/// The simulator frames requests strictly (httparse, one Content-Length
/// of digits, `chunked` the only coding): lax framing is refused with a
/// status that says why, and the connection is closed, never read two ways.
#[test]
fn lax_request_framing_is_refused() {
    let sim = sim();
    for (head, status) in [
        ("Content-Length: +12", 400),
        ("Content-Length: 12\r\nContent-Length: 12", 400),
        ("Content-Length: 0x0c", 400),
        ("Transfer-Encoding: gzip, chunked", 501),
        ("Transfer-Encoding: chunked\r\nContent-Length: 12", 400),
    ] {
        let mut c = Raw::connect(&sim);
        c.send(
            format!("POST /usapi?method=ping HTTP/1.1\r\nHost: sim\r\n{head}\r\n\r\nc\r\n{{\"a\":1}}\r\n0\r\n\r\n")
                .as_bytes(),
        );
        let r = c.read_reply().expect("a refusal");
        assert_eq!(r.status, status, "{head}");
        assert_eq!(r.header("connection"), Some("close"), "{head}");
        assert!(
            c.read_reply().is_none(),
            "{head}: the connection stays open"
        );
    }
    // A chunk size with a sign is refused too.
    let mut c = Raw::connect(&sim);
    c.send(b"POST /usapi?method=ping HTTP/1.1\r\nHost: sim\r\nTransfer-Encoding: chunked\r\n\r\n+c\r\n{\"a\":1,\"b\":2}\r\n0\r\n\r\n");
    assert_eq!(c.read_reply().expect("a refusal").status, 400);
}
