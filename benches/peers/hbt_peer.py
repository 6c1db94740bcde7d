"""hftbacktest 2.4.4 on the Binance spot captures.

    python hbt_peer.py convert OUT.npz FILE...   # the .gz → hftbacktest's event array (untimed prep)
    python hbt_peer.py core NPZ                  # core loop over the preprocessed array
    python hbt_peer.py elapse NPZ                # the same without a hook: one elapse() to the end
    python hbt_peer.py whole FILE...             # conversion from the .gz + the same loop

Prints one JSON object on stdout: frames, seconds, what was timed, a checksum of the book.

Conversion: hftbacktest's own `hftbacktest.data.utils.binancefutures.convert` reads the collector
format but only futures frames (it needs `T` in depth updates and snapshots and `e` in bookTicker,
which spot frames do not have), so `to_events` below is that function adapted to spot: depth levels
→ DEPTH_EVENT rows (exchange time `E`), trades → TRADE_EVENT (`T`), bookTicker → DEPTH_BBO_EVENT
bid and ask rows (no exchange time in spot: the receive time is used), the REST snapshot →
DEPTH_CLEAR_EVENT + DEPTH_SNAPSHOT_EVENT rows; then its `correct_local_timestamp`,
`correct_event_order` and `validate_event_order`, as in `convert`.

Loop: a `HashMapMarketDepthBacktest` (its default L2 book) over one asset (BTCUSDT spot: tick 0.01,
lot 0.00001, no partial fill exchange, constant latency, risk-averse queue model); the strategy hook is
an njit function that calls `wait_next_feed` until the end of the data and, at every feed it
returns on, reads the best bid/ask ticks and folds them into a checksum. The njit function is
compiled before the timing starts (on the first rows of the same data).
"""

import json
import sys
import time

import numpy as np
from numba import njit

from hftbacktest import (
    BacktestAsset,
    HashMapMarketDepthBacktest,
    DEPTH_EVENT,
    TRADE_EVENT,
    DEPTH_CLEAR_EVENT,
    DEPTH_SNAPSHOT_EVENT,
    DEPTH_BBO_EVENT,
    BUY_EVENT,
    SELL_EVENT,
)
from hftbacktest.binding import event_dtype
from hftbacktest.data.validation import (
    correct_event_order,
    correct_local_timestamp,
    validate_event_order,
)

import capture

MS = 1_000_000


def to_events(paths):
    """The captures → (hftbacktest event array, frames by kind)."""
    counts = {}
    rows = []
    append = rows.append
    for kind, local_ns, d in capture.frames(paths, counts):
        if kind == "depth":
            ts = int(d["E"]) * MS
            for px, qty in d["b"]:
                append((DEPTH_EVENT | BUY_EVENT, ts, local_ns, float(px), float(qty), 0, 0, 0.0))
            for px, qty in d["a"]:
                append((DEPTH_EVENT | SELL_EVENT, ts, local_ns, float(px), float(qty), 0, 0, 0.0))
        elif kind == "book_ticker":
            append((DEPTH_BBO_EVENT | BUY_EVENT, local_ns, local_ns, float(d["b"]), float(d["B"]), 0, 0, 0.0))
            append((DEPTH_BBO_EVENT | SELL_EVENT, local_ns, local_ns, float(d["a"]), float(d["A"]), 0, 0, 0.0))
        elif kind in ("trade", "agg_trade"):
            side = SELL_EVENT if d["m"] else BUY_EVENT  # the initiator's side
            append((TRADE_EVENT | side, int(d["T"]) * MS, local_ns, float(d["p"]), float(d["q"]), 0, 0, 0.0))
        elif kind == "snapshot":
            for side, levels in ((BUY_EVENT, d["bids"]), (SELL_EVENT, d["asks"])):
                if levels:
                    append((DEPTH_CLEAR_EVENT | side, local_ns, local_ns, float(levels[-1][0]), 0.0, 0, 0, 0.0))
                    for px, qty in levels:
                        append((DEPTH_SNAPSHOT_EVENT | side, local_ns, local_ns, float(px), float(qty), 0, 0, 0.0))
    tmp = np.array(rows, dtype=event_dtype)
    tmp = correct_local_timestamp(tmp, 0)
    data = correct_event_order(
        tmp,
        np.argsort(tmp["exch_ts"], kind="mergesort"),
        np.argsort(tmp["local_ts"], kind="mergesort"),
    )
    validate_event_order(data)
    return data, counts


@njit
def strategy(hbt):
    """The per-event hook: read the top of the book at every feed until the data ends."""
    feeds = 0
    checksum = 0
    while True:
        r = hbt.wait_next_feed(False, 1_000_000_000_000)
        if r == 1:
            break
        if r != 2 and r != 0:
            return -1, feeds, checksum
        depth = hbt.depth(0)
        if depth.best_bid_tick < depth.best_ask_tick:
            checksum += 1
        feeds += 1
    return 0, feeds, checksum


@njit
def no_hook(hbt):
    """No strategy: one `elapse` past the end of the data (hftbacktest's loop at its fastest)."""
    calls = 0
    while calls < 1000:
        # a year per call: far past the end of any capture, and no i64 overflow of the target time
        # when elapse() reports the end only on the call after the data ran out
        r = hbt.elapse(365 * 86_400 * 1_000_000_000)
        calls += 1
        if r == 1:
            return 0, calls
        if r != 0:
            return -1, calls
    return -1, calls


def backtest(data):
    asset = (
        BacktestAsset()
        .data([data])
        .linear_asset(1.0)
        .constant_order_latency(0, 0)
        .risk_adverse_queue_model()
        .no_partial_fill_exchange()
        .trading_value_fee_model(0.001, 0.001)
        .tick_size(0.01)
        .lot_size(0.00001)
    )
    return HashMapMarketDepthBacktest([asset])


def run_loop(data, hook=True):
    """Compile on a prefix, then time the loop over the whole array."""
    warm = backtest(data[: min(len(data), 2000)].copy())
    strategy(warm) if hook else no_hook(warm)
    warm.close()
    hbt = backtest(data)
    t0 = time.perf_counter()
    if hook:
        rc, feeds, checksum = strategy(hbt)
    else:
        (rc, feeds), checksum = no_hook(hbt), 0
    t1 = time.perf_counter()
    depth = hbt.depth(0)
    best = (depth.best_bid, depth.best_ask)
    hbt.close()
    if rc != 0:
        raise RuntimeError(f"hftbacktest: the {'wait_next_feed' if hook else 'elapse'} loop failed after {feeds} calls")
    return t1 - t0, feeds, int(checksum), best


def main(argv):
    if len(argv) < 2:
        sys.exit("usage: hbt_peer.py convert OUT.npz FILE... | core NPZ | elapse NPZ | whole FILE...")
    mode = argv[0]
    if mode == "convert":
        data, counts = to_events(argv[2:])
        np.savez(argv[1], data=data, frames=np.array([capture.total(counts)]),
                 counts=np.array(json.dumps(counts)))
        print(json.dumps({"rows": len(data), "frames": capture.total(counts), "frames_by_kind": counts}))
        return
    if mode in ("core", "elapse"):
        z = np.load(argv[1])
        data = z["data"]
        frames = int(z["frames"][0])
        secs, feeds, checksum, best = run_loop(data, hook=mode == "core")
        timed = ("the njit loop over the preprocessed array (book + hook per feed)" if mode == "core" else
                 "one elapse() over the preprocessed array (book, no hook)")
    elif mode == "whole":
        t0 = time.perf_counter()
        data, counts = to_events(argv[1:])
        t_conv = time.perf_counter() - t0
        loop, feeds, checksum, best = run_loop(data)
        # the warm-up compile between conversion and loop is not counted
        secs = t_conv + loop
        frames = capture.total(counts)
        timed = f"conversion from the .gz ({t_conv:.3f} s) + the loop ({loop:.3f} s)"
    else:
        sys.exit(f"hbt_peer.py: unknown mode {mode!r}")
    print(json.dumps({
        "engine": "hftbacktest", "mode": mode, "frames": frames, "rows": len(data),
        "feeds": feeds, "seconds": secs, "frames_per_sec": frames / secs,
        "checksum": checksum, "final_best": best, "timed": timed,
    }))


if __name__ == "__main__":
    main(sys.argv[1:])
