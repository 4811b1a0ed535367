//! Model layer (`model`): the upload-update-file reply (document
//! section 11), which carries `status` where others carry `result`.

use super::*;
use serde::{Deserialize, Serialize};

/// Reply of upload-update-file: it carries `status`, not `result`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case")]
pub struct UploadReply {
    /// The result code (0 success).
    #[serde(alias = "result", deserialize_with = "lenient_i64")]
    pub status: i64,
    /// True when the device already runs this version.
    #[serde(deserialize_with = "lenient_bool")]
    pub up_to_date: bool,
    /// The uploaded firmware's version.
    #[serde(deserialize_with = "lenient_string")]
    pub version: String,
    /// The uploaded file's size in bytes.
    #[serde(deserialize_with = "lenient_i64")]
    pub size: i64,
}
