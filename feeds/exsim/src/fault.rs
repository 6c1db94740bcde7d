//! Faults: what can be injected (`Fault`), the pending state the market, the connections and the
//! REST router consult, and the seeded `FaultSchedule` for soaks.

use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// One fault to inject (see the crate docs for what each does).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Close stream connections abruptly (no close frame): all, or the one with this id.
    Disconnect { conn: Option<u64> },
    /// Skip the next `count` depth events of `symbol` (`None` = every symbol) on every
    /// connection; the REST book still advances.
    DropDepth { symbol: Option<String>, count: u32 },
    /// Cut the next frame of each connection in the middle (still valid UTF-8).
    Malformed,
    /// Send the next depth event of `symbol` twice.
    Duplicate { symbol: Option<String> },
    /// The next REST depth answer for `symbol` is an older, self-consistent book.
    StaleSnapshot { symbol: Option<String> },
    /// The next REST depth answer for `symbol` waits `delay`.
    SlowSnapshot { symbol: Option<String>, delay: Duration },
    /// `serverShutdown` event to every connection, close after the configured grace.
    ServerShutdown,
    /// Every connection gets nothing (no frames, no pings) for `period`.
    Stall { period: Duration },
    /// Frames are written in 1–7 byte pieces for `period`.
    SlowConsumer { period: Duration },
    /// The next `count` REST requests get HTTP 429 with `Retry-After`.
    Http429 { count: u32, retry_after: Duration },
    /// The next `count` REST requests get HTTP 418 with `Retry-After`.
    Http418 { count: u32, retry_after: Duration },
}

/// Every fault kind's name, as in `POST /_sim/fault?kind=<name>` and `--faults kinds=`.
pub const FAULT_KINDS: [&str; 11] = [
    "disconnect",
    "drop_depth",
    "malformed",
    "duplicate",
    "stale_snapshot",
    "slow_snapshot",
    "server_shutdown",
    "stall",
    "slow_consumer",
    "http_429",
    "http_418",
];

impl Fault {
    /// The kind's name (one of [`FAULT_KINDS`]).
    pub fn kind(&self) -> &'static str {
        match self {
            Fault::Disconnect { .. } => "disconnect",
            Fault::DropDepth { .. } => "drop_depth",
            Fault::Malformed => "malformed",
            Fault::Duplicate { .. } => "duplicate",
            Fault::StaleSnapshot { .. } => "stale_snapshot",
            Fault::SlowSnapshot { .. } => "slow_snapshot",
            Fault::ServerShutdown => "server_shutdown",
            Fault::Stall { .. } => "stall",
            Fault::SlowConsumer { .. } => "slow_consumer",
            Fault::Http429 { .. } => "http_429",
            Fault::Http418 { .. } => "http_418",
        }
    }

    /// Build a fault from `kind`, and the optional `symbol`, `count` (default 1), `ms`
    /// (default 1000) and `conn` parameters, as the control API receives them.
    pub fn from_params(kind: &str, get: impl Fn(&str) -> Option<String>) -> Result<Fault, String> {
        let num = |k: &str, d: u64| -> Result<u64, String> {
            get(k).map_or(Ok(d), |v| v.parse().map_err(|_| format!("{k} must be an integer, got `{v}`")))
        };
        let symbol = get("symbol").map(|s| s.to_ascii_uppercase());
        let count = u32::try_from(num("count", 1)?).map_err(|_| "count too large".to_string())?;
        let ms = Duration::from_millis(num("ms", 1000)?);
        let retry_after = Duration::from_millis(num("ms", 2000)?);
        Ok(match kind {
            "disconnect" => Fault::Disconnect { conn: get("conn").map(|_| num("conn", 0)).transpose()? },
            "drop_depth" => Fault::DropDepth { symbol, count },
            "malformed" => Fault::Malformed,
            "duplicate" => Fault::Duplicate { symbol },
            "stale_snapshot" => Fault::StaleSnapshot { symbol },
            "slow_snapshot" => Fault::SlowSnapshot { symbol, delay: ms },
            "server_shutdown" => Fault::ServerShutdown,
            "stall" => Fault::Stall { period: ms },
            "slow_consumer" => Fault::SlowConsumer { period: ms },
            "http_429" => Fault::Http429 { count, retry_after },
            "http_418" => Fault::Http418 { count, retry_after },
            other => return Err(format!("unknown fault kind `{other}` (kinds: {})", FAULT_KINDS.join(", "))),
        })
    }
}

/// Inject a random fault of `kinds` every `every` (`--faults every=3s,kinds=a+b,seed=N`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultSchedule {
    /// Period between injections.
    pub every: Duration,
    /// Kinds to choose from (names of [`FAULT_KINDS`]); empty = all.
    pub kinds: Vec<String>,
    /// Seed of the choice (same seed, same sequence).
    pub seed: u64,
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    let bad = || format!("bad duration `{s}` (e.g. 3s, 500ms)");
    if let Some(ms) = s.strip_suffix("ms") {
        return ms.parse().map(Duration::from_millis).map_err(|_| bad());
    }
    let secs = s.strip_suffix('s').unwrap_or(s);
    match secs.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(Duration::from_secs_f64(v)),
        _ => Err(bad()),
    }
}

impl FromStr for FaultSchedule {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let mut sch = FaultSchedule { every: Duration::ZERO, kinds: Vec::new(), seed: 1 };
        for part in s.split(',') {
            let (k, v) = part.split_once('=').ok_or_else(|| format!("`{part}`: expected key=value"))?;
            match k {
                "every" => sch.every = parse_duration(v)?,
                "seed" => sch.seed = v.parse().map_err(|_| format!("seed must be an integer, got `{v}`"))?,
                "kinds" => {
                    for kind in v.split('+') {
                        if !FAULT_KINDS.contains(&kind) {
                            return Err(format!(
                                "unknown fault kind `{kind}` (kinds: {})",
                                FAULT_KINDS.join(", ")
                            ));
                        }
                        sch.kinds.push(kind.to_string());
                    }
                }
                other => return Err(format!("unknown fault schedule key `{other}` (every, kinds, seed)")),
            }
        }
        if sch.every.is_zero() {
            return Err("fault schedule needs every=<duration>".into());
        }
        Ok(sch)
    }
}

/// SplitMix64: a small seeded generator for the schedule and the slow-consumer piece sizes.
pub(crate) fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The `n`-th fault a schedule injects, with `symbols` to pick from.
pub(crate) fn scheduled(kinds: &[String], symbols: &[String], rng: &mut u64) -> Result<Fault, String> {
    let all: Vec<String> = FAULT_KINDS.iter().map(|k| k.to_string()).collect();
    let kinds = if kinds.is_empty() { &all[..] } else { kinds };
    let kind = &kinds[(splitmix(rng) % kinds.len() as u64) as usize];
    let symbol = symbols.get((splitmix(rng) % symbols.len().max(1) as u64) as usize).cloned();
    let count = 1 + splitmix(rng) % 3;
    let ms = 200 + splitmix(rng) % 1800;
    Fault::from_params(kind, |k| match k {
        "symbol" => symbol.clone(),
        "count" => Some(count.to_string()),
        "ms" => Some(ms.to_string()),
        _ => None,
    })
}

/// Faults waiting to happen, consulted by the market, the connections and the router.
#[derive(Default)]
pub(crate) struct FaultState {
    pending: Mutex<Pending>,
    /// Until when (ms since the simulator's start) connections are stalled / written slowly.
    pub stall_until: AtomicU64,
    pub slow_until: AtomicU64,
    /// Bumped by each `malformed`; a connection corrupts one frame when it sees a new value.
    pub malformed_gen: AtomicU64,
}

#[derive(Default)]
struct Pending {
    drop: Vec<(Option<String>, u32)>,
    dup: Vec<Option<String>>,
    stale: Vec<Option<String>>,
    slow: Vec<(Option<String>, Duration)>,
    http: Option<(u16, u32, Duration)>,
}

fn matches(want: &Option<String>, symbol: &str) -> bool {
    want.as_deref().is_none_or(|w| w == symbol)
}

impl FaultState {
    fn with<R>(&self, f: impl FnOnce(&mut Pending) -> R) -> R {
        f(&mut self.pending.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Record a fault that is consumed later; false for the kinds acted on at once.
    pub fn hold(&self, f: &Fault) -> bool {
        self.with(|p| {
            match f {
                Fault::DropDepth { symbol, count } => p.drop.push((symbol.clone(), *count)),
                Fault::Duplicate { symbol } => p.dup.push(symbol.clone()),
                Fault::StaleSnapshot { symbol } => p.stale.push(symbol.clone()),
                Fault::SlowSnapshot { symbol, delay } => p.slow.push((symbol.clone(), *delay)),
                Fault::Http429 { count, retry_after } => p.http = Some((429, *count, *retry_after)),
                Fault::Http418 { count, retry_after } => p.http = Some((418, *count, *retry_after)),
                _ => return false,
            }
            true
        })
    }

    /// Should this depth event of `symbol` be skipped?
    pub fn take_drop(&self, symbol: &str) -> bool {
        self.with(|p| {
            let Some(i) = p.drop.iter().position(|(s, n)| *n > 0 && matches(s, symbol)) else { return false };
            p.drop[i].1 -= 1;
            if p.drop[i].1 == 0 {
                p.drop.remove(i);
            }
            true
        })
    }

    fn take_one(list: &mut Vec<Option<String>>, symbol: &str) -> bool {
        match list.iter().position(|s| matches(s, symbol)) {
            Some(i) => {
                list.remove(i);
                true
            }
            None => false,
        }
    }

    /// Should this depth event of `symbol` be sent twice?
    pub fn take_dup(&self, symbol: &str) -> bool {
        self.with(|p| Self::take_one(&mut p.dup, symbol))
    }

    /// Should this depth answer for `symbol` be stale?
    pub fn take_stale(&self, symbol: &str) -> bool {
        self.with(|p| Self::take_one(&mut p.stale, symbol))
    }

    /// How long this depth answer for `symbol` waits.
    pub fn take_slow(&self, symbol: &str) -> Option<Duration> {
        self.with(|p| {
            let i = p.slow.iter().position(|(s, _)| matches(s, symbol))?;
            Some(p.slow.remove(i).1)
        })
    }

    /// A forced REST status for this request: (429|418, Retry-After).
    pub fn take_http(&self) -> Option<(u16, Duration)> {
        self.with(|p| {
            let (status, left, retry) = p.http.as_mut()?;
            let out = (*status, *retry);
            *left -= 1;
            if *left == 0 {
                p.http = None;
            }
            Some(out)
        })
    }

    /// Is `now_ms` inside a stall / slow-write period?
    pub fn stalled(&self, now_ms: u64) -> bool {
        now_ms < self.stall_until.load(Ordering::Relaxed)
    }
    pub fn slow(&self, now_ms: u64) -> bool {
        now_ms < self.slow_until.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_parses_and_repeats_with_its_seed() {
        let s: FaultSchedule = "every=3s,kinds=drop_depth+stall,seed=7".parse().expect("schedule");
        assert_eq!(s.every, Duration::from_secs(3));
        assert!("every=3s,kinds=nope".parse::<FaultSchedule>().is_err());
        assert!("kinds=stall".parse::<FaultSchedule>().is_err());
        let syms = vec!["BTCUSDT".to_string()];
        let run = |seed| {
            let mut r = seed;
            (0..5).map(|_| scheduled(&s.kinds, &syms, &mut r).expect("fault")).collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
    }

    #[test]
    fn pending_faults_are_consumed() {
        let f = FaultState::default();
        assert!(f.hold(&Fault::DropDepth { symbol: Some("BTCUSDT".into()), count: 2 }));
        assert!(!f.take_drop("ETHUSDT"));
        assert!(f.take_drop("BTCUSDT") && f.take_drop("BTCUSDT") && !f.take_drop("BTCUSDT"));
        assert!(f.hold(&Fault::Http429 { count: 1, retry_after: Duration::from_secs(2) }));
        assert_eq!(f.take_http(), Some((429, Duration::from_secs(2))));
        assert_eq!(f.take_http(), None);
        assert!(!f.hold(&Fault::Malformed));
    }
}
