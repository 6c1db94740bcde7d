//! Bounded line reading over a (gzip or plain) file: one buffer allocated at open and reused for
//! every line and every later file of the same source; no allocation per line.

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
    /// Open `f` for the replay: gzip is decompressed ahead on its own thread.
    pub(crate) fn open_ahead(mut f: File) -> io::Result<Input> {
        Ok(if is_gzip(&mut f)? {
            Input::Ahead(crate::inflate::Inflater::start(f)?)
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

/// Reads lines into one fixed buffer. `line_no` is the 1-based number of the last line returned.
pub(crate) struct LineReader {
    input: Option<Input>,
    pub(crate) buf: Vec<u8>,
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
        LineReader {
            input: None,
            buf: vec![0u8; max_line.max(64) + (64 << 10)],
            start: 0,
            end: 0,
            scan: 0,
            eof: true,
            discarding: false,
            line_no: 0,
        }
    }

    /// Start reading `input` from its first line (reusing the buffer).
    pub(crate) fn reset(&mut self, input: Input) {
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
        self.input = None;
        self.eof = true;
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
                if self.discarding {
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
                    return LineEvent::Line(s, trim_cr(&self.buf, s, e));
                }
                if self.discarding {
                    self.discarding = false;
                    self.line_no += 1;
                    return LineEvent::TooLong;
                }
                return LineEvent::Eof;
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

/// Position of the first `\n`, eight bytes at a time.
#[inline]
fn find_nl(hay: &[u8]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    const NL: u64 = LO * b'\n' as u64;
    let mut chunks = hay.chunks_exact(8);
    let mut off = 0;
    for c in &mut chunks {
        let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]) ^ NL;
        let z = w.wrapping_sub(LO) & !w & HI;
        if z != 0 {
            return Some(off + (z.trailing_zeros() / 8) as usize);
        }
        off += 8;
    }
    chunks.remainder().iter().position(|&b| b == b'\n').map(|p| off + p)
}

#[cfg(test)]
mod tests {
    use super::*;

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
