//! The API document's method names as commands: `ultrastream get-status`
//! is `ultrastream status`, `ultrastream set-name name=X` is
//! `ultrastream call set-name name=X`. A method becomes the CLI command
//! that does exactly that one call; every other method goes through
//! `call`, which checks its parameters against the document. Unknown
//! command names get suggestions from both vocabularies.

use crate::{CliError, CliResult};
use std::ffi::OsString;
use ultrastream::api::METHODS;

/// Methods whose CLI command sends just that request.
const SAME_AS: &[(&str, &[&str])] = &[
    ("get-info", &["info"]),
    ("get-status", &["status"]),
    ("get-settings", &["settings"]),
    ("ping", &["ping"]),
    ("start-rec", &["rec", "start"]),
    ("stop-rec", &["rec", "stop"]),
    ("start-live", &["live", "start"]),
    ("stop-live", &["live", "stop"]),
    ("get-users", &["users", "list"]),
    ("del-media-files", &["media", "remove"]),
    ("upload-update-file", &["firmware", "upload"]),
    ("clear-format-usb", &["clear", "format-usb"]),
    ("clear-test-usb", &["clear", "test-usb"]),
    ("clear-test-server", &["clear", "test-server"]),
    ("clear-upgrade", &["clear", "upgrade"]),
    ("clear-check-update", &["clear", "check-update"]),
];

/// The CLI words for an API method name, None for a name that is not one.
pub fn command_for(method: &str) -> Option<Vec<&'static str>> {
    let spec = METHODS.iter().find(|m| m.name == method)?;
    // `reboot` is also a command's name: keep the command (it waits too).
    if spec.name == "reboot" {
        return Some(vec!["reboot"]);
    }
    Some(match SAME_AS.iter().find(|(m, _)| *m == method) {
        Some((_, words)) => words.to_vec(),
        None => vec!["call", spec.name],
    })
}

/// Global options that take a value as the next argument.
const GLOBAL_WITH_VALUE: &[&str] = &["--host", "--user", "--password"];

/// Index of the command word: the first argument that is not an option
/// (nor a global option's value).
fn command_index(argv: &[OsString]) -> Option<usize> {
    let mut i = 1;
    while i < argv.len() {
        let a = argv[i].to_string_lossy();
        if a == "--" {
            return (i + 1 < argv.len()).then_some(i + 1);
        }
        if GLOBAL_WITH_VALUE.contains(&a.as_ref()) {
            i += 2;
            continue;
        }
        if !a.starts_with('-') || a == "-" {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// The names of the CLI's commands (clap's own `help` included).
fn cli_commands() -> Vec<String> {
    use clap::CommandFactory;
    let mut v: Vec<String> = crate::Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    v.push("help".into());
    v
}

/// Replace an API method name in command position (also after `help`) by
/// its CLI words; refuse an unknown command with suggestions.
pub fn rewrite(mut argv: Vec<OsString>) -> CliResult<Vec<OsString>> {
    let Some(i) = command_index(&argv) else {
        return Ok(argv);
    };
    let word = argv[i].to_string_lossy().into_owned();
    let commands = cli_commands();
    let is_cmd = |w: &str| commands.iter().any(|c| c == w);
    let mut at = i;
    if word == "help" {
        // `help get-status` is `help status`.
        match argv.get(i + 1).map(|a| a.to_string_lossy().into_owned()) {
            Some(w) if !is_cmd(&w) && !w.starts_with('-') => at = i + 1,
            _ => return Ok(argv),
        }
    } else if is_cmd(&word) {
        return Ok(argv);
    }
    let w = argv[at].to_string_lossy().into_owned();
    match command_for(&w) {
        Some(words) => {
            argv.splice(at..=at, words.into_iter().map(OsString::from));
            Ok(argv)
        }
        None => {
            let mut names = commands.clone();
            names.extend(METHODS.iter().map(|m| m.name.to_string()));
            Err(CliError::Usage(format!(
                "unknown command '{w}'{} (see `ultrastream help`)",
                did_you_mean(&w, &names)
            )))
        }
    }
}

/// "; did you mean `status`?" or "; did you mean one of: `a`, `b`?" or "".
pub fn did_you_mean(word: &str, names: &[String]) -> String {
    let close = close_names(word, names);
    match close.as_slice() {
        [] => String::new(),
        [one] => format!("; did you mean `{one}`?"),
        many => format!(
            "; did you mean one of: {}?",
            many.iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Names within a small edit distance of `word`, or containing it, closest first (at most 6).
pub fn close_names(word: &str, names: &[String]) -> Vec<String> {
    let w = word.to_ascii_lowercase();
    let limit = (w.chars().count() / 3).clamp(1, 3);
    let mut scored: Vec<(usize, &String)> = names
        .iter()
        .filter_map(|n| {
            let d = distance(&w, n);
            let contains = w.len() >= 3 && (n.contains(&w) || w.contains(n.as_str()));
            (d <= limit || contains).then_some((d, n))
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(6).map(|(_, n)| n.clone()).collect()
}

/// Levenshtein distance (the names are short: a row of counters suffices).
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_method_has_a_command() {
        assert_eq!(METHODS.len(), 56);
        for m in METHODS {
            let words = command_for(m.name).expect("mapped");
            assert!(!words.is_empty(), "{}", m.name);
        }
        assert_eq!(command_for("get-status"), Some(vec!["status"]));
        assert_eq!(command_for("set-name"), Some(vec!["call", "set-name"]));
        assert_eq!(command_for("no-such"), None);
    }

    #[test]
    fn suggestions() {
        let names: Vec<String> = ["status", "settings", "get-status", "info"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(close_names("statsu", &names)[0], "status");
        assert_eq!(close_names("get-stats", &names)[0], "get-status");
        assert!(close_names("zzzzzz", &names).is_empty());
    }

    #[test]
    fn rewrite_finds_the_command_after_global_options() {
        let argv = |v: &[&str]| v.iter().map(OsString::from).collect::<Vec<_>>();
        let got = rewrite(argv(&["u", "--host", "h", "--table", "start-rec"])).expect("ok");
        assert_eq!(got, argv(&["u", "--host", "h", "--table", "rec", "start"]));
        let got = rewrite(argv(&["u", "help", "get-status"])).expect("ok");
        assert_eq!(got, argv(&["u", "help", "status"]));
        assert!(matches!(
            rewrite(argv(&["u", "frobnicate"])),
            Err(CliError::Usage(_))
        ));
    }
}
