//! [`JournalFeed`]: a source actor that replays the messages of a journal stream (normally the
//! `feed` stream of an earlier run, see `alphapulse_runtime::journal`) down the chain. No parsing,
//! no book: the records are the market events the original feed emitted, decoded with
//! [`Msg::decode`]. Fed to the same downstream actors they give the same output, message for
//! message (the tools' determinism test proves it on real data).
//!
//! Each `poll` sends up to [`BATCH`] records; the stream's own `Eos` record ends the replay. A
//! stream that ends without one (its writer died, or is still writing) ends with an `Eos` at the
//! last record's time, and [`JournalFeedStats::missing_eos`] says so. A bad record (corrupt bytes,
//! an unknown message version, a payload that does not decode, a type that does not match the
//! payload) ends the replay too: the error, naming the file and offset, is kept in
//! [`JournalFeed::error`] for the caller to report. The replay allocates only when it moves to the
//! next segment file (opening it).

use alphapulse_runtime::{Actor, Ctx, Poll};
use alphapulse_shm::{align8, JournalError, Reader, RECORD_HEADER};
use alphapulse_types::{DecodeError, EndOfStream, Msg, CODEC_VERSION, MSG_KINDS};
use std::any::Any;
use std::path::{Path, PathBuf};

/// Records sent per poll at most.
pub const BATCH: usize = 64;

/// Why a journal replay stopped early.
#[derive(Debug, thiserror::Error)]
pub enum JournalFeedError {
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("journal file {file} at offset {offset}: record {seq}: {source}")]
    Decode { file: PathBuf, offset: u64, seq: u64, source: DecodeError },
    #[error(
        "journal file {file} at offset {offset}: record {seq}: message version {version} \
         (this build reads version {CODEC_VERSION})"
    )]
    Version { file: PathBuf, offset: u64, seq: u64, version: u16 },
    #[error("journal file {file} at offset {offset}: record {seq}: record type {ty} but a {kind} payload")]
    TypeMismatch { file: PathBuf, offset: u64, seq: u64, ty: u16, kind: &'static str },
}

/// What a replay sent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JournalFeedStats {
    /// Records read and sent down.
    pub records: u64,
    /// Messages sent, indexed by [`Msg::kind_index`] (the final `Eos` included).
    pub emitted: [u64; MSG_KINDS],
    /// The stream ended without an `Eos` record (one was sent at the last record's time).
    pub missing_eos: bool,
}

impl JournalFeedStats {
    /// Market events sent (quotes, trades, levels, book status).
    pub fn events(&self) -> u64 {
        self.emitted[..4].iter().sum()
    }
    /// Messages sent of the kind named `name` (`"quote"`, …).
    pub fn emitted_of(&self, name: &str) -> u64 {
        Msg::NAMES.iter().position(|n| *n == name).map_or(0, |i| self.emitted[i])
    }
}

/// Replays one journal stream as the chain's source (actor name `feed`).
pub struct JournalFeed {
    reader: Reader,
    stream: PathBuf,
    stats: JournalFeedStats,
    last_ts: u64,
    error: Option<JournalFeedError>,
    done: bool,
}

enum Next {
    Msg(Msg),
    End,
}

impl JournalFeed {
    /// Opens the stream folder `stream` (e.g. `<journal>/feed`) at its oldest record.
    pub fn open(stream: impl AsRef<Path>) -> Result<JournalFeed, JournalError> {
        let stream = stream.as_ref().to_path_buf();
        let reader = Reader::open(&stream)?;
        Ok(JournalFeed {
            reader,
            stream,
            stats: JournalFeedStats::default(),
            last_ts: 0,
            error: None,
            done: false,
        })
    }
    /// The stream folder.
    pub fn stream(&self) -> &Path {
        &self.stream
    }
    /// Counters so far.
    pub fn stats(&self) -> &JournalFeedStats {
        &self.stats
    }
    /// Why the replay stopped early, if it did.
    pub fn error(&self) -> Option<&JournalFeedError> {
        self.error.as_ref()
    }

    /// Reads and checks one record.
    #[inline]
    fn next(&mut self) -> Result<Next, JournalFeedError> {
        let (seq, ty, version, len, decoded) = match self.reader.next()? {
            None => return Ok(Next::End),
            Some(r) => (r.seq, r.ty, r.version, r.payload.len(), Msg::decode(r.payload)),
        };
        let at = || {
            let (file, pos) =
                self.reader.position().map_or((PathBuf::new(), 0), |(f, p)| (f.to_path_buf(), p));
            (file, pos.saturating_sub(align8(RECORD_HEADER + len) as u64))
        };
        if version != CODEC_VERSION {
            let (file, offset) = at();
            return Err(JournalFeedError::Version { file, offset, seq, version });
        }
        match decoded {
            Ok(m) if m.kind() == ty => Ok(Next::Msg(m)),
            Ok(m) => {
                let (file, offset) = at();
                Err(JournalFeedError::TypeMismatch { file, offset, seq, ty, kind: m.kind_name() })
            }
            Err(source) => {
                let (file, offset) = at();
                Err(JournalFeedError::Decode { file, offset, seq, source })
            }
        }
    }

    fn send(&mut self, m: Msg, ctx: &mut Ctx<'_>) {
        self.stats.emitted[m.kind_index()] += 1;
        self.last_ts = m.event_ts();
        ctx.down(m);
    }

    #[cold]
    fn finish(&mut self, ctx: &mut Ctx<'_>, missing_eos: bool) -> Poll {
        self.stats.missing_eos = missing_eos;
        self.send(Msg::Eos(EndOfStream { ts: self.last_ts }), ctx);
        self.done = true;
        Poll::Done
    }
}

impl Actor for JournalFeed {
    fn name(&self) -> &'static str {
        "feed"
    }

    fn handle(&mut self, msg: &Msg, ctx: &mut Ctx<'_>) {
        // First on the chain: nothing is expected; keep the forwarding convention anyway.
        if !matches!(msg, Msg::Exec(_)) {
            ctx.down(*msg);
        }
    }

    fn poll(&mut self, ctx: &mut Ctx<'_>) -> Poll {
        if self.done {
            return Poll::Done;
        }
        for _ in 0..BATCH {
            match self.next() {
                Ok(Next::Msg(m)) => {
                    self.stats.records += 1;
                    self.send(m, ctx);
                    if matches!(m, Msg::Eos(_)) {
                        self.done = true;
                        return Poll::Done;
                    }
                }
                Ok(Next::End) => return self.finish(ctx, true),
                Err(e) => {
                    self.error = Some(e);
                    return self.finish(ctx, false);
                }
            }
        }
        Poll::Busy
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
