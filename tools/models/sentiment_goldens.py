"""goldens.json for the Rust tests of the sentiment model (written by train_sentiment.py).

Contents:
  normalise_cases  raw text -> normalised text (normalise.CASES), for a byte-for-byte port;
  models           file name, sha256, input/output names of each exported model;
  texts            fixed inputs with the label and probabilities onnxruntime (Python) gives for each model:
                   - sent_valid rows (MIT-licensed data set; text included);
                   - stocknet AAPL tweets, given by reference only (file under ../shared/data/equities,
                     0-based line): stocknet tweet text is X/Twitter user content that PROVENANCE.md
                     says not to republish. A test reads the line, joins the tokens with one space
                     (normalise.join_stocknet), normalises, checks `normalised_sha256`, then runs the model;
                   - hand-written stocknet-style token lists (text included).
Each entry's `normalised` (or its sha256) is what is fed to the model as a [1,1] string tensor.
The C API (libonnxruntime.so) is run on the same texts; its largest deviation is recorded.

`python sentiment_goldens.py [--data DIR] [--stocknet DIR] [--out DIR] [--ort-lib SO]` rebuilds
goldens.json from the .onnx files already in --out (train_sentiment.py calls `build` itself).
"""
import hashlib
import json
import os

import numpy as np
import onnxruntime

import normalise as nm
from ort_capi import CapiSession

STOCKNET_AAPL = os.path.join("tweet", "preprocessed", "AAPL")
HANDWRITTEN = [
    ["$", "aapl", "beats", "estimates", ",", "shares", "jump", "to", "record", "high", "URL"],
    ["rt", "AT_USER", "apple", "cut", "to", "sell", "at", "goldman", ",", "pt", "lowered", "$", "aapl"],
    ["$", "aapl", "iphone", "sales", "miss", ",", "stock", "plunges", "8", "%", "after", "hours"],
    ["apple", "to", "hold", "event", "on", "september", "9", "$", "aapl", "URL"],
    ["AT_USER", "bullish", "on", "$", "aapl", "into", "earnings", "!", "buying", "calls"],
]


def pick_valid(raw, y):
    """The first 3 rows of each class in file order, plus the first row with a non-ASCII character."""
    idx = []
    for k in range(3):
        idx += [i for i in range(len(y)) if y[i] == k][:3]
    idx.append(next(i for i in range(len(raw)) if any(ord(c) > 127 for c in raw[i])))
    return sorted(set(idx))


def pick_stocknet(stocknet_dir, n=10):
    """n tweets spread over the AAPL day files: file i*len//n, line (i mod line count)."""
    folder = os.path.join(stocknet_dir, STOCKNET_AAPL)
    if not os.path.isdir(folder):
        return None
    days = sorted(os.listdir(folder))
    out = []
    for i in range(n):
        day = days[i * len(days) // n]
        with open(os.path.join(folder, day), encoding="utf-8") as f:
            lines = f.read().splitlines()
        line = i % len(lines)
        tokens = json.loads(lines[line])["text"]
        out.append((f"stocknet/{STOCKNET_AAPL}/{day}", line, tokens))
    return out


def sha(s):
    return hashlib.sha256(s.encode("utf-8")).hexdigest()


def build(va_raw, yva, stocknet_dir, model_paths, ort_lib):
    """model_paths: {"candidate": path, "tfidf_lr_baseline": path}. Outputs are computed one text at a
    time ([1, 1], as the engine feeds them); the batched run and the C API (batched) are compared."""
    entries = []
    for i in pick_valid(va_raw, yva):
        entries.append({"source": "sent_valid.csv", "row": i, "true_label": int(yva[i]), "raw": va_raw[i],
                        "normalised": nm.normalise(va_raw[i])})
    picked = pick_stocknet(stocknet_dir)
    for path, line, tokens in picked or []:
        norm = nm.normalise(nm.join_stocknet(tokens))
        entries.append({"source": path, "line": line, "normalised_sha256": sha(norm),
                        "normalised_bytes": len(norm.encode("utf-8")), "_text": norm})
    for tokens in HANDWRITTEN:
        entries.append({"source": "handwritten", "tokens": tokens, "raw": nm.join_stocknet(tokens),
                        "normalised": nm.normalise(nm.join_stocknet(tokens))})
    texts = [e.get("normalised", e.get("_text")) for e in entries]
    models = {}
    for key, path in model_paths.items():
        sess = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
        one = [sess.run(["label", "probabilities"], {"text": np.array([[t]], dtype=object)}) for t in texts]
        lab = np.array([o[0][0] for o in one])
        prob = np.vstack([o[1] for o in one])
        b_lab, b_prob = sess.run(["label", "probabilities"], {"text": np.array(texts, dtype=object).reshape(-1, 1)})
        for e, lb, pr in zip(entries, lab, prob):
            e.setdefault("outputs", {})[key] = {"label": int(lb), "probabilities": [float(x) for x in pr]}
        capi = CapiSession(ort_lib, path)
        c_lab, c_prob = capi.run(texts)
        capi.close()
        with open(path, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        models[key] = {"file": os.path.basename(path), "sha256": digest, "input": "text [N,1] string",
                       "outputs": ["label int64 [N]", "probabilities float [N,3]"],
                       "batch_vs_single_max_abs_prob_diff": float(np.abs(b_prob - prob).max()),
                       "batch_vs_single_label_agreement": float((b_lab == lab).mean()),
                       "capi_label_agreement": float((np.array(c_lab) == lab).mean()),
                       "capi_max_abs_prob_diff": float(np.abs(np.array(c_prob) - prob).max())}
    for e in entries:
        e.pop("_text", None)
    return {
        "about": "Golden outputs of tools/models/sentiment/*.onnx from onnxruntime (Python) for fixed normalised "
                 "texts; classes 0 bearish, 1 bullish, 2 neutral. See tools/models/README.md.",
        "onnxruntime": onnxruntime.__version__,
        "normalise_cases": [{"raw": r, "normalised": n} for r, n in nm.CASES],
        "stocknet_note": ("stocknet tweets are given by file and 0-based line only (do not republish); join the "
                          "tokens with one space, normalise, compare normalised_sha256"
                          if picked is not None else f"stocknet not found at {stocknet_dir}: no stocknet goldens"),
        "models": models,
        "texts": entries,
    }


def main():
    import argparse
    import train_sentiment as ts

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(ts.SHARED, "equities", "sentiment-labelled"))
    ap.add_argument("--stocknet", default=os.path.join(ts.SHARED, "equities", "stocknet"))
    ap.add_argument("--out", default=os.path.join(ts.HERE, "sentiment"))
    ap.add_argument("--ort-lib", default=ts.default_ort_lib())
    a = ap.parse_args()
    va_raw, yva = ts.load(os.path.join(a.data, "sent_valid.csv"))
    paths = {"candidate": os.path.join(a.out, "sentiment.onnx"),
             "tfidf_lr_baseline": os.path.join(a.out, "sentiment_baseline.onnx")}
    write(build(va_raw, yva, a.stocknet, paths, a.ort_lib), a.out)


def write(goldens, out_dir):
    with open(os.path.join(out_dir, "goldens.json"), "w") as f:
        json.dump(goldens, f, indent=1, ensure_ascii=True)
        f.write("\n")


if __name__ == "__main__":
    main()
