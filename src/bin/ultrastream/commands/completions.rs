//! completions SHELL: a completion script for the shell, on stdout.

use crate::CliResult;
use clap::{Args, CommandFactory};
use clap_complete::Shell;

/// `completions` arguments.
#[derive(Args)]
#[command(after_help = "Install, e.g.:
  ultrastream completions bash > ~/.local/share/bash-completion/completions/ultrastream
  ultrastream completions zsh > ~/.zfunc/_ultrastream      (with fpath+=~/.zfunc)
  ultrastream completions fish > ~/.config/fish/completions/ultrastream.fish")]
pub struct CompletionsArgs {
    /// The shell.
    shell: Shell,
}

/// Print the script.
pub fn run(a: CompletionsArgs) -> CliResult {
    let mut cmd = crate::Cli::command();
    clap_complete::generate(a.shell, &mut cmd, "ultrastream", &mut std::io::stdout());
    Ok(())
}
