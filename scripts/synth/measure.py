#!/usr/bin/env python3
"""Measurements behind the analysis' calibrated limits, on rendered clips with ground truth.

Runs `liftcheck analyze` on each clip (keypoints are cached, so a second run is quick) and
compares liftcheck's keypoints (`pred`) with the renderer's (`gt`). Standard library only.

  measure.py lockout DIR...  side views, per rep of every variant (column `variant`) over the
                             first 0.4 s of lockout: trunk lean (hip to shoulder) and whole-body lean
                             (mid-foot to shoulder), degrees, negative = leaning back
                             (limit `lockout_lean_back_max_deg`; the whole-body lean
                             judges no lean-back of its own, `BODY_LEAN_NEUTRAL_BACK_DEG`)
  measure.py wrists DIR...   side views, per rep from set-up to lockout: the largest
                             horizontal distance of the near wrist from the true bar, px
                             (why bar drift follows the plate)
  measure.py head DIR...     side views, per rep from set-up to knee pass: the face direction
                             (ear to nose) and the neck (shoulder to ear) against the trunk
                             line, degrees (why the head rule cannot be calibrated on 360p renders)
  measure.py back DIR...     side views, conventional and sumo reps: the ground truth's thoracic
                             and lumbar flexion at set-up over the lifter's neutral, and added
                             from set-up to lockout, beside liftcheck's added bend of the upper
                             and lower back outline and of its fold at mid-trunk
                             (`upper_back_rounding_max_deg`, `mid_back_fold_max_deg`,
                             `lower_back_rounding_max_deg`)
  measure.py liftoff-back DIR...
                             side views (and any clip without ground truth), per rep: the
                             back outline's absolute shape over the 0.3 s up to lift-off
                             (upper and lower half bend, fold at mid-trunk; degrees) and the
                             trunk angle, and the fold as the rule
                             reads it at lift-off (`rule_fold`,
                             `mid_back_lift_off_fold_max_deg`), beside the
                             true thoracic and lumbar flexion at lift-off over the lifter's
                             neutral: can a back rounded from the set-up on be told from the
                             outline alone?
  measure.py outline [--format N] [--sagitta fit|max] DIR...
                             every clip: the frame-to-frame change of the back outline's
                             bend (upper and lower half), robust spread and 95th percentile,
                             from liftcheck's cached tracks (cache format N, default the
                             newest; `max` = the sagitta as the largest deviation, as before
                             cache format 7) - the outline's noise
  measure.py lockout-legs DIR...
                             side views, per detected conventional rep: the near thigh and
                             shin length over the first 0.4 s of lockout, against their 90th
                             percentile over the clip (raw keypoints, visibility >= 0.5), beside
                             the rep's lockout angles, whether incomplete lockout was found and
                             the true knee angle: does a knee guessed behind the plate show as a
                             short segment?
  measure.py lockout-outline DIR...
                             side views, per conventional or sumo rep over the first 0.4 s of
                             lockout: the true trunk lean (median) beside the least forward
                             lean of straight lines fitted to the back outline (whole, upper
                             half, and the lesser of the two per frame, as
                             `analysis::back::lean` reads it before cleaning), degrees
                             (`lockout_outline_lean_max_deg`)
  measure.py lockout-outline-lean DIR...
                             side views, per detected conventional or sumo rep: the back
                             outline's forward lean at its most upright in the lockout as the
                             incomplete-lockout rule reads it (rep metric
                             `lockout_outline_lean_deg`) and the shoulders' lean behind the
                             mid-foot at their furthest back (`lockout_body_lean_back_deg`),
                             beside whether the rule found an incomplete lockout and the true
                             faults, grouped incomplete lockouts / good / other faults
                             (`lockout_outline_lean_max_deg`)
  measure.py lean-back DIR...
                             side views, per detected rep: the lean-back rule's readings
                             (rep metrics: trunk, mid-foot-to-shoulder line, whole back
                             outline; degrees back past vertical) beside the true variant
                             and faults, grouped lean-backs / good / other faults
                             (`lockout_outline_lean_back_max_deg`)
  measure.py hips-rise DIR...
                             side views, per detected rep: the hips-rise rule's readings
                             (rep metrics: the trunk's tip towards horizontal and the hip
                             rise over the shoulder rise, from the start of the pull to
                             knee pass) beside the true faults and the render's own trunk
                             change from set-up to knee pass, and the trunk where the
                             early pull starts (`start_trunk`, the rule's plausibility
                             limit `EARLY_PULL_MIN_START_TRUNK_DEG`), grouped hips-first /
                             good / other faults (`hip_rise_trunk_change_max_deg`,
                             `hip_shoulder_rise_ratio_max`)
  measure.py lockout-knees DIR...
                             side views, per detected rep: the largest knee angle read over
                             the lockout (lockout to descent, every frame), the pose model's
                             visibility of the near knee there (median over the 12 frames
                             from lockout, and frame by frame), whether an incomplete
                             lockout was found and the true faults
                             (`LOCKOUT_KNEE_MIN_VISIBILITY`)
  measure.py rdl-bottom DIR...
                             side-view Romanian deadlifts at each rep's true bottom frame:
                             the near hip, knee, ankle and heel keypoints' distance from the
                             render's (px), the near knee's and ankle's visibility, the true
                             knee angle, the knee angle on the frame's own keypoints and the
                             one liftcheck reports on the still ankle (`Body::ankle`,
                             `STILL_ANKLE_MAX_SHIN_LEG_FRAC`)
  measure.py back-findings DIR...
                             every finding of the back-rounding rules: how long it lasts,
                             its reading against its limit, whether the rep it falls in
                             truly has that rounding (`back_bend_min_hold_s`), and how far
                             off side-on the view was estimated (`BACK_OUTLINE_MAX_YAW_DEG`
                             in src/analysis/checks/rounding.rs)
  measure.py findings DIR...  the same for every rule's findings; with `--config F`, F setting
                             `finding_min_hold_s` (and `back_bend_min_hold_s`) to 0, the
                             findings the holds remove
  measure.py side-on DIR...  every clip: the share of posed frames whose near foot passes the
                             pose stage's per-frame side-view test, by true view
                             (`SIDE_VIEW_MEMORY_S`)
  measure.py sanity DIR...   every view: poses no deadlifter takes (the model's poses with the
                             trunk past 120 degrees from upright or the hip-to-ankle line past
                             90 degrees from straight down, against the truth's largest), and
                             the wrist's distance from its shoulder over the arm's length (90th
                             percentile over the clip) during the reps, true and predicted, with
                             the predicted wrist's error by band (`MAX_TRUNK_FROM_UPRIGHT_DEG`,
                             `MAX_LEGS_FROM_DOWN_DEG`, `STRAIGHT_ARM_MIN_FRAC`)
  measure.py arms DIR...     oblique views: the shorter arm (shoulder to wrist) over the longer
                             one on the same frame, true (every frame of the render's 2-D
                             keypoints) and liftcheck's (its keypoints, both wrists and
                             shoulders at visibility >= 0.3): least value and frames under 0.7
                             per clip, then over all clips
                             (`STRAIGHT_ARM_MIN_FRAC`, `drop_arms_shorter_than_their_partner`)
  measure.py arm-angle DIR...
                             every view: how far the arm (shoulder to wrist) points from straight
                             down, the render's (every frame, and during the reps) and
                             liftcheck's raw keypoints, with the predicted wrist's error in arm
                             lengths by band of that angle (`MAX_ARM_FROM_DOWN_DEG`)
  measure.py rdl-knees DIR...
                             side-view Romanian deadlifts, per detected rep: the knee angle at
                             the bottom as liftcheck reads it (rep metric `bottom_knee_deg`)
                             beside the render's knee at the true rep's bottom frame, whether
                             a locked knee was found and whether it truly is one, the leg's
                             length in px, then the ranges per group and the reading's error
                             (`rdl_knee_locked_min_deg`)
  measure.py rdl-back DIR...
                             side-view Romanian deadlifts, per detected rep: the back
                             outline's fold at mid-trunk (and its halves' bends, the trunk) over
                             the bottom window, the rule's verdict and the true rep's rounding,
                             then the fold's range per group (`rdl_rounding_max_deg`)
  measure.py rdl-hips DIR...
                             side-view Romanian deadlifts, per true rep: the hip's drop from
                             standing to the bottom as read and true, the lift read, the knee
                             (why some Romanian sets read as conventional pulls)
  measure.py setup DIR...    side views, per detected rep: the set-up readings (rep metrics
                             `setup_shoulder_bar_deg`, `setup_bar_midfoot_pct_leg`,
                             `setup_knee_midfoot_pct_leg`, `setup_knee_deg`, `setup_hip_deg`,
                             `setup_trunk_deg`) beside the true rep's faults, grouped by the
                             set-up faults (shoulders behind the bar, knees forward, bar ahead
                             of mid-foot), then the ranges per group; the `found` column reads
                             "no" for the shoulders and bar rules unless `--config F` turns
                             them on (`setup_position_findings = true`)
  measure.py setup-errors DIR...
                             side views, per true rep two frames before its lift-off (bar on
                             the floor): the set-up reading `bar_midfoot_pct_leg` beside the
                             truth, split into liftcheck's error on the bar (`bar_x_px` against
                             the render's bar centre) and on the mid-foot (against the
                             render's), and the render's own near wrist against its bar, % of
                             leg length, forward positive; then percentiles (why the bar over
                             mid-foot cannot be judged from the hands)
  measure.py lr-span DIR...  front and rear views, every frame with a pose: the shoulders' and
                             the hips' horizontal span as a fraction of its 90th percentile over
                             the clip, beside how far the line's tilt is off the render's,
                             degrees, in bands of that fraction (`LR_SPAN_MIN_FRACTION`)
  measure.py bar-drift DIR...
                             side views, per detected rep: the bar's forward travel (rep metric
                             `bar_drift_pct_leg`), where the bar was read from (plate or hands),
                             whether a drift was found and the true faults, then the ranges per
                             group (`bar_drift_max_leg_frac`)
  measure.py lockout-thighs DIR...
                             side views, per detected lockout: the near thigh's height (hip over
                             knee, both at visibility >= 0.5, median over 0.4 s) in leg lengths,
                             the lockout hip and knee angles, whether an incomplete lockout was
                             found, the true knee and faults
  measure.py upright DIR... every clip, also without ground truth (the real ones): the share of
                             frames with a pose, and the 5th percentile and the median over
                             them of the model's hip-to-ankle line from straight down, degrees
                             (`NEVER_UPRIGHT_MIN_DEG`: a rotated video reads about 90 or 180)
  measure.py plates DIR...   side views: the near plate's radius from liftcheck's scale (45 cm
                             plate) against the renderer's median radius, and their ratio
  measure.py plates-found DIR...
                             side views: the frames with a pose, and the plates liftcheck kept
                             (cached track) that are the near plate (centre and radius within
                             a quarter of its radius), the far one, or neither; the plate is
                             searched on every other frame at 30 fps, so at most half the
                             frames can have one; last, how far the near wrist keypoint lies
                             from the true near plate's centre, in its radii
                             (`MAX_CENTRE_OFFSET_RADII`), and how far above it; and how far
                             perspective puts the true near plate's centre below the bar's
                             middle
  measure.py imbalance DIR...
                             front and rear views, per detected rep: the largest change from
                             set-up of the shoulder, hip and bar (wrist) line tilt, degrees, and
                             of the hips' sideways shift, and the knees' furthest inside the
                             hip-ankle line, % of leg length, beside the true faults
                             (`imbalance_tilt_max_deg`, `imbalance_bar_tilt_max_deg`,
                             `imbalance_shift_max_leg_frac`, `knee_inward_max_leg_frac`)
  measure.py frontal-liftoff DIR...
                             front and rear views, per detected rep: the hips' offset from the
                             ankles' centre (% of leg length) and the hip and shoulder lines'
                             tilt off level (degrees) at lift-off, beside the true hip shift
                             there (why the hip shift counts from the set-up, not from centre)
  measure.py variant DIR...  every view: what liftcheck notes when it infers the variant: the
                             knee angle at the bottom (side views), the hip drop, and where a
                             plate is seen the plate clearance, and where that reads on the
                             floor the trunk angle at the bottom, and where no knee angle
                             is read the thigh's height at the bottom over its height standing
                             (`rdl_min_bottom_knee_deg`, `rdl_max_hip_drop_leg_frac`,
                             `rdl_floor_reach_min_trunk_deg`, `rdl_min_bottom_thigh_frac`,
                             `rdl_upright_thighs_max_hip_drop_leg_frac`;
                             FLOOR_CONTACT_MAX_RADII in src/analysis/reps.rs); rendered clips
                             only (real clips: `liftcheck analyze CLIP --json F`, `details`)

  measure.py wrist-bar DIR...
                             side views, the render's own keypoints: the bar's centre below
                             the near wrist while the bar is in the hands, leg lengths,
                             percentiles (`WRIST_ABOVE_BAR_LEG_FRAC`)
  measure.py torso DIR...    every clip: the torso (shoulders' midpoint to hips' midpoint, px)
                             of liftcheck's poses against the render's on the same frame, and
                             the runs of frames where it is under 1/1.6 of the render's (a
                             collapsed skeleton; `LOST_REGION_TORSO_FACTOR` in
                             src/pose/blazepose.rs)
  measure.py roll DIR...     every clip, also without ground truth (the real ones): the camera's
                             roll as liftcheck reads it from the background (`camera_roll_deg`,
                             whether it was corrected, or why it was not read) beside the
                             render's (`camera.roll_deg`, 0 for suites rendered level), and the
                             error's spread (`level::MIN_CORRECTED_ROLL_DEG`); on front and rear
                             views also the roll read from the standing lifter's midline
                             (`standing_roll_deg`; `STANDING_HEIGHT_FRACTION` in
                             src/analysis/kinematics.rs) and its error's spread
  measure.py events DIR...   conventional and sumo clips, per detected rep (matched to the true
                             rep with the nearest lockout, within 30 frames): lift-off, lockout
                             and set-down, liftcheck's frame minus the render's; then per event
                             the spread of those errors and the reps off by 12 frames or more
                             (0.4 s at 30 fps; `FLOOR_STILL_S`, `FLOOR_BAND_TOLS` in
                             src/analysis/reps.rs), and how the second and later reps of
                             touch-and-go and dead-stop sets were called
  measure.py tracks-diff CACHE_A CACHE_B
                             two keypoint caches (LIFTCHECK_CACHE folders) of the same clips from
                             two builds: keypoints and plates identical or not, back outline
                             points apart (px); for a pose-stage change meant to keep the tracks

`measure.py --config FILE MODE DIR...` passes a thresholds file (from `liftcheck config`) to
liftcheck, e.g. to compare a setting's values.

DIR holds clips as rendered by make_suite.py (NNN.mp4 + NNN.json). The liftcheck binary is
target/release/liftcheck unless $LIFTCHECK is set; run through scripts/run.sh once first so the
models and ONNX Runtime are in place.
"""
import glob
import json
import math
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("LIFTCHECK", os.path.join(ROOT, "target", "release", "liftcheck"))


EXTRA_ARGS = []  # e.g. ["--config", FILE] from the command line


def liftcheck(mp4, *args):
    env = dict(os.environ)
    ort = os.path.join(ROOT, ".deps", "onnxruntime", "libonnxruntime.so")
    if "ORT_DYLIB_PATH" not in env and os.path.exists(ort):
        env["ORT_DYLIB_PATH"] = ort
    subprocess.run([BIN, "analyze", mp4, "-q", *EXTRA_ARGS, *args], env=env, capture_output=True, check=False)


def clips(dirs):
    for d in dirs:
        for gt_path in sorted(glob.glob(os.path.join(d, "*.json"))):
            mp4 = gt_path[:-5] + ".mp4"
            if not os.path.exists(mp4):
                continue
            gt = json.load(open(gt_path))
            if "frames" in gt and "camera" in gt:
                yield mp4, gt


def predicted(mp4):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "k.json")
        liftcheck(mp4, "--keypoints", out)
        if not os.path.exists(out):
            print(f"{mp4}: no keypoints (liftcheck analyze failed)")
            return None
        return json.load(open(out))["frames"]


def predicted_keypoints(mp4):
    """Per frame, liftcheck's keypoints (or None without a pose); None when it could not run."""
    frames = predicted(mp4)
    return None if frames is None else [f["keypoints"] for f in frames]


def analysis(mp4):
    """liftcheck's JSON report for `mp4`, or None when liftcheck could not analyse it."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "a.json")
        liftcheck(mp4, "--json", out)
        if not os.path.exists(out):
            print(f"{mp4}: not analysed (liftcheck analyze failed)")
            return None
        return json.load(open(out))


class Side:
    """A side-view clip's keypoints in canonical coordinates (x forward, y up)."""

    def __init__(self, gt):
        self.names = {n: i for i, n in enumerate(gt["keypoint_names"]["blazepose33"])}
        self.near = "left" if gt["camera"]["view"] == "side_left" else "right"
        first = gt["frames"][0]["blazepose33"]
        toe, heel = first[self.names[self.near + "_foot_index"]], first[self.names[self.near + "_heel"]]
        self.forward = 1.0 if toe[0] > heel[0] else -1.0

    def point(self, kps, name):
        i = self.names[name if name == "nose" else self.near + "_" + name]
        return (kps[i][0] * self.forward, -kps[i][1])

    def midfoot(self, frames, confident):
        """Median over the clip of the near heel-toe midpoint (pred: both visible >= 0.5)."""
        xs, ys = [], []
        for kps in frames:
            if not kps:
                continue
            h, t = kps[self.names[self.near + "_heel"]], kps[self.names[self.near + "_foot_index"]]
            if confident and (h[3] < 0.5 or t[3] < 0.5):
                continue
            xs.append((h[0] + t[0]) / 2 * self.forward)
            ys.append(-(h[1] + t[1]) / 2)
        return (median(xs), median(ys)) if xs else None


def percentiles(values, qs=(0.1, 0.25, 0.5, 0.75, 0.9)):
    """The values at the shares `qs` of the sorted values (the nearest rank below)."""
    values = sorted(values)
    return [values[min(int(len(values) * q), len(values) - 1)] for q in qs]


def median(values):
    values = sorted(values)
    return values[len(values) // 2] if values else float("nan")


def from_vertical(low, high):
    """Angle of the line low -> high from vertical, degrees, forward positive."""
    return math.degrees(math.atan2(high[0] - low[0], high[1] - low[1]))


def between(u, v):
    """Signed angle from direction u to direction v, degrees."""
    return math.degrees(math.atan2(u[0] * v[1] - u[1] * v[0], u[0] * v[0] + u[1] * v[1]))


def side_clips(dirs):
    for mp4, gt in clips(dirs):
        if gt["camera"]["view"].startswith("side"):
            yield mp4, gt, Side(gt)


def side_pulls(dirs):
    """Side-view conventional and sumo clips (every variant but the Romanian deadlift)."""
    for mp4, gt, side in side_clips(dirs):
        if gt["lift"]["variant"] != "romanian":
            yield mp4, gt, side


def analysed_side_pulls(dirs):
    """Side-view conventional and sumo clips with liftcheck's JSON report (clips liftcheck could
    not analyse are skipped)."""
    for mp4, gt, side in side_pulls(dirs):
        a = analysis(mp4)
        if a is not None:
            yield mp4, gt, side, a


def lockout(dirs):
    print("clip rep variant source trunk_most_back body_most_back labels")
    for mp4, gt, side in side_clips(dirs):
        pred = predicted_keypoints(mp4)
        if pred is None:
            continue
        truth = [f["blazepose33"] for f in gt["frames"]]
        fps = gt["video"]["fps"]
        for rep in gt["reps"]:
            start = rep["lockout_frame"]
            end = min(start + int(0.4 * fps), rep["setdown_frame"] or len(truth) - 1, len(truth) - 1)
            for source, frames, confident in (("gt", truth, False), ("pred", pred, True)):
                mid = side.midfoot(frames, confident)
                trunk, body = [], []
                for f in range(start, end + 1):
                    if not frames[f]:
                        continue
                    shoulder = side.point(frames[f], "shoulder")
                    trunk.append(from_vertical(side.point(frames[f], "hip"), shoulder))
                    if mid:
                        body.append(from_vertical(mid, shoulder))
                labels = ",".join(x["kind"] for x in rep["faults"]) or "-"
                print(f"{mp4} {rep['index']} {gt['lift']['variant']} {source} {min(trunk, default=float('nan')):.1f} "
                      f"{min(body, default=float('nan')):.1f} {labels}")


def wrists(dirs):
    print("clip rep largest_pred_wrist_off_bar_px largest_gt_wrist_off_bar_px")
    for mp4, gt, side in side_clips(dirs):
        pred = predicted(mp4)
        if pred is None:
            continue
        wrist = side.names[side.near + "_wrist"]
        for rep in gt["reps"]:
            a = rep["setup_frame"] or 0
            b = rep["lockout_frame"]
            off_pred, off_gt = [], []
            for f in range(a, b + 1):
                bar = gt["frames"][f].get("bar")
                if not bar:
                    continue
                off_gt.append(abs(gt["frames"][f]["blazepose33"][wrist][0] - bar["center"][0]))
                if pred[f]["keypoints"]:
                    off_pred.append(abs(pred[f]["keypoints"][wrist][0] - bar["center"][0]))
            print(f"{mp4} {rep['index']} {max(off_pred, default=float('nan')):.1f} "
                  f"{max(off_gt, default=float('nan')):.1f}")


def head(dirs):
    print("clip rep face_gt face_pred neck_gt neck_pred labels")
    for mp4, gt, side in side_clips(dirs):
        pred = predicted_keypoints(mp4)
        if pred is None:
            continue
        for rep in gt["reps"]:
            if rep.get("liftoff_frame") is None:
                continue
            a, b = rep["setup_frame"], rep["knee_pass_frame"] or rep["lockout_frame"]
            out = {}
            for source, frames in (("gt", [f["blazepose33"] for f in gt["frames"]]), ("pred", pred)):
                face, neck = [], []
                for f in range(a, b + 1):
                    if not frames[f]:
                        continue
                    p = lambda n: side.point(frames[f], n)  # noqa: E731
                    trunk = (p("shoulder")[0] - p("hip")[0], p("shoulder")[1] - p("hip")[1])
                    face.append(between(trunk, (p("nose")[0] - p("ear")[0], p("nose")[1] - p("ear")[1])))
                    neck.append(between(trunk, (p("ear")[0] - p("shoulder")[0], p("ear")[1] - p("shoulder")[1])))
                out[source] = (median(face), median(neck))
            labels = ",".join(x["kind"] for x in rep["faults"]) or "-"
            print(f"{mp4} {rep['index']} {out['gt'][0]:.1f} {out['pred'][0]:.1f} "
                  f"{out['gt'][1]:.1f} {out['pred'][1]:.1f} {labels}")


def back(dirs):
    print("clip rep thoracic_setup thoracic_added upper_pred fold_pred lumbar_setup lumbar_added lower_pred labels")
    for mp4, gt, side, a in analysed_side_pulls(dirs):
        form = gt["config"]["form"]
        for rep in gt["reps"]:
            if None in (rep.get("liftoff_frame"), rep.get("setup_frame"), rep.get("lockout_frame")):
                continue
            frames = gt["frames"][rep["setup_frame"]:rep["lockout_frame"] + 1]
            # Rounded at set-up: flexion over the lifter's neutral; added: most over set-up later.
            setup = {k: frames[0]["angles"][k + "_flexion"] - form[k] for k in ("thoracic", "lumbar")}
            added = {k: max(f["angles"][k + "_flexion"] for f in frames) - frames[0]["angles"][k + "_flexion"]
                     for k in ("thoracic", "lumbar")}
            lift_off = gt["frames"][rep["liftoff_frame"]]["t"]
            found = [r for r in a["reps"] if r.get("lift_off") is not None]
            pred = min(found, key=lambda r: abs(r["lift_off"]["time_s"] - lift_off), default=None)
            if pred is not None and abs(pred["lift_off"]["time_s"] - lift_off) > 1.0:
                pred = None
            m = pred["metrics"] if pred else {}
            fmt = lambda v: "-" if v is None else f"{v:.1f}"  # noqa: E731
            labels = ",".join(x["kind"] + ("@" + x.get("onset", "setup") if "rounding" in x["kind"] else "")
                              for x in rep["faults"]) or "-"
            print(f"{mp4} {rep['index']} {setup['thoracic']:.1f} {added['thoracic']:.1f} "
                  f"{fmt(m.get('upper_back_change_deg'))} {fmt(m.get('mid_back_fold_change_deg'))} "
                  f"{setup['lumbar']:.1f} {added['lumbar']:.1f} "
                  f"{fmt(m.get('lower_back_change_deg'))} {labels}")


def analysis_and_frames(mp4):
    """liftcheck's JSON report and its per-frame CSV rows (cleaned metrics) for `mp4`."""
    import csv
    with tempfile.TemporaryDirectory() as tmp:
        out, rows = os.path.join(tmp, "a.json"), os.path.join(tmp, "f.csv")
        liftcheck(mp4, "--json", out, "--csv", rows)
        if not (os.path.exists(out) and os.path.exists(rows)):
            return None, None
        with open(rows) as f:
            return json.load(open(out)), list(csv.DictReader(f))


def window_median(rows, column, first, last):
    values = [float(r[column]) for r in rows[max(first, 0):last + 1] if r.get(column)]
    return median(values) if values else None


def lockout_legs(dirs):
    """Thigh and shin lengths at lockout against the clip's, per detected conventional rep."""
    print("clip rep thigh shin lockout_hip lockout_knee found true_knee labels")
    for mp4, gt, side, a in analysed_side_pulls(dirs):
        frames = predicted_keypoints(mp4)
        if frames is None:
            continue
        # The renderer's near side for both the lengths and the true knee angle.
        names, near = side.names, side.near

        def length(kps, j1, j2):
            p, q = kps[names[near + "_" + j1]], kps[names[near + "_" + j2]]
            if p[3] < 0.5 or q[3] < 0.5:
                return None
            return math.dist(p[:2], q[:2])

        def lengths(kps_list, seg):
            return [v for kps in kps_list if kps for v in [length(kps, *seg)] if v is not None]

        def reference(seg):
            values = sorted(lengths(frames, seg))
            return values[int(0.9 * (len(values) - 1))] if values else float("nan")

        def fmt(v):
            return "-" if v is None else f"{v:.0f}"

        segments = (("hip", "knee"), ("knee", "ankle"))
        ref = {seg: reference(seg) for seg in segments}
        fps = gt["video"]["fps"]
        truth_reps = [r for r in gt["reps"] if r.get("lockout_frame") is not None]
        for rep in a["reps"]:
            lock = (rep.get("lockout") or {}).get("frame")
            set_down = (rep.get("set_down") or {}).get("frame")
            if lock is None or not truth_reps:
                continue
            end = min(lock + int(0.4 * fps), set_down if set_down is not None else len(frames) - 1, len(frames) - 1)
            ratio = {seg: median([v / ref[seg] for v in lengths(frames[lock:end + 1], seg)]) for seg in segments}
            found = any(f["check"] == "incomplete_lockout" and f["rep"] == rep["number"] for f in a["findings"])
            truth = min(truth_reps, key=lambda r: abs(r["lockout_frame"] - lock))
            true_knee = gt["frames"][truth["lockout_frame"]]["angles"]["knee_L" if near == "left" else "knee_R"]
            labels = ",".join(x["kind"] for x in truth["faults"]) or "-"
            m = rep["metrics"]
            print(f"{mp4} {rep['number']} {ratio[segments[0]]:.2f} {ratio[segments[1]]:.2f} "
                  f"{fmt(m.get('lockout_hip_deg'))} {fmt(m.get('lockout_knee_deg'))} {int(found)} {true_knee:.0f} {labels}")


def plates(dirs):
    """Side views: the plate radius liftcheck found (from its scale) against the renderer's."""
    print("clip true_radius found_radius ratio")
    for mp4, gt, side in side_clips(dirs):
        radii = sorted(f["bar"]["plate_near"]["radius"] for f in gt["frames"]
                       if f.get("bar") and f["bar"].get("plate_near"))
        if not radii:
            continue
        true = radii[len(radii) // 2]
        a = analysis(mp4)
        if a is None:
            continue
        scale = a.get("scale_cm_per_px")
        if scale:
            found = 22.5 / scale
            print(f"{mp4} {true:.1f} {found:.1f} {found / true:.2f}")
        else:
            print(f"{mp4} {true:.1f} - -")


def predicted_wrist(pose):
    """The near wrist as the pose stage picks it for the plate search (`track::near_side`): the
    side whose shoulder, hip, wrist, heel and toe are the more visible."""
    kp = pose["keypoints"]
    left, right = (11, 23, 15, 29, 31), (12, 24, 16, 30, 32)
    score = lambda side: sum(kp[i]["visibility"] for i in side)
    wrist = kp[(left if score(left) >= score(right) else right)[2]]
    return (wrist["x"], wrist["y"])


def plates_found(dirs):
    """Side views: how often the pose stage's plate is the true near plate, the far one, or
    something else."""
    def matches(plate, truth):
        if not truth:
            return False
        dx = plate["center"]["x"] - truth["center"][0]
        dy = plate["center"]["y"] - truth["center"][1]
        return (math.hypot(dx, dy) < 0.25 * truth["radius"]
                and abs(plate["radius"] - truth["radius"]) < 0.25 * truth["radius"])

    print("clip frames_with_pose plates near far other")
    totals = [0, 0, 0, 0, 0]
    # The near wrist keypoint's distance from the true near plate's centre, in its radii.
    wrist_offsets = []
    # ... and how far above it, in its radii (image down positive).
    wrist_heights = []
    # The true near plate's centre below the bar's middle (perspective), in its radii.
    plate_drops = []
    for mp4, gt, side in side_clips(dirs):
        track = track_of(mp4)
        if track is None:
            continue
        row = [sum(1 for f in track["frames"] if f.get("pose")), 0, 0, 0, 0]
        for frame, truth in zip(track["frames"], gt["frames"]):
            near = (truth.get("bar") or {}).get("plate_near")
            if frame.get("pose") and near:
                wrist = predicted_wrist(frame["pose"])
                wrist_offsets.append(math.dist(wrist, near["center"]) / near["radius"])
                wrist_heights.append((near["center"][1] - wrist[1]) / near["radius"])
            bar = truth.get("bar") or {}
            if near and bar.get("center"):
                plate_drops.append((near["center"][1] - bar["center"][1]) / near["radius"])
        for plate, frame in zip(track["plates"], gt["frames"]):
            if not plate:
                continue
            bar = frame.get("bar") or {}
            kind = 2 if matches(plate, bar.get("plate_near")) else 3 if matches(plate, bar.get("plate_far")) else 4
            row[1] += 1
            row[kind] += 1
        totals = [a + b for a, b in zip(totals, row)]
        print(mp4, *row)
    print("all", *totals)
    if wrist_offsets:
        shares = " ".join(f"{sum(o <= r for o in wrist_offsets) / len(wrist_offsets):.2f} within {r}"
                          for r in (1.0, 1.5, 2.0))
        print(f"near wrist from the true near plate's centre, in its radii, over {len(wrist_offsets)} "
              f"frames with a pose: {shares}")
        heights = sorted(wrist_heights)
        print("near wrist above the true near plate's centre, in its radii, 10th / 50th / 90th percentile: "
              + " / ".join(f"{heights[int(q * (len(heights) - 1))]:.2f}" for q in (0.1, 0.5, 0.9)))
    if plate_drops:
        drops = sorted(plate_drops)
        print("true near plate's centre below the bar's middle (perspective), in its radii, 10th / 50th / "
              "90th percentile: " + " / ".join(f"{drops[int(q * (len(drops) - 1))]:.2f}" for q in (0.1, 0.5, 0.9)))


def liftoff_back(dirs):
    """The back outline's absolute shape just before lift-off, beside the true flexion there."""
    print("clip rep thoracic_liftoff lumbar_liftoff trunk upper lower fold rule_fold labels")
    fmt = lambda v: "-" if v is None else f"{v:.1f}"  # noqa: E731
    for d in dirs:
        for mp4 in sorted(glob.glob(os.path.join(d, "*.mp4"))):
            gt_path = mp4[:-4] + ".json"
            gt = json.load(open(gt_path)) if os.path.exists(gt_path) else None
            if gt and (not gt["camera"]["view"].startswith("side") or gt["lift"]["variant"] == "romanian"):
                continue
            a, rows = analysis_and_frames(mp4)
            if a is None:
                print(f"{mp4}: not analysed (liftcheck analyze failed)", file=sys.stderr)
                continue
            if a["view"]["view"] != "side":
                continue
            window = max(1, int(round(LIFTOFF_BACK_WINDOW_S * a["fps"])))
            for rep in a["reps"]:
                lift = (rep.get("lift_off") or {}).get("frame")
                if lift is None:
                    continue
                values = [window_median(rows, c, lift - window, lift)
                          for c in ("trunk_deg", "upper_back_deg", "lower_back_deg", "mid_back_fold_deg")]
                truth, labels = ("-", "-"), "?"
                if gt:
                    t = rep["lift_off"]["time_s"]
                    near = min(gt["reps"], key=lambda r: abs(gt["frames"][r["liftoff_frame"]]["t"] - t)
                               if r.get("liftoff_frame") is not None else 1e9)
                    if near.get("liftoff_frame") is None or abs(gt["frames"][near["liftoff_frame"]]["t"] - t) > 1.0:
                        continue
                    form = gt["config"]["form"]
                    f0 = gt["frames"][near["liftoff_frame"]]["angles"]
                    truth = tuple(f"{f0[k + '_flexion'] - form[k]:.1f}" for k in ("thoracic", "lumbar"))
                    labels = ",".join(x["kind"] + ("@" + x.get("onset", "setup") if "rounding" in x["kind"] else "")
                                      for x in near["faults"]) or "-"
                rule = rep["metrics"].get("lift_off_mid_back_fold_deg")
                print(f"{mp4} {rep['number']} {truth[0]} {truth[1]} {' '.join(fmt(v) for v in values)} "
                      f"{fmt(rule)} {labels}")


LIFTOFF_BACK_WINDOW_S = 0.3


def cached_track(mp4, fmt=None):
    """The newest (or format `fmt`) cached pose track of `mp4` with the full model."""
    import hashlib
    sha = hashlib.sha256(open(mp4, "rb").read()).hexdigest()
    cache = os.environ.get("LIFTCHECK_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "liftcheck")
    best = None
    for path in glob.glob(os.path.join(cache, "track-*.json")):
        with open(path) as f:
            head = f.read(600)
        key = re.search(r'"key":(\{[^{}]*\})', head)
        key = json.loads(key.group(1)) if key else {}
        if (key.get("video_sha256") != sha or key.get("model") != "full" or key.get("lifter") != "auto"
                or (fmt is not None and key.get("format") != fmt)):
            continue
        # The newest format, and of tracks in one format (other models, say) the latest written.
        rank = (key["format"], os.path.getmtime(path))
        if best is None or rank > best[0]:
            best = (rank, path)
    return json.load(open(best[1]))["track"] if best else None


def track_of(mp4):
    """The newest cached pose track of `mp4`, running liftcheck first when there is none; None
    when liftcheck could not make one."""
    track = cached_track(mp4)
    if track is None:
        liftcheck(mp4)
        track = cached_track(mp4)
    return track


def outline_bends(points, shoulder, hip, facing, sagitta):
    """(upper, lower) bend of an outline as src/analysis/back.rs reads it, degrees."""
    pts = [(p["x"] * facing, -p["y"]) for p in points]
    trunk = ((shoulder[0] - hip[0]) * facing, -(shoulder[1] - hip[1]))
    length = math.hypot(*trunk)
    dorsal = (-trunk[1] / length, trunk[0] / length)

    def half(h):
        a, b = h[0], h[-1]
        cx, cy = b[0] - a[0], b[1] - a[1]
        c = math.hypot(cx, cy)
        if c <= 0:
            return float("nan")
        nx, ny = -cy / c, cx / c
        if nx * dorsal[0] + ny * dorsal[1] < 0:
            nx, ny = -nx, -ny
        dev = [((p[0] - a[0]) * nx + (p[1] - a[1]) * ny, ((p[0] - a[0]) * cx + (p[1] - a[1]) * cy) / (c * c))
               for p in h[1:-1]]
        if sagitta == "max":
            s = max((d for d, _ in dev), key=abs)
        else:
            g = [(d, 4 * t * (1 - t)) for d, t in dev]
            den = sum(w * w for _, w in g)
            if den <= 0:
                return float("nan")
            s = sum(d * w for d, w in g) / den
        return 4 * math.degrees(math.atan(2 * s / c))

    mid = len(pts) // 2
    return half(pts[:mid + 1]), half(pts[mid:])


def outline(args):
    fmt, sagitta, dirs = None, "fit", []
    it = iter(args)
    for a in it:
        if a == "--format":
            fmt = int(next(it))
        elif a == "--sagitta":
            sagitta = next(it)
        else:
            dirs.append(a)
    jumps = ([], [])
    clips_read = 0
    for mp4, gt in clips(dirs):
        track = cached_track(mp4, fmt)
        if track is None:
            print(f"{mp4}: no cached track (run liftcheck analyze on it first)", file=sys.stderr)
            continue
        clips_read += 1
        prev = None
        for frame, back in zip(track["frames"], track["back"]):
            pose = frame.get("pose")
            if not back or not pose:
                prev = None
                continue
            k = pose["keypoints"]
            mid = lambda a, b: ((k[a]["x"] + k[b]["x"]) / 2, (k[a]["y"] + k[b]["y"]) / 2)  # noqa: E731
            facing = 1.0 if k[31]["x"] > k[29]["x"] else -1.0  # left toe ahead of left heel
            bends = outline_bends(back, mid(11, 12), mid(23, 24), facing, sagitta)
            if prev:
                for i in (0, 1):
                    if math.isfinite(bends[i]) and math.isfinite(prev[i]):
                        jumps[i].append(bends[i] - prev[i])
            prev = bends
    print(f"{clips_read} clips, {len(jumps[0])} frame pairs (cache format {fmt or 'newest'}, sagitta {sagitta})")
    for name, values in zip(("upper", "lower"), jumps):
        if not values:
            print(f"{name}: no outline on consecutive frames")
            continue
        m = median(values)
        spread = 1.4826 * median([abs(v - m) for v in values])
        p95 = sorted(abs(v) for v in values)[int(0.95 * len(values))]
        print(f"{name}: frame-to-frame robust spread {spread:.1f} deg, 95th percentile of |change| {p95:.1f} deg")


def variant(dirs):
    print("clip view true_variant bottom_knee hip_drop plate_clearance bottom_trunk bottom_thigh read_as")
    for mp4, gt in clips(dirs):
        a = analysis(mp4)
        if a is None:
            continue
        notes = " ".join(a.get("notes", []) + a.get("details", []))
        found = [re.search(pattern, notes) for pattern in (
            r"knees at ([-\d.]+) degrees at the bottom", r"hips drop ([-\d.]+) leg lengths",
            r"lowest bar ([-\d.]+) plate radii", r"trunk ([-\d.]+) degrees from vertical at the bottom",
            r"thighs at the bottom ([-\d.]+) of their standing height")]
        values = " ".join(m.group(1) if m else "-" for m in found)
        print(f"{mp4} {gt['camera']['view']} {gt['lift']['variant']} {values} {a['variant']}")


def reps_with_truth(dirs, views, variants=None):
    """(clip, ground truth, liftcheck's report, detected rep, the true faults of the true rep
    whose lockout is nearest, that true rep) for every detected rep with a lockout, on clips
    whose camera view passes `views` (and whose true variant is in `variants`, when given:
    the others are not analysed)."""
    for mp4, gt in clips(dirs):
        if not views(gt["camera"]["view"]):
            continue
        if variants is not None and gt["lift"]["variant"] not in variants:
            continue
        a = analysis(mp4)
        if a is None:
            continue
        truth_reps = [r for r in gt["reps"] if r.get("lockout_frame") is not None]
        for rep in a["reps"]:
            lock = (rep.get("lockout") or {}).get("frame")
            if lock is None or not truth_reps:
                continue
            truth = min(truth_reps, key=lambda r: abs(r["lockout_frame"] - lock))
            yield mp4, gt, a, rep, [f["kind"] for f in truth["faults"]], truth


def imbalance(dirs):
    """Front and rear views: the left/right measures of each detected rep (liftcheck's rep
    metrics) beside the true rep's faults, grouped: imbalance faults, good reps, other faults."""
    print("group clip view shoulder_tilt hip_tilt bar_tilt hip_shift_pct_leg knee_inward_pct_leg "
          "true_hip_shift_pct_leg true_faults")
    rows = []
    for mp4, gt, _, rep, kinds, truth in reps_with_truth(dirs, lambda view: view in ("front", "rear")):
        group = ("imbalance" if any(k in ("hip_shift", "uneven_bar") for k in kinds)
                 else "good" if not kinds else "other")
        m = rep["metrics"]
        values = [m.get(k) for k in ("max_shoulder_tilt_change_deg", "max_hip_tilt_change_deg",
                                     "max_bar_tilt_change_deg", "max_hip_shift_change_pct_leg",
                                     "max_knee_inward_pct_leg")]
        shift_m = sum(f["param"]["shift_m"] for f in truth["faults"] if f["kind"] == "hip_shift")
        values.append(100 * shift_m / true_leg_m(gt))
        rows.append((group, mp4, gt["camera"]["view"], values, ",".join(kinds) or "-"))

    def fmt(v):
        return "-" if v is None else f"{v:.1f}"

    for group, mp4, view, values, kinds in sorted(rows, key=lambda r: (r[0], r[1])):
        print(group, mp4, view, " ".join(fmt(v) for v in values), kinds)
    for group in ("good", "imbalance", "other"):
        picked = [r[3] for r in rows if r[0] == group]
        if picked:
            tops = [max((r[i] for r in picked if r[i] is not None), default=None) for i in range(5)]
            print(f"# {group}: {len(picked)} reps, largest shoulder / hip / bar tilt change, hip shift, knee inward: "
                  + " / ".join(fmt(v) for v in tops))


def frontal_liftoff(dirs):
    """Front and rear views, per detected rep: the hips' sideways offset from the ankles' centre
    and the hip and shoulder lines' tilt off level at lift-off (per-frame CSV columns
    `hip_shift_pct_leg`, `hip_tilt_deg`, `shoulder_tilt_deg`; as measured, in the frame turned
    by the standing lifter's roll), beside the true hip shift there, then per group the median
    and largest size of each: how far from centre and level a rep starts."""
    print("group clip rep hip_shift_pct_leg hip_tilt_deg shoulder_tilt_deg true_hip_shift_pct_leg true_faults")
    rows = []
    for mp4, gt in clips(dirs):
        if gt["camera"]["view"] not in ("front", "rear"):
            continue
        a, frames = analysis_and_frames(mp4)
        if a is None:
            continue
        truth_reps = [r for r in gt["reps"] if r.get("liftoff_frame") is not None]
        leg_m = true_leg_m(gt)
        for rep in a["reps"]:
            lift = (rep.get("lift_off") or {}).get("frame")
            if lift is None or not truth_reps or lift >= len(frames):
                continue
            truth = min(truth_reps, key=lambda r: abs(r["liftoff_frame"] - lift))
            kinds = [f["kind"] for f in truth["faults"]]
            group = ("imbalance" if any(k in ("hip_shift", "uneven_bar") for k in kinds)
                     else "good" if not kinds else "other")
            row = frames[lift]
            values = [float(row[c]) if row.get(c) else None
                      for c in ("hip_shift_pct_leg", "hip_tilt_deg", "shoulder_tilt_deg")]
            shift_m = gt["frames"][lift]["rig"].get("hip_shift_m", 0.0) if lift < len(gt["frames"]) else None
            values.append(None if shift_m is None else 100 * shift_m / leg_m)
            rows.append((group, mp4, rep["number"], values, ",".join(kinds) or "-"))

    def fmt(v):
        return "-" if v is None else f"{v:.1f}"

    for group, mp4, number, values, kinds in sorted(rows, key=lambda r: (r[0], r[1], r[2])):
        print(group, mp4, number, " ".join(fmt(v) for v in values), kinds)
    for group in ("good", "imbalance", "other"):
        picked = [r[3] for r in rows if r[0] == group]
        if picked:
            sizes = [[abs(r[i]) for r in picked if r[i] is not None] for i in range(3)]
            print(f"# {group}: {len(picked)} reps, hip shift / hip tilt / shoulder tilt size at lift-off, "
                  "median: " + " / ".join(fmt(median(v) if v else None) for v in sizes)
                  + ", largest: " + " / ".join(fmt(max(v) if v else None) for v in sizes))


def true_leg_m(gt):
    """The rendered lifter's leg length (hip to knee to ankle, both sides averaged) on the first
    frame, metres."""
    j = gt["frames"][0]["joints3d"]["blazepose33"]
    return sum(math.dist(j[h], j[k]) + math.dist(j[k], j[a]) for h, k, a in ((23, 25, 27), (24, 26, 28))) / 2


def print_grouped(rows, groups, what, decimals):
    """Rows of (group, clip, rep, readings, found, true faults), sorted, then per group the least
    and largest of each reading."""
    def fmt(v):
        return "-" if v is None else f"{v:.{decimals}f}"

    for group, mp4, index, values, found, kinds in sorted(rows, key=lambda r: (r[0], r[1], r[2])):
        print(group, mp4, index, " ".join(fmt(v) for v in values), found, kinds)
    for group in groups:
        picked = [r[3] for r in rows if r[0] == group]
        if picked:
            n = len(picked[0])
            tops = [max((r[i] for r in picked if r[i] is not None), default=None) for i in range(n)]
            lows = [min((r[i] for r in picked if r[i] is not None), default=None) for i in range(n)]
            print(f"# {group}: {len(picked)} reps, {what}, least: "
                  + " / ".join(fmt(v) for v in lows) + ", largest: " + " / ".join(fmt(v) for v in tops))


def lean_back(dirs):
    """Side views: the lean-back rule's three readings of each detected rep (liftcheck's rep
    metrics: trunk, mid-foot-to-shoulder line, whole back outline; degrees past vertical, positive
    = leaning back) beside the true rep's faults, grouped: lean-backs (without an incomplete
    lockout), good reps, other faults."""
    print("group clip rep trunk body outline variant found true_faults")
    rows = []
    for mp4, gt, a, rep, kinds, _ in reps_with_truth(dirs, lambda view: view.startswith("side")):
        group = ("lean_back" if "lean_back" in kinds and "incomplete_lockout" not in kinds
                 else "good" if not kinds else "other")
        m = rep["metrics"]
        values = [m.get(k) for k in ("lockout_lean_back_deg", "lockout_body_lean_back_deg",
                                     "lockout_outline_lean_back_deg")]
        found = any(f["check"] == "lean_back_at_lockout" and f["rep"] == rep["number"] for f in a["findings"])
        rows.append((group, mp4, rep["number"], values, f"{gt['lift']['variant']} {'yes' if found else 'no'}",
                     ",".join(kinds) or "-"))

    print_grouped(rows, ("good", "lean_back", "other"), "trunk / body / outline lean back", 1)


def lockout_outline_lean(dirs):
    """Side views, conventional and sumo pulls (the true variant): the back outline's forward lean
    at its most upright in each detected lockout (rep metric `lockout_outline_lean_deg`, degrees)
    and the shoulders' lean behind the mid-foot at their furthest back (`lockout_body_lean_back_deg`),
    beside whether an incomplete lockout was found and the true rep's faults, grouped: incomplete
    lockouts, good reps, other faults."""
    print("group clip rep outline_lean body_back variant found true_faults")
    rows = []
    for mp4, gt, a, rep, kinds, _ in reps_with_truth(dirs, lambda view: view.startswith("side")):
        if gt["lift"]["variant"] == "romanian":
            continue
        group = "incomplete" if "incomplete_lockout" in kinds else "good" if not kinds else "other"
        found = any(f["check"] == "incomplete_lockout" and f["rep"] == rep["number"] for f in a["findings"])
        m = rep["metrics"]
        rows.append((group, mp4, rep["number"], [m.get("lockout_outline_lean_deg"), m.get("lockout_body_lean_back_deg")],
                     gt["lift"]["variant"] + (" yes" if found else " no"), ",".join(kinds) or "-"))

    print_grouped(rows, ("good", "incomplete", "other"), "outline forward lean / shoulders behind mid-foot", 1)


def hips_rise(dirs):
    """Side views: the hips-rise rule's two readings of each detected rep (liftcheck's rep
    metrics: degrees the trunk tips towards horizontal, hip rise over shoulder rise) beside the
    true rep's faults and the render's own trunk change (`true_trunk_change`: the most the true
    trunk tips towards horizontal from the true set-up to knee pass), grouped: hips first, good
    reps, other faults."""
    print("group clip rep trunk_change rise_ratio true_trunk_change start_trunk found true_faults")
    rows = []
    for mp4, gt, a, rep, kinds, truth in reps_with_truth(dirs, lambda view: view.startswith("side")):
        group = "hips_first" if "hips_shoot_up" in kinds else "good" if not kinds else "other"
        m = rep["metrics"]
        true_change = None
        if truth.get("setup_frame") is not None and truth.get("knee_pass_frame") is not None:
            trunk = [f["angles"]["trunk_from_vertical"]
                     for f in gt["frames"][truth["setup_frame"]:truth["knee_pass_frame"] + 1]]
            true_change = max(trunk) - trunk[0]
        values = [m.get("early_trunk_change_deg"), m.get("hip_shoulder_rise_ratio"), true_change,
                  m.get("early_start_trunk_deg")]
        found = any(f["check"] == "hips_rise_first" and f["rep"] == rep["number"] for f in a["findings"])
        rows.append((group, mp4, rep["number"], values, "yes" if found else "no", ",".join(kinds) or "-"))

    print_grouped(rows, ("good", "hips_first", "other"),
                  "trunk change / rise ratio / true trunk change / start trunk", 2)


# liftcheck rule -> the rendered fault kinds it is meant to catch (`FAULT_CHECKS` in
# src/eval/truth.rs).
TRUTH_KINDS = {
    "upper_back_rounding": ["thoracic_rounding"], "lower_back_rounding": ["lumbar_rounding"],
    "hips_rise_first": ["hips_shoot_up"], "shoulders_over_bar": ["shoulders_behind_bar"],
    "bar_over_midfoot": ["bar_forward_of_midfoot"], "bar_drift": ["bar_drift"],
    "knees_over_midfoot": ["knees_forward"], "head_position": ["head_up"],
    "incomplete_lockout": ["incomplete_lockout"], "lean_back_at_lockout": ["lean_back"],
    "left_right_imbalance": ["hip_shift", "uneven_bar"], "rdl_knees_locked": ["rdl_locked_knees"],
    "rdl_back_rounding": ["rdl_rounding"],
}
BACK_RULES = ("upper_back_rounding", "lower_back_rounding", "rdl_back_rounding")


def lockout_knees(dirs):
    """Side views: what the incomplete-lockout rule's knee path reads on each detected rep, beside
    how sure the pose model was of the near knee (its visibility), and the truth."""
    print("clip rep knee_max median_vis found true_faults vis_per_frame")
    for mp4, gt in clips(dirs):
        if not gt["camera"]["view"].startswith("side"):
            continue
        a, rows = analysis_and_frames(mp4)
        if a is None:
            continue
        track = track_of(mp4)
        names = {n: i for i, n in enumerate(gt["keypoint_names"]["blazepose33"])}
        knee_i = names[(a["view"].get("near_side") or "left") + "_knee"]
        truth_reps = [r for r in gt["reps"] if r.get("lockout_frame") is not None]

        def vis(f):
            pose = track["frames"][f].get("pose") if f < len(track["frames"]) else None
            return pose["keypoints"][knee_i]["visibility"] if pose else 0.0

        for rep in a["reps"]:
            lock = (rep.get("lockout") or {}).get("frame")
            if lock is None or not truth_reps:
                continue
            end = (rep.get("descent_start") or rep.get("set_down") or {}).get("frame", lock)
            knees = [float(r["knee_deg"]) for r in rows[lock:end + 1] if r.get("knee_deg")]
            truth = min(truth_reps, key=lambda r: abs(r["lockout_frame"] - lock))
            kinds = ",".join(x["kind"] for x in truth["faults"]) or "-"
            found = any(f["check"] == "incomplete_lockout" and f["rep"] == rep["number"] for f in a["findings"])
            print(mp4, rep["number"], f"{max(knees):.1f}" if knees else "-",
                  f"{median([vis(f) for f in range(lock, lock + 12)]):.2f}", "yes" if found else "no", kinds,
                  " ".join(f"{vis(f):.2f}" for f in range(lock, end + 1)))


def rdl_bottom(dirs):
    """Side-view Romanian deadlifts at each rep's true bottom frame: how far liftcheck's near hip,
    knee, ankle and heel are from the render's (px), the near knee's and ankle's visibility, and
    the true knee angle beside the knee angle on the frame's own hip, knee and ankle keypoints
    and the one liftcheck reports (frame CSV `knee_deg`: on the still ankle where the knee stands
    over it), how far the still ankle is from the render's ankle (px), and the shin (knee to the
    still ankle) over the thigh (hip to knee) on that frame. Why the knee angle stands on the
    still ankle."""
    print("clip rep faults hip_px knee_px ankle_px heel_px knee_vis ankle_vis true_knee own_ankle_knee reported_knee "
          "still_ankle_px shin_over_thigh")
    for mp4, gt in clips(dirs):
        if not gt["camera"]["view"].startswith("side") or gt["lift"]["variant"] != "romanian":
            continue
        a, rows = analysis_and_frames(mp4)
        frames = predicted_keypoints(mp4)
        if a is None or frames is None:
            continue
        near = a["view"].get("near_side") or ("left" if gt["camera"]["view"] == "side_left" else "right")
        names = {n: i for i, n in enumerate(gt["keypoint_names"]["blazepose33"])}
        reported = {int(r["frame"]): r.get("knee_deg") for r in rows}
        side = "L" if near == "left" else "R"
        for rep in gt["reps"]:
            b = rep.get("bottom_frame")
            kps = frames[b] if b is not None and b < len(frames) else None
            faults = ",".join(f["kind"] for f in rep["faults"]) or "-"
            if not kps:
                print(mp4, rep["index"], faults, "no pose at the bottom")
                continue
            truth = gt["frames"][b]
            own = lambda j: kps[names[near + "_" + j]]
            true = lambda j: truth["blazepose33"][names[near + "_" + j]]
            off = lambda j: f"{math.dist(own(j)[:2], true(j)[:2]):.1f}"
            knee_own = interior_angle(own("hip")[:2], own("knee")[:2], own("ankle")[:2])
            got = reported.get(b)
            still = a.get("still_ankle_px")
            still_off = f"{math.dist(still, true('ankle')[:2]):.1f}" if still else "-"
            ratio = (f"{math.dist(own('knee')[:2], still) / math.dist(own('hip')[:2], own('knee')[:2]):.2f}"
                     if still else "-")
            print(mp4, rep["index"], faults, off("hip"), off("knee"), off("ankle"), off("heel"),
                  f"{own('knee')[3]:.2f}", f"{own('ankle')[3]:.2f}", f"{truth['angles']['knee_' + side]:.1f}",
                  f"{knee_own:.1f}", f"{float(got):.1f}" if got else "-", still_off, ratio)


def rdl_back(dirs):
    """Side-view Romanian deadlifts, per detected rep: the fold of the back outline at mid-trunk
    as `rdl_back_rounding` reads it (rep metric `bottom_mid_back_fold_deg`), beside the bends of
    the outline's halves and the trunk over the same bottom window (the bottom frame +-0.15 s
    within the rep; medians of the frame CSV's cleaned `upper_back_deg`, `lower_back_deg`,
    `trunk_deg`) and the rule's verdict, and the true rep's rounding (kind, severity, thoracic
    and lumbar flexion); then the fold's range per group (`rdl_rounding_max_deg`)."""
    print("clip rep fold upper lower trunk verdict true_rounding")
    groups = {}
    for mp4, gt in clips(dirs):
        if gt["lift"]["variant"] != "romanian" or not gt["camera"]["view"].startswith("side"):
            continue
        a, rows = analysis_and_frames(mp4)
        if a is None:
            continue
        fps = float(a.get("fps") or 30.0)
        half = max(math.floor(0.15 * fps + 0.5), 1)  # as `Series::frames`
        truth_reps = [r for r in gt["reps"] if r.get("bottom_frame") is not None]
        for rep in a["reps"]:
            bottom = (rep.get("bottom") or {}).get("frame")
            if bottom is None or not truth_reps:
                continue
            first = max(bottom - half, (rep.get("descent_start") or {}).get("frame", 0))
            last = min(bottom + half, (rep.get("lockout") or {}).get("frame", bottom + half))
            truth = min(truth_reps, key=lambda r: abs(r["bottom_frame"] - bottom))
            rounding = [f for f in truth["faults"] if f["kind"] in ("rdl_rounding", "thoracic_rounding", "lumbar_rounding")]
            read = {"mid_back_fold_deg": rep["metrics"].get("bottom_mid_back_fold_deg")}
            read.update({c: window_median(rows, c, first, last) for c in ("upper_back_deg", "lower_back_deg", "trunk_deg")})
            found = any(f["check"] == "rdl_back_rounding" and f["rep"] == rep["number"] for f in a["findings"])
            na = next((x["reason"] for x in a["not_assessable"]
                       if x["check"] == "rdl_back_rounding" and x.get("rep") == rep["number"]), None)
            verdict = "found" if found else ("NA:" + na.replace(" ", "_")[:40]) if na else "clean"
            shown = ",".join(f"{f['kind']}:{f['severity']}:" + "/".join(f"{k[0]}{v}" for k, v in f["param"].items())
                             for f in rounding) or "-"
            fmt = lambda v: "-" if v is None else f"{v:.1f}"
            print(mp4, rep["number"], *(fmt(read[c]) for c in read), verdict, shown)
            if read["mid_back_fold_deg"] is not None:
                groups.setdefault("rounded" if rounding else "not rounded", []).append(read["mid_back_fold_deg"])
    for name, values in groups.items():
        print(f"# {name}: {len(values)} reps, fold at the bottom {min(values):.1f} to {max(values):.1f}, "
              f"sorted: {' '.join(f'{v:.1f}' for v in sorted(values))}")


def rdl_hips(dirs):
    """Side-view Romanian deadlifts, per true rep: how far the near hip drops from standing to the
    bottom, in leg lengths, as liftcheck's keypoints read it (the highest hip of the clip against
    the lowest within 8 frames of the true bottom, over `leg_length_px`) and by the render's
    (over its own leg, hip to ankle on the first frame), beside the lift liftcheck read and the
    near knee's largest cleaned angle there. Why some Romanian sets read as conventional pulls
    (`rdl_max_hip_drop_leg_frac`, `rdl_min_bottom_knee_deg`)."""
    print("clip rep read_as read_drop true_drop knee leg_px")
    for mp4, gt in clips(dirs):
        if gt["lift"]["variant"] != "romanian" or not gt["camera"]["view"].startswith("side"):
            continue
        a, rows = analysis_and_frames(mp4)
        frames = predicted_keypoints(mp4)
        if a is None or frames is None:
            continue
        names = {n: i for i, n in enumerate(gt["keypoint_names"]["blazepose33"])}
        near = a["view"].get("near_side") or ("left" if gt["camera"]["view"] == "side_left" else "right")
        hip, ankle = names[near + "_hip"], names[near + "_ankle"]
        read_h = [-kps[hip][1] if kps else None for kps in frames]
        true_h = [-f["blazepose33"][hip][1] for f in gt["frames"]]
        standing = max((h for h in read_h if h is not None), default=None)
        true_leg = math.dist(gt["frames"][0]["blazepose33"][hip][:2], gt["frames"][0]["blazepose33"][ankle][:2])
        for rep in gt["reps"]:
            b = rep.get("bottom_frame")
            if b is None or standing is None:
                continue
            window = range(max(b - 8, 0), min(b + 9, len(frames), len(true_h)))
            seen = [read_h[f] for f in window if read_h[f] is not None]
            knees = [float(rows[f]["knee_deg"]) for f in window if f < len(rows) and rows[f].get("knee_deg")]
            read_drop = f"{(standing - min(seen)) / a['leg_length_px']:.2f}" if seen else "-"
            true_drop = (max(true_h) - min(true_h[f] for f in window)) / true_leg
            print(mp4, rep["index"], a["variant"], read_drop, f"{true_drop:.2f}",
                  f"{max(knees):.0f}" if knees else "-", f"{a['leg_length_px']:.0f}")


def interior_angle(a, vertex, c):
    """The angle at `vertex` between the lines to `a` and `c`, degrees (0-180)."""
    d = math.degrees(math.atan2(a[1] - vertex[1], a[0] - vertex[0]) - math.atan2(c[1] - vertex[1], c[0] - vertex[0]))
    d %= 360.0
    return min(d, 360.0 - d)


def back_findings(dirs):
    """Every finding of the back-rounding rules with how long it lasts (its time span, seconds),
    what it measured against its limit, and the true faults of the rep it falls in: how long true
    and false findings last (`back_bend_min_hold_s`). Run it with `--config F` (F setting the hold to 0) to see
    the findings the hold removes."""
    findings_lasting(dirs, BACK_RULES)


def all_findings(dirs):
    """`back_findings` for every rule (`finding_min_hold_s` for head and bar drift)."""
    findings_lasting(dirs, tuple(TRUTH_KINDS))


def findings_lasting(dirs, rules):
    print("seconds rule measured/limit verdict clip view_yaw measure")
    rows = []
    for mp4, gt in clips(dirs):
        a = analysis(mp4)
        if a is None:
            continue
        fps = gt["video"]["fps"]
        for f in a["findings"]:
            if f["check"] not in rules:
                continue
            middle = (f["start_s"] + f["end_s"]) / 2

            def span(r):
                # A Romanian deadlift has no set-up: its rep starts at the bottom.
                first = next((r[k] for k in ("setup_frame", "bottom_frame", "lockout_frame") if r.get(k) is not None), None)
                return None if first is None else (first + (r.get("lockout_frame") or first)) / 2 / fps

            reps = [r for r in gt["reps"] if span(r) is not None]
            rep = min(reps, key=lambda r: abs(span(r) - middle), default=None)
            kinds = [x["kind"] for x in rep["faults"]] if rep else []
            true = any(k in kinds for k in TRUTH_KINDS[f["check"]])
            verdict = "true" if true else "false(" + (",".join(kinds) or "good") + ")"
            yaw = a["view"].get("yaw_deg")
            rows.append((f["end_s"] - f["start_s"], f["check"], f"{f['measured']:.1f}/{f['threshold']:.1f}", verdict,
                         mp4, "-" if yaw is None else f"{yaw:.1f}", f["measure"].split(" since")[0].split(" as the")[0]))
    for row in sorted(rows):
        print(f"{row[0]:.2f}", *row[1:])


def line_lean(points):
    """Principal axis of canonical points, from the last to the first, from vertical (deg)."""
    n = len(points)
    mx, my = sum(p[0] for p in points) / n, sum(p[1] for p in points) / n
    sxx = sum((p[0] - mx) ** 2 for p in points)
    syy = sum((p[1] - my) ** 2 for p in points)
    sxy = sum((p[0] - mx) * (p[1] - my) for p in points)
    a = 0.5 * math.atan2(2 * sxy, sxx - syy)
    ux, uy = math.cos(a), math.sin(a)
    if ux * (points[0][0] - points[-1][0]) + uy * (points[0][1] - points[-1][1]) < 0:
        ux, uy = -ux, -uy
    return math.degrees(math.atan2(ux, uy))


def lockout_outline(dirs):
    print("clip rep true_trunk whole upper lesser labels")
    for mp4, gt, side in side_pulls(dirs):
        track = track_of(mp4)
        if track is None:
            print(f"{mp4}: not analysed")
            continue
        back = track["back"]
        fps = gt["video"]["fps"]
        for rep in gt["reps"]:
            start = rep["lockout_frame"]
            end = min(start + int(0.4 * fps), rep["setdown_frame"] or len(back) - 1, len(back) - 1)
            truth, fits = [], []
            for f in range(start, end + 1):
                kps = gt["frames"][f]["blazepose33"]
                truth.append(from_vertical(side.point(kps, "hip"), side.point(kps, "shoulder")))
                if f < len(back) and back[f] and len(back[f]) >= 5:
                    pts = [(p["x"] * side.forward, -p["y"]) for p in back[f]]
                    whole, upper = line_lean(pts), line_lean(pts[:len(pts) // 2 + 1])
                    fits.append((whole, upper, min(whole, upper)))
            labels = ",".join(x["kind"] for x in rep["faults"]) or "-"
            least = [f"{min(v[i] for v in fits):.1f}" if fits else "nan" for i in range(3)]
            print(f"{mp4} {rep['index']} {median(truth):.1f} {' '.join(least)} {labels}")


def p90(values):
    """The 90th percentile (nearest rank below), NaN for no values."""
    values = sorted(values)
    return values[int(0.9 * (len(values) - 1))] if values else float("nan")


def clips_with_predictions(dirs):
    """(clip, ground truth, liftcheck's frames, frames both cover, per frame whether it lies in a
    rendered rep) for every clip liftcheck could analyse."""
    for mp4, gt in clips(dirs):
        frames = predicted(mp4)
        if frames is None:
            continue
        n = min(len(frames), len(gt["frames"]))
        yield mp4, gt, frames, n, true_rep_frames(gt, n)


def true_rep_frames(gt, n):
    """Per frame of the first `n`, whether it lies in a rendered rep (set-up to set-down)."""
    in_rep = [False] * n
    for rep in gt["reps"]:
        first = next(rep[k] for k in ("setup_frame", "liftoff_frame", "lockout_frame") if rep.get(k) is not None)
        last = rep["setdown_frame"] if rep.get("setdown_frame") is not None else n - 1
        for f in range(first, min(last, n - 1) + 1):
            in_rep[f] = True
    return in_rep


def sanity(dirs):
    def mid(kps, a, b):
        return ((kps[a][0] + kps[b][0]) / 2, (kps[a][1] + kps[b][1]) / 2)

    def trunk_and_legs(kps):
        shoulder, hip, ankle = mid(kps, 11, 12), mid(kps, 23, 24), mid(kps, 27, 28)
        trunk = math.degrees(math.atan2(abs(shoulder[0] - hip[0]), hip[1] - shoulder[1]))
        legs = math.degrees(math.atan2(abs(ankle[0] - hip[0]), ankle[1] - hip[1]))
        return trunk, legs

    true_trunk = true_legs = 0.0
    flagged_trunk, flagged_legs, clips_flagged = 0, 0, set()
    true_ratios, pred = [], []  # pred: (ratio, error over arm length)
    for mp4, gt, frames, n, in_rep in clips_with_predictions(dirs):
        for f, frame in enumerate(gt["frames"]):
            trunk, legs = trunk_and_legs(frame["blazepose33"])
            true_trunk, true_legs = max(true_trunk, trunk), max(true_legs, legs)
        for frame in frames:
            if frame["keypoints"]:
                trunk, legs = trunk_and_legs(frame["keypoints"])
                flagged_trunk += trunk > 120
                flagged_legs += legs >= 90
                if trunk > 120 or legs >= 90:
                    clips_flagged.add(mp4)
        for shoulder, wrist in ((11, 15), (12, 16)):
            truth = [math.dist(fr["blazepose33"][shoulder][:2], fr["blazepose33"][wrist][:2]) for fr in gt["frames"]]
            arm = p90(truth)
            true_ratios += [d / arm for f, d in enumerate(truth[:n]) if in_rep[f]]
            seen = [(f, math.dist(fr["keypoints"][shoulder][:2], fr["keypoints"][wrist][:2]))
                    for f, fr in enumerate(frames[:n])
                    if fr["keypoints"] and fr["keypoints"][shoulder][3] >= 0.3 and fr["keypoints"][wrist][3] >= 0.3]
            pred_arm = p90([d for _, d in seen])
            for f, d in seen:
                if in_rep[f]:
                    error = math.dist(frames[f]["keypoints"][wrist][:2], gt["frames"][f]["blazepose33"][wrist][:2])
                    pred.append((d / pred_arm, error / arm))
    print(f"trunk from upright: true at most {true_trunk:.1f}; predicted past 120 on {flagged_trunk} frames")
    print(f"hip-to-ankle from straight down: true at most {true_legs:.1f}; predicted at 90 or past on {flagged_legs} frames")
    print(f"clips with such poses: {len(clips_flagged)}")
    if not true_ratios:
        sys.exit("no rep frames with ground truth in these folders")
    true_ratios.sort()
    print(f"true arm (shoulder to wrist) over its length during reps: least {true_ratios[0]:.2f}, "
          f"1st percentile {true_ratios[len(true_ratios) // 100]:.2f} ({len(true_ratios)} samples)")
    print("predicted arm over its length   wrists   median error / arm length")
    for lo, hi in ((0, 0.5), (0.5, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 9)):
        errors = [e for r, e in pred if lo <= r < hi]
        if errors:
            print(f"  {lo:.1f}-{hi:.1f}{'':22} {len(errors):7}   {median(errors):.2f}")


def side_on(dirs):
    """Every clip: the share of its posed frames whose near foot points clearly left or right
    (toe and heel apart by more than 0.15 of the shoulder-hip distance, the pose stage's
    per-frame side-view test, `SIDE_VIEW_FOOT_FRACTION`), by true view, from liftcheck's
    cached tracks (`SIDE_VIEW_MEMORY_S`)."""
    left, right = [11, 23, 29, 31], [12, 24, 30, 32]  # shoulder, hip, heel, foot index
    rows = []
    for mp4, gt in clips(dirs):
        track = track_of(mp4)
        if track is None:
            continue
        posed = passed = 0
        for frame in track["frames"]:
            if not frame["pose"]:
                continue
            k = frame["pose"]["keypoints"]
            near = left if sum(k[i]["visibility"] for i in left) >= sum(k[i]["visibility"] for i in right) else right
            shoulder, hip, heel, toe = (k[i] for i in near)
            torso = math.hypot(shoulder["x"] - hip["x"], shoulder["y"] - hip["y"])
            posed += 1
            passed += abs(toe["x"] - heel["x"]) > 0.15 * torso
        if posed:
            rows.append((gt["camera"]["view"], passed / posed, mp4))
    for view in sorted({r[0] for r in rows}):
        shares = sorted(r[1] for r in rows if r[0] == view)
        print(f"{view}: {len(shares)} clips, share of frames passing {shares[0]:.2f}-{shares[-1]:.2f}, "
              f"median {shares[len(shares) // 2]:.2f}")


def arm_angle(dirs):
    """Every view: how far the arm (shoulder to wrist) points from straight down in the image,
    the render's and liftcheck's raw keypoints, and how far off the predicted wrists are by that
    angle (in arm lengths: the 90th percentile of the render's shoulder-to-wrist distance)."""
    bins = (0, 30, 45, 60, 90, 181)
    true_all, true_rep = [], []
    pred = {b: [] for b in bins[:-1]}
    def from_down(k, shoulder, wrist):
        dx, dy = k[wrist][0] - k[shoulder][0], k[wrist][1] - k[shoulder][1]
        return math.degrees(math.atan2(abs(dx), dy))

    for mp4, gt, frames, n, in_rep in clips_with_predictions(dirs):
        for shoulder, wrist in ((11, 15), (12, 16)):
            truth = [fr["blazepose33"] for fr in gt["frames"][:n]]
            arm = p90(math.dist(k[shoulder][:2], k[wrist][:2]) for k in truth)
            for f, k in enumerate(truth):
                angle = from_down(k, shoulder, wrist)
                true_all.append(angle)
                if in_rep[f]:
                    true_rep.append(angle)
                p = frames[f]["keypoints"]
                if not p or p[shoulder][3] < 0.3 or p[wrist][3] < 0.3:
                    continue
                angle = from_down(p, shoulder, wrist)
                low = max(b for b in bins[:-1] if angle >= b)
                pred[low].append(math.dist(p[wrist][:2], k[wrist][:2]) / arm)
    true_all.sort()
    true_rep.sort()
    print(f"true arm from straight down: all frames at most {true_all[-1]:.1f} (99th percentile "
          f"{percentiles(true_all, (0.99,))[0]:.1f}, {len(true_all)} samples); during reps at most "
          f"{true_rep[-1]:.1f} (99th percentile {percentiles(true_rep, (0.99,))[0]:.1f})")
    print("predicted arm from straight down, degrees   wrists   median / p90 wrist error, arm lengths")
    for low, high in zip(bins, bins[1:]):
        errors = sorted(pred[low])
        if errors:
            q = percentiles(errors, (0.5, 0.9))
            print(f"{low}-{high}   {len(errors)}   {q[0]:.2f} / {q[1]:.2f}")


def arms(dirs):
    print("clip view true_least_ratio true_under_0.7 pred_least_ratio pred_under_0.7 pred_frames")
    true_all, pred_all = [], []
    for mp4, gt in clips(dirs):
        if not gt["camera"]["view"].startswith("oblique"):
            continue

        def ratios(frames, confident):
            out = []
            for k in frames:
                if not k or (confident and min(k[i][3] for i in (11, 12, 15, 16)) < 0.3):
                    continue
                a, b = math.dist(k[11][:2], k[15][:2]), math.dist(k[12][:2], k[16][:2])
                if max(a, b) > 0:
                    out.append(min(a, b) / max(a, b))
            return out

        truth = ratios([f["blazepose33"] for f in gt["frames"]], False)
        pred_frames = predicted_keypoints(mp4) or []
        pred = ratios([p for p in pred_frames], True)
        true_all += truth
        pred_all += pred

        def least(v):
            return f"{min(v):.3f}" if v else "-"

        print(f"{mp4} {gt['camera']['view']} {least(truth)} {sum(r < 0.7 for r in truth)} "
              f"{least(pred)} {sum(r < 0.7 for r in pred)} {len(pred)}")
    if true_all:
        print(f"# true: {len(true_all)} frames, least {min(true_all):.3f}, under 0.7: "
              f"{sum(r < 0.7 for r in true_all)}")
    if pred_all:
        print(f"# liftcheck's keypoints: {len(pred_all)} frames, least {min(pred_all):.3f}, under 0.7: "
              f"{sum(r < 0.7 for r in pred_all)}")


def rdl_knees(dirs):
    print("clip rep true_knee read_knee found truly_locked leg_px")
    rows = []
    for mp4, gt in clips(dirs):
        if gt["lift"]["variant"] != "romanian" or not gt["camera"]["view"].startswith("side"):
            continue
        a = analysis(mp4)
        if a is None:
            continue
        truth_reps = [r for r in gt["reps"] if r.get("bottom_frame") is not None]
        for rep in a["reps"]:
            bottom = (rep.get("bottom") or {}).get("frame")
            read = rep["metrics"].get("bottom_knee_deg")
            if bottom is None or read is None or not truth_reps:
                continue
            truth = min(truth_reps, key=lambda r: abs(r["bottom_frame"] - bottom))
            side = "L" if gt["camera"]["view"] == "side_left" else "R"
            true_knee = gt["frames"][truth["bottom_frame"]]["angles"]["knee_" + side]
            locked = any(f["kind"] == "rdl_locked_knees" for f in truth["faults"])
            found = any(f["check"] == "rdl_knees_locked" and f["rep"] == rep["number"] for f in a["findings"])
            rows.append((locked, true_knee, read))
            print(f"{mp4} {rep['number']} {true_knee:.1f} {read:.1f} {'yes' if found else 'no'} "
                  f"{'yes' if locked else 'no'} {a['leg_length_px']:.0f}")
    for locked in (False, True):
        picked = [r for r in rows if r[0] == locked]
        if picked:
            print(f"# {'locked' if locked else 'soft'}: {len(picked)} reps, true "
                  f"{min(r[1] for r in picked):.1f}-{max(r[1] for r in picked):.1f}, read "
                  f"{min(r[2] for r in picked):.1f}-{max(r[2] for r in picked):.1f}")
    if rows:
        errors = sorted(abs(r[2] - r[1]) for r in rows)
        mid = len(errors) // 2
        middle = errors[mid] if len(errors) % 2 else (errors[mid - 1] + errors[mid]) / 2
        print(f"# |read - true| over {len(rows)} reps: median {middle:.1f}, largest {errors[-1]:.1f}")


def upright(dirs):
    print("clip share_with_pose p5_legs_from_down median_legs_from_down")
    rows = []
    for d in dirs:
        for mp4 in sorted(glob.glob(os.path.join(d, "*.mp4"))):
            track = track_of(mp4)
            if track is None:
                continue
            legs = []
            for frame in track["frames"]:
                pose = frame["pose"]
                if not pose:
                    continue
                k = pose["keypoints"]
                mid = lambda a, b: ((k[a]["x"] + k[b]["x"]) / 2, (k[a]["y"] + k[b]["y"]) / 2)  # noqa: E731
                hip, ankle = mid(23, 24), mid(27, 28)
                legs.append(math.degrees(math.atan2(abs(ankle[0] - hip[0]), ankle[1] - hip[1])))
            if len(legs) >= 3:
                legs.sort()
                rows.append((legs[len(legs) // 20], legs[len(legs) // 2], len(legs) / len(track["frames"]), mp4))
    for p5, med, share, mp4 in sorted(rows):
        print(f"{mp4} {share:.2f} {p5:.1f} {med:.1f}")


def setup(dirs):
    """Side views: the set-up readings of each detected rep (liftcheck's rep metrics: shoulders
    forward of the bar in degrees, bar and knees ahead of mid-foot in % of leg length, knee, hip
    and trunk angles, the hip's height over the knee in % of leg length) beside the true rep's
    faults, grouped by the set-up faults."""
    print("group clip rep shoulder_bar bar_midfoot knee_midfoot knee hip trunk hip_above_knee found "
          "true_faults")
    groups = ("shoulders_behind_bar", "knees_forward", "bar_forward_of_midfoot")
    rules = ("shoulders_over_bar", "knees_over_midfoot", "bar_over_midfoot")
    rows = []
    for mp4, _, a, rep, kinds, _ in reps_with_truth(dirs, lambda view: view.startswith("side")):
        group = next((g for g in groups if g in kinds), "good" if not kinds else "other")
        m = rep["metrics"]
        values = [m.get(k) for k in ("setup_shoulder_bar_deg", "setup_bar_midfoot_pct_leg",
                                     "setup_knee_midfoot_pct_leg", "setup_knee_deg", "setup_hip_deg",
                                     "setup_trunk_deg", "setup_hip_above_knee_pct_leg")]
        found = ",".join(f["check"] for f in a["findings"]
                         if f["check"] in rules and f["rep"] == rep["number"]) or "no"
        rows.append((group, mp4, rep["number"], values, found, ",".join(kinds) or "-"))

    print_grouped(rows, ("good",) + groups + ("other",),
                  "shoulder-bar / bar-midfoot / knee-midfoot / knee / hip / trunk / hip-above-knee", 1)


def setup_errors(dirs):
    """Side views: where the bar-over-mid-foot reading's error comes from, per true rep, two
    frames before lift-off (the bar still on the floor): liftcheck's bar position (per-frame CSV
    `bar_x_px`) against the render's bar centre, liftcheck's mid-foot (the bar minus the reading)
    against the render's, and the render's near wrist against its bar centre, in % of
    liftcheck's leg length, forward positive."""
    print("clip rep reading truth bar_error midfoot_error true_wrist_ahead bar_source true_faults")
    errors = {"reading - truth": [], "bar": [], "mid-foot": [], "true wrist ahead of bar": []}
    for mp4, gt, side in side_clips(dirs):
        a, rows = analysis_and_frames(mp4)
        if a is None or not a.get("leg_length_px"):
            continue
        leg = a["leg_length_px"]
        # liftcheck's reading is forward of its own facing; skip clips where it disagrees with the
        # render's (the mid-foot would come out mirrored about the bar).
        if (a["view"].get("facing") == "left") != (side.forward < 0):
            print(f"{mp4}: liftcheck reads the lifter facing {a['view'].get('facing')}, skipped")
            continue
        by_frame = {int(r["frame"]): r for r in rows}
        for rep in gt["reps"]:
            f = (rep.get("liftoff_frame") or 0) - 2
            row = by_frame.get(f, {})
            if not row.get("bar_x_px") or not row.get("bar_midfoot_pct_leg"):
                continue
            frame = gt["frames"][f]
            bar_x = float(row["bar_x_px"]) * side.forward
            reading = float(row["bar_midfoot_pct_leg"])
            true_bar, true_mid = frame["bar"]["center"][0] * side.forward, frame["midfoot"][0] * side.forward
            wrist = side.point(frame["blazepose33"], "wrist")[0]
            truth = 100 * (true_bar - true_mid) / leg
            bar_error = 100 * (bar_x - true_bar) / leg
            midfoot_error = 100 * ((bar_x - reading * leg / 100) - true_mid) / leg
            wrist_ahead = 100 * (wrist - true_bar) / leg
            kinds = ",".join(x["kind"] for x in rep["faults"]) or "-"
            print(f"{mp4} {rep['index']} {reading:.1f} {truth:.1f} {bar_error:.1f} {midfoot_error:.1f} "
                  f"{wrist_ahead:.1f} {a['bar_source']} {kinds}")
            for k, v in zip(errors, (reading - truth, bar_error, midfoot_error, wrist_ahead)):
                errors[k].append(v)
    for k, values in errors.items():
        if values:
            print(f"# {k}, % leg over {len(values)} reps: p10 / p25 / median / p75 / p90 "
                  + " / ".join(f"{v:.1f}" for v in percentiles(values)))


def lr_span(dirs):
    """Front and rear views: does a left/right pair read narrower than usual mark a misplaced
    joint? Per frame with a pose (liftcheck's raw keypoints), the shoulders' and the hips'
    horizontal span over its 90th percentile in the clip, and the absolute difference between
    the line's tilt and the render's (degrees); median and 90th percentile per band of the
    span."""
    bands = ((0.0, 0.5), (0.5, 0.65), (0.65, 0.75), (0.75, 0.85), (0.85, 1.0), (1.0, float("inf")))
    errors = {"shoulders": {b: [] for b in bands}, "hips": {b: [] for b in bands}}
    for mp4, gt in clips(dirs):
        if gt["camera"]["view"] not in ("front", "rear"):
            continue
        frames = predicted_keypoints(mp4)
        if frames is None:
            continue
        names = {n: i for i, n in enumerate(gt["keypoint_names"]["blazepose33"])}
        for pair, (a, b) in (("shoulders", ("left_shoulder", "right_shoulder")), ("hips", ("left_hip", "right_hip"))):
            ia, ib = names[a], names[b]
            rows = []
            for i, kps in enumerate(frames):
                if not kps or i >= len(gt["frames"]):
                    continue
                true = gt["frames"][i]["blazepose33"]
                tilt = math.degrees(math.atan2(kps[ia][1] - kps[ib][1], abs(kps[ia][0] - kps[ib][0])))
                true_tilt = math.degrees(math.atan2(true[ia][1] - true[ib][1], abs(true[ia][0] - true[ib][0])))
                rows.append((abs(kps[ia][0] - kps[ib][0]), abs(tilt - true_tilt)))
            spans = sorted(r[0] for r in rows)
            if not spans or spans[int(0.9 * (len(spans) - 1))] <= 0:
                continue
            usual = spans[int(0.9 * (len(spans) - 1))]
            for width, error in rows:
                band = next(b for b in bands if b[0] <= width / usual < b[1])
                errors[pair][band].append(error)
    for pair, by_band in errors.items():
        print(f"{pair}: span over its clip's 90th percentile -> frames, tilt error median / p90 (degrees)")
        for (lo, hi), values in by_band.items():
            values.sort()
            if values:
                n = len(values)
                print(f"  {lo:.2f}-{hi:.2f}: {n} frames, {values[n // 2]:.1f} / {values[math.ceil(0.9 * (n - 1))]:.1f}")


def bar_drift(dirs):
    """Side views: the bar's forward travel during each detected rep (rep metric
    `bar_drift_pct_leg`) beside where the bar was read from (the plate or the hands) and the true
    rep's faults, grouped: bar drifts, good reps, other faults (`bar_drift_max_leg_frac`)."""
    print("group clip rep drift_pct_leg bar_source found true_faults")
    rows = []
    for mp4, _, a, rep, kinds, _ in reps_with_truth(dirs, lambda view: view.startswith("side")):
        group = "bar_drift" if "bar_drift" in kinds else "good" if not kinds else "other"
        found = any(f["check"] == "bar_drift" and f["rep"] == rep["number"] for f in a["findings"])
        rows.append((group, mp4, rep["number"], [rep["metrics"].get("bar_drift_pct_leg")],
                     f"{a['bar_source']} {'yes' if found else 'no'}", ",".join(kinds) or "-"))
    print_grouped(rows, ("good", "bar_drift", "other"), "drift % leg", 1)


def lockout_thighs(dirs):
    """Side views: how upright the near thigh reads at each detected lockout: the hip's height
    over the knee (median over the 0.4 s from lockout, both at visibility >= 0.5) in leg lengths
    (the report's `leg_length_px`), beside the rep's lockout hip and knee angles, whether an
    incomplete lockout was found and the true rep's faults. A lockout leaves the thigh near
    vertical, about half a leg high; a knee read level with the hip (near 0) is a guess."""
    print("clip variant rep thigh_height lockout_hip lockout_knee found true_knee labels")
    clip, frames = None, None
    for mp4, gt, a, rep, kinds, truth in reps_with_truth(dirs, lambda view: view.startswith("side")):
        if mp4 != clip:  # reps come clip by clip
            clip, frames = mp4, predicted_keypoints(mp4)
        if frames is None:
            continue
        side = Side(gt)
        names, near = side.names, side.near

        def height(kps):
            if not kps:
                return None
            h, k = kps[names[near + "_hip"]], kps[names[near + "_knee"]]
            return None if h[3] < 0.5 or k[3] < 0.5 else k[1] - h[1]

        lock = rep["lockout"]["frame"]
        end = min(lock + int(0.4 * gt["video"]["fps"]), len(frames) - 1)
        hs = [v / (a.get("leg_length_px") or float("nan")) for v in map(height, frames[lock:end + 1]) if v is not None]
        found = any(f["check"] == "incomplete_lockout" and f["rep"] == rep["number"] for f in a["findings"])
        true_knee = gt["frames"][truth["lockout_frame"]]["angles"]["knee_L" if near == "left" else "knee_R"]
        m = rep["metrics"]
        fmt = lambda v: "-" if v is None else f"{v:.0f}"
        thigh = f"{median(hs):.2f}" if hs else "-"
        print(f"{mp4} {gt['lift']['variant']} {rep['number']} {thigh} {fmt(m.get('lockout_hip_deg'))} "
              f"{fmt(m.get('lockout_knee_deg'))} {int(found)} {true_knee:.0f} {','.join(kinds) or '-'}")


def events(dirs):
    """Per detected pull from the floor: its events' timing against the render's."""
    print("error_frames event clip rep view true_style")
    rows = []
    called = {}  # (true style, called touch-and-go) -> reps, second and later reps only
    names = (("lift_off", "liftoff_frame"), ("lockout", "lockout_frame"), ("set_down", "setdown_frame"))
    for mp4, gt, _, rep, _, near in reps_with_truth(dirs, lambda view: True, ("conventional", "sumo")):
        if abs(near["lockout_frame"] - rep["lockout"]["frame"]) > 30:
            continue
        if rep["number"] >= 2:
            key = (gt["lift"]["style"], bool(rep.get("touch_and_go")))
            called[key] = called.get(key, 0) + 1
        for event, key in names:
            got, want = (rep.get(event) or {}).get("frame"), near.get(key)
            if got is not None and want is not None:
                rows.append((got - want, event))
                print(got - want, event, mp4, rep["number"], gt["camera"]["view"], gt["lift"]["style"])
    for event, _ in names:
        errors = sorted(e for e, name in rows if name == event)
        if not errors:
            continue
        n = len(errors)
        print(f"# {event}: {n} reps, error frames p5 {errors[n // 20]} / median {errors[n // 2]} / "
              f"p95 {errors[19 * n // 20]}, mean |error| {sum(abs(e) for e in errors) / n:.2f}, "
              f"off by 12 or more: {sum(1 for e in errors if abs(e) >= 12)}")
    for style in ("touch_and_go", "dead_stop"):
        print(f"# second and later reps of {style} sets: {called.get((style, True), 0)} called touch-and-go, "
              f"{called.get((style, False), 0)} not")


def wrist_bar(dirs):
    """Side views, the render's own keypoints: how far the bar's centre sits below the near wrist
    while the bar is in the hands, in leg lengths (hip-knee plus knee-ankle), every fifth frame;
    percentiles over all clips."""
    values = []
    for _, gt, side in side_clips(dirs):
        for frame in gt["frames"][::5]:
            bar, kps = frame["bar"], frame["blazepose33"]
            if not bar.get("in_hands"):
                continue
            hip, knee, ankle, wrist = (side.point(kps, n) for n in ("hip", "knee", "ankle", "wrist"))
            leg = math.dist(hip, knee) + math.dist(knee, ankle)
            values.append((wrist[1] + bar["center"][1]) / leg)
    if values:
        print(f"{len(values)} frames, bar centre below the wrist, leg lengths: p10 / p25 / median / p75 / p90 "
              + " / ".join(f"{v:.3f}" for v in percentiles(values)))


def torso(dirs):
    """Every clip: liftcheck's torso length against the render's, frame by frame, summarised as
    the frames with a pose, the median true torso, and each run of frames whose torso reads under
    1/1.6 of the truth, with the range it reads there (`LOST_REGION_TORSO_FACTOR`)."""
    def length(kps, names, x=0, y=1):
        mid = lambda a, b: ((kps[names[a]][x] + kps[names[b]][x]) / 2, (kps[names[a]][y] + kps[names[b]][y]) / 2)
        s, h = mid("left_shoulder", "right_shoulder"), mid("left_hip", "right_hip")
        return math.hypot(s[0] - h[0], s[1] - h[1])

    print("clip posed_frames true_torso_median short_runs(first-last: pred px)")
    for mp4, gt in clips(dirs):
        frames = predicted_keypoints(mp4)
        if frames is None:
            continue
        names = {n: i for i, n in enumerate(gt["keypoint_names"]["blazepose33"])}
        true = [length(f["blazepose33"], names) for f in gt["frames"]]
        runs, run = [], None
        for i, kps in enumerate(frames):
            short = bool(kps) and i < len(true) and length(kps, names) * 1.6 < true[i]
            if short:
                value = length(kps, names)
                run = [i, i, value, value] if run is None else [run[0], i, min(run[2], value), max(run[3], value)]
            elif run is not None:
                runs.append(run)
                run = None
        if run is not None:
            runs.append(run)
        posed = sum(1 for kps in frames if kps)
        shown = " ".join(f"{a}-{b}:{lo:.0f}-{hi:.0f}" for a, b, lo, hi in runs) or "-"
        print(f"{mp4} {posed}/{len(frames)} {median(true):.0f} {shown}")


def roll(dirs):
    """Every clip: the camera's roll as liftcheck reads it beside the truth, where there is one."""
    print("clip true_roll read_roll corrected error_or_reason midline_roll midline_error")
    errors, midline_errors = [], []
    for d in dirs:
        for mp4 in sorted(glob.glob(os.path.join(d, "*.mp4"))):
            gt_path = mp4[:-4] + ".json"
            gt = json.load(open(gt_path)) if os.path.exists(gt_path) else {}
            truth = gt.get("camera", {}).get("roll_deg", 0.0) if "camera" in gt else None
            a = analysis(mp4)
            if a is None:
                continue
            value = a.get("standing_roll_deg")
            mid, mid_error = "-", "-"
            if value is not None:
                mid = f"{value:.2f}"
                if truth is not None:
                    midline_errors.append(value - truth)
                    mid_error = f"{value - truth:.2f}"
            read = a.get("camera_roll_deg")
            if read is None:
                why = next((x for x in a.get("details", []) if x.startswith("camera roll not read")), "-")
                print(f"{mp4} {truth if truth is not None else '-'} - - {why.replace(' ', '_')[:60]} {mid} {mid_error}")
                continue
            error = None if truth is None else read - truth
            if error is not None:
                errors.append(error)
            print(f"{mp4} {truth if truth is not None else '-'} {read:.2f} {a.get('camera_roll_corrected')} "
                  f"{'-' if error is None else f'{error:.2f}'} {mid} {mid_error}")
    if errors:
        print(f"# read minus true roll over {len(errors)} clips, degrees: p10 / p25 / median / p75 / p90 "
              + " / ".join(f"{v:.2f}" for v in percentiles(errors))
              + f"; largest |error| {max(abs(e) for e in errors):.2f}")
    if midline_errors:
        print(f"# midline roll minus true roll over {len(midline_errors)} front and rear clips, degrees: "
              "p10 / p25 / median / p75 / p90 " + " / ".join(f"{v:.2f}" for v in percentiles(midline_errors))
              + f"; largest |error| {max(abs(e) for e in midline_errors):.2f}")


def tracks_diff(dirs):
    """Two keypoint caches (`LIFTCHECK_CACHE` folders) of the same clips, made by two builds: per
    clip in both (same video, full model, automatic lifter), whether the keypoints and plates are
    identical, and how far apart the back outlines' points are on frames where both have one
    (frames with an outline in one cache only are counted). For a change to the pose stage that
    should leave the tracks as they were (the cache format version bumped, so both are kept)."""
    if len(dirs) != 2:
        sys.exit("tracks-diff needs two cache folders")

    def load(d):
        tracks = {}
        for path in glob.glob(os.path.join(d, "track-*.json")):
            with open(path) as f:
                cached = json.load(f)
            key = cached["key"]
            if key.get("model") == "full" and key.get("lifter") == "auto":
                if key["video_sha256"] in tracks:
                    sys.exit(f"{d}: two tracks of one video (from two builds?): use a cache folder per build")
                tracks[key["video_sha256"]] = cached["track"]
        return tracks

    a, b = load(dirs[0]), load(dirs[1])
    common = sorted(set(a) & set(b))
    keypoints = plates = one_sided = 0
    apart = []
    for k in common:
        ta, tb = a[k], b[k]
        keypoints += ta["frames"] != tb["frames"]
        plates += ta.get("plates") != tb.get("plates")
        for oa, ob in zip(ta["back"], tb["back"]):
            if (oa is None) != (ob is None):
                one_sided += 1
            elif oa is not None:
                apart.append(max(math.hypot(p["x"] - q["x"], p["y"] - q["y"]) for p, q in zip(oa, ob)))
    print(f"clips in both: {len(common)} (of {len(a)} and {len(b)}); keypoints differ on {keypoints}, "
          f"plates on {plates}; frames with an outline in one only: {one_sided}")
    if apart:
        apart.sort()
        print(f"outlines on {len(apart)} frames, points apart (px): median {apart[len(apart) // 2]:.2g}, "
              f"99th percentile {apart[int(0.99 * (len(apart) - 1))]:.2g}, largest {apart[-1]:.2g}")


def main():
    modes = {"roll": roll, "sanity": sanity, "upright": upright, "liftoff-back": liftoff_back, "lockout": lockout, "wrists": wrists, "head": head, "back": back, "outline": outline, "variant": variant, "lockout-legs": lockout_legs, "plates": plates, "plates-found": plates_found, "lockout-outline": lockout_outline, "imbalance": imbalance, "frontal-liftoff": frontal_liftoff, "lean-back": lean_back, "lockout-outline-lean": lockout_outline_lean, "hips-rise": hips_rise, "lockout-knees": lockout_knees, "rdl-bottom": rdl_bottom, "back-findings": back_findings, "findings": all_findings, "side-on": side_on, "arms": arms, "arm-angle": arm_angle, "rdl-knees": rdl_knees, "rdl-back": rdl_back, "rdl-hips": rdl_hips, "setup": setup, "setup-errors": setup_errors, "lr-span": lr_span, "bar-drift": bar_drift, "lockout-thighs": lockout_thighs, "torso": torso, "wrist-bar": wrist_bar, "events": events, "tracks-diff": tracks_diff}
    args = sys.argv[1:]
    if len(args) >= 3 and args[0] == "--config":
        EXTRA_ARGS.extend(args[:2])
        args = args[2:]
    if len(args) < 2 or args[0] not in modes:
        sys.exit(__doc__)
    modes[args[0]](args[1:])


if __name__ == "__main__":
    main()
