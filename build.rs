//! Generates the C header from src/ffi with cbindgen into OUT_DIR. The
//! committed copy, include/ultrastream.h, is only rewritten when
//! ULTRASTREAM_UPDATE_HEADER=1, so a test can tell when it is stale.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=src/ffi");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=Cargo.toml");
    println!("cargo:rerun-if-env-changed=ULTRASTREAM_UPDATE_HEADER");
    let crate_dir =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out =
        PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("ultrastream.h");
    let version = std::env::var("CARGO_PKG_VERSION").expect("cargo sets CARGO_PKG_VERSION");
    let mut parts = version.split('.').map(|p| {
        p.split('-')
            .next()
            .unwrap_or("0")
            .parse::<u32>()
            .unwrap_or(0)
    });
    let (major, minor, patch) = (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    );
    let mut config =
        cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("cbindgen.toml parses");
    config.after_includes = Some(format!(
        "\n#define USAPI_VERSION_MAJOR {major}\n#define USAPI_VERSION_MINOR {minor}\n#define USAPI_VERSION_PATCH {patch}\n#define USAPI_VERSION_NUM {}\n#define USAPI_VERSION_STRING \"{version}\"\n{}",
        major * 10000 + minor * 100 + patch,
        // The simulator's functions are in the library when its feature is on.
        if std::env::var_os("CARGO_FEATURE_SIMULATOR").is_some() {
            "#define USAPI_HAS_SIMULATOR 1\n"
        } else {
            ""
        }
    ));
    match cbindgen::Builder::new()
        .with_src(crate_dir.join("src/ffi/mod.rs"))
        .with_config(config)
        .generate()
    {
        Ok(bindings) => {
            bindings.write_to_file(&out);
            if std::env::var("ULTRASTREAM_UPDATE_HEADER").as_deref() == Ok("1") {
                bindings.write_to_file(crate_dir.join("include/ultrastream.h"));
            }
        }
        // A syntax error in src/ffi is reported by rustc itself, more clearly.
        Err(e) => println!("cargo:warning=cbindgen failed: {e}"),
    }
}
