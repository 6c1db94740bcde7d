//! [`OpenOrders`]: orders risk approved that are not yet terminal, keyed by their `OrderId`, with
//! their unfilled quantity and the per-instrument, per-side sums that the position check reads.
//!
//! Order ids: the aggregator gives every intent its order id (`Intent::intent_id`, strategy id
//! in the high bits); the order manager and the gateway use it unchanged, so risk keys the order
//! by it when it approves (nothing is predicted). An order the order manager could not create
//! (table full) comes back as `ExecKind::Rejected` under the same id. A report for an id risk
//! does not hold is counted, not guessed at.
//!
//! Storage: open addressing with linear probing and backward-shift deletion, sized to at least
//! twice the open-order limit, allocated once.

use alphapulse_types::{InstrumentId, OrderId, Qty, Side};

#[derive(Clone, Copy, Debug, Default)]
struct Slot {
    /// 0 = empty (order ids start at 1).
    id: u64,
    remaining: i64,
    inst: u32,
    side: Side,
}

/// Open orders and their unfilled quantities.
#[derive(Clone, Debug)]
pub struct OpenOrders {
    slots: Vec<Slot>,
    mask: usize,
    len: u32,
    /// Unfilled quantity per instrument, `[buy, sell]`.
    open_qty: Vec<[i64; 2]>,
}

#[inline(always)]
fn side_ix(s: Side) -> usize {
    match s {
        Side::Buy => 0,
        Side::Sell => 1,
    }
}

impl OpenOrders {
    /// Room for `max_open` orders over `n_instruments` instruments.
    pub fn new(max_open: u32, n_instruments: usize) -> Self {
        let cap = (max_open as usize * 2).max(8).next_power_of_two();
        OpenOrders {
            slots: vec![Slot::default(); cap],
            mask: cap - 1,
            len: 0,
            open_qty: vec![[0; 2]; n_instruments],
        }
    }

    #[inline(always)]
    fn home(&self, id: u64) -> usize {
        (id.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize & self.mask
    }

    fn find(&self, id: u64) -> Option<usize> {
        let mut i = self.home(id);
        loop {
            let s = self.slots[i].id;
            if s == id {
                return Some(i);
            }
            if s == 0 {
                return None;
            }
            i = (i + 1) & self.mask;
        }
    }

    /// Add an approved order. False (nothing stored) if `id` is 0 or already held, or the
    /// table is at half its capacity (cannot happen while `max_open_orders` is enforced).
    pub fn insert(&mut self, id: OrderId, inst: InstrumentId, side: Side, qty: Qty) -> bool {
        if id.0 == 0 || self.len as usize * 2 >= self.slots.len() || self.find(id.0).is_some() {
            return false;
        }
        let mut i = self.home(id.0);
        while self.slots[i].id != 0 {
            i = (i + 1) & self.mask;
        }
        self.slots[i] = Slot { id: id.0, remaining: qty.raw().max(0), inst: inst.0, side };
        self.len += 1;
        if let Some(q) = self.open_qty.get_mut(inst.index()) {
            q[side_ix(side)] += qty.raw().max(0);
        }
        true
    }

    /// A fill of `qty`: reduces what is open; the order is gone once nothing is left.
    /// False if the order is not held.
    pub fn fill(&mut self, id: OrderId, qty: Qty) -> bool {
        let Some(i) = self.find(id.0) else { return false };
        let s = &mut self.slots[i];
        let take = qty.raw().clamp(0, s.remaining);
        s.remaining -= take;
        let (inst, side, left) = (s.inst as usize, s.side, s.remaining);
        if let Some(q) = self.open_qty.get_mut(inst) {
            q[side_ix(side)] -= take;
        }
        if left == 0 {
            self.remove_at(i);
        }
        true
    }

    /// The order ended (cancelled or rejected): its rest is no longer open. False if not held.
    pub fn close(&mut self, id: OrderId) -> bool {
        let Some(i) = self.find(id.0) else { return false };
        self.remove_at(i);
        true
    }

    fn remove_at(&mut self, mut i: usize) {
        let s = self.slots[i];
        if let Some(q) = self.open_qty.get_mut(s.inst as usize) {
            q[side_ix(s.side)] -= s.remaining;
        }
        self.len -= 1;
        // Backward-shift deletion keeps every probe chain unbroken without tombstones.
        let mut j = i;
        loop {
            j = (j + 1) & self.mask;
            let id = self.slots[j].id;
            if id == 0 {
                break;
            }
            let h = self.home(id);
            // Move j into the hole at i unless its home lies cyclically in (i, j].
            let stays = if i <= j { i < h && h <= j } else { i < h || h <= j };
            if !stays {
                self.slots[i] = self.slots[j];
                i = j;
            }
        }
        self.slots[i] = Slot::default();
    }

    /// Number of open orders.
    #[inline(always)]
    pub fn len(&self) -> u32 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Unfilled quantity of open orders for `inst` on `side`.
    #[inline(always)]
    pub fn open_qty(&self, inst: InstrumentId, side: Side) -> Qty {
        Qty(self.open_qty.get(inst.index()).map_or(0, |q| q[side_ix(side)]))
    }

    /// Unfilled quantity of one order, if held.
    pub fn remaining(&self, id: OrderId) -> Option<Qty> {
        self.find(id.0).map(|i| Qty(self.slots[i].remaining))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    proptest! {
        /// The table agrees with a HashMap model under random inserts, fills and closes.
        #[test]
        fn matches_hashmap_model(ops in proptest::collection::vec((0u8..3, 1u64..40, 1i64..5), 1..300)) {
            let mut t = OpenOrders::new(16, 2);
            let mut m: HashMap<u64, (i64, u32, Side)> = HashMap::new();
            for (op, id, q) in ops {
                let inst = (id % 2) as u32;
                let side = if id % 3 == 0 { Side::Sell } else { Side::Buy };
                match op {
                    0 => {
                        let ok = t.insert(OrderId(id), InstrumentId(inst), side, Qty(q));
                        let want = !m.contains_key(&id) && m.len() < 16;
                        prop_assert_eq!(ok, want);
                        if want { m.insert(id, (q, inst, side)); }
                    }
                    1 => {
                        prop_assert_eq!(t.fill(OrderId(id), Qty(q)), m.contains_key(&id));
                        if let Some(e) = m.get_mut(&id) {
                            e.0 -= q.min(e.0);
                            if e.0 == 0 { m.remove(&id); }
                        }
                    }
                    _ => prop_assert_eq!(t.close(OrderId(id)), m.remove(&id).is_some()),
                }
                prop_assert_eq!(t.len() as usize, m.len());
                for (k, v) in &m {
                    prop_assert_eq!(t.remaining(OrderId(*k)), Some(Qty(v.0)));
                }
                for inst in 0..2u32 {
                    for side in [Side::Buy, Side::Sell] {
                        let want: i64 = m.values().filter(|v| v.1 == inst && v.2 == side).map(|v| v.0).sum();
                        prop_assert_eq!(t.open_qty(InstrumentId(inst), side), Qty(want));
                    }
                }
            }
        }
    }
}
