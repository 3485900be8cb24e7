//! Per-rep metrics and the fault rules.
//!
//! Every rule compares one measured value against one [`Config`] threshold (strictness applied
//! around the rule's ideal value), declares the views and lift variants it is valid for, and says
//! "not assessable" with a reason when its joints were hidden or out of frame, instead of guessing.
//! Cues paraphrase the coaching article in our own words.
//!
//! This module holds what every rule shares: the rule list ([`CheckId`]), each rep's windows
//! (set-up, early pull, lockout...), the per-rep metrics, and [`evaluate`], which runs every rule
//! that applies on every rep. The rules themselves are in `rounding` (the back), `position` (the
//! set-up and the pull), `lockout` (the top) and `imbalance` (left/right).

use serde::Serialize;

use super::config::{BODY_LEAN_NEUTRAL_BACK_DEG, Config, OUTLINE_LEAN_BACK_GOOD_DEG};
use super::kinematics::{Body, Series};
use super::reps::{Detected, RawRep};
use super::signal;
use super::view::{View, ViewEstimate};
use super::{CheckSummary, Event, Finding, LiftVariant, NotAssessable, Rep, Severity, Tempo};

mod imbalance;
mod lockout;
mod position;
mod rounding;

use lockout::{LEAN_BACK_HOLD_S, knee_in_sight, lockout_outline_lean, lockout_outline_min, plausible_lean_back};
use rounding::{back_change, back_reference, lift_off_fold, rdl_bottom_fold};

/// The hip-to-shoulder rise ratio is only meaningful once the hips have risen this much, fraction
/// of leg length (calibrate: below it the ratio is noise over noise).
const MIN_HIP_RISE_FOR_RATIO: f64 = 0.03;

/// Smallest shoulder rise used as the ratio's denominator, fraction of leg length.
const MIN_SHOULDER_RISE: f64 = 0.01;

/// Without a knee pass, the early pull ends when the bar has covered this fraction of its travel
/// (ref: "first ~30% of bar travel" proposal).
const EARLY_PULL_TRAVEL_FRAC: f64 = 0.3;

/// How far before lift-off the start of the hips' rise is looked for, seconds (calibrate: a
/// set-up pause is rarely shorter, a hinge down to the bar rarely faster).
const MAX_PRE_LIFT_S: f64 = 1.0;

/// Hips and shoulders count as paused while they stay within this speed times the pause length
/// of where the pause began, leg lengths per second (calibrate: the ref's "hips rising 3-5% of leg
/// length while the bar has not moved" happens over a few tenths of a second, 0.1-0.25 leg
/// lengths per second, and filtered keypoint jitter on a held set-up stays well under this).
const STILL_MAX_SPEED_LEG_PER_S: f64 = 0.1;
/// Shortest pause that counts as the set-up before a pull, seconds (a brief slow-down at the end
/// of a movement is not a pause).
const MIN_PAUSE_S: f64 = 0.3;

/// Set-up values are the median over this many seconds up to the set-up frame.
const SETUP_WINDOW_S: f64 = 0.1;

/// Window around an RDL bottom, and after an RDL lockout, seconds.
const RDL_BOTTOM_HALF_WINDOW_S: f64 = 0.15;
const RDL_LOCKOUT_WINDOW_S: f64 = 0.4;

/// The rules, in report order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckId {
    UpperBackRounding,
    LowerBackRounding,
    ShouldersOverBar,
    BarOverMidfoot,
    BarDrift,
    KneesOverMidfoot,
    HipsRiseFirst,
    HeadPosition,
    IncompleteLockout,
    LeanBackAtLockout,
    LeftRightImbalance,
    RdlKneesLocked,
    RdlBackRounding,
}

const SIDE: &[View] = &[View::Side];
const FRONTAL: &[View] = &[View::Front, View::Rear];
const SIDE_OR_FRONTAL: &[View] = &[View::Side, View::Front, View::Rear];
const CONVENTIONAL: &[LiftVariant] = &[LiftVariant::Conventional];
const ROMANIAN: &[LiftVariant] = &[LiftVariant::Romanian];
const BOTH: &[LiftVariant] = &[LiftVariant::Conventional, LiftVariant::Romanian];

impl CheckId {
    pub const ALL: [CheckId; 13] = [
        CheckId::UpperBackRounding,
        CheckId::LowerBackRounding,
        CheckId::ShouldersOverBar,
        CheckId::BarOverMidfoot,
        CheckId::BarDrift,
        CheckId::KneesOverMidfoot,
        CheckId::HipsRiseFirst,
        CheckId::HeadPosition,
        CheckId::IncompleteLockout,
        CheckId::LeanBackAtLockout,
        CheckId::LeftRightImbalance,
        CheckId::RdlKneesLocked,
        CheckId::RdlBackRounding,
    ];

    /// Stable machine name (as in JSON).
    pub fn name(self) -> &'static str {
        match self {
            CheckId::UpperBackRounding => "upper_back_rounding",
            CheckId::LowerBackRounding => "lower_back_rounding",
            CheckId::ShouldersOverBar => "shoulders_over_bar",
            CheckId::BarOverMidfoot => "bar_over_midfoot",
            CheckId::BarDrift => "bar_drift",
            CheckId::KneesOverMidfoot => "knees_over_midfoot",
            CheckId::HipsRiseFirst => "hips_rise_first",
            CheckId::HeadPosition => "head_position",
            CheckId::IncompleteLockout => "incomplete_lockout",
            CheckId::LeanBackAtLockout => "lean_back_at_lockout",
            CheckId::LeftRightImbalance => "left_right_imbalance",
            CheckId::RdlKneesLocked => "rdl_knees_locked",
            CheckId::RdlBackRounding => "rdl_back_rounding",
        }
    }

    /// Short human title.
    pub fn title(self) -> &'static str {
        match self {
            CheckId::UpperBackRounding => "Upper/mid back rounding",
            CheckId::LowerBackRounding => "Lower back rounding",
            CheckId::ShouldersOverBar => "Shoulders over the bar at set-up",
            CheckId::BarOverMidfoot => "Bar over mid-foot at set-up",
            CheckId::BarDrift => "Bar drifting away from the body",
            CheckId::KneesOverMidfoot => "Knees over mid-foot",
            CheckId::HipsRiseFirst => "Hips rising before the shoulders",
            CheckId::HeadPosition => "Head position",
            CheckId::IncompleteLockout => "Incomplete lockout",
            CheckId::LeanBackAtLockout => "Leaning back at lockout",
            CheckId::LeftRightImbalance => "Left/right imbalance",
            CheckId::RdlKneesLocked => "RDL: knees locked straight",
            CheckId::RdlBackRounding => "RDL: rounding at the bottom",
        }
    }

    /// The check with this machine name ([`CheckId::name`]).
    pub fn from_name(name: &str) -> Option<CheckId> {
        CheckId::ALL.into_iter().find(|c| c.name() == name)
    }

    /// A few words for the per-rep table's faults column, where the title is too long.
    pub fn label(self) -> &'static str {
        match self {
            CheckId::UpperBackRounding => "upper back rounded",
            CheckId::LowerBackRounding => "lower back rounded",
            CheckId::ShouldersOverBar => "shoulders off bar",
            CheckId::BarOverMidfoot => "bar off mid-foot",
            CheckId::BarDrift => "bar drift",
            CheckId::KneesOverMidfoot => "knees off mid-foot",
            CheckId::HipsRiseFirst => "hips first",
            CheckId::HeadPosition => "head not neutral",
            CheckId::IncompleteLockout => "incomplete lockout",
            CheckId::LeanBackAtLockout => "leaning back",
            CheckId::LeftRightImbalance => "left/right",
            CheckId::RdlKneesLocked => "RDL knees locked",
            CheckId::RdlBackRounding => "RDL rounding",
        }
    }

    /// Views the rule can be judged from.
    pub fn views(self) -> &'static [View] {
        match self {
            CheckId::LeftRightImbalance => FRONTAL,
            CheckId::KneesOverMidfoot => SIDE_OR_FRONTAL,
            _ => SIDE,
        }
    }

    /// Lift variants the rule applies to.
    pub fn variants(self) -> &'static [LiftVariant] {
        match self {
            CheckId::UpperBackRounding
            | CheckId::LowerBackRounding
            | CheckId::ShouldersOverBar
            | CheckId::BarOverMidfoot
            | CheckId::KneesOverMidfoot
            | CheckId::HipsRiseFirst => CONVENTIONAL,
            CheckId::RdlKneesLocked | CheckId::RdlBackRounding => ROMANIAN,
            _ => BOTH,
        }
    }
}

/// Per-rep measurements (degrees, percent of leg length, seconds, m/s); `None` when not measured.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RepMetrics {
    pub setup_hip_deg: Option<f32>,
    pub setup_knee_deg: Option<f32>,
    pub setup_ankle_deg: Option<f32>,
    pub setup_trunk_deg: Option<f32>,
    pub setup_neck_deg: Option<f32>,
    pub setup_shoulder_bar_deg: Option<f32>,
    pub setup_bar_midfoot_pct_leg: Option<f32>,
    pub setup_knee_midfoot_pct_leg: Option<f32>,
    /// Height of the hip over the knee at the set-up (the thigh's rise), percent of leg length:
    /// low or negative in a squat-like start, the hips down at or below the knees (a Romanian
    /// deadlift's set-up is standing, so about half the leg there). Reported, not judged
    /// (`scripts/synth/judgement.md`).
    pub setup_hip_above_knee_pct_leg: Option<f32>,
    pub knee_pass_trunk_deg: Option<f32>,
    /// The trunk's angle from vertical where the early pull starts (where the hips set before the
    /// bar moves), degrees; read whatever it is, so the hips-first rule's plausibility limit on
    /// it can be measured.
    pub early_start_trunk_deg: Option<f32>,
    /// Most the trunk tipped towards horizontal over the early pull (none where the hips-first
    /// rule finds the start too upright to read it from).
    pub early_trunk_change_deg: Option<f32>,
    pub early_hip_rise_pct_leg: Option<f32>,
    pub early_shoulder_rise_pct_leg: Option<f32>,
    /// Hip rise over shoulder rise over the early pull (none where the hips-first rule finds the
    /// start too upright; read in every view, the rule judges it from the side only).
    pub hip_shoulder_rise_ratio: Option<f32>,
    pub max_neck_extension_deg: Option<f32>,
    pub max_neck_flexion_deg: Option<f32>,
    pub lockout_hip_deg: Option<f32>,
    pub lockout_knee_deg: Option<f32>,
    /// Most lean back past vertical at lockout (positive = leaning back). The neck's extension and
    /// flexion, the bar's drift and the left/right changes are the highest levels held for
    /// [`Config::finding_min_hold_s`], as the rules read them (the knees' inward reading too); the lean-backs are not held, and
    /// are left out past 45 degrees back, where the rule calls them keypoint errors.
    pub lockout_lean_back_deg: Option<f32>,
    /// Most lean of the mid-foot-to-shoulder line back past vertical at lockout (positive =
    /// shoulders behind the mid-foot). A reading only: it vets the trunk's and the back
    /// outline's lockout readings (`checks::lockout`), and judges no lean-back of its own.
    pub lockout_body_lean_back_deg: Option<f32>,
    /// Least forward lean of the back outline at lockout, degrees (side views; [`super::back::lean`]):
    /// how far the trunk stays short of upright, read without the hip keypoint.
    pub lockout_outline_lean_deg: Option<f32>,
    /// Most lean of the whole back outline's line back past vertical at lockout, degrees (side
    /// views; positive = leaning back; [`super::back::whole_lean`]).
    pub lockout_outline_lean_back_deg: Option<f32>,
    pub bar_drift_pct_leg: Option<f32>,
    pub bar_drift_cm: Option<f32>,
    /// The back outline's readings (this and the next three) are left out past
    /// 15 degrees off side-on, where the rounding rules read nothing either.
    pub upper_back_change_deg: Option<f32>,
    pub lower_back_change_deg: Option<f32>,
    /// Most added fold of the back outline at mid-trunk since set-up (comparable frames).
    pub mid_back_fold_change_deg: Option<f32>,
    /// Fold of the back outline at mid-trunk as the bar leaves the floor (a back rounded before
    /// the pull).
    pub lift_off_mid_back_fold_deg: Option<f32>,
    pub bottom_knee_deg: Option<f32>,
    /// Romanian deadlift: fold of the back outline at mid-trunk over the bottom window (a back
    /// rounded at the bottom).
    pub bottom_mid_back_fold_deg: Option<f32>,
    pub max_shoulder_tilt_change_deg: Option<f32>,
    pub max_hip_tilt_change_deg: Option<f32>,
    pub max_bar_tilt_change_deg: Option<f32>,
    pub max_hip_shift_change_pct_leg: Option<f32>,
    pub max_knee_inward_pct_leg: Option<f32>,
    pub peak_bar_speed_mps: Option<f32>,
    pub mean_bar_speed_mps: Option<f32>,
}

pub struct Evaluation {
    pub reps: Vec<Rep>,
    pub findings: Vec<Finding>,
    pub not_assessable: Vec<NotAssessable>,
    pub summaries: Vec<CheckSummary>,
}

/// Inclusive frame window.
#[derive(Clone, Copy, Debug)]
struct Win {
    from: usize,
    to: usize,
}

/// The windows of one rep.
struct Windows {
    /// The set-up position: conventional, where the hips start rising before lift-off (so hips
    /// shooting up before the bar moves do not change it); RDL, standing before the descent.
    setup: usize,
    /// Conventional: lift-off to lockout; RDL: descent start to lockout.
    pull: Win,
    /// Conventional: from where the hips start rising before lift-off, to knee pass (or 30% of
    /// the bar's travel), so hips that shoot up while the bar is still on the floor count.
    early: Option<Win>,
    lockout: Option<Win>,
    bottom: Option<Win>,
    /// Conventional: lift-off to lockout; RDL: bottom to lockout (for speed).
    concentric: Win,
}

/// A measured value, or why it could not be measured.
type Measured<T> = Result<T, String>;

struct Ctx<'a> {
    s: &'a Series,
    body: &'a Body,
    cfg: &'a Config,
    /// Bar height below which the bar is down (at the floor), for the whole clip.
    bar_down: f64,
    /// Estimated rotation of the body away from side-on, degrees.
    view_yaw_deg: f64,
    /// The view is side-on (not oblique, front or rear).
    side_view: bool,
}

impl Ctx<'_> {
    /// Fraction of the window with a value.
    fn coverage(series: &[f64], w: Win) -> f64 {
        let total = w.to + 1 - w.from;
        let ok = series[w.from..=w.to].iter().filter(|v| !v.is_nan()).count();
        ok as f64 / total as f64
    }

    fn need(&self, series: &[f64], w: Win, what: &str, phase: &str) -> Measured<()> {
        let c = Self::coverage(series, w);
        if 1.0 - c > self.cfg.max_missing_frac {
            return Err(format!(
                "{what} hidden or out of frame on {:.0}% of the {phase}",
                100.0 * (1.0 - c)
            ));
        }
        Ok(())
    }

    /// Median over the set-up window ending at `f` ([`covered_median`]).
    fn setup_value(&self, series: &[f64], f: usize, what: &str) -> Measured<f64> {
        let from = f.saturating_sub(self.s.frames(SETUP_WINDOW_S));
        covered_median(&series[from..=f]).ok_or_else(|| format!("{what} hidden or out of frame at set-up"))
    }

    /// Largest value in the window and where it is.
    fn max_in(&self, series: &[f64], w: Win, what: &str, phase: &str) -> Measured<(f64, usize)> {
        self.max_of(series, w, |v| v, what, phase)
    }

    /// The largest of `map` over `series`' readings in `w`, and its frame (as [`Ctx::max_in`]).
    fn max_of(
        &self,
        series: &[f64],
        w: Win,
        map: impl Fn(f64) -> f64,
        what: &str,
        phase: &str,
    ) -> Measured<(f64, usize)> {
        self.need(series, w, what, phase)?;
        (w.from..=w.to)
            .filter(|&f| !series[f].is_nan())
            .map(|f| (map(series[f]), f))
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .ok_or_else(|| format!("{what} not visible during the {phase}"))
    }

    /// The leg length in pixels, which rules measured in leg lengths need.
    fn leg_known(&self) -> Measured<f64> {
        self.body.leg_px.ok_or_else(|| "leg length unknown".to_string())
    }

    /// Consecutive frames that last at least `hold_s` seconds (5 at 30 fps, and at 29.97; one for
    /// 0), rounded up so that a clip a hair under a round rate holds as long as one at it.
    fn hold_frames(&self, hold_s: f64) -> usize {
        ((hold_s * self.s.fps() - 1e-6).ceil() as usize).max(1)
    }

    /// The highest level the series keeps for `hold_s` on consecutive frames of the window
    /// ([`held_level`] per run of frames with a value), so that a moment's glitch does not decide
    /// a rule ([`Config::finding_min_hold_s`]). Runs shorter than the hold count only where no run
    /// is that long (then at their least value), as in [`held_stretches`].
    fn held_max_in(&self, series: &[f64], w: Win, hold_s: f64, what: &str, phase: &str) -> Measured<f64> {
        self.held_max_of(series, w, hold_s, |v| v, what, phase)
    }

    fn held_min_in(&self, series: &[f64], w: Win, hold_s: f64, what: &str, phase: &str) -> Measured<f64> {
        self.held_max_of(series, w, hold_s, |v| -v, what, phase).map(|v| -v)
    }

    /// [`Ctx::held_max_in`] of `value` applied to the window's readings (a sign, an offset).
    fn held_max_of(
        &self,
        series: &[f64],
        w: Win,
        hold_s: f64,
        value: impl Fn(f64) -> f64,
        what: &str,
        phase: &str,
    ) -> Measured<f64> {
        self.need(series, w, what, phase)?;
        let hold = self.hold_frames(hold_s);
        let window: Vec<f64> = series[w.from..=w.to].iter().map(|&v| value(v)).collect();
        let runs: Vec<&[f64]> = window.split(|v| v.is_nan()).filter(|run| !run.is_empty()).collect();
        let any_long = runs.iter().any(|run| run.len() >= hold);
        runs.into_iter()
            .filter(|run| !any_long || run.len() >= hold)
            .map(|run| held_level(run, hold))
            .reduce(f64::max)
            .ok_or_else(|| format!("{what} not visible during the {phase}"))
    }

    /// [`Ctx::span`] over the stretches of at least `hold_s` where `pred` holds
    /// ([`held_stretches`]): where the finding's level was held, not a moment's spike beside it.
    fn held_span(&self, w: Win, hold_s: f64, pred: impl Fn(usize) -> bool) -> (f64, f64) {
        let above: Vec<bool> = (w.from..=w.to).map(pred).collect();
        let held = held_stretches(&above, self.hold_frames(hold_s));
        self.span(w, |f| held[f - w.from])
    }

    /// First and last frame of the window where `pred` holds (the finding's time range).
    fn span(&self, w: Win, pred: impl Fn(usize) -> bool) -> (f64, f64) {
        let mut first = None;
        let mut last = None;
        for f in w.from..=w.to {
            if pred(f) {
                first.get_or_insert(f);
                last = Some(f);
            }
        }
        let (a, b) = (first.unwrap_or(w.from), last.unwrap_or(w.to));
        (self.s.t(a), self.s.t(b))
    }
}

/// The median of a short window's values, or `None` unless most of them (more than half) are
/// there: a lone reading (a plate found on one frame of the set-up, seen on rendered seed 201 clip
/// 004 where the stray circle read the shoulders 127 degrees behind the bar) is no median. Every
/// set-up value goes through it: the set-up checks, and the references the changes of the other
/// rules and the set-up metrics start from.
fn covered_median(window: &[f64]) -> Option<f64> {
    let seen = window.iter().filter(|v| !v.is_nan()).count();
    (2 * seen > window.len()).then(|| signal::median(window.iter().copied()))
}

/// Why a check was not assessed on a clip without reps: every check says the same, which the
/// terminal report folds into one line.
pub fn no_reps_not_assessable(no_reps_reason: &str) -> String {
    format!("no reps found: {no_reps_reason}")
}

/// A not-assessable reason for a rule that is off by default: the words the reports recognise
/// ([`off_by_default`]) followed by why it is off and the `name = true` that turns it on.
macro_rules! off_reason {
    ($why:literal) => {
        concat!("not judged by default: ", $why)
    };
}

/// How the reason starts when a rule is off by default.
const OFF_BY_DEFAULT: &str = off_reason!("");
const LOWER_BACK_OFF: &str = off_reason!(
    "the back outline's lower half does not follow the lower back's rounding reliably; \
     `lower_back_findings = true` in a --config file judges it anyway"
);
const RDL_KNEES_OFF: &str = off_reason!(
    "from the keypoints, soft and locked knees read too much alike at the bottom; \
     `rdl_knee_findings = true` in a --config file judges it anyway"
);
const SETUP_POSITION_OFF: &str = off_reason!(
    "from the keypoints, good set-ups and faulty ones read too much alike; \
     `setup_position_findings = true` in a --config file judges the shoulders and the bar anyway"
);

/// Why `check` is not judged under `cfg`, for the rules that are off unless a config switch
/// turns them on ([`Config::lower_back_findings`], [`Config::rdl_knee_findings`],
/// [`Config::setup_position_findings`]); `None` for every rule that judges.
fn switched_off(check: CheckId, cfg: &Config) -> Option<&'static str> {
    let (on, why) = match check {
        CheckId::LowerBackRounding => (cfg.lower_back_findings, LOWER_BACK_OFF),
        CheckId::RdlKneesLocked => (cfg.rdl_knee_findings, RDL_KNEES_OFF),
        CheckId::ShouldersOverBar | CheckId::BarOverMidfoot => (cfg.setup_position_findings, SETUP_POSITION_OFF),
        _ => return None,
    };
    (!on).then_some(why)
}

/// For a not-assessable reason that says the rule is off by default: why it is off, with the
/// config line that turns it on. The reports list those rules apart from what the clip left
/// unassessable.
pub fn off_by_default(reason: &str) -> Option<&str> {
    reason.strip_prefix(OFF_BY_DEFAULT)
}

/// "a side", "an oblique".
fn with_article(word: &str) -> String {
    let article = if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {word}")
}

fn f32o(v: Measured<f64>) -> Option<f32> {
    // `+ 0.0` turns a negative zero into zero (reports print "-0.0" otherwise).
    v.ok().filter(|x| x.is_finite()).map(|x| (x + 0.0) as f32)
}

/// The head is judged against the line from hip to shoulder, which stands for the back only
/// while the back is straight: a rounded upper back carries the shoulder forward and down, and on
/// the rendered suites that alone moves the true angle as far as a lifted head would
/// (`scripts/synth/measure.py head`, `neck_gt`: median -17 degrees and down to -34 on 19
/// thoracic-rounding reps, against -3.5, range -12 to 4, on 41 good ones). So on a rep where back
/// rounding is found the head rule is not assessable, whatever it read: a finding would likely be
/// wrong (real clip 06, a rounded back with the head down, read "head extended"), and so would a
/// pass.
fn head_only_against_a_straight_back(verdicts: &mut [(usize, CheckId, Measured<Option<Finding>>)]) {
    let rounded = verdicts.iter().any(|(_, check, verdict)| {
        matches!(check, CheckId::UpperBackRounding | CheckId::RdlBackRounding) && matches!(verdict, Ok(Some(_)))
    });
    for (_, check, verdict) in verdicts.iter_mut() {
        if rounded && *check == CheckId::HeadPosition && verdict.is_ok() {
            *verdict = Err(
                "the back is found rounded on this rep, so the shoulder no longer marks the line of the \
                            back the head is judged against"
                    .into(),
            );
        }
    }
}

/// Builds the rep list, metrics and findings.
pub fn evaluate(s: &Series, body: &Body, view: &ViewEstimate, det: &Detected, cfg: &Config) -> Evaluation {
    let ctx = Ctx {
        s,
        body,
        cfg,
        bar_down: det.bar_down,
        view_yaw_deg: f64::from(view.yaw_deg),
        side_view: view.view == View::Side,
    };
    let mut reps = Vec::new();
    let mut findings = Vec::new();
    let mut not_assessable = Vec::new();
    let applicable: Vec<CheckId> = CheckId::ALL
        .into_iter()
        .filter(|c| c.variants().contains(&det.variant))
        .collect();
    let mut summaries: Vec<CheckSummary> = applicable
        .iter()
        .map(|&check| CheckSummary {
            check,
            assessed_reps: 0,
            faulted_reps: 0,
        })
        .collect();
    for (k, raw) in det.reps.iter().enumerate() {
        let next_start = det.reps.get(k + 1).map(|r| r.start);
        // The set-up search may reach back past the previous rep's set-down, which comes late
        // when the wrists sag as the hips rise before the next pull; not past its descent.
        let prev_descent = k
            .checked_sub(1)
            .map(|p| det.reps[p].descent_start.unwrap_or(det.reps[p].end));
        let w = windows(&ctx, raw, prev_descent, next_start);
        let metrics = measure(&ctx, raw, &w);
        let mut verdicts: Vec<(usize, CheckId, Measured<Option<Finding>>)> = applicable
            .iter()
            .enumerate()
            .filter(|(_, check)| check.views().contains(&view.view))
            .map(|(i, &check)| (i, check, judge(&ctx, check, raw, &w)))
            .collect();
        head_only_against_a_straight_back(&mut verdicts);
        for (i, check, verdict) in verdicts {
            match verdict {
                Ok(None) => summaries[i].assessed_reps += 1,
                Ok(Some(f)) => {
                    summaries[i].assessed_reps += 1;
                    summaries[i].faulted_reps += 1;
                    findings.push(f);
                }
                Err(reason) => not_assessable.push(NotAssessable {
                    check,
                    rep: Some(raw.number),
                    reason,
                }),
            }
        }
        reps.push(build_rep(s, raw, metrics));
    }
    for &check in &applicable {
        if !check.views().contains(&view.view) {
            let needs: Vec<&str> = check.views().iter().map(|v| v.name()).collect();
            not_assessable.push(NotAssessable {
                check,
                rep: None,
                reason: format!(
                    "not assessable from {} view (needs a {} view)",
                    with_article(view.view.name()),
                    needs.join(" or ")
                ),
            });
        } else if let Some(reason) = &det.no_reps_reason {
            not_assessable.push(NotAssessable {
                check,
                rep: None,
                reason: no_reps_not_assessable(reason),
            });
        }
    }
    findings.sort_by(|a, b| a.rep.cmp(&b.rep).then(a.check.cmp(&b.check)));
    Evaluation {
        reps,
        findings,
        not_assessable,
        summaries,
    }
}

fn event(s: &Series, pos: Option<usize>) -> Option<Event> {
    pos.map(|p| Event {
        frame: s.index.get(p).copied().unwrap_or(p),
        time_s: s.t(p),
        pos: p,
    })
}

fn build_rep(s: &Series, raw: &RawRep, metrics: RepMetrics) -> Rep {
    let dt = |a: Option<usize>, b: Option<usize>| match (a, b) {
        (Some(a), Some(b)) if b >= a => Some((s.t(b) - s.t(a)) as f32),
        _ => None,
    };
    let pull_from = match raw.variant {
        LiftVariant::Romanian => raw.bottom,
        _ => raw.lift_off,
    };
    let lower_to = match raw.variant {
        LiftVariant::Romanian => raw.bottom,
        _ => raw.set_down,
    };
    let tempo = Tempo {
        first_pull_s: dt(pull_from, raw.knee_pass),
        second_pull_s: dt(raw.knee_pass, raw.lockout),
        pull_s: dt(pull_from, raw.lockout),
        lockout_hold_s: match raw.variant {
            LiftVariant::Romanian => None,
            _ => dt(raw.lockout, raw.descent_start),
        },
        lower_s: dt(raw.descent_start, lower_to),
        rest_before_s: raw.rest_before_s.map(|v| v as f32),
    };
    Rep {
        number: raw.number,
        start_s: s.t(raw.start),
        end_s: s.t(raw.end),
        lift_off: event(s, raw.lift_off),
        knee_pass: event(s, raw.knee_pass),
        lockout: event(s, raw.lockout),
        descent_start: event(s, raw.descent_start),
        bottom: event(s, raw.bottom),
        set_down: event(s, raw.set_down),
        touch_and_go: raw.touch_and_go,
        tempo,
        metrics,
    }
}

fn windows(ctx: &Ctx, raw: &RawRep, prev_descent: Option<usize>, next_start: Option<usize>) -> Windows {
    let s = ctx.s;
    let last = s.n - 1;
    let lockout = raw.lockout.unwrap_or(raw.end);
    match raw.variant {
        LiftVariant::Romanian => {
            let bottom = raw.bottom.unwrap_or(raw.start);
            let half = ctx.s.frames(RDL_BOTTOM_HALF_WINDOW_S);
            let lock_end = (lockout + ctx.s.frames(RDL_LOCKOUT_WINDOW_S))
                .min(next_start.unwrap_or(last))
                .min(last);
            Windows {
                setup: raw.start,
                pull: Win {
                    from: raw.start,
                    to: lockout,
                },
                early: None,
                lockout: Some(Win {
                    from: lockout,
                    to: lock_end.max(lockout),
                }),
                bottom: Some(Win {
                    from: bottom.saturating_sub(half).max(raw.start),
                    to: (bottom + half).min(lockout),
                }),
                concentric: Win {
                    from: bottom,
                    to: lockout,
                },
            }
        }
        _ => {
            let lift = raw.lift_off.unwrap_or(raw.start);
            let early_end = raw.knee_pass.or_else(|| {
                let (h0, h1) = (s.bar_h[lift], s.bar_h[lockout]);
                let target = h0 + EARLY_PULL_TRAVEL_FRAC * (h1 - h0);
                (lift..=lockout).find(|&f| s.bar_h[f] >= target)
            });
            let limit = lift
                .saturating_sub(ctx.s.frames(MAX_PRE_LIFT_S))
                .max(prev_descent.unwrap_or(0));
            let pauses = pauses_before(ctx, lift, limit);
            let setup = pauses.first().copied().unwrap_or(lift);
            // The hips' rise is measured from the pause with the hips lowest: hips that rise and
            // hold still again before the bar moves pause a second time, higher.
            let hips_set = lowest_hips(ctx, &pauses).unwrap_or(setup);
            Windows {
                setup,
                pull: Win {
                    from: lift,
                    to: lockout,
                },
                early: early_end
                    .filter(|&e| e > hips_set)
                    .map(|e| Win { from: hips_set, to: e }),
                lockout: Some(Win {
                    from: lockout,
                    to: raw.descent_start.unwrap_or(raw.end).max(lockout),
                }),
                bottom: None,
                concentric: Win {
                    from: lift,
                    to: lockout,
                },
            }
        }
    }
}

/// The frames at or before lift-off (back to `limit`), latest first, that end a pause with the
/// bar down, the hips and shoulders having moved less than [`STILL_MAX_SPEED_LEG_PER_S`] over
/// the [`MIN_PAUSE_S`] before them. The set-up a pull starts from is the last of them; the
/// hips' rise is measured from the one with the hips lowest ([`lowest_hips`]). Hips rising while
/// the bar is still on the floor (the knees straightening before the bar moves) are then part of
/// the early pull, even when they hold still again before the bar breaks (rendered seed 329 clip
/// 000: hips shot up over frames 77-88, then still until lift-off at 97), whereas settling into
/// position before the pause is not. Without a pause (touch-and-go, or pulling straight from
/// the approach) the set-up is lift-off itself.
fn pauses_before(ctx: &Ctx, lift: usize, limit: usize) -> Vec<usize> {
    let s = ctx.s;
    let Some(leg) = ctx.body.leg_px else { return Vec::new() };
    let span = ctx.s.frames(MIN_PAUSE_S);
    let max_speed = STILL_MAX_SPEED_LEG_PER_S * leg;
    // Spread (max - min) of a height over the span; `None` when hidden on half of it or more.
    let spread = |h: &[f64], a: usize, f: usize| {
        let (n, lo, hi) = h[a..=f]
            .iter()
            .filter(|v| v.is_finite())
            .fold((0, f64::INFINITY, f64::NEG_INFINITY), |(n, lo, hi), &v| {
                (n + 1, lo.min(v), hi.max(v))
            });
        (2 * n > f + 1 - a).then_some(hi - lo)
    };
    let paused_until = |f: usize| {
        let a = f.saturating_sub(span);
        let dt = s.t(f) - s.t(a);
        // A height hidden on most of the span is left out; the pause needs at least one.
        let spreads = [spread(&s.hip_h, a, f), spread(&s.shoulder_h, a, f)];
        let seen = spreads.iter().flatten().count() > 0;
        let still = spreads.iter().flatten().all(|&r| r <= max_speed * dt);
        // The pause is with the bar down: a pause standing at the top is not a set-up.
        // A missing height (or level) does not break the pause.
        let bar_on_floor = s.bar_h[a..=f]
            .iter()
            .all(|h| h.partial_cmp(&ctx.bar_down) != Some(std::cmp::Ordering::Greater));
        dt > 0.0 && bar_on_floor && seen && still
    };
    (limit..=lift).rev().filter(|&f| paused_until(f)).collect()
}

/// Of the frames ending a pause (latest first), the one with the hips lowest, the latest of equals.
fn lowest_hips(ctx: &Ctx, pauses: &[usize]) -> Option<usize> {
    let height = |f: usize| {
        let h = ctx.s.hip_h[f];
        if h.is_nan() { f64::INFINITY } else { h }
    };
    pauses.iter().copied().min_by(|&a, &b| height(a).total_cmp(&height(b)))
}

/// Rise of `series` (heights) from the start to the end of the window, fraction of leg length.
fn rise(ctx: &Ctx, series: &[f64], w: Win, what: &str) -> Measured<f64> {
    let leg = ctx.body.leg_px.ok_or("leg length unknown")?;
    let a = ctx.setup_value(series, w.from, what)?;
    let b = series[w.to];
    if b.is_nan() {
        return Err(format!("{what} hidden at the end of the early pull"));
    }
    Ok((b - a) / leg)
}

/// Largest change of `series` from its set-up value `base` over the window (`sign` +1:
/// increase, -1: decrease, 0: either way).
fn change_from(ctx: &Ctx, series: &[f64], base: f64, w: Win, what: &str, sign: f64) -> Measured<(f64, usize)> {
    let rel = |v: f64| {
        if sign == 0.0 {
            (v - base).abs()
        } else {
            sign * (v - base)
        }
    };
    ctx.max_of(series, w, rel, what, "rep")
}

/// How far a left/right line reading `v` is from its set-up value `base`, either way.
fn change_since_setup(v: f64, base: f64) -> f64 {
    (v - base).abs()
}

/// [`change_since_setup`] for a line's tilt (shoulders, hips, wrists), counted only as far as the
/// line is also off level. A loaded bar rests level on the floor on two plates of one size, and a
/// lifter gripping it with straight arms over an even stance holds the shoulders and hips level
/// too; so a line read tilted at the set-up is the camera's roll or a misplaced joint (from the
/// front, rendered seed 403 clip 002's wrists read -8 to -13 degrees through a good set-up, the
/// hands in front of the shins, and level from lift-off on). A side that takes over tilts its
/// line away from level; a line that comes back to level has not tipped. Level is the frame's
/// with the camera's roll undone as the standing lifter shows it
/// ([`kinematics::standing_midline_lean_deg`](super::kinematics::standing_midline_lean_deg));
/// where that cannot be read, the image's: with the camera rolled, a tilt towards the roll still
/// counts in full (the change since the set-up bounds it), but one against the roll counts short
/// by up to the roll.
fn tilt_change(v: f64, base: f64) -> f64 {
    change_since_setup(v, base).min(v.abs())
}

/// The highest level of `change(reading, base)` held for `hold_s` over `w`
/// ([`Ctx::held_max_in`]).
fn held_change_from(
    ctx: &Ctx,
    series: &[f64],
    base: f64,
    w: Win,
    hold_s: f64,
    what: &str,
    change: fn(f64, f64) -> f64,
) -> Measured<f64> {
    ctx.held_max_of(series, w, hold_s, |v| change(v, base), what, "rep")
}

/// [`held_change_from`] the set-up value.
fn held_change(
    ctx: &Ctx,
    series: &[f64],
    setup: usize,
    w: Win,
    hold_s: f64,
    what: &str,
    change: fn(f64, f64) -> f64,
) -> Measured<f64> {
    held_change_from(
        ctx,
        series,
        ctx.setup_value(series, setup, what)?,
        w,
        hold_s,
        what,
        change,
    )
}

/// [`change_from`] at the highest level held for `hold_s` ([`Ctx::held_max_in`]), increases only.
fn held_rise_from(ctx: &Ctx, series: &[f64], base: f64, w: Win, hold_s: f64, what: &str) -> Measured<f64> {
    ctx.held_max_of(series, w, hold_s, |v| v - base, what, "rep")
}

/// The highest level `values` stay at or above for `hold` consecutive samples (all of them when
/// there are fewer); `hold` 1 gives the largest value.
fn held_level(values: &[f64], hold: usize) -> f64 {
    values
        .windows(hold.clamp(1, values.len().max(1)))
        .map(|win| win.iter().copied().fold(f64::INFINITY, f64::min))
        .fold(f64::NEG_INFINITY, f64::max)
}

/// The frames of `above` inside a stretch of at least `hold` consecutive true frames; all of
/// `above` when no stretch is that long (a run of comparable frames shorter than the hold).
fn held_stretches(above: &[bool], hold: usize) -> Vec<bool> {
    let mut held = vec![false; above.len()];
    let mut start = 0;
    for run in above.chunk_by(|a, b| a == b) {
        if run[0] && run.len() >= hold {
            held[start..start + run.len()].fill(true);
        }
        start += run.len();
    }
    if held.contains(&true) { held } else { above.to_vec() }
}

fn measure(ctx: &Ctx, raw: &RawRep, w: &Windows) -> RepMetrics {
    let s = ctx.s;
    let su = w.setup;
    let pct = |v: Measured<f64>| f32o(v.map(|x| 100.0 * x));
    // The rules' readings, held as long as the rules hold them.
    let hold_s = ctx.cfg.finding_min_hold_s;
    let early = w.early;
    let hip_rise = early.map(|e| rise(ctx, &s.hip_h, e, "hip"));
    let sh_rise = early.map(|e| rise(ctx, &s.shoulder_h, e, "shoulder"));
    // The hips-first readings, where the rule reads them: none from a start read too upright for
    // a pull from the floor. Views without a trunk angle (front, rear) keep the rise ratio.
    let early_pull = position::early_pull(ctx, w);
    let early_start_trunk = early.and_then(|e| ctx.setup_value(&s.trunk, e.from, "trunk").ok());
    let upright_start = early_start_trunk.is_some_and(|t| t < position::EARLY_PULL_MIN_START_TRUNK_DEG);
    let ratio = match (&hip_rise, &sh_rise) {
        (Some(Ok(h)), Some(Ok(sh))) if *h >= MIN_HIP_RISE_FOR_RATIO && !upright_start => {
            Some((h / sh.max(MIN_SHOULDER_RISE)) as f32)
        }
        _ => None,
    };
    // Forward travel is along the image only in a side view (from the front it would be sideways).
    let drift = if ctx.side_view {
        ctx.setup_value(&s.bar_fwd, su, "bar")
            .and_then(|base| held_rise_from(ctx, &s.bar_fwd, base, w.pull, hold_s, "bar"))
            .map(|v| v.max(0.0))
    } else {
        Err("not a side view".to_string())
    };
    let bar_drift_cm = match (&drift, ctx.body.cm_per_px, ctx.body.leg_px) {
        (Ok(d), Some(cm), Some(leg)) => Some((d * leg * cm) as f32),
        _ => None,
    };
    let lock = w.lockout;
    let concentric_speed = ctx.body.cm_per_px.and_then(|cm| {
        let (a, b) = (w.concentric.from, w.concentric.to);
        let dt = s.t(b) - s.t(a);
        let dh = s.bar_h[b] - s.bar_h[a];
        // Heights from two sources (the plate, the hands, the shoulders) differ by more than a
        // slow pull's travel can hide; as for the peak speed, none across a change.
        let from = &ctx.body.bar_height_from;
        let one_source = from.get(a).is_some_and(|f| Some(f) == from.get(b));
        (dt > 0.0 && dh.is_finite() && one_source).then(|| (dh / dt * cm / 100.0) as f32)
    });
    // As the knees-inward rule reads it: inside the hip-ankle line, not travel since set-up, held.
    RepMetrics {
        setup_hip_deg: f32o(ctx.setup_value(&s.hip, su, "hip")),
        setup_knee_deg: f32o(ctx.setup_value(&s.knee, su, "knee")),
        setup_ankle_deg: f32o(ctx.setup_value(&s.ankle, su, "ankle")),
        setup_trunk_deg: f32o(ctx.setup_value(&s.trunk, su, "trunk")),
        setup_neck_deg: f32o(ctx.setup_value(&s.neck, su, "neck")),
        setup_shoulder_bar_deg: f32o(ctx.setup_value(&s.shoulder_bar_deg, su, "shoulder")),
        setup_bar_midfoot_pct_leg: pct(ctx.setup_value(&s.bar_midfoot, su, "bar")),
        setup_knee_midfoot_pct_leg: pct(ctx.setup_value(&s.knee_midfoot, su, "knee")),
        setup_hip_above_knee_pct_leg: pct(ctx
            .leg_known()
            .and_then(|leg| ctx.setup_value(&s.thigh_h, su, "knee").map(|h| h / leg))),
        knee_pass_trunk_deg: raw
            .knee_pass
            .and_then(|k| s.trunk.get(k).copied())
            .filter(|v| v.is_finite())
            .map(|v| v as f32),
        early_start_trunk_deg: f32o(early_start_trunk.ok_or_else(String::new)),
        early_trunk_change_deg: early_pull
            .ok()
            .and_then(|(e, base)| f32o(change_from(ctx, &s.trunk, base, e, "trunk", 1.0).map(|v| v.0))),
        early_hip_rise_pct_leg: hip_rise.and_then(pct),
        early_shoulder_rise_pct_leg: sh_rise.and_then(pct),
        hip_shoulder_rise_ratio: ratio,
        max_neck_extension_deg: f32o(
            ctx.held_max_in(&s.neck, w.pull, hold_s, "head", "rep")
                .map(|v| v - 180.0),
        ),
        max_neck_flexion_deg: f32o(
            ctx.held_min_in(&s.neck, w.pull, hold_s, "head", "rep")
                .map(|v| 180.0 - v),
        ),
        lockout_hip_deg: lock
            .and_then(|l| f32o(ctx.max_in(&knee_in_sight(s, &s.hip), l, "hip", "lockout").map(|v| v.0))),
        lockout_knee_deg: lock.and_then(|l| {
            f32o(
                ctx.max_in(&knee_in_sight(s, &s.knee), l, "knee", "lockout")
                    .map(|v| v.0),
            )
        }),
        lockout_lean_back_deg: lock.and_then(|l| {
            f32o(
                ctx.held_min_in(&s.trunk, l, LEAN_BACK_HOLD_S, "trunk", "lockout")
                    .and_then(|v| plausible_lean_back(-v, "trunk")),
            )
        }),
        lockout_body_lean_back_deg: lock.and_then(|l| {
            f32o(
                ctx.held_min_in(&s.body_lean, l, LEAN_BACK_HOLD_S, "shoulder", "lockout")
                    .and_then(|v| plausible_lean_back(-v, "mid-foot line")),
            )
        }),
        lockout_outline_lean_deg: lock.and_then(|l| f32o(lockout_outline_lean(ctx, l))),
        lockout_outline_lean_back_deg: lock.and_then(|l| {
            f32o(
                lockout_outline_min(ctx, &s.outline_whole_lean, l, LEAN_BACK_HOLD_S)
                    .and_then(|v| plausible_lean_back(-v, "outline")),
            )
        }),
        bar_drift_pct_leg: pct(drift),
        bar_drift_cm,
        upper_back_change_deg: f32o(
            back_change(
                ctx,
                &s.upper_back,
                &s.upper_back_raw,
                ctx.cfg.back_bend_min_hold_s,
                raw,
                w,
            )
            .map(|c| c.change),
        ),
        lower_back_change_deg: f32o(
            back_change(
                ctx,
                &s.lower_back,
                &s.lower_back_raw,
                ctx.cfg.back_bend_min_hold_s,
                raw,
                w,
            )
            .map(|c| c.change),
        ),
        mid_back_fold_change_deg: f32o(back_change(ctx, &s.mid_back, &s.mid_back_raw, 0.0, raw, w).map(|c| c.change)),
        lift_off_mid_back_fold_deg: f32o(
            back_reference(ctx, raw, w).and_then(|(_, comparable)| lift_off_fold(ctx, raw, &comparable).map(|v| v.0)),
        ),
        bottom_knee_deg: w.bottom.and_then(|b| {
            let v = super::signal::median(s.knee[b.from..=b.to].iter().copied());
            v.is_finite().then_some(v as f32)
        }),
        bottom_mid_back_fold_deg: f32o(rdl_bottom_fold(ctx, w).map(|v| v.0)),
        max_shoulder_tilt_change_deg: f32o(held_change(
            ctx,
            &s.shoulder_tilt,
            su,
            w.pull,
            hold_s,
            "shoulders",
            tilt_change,
        )),
        max_hip_tilt_change_deg: f32o(held_change(ctx, &s.hip_tilt, su, w.pull, hold_s, "hips", tilt_change)),
        max_bar_tilt_change_deg: f32o(held_change(ctx, &s.bar_tilt, su, w.pull, hold_s, "wrists", tilt_change)),
        max_hip_shift_change_pct_leg: pct(held_change(
            ctx,
            &s.hip_shift,
            su,
            w.pull,
            hold_s,
            "hips",
            change_since_setup,
        )),
        max_knee_inward_pct_leg: pct(position::knee_inward(ctx, w).map(|v| v.0)),
        peak_bar_speed_mps: ctx
            .body
            .cm_per_px
            .and_then(|_| f32o(ctx.max_in(&s.speed, w.concentric, "bar", "pull").map(|v| v.0))),
        mean_bar_speed_mps: concentric_speed,
    }
}

/// What a broken rule produced, before it becomes a [`Finding`].
struct Fault {
    measure: String,
    measured: f64,
    threshold: f64,
    unit: &'static str,
    /// Excess at which the fault is major (the rule's default allowance).
    major: f64,
    span: (f64, f64),
    cue: &'static str,
}

impl Fault {
    /// How far past the threshold, in the measured unit: a fault's reading is always on the far
    /// side of its threshold, whichever way the limit points.
    fn excess(&self) -> f64 {
        (self.measured - self.threshold).abs()
    }
}

fn finding(check: CheckId, rep: usize, f: Fault) -> Finding {
    let score = (f.excess() / f.major.max(1e-9)).clamp(0.0, 1.0);
    let severity = if score < 1.0 / 3.0 {
        Severity::Minor
    } else if score < 2.0 / 3.0 {
        Severity::Moderate
    } else {
        Severity::Major
    };
    Finding {
        check,
        rep,
        start_s: f.span.0,
        end_s: f.span.1,
        measure: f.measure,
        measured: f.measured as f32,
        threshold: f.threshold as f32,
        unit: f.unit,
        severity,
        score: score as f32,
        cue: f.cue.to_string(),
    }
}

const DEG: &str = "deg";
const PCT_LEG: &str = "% leg length";
const RATIO: &str = "ratio";

/// Coaching cues, paraphrasing the article in our own words.
mod cue {
    pub const UPPER_BACK: &str = "Keep the upper back flat from the floor to the top: pull the shoulder blades together and down before the bar moves, and use a load your upper back can hold.";
    pub const UPPER_BACK_SETUP: &str = "Get your upper back flat before the bar leaves the floor: chest up, shoulder blades drawn together and down, then pull; if you cannot get flat at the bar, the load is too heavy for now.";
    pub const LOWER_BACK: &str = "Brace before you pull (breathe out, tighten your midsection) and keep your lower back in the same neutral shape all the way up; let the glutes and hamstrings do the lifting.";
    pub const SHOULDERS_BEHIND: &str = "Set up with your shoulders right above the bar, or a touch in front of it: your hips are sitting too low, so raise them until the shoulders come over the bar.";
    pub const SHOULDERS_AHEAD: &str = "Your shoulders are far out in front of the bar: bring the hips down a little and the chest up so the shoulders sit just over the bar.";
    pub const BAR_MIDFOOT: &str =
        "Start with the bar over the middle of your foot, close to the shins, not out over the toes.";
    pub const BAR_DRIFT: &str =
        "Keep the bar close the whole way, brushing your legs: don't let it swing out in front of you.";
    pub const KNEES_FORWARD: &str = "As you reach for the bar, keep your knees roughly over the middle of your feet; pushing them far forward drops the hips and pushes the bar out ahead.";
    pub const KNEES_INWARD: &str =
        "Keep your knees in line with your feet as you push the floor away; don't let them drift inward.";
    pub const HIPS_FIRST: &str = "Raise your chest and hips together off the floor: keep your back angle until the bar passes the knees instead of straightening the legs first.";
    pub const HEAD_UP: &str = "Keep your head in line with your back: eyes on the floor a little ahead of you, chin slightly tucked, rather than looking up.";
    pub const HEAD_DOWN: &str = "Don't let your head drop towards your chest: keep it in line with your flat back.";
    pub const LOCKOUT: &str =
        "Finish every rep standing tall: hips fully forward and knees straight, glutes squeezed at the top.";
    pub const LEAN_BACK: &str =
        "At the top, stand straight with your ribs stacked over your hips; squeeze the glutes instead of leaning back.";
    pub const IMBALANCE: &str = "Pull evenly with both sides, keeping the bar level and the hips square; lighten the load if one side keeps taking over.";
    pub const RDL_KNEES: &str =
        "Keep a slight bend in your knees throughout the Romanian deadlift rather than locking them straight.";
    pub const RDL_ROUNDING: &str =
        "Go only as low as your hamstrings allow with a flat back: stop the descent before your spine starts to round.";
}

/// Judges one rule on one rep: `Ok(None)` passes, `Ok(Some)` is a fault, `Err` not assessable.
fn judge(ctx: &Ctx, check: CheckId, raw: &RawRep, w: &Windows) -> Measured<Option<Finding>> {
    if let Some(why) = switched_off(check, ctx.cfg) {
        return Err(why.into());
    }
    let fault = match check {
        CheckId::UpperBackRounding | CheckId::LowerBackRounding | CheckId::RdlBackRounding => {
            rounding::back_rounding(ctx, check, raw, w)?
        }
        CheckId::ShouldersOverBar => position::shoulders_over_bar(ctx, w)?,
        CheckId::BarOverMidfoot => position::bar_over_midfoot(ctx, w)?,
        CheckId::BarDrift => position::bar_drift(ctx, w)?,
        CheckId::KneesOverMidfoot => position::knees_over_midfoot(ctx, w)?,
        CheckId::HipsRiseFirst => position::hips_rise_first(ctx, w)?,
        CheckId::HeadPosition => position::head_position(ctx, w)?,
        CheckId::IncompleteLockout => lockout::incomplete_lockout(ctx, raw, w)?,
        CheckId::LeanBackAtLockout => lockout::lean_back_at_lockout(ctx, w)?,
        CheckId::LeftRightImbalance => imbalance::left_right_imbalance(ctx, w)?,
        CheckId::RdlKneesLocked => lockout::rdl_knees_locked(ctx, w)?,
    };
    Ok(fault.map(|f| finding(check, raw.number, f)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every rule that is off by default says so in the words the reports look for, and names
    /// its switch.
    #[test]
    fn off_by_default_reasons_name_their_switch() {
        for (reason, switch) in [
            (LOWER_BACK_OFF, "`lower_back_findings = true`"),
            (RDL_KNEES_OFF, "`rdl_knee_findings = true`"),
            (SETUP_POSITION_OFF, "`setup_position_findings = true`"),
        ] {
            let why = off_by_default(reason);
            assert!(why.is_some_and(|w| w.contains(switch)), "{reason}");
        }
        assert_eq!(off_by_default("knee hidden or out of frame at set-up"), None);
    }

    #[test]
    fn held_stretches_keep_only_runs_that_long() {
        let (t, f) = (true, false);
        // (above, hold, held)
        let cases: [(&[bool], usize, &[bool]); 4] = [
            (&[t, f, t, t, t, f], 3, &[f, f, t, t, t, f]),
            (&[t, t, f, t, t, t], 2, &[t, t, f, t, t, t]),
            (&[t, f, t, t, f], 3, &[t, f, t, t, f]),
            (&[], 2, &[]),
        ];
        for (above, hold, want) in cases {
            assert_eq!(held_stretches(above, hold), want, "{above:?} held {hold}");
        }
    }

    #[test]
    fn set_up_values_need_most_of_their_window() {
        let nan = f64::NAN;
        // (window, median)
        let cases: [(&[f64], Option<f64>); 7] = [
            (&[1.0, 2.0, 3.0, 4.0], Some(2.5)),
            (&[1.0, nan, 3.0, 4.0], Some(3.0)),
            (&[nan, nan, 3.0, 4.0], None),
            (&[nan, nan, 3.0, nan], None),
            (&[2.0, nan, 4.0], Some(3.0)),
            (&[nan, nan], None),
            (&[], None),
        ];
        for (window, want) in cases {
            assert_eq!(covered_median(window), want, "{window:?}");
        }
    }

    #[test]
    fn held_level_is_the_highest_level_kept_that_long() {
        // (values, hold, level)
        let cases: [(&[f64], usize, f64); 6] = [
            (&[0.0, 9.0, 2.0, 0.0], 1, 9.0),
            (&[0.0, 9.0, 2.0, 0.0], 2, 2.0),
            (&[0.0, 9.0, 8.0, 7.0, 0.0], 3, 7.0),
            (&[0.0, 9.0, 8.0, 7.0, 0.0], 4, 0.0),
            (&[5.0, 6.0], 5, 5.0),
            (&[], 3, f64::NEG_INFINITY),
        ];
        for (values, hold, want) in cases {
            assert_eq!(held_level(values, hold), want, "{values:?} held {hold}");
        }
    }

    /// Every rule has its own name, title and table label, and labels stay short enough for the
    /// per-rep table.
    #[test]
    fn names_titles_and_labels_are_distinct() {
        for pick in [CheckId::name, CheckId::title, CheckId::label] {
            let mut seen: Vec<&str> = CheckId::ALL.iter().map(|&c| pick(c)).collect();
            seen.sort_unstable();
            seen.dedup();
            assert_eq!(seen.len(), CheckId::ALL.len(), "{seen:?}");
        }
        for c in CheckId::ALL {
            assert!(c.label().len() <= 20, "{}", c.label());
            assert_eq!(CheckId::from_name(c.name()), Some(c));
        }
        assert_eq!(CheckId::from_name("no_such_check"), None);
    }

    fn found(check: CheckId) -> Measured<Option<Finding>> {
        Ok(Some(finding(
            check,
            1,
            Fault {
                measure: String::new(),
                measured: 1.0,
                threshold: 0.0,
                unit: DEG,
                major: 1.0,
                span: (0.0, 1.0),
                cue: "",
            },
        )))
    }

    #[test]
    fn head_is_judged_only_against_a_straight_back() {
        use CheckId::{HeadPosition as Head, RdlBackRounding as RdlBack, UpperBackRounding as UpperBack};
        let passed = || Ok(None);
        let unread = || Err(String::from("hidden"));
        // (what the other back rule gave, what the head rule gave, whether the head's verdict stays)
        type Case = (
            &'static str,
            CheckId,
            Measured<Option<Finding>>,
            Measured<Option<Finding>>,
            bool,
        );
        let cases: [Case; 5] = [
            ("straight back, head fault", UpperBack, passed(), found(Head), true),
            (
                "rounded upper back, head fault",
                UpperBack,
                found(UpperBack),
                found(Head),
                false,
            ),
            (
                "rounded at the RDL's bottom, head fault",
                RdlBack,
                found(RdlBack),
                found(Head),
                false,
            ),
            (
                "back not assessable, head fault",
                UpperBack,
                unread(),
                found(Head),
                true,
            ),
            (
                "rounded upper back, head fine",
                UpperBack,
                found(UpperBack),
                passed(),
                false,
            ),
        ];
        for (name, back, back_verdict, head_verdict, head_stays) in cases {
            let was_fault = matches!(head_verdict, Ok(Some(_)));
            let mut verdicts = vec![(0, back, back_verdict), (7, Head, head_verdict)];
            head_only_against_a_straight_back(&mut verdicts);
            let head = &verdicts[1].2;
            if head_stays {
                assert_eq!(matches!(head, Ok(Some(_))), was_fault, "{name}");
            } else {
                assert!(matches!(head, Err(r) if r.contains("found rounded")), "{name}");
            }
        }
    }
}
