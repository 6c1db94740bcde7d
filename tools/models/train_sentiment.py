#!/usr/bin/env python3
"""Train the sentiment classifier (0 bearish, 1 bullish, 2 neutral) and its baselines, export ONNX.

Data: sent_train.csv / sent_valid.csv (columns text,label) of the Twitter Financial News sentiment set
(../shared/data/equities/sentiment-labelled). All hyper-parameters are chosen on a stratified 20 %
held-out part of sent_train (seed 13); sent_valid is used only for the final figures.

Models (every text goes through normalise.normalise first, except "VADER raw"):
  candidate  word 1-2-gram + char n-gram TF-IDF union -> logistic regression (tuned: n-gram range, C,
             class weights);
  baseline   word 1-2-gram TF-IDF -> logistic regression (tuned: C, class weights);
  VADER      vaderSentiment compound rule (>= 0.05 bullish, <= -0.05 bearish, else neutral) on raw and
             normalised text, and VADER's 4 scores -> logistic regression trained on sent_train.

Outputs (in --out, default tools/models/sentiment): sentiment.onnx (candidate), sentiment_baseline.onnx,
metrics.json, goldens.json. Both ONNX files are checked against scikit-learn with onnxruntime (Python)
and through libonnxruntime.so's C API (ort_capi.py), the way the engine loads them.

Usage: tools/models/train.sh (makes the venv), or in a venv with requirements.txt:
    python tools/models/train_sentiment.py [--data DIR] [--stocknet DIR] [--out DIR] [--ort-lib SO]
The data folders default to $ALPHAPULSE_SHARED_DATA/equities/..., else <repo>/../shared/data/equities/...
"""
import argparse
import csv
import hashlib
import json
import os
import sys
import time

import numpy as np
import onnx
import onnxruntime
import scipy
import sklearn
import skl2onnx
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support
from sklearn.model_selection import train_test_split
from sklearn.pipeline import FeatureUnion, Pipeline
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import StringTensorType
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from normalise import normalise
from ort_capi import CapiSession
import sentiment_goldens

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SHARED = os.environ.get("ALPHAPULSE_SHARED_DATA") or os.path.join(REPO, "..", "shared", "data")
SEED = 13
CLASSES = ["bearish", "bullish", "neutral"]
TOKEN_PATTERN = r"\b\w\w+\b"  # sklearn token_pattern == ONNX Tokenizer tokenexp (ASCII input: same tokens)
# sublinear_tf=False everywhere: skl2onnx 1.20.0 converts sublinear_tf=True inexactly for repeated terms
# (measured: a TF-IDF value 0.669 in scikit-learn is 0.644 in ONNX for "ally ally financial").
LOCALE = "C.UTF-8"  # ORT's default en_US.UTF-8 is missing on minimal machines: session creation fails

CANDIDATE_FEATURES = {
    "w12_c24": dict(word=(1, 2), char=(2, 4), char_max=30000),
    "w12_c25": dict(word=(1, 2), char=(2, 5), char_max=30000),
    "w13_c24": dict(word=(1, 3), char=(2, 4), char_max=30000),
}
CANDIDATE_C = [4.0, 8.0, 16.0]
BASELINE_C = [1.0, 4.0, 16.0]
CLASS_WEIGHTS = [None, "balanced"]


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read())
    return h.hexdigest()


def load(path):
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return [r["text"] for r in rows], np.array([int(r["label"]) for r in rows])


def word_tfidf(ngram):
    return TfidfVectorizer(token_pattern=TOKEN_PATTERN, ngram_range=ngram, min_df=2, sublinear_tf=False)


def candidate_union(cfg):
    char = TfidfVectorizer(analyzer="char", ngram_range=cfg["char"], min_df=3, sublinear_tf=False,
                           max_features=cfg["char_max"])
    return FeatureUnion([("word", word_tfidf(cfg["word"])), ("char", char)])


def lr(c, cw):
    return LogisticRegression(C=c, class_weight=cw, max_iter=3000)


def scores(y, p):
    prec, rec, f1, sup = precision_recall_fscore_support(y, p, labels=[0, 1, 2], zero_division=0)
    return {
        "accuracy": round(float(accuracy_score(y, p)), 4),
        "macro_f1": round(float(f1_score(y, p, average="macro")), 4),
        "per_class": {CLASSES[k]: {"precision": round(float(prec[k]), 4), "recall": round(float(rec[k]), 4),
                                   "f1": round(float(f1[k]), 4), "support": int(sup[k])} for k in range(3)},
        "confusion_rows_true_cols_pred": confusion_matrix(y, p, labels=[0, 1, 2]).tolist(),
    }


def tune(features, grid_c, Xa, ya, Xb, yb, name):
    """Fit `features` on part A, then LR for each (C, class_weight); macro-F1 on held-out part B."""
    trials = []
    fa = features.fit_transform(Xa)
    fb = features.transform(Xb)
    for c in grid_c:
        for cw in CLASS_WEIGHTS:
            p = lr(c, cw).fit(fa, ya).predict(fb)
            m = round(float(f1_score(yb, p, average="macro")), 4)
            trials.append({"features": name, "C": c, "class_weight": cw, "heldout_macro_f1": m,
                           "heldout_accuracy": round(float(accuracy_score(yb, p)), 4)})
            print(f"  tune {name:8s} C={c:<5} cw={str(cw):8s} held-out macro-F1 {m:.4f}", flush=True)
    return trials


def export(pipe, path):
    opts = {pipe.steps[-1][1]: {"zipmap": False}}
    feats = pipe.steps[0][1]
    vecs = [t for _, t in feats.transformer_list] if isinstance(feats, FeatureUnion) else [feats]
    for v in vecs:
        opts[v] = {"locale": LOCALE} if v.analyzer == "char" else {"locale": LOCALE, "tokenexp": TOKEN_PATTERN}
    model = convert_sklearn(pipe, initial_types=[("text", StringTensorType([None, 1]))],
                            options={id(k): v for k, v in opts.items()})
    model.graph.name = os.path.splitext(os.path.basename(path))[0]  # skl2onnx puts a random uuid here
    onnx.checker.check_model(model)
    data = model.SerializeToString()
    with open(path, "wb") as f:
        f.write(data)
    ins = [(i.name, i.type.tensor_type.elem_type, [d.dim_value or d.dim_param for d in i.type.tensor_type.shape.dim])
           for i in model.graph.input]
    outs = [(o.name, o.type.tensor_type.elem_type, [d.dim_value or d.dim_param for d in o.type.tensor_type.shape.dim])
            for o in model.graph.output]
    return {"file": os.path.basename(path), "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(),
            "ir_version": model.ir_version, "opsets": {o.domain or "ai.onnx": o.version for o in model.opset_import},
            "ops": sorted({n.op_type for n in model.graph.node}),
            "inputs": [{"name": n, "elem_type": onnx.TensorProto.DataType.Name(t), "shape": s} for n, t, s in ins],
            "outputs": [{"name": n, "elem_type": onnx.TensorProto.DataType.Name(t), "shape": s} for n, t, s in outs]}


def check_onnx(path, pipe, texts, y, ort_lib):
    """onnxruntime (Python) and the C API against scikit-learn on `texts`."""
    sess = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    lab, prob = sess.run(["label", "probabilities"], {"text": np.array(texts, dtype=object).reshape(-1, 1)})
    sk_lab, sk_prob = pipe.predict(texts), pipe.predict_proba(texts)
    out = {"python_ort": scores(y, lab),
           "label_agreement_with_sklearn": round(float((lab == sk_lab).mean()), 6),
           "label_disagreements_with_sklearn": int((lab != sk_lab).sum()),
           "max_abs_prob_diff_vs_sklearn": float(np.abs(prob - sk_prob).max())}
    capi = CapiSession(ort_lib, path)
    c_lab, c_prob = capi.run(list(texts))
    capi.close()
    out["capi"] = {"library": ort_lib, "version": capi.version, "api_version": 17, "rows": len(texts),
                   "label_agreement_with_python_ort": round(float((np.array(c_lab) == lab).mean()), 6),
                   "max_abs_prob_diff_vs_python_ort": float(np.abs(np.array(c_prob) - prob).max())}
    return out, sess


def paired_bootstrap(y, p_cand, p_base, rounds=2000):
    """95 % interval of (candidate - baseline) accuracy and macro-F1 over resampled validation rows."""
    rng = np.random.default_rng(SEED)
    acc, mf1 = [], []
    for _ in range(rounds):
        i = rng.integers(0, len(y), len(y))
        acc.append(accuracy_score(y[i], p_cand[i]) - accuracy_score(y[i], p_base[i]))
        mf1.append(f1_score(y[i], p_cand[i], average="macro") - f1_score(y[i], p_base[i], average="macro"))
    q = lambda v: [round(float(x), 4) for x in np.percentile(v, [2.5, 97.5])]  # noqa: E731
    return {"rounds": rounds, "accuracy_diff_95ci": q(acc), "macro_f1_diff_95ci": q(mf1),
            "share_of_rounds_candidate_macro_f1_higher": round(float(np.mean(np.array(mf1) > 0)), 4)}


def vader_baselines(tr_raw, ytr, va_raw, yva, tr_norm, va_norm):
    an = SentimentIntensityAnalyzer()

    def feats(texts):
        return np.array([[d["neg"], d["neu"], d["pos"], d["compound"]] for d in map(an.polarity_scores, texts)])

    def rule(f):
        return np.where(f[:, 3] >= 0.05, 1, np.where(f[:, 3] <= -0.05, 0, 2))

    res = {}
    for tag, tr, va in (("raw", tr_raw, va_raw), ("normalised", tr_norm, va_norm)):
        ftr, fva = feats(tr), feats(va)
        res[f"vader_rule_{tag}"] = scores(yva, rule(fva))
        fa, fb, ya, yb = train_test_split(ftr, ytr, test_size=0.2, random_state=SEED, stratify=ytr)
        best = max(CLASS_WEIGHTS, key=lambda cw: f1_score(yb, lr(1.0, cw).fit(fa, ya).predict(fb), average="macro"))
        res[f"vader_lr_{tag}"] = scores(yva, lr(1.0, best).fit(ftr, ytr).predict(fva))
        res[f"vader_lr_{tag}"]["class_weight_chosen_on_heldout"] = best
    return res


def default_ort_lib():
    env = os.environ.get("ORT_DYLIB_PATH")
    if env:
        return env
    return os.path.join(os.path.dirname(onnxruntime.__file__), "capi", f"libonnxruntime.so.{onnxruntime.__version__}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(SHARED, "equities", "sentiment-labelled"),
                    help="folder with sent_train.csv and sent_valid.csv (default: %(default)s)")
    ap.add_argument("--stocknet", default=os.path.join(SHARED, "equities", "stocknet"),
                    help="stocknet folder, for the golden tweets (default: %(default)s)")
    ap.add_argument("--out", default=os.path.join(HERE, "sentiment"), help="output folder (default: %(default)s)")
    ap.add_argument("--ort-lib", default=default_ort_lib(),
                    help="libonnxruntime.so for the C API check (default: $ORT_DYLIB_PATH, else the wheel's)")
    ap.add_argument("--quick", action="store_true",
                    help="smoke test: one feature set and one C per model (not for the committed model)")
    a = ap.parse_args()
    global CANDIDATE_FEATURES, CANDIDATE_C, BASELINE_C
    if a.quick:
        CANDIDATE_FEATURES = {"w12_c24": CANDIDATE_FEATURES["w12_c24"]}
        CANDIDATE_C, BASELINE_C = [4.0], [4.0]
    t0 = time.time()
    files = {n: os.path.join(a.data, n) for n in ("sent_train.csv", "sent_valid.csv")}
    for n, p in files.items():
        if not os.path.isfile(p):
            sys.exit(f"train_sentiment: {n} not found at {p} (pass --data DIR)")
    if not os.path.isfile(a.ort_lib):
        sys.exit(f"train_sentiment: libonnxruntime not found at {a.ort_lib} (pass --ort-lib or set ORT_DYLIB_PATH)")
    os.makedirs(a.out, exist_ok=True)
    tr_raw, ytr = load(files["sent_train.csv"])
    va_raw, yva = load(files["sent_valid.csv"])
    tr, va = [normalise(t) for t in tr_raw], [normalise(t) for t in va_raw]
    Xa, Xb, ya, yb = train_test_split(tr, ytr, test_size=0.2, random_state=SEED, stratify=ytr)
    print(f"train {len(tr)} (tune {len(Xa)} / held-out {len(Xb)}), valid {len(va)}", flush=True)

    trials = []
    for name, cfg in CANDIDATE_FEATURES.items():
        trials += tune(candidate_union(cfg), CANDIDATE_C, Xa, ya, Xb, yb, name)
    base_trials = tune(word_tfidf((1, 2)), BASELINE_C, Xa, ya, Xb, yb, "w12")
    best = max(trials, key=lambda t: t["heldout_macro_f1"])
    best_b = max(base_trials, key=lambda t: t["heldout_macro_f1"])
    print(f"chosen candidate {best}\nchosen baseline {best_b}", flush=True)

    cand = Pipeline([("features", candidate_union(CANDIDATE_FEATURES[best["features"]])),
                     ("lr", lr(best["C"], best["class_weight"]))]).fit(tr, ytr)
    base = Pipeline([("tfidf", word_tfidf((1, 2))), ("lr", lr(best_b["C"], best_b["class_weight"]))]).fit(tr, ytr)
    results = {"candidate": scores(yva, cand.predict(va)), "tfidf_lr_baseline": scores(yva, base.predict(va))}
    results.update(vader_baselines(tr_raw, ytr, va_raw, yva, tr, va))
    results["majority_class_neutral"] = scores(yva, np.full(len(yva), 2))
    for k, v in results.items():
        print(f"{k:26s} acc {v['accuracy']:.4f} macro-F1 {v['macro_f1']:.4f} F1 "
              + " ".join(f"{c} {v['per_class'][c]['f1']:.4f}" for c in CLASSES), flush=True)

    onnx_info, sessions = {}, {}
    for key, pipe, fname in (("candidate", cand, "sentiment.onnx"), ("tfidf_lr_baseline", base, "sentiment_baseline.onnx")):
        path = os.path.join(a.out, fname)
        info = export(pipe, path)
        info["check_on_valid"], sess = check_onnx(path, pipe, va, yva, a.ort_lib)
        sessions[key] = (sess, path)
        onnx_info[key] = info
        c = info["check_on_valid"]
        print(f"{fname}: {info['bytes']} bytes; ORT acc {c['python_ort']['accuracy']:.4f} macro-F1 "
              f"{c['python_ort']['macro_f1']:.4f}; agreement with sklearn {c['label_agreement_with_sklearn']}; "
              f"C API agreement {c['capi']['label_agreement_with_python_ort']} max|dp| "
              f"{c['capi']['max_abs_prob_diff_vs_python_ort']:.2e}", flush=True)

    paths = {k: p for k, (_, p) in sessions.items()}
    sentiment_goldens.write(sentiment_goldens.build(va_raw, yva, a.stocknet, paths, a.ort_lib), a.out)

    boot = paired_bootstrap(yva, cand.predict(va), base.predict(va))
    print(f"paired bootstrap candidate - baseline: {boot}", flush=True)
    c, b = results["candidate"], results["tfidf_lr_baseline"]
    v = max((results[k] for k in results if k.startswith("vader")), key=lambda r: r["macro_f1"])
    verdict = (f"candidate macro-F1 {c['macro_f1']:.4f} / accuracy {c['accuracy']:.4f} against TF-IDF+LR "
               f"{b['macro_f1']:.4f} / {b['accuracy']:.4f} and best VADER {v['macro_f1']:.4f} / {v['accuracy']:.4f}: "
               + ("higher than both on both figures" if c["macro_f1"] > max(b["macro_f1"], v["macro_f1"])
                  and c["accuracy"] > max(b["accuracy"], v["accuracy"]) else "NOT higher than both on both figures")
               + (f"; against TF-IDF+LR the margin is within validation noise (paired bootstrap 95 % intervals of the "
                  f"difference: macro-F1 {boot['macro_f1_diff_95ci']}, accuracy {boot['accuracy_diff_95ci']}, both "
                  f"spanning 0)" if boot["macro_f1_diff_95ci"][0] <= 0 else
                  f"; against TF-IDF+LR the macro-F1 margin's 95 % interval {boot['macro_f1_diff_95ci']} excludes 0")
               + "; VADER is far below both: its general-purpose lexicon has no entry for finance words such as "
               "'downgrade', 'upgrade', 'beats', 'bullish', 'bearish', 'plunges', 'surges' or 'outperform', and "
               "it calls many neutral headlines positive or negative (neutral recall about 0.5)")
    print(verdict)
    metrics = {
        "quick_smoke_test_not_tuned": a.quick,
        "verdict": verdict,
        "task": "3-class financial tweet sentiment: 0 bearish, 1 bullish, 2 neutral",
        "training_command": "tools/models/train.sh  (= python tools/models/train_sentiment.py "
                            "--data ../shared/data/equities/sentiment-labelled)",
        "data": {n: {"sha256": sha256_file(p), "rows": int(len(ytr) if "train" in n else len(yva)),
                     "class_counts": {CLASSES[k]: int(((ytr if "train" in n else yva) == k).sum()) for k in range(3)}}
                 for n, p in files.items()},
        "split": {"train_rows": len(tr), "tune_part_rows": len(Xa), "heldout_part_rows": len(Xb),
                  "valid_rows": len(va), "heldout": f"stratified 20 % of sent_train, random_state={SEED}",
                  "note": "hyper-parameters chosen on the held-out part of sent_train only; sent_valid used once"},
        "normalisation": "normalise.normalise (spec: tools/models/README.md); applied to all training and "
                         "validation text except the 'VADER raw' rows",
        "tuning": {"candidate_trials": trials, "baseline_trials": base_trials,
                   "candidate_chosen": best, "baseline_chosen": best_b,
                   "candidate_features": {k: {"word_ngram": v["word"], "char_ngram": v["char"],
                                              "char_max_features": v["char_max"], "word_min_df": 2,
                                              "char_min_df": 3, "sublinear_tf": False}
                                          for k, v in CANDIDATE_FEATURES.items()}},
        "validation": results,
        "candidate_vs_tfidf_lr_paired_bootstrap": boot,
        "onnx": onnx_info,
        "versions": {"python": sys.version.split()[0], "scikit-learn": sklearn.__version__,
                     "skl2onnx": skl2onnx.__version__, "onnx": onnx.__version__,
                     "onnxruntime": onnxruntime.__version__, "numpy": np.__version__, "scipy": scipy.__version__,
                     "vaderSentiment": "3.3.2"},
        "runtime_s": round(time.time() - t0, 1),
    }
    with open(os.path.join(a.out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=1)
        f.write("\n")
    print(f"wrote {a.out}/{{sentiment.onnx,sentiment_baseline.onnx,metrics.json,goldens.json}} in {metrics['runtime_s']} s")


if __name__ == "__main__":
    main()
