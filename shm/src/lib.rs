//! Shared memory for AlphaPulse: the **journal** — memory-mapped, append-only segment files with one
//! writer and any number of readers in any process — and [`alloc_count`], the counting global
//! allocator that every crate's zero-allocation tests use. This crate is where the project's
//! `unsafe` lives, each block with a `// SAFETY:` comment. It knows bytes and records, no trading
//! types.
//!
//! # Format (version 1, little-endian)
//!
//! A **stream** is a folder: `stream.meta` (magic, format version, a random 64-bit stream id),
//! `writer.lock` (the writer's `flock`), and segment files `<first_seq:020>.seg` of a fixed
//! power-of-two size (default 64 MiB). A segment starts with a 64-byte header:
//!
//! | off | field | |
//! |---|---|---|
//! | 0 | magic `APJSEG\0\x01` | |
//! | 8 | format version u32, header length u32 (64) | |
//! | 16 | stream id u64 | must match `stream.meta` |
//! | 24 | segment index u64 | 0, 1, 2, … |
//! | 32 | first sequence u64 | equals the file name |
//! | 40 | segment size u64 | equals the file length |
//! | 48 | sealed end u64 | 0 while active; where data ends once the writer rolled away |
//! | 56 | sealed at (wall ns) u64 | for age-based retention |
//!
//! Records follow, 8-byte aligned: a 32-byte header `{length u32, type u16, version u16, sequence
//! u64, timestamp u64, checksum u32, reserved u32}` and the payload, padded to 8. `length` counts
//! header + payload, so it is never 0 for a written record. Sequences are dense from 0. The
//! checksum ([`checksum`](crate::checksum)) covers length, type, version, sequence, timestamp and
//! payload. When a record does not fit, the writer fills the rest of the segment with a padding
//! record (type `0xFFFF`, sequence = the next sequence) — or leaves fewer than 32 bytes — seals
//! the segment and continues in the next one.
//!
//! # Publish protocol (as in Aeron's log buffers and Chronicle Queue)
//!
//! The writer writes the payload and the header fields, then stores the length word **last** with
//! `Release`. A reader loads the length word with `Acquire`: 0 means "not written yet"; non-zero
//! means every byte of the record is visible. Readers never write, never lock, and never slow the
//! writer. A reader that reaches the end of a segment opens the next one by name; the writer makes
//! a segment visible under its final name (`rename`) only once its header is complete. Segments are
//! created and pre-faulted (volatile page touches) ahead of time by [`Writer::prepare_next`] or a
//! [`Preparer`] on a slow thread; if none is ready at a roll the writer makes one inline and counts
//! it ([`WriterStats::inline_prepares`]).
//!
//! # Crashes and bad bytes
//!
//! A writer killed mid-append leaves at most one unpublished (length 0) record. Reopening
//! ([`Writer::create_or_open`]) walks the last segment, verifying checksums, to the last complete
//! record; bytes after it are a torn record: reported in [`Recovery::torn_at`] and zeroed. A zero
//! or invalid record *followed by valid ones* is a hole, not a tear: reopening refuses it. Readers
//! verify every record and return [`JournalError::Corrupt`] with file and offset for any bad byte
//! they meet (a zero length inside a sealed segment included); a reader that wants a segment
//! removed by retention gets [`JournalError::FellBehind`]. A zeroed region inside the *active*
//! segment looks to a live reader like "not written yet"; the writer's reopen detects it.
//!
//! # Where things live
//!
//! `format` (layout, record checks), `checksum`, `segment` (mapping, pre-faulting, atomic words),
//! `dir` (meta file, names, lock), `writer`, `prepare` (hand-off slot, [`Preparer`]), `recovery`,
//! `reader`, `flusher` ([`Flusher`] for `Durability::EveryMillis`), `retention`, `config`, `error`.
//!
//! ```no_run
//! use alphapulse_shm::{Reader, StreamConfig, Writer};
//! let mut w = Writer::create_or_open("/dev/shm/ap/feed", StreamConfig::default())?;
//! let seq = w.append(1, 1, 123, b"payload")?;
//! let mut r = Reader::open("/dev/shm/ap/feed")?;
//! let rec = r.next()?.expect("published");
//! assert_eq!((rec.seq, rec.payload), (seq, &b"payload"[..]));
//! # Ok::<(), alphapulse_shm::JournalError>(())
//! ```

pub mod alloc_count;
pub mod checksum;
mod config;
mod dir;
mod error;
mod flusher;
mod format;
mod health;
mod prepare;
mod reader;
mod recovery;
mod retention;
mod segment;
pub mod test_scratch;
mod writer;

pub use config::{Durability, Retention, StreamConfig, MAX_SEGMENT_SIZE, MIN_SEGMENT_SIZE};
pub use dir::{read_meta, read_meta_full, Meta, LOCK_FILE, META_FILE};
pub use error::{Corruption, JournalError};
pub use flusher::Flusher;
pub use format::{
    align8, max_payload, End, EndStatus, END_RESERVE, END_TYPE, PADDING_TYPE, RECORD_HEADER, SEGMENT_HEADER,
};
pub use health::{recover, verify, Problem, RecoverReport, StreamState, Verdict};
pub use prepare::Preparer;
pub use reader::{Reader, RecordRef};
pub use recovery::Recovery;
pub use retention::enforce_retention;
pub use writer::{Writer, WriterStats};
