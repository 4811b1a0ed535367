//! Simulator layer (`sim`), on the device and `crate::discovery`'s socket
//! helpers: the simulator's discovery responder. Answers the multicast
//! probe with the vendor document's reply body (live status mask) and an
//! SSDP M-SEARCH with an `HTTP/1.1 200` whose LOCATION leads back to the
//! simulator's HTTP port; silent on SSDP while `set-ssdp 0`.
//!
//! Written independently of the client's parser in `crate::discovery`
//! (only the socket helpers are shared), so a parsing bug cannot hide
//! behind the same bug here.
//!
//! Sockets, for each of the two ports: one bound to `interface:port`
//! (unicast probes; every answer is sent from it) and, when `join_group`,
//! one bound to `239.255.255.250:port` that joined the group on
//! `interface` only. Both use SO_REUSEADDR, so several responders can
//! share the group port. Answers go by unicast to the sender. A datagram
//! is answered by its content, whichever of the responder's ports it
//! reached: `{"flag":"ssip",...}` without a serial number is a probe; an
//! `M-SEARCH * HTTP/1.1` with `MAN: "ssdp:discover"` is a search. Anything
//! else is ignored (and counted).

use super::{DiscoveryInfo, Simulator};
use crate::discovery::{
    DISCOVERY_GROUP, group_bind_addr, set_multicast_if, udp_socket, wait_readable,
};
use crate::error::{Error, Result};
use std::io;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, UdpSocket};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::thread::JoinHandle;
use std::time::Duration;

/// Produces the device's current discovery facts (called for every probe,
/// so the status mask is live).
pub type InfoSource = Arc<dyn Fn() -> DiscoveryInfo + Send + Sync>;

/// Like [`InfoSource`], where `None` means "the device is off (rebooting,
/// stopped)": the responder stays silent until it returns facts again.
pub type OptionalInfoSource = Arc<dyn Fn() -> Option<DiscoveryInfo> + Send + Sync>;

/// The UPnP device type the simulator announces.
pub const SIM_DEVICE_TYPE: &str = "urn:schemas-upnp-org:device:Basic:1";

/// How the responder listens.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponderOptions {
    /// The interface to listen on (default 127.0.0.1: loopback only).
    pub interface: Ipv4Addr,
    /// The multicast protocol's port (default 2538; 0: an ephemeral port).
    pub multicast_port: u16,
    /// The SSDP port (default 1900; 0: an ephemeral port). May equal
    /// `multicast_port`: then one pair of sockets answers both.
    pub ssdp_port: u16,
    /// Join 239.255.255.250 on `interface` and answer probes sent to the
    /// group (default true). If joining fails the responder still answers
    /// unicast probes and [`DiscoveryResponder::warnings`] says why.
    pub join_group: bool,
    /// Send the multicast protocol's reply to the group (on `interface`)
    /// instead of back to the sender (default false).
    pub reply_to_group: bool,
    /// Host in the SSDP LOCATION (default: `interface`, or 127.0.0.1 when
    /// that is 0.0.0.0).
    pub location_host: Option<String>,
    /// Path in the SSDP LOCATION (default `/usapi?method=ping`, which the
    /// simulator answers without login).
    pub location_path: String,
}

impl Default for ResponderOptions {
    fn default() -> Self {
        ResponderOptions {
            interface: Ipv4Addr::LOCALHOST,
            multicast_port: crate::discovery::MULTICAST_PORT,
            ssdp_port: crate::discovery::SSDP_PORT,
            join_group: true,
            reply_to_group: false,
            location_host: None,
            location_path: "/usapi?method=ping".to_string(),
        }
    }
}

impl ResponderOptions {
    /// Loopback with ephemeral ports (for tests).
    pub fn ephemeral() -> Self {
        ResponderOptions {
            multicast_port: 0,
            ssdp_port: 0,
            ..Default::default()
        }
    }
}

/// What the responder did so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResponderStats {
    /// Multicast-protocol probes answered.
    pub probes_answered: u64,
    /// SSDP searches answered.
    pub searches_answered: u64,
    /// SSDP searches not answered because SSDP is disabled (set-ssdp 0) or
    /// the search target is not ours.
    pub searches_unanswered: u64,
    /// Datagrams that were neither (replies, garbage).
    pub ignored: u64,
}

#[derive(Default)]
struct Counters {
    probes: AtomicU64,
    searches: AtomicU64,
    unanswered: AtomicU64,
    ignored: AtomicU64,
}

/// A running responder. Stops (and joins its thread, within ~50 ms) on
/// [`DiscoveryResponder::stop`] or drop.
pub struct DiscoveryResponder {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    multicast_addr: SocketAddrV4,
    ssdp_addr: SocketAddrV4,
    counters: Arc<Counters>,
    warnings: Vec<String>,
}

struct Endpoint {
    /// Bound to interface:port; answers are sent from it.
    unicast: UdpSocket,
    /// Bound to group:port, joined on the interface.
    group: Option<UdpSocket>,
}

impl DiscoveryResponder {
    /// Start answering discovery with the facts `info` returns.
    ///
    /// Errors: `Error::Discovery` if a port cannot be bound.
    pub fn start(info: InfoSource, opts: ResponderOptions) -> Result<DiscoveryResponder> {
        Self::start_optional(Arc::new(move || Some(info())), opts)
    }

    /// Answer for a running simulator: its serial number, name, addresses,
    /// live status mask, `set-ssdp` switch and HTTP port. Holds only a weak
    /// reference: once the simulator is dropped the responder falls silent
    /// (stop it too, to close its sockets).
    pub fn for_simulator(
        sim: &Arc<Simulator>,
        opts: ResponderOptions,
    ) -> Result<DiscoveryResponder> {
        let weak: Weak<Simulator> = Arc::downgrade(sim);
        Self::start_optional(
            Arc::new(move || weak.upgrade().map(|s| s.discovery_info())),
            opts,
        )
    }

    /// Like [`DiscoveryResponder::start`], for a device that is sometimes
    /// off: no answer while `info` returns `None`.
    pub fn start_optional(
        info: OptionalInfoSource,
        opts: ResponderOptions,
    ) -> Result<DiscoveryResponder> {
        let mut warnings = Vec::new();
        let setup = |e: io::Error, what: &str| Error::Discovery(format!("responder: {what}: {e}"));
        let m = endpoint(&opts, opts.multicast_port, &mut warnings)
            .map_err(|e| setup(e, "multicast port"))?;
        let m_port = local_port(&m.unicast).map_err(|e| setup(e, "multicast port"))?;
        let s = if opts.ssdp_port != 0 && opts.ssdp_port == m_port {
            None
        } else {
            Some(
                endpoint(&opts, opts.ssdp_port, &mut warnings)
                    .map_err(|e| setup(e, "SSDP port"))?,
            )
        };
        let s_port = match &s {
            Some(e) => local_port(&e.unicast).map_err(|e| setup(e, "SSDP port"))?,
            None => m_port,
        };
        if opts.reply_to_group {
            let _ = m.unicast.set_multicast_loop_v4(true);
            let _ = m.unicast.set_multicast_ttl_v4(1);
            if !opts.interface.is_unspecified()
                && let Err(e) = set_multicast_if(&m.unicast, opts.interface)
            {
                warnings.push(format!(
                    "cannot send to the group on {}: {e}",
                    opts.interface
                ));
            }
        }
        let location_host = opts.location_host.clone().unwrap_or_else(|| {
            if opts.interface.is_unspecified() {
                Ipv4Addr::LOCALHOST.to_string()
            } else {
                opts.interface.to_string()
            }
        });
        let ctx = Ctx {
            info,
            counters: Arc::new(Counters::default()),
            location_host,
            location_path: opts.location_path.clone(),
            reply_to_group: opts
                .reply_to_group
                .then_some(SocketAddrV4::new(DISCOVERY_GROUP, m_port)),
        };
        let counters = ctx.counters.clone();
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let thread = std::thread::Builder::new()
            .name("usapi-sim-discovery".into())
            .spawn(move || serve(ctx, m, s, stop2))
            .map_err(|e| Error::Discovery(format!("responder: cannot start its thread: {e}")))?;
        Ok(DiscoveryResponder {
            stop,
            thread: Some(thread),
            multicast_addr: SocketAddrV4::new(opts.interface, m_port),
            ssdp_addr: SocketAddrV4::new(opts.interface, s_port),
            counters,
            warnings,
        })
    }

    /// Where unicast multicast-protocol probes are answered ("127.0.0.1:2538").
    pub fn multicast_addr(&self) -> SocketAddrV4 {
        self.multicast_addr
    }

    /// Where unicast SSDP searches are answered.
    pub fn ssdp_addr(&self) -> SocketAddrV4 {
        self.ssdp_addr
    }

    /// Problems that did not stop the responder (e.g. the group could not
    /// be joined: then only unicast probes are answered).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// What was answered and ignored so far.
    pub fn stats(&self) -> ResponderStats {
        let c = &self.counters;
        ResponderStats {
            probes_answered: c.probes.load(Ordering::Relaxed),
            searches_answered: c.searches.load(Ordering::Relaxed),
            searches_unanswered: c.unanswered.load(Ordering::Relaxed),
            ignored: c.ignored.load(Ordering::Relaxed),
        }
    }

    /// Stop answering and close the sockets. Idempotent.
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for DiscoveryResponder {
    fn drop(&mut self) {
        self.stop();
    }
}

impl std::fmt::Debug for DiscoveryResponder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiscoveryResponder")
            .field("multicast_addr", &self.multicast_addr)
            .field("ssdp_addr", &self.ssdp_addr)
            .field("stats", &self.stats())
            .finish()
    }
}

fn local_port(s: &UdpSocket) -> io::Result<u16> {
    s.local_addr().map(|a| a.port())
}

fn endpoint(
    opts: &ResponderOptions,
    port: u16,
    warnings: &mut Vec<String>,
) -> io::Result<Endpoint> {
    let unicast = udp_socket(SocketAddrV4::new(opts.interface, port), true)?;
    unicast.set_nonblocking(true)?;
    let port = local_port(&unicast)?;
    let mut group = None;
    if opts.join_group {
        let joined = udp_socket(SocketAddrV4::new(group_bind_addr(), port), true).and_then(|g| {
            g.join_multicast_v4(&DISCOVERY_GROUP, &opts.interface)?;
            g.set_nonblocking(true)?;
            Ok(g)
        });
        match joined {
            Ok(g) => group = Some(g),
            Err(e) => warnings.push(format!(
                "cannot join {DISCOVERY_GROUP}:{port} on {}: {e}; only unicast probes are answered",
                opts.interface
            )),
        }
    }
    Ok(Endpoint { unicast, group })
}

struct Ctx {
    info: OptionalInfoSource,
    counters: Arc<Counters>,
    location_host: String,
    location_path: String,
    reply_to_group: Option<SocketAddrV4>,
}

fn serve(ctx: Ctx, m: Endpoint, s: Option<Endpoint>, stop: Arc<AtomicBool>) {
    // (socket, the endpoint whose unicast socket answers for it)
    let mut socks: Vec<(&UdpSocket, &UdpSocket)> = Vec::new();
    for e in std::iter::once(&m).chain(s.iter()) {
        socks.push((&e.unicast, &e.unicast));
        if let Some(g) = &e.group {
            socks.push((g, &e.unicast));
        }
    }
    let all: Vec<&UdpSocket> = socks.iter().map(|(s, _)| *s).collect();
    let mut buf = vec![0u8; 2049];
    while !stop.load(Ordering::SeqCst) {
        let ready = wait_readable(&all, Duration::from_millis(50));
        for (i, r) in ready.into_iter().enumerate() {
            if !r {
                continue;
            }
            let (sock, answer_from) = socks[i];
            // Bounded, so a flood cannot keep stop() waiting.
            for _ in 0..256 {
                match sock.recv_from(&mut buf) {
                    Ok((n, SocketAddr::V4(src))) if n < buf.len() => {
                        ctx.handle(&buf[..n], src, answer_from, &m.unicast)
                    }
                    Ok(_) => {
                        ctx.counters.ignored.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(_) => break,
                }
            }
        }
    }
}

enum Request {
    Probe,
    Search { st: String },
    Other,
}

fn parse_request(data: &[u8]) -> Request {
    let Ok(text) = std::str::from_utf8(data) else {
        return Request::Other;
    };
    let text = text.trim_start();
    if text.starts_with('{') {
        return match serde_json::from_str::<serde_json::Value>(text) {
            Ok(serde_json::Value::Object(m))
                if m.get("flag")
                    .and_then(|f| f.as_str())
                    .is_some_and(|f| f.eq_ignore_ascii_case("ssip"))
                    && !m.contains_key("serialnumber") =>
            {
                Request::Probe
            }
            _ => Request::Other,
        };
    }
    let Some(head) = text
        .split("\r\n\r\n")
        .next()
        .filter(|_| text.contains("\r\n\r\n"))
    else {
        return Request::Other;
    };
    let mut lines = head.split("\r\n");
    if lines
        .next()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        != Some(vec!["M-SEARCH", "*", "HTTP/1.1"])
    {
        return Request::Other;
    }
    let (mut man, mut st) = (None, None);
    for line in lines {
        let Some((k, v)) = line.split_once(':') else {
            return Request::Other;
        };
        match k.trim().to_ascii_uppercase().as_str() {
            "MAN" => man = Some(v.trim().to_string()),
            "ST" => st = Some(v.trim().to_string()),
            _ => {}
        }
    }
    match (man.as_deref(), st) {
        (Some("\"ssdp:discover\""), Some(st)) if !st.is_empty() => Request::Search { st },
        _ => Request::Other,
    }
}

impl Ctx {
    fn info(&self) -> Option<DiscoveryInfo> {
        // A panic in the simulator must not kill the responder thread.
        catch_unwind(AssertUnwindSafe(|| (self.info)()))
            .ok()
            .flatten()
    }

    fn handle(
        &self,
        data: &[u8],
        src: SocketAddrV4,
        answer_from: &UdpSocket,
        multicast_sock: &UdpSocket,
    ) {
        match parse_request(data) {
            Request::Probe => {
                let Some(info) = self.info() else { return };
                let body = probe_reply_json(&info);
                let (sock, dest) = match self.reply_to_group {
                    Some(group) => (multicast_sock, group),
                    None => (answer_from, src),
                };
                if sock.send_to(body.as_bytes(), dest).is_ok() {
                    self.counters.probes.fetch_add(1, Ordering::Relaxed);
                }
            }
            Request::Search { st } => {
                let Some(info) = self.info() else { return };
                let answer_st = match_search_target(&st, &info);
                match answer_st {
                    Some(answer_st) if info.ssdp_enabled => {
                        let location = format!(
                            "http://{}:{}{}",
                            self.location_host, info.http_port, self.location_path
                        );
                        let msg = ssdp_response(&info, &answer_st, &location);
                        if answer_from.send_to(msg.as_bytes(), src).is_ok() {
                            self.counters.searches.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    _ => {
                        self.counters.unanswered.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            Request::Other => {
                self.counters.ignored.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// The ST to answer a search for `st` with, if it concerns this device.
fn match_search_target(st: &str, info: &DiscoveryInfo) -> Option<String> {
    let uuid = device_uuid(&info.serialnumber);
    if st == "ssdp:all" || st == "upnp:rootdevice" {
        Some("upnp:rootdevice".to_string())
    } else if st == uuid || st == SIM_DEVICE_TYPE {
        Some(st.to_string())
    } else {
        None
    }
}

/// The multicast protocol's reply, in the vendor document's field order,
/// plus `http-port` (not in the document; clients ignore unknown fields):
/// a simulated fleet shares one address, so discovery must tell the port.
pub fn probe_reply_json(info: &DiscoveryInfo) -> String {
    let q = |s: &str| serde_json::Value::String(s.to_string()).to_string();
    format!(
        "{{\"version\":\"1.0\",\"flag\":\"ssip\",\"product\":{},\"boxname\":{},\"serialnumber\":{},\"wifiip\":{},\"ethip\":{},\"status\":{},\"http-port\":{}}}",
        q(&info.product),
        q(&info.boxname),
        q(&info.serialnumber),
        q(&info.wifiip),
        q(&info.ethip),
        info.status,
        info.http_port
    )
}

/// The SSDP answer: the UPnP headers plus `X-MAGEWELL-*` headers carrying
/// the multicast reply's fields (the client identifies the device by them).
pub fn ssdp_response(info: &DiscoveryInfo, st: &str, location: &str) -> String {
    let h = |s: &str| {
        s.chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect::<String>()
    };
    let uuid = device_uuid(&info.serialnumber);
    let usn = if st == uuid {
        uuid.clone()
    } else {
        format!("{uuid}::{st}")
    };
    format!(
        "HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=1800\r\nEXT:\r\nLOCATION: {}\r\nSERVER: Linux/5.10 UPnP/1.0 Magewell-Ultra-Stream-Simulator/{}\r\n\
         ST: {}\r\nUSN: {}\r\nBOOTID.UPNP.ORG: 1\r\nCONFIGID.UPNP.ORG: 1\r\n\
         X-MAGEWELL-PRODUCT: {}\r\nX-MAGEWELL-BOXNAME: {}\r\nX-MAGEWELL-SERIALNUMBER: {}\r\nX-MAGEWELL-ETHIP: {}\r\nX-MAGEWELL-WIFIIP: {}\r\nX-MAGEWELL-STATUS: {}\r\n\r\n",
        h(location),
        env!("CARGO_PKG_VERSION"),
        h(st),
        h(&usn),
        h(&info.product),
        h(&info.boxname),
        h(&info.serialnumber),
        h(&info.ethip),
        h(&info.wifiip),
        info.status
    )
}

/// A UPnP device description for the simulator, should it serve one (e.g.
/// at `/description.xml`, then set `ResponderOptions::location_path` to it).
pub fn upnp_description_xml(info: &DiscoveryInfo) -> String {
    let x = |s: &str| {
        s.chars()
            .filter(|c| !c.is_control())
            .collect::<String>()
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    format!(
        "<?xml version=\"1.0\"?>\n<root xmlns=\"urn:schemas-upnp-org:device-1-0\">\n<specVersion><major>1</major><minor>0</minor></specVersion>\n\
         <device>\n<deviceType>{SIM_DEVICE_TYPE}</deviceType>\n<friendlyName>{}</friendlyName>\n<manufacturer>Magewell</manufacturer>\n\
         <manufacturerURL>https://www.magewell.com/</manufacturerURL>\n<modelName>{}</modelName>\n<serialNumber>{}</serialNumber>\n\
         <UDN>{}</UDN>\n<presentationURL>/</presentationURL>\n</device>\n</root>\n",
        x(&info.boxname),
        x(&info.product),
        x(&info.serialnumber),
        device_uuid(&info.serialnumber)
    )
}

/// A stable `uuid:...` for a serial number (FNV-1a, not a real UUID v5).
pub fn device_uuid(serial: &str) -> String {
    let fnv = |seed: u64| {
        serial.bytes().fold(seed, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    };
    let (a, b) = (fnv(0xcbf2_9ce4_8422_2325), fnv(0x6d61_6765_7765_6c6c));
    format!(
        "uuid:{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> DiscoveryInfo {
        DiscoveryInfo {
            product: "Ultra Stream".into(),
            boxname: "Stage \"A\" <1>".into(),
            serialnumber: "A302190719003".into(),
            ethip: "192.168.1.217".into(),
            wifiip: "192.168.48.1".into(),
            status: 65600,
            ssdp_enabled: true,
            http_port: 8080,
        }
    }

    #[test]
    fn reply_has_the_documented_shape() {
        let v: serde_json::Value =
            serde_json::from_str(&probe_reply_json(&info())).unwrap_or_default();
        assert_eq!(v["flag"], "ssip");
        assert_eq!(v["version"], "1.0");
        assert_eq!(v["serialnumber"], "A302190719003");
        assert_eq!(v["boxname"], "Stage \"A\" <1>");
        assert_eq!(v["status"], 65600);
        // The document's eight fields, plus the HTTP port a fleet needs.
        assert_eq!(v["http-port"], 8080);
        assert_eq!(v.as_object().map(|m| m.len()), Some(9));
    }

    #[test]
    fn requests_are_recognised() {
        assert!(matches!(
            parse_request(br#"{"version":"1.0","flag":"ssip","request":"discover"}"#),
            Request::Probe
        ));
        assert!(matches!(
            parse_request(br#"{"flag":"ssip","serialnumber":"X"}"#),
            Request::Other
        ));
        let search = b"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 1\r\nST: ssdp:all\r\n\r\n";
        assert!(matches!(parse_request(search), Request::Search { st } if st == "ssdp:all"));
        assert!(matches!(
            parse_request(b"M-SEARCH * HTTP/1.1\r\nST: ssdp:all\r\n\r\n"),
            Request::Other
        ));
        assert!(matches!(parse_request(b"\xff\x00"), Request::Other));
        assert_eq!(
            match_search_target("upnp:rootdevice", &info()).as_deref(),
            Some("upnp:rootdevice")
        );
        assert_eq!(match_search_target("urn:other:device:X:1", &info()), None);
        let uuid = device_uuid("A302190719003");
        assert_eq!(match_search_target(&uuid, &info()), Some(uuid.clone()));
        assert_eq!(uuid.len(), "uuid:".len() + 36);
    }

    #[test]
    fn ssdp_and_description() {
        let r = ssdp_response(
            &info(),
            "upnp:rootdevice",
            "http://127.0.0.1:8080/usapi?method=ping",
        );
        assert!(r.starts_with("HTTP/1.1 200 OK\r\n") && r.ends_with("\r\n\r\n"));
        assert!(r.contains("\r\nLOCATION: http://127.0.0.1:8080/usapi?method=ping\r\n"));
        assert!(r.contains("\r\nX-MAGEWELL-SERIALNUMBER: A302190719003\r\n"));
        let x = upnp_description_xml(&info());
        assert!(x.contains("<friendlyName>Stage &quot;A&quot; &lt;1&gt;</friendlyName>"));
        assert!(x.contains("<manufacturer>Magewell</manufacturer>"));
    }
}
