//! Accounting identities over random fill sequences (buys, sells, flips, fees, moving marks),
//! checked after every event, exactly (in the portfolio's 1e-16 units):
//! - `equity == cash + Σ position × mark` (positions and marks read back, summed here);
//! - `realized + unrealized − fees == equity − initial cash`;
//! - cash and positions equal an independent replay of the cash flows and signed quantities;
//! - peak equity and max drawdown equal the running maximum and the max fall from it.
//!
//! Plus hand-computed average-cost cases.

use alphapulse_risk::Portfolio;
use alphapulse_types::*;
use proptest::prelude::*;

const N: usize = 3;

#[derive(Clone, Debug)]
enum Ev {
    Mark(u32, i64),
    Fill(u32, Side, i64, i64, i64),
}

fn ev() -> impl Strategy<Value = Ev> {
    let inst = 0u32..N as u32 + 1; // id N is unknown: must be refused without effect
    let px = 1i64..200_000_000_000;
    prop_oneof![
        (inst.clone(), px.clone()).prop_map(|(i, p)| Ev::Mark(i, p)),
        (
            inst,
            prop::sample::select(vec![Side::Buy, Side::Sell]),
            px,
            1i64..1_000_000_000,
            -1_000_000i64..5_000_000
        )
            .prop_map(|(i, s, p, q, f)| Ev::Fill(i, s, p, q, f)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn identities_hold_after_every_event(
        initial in 0i64..1_000_000_000_000_000,
        evs in prop::collection::vec(ev(), 1..80),
    ) {
        let mut p = Portfolio::new(Money(initial), N);
        let w = SCALE as i128;
        let mut cash = initial as i128 * w;
        let mut pos = [0i128; N];
        let mut peak = initial as i128 * w;
        let mut max_dd = 0i128;
        for e in &evs {
            match *e {
                Ev::Mark(i, px) => p.on_mark(InstrumentId(i), Price(px)),
                Ev::Fill(i, side, px, q, fee) => {
                    let ok = p.on_fill(InstrumentId(i), side, Price(px), Qty(q), Money(fee));
                    prop_assert_eq!(ok, (i as usize) < N);
                    if ok {
                        let signed = side.sign() as i128 * q as i128;
                        pos[i as usize] += signed;
                        cash -= px as i128 * signed + fee as i128 * w;
                    }
                }
            }
            let x = p.exact();
            // Realized per instrument adds up (to truncation: each is truncated to 1e-8 on its own).
            let per: i128 = (0..N as u32).map(|i| p.realized_of(InstrumentId(i)).raw() as i128).sum();
            prop_assert!((per - x.realized / w).abs() < N as i128, "{} vs {}", per, x.realized / w);
            let mut mv = 0i128;
            for (i, want) in pos.iter().enumerate() {
                let id = InstrumentId(i as u32);
                prop_assert_eq!(p.position(id).raw() as i128, *want);
                let mark = p.mark(id).map_or(0, |m| m.raw() as i128);
                prop_assert!(*want == 0 || mark > 0, "a position without a mark");
                mv += p.position(id).raw() as i128 * mark;
            }
            prop_assert_eq!(x.cash, cash);
            prop_assert_eq!(x.market_value, mv);
            prop_assert_eq!(x.equity, x.cash + mv);
            prop_assert_eq!(x.realized + x.unrealized - x.fees, x.equity - x.initial_cash);
            peak = peak.max(x.equity);
            max_dd = max_dd.max(peak - x.equity);
            prop_assert_eq!(x.peak_equity, peak);
            prop_assert_eq!(x.max_drawdown, max_dd);
            prop_assert_eq!(p.equity().raw() as i128, x.equity / w);
        }
    }
}

fn u(x: i64) -> Price {
    Price::from_units(x)
}

#[test]
fn average_cost_realizes_on_reduction_and_flip() {
    let a = InstrumentId(0);
    let mut p = Portfolio::new(Money::from_units(1_000), 1);
    // Buy 1 @ 100 and 1 @ 110: average 105.
    assert!(p.on_fill(a, Side::Buy, u(100), Qty::from_units(1), Money::ZERO));
    assert!(p.on_fill(a, Side::Buy, u(110), Qty::from_units(1), Money::from_units(1)));
    assert_eq!(p.avg_price(a), u(105));
    assert_eq!(p.cash(), Money::from_units(1_000 - 210 - 1));
    // The first fill set the mark (100): unrealized = 2 × (100 − 105) = −10.
    assert_eq!(p.unrealized_pnl(), Money::from_units(-10));
    p.on_mark(a, u(110));
    assert_eq!(p.unrealized_pnl(), Money::from_units(10));
    // Sell 3 @ 120: close 2 (realize 2 × 15 = 30), open short 1 @ 120.
    assert!(p.on_fill(a, Side::Sell, u(120), Qty::from_units(3), Money::ZERO));
    assert_eq!(p.realized_pnl(), Money::from_units(30));
    assert_eq!(p.position(a), Qty::from_units(-1));
    assert_eq!(p.avg_price(a), u(120));
    // Mark to 100: short 1 from 120 gains 20.
    p.on_mark(a, u(100));
    assert_eq!(p.unrealized_pnl(), Money::from_units(20));
    assert_eq!(p.equity(), Money::from_units(1_000 - 210 - 1 + 360 - 100));
    // Buy 1 @ 90 flattens: realize 30 more.
    assert!(p.on_fill(a, Side::Buy, u(90), Qty::from_units(1), Money::ZERO));
    assert_eq!(p.realized_pnl(), Money::from_units(60));
    assert_eq!(p.position(a), Qty::ZERO);
    assert_eq!(p.avg_price(a), Price::ZERO);
    assert_eq!(p.equity(), Money::from_units(1_000 + 60 - 1));
    assert_eq!(p.fill_count(), 4);
    assert_eq!(p.volume(), Qty::from_units(6));
    assert_eq!(p.traded_notional(), Money::from_units(100 + 110 + 360 + 90));
    // Equity path: 1000, 1000, 989 (fee 1 + mark 100 < avg 105), 1009, 1039, 1049, 1059:
    // the peak was 1059 and the deepest fall 11 (1000 → 989).
    assert_eq!(p.peak_equity(), Money::from_units(1_059));
    assert_eq!(p.max_drawdown(), Money::from_units(11));
}

#[test]
fn drawdown_follows_marks() {
    let a = InstrumentId(0);
    let mut p = Portfolio::new(Money::from_units(100), 1);
    p.on_fill(a, Side::Buy, u(10), Qty::from_units(2), Money::ZERO);
    p.on_mark(a, u(15)); // equity 110 (peak)
    p.on_mark(a, u(8)); // equity 96: drawdown 14
    p.on_mark(a, u(20)); // equity 120 (new peak)
    p.on_mark(a, u(16)); // equity 112: drawdown 8 < 14
    assert_eq!(p.peak_equity(), Money::from_units(120));
    assert_eq!(p.max_drawdown(), Money::from_units(14));
    assert_eq!(p.equity(), Money::from_units(112));
    // Refused input changes nothing.
    assert!(!p.on_fill(InstrumentId(5), Side::Buy, u(1), Qty::from_units(1), Money::ZERO));
    assert!(!p.on_fill(a, Side::Buy, u(1), Qty::ZERO, Money::ZERO));
    assert_eq!(p.unknown_instrument_fills(), 1);
    assert_eq!(p.fill_count(), 1);
}
