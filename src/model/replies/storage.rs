//! Model layer (`model`): the get-media-files reply (document section 4).

use super::*;
use serde::{Deserialize, Serialize};

/// One recorded file of get-media-files' `media-files` list.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct MediaFile {
    /// File name ("VID_9.mp4").
    #[serde(deserialize_with = "lenient_string")]
    pub name: String,
    /// Thumbnail file name (the image is `path/thumbnail/thumbnail-name`).
    #[serde(deserialize_with = "lenient_string")]
    pub thumbnail_name: String,
    /// 0 being recorded, 1 normal, 2 damaged, 3 lost.
    #[serde(deserialize_with = "lenient_i64")]
    pub status: i64,
    /// Creation time ("2019-09-25 06:35:21").
    #[serde(deserialize_with = "lenient_string")]
    pub create_time: String,
    /// Size in bytes.
    #[serde(deserialize_with = "lenient_i64")]
    pub size_bytes: i64,
    /// Length; the document says seconds, but its example (14480 for a
    /// 4 MB file) fits milliseconds, which the simulator sends.
    #[serde(deserialize_with = "lenient_i64")]
    pub duration: i64,
    /// Video width in pixels.
    #[serde(deserialize_with = "lenient_i64")]
    pub width: i64,
    /// Video height in pixels.
    #[serde(deserialize_with = "lenient_i64")]
    pub height: i64,
    /// Frame interval in 100 ns units: fps = 10000000 / interval.
    #[serde(deserialize_with = "lenient_i64")]
    pub interval: i64,
    /// 0 H.264, 1 HEVC.
    #[serde(deserialize_with = "lenient_i64")]
    pub codec: i64,
}

/// Reply of get-media-files.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct MediaFiles {
    /// The result code (0 success; see `model::codes`).
    #[serde(deserialize_with = "lenient_i64")]
    pub result: i64,
    /// Folder of the files on the device ("/media/disk1/REC_Folder");
    /// a file downloads from `/download` + path + `/` + name.
    #[serde(deserialize_with = "lenient_string")]
    pub path: String,
    /// Thumbnail subfolder of `path`.
    #[serde(deserialize_with = "lenient_string")]
    pub thumbnail: String,
    /// The files, from `start`, at most `count`.
    #[serde(deserialize_with = "lenient_vec")]
    pub media_files: Vec<MediaFile>,
}
