//! Simulator layer (`sim`), on the device: simulator control, commands
//! that change the world around the device (input signal, disks,
//! sessions, clock) and inject faults.
//!
//! The same JSON command works in-process (`Simulator::control`), from C
//! (`usapi_sim_control`) and over HTTP on the simulator's own port:
//!
//! ```text
//! POST /__sim/control            body: the JSON command
//! GET  /__sim/control?cmd=NAME&key=value&...   (values true/false and
//!                                numbers are typed; everything else is a string)
//! ```
//!
//! No login is needed, but over HTTP the endpoint refuses what a web page
//! could make a browser send (an `Origin` header, a `Sec-Fetch-Site` other
//! than "none", a POST body that is not `Content-Type: application/json`),
//! and with `SimOptions::control_token` (`--control-token`) it requires
//! `Authorization: Bearer <token>` (see `server/control_endpoint.rs`). The reply is `{"ok":true,...}`, or HTTP 400 with
//! `{"ok":false,"error":"..."}`; in-process, errors are
//! `Error::Simulator(message)`. Unknown commands, unknown keys and wrong
//! types are errors that name the culprit. The control path keeps working
//! while the simulated device is rebooting.
//!
//! # Commands
//!
//! | command | effect |
//! |---|---|
//! | `{"cmd":"set-signal","present":bool}` | Input signal lost / regained. Losing it while recording with `is-signal-lost`=1 stops the recording (last-rec-status 9, retSignalChange). |
//! | `{"cmd":"set-disk","disk":"usb"\|"sd","present":bool?,"free_bytes":N?,"writable":bool?,"write_bps":N?,"valid":bool?}` | Insert / remove a disk, set its free space (under 200 MiB: LowSpace 5; 0: NotSpace 3), make it read-only (NotWrite 4) or invalid (DiskInvalid 6), set the write speed (bytes/s) the USB speed test measures. A recording stops writing to a disk that is removed, full or read-only, and stops when no disk is left. |
//! | `{"cmd":"expire-sessions"}` | Every session ends now; the next call without a fresh login gets -17. |
//! | `{"cmd":"fault","method":M,"kind":K,"ms":N?,"count":N?}` | Inject a fault into API calls of method `M` (a method name, or `"*"` for all). `count`: how many matching requests it hits (default 1; 0 = until `clear-faults`). Kinds below. |
//! | `{"cmd":"clear-faults"}` | Remove all faults. |
//! | `{"cmd":"advance","ms":N}` | Jump the device clock forward N ms: long operations progress or finish, recordings grow and split, sessions idle, reboots complete. |
//! | `{"cmd":"requests","clear":bool?}` | The API requests received (at most the last 10000), oldest first: `{"method","power","got"}` each, `power` the device's state when it was handled ("up", "stopping-reboot", "down-update", ...), `got` "answered" or "closed" (requests cut short by a fault are not listed). `clear`: forget them after reading. |
//! | `{"cmd":"state"}` | A JSON dump for tests: device time, power state, status mask and its flag names, sessions, recording / live, disks with their files, operations in progress, uploaded firmware, pending faults. |
//!
//! # Fault kinds
//!
//! | kind | what the client sees | did the method run? |
//! |---|---|---|
//! | `latency` (needs `ms`) | the normal reply, `ms` milliseconds (wall time) late | yes |
//! | `no-answer` | the request is read, never answered; the socket stays open until the client closes it | no |
//! | `reset` | the head and part of the body, then a TCP RST (SO_LINGER 0) | yes |
//! | `truncate` | a `Content-Length` larger than the body sent, then the connection closes | yes |
//! | `non-json` | HTTP 200 with an HTML body | no |
//! | `http-500` | HTTP 500 | no |
//! | `oversized` | HTTP 200 with a JSON body over 8 MiB | no |
//! | `reboot` | no reply: the device reboots at once (sessions lost; back after the reboot time) | no |
//!
//! Latency faults add up with each other and with one other matching fault
//! (the first one added), so "slow, then reset" can be staged.

use super::Shared;
use super::device::{Device, Disk, DiskKind, Op, Power, PowerKind};
use super::methods::is_method;
use crate::model::codes::RET_SIGNAL_CHANGE;
use crate::model::status::status_flag_names;
use serde_json::{Map, Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FaultKind {
    Latency,
    NoAnswer,
    Reset,
    Truncate,
    NonJson,
    Http500,
    Oversized,
    Reboot,
}

impl FaultKind {
    fn parse(s: &str) -> Option<FaultKind> {
        Some(match s {
            "latency" => FaultKind::Latency,
            "no-answer" => FaultKind::NoAnswer,
            "reset" => FaultKind::Reset,
            "truncate" => FaultKind::Truncate,
            "non-json" => FaultKind::NonJson,
            "http-500" => FaultKind::Http500,
            "oversized" => FaultKind::Oversized,
            "reboot" => FaultKind::Reboot,
            _ => return None,
        })
    }
    fn name(self) -> &'static str {
        match self {
            FaultKind::Latency => "latency",
            FaultKind::NoAnswer => "no-answer",
            FaultKind::Reset => "reset",
            FaultKind::Truncate => "truncate",
            FaultKind::NonJson => "non-json",
            FaultKind::Http500 => "http-500",
            FaultKind::Oversized => "oversized",
            FaultKind::Reboot => "reboot",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Fault {
    pub method: String,
    pub kind: FaultKind,
    pub ms: u64,
    /// None: until cleared.
    pub remaining: Option<u64>,
}

/// What the faults say about one request: total added latency and the
/// first other fault that matched.
#[derive(Debug, Default)]
pub(crate) struct FaultHit {
    pub latency_ms: u64,
    pub kind: Option<FaultKind>,
}

/// Consume the faults that match `method`.
pub(crate) fn take_faults(faults: &mut Vec<Fault>, method: &str) -> FaultHit {
    let mut hit = FaultHit::default();
    for f in faults.iter_mut() {
        if f.method != "*" && f.method != method {
            continue;
        }
        let uses = match f.kind {
            FaultKind::Latency => {
                hit.latency_ms = hit.latency_ms.saturating_add(f.ms);
                true
            }
            k if hit.kind.is_none() => {
                hit.kind = Some(k);
                true
            }
            _ => false,
        };
        if uses {
            if let Some(r) = f.remaining.as_mut() {
                *r = r.saturating_sub(1);
            }
        }
    }
    faults.retain(|f| f.remaining != Some(0));
    hit
}

/// Longest `advance` accepted: ten years.
const MAX_ADVANCE_MS: u64 = 10 * 365 * 24 * 3600 * 1000;

struct Args<'a> {
    cmd: &'a str,
    obj: &'a Map<String, Value>,
}

impl Args<'_> {
    fn only(&self, allowed: &[&str]) -> Result<(), String> {
        for k in self.obj.keys() {
            if k != "cmd" && !allowed.contains(&k.as_str()) {
                return Err(format!(
                    "{}: unknown key '{k}' (allowed: {})",
                    self.cmd,
                    allowed.join(", ")
                ));
            }
        }
        Ok(())
    }
    fn bool(&self, k: &str) -> Result<Option<bool>, String> {
        match self.obj.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(format!(
                "{}: '{k}' must be true or false, not {other}",
                self.cmd
            )),
        }
    }
    fn u64(&self, k: &str) -> Result<Option<u64>, String> {
        match self.obj.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_u64()
                .or_else(|| {
                    v.as_f64()
                        .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < 1.8e19)
                        .map(|f| f as u64)
                })
                .map(Some)
                .ok_or_else(|| {
                    format!(
                        "{}: '{k}' must be a non-negative integer, not {v}",
                        self.cmd
                    )
                }),
        }
    }
    fn str(&self, k: &str) -> Result<Option<&str>, String> {
        match self.obj.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(format!("{}: '{k}' must be a string, not {other}", self.cmd)),
        }
    }
}

/// Turn `cmd=set-signal&present=false` into the JSON command.
pub(crate) fn query_to_json(pairs: &[(String, String)]) -> Value {
    let mut m = Map::new();
    for (k, v) in pairs {
        let val = match v.as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            "null" => Value::Null,
            s => match s.parse::<u64>() {
                Ok(n) if k != "cmd" && k != "method" => json!(n),
                _ => Value::String(s.to_string()),
            },
        };
        m.insert(k.clone(), val);
    }
    Value::Object(m)
}

/// Run one control command.
pub(crate) fn run(
    shared: &Shared,
    command: &str,
    exclude_conn: Option<u64>,
) -> Result<Value, String> {
    let v: Value = if command.trim().is_empty() {
        return Err("empty command: send a JSON object such as {\"cmd\":\"state\"}".into());
    } else {
        serde_json::from_str(command).map_err(|e| format!("the command is not JSON: {e}"))?
    };
    run_value(shared, &v, exclude_conn)
}

pub(crate) fn run_value(
    shared: &Shared,
    v: &Value,
    exclude_conn: Option<u64>,
) -> Result<Value, String> {
    let obj = v
        .as_object()
        .ok_or("the command must be a JSON object with a \"cmd\" key")?;
    let cmd = match obj.get("cmd") {
        Some(Value::String(s)) => s.as_str(),
        Some(other) => return Err(format!("'cmd' must be a string, not {other}")),
        None => return Err("missing 'cmd' (one of set-signal, set-disk, expire-sessions, fault, clear-faults, advance, state, requests)".into()),
    };
    let a = Args { cmd, obj };
    match cmd {
        "set-signal" => {
            a.only(&["present"])?;
            let present = a
                .bool("present")?
                .ok_or("set-signal: 'present' (true or false) is required")?;
            shared.with_device(exclude_conn, |d| {
                d.signal = present;
                if !present && d.rec.is_some() && d.cfg.is_signal_lost == 1 {
                    let t = d.t;
                    d.finish_recording(t, RET_SIGNAL_CHANGE);
                }
            });
            Ok(json!({"ok": true, "signal": present}))
        }
        "set-disk" => {
            a.only(&[
                "disk",
                "present",
                "free_bytes",
                "writable",
                "write_bps",
                "valid",
            ])?;
            let kind = match a.str("disk")? {
                Some("usb") => DiskKind::Usb,
                Some("sd") => DiskKind::Sd,
                Some(other) => {
                    return Err(format!(
                        "set-disk: 'disk' must be \"usb\" or \"sd\", not \"{other}\""
                    ));
                }
                None => return Err("set-disk: 'disk' (\"usb\" or \"sd\") is required".into()),
            };
            let present = a.bool("present")?;
            let free = a.u64("free_bytes")?;
            let writable = a.bool("writable")?;
            let write_bps = a.u64("write_bps")?;
            let valid = a.bool("valid")?;
            if free.is_some_and(|f| f > 1 << 50) {
                return Err("set-disk: 'free_bytes' is larger than a petabyte".into());
            }
            let status = shared.with_device(exclude_conn, |d| {
                let disk = d.disk_mut(kind);
                if let Some(p) = present {
                    disk.present = p;
                }
                if let Some(f) = free {
                    disk.set_free(f);
                }
                if let Some(w) = writable {
                    disk.writable = w;
                }
                if let Some(b) = write_bps {
                    disk.write_bps = b;
                }
                if let Some(v) = valid {
                    disk.valid = v;
                }
                let s = disk.status();
                // Let a recording react now.
                d.tick();
                s
            });
            Ok(json!({"ok": true, "disk-status": status}))
        }
        "expire-sessions" => {
            a.only(&[])?;
            let n = shared.with_device(exclude_conn, |d| {
                let n = d.sessions.len();
                d.sessions.clear();
                n
            });
            Ok(json!({"ok": true, "expired": n}))
        }
        "fault" => {
            a.only(&["method", "kind", "ms", "count"])?;
            let method = a
                .str("method")?
                .ok_or("fault: 'method' (an API method name or \"*\") is required")?;
            if method != "*" && !is_method(method) {
                return Err(format!(
                    "fault: unknown method '{method}' (use an API method name such as \"get-status\", or \"*\")"
                ));
            }
            let kind_s = a.str("kind")?.ok_or("fault: 'kind' is required")?;
            let kind = FaultKind::parse(kind_s).ok_or_else(|| {
                format!("fault: unknown kind '{kind_s}' (latency, no-answer, reset, truncate, non-json, http-500, oversized, reboot)")
            })?;
            let ms = a.u64("ms")?;
            if kind == FaultKind::Latency && ms.is_none() {
                return Err("fault: kind 'latency' needs 'ms'".into());
            }
            let ms = ms.unwrap_or(0).min(3_600_000);
            let count = a.u64("count")?.unwrap_or(1);
            let f = Fault {
                method: method.to_string(),
                kind,
                ms,
                remaining: (count > 0).then_some(count),
            };
            let mut faults = shared.faults.lock().unwrap_or_else(|p| p.into_inner());
            faults.push(f);
            Ok(json!({"ok": true, "faults": faults.len()}))
        }
        "clear-faults" => {
            a.only(&[])?;
            shared
                .faults
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clear();
            Ok(json!({"ok": true}))
        }
        "advance" => {
            a.only(&["ms"])?;
            let ms = a.u64("ms")?.ok_or("advance: 'ms' is required")?;
            if ms > MAX_ADVANCE_MS {
                return Err(format!(
                    "advance: at most {MAX_ADVANCE_MS} ms (ten years) at a time"
                ));
            }
            let t = shared.with_device(exclude_conn, |d| {
                d.clock.advance(ms);
                d.tick();
                d.t
            });
            Ok(json!({"ok": true, "device_ms": t}))
        }
        "state" => {
            a.only(&[])?;
            let faults: Vec<Value> = shared
                .faults
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .map(|f| json!({"method": f.method, "kind": f.kind.name(), "ms": f.ms, "remaining": f.remaining}))
                .collect();
            let mut v = shared.with_device(exclude_conn, |d| state_json(d));
            v["faults"] = Value::Array(faults);
            Ok(v)
        }
        "requests" => {
            a.only(&["clear"])?;
            let clear = a.bool("clear")?.unwrap_or(false);
            let mut q = shared.requests.lock().unwrap_or_else(|p| p.into_inner());
            let list: Vec<Value> = q.iter().cloned().collect();
            if clear {
                q.clear();
            }
            Ok(json!({"ok": true, "requests": list}))
        }
        other => Err(format!(
            "unknown command '{other}' (set-signal, set-disk, expire-sessions, fault, clear-faults, advance, state, requests)"
        )),
    }
}

fn op_json(op: &Op) -> Value {
    json!({"result": op.result, "percent": op.percent, "running": op.running})
}

fn disk_state(d: &Disk) -> Value {
    let files: Vec<Value> = d
        .files
        .iter()
        .map(|f| json!({"folder": f.folder, "name": f.name, "size": f.size, "status": f.status, "duration_ms": f.duration_ms}))
        .collect();
    json!({"present": d.present, "status": d.status(), "free_bytes": d.free(), "total_bytes": d.total,
           "writable": d.writable, "valid": d.valid, "write_bps": d.write_bps, "file_count": files.len(), "files": files})
}

/// The power state as `state` and `requests` show it: "up",
/// "stopping-reboot|reset|update", "down-reboot|reset|update".
pub(crate) fn power_label(d: &Device) -> String {
    match d.power {
        Power::Up => "up".to_string(),
        Power::Stopping { kind, .. } => format!("stopping-{}", power_name(kind)),
        Power::Down { kind, .. } => format!("down-{}", power_name(kind)),
    }
}

fn state_json(d: &Device) -> Value {
    let power = power_label(d);
    let mut users: Vec<&str> = d.sessions.values().map(|s| s.user.as_str()).collect();
    users.sort_unstable();
    let mask = d.cur_status();
    json!({
        "ok": true,
        "model": super::firmware::model_word(d.model),
        "serial": d.serial,
        "firmware": d.firmware,
        "device_ms": d.t,
        "power": power,
        "boots": d.boots,
        "cur_status": mask,
        "status_flags": status_flag_names(mask),
        "sessions": d.sessions.len(),
        "session_users": users,
        "recording": d.rec.is_some(),
        "live": d.live.is_some(),
        "signal": d.signal,
        "first_boot": d.first_boot,
        "last_rec_status": d.last_rec_status,
        "usb": disk_state(&d.usb),
        "sd": disk_state(&d.sd),
        "ops": {
            "format": op_json(&d.format),
            "disk_test": op_json(&d.disk_test),
            "living_test": op_json(&d.living_test),
            "check_upgrade": op_json(&d.check),
            "update": {"result": d.update.op.result, "percent": d.update.op.percent, "running": d.update.op.running,
                       "step": d.update.step, "mode": d.update.mode},
        },
        "uploaded_firmware": d.uploaded.as_ref().map(|u| json!({"version": u.version, "size": u.size})),
        "servers": d.cfg.servers.len(),
        "enabled_servers": d.cfg.enabled_servers().count(),
    })
}

fn power_name(k: PowerKind) -> &'static str {
    match k {
        PowerKind::Reboot => "reboot",
        PowerKind::Reset => "reset",
        PowerKind::Update => "update",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_count_down() {
        let mut f = vec![
            Fault {
                method: "get-status".into(),
                kind: FaultKind::Reset,
                ms: 0,
                remaining: Some(2),
            },
            Fault {
                method: "*".into(),
                kind: FaultKind::Latency,
                ms: 5,
                remaining: None,
            },
        ];
        let h = take_faults(&mut f, "ping");
        assert_eq!((h.latency_ms, h.kind), (5, None));
        let h = take_faults(&mut f, "get-status");
        assert_eq!((h.latency_ms, h.kind), (5, Some(FaultKind::Reset)));
        let _ = take_faults(&mut f, "get-status");
        assert_eq!(f.len(), 1);
        assert_eq!(take_faults(&mut f, "get-status").kind, None);
    }

    #[test]
    fn queries_become_commands() {
        let v = query_to_json(&[
            ("cmd".into(), "set-disk".into()),
            ("present".into(), "false".into()),
            ("free_bytes".into(), "5".into()),
        ]);
        assert_eq!(
            v,
            json!({"cmd": "set-disk", "present": false, "free_bytes": 5})
        );
    }
}
