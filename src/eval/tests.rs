//! Hand-made ground truth, tracks and analyses: each metric on a perfect match and on the ways
//! it goes wrong.

use std::path::PathBuf;

use super::*;
use crate::analysis::{
    Analysis, BarSource, BodySide, CheckId, Event, Facing, Finding, FrameMetrics, LiftVariant, NotAssessable, Rep,
    Severity, View, ViewEstimate,
};
use crate::pose::{Keypoint, NUM_KEYPOINTS, Pose, PoseFrame, landmark as lm};
use crate::track::PoseTrack;
use crate::video::VideoInfo;

const FPS: f64 = 30.0;
const W: u32 = 640;
const H: u32 = 480;
/// Frames per rep in the made-up clip; reps follow each other.
const REP_FRAMES: usize = 30;
/// Event offsets inside a rep: set-up, lift-off, knee pass, lockout, set-down.
const EVENTS: [usize; 5] = [2, 5, 10, 15, 25];

/// GT keypoint `j` on frame `f`: shoulders 100 px above the hips (torso 100 px, so PCK@0.05 is
/// 5 px), the nose out of frame, left side visible, right side hidden by the body, the left
/// wrist behind a plate.
fn gt_keypoint(j: usize, f: usize) -> [f64; 3] {
    let x = 50.0 + 10.0 * j as f64 + 0.25 * f as f64;
    let (x, y) = match j {
        lm::LEFT_SHOULDER | lm::RIGHT_SHOULDER => (200.0, 100.0),
        lm::LEFT_HIP | lm::RIGHT_HIP => (200.0, 200.0),
        lm::NOSE => (-10.0, 50.0),
        _ => (x, 300.0),
    };
    let vis = if j == lm::LEFT_WRIST {
        1.0
    } else if j >= 11 && j.is_multiple_of(2) {
        0.0
    } else {
        2.0
    };
    [x, y, vis]
}

fn gt_frame(f: usize, reps: usize) -> GtFrame {
    let rep = (f / REP_FRAMES + 1).min(reps);
    let within = f % REP_FRAMES;
    let phase = if (EVENTS[1]..EVENTS[3]).contains(&within) {
        "pull"
    } else {
        "lower"
    };
    GtFrame {
        i: f,
        t: Some(f as f64 / FPS),
        rep: Some(rep),
        phase: Some(phase.into()),
        blazepose33: (0..NUM_KEYPOINTS).map(|j| gt_keypoint(j, f)).collect(),
        angles: GtAngles {
            hip_l: Some(60.0 + f as f64),
            knee_l: Some(100.0 + 0.5 * f as f64),
            ankle_l: Some(90.0),
            hip_r: Some(0.0),
            knee_r: Some(0.0),
            ankle_r: Some(0.0),
            trunk_from_vertical: Some(45.0),
            lumbar_flexion: Some(1.0),
            thoracic_flexion: Some(2.0),
            neck_extension: Some(-5.0),
        },
        joints3d: GtJoints3d::default(),
    }
}

/// Two reps of 30 frames, side view from the lifter's left; `faults` as (rep, kind, frames).
fn gt(faults: &[(usize, &str, Option<[usize; 2]>)]) -> GroundTruth {
    let n_reps = 2;
    GroundTruth {
        schema_version: SCHEMA_VERSION,
        video: GtVideo {
            file: "clip.mp4".into(),
            width: W,
            height: H,
            fps: FPS,
            frame_count: Some(n_reps * REP_FRAMES),
        },
        camera: GtCamera {
            view: "side_left".into(),
            yaw_deg: Some(90.0),
            position: Some([2.9, 0.9, 0.0]),
        },
        subject: GtSubject {
            facing: Some("left".into()),
        },
        lift: GtLift {
            variant: "conventional".into(),
            reps: Some(n_reps),
            style: None,
        },
        reps: (1..=n_reps)
            .map(|r| {
                let base = (r - 1) * REP_FRAMES;
                GtRep {
                    index: r,
                    setup_frame: Some(base + EVENTS[0]),
                    liftoff_frame: Some(base + EVENTS[1]),
                    knee_pass_frame: Some(base + EVENTS[2]),
                    lockout_frame: Some(base + EVENTS[3]),
                    setdown_frame: Some(base + EVENTS[4]),
                    bottom_frame: Some(base + EVENTS[4]),
                    faults: faults
                        .iter()
                        .filter(|(fr, _, _)| *fr == r)
                        .map(|(_, kind, frames)| GtFault {
                            kind: kind.to_string(),
                            severity: Some(0.8),
                            frames: *frames,
                            param: Default::default(),
                        })
                        .collect(),
                }
            })
            .collect(),
        frames: (0..n_reps * REP_FRAMES).map(|f| gt_frame(f, n_reps)).collect(),
    }
}

/// liftcheck's keypoints = the GT's shifted by `offset`.
fn track(gt: &GroundTruth, offset: (f32, f32)) -> PoseTrack {
    PoseTrack {
        video: VideoInfo {
            path: PathBuf::from("clip.mp4"),
            width: W,
            height: H,
            fps: FPS,
            frame_count: gt.frames.len(),
            rotation_applied: 0,
            codec: "h264".into(),
        },
        frames: gt
            .frames
            .iter()
            .map(|f| {
                let mut keypoints = [Keypoint::default(); NUM_KEYPOINTS];
                for (k, g) in keypoints.iter_mut().zip(&f.blazepose33) {
                    k.x = g[0] as f32 + offset.0;
                    k.y = g[1] as f32 + offset.1;
                    k.visibility = 1.0;
                    k.presence = 1.0;
                }
                PoseFrame {
                    index: f.i,
                    time_s: f.i as f64 / FPS,
                    pose: Some(Pose { keypoints, score: 1.0 }),
                }
            })
            .collect(),
        back: vec![None; gt.frames.len()],
        plates: vec![None; gt.frames.len()],
        lines: Vec::new(),
        switched_to_lifter_at: None,
    }
}

fn event(frame: usize) -> Option<Event> {
    Some(Event {
        frame,
        time_s: frame as f64 / FPS,
        pos: frame,
    })
}

fn rep(number: usize, first_frame: usize) -> Rep {
    Rep {
        number,
        start_s: first_frame as f64 / FPS,
        end_s: (first_frame + REP_FRAMES) as f64 / FPS,
        lift_off: event(first_frame + EVENTS[1]),
        knee_pass: event(first_frame + EVENTS[2]),
        lockout: event(first_frame + EVENTS[3]),
        descent_start: event(first_frame + EVENTS[3] + 2),
        bottom: None,
        set_down: event(first_frame + EVENTS[4]),
        touch_and_go: false,
        tempo: Default::default(),
        metrics: Default::default(),
    }
}

fn finding(check: CheckId, rep: usize, frames: (usize, usize)) -> Finding {
    Finding {
        check,
        rep,
        start_s: frames.0 as f64 / FPS,
        end_s: frames.1 as f64 / FPS,
        measure: "test".into(),
        measured: 1.0,
        threshold: 0.5,
        unit: "deg",
        severity: Severity::Moderate,
        score: 0.5,
        cue: String::new(),
    }
}

/// What a perfect liftcheck would say about `gt`: the same angles, reps, events and faults.
fn analysis(gt: &GroundTruth) -> Analysis {
    let findings = gt
        .reps
        .iter()
        .flat_map(|r| {
            r.faults.iter().filter_map(move |f| {
                let check = check_for_fault(&f.kind, &gt.lift.variant)?;
                let base = (r.index - 1) * REP_FRAMES;
                Some(finding(check, r.index, (base + EVENTS[1], base + EVENTS[3])))
            })
        })
        .collect();
    Analysis {
        width: W,
        height: H,
        fps: FPS,
        view: ViewEstimate {
            view: View::Side,
            confidence: 1.0,
            yaw_deg: 0.0,
            facing: Some(Facing::Left),
            near_side: Some(BodySide::Left),
        },
        variant: LiftVariant::Conventional,
        variant_inferred: false,
        strictness: 1.0,
        bar_source: BarSource::Wrists,
        leg_length_px: Some(200.0),
        still_ankle_px: None,
        scale_cm_per_px: None,
        camera_roll_deg: None,
        camera_roll_corrected: false,
        standing_roll_deg: None,
        reps: gt
            .reps
            .iter()
            .map(|r| rep(r.index, (r.index - 1) * REP_FRAMES))
            .collect(),
        no_reps_reason: None,
        findings,
        not_assessable: Vec::new(),
        checks: Vec::new(),
        notes: Vec::new(),
        details: Vec::new(),
        frames: gt
            .frames
            .iter()
            .map(|f| FrameMetrics {
                index: f.i,
                time_s: f.i as f64 / FPS,
                hip_deg: f.angles.hip_l.map(|v| v as f32),
                knee_deg: f.angles.knee_l.map(|v| v as f32),
                ankle_deg: f.angles.ankle_l.map(|v| v as f32),
                trunk_deg: f.angles.trunk_from_vertical.map(|v| v as f32),
                neck_deg: f.angles.neck_extension.map(|v| 180.0 + v as f32),
                upper_back_deg: f.angles.thoracic_flexion.map(|v| v as f32),
                lower_back_deg: f.angles.lumbar_flexion.map(|v| v as f32),
                ..Default::default()
            })
            .collect(),
    }
}

fn angle<'a>(score: &'a ClipScore, name: &str) -> &'a AngleScore {
    score.angles.iter().find(|a| a.name == name).expect("angle row")
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-6)
}

#[test]
fn perfect_match_scores_ideal() {
    let good = gt(&[]);
    let gt = gt(&[(2, "hips_shoot_up", Some([35, 40])), (1, "head_up", None)]);
    let score = score_clip(&gt, &track(&gt, (0.0, 0.0)), &analysis(&gt));
    assert_eq!(score.frames.common, 60);
    for stats in [&score.keypoints.visible, &score.keypoints.occluded] {
        assert!(stats.points > 0);
        assert_eq!(stats.detected, stats.points);
        assert!(close(stats.median_px, 0.0) && close(stats.pck, 1.0), "{stats:?}");
    }
    // Nose out of frame on all 60 frames.
    assert_eq!(score.keypoints.out_of_frame, 60);
    for name in ["hip", "knee", "ankle", "trunk", "neck", "upper_back", "lower_back"] {
        let a = angle(&score, name);
        assert_eq!(a.frames, 60, "{name}");
        assert!(
            close(a.mae, 0.0) && close(a.bias, 0.0) && close(a.mae_pull, 0.0),
            "{name}: {a:?}"
        );
    }
    // No 3-D joints in this GT: no sagittal reference.
    assert_eq!(angle(&score, "hip_sagittal").frames, 0);
    assert!(score.reps.exact);
    assert_eq!(score.rep_matches.len(), 2);
    assert_eq!(score.events.len(), 8);
    assert!(score.events.iter().all(|e| e.error_frames == Some(0)));
    assert_eq!(score.count(Outcome::TruePositive), 2);
    assert_eq!(score.faults.len(), 2);
    assert!(!score.good && !score.false_alarm);

    let good_score = score_clip(&good, &track(&good, (0.0, 0.0)), &analysis(&good));
    assert!(good_score.good && !good_score.false_alarm && good_score.faults.is_empty());
    let summary = Summary::new(&[score, good_score]);
    let passes: Vec<Option<bool>> = summary.targets.iter().map(|t| t.pass).collect();
    // No 3-D joints: the sagittal target is not measured.
    assert_eq!(passes, [Some(true), Some(true), Some(true), Some(true), None]);
    assert!(close(summary.faults.overall.f1, 1.0));
    assert!(summary.clip_results.iter().all(|c| c.problems.is_empty()));
}

#[test]
fn keypoint_error_and_pck() {
    struct Case {
        offset: (f32, f32),
        drop_every: Option<usize>,
        median: f64,
        pck: f64,
    }
    let cases = [
        Case {
            offset: (3.0, 0.0),
            drop_every: None,
            median: 3.0,
            pck: 1.0,
        },
        // Exactly at 0.05 x 100 px counts as within.
        Case {
            offset: (3.0, 4.0),
            drop_every: None,
            median: 5.0,
            pck: 1.0,
        },
        Case {
            offset: (0.0, -6.0),
            drop_every: None,
            median: 6.0,
            pck: 0.0,
        },
        // No pose on every other frame: those points are misses.
        Case {
            offset: (1.0, 0.0),
            drop_every: Some(2),
            median: 1.0,
            pck: 0.5,
        },
    ];
    let gt = gt(&[]);
    for (n, c) in cases.iter().enumerate() {
        let mut tr = track(&gt, c.offset);
        if let Some(k) = c.drop_every {
            tr.frames.iter_mut().step_by(k).for_each(|f| f.pose = None);
        }
        let score = score_clip(&gt, &tr, &analysis(&gt));
        for stats in [&score.keypoints.visible, &score.keypoints.occluded] {
            assert!(
                close(stats.median_px, c.median) && close(stats.pck, c.pck),
                "case {n}: {stats:?}"
            );
        }
        let wrist = &score.keypoints.joints[lm::LEFT_WRIST];
        assert_eq!((wrist.visible.points, wrist.occluded.points), (0, 60), "case {n}");
        let right_hip = &score.keypoints.joints[lm::RIGHT_HIP];
        assert_eq!(
            (right_hip.visible.points, right_hip.occluded.points),
            (0, 60),
            "case {n}"
        );
    }
}

#[test]
fn angle_conventions() {
    struct Case {
        name: &'static str,
        set: fn(&mut FrameMetrics),
        truth: fn(&mut GtAngles),
        error: f64,
    }
    let cases = [
        // Past straight in a signed convention = 175 interior.
        Case {
            name: "hip",
            set: |m| m.hip_deg = Some(185.0),
            truth: |a| a.hip_l = Some(175.0),
            error: 0.0,
        },
        Case {
            name: "knee",
            set: |m| m.knee_deg = Some(170.0),
            truth: |a| a.knee_l = Some(173.0),
            error: -3.0,
        },
        // Unwrapped angles a turn away are the same angle.
        Case {
            name: "ankle",
            set: |m| m.ankle_deg = Some(450.0),
            truth: |a| a.ankle_l = Some(90.0),
            error: 0.0,
        },
        Case {
            name: "trunk",
            set: |m| m.trunk_deg = Some(-4.0),
            truth: |a| a.trunk_from_vertical = Some(-2.0),
            error: -2.0,
        },
        // 10 degrees of extension = ear-shoulder-hip 190.
        Case {
            name: "neck",
            set: |m| m.neck_deg = Some(190.0),
            truth: |a| a.neck_extension = Some(10.0),
            error: 0.0,
        },
        Case {
            name: "neck",
            set: |m| m.neck_deg = Some(170.0),
            truth: |a| a.neck_extension = Some(-4.0),
            error: -6.0,
        },
    ];
    for c in cases {
        let mut gt = gt(&[]);
        gt.frames.iter_mut().for_each(|f| (c.truth)(&mut f.angles));
        let mut an = analysis(&gt);
        an.frames.iter_mut().for_each(|m| (c.set)(m));
        let score = score_clip(&gt, &track(&gt, (0.0, 0.0)), &an);
        let a = angle(&score, c.name);
        assert!(
            close(a.bias, c.error) && close(a.mae, c.error.abs()),
            "{} {:?}",
            c.name,
            a
        );
    }
}

#[test]
fn back_angles_compare_changes_from_set_up() {
    let mut gt = gt(&[]);
    let mut an = analysis(&gt);
    // Rep 1 rounds by 10 degrees after frame 20; liftcheck sees 15 from its own offset of 30.
    for (f, m) in gt.frames.iter_mut().zip(&mut an.frames) {
        let rounded = (21..REP_FRAMES).contains(&f.i);
        f.angles.thoracic_flexion = Some(if rounded { 12.0 } else { 2.0 });
        m.upper_back_deg = Some(if rounded { 45.0 } else { 30.0 });
    }
    let score = score_clip(&gt, &track(&gt, (0.0, 0.0)), &an);
    let a = angle(&score, "upper_back");
    assert_eq!(a.frames, 60);
    assert!(
        close(a.mae, 9.0 * 5.0 / 60.0) && close(a.bias, 9.0 * 5.0 / 60.0),
        "{a:?}"
    );
}

#[test]
fn right_side_camera_compares_right_angles() {
    let mut gt = gt(&[]);
    gt.camera.position = Some([-2.9, 0.9, 0.0]);
    gt.camera.yaw_deg = Some(-90.0);
    assert_eq!(gt.near_side(), BodySide::Right);
    let score = score_clip(&gt, &track(&gt, (0.0, 0.0)), &analysis(&gt));
    // The made-up right-side angles are 0, liftcheck reports the left ones: a large error.
    assert!(angle(&score, "hip").mae.is_some_and(|m| m > 50.0));
}

#[test]
fn events_off_by_n_and_missing() {
    let gt = gt(&[]);
    let mut an = analysis(&gt);
    an.reps[0].lockout = event(EVENTS[3] + 2);
    an.reps[1].lockout = event(REP_FRAMES + EVENTS[3] - 1);
    an.reps[1].knee_pass = None;
    let score = score_clip(&gt, &track(&gt, (0.0, 0.0)), &an);
    let lockouts: Vec<Option<i64>> = score
        .events
        .iter()
        .filter(|e| e.event == EventKind::Lockout)
        .map(|e| e.error_frames)
        .collect();
    assert_eq!(lockouts, [Some(2), Some(-1)]);
    let summary = Summary::new(&[score]);
    let lockout = &summary.events[2];
    assert_eq!(lockout.event, EventKind::Lockout);
    assert_eq!((lockout.matched, lockout.missed, lockout.extra), (2, 0, 0));
    assert!(close(lockout.median_abs_frames, 1.5));
    assert!(close(lockout.mean_abs_ms, 1.5 * 1000.0 / FPS));
    assert!(close(lockout.bias_frames, 0.5));
    assert_eq!(lockout.max_abs_frames, Some(2));
    let knee = &summary.events[1];
    assert_eq!((knee.matched, knee.missed), (1, 1));
    // Conventional clips: no bottom event scored.
    assert_eq!(
        summary.events[4].matched + summary.events[4].missed + summary.events[4].extra,
        0
    );
}

#[test]
fn rep_count_and_matching() {
    let gt = gt(&[(2, "lean_back", None)]);
    // A phantom rep before the real ones shifts liftcheck's numbering by one.
    let mut an = analysis(&gt);
    let phantom = Rep {
        number: 1,
        start_s: -1.0,
        end_s: -0.5,
        ..rep(1, 0)
    };
    an.reps = vec![phantom.clone(), rep(2, 0), rep(3, REP_FRAMES)];
    an.findings = vec![finding(CheckId::LeanBackAtLockout, 3, (40, 45))];
    let score = score_clip(&gt, &track(&gt, (0.0, 0.0)), &an);
    assert!(!score.reps.exact);
    assert_eq!((score.reps.gt, score.reps.detected), (2, 3));
    let pairs: Vec<(usize, usize)> = score.rep_matches.iter().map(|m| (m.gt, m.detected)).collect();
    assert_eq!(pairs, [(1, 2), (2, 3)]);
    assert_eq!(score.count(Outcome::TruePositive), 1);
    // The phantom rep's events are extra.
    assert!(
        score
            .events
            .iter()
            .any(|e| e.detected_rep == Some(1) && e.gt_rep.is_none())
    );
    // A phantom rep and a missed one: the right count, but not an exact one.
    an.reps = vec![phantom, rep(2, 0)];
    let score = score_clip(&gt, &track(&gt, (0.0, 0.0)), &an);
    assert_eq!((score.reps.gt, score.reps.detected), (2, 2));
    assert!(!score.reps.exact);
}

#[test]
fn fault_outcomes() {
    struct Case {
        name: &'static str,
        faults: Vec<(usize, &'static str, Option<[usize; 2]>)>,
        findings: Vec<Finding>,
        not_assessable: Vec<NotAssessable>,
        want: Vec<(CheckId, Outcome)>,
        false_alarm: bool,
    }
    let na = |check, rep| NotAssessable {
        check,
        rep,
        reason: "hidden".into(),
    };
    let cases = [
        Case {
            name: "missed fault",
            faults: vec![(2, "hips_shoot_up", Some([35, 40]))],
            findings: vec![],
            not_assessable: vec![],
            want: vec![(CheckId::HipsRiseFirst, Outcome::FalseNegative)],
            false_alarm: false,
        },
        Case {
            name: "false alarm on a good clip",
            faults: vec![],
            findings: vec![finding(CheckId::BarDrift, 1, (5, 15))],
            not_assessable: vec![],
            want: vec![(CheckId::BarDrift, Outcome::FalsePositive)],
            false_alarm: true,
        },
        Case {
            name: "right rule, wrong rep",
            faults: vec![(1, "bar_drift", Some([5, 15]))],
            findings: vec![finding(CheckId::BarDrift, 2, (35, 45))],
            not_assessable: vec![],
            want: vec![
                (CheckId::BarDrift, Outcome::FalseNegative),
                (CheckId::BarDrift, Outcome::FalsePositive),
            ],
            false_alarm: false,
        },
        Case {
            name: "wrong rep number but overlapping in time",
            faults: vec![(1, "bar_drift", Some([5, 15]))],
            findings: vec![finding(CheckId::BarDrift, 7, (10, 12))],
            not_assessable: vec![],
            want: vec![(CheckId::BarDrift, Outcome::TruePositive)],
            false_alarm: false,
        },
        Case {
            name: "a finding that only touches the fault's time is not a hit",
            faults: vec![(1, "bar_drift", Some([5, 15]))],
            findings: vec![finding(CheckId::BarDrift, 7, (16, 20))],
            not_assessable: vec![],
            want: vec![
                (CheckId::BarDrift, Outcome::FalseNegative),
                (CheckId::BarDrift, Outcome::FalsePositive),
            ],
            false_alarm: false,
        },
        Case {
            name: "a finding of one instant within the fault's time is a hit",
            faults: vec![(1, "bar_drift", Some([5, 15]))],
            findings: vec![finding(CheckId::BarDrift, 7, (10, 10))],
            not_assessable: vec![],
            want: vec![(CheckId::BarDrift, Outcome::TruePositive)],
            false_alarm: false,
        },
        Case {
            name: "two kinds, one rule, one finding",
            faults: vec![(1, "hip_shift", None), (1, "uneven_bar", None)],
            findings: vec![finding(CheckId::LeftRightImbalance, 1, (5, 15))],
            not_assessable: vec![],
            want: vec![(CheckId::LeftRightImbalance, Outcome::TruePositive)],
            false_alarm: false,
        },
        Case {
            name: "not assessable on the rep",
            faults: vec![(2, "thoracic_rounding", None)],
            findings: vec![],
            not_assessable: vec![na(CheckId::UpperBackRounding, Some(2))],
            want: vec![(CheckId::UpperBackRounding, Outcome::NotAssessable)],
            false_alarm: false,
        },
        Case {
            name: "not assessable on the whole clip",
            faults: vec![(1, "hip_shift", None)],
            findings: vec![],
            not_assessable: vec![na(CheckId::LeftRightImbalance, None)],
            want: vec![(CheckId::LeftRightImbalance, Outcome::NotAssessable)],
            false_alarm: false,
        },
        Case {
            name: "not assessable on another rep is still a miss",
            faults: vec![(2, "thoracic_rounding", None)],
            findings: vec![],
            not_assessable: vec![na(CheckId::UpperBackRounding, Some(1))],
            want: vec![(CheckId::UpperBackRounding, Outcome::FalseNegative)],
            false_alarm: false,
        },
        Case {
            name: "unknown kind is not scored",
            faults: vec![(1, "wobbly_elbows", None)],
            findings: vec![],
            not_assessable: vec![],
            want: vec![],
            false_alarm: false,
        },
    ];
    for c in cases {
        let gt = gt(&c.faults);
        let mut an = analysis(&gt);
        an.findings = c.findings;
        an.not_assessable = c.not_assessable;
        let score = score_clip(&gt, &track(&gt, (0.0, 0.0)), &an);
        let got: Vec<(CheckId, Outcome)> = score.faults.iter().map(|f| (f.check, f.outcome)).collect();
        assert_eq!(got, c.want, "{}", c.name);
        assert_eq!(score.false_alarm, c.false_alarm, "{}", c.name);
        if c.name.starts_with("unknown") {
            assert_eq!(score.unmapped_faults, ["wobbly_elbows"]);
            assert!(!score.good);
        }
    }
}

/// On a Romanian deadlift a rounded back is the RDL rounding rule's to find (the conventional
/// pull's back rules do not run there): found by it, a hit; found by the conventional rule (the
/// lift read as conventional), a miss and a false finding.
#[test]
fn back_rounding_on_a_romanian_deadlift_is_the_rdl_rules() {
    for (kind, variant, want) in [
        ("thoracic_rounding", "conventional", CheckId::UpperBackRounding),
        ("lumbar_rounding", "conventional", CheckId::LowerBackRounding),
        ("thoracic_rounding", "romanian", CheckId::RdlBackRounding),
        ("lumbar_rounding", "romanian", CheckId::RdlBackRounding),
        ("rdl_rounding", "romanian", CheckId::RdlBackRounding),
        ("head_up", "romanian", CheckId::HeadPosition),
    ] {
        assert_eq!(check_for_fault(kind, variant), Some(want), "{kind} on {variant}");
    }
    let mut truth = gt(&[(1, "thoracic_rounding", None)]);
    truth.lift.variant = "romanian".into();
    for (check, want) in [
        (
            CheckId::RdlBackRounding,
            vec![(CheckId::RdlBackRounding, Outcome::TruePositive)],
        ),
        (
            CheckId::UpperBackRounding,
            vec![
                (CheckId::UpperBackRounding, Outcome::FalsePositive),
                (CheckId::RdlBackRounding, Outcome::FalseNegative),
            ],
        ),
    ] {
        let mut an = analysis(&truth);
        an.findings = vec![finding(check, 1, (5, 15))];
        let score = score_clip(&truth, &track(&truth, (0.0, 0.0)), &an);
        let got: Vec<(CheckId, Outcome)> = score.faults.iter().map(|f| (f.check, f.outcome)).collect();
        assert_eq!(got, want, "{check:?}");
    }
}

/// A "not assessable" for the whole clip excuses a fault only where it was the rule's honest
/// answer: on a clip whose rep was found and whose view was read as the camera's. A side view
/// read as a rear one, or a rep never found, leaves the fault missed.
#[test]
fn clip_wide_not_assessable_needs_the_rep_found_and_the_view_read_right() {
    let gt = gt(&[(1, "lean_back", None)]);
    // (case, view read, reps found, outcome)
    let cases = [
        ("side read as side", View::Side, true, Outcome::NotAssessable),
        ("side read as rear", View::Rear, true, Outcome::FalseNegative),
        ("rep not found", View::Side, false, Outcome::FalseNegative),
    ];
    for (name, view, reps_found, want) in cases {
        let mut an = analysis(&gt);
        an.findings.clear();
        an.view.view = view;
        if !reps_found {
            an.reps.clear();
        }
        an.not_assessable = vec![NotAssessable {
            check: CheckId::LeanBackAtLockout,
            rep: None,
            reason: "not assessable from this view".into(),
        }];
        let score = score_clip(&gt, &track(&gt, (0.0, 0.0)), &an);
        let got: Vec<Outcome> = score.faults.iter().map(|f| f.outcome).collect();
        assert_eq!(got, [want], "{name}");
    }
}

#[test]
fn summary_pools_counts() {
    let faulty = gt(&[(1, "hips_shoot_up", None), (2, "hips_shoot_up", None)]);
    let mut missed_one = analysis(&faulty);
    missed_one.findings.truncate(1);
    let good = gt(&[]);
    let mut alarmed = analysis(&good);
    // A rule with findings and no true fault scores 0 in the macro F1, not nothing.
    alarmed.findings = vec![
        finding(CheckId::HipsRiseFirst, 1, (5, 10)),
        finding(CheckId::BarDrift, 2, (35, 40)),
    ];
    // A good clip where no rep was found: nothing judged, so not clean either.
    let mut no_reps = analysis(&good);
    no_reps.reps.clear();
    let clips = [
        score_clip(&faulty, &track(&faulty, (0.0, 0.0)), &missed_one),
        score_clip(&good, &track(&good, (0.0, 0.0)), &alarmed),
        score_clip(&good, &track(&good, (0.0, 0.0)), &analysis(&good)),
        score_failed_clip(&good, None, "no lifter found"),
        score_clip(&good, &track(&good, (0.0, 0.0)), &no_reps),
    ];
    let s = Summary::from(&clips[..]);
    let hips = s
        .faults
        .checks
        .iter()
        .find(|c| c.check == Some(CheckId::HipsRiseFirst))
        .expect("row");
    assert_eq!((hips.tp, hips.fp, hips.fn_), (1, 1, 1));
    assert!(close(hips.precision, 0.5) && close(hips.recall, 0.5) && close(hips.f1, 0.5));
    assert!(close(s.faults.macro_f1, 0.25));
    assert_eq!(
        (
            s.good_clips.clips,
            s.good_clips.clean,
            s.good_clips.with_findings,
            s.good_clips.without_reps,
            s.good_clips.failed
        ),
        (4, 1, 1, 1, 1)
    );
    assert_eq!(s.failed_clips, 1);
    // The failed clip and the one without reps detected none.
    assert_eq!((s.reps.exact_clips, s.reps.gt_reps, s.reps.detected_reps), (3, 10, 6));
    assert_eq!(s.targets[0].pass, Some(false));
    // Keypoints: four tracked clips pooled, and the failed one, which has no track, adds its
    // keypoints as misses.
    assert_eq!(s.keypoints.visible.points, 5 * clips[0].keypoints.visible.points);
    assert_eq!(clips[3].keypoints.visible.pck, Some(0.0));

    let table = s.table();
    for want in [
        "Targets",
        "hips_rise_first",
        "left_shoulder",
        "lift_off",
        "Good clips",
        "not analysed: no lifter found",
    ] {
        assert!(table.contains(want), "missing {want:?} in\n{table}");
    }
    let json: serde_json::Value = serde_json::to_value(&s).expect("json");
    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["faults"]["overall"]["fn"], 1);
    assert!(json["clip_results"][3]["error"].is_string());
}

#[test]
fn true_faults_are_split_by_severity_band() {
    // (severity of the fault on rep 1, of the one on rep 2, band lower edge -> (tp, fn));
    // the analysis finds only rep 2's.
    type Case = (f64, f64, [(usize, usize); 3]);
    let cases: [Case; 3] = [
        (0.3, 0.9, [(0, 1), (0, 0), (1, 0)]),
        (0.5, 0.74, [(0, 0), (1, 1), (0, 0)]),
        (0.75, 0.49, [(1, 0), (0, 0), (0, 1)]),
    ];
    for (first, second, want) in cases {
        let mut truth = gt(&[(1, "hips_shoot_up", None), (2, "hips_shoot_up", None)]);
        truth.reps[0].faults[0].severity = Some(first);
        truth.reps[1].faults[0].severity = Some(second);
        let mut found_second = analysis(&truth);
        found_second.findings.retain(|f| f.rep == 2);
        let s = Summary::new(&[score_clip(&truth, &track(&truth, (0.0, 0.0)), &found_second)]);
        let bands = &s.faults.by_severity;
        assert_eq!(bands.iter().map(|b| b.from).collect::<Vec<_>>(), SEVERITY_BAND_FROM);
        let got: Vec<(usize, usize)> = bands.iter().map(|b| (b.all.tp, b.all.fn_)).collect();
        assert_eq!(got, want, "severities {first} and {second}");
        for b in bands {
            let rule = b.checks.get("hips_rise_first").copied().unwrap_or_default();
            assert_eq!(
                (rule.tp, rule.fn_),
                (b.all.tp, b.all.fn_),
                "severities {first} and {second}"
            );
        }
    }
}

#[test]
fn mismatched_frame_counts_score_the_common_frames() {
    let gt = gt(&[]);
    let mut tr = track(&gt, (2.0, 0.0));
    tr.frames.pop();
    let mut an = analysis(&gt);
    an.frames.pop();
    let score = score_clip(&gt, &tr, &an);
    assert_eq!(
        (
            score.frames.gt,
            score.frames.track,
            score.frames.analysis,
            score.frames.common
        ),
        (60, 59, 59, 59)
    );
    assert_eq!(score.keypoints.out_of_frame, 59);
    assert!(close(score.keypoints.visible.median_px, 2.0));
    assert_eq!(angle(&score, "hip").frames, 59);
    assert_eq!(angle(&score, "hip").gt_frames, 59);
    // One dropped final frame is not reported as a problem.
    assert!(Summary::new(&[score]).clip_results[0].problems.is_empty());
}

#[test]
fn ground_truth_parsing() {
    let frame = r#"{"i": 0, "rep": null, "phase": "stand", "blazepose33": [], "extra_field": 1}"#;
    let doc = |schema: &str, video: &str, reps: &str, frames: &str| {
        format!(r#"{{{schema} "video": {video}, "reps": {reps}, "frames": {frames}, "unknown_top": [1, 2]}}"#)
    };
    let video = r#"{"file": "a.mp4", "width": 64, "height": 48, "fps": 30}"#;
    let reps = r#"[{"index": 1, "liftoff_frame": null, "faults": null}]"#;
    let frames = format!("[{frame}]");
    let cases: Vec<(&str, String, Result<(), &str>)> = vec![
        ("lenient", doc(r#""schema_version": 1,"#, video, reps, &frames), Ok(())),
        (
            "missing frames",
            format!(r#"{{"schema_version": 1, "video": {video}, "reps": []}}"#),
            Err("missing field `frames`"),
        ),
        (
            "missing fps",
            doc(
                r#""schema_version": 1,"#,
                r#"{"width": 64, "height": 48}"#,
                reps,
                &frames,
            ),
            Err("missing field `fps`"),
        ),
        ("missing schema", doc("", video, reps, &frames), Err("schema_version")),
        (
            "newer schema",
            doc(r#""schema_version": 2,"#, video, reps, &frames),
            Err("schema_version 2 is not supported"),
        ),
        (
            "bad fps",
            doc(
                r#""schema_version": 1,"#,
                r#"{"width": 64, "height": 48, "fps": 0}"#,
                reps,
                &frames,
            ),
            Err("fps"),
        ),
        (
            "short keypoints",
            doc(
                r#""schema_version": 1,"#,
                video,
                reps,
                r#"[{"i": 0, "blazepose33": [[1, 2, 2]]}]"#,
            ),
            Err("1 keypoints"),
        ),
        (
            "repeated frame",
            doc(r#""schema_version": 1,"#, video, reps, r#"[{"i": 0}, {"i": 0}]"#),
            Err("frame 0 appears twice"),
        ),
        (
            "rep zero",
            doc(r#""schema_version": 1,"#, video, r#"[{"index": 0}]"#, &frames),
            Err("rep index 0"),
        ),
        ("not json", "{".into(), Err("not valid ground truth")),
    ];
    for (name, text, want) in cases {
        match (GroundTruth::from_json(&text), want) {
            (Ok(gt), Ok(())) => {
                assert_eq!(gt.reps[0].faults.len(), 0, "{name}");
                assert!(gt.is_good(), "{name}");
            }
            (Err(e), Err(msg)) => assert!(e.to_string().contains(msg), "{name}: {e}"),
            (got, want) => panic!("{name}: got {got:?}, want {want:?}"),
        }
    }
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("broken.json");
    std::fs::write(&path, "{}").expect("write");
    let err = GroundTruth::load(&path).expect_err("missing fields");
    assert!(err.to_string().contains("broken.json"), "{err}");
}

fn fixture() -> GroundTruth {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/side_good_2reps.json");
    GroundTruth::load(&path).expect("fixture")
}

#[test]
fn fixture_loads_with_its_conventions() {
    let gt = fixture();
    assert_eq!(gt.name(), "side_good_2reps.mp4");
    assert_eq!(gt.near_side(), BodySide::Left);
    assert!(gt.is_good());
    assert_eq!(gt.reps.len(), 2);
    assert_eq!(gt.frames.len(), gt.video.frame_count.unwrap_or(0));
}

/// The sagittal reference (GT 3-D joints seen from the side) agrees with the angles liftcheck's
/// own definitions give on the GT's 2-D keypoints, unlike the GT's 3-D angles near straight.
#[test]
fn fixture_sagittal_angles_match_the_side_view() {
    use crate::analysis::kinematics::joint_angle;
    let gt = fixture();
    let facing = -1.0; // the fixture's lifter faces left
    let canon = |f: &GtFrame, j: usize| (facing * f.blazepose33[j][0], -f.blazepose33[j][1]);
    let (mut worst_sagittal, mut worst_3d) = (0.0_f64, 0.0_f64);
    for f in &gt.frames {
        let image_hip = joint_angle(
            canon(f, lm::LEFT_KNEE),
            canon(f, lm::LEFT_HIP),
            canon(f, lm::LEFT_SHOULDER),
        );
        let image_knee = joint_angle(
            canon(f, lm::LEFT_HIP),
            canon(f, lm::LEFT_KNEE),
            canon(f, lm::LEFT_ANKLE),
        );
        let image_neck = joint_angle(
            canon(f, lm::LEFT_HIP),
            canon(f, lm::LEFT_SHOULDER),
            canon(f, lm::LEFT_EAR),
        );
        let metrics = FrameMetrics {
            hip_deg: Some(image_hip as f32),
            knee_deg: Some(image_knee as f32),
            neck_deg: Some(image_neck as f32),
            ..Default::default()
        };
        for def in ANGLES
            .iter()
            .filter(|d| ["hip_sagittal", "knee_sagittal", "neck"].contains(&d.name))
        {
            let truth = (def.truth)(f, BodySide::Left).expect("reference");
            let ours = (def.ours)(&metrics).expect("value");
            worst_sagittal = worst_sagittal.max((ours - truth).abs());
        }
        let gt_hip = f.angles.hip_l.expect("hip_L");
        let folded = if image_hip > 180.0 {
            360.0 - image_hip
        } else {
            image_hip
        };
        worst_3d = worst_3d.max((folded - gt_hip).abs());
    }
    assert!(worst_sagittal < 5.0, "sagittal reference off by {worst_sagittal}");
    assert!(worst_3d > 10.0, "3-D hip angle unexpectedly close: {worst_3d}");
}

#[test]
fn find_clips_pairs_videos_with_truth() {
    let dir = tempfile::tempdir().expect("dir");
    for name in [
        "b.mp4",
        "b.json",
        "a.MOV",
        "a.json",
        "lonely.mp4",
        "notes.txt",
        "other.json",
    ] {
        std::fs::write(dir.path().join(name), b"").expect("write");
    }
    let clips = find_clips(dir.path()).expect("list");
    let names: Vec<String> = clips
        .iter()
        .map(|c| {
            c.video
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(names, ["a.MOV", "b.mp4"]);
    assert!(clips.iter().all(|c| c.truth.extension().is_some_and(|e| e == "json")));
    assert!(find_clips(&dir.path().join("missing")).is_err());
}
