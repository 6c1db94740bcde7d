//! Decimal strings to 1e-8 fixed point, exactly.
//!
//! Binance writes every price and quantity with exactly eight decimals (`61837.63000000`,
//! `0.00120000`). [`parse_scaled`] takes that shape on a fast path — the eight fraction digits are
//! checked and combined eight at a time inside one `u64` (SWAR), the integer part (at most 11
//! digits) digit by digit — and hands everything else (signs, fewer or more decimals, no dot, long
//! integers, bad characters) to the general digit-by-digit parser, which is the reference: a
//! property test checks the two agree on every input.

use crate::fixed::{FixedError, DECIMALS, SCALE};

/// Parse a plain decimal (`-12.345`, `0.00000001`, `61837.63000000`) into 1e-8 units, exactly.
#[inline]
pub fn parse_scaled(s: &[u8]) -> Result<i64, FixedError> {
    match eight_decimals(s) {
        Some(v) => Ok(v),
        None => parse_general(s),
    }
}

/// `<1..=11 digits>.<8 digits>`, or `None` (then the general parser decides, errors included).
#[inline(always)]
fn eight_decimals(s: &[u8]) -> Option<i64> {
    let n = s.len();
    if !(10..=20).contains(&n) || s[n - 9] != b'.' {
        return None;
    }
    let frac = u64::from_le_bytes(s[n - 8..].try_into().ok()?);
    if !all_digits(frac) {
        return None;
    }
    let mut int: i64 = 0;
    for &c in &s[..n - 9] {
        if !c.is_ascii_digit() {
            return None;
        }
        int = int * 10 + (c - b'0') as i64; // at most 11 digits: no overflow
    }
    int.checked_mul(SCALE)?.checked_add(eight_digits(frac) as i64)
}

/// The 1e-8 units of a Binance decimal already split by its reader: `int`, the value of its integer
/// part of 1 to 11 digits (checked by the caller), and `frac`, its eight bytes after the dot as a
/// little-endian word. `None` if a fraction byte is not a digit or the value overflows. For such
/// input it is exactly [`parse_scaled`] of the whole string (a feed's scanner uses it to read a
/// number in the same pass that finds its end).
#[inline(always)]
pub fn scaled_from_parts(int: u64, frac: u64) -> Option<i64> {
    if !all_digits(frac) {
        return None;
    }
    (int as i64).checked_mul(SCALE)?.checked_add(eight_digits(frac) as i64)
}

/// Every byte of `w` is an ASCII digit.
#[inline(always)]
fn all_digits(w: u64) -> bool {
    const HIGH: u64 = 0xF0F0_F0F0_F0F0_F0F0;
    const ZEROS: u64 = 0x3030_3030_3030_3030;
    // '0'..='9' are 0x30..=0x39: the high nibble is 3, and adding 6 must not carry into it.
    (w & HIGH) == ZEROS && (w.wrapping_add(0x0606_0606_0606_0606) & HIGH) == ZEROS
}

/// The value of eight ASCII digits, the first (lowest address) the most significant.
#[inline(always)]
fn eight_digits(w: u64) -> u64 {
    let v = w - 0x3030_3030_3030_3030;
    let v = (v * 10 + (v >> 8)) & 0x00FF_00FF_00FF_00FF; // pairs: 0..=99 per 16-bit lane
    let v = (v * 100 + (v >> 16)) & 0x0000_FFFF_0000_FFFF; // quads: 0..=9999 per 32-bit lane
    (v * 10_000 + (v >> 32)) & 0xFFFF_FFFF
}

/// The general parser: any plain decimal, digit by digit (the reference for the fast path).
#[inline(never)]
fn parse_general(s: &[u8]) -> Result<i64, FixedError> {
    let (neg, digits) = match s.first() {
        None => return Err(FixedError::Empty),
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        Some(_) => (false, s),
    };
    if digits.is_empty() {
        return Err(FixedError::Empty);
    }
    let mut int: i64 = 0;
    let mut frac: i64 = 0;
    let mut frac_digits = 0u32;
    let mut seen_dot = false;
    let mut seen_digit = false;
    for &c in digits {
        match c {
            b'0'..=b'9' => {
                seen_digit = true;
                let d = (c - b'0') as i64;
                if seen_dot {
                    if frac_digits == DECIMALS {
                        // Trailing zeros beyond the scale are exact; anything else is not.
                        if d != 0 {
                            return Err(FixedError::TooPrecise);
                        }
                        continue;
                    }
                    frac = frac * 10 + d;
                    frac_digits += 1;
                } else {
                    int = int.checked_mul(10).and_then(|v| v.checked_add(d)).ok_or(FixedError::Overflow)?;
                }
            }
            b'.' if !seen_dot => seen_dot = true,
            _ => return Err(FixedError::InvalidChar),
        }
    }
    if !seen_digit {
        return Err(FixedError::Empty);
    }
    let frac = frac * 10i64.pow(DECIMALS - frac_digits);
    let v = int.checked_mul(SCALE).and_then(|v| v.checked_add(frac)).ok_or(FixedError::Overflow)?;
    Ok(if neg { -v } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn eight_digits_of_known_words() {
        let w = |s: &[u8]| u64::from_le_bytes(s.try_into().unwrap());
        assert_eq!(eight_digits(w(b"63000000")), 63_000_000);
        assert_eq!(eight_digits(w(b"00000001")), 1);
        assert_eq!(eight_digits(w(b"99999999")), 99_999_999);
        assert_eq!(eight_digits(w(b"12345678")), 12_345_678);
        assert!(all_digits(w(b"01234567")) && all_digits(w(b"89898989")));
        for bad in [b"0123456/", b"0123456:", b"a1234567", b"1234 567", b"\x00\x00\x00\x00\x00\x00\x00\x00"] {
            assert!(!all_digits(w(bad)), "{bad:?}");
        }
    }

    #[test]
    fn fast_path_takes_the_binance_shape_only() {
        assert_eq!(eight_decimals(b"61837.63000000"), Some(6_183_763_000_000));
        assert_eq!(eight_decimals(b"0.00000001"), Some(1));
        assert_eq!(eight_decimals(b"92233720368.54775807"), Some(i64::MAX));
        assert_eq!(eight_decimals(b"92233720368.54775808"), None, "overflow goes to the general parser");
        assert_eq!(eight_decimals(b"-1.00000000"), None);
        assert_eq!(eight_decimals(b"1.0000000"), None);
        assert_eq!(eight_decimals(b".00000000"), None);
        assert_eq!(parse_scaled(b"92233720368.54775808"), Err(FixedError::Overflow));
        assert_eq!(parse_scaled(b"1.2345678x"), Err(FixedError::InvalidChar));
    }

    /// Strings near the fast path's shape: digits with a dot somewhere, signs, stray bytes.
    fn decimalish() -> impl Strategy<Value = Vec<u8>> {
        let byte = prop_oneof![
            8 => b'0'..=b'9',
            1 => Just(b'.'),
            1 => prop::sample::select(vec![b'-', b'+', b'/', b':', b' ', b'e', 0x80, 0xff, 0x00]),
        ];
        prop::collection::vec(byte, 0..24)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]
        #[test]
        fn fast_and_general_agree_on_any_input(s in decimalish()) {
            prop_assert_eq!(parse_scaled(&s), parse_general(&s), "{:?}", String::from_utf8_lossy(&s));
        }

        #[test]
        fn fast_and_general_agree_on_the_binance_shape(int in 0u64..=99_999_999_999, frac in 0u64..100_000_000) {
            let s = format!("{int}.{frac:08}");
            prop_assert_eq!(parse_scaled(s.as_bytes()), parse_general(s.as_bytes()), "{}", s);
            prop_assert!(eight_decimals(s.as_bytes()).is_some() || int > 92_233_720_368 || parse_general(s.as_bytes()).is_err());
        }

        /// `scaled_from_parts` is `parse_scaled` of the string it was split from, or `None` where
        /// that is an error (a non-digit after the dot, an overflow).
        #[test]
        fn parts_read_as_the_whole_string(int in 0u64..=99_999_999_999, frac in any::<[u8; 8]>(), digits in any::<bool>()) {
            let frac = if digits { frac.map(|b| b'0' + b % 10) } else { frac };
            let mut s = format!("{int}.").into_bytes();
            s.extend_from_slice(&frac);
            let want = parse_scaled(&s).ok();
            prop_assert_eq!(scaled_from_parts(int, u64::from_le_bytes(frac)), want, "{:?}", String::from_utf8_lossy(&s));
        }
    }
}
