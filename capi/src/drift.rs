//! The one copy of the core that stays written by hand, checked against
//! it: the Python package's reply views (`ultrastream/replies.py`), typed
//! dataclasses with lenient conversion, docstrings and properties that no
//! generator would write as well. Each view must read exactly the JSON keys
//! the Rust reply struct of the same name reads (`model::replies`), so a
//! field added to, renamed in or dropped from one fails here until the
//! other follows.

use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use ultrastream_rs::model as m;

/// The wire keys of a reply struct: those it writes back, which are the
/// ones it reads (the serde attributes are shared).
fn keys<T: Serialize + Default>() -> Vec<String> {
    match serde_json::to_value(T::default()) {
        Ok(Value::Object(o)) => {
            let mut k: Vec<String> = o.keys().cloned().collect();
            k.sort();
            k
        }
        other => panic!("a reply struct serializes to an object, not {other:?}"),
    }
}

#[test]
fn python_reply_views_read_the_keys_the_rust_replies_read() {
    let rust: BTreeMap<&str, Vec<String>> = [
        ("NamedValue", keys::<m::NamedValue>()),
        ("Resolution", keys::<m::Resolution>()),
        ("Range", keys::<m::Range>()),
        ("Product", keys::<m::Product>()),
        ("MacAddr", keys::<m::MacAddr>()),
        ("AudioRange", keys::<m::AudioRange>()),
        ("CodecCap", keys::<m::CodecCap>()),
        ("RecControlCap", keys::<m::RecControlCap>()),
        ("Progress", keys::<m::Progress>()),
        ("RecStatus", keys::<m::RecStatus>()),
        ("LiveStatus", keys::<m::LiveStatus>()),
        ("LiveEntry", keys::<m::LiveEntry>()),
        ("InputSignal", keys::<m::InputSignal>()),
        ("Disk", keys::<m::Disk>()),
        ("NetInfo", keys::<m::NetInfo>()),
        ("UpgradeInfo", keys::<m::UpgradeInfo>()),
        ("SoftAp", keys::<m::SoftAp>()),
        ("DateTime", keys::<m::DateTime>()),
        ("RecControl", keys::<m::RecControl>()),
        ("VideoStream", keys::<m::VideoStream>()),
        ("Audio", keys::<m::Audio>()),
        ("EthSettings", keys::<m::EthSettings>()),
        ("VideoColor", keys::<m::VideoColor>()),
        ("Volume", keys::<m::Volume>()),
        ("StreamServer", keys::<m::StreamServer>()),
        ("User", keys::<m::User>()),
        ("MediaFile", keys::<m::MediaFile>()),
    ]
    .into_iter()
    .collect();

    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../bindings/python/src");
    // The key a view reads for each field: its `key` metadata, else the
    // field's name with `_` as `-` (replies._lookup); `raw` is the object.
    let script = "import dataclasses, json, ultrastream.replies as r\n\
        out = {}\n\
        for name in dir(r):\n\
        \x20   c = getattr(r, name)\n\
        \x20   if isinstance(c, type) and dataclasses.is_dataclass(c):\n\
        \x20       out[name] = sorted((f.metadata or {}).get('key') or f.name.replace('_', '-')\n\
        \x20                          for f in dataclasses.fields(c) if f.name != 'raw')\n\
        print(json.dumps(out))\n";
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .env("PYTHONPATH", &src)
        .output()
        .expect("python3 is needed to check the Python package (apt-get install python3)");
    assert!(
        out.status.success(),
        "python3 could not read ultrastream.replies:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let python: BTreeMap<String, Vec<String>> =
        serde_json::from_slice(&out.stdout).expect("the script prints JSON");

    for (name, want) in &rust {
        let have = python
            .get(*name)
            .unwrap_or_else(|| panic!("replies.py has no view {name} for model::{name}"));
        assert_eq!(
            have, want,
            "replies.py's {name} (left) reads other keys than model::{name} (right)"
        );
    }
    // Every view but ServerInfo (model::servers, built from two replies)
    // has its Rust struct in the list above.
    let unchecked: Vec<&String> = python
        .keys()
        .filter(|k| !rust.contains_key(k.as_str()) && k.as_str() != "ServerInfo")
        .collect();
    assert!(
        unchecked.is_empty(),
        "views with no Rust struct checked: {unchecked:?}"
    );
}
