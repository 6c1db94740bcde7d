//! Text timestamps → Unix nanoseconds: Twitter's `created_at` (`Fri Jan 02 22:17:52 +0000 2015`,
//! stocknet's) and RFC 3339 (`2015-01-02T22:17:52Z`, `…T17:17:52.5-05:00`, the JSONL source's).

use crate::Date;

const NS: i64 = 1_000_000_000;

fn num(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Seconds east of UTC from `+HHMM`, `-HHMM`, `+HH:MM` or `Z`.
fn offset_seconds(s: &str) -> Option<i64> {
    if s == "Z" || s == "z" {
        return Some(0);
    }
    let sign = match s.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits: String = s[1..].chars().filter(|&c| c != ':').collect();
    if digits.len() != 4 || (s.len() != 5 && !(s.len() == 6 && s.as_bytes()[3] == b':')) {
        return None;
    }
    let (h, m) = (num(&digits[..2])?, num(&digits[2..])?);
    if h > 23 || m > 59 {
        return None;
    }
    Some(sign * i64::from(h * 3600 + m * 60))
}

/// `HH:MM:SS` → seconds into the day.
fn clock(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let (h, m, sec) = (num(&s[0..2])?, num(&s[3..5])?, num(&s[6..8])?);
    if h > 23 || m > 59 || sec > 60 {
        return None;
    }
    Some(i64::from(h * 3600 + m * 60 + sec))
}

fn to_ns(date: Date, secs: i64, frac_ns: i64, offset: i64) -> Option<i64> {
    (date.unix_seconds() + secs - offset).checked_mul(NS)?.checked_add(frac_ns)
}

/// Twitter's `created_at`: `Www Mmm DD HH:MM:SS ±HHMM YYYY` → Unix ns.
pub fn parse_twitter(s: &str) -> Option<i64> {
    const MONTHS: [&str; 12] =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let f: Vec<&str> = s.split_whitespace().collect();
    let [_weekday, mon, day, hms, off, year] = f.as_slice() else { return None };
    let m = MONTHS.iter().position(|x| x == mon)? as u32 + 1;
    let date = Date::from_ymd(num(year)? as i32, m, num(day)?)?;
    to_ns(date, clock(hms)?, 0, offset_seconds(off)?)
}

/// RFC 3339 `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` → Unix ns (`T` or a space between date and
/// time; at most 9 fraction digits).
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.len() < 20 || !s.is_char_boundary(10) || !s.is_char_boundary(19) {
        return None;
    }
    let date = Date::parse_iso(&s[..10])?;
    if !matches!(s.as_bytes()[10], b'T' | b't' | b' ') {
        return None;
    }
    let secs = clock(&s[11..19])?;
    let mut rest = &s[19..];
    let mut frac_ns = 0;
    if let Some(r) = rest.strip_prefix('.') {
        let digits = r.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > 9 {
            return None;
        }
        frac_ns = i64::from(num(&r[..digits])?) * 10i64.pow(9 - digits as u32);
        rest = &r[digits..];
    }
    to_ns(date, secs, frac_ns, offset_seconds(rest)?)
}

/// The UTC date of a Unix-ns time.
pub fn date_of(ns: i64) -> Date {
    Date(ns.div_euclid(NS * 86_400) as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_formats() {
        // 2015-01-02 22:17:52 UTC = 1420237072 s (16437 days × 86400 + 80272 s).
        let want = 1_420_237_072 * NS;
        assert_eq!(parse_twitter("Fri Jan 02 22:17:52 +0000 2015"), Some(want));
        assert_eq!(parse_twitter("Fri Jan 02 17:17:52 -0500 2015"), Some(want));
        assert_eq!(parse_rfc3339("2015-01-02T22:17:52Z"), Some(want));
        assert_eq!(parse_rfc3339("2015-01-02T17:17:52-05:00"), Some(want));
        assert_eq!(parse_rfc3339("2015-01-02 23:17:52.25+01:00"), Some(want + 250_000_000));
        assert_eq!(parse_rfc3339("2015-01-02T22:17:52.000000001Z"), Some(want + 1));
        assert_eq!(date_of(want), Date::from_ymd(2015, 1, 2).unwrap());
        for bad in
            ["2015-01-02", "2015-01-02T22:17:52", "2015-13-02T22:17:52Z", "2015-01-02T22:17:52+0500x", "x"]
        {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
        for bad in
            ["Fri Jan 02 22:17:52 2015", "Fri Foo 02 22:17:52 +0000 2015", "Fri Jan 32 22:17:52 +0000 2015"]
        {
            assert_eq!(parse_twitter(bad), None, "{bad}");
        }
    }
}
