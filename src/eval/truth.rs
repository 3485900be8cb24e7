//! Ground truth written by the synthetic clip generator (`scripts/synth`, `"schema_version": 1`).
//!
//! Read leniently: the generator is still evolving, so unknown fields are ignored and optional
//! ones default; only what scoring cannot do without is required (`schema_version`, `video`
//! size and rate, `reps`, `frames` with their index `i`).

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer};

use crate::analysis::kinematics::joint_angle;
use crate::analysis::{BodySide, CheckId, FrameMetrics, View};
use crate::pose::{NUM_KEYPOINTS, landmark as lm};

use super::EvalError;

/// The ground-truth layout this module reads.
pub const SCHEMA_VERSION: u32 = 1;

/// `vis` value of a keypoint the camera sees.
pub const VIS_VISIBLE: f64 = 2.0;

/// One labelled clip.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct GroundTruth {
    pub schema_version: u32,
    pub video: GtVideo,
    #[serde(default, deserialize_with = "null_as_default")]
    pub camera: GtCamera,
    #[serde(default, deserialize_with = "null_as_default")]
    pub subject: GtSubject,
    #[serde(default, deserialize_with = "null_as_default")]
    pub lift: GtLift,
    pub reps: Vec<GtRep>,
    pub frames: Vec<GtFrame>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct GtVideo {
    /// File name of the clip, used as the clip's name in reports.
    #[serde(default, deserialize_with = "null_as_default")]
    pub file: String,
    /// Upright (displayed) frame size: keypoints outside it are out of frame.
    pub width: u32,
    pub height: u32,
    pub fps: f64,
    #[serde(default)]
    pub frame_count: Option<usize>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct GtCamera {
    /// `side_left`, `side_right`, `front`, `rear`, `oblique_front`, `oblique_rear`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub view: String,
    /// Camera azimuth around the lifter, degrees; +90 = on the lifter's left.
    #[serde(default)]
    pub yaw_deg: Option<f64>,
    /// World position, metres; world X is the lifter's left.
    #[serde(default)]
    pub position: Option<[f64; 3]>,
}

impl GtCamera {
    /// The rendered camera's view as liftcheck names views (`side_left` -> side, `oblique_rear`
    /// -> oblique); `None` for a name it does not know.
    pub fn liftcheck_view(&self) -> Option<View> {
        match self.view.as_str() {
            "side_left" | "side_right" => Some(View::Side),
            "oblique_front" | "oblique_rear" => Some(View::Oblique),
            "front" => Some(View::Front),
            "rear" => Some(View::Rear),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct GtSubject {
    /// `left` / `right` (side views: which way the lifter faces in the image), `camera`, `away`.
    #[serde(default)]
    pub facing: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct GtLift {
    /// `conventional` or `romanian`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub variant: String,
    #[serde(default)]
    pub reps: Option<usize>,
    #[serde(default)]
    pub style: Option<String>,
}

/// One repetition: event frames (`None` where the variant has no such event) and its faults.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct GtRep {
    /// 1-based.
    pub index: usize,
    #[serde(default)]
    pub setup_frame: Option<usize>,
    #[serde(default)]
    pub liftoff_frame: Option<usize>,
    #[serde(default)]
    pub knee_pass_frame: Option<usize>,
    #[serde(default)]
    pub lockout_frame: Option<usize>,
    #[serde(default)]
    pub setdown_frame: Option<usize>,
    #[serde(default)]
    pub bottom_frame: Option<usize>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub faults: Vec<GtFault>,
}

/// A fault injected on a rep.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct GtFault {
    /// snake_case kind, see [`check_for_fault`].
    pub kind: String,
    /// 0..1, 1 = the generator's largest version of the fault.
    #[serde(default)]
    pub severity: Option<f64>,
    /// Inclusive frame range where the fault is at least half expressed.
    #[serde(default)]
    pub frames: Option<[usize; 2]>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub param: BTreeMap<String, serde_json::Value>,
}

/// One rendered frame.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct GtFrame {
    pub i: usize,
    #[serde(default)]
    pub t: Option<f64>,
    /// 1-based rep the frame belongs to, if any.
    #[serde(default)]
    pub rep: Option<usize>,
    /// `stand`, `approach`, `setup`, `shoot`, `pull`, `top`, `lower`, `bottom`, `end`.
    #[serde(default)]
    pub phase: Option<String>,
    /// `[x, y, vis]` per BlazePose landmark, upright-frame pixels; vis 2 = visible, 1 = hidden
    /// by the bar or plates, 0 = hidden by the body or out of frame.
    #[serde(default, deserialize_with = "null_as_default")]
    pub blazepose33: Vec<[f64; 3]>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub angles: GtAngles,
    #[serde(default, deserialize_with = "null_as_default")]
    pub joints3d: GtJoints3d,
}

/// The generator's angles, degrees. Hip, knee and ankle are 3-D angles between the segments
/// (0..180, so never past straight); trunk and neck are measured in the sagittal plane.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct GtAngles {
    #[serde(default, rename = "hip_L")]
    pub hip_l: Option<f64>,
    #[serde(default, rename = "knee_L")]
    pub knee_l: Option<f64>,
    #[serde(default, rename = "ankle_L")]
    pub ankle_l: Option<f64>,
    #[serde(default, rename = "hip_R")]
    pub hip_r: Option<f64>,
    #[serde(default, rename = "knee_R")]
    pub knee_r: Option<f64>,
    #[serde(default, rename = "ankle_R")]
    pub ankle_r: Option<f64>,
    /// Mid-hip to mid-shoulder from vertical, + forward.
    #[serde(default)]
    pub trunk_from_vertical: Option<f64>,
    #[serde(default)]
    pub lumbar_flexion: Option<f64>,
    #[serde(default)]
    pub thoracic_flexion: Option<f64>,
    /// Trunk pitch minus the shoulder-to-ear pitch: + = head extended (looking up).
    #[serde(default)]
    pub neck_extension: Option<f64>,
}

/// World positions (metres; X lifter's left, Y up, Z lifter's forward).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct GtJoints3d {
    #[serde(default, deserialize_with = "null_as_default")]
    pub blazepose33: Vec<[f64; 3]>,
}

/// `null` reads as the type's default, so a generator writing `"faults": null` is not an error.
fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// GT fault kind -> the liftcheck rule meant to catch it. Both frontal-plane faults (a hip shift
/// and an uneven bar) are caught by the one left/right imbalance rule.
const FAULT_CHECKS: [(&str, CheckId); 14] = [
    ("thoracic_rounding", CheckId::UpperBackRounding),
    ("lumbar_rounding", CheckId::LowerBackRounding),
    ("hips_shoot_up", CheckId::HipsRiseFirst),
    ("shoulders_behind_bar", CheckId::ShouldersOverBar),
    ("bar_forward_of_midfoot", CheckId::BarOverMidfoot),
    ("bar_drift", CheckId::BarDrift),
    ("knees_forward", CheckId::KneesOverMidfoot),
    ("head_up", CheckId::HeadPosition),
    ("incomplete_lockout", CheckId::IncompleteLockout),
    ("lean_back", CheckId::LeanBackAtLockout),
    ("hip_shift", CheckId::LeftRightImbalance),
    ("uneven_bar", CheckId::LeftRightImbalance),
    ("rdl_locked_knees", CheckId::RdlKneesLocked),
    ("rdl_rounding", CheckId::RdlBackRounding),
];

/// The rule that should report a GT fault kind on a lift of GT variant `variant`; `None` for
/// kinds this build does not know. On a Romanian deadlift the back rules of the conventional
/// pull do not run: there a rounded back, upper or lower, is the RDL rounding rule's to find.
pub fn check_for_fault(kind: &str, variant: &str) -> Option<CheckId> {
    let check = FAULT_CHECKS.iter().find(|(k, _)| *k == kind).map(|(_, c)| *c)?;
    Some(match check {
        CheckId::UpperBackRounding | CheckId::LowerBackRounding if variant == "romanian" => CheckId::RdlBackRounding,
        other => other,
    })
}

impl GroundTruth {
    /// Reads and checks a ground-truth file.
    pub fn load(path: &Path) -> Result<Self, EvalError> {
        let text = std::fs::read_to_string(path).map_err(|error| EvalError::Read {
            path: path.to_path_buf(),
            error,
        })?;
        Self::from_json(&text).map_err(|e| e.at(path))
    }

    /// Parses and checks ground truth from JSON text (errors name the path `<json>`).
    pub fn from_json(text: &str) -> Result<Self, EvalError> {
        let origin = PathBuf::from("<json>");
        let gt: GroundTruth = serde_json::from_str(text).map_err(|error| EvalError::Parse {
            path: origin.clone(),
            error,
        })?;
        gt.validate()
            .map_err(|message| EvalError::Invalid { path: origin, message })?;
        Ok(gt)
    }

    /// What scoring relies on beyond the JSON shape.
    fn validate(&self) -> Result<(), String> {
        if self.schema_version != SCHEMA_VERSION {
            return Err(format!(
                "schema_version {} is not supported (this build reads {SCHEMA_VERSION})",
                self.schema_version
            ));
        }
        if !(self.video.fps.is_finite() && self.video.fps > 0.0) {
            return Err(format!("video.fps {} is not a positive number", self.video.fps));
        }
        if self.video.width == 0 || self.video.height == 0 {
            return Err(format!(
                "video size {}x{} is empty",
                self.video.width, self.video.height
            ));
        }
        let mut seen = HashSet::new();
        for f in &self.frames {
            if !seen.insert(f.i) {
                return Err(format!("frame {} appears twice", f.i));
            }
            if !f.blazepose33.is_empty() && f.blazepose33.len() != NUM_KEYPOINTS {
                return Err(format!(
                    "frame {}: blazepose33 has {} keypoints, expected {NUM_KEYPOINTS}",
                    f.i,
                    f.blazepose33.len()
                ));
            }
            if !f.joints3d.blazepose33.is_empty() && f.joints3d.blazepose33.len() != NUM_KEYPOINTS {
                return Err(format!(
                    "frame {}: joints3d.blazepose33 has {} points, expected {NUM_KEYPOINTS}",
                    f.i,
                    f.joints3d.blazepose33.len()
                ));
            }
        }
        let mut reps = HashSet::new();
        for r in &self.reps {
            if r.index == 0 || !reps.insert(r.index) {
                return Err(format!(
                    "rep index {} is zero or repeated (reps are numbered from 1)",
                    r.index
                ));
            }
        }
        Ok(())
    }

    /// The clip's name in reports: the video file named in the ground truth.
    pub fn name(&self) -> &str {
        &self.video.file
    }

    /// The lifter's side nearer the camera. From the camera position (world X is the lifter's
    /// left), else its azimuth; for square-on views (neither says), the side with more visible
    /// keypoints over the clip.
    pub fn near_side(&self) -> BodySide {
        /// Below this the camera is taken as square on (metres, or sine of the azimuth).
        const SQUARE_ON: f64 = 0.05;
        let lateral = match (self.camera.position, self.camera.yaw_deg) {
            (Some(p), _) if p[0].abs() > SQUARE_ON => Some(p[0]),
            (_, Some(yaw)) if yaw.to_radians().sin().abs() > SQUARE_ON => Some(yaw.to_radians().sin()),
            _ => None,
        };
        match lateral {
            Some(x) if x > 0.0 => BodySide::Left,
            Some(_) => BodySide::Right,
            None => {
                let visible = |side: &[usize]| -> usize {
                    self.frames
                        .iter()
                        .flat_map(|f| side.iter().filter_map(|&j| f.blazepose33.get(j)))
                        .filter(|k| k[2] >= VIS_VISIBLE)
                        .count()
                };
                if visible(&LEFT_JOINTS) >= visible(&RIGHT_JOINTS) {
                    BodySide::Left
                } else {
                    BodySide::Right
                }
            }
        }
    }

    /// True when no rep carries a fault: any finding on such a clip is a false alarm.
    pub fn is_good(&self) -> bool {
        self.reps.iter().all(|r| r.faults.is_empty())
    }

    /// Time of frame `i`, seconds (the frame's own `t` where given).
    pub(crate) fn time_of(&self, frame: &GtFrame) -> f64 {
        frame.t.unwrap_or(frame.i as f64 / self.video.fps)
    }

    /// Time span of a rep: its labelled frames, else its event frames; from the first frame's
    /// start to the last frame's end.
    pub(crate) fn rep_span(&self, rep: &GtRep) -> Option<(f64, f64)> {
        let mut frames = self.frames.iter().filter(|f| f.rep == Some(rep.index));
        if let Some(first) = frames.next() {
            let last = frames.next_back().unwrap_or(first);
            return Some((self.time_of(first), self.time_of(last) + 1.0 / self.video.fps));
        }
        let events = [
            rep.setup_frame,
            rep.liftoff_frame,
            rep.knee_pass_frame,
            rep.lockout_frame,
            rep.setdown_frame,
            rep.bottom_frame,
        ];
        let a = events.iter().flatten().min()?;
        let b = events.iter().flatten().max()?;
        Some(self.frames_span([*a, *b]))
    }

    /// The frame a rep's changes are measured from: its set-up, else its first labelled frame
    /// (a Romanian deadlift has no set-up on the floor).
    pub(crate) fn setup_frame(&self, rep: usize) -> Option<usize> {
        self.reps
            .iter()
            .find(|r| r.index == rep)
            .and_then(|r| r.setup_frame)
            .or_else(|| self.frames.iter().find(|f| f.rep == Some(rep)).map(|f| f.i))
    }

    /// Time span of an inclusive frame range.
    pub(crate) fn frames_span(&self, [a, b]: [usize; 2]) -> (f64, f64) {
        let fps = self.video.fps;
        (a.min(b) as f64 / fps, (a.max(b) + 1) as f64 / fps)
    }
}

const LEFT_JOINTS: [usize; 6] = [
    lm::LEFT_SHOULDER,
    lm::LEFT_HIP,
    lm::LEFT_KNEE,
    lm::LEFT_ANKLE,
    lm::LEFT_ELBOW,
    lm::LEFT_WRIST,
];
const RIGHT_JOINTS: [usize; 6] = [
    lm::RIGHT_SHOULDER,
    lm::RIGHT_HIP,
    lm::RIGHT_KNEE,
    lm::RIGHT_ANKLE,
    lm::RIGHT_ELBOW,
    lm::RIGHT_WRIST,
];

/// Shoulder, hip, knee, ankle, toe of one side.
fn side_joints(side: BodySide) -> [usize; 5] {
    match side {
        BodySide::Left => [
            lm::LEFT_SHOULDER,
            lm::LEFT_HIP,
            lm::LEFT_KNEE,
            lm::LEFT_ANKLE,
            lm::LEFT_FOOT_INDEX,
        ],
        BodySide::Right => [
            lm::RIGHT_SHOULDER,
            lm::RIGHT_HIP,
            lm::RIGHT_KNEE,
            lm::RIGHT_ANKLE,
            lm::RIGHT_FOOT_INDEX,
        ],
    }
}

/// One compared angle: a ground-truth value and liftcheck's per-frame value in the same
/// convention, degrees.
pub struct AngleDef {
    pub name: &'static str,
    /// Where the reference comes from (shown in reports).
    pub reference: &'static str,
    /// Counts towards the angle-error target (joint and trunk angles; the back measures are
    /// different quantities on the two sides and only indicative).
    pub in_target: bool,
    /// Compared as the change from the rep's set-up frame (both sides), as the rounding rules
    /// judge it.
    pub from_setup: bool,
    pub(crate) truth: fn(&GtFrame, BodySide) -> Option<f64>,
    pub(crate) ours: fn(&FrameMetrics) -> Option<f64>,
}

/// Reference of the angles the generator writes.
pub const REF_GT: &str = "gt angles";
/// Reference recomputed from the generator's 3-D joints projected on the sagittal plane.
pub const REF_SAGITTAL: &str = "gt 3-D joints, sagittal";

/// Back references: spine flexion against the bend of the back outline, both as the change from
/// the rep's set-up. Different measures (joint angles vs the curve of the skin), so trends only.
pub const REF_THORACIC: &str = "gt thoracic_flexion, from set-up";
pub const REF_LUMBAR: &str = "gt lumbar_flexion, from set-up";

/// The compared angles.
///
/// * hip/knee/ankle vs the GT's near-side angles: liftcheck reports interior angles (0..180,
///   180 = straight); any value past 180 (a signed convention) is folded back (`360 - v`) so
///   both sides read the unsigned angle between the segments. The GT's are 3-D angles, which
///   include the frontal-plane part a side view cannot see (shoulders wider than the hips, knees
///   out): near straight they read up to ~15 degrees less than the same pose seen from the side;
/// * the `_sagittal` rows compare the same liftcheck values with interior angles recomputed from
///   the GT's 3-D joints projected on the lifter's sagittal plane (forward, up) with liftcheck's
///   own definitions: what a side view can measure;
/// * trunk: `trunk_from_vertical` vs `trunk_deg`, same convention (0 upright, + forward);
/// * neck: the GT's extension is relative to the trunk, liftcheck's `neck_deg` is the
///   ear-shoulder-hip angle with 180 = in line and more = extended, so GT `180 + neck_extension`
///   is compared with `neck_deg`;
/// * back: GT thoracic/lumbar flexion (spine joint angles) vs the bend of the upper/lower half of
///   the back outline, each as the change from the rep's set-up frame (the rounding rules judge
///   the change); different measures, reported for trends only.
pub const ANGLES: [AngleDef; 10] = [
    AngleDef {
        name: "hip",
        reference: REF_GT,
        in_target: true,
        from_setup: false,
        truth: |f, s| side_angle(&f.angles, s, |a| (a.hip_l, a.hip_r)),
        ours: |m| m.hip_deg.map(|v| fold(v.into())),
    },
    AngleDef {
        name: "knee",
        reference: REF_GT,
        in_target: true,
        from_setup: false,
        truth: |f, s| side_angle(&f.angles, s, |a| (a.knee_l, a.knee_r)),
        ours: |m| m.knee_deg.map(|v| fold(v.into())),
    },
    AngleDef {
        name: "ankle",
        reference: REF_GT,
        in_target: true,
        from_setup: false,
        truth: |f, s| side_angle(&f.angles, s, |a| (a.ankle_l, a.ankle_r)),
        ours: |m| m.ankle_deg.map(|v| fold(v.into())),
    },
    AngleDef {
        name: "trunk",
        reference: REF_GT,
        in_target: true,
        from_setup: false,
        truth: |f, _| f.angles.trunk_from_vertical,
        ours: |m| m.trunk_deg.map(f64::from),
    },
    AngleDef {
        name: "neck",
        reference: REF_GT,
        in_target: true,
        from_setup: false,
        truth: |f, _| f.angles.neck_extension.map(|e| 180.0 + e),
        ours: |m| m.neck_deg.map(f64::from),
    },
    AngleDef {
        name: "hip_sagittal",
        reference: REF_SAGITTAL,
        in_target: true,
        from_setup: false,
        truth: |f, s| sagittal(f, s, SagittalAngle::Hip),
        ours: |m| m.hip_deg.map(|v| fold(v.into())),
    },
    AngleDef {
        name: "knee_sagittal",
        reference: REF_SAGITTAL,
        in_target: true,
        from_setup: false,
        truth: |f, s| sagittal(f, s, SagittalAngle::Knee),
        ours: |m| m.knee_deg.map(|v| fold(v.into())),
    },
    AngleDef {
        name: "ankle_sagittal",
        reference: REF_SAGITTAL,
        in_target: true,
        from_setup: false,
        truth: |f, s| sagittal(f, s, SagittalAngle::Ankle),
        ours: |m| m.ankle_deg.map(|v| fold(v.into())),
    },
    AngleDef {
        name: "upper_back",
        reference: REF_THORACIC,
        in_target: false,
        from_setup: true,
        truth: |f, _| f.angles.thoracic_flexion,
        ours: |m| m.upper_back_deg.map(f64::from),
    },
    AngleDef {
        name: "lower_back",
        reference: REF_LUMBAR,
        in_target: false,
        from_setup: true,
        truth: |f, _| f.angles.lumbar_flexion,
        ours: |m| m.lower_back_deg.map(f64::from),
    },
];

fn side_angle(a: &GtAngles, side: BodySide, pick: fn(&GtAngles) -> (Option<f64>, Option<f64>)) -> Option<f64> {
    let (l, r) = pick(a);
    match side {
        BodySide::Left => l,
        BodySide::Right => r,
    }
}

/// A signed angle past 180 as the unsigned angle between the two segments.
fn fold(v: f64) -> f64 {
    let v = v.rem_euclid(360.0);
    if v > 180.0 { 360.0 - v } else { v }
}

#[derive(Clone, Copy)]
pub(crate) enum SagittalAngle {
    Hip,
    Knee,
    Ankle,
}

/// An interior angle (0..180) from the GT's 3-D joints seen along the lifter's left-right axis,
/// with liftcheck's definitions (`kinematics::joint_angle` in (forward, up) coordinates).
pub(crate) fn sagittal(f: &GtFrame, side: BodySide, angle: SagittalAngle) -> Option<f64> {
    let [sh, hip, knee, ankle, toe] = side_joints(side);
    let p = |j: usize| f.joints3d.blazepose33.get(j).map(|q| (q[2], q[1]));
    match angle {
        SagittalAngle::Hip => Some(fold(joint_angle(p(knee)?, p(hip)?, p(sh)?))),
        SagittalAngle::Knee => Some(fold(joint_angle(p(hip)?, p(knee)?, p(ankle)?))),
        SagittalAngle::Ankle => Some(fold(joint_angle(p(toe)?, p(ankle)?, p(knee)?))),
    }
}
