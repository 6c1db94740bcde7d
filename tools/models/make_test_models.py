#!/usr/bin/env python3
"""The small test models of engine/ml (engine/ml/testdata/), built with the onnx helper API, and
their golden outputs from onnxruntime for fixed inputs (goldens.json), which the Rust tests compare
against what `ort` computes through the engine.

Usage (from the repo root, in a venv holding tools/models/requirements.txt):
    python tools/models/make_test_models.py engine/ml/testdata

Models (12 features unless said; weights are fixed numbers, written to goldens.json too, so a test
can also recompute the outputs from the weights):
  - micro_lr.onnx:   logistic regression, input `features` float [1,12] -> MatMul+Add+Sigmoid ->
                     output `prob` float [1,1] (probability of an up move);
  - micro_mlp.onnx:  MLP 12-16-1 (Gemm, Relu, Gemm, Tanh), input `x` float [N,12] (dynamic batch)
                     -> output `score` float [N,1] in [-1,1];
  - micro_lr8.onnx:  as micro_lr but input [1,8] (the shape-mismatch test);
  - micro_i64.onnx:  as micro_lr but input int64 [1,12] (the element-type-mismatch test).
Deterministic: the same bytes on every run (fixed seed, no timestamps in the files).
"""
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

OPSET = 21
IR_VERSION = 10


def save(model, path):
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model, full_check=True)
    with open(path, "wb") as f:
        f.write(model.SerializeToString())


def logistic(n_in, name, int_input=False):
    # Weights that make sense on the engine's features: book imbalance and trade flow push up,
    # the spread dampens; small values elsewhere.
    w = np.round(np.linspace(-0.3, 0.3, n_in), 4).astype(np.float32)
    w[0], w[1] = 1.5, 0.8
    if n_in > 9:
        w[9] = 0.6
    b = np.float32(-0.1)
    cast = [helper.make_node("Cast", ["features"], ["xf"], to=TensorProto.FLOAT)] if int_input else []
    x = "xf" if int_input else "features"
    g = helper.make_graph(
        cast
        + [
            helper.make_node("MatMul", [x, "W"], ["z0"]),
            helper.make_node("Add", ["z0", "b"], ["z"]),
            helper.make_node("Sigmoid", ["z"], ["prob"]),
        ],
        name,
        [helper.make_tensor_value_info("features", TensorProto.INT64 if int_input else TensorProto.FLOAT, [1, n_in])],
        [helper.make_tensor_value_info("prob", TensorProto.FLOAT, [1, 1])],
        [numpy_helper.from_array(w.reshape(n_in, 1), "W"), numpy_helper.from_array(np.array([b]), "b")],
    )
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="alphapulse"), {
        "W": w.tolist(),
        "b": float(b),
    }


def mlp():
    rng = np.random.default_rng(13)
    w1 = (rng.normal(size=(12, 16)) * 0.4).astype(np.float32)
    b1 = (rng.normal(size=16) * 0.1).astype(np.float32)
    w2 = (rng.normal(size=(16, 1)) * 0.4).astype(np.float32)
    b2 = np.zeros(1, np.float32)
    g = helper.make_graph(
        [
            helper.make_node("Gemm", ["x", "W1", "b1"], ["h"]),
            helper.make_node("Relu", ["h"], ["r"]),
            helper.make_node("Gemm", ["r", "W2", "b2"], ["z"]),
            helper.make_node("Tanh", ["z"], ["score"]),
        ],
        "micro_mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 12])],
        [helper.make_tensor_value_info("score", TensorProto.FLOAT, ["N", 1])],
        [numpy_helper.from_array(a, n) for a, n in [(w1, "W1"), (b1, "b1"), (w2, "W2"), (b2, "b2")]],
    )
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="alphapulse"), {
        "W1": w1.tolist(),
        "b1": b1.tolist(),
        "W2": w2.reshape(-1).tolist(),
        "b2": b2.tolist(),
    }


def run(path, inp, x):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    s = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    return s.run(None, {inp: x})[0].reshape(-1).tolist()


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "engine/ml/testdata"
    os.makedirs(out, exist_ok=True)
    # Fixed inputs: feature-like values (imbalances in [-1,1], spreads and returns in bps).
    inputs = [
        [0.0] * 12,
        [0.5, 0.3, 0.1, -0.2, 1.2, 0.4, 0.8, -1.5, 2.0, 0.25, -0.1, 0.05],
        [-0.9, -0.7, -0.4, -0.3, 0.8, -0.6, -2.0, -3.5, -6.0, -0.8, -0.5, -0.2],
        [0.12, -0.05, 0.33, 0.41, 0.014, 0.2, 0.0, 12.0, -7.5, 1.0, 0.9, -0.35],
    ]
    goldens = {"inputs": inputs, "models": {}}
    lr, lr_w = logistic(12, "micro_lr")
    save(lr, os.path.join(out, "micro_lr.onnx"))
    m, m_w = mlp()
    save(m, os.path.join(out, "micro_mlp.onnx"))
    lr8, _ = logistic(8, "micro_lr8")
    save(lr8, os.path.join(out, "micro_lr8.onnx"))
    lri, _ = logistic(12, "micro_i64", int_input=True)
    save(lri, os.path.join(out, "micro_i64.onnx"))
    for name, inp, weights in [("micro_lr", "features", lr_w), ("micro_mlp", "x", m_w)]:
        path = os.path.join(out, name + ".onnx")
        outs = [run(path, inp, np.array([x], np.float32))[0] for x in inputs]
        goldens["models"][name] = {"input": inp, "outputs": outs, "weights": weights}
    with open(os.path.join(out, "goldens.json"), "w") as f:
        json.dump(goldens, f, indent=1)
        f.write("\n")
    print("onnx", onnx.__version__, "onnxruntime", ort.__version__, "numpy", np.__version__)


if __name__ == "__main__":
    main()
