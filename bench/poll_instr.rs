//! Instructions per watcher poll beside a blocking get-status (issue 17:
//! on loopback a poll must cost no more than a blocking get-status). Run
//! under callgrind twice with two counts and take the difference, so
//! startup and teardown cancel out:
//!
//!   bench/poll_instr.sh            # builds, runs callgrind, prints the table
//!
//!   poll_instr --mode call|typed|watch --n N
//!
//! `call`: N × `Device::call("get-status")` (what `usapi_get_status` does);
//! `typed`: N × `Device::get_status()` (the typed reply); `watch`: one
//! device watched at a 40 ms interval until N polls are done (each poll a
//! get-status on the engine, its reply read into the watched fields and
//! compared with the last). The simulator runs in a child process
//! (callgrind does not follow it).

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;
use ultrastream::watch::{Watch, WatchOptions};
use ultrastream::{Device, Options};

fn arg<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--serve") {
        let sim = ultrastream::sim::Simulator::start(Default::default()).expect("simulator");
        println!("{}", sim.host());
        let _ = std::io::stdout().flush();
        let mut line = String::new();
        let _ = std::io::stdin().read_line(&mut line);
        return;
    }
    let mode = arg(&args, "--mode").unwrap_or("call").to_string();
    let n: u64 = arg(&args, "--n")
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let mut child = Command::new(std::env::current_exe().expect("own path"))
        .arg("--serve")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the simulator process");
    let mut host = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut host)
        .expect("host");
    let dev = Arc::new(Device::connect(host.trim(), Options::default()).expect("connect"));
    dev.login("Admin", "Admin").expect("login");
    match mode.as_str() {
        "call" => {
            for _ in 0..n {
                dev.call("get-status", &[]).expect("get-status");
            }
        }
        "typed" => {
            for _ in 0..n {
                dev.get_status().expect("get-status");
            }
        }
        "watch" => {
            let w = Watch::start(
                vec![(1, Arc::clone(&dev))],
                WatchOptions {
                    // A poll under callgrind is ~50× slower: the timeout
                    // is the whole interval so none fails.
                    interval: Duration::from_millis(40),
                    timeout: Some(Duration::from_millis(40)),
                    ..Default::default()
                },
                |e| eprintln!("{e}"),
            )
            .expect("watch");
            // Counted from the stats, looked at rarely (its cost is per
            // look, not per poll).
            while w.stats()[0].polls < n {
                std::thread::sleep(Duration::from_millis(200));
            }
            let polls = w.stats()[0].polls;
            eprintln!("{}", w.stats_json());
            w.stop().expect("stop");
            // The few polls past N are reported so the difference can be
            // taken over the polls actually done.
            println!("polls {polls}");
        }
        other => panic!("unknown --mode {other}: call, typed or watch"),
    }
    drop(dev);
    let _ = child.stdin.take().map(|mut s| s.write_all(b"quit\n"));
    let _ = child.wait();
}
