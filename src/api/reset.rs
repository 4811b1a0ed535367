//! Reset and reboot (document section 7).

use super::Method;
use crate::client::{Device, Reply, Result};

impl Device {
    /// reboot: the device stops answering; wait with `ping`, then log in again.
    pub fn reboot(&self) -> Result<Reply> {
        self.send(Method::Reboot, &[], None)
    }
    /// reset-all-settings: defaults restored, then a restart.
    pub fn reset_all_settings(&self) -> Result<Reply> {
        self.send(Method::ResetAllSettings, &[], None)
    }
}
