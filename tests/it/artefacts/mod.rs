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

/// A target folder of its own under this run's, for the release builds
/// that share no compiled unit with the plain release build of
/// target/release, only cargo's lock on it: the manylinux wheel's
/// (cargo-zigbuild's linker setting for the host's own triple reaches the
/// build scripts and proc-macros too) and the Windows DLL's (stripped, and
/// its build scripts and proc-macros resolve fewer features). In the
/// shared folder they only queued behind each other.
pub fn own_target_dir(name: &str) -> std::path::PathBuf {
    crate::harness::target_dir().join(name)
}

/// `program` at a lower scheduling priority (`nice -n 10`, inherited by
/// cargo and rustc), for the builds no other test waits for (the manylinux
/// and Windows wheels and DLL, the crate as a package and as a dependency):
/// the plain release build that `make install` and pip wait for, and the
/// short tests, get the cores first, and these builds fill the gaps.
pub fn in_background(program: impl AsRef<std::ffi::OsStr>) -> std::process::Command {
    let mut nice = std::process::Command::new("nice");
    nice.args(["-n", "10"]).arg(program);
    nice
}
