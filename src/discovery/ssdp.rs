//! SSDP: the `HTTP/1.1 200` answers to an M-SEARCH, and the UPnP
//! description a LOCATION serves (fetched on a thread of its own).

use super::multicast::{Datagram, ReplyFields, parse_status};
use super::{MAX_DESCRIPTION_BYTES, MAX_FIELD_CHARS, MAX_SERIAL_CHARS, SsdpInfo};
use serde_json::Value;
use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, TcpStream};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SsdpIdentity {
    /// Known to be an Ultra Stream; serial may be "" (then merged by USN/address).
    Magewell(Box<ReplyFields>),
    /// Some UPnP device: check its description.
    Unknown,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SsdpAnswer {
    pub info: SsdpInfo,
    pub identity: SsdpIdentity,
}

pub(super) fn classify_http_response(text: &str) -> Datagram {
    let head_end = text.find("\r\n\r\n").or_else(|| text.find("\n\n"));
    let Some(end) = head_end else {
        return Datagram::Truncated;
    };
    let mut lines = text[..end].lines();
    let status_line = lines.next().unwrap_or("");
    let mut parts = status_line.split_whitespace();
    let version = parts.next().unwrap_or("");
    let code = parts.next().unwrap_or("");
    if !(version == "HTTP/1.1" || version == "HTTP/1.0")
        || code.len() != 3
        || !code.bytes().all(|b| b.is_ascii_digit())
    {
        return Datagram::Malformed;
    }
    if code != "200" {
        return Datagram::Foreign;
    }
    let mut headers: HashMap<String, String> = HashMap::new();
    for (n, line) in lines.enumerate() {
        if n >= 64 {
            return Datagram::Malformed;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Datagram::Malformed;
        };
        let name = name.trim();
        if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Datagram::Malformed;
        }
        let value = value.trim();
        if value.chars().any(|c| c.is_control() && c != '\t') || value.chars().count() > 512 {
            return Datagram::Malformed;
        }
        headers.insert(name.to_ascii_uppercase(), value.to_string());
    }
    let get = |k: &str| headers.get(k).cloned().unwrap_or_default();
    let info = SsdpInfo {
        location: get("LOCATION"),
        usn: get("USN"),
        server: get("SERVER"),
        st: get("ST"),
    };
    if info.location.is_empty() || info.usn.is_empty() {
        // Not an SSDP search answer (some other HTTP over UDP).
        return Datagram::Foreign;
    }
    let mut r = ReplyFields::default();
    let mut magewell = false;
    if let Some(sn) = headers.get("X-MAGEWELL-SERIALNUMBER") {
        let sn = sn.trim();
        if sn.is_empty() || sn.chars().count() > MAX_SERIAL_CHARS {
            return Datagram::Malformed;
        }
        r.serialnumber = sn.to_string();
        magewell = true;
    }
    if [&info.server, &info.usn, &info.st]
        .iter()
        .any(|v| v.to_ascii_lowercase().contains("magewell"))
    {
        magewell = true;
    }
    if !magewell {
        return Datagram::Ssdp(Box::new(SsdpAnswer {
            info,
            identity: SsdpIdentity::Unknown,
        }));
    }
    let short = |k: &str| {
        let v = get(k);
        if v.chars().count() > MAX_FIELD_CHARS {
            String::new()
        } else {
            v
        }
    };
    r.product = short("X-MAGEWELL-PRODUCT");
    r.boxname = short("X-MAGEWELL-BOXNAME");
    r.ethip = short("X-MAGEWELL-ETHIP");
    r.wifiip = short("X-MAGEWELL-WIFIIP");
    if let Some(s) = headers.get("X-MAGEWELL-STATUS") {
        match parse_status(&Value::String(s.clone())) {
            Some(v) => r.status = Some(v),
            None => return Datagram::Malformed,
        }
    }
    Datagram::Ssdp(Box::new(SsdpAnswer {
        info,
        identity: SsdpIdentity::Magewell(Box::new(r)),
    }))
}

// ---------------------------------------------------------------------------
// UPnP description fetch.

pub(super) struct FetchRequest {
    pub(super) src: Ipv4Addr,
    pub(super) info: SsdpInfo,
}

pub(super) struct FetchOutcome {
    pub(super) req: FetchRequest,
    /// Ok(Some): a Magewell device; Ok(None): another manufacturer.
    pub(super) outcome: std::result::Result<Option<ReplyFields>, String>,
}

/// GET the LOCATION of an SSDP answer, if it is `http://` on the host
/// that answered, and read the device's identity from the description.
pub(super) fn fetch_description(
    req: &FetchRequest,
    deadline: Instant,
) -> std::result::Result<Option<ReplyFields>, String> {
    let (addr, path) = parse_http_url(&req.info.location)
        .ok_or("LOCATION is not an http:// URL with an IPv4 address")?;
    if *addr.ip() != req.src {
        return Err("LOCATION names another host than the one that answered; not fetched".into());
    }
    let left = |d: Instant| {
        d.saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1))
    };
    let mut s = TcpStream::connect_timeout(&SocketAddr::V4(addr), left(deadline))
        .map_err(|e| e.to_string())?;
    s.set_write_timeout(Some(left(deadline)))
        .map_err(|e| e.to_string())?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\nConnection: close\r\nUser-Agent: ultrastream/{}\r\n\r\n", env!("CARGO_PKG_VERSION"))
        .map_err(|e| e.to_string())?;
    let mut body = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if Instant::now() >= deadline {
            return Err("timed out".into());
        }
        s.set_read_timeout(Some(left(deadline)))
            .map_err(|e| e.to_string())?;
        match s.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                body.extend_from_slice(&chunk[..n]);
                if body.len() > MAX_DESCRIPTION_BYTES {
                    return Err("description too large".into());
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.to_string()),
        }
    }
    let text = String::from_utf8_lossy(&body);
    let status_ok = text.lines().next().is_some_and(|l| {
        let mut p = l.split_whitespace();
        p.next().is_some_and(|v| v.starts_with("HTTP/")) && p.next() == Some("200")
    });
    if !status_ok {
        return Err("description: HTTP status is not 200".into());
    }
    let xml = text
        .split_once("\r\n\r\n")
        .or_else(|| text.split_once("\n\n"))
        .map(|(_, b)| b)
        .unwrap_or("");
    Ok(parse_description(xml))
}

/// `http://a.b.c.d[:port]/path` → (address, path).
pub(super) fn parse_http_url(url: &str) -> Option<(SocketAddrV4, String)> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("HTTP://"))?;
    let (hostport, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if path.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let addr = match hostport.parse::<SocketAddrV4>() {
        Ok(a) => a,
        Err(_) => SocketAddrV4::new(hostport.parse::<Ipv4Addr>().ok()?, 80),
    };
    Some((addr, path.to_string()))
}

/// The identity in a UPnP device description, if its manufacturer is Magewell.
pub(crate) fn parse_description(xml: &str) -> Option<ReplyFields> {
    let manufacturer = xml_tag(xml, "manufacturer")?;
    if !manufacturer.to_ascii_lowercase().contains("magewell") {
        return None;
    }
    let field = |t: &str| {
        xml_tag(xml, t)
            .filter(|v| v.chars().count() <= MAX_FIELD_CHARS && !v.chars().any(|c| c.is_control()))
            .unwrap_or_default()
    };
    let mut serial = field("serialNumber");
    if serial.chars().count() > MAX_SERIAL_CHARS {
        serial.clear();
    }
    Some(ReplyFields {
        serialnumber: serial,
        product: field("modelName"),
        boxname: field("friendlyName"),
        ..Default::default()
    })
}

/// The text of the first `<tag>` element (attributes and namespace
/// prefixes on the tag are not supported, as UPnP does not use them there).
pub(super) fn xml_tag(xml: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let start = xml.find(&open)? + open.len();
    let len = xml[start..].find(&close)?;
    let raw = xml[start..start + len].trim();
    Some(
        raw.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&"),
    )
}
