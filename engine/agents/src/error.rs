//! [`LoadError`]: what a loader refuses, naming the file and the field at fault.

use std::path::PathBuf;

/// A file that could not be read or parsed as a whole.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{file}: cannot read: {source}")]
    Io {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: {what}")]
    Format { file: PathBuf, what: String },
    #[error("{file}: field `{field}`: {what}")]
    Field { file: PathBuf, field: String, what: String },
}

impl LoadError {
    pub(crate) fn format(file: &std::path::Path, what: impl Into<String>) -> LoadError {
        LoadError::Format { file: file.to_path_buf(), what: what.into() }
    }
    pub(crate) fn field(
        file: &std::path::Path,
        field: impl Into<String>,
        what: impl Into<String>,
    ) -> LoadError {
        LoadError::Field { file: file.to_path_buf(), field: field.into(), what: what.into() }
    }
}

/// One record a loader skipped (the file as a whole was usable), with the reason.
#[derive(Clone, Debug, PartialEq)]
pub struct Refusal {
    /// Path of the field, e.g. `facts.us-gaap.NetIncomeLoss.units.USD[3].filed`.
    pub field: String,
    pub why: String,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.why)
    }
}
