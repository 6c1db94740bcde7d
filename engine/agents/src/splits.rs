//! Stock splits: share counts in company facts are as reported when filed, while the price series
//! are split-adjusted up to their last date. [`share_factor`] turns a count filed on one date into
//! the units of a series adjusted through another.

use crate::Date;

/// `(ticker, effective date, new shares per old share)`.
pub const SPLITS: &[(&str, (i32, u32, u32), f64)] = &[
    ("AAPL", (2014, 6, 9), 7.0),
    ("AAPL", (2020, 8, 31), 4.0),
    ("TSLA", (2020, 8, 31), 5.0),
    ("TSLA", (2022, 8, 25), 3.0),
];

/// The factor to multiply a share count (or divide a per-share figure) filed on `filed` by, to
/// express it in units adjusted for every split up to `adjusted_through`: the product of the
/// ratios of splits with `filed < date ≤ adjusted_through`.
pub fn share_factor(ticker: &str, filed: Date, adjusted_through: Date) -> f64 {
    SPLITS
        .iter()
        .filter(|(t, _, _)| t.eq_ignore_ascii_case(ticker))
        .filter_map(|&(_, (y, m, d), r)| Some((Date::from_ymd(y, m, d)?, r)))
        .filter(|&(date, _)| filed < date && date <= adjusted_through)
        .map(|(_, r)| r)
        .product()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factors() {
        let d = |s| Date::parse_iso(s).expect("date");
        assert_eq!(share_factor("AAPL", d("2013-10-30"), d("2018-02-07")), 7.0);
        assert_eq!(share_factor("AAPL", d("2014-10-27"), d("2018-02-07")), 1.0);
        assert_eq!(share_factor("aapl", d("2013-10-30"), d("2021-01-04")), 28.0);
        assert_eq!(share_factor("TSLA", d("2019-02-19"), d("2022-08-25")), 15.0);
        assert_eq!(share_factor("TSLA", d("2022-08-25"), d("2023-01-01")), 1.0);
        assert_eq!(share_factor("SNOW", d("2021-01-01"), d("2025-01-01")), 1.0);
    }
}
