//! [`Date`]: a civil date (proleptic Gregorian) held as days since 1970-01-01, parsed from the
//! SEC's `YYYY-MM-DD` and the 13D/13G XML's `MM/DD/YYYY`.

use std::fmt;

/// A calendar date; ordering is chronological. `Date(0)` is 1970-01-01.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub i32);

impl Date {
    /// The date `y-m-d`, or `None` if it does not exist (month 13, 30 February, …).
    pub fn from_ymd(y: i32, m: u32, d: u32) -> Option<Date> {
        if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
            return None;
        }
        // Howard Hinnant's days_from_civil.
        let y = if m <= 2 { y - 1 } else { y };
        let era = if y >= 0 { y } else { y - 399 } / 400;
        let yoe = y - era * 400;
        let mp = (m as i32 + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d as i32 - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        Some(Date(era * 146_097 + doe - 719_468))
    }

    /// `(year, month, day)`.
    pub fn ymd(self) -> (i32, u32, u32) {
        let z = self.0 + 719_468;
        let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let y = yoe + era * 400 + i32::from(m <= 2);
        (y, m, d)
    }

    /// Parses `YYYY-MM-DD` exactly (ten characters); `None` otherwise.
    pub fn parse_iso(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        Date::from_ymd(num(&s[0..4])? as i32, num(&s[5..7])?, num(&s[8..10])?)
    }

    /// Parses `MM/DD/YYYY` (the EDGAR XML forms); `None` otherwise.
    pub fn parse_us(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 10 || b[2] != b'/' || b[5] != b'/' {
            return None;
        }
        Date::from_ymd(num(&s[6..10])? as i32, num(&s[0..2])?, num(&s[3..5])?)
    }

    /// Day of the week, 0 = Monday … 6 = Sunday.
    pub fn weekday(self) -> u32 {
        // 1970-01-01 was a Thursday (3).
        (self.0 + 3).rem_euclid(7) as u32
    }

    /// The date `n` days later (earlier if negative).
    pub fn add_days(self, n: i32) -> Date {
        Date(self.0 + n)
    }

    /// Days from `self` to `later` (negative if `later` is earlier).
    pub fn days_until(self, later: Date) -> i32 {
        later.0 - self.0
    }

    /// Seconds since the Unix epoch at 00:00 UTC of this date.
    pub fn unix_seconds(self) -> i64 {
        i64::from(self.0) * 86_400
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

fn num(s: &str) -> Option<u32> {
    if s.bytes().all(|c| c.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects() {
        let d = Date::parse_iso("2014-06-09").expect("valid");
        assert_eq!(d.to_string(), "2014-06-09");
        assert_eq!(d.weekday(), 0, "2014-06-09 was a Monday");
        assert_eq!(Date::parse_iso("1970-01-01"), Some(Date(0)));
        assert_eq!(Date::parse_us("12/31/2024"), Date::parse_iso("2024-12-31"));
        assert_eq!(
            Date::parse_iso("2024-02-29").map(|d| d.add_days(1).to_string()),
            Some("2024-03-01".into())
        );
        for bad in ["2023-02-29", "2023-13-01", "2023-1-01", "20230101", "2023-01-0x", ""] {
            assert_eq!(Date::parse_iso(bad), None, "{bad}");
        }
        for n in -800_000..800_000 {
            if n % 997 == 0 {
                let (y, m, dd) = Date(n).ymd();
                assert_eq!(Date::from_ymd(y, m, dd), Some(Date(n)));
            }
        }
    }
}
