//! Merging answers into one [`DiscoveredDevice`] per device: by serial
//! number, else by USN or address; every address and protocol kept.

use super::multicast::ReplyFields;
use super::run::{Run, Step};
use super::ssdp::parse_http_url;
use super::{DiscoveredDevice, MAX_ADDRESSES, MAX_EXTRA_FIELDS, Protocol, SsdpInfo};
use crate::model::status::status_flag_names;
use std::net::Ipv4Addr;

impl Run<'_> {
    pub(super) fn found(
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

    pub(super) fn merge(
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
    pub(super) fn find(
        &self,
        src: Ipv4Addr,
        r: &ReplyFields,
        ssdp: Option<&SsdpInfo>,
    ) -> Option<usize> {
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

pub(super) enum Merge {
    New(usize),
    Existing,
    OverCap,
}

pub(super) fn merge_into(
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
