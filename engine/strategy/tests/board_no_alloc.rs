//! No allocation per call: a [`BoardAgent`] called on every market event of the second half of
//! the real sample capture allocates nothing on the calling (hot) thread, and passes on each
//! publication made meanwhile (one every 100 events, made outside the counted calls, as a slow
//! thread would) exactly once.

use alphapulse_feeds::testdata::{replay_messages, sample_capture};
use alphapulse_runtime::{Actor, VecOutbox};
use alphapulse_shm::alloc_count::{allocations_in, CountingAllocator};
use alphapulse_strategy::{Board, BoardAgent, Strategy, StrategyConfig, StrategyHost};
use alphapulse_types::Msg;
use std::sync::Arc;

#[global_allocator]
static A: CountingAllocator = CountingAllocator;

#[test]
fn board_agent_calls_allocate_nothing() {
    let table = alphapulse_feeds::sample_instruments();
    let inst = table.id_of("BTCUSDT").unwrap();
    let stream = replay_messages(&[sample_capture()], &table).unwrap();
    let board = Arc::new(Board::new(&["fundamental"], table.len()).unwrap());
    let mut agent = BoardAgent::new("fundamental", board.clone(), 0).unwrap();
    let cfg = StrategyConfig { ema_cross: None, imbalance: None, ..Default::default() };
    let mut host = StrategyHost::new(&cfg, &table, 5000).unwrap();
    let mut out = VecOutbox::default();
    let half = stream.msgs.len() / 2;
    let (mut allocs, mut calls, mut signals, mut published) = (0u64, 0u64, 0u64, 0u64);
    for (n, m) in stream.msgs.iter().enumerate() {
        if !host.handles().contains(m) {
            continue;
        }
        stream.handle_in(m, &mut out, &mut host);
        out.clear();
        if n % 100 == 0 {
            board.publish(0, inst, (n % 10_000) as i32, m.event_ts()).unwrap();
            published += (n >= half) as u64;
        }
        let view = host.view();
        let (sig, k) = allocations_in(|| match m {
            Msg::Quote(q) => agent.on_quote(q, &view),
            Msg::Trade(t) => agent.on_trade(t, &view),
            Msg::Depth(d) => {
                let (b, a) = stream.levels_of(d);
                agent.on_depth(d, b, a, &view)
            }
            _ => None,
        });
        if n >= half {
            allocs += k;
            calls += 1;
            signals += sig.is_some() as u64;
        }
    }
    assert!(calls > 1_000 && published > 10, "{calls} events, {published} publications");
    assert_eq!(signals, published, "each publication of the second half passed on once");
    assert_eq!(allocs, 0, "allocations in {calls} BoardAgent calls");
    println!("{calls} calls, {signals} new publications passed on, {} busy reads", agent.busy_reads());
}
