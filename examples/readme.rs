//! The README's Rust example (tests/it/docs.rs runs it; the README shows it as is):
//! a device's status and settings, or the simulator's when given no address.
//!
//!     cargo run --example readme [-- ADDRESS]

use ultrastream::sim::{SimOptions, Simulator};
use ultrastream::{Device, Options};

fn main() -> Result<(), ultrastream::Error> {
    // A device's address as the first argument, or the built-in simulator.
    let arg = std::env::args().nth(1);
    let sim = match arg {
        Some(_) => None,
        None => Some(Simulator::start(SimOptions::default())?),
    };
    let host = arg.unwrap_or_else(|| sim.as_ref().map(Simulator::host).unwrap_or_default());
    let dev = Device::connect(&host, Options::default())?;
    dev.login("Admin", "Admin")?;
    let status = dev.get_status()?; // typed reply
    println!("recording: {}", status.cur_status & 0x02 != 0);
    let raw = dev.call("get-settings", &[])?; // any method; raw JSON too
    println!("{}", raw.body);
    dev.logout()?; // the device has two session slots: give this one back
    Ok(())
}
