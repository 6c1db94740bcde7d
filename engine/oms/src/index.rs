//! `IdIndex`: `OrderId → slot` in a preallocated open-addressing table (linear probing,
//! backward-shift deletion, at most half full).

#[derive(Clone, Copy, Debug, Default)]
struct Entry {
    /// 0 = empty (order ids start at 1).
    id: u64,
    slot: u32,
}

#[derive(Clone, Debug)]
pub(crate) struct IdIndex {
    e: Vec<Entry>,
    mask: usize,
}

impl IdIndex {
    /// Room for `n` ids.
    pub(crate) fn new(n: usize) -> Self {
        let cap = (n * 2).max(8).next_power_of_two();
        IdIndex { e: vec![Entry::default(); cap], mask: cap - 1 }
    }
    #[inline(always)]
    fn home(&self, id: u64) -> usize {
        (id.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize & self.mask
    }
    fn pos(&self, id: u64) -> Option<usize> {
        let mut i = self.home(id);
        loop {
            match self.e[i].id {
                0 => return None,
                x if x == id => return Some(i),
                _ => i = (i + 1) & self.mask,
            }
        }
    }
    #[inline]
    pub(crate) fn get(&self, id: u64) -> Option<u32> {
        if id == 0 {
            return None;
        }
        self.pos(id).map(|i| self.e[i].slot)
    }
    /// Insert or overwrite. The caller keeps at most `n` ids in (one per table slot).
    pub(crate) fn insert(&mut self, id: u64, slot: u32) {
        if id == 0 {
            return;
        }
        if let Some(i) = self.pos(id) {
            self.e[i].slot = slot;
            return;
        }
        let mut i = self.home(id);
        while self.e[i].id != 0 {
            i = (i + 1) & self.mask;
        }
        self.e[i] = Entry { id, slot };
    }
    pub(crate) fn remove(&mut self, id: u64) {
        let Some(mut i) = self.pos(id) else { return };
        let mut j = i;
        loop {
            j = (j + 1) & self.mask;
            let x = self.e[j].id;
            if x == 0 {
                break;
            }
            let h = self.home(x);
            let stays = if i <= j { i < h && h <= j } else { i < h || h <= j };
            if !stays {
                self.e[i] = self.e[j];
                i = j;
            }
        }
        self.e[i] = Entry::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    proptest! {
        #[test]
        fn matches_hashmap(ops in proptest::collection::vec((any::<bool>(), 1u64..64, 0u32..100), 1..400)) {
            let mut ix = IdIndex::new(64);
            let mut m = HashMap::new();
            for (ins, id, slot) in ops {
                if ins { ix.insert(id, slot); m.insert(id, slot); } else { ix.remove(id); m.remove(&id); }
                for k in 1u64..64 {
                    prop_assert_eq!(ix.get(k), m.get(&k).copied());
                }
            }
        }
    }
}
