//! An errBusy (-9) explained with one get-status (layer: client). What the
//! API Limits table says is in `model::limits`; this only reads the mask.

use super::Device;
use crate::error::Error;
use crate::model::limits::busy_explained;

/// Explain an errBusy the device answered to `method`: one get-status.
pub(crate) fn explain(dev: &Device, method: &str) -> Error {
    explain_from(method, dev.get_status().map(|s| s.cur_status as u32))
}

/// The explanation of an errBusy to `method`, given the status mask a
/// get-status read just after it (or why it could not be read). Shared by
/// the blocking client and the fleet engine, which reads the mask its own
/// way.
pub(crate) fn explain_from(method: &str, mask: Result<u32, Error>) -> Error {
    match mask {
        Ok(mask) => Error::from(busy_explained(method, mask)),
        Err(e) => Error::Busy {
            method: method.to_string(),
            blocking: String::new(),
            explanation: format!(
                "the device answered errBusy (-9) (a mutually exclusive operation is running); \
                 reading its status to name it failed: {e}"
            ),
        },
    }
}
