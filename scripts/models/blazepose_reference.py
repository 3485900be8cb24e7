#!/usr/bin/env python3
"""BlazePose reference pipeline in numpy + OpenCV + ONNX Runtime.

A plain, step-by-step implementation of MediaPipe's BlazePose pipeline on the
ONNX models in models/, written so that liftcheck's Rust implementation can be
checked against it number by number. Every step follows MediaPipe's graph
(pose_detection + pose_landmark_by_roi + pose_landmarks_to_roi), without the
temporal smoothing MediaPipe adds in video mode.

Usage:
  blazepose_reference.py INPUT [-o OUT.json] [--model full|heavy] [--models-dir DIR]
                         [--max-frames N] [--every N] [--static] [--threads N]
                         [--refine-kernel K] [--aux-filter] [--draw DIR]

INPUT is an image, a video (anything cv2.VideoCapture reads) or a directory of
images taken as consecutive frames. --static runs the detector on every frame
(no tracking), as MediaPipe's static image mode; --every N keeps every Nth
frame (and implies --static). OUT.json (default: stdout) is

  {"input": ..., "width": W, "height": H, "fps": F, "model": "pose_landmark_full",
   "frames": [
     {"frame": 0, "time_ms": 33.3,                  # video timestamp; null for images
      "source": "tracking" | "detector" | null,     # how the ROI was found; null = no pose
      "detection": {"score", "box": [xmin, ymin, xmax, ymax], "keypoints": [[x, y] x4]} | null,
      "roi": {"cx", "cy", "side", "rotation"} | null,   # the landmark crop, frame pixels / radians
      "pose_flag": float | null,                     # of the landmark run that was kept (or the last tried)
      "keypoints": [{"x", "y", "z", "visibility", "presence"} x33] | null,
      "aux_keypoints": [{"x", "y"} x2] | null},       # landmarks 33 (hip centre) and 34 (scale point)
     ...]}

Coordinates: frame pixels in OpenCV's convention (integer = pixel centre),
x_px = x_normalised * width as MediaPipe does. z has the same scale as x
(crop z / 256 * ROI side), so MediaPipe's normalised z = z / width.
visibility and presence are sigmoids of the model's logits. "detection" is set
on frames where the detector ran (its box and keypoints in frame pixels).

Per frame (this is also what liftcheck does):
  1. if the previous frame gave a pose, run the landmark model on the ROI
     tracked from it; keep the result if pose_flag >= 0.5;
  2. otherwise run the detector on the whole frame, take the best detection
     after weighted NMS, build the ROI from its keypoints and run the landmark
     model; keep the result if pose_flag >= 0.5; else no pose on this frame.
Where MediaPipe (checked against PyPI mediapipe 0.10.21, which ships the same
weights; see compare_mediapipe.py) differs from the pipeline as documented:
  - heatmap refinement behaves as a 9x9 window, not the 7x7 its graph file
    states: this script uses 9 (--refine-kernel 7 for the other);
  - before building the tracking ROI it smooths landmarks 33/34 with a One-Euro
    filter, even with smooth_landmarks off: off here by default (liftcheck's
    documented pipeline), on with --aux-filter;
  - when tracking is lost it outputs nothing for that frame and only re-detects
    on the next one (here: re-detect on the same frame, as liftcheck does).
Static mode (--static) matches MediaPipe to a median 0.01-0.06 px per keypoint.

Videos: the orientation tag is applied by hand (CAP_PROP_ORIENTATION_AUTO off,
then rotate by CAP_PROP_ORIENTATION_META), as liftcheck does to work around
OpenCV 4.6 rotating 90/270 the wrong way.
"""
import argparse
import json
import math
import os
import sys

import cv2
import numpy as np
import onnxruntime as ort

# ---------------------------------------------------------------- constants

DET_SIZE = 224           # detector input side
LM_SIZE = 256            # landmark model input side
HEATMAP_SIZE = 64        # landmark heatmap side
NUM_ANCHORS = 2254
MIN_DETECTION_SCORE = 0.5
SCORE_CLIP = 100.0       # detector logits are clipped to +/- this before the sigmoid
NMS_IOU = 0.3            # weighted NMS: detections overlapping the best by more than this merge
ROI_SCALE = 1.25         # ROI side = 2 * |k1 - k0| * ROI_SCALE
MIN_POSE_FLAG = 0.5      # landmark model's "person present" probability to keep a pose
# Heatmap refinement window. MediaPipe's graph (tensors_to_pose_landmarks_and_segmentation)
# sets kernel_size 7, but the official build (PyPI mediapipe 0.10.21, same weights)
# behaves exactly as a 9x9 window [c-4, c+4]: matched to < 0.01 heatmap cell on
# every keypoint tried, where 7x7 leaves 0.5-15 px differences on body keypoints.
# See scripts/models/compare_mediapipe.py.
REFINE_KERNEL = 9
REFINE_MIN_CONFIDENCE = 0.5
NUM_LANDMARKS = 33       # returned keypoints; the model gives 39 (33 + 2 aux + 4 unused)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# ---------------------------------------------------------------- geometry

class Roi:
    """A square, rotated region of the frame: centre (cx, cy) and side in frame
    pixels, rotation in radians (positive = clockwise on screen, y down)."""

    def __init__(self, cx, cy, side, rotation):
        self.cx, self.cy, self.side, self.rotation = float(cx), float(cy), float(side), float(rotation)

    def crop_to_frame(self, size):
        """2x3 affine matrix taking crop pixel (u, v) of a size x size crop to frame
        pixel p = c + R(rotation) * ((u / size - 0.5) * side, (v / size - 0.5) * side).
        Same corner-to-corner mapping as MediaPipe's ImageToTensorCalculator
        (cv::getPerspectiveTransform from the RotatedRect's corners to the crop's)."""
        cos, sin = math.cos(self.rotation), math.sin(self.rotation)
        k = self.side / size
        half = size / 2.0
        return np.array([
            [cos * k, -sin * k, self.cx - (cos * half - sin * half) * k],
            [sin * k, cos * k, self.cy - (sin * half + cos * half) * k],
        ], dtype=np.float64)

    def project(self, u, v, size):
        """Crop pixel coordinates (u, v) in [0, size) -> frame pixels."""
        m = self.crop_to_frame(size)
        return m[0, 0] * u + m[0, 1] * v + m[0, 2], m[1, 0] * u + m[1, 1] * v + m[1, 2]

    def to_json(self):
        return {"cx": self.cx, "cy": self.cy, "side": self.side, "rotation": self.rotation}


def normalize_radians(angle):
    """To [-pi, pi), as MediaPipe's NormalizeRadians."""
    return angle - 2.0 * math.pi * math.floor((angle + math.pi) / (2.0 * math.pi))


def roi_from_points(center, scale_point):
    """MediaPipe's AlignmentPointsRectsCalculator (target angle 90 degrees) followed by
    RectTransformationCalculator (scale 1.25, square_long), in frame pixels:
    centre = `center`; side = 2 * |scale_point - center| * 1.25;
    rotation = pi/2 - atan2(-(y1 - y0), x1 - x0), normalised to [-pi, pi)."""
    x0, y0 = center
    x1, y1 = scale_point
    side = 2.0 * math.hypot(x1 - x0, y1 - y0) * ROI_SCALE
    rotation = normalize_radians(math.pi / 2.0 - math.atan2(-(y1 - y0), x1 - x0))
    return Roi(x0, y0, side, rotation)


def letterbox_roi(width, height):
    """The detector's view of the frame: the whole frame, centred in a square of
    side max(width, height) (equal padding on both sides), no rotation."""
    return Roi(width / 2.0, height / 2.0, max(width, height), 0.0)


def warp(frame, roi, size, border):
    """Cut `roi` out of the BGR uint8 `frame` into a size x size uint8 crop with ONE
    bilinear warp (as MediaPipe: warp the 8-bit image, then convert to float)."""
    return cv2.warpAffine(frame, roi.crop_to_frame(size), (size, size),
                          flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                          borderMode=border, borderValue=(0, 0, 0))


def to_rgb_float(crop_bgr, scale, offset):
    """BGR uint8 crop -> [1, H, W, 3] float32 RGB, pixel * scale + offset."""
    rgb = crop_bgr[:, :, ::-1].astype(np.float32)
    return np.ascontiguousarray((rgb * np.float32(scale) + np.float32(offset))[None])


# ---------------------------------------------------------------- detector

def ssd_anchors():
    """MediaPipe SsdAnchorsCalculator for pose_detection: 5 layers, strides
    [8, 16, 32, 32, 32], aspect ratio 1 plus the interpolated-scale anchor = 2 anchors
    per layer per cell; consecutive layers with the same stride share one grid
    (so the 7x7 grid has 6 anchors per cell); fixed anchor size 1x1; centre
    ((x + 0.5) / fm, (y + 0.5) / fm). Order: layer group, row, column, anchor.
    Returns [2254, 2] (x_center, y_center), normalised to the 224x224 input."""
    strides = [8, 16, 32, 32, 32]
    anchors = []
    layer = 0
    while layer < len(strides):
        last, per_cell = layer, 0
        while last < len(strides) and strides[last] == strides[layer]:
            per_cell += 2
            last += 1
        fm = math.ceil(DET_SIZE / strides[layer])
        for y in range(fm):
            for x in range(fm):
                for _ in range(per_cell):
                    anchors.append(((x + 0.5) / fm, (y + 0.5) / fm))
        layer = last
    a = np.array(anchors, dtype=np.float32)
    assert a.shape == (NUM_ANCHORS, 2)
    return a


def decode_detections(regressors, scores, anchors):
    """TensorsToDetectionsCalculator. regressors [1, 2254, 12] = cx, cy, w, h and 4
    keypoints (x, y), all in 224-px units relative to the anchor; scores [1, 2254, 1]
    logits. Returns (score [N], box [N, 4] xmin ymin xmax ymax, keypoints [N, 4, 2]),
    normalised to the 224x224 letterboxed input, for scores >= 0.5."""
    raw = regressors[0].astype(np.float64)
    score = sigmoid(np.clip(scores[0, :, 0].astype(np.float64), -SCORE_CLIP, SCORE_CLIP))
    keep = score >= MIN_DETECTION_SCORE
    raw, score, anc = raw[keep], score[keep], anchors[keep].astype(np.float64)
    cx = raw[:, 0] / DET_SIZE + anc[:, 0]          # anchor w = h = 1
    cy = raw[:, 1] / DET_SIZE + anc[:, 1]
    w = raw[:, 2] / DET_SIZE
    h = raw[:, 3] / DET_SIZE
    box = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)
    kx = raw[:, 4::2] / DET_SIZE + anc[:, :1]
    ky = raw[:, 5::2] / DET_SIZE + anc[:, 1:]
    return score, box, np.stack([kx, ky], axis=2)


def iou(a, b):
    """MediaPipe's OverlapSimilarity (intersection over union) of two xmin ymin xmax ymax boxes."""
    ix = min(a[2], b[2]) - max(a[0], b[0])
    iy = min(a[3], b[3]) - max(a[1], b[1])
    if ix < 0 or iy < 0:      # Rectangle_f::Intersects is false only for disjoint boxes
        return 0.0
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def weighted_nms(score, box, kps):
    """NonMaxSuppressionCalculator, WEIGHTED, IoU threshold 0.3. Take the best
    remaining detection; every remaining detection (itself included) whose IoU
    with it is > 0.3 is merged: box and keypoints become the score-weighted mean,
    the score stays the best one's. Returns a list of (score, box, keypoints),
    best first."""
    order = list(np.argsort(-score, kind="stable"))
    out = []
    while order:
        best = order[0]
        merged, rest = [], []
        for i in order:
            (merged if iou(box[best], box[i]) > NMS_IOU else rest).append(i)
        w = score[merged][:, None]
        total = w.sum()
        m_box = (box[merged] * w).sum(axis=0) / total
        m_kps = (kps[merged] * w[:, :, None]).sum(axis=0) / total
        out.append((float(score[best]), m_box, m_kps))
        order = rest
    return out


# ---------------------------------------------------------------- landmarks

def refine_with_heatmap(xy, heatmap, kernel=REFINE_KERNEL):
    """RefineLandmarksFromHeatmapCalculator (min confidence 0.5; window: see REFINE_KERNEL).
    xy [39, 2] normalised crop coordinates; heatmap [64, 64, 39] logits.
    For each landmark: the kernel x kernel window around cell (int(x * 64), int(y * 64)),
    clipped to the map; weights = sigmoid(heatmap); if the window's largest
    weight >= 0.5, x = sum(col * w) / sum(w) / 64, y = sum(row * w) / sum(w) / 64
    (cell index, not cell centre: that is MediaPipe's formula). Other landmarks,
    and those whose cell is outside the map, are left as they are."""
    out = xy.copy()
    h, w, n = heatmap.shape
    off = (kernel - 1) // 2
    for i in range(n):
        col, row = int(xy[i, 0] * w), int(xy[i, 1] * h)   # C++ static_cast<int>: truncates toward 0
        if col < 0 or col >= w or row < 0 or row >= h:
            continue
        r0, r1 = max(0, row - off), min(h, row + off + 1)
        c0, c1 = max(0, col - off), min(w, col + off + 1)
        conf = sigmoid(heatmap[r0:r1, c0:c1, i].astype(np.float64))
        total = conf.sum()
        if conf.max() >= REFINE_MIN_CONFIDENCE and total > 0:
            rows, cols = np.mgrid[r0:r1, c0:c1]
            out[i, 0] = (cols * conf).sum() / w / total
            out[i, 1] = (rows * conf).sum() / h / total
    return out


# ---------------------------------------------------------------- MediaPipe's aux-landmark filter

class OneEuroFilter:
    """mediapipe/util/filtering/one_euro_filter.cc, scalar, timestamps in seconds."""

    def __init__(self, min_cutoff, beta, derivate_cutoff, frequency=30.0):
        self.min_cutoff, self.beta, self.derivate_cutoff = min_cutoff, beta, derivate_cutoff
        self.frequency = frequency          # Hz, re-estimated from timestamps
        self.last_time = 0.0
        self.x = self.x_raw = None          # low-pass state of the value (filtered, last raw)
        self.dx = None                      # low-pass state of the derivative

    def alpha(self, cutoff):
        te = 1.0 / self.frequency
        tau = 1.0 / (2.0 * math.pi * cutoff)
        return 1.0 / (1.0 + tau / te)

    def apply(self, t, value_scale, value):
        # Same quirks as the C++: a timestamp not after the last one (so also a first
        # timestamp of 0) passes the value through untouched.
        if self.last_time >= t:
            return value
        if self.last_time != 0 and t != 0:
            self.frequency = 1.0 / (t - self.last_time)
        self.last_time = t
        dvalue = 0.0 if self.x_raw is None else (value - self.x_raw) * value_scale * self.frequency
        a = self.alpha(self.derivate_cutoff)
        self.dx = dvalue if self.dx is None else a * dvalue + (1.0 - a) * self.dx
        a = self.alpha(self.min_cutoff + self.beta * abs(self.dx))
        self.x = value if self.x is None else a * value + (1.0 - a) * self.x
        self.x_raw = value
        return self.x


class AuxLandmarkFilter:
    """MediaPipe's PoseLandmarkFiltering for the two auxiliary landmarks (33, 34),
    which it applies even with smooth_landmarks off, before building the next
    frame's ROI. As compiled into PyPI mediapipe 0.10.21 (read from its graph):
    LandmarksSmoothingCalculator, One-Euro filter min_cutoff 0.01, beta 10.0,
    derivate_cutoff 1.0, on pixel coordinates, with the velocity scaled by
    1 / object scale, where object scale comes from OBJECT_SCALE_ROI = the
    unscaled aligned rect of the two points: (w + h) / 2 = 2 * |p1 - p0|.
    (The public pbtxt in some versions says beta 1.0 and no OBJECT_SCALE_ROI.)"""

    MIN_CUTOFF, BETA, DERIVATE_CUTOFF = 0.01, 10.0, 1.0

    def __init__(self):
        self.reset()

    def reset(self):
        self.filters = None

    def apply(self, t, pts):
        pts = np.asarray(pts, dtype=np.float64)
        scale = 2.0 * math.hypot(*(pts[1] - pts[0]))
        if scale < 1e-6:
            return pts
        if self.filters is None:
            self.filters = [[OneEuroFilter(self.MIN_CUTOFF, self.BETA, self.DERIVATE_CUTOFF) for _ in range(2)]
                            for _ in pts]
        return np.array([[f.apply(t, 1.0 / scale, v) for f, v in zip(fs, p)]
                         for fs, p in zip(self.filters, pts)])


class BlazePoseReference:
    def __init__(self, models_dir, model="full", threads=1, refine_kernel=REFINE_KERNEL,
                 aux_filter=False):
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1

        def session(name):
            return ort.InferenceSession(os.path.join(models_dir, name + ".onnx"), so,
                                        providers=["CPUExecutionProvider"])
        self.detector = session("pose_detection")
        self.landmark_name = "pose_landmark_" + model
        self.landmark = session(self.landmark_name)
        self.anchors = ssd_anchors()
        self.refine_kernel = refine_kernel   # 0 = no heatmap refinement
        # MediaPipe smooths landmarks 33/34 before the tracking ROI (off by default: see process()).
        self.aux_filter = AuxLandmarkFilter() if aux_filter else None
        self.tracking = None      # ROI for the next frame, from the last pose's aux landmarks

    def reset(self):
        self.tracking = None
        if self.aux_filter:
            self.aux_filter.reset()

    # -- detector ----------------------------------------------------------
    def detect(self, frame):
        """Best detection after weighted NMS, in frame pixels, or None."""
        height, width = frame.shape[:2]
        lb = letterbox_roi(width, height)
        crop = warp(frame, lb, DET_SIZE, cv2.BORDER_CONSTANT)
        x = to_rgb_float(crop, 1.0 / 127.5, -1.0)       # [-1, 1]; the zero border becomes -1
        regressors, scores = self.detector.run(["regressors", "scores"], {"input": x})
        found = weighted_nms(*decode_detections(regressors, scores, self.anchors))
        if not found:
            return None
        score, box, kps = found[0]
        # Letterboxed input (normalised) -> frame pixels: the crop->frame warp matrix.
        m = lb.crop_to_frame(DET_SIZE)

        def to_frame(xn, yn):
            u, v = xn * DET_SIZE, yn * DET_SIZE
            return (m[0, 0] * u + m[0, 1] * v + m[0, 2], m[1, 0] * u + m[1, 1] * v + m[1, 2])
        x0, y0 = to_frame(box[0], box[1])
        x1, y1 = to_frame(box[2], box[3])
        return {"score": score, "box": [x0, y0, x1, y1],
                "keypoints": [list(to_frame(kx, ky)) for kx, ky in kps]}

    # -- landmark model ----------------------------------------------------
    def landmarks(self, frame, roi):
        """Runs the landmark model on `roi`. Returns (pose_flag, points [39, 5] with
        x, y, z in frame pixels and visibility, presence as probabilities)."""
        crop = warp(frame, roi, LM_SIZE, cv2.BORDER_REPLICATE)
        x = to_rgb_float(crop, 1.0 / 255.0, 0.0)         # [0, 1]
        raw, flag, heatmap = self.landmark.run(["landmarks", "pose_flag", "heatmap"], {"input": x})
        flag = float(flag[0, 0])                         # already a probability
        lm = raw[0].reshape(39, 5).astype(np.float64)    # x, y, z (crop px), visibility, presence logits
        xy = lm[:, :2] / LM_SIZE                         # normalised crop coordinates
        if self.refine_kernel:
            xy = refine_with_heatmap(xy, heatmap[0], self.refine_kernel)
        pts = np.empty((39, 5))
        # Projection (LandmarkProjectionCalculator): p = c + R * ((x - 0.5) * side, (y - 0.5) * side).
        pts[:, 0], pts[:, 1] = roi.project(xy[:, 0] * LM_SIZE, xy[:, 1] * LM_SIZE, LM_SIZE)
        pts[:, 2] = lm[:, 2] / LM_SIZE * roi.side        # z scaled like x
        pts[:, 3] = sigmoid(lm[:, 3])
        pts[:, 4] = sigmoid(lm[:, 4])
        return flag, pts

    # -- one frame ---------------------------------------------------------
    def process(self, frame, t=None):
        """Pose on one BGR uint8 frame, with tracking from the previous call.
        `t` (seconds) is only used by the optional aux-landmark filter."""
        result = {"source": None, "detection": None, "roi": None, "pose_flag": None,
                  "keypoints": None, "aux_keypoints": None}
        roi, pts, source = self.tracking, None, None
        self.tracking = None
        if roi is not None:
            flag, p = self.landmarks(frame, roi)
            result.update(roi=roi.to_json(), pose_flag=flag)
            if flag >= MIN_POSE_FLAG:
                pts, source = p, "tracking"
        if pts is None:
            det = self.detect(frame)
            result["detection"] = det
            if det is not None:
                # Keypoint 0 = hip centre, 1 = a point above it giving scale and rotation.
                roi = roi_from_points(det["keypoints"][0], det["keypoints"][1])
                flag, p = self.landmarks(frame, roi)
                result.update(roi=roi.to_json(), pose_flag=flag)
                if flag >= MIN_POSE_FLAG:
                    pts, source = p, "detector"
        if pts is None:
            if self.aux_filter:
                self.aux_filter.reset()     # MediaPipe's filter restarts when the pose is lost
            return result
        result["source"] = source
        result["keypoints"] = [
            {"x": x, "y": y, "z": z, "visibility": v, "presence": pr}
            for x, y, z, v, pr in pts[:NUM_LANDMARKS].tolist()]
        result["aux_keypoints"] = [{"x": pts[i, 0], "y": pts[i, 1]} for i in (33, 34)]
        # Next frame's ROI: landmark 33 (hip centre) and 34 (scale point), same rule as the detector's.
        aux = pts[33:35, :2]
        if self.aux_filter:
            aux = self.aux_filter.apply(t, aux)
        self.tracking = roi_from_points(aux[0], aux[1])
        return result


# ---------------------------------------------------------------- input / output

IMAGE_EXTS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")


def read_frames(path):
    """Yields a metadata dict, then (index, time_ms, BGR frame) for each frame.
    `path` is an image, a video, or a directory of images (sorted by name, one
    frame each, e.g. frames extracted once so that two tools see identical pixels)."""
    if os.path.isdir(path):
        names = sorted(n for n in os.listdir(path) if n.lower().endswith(IMAGE_EXTS))
        if not names:
            raise SystemExit(f"{path}: no images")
        first = cv2.imread(os.path.join(path, names[0]), cv2.IMREAD_COLOR)
        yield {"width": first.shape[1], "height": first.shape[0], "fps": None, "files": names}
        for i, n in enumerate(names):
            yield i, None, cv2.imread(os.path.join(path, n), cv2.IMREAD_COLOR)
        return
    img = cv2.imread(path, cv2.IMREAD_COLOR) if path.lower().endswith(IMAGE_EXTS) else None
    if img is not None:
        yield {"width": img.shape[1], "height": img.shape[0], "fps": None}
        yield 0, None, img
        return
    cap = cv2.VideoCapture(path)
    if not cap.isOpened():
        raise SystemExit(f"{path}: neither an image nor a video OpenCV can read")
    # Apply the rotation tag ourselves (OpenCV 4.6's automatic rotation is wrong for 90/270).
    cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 0)
    angle = int(cap.get(cv2.CAP_PROP_ORIENTATION_META)) % 360
    rotate = {90: cv2.ROTATE_90_COUNTERCLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_CLOCKWISE}.get(angle)
    w, h = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    if angle in (90, 270):
        w, h = h, w
    yield {"width": w, "height": h, "fps": cap.get(cv2.CAP_PROP_FPS)}
    i = 0
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        t = cap.get(cv2.CAP_PROP_POS_MSEC)   # timestamp of the frame just read
        if rotate is not None:
            frame = cv2.rotate(frame, rotate)
        yield i, t, frame
        i += 1


def rounded(obj, digits=4):
    if isinstance(obj, float):
        return round(obj, digits)
    if isinstance(obj, dict):
        return {k: rounded(v, digits) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [rounded(v, digits) for v in obj]
    return obj


SKELETON = [(11, 12), (11, 13), (13, 15), (12, 14), (14, 16), (11, 23), (12, 24), (23, 24),
            (23, 25), (25, 27), (27, 29), (29, 31), (27, 31), (24, 26), (26, 28), (28, 30),
            (30, 32), (28, 32), (7, 0), (0, 8)]


def draw(frame, res):
    out = frame.copy()
    if res["roi"]:
        r = res["roi"]
        roi = Roi(r["cx"], r["cy"], r["side"], r["rotation"])
        corners = [roi.project(u, v, 1) for u, v in ((0, 0), (1, 0), (1, 1), (0, 1))]
        cv2.polylines(out, [np.round(np.array(corners) * 16).astype(np.int32)], True, (0, 200, 255), 2,
                      cv2.LINE_AA, shift=4)
    if res["keypoints"]:
        kp = res["keypoints"]
        for a, b in SKELETON:
            pa, pb = (kp[a]["x"], kp[a]["y"]), (kp[b]["x"], kp[b]["y"])
            cv2.line(out, tuple(int(round(v * 16)) for v in pa), tuple(int(round(v * 16)) for v in pb),
                     (255, 255, 255), 2, cv2.LINE_AA, shift=4)
        for i, k in enumerate(kp):
            color = (0, 255, 0) if i % 2 == 1 and i >= 7 else (0, 0, 255) if i >= 7 else (255, 128, 0)
            cv2.circle(out, (int(round(k["x"] * 16)), int(round(k["y"] * 16))), 4 * 16, color, -1,
                       cv2.LINE_AA, shift=4)
    return out


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("input", help="image, video, or directory of images (consecutive frames)")
    ap.add_argument("-o", "--output", help="JSON file to write (default: stdout)")
    ap.add_argument("--model", choices=["full", "heavy"], default="full")
    ap.add_argument("--models-dir", default=os.path.normpath(os.path.join(here, "..", "..", "models")))
    ap.add_argument("--max-frames", type=int, default=None)
    ap.add_argument("--threads", type=int, default=1, help="ONNX Runtime intra-op threads")
    ap.add_argument("--refine-kernel", type=int, default=REFINE_KERNEL, metavar="K",
                    help=f"heatmap refinement window (default {REFINE_KERNEL}; 7 = MediaPipe's graph "
                         "option, 0 = no refinement)")
    ap.add_argument("--every", type=int, default=1, metavar="N", help="process every Nth frame only")
    ap.add_argument("--static", action="store_true",
                    help="no tracking: run the detector on every frame (MediaPipe's static image mode)")
    ap.add_argument("--aux-filter", action="store_true",
                    help="smooth landmarks 33/34 with MediaPipe's One-Euro filter before the tracking ROI "
                         "(MediaPipe always does; liftcheck's pipeline as documented does not)")
    ap.add_argument("--draw", metavar="DIR", help="also write annotated frames (JPEG) here")
    args = ap.parse_args(argv)

    pose = BlazePoseReference(args.models_dir, args.model, args.threads, args.refine_kernel, args.aux_filter)
    frames = read_frames(args.input)
    meta = next(frames)
    if args.draw:
        os.makedirs(args.draw, exist_ok=True)
    records = []
    for i, t, frame in frames:
        if args.max_frames is not None and i >= args.max_frames:
            break
        if i % args.every:
            continue
        if args.static or args.every > 1:
            pose.reset()
        # Timestamp for the aux filter: the video's, else 30 fps from 1/30 s on (as
        # MediaPipe's Python solution API simulates them).
        secs = (t / 1000.0) if t is not None else (i + 1) / 30.0
        res = pose.process(frame, secs)
        records.append({"frame": i, "time_ms": t, **res})
        if args.draw:
            cv2.imwrite(os.path.join(args.draw, f"frame_{i:05d}.jpg"), draw(frame, res))
    doc = {"input": args.input, **meta, "model": pose.landmark_name, "frames": records}
    text = json.dumps(rounded(doc), separators=(",", ":"))
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text + "\n")
        found = sum(r["keypoints"] is not None for r in records)
        dets = sum(r["detection"] is not None for r in records)
        print(f"{args.input}: {len(records)} frames, pose on {found}, detector on {dets} -> {args.output}",
              file=sys.stderr)
    else:
        sys.stdout.write(text + "\n")


if __name__ == "__main__":
    main()
