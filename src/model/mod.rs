//! Shared by the client and the simulator: result codes, status flags,
//! reply types.
//!
//! Layer: model, the bottom: uses no other module of the crate.

pub mod caps;
pub mod codes;
pub mod limits;
pub mod replies;
pub mod servers;
pub mod status;

pub use replies::*;
pub mod timezones;
