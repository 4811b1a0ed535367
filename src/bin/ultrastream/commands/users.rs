//! users list|add|remove|set-password|change-password.

use crate::output::{body_json, finish, print_json_text, print_table, text};
use crate::session::{can_prompt, connect, credentials, host_of, prompt_hidden};
use crate::{CliError, CliResult, Global, fail, usage};
use clap::Subcommand;
use serde_json::Value;

const NEW_PASSWORD: &str = "New passwords come from $ULTRASTREAM_NEW_PASSWORD, the terminal (asked
twice), or the first line of standard input; never from the command line.";

/// The user commands.
#[derive(Subcommand)]
#[command(after_help = NEW_PASSWORD)]
pub enum UsersCmd {
    /// The device's users (--table: one per line).
    List,
    /// Add a user (its password: see below).
    #[command(after_help = NEW_PASSWORD)]
    Add {
        /// The new user's name.
        name: String,
    },
    /// Remove a user.
    Remove {
        /// The user's name.
        name: String,
    },
    /// Set a user's password (as an administrator).
    #[command(after_help = NEW_PASSWORD)]
    SetPassword {
        /// The user's name.
        name: String,
    },
    /// Change the logged-in user's own password.
    #[command(after_help = NEW_PASSWORD)]
    ChangePassword,
}

/// A new password: $ULTRASTREAM_NEW_PASSWORD, the terminal (twice), or the
/// first line of standard input.
fn new_password(what: &str) -> CliResult<String> {
    if let Ok(p) = std::env::var("ULTRASTREAM_NEW_PASSWORD") {
        return Ok(p);
    }
    if can_prompt() {
        let a = prompt_hidden(&format!("new password for {what}: "));
        let b = prompt_hidden("again: ");
        return match (a, b) {
            (Some(a), Some(b)) if a == b => Ok(a),
            (Some(_), Some(_)) => Err(CliError::Fail(
                "the two passwords differ; nothing changed".into(),
            )),
            _ => Err(CliError::Fail(
                "could not read the password from the terminal".into(),
            )),
        };
    }
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).map_err(|e| {
        CliError::Fail(format!(
            "could not read the new password from standard input: {e}"
        ))
    })?;
    let p = line.trim_end_matches(['\r', '\n']).to_string();
    if p.is_empty() {
        return usage(
            "no new password: set ULTRASTREAM_NEW_PASSWORD or pipe it into standard input",
        );
    }
    Ok(p)
}

/// Run a users command.
pub fn run(g: &Global, c: UsersCmd) -> CliResult {
    match c {
        UsersCmd::List => {
            let s = connect(g, true)?;
            let r = s.dev.call("get-users", &[]).map_err(|e| fail(&e))?;
            if g.table {
                let v = body_json(&r)?;
                let rows: Vec<Vec<String>> = v
                    .get("users")
                    .and_then(Value::as_array)
                    .map(|a| a.as_slice())
                    .unwrap_or(&[])
                    .iter()
                    .map(|u| match u {
                        Value::Object(_) => {
                            vec![text(u, &["id"]), text(u, &["type"])]
                        }
                        other => vec![text(other, &[]), String::new()],
                    })
                    .collect();
                print_table(&["user", "type"], &rows);
            } else {
                print_json_text(&r.body);
            }
            Ok(())
        }
        UsersCmd::Add { name } => {
            let pw = new_password(&name)?;
            let s = connect(g, true)?;
            finish(s.dev.add_user(&name, &pw))
        }
        UsersCmd::Remove { name } => {
            let s = connect(g, true)?;
            finish(s.dev.del_user(&name))
        }
        UsersCmd::SetPassword { name } => {
            let pw = new_password(&name)?;
            let s = connect(g, true)?;
            finish(s.dev.set_password(&name, &pw))
        }
        UsersCmd::ChangePassword => {
            let host = host_of(g)?;
            let (user, old) = credentials(g, &host).ok_or_else(|| {
                CliError::Usage("the current password is needed: $ULTRASTREAM_PASSWORD, --password or a terminal".into())
            })?;
            let pw = new_password(&user)?;
            let s = connect(g, true)?;
            finish(s.dev.ch_password(&old, &pw))
        }
    }
}
