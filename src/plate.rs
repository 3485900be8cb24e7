//! Finding the near barbell plate (a circle) around the lifter's hands with OpenCV's Hough
//! transform. The plate centre is the bar's true position in a side view, and its known
//! diameter (45 cm for standard plates) turns pixels into centimetres.

use opencv::core::{self, Mat, Rect, Size, Vec3f, Vector};
use opencv::imgproc;
use opencv::prelude::*;

use crate::pose::geometry::Point;

/// Plate radius as a fraction of the shoulder-hip distance. A standard plate is 45 cm across
/// (radius 22.5 cm) and an adult's shoulder-to-hip-joint distance is roughly 45-55 cm, so about
/// 0.45; the range allows for lifters' sizes, smaller bumper plates and perspective.
const PLATE_RADIUS_PER_TORSO: (f32, f32) = (0.3, 0.65);
/// Search window half-side around the hands, in maximum plate radii.
const SEARCH_HALF_SIDE_RADII: f32 = 2.0;
/// Search windows are scaled so the largest plate radius is at most this many pixels (speed).
const WORK_MAX_RADIUS_PX: f32 = 40.0;
/// A circle whose centre is further than this from the wrist (in plate radii) is not the bar's.
/// The wrist sits above the bar (the hand wraps it) and the plate is nearer the camera than the
/// hand, so the hub appears up to about one radius away: measured on the real calibration clips
/// (clip 04: 0.93 R with the plate clearly in hand).
const MAX_CENTRE_OFFSET_RADII: f32 = 1.0;
/// Canny upper threshold and circle "perfectness" for `HOUGH_GRADIENT_ALT`. OpenCV suggests 300
/// and 0.9 for clean circles; legs, hands and the bar occlude the rim and bumper plates are low
/// contrast against dark floors, so both are lowered (200 / 0.5). On the real calibration clips
/// and the synthetic fixture this finds the plate on 30-100% of sampled frames where 300 / 0.75
/// found it on 0-35%; the size and position constraints above keep other circles out.
const CANNY_HIGH: f64 = 200.0;
const CIRCLE_PERFECTNESS: f64 = 0.5;

/// A plate found in the frame, in frame pixels.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Plate {
    pub center: Point,
    pub radius: f32,
}

/// A torso length more than this factor above the longest seen so far is taken as a keypoint
/// error and not remembered (after [`TORSO_SETTLE_SAMPLES`] samples).
const TORSO_JUMP_FACTOR: f32 = 1.3;
const TORSO_SETTLE_SAMPLES: usize = 10;

/// Reusable buffers for plate finding, and the clip's longest torso so far. Create one per clip.
#[derive(Default)]
pub struct PlateFinder {
    gray: Mat,
    brightest: Mat,
    darkest: Mat,
    chroma_column: Mat,
    chroma: Mat,
    shrunk: Mat,
    small: Mat,
    circles: Vector<Vec3f>,
    longest_torso: f32,
    torso_samples: usize,
}

impl PlateFinder {
    /// Forgets the torsos seen so far: the pose stage moved to another person (a bystander had
    /// been followed), whose torso the remembered one would bound.
    pub fn forget_torso(&mut self) {
        self.longest_torso = 0.0;
        self.torso_samples = 0;
    }

    /// Looks for a plate centred near `hands` on a BGR frame; `torso_px` is the shoulder-hip
    /// distance in pixels, which bounds the plate's size.
    ///
    /// The size bounds use the longest torso seen in the clip so far: at the bottom of a pull the
    /// near plate hides the hip, the hip keypoint drifts and the torso reads up to a third short,
    /// which would shrink the search window below the plate and let smaller circles through.
    pub fn find(&mut self, frame: &Mat, hands: Point, torso_px: f32) -> opencv::Result<Option<Plate>> {
        if !(torso_px.is_finite() && torso_px > 4.0) {
            return Ok(None);
        }
        if self.torso_samples < TORSO_SETTLE_SAMPLES || torso_px <= TORSO_JUMP_FACTOR * self.longest_torso {
            self.longest_torso = self.longest_torso.max(torso_px);
        }
        self.torso_samples += 1;
        let torso_px = torso_px.max(self.longest_torso);
        let (min_r, max_r) = (PLATE_RADIUS_PER_TORSO.0 * torso_px, PLATE_RADIUS_PER_TORSO.1 * torso_px);
        let half = SEARCH_HALF_SIDE_RADII * max_r;
        let (w, h) = (frame.cols() as f32, frame.rows() as f32);
        let x0 = (hands.x - half).max(0.0).floor();
        let y0 = (hands.y - half).max(0.0).floor();
        // Shrink first (a plate is a large, smooth shape), then convert only the small image.
        // OpenCV's area shrink has a fast path for a whole factor, so a window shrunk two times
        // or more is first shrunk by the whole part of the factor, its sides trimmed to
        // multiples of it, and then by the rest (under 2): the search takes about a third less
        // time at 1080p (`cargo bench --bench pose -- extras/plate`). Area averages compose, so
        // the small image is nearly the one-step shrink; windows shrunk less take one step.
        let shrink = (max_r / WORK_MAX_RADIUS_PX).max(1.0);
        let whole = shrink.floor();
        let trim = |x0: f32, x1: f32| {
            if whole >= 2.0 {
                x0 + ((x1 - x0) / whole).floor() * whole
            } else {
                x1
            }
        };
        let x1 = trim(x0, (hands.x + half).min(w).ceil());
        let y1 = trim(y0, (hands.y + half).min(h).ceil());
        if x1 - x0 < 2.0 * min_r || y1 - y0 < 2.0 * min_r {
            return Ok(None);
        }
        let window = Mat::roi(
            frame,
            Rect::new(x0 as i32, y0 as i32, (x1 - x0) as i32, (y1 - y0) as i32),
        )?;
        let scale = (WORK_MAX_RADIUS_PX / max_r).min(1.0);
        let work_size = Size::new(((x1 - x0) * scale).round() as i32, ((y1 - y0) * scale).round() as i32);
        if whole >= 2.0 {
            let by_whole = Size::new(((x1 - x0) / whole) as i32, ((y1 - y0) / whole) as i32);
            imgproc::resize(&window, &mut self.shrunk, by_whole, 0.0, 0.0, imgproc::INTER_AREA)?;
            imgproc::resize(&self.shrunk, &mut self.small, work_size, 0.0, 0.0, imgproc::INTER_AREA)?;
        } else {
            imgproc::resize(&window, &mut self.small, work_size, 0.0, 0.0, imgproc::INTER_AREA)?;
        }
        // The shrink's exact factor per axis (the work size is rounded), and OpenCV's pixel
        // centres at whole numbers: small pixel `i` covers window pixels `[i, i + 1) / s`, so its
        // centre is window pixel `(i + 0.5) / s - 0.5`.
        let (scale_x, scale_y) = (work_size.width as f32 / (x1 - x0), work_size.height as f32 / (y1 - y0));
        let mut best: Option<Plate> = None;
        // Grey shows a dark or light plate; a coloured one on a floor or wall of the same
        // brightness shows only in its chroma (a blue bumper on a dark grey floor). Chroma (the
        // largest channel minus the smallest) rather than saturation, which is noise in the dark.
        imgproc::cvt_color(&self.small, &mut self.gray, imgproc::COLOR_BGR2GRAY, 0)?;
        // One row per pixel, one column per channel: the largest and smallest channel per row.
        let pixels = self.small.reshape(1, self.small.rows() * self.small.cols())?;
        core::reduce(&pixels, &mut self.brightest, 1, core::REDUCE_MAX, -1)?;
        core::reduce(&pixels, &mut self.darkest, 1, core::REDUCE_MIN, -1)?;
        core::subtract(
            &self.brightest,
            &self.darkest,
            &mut self.chroma_column,
            &core::no_array(),
            -1,
        )?;
        self.chroma_column
            .reshape(1, self.small.rows())?
            .copy_to(&mut self.chroma)?;
        for work in [&self.gray, &self.chroma] {
            // OpenCV leaves the output untouched when it finds no circle: without this, a search
            // that finds nothing returns the last search's circles, placed in this window.
            self.circles.clear();
            imgproc::hough_circles(
                work,
                &mut self.circles,
                imgproc::HOUGH_GRADIENT_ALT,
                1.5,
                (min_r * scale) as f64,
                CANNY_HIGH,
                CIRCLE_PERFECTNESS,
                (min_r * scale).floor() as i32,
                (max_r * scale).ceil() as i32,
            )?;
            let nearest = self
                .circles
                .iter()
                .map(|c| Plate {
                    center: Point::new(x0 + (c[0] + 0.5) / scale_x - 0.5, y0 + (c[1] + 0.5) / scale_y - 0.5),
                    radius: c[2] / scale,
                })
                .filter(|p| p.center.distance(hands) <= MAX_CENTRE_OFFSET_RADII * p.radius);
            for plate in nearest {
                if best.is_none_or(|b| plate.center.distance(hands) < b.center.distance(hands)) {
                    best = Some(plate);
                }
            }
        }
        Ok(best)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opencv::core::{self, Scalar};

    /// A grey frame of `width` x `height` with a dark disc.
    fn frame_with_disc(width: i32, height: i32, center: (i32, i32), radius: i32) -> Mat {
        let mut frame =
            Mat::new_rows_cols_with_default(height, width, core::CV_8UC3, Scalar::all(90.0)).expect("frame");
        imgproc::circle(
            &mut frame,
            core::Point::new(center.0, center.1),
            radius,
            Scalar::new(20.0, 20.0, 20.0, 0.0),
            -1,
            imgproc::LINE_AA,
            0,
        )
        .expect("draw");
        frame
    }

    fn frame_with_plate(center: (i32, i32), radius: i32) -> Mat {
        let mut frame = frame_with_disc(640, 480, center, radius);
        // A hub, as on real plates.
        imgproc::circle(
            &mut frame,
            core::Point::new(center.0, center.1),
            radius / 6,
            Scalar::all(200.0),
            -1,
            imgproc::LINE_AA,
            0,
        )
        .expect("draw");
        frame
    }

    #[test]
    fn finds_a_plate_at_the_hands() {
        finds_the_plate_drawn_at_the_hands(&frame_with_plate((300, 330), 70));
    }

    /// A plate of radius 70 centred at (300, 330) is found from hands at (305, 320).
    fn finds_the_plate_drawn_at_the_hands(frame: &Mat) {
        let plate = PlateFinder::default()
            .find(frame, Point::new(305.0, 320.0), 150.0)
            .expect("runs")
            .expect("found");
        assert!(plate.center.distance(Point::new(300.0, 330.0)) < 4.0, "{plate:?}");
        assert!((plate.radius - 70.0).abs() < 5.0, "{plate:?}");
    }

    #[test]
    fn a_plate_found_in_a_shrunk_window_is_not_shifted() {
        // Large plates are searched in a window shrunk to a 40-pixel radius (here by about 4);
        // mapping the small image's pixels back must not shift the plate up and left (frame
        // pixel centres are at whole numbers, as OpenCV draws and warps). A single circle's centre
        // is only found to within the accumulator's cells (1.5 small pixels, 6 here), so the bias is
        // read over a grid of centres around the same hands: -1.7 and -1.6 pixels before the fix.
        let (radius, torso) = (110, 240.0);
        let mut errors = Vec::new();
        for (cx, cy) in (0..4).flat_map(|i| (0..4).map(move |j| (600 + 3 * i + j, 450 + 2 * j + i))) {
            let frame = frame_with_disc(1280, 900, (cx, cy), radius);
            let plate = PlateFinder::default()
                .find(&frame, Point::new(607.0, 441.0), torso)
                .expect("runs")
                .expect("found");
            errors.push((plate.center.x - cx as f32, plate.center.y - cy as f32));
        }
        let n = errors.len() as f32;
        let mean = (
            errors.iter().map(|e| e.0).sum::<f32>() / n,
            errors.iter().map(|e| e.1).sum::<f32>() / n,
        );
        assert!(mean.0.abs() < 0.5 && mean.1.abs() < 0.5, "mean centre error {mean:?}");
    }

    #[test]
    fn plates_of_every_size_are_found_where_drawn() {
        // (frame width, height, plate radius, torso): the window is shrunk by about 1.3 (in one
        // step), 2.1 (a whole 2, then 1.06), 3.9 (3, then 1.3) and 10.6 (10, then 1.06: a 4K
        // phone clip). The hands sit half a pixel off the grid, so each window is one pixel wider
        // and taller than a multiple of the whole factor and the trimming is exercised.
        for (width, height, radius, torso) in [
            (640, 480, 40, 80.0),
            (640, 480, 70, 130.0),
            (1280, 720, 110, 240.0),
            (2160, 3840, 300, 650.0),
        ] {
            let (cx, cy) = (width / 2 - 7, height / 2 + 11);
            let frame = frame_with_disc(width, height, (cx, cy), radius);
            let r = radius as f32;
            let hands = Point::new(cx as f32 + 0.3 * r + 0.5, cy as f32 - 0.2 * r + 0.5);
            let plate = PlateFinder::default()
                .find(&frame, hands, torso)
                .expect("runs")
                .unwrap_or_else(|| panic!("no plate of radius {radius} in {width}x{height}"));
            // The Hough accumulator's cell (1.5 work pixels) in frame pixels.
            let cell = 1.5 * (PLATE_RADIUS_PER_TORSO.1 * torso / WORK_MAX_RADIUS_PX).max(1.0);
            assert!(
                plate.center.distance(Point::new(cx as f32, cy as f32)) <= cell,
                "radius {radius}: {plate:?}"
            );
            assert!((plate.radius / r - 1.0).abs() < 0.05, "radius {radius}: {plate:?}");
        }
    }

    #[test]
    fn a_coloured_plate_as_bright_as_the_floor_is_found() {
        // A blue bumper (BGR 200, 50, 30: luma 61) on a grey of the same brightness is invisible
        // in grey and plain in the chroma.
        let mut frame = Mat::new_rows_cols_with_default(480, 640, core::CV_8UC3, Scalar::all(61.0)).expect("frame");
        imgproc::circle(
            &mut frame,
            core::Point::new(300, 330),
            70,
            Scalar::new(200.0, 50.0, 30.0, 0.0),
            -1,
            imgproc::LINE_AA,
            0,
        )
        .expect("draw");
        let mut gray = Mat::default();
        imgproc::cvt_color(&frame, &mut gray, imgproc::COLOR_BGR2GRAY, 0).expect("grey");
        assert!(core::norm(&gray, core::NORM_INF, &core::no_array()).expect("norm") <= 62.0);
        finds_the_plate_drawn_at_the_hands(&frame);
    }

    #[test]
    fn a_search_that_finds_nothing_does_not_return_the_last_plate() {
        let hands = Point::new(305.0, 320.0);
        let mut finder = PlateFinder::default();
        assert!(
            finder
                .find(&frame_with_plate((300, 330), 70), hands, 150.0)
                .expect("runs")
                .is_some()
        );
        let empty = Mat::new_rows_cols_with_default(480, 640, core::CV_8UC3, Scalar::all(90.0)).expect("frame");
        assert_eq!(finder.find(&empty, hands, 150.0).expect("runs"), None);
    }

    #[test]
    fn a_torso_read_short_does_not_lose_the_plate() {
        // A 70-px plate fits a 150-px torso (0.3-0.65 of it) but not a 90-px one (at most 58):
        // once the full torso has been seen, a short reading (hip hidden behind the plate) keeps
        // the bounds of the longest torso.
        let frame = frame_with_plate((300, 330), 70);
        let hands = Point::new(305.0, 320.0);
        assert_eq!(PlateFinder::default().find(&frame, hands, 90.0).expect("runs"), None);
        let mut finder = PlateFinder::default();
        assert!(finder.find(&frame, hands, 150.0).expect("runs").is_some());
        let plate = finder.find(&frame, hands, 90.0).expect("runs").expect("found");
        assert!((plate.radius - 70.0).abs() < 5.0, "{plate:?}");
    }

    #[test]
    fn ignores_circles_away_from_the_hands_or_of_the_wrong_size() {
        let frame = frame_with_plate((300, 330), 70);
        let mut finder = PlateFinder::default();
        // Hands far from the plate.
        assert_eq!(
            finder.find(&frame, Point::new(520.0, 120.0), 150.0).expect("runs"),
            None
        );
        // A torso so large that a 70-px plate is implausibly small.
        assert_eq!(
            finder.find(&frame, Point::new(300.0, 330.0), 600.0).expect("runs"),
            None
        );
        // Degenerate torso.
        assert_eq!(
            finder.find(&frame, Point::new(300.0, 330.0), f32::NAN).expect("runs"),
            None
        );
    }
}
