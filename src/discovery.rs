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

use crate::error::{Error, Result};
use crate::model::status::status_flag_names;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4, TcpStream, ToSocketAddrs, UdpSocket};
use std::ops::ControlFlow;
use std::sync::mpsc;
use std::time::{Duration, Instant};

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

// ---------------------------------------------------------------------------
// One search: sockets, probes, merged devices.

enum Step {
    Nothing,
    NewDevice(usize),
    Fetch(FetchRequest),
}

struct Run<'a> {
    opts: &'a DiscoverOptions,
    /// Probe sockets (one per interface, or one for unicast targets).
    probe_socks: Vec<UdpSocket>,
    /// The socket listening on group:multicast_port, if any.
    group_sock: Option<UdpSocket>,
    /// Where to send: (destination, protocol).
    destinations: Vec<(SocketAddrV4, Protocol)>,
    unicast: bool,
    devices: Vec<DiscoveredDevice>,
    /// LOCATION URLs already fetched or being fetched.
    fetches: HashMap<String, ()>,
    /// Fetches started per answering address.
    fetches_by_src: HashMap<Ipv4Addr, usize>,
    diag: Diagnostics,
    max_devices: usize,
}

impl<'a> Run<'a> {
    fn new(opts: &'a DiscoverOptions) -> Result<Run<'a>> {
        let mut diag = Diagnostics::default();
        let protocols = opts.protocols;
        if !protocols.multicast && !protocols.ssdp {
            return Err(Error::invalid(
                "protocols",
                "choose multicast, SSDP or both",
            ));
        }
        let mut destinations = Vec::new();
        let unicast = !opts.targets.is_empty();
        if unicast {
            if opts.targets.len() > MAX_TARGETS {
                return Err(Error::invalid(
                    "target",
                    format!("at most {MAX_TARGETS} targets"),
                ));
            }
            for t in &opts.targets {
                for (ip, port) in resolve_target(t)? {
                    if protocols.multicast {
                        destinations.push((
                            SocketAddrV4::new(ip, port.unwrap_or(opts.multicast_port)),
                            Protocol::Multicast,
                        ));
                    }
                    if protocols.ssdp {
                        destinations.push((
                            SocketAddrV4::new(ip, port.unwrap_or(opts.ssdp_port)),
                            Protocol::Ssdp,
                        ));
                    }
                }
            }
        } else {
            if protocols.multicast {
                destinations.push((
                    SocketAddrV4::new(DISCOVERY_GROUP, opts.multicast_port),
                    Protocol::Multicast,
                ));
            }
            if protocols.ssdp {
                destinations.push((
                    SocketAddrV4::new(DISCOVERY_GROUP, opts.ssdp_port),
                    Protocol::Ssdp,
                ));
            }
        }
        if destinations.iter().any(|(d, _)| d.port() == 0) {
            return Err(Error::invalid("port", "a destination port is 0"));
        }

        let interfaces: Vec<Ipv4Addr> = match opts.local_address {
            Some(ip) => vec![ip],
            None if unicast => vec![Ipv4Addr::UNSPECIFIED],
            None => {
                let found = local_ipv4_interfaces();
                if found.is_empty() {
                    vec![Ipv4Addr::UNSPECIFIED]
                } else {
                    found
                }
            }
        };
        let mut probe_socks = Vec::new();
        let mut first_error = None;
        for ip in &interfaces {
            match probe_socket(*ip, opts, unicast) {
                Ok(s) => {
                    probe_socks.push(s);
                    diag.interfaces.push(*ip);
                }
                Err(e) => {
                    let msg = format!("cannot probe from {ip}: {e}");
                    warn(&mut diag, msg.clone());
                    first_error.get_or_insert(msg);
                }
            }
        }
        if probe_socks.is_empty() {
            return Err(Error::Discovery(
                first_error.unwrap_or_else(|| "no interface to probe from".into()),
            ));
        }
        let mut group_sock = None;
        if !unicast && protocols.multicast && opts.listen_group {
            match group_socket(opts.multicast_port, &diag.interfaces) {
                Ok((s, failed)) => {
                    for (ip, e) in failed {
                        warn(
                            &mut diag,
                            format!("cannot join {DISCOVERY_GROUP} on {ip}: {e}"),
                        );
                    }
                    group_sock = Some(s);
                }
                Err(e) => warn(
                    &mut diag,
                    format!(
                        "cannot listen on {DISCOVERY_GROUP}:{} ({e}); replies to the probing socket are still received",
                        opts.multicast_port
                    ),
                ),
            }
        }
        Ok(Run {
            opts,
            probe_socks,
            group_sock,
            destinations,
            unicast,
            devices: Vec::new(),
            fetches: HashMap::new(),
            fetches_by_src: HashMap::new(),
            diag,
            max_devices: opts.max_devices.max(1),
        })
    }

    fn sockets(&self) -> Vec<&UdpSocket> {
        self.probe_socks
            .iter()
            .chain(self.group_sock.iter())
            .collect()
    }

    fn socket(&self, i: usize) -> &UdpSocket {
        if i < self.probe_socks.len() {
            &self.probe_socks[i]
        } else {
            self.group_sock.as_ref().unwrap_or(&self.probe_socks[0])
        }
    }

    fn send_probes(&mut self) {
        let mx = (self.opts.timeout.as_millis() / 2000).clamp(1, 5);
        for (dest, proto) in self.destinations.clone() {
            let payload = match proto {
                Protocol::Multicast => self.opts.probe.clone(),
                Protocol::Ssdp => {
                    let mut m = format!(
                        "M-SEARCH * HTTP/1.1\r\nHOST: {dest}\r\nMAN: \"ssdp:discover\"\r\n"
                    );
                    if !self.unicast {
                        m.push_str(&format!("MX: {mx}\r\n"));
                    }
                    m.push_str(&format!(
                        "ST: {}\r\nUSER-AGENT: {}/{} UPnP/1.1 ultrastream/{}\r\n\r\n",
                        self.opts.ssdp_search_target,
                        std::env::consts::OS,
                        std::env::consts::ARCH,
                        env!("CARGO_PKG_VERSION")
                    ));
                    m
                }
            };
            for sock in &self.probe_socks {
                match sock.send_to(payload.as_bytes(), dest) {
                    Ok(_) => self.diag.probes_sent += 1,
                    Err(e) => {
                        self.diag.send_errors += 1;
                        let local = sock.local_addr().map(|a| a.to_string()).unwrap_or_default();
                        warn(
                            &mut self.diag,
                            format!("sending to {dest} from {local} failed: {e}"),
                        );
                    }
                }
            }
        }
    }

    fn datagram(&mut self, src: Ipv4Addr, data: &[u8]) -> Step {
        self.diag.datagrams_received += 1;
        match classify(data) {
            Datagram::Oversized => self.diag.ignored_oversized += 1,
            Datagram::Truncated => self.diag.ignored_truncated += 1,
            Datagram::Malformed => self.diag.ignored_malformed += 1,
            Datagram::Foreign => self.diag.ignored_foreign += 1,
            Datagram::Probe => self.diag.ignored_probes += 1,
            Datagram::Reply(r) => {
                if !self.opts.protocols.multicast {
                    self.diag.ignored_foreign += 1;
                    return Step::Nothing;
                }
                return self.found(src, *r, Protocol::Multicast, None);
            }
            Datagram::Ssdp(s) => {
                if !self.opts.protocols.ssdp {
                    self.diag.ignored_foreign += 1;
                    return Step::Nothing;
                }
                let info = s.info.clone();
                match s.identity {
                    SsdpIdentity::Magewell(fields) => {
                        return self.found(src, *fields, Protocol::Ssdp, Some(info));
                    }
                    SsdpIdentity::Unknown => {
                        self.diag.ssdp_candidates += 1;
                        if !self.opts.fetch_descriptions
                            || self.fetches.contains_key(&info.location)
                        {
                            return Step::Nothing;
                        }
                        let from_src = self.fetches_by_src.entry(src).or_insert(0);
                        if self.fetches.len() >= MAX_FETCHES || *from_src >= MAX_FETCHES_PER_ADDRESS
                        {
                            self.diag.descriptions_skipped += 1;
                            return Step::Nothing;
                        }
                        *from_src += 1;
                        self.fetches.insert(info.location.clone(), ());
                        return Step::Fetch(FetchRequest { src, info });
                    }
                }
            }
        }
        Step::Nothing
    }

    fn fetched(&mut self, done: FetchOutcome) -> Option<usize> {
        match done.outcome {
            Ok(Some(fields)) => {
                self.diag.descriptions_fetched += 1;
                self.diag.descriptions_matched += 1;
                match self.merge(done.req.src, fields, Protocol::Ssdp, Some(done.req.info)) {
                    Merge::New(i) => Some(i),
                    Merge::Existing | Merge::OverCap => None,
                }
            }
            Ok(None) => {
                self.diag.descriptions_fetched += 1;
                None
            }
            Err(_) => {
                self.diag.description_errors += 1;
                None
            }
        }
    }

    fn found(
        &mut self,
        src: Ipv4Addr,
        r: ReplyFields,
        proto: Protocol,
        ssdp: Option<SsdpInfo>,
    ) -> Step {
        match self.merge(src, r, proto, ssdp) {
            Merge::New(i) => {
                self.diag.replies_accepted += 1;
                Step::NewDevice(i)
            }
            Merge::Existing => {
                self.diag.replies_accepted += 1;
                self.diag.duplicate_replies += 1;
                Step::Nothing
            }
            Merge::OverCap => {
                self.diag.ignored_over_cap += 1;
                Step::Nothing
            }
        }
    }

    fn merge(
        &mut self,
        src: Ipv4Addr,
        r: ReplyFields,
        proto: Protocol,
        ssdp: Option<SsdpInfo>,
    ) -> Merge {
        match self.find(src, &r, ssdp.as_ref()) {
            Some(i) => {
                merge_into(&mut self.devices[i], src, r, proto, ssdp);
                Merge::Existing
            }
            None if self.devices.len() >= self.max_devices => Merge::OverCap,
            None => {
                let mut d = DiscoveredDevice::new(src);
                merge_into(&mut d, src, r, proto, ssdp);
                self.devices.push(d);
                Merge::New(self.devices.len() - 1)
            }
        }
    }

    /// The device an answer belongs to: same serial number; else (an SSDP
    /// answer without one) same USN, or the only device at that address.
    fn find(&self, src: Ipv4Addr, r: &ReplyFields, ssdp: Option<&SsdpInfo>) -> Option<usize> {
        if !r.serialnumber.is_empty() {
            if let Some(i) = self
                .devices
                .iter()
                .position(|d| d.serialnumber == r.serialnumber)
            {
                return Some(i);
            }
            // A device first seen by SSDP without a serial, at this address.
            let cands: Vec<usize> = (0..self.devices.len())
                .filter(|&i| {
                    self.devices[i].serialnumber.is_empty()
                        && self.devices[i].addresses.contains(&src)
                })
                .collect();
            return if cands.len() == 1 {
                Some(cands[0])
            } else {
                None
            };
        }
        if let Some(s) = ssdp
            && !s.usn.is_empty()
            && let Some(i) = self
                .devices
                .iter()
                .position(|d| d.ssdp.as_ref().is_some_and(|x| x.usn == s.usn))
        {
            return Some(i);
        }
        let cands: Vec<usize> = (0..self.devices.len())
            .filter(|&i| {
                let d = &self.devices[i];
                d.addresses.contains(&src)
                    || d.ethip == src.to_string()
                    || d.wifiip == src.to_string()
            })
            .collect();
        if cands.len() == 1 {
            Some(cands[0])
        } else {
            None
        }
    }
}

enum Merge {
    New(usize),
    Existing,
    OverCap,
}

fn merge_into(
    d: &mut DiscoveredDevice,
    src: Ipv4Addr,
    r: ReplyFields,
    proto: Protocol,
    ssdp: Option<SsdpInfo>,
) {
    if !d.addresses.contains(&src) && d.addresses.len() < MAX_ADDRESSES {
        d.addresses.push(src);
    }
    if !d.protocols.contains(&proto) {
        d.protocols.push(proto);
    }
    let set = |dst: &mut String, v: String| {
        if !v.is_empty() {
            *dst = v;
        }
    };
    // A multicast reply is the authoritative source of the documented
    // fields; SSDP only fills what is missing.
    let authoritative = proto == Protocol::Multicast;
    let fill = |dst: &mut String, v: String| {
        if authoritative || dst.is_empty() {
            set(dst, v)
        }
    };
    if d.serialnumber.is_empty() {
        d.serialnumber = r.serialnumber;
    }
    fill(&mut d.product, r.product);
    fill(&mut d.boxname, r.boxname);
    fill(&mut d.version, r.version);
    fill(&mut d.flag, r.flag);
    fill(&mut d.wifiip, r.wifiip);
    fill(&mut d.ethip, r.ethip);
    if let Some(s) = r.status
        && (authoritative || d.status.is_none())
    {
        d.status = Some(s);
        d.status_flags = status_flag_names(s);
    }
    for (k, v) in r.extra {
        if d.extra.len() < MAX_EXTRA_FIELDS || d.extra.contains_key(&k) {
            d.extra.insert(k, v);
        }
    }
    if let Some(p) = r.http_port
        && (authoritative || d.port.is_none())
    {
        d.port = Some(p);
    }
    // An SSDP LOCATION that is the API itself, on the answering address,
    // names its port (a UPnP description elsewhere says nothing of it).
    if let Some(s) = &ssdp
        && d.port.is_none()
        && let Some((addr, path)) = parse_http_url(&s.location)
        && *addr.ip() == src
        && path.starts_with("/usapi")
    {
        d.port = Some(addr.port());
    }
    if let Some(s) = ssdp
        && d.ssdp.is_none()
    {
        d.ssdp = Some(s);
    }
}

fn warn(diag: &mut Diagnostics, msg: String) {
    if diag.warnings.len() < MAX_WARNINGS && !diag.warnings.contains(&msg) {
        diag.warnings.push(msg);
    }
}

/// "host" or "host:port" → IPv4 addresses with the optional port.
fn resolve_target(t: &str) -> Result<Vec<(Ipv4Addr, Option<u16>)>> {
    let t = t.trim();
    let bad = |why: &str| {
        Error::invalid(
            "target",
            format!("'{t}': {why}; expected an IPv4 address or host name, optionally with :port"),
        )
    };
    if t.is_empty() {
        return Err(bad("empty"));
    }
    if let Ok(ip) = t.parse::<Ipv4Addr>() {
        return Ok(vec![(ip, None)]);
    }
    if let Ok(sa) = t.parse::<SocketAddrV4>() {
        return Ok(vec![(*sa.ip(), Some(sa.port()))]);
    }
    if t.parse::<IpAddr>().is_ok() || t.parse::<SocketAddr>().is_ok() || t.starts_with('[') {
        return Err(bad("IPv6 is not supported by discovery"));
    }
    let (host, port) = match t.rsplit_once(':') {
        Some((h, p)) => (h, Some(p.parse::<u16>().map_err(|_| bad("bad port"))?)),
        None => (t, None),
    };
    if host.is_empty()
        || host
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '/')
    {
        return Err(bad("bad host"));
    }
    let addrs: Vec<Ipv4Addr> = (host, port.unwrap_or(1))
        .to_socket_addrs()
        .map_err(|e| bad(&format!("cannot resolve ({e})")))?
        .filter_map(|a| match a {
            SocketAddr::V4(v) => Some(*v.ip()),
            SocketAddr::V6(_) => None,
        })
        .collect();
    let mut uniq = Vec::new();
    for a in addrs {
        if !uniq.contains(&a) {
            uniq.push(a);
        }
    }
    if uniq.is_empty() {
        return Err(bad("no IPv4 address"));
    }
    Ok(uniq.into_iter().map(|a| (a, port)).collect())
}

// ---------------------------------------------------------------------------
// Parsing what arrives. Pure functions: no I/O, no panics on any input.

/// The fields of a multicast reply (or what SSDP told of them).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ReplyFields {
    pub version: String,
    pub flag: String,
    pub product: String,
    pub boxname: String,
    pub serialnumber: String,
    pub wifiip: String,
    pub ethip: String,
    pub status: Option<u32>,
    /// `http-port` (not in the document: the simulator's HTTP port).
    pub http_port: Option<u16>,
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SsdpIdentity {
    /// Known to be an Ultra Stream; serial may be "" (then merged by USN/address).
    Magewell(Box<ReplyFields>),
    /// Some UPnP device: check its description.
    Unknown,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SsdpAnswer {
    pub info: SsdpInfo,
    pub identity: SsdpIdentity,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Datagram {
    Reply(Box<ReplyFields>),
    Ssdp(Box<SsdpAnswer>),
    Probe,
    Foreign,
    Oversized,
    Truncated,
    Malformed,
}

/// Sort one datagram.
pub(crate) fn classify(data: &[u8]) -> Datagram {
    if data.len() > MAX_DATAGRAM {
        return Datagram::Oversized;
    }
    let trimmed = trim_start(data);
    if trimmed.is_empty() {
        return Datagram::Truncated;
    }
    if trimmed[0] == b'{' {
        return classify_json(trimmed);
    }
    let Ok(text) = std::str::from_utf8(trimmed) else {
        return Datagram::Malformed;
    };
    if text.starts_with("HTTP/") {
        return classify_http_response(text);
    }
    if text.starts_with("M-SEARCH ") {
        return Datagram::Probe;
    }
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\r' | '\n' | '\t'))
    {
        return Datagram::Malformed;
    }
    // NOTIFY, other requests, other text protocols.
    Datagram::Foreign
}

fn trim_start(data: &[u8]) -> &[u8] {
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let n = data.iter().take_while(|b| b.is_ascii_whitespace()).count();
    &data[n..]
}

fn classify_json(data: &[u8]) -> Datagram {
    let v: Value = match serde_json::from_slice(data) {
        Ok(v) => v,
        Err(e) if e.is_eof() => return Datagram::Truncated,
        Err(_) => return Datagram::Malformed,
    };
    let Value::Object(mut m) = v else {
        return Datagram::Malformed;
    };
    match m.get("flag") {
        Some(Value::String(f)) if f.eq_ignore_ascii_case("ssip") => {}
        _ => return Datagram::Foreign,
    }
    if !m.contains_key("serialnumber") {
        let reply_like = ["product", "boxname", "status", "ethip", "wifiip"]
            .iter()
            .any(|k| m.contains_key(*k));
        return if reply_like {
            Datagram::Malformed
        } else {
            Datagram::Probe
        };
    }
    // The serial number is the device's identity: a string, nothing else.
    if !matches!(m.get("serialnumber"), Some(Value::String(_))) {
        return Datagram::Malformed;
    }
    let mut r = ReplyFields::default();
    let mut take = |key: &str, max: usize| -> std::result::Result<String, ()> {
        let s = match m.remove(key) {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s,
            Some(Value::Number(n)) => n.to_string(),
            Some(_) => return Err(()),
        };
        if s.chars().count() > max || s.chars().any(|c| c.is_control()) {
            return Err(());
        }
        Ok(s)
    };
    let fields = (|| -> std::result::Result<(), ()> {
        r.serialnumber = take("serialnumber", MAX_SERIAL_CHARS)?.trim().to_string();
        r.version = take("version", MAX_FIELD_CHARS)?;
        r.flag = take("flag", MAX_FIELD_CHARS)?;
        r.product = take("product", MAX_FIELD_CHARS)?;
        r.boxname = take("boxname", MAX_FIELD_CHARS)?;
        r.wifiip = take("wifiip", MAX_FIELD_CHARS)?;
        r.ethip = take("ethip", MAX_FIELD_CHARS)?;
        Ok(())
    })();
    if fields.is_err() || r.serialnumber.is_empty() {
        return Datagram::Malformed;
    }
    r.status = match m.remove("status") {
        None | Some(Value::Null) => None,
        Some(v) => match parse_status(&v) {
            Some(s) => Some(s),
            None => return Datagram::Malformed,
        },
    };
    // Lenient: a port that does not parse is dropped, the reply kept.
    r.http_port = match m.remove("http-port") {
        Some(Value::Number(n)) => n.as_u64().and_then(|p| u16::try_from(p).ok()),
        Some(Value::String(s)) => s.trim().parse::<u16>().ok(),
        _ => None,
    }
    .filter(|p| *p != 0);
    r.extra = m.into_iter().take(MAX_EXTRA_FIELDS).collect();
    Datagram::Reply(Box::new(r))
}

fn parse_status(v: &Value) -> Option<u32> {
    match v {
        Value::Number(n) => n.as_u64().and_then(|x| u32::try_from(x).ok()),
        Value::String(s) => {
            let s = s.trim();
            match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
                Some(hex) => u32::from_str_radix(hex, 16).ok(),
                None => s.parse::<u32>().ok(),
            }
        }
        _ => None,
    }
}

fn classify_http_response(text: &str) -> Datagram {
    let head_end = text.find("\r\n\r\n").or_else(|| text.find("\n\n"));
    let Some(end) = head_end else {
        return Datagram::Truncated;
    };
    let mut lines = text[..end].lines();
    let status_line = lines.next().unwrap_or("");
    let mut parts = status_line.split_whitespace();
    let version = parts.next().unwrap_or("");
    let code = parts.next().unwrap_or("");
    if !(version == "HTTP/1.1" || version == "HTTP/1.0")
        || code.len() != 3
        || !code.bytes().all(|b| b.is_ascii_digit())
    {
        return Datagram::Malformed;
    }
    if code != "200" {
        return Datagram::Foreign;
    }
    let mut headers: HashMap<String, String> = HashMap::new();
    for (n, line) in lines.enumerate() {
        if n >= 64 {
            return Datagram::Malformed;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Datagram::Malformed;
        };
        let name = name.trim();
        if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Datagram::Malformed;
        }
        let value = value.trim();
        if value.chars().any(|c| c.is_control() && c != '\t') || value.chars().count() > 512 {
            return Datagram::Malformed;
        }
        headers.insert(name.to_ascii_uppercase(), value.to_string());
    }
    let get = |k: &str| headers.get(k).cloned().unwrap_or_default();
    let info = SsdpInfo {
        location: get("LOCATION"),
        usn: get("USN"),
        server: get("SERVER"),
        st: get("ST"),
    };
    if info.location.is_empty() || info.usn.is_empty() {
        // Not an SSDP search answer (some other HTTP over UDP).
        return Datagram::Foreign;
    }
    let mut r = ReplyFields::default();
    let mut magewell = false;
    if let Some(sn) = headers.get("X-MAGEWELL-SERIALNUMBER") {
        let sn = sn.trim();
        if sn.is_empty() || sn.chars().count() > MAX_SERIAL_CHARS {
            return Datagram::Malformed;
        }
        r.serialnumber = sn.to_string();
        magewell = true;
    }
    if [&info.server, &info.usn, &info.st]
        .iter()
        .any(|v| v.to_ascii_lowercase().contains("magewell"))
    {
        magewell = true;
    }
    if !magewell {
        return Datagram::Ssdp(Box::new(SsdpAnswer {
            info,
            identity: SsdpIdentity::Unknown,
        }));
    }
    let short = |k: &str| {
        let v = get(k);
        if v.chars().count() > MAX_FIELD_CHARS {
            String::new()
        } else {
            v
        }
    };
    r.product = short("X-MAGEWELL-PRODUCT");
    r.boxname = short("X-MAGEWELL-BOXNAME");
    r.ethip = short("X-MAGEWELL-ETHIP");
    r.wifiip = short("X-MAGEWELL-WIFIIP");
    if let Some(s) = headers.get("X-MAGEWELL-STATUS") {
        match parse_status(&Value::String(s.clone())) {
            Some(v) => r.status = Some(v),
            None => return Datagram::Malformed,
        }
    }
    Datagram::Ssdp(Box::new(SsdpAnswer {
        info,
        identity: SsdpIdentity::Magewell(Box::new(r)),
    }))
}

// ---------------------------------------------------------------------------
// UPnP description fetch.

struct FetchRequest {
    src: Ipv4Addr,
    info: SsdpInfo,
}

struct FetchOutcome {
    req: FetchRequest,
    /// Ok(Some): a Magewell device; Ok(None): another manufacturer.
    outcome: std::result::Result<Option<ReplyFields>, String>,
}

/// GET the LOCATION of an SSDP answer, if it is `http://` on the host
/// that answered, and read the device's identity from the description.
fn fetch_description(
    req: &FetchRequest,
    deadline: Instant,
) -> std::result::Result<Option<ReplyFields>, String> {
    let (addr, path) = parse_http_url(&req.info.location)
        .ok_or("LOCATION is not an http:// URL with an IPv4 address")?;
    if *addr.ip() != req.src {
        return Err("LOCATION names another host than the one that answered; not fetched".into());
    }
    let left = |d: Instant| {
        d.saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1))
    };
    let mut s = TcpStream::connect_timeout(&SocketAddr::V4(addr), left(deadline))
        .map_err(|e| e.to_string())?;
    s.set_write_timeout(Some(left(deadline)))
        .map_err(|e| e.to_string())?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\nConnection: close\r\nUser-Agent: ultrastream/{}\r\n\r\n", env!("CARGO_PKG_VERSION"))
        .map_err(|e| e.to_string())?;
    let mut body = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if Instant::now() >= deadline {
            return Err("timed out".into());
        }
        s.set_read_timeout(Some(left(deadline)))
            .map_err(|e| e.to_string())?;
        match s.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                body.extend_from_slice(&chunk[..n]);
                if body.len() > MAX_DESCRIPTION_BYTES {
                    return Err("description too large".into());
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.to_string()),
        }
    }
    let text = String::from_utf8_lossy(&body);
    let status_ok = text.lines().next().is_some_and(|l| {
        let mut p = l.split_whitespace();
        p.next().is_some_and(|v| v.starts_with("HTTP/")) && p.next() == Some("200")
    });
    if !status_ok {
        return Err("description: HTTP status is not 200".into());
    }
    let xml = text
        .split_once("\r\n\r\n")
        .or_else(|| text.split_once("\n\n"))
        .map(|(_, b)| b)
        .unwrap_or("");
    Ok(parse_description(xml))
}

/// `http://a.b.c.d[:port]/path` → (address, path).
fn parse_http_url(url: &str) -> Option<(SocketAddrV4, String)> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("HTTP://"))?;
    let (hostport, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if path.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let addr = match hostport.parse::<SocketAddrV4>() {
        Ok(a) => a,
        Err(_) => SocketAddrV4::new(hostport.parse::<Ipv4Addr>().ok()?, 80),
    };
    Some((addr, path.to_string()))
}

/// The identity in a UPnP device description, if its manufacturer is Magewell.
pub(crate) fn parse_description(xml: &str) -> Option<ReplyFields> {
    let manufacturer = xml_tag(xml, "manufacturer")?;
    if !manufacturer.to_ascii_lowercase().contains("magewell") {
        return None;
    }
    let field = |t: &str| {
        xml_tag(xml, t)
            .filter(|v| v.chars().count() <= MAX_FIELD_CHARS && !v.chars().any(|c| c.is_control()))
            .unwrap_or_default()
    };
    let mut serial = field("serialNumber");
    if serial.chars().count() > MAX_SERIAL_CHARS {
        serial.clear();
    }
    Some(ReplyFields {
        serialnumber: serial,
        product: field("modelName"),
        boxname: field("friendlyName"),
        ..Default::default()
    })
}

/// The text of the first `<tag>` element (attributes and namespace
/// prefixes on the tag are not supported, as UPnP does not use them there).
fn xml_tag(xml: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let start = xml.find(&open)? + open.len();
    let len = xml[start..].find(&close)?;
    let raw = xml[start..start + len].trim();
    Some(
        raw.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&"),
    )
}

// ---------------------------------------------------------------------------
// Sockets.

fn probe_socket(ip: Ipv4Addr, opts: &DiscoverOptions, unicast: bool) -> io::Result<UdpSocket> {
    let s = udp_socket(SocketAddrV4::new(ip, 0), false)?;
    s.set_nonblocking(true)?;
    // Allows a subnet broadcast address as a target; harmless otherwise.
    let _ = s.set_broadcast(true);
    if !unicast {
        s.set_multicast_ttl_v4(opts.multicast_ttl)?;
        // Loop on, so a simulator on this host hears the probe.
        s.set_multicast_loop_v4(true)?;
        if !ip.is_unspecified() {
            set_multicast_if(&s, ip)?;
        }
    }
    Ok(s)
}

/// A socket on group:port that joined the group on each interface. Returns
/// the interfaces whose join failed; fails if none succeeded.
fn group_socket(
    port: u16,
    interfaces: &[Ipv4Addr],
) -> io::Result<(UdpSocket, Vec<(Ipv4Addr, io::Error)>)> {
    let s = udp_socket(SocketAddrV4::new(group_bind_addr(), port), true)?;
    s.set_nonblocking(true)?;
    let mut failed = Vec::new();
    let mut joined = 0;
    for ip in interfaces {
        match s.join_multicast_v4(&DISCOVERY_GROUP, ip) {
            Ok(()) => joined += 1,
            Err(e) => failed.push((*ip, e)),
        }
    }
    if joined == 0 {
        return Err(io::Error::other(
            "could not join the group on any interface",
        ));
    }
    Ok((s, failed))
}

/// Where a group socket binds: the group itself on Unix (only group traffic
/// arrives), any address elsewhere (Windows cannot bind a group address).
pub(crate) fn group_bind_addr() -> Ipv4Addr {
    if cfg!(unix) {
        DISCOVERY_GROUP
    } else {
        Ipv4Addr::UNSPECIFIED
    }
}

/// A UDP socket bound to `addr`, with SO_REUSEADDR (and SO_REUSEPORT where
/// the platform needs it to share a multicast port) when `reuse`. On Linux
/// a multicast socket only receives the groups it joined itself
/// (IP_MULTICAST_ALL off). socket2 makes it close-on-exec (not inherited
/// on Windows) and does the per-OS calls.
pub(crate) fn udp_socket(addr: SocketAddrV4, reuse: bool) -> io::Result<UdpSocket> {
    use socket2::{Domain, Protocol, Socket, Type};
    let sock = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))?;
    if reuse {
        sock.set_reuse_address(true)?;
        #[cfg(all(unix, not(any(target_os = "linux", target_os = "android"))))]
        sock.set_reuse_port(true)?;
    }
    #[cfg(target_os = "linux")]
    sock.set_multicast_all_v4(false)?;
    sock.bind(&std::net::SocketAddr::V4(addr).into())?;
    Ok(sock.into())
}

/// Send multicast out of the interface with address `ip` (IP_MULTICAST_IF).
pub(crate) fn set_multicast_if(s: &UdpSocket, ip: Ipv4Addr) -> io::Result<()> {
    socket2::SockRef::from(s).set_multicast_if_v4(&ip)
}

/// Wait until some of `socks` are readable or `timeout` passes; one flag
/// per socket. Sockets must be non-blocking (a false "readable" is harmless).
#[cfg(unix)]
pub(crate) fn wait_readable(socks: &[&UdpSocket], timeout: Duration) -> Vec<bool> {
    use std::os::fd::AsRawFd;
    let mut fds: Vec<libc::pollfd> = socks
        .iter()
        .map(|s| libc::pollfd {
            fd: s.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    // Round up so a sub-millisecond wait does not spin.
    let ms = timeout.as_micros().div_ceil(1000).min(i32::MAX as u128) as libc::c_int;
    // SAFETY: `fds` is a valid array of `fds.len()` pollfd structs.
    let rc = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, ms) };
    if rc <= 0 {
        return vec![false; socks.len()];
    }
    fds.iter()
        .map(|p| p.revents & (libc::POLLIN | libc::POLLERR | libc::POLLHUP) != 0)
        .collect()
}

#[cfg(not(unix))]
pub(crate) fn wait_readable(socks: &[&UdpSocket], timeout: Duration) -> Vec<bool> {
    std::thread::sleep(timeout.min(Duration::from_millis(5)));
    vec![true; socks.len()]
}

/// IPv4 addresses of the interfaces that are up and can multicast, plus
/// loopback.
#[cfg(unix)]
fn local_ipv4_interfaces() -> Vec<Ipv4Addr> {
    let mut out = Vec::new();
    let mut ifap: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs fills a list we walk read-only and free once.
    unsafe {
        if libc::getifaddrs(&mut ifap) != 0 {
            return out;
        }
        let mut p = ifap;
        while !p.is_null() {
            let ifa = &*p;
            p = ifa.ifa_next;
            if ifa.ifa_addr.is_null() || i32::from((*ifa.ifa_addr).sa_family) != libc::AF_INET {
                continue;
            }
            let flags = ifa.ifa_flags as libc::c_int;
            if flags & libc::IFF_UP == 0 || flags & (libc::IFF_MULTICAST | libc::IFF_LOOPBACK) == 0
            {
                continue;
            }
            let sin = &*(ifa.ifa_addr as *const libc::sockaddr_in);
            let ip = Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr));
            if !out.contains(&ip) && out.len() < MAX_INTERFACES {
                out.push(ip);
            }
        }
        libc::freeifaddrs(ifap);
    }
    out
}

#[cfg(not(unix))]
fn local_ipv4_interfaces() -> Vec<Ipv4Addr> {
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(body: &str) -> ReplyFields {
        match classify(body.as_bytes()) {
            Datagram::Reply(r) => *r,
            other => panic!("not a reply: {other:?}"),
        }
    }

    #[test]
    fn documented_reply_parses() {
        // The vendor document's example (captures/magewell-docs-ultra-stream__discovery-multicast-2538.json).
        let body = r#"{
  "version": "1.0",
  "flag": "ssip",
  "product": "Ultra Stream",
  "boxname": "[LH-SDI]-1.2.1",
  "serialnumber": "A302190719003",
  "wifiip": "192.168.48.1",
  "ethip": "192.168.1.217",
  "status": 65600
}"#;
        let r = reply(body);
        assert_eq!(r.serialnumber, "A302190719003");
        assert_eq!(r.product, "Ultra Stream");
        assert_eq!(r.boxname, "[LH-SDI]-1.2.1");
        assert_eq!(r.version, "1.0");
        assert_eq!(r.flag, "ssip");
        assert_eq!(r.wifiip, "192.168.48.1");
        assert_eq!(r.ethip, "192.168.1.217");
        assert_eq!(r.status, Some(65600));
        assert!(r.extra.is_empty());
    }

    #[test]
    fn http_port_gives_the_host_to_connect_to() {
        let r =
            reply(r#"{"flag":"ssip","serialnumber":"S1","status":0,"http-port":8081,"fw":"2"}"#);
        assert_eq!(r.http_port, Some(8081));
        assert!(!r.extra.contains_key("http-port"));
        for (v, want) in [
            (r#""8082""#, Some(8082)),
            ("0", None),
            ("70000", None),
            ("\"x\"", None),
        ] {
            let body = format!(r#"{{"flag":"ssip","serialnumber":"S1","http-port":{v}}}"#);
            assert_eq!(reply(&body).http_port, want, "{v}");
        }
        let mut d = DiscoveredDevice::new(Ipv4Addr::LOCALHOST);
        assert_eq!(d.host(), "127.0.0.1");
        merge_into(&mut d, Ipv4Addr::LOCALHOST, r, Protocol::Multicast, None);
        assert_eq!((d.port, d.host().as_str()), (Some(8081), "127.0.0.1:8081"));
        // An SSDP LOCATION naming the API on the answering address.
        let mut d = DiscoveredDevice::new(Ipv4Addr::LOCALHOST);
        let ssdp = |loc: &str| SsdpInfo {
            location: loc.into(),
            ..Default::default()
        };
        merge_into(
            &mut d,
            Ipv4Addr::LOCALHOST,
            ReplyFields::default(),
            Protocol::Ssdp,
            Some(ssdp("http://127.0.0.1:9000/desc.xml")),
        );
        assert_eq!(d.port, None, "a description's port is not the API's");
        merge_into(
            &mut d,
            Ipv4Addr::LOCALHOST,
            ReplyFields::default(),
            Protocol::Ssdp,
            Some(ssdp("http://127.0.0.1:9001/usapi?method=ping")),
        );
        assert_eq!(d.port, Some(9001));
    }

    #[test]
    fn extra_fields_and_lenient_types() {
        let r = reply(
            r#"{"flag":"SSIP","serialnumber":" X1 ","status":"0x12","version":1.0,"fw":"2.1"}"#,
        );
        assert_eq!(r.serialnumber, "X1");
        assert_eq!(r.status, Some(0x12));
        assert_eq!(r.version, "1.0");
        assert_eq!(r.extra.get("fw"), Some(&Value::String("2.1".into())));
    }

    #[test]
    fn garbage_is_sorted() {
        use Datagram::*;
        let cases: &[(&[u8], Datagram)] = &[
            (b"", Truncated),
            (b"   ", Truncated),
            (br#"{"flag":"ssip","serialnumber":"A1""#, Truncated),
            (
                br#"{"flag":"ssip","serialnumber":"A1"} trailing"#,
                Malformed,
            ),
            (
                br#"{"flag":"ssip","serialnumber":7,"product":"x"}"#,
                Malformed,
            ),
            (
                br#"{"flag":"ssip","serialnumber":"","product":"x"}"#,
                Malformed,
            ),
            (
                br#"{"flag":"ssip","serialnumber":"A1","status":-1}"#,
                Malformed,
            ),
            (
                br#"{"flag":"ssip","serialnumber":"A1","status":{}}"#,
                Malformed,
            ),
            (
                br#"{"flag":"ssip","serialnumber":"A1","boxname":["x"]}"#,
                Malformed,
            ),
            (br#"{"flag":"ssip","product":"Ultra Stream"}"#, Malformed),
            (br#"{"flag":"xxxx","serialnumber":"A1"}"#, Foreign),
            (br#"{"hello":"world"}"#, Foreign),
            (
                br#"{"version":"1.0","flag":"ssip","request":"discover"}"#,
                Probe,
            ),
            (
                b"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n\r\n",
                Probe,
            ),
            (
                b"NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n\r\n",
                Foreign,
            ),
            (b"HTTP/1.1 404 Not Found\r\n\r\n", Foreign),
            (b"HTTP/1.1 200 OK\r\nLOCATION: http://1.2.3.4/", Truncated),
            (b"HTTP/1.1 2x0 OK\r\n\r\n", Malformed),
            (b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", Malformed),
            (b"HTTP/1.1 200 OK\r\nSERVER: x\r\n\r\n", Foreign),
            (b"\x00\x01\x02\xff\xfe", Malformed),
            (b"hello there", Foreign),
            (b"[1,2,3]", Foreign),
        ];
        for (data, want) in cases {
            assert_eq!(&classify(data), want, "{:?}", String::from_utf8_lossy(data));
        }
        assert_eq!(classify(&vec![b' '; MAX_DATAGRAM + 1]), Datagram::Oversized);
        let long_serial = format!(r#"{{"flag":"ssip","serialnumber":"{}"}}"#, "A".repeat(65));
        assert_eq!(classify(long_serial.as_bytes()), Datagram::Malformed);
    }

    #[test]
    fn ssdp_answers() {
        let sim = "HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=1800\r\nEXT:\r\nLOCATION: http://127.0.0.1:8080/usapi?method=ping\r\n\
                   SERVER: Linux UPnP/1.0 Magewell-Ultra-Stream/1.0\r\nST: upnp:rootdevice\r\nUSN: uuid:abc::upnp:rootdevice\r\n\
                   X-MAGEWELL-SERIALNUMBER: A1\r\nX-MAGEWELL-PRODUCT: Ultra Stream\r\nX-MAGEWELL-STATUS: 18\r\n\r\n";
        let Datagram::Ssdp(a) = classify(sim.as_bytes()) else {
            panic!("not ssdp")
        };
        assert_eq!(a.info.location, "http://127.0.0.1:8080/usapi?method=ping");
        assert_eq!(a.info.usn, "uuid:abc::upnp:rootdevice");
        let SsdpIdentity::Magewell(r) = a.identity else {
            panic!("not identified")
        };
        assert_eq!(
            (r.serialnumber.as_str(), r.product.as_str(), r.status),
            ("A1", "Ultra Stream", Some(18))
        );

        let other = "HTTP/1.1 200 OK\r\nLOCATION: http://10.0.0.1:49152/desc.xml\r\nST: upnp:rootdevice\r\nUSN: uuid:r::upnp:rootdevice\r\n\r\n";
        let Datagram::Ssdp(a) = classify(other.as_bytes()) else {
            panic!("not ssdp")
        };
        assert_eq!(a.identity, SsdpIdentity::Unknown);
    }

    #[test]
    fn descriptions() {
        let xml = "<root><device><friendlyName>Stage &amp; Left</friendlyName><manufacturer>Magewell</manufacturer>\
                   <modelName>Ultra Stream SDI</modelName><serialNumber>A9</serialNumber></device></root>";
        let r = parse_description(xml).expect("magewell");
        assert_eq!(
            (
                r.serialnumber.as_str(),
                r.product.as_str(),
                r.boxname.as_str()
            ),
            ("A9", "Ultra Stream SDI", "Stage & Left")
        );
        assert!(parse_description("<root><manufacturer>Acme</manufacturer></root>").is_none());
        assert!(parse_description("<root><manufacturer>Magewell").is_none());
        assert_eq!(
            parse_http_url("http://10.0.0.1:49152/d.xml"),
            Some(("10.0.0.1:49152".parse().unwrap(), "/d.xml".into()))
        );
        assert_eq!(
            parse_http_url("http://10.0.0.1"),
            Some(("10.0.0.1:80".parse().unwrap(), "/".into()))
        );
        assert_eq!(parse_http_url("ftp://10.0.0.1/"), None);
        assert_eq!(parse_http_url("http://name.local/"), None);
    }

    #[test]
    fn targets() {
        assert_eq!(
            resolve_target("127.0.0.1").unwrap(),
            vec![(Ipv4Addr::LOCALHOST, None)]
        );
        assert_eq!(
            resolve_target(" 127.0.0.1:99 ").unwrap(),
            vec![(Ipv4Addr::LOCALHOST, Some(99))]
        );
        assert!(
            resolve_target("localhost:5")
                .unwrap()
                .contains(&(Ipv4Addr::LOCALHOST, Some(5)))
        );
        for bad in ["", "::1", "[::1]:5", "1.2.3.4:x", "a b", "1.2.3.4:70000"] {
            assert!(
                matches!(resolve_target(bad), Err(Error::InvalidArgument { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn merge_keeps_addresses_and_protocols() {
        let opts = DiscoverOptions {
            targets: vec!["127.0.0.1:9".into()],
            ..Default::default()
        };
        let mut run = Run::new(&opts).expect("socket");
        let a = Ipv4Addr::new(10, 0, 0, 1);
        let b = Ipv4Addr::new(10, 0, 1, 1);
        let body = br#"{"version":"1.0","flag":"ssip","product":"Ultra Stream","serialnumber":"S1","status":2}"#;
        assert!(matches!(run.datagram(a, body), Step::NewDevice(0)));
        assert!(matches!(run.datagram(b, body), Step::Nothing));
        let ssdp = "HTTP/1.1 200 OK\r\nLOCATION: http://10.0.0.1/\r\nUSN: uuid:s1\r\nSERVER: Magewell\r\nX-MAGEWELL-STATUS: 0\r\n\r\n";
        // No serial in the SSDP answer: merged by address; its status does
        // not override the multicast reply's.
        assert!(matches!(run.datagram(a, ssdp.as_bytes()), Step::Nothing));
        assert_eq!(run.devices.len(), 1);
        let d = &run.devices[0];
        assert_eq!(d.addresses, vec![a, b]);
        assert_eq!(d.protocols, vec![Protocol::Multicast, Protocol::Ssdp]);
        assert_eq!(d.status, Some(2));
        assert_eq!(d.status_flags, vec!["statusRecord"]);
        assert_eq!(run.diag.duplicate_replies, 2);
        assert_eq!(run.diag.replies_accepted, 3);
    }
}
