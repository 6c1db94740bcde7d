//! A log–log percentile plot of the latency distributions, as hand-written SVG: x = percentile on
//! the 1/(1−p) scale (50 %, 90 %, 99 %, …), y = latency on a log scale.

use crate::harness::hist::SERIES;
use hdrhistogram::Histogram;
use std::fmt::Write;

const W: f64 = 820.0;
const H: f64 = 480.0;
const L: f64 = 80.0;
const R: f64 = 170.0;
const T: f64 = 40.0;
const B: f64 = 50.0;
const COLORS: [&str; 5] = ["#000000", "#1f77b4", "#2ca02c", "#ff7f0e", "#d62728"];

/// The plot of `hists` (in [`SERIES`] order), with the p50/p99/p99.9 targets (ns) as crosses.
pub fn plot(title: &str, hists: &[Histogram<u64>], targets: Option<[u64; 3]>) -> String {
    let max_count = hists.iter().map(|h| h.len()).max().unwrap_or(1).max(10);
    let x_decades = ((max_count as f64).log10().ceil() as u32).clamp(2, 7);
    let lo = hists.iter().filter(|h| !h.is_empty()).map(|h| h.min().max(1)).min().unwrap_or(10);
    let hi = hists.iter().map(|h| h.max()).max().unwrap_or(1000).max(lo * 10);
    let (y0, y1) = ((lo as f64).log10().floor(), (hi as f64).log10().ceil());
    let px = |inv: f64| L + (inv.max(1.0).log10() / x_decades as f64) * (W - L - R);
    let py = |ns: f64| H - B - ((ns.max(1.0).log10() - y0) / (y1 - y0)) * (H - T - B);
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(s, r#"<text x="{}" y="22" font-size="14">{}</text>"#, L, esc(title));
    for d in 0..=x_decades {
        let x = px(10f64.powi(d as i32));
        let label = match d {
            0 => "0%".to_string(),
            d => format!("{}%", 100.0 - 100.0 / 10f64.powi(d as i32)),
        };
        let _ = writeln!(s, r##"<line x1="{x:.1}" y1="{T}" x2="{x:.1}" y2="{}" stroke="#ddd"/>"##, H - B);
        let _ = writeln!(s, r#"<text x="{x:.1}" y="{}" text-anchor="middle">{label}</text>"#, H - B + 16.0);
    }
    for e in y0 as i32..=y1 as i32 {
        let y = py(10f64.powi(e));
        let _ = writeln!(s, r##"<line x1="{L}" y1="{y:.1}" x2="{}" y2="{y:.1}" stroke="#ddd"/>"##, W - R);
        let _ =
            writeln!(s, r#"<text x="{}" y="{:.1}" text-anchor="end">{}</text>"#, L - 6.0, y + 4.0, unit(e));
    }
    let _ = writeln!(
        s,
        r#"<text x="{}" y="{}" text-anchor="middle">percentile</text>"#,
        (L + W - R) / 2.0,
        H - 12.0
    );
    let _ = writeln!(
        s,
        r#"<text x="16" y="{}" transform="rotate(-90 16 {})" text-anchor="middle">latency</text>"#,
        H / 2.0,
        H / 2.0
    );
    for (i, h) in hists.iter().enumerate() {
        if h.is_empty() {
            continue;
        }
        let mut pts = String::new();
        for v in h.iter_quantiles(5) {
            let q = v.quantile_iterated_to();
            if q >= 1.0 {
                break;
            }
            let _ = write!(pts, "{:.1},{:.1} ", px(1.0 / (1.0 - q)), py(v.value_iterated_to() as f64));
        }
        let c = COLORS[i % COLORS.len()];
        let width = if i == 0 { 2.5 } else { 1.5 };
        let _ = writeln!(s, r#"<polyline fill="none" stroke="{c}" stroke-width="{width}" points="{pts}"/>"#);
        let ly = T + 16.0 + 18.0 * i as f64;
        let _ = writeln!(
            s,
            r#"<line x1="{}" y1="{ly}" x2="{}" y2="{ly}" stroke="{c}" stroke-width="{width}"/>"#,
            W - R + 10.0,
            W - R + 30.0
        );
        let _ = writeln!(s, r#"<text x="{}" y="{}">{}</text>"#, W - R + 36.0, ly + 4.0, esc(SERIES[i].1));
    }
    if let Some(t) = targets {
        for (q, ns) in [(0.5, t[0]), (0.99, t[1]), (0.999, t[2])] {
            let (x, y) = (px(1.0 / (1.0 - q)), py(ns as f64));
            let _ = writeln!(
                s,
                r##"<path d="M{:.1},{:.1}l10,10m0,-10l-10,10" stroke="#9467bd" stroke-width="2"/>"##,
                x - 5.0,
                y - 5.0
            );
        }
        let ly = T + 16.0 + 18.0 * hists.len() as f64;
        let _ = writeln!(
            s,
            r##"<text x="{}" y="{}" fill="#9467bd">× design target</text>"##,
            W - R + 10.0,
            ly + 4.0
        );
    }
    s.push_str("</svg>\n");
    s
}

fn unit(e: i32) -> String {
    match e {
        ..=2 => format!("{} ns", 10u64.pow(e.max(0) as u32)),
        3..=5 => format!("{} µs", 10u64.pow((e - 3) as u32)),
        6..=8 => format!("{} ms", 10u64.pow((e - 6) as u32)),
        _ => format!("{} s", 10u64.pow((e - 9).max(0) as u32)),
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harness::hist::Latencies;

    #[test]
    fn plot_is_well_formed_svg() {
        let mut l = Latencies::new();
        for v in 1..=10_000u64 {
            l.record([200 + v, v, v, v, v], None);
        }
        let svg = plot("t <1>", &l.h[..super::super::hist::HOPS], Some([300, 1500, 10_000]));
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert_eq!(svg.matches("<polyline").count(), 5);
        assert!(svg.contains("t &lt;1&gt;") && svg.contains("99.9%") && svg.contains("1 µs"));
    }
}
