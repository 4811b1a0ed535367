//! Storage device (document section 4).

use super::Method;
use crate::client::{Device, Error, Reply, Result};
use crate::model::MediaFiles;

impl Device {
    /// start-format-usb (asynchronous; poll get-status `format-status`).
    pub fn start_format_usb(&self) -> Result<Reply> {
        self.send(Method::StartFormatUsb, &[], None)
    }
    /// start-format-sd (asynchronous; cleared with clear-format-usb).
    pub fn start_format_sd(&self) -> Result<Reply> {
        self.send(Method::StartFormatSd, &[], None)
    }
    /// clear-format-usb: format-status back to 27.
    pub fn clear_format_usb(&self) -> Result<Reply> {
        self.send(Method::ClearFormatUsb, &[], None)
    }
    /// start-test-usb (asynchronous; poll get-status `disk-test`).
    pub fn start_test_usb(&self) -> Result<Reply> {
        self.send(Method::StartTestUsb, &[], None)
    }
    /// stop-test-usb: cancel; disk-test result becomes 5.
    pub fn stop_test_usb(&self) -> Result<Reply> {
        self.send(Method::StopTestUsb, &[], None)
    }
    /// clear-test-usb: disk-test back to 27.
    pub fn clear_test_usb(&self) -> Result<Reply> {
        self.send(Method::ClearTestUsb, &[], None)
    }
    /// get-media-files: `disk_type` 0 USB, 1 SD; a page of `count` from `start`.
    pub fn get_media_files(&self, disk_type: i64, start: i64, count: i64) -> Result<MediaFiles> {
        self.get_media_files_reply(disk_type, start, count)?.parse()
    }
    /// get-media-files, the reply as it came.
    pub fn get_media_files_reply(&self, disk_type: i64, start: i64, count: i64) -> Result<Reply> {
        self.send(
            Method::GetMediaFiles,
            &[
                ("disk-type", &disk_type.to_string()),
                ("start", &start.to_string()),
                ("count", &count.to_string()),
            ],
            None,
        )
    }
    /// del-media-files: POST `{"disk-type":N,"media-files":[...]}`.
    pub fn del_media_files(&self, disk_type: i64, names: &[&str]) -> Result<Reply> {
        if disk_type != 0 && disk_type != 1 {
            return Err(Error::invalid("disk-type", "must be 0 (USB) or 1 (SD)"));
        }
        if names.is_empty() {
            return Err(Error::invalid("media-files", "give at least one file name"));
        }
        for n in names {
            if n.is_empty() || n.len() > 255 || n.contains('/') || n.chars().any(char::is_control) {
                return Err(Error::invalid(
                    "media-files",
                    "file names are 1-255 bytes, without '/' or control characters",
                ));
            }
        }
        let body = serde_json::json!({ "disk-type": disk_type, "media-files": names }).to_string();
        self.send(
            Method::DelMediaFiles,
            &[],
            Some(("application/json;charset=UTF-8", body.as_bytes())),
        )
    }
}
