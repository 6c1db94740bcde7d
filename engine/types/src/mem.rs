//! Touching preallocated memory at start, so the hot path never takes its first page fault.
//!
//! `vec![0; n]` (and `false`, and other all-zero values) is allocated zeroed: the kernel maps the
//! pages only when they are first touched, so the first messages that reach a fresh part of a
//! table pay a page fault each (microseconds in a VM) — on the hot path. Tables sized at start
//! call [`prefault`] once after allocating. (`fill(0)` would not do: the compiler removes it, the
//! memory being zero already.)

/// Bytes between two touches: the smallest page size in use.
const PAGE: usize = 4096;

/// Write every page of `v` once (with its own value), so the pages are mapped now.
pub fn prefault<T: Copy>(v: &mut [T]) {
    let step = (PAGE / core::mem::size_of::<T>().max(1)).max(1);
    for i in (0..v.len()).step_by(step) {
        // The opaque value forces a real store: the compiler cannot see it equals what is there.
        v[i] = std::hint::black_box(v[i]);
    }
}

/// A zero-filled (`T::default()`) vector of `n` elements with every page already mapped.
pub fn prefaulted<T: Copy + Default>(n: usize) -> Vec<T> {
    let mut v = vec![T::default(); n];
    prefault(&mut v);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Minor page faults of this process so far (field 10 of /proc/self/stat).
    fn minor_faults() -> Option<u64> {
        let s = std::fs::read_to_string("/proc/self/stat").ok()?;
        let after_name = &s[s.rfind(')')? + 2..];
        after_name.split_whitespace().nth(7)?.parse().ok()
    }

    #[test]
    fn touching_a_prefaulted_table_takes_no_page_faults() {
        let Some(_) = minor_faults() else {
            println!("skipped: /proc/self/stat not readable");
            return;
        };
        const N: usize = 4 << 20; // 32 MiB of u64: allocated zeroed, mapped lazily
        let mut cold = vec![0u64; N];
        let before = minor_faults().unwrap();
        for i in (0..N).step_by(512) {
            cold[i] = i as u64;
        }
        let cold_faults = minor_faults().unwrap() - before;

        let mut warm: Vec<u64> = prefaulted(N);
        let before = minor_faults().unwrap();
        for i in (0..N).step_by(512) {
            warm[i] = i as u64;
        }
        let warm_faults = minor_faults().unwrap() - before;
        println!("first touches of 32 MiB: {cold_faults} page faults zeroed, {warm_faults} prefaulted");
        assert!(cold_faults > 1000, "a zeroed allocation is mapped lazily ({cold_faults} faults)");
        assert!(warm_faults < cold_faults / 100, "prefaulted pages fault again: {warm_faults}");
        assert_eq!(cold[512], warm[512]);
    }
}
