//! The aggregator with its confidence: decisions and their outcomes, the risk back-off, the
//! confidence floor, and accuracy learned from the mid (see `confidence.rs`).

use super::tests::{agg, cfg, refused, step, view, I, SEC};
use super::*;
use crate::MarketState;
use alphapulse_types::Quote;

/// A two-sided quote of `I` with mid `mid` (in whole USDT), a 1-cent spread.
fn at_mid(v: &mut MarketState, mid: i64) {
    v.apply_quote(&Quote {
        inst: I,
        bid_px: Price::from_units(mid),
        bid_qty: Qty::from_units(1),
        ask_px: Price::from_units(mid) + Price::parse(b"0.01").unwrap(),
        ask_qty: Qty::from_units(1),
        ..Default::default()
    });
}

#[test]
fn every_decision_past_the_threshold_is_kept_with_its_outcome() {
    let v = view();
    let mut a = agg(&cfg(), &[1]);
    // Below the threshold: no decision at all.
    assert_eq!(step(&mut a, &v, 0, 3_000, SEC), None);
    assert_eq!(a.take_decision(), None);
    let it = step(&mut a, &v, 0, 5_000, 2 * SEC).unwrap();
    let d = a.take_decision().unwrap();
    assert_eq!(
        (d.outcome, d.intent_id, d.combined, d.confidence),
        (AggregateOutcome::Sent, it.intent_id, 5_000, 5_000)
    );
    assert_eq!((d.agreement, d.accuracy, d.freshness, d.agents, d.solo), (10_000, 5_000, 10_000, 1, 0));
    assert_eq!((d.ts, d.origin_ts, d.inst), (2 * SEC + 7, 2 * SEC, I));
    assert_eq!(a.take_decision(), None, "taken once");
    assert_eq!(step(&mut a, &v, 0, 5_000, 2 * SEC + 1), None);
    assert_eq!(a.take_decision().map(|d| (d.outcome, d.intent_id)), Some((AggregateOutcome::Outstanding, 0)));
    a.set_halted(true);
    assert_eq!(step(&mut a, &v, 0, 5_000, 2 * SEC + 2), None);
    assert_eq!(a.take_decision().map(|d| d.outcome), Some(AggregateOutcome::Halted));
}

#[test]
fn a_risk_refusal_backs_the_instrument_off() {
    let v = view();
    let mut c = cfg();
    c.min_interval_ns = 0;
    c.confidence.risk_backoff_ns = 3 * SEC;
    let mut a = agg(&c, &[1]);
    let first = step(&mut a, &v, 0, 5_000, SEC).unwrap();
    a.on_exec(&refused(&first, VenueReject::RiskRefused));
    // Within 3 s of the refused intent's event time: held back, counted, and journaled as such.
    assert_eq!(step(&mut a, &v, 0, 5_000, 2 * SEC), None);
    assert_eq!(a.take_decision().map(|d| d.outcome), Some(AggregateOutcome::RiskBackoff));
    assert_eq!(step(&mut a, &v, 0, 5_000, 4 * SEC - 1), None);
    assert_eq!(a.stats().suppressed_risk_backoff, 2);
    // From 3 s on it trades again. A refusal by the order manager does not back off.
    let second = step(&mut a, &v, 0, 5_000, 4 * SEC).unwrap();
    a.on_exec(&refused(&second, VenueReject::OrderTableFull));
    assert!(step(&mut a, &v, 0, 5_000, 4 * SEC + 1).is_some());
    assert_eq!(a.stats().suppressed_risk_backoff, 2);
}

#[test]
fn confidence_floor_holds_back_split_decisions() {
    let v = view();
    let mut c = cfg();
    c.confidence.min_confidence_bps = 5_000;
    let mut a = agg(&c, &[3, 1]);
    // Agent 1 at −8000, then agent 0 at +8000: combined (24000 − 8000)/4 = 4000 passes the
    // threshold, but agreement is 24000/32000 and agent 1's signal is 1 s old of 5: 4000 × ¾ ×
    // (3 + ⅘)/4 = 2850 < 5000.
    a.on_signal(1, Signal { inst: I, score: -8_000, ts: SEC });
    while a.take_dirty().is_some() {}
    assert_eq!(step(&mut a, &v, 0, 8_000, 2 * SEC), None);
    let d = a.take_decision().unwrap();
    assert_eq!(
        (d.outcome, d.combined, d.confidence, d.agreement),
        (AggregateOutcome::LowConfidence, 4_000, 2_850, 7_500)
    );
    assert_eq!(a.stats().suppressed_low_confidence, 1);
    // Unanimous and fresh: 9000 ≥ 5000 goes.
    let mut b = agg(&c, &[1]);
    assert!(step(&mut b, &v, 0, 9_000, SEC).is_some());
}

#[test]
fn hit_rates_come_from_the_mid_and_can_set_the_weights() {
    let mut c = cfg();
    c.min_interval_ns = 0;
    c.confidence.horizon_ns = SEC;
    c.confidence.accuracy_alpha_bps = 2_000;
    c.confidence.weighting = Weighting::Accuracy;
    let mut a = agg(&c, &[1, 1]);
    let mut v = MarketState::new(1, 10);
    // The mid climbs 12 USDT a second (2 bp of 60 000); agent 0 says up, agent 1 says down, each
    // second. Their checks are scored a second later. (They cancel out: no decision is made.)
    for k in 0..10u64 {
        at_mid(&mut v, 60_000 + 12 * k as i64);
        for (agent, score) in [(0, 3_000), (1, -3_000)] {
            a.on_signal(agent, Signal { inst: I, score, ts: (k + 1) * SEC });
        }
        while let Some(inst) = a.take_dirty() {
            assert_eq!(a.evaluate(inst, (k + 1) * SEC, (k + 1) * SEC, &v.view(None)), None);
        }
    }
    let (good, bad) = (a.accuracy(0), a.accuracy(1));
    // Nine checks each (the tenth is still pending): all hits, all misses.
    assert_eq!((good.scored, good.hits, bad.scored, bad.hits), (9, 9, 9, 0));
    // 5000 → 10000 − 5000·0.8⁹ and 5000·0.8⁹.
    let decay = 0.8f64.powi(9);
    assert!((good.hit_rate_bps as f64 - (10_000.0 - 5_000.0 * decay)).abs() <= 9.0, "{good:?}");
    assert!((bad.hit_rate_bps as f64 - 5_000.0 * decay).abs() <= 9.0, "{bad:?}");
    // Weighted by accuracy, equal and opposite scores no longer cancel: agent 0 carries it.
    let combined = a.combined(I, 10 * SEC).unwrap();
    let (wg, wb) = (good.hit_rate_bps as i64, bad.hit_rate_bps as i64);
    assert_eq!(combined as i64, (wg * 3_000 - wb * 3_000) / (wg + wb));
    assert!(combined > 2_000, "{combined}");
}
