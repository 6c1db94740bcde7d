//! Test support: where the shared real data and the repo's sample capture are.

use std::path::PathBuf;

/// The shared real-data folder: `$ALPHAPULSE_SHARED_DATA`, else `<workspace>/../shared/data`;
/// `None` if it does not exist.
pub fn shared_data_dir() -> Option<PathBuf> {
    let p = match std::env::var_os("ALPHAPULSE_SHARED_DATA") {
        Some(v) => PathBuf::from(v),
        None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data")),
    };
    p.is_dir().then_some(p)
}

/// The bundled capture `feeds/testdata/btcusdt_20240808.gz` (see `testdata/PROVENANCE.md`).
pub fn sample_capture() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/btcusdt_20240808.gz"))
}

/// Every message a replay sent down, and the levels of its depth updates (each `Depth::at`
/// indexes `levels`).
#[derive(Clone, Debug, Default)]
pub struct Replayed {
    pub msgs: Vec<alphapulse_types::Msg>,
    pub levels: Vec<alphapulse_types::PxQty>,
}

impl Replayed {
    /// Move what `out` collected (messages, and the levels of its depth updates, re-based onto
    /// `self.levels`) to the end of this replay, and empty `out`.
    pub fn take_from(&mut self, out: &mut alphapulse_runtime::VecOutbox) {
        let base = self.levels.len() as u32;
        for mut m in out.down.drain(..) {
            if let alphapulse_types::Msg::Depth(d) = &mut m {
                d.at += base;
            }
            self.msgs.push(m);
        }
        self.levels.extend_from_slice(out.levels.as_slice());
        out.clear();
    }
    /// Hand `m`, a message of this replay, to `actor` through `out` as the runtime would call it:
    /// not at all if the actor does not handle its kind; a depth update with its levels, copied
    /// first into `out`'s level store (the caller clears `out` between messages).
    pub fn handle_in<A: alphapulse_runtime::Actor + ?Sized>(
        &self,
        m: &alphapulse_types::Msg,
        out: &mut alphapulse_runtime::VecOutbox,
        actor: &mut A,
    ) {
        if !actor.handles().contains(m) {
            return;
        }
        match m {
            alphapulse_types::Msg::Depth(d) => {
                let (bids, asks) = self.levels_of(d);
                let msg = out.depth(*d, bids, asks);
                out.handle(actor, &msg, m.event_ts());
            }
            _ => out.handle(actor, m, m.event_ts()),
        }
    }
    /// The levels of `d`: (bids, asks).
    pub fn levels_of(
        &self,
        d: &alphapulse_types::Depth,
    ) -> (&[alphapulse_types::PxQty], &[alphapulse_types::PxQty]) {
        alphapulse_runtime::levels_in(&self.levels, d)
    }
}

/// Replay `files` through a [`crate::FeedActor`] and collect every message it sends down, ending
/// with its `Eos` (test support for other crates: real market data as `Msg`s; allocates freely).
pub fn replay_messages(
    files: &[PathBuf],
    instruments: &alphapulse_types::InstrumentTable,
) -> Result<Replayed, crate::FeedError> {
    use alphapulse_runtime::{Ctx, Poll, Source, VecOutbox};
    let mut feed = crate::FeedActor::open(files, instruments, crate::FeedOptions::defaults())?;
    let mut out = VecOutbox::default();
    let mut r = Replayed::default();
    loop {
        let p = feed.poll(&mut Ctx::new(0, &mut out));
        r.take_from(&mut out);
        if p == Poll::Done {
            return Ok(r);
        }
    }
}
