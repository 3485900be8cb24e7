#!/usr/bin/env python3
"""Render a suite of labelled synthetic deadlift clips on demand.

  .venv-synth/bin/python scripts/synth/make_suite.py --n 8 --seed 1 --out .cache/synth/suite-1

Each clip gets its own seed (derived from the suite seed and its index) and a sampled
specification (lift, reps, faults with severities, view, resolution, fps, rotation metadata);
everything else is drawn from the clip seed by liftsynth.config.complete. Writes per clip
NNN.mp4 + NNN.json (ground truth) + configs/NNN.json (the input config, enough to re-render
it with render.py), and manifest.json describing the suite. Clips already rendered with the
same config are skipped, so an interrupted suite can be resumed.
"""
import argparse
import hashlib
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("PYOPENGL_PLATFORM", "egl")

SAGITTAL = ["thoracic_rounding", "lumbar_rounding", "hips_shoot_up", "shoulders_behind_bar",
            "bar_forward_of_midfoot", "bar_drift", "knees_forward", "head_up", "incomplete_lockout", "lean_back"]
FRONTAL = ["hip_shift", "uneven_bar"]
RDL = ["rdl_locked_knees", "rdl_rounding", "thoracic_rounding", "head_up", "lean_back"]
VIEW_P = {"side_left": 0.25, "side_right": 0.25, "front": 0.15, "rear": 0.1, "oblique_front": 0.15, "oblique_rear": 0.1}


def clip_spec(suite_seed, i, args):
    rng = np.random.default_rng([suite_seed, i])
    seed = int(suite_seed) * 1000 + i
    r = rng.random()
    variant = "romanian" if r < args.rdl_fraction else "sumo" if r < args.rdl_fraction + args.sumo_fraction else "conventional"
    reps = int(rng.integers(1, args.max_reps + 1))
    view_p = {v: p for v, p in VIEW_P.items() if not args.views or v in args.views}
    views = list(view_p)
    p = np.array(list(view_p.values()))
    view = views[int(rng.choice(len(views), p=p / p.sum()))]
    portrait = rng.random() < args.portrait_fraction
    fps = 60 if rng.random() < args.fps60_fraction else 30
    rot = 0
    if portrait:
        w, h = args.short_side, int(round(args.short_side * 16 / 9 / 2)) * 2
        rot = 90 if rng.random() < 0.6 else 0
    else:
        w, h = int(round(args.short_side * 16 / 9 / 2)) * 2, args.short_side
    faults = []
    if rng.random() >= args.good_fraction:
        if variant == "romanian":
            pool = RDL
        elif view in ("front", "rear"):
            pool = FRONTAL + ["head_up", "incomplete_lockout", "lean_back", "thoracic_rounding"]
        else:
            pool = SAGITTAL + (FRONTAL if view.startswith("oblique") else [])
        if args.kinds:
            pool = [k for k in pool if k in args.kinds]
        nf = 1 if rng.random() < 0.8 else 2
        kinds = list(rng.choice(pool, size=min(nf, len(pool)), replace=False)) if pool else []
        for k in kinds:
            sev = round(float(rng.uniform(0.3, 1.0)), 2)
            which = sorted(set(int(x) for x in rng.choice(np.arange(1, reps + 1), size=int(rng.integers(1, reps + 1)), replace=False)))
            fault = {"kind": str(k), "severity": sev, "reps": which}
            if args.rounding_onset != "setup" and k in ("thoracic_rounding", "lumbar_rounding"):
                fault["onset"] = args.rounding_onset
            faults.append(fault)
    camera = {"view": view}
    if args.roll_deg > 0:
        # A draw of its own, so suites rendered without a roll keep every other draw.
        camera["roll_deg"] = round(float(np.random.default_rng([suite_seed, i, 1]).uniform(-args.roll_deg, args.roll_deg)), 2)
    cfg = {"seed": seed, "lift": {"variant": variant, "reps": reps},
           "faults": faults, "camera": camera,
           "video": {"width": w, "height": h, "fps": fps, "rotation_meta": rot}}
    return cfg


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--short-side", type=int, default=360, help="short side of the frames in pixels")
    ap.add_argument("--max-reps", type=int, default=3)
    ap.add_argument("--good-fraction", type=float, default=0.3)
    ap.add_argument("--rdl-fraction", type=float, default=0.2)
    ap.add_argument("--sumo-fraction", type=float, default=0.15)
    ap.add_argument("--portrait-fraction", type=float, default=0.3)
    ap.add_argument("--fps60-fraction", type=float, default=0.2)
    ap.add_argument("--views", type=lambda v: v.split(","), default=None,
                    help=f"comma-separated views to draw from (default all: {','.join(VIEW_P)})")
    ap.add_argument("--kinds", type=lambda v: v.split(","), default=None,
                    help="comma-separated fault kinds to draw from (default all that suit the lift and view)")
    ap.add_argument("--rounding-onset", choices=["setup", "pull"], default="setup",
                    help="spine rounding already there at set-up (default) or appearing as the bar leaves the floor")
    ap.add_argument("--roll-deg", type=float, default=0.0,
                    help="turn each clip's camera about its lens axis by an angle drawn from [-D, D] degrees "
                         "(default 0: level)")
    ap.add_argument("--only", type=lambda v: [int(i) for i in v.split(",")], default=None,
                    help="comma-separated clip numbers (0-based) to render, out of the suite's --n; the "
                         "others are skipped (each clip is drawn from the suite seed and its number alone)")
    args = ap.parse_args()
    from liftsynth.motion import FAULT_KINDS
    for name, given, known in (("--views", args.views, list(VIEW_P)), ("--kinds", args.kinds, FAULT_KINDS)):
        unknown = [v for v in given or [] if v not in known]
        if unknown:
            ap.error(f"{name}: unknown {', '.join(unknown)} (known: {', '.join(known)})")
    from liftsynth import SCHEMA_VERSION, __version__
    from liftsynth.clip import render_clip
    os.makedirs(os.path.join(args.out, "configs"), exist_ok=True)
    man_path = os.path.join(args.out, "manifest.json")
    clips = []
    t0 = time.time()
    for i in range(args.n):
        if args.only is not None and i not in args.only:
            continue
        cfg = clip_spec(args.seed, i, args)
        name = f"{i:03d}"
        cpath = os.path.join(args.out, "configs", name + ".json")
        mp4 = os.path.join(args.out, name + ".mp4")
        gtp = os.path.join(args.out, name + ".json")
        blob = json.dumps(cfg, sort_keys=True)
        h = hashlib.sha256(blob.encode()).hexdigest()[:16]
        gt = None
        if os.path.exists(mp4) and os.path.exists(gtp) and os.path.exists(cpath):
            with open(cpath) as f:
                if json.dumps(json.load(f), sort_keys=True) == blob:
                    with open(gtp) as g:
                        gt = json.load(g)
                    print(f"[{name}] up to date", file=sys.stderr)
        if gt is None:
            with open(cpath, "w") as f:
                json.dump(cfg, f, indent=1)
            print(f"[{name}] {cfg['lift']['variant']} x{cfg['lift']['reps']} {cfg['camera']['view']} "
                  f"{cfg['video']['width']}x{cfg['video']['height']}@{cfg['video']['fps']} rot{cfg['video']['rotation_meta']} "
                  f"faults={[(f['kind'], f['severity'], f['reps']) for f in cfg['faults']]}", file=sys.stderr)
            gt = render_clip(cfg, mp4, log=lambda m: print(f"[{name}] {m}", file=sys.stderr))
        clips.append({
            "id": name, "file": name + ".mp4", "ground_truth": name + ".json", "config": "configs/" + name + ".json",
            "config_sha256_16": h, "seed": gt["seed"], "variant": gt["lift"]["variant"], "reps": gt["lift"]["reps"],
            "style": gt["lift"]["style"], "view": gt["camera"]["view"], "body_id": gt["subject"]["body_id"],
            "width": gt["video"]["width"], "height": gt["video"]["height"], "fps": gt["video"]["fps"],
            "rotation_meta": gt["video"]["rotation_meta"], "frame_count": gt["video"]["frame_count"],
            "faults": [dict(f, rep=r["index"]) for r in gt["reps"] for f in r["faults"]],
            "bystander": gt["config"]["scene"]["bystander"], "render_seconds": gt.get("_render_seconds"),
        })
        manifest = {"schema_version": SCHEMA_VERSION, "generator": f"liftcheck-synth {__version__}",
                    "suite_seed": args.seed, "n": args.n, "options": vars(args), "clips": clips}
        with open(man_path, "w") as f:
            json.dump(manifest, f, indent=1)
    print(f"suite of {args.n} clips in {time.time() - t0:.0f}s -> {man_path}", file=sys.stderr)


if __name__ == "__main__":
    main()
