//! `OrderTable`: the bounded, preallocated order table.
//!
//! - `cap` record slots; a new record takes a free slot, else recycles the record that retired
//!   longest ago (a FIFO of retired slots). Retired = order management is over: `Rejected`,
//!   `Failed`, `Cancelled`, `PositionClosed`, or `PositionOpen` (recycling one of those drops its
//!   pending `PositionClosed` step; the router counts it). Working orders are never recycled: with
//!   every slot working the table is full.
//! - An `OrderId → slot` index ([`IdMap`]) for the records that have an order id: room for one
//!   id per slot (a recycled record's id leaves the index).
//! - Two intrusive doubly linked lists through the slots: live GTC limit orders in creation order
//!   (for the TTL check, O(1) per expired order) and, per instrument, the `PositionOpen` orders.

use crate::OrderRecord;
use alphapulse_types::{IdMap, IdMapFull};

const NIL: u32 = u32::MAX;

#[derive(Clone, Copy, Debug)]
struct Link {
    prev: u32,
    next: u32,
    linked: bool,
}

const UNLINKED: Link = Link { prev: NIL, next: NIL, linked: false };

#[derive(Clone, Copy, Debug)]
struct DList {
    head: u32,
    tail: u32,
}

const EMPTY: DList = DList { head: NIL, tail: NIL };

/// Which intrusive list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum List {
    /// Live GTC limit orders, oldest first.
    Ttl,
    /// `PositionOpen` orders of one instrument.
    Pos(u32),
}

pub(crate) struct OrderTable {
    recs: Vec<OrderRecord>,
    used: Vec<bool>,
    retired_flag: Vec<bool>,
    links: Vec<[Link; 2]>,
    free: Vec<u32>,
    /// Ring of retired slots, oldest retirement first.
    retired: Vec<u32>,
    r_head: usize,
    r_len: usize,
    index: IdMap<u32>,
    ttl: DList,
    pos: Vec<DList>,
}

impl OrderTable {
    pub(crate) fn new(cap: usize, n_instruments: usize) -> Self {
        OrderTable {
            recs: vec![OrderRecord::default(); cap],
            used: alphapulse_types::mem::prefaulted(cap),
            retired_flag: alphapulse_types::mem::prefaulted(cap),
            links: vec![[UNLINKED; 2]; cap],
            free: (0..cap as u32).rev().collect(),
            retired: alphapulse_types::mem::prefaulted(cap),
            r_head: 0,
            r_len: 0,
            index: IdMap::with_capacity(cap),
            ttl: EMPTY,
            pos: vec![EMPTY; n_instruments],
        }
    }

    /// A slot for a new record: free, else the longest-retired one (returned with the record it
    /// held, so the caller can count what was dropped). `None`: every slot is working.
    pub(crate) fn alloc(&mut self, rec: OrderRecord) -> Option<(u32, Option<OrderRecord>)> {
        let (slot, old) = if let Some(s) = self.free.pop() {
            (s, None)
        } else if self.r_len > 0 {
            let s = self.retired[self.r_head];
            self.r_head = (self.r_head + 1) % self.retired.len();
            self.r_len -= 1;
            let old = self.recs[s as usize];
            self.index.remove(old.order_id.0);
            self.unlink(List::Ttl, s);
            self.unlink(List::Pos(old.inst.0), s);
            (s, Some(old))
        } else {
            return None;
        };
        let i = slot as usize;
        self.recs[i] = rec;
        self.used[i] = true;
        self.retired_flag[i] = false;
        Some((slot, old))
    }

    /// Order management of `slot` is over: it may be recycled (once).
    pub(crate) fn retire(&mut self, slot: u32) {
        let i = slot as usize;
        if self.retired_flag[i] || self.r_len == self.retired.len() {
            return;
        }
        self.retired_flag[i] = true;
        let at = (self.r_head + self.r_len) % self.retired.len();
        self.retired[at] = slot;
        self.r_len += 1;
    }

    /// Give the record in `slot` its order id and index it (an id indexed already moves to
    /// `slot`). Refused only if the index is full, which one id per slot rules out.
    pub(crate) fn set_order_id(&mut self, slot: u32, id: u64) -> Result<(), IdMapFull> {
        self.recs[slot as usize].order_id.0 = id;
        self.index.insert(id, slot).map(|_| ())
    }

    #[inline]
    pub(crate) fn slot_of(&self, id: u64) -> Option<u32> {
        self.index.get(id).copied()
    }
    #[inline(always)]
    pub(crate) fn rec(&self, slot: u32) -> &OrderRecord {
        &self.recs[slot as usize]
    }
    #[inline(always)]
    pub(crate) fn rec_mut(&mut self, slot: u32) -> &mut OrderRecord {
        &mut self.recs[slot as usize]
    }
    pub(crate) fn iter(&self) -> impl Iterator<Item = &OrderRecord> {
        self.recs.iter().zip(&self.used).filter(|(_, u)| **u).map(|(r, _)| r)
    }
    /// Slots in use (a scan: control path only).
    pub(crate) fn used_slots(&self) -> impl Iterator<Item = u32> + '_ {
        self.used.iter().enumerate().filter(|(_, u)| **u).map(|(i, _)| i as u32)
    }
    pub(crate) fn len(&self) -> usize {
        self.used.iter().filter(|u| **u).count()
    }

    fn list(&mut self, l: List) -> Option<(&mut DList, usize)> {
        match l {
            List::Ttl => Some((&mut self.ttl, 0)),
            List::Pos(inst) => self.pos.get_mut(inst as usize).map(|d| (d, 1)),
        }
    }

    pub(crate) fn push_back(&mut self, l: List, slot: u32) {
        let Some((d, k)) = self.list(l) else { return };
        let mut d = *d;
        if self.links[slot as usize][k].linked {
            return;
        }
        self.links[slot as usize][k] = Link { prev: d.tail, next: NIL, linked: true };
        if d.tail == NIL {
            d.head = slot;
        } else {
            self.links[d.tail as usize][k].next = slot;
        }
        d.tail = slot;
        if let Some((x, _)) = self.list(l) {
            *x = d;
        }
    }

    /// Remove `slot` from `l` if it is on it.
    pub(crate) fn unlink(&mut self, l: List, slot: u32) {
        let Some((d, k)) = self.list(l) else { return };
        let mut d = *d;
        let me = self.links[slot as usize][k];
        if !me.linked {
            return;
        }
        if me.prev == NIL {
            d.head = me.next;
        } else {
            self.links[me.prev as usize][k].next = me.next;
        }
        if me.next == NIL {
            d.tail = me.prev;
        } else {
            self.links[me.next as usize][k].prev = me.prev;
        }
        self.links[slot as usize][k] = UNLINKED;
        if let Some((x, _)) = self.list(l) {
            *x = d;
        }
    }

    /// First slot on `l`.
    pub(crate) fn front(&mut self, l: List) -> Option<u32> {
        self.list(l).map(|(d, _)| d.head).filter(|h| *h != NIL)
    }
}
