//! Reading one stream as decoded records; every error names the stream, the file and the offset.

use super::decode::decode_record;
use super::StreamRef;
use alphapulse_shm::{JournalError, Reader};
use alphapulse_types::{Msg, PxQty};
use anyhow::Context;

/// One decoded record.
#[derive(Clone, Debug)]
pub struct Rec {
    pub seq: u64,
    pub ts: u64,
    pub msg: Msg,
    /// A depth update's levels (bids, then asks; `Depth::bids` of them are bids); else empty.
    pub levels: Vec<PxQty>,
}

/// A [`Reader`] that decodes.
pub struct StreamReader {
    pub name: String,
    reader: Reader,
}

impl StreamReader {
    /// Opens the stream at its oldest retained record.
    pub fn open(s: &StreamRef) -> anyhow::Result<StreamReader> {
        let reader = Reader::open(&s.dir).with_context(|| format!("stream `{}`", s.name))?;
        Ok(StreamReader { name: s.name.clone(), reader })
    }

    /// Moves to sequence `seq` (or the oldest retained record if retention removed `seq`).
    pub fn seek(&mut self, seq: u64) -> anyhow::Result<()> {
        match self.reader.seek(seq) {
            Err(JournalError::FellBehind { oldest_available, .. }) => self.reader.seek(oldest_available),
            other => other,
        }
        .with_context(|| format!("stream `{}`", self.name))
    }

    /// The next record, None at the end of the stream. Unlike [`StreamReader::next`], the end is
    /// checked: bytes after the last complete record (a zeroed region followed by data, or a torn
    /// record) are an error naming the file and offset, unless a live writer publishes them meanwhile.
    pub fn next_to_end(&mut self) -> anyhow::Result<Option<Rec>> {
        if let Some(r) = self.next()? {
            return Ok(Some(r));
        }
        let Some((file, pos)) = self.reader.position().map(|(f, p)| (f.to_path_buf(), p)) else {
            return Ok(None);
        };
        if !data_after(&file, pos)? {
            return Ok(None);
        }
        // A live writer may be mid-append: give it time to publish.
        std::thread::sleep(std::time::Duration::from_millis(100));
        if let Some(r) = self.next()? {
            return Ok(Some(r));
        }
        anyhow::bail!(
            "stream `{}`: journal file {} at offset {pos}: data after the last complete record: a zeroed \
             region (hole) or a torn record (a writer died mid-append; reopening the stream with its \
             writer repairs a torn tail)",
            self.name,
            file.display()
        )
    }

    /// The next record, None when nothing more is published (yet).
    pub fn next(&mut self) -> anyhow::Result<Option<Rec>> {
        let (seq, ty, version, ts, payload) = match self.reader.next() {
            Ok(None) => return Ok(None),
            Ok(Some(r)) => (r.seq, r.ty, r.version, r.ts, r.payload.to_vec()),
            Err(e) => return Err(anyhow::Error::new(e).context(format!("stream `{}`", self.name))),
        };
        let (msg, levels) = decode_record(&self.reader, &self.name, seq, ty, version, &payload)?;
        Ok(Some(Rec { seq, ts, msg, levels }))
    }
}

/// True if any byte of `file` from `pos` on is not zero.
fn data_after(file: &std::path::Path, pos: u64) -> anyhow::Result<bool> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = std::fs::File::open(file).with_context(|| format!("open {}", file.display()))?;
    f.seek(SeekFrom::Start(pos))?;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).with_context(|| format!("read {}", file.display()))?;
        if n == 0 {
            return Ok(false);
        }
        if buf[..n].iter().any(|&b| b != 0) {
            return Ok(true);
        }
    }
}
