//! The bar indicators against f64 references computed here, with stated tolerances, and their
//! edge cases (warm-up, σ = 0, no volume).

use super::*;
use proptest::prelude::*;

const F: f64 = (1u64 << FRAC_BITS) as f64;

fn f(x: i128) -> f64 {
    x as f64 / F
}

fn ref_ema(xs: &[f64], period: u32) -> Vec<f64> {
    let a = 2.0 / (period as f64 + 1.0);
    let mut e = xs[0];
    xs.iter()
        .enumerate()
        .map(|(i, &x)| {
            if i > 0 {
                e += a * (x - e);
            }
            e
        })
        .collect()
}

/// (macd, signal, hist) per close, from close `slow` on (the signal EMA seeded there).
fn ref_macd(xs: &[f64], fast: u32, slow: u32, signal: u32) -> Vec<Option<(f64, f64, f64)>> {
    let (ef, es) = (ref_ema(xs, fast), ref_ema(xs, slow));
    let line: Vec<f64> = ef.iter().zip(&es).map(|(a, b)| a - b).collect();
    let from = slow as usize - 1;
    let sig = ref_ema(&line[from..], signal);
    (0..xs.len())
        .map(|i| {
            (i + 1 >= (slow + signal - 1) as usize).then(|| (line[i], sig[i - from], line[i] - sig[i - from]))
        })
        .collect()
}

fn ref_atr(bars: &[(f64, f64, f64)], n: usize) -> Vec<Option<f64>> {
    let mut out = Vec::new();
    let mut atr = 0.0;
    for (i, &(h, l, _)) in bars.iter().enumerate() {
        let tr = if i == 0 {
            h - l
        } else {
            let pc = bars[i - 1].2;
            (h - l).max((h - pc).abs()).max((l - pc).abs())
        };
        if i < n {
            atr += tr;
            if i + 1 == n {
                atr /= n as f64;
            }
        } else {
            atr = (atr * (n as f64 - 1.0) + tr) / n as f64;
        }
        out.push((i + 1 >= n).then_some(atr));
    }
    out
}

/// A deterministic random walk around 61 837.63 in raw units.
fn walk(n: usize, step_raw: i64) -> Vec<i64> {
    let mut x: i64 = 6_183_763_000_000;
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..n)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            x += (seed % 101) as i64 * step_raw / 50 - step_raw;
            x
        })
        .collect()
}

#[test]
fn macd_matches_f64_on_btc_like_series_and_warms_up() {
    let xs = walk(5_000, 50_000_000);
    let fx: Vec<f64> = xs.iter().map(|&x| x as f64).collect();
    let mut m = Macd::new(12, 26, 9);
    assert_eq!(m.warmup(), 34);
    let want = ref_macd(&fx, 12, 26, 9);
    let mut worst = 0.0f64;
    for (i, (x, w)) in xs.iter().zip(&want).enumerate() {
        let got = m.update(*x);
        assert_eq!(got.is_some(), w.is_some(), "close #{i}");
        if let (Some(g), Some((wm, ws, wh))) = (got, w) {
            for (a, b) in [(g.macd, wm), (g.signal, ws), (g.hist, wh)] {
                worst = worst.max((f(a) - b).abs());
            }
        }
    }
    // f64 itself carries ~1e-3 raw units of rounding at 6e12; stated tolerance: 0.05 raw unit.
    assert!(worst <= 0.05, "worst error {worst} raw units");
}

#[test]
fn bollinger_constant_window_has_zero_sigma_and_mid_percent_b() {
    let mut b = Bollinger::new(5, 2_000);
    for _ in 0..4 {
        assert_eq!(b.update(6_183_763_000_000), None, "warm-up");
    }
    let v = b.update(6_183_763_000_000).unwrap();
    assert_eq!((v.sigma, v.upper, v.lower), (0, v.mean, v.mean));
    assert_eq!(unscale(v.mean), 6_183_763_000_000);
    assert_eq!(v.percent_b_bps(6_183_763_000_000), 5_000);
    // Window 1, 2, 3, 4, 5 (raw): mean 3, σ = √2; at k = 2: bands 3 ± 2.828…
    let mut b = Bollinger::new(5, 2_000);
    let v = (1..=5).filter_map(|x| b.update(x)).next().unwrap();
    assert_eq!(v.mean, 3 * (1 << FRAC_BITS));
    assert!((f(v.sigma) - 2f64.sqrt()).abs() < 1e-9, "{}", f(v.sigma));
    assert_eq!(v.percent_b_bps(3), 5_000);
    let pb = v.percent_b_bps(5) as f64;
    let want = (5.0 - (3.0 - 2.0 * 2f64.sqrt())) / (4.0 * 2f64.sqrt()) * 10_000.0;
    assert!((pb - want).abs() <= 1.0, "{pb} vs {want}");
    // The window slides: after 6, it is 2..=6.
    assert_eq!(b.update(6).unwrap().mean, 4 * (1 << FRAC_BITS));
}

#[test]
fn atr_warms_up_and_follows_wilder() {
    let mut a = WilderAtr::new(3);
    assert_eq!(a.update(12, 10, 11), None);
    assert_eq!(a.update(15, 11, 14), None);
    // TRs: 2, 4, then max(1, |13−14|=1, |12−14|=2) = 2 → mean 8/3.
    let v = a.update(13, 12, 12).unwrap();
    assert!((f(v) - 8.0 / 3.0).abs() < 1e-9);
    // A gap up: TR = max(1, 20−12, 19−12) = 8 → (8/3·2 + 8) / 3.
    let v = a.update(20, 19, 20).unwrap();
    assert!((f(v) - (16.0 / 3.0 + 8.0) / 3.0).abs() < 1e-9);
    let mut flat = WilderAtr::new(2);
    flat.update(7, 7, 7);
    assert_eq!(flat.update(7, 7, 7), Some(0));
}

#[test]
fn vwap_window_and_deviation() {
    let mut v = RollingVwap::new(2);
    // Bar 1: 10 @ 100 (raw); bar 2: 30 @ 104 → VWAP 103.
    assert_eq!(v.update(1_000, 10), None);
    assert_eq!(v.update(3_120, 30), Some(103 << FRAC_BITS));
    // Bar 1 leaves: bar 2 + bar 3 (10 @ 96): (3120 + 960) / 40 = 102.
    let w = v.update(960, 10).unwrap();
    assert_eq!(w, 102 << FRAC_BITS);
    assert_eq!(deviation_ppm(scale(103), w), Some(9_804)); // 1/102 = 9803.9 ppm
    assert_eq!(deviation_ppm(scale(1), 0), None);
    let mut none = RollingVwap::new(1);
    assert_eq!(none.update(0, 0), None, "no volume, no VWAP");
}

proptest! {
    #[test]
    fn macd_close_to_f64(xs in proptest::collection::vec(1i64..10_000_000_000_000, 40..200),
                         fast in 1u32..15, extra in 1u32..20, signal in 1u32..12) {
        let slow = fast + extra;
        let fx: Vec<f64> = xs.iter().map(|&x| x as f64).collect();
        let want = ref_macd(&fx, fast, slow, signal);
        let mut m = Macd::new(fast, slow, signal);
        for (x, w) in xs.iter().zip(&want) {
            let got = m.update(*x);
            prop_assert_eq!(got.is_some(), w.is_some());
            if let (Some(g), Some((wm, ws, wh))) = (got, w) {
                // Tolerance: 0.05 raw units (f64 carries ~2e-3 of rounding per step at 1e13).
                let tol = 0.05;
                prop_assert!((f(g.macd) - wm).abs() <= tol && (f(g.signal) - ws).abs() <= tol
                    && (f(g.hist) - wh).abs() <= tol, "{:?} vs {} {} {}", g, wm, ws, wh);
            }
        }
    }

    #[test]
    fn bollinger_close_to_f64(xs in proptest::collection::vec(1i64..10_000_000_000_000, 2..120),
                              n in 2usize..40, k_milli in 0u32..4_000) {
        let mut b = Bollinger::new(n, k_milli);
        for (i, x) in xs.iter().enumerate() {
            let got = b.update(*x);
            prop_assert_eq!(got.is_some(), i + 1 >= n);
            let Some(v) = got else { continue };
            let w: Vec<f64> = xs[i + 1 - n..=i].iter().map(|&x| x as f64).collect();
            let mean = w.iter().sum::<f64>() / n as f64;
            let sd = (w.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n as f64).sqrt();
            let k = k_milli as f64 / 1000.0;
            // Tolerance: 0.05 raw units for mean and σ (f64's sum of 40 values near 1e13 carries
            // ~0.06 of rounding before the division), k times that again for the bands.
            let tol = 0.05;
            prop_assert!((f(v.mean) - mean).abs() <= tol, "mean {} vs {}", f(v.mean), mean);
            prop_assert!((f(v.sigma) - sd).abs() <= tol, "σ {} vs {}", f(v.sigma), sd);
            prop_assert!((f(v.upper) - (mean + k * sd)).abs() <= tol * (1.0 + k));
            prop_assert!((f(v.lower) - (mean - k * sd)).abs() <= tol * (1.0 + k));
            prop_assert!(v.sigma >= 0 && v.lower <= v.mean && v.mean <= v.upper);
            if w.iter().all(|&y| y == w[0]) {
                prop_assert_eq!(v.sigma, 0);
                prop_assert_eq!(v.percent_b_bps(*x), 5_000);
            } else if 2.0 * k * sd >= 1e4 {
                // Bands at least 1e4 raw units apart: the band error moves %b by under 1 bp.
                let want = (*x as f64 - (mean - k * sd)) / (2.0 * k * sd) * 10_000.0;
                prop_assert!((v.percent_b_bps(*x) as f64 - want).abs() <= 1.0, "%b {} vs {}", v.percent_b_bps(*x), want);
            }
        }
    }

    #[test]
    fn atr_close_to_f64(bars in proptest::collection::vec((1i64..1_000_000_000_000, 0i64..1_000_000_000, 0u32..=100), 1..150),
                        n in 1usize..30) {
        // (low, range, close position in the range %)
        let hlc: Vec<(i64, i64, i64)> =
            bars.iter().map(|&(l, r, c)| (l + r, l, l + r * c as i64 / 100)).collect();
        let fb: Vec<(f64, f64, f64)> = hlc.iter().map(|&(h, l, c)| (h as f64, l as f64, c as f64)).collect();
        let want = ref_atr(&fb, n);
        let mut a = WilderAtr::new(n as u32);
        for ((h, l, c), w) in hlc.iter().zip(&want) {
            let got = a.update(*h, *l, *c);
            prop_assert_eq!(got.is_some(), w.is_some());
            if let (Some(g), Some(w)) = (got, w) {
                prop_assert!(g >= 0);
                prop_assert!((f(g) - w).abs() <= 1e-3, "{} vs {}", f(g), w);
            }
        }
    }

    #[test]
    fn vwap_close_to_f64(bars in proptest::collection::vec((1i64..10_000_000_000_000, 1i64..100_000_000_000), 1..100),
                         m in 1usize..30, close in 1i64..10_000_000_000_000) {
        let mut v = RollingVwap::new(m);
        for (i, &(px, q)) in bars.iter().enumerate() {
            let got = v.update(px as i128 * q as i128, q);
            prop_assert_eq!(got.is_some(), i + 1 >= m);
            let Some(g) = got else { continue };
            let w = &bars[i + 1 - m..=i];
            let want = w.iter().map(|&(p, q)| p as f64 * q as f64).sum::<f64>() / w.iter().map(|&(_, q)| q as f64).sum::<f64>();
            prop_assert!((f(g) - want).abs() <= 1e-3 + 1e-13 * want, "{} vs {}", f(g), want);
            let dev = deviation_ppm(scale(close), g).unwrap() as f64;
            let want_dev = (close as f64 - want) / want * 1e6;
            prop_assert!((dev - want_dev).abs() <= 1.0 + 1e-9 * want_dev.abs(), "{} vs {}", dev, want_dev);
        }
    }
}
