//! Sorting what arrives (pure functions: no I/O, no panic on any input),
//! and the vendor multicast reply `{"flag":"ssip",...}`.

use super::ssdp::{SsdpAnswer, classify_http_response};
use super::{MAX_DATAGRAM, MAX_EXTRA_FIELDS, MAX_FIELD_CHARS, MAX_SERIAL_CHARS};
use serde_json::{Map, Value};

// ---------------------------------------------------------------------------
// Parsing what arrives. Pure functions: no I/O, no panics on any input.

/// The fields of a multicast reply (or what SSDP told of them).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ReplyFields {
    pub version: String,
    pub flag: String,
    pub product: String,
    pub boxname: String,
    pub serialnumber: String,
    pub wifiip: String,
    pub ethip: String,
    pub status: Option<u32>,
    /// `http-port` (not in the document: the simulator's HTTP port).
    pub http_port: Option<u16>,
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Datagram {
    Reply(Box<ReplyFields>),
    Ssdp(Box<SsdpAnswer>),
    Probe,
    Foreign,
    Oversized,
    Truncated,
    Malformed,
}

/// Sort one datagram.
pub(crate) fn classify(data: &[u8]) -> Datagram {
    if data.len() > MAX_DATAGRAM {
        return Datagram::Oversized;
    }
    let trimmed = trim_start(data);
    if trimmed.is_empty() {
        return Datagram::Truncated;
    }
    if trimmed[0] == b'{' {
        return classify_json(trimmed);
    }
    let Ok(text) = std::str::from_utf8(trimmed) else {
        return Datagram::Malformed;
    };
    if text.starts_with("HTTP/") {
        return classify_http_response(text);
    }
    if text.starts_with("M-SEARCH ") {
        return Datagram::Probe;
    }
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\r' | '\n' | '\t'))
    {
        return Datagram::Malformed;
    }
    // NOTIFY, other requests, other text protocols.
    Datagram::Foreign
}

pub(super) fn trim_start(data: &[u8]) -> &[u8] {
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let n = data.iter().take_while(|b| b.is_ascii_whitespace()).count();
    &data[n..]
}

pub(super) fn classify_json(data: &[u8]) -> Datagram {
    let v: Value = match serde_json::from_slice(data) {
        Ok(v) => v,
        Err(e) if e.is_eof() => return Datagram::Truncated,
        Err(_) => return Datagram::Malformed,
    };
    let Value::Object(mut m) = v else {
        return Datagram::Malformed;
    };
    match m.get("flag") {
        Some(Value::String(f)) if f.eq_ignore_ascii_case("ssip") => {}
        _ => return Datagram::Foreign,
    }
    if !m.contains_key("serialnumber") {
        let reply_like = ["product", "boxname", "status", "ethip", "wifiip"]
            .iter()
            .any(|k| m.contains_key(*k));
        return if reply_like {
            Datagram::Malformed
        } else {
            Datagram::Probe
        };
    }
    // The serial number is the device's identity: a string, nothing else.
    if !matches!(m.get("serialnumber"), Some(Value::String(_))) {
        return Datagram::Malformed;
    }
    let mut r = ReplyFields::default();
    let mut take = |key: &str, max: usize| -> std::result::Result<String, ()> {
        let s = match m.remove(key) {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s,
            Some(Value::Number(n)) => n.to_string(),
            Some(_) => return Err(()),
        };
        if s.chars().count() > max || s.chars().any(|c| c.is_control()) {
            return Err(());
        }
        Ok(s)
    };
    let fields = (|| -> std::result::Result<(), ()> {
        r.serialnumber = take("serialnumber", MAX_SERIAL_CHARS)?.trim().to_string();
        r.version = take("version", MAX_FIELD_CHARS)?;
        r.flag = take("flag", MAX_FIELD_CHARS)?;
        r.product = take("product", MAX_FIELD_CHARS)?;
        r.boxname = take("boxname", MAX_FIELD_CHARS)?;
        r.wifiip = take("wifiip", MAX_FIELD_CHARS)?;
        r.ethip = take("ethip", MAX_FIELD_CHARS)?;
        Ok(())
    })();
    if fields.is_err() || r.serialnumber.is_empty() {
        return Datagram::Malformed;
    }
    r.status = match m.remove("status") {
        None | Some(Value::Null) => None,
        Some(v) => match parse_status(&v) {
            Some(s) => Some(s),
            None => return Datagram::Malformed,
        },
    };
    // Lenient: a port that does not parse is dropped, the reply kept.
    r.http_port = match m.remove("http-port") {
        Some(Value::Number(n)) => n.as_u64().and_then(|p| u16::try_from(p).ok()),
        Some(Value::String(s)) => s.trim().parse::<u16>().ok(),
        _ => None,
    }
    .filter(|p| *p != 0);
    r.extra = m.into_iter().take(MAX_EXTRA_FIELDS).collect();
    Datagram::Reply(Box::new(r))
}

pub(super) fn parse_status(v: &Value) -> Option<u32> {
    match v {
        Value::Number(n) => n.as_u64().and_then(|x| u32::try_from(x).ok()),
        Value::String(s) => {
            let s = s.trim();
            match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
                Some(hex) => u32::from_str_radix(hex, 16).ok(),
                None => s.parse::<u32>().ok(),
            }
        }
        _ => None,
    }
}
