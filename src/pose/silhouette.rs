//! The back outline from BlazePose's segmentation mask: keypoints have nothing between the
//! shoulders and the hips, so spine rounding can only be seen in the silhouette's dorsal edge.

use super::geometry::{Point, Roi};

/// Mask logit above which a pixel belongs to the person (probability 0.5, MediaPipe's usual
/// threshold); comparing logits saves a sigmoid per mask pixel.
pub const PERSON_LOGIT: f32 = 0.0;
/// How far from the shoulder-hip line the edge search goes, as a fraction of that line's
/// length: a rounded back bulges well under half the torso length.
const MAX_SEARCH_FRACTION: f32 = 0.6;
/// Search step along the normal, in mask pixels.
const SEARCH_STEP: f32 = 0.5;

/// A square segmentation mask in a ROI crop (row-major logits, `size` x `size`).
pub struct CropMask<'a> {
    pub logits: &'a [f32],
    pub size: usize,
    pub roi: Roi,
}

/// Logit given to points outside the crop: certainly background.
const OUTSIDE_LOGIT: f32 = -10.0;

impl CropMask<'_> {
    /// The mask's logit at ROI-normalised `(u, v)`, bilinear between pixel centres (outside the
    /// crop: background). Interpolating lets the edge be placed between pixels: a 15-degree bend
    /// of half a side-view trunk is a bulge of only about one mask pixel. On 98 rendered clips
    /// this took the frame-to-frame spread of the outline's bend from 9.0 to 5.5 degrees (upper
    /// half) and 10.3 to 6.3 (lower) (`scripts/synth/measure.py outline --format 6|7 --sagitta
    /// max DIR...` on the tracks cached before and after).
    fn logit(&self, u: f32, v: f32) -> f32 {
        let n = self.size;
        let (x, y) = (u * n as f32 - 0.5, v * n as f32 - 0.5);
        if !(x > -1.0 && y > -1.0 && x < n as f32 && y < n as f32) {
            return OUTSIDE_LOGIT;
        }
        let (x0, y0) = (x.floor(), y.floor());
        let (fx, fy) = (x - x0, y - y0);
        let at = |col: f32, row: f32| -> f32 {
            if col < 0.0 || row < 0.0 || col >= n as f32 || row >= n as f32 {
                OUTSIDE_LOGIT
            } else {
                self.logits[row as usize * n + col as usize]
            }
        };
        let top = at(x0, y0) * (1.0 - fx) + at(x0 + 1.0, y0) * fx;
        let bottom = at(x0, y0 + 1.0) * (1.0 - fx) + at(x0 + 1.0, y0 + 1.0) * fx;
        top * (1.0 - fy) + bottom * fy
    }

    /// Whether ROI-normalised `(u, v)` is on the person.
    fn is_person(&self, u: f32, v: f32) -> bool {
        self.logit(u, v) > PERSON_LOGIT
    }

    /// ROI-normalised coordinates of a frame point (inverse of [`Roi::project`]).
    fn unproject(&self, p: Point) -> (f32, f32) {
        let (sin, cos) = self.roi.rotation.sin_cos();
        let (dx, dy) = (p.x - self.roi.center.x, p.y - self.roi.center.y);
        let (rx, ry) = (cos * dx + sin * dy, -sin * dx + cos * dy);
        (rx / self.roi.side + 0.5, ry / self.roi.side + 0.5)
    }
}

/// Samples the dorsal edge of the silhouette at `samples` evenly spaced stations from `shoulder`
/// to `hip`. `facing_x` is +1 when the lifter faces right on screen, -1 when left: the back is
/// the side pointing away from the facing direction and upwards (this holds from upright to a
/// horizontal trunk). Returns frame-pixel points, or `None` where the edge is not found
/// (mask missing there, or the edge runs past the search limit, e.g. into a plate).
pub fn back_outline(mask: &CropMask, shoulder: Point, hip: Point, facing_x: f32, samples: usize) -> Option<Vec<Point>> {
    let (su, sv) = mask.unproject(shoulder);
    let (hu, hv) = mask.unproject(hip);
    let (cu, cv) = (hu - su, hv - sv);
    let length = cu.hypot(cv);
    if length <= f32::EPSILON || samples < 2 {
        return None;
    }
    // Dorsal direction in frame space, then in crop space.
    let chord_frame = (hip.x - shoulder.x, hip.y - shoulder.y);
    let mut normal_frame = (-chord_frame.1, chord_frame.0);
    if normal_frame.0 * -facing_x + -normal_frame.1 < 0.0 {
        normal_frame = (-normal_frame.0, -normal_frame.1);
    }
    let norm = normal_frame.0.hypot(normal_frame.1);
    let (sin, cos) = mask.roi.rotation.sin_cos();
    let (nx, ny) = (normal_frame.0 / norm, normal_frame.1 / norm);
    let (nu, nv) = (cos * nx + sin * ny, -sin * nx + cos * ny);
    let step = SEARCH_STEP / mask.size as f32;
    let max_steps = (MAX_SEARCH_FRACTION * length / step) as usize;
    let mut points = Vec::with_capacity(samples);
    for s in 0..samples {
        let t = s as f32 / (samples - 1) as f32;
        let (u0, v0) = (su + t * cu, sv + t * cv);
        if !mask.is_person(u0, v0) {
            return None;
        }
        // The last sample on the person (step and logit) once three samples (1.5 mask pixels)
        // of background follow it.
        let mut last_inside = (0usize, mask.logit(u0, v0));
        let mut edge = None;
        for k in 1..=max_steps {
            let d = k as f32 * step;
            let l = mask.logit(u0 + d * nu, v0 + d * nv);
            if l > PERSON_LOGIT {
                last_inside = (k, l);
            } else if k > last_inside.0 + 2 {
                edge = Some(last_inside);
                break;
            }
        }
        let (k_in, l_in) = edge?;
        // Where the interpolated logit crosses the threshold before the next sample.
        let d_in = k_in as f32 * step;
        let l_out = mask.logit(u0 + (d_in + step) * nu, v0 + (d_in + step) * nv);
        let frac = ((l_in - PERSON_LOGIT) / (l_in - l_out)).clamp(0.0, 1.0);
        let d = d_in + frac * step;
        points.push(mask.roi.project(u0 + d * nu, v0 + d * nv));
    }
    Some(points)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A mask of a filled shape given by `inside(u, v)` on a 256 crop.
    fn mask_from(inside: impl Fn(f32, f32) -> bool) -> Vec<f32> {
        let n = 256;
        (0..n * n)
            .map(|i| {
                let (u, v) = ((i % n) as f32 / n as f32, (i / n) as f32 / n as f32);
                if inside(u, v) { 10.0 } else { -10.0 }
            })
            .collect()
    }

    fn roi() -> Roi {
        Roi {
            center: Point::new(128.0, 128.0),
            side: 256.0,
            rotation: 0.0,
        }
    }

    #[test]
    fn upright_torso_back_edge_is_behind_the_facing_direction() {
        // A vertical band x in [100, 140) px: a torso seen from the side.
        let probabilities = mask_from(|u, _| (100.0..140.0).contains(&(u * 256.0)));
        let mask = CropMask {
            logits: &probabilities,
            size: 256,
            roi: roi(),
        };
        let (shoulder, hip) = (Point::new(125.0, 60.0), Point::new(125.0, 180.0));
        // Facing right: the back is on the left edge (x = 100); facing left: the right edge.
        for (facing, edge) in [(1.0, 100.0), (-1.0, 139.5)] {
            let pts = back_outline(&mask, shoulder, hip, facing, 5).expect("edge found");
            assert_eq!(pts.len(), 5);
            for p in &pts {
                assert!((p.x - edge).abs() <= 1.0, "facing {facing}: {p:?}");
            }
            assert!((pts[0].y - 60.0).abs() < 1e-3 && (pts[4].y - 180.0).abs() < 1e-3);
        }
    }

    #[test]
    fn edges_are_placed_between_mask_pixels() {
        // Logits fall linearly across a vertical edge at a fractional x, as the model's smooth
        // output does; the outline follows it to a tenth of a pixel, where the search on whole
        // pixels in half-pixel steps could be up to about a pixel off.
        for edge in [100.0_f32, 100.25, 100.5, 100.8] {
            let logits: Vec<f32> = (0..256 * 256)
                .map(|i| {
                    let x = (i % 256) as f32 + 0.5;
                    if x < 60.0 {
                        -10.0
                    } else {
                        (x - edge).clamp(-10.0, 10.0) * -1.5
                    }
                })
                .collect();
            let mask = CropMask {
                logits: &logits,
                size: 256,
                roi: roi(),
            };
            // Facing left: the back is the right-hand edge.
            let pts = back_outline(&mask, Point::new(80.0, 60.0), Point::new(80.0, 180.0), -1.0, 5).expect("edge");
            for p in &pts {
                assert!((p.x - edge).abs() < 0.1, "edge {edge}: {p:?}");
            }
        }
    }

    #[test]
    fn rounded_back_bulges_from_the_chord() {
        // A torso bent forward (facing right), with a hump on its upper (dorsal) side.
        let probabilities = mask_from(|u, v| {
            let (x, y) = (u * 256.0, v * 256.0);
            let top = 120.0 - 25.0 * (std::f32::consts::PI * (x - 60.0) / 140.0).sin().max(0.0);
            (60.0..200.0).contains(&x) && y >= top && y < 160.0
        });
        let mask = CropMask {
            logits: &probabilities,
            size: 256,
            roi: roi(),
        };
        let pts = back_outline(&mask, Point::new(195.0, 135.0), Point::new(65.0, 135.0), 1.0, 11).expect("edge");
        let middle = pts[5];
        assert!((middle.y - 95.0).abs() <= 1.5, "hump top {middle:?}");
        assert!(pts[0].y > middle.y + 15.0);
    }

    #[test]
    fn unbounded_edges_and_missing_masks_give_none() {
        let full = vec![10.0; 256 * 256];
        let empty = vec![-10.0; 256 * 256];
        for probabilities in [&full, &empty] {
            let mask = CropMask {
                logits: probabilities,
                size: 256,
                roi: roi(),
            };
            assert!(back_outline(&mask, Point::new(128.0, 60.0), Point::new(128.0, 180.0), 1.0, 5).is_none());
        }
    }
}
