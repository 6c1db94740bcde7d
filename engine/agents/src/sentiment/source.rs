//! Dated, ticker-tagged texts: [`TextItem`], and the loaders of the two file sources.
//!
//! - [`load_stocknet`]: stocknet's `tweet/preprocessed/<TICKER>/<YYYY-MM-DD>` (or `tweet/raw/…`)
//!   files, JSON lines `{"text": [tokens] or "text", "created_at": "Fri Jan 02 22:17:52 +0000
//!   2015", …}`. The time is `created_at`, never the file's date: stocknet files after-close tweets
//!   under the next day, so 1,165 tweets are dated the day before their file.
//! - [`load_jsonl`]: one `{"ts": RFC 3339 string or Unix ns integer, "ticker": "AAPL", "text":
//!   "…"}` per line.
//!
//! A line that does not parse is refused and counted ([`Loaded::refused`], naming the file and its
//! 1-based line number); the rest of the file is used. An unreadable file or folder is an error.

use crate::sentiment::normalise::join_stocknet;
use crate::sentiment::time::{parse_rfc3339, parse_twitter};
use crate::{LoadError, Refusal};
use serde_json::Value;
use std::path::Path;

/// One text: when it was written (Unix ns, UTC), about which ticker, and the raw text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextItem {
    pub ts_ns: i64,
    pub ticker: String,
    pub text: String,
}

/// What a loader kept and what it refused.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Loaded {
    pub items: Vec<TextItem>,
    /// One per refused line: `field` = `file:line`.
    pub refused: Vec<Refusal>,
}

impl Loaded {
    /// Appends `other`.
    pub fn extend(&mut self, other: Loaded) {
        self.items.extend(other.items);
        self.refused.extend(other.refused);
    }
}

fn read(path: &Path) -> Result<String, LoadError> {
    std::fs::read_to_string(path).map_err(|source| LoadError::Io { file: path.to_path_buf(), source })
}

fn refusal(path: &Path, line: usize, why: impl Into<String>) -> Refusal {
    Refusal { field: format!("{}:{line}", path.display()), why: why.into() }
}

/// The tweets of `ticker` under a stocknet tweet folder: `dir/<TICKER>/<date>` files (pass
/// `…/stocknet/tweet/preprocessed`; `…/stocknet/tweet` is also accepted and looks in
/// `preprocessed/`, then `raw/`). Files are read in name order.
pub fn load_stocknet(dir: &Path, ticker: &str) -> Result<Loaded, LoadError> {
    let ticker = ticker.trim().to_ascii_uppercase();
    let folder = ["", "preprocessed", "raw"]
        .iter()
        .map(|sub| dir.join(sub).join(&ticker))
        .find(|p| p.is_dir())
        .ok_or_else(|| LoadError::format(dir, format!("no tweet folder for {ticker} (looked for {ticker}/, preprocessed/{ticker}/, raw/{ticker}/)")))?;
    let rd = std::fs::read_dir(&folder).map_err(|source| LoadError::Io { file: folder.clone(), source })?;
    let mut files: Vec<_> = rd.flatten().map(|e| e.path()).filter(|p| p.is_file()).collect();
    files.sort();
    let mut out = Loaded::default();
    for f in files {
        let text = read(&f)?;
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            match stocknet_line(line) {
                Ok((ts_ns, text)) => out.items.push(TextItem { ts_ns, ticker: ticker.clone(), text }),
                Err(why) => out.refused.push(refusal(&f, i + 1, why)),
            }
        }
    }
    Ok(out)
}

/// One stocknet JSON line → (time, raw text).
pub fn stocknet_line(line: &str) -> Result<(i64, String), String> {
    let v: Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    let created = v.get("created_at").and_then(Value::as_str).ok_or("no `created_at` string")?;
    let ts = parse_twitter(created)
        .ok_or_else(|| format!("`created_at` {created:?} is not `Www Mmm DD HH:MM:SS ±HHMM YYYY`"))?;
    let text = match v.get("text") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(a)) => {
            let tokens: Option<Vec<&str>> = a.iter().map(Value::as_str).collect();
            join_stocknet(&tokens.ok_or("`text` has a token that is not a string")?)
        }
        _ => return Err("no `text` (a string or a list of token strings)".into()),
    };
    Ok((ts, text))
}

/// A JSONL file of `{"ts", "ticker", "text"}` lines (blank lines are skipped).
pub fn load_jsonl(path: &Path) -> Result<Loaded, LoadError> {
    let text = read(path)?;
    let mut out = Loaded::default();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match jsonl_line(line) {
            Ok(item) => out.items.push(item),
            Err(why) => out.refused.push(refusal(path, i + 1, why)),
        }
    }
    Ok(out)
}

/// One JSONL line → a [`TextItem`].
pub fn jsonl_line(line: &str) -> Result<TextItem, String> {
    let v: Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    let ts_ns = match v.get("ts") {
        Some(Value::String(s)) => parse_rfc3339(s)
            .ok_or_else(|| format!("`ts` {s:?} is not RFC 3339 (e.g. 2015-01-02T22:17:52Z)"))?,
        Some(Value::Number(n)) => n
            .as_u64()
            .and_then(|n| i64::try_from(n).ok())
            .ok_or_else(|| format!("`ts` {n} is not Unix nanoseconds (a non-negative integer)"))?,
        Some(other) => return Err(format!("`ts` {other} is neither an RFC 3339 string nor Unix ns")),
        None => return Err("no `ts`".into()),
    };
    let ticker = v.get("ticker").and_then(Value::as_str).map(str::trim).unwrap_or_default();
    if ticker.is_empty() || !ticker.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-') {
        return Err(format!("`ticker` {:?}: expected letters, digits, `.` or `-`", v.get("ticker")));
    }
    let text = v.get("text").and_then(Value::as_str).ok_or("no `text` string")?;
    Ok(TextItem { ts_ns, ticker: ticker.to_ascii_uppercase(), text: text.to_string() })
}
