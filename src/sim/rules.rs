//! Simulator layer (`sim`), below the methods: the document's
//! character-set and length rules, implemented here from the document
//! (not shared with the client's validator, so a mistake in one cannot
//! hide the same mistake in the other).

/// Device / server name (set-name, set-first-over, add-server): 1 to 32 of
/// `A-Z a-z 0-9 space . _ - + '`, not starting or ending with a space.
pub(crate) fn is_name(s: &str) -> bool {
    charset_ok(s, 32, |c| c.is_ascii_alphanumeric() || " ._-+'".contains(c))
}

/// Soft-AP SSID and password: 1 to 32 of `A-Z a-z 0-9 space . _ - + !`, not
/// starting or ending with a space.
pub(crate) fn is_ssid(s: &str) -> bool {
    charset_ok(s, 32, |c| c.is_ascii_alphanumeric() || " ._-+!".contains(c))
}

/// Recording file prefix: 1 to 32 of `A-Z a-z 0-9 space . _ - + '`, not
/// starting or ending with a space. (The document's list also shows `/`, a
/// copy of the folder rule; a prefix with `/` would make a directory, so it
/// is refused.)
pub(crate) fn is_prefix(s: &str) -> bool {
    is_name(s)
}

/// Recording root folder: the name characters plus `/`, at most two levels
/// (`a/b`), 1 to 64 characters, not starting or ending with a space or `/`,
/// no empty, `.` or `..` level.
pub(crate) fn is_folder(s: &str) -> bool {
    if !charset_ok(s, 64, |c| {
        c.is_ascii_alphanumeric() || " ._-+'/".contains(c)
    }) {
        return false;
    }
    if s.starts_with('/') || s.ends_with('/') {
        return false;
    }
    let levels: Vec<&str> = s.split('/').collect();
    levels.len() <= 2
        && levels
            .iter()
            .all(|l| !l.is_empty() && *l != "." && *l != ".." && l.len() <= 32)
}

/// A user id: 1 to 32 printable characters, no leading or trailing space.
pub(crate) fn is_user_id(s: &str) -> bool {
    charset_ok(s, 32, |c| !c.is_control())
}

/// 32 hexadecimal digits (an MD5 digest in hex).
pub(crate) fn is_md5(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Dotted-quad IPv4.
pub(crate) fn is_ipv4(s: &str) -> bool {
    s.parse::<std::net::Ipv4Addr>().is_ok()
}

/// `YYYY-MM-DD HH:MM:SS` with plausible field ranges.
pub(crate) fn parse_date_time(s: &str) -> Option<(i64, u32, u32, u32, u32, u32)> {
    let b = s.as_bytes();
    if b.len() != 19
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b' '
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = s.get(r)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let (y, mo, d, h, mi, se) = (
        num(0..4)?,
        num(5..7)?,
        num(8..10)?,
        num(11..13)?,
        num(14..16)?,
        num(17..19)?,
    );
    let ok = (1970..=2099).contains(&y)
        && (1..=12).contains(&mo)
        && (1..=days_in_month(y as i64, mo)).contains(&d)
        && h < 24
        && mi < 60
        && se < 60;
    ok.then_some((y as i64, mo, d, h, mi, se))
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

fn charset_ok(s: &str, max: usize, allowed: impl Fn(char) -> bool) -> bool {
    let n = s.chars().count();
    n >= 1 && n <= max && !s.starts_with(' ') && !s.ends_with(' ') && s.chars().all(allowed)
}

/// Days since 1970-01-01 for a civil date (Howard Hinnant's algorithm).
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// `YYYY-MM-DD HH:MM:SS` for seconds since the Unix epoch (UTC).
pub(crate) fn format_unix(secs: i64) -> String {
    let days = secs.div_euclid(86400);
    let rem = secs.rem_euclid(86400);
    let z = days + 719468;
    let era = if z >= 0 { z } else { z - 146096 } / 146097;
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(is_name("My Box+1 'A'"));
        assert!(is_name("Ultra Stream C301181214002"));
        assert!(!is_name(""));
        assert!(!is_name(" a"));
        assert!(!is_name("a "));
        assert!(!is_name("a!"));
        assert!(!is_name(&"a".repeat(33)));
        assert!(is_name(&"a".repeat(32)));
        assert!(is_ssid("Net-1!"));
        assert!(!is_ssid("it's"));
    }

    #[test]
    fn folders() {
        assert!(is_folder("REC_Folder"));
        assert!(is_folder("a/b"));
        assert!(!is_folder("a/b/c"));
        assert!(!is_folder("/a"));
        assert!(!is_folder("a/"));
        assert!(!is_folder("a//b"));
        assert!(!is_folder("../a"));
        assert!(!is_folder("a/.."));
        assert!(!is_folder(" a"));
        assert!(!is_prefix("a/b"));
    }

    #[test]
    fn dates() {
        assert!(parse_date_time("2019-09-10 15:00:00").is_some());
        assert!(parse_date_time("2019-02-29 15:00:00").is_none());
        assert!(parse_date_time("2020-02-29 23:59:59").is_some());
        assert!(parse_date_time("2019-09-10T15:00:00").is_none());
        let (y, mo, d, h, mi, s) = parse_date_time("2019-09-26 08:04:39").unwrap();
        let secs = days_from_civil(y, mo, d) * 86400 + (h * 3600 + mi * 60 + s) as i64;
        assert_eq!(format_unix(secs), "2019-09-26 08:04:39");
        assert_eq!(format_unix(0), "1970-01-01 00:00:00");
    }
}
