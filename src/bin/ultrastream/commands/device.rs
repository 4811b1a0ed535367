//! info, status, settings, ping, rec, live: one request each.

use crate::output::{
    body_json, bps, bytes, duration_ms, int, print_json_text, print_object_table, print_table, text,
};
use crate::session::connect;
use crate::{CliResult, Global, fail};
use clap::Subcommand;
use serde_json::Value;
use ultrastream::model::status as st;

/// start or stop.
#[derive(Subcommand, Clone, Copy)]
pub enum StartStop {
    /// Start (retRepeat, already running, exits 0).
    Start,
    /// Stop (retRepeat, already stopped, exits 0).
    Stop,
}

/// Print one paramless method's reply (ping needs no login).
pub fn show(g: &Global, method: &str) -> CliResult {
    let s = connect(g, method != "ping")?;
    let r = s.dev.call(method, &[]).map_err(|e| fail(&e))?;
    if !g.table {
        print_json_text(&r.body);
    } else if method == "get-status" {
        status_table(&body_json(&r)?);
    } else {
        print_object_table(&body_json(&r)?);
    }
    Ok(())
}

/// rec start, live stop, ...
pub fn start_stop(g: &Global, what: &str, action: StartStop) -> CliResult {
    let verb = match action {
        StartStop::Start => "start",
        StartStop::Stop => "stop",
    };
    let s = connect(g, true)?;
    crate::output::finish(s.dev.call(&format!("{verb}-{what}"), &[]))
}

fn status_table(s: &Value) {
    let mask = int(s, &["cur-status"]) as u32;
    let flags = st::status_flag_names(mask).join(" ");
    let run_state = |on: bool, key: &str| -> String {
        if on {
            format!(
                "yes  {}  {} (avg {})",
                duration_ms(int(s, &[key, "run-ms"])),
                bps(int(s, &[key, "cur-bps"])),
                bps(int(s, &[key, "avg-bps"]))
            )
        } else {
            format!("no  (result {})", int(s, &[key, "result"]))
        }
    };
    let signal = if int(s, &["input-signal", "status"]) != 0 {
        format!(
            "{}x{}{} {:.2} Hz",
            int(s, &["input-signal", "cx"]),
            int(s, &["input-signal", "cy"]),
            if int(s, &["input-signal", "interlaced"]) != 0 {
                "i"
            } else {
                "p"
            },
            s.pointer("/input-signal/frame-rate")
                .and_then(Value::as_f64)
                .unwrap_or(0.0)
        )
    } else {
        "none".to_string()
    };
    let disk = |d: &str| -> String {
        let status = int(s, &[d, "disk-status"]);
        let name = st::disk_status_name(status as u32);
        if status == st::DISK_NOT_DISK as i64 {
            name.to_string()
        } else {
            format!(
                "{name}  {} free of {}",
                bytes(int(s, &[d, "free-size"])),
                bytes(int(s, &[d, "total-size"]))
            )
        }
    };
    let rows = vec![
        vec!["name".into(), text(s, &["box-name"])],
        vec!["time".into(), text(s, &["cur-time"])],
        vec!["status".into(), format!("{mask:#x}  {flags}")],
        vec![
            "recording".into(),
            run_state(mask & st::STATUS_RECORD != 0, "rec-status"),
        ],
        vec![
            "live".into(),
            run_state(mask & st::STATUS_LIVING != 0, "live-status"),
        ],
        vec!["signal".into(), signal],
        vec!["usb".into(), disk("usb")],
        vec!["sd".into(), disk("sd")],
    ];
    print_table(&["field", "value"], &rows);
}
