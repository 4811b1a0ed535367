//! Simulator layer (`sim`), server: `/__sim/control` over HTTP: who may
//! send a control command (no browser on a web page's behalf; the token
//! when one is set) and how it arrives (a JSON body or a query). The
//! commands themselves are `sim::control`'s.

use super::super::Shared;
use crate::sim::control;
use crate::sim::http::{self, Request, Response};
use serde_json::json;

/// Largest control command body.
const MAX_CONTROL_BODY: usize = 64 * 1024;

pub(super) fn control_route(shared: &Shared, req: &Request, conn: u64) -> Response {
    if let Some(refused) = control_guard(shared, req) {
        return refused;
    }
    if req.spool.is_some() {
        return control_error(413, "the control command is larger than 64 KiB");
    }
    let result = if req.method == "POST" && !req.body.is_empty() {
        control::run(shared, &String::from_utf8_lossy(&req.body), Some(conn))
    } else {
        let pairs = http::parse_query(&req.query);
        if pairs.is_empty() {
            Err("send a JSON command as the POST body (Content-Type: application/json), or ?cmd=NAME&key=value".to_string())
        } else {
            control::run_value(shared, &control::query_to_json(&pairs), Some(conn))
        }
    };
    match result {
        Ok(v) => Response::json(200, v.to_string()),
        Err(e) => Response::json(400, json!({"ok": false, "error": e}).to_string()),
    }
}

fn control_error(status: u16, why: &str) -> Response {
    Response::json(status, json!({"ok": false, "error": why}).to_string())
}

/// Compare without an early exit, so timing does not reveal the token.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Refuse control requests a web page could make a browser send: anything
/// with an `Origin` header or a `Sec-Fetch-Site` other than "none" (a
/// request the user typed), and bodies that are not JSON (`text/plain` and
/// form posts need no CORS preflight; `application/json` does, and the
/// simulator never answers one). With a control token, require
/// `Authorization: Bearer <token>` (a header no cross-site page can add
/// without a preflight). Never echoes the token.
pub(super) fn control_guard(shared: &Shared, req: &Request) -> Option<Response> {
    if !matches!(req.method.as_str(), "GET" | "HEAD" | "POST") {
        return Some(control_error(405, "the control endpoint takes GET or POST"));
    }
    if req.header("origin").is_some() {
        return Some(control_error(
            403,
            "control requests with an Origin header are refused (a web page may have sent it); use curl, the library or Simulator::control",
        ));
    }
    if req
        .header("sec-fetch-site")
        .is_some_and(|v| !v.trim().eq_ignore_ascii_case("none"))
    {
        return Some(control_error(
            403,
            "control requests a browser sent on behalf of a web page (Sec-Fetch-Site) are refused",
        ));
    }
    if let Some(token) = &shared.control_token {
        let given = req
            .header("authorization")
            .and_then(|v| v.trim().strip_prefix("Bearer "))
            .map(str::trim)
            .unwrap_or("");
        if !same_secret(given.as_bytes(), token.as_bytes()) {
            return Some(control_error(
                401,
                "this simulator requires its control token: send the header 'Authorization: Bearer <token>'",
            ));
        }
    }
    let has_body = req.chunked() || req.content_length().is_ok_and(|l| l.is_some_and(|n| n > 0));
    if has_body {
        let json_type = req.header("content-type").is_some_and(|c| {
            let c = c.trim().to_ascii_lowercase();
            c == "application/json" || c.starts_with("application/json;")
        });
        if !json_type {
            return Some(control_error(
                415,
                "a control command body must be sent with Content-Type: application/json",
            ));
        }
        if req
            .content_length()
            .is_ok_and(|l| l.is_some_and(|n| n > MAX_CONTROL_BODY))
        {
            return Some(control_error(
                413,
                "the control command is larger than 64 KiB",
            ));
        }
    }
    None
}
