//! The `alerts` journal stream: each alert event as one `Msg::Alert` record (kind 18), written
//! into a run's journal folder beside the actors' streams, so `alphapulse journal tail DIR
//! --stream alerts` shows it. Every record is flushed (msync) as it is written: alerts are rare
//! and are evidence.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use alphapulse_shm::{StreamConfig, Writer};
use alphapulse_types::{AlertRecord, InstrumentId, Msg, CODEC_VERSION, ENCODED_LEN};

use super::AlertError;

/// The stream's folder name inside a run's journal folder.
pub const STREAM: &str = "alerts";

/// The `alerts` stream's writer; records that could not be written are counted.
pub struct AlertJournal {
    writer: Writer,
    /// Symbol → instrument id, from the run's `run.json` (empty without one).
    instruments: HashMap<String, InstrumentId>,
    pub written: u64,
    pub failed: u64,
    pub first_error: Option<String>,
}

impl AlertJournal {
    /// The stream at `<journal>/alerts/` (created, or appended to), with the symbols of the
    /// journal's `run.json` if it has one.
    pub fn open(journal: &Path) -> Result<AlertJournal, AlertError> {
        let err =
            |p: PathBuf, e: &dyn std::fmt::Display| AlertError::Journal { path: p, reason: e.to_string() };
        let meta = crate::run_journal::read_meta(journal).map_err(|e| err(journal.to_path_buf(), &e))?;
        let instruments = meta
            .map(|m| {
                m.instruments.into_iter().enumerate().map(|(i, s)| (s, InstrumentId(i as u32))).collect()
            })
            .unwrap_or_default();
        AlertJournal::open_stream(&journal.join(STREAM), instruments)
    }

    /// The stream at `dir` itself, with a given symbol map.
    pub fn open_stream(
        dir: &Path,
        instruments: HashMap<String, InstrumentId>,
    ) -> Result<AlertJournal, AlertError> {
        // Alerts are rare: small segments.
        let cfg = StreamConfig { segment_size: 1 << 20, ..Default::default() };
        let writer = Writer::create_or_open(dir, cfg)
            .map_err(|e| AlertError::Journal { path: dir.to_path_buf(), reason: e.to_string() })?;
        Ok(AlertJournal { writer, instruments, written: 0, failed: 0, first_error: None })
    }

    /// The instrument of `symbol` in this run (`InstrumentId(u32::MAX)` if none).
    pub fn instrument(&self, symbol: &str) -> InstrumentId {
        self.instruments.get(symbol).copied().unwrap_or(InstrumentId(u32::MAX))
    }

    /// Append `r` and msync it.
    pub fn record(&mut self, r: AlertRecord) {
        let mut buf = [0u8; ENCODED_LEN];
        let m = Msg::Alert(r);
        m.encode(&mut buf);
        let res = self.writer.append(m.kind(), CODEC_VERSION, r.ts, &buf).and_then(|_| self.writer.flush());
        match res {
            Ok(()) => self.written += 1,
            Err(e) => {
                self.failed += 1;
                self.first_error.get_or_insert_with(|| e.to_string());
            }
        }
    }

    /// Close the stream with its end record.
    pub fn close(mut self) -> Result<(), AlertError> {
        let path = self.writer.dir().to_path_buf();
        self.writer.close().map(|_| ()).map_err(|e| AlertError::Journal { path, reason: e.to_string() })
    }
}

impl Drop for AlertJournal {
    fn drop(&mut self) {
        // Idempotent: after `close`, a no-op.
        let _ = self.writer.close();
    }
}
