#!/usr/bin/env python3
"""Split the BlazePose full landmark model into its backbone and its segmentation head.

  prune_mask.py MODELS_DIR

Reads MODELS_DIR/pose_landmark_full.onnx and writes two models cut from it (onnx.utils.Extractor;
the same nodes and weights, nothing retrained):

- pose_landmark_full_nomask.onnx: the landmark outputs (`landmarks`, `pose_flag`, `heatmap`,
  `world_landmarks`) without the segmentation decoder, plus the two backbone tensors that decoder
  reads, renamed `features_128` (1x16x128x128) and `features_64` (1x48x64x64);
- pose_segmentation_head_full.onnx: those two tensors in, `segmentation` out, for any window of
  them: the inputs' height and width are left free (`features_128` twice `features_64`'s) and the
  output is 1x1x(4h)x(4w), the full model's final reshape to 1x256x256x1 dropped (the same values
  in the same order for the whole crop).

Why a window: the head is made of 3x3 depthwise and 1x1 convolutions and two 2x linear resizes,
so each mask pixel depends only on features within WINDOW_MARGIN cells of the 64x64 grid around
it. liftcheck reads the mask only around the back (src/pose/silhouette.rs, `back_outline`), and
runs the head on that part of the features plus the margin (src/pose/mask_head.rs,
`FeatureWindow`), a fraction of the cost of the whole crop.

Why: the mask is only needed for the back outline, which liftcheck reads on some frames, not all
(src/track.rs, `mask_after`); on the others the first model gives the same keypoints at half the
cost. And the head costs as much as the rest of the model (7.4 of 14.3 ms at one thread on a
2-core Xeon) while nothing on the next frame waits for it (the next crop comes from the
keypoints): liftcheck runs it on another thread while the next frame's pose is computed. The
boundary is found, not hard-coded: the tensors made by nodes the landmark outputs need and read
by nodes only `segmentation` needs.

Checks with ONNX Runtime that every output of the pair matches the full model's on random inputs
(the keypoints bit for bit; the mask to float rounding, since ONNX Runtime picks other kernels
for free shapes), and that the head on a window gives exactly what it gives on the whole crop
farther than WINDOW_MARGIN cells from the window's cut edges; then adds or replaces both entries
in MODELS_DIR/manifest.json. Deterministic:
re-running rewrites the same bytes. Needs scripts/models/requirements.txt (onnx, onnxruntime,
numpy); called by scripts/convert_models.sh after the conversion.
"""
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import shape_inference, utils

from manifest_io import sha256, write_manifest

SOURCE = "pose_landmark_full"
FEATURES = "pose_landmark_full_nomask"
HEAD = "pose_segmentation_head_full"
MASK_OUTPUT = "segmentation"
CHECK_RUNS = 3
# Cells of the 64x64 feature grid a mask pixel may depend on around it: the receptive field of
# the head's 3x3 convolutions and linear resizes is about 17 mask pixels (4.3 cells), checked
# below with this margin. src/pose/mask_head.rs (`WINDOW_MARGIN_CELLS`) must use the same.
WINDOW_MARGIN = 8
# The mask from the head with free shapes against the whole model's: most difference over the
# largest |logit| (float rounding in kernels chosen for other shapes).
MASK_RELATIVE_TOLERANCE = 1e-5


def ancestors(graph, names):
    """Ids of the nodes that `names` depend on."""
    producer = {out: node for node in graph.node for out in node.output}
    seen, stack = set(), list(names)
    while stack:
        node = producer.get(stack.pop())
        if node is not None and id(node) not in seen:
            seen.add(id(node))
            stack.extend(node.input)
    return seen, producer


def boundary(model):
    """The tensors computed for the landmark outputs that the mask-only nodes read, with shapes."""
    graph = model.graph
    landmark_outputs = [o.name for o in graph.output if o.name != MASK_OUTPUT]
    shared, producer = ancestors(graph, landmark_outputs)
    mask_nodes, _ = ancestors(graph, [MASK_OUTPUT])
    initializers = {i.name for i in graph.initializer}
    found = []
    for node in graph.node:
        if id(node) not in mask_nodes or id(node) in shared:
            continue
        for name in node.input:
            if name and name not in initializers and name not in found:
                made_by = producer.get(name)
                if made_by is None or id(made_by) in shared:
                    found.append(name)
    shapes = {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim] for v in graph.value_info}
    # A tensor computed from constants only (a resize's scales) is not a feature: the head
    # extracts it along with its own nodes.
    features = [n for n in found if n in shapes and len(shapes[n]) == 4]
    return features, shapes


def finish(model, source, doc):
    model.ir_version = source.ir_version
    del model.opset_import[:]
    model.opset_import.extend(source.opset_import)
    model.producer_name, model.producer_version = source.producer_name, source.producer_version
    model.doc_string = doc
    onnx.checker.check_model(model)


def rename(model, old, new):
    """Renames tensor `old` to `new` everywhere in `model`'s graph."""
    for node in model.graph.node:
        node.input[:] = [new if n == old else n for n in node.input]
        node.output[:] = [new if n == old else n for n in node.output]
    for value in list(model.graph.input) + list(model.graph.output) + list(model.graph.value_info):
        if value.name == old:
            value.name = new


def free_mask_shape(head):
    """Drops the head's final reshape to 1x256x256x1 so that it works on any window: its input, a
    1x1xHxW tensor with the same values in the same order, becomes the output."""
    reshape = next(n for n in head.graph.node if MASK_OUTPUT in n.output)
    if reshape.op_type != "Reshape":
        raise SystemExit(f"{HEAD}: expected '{MASK_OUTPUT}' to come from a Reshape, not {reshape.op_type}")
    before = reshape.input[0]
    head.graph.node.remove(reshape)
    for node in head.graph.node:
        node.output[:] = [MASK_OUTPUT if n == before else n for n in node.output]
    unused = {i.name for i in head.graph.initializer} - {n for node in head.graph.node for n in node.input}
    kept = [i for i in head.graph.initializer if i.name not in unused]
    del head.graph.initializer[:]
    head.graph.initializer.extend(kept)
    dims = head.graph.output[0].type.tensor_type.shape.dim
    del dims[:]
    for value in (1, 1, "height_256", "width_256"):
        dim = dims.add()
        if isinstance(value, int):
            dim.dim_value = value
        else:
            dim.dim_param = value


def check_windows(tail, feature_names, rng):
    """The head on windows of random features against the head on the whole crop: equal farther
    than WINDOW_MARGIN cells from the window's edges inside the crop."""
    coarse = next(n for n in feature_names if n.endswith("_64"))
    fine = next(n for n in feature_names if n.endswith("_128"))
    for _ in range(CHECK_RUNS):
        c = rng.standard_normal((1, 48, 64, 64), dtype=np.float32)
        f = rng.standard_normal((1, 16, 128, 128), dtype=np.float32)
        whole = tail.run([MASK_OUTPUT], {coarse: c, fine: f})[0][0, 0]
        y0, x0 = (int(v) for v in rng.integers(0, 40, size=2))
        y1, x1 = (int(v) for v in rng.integers((y0 + 2 * WINDOW_MARGIN + 1, x0 + 2 * WINDOW_MARGIN + 1), 65))
        part = tail.run([MASK_OUTPUT], {
            coarse: np.ascontiguousarray(c[:, :, y0:y1, x0:x1]),
            fine: np.ascontiguousarray(f[:, :, 2 * y0:2 * y1, 2 * x0:2 * x1]),
        })[0][0, 0]
        cut = lambda lo, hi, n: (0 if lo == 0 else WINDOW_MARGIN, (hi - lo) - (0 if hi == n else WINDOW_MARGIN))
        (r0, r1), (k0, k1) = cut(y0, y1, 64), cut(x0, x1, 64)
        want = whole[4 * (y0 + r0):4 * (y0 + r1), 4 * (x0 + k0):4 * (x0 + k1)]
        got = part[4 * r0:4 * r1, 4 * k0:4 * k1]
        if not np.array_equal(want, got):
            raise SystemExit(f"{HEAD}: the window rows {y0}-{y1}, columns {x0}-{x1} differs from the whole crop "
                             f"{WINDOW_MARGIN} cells in (max {np.abs(want - got).max()})")


def save(model, path):
    tmp = path + ".part"
    onnx.save(model, tmp)
    os.replace(tmp, path)


def main(models_dir):
    src = os.path.join(models_dir, SOURCE + ".onnx")
    source = onnx.load(src)
    model = shape_inference.infer_shapes(source)
    features, shapes = boundary(model)
    if len(features) != 2:
        raise SystemExit(f"{SOURCE}: expected 2 feature tensors between backbone and mask head, found {features}")
    names = {f: f"features_{shapes[f][-1]}" for f in features}
    inputs = [i.name for i in model.graph.input]
    landmark_outputs = [o.name for o in model.graph.output if o.name != MASK_OUTPUT]

    backbone = utils.Extractor(model).extract_model(inputs, landmark_outputs + features)
    head = utils.Extractor(model).extract_model(features, [MASK_OUTPUT])
    for old, new in names.items():
        rename(backbone, old, new)
        rename(head, old, new)
    # Shapes inferred for the whole graph would stay in value_info; the cut models don't need them.
    del backbone.graph.value_info[:]
    del head.graph.value_info[:]
    for value in head.graph.input:
        dims = value.type.tensor_type.shape.dim
        dims[0].dim_value = 1
        side = dims[2].dim_value
        for axis, name in ((2, "height"), (3, "width")):
            dims[axis].Clear()
            dims[axis].dim_param = f"{name}_{side}"
    free_mask_shape(head)
    finish(backbone, source, f"{FEATURES}: {SOURCE}.onnx without the '{MASK_OUTPUT}' head, with the two tensors "
                             f"the head reads as outputs (scripts/models/prune_mask.py). See NOTICE.")
    finish(head, source, f"{HEAD}: the '{MASK_OUTPUT}' head of {SOURCE}.onnx, from the two tensors "
                         f"{FEATURES}.onnx outputs (scripts/models/prune_mask.py). See NOTICE.")
    paths = {FEATURES: os.path.join(models_dir, FEATURES + ".onnx"), HEAD: os.path.join(models_dir, HEAD + ".onnx")}
    save(backbone, paths[FEATURES])
    save(head, paths[HEAD])

    full = ort.InferenceSession(src, providers=["CPUExecutionProvider"])
    cut = ort.InferenceSession(paths[FEATURES], providers=["CPUExecutionProvider"])
    tail = ort.InferenceSession(paths[HEAD], providers=["CPUExecutionProvider"])
    feature_names = list(names.values())
    rng = np.random.default_rng(0)
    for _ in range(CHECK_RUNS):
        x = rng.random((1, 256, 256, 3), dtype=np.float32)
        want = dict(zip([o.name for o in full.get_outputs()], full.run(None, {inputs[0]: x})))
        got = dict(zip([o.name for o in cut.get_outputs()], cut.run(None, {inputs[0]: x})))
        got[MASK_OUTPUT] = tail.run([MASK_OUTPUT], {n: got[n] for n in feature_names})[0]
        for name in landmark_outputs:
            if not np.array_equal(want[name], got[name]):
                raise SystemExit(f"{FEATURES}: output {name} differs from {SOURCE} "
                                 f"(max {np.abs(want[name] - got[name]).max()})")
        mask, whole_mask = got[MASK_OUTPUT].reshape(-1), want[MASK_OUTPUT].reshape(-1)
        difference = np.abs(mask - whole_mask).max() / np.abs(whole_mask).max()
        if difference > MASK_RELATIVE_TOLERANCE:
            raise SystemExit(f"{FEATURES} + {HEAD}: the mask differs from {SOURCE}'s by {difference:.2e} of its "
                             f"largest logit (tolerance {MASK_RELATIVE_TOLERANCE})")
    check_windows(tail, feature_names, rng)
    print(f"wrote {paths[FEATURES]} ({len(backbone.graph.node)} nodes) and {paths[HEAD]} "
          f"({len(head.graph.node)} nodes) from {len(source.graph.node)}; keypoints bit-identical and the "
          f"mask equal to float rounding on {CHECK_RUNS} random inputs; windows exact {WINDOW_MARGIN} cells in")

    manifest_path = os.path.join(models_dir, "manifest.json")
    with open(manifest_path, encoding="utf-8") as f:
        manifest = json.load(f)
    base = next(m for m in manifest["models"] if m["name"] == SOURCE)
    feature_tensors = [{"name": n, "dtype": "float32", "shape": [1] + shapes[old][1:]} for old, n in names.items()]
    entries = [
        dict(base, name=FEATURES, file=os.path.basename(paths[FEATURES]), sha256=sha256(paths[FEATURES]),
             bytes=os.path.getsize(paths[FEATURES]),
             derived=f"{SOURCE}.onnx without the {MASK_OUTPUT} head, with the head's inputs as outputs "
                     f"(scripts/models/prune_mask.py)",
             outputs=[o for o in base["outputs"] if o["name"] != MASK_OUTPUT] + feature_tensors),
        dict(base, name=HEAD, file=os.path.basename(paths[HEAD]), sha256=sha256(paths[HEAD]),
             bytes=os.path.getsize(paths[HEAD]),
             derived=f"the {MASK_OUTPUT} head of {SOURCE}.onnx (scripts/models/prune_mask.py)",
             inputs=[dict(t, shape=t["shape"][:2] + [-1, -1]) for t in feature_tensors],
             outputs=[dict(o, shape=[1, 1, -1, -1]) for o in base["outputs"] if o["name"] == MASK_OUTPUT]),
    ]
    models = [m for m in manifest["models"] if m["name"] not in (FEATURES, HEAD)]
    after = max(i for i, m in enumerate(models) if m["name"].startswith(SOURCE))
    models[after + 1:after + 1] = entries
    manifest["models"] = models
    write_manifest(manifest_path, manifest)
    print(f"updated {manifest_path}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
