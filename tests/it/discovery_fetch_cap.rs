//! One SSDP responder answering 40 times with LOCATIONs that stall cannot
//! take every description-fetch slot: another SSDP-only device answering
//! after it is still identified in the same search. Loopback only.

use crate::ssdp;

use std::net::{Ipv4Addr, SocketAddr, TcpListener, UdpSocket};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;
use ultrastream::discovery::{self, DiscoverOptions, Protocols};

const LO: Ipv4Addr = Ipv4Addr::LOCALHOST;
/// A second loopback address (all of 127/8 is loopback on Linux), so the
/// good device answers from another address than the hostile one.
const LO3: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 3);

/// Answers each M-SEARCH with 40 LOCATIONs on one TCP listener that
/// accepts and never answers; tells `done` after each burst.
fn staller(done: mpsc::Sender<()>) -> SocketAddr {
    let http = TcpListener::bind((LO, 0)).unwrap();
    let http_port = http.local_addr().unwrap().port();
    thread::spawn(move || {
        let mut held = Vec::new();
        for s in http.incoming().flatten() {
            held.push(s); // held open, silent, until the test ends
            if held.len() > 200 {
                break;
            }
        }
    });
    let udp = UdpSocket::bind((LO, 0)).unwrap();
    udp.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let addr = udp.local_addr().unwrap();
    thread::spawn(move || {
        ssdp::on_msearch(&udp, Duration::from_secs(20), |peer| {
            for i in 0..40 {
                let msg = format!(
                    "HTTP/1.1 200 OK\r\nLOCATION: http://127.0.0.1:{http_port}/stall{i}.xml\r\nST: upnp:rootdevice\r\nUSN: uuid:stall-{i}::upnp:rootdevice\r\n\r\n"
                );
                let _ = udp.send_to(msg.as_bytes(), peer);
            }
            done.send(()).is_ok()
        });
    });
    addr
}

/// A Magewell device known only by its UPnP description, on 127.0.0.3;
/// it answers each M-SEARCH only after the staller's burst.
fn good_device(after: mpsc::Receiver<()>) -> SocketAddr {
    let xml = "<root><device><manufacturer>Magewell</manufacturer><modelName>Ultra Stream SDI</modelName>\
               <friendlyName>Good</friendlyName><serialNumber>SN-GOOD</serialNumber></device></root>";
    let http = TcpListener::bind((LO3, 0)).unwrap();
    let http_port = http.local_addr().unwrap().port();
    thread::spawn(move || {
        for mut s in http.incoming().flatten() {
            let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
            ssdp::serve_xml(&mut s, xml);
        }
    });
    let udp = UdpSocket::bind((LO3, 0)).unwrap();
    udp.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let addr = udp.local_addr().unwrap();
    thread::spawn(move || {
        ssdp::on_msearch(&udp, Duration::from_secs(20), |peer| {
            // Strictly after the hostile burst reached the same socket.
            if after.recv_timeout(Duration::from_secs(10)).is_err() {
                return false;
            }
            let msg = format!(
                "HTTP/1.1 200 OK\r\nLOCATION: http://127.0.0.3:{http_port}/desc.xml\r\nST: upnp:rootdevice\r\nUSN: uuid:good::upnp:rootdevice\r\n\r\n"
            );
            let _ = udp.send_to(msg.as_bytes(), peer);
            true
        });
    });
    addr
}

#[test]
fn one_stalling_responder_cannot_take_every_fetch_slot() {
    let (tx, rx) = mpsc::channel();
    let hostile = staller(tx);
    let good = good_device(rx);
    let opts = DiscoverOptions {
        // A generous bound for a loaded machine; the search stops as soon
        // as the good device is found.
        timeout: Duration::from_secs(30),
        local_address: Some(LO),
        protocols: Protocols::SSDP,
        targets: vec![hostile.to_string(), good.to_string()],
        ..Default::default()
    };
    let r = discovery::discover_each(&opts, |d| {
        if d.serialnumber == "SN-GOOD" {
            std::ops::ControlFlow::Break(())
        } else {
            std::ops::ControlFlow::Continue(())
        }
    })
    .expect("discover");
    let serials: Vec<&str> = r.devices.iter().map(|d| d.serialnumber.as_str()).collect();
    assert_eq!(serials, ["SN-GOOD"], "{:#?}", r.diagnostics);
    let d = &r.diagnostics;
    assert!(d.ssdp_candidates >= 41, "{d:#?}");
    assert!(
        d.descriptions_skipped >= 36,
        "the staller got more than 4 fetches: {d:#?}"
    );
    assert_eq!(d.descriptions_matched, 1, "{d:#?}");
}
