//! Simulator layer (`sim`), used by the server: the simulator's request
//! log (`ultrastream-sim --log`, option `log`): one line per API request
//! on stderr (time, peer, method, parameters, result, milliseconds), one
//! per fault injected, one per control command, and one whenever the
//! device's status flags or power state changed (observed at request
//! boundaries, so a change the clock made shows before the request that
//! sees it).
//!
//! Never logged: passwords, password hashes, stream keys, tokens, cookies
//! (parameters whose names say so are masked), request bodies (only their
//! size).

use super::Shared;
use super::http::{Request, Response};
use crate::model::status::status_flag_names;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// What the log remembers between requests.
pub(crate) struct Logger {
    last: Mutex<Option<(u32, bool)>>,
}

/// Parameter names whose values are secrets (compared in lower case).
fn is_secret(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ["pass", "key", "token", "secret", "sid", "cookie", "auth"]
        .iter()
        .any(|s| n.contains(s))
        && n != "is-auth"
}

/// `k=v` pairs for the log, secrets masked, long values cut; `skip` is
/// left out (the API's `method`, shown on its own).
pub(crate) fn format_params(params: &[(String, String)], skip: Option<&str>) -> String {
    let mut out = String::new();
    for (k, v) in params {
        if Some(k.as_str()) == skip {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        let shown: String = if is_secret(k) {
            "***".into()
        } else if v.chars().count() > 64 {
            format!("{}...", v.chars().take(64).collect::<String>())
        } else {
            v.clone()
        };
        // Quote what would make the line ambiguous.
        let shown = if shown.is_empty() || shown.contains([' ', '"', '=']) {
            format!("{:?}", shown)
        } else {
            shown
        };
        out.push_str(&format!("{k}={shown}"));
    }
    out
}

/// UTC wall time, `2026-12-01T20:30:01.123Z`.
fn now_utc() -> String {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let secs = d.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60,
        d.subsec_millis()
    )
}

fn emit(line: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{} {line}", now_utc());
}

impl Logger {
    pub fn new() -> Logger {
        Logger {
            last: Mutex::new(None),
        }
    }

    /// One API request: `label` is "" for an ordinary reply, else what
    /// happened to the connection ("closed", "no answer", "reset", ...).
    #[allow(clippy::too_many_arguments)]
    pub fn request(
        &self,
        shared: &Shared,
        conn: u64,
        peer: Option<SocketAddr>,
        req: &Request,
        label: &str,
        resp: Option<&Response>,
        started: Instant,
    ) {
        let mut params = super::http::parse_query(&req.query);
        if req.spool.is_none()
            && req.header("content-type").is_some_and(|c| {
                c.to_ascii_lowercase()
                    .starts_with("application/x-www-form-urlencoded")
            })
        {
            params.extend(super::http::parse_query(&String::from_utf8_lossy(
                &req.body,
            )));
        }
        let method = params
            .iter()
            .find(|(k, _)| k == "method")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let body_len = req.spool.as_ref().map_or(req.body.len() as u64, |s| s.len);
        let mut line = format!(
            "{} {}",
            peer.map_or_else(|| "-".to_string(), |p| p.to_string()),
            if method.is_empty() { "-" } else { &method },
        );
        let shown = format_params(&params, Some("method"));
        if !shown.is_empty() {
            line.push(' ');
            line.push_str(&shown);
        }
        if body_len > 0 && req.method == "POST" {
            line.push_str(&format!(" (body {body_len} bytes)"));
        }
        let result = match resp {
            Some(r) if r.status != 200 => format!("HTTP {}", r.status),
            Some(r) => serde_json::from_slice::<serde_json::Value>(&r.body)
                .ok()
                .and_then(|v| v.get("result").or_else(|| v.get("status")).cloned())
                .map_or_else(|| "non-JSON".to_string(), |v| v.to_string()),
            None => String::new(),
        };
        let outcome = match (label.is_empty(), result.is_empty()) {
            (true, _) => result,
            (false, true) => label.to_string(),
            (false, false) => format!("{result} ({label})"),
        };
        emit(&format!(
            "{line} -> {outcome} {:.1} ms",
            started.elapsed().as_secs_f64() * 1000.0
        ));
        self.state(shared, conn);
    }

    /// A fault taken by a request.
    pub fn fault(&self, method: &str, kind: &str, latency_ms: u64) {
        if latency_ms > 0 {
            emit(&format!("fault {method}: latency {latency_ms} ms"));
        }
        if !kind.is_empty() {
            emit(&format!("fault {method}: {kind}"));
        }
    }

    /// A control command (the endpoint's reply status).
    pub fn control(
        &self,
        shared: &Shared,
        conn: u64,
        peer: Option<SocketAddr>,
        req: &Request,
        status: u16,
    ) {
        let what = if req.method == "POST" {
            let body = String::from_utf8_lossy(&req.body);
            serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v.get("cmd").and_then(|c| c.as_str()).map(String::from))
                .map_or_else(|| "(body)".to_string(), |c| format!("cmd={c}"))
        } else {
            format_params(&super::http::parse_query(&req.query), None)
        };
        emit(&format!(
            "{} control {what} -> HTTP {status}",
            peer.map_or_else(|| "-".to_string(), |p| p.to_string())
        ));
        self.state(shared, conn);
    }

    /// Log the status flags and power state when they changed.
    fn state(&self, shared: &Shared, conn: u64) {
        let now = shared.with_device(Some(conn), |d| (d.cur_status(), d.is_down()));
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        let before = last.replace(now);
        let Some((mask, down)) = before else {
            emit(&format!(
                "state: {} ({})",
                if now.1 { "down" } else { "up" },
                status_flag_names(now.0).join(" ")
            ));
            return;
        };
        if down != now.1 {
            emit(if now.1 {
                "state: device down (restarting)"
            } else {
                "state: device up"
            });
        }
        if mask != now.0 {
            let on: Vec<&str> = status_flag_names(now.0 & !mask);
            let off: Vec<&str> = status_flag_names(mask & !now.0);
            let mut parts: Vec<String> = on.iter().map(|f| format!("+{f}")).collect();
            parts.extend(off.iter().map(|f| format!("-{f}")));
            emit(&format!("state: {}", parts.join(" ")));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked() {
        let p = |k: &str, v: &str| (k.to_string(), v.to_string());
        let line = format_params(
            &[
                p("method", "login"),
                p("id", "Admin"),
                p("pass", "e3afed0047b08059d0fada10f400c1e5"),
                p("new-pass", "abc"),
                p("key", "stream-key"),
                p("token", "t0k"),
                p("softap-passwd", "wifi"),
                p("is-auth", "1"),
                p("name", "Studio A"),
            ],
            Some("method"),
        );
        assert_eq!(
            line,
            "id=Admin pass=*** new-pass=*** key=*** token=*** softap-passwd=*** is-auth=1 name=\"Studio A\""
        );
        for secret in ["e3afed", "abc", "stream-key", "t0k", "wifi"] {
            assert!(!line.contains(secret), "{secret} in {line}");
        }
    }

    #[test]
    fn time_is_utc_iso() {
        let t = now_utc();
        assert_eq!(t.len(), 24, "{t}");
        assert!(t.ends_with('Z') && t.as_bytes()[10] == b'T', "{t}");
    }
}
