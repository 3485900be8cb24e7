"""Clip configuration: every field not given is drawn from the clip's seed."""
import copy

import numpy as np

from .motion import FAULT_KINDS
from .plan import ROUNDING_ONSETS

VIEWS = {"side_left": 90.0, "side_right": -90.0, "front": 0.0, "rear": 180.0,
         "oblique_front": 45.0, "oblique_rear": 135.0}

SKIN = [[224, 172, 138], [198, 145, 108], [160, 110, 80], [120, 80, 56], [88, 60, 44], [236, 196, 168]]
CLOTH = [[30, 30, 32], [200, 40, 40], [40, 70, 160], [235, 235, 235], [90, 90, 95], [30, 110, 70],
         [120, 60, 140], [230, 150, 40], [20, 40, 80], [150, 30, 60], [60, 140, 170], [170, 150, 120]]
HAIR = [[25, 20, 18], [70, 45, 25], [150, 110, 60], [120, 120, 120], [200, 170, 110]]
PLATES = {"black": [[28, 28, 30]], "red": [[170, 30, 30]], "blue": [[30, 60, 150]], "green": [[30, 110, 50]],
          "mixed": [[170, 30, 30], [30, 60, 150]]}
BODIES = ["m_avg", "f_avg", "m_tall_lean", "f_short_strong", "m_heavy_older", "f_tall", "m_short_muscular",
          "f_heavy_older"]


def _u(rng, a, b):
    return float(rng.uniform(a, b))


def _pick(rng, seq):
    return copy.deepcopy(seq[int(rng.integers(len(seq)))])


def complete(cfg):
    """Return a full config. Draws happen in a fixed order so a given seed always gives the same
    clip whatever fields are overridden."""
    cfg = copy.deepcopy(cfg)
    seed = int(cfg.get("seed", 0))
    rng = np.random.default_rng(seed)
    draws = {}
    # fixed draw order ------------------------------------------------------------------
    draws["body"] = _pick(rng, BODIES)
    draws["variant"] = "conventional"
    draws["reps"] = int(rng.integers(1, 6))
    draws["style"] = "dead_stop" if rng.random() < 0.5 else "touch_and_go"
    draws["view"] = _pick(rng, list(VIEWS))
    draws["yaw_jitter"] = _u(rng, -6, 6)
    draws["cam_height"] = _u(rng, 0.45, 1.5)
    draws["cam_near_far"] = _u(rng, 1.0, 1.6)
    draws["vfov_land"] = _u(rng, 38, 52)
    draws["vfov_port"] = _u(rng, 58, 70)
    draws["lateral"] = _u(rng, -0.25, 0.25)
    draws["skin"] = _pick(rng, SKIN)
    draws["shirt"] = _pick(rng, CLOTH)
    draws["shorts"] = _pick(rng, CLOTH)
    draws["shoes"] = _pick(rng, CLOTH)
    draws["hair"] = _pick(rng, HAIR)
    draws["long_pants"] = bool(rng.random() < 0.35)
    draws["sleeves"] = bool(rng.random() < 0.4)
    draws["plates"] = _pick(rng, list(PLATES))
    draws["plate_thick"] = _u(rng, 0.035, 0.065)
    draws["n_plates"] = int(rng.integers(1, 4))
    draws["wall"] = [int(x) for x in rng.integers(60, 210, 3)]
    draws["floor"] = [int(x) for x in rng.integers(25, 90, 1)] * 3
    draws["light_az"] = _u(rng, -180, 180)
    draws["light_el"] = _u(rng, 35, 75)
    draws["light_int"] = _u(rng, 2.0, 4.0)
    draws["ambient"] = _u(rng, 0.15, 0.35)
    draws["bystander"] = bool(rng.random() < 0.3)
    draws["bystander_body"] = _pick(rng, BODIES)
    draws["bystander_pos"] = [_u(rng, -2.5, 2.5), _u(rng, -3.5, -2.0)]
    draws["bystander_shirt"] = _pick(rng, CLOTH)
    draws["noise"] = _u(rng, 0.0, 4.0)
    draws["blur"] = _u(rng, 0.0, 0.9)
    draws["crf"] = int(rng.integers(22, 31))
    tempo = dict(stand=_u(rng, 0.3, 0.6), approach=_u(rng, 1.0, 1.6), setup=_u(rng, 0.5, 1.0),
                 shoot=_u(rng, 0.3, 0.45), pull=_u(rng, 1.0, 1.6), top=_u(rng, 0.3, 0.8),
                 lower=_u(rng, 1.1, 1.8), bottom=_u(rng, 0.5, 1.2), touch=_u(rng, 0.06, 0.12),
                 end=_u(rng, 0.4, 0.8))
    form = dict(knee0=_u(rng, 72, 88), alpha0=_u(rng, 5, 9), lumbar=_u(rng, -3, 3), thoracic=_u(rng, 0, 6),
                neck=_u(rng, -10, 0), p_top=_u(rng, -2, 2), knee_kp=_u(rng, 16, 26),
                lower_hinge=_u(rng, 5, 10), lower_knee_kp=_u(rng, 10, 18), rdl_knee=_u(rng, 14, 22), rdl_pitch=_u(rng, 65, 78))
    stance = dict(stance_half=_u(rng, 0.12, 0.17), toe_out=_u(rng, 5, 20), knee_out=_u(rng, 3, 10))
    sumo = dict(stance_half=_u(rng, 0.33, 0.42), toe_out=_u(rng, 28, 42), knee_extra=_u(rng, 12, 20),
                grip_half=_u(rng, 0.17, 0.21))
    draws["motion_blur"] = _u(rng, 0.0, 0.35) if rng.random() < 0.5 else 0.0
    draws["exposure"] = _u(rng, 0.8, 1.15)
    draws["gamma"] = _u(rng, 0.88, 1.12)
    draws["tint"] = [_u(rng, 0.94, 1.06) for _ in range(3)]
    draws["handheld"] = bool(rng.random() < 0.25)
    draws["shake_deg"] = _u(rng, 0.2, 0.8)
    draws["shake_m"] = _u(rng, 0.003, 0.015)
    # ------------------------------------------------------------------------------------
    cfg["seed"] = seed
    cfg.setdefault("body", draws["body"])
    lift = cfg.setdefault("lift", {})
    lift.setdefault("variant", draws["variant"])
    lift.setdefault("reps", draws["reps"])
    lift.setdefault("style", draws["style"] if lift["variant"] != "romanian" else "continuous")
    cfg.setdefault("faults", [])
    for f in cfg["faults"]:
        assert f["kind"] in FAULT_KINDS, f["kind"]
        assert f.get("onset", "setup") in ROUNDING_ONSETS, f["onset"]
        assert "onset" not in f or f["kind"] in ("thoracic_rounding", "lumbar_rounding"), f
        f.setdefault("reps", list(range(1, lift["reps"] + 1)))
    video = cfg.setdefault("video", {})
    video.setdefault("fps", 30)
    video.setdefault("width", 640)
    video.setdefault("height", 360)
    video.setdefault("rotation_meta", 0)
    video.setdefault("noise", round(draws["noise"], 2))
    video.setdefault("blur", round(draws["blur"], 2))
    video.setdefault("crf", draws["crf"])
    video.setdefault("motion_blur", round(draws["motion_blur"], 3))
    video.setdefault("exposure", round(draws["exposure"], 3))
    video.setdefault("gamma", round(draws["gamma"], 3))
    video.setdefault("tint", [round(x, 3) for x in draws["tint"]])
    cam = cfg.setdefault("camera", {})
    cam.setdefault("view", draws["view"])
    portrait = video["height"] > video["width"]
    cam.setdefault("yaw_deg", VIEWS[cam["view"]] + draws["yaw_jitter"])
    cam.setdefault("height_m", round(draws["cam_height"], 3))
    cam.setdefault("vfov_deg", round(draws["vfov_port"] if portrait else draws["vfov_land"], 2))
    cam.setdefault("near_far", round(draws["cam_near_far"], 3))
    cam.setdefault("lateral_m", round(draws["lateral"], 3))
    cam.setdefault("handheld", draws["handheld"])
    cam.setdefault("shake_deg", round(draws["shake_deg"], 3))
    cam.setdefault("shake_m", round(draws["shake_m"], 4))
    app = cfg.setdefault("appearance", {})
    for k in ("skin", "shirt", "shorts", "shoes", "hair", "long_pants", "sleeves", "plates", "plate_thick", "n_plates"):
        app.setdefault(k, draws[k])
    sc = cfg.setdefault("scene", {})
    sc.setdefault("wall", draws["wall"])
    sc.setdefault("floor", draws["floor"])
    sc.setdefault("light_az", draws["light_az"])
    sc.setdefault("light_el", draws["light_el"])
    sc.setdefault("light_int", draws["light_int"])
    sc.setdefault("ambient", draws["ambient"])
    sc.setdefault("bystander", draws["bystander"])
    sc.setdefault("bystander_body", draws["bystander_body"])
    sc.setdefault("bystander_pos", draws["bystander_pos"])
    sc.setdefault("bystander_shirt", draws["bystander_shirt"])
    t = cfg.setdefault("tempo", {})
    for k, v in tempo.items():
        t.setdefault(k, round(v, 3))
    if lift["variant"] == "sumo":
        form["knee0"] += sumo["knee_extra"]
    fm = cfg.setdefault("form", {})
    for k, v in form.items():
        fm.setdefault(k, round(v, 3))
    st = cfg.setdefault("stance", {})
    if lift["variant"] == "sumo":
        # wide stance, toes out, knees over the toes, hands inside the knees, deeper knees
        stance = dict(stance_half=sumo["stance_half"], toe_out=sumo["toe_out"], knee_out=sumo["toe_out"] * 0.5,
                      grip_half=sumo["grip_half"])
    for k, v in stance.items():
        st.setdefault(k, round(v, 4))
    return cfg
