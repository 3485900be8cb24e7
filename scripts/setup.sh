#!/usr/bin/env bash
# Installs what liftcheck needs to build and run, idempotently:
#   1. Debian packages: libopencv-dev, clang, libclang-dev (the opencv crate's
#      build), ffmpeg (test fixtures, annotated-clip encoding, probing);
#   2. the ONNX Runtime shared library from the hash-pinned PyPI wheel
#      `onnxruntime==1.32.0`, unpacked into .deps/onnxruntime/ (git-ignored).
# Each step is skipped when its result is already present.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
deps="$root/.deps"
ort_dir="$deps/onnxruntime"
ort_lib="$ort_dir/libonnxruntime.so.1.32.0"

say() { printf 'setup: %s\n' "$*" >&2; }

# --- 0. Rust toolchain (checked, not installed) ---------------------------------
# The crate needs Rust 1.92 or newer (edition 2024, `rust-version` in Cargo.toml); Debian 12's
# packaged cargo is older, so the toolchain comes from rustup and is a prerequisite.
export PATH="$HOME/.cargo/bin:$PATH"
rust_min=1.92
rustc_version="$(rustc --version 2>/dev/null | awk '{print $2}' || true)"
if [[ -z "$rustc_version" ]] || [[ "$(printf '%s\n' "$rust_min" "$rustc_version" | sort -V | head -1)" != "$rust_min" ]]; then
    say "needs Rust $rust_min or newer (found: ${rustc_version:-none}); install it with rustup (https://rustup.rs), then run this again"
    exit 1
fi

# --- 1. Debian packages -------------------------------------------------------
apt_packages=(libopencv-dev clang libclang-dev ffmpeg pkg-config)
missing=()
for pkg in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    sudo=""
    if [[ $(id -u) -ne 0 ]]; then
        command -v sudo >/dev/null || { say "need root (or sudo) to install: ${missing[*]}"; exit 1; }
        sudo="sudo"
    fi
    say "installing Debian packages: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- 2. ONNX Runtime from the PyPI wheel --------------------------------------
if [[ ! -f "$ort_lib" ]]; then
    py="$(command -v python3 || true)"
    [[ -n "$py" ]] || { say "python3 is needed to fetch the onnxruntime wheel from PyPI"; exit 1; }
    say "fetching ONNX Runtime 1.32.0 (PyPI wheel, hash-pinned)"
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    "$py" -m pip download --quiet --no-deps --only-binary=:all: --require-hashes \
        --python-version 3.11 --platform manylinux_2_28_x86_64 --implementation cp \
        -r "$root/scripts/onnxruntime-requirements.txt" -d "$tmp"
    mkdir -p "$ort_dir"
    "$py" - "$tmp" "$ort_dir" <<'PY'
import glob, os, sys, zipfile
src, dst = sys.argv[1], sys.argv[2]
wheel = glob.glob(os.path.join(src, "onnxruntime-1.32.0-*.whl"))[0]
member = "onnxruntime/capi/libonnxruntime.so.1.32.0"
with zipfile.ZipFile(wheel) as z:
    tmp_path = os.path.join(dst, ".libonnxruntime.so.1.32.0.part")
    with z.open(member) as fin, open(tmp_path, "wb") as fout:
        fout.write(fin.read())
    os.replace(tmp_path, os.path.join(dst, "libonnxruntime.so.1.32.0"))
PY
    ln -sf libonnxruntime.so.1.32.0 "$ort_dir/libonnxruntime.so.1"
    ln -sf libonnxruntime.so.1 "$ort_dir/libonnxruntime.so"
    say "ONNX Runtime installed in ${ort_dir#$root/}"
fi
