#!/usr/bin/env bash
# Re-train a model and re-export it.
#
# Usage: tools/models/train.sh [VENV_DIR] [-- extra arguments for train_sentiment.py]
#        tools/models/train.sh micro [VENV_DIR]
#   (default)  the sentiment model and its baselines -> tools/models/sentiment/*; extra arguments, e.g.
#              --data DIR --stocknet DIR --out DIR --ort-lib SO (see train_sentiment.py --help). It also
#              runs the normalisation test vectors (normalise.py) first.
#   micro      the microstructure model -> tools/models/micro/{micro.onnx,metrics.json,label_5s_metrics.json}:
#              `alphapulse features` (built with cargo, debug) exports the ML agent's features with 1 s and
#              5 s labels from the two BTCUSDT spot captures of $ALPHAPULSE_SHARED_DATA/binance-spot into
#              target/micro/btcusdt_features.csv, then train_micro.py trains walk-forward on label_1s
#              (exported) and label_5s (figures only).
#   VENV_DIR  where to create the Python venv (default: <repo>/target/venv-models; never committed).
# Environment: PYTHON (default python3, >= 3.10), PIP_FIND_LINKS (a folder of cached wheels, optional),
# ALPHAPULSE_SHARED_DATA (default <repo>/../shared/data), NO_PIP=1 (use VENV_DIR as it is: no pip install).
# PYTHONHASHSEED=0 is set so that the exported bytes do not depend on Python's string hashing.
set -euo pipefail
export PYTHONHASHSEED=0
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
mode=sentiment
if [ "${1:-}" = "micro" ]; then mode=micro; shift; fi
venv="$repo/target/venv-models"
if [ $# -gt 0 ] && [ "$1" != "--" ]; then venv=$1; shift; fi
[ "${1:-}" = "--" ] && shift
py=${PYTHON:-python3}
if [ ! -x "$venv/bin/python" ]; then
  echo "train.sh: creating venv $venv" >&2
  "$py" -m venv "$venv"
fi
if [ "${NO_PIP:-}" != "1" ]; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"
fi
if [ "$mode" = "micro" ]; then
  shared=${ALPHAPULSE_SHARED_DATA:-$repo/../shared/data}
  export ALPHAPULSE_SHARED_DATA=$(cd "$shared" && pwd)
  caps=("$ALPHAPULSE_SHARED_DATA/binance-spot/btcusdt_20240808.gz" "$ALPHAPULSE_SHARED_DATA/binance-spot/btcusdt_20240809.gz")
  info="$ALPHAPULSE_SHARED_DATA/cryptofeed/BINANCE.exchangeInfo.0"
  work="$repo/target/micro"
  mkdir -p "$work"
  csv="$work/btcusdt_features.csv"
  export_cmd="alphapulse features --data \$ALPHAPULSE_SHARED_DATA/binance-spot/btcusdt_20240808.gz \$ALPHAPULSE_SHARED_DATA/binance-spot/btcusdt_20240809.gz --exchange-info \$ALPHAPULSE_SHARED_DATA/cryptofeed/BINANCE.exchangeInfo.0 --horizons 1s,5s --out btcusdt_features.csv"
  (cd "$repo" && cargo run --quiet -p alphapulse-tools --bin alphapulse -- features \
     --data "${caps[@]}" --exchange-info "$info" --horizons 1s,5s --out "$csv")
  cd "$repo"
  "$venv/bin/python" tools/models/train_micro.py "$csv" --out "$work/label_5s" --label label_5s \
     --data "${caps[@]}" --command "$export_cmd"
  "$venv/bin/python" tools/models/train_micro.py "$csv" --out tools/models/micro --label label_1s \
     --data "${caps[@]}" --command "$export_cmd"
  cp "$work/label_5s/metrics.json" tools/models/micro/label_5s_metrics.json
  exit 0
fi
cd "$here"
"$venv/bin/python" normalise.py
exec "$venv/bin/python" train_sentiment.py "$@"
