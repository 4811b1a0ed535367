//! sim: the simulator (the ultrastream-sim program), and `sim firmware
//! FILE`, a test firmware file the simulator accepts.

use crate::{CliError, CliResult};
use clap::Args;
use std::process::ExitCode;

/// Everything after `sim` is the simulator's (its own --help lists it).
#[derive(Args)]
pub struct SimArgs {
    /// The simulator's options, or `firmware FILE [--model hdmi|sdi] [--version X.Y.Z]`.
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "ARGS"
    )]
    args: Vec<String>,
}

#[cfg(feature = "simulator")]
const FIRMWARE_HELP: &str = "\
ultrastream sim firmware: write a test firmware file (.mwf) that the simulator
accepts (`ultrastream firmware update FILE`); never for a real device.

Usage: ultrastream sim firmware FILE [--model hdmi|sdi] [--version X.Y.Z]

  --model hdmi|sdi   the model it is for (default hdmi; the other refuses it
                     with errMWFUnsupported)
  --version X.Y.Z    the version it installs (default 1.2.123, as Python's
                     write_test_firmware)
";

/// Run `sim ...`: the simulator's own exit status.
pub fn run(a: SimArgs) -> ExitCode {
    if a.args.first().map(String::as_str) == Some("firmware") {
        return match firmware(&a.args[1..]) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => crate::report(e),
        };
    }
    simulator(&a.args)
}

#[cfg(feature = "simulator")]
fn simulator(args: &[String]) -> ExitCode {
    ultrastream::sim::cli::main("ultrastream sim", args)
}

#[cfg(not(feature = "simulator"))]
fn simulator(_: &[String]) -> ExitCode {
    crate::report(CliError::Fail(
        "this build has no simulator (the crate's `simulator` feature is off)".into(),
    ))
}

#[cfg(feature = "simulator")]
fn firmware(args: &[String]) -> CliResult {
    use crate::usage;
    use ultrastream::sim::Model;
    let mut file = None;
    let mut model = Model::Hdmi;
    let mut version = "1.2.123".to_string();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (a.as_str(), None),
        };
        let mut value = |name: &str| -> CliResult<String> {
            inline
                .clone()
                .or_else(|| it.next().cloned())
                .ok_or_else(|| {
                    CliError::Usage(format!(
                        "{name} needs a value (see `ultrastream sim firmware --help`)"
                    ))
                })
        };
        match flag {
            "-h" | "--help" => {
                print!("{FIRMWARE_HELP}");
                return Ok(());
            }
            "--model" => {
                model = match value("--model")?.as_str() {
                    "hdmi" => Model::Hdmi,
                    "sdi" => Model::Sdi,
                    m => return usage(format!("--model: '{m}' is not hdmi or sdi")),
                }
            }
            "--version" => {
                version = value("--version")?;
                let ok = version.split('.').count() == 3
                    && version
                        .split('.')
                        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
                if !ok {
                    return usage(format!(
                        "--version: '{version}' is not X.Y.Z (e.g. 1.2.200)"
                    ));
                }
            }
            f if f.starts_with('-') => {
                return usage(format!(
                    "unknown option {f} (see `ultrastream sim firmware --help`)"
                ));
            }
            _ if file.is_none() => file = Some(a.clone()),
            _ => return usage("`sim firmware` takes one FILE"),
        }
    }
    let Some(file) = file else {
        return usage(
            "`sim firmware` needs a FILE to write (see `ultrastream sim firmware --help`)",
        );
    };
    std::fs::write(&file, ultrastream::sim::fake_firmware(model, &version)).map_err(|e| {
        CliError::Fail(format!(
            "{} ({}): cannot write {file}: {e}",
            crate::code_words(ultrastream::model::codes::E_FILE),
            ultrastream::model::codes::E_FILE
        ))
    })?;
    crate::output::print_value(
        &serde_json::json!({"result": 0, "path": file, "version": version,
        "model": match model { Model::Hdmi => "hdmi", Model::Sdi => "sdi" }}),
    );
    Ok(())
}

#[cfg(not(feature = "simulator"))]
fn firmware(_: &[String]) -> CliResult {
    Err(CliError::Fail(
        "this build has no simulator (the crate's `simulator` feature is off)".into(),
    ))
}
