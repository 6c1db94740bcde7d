//! Strategy trait, built-in agents and the signal aggregator.
