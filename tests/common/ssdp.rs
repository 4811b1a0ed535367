//! Loopback SSDP test doubles shared by tests/it/discovery.rs and
//! tests/it/discovery_fetch_cap.rs: a description server's answer and an
//! M-SEARCH responder loop. Included with
//! `mod ssdp` in tests/it/main.rs.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

/// Read the whole request head (it may come in several writes), then
/// answer `xml` as text/xml: closing with unread bytes would reset the
/// connection and could lose the answer.
pub fn serve_xml(s: &mut TcpStream, xml: &str) {
    let mut req = Vec::new();
    let mut buf = [0u8; 1024];
    while !req.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => req.extend_from_slice(&buf[..n]),
        }
    }
    let _ = write!(
        s,
        "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n{xml}",
        xml.len()
    );
}

/// For `lasting`, call `answer(peer)` with each M-SEARCH that reaches
/// `udp` (give it a short read timeout); `answer` returns false to stop.
pub fn on_msearch(udp: &UdpSocket, lasting: Duration, mut answer: impl FnMut(SocketAddr) -> bool) {
    let until = Instant::now() + lasting;
    let mut buf = [0u8; 2048];
    while Instant::now() < until {
        if let Ok((n, peer)) = udp.recv_from(&mut buf)
            && buf[..n].starts_with(b"M-SEARCH")
            && !answer(peer)
        {
            return;
        }
    }
}
