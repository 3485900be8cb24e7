"""Render one labelled clip: config -> mp4 + ground-truth JSON."""
import json
import os
import subprocess
import tempfile
import time

import numpy as np

from . import SCHEMA_VERSION, __version__
from . import labels as LB
from . import scene as S
from .body import PARTS, BodyData, rot_align, rot_y
from .config import PLATES, complete
from .motion import BAR_Y0, FAULT_MAX, Lifter
from .plan import ADDITIVE, Planner, fault_shapes, shape
from .pose import Poser

PIXEL_CONVENTION = ("continuous pixel coordinates of the upright (displayed) frame: origin at the top-left "
                    "corner of the top-left pixel, x right, y down; the centre of pixel (col, row) is "
                    "(col + 0.5, row + 0.5) as in OpenCV/MediaPipe")

_BODY_DATA = None
RIG_JOINTS = {"pelvis": "spine05", "lumbar_mid": "spine04", "lumbar_top": "spine03", "thoracic_mid": "spine02",
              "thoracic_top": "spine01", "neck_base": "neck01", "head": "head",
              "hip_L": "upperleg01.L", "hip_R": "upperleg01.R", "knee_L": "lowerleg01.L", "knee_R": "lowerleg01.R",
              "ankle_L": "foot.L", "ankle_R": "foot.R", "shoulder_L": "upperarm01.L", "shoulder_R": "upperarm01.R",
              "elbow_L": "lowerarm01.L", "elbow_R": "lowerarm01.R", "wrist_L": "wrist.L", "wrist_R": "wrist.R"}


def body_data():
    global _BODY_DATA
    if _BODY_DATA is None:
        _BODY_DATA = BodyData()
    return _BODY_DATA


# --------------------------------------------------------------------------- appearance
def vertex_colors(body, app, rng_seed):
    d = body.d
    rv = body.rest_verts
    part = np.array([PARTS[p] for p in d.vertex_part])
    reg = np.array([d.region_names[r] for r in d.vertex_region])
    n = len(rv)
    col = np.tile(np.array(app["skin"], float), (n, 1))
    kp = body.keypoints(rv)
    eye_y = kp[d.kp_names.index("left_eye"), 1]
    ear = kp[d.kp_names.index("left_ear")]
    hip_y = body.h("upperleg01.L")[1]
    H = body.height
    shirt = np.array(app["shirt"], float)
    shorts = np.array(app["shorts"], float)
    is_torso = part == "torso"
    col[is_torso & (rv[:, 1] >= hip_y + 0.10)] = shirt
    col[is_torso & (rv[:, 1] < hip_y + 0.10)] = shorts
    if app.get("sleeves"):
        for s in ("L", "R"):
            m = part == "upperarm_" + s
            col[m] = shirt
    for s in ("L", "R"):
        col[part == "thigh_" + s] = shorts
        shin = part == "shin_" + s
        if app.get("long_pants"):
            col[shin] = shorts
        sock = shin & (rv[:, 1] < 0.10 * H)
        col[sock] = [235, 235, 235] if np.mean(app["shoes"]) < 120 else [30, 30, 30]
        col[part == "foot_" + s] = app["shoes"]
    head = reg == "head"
    hair = head & ((rv[:, 1] > eye_y + 0.045) | ((rv[:, 2] < ear[2] - 0.015) & (rv[:, 1] > ear[1] - 0.03)))
    col[hair] = app["hair"]
    for r in ("eye_front.L", "eye_front.R"):
        col[reg == r] = [60, 40, 30]
    for r in ("eye_cavity.L", "eye_cavity.R", "mouth_cavity", "tongue"):
        col[reg == r] = [90, 40, 40]
    # low-frequency shading variation (cloth folds, skin tone)
    rng = np.random.default_rng(rng_seed)
    ph = rng.uniform(0, 2 * np.pi, 3)
    var = 1.0 + 0.05 * np.sin(rv[:, 1] * 23 + ph[0]) * np.sin(rv[:, 0] * 31 + ph[1]) + 0.03 * np.sin(rv[:, 2] * 41 + ph[2])
    col = np.clip(col * var[:, None], 0, 255)
    out = np.concatenate([col, np.full((n, 1), 255)], 1).astype(np.uint8)
    return out


def light_pose(pos, target=(0, 0.8, 0)):
    R, t = S.look_at(pos, target)
    M = np.eye(4)
    M[:3, :3] = R.T
    M[:3, 3] = pos
    return M @ np.diag([1, -1, -1, 1.0])


def camera_setup(cfg, body_height, plate_x=0.8):
    """Camera from the config: view azimuth, height, lateral offset; the distance is the
    smallest that keeps the whole scene of the lift (standing lifter, plates on the floor, bent
    set-up) inside the frame with a 4% margin, times the near/far factor (>= 1)."""
    cam = cfg["camera"]
    W, H = cfg["video"]["width"], cfg["video"]["height"]
    vfov = cam["vfov_deg"]
    K = S.intrinsics(W, H, vfov)
    yaw = np.radians(cam["yaw_deg"])
    fwd = np.array([np.sin(yaw), 0.0, np.cos(yaw)])
    side = np.array([np.cos(yaw), 0.0, -np.sin(yaw)])
    bh = body_height
    pr = S.PLATE_R
    pts = [[0, bh + 0.04, 0], [0.25, bh * 0.55, -0.1], [-0.25, bh * 0.55, -0.1],
           [0, 0.42 * bh, -0.30 * bh], [0, 0.68 * bh, 0.22 * bh],         # hips back / head forward at set-up
           [0.2, 0, 0.27], [-0.2, 0, 0.27], [0.2, 0, -0.12], [-0.2, 0, -0.12]]
    for sx in (plate_x, -plate_x):
        for a in np.linspace(0, 2 * np.pi, 12, endpoint=False):
            pts.append([sx, 0.225 + pr * np.sin(a), pr * np.cos(a)])            # plates on the floor
            pts.append([sx, 0.42 * bh + pr * np.sin(a), pr * np.cos(a)])        # plates at lockout height
    pts = np.array(pts)
    target = np.array([0.0, 0.5 * (pts[:, 1].min() + pts[:, 1].max()), 0.0]) + side * cam["lateral_m"] * 0.5
    margin = 0.04

    # Roll about the lens axis, positive = the image turned clockwise on screen (world
    # verticals lean right at the top), as a phone propped or held askew.
    from .body import rot_z as _rz
    roll = _rz(cam.get("roll_deg", 0.0))

    def fits(dist):
        pos = np.array([0.0, cam["height_m"], 0.0]) + fwd * dist + side * cam["lateral_m"]
        R, t = S.look_at(pos, target)
        R, t = roll @ R, roll @ t
        uv, z = S.project(K, R, t, pts)
        ok = (z > 0.2).all() and (uv[:, 0] > margin * W).all() and (uv[:, 0] < (1 - margin) * W).all() \
            and (uv[:, 1] > margin * H).all() and (uv[:, 1] < (1 - margin) * H).all()
        return ok, pos, R, t

    if "distance_m" not in cam:
        lo, hi = 1.0, 30.0
        for _ in range(40):
            mid = 0.5 * (lo + hi)
            if fits(mid)[0]:
                hi = mid
            else:
                lo = mid
        cam["distance_m"] = round(float(hi * cam["near_far"]), 3)
    _, pos, R, t = fits(cam["distance_m"])
    return K, R, t, pos


def camera_shake(cfg, n, fps, seed):
    """Hand-held camera: smooth small rotations (about all three axes) and translations, as sums
    of a few sinusoids of 0.2-2.5 Hz; None for a fixed camera."""
    cam = cfg["camera"]
    if not cam.get("handheld"):
        return None
    rng = np.random.default_rng(seed + 424242)
    t = np.arange(n) / fps
    def smooth_noise(amp):
        out = np.zeros(n)
        for _ in range(4):
            f = rng.uniform(0.2, 2.5)
            out += rng.normal() * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi)) / (1 + f)
        return amp * out / 1.5
    from .body import rot_x as _rx, rot_y as _ry, rot_z as _rz
    ang = [smooth_noise(cam["shake_deg"]) for _ in range(3)]
    pos = [smooth_noise(cam["shake_m"]) for _ in range(3)]
    res = []
    for i in range(n):
        dR = _rz(ang[2][i]) @ _ry(ang[1][i]) @ _rx(ang[0][i])  # rotation in camera axes
        res.append((dR, np.array([pos[0][i], pos[1][i], pos[2][i]])))
    return res


# Props keep at least this far (m, along either floor axis) from the floor-plane line between
# the camera and the lifter, so none stands in front of the lifter or around the camera (seed
# 302 clip 008 had a box filling the view; the ground truth still called the keypoints visible).
PROP_SIGHT_LINE_CLEARANCE_M = 1.2


def _blocks_view(cam_pos, centre, size, clearance=PROP_SIGHT_LINE_CLEARANCE_M):
    """Whether a floor box at `centre` (x, z) of footprint `size` (w, d), grown by `clearance`
    on each floor axis, touches the segment from the camera to the lifter at the origin."""
    cam = np.array([cam_pos[0], cam_pos[2]], dtype=float)
    half = np.array(size, dtype=float) / 2 + clearance
    for k in np.linspace(0.0, 1.0, 101):
        if np.all(np.abs(cam * (1 - k) - np.array(centre)) <= half):
            return True
    return False


def gym(rend, cfg, rng, cam_pos):
    sc = cfg["scene"]
    fl = np.array(sc["floor"] + [255])
    rend.add_static(S.trimesh.creation.box([14, 0.02, 14]).apply_translation([0, -0.01, 0]), fl, "floor")
    # rubber tiles: darker seams
    for i in range(-7, 8):
        rend.add_static(S.trimesh.creation.box([0.015, 0.002, 14]).apply_translation([i * 1.0, 0.0005, 0]), fl * 0.7 + [0, 0, 0, 76], "floor")
        rend.add_static(S.trimesh.creation.box([14, 0.002, 0.015]).apply_translation([0, 0.0005, i * 1.0]), fl * 0.7 + [0, 0, 0, 76], "floor")
    wall = np.array(sc["wall"] + [255])
    for k, (sx, sz, x, z) in enumerate([(14, 0.1, 0, -7), (14, 0.1, 0, 7), (0.1, 14, -7, 0), (0.1, 14, 7, 0)]):
        shade = np.array([1.0, 0.92, 0.85, 0.95][k])
        rend.add_static(S.trimesh.creation.box([sx, 4.0, sz]).apply_translation([x, 2.0, z]), np.clip(wall * shade, 0, 255).astype(int), "floor")
    # props: racks, boxes, dumbbell rack along the walls
    for _ in range(7):
        ang = rng.uniform(0, 2 * np.pi)
        r = rng.uniform(4.0, 6.3)
        x, z = r * np.cos(ang), r * np.sin(ang)
        x, z = np.clip(x, -6.5, 6.5), np.clip(z, -6.5, 6.5)
        w, h, d = rng.uniform(0.4, 1.6), rng.uniform(0.3, 2.2), rng.uniform(0.4, 1.2)
        c = rng.integers(20, 230, 3).tolist() + [255]
        # Every prop draws its numbers, so skipping one leaves the rest of the scene as it was.
        if _blocks_view(cam_pos, (x, z), (w, d)):
            continue
        rend.add_static(S.trimesh.creation.box([w, h, d]).apply_translation([x, h / 2, z]), c, "floor")
    # a platform-like mat under the lifter
    rend.add_static(S.trimesh.creation.box([2.4, 0.004, 2.4]).apply_translation([0, 0.002, 0]), np.clip(fl * 1.25, 0, 255).astype(int), "floor")


def bar_pose(grips):
    axis = grips["L"] - grips["R"]
    M = np.eye(4)
    M[:3, :3] = rot_align(np.array([1.0, 0, 0]), axis)
    M[:3, 3] = 0.5 * (grips["L"] + grips["R"])
    return M


def _r(x, nd=2):
    return [round(float(v), nd) for v in x]


def render_clip(cfg_in, out_mp4, log=print, max_frames=None):
    t_start = time.time()
    cfg = complete(cfg_in)
    seed = cfg["seed"]
    rng = np.random.default_rng(seed + 1000003)
    d = body_data()
    body = d.body(cfg["body"])
    st = cfg["stance"]
    poser = Poser(body, stance_half=st["stance_half"], toe_out=st["toe_out"], knee_out=st["knee_out"],
                  grip_half=st.get("grip_half"))
    lifter = Lifter(body, poser)
    planner = Planner(lifter, cfg, rng)
    frames = planner.build()
    if max_frames:
        frames = frames[:max_frames]
    log(f"planned {len(frames)} frames in {time.time() - t_start:.1f}s")
    W, H = cfg["video"]["width"], cfg["video"]["height"]
    fps = cfg["video"]["fps"]
    app = cfg["appearance"]
    x_outer = S.SHAFT_HALF + 0.03 + app["plate_thick"] * app["n_plates"]
    K, R, t, cam_pos = camera_setup(cfg, body.height, plate_x=x_outer)
    sc = cfg["scene"]
    az, el = np.radians(sc["light_az"]), np.radians(sc["light_el"])
    lpos = np.array([np.cos(el) * np.sin(az), np.sin(el), np.cos(el) * np.cos(az)]) * 6 + [0, 0.8, 0]
    gymcfg = dict(bg=sc["wall"], ambient=[sc["ambient"]] * 3,
                  lights=[dict(type="dir", intensity=sc["light_int"], pose=light_pose(lpos)),
                          dict(type="point", intensity=6.0, pose=light_pose(cam_pos + np.array([0.3, 1.2, 0.0])))])
    rend = S.Renderer(W, H, K, R, t, rng, gymcfg)
    gym(rend, cfg, rng, cam_pos)
    app = cfg["appearance"]
    pcols = PLATES[app["plates"]]
    plates = [(app["plate_thick"], pcols[i % len(pcols)], S.PLATE_R) for i in range(app["n_plates"])]
    bar_handles = rend.add_posable(S.barbell_parts(plates))
    x_plate = S.plate_faces(plates)
    cols = vertex_colors(body, app, seed)
    ids = d.vertex_part + 1
    faces = d.faces
    # bystander
    by = None
    if sc["bystander"]:
        bb = d.body(sc["bystander_body"])
        bps = Poser(bb, stance_half=0.13, toe_out=10.0)
        bx, bz = sc["bystander_pos"]
        yaw_b = float(rng.uniform(-180, 180))
        app_b = dict(app, shirt=sc["bystander_shirt"], shorts=[40, 40, 45], hair=[30, 25, 20], long_pants=True, sleeves=True)
        by = dict(body=bb, poser=bps, pos=np.array([bx, 0.0, bz]), yaw=yaw_b, cols=vertex_colors(bb, app_b, seed + 7))
        # place it where the camera sees it but not in front of the lifter: behind along the view axis
        fwd = cam_pos / np.linalg.norm(cam_pos)
        side = np.cross([0, 1, 0], fwd)
        side /= np.linalg.norm(side)
        by["pos"] = -fwd * (2.0 + abs(bz)) + side * bx
        by["pos"][1] = 0.0
    # --------------------------------------------------------------------- frames
    tmpdir = tempfile.mkdtemp(prefix="liftsynth-")
    raw_mp4 = os.path.join(tmpdir, "raw.mp4")
    rot = int(cfg["video"]["rotation_meta"])
    sw, sh = (W, H) if rot in (0, 180) else (H, W)
    ff = subprocess.Popen(["ffmpeg", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24",
                           "-s", f"{sw}x{sh}", "-r", str(fps), "-i", "-", "-c:v", "libx264", "-preset", "slow",
                           "-crf", str(cfg["video"]["crf"]), "-pix_fmt", "yuv420p", "-threads", "1",
                           "-x264-params", "threads=1", "-movflags", "+faststart", "-fflags", "+bitexact",
                           "-flags:v", "+bitexact", "-map_metadata", "-1", raw_mp4], stdin=subprocess.PIPE)
    out_frames = []
    noise_rng = np.random.default_rng(seed + 99)
    prev_img = None
    t_r = time.time()
    shake = camera_shake(cfg, len(frames), fps, seed)
    R0, t0, C0 = R, t, cam_pos
    for fi, (q, meta) in enumerate(frames):
        if shake is not None:
            dR, dC = shake[fi]
            R = dR @ R0
            cam_pos = C0 + dC
            t = -R @ cam_pos
            rend.set_camera(R, t)
        q2, D, P, info = lifter.fix_frame(q)
        verts = body.skin(D, P)
        items = [(verts, faces, cols, ids, "body", True)]
        if by is not None:
            bq = dict(bar=[0, 0.2, 0], hang=1.0, pitch=2.0 * np.sin(fi / fps * 1.3), neck=-3.0,
                      root=[0.0, by["body"].rest_heads[0][1] - 0.01, by["poser"].ankle_target["L"][2] + 0.01])
            bD, bP, _ = by["poser"].pose(bq)
            bv = by["body"].skin(bD, bP)
            Ry = rot_y(by["yaw"])
            bv = bv @ Ry.T + by["pos"]
            items.append((bv, faces, by["cols"], np.full(len(bv), S.OBJ_IDS["bystander"]), "other", True))
        rend.set_dynamic(items)
        hands_on = q2.get("hang", 0.0) <= 0.0
        if hands_on:
            Mb = bar_pose(info["grips"])
            bc3 = info["bar"]
            tilt = float(np.degrees(np.arctan2(info["grips"]["L"][1] - info["grips"]["R"][1],
                                               info["grips"]["L"][0] - info["grips"]["R"][0])))
        else:  # bar resting on the floor where the set-up will find it
            Mb = np.eye(4)
            Mb[:3, 3] = q2["bar"]
            bc3 = np.asarray(q2["bar"], float)
            tilt = 0.0
        rend.set_pose(bar_handles, Mb)
        color, lab = rend.render(labels=True)
        # keypoints
        bp3, kp23 = LB.blazepose33_world(body, verts, P)
        uv, z = S.project(K, R, t, bp3)
        vis = LB.visibility(uv, z, lab, W, H)
        bp2 = [[round(float(u), 2), round(float(v), 2), int(s)] for (u, v), s in zip(uv, vis)]
        coco = [bp2[LB.BLAZEPOSE33.index(n)] for n in LB.COCO17]
        ang = LB.angles(bp3, q2)
        # bar and plates
        bcuv, _ = S.project(K, R, t, bc3)
        plates_out = {}
        circ = np.linspace(0, 2 * np.pi, 48, endpoint=False)
        pl = []
        for sgn, name in ((1, "left"), (-1, "right")):
            c_local = np.array([sgn * x_plate, 0, 0])
            rim_local = np.stack([np.full_like(circ, sgn * x_plate), S.PLATE_R * np.cos(circ), S.PLATE_R * np.sin(circ)], 1)
            c_w = Mb[:3, :3] @ c_local + Mb[:3, 3]
            rim_w = rim_local @ Mb[:3, :3].T + Mb[:3, 3]
            cuv, _ = S.project(K, R, t, c_w)
            ruv, _ = S.project(K, R, t, rim_w)
            rad = float(np.mean(np.linalg.norm(ruv - cuv[0], axis=1)))
            pl.append((np.linalg.norm(c_w - cam_pos), name, cuv[0], rad, c_w))
        pl.sort(key=lambda x: x[0])
        for key, (dist, name, cuv, rad, cw) in zip(("plate_near", "plate_far"), pl):
            plates_out[key] = {"side": name, "center": _r(cuv), "radius": round(rad, 2), "center3d": _r(cw, 4)}
        mf, _ = S.project(K, R, t, np.zeros(3))
        rep_no = meta["rep"] + 1 if meta["rep"] is not None else None
        out_frames.append({
            "i": fi, "t": round(fi / fps, 4), "rep": rep_no, "phase": meta["phase"],
            "blazepose33": bp2, "coco17": coco,
            "joints3d": {"blazepose33": [_r(p, 4) for p in bp3]},
            "angles": {k: round(v, 2) for k, v in ang.items()},
            "bar": {"center": _r(bcuv[0]), "center3d": _r(bc3, 4), "tilt_deg": round(tilt, 2), "in_hands": bool(hands_on),
                    **plates_out},
            "midfoot": _r(mf[0]),
            **({"camera": {"R": [_r(r, 6) for r in R], "t": _r(t, 6)}} if shake is not None else {}),
            "rig": {"trunk_pitch_deg": round(float(q2["pitch"]), 2), "arm_angle_deg": round(float(q2["alpha"]), 2),
                    "lumbar_deg": round(float(q2["lumbar"]), 2), "thoracic_deg": round(float(q2["thoracic"]), 2),
                    "neck_flexion_deg": round(float(q2["neck"]), 2), "pelvis_roll_deg": round(float(q2.get("roll", 0.0)), 2),
                    "spine_side_bend_deg": round(float(q2.get("side_bend", 0.0)), 2),
                    "hip_shift_m": round(float(q2.get("shift", 0.0)), 4),
                    "knee_flexion_L_deg": round(float(info["legs"]["L"]["knee_flex"]), 2),
                    "knee_flexion_R_deg": round(float(info["legs"]["R"]["knee_flex"]), 2),
                    "joints3d": {k: _r(P[body.d.bi[b]], 3) for k, b in RIG_JOINTS.items()}},
            "_h": meta["h"], "_q": q2, "_knee_y": float(0.5 * (kp23[d.kp_names.index("left_knee"), 1] + kp23[d.kp_names.index("right_knee"), 1])),
        })
        img = color
        vcfg = cfg["video"]
        # camera response: exposure, white balance, gamma; then a short-shutter motion blur
        # approximated by blending with the previous rendered frame
        gain = np.array(vcfg["tint"], np.float32) * vcfg["exposure"]
        img = 255.0 * np.clip(img.astype(np.float32) * gain / 255.0, 0, 1) ** (1.0 / vcfg["gamma"])
        if vcfg["motion_blur"] > 0 and prev_img is not None:
            cur = img
            img = (1 - vcfg["motion_blur"]) * img + vcfg["motion_blur"] * prev_img
            prev_img = cur
        else:
            prev_img = img
        img = np.clip(np.rint(img), 0, 255).astype(np.uint8)
        if cfg["video"]["blur"] > 0.05:
            from PIL import Image, ImageFilter
            img = np.asarray(Image.fromarray(img).filter(ImageFilter.GaussianBlur(cfg["video"]["blur"])))
        if cfg["video"]["noise"] > 0:
            img = np.clip(img.astype(np.float32) + noise_rng.normal(0, cfg["video"]["noise"], img.shape), 0, 255).astype(np.uint8)
        if rot == 90:
            img = np.rot90(img, k=1)   # stored frame; players rotate it 90 deg clockwise back upright
        elif rot == 270:
            img = np.rot90(img, k=-1)
        elif rot == 180:
            img = np.rot90(img, k=2)
        ff.stdin.write(np.ascontiguousarray(img).tobytes())
        if fi % 30 == 0:
            log(f"frame {fi}/{len(frames)} ({time.time() - t_r:.1f}s)")
    ff.stdin.close()
    if ff.wait() != 0:
        raise RuntimeError("ffmpeg failed")
    rend.close()
    R, t, cam_pos = R0, t0, C0
    if rot:
        # rotation_meta follows the legacy "rotate" tag meaning (what phones write and OpenCV's
        # CAP_PROP_ORIENTATION_META reports): rotate the stored frame that many degrees clockwise to
        # display it. ffmpeg 5.1's -metadata rotate=X writes a display matrix of X degrees
        # counter-clockwise, so it is given 360 - rotation_meta; checked with ffprobe below.
        subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", raw_mp4, "-c", "copy", "-metadata:s:v:0",
                        f"rotate={(360 - rot) % 360}", "-movflags", "+faststart", "-fflags", "+bitexact",
                        "-map_metadata", "-1", out_mp4], check=True)
        pr = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                             "stream_side_data=rotation", "-of", "csv=p=0", out_mp4], capture_output=True, text=True).stdout
        got = int(float(pr.strip().split("\n")[0].strip(",") or 0))
        if (got + rot) % 360 != 0:
            raise RuntimeError(f"display matrix rotation {got} does not match rotation_meta {rot}")
    else:
        os.replace(raw_mp4, out_mp4)
    if os.path.exists(raw_mp4):
        os.remove(raw_mp4)
    os.rmdir(tmpdir)
    render_s = time.time() - t_start
    gt = ground_truth(cfg, planner, body, out_frames, K, R, t, cam_pos, out_mp4, W, H, fps, rot, x_plate)
    js = os.path.splitext(out_mp4)[0] + ".json"
    with open(js, "w") as f:
        json.dump(gt, f, separators=(",", ":"))
    log(f"wrote {out_mp4} ({os.path.getsize(out_mp4) / 1e6:.2f} MB) and {js} ({os.path.getsize(js) / 1e6:.2f} MB) in {render_s:.0f}s")
    gt["_render_seconds"] = round(render_s, 1)  # not in the file: timings are not reproducible
    return gt


def _fault_ranges(cfg, planner, frames, rep_events):
    """Per rep, the faults injected with their frame ranges (where the fault's shape >= 0.5)."""
    out = {}
    for rep in planner.reps:
        lst = []
        ev = rep_events[rep.index]
        for kind, sev in rep.faults.items():
            if sev <= 0:
                continue
            idx = [f["i"] for f in frames if f["rep"] == rep.index]
            act = []
            for f in frames:
                if f["rep"] != rep.index:
                    continue
                ph, h = f["phase"], f["_h"]
                if kind in ADDITIVE:
                    a = max(shape(s, h, planner.keys[rep.index - 1]["h_kp"])
                            for _, _, s in fault_shapes(kind, rep.onsets[kind]))
                    if ph in ("approach", "stand"):
                        a = 0.0
                elif kind == "hips_shoot_up":
                    a = 1.0 if (ph == "shoot" or (ph == "pull" and f["_rel_kp"] <= 0)) else 0.0
                elif kind in ("shoulders_behind_bar", "knees_forward"):
                    a = 1.0 if (ph in ("setup", "shoot") or (ph == "pull" and f["_rel_kp"] <= 0)) else 0.0
                elif kind in ("incomplete_lockout", "lean_back"):
                    a = 1.0 if (ph == "top" or (ph in ("pull", "lower") and h >= 0.9)) else 0.0
                elif kind in ("rdl_locked_knees",):
                    a = 1.0 if ph in ("lower", "bottom", "pull") else 0.0
                else:
                    a = 1.0
                act.append((f["i"], a))
            on = [i for i, a in act if a >= 0.5]
            rng = [min(on), max(on)] if on else None
            param = {k: round(v * sev, 4) for k, v in FAULT_MAX[kind].items()}
            entry = {"kind": kind, "severity": round(sev, 3), "frames": rng, "param": param}
            if rep.onsets[kind] != "setup":
                entry["onset"] = rep.onsets[kind]
            lst.append(entry)
        out[rep.index] = lst
    return out


def ground_truth(cfg, planner, body, frames, K, R, t, cam_pos, out_mp4, W, H, fps, rot, x_plate):
    # events per rep from the rendered geometry
    reps = []
    rep_events = {}
    for f in frames:
        f["_rel_kp"] = 0
    for rep in planner.reps:
        fr = [f for f in frames if f["rep"] == rep.index]
        ev = {"index": rep.index}
        if not fr:
            rep_events[rep.index] = ev
            reps.append(ev)
            continue
        keys = planner.keys[rep.index - 1]
        y = np.array([f["bar"]["center3d"][1] for f in fr])
        ph = [f["phase"] for f in fr]
        ii = [f["i"] for f in fr]
        if planner.variant == "romanian":
            ev["setup_frame"] = None
            ev["liftoff_frame"] = None
            bot = [k for k, p in enumerate(ph) if p == "bottom"]
            ev["bottom_frame"] = ii[bot[0]] if bot else None
            pull = [k for k, p in enumerate(ph) if p == "pull"]
            kp = [k for k in pull if y[k] >= fr[k]["_knee_y"]]
            ev["knee_pass_frame"] = ii[kp[0]] if kp and y[pull[0]] < fr[pull[0]]["_knee_y"] else None
            top = [k for k, p in enumerate(ph) if p in ("top", "end")]
            ev["lockout_frame"] = ii[top[0]] if top else None
            ev["setdown_frame"] = None
        else:
            setup = [k for k, p in enumerate(ph) if p == "setup"]
            ev["setup_frame"] = ii[setup[0]] if setup else None
            lo = [k for k, p in enumerate(ph) if p == "pull" and y[k] > BAR_Y0 + 0.002]
            ev["liftoff_frame"] = ii[lo[0]] if lo else None
            kp = [k for k, p in enumerate(ph) if p == "pull" and y[k] >= fr[k]["_knee_y"]]
            ev["knee_pass_frame"] = ii[kp[0]] if kp else None
            top = [k for k, p in enumerate(ph) if p == "top"]
            ev["lockout_frame"] = ii[top[0]] if top else None
            low = [k for k, p in enumerate(ph) if p == "lower" and y[k] <= BAR_Y0 + 0.002]
            ev["setdown_frame"] = ii[low[0]] if low else None
            ev["bottom_frame"] = ev["setdown_frame"]
            if ev["knee_pass_frame"] is not None:
                for f in fr:
                    f["_rel_kp"] = 1 if f["i"] >= ev["knee_pass_frame"] else 0
        ev["bar_top_m"] = round(float(keys["y_top"]), 4)
        rep_events[rep.index] = ev
        reps.append(ev)
    faults = _fault_ranges(cfg, planner, frames, rep_events)
    for ev in reps:
        ev["faults"] = faults.get(ev["index"], [])
    for f in frames:
        for k in [k for k in f if k.startswith("_")]:
            del f[k]
    cam = cfg["camera"]
    view = cam["view"]
    fwd_img = R @ np.array([0, 0, 1.0])  # lifter's forward in camera axes
    if view.startswith("side") or abs(fwd_img[0]) > 0.7:
        facing = "left" if fwd_img[0] < 0 else "right"
    else:
        facing = "camera" if fwd_img[2] < 0 else "away"
    gt = {
        "schema_version": SCHEMA_VERSION,
        "generator": f"liftcheck-synth {__version__}",
        "seed": cfg["seed"],
        "video": {"file": os.path.basename(out_mp4), "width": W, "height": H, "fps": fps,
                  "frame_count": len(frames), "rotation_meta": rot,
                  "display_matrix_rotation": (-rot + 180) % 360 - 180 if rot else 0,
                  "stored_width": W if rot in (0, 180) else H, "stored_height": H if rot in (0, 180) else W,
                  "pixel_convention": PIXEL_CONVENTION, "codec": "h264 yuv420p", "crf": cfg["video"]["crf"],
                  "noise_sigma": cfg["video"]["noise"], "blur_radius": cfg["video"]["blur"],
                  "motion_blur": cfg["video"]["motion_blur"], "exposure": cfg["video"]["exposure"],
                  "gamma": cfg["video"]["gamma"], "tint": cfg["video"]["tint"]},
        "camera": {"view": view, "yaw_deg": round(cam["yaw_deg"], 3), "height_m": round(float(cam_pos[1]), 4),
                   "distance_m": round(float(np.linalg.norm(cam_pos[[0, 2]])), 4), "fov_deg": round(cam["vfov_deg"], 3),
                   "fov_axis": "vertical", "position": _r(cam_pos, 4),
                   "K": [_r(r, 4) for r in K], "R": [_r(r, 6) for r in R], "t": _r(t, 6),
                   "model": "pinhole, no distortion; x_cam = R X_world + t; u = K x_cam / z (pixel_convention)",
                   "roll_deg": round(float(cam.get("roll_deg", 0.0)), 3),
                   "handheld": bool(cam.get("handheld", False)),
                   **({"shake_deg": cam["shake_deg"], "shake_m": cam["shake_m"]} if cam.get("handheld") else {})},
        "world": "metres; origin on the floor at the mid-foot (midpoint of both feet's heel-to-big-toe midpoints); "
                 "Y up, Z the lifter's forward, X the lifter's left",
        "subject": {"body_id": body.id, "sex": body.sex, "height_m": round(body.height, 3),
                    "phenotype": {k: round(v, 4) for k, v in body.phenotype.items()}, "facing": facing,
                    "stance": cfg["stance"]},
        "lift": {"variant": planner.variant, "reps": planner.nreps, "style": cfg["lift"]["style"]},
        "reps": reps,
        "keypoint_names": {"blazepose33": LB.BLAZEPOSE33, "coco17": LB.COCO17},
        "derived_keypoints": LB.DERIVED,
        "config": cfg,
        "frames": frames,
    }
    return gt
