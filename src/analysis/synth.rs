//! Generated keypoint sequences for tests: a kinematic stick figure driven by joint angles.
//!
//! Sagittal angles (knee flexion, trunk and arm angles) are interpolated between key poses; the
//! shin angle is solved each frame so the bar (the wrist) stays over mid-foot, as in a good pull,
//! unless a fault moves it. Joints get a sideways offset per body side and are projected for a
//! camera rotated `yaw_deg` from the lifter's left side (0 = side view facing right, 90 = front).

use std::f64::consts::PI;

use crate::pose::geometry::Point;
use crate::pose::{Keypoint, NUM_KEYPOINTS, Pose, PoseFrame, landmark as lm};

use super::{BackOutline, PlateCircle};

/// Stature in pixels and segment lengths as fractions of it (Drillis & Contini).
const STATURE: f64 = 440.0;
const SHANK: f64 = 0.246;
const THIGH: f64 = 0.245;
const TRUNK: f64 = 0.29;
const ARM: f64 = 0.33;
const NECK: f64 = 0.11;
const ANKLE_H: f64 = 0.039;
const HEEL_BACK: f64 = 0.05;
const TOE_FWD: f64 = 0.1;
/// Half-distances between left and right joints, fraction of stature.
const HALF_WIDTH: [(usize, usize, f64); 11] = [
    (lm::LEFT_SHOULDER, lm::RIGHT_SHOULDER, 0.1),
    (lm::LEFT_ELBOW, lm::RIGHT_ELBOW, 0.12),
    (lm::LEFT_WRIST, lm::RIGHT_WRIST, 0.13),
    (lm::LEFT_HIP, lm::RIGHT_HIP, 0.065),
    (lm::LEFT_KNEE, lm::RIGHT_KNEE, 0.065),
    (lm::LEFT_ANKLE, lm::RIGHT_ANKLE, 0.065),
    (lm::LEFT_HEEL, lm::RIGHT_HEEL, 0.065),
    (lm::LEFT_FOOT_INDEX, lm::RIGHT_FOOT_INDEX, 0.07),
    (lm::LEFT_EAR, lm::RIGHT_EAR, 0.04),
    (2, 5, 0.02),
    (1, 4, 0.01),
];
/// Extra dorsal tilt of the neck in a neutral head position, degrees.
const NECK_NEUTRAL: f64 = 8.0;
/// Natural bends of a neutral back outline (upper: kyphosis, lower: lordosis), degrees.
const NATURAL_UPPER: f64 = 10.0;
const NATURAL_LOWER: f64 = -10.0;
/// Half-thickness of the trunk: the dorsal edge's offset from the shoulder-hip line.
const TRUNK_HALF_THICKNESS: f64 = 0.06;

/// One key pose. Angles in degrees.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Key {
    pub knee_flex: f64,
    /// Trunk from vertical, forward positive.
    pub trunk: f64,
    /// Arm from vertical, positive = hands behind the shoulders.
    pub arm: f64,
    pub head_ext: f64,
    /// Added back bends relative to neutral.
    pub upper_bend: f64,
    pub lower_bend: f64,
    /// Added fold of the back at mid-trunk (the two halves' chords turning against each other).
    pub mid_fold: f64,
    /// Bar ahead of mid-foot, fraction of leg length.
    pub bar_offset: f64,
    /// Front-view asymmetries: shoulder line tilt (deg, left up), inward knee travel (fraction of
    /// stature).
    pub shoulder_tilt: f64,
    pub knee_in: f64,
}

impl Key {
    pub const STAND: Key = Key {
        knee_flex: 0.0,
        trunk: 0.0,
        arm: -4.0,
        head_ext: 0.0,
        upper_bend: 0.0,
        lower_bend: 0.0,
        mid_fold: 0.0,
        bar_offset: 0.0,
        shoulder_tilt: 0.0,
        knee_in: 0.0,
    };
    pub const SETUP: Key = Key {
        knee_flex: 70.0,
        trunk: 58.0,
        arm: 7.0,
        ..Key::STAND
    };
    pub const KNEE_PASS: Key = Key {
        knee_flex: 30.0,
        trunk: 54.0,
        arm: 4.0,
        ..Key::STAND
    };
    pub const RDL_BOTTOM: Key = Key {
        knee_flex: 22.0,
        trunk: 72.0,
        arm: 0.0,
        ..Key::STAND
    };

    fn lerp(a: &Key, b: &Key, t: f64) -> Key {
        let l = |x: f64, y: f64| x + (y - x) * t;
        Key {
            knee_flex: l(a.knee_flex, b.knee_flex),
            trunk: l(a.trunk, b.trunk),
            arm: l(a.arm, b.arm),
            head_ext: l(a.head_ext, b.head_ext),
            upper_bend: l(a.upper_bend, b.upper_bend),
            lower_bend: l(a.lower_bend, b.lower_bend),
            mid_fold: l(a.mid_fold, b.mid_fold),
            bar_offset: l(a.bar_offset, b.bar_offset),
            shoulder_tilt: l(a.shoulder_tilt, b.shoulder_tilt),
            knee_in: l(a.knee_in, b.knee_in),
        }
    }
}

/// A fault put into a rep.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Fault {
    HipsRiseFirst,
    /// Hips rising first, then holding still a moment before the bar breaks from the floor.
    HipsRiseFirstThenHold,
    ShouldersBehindBar,
    BarAheadOfMidfoot,
    BarDrift,
    KneesForward,
    HeadUp,
    IncompleteLockout,
    LeanBack,
    UpperRounding,
    /// The back folds forward at mid-trunk, each half staying straight (as rendered thoracic
    /// rounding mostly shows in the outline).
    MidBackFold,
    /// The back is already folded forward at mid-trunk at the set-up and stays so to knee pass:
    /// rounded before the pull, nothing added since the set-up.
    RoundedAtSetup,
    LowerRounding,
    ShoulderTilt,
    KneesInward,
    RdlKneesLocked,
    RdlRounding,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Lift {
    Conventional,
    Romanian,
}

#[derive(Clone, Debug)]
pub struct Spec {
    pub lift: Lift,
    pub reps: usize,
    /// Faults per rep (index 0 = rep 1); missing = good rep.
    pub faults: Vec<Option<Fault>>,
    pub yaw_deg: f64,
    pub mirror: bool,
    pub fps: f64,
    pub noise_px: f64,
    pub drop_frac: f64,
    pub outlier_frac: f64,
    pub seed: u64,
    pub back_outline: bool,
    pub plates: bool,
    pub touch_and_go: bool,
    /// Standing, hinging down to the bar and standing up again after letting go.
    pub walk_in_out: bool,
    /// Frame height; smaller crops the lifter's lower body out of the frame.
    pub height: u32,
    /// Partial pull (bar rises to this fraction of the knee-pass pose and back) before rep 1.
    pub partial_pull: bool,
    /// With `walk_in_out`: sink into a squat at the bar, then raise the hips into the set-up
    /// (the trunk tipping forward as in hips rising first) and pause before the pull.
    pub settle_from_below: bool,
    /// With `walk_in_out`: reach the bar with the back folded forward at mid-trunk, as lifters
    /// often do, and set it flat before the pull (a good rep: the back the bar leaves the floor
    /// with is flat).
    pub reach_rounded: bool,
    /// Romanian deadlift: knee bend at the bottom, degrees (deeper lifts bend them more).
    pub rdl_knee_flex: f64,
    /// Romanian deadlift: the trunk's angle from vertical at the bottom, degrees
    /// ([`Key::RDL_BOTTOM`]'s by default; [`trunk_to_floor`] takes the bar down to the floor, a
    /// stiff-legged pull from standing). This body's long arms reach the floor at about 70
    /// degrees, so at the default bottom (72) `generate` bends the knees a little further to leave
    /// the bar resting on the floor: a test that needs the bar to stop short of it sets a smaller
    /// angle.
    pub rdl_bottom_trunk: f64,
    /// The lower half of the back outline bends this many degrees further per degree the trunk
    /// is more upright than at [`Key::SETUP`], with no change in the spine: the opening hip
    /// crease as rendered bodies show it (0: an ideal outline).
    pub hip_crease_bend_per_deg: f64,
    /// Romanian deadlifts only: the set starts with a pull of the bar from the floor and ends by
    /// setting it down, as lifters without a rack do.
    pub rdl_from_floor: bool,
}

impl Default for Spec {
    fn default() -> Self {
        Spec {
            lift: Lift::Conventional,
            reps: 3,
            faults: Vec::new(),
            yaw_deg: 0.0,
            mirror: false,
            fps: 30.0,
            noise_px: 0.0,
            drop_frac: 0.0,
            outlier_frac: 0.0,
            seed: 1,
            back_outline: true,
            plates: false,
            touch_and_go: false,
            walk_in_out: true,
            height: 720,
            partial_pull: false,
            settle_from_below: false,
            reach_rounded: false,
            rdl_knee_flex: Key::RDL_BOTTOM.knee_flex,
            rdl_bottom_trunk: Key::RDL_BOTTOM.trunk,
            hip_crease_bend_per_deg: 0.0,
            rdl_from_floor: false,
        }
    }
}

pub const WIDTH: u32 = 1280;
const FLOOR_Y: f64 = 690.0;
const ANKLE_X: f64 = 560.0;

/// Ground truth per frame.
#[derive(Clone, Copy, Debug, Default)]
pub struct Truth {
    pub hip: f64,
    pub knee: f64,
    pub trunk: f64,
}

#[derive(Clone)]
pub struct Clip {
    pub width: u32,
    pub height: u32,
    pub fps: f64,
    pub frames: Vec<PoseFrame>,
    pub back: Vec<Option<BackOutline>>,
    pub plates: Vec<Option<PlateCircle>>,
    /// Background lines (none by default: no roll read).
    pub lines: Vec<super::level::LineSegment>,
    pub truth: Vec<Truth>,
}

impl Clip {
    /// Keeps the first `frames` frames (poses, back outlines, plates and truth alike), as a clip
    /// that ends there.
    pub fn truncate(&mut self, frames: usize) {
        self.frames.truncate(frames);
        self.back.truncate(frames);
        self.plates.truncate(frames);
        self.truth.truncate(frames);
    }

    pub fn input(&self) -> super::AnalysisInput<'_> {
        super::AnalysisInput {
            width: self.width,
            height: self.height,
            fps: self.fps,
            frames: &self.frames,
            back: &self.back,
            plates: &self.plates,
            lines: &self.lines,
        }
    }
}

/// A set-up pose with its knee flexion solved so the bar rests at the same floor height as in
/// [`Key::SETUP`] (the bar sits on the floor whatever the lifter's posture).
fn on_floor(k: Key) -> Key {
    let floor = solve(&Key::SETUP).wrist.1;
    let (mut lo, mut hi) = (5.0, 150.0);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        let h = solve(&Key { knee_flex: mid, ..k }).wrist.1;
        // More knee bend lowers the bar.
        if h > floor {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Key {
        knee_flex: 0.5 * (lo + hi),
        ..k
    }
}

/// The trunk angle from vertical, degrees, at which a hinge with `knee_flex` degrees of knee bend
/// takes the bar down to the floor of [`Key::SETUP`] (a stiff-legged pull from the floor).
pub fn trunk_to_floor(knee_flex: f64) -> f64 {
    let floor = solve(&Key::SETUP).wrist.1;
    let (mut lo, mut hi) = (0.0, 150.0);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        let h = solve(&Key {
            knee_flex,
            trunk: mid,
            ..Key::RDL_BOTTOM
        })
        .wrist
        .1;
        // Tipping the trunk further over lowers the hands, past horizontal too.
        if h > floor {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// Key poses with durations (seconds to reach this pose from the previous one).
fn schedule(spec: &Spec) -> Vec<(f64, Key)> {
    let fault = |i: usize| spec.faults.get(i).copied().flatten();
    let mut plan: Vec<(f64, Key)> = Vec::new();
    match spec.lift {
        Lift::Conventional => {
            if spec.walk_in_out {
                plan.push((0.0, Key::STAND));
                plan.push((0.6, Key::STAND));
                if spec.settle_from_below {
                    let squat = Key {
                        knee_flex: 105.0,
                        trunk: 30.0,
                        ..Key::SETUP
                    };
                    plan.push((1.0, on_floor(squat)));
                    plan.push((0.5, Key::SETUP));
                } else if spec.reach_rounded {
                    let rounded = Key {
                        mid_fold: 20.0,
                        ..Key::SETUP
                    };
                    plan.push((1.0, on_floor(rounded)));
                    plan.push((0.4, on_floor(rounded)));
                    plan.push((0.5, Key::SETUP));
                } else {
                    plan.push((1.0, Key::SETUP));
                }
            } else {
                plan.push((0.0, Key::SETUP));
            }
            // Settling from below ends in a shorter pause (0.7 s with the pull's own hold), as on
            // the rendered fixtures: the hips' low point is then within a second of lift-off.
            plan.push((if spec.settle_from_below { 0.01 } else { 0.8 }, Key::SETUP));
            if spec.partial_pull {
                let part = Key::lerp(&Key::SETUP, &Key::KNEE_PASS, 0.6);
                plan.push((0.4, part));
                plan.push((0.4, Key::SETUP));
                plan.push((0.8, Key::SETUP));
            }
            for r in 0..spec.reps {
                // Settle into this rep's set-up (a no-op for good reps), pull, hold, lower.
                let pause = !(spec.touch_and_go && r > 0);
                let pull = conventional_pull(fault(r), pause);
                let top = pull[pull.len() - 1].1;
                plan.extend(pull);
                plan.push((0.5, top));
                plan.push((0.5, Key::KNEE_PASS));
                plan.push((0.45, Key::SETUP));
                let last = r + 1 == spec.reps;
                let rest = if spec.touch_and_go && !last { 0.03 } else { 0.7 };
                plan.push((rest, Key::SETUP));
            }
            if spec.walk_in_out {
                plan.push((0.9, Key::STAND));
                plan.push((0.6, Key::STAND));
            }
        }
        Lift::Romanian => {
            plan.push((0.0, Key::STAND));
            plan.push((0.8, Key::STAND));
            if spec.rdl_from_floor {
                plan.push((1.0, Key::SETUP));
                plan.push((0.8, Key::SETUP));
                let pull = conventional_pull(None, true);
                let top = pull[pull.len() - 1].1;
                plan.extend(pull);
                plan.push((0.8, top));
            }
            for r in 0..spec.reps {
                let mut bottom = Key {
                    knee_flex: spec.rdl_knee_flex,
                    trunk: spec.rdl_bottom_trunk,
                    ..Key::RDL_BOTTOM
                };
                let mut top = Key::STAND;
                match fault(r) {
                    Some(Fault::RdlKneesLocked) => bottom.knee_flex = 0.0,
                    Some(Fault::RdlRounding) => bottom.mid_fold = 20.0,
                    Some(Fault::BarDrift) => bottom.bar_offset = 0.3,
                    Some(Fault::HeadUp) => bottom.head_ext = 40.0,
                    Some(Fault::IncompleteLockout) => top = incomplete_top(),
                    Some(Fault::LeanBack) => top = lean_back_top(),
                    _ => {}
                }
                plan.push((1.2, bottom));
                plan.push((1.0, top));
                plan.push((0.6, top));
            }
            if spec.rdl_from_floor {
                plan.push((0.5, Key::KNEE_PASS));
                plan.push((0.45, Key::SETUP));
                plan.push((0.7, Key::SETUP));
                plan.push((0.9, Key::STAND));
            }
            plan.push((0.6, Key::STAND));
        }
    }
    plan
}

/// Leaning back at the top: the trunk tips 22 degrees back past vertical and the arms tip with
/// it, since the hands hold the bar against the thighs (as `scripts/synth` poses it); the bar
/// staying over the mid-foot then pushes the hips forward and the shoulders behind the feet.
fn lean_back_top() -> Key {
    let trunk = -22.0;
    Key {
        trunk,
        arm: Key::STAND.arm + trunk,
        ..Key::STAND
    }
}

fn incomplete_top() -> Key {
    Key {
        knee_flex: 28.0,
        trunk: 22.0,
        arm: 0.0,
        ..Key::STAND
    }
}

/// Key poses of a conventional pull with `fault`: set-up, (hips up), knee pass, top.
fn conventional_pull(fault: Option<Fault>, pause: bool) -> Vec<(f64, Key)> {
    let hold = if pause { 0.4 } else { 0.0 };
    let mut setup = Key::SETUP;
    let mut kp = Key::KNEE_PASS;
    let mut top = Key::STAND;
    match fault {
        None => {}
        Some(first @ (Fault::HipsRiseFirst | Fault::HipsRiseFirstThenHold)) => {
            // The knees straighten and the trunk tips over while the bar stays on the floor.
            let held = if first == Fault::HipsRiseFirstThenHold {
                0.4
            } else {
                0.0
            };
            let hips_up = on_floor(Key {
                trunk: 80.0,
                arm: 10.0,
                ..Key::SETUP
            });
            kp.knee_flex = 15.0;
            kp.trunk = 70.0;
            return vec![
                (0.3, on_floor(setup)),
                (hold, on_floor(setup)),
                (0.35, hips_up),
                (held, hips_up),
                (0.45, kp),
                (0.55, top),
            ];
        }
        Some(Fault::ShouldersBehindBar) => {
            setup.trunk = 45.0;
            setup.arm = -14.0;
        }
        // Sized beyond the rule's noise-aware limit (23% of leg length: 16% keypoint noise measured
        // on the rendered fixtures + 7% fault), since smaller offsets are not told from noise.
        Some(Fault::BarAheadOfMidfoot) => {
            setup.bar_offset = 0.3;
            kp.bar_offset = 0.3;
        }
        // Beyond the rule's noise-aware 21% limit (see config), as the bar ahead of mid-foot.
        Some(Fault::BarDrift) => kp.bar_offset = 0.3,
        // Knees far forward (a squatted start), beyond the rule's 27% limit (see config).
        Some(Fault::KneesForward) => {
            setup.trunk = 12.0;
            setup.arm = 0.0;
        }
        Some(Fault::HeadUp) => {
            setup.head_ext = 40.0;
            kp.head_ext = 40.0;
        }
        Some(Fault::IncompleteLockout) => top = incomplete_top(),
        Some(Fault::LeanBack) => top = lean_back_top(),
        Some(Fault::UpperRounding) => kp.upper_bend = 35.0,
        Some(Fault::LowerRounding) => kp.lower_bend = 30.0,
        Some(Fault::MidBackFold) => kp.mid_fold = 15.0,
        Some(Fault::RoundedAtSetup) => {
            setup.mid_fold = 20.0;
            kp.mid_fold = 20.0;
        }
        Some(Fault::ShoulderTilt) => {
            kp.shoulder_tilt = 14.0;
            top.shoulder_tilt = 10.0;
        }
        Some(Fault::KneesInward) => kp.knee_in = 0.06,
        Some(Fault::RdlKneesLocked) | Some(Fault::RdlRounding) => {}
    }
    vec![(0.3, on_floor(setup)), (hold, on_floor(setup)), (0.55, kp), (0.55, top)]
}

fn smoothstep(t: f64) -> f64 {
    t * t * (3.0 - 2.0 * t)
}

/// The key pose at time `t`.
fn key_at(plan: &[(f64, Key)], t: f64) -> Key {
    let mut start = 0.0;
    let mut prev = plan[0].1;
    for &(dur, key) in &plan[1..] {
        if t <= start + dur {
            let u = if dur > 0.0 { (t - start) / dur } else { 1.0 };
            return Key::lerp(&prev, &key, smoothstep(u.clamp(0.0, 1.0)));
        }
        start += dur;
        prev = key;
    }
    prev
}

fn total(plan: &[(f64, Key)]) -> f64 {
    plan.iter().map(|p| p.0).sum()
}

/// Sagittal joint positions (forward, up), stature units scaled to pixels, ankle at x = 0.
struct Sagittal {
    ankle: (f64, f64),
    heel: (f64, f64),
    toe: (f64, f64),
    knee: (f64, f64),
    hip: (f64, f64),
    shoulder: (f64, f64),
    elbow: (f64, f64),
    wrist: (f64, f64),
    ear: (f64, f64),
    eye: (f64, f64),
    nose: (f64, f64),
    back: Vec<(f64, f64)>,
    truth: Truth,
}

fn sin_cos_deg(a: f64) -> (f64, f64) {
    a.to_radians().sin_cos()
}

fn chain(k: &Key, shank_deg: f64) -> Sagittal {
    let h = STATURE;
    let ankle = (0.0, ANKLE_H * h);
    let (ss, cs) = sin_cos_deg(shank_deg);
    let knee = (ankle.0 + SHANK * h * ss, ankle.1 + SHANK * h * cs);
    let thigh = k.knee_flex - shank_deg;
    let (st, ct) = sin_cos_deg(thigh);
    let hip = (knee.0 - THIGH * h * st, knee.1 + THIGH * h * ct);
    let (sr, cr) = sin_cos_deg(k.trunk);
    let shoulder = (hip.0 + TRUNK * h * sr, hip.1 + TRUNK * h * cr);
    let (sa, ca) = sin_cos_deg(k.arm);
    let wrist = (shoulder.0 - ARM * h * sa, shoulder.1 - ARM * h * ca);
    let elbow = (
        shoulder.0 + 0.55 * (wrist.0 - shoulder.0) + 0.01 * h,
        shoulder.1 + 0.55 * (wrist.1 - shoulder.1),
    );
    let neck_dir = k.trunk - NECK_NEUTRAL - k.head_ext;
    let (sn, cn) = sin_cos_deg(neck_dir);
    let ear = (shoulder.0 + NECK * h * sn, shoulder.1 + NECK * h * cn);
    // The face looks at right angles to the neck line.
    let (sf, cf) = sin_cos_deg(neck_dir + 90.0);
    let nose = (ear.0 + 0.06 * h * sf, ear.1 + 0.06 * h * cf);
    let eye = (ear.0 + 0.04 * h * sf, ear.1 + 0.04 * h * cf + 0.01 * h);
    let back = back_outline(hip, shoulder, k);
    let truth = Truth {
        hip: 180.0 - k.trunk - thigh,
        knee: 180.0 - k.knee_flex,
        trunk: k.trunk,
    };
    Sagittal {
        ankle,
        heel: (-HEEL_BACK * h, 0.01 * h),
        toe: (TOE_FWD * h, 0.005 * h),
        knee,
        hip,
        shoulder,
        elbow,
        wrist,
        ear,
        eye,
        nose,
        back,
        truth,
    }
}

/// 11 points from the shoulder end to the hip end along the dorsal edge.
fn back_outline(hip: (f64, f64), shoulder: (f64, f64), k: &Key) -> Vec<(f64, f64)> {
    let d = (shoulder.0 - hip.0, shoulder.1 - hip.1);
    let len = d.0.hypot(d.1);
    let dorsal = (-d.1 / len, d.0 / len);
    let off = TRUNK_HALF_THICKNESS * STATURE;
    let upper = NATURAL_UPPER + k.upper_bend;
    let lower = NATURAL_LOWER + k.lower_bend;
    // A fold puts the middle `len / 2 tan(fold / 2)` further back, tapering to the ends.
    let fold_offset = len / 2.0 * (k.mid_fold.to_radians() / 2.0).tan();
    (0..11)
        .map(|i| {
            let u = i as f64 / 10.0; // 0 at the shoulder, 1 at the hip
            let base = (shoulder.0 - u * d.0, shoulder.1 - u * d.1);
            let (bend, t) = if u <= 0.5 {
                (upper, u / 0.5)
            } else {
                (lower, (u - 0.5) / 0.5)
            };
            let sagitta = 0.5 * len / 2.0 * (bend.to_radians() / 4.0).tan();
            let bulge = 4.0 * sagitta * t * (1.0 - t) + fold_offset * (1.0 - (2.0 * u - 1.0).abs());
            (base.0 + dorsal.0 * (off + bulge), base.1 + dorsal.1 * (off + bulge))
        })
        .collect()
}

/// Solves the shin angle that puts the wrist `bar_offset` leg lengths ahead of mid-foot.
fn solve(k: &Key) -> Sagittal {
    let midfoot = 0.5 * (TOE_FWD - HEEL_BACK) * STATURE;
    let target = midfoot + k.bar_offset * (SHANK + THIGH) * STATURE;
    let f = |s: f64| chain(k, s).wrist.0 - target;
    let (mut lo, mut hi) = (-30.0, 60.0);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if f(mid) > 0.0 {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    chain(k, 0.5 * (lo + hi))
}

/// Small deterministic random numbers (xorshift64*), Gaussian by Box-Muller.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        ((self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64) / (1u64 << 53) as f64
    }
    pub fn gauss(&mut self) -> f64 {
        let u1 = self.uniform().max(1e-12);
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (2.0 * PI * u2).cos()
    }
}

fn swap_lr(i: usize) -> usize {
    match i {
        0 => 0,
        1..=3 => i + 3,
        4..=6 => i - 3,
        _ if i % 2 == 1 => i + 1,
        _ => i - 1,
    }
}

/// Drawn plates sit below the wrists by this much (the hand holds the bar above its centre).
const PLATE_BELOW_WRIST: f64 = 0.02 * STATURE;

/// Radius of the generated plates: they rest on the floor at set-up, so the plate's centre is
/// one radius above the floor line there (45 cm at this radius sets the clip's scale).
pub fn plate_radius_px() -> f64 {
    solve(&Key::SETUP).wrist.1 - PLATE_BELOW_WRIST
}

pub fn generate(spec: &Spec) -> Clip {
    let plan = schedule(spec);
    let n = (total(&plan) * spec.fps).ceil() as usize + 1;
    let mut rng = Rng::new(spec.seed);
    let (sy, cy) = sin_cos_deg(spec.yaw_deg);
    let w = WIDTH as f64;
    let mut frames = Vec::with_capacity(n);
    let mut backs = Vec::with_capacity(n);
    let mut plates = Vec::with_capacity(n);
    let mut truth = Vec::with_capacity(n);
    let plate_radius = plate_radius_px();
    let floor = solve(&Key::SETUP).wrist.1;
    // The first and last frames with the bar resting on the floor: a lifter who walks in grips it
    // there first and lets go of it there last, and the plates stay on the floor before and after.
    let (mut first_on_floor, mut last_on_floor) = (None, None);
    for f in 0..n {
        let t = f as f64 / spec.fps;
        let mut key = key_at(&plan, t);
        key.lower_bend += spec.hip_crease_bend_per_deg * (Key::SETUP.trunk - key.trunk).max(0.0);
        // The bar cannot sink into the floor: a pose that would put it lower bends the knees
        // just enough to leave it resting there (as when the hips rise before the bar moves).
        let mut sag = solve(&key);
        if sag.wrist.1 < floor - 1e-6 {
            sag = solve(&on_floor(key));
        }
        if sag.wrist.1 < floor + 1e-6 {
            first_on_floor.get_or_insert(f);
            last_on_floor = Some(f);
        }
        truth.push(sag.truth);
        let project = |p: (f64, f64), z: f64| -> (f64, f64) { (ANKLE_X + p.0 * cy + z * sy, FLOOR_Y - p.1) };
        let mut kps = [Keypoint::default(); NUM_KEYPOINTS];
        let put = |kps: &mut [Keypoint; NUM_KEYPOINTS], i: usize, p: (f64, f64), z: f64| {
            let (x, y) = project(p, z);
            // Far (right) side is occluded in side views; both sides visible square on.
            let far = z < 0.0 && spec.yaw_deg.abs() < 60.0;
            kps[i] = Keypoint {
                x: x as f32,
                y: y as f32,
                z: (-z * cy) as f32,
                visibility: if far { 0.3 } else { 0.95 },
                presence: 0.99,
            };
        };
        let half = |i: usize| {
            HALF_WIDTH
                .iter()
                .find(|(l, r, _)| *l == i || *r == i)
                .map_or(0.0, |(l, _, hw)| if *l == i { *hw } else { -*hw } * STATURE)
        };
        let tilt = key.shoulder_tilt.to_radians().tan() * 0.1 * STATURE;
        let pairs: [(usize, usize, (f64, f64)); 10] = [
            (lm::LEFT_SHOULDER, lm::RIGHT_SHOULDER, sag.shoulder),
            (lm::LEFT_ELBOW, lm::RIGHT_ELBOW, sag.elbow),
            (lm::LEFT_WRIST, lm::RIGHT_WRIST, sag.wrist),
            (lm::LEFT_HIP, lm::RIGHT_HIP, sag.hip),
            (lm::LEFT_KNEE, lm::RIGHT_KNEE, sag.knee),
            (lm::LEFT_ANKLE, lm::RIGHT_ANKLE, sag.ankle),
            (lm::LEFT_HEEL, lm::RIGHT_HEEL, sag.heel),
            (lm::LEFT_FOOT_INDEX, lm::RIGHT_FOOT_INDEX, sag.toe),
            (lm::LEFT_EAR, lm::RIGHT_EAR, sag.ear),
            (2, 5, sag.eye),
        ];
        for (l, r, p) in pairs {
            let (zl, zr) = (half(l), half(r));
            let mut pl = p;
            let mut pr = p;
            if l == lm::LEFT_SHOULDER {
                pl.1 += tilt;
                pr.1 -= tilt;
            }
            let (mut zl, mut zr) = (zl, zr);
            if l == lm::LEFT_KNEE {
                zl -= key.knee_in * STATURE;
                zr += key.knee_in * STATURE;
            }
            put(&mut kps, l, pl, zl);
            put(&mut kps, r, pr, zr);
        }
        put(&mut kps, lm::NOSE, sag.nose, 0.0);
        for (a, b) in [(1, 4), (3, 6), (9, 10), (17, 18), (19, 20), (21, 22)] {
            let src = if a <= 6 {
                sag.eye
            } else if a <= 10 {
                sag.nose
            } else {
                sag.wrist
            };
            put(&mut kps, a, src, 0.02 * STATURE);
            put(&mut kps, b, src, -0.02 * STATURE);
        }
        let outline: Vec<Point> = sag
            .back
            .iter()
            .map(|&p| {
                let (x, y) = project(p, 0.0);
                Point::new(x as f32, y as f32)
            })
            .collect();
        let (bx, by) = project(sag.wrist, half(lm::LEFT_WRIST) + 0.03 * STATURE);
        let mut plate = PlateCircle {
            center: Point::new(bx as f32, (by + PLATE_BELOW_WRIST) as f32),
            radius: plate_radius as f32,
        };
        // Noise, dropped frames, outliers.
        if spec.noise_px > 0.0 {
            for kp in kps.iter_mut() {
                kp.x += (spec.noise_px * rng.gauss()) as f32;
                kp.y += (spec.noise_px * rng.gauss()) as f32;
            }
            plate.center.x += (spec.noise_px * rng.gauss()) as f32;
            plate.center.y += (spec.noise_px * rng.gauss()) as f32;
        }
        if spec.outlier_frac > 0.0 && rng.uniform() < spec.outlier_frac {
            let i = (rng.uniform() * NUM_KEYPOINTS as f64) as usize % NUM_KEYPOINTS;
            kps[i].x += 40.0;
            kps[i].y -= 30.0;
        }
        let h = spec.height as f64;
        for kp in kps.iter_mut() {
            if kp.y as f64 > h {
                kp.presence = 0.05;
                kp.visibility = 0.05;
            }
        }
        let mut pose = Some(Pose {
            keypoints: kps,
            score: 0.99,
        });
        if spec.drop_frac > 0.0 && rng.uniform() < spec.drop_frac {
            pose = None;
        }
        let mut back = spec.back_outline.then_some(BackOutline { points: outline });
        let mut plate = spec.plates.then_some(plate);
        if spec.mirror {
            if let Some(p) = pose.as_mut() {
                let orig = p.keypoints;
                for (i, kp) in orig.iter().enumerate() {
                    let mut m = *kp;
                    m.x = w as f32 - kp.x;
                    p.keypoints[swap_lr(i)] = m;
                }
            }
            if let Some(b) = back.as_mut() {
                for q in b.points.iter_mut() {
                    q.x = w as f32 - q.x;
                }
            }
            if let Some(pl) = plate.as_mut() {
                pl.center.x = w as f32 - pl.center.x;
            }
        }
        frames.push(PoseFrame {
            index: f,
            time_s: t,
            pose,
        });
        backs.push(back);
        plates.push(plate);
    }
    let picks_up_the_bar = match spec.lift {
        Lift::Conventional => spec.walk_in_out,
        Lift::Romanian => spec.rdl_from_floor,
    };
    if let (true, Some(first), Some(last)) = (picks_up_the_bar, first_on_floor, last_on_floor) {
        let (put_down_first, put_down_last) = (plates[first], plates[last]);
        for (f, plate) in plates.iter_mut().enumerate() {
            if plate.is_some() && f < first {
                *plate = put_down_first;
            } else if plate.is_some() && f > last {
                *plate = put_down_last;
            }
        }
    }
    Clip {
        width: WIDTH,
        height: spec.height,
        fps: spec.fps,
        frames,
        back: backs,
        plates,
        lines: Vec::new(),
        truth,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swap_lr_pairs_landmarks() {
        for (a, b) in [(0, 0), (1, 4), (3, 6), (7, 8), (11, 12), (31, 32), (32, 31)] {
            assert_eq!(swap_lr(a), b);
        }
    }

    #[test]
    fn good_setup_keeps_bar_over_midfoot_and_below_knee() {
        let s = solve(&Key::SETUP);
        let midfoot = 0.5 * (TOE_FWD - HEEL_BACK) * STATURE;
        assert!((s.wrist.0 - midfoot).abs() < 0.01);
        assert!(s.wrist.1 < s.knee.1, "{:?} {:?}", s.wrist, s.knee);
    }
}
