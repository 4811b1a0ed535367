//! Firmware update (document section 11).

use super::Method;
use crate::client::{Device, Error, Reply, Result};
use crate::model::UploadReply;
use crate::progress::{Flow, ProgressFn};
use std::path::Path;

/// The `mode` of update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Firmware {
    /// Install the file sent with upload-update-file.
    Upload,
    /// Install the version found by online-update-check.
    Online,
}

/// The multipart/form-data framing real clients send around the file: one
/// part named `file`, application/octet-stream.
pub(crate) struct Framing {
    pub content_type: String,
    pub preamble: String,
    pub epilogue: String,
}

pub(crate) fn multipart_framing(filename: &str) -> Framing {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let boundary = format!(
        "----ultrastream{:016x}{:08x}",
        seed as u64,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    // Quotes and line breaks would break the part header.
    let safe: String = filename
        .chars()
        .map(|c| if c == '"' || c.is_control() { '_' } else { c })
        .collect();
    Framing {
        content_type: format!("multipart/form-data; boundary={boundary}"),
        preamble: format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{safe}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        ),
        epilogue: format!("\r\n--{boundary}--\r\n"),
    }
}

impl Device {
    /// update: `Firmware::Upload` after upload-update-file, or `Online`.
    pub fn update(&self, mode: Firmware) -> Result<Reply> {
        let m = match mode {
            Firmware::Upload => "upload",
            Firmware::Online => "online",
        };
        self.send(Method::Update, &[("mode", m)], None)
    }
    /// upload-update-file from a local `.mwf` file, streamed.
    pub fn upload_update_file(&self, path: &Path) -> Result<UploadReply> {
        self.upload_update_file_reply(path)?.parse()
    }
    /// upload-update-file from a local file, the reply as it came.
    pub fn upload_update_file_reply(&self, path: &Path) -> Result<Reply> {
        self.upload_update_file_progress(path, &mut |_| Flow::Continue(()))
    }
    /// upload-update-file from a local file, streamed in chunks (memory use
    /// does not grow with the file), with progress: operation "upload",
    /// phase "uploading", `done` / `total` bytes of the file. A callback
    /// returning `Flow::Break(())` stops the upload: `Error::Cancelled`.
    /// A device that refuses before reading the body (HTTP 413, its JSON
    /// error) is answered without pushing the body.
    pub fn upload_update_file_progress(
        &self,
        path: &Path,
        progress: &mut ProgressFn<'_>,
    ) -> Result<Reply> {
        let cannot = |e: std::io::Error| {
            Error::File(format!("cannot read firmware file {}: {e}", path.display()))
        };
        let mut file = std::fs::File::open(path).map_err(cannot)?;
        let meta = file.metadata().map_err(cannot)?;
        if !meta.is_file() {
            return Err(Error::File(format!(
                "cannot read firmware file {}: not a regular file",
                path.display()
            )));
        }
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("firmware.mwf");
        self.upload_stream(name, &mut file, meta.len(), progress)
    }
    /// upload-update-file from memory.
    pub fn upload_update_bytes(&self, filename: &str, data: &[u8]) -> Result<UploadReply> {
        self.upload_update_bytes_reply(filename, data)?.parse()
    }
    /// upload-update-file from memory, the reply as it came.
    pub fn upload_update_bytes_reply(&self, filename: &str, data: &[u8]) -> Result<Reply> {
        let mut cursor = std::io::Cursor::new(data);
        self.upload_stream(filename, &mut cursor, data.len() as u64, &mut |_| {
            Flow::Continue(())
        })
    }
    /// cancel-download: cancel an online update's download.
    pub fn cancel_download(&self) -> Result<Reply> {
        self.send(Method::CancelDownload, &[], None)
    }
    /// online-update-check (asynchronous; poll get-status `check-upgrade`).
    pub fn online_update_check(&self) -> Result<Reply> {
        self.send(Method::OnlineUpdateCheck, &[], None)
    }
    /// clear-upgrade: upgrade-status back to 27.
    pub fn clear_upgrade(&self) -> Result<Reply> {
        self.send(Method::ClearUpgrade, &[], None)
    }
    /// clear-check-update: check-upgrade back to 27.
    pub fn clear_check_update(&self) -> Result<Reply> {
        self.send(Method::ClearCheckUpdate, &[], None)
    }
}
