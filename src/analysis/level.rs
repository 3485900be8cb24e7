//! The camera's roll, from straight lines in the background.
//!
//! A phone propped on the floor or held by hand is often turned a few degrees about its lens
//! axis. Every angle taken against the image's vertical (trunk lean, the shoulders over the bar,
//! the lean at lockout) and every tilt taken against its level then reads off by that much. Door
//! frames, wall corners, racks and poles are vertical in the world, so their lines in the image
//! show the roll, which the analysis reports and, with `Config::level_camera` on, undoes
//! before measuring anything.
//!
//! A camera pitched up or down makes vertical lines converge: away from the image's centre they
//! lean by an amount that grows with their distance from it (about `x * tan(pitch) / f` radians
//! for a line `x` pixels off centre, focal length `f`). The roll is the lean at the centre, so it
//! is fitted together with that slope.

use crate::pose::geometry::Point;

/// A straight line segment found in a frame, frame pixels.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LineSegment {
    pub a: Point,
    pub b: Point,
}

impl LineSegment {
    pub fn length(&self) -> f32 {
        self.a.distance(self.b)
    }

    pub fn middle(&self) -> Point {
        Point::new((self.a.x + self.b.x) / 2.0, (self.a.y + self.b.y) / 2.0)
    }

    /// Degrees from the image's vertical, positive when the line's top leans right (the image
    /// turned clockwise on screen), in `(-90, 90]`.
    pub fn lean_deg(&self) -> f64 {
        let (top, bottom) = if self.a.y <= self.b.y {
            (self.a, self.b)
        } else {
            (self.b, self.a)
        };
        let lean = f64::from(top.x - bottom.x)
            .atan2(f64::from(bottom.y - top.y))
            .to_degrees();
        if lean <= -90.0 { lean + 180.0 } else { lean }
    }
}

/// Lines leaning further than this from the image's vertical are not taken as upright in the
/// world: a roll above [`MAX_ROLL_DEG`] is not corrected, and pitch adds up to about 10 degrees
/// at the frame's edges (real clip 02, camera on the ground looking up: 10.3).
pub const MAX_LINE_LEAN_DEG: f64 = 25.0;
/// A line shorter than this fraction of the frame's longer side is not used: short edges
/// (text, clothing folds, plate rims) lean every way.
pub const MIN_LINE_FRACTION: f64 = 0.06;
/// Roll estimates beyond this are not trusted (a sloping background, or a clip filmed at an
/// angle on purpose): the clip is analysed as filmed.
pub const MAX_ROLL_DEG: f64 = 15.0;
/// A fitted roll smaller than this is left uncorrected: on the rendered suites, whose camera is
/// level, 13 of the 14 clips read read within 0.6 degrees (`python3 scripts/synth/measure.py
/// roll DIR...`); the other reads 4.0, which is why the correction is off by default.
pub const MIN_CORRECTED_ROLL_DEG: f64 = 1.0;
/// Segments from different frames (or one line broken by the lifter) are one line of the
/// background when their middles lie within this fraction of the frame's longer side
/// horizontally and their leans within [`SAME_LINE_LEAN_DEG`]; each line then counts once,
/// with its longest segment's length, so that one edge seen on every sampled frame does not
/// outvote the rest.
const SAME_LINE_FRACTION: f64 = 0.02;
const SAME_LINE_LEAN_DEG: f64 = 1.5;
/// At least this many distinct lines must agree on the roll. With every segment counted, a
/// single shadow edge or room corner seen on all sampled frames could carry the fit: on the
/// rendered suites filmed level, 5 of 23 clips read 1.3-5.0 degrees that way; with each line
/// counted once and four needed, 1 of 14 (`python3 scripts/synth/measure.py roll DIR...`).
const MIN_DISTINCT_LINES: usize = 4;
/// Lines within this many degrees of the first guess (the length-weighted median lean) enter
/// the first fit; lines within [`INLIER_DEG`] of each fitted line (roll plus pitch slope) enter
/// the next, so lines at the frame's edges that pitch leans further come back once the slope is
/// fitted.
const FIRST_WINDOW_DEG: f64 = 8.0;
const INLIER_DEG: f64 = 3.0;
/// The lines that agree with the fit must make up at least this share of the near-vertical
/// lines' length; otherwise the background has too many sloping lines to read (a staircase,
/// a sloping roof). A starting value: no clip at hand fails on it alone.
const MIN_AGREEING_SHARE: f64 = 0.6;
/// The pitch slope is fitted only when the lines spread at least this far across the frame
/// (standard deviation of their horizontal position, fraction of the longer side); otherwise
/// the roll is the lines' mean lean, which is trusted only when they sit near the centre
/// (within [`MAX_OFF_CENTRE_FRACTION`] on average), where pitch barely leans them.
const MIN_SPREAD_FOR_SLOPE: f64 = 0.12;
const MAX_OFF_CENTRE_FRACTION: f64 = 0.1;

/// The camera's roll, as measured from the background.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct CameraRoll {
    /// Degrees the image is turned clockwise on screen (verticals lean right at the top).
    pub deg: f64,
    /// How many distinct lines agreed on it.
    pub lines: usize,
}

/// Estimates the camera's roll from `lines` (background segments in frame pixels, from any
/// number of frames of a clip filmed with a still camera); `Err` says why it could not.
///
/// Lines whose middle lies lower in the frame than `floor_y` (the lifter's feet) are not used:
/// joints of floor tiles, mats and platform edges that run towards the camera look upright in
/// the image, and those nearer the camera than the lifter lie there (on rendered seed 405 clip
/// 006, filmed level, they read a roll of 7.3 degrees before this).
pub fn estimate_roll(
    lines: &[LineSegment],
    width: u32,
    height: u32,
    floor_y: Option<f32>,
) -> Result<CameraRoll, String> {
    let long = f64::from(width.max(height));
    let centre = f64::from(width) / 2.0;
    // (lean, weight = length, horizontal position from the centre as a fraction of `long`)
    let near_vertical: Vec<(f64, f64, f64)> = lines
        .iter()
        .filter(|l| f64::from(l.length()) >= MIN_LINE_FRACTION * long)
        .filter(|l| floor_y.is_none_or(|floor| l.middle().y <= floor))
        .map(|l| {
            let x = f64::from(l.middle().x);
            (l.lean_deg(), f64::from(l.length()), (x - centre) / long)
        })
        .filter(|&(lean, _, _)| lean.abs() <= MAX_LINE_LEAN_DEG)
        .collect();
    let near_vertical = distinct_lines(&near_vertical);
    let total: f64 = near_vertical.iter().map(|l| l.1).sum();
    if near_vertical.len() < MIN_DISTINCT_LINES {
        return Err("too few long straight upright lines in the background".into());
    }
    let first_guess = weighted_median(&near_vertical).unwrap_or(0.0);
    let mut fit = (first_guess, 0.0);
    let mut window = FIRST_WINDOW_DEG;
    let mut agreeing = Vec::new();
    for _ in 0..4 {
        agreeing = near_vertical
            .iter()
            .copied()
            .filter(|&(lean, _, u)| (lean - (fit.0 + fit.1 * u)).abs() <= window)
            .collect();
        let Some(next) = fit_lean(&agreeing) else {
            return Err("the background's upright lines lie at one side of the frame".into());
        };
        fit = next;
        window = INLIER_DEG;
    }
    let share = agreeing.iter().map(|l| l.1).sum::<f64>() / total;
    if share < MIN_AGREEING_SHARE {
        return Err(format!(
            "the background's upright lines disagree (only {:.0}% of their length agrees on one roll)",
            100.0 * share
        ));
    }
    if agreeing.len() < MIN_DISTINCT_LINES {
        return Err(format!(
            "only {} distinct upright lines in the background agree on one roll",
            agreeing.len()
        ));
    }
    if fit.0.abs() > MAX_ROLL_DEG {
        return Err(format!(
            "the background's lines lean {:.0} degrees, more than the {MAX_ROLL_DEG:.0} taken as camera roll",
            fit.0
        ));
    }
    Ok(CameraRoll {
        deg: fit.0,
        lines: agreeing.len(),
    })
}

/// Merges segments of one background line ([`SAME_LINE_FRACTION`]): (median lean, longest
/// length, median position) per line, in order of first appearance.
fn distinct_lines(segments: &[(f64, f64, f64)]) -> Vec<(f64, f64, f64)> {
    let mut groups: Vec<Vec<(f64, f64, f64)>> = Vec::new();
    for &seg in segments {
        let same = |g: &&mut Vec<(f64, f64, f64)>| {
            (g[0].2 - seg.2).abs() < SAME_LINE_FRACTION && (g[0].0 - seg.0).abs() < SAME_LINE_LEAN_DEG
        };
        match groups.iter_mut().find(same) {
            Some(g) => g.push(seg),
            None => groups.push(vec![seg]),
        }
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    groups
        .into_iter()
        .map(|g| {
            (
                median(g.iter().map(|s| s.0).collect()),
                g.iter().map(|s| s.1).fold(0.0, f64::max),
                median(g.iter().map(|s| s.2).collect()),
            )
        })
        .collect()
}

/// (lean at the centre, lean per unit of horizontal position) by weighted least squares; the
/// slope is 0 when the lines do not spread enough to fit it, and `None` when they then sit too
/// far off centre to read the lean at the centre.
fn fit_lean(lines: &[(f64, f64, f64)]) -> Option<(f64, f64)> {
    let w: f64 = lines.iter().map(|l| l.1).sum();
    if lines.is_empty() || w <= 0.0 {
        return None;
    }
    let mean_u = lines.iter().map(|l| l.1 * l.2).sum::<f64>() / w;
    let mean_lean = lines.iter().map(|l| l.1 * l.0).sum::<f64>() / w;
    let var_u = lines.iter().map(|l| l.1 * (l.2 - mean_u).powi(2)).sum::<f64>() / w;
    if var_u.sqrt() < MIN_SPREAD_FOR_SLOPE {
        return (mean_u.abs() <= MAX_OFF_CENTRE_FRACTION).then_some((mean_lean, 0.0));
    }
    let cov = lines
        .iter()
        .map(|l| l.1 * (l.2 - mean_u) * (l.0 - mean_lean))
        .sum::<f64>()
        / w;
    let slope = cov / var_u;
    Some((mean_lean - slope * mean_u, slope))
}

/// The length-weighted median lean.
fn weighted_median(lines: &[(f64, f64, f64)]) -> Option<f64> {
    let mut sorted: Vec<(f64, f64)> = lines.iter().map(|l| (l.0, l.1)).collect();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let half = sorted.iter().map(|l| l.1).sum::<f64>() / 2.0;
    let mut seen = 0.0;
    sorted.into_iter().find_map(|(lean, w)| {
        seen += w;
        (seen >= half).then_some(lean)
    })
}

/// Turns frame pixels into a levelled frame (the camera's roll undone) and back, about the
/// frame's centre.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Leveller {
    centre: (f64, f64),
    cos: f64,
    sin: f64,
}

impl Leveller {
    /// Undoes a roll of `roll_deg` (clockwise on screen).
    pub fn new(roll_deg: f64, width: u32, height: u32) -> Self {
        let (sin, cos) = roll_deg.to_radians().sin_cos();
        Leveller {
            centre: (f64::from(width) / 2.0, f64::from(height) / 2.0),
            cos,
            sin,
        }
    }

    /// A frame point `(x, y)` in the levelled frame: turned counter-clockwise on screen by the
    /// roll.
    pub fn level_xy(&self, (x, y): (f64, f64)) -> (f64, f64) {
        let (dx, dy) = (x - self.centre.0, y - self.centre.1);
        (
            self.centre.0 + dx * self.cos + dy * self.sin,
            self.centre.1 - dx * self.sin + dy * self.cos,
        )
    }

    /// [`Leveller::level_xy`] for a [`Point`].
    pub fn level(&self, p: Point) -> Point {
        let (x, y) = self.level_xy((f64::from(p.x), f64::from(p.y)));
        Point::new(x as f32, y as f32)
    }

    /// A levelled point back in frame pixels.
    pub fn unlevel(&self, p: Point) -> Point {
        let (dx, dy) = (f64::from(p.x) - self.centre.0, f64::from(p.y) - self.centre.1);
        Point::new(
            (self.centre.0 + dx * self.cos - dy * self.sin) as f32,
            (self.centre.1 + dx * self.sin + dy * self.cos) as f32,
        )
    }
}

/// "clockwise" or "counter-clockwise": the way a roll of `deg` (clockwise positive) turns the
/// image on screen.
pub fn turn_name(deg: f64) -> &'static str {
    if deg >= 0.0 { "clockwise" } else { "counter-clockwise" }
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: u32 = 1280;
    const H: u32 = 720;

    /// A vertical line `len` pixels long centred at (`x`, 360), as a camera rolled by `roll_deg`
    /// and pitched so that lines lean `slope_deg_per_frame` more per frame width off centre.
    fn upright(x: f32, len: f32, roll_deg: f64, slope_deg_per_frame: f64) -> LineSegment {
        let u = (f64::from(x) - f64::from(W) / 2.0) / f64::from(W);
        let lean = (roll_deg + slope_deg_per_frame * u).to_radians();
        let (dx, dy) = (
            (lean.sin() * f64::from(len) / 2.0) as f32,
            (lean.cos() * f64::from(len) / 2.0) as f32,
        );
        // Top leans right for a positive lean.
        LineSegment {
            a: Point::new(x + dx, 360.0 - dy),
            b: Point::new(x - dx, 360.0 + dy),
        }
    }

    #[test]
    fn lean_is_clockwise_positive_whatever_the_end_order() {
        let l = upright(640.0, 200.0, 5.0, 0.0);
        let flipped = LineSegment { a: l.b, b: l.a };
        assert!((l.lean_deg() - 5.0).abs() < 1e-3, "{}", l.lean_deg());
        assert!((flipped.lean_deg() - 5.0).abs() < 1e-3);
    }

    #[test]
    fn the_roll_is_read_from_lines_spread_over_the_frame_despite_pitch() {
        let xs = [100.0, 250.0, 400.0, 900.0, 1050.0, 1200.0];
        for (roll, slope) in [(0.0, 0.0), (6.0, 0.0), (-4.0, 12.0), (3.0, -15.0)] {
            let mut lines: Vec<LineSegment> = xs.iter().map(|&x| upright(x, 250.0, roll, slope)).collect();
            // A few sloping lines (a staircase rail) do not move it.
            lines.push(upright(640.0, 120.0, 22.0, 0.0));
            let got = estimate_roll(&lines, W, H, None).expect("roll");
            assert!((got.deg - roll).abs() < 0.2, "roll {roll} slope {slope}: {got:?}");
            assert_eq!(got.lines, xs.len());
        }
    }

    #[test]
    fn lines_near_the_centre_give_the_roll_without_a_slope() {
        let lines: Vec<LineSegment> = [540.0, 580.0, 620.0, 660.0, 700.0, 740.0]
            .iter()
            .map(|&x| upright(x, 250.0, 4.0, 0.0))
            .collect();
        let got = estimate_roll(&lines, W, H, None).expect("roll");
        assert!((got.deg - 4.0).abs() < 0.2, "{got:?}");
    }

    #[test]
    fn an_edge_seen_on_every_frame_counts_once() {
        let mut lines: Vec<LineSegment> = [100.0, 300.0, 500.0, 900.0, 1100.0]
            .iter()
            .map(|&x| upright(x, 200.0, 0.0, 0.0))
            .collect();
        // A shadow's edge, longer and on all twelve sampled frames.
        lines.extend((0..12).map(|_| upright(700.0, 400.0, 6.0, 0.0)));
        let got = estimate_roll(&lines, W, H, None).expect("roll");
        assert!(got.deg.abs() < 0.2 && got.lines == 5, "{got:?}");
    }

    #[test]
    fn lines_below_the_feet_are_the_floor() {
        let mut lines: Vec<LineSegment> = [100.0, 250.0, 400.0, 900.0, 1050.0, 1200.0]
            .iter()
            .map(|&x| upright(x, 250.0, 0.0, 0.0))
            .collect();
        // Tile joints running towards the camera, low in the frame.
        for x in [500.0, 540.0, 580.0, 620.0, 660.0, 700.0, 740.0, 780.0] {
            let mut joint = upright(x, 250.0, 12.0, 0.0);
            joint.a.y += 300.0;
            joint.b.y += 300.0;
            lines.push(joint);
        }
        assert!(
            estimate_roll(&lines, W, H, None).is_err(),
            "the joints outweigh the posts"
        );
        let got = estimate_roll(&lines, W, H, Some(500.0)).expect("roll");
        assert!(got.deg.abs() < 0.2, "{got:?}");
    }

    #[test]
    fn unreadable_backgrounds_give_no_roll() {
        let cases: [(&str, Vec<LineSegment>); 4] = [
            (
                "too few lines",
                (0..3)
                    .map(|i| upright(100.0 + 300.0 * i as f32, 200.0, 3.0, 0.0))
                    .collect(),
            ),
            (
                "all at one edge",
                (0..8)
                    .map(|i| upright(60.0 + 10.0 * i as f32, 200.0, 3.0, 0.0))
                    .collect(),
            ),
            (
                "lines disagree",
                (0..8)
                    .map(|i| {
                        upright(
                            100.0 + 150.0 * i as f32,
                            200.0,
                            if i % 2 == 0 { -12.0 } else { 12.0 },
                            0.0,
                        )
                    })
                    .collect(),
            ),
            (
                "beyond the roll taken",
                (0..8)
                    .map(|i| upright(100.0 + 150.0 * i as f32, 200.0, 20.0, 0.0))
                    .collect(),
            ),
        ];
        for (name, lines) in cases {
            assert!(estimate_roll(&lines, W, H, None).is_err(), "{name}");
        }
    }

    #[test]
    fn levelling_undoes_the_roll_and_unlevelling_returns() {
        let l = upright(300.0, 200.0, 7.0, 0.0);
        let lev = Leveller::new(7.0, W, H);
        let levelled = LineSegment {
            a: lev.level(l.a),
            b: lev.level(l.b),
        };
        assert!(levelled.lean_deg().abs() < 1e-3, "{}", levelled.lean_deg());
        let back = lev.unlevel(levelled.a);
        assert!(back.distance(l.a) < 1e-3);
    }
}
