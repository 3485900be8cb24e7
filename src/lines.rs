//! Straight lines in the background of a frame (OpenCV's line segment detector), from which the
//! analysis reads the camera's roll ([`crate::analysis::level`]).

use opencv::core::{Mat, Size, Vec4f, Vector};
use opencv::imgproc;
use opencv::prelude::*;

use crate::analysis::level::{LineSegment, MAX_LINE_LEAN_DEG, MIN_LINE_FRACTION};
use crate::pose::geometry::Point;

/// Frames are shrunk so their longer side is at most this many pixels before the search: the
/// background's long edges survive, and the detector's time grows with the pixel count (10 ms a
/// 1080p frame, shrink included: `cargo bench --bench pose -- extras/background_lines`).
const WORK_LONG_SIDE_PX: f32 = 640.0;

/// The lifter's box is widened by this fraction of its height on each side before the lines
/// inside it are dropped: the body's own edges (legs, back, arms) are near vertical when
/// standing, and in a front view the plates' rims, up to about 1.1 m from the lifter's centre
/// (for a 1.8 m lifter, 0.6 of the height), tilt with the bar.
const LIFTER_MARGIN_X: f32 = 0.6;
const LIFTER_MARGIN_Y: f32 = 0.1;

/// The lifter's bounding box in frame pixels (from the pose's keypoints).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LifterBox {
    pub min: Point,
    pub max: Point,
}

impl LifterBox {
    /// Widened by the margins, so that the body, its shadow and the bar's plates fall inside.
    fn contains_widened(&self, p: Point) -> bool {
        let height = self.max.y - self.min.y;
        let (mx, my) = (LIFTER_MARGIN_X * height, LIFTER_MARGIN_Y * height);
        (self.min.x - mx..=self.max.x + mx).contains(&p.x) && (self.min.y - my..=self.max.y + my).contains(&p.y)
    }
}

/// Reusable buffers and the detector. Create one per clip.
pub struct LineFinder {
    small: Mat,
    gray: Mat,
    found: Vector<Vec4f>,
    detector: opencv::core::Ptr<imgproc::LineSegmentDetector>,
}

impl LineFinder {
    pub fn new() -> opencv::Result<Self> {
        Ok(LineFinder {
            small: Mat::default(),
            gray: Mat::default(),
            found: Vector::new(),
            detector: imgproc::create_line_segment_detector_def()?,
        })
    }

    /// The long, near-vertical line segments of a BGR `frame` outside the lifter's (widened)
    /// box, in frame pixels.
    pub fn find(&mut self, frame: &Mat, lifter: Option<LifterBox>) -> opencv::Result<Vec<LineSegment>> {
        let (w, h) = (frame.cols() as f32, frame.rows() as f32);
        if w < 2.0 || h < 2.0 {
            return Ok(Vec::new());
        }
        let scale = (WORK_LONG_SIDE_PX / w.max(h)).min(1.0);
        let size = Size::new((w * scale).round() as i32, (h * scale).round() as i32);
        imgproc::resize(frame, &mut self.small, size, 0.0, 0.0, imgproc::INTER_AREA)?;
        imgproc::cvt_color(&self.small, &mut self.gray, imgproc::COLOR_BGR2GRAY, 0)?;
        self.found.clear();
        self.detector.detect_def(&self.gray, &mut self.found)?;
        let (sx, sy) = (w / size.width as f32, h / size.height as f32);
        let min_length = MIN_LINE_FRACTION as f32 * w.max(h);
        Ok(self
            .found
            .iter()
            .map(|l| LineSegment {
                a: Point::new((l[0] + 0.5) * sx - 0.5, (l[1] + 0.5) * sy - 0.5),
                b: Point::new((l[2] + 0.5) * sx - 0.5, (l[3] + 0.5) * sy - 0.5),
            })
            .filter(|l| l.length() >= min_length && l.lean_deg().abs() <= MAX_LINE_LEAN_DEG)
            .filter(|l| !lifter.is_some_and(|b| b.contains_widened(l.middle())))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opencv::core::{self, Scalar};

    /// A frame with dark vertical bars turned `roll_deg` clockwise about its centre, as a rolled
    /// camera sees door frames or rack posts.
    fn rolled_posts(roll_deg: f64) -> Mat {
        let (w, h) = (1280, 720);
        let mut frame = Mat::new_rows_cols_with_default(h, w, core::CV_8UC3, Scalar::all(170.0)).expect("frame");
        for x in [150, 300, 450, 830, 980, 1130] {
            imgproc::rectangle(
                &mut frame,
                core::Rect::new(x, 80, 24, 560),
                Scalar::all(40.0),
                -1,
                imgproc::LINE_8,
                0,
            )
            .expect("draw");
        }
        let turn = imgproc::get_rotation_matrix_2d(core::Point2f::new(640.0, 360.0), -roll_deg, 1.0).expect("matrix");
        let mut rolled = Mat::default();
        imgproc::warp_affine(
            &frame,
            &mut rolled,
            &turn,
            core::Size::new(w, h),
            imgproc::INTER_LINEAR,
            core::BORDER_REPLICATE,
            Scalar::default(),
        )
        .expect("warp");
        rolled
    }

    #[test]
    fn posts_in_a_rolled_frame_give_the_roll() {
        let mut finder = LineFinder::new().expect("detector");
        for roll in [0.0, 5.0, -8.0] {
            let lines = finder.find(&rolled_posts(roll), None).expect("lines");
            let got = crate::analysis::level::estimate_roll(&lines, 1280, 720, None).expect("roll");
            assert!((got.deg - roll).abs() < 0.5, "roll {roll}: {got:?}");
        }
    }

    #[test]
    fn lines_around_the_lifter_are_not_background() {
        let mut finder = LineFinder::new().expect("detector");
        let frame = rolled_posts(0.0);
        let all = finder.find(&frame, None).expect("lines").len();
        // A 300 px tall lifter in the middle: its widened box reaches 180 px either side, over
        // the two inner posts (at 450 and 830) but not the others.
        let lifter = LifterBox {
            min: Point::new(560.0, 200.0),
            max: Point::new(720.0, 500.0),
        };
        let kept = finder.find(&frame, Some(lifter)).expect("lines");
        assert!(!kept.is_empty() && kept.len() < all, "{} of {all}", kept.len());
        assert!(kept.iter().all(|l| !(400.0..=880.0).contains(&l.a.x)), "{kept:?}");
    }
}
