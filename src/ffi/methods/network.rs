//! C ABI layer (`ffi`): the export of set-eth (document section 10).

use super::{flag, opt_or_empty, send_raw, skipping};
use crate::api::{EthArgs, Method};
use crate::ffi::device::{usapi_device, with_device};
use std::ffi::c_char;

/// set-eth: `is_dhcp` 1 (addresses may be NULL) or 0 with `ip` and `mask`
/// (and optionally `router`, `dns`). The device may move: wait with ping.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_set_eth(
    dev: usapi_device,
    is_dhcp: i32,
    ip: *const c_char,
    mask: *const c_char,
    router: *const c_char,
    dns: *const c_char,
    out_json: *mut *mut c_char,
) -> i32 {
    with_device(dev, out_json, |d| {
        if skipping(d) {
            let text = |p, n| opt_or_empty(p, n).map(str::to_string);
            return send_raw(
                d,
                Method::SetEth,
                &[
                    ("is-dhcp", is_dhcp.to_string()),
                    ("ip", text(ip, "ip")?),
                    ("mask", text(mask, "mask")?),
                    ("router", text(router, "router")?),
                    ("dns", text(dns, "dns")?),
                ],
            );
        }
        let args = EthArgs {
            is_dhcp: flag(is_dhcp, "is_dhcp")?,
            ip: opt_or_empty(ip, "ip")?.to_string(),
            mask: opt_or_empty(mask, "mask")?.to_string(),
            router: opt_or_empty(router, "router")?.to_string(),
            dns: opt_or_empty(dns, "dns")?.to_string(),
        };
        Ok(d.set_eth(&args)?)
    })
}
