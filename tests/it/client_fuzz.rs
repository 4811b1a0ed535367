//! No reply from the network can crash the client: random and
//! half-valid HTTP answers only ever give a defined error code (or, for a
//! well-formed JSON object, a reply).

use crate::fuzzer::Rng;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use ultrastream::model::codes;
use ultrastream::{Device, Options};

/// One hostile answer: random bytes, a broken head, or a valid head with
/// a random, truncated or mistyped JSON body.
fn answer(rng: &mut Rng) -> Vec<u8> {
    let bodies: [&[u8]; 12] = [
        b"{\"result\":0}",
        b"{\"result\":\"-9\"}",
        b"{\"result\":1e99}",
        b"{\"result\":[1]}",
        b"{\"status\":0,\"up-to-date\":\"yes\",\"size\":-5}",
        b"{\"result\":0,\"cur-status\":\"x\",\"usb\":[],\"rec-status\":7}",
        b"[]",
        b"null",
        b"{\"result\":0,",
        b"\xff\xfe\x00garbage",
        b"{\"result\":0,\"a\":\"\\ud800\"}",
        b"{\"result\":-17}",
    ];
    match rng.below(5) {
        0 => (0..rng.below(300)).map(|_| rng.next() as u8).collect(),
        1 => b"HTTP/1.1 200 OK\r\nContent-Length: nope\r\n\r\n{}".to_vec(),
        2 => {
            let body = bodies[rng.below(bodies.len())];
            let cut = rng.below(body.len() + 1);
            let mut v =
                format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len()).into_bytes();
            v.extend_from_slice(&body[..cut]);
            v
        }
        3 => {
            let status = [200, 204, 301, 404, 500, 999][rng.below(6)];
            let body = bodies[rng.below(bodies.len())];
            let cookie = [
                "",
                "Set-Cookie: sid=\u{1}bad\r\n",
                "Set-Cookie: sid=; path=/\r\n",
            ][rng.below(3)];
            let mut v = format!(
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\n{cookie}\r\n",
                body.len()
            )
            .into_bytes();
            v.extend_from_slice(body);
            v
        }
        _ => {
            let body = bodies[rng.below(bodies.len())];
            let mut v = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
            v.extend_from_slice(format!("{:x}\r\n", body.len() + rng.below(3)).as_bytes());
            v.extend_from_slice(body);
            v.extend_from_slice(b"\r\n0\r\n\r\n");
            v
        }
    }
}

#[test]
fn hostile_replies_give_defined_codes_never_a_panic() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let rng = Arc::new(Mutex::new(Rng::new(0x2545F4914F6CDD1D)));
    let r2 = rng.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut buf = [0u8; 4096];
            let mut seen = Vec::new();
            // Read the request head, then answer once and close.
            while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => seen.extend_from_slice(&buf[..n]),
                }
            }
            let a = answer(&mut r2.lock().unwrap());
            let _ = s.write_all(&a);
        }
    });
    let opts = Options {
        request_timeout: Duration::from_millis(500),
        ..Options::default()
    };
    let dev = Device::connect(&addr, opts).unwrap();
    let mut outcomes = std::collections::BTreeMap::new();
    for i in 0..400 {
        let code = match i % 5 {
            0 => dev.get_status().map(|_| 0).unwrap_or_else(|e| e.code()),
            1 => dev.get_info().map(|_| 0).unwrap_or_else(|e| e.code()),
            2 => dev.ping().map(|_| 0).unwrap_or_else(|e| e.code()),
            3 => dev
                .login("Admin", "pw")
                .map(|_| 0)
                .unwrap_or_else(|e| e.code()),
            _ => dev
                .upload_update_bytes("f.mwf", b"abc")
                .map(|_| 0)
                .unwrap_or_else(|e| e.code()),
        };
        assert!(
            codes::info(code).is_some(),
            "round {i}: undefined code {code}"
        );
        *outcomes.entry(codes::name(code)).or_insert(0) += 1;
    }
    // The answers were hostile enough to reach several error paths.
    for expected in ["USAPI_E_BAD_REPLY", "USAPI_E_HTTP_STATUS"] {
        assert!(outcomes.contains_key(expected), "{outcomes:?}");
    }
    assert!(outcomes.len() >= 4, "{outcomes:?}");
}
