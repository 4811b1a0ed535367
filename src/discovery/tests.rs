//! Unit tests of the parsers, target resolution and merging.

use super::merge::*;
use super::multicast::*;
use super::run::*;
use super::ssdp::*;
use super::*;
use crate::error::Error;

fn reply(body: &str) -> ReplyFields {
    match classify(body.as_bytes()) {
        Datagram::Reply(r) => *r,
        other => panic!("not a reply: {other:?}"),
    }
}

#[test]
fn documented_reply_parses() {
    // The vendor document's example (captures/magewell-docs-ultra-stream__discovery-multicast-2538.json).
    let body = r#"{
  "version": "1.0",
  "flag": "ssip",
  "product": "Ultra Stream",
  "boxname": "[LH-SDI]-1.2.1",
  "serialnumber": "A302190719003",
  "wifiip": "192.168.48.1",
  "ethip": "192.168.1.217",
  "status": 65600
}"#;
    let r = reply(body);
    assert_eq!(r.serialnumber, "A302190719003");
    assert_eq!(r.product, "Ultra Stream");
    assert_eq!(r.boxname, "[LH-SDI]-1.2.1");
    assert_eq!(r.version, "1.0");
    assert_eq!(r.flag, "ssip");
    assert_eq!(r.wifiip, "192.168.48.1");
    assert_eq!(r.ethip, "192.168.1.217");
    assert_eq!(r.status, Some(65600));
    assert!(r.extra.is_empty());
}

#[test]
fn http_port_gives_the_host_to_connect_to() {
    let r = reply(r#"{"flag":"ssip","serialnumber":"S1","status":0,"http-port":8081,"fw":"2"}"#);
    assert_eq!(r.http_port, Some(8081));
    assert!(!r.extra.contains_key("http-port"));
    for (v, want) in [
        (r#""8082""#, Some(8082)),
        ("0", None),
        ("70000", None),
        ("\"x\"", None),
    ] {
        let body = format!(r#"{{"flag":"ssip","serialnumber":"S1","http-port":{v}}}"#);
        assert_eq!(reply(&body).http_port, want, "{v}");
    }
    let mut d = DiscoveredDevice::new(Ipv4Addr::LOCALHOST);
    assert_eq!(d.host(), "127.0.0.1");
    merge_into(&mut d, Ipv4Addr::LOCALHOST, r, Protocol::Multicast, None);
    assert_eq!((d.port, d.host().as_str()), (Some(8081), "127.0.0.1:8081"));
    // An SSDP LOCATION naming the API on the answering address.
    let mut d = DiscoveredDevice::new(Ipv4Addr::LOCALHOST);
    let ssdp = |loc: &str| SsdpInfo {
        location: loc.into(),
        ..Default::default()
    };
    merge_into(
        &mut d,
        Ipv4Addr::LOCALHOST,
        ReplyFields::default(),
        Protocol::Ssdp,
        Some(ssdp("http://127.0.0.1:9000/desc.xml")),
    );
    assert_eq!(d.port, None, "a description's port is not the API's");
    merge_into(
        &mut d,
        Ipv4Addr::LOCALHOST,
        ReplyFields::default(),
        Protocol::Ssdp,
        Some(ssdp("http://127.0.0.1:9001/usapi?method=ping")),
    );
    assert_eq!(d.port, Some(9001));
}

#[test]
fn extra_fields_and_lenient_types() {
    let r =
        reply(r#"{"flag":"SSIP","serialnumber":" X1 ","status":"0x12","version":1.0,"fw":"2.1"}"#);
    assert_eq!(r.serialnumber, "X1");
    assert_eq!(r.status, Some(0x12));
    assert_eq!(r.version, "1.0");
    assert_eq!(r.extra.get("fw"), Some(&Value::String("2.1".into())));
}

#[test]
fn garbage_is_sorted() {
    use Datagram::*;
    let cases: &[(&[u8], Datagram)] = &[
        (b"", Truncated),
        (b"   ", Truncated),
        (br#"{"flag":"ssip","serialnumber":"A1""#, Truncated),
        (
            br#"{"flag":"ssip","serialnumber":"A1"} trailing"#,
            Malformed,
        ),
        (
            br#"{"flag":"ssip","serialnumber":7,"product":"x"}"#,
            Malformed,
        ),
        (
            br#"{"flag":"ssip","serialnumber":"","product":"x"}"#,
            Malformed,
        ),
        (
            br#"{"flag":"ssip","serialnumber":"A1","status":-1}"#,
            Malformed,
        ),
        (
            br#"{"flag":"ssip","serialnumber":"A1","status":{}}"#,
            Malformed,
        ),
        (
            br#"{"flag":"ssip","serialnumber":"A1","boxname":["x"]}"#,
            Malformed,
        ),
        (br#"{"flag":"ssip","product":"Ultra Stream"}"#, Malformed),
        (br#"{"flag":"xxxx","serialnumber":"A1"}"#, Foreign),
        (br#"{"hello":"world"}"#, Foreign),
        (
            br#"{"version":"1.0","flag":"ssip","request":"discover"}"#,
            Probe,
        ),
        (
            b"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n\r\n",
            Probe,
        ),
        (
            b"NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n\r\n",
            Foreign,
        ),
        (b"HTTP/1.1 404 Not Found\r\n\r\n", Foreign),
        (b"HTTP/1.1 200 OK\r\nLOCATION: http://1.2.3.4/", Truncated),
        (b"HTTP/1.1 2x0 OK\r\n\r\n", Malformed),
        (b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", Malformed),
        (b"HTTP/1.1 200 OK\r\nSERVER: x\r\n\r\n", Foreign),
        (b"\x00\x01\x02\xff\xfe", Malformed),
        (b"hello there", Foreign),
        (b"[1,2,3]", Foreign),
    ];
    for (data, want) in cases {
        assert_eq!(&classify(data), want, "{:?}", String::from_utf8_lossy(data));
    }
    assert_eq!(classify(&vec![b' '; MAX_DATAGRAM + 1]), Datagram::Oversized);
    let long_serial = format!(r#"{{"flag":"ssip","serialnumber":"{}"}}"#, "A".repeat(65));
    assert_eq!(classify(long_serial.as_bytes()), Datagram::Malformed);
}

#[test]
fn ssdp_answers() {
    let sim = "HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=1800\r\nEXT:\r\nLOCATION: http://127.0.0.1:8080/usapi?method=ping\r\n\
                   SERVER: Linux UPnP/1.0 Magewell-Ultra-Stream/1.0\r\nST: upnp:rootdevice\r\nUSN: uuid:abc::upnp:rootdevice\r\n\
                   X-MAGEWELL-SERIALNUMBER: A1\r\nX-MAGEWELL-PRODUCT: Ultra Stream\r\nX-MAGEWELL-STATUS: 18\r\n\r\n";
    let Datagram::Ssdp(a) = classify(sim.as_bytes()) else {
        panic!("not ssdp")
    };
    assert_eq!(a.info.location, "http://127.0.0.1:8080/usapi?method=ping");
    assert_eq!(a.info.usn, "uuid:abc::upnp:rootdevice");
    let SsdpIdentity::Magewell(r) = a.identity else {
        panic!("not identified")
    };
    assert_eq!(
        (r.serialnumber.as_str(), r.product.as_str(), r.status),
        ("A1", "Ultra Stream", Some(18))
    );

    let other = "HTTP/1.1 200 OK\r\nLOCATION: http://10.0.0.1:49152/desc.xml\r\nST: upnp:rootdevice\r\nUSN: uuid:r::upnp:rootdevice\r\n\r\n";
    let Datagram::Ssdp(a) = classify(other.as_bytes()) else {
        panic!("not ssdp")
    };
    assert_eq!(a.identity, SsdpIdentity::Unknown);
}

#[test]
fn descriptions() {
    let xml = "<root><device><friendlyName>Stage &amp; Left</friendlyName><manufacturer>Magewell</manufacturer>\
                   <modelName>Ultra Stream SDI</modelName><serialNumber>A9</serialNumber></device></root>";
    let r = parse_description(xml).expect("magewell");
    assert_eq!(
        (
            r.serialnumber.as_str(),
            r.product.as_str(),
            r.boxname.as_str()
        ),
        ("A9", "Ultra Stream SDI", "Stage & Left")
    );
    assert!(parse_description("<root><manufacturer>Acme</manufacturer></root>").is_none());
    assert!(parse_description("<root><manufacturer>Magewell").is_none());
    assert_eq!(
        parse_http_url("http://10.0.0.1:49152/d.xml"),
        Some(("10.0.0.1:49152".parse().unwrap(), "/d.xml".into()))
    );
    assert_eq!(
        parse_http_url("http://10.0.0.1"),
        Some(("10.0.0.1:80".parse().unwrap(), "/".into()))
    );
    assert_eq!(parse_http_url("ftp://10.0.0.1/"), None);
    assert_eq!(parse_http_url("http://name.local/"), None);
}

#[test]
fn targets() {
    assert_eq!(
        resolve_target("127.0.0.1").unwrap(),
        vec![(Ipv4Addr::LOCALHOST, None)]
    );
    assert_eq!(
        resolve_target(" 127.0.0.1:99 ").unwrap(),
        vec![(Ipv4Addr::LOCALHOST, Some(99))]
    );
    assert!(
        resolve_target("localhost:5")
            .unwrap()
            .contains(&(Ipv4Addr::LOCALHOST, Some(5)))
    );
    for bad in ["", "::1", "[::1]:5", "1.2.3.4:x", "a b", "1.2.3.4:70000"] {
        assert!(
            matches!(resolve_target(bad), Err(Error::InvalidArgument { .. })),
            "{bad}"
        );
    }
}

#[test]
fn merge_keeps_addresses_and_protocols() {
    let opts = DiscoverOptions {
        targets: vec!["127.0.0.1:9".into()],
        ..Default::default()
    };
    let mut run = Run::new(&opts).expect("socket");
    let a = Ipv4Addr::new(10, 0, 0, 1);
    let b = Ipv4Addr::new(10, 0, 1, 1);
    let body = br#"{"version":"1.0","flag":"ssip","product":"Ultra Stream","serialnumber":"S1","status":2}"#;
    assert!(matches!(run.datagram(a, body), Step::NewDevice(0)));
    assert!(matches!(run.datagram(b, body), Step::Nothing));
    let ssdp = "HTTP/1.1 200 OK\r\nLOCATION: http://10.0.0.1/\r\nUSN: uuid:s1\r\nSERVER: Magewell\r\nX-MAGEWELL-STATUS: 0\r\n\r\n";
    // No serial in the SSDP answer: merged by address; its status does
    // not override the multicast reply's.
    assert!(matches!(run.datagram(a, ssdp.as_bytes()), Step::Nothing));
    assert_eq!(run.devices.len(), 1);
    let d = &run.devices[0];
    assert_eq!(d.addresses, vec![a, b]);
    assert_eq!(d.protocols, vec![Protocol::Multicast, Protocol::Ssdp]);
    assert_eq!(d.status, Some(2));
    assert_eq!(d.status_flags, vec!["statusRecord"]);
    assert_eq!(run.diag.duplicate_replies, 2);
    assert_eq!(run.diag.replies_accepted, 3);
}
