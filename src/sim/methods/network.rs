//! Simulator layer (`sim`): the network methods: Ethernet, Wi-Fi, access point
//! (document section 10), as the simulated device carries them out.

use super::*;

impl Device {
    /// Carry out one of section 10's methods (`dispatch` routes here).
    pub(super) fn network(&mut self, m: &str, p: &P<'_>) -> R {
        match m {
            "set-eth" => {
                let dhcp = p.req_flag("is-dhcp")?;
                let field = |k: &str, required: bool| -> Result<String, i32> {
                    match p.get(k) {
                        None | Some("") if required => Err(ERR_PARAM),
                        None | Some("") => Ok(String::new()),
                        Some(v) if rules::is_ipv4(v) => Ok(v.to_string()),
                        Some(_) => Err(ERR_PARAM),
                    }
                };
                let static_ip = dhcp == 0;
                let (ip, mask, router, dns) = (
                    field("ip", static_ip)?,
                    field("mask", static_ip)?,
                    field("router", false)?,
                    field("dns", false)?,
                );
                let c = &mut self.cfg;
                (c.eth_dhcp, c.eth_ip, c.eth_mask, c.eth_router, c.eth_dns) =
                    (dhcp, ip, mask, router, dns);
                ok()
            }
            "disconn-wifi" => {
                self.wifi_connected = false;
                ok()
            }
            "close-softap" => {
                self.softap_active = false;
                ok()
            }
            _ => Err(ERR_PARAM),
        }
    }
}
