#!/usr/bin/env python3
"""Render one labelled synthetic deadlift clip.

  .venv-synth/bin/python scripts/synth/render.py --config scripts/synth/configs/side_good_2reps.json \
      --out tests/fixtures/side_good_2reps.mp4

Writes the mp4 and its ground truth beside it (same stem, .json). Fields missing from the
config are drawn from its seed (see liftsynth/config.py); `--set key=value` overrides
(dotted keys, JSON values), e.g. --set camera.view='"front"' --set seed=7.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("PYOPENGL_PLATFORM", "egl")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", help="JSON config (optional: everything can come from the seed)")
    ap.add_argument("--out", required=True, help="output .mp4 path")
    ap.add_argument("--set", action="append", default=[], help="override: dotted.key=JSON")
    ap.add_argument("--max-frames", type=int, default=None, help="render only the first N frames (preview)")
    args = ap.parse_args()
    cfg = {}
    if args.config:
        with open(args.config) as f:
            cfg = json.load(f)
    for s in args.set:
        k, v = s.split("=", 1)
        try:
            v = json.loads(v)
        except json.JSONDecodeError:
            pass
        node = cfg
        parts = k.split(".")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = v
    from liftsynth.clip import render_clip
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    render_clip(cfg, args.out, log=lambda m: print(m, file=sys.stderr), max_frames=args.max_frames)


if __name__ == "__main__":
    main()
