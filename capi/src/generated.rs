//! What the bindings would otherwise copy by hand, written from its one
//! source (issue 21: no table copied between the bindings and the core).
//!
//! From the core's tables (the result codes and kinds of `model::codes`,
//! the status bits and disk statuses of `model::status`, `api::METHODS`):
//! - `src/ffi/consts.rs`, the C macros: cbindgen copies only literal
//!   values, so the numbers must stand in the source;
//! - `bindings/python/src/ultrastream/_tables.py`: the Python package
//!   cannot read them from the library at import (it loads the library
//!   lazily, and `StatusFlag` must be a class a type checker sees).
//!
//! From the C header (itself generated from src/ffi by cbindgen):
//! - `bindings/python/src/ultrastream/_cdecl.py`: every struct, callback
//!   type and function's `restype` / `argtypes` for ctypes;
//! - the block of parameterless members in `bindings/cpp/ultrastream.hpp`.
//!
//! Everything else a binding needs it asks the library at run time
//! (`usapi_result_name`, `usapi_result_kind`, `usapi_status_flag_name`).
//! The files are committed, like the header: a test fails when one differs
//! from what its source gives now, and
//! `ULTRASTREAM_UPDATE_GENERATED=1 cargo test -p ultrastream-capi`
//! rewrites them (after `ULTRASTREAM_UPDATE_HEADER=1 cargo build` when the
//! C API changed).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use ultrastream_rs::api::METHODS;
use ultrastream_rs::ffi;
use ultrastream_rs::model::{codes, status};

/// The crate's folder (capi/ lies inside it).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("capi/ lies inside the crate")
        .to_path_buf()
}

const BANNER: &str = "# Generated from the library's own tables by capi/src/generated.rs: do not edit.\n\
# After a change to src/model/codes.rs, src/model/status.rs, src/api/mod.rs\n\
# or the USAPI_DISCOVER_* constants of src/ffi/discovery.rs,\n\
# regenerate with `ULTRASTREAM_UPDATE_GENERATED=1 cargo test -p ultrastream-capi`.\n";

/// A Python string literal (quotes, backslashes and anything not printable
/// ASCII escaped).
fn py_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_ascii() && !c.is_ascii_control() => out.push(c),
            c => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
        }
    }
    out.push('"');
    out
}

/// `bindings/python/src/ultrastream/_tables.py`.
pub fn python_tables() -> String {
    let mut s = String::new();
    s.push_str(BANNER);
    s.push_str(
        "\"\"\"The library's tables for the package: result codes, status bits, disk\n\
         statuses and the API methods (generated; see the banner).\"\"\"\n\n\
         from __future__ import annotations\n\n\
         import enum\n\
         from typing import Dict, Tuple\n\n\
         # What `from ._tables import *` gives: the result code constants.\n\
         __all__ = [\n",
    );
    for c in codes::CODES {
        let _ = writeln!(s, "    {},", py_str(c.ident));
    }
    s.push_str(
        "]\n\n# --- Result codes (src/model/codes.rs; USAPI_ + the name is the C macro) ---\n\n",
    );
    for c in codes::CODES {
        let _ = writeln!(s, "#: {}: {}.", c.name, c.message);
        let _ = writeln!(s, "{} = {}", c.ident, c.code);
    }
    s.push_str(
        "\n# What a caller does about a failure (usapi_result_kind; USAPI_KIND_* in C).\n\n",
    );
    for k in codes::kind::KINDS {
        let _ = writeln!(s, "#: {}.\nKIND_{} = {}", k.meaning, k.ident, k.value);
    }
    s.push_str("\n\n");

    // IntFlag / IntEnum members: the Rust constant without its prefix.
    let member = |ident: &'static str, prefix: &str| {
        ident
            .strip_prefix(prefix)
            .unwrap_or_else(|| panic!("{ident} does not start with {prefix}"))
    };
    s.push_str(
        "class StatusFlag(enum.IntFlag):\n    \"\"\"Bits of ``cur-status`` (the ``USAPI_STATUS_*`` macros of ultrastream.h).\"\"\"\n\n",
    );
    for f in status::STATUS_BITS {
        let _ = writeln!(s, "    {} = {:#x}", member(f.ident, "STATUS_"), f.value);
    }
    s.push_str(
        "\n\n#: The document's name of each bit, its spelling (\"stausIPv6\") included.\n\
         STATUS_FLAG_NAMES: Dict[int, str] = {\n",
    );
    for f in status::STATUS_BITS {
        let _ = writeln!(s, "    {:#x}: {},", f.value, py_str(f.name));
    }
    s.push_str(
        "}\n\n\nclass DiskStatus(enum.IntEnum):\n    \"\"\"``disk-status`` values (values, not bits: compare with ``==``).\"\"\"\n\n",
    );
    for d in status::DISK_STATUSES {
        let _ = writeln!(s, "    #: {}: {}.", d.name, d.meaning);
        let _ = writeln!(s, "    {} = {}", member(d.ident, "DISK_"), d.value);
    }
    s.push_str(
        "\n\n#: The document's name of each disk status.\nDISK_STATUS_NAMES: Dict[int, str] = {\n",
    );
    for d in status::DISK_STATUSES {
        let _ = writeln!(s, "    {}: {},", d.value, py_str(d.name));
    }
    s.push_str("}\n\n# --- The API methods (src/api/mod.rs) ---\n\n");
    let _ = writeln!(
        s,
        "#: The {} methods of the document, in its order.\nAPI_METHODS: Tuple[str, ...] = (",
        METHODS.len()
    );
    for m in METHODS {
        let _ = writeln!(s, "    {},", py_str(m.name));
    }
    s.push_str(")\n\n# --- Discovery (src/ffi/discovery.rs) ---\n\n");
    for (name, value, what) in [
        (
            "DISCOVER_MULTICAST",
            ffi::USAPI_DISCOVER_MULTICAST,
            "``protocols`` bit: the vendor's multicast protocol.",
        ),
        (
            "DISCOVER_SSDP",
            ffi::USAPI_DISCOVER_SSDP,
            "``protocols`` bit: SSDP.",
        ),
        (
            "DISCOVER_NO_DESCRIPTION_FETCH",
            ffi::USAPI_DISCOVER_NO_DESCRIPTION_FETCH,
            "``flags`` bit: never fetch UPnP descriptions.",
        ),
        (
            "DISCOVER_NO_GROUP_LISTEN",
            ffi::USAPI_DISCOVER_NO_GROUP_LISTEN,
            "``flags`` bit: do not listen on the multicast group.",
        ),
    ] {
        let _ = writeln!(s, "#: {what}\n{name} = {value}");
    }
    s
}

/// `src/ffi/consts.rs`: the C macros of the codes, bits and disk statuses.
/// cbindgen copies only literal values, so they are written out here
/// rather than taken from `model` by path.
pub fn ffi_consts() -> String {
    let mut s = String::from(
        "//! Every result code, status bit and disk status as a C constant, written\n\
         //! from `model::codes` and `model::status` by capi/src/generated.rs\n\
         //! (cbindgen copies literal values only): do not edit. After a change to\n\
         //! those tables run `ULTRASTREAM_UPDATE_GENERATED=1 cargo test -p\n\
         //! ultrastream-capi`, then `ULTRASTREAM_UPDATE_HEADER=1 cargo build`.\n\n\
         // Device result codes (vendor document, section 1.3), plus 36 for login.\n",
    );
    let mut library = false;
    for c in codes::CODES {
        if c.code <= -1000 && !library {
            library = true;
            s.push_str("\n// Library-side codes: -1000 down.\n");
        }
        let _ = writeln!(
            s,
            "/// {}: {}.\npub const USAPI_{}: i32 = {};",
            c.name, c.message, c.ident, c.code
        );
    }
    s.push_str("\n// What a caller does about a failure (usapi_result_kind).\n");
    for k in codes::kind::KINDS {
        let _ = writeln!(
            s,
            "/// {}.\npub const USAPI_KIND_{}: i32 = {};",
            k.meaning, k.ident, k.value
        );
    }
    s.push_str("\n// Device status mask bits (`cur-status`, section 1.4).\n");
    for f in status::STATUS_BITS {
        let _ = writeln!(
            s,
            "/// {}\npub const USAPI_{}: u32 = {:#04x};",
            f.name, f.ident, f.value
        );
    }
    s.push_str(
        "\n// Storage device status values (`disk-status`, section 1.5); compare with ==.\n",
    );
    for d in status::DISK_STATUSES {
        let _ = writeln!(
            s,
            "/// {}: {}.\npub const USAPI_{}: u32 = {:#04x};",
            d.name, d.meaning, d.ident, d.value
        );
    }
    s
}

const CPP_BEGIN: &str = "    // Generated from include/ultrastream.h by capi/src/generated.rs: one member per\n    \
     // `int32_t usapi_NAME(usapi_device dev, char **out_json)`. Do not edit.\n";
const CPP_END: &str = "    // End of the generated members.\n";

/// `bindings/cpp/ultrastream.hpp` with its block of parameterless members
/// written from the header's functions of that shape.
pub fn cpp_header(hpp: &str, header: &str) -> String {
    let begin = hpp
        .find(CPP_BEGIN)
        .expect("ultrastream.hpp has the generated block's first line");
    let end = hpp[begin..].find(CPP_END).expect("and its last line") + begin;
    let mut s = String::from(&hpp[..begin]);
    s.push_str(CPP_BEGIN);
    for decl in strip_comments(header).split(';') {
        let decl = decl.split_whitespace().collect::<Vec<_>>().join(" ");
        if let Some(name) = decl
            .strip_prefix("int32_t usapi_")
            .and_then(|d| d.strip_suffix("(usapi_device dev, char **out_json)"))
        {
            let _ = writeln!(s, "    ULTRASTREAM_SIMPLE_({name})");
        }
    }
    s.push_str(&hpp[end..]);
    s
}

/// Every generated file: its path in the crate and what it must hold.
fn generated() -> Vec<(&'static str, String)> {
    vec![
        (
            "bindings/python/src/ultrastream/_tables.py",
            python_tables(),
        ),
        ("src/ffi/consts.rs", ffi_consts()),
        (
            "bindings/python/src/ultrastream/_cdecl.py",
            python_cdecl(include_str!("../../include/ultrastream.h")),
        ),
        (
            "bindings/cpp/ultrastream.hpp",
            cpp_header(
                &std::fs::read_to_string(root().join("bindings/cpp/ultrastream.hpp"))
                    .expect("read bindings/cpp/ultrastream.hpp"),
                include_str!("../../include/ultrastream.h"),
            ),
        ),
    ]
}

#[test]
fn committed_generated_files_are_current() {
    let update = std::env::var("ULTRASTREAM_UPDATE_GENERATED").as_deref() == Ok("1");
    let mut stale = Vec::new();
    for (path, want) in generated() {
        let file = root().join(path);
        let have = std::fs::read_to_string(&file).unwrap_or_default();
        if have == want {
            continue;
        }
        if update {
            std::fs::write(&file, &want)
                .unwrap_or_else(|e| panic!("cannot write {}: {e}", file.display()));
        } else {
            stale.push(path);
        }
    }
    assert!(
        stale.is_empty(),
        "{stale:?} differ from the library's tables: regenerate with \
         `ULTRASTREAM_UPDATE_GENERATED=1 cargo test -p ultrastream-capi` and commit them"
    );
}

/// Known rows come out as the bindings have always spelled them.
#[test]
fn python_tables_cover_the_core_tables() {
    let py = python_tables();
    assert!(py.contains("ERR_BUSY = -9\n") && py.contains("E_WATCH = -1025\n"));
    assert!(py.contains("    IPV6 = 0x8000000\n") && py.contains("0x8000000: \"stausIPv6\","));
    assert!(py.contains("    LOW_SPACE = 5\n") && py.contains("5: \"LowSpace\","));
    assert!(py.contains("    \"get-status\",\n") && py.contains("    \"clear-check-update\",\n"));
    assert_eq!(METHODS.len(), 56);
}

/// The header's declarations come out as ctypes spells them, and none is
/// missed: every `usapi_` function of the header is in FUNCTIONS.
#[test]
fn python_cdecl_covers_the_header() {
    let header = include_str!("../../include/ultrastream.h");
    let py = python_cdecl(header);
    for want in [
        "(\"usapi_string_free\", None, [c_void_p], False),",
        "(\"usapi_call\", c_int32, [c_device, c_char_p, c_char_p, c_out_str], False),",
        "(\"usapi_del_media_files\", c_int32, [c_device, c_int32, POINTER(c_char_p), c_size_t, c_out_str], False),",
        "(\"usapi_sim_port\", c_int32, [c_sim, POINTER(c_uint16)], True),",
        "(\"usapi_version\", c_char_p, [], False),",
        "usapi_progress_callback = ctypes.CFUNCTYPE(c_int32, POINTER(usapi_progress), c_void_p)",
        "        (\"sn\", ctypes.c_char * USAPI_SHORT_SIZE),",
        "        (\"softap\", usapi_softap),",
        "        (\"progress\", usapi_progress_callback),",
    ] {
        assert!(py.contains(want), "_cdecl.py lacks {want}");
    }
    let declared: Vec<&str> = py
        .lines()
        .filter_map(|l| l.strip_prefix("    (\"usapi_"))
        .collect();
    // A declaration starts a line with its return type ("int32_t usapi_x(",
    // "const char *usapi_x("); comments and typedefs do not count.
    let in_header = header
        .lines()
        .filter(|l| {
            !l.starts_with([' ', '/', '*', '#'])
                && !l.starts_with("typedef")
                && l.split('(').next().is_some_and(|h| h.contains("usapi_"))
                && l.contains('(')
        })
        .count();
    assert_eq!(
        declared.len(),
        in_header,
        "a function of the header was missed"
    );
    assert!(declared.len() > 100);
}

/// `text` without its comments (`/* */` and `//`).
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("/*") {
        out.push_str(&rest[..i]);
        rest = &rest[rest[i..].find("*/").map_or(rest.len(), |e| i + e + 2)..];
    }
    out.push_str(rest);
    out.lines()
        .map(|l| l.find("//").map_or(l, |i| &l[..i]))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first sentence of a `/** */` comment, for a Python docstring.
fn first_sentence(comment: &str) -> String {
    let words: Vec<&str> = comment
        .lines()
        .map(|l| {
            l.trim()
                .trim_start_matches("/**")
                .trim_end_matches("*/")
                .trim_start_matches('*')
                .trim()
        })
        .filter(|l| !l.is_empty())
        .collect();
    let joined = words.join(" ");
    let first = joined
        .find(". ")
        .map_or(joined.as_str(), |i| &joined[..=i])
        .trim_end_matches('.');
    first.replace('\\', "\\\\").replace('"', "'")
}

/// The ctypes spelling of a C type of ultrastream.h.
fn ctype(c: &str, structs: &[String], callbacks: &[String]) -> String {
    let c = c.replace("struct ", "");
    let base = |t: &str| -> String {
        match t.trim() {
            "int32_t" => "c_int32".into(),
            "uint32_t" => "c_uint32".into(),
            "uint8_t" => "c_uint8".into(),
            "uint16_t" => "c_uint16".into(),
            "int64_t" => "c_int64".into(),
            "uint64_t" => "c_uint64".into(),
            "double" => "c_double".into(),
            "size_t" => "c_size_t".into(),
            "usapi_device" => "c_device".into(),
            "usapi_sim" => "c_sim".into(),
            "usapi_watch" => "c_watch".into(),
            "void" => "None".into(),
            t if structs.iter().chain(callbacks).any(|s| s == t) => t.into(),
            t => panic!(
                "ultrastream.h uses the type `{t}`, which capi/src/generated.rs cannot map to ctypes: add it"
            ),
        }
    };
    match c.trim() {
        // Returned: a static string; passed: a string the library reads.
        "const char *" => "c_char_p".into(),
        // A string handed back to the library (usapi_string_free): not converted.
        "char *" | "void *" => "c_void_p".into(),
        // A string the library hands out: copied and freed by the caller.
        "char **" => "c_out_str".into(),
        "const char *const *" => "POINTER(c_char_p)".into(),
        t => match t.strip_suffix('*') {
            Some(pointee) => format!(
                "POINTER({})",
                base(pointee.trim().trim_start_matches("const "))
            ),
            None => base(t.trim_start_matches("const ")),
        },
    }
}

/// `TYPE NAME`, `TYPE *NAME` or `TYPE NAME[SIZE]` as (type, name, size);
/// the type spelled `const char *` whatever the spacing.
fn declarator(d: &str) -> (String, String, Option<String>) {
    let d = d.trim();
    let (d, size) = match d.strip_suffix(']') {
        Some(x) => {
            let open = x.rfind('[').expect("an array field has a [");
            (&x[..open], Some(x[open + 1..].trim().to_string()))
        }
        None => (d, None),
    };
    let cut = d
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .expect("a declarator has a type and a name");
    let ty = d[..=cut].replace('*', " * ");
    let ty = ty.split_whitespace().collect::<Vec<_>>().join(" ");
    (ty.replace("* ", "*"), d[cut + 1..].to_string(), size)
}

/// `bindings/python/src/ultrastream/_cdecl.py`: every struct, callback
/// type and function of include/ultrastream.h, for ctypes.
pub fn python_cdecl(header: &str) -> String {
    let mut s = String::from(
        "# Generated from include/ultrastream.h by capi/src/generated.rs: do not edit.\n\
         # After a change to the C API (src/ffi), regenerate the header, then run\n\
         # `ULTRASTREAM_UPDATE_GENERATED=1 cargo test -p ultrastream-capi`.\n\
         \"\"\"The C declarations of ultrastream.h for ctypes: structs, callback types and\n\
         every function's ``restype`` and ``argtypes`` (generated; see the banner).\"\"\"\n\n\
         from __future__ import annotations\n\n\
         import ctypes\n\
         from ctypes import (\n    POINTER,\n    Structure,\n    c_char_p,\n    c_double,\n    c_int32,\n    \
         c_int64,\n    c_size_t,\n    c_uint8,\n    c_uint16,\n    c_uint32,\n    c_uint64,\n    c_void_p,\n)\n\
         from typing import Any, Dict, List, Tuple, Type\n\n",
    );
    let mut all: Vec<String> = ["c_device", "c_sim", "c_watch", "c_out_str"]
        .map(String::from)
        .to_vec();
    s.push_str("# The array sizes of the structs' string fields.\n");
    for line in header.lines() {
        let mut it = line.split_whitespace();
        if let (Some("#define"), Some(name), Some(value)) = (it.next(), it.next(), it.next())
            && name.starts_with("USAPI_")
            && name.ends_with("_SIZE")
            && value.parse::<u32>().is_ok()
        {
            let _ = writeln!(s, "{name} = {value}");
            all.push(name.to_string());
        }
    }
    s.push_str(
        "\n# The handles (opaque numbers; 0 is never valid).\n\
         c_device = c_uint64\nc_sim = c_uint64\nc_watch = c_uint64\n\
         #: ``char **out``: a string the library hands out, copied and freed by the caller.\n\
         c_out_str = POINTER(c_void_p)\n",
    );

    // Structs and callback types, in the header's order (C defines each
    // before use by value, so Python can too); the functions after them.
    let mut structs: Vec<String> = Vec::new();
    let mut callbacks: Vec<String> = Vec::new();
    let mut funcs: Vec<(String, String, Vec<String>, bool)> = Vec::new();
    let mut simulator_only = false;
    let mut doc = String::new();
    let mut rest = header;
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            break;
        }
        if rest.starts_with("/*") {
            let end = rest.find("*/").map_or(rest.len(), |e| e + 2);
            doc = first_sentence(&rest[..end]);
            rest = &rest[end..];
            continue;
        }
        let line_end = rest.find('\n').unwrap_or(rest.len());
        let line = &rest[..line_end];
        // Preprocessor lines, the C++ guard and its brace.
        if line.starts_with('#')
            || line.starts_with("//")
            || line.starts_with("extern \"C\"")
            || line.starts_with("}  //")
            || line.trim() == "}"
        {
            if line.starts_with("#if defined(USAPI_HAS_SIMULATOR)") {
                simulator_only = true;
            } else if line.starts_with("#endif") {
                simulator_only = false;
            }
            rest = &rest[line_end..];
            continue;
        }
        // One declaration: a struct runs to its `} name;`, anything else to `;`.
        let end = if rest.starts_with("typedef struct") {
            let close = rest.find("\n} ").expect("a struct ends with } name;");
            close + rest[close..].find(';').expect("and a ;")
        } else {
            rest.find(';').expect("a declaration ends with ;")
        };
        let stmt = strip_comments(&rest[..end]);
        let stmt = stmt.split_whitespace().collect::<Vec<_>>().join(" ");
        rest = &rest[end + 1..];
        let doc = std::mem::take(&mut doc);
        if let Some(body) = stmt.strip_prefix("typedef struct ") {
            let name = body.split(' ').next().expect("struct name").to_string();
            let open = body.find('{').expect("struct body");
            let close = body.rfind('}').expect("struct end");
            let _ = writeln!(
                s,
                "\n\nclass {name}(Structure):\n    \"\"\"``{name}``: {doc}.\"\"\"\n\n    _fields_ = ["
            );
            for field in body[open + 1..close]
                .split(';')
                .map(str::trim)
                .filter(|f| !f.is_empty())
            {
                let (ty, fname, size) = declarator(field);
                let t = match size {
                    Some(n) => {
                        assert_eq!(ty, "char", "{name}.{fname}: only char arrays are mapped");
                        format!("ctypes.c_char * {n}")
                    }
                    None => ctype(&ty, &structs, &callbacks),
                };
                let _ = writeln!(s, "        ({}, {t}),", py_str(&fname));
            }
            s.push_str("    ]\n");
            all.push(name.clone());
            structs.push(name);
        } else if let Some(body) = stmt.strip_prefix("typedef ") {
            // `typedef uint64_t usapi_device;` and the like are the handles above.
            if let Some(open) = body.find("(*") {
                let name_end = open + body[open..].find(')').expect("(*name)");
                let name = body[open + 2..name_end].trim().to_string();
                let params = body[name_end + 1..].trim();
                let params = params.trim_start_matches('(').trim_end_matches(')');
                let mut args = vec![ctype(&body[..open], &structs, &callbacks)];
                for p in params.split(',') {
                    args.push(ctype(&declarator(p).0, &structs, &callbacks));
                }
                let _ = writeln!(
                    s,
                    "\n\n#: ``{name}``: {doc}.\n{name} = ctypes.CFUNCTYPE({})",
                    args.join(", ")
                );
                all.push(name.clone());
                callbacks.push(name);
            }
        } else if let (Some(open), Some(paren)) = (stmt.find("usapi_"), stmt.find('(')) {
            let name = stmt[open..paren].trim().to_string();
            let params = stmt[paren + 1..].trim_end_matches(')');
            let args = if params.trim() == "void" {
                Vec::new()
            } else {
                params
                    .split(',')
                    .map(|p| ctype(&declarator(p).0, &structs, &callbacks))
                    .collect()
            };
            let ret = ctype(&stmt[..open], &structs, &callbacks);
            funcs.push((name, ret, args, simulator_only));
        }
    }
    s.push_str("\n\n#: Every struct, by its C name.\nSTRUCTS: Dict[str, Type[Structure]] = {\n");
    for n in &structs {
        let _ = writeln!(s, "    {}: {n},", py_str(n));
    }
    s.push_str(
        "}\n\n#: Every function of the header: (name, restype, argtypes, simulator_only);\n\
         #: simulator_only: only in a library built with the simulator.\n\
         FUNCTIONS: List[Tuple[str, Any, List[Any], bool]] = [\n",
    );
    for (name, ret, args, sim) in &funcs {
        let _ = writeln!(
            s,
            "    ({}, {ret}, [{}], {}),",
            py_str(name),
            args.join(", "),
            if *sim { "True" } else { "False" }
        );
    }
    s.push_str("]\n\n__all__ = [\n");
    all.extend(["STRUCTS".to_string(), "FUNCTIONS".to_string()]);
    for n in &all {
        let _ = writeln!(s, "    {},", py_str(n));
    }
    s.push_str("]\n");
    s
}
