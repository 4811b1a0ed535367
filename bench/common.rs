//! Set-up shared by the Rust bench programs (`mod common;` in each): their
//! arguments, and the child process of the same program that holds the
//! simulators, so the measured process holds only what is measured.
#![allow(dead_code)] // each program uses what it needs

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

/// The number after `name` in `args`, or `default`.
pub fn arg(args: &[String], name: &str, default: u64) -> u64 {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// In the serving child: the line `ports P1 P2 ...` that `serve_in_child`
/// reads.
pub fn print_ports(ports: impl IntoIterator<Item = u16>) {
    let ports: Vec<String> = ports.into_iter().map(|p| p.to_string()).collect();
    println!("ports {}", ports.join(" "));
    let _ = std::io::stdout().flush();
}

/// This program again with `args` (its serving mode), once it has said
/// which ports its simulators listen on.
pub struct Serving {
    pub child: Child,
    /// Commands to the child, one a line; closing it ends the child.
    pub to_child: ChildStdin,
    /// The child's answers, after the ports line.
    pub from_child: BufReader<ChildStdout>,
    pub ports: Vec<u16>,
}

/// Start this program with `args` and read the ports it prints.
pub fn serve_in_child(args: &[&str]) -> Serving {
    let exe = std::env::current_exe().expect("own path");
    let mut child = Command::new(exe)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the simulator process");
    let to_child = child.stdin.take().expect("stdin");
    let mut from_child = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    from_child.read_line(&mut line).expect("ports");
    let mut words = line.split_whitespace();
    assert_eq!(words.next(), Some("ports"), "the child said: {line}");
    let ports = words
        .map(|p| {
            p.parse()
                .unwrap_or_else(|_| panic!("the child said: {line}"))
        })
        .collect();
    Serving {
        child,
        to_child,
        from_child,
        ports,
    }
}
