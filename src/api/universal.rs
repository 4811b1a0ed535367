//! Universal interfaces (document section 2).

use super::Method;
use crate::client::{Device, Reply, Result};
use crate::model::{Info, Ping, Settings, Status};

impl Device {
    /// get-info: product, MAC addresses, audio ranges, codec and recording capabilities.
    pub fn get_info(&self) -> Result<Info> {
        self.send(Method::GetInfo, &[], None)?.parse()
    }
    /// get-status: the real-time working status.
    pub fn get_status(&self) -> Result<Status> {
        self.send(Method::GetStatus, &[], None)?.parse()
    }
    /// get-settings: the device configuration.
    pub fn get_settings(&self) -> Result<Settings> {
        self.send(Method::GetSettings, &[], None)?.parse()
    }
    /// start-rec. `Reply::result` is 1 (retRepeat) when already recording.
    pub fn start_rec(&self) -> Result<Reply> {
        self.send(Method::StartRec, &[], None)
    }
    /// stop-rec.
    pub fn stop_rec(&self) -> Result<Reply> {
        self.send(Method::StopRec, &[], None)
    }
    /// start-live. `Reply::result` is 29 (retLivingNotset) with no enabled server.
    pub fn start_live(&self) -> Result<Reply> {
        self.send(Method::StartLive, &[], None)
    }
    /// stop-live.
    pub fn stop_live(&self) -> Result<Reply> {
        self.send(Method::StopLive, &[], None)
    }
    /// ping: works without a login; use it to wait for reboot / reset.
    pub fn ping(&self) -> Result<Ping> {
        self.send(Method::Ping, &[], None)?.parse()
    }
}
