//! Device discovery: find every Ultra Stream on the LAN.
//!
//! The vendor document describes two ways: a multicast protocol on
//! 239.255.255.250:2538 whose reply body is
//! `{"version","flag":"ssip","product","boxname","serialnumber","wifiip","ethip","status"}`,
//! and SSDP (UPnP, switched by `set-ssdp`). It gives the reply only, not
//! what triggers it, so this module chooses:
//!
//! * **Multicast probe**: the UDP datagram [`PROBE`],
//!   `{"version":"1.0","flag":"ssip","request":"discover"}`, sent to
//!   239.255.255.250:2538 from an ephemeral port on each interface. A reply is
//!   any JSON object with `"flag":"ssip"` and a `serialnumber`, whether it
//!   comes back by unicast to the probing socket or to the group (this module
//!   also listens on the group port). The payload can be replaced with
//!   [`DiscoverOptions::probe`] if a firmware wants another trigger.
//! * **SSDP**: an `M-SEARCH * HTTP/1.1` with `MAN: "ssdp:discover"` and
//!   `ST: upnp:rootdevice` (every UPnP root device must answer that target,
//!   whatever its device type, which the document does not give), sent to
//!   239.255.255.250:1900. An `HTTP/1.1 200` answer is taken as an Ultra
//!   Stream when it carries `X-MAGEWELL-SERIALNUMBER` (the simulator adds
//!   `X-MAGEWELL-*` headers with the reply's fields), or mentions Magewell in
//!   SERVER / USN / ST, or — when [`DiscoverOptions::fetch_descriptions`] is
//!   on — when its LOCATION (on the host that answered) serves a UPnP
//!   description whose `<manufacturer>` is Magewell; the description's
//!   `<serialNumber>`, `<modelName>` and `<friendlyName>` become
//!   serialnumber, product and boxname.
//!
//! Results are merged per device (by serial number; an SSDP answer without
//! one is merged by address), keeping every address and protocol that found
//! it. Anything else that arrives — foreign, oversized, truncated, malformed,
//! other clients' probes — is ignored and counted in [`Diagnostics`]. The call
//! always returns when the timeout has elapsed (or earlier, when the
//! streaming callback asks to stop). IPv4 only.
//!
//! Layer: beside the client, on `model` and `error` only.

use crate::error::Result;
use serde::Serialize;
use serde_json::{Map, Value};
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::ops::ControlFlow;
use std::sync::mpsc;
use std::time::{Duration, Instant};

mod merge;
mod multicast;
mod run;
mod sockets;
mod ssdp;
#[cfg(test)]
mod tests;

pub(crate) use multicast::classify;
use run::{Run, Step};
// The simulator's responder opens its sockets the same way.
pub(crate) use sockets::wait_readable;
#[cfg(feature = "simulator")]
pub(crate) use sockets::{group_bind_addr, set_multicast_if, udp_socket};
pub(crate) use ssdp::parse_description;
use ssdp::{FetchOutcome, fetch_description};

/// The multicast group of both protocols.
pub const DISCOVERY_GROUP: Ipv4Addr = Ipv4Addr::new(239, 255, 255, 250);
/// The port of the vendor's multicast protocol.
pub const MULTICAST_PORT: u16 = 2538;
/// The SSDP port.
pub const SSDP_PORT: u16 = 1900;
/// The SSDP search target sent by default.
pub const DEFAULT_SSDP_TARGET: &str = "upnp:rootdevice";
/// The multicast probe sent by default.
pub const PROBE: &str = r#"{"version":"1.0","flag":"ssip","request":"discover"}"#;
/// Datagrams longer than this are ignored as oversized (a reply is ~200 bytes).
pub const MAX_DATAGRAM: usize = 4096;
/// Devices kept by default; more are ignored and counted.
pub const DEFAULT_MAX_DEVICES: usize = 256;
/// The default timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);

const MAX_FIELD_CHARS: usize = 256;
const MAX_SERIAL_CHARS: usize = 64;
const MAX_EXTRA_FIELDS: usize = 32;
const MAX_ADDRESSES: usize = 16;
#[cfg_attr(not(unix), allow(dead_code))] // interfaces are listed on Unix only
const MAX_INTERFACES: usize = 32;
const MAX_TARGETS: usize = 256;
const MAX_FETCHES: usize = 32;
/// Description fetches per answering address: one responder answering
/// many times with different (stalling) LOCATIONs cannot take every slot
/// and starve the other devices of the search.
const MAX_FETCHES_PER_ADDRESS: usize = 4;
const MAX_DESCRIPTION_BYTES: usize = 64 * 1024;
const MAX_WARNINGS: usize = 32;

/// Which protocols to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Protocols {
    /// The vendor's multicast protocol (port 2538).
    pub multicast: bool,
    /// SSDP (port 1900).
    pub ssdp: bool,
}

impl Protocols {
    /// Both protocols (the default).
    pub const BOTH: Protocols = Protocols {
        multicast: true,
        ssdp: true,
    };
    /// The vendor's multicast protocol only.
    pub const MULTICAST: Protocols = Protocols {
        multicast: true,
        ssdp: false,
    };
    /// SSDP only.
    pub const SSDP: Protocols = Protocols {
        multicast: false,
        ssdp: true,
    };
}

impl Default for Protocols {
    fn default() -> Self {
        Protocols::BOTH
    }
}

/// The protocol that found a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// The vendor's multicast protocol (239.255.255.250:2538).
    Multicast,
    /// SSDP (UPnP, port 1900).
    Ssdp,
}

/// Options of [`discover`]. `Default` probes every interface by both
/// protocols for two seconds.
#[derive(Debug, Clone)]
pub struct DiscoverOptions {
    /// How long to collect answers (default 2 s). The call returns then.
    pub timeout: Duration,
    /// The local IPv4 address (interface) to probe from. `None`: every
    /// IPv4 interface that is up and multicast-capable, and loopback (so a
    /// simulator on this machine is found too).
    pub local_address: Option<Ipv4Addr>,
    /// Which protocols to use (default both).
    pub protocols: Protocols,
    /// Probe these addresses by unicast instead of the multicast group:
    /// "host" or "host:port" (IPv4; a name is resolved; a subnet broadcast
    /// address works too). A port given here is used for every selected
    /// protocol; without one, `multicast_port` / `ssdp_port` are used.
    /// Nothing is sent to the group and the group is not joined. Names are
    /// resolved first, within the timeout only as far as the system
    /// resolver allows: use addresses when the deadline must hold exactly.
    pub targets: Vec<String>,
    /// Destination port of the multicast probe (default 2538).
    pub multicast_port: u16,
    /// Destination port of the SSDP M-SEARCH (default 1900).
    pub ssdp_port: u16,
    /// Multicast TTL (default 1: the local subnet only).
    pub multicast_ttl: u32,
    /// SSDP search target (default `upnp:rootdevice`).
    pub ssdp_search_target: String,
    /// The multicast probe payload (default [`PROBE`]).
    pub probe: String,
    /// Also listen on group:multicast_port for replies sent to the group
    /// (default true; not done when `targets` is set).
    pub listen_group: bool,
    /// Fetch the UPnP description of SSDP answers that do not identify
    /// themselves, to recognise a Magewell device (default true). Only the
    /// host that answered is contacted, over HTTP, within the timeout.
    pub fetch_descriptions: bool,
    /// Keep at most this many devices (default 256; at least 1).
    pub max_devices: usize,
}

impl Default for DiscoverOptions {
    fn default() -> Self {
        DiscoverOptions {
            timeout: DEFAULT_TIMEOUT,
            local_address: None,
            protocols: Protocols::BOTH,
            targets: Vec::new(),
            multicast_port: MULTICAST_PORT,
            ssdp_port: SSDP_PORT,
            multicast_ttl: 1,
            ssdp_search_target: DEFAULT_SSDP_TARGET.to_string(),
            probe: PROBE.to_string(),
            listen_group: true,
            fetch_descriptions: true,
            max_devices: DEFAULT_MAX_DEVICES,
        }
    }
}

/// What an SSDP answer said.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SsdpInfo {
    /// LOCATION: the URL of the device's description (or of its API).
    pub location: String,
    /// USN: the unique service name (`uuid:...::upnp:rootdevice`).
    pub usn: String,
    /// SERVER.
    pub server: String,
    /// ST: the search target answered.
    pub st: String,
}

/// One device found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiscoveredDevice {
    /// Serial number ("" only for an SSDP-only device that did not give it).
    pub serialnumber: String,
    /// Product type ("Ultra Stream").
    pub product: String,
    /// Device name.
    pub boxname: String,
    /// Version of the multicast protocol ("1.0"; "" if found by SSDP only).
    pub version: String,
    /// Flag of the multicast protocol ("ssip"; "" if found by SSDP only).
    pub flag: String,
    /// Wi-Fi IP address as the device reports it.
    pub wifiip: String,
    /// Ethernet IP address as the device reports it.
    pub ethip: String,
    /// Device status mask (`None` if found by SSDP only and not reported).
    pub status: Option<u32>,
    /// Names of the set bits of `status` ("statusRecord", ...).
    pub status_flags: Vec<&'static str>,
    /// The address the first answer came from.
    pub address: Ipv4Addr,
    /// Every address an answer came from, in order.
    pub addresses: Vec<Ipv4Addr>,
    /// Every protocol that found the device, in order.
    pub protocols: Vec<Protocol>,
    /// The SSDP answer, if SSDP found the device.
    pub ssdp: Option<SsdpInfo>,
    /// Fields of the multicast reply that the document does not list.
    pub extra: Map<String, Value>,
    /// The HTTP port of the device's API when an answer told it: the
    /// multicast reply's `http-port` field (the simulator adds it; devices
    /// ignore and omit it) or the port of an SSDP LOCATION that points at
    /// the API (`/usapi...`) on the answering address. `None`: port 80.
    pub port: Option<u16>,
}

impl DiscoveredDevice {
    /// What to connect to: "address" or "address:port" (with [`Self::port`]
    /// when it is not 80), e.g. for `Device::connect`.
    pub fn host(&self) -> String {
        match self.port {
            Some(p) if p != 80 => format!("{}:{p}", self.address),
            _ => self.address.to_string(),
        }
    }

    fn new(address: Ipv4Addr) -> DiscoveredDevice {
        DiscoveredDevice {
            serialnumber: String::new(),
            product: String::new(),
            boxname: String::new(),
            version: String::new(),
            flag: String::new(),
            wifiip: String::new(),
            ethip: String::new(),
            status: None,
            status_flags: Vec::new(),
            address,
            addresses: Vec::new(),
            protocols: Vec::new(),
            ssdp: None,
            extra: Map::new(),
            port: None,
        }
    }

    /// The device as one JSON object (the format of the C API).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_string())
    }

    /// True if `protocol` found the device.
    pub fn found_by(&self, protocol: Protocol) -> bool {
        self.protocols.contains(&protocol)
    }
}

/// Counters of what arrived and what was done with it. Every datagram
/// received is counted in `datagrams_received` and in exactly one of
/// `replies_accepted`, `ssdp_candidates`, `ignored_*`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Diagnostics {
    /// Every datagram received.
    pub datagrams_received: u64,
    /// Valid answers from Ultra Stream devices (duplicates included).
    pub replies_accepted: u64,
    /// Accepted answers from a device already found (merged into it).
    pub duplicate_replies: u64,
    /// SSDP 200 answers that did not identify their device; checked by
    /// fetching their description when enabled.
    pub ssdp_candidates: u64,
    /// Well-formed datagrams of another protocol or device (another JSON
    /// object or flag, HTTP other than a 200 answer, other text).
    pub ignored_foreign: u64,
    /// Datagrams longer than MAX_DATAGRAM bytes.
    pub ignored_oversized: u64,
    /// Datagrams cut short (JSON or HTTP headers ending early, empty).
    pub ignored_truncated: u64,
    /// Broken datagrams (bad JSON, wrong field types, binary data).
    pub ignored_malformed: u64,
    /// Discovery requests from this or other clients (probes, M-SEARCH).
    pub ignored_probes: u64,
    /// Valid answers from new devices once `max_devices` were kept.
    pub ignored_over_cap: u64,
    /// Probes sent (one per protocol, interface and target).
    pub probes_sent: u64,
    /// Probes that could not be sent.
    pub send_errors: u64,
    /// Failed reads of a socket.
    pub receive_errors: u64,
    /// SSDP descriptions fetched over HTTP.
    pub descriptions_fetched: u64,
    /// Fetched descriptions that named Magewell as manufacturer.
    pub descriptions_matched: u64,
    /// Description fetches that failed.
    pub description_errors: u64,
    /// Description fetches not started: more than MAX_FETCHES_PER_ADDRESS
    /// (4) from one address, or more than 32 in the search.
    pub descriptions_skipped: u64,
    /// Local addresses probed from.
    pub interfaces: Vec<Ipv4Addr>,
    /// Non-fatal problems (an interface that could not be used, ...).
    pub warnings: Vec<String>,
    /// How long the search took, in milliseconds.
    pub elapsed_ms: u64,
    /// True when the callback stopped the search before the timeout.
    pub stopped_early: bool,
}

/// The devices found and the diagnostics.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DiscoverResult {
    /// The devices, merged by serial number, in the order found.
    pub devices: Vec<DiscoveredDevice>,
    /// What arrived and what was done with it.
    pub diagnostics: Diagnostics,
}

impl DiscoverResult {
    /// `{"devices":[...],"diagnostics":{...}}`: the format of the C API.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self)
            .unwrap_or_else(|_| r#"{"devices":[],"diagnostics":{}}"#.to_string())
    }
}

/// Find devices for `opts.timeout` and return them.
pub fn discover(opts: &DiscoverOptions) -> Result<DiscoverResult> {
    discover_each(opts, |_| ControlFlow::Continue(()))
}

/// Like [`discover`], and call `on_device` on this thread once per device,
/// as soon as it is found (with what is known at that moment; later
/// answers are merged into the returned result only). Returning
/// `ControlFlow::Break(())` ends the search at once.
///
/// Errors: `Error::InvalidArgument` for a bad target, `Error::Discovery`
/// when no socket could be set up.
pub fn discover_each<F>(opts: &DiscoverOptions, mut on_device: F) -> Result<DiscoverResult>
where
    F: FnMut(&DiscoveredDevice) -> ControlFlow<()>,
{
    let start = Instant::now();
    let deadline = start + opts.timeout;
    let mut run = Run::new(opts)?;
    run.send_probes();
    // UDP may drop a datagram: probe a second time after a third of the
    // timeout (answers to both are merged).
    let mut resend_at =
        Some(start + opts.timeout / 3).filter(|_| opts.timeout >= Duration::from_millis(90));
    let (tx, rx) = mpsc::channel::<FetchOutcome>();
    let mut pending_fetches = 0usize;
    let mut buf = vec![0u8; MAX_DATAGRAM + 1];
    'outer: loop {
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        if let Some(at) = resend_at
            && now >= at
        {
            run.send_probes();
            resend_at = None;
        }
        let mut wait = deadline - now;
        if let Some(at) = resend_at {
            wait = wait.min(at.saturating_duration_since(now));
        }
        if pending_fetches > 0 {
            wait = wait.min(Duration::from_millis(10));
        }
        let ready = wait_readable(&run.sockets(), wait);
        for (i, readable) in ready.into_iter().enumerate() {
            if !readable {
                continue;
            }
            loop {
                if Instant::now() >= deadline {
                    break 'outer;
                }
                let sock = run.socket(i);
                match sock.recv_from(&mut buf) {
                    Ok((n, SocketAddr::V4(src))) => {
                        let step = run.datagram(*src.ip(), &buf[..n]);
                        match step {
                            Step::NewDevice(idx) => {
                                if on_device(&run.devices[idx]).is_break() {
                                    run.diag.stopped_early = true;
                                    break 'outer;
                                }
                            }
                            Step::Fetch(req) => {
                                let tx = tx.clone();
                                pending_fetches += 1;
                                let spawned = std::thread::Builder::new()
                                    .name("usapi-discover-fetch".into())
                                    .spawn(move || {
                                        let outcome = fetch_description(&req, deadline);
                                        let _ = tx.send(FetchOutcome { req, outcome });
                                    });
                                if spawned.is_err() {
                                    pending_fetches -= 1;
                                    run.diag.description_errors += 1;
                                }
                            }
                            Step::Nothing => {}
                        }
                    }
                    Ok((_, SocketAddr::V6(_))) => run.diag.ignored_foreign += 1,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(_) => {
                        // E.g. an ICMP error reported on the socket: note it
                        // and go on with the other sockets.
                        run.diag.receive_errors += 1;
                        break;
                    }
                }
            }
        }
        while let Ok(done) = rx.try_recv() {
            pending_fetches = pending_fetches.saturating_sub(1);
            if let Some(idx) = run.fetched(done)
                && on_device(&run.devices[idx]).is_break()
            {
                run.diag.stopped_early = true;
                break 'outer;
            }
        }
    }
    // Unfinished description fetches are abandoned: their threads end by
    // their own deadline (the same as ours) and their answers are dropped.
    let mut diag = run.diag;
    diag.elapsed_ms = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
    Ok(DiscoverResult {
        devices: run.devices,
        diagnostics: diag,
    })
}
