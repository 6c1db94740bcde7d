//! [`Stage`]: one actor of a built-in chain, as a closed set of concrete types.
//!
//! The runtime is generic over its actor type (`run::<A: Actor>`). Given a `Vec<Stage>`, each call
//! the runtime makes into an actor is a `match` on the stage's variant followed by a direct,
//! inlinable call into the concrete actor — no vtable. The placement (which actor runs on which
//! thread) is still read from the config at start: it moves stages between threads, it does not
//! change their types. Only [`Stage::Other`] (a test's wrapper, later a loaded plugin) goes through
//! dynamic dispatch.

use alphapulse_feeds::live::net::BinanceNet;
use alphapulse_feeds::live::LiveFeedActor;
use alphapulse_feeds::{FeedActor, JournalFeed};
use alphapulse_gateways::sim::SimGateway;
use alphapulse_oms::RouterActor;
use alphapulse_risk::RiskActor;
use alphapulse_runtime::{Actor, Books, Ctx, Kinds, Replies, Source};
use alphapulse_strategy::StrategyHost;
use alphapulse_types::{CtlReq, CtlStatus, Msg};
use std::any::Any;

/// One actor of the chain: a built-in one by value, or any other behind a box.
pub enum Stage {
    Feed(Box<FeedActor>),
    Replay(Box<JournalFeed>),
    /// The live feed (paper trading, recording).
    Live(Box<LiveFeedActor<BinanceNet>>),
    Strategy(Box<StrategyHost>),
    Risk(Box<RiskActor>),
    Router(Box<RouterActor>),
    Sim(Box<SimGateway>),
    /// Anything else (a wrapper around a stage, a plugin): called through its vtable.
    Other(Box<dyn Actor>),
}

/// `$body` with `$a` bound to the stage's actor, whatever its variant (each arm a static call).
macro_rules! each {
    ($stage:expr, $a:ident => $body:expr) => {
        match $stage {
            Stage::Feed($a) => $body,
            Stage::Replay($a) => $body,
            Stage::Live($a) => $body,
            Stage::Strategy($a) => $body,
            Stage::Risk($a) => $body,
            Stage::Router($a) => $body,
            Stage::Sim($a) => $body,
            Stage::Other($a) => $body,
        }
    };
}

impl Stage {
    /// The strategy names of the chain's strategy host, in index order (empty without one).
    pub fn strategy_names(chain: &[Stage]) -> Vec<String> {
        chain
            .iter()
            .find_map(|s| match s {
                Stage::Strategy(h) => Some(h.stats().agents.iter().map(|a| a.name.clone()).collect()),
                _ => None,
            })
            .unwrap_or_default()
    }

    /// This stage behind a box, for code that wraps actors (tests, probes).
    pub fn boxed(self) -> Box<dyn Actor> {
        match self {
            Stage::Other(a) => a,
            s => Box::new(s),
        }
    }
}

impl Actor for Stage {
    #[inline]
    fn name(&self) -> &'static str {
        each!(self, a => a.name())
    }
    #[inline]
    fn handles(&self) -> Kinds {
        each!(self, a => a.handles())
    }
    #[inline]
    fn consumes(&self) -> Kinds {
        each!(self, a => a.consumes())
    }
    #[inline(always)]
    fn handle(&mut self, msg: &Msg, ctx: &mut Ctx<'_>) {
        each!(self, a => a.handle(msg, ctx))
    }
    #[inline(always)]
    fn source(&mut self) -> Option<&mut dyn Source> {
        each!(self, a => a.source())
    }
    #[inline(always)]
    fn books(&self) -> Option<&dyn Books> {
        each!(self, a => a.books())
    }
    fn lent_books(&mut self, lent: bool) {
        each!(self, a => a.lent_books(lent))
    }
    fn control(&mut self, req: &CtlReq, ctx: &mut Ctx<'_>, out: &mut Replies<'_>) -> CtlStatus {
        each!(self, a => a.control(req, ctx, out))
    }
    fn as_any(&self) -> &dyn Any {
        each!(self, a => a.as_any())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alphapulse_runtime::VecOutbox;
    use alphapulse_types::{InstrumentTable, Quote};

    #[test]
    fn a_stage_is_its_actor() {
        let table = InstrumentTable::new();
        let risk = RiskActor::new(Default::default(), &table).unwrap();
        let (handles, consumes) = (risk.handles(), risk.consumes());
        let mut s = Stage::Risk(Box::new(risk));
        assert_eq!((s.name(), s.handles(), s.consumes()), ("risk", handles, consumes));
        assert!(s.source().is_none());
        assert!(s.as_any().downcast_ref::<RiskActor>().is_some(), "downcasts to the concrete actor");
        let mut out = VecOutbox::default();
        out.handle(&mut s, &Msg::Quote(Quote::default()), 1);
        let r = s.as_any().downcast_ref::<RiskActor>().unwrap();
        assert_eq!(r.stats().unknown_instrument, 1, "the call reached the risk actor");
        let boxed = s.boxed();
        assert_eq!(boxed.name(), "risk");
    }
}
