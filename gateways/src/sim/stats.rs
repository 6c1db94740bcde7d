//! [`SimStats`]: plain counters the simulator keeps (no callbacks, no allocation).

use alphapulse_types::{Liquidity, Money, Qty, VenueReject};

/// Number of [`VenueReject`] tags (index `reason as usize`).
pub const REJECT_KINDS: usize = 5;

/// What the simulated exchange did over a run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SimStats {
    /// `Msg::New` received.
    pub orders_received: u64,
    /// Orders that got an `Accepted` report.
    pub accepted: u64,
    /// Order rejects (`Rejected` reports for new orders), indexed by `VenueReject as usize`.
    pub rejected: [u64; REJECT_KINDS],
    /// `Msg::Cancel` received.
    pub cancels_received: u64,
    /// Cancel requests refused (`Rejected`: unknown or done order, or the pending queue full).
    pub cancel_rejects: u64,
    /// `Cancelled` reports (on request, and IOC / market remainders).
    pub cancelled: u64,
    /// Fill reports.
    pub fills: u64,
    pub maker_fills: u64,
    pub taker_fills: u64,
    /// Orders completely filled.
    pub filled_orders: u64,
    /// Sum of fill quantities.
    pub volume: Qty,
    /// Sum of fill notionals.
    pub notional: Money,
    /// Sum of fees charged (negative = net rebate).
    pub fees: Money,
    /// Orders or cancels refused at the gateway because the pending queue was full.
    pub pending_overflows: u64,
    /// Market events handled.
    pub market_events: u64,
    /// Market events ignored (unknown instrument, non-positive price, negative quantity).
    pub bad_market_events: u64,
    /// `BookStatus::Gap` events (each cleared a book view).
    pub book_gaps: u64,
    /// Depth levels ignored because a newer quote covers their price (see `view.rs`).
    pub stale_levels: u64,
    /// Quotes ignored because they are older than the last depth update applied.
    pub stale_quotes: u64,
    /// Overrides of the simulator's patch over the book dropped because a side was full (see
    /// `view.rs`: the market there reverted to the depth book).
    pub overlay_overflows: u64,
    /// Depth updates (and gaps) handled with lent books whose lender did not say what the lent
    /// book held before them (or it did not fit): requests processed before them saw the book
    /// after them.
    pub lent_depth_without_prior: u64,
    /// Maker fills made by trades at or through the order's price (the queue model).
    pub maker_fills_by_trades: u64,
    /// Maker fills made by the opposite side crossing the order's price.
    pub maker_fills_by_crossing: u64,
    /// Most reports waiting for their delivery time at once.
    pub max_reports_queued: u64,
    /// Reports sent before their time because the report queue was full (`max_reports`).
    pub report_queue_overflows: u64,
    /// Most orders resting at once.
    pub max_open_orders: u64,
    /// Orders encoded into the wire buffer.
    pub encoded: u64,
    /// Gateway time of the last encode (ns).
    pub last_encoded_ts: u64,
    /// Sum, min and max of `encode time - origin_ts` (tick-to-trade at the gateway), ns.
    pub tick_to_encode_sum_ns: u64,
    pub tick_to_encode_min_ns: u64,
    pub tick_to_encode_max_ns: u64,
}

impl SimStats {
    /// Order rejects for `reason`.
    pub fn rejected_for(&self, reason: VenueReject) -> u64 {
        self.rejected[reason as usize]
    }
    /// All order rejects.
    pub fn rejected_total(&self) -> u64 {
        self.rejected.iter().sum()
    }
    /// Mean `encode time - origin_ts` in ns (0 before the first encode).
    pub fn tick_to_encode_mean_ns(&self) -> u64 {
        self.tick_to_encode_sum_ns.checked_div(self.encoded).unwrap_or(0)
    }

    #[inline]
    pub(crate) fn on_encode(&mut self, now: u64, origin_ts: u64) {
        let lat = now.saturating_sub(origin_ts);
        if self.encoded == 0 || lat < self.tick_to_encode_min_ns {
            self.tick_to_encode_min_ns = lat;
        }
        self.tick_to_encode_max_ns = self.tick_to_encode_max_ns.max(lat);
        self.tick_to_encode_sum_ns = self.tick_to_encode_sum_ns.saturating_add(lat);
        self.encoded += 1;
        self.last_encoded_ts = now;
    }

    #[inline]
    pub(crate) fn on_fill(&mut self, qty: Qty, notional: Money, fee: Money, liq: Liquidity) {
        self.fills += 1;
        match liq {
            Liquidity::Maker => self.maker_fills += 1,
            _ => self.taker_fills += 1,
        }
        self.volume = self.volume.saturating_add(qty);
        self.notional = self.notional.saturating_add(notional);
        self.fees = self.fees.saturating_add(fee);
    }

    #[inline]
    pub(crate) fn on_reject(&mut self, reason: VenueReject) {
        if let Some(n) = self.rejected.get_mut(reason as usize) {
            *n += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_latency_min_max_mean() {
        let mut s = SimStats::default();
        assert_eq!(s.tick_to_encode_mean_ns(), 0);
        s.on_encode(150, 100);
        s.on_encode(130, 100);
        s.on_encode(90, 100); // clock behind origin: saturates to 0
        assert_eq!((s.tick_to_encode_min_ns, s.tick_to_encode_max_ns), (0, 50));
        assert_eq!(s.tick_to_encode_mean_ns(), 80 / 3);
        assert_eq!(s.last_encoded_ts, 90);
        s.on_reject(VenueReject::Invalid);
        assert_eq!(s.rejected_for(VenueReject::Invalid), 1);
        assert_eq!(s.rejected_total(), 1);
    }
}
