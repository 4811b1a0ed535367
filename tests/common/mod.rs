//! Test helpers: a scripted HTTP server that records every request, for
//! client tests that need exact control of the wire (the simulator covers
//! device behaviour; this covers the transport and session logic).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// Path and query exactly as sent.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Which accepted connection carried it (0-based).
    pub connection: usize,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    /// The `method=` of the query.
    pub fn api_method(&self) -> String {
        self.target
            .split(['?', '&'])
            .find_map(|p| p.strip_prefix("method="))
            .unwrap_or("")
            .to_string()
    }
}

pub enum Action {
    /// 200 with this JSON body, keep the connection.
    Json(String),
    /// 200 with this JSON body and extra headers.
    JsonWith(String, Vec<(String, String)>),
    /// Answer with a keep-alive reply, then close the socket anyway, as a
    /// device does when it drops idle connections.
    JsonThenClose(String),
    /// Read the request, then close without answering.
    Drop,
    /// Any status, extra headers and body (keep the connection).
    Status(u16, Vec<(String, String)>, String),
}

pub struct Stub {
    pub addr: String,
    pub requests: Arc<Mutex<Vec<Request>>>,
    pub connections: Arc<AtomicUsize>,
    /// Connections the stub has closed (its side of the socket is gone).
    pub closed: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl Stub {
    pub fn start(handler: impl Fn(&Request) -> Action + Send + Sync + 'static) -> Stub {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("local addr").to_string();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let closed = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let handler = Arc::new(handler);
        {
            let (requests, connections, closed, stop) = (
                requests.clone(),
                connections.clone(),
                closed.clone(),
                stop.clone(),
            );
            thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let n = connections.fetch_add(1, Ordering::SeqCst);
                    let (requests, handler, closed) =
                        (requests.clone(), handler.clone(), closed.clone());
                    thread::spawn(move || {
                        // `serve` owns the socket: it is closed when it returns.
                        serve(stream, n, &requests, &*handler);
                        closed.fetch_add(1, Ordering::SeqCst);
                    });
                }
            });
        }
        Stub {
            addr,
            requests,
            connections,
            closed,
            stop,
        }
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }

    pub fn count(&self, api_method: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.api_method() == api_method)
            .count()
    }
}

impl Drop for Stub {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(&self.addr);
    }
}

fn serve(
    stream: TcpStream,
    connection: usize,
    log: &Mutex<Vec<Request>>,
    handler: &(dyn Fn(&Request) -> Action + Send + Sync),
) {
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok();
    let mut writer = stream.try_clone().expect("clone");
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or("").to_string();
        let target = parts.next().unwrap_or("").to_string();
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.push((k.trim().to_string(), v.trim().to_string()));
            }
        }
        let len = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse::<usize>().ok())
            .unwrap_or(0);
        let mut body = vec![0; len];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let req = Request {
            method,
            target,
            headers,
            body,
            connection,
        };
        log.lock().unwrap().push(req.clone());
        let (status, body, extra, close) = match handler(&req) {
            Action::Json(b) => (200, b, vec![], false),
            Action::JsonWith(b, h) => (200, b, h, false),
            Action::JsonThenClose(b) => (200, b, vec![], true),
            Action::Status(s, h, b) => (s, b, h, false),
            Action::Drop => return,
        };
        let mut out = format!(
            "HTTP/1.1 {status} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
            if status == 200 { "OK" } else { "Scripted" },
            body.len()
        );
        for (k, v) in extra {
            out.push_str(&format!("{k}: {v}\r\n"));
        }
        out.push_str("\r\n");
        out.push_str(&body);
        if writer.write_all(out.as_bytes()).is_err() || close {
            return;
        }
    }
}

/// Set-Cookie header for a given sid, as devices send it.
pub fn cookie(sid: &str) -> Vec<(String, String)> {
    vec![("Set-Cookie".to_string(), format!("sid={sid}; path=/"))]
}
