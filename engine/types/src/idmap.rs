//! [`IdMap`]: a bounded `u64 → V` map for order ids, allocated once.
//!
//! One map serves the router's order index (`alphapulse-oms`), risk's open orders
//! (`alphapulse-risk`) and the simulated exchange's resting orders (`alphapulse-gateways`).
//!
//! - **Bounded.** The capacity (entries) is fixed by [`IdMap::with_capacity`]; the table behind it
//!   has at least twice as many slots (a power of two, at least 8), so it is at most half full and
//!   every probe ends at an empty slot. Adding a key to a full map is an [`IdMapFull`] error for the
//!   caller to count; nothing allocates, grows or panics after construction, and the table's pages
//!   are touched at construction ([`crate::mem::prefault`]), so the hot path takes no page fault.
//! - **Open addressing, linear probing, backward-shift deletion.** A removal moves the later
//!   entries of its cluster back into the hole instead of leaving a tombstone, so a long run of
//!   inserts and removes never degrades the probes and the map never needs rehashing.
//! - **Any `u64` key.** Slot key 0 marks an empty slot; the entry of key 0 (if any) is kept in
//!   one extra slot past the table.
//! - **Hash.** Fibonacci hashing: the top bits of `key · 2⁶⁴/φ` select the home slot (one
//!   multiplication; every key bit reaches the top bits). Sequential ids land with no collision
//!   at all, and ids built as `high part << n | sequence` (a strategy and its intent sequence)
//!   spread as well as random keys do (`hash_spreads_engine_id_shapes` in the tests; the former
//!   tables took bits 32 and up of the product, which a high part at bit 48 never reaches: 16
//!   strategies' ids piled into one cluster). Its weak shape is an arithmetic progression whose
//!   step is a large Fibonacci number (the product's top bits then barely move); no id here has
//!   that shape.
//!
//! ```
//! use alphapulse_types::IdMap;
//! let mut m: IdMap<u32> = IdMap::with_capacity(2);
//! assert_eq!(m.insert(7, 70), Ok(None));
//! assert_eq!(m.insert(7, 71), Ok(Some(70)), "replaces");
//! assert_eq!(m.insert_new(0, 1), Ok(true), "key 0 is a key like any other");
//! assert!(m.insert(9, 90).is_err(), "full: refused, nothing changed");
//! assert_eq!(m.remove(7), Some(71));
//! assert_eq!((m.get(0), m.get(7), m.len()), (Some(&1), None, 1));
//! ```

use thiserror::Error;

/// A key could not be added: the map holds `capacity` entries already.
#[derive(Clone, Copy, Debug, Error, PartialEq, Eq)]
#[error("id map full ({capacity} entries): key {key} refused")]
pub struct IdMapFull {
    pub key: u64,
    pub capacity: usize,
}

/// Multiplier of Fibonacci hashing: 2⁶⁴ divided by the golden ratio, odd.
const PHI: u64 = 0x9E37_79B9_7F4A_7C15;

/// Slot key of an empty slot (key 0 itself lives in the extra slot past the table).
const EMPTY: u64 = 0;

#[derive(Clone, Copy, Debug, Default)]
struct Slot<V> {
    key: u64,
    val: V,
}

/// A bounded open-addressing map from `u64` keys to `Copy` values; see the [module](self) docs.
#[derive(Clone, Debug)]
pub struct IdMap<V> {
    /// The table (`mask + 1` slots, a power of two), then one slot for key 0, which probes
    /// never reach.
    slots: Vec<Slot<V>>,
    zero_held: bool,
    mask: usize,
    /// 64 − log2(table size): the home slot is the product's top bits.
    shift: u32,
    len: usize,
    capacity: usize,
}

impl<V: Copy + Default> IdMap<V> {
    /// Room for `capacity` entries, allocated (and its pages touched) now.
    ///
    /// # Panics
    /// If the table size (twice `capacity`, a power of two) overflows `usize`; like
    /// `Vec::with_capacity`, an allocation that cannot be made aborts.
    pub fn with_capacity(capacity: usize) -> Self {
        let n = capacity
            .checked_mul(2)
            .and_then(|n| n.max(8).checked_next_power_of_two())
            .expect("IdMap capacity overflows usize");
        IdMap {
            slots: crate::mem::prefaulted(n + 1),
            zero_held: false,
            mask: n - 1,
            shift: 64 - n.trailing_zeros(),
            len: 0,
            capacity,
        }
    }

    /// The slot where the search for `key` starts.
    #[inline(always)]
    fn home(&self, key: u64) -> usize {
        (key.wrapping_mul(PHI) >> self.shift) as usize
    }

    /// `Ok(slot holding key)` or `Err(slot where key would go)`: the empty slot that ends its
    /// probe, or for key 0 the extra slot.
    #[inline]
    fn find(&self, key: u64) -> Result<usize, usize> {
        if key == 0 {
            let z = self.mask + 1;
            return if self.zero_held { Ok(z) } else { Err(z) };
        }
        let mut i = self.home(key);
        loop {
            match self.slots[i].key {
                k if k == key => return Ok(i),
                EMPTY => return Err(i),
                _ => i = (i + 1) & self.mask,
            }
        }
    }

    /// The value of `key`.
    #[inline]
    pub fn get(&self, key: u64) -> Option<&V> {
        self.find(key).ok().map(|i| &self.slots[i].val)
    }

    /// The value of `key`, to change in place.
    #[inline]
    pub fn get_mut(&mut self, key: u64) -> Option<&mut V> {
        let i = self.find(key).ok()?;
        Some(&mut self.slots[i].val)
    }

    #[inline]
    pub fn contains_key(&self, key: u64) -> bool {
        self.find(key).is_ok()
    }

    /// Set `key` to `val`, returning the value it replaced. A new key needs room: in a full map
    /// it is refused and nothing changes.
    #[inline]
    pub fn insert(&mut self, key: u64, val: V) -> Result<Option<V>, IdMapFull> {
        match self.find(key) {
            Ok(i) => Ok(Some(core::mem::replace(&mut self.slots[i].val, val))),
            Err(i) => self.put(i, key, val).map(|()| None),
        }
    }

    /// Add `key` only if it is absent: `Ok(false)` (nothing changed) if it is held already.
    #[inline]
    pub fn insert_new(&mut self, key: u64, val: V) -> Result<bool, IdMapFull> {
        match self.find(key) {
            Ok(_) => Ok(false),
            Err(i) => self.put(i, key, val).map(|()| true),
        }
    }

    /// Put an absent `key` into the free slot `i` that [`IdMap::find`] gave for it.
    #[inline]
    fn put(&mut self, i: usize, key: u64, val: V) -> Result<(), IdMapFull> {
        if self.len >= self.capacity {
            return Err(IdMapFull { key, capacity: self.capacity });
        }
        self.slots[i] = Slot { key, val };
        self.zero_held |= key == 0;
        self.len += 1;
        Ok(())
    }

    /// Remove `key`, returning its value.
    #[inline]
    pub fn remove(&mut self, key: u64) -> Option<V> {
        let i = self.find(key).ok()?;
        let val = self.slots[i].val;
        if key == 0 {
            self.zero_held = false;
            self.slots[i] = Slot::default();
        } else {
            self.shift_back(i);
        }
        self.len -= 1;
        Some(val)
    }

    /// Empty the table slot `hole`: move later entries of its cluster back into it (each one
    /// whose home does not lie cyclically in `(hole, j]`, so that it stays reachable from its
    /// home), then clear the last slot moved from.
    fn shift_back(&mut self, mut hole: usize) {
        let mut j = hole;
        loop {
            j = (j + 1) & self.mask;
            let k = self.slots[j].key;
            if k == EMPTY {
                break;
            }
            let from_home = j.wrapping_sub(self.home(k)) & self.mask;
            let from_hole = j.wrapping_sub(hole) & self.mask;
            if from_home >= from_hole {
                self.slots[hole] = self.slots[j];
                hole = j;
            }
        }
        self.slots[hole] = Slot::default();
    }

    /// Entries held.
    #[inline(always)]
    pub fn len(&self) -> usize {
        self.len
    }

    #[inline(always)]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Entries the map can hold (fixed at construction).
    #[inline(always)]
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// True when a new key would be refused.
    #[inline(always)]
    pub fn is_full(&self) -> bool {
        self.len >= self.capacity
    }

    /// Every entry, key 0 first, then in table order (not insertion order). For reports and
    /// tests: a scan of the whole table.
    pub fn iter(&self) -> impl Iterator<Item = (u64, &V)> {
        let (table, zero) = self.slots.split_at(self.mask + 1);
        let zero = zero.iter().filter(|_| self.zero_held).map(|s| (0, &s.val));
        zero.chain(table.iter().filter(|s| s.key != EMPTY).map(|s| (s.key, &s.val)))
    }
}

#[cfg(test)]
#[path = "idmap_tests.rs"]
mod tests;
