//! Rotated square regions of interest and the affine maps between a frame and a model crop.
//!
//! Conventions follow MediaPipe's CPU pipeline so that keypoints match it to about a pixel:
//! frame coordinates are continuous pixels, and crop pixel `(j, i)` of an `n`-pixel crop maps to
//! the ROI-normalised point `(j / n, i / n)`, whose frame position is
//! `centre + R(rotation) * ((u - 0.5) * side, (v - 0.5) * side)`.

use std::f32::consts::PI;

/// A point in frame pixels.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Point {
    pub x: f32,
    pub y: f32,
}

impl Point {
    pub const fn new(x: f32, y: f32) -> Self {
        Self { x, y }
    }

    pub fn distance(self, other: Point) -> f32 {
        (self.x - other.x).hypot(self.y - other.y)
    }
}

/// A rotated square region of a frame, in pixels. `rotation` is in radians, clockwise on screen
/// (image y points down), in `[-pi, pi)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Roi {
    pub center: Point,
    pub side: f32,
    pub rotation: f32,
}

/// How much larger than the alignment-point distance the BlazePose crop is (MediaPipe's
/// `scale_x`/`scale_y` of 1.25 in the detection-to-ROI and landmarks-to-ROI steps).
pub const ROI_SCALE: f32 = 1.25;

/// Target angle of the alignment vector (hip centre to scale point): the body is upright in the
/// crop when that vector points straight up.
const ALIGNMENT_TARGET_ANGLE: f32 = PI / 2.0;

/// Frames at least this much wider than tall (or taller than wide) get [`Roi::zoom_tiles`]:
/// closer to square, a tile gains too little scale over the letterbox to be worth the extra runs.
pub const ZOOM_TILES_MIN_ASPECT: f32 = 1.3;
/// At most this many tiles (a 16:9 or 9:16 frame takes three): a strip-shaped video would
/// otherwise cost a detector run per tile on every frame without a person.
pub const ZOOM_TILES_MAX: usize = 5;

/// Wraps an angle into `[-pi, pi)`.
pub fn normalize_radians(angle: f32) -> f32 {
    angle - 2.0 * PI * ((angle + PI) / (2.0 * PI)).floor()
}

impl Roi {
    /// The ROI MediaPipe builds from two alignment points: `center` (hip centre) and `scale`
    /// (a point whose distance from the centre gives the body's size and whose direction gives
    /// its rotation). Side = 2 * distance * [`ROI_SCALE`].
    pub fn from_alignment(center: Point, scale: Point) -> Self {
        let side = 2.0 * center.distance(scale) * ROI_SCALE;
        let rotation = normalize_radians(ALIGNMENT_TARGET_ANGLE - (-(scale.y - center.y)).atan2(scale.x - center.x));
        Self { center, side, rotation }
    }

    /// The unrotated square that letterboxes a whole `width` x `height` frame (the detector's input).
    pub fn letterbox(width: u32, height: u32) -> Self {
        Self {
            center: Point::new(width as f32 / 2.0, height as f32 / 2.0),
            side: width.max(height) as f32,
            rotation: 0.0,
        }
    }

    /// Squares of the frame's short side along its long side, each overlapping the next by at least
    /// half: for a second look at the frame at a larger scale than [`Self::letterbox`] gives
    /// (1.8x for 16:9). None for frames closer to square than [`ZOOM_TILES_MIN_ASPECT`] or needing
    /// more than [`ZOOM_TILES_MAX`] tiles.
    pub fn zoom_tiles(width: u32, height: u32) -> Vec<Self> {
        let (long, short) = (width.max(height) as f32, width.min(height) as f32);
        if short <= 0.0 || long / short < ZOOM_TILES_MIN_ASPECT {
            return Vec::new();
        }
        // Step at most half a tile, so that a person no wider than half a tile lies whole in one.
        let count = (2.0 * (long - short) / short).ceil() as usize + 1;
        if count > ZOOM_TILES_MAX {
            return Vec::new();
        }
        let step = (long - short) / (count - 1) as f32;
        (0..count)
            .map(|i| {
                let along = 0.5 * short + i as f32 * step;
                let center = if width >= height {
                    Point::new(along, 0.5 * short)
                } else {
                    Point::new(0.5 * short, along)
                };
                Self {
                    center,
                    side: short,
                    rotation: 0.0,
                }
            })
            .collect()
    }

    /// Frame position of the ROI-normalised point `(u, v)` (0..1 across the crop).
    pub fn project(&self, u: f32, v: f32) -> Point {
        let (sin, cos) = self.rotation.sin_cos();
        let dx = (u - 0.5) * self.side;
        let dy = (v - 0.5) * self.side;
        Point::new(self.center.x + cos * dx - sin * dy, self.center.y + sin * dx + cos * dy)
    }

    /// The 2x3 affine matrix (row-major) taking crop pixel `(j, i)` of an `crop_size`-pixel crop
    /// to its frame position: use with OpenCV's `WARP_INVERSE_MAP` to cut the crop from a frame,
    /// and without it to paste crop-space data (the segmentation mask) back into the frame.
    pub fn crop_to_frame_affine(&self, crop_size: u32) -> [[f64; 3]; 2] {
        let (sin, cos) = (self.rotation as f64).sin_cos();
        let scale = self.side as f64 / crop_size as f64;
        let half = 0.5 * self.side as f64;
        let (cx, cy) = (self.center.x as f64, self.center.y as f64);
        [
            [cos * scale, -sin * scale, cx - cos * half + sin * half],
            [sin * scale, cos * scale, cy - sin * half - cos * half],
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f32, b: f32, tol: f32) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn zoom_tiles_cover_the_long_side_with_half_tile_steps() {
        // (width, height, expected tile centres along the long side)
        let cases: [(u32, u32, &[f32]); 5] = [
            (640, 360, &[180.0, 320.0, 460.0]),
            (1080, 1920, &[540.0, 960.0, 1380.0]),
            (600, 600, &[]),
            (1000, 900, &[]),
            (1920, 16, &[]),
        ];
        for (w, h, centres) in cases {
            let tiles = Roi::zoom_tiles(w, h);
            let along: Vec<f32> = tiles
                .iter()
                .map(|t| if w >= h { t.center.x } else { t.center.y })
                .collect();
            assert_eq!(along, centres, "{w}x{h}");
            for t in &tiles {
                assert_eq!(t.side, w.min(h) as f32);
                assert_eq!(if w >= h { t.center.y } else { t.center.x }, w.min(h) as f32 / 2.0);
            }
        }
    }

    #[test]
    fn alignment_upright_body_has_zero_rotation() {
        // Scale point straight above the hip centre: an upright person.
        let roi = Roi::from_alignment(Point::new(100.0, 200.0), Point::new(100.0, 120.0));
        assert!(close(roi.rotation, 0.0, 1e-6));
        assert!(close(roi.side, 2.0 * 80.0 * ROI_SCALE, 1e-4));
    }

    #[test]
    fn alignment_rotation_cases() {
        // (scale point offset from centre, expected rotation) with image y pointing down.
        let cases = [
            ((80.0, 0.0), PI / 2.0),   // body lying with head to the right: rotate clockwise
            ((-80.0, 0.0), -PI / 2.0), // head to the left
            ((0.0, 80.0), -PI),        // upside down
        ];
        for ((dx, dy), expected) in cases {
            let roi = Roi::from_alignment(Point::new(0.0, 0.0), Point::new(dx, dy));
            assert!(
                close(normalize_radians(roi.rotation - expected), 0.0, 1e-5),
                "offset ({dx}, {dy}): got {} want {expected}",
                roi.rotation
            );
        }
    }

    #[test]
    fn project_maps_crop_corners_and_centre() {
        let roi = Roi {
            center: Point::new(50.0, 60.0),
            side: 40.0,
            rotation: PI / 2.0,
        };
        let c = roi.project(0.5, 0.5);
        assert!(close(c.x, 50.0, 1e-4) && close(c.y, 60.0, 1e-4));
        // Crop top-centre (u=0.5, v=0) is "up" in the crop; rotated 90 degrees clockwise it lies to
        // the right of the centre on screen.
        let top = roi.project(0.5, 0.0);
        assert!(close(top.x, 70.0, 1e-4) && close(top.y, 60.0, 1e-4), "{top:?}");
    }

    #[test]
    fn affine_matches_project() {
        let roi = Roi {
            center: Point::new(321.5, 180.25),
            side: 173.0,
            rotation: 0.37,
        };
        let m = roi.crop_to_frame_affine(256);
        for (j, i) in [(0.0, 0.0), (255.0, 0.0), (17.0, 203.0), (128.0, 128.0)] {
            let p = roi.project(j / 256.0, i / 256.0);
            let x = m[0][0] * j as f64 + m[0][1] * i as f64 + m[0][2];
            let y = m[1][0] * j as f64 + m[1][1] * i as f64 + m[1][2];
            assert!(close(x as f32, p.x, 1e-3) && close(y as f32, p.y, 1e-3));
        }
    }

    #[test]
    fn letterbox_covers_the_long_side() {
        let roi = Roi::letterbox(1920, 1080);
        assert_eq!(roi.side, 1920.0);
        let top_left = roi.project(0.0, 0.0);
        assert!(close(top_left.x, 0.0, 1e-4) && close(top_left.y, -420.0, 1e-4));
    }

    #[test]
    fn normalize_radians_wraps_into_range() {
        for (a, want) in [
            (3.0 * PI, -PI),
            (-PI, -PI),
            (PI, -PI),
            (0.5, 0.5),
            (-7.0, -7.0 + 2.0 * PI),
        ] {
            assert!(
                close(normalize_radians(a), want, 1e-5),
                "{a} -> {}",
                normalize_radians(a)
            );
        }
    }
}
