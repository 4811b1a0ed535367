//! What we ship, built as it ships, by running cargo again outside this
//! test run's own build: the Python wheels (manylinux from the sdist,
//! Windows), the Windows DLL under Wine, and the crate as a package and a
//! dependency. Each spends most of a minute compiling in release or for
//! another target.
//!
//! Named to sort first on purpose: libtest starts tests in name order, so
//! these long builds begin at once and the many short tests fill the cores
//! while they compile, instead of the builds running alone at the end.

mod rust_crate;
mod wheel;
mod windows;

/// A target folder of its own under this run's, for the manylinux wheel's
/// release build: it shares no compiled unit with the other release builds
/// (cargo-zigbuild's linker setting for the host's own triple reaches the
/// build scripts and proc-macros too), only cargo's lock on
/// target/release, which made it wait for them and them for it. Apart, it
/// builds beside them.
pub fn own_target_dir(name: &str) -> std::path::PathBuf {
    crate::harness::target_dir().join(name)
}
