//! Fixed-point prices, quantities and money: `i64` counts of 1e-8 units.
//!
//! One scale for all three keeps a price the same number in every module (Binance quotes every
//! price and quantity with 8 decimals). Grid checks (tick, lot) are done by the instrument table.
//! Products are computed in `i128` and checked on the way back to `i64`.

use core::fmt;
use thiserror::Error;

pub use crate::decimal::parse_scaled;

/// Units per 1.0: every `Price`, `Qty` and `Money` is an integer count of 1e-8.
pub const SCALE: i64 = 100_000_000;
pub(crate) const DECIMALS: u32 = 8;

/// Why a decimal string was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum FixedError {
    #[error("empty number")]
    Empty,
    #[error("invalid character in number")]
    InvalidChar,
    #[error("more than 8 decimal places")]
    TooPrecise,
    #[error("number out of range")]
    Overflow,
}

fn fmt_scaled(v: i64, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let neg = v < 0;
    let a = v.unsigned_abs();
    let int = a / SCALE as u64;
    let mut frac = a % SCALE as u64;
    if neg {
        f.write_str("-")?;
    }
    write!(f, "{int}")?;
    if frac != 0 {
        let mut width = DECIMALS as usize;
        while frac.is_multiple_of(10) {
            frac /= 10;
            width -= 1;
        }
        write!(f, ".{frac:0width$}")?;
    }
    Ok(())
}

macro_rules! fixed_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[repr(transparent)]
        pub struct $name(pub i64);

        impl $name {
            pub const ZERO: $name = $name(0);
            /// Largest representable value.
            pub const MAX: $name = $name(i64::MAX);

            /// From a count of 1e-8 units.
            #[inline(always)]
            pub const fn from_raw(raw: i64) -> Self {
                $name(raw)
            }
            /// The count of 1e-8 units.
            #[inline(always)]
            pub const fn raw(self) -> i64 {
                self.0
            }
            /// Whole units (for configs and tests): `from_units(3)` is 3.0.
            pub const fn from_units(units: i64) -> Self {
                $name(units * SCALE)
            }
            /// Parse an exact decimal string (as Binance sends it).
            #[inline]
            pub fn parse(s: &[u8]) -> Result<Self, FixedError> {
                parse_scaled(s).map($name)
            }
            #[inline(always)]
            pub const fn is_zero(self) -> bool {
                self.0 == 0
            }
            /// For reports and plots only: never for a value that goes to an exchange.
            pub fn to_f64(self) -> f64 {
                self.0 as f64 / SCALE as f64
            }
            #[inline(always)]
            pub fn checked_add(self, o: Self) -> Option<Self> {
                self.0.checked_add(o.0).map($name)
            }
            #[inline(always)]
            pub fn checked_sub(self, o: Self) -> Option<Self> {
                self.0.checked_sub(o.0).map($name)
            }
            #[inline(always)]
            pub fn saturating_add(self, o: Self) -> Self {
                $name(self.0.saturating_add(o.0))
            }
            #[inline(always)]
            pub fn saturating_sub(self, o: Self) -> Self {
                $name(self.0.saturating_sub(o.0))
            }
            #[inline(always)]
            pub const fn abs(self) -> Self {
                $name(self.0.abs())
            }
        }

        impl core::str::FromStr for $name {
            type Err = FixedError;
            fn from_str(s: &str) -> Result<Self, FixedError> {
                Self::parse(s.as_bytes())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt_scaled(self.0, f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "("))?;
                fmt_scaled(self.0, f)?;
                f.write_str(")")
            }
        }

        impl core::ops::Add for $name {
            type Output = $name;
            #[inline(always)]
            fn add(self, o: $name) -> $name {
                $name(self.0 + o.0)
            }
        }
        impl core::ops::Sub for $name {
            type Output = $name;
            #[inline(always)]
            fn sub(self, o: $name) -> $name {
                $name(self.0 - o.0)
            }
        }
        impl core::ops::AddAssign for $name {
            #[inline(always)]
            fn add_assign(&mut self, o: $name) {
                self.0 += o.0;
            }
        }
        impl core::ops::SubAssign for $name {
            #[inline(always)]
            fn sub_assign(&mut self, o: $name) {
                self.0 -= o.0;
            }
        }
        impl core::ops::Neg for $name {
            type Output = $name;
            #[inline(always)]
            fn neg(self) -> $name {
                $name(-self.0)
            }
        }
    };
}

fixed_type!(
    /// A price in quote currency per unit of base, in 1e-8 units.
    Price
);
fixed_type!(
    /// A quantity of base asset, in 1e-8 units. Signed so that positions use the same type.
    Qty
);
fixed_type!(
    /// An amount of quote currency (cash, PnL, fees, notional), in 1e-8 units.
    Money
);

/// `price × qty` in quote currency, rounded toward zero to 1e-8, saturating at the `i64` range.
#[inline(always)]
pub fn notional(px: Price, qty: Qty) -> Money {
    let v = (px.0 as i128 * qty.0 as i128) / SCALE as i128;
    Money(v.clamp(i64::MIN as i128, i64::MAX as i128) as i64)
}

/// `money × ppm / 1e6` (fees and rates given in parts per million), rounded toward zero.
#[inline(always)]
pub fn apply_ppm(m: Money, ppm: i64) -> Money {
    Money(((m.0 as i128 * ppm as i128) / 1_000_000) as i64)
}

/// Mid price of a two-sided quote, rounded down to 1e-8.
#[inline(always)]
pub fn mid(bid: Price, ask: Price) -> Price {
    Price(((bid.0 as i128 + ask.0 as i128) / 2) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_binance_strings() {
        assert_eq!(Price::parse(b"61837.63000000").unwrap().raw(), 6_183_763_000_000);
        assert_eq!(Qty::parse(b"0.00000001").unwrap().raw(), 1);
        assert_eq!(Qty::parse(b"0.00000000").unwrap().raw(), 0);
        assert_eq!(Qty::parse(b"5").unwrap().raw(), 5 * SCALE);
        assert_eq!(Money::parse(b"-1.5").unwrap().raw(), -150_000_000);
        assert_eq!(Price::parse(b"1.000000000").unwrap().raw(), SCALE);
    }

    #[test]
    fn refuses_bad_input() {
        assert_eq!(Price::parse(b""), Err(FixedError::Empty));
        assert_eq!(Price::parse(b"-"), Err(FixedError::Empty));
        assert_eq!(Price::parse(b"."), Err(FixedError::Empty));
        assert_eq!(Price::parse(b"1.2.3"), Err(FixedError::InvalidChar));
        assert_eq!(Price::parse(b"1e5"), Err(FixedError::InvalidChar));
        assert_eq!(Price::parse(b"0.000000001"), Err(FixedError::TooPrecise));
        assert_eq!(Price::parse(b"99999999999999999999"), Err(FixedError::Overflow));
        assert_eq!(Price::parse(b"92233720368.54775808"), Err(FixedError::Overflow));
    }

    #[test]
    fn notional_is_exact_and_saturates() {
        let px = Price::parse(b"61837.63").unwrap();
        let q = Qty::parse(b"0.02").unwrap();
        assert_eq!(notional(px, q), Money::parse(b"1236.7526").unwrap());
        assert_eq!(notional(Price::MAX, Qty::MAX), Money::MAX);
        assert_eq!(apply_ppm(Money::from_units(1000), 1000), Money::from_units(1));
    }

    proptest! {
        #[test]
        fn display_roundtrips(raw in any::<i64>()) {
            let p = Price::from_raw(raw);
            prop_assert_eq!(p.to_string().parse::<Price>().unwrap(), p);
        }

        #[test]
        fn parse_matches_integer_math(int in 0i64..92_233_720_367, frac in 0i64..SCALE) {
            let s = format!("{int}.{frac:08}");
            prop_assert_eq!(Qty::parse(s.as_bytes()).unwrap().raw(), int * SCALE + frac);
        }

        #[test]
        fn notional_matches_i128(px in 0i64..i64::MAX, q in -(1i64 << 50)..(1i64 << 50)) {
            let want = (px as i128 * q as i128) / SCALE as i128;
            let got = notional(Price(px), Qty(q)).raw() as i128;
            prop_assert_eq!(got, want.clamp(i64::MIN as i128, i64::MAX as i128));
        }

        #[test]
        fn notional_is_monotonic_in_qty(px in 1i64..(1i64 << 40), a in 0i64..(1i64 << 40), b in 0i64..(1i64 << 40)) {
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            prop_assert!(notional(Price(px), Qty(lo)) <= notional(Price(px), Qty(hi)));
        }
    }
}

macro_rules! fixed_serde {
    ($name:ident) => {
        /// Config values: an exact decimal string (`"0.001"`) or an integer count of whole units.
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl serde::de::Visitor<'_> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str(
                            "a decimal string such as \"0.001\" (at most 8 decimals) or a whole number",
                        )
                    }
                    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<$name, E> {
                        $name::parse(s.as_bytes()).map_err(|e| E::custom(format!("`{s}`: {e}")))
                    }
                    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<$name, E> {
                        v.checked_mul(SCALE).map($name).ok_or_else(|| E::custom(FixedError::Overflow))
                    }
                    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<$name, E> {
                        i64::try_from(v)
                            .map_err(|_| E::custom(FixedError::Overflow))
                            .and_then(|v| self.visit_i64(v))
                    }
                    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<$name, E> {
                        // A float's shortest decimal form is what the user typed in the file.
                        self.visit_str(&format!("{v}"))
                    }
                }
                d.deserialize_any(V)
            }
        }
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
    };
}
fixed_serde!(Price);
fixed_serde!(Qty);
fixed_serde!(Money);
