//! The bounded order table: resting orders in preallocated slots, an arrival-ordered list of the
//! live ones (time priority when several fill on one event), and an index from `OrderId` to slot
//! ([`IdMap`], one entry per slot). Nothing here allocates after [`OrderTable::new`].

use alphapulse_types::{IdMap, OrderId, OrderNew, Qty};

/// A resting order.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Working {
    pub order: OrderNew,
    /// Quantity still open.
    pub leaves: Qty,
    /// Displayed quantity ahead of the order at its price (market orders that were there first).
    pub queue_ahead: Qty,
    /// False while the queue ahead is unknown (the order rested on an unusable book).
    pub queue_known: bool,
    /// Opposite quantity displayed at or better than the order's price at the last look (see
    /// `resting.rs`): only quantity beyond it is new and may fill the order.
    pub cross_seen: Qty,
}

/// Resting orders, bounded by the capacity given at construction.
#[derive(Debug)]
pub(crate) struct OrderTable {
    slots: Vec<Working>,
    free: Vec<u32>,
    /// Live slots in arrival order.
    active: Vec<u32>,
    index: IdMap<u32>,
}

impl OrderTable {
    pub fn new(cap: usize) -> Self {
        let cap = cap.max(1);
        OrderTable {
            slots: vec![Working::default(); cap],
            free: (0..cap as u32).rev().collect(),
            active: Vec::with_capacity(cap),
            index: IdMap::with_capacity(cap),
        }
    }
    pub fn len(&self) -> usize {
        self.active.len()
    }
    pub fn is_full(&self) -> bool {
        self.free.is_empty()
    }
    pub fn contains(&self, id: OrderId) -> bool {
        self.index.contains_key(id.0)
    }
    /// Add a resting order; `false` (nothing changed) when full or the id is already live.
    pub fn insert(&mut self, w: Working) -> bool {
        let Some(&slot) = self.free.last() else { return false };
        // The index has one entry per slot: with a slot free it has room.
        if self.index.insert_new(w.order.order_id.0, slot) != Ok(true) {
            return false;
        }
        self.free.pop();
        self.slots[slot as usize] = w;
        self.active.push(slot);
        true
    }
    /// Remove by id, returning the order.
    pub fn remove(&mut self, id: OrderId) -> Option<Working> {
        let slot = self.index.remove(id.0)?;
        if let Some(pos) = self.active.iter().position(|&s| s == slot) {
            self.active.remove(pos);
        }
        self.free.push(slot);
        Some(self.slots[slot as usize])
    }
    /// The `pos`-th live order in arrival order.
    #[inline]
    pub fn nth_mut(&mut self, pos: usize) -> Option<&mut Working> {
        let slot = *self.active.get(pos)?;
        self.slots.get_mut(slot as usize)
    }
    /// Remove the `pos`-th live order (arrival order of the rest is kept).
    pub fn remove_nth(&mut self, pos: usize) {
        if pos < self.active.len() {
            let slot = self.active.remove(pos);
            let id = self.slots[slot as usize].order.order_id;
            self.index.remove(id.0);
            self.free.push(slot);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn w(id: u64) -> Working {
        Working { order: OrderNew { order_id: OrderId(id), ..OrderNew::default() }, ..Working::default() }
    }

    proptest! {
        /// The table agrees with a BTreeMap model under random inserts and removes.
        #[test]
        fn matches_model(ops in proptest::collection::vec((any::<bool>(), 0u64..40), 0..300)) {
            let mut t = OrderTable::new(16);
            let mut model = BTreeMap::new();
            for (ins, id) in ops {
                if ins {
                    let ok = t.insert(w(id));
                    let want = !model.contains_key(&id) && model.len() < 16;
                    prop_assert_eq!(ok, want);
                    if ok { model.insert(id, ()); }
                } else {
                    prop_assert_eq!(t.remove(OrderId(id)).is_some(), model.remove(&id).is_some());
                }
                prop_assert_eq!(t.len(), model.len());
                for id in 0..40 {
                    prop_assert_eq!(t.contains(OrderId(id)), model.contains_key(&id));
                }
            }
        }
    }

    #[test]
    fn keeps_arrival_order() {
        let mut t = OrderTable::new(4);
        for id in [5, 6, 7] {
            assert!(t.insert(w(id)));
        }
        t.remove_nth(1);
        assert_eq!(t.nth_mut(1).unwrap().order.order_id, OrderId(7));
        assert!(t.insert(w(8)));
        assert!(t.insert(w(9)));
        assert!(t.is_full());
        assert!(!t.insert(w(10)));
        assert_eq!(t.nth_mut(3).unwrap().order.order_id, OrderId(9));
    }
}
