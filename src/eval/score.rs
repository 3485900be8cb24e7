//! Scoring one clip: liftcheck's pose track and analysis against the clip's ground truth.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use crate::analysis::{
    Analysis, BodySide, CheckId, Event, Finding, FrameMetrics, LiftVariant, NotAssessable, Rep, View,
};
use crate::pose::{KEYPOINT_NAMES, NUM_KEYPOINTS, PoseFrame, landmark as lm};
use crate::track::PoseTrack;

use super::truth::{ANGLES, GroundTruth, GtFrame, GtRep, VIS_VISIBLE, check_for_fault};

/// PCK threshold as a fraction of the torso (GT mid-shoulder to mid-hip on the same frame).
pub const PCK_TORSO_FRACTION: f64 = 0.05;

/// Frames whose GT torso is shorter than this (pixels) give no scale and are not scored.
const MIN_TORSO_PX: f64 = 1.0;

/// GT phase over which angle errors are also reported on their own.
const PULL_PHASE: &str = "pull";

/// Errors of one group of GT keypoints, kept raw so medians over many clips are exact.
#[derive(Clone, Debug, Default)]
pub(crate) struct KeypointAcc {
    errors_px: Vec<f32>,
    within: usize,
    points: usize,
}

impl KeypointAcc {
    /// One GT keypoint; `error_px` is `None` when liftcheck had no pose on the frame (a miss).
    fn add(&mut self, error_px: Option<f64>, torso_px: f64) {
        self.points += 1;
        if let Some(e) = error_px {
            self.errors_px.push(e as f32);
            if e <= PCK_TORSO_FRACTION * torso_px {
                self.within += 1;
            }
        }
    }

    pub(crate) fn merge(&mut self, other: &Self) {
        self.errors_px.extend_from_slice(&other.errors_px);
        self.within += other.within;
        self.points += other.points;
    }

    fn stats(&self) -> KeypointStats {
        KeypointStats {
            points: self.points,
            detected: self.errors_px.len(),
            median_px: median(&self.errors_px),
            pck: ratio(self.within, self.points),
        }
    }
}

/// Raw keypoint errors per joint, visible (index 0) and occluded (index 1).
#[derive(Clone, Debug)]
pub(crate) struct KeypointRaw {
    pub(crate) joints: Vec<[KeypointAcc; 2]>,
    pub(crate) out_of_frame: usize,
    pub(crate) unscored_frames: usize,
}

impl Default for KeypointRaw {
    fn default() -> Self {
        Self {
            joints: vec![Default::default(); NUM_KEYPOINTS],
            out_of_frame: 0,
            unscored_frames: 0,
        }
    }
}

impl KeypointRaw {
    pub(crate) fn merge(&mut self, other: &Self) {
        for (mine, theirs) in self.joints.iter_mut().zip(&other.joints) {
            mine[0].merge(&theirs[0]);
            mine[1].merge(&theirs[1]);
        }
        self.out_of_frame += other.out_of_frame;
        self.unscored_frames += other.unscored_frames;
    }

    pub(crate) fn score(&self) -> KeypointScore {
        let mut visible = KeypointAcc::default();
        let mut occluded = KeypointAcc::default();
        for j in &self.joints {
            visible.merge(&j[0]);
            occluded.merge(&j[1]);
        }
        KeypointScore {
            visible: visible.stats(),
            occluded: occluded.stats(),
            out_of_frame: self.out_of_frame,
            unscored_frames: self.unscored_frames,
            joints: self
                .joints
                .iter()
                .zip(KEYPOINT_NAMES)
                .map(|(j, name)| JointScore {
                    name,
                    visible: j[0].stats(),
                    occluded: j[1].stats(),
                })
                .collect(),
        }
    }
}

/// Pixel error and PCK of a group of GT keypoints.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct KeypointStats {
    /// GT keypoints in the group on scored frames.
    pub points: usize,
    /// Of those, the ones liftcheck gave (it had a pose on the frame).
    pub detected: usize,
    /// Median over the detected ones.
    pub median_px: Option<f64>,
    /// Share of `points` within [`PCK_TORSO_FRACTION`] of the torso; undetected count as misses.
    pub pck: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct JointScore {
    pub name: &'static str,
    /// GT vis 2.
    pub visible: KeypointStats,
    /// GT vis 1 (bar, plates) or 0 (body) while inside the frame.
    pub occluded: KeypointStats,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct KeypointScore {
    pub visible: KeypointStats,
    pub occluded: KeypointStats,
    /// GT keypoints outside the frame: not scored.
    pub out_of_frame: usize,
    /// Common frames without GT keypoints or with a degenerate torso.
    pub unscored_frames: usize,
    pub joints: Vec<JointScore>,
}

/// Error of one angle, liftcheck minus reference, degrees (difference wrapped into +-180).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct AngleScore {
    pub name: &'static str,
    pub reference: &'static str,
    /// Counts towards the angle target.
    pub in_target: bool,
    /// Frames where the reference exists (and liftcheck analysed the frame).
    pub gt_frames: usize,
    /// Frames where both exist.
    pub frames: usize,
    pub mae: Option<f64>,
    /// Mean signed error: a systematic offset shows here.
    pub bias: Option<f64>,
    /// Over the GT pull phase only.
    pub pull_frames: usize,
    pub mae_pull: Option<f64>,
    #[serde(skip)]
    pub(crate) sum_abs: f64,
    #[serde(skip)]
    pub(crate) sum_signed: f64,
    #[serde(skip)]
    pub(crate) sum_abs_pull: f64,
}

impl AngleScore {
    pub(crate) fn merge(&mut self, other: &Self) {
        self.gt_frames += other.gt_frames;
        self.frames += other.frames;
        self.pull_frames += other.pull_frames;
        self.sum_abs += other.sum_abs;
        self.sum_signed += other.sum_signed;
        self.sum_abs_pull += other.sum_abs_pull;
        self.finish();
    }

    fn finish(&mut self) {
        let n = self.frames as f64;
        self.mae = (self.frames > 0).then(|| self.sum_abs / n);
        self.bias = (self.frames > 0).then(|| self.sum_signed / n);
        self.mae_pull = (self.pull_frames > 0).then(|| self.sum_abs_pull / self.pull_frames as f64);
    }
}

/// Frames on each side and how many were scored (GT frames the pose track also has).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct FrameCounts {
    pub gt: usize,
    pub track: usize,
    pub analysis: usize,
    pub common: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RepCount {
    pub gt: usize,
    pub detected: usize,
    pub exact: bool,
}

/// A GT rep paired with a detected one (most time overlap first, one to one).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RepMatch {
    pub gt: usize,
    pub detected: usize,
    pub overlap_s: f64,
}

/// Rep events both sides know.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    LiftOff,
    KneePass,
    Lockout,
    SetDown,
    /// Romanian deadlift turnaround; scored only on RDL clips (the GT repeats set-down as the
    /// bottom of conventional reps).
    Bottom,
}

impl EventKind {
    pub const ALL: [EventKind; 5] = [
        EventKind::LiftOff,
        EventKind::KneePass,
        EventKind::Lockout,
        EventKind::SetDown,
        EventKind::Bottom,
    ];

    pub fn name(self) -> &'static str {
        match self {
            EventKind::LiftOff => "lift_off",
            EventKind::KneePass => "knee_pass",
            EventKind::Lockout => "lockout",
            EventKind::SetDown => "set_down",
            EventKind::Bottom => "bottom",
        }
    }

    fn truth(self, rep: &GtRep) -> Option<usize> {
        match self {
            EventKind::LiftOff => rep.liftoff_frame,
            EventKind::KneePass => rep.knee_pass_frame,
            EventKind::Lockout => rep.lockout_frame,
            EventKind::SetDown => rep.setdown_frame,
            EventKind::Bottom => rep.bottom_frame,
        }
    }

    fn detected(self, rep: &Rep) -> Option<Event> {
        match self {
            EventKind::LiftOff => rep.lift_off,
            EventKind::KneePass => rep.knee_pass,
            EventKind::Lockout => rep.lockout,
            EventKind::SetDown => rep.set_down,
            EventKind::Bottom => rep.bottom,
        }
    }
}

/// One event of one rep: matched (both frames), missed (GT only) or extra (detected only).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventScore {
    pub event: EventKind,
    pub gt_rep: Option<usize>,
    pub detected_rep: Option<usize>,
    pub gt_frame: Option<usize>,
    pub detected_frame: Option<usize>,
    /// Detected minus GT, frames.
    pub error_frames: Option<i64>,
    /// The same at the GT frame rate, milliseconds.
    pub error_ms: Option<f64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    TruePositive,
    FalseNegative,
    FalsePositive,
    /// A GT fault whose rule said "not assessable" on that rep: neither a hit nor a miss.
    NotAssessable,
}

/// One (rule, rep) unit: several GT kinds mapping to the same rule on a rep count once, as do
/// several findings of a rule on a rep.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FaultOutcome {
    pub check: CheckId,
    pub outcome: Outcome,
    pub gt_rep: Option<usize>,
    pub detected_rep: Option<usize>,
    /// GT kinds behind this unit (empty for false positives).
    pub gt_kinds: Vec<String>,
    /// Largest GT severity among them.
    pub severity: Option<f64>,
    /// Why the rule was not assessable.
    pub reason: Option<String>,
}

/// Everything measured on one clip.
#[derive(Clone, Debug, Serialize)]
pub struct ClipScore {
    pub name: String,
    /// Set when the clip could not be analysed: it then counts with no reps and no findings.
    pub error: Option<String>,
    pub gt_view: String,
    pub detected_view: Option<View>,
    pub gt_variant: String,
    pub detected_variant: Option<LiftVariant>,
    /// GT near side (angles are compared on this side).
    pub near_side: BodySide,
    pub detected_near_side: Option<BodySide>,
    pub frames: FrameCounts,
    pub keypoints: KeypointScore,
    pub angles: Vec<AngleScore>,
    pub reps: RepCount,
    pub rep_matches: Vec<RepMatch>,
    pub events: Vec<EventScore>,
    pub faults: Vec<FaultOutcome>,
    /// GT fault kinds with no rule mapped ([`check_for_fault`]); not scored.
    pub unmapped_faults: Vec<String>,
    /// No GT faults on any rep.
    pub good: bool,
    /// A good clip with at least one finding.
    pub false_alarm: bool,
    #[serde(skip)]
    pub(crate) keypoint_raw: KeypointRaw,
}

impl ClipScore {
    /// Outcomes of one kind.
    pub fn count(&self, outcome: Outcome) -> usize {
        self.faults.iter().filter(|f| f.outcome == outcome).count()
    }
}

/// Scores one analysed clip.
pub fn score_clip(gt: &GroundTruth, track: &PoseTrack, analysis: &Analysis) -> ClipScore {
    score(gt, Some(track), Some(analysis), None)
}

/// Scores a clip whose pose stage or analysis failed (`track` if the pose stage got that far):
/// it counts with no reps and no findings, so a failure costs what it should instead of
/// disappearing from the totals.
pub fn score_failed_clip(gt: &GroundTruth, track: Option<&PoseTrack>, error: &str) -> ClipScore {
    score(gt, track, None, Some(error.to_string()))
}

fn score(gt: &GroundTruth, track: Option<&PoseTrack>, analysis: Option<&Analysis>, error: Option<String>) -> ClipScore {
    let near_side = gt.near_side();
    let pose_frames: &[PoseFrame] = track.map_or(&[], |t| &t.frames);
    let metrics: &[FrameMetrics] = analysis.map_or(&[], |a| &a.frames);
    let reps: &[Rep] = analysis.map_or(&[], |a| &a.reps);
    let name = if gt.name().is_empty() {
        track
            .and_then(|t| t.video.path.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    } else {
        gt.name().to_string()
    };
    let by_index: HashMap<usize, &PoseFrame> = pose_frames.iter().map(|f| (f.index, f)).collect();
    let (keypoint_raw, common) = score_keypoints(gt, track.map(|_| &by_index));
    let matches = match_reps(gt, reps);
    let mut unmapped_faults = Vec::new();
    let (findings, not_assessable) = analysis.map_or((&[][..], &[][..]), |a| (&a.findings[..], &a.not_assessable[..]));
    let detected_view = analysis.map(|a| a.view.view);
    let faults = score_faults(
        gt,
        &matches,
        findings,
        not_assessable,
        detected_view,
        &mut unmapped_faults,
    );
    let good = gt.is_good();
    ClipScore {
        name,
        error,
        gt_view: gt.camera.view.clone(),
        detected_view: analysis.map(|a| a.view.view),
        gt_variant: gt.lift.variant.clone(),
        detected_variant: analysis.map(|a| a.variant),
        near_side,
        detected_near_side: analysis.and_then(|a| a.view.near_side),
        frames: FrameCounts {
            gt: gt.frames.len(),
            track: pose_frames.len(),
            analysis: metrics.len(),
            common,
        },
        keypoints: keypoint_raw.score(),
        angles: score_angles(gt, metrics, near_side),
        reps: RepCount {
            gt: gt.reps.len(),
            detected: reps.len(),
            // The same count is not enough: a missed rep and a phantom one would make it.
            exact: gt.reps.len() == reps.len() && matches.len() == gt.reps.len(),
        },
        events: score_events(gt, reps, &matches),
        rep_matches: matches,
        faults,
        unmapped_faults,
        good,
        false_alarm: good && analysis.is_some_and(|a| !a.findings.is_empty()),
        keypoint_raw,
    }
}

/// GT mid-shoulder to mid-hip, pixels.
fn torso_px(kp: &[[f64; 3]]) -> f64 {
    let mid = |a: usize, b: usize| (0.5 * (kp[a][0] + kp[b][0]), 0.5 * (kp[a][1] + kp[b][1]));
    let s = mid(lm::LEFT_SHOULDER, lm::RIGHT_SHOULDER);
    let h = mid(lm::LEFT_HIP, lm::RIGHT_HIP);
    (s.0 - h.0).hypot(s.1 - h.1)
}

/// Keypoint errors over the frames both sides have, and how many those are.
/// `track` is `None` for a clip whose pose stage never produced one: every frame's keypoints are
/// then misses (a failure costs what it should), whereas a track shorter than the truth (a
/// frame-count mismatch) is scored on the frames both have.
fn score_keypoints(gt: &GroundTruth, track: Option<&HashMap<usize, &PoseFrame>>) -> (KeypointRaw, usize) {
    let (w, h) = (f64::from(gt.video.width), f64::from(gt.video.height));
    let mut raw = KeypointRaw::default();
    let mut common = 0;
    for frame in &gt.frames {
        let pose_frame = match track {
            Some(t) => match t.get(&frame.i) {
                Some(f) => {
                    common += 1;
                    Some(*f)
                }
                None => continue,
            },
            None => None,
        };
        let kp = &frame.blazepose33;
        if kp.len() != NUM_KEYPOINTS {
            raw.unscored_frames += 1;
            continue;
        }
        let torso = torso_px(kp);
        if torso.is_nan() || torso < MIN_TORSO_PX {
            raw.unscored_frames += 1;
            continue;
        }
        for (j, &[x, y, vis]) in kp.iter().enumerate() {
            let in_frame = (0.0..w).contains(&x) && (0.0..h).contains(&y);
            let class = if !in_frame {
                raw.out_of_frame += 1;
                continue;
            } else if vis >= VIS_VISIBLE {
                0
            } else {
                1
            };
            let error = pose_frame
                .and_then(|f| f.pose.as_ref())
                .map(|p| {
                    let k = &p.keypoints[j];
                    (f64::from(k.x) - x).hypot(f64::from(k.y) - y)
                })
                .filter(|e| e.is_finite());
            raw.joints[j][class].add(error, torso);
        }
    }
    (raw, common)
}

/// `a - b` wrapped into [-180, 180).
fn angle_diff(a: f64, b: f64) -> f64 {
    (a - b + 180.0).rem_euclid(360.0) - 180.0
}

fn score_angles(gt: &GroundTruth, metrics: &[FrameMetrics], side: BodySide) -> Vec<AngleScore> {
    let by_index: HashMap<usize, &FrameMetrics> = metrics.iter().map(|m| (m.index, m)).collect();
    let gt_by_index: HashMap<usize, &GtFrame> = gt.frames.iter().map(|f| (f.i, f)).collect();
    ANGLES
        .iter()
        .map(|def| {
            let pair = |frame: &GtFrame| -> (Option<f64>, Option<f64>) {
                let truth = (def.truth)(frame, side);
                let ours = by_index
                    .get(&frame.i)
                    .and_then(|m| (def.ours)(m))
                    .filter(|v| v.is_finite());
                (truth, ours)
            };
            // Per rep, both sides' values on its set-up frame.
            let baselines: HashMap<usize, (f64, f64)> = if def.from_setup {
                gt.reps
                    .iter()
                    .filter_map(|r| {
                        let frame = gt_by_index.get(&gt.setup_frame(r.index)?)?;
                        match pair(frame) {
                            (Some(t), Some(o)) => Some((r.index, (t, o))),
                            _ => None,
                        }
                    })
                    .collect()
            } else {
                HashMap::new()
            };
            let mut s = AngleScore {
                name: def.name,
                reference: def.reference,
                in_target: def.in_target,
                ..Default::default()
            };
            for frame in &gt.frames {
                if !by_index.contains_key(&frame.i) {
                    continue;
                }
                let (Some(mut truth), ours) = pair(frame) else { continue };
                let mut ours = ours;
                if def.from_setup {
                    let Some(&(t0, o0)) = frame.rep.and_then(|r| baselines.get(&r)) else {
                        continue;
                    };
                    truth -= t0;
                    ours = ours.map(|o| o - o0);
                }
                s.gt_frames += 1;
                let Some(ours) = ours else { continue };
                let d = angle_diff(ours, truth);
                s.frames += 1;
                s.sum_abs += d.abs();
                s.sum_signed += d;
                if is_pull(frame) {
                    s.pull_frames += 1;
                    s.sum_abs_pull += d.abs();
                }
            }
            s.finish();
            s
        })
        .collect()
}

fn is_pull(frame: &GtFrame) -> bool {
    frame.phase.as_deref() == Some(PULL_PHASE)
}

/// Length of the overlap of two time spans (negative when apart).
fn overlap(a: (f64, f64), b: (f64, f64)) -> f64 {
    a.1.min(b.1) - a.0.max(b.0)
}

/// Pairs GT and detected reps one to one, most time overlap first; reps that do not overlap any
/// stay unmatched.
fn match_reps(gt: &GroundTruth, reps: &[Rep]) -> Vec<RepMatch> {
    let mut pairs = Vec::new();
    for g in &gt.reps {
        let Some(span) = gt.rep_span(g) else { continue };
        for d in reps {
            let o = overlap(span, (d.start_s, d.end_s));
            if o > 0.0 {
                pairs.push((o, g.index, d.number));
            }
        }
    }
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let (mut used_gt, mut used_det) = (HashSet::new(), HashSet::new());
    let mut out = Vec::new();
    for (o, g, d) in pairs {
        if used_gt.contains(&g) || used_det.contains(&d) {
            continue;
        }
        used_gt.insert(g);
        used_det.insert(d);
        out.push(RepMatch {
            gt: g,
            detected: d,
            overlap_s: o,
        });
    }
    out.sort_by_key(|m| m.gt);
    out
}

fn score_events(gt: &GroundTruth, reps: &[Rep], matches: &[RepMatch]) -> Vec<EventScore> {
    let kinds: &[EventKind] = if gt.lift.variant == "romanian" {
        &EventKind::ALL
    } else {
        &EventKind::ALL[..4]
    };
    let ms_per_frame = 1000.0 / gt.video.fps;
    let det_of = |g: usize| matches.iter().find(|m| m.gt == g).map(|m| m.detected);
    let matched_det: HashSet<usize> = matches.iter().map(|m| m.detected).collect();
    let mut out = Vec::new();
    let mut push = |event: EventKind, gt_rep, detected_rep, gt_frame: Option<usize>, det: Option<Event>| {
        if gt_frame.is_none() && det.is_none() {
            return;
        }
        let detected_frame = det.map(|e| e.frame);
        let error_frames = match (gt_frame, detected_frame) {
            (Some(g), Some(d)) => Some(d as i64 - g as i64),
            _ => None,
        };
        out.push(EventScore {
            event,
            gt_rep,
            detected_rep,
            gt_frame,
            detected_frame,
            error_frames,
            error_ms: error_frames.map(|e| e as f64 * ms_per_frame),
        });
    };
    for g in &gt.reps {
        let det = det_of(g.index).and_then(|n| reps.iter().find(|r| r.number == n));
        for &kind in kinds {
            push(
                kind,
                Some(g.index),
                det.map(|r| r.number),
                kind.truth(g),
                det.and_then(|r| kind.detected(r)),
            );
        }
    }
    for r in reps.iter().filter(|r| !matched_det.contains(&r.number)) {
        for &kind in kinds {
            push(kind, None, Some(r.number), None, kind.detected(r));
        }
    }
    out
}

/// A (rule, rep) unit on one side, with the time it covers.
struct Unit {
    span: Option<(f64, f64)>,
    kinds: Vec<String>,
    severity: Option<f64>,
}

fn union(a: Option<(f64, f64)>, b: Option<(f64, f64)>) -> Option<(f64, f64)> {
    match (a, b) {
        (Some(a), Some(b)) => Some((a.0.min(b.0), a.1.max(b.1))),
        (a, b) => a.or(b),
    }
}

/// Per-fault outcomes. A GT fault is hit by a finding of its rule on the matched detected rep,
/// else by one whose time overlaps the fault's frames (rep detection may be off by one); it is
/// "not assessable" when the rule said so on that rep, or on the whole clip with the rep found
/// and the view read as the camera's (a view misread, or a rep not found, leaves a fault the rule
/// could have judged missed, not excused); otherwise missed. Findings left over are false
/// positives.
fn score_faults(
    gt: &GroundTruth,
    matches: &[RepMatch],
    findings: &[Finding],
    not_assessable: &[NotAssessable],
    detected_view: Option<View>,
    unmapped: &mut Vec<String>,
) -> Vec<FaultOutcome> {
    let view_true = gt.camera.liftcheck_view();
    let mut truth: BTreeMap<(CheckId, usize), Unit> = BTreeMap::new();
    for rep in &gt.reps {
        let rep_span = gt.rep_span(rep);
        for fault in &rep.faults {
            let Some(check) = check_for_fault(&fault.kind, &gt.lift.variant) else {
                unmapped.push(fault.kind.clone());
                continue;
            };
            let span = fault.frames.map(|r| gt.frames_span(r)).or(rep_span);
            let unit = truth.entry((check, rep.index)).or_insert(Unit {
                span: None,
                kinds: Vec::new(),
                severity: None,
            });
            unit.span = union(unit.span, span);
            unit.kinds.push(fault.kind.clone());
            unit.severity = match (unit.severity, fault.severity) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
        }
    }
    let mut found: BTreeMap<(CheckId, usize), Unit> = BTreeMap::new();
    for f in findings {
        let unit = found.entry((f.check, f.rep)).or_insert(Unit {
            span: None,
            kinds: Vec::new(),
            severity: None,
        });
        unit.span = union(unit.span, Some((f.start_s, f.end_s)));
    }
    let det_of = |g: usize| matches.iter().find(|m| m.gt == g).map(|m| m.detected);
    let gt_of = |d: usize| matches.iter().find(|m| m.detected == d).map(|m| m.gt);

    // (gt key, detected key) pairs: same rep first, then by time overlap.
    let mut hits: Vec<((CheckId, usize), (CheckId, usize))> = Vec::new();
    let (mut hit_gt, mut hit_det) = (HashSet::new(), HashSet::new());
    for &(check, g) in truth.keys() {
        if let Some(d) = det_of(g).filter(|d| found.contains_key(&(check, *d))) {
            hits.push(((check, g), (check, d)));
            hit_gt.insert((check, g));
            hit_det.insert((check, d));
        }
    }
    let mut by_time = Vec::new();
    for (gk, gu) in truth.iter().filter(|(k, _)| !hit_gt.contains(*k)) {
        for (dk, du) in found.iter().filter(|(k, _)| k.0 == gk.0 && !hit_det.contains(*k)) {
            if let (Some(a), Some(b)) = (gu.span, du.span) {
                let o = overlap(a, b);
                // Spans that share time; a finding of one instant counts inside the fault's span
                // (spans that only touch, one ending where the next rep's begins, do not).
                let instant_inside = b.0 == b.1 && a.0 <= b.0 && b.0 < a.1;
                if o > 0.0 || instant_inside {
                    by_time.push((o, *gk, *dk));
                }
            }
        }
    }
    by_time.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    for (_, gk, dk) in by_time {
        if hit_gt.contains(&gk) || hit_det.contains(&dk) {
            continue;
        }
        hits.push((gk, dk));
        hit_gt.insert(gk);
        hit_det.insert(dk);
    }

    let mut out = Vec::new();
    for ((check, g), unit) in &truth {
        let hit = hits.iter().find(|(gk, _)| *gk == (*check, *g)).map(|(_, dk)| dk.1);
        let detected_rep = hit.or_else(|| det_of(*g));
        // The camera's view lets the rule judge, but liftcheck read another.
        let view_misread = view_true.is_some_and(|v| check.views().contains(&v)) && detected_view != view_true;
        let (outcome, reason) = match hit {
            Some(_) => (Outcome::TruePositive, None),
            None => match not_assessable.iter().find(|n| {
                n.check == *check
                    && match n.rep {
                        Some(r) => det_of(*g) == Some(r),
                        None => det_of(*g).is_some() && !view_misread,
                    }
            }) {
                Some(n) => (Outcome::NotAssessable, Some(n.reason.clone())),
                None => (Outcome::FalseNegative, None),
            },
        };
        out.push(FaultOutcome {
            check: *check,
            outcome,
            gt_rep: Some(*g),
            detected_rep,
            gt_kinds: unit.kinds.clone(),
            severity: unit.severity,
            reason,
        });
    }
    for &(check, d) in found.keys().filter(|k| !hit_det.contains(*k)) {
        out.push(FaultOutcome {
            check,
            outcome: Outcome::FalsePositive,
            gt_rep: gt_of(d),
            detected_rep: Some(d),
            gt_kinds: Vec::new(),
            severity: None,
            reason: None,
        });
    }
    out.sort_by_key(|f| (f.check, f.gt_rep.or(f.detected_rep)));
    out
}

fn ratio(num: usize, den: usize) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

/// Median of the values; `None` if there are none.
pub(crate) fn median(values: &[f32]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v: Vec<f32> = values.to_vec();
    v.sort_by(f32::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        f64::from(v[n / 2])
    } else {
        0.5 * (f64::from(v[n / 2 - 1]) + f64::from(v[n / 2]))
    })
}
