"""Collects the rounds of benches/peers/run.sh into latency-reports/peers.md.

Exits 1 (naming the engine) when a result is missing or the engines disagree on the frame count.
"""

import argparse
import datetime
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
from importlib import metadata

import capture

FRAME_KINDS = capture.KINDS

ENGINES = [
    # key, label, short label
    ("ours-1t", "AlphaPulse, one thread (from the .gz)", "ours 1 thread"),
    ("ours-2t", "AlphaPulse, two threads (from the .gz)", "ours 2 threads"),
    ("ours-journal", "AlphaPulse, from its own journal", "ours journal"),
    ("hbt", "hftbacktest 2.4.4", "hftbacktest"),
    ("nautilus", "NautilusTrader 1.231.0", "Nautilus"),
]

INCLUDES = """\
| engine | core loop: timed | whole job: timed | not timed anywhere |
|---|---|---|---|
| AlphaPulse, one thread | `elapsed_sec` of `alphapulse backtest --json --no-journal --threads one`: the running chain — gzip decompression (on a reader thread per file, ahead of the chain thread), line scan and JSON parse, the book (depth + bookTicker + trades, Binance's sync procedure), the two agents, aggregator, risk, router and simulated exchange (fills, PnL), every 64-byte message over the rings | the process's wall clock (start, config, the CRC check of every gzip member at open, the chain, the report on stdout) | — |
| AlphaPulse, two threads | the same with `--threads two` (feed on its own thread, the rest on the other) | the process's wall clock | — |
| AlphaPulse, from its journal | `elapsed_sec` of `alphapulse backtest --json --no-journal --from-journal DIR`: the journal's market events (no gzip, no parsing) through the same chain, frames = the frames of the capture run that wrote the journal | the process's wall clock (reading `run.json` and the journal's segments included) | writing the journal (one capture run before the rounds) |
| hftbacktest | its `HashMapMarketDepthBacktest` over the preprocessed event array of the same frames (`.npz` loaded into memory before the timer): an njit strategy calling `wait_next_feed` until the end of the data, reading the best bid/ask ticks at every feed; the L2 book applies depth, bookTicker (as `DEPTH_BBO_EVENT`) and trade rows, its exchange side runs the queue model | the conversion from the .gz (Python: gzip, `json.loads`, one event row per level/quote side/trade, then hftbacktest's `correct_local_timestamp`, `correct_event_order`, `validate_event_order`) + the same loop | Python start-up and imports; numba's compilation of the strategy (done on the first 2,000 rows before the timer) |
| NautilusTrader | `BacktestEngine.run()` over the data objects: the data engine keeps an L2_MBP book in the cache from the deltas, the simulated BINANCE venue (L2_MBP) keeps its own, the strategy's `on_order_book_deltas` / `on_quote_tick` / `on_trade_tick` read the cached book's best bid/ask | building one Nautilus data object per frame from the .gz (Python: gzip, `json.loads`, `OrderBookDeltas` / `QuoteTick` / `TradeTick`) + `add_data` (sorting) + `run()` | Python start-up and imports; engine, venue and instrument set-up |
"""


def load(path):
    """The JSON result in `path`: the whole file (AlphaPulse) or its last line (the peers' scripts,
    whose libraries print progress lines before it)."""
    with open(path) as f:
        text = f.read()
    try:
        return json.loads(text)
    except ValueError:
        pass
    lines = [ln for ln in text.splitlines() if ln.startswith("{")]
    try:
        return json.loads(lines[-1])
    except (IndexError, ValueError):
        sys.exit(f"peers: error: no JSON result in {path}")


def read(work, name):
    return load(os.path.join(work, name + ".out"))


def wall(work, name):
    with open(os.path.join(work, name + ".wall_ns")) as f:
        return int(f.read()) / 1e9


def ours_frames(j):
    return sum(j["frames_by_kind"].get(k, 0) for k in FRAME_KINDS)


def cmd(args):
    try:
        return subprocess.run(args, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def fmt(x):
    return f"{x / 1e6:.3f} M" if x >= 1e5 else f"{x / 1e3:.1f} k"


class Mismatch(Exception):
    """The engines disagree (frame counts, or AlphaPulse's runs among themselves); args[0] lists how."""


def collect(w, rounds):
    """Read every result of the run set in folder `w`; raise Mismatch when they disagree."""
    prep_j = read(w, "prep-journal")
    prep_h = read(w, "prep-hbt")
    frames = ours_frames(prep_j)
    errors = []

    def check(what, got):
        if got != frames:
            errors.append(f"{what}: {got} frames, AlphaPulse read {frames}")

    check("hftbacktest conversion", prep_h["frames"])
    core = {k: [] for k, _, _ in ENGINES}
    core["hbt-elapse"] = []
    whole = {k: [] for k, _, _ in ENGINES}
    hooks = {}
    loads = []
    for r in range(1, rounds + 1):
        p = f"r{r}-"
        for k in ("ours-1t", "ours-2t"):
            j = read(w, p + k)
            check(f"round {r} {k}", ours_frames(j))
            for key in ("intents", "fills", "realized_pnl"):
                if j[key] != prep_j[key]:
                    errors.append(f"round {r} {k}: {key} {j[key]} differs from the journaled run's {prep_j[key]}")
            core[k].append(frames / j["elapsed_sec"])
            whole[k].append(frames / wall(w, p + k))
        j = read(w, p + "ours-journal")
        if j["events"] != prep_j["events"]:
            errors.append(f"round {r} ours-journal: {j['events']} events replayed, the journal's run emitted {prep_j['events']}")
        core["ours-journal"].append(frames / j["elapsed_sec"])
        whole["ours-journal"].append(frames / wall(w, p + "ours-journal"))
        for k in ("hbt", "nautilus"):
            for mode, into in (("core", core), ("whole", whole)):
                j = read(w, f"{p}{k}-{mode}")
                check(f"round {r} {j['engine']} {mode}", j["frames"])
                into[k].append(j["frames_per_sec"])
                hooks[k] = j["feeds"]
        j = read(w, p + "hbt-elapse")
        check(f"round {r} hftbacktest elapse", j["frames"])
        core["hbt-elapse"].append(j["frames_per_sec"])
        with open(os.path.join(w, f"r{r}.load_before")) as f1, open(os.path.join(w, f"r{r}.load_after")) as f2:
            loads.append((f1.read().strip(), f2.read().strip()))
    if errors:
        raise Mismatch(errors)
    return frames, core, whole, loads, hooks, prep_h["frames_by_kind"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--rounds", type=int, required=True)
    ap.add_argument("--repo", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--files", nargs="+", required=True)
    a = ap.parse_args()
    w = a.work

    try:
        frames, core, whole, loads, hooks, kinds = collect(w, a.rounds)
    except Mismatch as e:
        for err in e.args[0]:
            print(f"peers: error: {err}", file=sys.stderr)
        sys.exit(1)

    med = lambda xs: statistics.median(xs)
    repo = a.repo
    commit = cmd(["git", "-C", repo, "rev-parse", "--short", "HEAD"])
    dirty = cmd(["git", "-C", repo, "status", "--porcelain", "--untracked-files=no"])
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for ln in f:
                if ln.startswith("model name"):
                    model = ln.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    files = []
    for path in a.files:
        with open(path, "rb") as f:
            files.append(f"`{os.path.relpath(path, repo)}` (sha256[:16] {hashlib.sha256(f.read()).hexdigest()[:16]})")

    o = []
    o.append("# AlphaPulse beside hftbacktest and NautilusTrader\n")
    o.append(f"Produced by `benches/peers/run.sh --rounds {a.rounds}` on {now}: every engine on the same "
             f"capture files, {a.rounds} interleaved rounds (each round runs all eight measurements in turn, "
             "each in a new process); figures are the median of the rounds, with min–max.\n")
    o.append(f"- data: {', '.join(files)}")
    o.append(f"- frames: **{frames:,}** in every engine — input lines that carry market data "
             f"(depth {kinds['depth']:,}, bookTicker {kinds['book_ticker']:,}, trade {kinds['trade']:,}, "
             f"aggTrade {kinds['agg_trade']:,}, REST snapshot {kinds['snapshot']:,}; other lines {kinds['other']:,}, not counted); "
             f"{kinds['stale_dropped']} depth updates older than the snapshot are read and dropped by every engine "
             "(Binance's sync procedure; AlphaPulse's `stale_dropped`)")
    o.append(f"- versions: AlphaPulse `{commit}`{' (with uncommitted changes)' if dirty else ''}, "
             f"{cmd([os.environ.get('RUSTC', 'rustc'), '--version'])}; hftbacktest {metadata.version('hftbacktest')}, "
             f"nautilus_trader {metadata.version('nautilus_trader')}, numba {metadata.version('numba')}, "
             f"Python {platform.python_version()}")
    o.append(f"- machine: {os.cpu_count()} CPUs (`nproc` {cmd(['nproc'])}), {model}; {platform.system()} {platform.release()}")
    o.append(f"- load average (1/5/15 min) before round 1: {loads[0][0]}; after the last round: {loads[-1][1]} "
             "(every round below)")
    o.append(f"- strategy hook calls per run: hftbacktest {hooks['hbt']:,} (`wait_next_feed` returns once per "
             f"receive time: frames received in the same nanosecond are one feed), NautilusTrader {hooks['nautilus']:,} "
             "(one per data object: every frame but the dropped stale ones); AlphaPulse's agents see every "
             "market event the feed emits\n")

    o.append("## Frames per second (median of the rounds, min–max)\n")
    o.append("| engine | core loop | whole job |")
    o.append("|---|---|---|")
    for k, label, _ in ENGINES:
        c, wj = core[k], whole[k]
        whole_note = " (from the journal)" if k == "ours-journal" else ""
        o.append(f"| {label} | **{fmt(med(c))}** ({fmt(min(c))}–{fmt(max(c))}) | "
                 f"**{fmt(med(wj))}**{whole_note} ({fmt(min(wj))}–{fmt(max(wj))}) |")
    o.append("")
    o.append("## Ratios: AlphaPulse ÷ peer (medians; > 1 means AlphaPulse is faster)\n")
    o.append("| AlphaPulse | ÷ hftbacktest core loop | ÷ NautilusTrader core loop | ÷ hftbacktest whole job | ÷ NautilusTrader whole job |")
    o.append("|---|---|---|---|---|")
    for k, label, _ in ENGINES[:3]:
        o.append(f"| {label} | {med(core[k]) / med(core['hbt']):.2f}× | {med(core[k]) / med(core['nautilus']):.2f}× | "
                 f"{med(whole[k]) / med(whole['hbt']):.2f}× | {med(whole[k]) / med(whole['nautilus']):.2f}× |")
    o.append("")
    o.append("Core loop ÷ core loop and whole job ÷ whole job. The journal row's whole job starts from the "
             "journal, not the .gz.\n")
    e = core["hbt-elapse"]
    o.append(f"hftbacktest's loop without any strategy hook (one `elapse()` past the end of the same array, "
             f"measured in each round right after its core loop): **{fmt(med(e))}** ({fmt(min(e))}–{fmt(max(e))}); "
             "AlphaPulse ÷ it: " + ", ".join(f"{short} {med(core[k]) / med(e):.2f}×" for k, _, short in ENGINES[:3])
             + ".\n")

    o.append("## Every round (frames/s: core loop / whole job; load averages before → after)\n")
    o.append("| round | " + " | ".join(short for _, _, short in ENGINES) + " | load before → after |")
    o.append("|---" * (len(ENGINES) + 2) + "|")
    for i in range(a.rounds):
        cells = [f"{fmt(core[k][i])} / {fmt(whole[k][i])}" for k, _, _ in ENGINES]
        o.append(f"| {i + 1} | " + " | ".join(cells) + f" | {loads[i][0]} → {loads[i][1]} |")
    o.append("")

    o.append("## What each engine does and what its timing includes\n")
    o.append("Every engine maintains the L2 book of BTCUSDT from the depth updates (after the REST snapshot), "
             "bookTickers and trades over the whole files, and runs a per-event strategy hook. AlphaPulse runs "
             "its full default strategy (EMA-crossover and imbalance agents, aggregator, risk, router, "
             "simulated exchange: it places and fills orders); the peers' hooks only read the top of the book "
             "(the peers place no orders), so their work per frame is the smaller one. Frames are counted the "
             "same way for all (`benches/peers/capture.py`), and the script stops (exit 1) if any engine reads "
             "a different number. Depth updates read before the snapshot are applied right after it, as "
             "Binance's procedure says, for every engine.\n")
    o.append(INCLUDES)
    o.append("Conversions that the peers' own packages lack for spot captures are in `benches/peers/`: "
             "hftbacktest's `binancefutures.convert` needs futures fields (`T` in depth updates and snapshots, "
             "`e` in bookTicker), so `hbt_peer.py` adapts it; NautilusTrader's Binance loaders read Binance's "
             "CSV archives, so `nautilus_peer.py` builds its data objects from the same lines.\n")
    o.append("Run it: `benches/peers/run.sh [--rounds N] [--data DIR|FILE...] [--quick]` "
             "(see README.md, \"Comparing with hftbacktest and NautilusTrader\").")
    out = "\n".join(o) + "\n"
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        f.write(out)
    print(out)
    print(f"peers: wrote {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
