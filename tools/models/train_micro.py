#!/usr/bin/env python3
"""Microstructure model: logistic regression on order-book/trade features -> future mid move class.

Input: a CSV exported from journaled real captures (the Rust exporter does not exist yet; this is the
format it should write), one row per sample, sorted or not (rows are sorted by ts_ns here):

  ts_ns            u64   sample time, ns since the Unix epoch (features use data up to ts_ns only)
  inst             str   instrument symbol (kept for reports; one model for all instruments)
  imb_l1           f64   order-book imbalance at depth 1: (bid_qty - ask_qty) / (bid_qty + ask_qty), [-1, 1]
  imb_l5           f64   the same over the best 5 levels per side
  imb_l10          f64   the same over the best 10 levels per side
  spread_bps       f64   (ask - bid) / mid * 1e4
  micro_dev_bps    f64   (micro-price - mid) / mid * 1e4, micro = (bid*ask_qty + ask*bid_qty)/(bid_qty+ask_qty)
  ret_100ms_bps    f64   mid return over the last 100 ms, bps
  ret_1s_bps       f64   mid return over the last 1 s, bps
  ret_10s_bps      f64   mid return over the last 10 s, bps
  tfi_1s           f64   trade-flow imbalance over the last 1 s: (buy_qty - sell_qty) / (buy_qty + sell_qty)
  tfi_10s          f64   the same over the last 10 s
  fwd_mid_bps      f64   LABEL SOURCE: mid(ts_ns + horizon) / mid(ts_ns) - 1, in bps (future; never a feature)

Label: 0 down (fwd_mid_bps < -flat_bps), 1 flat (|fwd_mid_bps| <= flat_bps), 2 up (> flat_bps).

Evaluation (walk-forward, by time): the rows are cut into FOLDS+1 consecutive blocks; fold k trains on
blocks 0..k-1 (minus the rows whose label window reaches into block k: ts_ns + horizon_ns >= the first
test ts_ns, the purge) and tests on block k. Out-of-sample figures per fold and pooled: accuracy,
macro-F1, log-loss, directional hit rate (among rows predicted up or down, the share whose realised
move has that sign), Spearman IC of score = P(up) - P(down) against fwd_mid_bps; against the
majority class of the training block. The exported model is then fitted on all rows.

ONNX (skl2onnx, StandardScaler + LogisticRegression, zipmap off): input `x` float [1, 10] in the
column order above; outputs `label` int64 [1] and `probabilities` float [1, 3] (down, flat, up).
The agent's score is P(up) - P(down). Checked with onnxruntime against scikit-learn.

Usage: python tools/models/train_micro.py FEATURES.csv --out DIR [--horizon-ns N] [--flat-bps X] [--folds K]
       python tools/models/train_micro.py --make-synthetic OUT.csv   (a synthetic file to test the script
       only; a model trained on it must not be committed as if real)
"""
import argparse
import csv
import hashlib
import json
import os
import sys

import numpy as np
import onnxruntime
from scipy.stats import spearmanr
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, log_loss
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType

FEATURES = ["imb_l1", "imb_l5", "imb_l10", "spread_bps", "micro_dev_bps", "ret_100ms_bps", "ret_1s_bps",
            "ret_10s_bps", "tfi_1s", "tfi_10s"]
LABEL_SOURCE = "fwd_mid_bps"
CLASSES = ["down", "flat", "up"]


def load(path):
    with open(path, newline="") as f:
        rd = csv.DictReader(f)
        missing = [c for c in ["ts_ns"] + FEATURES + [LABEL_SOURCE] if c not in (rd.fieldnames or [])]
        if missing:
            sys.exit(f"train_micro: {path} lacks column(s) {missing}")
        ts, x, fwd = [], [], []
        for n, r in enumerate(rd, start=2):
            try:
                ts.append(int(r["ts_ns"]))
                x.append([float(r[c]) for c in FEATURES])
                fwd.append(float(r[LABEL_SOURCE]))
            except ValueError as e:
                sys.exit(f"train_micro: {path} line {n}: {e}")
    order = np.argsort(np.array(ts), kind="stable")
    return np.array(ts)[order], np.array(x, dtype=np.float32)[order], np.array(fwd)[order]


def labels(fwd, flat_bps):
    return np.where(fwd < -flat_bps, 0, np.where(fwd > flat_bps, 2, 1))


def model(c):
    return Pipeline([("scale", StandardScaler()), ("lr", LogisticRegression(C=c, max_iter=2000))])


def figures(y, fwd, prob, classes):
    full = np.zeros((len(y), 3))
    full[:, classes] = prob  # a training block may lack a class
    pred = full.argmax(1)
    clipped = np.clip(full, 1e-7, 1)
    score = full[:, 2] - full[:, 0]
    called = pred != 1
    hits = np.sign(fwd[called]) == np.where(pred[called] == 2, 1, -1)
    ic = spearmanr(score, fwd).statistic if np.std(score) > 0 and np.std(fwd) > 0 else float("nan")
    return {"n": int(len(y)), "accuracy": round(float(accuracy_score(y, pred)), 4),
            "macro_f1": round(float(f1_score(y, pred, average="macro", labels=[0, 1, 2], zero_division=0)), 4),
            "log_loss": round(float(log_loss(y, clipped / clipped.sum(1, keepdims=True), labels=[0, 1, 2])), 4),
            "directional_calls": int(called.sum()),
            "directional_hit_rate": round(float(hits.mean()), 4) if called.any() else None,
            "ic_spearman": round(float(ic), 4)}


def walk_forward(ts, x, y, fwd, folds, horizon_ns, c):
    blocks = np.array_split(np.arange(len(y)), folds + 1)
    out, pooled = [], {"y": [], "fwd": [], "prob": []}
    for k in range(1, folds + 1):
        test = blocks[k]
        train = np.concatenate(blocks[:k])
        train = train[ts[train] + horizon_ns < ts[test[0]]]  # purge labels overlapping the test block
        if len(np.unique(y[train])) < 2:
            out.append({"fold": k, "skipped": "fewer than 2 classes in the training block"})
            continue
        m = model(c).fit(x[train], y[train])
        prob = m.predict_proba(x[test])
        full = np.zeros((len(test), 3))
        full[:, m.classes_] = prob
        major = np.bincount(y[train], minlength=3).argmax()
        f = figures(y[test], fwd[test], prob, m.classes_)
        f.update({"fold": k, "train_rows": int(len(train)), "test_from_ts_ns": int(ts[test[0]]),
                  "test_to_ts_ns": int(ts[test[-1]]),
                  "majority_class_accuracy": round(float((y[test] == major).mean()), 4)})
        out.append(f)
        pooled["y"].append(y[test]), pooled["fwd"].append(fwd[test]), pooled["prob"].append(full)
    if not pooled["y"]:
        return out, None
    pool = figures(np.concatenate(pooled["y"]), np.concatenate(pooled["fwd"]), np.concatenate(pooled["prob"]),
                   np.array([0, 1, 2]))
    return out, pool


def export(m, path, n_features):
    onx = convert_sklearn(m, initial_types=[("x", FloatTensorType([1, n_features]))],
                          options={id(m.named_steps["lr"]): {"zipmap": False}},
                          target_opset={"": 21, "ai.onnx.ml": 3})
    data = onx.SerializeToString()
    with open(path, "wb") as f:
        f.write(data)
    return hashlib.sha256(data).hexdigest(), len(data)


def make_synthetic(path, n=20000, seed=7):
    """Random features with a weak planted link to the future move: for testing this script only."""
    rng = np.random.default_rng(seed)
    ts = 1_700_000_000_000_000_000 + np.cumsum(rng.integers(50_000_000, 150_000_000, n))
    x = rng.normal(size=(n, len(FEATURES)))
    x[:, :3] = np.tanh(x[:, :3])
    x[:, 3] = np.abs(x[:, 3]) + 0.5
    fwd = np.round(0.8 * x[:, 0] + 0.4 * x[:, 8] + rng.normal(scale=1.5, size=n), 1)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["ts_ns", "inst"] + FEATURES + [LABEL_SOURCE])
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
    ts, x, fwd = load(a.csv)
    y = labels(fwd, a.flat_bps)
    folds, pooled = walk_forward(ts, x, y, fwd, a.folds, a.horizon_ns, a.C)
    for f in folds:
        print("fold", json.dumps(f))
    print("pooled out-of-sample", json.dumps(pooled))
    m = model(a.C).fit(x, y)
    if len(m.classes_) != 3:
        sys.exit(f"train_micro: only classes {[CLASSES[k] for k in m.classes_]} occur (try another --flat-bps); "
                 "the exported model must output 3 probabilities")
    os.makedirs(a.out, exist_ok=True)
    path = os.path.join(a.out, "micro.onnx")
    digest, size = export(m, path, len(FEATURES))
    sess = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    probe = x[-min(len(x), 500):]
    onnx_prob = np.vstack([sess.run(["probabilities"], {"x": probe[i:i + 1]})[0] for i in range(len(probe))])
    sk_prob = np.zeros((len(probe), 3))
    sk_prob[:, m.classes_] = m.predict_proba(probe)
    agree = float(np.abs(onnx_prob - sk_prob).max()) if onnx_prob.shape == sk_prob.shape else None
    with open(a.csv, "rb") as f:
        data_sha = hashlib.sha256(f.read()).hexdigest()
    metrics = {"data": {"file": os.path.basename(a.csv), "sha256": data_sha, "rows": int(len(y)),
                        "from_ts_ns": int(ts[0]), "to_ts_ns": int(ts[-1]),
                        "class_counts": {CLASSES[k]: int((y == k).sum()) for k in range(3)}},
               "params": {"horizon_ns": a.horizon_ns, "flat_bps": a.flat_bps, "folds": a.folds, "C": a.C},
               "features": FEATURES, "walk_forward": folds, "pooled_out_of_sample": pooled,
               "onnx": {"file": "micro.onnx", "sha256": digest, "bytes": size, "input": "x float [1,10]",
                        "outputs": ["label int64 [1]", "probabilities float [1,3] (down, flat, up)"],
                        "classes_in_model": [CLASSES[k] for k in m.classes_],
                        "max_abs_prob_diff_vs_sklearn_last_rows": agree},
               "command": " ".join(sys.argv)}
    with open(os.path.join(a.out, "micro_metrics.json"), "w") as f:
        json.dump(metrics, f, indent=1)
        f.write("\n")
    print(f"wrote {path} ({size} bytes) and micro_metrics.json; ONNX vs sklearn max|dp| {agree}")


if __name__ == "__main__":
    main()
