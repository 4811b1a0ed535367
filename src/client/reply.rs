//! Client layer: a device's reply as the request path hands it on. The
//! body is checked to be exactly one JSON object and its top-level code
//! read in the same pass (`fastjson` for plain replies, serde for the rest
//! and for the words of every error); nothing else is parsed until asked.

use super::fastjson;
use crate::error::{Error, Result};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A device's reply: its top-level code and the body as it came. Nothing
/// else is parsed until asked for: `json()` builds a tree, `parse()` one of
/// the typed views in `model`.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// The method that was called.
    pub method: String,
    /// The top-level `result` (or `status` for upload-update-file).
    pub result: i32,
    /// The body exactly as the device sent it.
    pub body: String,
}

impl Reply {
    /// Parse the reply into one of the typed views in `model`.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_str(&self.body).map_err(|e| Error::BadReply {
            method: self.method.clone(),
            detail: crate::redact::json_error(&e),
        })
    }

    /// The body as a JSON tree.
    pub fn json(&self) -> Result<Value> {
        self.parse()
    }
}

/// A ping reply's `result` and `cur-status` (a number or a numeric
/// string; None when absent), for the restart rules (`ops::restart`).
/// Shared by the blocking client and the fleet engine.
pub(crate) fn ping_fields(reply: &Reply) -> (i32, Option<u32>) {
    let mask = serde_json::from_str::<Value>(&reply.body)
        .ok()
        .and_then(|v| {
            let m = v.get("cur-status")?;
            m.as_i64()
                .or_else(|| m.as_str().and_then(|s| s.trim().parse().ok()))
        })
        .map(|m| m as u32);
    (reply.result, mask)
}

/// Turn an HTTP reply into a `Reply`, or the error that describes it.
pub(crate) fn into_reply(method: &str, status: u16, body: String) -> Result<Reply> {
    if status != 200 {
        return Err(Error::HttpStatus {
            method: method.to_string(),
            status,
        });
    }
    let top = top_level_code(&body).map_err(|detail| Error::BadReply {
        method: method.to_string(),
        detail,
    })?;
    Ok(Reply {
        method: method.to_string(),
        result: top.unwrap_or(0),
        body,
    })
}

/// The top-level `result` (else `status`, as upload-update-file answers)
/// of a reply, in one pass that also checks the whole body is one JSON
/// object and builds no tree: the fast pass (`fastjson`) for plain replies,
/// else serde_json walks it, the two codes read as they pass (the first of
/// each counts) and every other value skipped as `IgnoredAny`.
/// `Ok(None)`: neither key (or null). A body that
/// is not exactly one well-formed JSON object is an error, wherever the
/// fault lies, so broken text is never handed out as a success.
fn top_level_code(body: &str) -> std::result::Result<Option<i32>, String> {
    match fastjson::top_level_code(body) {
        Some(code) => Ok(code),
        None => serde_top_level_code(body),
    }
}

/// For the fuzz targets (`crate::fuzzing::reply`): false when the fast pass
/// answers `body` and serde answers it differently, the one way the fast
/// pass could hand out what serde would refuse.
pub(crate) fn fast_pass_agrees(body: &str) -> bool {
    fastjson::top_level_code(body).is_none_or(|code| serde_top_level_code(body) == Ok(code))
}

/// serde's reading of the top-level code: the judge of every reply the fast
/// pass does not answer, and the words of every error.
pub(crate) fn serde_top_level_code(body: &str) -> std::result::Result<Option<i32>, String> {
    use serde::Deserializer as _;
    use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
    use std::fmt;

    if !body.trim_start().starts_with('{') {
        return Err("not a JSON object".into());
    }
    enum Key {
        Result,
        Status,
        Other,
    }
    impl<'de> de::Deserialize<'de> for Key {
        fn deserialize<D: de::Deserializer<'de>>(d: D) -> std::result::Result<Key, D::Error> {
            struct V;
            impl Visitor<'_> for V {
                type Value = Key;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("a key")
                }
                fn visit_str<E: de::Error>(self, k: &str) -> std::result::Result<Key, E> {
                    Ok(match k {
                        "result" => Key::Result,
                        "status" => Key::Status,
                        _ => Key::Other,
                    })
                }
            }
            d.deserialize_str(V)
        }
    }
    /// One code: an integer, an integer in a string, or null (None).
    struct Code(&'static str);
    impl<'de> DeserializeSeed<'de> for Code {
        type Value = Option<i32>;
        fn deserialize<D: de::Deserializer<'de>>(
            self,
            d: D,
        ) -> std::result::Result<Option<i32>, D::Error> {
            d.deserialize_any(self)
        }
    }
    impl Code {
        fn bad<E: de::Error>(&self, what: &str) -> E {
            E::custom(format_args!("{} is not an integer: {what}", self.0))
        }
    }
    impl<'de> Visitor<'de> for Code {
        type Value = Option<i32>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an integer code")
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<Option<i32>, E> {
            i32::try_from(v)
                .map(Some)
                .map_err(|_| self.bad(&v.to_string()))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<Option<i32>, E> {
            i32::try_from(v)
                .map(Some)
                .map_err(|_| self.bad(&v.to_string()))
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> std::result::Result<Option<i32>, E> {
            Err(self.bad("a fraction"))
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> std::result::Result<Option<i32>, E> {
            Err(self.bad("a boolean"))
        }
        fn visit_unit<E: de::Error>(self) -> std::result::Result<Option<i32>, E> {
            Ok(None)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Option<i32>, E> {
            v.trim()
                .parse::<i64>()
                .ok()
                .and_then(|n| i32::try_from(n).ok())
                .map(Some)
                .ok_or_else(|| self.bad(&excerpt(v)))
        }
        fn visit_seq<A: de::SeqAccess<'de>>(
            self,
            _: A,
        ) -> std::result::Result<Option<i32>, A::Error> {
            Err(self.bad("an array"))
        }
        fn visit_map<A: MapAccess<'de>>(self, _: A) -> std::result::Result<Option<i32>, A::Error> {
            Err(self.bad("an object"))
        }
    }
    struct Top;
    impl<'de> Visitor<'de> for Top {
        type Value = Option<i32>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(
            self,
            mut m: A,
        ) -> std::result::Result<Option<i32>, A::Error> {
            let mut result: Option<Option<i32>> = None;
            let mut status: Option<Option<i32>> = None;
            while let Some(k) = m.next_key::<Key>()? {
                match k {
                    Key::Result if result.is_none() => {
                        result = Some(m.next_value_seed(Code("result"))?)
                    }
                    Key::Status if status.is_none() => {
                        status = Some(m.next_value_seed(Code("status"))?)
                    }
                    _ => {
                        m.next_value::<IgnoredAny>()?;
                    }
                }
            }
            // null counts as absent, as in the typed replies.
            Ok(result.flatten().or(status.flatten()))
        }
    }
    let describe = |e: serde_json::Error| {
        let msg = e.to_string();
        // Our own messages about a code quote only an excerpt already.
        if e.classify() == serde_json::error::Category::Data
            && (msg.starts_with("result is not") || msg.starts_with("status is not"))
        {
            msg
        } else {
            format!("not valid JSON: {}", crate::redact::json_error(&e))
        }
    };
    let mut de = serde_json::Deserializer::from_str(body);
    let code = de.deserialize_map(Top).map_err(describe)?;
    de.end().map_err(describe)?;
    Ok(code)
}

/// A short printable excerpt of device text, quoted.
fn excerpt(s: &str) -> String {
    format!("\"{}\"", crate::redact::excerpt(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::codes;

    #[test]
    fn replies() {
        assert_eq!(
            into_reply("m", 200, r#"{"result":-9}"#.into())
                .unwrap()
                .result,
            -9
        );
        assert_eq!(
            into_reply("m", 200, r#"{"status":0,"size":1}"#.into())
                .unwrap()
                .result,
            0
        );
        assert!(matches!(
            into_reply("m", 500, "{}".into()),
            Err(Error::HttpStatus { status: 500, .. })
        ));
        assert!(matches!(
            into_reply("m", 200, "<html>".into()),
            Err(Error::BadReply { .. })
        ));
        assert!(matches!(
            into_reply("m", 200, "[1]".into()),
            Err(Error::BadReply { .. })
        ));
        let code = |b: &str| top_level_code(b);
        assert_eq!(code(r#"{"a":{"result":5},"result":"-17"}"#), Ok(Some(-17)));
        assert_eq!(
            code(r#"{"status":3,"result":1}"#),
            Ok(Some(1)),
            "result wins"
        );
        assert_eq!(code(r#"{"x":[1,{"y":null}]}"#), Ok(None));
        assert_eq!(code(r#"{"result":1,"result":2}"#), Ok(Some(1)));
        assert!(code(r#"{"result":1.5}"#).is_err());
        assert_eq!(code(r#"{"result":null}"#), Ok(None));
        assert_eq!(code(r#"{"result":null,"status":-9}"#), Ok(Some(-9)));
        assert!(code(r#"{"result":99999999999}"#).is_err());
        assert!(code(r#"{"result":0} trailing"#).is_err());
        assert!(code(r#"{"result":0,"#).is_err(), "cut after result");
        assert!(
            code(r#"{"result":0,"a":{"b":1"#).is_err(),
            "cut after result"
        );
        assert!(code(r#"{"a":[1,},"result":0}"#).is_err());
        assert!(code(r#"{"a":{"b":[}]},"result":0}"#).is_err());
        assert!(code(r#"{"a":"unterminated}"#).is_err());
        assert!(code(r#"{"result" 0}"#).is_err());
        assert!(
            code("{\"a\":\"x\ny\",\"result\":0}").is_err(),
            "raw control character"
        );
        assert!(code(r#"{"status":0,"x":[1,2} "#).is_err());
        assert_eq!(code(r#" { "a" : "q\"}{" , "result" : -9 } "#), Ok(Some(-9)));
        assert_eq!(code(r#"{}"#), Ok(None));
        let long = format!(r#"{{"result":"{}"}}"#, "x".repeat(500));
        let e = code(&long).unwrap_err();
        assert!(e.len() < 120, "{e}");
        // The whole body is checked, not only up to `result` (finding 6).
        for broken in [
            r#"{"result":0, this is not json }"#,
            r#"{"result":0,"a":[1,2}"#,
            r#"{"result":0,"a":tru}"#,
            r#"{"result":0,"a":"\q"}"#,
            r#"{"result":0,"a":01}"#,
            r#"{"result":0}{"result":1}"#,
            r#"{"result":0,}"#,
            "{\"result\":0,\"a\":\"\u{1}\"}",
        ] {
            let e = into_reply("m", 200, broken.into()).unwrap_err();
            assert!(matches!(e, Error::BadReply { .. }), "{broken}: {e}");
            assert_eq!(e.code(), codes::E_BAD_REPLY);
        }
        let deep = format!(
            r#"{{"result":0,"a":{}{}}}"#,
            "[".repeat(100),
            "]".repeat(100)
        );
        assert_eq!(code(&deep), Ok(Some(0)), "nesting that is well-formed");
        let deeper = format!(
            r#"{{"result":0,"a":{}{}}}"#,
            "[".repeat(100),
            "]".repeat(99)
        );
        assert!(code(&deeper).is_err());
        let r = into_reply("m", 200, r#"{"result":0,"b":[1,2]}"#.into()).unwrap();
        assert_eq!(r.json().unwrap()["b"][1], 2);
    }
}
