"""pyrender scene: body, barbell, gym; colour pass and label (part-id) passes.

Camera model (written to the ground truth): OpenCV pinhole. World point X maps to
x_cam = R X + t (camera: x right, y down, z forward), pixel u = fx x/z + cx, v = fy y/z + cy,
in continuous pixel coordinates where the top-left pixel covers [0,1)x[0,1) (pixel centres at
integer + 0.5).  The pyrender camera is set up from the same K, R, t.
"""
import os

os.environ.setdefault("PYOPENGL_PLATFORM", "egl")

import numpy as np

if "infty" not in np.__dict__:  # pyrender 0.1.45 still uses the alias removed in NumPy 2
    np.infty = np.inf
import pyrender
import pyrender.renderer as _pr
import trimesh

# Label renders must not blend ids at edges: their renderer gets single-sample buffers (pyrender
# hard-codes 4x MSAA; the colour render keeps it).
_SINGLE_SAMPLE = [False]
_orig_storage_ms = _pr.glRenderbufferStorageMultisample


def _storage_ms(target, samples, fmt, w, h):
    return _orig_storage_ms(target, 0 if _SINGLE_SAMPLE[0] else samples, fmt, w, h)


_pr.glRenderbufferStorageMultisample = _storage_ms

# pyrender draws opaque meshes sorted by node distance with ties left in the order of a Python
# set (memory addresses), which changes which of two coplanar surfaces wins from run to run.
# Number nodes as they are added and break ties by that number: identical frames every run.
import itertools as _it

_SEQ = _it.count()
_orig_add_node = pyrender.Scene.add_node


def _add_node(self, node, parent_node=None):
    node._liftsynth_seq = next(_SEQ)
    return _orig_add_node(self, node, parent_node=parent_node)


def _sorted_mesh_nodes(self, scene):
    cam_loc = scene.get_pose(scene.main_camera_node)[:3, 3]
    nodes = sorted(scene.mesh_nodes, key=lambda n: getattr(n, "_liftsynth_seq", 0))
    solid = [n for n in nodes if not n.mesh.is_transparent]
    trans = [n for n in nodes if n.mesh.is_transparent]
    key = lambda n: -np.linalg.norm(scene.get_pose(n)[:3, 3] - cam_loc)
    return sorted(solid, key=key) + sorted(trans, key=key)


pyrender.Scene.add_node = _add_node
_pr.Renderer._sorted_mesh_nodes = _sorted_mesh_nodes

from .body import PARTS

BAR_R = 0.014          # 28 mm shaft
SLEEVE_R = 0.025       # 50 mm sleeves
PLATE_R = 0.225        # 45 cm plates
SHAFT_HALF = 0.655     # inner collar faces at +-0.655 m (1.31 m between collars)
SLEEVE_END = 1.10      # bar 2.2 m long

# label palette: body parts 1..len(PARTS), objects after
OBJ_IDS = {"bar": 40, "plate": 41, "bystander": 42, "floor": 0, "other": 43}


def id_color(i):
    """Unique flat colour for an id (0..63) with wide spacing so MSAA edges decode robustly."""
    r = (i & 3) * 85
    g = ((i >> 2) & 3) * 85
    b = ((i >> 4) & 3) * 85
    return np.array([r, g, b, 255], np.uint8)


ID_PALETTE = np.array([id_color(i)[:3] for i in range(64)], np.int32)


def decode_ids(rgb):
    """rgb (H,W,3) uint8 -> ids (H,W) int (nearest palette entry, per channel quantisation)."""
    q = np.clip(np.rint(rgb.astype(np.int32) / 85.0), 0, 3).astype(np.int32)
    return q[..., 0] + 4 * q[..., 1] + 16 * q[..., 2]


def look_at(cam_pos, target, up=(0, 1, 0)):
    """OpenCV-style extrinsics (R, t) for a camera at cam_pos looking at target."""
    cam_pos = np.asarray(cam_pos, float)
    z = np.asarray(target, float) - cam_pos
    z /= np.linalg.norm(z)
    x = np.cross(z, np.asarray(up, float))
    x /= np.linalg.norm(x)
    y = np.cross(z, x)
    R = np.stack([x, y, z])
    t = -R @ cam_pos
    return R, t


def intrinsics(width, height, vfov_deg):
    fy = 0.5 * height / np.tan(np.radians(vfov_deg) / 2)
    return np.array([[fy, 0, width / 2.0], [0, fy, height / 2.0], [0, 0, 1.0]])


def project(K, R, t, X):
    X = np.atleast_2d(X)
    c = X @ R.T + t
    z = c[:, 2:3]
    uv = (c[:, :2] / z) @ K[:2, :2].T + K[:2, 2]
    return uv, c[:, 2]


def _cylinder(radius, x0, x1, sections=32):
    m = trimesh.creation.cylinder(radius=radius, height=abs(x1 - x0), sections=sections)
    # trimesh cylinder is along z; turn it along x
    T = np.array([[0, 0, 1, 0], [0, 1, 0, 0], [-1, 0, 0, 0], [0, 0, 0, 1.0]])
    T[0, 3] = 0.5 * (x0 + x1)
    m.apply_transform(T)
    return m


def _plate(x_inner, thickness, radius=PLATE_R, hole=0.026, sections=64):
    m = trimesh.creation.annulus(r_min=hole, r_max=radius, height=thickness, sections=sections)
    T = np.array([[0, 0, 1, 0], [0, 1, 0, 0], [-1, 0, 0, 0], [0, 0, 0, 1.0]])
    m.apply_transform(T)
    m.apply_translation([x_inner + thickness / 2 if x_inner > 0 else x_inner - thickness / 2, 0, 0])
    return m


def barbell_parts(plates):
    """Barbell in its own frame (centre at origin, along x). plates: list of (thickness, rgb)
    from the collar outward. Returns list of (trimesh, rgba, kind)."""
    parts = []
    steel = (170, 170, 175, 255)
    parts.append((_cylinder(BAR_R, -SHAFT_HALF, SHAFT_HALF), steel, "bar"))
    for sg in (1, -1):
        parts.append((_cylinder(0.04, sg * SHAFT_HALF, sg * (SHAFT_HALF + 0.03), 32), steel, "bar"))
        parts.append((_cylinder(SLEEVE_R, sg * (SHAFT_HALF + 0.03), sg * SLEEVE_END), steel, "bar"))
        x = SHAFT_HALF + 0.03
        for th, rgb, rad in plates:
            parts.append((_plate(sg * x, th, radius=rad), tuple(rgb) + (255,), "plate"))
            x += th
        parts.append((_cylinder(0.038, sg * x, sg * (x + 0.025), 24), (60, 60, 60, 255), "bar"))
    return parts


def plate_faces(plates):
    """Outer face x position (|x|) of the outermost 45 cm plate and its radius."""
    x = SHAFT_HALF + 0.03
    outer = None
    for th, rgb, rad in plates:
        x += th
        if abs(rad - PLATE_R) < 1e-6:
            outer = x
    return outer


class Renderer:
    def __init__(self, width, height, K, R, t, rng, gym):
        self.W, self.H = width, height
        self.K, self.R, self.t = K, R, t
        self.r = pyrender.OffscreenRenderer(width, height)
        self.rid = pyrender.OffscreenRenderer(width, height)
        self.scene = pyrender.Scene(bg_color=np.array(gym["bg"] + [255]) / 255.0,
                                    ambient_light=np.array(gym.get("ambient", [0.25, 0.25, 0.25])))
        cam = pyrender.IntrinsicsCamera(fx=K[0, 0], fy=K[1, 1], cx=K[0, 2], cy=K[1, 2], znear=0.05, zfar=60.0)
        pose = self._gl_pose(R, t)
        self.cam_node = self.scene.add(cam, pose=pose)
        self.id_scene = pyrender.Scene(bg_color=np.zeros(4), ambient_light=np.ones(3))
        self.id_cam_node = self.id_scene.add(cam, pose=pose)
        self.body_id_scene = pyrender.Scene(bg_color=np.zeros(4), ambient_light=np.ones(3))
        self.body_cam_node = self.body_id_scene.add(cam, pose=pose)
        for L in gym["lights"]:
            if L["type"] == "dir":
                light = pyrender.DirectionalLight(color=np.ones(3), intensity=L["intensity"])
            else:
                light = pyrender.PointLight(color=np.ones(3), intensity=L["intensity"])
            self.scene.add(light, pose=L["pose"])
        self.dynamic = []

    @staticmethod
    def _gl_pose(R, t):
        pose = np.eye(4)
        pose[:3, :3] = R.T
        pose[:3, 3] = -R.T @ t
        return pose @ np.diag([1, -1, -1, 1.0])  # OpenCV -> OpenGL camera axes

    def set_camera(self, R, t):
        pose = self._gl_pose(R, t)
        self.scene.set_pose(self.cam_node, pose)
        self.id_scene.set_pose(self.id_cam_node, pose)
        self.body_id_scene.set_pose(self.body_cam_node, pose)
        self.R, self.t = R, t

    def add_static(self, mesh, rgba, kind="other", id_value=None, smooth=False):
        """Static geometry in the colour scene and (unless floor/background) in the id scene."""
        m = mesh.copy()
        m.visual = trimesh.visual.ColorVisuals(m, vertex_colors=np.tile(np.array(rgba, np.uint8), (len(m.vertices), 1)))
        self.scene.add(pyrender.Mesh.from_trimesh(m, smooth=smooth))
        if kind != "floor":
            idv = OBJ_IDS[kind] if id_value is None else id_value
            mi = mesh.copy()
            mi.visual = trimesh.visual.ColorVisuals(mi, vertex_colors=np.tile(id_color(idv), (len(mi.vertices), 1)))
            self.id_scene.add(pyrender.Mesh.from_trimesh(mi, smooth=False))

    def add_posable(self, parts):
        """parts: list of (trimesh, rgba, kind). Returns handles for set_pose."""
        handles = []
        for mesh, rgba, kind in parts:
            m = mesh.copy()
            m.visual = trimesh.visual.ColorVisuals(m, vertex_colors=np.tile(np.array(rgba, np.uint8), (len(m.vertices), 1)))
            n1 = self.scene.add(pyrender.Mesh.from_trimesh(m, smooth=False))
            mi = mesh.copy()
            mi.visual = trimesh.visual.ColorVisuals(mi, vertex_colors=np.tile(id_color(OBJ_IDS[kind]), (len(mi.vertices), 1)))
            n2 = self.id_scene.add(pyrender.Mesh.from_trimesh(mi, smooth=False))
            handles.append((n1, n2))
        return handles

    def set_pose(self, handles, pose):
        for n1, n2 in handles:
            self.scene.set_pose(n1, pose)
            self.id_scene.set_pose(n2, pose)

    def add_textured(self, mesh, material=None):
        self.scene.add(pyrender.Mesh.from_trimesh(mesh, material=material, smooth=False))

    def set_dynamic(self, items):
        """items: list of (vertices, faces, vertex_colors (N,4) uint8, ids (N,) int, kind, smooth).
        kind 'body' goes to the body-id scene too."""
        for sc, n in self.dynamic:
            sc.remove_node(n)
        self.dynamic = []
        for verts, faces, cols, ids, kind, smooth in items:
            tm = trimesh.Trimesh(verts, faces, vertex_colors=cols, process=False)
            n = self.scene.add(pyrender.Mesh.from_trimesh(tm, smooth=smooth))
            self.dynamic.append((self.scene, n))
            idc = ID_PALETTE[ids]
            idc = np.concatenate([idc, np.full((len(ids), 1), 255)], 1).astype(np.uint8)
            # per-vertex ids interpolate across faces; split faces so each keeps its own id
            fv = faces.reshape(-1)
            fid = ids[faces].max(axis=1) if kind != "body" else _face_majority(ids, faces)
            tmi = trimesh.Trimesh(verts[fv], np.arange(len(fv)).reshape(-1, 3),
                                  vertex_colors=np.repeat(np.concatenate([ID_PALETTE[fid], np.full((len(fid), 1), 255)], 1).astype(np.uint8), 3, axis=0),
                                  process=False)
            mi = pyrender.Mesh.from_trimesh(tmi, smooth=False)
            self.dynamic.append((self.id_scene, self.id_scene.add(mi)))
            if kind == "body":
                self.dynamic.append((self.body_id_scene, self.body_id_scene.add(mi)))

    def render(self, labels=True, shadows=True):
        """Colour image and label buffers: ids/depth of the whole scene, and (computed on first
        access, since it is only needed where an object covers a keypoint) ids/depth of the
        body alone."""
        flags = pyrender.RenderFlags.NONE
        if shadows:
            flags |= pyrender.RenderFlags.SHADOWS_DIRECTIONAL
        color, _ = self.r.render(self.scene, flags=flags)
        if not labels:
            return color, None
        fl = pyrender.RenderFlags.FLAT | pyrender.RenderFlags.SKIP_CULL_FACES
        idc, depth = self.render_ids(self.id_scene, fl)
        return color, LabelBuffers(self, decode_ids(idc), depth, fl)

    def render_ids(self, scene, flags):
        _SINGLE_SAMPLE[0] = True
        try:
            return self.rid.render(scene, flags=flags)
        finally:
            _SINGLE_SAMPLE[0] = False

    def close(self):
        # both renderers share EGL's default display, which pyrender's delete() terminates:
        # free the label renderer's context by hand first, then delete the colour renderer
        from OpenGL.EGL import EGL_NO_CONTEXT, EGL_NO_SURFACE, eglDestroyContext, eglMakeCurrent
        p = self.rid._platform
        p.make_current()
        self.rid._renderer.delete()
        eglMakeCurrent(p._egl_display, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT)
        eglDestroyContext(p._egl_display, p._egl_context)
        p._egl_context = None
        p._egl_display = None
        # neuter its __del__ (which would terminate the display other renderers use)
        self.rid._renderer = None
        self.rid._platform = None
        self.rid.delete = lambda: None
        self.r.delete()
        self.r.delete = lambda: None


def _face_majority(ids, faces):
    a, b, c = ids[faces[:, 0]], ids[faces[:, 1]], ids[faces[:, 2]]
    out = a.copy()
    out[(b == c)] = b[(b == c)]
    return out


class LabelBuffers(dict):
    """ids/depth of the whole scene; body_ids/body_depth rendered lazily."""

    def __init__(self, rend, ids, depth, flags):
        super().__init__(ids=ids, depth=depth)
        self._rend = rend
        self._flags = flags

    def __getitem__(self, key):
        if key in ("body_ids", "body_depth") and not dict.__contains__(self, key):
            bidc, bdepth = self._rend.render_ids(self._rend.body_id_scene, self._flags)
            dict.__setitem__(self, "body_ids", decode_ids(bidc))
            dict.__setitem__(self, "body_depth", bdepth)
        return dict.__getitem__(self, key)
