//! Firmware update (document section 11).

use super::Method;
use crate::client::{Device, Error, Reply, Result};
use crate::model::UploadReply;

/// The `mode` of update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Firmware {
    /// Install the file sent with upload-update-file.
    Upload,
    /// Install the version found by online-update-check.
    Online,
}

/// Build the multipart/form-data body real clients send: one part named
/// `file`, application/octet-stream.
pub(crate) fn multipart(filename: &str, data: &[u8]) -> (String, Vec<u8>) {
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
    let mut body = Vec::with_capacity(data.len() + 256);
    body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{safe}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
    body.extend_from_slice(data);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
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
    /// upload-update-file from a local `.mwf` file.
    pub fn upload_update_file(&self, path: &std::path::Path) -> Result<UploadReply> {
        self.upload_update_file_reply(path)?.parse()
    }
    /// upload-update-file from a local file, the reply as it came.
    pub fn upload_update_file_reply(&self, path: &std::path::Path) -> Result<Reply> {
        let data = std::fs::read(path).map_err(|e| {
            Error::File(format!("cannot read firmware file {}: {e}", path.display()))
        })?;
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("firmware.mwf");
        self.upload_update_bytes_reply(name, &data)
    }
    /// upload-update-file from memory.
    pub fn upload_update_bytes(&self, filename: &str, data: &[u8]) -> Result<UploadReply> {
        self.upload_update_bytes_reply(filename, data)?.parse()
    }
    /// upload-update-file from memory, the reply as it came.
    pub fn upload_update_bytes_reply(&self, filename: &str, data: &[u8]) -> Result<Reply> {
        if data.is_empty() {
            return Err(Error::invalid("file", "the firmware file is empty"));
        }
        let (content_type, body) = multipart(filename, data);
        self.send(Method::UploadUpdateFile, &[], Some((&content_type, &body)))
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
