//! Media download: a recorded file (or its thumbnail) from the device's
//! download path (`http://ip:8080/download/path/name`) to a local file,
//! streamed, with bytes progress, resumed with `Range` when the
//! destination already holds a prefix, verified against the size
//! get-media-files listed.
//!
//! The port: a device opened without a port serves downloads on 8080 (the
//! document); one opened with an explicit port (the simulator, a port
//! forward) is asked on that same port.

use super::ProgressFn;
use super::run::{Ctx, RunOptions};
use crate::client::{Device, percent_encode};
use crate::error::{Error, Result};
use crate::model::MediaFile;
use crate::model::codes::{RET_RUNNING, RET_SUCCEED};
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

const PAGE: i64 = 100;
/// Report at most every this many bytes (and at every percent step).
const REPORT_EVERY: u64 = 1 << 20;

/// What to fetch: the URL path and the size to expect (None: thumbnails,
/// whose size get-media-files does not list).
struct Target {
    path: String,
    size: Option<u64>,
    name: String,
}

fn encode_path(segments: &[&str]) -> String {
    let mut out = String::from("/download");
    for seg in segments {
        for part in seg.split('/').filter(|p| !p.is_empty()) {
            out.push('/');
            percent_encode(part, &mut out);
        }
    }
    out
}

/// Find `name` (a file, or a file's thumbnail name with or without .jpg)
/// in get-media-files, page by page.
fn find(dev: &Device, disk_type: i32, name: &str) -> Result<Target> {
    let mut start = 0;
    loop {
        let page = dev.get_media_files(disk_type as i64, start, PAGE)?;
        let found = |f: &&MediaFile| f.name == name;
        if let Some(f) = page.media_files.iter().find(found) {
            if f.status == 0 {
                return Err(Error::Busy {
                    method: "download".into(),
                    blocking: "recording".into(),
                    explanation: format!(
                        "recording is in progress into {name} (its size still grows); stop recording first (stop-rec)"
                    ),
                });
            }
            return Ok(Target {
                path: encode_path(&[&page.path, &f.name]),
                size: Some(f.size_bytes.max(0) as u64),
                name: f.name.clone(),
            });
        }
        let thumb = |f: &&MediaFile| {
            !f.thumbnail_name.is_empty()
                && (f.thumbnail_name == name
                    || name.strip_suffix(".jpg") == Some(f.thumbnail_name.as_str()))
        };
        if let Some(f) = page.media_files.iter().find(thumb) {
            // "the default suffix is .jpg"
            let file = format!("{}.jpg", f.thumbnail_name);
            return Ok(Target {
                path: encode_path(&[&page.path, &page.thumbnail, &file]),
                size: None,
                name: file,
            });
        }
        if (page.media_files.len() as i64) < PAGE {
            return Err(Error::invalid(
                "name",
                format!(
                    "no recorded file or thumbnail named '{name}' on the {} (see get-media-files)",
                    if disk_type == 1 {
                        "SD card"
                    } else {
                        "USB drive"
                    }
                ),
            ));
        }
        start += PAGE;
    }
}

impl Device {
    /// Download the recorded file `name` (or, given a thumbnail name, that
    /// thumbnail) from disk `disk_type` (0 USB, 1 SD) to `dest`. A `dest`
    /// that already holds a prefix of the file is resumed with `Range`.
    /// The finished file must have the size get-media-files lists (else
    /// `Error::Verify`). Cancelling keeps the part downloaded, for a later
    /// resume. Returns the file's size.
    pub fn download_media(
        &self,
        disk_type: i32,
        name: &str,
        dest: &Path,
        opts: &RunOptions,
        progress: &mut ProgressFn<'_>,
    ) -> Result<u64> {
        if disk_type != 0 && disk_type != 1 {
            return Err(Error::invalid("disk_type", "must be 0 (USB) or 1 (SD)"));
        }
        if name.is_empty() || name.contains('/') || name.chars().any(char::is_control) {
            return Err(Error::invalid(
                "name",
                "a file name from get-media-files, without '/' or control characters",
            ));
        }
        let t = find(self, disk_type, name)?;
        let mut ctx = Ctx::new(self, "download", opts, Duration::from_secs(7200), progress);
        let have = match std::fs::metadata(dest) {
            Ok(m) if m.is_file() => m.len(),
            Ok(_) => {
                return Err(Error::File(format!(
                    "{} is not a regular file",
                    dest.display()
                )));
            }
            Err(_) => 0,
        };
        let mut have = match t.size {
            Some(size) if have > size => 0, // not a prefix of this file: start over
            _ => have,
        };
        if t.size == Some(have) && have > 0 {
            let _ = ctx.report_bytes("done", 0, 100, have, have, RET_SUCCEED);
            return Ok(have);
        }
        let authority = self.authority();
        let host = if authority.starts_with('[') {
            if authority.contains("]:") {
                authority.to_string()
            } else {
                format!("{authority}:8080")
            }
        } else if authority.contains(':') {
            authority.to_string()
        } else {
            format!("{authority}:8080")
        };
        let o = self.options();
        let what = format!("download of {}", t.name);
        let deadline = Instant::now() + opts.timeout.unwrap_or(Duration::from_secs(7200));
        // A resume whose Content-Range does not start at the bytes held
        // and total the listed size is not trusted: the file is fetched
        // again from 0 (once).
        let mut range_from = (have > 0).then_some(have);
        let (mut resp, append) = loop {
            let resp = crate::client::fetch::get(
                &host,
                &t.path,
                range_from,
                o.connect_timeout,
                o.request_timeout,
                deadline,
                &what,
            )?;
            match resp.head.status {
                206 if range_from.is_some() => {
                    let fits = resp.head.content_range.is_some_and(|r| {
                        r.first == have && t.size.is_none_or(|size| r.total == Some(size))
                    });
                    if fits {
                        break (resp, true);
                    }
                    have = 0;
                    range_from = None;
                }
                200 => {
                    have = 0; // the server sent the whole file
                    break (resp, false);
                }
                416 if t.size.is_none() && have > 0 => {
                    // A thumbnail we already hold whole.
                    let _ = ctx.report_bytes("done", 0, 100, have, have, RET_SUCCEED);
                    return Ok(have);
                }
                404 => {
                    return Err(Error::invalid(
                        "name",
                        format!("the device has no download for '{}' (HTTP 404)", t.name),
                    ));
                }
                s => {
                    return Err(Error::HttpStatus {
                        method: "download".into(),
                        status: s,
                    });
                }
            }
        };
        if let Some(size) = t.size {
            // Never write past the listed size: a longer announced body is
            // refused before the file is touched, an unannounced one stops
            // at the first byte past it.
            let left = size - have;
            if resp.head.content_length.is_some_and(|n| n > left) {
                return Err(too_long(&t.name, size, dest));
            }
            resp.limit_body(left);
        }
        let total = t
            .size
            .unwrap_or_else(|| have + resp.head.content_length.unwrap_or(0));
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .append(append)
            .truncate(!append)
            .open(dest)
            .map_err(|e| Error::File(format!("cannot write {}: {e}", dest.display())))?;
        let mut done = have;
        let mut last_report = done;
        let mut last_pct = -1;
        let phase = if append { "resuming" } else { "downloading" };
        if ctx.report_bytes(
            phase,
            0,
            super::percent_of(done, total),
            done,
            total,
            RET_RUNNING,
        ) {
            return Err(cancelled(done, dest));
        }
        // A read waits at most the request timeout for data.
        let r = resp.body(o.request_timeout, deadline, &mut |piece| {
            file.write_all(piece)
                .map_err(|e| Error::File(format!("cannot write {}: {e}", dest.display())))?;
            done += piece.len() as u64;
            let pct = super::percent_of(done, total);
            if done - last_report >= REPORT_EVERY || pct != last_pct {
                last_report = done;
                last_pct = pct;
                if ctx.report_bytes("downloading", 0, pct.min(99), done, total, RET_RUNNING) {
                    file.flush().ok();
                    return Err(cancelled(done, dest));
                }
            }
            Ok(())
        });
        // File and Cancelled come from the sink; the rest from the reply.
        let resume = |d: String| {
            format!(
                "{d}; {done} bytes are in {}, run the download again to resume",
                dest.display()
            )
        };
        match r {
            Ok(()) => {}
            Err(Error::TooLarge { .. }) if t.size.is_some() => {
                return Err(too_long(&t.name, t.size.unwrap_or(0), dest));
            }
            Err(Error::Io(d)) => return Err(Error::Io(resume(d))),
            Err(Error::Timeout(d)) => return Err(Error::Timeout(resume(d))),
            Err(e) => return Err(e),
        }
        file.flush()
            .map_err(|e| Error::File(format!("cannot write {}: {e}", dest.display())))?;
        drop(file);
        let _ = ctx.report_bytes("verifying", 0, 99, done, total, RET_RUNNING);
        let on_disk = std::fs::metadata(dest)
            .map_err(|e| Error::File(format!("cannot read {}: {e}", dest.display())))?
            .len();
        if let Some(size) = t.size {
            if on_disk != size {
                return Err(Error::Verify(format!(
                    "{} is {on_disk} bytes but get-media-files lists {size}; delete it and download again",
                    dest.display()
                )));
            }
        }
        let _ = ctx.report_bytes("done", 0, 100, on_disk, on_disk, RET_SUCCEED);
        Ok(on_disk)
    }
}

fn too_long(name: &str, size: u64, dest: &Path) -> Error {
    Error::Verify(format!(
        "the device sent more than the {size} bytes get-media-files lists for {name}; nothing past them was written to {}; delete it and download again",
        dest.display()
    ))
}

fn cancelled(done: u64, dest: &Path) -> Error {
    Error::Cancelled(format!(
        "download: stopped after {done} bytes; they are kept in {}, and the next download_media to it resumes",
        dest.display()
    ))
}
