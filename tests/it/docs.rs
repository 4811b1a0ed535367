//! The documentation works as written: every code snippet of README.md,
//! docs/*.md and bench/README.md runs (docs/testing.md says how), the
//! README's C quick start builds with the README's own command, the Rust
//! snippets are examples cargo builds, troubleshooting.md has a row for
//! every result code, the README stays short and links only files that
//! exist, and nothing defaults to an address off this machine.
//!
//! Snippets run in a network namespace of their own (`unshare`): only a
//! loopback, so they cannot reach another machine or collide with a port
//! another test uses. Needs cc, c++, python3, bash, curl, jq, unshare and
//! ip (a missing one fails with what to install).

use crate::harness;

use harness::{Scratch, built_lib_dir, deps_lib_dir, require_tool, root};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Languages whose blocks are shown, never run.
const DISPLAY: &[&str] = &["text", "toml", "cmake", "json"];
/// Languages whose blocks run.
const RUN: &[&str] = &["c", "cpp", "python", "sh", "rust"];
/// Languages where `no-run` may be said (commands that build, install, or
/// reach a real device or network; the discovery call that multicasts).
const MAY_SKIP: &[&str] = &["sh", "c"];

const BOUND: Duration = Duration::from_secs(300);

/// Guides whose snippets another test runs its own way (not twice here):
/// the file, and the test that must read it.
const RUN_ELSEWHERE: &[(&str, &str)] = &[("docs/cli.md", "tests/it/cli_ux.rs")];

/// Said with every snippet failure: the ways out.
const HOW: &str = "docs/testing.md says how snippets run; mark a block that must \
    not run `sh no-run`, or list a guide another test runs in RUN_ELSEWHERE";

/// One fenced block of a markdown file.
#[derive(Debug)]
struct Block {
    file: PathBuf,
    line: usize,
    lang: String,
    no_run: bool,
    body: String,
}

impl Block {
    fn at(&self) -> String {
        format!(
            "{}:{}",
            self.file
                .strip_prefix(root())
                .unwrap_or(&self.file)
                .display(),
            self.line
        )
    }
}

/// The markdown files whose snippets are checked.
fn doc_files() -> Vec<PathBuf> {
    let mut files = vec![root().join("README.md"), root().join("bench/README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .expect("docs/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

fn blocks_of(file: &Path) -> Vec<Block> {
    let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let mut out = Vec::new();
    let mut open: Option<(usize, String, bool, String)> = None;
    for (n, line) in text.lines().enumerate() {
        match open.take() {
            None => {
                if let Some(info) = line.strip_prefix("```") {
                    let mut words = info.split_whitespace();
                    let lang = words.next().unwrap_or("").to_string();
                    let no_run = words.any(|w| w == "no-run");
                    open = Some((n + 1, lang, no_run, String::new()));
                }
            }
            Some((start, lang, no_run, mut body)) => {
                if line.trim_end() == "```" {
                    out.push(Block {
                        file: file.to_path_buf(),
                        line: start,
                        lang,
                        no_run,
                        body,
                    });
                } else {
                    body.push_str(line);
                    body.push('\n');
                    open = Some((start, lang, no_run, body));
                }
            }
        }
    }
    assert!(
        open.is_none(),
        "{}: a fence is never closed",
        file.display()
    );
    out
}

fn all_blocks() -> Vec<Block> {
    doc_files().iter().flat_map(|f| blocks_of(f)).collect()
}

/// The file is run by another test (RUN_ELSEWHERE).
fn run_elsewhere(file: &Path) -> bool {
    RUN_ELSEWHERE
        .iter()
        .any(|(doc, _)| file == root().join(doc))
}

/// The blocks of `lang` that run here.
fn runnable(lang: &str) -> Vec<Block> {
    all_blocks()
        .into_iter()
        .filter(|b| b.lang == lang && !b.no_run && !run_elsewhere(&b.file))
        .collect()
}

#[test]
fn guides_run_elsewhere_are_read_by_their_test() {
    for (doc, test) in RUN_ELSEWHERE {
        if !root().join(doc).exists() {
            continue; // not (yet) in this tree: nothing is skipped
        }
        let text = std::fs::read_to_string(root().join(test)).unwrap_or_else(|e| {
            panic!("{doc} is said to run in {test}, which cannot be read: {e}")
        });
        assert!(
            text.contains(doc),
            "{doc} is said to run in {test}, which never reads it"
        );
    }
}

#[test]
fn every_block_has_a_known_language_and_skips_only_with_reason() {
    let mut skipped = Vec::new();
    for b in all_blocks() {
        assert!(
            RUN.contains(&b.lang.as_str()) || DISPLAY.contains(&b.lang.as_str()),
            "{}: a fenced block needs a language, one of {RUN:?} (run) or {DISPLAY:?} (shown); got {:?}",
            b.at(),
            b.lang
        );
        if b.no_run {
            assert!(
                MAY_SKIP.contains(&b.lang.as_str()),
                "{}: `no-run` on a {} block: every {} block runs",
                b.at(),
                b.lang,
                b.lang
            );
            skipped.push(b.at());
        }
    }
    // Shown so a reviewer sees what is not run (with --nocapture).
    println!("blocks shown but not run: {}", skipped.join(", "));
}

/// `unshare` with a fresh network namespace (loopback up) and a fresh PID
/// namespace, so everything the snippet started dies with it.
fn isolated(program: &Path, args: &[&str]) -> Command {
    require_tool(
        "unshare",
        &["-rn", "true"],
        "apt-get install util-linux; user namespaces must be allowed",
    );
    require_tool("ip", &["-V"], "apt-get install iproute2");
    let mut cmd = Command::new("unshare");
    cmd.args(["-rn", "--pid", "--fork", "--kill-child", "sh", "-c"])
        .arg(r#"ip link set lo up && exec "$@""#)
        .arg("sh")
        .arg(program)
        .args(args);
    cmd
}

/// Run `cmd` (in `dir`), require exit 0; the failure names the snippet.
fn run_snippet(b: &Block, cmd: &mut Command, dir: &Path) {
    let out = harness::run(cmd.current_dir(dir), BOUND);
    assert!(
        out.status.success(),
        "{}: the {} snippet failed ({}; {HOW}):\n{}\n--- stdout\n{}\n--- stderr\n{}",
        b.at(),
        b.lang,
        out.status,
        b.body,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn compile_and_run(lang: &str) {
    let blocks = runnable(lang);
    assert!(!blocks.is_empty(), "no {lang} snippets found");
    let (compiler, flags, ext): (&str, &[&str], &str) = match lang {
        "c" => (
            "cc",
            &["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic"],
            "c",
        ),
        _ => ("c++", &["-std=c++17", "-Wall", "-Wextra", "-Werror"], "cpp"),
    };
    require_tool(compiler, &["--version"], "apt-get install gcc g++");
    let lib = deps_lib_dir();
    for (i, b) in blocks.iter().enumerate() {
        let dir = Scratch::new(lang);
        let src = dir.path().join(format!("snippet{i}.{ext}"));
        std::fs::write(&src, &b.body).expect("write snippet");
        let exe = dir.path().join(format!("snippet{i}"));
        let out = Command::new(compiler)
            .args(flags)
            .arg("-I")
            .arg(root().join("include"))
            .arg("-I")
            .arg(root().join("bindings/cpp"))
            .arg(&src)
            .arg("-o")
            .arg(&exe)
            .arg(format!("-L{}", lib.display()))
            .arg(format!("-Wl,-rpath,{}", lib.display()))
            .arg("-lultrastream")
            .output()
            .expect("run the compiler");
        assert!(
            out.status.success(),
            "{}: the {lang} snippet does not build ({HOW}):\n{}",
            b.at(),
            String::from_utf8_lossy(&out.stderr)
        );
        run_snippet(b, &mut isolated(&exe, &[]), dir.path());
    }
}

#[test]
fn c_snippets_build_and_run() {
    compile_and_run("c");
}

#[test]
fn cpp_snippets_build_and_run() {
    compile_and_run("cpp");
}

#[test]
fn python_snippets_run() {
    require_tool("python3", &["--version"], "apt-get install python3");
    let lib = deps_lib_dir();
    let blocks = runnable("python");
    assert!(!blocks.is_empty(), "no python snippets found");
    for b in &blocks {
        let dir = Scratch::new("py");
        std::fs::write(dir.path().join("snippet.py"), &b.body).expect("write snippet");
        let python = which("python3");
        let mut cmd = isolated(&python, &["snippet.py"]);
        cmd.env("PYTHONPATH", root().join("bindings/python/src"))
            .env("ULTRASTREAM_LIB", lib.join("libultrastream.so"));
        run_snippet(b, &mut cmd, dir.path());
    }
}

#[test]
fn shell_snippets_run_on_the_simulator() {
    for (tool, install) in [
        ("bash", "apt-get install bash"),
        ("curl", "apt-get install curl"),
        ("jq", "apt-get install jq"),
    ] {
        require_tool(tool, &["--version"], install);
    }
    let bin = Path::new(env!("CARGO_BIN_EXE_ultrastream"))
        .parent()
        .expect("the programs' folder")
        .to_path_buf();
    assert!(
        bin.join("ultrastream-sim").exists(),
        "ultrastream-sim not built"
    );
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let blocks = runnable("sh");
    assert!(!blocks.is_empty(), "no sh snippets found");
    for b in &blocks {
        let dir = Scratch::new("sh");
        // Background jobs (a simulator) end with the PID namespace.
        std::fs::write(
            dir.path().join("snippet.sh"),
            format!("set -euo pipefail\n{}", b.body),
        )
        .expect("write snippet");
        let bash = which("bash");
        let mut cmd = isolated(&bash, &["snippet.sh"]);
        cmd.env("PATH", &path)
            .env_remove("ULTRASTREAM_HOST")
            .env_remove("ULTRASTREAM_PASSWORD");
        run_snippet(b, &mut cmd, dir.path());
    }
}

/// The examples/*.rs file holding `snippet`, by name.
fn example_holding(snippet: &str) -> Option<String> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(root().join("examples"))
        .expect("examples/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .collect();
    names.sort();
    names.into_iter().find_map(|p| {
        let text = std::fs::read_to_string(&p).ok()?;
        text.contains(snippet)
            .then(|| p.file_stem()?.to_str().map(str::to_string))
            .flatten()
    })
}

#[test]
fn rust_snippets_are_examples_and_run() {
    let blocks = runnable("rust");
    assert!(!blocks.is_empty(), "no rust snippets found");
    let names: Vec<String> = blocks
        .iter()
        .map(|b| {
            example_holding(&b.body).unwrap_or_else(|| {
                panic!(
                    "{}: the Rust snippet is not part of any examples/*.rs (copy it there so cargo builds it)",
                    b.at()
                )
            })
        })
        .collect();
    // Build them with this run's profile (`cargo test --test it docs::` alone
    // does not build examples); cargo holds no lock while tests run.
    let lib = built_lib_dir();
    let target = lib.parent().expect("target folder");
    let mut cargo = Command::new(env!("CARGO"));
    cargo
        .arg("build")
        .current_dir(root())
        .env("CARGO_TARGET_DIR", target);
    for n in &names {
        cargo.args(["--example", n]);
    }
    if lib.file_name().is_some_and(|n| n == "release") {
        cargo.arg("--release");
    }
    harness::run_ok(&mut cargo, Duration::from_secs(900));
    for (b, name) in blocks.iter().zip(&names) {
        let dir = Scratch::new("rs");
        let exe = lib.join("examples").join(name);
        run_snippet(b, &mut isolated(&exe, &[]), dir.path());
    }
}

fn which(tool: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join(tool))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("`{tool}` not on PATH"))
}

// ---- The README's C quick start, with the README's own command ----

fn readme() -> String {
    std::fs::read_to_string(root().join("README.md")).expect("README.md")
}

/// The body of the first fenced block of `lang` (any info after it) after
/// the heading line `heading`.
fn block_after(text: &str, heading: &str, lang: &str) -> String {
    let start = text
        .find(&format!("\n{heading}\n"))
        .unwrap_or_else(|| panic!("no heading {heading}"));
    let rest = &text[start..];
    let open = format!("```{lang}");
    let b = rest
        .find(&open)
        .unwrap_or_else(|| panic!("no {lang} block after {heading}"));
    let b = b + rest[b..].find('\n').expect("fence line") + 1;
    let e = rest[b..].find("```").expect("closing fence") + b;
    rest[b..e].to_string()
}

#[test]
fn the_readme_c_quick_start_builds_in_the_checkout_with_its_own_command() {
    require_tool("cc", &["--version"], "apt-get install gcc");
    let text = readme();
    let app_c = block_after(&text, "### C", "c");
    let commands = block_after(&text, "### C", "sh");
    let cc_line = commands
        .lines()
        .find(|l| l.starts_with("cc app.c"))
        .expect("the README's cc command");
    let run_line = commands
        .lines()
        .find(|l| l.starts_with("./app ") || *l == "./app")
        .map(|l| l.split('#').next().unwrap_or(l).trim().to_string())
        .expect("the README's ./app command");
    assert_eq!(run_line, "./app");

    // A folder laid out like the checkout: include/ and target/ as there.
    let dir = Scratch::new("readme-c");
    let lib = built_lib_dir();
    std::os::unix::fs::symlink(root().join("include"), dir.path().join("include"))
        .expect("link include");
    std::fs::create_dir_all(dir.path().join("target")).expect("target folder");
    std::os::unix::fs::symlink(&lib, dir.path().join("target").join("debug"))
        .expect("link target/debug");
    std::fs::write(dir.path().join("app.c"), &app_c).expect("write app.c");
    let sh = |line: &str| {
        harness::run(
            Command::new("sh")
                .arg("-c")
                .arg(line)
                .current_dir(dir.path())
                .env("PWD", dir.path()),
            BOUND,
        )
    };
    let built = sh(&format!("{cc_line} -Wall -Wextra -Werror"));
    assert!(built.status.success(), "{cc_line}: {built:?}");
    let out = sh(&run_line);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "./app: {out:?}");
    let v: serde_json::Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("not the status JSON ({e}): {stdout}"));
    assert_eq!(v["result"], 0);
    assert!(v["cur-status"].is_u64());
}

#[test]
fn the_readme_is_short_and_links_only_what_exists() {
    let text = readme();
    let lines = text.lines().count();
    assert!(
        lines <= 350,
        "README.md has {lines} lines; keep it at most 350 (move detail to docs/)"
    );
    for file in doc_files() {
        // Links in prose only: code (fenced or inline) may hold `](`.
        let text = prose_of(&std::fs::read_to_string(&file).expect("read"));
        let base = file.parent().expect("folder");
        // Markdown links to local files: ](path) or ](path#anchor).
        for (i, _) in text.match_indices("](") {
            let rest = &text[i + 2..];
            let Some(end) = rest.find(')') else { continue };
            let target = &rest[..end];
            if target.contains("://") || target.starts_with('#') || target.starts_with("mailto:") {
                continue;
            }
            let path = target.split('#').next().unwrap_or(target);
            assert!(
                base.join(path).exists(),
                "{}: link to {target}, which does not exist",
                file.display()
            );
        }
    }
}

/// `text` without fenced blocks and inline code spans.
fn prose_of(text: &str) -> String {
    let mut out = String::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if !fenced {
            let mut in_code = false;
            for part in line.split('`') {
                if !in_code {
                    out.push_str(part);
                }
                in_code = !in_code;
            }
            out.push('\n');
        }
    }
    out
}

#[test]
fn no_snippet_or_example_defaults_to_a_made_up_address() {
    let mut files = doc_files();
    for dir in ["examples", "examples/c", "examples/cpp", "examples/python"] {
        if let Ok(rd) = std::fs::read_dir(root().join(dir)) {
            files.extend(
                rd.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.is_file()),
            );
        }
    }
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        for (n, line) in text.lines().enumerate() {
            // A default is an address in code, not one the user types.
            let code = !line.trim_start().starts_with("//")
                && !line.trim_start().starts_with('#')
                && !line.trim_start().starts_with('*')
                && !line.contains("./")
                && !line.contains("cargo run");
            assert!(
                !(code && line.contains("\"10.0.0.5\"")),
                "{}:{}: {line}",
                f.display(),
                n + 1
            );
        }
    }
}

// ---- Troubleshooting covers every code ----

/// `#define USAPI_<X> <n>` result-code constants of the header.
fn header_codes() -> Vec<(String, i32)> {
    let h = std::fs::read_to_string(root().join("include/ultrastream.h")).expect("header");
    h.lines()
        .filter_map(|l| {
            let mut w = l.strip_prefix("#define ")?.split_whitespace();
            let name = w.next()?;
            let value: i32 = w.next()?.parse().ok()?;
            let code = name == "USAPI_OK"
                || name.starts_with("USAPI_RET_")
                || name.starts_with("USAPI_ERR_")
                || name.starts_with("USAPI_E_");
            code.then(|| (name.to_string(), value))
        })
        .collect()
}

#[test]
fn troubleshooting_has_a_row_for_every_code() {
    let doc = std::fs::read_to_string(root().join("docs/troubleshooting.md"))
        .expect("docs/troubleshooting.md");
    let rows: Vec<&str> = doc.lines().filter(|l| l.starts_with("| ")).collect();
    let row_of = |needle: &str| rows.iter().find(|r| r.contains(needle)).copied();
    let codes = header_codes();
    assert!(
        codes.len() > 80,
        "too few codes parsed from the header: {}",
        codes.len()
    );
    for (name, value) in &codes {
        let row = row_of(&format!("`{name}`"))
            .unwrap_or_else(|| panic!("docs/troubleshooting.md has no row for {name} ({value})"));
        assert!(
            row.starts_with(&format!("| {value} |")),
            "docs/troubleshooting.md: the row of {name} does not start with its number {value}: {row}"
        );
    }
    // The library's own table (names, and codes the header might lack).
    for c in ultrastream::model::codes::CODES {
        let row = rows
            .iter()
            .find(|r| r.starts_with(&format!("| {} |", c.code)))
            .unwrap_or_else(|| {
                panic!(
                    "docs/troubleshooting.md has no row for {} ({})",
                    c.name, c.code
                )
            });
        if !c.name.starts_with("USAPI_") {
            assert!(
                row.contains(&format!("| {} |", c.name)),
                "docs/troubleshooting.md: the row of {} should name it: {row}",
                c.code
            );
        }
    }
}

// ---- API references build without a warning ----

#[test]
fn c_reference_builds_with_doxygen_without_warnings() {
    require_tool(
        "doxygen",
        &["--version"],
        "apt-get install doxygen (Debian's package)",
    );
    let out_dir = Scratch::new("doxygen");
    // docs/Doxyfile as it is, with the output in the scratch folder.
    let config = out_dir.path().join("Doxyfile");
    std::fs::write(
        &config,
        format!(
            "@INCLUDE = {}\nOUTPUT_DIRECTORY = {}\n",
            root().join("docs/Doxyfile").display(),
            out_dir.path().join("out").display()
        ),
    )
    .expect("write Doxyfile");
    let out = harness::run(
        Command::new("doxygen").arg(&config).current_dir(root()),
        BOUND,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.trim().is_empty(),
        "doxygen docs/Doxyfile: {} with warnings (WARN_AS_ERROR; fix the doc comments in src/ffi and regenerate the header):\n{stderr}",
        out.status
    );
    let page = std::fs::read_to_string(out_dir.path().join("out/html/ultrastream_8h.html"))
        .expect("doxygen wrote no page for ultrastream.h");
    // Functions, the simulator's (under USAPI_HAS_SIMULATOR), structs, codes.
    for name in [
        "usapi_get_status",
        "usapi_sim_start",
        "usapi_status_summary",
        "USAPI_ERR_BUSY",
        "usapi_last_error",
    ] {
        assert!(page.contains(name), "the C reference lacks {name}");
    }
}

/// pdoc: $ULTRASTREAM_PDOC, on PATH, or the venv `make pdoc-venv` makes,
/// which this test makes itself when it is missing (pdoc from PyPI, as the
/// Python tests' venvs), so `cargo test` works on a fresh machine.
fn pdoc() -> PathBuf {
    if let Some(p) = std::env::var_os("ULTRASTREAM_PDOC") {
        return PathBuf::from(p);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    if let Some(p) = std::env::split_paths(&path)
        .map(|d| d.join("pdoc"))
        .find(|p| p.is_file())
    {
        return p;
    }
    let venv = harness::target_dir().join("pdoc-venv/bin/pdoc");
    if !venv.is_file() {
        let out = harness::run(
            Command::new("make")
                .arg("-C")
                .arg(harness::root())
                .arg("pdoc-venv")
                .arg(format!("TARGET_DIR={}", harness::target_dir().display())),
            Duration::from_secs(600),
        );
        assert!(
            out.status.success() && venv.is_file(),
            "pdoc is required to build the Python reference and `make pdoc-venv` could not install it \
             (python3 with venv and pip, and PyPI, are needed; or set ULTRASTREAM_PDOC):\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    venv
}

#[test]
fn python_reference_builds_with_pdoc_without_warnings() {
    let pdoc = pdoc();
    let lib = deps_lib_dir();
    let out_dir = Scratch::new("pdoc");
    let out = harness::run(
        Command::new(&pdoc)
            .args(["--docformat", "restructuredtext", "-o"])
            .arg(out_dir.path())
            .arg("ultrastream")
            .current_dir(root())
            .env("PYTHONPATH", root().join("bindings/python/src"))
            .env("ULTRASTREAM_LIB", lib.join("libultrastream.so"))
            .env("PYTHONWARNINGS", "always"),
        BOUND,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.trim().is_empty(),
        "{} failed or warned ({}):\n{stderr}",
        pdoc.display(),
        out.status
    );
    let page = std::fs::read_to_string(out_dir.path().join("ultrastream.html"))
        .expect("pdoc wrote no ultrastream.html");
    for id in [
        "id=\"Device\"",
        "id=\"Device.get_status\"",
        "id=\"Simulator\"",
        "id=\"BusyError\"",
    ] {
        assert!(page.contains(id), "the Python reference lacks {id}");
    }
}
