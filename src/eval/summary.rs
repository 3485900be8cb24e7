//! Pooling clip scores over a folder, and the two renderings: a table for people, JSON (via
//! `Serialize`) for machines.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use crate::analysis::CheckId;

use super::score::{
    AngleScore, ClipScore, EventKind, FrameCounts, KeypointRaw, KeypointScore, KeypointStats, Outcome,
    PCK_TORSO_FRACTION, median,
};
use super::truth::{REF_GT, REF_SAGITTAL};

/// Version of the summary's JSON layout.
pub const SUMMARY_SCHEMA_VERSION: u32 = 1;

/// The acceptance targets: reported next to the measurements, never used to tune.
const TARGET_FAULT_F1: f64 = 0.9;
const TARGET_REP_EXACT: f64 = 0.98;
const TARGET_GOOD_CLEAN: f64 = 0.95;
const TARGET_ANGLE_MAE_DEG: f64 = 5.0;

/// Precision, recall and F1 from counts; `None` where the denominator is zero.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CheckScore {
    /// `None` on the all-rules row.
    pub check: Option<CheckId>,
    pub tp: usize,
    pub fp: usize,
    #[serde(rename = "fn")]
    pub fn_: usize,
    /// GT faults the rule called not assessable (left out of recall).
    pub na: usize,
    pub precision: Option<f64>,
    pub recall: Option<f64>,
    pub f1: Option<f64>,
}

impl CheckScore {
    fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::TruePositive => self.tp += 1,
            Outcome::FalsePositive => self.fp += 1,
            Outcome::FalseNegative => self.fn_ += 1,
            Outcome::NotAssessable => self.na += 1,
        }
    }

    fn finish(&mut self) {
        let div = |a: usize, b: usize| (b > 0).then(|| a as f64 / b as f64);
        self.precision = div(self.tp, self.tp + self.fp);
        self.recall = div(self.tp, self.tp + self.fn_);
        self.f1 = div(2 * self.tp, 2 * self.tp + self.fp + self.fn_);
    }

    /// Whether the rule has an F1 worth counting: ground-truth faults it was scored on, or
    /// findings (a rule whose true faults were all "not assessable" but which flagged good reps
    /// scores 0, not nothing).
    fn scored(&self) -> bool {
        self.tp + self.fn_ + self.fp > 0
    }
}

/// Lower edges of the severity bands [`FaultSummary::by_severity`] splits true faults into, on
/// the renderer's 0-1 scale (the share of a fault's largest deviation: 16 degrees of lean-back,
/// 30 of lumbar flexion at 1; `scripts/synth/liftsynth/motion.py`). The suites draw severities
/// from 0.3 to 1.0, so the three bands hold about a third each.
pub const SEVERITY_BAND_FROM: [f64; 3] = [0.0, 0.5, 0.75];

/// Hits, misses and "not assessable" among true faults.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct TruthCounts {
    pub tp: usize,
    #[serde(rename = "fn")]
    pub fn_: usize,
    pub na: usize,
}

impl TruthCounts {
    fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::TruePositive => self.tp += 1,
            Outcome::FalseNegative => self.fn_ += 1,
            Outcome::NotAssessable => self.na += 1,
            Outcome::FalsePositive => {}
        }
    }

    pub fn recall(&self) -> Option<f64> {
        rate(self.tp, self.tp + self.fn_)
    }
}

/// True faults of one severity band: whether the misses are the slight faults that sit under a
/// rule's limit or the marked ones it should catch.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SeverityBand {
    /// Severities from this value up to the next band's `from` (the last band has no end).
    pub from: f64,
    pub all: TruthCounts,
    /// Per rule, rules with true faults in the band only.
    pub checks: BTreeMap<&'static str, TruthCounts>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct FaultSummary {
    /// Every rule, in report order.
    pub checks: Vec<CheckScore>,
    /// Counts summed over rules (micro average).
    pub overall: CheckScore,
    /// Mean F1 over rules with GT faults.
    pub macro_f1: Option<f64>,
    /// GT kinds without a rule, with how often they occurred.
    pub unmapped_kinds: BTreeMap<String, usize>,
    /// True faults by severity band ([`SEVERITY_BAND_FROM`]).
    pub by_severity: Vec<SeverityBand>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RepSummary {
    pub clips: usize,
    pub exact_clips: usize,
    pub exact_rate: Option<f64>,
    pub gt_reps: usize,
    pub detected_reps: usize,
    pub matched_reps: usize,
}

/// Timing of one event over all clips, detected minus GT.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventSummary {
    pub event: EventKind,
    pub matched: usize,
    /// In the GT, not detected (including events of missed reps).
    pub missed: usize,
    /// Detected where the GT has none (including events of extra reps).
    pub extra: usize,
    pub median_abs_frames: Option<f64>,
    pub mean_abs_ms: Option<f64>,
    pub max_abs_frames: Option<i64>,
    /// Mean signed error, frames: positive = detected late.
    pub bias_frames: Option<f64>,
}

/// Clips without GT faults: any finding there is a false alarm.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct GoodClips {
    pub clips: usize,
    /// Analysed and no finding.
    pub clean: usize,
    pub with_findings: usize,
    /// Analysed, no finding, but no rep found: nothing was judged, so not counted as clean.
    pub without_reps: usize,
    /// Not analysed (error): neither clean nor a false alarm, but not counted as clean.
    pub failed: usize,
    pub clean_rate: Option<f64>,
    /// Findings on good clips by rule.
    pub findings_by_check: BTreeMap<&'static str, usize>,
}

/// One acceptance target.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Target {
    pub name: &'static str,
    pub measured: Option<f64>,
    /// E.g. `>= 0.9`.
    pub target: String,
    /// `None` when nothing was measured.
    pub pass: Option<bool>,
}

/// One line per clip, with what went wrong in words.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClipBrief {
    pub name: String,
    pub error: Option<String>,
    pub gt_view: String,
    pub frames_gt: usize,
    pub frames_scored: usize,
    pub reps_gt: usize,
    pub reps_detected: usize,
    pub tp: usize,
    pub fp: usize,
    #[serde(rename = "fn")]
    pub fn_: usize,
    pub na: usize,
    pub false_alarm: bool,
    pub keypoint_median_visible_px: Option<f64>,
    pub keypoint_pck_visible: Option<f64>,
    pub problems: Vec<String>,
}

/// Scores pooled over clips.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub schema_version: u32,
    pub clips: usize,
    pub failed_clips: usize,
    pub pck_torso_fraction: f64,
    pub frames: FrameCounts,
    pub keypoints: KeypointScore,
    pub angles: Vec<AngleScore>,
    pub reps: RepSummary,
    pub events: Vec<EventSummary>,
    pub faults: FaultSummary,
    pub good_clips: GoodClips,
    pub targets: Vec<Target>,
    pub clip_results: Vec<ClipBrief>,
}

impl From<&[ClipScore]> for Summary {
    fn from(clips: &[ClipScore]) -> Self {
        Summary::new(clips)
    }
}

impl Summary {
    pub fn new(clips: &[ClipScore]) -> Self {
        let mut frames = FrameCounts::default();
        let mut raw = KeypointRaw::default();
        let mut angles: Vec<AngleScore> = Vec::new();
        for c in clips {
            frames.gt += c.frames.gt;
            frames.track += c.frames.track;
            frames.analysis += c.frames.analysis;
            frames.common += c.frames.common;
            raw.merge(&c.keypoint_raw);
            for a in &c.angles {
                match angles.iter_mut().find(|s| s.name == a.name) {
                    Some(s) => s.merge(a),
                    None => angles.push(a.clone()),
                }
            }
        }
        let reps = RepSummary {
            clips: clips.len(),
            exact_clips: clips.iter().filter(|c| c.reps.exact).count(),
            exact_rate: rate(clips.iter().filter(|c| c.reps.exact).count(), clips.len()),
            gt_reps: clips.iter().map(|c| c.reps.gt).sum(),
            detected_reps: clips.iter().map(|c| c.reps.detected).sum(),
            matched_reps: clips.iter().map(|c| c.rep_matches.len()).sum(),
        };
        let faults = fault_summary(clips);
        let good_clips = good_clips(clips);
        let targets = targets(&faults, &reps, &good_clips, &angles);
        Summary {
            schema_version: SUMMARY_SCHEMA_VERSION,
            clips: clips.len(),
            failed_clips: clips.iter().filter(|c| c.error.is_some()).count(),
            pck_torso_fraction: PCK_TORSO_FRACTION,
            frames,
            keypoints: raw.score(),
            angles,
            reps,
            events: EventKind::ALL.iter().map(|&k| event_summary(clips, k)).collect(),
            faults,
            good_clips,
            targets,
            clip_results: clips.iter().map(brief).collect(),
        }
    }

    /// Fixed-width plain text for a terminal.
    pub fn table(&self) -> String {
        let mut s = String::new();
        // Writing into a String cannot fail.
        let _ = self.write_table(&mut s);
        s
    }

    fn write_table(&self, s: &mut String) -> std::fmt::Result {
        writeln!(
            s,
            "liftcheck eval: {} clips ({} failed); frames: {} ground truth, {} decoded, {} scored",
            self.clips, self.failed_clips, self.frames.gt, self.frames.track, self.frames.common
        )?;

        writeln!(s, "\nTargets (from the issue; reported, not tuned against)")?;
        writeln!(s, "  {:<52} {:>8} {:>9}  result", "measure", "value", "target")?;
        for t in &self.targets {
            let result = match t.pass {
                Some(true) => "pass",
                Some(false) => "FAIL",
                None => "-",
            };
            writeln!(
                s,
                "  {:<52} {:>8} {:>9}  {result}",
                t.name,
                num(t.measured, 3),
                t.target
            )?;
        }

        writeln!(
            s,
            "\nKeypoints: error in px; PCK = share within {} x torso (no pose on the frame = miss)",
            self.pck_torso_fraction
        )?;
        writeln!(
            s,
            "  {:<18} {:>8} {:>8} {:>7}   {:>8} {:>8} {:>7}",
            "joint", "visible", "median", "PCK", "occluded", "median", "PCK"
        )?;
        let row = |s: &mut String, name: &str, v: &KeypointStats, o: &KeypointStats| {
            writeln!(
                s,
                "  {:<18} {:>8} {:>8} {:>7}   {:>8} {:>8} {:>7}",
                name,
                v.points,
                num(v.median_px, 1),
                num(v.pck, 3),
                o.points,
                num(o.median_px, 1),
                num(o.pck, 3)
            )
        };
        row(s, "all", &self.keypoints.visible, &self.keypoints.occluded)?;
        for j in self
            .keypoints
            .joints
            .iter()
            .filter(|j| j.visible.points + j.occluded.points > 0)
        {
            row(s, j.name, &j.visible, &j.occluded)?;
        }
        writeln!(
            s,
            "  not scored: {} points out of frame, {} frames without ground-truth keypoints",
            self.keypoints.out_of_frame, self.keypoints.unscored_frames
        )?;

        writeln!(s, "\nAngles, degrees (liftcheck - reference)")?;
        writeln!(
            s,
            "  {:<15} {:<36} {:>7} {:>8} {:>6} {:>6} {:>8}",
            "angle", "reference", "frames", "coverage", "MAE", "bias", "MAE pull"
        )?;
        for a in &self.angles {
            writeln!(
                s,
                "  {:<15} {:<36} {:>7} {:>8} {:>6} {:>6} {:>8}",
                a.name,
                a.reference,
                a.frames,
                pct(rate(a.frames, a.gt_frames)),
                num(a.mae, 2),
                signed(a.bias, 2),
                num(a.mae_pull, 2)
            )?;
        }
        writeln!(
            s,
            "  (back rows: spine flexion vs the bend of the back outline, different measures: trends only)"
        )?;

        let r = &self.reps;
        writeln!(
            s,
            "\nReps: exact count on {}/{} clips ({}); {} in ground truth, {} detected, {} matched",
            r.exact_clips,
            r.clips,
            pct(r.exact_rate),
            r.gt_reps,
            r.detected_reps,
            r.matched_reps
        )?;

        writeln!(s, "\nEvents, frames (detected - ground truth; ms at each clip's rate)")?;
        writeln!(
            s,
            "  {:<10} {:>7} {:>6} {:>5} {:>10} {:>11} {:>7} {:>6}",
            "event", "matched", "missed", "extra", "median |d|", "mean |d| ms", "max |d|", "bias"
        )?;
        for e in &self.events {
            writeln!(
                s,
                "  {:<10} {:>7} {:>6} {:>5} {:>10} {:>11} {:>7} {:>6}",
                e.event.name(),
                e.matched,
                e.missed,
                e.extra,
                num(e.median_abs_frames, 1),
                num(e.mean_abs_ms, 0),
                e.max_abs_frames.map_or_else(|| "-".into(), |v| v.to_string()),
                signed(e.bias_frames, 1)
            )?;
        }

        writeln!(
            s,
            "\nFaults per rule (NA = ground-truth fault the rule called not assessable: neither hit nor miss)"
        )?;
        writeln!(
            s,
            "  {:<22} {:>4} {:>4} {:>4} {:>4} {:>9} {:>6} {:>6}",
            "rule", "TP", "FP", "FN", "NA", "precision", "recall", "F1"
        )?;
        let fault_row = |s: &mut String, name: &str, c: &CheckScore| {
            writeln!(
                s,
                "  {:<22} {:>4} {:>4} {:>4} {:>4} {:>9} {:>6} {:>6}",
                name,
                c.tp,
                c.fp,
                c.fn_,
                c.na,
                num(c.precision, 3),
                num(c.recall, 3),
                num(c.f1, 3)
            )
        };
        for c in &self.faults.checks {
            fault_row(s, c.check.map_or("", |c| c.name()), c)?;
        }
        fault_row(s, "all (micro)", &self.faults.overall)?;
        writeln!(
            s,
            "  macro F1 over rules with faults or findings: {}",
            num(self.faults.macro_f1, 3)
        )?;
        let bands = &self.faults.by_severity;
        let described: Vec<String> = bands
            .iter()
            .zip(bands.iter().skip(1).map(|b| Some(b.from)).chain([None]))
            .map(|(b, to)| {
                let range = match to {
                    Some(to) if b.from <= 0.0 => format!("below {to:.2}"),
                    Some(to) => format!("{:.2}-{:.2}", b.from, to),
                    None => format!("{:.2} and up", b.from),
                };
                format!(
                    "{range}: {} / {} / {} (recall {})",
                    b.all.tp,
                    b.all.fn_,
                    b.all.na,
                    num(b.all.recall(), 3)
                )
            })
            .collect();
        writeln!(
            s,
            "  true faults by severity (render's 0-1 scale), TP / FN / not assessable: {}",
            described.join("; ")
        )?;
        if !self.faults.unmapped_kinds.is_empty() {
            let kinds: Vec<String> = self
                .faults
                .unmapped_kinds
                .iter()
                .map(|(k, n)| format!("{k} ({n})"))
                .collect();
            writeln!(
                s,
                "  ground-truth kinds without a rule (not scored): {}",
                kinds.join(", ")
            )?;
        }

        let g = &self.good_clips;
        writeln!(
            s,
            "\nGood clips (no ground-truth fault): {}, clean {} ({}), with findings {}, no rep found {}, failed {}",
            g.clips,
            g.clean,
            pct(g.clean_rate),
            g.with_findings,
            g.without_reps,
            g.failed
        )?;
        if !g.findings_by_check.is_empty() {
            let by: Vec<String> = g.findings_by_check.iter().map(|(k, n)| format!("{k} {n}")).collect();
            writeln!(s, "  findings there: {}", by.join(", "))?;
        }

        let problems: Vec<&ClipBrief> = self.clip_results.iter().filter(|c| !c.problems.is_empty()).collect();
        writeln!(
            s,
            "\nClips with problems: {} of {}",
            problems.len(),
            self.clip_results.len()
        )?;
        for c in problems {
            writeln!(s, "  {}: {}", c.name, c.problems.join("; "))?;
        }
        Ok(())
    }
}

fn rate(num: usize, den: usize) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

fn fault_summary(clips: &[ClipScore]) -> FaultSummary {
    let mut checks: Vec<CheckScore> = CheckId::ALL
        .iter()
        .map(|&c| CheckScore {
            check: Some(c),
            ..Default::default()
        })
        .collect();
    let mut overall = CheckScore::default();
    let mut unmapped_kinds = BTreeMap::new();
    let mut by_severity: Vec<SeverityBand> = SEVERITY_BAND_FROM
        .iter()
        .map(|&from| SeverityBand {
            from,
            ..Default::default()
        })
        .collect();
    for c in clips {
        for f in &c.faults {
            if let Some(row) = checks.iter_mut().find(|r| r.check == Some(f.check)) {
                row.add(f.outcome);
            }
            overall.add(f.outcome);
            if let Some(band) = f
                .severity
                .and_then(|v| by_severity.iter_mut().rev().find(|b| v >= b.from))
            {
                band.all.add(f.outcome);
                band.checks.entry(f.check.name()).or_default().add(f.outcome);
            }
        }
        for k in &c.unmapped_faults {
            *unmapped_kinds.entry(k.clone()).or_insert(0) += 1;
        }
    }
    checks.iter_mut().for_each(CheckScore::finish);
    overall.finish();
    let f1s: Vec<f64> = checks
        .iter()
        .filter(|c| c.scored())
        .map(|c| c.f1.unwrap_or(0.0))
        .collect();
    FaultSummary {
        macro_f1: (!f1s.is_empty()).then(|| f1s.iter().sum::<f64>() / f1s.len() as f64),
        checks,
        overall,
        unmapped_kinds,
        by_severity,
    }
}

fn good_clips(clips: &[ClipScore]) -> GoodClips {
    let good: Vec<&ClipScore> = clips.iter().filter(|c| c.good).collect();
    let failed = good.iter().filter(|c| c.error.is_some()).count();
    let with_findings = good.iter().filter(|c| c.false_alarm).count();
    let without_reps = good
        .iter()
        .filter(|c| c.error.is_none() && !c.false_alarm && c.reps.detected == 0)
        .count();
    let clean = good.len() - failed - with_findings - without_reps;
    let mut findings_by_check = BTreeMap::new();
    for c in &good {
        for f in c.faults.iter().filter(|f| f.outcome == Outcome::FalsePositive) {
            *findings_by_check.entry(f.check.name()).or_insert(0) += 1;
        }
    }
    GoodClips {
        clips: good.len(),
        clean,
        with_findings,
        without_reps,
        failed,
        clean_rate: rate(clean, good.len()),
        findings_by_check,
    }
}

fn event_summary(clips: &[ClipScore], kind: EventKind) -> EventSummary {
    let events = clips.iter().flat_map(|c| &c.events).filter(|e| e.event == kind);
    let (mut missed, mut extra) = (0, 0);
    let mut abs_frames: Vec<f32> = Vec::new();
    let (mut sum_ms, mut sum_signed, mut max_abs) = (0.0, 0.0, None::<i64>);
    for e in events {
        match (e.gt_frame, e.detected_frame, e.error_frames) {
            (Some(_), Some(_), Some(d)) => {
                abs_frames.push(d.unsigned_abs() as f32);
                sum_ms += e.error_ms.unwrap_or(0.0).abs();
                sum_signed += d as f64;
                max_abs = Some(max_abs.unwrap_or(0).max(d.abs()));
            }
            (Some(_), None, _) => missed += 1,
            _ => extra += 1,
        }
    }
    let n = abs_frames.len();
    EventSummary {
        event: kind,
        matched: n,
        missed,
        extra,
        median_abs_frames: median(&abs_frames),
        mean_abs_ms: (n > 0).then(|| sum_ms / n as f64),
        max_abs_frames: max_abs,
        bias_frames: (n > 0).then(|| sum_signed / n as f64),
    }
}

fn targets(faults: &FaultSummary, reps: &RepSummary, good: &GoodClips, angles: &[AngleScore]) -> Vec<Target> {
    let at_least = |name, measured: Option<f64>, target: f64| Target {
        name,
        measured,
        target: format!(">= {target:.2}"),
        pass: measured.map(|m| m >= target),
    };
    let worst_angle = |reference: &str| {
        angles
            .iter()
            .filter(|a| a.in_target && a.reference == reference)
            .filter_map(|a| a.mae)
            .reduce(f64::max)
    };
    let angle_target = |name, measured: Option<f64>| Target {
        name,
        measured,
        target: format!("<= {TARGET_ANGLE_MAE_DEG}"),
        pass: measured.map(|m| m <= TARGET_ANGLE_MAE_DEG),
    };
    let worst_f1 = faults
        .checks
        .iter()
        .filter(|c| c.scored())
        .map(|c| c.f1.unwrap_or(0.0))
        .reduce(f64::min);
    vec![
        at_least(
            "per-fault F1, worst rule with faults or findings",
            worst_f1,
            TARGET_FAULT_F1,
        ),
        at_least("rep count exact, share of clips", reps.exact_rate, TARGET_REP_EXACT),
        at_least("good clips without findings, share", good.clean_rate, TARGET_GOOD_CLEAN),
        angle_target("angle MAE deg, worst joint vs gt angles", worst_angle(REF_GT)),
        angle_target("angle MAE deg, worst joint vs gt sagittal", worst_angle(REF_SAGITTAL)),
    ]
}

fn brief(c: &ClipScore) -> ClipBrief {
    let mut problems = Vec::new();
    if let Some(e) = &c.error {
        problems.push(format!("not analysed: {e}"));
    }
    if !c.reps.exact {
        problems.push(format!(
            "{} reps detected, {} in ground truth",
            c.reps.detected, c.reps.gt
        ));
    }
    if c.frames.common < c.frames.gt {
        // One dropped final frame is the decoder's known habit, not worth a line.
        let dropped = c.frames.gt - c.frames.common;
        if dropped > 1 {
            problems.push(format!("{dropped} ground-truth frames not decoded"));
        }
    }
    for f in &c.faults {
        let rep = |r: Option<usize>| r.map_or_else(|| "?".into(), |r| r.to_string());
        match f.outcome {
            Outcome::FalseNegative => problems.push(format!(
                "missed {} ({}) on rep {}",
                f.check.name(),
                f.gt_kinds.join("+"),
                rep(f.gt_rep)
            )),
            Outcome::FalsePositive => problems.push(format!(
                "false {} on detected rep {}",
                f.check.name(),
                rep(f.detected_rep)
            )),
            Outcome::NotAssessable | Outcome::TruePositive => {}
        }
    }
    ClipBrief {
        name: c.name.clone(),
        error: c.error.clone(),
        gt_view: c.gt_view.clone(),
        frames_gt: c.frames.gt,
        frames_scored: c.frames.common,
        reps_gt: c.reps.gt,
        reps_detected: c.reps.detected,
        tp: c.count(Outcome::TruePositive),
        fp: c.count(Outcome::FalsePositive),
        fn_: c.count(Outcome::FalseNegative),
        na: c.count(Outcome::NotAssessable),
        false_alarm: c.false_alarm,
        keypoint_median_visible_px: c.keypoints.visible.median_px,
        keypoint_pck_visible: c.keypoints.visible.pck,
        problems,
    }
}

/// A number with `prec` decimals, `-` when missing.
fn num(v: Option<f64>, prec: usize) -> String {
    v.map_or_else(|| "-".into(), |v| format!("{v:.prec$}"))
}

fn signed(v: Option<f64>, prec: usize) -> String {
    v.map_or_else(|| "-".into(), |v| format!("{v:+.prec$}"))
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |v| format!("{:.1}%", 100.0 * v))
}
