//! Daily price series from the kaggle (`date,open,high,low,close,volume,Name`) and stocknet
//! (`Date,Open,High,Low,Close,Adj Close,Volume`) CSV files. Both are split-adjusted up to their
//! last date (not dividend-adjusted): [`PriceSeries::adjusted_through`].

use crate::{Date, LoadError, Refusal};
use std::path::Path;

/// One ticker's closes, by strictly increasing date.
#[derive(Clone, Debug, Default)]
pub struct PriceSeries {
    pub dates: Vec<Date>,
    pub open: Vec<f64>,
    pub close: Vec<f64>,
    /// The file it came from (refusals name lines inside it).
    pub source: std::path::PathBuf,
    pub refused: Vec<Refusal>,
}

impl PriceSeries {
    /// Loads a kaggle or stocknet CSV (chosen by the header).
    pub fn load(path: &Path) -> Result<PriceSeries, LoadError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| LoadError::Io { file: path.to_path_buf(), source })?;
        Self::parse(path, &text)
    }

    /// Parses CSV text; `path` names errors. Rows with a bad date or price are skipped and kept in
    /// `refused`; dates out of order are an error.
    pub fn parse(path: &Path, text: &str) -> Result<PriceSeries, LoadError> {
        let mut lines = text.lines();
        let header: Vec<String> =
            lines.next().unwrap_or("").split(',').map(|h| h.trim().to_ascii_lowercase()).collect();
        let col = |name: &str| {
            header
                .iter()
                .position(|h| h == name)
                .ok_or_else(|| LoadError::field(path, name, "column missing from the header"))
        };
        let (di, oi, ci) = (col("date")?, col("open")?, col("close")?);
        let mut out = PriceSeries { source: path.to_path_buf(), ..PriceSeries::default() };
        for (n, line) in lines.enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let f: Vec<&str> = line.split(',').collect();
            let row = n + 2;
            let px = |i: usize| {
                f.get(i).and_then(|s| s.trim().parse::<f64>().ok()).filter(|v| v.is_finite() && *v > 0.0)
            };
            let Some(d) = f.get(di).and_then(|s| Date::parse_iso(s.trim())) else {
                out.refused.push(Refusal {
                    field: format!("line {row}: date"),
                    why: "not a YYYY-MM-DD date".into(),
                });
                continue;
            };
            let (Some(o), Some(c)) = (px(oi), px(ci)) else {
                out.refused.push(Refusal {
                    field: format!("line {row}: open/close"),
                    why: "not a positive number".into(),
                });
                continue;
            };
            if out.dates.last().is_some_and(|&last| last >= d) {
                return Err(LoadError::field(
                    path,
                    format!("line {row}: date"),
                    format!("{d} is not after the previous row"),
                ));
            }
            out.dates.push(d);
            out.open.push(o);
            out.close.push(c);
        }
        if out.dates.is_empty() {
            return Err(LoadError::format(path, "no price rows"));
        }
        Ok(out)
    }

    /// The last close on or before `d`, with its date.
    pub fn close_at(&self, d: Date) -> Option<(Date, f64)> {
        let i = self.dates.partition_point(|&x| x <= d).checked_sub(1)?;
        Some((self.dates[i], self.close[i]))
    }

    /// The first trading day strictly after `d` within the series.
    pub fn next_trading_day(&self, d: Date) -> Option<Date> {
        self.dates.get(self.dates.partition_point(|&x| x <= d)).copied()
    }

    /// The last date: splits up to it are applied to the whole series.
    pub fn adjusted_through(&self) -> Date {
        self.dates.last().copied().unwrap_or(Date(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_headers_and_refuses_bad_rows() {
        let p = Path::new("x.csv");
        let k = "date,open,high,low,close,volume,Name\n2013-02-08,1,2,0.5,1.5,10,AAPL\n2013-02-3x,1,1,1,1,1,AAPL\n2013-02-11,2,2,2,-2,1,AAPL\n2013-02-12,2,3,1,2.5,9,AAPL\n";
        let s = PriceSeries::parse(p, k).expect("parses");
        assert_eq!(s.close, vec![1.5, 2.5]);
        assert_eq!(s.refused.len(), 2);
        let d = |x| Date::parse_iso(x).expect("date");
        assert_eq!(s.close_at(d("2013-02-10")), Some((d("2013-02-08"), 1.5)));
        assert_eq!(s.close_at(d("2013-02-07")), None);
        assert_eq!(s.next_trading_day(d("2013-02-08")), Some(d("2013-02-12")));
        let st = "Date,Open,High,Low,Close,Adj Close,Volume\n2012-09-04,95.1,96.4,94.9,96.42,87.1,91973000\n";
        assert_eq!(PriceSeries::parse(p, st).expect("parses").close, vec![96.42]);
        let unordered = "Date,Open,Close\n2012-09-05,1,1\n2012-09-04,1,1\n";
        assert!(PriceSeries::parse(p, unordered).is_err());
        let e = PriceSeries::parse(p, "Day,Open,Close\n").expect_err("no date column");
        assert!(e.to_string().contains("x.csv") && e.to_string().contains("date"), "{e}");
    }
}
