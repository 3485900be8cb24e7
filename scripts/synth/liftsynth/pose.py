"""Deadlift posing of a Body: turns a few sagittal parameters into bone rotations.

Frame parameters (a dict, see PoseParams defaults):
  bar      (3,) bar centre target in world (x, y, z) -- used when arms are on the bar
  alpha    arm angle from vertical in the sagittal plane, deg; + = shoulders in front of the bar
  pitch    trunk (pelvis) pitch, deg from the rest posture; + = leaning forward
  lumbar   lumbar flexion, deg, spread over spine05..spine03 (+ = rounding)
  thoracic thoracic flexion, deg, spread over spine02..spine01 (+ = rounding)
  neck     neck flexion, deg, spread over neck01..03 + head (+ = chin to chest, - = looking up)
  roll     lateral tilt of the pelvis (and everything above) about the forward axis, deg (+ = left side down)
  side_bend lateral flexion of the spine over spine03..spine01, deg (+ = left shoulder down)
  shift    lateral shift of the pelvis, m (+ = to the lifter's left)
  hang     0 = hands on the bar, 1 = arms hanging free (approach); in between blends
  root     (3,) root position used when hang == 1 (free stance); blended likewise
The feet stay planted where the Stance puts them; legs are solved by 2-bone IK.
"""
import numpy as np

from .body import rot_align, rot_axis, rot_x, rot_y

DEFAULTS = dict(alpha=7.0, pitch=0.0, lumbar=0.0, thoracic=0.0, neck=0.0, roll=0.0, side_bend=0.0, shift=0.0,
                hang=0.0, curl=1.0)

LUMBAR = ["spine05", "spine04", "spine03"]
THORACIC = ["spine02", "spine01"]
NECK = ["neck01", "neck02", "neck03", "head"]
FINGERS = [f"finger{i}-{j}" for i in range(2, 6) for j in range(1, 4)]
THUMB = ["finger1-1", "finger1-2", "finger1-3"]


def _twist_to(R, axis, ref_rest, want):
    """Extra rotation about axis (after R) so that R@ref_rest points as close as possible to want."""
    axis = axis / np.linalg.norm(axis)
    cur = R @ ref_rest
    cur = cur - axis * np.dot(cur, axis)
    want = want - axis * np.dot(want, axis)
    if np.linalg.norm(cur) < 1e-9 or np.linalg.norm(want) < 1e-9:
        return R
    cur /= np.linalg.norm(cur)
    want /= np.linalg.norm(want)
    ang = np.arctan2(np.dot(np.cross(cur, want), axis), np.dot(cur, want))
    return rot_axis(axis, ang) @ R


class Poser:
    def __init__(self, body, stance_half=0.15, toe_out=12.0, grip_half=None, knee_out=6.0,
                 grip_offset=(0.0, 0.0, 0.0)):
        self.b = body
        h = body.h
        self.toe_out = toe_out
        self.knee_out = knee_out
        s = {}
        for side, sg in (("L", 1.0), ("R", -1.0)):
            hip, knee, ank = h(f"upperleg01.{side}"), h(f"lowerleg01.{side}"), h(f"foot.{side}")
            sh, el, wr = h(f"upperarm01.{side}"), h(f"lowerarm01.{side}"), h(f"wrist.{side}")
            f3, f3b = h(f"finger3-1.{side}"), h(f"finger3-2.{side}")
            idx, pky = h(f"finger2-1.{side}"), h(f"finger5-1.{side}")
            lat = idx - pky  # from pinky to index knuckle
            hand_dir = f3 - wr
            palm = np.cross(hand_dir, lat) * sg
            palm /= np.linalg.norm(palm)
            d = dict(sg=sg, hip=hip, knee=knee, ank=ank, Lt=np.linalg.norm(knee - hip), Ls=np.linalg.norm(ank - knee),
                     sh=sh, el=el, wr=wr, lat=lat / np.linalg.norm(lat), palm=palm, grip=f3)
            s[side] = d
        self.s = s
        # grip point: centre of the curled middle finger (MCP, PIP and DIP joints of the fist),
        # measured on the rest hand with the fingers curled
        _, loc = self._arm_rots({k: np.array([0, -1.0, 0]) for k in s}, curl=1.0)
        Dc, Pc = body.fk(body.rest_heads[0], local=loc)
        bi = body.d.bi
        for side, d in s.items():
            pts = [Pc[bi[f"finger3-{j}.{side}"]] for j in (1, 2, 3)]
            g = np.mean(pts, axis=0)
            tip_dir = pts[2] - pts[0]
            d["curl_check"] = float(np.dot(tip_dir, d["palm"]))
            d["grip"] = g + np.array(grip_offset)
            d["La"] = np.linalg.norm(d["el"] - d["sh"]) + np.linalg.norm(d["wr"] - d["el"]) + np.linalg.norm(d["grip"] - d["wr"])
        self.s = s
        # decide the palm sign empirically: curling the fingers must bring the tip toward the palm
        self.stance_half = stance_half
        self.grip_half = grip_half if grip_half is not None else max(stance_half + 0.10, abs(s["L"]["sh"][0]) + 0.04)
        # feet: ankles placed so that the mid-foot (midpoint heel - big toe) of each foot is at z = 0
        D0, P0 = body.fk(body.rest_heads[0])
        kp = body.keypoints(body.skin(D0, P0))
        names = body.d.kp_names
        self.ankle_target = {}
        self.midfoot_local = {}
        for side, sg, pre in (("L", 1.0, "left"), ("R", -1.0, "right")):
            ank = s[side]["ank"]
            heel = kp[names.index(pre + "_heel")]
            toe = kp[names.index(pre + "_big_toe")]
            mid = 0.5 * (heel + toe)
            Rf = rot_y(sg * toe_out)
            mid_rel = Rf @ (mid - ank)
            tgt = np.array([sg * stance_half, ank[1], 0.0])
            tgt[2] = -mid_rel[2]
            tgt[0] = sg * stance_half - mid_rel[0]
            self.ankle_target[side] = tgt
            self.midfoot_local[side] = mid - ank
        self.midfoot = np.array([0.0, 0.0, 0.0])

    # -------------------------------------------------------------------------------
    def _spine_local(self, q):
        from .body import rot_z
        loc = {}
        sb = ["spine03", "spine02", "spine01"]
        for n in LUMBAR:
            loc[n] = rot_x(q["lumbar"] / len(LUMBAR))
        for n in THORACIC:
            loc[n] = rot_x(q["thoracic"] / len(THORACIC))
        for n in sb:
            loc[n] = loc.get(n, np.eye(3)) @ rot_z(-q["side_bend"] / len(sb))
        for n in NECK:
            loc[n] = rot_x(q["neck"] / len(NECK))
        return loc

    def _root_rot(self, q):
        from .body import rot_z
        return rot_z(-q["roll"]) @ rot_x(q["pitch"])

    def _arm_dirs(self, q, S):
        """Unit arm directions (shoulder -> grip) for both sides, on the bar."""
        out = {}
        a = np.radians(q["alpha"])
        for side, d in self.s.items():
            La = d["La"]
            gx = d["sg"] * self.grip_half + q["bar"][0]
            dx = gx - S[side][0]
            sag = np.sqrt(max(La * La - dx * dx, 1e-6))
            v = np.array([dx, -sag * np.cos(a), -sag * np.sin(a)])
            out[side] = v / np.linalg.norm(v)
        return out

    def _hang_dirs(self, q):
        out = {}
        for side, d in self.s.items():
            v = np.array([d["sg"] * 0.12, -1.0, 0.05])
            out[side] = v / np.linalg.norm(v)
        return out

    def _arm_rots(self, dirs, medial_palm_back=True, curl=1.0, hang=0.0):
        ab, loc = {}, {}
        for side, d in self.s.items():
            u = dirs[side]
            sg = d["sg"]
            # lateral (pinky->index) axis target: medial when gripping overhand; forward when hanging
            want_grip = np.array([-sg, 0.0, 0.0])
            want_hang = np.array([0.0, 0.0, 1.0])
            want = (1 - hang) * want_grip + hang * want_hang
            Ru = rot_align(d["el"] - d["sh"], u)
            Ru = _twist_to(Ru, u, d["lat"], want * 0.5 + np.array([0, 0, 0.5]))
            Rf = rot_align(d["wr"] - d["el"], u)
            Rf = _twist_to(Rf, u, d["lat"], want)
            Rh = rot_align(d["grip"] - d["wr"], u)
            Rh = _twist_to(Rh, u, d["lat"], want)
            ab[f"upperarm01.{side}"] = Ru
            ab[f"lowerarm01.{side}"] = Rf
            ab[f"wrist.{side}"] = Rh
        loc.update(self._finger_locals(curl))
        return ab, loc

    def _finger_locals(self, curl):
        """Finger curl about each hand's rest lateral axis (tips toward the palm); cached."""
        cache = self.__dict__.setdefault("_curl_cache", {})
        key = round(float(curl), 9)
        if key not in cache:
            loc = {}
            for side, d in self.s.items():
                ax = d["lat"] * (-d["sg"])
                for n in FINGERS:
                    j = int(n[-1])
                    loc[f"{n}.{side}"] = rot_axis(ax, curl * np.radians([0, 55, 70, 50][j]))
                for n in THUMB:
                    j = int(n[-1])
                    loc[f"{n}.{side}"] = rot_axis(ax, curl * np.radians([0, 10, 25, 25][j]))
            if len(cache) > 256:
                cache.clear()
            cache[key] = loc
        return cache[key]

    def _leg_rots(self, P_hip, q):
        ab = {}
        info = {}
        for side, d in self.s.items():
            sg = d["sg"]
            H = P_hip[side]
            A = self.ankle_target[side]
            v = A - H
            dist = np.linalg.norm(v)
            L1, L2 = d["Lt"], d["Ls"]
            reach = dist / (L1 + L2)
            dist_c = min(dist, (L1 + L2) * 0.99999)
            u = v / dist
            pole = rot_y(sg * (self.toe_out * 0.5 + self.knee_out)) @ np.array([0, 0, 1.0])
            w = pole - u * np.dot(pole, u)
            w /= np.linalg.norm(w)
            cb = np.clip((L1 * L1 + dist_c * dist_c - L2 * L2) / (2 * L1 * dist_c), -1, 1)
            beta = np.arccos(cb)
            K = H + L1 * (np.cos(beta) * u + np.sin(beta) * w)
            Rt = rot_align(d["knee"] - d["hip"], K - H)
            Rs = rot_align(d["ank"] - d["knee"], A - K)
            ab[f"upperleg01.{side}"] = Rt
            ab[f"lowerleg01.{side}"] = Rs
            ab[f"foot.{side}"] = rot_y(sg * self.toe_out)
            kneeflex = np.degrees(np.arccos(np.clip(np.dot((H - K) / L1, (A - K) / np.linalg.norm(A - K)), -1, 1)))
            info[side] = dict(reach=reach, knee_flex=180.0 - kneeflex, K=K)
        return ab, info

    # -------------------------------------------------------------------------------
    def pose(self, q, legs_only=False):
        """Returns (D, P, info). info: grips, bar centre, knee flexion, reach.
        legs_only: stop after the leg IK (info has root, knee_flex, reach, legs; D, P None)."""
        q = {**DEFAULTS, **q}
        b = self.b
        loc = self._spine_local(q)
        Rroot = self._root_rot(q)
        ab = {"root": Rroot}
        # 1) FK of the upper body with the root at the origin
        D, P = b.fk(np.zeros(3), local=loc, absolute=ab)
        bi = b.d.bi
        S = {side: P[bi[f"upperarm01.{side}"]] for side in ("L", "R")}
        hang = q["hang"]
        if hang < 1.0:
            # on the bar: root placed so that the mean grip equals the bar target
            S_w = {k: v + np.array([q["shift"], 0, 0]) for k, v in S.items()}
            dirs = self._arm_dirs(q, S_w)
            G = {k: S[k] + self.s[k]["La"] * dirs[k] for k in S}
            bar = np.asarray(q["bar"], float)
            root_bar = bar - 0.5 * (G["L"] + G["R"])
            root_bar[0] = q["shift"]
        if hang > 0.0:
            hd = self._hang_dirs(q)
            root_free = np.asarray(q["root"], float)
        if hang <= 0.0:
            root = root_bar
        elif hang >= 1.0:
            root = root_free
            dirs = hd
        else:
            root = (1 - hang) * root_bar + hang * root_free
            dirs = {k: (1 - hang) * dirs[k] + hang * hd[k] for k in dirs}
            dirs = {k: v / np.linalg.norm(v) for k, v in dirs.items()}
        P_hip = {side: root + P[bi[f"upperleg01.{side}"]] for side in ("L", "R")}
        leg_ab, leg_info = self._leg_rots(P_hip, q)
        if legs_only:
            return None, None, dict(root=root, knee_flex=0.5 * (leg_info["L"]["knee_flex"] + leg_info["R"]["knee_flex"]),
                                    reach=max(leg_info["L"]["reach"], leg_info["R"]["reach"]), legs=leg_info)
        arm_ab, finger_loc = self._arm_rots(dirs, curl=q["curl"] * (1 - hang) + 0.25 * hang, hang=hang)
        ab.update(arm_ab)
        loc.update(finger_loc)
        ab.update(leg_ab)
        D, P = b.fk(root, local=loc, absolute=ab)
        grips = {}
        for side, d in self.s.items():
            j = bi[f"wrist.{side}"]
            grips[side] = P[j] + D[j] @ (d["grip"] - d["wr"])
        info = dict(root=root, grips=grips, bar=0.5 * (grips["L"] + grips["R"]),
                    knee_flex=0.5 * (leg_info["L"]["knee_flex"] + leg_info["R"]["knee_flex"]),
                    reach=max(leg_info["L"]["reach"], leg_info["R"]["reach"]), legs=leg_info)
        return D, P, info
