#!/usr/bin/env python3
"""Microstructure model: logistic regression on the ML agent's features -> P(the next mid move is up).

Input: the CSV `alphapulse features` writes from captures or a journal (see `alphapulse features --help`):

  ts_ns, instrument, <feature columns...>, mid, label_<h>...

  feature columns  named as the engine's ML agent names them (engine/ml/src/features.rs), computed by the
                   engine's own FeatureSet; the model's input order is their column order
  mid              the mid at ts_ns (not a feature)
  label_<h>        sign (-1, 0, +1) of the mid move from ts_ns to ts_ns + h (future; never a feature)

Target (--label, default the first label column): rows with a non-zero move only; up (1) against down (0).
Flat rows (label 0) are left out of fitting and of the direction figures; their share is reported.

Walk-forward by time: the rows (sorted by ts_ns) are cut into FOLDS+1 consecutive blocks of equal size; fold
k trains on blocks 0..k-1 (expanding window) minus the rows whose label window reaches into block k
(ts_ns + h >= the first test ts_ns: the purge), and tests on block k. Per fold and pooled over the folds,
on the test block's non-zero rows:
  - model: accuracy (= hit rate on non-zero moves), log-loss, and the hit rate and coverage of its signals
    (P(up) >= --buy or <= --sell, the agent's thresholds);
  - majority baseline: always the training block's majority direction (accuracy; log-loss of the training
    up-share as a constant probability);
  - last-return baseline: the sign of return_1 (the mid's last move): hit rate and coverage where it is
    non-zero, and accuracy with the majority direction where it is zero.
Then the model is fitted on all rows and exported.

ONNX (skl2onnx: StandardScaler + LogisticRegression, zipmap off, opsets ai.onnx 21 / ai.onnx.ml 3): input
`features` float [1, F]; outputs `label` int64 [1] and `probabilities` float [1, 2] = (P(down), P(up)).
Engine config: input = "features", input_shape = "1,F", output = "probabilities", output_shape = "1,2",
output_index = "1", output_kind = "probability". Checked with onnxruntime against scikit-learn.

Usage: python tools/models/train_micro.py FEATURES.csv --out DIR [--label label_1s] [--folds 5] [--C 1.0]
       [--command "the export command, recorded in metrics.json"]
"""
import argparse
import csv
import hashlib
import json
import os
import platform
import re
import shlex
import sys

import numpy as np
import onnx
import onnxruntime
import scipy
import skl2onnx
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType

FEATURE_NAME = re.compile(r"^(spread_bps|microprice_bps|(imbalance|return|trade_flow)_[1-9][0-9]*)$")
UNITS = {"ns": 1, "us": 1_000, "ms": 1_000_000, "s": 1_000_000_000, "m": 60_000_000_000}


def horizon_ns(label):
    m = re.fullmatch(r"label_([0-9]+)(ns|us|ms|s|m)", label)
    if not m:
        sys.exit(f"train_micro: cannot read a horizon from the column name `{label}` (label_<n><ns|us|ms|s|m>)")
    return int(m.group(1)) * UNITS[m.group(2)]


def load(path, label):
    with open(path, newline="") as f:
        rd = csv.reader(f)
        cols = next(rd, None) or []
        if cols[:2] != ["ts_ns", "instrument"] or "mid" not in cols:
            sys.exit(f"train_micro: {path} is not an `alphapulse features` CSV (header {cols[:4]}...)")
        feats = cols[2:cols.index("mid")]
        labels = cols[cols.index("mid") + 1:]
        bad = [c for c in feats if not FEATURE_NAME.match(c)]
        if bad or not feats:
            sys.exit(f"train_micro: {path}: column(s) {bad or '(none)'} are not engine feature names")
        label = label or (labels[0] if labels else None)
        if label not in labels:
            sys.exit(f"train_micro: {path} has no column `{label}` (labels: {labels})")
        li = cols.index(label)
        ts, x, y = [], [], []
        for n, r in enumerate(rd, start=2):
            try:
                if len(r) != len(cols):
                    raise ValueError(f"{len(r)} fields, the header has {len(cols)}")
                ts.append(int(r[0]))
                x.append([float(v) for v in r[2:2 + len(feats)]])
                y.append(int(r[li]))
            except ValueError as e:
                sys.exit(f"train_micro: {path} line {n}: {e}")
    if not ts:
        sys.exit(f"train_micro: {path} has no rows")
    order = np.argsort(np.array(ts), kind="stable")
    return feats, label, np.array(ts)[order], np.array(x, dtype=np.float32)[order], np.array(y)[order]


def model(c):
    return Pipeline([("scale", StandardScaler()), ("lr", LogisticRegression(C=c, max_iter=2000))])


def r4(v):
    return None if v is None or not np.isfinite(v) else round(float(v), 4)


def figures(y, p_up, last_ret, major, up_share, buy, sell):
    """Direction figures on the non-zero rows of a test block (y in {-1, 0, 1})."""
    moved = y != 0
    up = (y[moved] > 0).astype(int)
    p = np.clip(p_up[moved], 1e-7, 1 - 1e-7)
    out = {"rows": int(len(y)), "nonzero_rows": int(moved.sum()), "flat_share": r4(1 - moved.mean())}
    if not moved.any():
        return out
    pred = (p >= 0.5).astype(int)
    sig = (p >= buy) | (p <= sell)
    lr = np.sign(last_ret[moved])
    lr_cov = lr != 0
    lr_pred = np.where(lr > 0, 1, np.where(lr < 0, 0, major))
    q = np.clip(up_share, 1e-7, 1 - 1e-7)
    out.update({
        "up_share": r4(up.mean()),
        "model_accuracy": r4((pred == up).mean()),
        "model_log_loss": r4(log_loss(up, p, labels=[0, 1])),
        "model_signal_hit_rate": r4((pred[sig] == up[sig]).mean()) if sig.any() else None,
        "model_signal_coverage": r4(sig.mean()),
        "majority_accuracy": r4((up == major).mean()),
        "majority_log_loss": r4(log_loss(up, np.full(len(up), q), labels=[0, 1])),
        "last_return_hit_rate": r4(((lr[lr_cov] > 0).astype(int) == up[lr_cov]).mean()) if lr_cov.any() else None,
        "last_return_coverage": r4(lr_cov.mean()),
        "last_return_accuracy": r4((lr_pred == up).mean()),
    })
    return out


def walk_forward(ts, x, y, last_ret, folds, h, c, buy, sell):
    blocks = np.array_split(np.arange(len(y)), folds + 1)
    out, pool = [], {k: [] for k in ("y", "p", "lr", "major", "q")}
    for k in range(1, folds + 1):
        test = blocks[k]
        train = np.concatenate(blocks[:k])
        train = train[ts[train] + h < ts[test[0]]]  # purge: labels reaching into the test block
        train = train[y[train] != 0]
        t = (y[train] > 0).astype(int)
        if len(np.unique(t)) < 2:
            out.append({"fold": k, "skipped": "the training block lacks up or down rows"})
            continue
        p_up = model(c).fit(x[train], t).predict_proba(x[test])[:, 1]
        major, q = int(t.mean() >= 0.5), float(t.mean())
        f = figures(y[test], p_up, last_ret[test], major, q, buy, sell)
        f.update({"fold": k, "train_rows": int(len(train)), "test_from_ts_ns": int(ts[test[0]]),
                  "test_to_ts_ns": int(ts[test[-1]])})
        out.append(f)
        for key, v in (("y", y[test]), ("p", p_up), ("lr", last_ret[test]), ("major", np.full(len(test), major)),
                       ("q", np.full(len(test), q))):
            pool[key].append(v)
    if not pool["y"]:
        return out, None
    yy, pp, ll, mm, qq = (np.concatenate(pool[k]) for k in ("y", "p", "lr", "major", "q"))
    pooled = figures(yy, pp, ll, 0, 0.5, buy, sell)
    moved = yy != 0
    up = (yy[moved] > 0).astype(int)
    # The baselines pooled with each fold's own training majority / up-share.
    pooled["majority_accuracy"] = r4((up == mm[moved]).mean())
    pooled["majority_log_loss"] = r4(-np.mean(up * np.log(qq[moved]) + (1 - up) * np.log(1 - qq[moved])))
    lr = np.sign(ll[moved])
    pooled["last_return_accuracy"] = r4((np.where(lr > 0, 1, np.where(lr < 0, 0, mm[moved])) == up).mean())
    return out, pooled


def export(m, path, n_features):
    onx = convert_sklearn(m, initial_types=[("features", FloatTensorType([1, n_features]))],
                          options={id(m.named_steps["lr"]): {"zipmap": False}},
                          target_opset={"": 21, "ai.onnx.ml": 3})
    onx.graph.name = "micro"  # skl2onnx writes a random uuid here: fixed, for a reproducible sha256
    # skl2onnx's opset_import order follows Python's string hashing, and it lists ai.onnx twice:
    # sorted and deduplicated, for reproducible bytes.
    ops = sorted({(o.domain, o.version) for o in onx.opset_import})
    del onx.opset_import[:]
    for d, v in ops:
        onx.opset_import.add(domain=d, version=v)
    onnx.checker.check_model(onx)
    data = onx.SerializeToString()
    with open(path, "wb") as f:
        f.write(data)
    return hashlib.sha256(data).hexdigest(), len(data)


def sha256_of(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("csv", help="features CSV from `alphapulse features`")
    ap.add_argument("--out", required=True, help="output folder for micro.onnx and metrics.json")
    ap.add_argument("--label", help="the label column to predict (default: the first)")
    ap.add_argument("--folds", type=int, default=5, help="walk-forward folds (default 5)")
    ap.add_argument("--C", type=float, default=1.0, help="inverse L2 strength of the regression (default 1)")
    ap.add_argument("--buy", type=float, default=0.6, help="the agent's buy_threshold, for the signal figures")
    ap.add_argument("--sell", type=float, default=0.4, help="the agent's sell_threshold, for the signal figures")
    ap.add_argument("--data", nargs="*", default=[], help="the capture files the CSV came from (hashed into metrics)")
    ap.add_argument("--command", default="", help="the `alphapulse features` command that wrote the CSV (recorded)")
    a = ap.parse_args()
    if a.folds < 1:
        ap.error("--folds must be at least 1")
    feats, label, ts, x, y = load(a.csv, a.label)
    h = horizon_ns(label)
    if "return_1" not in feats:
        sys.exit("train_micro: the last-return baseline needs the feature column return_1")
    last_ret = x[:, feats.index("return_1")]
    folds, pooled = walk_forward(ts, x, y, last_ret, a.folds, h, a.C, a.buy, a.sell)
    for f in folds:
        print("fold", json.dumps(f))
    print("pooled out-of-sample", json.dumps(pooled))
    moved = y != 0
    t = (y[moved] > 0).astype(int)
    if len(np.unique(t)) < 2:
        sys.exit("train_micro: the data lacks up or down rows")
    m = model(a.C).fit(x[moved], t)
    os.makedirs(a.out, exist_ok=True)
    path = os.path.join(a.out, "micro.onnx")
    digest, size = export(m, path, len(feats))
    sess = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    probe = x[-min(len(x), 500):]
    onnx_prob = np.vstack([sess.run(["probabilities"], {"features": probe[i:i + 1]})[0] for i in range(len(probe))])
    diff = float(np.abs(onnx_prob - m.predict_proba(probe)).max())
    lr = m.named_steps["lr"]
    sc = m.named_steps["scale"]
    metrics = {
        "data": {"csv": os.path.basename(a.csv), "csv_sha256": sha256_of(a.csv),
                 "captures": [{"file": os.path.basename(p), "sha256": sha256_of(p)} for p in a.data],
                 "rows": int(len(y)), "up_rows": int((y > 0).sum()), "down_rows": int((y < 0).sum()),
                 "flat_rows": int((y == 0).sum()), "from_ts_ns": int(ts[0]), "to_ts_ns": int(ts[-1])},
        "target": {"label": label, "horizon_ns": h, "classes": "up (1) vs down (0), non-zero moves only"},
        "params": {"folds": a.folds, "C": a.C, "buy_threshold": a.buy, "sell_threshold": a.sell,
                   "model": "StandardScaler + LogisticRegression (lbfgs, L2)"},
        "features": feats,
        "walk_forward": folds, "pooled_out_of_sample": pooled,
        "final_model": {"train_rows": int(moved.sum()), "coef_on_standardised": [float(v) for v in lr.coef_[0]],
                        "intercept": float(lr.intercept_[0]), "scaler_mean": [float(v) for v in sc.mean_],
                        "scaler_scale": [float(v) for v in sc.scale_]},
        "onnx": {"file": "micro.onnx", "sha256": digest, "bytes": size, "input": f"features float [1,{len(feats)}]",
                 "outputs": ["label int64 [1]", "probabilities float [1,2] (P(down), P(up))"],
                 "max_abs_prob_diff_vs_sklearn_last_500_rows": diff},
        "engine_config": {"input": "features", "input_shape": f"1,{len(feats)}", "features": ",".join(feats),
                          "output": "probabilities", "output_shape": "1,2", "output_index": "1",
                          "output_kind": "probability"},
        "commands": {"export": a.command,
                     "train": "PYTHONHASHSEED=0 python " + shlex.join(
                         [os.path.relpath(sys.argv[0])] + [os.path.basename(v) if v == a.csv else v
                                                           for v in sys.argv[1:]])},
        "versions": {"python": platform.python_version(), "scikit-learn": sklearn.__version__,
                     "skl2onnx": skl2onnx.__version__, "onnx": onnx.__version__,
                     "onnxruntime": onnxruntime.__version__, "numpy": np.__version__, "scipy": scipy.__version__},
    }
    shared = os.environ.get("ALPHAPULSE_SHARED_DATA")
    if shared:  # recorded as the variable, not this machine's path
        for k, v in metrics["commands"].items():
            metrics["commands"][k] = v.replace(shared.rstrip("/"), "$ALPHAPULSE_SHARED_DATA")
    with open(os.path.join(a.out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=1)
        f.write("\n")
    print(f"features = \"{','.join(feats)}\"")
    print(f"wrote {path} ({size} bytes, sha256 {digest}) and metrics.json; ONNX vs sklearn max|dp| {diff:.2e}")


if __name__ == "__main__":
    main()
