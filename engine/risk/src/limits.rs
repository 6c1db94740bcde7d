//! The risk limits an operator may read and change live (`limits`, `set-limit NAME VALUE`): one
//! table of names, units and bounds, used by the control thread to parse and check a value and by
//! [`crate::RiskActor`] to apply it (checked again there: the hot side trusts nobody).
//!
//! Two limits size preallocated tables (the open-order table, the rate window): they can be
//! lowered, and raised back up to their value at start, never above it.

use crate::Limits;
use alphapulse_types::{Money, Qty};

/// How a limit's value is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Base-currency quantity, a decimal (`"0.5"`), raw at 1e-8.
    Qty,
    /// Quote-currency amount, a decimal (`"50000"`), raw at 1e-8.
    Money,
    /// Basis points, 1..=10 000.
    Bps,
    /// A whole number ≥ 1.
    Count,
}

/// One live-settable limit.
#[derive(Clone, Copy, Debug)]
pub struct LimitSpec {
    pub name: &'static str,
    pub unit: Unit,
    pub help: &'static str,
}

/// Every limit, in index order (`CtlReq::index`).
pub const LIMITS: [LimitSpec; 6] = [
    LimitSpec { name: "max_order_qty", unit: Unit::Qty, help: "base units per order" },
    LimitSpec { name: "max_order_notional", unit: Unit::Money, help: "quote currency per order" },
    LimitSpec {
        name: "max_position",
        unit: Unit::Qty,
        help: "|position + open same side + order|, per instrument",
    },
    LimitSpec {
        name: "price_band_bps",
        unit: Unit::Bps,
        help: "limit price at most this far through the mid",
    },
    LimitSpec { name: "max_orders_per_sec", unit: Unit::Count, help: "approvals in any sliding second" },
    LimitSpec { name: "max_open_orders", unit: Unit::Count, help: "approved and not yet terminal" },
];

/// The index of the limit called `name`.
pub fn limit_index(name: &str) -> Option<usize> {
    LIMITS.iter().position(|l| l.name == name)
}

/// Parse `text` as a value of limit `index` (raw: 1e-8 for quantities and money).
pub fn parse_limit(index: usize, text: &str) -> Result<i64, String> {
    let spec = LIMITS.get(index).ok_or_else(|| format!("no limit #{index}"))?;
    let raw = match spec.unit {
        Unit::Qty => Qty::parse(text.as_bytes()).map(|q| q.raw()).map_err(|e| e.to_string()),
        Unit::Money => Money::parse(text.as_bytes()).map(|m| m.raw()).map_err(|e| e.to_string()),
        Unit::Bps | Unit::Count => text.parse::<i64>().map_err(|e| e.to_string()),
    }
    .map_err(|e| format!("{}: `{text}` is not a valid {:?} ({e})", spec.name, spec.unit))?;
    check_limit(index, raw, None).map_err(|e| format!("{}: {e}", spec.name))?;
    Ok(raw)
}

/// A limit's raw value written as the config writes it.
pub fn format_limit(index: usize, raw: i64) -> String {
    match LIMITS.get(index).map(|l| l.unit) {
        Some(Unit::Qty) => Qty::from_raw(raw).to_string(),
        Some(Unit::Money) => Money::from_raw(raw).to_string(),
        _ => raw.to_string(),
    }
}

/// Whether `raw` is a valid value of limit `index`; `cap` is the most a table-sized limit may be
/// raised to (its value at start).
pub fn check_limit(index: usize, raw: i64, cap: Option<u32>) -> Result<(), &'static str> {
    let spec = LIMITS.get(index).ok_or("no such limit")?;
    match spec.unit {
        Unit::Qty | Unit::Money if raw <= 0 => Err("must be positive"),
        Unit::Bps if !(1..=10_000).contains(&raw) => Err("must be in 1..=10000"),
        Unit::Count if raw < 1 || raw > u32::MAX as i64 => Err("must be a whole number ≥ 1"),
        Unit::Count if cap.is_some_and(|c| raw > c as i64) => {
            Err("above its value at start: the table it sizes was allocated then (restart to raise it)")
        }
        _ => Ok(()),
    }
}

impl Limits {
    /// The raw value of limit `index` (see [`LIMITS`]).
    pub fn get(&self, index: usize) -> Option<i64> {
        Some(match index {
            0 => self.max_order_qty.raw(),
            1 => self.max_order_notional.raw(),
            2 => self.max_position.raw(),
            3 => self.price_band_bps as i64,
            4 => self.max_orders_per_sec as i64,
            5 => self.max_open_orders as i64,
            _ => return None,
        })
    }

    /// Set limit `index` to `raw`, checked ([`check_limit`]) against `start`, the limits at start.
    pub fn set(&mut self, index: usize, raw: i64, start: &Limits) -> Result<(), &'static str> {
        let cap = match index {
            4 => Some(start.max_orders_per_sec),
            5 => Some(start.max_open_orders),
            _ => None,
        };
        check_limit(index, raw, cap)?;
        match index {
            0 => self.max_order_qty = Qty::from_raw(raw),
            1 => self.max_order_notional = Money::from_raw(raw),
            2 => self.max_position = Qty::from_raw(raw),
            3 => self.price_band_bps = raw as u32,
            4 => self.max_orders_per_sec = raw as u32,
            5 => self.max_open_orders = raw as u32,
            _ => return Err("no such limit"),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RiskConfig;

    #[test]
    fn every_limit_reads_sets_and_refuses_bad_values() {
        let start = RiskConfig::default().limits();
        let mut l = start;
        for (i, spec) in LIMITS.iter().enumerate() {
            assert_eq!(limit_index(spec.name), Some(i));
            let v = l.get(i).unwrap();
            // Lowering is always allowed; the value reads back.
            let lower = if v > 1 { v - 1 } else { v };
            l.set(i, lower, &start).unwrap();
            assert_eq!(l.get(i), Some(lower), "{}", spec.name);
            assert!(l.set(i, 0, &start).is_err(), "{} = 0", spec.name);
            assert_eq!(l.get(i), Some(lower), "a refused value leaves the limit as it was");
        }
        assert!(l.set(5, start.max_open_orders as i64 + 1, &start).unwrap_err().contains("at start"));
        assert!(l.set(3, 10_001, &start).is_err());
        assert_eq!(parse_limit(0, "0.25").unwrap(), 25_000_000);
        assert_eq!(format_limit(0, 25_000_000), "0.25");
        assert!(parse_limit(0, "-1").unwrap_err().starts_with("max_order_qty"));
        assert!(parse_limit(4, "ten").unwrap_err().contains("max_orders_per_sec"));
        assert_eq!(limit_index("nope"), None);
    }
}
