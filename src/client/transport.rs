//! HTTP transport over one ureq `Agent` per device: keep-alive pool,
//! TCP_NODELAY, explicit timeouts, no proxy, no TLS, replies capped.
//!
//! ureq probes a pooled connection before reusing it (a non-blocking read
//! sees the device's FIN), so a connection the device closed while idle is
//! replaced silently. It never resends a request once written: a failure
//! after that point surfaces as `Error::Io`, because a GET such as
//! `start-rec` changes state and must not run twice.

use crate::error::{Error, Result};
use std::cell::Cell;
use std::io::ErrorKind;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use ureq::unversioned::resolver::{ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

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
    /// (connect, whole request) bounds for every request this thread sends,
    /// set by the watcher so that no poll, re-login or logout outlasts its
    /// interval whatever the device's own timeouts are.
    static BOUND: Cell<Option<(Duration, Duration)>> = const { Cell::new(None) };
}

/// Run `f` with every request sent on this thread bounded by `connect` and
/// `total` (the shorter of these and the request's own timeouts wins).
pub(crate) fn with_bound<T>(connect: Duration, total: Duration, f: impl FnOnce() -> T) -> T {
    struct Restore(Option<(Duration, Duration)>);
    impl Drop for Restore {
        fn drop(&mut self) {
            BOUND.with(|b| b.set(self.0));
        }
    }
    let _restore = Restore(BOUND.with(|b| b.replace(Some((connect, total)))));
    f()
}

/// Characters left as they are in a query value (RFC 3986 unreserved).
fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Percent-encode one query component. Everything but the unreserved set is
/// encoded, so `+`, space, `'`, `/` and `&` arrive intact.
pub fn percent_encode(s: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in s.as_bytes() {
        if unreserved(b) {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 15) as usize] as char);
        }
    }
}

pub(crate) struct RawReply {
    pub status: u16,
    pub set_cookie_sid: Option<String>,
    pub body: String,
}

pub(crate) enum Body<'a> {
    None,
    Bytes {
        content_type: &'a str,
        data: &'a [u8],
    },
}

/// Hands ureq the device's addresses from `HostAddrs`: no thread, no
/// lookup per request (ureq asks before it looks at its pool).
#[derive(Debug)]
struct DeviceResolver(Arc<HostAddrs>);

impl Resolver for DeviceResolver {
    fn resolve(
        &self,
        _uri: &ureq::http::Uri,
        _config: &ureq::config::Config,
        _timeout: NextTimeout,
    ) -> std::result::Result<ResolvedSocketAddrs, ureq::Error> {
        // Only the device's own URL is ever requested (redirects are off).
        let mut out = self.empty();
        self.0
            .with(|addrs| {
                for a in addrs.iter().take(16) {
                    out.push(*a);
                }
            })
            .map_err(|_| ureq::Error::HostNotFound)?;
        if out.is_empty() {
            return Err(ureq::Error::HostNotFound);
        }
        Ok(out)
    }
}

/// Per-connection buffers: replies are a few KiB (get-status 2-6 KiB), and
/// ureq's 128 KiB defaults cost ~270 KiB per device. The input buffer must
/// hold a reply head (capped below); longer bodies stream through it.
const INPUT_BUFFER: usize = 8 * 1024;
/// The output buffer must hold the longest request line.
const OUTPUT_BUFFER: usize = 8 * 1024;
/// Longest request URL accepted (fits the output buffer with the method).
pub(crate) const MAX_URL: usize = OUTPUT_BUFFER - 64;

pub(crate) struct Transport {
    agent: ureq::Agent,
    max_reply: usize,
    pub addrs: Arc<HostAddrs>,
}

impl Transport {
    pub fn new(
        addrs: Arc<HostAddrs>,
        connect_timeout: Duration,
        request_timeout: Duration,
        max_reply: usize,
    ) -> Transport {
        let config = ureq::Agent::config_builder()
            .timeout_connect(Some(connect_timeout))
            .timeout_global(Some(request_timeout))
            .http_status_as_error(false)
            .no_delay(true)
            .proxy(None)
            // Concurrent callers get their own connection; idle ones are kept.
            .max_idle_connections_per_host(4)
            .max_idle_age(Duration::from_secs(30))
            .user_agent(concat!("ultrastream/", env!("CARGO_PKG_VERSION")))
            // A 3xx comes back as it is and becomes Error::Redirect: a GET
            // such as start-rec must never be sent again.
            .max_redirects(0)
            .input_buffer_size(INPUT_BUFFER)
            .output_buffer_size(OUTPUT_BUFFER)
            // Below the buffer size, so an over-long head is reported as such.
            .max_response_header_size(INPUT_BUFFER - 2048)
            .build();
        let agent = ureq::Agent::with_parts(
            config,
            DefaultConnector::new(),
            DeviceResolver(addrs.clone()),
        );
        Transport {
            agent,
            max_reply,
            addrs,
        }
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
        let (connect, timeout) = match BOUND.with(|b| b.get()) {
            None => (None, timeout),
            Some((c, t)) => (Some(c), Some(timeout.map_or(t, |own| own.min(t)))),
        };
        let result = match body {
            Body::None => {
                let mut req = self.agent.get(url);
                if let Some(c) = cookie {
                    req = req.header("Cookie", c);
                }
                if timeout.is_some() {
                    let mut c = req.config().timeout_global(timeout);
                    if connect.is_some() {
                        c = c.timeout_connect(connect);
                    }
                    req = c.build();
                }
                req.call()
            }
            Body::Bytes { content_type, data } => {
                let mut req = self.agent.post(url).header("Content-Type", content_type);
                if let Some(c) = cookie {
                    req = req.header("Cookie", c);
                }
                if timeout.is_some() {
                    let mut c = req.config().timeout_global(timeout);
                    if connect.is_some() {
                        c = c.timeout_connect(connect);
                    }
                    req = c.build();
                }
                req.send(data)
            }
        };
        let resp = result.map_err(|e| {
            if matches!(e, ureq::Error::ConnectionFailed | ureq::Error::HostNotFound)
                || matches!(&e, ureq::Error::Io(io) if io.kind() == ErrorKind::ConnectionRefused)
            {
                // The name may have moved: look it up again next time.
                self.addrs.forget();
            }
            map_error(e, method)
        })?;
        let status = resp.status().as_u16();
        if (300..400).contains(&status) {
            let location = resp.headers().get("location").and_then(|v| v.to_str().ok());
            return Err(Error::Redirect {
                method: method.to_string(),
                status,
                location_host: location_host(location, &self.addrs.authority),
            });
        }
        let set_cookie_sid = resp
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(parse_sid);
        let mut body = resp.into_body();
        // One allocation of the announced size (within the cap), not a
        // doubling series.
        let hint = body
            .content_length()
            .map_or(4096, |n| n.min(self.max_reply as u64) as usize);
        let mut data = Vec::with_capacity(hint);
        std::io::Read::read_to_end(
            &mut body.with_config().limit(self.max_reply as u64).reader(),
            &mut data,
        )
        .map_err(|e| map_error(ureq::Error::from(e), method))?;
        let body = data;
        let body = String::from_utf8(body).map_err(|_| Error::BadReply {
            method: method.to_string(),
            detail: "the body is not UTF-8".into(),
        })?;
        Ok(RawReply {
            status,
            set_cookie_sid,
            body,
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

fn map_error(e: ureq::Error, method: &str) -> Error {
    match e {
        ureq::Error::Timeout(t) => Error::Timeout(format!("{method}: no answer ({t})")),
        ureq::Error::HostNotFound => Error::Connect("host not found".into()),
        ureq::Error::ConnectionFailed => Error::Connect("connection failed".into()),
        ureq::Error::BodyExceedsLimit(n) => Error::TooLarge {
            method: method.to_string(),
            limit: n as usize,
        },
        ureq::Error::Io(io) => match io.kind() {
            ErrorKind::ConnectionRefused => Error::Connect(format!("connection refused ({io})")),
            ErrorKind::TimedOut | ErrorKind::WouldBlock => {
                Error::Timeout(format!("{method}: {io}"))
            }
            ErrorKind::AddrNotAvailable
            | ErrorKind::NetworkUnreachable
            | ErrorKind::HostUnreachable => Error::Connect(io.to_string()),
            _ => Error::Io(format!("{method}: {io}")),
        },
        ureq::Error::Protocol(p) => Error::BadReply {
            method: method.to_string(),
            detail: format!("HTTP protocol error: {p}"),
        },
        ureq::Error::LargeResponseHeader(_, limit) => Error::TooLarge {
            method: method.to_string(),
            limit,
        },
        ureq::Error::BodyStalled => Error::Timeout(format!("{method}: the reply stalled")),
        // Other errors may quote the request URI, whose query can carry a
        // password hash, a stream key or a token: never pass it on.
        other => Error::Io(format!("{method}: {}", redact_query(&other.to_string()))),
    }
}

/// Replace every URI query (`?...` up to white space) in `text`.
pub(crate) fn redact_query(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_query = false;
    for c in text.chars() {
        if c == '?' && !in_query {
            in_query = true;
            out.push_str("?<query redacted>");
        } else if in_query && (c.is_whitespace() || c == '"' || c == '\'') {
            in_query = false;
            out.push(c);
        } else if !in_query {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_redacted_from_messages() {
        let m = redact_query("bad uri http://h/usapi?method=login&id=A&pass=0123abcd: oops");
        assert_eq!(m, "bad uri http://h/usapi?<query redacted> oops");
        assert!(!m.contains("0123abcd"));
        assert_eq!(redact_query("no query here"), "no query here");
    }

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
