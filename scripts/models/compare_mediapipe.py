#!/usr/bin/env python3
"""Compare blazepose_reference.py with the official MediaPipe pose pipeline.

MediaPipe (PyPI `mediapipe==0.10.21`, legacy `mp.solutions.pose`) bundles the very
same BlazePose weights: its pose_landmark_full.tflite is byte-identical to the npm
one, and its pose_detection.tflite gives bit-identical outputs to the npm
pose_solution_packed_assets.data. It needs NumPy 1, so it lives in its own venv.

  # 1. frames as PNG, decoded once so both sides see identical pixels
  .venv-models/bin/python scripts/models/compare_mediapipe.py frames CLIP.mp4 FRAMES_DIR [--every N]
  # 2. the reference on them (--static: detector on every frame, like MediaPipe's static mode)
  .venv-models/bin/python scripts/models/blazepose_reference.py FRAMES_DIR --static -o ref.json
  # 3. MediaPipe on them, in a venv with mediapipe==0.10.21 "numpy<2" opencv-python-headless
  #    (pip install --no-deps mediapipe==0.10.21; then numpy<2, opencv-python-headless,
  #    protobuf<5, absl-py, attrs, flatbuffers)
  VENV_MP/bin/python scripts/models/compare_mediapipe.py mediapipe FRAMES_DIR --static -o mp.json
  # 4. pixel differences per keypoint
  .venv-models/bin/python scripts/models/compare_mediapipe.py diff ref.json mp.json

Without --static, both run in video mode on consecutive frames: MediaPipe with
smooth_landmarks=False; give the reference --aux-filter, since MediaPipe still
smooths the two auxiliary landmarks that place the next frame's ROI. Tracking
feeds each frame's result into the next crop, so tiny numeric differences
(ONNX Runtime vs TFLite) grow over a clip: expect sub-pixel medians with
outliers of several pixels rather than the static mode's exact match.

A convenient place for the MediaPipe venv is .cache/models-build/venv-mediapipe
(git-ignored).
"""
import argparse
import json
import os
import sys


def cmd_frames(args):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import cv2
    from blazepose_reference import read_frames
    os.makedirs(args.out_dir, exist_ok=True)
    frames = read_frames(args.video)
    next(frames)
    n = 0
    for i, _, frame in frames:
        if i % args.every == 0:
            cv2.imwrite(os.path.join(args.out_dir, f"frame_{i:05d}.png"), frame)
            n += 1
    print(f"{n} frames -> {args.out_dir}", file=sys.stderr)


def cmd_mediapipe(args):
    import cv2
    import mediapipe as mp
    names = sorted(n for n in os.listdir(args.frames_dir) if n.endswith(".png"))
    records = []
    with mp.solutions.pose.Pose(static_image_mode=args.static, model_complexity=1,
                                smooth_landmarks=False, enable_segmentation=False,
                                min_detection_confidence=0.5, min_tracking_confidence=0.5) as pose:
        for i, n in enumerate(names):
            bgr = cv2.imread(os.path.join(args.frames_dir, n), cv2.IMREAD_COLOR)
            h, w = bgr.shape[:2]
            res = pose.process(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            kps = None
            if res.pose_landmarks:
                kps = [{"x": lm.x * w, "y": lm.y * h, "z": lm.z * w, "visibility": lm.visibility,
                        "presence": lm.presence} for lm in res.pose_landmarks.landmark]
            records.append({"frame": i, "file": n, "keypoints": kps})
    with open(args.output, "w", encoding="utf-8") as f:
        json.dump({"input": args.frames_dir, "mediapipe": mp.__version__, "frames": records}, f)


def cmd_diff(args):
    import numpy as np
    with open(args.ref, encoding="utf-8") as f:
        ref = json.load(f)["frames"]
    with open(args.mp, encoding="utf-8") as f:
        mpf = json.load(f)["frames"]
    assert len(ref) == len(mpf), (len(ref), len(mpf))
    d_all, d_body, vis, only_ref, only_mp = [], [], [], 0, 0
    for r, m in zip(ref, mpf):
        if r["keypoints"] is None or m["keypoints"] is None:
            only_ref += r["keypoints"] is not None
            only_mp += m["keypoints"] is not None
            continue
        a = np.array([[k["x"], k["y"]] for k in r["keypoints"]])
        b = np.array([[k["x"], k["y"]] for k in m["keypoints"]])
        d = np.hypot(*(a - b).T)
        d_all.append(d)
        d_body.append(d[11:])            # shoulders down: what liftcheck uses
        vis.append(np.abs(np.array([k["visibility"] for k in r["keypoints"]])
                          - np.array([k["visibility"] for k in m["keypoints"]])))
        if args.verbose:
            print(f"frame {r['frame']:4d}: median {np.median(d):.3f} px, max {d.max():.3f} px (kp {int(d.argmax())})")
    print(f"frames: {len(ref)}, pose in both: {len(d_all)}, only reference: {only_ref}, only MediaPipe: {only_mp}")
    if d_all:
        d_all, d_body, vis = np.array(d_all), np.array(d_body), np.array(vis)
        per_frame_max = d_all.max(axis=1)
        print(f"keypoint distance (px): median {np.median(d_all):.3f}, p95 {np.percentile(d_all, 95):.3f}, "
              f"max {d_all.max():.3f}; body (11-32) median {np.median(d_body):.3f}, max {d_body.max():.3f}")
        print(f"per-frame max (px): median {np.median(per_frame_max):.3f}, worst {per_frame_max.max():.3f} "
              f"(frame {ref[int(np.argmax(per_frame_max))]['frame']})")
        print(f"visibility |diff|: median {np.median(vis):.4f}, max {vis.max():.4f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("frames")
    p.add_argument("video")
    p.add_argument("out_dir")
    p.add_argument("--every", type=int, default=1)
    p = sub.add_parser("mediapipe")
    p.add_argument("frames_dir")
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--static", action="store_true")
    p = sub.add_parser("diff")
    p.add_argument("ref")
    p.add_argument("mp")
    p.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    {"frames": cmd_frames, "mediapipe": cmd_mediapipe, "diff": cmd_diff}[args.cmd](args)


if __name__ == "__main__":
    main()
