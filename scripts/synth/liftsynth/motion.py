"""Deadlift motion model: key poses per rep, tempo, faults -> per-frame pose parameters.

Key poses are solved on the skinned mesh of the chosen body:
  set-up    plates on the floor (bar centre 0.225 m high) over the mid-foot, arm angle alpha0,
            trunk pitch found so that the shins clear the bar by ~5 mm;
  knee pass bar at knee height, trunk held (good form) or as the fault says;
  lockout   knees at ~3 deg flexion, trunk pitch p_top, arm angle found so that the bar just
            touches the thighs.
Between keys, trunk pitch and arm angle are PCHIP curves of bar height; bar height follows a
minimum-jerk profile in time. Per frame, the body is posed from (bar, pitch, alpha, spine),
legs by IK to planted feet; if the skinned legs would cut into the bar the bar is pushed
forward (it bows around the knees as real bars do).
RDL: knees held at a soft angle, trunk pitch solved per frame from the knee angle.
"""
import numpy as np
from scipy.interpolate import PchipInterpolator

from .body import PARTS

BAR_Y0 = 0.225  # bar centre height with 45 cm plates on the floor
FAULT_KINDS = ["thoracic_rounding", "lumbar_rounding", "hips_shoot_up", "shoulders_behind_bar",
               "bar_forward_of_midfoot", "bar_drift", "knees_forward", "head_up", "incomplete_lockout",
               "lean_back", "hip_shift", "uneven_bar", "rdl_locked_knees", "rdl_rounding"]

# what severity 1.0 means (severity scales linearly from 0 = none)
FAULT_MAX = {
    "thoracic_rounding": dict(thoracic_deg=40.0),
    "lumbar_rounding": dict(lumbar_deg=30.0),
    "hips_shoot_up": dict(extra_trunk_pitch_deg=24.0),
    "shoulders_behind_bar": dict(arm_angle_deg=-14.0),
    "bar_forward_of_midfoot": dict(bar_ahead_m=0.09),
    "bar_drift": dict(drift_m=0.08, arm_angle_extra_deg=8.0),
    "knees_forward": dict(bar_ahead_m=0.05, knee_extra_deg=25.0, knee_kp_extra_deg=15.0),
    "head_up": dict(neck_extension_deg=40.0),
    "incomplete_lockout": dict(knee_flexion_deg=24.0, trunk_pitch_deg=22.0),
    "lean_back": dict(lean_back_deg=16.0),
    "hip_shift": dict(shift_m=0.07, pelvis_roll_deg=-3.0),
    "uneven_bar": dict(side_bend_deg=6.0),
    "rdl_locked_knees": dict(knee_flexion_deg=2.0),
    "rdl_rounding": dict(lumbar_deg=22.0, thoracic_deg=25.0),
}


def minjerk(x):
    x = np.clip(x, 0.0, 1.0)
    return x * x * x * (10 - 15 * x + 6 * x * x)


def smooth(x):
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


def bisect(f, lo, hi, target, increasing, iters=30, tol=1e-4):
    """Find x in [lo, hi] with f(x) ~= target, f monotone (increasing or not)."""
    flo, fhi = f(lo), f(hi)
    if increasing:
        if target <= flo:
            return lo
        if target >= fhi:
            return hi
    else:
        if target >= flo:
            return lo
        if target <= fhi:
            return hi
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        fm = f(mid)
        if (fm < target) == increasing:
            lo = mid
        else:
            hi = mid
        if hi - lo < tol:
            break
    return 0.5 * (lo + hi)


class Lifter:
    """Solves key poses and per-frame constraints for one body + stance."""

    def __init__(self, body, poser):
        self.b = body
        self.ps = poser
        part = body.d.vertex_part
        keep = [PARTS.index(p) for p in ("torso", "thigh_L", "thigh_R", "shin_L", "shin_R", "foot_L", "foot_R")]
        self.coll_idx = np.nonzero(np.isin(part, keep))[0]
        # knee height standing (for knee pass keys)
        self.knee_y = float(0.5 * (body.h("lowerleg01.L")[1] + body.h("lowerleg01.R")[1]))

    def clearance(self, q, D=None, P=None):
        """Signed gap (m) between the bar surface and the legs/torso in front of which it hangs."""
        from .scene import BAR_R, SHAFT_HALF
        if D is None:
            D, P, _ = self.ps.pose(q)
        v = self.b.skin(D, P, self.coll_idx)
        bar = np.asarray(q["bar"], float)
        dy = v[:, 1] - bar[1]
        m = (np.abs(dy) < BAR_R) & (np.abs(v[:, 0] - bar[0]) < SHAFT_HALF)
        if not m.any():
            return 1.0
        front = bar[2] - np.sqrt(BAR_R ** 2 - dy[m] ** 2)
        return float(np.min(front - v[m, 2]))

    def _kmin(self, q):
        legs = self.ps.pose(q, legs_only=True)[2]["legs"]
        return min(legs["L"]["knee_flex"], legs["R"]["knee_flex"])

    def knee_flex(self, q):
        return self.ps.pose(q, legs_only=True)[2]["knee_flex"]

    def solve_setup(self, q, gap=0.005):
        """Trunk pitch at set-up so that the shins clear the bar by `gap`."""
        def f(p):
            return self.clearance({**q, "pitch": p})
        p = bisect(f, 10.0, 89.0, gap, increasing=True, iters=24, tol=0.02)
        return p

    def solve_top(self, q, knee_flex_target=3.0, contact_gap=0.003, alpha_range=(-30.0, 20.0)):
        """Bar height and arm angle at the top: knees at knee_flex_target, bar touching thighs."""
        def y_for_alpha(a):
            qa = {**q, "alpha": a}
            return bisect(lambda y: self._kmin({**qa, "bar": [qa["bar"][0], y, qa["bar"][2]]}),
                          0.3, 1.4, knee_flex_target, increasing=False, iters=26, tol=1e-4)

        def clr(a):
            y = y_for_alpha(a)
            return self.clearance({**q, "alpha": a, "bar": [q["bar"][0], y, q["bar"][2]]})

        a = bisect(clr, alpha_range[0], alpha_range[1], contact_gap, increasing=False, iters=16, tol=0.05)
        y = y_for_alpha(a)
        return y, a

    def solve_pitch_for_knee(self, q, knee_flex_target, lo=-25.0, hi=95.0):
        return bisect(lambda p: self.knee_flex({**q, "pitch": p}), lo, hi, knee_flex_target,
                      increasing=False, iters=24, tol=0.02)

    def solve_y_for_pitch_knee(self, q, pitch, knee_flex_target):
        """RDL bottom: bar height at which the trunk reaches `pitch` with the knees at the target."""
        def f(y):
            qq = {**q, "bar": [q["bar"][0], y, q["bar"][2]]}
            return self.solve_pitch_for_knee(qq, knee_flex_target)
        return bisect(f, 0.15, 1.2, pitch, increasing=False, iters=20, tol=1e-3)

    def clearance_part(self, q, D, P):
        """(signed gap, part name of the closest vertex) like clearance()."""
        from .scene import BAR_R, SHAFT_HALF
        v = self.b.skin(D, P, self.coll_idx)
        bar = np.asarray(q["bar"], float)
        dy = v[:, 1] - bar[1]
        m = (np.abs(dy) < BAR_R) & (np.abs(v[:, 0] - bar[0]) < SHAFT_HALF)
        if not m.any():
            return 1.0, None
        front = bar[2] - np.sqrt(BAR_R ** 2 - dy[m] ** 2)
        c = front - v[m, 2]
        j = int(np.argmin(c))
        return float(c[j]), PARTS[self.b.d.vertex_part[self.coll_idx[np.nonzero(m)[0][j]]]]

    def fix_frame(self, q, max_iter=3):
        """Per-frame safeguards: keep the legs within reach; if the legs cut into the bar, raise
        the hips (shin contact: more trunk pitch) or move the body back (thigh contact: smaller
        arm angle), as a lifter dragging the bar along the legs would."""
        q = dict(q)
        D, P, info = self.ps.pose(q)
        if q.get("hang", 0.0) > 0.0:
            return q, D, P, info
        kmin = min(info["legs"]["L"]["knee_flex"], info["legs"]["R"]["knee_flex"])
        if info["reach"] > 0.9999 or kmin < 0.8:
            lo = max(q["pitch"] - 40.0, min(q["pitch"], 0.0) - 5.0)
            q["pitch"] = bisect(lambda p: self._kmin({**q, "pitch": p}), lo, q["pitch"], 1.0,
                                increasing=False, iters=24, tol=0.02)
            D, P, info = self.ps.pose(q)
        for _ in range(max_iter):
            c, part = self.clearance_part(q, D, P)
            if c >= -0.0005:
                break
            if part.startswith(("shin", "foot")):
                p0 = q["pitch"]
                q["pitch"] = bisect(lambda p: self.clearance({**q, "pitch": p}), p0, p0 + 40.0, 0.001,
                                    increasing=True, iters=16, tol=0.02)
            else:
                a0 = q["alpha"]
                q["alpha"] = bisect(lambda a: self.clearance({**q, "alpha": a}), a0 - 30.0, a0, 0.001,
                                    increasing=False, iters=16, tol=0.02)
            D, P, info = self.ps.pose(q)
        return q, D, P, info
