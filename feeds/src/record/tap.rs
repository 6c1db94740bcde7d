//! [`RecordTap`]: the hot thread's side of the recorder. Each call copies one record (a 16-byte
//! header and the bytes) into the SPSC byte ring; nothing allocates, locks or blocks. A record that
//! does not fit is not recorded and is counted.

use super::Shared;
use rtrb::Producer;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// Bytes of a record header in the ring: kind, pad, symbol (u16), length (u32), local time (u64).
pub(crate) const HEADER: usize = 16;
/// Record kind: a raw stream frame, routed by its stream name.
pub(crate) const KIND_FRAME: u8 = 1;
/// Record kind: a REST depth snapshot body of the symbol in the header.
pub(crate) const KIND_SNAPSHOT: u8 = 2;

/// A record header, as it travels in the ring.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) kind: u8,
    pub(crate) sym: u16,
    pub(crate) len: u32,
    pub(crate) local_ts: u64,
}

impl Header {
    pub(crate) fn encode(&self) -> [u8; HEADER] {
        let mut b = [0u8; HEADER];
        b[0] = self.kind;
        b[2..4].copy_from_slice(&self.sym.to_le_bytes());
        b[4..8].copy_from_slice(&self.len.to_le_bytes());
        b[8..16].copy_from_slice(&self.local_ts.to_le_bytes());
        b
    }
    pub(crate) fn decode(b: &[u8; HEADER]) -> Header {
        Header {
            kind: b[0],
            sym: u16::from_le_bytes([b[2], b[3]]),
            len: u32::from_le_bytes([b[4], b[5], b[6], b[7]]),
            local_ts: u64::from_le_bytes([b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]]),
        }
    }
}

/// The hot thread's handle: hands raw frames and snapshots to the writer thread (see
/// [`super::start`]). Allocation-free, lock-free and non-blocking; `Send`, not shared.
pub struct RecordTap {
    ring: Producer<u8>,
    shared: Arc<Shared>,
    symbols: u16,
    dropped: u64,
}

impl RecordTap {
    pub(crate) fn new(ring: Producer<u8>, shared: Arc<Shared>, symbols: u16) -> Self {
        RecordTap { ring, shared, symbols, dropped: 0 }
    }

    /// A raw stream frame received at `local_ts` (ns since the Unix epoch), recorded exactly as
    /// given. The writer thread routes it by its stream name (`{"stream":"<symbol>@…` → that
    /// symbol's file; anything else → the events file). Returns false when it does not fit in the
    /// ring (full, or larger than the ring): it is NOT recorded, and counted in [`Self::dropped`].
    #[inline]
    pub fn frame(&mut self, local_ts: u64, bytes: &[u8]) -> bool {
        self.push(KIND_FRAME, 0, local_ts, bytes)
    }

    /// A REST depth snapshot body of symbol number `sym` (an index into
    /// [`super::RecordOptions::symbols`]), received at `local_ts`. Returns false (not recorded,
    /// counted as dropped) when the ring has no room or `sym` is not a symbol's index.
    #[inline]
    pub fn snapshot(&mut self, sym: u16, local_ts: u64, body: &[u8]) -> bool {
        if sym >= self.symbols {
            return self.drop_one();
        }
        self.push(KIND_SNAPSHOT, sym, local_ts, body)
    }

    /// Records not recorded so far (ring full, too large, or an unknown symbol index).
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    #[inline]
    fn push(&mut self, kind: u8, sym: u16, local_ts: u64, bytes: &[u8]) -> bool {
        let Ok(len) = u32::try_from(bytes.len()) else {
            return self.drop_one();
        };
        if self.ring.slots() < HEADER + bytes.len() {
            return self.drop_one();
        }
        let header = Header { kind, sym, len, local_ts }.encode();
        // Both fit (checked above, and only this thread adds): the pushes cannot fail. The writer
        // waits for the whole record before it reads one.
        let pushed = self.ring.push_entire_slice(&header).and_then(|()| self.ring.push_entire_slice(bytes));
        debug_assert!(pushed.is_ok());
        true
    }

    #[cold]
    fn drop_one(&mut self) -> bool {
        self.dropped += 1;
        self.shared.dropped.fetch_add(1, Ordering::Relaxed);
        false
    }
}

/// The live feed hands every raw frame and snapshot to the recorder through this.
impl crate::live::FrameTap for RecordTap {
    #[inline]
    fn frame(&mut self, local_ts: u64, bytes: &[u8]) {
        RecordTap::frame(self, local_ts, bytes);
    }
    #[inline]
    fn snapshot(&mut self, sym: u16, local_ts: u64, body: &[u8]) {
        RecordTap::snapshot(self, sym, local_ts, body);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips() {
        let h = Header { kind: KIND_SNAPSHOT, sym: 513, len: 70_000, local_ts: 1_723_161_253_937_085_768 };
        assert_eq!(Header::decode(&h.encode()), h);
    }
}
