//! Long operations run to the end: start, poll the right block of
//! get-status, report progress, clear, return the final reply (DESIGN.md
//! "Long operations and watching").
//!
//! Layer: above the client (built on `Device`), below ffi / cli. Progress
//! is reported through [`Progress`] (defined in `crate::progress`, shared
//! with the client's streamed upload, re-exported here).

pub mod busy;
mod download;
mod power;
pub mod restart;
mod run;

pub use run::{RunOptions, required_write_bps};

pub use crate::progress::{Flow, Progress, ProgressFn, percent_of};
