//! Discovery of real simulators (`ultrastream::sim::Simulator`) through
//! `DiscoveryResponder::for_simulator`: the status mask follows recording
//! and live started through the API, `set-ssdp 0` silences SSDP, and the
//! SSDP LOCATION leads back to the simulator. Loopback unicast only.

use std::sync::Arc;
use std::time::Duration;
use ultrastream::discovery::{self, DiscoverOptions, DiscoverResult, Protocol, Protocols};
use ultrastream::model::status::{STATUS_LIVING, STATUS_RECORD};
use ultrastream::sim::discovery::{DiscoveryResponder, ResponderOptions};
use ultrastream::sim::{SimOptions, Simulator};
use ultrastream::{Device, Options};

struct SimDevice {
    sim: Arc<Simulator>,
    responder: DiscoveryResponder,
}

fn sim_device(serial: &str) -> SimDevice {
    let sim = Arc::new(
        Simulator::start(SimOptions {
            serial: Some(serial.into()),
            ..SimOptions::default()
        })
        .expect("simulator starts"),
    );
    let responder =
        DiscoveryResponder::for_simulator(&sim, ResponderOptions::ephemeral()).expect("responder");
    SimDevice { sim, responder }
}

fn login(sim: &Simulator) -> Device {
    let d = Device::connect(&sim.host(), Options::default()).expect("connect");
    d.login("Admin", "Admin").expect("login");
    d
}

fn discover(targets: Vec<String>, protocols: Protocols) -> DiscoverResult {
    let opts = DiscoverOptions {
        timeout: Duration::from_millis(400),
        local_address: Some(std::net::Ipv4Addr::LOCALHOST),
        protocols,
        targets,
        ..Default::default()
    };
    discovery::discover(&opts).expect("discover")
}

#[test]
fn simulators_are_found_once_each_and_set_ssdp_0_silences_ssdp() {
    let devs = [
        sim_device("SIMDISC001"),
        sim_device("SIMDISC002"),
        sim_device("SIMDISC003"),
    ];
    let d3 = login(&devs[2].sim);
    d3.set_ssdp(false).expect("set-ssdp 0");

    let targets: Vec<String> = devs
        .iter()
        .flat_map(|d| {
            [
                d.responder.multicast_addr().to_string(),
                d.responder.ssdp_addr().to_string(),
            ]
        })
        .collect();
    let r = discover(targets.clone(), Protocols::BOTH);
    let mut serials: Vec<&str> = r.devices.iter().map(|d| d.serialnumber.as_str()).collect();
    serials.sort();
    assert_eq!(
        serials,
        ["SIMDISC001", "SIMDISC002", "SIMDISC003"],
        "{r:#?}"
    );
    for (dev, found) in devs.iter().zip(["SIMDISC001", "SIMDISC002", "SIMDISC003"]) {
        let d = r
            .devices
            .iter()
            .find(|d| d.serialnumber == found)
            .expect("found");
        let info = dev.sim.discovery_info();
        assert_eq!(d.boxname, info.boxname);
        assert_eq!(d.product, info.product);
        assert_eq!(d.ethip, info.ethip);
        assert_eq!(d.wifiip, info.wifiip);
        assert_eq!(d.status, Some(info.status));
        if found == "SIMDISC003" {
            assert_eq!(
                d.protocols,
                vec![Protocol::Multicast],
                "set-ssdp 0: multicast only"
            );
        } else {
            assert_eq!(d.protocols, vec![Protocol::Multicast, Protocol::Ssdp]);
            // LOCATION leads back to the simulator: ping it there.
            let location = &d.ssdp.as_ref().expect("ssdp").location;
            let host = location
                .trim_start_matches("http://")
                .split('/')
                .next()
                .expect("host");
            assert_eq!(host, dev.sim.host());
            let ping = Device::connect(host, Options::default())
                .expect("connect")
                .ping()
                .expect("ping");
            assert_eq!(ping.result, 0);
        }
    }

    // set-ssdp 1 again: SSDP finds it.
    d3.set_ssdp(true).expect("set-ssdp 1");
    let r = discover(targets, Protocols::SSDP);
    assert_eq!(r.devices.len(), 3, "{r:#?}");
}

#[test]
fn status_mask_follows_recording() {
    let dev = sim_device("SIMDISC010");
    let target = vec![dev.responder.multicast_addr().to_string()];
    let before = discover(target.clone(), Protocols::MULTICAST);
    let mask = before.devices[0].status.expect("status");
    assert_eq!(
        mask & (STATUS_RECORD | STATUS_LIVING),
        0,
        "idle at start: {mask:#x}"
    );

    let d = login(&dev.sim);
    d.start_rec().expect("start-rec");
    let rec = discover(target.clone(), Protocols::MULTICAST);
    let dd = &rec.devices[0];
    assert_ne!(dd.status.expect("status") & STATUS_RECORD, 0, "{dd:#?}");
    assert!(dd.status_flags.contains(&"statusRecord"));
    assert_eq!(dd.status, Some(dev.sim.discovery_info().status));

    d.stop_rec().expect("stop-rec");
    let after = discover(target, Protocols::MULTICAST);
    assert_eq!(after.devices[0].status.expect("status") & STATUS_RECORD, 0);
}

#[test]
fn a_dropped_simulator_falls_silent() {
    let SimDevice { sim, responder } = sim_device("SIMDISC020");
    let target = vec![responder.multicast_addr().to_string()];
    assert_eq!(
        discover(target.clone(), Protocols::MULTICAST).devices.len(),
        1
    );
    drop(sim);
    assert!(discover(target, Protocols::MULTICAST).devices.is_empty());
}
