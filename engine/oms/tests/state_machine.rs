//! The lifecycle transition table: one test per valid transition, the full state × event grid,
//! and random event sequences (every step is either in the table and applied, or refused and
//! counted; terminal states absorb everything but the position steps).

use alphapulse_oms::{next, InvalidTransition, LifecycleEvent as E, OrderState as S, N_EVENTS, N_STATES};
use proptest::prelude::*;

/// The design's table, written out independently of the crate.
const VALID: [(S, E, S); 16] = [
    (S::SignalGenerated, E::Validate, S::RiskValidation),
    (S::RiskValidation, E::Approve, S::Approved),
    (S::RiskValidation, E::Reject, S::Rejected),
    (S::Approved, E::Create, S::OrderCreation),
    (S::OrderCreation, E::Accept, S::OrderPlaced),
    (S::OrderCreation, E::Fail, S::Failed),
    (S::OrderPlaced, E::PartialFill, S::PartiallyFilled),
    (S::OrderPlaced, E::Fill, S::Filled),
    (S::OrderPlaced, E::Cancel, S::Cancelled),
    (S::OrderPlaced, E::Fail, S::Failed),
    (S::PartiallyFilled, E::PartialFill, S::PartiallyFilled),
    (S::PartiallyFilled, E::Fill, S::Filled),
    (S::PartiallyFilled, E::Cancel, S::Cancelled),
    (S::Filled, E::OpenPosition, S::PositionOpen),
    (S::Cancelled, E::OpenPosition, S::PositionOpen),
    (S::PositionOpen, E::ClosePosition, S::PositionClosed),
];

fn expected(s: S, e: E) -> Option<S> {
    VALID.iter().find(|(a, b, _)| *a == s && *b == e).map(|t| t.2)
}

macro_rules! transition_tests {
    ($($name:ident: $from:ident + $ev:ident => $to:ident;)*) => {$(
        #[test]
        fn $name() {
            assert_eq!(next(S::$from, E::$ev), Ok(S::$to));
        }
    )*};
}

transition_tests! {
    signal_validate: SignalGenerated + Validate => RiskValidation;
    validation_approve: RiskValidation + Approve => Approved;
    validation_reject: RiskValidation + Reject => Rejected;
    approved_create: Approved + Create => OrderCreation;
    creation_accept: OrderCreation + Accept => OrderPlaced;
    creation_fail: OrderCreation + Fail => Failed;
    placed_partial: OrderPlaced + PartialFill => PartiallyFilled;
    placed_fill: OrderPlaced + Fill => Filled;
    placed_cancel: OrderPlaced + Cancel => Cancelled;
    placed_fail: OrderPlaced + Fail => Failed;
    partial_partial: PartiallyFilled + PartialFill => PartiallyFilled;
    partial_fill: PartiallyFilled + Fill => Filled;
    partial_cancel: PartiallyFilled + Cancel => Cancelled;
    filled_open: Filled + OpenPosition => PositionOpen;
    cancelled_open: Cancelled + OpenPosition => PositionOpen;
    open_close: PositionOpen + ClosePosition => PositionClosed;
}

#[test]
fn grid_has_exactly_the_valid_pairs() {
    let mut ok = 0;
    for s in S::ALL {
        for e in E::ALL {
            match next(s, e) {
                Ok(to) => {
                    assert_eq!(Some(to), expected(s, e), "{s:?} + {e:?}");
                    ok += 1;
                }
                Err(err) => {
                    assert_eq!(err, InvalidTransition { state: s, event: e });
                    assert_eq!(expected(s, e), None, "{s:?} + {e:?} refused");
                }
            }
        }
    }
    assert_eq!(ok, VALID.len());
    assert_eq!((S::ALL.len(), E::ALL.len()), (N_STATES, N_EVENTS));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_sequences_apply_or_refuse(
        start in prop::sample::select(S::ALL.to_vec()),
        evs in prop::collection::vec(prop::sample::select(E::ALL.to_vec()), 0..60),
    ) {
        let mut s = start;
        for e in evs {
            let before = s;
            match next(s, e) {
                Ok(to) => {
                    prop_assert_eq!(Some(to), expected(s, e));
                    s = to;
                }
                Err(err) => {
                    prop_assert_eq!(expected(s, e), None);
                    prop_assert_eq!(err, InvalidTransition { state: s, event: e });
                }
            }
            // Terminal states absorb everything except the position steps.
            match before {
                S::Rejected | S::Failed | S::PositionClosed => prop_assert_eq!(s, before),
                S::Filled | S::Cancelled => prop_assert!(s == before || (e == E::OpenPosition && s == S::PositionOpen)),
                S::PositionOpen => prop_assert!(s == before || (e == E::ClosePosition && s == S::PositionClosed)),
                _ => {}
            }
        }
    }
}
