//! Confidence of an aggregate decision, and each strategy's recent accuracy.
//!
//! **Accuracy.** Each strategy's signal is checked against the market: when a strategy signals an
//! instrument (a non-zero score made by the event being handled) and has no check pending there,
//! the mid is noted; at the instrument's first evaluation at least `horizon_ns` later (event
//! time) the mid has moved its way (a hit), against it (a miss), or by less than `min_move_bps`
//! (not scored). A strategy's hit rate is an exponential average over its scored outcomes
//! (`accuracy_alpha_bps`, the newest outcome's weight), starting at 5 000 bps: a strategy with no
//! record counts as a coin. All of it is preallocated per strategy × instrument.
//!
//! **Weights.** `weighting = "config"` uses the configured weights; `"accuracy"` scales each by
//! its strategy's hit rate / 5 000 (so 0 to 2×): the weights are learned from the outcomes the
//! aggregator observes (the same hit rates `alphapulse evaluate` reports from the journal).
//!
//! **Confidence** (basis points) of a decision whose score is `C`, over the live signals `i` with
//! weight `wᵢ`, score `sᵢ`, age `aᵢ` and hit rate `hᵢ`:
//! - agreement `A = Σ wᵢ|sᵢ| [sign sᵢ = sign C] / Σ wᵢ|sᵢ|`;
//! - freshness `F = Σ wᵢ (ttlᵢ − aᵢ)/ttlᵢ / Σ wᵢ` (each strategy's own time to live);
//! - accuracy `H = Σ wᵢ hᵢ / Σ wᵢ`;
//! - confidence `= |C| · A · F · min(2, H / 5 000)`, at most 10 000.
//!
//! One fresh strategy with no record, alone, gets exactly `|C|`. Decisions under
//! `min_confidence_bps` send nothing.

use super::MAX_AGENTS;

/// How strategies are weighed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Weighting {
    /// `aggregator.weights` as configured.
    #[default]
    Config,
    /// Each configured weight × the strategy's hit rate / 5 000.
    Accuracy,
}

/// `[strategy.aggregator.confidence]`. Times are ns of event time.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConfidenceConfig {
    /// How long after a signal its direction is checked against the mid; 0 turns the check (and
    /// with it accuracy) off: every strategy stays at 5 000.
    pub horizon_ns: u64,
    /// Smallest |mid move| (bps of the mid) scored as a hit or a miss.
    pub min_move_bps: u32,
    /// Weight of the newest outcome in a strategy's hit rate, bps (500: about the last 20).
    pub accuracy_alpha_bps: u32,
    /// `config` or `accuracy` (see the module docs).
    pub weighting: Weighting,
    /// Decisions below this confidence send nothing (0: any).
    pub min_confidence_bps: u32,
    /// After risk refuses an instrument's intent, no new intent for it for this long (0: none):
    /// a refusal (position, rate or notional limit) fed back so the same order is not retried on
    /// the next signal.
    pub risk_backoff_ns: u64,
}

impl Default for ConfidenceConfig {
    fn default() -> Self {
        ConfidenceConfig {
            horizon_ns: 5_000_000_000,
            min_move_bps: 1,
            accuracy_alpha_bps: 500,
            weighting: Weighting::Config,
            min_confidence_bps: 0,
            risk_backoff_ns: 1_000_000_000,
        }
    }
}

impl ConfidenceConfig {
    /// Check every key; errors name the key (under `aggregator.confidence.`).
    pub fn validate(&self) -> Result<(), crate::StrategyError> {
        let e = crate::StrategyError::config;
        if self.min_move_bps > 10_000 {
            return Err(e("aggregator.confidence.min_move_bps", "must be at most 10000"));
        }
        if !(1..=10_000).contains(&self.accuracy_alpha_bps) {
            return Err(e("aggregator.confidence.accuracy_alpha_bps", "must be in 1..=10000"));
        }
        if self.min_confidence_bps > 10_000 {
            return Err(e("aggregator.confidence.min_confidence_bps", "must be at most 10000"));
        }
        Ok(())
    }
}

/// A coin's hit rate: where every strategy starts.
pub const COIN_BPS: u32 = 5_000;

/// One strategy's record (all instruments together).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AgentAccuracy {
    /// Exponential average of hits, bps.
    pub hit_rate_bps: u32,
    /// Outcomes scored (hits + misses).
    pub scored: u64,
    pub hits: u64,
    /// Checks that ended with the mid within `min_move_bps` (not scored).
    pub flat: u64,
}

impl Default for AgentAccuracy {
    fn default() -> Self {
        AgentAccuracy { hit_rate_bps: COIN_BPS, scored: 0, hits: 0, flat: 0 }
    }
}

/// A signal's check waiting for its horizon.
#[derive(Clone, Copy, Debug, Default)]
struct Probe {
    mid: i64,
    ts: u64,
    /// +1 / −1: the signal's direction; 0: no check pending.
    dir: i8,
}

/// The accuracy tracker: per strategy its record, per strategy × instrument its pending check.
#[derive(Clone, Debug)]
pub(super) struct Tracker {
    cfg: ConfidenceConfig,
    agents: Vec<AgentAccuracy>,
    probes: Vec<Probe>,
}

impl Tracker {
    pub(super) fn new(cfg: &ConfidenceConfig, instruments: usize) -> Tracker {
        Tracker {
            cfg: cfg.clone(),
            agents: vec![AgentAccuracy::default(); MAX_AGENTS],
            probes: vec![Probe::default(); instruments * MAX_AGENTS],
        }
    }

    pub(super) fn config(&self) -> &ConfidenceConfig {
        &self.cfg
    }

    /// Strategy `agent`'s record.
    pub(super) fn accuracy(&self, agent: usize) -> AgentAccuracy {
        self.agents.get(agent).copied().unwrap_or_default()
    }

    /// `w` as weighed under the configured `weighting`, in units of 1/5 000 of a weight (so the
    /// ratios of learned weights keep their precision; only ratios matter).
    #[inline]
    pub(super) fn weight(&self, agent: usize, w: u32) -> u64 {
        match self.cfg.weighting {
            Weighting::Config => w as u64 * COIN_BPS as u64,
            Weighting::Accuracy => w as u64 * self.agents[agent].hit_rate_bps as u64,
        }
    }

    /// At an evaluation of instrument `inst` (index) at `event_ts` with mid `mid`: score the
    /// checks whose horizon has passed, then start one for each strategy that signalled at
    /// `event_ts` (`fresh(agent) = Some(score)`) and has none pending.
    pub(super) fn observe(
        &mut self,
        inst: usize,
        event_ts: u64,
        mid: i64,
        agents: usize,
        fresh: impl Fn(usize) -> Option<i32>,
    ) {
        if self.cfg.horizon_ns == 0 || mid <= 0 {
            return;
        }
        let row = inst * MAX_AGENTS;
        for a in 0..agents.min(MAX_AGENTS) {
            let p = &mut self.probes[row + a];
            if p.dir != 0 && event_ts.saturating_sub(p.ts) >= self.cfg.horizon_ns {
                let moved_bps = (mid as i128 - p.mid as i128) * 10_000 / p.mid as i128;
                let rec = &mut self.agents[a];
                if moved_bps.unsigned_abs() < self.cfg.min_move_bps.max(1) as u128 {
                    rec.flat += 1;
                } else {
                    let hit = (moved_bps > 0) == (p.dir > 0);
                    rec.scored += 1;
                    rec.hits += hit as u64;
                    let target = if hit { 10_000i64 } else { 0 };
                    let h = rec.hit_rate_bps as i64;
                    rec.hit_rate_bps =
                        (h + (target - h) * self.cfg.accuracy_alpha_bps as i64 / 10_000) as u32;
                }
                p.dir = 0;
            }
            if p.dir == 0 {
                if let Some(score) = fresh(a).filter(|&s| s != 0) {
                    *p = Probe { mid, ts: event_ts, dir: score.signum() as i8 };
                }
            }
        }
    }
}

/// The parts of a decision's confidence, bps.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Breakdown {
    pub confidence: u16,
    pub agreement: u16,
    pub accuracy: u16,
    pub freshness: u16,
    /// Bit `i`: strategy `i` was weighed.
    pub agents: u64,
}

/// One live signal as the confidence sees it.
#[derive(Clone, Copy, Debug)]
pub(super) struct Input {
    pub agent: usize,
    pub weight: u64,
    pub score: i32,
    pub age_ns: u64,
    /// The strategy's time to live (`signal_ttl_ns`, or its `signal_ttl_ns_by` entry).
    pub ttl_ns: u64,
    pub hit_rate_bps: u32,
}

/// The confidence of a decision following score `c`, from its live inputs (see the module docs).
pub(super) fn breakdown(c: i32, inputs: impl Iterator<Item = Input>) -> Breakdown {
    let (mut mass, mut agree, mut w_sum, mut fresh, mut acc) = (0u128, 0u128, 0u128, 0u128, 0u128);
    let mut agents = 0u64;
    for x in inputs {
        if x.weight == 0 {
            continue;
        }
        agents |= 1u64 << x.agent.min(63);
        let w = x.weight as u128;
        let m = w * x.score.unsigned_abs() as u128;
        mass += m;
        if x.score.signum() == c.signum() && c != 0 {
            agree += m;
        }
        w_sum += w;
        let left = x.ttl_ns.saturating_sub(x.age_ns) as u128;
        fresh += w * left * 10_000 / x.ttl_ns.max(1) as u128;
        acc += w * x.hit_rate_bps as u128;
    }
    if w_sum == 0 {
        return Breakdown::default();
    }
    let agreement = (agree * 10_000).checked_div(mass).unwrap_or(0);
    let freshness = fresh / w_sum;
    let accuracy = acc / w_sum;
    let acc_factor = (accuracy * 2).min(20_000); // H / 5 000, in 1e-4 units, at most 2
    let conf = c.unsigned_abs() as u128 * agreement * freshness * acc_factor / 1_000_000_000_000;
    Breakdown {
        confidence: conf.min(10_000) as u16,
        agreement: agreement as u16,
        accuracy: accuracy.min(10_000) as u16,
        freshness: freshness.min(10_000) as u16,
        agents,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An input whose time to live is 1 000 ns.
    fn input(agent: usize, weight: u64, score: i32, age_ns: u64, hit_rate_bps: u32) -> Input {
        Input { agent, weight, score, age_ns, ttl_ns: 1_000, hit_rate_bps }
    }

    #[test]
    fn one_fresh_coin_alone_is_its_score() {
        let b = breakdown(6_000, [input(0, 3, 6_000, 0, COIN_BPS)].into_iter());
        assert_eq!(
            b,
            Breakdown { confidence: 6_000, agreement: 10_000, accuracy: 5_000, freshness: 10_000, agents: 1 }
        );
    }

    #[test]
    fn disagreement_age_and_accuracy_each_scale_it() {
        // Masses 2·5000 (agrees) and 1·2000 (against): A = 10000/12000.
        let ins = [input(0, 2, 5_000, 0, COIN_BPS), input(2, 1, -2_000, 500, COIN_BPS)];
        let b = breakdown(2_666, ins.into_iter());
        assert_eq!(b.agreement, 8_333);
        // F = (2·1 + 1·0.5)/3 = 0.8333…
        assert_eq!(b.freshness, 8_333);
        assert_eq!(b.agents, 0b101);
        let want = 2_666f64 * (10_000.0 / 12_000.0) * (2.5 / 3.0) * 1.0;
        assert!((b.confidence as f64 - want).abs() <= 1.0, "{} vs {want}", b.confidence);
        // A proven strategy (hit rate 7 500) lifts it by 1.5; a bad one (2 500) halves it.
        let good = breakdown(4_000, [input(0, 1, 4_000, 0, 7_500)].into_iter());
        let bad = breakdown(4_000, [input(0, 1, 4_000, 0, 2_500)].into_iter());
        assert_eq!((good.confidence, bad.confidence), (6_000, 2_000));
        // Capped at 10 000; weight 0 does not count; nothing live gives zero.
        assert_eq!(breakdown(9_000, [input(0, 1, 9_000, 0, 10_000)].into_iter()).confidence, 10_000);
        assert_eq!(breakdown(9_000, [input(0, 0, 9_000, 0, 10_000)].into_iter()), Breakdown::default());
    }

    #[test]
    fn hits_and_misses_after_the_horizon_move_the_hit_rate() {
        let cfg = ConfidenceConfig {
            horizon_ns: 100,
            min_move_bps: 1,
            accuracy_alpha_bps: 5_000,
            ..Default::default()
        };
        let mut t = Tracker::new(&cfg, 2);
        // Strategy 0 says up at mid 10 000 (×1e8 units don't matter: bps of the mid).
        t.observe(1, 1_000, 10_000, 2, |a| (a == 0).then_some(3_000));
        // Before the horizon nothing is scored, and a new signal does not restart the check.
        t.observe(1, 1_050, 9_000, 2, |a| (a == 0).then_some(-3_000));
        assert_eq!(t.accuracy(0).scored, 0);
        // At the horizon the mid is up 2 bps: a hit (5 000 → 7 500 with alpha ½).
        t.observe(1, 1_100, 10_002, 2, |_| None);
        assert_eq!(t.accuracy(0), AgentAccuracy { hit_rate_bps: 7_500, scored: 1, hits: 1, flat: 0 });
        // A new short at 10 002; 0.99 bps later is flat, not scored.
        t.observe(1, 1_200, 10_002, 2, |a| (a == 0).then_some(-1));
        t.observe(1, 1_300, 10_003, 2, |_| None);
        assert_eq!(t.accuracy(0).flat, 1);
        // Another short that the market proves wrong: 7 500 → 3 750.
        t.observe(1, 1_400, 10_000, 2, |a| (a == 0).then_some(-1));
        t.observe(1, 1_500, 10_010, 2, |_| None);
        assert_eq!(t.accuracy(0), AgentAccuracy { hit_rate_bps: 3_750, scored: 2, hits: 1, flat: 1 });
        // Strategy 1 never signalled: still a coin. Weighting by accuracy scales the weight.
        assert_eq!(t.accuracy(1), AgentAccuracy::default());
        let mut by_acc = Tracker::new(&ConfidenceConfig { weighting: Weighting::Accuracy, ..cfg.clone() }, 2);
        by_acc.agents[0].hit_rate_bps = 7_500;
        assert_eq!((by_acc.weight(0, 4), by_acc.weight(1, 4), t.weight(0, 4)), (30_000, 20_000, 20_000));
        // Horizon 0: nothing is tracked.
        let mut off = Tracker::new(&ConfidenceConfig { horizon_ns: 0, ..cfg }, 2);
        off.observe(0, 1, 100, 2, |_| Some(1));
        off.observe(0, 10_000, 200, 2, |_| None);
        assert_eq!(off.accuracy(0), AgentAccuracy::default());
    }
}
