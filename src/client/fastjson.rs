//! The per-call fast path of reply checking (client layer): one tight pass
//! over the body that checks it is exactly one well-formed JSON object
//! (RFC 8259) and reads its top-level `result` / `status` as it passes.
//!
//! It also proves the body is UTF-8: bytes from 0x80 up are allowed only
//! inside strings, and each multi-byte sequence met there is checked
//! (RFC 3629: no overlongs, no surrogates, nothing past U+10FFFF), so a
//! `Some` lets the caller take the bytes as text without a second pass.
//!
//! It only ever answers for the plain case (every value well formed, the
//! codes integer literals or null, top-level keys without escapes, no
//! `\u` surrogate escapes, nesting ≤ 64). Anything else, broken or merely
//! unusual, gives `None` and the caller falls back to serde's full reading,
//! which decides and words the error. So this pass may be conservative,
//! never lax: a `Some` is always what serde would have answered (the
//! differential tests here and the fuzz target `reply_body` hold it to that).
//!
//! Why hand-written: serde's `IgnoredAny` walk cost ~32k instructions on the
//! simulator's 1.9 KB get-status reply, more than the rest of a call. The
//! shape here is for few instructions per byte: the top level walked apart
//! from the nested values (so the hot loop carries no top-level state), the
//! nested ones in one loop without recursion, the open containers as bits
//! of one word, string bodies and digit runs scanned eight bytes at a time
//! (SWAR), whitespace looked for only when the next byte could be some.

/// Deepest nesting answered here, the reply object included (serde's own
/// limit is 128); one bit per level in a `u64`.
const MAX_DEPTH: u32 = 64;

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The top-level code of a plain, well-formed reply object: `Some(Some(n))`
/// from `result` (else `status`), `Some(None)` when neither is there (or
/// both are null), `None` when serde must decide (or the body is not
/// UTF-8). A `Some` means `body` is valid UTF-8: bytes from 0x80 up are
/// accepted only inside strings, as whole well-formed characters.
pub(crate) fn top_level_code(b: &[u8]) -> Option<Option<i32>> {
    let mut i = 0;
    if peek(b, &mut i)? != b'{' {
        return None;
    }
    i += 1;
    let mut result: Option<Option<i32>> = None;
    let mut status: Option<Option<i32>> = None;
    if peek(b, &mut i)? != b'}' {
        loop {
            // A member: its key, without escapes (an escaped key could
            // spell `result`, and serde decodes top-level keys strictly).
            if peek(b, &mut i)? != b'"' {
                return None;
            }
            let start = i + 1;
            let close = key_end(b, start)?;
            let key = &b[start..close];
            i = close + 1;
            if peek(b, &mut i)? != b':' {
                return None;
            }
            i += 1;
            let c = peek(b, &mut i)?;
            // The first `result` and the first `status` are codes: an
            // integer literal or null here; anything else is serde's.
            let slot = match key {
                b"result" if result.is_none() => Some(&mut result),
                b"status" if status.is_none() => Some(&mut status),
                _ => None,
            };
            match slot {
                None => i = value(b, i, c)?,
                Some(slot) if c == b'n' => {
                    i = literal(b, i, b"null")?;
                    *slot = Some(None);
                }
                Some(slot) => {
                    let (n, end) = code(b, i)?;
                    i = end;
                    *slot = Some(Some(n));
                }
            }
            match peek(b, &mut i)? {
                b',' => i += 1,
                b'}' => break,
                _ => return None,
            }
        }
    }
    // The reply object closes at `i`: only whitespace may follow.
    i += 1;
    (ws(b, i) == b.len()).then(|| result.flatten().or(status.flatten()))
}

/// What a value's first byte starts (`KIND`).
const STRING: u8 = 1;
const NUMBER: u8 = 2;
const OPEN: u8 = 3;
const TRUE: u8 = 4;
const FALSE: u8 = 5;
const NULL: u8 = 6;

/// The kind of value each first byte starts; 0: none (whitespace is
/// skipped before the lookup).
const KIND: [u8; 256] = {
    let mut t = [0u8; 256];
    t[b'"' as usize] = STRING;
    t[b'-' as usize] = NUMBER;
    let mut d = b'0';
    while d <= b'9' {
        t[d as usize] = NUMBER;
        d += 1;
    }
    t[b'{' as usize] = OPEN;
    t[b'[' as usize] = OPEN;
    t[b't' as usize] = TRUE;
    t[b'f' as usize] = FALSE;
    t[b'n' as usize] = NULL;
    t
};

/// One value inside the reply object, its first byte `c` at `i`: the index
/// after it. Containers are walked in this one loop (no recursion), up to
/// the reply's nesting limit. Kept out of line so that the hot loop has the
/// registers to itself.
#[inline(never)]
fn value(b: &[u8], mut i: usize, mut c: u8) -> Option<usize> {
    // The open containers, innermost in bit 0 (1: object, 0: array), above
    // the highest a marker bit: `open == 1` when none is.
    let mut open: u64 = 1;
    // At `i`: a value, whose first byte is `c`.
    'value: loop {
        // Each kind leaves `i` after the value and `next` the byte there
        // (0 at the end), read already where that came free.
        let mut next;
        match KIND[c as usize] {
            STRING => {
                i = string(b, i + 1)?;
                next = b.get(i).copied().unwrap_or(0);
            }
            NUMBER => (i, next) = number(b, i, c)?,
            OPEN => {
                // The marker would pass bit 63: 64 levels with the reply's.
                if open >> (MAX_DEPTH - 1) != 0 {
                    return None;
                }
                open = open << 1 | (c == b'{') as u64;
                i += 1;
                next = peek(b, &mut i)?;
                // `}` is `{` + 2, `]` is `[` + 2.
                if next != c + 2 {
                    if c == b'{' {
                        (i, c) = member(b, i)?;
                    } else {
                        c = next;
                    }
                    continue 'value;
                }
                i += 1;
                open >>= 1;
                next = b.get(i).copied().unwrap_or(0);
            }
            TRUE => (i, next) = literal_next(b, i, b"true")?,
            FALSE => (i, next) = literal_next(b, i, b"false")?,
            NULL => (i, next) = literal_next(b, i, b"null")?,
            _ => return None,
        }
        // After a value: the next one, or the close of its container (and
        // maybe of the ones around it).
        while open != 1 {
            if next <= b' ' {
                i = ws(b, i);
                next = *b.get(i)?;
            }
            i += 1;
            let object = open & 1 != 0;
            if next == b',' {
                if object {
                    (i, c) = member(b, i)?;
                } else {
                    c = peek(b, &mut i)?;
                }
                continue 'value;
            }
            if next != if object { b'}' } else { b']' } {
                return None;
            }
            open >>= 1;
            next = b.get(i).copied().unwrap_or(0);
        }
        return Some(i);
    }
}

/// A nested object's member up to its value: `"key" :`, then the value's
/// index and first byte.
#[inline(always)]
fn member(b: &[u8], mut i: usize) -> Option<(usize, u8)> {
    if peek(b, &mut i)? != b'"' {
        return None;
    }
    i = string(b, i + 1)?;
    // Compact replies put the colon right after the key.
    if b.get(i) != Some(&b':') && peek(b, &mut i)? != b':' {
        return None;
    }
    i += 1;
    let c = peek(b, &mut i)?;
    Some((i, c))
}

/// `literal` and the byte after it (0 at the end).
#[inline(always)]
fn literal_next(b: &[u8], i: usize, word: &[u8]) -> Option<(usize, u8)> {
    let end = literal(b, i, word)?;
    Some((end, b.get(end).copied().unwrap_or(0)))
}

/// The byte at `i` after any whitespace, `i` moved onto it. Compact
/// replies have none, so one comparison usually decides.
#[inline(always)]
fn peek(b: &[u8], i: &mut usize) -> Option<u8> {
    let c = *b.get(*i)?;
    if c > b' ' {
        return Some(c);
    }
    *i = ws(b, *i);
    b.get(*i).copied()
}

/// The first index at or after `i` that is not JSON whitespace. Out of
/// line: compact replies never come here, and the hot loop keeps the
/// registers.
#[cold]
#[inline(never)]
fn ws(b: &[u8], mut i: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = b.get(i) {
        i += 1;
    }
    i
}

/// `word` (`true`, `false`, `null`) at `i`: the index after it.
#[inline(always)]
fn literal(b: &[u8], i: usize, word: &[u8]) -> Option<usize> {
    let end = i + word.len();
    (b.get(i..end)? == word).then_some(end)
}

/// A code at `i`: an integer literal that fits i32 (`-0` is serde's float,
/// so not one); the value and the index after it.
fn code(b: &[u8], i: usize) -> Option<(i32, usize)> {
    let negative = *b.get(i)? == b'-';
    let start = i + negative as usize;
    let n = digit_run(b, start);
    let end = start + n;
    let digits = b.get(start..end)?;
    if n == 0 || n > 10 || (digits[0] == b'0' && (n > 1 || negative)) {
        return None;
    }
    if let Some(b'.' | b'e' | b'E') = b.get(end) {
        return None;
    }
    let v = digits
        .iter()
        .fold(0i64, |v, &d| v * 10 + i64::from(d - b'0'));
    let v = i32::try_from(if negative { -v } else { v }).ok()?;
    Some((v, end))
}

/// A number whose first byte `c` (`-` or a digit) is at `i`
/// (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`): the index after it
/// and the byte there (0 at the end). What may follow is the caller's to
/// check.
#[inline(always)]
fn number(b: &[u8], i: usize, c: u8) -> Option<(usize, u8)> {
    // One digit and a byte that cannot go on a number: most numbers a
    // device sends (0, 1), at a fraction of the word's cost.
    if c != b'-' {
        let next = b.get(i + 1).copied().unwrap_or(0);
        if !next.is_ascii_digit() && next != b'.' && next | 0x20 != b'e' {
            return Some((i + 1, next));
        }
    }
    let start = i + (c == b'-') as usize;
    let (end, next) = match b.get(start..).and_then(<[u8]>::first_chunk::<8>) {
        // The integer part and the byte after it from one word, when it
        // ends within the word (below 10^7: nearly every number a device
        // sends).
        Some(w) if non_digits(u64::from_le_bytes(*w)) != 0 => {
            let v = u64::from_le_bytes(*w);
            let k = non_digits(v).trailing_zeros();
            (start + (k / 8) as usize, (v >> (k & !7)) as u8)
        }
        _ => digits(b, start),
    };
    let n = end - start;
    if n == 0 || (n > 1 && b[start] == b'0') {
        return None;
    }
    if next == b'.' || next | 0x20 == b'e' {
        let end = fraction(b, end)?;
        return Some((end, b.get(end).copied().unwrap_or(0)));
    }
    Some((end, next))
}

/// Whether `v` is exactly one JSON number, nothing around it (the
/// watcher's check of a clock value it lets change between polls).
pub(crate) fn is_number(v: &[u8]) -> bool {
    match v.first() {
        Some(&c) if KIND[c as usize] == NUMBER => {
            number(v, 0, c).is_some_and(|(end, _)| end == v.len())
        }
        _ => false,
    }
}

/// The high bit of each byte of `v` (little-endian) that is not an ASCII
/// digit: exact up to the first such byte, which is all that is looked at.
#[inline(always)]
fn non_digits(v: u64) -> u64 {
    // A digit ^ '0' is 0..=9, and adding 0x76 keeps it below 0x80; any
    // other byte has its high bit set by one or the other (a carry out of
    // it only touches the bytes after it).
    let t = v ^ (ONES * b'0' as u64);
    (t.wrapping_add(ONES * 0x76) | t) & HIGH
}

/// The first index at or after `j` that is not an ASCII digit, and the
/// byte there (0 at the end). Byte by byte: most numbers in a reply are a
/// digit or two, where a word at a time costs more.
#[inline(always)]
fn digits(b: &[u8], mut j: usize) -> (usize, u8) {
    loop {
        let Some(&d) = b.get(j) else {
            return (j, 0);
        };
        if !d.is_ascii_digit() {
            return (j, d);
        }
        j += 1;
    }
}

/// The rarer tail of a number, from its `.` or exponent at `i`.
fn fraction(b: &[u8], mut i: usize) -> Option<usize> {
    if b.get(i) == Some(&b'.') {
        i += 1;
        let n = digit_run(b, i);
        if n == 0 {
            return None;
        }
        i += n;
    }
    if let Some(b'e' | b'E') = b.get(i) {
        i += 1;
        if let Some(b'+' | b'-') = b.get(i) {
            i += 1;
        }
        let n = digit_run(b, i);
        if n == 0 {
            return None;
        }
        i += n;
    }
    Some(i)
}

/// How many ASCII digits start at `i`.
#[inline(always)]
fn digit_run(b: &[u8], i: usize) -> usize {
    digits(b, i).0 - i
}

/// A string whose opening quote is just before `i`, escapes and UTF-8
/// checked: the index after its closing quote. `\u` surrogates
/// (D800-DFFF) go to serde, whose pairing rules differ between keys and
/// ignored values.
#[inline(always)]
fn string(b: &[u8], mut i: usize) -> Option<usize> {
    loop {
        let (at, stop) = stop(b, i)?;
        if stop == b'"' {
            return Some(at + 1);
        }
        i = if stop == b'\\' {
            escape(b, at + 1)?
        } else if stop >= 0x80 {
            utf8(b, at)?
        } else {
            return None; // a control character
        };
    }
}

/// A top-level key whose opening quote is just before `i`, without escapes
/// (an escaped key could spell `result`, and serde decodes top-level keys
/// strictly), UTF-8 checked: the index of its closing quote.
fn key_end(b: &[u8], mut i: usize) -> Option<usize> {
    loop {
        let (at, stop) = stop(b, i)?;
        if stop == b'"' {
            return Some(at);
        }
        if stop < 0x80 {
            return None; // a backslash or a control character
        }
        i = utf8(b, at)?;
    }
}

/// The multi-byte UTF-8 character whose lead byte (0x80 or above) is at
/// `i`: the index after it, or `None` when it is not one well-formed
/// character (a stray continuation byte, an overlong form, a surrogate,
/// past U+10FFFF, cut short). Out of line: device replies are mostly ASCII.
#[cold]
#[inline(never)]
fn utf8(b: &[u8], i: usize) -> Option<usize> {
    // The length the lead byte announces; std's check then rejects every
    // ill-formed sequence of that length (and every byte that cannot lead).
    let lead = *b.get(i)?;
    let n = match lead {
        ..0xE0 => 2,
        0xE0..0xF0 => 3,
        _ => 4,
    };
    std::str::from_utf8(b.get(i..i + n)?).ok()?;
    Some(i + n)
}

/// The escape whose backslash is just before `i`: the index after it.
fn escape(b: &[u8], i: usize) -> Option<usize> {
    match *b.get(i)? {
        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Some(i + 1),
        b'u' => {
            let hex = b.get(i + 1..i + 5)?;
            if !hex.iter().all(u8::is_ascii_hexdigit)
                || (matches!(hex[0], b'd' | b'D')
                    && matches!(hex[1], b'8'..=b'9' | b'a'..=b'f' | b'A'..=b'F'))
            {
                return None;
            }
            Some(i + 5)
        }
        _ => None,
    }
}

/// The first byte at or after `i` that ends a string's plain run (`"`,
/// `\\`, a control character, a byte from 0x80 up) and its index; `None`
/// at the end. On x86-64 sixteen bytes at a time (SSE2, which every x86-64
/// has): nearly every key and string a device sends ends within one such
/// block. Then, and elsewhere, `stop_swar`.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn stop(b: &[u8], mut i: usize) -> Option<(usize, u8)> {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_cmplt_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8,
    };
    while i + 16 <= b.len() {
        // SAFETY: `i + 16 <= b.len()`, so the 16 bytes read lie in `b`
        // (an unaligned load); SSE2 is part of the x86-64 baseline.
        let m = unsafe {
            let x = _mm_loadu_si128(b.as_ptr().add(i).cast());
            // A signed "below 0x20" takes the control characters and
            // every byte from 0x80 up (negative as i8) at once.
            let hit = _mm_or_si128(
                _mm_or_si128(
                    _mm_cmpeq_epi8(x, _mm_set1_epi8(b'"' as i8)),
                    _mm_cmpeq_epi8(x, _mm_set1_epi8(b'\\' as i8)),
                ),
                _mm_cmplt_epi8(x, _mm_set1_epi8(0x20)),
            );
            _mm_movemask_epi8(hit)
        };
        if m != 0 {
            let at = i + m.trailing_zeros() as usize;
            return Some((at, b[at]));
        }
        i += 16;
    }
    stop_swar(b, i)
}

/// `stop` where SSE2 is not there.
#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn stop(b: &[u8], i: usize) -> Option<(usize, u8)> {
    stop_swar(b, i)
}

/// The first byte at or after `i` that ends a string's plain run (`"`,
/// `\\`, a control character, a byte from 0x80 up) and its index; `None` at the end. Eight bytes
/// at a time (SWAR), then byte by byte.
#[inline(always)]
fn stop_swar(b: &[u8], i: usize) -> Option<(usize, u8)> {
    let mut rest = b.get(i..)?;
    while let Some((w, tail)) = rest.split_first_chunk::<8>() {
        let v = u64::from_le_bytes(*w);
        let hit = plain_end(v);
        if hit != 0 {
            let k = hit.trailing_zeros();
            return Some((
                b.len() - rest.len() + (k / 8) as usize,
                (v >> (k & !7)) as u8,
            ));
        }
        rest = tail;
    }
    let at = rest
        .iter()
        .position(|&c| c == b'"' || c == b'\\' || !(0x20..0x80).contains(&c))?;
    Some((b.len() - rest.len() + at, rest[at]))
}

/// The high bit of each byte of `v` (little-endian) that may end a
/// string's plain run (`"`, `\\`, a control character, 0x80 and up, the
/// last so that the caller checks each multi-byte character): exact up to
/// the first such byte, which is all that is looked at.
#[inline(always)]
fn plain_end(v: u64) -> u64 {
    // `"` ^ 2 is 0x20 and a control character ^ 2 stays below 0x20, so
    // one "below 0x21" test finds both; a backslash ^ `\\` is zero.
    let low = v ^ (ONES * 2);
    let slash = v ^ (ONES * b'\\' as u64);
    // A byte's high bit ends set when it matched (a subtraction borrowed
    // while the byte was below 0x80); borrows only spoil bytes after the
    // first match.
    // A byte from 0x80 up borrows in neither subtraction, so the bytes
    // before it stay exact, and its own high bit (in `v`) marks it.
    (low.wrapping_sub(ONES * 0x21) | slash.wrapping_sub(ONES) | v) & HIGH
}

// The differential tests against serde, in a file of their own.
#[cfg(test)]
mod tests;
