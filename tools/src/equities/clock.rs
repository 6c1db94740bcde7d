//! New York exchange time for daily bars: the open (09:30) and close (16:00) of a trading day as
//! Unix ns, with US daylight saving time (2007 rules: second Sunday of March to first Sunday of
//! November; before 2007: first Sunday of April to last Sunday of October), and the inverse an
//! agent needs: the last date whose close is at or before a given time.

use alphapulse_agents::Date;

const NS: u64 = 1_000_000_000;

/// The `n`-th (1-based) Sunday of `month` in `year`.
fn nth_sunday(year: i32, month: u32, n: i32) -> Option<Date> {
    let first = Date::from_ymd(year, month, 1)?;
    // weekday(): 0 = Monday … 6 = Sunday.
    let to_sunday = (6 - first.weekday() as i32).rem_euclid(7);
    Some(first.add_days(to_sunday + 7 * (n - 1)))
}

/// The last Sunday of `month` in `year`.
fn last_sunday(year: i32, month: u32) -> Option<Date> {
    let next =
        if month == 12 { Date::from_ymd(year + 1, 1, 1)? } else { Date::from_ymd(year, month + 1, 1)? };
    let last = next.add_days(-1);
    Some(last.add_days(-((last.weekday() as i32 + 1) % 7)))
}

/// True when New York keeps daylight saving time during the trading hours of `d`.
pub fn is_dst(d: Date) -> bool {
    let (y, _, _) = d.ymd();
    let (start, end) = if y >= 2007 {
        (nth_sunday(y, 3, 2), nth_sunday(y, 11, 1))
    } else {
        (nth_sunday(y, 4, 1), last_sunday(y, 10))
    };
    match (start, end) {
        (Some(s), Some(e)) => d >= s && d < e,
        _ => false,
    }
}

/// Unix ns of `hh:mm` New York time on `d` (`None` before 1970).
pub fn ny_ns(d: Date, hh: u64, mm: u64) -> Option<u64> {
    let offset_h: u64 = if is_dst(d) { 4 } else { 5 };
    let midnight = u64::try_from(d.unix_seconds()).ok()?;
    Some((midnight + (hh + offset_h) * 3_600 + mm * 60) * NS)
}

/// The open of `d` (09:30 New York) as Unix ns.
pub fn open_ns(d: Date) -> Option<u64> {
    ny_ns(d, 9, 30)
}

/// The close of `d` (16:00 New York) as Unix ns.
pub fn close_ns(d: Date) -> Option<u64> {
    ny_ns(d, 16, 0)
}

/// The last calendar date whose 16:00 New York close is at or before `now_ns`: what an agent
/// asked "as of `now_ns`" may know (closes of that date and before; on a weekend, Friday's).
pub fn known_date(now_ns: u64) -> Date {
    let day = Date((now_ns / NS / 86_400) as i32);
    // A close (20:00 or 21:00 UTC) falls on the same UTC date.
    match close_ns(day) {
        Some(c) if c <= now_ns => day,
        _ => day.add_days(-1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse_iso(s).expect("date")
    }

    #[test]
    fn dst_edges() {
        // 2014: DST from Sunday 9 March to Sunday 2 November.
        assert!(!is_dst(d("2014-03-07")));
        assert!(is_dst(d("2014-03-10")));
        assert!(is_dst(d("2014-10-31")));
        assert!(!is_dst(d("2014-11-03")));
        // 2006 rules: first Sunday of April (2 April) to last Sunday of October (29 October).
        assert!(!is_dst(d("2006-03-31")));
        assert!(is_dst(d("2006-04-03")));
        assert!(is_dst(d("2006-10-27")));
        assert!(!is_dst(d("2006-10-30")));
        assert_eq!(last_sunday(2006, 10), Some(d("2006-10-29")));
        assert_eq!(nth_sunday(2014, 3, 2), Some(d("2014-03-09")));
    }

    #[test]
    fn open_close_and_known_date() {
        // 2014-01-02 (EST): 09:30 = 14:30 UTC; 2014-07-01 (EDT): 16:00 = 20:00 UTC.
        let jan = d("2014-01-02");
        assert_eq!(open_ns(jan), Some((jan.unix_seconds() as u64 + 14 * 3600 + 1800) * NS));
        let jul = d("2014-07-01");
        let close = close_ns(jul).expect("close");
        assert_eq!(close, (jul.unix_seconds() as u64 + 20 * 3600) * NS);
        assert_eq!(known_date(close), jul, "at the close, the close is known");
        assert_eq!(known_date(close - 1), d("2014-06-30"), "a nanosecond before, it is not");
        assert_eq!(known_date(open_ns(d("2014-07-02")).expect("open")), jul);
        // Monday's open knows Friday's close (and the weekend's dates, which have none).
        assert_eq!(known_date(open_ns(d("2014-07-07")).expect("open")), d("2014-07-06"));
    }
}
