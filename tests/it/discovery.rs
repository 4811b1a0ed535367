//! Discovery end to end, on loopback only: unicast to 127.0.0.1 through
//! the target override, or multicast strictly on the loopback interface
//! (IP_MULTICAST_IF 127.0.0.1, TTL 0). Nothing is ever sent to
//! 239.255.255.250 on a real interface.

use crate::ssdp;

use std::net::{Ipv4Addr, SocketAddr, TcpListener, UdpSocket};
use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::thread;
use std::time::{Duration, Instant};
use ultrastream::discovery::{
    self, DISCOVERY_GROUP, DiscoverOptions, DiscoverResult, Protocol, Protocols,
};
use ultrastream::model::status::{STATUS_LIVING, STATUS_PASSWD, STATUS_RECORD};
use ultrastream::sim::DiscoveryInfo;
use ultrastream::sim::discovery::{DiscoveryResponder, ResponderOptions};

const LO: Ipv4Addr = Ipv4Addr::LOCALHOST;

/// A closure-driven device: its serial, SSDP switch and a live status mask.
struct FakeDevice {
    responder: DiscoveryResponder,
    status: Arc<AtomicU32>,
    ssdp: Arc<AtomicBool>,
}

fn device(serial: &str, ssdp_enabled: bool, opts: ResponderOptions) -> FakeDevice {
    let status = Arc::new(AtomicU32::new(STATUS_PASSWD));
    let ssdp = Arc::new(AtomicBool::new(ssdp_enabled));
    let (s2, e2, serial) = (status.clone(), ssdp.clone(), serial.to_string());
    let info = move || DiscoveryInfo {
        product: "Ultra Stream".into(),
        boxname: format!("Box {serial}"),
        serialnumber: serial.clone(),
        ethip: "192.168.1.217".into(),
        wifiip: "192.168.48.1".into(),
        status: s2.load(Ordering::SeqCst),
        ssdp_enabled: e2.load(Ordering::SeqCst),
        http_port: 8080,
    };
    let responder =
        DiscoveryResponder::start(Arc::new(info), opts).expect("responder starts on loopback");
    FakeDevice {
        responder,
        status,
        ssdp,
    }
}

fn unicast(targets: Vec<String>, protocols: Protocols, timeout_ms: u64) -> DiscoverOptions {
    DiscoverOptions {
        timeout: Duration::from_millis(timeout_ms),
        local_address: Some(LO),
        protocols,
        targets,
        ..Default::default()
    }
}

fn serials(r: &DiscoverResult) -> Vec<String> {
    let mut v: Vec<String> = r.devices.iter().map(|d| d.serialnumber.clone()).collect();
    v.sort();
    v
}

fn by_serial<'a>(r: &'a DiscoverResult, serial: &str) -> &'a discovery::DiscoveredDevice {
    r.devices
        .iter()
        .find(|d| d.serialnumber == serial)
        .unwrap_or_else(|| panic!("{serial} not found in {r:#?}"))
}

/// Every datagram is counted once.
fn assert_partition(r: &DiscoverResult) {
    let d = &r.diagnostics;
    assert_eq!(
        d.datagrams_received,
        d.replies_accepted
            + d.ssdp_candidates
            + d.ignored_foreign
            + d.ignored_oversized
            + d.ignored_truncated
            + d.ignored_malformed
            + d.ignored_probes
            + d.ignored_over_cap,
        "{d:#?}"
    );
}

#[test]
fn unicast_finds_each_device_once_by_each_protocol() {
    let devs = [
        device("SN-UNI-1", true, ResponderOptions::ephemeral()),
        device("SN-UNI-2", true, ResponderOptions::ephemeral()),
        device("SN-UNI-3", false, ResponderOptions::ephemeral()), // set-ssdp 0
    ];
    let m_targets: Vec<String> = devs
        .iter()
        .map(|d| d.responder.multicast_addr().to_string())
        .collect();
    let s_targets: Vec<String> = devs
        .iter()
        .map(|d| d.responder.ssdp_addr().to_string())
        .collect();

    let r = discovery::discover(&unicast(m_targets.clone(), Protocols::MULTICAST, 400))
        .expect("discover");
    assert_eq!(serials(&r), ["SN-UNI-1", "SN-UNI-2", "SN-UNI-3"]);
    for d in &r.devices {
        assert_eq!(d.protocols, vec![Protocol::Multicast]);
        assert_eq!(
            (d.version.as_str(), d.flag.as_str(), d.product.as_str()),
            ("1.0", "ssip", "Ultra Stream")
        );
        assert_eq!(d.boxname, format!("Box {}", d.serialnumber));
        assert_eq!(
            (d.ethip.as_str(), d.wifiip.as_str()),
            ("192.168.1.217", "192.168.48.1")
        );
        assert_eq!(d.status, Some(STATUS_PASSWD));
        assert_eq!(d.status_flags, vec!["statusPasswd"]);
        assert_eq!(d.address, LO);
        assert!(d.ssdp.is_none());
    }
    assert_partition(&r);

    let r =
        discovery::discover(&unicast(s_targets.clone(), Protocols::SSDP, 400)).expect("discover");
    assert_eq!(
        serials(&r),
        ["SN-UNI-1", "SN-UNI-2"],
        "the device with set-ssdp 0 must stay silent on SSDP"
    );
    for d in &r.devices {
        assert_eq!(d.protocols, vec![Protocol::Ssdp]);
        let ssdp = d.ssdp.as_ref().expect("ssdp info");
        assert_eq!(ssdp.location, "http://127.0.0.1:8080/usapi?method=ping");
        assert!(ssdp.usn.starts_with("uuid:"));
        assert_eq!(d.status, Some(STATUS_PASSWD));
    }
    assert!(devs[2].responder.stats().searches_unanswered >= 1);
    assert_partition(&r);

    // Both protocols at once: merged, one entry per device.
    let all: Vec<String> = m_targets.iter().chain(&s_targets).cloned().collect();
    let r = discovery::discover(&unicast(all, Protocols::BOTH, 500)).expect("discover");
    assert_eq!(serials(&r), ["SN-UNI-1", "SN-UNI-2", "SN-UNI-3"]);
    assert_eq!(by_serial(&r, "SN-UNI-1").protocols.len(), 2);
    assert_eq!(by_serial(&r, "SN-UNI-2").protocols.len(), 2);
    assert_eq!(
        by_serial(&r, "SN-UNI-3").protocols,
        vec![Protocol::Multicast]
    );
    assert!(
        r.diagnostics.duplicate_replies > 0,
        "several answers per device were merged"
    );
    assert_partition(&r);

    // set-ssdp 1 at run time: now SSDP finds it too.
    devs[2].ssdp.store(true, Ordering::SeqCst);
    let r = discovery::discover(&unicast(s_targets, Protocols::SSDP, 300)).expect("discover");
    assert_eq!(serials(&r), ["SN-UNI-1", "SN-UNI-2", "SN-UNI-3"]);
}

/// IP_MULTICAST_IF: send multicast out of the loopback interface only.
fn multicast_out_of_loopback(s: &UdpSocket) -> bool {
    // socket2, as the library's own sockets (src/discovery/sockets.rs).
    socket2::SockRef::from(s).set_multicast_if_v4(&LO).is_ok()
}

/// Loopback multicast works here if a datagram sent to the group out of
/// the loopback interface (IP_MULTICAST_IF 127.0.0.1, TTL 0) reaches a
/// socket that joined the group on 127.0.0.1.
fn loopback_multicast_works() -> bool {
    let Ok(rx) = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)) else {
        return false;
    };
    let Ok(port) = rx.local_addr().map(|a| a.port()) else {
        return false;
    };
    if rx.join_multicast_v4(&DISCOVERY_GROUP, &LO).is_err() {
        return false;
    }
    let Ok(tx) = UdpSocket::bind((LO, 0)) else {
        return false;
    };
    if !multicast_out_of_loopback(&tx)
        || tx.set_multicast_ttl_v4(0).is_err()
        || tx.set_multicast_loop_v4(true).is_err()
    {
        return false;
    }
    let _ = rx.set_read_timeout(Some(Duration::from_millis(300)));
    if tx
        .send_to(b"loopback-multicast-check", (DISCOVERY_GROUP, port))
        .is_err()
    {
        return false;
    }
    let mut buf = [0u8; 64];
    matches!(rx.recv_from(&mut buf), Ok((n, _)) if &buf[..n] == b"loopback-multicast-check")
}

#[test]
fn loopback_multicast_finds_each_device_once() {
    // The first responder picks the ports; the others share them, as real
    // devices share 2538/1900.
    let first = device("SN-MC-1", true, ResponderOptions::ephemeral());
    let shared = ResponderOptions {
        multicast_port: first.responder.multicast_addr().port(),
        ssdp_port: first.responder.ssdp_addr().port(),
        ..ResponderOptions::default()
    };
    let devs = [
        first,
        device("SN-MC-2", true, shared.clone()),
        device("SN-MC-3", false, shared.clone()),
        // Replies to the group instead of the sender: heard on the group socket.
        device(
            "SN-MC-4",
            true,
            ResponderOptions {
                reply_to_group: true,
                ..shared.clone()
            },
        ),
    ];
    let joined = devs.iter().all(|d| d.responder.warnings().is_empty());
    if !(joined && loopback_multicast_works()) {
        // No multicast on this loopback: say so, and prove discovery by
        // unicast instead of skipping silently.
        eprintln!("NOTE: loopback multicast unavailable here; checking the unicast path instead");
        drop(devs);
        let devs = [
            device("SN-MC-1", true, ResponderOptions::ephemeral()),
            device("SN-MC-2", true, ResponderOptions::ephemeral()),
            device("SN-MC-3", false, ResponderOptions::ephemeral()),
        ];
        let targets: Vec<String> = devs
            .iter()
            .flat_map(|d| {
                [
                    d.responder.multicast_addr().to_string(),
                    d.responder.ssdp_addr().to_string(),
                ]
            })
            .collect();
        let r = discovery::discover(&unicast(targets, Protocols::BOTH, 500)).expect("discover");
        assert_eq!(serials(&r), ["SN-MC-1", "SN-MC-2", "SN-MC-3"], "{r:#?}");
        assert_eq!(
            by_serial(&r, "SN-MC-3").protocols,
            vec![Protocol::Multicast]
        );
        assert_partition(&r);
        return;
    }
    let opts = DiscoverOptions {
        timeout: Duration::from_millis(500),
        local_address: Some(LO), // IP_MULTICAST_IF = loopback
        multicast_ttl: 0,        // and never past this host
        multicast_port: shared.multicast_port,
        ssdp_port: shared.ssdp_port,
        ..Default::default()
    };
    let mut streamed = Vec::new();
    let r = discovery::discover_each(&opts, |d| {
        streamed.push(d.serialnumber.clone());
        ControlFlow::Continue(())
    })
    .expect("discover");
    assert_eq!(r.diagnostics.interfaces, vec![LO]);
    assert_eq!(
        serials(&r),
        ["SN-MC-1", "SN-MC-2", "SN-MC-3", "SN-MC-4"],
        "{r:#?}"
    );
    streamed.sort();
    assert_eq!(
        streamed,
        serials(&r),
        "the callback reports each device exactly once"
    );
    for s in ["SN-MC-1", "SN-MC-2"] {
        assert_eq!(
            by_serial(&r, s).protocols,
            vec![Protocol::Multicast, Protocol::Ssdp]
        );
    }
    assert_eq!(
        by_serial(&r, "SN-MC-3").protocols,
        vec![Protocol::Multicast],
        "set-ssdp 0: multicast only"
    );
    assert!(by_serial(&r, "SN-MC-4").found_by(Protocol::Multicast));
    assert!(
        r.diagnostics.ignored_probes >= 1,
        "our own probe, looped back to the group socket, is recognised"
    );
    assert_partition(&r);
    for d in &devs {
        assert!(d.responder.stats().probes_answered >= 1);
    }
}

#[test]
fn status_mask_is_live() {
    let dev = device("SN-STATUS", true, ResponderOptions::ephemeral());
    let opts = unicast(
        vec![dev.responder.multicast_addr().to_string()],
        Protocols::MULTICAST,
        300,
    );
    let before = discovery::discover(&opts).expect("discover");
    assert_eq!(before.devices[0].status_flags, vec!["statusPasswd"]);
    dev.status
        .fetch_or(STATUS_RECORD | STATUS_LIVING, Ordering::SeqCst);
    let after = discovery::discover(&opts).expect("discover");
    let d = &after.devices[0];
    assert_eq!(
        d.status,
        Some(STATUS_PASSWD | STATUS_RECORD | STATUS_LIVING)
    );
    assert_eq!(
        d.status_flags,
        vec!["statusRecord", "statusLiving", "statusPasswd"]
    );
}

/// A hostile "device" on loopback: answers the first probe it gets with
/// `datagrams`, then (optionally) floods until told to stop.
struct Hostile {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Hostile {
    fn start(datagrams: Vec<Vec<u8>>, flood: bool) -> Hostile {
        let sock = UdpSocket::bind((LO, 0)).expect("bind");
        sock.set_read_timeout(Some(Duration::from_millis(20)))
            .expect("timeout");
        let addr = sock.local_addr().expect("addr");
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let thread = thread::spawn(move || {
            let mut buf = [0u8; 2048];
            let mut answered = false;
            while !stop2.load(Ordering::SeqCst) {
                let Ok((_, peer)) = sock.recv_from(&mut buf) else {
                    continue;
                };
                if answered {
                    continue;
                }
                answered = true;
                for d in &datagrams {
                    let _ = sock.send_to(d, peer);
                }
                while flood && !stop2.load(Ordering::SeqCst) {
                    for _ in 0..64 {
                        let _ =
                            sock.send_to(b"{\"flag\":\"ssip\",\"serialnumber\":\"FLOOD\",", peer);
                    }
                    thread::sleep(Duration::from_micros(200));
                }
            }
        });
        Hostile {
            addr,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[test]
fn garbage_is_ignored_and_counted() {
    let valid = br#"{"version":"1.0","flag":"ssip","product":"Ultra Stream","boxname":"ok","serialnumber":"SN-OK","wifiip":"","ethip":"","status":16}"#;
    let mut oversized = br#"{"flag":"ssip","serialnumber":"BIG","boxname":""#.to_vec();
    oversized.extend(std::iter::repeat_n(b'x', 5000));
    oversized.extend(b"\"}");
    let garbage: Vec<(&str, Vec<u8>)> = vec![
        ("foreign", br#"{"jsonrpc":"2.0","method":"hello"}"#.to_vec()),
        (
            "foreign",
            br#"{"version":"1.0","flag":"ndi","serialnumber":"OTHER"}"#.to_vec(),
        ), // another flag
        (
            "foreign",
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_vec(),
        ),
        (
            "foreign",
            b"NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nNTS: ssdp:alive\r\n\r\n".to_vec(),
        ),
        ("foreign", b"hello, is it me you're looking for".to_vec()),
        ("oversized", oversized),
        (
            "truncated",
            br#"{"version":"1.0","flag":"ssip","serialnumber":"CUT"#.to_vec(),
        ),
        (
            "truncated",
            b"HTTP/1.1 200 OK\r\nLOCATION: http://127.0.0.1/\r\nUSN: uuid:x".to_vec(),
        ),
        ("truncated", Vec::new()),
        (
            "malformed",
            br#"{"flag":"ssip","serialnumber":"BAD",}"#.to_vec(),
        ),
        (
            "malformed",
            br#"{"flag":"ssip","serialnumber":["x"],"status":1}"#.to_vec(),
        ),
        (
            "malformed",
            br#"{"flag":"ssip","serialnumber":"NEG","status":-5}"#.to_vec(),
        ),
        (
            "malformed",
            br#"{"flag":"ssip","product":"Ultra Stream","status":1}"#.to_vec(),
        ), // no serial
        ("malformed", vec![0x00, 0xff, 0x13, 0x37, 0x80, 0x81]),
        ("malformed", b"HTTP/1.1 20O OK\r\n\r\n".to_vec()),
        (
            "probe",
            br#"{"version":"1.0","flag":"ssip","request":"discover"}"#.to_vec(),
        ),
        (
            "probe",
            b"M-SEARCH * HTTP/1.1\r\nMAN: \"ssdp:discover\"\r\nST: ssdp:all\r\n\r\n".to_vec(),
        ),
        ("valid", valid.to_vec()),
    ];
    let count = |k: &str| garbage.iter().filter(|(kind, _)| *kind == k).count() as u64;
    let hostile = Hostile::start(garbage.iter().map(|(_, d)| d.clone()).collect(), false);
    let opts = unicast(vec![hostile.addr.to_string()], Protocols::MULTICAST, 400);
    let started = Instant::now();
    let r = discovery::discover(&opts).expect("discover");
    assert!(started.elapsed() < Duration::from_millis(700));
    let d = &r.diagnostics;
    assert_eq!(serials(&r), ["SN-OK"]);
    assert_eq!(d.datagrams_received, garbage.len() as u64, "{d:#?}");
    assert_eq!(d.ignored_foreign, count("foreign"), "{d:#?}");
    assert_eq!(d.ignored_oversized, count("oversized"), "{d:#?}");
    assert_eq!(d.ignored_truncated, count("truncated"), "{d:#?}");
    assert_eq!(d.ignored_malformed, count("malformed"), "{d:#?}");
    assert_eq!(d.ignored_probes, count("probe"), "{d:#?}");
    assert_eq!(d.replies_accepted, 1);
    assert_partition(&r);
}

#[test]
fn device_count_is_capped() {
    let replies = (0..50)
        .map(|i| {
            format!(r#"{{"version":"1.0","flag":"ssip","serialnumber":"CAP-{i}","status":0}}"#)
                .into_bytes()
        })
        .collect();
    let hostile = Hostile::start(replies, false);
    let opts = DiscoverOptions {
        max_devices: 5,
        ..unicast(vec![hostile.addr.to_string()], Protocols::MULTICAST, 300)
    };
    let r = discovery::discover(&opts).expect("discover");
    assert_eq!(r.devices.len(), 5);
    assert_eq!(r.diagnostics.ignored_over_cap, 45);
    assert_partition(&r);
}

#[test]
fn returns_at_the_timeout_under_a_flood() {
    let hostile = Hostile::start(Vec::new(), true);
    let opts = unicast(vec![hostile.addr.to_string()], Protocols::BOTH, 300);
    let started = Instant::now();
    let r = discovery::discover(&opts).expect("discover");
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_millis(550),
        "took {took:?}"
    );
    assert!(r.devices.is_empty());
    assert!(r.diagnostics.ignored_truncated > 10, "{:#?}", r.diagnostics);
    assert_partition(&r);

    // Nobody answering at all: the same.
    let silent = UdpSocket::bind((LO, 0)).expect("bind");
    let opts = unicast(
        vec![silent.local_addr().expect("addr").to_string()],
        Protocols::BOTH,
        300,
    );
    let started = Instant::now();
    let r = discovery::discover(&opts).expect("discover");
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_millis(550),
        "took {took:?}"
    );
    assert!(r.devices.is_empty());
    assert_eq!(r.diagnostics.probes_sent, 4, "two protocols, probed twice");
}

#[test]
fn callback_can_stop_early() {
    let devs = [
        device("SN-STOP-1", true, ResponderOptions::ephemeral()),
        device("SN-STOP-2", true, ResponderOptions::ephemeral()),
    ];
    let targets = devs
        .iter()
        .map(|d| d.responder.multicast_addr().to_string())
        .collect();
    let opts = unicast(targets, Protocols::MULTICAST, 1500);
    let started = Instant::now();
    let mut seen = 0;
    let r = discovery::discover_each(&opts, |_| {
        seen += 1;
        ControlFlow::Break(())
    })
    .expect("discover");
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "stopping early must not wait for the timeout"
    );
    assert_eq!(seen, 1);
    assert_eq!(r.devices.len(), 1);
    assert!(r.diagnostics.stopped_early);
}

#[test]
fn bad_options_are_errors_not_traffic() {
    for bad in ["", "::1", "[::1]:1900", "127.0.0.1:notaport", "a host"] {
        let err =
            discovery::discover(&unicast(vec![bad.into()], Protocols::BOTH, 100)).expect_err(bad);
        assert_eq!(
            err.code(),
            ultrastream::model::codes::E_INVALID_ARGUMENT,
            "{bad}: {err}"
        );
    }
    let none = DiscoverOptions {
        protocols: Protocols {
            multicast: false,
            ssdp: false,
        },
        ..unicast(vec!["127.0.0.1".into()], Protocols::BOTH, 100)
    };
    assert!(discovery::discover(&none).is_err());
    // A local address this host does not have: the socket cannot be bound.
    let foreign_ip = DiscoverOptions {
        local_address: Some(Ipv4Addr::new(192, 0, 2, 1)),
        ..unicast(vec!["127.0.0.1".into()], Protocols::BOTH, 100)
    };
    let err = discovery::discover(&foreign_ip).expect_err("unbindable local address");
    assert_eq!(err.code(), ultrastream::model::codes::E_DISCOVERY, "{err}");
}

/// A plain UPnP device on loopback (no Magewell headers): answers M-SEARCH
/// with LOCATION pointing at a one-shot HTTP server serving `xml`.
fn upnp_device(
    xml: &'static str,
    location_host: Option<&str>,
) -> (SocketAddr, thread::JoinHandle<()>, thread::JoinHandle<()>) {
    let http = TcpListener::bind((LO, 0)).expect("bind tcp");
    let http_addr = http.local_addr().expect("addr");
    let server = thread::spawn(move || {
        http.set_nonblocking(true).expect("nonblocking");
        let until = Instant::now() + Duration::from_secs(2);
        while Instant::now() < until {
            match http.accept() {
                Ok((mut s, _)) => {
                    let _ = s.set_nonblocking(false);
                    let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
                    ssdp::serve_xml(&mut s, xml);
                    return;
                }
                Err(_) => thread::sleep(Duration::from_millis(5)),
            }
        }
    });
    let udp = UdpSocket::bind((LO, 0)).expect("bind udp");
    udp.set_read_timeout(Some(Duration::from_millis(50)))
        .expect("timeout");
    let udp_addr = udp.local_addr().expect("addr");
    let host = location_host
        .map(String::from)
        .unwrap_or_else(|| http_addr.ip().to_string());
    let location = format!("http://{host}:{}/description.xml", http_addr.port());
    let responder = thread::spawn(move || {
        // One answer, then stop.
        ssdp::on_msearch(&udp, Duration::from_secs(2), |peer| {
            let msg = format!(
                "HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=100\r\nEXT:\r\nLOCATION: {location}\r\nSERVER: Linux/3.10 UPnP/1.0 libupnp/1.6\r\nST: upnp:rootdevice\r\nUSN: uuid:{}::upnp:rootdevice\r\n\r\n",
                udp_addr.port()
            );
            let _ = udp.send_to(msg.as_bytes(), peer);
            false
        });
    });
    (udp_addr, responder, server)
}

#[test]
fn ssdp_description_identifies_a_device() {
    let magewell = "<?xml version=\"1.0\"?><root><device><deviceType>urn:schemas-upnp-org:device:Basic:1</deviceType>\
                    <friendlyName>Hall &amp; Stage</friendlyName><manufacturer>Magewell</manufacturer>\
                    <modelName>Ultra Stream HDMI</modelName><serialNumber>SN-DESC</serialNumber></device></root>";
    let acme = "<root><device><manufacturer>Acme Routers</manufacturer><serialNumber>R1</serialNumber></device></root>";
    let (a, ..) = upnp_device(magewell, None);
    let (b, ..) = upnp_device(acme, None);
    let (c, ..) = upnp_device(magewell, Some("127.0.0.2")); // LOCATION names another host: not fetched
    let opts = unicast(
        vec![a.to_string(), b.to_string(), c.to_string()],
        Protocols::SSDP,
        600,
    );
    let r = discovery::discover(&opts).expect("discover");
    assert_eq!(serials(&r), ["SN-DESC"], "{r:#?}");
    let d = &r.devices[0];
    assert_eq!(
        (d.product.as_str(), d.boxname.as_str()),
        ("Ultra Stream HDMI", "Hall & Stage")
    );
    assert_eq!(d.protocols, vec![Protocol::Ssdp]);
    assert_eq!(d.status, None);
    assert!(
        d.ssdp
            .as_ref()
            .is_some_and(|s| s.location.ends_with("/description.xml"))
    );
    let diag = &r.diagnostics;
    assert_eq!(
        (
            diag.ssdp_candidates,
            diag.descriptions_fetched,
            diag.descriptions_matched,
            diag.description_errors
        ),
        (3, 2, 1, 1),
        "{diag:#?}"
    );
    assert_partition(&r);

    // Without description fetches nothing is contacted and nothing found.
    let (a, ..) = upnp_device(magewell, None);
    let opts = DiscoverOptions {
        fetch_descriptions: false,
        ..unicast(vec![a.to_string()], Protocols::SSDP, 300)
    };
    let r = discovery::discover(&opts).expect("discover");
    assert!(r.devices.is_empty());
    assert_eq!(
        (
            r.diagnostics.ssdp_candidates,
            r.diagnostics.descriptions_fetched
        ),
        (1, 0)
    );
}

#[test]
fn json_format() {
    let dev = device("SN-JSON", true, ResponderOptions::ephemeral());
    let targets = vec![
        dev.responder.multicast_addr().to_string(),
        dev.responder.ssdp_addr().to_string(),
    ];
    let r = discovery::discover(&unicast(targets, Protocols::BOTH, 300)).expect("discover");
    let v: serde_json::Value = serde_json::from_str(&r.to_json()).expect("valid JSON");
    let d = &v["devices"][0];
    for key in [
        "version",
        "flag",
        "product",
        "boxname",
        "serialnumber",
        "wifiip",
        "ethip",
        "status",
        "status_flags",
        "address",
        "addresses",
        "protocols",
        "ssdp",
        "extra",
    ] {
        assert!(d.get(key).is_some(), "device JSON lacks {key}: {d}");
    }
    assert_eq!(d["serialnumber"], "SN-JSON");
    assert_eq!(d["status"], STATUS_PASSWD);
    assert_eq!(d["address"], "127.0.0.1");
    assert_eq!(d["protocols"], serde_json::json!(["multicast", "ssdp"]));
    assert_eq!(
        v["diagnostics"]["interfaces"],
        serde_json::json!(["127.0.0.1"])
    );
    for key in [
        "datagrams_received",
        "ignored_foreign",
        "ignored_oversized",
        "ignored_truncated",
        "ignored_malformed",
        "elapsed_ms",
    ] {
        assert!(v["diagnostics"][key].is_u64(), "diagnostics lacks {key}");
    }
    let one: serde_json::Value = serde_json::from_str(&r.devices[0].to_json()).expect("valid JSON");
    assert_eq!(&one, d);
}

#[test]
fn responder_stops_promptly() {
    let mut dev = device("SN-STOP", true, ResponderOptions::ephemeral());
    let started = Instant::now();
    dev.responder.stop();
    dev.responder.stop();
    assert!(started.elapsed() < Duration::from_millis(200));
    let r = discovery::discover(&unicast(
        vec![dev.responder.multicast_addr().to_string()],
        Protocols::MULTICAST,
        150,
    ))
    .expect("discover");
    assert!(r.devices.is_empty(), "a stopped responder does not answer");
}
