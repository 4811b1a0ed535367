//! The bindings' copies of the core's tables, written from the tables
//! themselves: the result codes (`model::codes`), the status bits and disk
//! statuses (`model::status`) and the API methods (`api::METHODS`).
//!
//! - `src/ffi/consts.rs`, the C macros: cbindgen copies only literal
//!   values, so the numbers must stand in the source;
//! - `bindings/python/src/ultrastream/_tables.py`: the Python package
//!   cannot read them from the library at import (it loads the library
//!   lazily, and `StatusFlag` must be a class a type checker sees).
//!
//! Both are committed, like the C header: a test fails when a committed
//! file differs from what the tables give now, and
//! `ULTRASTREAM_UPDATE_GENERATED=1 cargo test -p ultrastream-capi`
//! rewrites it. (C++ includes the C header and names bits through
//! `usapi_status_flag_name`, so it has no copy.)

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use ultrastream_rs::api::{METHODS, Section, Transport};
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
    s.push_str(
        ")\n\n#: The methods without parameters, each exported as\n\
         #: ``int32_t usapi_<name>(usapi_device dev, char **out_json)`` (logout has no\n\
         #: reply and a shape of its own; del-media-files and upload-update-file send\n\
         #: a body).\nPARAMETERLESS: Tuple[str, ...] = (\n",
    );
    for m in METHODS.iter().filter(|m| {
        m.params.is_empty() && m.transport == Transport::Get && m.section != Section::Login
    }) {
        let _ = writeln!(s, "    {},", py_str(&m.name.replace('-', "_")));
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

/// Every generated file: its path in the crate and what it must hold.
fn generated() -> Vec<(&'static str, String)> {
    vec![
        (
            "bindings/python/src/ultrastream/_tables.py",
            python_tables(),
        ),
        ("src/ffi/consts.rs", ffi_consts()),
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
    let parameterless = &py[py.find("PARAMETERLESS").expect("PARAMETERLESS")..];
    let parameterless = &parameterless[..parameterless.find(")\n").expect("its end")];
    assert_eq!(
        parameterless.matches("\n    \"").count(),
        25,
        "{parameterless}"
    );
    for not_there in [
        "logout",
        "del_media_files",
        "upload_update_file",
        "set_name",
    ] {
        assert!(
            !parameterless.contains(&format!("\"{not_there}\"")),
            "{not_there}"
        );
    }
    assert_eq!(METHODS.len(), 56);
}
