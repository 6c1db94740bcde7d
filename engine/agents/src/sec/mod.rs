//! SEC EDGAR loaders. Every loader validates at the edge: a file that cannot be used at all is a
//! [`LoadError`](crate::LoadError) naming the file and field; a single bad record is skipped and
//! kept as a [`Refusal`](crate::Refusal) so the caller can count and show it.
//!
//! - [`facts`]: XBRL company facts (`facts.<taxonomy>.<Concept>.units.<unit>[]`).
//! - [`submissions`]: the filing history (`filings.recent`, columnar arrays; 8-K `items`).
//! - [`schedule13`]: Schedule 13D / 13G XML (both schemas) → stake percentages.
//! - `cassette` / `pylit`: the two non-JSON containers the data comes in (a VCR cassette's YAML
//!   body string; a Python literal), read into the same JSON value.

mod cassette;
pub use cassette::response_body as cassette_body;
pub mod facts;
mod pylit;
pub mod schedule13;
pub mod submissions;

use crate::LoadError;
use serde_json::Value;
use std::path::Path;

/// Reads `path` as JSON, choosing the container by the file name: `*.yaml`/`*.yml` (a VCR
/// cassette whose response body is the JSON), `*.pydict` (a Python literal), anything else
/// plain JSON.
pub fn read_json(path: &Path) -> Result<Value, LoadError> {
    let text =
        std::fs::read_to_string(path).map_err(|source| LoadError::Io { file: path.to_path_buf(), source })?;
    parse_json_text(path, &text)
}

/// [`read_json`] on text already in memory (`path` chooses the container and names errors).
pub fn parse_json_text(path: &Path, text: &str) -> Result<Value, LoadError> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if name.ends_with(".yaml") || name.ends_with(".yml") {
        let body = cassette::response_body(text).map_err(|e| LoadError::format(path, e))?;
        serde_json::from_str(&body)
            .map_err(|e| LoadError::format(path, format!("cassette body is not JSON: {e}")))
    } else if name.ends_with(".pydict") {
        pylit::parse(text).map_err(|e| LoadError::format(path, format!("not a Python literal: {e}")))
    } else {
        serde_json::from_str(text).map_err(|e| LoadError::format(path, format!("not JSON: {e}")))
    }
}
