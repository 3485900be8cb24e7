#!/usr/bin/env python3
"""Would an int8 landmark model be a usable speed lever? Quantizes pose_landmark_full.onnx
(ONNX Runtime static quantization: QDQ, per-channel int8 weights, uint8 activations,
calibrated on crops of the rendered fixtures), then prints both models' time per run at 1 and 2
threads and how far the int8 model's landmarks move from the float model's on the same crops.

  .venv-models/bin/python scripts/bench/quantize_landmarks.py [--float-heads]
      (after scripts/convert_models.sh or scripts/setup.sh)

Calibrates on every other crop and compares on the rest. `--float-heads` leaves the layers that
produce the outputs (the last convolution before each output and what follows it) in float.

Needs numpy, onnx and onnxruntime (all in .venv-models) and the ffmpeg command. The quantized
model is written to .cache/bench/ and is not used by liftcheck.
"""
import glob
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnxruntime as ort
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
from onnxruntime.quantization.shape_inference import quant_pre_process

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODEL = os.path.join(ROOT, "models", "pose_landmark_full.onnx")
OUT = os.path.join(ROOT, ".cache", "bench")
EVERY = 12  # every 12th frame of each fixture


def frames(mp4, width, height):
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", mp4, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, height, width, 3)


def crop(img, keypoints):
    """256x256 crop (nearest neighbour) of the square around the true keypoints, 1.3x their extent."""
    k = np.asarray(keypoints)[:, :2]
    centre, side = (k.min(0) + k.max(0)) / 2, (k.max(0) - k.min(0)).max() * 1.3
    grid = (np.arange(256) + 0.5) / 256 * side - side / 2
    xs = np.clip((centre[0] + grid).astype(int), 0, img.shape[1] - 1)
    ys = np.clip((centre[1] + grid).astype(int), 0, img.shape[0] - 1)
    return (img[ys][:, xs].astype(np.float32) / 255.0)[None]


def time_ms(path, threads, x, runs=100):
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    s = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    for _ in range(10):
        s.run(None, {"input": x})
    t = time.perf_counter()
    for _ in range(runs):
        s.run(None, {"input": x})
    return (time.perf_counter() - t) / runs * 1000


def output_heads(model_path):
    """Names of the nodes from each output back to (and including) its last convolution."""
    import onnx
    model = onnx.load(model_path)
    producer = {o: n for n in model.graph.node for o in n.output}
    heads, stack = set(), [o.name for o in model.graph.output]
    while stack:
        node = producer.get(stack.pop())
        if node is None or node.name in heads:
            continue
        heads.add(node.name)
        if node.op_type != "Conv":
            stack.extend(node.input)
    return sorted(heads)


def main():
    float_heads = "--float-heads" in sys.argv[1:]
    crops = []
    for gt_path in sorted(glob.glob(os.path.join(ROOT, "tests", "fixtures", "*.json"))):
        mp4 = gt_path[:-5] + ".mp4"
        if not os.path.exists(mp4):
            continue
        gt = json.load(open(gt_path))
        video = frames(mp4, gt["video"]["width"], gt["video"]["height"])
        for i in range(0, min(len(video), len(gt["frames"])), EVERY):
            crops.append(crop(video[i], gt["frames"][i]["blazepose33"]))
    print(f"{len(crops)} crops from tests/fixtures (every {EVERY}th frame), half to calibrate, half to compare")

    calibration, held_out = crops[::2], crops[1::2]

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.it = iter(calibration)

        def get_next(self):
            x = next(self.it, None)
            return None if x is None else {"input": x}

    os.makedirs(OUT, exist_ok=True)
    quantized = os.path.join(OUT, "pose_landmark_full.int8.onnx")
    with tempfile.TemporaryDirectory() as tmp:
        pre = os.path.join(tmp, "pre.onnx")
        quant_pre_process(MODEL, pre, skip_symbolic_shape=True)
        exclude = output_heads(MODEL) if float_heads else []
        quantize_static(pre, quantized, Reader(), quant_format=QuantFormat.QDQ,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8, per_channel=True,
                        nodes_to_exclude=exclude)
    if float_heads:
        print(f"left in float: {', '.join(exclude)}")
    for threads in (1, 2):
        f, q = time_ms(MODEL, threads, crops[0]), time_ms(quantized, threads, crops[0])
        print(f"{threads} thread(s): float {f:.1f} ms, int8 {q:.1f} ms per run ({f / q:.2f}x)")
    a = ort.InferenceSession(MODEL, providers=["CPUExecutionProvider"])
    b = ort.InferenceSession(quantized, providers=["CPUExecutionProvider"])
    moved = []
    for x in held_out:
        la = a.run(None, {"input": x})[0].reshape(-1, 5)[:33, :2]
        lb = b.run(None, {"input": x})[0].reshape(-1, 5)[:33, :2]
        moved.append(np.linalg.norm(la - lb, axis=1))
    moved = np.concatenate(moved)
    print(f"int8 landmarks vs float on the {len(held_out)} crops not used to calibrate, px in the 256-px crop: "
          f"median {np.median(moved):.1f}, "
          f"p90 {np.percentile(moved, 90):.1f}, max {moved.max():.1f}")


if __name__ == "__main__":
    main()
