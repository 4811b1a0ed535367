//! Simulator layer (`sim`), HTTP: the decoders the device needs: `%XX`
//! escapes, query strings (a `+` is a space), the session cookie, and a
//! `Range: bytes=` header.

use super::request::Request;

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decode `%XX` escapes (malformed escapes stay literal); with
/// `plus_is_space`, a literal `+` becomes a space.
pub(crate) fn percent_decode(s: &str, plus_is_space: bool) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => match (hex_val(b[i + 1]), hex_val(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h << 4) | l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus_is_space => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    out
}

/// Parse `a=1&b=x%20y` into decoded pairs (order kept; a key without `=`
/// has an empty value).
pub(crate) fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (
                String::from_utf8_lossy(&percent_decode(k, true)).into_owned(),
                String::from_utf8_lossy(&percent_decode(v, true)).into_owned(),
            )
        })
        .collect()
}

/// Every `sid` value in the Cookie headers, parsed leniently: clients send
/// the whole `Set-Cookie` value back (`sid=...; path=/`), possibly among
/// other cookies, possibly quoted.
pub(crate) fn cookie_sids(req: &Request) -> Vec<String> {
    let mut out = Vec::new();
    for header in req.headers_named("cookie") {
        for pair in header.split([';', ',']) {
            if let Some((k, v)) = pair.split_once('=') {
                if k.trim().eq_ignore_ascii_case("sid") {
                    let v = v.trim().trim_matches('"');
                    if !v.is_empty() {
                        out.push(v.to_string());
                    }
                }
            }
        }
    }
    out
}

/// Parse a single `bytes=a-b` range against `size`. None: serve it whole;
/// Some(Err): unsatisfiable.
pub(crate) fn parse_range(h: &str, size: u64) -> Option<Result<(u64, u64), ()>> {
    let spec = h.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let (a, b) = (a.trim(), b.trim());
    let range = if a.is_empty() {
        let n: u64 = b.parse().ok()?;
        if n == 0 || size == 0 {
            return Some(Err(()));
        }
        (size.saturating_sub(n), size - 1)
    } else {
        let start: u64 = a.parse().ok()?;
        let end = if b.is_empty() {
            size.saturating_sub(1)
        } else {
            b.parse::<u64>().ok()?.min(size.saturating_sub(1))
        };
        if start >= size || end < start {
            return Some(Err(()));
        }
        (start, end)
    };
    Some(Ok(range))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_queries() {
        let q = parse_query(
            "method=set-name&name=My%20Box%2B1%20%27A%27&t=2019-09-10+15:00:00&x&bad=%zz%4",
        );
        assert_eq!(q[1], ("name".into(), "My Box+1 'A'".into()));
        assert_eq!(q[2], ("t".into(), "2019-09-10 15:00:00".into()));
        assert_eq!(q[3], ("x".into(), "".into()));
        assert_eq!(q[4], ("bad".into(), "%zz%4".into()));
        assert_eq!(percent_decode("a+b%2Fc", false), b"a+b/c");
        assert_eq!(percent_decode("%", true), b"%");
        assert_eq!(percent_decode("%4", true), b"%4");
        assert_eq!(percent_decode("%41", true), b"A");
    }

    #[test]
    fn parses_cookies_leniently() {
        let mut r = Request::default();
        r.headers
            .push(("cookie".into(), "theme=dark; sid=abc; path=/".into()));
        r.headers.push(("cookie".into(), "sid=\"def\"".into()));
        assert_eq!(cookie_sids(&r), vec!["abc".to_string(), "def".to_string()]);
    }

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-9", 100), Some(Ok((0, 9))));
        assert_eq!(parse_range("bytes=90-", 100), Some(Ok((90, 99))));
        assert_eq!(parse_range("bytes=-10", 100), Some(Ok((90, 99))));
        assert_eq!(parse_range("bytes=0-1000", 100), Some(Ok((0, 99))));
        assert_eq!(parse_range("bytes=100-", 100), Some(Err(())));
        assert_eq!(parse_range("bytes=1-2,4-5", 100), None);
        assert_eq!(parse_range("items=1-2", 100), None);
    }
}
