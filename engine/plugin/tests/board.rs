//! `builtin = "board"` entries: a config names slow agents; `board_for` makes their board, and
//! `add_configured_with` adds one `BoardAgent` per entry, which passes the slow agent's
//! publications on as signals dated by their own time. Mistakes are refused with the entry named.

mod common;

use alphapulse_plugin::{add_configured, add_configured_with, board_for};
use alphapulse_runtime::VecOutbox;
use alphapulse_strategy::{StrategyConfig, StrategyHost};
use alphapulse_types::Msg;
use common::{instruments, quote};

const SEC: u64 = 1_000_000_000;

fn config(text: &str) -> StrategyConfig {
    let mut c: StrategyConfig = toml::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    c.ema_cross = None;
    c.imbalance = None;
    c
}

const TWO: &str = "[aggregator]\nsignal_ttl_ns_by = { fundamental = 7776000000000000 }\n\
    [[plugins]]\nname = \"fundamental\"\nbuiltin = \"board\"\n\
    [[plugins]]\nname = \"filings\"\nbuiltin = \"board\"\nparams = { agent = \"activist\" }\n";

#[test]
fn board_entries_read_their_slow_agents_rows() {
    let cfg = config(TWO);
    let table = instruments();
    let board = board_for(&cfg, table.len()).unwrap().expect("two board entries");
    assert_eq!(board.agents(), ["fundamental".to_string(), "activist".to_string()]);
    let mut host = StrategyHost::new(&cfg, &table, 100).unwrap();
    let added = add_configured_with(&mut host, &cfg, &table, Some(&board)).unwrap();
    assert_eq!(added, vec![0, 1]);
    assert_eq!(host.strategy_index("filings"), Some(1));
    let inst = quote(0, 1).inst;
    board.publish(board.agent_index("activist").unwrap(), inst, -4_000, 3 * SEC).unwrap();
    let mut out = VecOutbox::default();
    out.handle(&mut host, &Msg::Quote(quote(10 * SEC, 1)), 10 * SEC);
    let signals: Vec<_> =
        out.journal.iter().filter_map(|m| if let Msg::Signal(s) = m { Some(*s) } else { None }).collect();
    assert_eq!(signals.len(), 1, "{signals:?}");
    assert_eq!((signals[0].agent, signals[0].score, signals[0].origin_ts), (1, -4_000, 3 * SEC));
    out.clear();
    out.handle(&mut host, &Msg::Quote(quote(11 * SEC, 1)), 11 * SEC);
    assert!(out.journal.iter().all(|m| !matches!(m, Msg::Signal(_))), "nothing new published");
    // The `fundamental` TTL override reached its strategy; `filings` has the default (3 s).
    let a = host.aggregator();
    assert!(!a.is_fresh(1, inst, 11 * SEC), "7 s old against 3 s");
    assert_eq!(a.expired_signals(1), 1);
}

#[test]
fn board_entries_are_checked() {
    let table = instruments();
    let cfg = config(TWO);
    assert!(board_for(&config(""), table.len()).unwrap().is_none());
    let mut host = StrategyHost::new(&cfg, &table, 100).unwrap();
    let e = add_configured(&mut host, &cfg, &table).err().unwrap().to_string();
    assert!(e.contains("strategy `fundamental`") && e.contains("needs the slow-agent board"), "{e}");
    let e =
        board_for(&config("[[plugins]]\nname = \"f\"\nbuiltin = \"board\"\nparams = { agnet = \"x\" }\n"), 1)
            .err()
            .unwrap()
            .to_string();
    assert!(e.contains("strategy `f`") && e.contains("not `agnet`"), "{e}");
    let twice = "[[plugins]]\nname = \"a\"\nbuiltin = \"board\"\nparams = { agent = \"x\" }\n\
        [[plugins]]\nname = \"b\"\nbuiltin = \"board\"\nparams = { agent = \"x\" }\n";
    let e = board_for(&config(twice), 1).err().unwrap().to_string();
    assert!(e.contains("strategy `b`") && e.contains("`x` is read by two"), "{e}");
    // A board made for other entries has no row for this one.
    let other = board_for(&config("[[plugins]]\nname = \"z\"\nbuiltin = \"board\"\n"), table.len()).unwrap();
    let mut host = StrategyHost::new(&cfg, &table, 100).unwrap();
    let e = add_configured_with(&mut host, &cfg, &table, other.as_ref()).err().unwrap().to_string();
    assert!(e.contains("slow agent `fundamental` has no row on the board (rows: z)"), "{e}");
}
