//! Builds and runs the C, C++ and Python code of the repository from
//! `cargo test`, against the library cargo just built:
//!
//! - the C demo (examples/c) against the built-in simulator, and its error path;
//! - the C++ example (examples/cpp) and the C++ tests (tests/cpp);
//! - the Python package (bindings/python) installed with pip into a fresh
//!   venv, its tests (tests/python) and its demo (examples/python);
//! - `make install PREFIX=<tmp>`, then C and C++ programs built with
//!   pkg-config (shared and static) and with CMake's `find_package`;
//! - the C demo and the C++ example under valgrind, with no leaks or errors.
//!
//! Needs cc, c++, make, python3 with venv, pkg-config, cmake and valgrind.
//! A missing tool fails the test that needs it and says what to install:
//! nothing is skipped.

#[path = "common/harness.rs"]
mod harness;

use harness::{
    Scratch, assert_demo_sections, assert_valgrind_clean, built_lib_dir as lib_dir, require_tool,
    root, run, run_ok,
};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

const BUILD: Duration = Duration::from_secs(300);
const RUN: Duration = Duration::from_secs(120);

/// `make -C <dir> <target> CARGO_BUILD=0 BUILD_DIR=<out> LIBDIR=<lib>`: the
/// Makefiles users run, against the library of this test run.
fn make_example(dir: &str, target: &str, out: &Path) -> PathBuf {
    require_tool("make", &["--version"], "apt-get install make");
    run_ok(
        Command::new("make")
            .arg("-C")
            .arg(root().join(dir))
            .arg(target)
            .arg("CARGO_BUILD=0")
            .arg(format!("BUILD_DIR={}", out.display()))
            .arg(format!("LIBDIR={}", lib_dir().display())),
        BUILD,
    );
    let exe = out.join(target);
    assert!(exe.exists(), "make did not produce {}", exe.display());
    exe
}

/// What the C demo and the C++ example print when they stream to a new
/// server by name on the simulator.
const STREAMED: &[&str] = &[
    "added server id 1\n",
    "server id 1, url rtmp://127.0.0.1:1935/live, enabled 0\n",
    "live state: 22 retLivingConnected\n",
    "live stopped\n",
];

/// `exe ARGS` twice on one device: the first run adds the server, the
/// second finds it by name (no errSameName) and streams. Both outputs.
fn adds_then_finds(exe: &Path, args: &[&str]) -> (String, String) {
    let first = run_ok(Command::new(exe).args(args), RUN);
    assert!(first.contains("added server id 1\n"), "{first}");
    let second = run_ok(Command::new(exe).args(args), RUN);
    assert!(!second.contains("added server"), "{second}");
    assert!(
        second.contains("live state: 22 retLivingConnected"),
        "{second}"
    );
    (first, second)
}

#[test]
fn c_demo_runs_against_the_simulator() {
    require_tool("cc", &["--version"], "apt-get install gcc");
    let out = Scratch::new("c-demo");
    let demo = make_example("examples/c", "ultra_stream_demo", out.path());
    let stdout = run_ok(Command::new(&demo).env("TMPDIR", out.path()), RUN);
    assert_demo_sections(&stdout);
    // The vendor's indented layout: two spaces per level.
    assert!(
        stdout.contains("\n  \"product\": {\n    \"sn\": "),
        "not indented like the vendor demo:\n{stdout}"
    );
    // The temporary firmware and its folder are gone.
    let left: Vec<_> = std::fs::read_dir(out.path())
        .expect("read scratch")
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("ultra_stream_demo_")
        })
        .collect();
    assert!(
        left.is_empty(),
        "the demo left its temporary folder behind: {left:?}"
    );
}

/// The fleet monitors' scene: 3 devices online, a recording and a lost
/// signal reported as changes, one device offline, in that order.
fn assert_fleet_scene(stdout: &str, online: &str, changed: &str, offline: &str) {
    assert!(
        stdout.starts_with("no hosts given: watching 3 simulated devices"),
        "{stdout}"
    );
    assert_eq!(stdout.matches(online).count(), 3, "{stdout}");
    assert!(
        stdout.contains("\"changes\":{\"recording\":true")
            || stdout.contains(" changed     recording=true"),
        "no recording change in:\n{stdout}"
    );
    let at = |needle: &str| {
        stdout
            .find(needle)
            .unwrap_or_else(|| panic!("no `{needle}` in:\n{stdout}"))
    };
    assert!(stdout.matches(changed).count() >= 2, "{stdout}");
    assert!(at("-- starting a recording") < at("-- unplugging the input"));
    assert!(at("-- switching device 1 off") < at(offline), "{stdout}");
    assert_eq!(stdout.matches(offline).count(), 1, "{stdout}");
}

#[test]
fn c_fleet_monitor_watches_the_simulators_it_starts() {
    require_tool("cc", &["--version"], "apt-get install gcc");
    let out = Scratch::new("c-fleet");
    let exe = make_example("examples/c", "fleet_monitor", out.path());
    let stdout = run_ok(&mut Command::new(&exe), RUN);
    assert_fleet_scene(
        &stdout,
        "{\"event\":\"online\"",
        "{\"event\":\"changed\"",
        "{\"event\":\"offline\"",
    );
    // Given a host that does not answer, it reports it offline and ends.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = dead.local_addr().expect("addr").port();
    drop(dead);
    let o = run(
        Command::new(&exe).args([
            "--interval",
            "100",
            "--seconds",
            "2",
            &format!("127.0.0.1:{port}"),
        ]),
        RUN,
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("\"event\":\"offline\""), "{stdout}");
}

#[test]
fn c_demo_reports_errors_with_name_code_and_detail() {
    require_tool("cc", &["--version"], "apt-get install gcc");
    let out = Scratch::new("c-demo-err");
    let demo = make_example("examples/c", "ultra_stream_demo", out.path());

    let sim = ultrastream::sim::Simulator::start(Default::default()).expect("start simulator");
    let host = sim.host();

    // Wrong password: errPasswd, code -1 and the library's detail, exit 1.
    let o = run(
        Command::new(&demo).args([host.as_str(), "Admin", "S3cr3t-Pw!"]),
        RUN,
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "stderr: {stderr}");
    assert!(
        stderr.contains("login failed: errPasswd (-1): "),
        "{stderr}"
    );
    assert!(
        !stderr.contains("S3cr3t"),
        "the password leaked into the message: {stderr}"
    );

    // A device given without firmware: steps 1 and 2, step 3 skipped.
    let stdout = run_ok(
        Command::new(&demo).args([host.as_str(), "Admin", "Admin"]),
        RUN,
    );
    assert!(stdout.contains("get info response data:"), "{stdout}");
    assert!(stdout.contains("upload firmware skipped"), "{stdout}");

    // A missing firmware file: USAPI_E_FILE.
    let missing = out.path().join("missing.mwf");
    let o = run(
        Command::new(&demo)
            .args([host.as_str(), "Admin", "Admin"])
            .arg(&missing),
        RUN,
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "stderr: {stderr}");
    assert!(
        stderr.contains("upload-update-file failed: USAPI_E_FILE (-1012): "),
        "{stderr}"
    );

    // Nobody listening: USAPI_E_CONNECT.
    drop(sim);
    let o = run(Command::new(&demo).args([host.as_str()]), RUN);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "stderr: {stderr}");
    assert!(stderr.contains("USAPI_E_CONNECT (-1004)"), "{stderr}");
}

#[test]
fn c_demo_streams_to_a_server_named_x_with_structs_only() {
    require_tool("cc", &["--version"], "apt-get install gcc");
    let out = Scratch::new("c-demo-stream");
    let demo = make_example("examples/c", "ultra_stream_demo", out.path());

    // No device: the simulator; the server is added, connects, stops.
    let stdout = run_ok(
        Command::new(&demo)
            .args(["--stream", "Studio A"])
            .env("TMPDIR", out.path()),
        RUN,
    );
    for want in [
        "***** 1. login *****",
        "***** 4. start streaming to the server named \"Studio A\" *****",
    ]
    .iter()
    .chain(STREAMED)
    {
        assert!(stdout.contains(want), "`{want}` missing in:\n{stdout}");
    }

    // A device given twice: the first run adds the server, the second
    // finds it by name (no errSameName) and keeps streaming.
    let sim = ultrastream::sim::Simulator::start(Default::default()).expect("start simulator");
    let host = sim.host();
    let args = [
        "--stream",
        "Venue 2",
        "rtmp://127.0.0.1/venue",
        host.as_str(),
    ];
    let (first, second) = adds_then_finds(&demo, &args);
    assert!(
        first.contains("live state: 22 retLivingConnected"),
        "{first}"
    );
    assert!(
        second.contains("server id 1, url rtmp://127.0.0.1/venue, enabled 1\n"),
        "{second}"
    );

    // An unknown name without a URL to add it: a clear failure.
    let o = run(
        Command::new(&demo).args(["--stream", "Nobody", host.as_str()]),
        RUN,
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("no server is named \"Nobody\" and no URL was given to add it"),
        "{stderr}"
    );
}

#[test]
fn cpp_example_and_tests_run() {
    require_tool("c++", &["--version"], "apt-get install g++");
    let out = Scratch::new("cpp");
    let demo = make_example("examples/cpp", "demo", out.path());
    let stdout = run_ok(Command::new(&demo).env("TMPDIR", out.path()), RUN);
    assert_demo_sections(&stdout);
    assert!(stdout.contains("status: statusDiskReady"), "{stdout}");

    // Streaming to a server by name with typed values only.
    let stream = make_example("examples/cpp", "stream_to_server", out.path());
    let stdout = run_ok(Command::new(&stream).arg("Studio B"), RUN);
    for want in STREAMED {
        assert!(stdout.contains(want), "`{want}` missing in:\n{stdout}");
    }
    let sim = ultrastream::sim::Simulator::start(Default::default()).expect("start simulator");
    let host = sim.host();
    let args = ["Venue C", "rtmp://127.0.0.1/c", host.as_str()];
    adds_then_finds(&stream, &args);
    drop(sim);

    let test = make_example("tests/cpp", "test_ultrastream", out.path());
    let stdout = run_ok(Command::new(&test).env("TMPDIR", out.path()), RUN);
    let last = stdout.lines().last().unwrap_or_default();
    let passed: u32 = last
        .strip_suffix(" passed, 0 failed")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected C++ test summary `{last}`:\n{stdout}"));
    assert!(passed > 100, "only {passed} C++ checks ran");
}

/// Every API method of the document has a member in ultrastream.hpp, and
/// the C++ test calls it.
#[test]
fn cpp_wrapper_covers_every_api_method() {
    let methods =
        std::fs::read_to_string(root().join("tests/data/methods.tsv")).expect("methods.tsv");
    let header = std::fs::read_to_string(root().join("bindings/cpp/ultrastream.hpp"))
        .expect("ultrastream.hpp");
    let test = std::fs::read_to_string(root().join("tests/cpp/test_ultrastream.cpp"))
        .expect("test_ultrastream.cpp");
    let names: Vec<String> = methods
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').nth(1))
        .map(|m| m.replace('-', "_"))
        .collect();
    assert_eq!(names.len(), 56);
    for name in &names {
        let declared = header.contains(&format!("ULTRASTREAM_SIMPLE_({name})"))
            || header.contains(&format!(" {name}("));
        assert!(declared, "ultrastream.hpp has no member for {name}");
        assert!(
            test.contains(&format!(".{name}(")),
            "tests/cpp/test_ultrastream.cpp never calls {name}"
        );
    }
}

/// A Python venv in a scratch folder with the package installed by pip.
struct Venv {
    _dir: Scratch,
    python: PathBuf,
    root: PathBuf,
}

fn venv_with_package() -> Venv {
    let dir = Scratch::new("venv");
    let python = harness::venv(dir.path(), BUILD);
    let venv = dir.path().join("venv");
    // Install from a copy, so pip's build folders never land in the source
    // tree; ULTRASTREAM_SOURCE_ROOT tells the build backend where the crate
    // is. The backend needs nothing from PyPI; cargo builds the release
    // library into this run's target folder (incremental) and the wheel
    // carries it.
    let src = dir.path().join("python-src");
    copy_tree(&root().join("bindings/python"), &src);
    let target = lib_dir().parent().expect("target folder").to_path_buf();
    run_ok(
        Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--no-input",
                "--disable-pip-version-check",
                "--no-deps",
                "--no-index",
            ])
            .arg(&src)
            .env("ULTRASTREAM_SOURCE_ROOT", root())
            .env("CARGO_TARGET_DIR", target)
            .env("CARGO", env!("CARGO")),
        Duration::from_secs(900),
    );
    Venv {
        root: venv,
        python,
        _dir: dir,
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create copy folder");
    for entry in std::fs::read_dir(from).expect("read source folder") {
        let entry = entry.expect("folder entry");
        let name = entry.file_name();
        let n = name.to_string_lossy();
        if n == "build" || n == "__pycache__" || n.ends_with(".egg-info") {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            copy_tree(&path, &to.join(&name));
        } else {
            std::fs::copy(&path, to.join(&name)).expect("copy file");
        }
    }
}

#[test]
fn python_package_installs_in_a_fresh_venv_and_passes_its_tests() {
    let venv = venv_with_package();
    let lib = lib_dir().join("libultrastream.so");
    let work = Scratch::new("python-run");
    let py = |args: &[&str]| {
        let mut c = Command::new(&venv.python);
        c.args(args)
            .current_dir(work.path())
            .env("ULTRASTREAM_LIB", &lib)
            .env("TMPDIR", work.path());
        c
    };

    // The installed package is the one imported, and it finds the library.
    let where_ = run_ok(
        &mut py(&[
            "-c",
            "import ultrastream; print(ultrastream.__file__); print(ultrastream.library_path())",
        ]),
        RUN,
    );
    let mut lines = where_.lines();
    let file = lines.next().unwrap_or_default();
    assert!(
        Path::new(file).starts_with(&venv.root),
        "ultrastream imported from {file}, not the venv"
    );
    assert_eq!(lines.next().map(PathBuf::from), Some(lib.clone()));

    // Without ULTRASTREAM_LIB, the package loads the library its wheel carries.
    let found = run_ok(
        Command::new(&venv.python)
            .args([
                "-c",
                "import ultrastream; print(ultrastream.library_path())",
            ])
            .current_dir(work.path())
            .env_remove("ULTRASTREAM_LIB"),
        RUN,
    );
    let found = PathBuf::from(found.trim());
    assert!(
        found.starts_with(&venv.root) && found.ends_with("ultrastream/libultrastream.so"),
        "loaded {} instead of the library inside the installed package",
        found.display()
    );

    // The ctypes structs match the C ABI field for field.
    let layout = run_ok(
        &mut py(&[
            "-c",
            "import ctypes, json, ultrastream._native as n\n\
             print(json.dumps({k: [ctypes.sizeof(c)] + [getattr(c, f).offset for f, _ in c._fields_] \
             for k, c in n.STRUCTS.items()}))",
        ]),
        RUN,
    );
    assert_struct_layouts(&layout);

    // The unit tests (unittest: nothing to install).
    let tests = root().join("tests/python");
    let out = run(
        &mut py(&[
            "-m",
            "unittest",
            "discover",
            "-v",
            "-s",
            tests.to_str().expect("utf-8 path"),
        ]),
        BUILD,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "Python tests failed:\n{stderr}");
    let ran = stderr
        .lines()
        .find_map(|l| {
            l.strip_prefix("Ran ")
                .and_then(|r| r.split_whitespace().next())
                .and_then(|n| n.parse::<u32>().ok())
        })
        .unwrap_or_else(|| panic!("no unittest summary in:\n{stderr}"));
    assert!(ran >= 70, "only {ran} Python tests ran:\n{stderr}");
    assert!(stderr.trim_end().ends_with("OK"), "{stderr}");

    // The demo, against the simulator.
    let demo = root().join("examples/python/demo.py");
    let stdout = run_ok(&mut py(&[demo.to_str().expect("utf-8 path")]), RUN);
    assert_demo_sections(&stdout);
    assert!(
        stdout.contains("\n  \"product\": {\n    \"sn\": "),
        "not indented like the vendor demo:\n{stdout}"
    );

    // The fleet monitor, against the simulators it starts itself.
    let fleet = root().join("examples/python/fleet_monitor.py");
    let stdout = run_ok(&mut py(&[fleet.to_str().expect("utf-8 path")]), RUN);
    assert_fleet_scene(&stdout, " online ", " changed ", " offline ");
}

/// Compare `{"usapi_x": [size, offset...]}` from ctypes with the Rust structs.
fn assert_struct_layouts(json: &str) {
    use std::mem::{offset_of, size_of};
    use ultrastream::ffi::*;
    let got: serde_json::Value = serde_json::from_str(json.trim()).expect("layout JSON");
    let want = serde_json::json!({
        "usapi_options": [size_of::<usapi_options>(),
            offset_of!(usapi_options, connect_timeout_ms), offset_of!(usapi_options, request_timeout_ms),
            offset_of!(usapi_options, upload_timeout_ms), offset_of!(usapi_options, max_reply_bytes),
            offset_of!(usapi_options, skip_validation)],
        "usapi_rec_control": [size_of::<usapi_rec_control>(),
            offset_of!(usapi_rec_control, usb_option), offset_of!(usapi_rec_control, sd_option),
            offset_of!(usapi_rec_control, mime_type), offset_of!(usapi_rec_control, root_folder),
            offset_of!(usapi_rec_control, file_prefix), offset_of!(usapi_rec_control, time_unit)],
        "usapi_server": [size_of::<usapi_server>(),
            offset_of!(usapi_server, server_type), offset_of!(usapi_server, name), offset_of!(usapi_server, url),
            offset_of!(usapi_server, key), offset_of!(usapi_server, is_auth), offset_of!(usapi_server, user),
            offset_of!(usapi_server, passwd), offset_of!(usapi_server, token), offset_of!(usapi_server, net_mode)],
        "usapi_server_info": [size_of::<usapi_server_info>(),
            offset_of!(usapi_server_info, id), offset_of!(usapi_server_info, server_type),
            offset_of!(usapi_server_info, name), offset_of!(usapi_server_info, url),
            offset_of!(usapi_server_info, is_use), offset_of!(usapi_server_info, is_auth),
            offset_of!(usapi_server_info, net_mode), offset_of!(usapi_server_info, live_result)],
        "usapi_product": [size_of::<usapi_product>(), offset_of!(usapi_product, sn), offset_of!(usapi_product, product_id), offset_of!(usapi_product, hardware_ver), offset_of!(usapi_product, firmware_id), offset_of!(usapi_product, firmware_ver_s), offset_of!(usapi_product, factory_firmware_ver_s), offset_of!(usapi_product, product_name), offset_of!(usapi_product, module_name), offset_of!(usapi_product, manu_name), offset_of!(usapi_product, features), offset_of!(usapi_product, max_lock_count)],
        "usapi_mac_addr": [size_of::<usapi_mac_addr>(), offset_of!(usapi_mac_addr, eth), offset_of!(usapi_mac_addr, wifi), offset_of!(usapi_mac_addr, blue)],
        "usapi_info": [size_of::<usapi_info>(), offset_of!(usapi_info, result), offset_of!(usapi_info, product), offset_of!(usapi_info, mac_addr), offset_of!(usapi_info, snapshot)],
        "usapi_softap": [size_of::<usapi_softap>(), offset_of!(usapi_softap, is_softap), offset_of!(usapi_softap, is_visible), offset_of!(usapi_softap, softap_ssid), offset_of!(usapi_softap, softap_passwd)],
        "usapi_date_time": [size_of::<usapi_date_time>(), offset_of!(usapi_date_time, timezone), offset_of!(usapi_date_time, is_auto)],
        "usapi_rec_control_info": [size_of::<usapi_rec_control_info>(), offset_of!(usapi_rec_control_info, mime_type), offset_of!(usapi_rec_control_info, usb_option), offset_of!(usapi_rec_control_info, sd_option), offset_of!(usapi_rec_control_info, root_folder), offset_of!(usapi_rec_control_info, file_prefix), offset_of!(usapi_rec_control_info, time_unit)],
        "usapi_video_color": [size_of::<usapi_video_color>(), offset_of!(usapi_video_color, contrast), offset_of!(usapi_video_color, brightness), offset_of!(usapi_video_color, saturation), offset_of!(usapi_video_color, hue)],
        "usapi_volume": [size_of::<usapi_volume>(), offset_of!(usapi_volume, is_mic), offset_of!(usapi_volume, mic_gain), offset_of!(usapi_volume, is_spi), offset_of!(usapi_volume, spi_gain), offset_of!(usapi_volume, is_phone), offset_of!(usapi_volume, phone_gain)],
        "usapi_video_stream": [size_of::<usapi_video_stream>(), offset_of!(usapi_video_stream, is_auto), offset_of!(usapi_video_stream, codec), offset_of!(usapi_video_stream, cx), offset_of!(usapi_video_stream, cy), offset_of!(usapi_video_stream, duration), offset_of!(usapi_video_stream, kbps), offset_of!(usapi_video_stream, gop), offset_of!(usapi_video_stream, fourcc), offset_of!(usapi_video_stream, profile), offset_of!(usapi_video_stream, cbrstat), offset_of!(usapi_video_stream, fullrange)],
        "usapi_audio_info": [size_of::<usapi_audio_info>(), offset_of!(usapi_audio_info, sample_rate), offset_of!(usapi_audio_info, channels), offset_of!(usapi_audio_info, kbps)],
        "usapi_eth_info": [size_of::<usapi_eth_info>(), offset_of!(usapi_eth_info, is_dhcp), offset_of!(usapi_eth_info, ip), offset_of!(usapi_eth_info, mask), offset_of!(usapi_eth_info, router), offset_of!(usapi_eth_info, dns)],
        "usapi_settings": [size_of::<usapi_settings>(), offset_of!(usapi_settings, result), offset_of!(usapi_settings, name), offset_of!(usapi_settings, passwd), offset_of!(usapi_settings, is_settings), offset_of!(usapi_settings, is_ssdp), offset_of!(usapi_settings, is_startup), offset_of!(usapi_settings, is_startup_rec), offset_of!(usapi_settings, is_startup_live), offset_of!(usapi_settings, is_signal_lost), offset_of!(usapi_settings, is_hdmi_rec_ctrl), offset_of!(usapi_settings, softap), offset_of!(usapi_settings, date_time), offset_of!(usapi_settings, rec_control), offset_of!(usapi_settings, video_color), offset_of!(usapi_settings, volume), offset_of!(usapi_settings, rec_stream), offset_of!(usapi_settings, live_stream), offset_of!(usapi_settings, mws_stream), offset_of!(usapi_settings, main_stream), offset_of!(usapi_settings, sub_stream), offset_of!(usapi_settings, audio), offset_of!(usapi_settings, eth), offset_of!(usapi_settings, server_count)],
        "usapi_media_page": [size_of::<usapi_media_page>(), offset_of!(usapi_media_page, result), offset_of!(usapi_media_page, path), offset_of!(usapi_media_page, thumbnail)],
        "usapi_media_file": [size_of::<usapi_media_file>(), offset_of!(usapi_media_file, name), offset_of!(usapi_media_file, thumbnail_name), offset_of!(usapi_media_file, status), offset_of!(usapi_media_file, create_time), offset_of!(usapi_media_file, size_bytes), offset_of!(usapi_media_file, duration), offset_of!(usapi_media_file, width), offset_of!(usapi_media_file, height), offset_of!(usapi_media_file, interval), offset_of!(usapi_media_file, codec)],
        "usapi_user": [size_of::<usapi_user>(), offset_of!(usapi_user, id), offset_of!(usapi_user, user_type)],
        "usapi_video": [size_of::<usapi_video>(),
            offset_of!(usapi_video, stream), offset_of!(usapi_video, is_auto), offset_of!(usapi_video, cx),
            offset_of!(usapi_video, cy), offset_of!(usapi_video, duration), offset_of!(usapi_video, kbps),
            offset_of!(usapi_video, gop), offset_of!(usapi_video, codec), offset_of!(usapi_video, profile),
            offset_of!(usapi_video, cbrstat), offset_of!(usapi_video, fullrange)],
        "usapi_ping_result": [size_of::<usapi_ping_result>(),
            offset_of!(usapi_ping_result, result), offset_of!(usapi_ping_result, cur_status)],
        "usapi_status_summary": [size_of::<usapi_status_summary>(),
            offset_of!(usapi_status_summary, cur_status), offset_of!(usapi_status_summary, recording),
            offset_of!(usapi_status_summary, living), offset_of!(usapi_status_summary, rec_result),
            offset_of!(usapi_status_summary, rec_run_ms), offset_of!(usapi_status_summary, rec_cur_bps),
            offset_of!(usapi_status_summary, rec_avg_bps), offset_of!(usapi_status_summary, live_result),
            offset_of!(usapi_status_summary, live_run_ms), offset_of!(usapi_status_summary, live_cur_bps),
            offset_of!(usapi_status_summary, live_avg_bps), offset_of!(usapi_status_summary, signal_present),
            offset_of!(usapi_status_summary, signal_cx), offset_of!(usapi_status_summary, signal_cy),
            offset_of!(usapi_status_summary, signal_interlaced), offset_of!(usapi_status_summary, signal_frame_rate),
            offset_of!(usapi_status_summary, usb_disk_status), offset_of!(usapi_status_summary, usb_free_bytes),
            offset_of!(usapi_status_summary, usb_total_bytes), offset_of!(usapi_status_summary, sd_disk_status),
            offset_of!(usapi_status_summary, sd_free_bytes), offset_of!(usapi_status_summary, sd_total_bytes)],
        "usapi_discover_options": [size_of::<usapi_discover_options>(),
            offset_of!(usapi_discover_options, timeout_ms), offset_of!(usapi_discover_options, protocols),
            offset_of!(usapi_discover_options, local_address), offset_of!(usapi_discover_options, target),
            offset_of!(usapi_discover_options, multicast_port), offset_of!(usapi_discover_options, ssdp_port),
            offset_of!(usapi_discover_options, multicast_ttl), offset_of!(usapi_discover_options, max_devices),
            offset_of!(usapi_discover_options, flags), offset_of!(usapi_discover_options, ssdp_search_target)],
        "usapi_progress": [size_of::<usapi_progress>(),
            offset_of!(usapi_progress, operation), offset_of!(usapi_progress, phase), offset_of!(usapi_progress, step),
            offset_of!(usapi_progress, percent), offset_of!(usapi_progress, done), offset_of!(usapi_progress, total),
            offset_of!(usapi_progress, result)],
        "usapi_run_options": [size_of::<usapi_run_options>(),
            offset_of!(usapi_run_options, timeout_ms), offset_of!(usapi_run_options, poll_interval_ms),
            offset_of!(usapi_run_options, progress), offset_of!(usapi_run_options, user_data)],
        "usapi_watch_options": [size_of::<usapi_watch_options>(),
            offset_of!(usapi_watch_options, interval_ms), offset_of!(usapi_watch_options, offline_after_ms),
            offset_of!(usapi_watch_options, timeout_ms), offset_of!(usapi_watch_options, workers),
            offset_of!(usapi_watch_options, max_backoff_ms)],
        "usapi_many_options": [size_of::<usapi_many_options>(),
            offset_of!(usapi_many_options, max_in_flight), offset_of!(usapi_many_options, timeout_ms)],
    });
    assert_eq!(
        got, want,
        "ctypes layouts (left) differ from the C ABI (right)"
    );
}

const APP_C: &str = r#"
#include <stdio.h>
#include <string.h>
#include <ultrastream.h>

int main(void) {
    usapi_sim sim = 0;
    usapi_device dev = 0;
    char *host = NULL;
    usapi_ping_result ping;
    if (strcmp(usapi_version(), USAPI_VERSION_STRING) != 0) return 1;
    if (usapi_sim_start(NULL, &sim) != 0 || usapi_sim_address(sim, &host) != 0) return 2;
    if (usapi_device_open(host, NULL, &dev) != 0) return 3;
    if (usapi_login(dev, "Admin", "Admin") != 0) return 4;
    if (usapi_ping_status(dev, &ping) != 0 || ping.result != 0) return 5;
    printf("app ok %s status %u\n", usapi_version(), (unsigned)ping.cur_status);
    usapi_logout(dev);
    usapi_device_close(dev);
    usapi_string_free(host);
    return usapi_sim_stop(sim) == 0 ? 0 : 6;
}
"#;

const APP_CPP: &str = r#"
#include <iostream>
#include <ultrastream.hpp>

int main() {
    ultrastream::Simulator sim;
    ultrastream::Device dev(sim.address());
    dev.login("Admin", "Admin");
    std::string info = dev.get_info();
    std::cout << "cpp app ok " << ultrastream::version() << " " << (info.find("Ultra Stream") != std::string::npos) << "\n";
    return 0;
}
"#;

const CMAKE_LISTS: &str = r#"
cmake_minimum_required(VERSION 3.16)
project(ultrastream_consumer LANGUAGES C CXX)
find_package(ultrastream 0.1 REQUIRED)
add_executable(app_shared app.c)
target_link_libraries(app_shared PRIVATE ultrastream::ultrastream)
add_executable(app_static app.c)
target_link_libraries(app_static PRIVATE ultrastream::ultrastream_static)
add_executable(app_cpp app.cpp)
set_target_properties(app_cpp PROPERTIES CXX_STANDARD 17)
target_link_libraries(app_cpp PRIVATE ultrastream::ultrastream)
"#;

fn pkg_config(prefix: &Path, args: &[&str]) -> Vec<String> {
    let out = run_ok(
        Command::new("pkg-config")
            .args(args)
            .arg("ultrastream")
            .env("PKG_CONFIG_PATH", prefix.join("lib/pkgconfig")),
        RUN,
    );
    out.split_whitespace().map(str::to_string).collect()
}

/// The NEEDED entries of an ELF file.
fn needed(elf: &Path) -> String {
    require_tool("readelf", &["--version"], "apt-get install binutils");
    run_ok(Command::new("readelf").arg("-d").arg(elf), RUN)
}

#[test]
fn make_install_gives_pkg_config_and_cmake_packages() {
    for (tool, pkg) in [
        ("make", "make"),
        ("cc", "gcc"),
        ("c++", "g++"),
        ("pkg-config", "pkg-config"),
        ("cmake", "cmake"),
    ] {
        require_tool(tool, &["--version"], &format!("apt-get install {pkg}"));
    }
    let dir = Scratch::new("install");
    let installed = dir.path().join("prefix");
    run_ok(
        Command::new("make")
            .arg("-C")
            .arg(root())
            .arg("install")
            .arg(format!("PREFIX={}", installed.display()))
            .env(
                "CARGO_TARGET_DIR",
                lib_dir().parent().expect("target folder"),
            ),
        Duration::from_secs(900),
    );
    // Everything below runs against the prefix moved elsewhere: the
    // pkg-config and CMake files find it from their own folder.
    let prefix = dir.path().join("moved/elsewhere");
    std::fs::create_dir_all(prefix.parent().expect("parent")).expect("create folder");
    std::fs::rename(&installed, &prefix).expect("move the prefix");
    for f in [
        "lib/pkgconfig/ultrastream.pc",
        "lib/cmake/ultrastream/ultrastreamConfig.cmake",
        "lib/cmake/ultrastream/ultrastreamConfigVersion.cmake",
    ] {
        let text = std::fs::read_to_string(prefix.join(f)).expect("read installed file");
        assert!(
            !text.contains(installed.to_str().expect("utf-8 path")),
            "{f} records the install prefix:\n{text}"
        );
    }

    // Both programs.
    for (exe, first) in [
        ("ultrastream", "ultrastream "),
        ("ultrastream-sim", "ultrastream-sim "),
    ] {
        let out = run_ok(
            Command::new(prefix.join("bin").join(exe)).arg("--version"),
            RUN,
        );
        assert_eq!(out.trim(), format!("{first}{}", env!("CARGO_PKG_VERSION")));
    }

    // The files, the symlinks and the soname.
    let version = env!("CARGO_PKG_VERSION");
    let major = version.split('.').next().expect("major version");
    let lib = prefix.join("lib");
    let real = lib.join(format!("libultrastream.so.{version}"));
    for f in [
        &real,
        &lib.join("libultrastream.a"),
        &prefix.join("include/ultrastream.h"),
        &prefix.join("include/ultrastream.hpp"),
    ] {
        assert!(f.is_file(), "{} not installed", f.display());
    }
    let link =
        |name: &str| std::fs::read_link(lib.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(
        link(&format!("libultrastream.so.{major}")),
        PathBuf::from(format!("libultrastream.so.{version}"))
    );
    assert_eq!(
        link("libultrastream.so"),
        PathBuf::from(format!("libultrastream.so.{major}"))
    );
    let dynamic = needed(&real);
    assert!(
        dynamic.contains(&format!("Library soname: [libultrastream.so.{major}]")),
        "no soname:\n{dynamic}"
    );

    // pkg-config finds it, and `cc app.c $(pkg-config --cflags --libs ultrastream)` links and runs.
    assert_eq!(
        pkg_config(&prefix, &["--modversion"]),
        vec![version.to_string()]
    );
    std::fs::write(dir.path().join("app.c"), APP_C).expect("write app.c");
    std::fs::write(dir.path().join("app.cpp"), APP_CPP).expect("write app.cpp");
    let app = dir.path().join("app");
    run_ok(
        Command::new("cc")
            .args(["-Wall", "-Wextra", "-Werror"])
            .arg(dir.path().join("app.c"))
            .arg("-o")
            .arg(&app)
            .args(pkg_config(&prefix, &["--cflags", "--libs"])),
        BUILD,
    );
    assert!(
        needed(&app).contains(&format!("[libultrastream.so.{major}]")),
        "app does not need the soname"
    );
    let stdout = run_ok(Command::new(&app).env("LD_LIBRARY_PATH", &lib), RUN);
    assert!(
        stdout.starts_with(&format!("app ok {version} status ")),
        "{stdout}"
    );

    // Static: the archive plus Libs.private is enough.
    let app_static = dir.path().join("app_static");
    let private: Vec<String> = pkg_config(&prefix, &["--static", "--libs"])
        .into_iter()
        .filter(|a| a != "-lultrastream")
        .collect();
    run_ok(
        Command::new("cc")
            .arg(dir.path().join("app.c"))
            .arg("-o")
            .arg(&app_static)
            .args(pkg_config(&prefix, &["--cflags"]))
            .arg(lib.join("libultrastream.a"))
            .args(&private),
        BUILD,
    );
    assert!(
        !needed(&app_static).contains("libultrastream"),
        "the static app still needs the shared library"
    );
    let stdout = run_ok(&mut Command::new(&app_static), RUN);
    assert!(stdout.starts_with("app ok "), "{stdout}");

    // Fully static (-static): `pkg-config --static --libs` is the whole link
    // line (no -lgcc_s, which has no archive; the driver adds libgcc_eh).
    let app_full = dir.path().join("app_full_static");
    run_ok(
        Command::new("cc")
            .arg("-static")
            .arg(dir.path().join("app.c"))
            .arg("-o")
            .arg(&app_full)
            .args(pkg_config(&prefix, &["--static", "--cflags", "--libs"])),
        BUILD,
    );
    assert!(
        !needed(&app_full).contains("NEEDED"),
        "not fully static:\n{}",
        needed(&app_full)
    );
    let stdout = run_ok(&mut Command::new(&app_full), RUN);
    assert!(stdout.starts_with("app ok "), "{stdout}");

    // In-tree, as `make` left target/release: a program linked there needs
    // the soname, and the link beside the library satisfies it.
    let release = lib_dir().parent().expect("target folder").join("release");
    let app_tree = dir.path().join("app_tree");
    run_ok(
        Command::new("cc")
            .arg(dir.path().join("app.c"))
            .arg("-o")
            .arg(&app_tree)
            .arg(format!("-I{}", root().join("include").display()))
            .arg(format!("-L{}", release.display()))
            .arg(format!("-Wl,-rpath,{}", release.display()))
            .arg("-lultrastream"),
        BUILD,
    );
    assert!(needed(&app_tree).contains(&format!("[libultrastream.so.{major}]")));
    let stdout = run_ok(&mut Command::new(&app_tree), RUN);
    assert!(stdout.starts_with("app ok "), "{stdout}");

    // C++ with the installed ultrastream.hpp.
    let app_cpp = dir.path().join("app_cpp");
    run_ok(
        Command::new("c++")
            .args(["-std=c++17", "-Wall", "-Wextra", "-Werror"])
            .arg(dir.path().join("app.cpp"))
            .arg("-o")
            .arg(&app_cpp)
            .args(pkg_config(&prefix, &["--cflags", "--libs"])),
        BUILD,
    );
    let stdout = run_ok(Command::new(&app_cpp).env("LD_LIBRARY_PATH", &lib), RUN);
    assert_eq!(stdout.trim(), format!("cpp app ok {version} 1"));

    // CMake: find_package(ultrastream) and the imported targets.
    std::fs::write(dir.path().join("CMakeLists.txt"), CMAKE_LISTS).expect("write CMakeLists.txt");
    let build = dir.path().join("cmake-build");
    run_ok(
        Command::new("cmake")
            .arg("-S")
            .arg(dir.path())
            .arg("-B")
            .arg(&build)
            .arg(format!("-DCMAKE_PREFIX_PATH={}", prefix.display())),
        BUILD,
    );
    run_ok(Command::new("cmake").arg("--build").arg(&build), BUILD);
    for exe in ["app_shared", "app_static", "app_cpp"] {
        // CMake links imported shared libraries with an rpath: no LD_LIBRARY_PATH.
        let stdout = run_ok(&mut Command::new(build.join(exe)), RUN);
        assert!(stdout.contains("app ok"), "{exe}: {stdout}");
    }
    assert!(!needed(&build.join("app_static")).contains("libultrastream"));
    // Versions the package cannot satisfy are refused (0.x: same minor).
    for wanted in ["9.0", "0.99"] {
        let project = dir.path().join(format!("cmake-{wanted}"));
        std::fs::create_dir_all(&project).expect("create project folder");
        std::fs::write(
            project.join("CMakeLists.txt"),
            format!("cmake_minimum_required(VERSION 3.16)\nproject(v LANGUAGES C)\nfind_package(ultrastream {wanted} REQUIRED)\n"),
        )
        .expect("write CMakeLists.txt");
        let o = run(
            Command::new("cmake")
                .arg("-S")
                .arg(&project)
                .arg("-B")
                .arg(project.join("build"))
                .arg(format!("-DCMAKE_PREFIX_PATH={}", prefix.display())),
            BUILD,
        );
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(
            !o.status.success(),
            "find_package(ultrastream {wanted}) accepted {version}"
        );
        assert!(stderr.contains(version), "{stderr}");
    }
}

/// The program under valgrind (leaks definite or possible fail it).
fn valgrind(exe: &Path, tmp: &Path) -> Output {
    run(
        harness::valgrind(1, "definite,possible")
            .arg(exe)
            .env("TMPDIR", tmp),
        Duration::from_secs(300),
    )
}

#[test]
fn c_demo_and_cpp_example_are_valgrind_clean() {
    require_tool("cc", &["--version"], "apt-get install gcc");
    require_tool("c++", &["--version"], "apt-get install g++");
    let out = Scratch::new("valgrind");
    let c_demo = make_example("examples/c", "ultra_stream_demo", out.path());
    let cpp_demo = make_example("examples/cpp", "demo", out.path());

    let o = valgrind(&c_demo, out.path());
    assert_valgrind_clean(&o, "examples/c/ultra_stream_demo");
    assert_demo_sections(&String::from_utf8_lossy(&o.stdout));

    let o = valgrind(&cpp_demo, out.path());
    assert_valgrind_clean(&o, "examples/cpp/demo");
    assert_demo_sections(&String::from_utf8_lossy(&o.stdout));

    // The C++ test touches every wrapper, error paths and result names too.
    let cpp_test = make_example("tests/cpp", "test_ultrastream", out.path());
    let o = valgrind(&cpp_test, out.path());
    assert_valgrind_clean(&o, "tests/cpp/test_ultrastream");

    // The check can fail: a program that leaks one library string is caught.
    let leaky_src = out.path().join("leaky.c");
    std::fs::write(
        &leaky_src,
        "#include <ultrastream.h>\nint main(void) {\n  usapi_sim sim = 0;\n  char *host = 0;\n  \
         if (usapi_sim_start(0, &sim) != 0 || usapi_sim_address(sim, &host) != 0) return 2;\n  \
         return usapi_sim_stop(sim); /* host is never freed */\n}\n",
    )
    .expect("write leaky.c");
    let leaky = out.path().join("leaky");
    let lib = lib_dir();
    run_ok(
        Command::new("cc")
            .arg(&leaky_src)
            .arg("-o")
            .arg(&leaky)
            .arg(format!("-I{}", root().join("include").display()))
            .arg(format!("-L{}", lib.display()))
            .arg(format!("-Wl,-rpath,{}", lib.display()))
            .arg("-lultrastream"),
        BUILD,
    );
    let o = valgrind(&leaky, out.path());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        o.status.code(),
        Some(1),
        "valgrind missed a leaked string:\n{stderr}"
    );
    assert!(stderr.contains("definitely lost: "), "{stderr}");
}

/// The firmware-update examples (C and Python): against the built-in
/// simulator by default, with a progress bar; errors exit 1 with the code.
#[test]
fn firmware_update_examples_run_against_the_simulator() {
    require_tool("cc", &["--version"], "apt-get install gcc");
    require_tool("python3", &["--version"], "apt-get install python3");
    let out = Scratch::new("fw-update");
    let exe = make_example("examples/c", "firmware_update", out.path());
    let check = |stdout: &str| {
        for want in [
            "no device given: using the built-in simulator at 127.0.0.1:",
            "upload uploading",
            "(step 3)",
            "update rebooting",
            "[##############################] 100% update done",
        ] {
            assert!(stdout.contains(want), "`{want}` missing in:\n{stdout}");
        }
    };
    let stdout = run_ok(Command::new(&exe).env("TMPDIR", out.path()), RUN);
    check(&stdout);
    assert!(
        stdout.contains("\"previous-version\":\"1.2.122\",\"version\":\"1.2.200\""),
        "{stdout}"
    );
    let py = |args: &[&str]| {
        let mut c = Command::new("python3");
        c.arg(root().join("examples/python/firmware_update.py"))
            .args(args)
            .env("PYTHONPATH", root().join("bindings/python/src"))
            .env("ULTRASTREAM_LIB", lib_dir().join("libultrastream.so"))
            .env("TMPDIR", out.path());
        c
    };
    let stdout = run_ok(&mut py(&[]), RUN);
    check(&stdout);
    assert!(
        stdout.contains("done: firmware 1.2.122 -> 1.2.200"),
        "{stdout}"
    );

    // A firmware for the other model: -34, exit 1, from both.
    let sim = ultrastream::sim::Simulator::start(Default::default()).expect("start simulator");
    let sdi = out.path().join("sdi.mwf");
    std::fs::write(
        &sdi,
        ultrastream::sim::fake_firmware(ultrastream::sim::Model::Sdi, "1.2.200"),
    )
    .expect("write firmware");
    let sdi = sdi.to_str().expect("utf-8 path");
    for o in [
        run(
            Command::new(&exe).args([sim.host().as_str(), "Admin", "Admin", sdi]),
            RUN,
        ),
        run(&mut py(&[sim.host().as_str(), "Admin", "Admin", sdi]), RUN),
    ] {
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "stderr: {stderr}");
        assert!(
            stderr.contains("firmware update failed: errMWFUnsupported (-34): "),
            "{stderr}"
        );
    }
}
