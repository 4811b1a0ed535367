//! The exporter under a real Prometheus (Debian's `prometheus` package,
//! which `.ci/run` installs): Prometheus scrapes the exporter every second
//! over simulated devices; the test changes the fleet (a recording, a
//! pulled disk, a dead device) and reads the values back through
//! Prometheus's HTTP query API. Every PromQL expression of
//! deploy/prometheus/alerts.yml and deploy/grafana/ultrastream-fleet.json is
//! run against it; `promtool check metrics/config` and `promtool test
//! rules` run on the exporter's output and the deploy files. `/probe`
//! never logs in to a host outside the allow-list.

use serde_json::Value;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use ultrastream::exporter::{Config, Credential, DeviceEntry, Exporter};
use ultrastream::sim::{SimOptions, Simulator};
use ultrastream::{Device, Options};

/// Generous: a loaded machine may be slow; the scrape interval is 1 s.
const BOUND: Duration = Duration::from_secs(30);
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn tool(name: &str) -> PathBuf {
    for dir in ["/usr/bin", "/usr/local/bin", "/bin"] {
        let p = Path::new(dir).join(name);
        if p.exists() {
            return p;
        }
    }
    panic!(
        "{name} is not installed: these tests need Debian's prometheus package (apt-get install prometheus), which provides prometheus and promtool"
    );
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// GET `path` from 127.0.0.1:`port`; (status, body).
fn http_get(addr: &str, path: &str) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(20)))?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf)?;
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let code = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    // Prometheus answers chunked only for large bodies; queries here are small.
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_string()
    };
    Ok((code, body))
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((len, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(len.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

fn enc(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

struct Prom {
    child: Child,
    addr: String,
    _dir: TempDir,
}

impl Drop for Prom {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct TempDir(PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp_dir(tag: &str) -> TempDir {
    let p = std::env::temp_dir().join(format!(
        "usapi-{tag}-{}-{}",
        std::process::id(),
        free_port()
    ));
    std::fs::create_dir_all(&p).unwrap();
    TempDir(p)
}

impl Prom {
    fn start(exporter: &str) -> Prom {
        let bin = tool("prometheus");
        let dir = temp_dir("prom");
        std::fs::copy(
            Path::new(ROOT).join("deploy/prometheus/alerts.yml"),
            dir.0.join("alerts.yml"),
        )
        .unwrap();
        let cfg = format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - alerts.yml\nscrape_configs:\n  - job_name: ultrastream\n    static_configs:\n      - targets: [\"{exporter}\"]\n"
        );
        std::fs::write(dir.0.join("prometheus.yml"), cfg).unwrap();
        let out = Command::new(tool("promtool"))
            .args(["check", "config"])
            .arg(dir.0.join("prometheus.yml"))
            .output()
            .unwrap();
        assert!(out.status.success(), "promtool check config: {out:?}");
        let addr = format!("127.0.0.1:{}", free_port());
        let child = Command::new(bin)
            .arg(format!(
                "--config.file={}",
                dir.0.join("prometheus.yml").display()
            ))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.0.join("data").display()
            ))
            .arg(format!("--web.listen-address={addr}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start prometheus");
        let p = Prom {
            child,
            addr,
            _dir: dir,
        };
        wait_for("Prometheus to be ready", || {
            matches!(http_get(&p.addr, "/-/ready"), Ok((200, _)))
        });
        p
    }

    /// The result vector of an instant query (panics when it does not parse).
    fn query(&self, q: &str) -> Vec<Value> {
        let (code, body) = http_get(&self.addr, &format!("/api/v1/query?query={}", enc(q)))
            .expect("query Prometheus");
        let v: Value = serde_json::from_str(&body)
            .unwrap_or_else(|e| panic!("query {q}: not JSON ({e}): {body}"));
        assert_eq!(code, 200, "query {q}: {body}");
        assert_eq!(v["status"], "success", "query {q}: {body}");
        v["data"]["result"].as_array().cloned().unwrap_or_default()
    }

    /// The value of the one series `q` selects, if there is one.
    fn value(&self, q: &str) -> Option<f64> {
        let r = self.query(q);
        r.first()
            .and_then(|s| s["value"][1].as_str())
            .and_then(|v| v.parse().ok())
    }
}

fn wait_for(what: &str, mut cond: impl FnMut() -> bool) -> Duration {
    let t0 = Instant::now();
    while !cond() {
        assert!(t0.elapsed() < BOUND, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
    t0.elapsed()
}

fn logged_in(sim: &Simulator) -> Device {
    let d = Device::connect(&sim.host(), Options::default()).unwrap();
    d.login("Admin", "Admin").unwrap();
    d
}

fn exporter(hosts: &[String], allow: &[&str]) -> Exporter {
    let mut cfg = Config {
        listen: "127.0.0.1:0".into(),
        interval_ms: 200,
        ..Config::default()
    };
    cfg.credentials
        .insert("default".into(), Credential::new("Admin", "Admin"));
    for h in hosts {
        cfg.devices.push(DeviceEntry {
            host: h.clone(),
            auth: "default".into(),
        });
    }
    cfg.probe.allow = allow.iter().map(|s| s.to_string()).collect();
    Exporter::start(cfg).unwrap()
}

/// Every `expr` of the rules file and the dashboard.
fn deploy_exprs() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let rules =
        std::fs::read_to_string(Path::new(ROOT).join("deploy/prometheus/alerts.yml")).unwrap();
    let mut alert = String::new();
    for line in rules.lines() {
        let t = line.trim();
        if let Some(a) = t.strip_prefix("- alert:") {
            alert = a.trim().to_string();
        }
        if let Some(e) = t.strip_prefix("expr:") {
            out.push((alert.clone(), e.trim().to_string()));
        }
    }
    let dash: Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(ROOT).join("deploy/grafana/ultrastream-fleet.json"))
            .unwrap(),
    )
    .unwrap();
    for p in dash["panels"].as_array().unwrap() {
        for t in p["targets"].as_array().into_iter().flatten() {
            if let Some(e) = t["expr"].as_str() {
                out.push((format!("panel {}", p["title"]), e.to_string()));
            }
        }
    }
    assert!(
        out.len() >= 5 + 10,
        "found the rules' and the panels' expressions: {out:?}"
    );
    out
}

#[test]
fn prometheus_sees_the_fleet_change_and_every_deploy_expression_returns_data() {
    let opts = SimOptions {
        // A manual clock: a live stream stays "connecting" (23).
        time_scale: 0.0,
        ..SimOptions::default()
    };
    let a = Simulator::start(opts.clone()).unwrap();
    let b = Simulator::start(opts.clone()).unwrap();
    let c = Simulator::start(opts).unwrap();
    let hosts: Vec<String> = [&a, &b, &c].iter().map(|s| s.host()).collect();
    let exp = exporter(&hosts, &[]);

    // The exporter's text passes the linter.
    wait_for("all devices polled", || {
        exp.devices().iter().all(|d| d.up && d.info.is_some())
    });
    let text = exp.metrics();
    let mut lint = Command::new(tool("promtool"))
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    lint.stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = lint.wait_with_output().unwrap();
    assert!(
        out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
        "promtool check metrics: {out:?}\n{text}"
    );

    let prom = Prom::start(&exp.addr().to_string());
    let sel = |m: &str, h: &str| format!("{m}{{device=\"{h}\"}}");
    wait_for("Prometheus sees three devices up", || {
        prom.value("sum(ultrastream_up)") == Some(3.0)
    });
    let usb = format!(
        "ultrastream_disk_size_bytes{{device=\"{}\",disk=\"usb\"}}",
        hosts[1]
    );
    assert!(prom.value(&usb).unwrap() > 0.0, "b has a USB disk");

    // A recording on a.
    let da = logged_in(&a);
    assert_eq!(da.call("start-rec", &[]).unwrap().result, 0);
    let took = wait_for("recording on a", || {
        prom.value(&sel("ultrastream_recording", &hosts[0])) == Some(1.0)
    });
    eprintln!("recording seen after {took:?}");

    // b's USB disk pulled, its SD card nearly full.
    b.control(r#"{"cmd":"set-disk","disk":"usb","present":false}"#)
        .unwrap();
    b.control(r#"{"cmd":"set-disk","disk":"sd","free_bytes":1048576}"#)
        .unwrap();
    let took = wait_for("the pulled disk", || {
        prom.value(&usb) == Some(0.0)
            && prom.value(&format!(
                "ultrastream_disk_status{{device=\"{}\",disk=\"usb\"}}",
                hosts[1]
            )) == Some(0.0)
    });
    eprintln!("pulled disk seen after {took:?}");

    // a's recording ends with an error: both its disks gone.
    a.control(r#"{"cmd":"set-disk","disk":"usb","present":false}"#)
        .unwrap();
    a.control(r#"{"cmd":"set-disk","disk":"sd","present":false}"#)
        .unwrap();
    // The manual clock: the recording notices when device time moves.
    a.control(r#"{"cmd":"advance","ms":2000}"#).unwrap();
    wait_for("a's recording ended with an error", || {
        prom.value(&sel("ultrastream_recording", &hosts[0])) == Some(0.0)
            && prom
                .value(&sel("ultrastream_last_recording_result", &hosts[0]))
                .is_some_and(|v| v != 0.0)
    });

    // b forgets every session: the exporter logs in again, and counts it.
    b.control(r#"{"cmd":"expire-sessions"}"#).unwrap();
    wait_for("b's re-login counted", || {
        prom.value(&sel("ultrastream_relogins_total", &hosts[1]))
            .is_some_and(|v| v >= 1.0)
    });
    assert_eq!(prom.value(&sel("ultrastream_up", &hosts[1])), Some(1.0));

    // A live stream on b (stays connecting: the clock is manual).
    let db = logged_in(&b);
    let r = db
        .call(
            "add-server",
            &[
                ("type", "0"),
                ("name", "Live"),
                ("url", "rtmp://127.0.0.1/live"),
                ("key", "k1"),
                ("is-auth", "0"),
                ("net-mode", "1"),
            ],
        )
        .unwrap();
    assert_eq!(r.result, 0, "{}", r.body);
    let settings = db.call("get-settings", &[]).unwrap().json().unwrap();
    let id = settings["stream-server"][0]["id"].to_string();
    assert_eq!(
        db.call("enable-server", &[("id", &id), ("is-use", "1")])
            .unwrap()
            .result,
        0
    );
    assert_eq!(db.call("start-live", &[]).unwrap().result, 0);
    wait_for("b live, connecting", || {
        prom.value(&format!(
            "ultrastream_live_stream_state{{device=\"{}\",slot=\"1\"}}",
            hosts[1]
        )) == Some(23.0)
    });

    // c dies.
    c.stop();
    let took = wait_for("c down", || {
        prom.value(&sel("ultrastream_up", &hosts[2])) == Some(0.0)
    });
    eprintln!("dead device seen after {took:?}");
    wait_for("c's failed polls counted", || {
        prom.value(&sel("ultrastream_polls_failed_total", &hosts[2]))
            .is_some_and(|v| v >= 1.0)
    });
    assert!(
        prom.query(&sel("ultrastream_recording", &hosts[2]))
            .is_empty(),
        "a down device shows no stale state"
    );

    // Every expression parses and returns data, except the firmware
    // mismatch (the simulated fleet runs one firmware): its inner count
    // must.
    for (from, e) in deploy_exprs() {
        let r = prom.query(&e);
        if from == "UltrastreamFirmwareMismatch" {
            assert!(r.is_empty(), "one firmware in the fleet: {e}");
            let inner = e.trim_end_matches("> 1").trim();
            assert_eq!(prom.value(inner), Some(1.0), "{inner}");
        } else {
            assert!(!r.is_empty(), "{from}: `{e}` returned no data");
        }
    }
    drop(prom);
    exp.stop();
}

#[test]
fn promtool_checks_the_deploy_config_and_tests_the_rules() {
    // The example exporter configuration parses (docs/exporter.md shows it).
    let c = Config::from_file(&format!("{ROOT}/deploy/exporter.json")).unwrap();
    assert_eq!(c.devices.len(), 2);
    assert!(c.probe.allow.len() == 2 && c.credentials.contains_key("stage"));
    let doc = std::fs::read_to_string(format!("{ROOT}/docs/exporter.md")).unwrap();
    let example = std::fs::read_to_string(format!("{ROOT}/deploy/exporter.json")).unwrap();
    assert!(
        doc.contains(example.trim()),
        "docs/exporter.md shows deploy/exporter.json as it is"
    );
    let dir = Path::new(ROOT).join("deploy/prometheus");
    for args in [
        vec!["check", "config", "prometheus.yml"],
        vec!["test", "rules", "alerts_test.yml"],
    ] {
        let out = Command::new(tool("promtool"))
            .args(&args)
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "promtool {args:?}: {out:?}");
    }
}

/// A fake device that counts the connections it gets.
fn counting_listener() -> (String, Arc<AtomicUsize>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    let n = Arc::new(AtomicUsize::new(0));
    let n2 = n.clone();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            n2.fetch_add(1, Ordering::SeqCst);
            drop(s);
        }
    });
    (addr, n)
}

#[test]
fn probe_never_sends_credentials_outside_the_allow_list() {
    let sim = Simulator::start(SimOptions::default()).unwrap();
    let (outside, hits) = counting_listener();
    // Only the simulator's exact host:port is allowed.
    let exp = exporter(&[sim.host()], &[&sim.host()]);
    let addr = exp.addr().to_string();
    let (code, body) = http_get(
        &addr,
        &format!("/probe?target={}&auth=default", enc(&outside)),
    )
    .unwrap();
    assert_eq!(code, 403, "{body}");
    assert!(
        body.contains("not in the configuration's probe.allow"),
        "{body}"
    );
    assert!(
        !body.contains("Admin"),
        "no credential in an error page: {body}"
    );
    let (code, _) = http_get(
        &addr,
        &format!("/probe?target={}&auth=nosuch", enc(&sim.host())),
    )
    .unwrap();
    assert_eq!(code, 400);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "the outside host got a connection"
    );

    // An allowed target is probed: its metrics, with up 1.
    let (code, body) = http_get(
        &addr,
        &format!("/probe?target={}&auth=default", enc(&sim.host())),
    )
    .unwrap();
    assert_eq!(code, 200, "{body}");
    assert!(
        body.contains(&format!("ultrastream_up{{device=\"{}\"}} 1", sim.host())),
        "{body}"
    );
    assert!(!body.contains("ultrastream_exporter_devices"), "{body}");
    // Concurrent probes of one target share its session and both see it up.
    let up = format!("ultrastream_up{{device=\"{}\"}} 1", sim.host());
    let probes: Vec<_> = (0..4)
        .map(|_| {
            let (addr, target) = (addr.clone(), sim.host());
            std::thread::spawn(move || {
                http_get(
                    &addr,
                    &format!("/probe?target={}&auth=default", enc(&target)),
                )
                .unwrap()
            })
        })
        .collect();
    for p in probes {
        let (code, body) = p.join().unwrap();
        assert_eq!(code, 200, "{body}");
        assert!(body.contains(&up), "{body}");
    }
    // `/` links /metrics; unknown paths are 404.
    let (code, body) = http_get(&addr, "/").unwrap();
    assert_eq!(code, 200);
    assert!(body.contains("href=\"/metrics\""), "{body}");
    assert_eq!(http_get(&addr, "/nope").unwrap().0, 404);
    exp.stop();
}

#[test]
fn the_cli_exporter_needs_no_file() {
    let sim = Simulator::start(SimOptions::default()).unwrap();
    let bin = env!("CARGO_BIN_EXE_ultrastream");
    // No device, no file: a usage error.
    let out = Command::new(bin).arg("exporter").output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("HOST..."));
    // No password: a usage error before anything is sent.
    let out = Command::new(bin)
        .args(["exporter", &sim.host()])
        .env_remove("ULTRASTREAM_PASSWORD")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("ULTRASTREAM_PASSWORD"));

    let mut child = Command::new(bin)
        .args([
            "exporter",
            "--listen",
            "127.0.0.1:0",
            "--interval-ms",
            "200",
            &sim.host(),
        ])
        .env("ULTRASTREAM_PASSWORD", "Admin")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut err, &mut line).unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .unwrap_or_else(|| panic!("the exporter names its address: {line}"))
        .to_string();
    assert!(
        addr.starts_with("127.0.0.1:"),
        "listens on loopback: {line}"
    );
    assert!(!line.contains("Admin"), "{line}");
    let want = format!("ultrastream_up{{device=\"{}\"}} 1", sim.host());
    wait_for("the CLI exporter's device up", || {
        http_get(&addr, "/metrics").is_ok_and(|(c, b)| c == 200 && b.contains(&want))
    });
    let _ = child.kill();
    let _ = child.wait();
}
