#!/usr/bin/env python3
"""Fixtures from a second runtime (ONNX Runtime, CPU): for each zoo model configuration, `joulebench models make`
writes the model, a seeded random input is run through onnxruntime, and input_0.pb / output_0.pb / model.json are
written under OUT/NAME/ (ONNX backend-test layout). Usage: ort_fixtures.py JOULEBENCH OUT"""
import json, os, subprocess, sys
import numpy as np
import onnx
from onnx import numpy_helper
import onnxruntime as ort

jb, out = sys.argv[1], sys.argv[2]
configs = {
    "resnet50": {"image": 96},
    "mobilenetv2": {"image": 96},
    "bert-base": {"layers": 4, "sequence": 32},
    "mlp": {},
}
for name, params in configs.items():
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    model = os.path.join("/tmp", name + ".onnx")
    args = [jb, "models", "make", name, "--out", model, "--batch", "2"]
    for k, v in params.items():
        args += ["--param", f"{k}={v}"]
    subprocess.run(args, check=True)
    m = onnx.load(model)
    inp = m.graph.input[0]
    shape = [dim.dim_value for dim in inp.type.tensor_type.shape.dim]
    rng = np.random.default_rng(7)
    if inp.type.tensor_type.elem_type == onnx.TensorProto.INT64:
        x = rng.integers(0, 30522, size=shape, dtype=np.int64)
    else:
        x = rng.uniform(-1, 1, size=shape).astype(np.float32)
    sess = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    y = sess.run(None, {inp.name: x})[0]
    with open(os.path.join(d, "input_0.pb"), "wb") as f:
        f.write(numpy_helper.from_array(x, inp.name).SerializeToString())
    with open(os.path.join(d, "output_0.pb"), "wb") as f:
        f.write(numpy_helper.from_array(y, m.graph.output[0].name).SerializeToString())
    with open(os.path.join(d, "model.json"), "w") as f:
        json.dump({"model": name, "params": params, "batch": 2, "runtime": "onnxruntime " + ort.__version__,
                   "provider": "CPUExecutionProvider", "input_seed": 7}, f, indent=1)
    print(name, shape, "->", list(y.shape), "ok")
