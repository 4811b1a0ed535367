//! call METHOD KEY=VALUE...: any API method by name.

use super::server::key_values;
use crate::output::finish;
use crate::session::connect;
use crate::vendor::did_you_mean;
use crate::{CliResult, Global, usage};
use clap::Args;
use ultrastream::api::{METHODS, Transport};

/// `call` arguments.
#[derive(Args)]
#[command(
    after_help = "Values are sent exactly as given (percent-encoded on the wire); the
parameters of the document's methods are checked before anything is sent.
Example:
  ultrastream call set-rec-control usb-option=1 sd-option=0 mime-type=0 \\
      root-folder=REC file-prefix=VID time-unit=5"
)]
pub struct CallArgs {
    /// The API method (get-status, set-name, ...).
    method: String,
    /// Its parameters.
    #[arg(value_name = "KEY=VALUE")]
    params: Vec<String>,
    /// Send a method the API document does not list (firmware newer than the document).
    #[arg(long)]
    raw: bool,
}

/// Run `call`.
pub fn run(g: &Global, a: CallArgs) -> CliResult {
    let spec = METHODS.iter().find(|m| m.name == a.method);
    match spec {
        None if !a.raw => {
            let names: Vec<String> = METHODS.iter().map(|m| m.name.to_string()).collect();
            return usage(format!(
                "'{}' is not a method of the API document{}; nothing was sent (`ultrastream call --raw {}` sends it anyway, for firmware newer than the document)",
                a.method,
                did_you_mean(&a.method, &names),
                a.method
            ));
        }
        Some(m) if m.transport != Transport::Get => {
            let cmd = match m.name {
                "del-media-files" => "ultrastream media remove usb|sd NAME...",
                _ => "ultrastream firmware upload FILE",
            };
            return usage(format!(
                "{} sends a body, not KEY=VALUE parameters: use `{cmd}`",
                m.name
            ));
        }
        _ => {}
    }
    let params = key_values(&a.params)?;
    let borrowed: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    // The document's rules first: a mistake is a usage error, and nothing
    // (not even the login) is sent.
    if let Some(m) = spec {
        ultrastream::validate::check(m.method, &borrowed).map_err(|e| crate::fail(&e))?;
    }
    let login = spec.is_none_or(|m| m.needs_login);
    let s = connect(g, login)?;
    finish(s.dev.call(&a.method, &borrowed))
}
