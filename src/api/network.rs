//! Network settings (document section 10).

use super::Method;
use crate::client::{Device, Reply, Result};

/// Arguments of set-eth. With `is_dhcp` the addresses may stay empty.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EthArgs {
    pub is_dhcp: bool,
    pub ip: String,
    pub mask: String,
    pub router: String,
    pub dns: String,
}

impl Device {
    /// set-eth. The device may move to a new address: wait there with `ping`.
    pub fn set_eth(&self, a: &EthArgs) -> Result<Reply> {
        self.send(
            Method::SetEth,
            &[
                ("is-dhcp", if a.is_dhcp { "1" } else { "0" }),
                ("ip", &a.ip),
                ("mask", &a.mask),
                ("router", &a.router),
                ("dns", &a.dns),
            ],
            None,
        )
    }
    /// disconn-wifi.
    pub fn disconn_wifi(&self) -> Result<Reply> {
        self.send(Method::DisconnWifi, &[], None)
    }
    /// close-softap.
    pub fn close_softap(&self) -> Result<Reply> {
        self.send(Method::CloseSoftap, &[], None)
    }
}
