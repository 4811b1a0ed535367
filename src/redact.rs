//! Keeping secrets and device text out of messages.
//!
//! Two rules, applied wherever a message is built and again where
//! `usapi_last_error` is set:
//!
//! - Anything the device sent is quoted only as a short, sanitised
//!   [`excerpt`] (printable ASCII, at most [`EXCERPT_CHARS`] characters).
//! - A value the library itself sent that is secret (password hashes,
//!   stream keys, tokens, server and access-point passwords, the session
//!   id) is scrubbed *by value* with [`Secrets::scrub`], in its raw,
//!   percent-encoded and JSON-escaped forms, case-insensitively, including
//!   any fragment of 8 or more characters of it (so an excerpt that cut a
//!   secret in half does not leak the half; fragments are looked for in a
//!   secret's first 16 KiB, whole values at any length). [`scrub_patterns`] also
//!   redacts `name=value` and `"name":"value"` pairs of secret names, for
//!   messages built where the values are not known.
//!
//! Layer: bottom: uses no other module of the crate.

/// The longest excerpt of device text a message may quote.
pub const EXCERPT_CHARS: usize = 32;

/// Longest message `usapi_last_error` (and a Python exception) carries.
pub const MAX_MESSAGE_BYTES: usize = 1024;

/// What replaces a secret.
pub const REDACTED: &str = "<redacted>";

/// Parameter names whose values are secret: the method table's password
/// hashes (`pass`, `new-pass`, `passwd`), a server's stream `key`,
/// `passwd` and `token`, and the access point's `softap-passwd`.
pub const SECRET_PARAMS: &[&str] = &[
    "pass",
    "new-pass",
    "passwd",
    "key",
    "token",
    "softap-passwd",
];

/// Names that carry secrets in text the library did not build itself,
/// besides SECRET_PARAMS: `sid` of the session cookie, `password` of a JSON
/// object, the cookie headers.
const OTHER_SECRET_NAMES: &[&str] = &["sid", "password", "cookie", "set-cookie"];

/// True when a request parameter's value is secret.
pub fn is_secret_param(name: &str) -> bool {
    SECRET_PARAMS.contains(&name)
}

/// Fragments this long (in bytes) of a secret are scrubbed wherever they
/// appear; shorter secrets only as whole tokens.
const FRAGMENT: usize = 8;

/// How much of a secret is searched for fragments.
const FRAGMENT_SCAN: usize = 16 << 10;

/// A short, sanitised excerpt of text that came from the device: control
/// and non-ASCII characters become `?`, and it is cut to
/// [`EXCERPT_CHARS`] characters with `...` and the full length.
pub fn excerpt(text: &str) -> String {
    let clean = |c: char| {
        if c.is_ascii_graphic() || c == ' ' {
            c
        } else {
            '?'
        }
    };
    let n = text.chars().count();
    if n <= EXCERPT_CHARS {
        text.chars().map(clean).collect()
    } else {
        let head: String = text.chars().take(EXCERPT_CHARS).map(clean).collect();
        format!("{head}... ({} bytes)", text.len())
    }
}

/// Control characters become spaces and the text is cut to
/// [`MAX_MESSAGE_BYTES`] (on a character boundary).
pub fn sanitize_message(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_MESSAGE_BYTES));
    for c in text.chars() {
        if out.len() + c.len_utf8() > MAX_MESSAGE_BYTES {
            out.push_str("...");
            break;
        }
        out.push(if c.is_control() { ' ' } else { c });
    }
    out
}

/// A serde / serde_json error as a message detail, without the device's
/// values it may quote: every `"..."` string it contains becomes an
/// excerpt, and every `` `...` `` except the field names of "missing
/// field" and "duplicate field" (our names, not the device's).
pub fn json_error(e: &dyn std::fmt::Display) -> String {
    let msg = e.to_string();
    let keep_ticks = msg.starts_with("missing field") || msg.starts_with("duplicate field");
    let mut out = String::with_capacity(msg.len().min(256));
    let mut rest = msg.as_str();
    loop {
        let next = rest.find(['"', '`']);
        let Some(open) = next else {
            out.push_str(rest);
            break;
        };
        let q = rest.as_bytes()[open] as char;
        let close = if q == '`' { '`' } else { '"' };
        out.push_str(&rest[..=open]);
        let after = &rest[open + 1..];
        // serde quotes with Debug escapes: skip \" inside strings.
        let mut end = None;
        let mut esc = false;
        for (i, c) in after.char_indices() {
            if esc {
                esc = false;
            } else if c == '\\' && q == '"' {
                esc = true;
            } else if c == close {
                end = Some(i);
                break;
            }
        }
        let (inner, tail) = match end {
            Some(i) => (&after[..i], &after[i..]),
            None => (after, ""),
        };
        if q == '`' && keep_ticks {
            out.push_str(&excerpt(inner));
        } else if inner.is_empty() {
        } else {
            out.push_str(&format!("<{} bytes>", inner.len()));
        }
        if tail.is_empty() {
            break;
        }
        out.push(close);
        rest = &tail[1..];
    }
    sanitize_message(&out)
}

/// The secret values of one request, scrubbed by value from its messages.
#[derive(Default, Debug, Clone)]
pub struct Secrets {
    /// Lower-cased forms of every secret (raw, percent-encoded, JSON).
    forms: Vec<String>,
}

impl Secrets {
    /// No secrets yet.
    pub fn new() -> Secrets {
        Secrets::default()
    }

    /// The secret parameters of a request.
    pub fn of_params(params: &[(&str, &str)]) -> Secrets {
        let mut s = Secrets::new();
        for (k, v) in params {
            if is_secret_param(k) {
                s.add(v);
            }
        }
        s
    }

    /// Add one secret value (empty values are ignored).
    pub fn add(&mut self, value: &str) {
        if value.is_empty() {
            return;
        }
        let mut forms = vec![value.to_string()];
        // Encoded forms only for values that could be sent (a value longer
        // than any parameter allows was refused before any traffic).
        if value.len() <= 4096 {
            let mut enc = String::new();
            percent_encode(value, &mut enc);
            forms.push(enc);
            forms.push(value.replace(' ', "+"));
            if let Ok(json) = serde_json::to_string(value) {
                forms.push(json.trim_matches('"').to_string());
            }
        }
        for f in forms {
            let f = f.to_ascii_lowercase();
            if !self.forms.contains(&f) {
                self.forms.push(f);
            }
        }
    }

    /// Add every secret of `other`.
    pub fn extend(&mut self, other: &Secrets) {
        for f in &other.forms {
            if !self.forms.contains(f) {
                self.forms.push(f.clone());
            }
        }
    }

    /// True when no secret was added.
    pub fn is_empty(&self) -> bool {
        self.forms.is_empty()
    }

    /// `text` with every occurrence of a secret, and every fragment of 8 or
    /// more bytes of one, replaced by `<redacted>`.
    pub fn scrub(&self, text: &str) -> String {
        if self.forms.is_empty() || text.is_empty() {
            return text.to_string();
        }
        let lower = text.to_ascii_lowercase();
        let hay = lower.as_bytes();
        let mut hit = vec![false; hay.len()];
        // The text's 8-byte windows (a message is short), then one pass
        // over each secret: linear in the secrets' length, however long
        // a caller made them.
        let key = |w: &[u8]| {
            let mut k = [0u8; FRAGMENT];
            k.copy_from_slice(w);
            u64::from_le_bytes(k)
        };
        let mut windows: Vec<(u64, usize)> = if hay.len() >= FRAGMENT {
            (0..=hay.len() - FRAGMENT)
                .map(|i| (key(&hay[i..i + FRAGMENT]), i))
                .collect()
        } else {
            Vec::new()
        };
        windows.sort_unstable();
        // A 64 Ki-bit filter of the text's windows, so the pass over a long
        // secret costs a shift and a bit test per byte.
        let bucket = |k: u64| ((k ^ (k >> 16) ^ (k >> 32) ^ (k >> 48)) & 0xffff) as usize;
        let mut filter = vec![0u64; 1024];
        for (k, _) in &windows {
            let b = bucket(*k);
            filter[b >> 6] |= 1 << (b & 63);
        }
        for f in &self.forms {
            let fb = f.as_bytes();
            if fb.len() >= FRAGMENT {
                if windows.is_empty() {
                    continue;
                }
                // Whole occurrences (std's search, fast in any build) ...
                let mut from = 0;
                while let Some(pos) = lower[from..].find(f.as_str()) {
                    let start = from + pos;
                    hit[start..start + fb.len()]
                        .iter_mut()
                        .for_each(|h| *h = true);
                    from = start + 1;
                    while !lower.is_char_boundary(from) {
                        from += 1;
                    }
                }
                // ... and fragments, from the first FRAGMENT_SCAN bytes (no
                // parameter allows a secret over 512 bytes; a 1 MiB one
                // must not make an error path slow).
                let fb = &fb[..fb.len().min(FRAGMENT_SCAN)];
                // Rolling little-endian key of the last 8 bytes.
                let mut k = 0u64;
                for (n, &byte) in fb.iter().enumerate() {
                    k = (k >> 8) | (u64::from(byte) << 56);
                    if n + 1 < FRAGMENT {
                        continue;
                    }
                    let b = bucket(k);
                    if filter[b >> 6] & (1 << (b & 63)) == 0 {
                        continue;
                    }
                    let first = windows.partition_point(|(x, _)| *x < k);
                    for &(_, i) in windows[first..].iter().take_while(|(x, _)| *x == k) {
                        hit[i..i + FRAGMENT].iter_mut().for_each(|h| *h = true);
                    }
                }
            } else {
                // Short secrets: whole tokens only, or "a" would eat the text.
                let mut from = 0;
                while let Some(pos) = lower[from..].find(f.as_str()) {
                    let start = from + pos;
                    let end = start + fb.len();
                    let before = start == 0 || !hay[start - 1].is_ascii_alphanumeric();
                    let after = end == hay.len() || !hay[end].is_ascii_alphanumeric();
                    if before && after {
                        hit[start..end].iter_mut().for_each(|h| *h = true);
                    }
                    from = start + 1;
                    while !lower.is_char_boundary(from) {
                        from += 1;
                    }
                }
            }
        }
        rebuild(text, &hit)
    }
}

/// Replace each run of marked bytes (widened to whole characters) by one
/// `<redacted>`.
fn rebuild(text: &str, hit: &[bool]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_run = false;
    for (i, c) in text.char_indices() {
        let marked = hit[i..i + c.len_utf8()].iter().any(|h| *h);
        if marked {
            if !in_run {
                out.push_str(REDACTED);
                in_run = true;
            }
        } else {
            in_run = false;
            out.push(c);
        }
    }
    out
}

/// Redact the values of secret names wherever they appear as `name=value`
/// (queries, cookies), `"name":"value"` (JSON) or `name: value` (headers),
/// for text whose secrets are not known by value.
pub fn scrub_patterns(text: &str) -> String {
    let b = text.as_bytes();
    let mut hit = vec![false; b.len()];
    let is_name = |c: u8| c.is_ascii_alphanumeric() || c == b'-' || c == b'_';
    let mut i = 0;
    while i < b.len() {
        if !is_name(b[i]) || (i > 0 && is_name(b[i - 1])) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && is_name(b[i]) {
            i += 1;
        }
        let name = text[start..i].to_ascii_lowercase();
        if !SECRET_PARAMS.contains(&name.as_str()) && !OTHER_SECRET_NAMES.contains(&name.as_str()) {
            continue;
        }
        // The separator: '=', '":' (JSON, optional spaces), or ': '.
        let mut j = i;
        if j < b.len() && b[j] == b'"' {
            j += 1;
        }
        while j < b.len() && b[j] == b' ' {
            j += 1;
        }
        if j >= b.len() || (b[j] != b'=' && b[j] != b':') {
            continue;
        }
        let sep = b[j];
        j += 1;
        while j < b.len() && b[j] == b' ' {
            j += 1;
        }
        // A header-style "name: value" only when the name is a cookie
        // header; "invalid argument 'pass': must be ..." stays readable.
        if sep == b':' && !(b.get(i) == Some(&b'"') || name.contains("cookie")) {
            continue;
        }
        let quoted = j < b.len() && b[j] == b'"';
        if quoted {
            j += 1;
        }
        let vstart = j;
        while j < b.len() {
            let c = b[j];
            if quoted {
                if c == b'"' && b[j - 1] != b'\\' {
                    break;
                }
            } else if c == b'&' || c == b';' || c == b',' || c == b'"' || c == b'\'' || c == b' ' {
                // A cookie header value runs to the end of the line.
                if !(name.contains("cookie") && (c == b' ' || c == b';' || c == b',')) {
                    break;
                }
            } else if c == b'\r' || c == b'\n' {
                break;
            }
            j += 1;
        }
        hit[vstart..j].iter_mut().for_each(|h| *h = true);
        i = j;
    }
    rebuild(text, &hit)
}

// Here, at the bottom, because the scrubber must know the encoded form
// of a secret exactly as the client sends it; `client` re-exports it.
/// Characters left as they are in a query value (RFC 3986 unreserved).
fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Percent-encode one query component. Everything but the unreserved set is
/// encoded, so `+`, space, `'`, `/` and `&` arrive intact.
pub fn percent_encode(s: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in s.as_bytes() {
        if unreserved(b) {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 15) as usize] as char);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_short_and_printable() {
        assert_eq!(excerpt("busy"), "busy");
        assert_eq!(excerpt("a\nb\u{7}é"), "a?b??");
        let long = "x".repeat(1000);
        let e = excerpt(&long);
        assert!(e.len() < 60, "{e}");
        assert!(e.ends_with("(1000 bytes)"), "{e}");
    }

    #[test]
    fn secrets_are_scrubbed_in_every_form_and_fragment() {
        let md5 = "0123456789abcdef0123456789abcdef";
        let key = "live key/+1&x";
        let mut s = Secrets::of_params(&[("id", "Admin"), ("pass", md5), ("key", key)]);
        s.add("sid42");
        let mut enc = String::new();
        percent_encode(key, &mut enc);
        for text in [
            format!("echo pass={md5}&key={enc}"),
            format!("{{\"pass\":\"{}\"}}", md5.to_uppercase()),
            format!("cut: {}", &md5[3..20]),
            format!("raw {key} end"),
            "cookie sid42; path=/".to_string(),
        ] {
            let out = s.scrub(&text);
            assert!(!out.to_ascii_lowercase().contains(&md5[3..11]), "{out}");
            assert!(!out.contains("live key"), "{out}");
            assert!(!out.contains("sid42"), "{out}");
            assert!(out.contains(REDACTED), "{out}");
        }
        assert_eq!(s.scrub("Admin logged in"), "Admin logged in");
        // Short secrets only as whole tokens.
        let short = Secrets::of_params(&[("key", "ab")]);
        assert_eq!(short.scrub("about key=ab&x"), "about key=<redacted>&x");
    }

    /// Found by the FFI misuse matrix: a 1 MiB secret made scrubbing build
    /// a set of a million windows (77 s under valgrind); now one linear
    /// pass over the secret.
    #[test]
    fn long_secrets_are_scrubbed_in_one_pass() {
        let long: String = (0..200_000u32)
            .map(|i| char::from(b'a' + (i % 26) as u8))
            .collect();
        let s = Secrets::of_params(&[("softap-passwd", &long)]);
        let out = s.scrub(&format!("got {} end", &long[1000..1040]));
        assert_eq!(out, "got <redacted> end");
    }

    #[test]
    fn patterns_are_redacted_without_knowing_the_values() {
        let t = "GET /usapi?method=login&id=Admin&pass=0123abcd&new-pass=ffee HTTP/1.1";
        let out = scrub_patterns(t);
        assert!(!out.contains("0123abcd") && !out.contains("ffee"), "{out}");
        assert!(out.contains("id=Admin"), "{out}");
        let out = scrub_patterns(r#"{"key": "s3cr3t", "name":"box","token":"t\"k"}"#);
        assert!(!out.contains("s3cr3t") && !out.contains("t\\\"k"), "{out}");
        assert!(out.contains("box"), "{out}");
        let out = scrub_patterns("Cookie: sid=abc; path=/\r\nX: 1");
        assert!(!out.contains("abc"), "{out}");
        let msg = "invalid argument 'pass': must be the MD5 of the password as 32 hex digits";
        assert_eq!(scrub_patterns(msg), msg);
        assert_eq!(scrub_patterns("bypass=1"), "bypass=1");
    }

    #[test]
    fn json_errors_quote_no_device_value() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct T {
            a: u32,
        }
        let e = serde_json::from_str::<T>(r#"{"a":"0123456789abcdef"}"#).unwrap_err();
        let m = json_error(&e);
        assert!(!m.contains("0123456789"), "{m}");
        assert!(m.contains("invalid type"), "{m}");
        let e = serde_json::from_str::<T>(r#"{}"#).unwrap_err();
        assert!(json_error(&e).contains("`a`"), "{}", json_error(&e));
    }

    #[test]
    fn messages_are_bounded() {
        let m = sanitize_message(&format!("a\nb{}", "é".repeat(2000)));
        assert!(m.len() <= MAX_MESSAGE_BYTES + 3);
        assert!(m.starts_with("a b"));
    }
}
