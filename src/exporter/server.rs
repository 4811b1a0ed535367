//! The exporter's HTTP server: GET (and HEAD) of `/`, `/metrics` and
//! `/probe`, one short-lived thread per connection (at most
//! `MAX_CONNECTIONS`), the request head read with a bound on size and
//! time, one response per connection. No page shows a credential: they
//! are only named.

use super::{Probe, Shared};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const MAX_CONNECTIONS: usize = 64;
const MAX_HEAD: usize = 16 * 1024;

const INDEX: &str = "<!DOCTYPE html>\n<html><head><title>Ultra Stream exporter</title></head><body>\n\
<h1>Ultra Stream exporter</h1>\n<p><a href=\"/metrics\">/metrics</a>: the fleet's metrics.</p>\n\
<p>/probe?target=HOST&amp;auth=NAME: one device the configuration allows (multi-target mode).</p>\n\
</body></html>\n";

pub(super) fn serve(shared: Arc<Shared>, listener: TcpListener) {
    let open = Arc::new(AtomicUsize::new(0));
    for conn in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(mut stream) = conn else { continue };
        if open.load(Ordering::SeqCst) >= MAX_CONNECTIONS {
            let _ = respond(
                &mut stream,
                503,
                "text/plain",
                "too many connections: retry\n",
                false,
            );
            continue;
        }
        open.fetch_add(1, Ordering::SeqCst);
        let s = Arc::clone(&shared);
        let o = Arc::clone(&open);
        let spawned = std::thread::Builder::new()
            .name("usapi-exp-conn".into())
            .spawn(move || {
                handle(&s, stream);
                o.fetch_sub(1, Ordering::SeqCst);
            });
        if spawned.is_err() {
            open.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

fn handle(shared: &Shared, mut stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(30)));
    let _ = stream.set_nodelay(true);
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 2048];
    let (method, path) = loop {
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut req = httparse::Request::new(&mut headers);
        match req.parse(&buf) {
            Ok(httparse::Status::Complete(_)) => {
                break (
                    req.method.unwrap_or("").to_string(),
                    req.path.unwrap_or("").to_string(),
                );
            }
            Ok(httparse::Status::Partial) => {}
            Err(_) => {
                let _ = respond(
                    &mut stream,
                    400,
                    "text/plain",
                    "not an HTTP request\n",
                    false,
                );
                return;
            }
        }
        if buf.len() > MAX_HEAD {
            let _ = respond(
                &mut stream,
                431,
                "text/plain",
                "request head too large\n",
                false,
            );
            return;
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = method == "HEAD";
    if method != "GET" && !head {
        let _ = respond(&mut stream, 405, "text/plain", "only GET and HEAD\n", false);
        return;
    }
    let (route, query) = path.split_once('?').unwrap_or((&path, ""));
    let _ = match route {
        "/" => respond(&mut stream, 200, "text/html; charset=utf-8", INDEX, head),
        "/metrics" => {
            let cpu0 = thread_cpu();
            let r = respond(
                &mut stream,
                200,
                super::CONTENT_TYPE,
                &shared.metrics(),
                head,
            );
            let spent = thread_cpu().saturating_sub(cpu0);
            shared
                .last_scrape_cpu_ns
                .store(spent.as_nanos() as u64, Ordering::Relaxed);
            r
        }
        "/probe" => {
            let target = param(query, "target").unwrap_or_default();
            let auth = param(query, "auth").unwrap_or_else(|| "default".into());
            match shared.probe(&target, &auth) {
                Probe::Metrics(text) => respond(&mut stream, 200, super::CONTENT_TYPE, &text, head),
                Probe::Refused(code, msg) => {
                    eprintln!("exporter: /probe refused ({code}): {msg}");
                    respond(
                        &mut stream,
                        code,
                        "text/plain; charset=utf-8",
                        &format!("{msg}\n"),
                        head,
                    )
                }
            }
        }
        _ => respond(
            &mut stream,
            404,
            "text/plain",
            "not found: the exporter serves /, /metrics and /probe\n",
            head,
        ),
    };
}

/// CPU time this thread has used (what a scrape costs the exporter,
/// encoding and writing included).
#[cfg(unix)]
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec we own.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Not measured off Unix (`Exporter::last_scrape_cpu` reads zero).
#[cfg(not(unix))]
fn thread_cpu() -> Duration {
    Duration::ZERO
}

fn respond(
    stream: &mut TcpStream,
    code: u16,
    ctype: &str,
    body: &str,
    head_only: bool,
) -> std::io::Result<()> {
    let reason = match code {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        _ => "Service Unavailable",
    };
    let head = format!(
        "HTTP/1.1 {code} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    if !head_only {
        stream.write_all(body.as_bytes())?;
    }
    stream.flush()
}

/// One query parameter, percent-decoded ('+' is a space).
fn param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        (decode(k) == name).then(|| decode(v))
    })
}

fn decode(s: &str) -> String {
    let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parameters_are_decoded() {
        assert_eq!(
            param("target=10.0.0.5%3A8080&auth=a+b", "target").as_deref(),
            Some("10.0.0.5:8080")
        );
        assert_eq!(param("target=x&auth=a+b", "auth").as_deref(), Some("a b"));
        assert_eq!(param("target=x", "auth"), None);
        assert_eq!(decode("%zz%4"), "%zz%4");
        assert_eq!(decode("%é%41"), "%éA");
    }
}
