//! Stream configuration: segment size, durability (msync) policy, retention.

use crate::error::JournalError;
use serde::Deserialize;

/// Smallest allowed segment size (one page).
pub const MIN_SEGMENT_SIZE: u64 = 4096;
/// Largest allowed segment size (record lengths are `u32`; 1 GiB keeps a wide margin).
pub const MAX_SEGMENT_SIZE: u64 = 1 << 30;

/// How far beyond a process crash the journal is made durable.
///
/// Writes to the mapping survive a crash (kill -9) of the writer in any case: the pages belong to the
/// kernel's page cache. These policies are about an OS crash or power loss.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Durability {
    /// Never msync; the kernel writes dirty pages back when it likes (on tmpfs: never).
    #[default]
    None,
    /// msync inline after every N records. COSTLY: a blocking syscall on the writer's thread
    /// (tens of µs to ms per call on a disk). Not for a hot actor.
    EveryRecords(u64),
    /// A [`crate::Flusher`] thread syncs the newest segments every T milliseconds, off the hot path.
    EveryMillis(u64),
}

/// Which sealed segments `Writer::enforce_retention` deletes. The active segment is never deleted.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, serde::Serialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Retention {
    /// Keep at most this many segment files (the active one included).
    pub max_segments: Option<usize>,
    /// Delete segments sealed (rolled away from) more than this many seconds ago.
    pub max_age_secs: Option<u64>,
}

/// Configuration of one stream (the lead's TOML embeds it as a table).
#[derive(Clone, Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct StreamConfig {
    /// Size of each new segment file in bytes: a power of two in [4 KiB, 1 GiB]. Default 64 MiB.
    /// Existing segments keep the size they were created with (each header records it).
    pub segment_size: u64,
    /// msync policy.
    pub durability: Durability,
    /// Retention policy, applied by `Writer::enforce_retention`.
    pub retention: Retention,
}

impl Default for StreamConfig {
    fn default() -> Self {
        StreamConfig { segment_size: 64 << 20, durability: Durability::None, retention: Retention::default() }
    }
}

impl StreamConfig {
    /// Checks every key; the error names the key and the problem.
    pub fn validate(&self) -> Result<(), JournalError> {
        let s = self.segment_size;
        if !s.is_power_of_two() || !(MIN_SEGMENT_SIZE..=MAX_SEGMENT_SIZE).contains(&s) {
            return Err(JournalError::Config {
                key: "segment_size",
                problem: format!(
                    "{s} must be a power of two between {MIN_SEGMENT_SIZE} and {MAX_SEGMENT_SIZE}"
                ),
            });
        }
        match self.durability {
            Durability::EveryRecords(0) => {
                return Err(JournalError::Config {
                    key: "durability.every_records",
                    problem: "must be at least 1".into(),
                })
            }
            Durability::EveryMillis(0) => {
                return Err(JournalError::Config {
                    key: "durability.every_millis",
                    problem: "must be at least 1".into(),
                })
            }
            _ => {}
        }
        if self.retention.max_segments == Some(0) {
            return Err(JournalError::Config {
                key: "retention.max_segments",
                problem: "must be at least 1 (the active segment)".into(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_valid_and_bad_keys_are_named() {
        StreamConfig::default().validate().unwrap();
        let bad = StreamConfig { segment_size: 65536 + 8, ..Default::default() };
        let e = bad.validate().unwrap_err().to_string();
        assert!(e.contains("segment_size"), "{e}");
        let bad = StreamConfig { durability: Durability::EveryRecords(0), ..Default::default() };
        assert!(bad.validate().unwrap_err().to_string().contains("every_records"));
        let bad = StreamConfig {
            retention: Retention { max_segments: Some(0), max_age_secs: None },
            ..Default::default()
        };
        assert!(bad.validate().unwrap_err().to_string().contains("max_segments"));
    }
}
