//! No allocation per call: both example strategies, linked in and as plugins, called on every
//! market event of the second half of the real sample capture (after the first half warmed them),
//! allocate nothing on the calling thread. A plugin's own code allocates through the plugin's
//! allocator (a cdylib has its own), which this cannot see: its built-in twin, the same code,
//! is counted instead; for the plugin the count covers the adapter and the view table.

mod common;

use alphapulse_feeds::testdata::{replay_messages, sample_capture};
use alphapulse_plugin::{load, NativeStrategy, PluginStrategy};
use alphapulse_runtime::{Actor, VecOutbox};
use alphapulse_shm::alloc_count::{allocations_in, CountingAllocator};
use alphapulse_strategy::{Strategy, StrategyConfig, StrategyHost};
use alphapulse_types::Msg;
use common::{instruments, plugin};

#[global_allocator]
static A: CountingAllocator = CountingAllocator;

#[test]
fn strategy_calls_allocate_nothing() {
    let table = instruments();
    let symbols: Vec<&str> = table.iter().map(|i| i.symbol.as_str()).collect();
    let (mp, mom) = (load(plugin("ap_microprice")).unwrap(), load(plugin("ap_momentum")).unwrap());
    let p_mp = [("min_change_bps", "0")];
    let mut strategies: Vec<Box<dyn Strategy>> = vec![
        Box::new(NativeStrategy::<ap_microprice::MicroPrice>::new("a", &p_mp, &symbols, 1_000).unwrap()),
        Box::new(PluginStrategy::new(&mp, "b", &p_mp, &symbols, 1_000).unwrap()),
        Box::new(NativeStrategy::<ap_momentum::Momentum>::new("c", &[], &symbols, 0).unwrap()),
        Box::new(PluginStrategy::new(&mom, "d", &[], &symbols, 0).unwrap()),
    ];
    let stream = replay_messages(&[sample_capture()], &table).unwrap();
    let cfg = StrategyConfig { ema_cross: None, imbalance: None, ..Default::default() };
    let mut host = StrategyHost::new(&cfg, &table, 5000).unwrap();
    let mut out = VecOutbox::default();
    let half = stream.msgs.len() / 2;
    let (mut allocs, mut calls, mut signals) = (0u64, 0u64, 0u64);
    for (n, m) in stream.msgs.iter().enumerate() {
        if !host.handles().contains(m) {
            continue;
        }
        stream.handle_in(m, &mut out, &mut host);
        out.clear();
        let view = host.view();
        let (got, k) = allocations_in(|| {
            let mut got = 0u64;
            for s in strategies.iter_mut() {
                let sig = match m {
                    Msg::Quote(q) => s.on_quote(q, &view),
                    Msg::Trade(t) => s.on_trade(t, &view),
                    Msg::Depth(d) => {
                        let (b, a) = stream.levels_of(d);
                        s.on_depth(d, b, a, &view)
                    }
                    _ => None,
                };
                got += sig.is_some() as u64;
            }
            got
        });
        if n >= half {
            allocs += k;
            calls += 1;
            signals += got;
        }
    }
    assert!(calls > 1_000 && signals > 1_000, "{calls} events, {signals} signals");
    assert_eq!(allocs, 0, "allocations in {calls} events' strategy calls");
    for s in &strategies {
        let h = s.health().unwrap();
        assert!(h.enabled && h.calls > 0, "{h:?}");
    }
}
