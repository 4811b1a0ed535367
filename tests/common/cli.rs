//! Set-up shared by the tests of the `ultrastream` command (tests/it/cli.rs,
//! cli_ux.rs, cli_fleet.rs): the program, simulators to aim it at, and a
//! command with nothing from the caller's environment.
//! Declared once in tests/it/main.rs (`mod cli_common`).

use crate::harness;
use std::process::{Command, Output, Stdio};
use std::time::Duration;
use ultrastream::sim::{SimOptions, Simulator};

/// The `ultrastream` program cargo built for the tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_ultrastream");

/// A simulator with a manual clock: operations move only when the test
/// advances it (nothing depends on the machine's speed).
pub fn sim_manual() -> Simulator {
    Simulator::start(SimOptions {
        time_scale: 0.0,
        ..SimOptions::default()
    })
    .expect("simulator starts")
}

/// A simulator whose clock runs 100 times faster (operations end sooner;
/// the command polls their state, so nothing depends on the machine's speed).
pub fn sim_fast() -> Simulator {
    Simulator::start(SimOptions {
        time_scale: 100.0,
        ..SimOptions::default()
    })
    .expect("simulator starts")
}

/// `ultrastream ARGS` with no ULTRASTREAM_* from the caller's environment
/// and no terminal (so it never prompts).
pub fn cmd(args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args)
        .env_remove("ULTRASTREAM_HOST")
        .env_remove("ULTRASTREAM_USER")
        .env_remove("ULTRASTREAM_PASSWORD")
        .env_remove("ULTRASTREAM_NEW_PASSWORD")
        .stdin(Stdio::null());
    c
}

/// `cmd` aimed at `sim` with its password.
pub fn at(sim: &Simulator, args: &[&str]) -> Command {
    let mut c = cmd(args);
    c.env("ULTRASTREAM_HOST", sim.host())
        .env("ULTRASTREAM_PASSWORD", "Admin");
    c
}

/// Generous: a loaded machine must not fail the test.
pub fn run(c: &mut Command) -> Output {
    harness::run(c, Duration::from_secs(120))
}

/// Run against `sim` with the password from the environment; require exit
/// 0; its standard output.
pub fn ok(sim: &Simulator, args: &[&str]) -> String {
    let out = run(&mut at(sim, args));
    assert!(
        out.status.success(),
        "ultrastream {args:?} failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Its standard output, as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Its standard error, as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
