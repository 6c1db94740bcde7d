//! Gzip integrity check at open (cold path): every member's header, deflate data, CRC-32 and length
//! are verified before any of the file's lines reach the parser.
//!
//! Deflate output after a flipped byte is garbage that the decoder usually cannot tell from data
//! (the sample with one byte flipped at 600,000 decodes ~21,500 garbage lines before the member's
//! CRC fails), so the check has to run to the end of a member before its lines can be trusted. The
//! result is the number of lines that can be: every line of the intact members before the damage,
//! plus, when the file is merely cut, the complete lines decoded before the cut. The replay reads
//! exactly those lines of a damaged file and reports the damage ([`crate::stats::DamagedFile`]).

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

/// What is wrong with a damaged input file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DamageKind {
    /// The file ends inside a gzip member (its header, data or trailer): it was cut.
    Truncated,
    /// Bytes where a gzip member header should start are not one.
    BadHeader,
    /// The deflate data does not decode.
    CorruptData,
    /// A member decoded, but its CRC-32 does not match its trailer: its content is garbage somewhere.
    CrcMismatch,
    /// A member decoded, but its length does not match its trailer.
    LengthMismatch,
    /// Reading the file failed (I/O error, or a decoder error found while replaying).
    ReadError,
}

impl DamageKind {
    pub const ALL: [DamageKind; 6] = [
        DamageKind::Truncated,
        DamageKind::BadHeader,
        DamageKind::CorruptData,
        DamageKind::CrcMismatch,
        DamageKind::LengthMismatch,
        DamageKind::ReadError,
    ];
    /// Stable snake_case name (JSON `error`).
    pub const fn name(self) -> &'static str {
        match self {
            DamageKind::Truncated => "truncated",
            DamageKind::BadHeader => "bad_gzip_header",
            DamageKind::CorruptData => "corrupt_deflate_data",
            DamageKind::CrcMismatch => "crc_mismatch",
            DamageKind::LengthMismatch => "length_mismatch",
            DamageKind::ReadError => "read_error",
        }
    }
    /// What it means, for a person.
    pub const fn describe(self) -> &'static str {
        match self {
            DamageKind::Truncated => "the file ends inside a gzip member (cut short)",
            DamageKind::BadHeader => "not a gzip member header",
            DamageKind::CorruptData => "corrupt deflate data",
            DamageKind::CrcMismatch => "CRC-32 mismatch: the member's content is corrupt",
            DamageKind::LengthMismatch => "length mismatch: the member's content is corrupt",
            DamageKind::ReadError => "read error",
        }
    }
}

/// Where a file is damaged, and how many of its lines can be trusted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Damage {
    /// Compressed byte offset where the damage was detected.
    pub(crate) offset: u64,
    pub(crate) kind: DamageKind,
    /// Lines (newline-terminated) before the damage that decode from intact data.
    pub(crate) good_lines: u64,
}

/// A damaged input file, as the replay met it: counted in [`crate::FeedStats::damaged`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DamagedFile {
    /// Index into [`crate::FeedStats::files`].
    pub file: u32,
    /// Compressed byte offset where the damage was detected (for plain text: bytes read).
    pub offset: u64,
    /// Lines of the file that were read (and parsed) before the damage; the rest was skipped.
    pub lines_read: u64,
    pub kind: DamageKind,
}

/// Buffered reading with the file offset of the next byte.
struct In {
    f: File,
    buf: Vec<u8>,
    pos: usize,
    len: usize,
    /// File offset of `buf[pos]`.
    off: u64,
}

impl In {
    fn fill(&mut self) -> io::Result<bool> {
        if self.pos < self.len {
            return Ok(true);
        }
        self.pos = 0;
        self.len = loop {
            match self.f.read(&mut self.buf) {
                Ok(k) => break k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        };
        Ok(self.len > 0)
    }
    fn byte(&mut self) -> io::Result<Option<u8>> {
        if !self.fill()? {
            return Ok(None);
        }
        let b = self.buf[self.pos];
        self.pos += 1;
        self.off += 1;
        Ok(Some(b))
    }
    fn bytes<const N: usize>(&mut self) -> io::Result<Option<[u8; N]>> {
        let mut out = [0u8; N];
        for o in &mut out {
            match self.byte()? {
                Some(b) => *o = b,
                None => return Ok(None),
            }
        }
        Ok(Some(out))
    }
    fn skip_zero_terminated(&mut self) -> io::Result<bool> {
        loop {
            match self.byte()? {
                Some(0) => return Ok(true),
                Some(_) => {}
                None => return Ok(false),
            }
        }
    }
}

enum Header {
    Ok,
    Eof,
    Truncated,
    Bad,
}

fn header(r: &mut In) -> io::Result<Header> {
    let Some(id1) = r.byte()? else { return Ok(Header::Eof) };
    if id1 != 0x1f {
        return Ok(Header::Bad);
    }
    let Some([id2, cm, flg]) = r.bytes::<3>()? else {
        return Ok(Header::Truncated);
    };
    if id2 != 0x8b || cm != 8 || flg & 0xe0 != 0 {
        return Ok(Header::Bad);
    }
    if r.bytes::<6>()?.is_none() {
        return Ok(Header::Truncated); // MTIME, XFL, OS
    }
    if flg & 0x04 != 0 {
        let Some(xlen) = r.bytes::<2>()? else { return Ok(Header::Truncated) };
        for _ in 0..u16::from_le_bytes(xlen) {
            if r.byte()?.is_none() {
                return Ok(Header::Truncated);
            }
        }
    }
    for bit in [0x08, 0x10] {
        if flg & bit != 0 && !r.skip_zero_terminated()? {
            return Ok(Header::Truncated);
        }
    }
    if flg & 0x02 != 0 && r.bytes::<2>()?.is_none() {
        return Ok(Header::Truncated);
    }
    Ok(Header::Ok)
}

#[inline]
fn count_nl(b: &[u8]) -> u64 {
    b.iter().filter(|&&c| c == b'\n').count() as u64
}

/// Verify every gzip member of `path`. `Ok(None)`: intact, or not gzip (no magic bytes: not checked).
pub(crate) fn verify(path: &Path) -> io::Result<Option<Damage>> {
    let mut magic = [0u8; 2];
    let mut f = File::open(path)?;
    let mut got = 0;
    while got < 2 {
        match f.read(&mut magic[got..])? {
            0 => break,
            k => got += k,
        }
    }
    if got < 2 || magic != [0x1f, 0x8b] {
        return Ok(None);
    }
    f.seek(SeekFrom::Start(0))?;
    let mut r = In { f, buf: vec![0u8; 256 << 10], pos: 0, len: 0, off: 0 };
    let mut out = vec![0u8; 256 << 10];
    let mut lines_before: u64 = 0;
    let mut members = 0u64;
    loop {
        let member_start = r.off;
        let damage = |offset, kind, good_lines| Ok(Some(Damage { offset, kind, good_lines }));
        match header(&mut r)? {
            Header::Ok => {}
            Header::Eof if members > 0 => return Ok(None),
            Header::Eof | Header::Truncated => return damage(r.off, DamageKind::Truncated, lines_before),
            Header::Bad => return damage(member_start, DamageKind::BadHeader, lines_before),
        }
        members += 1;
        let mut z = flate2::Decompress::new(false);
        let mut crc = flate2::Crc::new();
        let mut lines: u64 = 0;
        loop {
            if !r.fill()? {
                // Cut inside the deflate data: what decoded so far is intact.
                return damage(r.off, DamageKind::Truncated, lines_before + lines);
            }
            let (in0, out0) = (z.total_in(), z.total_out());
            let res = z.decompress(&r.buf[r.pos..r.len], &mut out, flate2::FlushDecompress::None);
            let used = (z.total_in() - in0) as usize;
            let made = (z.total_out() - out0) as usize;
            r.pos += used;
            r.off += used as u64;
            crc.update(&out[..made]);
            lines += count_nl(&out[..made]);
            match res {
                Ok(flate2::Status::StreamEnd) => break,
                Ok(_) => {}
                Err(_) => return damage(r.off, DamageKind::CorruptData, lines_before),
            }
        }
        let trailer_at = r.off;
        let Some(t) = r.bytes::<8>()? else {
            // Every byte of data decoded, but the trailer that would verify it is cut.
            return damage(r.off, DamageKind::Truncated, lines_before + lines);
        };
        let want_crc = u32::from_le_bytes([t[0], t[1], t[2], t[3]]);
        let want_len = u32::from_le_bytes([t[4], t[5], t[6], t[7]]);
        if want_crc != crc.sum() {
            return damage(trailer_at, DamageKind::CrcMismatch, lines_before);
        }
        if want_len != z.total_out() as u32 {
            return damage(trailer_at, DamageKind::LengthMismatch, lines_before);
        }
        lines_before += lines;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn check(bytes: &[u8], name: &str) -> Option<Damage> {
        let p =
            alphapulse_shm::test_scratch::root().join(format!("ap-gzcheck-{}-{name}", std::process::id()));
        std::fs::write(&p, bytes).unwrap();
        let r = verify(&p).unwrap();
        let _ = std::fs::remove_file(&p);
        r
    }

    #[test]
    fn members_truncation_and_crc() {
        let text: Vec<u8> = (0..5000).flat_map(|i| format!("{i} line {}\n", i * 7919).into_bytes()).collect();
        let one = gz(&text);
        assert_eq!(check(&one, "ok"), None);
        let two = [one.clone(), gz(b"a\nb\n")].concat();
        assert_eq!(check(&two, "two"), None);
        // Second member cut in its trailer: all of its data decoded.
        let cut = &two[..two.len() - 3];
        let d = check(cut, "cut").unwrap();
        assert_eq!((d.kind, d.good_lines, d.offset), (DamageKind::Truncated, 5002, cut.len() as u64));
        // CRC of the first member flipped: nothing is trusted.
        let mut bad = two.clone();
        bad[one.len() - 8] ^= 1;
        let d = check(&bad, "crc").unwrap();
        assert_eq!((d.kind, d.good_lines, d.offset), (DamageKind::CrcMismatch, 0, one.len() as u64 - 8));
        // Trailing garbage after intact members.
        let d = check(&[two.clone(), b"xx".to_vec()].concat(), "trail").unwrap();
        assert_eq!((d.kind, d.good_lines, d.offset), (DamageKind::BadHeader, 5002, two.len() as u64));
        assert_eq!(check(&one[..5], "hdr").unwrap().kind, DamageKind::Truncated);
    }
}
