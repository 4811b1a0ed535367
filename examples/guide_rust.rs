//! The Rust guide's program (docs/rust.md; tests/it/docs.rs checks they stay
//! the same and runs it): a long operation with progress, and an error's
//! stable code, on the built-in simulator.
//!
//!     cargo run --example guide_rust

use std::ops::ControlFlow;
use ultrastream::model::codes;
use ultrastream::ops::{Progress, RunOptions};
use ultrastream::sim::{SimOptions, Simulator};
use ultrastream::{Device, Error, Options};

fn main() -> Result<(), Error> {
    // The simulator's clock 50 times faster: a format takes a moment.
    let sim = Simulator::start(SimOptions {
        time_scale: 50.0,
        ..SimOptions::default()
    })?;
    let dev = Device::connect(&sim.host(), Options::default())?;
    dev.login("Admin", "Admin")?;

    // A long operation to its end: start, poll, progress, clear.
    let mut progress = |p: &Progress<'_>| {
        println!("{} {} {}%", p.operation, p.phase, p.percent);
        ControlFlow::Continue(()) // ControlFlow::Break(()) cancels
    };
    let reply = dev.run_format_usb(&RunOptions::default(), &mut progress)?;
    println!("format-usb: {}", reply.body);

    // Every error has a stable code, the same in C and Python.
    if let Err(e) = dev.call("no-such-method", &[]) {
        println!("{} ({}): {e}", codes::name(e.code()), e.code());
    }
    dev.logout()?;
    Ok(())
}
