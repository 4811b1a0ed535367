//! The fast pass held to serde's verdict: real replies and their mutations,
//! generated replies, hostile shapes, invalid UTF-8 and every byte value.

/// The fast pass on text.
fn fast(body: &str) -> Option<Option<i32>> {
    super::top_level_code(body.as_bytes())
}

/// The fast pass on any bytes: where it answers, the bytes are UTF-8
/// and serde answers the same.
fn agree_bytes(body: &[u8]) -> bool {
    match std::str::from_utf8(body) {
        Ok(text) => agree(text),
        Err(_) => {
            assert_eq!(
                super::top_level_code(body),
                None,
                "fast pass answered invalid UTF-8 {body:?}"
            );
            false
        }
    }
}

/// serde's verdict, the judge of every answer the fast pass gives.
fn serde(body: &str) -> Result<Option<i32>, String> {
    super::super::reply::serde_top_level_code(body)
}

/// The fast pass either stays out or answers what serde answers.
fn agree(body: &str) -> bool {
    match fast(body) {
        None => false,
        Some(code) => {
            assert_eq!(
                serde(body),
                Ok(code),
                "fast pass laxer than serde on {body:?}"
            );
            true
        }
    }
}

#[test]
fn plain_replies_are_answered() {
    assert_eq!(fast(r#"{"result":0}"#), Some(Some(0)));
    assert_eq!(fast(r#" {"result" : -17 } "#), Some(Some(-17)));
    assert_eq!(
        fast(r#"{"status":3,"x":[1,2.5e3,{"a":null}]}"#),
        Some(Some(3))
    );
    assert_eq!(fast(r#"{"result":null,"status":2}"#), Some(Some(2)));
    assert_eq!(fast(r#"{"a":"\u00e9\n\"x\""}"#), Some(None));
    assert_eq!(fast(r#"{}"#), Some(None));
    assert_eq!(fast("\t{ }\r\n"), Some(None));
    assert_eq!(fast(r#"{"result":1,"result":2}"#), Some(Some(1)));
    assert_eq!(fast(r#"{"result":null,"result":2}"#), Some(None));
    assert_eq!(fast(r#"{"result":-2147483648}"#), Some(Some(i32::MIN)));
    assert_eq!(fast(r#"{"status":2147483647}"#), Some(Some(i32::MAX)));
    assert_eq!(fast(r#"{"a":{"result":5},"status":-1}"#), Some(Some(-1)));
    assert_eq!(
        fast(r#"{"a":[[],{},[{}],{"b":[1,-0,0.0,1E+2,3e-7]}],"result":7}"#),
        Some(Some(7))
    );
    assert_eq!(fast(r#"{"a":"\ud7ff\ue000","b":{"\u00e9":1}}"#), Some(None));
    let nested = format!(r#"{{"a":{}1{}}}"#, "[".repeat(62), "]".repeat(62));
    assert_eq!(fast(&nested), Some(None), "63 levels are answered");
    for body in [
        include_str!("../../../tests/data/get-status-real.json"),
        r#"{"result":0,"cur-status":65552,"list":[{"a":1.5e-3,"b":"x\\y\u00e9"},[],{}],"t":true,"f":false,"n":null}"#,
    ] {
        assert!(agree(body), "not answered: {body}");
    }
}

#[test]
fn anything_broken_or_unusual_goes_to_serde() {
    for bad in [
        r#"{"result":0, this is not json }"#,
        r#"{"result":0}x"#,
        r#"{"result":0}{"result":1}"#,
        r#"{"result":0"#,
        r#"{"result":0,}"#,
        r#"{"result":"0"}"#,
        r#"{"result":0.5}"#,
        r#"{"result":1e2}"#,
        r#"{"result":01}"#,
        r#"{"result":-0}"#,
        r#"{"result":-}"#,
        r#"{"result":true}"#,
        r#"{"result":[0]}"#,
        r#"{"result":{}}"#,
        r#"{"result":99999999999}"#,
        r#"{"result":2147483648}"#,
        r#"{"result":-2147483649}"#,
        r#"{"a":[1,]}"#,
        r#"{"a":[1 2]}"#,
        r#"{"a":{"b":}}"#,
        r#"{"a":{"b" 1}}"#,
        r#"{"a":{1:1}}"#,
        r#"{"a":[}"#,
        r#"{"a":{]}"#,
        r#"{"a":"\ud800"}"#,
        r#"{"a":"\uDBFF\uDFFF"}"#,
        r#"{"a":"\x"}"#,
        r#"{"a":"\u12"}"#,
        r#"{"a":"\u12g4"}"#,
        "{\"a\":\"\u{1}\"}",
        "{\"a\":\"\t\"}",
        "{\"a\":\"x\u{7f}\u{1f}\"}",
        r#"{"a":tru}"#,
        r#"{"a":nul}"#,
        r#"{"a":True}"#,
        r#"{"a":-}"#,
        r#"{"a":+1}"#,
        r#"{"a":.5}"#,
        r#"{"a":1.}"#,
        r#"{"a":1e}"#,
        r#"{"a":1e+}"#,
        r#"{"a":00}"#,
        r#"{"a":0x1}"#,
        r#"{"a":1"#,
        r#"{"a":"x"#,
        r#"{"a":"x\"#,
        r#"{"res\u0075lt":0}"#,
        "\u{feff}{\"result\":0}",
        "{\"result\":0}\u{a0}",
        "{\"result\":0}\u{b}",
        "\u{c}{}",
        r#"[1]"#,
        r#""x""#,
        r#"1"#,
        r#"null"#,
        r#""#,
        "   ",
        r#"{"a":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}"#,
    ] {
        assert_eq!(fast(bad), None, "{bad:?}");
    }
}

/// Where a string's plain run ends, as `stop` finds it.
fn skip_plain(b: &[u8]) -> usize {
    super::stop(b, 0).map_or(b.len(), |(at, _)| at)
}

#[test]
fn a_plain_run_stops_at_a_quote_backslash_control_or_high_byte() {
    for n in 0..40 {
        for stop in [b'"', b'\\', 0x00, 0x1f, b'\n', 0x80, 0xc3, 0xff] {
            let mut v = vec![b'a'; n];
            v.extend_from_slice(b"x\x7f~ ");
            let at = v.len();
            v.push(stop);
            v.extend_from_slice("\"zz\u{e9}".as_bytes());
            assert_eq!(skip_plain(&v), at, "n={n} stop={stop}");
        }
        let v = vec![b' '; n];
        assert_eq!(skip_plain(&v), n);
    }
    // Every byte value, at every position of two 16-byte blocks and the
    // words and bytes after them.
    for c in 0..=255u8 {
        let stops = c == b'"' || c == b'\\' || !(0x20..0x80).contains(&c);
        for at in 0..45 {
            let mut v = vec![b'x'; 45];
            v[at] = c;
            let want = if stops { at } else { 45 };
            assert_eq!(skip_plain(&v), want, "byte {c:#x} at {at}");
        }
    }
}

/// The fast pass proves UTF-8: every ill-formed sequence, in a value
/// string, a nested key, a top-level key and outside strings, at every
/// offset within a word, is left to serde; every well-formed one is
/// answered.
#[test]
fn invalid_utf8_is_never_answered() {
    let bad: &[&[u8]] = &[
        b"\x80", // a stray continuation byte
        b"\xbf",
        b"\xc3", // cut short
        b"\xe2\x82",
        b"\xf0\x9f\x98",
        b"\xc0\x80",         // overlong NUL
        b"\xc1\xbf",         // overlong
        b"\xe0\x80\xaf",     // overlong '/'
        b"\xe0\x9f\xbf",     // overlong
        b"\xf0\x8f\xbf\xbf", // overlong
        b"\xed\xa0\x80",     // surrogate D800
        b"\xed\xbf\xbf",     // surrogate DFFF
        b"\xf4\x90\x80\x80", // U+110000
        b"\xf5\x80\x80\x80",
        b"\xf8\x88\x80\x80\x80",
        b"\xfe",
        b"\xff",
        b"\xc3\xa9\xa9", // a good character, then a stray byte
        b"\xe2\x28\xa1", // a non-continuation inside
        b"\xc3\x22",     // cut by the closing quote
    ];
    let good: &[&[u8]] = &[
        b"\xc2\x80",
        b"\xc3\xa9",
        b"\xdf\xbf",
        b"\xe0\xa0\x80",
        b"\xe2\x82\xac",
        b"\xed\x9f\xbf",
        b"\xee\x80\x80",
        b"\xef\xbf\xbf",
        b"\xf0\x90\x80\x80",
        b"\xf0\x9f\x98\x80",
        b"\xf4\x8f\xbf\xbf",
    ];
    let shapes: [(&[u8], &[u8]); 5] = [
        (b"{\"result\":0,\"a\":\"", b"\"}"),
        (b"{\"a\":[{\"", b"\":1}],\"result\":0}"),
        (b"{\"", b"\":1,\"result\":0}"),
        (b"{\"result\":0,\"a\":\"\\n", b"x\"}"),
        (b"{\"result\":0,\"a\":[1,", b"]}"),
    ];
    for pad in 0..9 {
        for (k, (pre, post)) in shapes.iter().enumerate() {
            for (seqs, ok) in [(bad, false), (good, true)] {
                for seq in seqs {
                    let mut v = pre.to_vec();
                    v.extend(std::iter::repeat_n(b'y', pad));
                    v.extend_from_slice(seq);
                    v.extend(std::iter::repeat_n(b'z', pad));
                    v.extend_from_slice(post);
                    let answered = agree_bytes(&v);
                    // Outside a string (shape 4) nothing non-ASCII is JSON.
                    let want = ok && k != 4;
                    assert_eq!(answered, want, "{:?}", String::from_utf8_lossy(&v));
                }
            }
        }
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
        b'"', b'\\', b'{', b'}', b'[', b']', b',', b':', b'0', b'-', b'e', b'.', b' ', 1u8, 0x80,
        0xc3, 0xed, 0xf4, 0xff,
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
            checked += agree_bytes(&v) as usize;
        }
    }
    assert!(checked > 10, "too few answered variants: {checked}");
}

/// A small deterministic generator (xorshift), so the test needs no
/// dependency and fails the same way every time.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

/// A random well-formed value: what a device (or a hostile one) might
/// nest, with every kind of number, escape and whitespace.
fn value(r: &mut Rng, depth: usize, out: &mut String) {
    const WS: &[&str] = &["", "", "", " ", "\n", "\t", "\r\n  "];
    const NUMBERS: &[&str] = &[
        "0",
        "-1",
        "7",
        "42",
        "-0",
        "0.5",
        "-0.0",
        "1e9",
        "1E+2",
        "2.5e-3",
        "123456789012345678901234567890",
        "1e999",
        "-1e-999",
        "18446744073709551616",
        "-9223372036854775809",
        "2147483648",
        "-2147483649",
    ];
    const STRINGS: &[&str] = &[
        r#""""#,
        r#""x""#,
        r#""result""#,
        r#""status""#,
        r#""a\"b""#,
        r#""\\""#,
        r#""\/\b\f\n\r\t""#,
        r#""\u0041\u00e9\uFFFF""#,
        r#""\ud83d\ude00""#,
        r#""\ud800""#,
        r#""\udc00x""#,
        "\"é€😀\"",
        r#""a long string with spaces and punctuation: {}[],:""#,
    ];
    let ws = |r: &mut Rng, out: &mut String| out.push_str(r.pick(WS));
    let kind = if depth > 6 { r.below(4) } else { r.below(7) };
    match kind {
        0 => out.push_str(r.pick(NUMBERS)),
        1 => out.push_str(r.pick(STRINGS)),
        2 => out.push_str(r.pick(&["true", "false", "null"])),
        3 => out.push_str(&r.below(100_000).to_string()),
        4 | 5 => {
            out.push('{');
            for k in 0..r.below(5) {
                if k > 0 {
                    out.push(',');
                }
                ws(r, out);
                out.push_str(r.pick(STRINGS));
                ws(r, out);
                out.push(':');
                ws(r, out);
                value(r, depth + 1, out);
                ws(r, out);
            }
            out.push('}');
        }
        _ => {
            out.push('[');
            for k in 0..r.below(5) {
                if k > 0 {
                    out.push(',');
                }
                ws(r, out);
                value(r, depth + 1, out);
                ws(r, out);
            }
            out.push(']');
        }
    }
}

/// Generated replies and their cuts and one-byte changes: whatever the
/// fast pass answers, serde answers the same; and it does answer the
/// plain well-formed ones (it is not quietly handing everything to serde).
#[test]
fn agrees_with_serde_on_generated_replies() {
    const CODES: &[&str] = &[
        "0",
        "-9",
        "17",
        "null",
        "-0",
        "\"0\"",
        "\" 3 \"",
        "1.0",
        "1e2",
        "true",
        "[]",
        "{}",
        "2147483647",
        "-2147483648",
        "2147483648",
        "00",
        "-",
    ];
    const NOISE: &[u8] = b"\"\\{}[],:0-+.eE \n\x01\x7ftfnu\x80\xc3\xe2";
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut answered, mut plain_answered, mut plain) = (0usize, 0usize, 0usize);
    for _ in 0..4000 {
        let mut body = String::from("{");
        let members = r.below(6);
        let mut is_plain = true;
        for k in 0..members {
            if k > 0 {
                body.push(',');
            }
            match r.below(4) {
                0 => {
                    let c = r.pick(CODES);
                    is_plain &= !matches!(
                        c,
                        "-0" | "\"0\""
                            | "\" 3 \""
                            | "1.0"
                            | "1e2"
                            | "true"
                            | "[]"
                            | "{}"
                            | "2147483648"
                            | "00"
                            | "-"
                    );
                    body.push_str(r.pick(&[r#""result""#, r#""status""#]));
                    body.push(':');
                    body.push_str(c);
                }
                _ => {
                    body.push_str(r.pick(&[r#""a""#, r#""cur-status""#, r#""x y""#]));
                    body.push_str(": ");
                    let start = body.len();
                    value(&mut r, 1, &mut body);
                    is_plain &=
                        !body[start..].contains("\\ud8") && !body[start..].contains("\\udc");
                }
            }
        }
        body.push('}');
        if is_plain && serde(&body).is_ok() {
            plain += 1;
            plain_answered += agree(&body) as usize;
        }
        answered += agree(&body) as usize;
        // Cuts and one-byte changes of it.
        let bytes = body.as_bytes();
        for _ in 0..4 {
            let mut v = bytes.to_vec();
            match r.below(3) {
                0 => v.truncate(r.below(v.len() + 1)),
                1 => {
                    let at = r.below(v.len());
                    v[at] = NOISE[r.below(NOISE.len())];
                }
                _ => {
                    let at = r.below(v.len() + 1);
                    v.insert(at, NOISE[r.below(NOISE.len())]);
                }
            }
            answered += agree_bytes(&v) as usize;
        }
    }
    assert!(plain > 1000, "too few plain replies generated: {plain}");
    assert_eq!(
        plain_answered, plain,
        "plain well-formed replies went to serde"
    );
    // Some changed bodies are answered too (a digit for a digit, a space).
    assert!(
        answered > plain + 500,
        "too few answered: {answered} of which {plain} plain"
    );
}

/// Deep nesting, long numbers and long strings: answered or left to
/// serde, never answered differently, and no recursion to overflow.
#[test]
fn hostile_shapes_agree_with_serde() {
    let mut bodies = vec![
        format!(
            r#"{{"result":0,"a":{}{}}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        ),
        format!(r#"{{"result":0,"a":{}{}}}"#, "[".repeat(63), "]".repeat(63)),
        format!(r#"{{"result":0,"a":{}1"#, "{\"a\":".repeat(62)) + &"}".repeat(63),
        format!(r#"{{"result":0,"a":{}}}"#, "9".repeat(10_000)),
        format!(
            r#"{{"result":0,"a":0.{}e-{}}}"#,
            "1".repeat(5_000),
            "9".repeat(400)
        ),
        format!(r#"{{"result":{}1}}"#, "0".repeat(30)),
        format!(r#"{{"a":"{}","result":3}}"#, "\\n".repeat(10_000)),
        format!(r#"{{"a":"{}","result":3}}"#, "é".repeat(10_000)),
        format!("{{\"a\":\"{}\u{0}\"}}", "x".repeat(9)),
    ];
    for depth in [62, 63, 64, 65] {
        bodies.push(format!(
            r#"{{"a":{}{}}}"#,
            "[".repeat(depth),
            "]".repeat(depth)
        ));
    }
    for b in &bodies {
        agree(b);
    }
    assert_eq!(fast(&bodies[1]), Some(Some(0)));
    assert_eq!(fast(&bodies[3]), Some(Some(0)));
    assert_eq!(fast(&bodies[4]), Some(Some(0)));
    assert_eq!(fast(&bodies[6]), Some(Some(3)));
    assert_eq!(fast(&bodies[7]), Some(Some(3)));
    assert_eq!(fast(&bodies[8]), None, "a raw NUL");
}
