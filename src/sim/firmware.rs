//! Firmware images the simulator accepts.
//!
//! # The simulator's image format (what [`fake_firmware`] writes)
//!
//! ```text
//! MWF-SIM 1\n                      magic line
//! product: Ultra Stream\n
//! model: hdmi\n                    "hdmi" or "sdi"
//! hardware: C\n                    hardware revision: C for HDMI, A for SDI
//! version: 1.2.123\n               dotted decimal, 1 to 4 numbers
//! payload-bytes: 65536\n           length of the payload that follows
//! payload-fnv1a64: 0123abcd...\n   FNV-1a 64-bit of the payload, 16 hex digits
//! \n                               an empty line ends the header
//! <payload-bytes bytes>
//! ```
//!
//! An image whose payload is short or whose checksum differs is refused with
//! errFile (-15), as a truncated upload would be; a model or hardware
//! revision other than the simulated device's gives errMWFUnsupported (-34).
//!
//! Vendor files are recognised by name instead:
//! `ultra_stream_<hdmi|sdi>_rev_<x>_<a>_<b>_<c>.mwf` (for example
//! `ultra_stream_hdmi_rev_c_1_2_123.mwf`) names the model, the hardware
//! revision and the version; the content is not inspected (it only has to
//! be non-empty).

use super::Model;
use crate::model::codes::{ERR_FILE, ERR_MWF_UNSUPPORTED};

const MAGIC: &str = "MWF-SIM 1\n";
const PAYLOAD_BYTES: usize = 64 * 1024;

/// What an uploaded image says about itself.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Image {
    pub model: Model,
    pub hardware: String,
    pub version: String,
    pub size: u64,
}

fn fnv1a(data: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for &b in data {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

pub(crate) fn model_word(m: Model) -> &'static str {
    match m {
        Model::Hdmi => "hdmi",
        Model::Sdi => "sdi",
    }
}

/// The hardware revision the simulated model reports in get-info.
pub(crate) fn hardware_of(m: Model) -> &'static str {
    match m {
        Model::Hdmi => "C",
        Model::Sdi => "A",
    }
}

/// A firmware image the simulator accepts for `model`, announcing `version`
/// (for example "1.2.123"). See the module documentation for the format.
pub fn fake_firmware(model: Model, version: &str) -> Vec<u8> {
    let mut payload = Vec::with_capacity(PAYLOAD_BYTES);
    let seed = fnv1a(version.as_bytes());
    let mut x = seed | 1;
    while payload.len() < PAYLOAD_BYTES {
        // xorshift64: deterministic filler.
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        payload.extend_from_slice(&x.to_le_bytes());
    }
    payload.truncate(PAYLOAD_BYTES);
    let mut out = format!(
        "{MAGIC}product: Ultra Stream\nmodel: {}\nhardware: {}\nversion: {version}\npayload-bytes: {}\npayload-fnv1a64: {:016x}\n\n",
        model_word(model),
        hardware_of(model),
        payload.len(),
        fnv1a(&payload)
    )
    .into_bytes();
    out.extend_from_slice(&payload);
    out
}

/// Parse a dotted version ("1.2.123") into numbers.
pub(crate) fn parse_version(v: &str) -> Option<Vec<u32>> {
    let parts: Option<Vec<u32>> = v
        .split('.')
        .map(|p| {
            if !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) {
                p.parse().ok()
            } else {
                None
            }
        })
        .collect();
    parts.filter(|p| (1..=4).contains(&p.len()))
}

/// Compare two dotted versions; unparsable ones compare as equal.
pub(crate) fn version_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    match (parse_version(a), parse_version(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        _ => std::cmp::Ordering::Equal,
    }
}

/// `ultra_stream_hdmi_rev_c_1_2_123.mwf` → (model, revision, version).
fn parse_vendor_name(name: &str) -> Option<(Model, String, String)> {
    let base = name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(name)
        .to_ascii_lowercase();
    let stem = base.strip_suffix(".mwf")?;
    let rest = stem.strip_prefix("ultra_stream_")?;
    let (model_word, rest) = rest.split_once("_rev_")?;
    let model = match model_word {
        "hdmi" => Model::Hdmi,
        "sdi" => Model::Sdi,
        _ => return None,
    };
    let (rev, ver) = rest.split_once('_')?;
    if rev.len() != 1 || !rev.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let version = ver.replace('_', ".");
    parse_version(&version)?;
    Some((model, rev.to_ascii_uppercase(), version))
}

/// Check an uploaded image against the simulated `model`. `Err` carries the
/// device's status code.
pub(crate) fn inspect(model: Model, filename: Option<&str>, data: &[u8]) -> Result<Image, i32> {
    let image = if data.starts_with(MAGIC.as_bytes()) {
        let header_end = super::http::find(data, b"\n\n").ok_or(ERR_FILE)?;
        let header = std::str::from_utf8(&data[..header_end]).map_err(|_| ERR_FILE)?;
        let payload = &data[header_end + 2..];
        let field = |k: &str| {
            header.lines().find_map(|l| {
                l.strip_prefix(k)
                    .and_then(|v| v.strip_prefix(':'))
                    .map(|v| v.trim().to_string())
            })
        };
        let model_of = match field("model").as_deref() {
            Some("hdmi") => Model::Hdmi,
            Some("sdi") => Model::Sdi,
            Some(_) => return Err(ERR_MWF_UNSUPPORTED),
            None => return Err(ERR_FILE),
        };
        let version = field("version")
            .filter(|v| parse_version(v).is_some())
            .ok_or(ERR_FILE)?;
        let hardware = field("hardware").ok_or(ERR_FILE)?;
        let want: usize = field("payload-bytes")
            .and_then(|v| v.parse().ok())
            .ok_or(ERR_FILE)?;
        let sum = field("payload-fnv1a64")
            .and_then(|v| u64::from_str_radix(&v, 16).ok())
            .ok_or(ERR_FILE)?;
        if payload.len() < want || fnv1a(&payload[..want]) != sum {
            return Err(ERR_FILE);
        }
        Image {
            model: model_of,
            hardware,
            version,
            size: data.len() as u64,
        }
    } else if let Some((m, rev, version)) = filename.and_then(parse_vendor_name) {
        if data.is_empty() {
            return Err(ERR_FILE);
        }
        Image {
            model: m,
            hardware: rev,
            version,
            size: data.len() as u64,
        }
    } else {
        return Err(ERR_FILE);
    };
    if image.model != model || !image.hardware.eq_ignore_ascii_case(hardware_of(model)) {
        return Err(ERR_MWF_UNSUPPORTED);
    }
    Ok(image)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let img = fake_firmware(Model::Hdmi, "1.2.123");
        let i = inspect(Model::Hdmi, None, &img).unwrap();
        assert_eq!(i.version, "1.2.123");
        assert_eq!(i.size, img.len() as u64);
        assert_eq!(inspect(Model::Sdi, None, &img), Err(ERR_MWF_UNSUPPORTED));
        assert_eq!(
            inspect(Model::Hdmi, None, &img[..img.len() - 1]),
            Err(ERR_FILE)
        );
        let mut bad = img.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert_eq!(inspect(Model::Hdmi, None, &bad), Err(ERR_FILE));
        assert_eq!(inspect(Model::Hdmi, None, b"hello"), Err(ERR_FILE));
    }

    #[test]
    fn vendor_names() {
        let i = inspect(
            Model::Hdmi,
            Some("ultra_stream_hdmi_rev_c_1_2_123.mwf"),
            b"x",
        )
        .unwrap();
        assert_eq!(i.version, "1.2.123");
        assert_eq!(
            inspect(Model::Sdi, Some("ultra_stream_sdi_rev_a_1_5_79.mwf"), b"x")
                .unwrap()
                .version,
            "1.5.79"
        );
        assert_eq!(
            inspect(Model::Hdmi, Some("ultra_stream_sdi_rev_a_1_5_79.mwf"), b"x"),
            Err(ERR_MWF_UNSUPPORTED)
        );
        assert_eq!(
            inspect(Model::Hdmi, Some("ultra_stream_hdmi_rev_b_1_2_3.mwf"), b"x"),
            Err(ERR_MWF_UNSUPPORTED)
        );
        assert_eq!(inspect(Model::Hdmi, Some("other.bin"), b"x"), Err(ERR_FILE));
    }

    #[test]
    fn versions() {
        use std::cmp::Ordering::*;
        assert_eq!(version_cmp("1.2.122", "1.2.123"), Less);
        assert_eq!(version_cmp("1.10.0", "1.9.9"), Greater);
        assert!(parse_version("1.2.x").is_none());
    }
}
