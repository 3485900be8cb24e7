#!/usr/bin/env python3
"""Consistency checks of ground-truth JSON files (schema version 1) and their videos.

  .venv-synth/bin/python scripts/synth/check_gt.py tests/fixtures/*.json samples/*.json

Checks: required keys; frame count and size against the mp4 (ffprobe, after rotation);
2D keypoints = projection of the 3D keypoints with K, R, t; COCO-17 = the matching BlazePose
points; events ordered within each rep; fault kinds known and frame ranges inside the rep.
Needs only numpy (and ffprobe for the video checks). Exit status 1 on any failure.
"""
import json
import os
import subprocess
import sys

import numpy as np

FAULTS = {"thoracic_rounding", "lumbar_rounding", "hips_shoot_up", "shoulders_behind_bar", "bar_forward_of_midfoot",
          "bar_drift", "knees_forward", "head_up", "incomplete_lockout", "lean_back", "hip_shift", "uneven_bar",
          "rdl_locked_knees", "rdl_rounding"}


def check(path):
    errs = []
    gt = json.load(open(path))
    for k in ("schema_version", "generator", "seed", "video", "camera", "subject", "lift", "reps", "frames",
              "keypoint_names"):
        if k not in gt:
            errs.append(f"missing key {k}")
    if gt.get("schema_version") != 1:
        errs.append("schema_version != 1")
    v = gt["video"]
    n = len(gt["frames"])
    if v["frame_count"] != n:
        errs.append(f"frame_count {v['frame_count']} != {n} frames")
    mp4 = os.path.join(os.path.dirname(path), v["file"])
    if os.path.exists(mp4):
        pr = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-count_frames", "-show_entries",
                             "stream=width,height,nb_read_frames,r_frame_rate:stream_side_data=rotation", "-of", "json", mp4],
                            capture_output=True, text=True)
        st = json.loads(pr.stdout)["streams"][0]
        rot = 0
        for sd in st.get("side_data_list", []):
            rot = int(sd.get("rotation", 0))
        if (rot + v["rotation_meta"]) % 360:
            errs.append(f"display matrix rotation {rot} vs rotation_meta {v['rotation_meta']}")
        if (st["width"], st["height"]) != (v["stored_width"], v["stored_height"]):
            errs.append(f"stored size {st['width']}x{st['height']} != {v['stored_width']}x{v['stored_height']}")
        if int(st["nb_read_frames"]) != n:
            errs.append(f"mp4 has {st['nb_read_frames']} frames, json {n}")
        num, den = st["r_frame_rate"].split("/")
        if abs(int(num) / int(den) - v["fps"]) > 1e-6:
            errs.append(f"fps {st['r_frame_rate']} != {v['fps']}")
    else:
        errs.append(f"no video {mp4}")
    cam = gt["camera"]
    K, R, t = np.array(cam["K"]), np.array(cam["R"]), np.array(cam["t"])
    names33 = gt["keypoint_names"]["blazepose33"]
    names17 = gt["keypoint_names"]["coco17"]
    worst = 0.0
    for f in gt["frames"]:
        X = np.array(f["joints3d"]["blazepose33"])
        Rf, tf = (np.array(f["camera"]["R"]), np.array(f["camera"]["t"])) if "camera" in f else (R, t)
        c = X @ Rf.T + tf
        uv = c[:, :2] / c[:, 2:3] @ K[:2, :2].T + K[:2, 2]
        kp = np.array([p[:2] for p in f["blazepose33"]])
        worst = max(worst, float(np.abs(uv - kp).max()))
        for j, nm in enumerate(names17):
            if f["coco17"][j] != f["blazepose33"][names33.index(nm)]:
                errs.append(f"frame {f['i']}: coco17 {nm} differs from blazepose33")
                break
        if len(f["blazepose33"]) != 33 or len(f["coco17"]) != 17:
            errs.append(f"frame {f['i']}: keypoint counts")
    if worst > 0.05:  # 3D values are rounded to 0.1 mm
        errs.append(f"2D keypoints differ from the projection of joints3d by up to {worst:.3f} px")
    for r in gt["reps"]:
        ev = [r.get(k) for k in ("setup_frame", "liftoff_frame", "knee_pass_frame", "lockout_frame", "setdown_frame")]
        ev = [e for e in ev if e is not None]
        if ev != sorted(ev):
            errs.append(f"rep {r['index']}: events out of order {ev}")
        rep_frames = [f["i"] for f in gt["frames"] if f["rep"] == r["index"]]
        for fl in r["faults"]:
            if fl["kind"] not in FAULTS:
                errs.append(f"unknown fault {fl['kind']}")
            if fl["frames"] and rep_frames and not (rep_frames[0] <= fl["frames"][0] <= fl["frames"][1] <= rep_frames[-1]):
                errs.append(f"rep {r['index']}: fault {fl['kind']} frames {fl['frames']} outside the rep")
    vis = np.array([[p[2] for p in f["blazepose33"]] for f in gt["frames"]])
    summary = (f"{os.path.basename(path)}: {n} frames {v['width']}x{v['height']}@{v['fps']} rot{v['rotation_meta']} "
               f"{cam['view']} {gt['lift']['variant']} x{gt['lift']['reps']}; vis2 {np.mean(vis == 2):.2f} "
               f"vis1 {np.mean(vis == 1):.2f} vis0 {np.mean(vis == 0):.2f}; reproj {worst:.3f}px; "
               f"faults {[(fl['kind'], r['index']) for r in gt['reps'] for fl in r['faults']]}")
    return errs, summary


def main():
    bad = 0
    for p in sys.argv[1:]:
        errs, summary = check(p)
        print(("FAIL " if errs else "ok   ") + summary)
        for e in errs:
            print("     " + e)
        bad += bool(errs)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
