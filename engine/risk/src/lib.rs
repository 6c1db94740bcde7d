//! Pre-trade risk checks, positions, cash and PnL.
