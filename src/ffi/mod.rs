//! The C ABI: a thin skin over the safe Rust API. Conventions (see
//! DESIGN.md): `usapi_` prefix, `int32_t` results (0 success, device codes
//! unchanged, library codes from -1000 down), opaque generation-checked
//! handles, strings out freed with `usapi_string_free`, one panic boundary
//! per export, thread-safe throughout.
//!
//! # Safety
//!
//! One contract covers every `unsafe extern "C"` function here (and the
//! header says it once): pointer arguments are NULL or valid for the call
//! (strings NUL-terminated, structs and arrays fully readable, out-pointers
//! writable); strings out are released only with `usapi_string_free`.
//! NULL where a value is required is reported, never dereferenced.
//!
//! Layer: top (with the CLI); nothing else in the crate uses it.
#![allow(non_camel_case_types)]
// The shared contract above replaces a `# Safety` section per function.
#![allow(clippy::missing_safety_doc)]

mod boundary;
mod consts;
mod device;
mod discovery;
mod fleet;
mod handles;
mod methods;
mod ops;
mod progress;
#[cfg(feature = "simulator")]
mod sim;
mod summary;
mod typed;
mod watch;

pub use consts::*;
pub use device::*;
pub use discovery::*;
pub use fleet::*;
pub use methods::*;
pub use ops::*;
pub use progress::*;
#[cfg(feature = "simulator")]
pub use sim::*;
pub use summary::*;
pub use typed::*;
pub use watch::*;

pub(crate) use boundary::{
    Failure, FfiResult, guard, opt_str_arg, out_arg, ref_arg, str_arg, write_owned_string,
    write_string,
};
pub(crate) use handles::HandleMap;

/// Success. The same value as USAPI_RET_SUCCEED.
pub const USAPI_OK: i32 = 0;
