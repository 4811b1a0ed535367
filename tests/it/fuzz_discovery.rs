//! Fuzz target: discovery datagrams (multicast JSON answers, SSDP HTTP
//! answers, probes, garbage) and the UPnP description parser. See
//! tests/fuzzer/mod.rs for the long run (>= 10 M executions).

use crate::fuzzer;

/// Inputs that once failed, kept as regression tests (none found so far).
const REGRESSIONS: &[&[u8]] = &[b"", b"\xEF\xBB\xBF", b"{", b"HTTP/", b"<root><device>"];

const DICT: &[&[u8]] = &[
    b"\r\n",
    b"\r\n\r\n",
    b"LOCATION: http://127.0.0.1:8080/x.xml\r\n",
    b"USN: uuid:x::upnp:rootdevice\r\n",
    b"SERVER: Magewell\r\n",
    b"X-MAGEWELL-STATUS: 0x40\r\n",
    b"X-MAGEWELL-SERIALNUMBER: A1\r\n",
    b"\"serialnumber\":",
    b"\"status\":",
    b"\"flag\":\"ssip\"",
    b"<manufacturer>Magewell</manufacturer>",
    b"<serialNumber>",
    b"</serialNumber>",
    b"&amp;",
    b"&#x",
    b"<![CDATA[",
];

#[test]
fn fuzz_discovery() {
    let mut seeds = fuzzer::seeds_from_data("discovery");
    seeds.push(b"HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=1800\r\nEXT:\r\nLOCATION: http://127.0.0.1:8080/usapi?method=ping\r\nSERVER: Linux UPnP/1.0 Magewell/1.0\r\nST: upnp:rootdevice\r\nUSN: uuid:a::upnp:rootdevice\r\nX-MAGEWELL-SERIALNUMBER: A302190719003\r\nX-MAGEWELL-PRODUCT: Ultra Stream\r\nX-MAGEWELL-STATUS: 65600\r\n\r\n".to_vec());
    seeds.push(b"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 1\r\nST: ssdp:all\r\n\r\n".to_vec());
    seeds.push(b"<?xml version=\"1.0\"?><root><device><manufacturer>Magewell</manufacturer><modelName>Ultra Stream HDMI</modelName><friendlyName>Hall &amp; Stage</friendlyName><serialNumber>SN-DESC</serialNumber></device></root>".to_vec());
    seeds.push(br#"{"flag":"ssip"}"#.to_vec());
    assert!(seeds.len() >= 5, "seeds missing from tests/data/fuzz");
    let n = fuzzer::run(
        "fuzz_discovery",
        &seeds,
        REGRESSIONS,
        DICT,
        5_000,
        ultrastream::fuzzing::datagram,
    );
    assert!(n > 0);
}
