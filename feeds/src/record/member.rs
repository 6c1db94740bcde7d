//! [`MemberWriter`]: one output file written as a sequence of complete gzip members (RFC 1952),
//! with one reused deflate state and buffers (the writer thread's side; not hot).
//!
//! Lines are staged, deflated in batches of [`STAGE`] bytes, and the compressed bytes go to the
//! file when [`OUT`] bytes are pending and when a member ends ([`MemberWriter::end_member`]),
//! which writes the member's trailer (CRC-32 and length) and hands everything to the OS. A file cut
//! anywhere (a crash) holds complete members, then at most one partial member whose decodable
//! prefix the replay's gzip check reads up to its last complete line.

use flate2::{Compress, Compression, Crc, FlushCompress, Status};
use std::fs::File;
use std::io::{self, Write};

/// Bytes of lines staged before they are deflated.
pub(crate) const STAGE: usize = 64 << 10;
/// Compressed bytes kept before they are written to the file.
pub(crate) const OUT: usize = 128 << 10;

/// Gzip member header: magic, deflate, no flags, no mtime, no extra flags, OS "unknown".
const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];

/// Writes gzip members into a file; the file is given per [`MemberWriter::open`].
pub(crate) struct MemberWriter {
    z: Compress,
    crc: Crc,
    stage: Vec<u8>,
    out: Vec<u8>,
    file: Option<File>,
    /// A member is open (its header is written).
    in_member: bool,
    /// Compressed bytes handed to the file so far (this file).
    pub(crate) written: u64,
    /// Members completed (this file).
    pub(crate) members: u64,
}

impl MemberWriter {
    /// A writer at gzip `level` (0..=9); allocates its state and buffers once.
    pub(crate) fn new(level: u32) -> Self {
        MemberWriter {
            z: Compress::new(Compression::new(level), false),
            crc: Crc::new(),
            stage: Vec::with_capacity(STAGE + 4096),
            out: Vec::with_capacity(OUT + 4096),
            file: None,
            in_member: false,
            written: 0,
            members: 0,
        }
    }

    /// Start writing into `file` (after [`Self::close`] of the previous one).
    pub(crate) fn open(&mut self, file: File) {
        self.file = Some(file);
        self.written = 0;
        self.members = 0;
        self.in_member = false;
        self.stage.clear();
        self.out.clear();
    }

    /// A member is open (lines were added since the last [`Self::end_member`]).
    pub(crate) fn in_member(&self) -> bool {
        self.in_member
    }

    /// Append the pieces of one line (the caller includes its `\n`), opening a member if none is.
    pub(crate) fn add(&mut self, pieces: &[&[u8]]) -> io::Result<()> {
        if !self.in_member {
            self.z.reset();
            self.crc.reset();
            self.out.extend_from_slice(&HEADER);
            self.in_member = true;
        }
        for p in pieces {
            self.stage.extend_from_slice(p);
        }
        if self.stage.len() >= STAGE {
            self.deflate(FlushCompress::None)?;
        }
        Ok(())
    }

    /// Close the open member (if any): deflate what is staged, write the trailer, and write every
    /// pending byte to the file.
    pub(crate) fn end_member(&mut self) -> io::Result<()> {
        if !self.in_member {
            return Ok(());
        }
        self.deflate(FlushCompress::Finish)?;
        self.out.extend_from_slice(&self.crc.sum().to_le_bytes());
        self.out.extend_from_slice(&self.crc.amount().to_le_bytes());
        self.in_member = false;
        self.members += 1;
        self.write_out()
    }

    /// End the member, fsync and release the file.
    pub(crate) fn close(&mut self) -> io::Result<()> {
        let ended = self.end_member();
        let synced = match self.file.take() {
            Some(f) => f.sync_all(),
            None => Ok(()),
        };
        ended.and(synced)
    }

    /// Drop the file without writing anything more (after an error).
    pub(crate) fn abandon(&mut self) {
        self.file = None;
        self.in_member = false;
        self.stage.clear();
        self.out.clear();
    }

    /// Deflate the staged bytes into `out` (to the end of the member with `Finish`).
    fn deflate(&mut self, flush: FlushCompress) -> io::Result<()> {
        self.crc.update(&self.stage);
        let mut pos = 0;
        loop {
            if self.out.capacity() - self.out.len() < 1024 {
                self.write_out()?;
            }
            let before = self.z.total_in();
            let status = self
                .z
                .compress_vec(&self.stage[pos..], &mut self.out, flush)
                .map_err(|e| io::Error::other(format!("deflate: {e}")))?;
            pos += (self.z.total_in() - before) as usize;
            let done = match flush {
                FlushCompress::Finish => status == Status::StreamEnd,
                _ => pos == self.stage.len(),
            };
            if done {
                break;
            }
        }
        self.stage.clear();
        if self.out.len() >= OUT {
            self.write_out()?;
        }
        Ok(())
    }

    fn write_out(&mut self) -> io::Result<()> {
        if self.out.is_empty() {
            return Ok(());
        }
        let f = self.file.as_mut().ok_or_else(|| io::Error::other("no file open"))?;
        f.write_all(&self.out)?;
        self.written += self.out.len() as u64;
        self.out.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn members_decode_and_pass_the_check() {
        let p =
            alphapulse_shm::test_scratch::root().join(format!("ap-record-member-{}.gz", std::process::id()));
        let mut w = MemberWriter::new(6);
        w.open(File::create(&p).unwrap());
        let mut want = Vec::new();
        for m in 0..3 {
            for i in 0..20_000u32 {
                let line = format!("{i} member {m} {}\n", i.wrapping_mul(2_654_435_761));
                w.add(&[line.as_bytes()]).unwrap();
                want.extend_from_slice(line.as_bytes());
            }
            w.end_member().unwrap();
        }
        w.end_member().unwrap(); // nothing open: no empty member
        assert_eq!(w.members, 3);
        w.close().unwrap();
        let mut got = Vec::new();
        flate2::read::MultiGzDecoder::new(File::open(&p).unwrap()).read_to_end(&mut got).unwrap();
        assert_eq!(got, want);
        assert_eq!(crate::gzcheck::verify(&p).unwrap(), None);
        let _ = std::fs::remove_file(&p);
    }
}
