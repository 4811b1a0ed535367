//! Device discovery from C: `usapi_discover` and `usapi_discover_each`.

use super::{Failure, FfiResult, guard, opt_str_arg, write_string};
use crate::discovery::{self, DiscoverOptions, Protocols};
use crate::model::codes;
use std::ffi::{CString, c_char, c_void};
use std::net::Ipv4Addr;
use std::ops::ControlFlow;
use std::time::Duration;

/// `usapi_discover_options.protocols` bit: the vendor's multicast protocol
/// (239.255.255.250:2538).
pub const USAPI_DISCOVER_MULTICAST: u32 = 1;
/// `usapi_discover_options.protocols` bit: SSDP (239.255.255.250:1900).
pub const USAPI_DISCOVER_SSDP: u32 = 2;
/// `usapi_discover_options.flags` bit: do not fetch the UPnP description of
/// SSDP answers that do not identify themselves (no TCP connection is made).
pub const USAPI_DISCOVER_NO_DESCRIPTION_FETCH: u32 = 1;
/// `usapi_discover_options.flags` bit: do not listen on the group port for
/// replies sent to the group (only replies to the probing socket count).
pub const USAPI_DISCOVER_NO_GROUP_LISTEN: u32 = 2;

/// Options of `usapi_discover` and `usapi_discover_each`. Zero or NULL in
/// any field means its default; pass NULL for all defaults. Start from
/// `usapi_discover_options opts = {0};` and set what you need.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct usapi_discover_options {
    /// How long to collect answers, in milliseconds (default 2000). The
    /// call returns when it has elapsed (or when the callback stops it).
    pub timeout_ms: u32,
    /// USAPI_DISCOVER_MULTICAST | USAPI_DISCOVER_SSDP (0: both).
    pub protocols: u32,
    /// The local IPv4 address (interface) to probe from, e.g.
    /// "192.168.1.10" (NULL or "": every interface that is up and can
    /// multicast, and loopback).
    pub local_address: *const c_char,
    /// Probe these hosts by unicast instead of the multicast group (NULL or
    /// "": the group). A comma-separated list of "host" or "host:port"
    /// (IPv4 or a name; a subnet broadcast address works). A port given
    /// here is used for every selected protocol; without one the ports
    /// below are used. Use it to reach devices in other subnets.
    pub target: *const c_char,
    /// Destination port of the multicast probe (default 2538).
    pub multicast_port: u16,
    /// Destination port of the SSDP M-SEARCH (default 1900).
    pub ssdp_port: u16,
    /// Multicast TTL (default 1: the local subnet).
    pub multicast_ttl: u32,
    /// Keep at most this many devices (default 256); more are counted in
    /// diagnostics.ignored_over_cap.
    pub max_devices: u32,
    /// USAPI_DISCOVER_NO_DESCRIPTION_FETCH | USAPI_DISCOVER_NO_GROUP_LISTEN
    /// (default 0).
    pub flags: u32,
    /// SSDP search target (NULL or "": "upnp:rootdevice").
    pub ssdp_search_target: *const c_char,
}

impl Default for usapi_discover_options {
    fn default() -> Self {
        usapi_discover_options {
            timeout_ms: 0,
            protocols: 0,
            local_address: std::ptr::null(),
            target: std::ptr::null(),
            multicast_port: 0,
            ssdp_port: 0,
            multicast_ttl: 0,
            max_devices: 0,
            flags: 0,
            ssdp_search_target: std::ptr::null(),
        }
    }
}

/// Called by `usapi_discover_each` once per device, on the calling thread,
/// as soon as the device is found. `device_json` is one device object (the
/// format of an element of `usapi_discover`'s "devices") and is valid only
/// during the call: copy what you keep. Return 0 to go on searching,
/// non-zero to stop the search at once.
pub type usapi_discover_callback =
    Option<unsafe extern "C" fn(device_json: *const c_char, user_data: *mut c_void) -> i32>;

fn invalid(msg: impl Into<String>) -> Failure {
    Failure::new(codes::E_INVALID_ARGUMENT, msg)
}

fn options_from(o: Option<&usapi_discover_options>) -> FfiResult<DiscoverOptions> {
    let mut opts = DiscoverOptions::default();
    let Some(o) = o else {
        return Ok(opts);
    };
    if o.timeout_ms != 0 {
        opts.timeout = Duration::from_millis(u64::from(o.timeout_ms));
    }
    opts.protocols = match o.protocols {
        0 => Protocols::BOTH,
        p if p & !(USAPI_DISCOVER_MULTICAST | USAPI_DISCOVER_SSDP) != 0 => {
            return Err(invalid(format!(
                "protocols: unknown bits in {p:#x} (use USAPI_DISCOVER_MULTICAST | USAPI_DISCOVER_SSDP)"
            )));
        }
        p => Protocols {
            multicast: p & USAPI_DISCOVER_MULTICAST != 0,
            ssdp: p & USAPI_DISCOVER_SSDP != 0,
        },
    };
    if let Some(s) = opt_str_arg(o.local_address, "local_address")?
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let ip = s
            .parse::<Ipv4Addr>()
            .map_err(|_| invalid(format!("local_address '{s}' is not an IPv4 address")))?;
        opts.local_address = Some(ip);
    }
    if let Some(s) = opt_str_arg(o.target, "target")? {
        opts.targets = s
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(String::from)
            .collect();
    }
    if o.multicast_port != 0 {
        opts.multicast_port = o.multicast_port;
    }
    if o.ssdp_port != 0 {
        opts.ssdp_port = o.ssdp_port;
    }
    if o.multicast_ttl != 0 {
        if o.multicast_ttl > 255 {
            return Err(invalid(format!(
                "multicast_ttl {} is above 255",
                o.multicast_ttl
            )));
        }
        opts.multicast_ttl = o.multicast_ttl;
    }
    if o.max_devices != 0 {
        opts.max_devices = usize::try_from(o.max_devices).unwrap_or(usize::MAX);
    }
    if o.flags & !(USAPI_DISCOVER_NO_DESCRIPTION_FETCH | USAPI_DISCOVER_NO_GROUP_LISTEN) != 0 {
        return Err(invalid(format!("flags: unknown bits in {:#x}", o.flags)));
    }
    opts.fetch_descriptions = o.flags & USAPI_DISCOVER_NO_DESCRIPTION_FETCH == 0;
    opts.listen_group = o.flags & USAPI_DISCOVER_NO_GROUP_LISTEN == 0;
    if let Some(st) = opt_str_arg(o.ssdp_search_target, "ssdp_search_target")?
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        if st.chars().any(|c| c.is_control()) || st.len() > 256 {
            return Err(invalid(
                "ssdp_search_target has control characters or is longer than 256 bytes",
            ));
        }
        opts.ssdp_search_target = st.to_string();
    }
    Ok(opts)
}

/// Find Ultra Stream devices on the network: send the multicast probe and
/// an SSDP M-SEARCH (or unicast probes to `opts->target`), collect answers
/// for `opts->timeout_ms`, and return every device once. `opts` may be NULL
/// (defaults: both protocols on every interface, 2 s). Blocks for the
/// timeout. On success `*out_json` receives (free it with
/// `usapi_string_free`):
///
/// ```json
/// {"devices":[{"serialnumber":"A302190719003","product":"Ultra Stream",
///   "boxname":"[LH-SDI]-1.2.1","version":"1.0","flag":"ssip",
///   "wifiip":"192.168.48.1","ethip":"192.168.1.217","status":65600,
///   "status_flags":["statusSoftAP","statusPasswd"],
///   "address":"192.168.1.217","addresses":["192.168.1.217"],
///   "protocols":["multicast","ssdp"],
///   "ssdp":{"location":"http://192.168.1.217/...","usn":"uuid:...","server":"...","st":"upnp:rootdevice"},
///   "extra":{}}],
///  "diagnostics":{"datagrams_received":3,"replies_accepted":2,"duplicate_replies":0,
///   "ssdp_candidates":0,"ignored_foreign":0,"ignored_oversized":0,"ignored_truncated":0,
///   "ignored_malformed":0,"ignored_probes":1,"ignored_over_cap":0,"probes_sent":4,
///   "send_errors":0,"receive_errors":0,"descriptions_fetched":0,"descriptions_matched":0,
///   "description_errors":0,"descriptions_skipped":0,"interfaces":["192.168.1.10"],"warnings":[],
///   "elapsed_ms":2000,"stopped_early":false}}
/// ```
///
/// One entry per device, merged by serial number: "addresses" and
/// "protocols" list every source address and protocol that found it
/// ("address" is the first). "status" is the device status mask
/// (USAPI_STATUS_* bits) or null, "status_flags" its bit names; "ssdp" is
/// null unless SSDP found the device; "extra" holds reply fields the vendor
/// document does not list. A device found by SSDP only has "" for the
/// fields SSDP did not give (version, flag, ...). Every datagram received is
/// counted once in diagnostics: replies_accepted, ssdp_candidates (SSDP
/// answers of unknown UPnP devices) or one of the ignored_* counters.
///
/// Returns 0 (also when nothing was found), USAPI_E_NULL_ARGUMENT (`out_json`
/// is NULL; nothing is sent), USAPI_E_INVALID_UTF8, USAPI_E_INVALID_ARGUMENT
/// (bad target, local_address, protocols or flags) or USAPI_E_DISCOVERY (no
/// socket could be set up, e.g. local_address is not an address of this
/// host).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_discover(
    opts: *const usapi_discover_options,
    out_json: *mut *mut c_char,
) -> i32 {
    guard(|| {
        if out_json.is_null() {
            return Err(Failure::new(
                codes::E_NULL_ARGUMENT,
                "argument 'out_json' is NULL",
            ));
        }
        // SAFETY: NULL or a valid usapi_discover_options, per the contract.
        let opts = options_from(unsafe { opts.as_ref() })?;
        let result = discovery::discover(&opts)?;
        write_string(out_json, &result.to_json())?;
        Ok(0)
    })
}

/// Like `usapi_discover`, but call `cb(device_json, user_data)` once per
/// device as soon as it is found, on the calling thread (see
/// `usapi_discover_callback`; a device is reported once, with what was
/// known when it was first found). The search runs for the timeout unless
/// the callback returns non-zero, which stops it at once. `user_data` is
/// passed through untouched.
///
/// Returns 0 (the timeout elapsed or the callback stopped the search),
/// USAPI_E_NULL_ARGUMENT (`cb` is NULL; nothing is sent),
/// USAPI_E_INVALID_UTF8, USAPI_E_INVALID_ARGUMENT or USAPI_E_DISCOVERY.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn usapi_discover_each(
    opts: *const usapi_discover_options,
    cb: usapi_discover_callback,
    user_data: *mut c_void,
) -> i32 {
    guard(|| {
        let Some(cb) = cb else {
            return Err(Failure::new(
                codes::E_NULL_ARGUMENT,
                "argument 'cb' is NULL",
            ));
        };
        // SAFETY: NULL or a valid usapi_discover_options, per the contract.
        let opts = options_from(unsafe { opts.as_ref() })?;
        discovery::discover_each(&opts, |device| {
            // serde_json escapes control characters, so there is no NUL.
            let Ok(json) = CString::new(device.to_json()) else {
                return ControlFlow::Continue(());
            };
            // SAFETY: the caller's callback, with a string valid for the call.
            let rc = unsafe { cb(json.as_ptr(), user_data) };
            if rc == 0 {
                ControlFlow::Continue(())
            } else {
                ControlFlow::Break(())
            }
        })?;
        Ok(0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zeroed_options_are_the_defaults() {
        let o = options_from(Some(&usapi_discover_options::default()))
            .unwrap_or_else(|_| panic!("defaults"));
        let d = DiscoverOptions::default();
        assert_eq!(o.timeout, d.timeout);
        assert_eq!(o.protocols, Protocols::BOTH);
        assert_eq!(
            (
                o.multicast_port,
                o.ssdp_port,
                o.multicast_ttl,
                o.max_devices
            ),
            (2538, 1900, 1, 256)
        );
        assert!(
            o.targets.is_empty()
                && o.local_address.is_none()
                && o.fetch_descriptions
                && o.listen_group
        );
    }

    #[test]
    fn bad_options_are_rejected() {
        let bad = [
            usapi_discover_options {
                protocols: 4,
                ..Default::default()
            },
            usapi_discover_options {
                flags: 8,
                ..Default::default()
            },
            usapi_discover_options {
                multicast_ttl: 256,
                ..Default::default()
            },
            usapi_discover_options {
                local_address: c"300.1.1.1".as_ptr(),
                ..Default::default()
            },
        ];
        for o in bad {
            assert!(
                matches!(options_from(Some(&o)), Err(f) if f.code == codes::E_INVALID_ARGUMENT)
            );
        }
        let o = usapi_discover_options {
            target: c" 10.0.0.1 , 10.0.0.2:99,".as_ptr(),
            ..Default::default()
        };
        let opts = options_from(Some(&o)).unwrap_or_else(|_| panic!("target list"));
        assert_eq!(
            opts.targets,
            vec!["10.0.0.1".to_string(), "10.0.0.2:99".to_string()]
        );
    }
}
