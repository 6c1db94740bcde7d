use super::*;
use proptest::prelude::*;

/// f64 reference EMA.
fn ref_ema(xs: &[i64], alpha: f64) -> Vec<f64> {
    let mut out = Vec::new();
    let mut e = xs[0] as f64;
    for (i, &x) in xs.iter().enumerate() {
        if i > 0 {
            e += alpha * (x as f64 - e);
        }
        out.push(e);
    }
    out
}

/// f64 reference of Wilder's RSI (0..100 scale), one value per input once ready.
fn ref_rsi(xs: &[f64], n: usize) -> Vec<f64> {
    let mut out = Vec::new();
    let (mut ag, mut al) = (0.0, 0.0);
    for i in 1..xs.len() {
        let d = xs[i] - xs[i - 1];
        let (g, l) = if d > 0.0 { (d, 0.0) } else { (0.0, -d) };
        if i <= n {
            ag += g;
            al += l;
            if i == n {
                ag /= n as f64;
                al /= n as f64;
                out.push(100.0 * ag / (ag + al));
            }
        } else {
            ag = (ag * (n as f64 - 1.0) + g) / n as f64;
            al = (al * (n as f64 - 1.0) + l) / n as f64;
            out.push(100.0 * ag / (ag + al));
        }
    }
    out
}

#[test]
fn ema_matches_f64_on_btc_like_series() {
    // A deterministic random walk around 61 837.63 in 1e-8 units, ±0.50 per step.
    let mut x: i64 = 6_183_763_000_000;
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut xs = Vec::new();
    for _ in 0..20_000 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        x += (seed % 101) as i64 * 1_000_000 - 50_000_000;
        xs.push(x);
    }
    for period in [2u32, 10, 40, 1000] {
        let mut e = FixedEma::with_period(period);
        let want = ref_ema(&xs, 2.0 / (period as f64 + 1.0));
        let mut worst = 0.0f64;
        for (x, w) in xs.iter().zip(&want) {
            e.update(*x);
            worst = worst.max((e.value() as f64 - w).abs());
        }
        // f64 itself carries ~1e-3 units of rounding at 6e12; the fixed EMA must be within 1 unit.
        assert!(worst <= 1.0, "period {period}: worst error {worst} units of 1e-8");
    }
}

#[test]
fn ema_seeds_with_first_sample_and_converges() {
    let mut e = FixedEma::new(1, 4);
    assert!(!e.is_seeded());
    e.update(100);
    assert_eq!(e.value(), 100);
    e.update(200); // 100 + 0.25 × 100
    assert_eq!(e.value(), 125);
    for _ in 0..200 {
        e.update(-300);
    }
    assert_eq!(e.value(), -300);
}

/// Wilder's 14-period example (the StockCharts "RSI" worksheet closes).
const CLOSES: [f64; 33] = [
    44.3389, 44.0902, 44.1497, 43.6124, 44.3278, 44.8264, 45.0955, 45.4245, 45.8433, 46.0826, 45.8931,
    46.0328, 45.6140, 46.2820, 46.2820, 46.0028, 46.0328, 46.4116, 46.2222, 45.6439, 46.2122, 46.2521,
    45.7137, 46.4515, 45.7835, 45.3548, 44.0288, 44.1783, 44.2181, 44.5672, 43.4205, 42.6628, 43.1314,
];
/// The worksheet's published RSI values (two decimals), from the 15th close on.
const PUBLISHED: [f64; 19] = [
    70.53, 66.32, 66.55, 69.41, 66.36, 57.97, 62.93, 63.26, 56.06, 62.38, 54.71, 50.42, 39.99, 41.46, 41.87,
    45.46, 37.30, 33.08, 37.77,
];

#[test]
fn rsi_matches_wilder_classic_example() {
    let want = ref_rsi(&CLOSES, 14);
    assert_eq!(want.len(), PUBLISHED.len());
    let mut rsi = WilderRsi::new(14);
    let mut got = Vec::new();
    for c in CLOSES {
        let raw = (c * 1e4).round() as i64 * 10_000; // exact 1e-8 units
        if let Some(v) = rsi.update(raw) {
            got.push(v);
        }
    }
    assert_eq!(got.len(), 19);
    for (i, ((g, w), p)) in got.iter().zip(&want).zip(&PUBLISHED).enumerate() {
        let g = *g as f64 / 100.0;
        assert!((g - w).abs() <= 0.01, "#{i}: fixed {g} vs f64 reference {w}");
        assert!((g - p).abs() <= 0.06, "#{i}: fixed {g} vs published {p}");
    }
}

#[test]
fn rsi_edges() {
    let mut r = WilderRsi::new(3);
    assert_eq!(r.update(10), None);
    assert_eq!(r.update(10), None);
    assert_eq!(r.update(10), None);
    assert_eq!(r.update(10), Some(5_000), "flat input reads 50");
    assert_eq!(r.update(11), Some(10_000), "only gains read 100");
    let mut r = WilderRsi::new(2);
    r.update(10);
    r.update(9);
    assert_eq!(r.update(8), Some(0));
}

proptest! {
    #[test]
    fn ema_stays_within_input_range(xs in proptest::collection::vec(-1_000_000_000_000i64..1_000_000_000_000_000, 1..200), p in 1u32..500) {
        let mut e = FixedEma::with_period(p);
        let (lo, hi) = (*xs.iter().min().unwrap(), *xs.iter().max().unwrap());
        for x in &xs {
            e.update(*x);
            prop_assert!(e.value() >= lo && e.value() <= hi);
        }
    }

    #[test]
    fn rsi_in_range_and_close_to_f64(xs in proptest::collection::vec(1i64..1_000_000, 20..200), p in 2u32..30) {
        let mut r = WilderRsi::new(p);
        let fx: Vec<f64> = xs.iter().map(|&x| x as f64).collect();
        let want = ref_rsi(&fx, p as usize);
        let got: Vec<u32> = xs.iter().filter_map(|&x| r.update(x)).collect();
        prop_assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(&want) {
            prop_assert!(*g <= 10_000);
            if w.is_finite() {
                prop_assert!((*g as f64 / 100.0 - w).abs() <= 0.01, "{} vs {}", g, w);
            }
        }
    }
}
