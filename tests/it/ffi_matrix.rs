//! The FFI misuse matrix, generated from the committed header: every
//! export of include/ultrastream.h is called from C with each of its
//! arguments misused in turn — every pointer NULL, handles 0 / closed /
//! random, strings invalid UTF-8 or 1 MiB long, sizes SIZE_MAX, integers
//! at their extremes — under valgrind. Each call must return a defined
//! code (a device code, 0, or a named library code) with a readable
//! last error, and valgrind must see no error and no definite leak.
//!
//! A new export is covered the moment it is in the header; an argument
//! type the generator does not know fails the test with what to teach it.
//! Nothing leaves loopback: handles point at a closed 127.0.0.1 port, and
//! discovery is given a loopback unicast target (its NULL options, which
//! mean "the multicast defaults", are documented as valid and skipped).
//!
//! Needs cc and valgrind (.ci/run installs both).

use crate::harness;
use std::collections::BTreeMap;
use std::fmt::Write as _;

use harness::{deps_lib_dir, require_tool, root};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

#[derive(Debug, Clone)]
struct Arg {
    ty: String,
    name: String,
}

#[derive(Debug, Clone)]
struct Func {
    ret: String,
    name: String,
    args: Vec<Arg>,
}

#[derive(Debug, Default)]
struct Header {
    funcs: Vec<Func>,
    /// `typedef uint64_t usapi_x;` handle kinds.
    handles: Vec<String>,
    /// Struct name -> its fields.
    structs: BTreeMap<String, Vec<Arg>>,
    /// Callback typedef name -> (return type, argument types).
    callbacks: BTreeMap<String, (String, Vec<Arg>)>,
}

fn strip_comments(src: &str) -> String {
    let mut out = String::with_capacity(src.len());
    let mut rest = src;
    while let Some(i) = rest.find("/*") {
        out.push_str(&rest[..i]);
        match rest[i..].find("*/") {
            Some(j) => rest = &rest[i + j + 2..],
            None => return out,
        }
    }
    out.push_str(rest);
    out.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// "const char *host" -> (type "const char *", name "host").
fn split_arg(a: &str) -> Arg {
    let a = squash(a);
    let cut = a
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map(|i| i + 1)
        .unwrap_or(0);
    Arg {
        ty: squash(&a[..cut].replace('*', " * ")).replace("* *", "**"),
        name: a[cut..].to_string(),
    }
}

fn split_args(s: &str) -> Vec<Arg> {
    let s = s.trim();
    if s.is_empty() || s == "void" {
        return Vec::new();
    }
    s.split(',').map(split_arg).collect()
}

fn parse_header(text: &str) -> Header {
    let src = strip_comments(text);
    let mut h = Header::default();
    // Structs: typedef struct NAME { ... } NAME;
    let mut rest = src.as_str();
    while let Some(i) = rest.find("typedef struct ") {
        let after = &rest[i + "typedef struct ".len()..];
        let (Some(open), Some(close)) = (after.find('{'), after.find('}')) else {
            break;
        };
        let name = after[..open].trim().to_string();
        let fields = after[open + 1..close]
            .split(';')
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(split_arg)
            .collect();
        h.structs.insert(name, fields);
        rest = &after[close..];
    }
    for stmt in src.split(';') {
        let stmt = squash(stmt);
        let stmt = stmt
            .rsplit(['{', '}'])
            .next()
            .unwrap_or("")
            .trim()
            .to_string();
        if let Some(t) = stmt.strip_prefix("typedef uint64_t ") {
            if t.starts_with("usapi_") && !t.contains(' ') {
                h.handles.push(t.to_string());
            }
            continue;
        }
        if let Some(t) = stmt.strip_prefix("typedef ") {
            // typedef R (*name)(args)
            if let (Some(a), Some(b)) = (t.find("(*"), t.find(")(")) {
                let ret = t[..a].trim().to_string();
                let name = t[a + 2..b].trim().to_string();
                let args = split_args(&t[b + 2..t.len() - 1]);
                h.callbacks.insert(name, (ret, args));
            }
            continue;
        }
        let Some(open) = stmt.find('(') else { continue };
        if !stmt.ends_with(')') || stmt.contains('{') {
            continue;
        }
        let head = &stmt[..open];
        let cut = head
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map(|i| i + 1)
            .unwrap_or(0);
        let name = head[cut..].to_string();
        if !name.starts_with("usapi_") {
            continue;
        }
        h.funcs.push(Func {
            ret: squash(&head[..cut].replace('*', " * ")),
            name,
            args: split_args(&stmt[open + 1..stmt.len() - 1]),
        });
    }
    h
}

/// What an argument is, for choosing its values.
#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Handle(String),
    OutHandle(String),
    /// `const usapi_device *`: an array of handles (usapi_watch_start).
    InHandles(String),
    InStr,
    OutStr,
    /// `char *` handed back to the library (usapi_string_free).
    OwnedStr,
    StrArray,
    InBytes,
    InStruct(String),
    OutStruct(String),
    OutScalar(String),
    Size,
    Int(String),
    Callback(String),
    UserData,
}

fn kind(h: &Header, a: &Arg) -> Result<Kind, String> {
    let t = a.ty.replace("struct ", "");
    let t = t.trim();
    let ints = [
        "int32_t", "uint32_t", "int64_t", "uint64_t", "uint8_t", "uint16_t", "int", "bool",
    ];
    Ok(match t {
        "const char *" => Kind::InStr,
        "char **" => Kind::OutStr,
        "char *" => Kind::OwnedStr,
        "const char * const *" | "const char *const *" | "const char **" => Kind::StrArray,
        "const uint8_t *" | "const void *" => Kind::InBytes,
        "void *" => Kind::UserData,
        "size_t" | "uintptr_t" => Kind::Size,
        _ if h.handles.iter().any(|x| x == t) => Kind::Handle(t.to_string()),
        _ if ints.contains(&t) => Kind::Int(t.to_string()),
        _ if h.callbacks.contains_key(t) => Kind::Callback(t.to_string()),
        _ => {
            if let Some(base) = t.strip_suffix(" *") {
                let base = base.trim();
                if let Some(s) = base.strip_prefix("const ") {
                    if h.handles.iter().any(|x| x == s.trim()) {
                        return Ok(Kind::InHandles(s.trim().to_string()));
                    }
                    if h.structs.contains_key(s.trim()) {
                        return Ok(Kind::InStruct(s.trim().to_string()));
                    }
                } else if h.handles.iter().any(|x| x == base) {
                    return Ok(Kind::OutHandle(base.to_string()));
                } else if h.structs.contains_key(base) {
                    return Ok(Kind::OutStruct(base.to_string()));
                } else if ints.contains(&base) || base == "size_t" {
                    return Ok(Kind::OutScalar(base.to_string()));
                }
            }
            return Err(format!(
                "argument '{}' of type '{}' (teach tests/it/ffi_matrix.rs this type)",
                a.name, a.ty
            ));
        }
    })
}

/// An integer argument that is a time to wait.
fn is_duration(a: &Arg) -> bool {
    a.name.contains("timeout") || a.name.ends_with("_ms")
}

/// A C expression for a valid-looking value of `a` (the baseline). `pre`
/// receives statements to run before the call.
fn baseline(h: &Header, f: &Func, a: &Arg, k: &Kind, pre: &mut String) -> String {
    match k {
        Kind::Handle(t) if t == "usapi_device" => {
            if f.name.ends_with("_close") {
                pre.push_str("usapi_device fresh_dev = open_dev();\n");
                "fresh_dev".into()
            } else {
                "g_dev".into()
            }
        }
        Kind::Handle(t) if t == "usapi_sim" => {
            if f.name.ends_with("_stop") {
                pre.push_str("usapi_sim fresh_sim = start_sim();\n");
                "fresh_sim".into()
            } else {
                "g_sim".into()
            }
        }
        // A handle kind this generator cannot create: 0 is its baseline.
        Kind::Handle(_) => "0".into(),
        Kind::OutHandle(t) => {
            let _ = writeln!(pre, "{t} out_{} = 0;", a.name);
            format!("&out_{}", a.name)
        }
        Kind::InStr => {
            let n = a.name.to_ascii_lowercase();
            if n.contains("json") {
                "\"{}\"".into()
            } else if n == "host" {
                "g_host".into()
            } else if n.contains("path") || n.contains("dest") || n.contains("file") {
                "\"/nonexistent-usapi-matrix/x\"".into()
            } else {
                "\"x\"".into()
            }
        }
        Kind::OutStr => {
            let _ = writeln!(pre, "char *out_{} = NULL;", a.name);
            format!("&out_{}", a.name)
        }
        Kind::OwnedStr => "owned_string()".into(),
        Kind::InHandles(t) => {
            let _ = writeln!(pre, "{t} arr_{}[1] = {{g_dev}};", a.name);
            format!("arr_{}", a.name)
        }
        Kind::StrArray => {
            let _ = writeln!(pre, "const char *arr_{}[1] = {{\"x\"}};", a.name);
            format!("arr_{}", a.name)
        }
        Kind::InBytes => {
            let _ = writeln!(pre, "static const uint8_t bytes_{}[1] = {{0}};", a.name);
            format!("bytes_{}", a.name)
        }
        Kind::InStruct(s) | Kind::OutStruct(s) => {
            let _ = writeln!(pre, "struct {s} st_{};", a.name);
            let _ = writeln!(pre, "memset(&st_{0}, 0, sizeof st_{0});", a.name);
            if matches!(k, Kind::InStruct(_)) {
                for fld in h.structs.get(s).into_iter().flatten() {
                    let set = match fld.name.as_str() {
                        n if n.ends_with("timeout_ms") => Some("50".to_string()),
                        n if n.ends_with("interval_ms") => Some("10".to_string()),
                        "local_address" => Some("\"127.0.0.1\"".into()),
                        "target" => Some("g_target".into()),
                        // Discovery: no group listening (loopback unicast only).
                        "flags" if s.contains("discover") => {
                            Some("USAPI_DISCOVER_NO_GROUP_LISTEN".into())
                        }
                        _ => None,
                    };
                    if let Some(v) = set {
                        let _ = writeln!(pre, "st_{}.{} = {v};", a.name, fld.name);
                    }
                }
            }
            format!("&st_{}", a.name)
        }
        Kind::OutScalar(t) => {
            let _ = writeln!(pre, "{t} sc_{} = 0;", a.name);
            format!("&sc_{}", a.name)
        }
        Kind::Size => "1".into(),
        // A duration: short (0 often means a long default, e.g. 300 s).
        Kind::Int(_) if is_duration(a) => "50".into(),
        Kind::Int(_) => "0".into(),
        Kind::Callback(t) => format!("cb_{t}"),
        Kind::UserData => "NULL".into(),
    }
}

/// The misuses of one argument: (label, C expression, statements before).
fn misuses(k: &Kind, f: &Func, a: &Arg) -> Vec<(String, String, String)> {
    let m = |l: &str, e: &str| (l.to_string(), e.to_string(), String::new());
    match k {
        Kind::Handle(t) if t == "usapi_device" => vec![
            m("handle 0", "0"),
            m("closed handle", "g_closed_dev"),
            m("random handle", "(usapi_device)0x9e3779b97f4a7c15ULL"),
            m("max handle", "(usapi_device)UINT64_MAX"),
        ],
        Kind::Handle(t) if t == "usapi_sim" => vec![
            m("handle 0", "0"),
            m("closed handle", "g_closed_sim"),
            m("random handle", "(usapi_sim)0x9e3779b97f4a7c15ULL"),
        ],
        Kind::Handle(t) => vec![
            m("handle 0", "0"),
            m("random handle", &format!("({t})0x9e3779b97f4a7c15ULL")),
        ],
        Kind::InStr => vec![
            m("NULL", "NULL"),
            m("invalid UTF-8", "\"\\xff\\xfe\\xc0\\x80\""),
            m("1 MiB string", "g_long"),
        ],
        Kind::InHandles(t) => vec![
            m("NULL array", "NULL"),
            (
                "array holding handle 0".into(),
                "arr_zero".into(),
                format!("{t} arr_zero[1] = {{0}};\n"),
            ),
        ],
        Kind::StrArray => vec![
            m("NULL array", "NULL"),
            (
                "array holding NULL".into(),
                "arr_null".into(),
                "const char *arr_null[1] = {NULL};\n".into(),
            ),
            (
                "array holding invalid UTF-8".into(),
                "arr_bad".into(),
                "const char *arr_bad[1] = {\"\\xff\"};\n".into(),
            ),
        ],
        Kind::InStruct(s) if s.contains("discover") => Vec::new(), // NULL = the multicast defaults
        Kind::OutHandle(_)
        | Kind::OutStr
        | Kind::OwnedStr
        | Kind::InBytes
        | Kind::InStruct(_)
        | Kind::OutStruct(_)
        | Kind::OutScalar(_)
        | Kind::Callback(_) => vec![m("NULL", "NULL")],
        Kind::Size => {
            // SIZE_MAX next to a 1-element buffer: must be refused unread.
            let _ = (f, a);
            vec![m("SIZE_MAX", "SIZE_MAX")]
        }
        // A duration's extremes only make the call wait as long as asked.
        Kind::Int(_) if is_duration(a) => vec![m("1 ms", "1")],
        Kind::Int(t) => match t.as_str() {
            "int32_t" | "int" => vec![
                m("-1", "-1"),
                m("INT32_MIN", "INT32_MIN"),
                m("INT32_MAX", "INT32_MAX"),
            ],
            "uint8_t" => vec![m("255", "255")],
            "uint16_t" => vec![m("65535", "65535")],
            "uint32_t" => vec![m("UINT32_MAX", "UINT32_MAX")],
            "uint64_t" => vec![m("UINT64_MAX", "UINT64_MAX")],
            "int64_t" => vec![m("INT64_MIN", "INT64_MIN")],
            _ => vec![m("1", "1")],
        },
        Kind::UserData => Vec::new(),
    }
}

/// After a call: free and close what it handed out.
fn cleanup(f: &Func, kinds: &[(Arg, Kind)], overridden: usize) -> String {
    let mut s = String::new();
    for (i, (a, k)) in kinds.iter().enumerate() {
        if i == overridden {
            continue;
        }
        match k {
            Kind::OutStr => {
                let _ = writeln!(s, "usapi_string_free(out_{});", a.name);
            }
            Kind::OutHandle(t) if t == "usapi_device" => {
                let _ = writeln!(s, "if (out_{0}) usapi_device_close(out_{0});", a.name);
            }
            Kind::OutHandle(t) if t == "usapi_sim" => {
                let _ = writeln!(s, "if (out_{0}) usapi_sim_stop(out_{0});", a.name);
            }
            Kind::OutHandle(t) if t == "usapi_watch" => {
                let _ = writeln!(s, "if (out_{0}) usapi_watch_stop(out_{0});", a.name);
            }
            _ => {}
        }
    }
    if f.name.ends_with("_close") || f.name.ends_with("_stop") {
        for (a, k) in kinds {
            if let Kind::Handle(t) = k {
                if t == "usapi_device" && !a.name.is_empty() {
                    s.push_str("usapi_device_close(fresh_dev);\n");
                }
                if t == "usapi_sim" {
                    s.push_str("usapi_sim_stop(fresh_sim);\n");
                }
            }
        }
    }
    s
}

fn generate(h: &Header, closed_port: u16) -> Result<(String, usize), String> {
    let mut c = String::new();
    c.push_str(
        "#define _POSIX_C_SOURCE 200809L\n#include <time.h>\n#include <stdint.h>\n#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n#include \"ultrastream.h\"\n\n",
    );
    let _ = writeln!(
        c,
        "static const char *g_host = \"127.0.0.1:{closed_port}\";"
    );
    let _ = writeln!(
        c,
        "static const char *g_target = \"127.0.0.1:{closed_port}\";"
    );
    c.push_str(
        r#"static usapi_device g_dev, g_closed_dev;
static usapi_sim g_sim, g_closed_sim;
static char *g_long;
static long g_calls, g_failures;

static usapi_device open_dev(void) {
    usapi_options o;
    memset(&o, 0, sizeof o);
    o.connect_timeout_ms = 500;
    o.request_timeout_ms = 1000;
    o.upload_timeout_ms = 1000;
    usapi_device d = 0;
    if (usapi_device_open(g_host, &o, &d) != 0) { fprintf(stderr, "open failed\n"); exit(2); }
    return d;
}

static usapi_sim start_sim(void) {
    usapi_sim s = 0;
    if (usapi_sim_start("{}", &s) != 0) { fprintf(stderr, "sim start failed: %s\n", usapi_last_error()); exit(2); }
    return s;
}

/* A string the library handed out, for usapi_string_free. */
static char *owned_string(void) {
    char *s = NULL;
    if (usapi_sim_address(g_sim, &s) != 0 || s == NULL) { fprintf(stderr, "no string\n"); exit(2); }
    return s;
}

/* A code is defined when it is >= 0 (success or a device outcome), a
   device code (> -1000), or a named library code. */
static void check(const char *what, int32_t rc) {
    g_calls++;
    const char *err = usapi_last_error();
    if (err == NULL) { printf("FAIL %s: usapi_last_error() is NULL\n", what); g_failures++; return; }
    (void)strlen(err);
    if (rc <= -1000 && strcmp(usapi_result_name(rc), "unknown") == 0) {
        printf("FAIL %s: undefined code %d (%s)\n", what, rc, err);
        g_failures++;
    }
    if (rc < 0 && err[0] == '\0') {
        printf("FAIL %s: code %d without a message\n", what, rc);
        g_failures++;
    }
}

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}
static double g_t0;

static void check_str(const char *what, const char *s) {
    g_calls++;
    if (s == NULL) { printf("FAIL %s: NULL string\n", what); g_failures++; return; }
    (void)strlen(s);
}

"#,
    );
    // One callback per callback typedef: returns 1 (stop / cancel).
    for (name, (ret, args)) in &h.callbacks {
        let params: Vec<String> = args
            .iter()
            .enumerate()
            .map(|(i, a)| format!("{} p{i}", a.ty))
            .collect();
        let _ = writeln!(
            c,
            "static {ret} cb_{name}({}) {{ {} {} }}",
            params.join(", "),
            (0..args.len())
                .map(|i| format!("(void)p{i};"))
                .collect::<String>(),
            if ret == "void" { "" } else { "return 1;" }
        );
    }
    c.push_str("\nint main(void) {\n    g_long = malloc((1u << 20) + 1);\n    memset(g_long, 'a', 1u << 20);\n    g_long[1u << 20] = 0;\n");
    c.push_str("    g_dev = open_dev();\n    g_closed_dev = open_dev();\n    usapi_device_close(g_closed_dev);\n");
    c.push_str("    g_sim = start_sim();\n    g_closed_sim = start_sim();\n    usapi_sim_stop(g_closed_sim);\n\n");
    let mut cases = 0;
    for f in &h.funcs {
        let kinds: Vec<(Arg, Kind)> = f
            .args
            .iter()
            .map(|a| kind(h, a).map(|k| (a.clone(), k)))
            .collect::<Result<_, _>>()
            .map_err(|e| format!("{}: {e}", f.name))?;
        // Case -1: every argument at its baseline; then each misuse.
        let mut plan: Vec<(usize, String, String, String)> =
            vec![(usize::MAX, "baseline".into(), String::new(), String::new())];
        for (i, (a, k)) in kinds.iter().enumerate() {
            for (label, expr, pre) in misuses(k, f, a) {
                plan.push((i, format!("{} {label}", a.name), expr, pre));
            }
        }
        for (over, label, expr, extra_pre) in plan {
            // Never stop the shared handles with a baseline close/stop.
            let mut pre = extra_pre;
            let mut argv = Vec::new();
            for (i, (a, k)) in kinds.iter().enumerate() {
                if i == over {
                    argv.push(expr.clone());
                } else {
                    argv.push(baseline(h, f, a, k, &mut pre));
                }
            }
            if over != usize::MAX
                && pre.contains("fresh_dev")
                && !argv.iter().any(|a| a == "fresh_dev")
            {
                pre = pre.replace("usapi_device fresh_dev = open_dev();\n", "");
            }
            if over != usize::MAX
                && pre.contains("fresh_sim")
                && !argv.iter().any(|a| a == "fresh_sim")
            {
                pre = pre.replace("usapi_sim fresh_sim = start_sim();\n", "");
            }
            let what = format!("{}: {label}", f.name).replace('"', "'");
            let call = format!("{}({})", f.name, argv.join(", "));
            let body = match f.ret.as_str() {
                "void" => format!("{call};\n"),
                "int32_t" => format!("check(\"{what}\", {call});\n"),
                "const char *" => format!("check_str(\"{what}\", {call});\n"),
                other => {
                    return Err(format!(
                        "{}: return type '{other}' (teach tests/it/ffi_matrix.rs)",
                        f.name
                    ));
                }
            };
            let mut post = cleanup(f, &kinds, over);
            if !argv.iter().any(|a| a == "fresh_dev") {
                post = post.replace("usapi_device_close(fresh_dev);\n", "");
            }
            if !argv.iter().any(|a| a == "fresh_sim") {
                post = post.replace("usapi_sim_stop(fresh_sim);\n", "");
            }
            let _ = writeln!(
                c,
                "    {{ printf(\"call %s\\n\", \"{what}\"); fflush(stdout); g_t0 = now_s();\n{pre}{body}{post} if (now_s() - g_t0 > 0.3) printf(\"slow %.2f s: %s\\n\", now_s() - g_t0, \"{what}\");\n    }}"
            );
            cases += 1;
        }
    }
    c.push_str(
        "    usapi_device_close(g_dev);\n    usapi_sim_stop(g_sim);\n    free(g_long);\n    printf(\"matrix: %ld calls, %ld failures\\n\", g_calls, g_failures);\n    return g_failures ? 1 : 0;\n}\n",
    );
    Ok((c, cases))
}

/// Run with a deadline; the last "call ..." line names a hang.
fn run_bounded(cmd: &mut Command, limit: Duration) -> (bool, String, String) {
    match harness::run_bounded(cmd, limit) {
        Ok(out) => (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ),
        Err(out) => {
            let o = String::from_utf8_lossy(&out.stdout);
            let last = o
                .lines()
                .rev()
                .find(|l| l.starts_with("call "))
                .unwrap_or("");
            panic!(
                "the matrix did not finish in {limit:?}; last: {last}\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

#[test]
fn header_is_parsed_completely() {
    let h = parse_header(&std::fs::read_to_string(root().join("include/ultrastream.h")).unwrap());
    let raw = std::fs::read_to_string(root().join("include/ultrastream.h")).unwrap();
    // Every declaration line ("int32_t usapi_x(", "void usapi_x(", ...)
    // is a parsed export.
    let declared: std::collections::BTreeSet<String> = raw
        .lines()
        .filter(|l| !l.starts_with(' ') && !l.starts_with("typedef") && !l.starts_with('#'))
        .filter_map(|l| {
            let i = l.find("usapi_")?;
            let rest = &l[i..];
            let name = &rest[..rest.find('(')?];
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
                .then(|| name.to_string())
        })
        .collect();
    assert!(declared.len() >= 76, "{declared:?}");
    let parsed: std::collections::BTreeSet<_> = h.funcs.iter().map(|f| f.name.clone()).collect();
    for n in &declared {
        assert!(parsed.contains(n), "{n} declared but not parsed");
    }
    assert!(h.funcs.len() >= 76, "{} exports", h.funcs.len());
    for must in [
        "usapi_device_open",
        "usapi_upload_update_data",
        "usapi_del_media_files",
        "usapi_sim_start",
    ] {
        assert!(parsed.contains(must), "{must}");
    }
    assert!(h.handles.contains(&"usapi_device".to_string()));
    assert!(h.structs.contains_key("usapi_server"));
    for f in &h.funcs {
        for a in &f.args {
            kind(&h, a).unwrap_or_else(|e| panic!("{}: {e}", f.name));
        }
    }
}

#[test]
fn every_export_survives_every_misuse_under_valgrind() {
    require_tool("cc", &["--version"], "apt-get install gcc");
    require_tool("valgrind", &["--version"], "apt-get install valgrind");
    let header = std::fs::read_to_string(root().join("include/ultrastream.h")).unwrap();
    let h = parse_header(&header);
    // A loopback port with nothing listening: connects fail at once.
    let closed_port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let (src, cases) = generate(&h, closed_port).unwrap_or_else(|e| panic!("{e}"));
    let dir = std::env::temp_dir().join(format!("usapi-matrix-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let c_file = dir.join("matrix.c");
    std::fs::write(&c_file, &src).unwrap();
    let exe = dir.join("matrix");
    let lib = deps_lib_dir();
    harness::cc_against_lib(&["-std=c11", "-O0", "-g", "-w"], &c_file, &exe, &lib);
    let (ok, out, err) = run_bounded(
        harness::valgrind(99, "definite")
            .arg(&exe)
            .env_remove("LD_LIBRARY_PATH")
            .env("TMPDIR", &dir),
        Duration::from_secs(400),
    );
    let failures: Vec<&str> = out.lines().filter(|l| l.starts_with("FAIL")).collect();
    assert!(
        failures.is_empty(),
        "{} misuse failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        ok,
        "the matrix failed under valgrind:\n{}\n{err}",
        out.lines().rev().take(5).collect::<Vec<_>>().join("\n")
    );
    assert!(err.contains("ERROR SUMMARY: 0 errors"), "{err}");
    for slow in out.lines().filter(|l| l.starts_with("slow ")) {
        println!("{slow}");
    }
    let summary = out.lines().find(|l| l.starts_with("matrix:")).unwrap_or("");
    assert!(
        summary.contains(&format!("{cases} calls")) || summary.contains(" calls, 0 failures"),
        "{summary}"
    );
    println!("{summary} ({} exports)", h.funcs.len());
    assert!(cases > 400, "only {cases} cases");
    let _ = std::fs::remove_dir_all(&dir);
    let _: &Path = &dir;
}
