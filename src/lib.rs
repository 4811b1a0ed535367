//! ultrastream: control Magewell Ultra Stream HDMI / SDI encoders over
//! their HTTP API, from Rust, C, C++ and Python, with a faithful simulator.
//!
//! ```no_run
//! let dev = ultrastream::Device::connect("10.0.0.5", Default::default())?;
//! dev.login("Admin", "Admin")?;
//! let status = dev.get_status()?;
//! println!("recording: {}", status.cur_status & 0x02 != 0);
//! # Ok::<(), ultrastream::Error>(())
//! ```

// Every public item says what it is for (clippy's -D warnings makes this
// an error): the reference users read is `cargo doc`.
#![warn(missing_docs)]

pub mod api;
pub mod client;
pub mod discovery;
pub mod engine;
pub mod error;
#[cfg(feature = "exporter")]
pub mod exporter;
#[doc(hidden)]
pub mod fuzzing;
pub mod http;
pub mod model;
pub mod ops;
pub mod progress;
pub mod redact;
pub mod validate;
pub mod watch;

/// The C ABI (`usapi_*`), built into libultrastream by the `capi/` package;
/// Rust users leave the `capi` feature off and never compile it.
#[cfg(feature = "capi")]
pub mod ffi;

#[cfg(feature = "simulator")]
pub mod sim;

pub use api::{METHODS, Method};
pub use client::{Device, Error, Options, Reply, Result, md5_hex};
pub use discovery::{DiscoverOptions, DiscoverResult, DiscoveredDevice, discover, discover_each};
pub use watch::{Watch, WatchOptions};

#[cfg(test)]
mod layers {
    /// The layers go one way (issue 21, docs/architecture.md):
    /// scripts/module-graph.py lists the `crate::X` edges between top-level
    /// modules and exits 1 when they form a circle or one goes up the layers.
    #[test]
    fn no_module_circle() {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/module-graph.py");
        let out = std::process::Command::new("python3")
            .arg(script)
            .output()
            .expect("python3 is needed to check the module layers (apt-get install python3)");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && text.contains("no circle"),
            "{text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
