//! One search: the sockets it opens, the probes it sends, and how each
//! datagram that arrives is sorted (layer: discovery, below the client).

use super::merge::Merge;
use super::multicast::{Datagram, classify};
use super::sockets::{group_socket, local_ipv4_interfaces, probe_socket};
use super::ssdp::{FetchOutcome, FetchRequest, SsdpIdentity};
use super::{
    DISCOVERY_GROUP, Diagnostics, DiscoverOptions, DiscoveredDevice, MAX_FETCHES,
    MAX_FETCHES_PER_ADDRESS, MAX_TARGETS, MAX_WARNINGS, Protocol,
};
use crate::error::{Error, Result};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4, ToSocketAddrs, UdpSocket};

// ---------------------------------------------------------------------------
// One search: sockets, probes, merged devices.

pub(super) enum Step {
    Nothing,
    NewDevice(usize),
    Fetch(FetchRequest),
}

pub(super) struct Run<'a> {
    pub(super) opts: &'a DiscoverOptions,
    /// Probe sockets (one per interface, or one for unicast targets).
    pub(super) probe_socks: Vec<UdpSocket>,
    /// The socket listening on group:multicast_port, if any.
    pub(super) group_sock: Option<UdpSocket>,
    /// Where to send: (destination, protocol).
    pub(super) destinations: Vec<(SocketAddrV4, Protocol)>,
    pub(super) unicast: bool,
    pub(super) devices: Vec<DiscoveredDevice>,
    /// LOCATION URLs already fetched or being fetched.
    pub(super) fetches: HashMap<String, ()>,
    /// Fetches started per answering address.
    pub(super) fetches_by_src: HashMap<Ipv4Addr, usize>,
    pub(super) diag: Diagnostics,
    pub(super) max_devices: usize,
}

impl<'a> Run<'a> {
    pub(super) fn new(opts: &'a DiscoverOptions) -> Result<Run<'a>> {
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

    pub(super) fn sockets(&self) -> Vec<&UdpSocket> {
        self.probe_socks
            .iter()
            .chain(self.group_sock.iter())
            .collect()
    }

    pub(super) fn socket(&self, i: usize) -> &UdpSocket {
        if i < self.probe_socks.len() {
            &self.probe_socks[i]
        } else {
            self.group_sock.as_ref().unwrap_or(&self.probe_socks[0])
        }
    }

    pub(super) fn send_probes(&mut self) {
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

    pub(super) fn datagram(&mut self, src: Ipv4Addr, data: &[u8]) -> Step {
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

    pub(super) fn fetched(&mut self, done: FetchOutcome) -> Option<usize> {
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
}

pub(super) fn warn(diag: &mut Diagnostics, msg: String) {
    if diag.warnings.len() < MAX_WARNINGS && !diag.warnings.contains(&msg) {
        diag.warnings.push(msg);
    }
}

/// "host" or "host:port" → IPv4 addresses with the optional port.
pub(super) fn resolve_target(t: &str) -> Result<Vec<(Ipv4Addr, Option<u16>)>> {
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
