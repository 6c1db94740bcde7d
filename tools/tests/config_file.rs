//! The documented example config lists every key at its default; bad keys are named in errors.

use alphapulse_tools::config::Config;
use std::path::Path;

fn example() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("config/backtest.toml")
}

#[test]
fn example_config_is_the_defaults() {
    let cfg = Config::load(&example()).unwrap();
    assert_eq!(format!("{cfg:?}"), format!("{:?}", Config::default()));
}

fn load_str(text: &str) -> String {
    let dir = alphapulse_shm::test_scratch::root().join(format!("ap-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(format!("c{}.toml", text.len()));
    std::fs::write(&p, text).unwrap();
    Config::load(&p).map(|_| String::new()).unwrap_or_else(|e| e.to_string())
}

#[test]
fn errors_name_the_key() {
    let e = load_str("[risk]\nmax_order_qty = \"abc\"\n");
    assert!(e.contains("max_order_qty"), "{e}");
    let e = load_str("[risk]\nmax_open_orders = 0\n");
    assert!(e.contains("risk") && e.contains("max_open_orders"), "{e}");
    let e = load_str("[risk]\nmax_open_orders = 5000\n");
    assert!(e.contains("risk.max_open_orders") && e.contains("router.max_orders 4096"), "{e}");
    assert_eq!(load_str("[risk]\nmax_open_orders = 5000\n[router]\nmax_orders = 5000\n"), "");
    let e = load_str("[sim]\ntypo_key = 1\n");
    assert!(e.contains("typo_key"), "{e}");
    let e = load_str("[feed]\nbook_levels = 0\n");
    assert!(e.contains("book_levels"), "{e}");
    let e = load_str("[strategy.aggregator]\norder_qty = \"0.000000001\"\n");
    assert!(e.contains("order_qty") && e.contains("8 decimal places"), "{e}");
}
