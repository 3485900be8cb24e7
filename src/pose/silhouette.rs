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

/// A segmentation mask in a ROI crop of `size` x `size` mask pixels: the logits of the pixels in
/// `area` (the whole crop, or the window the segmentation head ran on), row by row.
pub struct CropMask<'a> {
    pub logits: &'a [f32],
    pub size: usize,
    pub area: MaskArea,
    pub roi: Roi,
}

/// A rectangle of a crop's mask pixels: columns `x..x + width`, rows `y..y + height`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MaskArea {
    pub x: usize,
    pub y: usize,
    pub width: usize,
    pub height: usize,
}

impl MaskArea {
    /// The whole `size` x `size` crop.
    pub fn whole(size: usize) -> Self {
        Self {
            x: 0,
            y: 0,
            width: size,
            height: size,
        }
    }

    fn contains(&self, col: usize, row: usize) -> bool {
        (self.x..self.x + self.width).contains(&col) && (self.y..self.y + self.height).contains(&row)
    }
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
        // Outside the area computed (never read by `back_outline`, whose reach the area covers:
        // `back_outline_reach`) counts as outside the crop.
        let area = self.area;
        let at = |col: f32, row: f32| -> f32 {
            #[cfg(test)]
            tests::note_read(col, row, n);
            if col < 0.0 || row < 0.0 || !area.contains(col as usize, row as usize) {
                OUTSIDE_LOGIT
            } else {
                self.logits[(row as usize - area.y) * area.width + col as usize - area.x]
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
}

/// ROI-normalised coordinates of a frame point (inverse of [`Roi::project`]).
fn unproject(roi: &Roi, p: Point) -> (f32, f32) {
    let (sin, cos) = roi.rotation.sin_cos();
    let (dx, dy) = (p.x - roi.center.x, p.y - roi.center.y);
    let (rx, ry) = (cos * dx + sin * dy, -sin * dx + cos * dy);
    (rx / roi.side + 0.5, ry / roi.side + 0.5)
}

/// Where [`back_outline`] searches, in ROI-normalised coordinates: stations from the shoulder
/// (`start`) along `chord` to the hip, each searched along the dorsal `normal` (unit length in
/// the frame) in steps of `step` up to `max_steps` of them.
struct BackSearch {
    start: (f32, f32),
    chord: (f32, f32),
    normal: (f32, f32),
    step: f32,
    max_steps: usize,
}

impl BackSearch {
    /// `None` when shoulder and hip coincide in the crop.
    fn new(roi: &Roi, size: usize, shoulder: Point, hip: Point, facing_x: f32) -> Option<Self> {
        let (su, sv) = unproject(roi, shoulder);
        let (hu, hv) = unproject(roi, hip);
        let (cu, cv) = (hu - su, hv - sv);
        let length = cu.hypot(cv);
        if length <= f32::EPSILON {
            return None;
        }
        // Dorsal direction in frame space, then in crop space.
        let chord_frame = (hip.x - shoulder.x, hip.y - shoulder.y);
        let mut normal_frame = (-chord_frame.1, chord_frame.0);
        if normal_frame.0 * -facing_x + -normal_frame.1 < 0.0 {
            normal_frame = (-normal_frame.0, -normal_frame.1);
        }
        let norm = normal_frame.0.hypot(normal_frame.1);
        let (sin, cos) = roi.rotation.sin_cos();
        let (nx, ny) = (normal_frame.0 / norm, normal_frame.1 / norm);
        let step = SEARCH_STEP / size as f32;
        Some(Self {
            start: (su, sv),
            chord: (cu, cv),
            normal: (cos * nx + sin * ny, -sin * nx + cos * ny),
            step,
            max_steps: (MAX_SEARCH_FRACTION * length / step) as usize,
        })
    }
}

/// The mask pixels [`back_outline`] may read for this shoulder, hip and facing: a box of the
/// `size` x `size` crop holding every pixel its bilinear reads touch (the stations,
/// the search along the normal and the one sample past it), so that a mask computed on this area
/// alone gives the same outline. `None` when the outline cannot be searched at all (shoulder and
/// hip coincide) or the area misses the crop.
pub fn back_outline_reach(roi: &Roi, size: usize, shoulder: Point, hip: Point, facing_x: f32) -> Option<MaskArea> {
    let search = BackSearch::new(roi, size, shoulder, hip, facing_x)?;
    let reach = (search.max_steps + 1) as f32 * search.step;
    let (su, sv) = search.start;
    let (eu, ev) = (su + search.chord.0, sv + search.chord.1);
    let (du, dv) = (reach * search.normal.0, reach * search.normal.1);
    let corners = [(su, sv), (eu, ev), (su + du, sv + dv), (eu + du, ev + dv)];
    let n = size as f32;
    // A bilinear read at `u` touches pixels floor(u n - 0.5) and the next; one more each side
    // for rounding.
    let pixel = |u: f32| u * n - 0.5;
    let (mut lo_x, mut hi_x, mut lo_y, mut hi_y) = (f32::INFINITY, f32::NEG_INFINITY, f32::INFINITY, f32::NEG_INFINITY);
    for (u, v) in corners {
        lo_x = lo_x.min(pixel(u));
        hi_x = hi_x.max(pixel(u));
        lo_y = lo_y.min(pixel(v));
        hi_y = hi_y.max(pixel(v));
    }
    let first = |lo: f32| (lo.floor() - 1.0).clamp(0.0, n) as usize;
    let end = |hi: f32| (hi.floor() + 3.0).clamp(0.0, n) as usize;
    let (x, y) = (first(lo_x), first(lo_y));
    let (x_end, y_end) = (end(hi_x), end(hi_y));
    (x_end > x && y_end > y).then(|| MaskArea {
        x,
        y,
        width: x_end - x,
        height: y_end - y,
    })
}

/// Samples the dorsal edge of the silhouette at `samples` evenly spaced stations from `shoulder`
/// to `hip`. `facing_x` is +1 when the lifter faces right on screen, -1 when left: the back is
/// the side pointing away from the facing direction and upwards (this holds from upright to a
/// horizontal trunk). Returns frame-pixel points, or `None` where the edge is not found
/// (mask missing there, or the edge runs past the search limit, e.g. into a plate).
pub fn back_outline(mask: &CropMask, shoulder: Point, hip: Point, facing_x: f32, samples: usize) -> Option<Vec<Point>> {
    if samples < 2 {
        return None;
    }
    let BackSearch {
        start: (su, sv),
        chord: (cu, cv),
        normal: (nu, nv),
        step,
        max_steps,
    } = BackSearch::new(&mask.roi, mask.size, shoulder, hip, facing_x)?;
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
    use std::cell::Cell;

    use super::*;

    thread_local! {
        /// The crop pixels read since the last [`take_reads`]: (least column, least row, most
        /// column, most row).
        static READS: Cell<Option<(usize, usize, usize, usize)>> = const { Cell::new(None) };
    }

    /// Notes a read of pixel (`col`, `row`) of an `n` x `n` crop (reads outside it count for
    /// nothing: they are background whatever the mask).
    pub(super) fn note_read(col: f32, row: f32, n: usize) {
        if col < 0.0 || row < 0.0 || col >= n as f32 || row >= n as f32 {
            return;
        }
        let (c, r) = (col as usize, row as usize);
        READS.with(|reads| {
            let (c0, r0, c1, r1) = reads.get().unwrap_or((c, r, c, r));
            reads.set(Some((c0.min(c), r0.min(r), c1.max(c), r1.max(r))));
        });
    }

    fn take_reads() -> Option<(usize, usize, usize, usize)> {
        READS.with(|reads| reads.take())
    }

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
            area: MaskArea::whole(256),
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
                area: MaskArea::whole(256),
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
            area: MaskArea::whole(256),
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
                area: MaskArea::whole(256),
                roi: roi(),
            };
            assert!(back_outline(&mask, Point::new(128.0, 60.0), Point::new(128.0, 180.0), 1.0, 5).is_none());
        }
    }

    /// `back_outline_reach` covers every pixel the search reads (the reads are tracked): with
    /// every pixel outside it flipped (person to background and back) the outline is the same,
    /// and so it is on a mask of that area alone. Torsos upright and bent, facing either way, in crops turned and
    /// scaled, with a back edge, with a hump, and with none inside the search (the search runs to
    /// its limit).
    #[test]
    fn the_outline_reads_only_within_its_reach() {
        let upright = |u: f32, _: f32| (100.0..140.0).contains(&(u * 256.0));
        let hump = |u: f32, v: f32| {
            let (x, y) = (u * 256.0, v * 256.0);
            let top = 120.0 - 25.0 * (std::f32::consts::PI * (x - 60.0) / 140.0).sin().max(0.0);
            (60.0..200.0).contains(&x) && y >= top && y < 160.0
        };
        let wide = |u: f32, v: f32| (20.0..236.0).contains(&(u * 256.0)) && (20.0..236.0).contains(&(v * 256.0));
        type Shape<'a> = &'a dyn Fn(f32, f32) -> bool;
        let shapes: [(&str, Shape, Point, Point); 4] = [
            ("upright", &upright, Point::new(125.0, 60.0), Point::new(125.0, 180.0)),
            ("hump", &hump, Point::new(195.0, 135.0), Point::new(65.0, 135.0)),
            ("diagonal", &hump, Point::new(180.0, 125.0), Point::new(80.0, 150.0)),
            (
                "edge past the limit",
                &wide,
                Point::new(128.0, 100.0),
                Point::new(128.0, 150.0),
            ),
        ];
        let rois = [
            roi(),
            Roi {
                center: Point::new(300.0, 200.0),
                side: 400.0,
                rotation: 0.3,
            },
        ];
        let mut compared = 0;
        for (name, inside, shoulder_crop, hip_crop) in shapes {
            let logits = mask_from(inside);
            for roi in rois {
                // The keypoints where the shape's crop points land in the frame.
                let to_frame = |p: Point| roi.project(p.x / 256.0, p.y / 256.0);
                let (shoulder, hip) = (to_frame(shoulder_crop), to_frame(hip_crop));
                for facing in [1.0, -1.0] {
                    let whole = CropMask {
                        logits: &logits,
                        size: 256,
                        area: MaskArea::whole(256),
                        roi,
                    };
                    take_reads();
                    let want = back_outline(&whole, shoulder, hip, facing, 11);
                    let area = back_outline_reach(&roi, 256, shoulder, hip, facing).expect("a reach");
                    // Every pixel of the crop the search read lies in the reach.
                    let (c0, r0, c1, r1) = take_reads().expect("some pixels read");
                    assert!(
                        area.contains(c0, r0) && area.contains(c1, r1),
                        "{name}: read columns {c0}-{c1}, rows {r0}-{r1}, outside {area:?}"
                    );
                    assert!(
                        area.width * area.height < 256 * 256,
                        "{name}: {area:?} is the whole crop"
                    );
                    let flipped: Vec<f32> = logits
                        .iter()
                        .enumerate()
                        .map(|(i, &l)| if area.contains(i % 256, i / 256) { l } else { -l })
                        .collect();
                    let outside_flipped = CropMask {
                        logits: &flipped,
                        ..whole
                    };
                    let cut: Vec<f32> = (area.y..area.y + area.height)
                        .flat_map(|row| &logits[row * 256 + area.x..row * 256 + area.x + area.width])
                        .copied()
                        .collect();
                    let alone = CropMask {
                        logits: &cut,
                        area,
                        ..whole
                    };
                    let context = format!("{name}, rotation {}, facing {facing}", roi.rotation);
                    assert_eq!(
                        back_outline(&outside_flipped, shoulder, hip, facing, 11),
                        want,
                        "{context}"
                    );
                    assert_eq!(back_outline(&alone, shoulder, hip, facing, 11), want, "{context}");
                    compared += usize::from(want.is_some());
                }
            }
        }
        assert!(compared >= 6, "only {compared} outlines found to compare");
    }
}
