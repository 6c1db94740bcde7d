//! The filing history of a company (`submissions` API): `filings.recent` holds parallel arrays,
//! one entry per filing; 8-K item codes are a comma-separated string in `items`.
//!
//! `acceptanceDateTime` is kept as text only: for some filers it is New York time with a `Z`
//! appended, so events are dated by `filingDate` (and act from the next trading day).

use crate::{Date, LoadError, Refusal};
use serde_json::Value;
use std::path::Path;

/// One filing.
#[derive(Clone, Debug, PartialEq)]
pub struct Filing {
    pub accession: String,
    pub filing_date: Date,
    pub report_date: Option<Date>,
    pub acceptance: String,
    /// `8-K`, `10-K`, `SC 13G/A`, `SCHEDULE 13G/A`, `425`, …
    pub form: String,
    /// 8-K item codes (`["2.02", "9.01"]`); empty for other forms.
    pub items: Vec<String>,
}

/// A company's filings, newest first as the file lists them.
#[derive(Clone, Debug, Default)]
pub struct Submissions {
    pub cik: Option<u64>,
    pub name: String,
    pub tickers: Vec<String>,
    pub filings: Vec<Filing>,
    /// The file it came from (refusals name fields inside it).
    pub source: std::path::PathBuf,
    pub refused: Vec<Refusal>,
}

impl Submissions {
    /// Loads a submissions file (JSON or cassette YAML).
    pub fn load(path: &Path) -> Result<Submissions, LoadError> {
        Self::from_value(path, &super::read_json(path)?)
    }

    /// Builds from a parsed document; `path` names errors.
    pub fn from_value(path: &Path, doc: &Value) -> Result<Submissions, LoadError> {
        let recent = doc
            .get("filings")
            .and_then(|f| f.get("recent"))
            .and_then(Value::as_object)
            .ok_or_else(|| LoadError::field(path, "filings.recent", "missing or not an object"))?;
        let column = |k: &str| -> Result<&Vec<Value>, LoadError> {
            recent.get(k).and_then(Value::as_array).ok_or_else(|| {
                LoadError::field(path, format!("filings.recent.{k}"), "missing or not an array")
            })
        };
        let acc = column("accessionNumber")?;
        let n = acc.len();
        let cols = ["filingDate", "reportDate", "acceptanceDateTime", "form", "items"].map(column);
        let mut c = Vec::with_capacity(cols.len());
        for (col, name) in
            cols.into_iter().zip(["filingDate", "reportDate", "acceptanceDateTime", "form", "items"])
        {
            let col = col?;
            if col.len() != n {
                let what = format!("has {} entries, accessionNumber has {n}", col.len());
                return Err(LoadError::field(path, format!("filings.recent.{name}"), what));
            }
            c.push(col);
        }
        let mut out = Submissions {
            source: path.to_path_buf(),
            cik: doc.get("cik").and_then(|c| c.as_u64().or_else(|| c.as_str()?.parse().ok())),
            name: doc.get("name").and_then(Value::as_str).unwrap_or("").to_string(),
            tickers: doc
                .get("tickers")
                .and_then(Value::as_array)
                .map(|t| t.iter().filter_map(Value::as_str).map(str::to_string).collect())
                .unwrap_or_default(),
            ..Submissions::default()
        };
        for i in 0..n {
            let s = |col: &Vec<Value>| col[i].as_str().map(str::to_string);
            let refuse = |out: &mut Submissions, k: &str, why: &str| {
                out.refused.push(Refusal { field: format!("filings.recent.{k}[{i}]"), why: why.into() })
            };
            let Some(accession) = acc[i].as_str().map(str::to_string) else {
                refuse(&mut out, "accessionNumber", "not a string");
                continue;
            };
            let Some(filing_date) = s(c[0]).as_deref().and_then(Date::parse_iso) else {
                refuse(&mut out, "filingDate", "not a YYYY-MM-DD date");
                continue;
            };
            let report_date = match s(c[1]).as_deref() {
                None | Some("") => None,
                Some(r) => match Date::parse_iso(r) {
                    Some(d) => Some(d),
                    None => {
                        refuse(&mut out, "reportDate", "not a YYYY-MM-DD date");
                        continue;
                    }
                },
            };
            let Some(form) = s(c[3]).filter(|f| !f.is_empty()) else {
                refuse(&mut out, "form", "missing or not a string");
                continue;
            };
            let Some(items) = s(c[4]) else {
                refuse(&mut out, "items", "not a string");
                continue;
            };
            let items =
                items.split(',').map(str::trim).filter(|x| !x.is_empty()).map(str::to_string).collect();
            let acceptance = s(c[2]).unwrap_or_default();
            out.filings.push(Filing { accession, filing_date, report_date, acceptance, form, items });
        }
        Ok(out)
    }
}
