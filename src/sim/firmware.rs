//! Simulator layer (`sim`), below the methods: the firmware images the
//! simulator accepts.
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
use std::io::Read;

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

/// Largest image header (magic line to the empty line) looked at.
const MAX_HEADER: usize = 64 * 1024;

/// Checks an image as it arrives, in pieces, keeping only its header and a
/// running checksum: an upload of any size costs a few KiB of memory.
pub(crate) struct Inspector {
    /// The first bytes, up to the end of the header (or `MAX_HEADER`).
    head: Vec<u8>,
    /// Set once the header is complete: its text, the payload length and
    /// checksum it announces.
    header: Option<Result<Header, i32>>,
    /// Payload bytes hashed so far and the running FNV-1a.
    hashed: usize,
    hash: u64,
    size: u64,
}

struct Header {
    text: String,
    want: usize,
    sum: u64,
}

impl Default for Inspector {
    fn default() -> Self {
        Inspector {
            head: Vec::new(),
            header: None,
            hashed: 0,
            hash: FNV_OFFSET,
            size: 0,
        }
    }
}

const FNV_OFFSET: u64 = 0xcbf29ce484222325;

fn fnv1a_more(mut h: u64, data: &[u8]) -> u64 {
    for &b in data {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

fn field<'a>(header: &'a str, k: &str) -> Option<&'a str> {
    header.lines().find_map(|l| {
        l.strip_prefix(k)
            .and_then(|v| v.strip_prefix(':'))
            .map(str::trim)
    })
}

impl Inspector {
    pub fn feed(&mut self, mut data: &[u8]) {
        self.size += data.len() as u64;
        if self.header.is_none() {
            // Still reading the header (or deciding whether there is one).
            let old = self.head.len();
            let take = data.len().min(MAX_HEADER + 2 - old.min(MAX_HEADER + 2));
            self.head.extend_from_slice(&data[..take]);
            if self.head.len() >= MAGIC.len() && !self.head.starts_with(MAGIC.as_bytes()) {
                // Not our format: only the size matters from here on.
                self.head.truncate(MAGIC.len());
                self.header = Some(Err(ERR_FILE));
                return;
            }
            // Search from just before the new bytes: "\n\n" may straddle.
            let from = old.saturating_sub(1);
            match super::http::find_from(&self.head, b"\n\n", from) {
                Some(end) => {
                    let rest_in_head = self.head.len() - (end + 2);
                    let consumed_here = take - rest_in_head;
                    self.head.truncate(end + 2);
                    self.header = Some(parse_header(&self.head[..end]));
                    data = &data[consumed_here..];
                }
                None => {
                    if self.head.len() > MAX_HEADER {
                        self.header = Some(Err(ERR_FILE));
                    }
                    return;
                }
            }
        }
        if let Some(Ok(h)) = &self.header {
            let n = data.len().min(h.want - self.hashed);
            self.hash = fnv1a_more(self.hash, &data[..n]);
            self.hashed += n;
        }
    }

    /// The verdict for the simulated `model`; `filename` names vendor files.
    /// `Err` carries the device's status code.
    pub fn finish(self, model: Model, filename: Option<&str>) -> Result<Image, i32> {
        let sim_format = self.head.len() >= MAGIC.len() && self.head.starts_with(MAGIC.as_bytes());
        let image = if sim_format {
            let h = match self.header {
                Some(Ok(h)) => h,
                Some(Err(e)) => return Err(e),
                None => return Err(ERR_FILE),
            };
            let model_of = match field(&h.text, "model") {
                Some("hdmi") => Model::Hdmi,
                Some("sdi") => Model::Sdi,
                Some(_) => return Err(ERR_MWF_UNSUPPORTED),
                None => return Err(ERR_FILE),
            };
            let version = field(&h.text, "version")
                .filter(|v| parse_version(v).is_some())
                .ok_or(ERR_FILE)?;
            let hardware = field(&h.text, "hardware").ok_or(ERR_FILE)?;
            if self.hashed < h.want || self.hash != h.sum {
                return Err(ERR_FILE);
            }
            Image {
                model: model_of,
                hardware: hardware.to_string(),
                version: version.to_string(),
                size: self.size,
            }
        } else if let Some((m, rev, version)) = filename.and_then(parse_vendor_name) {
            if self.size == 0 {
                return Err(ERR_FILE);
            }
            Image {
                model: m,
                hardware: rev,
                version,
                size: self.size,
            }
        } else {
            return Err(ERR_FILE);
        };
        if image.model != model || !image.hardware.eq_ignore_ascii_case(hardware_of(model)) {
            return Err(ERR_MWF_UNSUPPORTED);
        }
        Ok(image)
    }
}

/// The header's text, with the payload length and checksum it announces.
/// Missing or malformed numbers are checked here; model and version later
/// (a wrong model is -34 even when other fields are odd, as before).
fn parse_header(raw: &[u8]) -> Result<Header, i32> {
    let text = std::str::from_utf8(raw).map_err(|_| ERR_FILE)?.to_string();
    // A wrong model answers -34 before any other field is looked at.
    if let Some(m) = field(&text, "model") {
        if m != "hdmi" && m != "sdi" {
            return Err(ERR_MWF_UNSUPPORTED);
        }
    }
    let want: usize = field(&text, "payload-bytes")
        .and_then(|v| v.parse().ok())
        .ok_or(ERR_FILE)?;
    let sum = field(&text, "payload-fnv1a64")
        .and_then(|v| u64::from_str_radix(v, 16).ok())
        .ok_or(ERR_FILE)?;
    Ok(Header { text, want, sum })
}

impl super::http::PartSink for Inspector {
    fn feed(&mut self, data: &[u8]) {
        Inspector::feed(self, data)
    }
}

/// Check the image an `upload-update-file` request carries, as a
/// multipart/form-data part (the one with a filename, else the one named
/// "file", else the first) or as the raw body (`filename` then comes from
/// the query). The body is read in pieces from memory or its spool file.
pub(crate) fn inspect_upload(
    model: Model,
    req: &super::http::Request,
    filename_param: Option<&str>,
) -> Result<Image, i32> {
    let ct = req.header("content-type").unwrap_or("");
    let mut src = req.body_reader().map_err(|_| ERR_FILE)?;
    match super::http::multipart_boundary(ct) {
        Some(b) => {
            let parts =
                super::http::parse_multipart(&mut *src, &b, Inspector::default).ok_or(ERR_FILE)?;
            let idx = parts
                .iter()
                .position(|p| p.filename.is_some())
                .or_else(|| parts.iter().position(|p| p.name.as_deref() == Some("file")))
                .or((!parts.is_empty()).then_some(0))
                .ok_or(ERR_FILE)?;
            let part = parts.into_iter().nth(idx).ok_or(ERR_FILE)?;
            part.sink.finish(model, part.filename.as_deref())
        }
        None => {
            let mut i = Inspector::default();
            let mut buf = [0u8; 16 * 1024];
            loop {
                match src.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => i.feed(&buf[..n]),
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => return Err(ERR_FILE),
                }
            }
            i.finish(model, filename_param)
        }
    }
}

/// Check a whole uploaded image held in memory (see [`Inspector`]).
#[cfg(test)]
pub(crate) fn inspect(model: Model, filename: Option<&str>, data: &[u8]) -> Result<Image, i32> {
    let mut i = Inspector::default();
    i.feed(data);
    i.finish(model, filename)
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
    fn pieces_give_the_same_verdict_as_the_whole() {
        let img = fake_firmware(Model::Hdmi, "1.2.123");
        let mut bad = img.clone();
        bad[200] ^= 1;
        for data in [
            &img[..],
            &img[..img.len() - 1],
            &bad[..],
            b"MWF-SIM 1\nmodel: vga\n\n",
        ] {
            let whole = inspect(Model::Hdmi, None, data);
            for step in [1, 7, 4096] {
                let mut i = Inspector::default();
                for c in data.chunks(step) {
                    i.feed(c);
                }
                assert_eq!(i.finish(Model::Hdmi, None), whole, "step {step}");
            }
        }
        assert_eq!(
            inspect(Model::Hdmi, None, b"MWF-SIM 1\nmodel: vga\n\n"),
            Err(ERR_MWF_UNSUPPORTED)
        );
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
