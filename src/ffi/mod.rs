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
    Failure, FfiResult, guard, opt_str_arg, out_arg, ref_arg, str_arg, write_string,
};
pub(crate) use handles::HandleMap;

/// Success. The same value as USAPI_RET_SUCCEED.
pub const USAPI_OK: i32 = 0;

#[cfg(test)]
mod header_tests {
    /// The committed header must be what build.rs generates from this code.
    #[test]
    fn committed_header_is_current() {
        let generated = include_str!(concat!(env!("OUT_DIR"), "/ultrastream.h"));
        let committed = include_str!("../../include/ultrastream.h");
        assert!(
            generated == committed,
            "include/ultrastream.h is stale: regenerate it with `ULTRASTREAM_UPDATE_HEADER=1 cargo build` and commit it"
        );
    }

    /// The version macros must match Cargo.toml.
    #[test]
    fn version_macros_match_cargo_toml() {
        let header = include_str!("../../include/ultrastream.h");
        let version = env!("CARGO_PKG_VERSION");
        let mut parts = version.split('.');
        for (macro_name, want) in [
            ("USAPI_VERSION_MAJOR", parts.next()),
            ("USAPI_VERSION_MINOR", parts.next()),
            ("USAPI_VERSION_PATCH", parts.next()),
        ] {
            let want = want.unwrap_or("0");
            let line = format!("#define {macro_name} {want}\n");
            assert!(header.contains(&line), "header lacks `{}`", line.trim());
        }
        assert!(header.contains(&format!("#define USAPI_VERSION_STRING \"{version}\"")));
    }
}
