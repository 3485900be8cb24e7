#!/usr/bin/env bash
# Creates the synthetic-clip generator's Python environment in .venv-synth/ (git-ignored),
# from PyPI, idempotently. Needs python3 (3.10+), ffmpeg and Mesa's EGL libraries
# (Debian: ffmpeg libegl1 libegl-mesa0 libgl1-mesa-dri); they are installed with apt-get
# when missing and we are root.
#
#   scripts/synth/setup.sh            renderer only (~350 MB)
#   scripts/synth/setup.sh --export   also torch + anny (~6 GB) to re-create data/bodies.npz
#                                     (skipped when the npz exists unless --force)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$root/.venv-synth"
say() { printf 'synth-setup: %s\n' "$*" >&2; }

export_too=0; force=0
for a in "$@"; do
    case "$a" in
        --export) export_too=1 ;;
        --force) force=1 ;;
        *) say "unknown option $a"; exit 2 ;;
    esac
done

missing=()
for pkg in ffmpeg libegl1 libegl-mesa0 libgl1-mesa-dri; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    if [[ $(id -u) -eq 0 ]]; then
        say "installing Debian packages: ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        say "please install: ${missing[*]}"; exit 1
    fi
fi

if [[ ! -x "$venv/bin/python" ]]; then
    say "creating $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --upgrade pip
fi
if ! "$venv/bin/python" -c "import numpy, scipy, PIL, trimesh, pyrender, OpenGL; assert OpenGL.__version__ == '3.1.10'" 2>/dev/null; then
    say "installing renderer dependencies"
    "$venv/bin/pip" install -q -r "$here/requirements.txt"
    "$venv/bin/pip" install -q --no-deps PyOpenGL==3.1.10
fi
PYOPENGL_PLATFORM=egl "$venv/bin/python" - <<'PY'
import os, numpy as np
if "infty" not in np.__dict__:
    np.infty = np.inf
import pyrender
r = pyrender.OffscreenRenderer(8, 8); r.delete()
PY
say "renderer ready (EGL ok)"

if ((export_too)); then
    if [[ -f "$here/data/bodies.npz" && $force -eq 0 ]]; then
        say "data/bodies.npz exists; not re-exporting (use --force)"
    else
        say "installing torch + anny (large download)"
        "$venv/bin/pip" install -q -r "$here/requirements-export.txt"
        "$venv/bin/python" "$here/export_bodies.py"
    fi
fi
