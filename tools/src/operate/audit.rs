//! The `control` journal stream: every operator command, its peer uid and level, and its
//! outcome, as one `Msg::Command` record (kind 16), written by the control thread into the run's
//! journal folder beside the actors' streams (so `alphapulse journal tail DIR --stream control`
//! shows it). A command that changes the engine's state, and every refusal or failure, is
//! flushed (msync) as it is written: an operator's action is evidence; reads are not flushed.

use alphapulse_shm::{StreamConfig, Writer};
use alphapulse_types::{CommandRecord, Msg, CODEC_VERSION, ENCODED_LEN};
use std::path::Path;

/// The control stream's writer; records that could not be written are counted.
pub struct Audit {
    writer: Option<Writer>,
    pub written: u64,
    pub failed: u64,
    pub first_error: Option<String>,
}

impl Audit {
    /// The stream at `<journal>/control/`, or none (an unjournaled run: commands are only counted).
    pub fn open(journal: Option<&Path>) -> anyhow::Result<Audit> {
        let writer = match journal {
            Some(dir) => {
                // Commands are rare: small segments.
                let cfg = StreamConfig { segment_size: 1 << 20, ..Default::default() };
                Some(Writer::create_or_open(dir.join("control"), cfg)?)
            }
            None => None,
        };
        Ok(Audit { writer, written: 0, failed: 0, first_error: None })
    }

    /// Append `r`, and msync it when `flush`.
    pub fn record(&mut self, r: CommandRecord, flush: bool) {
        let Some(w) = self.writer.as_mut() else { return };
        let mut buf = [0u8; ENCODED_LEN];
        Msg::Command(r).encode(&mut buf);
        let res =
            w.append(16, CODEC_VERSION, r.ts, &buf).and_then(|_| if flush { w.flush() } else { Ok(()) });
        match res {
            Ok(()) => self.written += 1,
            Err(e) => {
                self.failed += 1;
                self.first_error.get_or_insert_with(|| e.to_string());
            }
        }
    }

    /// Close the stream with its end record.
    pub fn close(&mut self) {
        if let Some(mut w) = self.writer.take() {
            if let Err(e) = w.close() {
                self.first_error.get_or_insert_with(|| e.to_string());
            }
        }
    }
}

impl Drop for Audit {
    fn drop(&mut self) {
        self.close();
    }
}
