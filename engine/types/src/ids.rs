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
    /// An order, unique within one run; allocated by the order manager.
    OrderId(u64)
);
