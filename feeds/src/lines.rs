//! Bounded line reading over a (gzip or plain) file: one buffer allocated at open and reused for
//! every line and every later file of the same source; no allocation per line. Gzip inflated ahead
//! (`crate::inflate`) is read in the inflater's own buffers, in place: only a line cut by the end of
//! a buffer is moved (into the free head of the next one).

use flate2::read::MultiGzDecoder;
use std::fs::File;
use std::io::{self, Read};

/// A reader that counts the bytes it hands out (compressed bytes for gzip input).
pub(crate) struct Counted<R> {
    inner: R,
    pub(crate) n: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let k = self.inner.read(buf)?;
        self.n += k as u64;
        Ok(k)
    }
}

/// An open input file.
pub(crate) enum Input {
    Gz(Box<MultiGzDecoder<Counted<File>>>),
    /// Gzip decompressed ahead on a thread of its own (see `crate::inflate`).
    Ahead(crate::inflate::Inflater),
    Plain(Counted<File>),
}

impl Input {
    /// Open `f` for the replay: gzip is decompressed ahead on its own thread, for a
    /// [`LineReader`] of lines up to `max_line` bytes.
    pub(crate) fn open_ahead(mut f: File, max_line: usize) -> io::Result<Input> {
        Ok(if is_gzip(&mut f)? {
            Input::Ahead(crate::inflate::Inflater::start(f, LineReader::limit_for(max_line))?)
        } else {
            Input::Plain(Counted { inner: f, n: 0 })
        })
    }
    /// Open `f`, detecting gzip by its magic bytes (decompressed on the calling thread).
    pub(crate) fn open(mut f: File) -> io::Result<Input> {
        let gz = is_gzip(&mut f)?;
        let c = Counted { inner: f, n: 0 };
        Ok(if gz { Input::Gz(Box::new(MultiGzDecoder::new(c))) } else { Input::Plain(c) })
    }
    /// File bytes consumed so far (compressed for gzip).
    pub(crate) fn consumed(&self) -> u64 {
        match self {
            Input::Gz(g) => g.get_ref().n,
            Input::Ahead(a) => a.consumed(),
            Input::Plain(c) => c.n,
        }
    }
    pub(crate) fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Input::Gz(g) => g.read(buf),
            Input::Ahead(a) => a.read(buf),
            Input::Plain(c) => c.read(buf),
        }
    }
}

/// True if `f` starts with the gzip magic bytes; `f` is left at its start.
fn is_gzip(f: &mut File) -> io::Result<bool> {
    use std::io::{Seek, SeekFrom};
    let mut magic = [0u8; 2];
    let mut got = 0;
    while got < 2 {
        match f.read(&mut magic[got..])? {
            0 => break,
            k => got += k,
        }
    }
    f.seek(SeekFrom::Start(0))?;
    Ok(got == 2 && magic == [0x1f, 0x8b])
}

/// What [`LineReader::next`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LineEvent {
    /// A line at `buf[start..end]` (newline and a trailing `\r` excluded).
    Line(usize, usize),
    /// A line longer than the buffer, skipped whole.
    TooLong,
    /// The input failed (I/O error, corrupt or cut gzip); the rest of the file is skipped.
    /// `line_no` stays at the last line returned.
    Failed,
    /// End of input.
    Eof,
}

/// Reads lines into one fixed buffer, or (gzip inflated ahead) in the inflater's buffers. A line of
/// `limit` bytes or more is [`LineEvent::TooLong`]. `line_no` is the 1-based number of the last
/// line returned.
pub(crate) struct LineReader {
    input: Option<Input>,
    /// Where the lines are: the reader's own buffer, or an inflater's buffer while one is held.
    pub(crate) buf: Vec<u8>,
    /// The reader's own buffer while `buf` is an inflater's.
    spare: Option<Vec<u8>>,
    limit: usize,
    start: usize,
    end: usize,
    scan: usize,
    eof: bool,
    discarding: bool,
    pub(crate) line_no: u64,
}

impl LineReader {
    /// A reader whose lines may be up to `max_line` bytes.
    pub(crate) fn new(max_line: usize) -> Self {
        let limit = Self::limit_for(max_line);
        LineReader {
            input: None,
            buf: vec![0u8; limit],
            spare: None,
            limit,
            start: 0,
            end: 0,
            scan: 0,
            eof: true,
            discarding: false,
            line_no: 0,
        }
    }

    /// Lines of this many bytes or more are too long, for lines of up to `max_line` bytes (the
    /// own buffer's size; an inflater keeps this much free in front of its data).
    pub(crate) fn limit_for(max_line: usize) -> usize {
        max_line.max(64) + (64 << 10)
    }

    /// Start reading `input` from its first line (reusing the buffer).
    pub(crate) fn reset(&mut self, input: Input) {
        self.release();
        self.input = Some(input);
        self.start = 0;
        self.end = 0;
        self.scan = 0;
        self.eof = false;
        self.discarding = false;
        self.line_no = 0;
    }

    /// Drop the current input (its bytes are then accounted by the caller).
    pub(crate) fn close(&mut self) {
        self.release();
        self.input = None;
        self.eof = true;
    }

    /// Take the own buffer back, returning a held inflater buffer to its inflater.
    fn release(&mut self) {
        if let Some(own) = self.spare.take() {
            let held = std::mem::replace(&mut self.buf, own);
            if let Some(Input::Ahead(inf)) = self.input.as_mut() {
                inf.give_back(held);
            }
            (self.start, self.end, self.scan) = (0, 0, 0);
        }
    }

    /// Gzip inflated ahead: hold the inflater's next buffer, the unfinished line (shorter than
    /// `limit`, else it is being discarded) moved into the free head in front of its data. `Some`
    /// when the input failed.
    fn refill_ahead(&mut self) -> Option<LineEvent> {
        let Some(Input::Ahead(inf)) = self.input.as_mut() else {
            self.eof = true;
            return None;
        };
        let mut keep = self.end - self.start;
        if self.discarding {
            keep = 0;
        } else if keep >= self.limit {
            self.discarding = true;
            keep = 0;
        }
        match inf.next_chunk() {
            Ok(Some((mut chunk, end))) => {
                let h = inf.head();
                chunk[h - keep..h].copy_from_slice(&self.buf[self.end - keep..self.end]);
                let old = std::mem::replace(&mut self.buf, chunk);
                match self.spare {
                    None => self.spare = Some(old),
                    Some(_) => inf.give_back(old),
                }
                (self.start, self.scan, self.end) = (h - keep, h, end);
                None
            }
            Ok(None) => {
                self.eof = true;
                None
            }
            Err(_) => {
                self.eof = true;
                (self.start, self.end, self.scan) = (self.end, self.end, self.end);
                Some(LineEvent::Failed)
            }
        }
    }

    /// Bytes of the current file consumed so far.
    pub(crate) fn consumed(&self) -> u64 {
        self.input.as_ref().map_or(0, Input::consumed)
    }

    /// The next line.
    pub(crate) fn next(&mut self) -> LineEvent {
        loop {
            if let Some(p) = find_nl(&self.buf[self.scan..self.end]) {
                let (s, e) = (self.start, self.scan + p);
                self.start = e + 1;
                self.scan = self.start;
                self.line_no += 1;
                if self.discarding || e - s >= self.limit {
                    self.discarding = false;
                    return LineEvent::TooLong;
                }
                return LineEvent::Line(s, trim_cr(&self.buf, s, e));
            }
            self.scan = self.end;
            if self.eof {
                if self.start < self.end && !self.discarding {
                    let (s, e) = (self.start, self.end);
                    self.start = self.end;
                    self.line_no += 1;
                    if e - s >= self.limit {
                        return LineEvent::TooLong;
                    }
                    return LineEvent::Line(s, trim_cr(&self.buf, s, e));
                }
                if self.discarding {
                    self.discarding = false;
                    self.line_no += 1;
                    return LineEvent::TooLong;
                }
                return LineEvent::Eof;
            }
            if matches!(self.input, Some(Input::Ahead(_))) {
                if let Some(failed) = self.refill_ahead() {
                    return failed;
                }
                continue;
            }
            if self.discarding {
                (self.start, self.end, self.scan) = (0, 0, 0);
            } else if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.scan -= self.start;
                self.start = 0;
            }
            if self.end == self.buf.len() {
                self.discarding = true;
                (self.start, self.end, self.scan) = (0, 0, 0);
            }
            let Some(input) = self.input.as_mut() else {
                self.eof = true;
                continue;
            };
            match input.read(&mut self.buf[self.end..]) {
                Ok(0) => self.eof = true,
                Ok(k) => self.end += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => {
                    self.eof = true;
                    (self.start, self.end, self.scan) = (0, 0, 0);
                    return LineEvent::Failed;
                }
            }
        }
    }
}

#[inline]
fn trim_cr(buf: &[u8], s: usize, e: usize) -> usize {
    if e > s && buf[e - 1] == b'\r' {
        e - 1
    } else {
        e
    }
}

/// Position of the first `\n` (SSE2/AVX2, `memchr`).
#[inline]
fn find_nl(hay: &[u8]) -> Option<usize> {
    memchr::memchr(b'\n', hay)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every event of `r` until the end: lines as their bytes, with `line_no` after each.
    fn events(mut r: LineReader) -> Vec<(Option<Vec<u8>>, &'static str, u64)> {
        let mut out = Vec::new();
        loop {
            let ev = r.next();
            let (bytes, what) = match ev {
                LineEvent::Line(s, e) => (Some(r.buf[s..e].to_vec()), "line"),
                LineEvent::TooLong => (None, "too long"),
                LineEvent::Failed => (None, "failed"),
                LineEvent::Eof => (None, "eof"),
            };
            out.push((bytes, what, r.line_no));
            if matches!(ev, LineEvent::Eof | LineEvent::Failed) {
                return out;
            }
        }
    }

    /// Lines read in place from the inflater's buffers are exactly the lines read through the own
    /// buffer from the plain file: lengths around the limit and the buffer size, lines longer than
    /// a whole buffer, CRLF, empty lines, with and without a final newline.
    #[test]
    fn in_place_gzip_lines_match_plain_reading() {
        use flate2::write::GzEncoder;
        use std::io::Write;
        let dir = alphapulse_shm::test_scratch::root().join(format!("ap-lines-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let max_line = 100;
        let limit = LineReader::limit_for(max_line);
        let chunk = crate::inflate::CHUNK;
        let lens = [
            0,
            1,
            7,
            300,
            limit - 2,
            limit - 1,
            limit,
            limit + 1,
            chunk - 5,
            chunk + limit,
            3 * chunk,
            2 * limit,
        ];
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for seed in 0..6 {
            let mut text = Vec::new();
            for i in 0..40 + seed * 7 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let len = if x.is_multiple_of(3) {
                    lens[(x >> 8) as usize % lens.len()]
                } else {
                    (x >> 20) as usize % 5000
                };
                text.extend((0..len).map(|k| b'a' + ((k + i) % 26) as u8));
                text.extend_from_slice(if x.is_multiple_of(5) { b"\r\n" } else { b"\n" });
            }
            if seed % 2 == 1 {
                text.extend_from_slice(b"last line without a newline");
            }
            let plain = dir.join(format!("{seed}.txt"));
            let gz = dir.join(format!("{seed}.gz"));
            std::fs::write(&plain, &text).unwrap();
            let mut e = GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(&text).unwrap();
            std::fs::write(&gz, e.finish().unwrap()).unwrap();
            let read = |path: &std::path::Path| {
                let input = Input::open_ahead(File::open(path).unwrap(), max_line).unwrap();
                let mut r = LineReader::new(max_line);
                r.reset(input);
                events(r)
            };
            assert!(matches!(
                Input::open_ahead(File::open(&gz).unwrap(), max_line).unwrap(),
                Input::Ahead(_)
            ));
            let (want, got) = (read(&plain), read(&gz));
            assert!(want.iter().any(|e| e.1 == "too long"), "seed {seed}: the text must have too-long lines");
            assert_eq!(want.len(), got.len(), "seed {seed}");
            for (k, (w, g)) in want.iter().zip(&got).enumerate() {
                assert_eq!(w, g, "seed {seed}, event {k}");
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn find_nl_matches_naive() {
        let data = b"abcdefghij\nklmnopqrstuvwxyz0123456789\n\n";
        for s in 0..data.len() {
            assert_eq!(find_nl(&data[s..]), data[s..].iter().position(|&b| b == b'\n'));
        }
        assert_eq!(find_nl(&[0x8a, 0x0a]), Some(1));
        assert_eq!(find_nl(&[0x0b; 17]), None);
    }
}
