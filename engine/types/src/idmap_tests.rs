//! Tests of [`IdMap`]: a `HashMap` model under random operations (with full-map refusals,
//! colliding keys, clusters that wrap around the table's end, keys 0 and `u64::MAX`), the table's
//! structure after every step, and the spread of the hash over the id shapes the engine uses.

use super::*;
use proptest::prelude::*;
use std::collections::HashMap;

/// Distance of the slot holding `key` from its home slot (the probes a lookup takes, minus one;
/// key 0 takes none).
fn probe_len(m: &IdMap<u32>, key: u64) -> usize {
    if key == 0 {
        return 0;
    }
    let at = m.find(key).expect("held");
    at.wrapping_sub(m.home(key)) & m.mask
}

/// The table is what the probing relies on: every entry is reachable from its home without
/// crossing an empty slot, each key once, the count and the key-0 slot agree.
fn check_structure(m: &IdMap<u32>) -> Result<(), TestCaseError> {
    let n = m.mask + 1;
    let mut held = 0;
    for (j, s) in m.slots[..n].iter().enumerate() {
        if s.key == EMPTY {
            prop_assert_eq!(s.val, 0, "an empty slot is cleared");
            continue;
        }
        held += 1;
        let mut i = m.home(s.key);
        while i != j {
            prop_assert!(m.slots[i].key != EMPTY, "key {} at {} cut off from its home by {}", s.key, j, i);
            prop_assert!(m.slots[i].key != s.key, "key {} twice", s.key);
            i = (i + 1) & m.mask;
        }
    }
    prop_assert_eq!(m.slots[n].key, 0);
    prop_assert_eq!(held + m.zero_held as usize, m.len());
    prop_assert!(m.len() <= m.capacity());
    prop_assert!(2 * m.capacity() <= n, "at most half full");
    Ok(())
}

/// `n` distinct non-zero keys whose home slot is `home` in a map of `m`'s size.
fn keys_at(m: &IdMap<u32>, home: usize, n: usize) -> Vec<u64> {
    // Spread over the whole u64 range (an odd step), not only small ids.
    (1u64..).map(|i| i.wrapping_mul(0x2545_F491_4F6C_DD1D)).filter(|k| m.home(*k) == home).take(n).collect()
}

/// Keys for one map: 0, `u64::MAX`, small sequential ids, a high-part id, and clusters of
/// colliding keys at the table's first slot and across its end.
fn key_pool(m: &IdMap<u32>) -> Vec<u64> {
    let last = m.mask;
    let mut pool = vec![0, u64::MAX, 1, 2, 3, 1 << 32, (1 << 32) | 1];
    pool.extend(keys_at(m, 0, 6));
    pool.extend(keys_at(m, last, 6));
    pool.extend(keys_at(m, last - 1, 4));
    pool
}

#[derive(Clone, Debug)]
enum Op {
    Insert(usize, u32),
    InsertNew(usize, u32),
    Remove(usize),
    Get(usize),
    Add(usize, u32),
}

fn op() -> impl Strategy<Value = Op> {
    let k = 0usize..64;
    prop_oneof![
        3 => (k.clone(), any::<u32>()).prop_map(|(k, v)| Op::Insert(k, v)),
        2 => (k.clone(), any::<u32>()).prop_map(|(k, v)| Op::InsertNew(k, v)),
        3 => k.clone().prop_map(Op::Remove),
        1 => k.clone().prop_map(Op::Get),
        1 => (k, any::<u32>()).prop_map(|(k, v)| Op::Add(k, v)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// The map agrees with a `HashMap` model limited to the same capacity under random inserts,
    /// replacing and non-replacing, removes, lookups and in-place changes, and its table stays
    /// well formed after every step.
    #[test]
    fn matches_hashmap(cap in prop_oneof![Just(0usize), Just(1), 1usize..6, Just(8), Just(13)],
                       ops in proptest::collection::vec(op(), 1..400)) {
        let mut m: IdMap<u32> = IdMap::with_capacity(cap);
        let pool = key_pool(&m);
        let mut model: HashMap<u64, u32> = HashMap::new();
        for op in ops {
            match op {
                Op::Insert(k, v) => {
                    let k = pool[k % pool.len()];
                    let want = if model.contains_key(&k) || model.len() < cap {
                        Ok(model.insert(k, v))
                    } else {
                        Err(IdMapFull { key: k, capacity: cap })
                    };
                    prop_assert_eq!(m.insert(k, v), want);
                }
                Op::InsertNew(k, v) => {
                    let k = pool[k % pool.len()];
                    let want = if model.contains_key(&k) {
                        Ok(false)
                    } else if model.len() < cap {
                        model.insert(k, v);
                        Ok(true)
                    } else {
                        Err(IdMapFull { key: k, capacity: cap })
                    };
                    prop_assert_eq!(m.insert_new(k, v), want);
                }
                Op::Remove(k) => {
                    let k = pool[k % pool.len()];
                    prop_assert_eq!(m.remove(k), model.remove(&k));
                }
                Op::Get(k) => {
                    let k = pool[k % pool.len()];
                    prop_assert_eq!(m.get(k), model.get(&k));
                    prop_assert_eq!(m.contains_key(k), model.contains_key(&k));
                }
                Op::Add(k, v) => {
                    let k = pool[k % pool.len()];
                    if let Some(x) = m.get_mut(k) {
                        *x = x.wrapping_add(v);
                    }
                    if let Some(x) = model.get_mut(&k) {
                        *x = x.wrapping_add(v);
                    }
                }
            }
            prop_assert_eq!(m.len(), model.len());
            prop_assert_eq!(m.is_full(), model.len() >= cap);
            check_structure(&m)?;
            let all: HashMap<u64, u32> = m.iter().map(|(k, v)| (k, *v)).collect();
            prop_assert_eq!(&all, &model);
            prop_assert_eq!(m.iter().count(), model.len());
        }
    }

    /// Removing every key of a full map of colliding keys, in any order, leaves each remaining
    /// key reachable (backward shift over wrapped clusters).
    #[test]
    fn removes_colliding_keys_in_any_order(order in Just((0..12usize).collect::<Vec<_>>()).prop_shuffle()) {
        let mut m: IdMap<u32> = IdMap::with_capacity(12);
        let mut keys = keys_at(&m, m.mask, 6);
        keys.extend(keys_at(&m, 0, 3));
        keys.extend(keys_at(&m, m.mask - 1, 3));
        for (i, k) in keys.iter().enumerate() {
            prop_assert_eq!(m.insert_new(*k, i as u32), Ok(true));
        }
        prop_assert!(m.is_full());
        prop_assert_eq!(m.insert(7, 7), Err(IdMapFull { key: 7, capacity: 12 }));
        for (n, &i) in order.iter().enumerate() {
            prop_assert_eq!(m.remove(keys[i]), Some(i as u32));
            check_structure(&m)?;
            for &j in &order[n + 1..] {
                prop_assert_eq!(m.get(keys[j]), Some(&(j as u32)));
            }
        }
        prop_assert!(m.is_empty());
    }
}

#[test]
fn full_map_refuses_and_keeps_everything() {
    let mut m: IdMap<u32> = IdMap::with_capacity(3);
    for k in [0, 5, u64::MAX] {
        assert_eq!(m.insert(k, k as u32), Ok(None));
    }
    let e = m.insert(6, 6).unwrap_err();
    assert_eq!(e.to_string(), "id map full (3 entries): key 6 refused");
    assert_eq!(m.insert_new(6, 6), Err(e));
    assert_eq!(m.insert_new(5, 9), Ok(false), "a held key is not refused, and not replaced");
    assert_eq!(m.insert(5, 9), Ok(Some(5)), "a held key may be replaced in a full map");
    assert_eq!((m.len(), m.get(6), m.get(5), m.get(0)), (3, None, Some(&9), Some(&0)));
    assert_eq!(m.remove(0), Some(0));
    assert_eq!(m.insert_new(6, 6), Ok(true), "room again after a removal");
}

#[test]
fn zero_capacity_holds_nothing() {
    let mut m: IdMap<u32> = IdMap::with_capacity(0);
    assert!(m.is_full() && m.is_empty());
    assert!(m.insert(0, 1).is_err() && m.insert(1, 1).is_err());
    assert_eq!((m.remove(1), m.get(0)), (None, None));
}

/// A well-mixed key for `i` (the splitmix64 output function).
fn splitmix64(i: u64) -> u64 {
    let mut z = i.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Mean and longest probe distance with `cap` keys of one shape in a map of capacity `cap`
/// (half full, the worst the map allows).
fn spread(cap: usize, key: impl Fn(u64) -> u64) -> (f64, usize) {
    let mut m: IdMap<u32> = IdMap::with_capacity(cap);
    for i in 0..cap as u64 {
        assert_eq!(m.insert_new(key(i), 0), Ok(true));
    }
    let d: Vec<usize> = (0..cap as u64).map(|i| probe_len(&m, key(i))).collect();
    (d.iter().sum::<usize>() as f64 / cap as f64, *d.iter().max().unwrap())
}

/// A named way of making the i-th key.
type Shape = (&'static str, fn(u64) -> u64);

/// The hash spreads the id shapes of the engine: sequential ids, a strategy id in the high bits
/// above an intent sequence (several strategies), strided ids, and arbitrary ones. Uniform random
/// hashing at half load gives a mean probe distance of 0.5.
#[test]
fn hash_spreads_engine_id_shapes() {
    let cap = 4096;
    let shapes: [Shape; 10] = [
        ("sequential from 1", |i| i + 1),
        ("sequential from 10^9", |i| 1_000_000_000 + i),
        ("strategy << 32 | seq, 4 strategies", |i| (i % 4) << 32 | (i / 4)),
        ("strategy << 48 | seq, 16 strategies", |i| (i % 16) << 48 | (i / 16)),
        ("strategy << 56 | seq, 2 strategies", |i| (i % 2) << 56 | (i / 2)),
        ("strategy << 40 | seq, 256 strategies", |i| (i % 256) << 40 | (i / 256)),
        ("strategy << 16 | seq, 8 strategies", |i| (i % 8) << 16 | (i / 8)),
        ("seq << 32 (high half only)", |i| (i + 1) << 32),
        ("stride 4096", |i| (i + 1) * 4096),
        ("random (splitmix64)", splitmix64),
    ];
    for (name, key) in &shapes {
        let (mean, max) = spread(cap, key);
        println!("{name}: mean probe distance {mean:.3}, longest {max}");
        assert!(mean <= 1.0 && max <= 32, "{name}: mean {mean:.3}, longest {max}");
    }
}

/// Orders come and go: ids rising forever, a window of them live. With backward-shift deletion
/// the probes stay as short as in a fresh map (tombstones would pile up instead).
#[test]
fn churn_does_not_degrade_probes() {
    let cap = 1024;
    let mut m: IdMap<u32> = IdMap::with_capacity(cap);
    let live = cap as u64 - 1;
    let mut worst = 0;
    for id in 1..200_000u64 {
        assert_eq!(m.insert_new(id, id as u32), Ok(true));
        if id > live {
            assert_eq!(m.remove(id - live), Some((id - live) as u32));
        }
        if id % 10_000 == 0 {
            worst = worst.max((id - live.min(id) + 1..=id).map(|k| probe_len(&m, k)).max().unwrap());
        }
    }
    assert_eq!(m.len(), live as usize);
    println!("churn: longest probe distance {worst} over 200k ids, {live} live");
    assert!(worst <= 16, "longest probe distance {worst}");
}
