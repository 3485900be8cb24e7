#!/usr/bin/env python3
"""Replace the DENSIFY ops of a TFLite model by plain dense constant tensors.

The BlazePose detector (pose_detection.tflite, shipped in @mediapipe/pose as
pose_solution_packed_assets.data) stores 38 weight tensors in TFLite's sparse
format, each expanded at run time by a DENSIFY op. tf2onnx cannot read sparse
tensors ("cannot reshape array of size 96 into shape (16,1,1,24)"), so:

  1. run the model once in the reference TFLite interpreter with every
     intermediate tensor preserved and *without* the XNNPACK delegate (with the
     delegate the DENSIFY outputs are never materialised);
  2. store each DENSIFY output as a constant buffer;
  3. drop the DENSIFY ops (and the now unused sparse inputs' data);
  4. check that the dense model gives bit-identical outputs to the sparse one.

Usage: densify_tflite.py IN.tflite OUT.tflite
"""
import sys

import numpy as np
import tensorflow as tf
from tensorflow.lite.python import schema_py_generated as schema
from tensorflow.lite.tools import flatbuffer_utils

NO_DELEGATES = tf.lite.experimental.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES


def interpreter(model_bytes, preserve=False):
    it = tf.lite.Interpreter(
        model_content=bytes(model_bytes),
        experimental_op_resolver_type=NO_DELEGATES,
        experimental_preserve_all_tensors=preserve,
    )
    it.allocate_tensors()
    return it


def run(it, x):
    it.set_tensor(it.get_input_details()[0]["index"], x)
    it.invoke()
    return [it.get_tensor(d["index"]) for d in it.get_output_details()]


def opcode_name(model, op):
    oc = model.operatorCodes[op.opcodeIndex]
    code = max(oc.builtinCode, oc.deprecatedBuiltinCode)
    for k, v in vars(schema.BuiltinOperator).items():
        if v == code and not k.startswith("_"):
            return k
    return str(code)


def densify(src_path, dst_path):
    with open(src_path, "rb") as f:
        src_bytes = f.read()
    model = flatbuffer_utils.read_model_from_bytearray(bytearray(src_bytes))
    assert len(model.subgraphs) == 1, "expected a single subgraph"
    sg = model.subgraphs[0]

    # The DENSIFY outputs only depend on constants, so any input works.
    it = interpreter(src_bytes, preserve=True)
    inp = it.get_input_details()[0]
    run(it, np.zeros(inp["shape"], inp["dtype"]))

    kept_ops, n_dense = [], 0
    for op in sg.operators:
        if opcode_name(model, op) != "DENSIFY":
            kept_ops.append(op)
            continue
        (sparse_idx,), (dense_idx,) = op.inputs, op.outputs
        dense = it.get_tensor(dense_idx)
        tensor = sg.tensors[dense_idx]
        want = schema.TensorType.FLOAT16 if dense.dtype == np.float16 else None
        assert want is None or tensor.type == want
        assert list(dense.shape) == list(tensor.shape), (dense.shape, tensor.shape)
        buf = schema.BufferT()
        buf.data = np.frombuffer(dense.tobytes(), dtype=np.uint8)
        model.buffers.append(buf)
        tensor.buffer = len(model.buffers) - 1
        # The sparse source tensor is no longer used by any op: empty its data
        # (buffer 0 is TFLite's "no data" buffer) and drop its sparsity info.
        sparse = sg.tensors[sparse_idx]
        model.buffers[sparse.buffer].data = None
        sparse.buffer = 0
        sparse.sparsity = None
        n_dense += 1
    sg.operators = kept_ops

    dst_bytes = flatbuffer_utils.convert_object_to_bytearray(model)

    # Check: same outputs, bit for bit, on a few inputs.
    a, b = interpreter(src_bytes), interpreter(dst_bytes)
    rng = np.random.default_rng(0)
    for _ in range(3):
        x = rng.uniform(-1, 1, inp["shape"]).astype(inp["dtype"])
        for ya, yb in zip(run(a, x), run(b, x)):
            if not np.array_equal(ya, yb):
                raise SystemExit(f"densified model differs: max {np.abs(ya - yb).max()}")
    remaining = [opcode_name(model, op) for op in sg.operators if opcode_name(model, op) == "DENSIFY"]
    assert not remaining
    with open(dst_path, "wb") as f:
        f.write(dst_bytes)
    print(f"densify: {n_dense} DENSIFY ops replaced by constants; outputs bit-identical -> {dst_path}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    densify(sys.argv[1], sys.argv[2])
