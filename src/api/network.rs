//! Network settings (document section 10).

use super::Method;
use crate::client::{Device, Reply, Result};

/// Arguments of set-eth. With `is_dhcp` the addresses may stay empty.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EthArgs {
    /// True: take the address from DHCP; false: the values below.
    pub is_dhcp: bool,
    /// Static IPv4 address.
    pub ip: String,
    /// Static subnet mask ("255.255.255.0").
    pub mask: String,
    /// Static gateway.
    pub router: String,
    /// Static DNS server.
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
