"""Ground-truth keypoints (BlazePose-33, COCO-17), visibility, angles."""
import numpy as np

from .body import PARTS

BLAZEPOSE33 = ["nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye",
               "right_eye_outer", "left_ear", "right_ear", "mouth_left", "mouth_right", "left_shoulder",
               "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_pinky",
               "right_pinky", "left_index", "right_index", "left_thumb", "right_thumb", "left_hip", "right_hip",
               "left_knee", "right_knee", "left_ankle", "right_ankle", "left_heel", "right_heel",
               "left_foot_index", "right_foot_index"]
COCO17 = ["nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
          "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee",
          "right_knee", "left_ankle", "right_ankle"]

# BlazePose points that anny's regressor does not give: mesh vertices (same topology for every
# body) or rig joint centres.
VERTEX_POINTS = {"left_eye_inner": 6926, "left_eye_outer": 6850, "right_eye_inner": 165,
                 "right_eye_outer": 82, "mouth_left": 7120, "mouth_right": 376}
JOINT_POINTS = {"left_pinky": "finger5-1.L", "right_pinky": "finger5-1.R", "left_index": "finger2-1.L",
                "right_index": "finger2-1.R", "left_thumb": "finger1-2.L", "right_thumb": "finger1-2.R"}
ANNY_POINTS = {"left_foot_index": "left_big_toe", "right_foot_index": "right_big_toe"}

# owners (body parts whose surface may be seen in front of the point) and depth tolerance (m)
def _owners(name):
    side = "L" if name.startswith("left") else "R"
    if name in ("nose",) or "eye" in name or "ear" in name or "mouth" in name:
        return {"head"}, (0.045 if "ear" in name else 0.03)
    if "shoulder" in name:
        return {"torso", "upperarm_" + side, "head"}, 0.12
    if "elbow" in name:
        return {"upperarm_" + side, "forearm_" + side}, 0.07
    if "wrist" in name:
        return {"forearm_" + side, "hand_" + side}, 0.06
    if any(k in name for k in ("pinky", "index", "thumb")) and "foot" not in name:
        return {"hand_" + side}, 0.05
    if "hip" in name:
        return {"torso", "thigh_" + side}, 0.16
    if "knee" in name:
        return {"thigh_" + side, "shin_" + side}, 0.09
    if "ankle" in name:
        return {"shin_" + side, "foot_" + side}, 0.07
    if "heel" in name:
        return {"foot_" + side, "shin_" + side}, 0.05
    if "foot_index" in name:
        return {"foot_" + side}, 0.04
    raise ValueError(name)


OWNERS = []
TOLS = []
for _n in BLAZEPOSE33:
    o, t = _owners(_n)
    OWNERS.append({PARTS.index(p) + 1 for p in o})
    TOLS.append(t)
DERIVED = {n: ("vertex %d" % VERTEX_POINTS[n]) if n in VERTEX_POINTS else
           ("rig joint %s" % JOINT_POINTS[n]) if n in JOINT_POINTS else
           ("anny keypoint %s" % ANNY_POINTS[n]) for n in list(VERTEX_POINTS) + list(JOINT_POINTS) + list(ANNY_POINTS)}


def blazepose33_world(body, verts, P):
    kp = body.keypoints(verts)
    names = body.d.kp_names
    out = np.zeros((33, 3))
    for i, n in enumerate(BLAZEPOSE33):
        if n in VERTEX_POINTS:
            out[i] = verts[VERTEX_POINTS[n]]
        elif n in JOINT_POINTS:
            out[i] = P[body.d.bi[JOINT_POINTS[n]]]
        elif n in ANNY_POINTS:
            out[i] = kp[names.index(ANNY_POINTS[n])]
        else:
            out[i] = kp[names.index(n)]
    return out, kp


def visibility(uv, depth, lab, W, H):
    """2 visible, 1 occluded by the bar/plates/other objects, 0 hidden by the body or out of frame.

    Where the whole-scene label render shows a body part (or nothing) at a point's pixel, the
    body-only render would show the same; only where an object is in front is the body-only
    render consulted (lab renders it on demand)."""
    vis = np.zeros(len(uv), np.int32)
    for i, ((x, y), z) in enumerate(zip(uv, depth)):
        if not (0 <= x < W and 0 <= y < H) or z <= 0:
            continue
        xi, yi = int(np.floor(x)), int(np.floor(y))
        sid = lab["ids"][yi, xi]
        sd = lab["depth"][yi, xi]
        if sid >= 40:
            bid = lab["body_ids"][yi, xi]
            bd = lab["body_depth"][yi, xi]
        else:
            bid, bd = sid, sd
        if bid not in OWNERS[i] or bd < z - TOLS[i]:
            continue
        if sid >= 40 and sd < bd - 0.005:
            vis[i] = 1
        else:
            vis[i] = 2
    return vis


def _ang(a, b, c):
    u, v = a - b, c - b
    cs = np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v))
    return float(np.degrees(np.arccos(np.clip(cs, -1, 1))))


def _sag(v):
    """Forward lean of a vector from vertical in the lifter's sagittal plane (deg, + forward)."""
    return float(np.degrees(np.arctan2(v[2], v[1])))


def angles(bp, q):
    i = BLAZEPOSE33.index
    out = {}
    for side, pre in (("L", "left"), ("R", "right")):
        sh, hp, kn, an, ft = (bp[i(f"{pre}_{n}")] for n in ("shoulder", "hip", "knee", "ankle", "foot_index"))
        out[f"hip_{side}"] = _ang(sh, hp, kn)
        out[f"knee_{side}"] = _ang(hp, kn, an)
        out[f"ankle_{side}"] = _ang(kn, an, ft)
    msh = 0.5 * (bp[i("left_shoulder")] + bp[i("right_shoulder")])
    mhp = 0.5 * (bp[i("left_hip")] + bp[i("right_hip")])
    mear = 0.5 * (bp[i("left_ear")] + bp[i("right_ear")])
    trunk = _sag(msh - mhp)
    out["trunk_from_vertical"] = trunk
    out["lumbar_flexion"] = float(q.get("lumbar", 0.0))
    out["thoracic_flexion"] = float(q.get("thoracic", 0.0))
    out["neck_extension"] = trunk - _sag(mear - msh)
    return out
