//! No allocation per call: the technical agent, warmed on the first half of the repo's real
//! sample capture (every interval warm), allocates nothing in `on_trade` or `on_quote` over the
//! second half, bar closes included.

use alphapulse_feeds::testdata::{replay_messages, sample_capture};
use alphapulse_shm::alloc_count::{allocations_in, CountingAllocator};
use alphapulse_strategy::{MarketState, Strategy, TechnicalAgent, TechnicalConfig};
use alphapulse_types::Msg;

#[global_allocator]
static A: CountingAllocator = CountingAllocator;

#[test]
fn on_trade_and_on_quote_allocate_nothing_after_warm_up() {
    let table = alphapulse_feeds::sample_instruments();
    let inst = table.id_of("BTCUSDT").expect("BTCUSDT");
    let stream = replay_messages(&[sample_capture()], &table).expect("replay the sample capture");
    let cfg = TechnicalConfig { intervals_ms: vec![1_000, 2_000], ..Default::default() };
    let mut agent = TechnicalAgent::new(&cfg, table.len()).unwrap();
    let state = MarketState::new(table.len(), 1);
    let view = state.view(None);
    let half = stream.msgs.len() / 2;
    let (mut allocs, mut trades, mut quotes, mut signals) = (0u64, 0u64, 0u64, 0u64);
    for (n, m) in stream.msgs.iter().enumerate() {
        if n == half {
            assert!((0..2).all(|k| agent.reading(inst, k).is_some()), "both intervals warm at half-time");
        }
        let (sig, k) = allocations_in(|| match m {
            Msg::Trade(t) => agent.on_trade(t, &view),
            Msg::Quote(q) => agent.on_quote(q, &view),
            _ => None,
        });
        if n >= half {
            allocs += k;
            trades += matches!(m, Msg::Trade(_)) as u64;
            quotes += matches!(m, Msg::Quote(_)) as u64;
            signals += sig.is_some() as u64;
        }
    }
    println!("second half: {trades} trades, {quotes} quotes, {signals} signals, {allocs} allocations");
    assert!(
        trades > 1_000 && quotes > 1_000 && signals > 50,
        "{trades} trades, {quotes} quotes, {signals} signals"
    );
    assert_eq!(allocs, 0, "allocations in the technical agent's calls");
}
