#!/usr/bin/env bash
# Re-train the sentiment model (and its baselines) and re-export tools/models/sentiment/*.
#
# Usage: tools/models/train.sh [VENV_DIR] [-- extra arguments for train_sentiment.py]
#   VENV_DIR  where to create the Python venv (default: <repo>/target/venv-models; never committed).
#   Extra arguments, e.g. --data DIR --stocknet DIR --out DIR --ort-lib SO (see train_sentiment.py --help).
# Environment: PYTHON (default python3, >= 3.10), PIP_FIND_LINKS (a folder of cached wheels, optional),
# ALPHAPULSE_SHARED_DATA (default <repo>/../shared/data).
# It also runs the normalisation test vectors (normalise.py) first.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
venv="$repo/target/venv-models"
if [ $# -gt 0 ] && [ "$1" != "--" ]; then venv=$1; shift; fi
[ "${1:-}" = "--" ] && shift
py=${PYTHON:-python3}
if [ ! -x "$venv/bin/python" ]; then
  echo "train.sh: creating venv $venv" >&2
  "$py" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"
cd "$here"
"$venv/bin/python" normalise.py
exec "$venv/bin/python" train_sentiment.py "$@"
