//! Schedule 13D and 13G primary documents (EDGAR XML) → who holds what share of the class.
//!
//! Two schemas: 13D (`dateOfEvent`, `issuerCIK`, `reportingPersonInfo` with
//! `aggregateAmountOwned` / `percentOfClass`) and 13G (`eventDateRequiresFilingThisStatement`,
//! `issuerCik`, `coverPageHeaderReportingPersonDetails` with
//! `reportingPersonBeneficiallyOwnedAggregateNumberOfShares` / `classPercent`). Leading blank lines
//! before `<?xml` (seen in a real 13G) are accepted. A tag scanner, not a full XML parser: the
//! fields read are plain text elements; entities `&amp; &lt; &gt; &quot; &apos;` are decoded.

use crate::{Date, LoadError};
use std::path::Path;

/// One reporting person's position.
#[derive(Clone, Debug, PartialEq)]
pub struct Holder {
    pub name: String,
    pub shares: f64,
    /// Percent of the class (8.5 means 8.5 %).
    pub percent: f64,
}

/// A parsed Schedule 13D/13G.
#[derive(Clone, Debug, PartialEq)]
pub struct Stake {
    /// `SCHEDULE 13D`, `SCHEDULE 13G`, `SCHEDULE 13D/A`, …
    pub form: String,
    /// Whether this is the activist schedule (13D) rather than the passive one (13G).
    pub activist: bool,
    pub event_date: Date,
    pub issuer_cik: String,
    pub issuer_name: String,
    pub holders: Vec<Holder>,
}

impl Stake {
    /// The largest percentage any one reporting person declares.
    pub fn max_percent(&self) -> f64 {
        self.holders.iter().map(|h| h.percent).fold(0.0, f64::max)
    }

    /// Loads and parses a file.
    pub fn load(path: &Path) -> Result<Stake, LoadError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| LoadError::Io { file: path.to_path_buf(), source })?;
        Self::parse(path, &text)
    }

    /// Parses XML text; `path` names errors.
    pub fn parse(path: &Path, text: &str) -> Result<Stake, LoadError> {
        let body = text.trim_start();
        if !(body.starts_with("<?xml") || body.starts_with("<edgarSubmission")) {
            return Err(LoadError::format(
                path,
                "does not start with an XML declaration or <edgarSubmission>",
            ));
        }
        let activist = if body.contains("edgar/schedule13D\"") {
            true
        } else if body.contains("edgar/schedule13g\"") || body.contains("edgar/schedule13G\"") {
            false
        } else {
            return Err(LoadError::format(path, "neither the schedule13D nor the schedule13g namespace"));
        };
        let need = |tag: &str| -> Result<String, LoadError> {
            element(body, tag).ok_or_else(|| LoadError::field(path, tag, "missing"))
        };
        let form = need("submissionType")?;
        let (date_tag, cik_tag, person_tag, shares_tag, pct_tag) = if activist {
            ("dateOfEvent", "issuerCIK", "reportingPersonInfo", "aggregateAmountOwned", "percentOfClass")
        } else {
            (
                "eventDateRequiresFilingThisStatement",
                "issuerCik",
                "coverPageHeaderReportingPersonDetails",
                "reportingPersonBeneficiallyOwnedAggregateNumberOfShares",
                "classPercent",
            )
        };
        let date_text = need(date_tag)?;
        let event_date = Date::parse_us(&date_text)
            .ok_or_else(|| LoadError::field(path, date_tag, format!("{date_text:?} is not MM/DD/YYYY")))?;
        let mut holders = Vec::new();
        for (i, block) in blocks(body, person_tag).enumerate() {
            let at = |t: &str| format!("{person_tag}[{i}].{t}");
            let num = |t: &str| -> Result<f64, LoadError> {
                let s = element(block, t).ok_or_else(|| LoadError::field(path, at(t), "missing"))?;
                s.replace(',', "").parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0).ok_or_else(
                    || LoadError::field(path, at(t), format!("{s:?} is not a non-negative number")),
                )
            };
            let name = element(block, "reportingPersonName")
                .ok_or_else(|| LoadError::field(path, at("reportingPersonName"), "missing"))?;
            let percent = num(pct_tag)?;
            if percent > 100.0 {
                return Err(LoadError::field(path, at(pct_tag), format!("{percent} is above 100")));
            }
            holders.push(Holder { name, shares: num(shares_tag)?, percent });
        }
        if holders.is_empty() {
            return Err(LoadError::field(path, person_tag, "no reporting person"));
        }
        Ok(Stake {
            form,
            activist,
            event_date,
            issuer_cik: need(cik_tag)?,
            issuer_name: need("issuerName")?,
            holders,
        })
    }
}

/// Text of the first `<tag>…</tag>` in `s` (exact name, no prefix), trimmed and unescaped.
fn element(s: &str, tag: &str) -> Option<String> {
    let inner = blocks(s, tag).next()?;
    if inner.contains('<') {
        return None;
    }
    Some(unescape(inner.trim()))
}

/// The inner text of each `<tag>…</tag>` (attributes allowed on the opening tag).
fn blocks<'a>(s: &'a str, tag: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    let open = format!("<{tag}");
    let close = format!("</{tag}>");
    let mut rest = s;
    std::iter::from_fn(move || loop {
        let at = rest.find(&open)?;
        let after = &rest[at + open.len()..];
        // `<tag>` or `<tag attr…>`, not `<tagLonger>`.
        if !after.starts_with(['>', ' ', '\t', '\n', '\r']) {
            rest = after;
            continue;
        }
        let gt = after.find('>')?;
        let inner_start = &after[gt + 1..];
        let end = inner_start.find(&close)?;
        rest = &inner_start[end + close.len()..];
        return Some(&inner_start[..end]);
    })
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}
