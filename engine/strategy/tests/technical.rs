//! The technical agent on the repo's real BTCUSDT sample capture (`feeds/testdata`): its bars,
//! indicators, components and scores at every bar close against an f64 recomputation here from
//! the same trades, with stated tolerances; the agent in the host (`[strategy.technical]`); and
//! its config errors.

use alphapulse_feeds::testdata::{replay_messages, sample_capture};
use alphapulse_runtime::{Actor, VecOutbox};
use alphapulse_strategy::{
    MarketState, Strategy, StrategyConfig, StrategyHost, TechnicalAgent, TechnicalConfig, TechnicalReading,
};
use alphapulse_types::{InstrumentId, Msg, Trade};

const F: f64 = 4_294_967_296.0; // 2^FRAC_BITS

fn f(x: i128) -> f64 {
    x as f64 / F
}

fn sample_trades() -> (Vec<Trade>, InstrumentId) {
    let table = alphapulse_feeds::sample_instruments();
    let stream = replay_messages(&[sample_capture()], &table).expect("replay the sample capture");
    let trades: Vec<Trade> =
        stream.msgs.iter().filter_map(|m| if let Msg::Trade(t) = m { Some(*t) } else { None }).collect();
    (trades, table.id_of("BTCUSDT").expect("BTCUSDT"))
}

/// One closed bar in f64 (raw units).
#[derive(Clone, Copy, Debug)]
struct FBar {
    start: u64,
    high: f64,
    low: f64,
    close: f64,
    volume: f64,
    notional: f64,
}

/// Closed bars of `iv` ns: trades grouped by `exch_ts / iv` (the last, forming group left out).
fn f_bars(trades: &[Trade], iv: u64) -> Vec<FBar> {
    let mut out: Vec<FBar> = Vec::new();
    for t in trades {
        let (px, q, start) = (t.px.raw() as f64, t.qty.raw() as f64, t.exch_ts / iv * iv);
        match out.last_mut() {
            Some(b) if b.start == start => {
                b.high = b.high.max(px);
                b.low = b.low.min(px);
                b.close = px;
                b.volume += q;
                b.notional += px * q;
            }
            _ => out.push(FBar { start, high: px, low: px, close: px, volume: q, notional: px * q }),
        }
    }
    out.pop();
    out
}

/// The f64 reading of each bar once warm: (macd, signal, hist, mean, sigma, atr, vwap, dev_ppm,
/// %b, components, score), by bar start.
#[derive(Clone, Copy, Debug)]
struct FReading {
    start: u64,
    macd: [f64; 3],
    mean: f64,
    sigma: f64,
    atr: f64,
    vwap: f64,
    dev_ppm: f64,
    pb: f64,
    comp: [f64; 4],
    score: f64,
}

fn f_readings(bars: &[FBar], c: &TechnicalConfig) -> Vec<FReading> {
    let ema = |p: u32| 2.0 / (p as f64 + 1.0);
    let (mut fast, mut slow, mut sig) = (bars[0].close, bars[0].close, 0.0);
    let mut atr = 0.0;
    let mut out = Vec::new();
    let clamp = |x: f64| x.clamp(-10_000.0, 10_000.0);
    for (i, b) in bars.iter().enumerate() {
        if i > 0 {
            fast += ema(c.macd_fast) * (b.close - fast);
            slow += ema(c.macd_slow) * (b.close - slow);
        }
        let macd = fast - slow;
        let first_sig = c.macd_slow as usize - 1;
        if i == first_sig {
            sig = macd;
        } else if i > first_sig {
            sig += ema(c.macd_signal) * (macd - sig);
        }
        let tr = if i == 0 {
            b.high - b.low
        } else {
            let pc = bars[i - 1].close;
            (b.high - b.low).max((b.high - pc).abs()).max((b.low - pc).abs())
        };
        let n_atr = c.atr_period as usize;
        if i < n_atr {
            atr += tr / n_atr as f64;
        } else {
            atr = (atr * (n_atr as f64 - 1.0) + tr) / n_atr as f64;
        }
        let (nb, nv) = (c.bollinger_period as usize, c.vwap_bars as usize);
        let warm = (c.macd_slow + c.macd_signal - 1)
            .max(c.bollinger_period)
            .max(c.atr_period)
            .max(c.vwap_bars)
            .max(2);
        if i + 1 < warm as usize {
            continue;
        }
        let w = &bars[i + 1 - nb..=i];
        let mean = w.iter().map(|b| b.close).sum::<f64>() / nb as f64;
        let sigma = (w.iter().map(|b| (b.close - mean).powi(2)).sum::<f64>() / nb as f64).sqrt();
        let k = c.bollinger_k_milli as f64 / 1000.0;
        let pb =
            if sigma == 0.0 { 5_000.0 } else { (b.close - (mean - k * sigma)) / (2.0 * k * sigma) * 1e4 };
        let v = &bars[i + 1 - nv..=i];
        let vwap = v.iter().map(|b| b.notional).sum::<f64>() / v.iter().map(|b| b.volume).sum::<f64>();
        let dev_ppm = (b.close - vwap) / vwap * 1e6;
        let per_atr =
            |x: f64, full: u32| if atr > 0.0 { clamp(x / atr / (full as f64 / 1000.0) * 1e4) } else { 0.0 };
        let comp = [
            per_atr(macd - sig, c.macd_full_atr_permille),
            clamp((5_000.0 - pb) * 2.0),
            clamp(-dev_ppm / c.vwap_full_ppm as f64 * 1e4),
            per_atr(b.close - bars[i - 1].close, c.move_full_atr_permille),
        ];
        let ws = [c.weight_macd, c.weight_bollinger, c.weight_vwap, c.weight_move].map(|w| w as f64);
        let score = comp.iter().zip(ws).map(|(c, w)| c * w).sum::<f64>() / ws.iter().sum::<f64>();
        out.push(FReading {
            start: b.start,
            macd: [macd, sig, macd - sig],
            mean,
            sigma,
            atr,
            vwap,
            dev_ppm,
            pb,
            comp,
            score,
        });
    }
    out
}

fn close(got: f64, want: f64, tol: f64, what: &str, at: u64) {
    assert!((got - want).abs() <= tol, "{what} at bar {at}: fixed {got} vs f64 {want} (tolerance {tol})");
}

fn check(r: &TechnicalReading, w: &FReading) {
    let at = w.start;
    assert_eq!(r.bar.start, w.start);
    // Tolerances (raw units of 1e-8): f64 carries ~1e-3 of rounding at BTC's 6e12; 0.05 leaves room.
    for (g, x, name) in [
        (r.macd.macd, w.macd[0], "macd"),
        (r.macd.signal, w.macd[1], "signal"),
        (r.macd.hist, w.macd[2], "hist"),
    ] {
        close(f(g), x, 0.05, name, at);
    }
    close(f(r.bollinger.mean), w.mean, 0.05, "bollinger mean", at);
    close(f(r.bollinger.sigma), w.sigma, 0.05, "bollinger σ", at);
    close(f(r.atr), w.atr, 0.05, "atr", at);
    close(f(r.vwap), w.vwap, 0.05, "vwap", at);
    // Integer outputs: rounded to nearest, so within 1 (2 for the components built from them).
    close(r.vwap_dev_ppm as f64, w.dev_ppm, 1.0, "vwap deviation ppm", at);
    close(r.percent_b_bps as f64, w.pb, 1.0, "%b bps", at);
    for (k, (g, x)) in r.components.iter().zip(w.comp).enumerate() {
        close(*g as f64, x, 2.5, &format!("component {k}"), at);
    }
    close(r.score as f64, w.score, 2.5, "score", at);
}

fn cfg() -> TechnicalConfig {
    TechnicalConfig { intervals_ms: vec![1_000, 5_000], min_abs_score: 500, ..Default::default() }
}

#[test]
fn indicators_and_scores_match_f64_on_the_sample_capture() {
    let (trades, inst) = sample_trades();
    assert!(trades.len() > 5_000, "the sample has real trades: {}", trades.len());
    let c = cfg();
    let mut agent = TechnicalAgent::new(&c, alphapulse_feeds::sample_instruments().len()).unwrap();
    let state = MarketState::new(alphapulse_feeds::sample_instruments().len(), 1);
    let view = state.view(None);
    let mut got: [Vec<TechnicalReading>; 2] = [Vec::new(), Vec::new()];
    let mut signals = Vec::new();
    for t in &trades {
        let before = [0, 1].map(|k| agent.bars().closed(inst, k, 0).map(|b| b.start));
        let s = agent.on_trade(t, &view);
        for k in 0..2 {
            let now = agent.bars().closed(inst, k, 0).map(|b| b.start);
            if now != before[k] {
                got[k].extend(agent.reading(inst, k).copied().filter(|r| Some(r.bar.start) == now));
            }
        }
        if let Some(s) = s {
            assert_eq!((s.inst, s.ts), (inst, t.local_ts));
            let latest = [0, 1].map(|k| agent.bars().closed(inst, k, 0).map(|b| b.start));
            signals.push((s.score, latest));
        }
    }
    let st = agent.bars().stats();
    assert_eq!((st.late, st.reordered, st.not_positive), (0, 0, 0), "the capture's trades are in time order");
    assert_eq!(st.trades, trades.len() as u64);
    let mut want_scores = Vec::new();
    for (k, iv_ms) in c.intervals_ms.iter().enumerate() {
        let want = f_readings(&f_bars(&trades, iv_ms * 1_000_000), &c);
        assert!(want.len() >= 20, "{iv_ms} ms: {} warm bars", want.len());
        assert_eq!(got[k].len(), want.len(), "{iv_ms} ms: one reading per warm bar");
        for (r, w) in got[k].iter().zip(&want) {
            check(r, w);
        }
        for i in [0, want.len() / 2, want.len() - 1] {
            let (r, w) = (&got[k][i], &want[i]);
            println!(
                "{iv_ms} ms bar {}: close {} hist {:.4} σ {:.4} atr {:.4} vwap {:.4} dev {} ppm %b {} comps {:?} score {} (f64 {:.2})",
                r.bar.start, r.bar.close, f(r.macd.hist) / 1e8, f(r.bollinger.sigma) / 1e8, f(r.atr) / 1e8,
                f(r.vwap) / 1e8, r.vwap_dev_ppm, r.percent_b_bps, r.components, r.score, w.score
            );
        }
        // The scores are not trivially flat: both signs (and some strength on 1 s bars).
        let strong = if k == 0 { 1_000.0 } else { 0.0 };
        assert!(
            want.iter().any(|w| w.score > strong) && want.iter().any(|w| w.score < -strong),
            "{iv_ms} ms"
        );
        want_scores.push(want);
    }
    // Each signal: the mean of the latest warm intervals' scores, 0 inside the dead band.
    assert!(signals.len() > 100, "{} signals", signals.len());
    let mut nonzero = 0;
    for (score, latest) in &signals {
        let warm: Vec<f64> = (0..2)
            .filter_map(|k| want_scores[k].iter().find(|w| Some(w.start) == latest[k]).map(|w| w.score))
            .collect();
        assert!(!warm.is_empty());
        let mean = warm.iter().sum::<f64>() / warm.len() as f64;
        if (mean.abs() - c.min_abs_score as f64).abs() <= 3.0 {
            continue; // at the dead band's edge, rounding may go either way
        }
        let want = if mean.abs() < c.min_abs_score as f64 { 0.0 } else { mean };
        assert!((*score as f64 - want).abs() <= 3.0, "signal {score} vs f64 {want}");
        nonzero += (*score != 0) as u32;
    }
    assert!(nonzero > 10, "{nonzero} non-zero signals");
}

#[test]
fn first_bars_before_warm_up_emit_nothing() {
    let (trades, inst) = sample_trades();
    let c = TechnicalConfig { intervals_ms: vec![1_000], ..cfg() };
    let mut agent = TechnicalAgent::new(&c, 1 + inst.index()).unwrap();
    let state = MarketState::new(1 + inst.index(), 1);
    let warm = agent.warmup_bars() as usize;
    assert_eq!(warm, 34);
    let mut first = None;
    for t in &trades {
        if agent.on_trade(t, &state.view(None)).is_some() {
            first = Some(agent.bars().len(inst, 0));
            break;
        }
        assert!(agent.reading(inst, 0).is_none());
    }
    assert_eq!(first, Some(warm), "the first signal comes with the warm-up's last bar");
    assert_eq!(agent.on_quote(&Default::default(), &state.view(None)), None);
}

#[test]
fn the_host_runs_it_from_its_config_table() {
    let table = alphapulse_feeds::sample_instruments();
    let stream = replay_messages(&[sample_capture()], &table).unwrap();
    let cfg: StrategyConfig = toml::from_str(
        "[ema_cross]\nenabled = false\n[imbalance]\nenabled = false\n[technical]\nintervals_ms = [1000, 5000]\nmin_abs_score = 500\n[aggregator]\nweights = { technical = 2 }\n",
    )
    .unwrap();
    assert_eq!(cfg.technical, Some(self::cfg()));
    let mut host = StrategyHost::new(&cfg, &table, 1000).unwrap();
    let mut out = VecOutbox::default();
    let mut journaled = 0u64;
    for m in &stream.msgs {
        if !host.handles().contains(m) {
            continue;
        }
        stream.handle_in(m, &mut out, &mut host);
        journaled +=
            out.journal.iter().filter(|j| matches!(j, Msg::Signal(s) if s.agent == 0)).count() as u64;
        out.clear();
    }
    let s = host.stats();
    assert_eq!(s.agents.len(), 1);
    assert_eq!((s.agents[0].name.as_str(), s.agents[0].weight), ("technical", 2));
    assert!(s.agents[0].signals > 100 && journaled == s.agents[0].signals, "{:?} {journaled}", s.agents[0]);
    // Off by default: the default config has no technical agent.
    let def = StrategyHost::new(&StrategyConfig::default(), &table, 1000).unwrap();
    assert!(def.stats().agents.iter().all(|a| a.name != "technical"));
}

#[test]
fn config_errors_name_the_key() {
    let parse = |t: &str| toml::from_str::<StrategyConfig>(t);
    let bad = |t: &str| parse(t).unwrap().validate().unwrap_err().to_string();
    let one: StrategyConfig = parse("[technical]\nintervals_ms = 2000\n").unwrap();
    assert_eq!(one.technical.unwrap().intervals_ms, vec![2_000]);
    let e = parse("[technical]\nmacd_fats = 3\n").unwrap_err().to_string();
    assert!(e.contains("macd_fats"), "{e}");
    let e = parse("[technical]\nintervals_ms = \"1s\"\n").unwrap_err().to_string();
    assert!(e.contains("intervals_ms") || e.contains("list of them"), "{e}");
    for (t, key) in [
        ("[technical]\nmacd_fast = 26\n", "technical.macd_slow"),
        ("[technical]\nmacd_fast = 0\n", "technical.macd_fast"),
        ("[technical]\nintervals_ms = [1000, 1500]\n", "technical.intervals_ms"),
        ("[technical]\nintervals_ms = [5000, 1000]\n", "technical.intervals_ms"),
        ("[technical]\nintervals_ms = []\n", "technical.intervals_ms"),
        ("[technical]\nintervals_ms = [0]\n", "technical.intervals_ms"),
        ("[technical]\nbars_kept = 0\n", "technical.bars_kept"),
        ("[technical]\nbollinger_period = 1\n", "technical.bollinger_period"),
        ("[technical]\natr_period = 0\n", "technical.atr_period"),
        ("[technical]\nvwap_bars = 100000\n", "technical.vwap_bars"),
        ("[technical]\nweight_vwap = 5000\n", "technical.weight_vwap"),
        (
            "[technical]\nweight_macd = 0\nweight_bollinger = 0\nweight_vwap = 0\nweight_move = 0\n",
            "technical.weight_macd",
        ),
        ("[technical]\nvwap_full_ppm = 0\n", "technical.vwap_full_ppm"),
        ("[technical]\nmin_abs_score = 10001\n", "technical.min_abs_score"),
    ] {
        let e = bad(t);
        assert!(e.contains(key), "{t}: {e}");
        let c = parse(t).unwrap().technical.unwrap();
        assert!(TechnicalAgent::new(&c, 1).is_err(), "{t}: the agent refuses it too");
    }
    let e = bad("[technical]\n[[plugins]]\nname = \"technical\"\nbuiltin = \"technical\"\n");
    assert!(e.contains("`technical` is used twice"), "{e}");
    assert!(parse(
        "[technical]\nenabled = false\n[[plugins]]\nname = \"technical\"\nbuiltin = \"technical\"\n"
    )
    .unwrap()
    .validate()
    .is_ok());
}
