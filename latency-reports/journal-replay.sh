#!/usr/bin/env bash
# Replay-from-journal backtest throughput over the BTCUSDT capture pair (issue 4, "Benchmarks"),
# compared with the same backtest from the gzip captures. Figures: latency-reports/journal.md.
#
#   latency-reports/journal-replay.sh [RUNS]      (default 5 runs each; prints every run and the medians)
#
# 1. builds the release CLI (or uses $ALPHAPULSE_BIN),
# 2. `alphapulse backtest --data <pair> --journal DIR` once (DIR under target/, on the run dir's file system),
# 3. `alphapulse backtest --from-journal DIR --no-journal --json` RUNS times -> median events_per_sec,
# 4. `alphapulse backtest --data <pair> --no-journal --json` RUNS times -> median events_per_sec.
# The data pair is $ALPHAPULSE_SHARED_DATA/binance-spot/btcusdt_2024080{8,9}.gz, else ../shared/data/...;
# missing: prints "skipped: ..." and exits 0. Needs jq.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
data=${ALPHAPULSE_SHARED_DATA:-$PWD/../shared/data}/binance-spot
a=$data/btcusdt_20240808.gz
b=$data/btcusdt_20240809.gz
if [[ ! -f $a || ! -f $b ]]; then
    echo "skipped: BTCUSDT capture pair not found under $data"
    exit 0
fi
bin=${ALPHAPULSE_BIN:-}
if [[ -z $bin ]]; then
    cargo build --release -q -p alphapulse-tools
    bin=$PWD/target/release/alphapulse
fi
dir=$(mktemp -d "$PWD/target/journal-replay.XXXXXX")
trap 'rm -rf "$dir"' EXIT

median() { sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
field() { jq -r ".$1"; }

echo "journaling: $bin backtest --data $a $b --journal $dir/journal"
"$bin" backtest --data "$a" "$b" --journal "$dir/journal" --json >"$dir/write.json"
echo "  events $(field events <"$dir/write.json"), frames $(field frames <"$dir/write.json"), \
events/s $(field events_per_sec <"$dir/write.json") (journaled run), journal $(du -sh "$dir/journal" | cut -f1)"

for mode in from_journal gzip; do
    : >"$dir/$mode.txt"
    for i in $(seq "$runs"); do
        if [[ $mode == from_journal ]]; then
            "$bin" backtest --from-journal "$dir/journal" --no-journal --json >"$dir/run.json"
        else
            "$bin" backtest --data "$a" "$b" --no-journal --json >"$dir/run.json"
        fi
        eps=$(field events_per_sec <"$dir/run.json")
        echo "  $mode run $i: events $(field events <"$dir/run.json"), $(field elapsed_sec <"$dir/run.json") s, \
$eps events/s, trades $(field fills <"$dir/run.json" 2>/dev/null || echo ?)"
        echo "$eps" >>"$dir/$mode.txt"
    done
    echo "$mode: median events/s over $runs runs: $(median <"$dir/$mode.txt")"
done
