//! Simulator layer (`sim`), server: recorded files and thumbnails at
//! `/download/...`: finding the file, its bytes (made up from a seed, the
//! same every time), ranges, and streaming it out.

use super::send::After;
use crate::sim::device::{Device, DiskKind};
use crate::sim::http::{Response, parse_range};
use std::io::Write;
use std::net::TcpStream;
use std::sync::atomic::Ordering;

/// A file to send.
pub(crate) struct Download {
    pub size: u64,
    pub content_type: &'static str,
    pub thumb: bool,
    pub seed: u64,
    /// The request's Range header.
    pub range: Option<String>,
}

/// Resolve `media/disk0/<folder>/<name>` or
/// `media/disk0/<folder>/thumbnail/<thumbnail-name>[.jpg]`.
pub(super) fn find_download(d: &Device, rest: &str) -> Option<Download> {
    let rest = rest.strip_prefix("media/disk")?;
    let (n, rel) = rest.split_once('/')?;
    let disk = match n {
        "0" => d.disk(DiskKind::Usb),
        "1" => d.disk(DiskKind::Sd),
        _ => return None,
    };
    if !disk.present {
        return None;
    }
    for f in &disk.files {
        let Some(tail) = rel
            .strip_prefix(f.folder.as_str())
            .and_then(|t| t.strip_prefix('/'))
        else {
            continue;
        };
        if tail == f.name {
            let content_type = if f.name.ends_with(".mov") {
                "video/quicktime"
            } else {
                "video/mp4"
            };
            return Some(Download {
                size: f.size,
                content_type,
                thumb: false,
                seed: f.seq,
                range: None,
            });
        }
        if let Some(t) = tail.strip_prefix("thumbnail/") {
            if t == f.thumb || t.strip_suffix(".jpg") == Some(f.thumb.as_str()) {
                return Some(Download {
                    size: THUMB.len() as u64,
                    content_type: "image/jpeg",
                    thumb: true,
                    seed: f.seq,
                    range: None,
                });
            }
        }
    }
    None
}

/// A 1×1 grey baseline JPEG (thumbnails).
const THUMB: &[u8] = &[
    0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01,
    0x00, 0x01, 0x00, 0x00, 0xFF, 0xDB, 0x00, 0x43, 0x00, 0x08, 0x06, 0x06, 0x07, 0x06, 0x05, 0x08,
    0x07, 0x07, 0x07, 0x09, 0x09, 0x08, 0x0A, 0x0C, 0x14, 0x0D, 0x0C, 0x0B, 0x0B, 0x0C, 0x19, 0x12,
    0x13, 0x0F, 0x14, 0x1D, 0x1A, 0x1F, 0x1E, 0x1D, 0x1A, 0x1C, 0x1C, 0x20, 0x24, 0x2E, 0x27, 0x20,
    0x22, 0x2C, 0x23, 0x1C, 0x1C, 0x28, 0x37, 0x29, 0x2C, 0x30, 0x31, 0x34, 0x34, 0x34, 0x1F, 0x27,
    0x39, 0x3D, 0x38, 0x32, 0x3C, 0x2E, 0x33, 0x34, 0x32, 0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x01,
    0x00, 0x01, 0x01, 0x01, 0x11, 0x00, 0xFF, 0xC4, 0x00, 0x14, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09, 0xFF, 0xC4,
    0x00, 0x14, 0x10, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00,
    0x2A, 0x9F, 0xFF, 0xD9,
];

/// Byte `i` of a simulated recording: an MP4 `ftyp` box, then filler.
fn video_bytes(seed: u64, start: u64, out: &mut [u8]) {
    const FTYP: &[u8] = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41";
    for (k, b) in out.iter_mut().enumerate() {
        let i = start + k as u64;
        *b = if (i as usize) < FTYP.len() {
            FTYP[i as usize]
        } else {
            let x =
                i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ seed.wrapping_mul(0xBF58_476D_1CE4_E5B9);
            (x >> 29) as u8
        };
    }
}

/// Send a download. Small ones go out in one write; large ones stream.
pub(super) fn send_download(
    stream: &mut TcpStream,
    d: &Download,
    keep: bool,
    head_only: bool,
    after: After<'_>,
) -> bool {
    let shared = after.shared;
    let (status, start, end) = match d.range.as_deref().and_then(|h| parse_range(h, d.size)) {
        Some(Ok((a, b))) => (206, a, b + 1),
        Some(Err(())) => {
            let mut r = Response::text(416, "text/plain", "range not satisfiable\n");
            r.headers
                .push(("Content-Range".into(), format!("bytes */{}", d.size)));
            return after.finish(stream, &r.to_bytes(keep, true)).is_ok();
        }
        None => (200, 0, d.size),
    };
    let mut r = Response::text(status, d.content_type, Vec::new());
    r.headers.push(("Accept-Ranges".into(), "bytes".into()));
    if status == 206 {
        r.headers.push((
            "Content-Range".into(),
            format!("bytes {start}-{}/{}", end.saturating_sub(1), d.size),
        ));
    }
    let len = end - start;
    let mut out = r.head_bytes(len, keep);
    if head_only {
        return after.finish(stream, &out).is_ok();
    }
    const CHUNK: u64 = 256 * 1024;
    let mut pos = start;
    loop {
        let n = (end - pos).min(CHUNK) as usize;
        let at = out.len();
        out.resize(at + n, 0);
        if d.thumb {
            out[at..].copy_from_slice(&THUMB[pos as usize..pos as usize + n]);
        } else {
            video_bytes(d.seed, pos, &mut out[at..]);
        }
        pos += n as u64;
        if pos >= end {
            return after.finish(stream, &out).is_ok();
        }
        if stream.write_all(&out).is_err() {
            return false;
        }
        out.clear();
        if shared.stopping.load(Ordering::SeqCst) {
            return false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn video_starts_with_ftyp() {
        let mut b = [0u8; 12];
        video_bytes(1, 0, &mut b);
        assert_eq!(&b[4..8], b"ftyp");
    }
}
