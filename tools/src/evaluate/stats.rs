//! The statistics of a signal against forward returns: forward open-to-open returns, hit rate and
//! Spearman's rank correlation (the information coefficient). Pure functions over slices.

use serde::Serialize;

/// Forward returns for a signal formed at the close of day `i` and traded at the next open:
/// `r[i] = open[i + 1 + h] / open[i + 1] − 1`, `None` when `i + 1 + h` is past the end.
pub fn forward_returns(open: &[f64], h: usize) -> Vec<Option<f64>> {
    (0..open.len())
        .map(|i| {
            let (a, b) = (open.get(i + 1)?, open.get(i + 1 + h)?);
            (*a > 0.0).then(|| b / a - 1.0)
        })
        .collect()
}

/// `−1`, `0` or `+1`.
fn sign(x: f64) -> i8 {
    if x > 0.0 {
        1
    } else if x < 0.0 {
        -1
    } else {
        0
    }
}

/// Hit rate of a signal at one horizon.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HitRate {
    /// Days with a non-zero score and a forward return.
    pub n: usize,
    /// Of those, days whose forward return has the score's sign (a zero return is a miss).
    pub hits: usize,
    /// `hits / n`; `None` when `n = 0`.
    pub rate: Option<f64>,
    /// Of the same days, the share whose forward return was positive: what a signal that is
    /// always long would score (the base rate to beat).
    pub up_share: Option<f64>,
}

/// Hit rate of `scores` (`None`: no signal that day) against `fwd` (same days).
pub fn hit_rate(scores: &[Option<i32>], fwd: &[Option<f64>]) -> HitRate {
    let (mut n, mut hits, mut up) = (0usize, 0usize, 0usize);
    for (s, r) in scores.iter().zip(fwd) {
        let (Some(s), Some(r)) = (s, r) else { continue };
        if *s == 0 {
            continue;
        }
        n += 1;
        hits += usize::from(sign(f64::from(*s)) == sign(*r));
        up += usize::from(*r > 0.0);
    }
    let share = |k: usize| (n > 0).then(|| k as f64 / n as f64);
    HitRate { n, hits, rate: share(hits), up_share: share(up) }
}

/// Ranks from 1, ties sharing their average rank.
pub fn ranks(x: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..x.len()).collect();
    idx.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut out = vec![0.0; x.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && x[idx[j + 1]] == x[idx[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            out[k] = avg;
        }
        i = j + 1;
    }
    out
}

/// Pearson correlation; `None` with fewer than 3 points or when either side is constant.
pub fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len().min(y.len());
    if n < 3 {
        return None;
    }
    let (mx, my) = (x[..n].iter().sum::<f64>() / n as f64, y[..n].iter().sum::<f64>() / n as f64);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x[..n].iter().zip(&y[..n]) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    let r = sxy / (sxx * syy).sqrt();
    (sxx > 0.0 && syy > 0.0 && r.is_finite()).then(|| r.clamp(-1.0, 1.0))
}

/// Spearman's rank correlation: Pearson on the (tie-averaged) ranks.
pub fn spearman(x: &[f64], y: &[f64]) -> Option<f64> {
    pearson(&ranks(x), &ranks(y))
}

/// Information coefficient at one horizon.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Ic {
    /// Days with a signal (zero included) and a forward return.
    pub n: usize,
    /// Spearman's rank correlation of score against forward return; `None` when the score (or
    /// the return) is constant over those days, or fewer than 3 days.
    pub spearman: Option<f64>,
}

/// The IC of `scores` against `fwd` (same days; days without a signal are left out).
pub fn ic(scores: &[Option<i32>], fwd: &[Option<f64>]) -> Ic {
    let (x, y): (Vec<f64>, Vec<f64>) =
        scores.iter().zip(fwd).filter_map(|(s, r)| Some((f64::from((*s)?), (*r)?))).unzip();
    Ic { n: x.len(), spearman: spearman(&x, &y) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forward_returns_start_at_the_next_open() {
        let open = [10.0, 11.0, 12.1, 9.0];
        let r1 = forward_returns(&open, 1);
        // Day 0's signal trades at open[1] = 11 and is measured at open[2] = 12.1.
        assert!((r1[0].expect("r") - 0.1).abs() < 1e-12);
        assert!((r1[1].expect("r") - (9.0 / 12.1 - 1.0)).abs() < 1e-12);
        assert_eq!((r1[2], r1[3]), (None, None));
        let r2 = forward_returns(&open, 2);
        assert!((r2[0].expect("r") - (9.0 / 11.0 - 1.0)).abs() < 1e-12);
        assert_eq!(r2[1], None);
    }

    #[test]
    fn hit_rate_skips_zero_and_missing_scores() {
        let s = [Some(5), Some(-3), Some(0), None, Some(2), Some(7)];
        let r = [Some(0.01), Some(0.02), Some(0.5), Some(0.5), Some(-0.01), Some(0.0)];
        let h = hit_rate(&s, &r);
        // Days 0, 1, 4, 5 count; only day 0 is a hit (day 5's zero return is a miss).
        assert_eq!((h.n, h.hits), (4, 1));
        assert_eq!(h.rate, Some(0.25));
        assert_eq!(h.up_share, Some(0.5));
        assert_eq!(hit_rate(&[None, Some(0)], &[Some(1.0), Some(1.0)]).rate, None);
    }

    #[test]
    fn ranks_average_ties() {
        assert_eq!(ranks(&[3.0, 1.0, 3.0, 2.0]), vec![3.5, 1.0, 3.5, 2.0]);
    }

    #[test]
    fn spearman_against_the_textbook_formula() {
        // No ties: rho = 1 − 6 Σd² / (n (n² − 1)).
        let x = [10.0, 20.0, 30.0, 40.0, 50.0, 60.0];
        let y = [0.3, 0.1, 0.6, 0.2, 0.9, 0.5];
        // ranks of y: 3, 1, 5, 2, 6, 4; d = −2, 1, −2, 2, −1, 2; Σd² = 18.
        let want = 1.0 - 6.0 * 18.0 / (6.0 * 35.0);
        let got = spearman(&x, &y).expect("rho");
        assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        // Monotone but not linear: exactly 1 (Pearson would not be).
        let cube: Vec<f64> = x.iter().map(|v| v * v * v).collect();
        assert!((spearman(&x, &cube).expect("rho") - 1.0).abs() < 1e-12);
        assert!(pearson(&x, &cube).expect("r") < 0.99);
        let rev: Vec<f64> = x.iter().rev().copied().collect();
        assert!((spearman(&x, &rev).expect("rho") + 1.0).abs() < 1e-12);
    }

    #[test]
    fn spearman_with_ties_by_hand() {
        // x ranks (ties averaged): 1.5, 1.5, 3, 4; y ranks: 2, 1, 4, 3.
        // Means 2.5; dx = −1, −1, .5, 1.5; dy = −.5, −1.5, 1.5, .5.
        // Σdxdy = .5 + 1.5 + .75 + .75 = 3.5; Σdx² = 4.5; Σdy² = 5.
        let got = spearman(&[1.0, 1.0, 2.0, 5.0], &[0.2, 0.1, 0.4, 0.3]).expect("rho");
        assert!((got - 3.5 / (4.5f64 * 5.0).sqrt()).abs() < 1e-12, "{got}");
    }

    #[test]
    fn constant_signal_has_no_ic() {
        let s = [Some(100), Some(100), Some(100), Some(100)];
        let r = [Some(0.1), Some(-0.1), Some(0.2), Some(0.0)];
        assert_eq!(ic(&s, &r), Ic { n: 4, spearman: None });
        let s2 = [Some(1), None, Some(3), Some(2), Some(5)];
        let r2 = [Some(0.1), Some(9.0), None, Some(0.3), Some(0.2)];
        // Pairs kept: (1, .1), (2, .3), (5, .2): ranks 1,2,3 vs 1,3,2 → 1 − 6·2/(3·8) = 0.5.
        let got = ic(&s2, &r2);
        assert_eq!(got.n, 3);
        assert!((got.spearman.expect("rho") - 0.5).abs() < 1e-12);
    }
}
