//! Orders and cancels in flight between the gateway and the matching engine: a bounded FIFO ring,
//! allocated at construction.

use alphapulse_types::{OrderCancel, OrderNew};

/// What is in flight.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Op {
    New(OrderNew),
    Cancel(OrderCancel),
}

/// One in-flight request and when it reaches the engine.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Pending {
    pub arrive: u64,
    pub op: Op,
}

/// A fixed-capacity FIFO holding up to `cap` new orders, and cancels up to `2 × cap` requests in
/// all: the second half is reserved for cancels, so that a burst of orders never locks out the
/// cancels that would pull them.
#[derive(Debug)]
pub(crate) struct PendingQueue {
    buf: Vec<Pending>,
    head: usize,
    len: usize,
    new_cap: usize,
}

impl PendingQueue {
    pub fn new(cap: usize) -> Self {
        let filler = Pending { arrive: 0, op: Op::New(OrderNew::default()) };
        let cap = cap.max(1);
        PendingQueue { buf: vec![filler; 2 * cap], head: 0, len: 0, new_cap: cap }
    }
    pub fn len(&self) -> usize {
        self.len
    }
    /// Append; gives the request back when full (for its kind).
    pub fn push(&mut self, p: Pending) -> Result<(), Pending> {
        let cap = match p.op {
            Op::New(_) => self.new_cap,
            Op::Cancel(_) => self.buf.len(),
        };
        if self.len >= cap {
            return Err(p);
        }
        let i = (self.head + self.len) % self.buf.len();
        self.buf[i] = p;
        self.len += 1;
        Ok(())
    }
    /// True when the oldest request has reached the engine by `t`.
    pub fn has_due(&self, t: u64) -> bool {
        self.len > 0 && self.buf[self.head].arrive <= t
    }
    /// Pop the oldest request if it has reached the engine by `t`.
    pub fn pop_due(&mut self, t: u64) -> Option<Pending> {
        if self.len == 0 || self.buf[self.head].arrive > t {
            return None;
        }
        let p = self.buf[self.head];
        self.head = (self.head + 1) % self.buf.len();
        self.len -= 1;
        Some(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifo_bounded_and_due() {
        let mut q = PendingQueue::new(2);
        let p = |arrive| Pending { arrive, op: Op::New(OrderNew::default()) };
        let c = |arrive| Pending { arrive, op: Op::Cancel(Default::default()) };
        q.push(p(10)).unwrap();
        q.push(p(20)).unwrap();
        assert!(q.push(p(30)).is_err());
        q.push(c(21)).unwrap();
        q.push(c(22)).unwrap();
        assert!(q.push(c(23)).is_err());
        assert_eq!(q.len(), 4);
        assert!(q.pop_due(9).is_none());
        assert_eq!(q.pop_due(15).unwrap().arrive, 10);
        assert!(q.pop_due(15).is_none());
        assert!(q.push(p(30)).is_err(), "three requests in flight: no room for orders");
        q.push(c(30)).unwrap(); // wraps
        for want in [20, 21, 22, 30] {
            assert_eq!(q.pop_due(u64::MAX).unwrap().arrive, want);
        }
        assert_eq!(q.len(), 0);
    }
}
