//! The UDP sockets discovery and the simulator's responder use (socket2),
//! the group membership, waiting for readability, listing interfaces.

use super::{DISCOVERY_GROUP, DiscoverOptions};
use std::io;
use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
use std::time::Duration;

// ---------------------------------------------------------------------------
// Sockets.

pub(super) fn probe_socket(
    ip: Ipv4Addr,
    opts: &DiscoverOptions,
    unicast: bool,
) -> io::Result<UdpSocket> {
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
pub(super) fn group_socket(
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
pub(super) fn local_ipv4_interfaces() -> Vec<Ipv4Addr> {
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
            if !out.contains(&ip) && out.len() < super::MAX_INTERFACES {
                out.push(ip);
            }
        }
        libc::freeifaddrs(ifap);
    }
    out
}

#[cfg(not(unix))]
pub(super) fn local_ipv4_interfaces() -> Vec<Ipv4Addr> {
    Vec::new()
}
