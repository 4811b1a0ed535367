//! HTTP transport: our own HTTP/1.1 keep-alive client (`crate::http`
//! reads the replies, `wire.rs` drives it), because ureq 3 cost 10
//! syscalls per call on a kept-alive connection (two pool probes, two
//! `setsockopt` for a global timeout).
//!
//! Every connection is peeked before a request goes out on it, a new one
//! as a kept-alive one: a connection the device closed or reset while
//! idle is replaced silently, and one that delivered bytes nobody asked
//! for is closed, never reused. A request is never sent again once any
//! byte of it was written: a failure after that point surfaces as
//! `Error::Io` (or `Error::Timeout`), because a GET such as `start-rec`
//! changes state and must not run twice.

use super::wire::{Collected, Peek, Wire};
use crate::error::{Error, Result};
use crate::http::{Limits, Request};
use std::cell::Cell;
use std::io::ErrorKind;
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The device's addresses: an IP literal is parsed once, a name is looked
/// up on first use and kept until a connect fails (then looked up again),
/// so no call pays for a lookup, let alone a thread.
#[derive(Debug)]
pub(crate) struct HostAddrs {
    /// The URL authority, as given.
    pub authority: String,
    /// The host without brackets.
    host: String,
    port: u16,
    literal: Option<SocketAddr>,
    cache: Mutex<Option<Vec<SocketAddr>>>,
}

impl HostAddrs {
    /// From a URL authority as `authority()` makes it.
    pub fn new(authority: &str) -> HostAddrs {
        let (host, port) = split_authority(authority);
        let literal = host
            .parse::<IpAddr>()
            .ok()
            .map(|ip| SocketAddr::new(ip, port));
        HostAddrs {
            authority: authority.to_string(),
            host,
            port,
            literal,
            cache: Mutex::new(None),
        }
    }

    /// The addresses to try, in order.
    pub fn get(&self) -> Result<Vec<SocketAddr>> {
        self.with(|a| a.to_vec())
    }

    /// Run `f` on the addresses without copying them: a literal is used as
    /// it is, a name is looked up once (concurrent callers wait for that
    /// one lookup) and then read from the cache.
    pub fn with<R>(&self, f: impl FnOnce(&[SocketAddr]) -> R) -> Result<R> {
        if let Some(a) = self.literal {
            return Ok(f(&[a]));
        }
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if cache.is_none() {
            let found: Vec<SocketAddr> = (self.host.as_str(), self.port)
                .to_socket_addrs()
                .map_err(|e| Error::Connect(format!("cannot resolve '{}': {e}", self.host)))?
                .take(16)
                .collect();
            if found.is_empty() {
                return Err(Error::Connect(format!("'{}' has no address", self.host)));
            }
            *cache = Some(found);
        }
        Ok(f(cache.as_deref().unwrap_or(&[])))
    }

    /// Forget a looked-up name after a connect failure.
    pub fn forget(&self) {
        if self.literal.is_none() {
            *self.cache.lock().unwrap_or_else(|p| p.into_inner()) = None;
        }
    }
}

/// `name:80` → ("name", 80); `[::1]:8080` → ("::1", 8080); no port → 80.
fn split_authority(authority: &str) -> (String, u16) {
    if let Some(rest) = authority.strip_prefix('[') {
        let (h, after) = rest.split_once(']').unwrap_or((rest, ""));
        let port = after
            .strip_prefix(':')
            .and_then(|p| p.parse().ok())
            .unwrap_or(80);
        return (h.to_string(), port);
    }
    match authority.rsplit_once(':') {
        Some((h, p)) => (h.to_string(), p.parse().unwrap_or(80)),
        None => (authority.to_string(), 80),
    }
}

thread_local! {
    /// A pause between connecting and the first peek, for tests only (see
    /// `crate::fuzzing::pause_after_connect`): it lets a test device's
    /// early bytes arrive first, which otherwise races the request.
    pub(crate) static CONNECT_PAUSE: Cell<Option<Duration>> = const { Cell::new(None) };
}

pub use crate::redact::percent_encode;

pub(crate) struct RawReply {
    pub status: u16,
    pub set_cookie_sid: Option<String>,
    /// As it came: `reply::into_reply_bytes` checks it is UTF-8.
    pub body: Vec<u8>,
}

pub(crate) enum Body<'a> {
    None,
    Bytes {
        content_type: &'a str,
        data: &'a [u8],
    },
}

/// Longest reply head accepted on the API path (status line and headers):
/// the device's are a few hundred bytes.
const MAX_REPLY_HEAD: usize = 6 * 1024;
/// Longest request URL accepted.
pub(crate) const MAX_URL: usize = 8 * 1024 - 64;
/// Idle kept-alive connections per device: concurrent callers each get
/// their own connection, and this many are kept for the next calls.
const MAX_IDLE: usize = 4;
/// An idle connection older than this is closed rather than reused.
const MAX_IDLE_AGE: Duration = Duration::from_secs(30);

/// One kept-alive connection: the socket, its reply reader (whose buffer
/// is reused) and the socket timeouts last set on it, so a call sets them
/// only when the value it needs changes.
struct Conn {
    wire: Wire,
    idle_since: Instant,
}

impl Conn {
    /// Whether an idle connection may carry a request: not too old, open,
    /// and nothing unread (see `wire::peek`).
    fn usable(&self) -> bool {
        self.idle_since.elapsed() <= MAX_IDLE_AGE && self.wire.peek() == Peek::Quiet
    }
}

/// HTTP/1.1 over a small keep-alive pool per device: TCP_NODELAY, a
/// connect timeout and a whole-request deadline, no proxy, no TLS, replies
/// capped, redirects never followed. In steady state a call costs one
/// peek at the idle connection, one send and one receive.
pub(crate) struct Transport {
    idle: Mutex<Vec<Conn>>,
    connect_timeout: Duration,
    request_timeout: Duration,
    max_reply: usize,
    pub addrs: Arc<HostAddrs>,
}

/// A request failed before any byte of it was accepted on a reused
/// connection: it may go out again on a fresh one.
enum Failure {
    Unsent(Error),
    Failed(Error),
}

impl Transport {
    pub fn new(
        addrs: Arc<HostAddrs>,
        connect_timeout: Duration,
        request_timeout: Duration,
        max_reply: usize,
    ) -> Transport {
        Transport {
            idle: Mutex::new(Vec::new()),
            connect_timeout,
            request_timeout,
            max_reply,
            addrs,
        }
    }

    /// The most recently used idle connection that is still open.
    fn take_idle(&self) -> Option<Conn> {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        while let Some(c) = idle.pop() {
            if c.usable() {
                return Some(c);
            }
        }
        None
    }

    fn put_idle(&self, mut c: Conn) {
        c.idle_since = Instant::now();
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < MAX_IDLE {
            idle.push(c);
        }
    }

    /// A new connection to the first address that answers.
    fn connect(&self, method: &str, connect_timeout: Duration, deadline: Instant) -> Result<Conn> {
        let r = self
            .addrs
            .with(|addrs| connect_first(addrs, method, connect_timeout, deadline))?;
        let stream = r.inspect_err(|_| {
            // The name may have moved: look it up again next time.
            self.addrs.forget();
        })?;
        Ok(Conn {
            wire: Wire::new(stream, Limits::new(MAX_REPLY_HEAD, self.max_reply as u64)),
            idle_since: Instant::now(),
        })
    }

    /// A new connection that is quiet: a device that speaks before the
    /// request (or closes at once) gets one more chance on another
    /// connection, then the call fails with nothing sent.
    fn connect_quiet(
        &self,
        method: &str,
        connect_timeout: Duration,
        deadline: Instant,
    ) -> Result<Conn> {
        let mut last = Peek::Quiet;
        for _ in 0..2 {
            let c = self.connect(method, connect_timeout, deadline)?;
            if let Some(p) = CONNECT_PAUSE.with(|p| p.get()) {
                std::thread::sleep(p);
            }
            last = c.wire.peek();
            if last == Peek::Quiet {
                return Ok(c);
            }
        }
        Err(if last == Peek::Stray {
            Error::BadReply {
                method: method.to_string(),
                detail: "the device sent a reply before any request (it is out of step); nothing was sent"
                    .into(),
            }
        } else {
            Error::Io(format!(
                "{method}: the device closed new connections before the request; nothing was sent"
            ))
        })
    }

    /// One request. `method` names the API method for error messages.
    pub fn send(
        &self,
        url: &str,
        method: &str,
        cookie: Option<&str>,
        body: Body<'_>,
        timeout: Option<Duration>,
    ) -> Result<RawReply> {
        let timeout = timeout.unwrap_or(self.request_timeout);
        let connect_timeout = self.connect_timeout;
        let deadline = Instant::now() + timeout;
        let target = url
            .strip_prefix("http://")
            .and_then(|r| r.strip_prefix(self.addrs.authority.as_str()))
            .filter(|t| t.starts_with('/'))
            .ok_or_else(|| Error::invalid("url", "not a URL of this device"))?;
        let request = self.request(target, cookie, &body, method)?;
        if let Some(c) = self.take_idle() {
            match self.exchange(c, &request, method, deadline) {
                Ok(r) => return Ok(r),
                Err(Failure::Failed(e)) => return Err(e),
                // The device closed it just now: nothing reached it.
                Err(Failure::Unsent(_)) => {}
            }
        }
        let c = self.connect_quiet(method, connect_timeout, deadline)?;
        match self.exchange(c, &request, method, deadline) {
            Ok(r) => Ok(r),
            Err(Failure::Failed(e) | Failure::Unsent(e)) => Err(e),
        }
    }

    /// The request bytes: head, then the body if any.
    fn request(
        &self,
        target: &str,
        cookie: Option<&str>,
        body: &Body<'_>,
        method: &str,
    ) -> Result<Vec<u8>> {
        request_bytes(&self.addrs.authority, target, cookie, body, method)
    }

    /// Write the request on `c` and read its reply; `c` goes back to the
    /// pool when the reply left it clean. Once any byte was accepted the
    /// request is never sent again: a failure then is the caller's error.
    fn exchange(
        &self,
        mut c: Conn,
        request: &[u8],
        method: &str,
        deadline: Instant,
    ) -> std::result::Result<RawReply, Failure> {
        if let Err(w) = c.wire.write_all(request, deadline, method) {
            return Err(if w.sent_any || matches!(w.error, Error::Timeout(_)) {
                Failure::Failed(w.error)
            } else {
                Failure::Unsent(w.error)
            });
        }
        c.wire.resp.reset();
        let mut got = Collected::default();
        c.wire
            .read_reply(&mut got, deadline, method)
            .map_err(Failure::Failed)?;
        if !got.done {
            // A redirect: its body is never read or followed.
            return Err(Failure::Failed(Error::Redirect {
                method: method.to_string(),
                status: got.status,
                location_host: location_host(got.location.as_deref(), &self.addrs.authority),
            }));
        }
        if got.reusable {
            self.put_idle(c);
        }
        // Checked to be UTF-8 with the JSON (`reply::into_reply_bytes`):
        // one pass over it, not two.
        Ok(RawReply {
            status: got.status,
            set_cookie_sid: got.sid,
            body: got.body,
        })
    }
}

/// The host a redirect's `Location` names, for the error message only:
/// no userinfo, path or query, printable ASCII, at most 64 characters. A
/// relative Location names the device itself (`own`).
pub(crate) fn location_host(location: Option<&str>, own: &str) -> String {
    let Some(loc) = location.map(str::trim) else {
        return "(no Location)".to_string();
    };
    let rest = match loc.find("://") {
        Some(i) => &loc[i + 3..],
        None => match loc.strip_prefix("//") {
            Some(r) => r,
            None => return own.to_string(),
        },
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    let clean: String = host
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        .take(64)
        .collect();
    if clean.is_empty() {
        "(unreadable Location)".to_string()
    } else {
        clean
    }
}

/// `sid=abc; path=/` → `abc`. Attributes and other cookies are ignored.
pub(crate) fn parse_sid(set_cookie: &str) -> Option<String> {
    let first = set_cookie.split(';').next()?.trim();
    let (name, value) = first.split_once('=')?;
    if name.trim() != "sid" {
        return None;
    }
    let value = value.trim().trim_matches('"');
    // The sid goes back in a header: refuse anything that could break it.
    if value.is_empty()
        || value.len() > 256
        || !value
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b';' && b != b',')
    {
        return None;
    }
    Some(value.to_string())
}

/// The request bytes for `target` on `authority`: head (written by the
/// crate's one request writer, `crate::http::Request`), then the body if
/// any. Shared by the blocking transport and the fleet engine.
pub(crate) fn request_bytes(
    authority: &str,
    target: &str,
    cookie: Option<&str>,
    body: &Body<'_>,
    method: &str,
) -> Result<Vec<u8>> {
    let (content_type, data) = match body {
        Body::None => (None, &[][..]),
        Body::Bytes { content_type, data } => (Some(*content_type), *data),
    };
    let mut r = Vec::with_capacity(target.len() + 160 + data.len());
    Request {
        method: if content_type.is_some() {
            "POST"
        } else {
            "GET"
        },
        content_type,
        content_length: content_type.map(|_| data.len() as u64),
        cookie,
        ..Request::get(target, authority)
    }
    .write_head(&mut r)
    .map_err(|e| e.into_error(method))?;
    r.extend_from_slice(data);
    Ok(r)
}

/// Connect to the first of `addrs` that answers within the connect timeout
/// and the deadline, with TCP_NODELAY set. Shared by API calls, the
/// streamed upload and downloads; `method` names the call in errors.
pub(crate) fn connect_first(
    addrs: &[SocketAddr],
    method: &str,
    connect_timeout: Duration,
    deadline: Instant,
) -> Result<TcpStream> {
    let mut last = None;
    for a in addrs {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            break;
        }
        match TcpStream::connect_timeout(a, connect_timeout.min(remaining)) {
            Ok(s) => {
                let _ = s.set_nodelay(true);
                return Ok(s);
            }
            Err(e) => last = Some(e),
        }
    }
    Err(match last {
        Some(e) if e.kind() == ErrorKind::TimedOut => {
            Error::Timeout(format!("{method}: no answer (connect)"))
        }
        // The OS's own words, once ("Connection refused (os error 111)").
        Some(e) => Error::Connect(e.to_string()),
        None => Error::Timeout(format!("{method}: no time left to connect")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_everything_reserved() {
        let mut s = String::new();
        percent_encode("My Box+1 'A'", &mut s);
        assert_eq!(s, "My%20Box%2B1%20%27A%27");
        s.clear();
        percent_encode("a/b&c=d", &mut s);
        assert_eq!(s, "a%2Fb%26c%3Dd");
        s.clear();
        percent_encode("é", &mut s);
        assert_eq!(s, "%C3%A9");
    }

    #[test]
    fn redirect_hosts() {
        let own = "127.0.0.1:8080";
        assert_eq!(
            location_host(Some("http://evil.example:81/x?pass=1"), own),
            "evil.example:81"
        );
        assert_eq!(location_host(Some("http://u:secret@h/"), own), "h");
        assert_eq!(location_host(Some("/usapi?method=x"), own), own);
        assert_eq!(location_host(None, own), "(no Location)");
        assert_eq!(location_host(Some("//other/"), own), "other");
    }

    #[test]
    fn sid_from_set_cookie() {
        assert_eq!(
            parse_sid("sid=e0f6b33dd2b575eff40733b3778beaab; path=/").as_deref(),
            Some("e0f6b33dd2b575eff40733b3778beaab")
        );
        assert_eq!(parse_sid("other=1; path=/"), None);
        assert_eq!(parse_sid("sid=; path=/"), None);
        assert_eq!(parse_sid("sid=a\u{7f}b"), None);
    }
}
