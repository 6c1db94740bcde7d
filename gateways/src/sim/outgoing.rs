//! Execution reports on their way back to the engine: a bounded FIFO, allocated at construction.
//! A report stamped `ts` is sent up when the simulator handles the first message at or after
//! `ts` (event time), so the response latency changes what the router, risk and the strategies
//! know and when; at the end of the stream everything left is sent, in order. Full, the oldest
//! report is sent at once (early, counted): a report is never lost.

use super::stats::SimStats;
use alphapulse_runtime::Ctx;
use alphapulse_types::{ExecReport, Msg};

#[derive(Debug)]
pub(crate) struct Outgoing {
    buf: Vec<ExecReport>,
    head: usize,
    len: usize,
}

impl Outgoing {
    pub fn new(cap: usize) -> Self {
        Outgoing { buf: vec![ExecReport::default(); cap.max(1)], head: 0, len: 0 }
    }
    pub fn len(&self) -> usize {
        self.len
    }

    /// Queue `r` for delivery at `r.ts`.
    #[inline]
    pub fn push(&mut self, r: ExecReport, stats: &mut SimStats, ctx: &mut Ctx<'_>) {
        if self.len == self.buf.len() {
            stats.report_queue_overflows += 1;
            let old = self.buf[self.head];
            self.head = (self.head + 1) % self.buf.len();
            self.len -= 1;
            ctx.up(Msg::Exec(old));
        }
        let i = (self.head + self.len) % self.buf.len();
        self.buf[i] = r;
        self.len += 1;
        stats.max_reports_queued = stats.max_reports_queued.max(self.len as u64);
    }

    /// Send up, in order, the reports due by `t`. A report stamped later stops the walk, so one
    /// stamped earlier behind it waits too (late, never early).
    #[inline]
    pub fn release(&mut self, t: u64, ctx: &mut Ctx<'_>) {
        while self.len > 0 && self.buf[self.head].ts <= t {
            let r = self.buf[self.head];
            self.head = (self.head + 1) % self.buf.len();
            self.len -= 1;
            ctx.up(Msg::Exec(r));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alphapulse_runtime::VecOutbox;

    #[test]
    fn due_in_order_bounded_and_never_lost() {
        let mut q = Outgoing::new(2);
        let mut st = SimStats::default();
        let mut out = VecOutbox::default();
        let r = |ts| ExecReport { ts, ..ExecReport::default() };
        let ts_of = |out: &VecOutbox| -> Vec<u64> {
            out.up.iter().map(|m| if let Msg::Exec(r) = m { r.ts } else { 0 }).collect()
        };
        let mut ctx = Ctx::new(0, &mut out);
        q.push(r(10), &mut st, &mut ctx);
        q.push(r(20), &mut st, &mut ctx);
        q.release(9, &mut ctx);
        q.push(r(30), &mut st, &mut ctx); // full: 10 goes early
        q.release(25, &mut ctx);
        assert_eq!(ts_of(&out), [10, 20]);
        assert_eq!((st.report_queue_overflows, st.max_reports_queued, q.len()), (1, 2, 1));
        let mut ctx = Ctx::new(0, &mut out);
        q.release(u64::MAX, &mut ctx);
        assert_eq!(ts_of(&out), [10, 20, 30]);
    }
}
