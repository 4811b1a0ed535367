//! stdout: JSON (indented on a terminal, one compact line in a pipe, as
//! `jq` and scripts like it) and tables for people.

use crate::{CliError, CliResult};
use serde_json::Value;
use std::io::{IsTerminal, Write};
use ultrastream::model::codes;
use ultrastream::{Error, Reply};

/// Print JSON text: indented on a terminal, as it came (compact) elsewhere.
pub fn print_json_text(body: &str) {
    let body = body.trim_end();
    let mut out = std::io::stdout().lock();
    if std::io::stdout().is_terminal() {
        if let Ok(v) = serde_json::from_str::<Value>(body) {
            if let Ok(s) = serde_json::to_string_pretty(&v) {
                let _ = writeln!(out, "{s}");
                let _ = out.flush();
                return;
            }
        }
    }
    let _ = writeln!(out, "{body}");
    let _ = out.flush();
}

/// Print a value (see `print_json_text`).
pub fn print_value(v: &Value) {
    print_json_text(&v.to_string());
}

/// Print a reply; a negative result is a failure.
pub fn finish(r: Result<Reply, Error>) -> CliResult {
    let r = r.map_err(|e| crate::fail(&e))?;
    print_json_text(&r.body);
    Ok(())
}

/// The reply's body as JSON.
pub fn body_json(r: &Reply) -> CliResult<Value> {
    serde_json::from_str(&r.body).map_err(|e| {
        CliError::Fail(format!(
            "{} ({}): {}: the reply is not JSON: {e}",
            crate::code_words(codes::E_BAD_REPLY),
            codes::E_BAD_REPLY,
            r.method
        ))
    })
}

/// Call a method and parse its reply.
pub fn call(dev: &ultrastream::Device, method: &str, params: &[(&str, &str)]) -> CliResult<Value> {
    let r = dev.call(method, params).map_err(|e| crate::fail(&e))?;
    body_json(&r)
}

/// The integer at `path` (0 when absent).
pub fn int(v: &Value, path: &[&str]) -> i64 {
    let mut cur = v;
    for p in path {
        match cur.get(*p) {
            Some(x) => cur = x,
            None => return 0,
        }
    }
    cur.as_i64()
        .or_else(|| cur.as_f64().map(|f| f as i64))
        .unwrap_or(0)
}

/// The text at `path` (empty when absent; numbers as written).
pub fn text(v: &Value, path: &[&str]) -> String {
    let mut cur = v;
    for p in path {
        match cur.get(*p) {
            Some(x) => cur = x,
            None => return String::new(),
        }
    }
    match cur {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Left-aligned columns with a header row.
pub fn print_table(header: &[&str], rows: &[Vec<String>]) {
    let mut width: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if i < width.len() {
                width[i] = width[i].max(c.chars().count());
            }
        }
    }
    let mut out = std::io::stdout().lock();
    let line = |cells: Vec<String>| -> String {
        let n = cells.len();
        let mut s = String::new();
        for (i, c) in cells.into_iter().enumerate() {
            if i + 1 == n {
                s.push_str(&c);
            } else {
                s.push_str(&format!("{c:<w$}  ", w = width[i]));
            }
        }
        s.trim_end().to_string()
    };
    let _ = writeln!(
        out,
        "{}",
        line(header.iter().map(|h| h.to_string()).collect())
    );
    for r in rows {
        let _ = writeln!(out, "{}", line(r.clone()));
    }
    let _ = out.flush();
}

/// A JSON object as a two-column table: nested objects flattened with
/// '.' ("product.firmware-ver-s"), arrays of plain values joined with ", ",
/// arrays of objects one row per element ("mac-addr[0].name").
pub fn print_object_table(v: &Value) {
    fn walk(prefix: &str, v: &Value, rows: &mut Vec<Vec<String>>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&key, x, rows);
                }
            }
            Value::Array(a) if a.iter().any(|x| x.is_object() || x.is_array()) => {
                for (i, x) in a.iter().enumerate() {
                    walk(&format!("{prefix}[{i}]"), x, rows);
                }
            }
            Value::Array(a) => rows.push(vec![
                prefix.to_string(),
                a.iter()
                    .map(|x| match x {
                        Value::String(s) => s.clone(),
                        o => o.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
            ]),
            Value::String(s) => rows.push(vec![prefix.to_string(), s.clone()]),
            Value::Null => rows.push(vec![prefix.to_string(), String::new()]),
            o => rows.push(vec![prefix.to_string(), o.to_string()]),
        }
    }
    let mut rows = Vec::new();
    walk("", v, &mut rows);
    print_table(&["field", "value"], &rows);
}

/// Bytes for people ("1.5 GiB").
pub fn bytes(n: i64) -> String {
    let n = n.max(0) as f64;
    let units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < units.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", units[u])
    }
}

/// Milliseconds as H:MM:SS.
pub fn duration_ms(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    format!("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
}

/// Bits per second for people.
pub fn bps(v: i64) -> String {
    if v >= 1_000_000 {
        format!("{:.1} Mb/s", v as f64 / 1e6)
    } else {
        format!("{} kb/s", v / 1000)
    }
}
