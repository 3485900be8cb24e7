#!/usr/bin/env python3
"""Derive the BlazePose landmark model without its segmentation head.

  prune_mask.py MODELS_DIR

Reads MODELS_DIR/pose_landmark_full.onnx and writes MODELS_DIR/pose_landmark_full_nomask.onnx:
the same graph and weights cut back to the nodes that feed `landmarks`, `pose_flag`, `heatmap`
and `world_landmarks` (onnx.utils.Extractor), so the segmentation decoder is not computed. The
mask is only needed for the back outline, and liftcheck reads that on some frames, not all
(src/track.rs, `mask_after`); on the others this model gives the same keypoints 40% cheaper. Checks with ONNX Runtime that every kept output is bit-identical to the full model's on
random inputs, then adds or replaces the entry in MODELS_DIR/manifest.json (sha256, size,
tensors). Deterministic: re-running rewrites the same bytes.

Needs the packages of scripts/models/requirements.txt (onnx, onnxruntime, numpy); called by
scripts/convert_models.sh after the conversion.
"""
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import utils

from manifest_io import sha256, write_manifest

SOURCE = "pose_landmark_full"
TARGET = "pose_landmark_full_nomask"
DROPPED = "segmentation"
CHECK_RUNS = 3


def main(models_dir):
    src = os.path.join(models_dir, SOURCE + ".onnx")
    dst = os.path.join(models_dir, TARGET + ".onnx")
    model = onnx.load(src)
    inputs = [i.name for i in model.graph.input]
    outputs = [o.name for o in model.graph.output if o.name != DROPPED]
    pruned = utils.Extractor(model).extract_model(inputs, outputs)
    pruned.ir_version = model.ir_version
    del pruned.opset_import[:]
    pruned.opset_import.extend(model.opset_import)
    pruned.producer_name, pruned.producer_version = model.producer_name, model.producer_version
    pruned.doc_string = (f"{TARGET}: {SOURCE}.onnx without the '{DROPPED}' output and the nodes only it "
                         f"needs (scripts/models/prune_mask.py). See NOTICE.")
    onnx.checker.check_model(pruned)
    tmp = dst + ".part"
    onnx.save(pruned, tmp)
    os.replace(tmp, dst)

    full = ort.InferenceSession(src, providers=["CPUExecutionProvider"])
    cut = ort.InferenceSession(dst, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    for _ in range(CHECK_RUNS):
        x = rng.random((1, 256, 256, 3), dtype=np.float32)
        want = dict(zip([o.name for o in full.get_outputs()], full.run(None, {inputs[0]: x})))
        got = dict(zip(outputs, cut.run(outputs, {inputs[0]: x})))
        for name in outputs:
            if not np.array_equal(want[name], got[name]):
                raise SystemExit(f"{TARGET}: output {name} differs from {SOURCE} "
                                 f"(max {np.abs(want[name] - got[name]).max()})")
    nodes = (len(model.graph.node), len(pruned.graph.node))
    print(f"wrote {dst}: {nodes[1]} of {nodes[0]} nodes, outputs bit-identical on {CHECK_RUNS} random inputs")

    manifest_path = os.path.join(models_dir, "manifest.json")
    with open(manifest_path, encoding="utf-8") as f:
        manifest = json.load(f)
    base = next(m for m in manifest["models"] if m["name"] == SOURCE)
    entry = dict(base, name=TARGET, file=os.path.basename(dst), sha256=sha256(dst), bytes=os.path.getsize(dst),
                 derived=f"{SOURCE}.onnx without the {DROPPED} head (scripts/models/prune_mask.py)",
                 outputs=[o for o in base["outputs"] if o["name"] != DROPPED])
    models = [m for m in manifest["models"] if m["name"] != TARGET]
    models.insert(models.index(base) + 1, entry)
    manifest["models"] = models
    write_manifest(manifest_path, manifest)
    print(f"updated {manifest_path}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(sys.argv[1])
