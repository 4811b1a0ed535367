//! Helpers shared by the simulator tests (`tests/it/sim_*.rs`).
#![allow(dead_code)]

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;
use ultrastream::sim::{SimOptions, Simulator};
use ultrastream::{Device, Error, Options};

pub const ADMIN_MD5: &str = "e3afed0047b08059d0fada10f400c1e5"; // md5("Admin")

/// Options for a test simulator: a manual clock (time_scale 0), so device
/// time moves only on `advance` and a loaded machine cannot move a percent
/// or expire a session behind the test's back.
pub fn test_options() -> SimOptions {
    SimOptions {
        time_scale: 0.0,
        ..SimOptions::default()
    }
}

pub fn sim() -> Simulator {
    Simulator::start(test_options()).expect("simulator starts")
}

/// A simulator with a manual clock and these changes (a test that wants
/// device time to follow wall time sets `time_scale` itself).
pub fn sim_with(f: impl FnOnce(&mut SimOptions)) -> Simulator {
    let mut o = test_options();
    f(&mut o);
    Simulator::start(o).expect("simulator starts")
}

/// A logged-in client that checks arguments like a user's would.
pub fn dev(sim: &Simulator) -> Device {
    let d = Device::connect(&sim.host(), Options::default()).expect("connect");
    d.login("Admin", "Admin").expect("login");
    d
}

/// A logged-in client that sends whatever it is given (for rule tests).
pub fn raw_dev(sim: &Simulator) -> Device {
    let d = Device::connect(
        &sim.host(),
        Options {
            validate: false,
            ..Default::default()
        },
    )
    .expect("connect");
    d.login("Admin", "Admin").expect("login");
    d
}

/// The device's result code for a call (negative codes come back as errors).
pub fn code(r: Result<ultrastream::Reply, Error>) -> i32 {
    match r {
        Ok(reply) => reply.result,
        Err(Error::Device { code, .. }) => code,
        // errBusy comes back explained (ops::busy).
        Err(e @ Error::Busy { .. }) => e.code(),
        Err(e) => panic!("not a device answer: {e}"),
    }
}

/// `dev.call` returning the code.
pub fn call(d: &Device, method: &str, params: &[(&str, &str)]) -> i32 {
    code(d.call(method, params))
}

pub fn ctl(sim: &Simulator, cmd: &str) -> Value {
    let out = sim
        .control(cmd)
        .unwrap_or_else(|e| panic!("control {cmd}: {e}"));
    serde_json::from_str(&out).expect("control answers JSON")
}

pub fn advance(sim: &Simulator, ms: u64) {
    ctl(sim, &format!(r#"{{"cmd":"advance","ms":{ms}}}"#));
}

pub fn state(sim: &Simulator) -> Value {
    ctl(sim, r#"{"cmd":"state"}"#)
}

pub fn status(d: &Device) -> Value {
    d.call("get-status", &[])
        .expect("get-status")
        .json()
        .expect("JSON")
}

pub fn settings(d: &Device) -> Value {
    d.call("get-settings", &[])
        .expect("get-settings")
        .json()
        .expect("JSON")
}

pub fn mask(d: &Device) -> u32 {
    status(d)["cur-status"].as_u64().expect("cur-status") as u32
}

/// A parsed raw HTTP reply.
#[derive(Debug)]
pub struct RawReply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawReply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    pub fn result(&self) -> i64 {
        self.json()["result"].as_i64().expect("result")
    }
}

/// A raw keep-alive HTTP connection.
pub struct Raw {
    pub stream: TcpStream,
    buf: Vec<u8>,
}

impl Raw {
    pub fn connect(sim: &Simulator) -> Raw {
        let stream = TcpStream::connect(sim.addr()).expect("tcp connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        Raw {
            stream,
            buf: Vec::new(),
        }
    }

    /// Wrap a connection already made (and perhaps half used).
    pub fn from_stream(stream: TcpStream) -> Raw {
        Raw {
            stream,
            buf: Vec::new(),
        }
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("write");
    }

    pub fn get(&mut self, target: &str, extra_headers: &str) -> RawReply {
        let req = format!("GET {target} HTTP/1.1\r\nHost: sim\r\n{extra_headers}\r\n");
        self.send(req.as_bytes());
        self.read_reply().expect("a reply")
    }

    /// Read one reply; None when the server closed before a full reply.
    pub fn read_reply(&mut self) -> Option<RawReply> {
        let head_end = loop {
            if let Some(p) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break p;
            }
            if !self.fill() {
                return None;
            }
        };
        let head = String::from_utf8_lossy(&self.buf[..head_end]).to_string();
        self.buf.drain(..head_end + 4);
        let mut lines = head.split("\r\n");
        let status: u16 = lines.next()?.split(' ').nth(1)?.parse().ok()?;
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| {
                l.split_once(':')
                    .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            })
            .collect();
        if status == 100 {
            return self.read_reply();
        }
        let len: usize = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))?
            .1
            .parse()
            .ok()?;
        while self.buf.len() < len {
            if !self.fill() {
                return None;
            }
        }
        let body = self.buf.drain(..len).collect();
        Some(RawReply {
            status,
            headers,
            body,
        })
    }

    fn fill(&mut self) -> bool {
        let mut tmp = [0u8; 65536];
        match self.stream.read(&mut tmp) {
            Ok(0) | Err(_) => false,
            Ok(n) => {
                self.buf.extend_from_slice(&tmp[..n]);
                true
            }
        }
    }

    /// True when the server has closed the connection (EOF or reset).
    pub fn closed(&mut self) -> bool {
        let mut tmp = [0u8; 1];
        matches!(self.stream.read(&mut tmp), Ok(0) | Err(_))
    }
}

/// One request on a fresh connection.
pub fn get(sim: &Simulator, target: &str, extra_headers: &str) -> RawReply {
    Raw::connect(sim).get(target, extra_headers)
}

/// Log in over raw HTTP; the full Set-Cookie value.
pub fn raw_login(sim: &Simulator) -> String {
    let r = get(
        sim,
        &format!("/usapi?method=login&id=Admin&pass={ADMIN_MD5}"),
        "",
    );
    assert_eq!(r.result(), 0);
    r.header("Set-Cookie").expect("Set-Cookie").to_string()
}

/// The `ultrastream-sim` program, started with `args`; killed (if still
/// running) when dropped, so a failing test leaves no process behind. A
/// thread reads its standard output line by line, so the program never
/// blocks on a full pipe.
pub struct SimProgram {
    pub child: Child,
    lines: mpsc::Receiver<String>,
}

impl SimProgram {
    pub fn start(args: &[&str]) -> SimProgram {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ultrastream-sim"))
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .expect("start ultrastream-sim");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        SimProgram { child, lines }
    }

    /// The next line the program prints (a generous bound: a loaded
    /// machine must not fail the test, a silent program must).
    pub fn line(&self) -> String {
        self.lines
            .recv_timeout(Duration::from_secs(60))
            .expect("ultrastream-sim prints where it listens")
    }

    /// The HOST:PORT of each of the next `n` lines, one device's
    /// "listening on http://HOST:PORT ..." each.
    pub fn hosts(&self, n: usize) -> Vec<String> {
        (0..n)
            .map(|_| {
                let l = self.line();
                l.split_whitespace()
                    .find_map(|w| w.strip_prefix("http://"))
                    .unwrap_or_else(|| panic!("no address in {l}"))
                    .to_string()
            })
            .collect()
    }
}

impl Drop for SimProgram {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
