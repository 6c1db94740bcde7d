//! USD-M capture (`/fapi/v1/depth` with `E`/`T`, the `pu` chain) and `--loop` (ids jump, times
//! keep rising).

mod common;

use alphapulse_exsim::{SimConfig, Speed, LOOP_ID_GAP};
use common::*;
use std::time::Duration;

#[test]
fn usdm_depth_has_e_t_and_the_pu_chain_holds() {
    let Some(dir) = shared_data() else {
        println!("skipped: ../shared/data not found");
        return;
    };
    let mut cfg = SimConfig::new(vec![dir.join("binance-usdm/btcusdt_20240808.gz")]);
    cfg.speed = Speed::Max;
    cfg.wait_for_clients = 1;
    let sim = sim(cfg);
    let mut ws = connect(sim.ws_addr(), "/stream?streams=btcusdt@depth@0ms");
    let mut prev: Option<u64> = None;
    for _ in 0..500 {
        let v = json(&text(&mut ws));
        let d = &v["data"];
        if let Some(p) = prev {
            assert_eq!(d["pu"].as_u64(), Some(p), "pu == previous u");
        }
        prev = d["u"].as_u64();
    }
    let (status, _, body) = get(sim.http_addr(), "/fapi/v1/depth?symbol=BTCUSDT&limit=10");
    assert_eq!(status, 200);
    let snap = json(&body);
    assert!(snap["E"].as_u64().is_some() && snap["T"].as_u64().is_some(), "{body}");
    assert_eq!(snap["bids"].as_array().map(Vec::len), Some(10));
    let (status, _, body) = get(sim.http_addr(), "/api/v3/depth?symbol=BTCUSDT");
    assert_eq!((status, json(&body)["code"].as_i64()), (400, Some(-1121)), "not a spot symbol here");
    sim.shutdown();
}

#[test]
fn loop_jumps_ids_and_keeps_time_rising() {
    let per_lap = capture_frames(&sample()).iter().filter(|(s, _)| s == "btcusdt@depth@100ms").count();
    let mut cfg = config(Speed::Max);
    cfg.loop_forever = true;
    let sim = sim(cfg);
    let mut ws = connect(sim.ws_addr(), "/stream?streams=btcusdt@depth@100ms");
    let (mut prev_u, mut prev_e) = (0u64, 0u64);
    let mut jumps = Vec::new();
    for i in 0..per_lap + 100 {
        let v = json(&text(&mut ws));
        let d = &v["data"];
        let (first, last, e) =
            (d["U"].as_u64().expect("U"), d["u"].as_u64().expect("u"), d["E"].as_u64().expect("E"));
        if i > 0 {
            assert!(e >= prev_e, "time never goes back ({i})");
            if first != prev_u + 1 {
                assert!(first > prev_u + LOOP_ID_GAP, "a jump, not a splice ({i})");
                jumps.push(i);
            }
        }
        (prev_u, prev_e) = (last, e);
    }
    assert_eq!(jumps, [per_lap], "exactly one jump, at the loop");
    let id = json(&get(sim.http_addr(), "/api/v3/depth?symbol=BTCUSDT&limit=5").2)["lastUpdateId"]
        .as_u64()
        .expect("id");
    assert!(id > LOOP_ID_GAP + 50093239218, "REST book is in the second lap: {id}");
    assert!(sim.stats().loops_completed >= 1);
    assert!(!sim.wait_until_done(Duration::from_millis(10)));
    sim.shutdown();
}
