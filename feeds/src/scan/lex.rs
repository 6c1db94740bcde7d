//! The scanner's lexer: a cursor over one JSON line that accepts only a strict, simple subset of
//! JSON (every token it returns is one simd-json reads the same way) and answers `None` for
//! anything else, so the caller can hand the line to the reference parser.

use alphapulse_types::{scaled_from_parts, Price, Qty};

/// A position in the line.
pub(super) struct Cur<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Cur<'a> {
    #[inline]
    pub(super) fn new(b: &'a [u8]) -> Self {
        Cur { b, i: 0 }
    }

    /// Skip JSON whitespace (space, tab, LF, CR) and return the next byte.
    #[inline(always)]
    pub(super) fn peek(&mut self) -> Option<u8> {
        loop {
            let c = *self.b.get(self.i)?;
            if c > b' ' {
                return Some(c);
            }
            if !matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
                return Some(c);
            }
            self.i += 1;
        }
    }

    /// The next byte after whitespace, consumed.
    #[inline(always)]
    pub(super) fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }

    /// Consume `c` (after whitespace) or fail.
    #[inline(always)]
    pub(super) fn expect(&mut self, c: u8) -> Option<()> {
        (self.next()? == c).then_some(())
    }

    /// Consume exactly the bytes `s` (no whitespace skipped) or fail.
    #[inline(always)]
    pub(super) fn lit<const N: usize>(&mut self, s: &[u8; N]) -> Option<()> {
        // A fixed length: compared inline, not through memcmp.
        let w: &[u8; N] = self.b.get(self.i..self.i + N)?.try_into().ok()?;
        if w != s {
            return None;
        }
        self.i += N;
        Some(())
    }

    /// The next byte, consumed (no whitespace skipped).
    #[inline(always)]
    pub(super) fn byte(&mut self) -> Option<u8> {
        let c = *self.b.get(self.i)?;
        self.i += 1;
        Some(c)
    }

    /// Only whitespace is left.
    #[inline]
    pub(super) fn at_end(&mut self) -> bool {
        self.peek().is_none()
    }

    /// The body of a string whose opening quote was just consumed. Printable ASCII only: an escape,
    /// a control character or any non-ASCII byte is "not mine" (no unescaping, no UTF-8 checks).
    #[inline(always)]
    pub(super) fn string_body(&mut self) -> Option<&'a [u8]> {
        let rest = &self.b[self.i..];
        let mut k = 0;
        // Eight bytes at a time: the lowest flagged byte of `special` is the first special byte.
        while let Some(w) = rest.get(k..k + 8) {
            let s = special(u64::from_le_bytes(w.try_into().ok()?));
            if s != 0 {
                let j = k + (s.trailing_zeros() / 8) as usize;
                return self.close(rest, j);
            }
            k += 8;
        }
        while let Some(&c) = rest.get(k) {
            if c == b'"' || c == b'\\' || !(0x20..0x7f).contains(&c) {
                return self.close(rest, k);
            }
            k += 1;
        }
        None
    }

    /// `rest[j]` is the first special byte of a string body: its end if it is the closing quote.
    #[inline(always)]
    fn close(&mut self, rest: &'a [u8], j: usize) -> Option<&'a [u8]> {
        if rest[j] != b'"' {
            return None;
        }
        self.i += j + 1;
        Some(&rest[..j])
    }

    /// A one-byte key and its colon, `"k":` exactly (no whitespace), if that is what comes next.
    #[inline(always)]
    pub(super) fn short_key(&mut self) -> Option<&'a [u8]> {
        let w = self.b.get(self.i..self.i + 4)?;
        let c = w[1];
        let plain = (0x20..0x7f).contains(&c) && c != b'"' && c != b'\\';
        if w[0] == b'"' && plain && w[2] == b'"' && w[3] == b':' {
            self.i += 4;
            Some(&w[1..2])
        } else {
            None
        }
    }

    /// A string value (after whitespace).
    #[inline(always)]
    pub(super) fn string(&mut self) -> Option<&'a [u8]> {
        self.expect(b'"')?;
        self.string_body()
    }

    /// An unsigned integer whose first digit `d0` was just consumed: `0` or `[1-9][0-9]*`, at most
    /// 19 digits (so it fits a u64), not followed by a fraction or an exponent.
    #[inline(always)]
    pub(super) fn uint_rest(&mut self, d0: u8) -> Option<u64> {
        let mut v = (d0 - b'0') as u64;
        let start = self.i;
        while let Some(&c) = self.b.get(self.i) {
            if !c.is_ascii_digit() {
                break;
            }
            v = v.wrapping_mul(10).wrapping_add((c - b'0') as u64);
            self.i += 1;
        }
        let more = self.i - start;
        if more > 18 || (d0 == b'0' && more > 0) {
            return None;
        }
        match self.b.get(self.i) {
            Some(b'.' | b'e' | b'E') => None,
            _ => Some(v),
        }
    }

    /// The rest of `true`, `false` or `null` after its first byte `c0`.
    #[inline]
    pub(super) fn literal_rest(&mut self, c0: u8) -> Option<()> {
        let rest: &[u8] = match c0 {
            b't' => b"rue",
            b'f' => b"alse",
            b'n' => b"ull",
            _ => return None,
        };
        if self.b.get(self.i..self.i + rest.len())? != rest {
            return None;
        }
        self.i += rest.len();
        Some(())
    }

    /// `[[px, qty], …]` (opening `[` just consumed) into `out` (cleared first), keeping at most
    /// `cap` levels and counting the rest in `dropped`; the strings go through `Price::parse` and
    /// `Qty::parse` exactly as the tape path does.
    pub(super) fn levels(
        &mut self,
        out: &mut Vec<(Price, Qty)>,
        cap: usize,
        dropped: &mut u32,
    ) -> Option<()> {
        out.clear();
        if self.peek()? == b']' {
            self.i += 1;
            return Some(());
        }
        loop {
            self.expect(b'[')?;
            let p = self.string()?;
            self.expect(b',')?;
            let q = self.string()?;
            self.expect(b']')?;
            let px = Price::parse(p).ok()?;
            let qty = Qty::parse(q).ok()?;
            keep(out, cap, dropped, (px, qty));
            match self.next()? {
                b',' => {}
                b']' => return Some(()),
                _ => return None,
            }
        }
    }
}

impl<'a> Cur<'a> {
    /// A Binance decimal string whose opening quote was just consumed, as written: 1 to 11
    /// digits, a dot, eight digits, the closing quote (consumed), read in one pass into 1e-8 units
    /// exactly as `Price::parse` / `Qty::parse` read it ([`scaled_from_parts`]); `None` for any
    /// other shape or an overflow.
    #[inline(always)]
    pub(super) fn dec8(&mut self) -> Option<i64> {
        let s = self.i;
        let mut j = s;
        let mut int: u64 = 0;
        loop {
            let c = *self.b.get(j)?;
            if !c.is_ascii_digit() {
                break;
            }
            int = int * 10 + (c - b'0') as u64;
            j += 1;
            if j - s > 11 {
                return None;
            }
        }
        let tail = self.b.get(j..j + 10)?;
        if j == s || tail[0] != b'.' || tail[9] != b'"' {
            return None;
        }
        let frac = u64::from_le_bytes(tail[1..9].try_into().ok()?);
        self.i = j + 10;
        scaled_from_parts(int, frac)
    }

    /// `[["px","qty"],…]` exactly as Binance writes it (no whitespace, eight decimals), opening
    /// `[` just consumed, into `out` as [`Cur::levels`] does (same cap, same count of dropped
    /// levels, same parsing of each number); `None` for any other shape (then the caller reads the
    /// line with [`Cur::levels`]).
    pub(super) fn levels_compact(
        &mut self,
        out: &mut Vec<(Price, Qty)>,
        cap: usize,
        dropped: &mut u32,
    ) -> Option<()> {
        out.clear();
        if self.b.get(self.i) == Some(&b']') {
            self.i += 1;
            return Some(());
        }
        loop {
            self.lit(b"[\"")?;
            let px = Price::from_raw(self.dec8()?);
            self.lit(b",\"")?;
            let qty = Qty::from_raw(self.dec8()?);
            keep(out, cap, dropped, (px, qty));
            match (self.byte()?, self.byte()?) {
                (b']', b',') => {}
                (b']', b']') => return Some(()),
                _ => return None,
            }
        }
    }
}

/// The level cap of a frame: `level` is kept while `out` holds fewer than `cap`, else counted in
/// `dropped`.
#[inline(always)]
fn keep(out: &mut Vec<(Price, Qty)>, cap: usize, dropped: &mut u32, level: (Price, Qty)) {
    if out.len() < cap {
        out.push(level);
    } else {
        *dropped += 1;
    }
}

/// Nonzero iff some byte of `v` is `"`, `\`, below 0x20 or at least 0x7f; the lowest flagged
/// byte is the first such byte (the borrow artefacts of these tricks only flag bytes above a true
/// one).
#[inline(always)]
fn special(v: u64) -> u64 {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let zero = |x: u64| x.wrapping_sub(LO) & !x & HI;
    let quote = zero(v ^ (LO * b'"' as u64));
    let slash = zero(v ^ (LO * b'\\' as u64));
    let ctrl = v.wrapping_sub(LO * 0x20) & !v & HI; // bytes < 0x20 (exact when no byte has bit 7)
    let del = zero(v ^ (LO * 0x7f));
    quote | slash | ctrl | del | (v & HI)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_matches_naive() {
        let bad = |c: u8| c == b'"' || c == b'\\' || !(0x20..0x7f).contains(&c);
        for c in 0..=255u8 {
            for pos in 0..8 {
                let mut w = [b'a'; 8];
                w[pos] = c;
                assert_eq!(special(u64::from_le_bytes(w)) != 0, bad(c), "byte {c:#x} at {pos}");
            }
        }
    }

    #[test]
    fn lowest_flag_of_special_is_the_first_special_byte() {
        let bad = |c: u8| c == b'"' || c == b'\\' || !(0x20..0x7f).contains(&c);
        let pool =
            [b'"', b'\\', 0x00, 0x1f, 0x20, 0x21, b'a', b'0', 0x7e, 0x7f, 0x80, 0xff, b'.', 0x5c, 0x22];
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let w: [u8; 8] = core::array::from_fn(|i| pool[((x >> (i * 5)) % pool.len() as u64) as usize]);
            let s = special(u64::from_le_bytes(w));
            let first = w.iter().position(|&c| bad(c));
            assert_eq!(first, (s != 0).then(|| (s.trailing_zeros() / 8) as usize), "{w:?}");
        }
    }

    #[test]
    fn strings_and_numbers() {
        let mut c = Cur::new(br#" "61837.63000000" , "a\"b" "#);
        assert_eq!(c.string(), Some(&b"61837.63000000"[..]));
        assert_eq!(c.next(), Some(b','));
        assert_eq!(c.string(), None, "escapes are not mine");
        for (src, want) in [
            (&b"0,"[..], Some(0)),
            (b"123}", Some(123)),
            (b"9999999999999999999", Some(9_999_999_999_999_999_999)),
            (b"18446744073709551615", None),
            (b"01", None),
            (b"1.5", None),
            (b"1e3", None),
        ] {
            let mut c = Cur::new(src);
            let d0 = c.next().unwrap();
            assert_eq!(c.uint_rest(d0), want, "{}", String::from_utf8_lossy(src));
        }
        let mut c = Cur::new(b"\xc3\xa9\"");
        assert_eq!(c.string_body(), None, "non-ASCII is not mine");
    }
}
