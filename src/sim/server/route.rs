//! Simulator layer (`sim`), server: which path gets what: the API (through
//! the faults to the device), downloads, the control endpoint, the index
//! page; and the refusals decided from a request's head alone.

use super::super::Shared;
use super::conns::peer;
use super::control_endpoint::{control_guard, control_route};
use super::download::{Download, find_download};
use super::faults;
use crate::sim::http::{self, Request, Response};
use crate::sim::methods::Call;
use serde_json::json;
use std::time::Instant;

/// What to do with the connection after routing a request.
pub(crate) enum Action {
    Reply(Response),
    /// Close without answering.
    Close,
    /// Read and ignore until the client closes.
    NoAnswer,
    /// Send head and part of the body, then RST.
    Reset(Response),
    /// Announce more body than is sent, then close.
    Truncate(Response),
    Download(Download),
}

/// `route` for an event loop: the latency (configured and faults) is not
/// slept but returned, in milliseconds, for the caller to wait out.
#[cfg_attr(not(unix), allow(dead_code))] // used by Unix-only code
pub(crate) fn route_deferred(shared: &Shared, req: &Request, conn: u64) -> (Action, u64) {
    faults::deferring(|| route(shared, req, conn))
}

pub(super) fn route(shared: &Shared, req: &Request, conn: u64) -> Action {
    let path = req.path.as_str();
    if is_control(path) {
        let resp = control_route(shared, req, conn);
        if let Some(log) = &shared.log {
            log.control(shared, conn, peer(shared, conn), req, resp.status);
        }
        return Action::Reply(resp);
    }
    if is_api(path) {
        let Some(log) = &shared.log else {
            return api(shared, req, conn);
        };
        let started = Instant::now();
        let action = api(shared, req, conn);
        let (label, resp) = match &action {
            Action::Reply(r) => ("", Some(r)),
            Action::Reset(r) => ("then reset", Some(r)),
            Action::Truncate(r) => ("truncated", Some(r)),
            Action::Close => ("closed: the device is down", None),
            Action::NoAnswer => ("no answer", None),
            Action::Download(_) => ("download", None),
        };
        log.request(shared, conn, peer(shared, conn), req, label, resp, started);
        return action;
    }
    if let Some(rest) = path.strip_prefix("/download/") {
        if shared.with_device(Some(conn), |d| d.is_down()) {
            return Action::Close;
        }
        return match shared.with_device(Some(conn), |d| find_download(d, rest)) {
            Some(mut d) => {
                d.range = req.header("range").map(str::to_string);
                Action::Download(d)
            }
            None => Action::Reply(Response::text(404, "text/plain", "no such file\n")),
        };
    }
    if path == "/" {
        return Action::Reply(Response::text(
            200,
            "text/plain; charset=utf-8",
            "ultrastream-sim: a simulated Magewell Ultra Stream.\n\
             API:       /usapi?method=ping  (log in with /usapi?method=login&id=USER&pass=MD5HEX)\n\
             Downloads: /download/media/disk0/<root-folder>/<file>\n\
             Control:   POST /__sim/control {\"cmd\":\"state\"} (Content-Type: application/json)  or  GET /__sim/control?cmd=state\n",
        ));
    }
    Action::Reply(Response::text(404, "text/plain", "not found\n"))
}

pub(super) fn is_control(path: &str) -> bool {
    path == "/__sim/control" || path == "/__sim/control/"
}

fn is_api(path: &str) -> bool {
    matches!(
        path,
        "/usapi" | "/usapi/" | "/usapi/usapi" | "/usapi/usapi/"
    )
}

/// A final answer decided from the head alone, sent instead of reading
/// (and storing) a body that would be refused anyway.
pub(super) fn early_refusal(shared: &Shared, req: &Request, conn: u64) -> Option<Response> {
    if is_control(&req.path) {
        return control_guard(shared, req);
    }
    if !is_api(&req.path) {
        return None;
    }
    let uploading = http::parse_query(&req.query)
        .iter()
        .any(|(k, v)| k == "method" && v == "upload-update-file");
    if !uploading {
        return None;
    }
    let sids = http::cookie_sids(req);
    let body = shared.with_device(Some(conn), |d| {
        if d.is_down() {
            None
        } else {
            d.upload_refusal(&sids)
        }
    })?;
    Some(Response::json(200, body.to_string()))
}

fn api(shared: &Shared, req: &Request, conn: u64) -> Action {
    let mut params = http::parse_query(&req.query);
    let content_type = req.header("content-type");
    if req.spool.is_none()
        && content_type.is_some_and(|c| {
            c.to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        })
    {
        params.extend(http::parse_query(&String::from_utf8_lossy(&req.body)));
    }
    let method = params
        .iter()
        .find(|(k, _)| k == "method")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();

    let fault = faults::take(shared, &method);
    if let Some(action) = faults::instead_of_answer(shared, conn, fault) {
        return action;
    }

    let sids = http::cookie_sids(req);
    // Read and check an uploaded image before taking the device lock.
    let upload = (method == "upload-update-file").then(|| {
        let filename = params
            .iter()
            .find(|(k, _)| k == "filename")
            .map(|(_, v)| v.as_str());
        crate::sim::firmware::inspect_upload(shared.model, req, filename)
    });
    let (power, outcome) = shared.with_device(Some(conn), |d| {
        let power = crate::sim::control::power_label(d);
        if d.is_down() {
            let body = d.down_answer();
            return (
                power,
                body.map(|body| crate::sim::methods::Outcome {
                    body,
                    set_cookie: None,
                }),
            );
        }
        if method.is_empty() {
            return (
                power,
                Some(crate::sim::methods::Outcome {
                    body: json!({"result": crate::model::codes::ERR_PARAM}),
                    set_cookie: None,
                }),
            );
        }
        let out = d.call(&Call {
            method: &method,
            params: &params,
            sids: &sids,
            body: &req.body,
            upload: upload.as_ref(),
        });
        (power, Some(out))
    });
    shared.record(
        &method,
        &power,
        if outcome.is_some() {
            "answered"
        } else {
            "closed"
        },
    );
    let Some(outcome) = outcome else {
        return Action::Close;
    };
    let mut resp = Response::json(200, outcome.body.to_string());
    if let Some(sid) = outcome.set_cookie {
        resp.headers
            .push(("Set-Cookie".into(), format!("sid={sid}; path=/")));
    }
    faults::mangle(fault, resp)
}
