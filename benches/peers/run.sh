#!/usr/bin/env bash
# AlphaPulse beside hftbacktest 2.4.4 and NautilusTrader 1.231.0 on the same Binance captures,
# interleaved in one run set; writes latency-reports/peers.md. See benches/peers/README.md.
#
#   benches/peers/run.sh [--rounds N] [--data DIR | --data FILE...] [--quick] [--out FILE]
#
# Exit codes: 0 ok; 1 an engine failed or the engines disagree on the frame count; 2 bad usage or
# missing input.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
HBT_VERSION=2.4.4
NAUTILUS_VERSION=1.231.0
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/alphapulse-peers"
VENV="${ALPHAPULSE_PEERS_VENV:-$CACHE/venv}"
ROUNDS=5
OUT="$REPO/latency-reports/peers.md"
QUICK=0
STEP_TIMEOUT="${PEERS_STEP_TIMEOUT:-900}"   # seconds per measurement: a hung engine fails the run set
DATA_ARGS=()

die() { echo "peers: error: $1" >&2; exit "${2:-1}"; }
usage() { sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }

while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) [ $# -ge 2 ] || usage; ROUNDS="$2"; shift 2 ;;
        --rounds=*) ROUNDS="${1#*=}"; shift ;;
        --out) [ $# -ge 2 ] || usage; OUT="$2"; shift 2 ;;
        --quick) QUICK=1; shift ;;
        --data) shift; while [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; do DATA_ARGS+=("$1"); shift; done
                [ ${#DATA_ARGS[@]} -gt 0 ] || die "--data needs a folder or capture files" 2 ;;
        -h|--help) usage ;;
        *) echo "peers: unknown argument: $1" >&2; usage ;;
    esac
done
case "$ROUNDS" in ''|*[!0-9]*|0) die "--rounds must be a positive integer (got '$ROUNDS')" 2 ;; esac

# ---- the capture files -------------------------------------------------------------------------
FILES=()
if [ "$QUICK" = 1 ]; then
    [ ${#DATA_ARGS[@]} -eq 0 ] || die "--quick and --data exclude each other" 2
    FILES=("$REPO/feeds/testdata/btcusdt_20240808.gz")
elif [ ${#DATA_ARGS[@]} -eq 0 ]; then
    D="$REPO/../shared/data/binance-spot"
    FILES=("$D/btcusdt_20240808.gz" "$D/btcusdt_20240809.gz")
elif [ ${#DATA_ARGS[@]} -eq 1 ] && [ -d "${DATA_ARGS[0]}" ]; then
    D="${DATA_ARGS[0]}"
    [ -d "$D/binance-spot" ] && D="$D/binance-spot"
    FILES=("$D/btcusdt_20240808.gz" "$D/btcusdt_20240809.gz")
else
    FILES=("${DATA_ARGS[@]}")
fi
for f in "${FILES[@]}"; do
    [ -f "$f" ] || die "capture file missing: $f (pass --data DIR|FILE... or --quick for the repo sample)" 2
done
ABS_FILES=()
for f in "${FILES[@]}"; do ABS_FILES+=("$(cd "$(dirname "$f")" && pwd)/$(basename "$f")"); done

# ---- the Python venv (built once, outside the repo) -------------------------------------------
find_python() {
    if [ -n "${PEERS_PYTHON:-}" ]; then echo "$PEERS_PYTHON"; return; fi
    if python3.12 -c 'import sys' >/dev/null 2>&1; then command -v python3.12; return; fi
    if command -v pyenv >/dev/null 2>&1; then
        local v
        v="$(pyenv versions --bare 2>/dev/null | grep -E '^3\.12(\.[0-9]+)?$' | sort -V | tail -1 || true)"
        if [ -n "$v" ]; then echo "$(pyenv root)/versions/$v/bin/python3.12"; return; fi
    fi
    return 1
}
WANT="hftbacktest==$HBT_VERSION nautilus_trader==$NAUTILUS_VERSION"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$VENV/.alphapulse-peers" 2>/dev/null)" != "$WANT" ]; then
    PY="$(find_python)" || die "python3.12 not found (set PEERS_PYTHON=/path/to/python3.12)" 2
    echo "peers: building the venv $VENV with $PY ($WANT)" >&2
    rm -rf "$VENV"
    mkdir -p "$(dirname "$VENV")"
    "$PY" -m venv "$VENV" || die "could not create the venv $VENV with $PY"
    # shellcheck disable=SC2086
    "$VENV/bin/python" -m pip install --quiet $WANT || die "pip install $WANT failed"
    echo "$WANT" > "$VENV/.alphapulse-peers"
fi
VPY="$VENV/bin/python"

# ---- our engine -------------------------------------------------------------------------------
echo "peers: cargo build --release -p alphapulse-tools" >&2
(cd "$REPO" && cargo build --release -p alphapulse-tools --quiet) || die "cargo build failed"
AP="${CARGO_TARGET_DIR:-$REPO/target}/release/alphapulse"
[ -x "$AP" ] || die "built binary not found: $AP"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/alphapulse-peers.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

now_ns() { date +%s%N; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# run NAME CMD...: stdout → $WORK/NAME.json (last line), stderr → $WORK/NAME.err; fail loudly
run() {
    local name="$1"; shift
    local t0 t1
    t0=$(now_ns)
    if ! timeout "$STEP_TIMEOUT" "$@" > "$WORK/$name.out" 2> "$WORK/$name.err"; then
        echo "peers: error: $name failed (or ran past ${STEP_TIMEOUT}s): $*" >&2
        tail -20 "$WORK/$name.err" >&2
        exit 1
    fi
    t1=$(now_ns)
    echo "$(( t1 - t0 ))" > "$WORK/$name.wall_ns"
}

# ---- untimed preparation ----------------------------------------------------------------------
echo "peers: preparing (hftbacktest's array, AlphaPulse's journal) from ${#ABS_FILES[@]} file(s)" >&2
run prep-hbt "$VPY" -W ignore "$HERE/hbt_peer.py" convert "$WORK/hbt.npz" "${ABS_FILES[@]}"
run prep-journal "$AP" backtest --json --quiet --journal "$WORK/journal" --data "${ABS_FILES[@]}"

# ---- the interleaved rounds -------------------------------------------------------------------
for r in $(seq 1 "$ROUNDS"); do
    echo "peers: round $r of $ROUNDS (load $(loadavg))" >&2
    loadavg > "$WORK/r$r.load_before"
    run "r$r-ours-1t" "$AP" backtest --json --quiet --no-journal --threads one --data "${ABS_FILES[@]}"
    run "r$r-ours-2t" "$AP" backtest --json --quiet --no-journal --threads two --data "${ABS_FILES[@]}"
    run "r$r-ours-journal" "$AP" backtest --json --quiet --no-journal --from-journal "$WORK/journal"
    run "r$r-hbt-core" "$VPY" -W ignore "$HERE/hbt_peer.py" core "$WORK/hbt.npz"
    run "r$r-hbt-elapse" "$VPY" -W ignore "$HERE/hbt_peer.py" elapse "$WORK/hbt.npz"
    run "r$r-hbt-whole" "$VPY" -W ignore "$HERE/hbt_peer.py" whole "${ABS_FILES[@]}"
    run "r$r-nautilus-core" "$VPY" -W ignore "$HERE/nautilus_peer.py" core "${ABS_FILES[@]}"
    run "r$r-nautilus-whole" "$VPY" -W ignore "$HERE/nautilus_peer.py" whole "${ABS_FILES[@]}"
    loadavg > "$WORK/r$r.load_after"
done

# ---- the report -------------------------------------------------------------------------------
"$VPY" "$HERE/report.py" --work "$WORK" --rounds "$ROUNDS" --repo "$REPO" --out "$OUT" \
    --files "${ABS_FILES[@]}"
