//! Generates the C header from the crate's src/ffi with cbindgen into
//! OUT_DIR (the `header` feature, on by default). The committed copy,
//! include/ultrastream.h, is only rewritten when ULTRASTREAM_UPDATE_HEADER=1,
//! so a test can tell when it is stale. (Here, not in the crate's own
//! build.rs: a Rust user of `ultrastream` never builds cbindgen. Builds
//! that need only the library, the Python wheels, leave `header` out and
//! do not build it either.)

use std::path::PathBuf;

fn main() {
    soname();
    #[cfg(feature = "header")]
    header();
}

#[cfg(feature = "header")]
fn header() {
    println!("cargo:rerun-if-changed=../src/ffi");
    println!("cargo:rerun-if-changed=../cbindgen.toml");
    println!("cargo:rerun-if-changed=../Cargo.toml");
    println!("cargo:rerun-if-env-changed=ULTRASTREAM_UPDATE_HEADER");
    // The crate (the workspace root) is this package's parent folder.
    let manifest_dir =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let crate_dir = manifest_dir
        .parent()
        .expect("capi/ lies inside the crate")
        .to_path_buf();
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
        "\n/** Major version of this header (and of the library it belongs to). */\n#define USAPI_VERSION_MAJOR {major}\n/** Minor version. */\n#define USAPI_VERSION_MINOR {minor}\n/** Patch version. */\n#define USAPI_VERSION_PATCH {patch}\n/** MAJOR * 10000 + MINOR * 100 + PATCH, for comparisons in the preprocessor. */\n#define USAPI_VERSION_NUM {}\n/** The version as text; usapi_version() gives the library's at run time. */\n#define USAPI_VERSION_STRING \"{version}\"\n{}",
        major * 10000 + minor * 100 + patch,
        // The simulator's functions are in the library when its feature is on.
        if std::env::var_os("CARGO_FEATURE_SIMULATOR").is_some() {
            "/** Defined when the library has the simulator (usapi_sim_*). */\n#define USAPI_HAS_SIMULATOR 1\n"
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

/// Release builds on Linux: the shared library carries the soname
/// libultrastream.so.MAJOR (what `make install` installs), and the folder it
/// lands in gets a libultrastream.so.MAJOR link to it, so programs linked
/// in-tree against target/release still load. Every release build (`make`,
/// `cargo build --release`, the Python wheel) is the same build, so none
/// rebuilds another's library. Debug builds stay without a soname.
fn soname() {
    println!("cargo:rerun-if-env-changed=PROFILE");
    let linux = std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux");
    if !linux || std::env::var("PROFILE").as_deref() != Ok("release") {
        return;
    }
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_else(|_| "0".into());
    let soname = format!("libultrastream.so.{major}");
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{soname}");
    // OUT_DIR is <target>/<profile>/build/<pkg>-<hash>/out.
    let Some(out) = std::env::var_os("OUT_DIR") else {
        return;
    };
    if let Some(dir) = PathBuf::from(out).ancestors().nth(3) {
        let link = dir.join(&soname);
        if std::fs::symlink_metadata(&link).is_err() {
            #[cfg(unix)]
            let _ = std::os::unix::fs::symlink("libultrastream.so", &link);
        }
    }
}
