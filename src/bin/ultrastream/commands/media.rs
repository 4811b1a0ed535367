//! media list|get|remove: recorded files on the USB disk or SD card.

use super::ops::{Disk, RunArgs};
use crate::output::{
    body_json, bytes, duration_ms, int, print_json_text, print_table, print_value, text,
};
use crate::progress::with_progress;
use crate::session::connect;
use crate::{CliResult, Global, fail};
use clap::{Args, Subcommand};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// The media commands.
#[derive(Subcommand)]
pub enum MediaCmd {
    /// List the recorded files (--table: name, size, duration, ...).
    List(ListArgs),
    /// Download a file, with progress, into the current folder unless -o says where.
    Get {
        /// The disk.
        disk: Disk,
        /// The file's name (see `ultrastream media list`).
        name: String,
        /// A file or an existing folder to write to.
        #[arg(short, long, value_name = "FILE|FOLDER")]
        output: Option<PathBuf>,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Remove files.
    Remove {
        /// The disk.
        disk: Disk,
        /// The files' names (see `ultrastream media list`).
        #[arg(required = true, value_name = "NAME")]
        names: Vec<String>,
    },
}

/// `media list` arguments.
#[derive(Args)]
pub struct ListArgs {
    /// The disk.
    #[arg(default_value = "usb")]
    disk: Disk,
    /// The first file's index.
    #[arg(long, default_value_t = 0, value_name = "N")]
    start: i64,
    /// How many files at most.
    #[arg(long, default_value_t = 100, value_name = "N")]
    count: i64,
}

/// Run a media command.
pub fn run(g: &Global, c: MediaCmd) -> CliResult {
    match c {
        MediaCmd::List(a) => {
            let s = connect(g, true)?;
            let r = s
                .dev
                .get_media_files_reply(a.disk.code(), a.start, a.count)
                .map_err(|e| fail(&e))?;
            if g.table {
                let v = body_json(&r)?;
                let rows: Vec<Vec<String>> = v
                    .get("media-files")
                    .and_then(Value::as_array)
                    .map(|a| a.as_slice())
                    .unwrap_or(&[])
                    .iter()
                    .map(|f| {
                        vec![
                            text(f, &["name"]),
                            bytes(int(f, &["size-bytes"])),
                            duration_ms(int(f, &["duration"])),
                            format!("{}x{}", int(f, &["width"]), int(f, &["height"])),
                            text(f, &["create-time"]),
                        ]
                    })
                    .collect();
                print_table(&["name", "size", "duration", "size-px", "created"], &rows);
            } else {
                print_json_text(&r.body);
            }
            Ok(())
        }
        MediaCmd::Remove { disk, names } => {
            let s = connect(g, true)?;
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            crate::output::finish(s.dev.del_media_files(disk.code(), &names))
        }
        MediaCmd::Get {
            disk,
            name,
            output,
            run,
        } => {
            let dest = match output {
                None => PathBuf::from(&name),
                Some(o) if o.is_dir() => o.join(&name),
                Some(o) => o,
            };
            let opts = run.options();
            let s = connect(g, true)?;
            let n = with_progress(g.quiet, |cb| {
                s.dev
                    .download_media(disk.code() as i32, &name, Path::new(&dest), &opts, cb)
            })?;
            print_value(
                &json!({"result": 0, "name": name, "path": dest.display().to_string(), "bytes": n}),
            );
            Ok(())
        }
    }
}
