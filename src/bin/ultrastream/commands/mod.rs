//! One module per command group; `run` sends each command to its own.

pub mod call;
pub mod completions;
pub mod device;
pub mod discover;
pub mod exporter;
pub mod media;
pub mod ops;
pub mod server;
pub mod sim;
pub mod users;

use crate::{Cli, CliResult, Command, usage};

/// The commands whose output has a `--table` form.
fn has_table(c: &Command) -> bool {
    use Command as C;
    match c {
        C::Info | C::Status | C::Settings | C::Ping | C::Discover(_) => true,
        C::Server(s) => matches!(s, server::ServerCmd::List),
        C::Media(m) => matches!(m, media::MediaCmd::List(_)),
        C::Users(u) => matches!(u, users::UsersCmd::List),
        _ => false,
    }
}

/// Run one parsed command line.
pub fn run(cli: Cli) -> CliResult {
    crate::progress::catch_interrupt();
    let g = &cli.global;
    if g.table && !has_table(&cli.command) {
        return usage(
            "--table does not apply to this command: its output is the device's reply or a stream of events (tables: info, status, settings, ping, server list, media list, users list, discover)",
        );
    }
    use Command as C;
    match cli.command {
        C::Info => device::show(g, "get-info"),
        C::Status => device::show(g, "get-status"),
        C::Settings => device::show(g, "get-settings"),
        C::Ping => device::show(g, "ping"),
        C::Rec { action } => device::start_stop(g, "rec", action),
        C::Live { action } => device::start_stop(g, "live", action),
        C::Server(c) => server::run(g, c),
        C::Media(c) => media::run(g, c),
        C::Format(a) => ops::format(g, a),
        C::Test(c) => ops::test(g, c),
        C::Firmware(c) => ops::firmware(g, c),
        C::Reboot(a) => ops::restart(g, "reboot", a),
        C::Reset(a) => ops::restart(g, "reset-all-settings", a),
        C::Wait(a) => ops::wait(g, a),
        C::Clear(a) => ops::clear(g, a),
        C::Users(c) => users::run(g, c),
        C::Call(a) => call::run(g, a),
        C::Discover(a) => discover::discover(g, a),
        C::Watch(a) => discover::watch(g, a),
        C::Exporter(a) => exporter::run(g, a),
        // main runs it (its own exit status).
        C::Sim(_) => Ok(()),
        C::Completions(a) => completions::run(a),
    }
}
