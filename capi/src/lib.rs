//! libultrastream: the C ABI of the `ultrastream` crate as a shared and a
//! static library. The functions themselves live in the crate's `ffi`
//! module (its `capi` feature); this package only links them into a
//! cdylib / staticlib, so a Rust user of `ultrastream` never builds the C
//! artefacts or cbindgen. Every `#[no_mangle] extern "C"` function of the
//! rlib is exported (tests/exports.rs checks each one the header declares).

// Referencing the module keeps the dependency linked in; its exports are
// the library's whole interface.
pub use ultrastream_rs::ffi;

#[cfg(test)]
mod drift;
#[cfg(test)]
mod generated;

// The generated header exists only with the `header` feature (a default).
#[cfg(all(test, feature = "header"))]
mod header_tests {
    /// The committed header must be what build.rs generates from src/ffi.
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
