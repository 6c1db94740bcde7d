//! [`Inflater`]: a gzip file decompressed on a thread of its own, ahead of the feed.
//!
//! zlib inflate (and its CRC) is about a third of a one-thread replay's time. Started when the
//! feed opens its inputs, a reader thread per gzip file fills [`CHUNKS`] buffers of [`CHUNK`]
//! bytes and hands them over an SPSC ring (rtrb); the feed reads lines in them where they are
//! ([`Inflater::next_chunk`]: each buffer keeps `head` bytes free in front of its data, where the
//! feed moves the unfinished line of the previous buffer, so nothing is copied but that line) and
//! hands each buffer back through a second ring. The buffers are allocated once, at open, and recycled: the
//! feed's thread allocates nothing to read. A reader whose buffers are all full parks until one
//! comes back (the feed unparks it); the feed, finding no buffer ready, yields until one is (in a
//! replay the reader is the faster of the two, so that happens at the start of a file and almost
//! never after). Dropping the [`Inflater`] stops its thread (it sees the rings abandoned) and
//! joins it.
//!
//! `consumed()` (compressed bytes) runs up to [`CHUNKS`] buffers ahead of the lines returned: it
//! feeds the progress bar only.

use flate2::read::MultiGzDecoder;
use rtrb::{Consumer, Producer, RingBuffer};
use std::fs::File;
use std::io::{self, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// Bytes per buffer.
pub const CHUNK: usize = 256 << 10;
/// Buffers per file (the reader runs at most this far ahead).
pub const CHUNKS: usize = 4;

/// What the reader thread sends: decompressed bytes (`buf[head..end]`), the end, or the error that
/// ended the file.
enum Piece {
    Data(Vec<u8>, usize),
    End,
    Failed(io::ErrorKind, String),
}

/// The feed's side: reads decompressed bytes in order, as `Read` would.
pub(crate) struct Inflater {
    full: Consumer<Piece>,
    empty: Producer<Vec<u8>>,
    /// The buffer being read and the range of it not read yet.
    cur: Option<(Vec<u8>, usize, usize)>,
    /// Bytes kept free in front of the data of every buffer.
    head: usize,
    /// The file's end or error, once seen (returned again on every later read).
    done: Option<Result<(), (io::ErrorKind, String)>>,
    /// Compressed bytes the reader has consumed.
    consumed: Arc<AtomicU64>,
    /// Last: dropped after the rings.
    thread: Joiner,
}

impl Inflater {
    /// Start decompressing `file` (gzip, possibly several members) on a new thread, into buffers
    /// of [`CHUNK`] bytes of data each after `head` free bytes.
    pub(crate) fn start(file: File, head: usize) -> io::Result<Inflater> {
        let (mut empty_tx, empty_rx) = RingBuffer::<Vec<u8>>::new(CHUNKS);
        let (full_tx, full_rx) = RingBuffer::<Piece>::new(CHUNKS + 1);
        for _ in 0..CHUNKS {
            empty_tx.push(vec![0u8; head + CHUNK]).map_err(|_| io::Error::other("inflater ring"))?;
        }
        let consumed = Arc::new(AtomicU64::new(0));
        let counter = consumed.clone();
        let thread = std::thread::Builder::new()
            .name("ap-inflate".into())
            .spawn(move || run(file, head, empty_rx, full_tx, counter))?;
        // Wait for the first buffer: the decoder's state (inflate window, header) is allocated by
        // then, at start-up, not once the replay counts as hot.
        while full_rx.is_empty() && !full_rx.is_abandoned() {
            std::thread::yield_now();
        }
        Ok(Inflater {
            full: full_rx,
            empty: empty_tx,
            cur: None,
            head,
            done: None,
            consumed,
            thread: Joiner(Some(thread)),
        })
    }

    /// Compressed bytes consumed so far (read ahead of the lines returned).
    pub(crate) fn consumed(&self) -> u64 {
        self.consumed.load(Ordering::Relaxed)
    }

    /// Bytes kept free in front of every buffer's data.
    pub(crate) fn head(&self) -> usize {
        self.head
    }

    /// Copy decompressed bytes into `buf`; `Ok(0)` at the end of the file.
    pub(crate) fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if let Some((b, at, end)) = &mut self.cur {
                if *at < *end {
                    let k = (*end - *at).min(buf.len());
                    buf[..k].copy_from_slice(&b[*at..*at + k]);
                    *at += k;
                    return Ok(k);
                }
            }
            if let Some((b, _, _)) = self.cur.take() {
                self.give_back(b);
            }
            match self.next_chunk()? {
                Some((b, end)) => self.cur = Some((b, self.head, end)),
                None => return Ok(0),
            }
        }
    }

    /// The next buffer, whole: its data is `buf[head()..end]`, the bytes before it are free for
    /// the caller. `Ok(None)` at the end of the file; after an error, the same error again. The
    /// buffer goes back with [`Inflater::give_back`] once read.
    pub(crate) fn next_chunk(&mut self) -> io::Result<Option<(Vec<u8>, usize)>> {
        loop {
            match &self.done {
                Some(Ok(())) => return Ok(None),
                Some(Err((kind, msg))) => return Err(io::Error::new(*kind, msg.clone())),
                None => {}
            }
            match self.full.pop() {
                Ok(Piece::Data(b, n)) => return Ok(Some((b, n))),
                Ok(Piece::End) => self.done = Some(Ok(())),
                Ok(Piece::Failed(kind, msg)) => self.done = Some(Err((kind, msg))),
                Err(_) if self.full.is_abandoned() && self.full.is_empty() => {
                    self.done = Some(Err((io::ErrorKind::Other, "the inflate thread stopped".into())))
                }
                Err(_) => std::thread::yield_now(),
            }
        }
    }

    /// Return a buffer of [`Inflater::next_chunk`] for the reader to fill again.
    pub(crate) fn give_back(&mut self, b: Vec<u8>) {
        let _ = self.empty.push(b); // room for every buffer: it came from this ring
        if let Some(t) = &self.thread.0 {
            t.thread().unpark();
        }
    }
}

/// Joins the reader thread when the [`Inflater`] is dropped. It is the struct's last field, so the
/// rings (earlier fields) are dropped first: abandoned, they stop the thread at its next look.
struct Joiner(Option<JoinHandle<()>>);

impl Drop for Joiner {
    fn drop(&mut self) {
        if let Some(t) = self.0.take() {
            t.thread().unpark();
            let _ = t.join();
        }
    }
}

/// The reader thread: fill each free buffer completely (fewer hand-overs), send it, repeat.
fn run(
    file: File,
    head: usize,
    mut empty: Consumer<Vec<u8>>,
    mut full: Producer<Piece>,
    consumed: Arc<AtomicU64>,
) {
    let mut dec = MultiGzDecoder::new(Counting { inner: file, n: &consumed });
    loop {
        let mut buf = loop {
            match empty.pop() {
                Ok(b) => break b,
                Err(_) if empty.is_abandoned() => return,
                Err(_) => std::thread::park_timeout(Duration::from_millis(5)),
            }
        };
        let mut n = head;
        let piece = loop {
            if n == buf.len() {
                break Piece::Data(buf, n);
            }
            match dec.read(&mut buf[n..]) {
                Ok(0) if n > head => break Piece::Data(buf, n),
                Ok(0) => break Piece::End,
                Ok(k) => n += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if n > head => {
                    // Hand over what was read; the error follows.
                    if full.push(Piece::Data(buf, n)).is_err() {
                        return;
                    }
                    break Piece::Failed(e.kind(), e.to_string());
                }
                Err(e) => break Piece::Failed(e.kind(), e.to_string()),
            }
        };
        let last = !matches!(piece, Piece::Data(..));
        if full.push(piece).is_err() {
            return; // the feed is gone
        }
        if last {
            return;
        }
    }
}

/// Counts the compressed bytes read from the file.
struct Counting<'a> {
    inner: File,
    n: &'a AtomicU64,
}

impl Read for Counting<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let k = self.inner.read(buf)?;
        self.n.fetch_add(k as u64, Ordering::Relaxed);
        Ok(k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use flate2::Compression;
    use std::io::Write;

    fn gz(path: &std::path::Path, members: &[&[u8]]) {
        let mut f = File::create(path).unwrap();
        for m in members {
            let mut e = GzEncoder::new(Vec::new(), Compression::fast());
            e.write_all(m).unwrap();
            f.write_all(&e.finish().unwrap()).unwrap();
        }
    }

    fn read_all(mut i: Inflater, step: usize) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        let mut buf = vec![0u8; step];
        loop {
            match i.read(&mut buf)? {
                0 => return Ok(out),
                k => out.extend_from_slice(&buf[..k]),
            }
        }
    }

    #[test]
    fn reads_every_byte_of_every_member_in_order() {
        let dir = alphapulse_shm::test_scratch::root().join(format!("ap-inflate-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("a.gz");
        // Several chunks' worth, in two members, with a pattern that shows any reordering.
        let a: Vec<u8> = (0..3 * CHUNK + 17).map(|i| (i % 251) as u8).collect();
        let b: Vec<u8> = (0..CHUNK / 3).map(|i| (i % 241) as u8).collect();
        gz(&path, &[&a, &b]);
        for step in [1 << 20, 4096, 777] {
            let got = read_all(Inflater::start(File::open(&path).unwrap(), 100).unwrap(), step).unwrap();
            assert_eq!(got.len(), a.len() + b.len(), "step {step}");
            assert!(got[..a.len()] == a[..] && got[a.len()..] == b[..], "step {step}");
        }
        let i = Inflater::start(File::open(&path).unwrap(), 100).unwrap();
        let size = std::fs::metadata(&path).unwrap().len();
        let _ = read_all(i, 4096);
        // Dropped half-way: the thread stops and is joined.
        let mut i = Inflater::start(File::open(&path).unwrap(), 100).unwrap();
        let mut buf = [0u8; 100];
        assert_eq!(i.read(&mut buf).unwrap(), 100);
        assert!(i.consumed() > 0 && i.consumed() <= size);
        drop(i);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_cut_file_ends_with_an_error_after_its_good_bytes() {
        let dir = alphapulse_shm::test_scratch::root().join(format!("ap-inflate-cut-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("cut.gz");
        let a: Vec<u8> = (0..2 * CHUNK).map(|i| (i * 7 % 256) as u8).collect();
        gz(&path, &[&a]);
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        let mut i = Inflater::start(File::open(&path).unwrap(), 100).unwrap();
        let mut buf = vec![0u8; 8192];
        let mut got = 0;
        let err = loop {
            match i.read(&mut buf) {
                Ok(0) => panic!("a cut file must not end cleanly"),
                Ok(k) => {
                    assert_eq!(buf[..k], a[got..got + k]);
                    got += k;
                }
                Err(e) => break e,
            }
        };
        assert!(got > 0, "the good bytes come first");
        assert!(i.read(&mut buf).is_err(), "and the error stays");
        println!("cut after {got} bytes: {err}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
