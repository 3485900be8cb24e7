"""Times a model under each ONNX Runtime execution provider the installed wheel offers, at one
thread, and how far each one's outputs are from the CPU provider's.

    taskset -c 0 PYTHON scripts/bench/model_providers.py models/pose_landmark_full_nomask.onnx

PYTHON is a virtual environment with the wheel to try, e.g. `onnxruntime-openvino` from PyPI
(`python3 -m venv V && V/bin/pip install onnxruntime-openvino numpy`); `.venv-models/bin/python`
has the plain `onnxruntime` wheel liftcheck's set-up uses. Prints the median of 150 runs on a
fixed random input after 20 warm-up runs. Pin it to one core (`taskset`) on a quiet machine.
"""

import sys
import time

import numpy as np
import onnxruntime as ort

RUNS = 150
WARM_UP = 20

# Extra provider options to try per provider, besides its defaults.
VARIANTS = {
    "OpenVINOExecutionProvider": [
        {"device_type": "CPU", "precision": "FP32", "num_of_threads": "1"},
        {"device_type": "CPU", "precision": "BF16", "num_of_threads": "1"},
    ],
}


def session(path, provider, options):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(
        path, so, providers=[provider], provider_options=[options] if options else None
    )


def main(path):
    print(f"onnxruntime {ort.__version__}, providers {ort.get_available_providers()}")
    first = session(path, "CPUExecutionProvider", None)
    feed = {
        i.name: np.random.default_rng(0).random([d if isinstance(d, int) else 1 for d in i.shape]).astype(np.float32)
        for i in first.get_inputs()
    }
    reference = None
    # The CPU provider first: the others' outputs are compared with its.
    providers = sorted(ort.get_available_providers(), key=lambda p: p != "CPUExecutionProvider")
    for provider in providers:
        if provider == "AzureExecutionProvider":
            continue
        for options in [None] + VARIANTS.get(provider, []):
            label = f"{provider} {options or 'defaults'}"
            try:
                s = session(path, provider, options)
            except Exception as e:  # a provider that refuses the options
                print(f"{label}: failed: {e}")
                continue
            if s.get_providers()[0] != provider:
                print(f"{label}: fell back to {s.get_providers()[0]}")
                continue
            for _ in range(WARM_UP):
                s.run(None, feed)
            times = []
            for _ in range(RUNS):
                t = time.perf_counter()
                out = s.run(None, feed)
                times.append(time.perf_counter() - t)
            if reference is None:
                reference = out
            diff = max(float(np.abs(a - b).max()) for a, b in zip(reference, out))
            print(f"{label}: median {np.median(times) * 1e3:.2f} ms, largest output difference {diff:.2g}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
