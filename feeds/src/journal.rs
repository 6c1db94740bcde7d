//! [`JournalFeed`]: a source actor that replays the messages of a journal stream (normally the
//! `feed` stream of an earlier run, see `alphapulse_runtime::journal`) down the chain. No parsing,
//! no book: the records are the market events the original feed emitted, decoded with
//! [`Msg::decode`]. Fed to the same downstream actors they give the same output, message for
//! message (the tools' determinism test proves it on real data).
//!
//! A depth update is one record: its `Depth` header, then its levels (codec version 3), sent on
//! with `Ctx::send_depth` so the levels reach the thread's level store.
//!
//! **Books.** Built with [`JournalFeed::lending_books`], the replay keeps one book per instrument
//! from the depth records it sends (cleared by a `Gap`, as every consumer's own book is) and lends
//! it to the actors after it on its thread (`Actor::books`), as the capture feed does: one book per
//! instrument per thread. A lent book must be at the state of the message being handled, so a
//! record that changes it (a depth update, a book status) then goes alone in its poll.
//!
//! Each `poll` sends up to [`BATCH`] records, and depth levels up to [`BATCH_LEVELS`]: a depth record
//! that would take a poll past it waits for the next poll (where it goes first, alone if it must),
//! so one poll writes at most `max(BATCH_LEVELS, one record)` levels into the thread's level store
//! (emptied between polls). The stream's own `Eos` record ends the replay. A
//! stream that ends without one (its writer died, or is still writing) ends with an `Eos` at the
//! last record's time, and [`JournalFeedStats::missing_eos`] says so. A bad record (corrupt bytes,
//! an unknown message version, a payload that does not decode, a type that does not match the
//! payload) ends the replay too: the error, naming the file and offset, is kept in
//! [`JournalFeed::error`] for the caller to report. The replay allocates only when it moves to the
//! next segment file (opening it).

use alphapulse_book::{Book, Changes};
use alphapulse_runtime::{Actor, Books, Ctx, Kinds, Poll, Source};
use alphapulse_shm::{align8, JournalError, Reader, RECORD_HEADER};
use alphapulse_types::{
    decode_levels, BookState, DecodeError, EndOfStream, InstrumentId, InstrumentTable, LevelsError, Msg,
    PxQty, Qty, CODEC_VERSION, ENCODED_LEN, MSG_KINDS,
};

/// The record type of a depth update.
const DEPTH_KIND: u16 = 3;

/// Why a record's bytes are not a message.
enum Bad {
    Decode(DecodeError),
    Levels(LevelsError),
    TooMany(usize),
}
use std::any::Any;
use std::path::{Path, PathBuf};

/// Records sent per poll at most.
pub const BATCH: usize = 64;
/// Depth levels one poll sends at most, unless a single record carries more (it then goes alone).
pub const BATCH_LEVELS: usize = 4096;
/// Most levels one depth record may carry (a 5000-level snapshot has 10,000): the decoding buffer,
/// allocated when the replay opens.
pub const MAX_RECORD_LEVELS: usize = 1 << 17;

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
    #[error("journal file {file} at offset {offset}: record {seq}: {source}")]
    Levels { file: PathBuf, offset: u64, seq: u64, source: LevelsError },
    #[error(
        "journal file {file} at offset {offset}: record {seq}: a depth update of {levels} levels \
         (at most {MAX_RECORD_LEVELS})"
    )]
    TooManyLevels { file: PathBuf, offset: u64, seq: u64, levels: usize },
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
    /// Market events sent (quotes, trades, depth updates, book status).
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
    /// The levels of the depth record just read.
    levels: Vec<PxQty>,
    /// A record read but held for the next poll (a depth record's levels are in `levels`).
    held: Option<Msg>,
    /// One book per instrument, kept from the records and lent on the thread (empty: none kept).
    books: Vec<Book>,
    /// What the last depth update replaced and the last gap discarded (see [`Books::replaced`]).
    changes: Changes,
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
            levels: Vec::with_capacity(MAX_RECORD_LEVELS),
            held: None,
            books: Vec::new(),
            changes: Changes::default(),
        })
    }
    /// Keep a book of `book_levels` levels per side for each instrument of `table` (the config of
    /// the run that wrote the journal: the capture feed's books) and lend them on the thread.
    /// It also says what each depth update replaced and what a gap discarded
    /// ([`Books::replaced`], [`Books::discarded`]), in room reserved now: a depth update of more
    /// than `max(book_levels, 4096)` levels a side has no `replaced`.
    pub fn lending_books(mut self, table: &InstrumentTable, book_levels: usize) -> Self {
        self.books = table.iter().map(|i| Book::with_grid(book_levels, i.tick)).collect();
        self.changes = Changes::new(book_levels);
        self
    }
    /// The book of `inst`, if books are kept.
    pub fn book(&self, inst: InstrumentId) -> Option<&Book> {
        self.books.get(inst.index())
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

    /// Reads and checks one record (a depth record's levels into `self.levels`).
    #[inline]
    fn next(&mut self) -> Result<Next, JournalFeedError> {
        let levels = &mut self.levels;
        let (seq, ty, version, len, decoded) = match self.reader.next()? {
            None => return Ok(Next::End),
            Some(r) => {
                let head = r.payload.get(..ENCODED_LEN.min(r.payload.len())).unwrap_or_default();
                let decoded = match Msg::decode(if r.ty == DEPTH_KIND { head } else { r.payload }) {
                    Ok(Msg::Depth(d)) if r.version == CODEC_VERSION && r.ty == DEPTH_KIND => {
                        levels.clear();
                        if d.len() > MAX_RECORD_LEVELS {
                            Err(Bad::TooMany(d.len()))
                        } else {
                            decode_levels(&r.payload[ENCODED_LEN..], d.len(), |l| levels.push(l))
                                .map(|()| Msg::Depth(d))
                                .map_err(Bad::Levels)
                        }
                    }
                    other => other.map_err(Bad::Decode),
                };
                (r.seq, r.ty, r.version, r.payload.len(), decoded)
            }
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
            Err(Bad::Decode(source)) => {
                let (file, offset) = at();
                Err(JournalFeedError::Decode { file, offset, seq, source })
            }
            Err(Bad::Levels(source)) => {
                let (file, offset) = at();
                Err(JournalFeedError::Levels { file, offset, seq, source })
            }
            Err(Bad::TooMany(levels)) => {
                let (file, offset) = at();
                Err(JournalFeedError::TooManyLevels { file, offset, seq, levels })
            }
        }
    }

    /// True for a record that changes a kept book.
    #[inline(always)]
    fn changes_book(&self, m: &Msg) -> bool {
        !self.books.is_empty() && matches!(m, Msg::Depth(_) | Msg::Book(_))
    }

    /// Apply a depth update or book status to the kept book, as a consumer's own book would.
    fn apply(&mut self, m: &Msg) {
        match m {
            Msg::Depth(d) => {
                let Some(book) = self.books.get_mut(d.inst.index()) else { return self.changes.forget() };
                let (b, a) = self.levels.split_at(d.bids as usize);
                self.changes.apply_depth(book, d.inst, b, a);
                book.set_update_id(d.update_id);
            }
            Msg::Book(s) => {
                let Some(book) = self.books.get_mut(s.inst.index()) else { return self.changes.forget() };
                match s.state {
                    BookState::Gap => self.changes.clear(book, s.inst),
                    BookState::Synced => {
                        self.changes.forget();
                        book.set_update_id(s.update_id);
                    }
                }
            }
            _ => {}
        }
    }

    fn send(&mut self, m: Msg, ctx: &mut Ctx<'_>) {
        self.stats.emitted[m.kind_index()] += 1;
        self.last_ts = m.event_ts();
        if self.changes_book(&m) {
            self.apply(&m);
        }
        let _ = match m {
            Msg::Depth(d) => {
                let (b, a) = self.levels.split_at(d.bids as usize);
                ctx.send_depth(d, b.iter().copied(), a.iter().copied())
            }
            _ => ctx.down(m),
        };
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

    /// First on the chain: it takes no input.
    fn handles(&self) -> Kinds {
        Kinds::NONE
    }

    fn handle(&mut self, _msg: &Msg, _ctx: &mut Ctx<'_>) {}

    fn source(&mut self) -> Option<&mut dyn Source> {
        Some(self)
    }

    /// The books kept with [`JournalFeed::lending_books`], lent to the actors after it on its
    /// thread; a record that changes them goes alone in its poll.
    fn books(&self) -> Option<&dyn Books> {
        (!self.books.is_empty()).then_some(self as &dyn Books)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Books for JournalFeed {
    #[inline]
    fn book(&self, inst: InstrumentId) -> Option<&Book> {
        self.books.get(inst.index())
    }
    #[inline]
    fn replaced(&self, inst: InstrumentId) -> Option<(&[Qty], &[Qty])> {
        self.changes.replaced(inst)
    }
    #[inline]
    fn discarded(&self, inst: InstrumentId) -> Option<alphapulse_runtime::BookLevels<'_>> {
        self.changes.discarded(inst)
    }
}

impl Source for JournalFeed {
    fn poll(&mut self, ctx: &mut Ctx<'_>) -> Poll {
        if self.done {
            return Poll::Done;
        }
        let mut levels = 0;
        for sent in 0..BATCH {
            let next = match self.held.take() {
                Some(m) => Ok(Next::Msg(m)),
                None => self.next(),
            };
            match next {
                Ok(Next::Msg(m)) => {
                    // A lent book must be at the state of the message being handled: a record that
                    // changes it goes alone in its poll (it waits if others went first).
                    let alone = self.changes_book(&m);
                    if alone && sent > 0 {
                        self.held = Some(m);
                        break;
                    }
                    if let Msg::Depth(d) = m {
                        if levels > 0 && levels + d.len() > BATCH_LEVELS {
                            self.held = Some(m); // first in the next poll, when the store is empty
                            break;
                        }
                        levels += d.len();
                    }
                    self.stats.records += 1;
                    self.send(m, ctx);
                    if let Msg::Eos(_) = m {
                        self.done = true;
                        return Poll::Done;
                    }
                    if alone {
                        break;
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
}
