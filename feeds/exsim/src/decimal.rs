//! Exact decimals for book keys and bar sums: Binance's price/quantity strings parsed into
//! integers scaled by 10^18 (never `f64`), and formatted back with a chosen number of places.

/// Fixed scale of [`parse`]: 18 decimal places.
pub const SCALE: u32 = 18;
const ONE: u128 = 1_000_000_000_000_000_000;

/// Parse a plain decimal string (`"61837.63000000"`) into an integer scaled by 10^18.
/// `None` for anything else (sign, exponent, more than 18 places, overflow).
pub fn parse(s: &str) -> Option<u128> {
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, f),
        None => (s, ""),
    };
    if int.is_empty() || frac.len() > SCALE as usize {
        return None;
    }
    let mut v: u128 = 0;
    for c in int.bytes() {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u128::from(c - b'0'))?;
    }
    let mut f: u128 = 0;
    for c in frac.bytes() {
        if !c.is_ascii_digit() {
            return None;
        }
        f = f * 10 + u128::from(c - b'0');
    }
    f *= 10u128.pow(SCALE - frac.len() as u32);
    v.checked_mul(ONE)?.checked_add(f)
}

/// Number of digits after the point in `s` (`"0.010"` → 3).
pub fn places(s: &str) -> u32 {
    s.split_once('.').map_or(0, |(_, f)| f.len() as u32)
}

/// Format a 10^18-scaled value with `places` decimals (truncating further digits).
pub fn format(v: u128, places: u32) -> String {
    let int = v / ONE;
    let frac = v % ONE;
    if places == 0 {
        return int.to_string();
    }
    let p = places.min(SCALE);
    let frac = frac / 10u128.pow(SCALE - p);
    format!("{int}.{frac:0width$}", width = p as usize)
}

/// `a * b` for two 10^18-scaled values, result scaled by 10^18 (truncated).
pub fn mul(a: u128, b: u128) -> u128 {
    // Split to avoid overflow: a = ai*ONE + af.
    let (ai, af) = (a / ONE, a % ONE);
    ai * b + (af * (b / ONE)) + (af * (b % ONE)) / ONE
}

/// The finest step a value uses: `"61837.63000000"` → 0.01 (scaled); 0 for zero.
pub fn finest_step(v: u128) -> u128 {
    if v == 0 {
        return 0;
    }
    let mut step = 1u128;
    while v.is_multiple_of(step * 10) {
        step *= 10;
    }
    step
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_format_round_trip() {
        let v = parse("61837.63000000").expect("decimal");
        assert_eq!(format(v, 8), "61837.63000000");
        assert_eq!(format(v, 2), "61837.63");
        assert_eq!(parse("0.000"), Some(0));
        assert!(parse("-1").is_none() && parse("1e5").is_none() && parse("").is_none());
        assert!(parse("1.0000000000000000001").is_none());
        assert!(parse("61837.63").expect("d") < parse("61837.64").expect("d"));
    }

    #[test]
    fn mul_and_step() {
        let p = parse("61837.63").expect("d");
        let q = parse("0.02").expect("d");
        assert_eq!(format(mul(p, q), 8), "1236.75260000");
        assert_eq!(finest_step(p), parse("0.01").expect("d"));
        assert_eq!(finest_step(parse("0.00100000").expect("d")), parse("0.001").expect("d"));
    }
}
