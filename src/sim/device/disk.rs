//! Simulator layer (`sim`): the simulated disks (USB drive, SD card) and
//! the media files on them, with the sizes recordings need.

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DiskKind {
    Usb,
    Sd,
}

impl DiskKind {
    pub fn index(self) -> u32 {
        match self {
            DiskKind::Usb => 0,
            DiskKind::Sd => 1,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct MediaFile {
    pub seq: u64,
    pub folder: String,
    pub name: String,
    pub thumb: String,
    /// 0 recording, 1 normal.
    pub status: i64,
    pub create_unix: i64,
    pub size: u64,
    pub duration_ms: u64,
    pub width: i64,
    pub height: i64,
    pub interval: i64,
    pub codec: i64,
}

#[derive(Debug, Clone)]
pub(crate) struct Disk {
    pub kind: DiskKind,
    pub present: bool,
    pub valid: bool,
    pub writable: bool,
    pub total: u64,
    /// Space used by everything but the recordings.
    pub base_used: u64,
    /// Space the file system keeps back.
    pub reserved: u64,
    pub write_bps: u64,
    /// Read freely; change only through the methods below, which keep
    /// `files_bytes` right.
    pub files: Vec<MediaFile>,
    files_bytes: u64,
    pub fs_label: String,
}

impl Disk {
    pub(super) fn usb() -> Disk {
        // The document's example USB block: 61638148096 total, 3559489536
        // used, 57944440832 free (128 MiB reserved).
        Disk {
            kind: DiskKind::Usb,
            present: true,
            valid: true,
            writable: true,
            total: 61638148096,
            base_used: 3559489536,
            reserved: 134217728,
            write_bps: 14255282,
            files: Vec::new(),
            files_bytes: 0,
            fs_label: "C472-731D".into(),
        }
    }
    pub(super) fn sd() -> Disk {
        // The document's example SD block (10 % reserved).
        Disk {
            kind: DiskKind::Sd,
            present: true,
            valid: true,
            writable: true,
            total: 31895175168,
            base_used: 3708043264,
            reserved: 3189517516,
            write_bps: 9437184,
            files: Vec::new(),
            files_bytes: 0,
            fs_label: "9C30-9CB8".into(),
        }
    }
    pub fn files_bytes(&self) -> u64 {
        self.files_bytes
    }
    pub fn add_file(&mut self, f: MediaFile) {
        self.files_bytes = self.files_bytes.saturating_add(f.size);
        self.files.push(f);
    }
    pub fn remove_file(&mut self, index: usize) {
        if index < self.files.len() {
            let f = self.files.remove(index);
            self.files_bytes = self.files_bytes.saturating_sub(f.size);
        }
    }
    pub fn clear_files(&mut self) {
        self.files.clear();
        self.files_bytes = 0;
    }
    /// The file with this sequence number (recent files are at the end).
    pub fn file_mut(&mut self, seq: u64) -> Option<&mut MediaFile> {
        self.files.iter_mut().rev().find(|f| f.seq == seq)
    }
    /// Add `bytes` to file `seq`.
    pub fn grow_file(&mut self, seq: u64, bytes: u64) {
        if let Some(f) = self.files.iter_mut().rev().find(|f| f.seq == seq) {
            f.size = f.size.saturating_add(bytes);
            self.files_bytes = self.files_bytes.saturating_add(bytes);
        }
    }
    pub fn used(&self) -> u64 {
        self.base_used.saturating_add(self.files_bytes())
    }
    pub fn free(&self) -> u64 {
        self.total
            .saturating_sub(self.used())
            .saturating_sub(self.reserved)
    }
    /// The document's storage status values.
    pub fn status(&self) -> u32 {
        if !self.present {
            DISK_NOT_DISK
        } else if !self.valid {
            DISK_INVALID
        } else if !self.writable {
            DISK_NOT_WRITE
        } else if self.free() == 0 {
            DISK_NOT_SPACE
        } else if self.free() < LOW_SPACE_BYTES {
            DISK_LOW_SPACE
        } else {
            DISK_VALID
        }
    }
    /// Can be recorded to now.
    pub fn recordable(&self) -> bool {
        matches!(self.status(), DISK_VALID | DISK_LOW_SPACE)
    }
    /// Set the free space to `free`, keeping the files.
    pub fn set_free(&mut self, free: u64) {
        let needed = self
            .files_bytes()
            .saturating_add(self.reserved)
            .saturating_add(free);
        if needed > self.total {
            self.total = needed;
        }
        self.base_used = self.total - needed;
    }
    pub fn mount_path(&self) -> String {
        format!("/usr/share/web-data/media/disk{}", self.kind.index())
    }
    pub fn media_path(&self, folder: &str) -> String {
        format!("/media/disk{}/{folder}", self.kind.index())
    }
}

/// Bytes one file of `minutes` at `kbps` takes (1 kbps = 1024 bit/s, as
/// the document's required-speed example computes).
pub(crate) fn file_bytes(minutes: i64, kbps: i64) -> u64 {
    (minutes.max(0) as u64) * 60 * (kbps.max(0) as u64) * 1024 / 8
}

/// The document's lowest required write speed, in bytes per second:
/// (video + audio kbps) × 1024 / 8.
pub(crate) fn required_bytes_per_sec(kbps: i64) -> u64 {
    (kbps.max(0) as u64) * 1024 / 8
}
