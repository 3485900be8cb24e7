#!/usr/bin/env python3
"""The baseline liftcheck is measured against: the pipeline people write today in Python.

OpenCV (`cv2.VideoCapture`) decodes the clip, MediaPipe's PoseLandmarker (PyPI `mediapipe`,
Tasks API, VIDEO running mode, one pose) runs BlazePose on every frame. The model bundle is
built here from the *same* TFLite weights liftcheck's ONNX models were converted from (npm
`@mediapipe/pose@0.5.1675469404`): MediaPipe's `.task` format is a zip holding
`pose_detector.tflite` and `pose_landmarks_detector.tflite`, and MediaPipe needs each float
model to carry TFLite metadata saying how to normalise input pixels. The npm files have no
metadata, so `bundle` adds it (an extra flatbuffer buffer, nothing else changes) and checks
that every original buffer (all weights), tensor and operator is byte-for-byte unchanged.

  # 1. the .task bundle (the npm tarball is `npm pack @mediapipe/pose@0.5.1675469404`)
  python mediapipe_baseline.py bundle mediapipe-pose-0.5.1675469404.tgz -o pose_landmarker_full.task
  # 2. time it on a clip; prints one JSON object (time per frame, fps, real-time factor)
  python mediapipe_baseline.py run CLIP.mp4 --task pose_landmarker_full.task [--keypoints mp.json]
  # 3. same model, same answers: distance to liftcheck's keypoints (`analyze --keypoints lc.json`)
  python mediapipe_baseline.py compare lc.json mp.json

Needs `mediapipe` (tested with 1.2.3) and `opencv-python-headless` (see scripts/bench.sh).
"""
import argparse
import hashlib
import io
import json
import os
import sys
import tarfile
import time
import zipfile

# npm package member -> name inside the .task bundle, and the input normalisation each model was
# trained with (MediaPipe computes (pixel - mean) / std): detector [-1, 1], landmarks [0, 1].
MODELS = {
    "pose_detector.tflite": ("package/pose_solution_packed_assets.data", 127.5, 127.5),
    "pose_landmarks_detector.tflite": ("package/pose_landmark_full.tflite", 0.0, 255.0),
}
NPM_SPEC = "@mediapipe/pose@0.5.1675469404"
METADATA_NAME = "TFLITE_METADATA"
# Lowest metadata parser version that understands image properties and normalisation options.
MIN_PARSER_VERSION = "1.0.0"


def add_input_metadata(model_bytes, mean, std, name):
    """Returns the model with TFLite metadata (RGB image input, normalisation) added."""
    import flatbuffers
    from mediapipe.tasks.metadata import metadata_schema_py_generated as mfb
    from mediapipe.tasks.metadata import schema_py_generated as sfb

    model = sfb.ModelT.InitFromObj(sfb.Model.GetRootAsModel(model_bytes, 0))
    if any((m.name or b"").decode() == METADATA_NAME for m in (model.metadata or [])):
        raise SystemExit(f"{name}: already has metadata")
    graph = model.subgraphs[0]

    image = mfb.ImagePropertiesT()
    image.colorSpace = mfb.ColorSpaceType.RGB
    content = mfb.ContentT()
    content.contentPropertiesType = mfb.ContentProperties.ImageProperties
    content.contentProperties = image
    norm = mfb.NormalizationOptionsT()
    norm.mean, norm.std = [float(mean)], [float(std)]
    unit = mfb.ProcessUnitT()
    unit.optionsType = mfb.ProcessUnitOptions.NormalizationOptions
    unit.options = norm
    stats = mfb.StatsT()
    stats.max, stats.min = [(255.0 - mean) / std], [(0.0 - mean) / std]
    tin = mfb.TensorMetadataT()
    tin.name = "image"
    tin.content = content
    tin.processUnits = [unit]
    tin.stats = stats

    outputs = []
    for index in graph.outputs:
        t = mfb.TensorMetadataT()
        t.name = graph.tensors[index].name.decode()
        feature = mfb.ContentT()
        feature.contentPropertiesType = mfb.ContentProperties.FeatureProperties
        feature.contentProperties = mfb.FeaturePropertiesT()
        t.content = feature
        outputs.append(t)

    sub = mfb.SubGraphMetadataT()
    sub.inputTensorMetadata = [tin]
    sub.outputTensorMetadata = outputs
    meta = mfb.ModelMetadataT()
    meta.name = name
    meta.description = f"BlazePose weights from npm {NPM_SPEC}, unchanged; input normalisation metadata added"
    meta.license = "Apache-2.0"
    meta.subgraphMetadata = [sub]
    meta.minParserVersion = MIN_PARSER_VERSION
    b = flatbuffers.Builder(0)
    b.Finish(meta.Pack(b), file_identifier=b"M001")
    meta_bytes = bytes(b.Output())

    import numpy as np
    buf = sfb.BufferT()
    buf.data = np.frombuffer(meta_bytes, dtype=np.uint8)
    model.buffers.append(buf)
    entry = sfb.MetadataT()
    entry.name = METADATA_NAME
    entry.buffer = len(model.buffers) - 1
    model.metadata = (model.metadata or []) + [entry]
    b = flatbuffers.Builder(len(model_bytes) + 1024)
    b.Finish(model.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def check_unchanged(original, written, name):
    """Every original buffer, tensor and operator must be identical in the written model."""
    from mediapipe.tasks.metadata import schema_py_generated as sfb

    a = sfb.Model.GetRootAsModel(original, 0)
    b = sfb.Model.GetRootAsModel(written, 0)
    if b.BuffersLength() != a.BuffersLength() + 1:
        raise SystemExit(f"{name}: expected exactly one added buffer")
    for i in range(a.BuffersLength()):
        if a.Buffers(i).DataAsNumpy() is not None or b.Buffers(i).DataAsNumpy() is not None:
            da, db = a.Buffers(i).DataAsNumpy(), b.Buffers(i).DataAsNumpy()
            if isinstance(da, int) or isinstance(db, int):  # empty buffers read as 0
                if not (isinstance(da, int) and isinstance(db, int)):
                    raise SystemExit(f"{name}: buffer {i} differs")
            elif da.tobytes() != db.tobytes():
                raise SystemExit(f"{name}: buffer {i} differs")
    ga, gb = a.Subgraphs(0), b.Subgraphs(0)
    if ga.TensorsLength() != gb.TensorsLength() or ga.OperatorsLength() != gb.OperatorsLength():
        raise SystemExit(f"{name}: graph differs")
    for i in range(ga.TensorsLength()):
        ta, tb = ga.Tensors(i), gb.Tensors(i)
        if (ta.Name(), ta.Buffer(), ta.Type(), ta.ShapeAsNumpy().tolist() if ta.ShapeLength() else []) != (
            tb.Name(), tb.Buffer(), tb.Type(), tb.ShapeAsNumpy().tolist() if tb.ShapeLength() else []):
            raise SystemExit(f"{name}: tensor {i} differs")
    for i in range(ga.OperatorsLength()):
        oa, ob = ga.Operators(i), gb.Operators(i)
        ia = oa.InputsAsNumpy().tolist() if oa.InputsLength() else []
        ib = ob.InputsAsNumpy().tolist() if ob.InputsLength() else []
        if (oa.OpcodeIndex(), ia) != (ob.OpcodeIndex(), ib):
            raise SystemExit(f"{name}: operator {i} differs")
    return a.BuffersLength()


def cmd_bundle(args):
    sha = lambda b: hashlib.sha256(b).hexdigest()
    with tarfile.open(args.npm_tarball) as tar:
        sources = {task_name: tar.extractfile(member).read() for task_name, (member, _, _) in MODELS.items()}
    report = {"npm": NPM_SPEC, "tarball_sha256": sha(open(args.npm_tarball, "rb").read()), "models": {}}
    tmp = args.output + ".part"
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as z:
        for task_name, (member, mean, std) in MODELS.items():
            original = sources[task_name]
            written = add_input_metadata(original, mean, std, task_name)
            buffers = check_unchanged(original, written, task_name)
            z.writestr(task_name, written)
            report["models"][task_name] = {
                "source": member, "source_sha256": sha(original), "bundled_sha256": sha(written),
                "normalisation": {"mean": mean, "std": std}, "buffers_unchanged": buffers,
            }
    os.replace(tmp, args.output)
    json.dump(report, sys.stdout, indent=1)
    print()


def cmd_run(args):
    import cv2
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions
    from mediapipe.tasks.python import vision

    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=args.task),
        running_mode=vision.RunningMode.VIDEO,
        num_poses=1,
        output_segmentation_masks=args.segmentation,
    )
    started = time.perf_counter()
    landmarker = vision.PoseLandmarker.create_from_options(options)
    setup_s = time.perf_counter() - started
    cap = cv2.VideoCapture(args.video)
    if not cap.isOpened():
        raise SystemExit(f"{args.video}: cannot open")
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    frames = found = 0
    decode_s = convert_s = infer_s = 0.0
    last_ts = -1
    keypoints = [] if args.keypoints else None
    loop_started = time.perf_counter()
    while args.max_frames <= 0 or frames < args.max_frames:
        t0 = time.perf_counter()
        ok, bgr = cap.read()
        t1 = time.perf_counter()
        if not ok:
            break
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb)
        t2 = time.perf_counter()
        ts = int(round(cap.get(cv2.CAP_PROP_POS_MSEC)))
        ts = max(ts, last_ts + 1)  # VIDEO mode needs strictly increasing timestamps
        last_ts = ts
        result = landmarker.detect_for_video(image, ts)
        t3 = time.perf_counter()
        decode_s += t1 - t0
        convert_s += t2 - t1
        infer_s += t3 - t2
        frames += 1
        found += bool(result.pose_landmarks)
        if keypoints is not None:
            h, w = bgr.shape[:2]
            pose = result.pose_landmarks[0] if result.pose_landmarks else None
            keypoints.append(None if pose is None else [[lm.x * w, lm.y * h, lm.visibility] for lm in pose])
    loop_s = time.perf_counter() - loop_started
    landmarker.close()
    total_s = time.perf_counter() - started
    width = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))
    height = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    per = lambda s: 1000.0 * s / max(frames, 1)
    out = {
        "video": args.video, "width": width, "height": height, "fps": fps, "frames": frames,
        "frames_with_pose": found, "mediapipe": mp.__version__, "opencv": cv2.__version__,
        "setup_s": setup_s, "loop_s": loop_s, "total_s": total_s,
        "ms_per_frame": {"decode": per(decode_s), "convert": per(convert_s), "pose": per(infer_s),
                         "total": per(loop_s)},
        "fps_processed": frames / loop_s if loop_s > 0 else 0.0,
        "realtime_factor": (frames / fps) / total_s if total_s > 0 else 0.0,
    }
    if keypoints is not None:
        with open(args.keypoints, "w", encoding="utf-8") as f:
            json.dump({"video": args.video, "frames": keypoints}, f)
    print(json.dumps(out))


def cmd_compare(args):
    import math
    import statistics
    with open(args.liftcheck, encoding="utf-8") as f:
        ours = json.load(f)["frames"]
    with open(args.mediapipe, encoding="utf-8") as f:
        theirs = json.load(f)["frames"]
    if len(ours) != len(theirs):
        raise SystemExit(f"frame counts differ: {len(ours)} vs {len(theirs)}")
    every, body, both = [], [], 0
    for a, b in zip(ours, theirs):
        if not a.get("keypoints") or b is None:
            continue
        both += 1
        for k, (p, q) in enumerate(zip(a["keypoints"], b)):
            d = math.hypot(p[0] - q[0], p[1] - q[1])
            every.append(d)
            if k >= 11:
                body.append(d)
    if not every:
        raise SystemExit("no frame with a pose in both")
    p95 = lambda v: sorted(v)[int(0.95 * (len(v) - 1))]
    print(json.dumps({"frames": len(ours), "pose_in_both": both,
                      "median_px": statistics.median(every), "p95_px": p95(every),
                      "body_median_px": statistics.median(body), "body_p95_px": p95(body)}))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("bundle", help="build the PoseLandmarker .task from the npm BlazePose weights")
    p.add_argument("npm_tarball")
    p.add_argument("-o", "--output", required=True)
    p = sub.add_parser("run", help="time PoseLandmarker (VIDEO mode) on a clip")
    p.add_argument("video")
    p.add_argument("--task", required=True)
    p.add_argument("--segmentation", action="store_true", help="also output segmentation masks")
    p.add_argument("--max-frames", type=int, default=0)
    p.add_argument("--keypoints", metavar="FILE", help="write per-frame keypoints (x, y px, visibility) as JSON")
    p = sub.add_parser("compare", help="keypoint distance between liftcheck and the baseline on the same clip")
    p.add_argument("liftcheck", help="`liftcheck analyze --keypoints FILE.json` output")
    p.add_argument("mediapipe", help="`run --keypoints FILE` output")
    args = ap.parse_args()
    {"bundle": cmd_bundle, "run": cmd_run, "compare": cmd_compare}[args.cmd](args)


if __name__ == "__main__":
    main()
