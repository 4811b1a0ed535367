//! The simulator answers discovery when asked to: from Rust options, from
//! the C ABI's JSON options, and from the `ultrastream-sim` program; silent
//! while rebooting. Loopback unicast only.

use crate::sim_support::SimProgram;
use std::ffi::CString;
use std::time::Duration;
use ultrastream::discovery::{DiscoverOptions, Protocols, discover};
use ultrastream::ffi::*;
use ultrastream::sim::{ResponderOptions, SimOptions, Simulator};
use ultrastream::{Device, Options};

fn find(target: String, protocols: Protocols) -> Vec<String> {
    let opts = DiscoverOptions {
        timeout: Duration::from_millis(400),
        local_address: Some(std::net::Ipv4Addr::LOCALHOST),
        protocols,
        targets: vec![target],
        ..Default::default()
    };
    discover(&opts)
        .expect("discover")
        .devices
        .into_iter()
        .map(|d| d.serialnumber)
        .collect()
}

#[test]
fn rust_options_start_a_responder_that_follows_the_device() {
    let sim = Simulator::start(SimOptions {
        serial: Some("WIRED001".into()),
        discovery: Some(ResponderOptions::ephemeral()),
        ..SimOptions::default()
    })
    .unwrap();
    let (m, s) = sim.discovery_addrs().expect("discovery is on");
    assert_eq!(find(m.to_string(), Protocols::MULTICAST), ["WIRED001"]);
    assert_eq!(find(s.to_string(), Protocols::SSDP), ["WIRED001"]);

    let dev = Device::connect(&sim.host(), Options::default()).unwrap();
    dev.login("Admin", "Admin").unwrap();
    dev.set_ssdp(false).unwrap();
    assert!(
        find(s.to_string(), Protocols::SSDP).is_empty(),
        "set-ssdp 0 silences SSDP"
    );
    assert_eq!(find(m.to_string(), Protocols::MULTICAST), ["WIRED001"]);

    dev.set_startup_rec(false).unwrap();
    dev.reboot().unwrap();
    sim.control(r#"{"cmd":"advance","ms":1000}"#).unwrap();
    assert!(
        find(m.to_string(), Protocols::MULTICAST).is_empty(),
        "a rebooting device is silent"
    );
    sim.control(r#"{"cmd":"advance","ms":60000}"#).unwrap();
    assert_eq!(find(m.to_string(), Protocols::MULTICAST), ["WIRED001"]);
}

#[test]
fn without_discovery_options_the_simulator_is_silent() {
    let sim = Simulator::start(SimOptions::default()).unwrap();
    assert!(sim.discovery_addrs().is_none());
    let mut m = 0u16;
    let mut s = 0u16;
    let mut h = 0;
    unsafe {
        assert_eq!(usapi_sim_start(c"{}".as_ptr(), &mut h), 0);
        assert_eq!(
            usapi_sim_discovery_ports(h, &mut m, &mut s),
            USAPI_E_SIMULATOR
        );
        usapi_sim_stop(h);
    }
}

#[test]
fn c_json_options_enable_discovery() {
    let opts = CString::new(r#"{"serial":"WIRED002","discovery_port":0,"ssdp_port":0}"#).unwrap();
    let mut h = 0;
    let (mut m, mut s) = (0u16, 0u16);
    unsafe {
        assert_eq!(usapi_sim_start(opts.as_ptr(), &mut h), 0);
        assert_eq!(usapi_sim_discovery_ports(h, &mut m, &mut s), 0);
    }
    assert!(m != 0 && s != 0 && m != s);
    assert_eq!(
        find(format!("127.0.0.1:{m}"), Protocols::MULTICAST),
        ["WIRED002"]
    );
    assert_eq!(
        find(format!("127.0.0.1:{s}"), Protocols::SSDP),
        ["WIRED002"]
    );
    assert_eq!(usapi_sim_stop(h), 0);
    let bad = CString::new(r#"{"discovery":"yes"}"#).unwrap();
    assert_eq!(
        unsafe { usapi_sim_start(bad.as_ptr(), &mut h) },
        USAPI_E_SIMULATOR
    );
}

#[test]
fn the_program_answers_discovery() {
    let program = SimProgram::start(&[
        "--port",
        "0",
        "--serial",
        "WIREDBIN",
        "--discovery-port",
        "0",
        "--ssdp-port",
        "0",
    ]);
    let first = program.line();
    assert!(first.contains("listening on http://127.0.0.1:"), "{first}");
    let second = program.line();
    // "... answering discovery on udp 127.0.0.1:M (multicast protocol) and udp 127.0.0.1:S (SSDP)"
    let addrs: Vec<String> = second
        .split_whitespace()
        .filter(|w| w.starts_with("127.0.0.1:"))
        .map(String::from)
        .collect();
    assert_eq!(addrs.len(), 2, "{second}");
    let found = find(addrs[0].clone(), Protocols::MULTICAST);
    let found_ssdp = find(addrs[1].clone(), Protocols::SSDP);
    drop(program);
    assert_eq!(found, ["WIREDBIN"]);
    assert_eq!(found_ssdp, ["WIREDBIN"]);
}
