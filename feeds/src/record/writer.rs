//! [`Recorder`]: the writer thread. It takes records off the ring, routes each to its output
//! (a symbol's file, or the events file), writes `<local_ts> <bytes>\n` lines, ends a gzip member
//! every `member_every`, and at finish drains the ring, ends every member and fsyncs every file.

use super::output::{Folder, Output};
use super::summary::{OutputCount, RecordStats, RecordSummary, Shared};
use super::tap::{Header, RecordTap, HEADER, KIND_FRAME, KIND_SNAPSHOT};
use super::{RecordError, RecordOptions};
use rtrb::Consumer;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long the writer sleeps when the ring is empty.
const IDLE: Duration = Duration::from_millis(1);
/// Records written between two looks at the clock.
const BATCH: usize = 256;
/// The stream-name prefix a routable frame starts with.
const STREAM: &[u8] = br#"{"stream":""#;

/// Flags the [`Recorder`] handle sets for its thread.
#[derive(Debug, Default)]
pub(crate) struct Control {
    stop: AtomicBool,
    pause: AtomicBool,
    paused: AtomicBool,
}

/// The handle of the writer thread (see [`super::start`]).
pub struct Recorder {
    shared: Arc<Shared>,
    control: Arc<Control>,
    thread: Option<JoinHandle<RecordSummary>>,
}

impl Recorder {
    pub(crate) fn spawn(
        opts: RecordOptions,
        ring: Consumer<u8>,
        shared: Arc<Shared>,
    ) -> Result<Self, RecordError> {
        let control = Arc::new(Control::default());
        let w = Writer::new(opts, ring, shared.clone(), control.clone());
        let thread = std::thread::Builder::new()
            .name("ap-record".into())
            .spawn(move || w.run())
            .map_err(|e| RecordError::Start { what: "the writer thread", source: e })?;
        Ok(Recorder { shared, control, thread: Some(thread) })
    }

    /// The counters now (relaxed atomics; any thread, any time).
    pub fn stats(&self) -> RecordStats {
        self.shared.snapshot()
    }

    /// Stop taking records off the ring (they wait there, and the tap drops what does not fit)
    /// and return once the writer thread has stopped. For tests of a stalled writer, or an operator
    /// who must hold writes for a moment.
    pub fn pause(&self) {
        self.control.pause.store(true, Ordering::Release);
        while !self.control.paused.load(Ordering::Acquire) && !self.finished() {
            std::thread::sleep(IDLE);
        }
    }

    /// Take records off the ring again after [`Self::pause`].
    pub fn resume(&self) {
        self.control.pause.store(false, Ordering::Release);
    }

    fn finished(&self) -> bool {
        self.thread.as_ref().is_none_or(JoinHandle::is_finished)
    }

    /// Stop: drain the ring, end every member, fsync and close every file, join the thread.
    /// `tap` is consumed so that nothing is added meanwhile. Returns the summary, or
    /// [`RecordError::Failed`] (with the summary) when a write failed.
    pub fn finish(self, tap: RecordTap) -> Result<RecordSummary, RecordError> {
        drop(tap);
        self.close()
    }

    /// [`Recorder::finish`] when the tap was dropped already (it lived in a live feed that is
    /// gone): drain the ring, end every member, fsync and close every file, join the thread.
    pub fn close(mut self) -> Result<RecordSummary, RecordError> {
        self.control.pause.store(false, Ordering::Release);
        self.control.stop.store(true, Ordering::Release);
        let h = self.thread.take().ok_or(RecordError::WriterPanicked)?;
        let summary = h.join().map_err(|_| RecordError::WriterPanicked)?;
        if summary.stats.errors > 0 {
            return Err(RecordError::Failed(Box::new(summary)));
        }
        Ok(summary)
    }
}

impl Drop for Recorder {
    /// Without [`Recorder::finish`]: the thread still drains the ring and closes its files.
    fn drop(&mut self) {
        self.control.pause.store(false, Ordering::Release);
        self.control.stop.store(true, Ordering::Release);
        if let Some(h) = self.thread.take() {
            let _ = h.join();
        }
    }
}

struct Writer {
    opts: RecordOptions,
    ring: Consumer<u8>,
    shared: Arc<Shared>,
    control: Arc<Control>,
    /// One per symbol, then the events output.
    outputs: Vec<Output>,
    folder: Folder,
}

impl Writer {
    fn new(opts: RecordOptions, ring: Consumer<u8>, shared: Arc<Shared>, control: Arc<Control>) -> Self {
        let outputs = opts
            .symbols
            .iter()
            .map(String::as_str)
            .chain([super::EVENTS])
            .map(|p| Output::new(p.to_string(), opts.level))
            .collect();
        let folder = Folder {
            dir: opts.out_dir.clone(),
            rotation: opts.rotation,
            shared: shared.clone(),
            failures: Vec::new(),
        };
        Writer { opts, ring, shared, control, outputs, folder }
    }

    fn run(mut self) -> RecordSummary {
        loop {
            if self.control.pause.load(Ordering::Acquire) && !self.control.stop.load(Ordering::Acquire) {
                self.control.paused.store(true, Ordering::Release);
                std::thread::sleep(IDLE);
                continue;
            }
            self.control.paused.store(false, Ordering::Release);
            // Read `stop` before draining: whatever the tap added before `finish` is in the ring.
            let stop = self.control.stop.load(Ordering::Acquire) || self.ring.is_abandoned();
            let mut n = 0;
            let now = Instant::now();
            while n < BATCH && self.one(now) {
                n += 1;
            }
            let every = self.opts.member_every;
            for o in &mut self.outputs {
                o.tick(&mut self.folder, now, every);
            }
            if n == 0 {
                if stop {
                    break;
                }
                std::thread::sleep(IDLE);
            }
        }
        self.finish()
    }

    /// Write the next record if a complete one is in the ring (`now`: the time of this batch).
    fn one(&mut self, now: Instant) -> bool {
        let mut hb = [0u8; HEADER];
        match self.ring.read_chunk(HEADER) {
            Ok(c) => {
                let (a, b) = c.as_slices();
                hb[..a.len()].copy_from_slice(a);
                hb[a.len()..].copy_from_slice(b);
            }
            Err(_) => return false,
        }
        let h = Header::decode(&hb);
        let Ok(chunk) = self.ring.read_chunk(HEADER + h.len as usize) else {
            return false; // the tap is between the header and the body
        };
        let (a, b) = chunk.as_slices();
        let (a, b) = if a.len() >= HEADER { (&a[HEADER..], b) } else { (&[][..], &b[HEADER - a.len()..]) };
        self.shared.records.fetch_add(1, Ordering::Relaxed);
        let events = self.outputs.len() - 1;
        let target = match h.kind {
            KIND_SNAPSHOT => Some(h.sym as usize).filter(|&s| s < events),
            KIND_FRAME => Some(route(&self.opts.symbols, a, b).unwrap_or(events)),
            _ => None,
        };
        let writable = !(a.is_empty() && b.is_empty())
            && memchr::memchr(b'\n', a).is_none()
            && memchr::memchr(b'\n', b).is_none();
        match target {
            Some(t) if writable => {
                if t == events {
                    self.shared.unroutable.fetch_add(1, Ordering::Relaxed);
                }
                let o = &mut self.outputs[t];
                if h.kind == KIND_SNAPSHOT {
                    o.snapshots += 1;
                } else {
                    o.frames += 1;
                }
                let mut digits = [0u8; 21];
                let ts = decimal(h.local_ts, &mut digits);
                o.line(&mut self.folder, h.local_ts, &[ts, a, b, b"\n"], now);
            }
            _ => {
                self.shared.refused.fetch_add(1, Ordering::Relaxed);
            }
        }
        chunk.commit_all();
        true
    }

    fn finish(mut self) -> RecordSummary {
        for o in &mut self.outputs {
            o.close(&mut self.folder);
        }
        let mut files = Vec::new();
        let mut outputs = Vec::new();
        for o in &mut self.outputs {
            files.append(&mut o.files);
            outputs.push(OutputCount {
                prefix: o.prefix().to_string(),
                frames: o.frames,
                snapshots: o.snapshots,
                lost: o.lost,
            });
        }
        RecordSummary { files, outputs, stats: self.shared.snapshot(), failures: self.folder.failures }
    }
}

/// The symbol a frame's stream names (`{"stream":"<symbol>@…`), by index into `symbols`; the frame's
/// bytes are `a` then `b` (the ring may wrap inside it).
fn route(symbols: &[String], a: &[u8], b: &[u8]) -> Option<usize> {
    let mut head = [0u8; 64];
    let n = head.len().min(a.len() + b.len());
    let from_a = n.min(a.len());
    head[..from_a].copy_from_slice(&a[..from_a]);
    head[from_a..n].copy_from_slice(&b[..n - from_a]);
    let rest = head[..n].strip_prefix(STREAM)?;
    let at = rest.iter().position(|&c| c == b'@')?;
    let name = &rest[..at];
    symbols.iter().position(|s| s.as_bytes().eq_ignore_ascii_case(name))
}

/// `v` in decimal followed by a space, in `buf`.
fn decimal(mut v: u64, buf: &mut [u8; 21]) -> &[u8] {
    let mut i = buf.len() - 1;
    buf[i] = b' ';
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            return &buf[i..];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_by_stream_name() {
        let syms = ["btcusdt".to_string(), "ethusdt".to_string()];
        let f = br#"{"stream":"ethusdt@depth@100ms","data":{}}"#;
        for cut in 0..f.len() {
            assert_eq!(route(&syms, &f[..cut], &f[cut..]), Some(1), "{cut}");
        }
        assert_eq!(route(&syms, br#"{"stream":"BTCUSDT@trade","data":{}}"#, b""), Some(0));
        assert_eq!(route(&syms, br#"{"stream":"!serverShutdown","data":{}}"#, b""), None);
        assert_eq!(route(&syms, br#"{"result":null,"id":1}"#, b""), None);
        assert_eq!(route(&syms, br#"{"stream":"btcusdtx@trade"}"#, b""), None);
        let mut buf = [0u8; 21];
        assert_eq!(decimal(0, &mut buf), b"0 ");
        assert_eq!(decimal(u64::MAX, &mut buf), b"18446744073709551615 ");
        assert_eq!(decimal(1_723_161_253_937_085_768, &mut buf), b"1723161253937085768 ");
    }
}
