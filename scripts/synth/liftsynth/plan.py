"""Clip timeline: approach, set-up, reps (pull, lockout, lowering), faults -> per-frame poses."""
import numpy as np
from scipy.interpolate import PchipInterpolator

from .motion import BAR_Y0, FAULT_KINDS, FAULT_MAX, minjerk, smooth

# additive fault deviations: parameter -> value at severity 1, and the shape over the rep
# shape names: "whole" (whole rep), "early" (set-up to knee pass, easing at the top),
# "mid" (grows from the floor to a peak at knee pass, partly kept at the top), "develops" (none
# on the floor, full by halfway to knee pass, easing at the top like "early")
ADDITIVE = {
    "thoracic_rounding": [("thoracic", 40.0, "early")],
    "lumbar_rounding": [("lumbar", 30.0, "early")],
    "head_up": [("neck", -40.0, "whole")],
    "bar_drift": [("bar_z", 0.08, "mid"), ("alpha", 8.0, "mid")],
    "hip_shift": [("shift", 0.07, "mid"), ("roll", -3.0, "mid")],
    "uneven_bar": [("side_bend", 6.0, "mid")],
    "bar_forward_of_midfoot": [("bar_z", 0.09, "whole")],
    "knees_forward": [("bar_z", 0.05, "early0")],
    "rdl_rounding": [("lumbar", 22.0, "bottom"), ("thoracic", 25.0, "bottom")],
}


def shape(name, h, h_kp):
    """Fault shape in [0,1] as a function of normalised bar height h (0 floor/bottom, 1 top)."""
    h = float(np.clip(h, 0.0, 1.0))
    if name == "whole":
        return 1.0
    if name == "early":
        return 1.0 if h <= h_kp else 1.0 - 0.75 * smooth((h - h_kp) / max(1e-6, 1 - h_kp))
    if name == "develops":
        if h <= h_kp:
            return float(smooth(h / max(0.5 * h_kp, 1e-6)))
        return 1.0 - 0.75 * smooth((h - h_kp) / max(1e-6, 1 - h_kp))
    if name == "early0":
        return 1.0 if h <= h_kp else 1.0 - smooth((h - h_kp) / max(1e-6, 1 - h_kp))
    if name == "mid":
        if h <= h_kp:
            return 0.2 + 0.8 * smooth(h / max(h_kp, 1e-6))
        return 1.0 - 0.5 * smooth((h - h_kp) / max(1e-6, 1 - h_kp))
    if name == "bottom":
        return 1.0 - smooth(h)
    raise ValueError(name)


# Spine rounding can be there from the set-up ("setup", the default: a lifter who sets up
# rounded) or appear under load as the bar leaves the floor ("pull").
ROUNDING_ONSETS = ("setup", "pull")


def fault_shapes(kind, onset="setup"):
    """(parameter, value at severity 1, shape) of an additive fault, for its onset."""
    shapes = ADDITIVE.get(kind, [])
    if onset == "pull":
        shapes = [(par, mx, "develops" if shp == "early" else shp) for par, mx, shp in shapes]
    return shapes


class Rep:
    def __init__(self, index, faults):
        self.index = index
        self.faults = {f["kind"]: float(f["severity"]) for f in faults}
        self.onsets = {f["kind"]: f.get("onset", "setup") for f in faults}

    def sev(self, kind):
        return self.faults.get(kind, 0.0)


class Planner:
    def __init__(self, lifter, cfg, rng):
        self.L = lifter
        self.cfg = cfg
        self.rng = rng
        lift = cfg["lift"]
        self.variant = lift["variant"]
        self.nreps = int(lift["reps"])
        self.style = lift.get("style", "dead_stop")
        self.fps = cfg["video"]["fps"]
        tempo = cfg["tempo"]
        self.tempo = tempo
        faults = cfg.get("faults", [])
        self.reps = []
        for i in range(1, self.nreps + 1):
            fl = [f for f in faults if i in f.get("reps", list(range(1, self.nreps + 1)))]
            self.reps.append(Rep(i, fl))
        base = cfg["form"]
        self.base = base

    # ------------------------------------------------------------------ additive faults
    def additive(self, rep, h, h_kp, weight=1.0):
        add = dict(thoracic=0.0, lumbar=0.0, neck=0.0, bar_z=0.0, alpha=0.0, shift=0.0, roll=0.0, side_bend=0.0)
        for kind, sev in rep.faults.items():
            for par, mx, shp in fault_shapes(kind, rep.onsets[kind]):
                add[par] += weight * sev * mx * shape(shp, h, h_kp)
        return add

    def q_at(self, rep, h, pitch, alpha, y, z, h_kp):
        b = self.base
        add = self.additive(rep, h, h_kp)
        return dict(bar=[0.0, y, z + add["bar_z"]], alpha=alpha + add["alpha"], pitch=pitch,
                    lumbar=b["lumbar"] + add["lumbar"], thoracic=b["thoracic"] + add["thoracic"],
                    neck=b["neck"] + add["neck"], roll=add["roll"], side_bend=add["side_bend"], shift=add["shift"])

    # ------------------------------------------------------------------ key poses
    def solve_rep_keys(self, rep):
        L, b = self.L, self.base
        s = rep.sev
        k = {}
        y0 = BAR_Y0
        k["y0"] = y0
        alpha0 = b["alpha0"] + s("shoulders_behind_bar") * (FAULT_MAX["shoulders_behind_bar"]["arm_angle_deg"] - b["alpha0"])
        alpha0 -= s("knees_forward") * 4.0
        z0 = 0.0  # bar offsets of faults are additive (ADDITIVE)
        knee0 = b["knee0"] + s("knees_forward") * FAULT_MAX["knees_forward"]["knee_extra_deg"] \
            + s("shoulders_behind_bar") * 15.0
        h_kp = (L.knee_y - y0) / 0.5  # provisional, refined below
        k["h_kp"] = h_kp
        q0 = self.q_at(rep, 0.0, 40.0, alpha0, y0, z0, h_kp)
        p0 = L.solve_pitch_for_knee(q0, knee0, lo=5.0, hi=89.0)
        q0["pitch"] = p0
        q0, _, _, _ = L.fix_frame(q0)
        p0 = q0["pitch"]
        k.update(alpha0=q0["alpha"], z0=z0, p0=p0, knee0=knee0, knee0_actual=L.knee_flex(q0))
        # top (lockout or its faulty versions)
        p_top = b["p_top"]
        p_top += s("incomplete_lockout") * FAULT_MAX["incomplete_lockout"]["trunk_pitch_deg"]
        p_top -= s("lean_back") * FAULT_MAX["lean_back"]["lean_back_deg"]
        kflex_top = 3.0 + s("incomplete_lockout") * (FAULT_MAX["incomplete_lockout"]["knee_flexion_deg"] - 3.0)
        qt = self.q_at(rep, 1.0, p_top, 0.0, 0.9, z0, h_kp)
        y_top, a_top = L.solve_top(qt, knee_flex_target=kflex_top)
        k.update(p_top=p_top, y_top=y_top, alpha_top=a_top - self.additive(rep, 1.0, h_kp)["alpha"], kflex_top=kflex_top)
        h_kp = (L.knee_y - y0) / (y_top - y0)
        k["h_kp"] = h_kp
        # knee pass: knee angle when the bar passes the knees
        shoot = s("hips_shoot_up") * FAULT_MAX["hips_shoot_up"]["extra_trunk_pitch_deg"]
        qs = self.q_at(rep, 0.0, p0 + shoot, k["alpha0"], y0, z0, h_kp)
        knee_start = L.knee_flex(qs)
        knee_kp = b["knee_kp"] * (1.0 - s("hips_shoot_up")) + 3.0 * s("hips_shoot_up")
        knee_kp += s("knees_forward") * FAULT_MAX["knees_forward"]["knee_kp_extra_deg"]
        alpha_kp = 0.5 * (k["alpha0"] + k["alpha_top"]) + 0.3 * (k["alpha0"] - k["alpha_top"])
        k.update(shoot=shoot, knee_start=knee_start, knee_kp=knee_kp, alpha_kp=alpha_kp)
        return k

    def rdl_keys(self, rep):
        L, b = self.L, self.base
        s = rep.sev
        k = dict(y0=None, z0=0.0)
        p_top = b["p_top"] - s("lean_back") * FAULT_MAX["lean_back"]["lean_back_deg"]
        qt = self.q_at(rep, 1.0, p_top, 0.0, 0.9, 0.0, 0.5)
        y_top, a_top = L.solve_top(qt, knee_flex_target=3.0)
        kflex = b["rdl_knee"] + s("rdl_locked_knees") * (FAULT_MAX["rdl_locked_knees"]["knee_flexion_deg"] - b["rdl_knee"])
        qb = self.q_at(rep, 0.0, 60.0, 2.0, 0.5, 0.0, 0.5)
        y_bot = L.solve_y_for_pitch_knee(qb, b["rdl_pitch"], kflex)
        y_bot = max(y_bot, BAR_Y0 + 0.10)
        k.update(p_top=p_top, y_top=y_top, alpha_top=a_top, kflex=kflex, y_bot=y_bot, h_kp=0.5)
        return k

    # ------------------------------------------------------------------ timeline
    def build(self):
        """Returns list of frame dicts: q (pose params), rep, phase, h, activity{fault: shape}."""
        if self.variant == "romanian":
            return self._build_rdl()
        T = self.tempo
        segs = []  # (duration, fn(tau) -> (q, meta))
        keys = [self.solve_rep_keys(r) for r in self.reps]
        L = self.L

        def pull_fn(rep, k):
            # pull: knee angle scheduled over bar height (set-up -> knee pass -> top), trunk pitch
            # solved per frame so that the hands stay on the bar path
            hk = k["h_kp"]
            hs = [0.0, hk, 1.0]
            kc = PchipInterpolator(hs, [k["knee_start"], k["knee_kp"], k["kflex_top"]])
            ac = PchipInterpolator(hs, [k["alpha0"], k["alpha_kp"], k["alpha_top"]])

            def f(tau):
                h = float(minjerk(tau))
                y = k["y0"] + h * (k["y_top"] - k["y0"])
                q = self.q_at(rep, h, k["p_top"], float(ac(h)), y, k["z0"], hk)
                if h < 0.999:
                    q["pitch"] = L.solve_pitch_for_knee(q, float(kc(h)), lo=min(k["p_top"], 0.0) - 5.0, hi=100.0)
                return q, dict(phase="pull", h=h)
            return f

        def lower_fn(rep, k):
            # lowering: hips back first with the knees nearly straight until the bar is past the
            # knees, then the knees bend (knee angle scheduled, trunk pitch solved per frame)
            hk = k["h_kp"]
            hs = [0.0, hk, 1.0]
            kc = PchipInterpolator(hs, [k["knee0_actual"], self.base["lower_knee_kp"], k["kflex_top"]])
            ac = PchipInterpolator(hs, [k["alpha0"], k["alpha_kp"], k["alpha_top"]])

            def f(tau):
                h = 1.0 - float(minjerk(tau))
                y = k["y0"] + h * (k["y_top"] - k["y0"])
                q = self.q_at(rep, h, k["p_top"], float(ac(h)), y, k["z0"], hk)
                if h < 0.999:
                    q["pitch"] = L.solve_pitch_for_knee(q, float(kc(h)), lo=min(k["p_top"], 0.0) - 5.0, hi=95.0)
                return q, dict(phase="lower", h=h)
            return f

        def hold_fn(q, phase, h):
            return lambda tau: (q, dict(phase=phase, h=h))

        def blend_fn(qa, qb, phase, h):
            def f(tau):
                w = float(smooth(tau))
                q = {}
                for key in qa:
                    if key == "bar":
                        q[key] = [(1 - w) * a + w * c for a, c in zip(qa[key], qb[key])]
                    else:
                        q[key] = (1 - w) * qa[key] + w * qb[key]
                return q, dict(phase=phase, h=h)
            return f

        def setup_q(rep, k):
            return self.q_at(rep, 0.0, k["p0"], k["alpha0"], k["y0"], k["z0"], k["h_kp"])

        def shoot_fn(rep, k):
            def f(tau):
                w = float(minjerk(tau))
                q = self.q_at(rep, 0.0, k["p0"] + w * k["shoot"], k["alpha0"], k["y0"], k["z0"], k["h_kp"])
                return q, dict(phase="shoot", h=0.0)
            return f

        # approach: standing tall behind the bar, arms hanging, then bend down and grip
        r1, k1 = self.reps[0], keys[0]
        qs = setup_q(r1, k1)
        _, _, info_s = L.ps.pose(qs)
        root_setup = info_s["root"]
        stand_root = self.standing_root()

        def approach_fn(tau):
            w = float(smooth(tau))
            hang = 1.0 - float(smooth((tau - 0.15) / 0.85))
            q = dict(qs)
            add0 = self.additive(r1, 0.0, k1["h_kp"], weight=w)
            q.update(pitch=w * k1["p0"], alpha=k1["alpha0"], lumbar=self.base["lumbar"] * w + add0["lumbar"],
                     thoracic=self.base["thoracic"] * w + add0["thoracic"], neck=self.base["neck"] * w + add0["neck"],
                     roll=add0["roll"], side_bend=add0["side_bend"], shift=add0["shift"], hang=hang,
                     root=list((1 - w) * stand_root + w * root_setup))
            return q, dict(phase="approach", h=0.0)

        qstand = dict(qs)
        qstand.update(pitch=0.0, lumbar=0.0, thoracic=0.0, neck=0.0, roll=0.0, side_bend=0.0, shift=0.0, hang=1.0,
                      root=list(stand_root))
        segs.append((T["stand"], hold_fn(qstand, "stand", 0.0), None))
        segs.append((T["approach"], approach_fn, 0))
        for i, (rep, k) in enumerate(zip(self.reps, keys)):
            if i == 0:
                segs.append((T["setup"], hold_fn(setup_q(rep, k), "setup", 0.0), i))
            else:
                prev_q = setup_q(self.reps[i - 1], keys[i - 1])
                dur = T["bottom"] if self.style == "dead_stop" else T["touch"]
                segs.append((dur, blend_fn(prev_q, setup_q(rep, k), "setup", 0.0), i))
            if k["shoot"] > 0:
                segs.append((T["shoot"], shoot_fn(rep, k), i))
            segs.append((T["pull"] * (1.0 + 0.08 * i), pull_fn(rep, k), i))
            qtop, _ = pull_fn(rep, k)(1.0)
            segs.append((T["top"], hold_fn(qtop, "top", 1.0), i))
            segs.append((T["lower"], lower_fn(rep, k), i))
        segs.append((T["end"], hold_fn(setup_q(self.reps[-1], keys[-1]), "end", 0.0), len(self.reps) - 1))
        self.keys = keys
        return self._sample(segs)

    def standing_root(self):
        """Root position standing upright with straight-ish knees, feet planted."""
        L = self.L
        b = L.b
        r = b.rest_heads[0].copy()
        z = 0.5 * (L.ps.ankle_target["L"][2] + L.ps.ankle_target["R"][2]) + 0.01
        from .motion import bisect

        def kf(y):
            q = dict(bar=[0, BAR_Y0, 0], hang=1.0, root=[0.0, y, z])
            return L.ps.pose(q, legs_only=True)[2]["knee_flex"]
        y = bisect(kf, r[1] - 0.2, r[1] + 0.1, 4.0, increasing=False, iters=30, tol=1e-4)
        return np.array([0.0, y, z])

    def _build_rdl(self):
        T = self.tempo
        keys = [self.rdl_keys(r) for r in self.reps]
        segs = []
        L = self.L

        def rdl_q(rep, k, h):
            y = k["y_bot"] + h * (k["y_top"] - k["y_bot"])
            # knees soften in the first part of the descent and stay
            kf = k["kflex_top"] if "kflex_top" in k else 3.0
            kflex = kf + (k["kflex"] - kf) * float(smooth((1.0 - h) / 0.4))
            pt = k["p_top"]
            alpha = k["alpha_top"] * h + 2.0 * (1 - h)
            q = self.q_at(rep, h, pt, alpha, y, 0.0, 0.5)
            q["pitch"] = L.solve_pitch_for_knee(q, kflex, lo=pt - 5.0, hi=100.0) if h < 0.999 else pt
            return q

        def down_fn(rep, k):
            return lambda tau: (rdl_q(rep, k, 1.0 - float(minjerk(tau))), dict(phase="lower", h=1.0 - float(minjerk(tau))))

        def up_fn(rep, k):
            return lambda tau: (rdl_q(rep, k, float(minjerk(tau))), dict(phase="pull", h=float(minjerk(tau))))

        def hold(q, phase, h):
            return lambda tau: (q, dict(phase=phase, h=h))

        segs.append((T["stand"] + T["setup"], hold(rdl_q(self.reps[0], keys[0], 1.0), "setup", 1.0), 0))
        for i, (rep, k) in enumerate(zip(self.reps, keys)):
            segs.append((T["lower"], down_fn(rep, k), i))
            segs.append((0.12, hold(rdl_q(rep, k, 0.0), "bottom", 0.0), i))
            segs.append((T["pull"], up_fn(rep, k), i))
            segs.append((T["top"], hold(rdl_q(rep, k, 1.0), "top", 1.0), i))
        segs.append((T["end"], hold(rdl_q(self.reps[-1], keys[-1], 1.0), "end", 1.0), len(self.reps) - 1))
        self.keys = keys
        return self._sample(segs)

    def _sample(self, segs):
        total = sum(s[0] for s in segs)
        n = int(np.floor(total * self.fps))
        frames = []
        starts = np.cumsum([0.0] + [s[0] for s in segs])
        for i in range(n):
            t = i / self.fps
            j = min(int(np.searchsorted(starts, t, side="right") - 1), len(segs) - 1)
            dur, fn, rep_i = segs[j]
            tau = (t - starts[j]) / dur if dur > 0 else 1.0
            q, meta = fn(min(max(tau, 0.0), 1.0))
            meta = dict(meta, rep=rep_i, t=t, seg=j)
            frames.append((q, meta))
        return frames
