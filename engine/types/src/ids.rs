//! Dense numeric ids. Interned once at start; hot code indexes `Vec`s with them.

macro_rules! dense_id {
    ($(#[$doc:meta])* $name:ident($inner:ty)) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[repr(transparent)]
        pub struct $name(pub $inner);

        impl $name {
            /// The id as an index into a dense table.
            #[inline(always)]
            pub const fn index(self) -> usize {
                self.0 as usize
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

dense_id!(
    /// An instrument, the index of its row in the [`crate::InstrumentTable`].
    InstrumentId(u32)
);
dense_id!(
    /// A trading venue (exchange or simulator).
    VenueId(u16)
);
dense_id!(
    /// A strategy (built-in agent or plugin), dense from 0.
    StrategyId(u16)
);
dense_id!(
    /// An order, unique within one run: the strategy id in the high 16 bits and that strategy's
    /// intent sequence (from 1) in the low 48 ([`OrderId::compose`]). The aggregator assigns it
    /// when it makes the intent (`Intent::intent_id`); risk, the order manager and the gateway
    /// key the order by it, and every execution report carries it back. 0 is never an order.
    OrderId(u64)
);

impl OrderId {
    /// Bits of the intent sequence (the low bits).
    pub const SEQ_BITS: u32 = 48;
    /// The largest intent sequence.
    pub const MAX_SEQ: u64 = (1 << Self::SEQ_BITS) - 1;

    /// The id of intent `seq` (1..=[`OrderId::MAX_SEQ`]) of `strategy`; `None` out of that range.
    #[inline(always)]
    pub const fn compose(strategy: StrategyId, seq: u64) -> Option<OrderId> {
        if seq == 0 || seq > Self::MAX_SEQ {
            None
        } else {
            Some(OrderId((strategy.0 as u64) << Self::SEQ_BITS | seq))
        }
    }
    /// The strategy that made the order.
    #[inline(always)]
    pub const fn strategy(self) -> StrategyId {
        StrategyId((self.0 >> Self::SEQ_BITS) as u16)
    }
    /// The strategy's intent sequence number.
    #[inline(always)]
    pub const fn seq(self) -> u64 {
        self.0 & Self::MAX_SEQ
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Composition is a bijection between (strategy, 1..=MAX_SEQ) and non-zero ids.
        #[test]
        fn compose_round_trips(st in any::<u16>(), seq in 1u64..=OrderId::MAX_SEQ, other in any::<u64>()) {
            let id = OrderId::compose(StrategyId(st), seq).unwrap();
            prop_assert_ne!(id.0, 0);
            prop_assert_eq!((id.strategy(), id.seq()), (StrategyId(st), seq));
            let back = OrderId(other);
            if back.seq() != 0 {
                prop_assert_eq!(OrderId::compose(back.strategy(), back.seq()), Some(back));
            }
        }

        /// Distinct (strategy, sequence) pairs never share an id.
        #[test]
        fn distinct_pairs_distinct_ids(a in (any::<u16>(), 1u64..=OrderId::MAX_SEQ), b in (any::<u16>(), 1u64..=OrderId::MAX_SEQ)) {
            let (x, y) = (OrderId::compose(StrategyId(a.0), a.1), OrderId::compose(StrategyId(b.0), b.1));
            prop_assert_eq!(x == y, a == b);
        }
    }

    #[test]
    fn compose_refuses_out_of_range_sequences() {
        assert_eq!(OrderId::compose(StrategyId(1), 0), None);
        assert_eq!(OrderId::compose(StrategyId(1), OrderId::MAX_SEQ + 1), None);
        assert_eq!(OrderId::compose(StrategyId(0), 1), Some(OrderId(1)));
        assert_eq!(OrderId::compose(StrategyId(3), 5), Some(OrderId(3 << 48 | 5)));
        assert_eq!(OrderId(u64::MAX).strategy(), StrategyId(u16::MAX));
    }
}
