//! docs/fleet.md's many-devices call: set the name of every device of a
//! fleet at once (`cargo run --example fleet`; hosts as arguments, or four
//! simulators by default).

use std::sync::Arc;
use ultrastream::Device;
use ultrastream::engine::{CallManyOptions, call_many};
use ultrastream::sim::{SimOptions, Simulator};

fn main() -> Result<(), ultrastream::Error> {
    // Hosts as arguments, or four simulated devices.
    let mut hosts: Vec<String> = std::env::args().skip(1).collect();
    let mut sims = Vec::new();
    if hosts.is_empty() {
        for _ in 0..4 {
            let sim = Simulator::start(SimOptions::default())?;
            hosts.push(sim.host());
            sims.push(sim);
        }
    }
    let devices: Vec<Arc<Device>> = hosts
        .iter()
        .map(|h| Device::connect(h, Default::default()).map(Arc::new))
        .collect::<Result<_, _>>()?;
    for d in &devices {
        d.login("Admin", "Admin")?;
    }
    let opts = CallManyOptions {
        max_in_flight: 64,
        timeout: None,
    };
    call_many(
        &devices,
        "set-name",
        &[("name", "Stage-left")],
        &opts,
        &mut |r| match r.result {
            Ok(reply) => println!("{}: {}", devices[r.index].host(), reply.result),
            Err(e) => eprintln!("{}: {e}", devices[r.index].host()),
        },
    )?;
    for d in &devices {
        d.logout()?; // give the session slot back
    }
    Ok(())
}
