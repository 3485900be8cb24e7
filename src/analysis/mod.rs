//! The analysis engine: per-frame keypoints in, per-rep judgement out. Pure (no I/O), so it is
//! tested on generated keypoint sequences.
//!
//! Steps, each in its own module:
//! 0. [`level`]: the camera's roll from the background's upright lines (undone first when
//!    `Config::level_camera` is on);
//! 1. [`signal`]: confidence gating, Hampel outliers, short-gap interpolation, zero-phase
//!    Butterworth low-pass of every keypoint track;
//! 2. [`view`]: camera view and, for side views, the facing direction and near side (once per
//!    clip), which define a canonical frame where mirrored clips give the same numbers;
//! 3. [`kinematics`]: per-frame angles and offsets;
//! 4. [`reps`]: reps, their events (lift-off, knee pass, lockout, set-down) and tempo;
//! 5. [`checks`]: per-rep metrics and fault rules with named thresholds ([`Config`]).

pub mod back;
pub mod checks;
pub mod config;
pub mod kinematics;
pub mod level;
pub mod reps;
pub mod signal;
pub mod view;

#[cfg(test)]
pub(crate) mod synth;
#[cfg(test)]
mod tests;

use serde::Serialize;

use crate::pose::PoseFrame;
use crate::pose::geometry::Point;

pub use checks::{CheckId, RepMetrics};
pub use config::Config;
pub use view::{BodySide, Facing, View, ViewEstimate};

/// Errors of the analysis layer: bad configuration or input that cannot be analysed at all.
/// Input that is only partly usable is not an error: it yields "not assessable" entries.
#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    #[error("config: {field}: {message}")]
    Config { field: &'static str, message: String },
    #[error("config: {0}")]
    ConfigSyntax(String),
    #[error("input: {0}")]
    InvalidInput(String),
    #[error("no lifter found: shoulders and hips seen on only {usable} of {total} frames (needs {needed})")]
    NoLifter { usable: usize, total: usize, needed: usize },
    #[error("too short: {frames} {}, needs at least {needed}", if *.frames == 1 { "frame" } else { "frames" })]
    TooShort { frames: usize, needed: usize },
    #[error(
        "the lifter is not upright: on most of the {frames} frames with a pose the legs point over {min_deg:.0} \
         degrees away from straight down, as in a video turned on its side or upside down (liftcheck applies \
         the rotation stored in the file, so re-export the clip upright), or where the pose model loses a \
         lifter whose legs the plates hide (film from closer, with the whole body in view)"
    )]
    NotUpright { frames: usize, min_deg: f64 },
}

/// Everything the analysis reads: keypoints per frame plus optional image-derived extras.
pub struct AnalysisInput<'a> {
    pub width: u32,
    pub height: u32,
    pub fps: f64,
    pub frames: &'a [PoseFrame],
    /// Same length as frames or empty: back outline from the segmentation mask, when available.
    pub back: &'a [Option<BackOutline>],
    /// Same length as frames or empty: near-side plate circle found in the image, when visible.
    pub plates: &'a [Option<PlateCircle>],
    /// Straight, near-upright line segments of the background from a few frames (frame pixels),
    /// which show the camera's roll; empty when not searched.
    pub lines: &'a [level::LineSegment],
}

/// Dorsal edge of the silhouette, sampled from the shoulder end (first point) to the hip end
/// (last point) at evenly spaced positions along the shoulder-hip line, frame pixels. Rounding is
/// measured as the bend of each half of this outline (see [`back`]), relative to the rep's own
/// set-up.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BackOutline {
    pub points: Vec<Point>,
}

/// A plate seen in the image: its centre is the bar's end, its diameter (45 cm for standard
/// plates) gives the scale.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlateCircle {
    pub center: Point,
    pub radius: f32,
}

/// Which lift the clip shows. `Auto` infers it from the motion: a Romanian deadlift starts
/// standing, and at the bottom the knees stay nearly straight (soft knees) and the hips barely
/// drop (`reps::infer_variant`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LiftVariant {
    Conventional,
    Romanian,
    Auto,
}

impl LiftVariant {
    /// "conventional deadlift", "Romanian deadlift".
    pub fn title(self) -> &'static str {
        match self {
            LiftVariant::Conventional => "conventional deadlift",
            LiftVariant::Romanian => "Romanian deadlift",
            LiftVariant::Auto => "deadlift",
        }
    }
}

/// Where the bar position comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BarSource {
    /// Near wrist (side view) or the midpoint of both wrists.
    Wrists,
    /// Height from the plate centre where the plate is seen (wrists shifted onto it elsewhere);
    /// horizontal position from the wrists, which share the body's plane.
    Plate,
}

/// How bad a fault is, from how far the measurement lies past its threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Minor,
    Moderate,
    Major,
}

/// One fault on one rep.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    pub check: CheckId,
    /// 1-based rep number.
    pub rep: usize,
    pub start_s: f64,
    pub end_s: f64,
    /// What was measured, in words (e.g. "trunk tip towards horizontal, lift-off to knee pass").
    pub measure: String,
    pub measured: f32,
    pub threshold: f32,
    pub unit: &'static str,
    pub severity: Severity,
    /// 0 at the threshold, 1 at the excess this check calls major.
    pub score: f32,
    pub cue: String,
}

/// A check that could not be made, on one rep or on the whole clip (`rep` = None), and why.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NotAssessable {
    pub check: CheckId,
    pub rep: Option<usize>,
    pub reason: String,
}

/// How one check went over the clip.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CheckSummary {
    pub check: CheckId,
    pub assessed_reps: usize,
    pub faulted_reps: usize,
}

/// A point in time of a rep: `frame` is the [`PoseFrame::index`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Event {
    pub frame: usize,
    pub time_s: f64,
    /// Position in the input frame slice.
    #[serde(skip)]
    pub(crate) pos: usize,
}

/// Phase durations of a rep, seconds; missing when an event bounding it was not found.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Tempo {
    /// Lift-off (RDL: bottom) to knee pass.
    pub first_pull_s: Option<f32>,
    /// Knee pass to lockout.
    pub second_pull_s: Option<f32>,
    /// Lift-off (RDL: bottom) to lockout.
    pub pull_s: Option<f32>,
    /// Lockout to the start of the descent.
    pub lockout_hold_s: Option<f32>,
    /// Start of the descent to set-down (RDL: to the bottom).
    pub lower_s: Option<f32>,
    /// Time the bar rested on the floor before this rep (conventional, not the first rep).
    pub rest_before_s: Option<f32>,
}

/// One repetition with its events, tempo and metrics.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Rep {
    /// 1-based.
    pub number: usize,
    pub start_s: f64,
    pub end_s: f64,
    pub lift_off: Option<Event>,
    pub knee_pass: Option<Event>,
    pub lockout: Option<Event>,
    pub descent_start: Option<Event>,
    /// Lowest bar position (RDL turnaround).
    pub bottom: Option<Event>,
    pub set_down: Option<Event>,
    /// The bar only touched the floor between this rep and the previous one.
    pub touch_and_go: bool,
    pub tempo: Tempo,
    pub metrics: RepMetrics,
}

/// What a frame belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Bar rising from the floor (RDL: from the bottom) to lockout.
    Pull,
    /// Standing at the top.
    Lockout,
    /// Bar going down.
    Lower,
}

/// Cleaned per-frame values. Angles in degrees; offsets in percent of leg length, forward
/// (the way the lifter faces) positive; all `None` where the joints were not usable or the view
/// does not show them.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct FrameMetrics {
    pub index: usize,
    pub time_s: f64,
    pub rep: Option<usize>,
    pub phase: Option<Phase>,
    /// Shoulder-hip-knee interior angle, 180 = straight.
    pub hip_deg: Option<f32>,
    /// Hip-knee-ankle interior angle, 180 = straight.
    pub knee_deg: Option<f32>,
    /// Knee-ankle-toe.
    pub ankle_deg: Option<f32>,
    /// Hip-to-shoulder line from vertical: 0 upright, 90 horizontal, negative = leaning back.
    pub trunk_deg: Option<f32>,
    /// Mid-foot-to-shoulder line from vertical, negative = shoulders behind the mid-foot (side
    /// views, needs the mid-foot).
    pub body_lean_deg: Option<f32>,
    /// Ear-shoulder-hip, 180 = head in line with the trunk, above = extended (looking up).
    pub neck_deg: Option<f32>,
    pub bar_x_px: Option<f32>,
    pub bar_y_px: Option<f32>,
    /// Bar-to-shoulder line from vertical, positive = shoulders ahead of the bar.
    pub shoulder_bar_deg: Option<f32>,
    pub shoulder_bar_pct_leg: Option<f32>,
    pub bar_midfoot_pct_leg: Option<f32>,
    pub knee_midfoot_pct_leg: Option<f32>,
    /// Vertical bar speed, up positive (needs the plate scale).
    pub bar_speed_mps: Option<f32>,
    /// Bend of the upper / lower half of the back outline, positive = rounded.
    pub upper_back_deg: Option<f32>,
    pub lower_back_deg: Option<f32>,
    /// Fold of the back outline at mid-trunk, degrees (positive: folding forward).
    pub mid_back_fold_deg: Option<f32>,
    /// Forward lean of the back outline from vertical, degrees (side views; the trunk's lean
    /// read without the hip keypoint).
    pub outline_lean_deg: Option<f32>,
    /// Front/rear view: tilt of the shoulder, hip and wrist lines, positive = lifter's left higher;
    /// like `hip_shift_pct_leg`, read with the camera's roll undone ([`Analysis::standing_roll_deg`]).
    pub shoulder_tilt_deg: Option<f32>,
    pub hip_tilt_deg: Option<f32>,
    pub bar_tilt_deg: Option<f32>,
    /// Front/rear view: mid-hip sideways from mid-ankle.
    pub hip_shift_pct_leg: Option<f32>,
}

/// The result of [`analyze`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Analysis {
    pub width: u32,
    pub height: u32,
    pub fps: f64,
    pub view: ViewEstimate,
    /// The lift analysed (never `Auto`).
    pub variant: LiftVariant,
    /// True when `variant` was inferred from the motion (false when it was set, or assumed
    /// conventional because the motion did not show it: the notes then say so).
    pub variant_inferred: bool,
    pub strictness: f64,
    pub bar_source: BarSource,
    /// Hip-knee-ankle length of the lifter's leg in pixels: the unit of every offset.
    pub leg_length_px: Option<f32>,
    /// From the 45 cm plate diameter, when the plate was seen.
    pub scale_cm_per_px: Option<f32>,
    /// The camera's roll read from the background, degrees clockwise on screen, when it could
    /// be read ([`level`]); `camera_roll_corrected` says whether the keypoints were turned back
    /// by it before measuring (every angle and offset is then the levelled one; pixel positions
    /// such as `bar_x_px` stay in the frame's own pixels).
    pub camera_roll_deg: Option<f32>,
    pub camera_roll_corrected: bool,
    /// Front/rear views: the camera's roll as the standing lifter shows it (the lean of the
    /// mid-ankle-to-mid-shoulder line before the first bend), degrees clockwise on screen; the
    /// left/right and knee lines are read with it undone.
    pub standing_roll_deg: Option<f32>,
    /// Side views: the near ankle where the clip sees it still (frame pixels), which the knee
    /// and ankle angles use on frames whose knee stands over it
    /// ([`kinematics::stands_over_still_ankle`]); the annotated clip draws the shin to it.
    pub still_ankle_px: Option<[f32; 2]>,
    pub reps: Vec<Rep>,
    /// Why no rep was found, when none was: nothing was judged, which is not a clean lift.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_reps_reason: Option<String>,
    pub findings: Vec<Finding>,
    pub not_assessable: Vec<NotAssessable>,
    pub checks: Vec<CheckSummary>,
    /// Things about the clip the lifter should know (a clip that ends mid-rep, a rise not counted
    /// as a rep, a lift variant assumed or set against what the motion shows, a frame rate too
    /// low to filter, a leg length estimated from the trunk).
    pub notes: Vec<String>,
    /// How the input was read: keypoints treated as hidden, estimates standing in for what could
    /// not be seen, the evidence behind the lift variant. For the curious and for bug reports; the
    /// terminal report shows them with `-v`.
    pub details: Vec<String>,
    pub frames: Vec<FrameMetrics>,
}

impl Analysis {
    /// True when any rep has a fault: the CLI's exit code 1.
    pub fn has_faults(&self) -> bool {
        !self.findings.is_empty()
    }
}

/// Analyses one clip. Fails only on unusable configuration or input (wrong lengths, no lifter);
/// everything else is reported inside [`Analysis`].
pub fn analyze(input: &AnalysisInput, variant: LiftVariant, config: &Config) -> Result<Analysis, AnalysisError> {
    config.validate()?;
    validate_input(input)?;
    let (mut notes, mut details) = (Vec::new(), Vec::new());
    let roll = camera_roll(input, config, &mut details);
    let leveller = roll
        .filter(|r| r.corrected)
        .map(|r| level::Leveller::new(r.deg, input.width, input.height));
    // The back outlines and plates turned with the keypoints (one copy per clip).
    let (levelled_back, levelled_plates);
    let levelled_input;
    let input = match &leveller {
        Some(lev) => {
            levelled_back = input
                .back
                .iter()
                .map(|b| {
                    b.as_ref().map(|b| BackOutline {
                        points: b.points.iter().map(|&p| lev.level(p)).collect(),
                    })
                })
                .collect::<Vec<_>>();
            levelled_plates = input
                .plates
                .iter()
                .map(|p| {
                    p.map(|p| PlateCircle {
                        center: lev.level(p.center),
                        radius: p.radius,
                    })
                })
                .collect::<Vec<_>>();
            levelled_input = AnalysisInput {
                back: &levelled_back,
                plates: &levelled_plates,
                ..*input
            };
            &levelled_input
        }
        None => input,
    };
    let mut tracks = kinematics::Tracks::build(input, leveller.as_ref(), config, &mut notes, &mut details)?;
    let raised = tracks.drop_raised_arms();
    if raised > 0 {
        details.push(format!(
            "{raised} wrist keypoint{} with the arm pointing more than {:.0} degrees from straight down treated as hidden",
            if raised == 1 { "" } else { "s" },
            kinematics::MAX_ARM_FROM_DOWN_DEG
        ));
    }
    let view = view::estimate(&tracks, config);
    // Side views see the arm's swing face on, front and rear views an arm hanging nearly
    // straight down (the rendered suites' true arms, all views, never read under 0.81 of their
    // length). From an angle a hanging arm that leans towards or away from the camera reads
    // short (on real rear-oblique clip 17 the set-up's wrists went, and lift-off with them), so
    // there an arm is only held against the other, which leans alike.
    let (short_arms, against) = if view.view == View::Oblique {
        (tracks.drop_arms_shorter_than_their_partner(), "the other arm")
    } else {
        (tracks.drop_short_arms(), "a straight arm")
    };
    if short_arms > 0 {
        details.push(format!(
            "{short_arms} wrist keypoint{} nearer the shoulder than {against} allows treated as hidden",
            if short_arms == 1 { "" } else { "s" }
        ));
    }
    if let (View::Side, Some(near)) = (view.view, view.near_side) {
        let discs = kinematics::plate_discs(input, &tracks, near);
        let dropped = tracks.hide_behind_plate(&discs);
        if dropped > 0 {
            details.push(format!(
                "{dropped} hip, knee or foot keypoints inside the plate's outline treated as hidden"
            ));
        }
    }
    let body = kinematics::Body::build(input, &tracks, &view, config, &mut notes, &mut details);
    let series = kinematics::Series::build(input, &tracks, &body, &view, config);
    if let Some(roll) = series.frontal_roll_deg {
        details.push(format!(
            "the standing lifter's midline (ankles to shoulders) leans {:.1} degrees {} in the frame, taken as \
             the camera's roll: the left/right and knee lines are read with it undone",
            roll.abs(),
            level::turn_name(roll)
        ));
    }
    let detected = reps::detect(&series, &body, variant, config, &mut notes, &mut details);
    let evaluation = checks::evaluate(&series, &body, &view, &detected, config);

    let mut frames = kinematics::frame_metrics(input, &series, &detected);
    let no_reps_reason = evaluation.reps.is_empty().then(|| {
        detected
            .no_reps_reason
            .clone()
            .unwrap_or_else(|| "no complete rep was found".into())
    });
    let mut still_ankle_px = body
        .ankle
        .filter(|_| view.view == View::Side)
        .map(|(x, y)| [x as f32, y as f32]);
    // Pixel positions go out in the frame's own pixels, where the annotated clip draws them.
    if let Some(lev) = &leveller {
        for f in &mut frames {
            // A levelled coordinate alone has no frame position.
            (f.bar_x_px, f.bar_y_px) = match (f.bar_x_px, f.bar_y_px) {
                (Some(x), Some(y)) => {
                    let p = lev.unlevel(Point::new(x, y));
                    (Some(p.x), Some(p.y))
                }
                _ => (None, None),
            };
        }
        still_ankle_px = still_ankle_px.map(|[x, y]| {
            let p = lev.unlevel(Point::new(x, y));
            [p.x, p.y]
        });
    }
    Ok(Analysis {
        width: input.width,
        height: input.height,
        fps: input.fps,
        view,
        variant: detected.variant,
        variant_inferred: detected.inferred,
        strictness: config.strictness,
        bar_source: body.bar_source,
        leg_length_px: body.leg_px.map(|v| v as f32),
        scale_cm_per_px: body.cm_per_px.map(|v| v as f32),
        camera_roll_deg: roll.map(|r| r.deg as f32),
        camera_roll_corrected: leveller.is_some(),
        standing_roll_deg: series.frontal_roll_deg.map(|v| v as f32),
        still_ankle_px,
        reps: evaluation.reps,
        no_reps_reason,
        findings: evaluation.findings,
        not_assessable: evaluation.not_assessable,
        checks: evaluation.summaries,
        notes,
        details,
        frames,
    })
}

/// The camera's roll as read from the background, and whether it is to be undone.
#[derive(Clone, Copy, Debug)]
struct Roll {
    deg: f64,
    corrected: bool,
}

/// Reads the camera's roll from `input.lines` (when there are any), saying in `details` what was
/// found; it is to be undone only with `Config::level_camera` on.
fn camera_roll(input: &AnalysisInput, config: &Config, details: &mut Vec<String>) -> Option<Roll> {
    if input.lines.is_empty() {
        return None;
    }
    match level::estimate_roll(input.lines, input.width, input.height, feet_level(input.frames)) {
        Ok(roll) => {
            let large_enough = roll.deg.abs() >= level::MIN_CORRECTED_ROLL_DEG;
            let corrected = config.level_camera && large_enough;
            details.push(format!(
                "camera roll {:.1} degrees {} ({} upright lines in the background agree){}",
                roll.deg.abs(),
                level::turn_name(roll.deg),
                roll.lines,
                if corrected {
                    ": keypoints turned back by it before measuring".to_string()
                } else if large_enough {
                    ": left as filmed (`level_camera = true` in a --config file undoes it)".to_string()
                } else {
                    format!(": under {:.0}, left as filmed", level::MIN_CORRECTED_ROLL_DEG)
                }
            ));
            Some(Roll {
                deg: roll.deg,
                corrected,
            })
        }
        Err(why) => {
            details.push(format!(
                "camera roll not read: {why}; angles are taken against the frame's own vertical"
            ));
            None
        }
    }
}

/// How low in the frame the lifter's feet are: the median over frames with a pose of the lowest
/// ankle, heel or toe keypoint, frame pixels (the feet stay put through a set).
fn feet_level(frames: &[PoseFrame]) -> Option<f32> {
    use crate::pose::landmark as lm;
    const FEET: [usize; 6] = [
        lm::LEFT_ANKLE,
        lm::RIGHT_ANKLE,
        lm::LEFT_HEEL,
        lm::RIGHT_HEEL,
        lm::LEFT_FOOT_INDEX,
        lm::RIGHT_FOOT_INDEX,
    ];
    let lowest = frames.iter().filter_map(|f| f.pose.as_ref()).filter_map(|p| {
        FEET.iter()
            .map(|&i| f64::from(p.keypoints[i].y))
            .filter(|y| y.is_finite())
            .max_by(f64::total_cmp)
    });
    let level = signal::median(lowest);
    level.is_finite().then_some(level as f32)
}

fn validate_input(input: &AnalysisInput) -> Result<(), AnalysisError> {
    if input.width == 0 || input.height == 0 {
        return Err(AnalysisError::InvalidInput(format!(
            "frame size {}x{} is empty",
            input.width, input.height
        )));
    }
    if !(input.fps.is_finite() && input.fps > 0.0) {
        return Err(AnalysisError::InvalidInput(format!(
            "frame rate {} is not a positive number",
            input.fps
        )));
    }
    let n = input.frames.len();
    if !input.back.is_empty() && input.back.len() != n {
        return Err(AnalysisError::InvalidInput(format!(
            "{} back outlines for {n} frames (need one per frame or none)",
            input.back.len()
        )));
    }
    if !input.plates.is_empty() && input.plates.len() != n {
        return Err(AnalysisError::InvalidInput(format!(
            "{} plate circles for {n} frames (need one per frame or none)",
            input.plates.len()
        )));
    }
    Ok(())
}
