//! The document's argument rules, checked before any traffic. Each failure
//! names the parameter and the rule it breaks.
//!
//! Layer: validate, on `model`, the method table and `error`.

use crate::api::{Method, Param, RESOLUTIONS, Rule};
use crate::error::{Error, Result};
use crate::model::timezones;

const NAME_RULE: &str =
    "1-32 characters of A-Z a-z 0-9 space . _ - + ' with no leading or trailing space";
const SSID_RULE: &str =
    "1-32 characters of A-Z a-z 0-9 space . _ - + ! with no leading or trailing space";
const FOLDER_RULE: &str = "1-32 characters per level of A-Z a-z 0-9 space . _ - + ', at most two levels separated by '/' (a/b), no leading or trailing space or '/', no '.' or '..' level";
const PREFIX_RULE: &str =
    "1-32 characters of A-Z a-z 0-9 space . _ - + ' with no leading or trailing space";

fn charset_ok(s: &str, extra: &[u8]) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b' ' || extra.contains(&b))
}

fn trimmed_name(s: &str, extra: &[u8]) -> bool {
    (1..=32).contains(&s.len()) && !s.starts_with(' ') && !s.ends_with(' ') && charset_ok(s, extra)
}

fn is_ipv4(s: &str) -> bool {
    s.parse::<std::net::Ipv4Addr>().is_ok()
}

/// A contiguous IPv4 netmask: ones then zeros (255.255.255.0, 0.0.0.0
/// and 255.255.255.255 included; 255.0.255.0 refused).
fn is_netmask(s: &str) -> bool {
    match s.parse::<std::net::Ipv4Addr>() {
        Ok(a) => {
            let m = u32::from(a);
            m.leading_ones() + m.trailing_zeros() >= 32
        }
        Err(_) => false,
    }
}

/// Days in `month` of `year` (proleptic Gregorian).
fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// An integer in its canonical decimal form only: no sign but a leading
/// '-', no leading zeros, no spaces ("1", "-5", "0"; not " 1", "+1",
/// "01", "-0"), because the value is sent exactly as given.
fn canonical_int(v: &str) -> Option<i64> {
    let n = v.parse::<i64>().ok()?;
    (n.to_string() == v).then_some(n)
}

fn is_datetime(s: &str) -> bool {
    // YYYY-MM-DD HH:MM:SS, digits only, a real calendar date.
    let b = s.as_bytes();
    if b.len() != 19
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b' '
        || b[13] != b':'
        || b[16] != b':'
    {
        return false;
    }
    let digits = [0..4, 5..7, 8..10, 11..13, 14..16, 17..19];
    if !digits
        .iter()
        .all(|r| b[r.clone()].iter().all(u8::is_ascii_digit))
    {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().ok();
    if let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10))
        && (1..=12).contains(&m)
        && d > days_in_month(y, m)
    {
        return false;
    }
    matches!(
        (
            num(0..4),
            num(5..7),
            num(8..10),
            num(11..13),
            num(14..16),
            num(17..19)
        ),
        (
            Some(1970..=2099),
            Some(1..=12),
            Some(1..=31),
            Some(0..=23),
            Some(0..=59),
            Some(0..=59)
        )
    )
}

/// Check one value against one rule.
/// `Ok` when `ok`, else the invalid-argument error for `param`.
fn require(ok: bool, param: &str, rule: impl Into<String>) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(param, rule))
    }
}

fn check_rule(param: &str, rule: Rule, v: &str) -> Result<()> {
    let int = || {
        canonical_int(v).ok_or_else(|| {
            Error::invalid(
                param,
                format!(
                    "must be an integer in canonical decimal form (no spaces, '+' or leading zeros), got {:?}",
                    short(v)
                ),
            )
        })
    };
    let no_control = !v.chars().any(char::is_control);
    match rule {
        Rule::Flag => {
            let n = int()?;
            require(n == 0 || n == 1, param, format!("must be 0 or 1, got {n}"))
        }
        Rule::Choice(list) => {
            let n = int()?;
            require(
                list.contains(&n),
                param,
                format!("must be one of {list:?}, got {n}"),
            )
        }
        Rule::Range(lo, hi) => {
            let n = int()?;
            require(
                (lo..=hi).contains(&n),
                param,
                format!("must be in {lo}..={hi}, got {n}"),
            )
        }
        Rule::Name => require(trimmed_name(v, b"._-+'"), param, NAME_RULE),
        Rule::Ssid => require(trimmed_name(v, b"._-+!"), param, SSID_RULE),
        Rule::Prefix => require(trimmed_name(v, b"._-+'"), param, PREFIX_RULE),
        Rule::Folder => {
            let levels: Vec<&str> = v.split('/').collect();
            let ok = levels.len() <= 2
                && levels
                    .iter()
                    .all(|l| trimmed_name(l, b"._-+'") && *l != "." && *l != "..");
            require(ok, param, FOLDER_RULE)
        }
        Rule::Md5 => require(
            v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit()),
            param,
            "must be the MD5 of the password as 32 hex digits",
        ),
        Rule::Text(max) => require(
            v.len() <= max && no_control,
            param,
            format!("at most {max} bytes, no control characters"),
        ),
        Rule::NonEmpty(max) => require(
            !v.is_empty() && v.len() <= max && no_control,
            param,
            format!("1 to {max} bytes, no control characters"),
        ),
        Rule::Timezone => require(
            timezones::is_valid(v),
            param,
            format!(
                "{:?} is not in the document's time-zone list (e.g. \"UTC\", \"Asia/Shanghai\")",
                short(v)
            ),
        ),
        Rule::DateTime => require(
            v.is_empty() || is_datetime(v),
            param,
            "must be 'YYYY-MM-DD HH:MM:SS' (a real date, 1970-2099) or empty",
        ),
        Rule::Netmask => require(
            v.is_empty() || is_netmask(v),
            param,
            "must be a contiguous dotted IPv4 netmask (e.g. 255.255.255.0)",
        ),
        Rule::Ipv4 => require(
            v.is_empty() || is_ipv4(v),
            param,
            "must be a dotted IPv4 address",
        ),
        Rule::Word(words) => require(
            words.contains(&v),
            param,
            format!("must be one of {words:?}"),
        ),
    }
}

/// Values in messages are cut short; they may be long or sensitive-looking.
fn short(v: &str) -> String {
    v.chars().take(24).collect()
}

/// Check one named parameter of a method.
pub fn check_value(method: Method, param: &str, value: &str) -> Result<()> {
    match method.spec().params.iter().find(|p| p.name == param) {
        Some(p) => check_rule(p.name, p.rule, value),
        None => Err(Error::invalid(
            param,
            format!("{} takes no parameter of that name", method.name()),
        )),
    }
}

/// Check every parameter of a call, then the rules that tie them together.
pub fn check(method: Method, params: &[(&str, &str)]) -> Result<()> {
    let spec: &[Param] = method.spec().params;
    let get = |name: &str| params.iter().find(|(k, _)| *k == name).map(|(_, v)| *v);
    for (k, v) in params {
        if params.iter().filter(|(k2, _)| k2 == k).count() > 1 {
            return Err(Error::invalid(k, "given more than once"));
        }
        check_value(method, k, v)?;
    }
    for p in spec.iter().filter(|p| p.required) {
        if get(p.name).is_none() {
            return Err(Error::invalid(
                p.name,
                format!("{} requires it", method.name()),
            ));
        }
    }
    let flag = |name: &str| {
        get(name)
            .and_then(|v| v.trim().parse::<i64>().ok())
            .unwrap_or(0)
            == 1
    };
    let present = |name: &str| get(name).is_some_and(|v| !v.is_empty());
    match method {
        Method::SetAppPasswd => {
            // Three forms: enable (is-pass=1, new-pass), disable (is-pass=0,
            // pass), modify (is-pass=1, pass, new-pass).
            if flag("is-pass") && !present("new-pass") {
                return Err(Error::invalid(
                    "new-pass",
                    "required when is-pass=1 (enable or modify the password)",
                ));
            }
            if !flag("is-pass") && (!present("pass") || present("new-pass")) {
                return Err(Error::invalid(
                    "pass",
                    "is-pass=0 (disable) takes the old password and no new-pass",
                ));
            }
        }
        Method::SetFirstOver if flag("enable-passwd") != present("passwd") => {
            return Err(Error::invalid(
                "passwd",
                "required when enable-passwd=1 and not allowed when enable-passwd=0",
            ));
        }
        Method::AddServer | Method::SetServer | Method::StartTestServer
            if flag("is-auth") && (!present("user") || !present("passwd")) =>
        {
            return Err(Error::invalid(
                "user",
                "user and passwd are required when is-auth=1",
            ));
        }
        Method::SetDateTime => {
            if flag("is-auto") && present("time") {
                return Err(Error::invalid("time", "must be empty when is-auto=1"));
            }
            if !flag("is-auto") && !present("time") {
                return Err(Error::invalid(
                    "time",
                    "'YYYY-MM-DD HH:MM:SS' is required when is-auto=0",
                ));
            }
        }
        Method::SetEth if !flag("is-dhcp") => {
            for p in ["ip", "mask"] {
                if !present(p) {
                    return Err(Error::invalid(
                        p,
                        "required when is-dhcp=0 (static address)",
                    ));
                }
            }
        }
        Method::SetVideo => {
            let n = |k: &str| {
                get(k)
                    .and_then(|v| v.trim().parse::<i64>().ok())
                    .unwrap_or(-1)
            };
            if !RESOLUTIONS.contains(&(n("cx"), n("cy"))) {
                return Err(Error::invalid(
                    "cx",
                    "cx x cy must be one of get-info's codec-cap resolutions (e.g. 1920x1080, 1280x720)",
                ));
            }
            if n("codec") == 1 && n("stream") == 1 {
                return Err(Error::invalid(
                    "codec",
                    "the sub stream can only use H.264 (codec=0)",
                ));
            }
            if n("codec") == 1 && n("profile") != 0 {
                return Err(Error::invalid(
                    "profile",
                    "HEVC has only the Main profile (profile=0)",
                ));
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejects(m: Method, p: &[(&str, &str)], param: &str) {
        match check(m, p) {
            Err(Error::InvalidArgument { param: got, .. }) => assert_eq!(got, param, "{p:?}"),
            other => panic!("{p:?} gave {other:?}"),
        }
    }

    #[test]
    fn names() {
        assert!(check(Method::SetName, &[("name", "My Box+1 'A'")]).is_ok());
        rejects(Method::SetName, &[("name", " lead")], "name");
        rejects(Method::SetName, &[("name", "")], "name");
        rejects(Method::SetName, &[("name", &"x".repeat(33))], "name");
        rejects(Method::SetName, &[("name", "semi;colon")], "name");
        rejects(Method::SetName, &[], "name");
    }

    #[test]
    fn folders_and_ssids() {
        let rc = |folder: &str| {
            check(
                Method::SetRecControl,
                &[
                    ("usb-option", "1"),
                    ("sd-option", "2"),
                    ("mime-type", "0"),
                    ("root-folder", folder),
                    ("file-prefix", "VID"),
                    ("time-unit", "5"),
                ],
            )
        };
        assert!(rc("a/b").is_ok());
        assert!(rc("REC_Folder").is_ok());
        assert!(rc("a/b/c").is_err());
        assert!(rc("/a").is_err());
        assert!(rc("a/").is_err());
        assert!(check_value(Method::SetSoftap, "softap-ssid", "Hello!").is_ok());
        assert!(check_value(Method::SetSoftap, "softap-ssid", "Hello'").is_err());
    }

    #[test]
    fn canonical_integers_dates_masks_and_dot_folders() {
        for good in ["0", "1", "-5", "120"] {
            assert_eq!(canonical_int(good), good.parse().ok(), "{good}");
        }
        for bad in [" 1", "+1", "01", "-0", "1 ", "", "1e3", "0x1"] {
            assert_eq!(canonical_int(bad), None, "{bad:?} accepted");
        }
        assert!(is_datetime("2024-02-29 23:59:59"), "leap day");
        assert!(is_datetime("2000-02-29 00:00:00"), "400-year leap day");
        assert!(!is_datetime("1900-02-29 00:00:00") && !is_datetime("2100-02-29 00:00:00"));
        assert!(!is_datetime("2019-02-31 00:00:00"));
        assert!(is_datetime("2019-12-31 00:00:00"));
        for m in [
            "255.255.255.0",
            "255.255.252.0",
            "0.0.0.0",
            "255.255.255.255",
            "128.0.0.0",
        ] {
            assert!(is_netmask(m), "{m}");
        }
        for m in [
            "255.0.255.0",
            "255.255.255.1",
            "0.255.255.255",
            "10.0.0.1",
            "",
        ] {
            assert!(!is_netmask(m), "{m}");
        }
        match check_value(Method::SetRecControl, "root-folder", "../x") {
            Err(Error::InvalidArgument { param, rule }) => {
                assert_eq!(param, "root-folder");
                assert!(rule.contains("'..'"), "{rule}");
            }
            other => panic!("{other:?}"),
        }
        assert!(check_value(Method::SetRecControl, "root-folder", "a.b/..c").is_ok());
        match check_value(Method::SetEth, "mask", "255.0.255.0") {
            Err(Error::InvalidArgument { param, rule }) => {
                assert_eq!(param, "mask");
                assert!(rule.contains("contiguous"), "{rule}");
            }
            other => panic!("{other:?}"),
        }
        assert!(check_value(Method::SetEth, "ip", "255.0.255.0").is_ok());
        match check_value(Method::SetAudio, "kbps", "+128") {
            Err(Error::InvalidArgument { param, rule }) => {
                assert_eq!(param, "kbps");
                assert!(rule.contains("canonical"), "{rule}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn forms() {
        let h = "0123456789abcdef0123456789abcdef";
        assert!(check(Method::SetAppPasswd, &[("is-pass", "1"), ("new-pass", h)]).is_ok());
        assert!(check(Method::SetAppPasswd, &[("is-pass", "0"), ("pass", h)]).is_ok());
        assert!(
            check(
                Method::SetAppPasswd,
                &[("is-pass", "1"), ("pass", h), ("new-pass", h)]
            )
            .is_ok()
        );
        rejects(
            Method::SetAppPasswd,
            &[("is-pass", "1"), ("pass", h)],
            "new-pass",
        );
        rejects(Method::SetAppPasswd, &[("is-pass", "0")], "pass");
        rejects(
            Method::SetAppPasswd,
            &[("is-pass", "2"), ("pass", h)],
            "is-pass",
        );
        rejects(
            Method::SetDateTime,
            &[("timezone", "Mars/Olympus"), ("is-auto", "1")],
            "timezone",
        );
        rejects(
            Method::SetDateTime,
            &[
                ("timezone", "UTC"),
                ("is-auto", "0"),
                ("time", "2019-13-01 00:00:00"),
            ],
            "time",
        );
        assert!(
            check(
                Method::SetDateTime,
                &[
                    ("timezone", "Asia/Shanghai"),
                    ("is-auto", "0"),
                    ("time", "2019-09-10 15:00:00")
                ]
            )
            .is_ok()
        );
        rejects(
            Method::SetEth,
            &[
                ("is-dhcp", "0"),
                ("ip", "10.0.0.300"),
                ("mask", "255.0.0.0"),
            ],
            "ip",
        );
        rejects(Method::SetAudio, &[("kbps", "100")], "kbps");
        rejects(
            Method::GetMediaFiles,
            &[("disk-type", "0"), ("start", "-1"), ("count", "3")],
            "start",
        );
        rejects(Method::Update, &[("mode", "usb")], "mode");
        rejects(
            Method::Login,
            &[("id", "Admin"), ("pass", "nothex")],
            "pass",
        );
    }

    /// Every rule of every parameter in the table rejects a bad value and
    /// names the parameter.
    #[test]
    fn every_rule_of_every_parameter_rejects_something() {
        let bad = |rule: Rule| -> Vec<String> {
            match rule {
                Rule::Flag => vec![
                    "2".into(),
                    "x".into(),
                    "-1".into(),
                    " 1".into(),
                    "+1".into(),
                    "01".into(),
                    "1 ".into(),
                ],
                Rule::Choice(list) => {
                    let ok = list[0].to_string();
                    vec![
                        (list.iter().max().unwrap() + 1).to_string(),
                        "one".into(),
                        format!(" {ok}"),
                        format!("+{ok}"),
                        format!("0{ok}"),
                    ]
                }
                Rule::Range(lo, hi) => vec![
                    (lo - 1).to_string(),
                    hi.saturating_add(1).to_string(),
                    format!(" {lo}"),
                    format!("+{hi}"),
                    format!("0{hi}"),
                ],
                Rule::Name | Rule::Prefix => vec![
                    "".into(),
                    " x".into(),
                    "x ".into(),
                    "a;b".into(),
                    "x".repeat(33),
                ],
                Rule::Ssid => vec!["".into(), "a'b".into(), "x".repeat(33)],
                Rule::Folder => vec![
                    "a/b/c".into(),
                    "/a".into(),
                    "a/".into(),
                    "a;b".into(),
                    "..".into(),
                    "../x".into(),
                    "x/..".into(),
                    "./x".into(),
                    "x/.".into(),
                ],
                Rule::Md5 => vec!["abc".into(), "z".repeat(32)],
                Rule::Text(max) => vec!["x".repeat(max + 1), "a\nb".into()],
                Rule::NonEmpty(max) => vec!["".into(), "x".repeat(max + 1), "a\u{7}".into()],
                Rule::Timezone => vec!["Mars/Base".into(), "".into()],
                Rule::DateTime => vec![
                    "2019-09-10".into(),
                    "2019-02-30 25:00:00".into(),
                    "2019-02-31 10:00:00".into(),
                    "2019-02-29 10:00:00".into(),
                    "2019-04-31 10:00:00".into(),
                    "2019-+9-10 10:00:00".into(),
                ],
                Rule::Ipv4 => vec!["10.0.0".into(), "10.0.0.256".into(), "host".into()],
                Rule::Netmask => vec!["255.0.255.0".into(), "255.255.255.1".into(), "x".into()],
                Rule::Word(_) => vec!["nope".into()],
            }
        };
        let mut checked = 0;
        for spec in crate::api::METHODS {
            for p in spec.params {
                for v in bad(p.rule) {
                    match check_value(spec.method, p.name, &v) {
                        Err(Error::InvalidArgument { param, rule }) => {
                            assert_eq!(param, p.name);
                            assert!(!rule.is_empty());
                        }
                        other => panic!("{} {}={v:?} gave {other:?}", spec.name, p.name),
                    }
                    checked += 1;
                }
            }
        }
        assert!(checked > 200, "{checked}");
        assert!(
            check_value(Method::SetName, "nmae", "x").is_err(),
            "unknown parameter names are refused"
        );
    }
}
