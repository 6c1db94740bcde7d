#!/usr/bin/env python3
"""Microstructure model: logistic regression on order-book/trade features -> P(next mid move is up).

Input: a CSV exported from journaled real captures (the Rust exporter does not exist yet; this is the
format it should write), one row per sample (rows are sorted by ts_ns here):

  ts_ns        u64  sample time, ns since the Unix epoch (features use data up to ts_ns only)
  inst         str  instrument symbol (optional; reports only; one model for all instruments)
  <features>   f64  one column per feature, named as the engine's ML agent names them
                    (engine/ml/src/features.rs): imbalance_N (book imbalance over the best N levels,
                    -1..1), spread_bps, microprice_bps ((micro - mid) / mid, bps), return_N (mid return
                    over the last N book updates, bps), trade_flow_N (taker buy - sell qty over the last N
                    trades / their sum, -1..1). The model's input order is the CSV's column order;
                    copy the printed `features = ...` line into the agent's config.
                    Suggested set: imbalance_1, imbalance_5, imbalance_10, spread_bps, microprice_bps,
                    return_10, return_100, trade_flow_10, trade_flow_100.
  fwd_mid_bps  f64  LABEL SOURCE: mid(ts_ns + horizon) / mid(ts_ns) - 1, in bps (future; never a feature)

Label: up (1) if fwd_mid_bps > flat_bps, down (0) if < -flat_bps; rows in between ("flat") are left
out of fitting and of accuracy, but kept for the IC.

Evaluation (walk-forward, by time): the rows are cut into FOLDS+1 consecutive blocks; fold k trains on
blocks 0..k-1 (minus the rows whose label window reaches into block k: ts_ns + horizon_ns >= the first
test ts_ns, the purge) and tests on block k. Out-of-sample figures per fold and pooled: accuracy and
log-loss on the up/down rows, against always predicting the training block's majority direction;
Spearman IC of the score 2 P(up) - 1 against fwd_mid_bps over all test rows. The exported model is then
fitted on all rows.

ONNX (skl2onnx: StandardScaler + LogisticRegression, zipmap off, opsets ai.onnx 21 / ai.onnx.ml 3): input
`x` float [1, F] (F = number of feature columns); outputs `label` int64 [1] and `probabilities` float
[1, 2] = (P(down), P(up)). Engine config: input = "x", input_shape = "1,F", output = "probabilities",
output_shape = "1,2", output_index = "1", output_kind = "probability". Checked with onnxruntime against
scikit-learn.

Usage: python tools/models/train_micro.py FEATURES.csv --out DIR [--horizon-ns N] [--flat-bps X] [--folds K]
       python tools/models/train_micro.py --make-synthetic OUT.csv   (a synthetic file to test the script
       only; a model trained on it must not be committed as if real)
"""
import argparse
import csv
import hashlib
import json
import os
import re
import sys

import numpy as np
import onnxruntime
from scipy.stats import spearmanr
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, log_loss
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType

LABEL_SOURCE = "fwd_mid_bps"
NOT_FEATURES = {"ts_ns", "inst", LABEL_SOURCE}
FEATURE_NAME = re.compile(r"^(spread_bps|microprice_bps|(imbalance|return|trade_flow)_[1-9][0-9]*)$")
SYNTHETIC_FEATURES = ["imbalance_1", "imbalance_5", "imbalance_10", "spread_bps", "microprice_bps",
                      "return_10", "return_100", "trade_flow_10", "trade_flow_100"]


def load(path):
    with open(path, newline="") as f:
        rd = csv.DictReader(f)
        cols = rd.fieldnames or []
        if "ts_ns" not in cols or LABEL_SOURCE not in cols:
            sys.exit(f"train_micro: {path} needs the columns ts_ns and {LABEL_SOURCE} (has {cols})")
        feats = [c for c in cols if c not in NOT_FEATURES]
        bad = [c for c in feats if not FEATURE_NAME.match(c)]
        if bad or not feats:
            sys.exit(f"train_micro: {path}: column(s) {bad or '(none)'} are not engine feature names "
                     "(imbalance_N, spread_bps, microprice_bps, return_N, trade_flow_N)")
        ts, x, fwd = [], [], []
        for n, r in enumerate(rd, start=2):
            try:
                ts.append(int(r["ts_ns"]))
                x.append([float(r[c]) for c in feats])
                fwd.append(float(r[LABEL_SOURCE]))
            except (TypeError, ValueError) as e:
                sys.exit(f"train_micro: {path} line {n}: {e}")
    if not ts:
        sys.exit(f"train_micro: {path} has no rows")
    order = np.argsort(np.array(ts), kind="stable")
    return feats, np.array(ts)[order], np.array(x, dtype=np.float32)[order], np.array(fwd)[order]


def model(c):
    return Pipeline([("scale", StandardScaler()), ("lr", LogisticRegression(C=c, max_iter=2000))])


def figures(fwd, p_up, flat_bps, major):
    """Out-of-sample figures for one test block; p_up = P(up) per row."""
    moved = np.abs(fwd) > flat_bps
    y = (fwd[moved] > 0).astype(int)
    p = np.clip(p_up[moved], 1e-7, 1 - 1e-7)
    score = 2 * p_up - 1
    ic = spearmanr(score, fwd).statistic if np.std(score) > 0 and np.std(fwd) > 0 else float("nan")
    out = {"rows": int(len(fwd)), "up_down_rows": int(moved.sum()), "ic_spearman": round(float(ic), 4)}
    if moved.any():
        out.update({"accuracy": round(float(accuracy_score(y, p > 0.5)), 4),
                    "log_loss": round(float(log_loss(y, p, labels=[0, 1])), 4),
                    "majority_direction_accuracy": round(float((y == major).mean()), 4)})
    return out


def walk_forward(ts, x, fwd, folds, horizon_ns, flat_bps, c):
    blocks = np.array_split(np.arange(len(fwd)), folds + 1)
    out, pooled = [], {"fwd": [], "p": [], "major": []}
    for k in range(1, folds + 1):
        test = blocks[k]
        train = np.concatenate(blocks[:k])
        train = train[ts[train] + horizon_ns < ts[test[0]]]  # purge labels overlapping the test block
        train = train[np.abs(fwd[train]) > flat_bps]
        y = (fwd[train] > 0).astype(int)
        if len(np.unique(y)) < 2:
            out.append({"fold": k, "skipped": "the training block lacks up or down rows"})
            continue
        p_up = model(c).fit(x[train], y).predict_proba(x[test])[:, 1]
        major = int(y.mean() >= 0.5)
        f = figures(fwd[test], p_up, flat_bps, major)
        f.update({"fold": k, "train_rows": int(len(train)), "test_from_ts_ns": int(ts[test[0]]),
                  "test_to_ts_ns": int(ts[test[-1]])})
        out.append(f)
        pooled["fwd"].append(fwd[test]), pooled["p"].append(p_up), pooled["major"].append(np.full(len(test), major))
    if not pooled["fwd"]:
        return out, None
    fwd_all, p_all, maj = (np.concatenate(pooled[k]) for k in ("fwd", "p", "major"))
    pool = figures(fwd_all, p_all, flat_bps, 0)
    moved = np.abs(fwd_all) > flat_bps
    pool["majority_direction_accuracy"] = round(float(((fwd_all[moved] > 0).astype(int) == maj[moved]).mean()), 4)
    return out, pool


def export(m, path, n_features):
    onx = convert_sklearn(m, initial_types=[("x", FloatTensorType([1, n_features]))],
                          options={id(m.named_steps["lr"]): {"zipmap": False}},
                          target_opset={"": 21, "ai.onnx.ml": 3})
    onx.graph.name = "micro"  # skl2onnx puts a random uuid here: fixed, so the file's sha256 is reproducible
    data = onx.SerializeToString()
    with open(path, "wb") as f:
        f.write(data)
    return hashlib.sha256(data).hexdigest(), len(data)


def make_synthetic(path, n=20000, seed=7):
    """Random features with a weak planted link to the future move: for testing this script only."""
    rng = np.random.default_rng(seed)
    ts = 1_700_000_000_000_000_000 + np.cumsum(rng.integers(50_000_000, 150_000_000, n))
    x = rng.normal(size=(n, len(SYNTHETIC_FEATURES)))
    x[:, :3] = np.tanh(x[:, :3])
    x[:, 3] = np.abs(x[:, 3]) + 0.5
    fwd = np.round(0.8 * x[:, 0] + 0.4 * x[:, 7] + rng.normal(scale=1.5, size=n), 1)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["ts_ns", "inst"] + SYNTHETIC_FEATURES + [LABEL_SOURCE])
        for i in range(n):
            w.writerow([int(ts[i]), "SYNTH"] + [f"{v:.6f}" for v in x[i]] + [f"{fwd[i]:.1f}"])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("csv", nargs="?", help="features CSV (columns above)")
    ap.add_argument("--out", help="output folder for micro.onnx and micro_metrics.json")
    ap.add_argument("--horizon-ns", type=int, default=1_000_000_000, help="label horizon, for the purge (default 1 s)")
    ap.add_argument("--flat-bps", type=float, default=0.0, help="|move| <= this is 'flat' (default 0)")
    ap.add_argument("--folds", type=int, default=5, help="walk-forward folds (default 5)")
    ap.add_argument("--C", type=float, default=1.0, help="inverse L2 strength of the regression (default 1)")
    ap.add_argument("--make-synthetic", metavar="OUT_CSV", help="write a synthetic CSV (script test only) and exit")
    a = ap.parse_args()
    if a.make_synthetic:
        make_synthetic(a.make_synthetic)
        print(f"wrote synthetic {a.make_synthetic} (for testing the script only)")
        return
    if not a.csv or not a.out:
        ap.error("need CSV and --out (or --make-synthetic)")
    feats, ts, x, fwd = load(a.csv)
    folds, pooled = walk_forward(ts, x, fwd, a.folds, a.horizon_ns, a.flat_bps, a.C)
    for f in folds:
        print("fold", json.dumps(f))
    print("pooled out-of-sample", json.dumps(pooled))
    moved = np.abs(fwd) > a.flat_bps
    y = (fwd[moved] > 0).astype(int)
    if len(np.unique(y)) < 2:
        sys.exit("train_micro: the data lacks up or down rows (try a smaller --flat-bps)")
    m = model(a.C).fit(x[moved], y)
    os.makedirs(a.out, exist_ok=True)
    path = os.path.join(a.out, "micro.onnx")
    digest, size = export(m, path, len(feats))
    sess = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    probe = x[-min(len(x), 500):]
    onnx_prob = np.vstack([sess.run(["probabilities"], {"x": probe[i:i + 1]})[0] for i in range(len(probe))])
    diff = float(np.abs(onnx_prob - m.predict_proba(probe)).max())
    with open(a.csv, "rb") as f:
        data_sha = hashlib.sha256(f.read()).hexdigest()
    metrics = {"data": {"file": os.path.basename(a.csv), "sha256": data_sha, "rows": int(len(fwd)),
                        "up_rows": int((fwd > a.flat_bps).sum()), "down_rows": int((fwd < -a.flat_bps).sum()),
                        "from_ts_ns": int(ts[0]), "to_ts_ns": int(ts[-1])},
               "params": {"horizon_ns": a.horizon_ns, "flat_bps": a.flat_bps, "folds": a.folds, "C": a.C},
               "features": feats, "walk_forward": folds, "pooled_out_of_sample": pooled,
               "onnx": {"file": "micro.onnx", "sha256": digest, "bytes": size, "input": f"x float [1,{len(feats)}]",
                        "outputs": ["label int64 [1]", "probabilities float [1,2] (P(down), P(up))"],
                        "max_abs_prob_diff_vs_sklearn_last_rows": diff},
               "engine_config": {"input": "x", "input_shape": f"1,{len(feats)}", "features": ",".join(feats),
                                 "output": "probabilities", "output_shape": "1,2", "output_index": "1",
                                 "output_kind": "probability"},
               "command": " ".join(sys.argv)}
    with open(os.path.join(a.out, "micro_metrics.json"), "w") as f:
        json.dump(metrics, f, indent=1)
        f.write("\n")
    print(f"features = \"{','.join(feats)}\"")
    print(f"wrote {path} ({size} bytes) and micro_metrics.json; ONNX vs sklearn max|dp| {diff:.2e}")


if __name__ == "__main__":
    main()
