//! Fuzz target: the simulator's request reader (heads, Content-Length and
//! chunked bodies, pipelining, reads split at every size) and the decoders
//! behind it (query strings, cookies, ranges, multipart, the firmware
//! check), through `ultrastream::fuzzing::sim_request`. The first byte
//! of an input picks how many bytes each read delivers (0: all at once).
//! See tests/fuzzer/mod.rs for the engine; the long run (>= 10 M executions):
//!
//! ```text
//! FUZZ_ITERS=10000000 FUZZ_THREADS=2 cargo test --release --test it fuzz_sim_request:: -- --nocapture
//! ```

use crate::fuzzer;

use ultrastream::fuzzing::sim_request as fuzz_request_reader;

/// Inputs that once failed or sit on an edge, kept as regression tests.
const REGRESSIONS: &[&[u8]] = &[
    b"",
    b"\x00",
    b"\x01\n\n",
    b"\x00GET / HTTP/1.1\r\n\r\n",
    // A chunk size that overflows usize.
    b"\x00POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n",
    // A chunk longer than its size.
    b"\x00POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nxyz\r\n0\r\n\r\n",
    // Content-Length past the 64 MiB cap, and a negative one.
    b"\x00POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
    b"\x00POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
    // Ranges at the edges.
    b"\x00GET /download/x HTTP/1.1\r\nRange: bytes=-0\r\n\r\n",
    b"\x00GET /download/x HTTP/1.1\r\nRange: bytes=18446744073709551615-\r\n\r\n",
    b"\x00GET /download/x HTTP/1.1\r\nRange: bytes=-18446744073709551615\r\n\r\n",
    // A multipart body whose delimiter never comes, and one with no parts.
    b"\x05POST /usapi?method=upload-update-file HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=B\r\nContent-Length: 20\r\n\r\n--B\r\n\r\n\r\nMWF-SIM 1\n",
    b"\x00POST /usapi?method=upload-update-file HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=B\r\nContent-Length: 5\r\n\r\n--B--",
    // An image header announcing more payload than exists.
    b"\x00POST /usapi?method=upload-update-file HTTP/1.1\r\nContent-Length: 60\r\n\r\nMWF-SIM 1\nmodel: hdmi\npayload-bytes: 99999999999\npayload-fnv1a64: 0\n\n",
    // Percent escapes cut short.
    b"\x00GET /%?method=%&a=%4&%zz=+ HTTP/1.1\r\nCookie: sid=; sid=\"\r\n\r\n",
];

const DICT: &[&[u8]] = &[
    b"\r\n",
    b"\r\n\r\n",
    b"\n\n",
    b"GET ",
    b"POST ",
    b"HEAD ",
    b" HTTP/1.1",
    b" HTTP/1.0",
    b"http://127.0.0.1:8080",
    b"/usapi?method=",
    b"/__sim/control",
    b"/download/media/disk0/",
    b"Content-Length: ",
    b"Transfer-Encoding: chunked",
    b"Expect: 100-continue",
    b"Connection: close",
    b"Connection: keep-alive",
    b"Cookie: sid=",
    b"Range: bytes=",
    b"Content-Type: multipart/form-data; boundary=",
    b"Content-Type: application/x-www-form-urlencoded",
    b"Content-Disposition: form-data; name=\"file\"; filename=\"",
    b"--XyZ",
    b"--XyZ--",
    b"0\r\n\r\n",
    b"ffffffff",
    b"%",
    b"%2B",
    b"+",
    b"&",
    b"=",
    b"MWF-SIM 1\n",
    b"model: sdi\n",
    b"payload-bytes: ",
    b"payload-fnv1a64: ",
    b"ultra_stream_hdmi_rev_c_1_2_123.mwf",
];

/// A small valid image in the simulator's format (payload "abcdefgh").
fn tiny_image() -> Vec<u8> {
    let payload = b"abcdefgh";
    let fnv = payload.iter().fold(0xcbf29ce484222325u64, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    });
    let mut v = format!(
        "MWF-SIM 1\nproduct: Ultra Stream\nmodel: hdmi\nhardware: C\nversion: 1.2.200\npayload-bytes: 8\npayload-fnv1a64: {fnv:016x}\n\n"
    )
    .into_bytes();
    v.extend_from_slice(payload);
    v
}

fn seeds() -> Vec<Vec<u8>> {
    let img = tiny_image();
    let mut multipart = b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"fw.mwf\"\r\nContent-Type: application/octet-stream\r\n\r\n".to_vec();
    multipart.extend_from_slice(&img);
    multipart.extend_from_slice(b"\r\n--XyZ--\r\n");
    let with_body = |head: &str, body: &[u8]| {
        let mut v = format!("{head}Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        v.extend_from_slice(body);
        v
    };
    let requests: Vec<Vec<u8>> = vec![
        b"GET /usapi?method=ping HTTP/1.1\r\nHost: sim\r\n\r\n".to_vec(),
        b"GET /usapi?method=login&id=Admin&pass=e3afed0047b08059d0fada10f400c1e5 HTTP/1.1\r\nHost: sim\r\n\r\nGET /usapi?method=get-status HTTP/1.1\r\nCookie: sid=0123; path=/\r\nConnection: close\r\n\r\n".to_vec(),
        b"GET http://127.0.0.1:8080/usapi/usapi?method=set-name&name=My%20Box%2B1+'A' HTTP/1.0\r\nConnection: keep-alive\r\n\r\n".to_vec(),
        with_body(
            "POST /__sim/control HTTP/1.1\r\nContent-Type: application/json\r\n",
            br#"{"cmd":"set-disk","disk":"usb","free_bytes":1000}"#,
        ),
        b"GET /__sim/control?cmd=fault&method=ping&kind=latency&ms=5 HTTP/1.1\r\n\r\n".to_vec(),
        b"POST /usapi?method=del-media-files HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\n{\"dis\r\n1a\r\nk-type\":0,\"media-files\":[]}\r\n0\r\nTrailer: x\r\n\r\n".to_vec(),
        with_body(
            "POST /usapi?method=upload-update-file HTTP/1.1\r\nExpect: 100-continue\r\nContent-Type: multipart/form-data; boundary=XyZ\r\n",
            &multipart,
        ),
        with_body(
            "POST /usapi?method=upload-update-file&filename=ultra_stream_hdmi_rev_c_1_2_123.mwf HTTP/1.1\r\nContent-Type: application/octet-stream\r\n",
            &img,
        ),
        with_body(
            "POST /usapi HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n",
            b"method=set-date-time&time=2019-09-10+15:00:00",
        ),
        b"HEAD /download/media/disk0/Rec/rec_1_1.mp4 HTTP/1.1\r\nRange: bytes=0-9\r\n\r\nGET /download/media/disk0/Rec/thumbnail/t.jpg HTTP/1.1\r\nRange: bytes=-5\r\n\r\n".to_vec(),
        b"GET / HTTP/1.1\n\n".to_vec(),
    ];
    // Each at once, byte by byte and in odd pieces.
    let mut out = Vec::new();
    for r in &requests {
        for step in [0u8, 1, 7, 63] {
            let mut v = vec![step];
            v.extend_from_slice(r);
            out.push(v);
        }
    }
    out
}

#[test]
fn seeds_are_read_as_requests() {
    // The target really parses: every seed yields at least one request,
    // and the pipelined ones all of theirs.
    for s in seeds() {
        assert!(
            fuzz_request_reader(&s) >= 1,
            "{:?}",
            String::from_utf8_lossy(&s)
        );
    }
    let login_then_status = &seeds()[4];
    assert_eq!(fuzz_request_reader(login_then_status), 2);
}

#[test]
fn regressions_never_panic() {
    for r in REGRESSIONS {
        fuzz_request_reader(r);
    }
}

#[test]
fn fuzz_sim_request() {
    let n = fuzzer::run(
        "fuzz_sim_request",
        &seeds(),
        REGRESSIONS,
        DICT,
        20_000,
        |d| {
            fuzz_request_reader(d);
        },
    );
    assert!(n > 0);
}
