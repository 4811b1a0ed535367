//! The per-call fast path of reply checking (client layer): one tight pass
//! over the body that checks it is exactly one well-formed JSON object
//! (RFC 8259) and reads its top-level `result` / `status` as it passes.
//!
//! It only ever answers for the plain case (every value well formed, the
//! codes integer literals or null, keys without escapes, nesting ≤ 64).
//! Anything else, broken or merely unusual, gives `None` and the caller
//! falls back to serde's full reading, which decides and words the error.
//! So this pass may be conservative, never lax: a `Some` is always what
//! serde would have answered. Why: serde's `IgnoredAny` walk cost ~32k
//! instructions on a 2 KB get-status reply (more than the rest of a call);
//! this costs a few per byte.

/// Deepest nesting answered here (serde's own limit is 128).
const MAX_DEPTH: usize = 64;

/// Bytes that end the fast scan of a string: `"`, `\` and control characters.
const STOP: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// The top-level code of a plain, well-formed reply object: `Some(Some(n))`
/// from `result` (else `status`), `Some(None)` when neither is there (or
/// both are null), `None` when serde must decide.
pub(crate) fn top_level_code(body: &[u8]) -> Option<Option<i32>> {
    let mut s = Scan { b: body, i: 0 };
    s.ws();
    if s.peek()? != b'{' {
        return None;
    }
    let mut result: Option<Option<i32>> = None;
    let mut status: Option<Option<i32>> = None;
    s.i += 1;
    s.ws();
    if s.peek()? == b'}' {
        s.i += 1;
    } else {
        loop {
            let key = s.key()?;
            s.ws();
            if s.peek()? != b':' {
                return None;
            }
            s.i += 1;
            s.ws();
            match key {
                b"result" if result.is_none() => result = Some(s.code()?),
                b"status" if status.is_none() => status = Some(s.code()?),
                _ => s.value()?,
            }
            s.ws();
            match s.peek()? {
                b',' => {
                    s.i += 1;
                    s.ws();
                }
                b'}' => {
                    s.i += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    s.ws();
    if s.i != s.b.len() {
        return None;
    }
    Some(result.flatten().or(status.flatten()))
}

struct Scan<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Scan<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    /// A key at the top level: a string without escapes (an escaped key
    /// could spell `result`; serde decides those).
    fn key(&mut self) -> Option<&'a [u8]> {
        if self.peek()? != b'"' {
            return None;
        }
        let start = self.i + 1;
        let mut j = start;
        while !STOP[*self.b.get(j)? as usize] {
            j += 1;
        }
        if self.b[j] != b'"' {
            return None;
        }
        self.i = j + 1;
        Some(&self.b[start..j])
    }

    /// A code: an integer literal that fits i32, or null.
    fn code(&mut self) -> Option<Option<i32>> {
        if self.b[self.i..].starts_with(b"null") {
            self.i += 4;
            return Some(None);
        }
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        let digits = self.i;
        while let Some(b'0'..=b'9') = self.peek() {
            self.i += 1;
        }
        let n = self.i - digits;
        if n == 0 || n > 10 || (n > 1 && self.b[digits] == b'0') {
            return None;
        }
        if let Some(b'.' | b'e' | b'E') = self.peek() {
            return None;
        }
        let text = std::str::from_utf8(&self.b[start..self.i]).ok()?;
        text.parse::<i32>().ok().map(Some)
    }

    /// Any value, nested containers iteratively.
    fn value(&mut self) -> Option<()> {
        // The open containers: true for an object, false for an array.
        let mut stack = [false; MAX_DEPTH];
        let mut depth = 0usize;
        loop {
            // A value starts here.
            self.ws();
            match self.peek()? {
                b'{' | b'[' => {
                    let object = self.b[self.i] == b'{';
                    if depth == MAX_DEPTH {
                        return None;
                    }
                    stack[depth] = object;
                    depth += 1;
                    self.i += 1;
                    self.ws();
                    let close = if object { b'}' } else { b']' };
                    if self.peek()? == close {
                        self.i += 1;
                        depth -= 1;
                    } else {
                        if object {
                            self.member_key()?;
                        }
                        continue;
                    }
                }
                b'"' => self.string()?,
                b't' => self.literal(b"true")?,
                b'f' => self.literal(b"false")?,
                b'n' => self.literal(b"null")?,
                b'-' | b'0'..=b'9' => self.number()?,
                _ => return None,
            }
            // After a value: close what ends here, or go on to the next one.
            loop {
                if depth == 0 {
                    return Some(());
                }
                self.ws();
                let object = stack[depth - 1];
                match self.peek()? {
                    b',' => {
                        self.i += 1;
                        if object {
                            self.ws();
                            self.member_key()?;
                        }
                        break;
                    }
                    b'}' if object => {
                        self.i += 1;
                        depth -= 1;
                    }
                    b']' if !object => {
                        self.i += 1;
                        depth -= 1;
                    }
                    _ => return None,
                }
            }
        }
    }

    /// `"key" :` inside a nested object.
    fn member_key(&mut self) -> Option<()> {
        if self.peek()? != b'"' {
            return None;
        }
        self.string()?;
        self.ws();
        if self.peek()? != b':' {
            return None;
        }
        self.i += 1;
        Some(())
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        if self.b[self.i..].starts_with(word) {
            self.i += word.len();
            Some(())
        } else {
            None
        }
    }

    /// A string with its escapes checked; `\u` surrogates go to serde.
    fn string(&mut self) -> Option<()> {
        self.i += 1;
        loop {
            self.i = skip_plain(self.b, self.i);
            match *self.b.get(self.i)? {
                b'"' => {
                    self.i += 1;
                    return Some(());
                }
                b'\\' => {
                    self.i += 1;
                    match self.peek()? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.i += 1,
                        b'u' => {
                            let hex = self.b.get(self.i + 1..self.i + 5)?;
                            if !hex.iter().all(u8::is_ascii_hexdigit) {
                                return None;
                            }
                            // D800-DFFF: pairing rules are serde's to judge.
                            if matches!(hex[0], b'd' | b'D')
                                && matches!(hex[1], b'8'..=b'9' | b'a'..=b'f' | b'A'..=b'F')
                            {
                                return None;
                            }
                            self.i += 5;
                        }
                        _ => return None,
                    }
                }
                _ => return None, // a control character
            }
        }
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    fn number(&mut self) -> Option<()> {
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek()? {
            b'0' => self.i += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if !self.peek()?.is_ascii_digit() {
                return None;
            }
            self.digits();
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            if !self.peek()?.is_ascii_digit() {
                return None;
            }
            self.digits();
        }
        Some(())
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.i += 1;
        }
    }
}

/// The index of the first byte at or after `i` that ends a string's plain
/// run (`"`, `\\`, a control character), or `b.len()`: eight bytes at a time
/// (SWAR), then byte by byte.
fn skip_plain(b: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    while let Some(chunk) = b.get(i..i + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        let v = u64::from_le_bytes(w);
        // A byte is "zero" in x when it matched: quote, backslash, or < 0x20.
        let quote = v ^ (ONES * b'"' as u64);
        let slash = v ^ (ONES * b'\\' as u64);
        let hit = (quote.wrapping_sub(ONES) & !quote)
            | (slash.wrapping_sub(ONES) & !slash)
            | (v.wrapping_sub(ONES * 0x20) & !v);
        let hit = hit & HIGH;
        if hit != 0 {
            return i + (hit.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < b.len() && !STOP[b[i] as usize] {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::top_level_code as fast;

    #[test]
    fn plain_replies_are_answered() {
        assert_eq!(fast(br#"{"result":0}"#), Some(Some(0)));
        assert_eq!(fast(br#" {"result" : -17 } "#), Some(Some(-17)));
        assert_eq!(
            fast(br#"{"status":3,"x":[1,2.5e3,{"a":null}]}"#),
            Some(Some(3))
        );
        assert_eq!(fast(br#"{"result":null,"status":2}"#), Some(Some(2)));
        assert_eq!(fast(br#"{"a":"\u00e9\n\"x\""}"#), Some(None));
        assert_eq!(fast(br#"{}"#), Some(None));
        assert_eq!(fast(br#"{"result":1,"result":2}"#), Some(Some(1)));
    }

    #[test]
    fn anything_broken_or_unusual_goes_to_serde() {
        for bad in [
            &br#"{"result":0, this is not json }"#[..],
            br#"{"result":0}x"#,
            br#"{"result":0"#,
            br#"{"result":"0"}"#,
            br#"{"result":0.5}"#,
            br#"{"result":01}"#,
            br#"{"result":99999999999}"#,
            br#"{"a":[1,]}"#,
            br#"{"a":{"b":}}"#,
            br#"{"a":"\ud800"}"#,
            br#"{"a":"\x"}"#,
            b"{\"a\":\"\x01\"}",
            br#"{"a":tru}"#,
            br#"{"a":-}"#,
            br#"{"a":1.}"#,
            br#"{"a":1e}"#,
            br#"{"res\u0075lt":0}"#,
            br#"[1]"#,
            br#""#,
            br#"{"a":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}"#,
        ] {
            assert_eq!(fast(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn skip_plain_stops_at_the_first_quote_backslash_or_control() {
        for n in 0..40 {
            for stop in [b'"', b'\\', 0x00, 0x1f, b'\n'] {
                let mut v = vec![b'a'; n];
                v.extend_from_slice("é€x".as_bytes());
                let at = v.len();
                v.push(stop);
                v.extend_from_slice(b"\"zz");
                assert_eq!(super::skip_plain(&v, 0), at, "n={n} stop={stop}");
            }
            let v = vec![b' '; n];
            assert_eq!(super::skip_plain(&v, 0), n);
        }
    }

    /// Never laxer than serde: every cut and every one-byte change of real
    /// replies that the fast pass answers, serde answers the same.
    #[test]
    fn agrees_with_serde_on_mutations_of_real_replies() {
        let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
        let mut bodies: Vec<Vec<u8>> = vec![
            br#"{"result":0,"cur-status":65552,"list":[{"a":1.5e-3,"b":"x\\y\u00e9"},[],{}],"t":true,"f":false,"n":null}"#.to_vec(),
        ];
        for dir in [data.clone(), data.join("captures")] {
            for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                if e.path().extension().is_some_and(|x| x == "json") {
                    bodies.extend(std::fs::read(e.path()));
                }
            }
        }
        assert!(
            bodies.len() >= 4,
            "the replies in {} were not found",
            data.display()
        );
        let mut checked = 0usize;
        let subst = [
            b'"', b'\\', b'{', b'}', b'[', b']', b',', b':', b'0', b'-', b'e', b'.', b' ', 1u8,
        ];
        for body in &bodies {
            let mut variants: Vec<Vec<u8>> = Vec::new();
            for cut in (0..body.len()).step_by(7) {
                variants.push(body[..cut].to_vec());
            }
            for (k, pos) in (0..body.len()).step_by(5).enumerate() {
                let mut v = body.clone();
                v[pos] = subst[k % subst.len()];
                variants.push(v);
            }
            variants.push(body.clone());
            for v in variants {
                let Ok(text) = std::str::from_utf8(&v) else {
                    continue;
                };
                if let Some(code) = fast(&v) {
                    assert_eq!(
                        super::super::serde_top_level_code(text),
                        Ok(code),
                        "fast pass laxer than serde on {text}"
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 10, "too few answered variants: {checked}");
    }
}
