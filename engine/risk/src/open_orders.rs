//! [`OpenOrders`]: orders risk approved that are not yet terminal, keyed by their `OrderId`, with
//! their unfilled quantity and the per-instrument, per-side sums that the position check reads.
//!
//! Order ids: the aggregator gives every intent its order id (`Intent::intent_id`, strategy id
//! in the high bits); the order manager and the gateway use it unchanged, so risk keys the order
//! by it when it approves (nothing is predicted). An order the order manager could not create
//! (table full) comes back as `ExecKind::Rejected` under the same id. A report for an id risk
//! does not hold is counted, not guessed at.
//!
//! Storage: an [`IdMap`] with room for `max_open_orders` orders, allocated once.

use alphapulse_types::{IdMap, InstrumentId, OrderId, Qty, Side};

/// What risk keeps of one open order.
#[derive(Clone, Copy, Debug, Default)]
struct Open {
    remaining: i64,
    inst: u32,
    side: Side,
}

/// Open orders and their unfilled quantities.
#[derive(Clone, Debug)]
pub struct OpenOrders {
    orders: IdMap<Open>,
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
        OpenOrders { orders: IdMap::with_capacity(max_open as usize), open_qty: vec![[0; 2]; n_instruments] }
    }

    /// Add an approved order. False (nothing stored) if `id` is 0 or already held, or
    /// `max_open` orders are held (cannot happen while `max_open_orders` is enforced).
    pub fn insert(&mut self, id: OrderId, inst: InstrumentId, side: Side, qty: Qty) -> bool {
        let remaining = qty.raw().max(0);
        if id.0 == 0 || self.orders.insert_new(id.0, Open { remaining, inst: inst.0, side }) != Ok(true) {
            return false;
        }
        if let Some(q) = self.open_qty.get_mut(inst.index()) {
            q[side_ix(side)] += remaining;
        }
        true
    }

    /// A fill of `qty`: reduces what is open; the order is gone once nothing is left.
    /// False if the order is not held.
    pub fn fill(&mut self, id: OrderId, qty: Qty) -> bool {
        let Some(o) = self.orders.get_mut(id.0) else { return false };
        let take = qty.raw().clamp(0, o.remaining);
        o.remaining -= take;
        let (inst, side, left) = (o.inst as usize, o.side, o.remaining);
        if let Some(q) = self.open_qty.get_mut(inst) {
            q[side_ix(side)] -= take;
        }
        if left == 0 {
            self.orders.remove(id.0);
        }
        true
    }

    /// The order ended (cancelled or rejected): its rest is no longer open. False if not held.
    pub fn close(&mut self, id: OrderId) -> bool {
        let Some(o) = self.orders.remove(id.0) else { return false };
        if let Some(q) = self.open_qty.get_mut(o.inst as usize) {
            q[side_ix(o.side)] -= o.remaining;
        }
        true
    }

    /// Number of open orders.
    #[inline(always)]
    pub fn len(&self) -> u32 {
        self.orders.len() as u32
    }

    pub fn is_empty(&self) -> bool {
        self.orders.is_empty()
    }

    /// Unfilled quantity of open orders for `inst` on `side`.
    #[inline(always)]
    pub fn open_qty(&self, inst: InstrumentId, side: Side) -> Qty {
        Qty(self.open_qty.get(inst.index()).map_or(0, |q| q[side_ix(side)]))
    }

    /// Unfilled quantity of one order, if held.
    pub fn remaining(&self, id: OrderId) -> Option<Qty> {
        self.orders.get(id.0).map(|o| Qty(o.remaining))
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
