//! The discovery examples, built and run against loopback responders
//! through `--target` (unicast to 127.0.0.1; nothing is multicast):
//! examples/c/discover.c (cc -Wall -Wextra -Werror) and
//! examples/python/discover.py (raw ctypes, python3). A missing cc or
//! python3 fails the test and says what to install.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use ultrastream::sim::DiscoveryInfo;
use ultrastream::sim::discovery::{DiscoveryResponder, ResponderOptions};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// target/<profile>, where cargo put libultrastream.so for this run.
fn lib_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe
        .parent()
        .and_then(|p| p.parent())
        .expect("target/<profile>")
        .to_path_buf();
    assert!(
        dir.join("libultrastream.so").exists(),
        "libultrastream.so is not in {}",
        dir.display()
    );
    dir
}

fn responder(serial: &str, ssdp_enabled: bool, status: u32) -> DiscoveryResponder {
    let serial = serial.to_string();
    let info = move || DiscoveryInfo {
        product: "Ultra Stream".into(),
        boxname: format!("Stage {serial}"),
        serialnumber: serial.clone(),
        ethip: "10.1.2.3".into(),
        wifiip: String::new(),
        status,
        ssdp_enabled,
        http_port: 8080,
    };
    DiscoveryResponder::start(Arc::new(info), ResponderOptions::ephemeral()).expect("responder")
}

/// Two devices, the second with set-ssdp 0, and the --target list that reaches them.
fn devices() -> ([DiscoveryResponder; 2], String) {
    let devs = [
        responder("EXAMPLE-A", true, 0x12),
        responder("EXAMPLE-B", false, 0x10),
    ];
    let target = devs
        .iter()
        .flat_map(|d| [d.multicast_addr().to_string(), d.ssdp_addr().to_string()])
        .collect::<Vec<_>>()
        .join(",");
    (devs, target)
}

fn run(cmd: &mut Command) -> (Output, String) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out, text)
}

#[test]
fn c_example_prints_the_devices() {
    let lib = lib_dir();
    let out_dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("discover-c-{}", std::process::id()));
    std::fs::create_dir_all(&out_dir).expect("scratch folder");
    let exe = out_dir.join("discover");
    let cc = Command::new("cc")
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic"])
        .arg(format!("-I{}", root().join("include").display()))
        .arg(root().join("examples/c/discover.c"))
        .arg("-o")
        .arg(&exe)
        .arg(format!("-L{}", lib.display()))
        .arg(format!("-Wl,-rpath,{}", lib.display()))
        .arg("-lultrastream")
        .output();
    let cc = cc.unwrap_or_else(|e| {
        panic!("`cc` is required by this test ({e}): install a C compiler (apt-get install gcc)")
    });
    assert!(
        cc.status.success(),
        "cc failed:\n{}",
        String::from_utf8_lossy(&cc.stderr)
    );

    let (_devs, target) = devices();
    let (out, text) = run(Command::new(&exe).args(["--timeout", "400", "--target", &target]));
    eprintln!("{text}");
    assert!(out.status.success(), "{text}");
    let row = |serial: &str| {
        text.lines()
            .find(|l| l.starts_with(serial))
            .unwrap_or_else(|| panic!("no row for {serial}:\n{text}"))
            .to_string()
    };
    let a = row("EXAMPLE-A");
    assert!(
        a.contains("Stage EXAMPLE-A")
            && a.contains("127.0.0.1")
            && a.contains("0x12")
            && a.ends_with("multicast+ssdp"),
        "{a}"
    );
    assert!(row("EXAMPLE-B").ends_with(" multicast"), "{text}");
    assert!(text.contains("recording"), "statusRecord is shown:\n{text}");
    assert!(text.contains("2 device(s) found"), "{text}");

    // --stream: usapi_discover_each, one row per device as it is found.
    let (out, text) =
        run(Command::new(&exe).args(["--stream", "--timeout", "400", "--target", &target]));
    assert!(out.status.success(), "{text}");
    for serial in ["EXAMPLE-A", "EXAMPLE-B"] {
        assert_eq!(
            text.lines().filter(|l| l.starts_with(serial)).count(),
            1,
            "{text}"
        );
    }
    assert!(text.contains("2 device(s) found"), "{text}");

    // Errors: the code's name and the library's detail, exit status 1.
    let (out, text) = run(Command::new(&exe).args(["--target", "[::1]:2538"]));
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("USAPI_E_INVALID_ARGUMENT") && text.contains("IPv6"),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&out_dir);
}

#[test]
fn python_example_prints_the_devices() {
    let lib = lib_dir().join("libultrastream.so");
    let (_devs, target) = devices();
    let script = root().join("examples/python/discover.py");
    let python = |args: &[&str]| {
        let mut c = Command::new("python3");
        c.arg(&script).args(args).env("ULTRASTREAM_LIB", &lib);
        let out = c.output().unwrap_or_else(|e| {
            panic!("`python3` is required by this test ({e}): apt-get install python3")
        });
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out, text)
    };
    let (out, text) = python(&["--timeout", "400", "--target", &target]);
    eprintln!("{text}");
    assert!(out.status.success(), "{text}");
    let a = text
        .lines()
        .find(|l| l.starts_with("EXAMPLE-A"))
        .unwrap_or_else(|| panic!("no row:\n{text}"));
    assert!(
        a.contains("Stage EXAMPLE-A")
            && a.contains("0x12")
            && a.contains("Record,DiskReady")
            && a.ends_with("multicast+ssdp"),
        "{a}"
    );
    let b = text
        .lines()
        .find(|l| l.starts_with("EXAMPLE-B"))
        .unwrap_or_else(|| panic!("no row:\n{text}"));
    assert!(b.ends_with("multicast"), "{b}");
    assert!(text.contains("2 device(s) found"), "{text}");

    let (out, text) = python(&[
        "--json",
        "--multicast",
        "--timeout",
        "300",
        "--target",
        &target,
    ]);
    assert!(out.status.success(), "{text}");
    let v: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert_eq!(v["devices"].as_array().map(Vec::len), Some(2));

    let (out, text) = python(&["--target", "[::1]"]);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("USAPI_E_INVALID_ARGUMENT"), "{text}");
}
