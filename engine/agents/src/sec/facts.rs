//! XBRL company facts: `facts.<taxonomy>.<Concept>.units.<unit>[]`, each entry
//! `{start?, end, val, accn, fy, fp, form, filed, frame?}`. Flow items (income, cash flow) have a
//! `start`; balance-sheet items only an `end`. Values are raw units (USD, not thousands).

use crate::{Date, LoadError, Refusal};
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;

/// One reported value. `fy`/`fp` are the fiscal year/period *of the filing*, not of the fact's
/// period: select periods by `start`/`end` and availability by `filed`.
#[derive(Clone, Debug, PartialEq)]
pub struct Fact {
    pub start: Option<Date>,
    pub end: Date,
    pub val: f64,
    pub accn: String,
    pub fy: Option<i32>,
    pub fp: Option<String>,
    pub form: String,
    pub filed: Date,
}

impl Fact {
    /// Length of the period in days (0 for an instant).
    pub fn days(&self) -> i32 {
        self.start.map_or(0, |s| s.days_until(self.end) + 1)
    }
}

/// A company's facts, keyed by `"<taxonomy>:<Concept>"` then unit; each list sorted by
/// `(end, start, filed)`.
#[derive(Clone, Debug, Default)]
pub struct CompanyFacts {
    pub cik: Option<u64>,
    pub entity_name: String,
    facts: HashMap<String, HashMap<String, Vec<Fact>>>,
    /// Entries skipped as malformed (the rest of the file was used).
    /// The file it came from (refusals name fields inside it).
    pub source: std::path::PathBuf,
    pub refused: Vec<Refusal>,
    /// Entries kept.
    pub accepted: usize,
}

impl CompanyFacts {
    /// Loads a companyfacts file (JSON, cassette YAML or Python literal; see [`super::read_json`]).
    pub fn load(path: &Path) -> Result<CompanyFacts, LoadError> {
        Self::from_value(path, &super::read_json(path)?)
    }

    /// Builds from an already parsed document; `path` names errors.
    pub fn from_value(path: &Path, doc: &Value) -> Result<CompanyFacts, LoadError> {
        let facts = doc.get("facts").ok_or_else(|| LoadError::field(path, "facts", "missing"))?;
        let facts = facts.as_object().ok_or_else(|| LoadError::field(path, "facts", "not an object"))?;
        let mut out = CompanyFacts {
            source: path.to_path_buf(),
            cik: doc.get("cik").and_then(|c| c.as_u64().or_else(|| c.as_str()?.parse().ok())),
            entity_name: doc.get("entityName").and_then(Value::as_str).unwrap_or("").to_string(),
            ..CompanyFacts::default()
        };
        for (tax, concepts) in facts {
            let Some(concepts) = concepts.as_object() else {
                out.refuse(format!("facts.{tax}"), "not an object");
                continue;
            };
            for (name, concept) in concepts {
                let at = format!("facts.{tax}.{name}.units");
                let Some(units) = concept.get("units").and_then(Value::as_object) else {
                    out.refuse(at, "missing or not an object");
                    continue;
                };
                let mut by_unit = HashMap::new();
                for (unit, list) in units {
                    let Some(list) = list.as_array() else {
                        out.refuse(format!("{at}.{unit}"), "not an array");
                        continue;
                    };
                    let mut kept = Vec::with_capacity(list.len());
                    for (i, e) in list.iter().enumerate() {
                        match parse_fact(e) {
                            Ok(f) => kept.push(f),
                            Err((field, why)) => out.refuse(format!("{at}.{unit}[{i}]{field}"), why),
                        }
                    }
                    kept.sort_by_key(|f| (f.end, f.start, f.filed));
                    out.accepted += kept.len();
                    by_unit.insert(unit.clone(), kept);
                }
                out.facts.insert(format!("{tax}:{name}"), by_unit);
            }
        }
        Ok(out)
    }

    fn refuse(&mut self, field: String, why: &str) {
        self.refused.push(Refusal { field, why: why.to_string() });
    }

    /// The facts of `concept` (`"us-gaap:NetIncomeLoss"`) in `unit` (`"USD"`), sorted by end.
    pub fn get(&self, concept: &str, unit: &str) -> &[Fact] {
        self.facts.get(concept).and_then(|u| u.get(unit)).map_or(&[], Vec::as_slice)
    }

    /// Number of concepts.
    pub fn concepts(&self) -> usize {
        self.facts.len()
    }
}

type FieldErr = (String, &'static str);

fn parse_fact(e: &Value) -> Result<Fact, FieldErr> {
    let obj = e.as_object().ok_or((String::new(), "not an object"))?;
    let date = |k: &str, required: bool| -> Result<Option<Date>, FieldErr> {
        match obj.get(k) {
            None | Some(Value::Null) if !required => Ok(None),
            None | Some(Value::Null) => Err((format!(".{k}"), "missing")),
            Some(Value::String(s)) => {
                Date::parse_iso(s).map(Some).ok_or((format!(".{k}"), "not a YYYY-MM-DD date"))
            }
            Some(_) => Err((format!(".{k}"), "not a string")),
        }
    };
    let text = |k: &str| -> Result<String, FieldErr> {
        match obj.get(k) {
            Some(Value::String(s)) => Ok(s.clone()),
            None | Some(Value::Null) => Err((format!(".{k}"), "missing")),
            Some(_) => Err((format!(".{k}"), "not a string")),
        }
    };
    let start = date("start", false)?;
    let end = date("end", true)?.ok_or((".end".to_string(), "missing"))?;
    let filed = date("filed", true)?.ok_or((".filed".to_string(), "missing"))?;
    if start.is_some_and(|s| s > end) {
        return Err((".start".into(), "after end"));
    }
    let val = match obj.get("val") {
        Some(Value::Number(n)) => {
            n.as_f64().filter(|v| v.is_finite()).ok_or((".val".to_string(), "not finite"))?
        }
        None | Some(Value::Null) => return Err((".val".into(), "missing")),
        Some(_) => return Err((".val".into(), "not a number")),
    };
    let fy = match obj.get("fy") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_i64().and_then(|y| i32::try_from(y).ok()).ok_or((".fy".to_string(), "not an integer"))?,
        ),
    };
    let fp = match obj.get("fp") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err((".fp".into(), "not a string")),
    };
    Ok(Fact { start, end, val, accn: text("accn")?, fy, fp, form: text("form")?, filed })
}
