//! Scenario tests on generated keypoint sequences: each fault present and absent, mirrored,
//! noisy, other views, partly out of frame.

use super::synth::{self, Fault, Lift, Spec};
use super::*;
use crate::pose::landmark as lm;

/// The defaults with every rule and measure judging, those off by default included
/// ([`Config::lower_back_findings`], [`Config::rdl_knee_findings`],
/// [`Config::setup_position_findings`], [`Config::upper_back_bend_findings`]): these tests
/// exercise each rule's workings.
fn all_rules() -> Config {
    Config {
        lower_back_findings: true,
        rdl_knee_findings: true,
        setup_position_findings: true,
        upper_back_bend_findings: true,
        ..Config::default()
    }
}

fn run(spec: &Spec) -> Analysis {
    run_with(spec, LiftVariant::Auto, &all_rules())
}

fn run_with(spec: &Spec, variant: LiftVariant, cfg: &Config) -> Analysis {
    analyze_clip(&synth::generate(spec), variant, cfg)
}

/// Analysis of a generated clip, for tests that edit the clip first.
fn analyze_clip(clip: &synth::Clip, variant: LiftVariant, cfg: &Config) -> Analysis {
    match analyze(&clip.input(), variant, cfg) {
        Ok(a) => a,
        Err(e) => panic!("analysis failed: {e}"),
    }
}

/// The frame of a rep's event, which the test needs to be there.
fn frame_of(event: Option<Event>, what: &str) -> usize {
    match event {
        Some(e) => e.frame,
        None => panic!("no {what}"),
    }
}

fn checks_of(a: &Analysis, rep: usize) -> Vec<CheckId> {
    a.findings.iter().filter(|f| f.rep == rep).map(|f| f.check).collect()
}

/// Whether `rep` is not assessed for `check`, for any reason.
fn not_assessed(a: &Analysis, check: CheckId, rep: usize) -> bool {
    not_assessed_because(a, check, rep, "")
}

/// Whether `check` was reported not assessable on `rep` with a reason that says `says`.
fn not_assessed_because(a: &Analysis, check: CheckId, rep: usize, says: &str) -> bool {
    a.not_assessable
        .iter()
        .any(|n| n.check == check && n.rep == Some(rep) && n.reason.contains(says))
}

/// `check` is found on `rep` when `found`; otherwise the rep is not assessed for it, for a reason
/// that says `because` (`context` names the case in a failure).
fn assert_found_or_not_assessed(a: &Analysis, check: CheckId, rep: usize, found: bool, because: &str, context: &str) {
    assert_eq!(checks_of(a, rep).contains(&check), found, "{context}: {:?}", a.findings);
    if !found {
        assert!(
            not_assessed_because(a, check, rep, because),
            "{context}: {:?}",
            a.not_assessable
        );
    }
}

/// Noise as a pose model gives it: pixel jitter, dropped frames, the odd wild keypoint.
fn noisy(spec: Spec, seed: u64) -> Spec {
    Spec {
        noise_px: 1.5,
        drop_frac: 0.03,
        outlier_frac: 0.02,
        seed,
        ..spec
    }
}

/// The clip as generated, mirrored, and with pose-model noise: a rule must give the same verdict
/// on all three.
fn clean_mirrored_noisy(base: Spec) -> [(&'static str, Spec); 3] {
    [
        ("clean", base.clone()),
        (
            "mirrored",
            Spec {
                mirror: true,
                ..base.clone()
            },
        ),
        ("noisy", noisy(base, 7)),
    ]
}

struct FaultCase {
    name: &'static str,
    lift: Lift,
    yaw_deg: f64,
    fault: Fault,
    want: CheckId,
}

fn fault_cases() -> Vec<FaultCase> {
    let side = |name, fault, want| FaultCase {
        name,
        lift: Lift::Conventional,
        yaw_deg: 0.0,
        fault,
        want,
    };
    let rdl = |name, fault, want| FaultCase {
        name,
        lift: Lift::Romanian,
        yaw_deg: 0.0,
        fault,
        want,
    };
    let front = |name, fault, want| FaultCase {
        name,
        lift: Lift::Conventional,
        yaw_deg: 90.0,
        fault,
        want,
    };
    vec![
        side("hips rise first", Fault::HipsRiseFirst, CheckId::HipsRiseFirst),
        side(
            "shoulders behind bar",
            Fault::ShouldersBehindBar,
            CheckId::ShouldersOverBar,
        ),
        side(
            "bar ahead of mid-foot",
            Fault::BarAheadOfMidfoot,
            CheckId::BarOverMidfoot,
        ),
        side("bar drifts forward", Fault::BarDrift, CheckId::BarDrift),
        side("knees forward", Fault::KneesForward, CheckId::KneesOverMidfoot),
        side("looking up", Fault::HeadUp, CheckId::HeadPosition),
        side(
            "incomplete lockout",
            Fault::IncompleteLockout,
            CheckId::IncompleteLockout,
        ),
        side("leaning back", Fault::LeanBack, CheckId::LeanBackAtLockout),
        side("upper back rounds", Fault::UpperRounding, CheckId::UpperBackRounding),
        side(
            "back folds at mid-trunk",
            Fault::MidBackFold,
            CheckId::UpperBackRounding,
        ),
        side(
            "back rounded from the set-up on",
            Fault::RoundedAtSetup,
            CheckId::UpperBackRounding,
        ),
        side("lower back rounds", Fault::LowerRounding, CheckId::LowerBackRounding),
        rdl("rdl knees locked", Fault::RdlKneesLocked, CheckId::RdlKneesLocked),
        rdl("rdl rounding", Fault::RdlRounding, CheckId::RdlBackRounding),
        rdl("rdl bar drifts", Fault::BarDrift, CheckId::BarDrift),
        rdl("rdl looking up", Fault::HeadUp, CheckId::HeadPosition),
        rdl(
            "rdl incomplete lockout",
            Fault::IncompleteLockout,
            CheckId::IncompleteLockout,
        ),
        rdl("rdl leaning back", Fault::LeanBack, CheckId::LeanBackAtLockout),
        front("shoulder tilt", Fault::ShoulderTilt, CheckId::LeftRightImbalance),
        front("knees cave in", Fault::KneesInward, CheckId::KneesOverMidfoot),
    ]
}

/// Rep 2 carries the fault, reps 1 and 3 are good: the fault is found on rep 2 only, in the clean,
/// mirrored and noisy versions of the clip.
#[test]
fn each_fault_found_on_its_rep_only() {
    let mut failures = Vec::new();
    for case in fault_cases() {
        let base = Spec {
            lift: case.lift,
            yaw_deg: case.yaw_deg,
            faults: vec![None, Some(case.fault), None],
            ..Spec::default()
        };
        for (kind, spec) in clean_mirrored_noisy(base) {
            let a = run(&spec);
            let problems = [
                (a.reps.len() != 3).then(|| format!("{} reps", a.reps.len())),
                (!checks_of(&a, 2).contains(&case.want))
                    .then(|| format!("rep 2 lacks {:?}: {:?}", case.want, checks_of(&a, 2))),
                (!checks_of(&a, 1).is_empty() || !checks_of(&a, 3).is_empty())
                    .then(|| format!("good reps flagged: {:?} / {:?}", checks_of(&a, 1), checks_of(&a, 3))),
            ];
            for p in problems.into_iter().flatten() {
                failures.push(format!("{} ({kind}): {p}", case.name));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

struct GoodCase {
    name: &'static str,
    spec: Spec,
    reps: usize,
    variant: LiftVariant,
}

fn good_cases() -> Vec<GoodCase> {
    let conv = |name, spec, reps| GoodCase {
        name,
        spec,
        reps,
        variant: LiftVariant::Conventional,
    };
    vec![
        conv("side view", Spec::default(), 3),
        conv(
            "mirrored",
            Spec {
                mirror: true,
                ..Spec::default()
            },
            3,
        ),
        conv("noisy", noisy(Spec::default(), 11), 3),
        // Hips rising into the set-up before the pause are getting set, not the pull.
        conv(
            "settles into the set-up from below",
            noisy(
                Spec {
                    settle_from_below: true,
                    ..Spec::default()
                },
                14,
            ),
            3,
        ),
        conv(
            "reaches the bar with a rounded back, sets it flat before the pull",
            noisy(
                Spec {
                    reach_rounded: true,
                    ..Spec::default()
                },
                15,
            ),
            3,
        ),
        conv(
            "noisy mirrored",
            noisy(
                Spec {
                    mirror: true,
                    ..Spec::default()
                },
                12,
            ),
            3,
        ),
        conv(
            "touch and go",
            Spec {
                touch_and_go: true,
                reps: 5,
                ..Spec::default()
            },
            5,
        ),
        conv(
            "one rep",
            Spec {
                reps: 1,
                ..Spec::default()
            },
            1,
        ),
        conv(
            "starts at the bar",
            Spec {
                walk_in_out: false,
                ..Spec::default()
            },
            3,
        ),
        conv(
            "partial pull before",
            Spec {
                partial_pull: true,
                ..Spec::default()
            },
            3,
        ),
        conv(
            "60 fps",
            Spec {
                fps: 60.0,
                ..Spec::default()
            },
            3,
        ),
        conv(
            "15 fps",
            Spec {
                fps: 15.0,
                ..Spec::default()
            },
            3,
        ),
        conv(
            "with plate",
            Spec {
                plates: true,
                ..Spec::default()
            },
            3,
        ),
        conv(
            "no back outline",
            Spec {
                back_outline: false,
                ..Spec::default()
            },
            3,
        ),
        conv(
            "front view",
            Spec {
                yaw_deg: 90.0,
                ..Spec::default()
            },
            3,
        ),
        conv(
            "rear view",
            Spec {
                yaw_deg: -90.0,
                ..Spec::default()
            },
            3,
        ),
        conv(
            "noisy front view",
            noisy(
                Spec {
                    yaw_deg: 90.0,
                    ..Spec::default()
                },
                13,
            ),
            3,
        ),
        GoodCase {
            name: "romanian",
            spec: Spec {
                lift: Lift::Romanian,
                reps: 4,
                ..Spec::default()
            },
            reps: 4,
            variant: LiftVariant::Romanian,
        },
        GoodCase {
            name: "noisy mirrored romanian",
            spec: noisy(
                Spec {
                    lift: Lift::Romanian,
                    mirror: true,
                    ..Spec::default()
                },
                14,
            ),
            reps: 3,
            variant: LiftVariant::Romanian,
        },
    ]
}

/// Good clips: exact rep count, right variant, no fault.
#[test]
fn good_clips_count_reps_and_find_nothing() {
    let mut failures = Vec::new();
    for case in good_cases() {
        let a = run(&case.spec);
        if a.reps.len() != case.reps {
            failures.push(format!("{}: {} reps, want {}", case.name, a.reps.len(), case.reps));
        }
        if a.variant != case.variant {
            failures.push(format!("{}: variant {:?}", case.name, a.variant));
        }
        if a.has_faults() {
            let f: Vec<String> = a
                .findings
                .iter()
                .map(|f| format!("rep {} {:?} {} vs {}", f.rep, f.check, f.measured, f.threshold))
                .collect();
            failures.push(format!("{}: faults {f:?}", case.name));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn events_are_in_order_and_touch_and_go_is_marked() {
    let a = run(&Spec {
        touch_and_go: true,
        reps: 3,
        ..Spec::default()
    });
    assert_eq!(a.reps.len(), 3);
    for r in &a.reps {
        let t = |e: Option<Event>| e.map(|e| e.time_s).unwrap_or(f64::NAN);
        let order = [
            t(r.lift_off),
            t(r.knee_pass),
            t(r.lockout),
            t(r.descent_start),
            t(r.set_down),
        ];
        assert!(order.windows(2).all(|w| w[0] <= w[1]), "rep {}: {order:?}", r.number);
        assert!(r.tempo.pull_s.is_some_and(|p| (0.6..2.0).contains(&p)), "{:?}", r.tempo);
    }
    assert!(!a.reps[0].touch_and_go);
    assert!(a.reps[1].touch_and_go && a.reps[2].touch_and_go);
}

#[test]
fn mirrored_clip_gives_same_numbers() {
    for lift in [Lift::Conventional, Lift::Romanian] {
        let spec = Spec {
            lift,
            faults: vec![None, Some(Fault::HeadUp)],
            ..Spec::default()
        };
        let a = run(&spec);
        let b = run(&Spec {
            mirror: true,
            ..spec.clone()
        });
        assert_eq!(a.view.facing, Some(Facing::Right));
        assert_eq!(b.view.facing, Some(Facing::Left));
        assert_eq!(a.reps.len(), b.reps.len());
        let ids = |x: &Analysis| x.findings.iter().map(|f| (f.rep, f.check)).collect::<Vec<_>>();
        assert_eq!(ids(&a), ids(&b));
        for (fa, fb) in a.frames.iter().zip(&b.frames) {
            let pairs = [
                (fa.hip_deg, fb.hip_deg),
                (fa.knee_deg, fb.knee_deg),
                (fa.ankle_deg, fb.ankle_deg),
                (fa.trunk_deg, fb.trunk_deg),
                (fa.neck_deg, fb.neck_deg),
                (fa.shoulder_bar_deg, fb.shoulder_bar_deg),
                (fa.bar_midfoot_pct_leg, fb.bar_midfoot_pct_leg),
                (fa.upper_back_deg, fb.upper_back_deg),
                (fa.lower_back_deg, fb.lower_back_deg),
                (fa.mid_back_fold_deg, fb.mid_back_fold_deg),
                (fa.outline_lean_deg, fb.outline_lean_deg),
            ];
            for (x, y) in pairs {
                match (x, y) {
                    (Some(x), Some(y)) => assert!((x - y).abs() < 0.05, "frame {}: {x} vs {y}", fa.index),
                    (None, None) => {}
                    _ => panic!("frame {}: {x:?} vs {y:?}", fa.index),
                }
            }
        }
    }
}

/// Angles never jump by 180 or 360 degrees from frame to frame, whichever way the lifter faces.
#[test]
fn angles_are_continuous() {
    for mirror in [false, true] {
        let a = run(&noisy(
            Spec {
                mirror,
                ..Spec::default()
            },
            3,
        ));
        let series: [fn(&FrameMetrics) -> Option<f32>; 4] =
            [|f| f.hip_deg, |f| f.knee_deg, |f| f.trunk_deg, |f| f.neck_deg];
        for get in series {
            let v: Vec<f32> = a.frames.iter().filter_map(get).collect();
            assert!(v.windows(2).all(|w| (w[1] - w[0]).abs() < 30.0), "mirror {mirror}");
        }
    }
}

/// Cleaned angles against the generator's ground truth, on a noisy clip (target: MAE <= 5 deg).
#[test]
fn angles_match_ground_truth() {
    for mirror in [false, true] {
        let spec = noisy(
            Spec {
                mirror,
                ..Spec::default()
            },
            5,
        );
        let clip = synth::generate(&spec);
        let a = analyze(&clip.input(), LiftVariant::Auto, &all_rules()).expect("analysis");
        let mut err = [(0.0, 0usize); 3];
        for (f, truth) in a.frames.iter().zip(&clip.truth) {
            let pairs = [
                (f.hip_deg, truth.hip),
                (f.knee_deg, truth.knee),
                (f.trunk_deg, truth.trunk),
            ];
            for (k, (got, want)) in pairs.into_iter().enumerate() {
                if let Some(g) = got {
                    err[k].0 += (g as f64 - want).abs();
                    err[k].1 += 1;
                }
            }
        }
        for (name, (sum, n)) in ["hip", "knee", "trunk"].iter().zip(err) {
            let mae = sum / n as f64;
            assert!(n > clip.frames.len() / 2 && mae < 2.0, "{name}: MAE {mae:.2} over {n}");
        }
    }
}

#[test]
fn view_cases() {
    let cases = [
        (0.0, false, View::Side, Some(Facing::Right)),
        (0.0, true, View::Side, Some(Facing::Left)),
        (90.0, false, View::Front, None),
        (-90.0, false, View::Rear, None),
        (45.0, false, View::Oblique, Some(Facing::Right)),
    ];
    for (yaw_deg, mirror, view, facing) in cases {
        let a = run(&Spec {
            yaw_deg,
            mirror,
            ..Spec::default()
        });
        assert_eq!(
            (a.view.view, a.view.facing),
            (view, facing),
            "yaw {yaw_deg} mirror {mirror}"
        );
        assert!(a.view.confidence > 0.5, "{:?}", a.view);
    }
}

/// Joint and trunk angles are reported from a side view only: seen from an angle, the image of a
/// bent joint is not its angle.
#[test]
fn joint_angles_only_from_a_side_view() {
    for (yaw_deg, reported) in [(0.0, true), (45.0, false)] {
        let a = run(&Spec {
            yaw_deg,
            ..Spec::default()
        });
        let angles = a
            .frames
            .iter()
            .filter(|f| f.hip_deg.is_some() || f.knee_deg.is_some() || f.trunk_deg.is_some());
        assert_eq!(angles.count() > 0, reported, "yaw {yaw_deg}: {:?}", a.view.view);
        assert_eq!(a.reps.len(), 3, "yaw {yaw_deg}: reps are still counted");
    }
}

/// A side-view fault seen from the front is not judged: it is "not assessable from this view".
#[test]
fn wrong_view_is_not_assessable() {
    for yaw_deg in [90.0, 45.0] {
        let spec = Spec {
            yaw_deg,
            faults: vec![Some(Fault::HeadUp); 3],
            ..Spec::default()
        };
        let a = run(&spec);
        assert!(!checks_of(&a, 1).contains(&CheckId::HeadPosition), "yaw {yaw_deg}");
        let na = a.not_assessable.iter().find(|n| n.check == CheckId::HeadPosition);
        assert!(
            na.is_some_and(|n| n.rep.is_none() && n.reason.contains("view")),
            "{na:?}"
        );
    }
    let side = run(&Spec::default());
    assert!(
        side.not_assessable
            .iter()
            .any(|n| n.check == CheckId::LeftRightImbalance && n.reason.contains("side view"))
    );
}

/// Feet out of the bottom of the frame: mid-foot checks are not assessable, nothing is a fault.
#[test]
fn lower_body_out_of_frame_is_not_a_fault() {
    let spec = Spec {
        height: 640,
        faults: vec![None, Some(Fault::BarAheadOfMidfoot)],
        ..Spec::default()
    };
    let a = run(&spec);
    assert_eq!(a.reps.len(), 3);
    assert!(!a.findings.iter().any(|f| f.check == CheckId::BarOverMidfoot));
    for check in [CheckId::BarOverMidfoot, CheckId::KneesOverMidfoot] {
        let na = a.not_assessable.iter().find(|n| n.check == check);
        assert!(na.is_some_and(|n| n.reason.contains("feet")), "{check:?}: {na:?}");
    }
}

#[test]
fn missing_back_outline_is_not_assessable() {
    let a = run(&Spec {
        back_outline: false,
        faults: vec![Some(Fault::UpperRounding)],
        ..Spec::default()
    });
    assert!(!a.findings.iter().any(|f| f.check == CheckId::UpperBackRounding));
    assert!(
        a.not_assessable
            .iter()
            .any(|n| n.check == CheckId::UpperBackRounding && n.reason.contains("back outline"))
    );
}

#[test]
fn plate_gives_scale_and_speed() {
    let a = run(&Spec {
        plates: true,
        ..Spec::default()
    });
    assert_eq!(a.bar_source, BarSource::Plate);
    let scale = a.scale_cm_per_px.expect("scale");
    // Generated plate: 45 cm across, resting on the floor at set-up.
    let want = (45.0 / (2.0 * synth::plate_radius_px())) as f32;
    assert!((scale - want).abs() < 1e-3, "{scale} vs {want}");
    let speed = a.reps[0].metrics.peak_bar_speed_mps.expect("speed");
    assert!((0.3..3.0).contains(&speed), "{speed}");
    assert!(run(&Spec::default()).reps[0].metrics.peak_bar_speed_mps.is_none());
}

/// Where the hands go unseen for a while and come back where the pose model puts them, a few
/// centimetres off the arm's-length estimate that stood in for them, the bar's height steps. That
/// step is no bar speed: the speed is read only between frames whose height has one source (the
/// bar speed of real clip 12 read 1.56 m/s on a 2.6 s pull).
#[test]
fn a_change_of_bar_source_is_no_bar_speed() {
    let spec = Spec {
        plates: true,
        yaw_deg: 90.0,
        ..Spec::default()
    };
    let clean = run(&spec);
    let peak = |a: &Analysis| {
        a.frames
            .iter()
            .filter_map(|f| f.bar_speed_mps)
            .fold(0.0f32, |m, v| m.max(v.abs()))
    };
    let true_peak = peak(&clean);
    assert!(true_peak > 0.3, "{true_peak}");
    let rep = &clean.reps[0];
    let (lift_off, lockout) = (frame_of(rep.lift_off, "lift-off"), frame_of(rep.lockout, "lockout"));
    let leg = f64::from(clean.leg_length_px.expect("leg length"));
    let mut clip = synth::generate(&spec);
    let wrists = [lm::LEFT_WRIST, lm::RIGHT_WRIST];
    // Hidden over the first part of the pull (longer than the gap filling bridges), then seen a
    // fifth of a leg higher to the end of the pull.
    let hidden_to = lift_off + (lockout - lift_off) / 2;
    edit_poses(&mut clip, lift_off..hidden_to, |pose| {
        for w in wrists {
            pose.keypoints[w].visibility = 0.0;
        }
    });
    edit_poses(&mut clip, hidden_to..lockout, |pose| {
        for w in wrists {
            pose.keypoints[w].y -= (0.2 * leg) as f32;
        }
    });
    let a = analyze_clip(&clip, LiftVariant::Auto, &all_rules());
    assert!(
        peak(&a) < 1.2 * true_peak,
        "peak bar speed {} against {true_peak} without the step",
        peak(&a)
    );
    let rep_peak = a.reps[0].metrics.peak_bar_speed_mps.expect("speed");
    assert!(rep_peak < 1.2 * true_peak, "{rep_peak} against {true_peak}");
}

#[test]
fn explicit_variant_overrides_inference() {
    let a = run_with(&Spec::default(), LiftVariant::Conventional, &all_rules());
    assert_eq!((a.variant, a.variant_inferred), (LiftVariant::Conventional, false));
    let r = run(&Spec {
        lift: Lift::Romanian,
        ..Spec::default()
    });
    assert_eq!((r.variant, r.variant_inferred), (LiftVariant::Romanian, true));
}

/// A lift set by the user is judged as set; where the motion says otherwise, a note says so.
#[test]
fn a_variant_set_against_the_motion_is_noted() {
    let rdl = Spec {
        lift: Lift::Romanian,
        ..Spec::default()
    };
    // (clip, variant set, whether the note is expected)
    let cases = [
        (&rdl, LiftVariant::Conventional, true),
        (&rdl, LiftVariant::Romanian, false),
        (&Spec::default(), LiftVariant::Romanian, true),
        (&Spec::default(), LiftVariant::Conventional, false),
    ];
    for (spec, given, noted) in cases {
        let a = run_with(spec, given, &all_rules());
        assert_eq!(a.variant, given);
        let note = a.notes.iter().find(|n| n.contains("but the motion looks like"));
        assert_eq!(note.is_some(), noted, "{given:?}: {:?}", a.notes);
        if let Some(note) = note {
            assert!(note.contains("hips drop"), "{note}");
        }
    }
}

/// Strictness scales the allowance: a lenient setting lets a moderate fault pass, a strict one
/// keeps it.
#[test]
fn strictness_moves_thresholds() {
    let spec = Spec {
        faults: vec![Some(Fault::HipsRiseFirst)],
        ..Spec::default()
    };
    let cases = [(0.5, false), (1.0, true), (2.0, true)];
    for (strictness, want) in cases {
        let cfg = Config {
            strictness,
            ..all_rules()
        };
        let a = run_with(&spec, LiftVariant::Auto, &cfg);
        let found = checks_of(&a, 1).contains(&CheckId::HipsRiseFirst);
        assert_eq!(found, want, "strictness {strictness}");
    }
}

#[test]
fn bad_input_is_an_error() {
    let clip = synth::generate(&Spec {
        reps: 1,
        ..Spec::default()
    });
    let cfg = all_rules();
    let short = [None];
    let cases: [(&str, AnalysisInput); 4] = [
        (
            "fps",
            AnalysisInput {
                fps: 0.0,
                ..clip.input()
            },
        ),
        (
            "size",
            AnalysisInput {
                width: 0,
                ..clip.input()
            },
        ),
        (
            "back",
            AnalysisInput {
                back: &short,
                ..clip.input()
            },
        ),
        (
            "frames",
            AnalysisInput {
                frames: &[],
                back: &[],
                plates: &[],
                ..clip.input()
            },
        ),
    ];
    for (name, input) in cases {
        assert!(analyze(&input, LiftVariant::Auto, &cfg).is_err(), "{name}");
    }
}

/// Signal cleaning keeps a momentary glitch of the back outline from reading as rounding: the
/// outline of a rounding rep spliced into a good clip for a few frames is no fault, for a third
/// of a second or over the whole pull it is. (The generated glitch is smoothed away before the
/// hold of `back_bend_min_hold_s` matters; `held_level` and the hips-open test cover the hold.)
#[test]
fn brief_back_shape_glitch_is_not_rounding() {
    for (fault, check) in [
        (Fault::UpperRounding, CheckId::UpperBackRounding),
        (Fault::LowerRounding, CheckId::LowerBackRounding),
    ] {
        let good = synth::generate(&Spec::default());
        let rounded = synth::generate(&Spec {
            faults: vec![None, Some(fault), None],
            ..Spec::default()
        });
        assert_eq!(good.frames.len(), rounded.frames.len(), "same timing");
        let rep2 = analyze_clip(&rounded, LiftVariant::Auto, &all_rules()).reps[1].clone();
        let (lift, lockout) = (
            rep2.lift_off.map(|e| e.frame).unwrap_or_default(),
            rep2.lockout.map(|e| e.frame).unwrap_or_default(),
        );
        // (case, frames spliced in at 30 fps, whether it is a fault)
        let cases = [
            ("one frame", 1, false),
            ("a tenth of a second", 3, false),
            ("a third of a second", 10, true),
            ("whole pull", lockout - lift, true),
        ];
        for (name, frames, want_fault) in cases {
            let mut clip = synth::generate(&Spec::default());
            let middle = (lift + lockout) / 2;
            let from = middle - frames / 2;
            for f in from..from + frames {
                clip.back[f] = rounded.back[f].clone();
            }
            let a = analyze_clip(&clip, LiftVariant::Auto, &all_rules());
            let found = checks_of(&a, 2).contains(&check);
            let metrics = &a.reps[1].metrics;
            assert_eq!(
                found, want_fault,
                "{check:?}, {name}: {:?} (upper {:?}, lower {:?})",
                a.findings, metrics.upper_back_change_deg, metrics.lower_back_change_deg
            );
        }
    }
}

/// Straight knees and hips that barely drop fit both a Romanian deadlift and a stiff-legged pull
/// from the floor (generated here as a hinge from standing whose trunk goes over until the bar
/// touches the floor): where the plate gives the scale, plates reaching the floor decide for
/// conventional, if the trunk went far enough over to take them there. The generated plates are
/// drawn two radii ahead of the bar: at their true place (too large for the generated body) they
/// would hide the hips at the top, and the hip rule could not run at all.
#[test]
fn plates_on_the_floor_mean_conventional() {
    // The generated body's long arms take the bar to the floor with the trunk at about 70
    // degrees (an average adult's at about 90), so its Romanian deadlift here stops 15 degrees
    // short of that, and the trunk limit is scaled to it: halfway.
    let floor_trunk = synth::trunk_to_floor(synth::Key::RDL_BOTTOM.knee_flex);
    let rdl_trunk = floor_trunk - 15.0;
    let cfg = Config {
        rdl_floor_reach_min_trunk_deg: floor_trunk - 7.5,
        ..all_rules()
    };
    let stiff = Spec {
        lift: Lift::Romanian,
        rdl_bottom_trunk: floor_trunk,
        plates: true,
        ..Spec::default()
    };
    let rdl = Spec {
        lift: Lift::Romanian,
        rdl_bottom_trunk: rdl_trunk,
        plates: true,
        ..Spec::default()
    };
    // (name, clip, plates drawn, plate centre raised by (radii), radius scaled by, want)
    let cases = [
        (
            "stiff-legged pull, plates resting on the floor",
            &stiff,
            true,
            0.0,
            1.0,
            LiftVariant::Conventional,
        ),
        // Lowest point a fifth of a radius above the floor (as a deep Romanian deadlift: bar 1.22
        // radii up at the bottom), within keypoint error of resting on it, but above.
        (
            "stiff-legged pull, plates stopping short of the floor",
            &stiff,
            true,
            0.1,
            0.9,
            LiftVariant::Romanian,
        ),
        (
            "stiff-legged pull, no plate scale",
            &stiff,
            false,
            0.0,
            1.0,
            LiftVariant::Romanian,
        ),
        // The near plate's image sits low where the camera is above it: a Romanian deadlift's
        // plates that read on the floor, with the trunk too upright to have taken them there.
        (
            "Romanian deadlift, plates reading on the floor",
            &rdl,
            true,
            -1.0,
            1.0,
            LiftVariant::Romanian,
        ),
    ];
    for (name, spec, drawn, raise, scale, want) in cases {
        let mut clip = synth::generate(spec);
        if !drawn {
            clip.plates.iter_mut().for_each(|p| *p = None);
        }
        for plate in clip.plates.iter_mut().flatten() {
            plate.center.x += 2.0 * plate.radius;
            plate.center.y -= raise * plate.radius;
            plate.radius *= scale;
        }
        let a = analyze_clip(&clip, LiftVariant::Auto, &cfg);
        assert!(
            !a.notes.iter().any(|n| n.contains("could not be inferred")),
            "{name}: {:?}",
            a.notes
        );
        assert_eq!(a.variant, want, "{name}: {:?}", a.details);
        if raise < 0.0 {
            let read_on_floor = a.details.iter().any(|d| d.contains("plate radii above the floor"))
                && a.details
                    .iter()
                    .any(|d| d.contains("degrees from vertical at the bottom"));
            assert!(
                read_on_floor,
                "{name}: the plate rule was not put to the test: {:?}",
                a.details
            );
        }
    }
}

/// Knees bent at the bottom as a conventional start bends them make the lift conventional even
/// where the hips barely drop (real clip 13, a trap-bar pull: hips 0.20 leg lengths down, knees
/// 82 degrees, read as a Romanian deadlift before); the soft knees of a Romanian deadlift tell it
/// where the hips are hidden standing (the near plate covers them at the top of most side views),
/// which left the lift unknown before.
#[test]
fn knees_at_the_bottom_tell_the_lift() {
    use LiftVariant::{Conventional, Romanian};
    // The hip rule out of the way: every hip drop reads as a Romanian deadlift's.
    let hips_say_romanian = Config {
        rdl_max_hip_drop_leg_frac: 0.95,
        ..all_rules()
    };
    let default = all_rules();
    let rdl = Spec {
        lift: Lift::Romanian,
        ..Spec::default()
    };
    let mirrored = Spec {
        mirror: true,
        ..Spec::default()
    };
    let noisy_rdl = Spec {
        noise_px: 2.0,
        ..rdl.clone()
    };
    // Knees bent 45 degrees at the bottom (147 over the low stretch): a Romanian deadlift by the
    // knee limit (135) where the hips back it, too near it to decide without them.
    let deep_rdl = Spec {
        rdl_knee_flex: 45.0,
        ..rdl.clone()
    };
    let from_floor = Spec {
        rdl_from_floor: true,
        reps: 2,
        ..rdl.clone()
    };
    // (name, clip, hips hidden whenever the hands are high, config, variant inferred (None: not
    // inferred, conventional assumed))
    let cases = [
        (
            "conventional, hips ruled out",
            &Spec::default(),
            false,
            &hips_say_romanian,
            Some(Conventional),
        ),
        (
            "conventional, mirrored",
            &mirrored,
            false,
            &hips_say_romanian,
            Some(Conventional),
        ),
        (
            "Romanian, hips ruled out",
            &rdl,
            false,
            &hips_say_romanian,
            Some(Romanian),
        ),
        ("Romanian, hips hidden standing", &rdl, true, &default, Some(Romanian)),
        (
            "Romanian, noisy, hips hidden standing",
            &noisy_rdl,
            true,
            &default,
            Some(Romanian),
        ),
        (
            "conventional, hips hidden standing",
            &Spec::default(),
            true,
            &default,
            Some(Conventional),
        ),
        ("deep Romanian, hips hidden standing", &deep_rdl, true, &default, None),
        (
            "Romanian from the floor, hips hidden standing",
            &from_floor,
            true,
            &default,
            Some(Romanian),
        ),
    ];
    for (name, spec, hide_standing_hips, cfg, want) in cases {
        let mut clip = synth::generate(spec);
        if hide_standing_hips {
            // Hands above mid-thigh: the lifter standing or nearly.
            for frame in &mut clip.frames {
                let Some(pose) = frame.pose.as_mut() else { continue };
                let (hip, knee) = (pose.keypoints[lm::LEFT_HIP].y, pose.keypoints[lm::LEFT_KNEE].y);
                if pose.keypoints[lm::LEFT_WRIST].y < 0.5 * (hip + knee) {
                    for j in [lm::LEFT_HIP, lm::RIGHT_HIP] {
                        pose.keypoints[j].visibility = 0.0;
                    }
                }
            }
        }
        let a = analyze_clip(&clip, LiftVariant::Auto, cfg);
        let inferred = a.variant_inferred.then_some(a.variant);
        assert_eq!(inferred, want, "{name}: {:?} {:?}", a.details, a.notes);
        assert!(
            a.details.iter().any(|d| d.contains("knees at")),
            "{name}: {:?}",
            a.details
        );
        if want.is_some() {
            assert_eq!(a.reps.len(), spec.reps, "{name}: {:?}", a.notes);
        }
    }
}

/// Where the near plate hides the hip at lockout (as in most side-view footage) the trunk angle
/// is missing, and the lean-back is judged from the back outline's line: found on the rep that
/// leans back, not on the good ones, in clean, mirrored and noisy clips. The mid-foot-to-shoulder
/// line, though read (a rep metric), judges nothing: without the outline the rep is not
/// assessable, feet seen or not.
#[test]
fn lean_back_judged_without_the_hip_when_the_plate_hides_it() {
    // (case, back outline, feet seen (the mid-foot), whether the lean-back is found)
    let cases = [
        ("back outline alone", true, false, true),
        ("back outline and feet", true, true, true),
        ("feet alone", false, true, false),
    ];
    for (case, back_outline, feet_seen, found) in cases {
        let base = Spec {
            plates: true,
            back_outline,
            faults: vec![None, Some(Fault::LeanBack), None],
            ..Spec::default()
        };
        for (kind, spec) in clean_mirrored_noisy(base) {
            let mut clip = synth::generate(&spec);
            if !feet_seen {
                let all = 0..clip.frames.len();
                edit_poses(&mut clip, all, |pose| {
                    for foot in [lm::LEFT_HEEL, lm::RIGHT_HEEL, lm::LEFT_FOOT_INDEX, lm::RIGHT_FOOT_INDEX] {
                        pose.keypoints[foot].visibility = 0.0;
                    }
                });
            }
            let a = analyze_clip(&clip, LiftVariant::Auto, &all_rules());
            assert_eq!(a.reps.len(), 3, "{case}, {kind}");
            let rep2 = &a.reps[1].metrics;
            assert!(
                rep2.lockout_lean_back_deg.is_none(),
                "{case}, {kind}: the hip should be hidden at lockout"
            );
            assert_eq!(rep2.lockout_body_lean_back_deg.is_some(), feet_seen, "{case}, {kind}");
            assert_eq!(
                rep2.lockout_outline_lean_back_deg.is_some(),
                back_outline,
                "{case}, {kind}"
            );
            let lean: Vec<&Finding> = a
                .findings
                .iter()
                .filter(|f| f.check == CheckId::LeanBackAtLockout)
                .collect();
            if found {
                assert_eq!(lean.len(), 1, "{case}, {kind}: {lean:?}");
                assert_eq!(lean[0].rep, 2, "{case}, {kind}");
                assert!(
                    lean[0].measure.contains("back outline"),
                    "{case}, {kind}: {}",
                    lean[0].measure
                );
            } else {
                assert!(lean.is_empty(), "{case}, {kind}: {lean:?}");
                assert!(
                    a.not_assessable.iter().any(|n| n.check == CheckId::LeanBackAtLockout
                        && n.rep == Some(2)
                        && n.reason.contains("hip")
                        && n.reason.contains("outline")),
                    "{case}, {kind}: {:?}",
                    a.not_assessable
                );
            }
        }
    }
}

/// The container's nominal frame rate can be far from the frames' timestamps (a variable-rate
/// phone clip; the 1000 fps OpenCV reports for some WebM files): the analysis follows the
/// timestamps, so a wrong nominal rate changes nothing. Before, filtering at the nominal rate
/// found three false lean-backs at 60 fps and no rep at 1000.
#[test]
fn the_nominal_frame_rate_does_not_change_the_analysis() {
    let clip = synth::generate(&Spec {
        noise_px: 1.5,
        seed: 3,
        ..Spec::default()
    });
    let base = analyze(&clip.input(), LiftVariant::Auto, &all_rules()).expect("analysis");
    assert_eq!(base.reps.len(), 3);
    let summary = |a: &Analysis| {
        (
            a.reps.iter().map(|r| r.lockout.map(|e| e.frame)).collect::<Vec<_>>(),
            a.findings.iter().map(|f| (f.rep, f.check)).collect::<Vec<_>>(),
            a.frames.iter().map(|f| f.hip_deg).collect::<Vec<_>>(),
        )
    };
    for nominal in [15.0, 29.97, 60.0, 1000.0] {
        let mut input = clip.input();
        input.fps = nominal;
        let a = analyze(&input, LiftVariant::Auto, &all_rules()).expect("analysis");
        assert!(summary(&a) == summary(&base), "nominal {nominal} fps: {:?}", a.findings);
    }
}

/// A Romanian set lifted from the floor and set down on it after: the pick-up and the set-down
/// bracket the set's hinges as reps do, but they are not Romanian deadlifts. Whether the lift is
/// given or inferred, only the hinges count, and the set is still told from a conventional one.
#[test]
fn a_romanian_set_picked_up_from_the_floor_counts_its_hinges_only() {
    for reps in [1, 2, 3] {
        for variant in [LiftVariant::Romanian, LiftVariant::Auto] {
            let spec = Spec {
                lift: Lift::Romanian,
                reps,
                rdl_from_floor: true,
                ..Spec::default()
            };
            let a = analyze_clip(&synth::generate(&spec), variant, &all_rules());
            assert_eq!(
                (a.variant, a.reps.len()),
                (LiftVariant::Romanian, reps),
                "{reps} reps, {variant:?}: notes {:?}",
                a.notes
            );
            assert!(a.findings.is_empty(), "{reps} reps, {variant:?}: {:?}", a.findings);
        }
    }
    // Conventional sets keep every pull, the first and last included, also when the last pull's
    // hips are hidden on the floor (a drop read short: no proof of a hinge).
    for reps in [1, 3] {
        let spec = Spec {
            reps,
            ..Spec::default()
        };
        let mut clip = synth::generate(&spec);
        let a = analyze_clip(&clip, LiftVariant::Auto, &all_rules());
        assert_eq!((a.variant, a.reps.len()), (LiftVariant::Conventional, reps));
        let last = &a.reps[reps - 1];
        let (from, to) = (frame_of(last.lift_off, "lift-off"), frame_of(last.set_down, "set-down"));
        let hidden = (from.saturating_sub(20)..from + 5).chain(to.saturating_sub(5)..(to + 20).min(clip.frames.len()));
        for f in hidden {
            edit_poses(&mut clip, f..f + 1, |pose| {
                for hip in [lm::LEFT_HIP, lm::RIGHT_HIP] {
                    pose.keypoints[hip].visibility = 0.0;
                }
            });
        }
        let a = analyze_clip(&clip, LiftVariant::Auto, &all_rules());
        assert_eq!(
            (a.variant, a.reps.len()),
            (LiftVariant::Conventional, reps),
            "hips hidden: {:?}",
            a.notes
        );
    }
}

/// The top of a Romanian deadlift is judged from the back outline as a conventional lockout is:
/// with the hips and feet unread at lockout, the outline alone finds the lean-back on rep 2 of
/// either lift, and passes the good reps.
#[test]
fn lean_back_judged_from_the_outline_on_either_lift() {
    for lift in [Lift::Romanian, Lift::Conventional] {
        let spec = Spec {
            lift,
            faults: vec![None, Some(Fault::LeanBack), None],
            ..Spec::default()
        };
        let variant = match lift {
            Lift::Romanian => LiftVariant::Romanian,
            _ => LiftVariant::Conventional,
        };
        let mut clip = synth::generate(&spec);
        let rep2 = analyze_clip(&clip, variant, &all_rules()).reps[1].clone();
        // The lockout and the second after it (Romanian reps end at their lockout).
        let lockout = frame_of(rep2.lockout, "lockout");
        let after = (lockout + 30).min(clip.frames.len());
        // Feet hidden throughout (no mid-foot), hips over the lockout (no trunk angle).
        let all = 0..clip.frames.len();
        edit_poses(&mut clip, all, |pose| {
            for foot in [lm::LEFT_HEEL, lm::RIGHT_HEEL, lm::LEFT_FOOT_INDEX, lm::RIGHT_FOOT_INDEX] {
                pose.keypoints[foot].visibility = 0.0;
            }
        });
        edit_poses(&mut clip, lockout..after, |pose| {
            for hip in [lm::LEFT_HIP, lm::RIGHT_HIP] {
                pose.keypoints[hip].visibility = 0.0;
            }
        });
        let a = analyze_clip(&clip, variant, &all_rules());
        let lean_backs: Vec<&Finding> = a
            .findings
            .iter()
            .filter(|f| f.check == CheckId::LeanBackAtLockout)
            .collect();
        assert_eq!(lean_backs.len(), 1, "{lift:?}: {:?}", a.findings);
        assert_eq!(lean_backs[0].rep, 2, "{lift:?}");
        assert!(
            lean_backs[0].measure.contains("back outline"),
            "{lift:?}: {}",
            lean_backs[0].measure
        );
    }
}

/// A cut in the video that jumps from a lifter bent over the bar to one standing reads as a pull
/// of a few frames: it is noted, not counted as a rep.
#[test]
fn a_pull_faster_than_any_deadlift_is_not_a_rep() {
    let spec = Spec::default();
    let clean = run(&spec);
    assert_eq!(clean.reps.len(), 3);
    let rep2 = &clean.reps[1];
    let (lift_off, lockout) = (frame_of(rep2.lift_off, "lift-off"), frame_of(rep2.lockout, "lockout"));
    // Cut out the middle of rep 2's pull, leaving two frames from the floor to the top.
    let mut clip = synth::generate(&spec);
    let cut = lift_off + 1..lockout - 1;
    clip.frames.drain(cut.clone());
    clip.back.drain(cut.clone());
    clip.plates.drain(cut.clone());
    clip.truth.drain(cut);
    let dt = 1.0 / clip.fps;
    for (i, frame) in clip.frames.iter_mut().enumerate() {
        frame.index = i;
        frame.time_s = i as f64 * dt;
    }
    let a = analyze_clip(&clip, LiftVariant::Auto, &all_rules());
    assert_eq!(a.reps.len(), 2, "{:?}", a.notes);
    assert!(
        a.notes.iter().any(|n| n.contains("not counted as a rep")),
        "{:?}",
        a.notes
    );
}

/// Frames of `clip` in `frames`, each pose edited by `edit`.
fn edit_poses(clip: &mut synth::Clip, frames: std::ops::Range<usize>, edit: impl Fn(&mut crate::pose::Pose)) {
    for frame in &mut clip.frames[frames] {
        if let Some(pose) = frame.pose.as_mut() {
            edit(pose);
        }
    }
}

/// Knees inside the hip-ankle line (front view) are read on both knees or not at all: with one
/// knee hidden the rule is not assessable, and the rep metric carries no reading either.
#[test]
fn knee_inward_reading_needs_both_knees() {
    let spec = Spec {
        yaw_deg: 90.0,
        faults: vec![None, Some(Fault::KneesInward), None],
        ..Spec::default()
    };
    let hide_left_knee = |pose: &mut crate::pose::Pose| pose.keypoints[lm::LEFT_KNEE].visibility = 0.0;
    // (case, hide the left knee, judged)
    for (name, hidden, judged) in [("both knees seen", false, true), ("left knee hidden", true, false)] {
        let mut clip = synth::generate(&spec);
        if hidden {
            let n = clip.frames.len();
            edit_poses(&mut clip, 0..n, hide_left_knee);
        }
        let a = analyze_clip(&clip, LiftVariant::Auto, &all_rules());
        assert_eq!(a.view.view, View::Front, "{name}: {:?}", a.view);
        assert_eq!(checks_of(&a, 2).contains(&CheckId::KneesOverMidfoot), judged, "{name}");
        assert_eq!(!not_assessed(&a, CheckId::KneesOverMidfoot, 2), judged, "{name}");
        assert_eq!(
            a.reps[1].metrics.max_knee_inward_pct_leg.is_some(),
            judged,
            "{name}: {:?}",
            a.reps[1].metrics.max_knee_inward_pct_leg
        );
    }
}

/// A clip turned a quarter or half turn without rotation metadata shows the lifter on their side
/// or upside down on every frame: a clear error, not "no lifter" or an analysis of nonsense.
#[test]
fn a_rotated_clip_is_refused_as_not_upright() {
    for turn in [0, 90, 180, 270] {
        let mut clip = synth::generate(&Spec::default());
        let (w, h) = (clip.width as f32, clip.height as f32);
        let n = clip.frames.len();
        edit_poses(&mut clip, 0..n, |pose| {
            for k in pose.keypoints.iter_mut() {
                let (x, y) = (k.x, k.y);
                (k.x, k.y) = match turn {
                    90 => (h - y, x),
                    180 => (w - x, h - y),
                    270 => (y, w - x),
                    _ => (x, y),
                };
            }
        });
        if turn % 180 == 90 {
            (clip.width, clip.height) = (clip.height, clip.width);
        }
        let result = analyze(&clip.input(), LiftVariant::Auto, &all_rules());
        match turn {
            0 => assert!(result.is_ok_and(|a| a.reps.len() == 3), "upright"),
            _ => assert!(
                matches!(result, Err(AnalysisError::NotUpright { .. })),
                "turned {turn}: {:?}",
                result.map(|a| a.reps.len())
            ),
        }
    }
}

/// A pose model that loses the lifter can return a skeleton upside down (seen on rendered clips:
/// shoulders below the hips, feet above them). Read as the bar, its wrists land far below the
/// floor and stretch the bar's range until no rep reaches it; such frames are no pose.
#[test]
fn upside_down_poses_are_treated_as_no_pose() {
    let spec = Spec::default();
    let mut clip = synth::generate(&spec);
    // The whole skeleton turned half a turn about the hips for the first second (standing, before
    // the set-up), staying in the frame: feet up, head down, hands above the hips.
    let second = clip.fps as usize;
    edit_poses(&mut clip, 0..second, |pose| {
        let (hx, hy) = (pose.keypoints[lm::LEFT_HIP].x, pose.keypoints[lm::LEFT_HIP].y);
        for k in pose.keypoints.iter_mut() {
            k.x = 2.0 * hx - k.x;
            k.y = 2.0 * hy - k.y;
        }
    });
    assert!(
        clip.frames[..second]
            .iter()
            .filter_map(|f| f.pose.as_ref())
            .all(|p| p.keypoints.iter().all(|k| (0.0..clip.height as f32).contains(&k.y))),
        "the turned skeleton should stay in the frame"
    );
    let a = analyze_clip(&clip, LiftVariant::Auto, &all_rules());
    assert_eq!(a.reps.len(), 3, "{:?}", a.notes);
    assert!(a.details.iter().any(|n| n.contains("upside down")), "{:?}", a.details);
    assert!(a.frames[..second].iter().all(|f| f.bar_y_px.is_none()));
}

/// Behind the plate at lockout BlazePose often guesses the hand near the shoulder. The arms hang
/// straight in a deadlift, so such a wrist is dropped and the bar's height taken an arm's length
/// below the shoulders; a hand hidden outright is filled the same way. Either way the rep keeps
/// its top, read where the bar really is.
#[test]
fn a_hand_guessed_or_hidden_at_lockout_leaves_the_bar_an_arms_length_below_the_shoulders() {
    let spec = Spec::default();
    let clean = run(&spec);
    assert_eq!(clean.reps.len(), 3);
    let rep1 = &clean.reps[0];
    let hold = frame_of(rep1.lockout, "lockout")..frame_of(rep1.descent_start, "descent");
    assert!(hold.len() >= 5, "{hold:?}");
    let wrists = [lm::LEFT_WRIST, lm::RIGHT_WRIST];
    type PoseEdit = Box<dyn Fn(&mut crate::pose::Pose)>;
    let cases: [(&str, PoseEdit); 2] = [
        (
            "guessed near the shoulder",
            Box::new(move |pose: &mut crate::pose::Pose| {
                for (w, s) in wrists.into_iter().zip([lm::LEFT_SHOULDER, lm::RIGHT_SHOULDER]) {
                    let shoulder = pose.keypoints[s];
                    let wrist = &mut pose.keypoints[w];
                    wrist.x = shoulder.x + 0.3 * (wrist.x - shoulder.x);
                    wrist.y = shoulder.y + 0.3 * (wrist.y - shoulder.y);
                }
            }),
        ),
        (
            "hidden",
            Box::new(move |pose: &mut crate::pose::Pose| {
                for w in wrists {
                    pose.keypoints[w].visibility = 0.0;
                }
            }),
        ),
    ];
    for (kind, edit) in cases {
        let mut clip = synth::generate(&spec);
        // A little beyond the hold on both sides, longer than the gap filling bridges.
        let around = hold.start - 8..hold.end + 8;
        edit_poses(&mut clip, around.clone(), |p| edit(p));
        let a = analyze_clip(&clip, LiftVariant::Auto, &all_rules());
        assert_eq!(a.reps.len(), 3, "{kind}: {:?}", a.notes);
        let leg = clean.leg_length_px.expect("leg length");
        for f in around {
            let (got, want) = (a.frames[f].bar_y_px, clean.frames[f].bar_y_px);
            let (Some(got), Some(want)) = (got, want) else {
                panic!("{kind}: no bar on frame {f}");
            };
            assert!(
                (got - want).abs() < 0.05 * leg,
                "{kind}: frame {f}: bar at {got}, really {want}"
            );
        }
    }
}

/// A clip that ends, or loses the lifter, while the bar is on its way down from its only pull
/// counts that pull, without a set-down.
#[test]
fn the_only_pull_counts_when_the_bar_is_lost_on_its_way_down() {
    let spec = Spec {
        reps: 1,
        ..Spec::default()
    };
    let clean = run(&spec);
    assert_eq!(clean.reps.len(), 1);
    let rep = &clean.reps[0];
    let (down, set_down) = (
        frame_of(rep.descent_start, "descent"),
        frame_of(rep.set_down, "set-down"),
    );
    let mut clip = synth::generate(&spec);
    // The lifter is lost halfway down and never found again.
    for frame in &mut clip.frames[(down + set_down) / 2..] {
        frame.pose = None;
    }
    let a = analyze_clip(&clip, LiftVariant::Auto, &all_rules());
    assert_eq!(a.reps.len(), 1, "{:?}", a.notes);
    assert!(a.reps[0].set_down.is_none());
    assert!(a.notes.iter().any(|n| n.contains("on its way down")), "{:?}", a.notes);
}

/// Hips rising first is measured from where the pull starts, which a pull from the floor starts
/// bent over the bar: a trunk read near upright there (a pose or a lift-off gone wrong) leaves
/// the rep not assessable, and its readings out of the rep metrics, instead of measuring every
/// tip from it.
#[test]
fn hips_first_is_not_measured_from_an_upright_start() {
    let spec = Spec {
        faults: vec![None, Some(Fault::HipsRiseFirst), None],
        ..Spec::default()
    };
    let open = run(&spec);
    assert!(checks_of(&open, 2).contains(&CheckId::HipsRiseFirst));
    let lift = frame_of(open.reps[1].lift_off, "lift-off");
    let second = spec.fps.round() as usize;
    let mut clip = synth::generate(&spec);
    // The shoulders drawn straight above the hips for the second before lift-off.
    edit_poses(&mut clip, lift - second..lift + 1, |pose| {
        for (shoulder, hip) in [(lm::LEFT_SHOULDER, lm::LEFT_HIP), (lm::RIGHT_SHOULDER, lm::RIGHT_HIP)] {
            let (s, h) = (pose.keypoints[shoulder], pose.keypoints[hip]);
            let trunk = (s.x - h.x).hypot(s.y - h.y);
            pose.keypoints[shoulder].x = h.x;
            pose.keypoints[shoulder].y = h.y - trunk;
        }
    });
    let a = analyze_clip(&clip, LiftVariant::Auto, &all_rules());
    assert_eq!(a.reps.len(), 3, "{:?}", a.notes);
    assert_found_or_not_assessed(
        &a,
        CheckId::HipsRiseFirst,
        2,
        false,
        "bent over the bar",
        "upright start",
    );
    let m = &a.reps[1].metrics;
    assert!(
        m.early_start_trunk_deg.is_some_and(|t| t < 30.0),
        "{:?}",
        m.early_start_trunk_deg
    );
    assert!(m.early_trunk_change_deg.is_none() && m.hip_shoulder_rise_ratio.is_none());
    // From the front, where no trunk angle is read, the rise ratio is still reported.
    let front = run(&Spec {
        yaw_deg: 90.0,
        ..spec.clone()
    });
    assert!(
        front.reps.iter().all(|r| r.metrics.hip_shoulder_rise_ratio.is_some()),
        "{:?}",
        front
            .reps
            .iter()
            .map(|r| r.metrics.hip_shoulder_rise_ratio)
            .collect::<Vec<_>>()
    );
}

/// A rise of the bar that no frame shows under way (the lifter unseen from just after the floor
/// to just before the top) is two readings joined across a gap, not a watched pull: not counted,
/// and the notes say why. A pull seen over its lower half, the lifter lost over the rest, still
/// counts.
#[test]
fn a_pull_never_seen_under_way_is_not_a_rep() {
    let spec = Spec::default();
    let open = run(&spec);
    assert_eq!(open.reps.len(), 3);
    let lift = frame_of(open.reps[1].lift_off, "lift-off");
    let lock = frame_of(open.reps[1].lockout, "lockout");
    let lose = |frames: std::ops::Range<usize>| {
        let mut clip = synth::generate(&spec);
        for frame in &mut clip.frames[frames] {
            frame.pose = None;
        }
        analyze_clip(&clip, LiftVariant::Auto, &all_rules())
    };
    let unseen = lose(lift + 1..lock);
    assert_eq!(unseen.reps.len(), 2, "{:?}", unseen.notes);
    assert!(
        unseen.notes.iter().any(|n| n.contains("no frame shows it under way")),
        "{:?}",
        unseen.notes
    );
    let top_half_lost = lose((lift + lock) / 2 + 2..lock);
    assert_eq!(top_half_lost.reps.len(), 3, "{:?}", top_half_lost.notes);
}

/// Where the plate hides the near knee through the pull, the knee pass is placed at the knee's
/// height standing (shins vertical), from the frames where it is seen.
#[test]
fn knee_pass_is_found_with_the_knees_hidden_through_the_pull() {
    let spec = Spec::default();
    let open = run(&spec);
    assert_eq!(open.reps.len(), 3);
    let mut clip = synth::generate(&spec);
    for rep in &open.reps {
        let pull = frame_of(rep.lift_off, "lift-off")..frame_of(rep.lockout, "lockout") + 1;
        edit_poses(&mut clip, pull, |pose| {
            for knee in [lm::LEFT_KNEE, lm::RIGHT_KNEE] {
                pose.keypoints[knee].visibility = 0.0;
            }
        });
    }
    let hidden = analyze_clip(&clip, LiftVariant::Auto, &all_rules());
    assert_eq!(hidden.reps.len(), 3);
    for (n, (seen, behind)) in open.reps.iter().zip(&hidden.reps).enumerate() {
        let seen = frame_of(seen.knee_pass, "knee pass with the knees seen");
        let behind = behind.knee_pass.map(|e| e.frame);
        // Within 4 frames (0.13 s) of where the visible knee puts it.
        assert!(
            behind.is_some_and(|b| b.abs_diff(seen) <= 4),
            "rep {}: {behind:?} against {seen}",
            n + 1
        );
    }
}

/// A lockout seen for a moment before the lifter is lost, or the clip ends, is not judged: the
/// top of the pull may fall in the frames not seen. The same loss after a lockout seen for longer
/// leaves the rep judged, and the other reps are judged either way.
#[test]
fn a_lockout_cut_short_by_a_lost_lifter_is_not_judged() {
    let spec = Spec {
        faults: vec![None, Some(Fault::IncompleteLockout), None],
        ..Spec::default()
    };
    let open = run(&spec);
    assert_eq!(open.reps.len(), 3);
    assert!(checks_of(&open, 2).contains(&CheckId::IncompleteLockout));
    let lockout = frame_of(open.reps[1].lockout, "lockout of rep 2");
    let second = spec.fps.round() as usize;
    let lose_from = |after: usize| {
        let mut clip = synth::generate(&spec);
        for frame in &mut clip.frames[lockout + after..lockout + after + second] {
            frame.pose = None;
        }
        analyze_clip(&clip, LiftVariant::Auto, &all_rules())
    };
    // Lost two frames into the lockout, for a second.
    let cut = lose_from(2);
    assert_eq!(cut.reps.len(), 3, "{:?}", cut.notes);
    for check in [CheckId::IncompleteLockout, CheckId::LeanBackAtLockout] {
        assert!(!checks_of(&cut, 2).contains(&check), "{check:?}");
        assert!(
            not_assessed_because(&cut, check, 2, "may not have been seen"),
            "{check:?}: {:?}",
            cut.not_assessable
        );
    }
    for rep in [1, 3] {
        assert!(
            !cut.not_assessable
                .iter()
                .any(|n| n.rep == Some(rep) && n.reason.contains("lost")),
            "rep {rep}: {:?}",
            cut.not_assessable
        );
    }
    // A clip that ends two frames into its only lockout: not judged either.
    let one = Spec {
        reps: 1,
        faults: vec![Some(Fault::IncompleteLockout)],
        ..Spec::default()
    };
    let whole = run(&one);
    assert_eq!(whole.reps.len(), 1);
    assert!(checks_of(&whole, 1).contains(&CheckId::IncompleteLockout));
    let mut clip = synth::generate(&one);
    let end = frame_of(whole.reps[0].lockout, "lockout of the only rep") + 2;
    clip.truncate(end);
    let ended = analyze_clip(&clip, LiftVariant::Auto, &all_rules());
    assert_eq!(ended.reps.len(), 1, "{:?}", ended.notes);
    assert!(
        not_assessed_because(&ended, CheckId::IncompleteLockout, 1, "the clip ends"),
        "{:?}",
        ended.not_assessable
    );
    // Lost after half a second of lockout: the lockout was seen, and is judged.
    let held = lose_from(second / 2);
    assert_eq!(held.reps.len(), 3, "{:?}", held.notes);
    assert!(
        checks_of(&held, 2).contains(&CheckId::IncompleteLockout),
        "{:?}",
        held.not_assessable
    );
}

/// Three reps with plates (which hide the hip at lockout from the side), the second one's lockout
/// left incomplete.
fn incomplete_second_lockout_behind_the_plate() -> Spec {
    Spec {
        plates: true,
        faults: vec![None, Some(Fault::IncompleteLockout), None],
        ..Spec::default()
    }
}

/// Where the plate hides the hip at lockout, an incomplete lockout is read from the back outline
/// (the trunk still leaning forward at its most upright); an upright outline, or none, leaves the
/// rep not assessable rather than passed or guessed.
#[test]
fn incomplete_lockout_judged_from_the_back_outline_when_the_plate_hides_the_hip() {
    let base = incomplete_second_lockout_behind_the_plate();
    for (kind, spec) in clean_mirrored_noisy(base.clone()) {
        let a = run(&spec);
        assert_eq!(a.reps.len(), 3, "{kind}");
        assert!(
            a.reps[1].metrics.lockout_hip_deg.is_none(),
            "{kind}: the hip should be hidden at lockout"
        );
        let leans: Vec<Option<f32>> = a.reps.iter().map(|r| r.metrics.lockout_outline_lean_deg).collect();
        let found: Vec<&Finding> = a
            .findings
            .iter()
            .filter(|f| f.check == CheckId::IncompleteLockout)
            .collect();
        assert_eq!(found.len(), 1, "{kind}: {leans:?}");
        assert_eq!(found[0].rep, 2, "{kind}");
        assert!(
            found[0].measure.contains("back outline"),
            "{kind}: {}",
            found[0].measure
        );
        // An upright outline does not show the knees straightened: not a pass.
        for rep in [1, 3] {
            assert!(
                not_assessed_because(&a, CheckId::IncompleteLockout, rep, "knees"),
                "{kind}: rep {rep}: {:?}",
                a.not_assessable
            );
        }
    }
    let a = run(&Spec {
        back_outline: false,
        ..base
    });
    assert!(!a.findings.iter().any(|f| f.check == CheckId::IncompleteLockout));
    assert!(
        not_assessed_because(&a, CheckId::IncompleteLockout, 2, "hidden"),
        "{:?}",
        a.not_assessable
    );
}

/// Where a plate hides the hands (side views), the bar's forward travel is followed on the
/// plate: a drifting bar is found there, and a plate seen too rarely to follow makes the rule
/// "not assessable" instead of trusting the hidden hands' keypoints.
#[test]
fn bar_drift_followed_on_the_plate() {
    let spec = Spec {
        plates: true,
        faults: vec![None, Some(Fault::BarDrift), None],
        ..Spec::default()
    };
    let a = run(&spec);
    assert!(checks_of(&a, 2).contains(&CheckId::BarDrift), "{:?}", checks_of(&a, 2));
    assert!(checks_of(&a, 1).is_empty() && checks_of(&a, 3).is_empty());

    let mut clip = synth::generate(&spec);
    for (i, plate) in clip.plates.iter_mut().enumerate() {
        if i % 15 != 0 {
            *plate = None;
        }
    }
    let a = analyze_clip(&clip, LiftVariant::Auto, &all_rules());
    assert!(!a.findings.iter().any(|f| f.check == CheckId::BarDrift));
    let reasons: Vec<&str> = a
        .not_assessable
        .iter()
        .filter(|n| n.check == CheckId::BarDrift)
        .map(|n| n.reason.as_str())
        .collect();
    assert!(
        !reasons.is_empty() && reasons.iter().all(|r| r.contains("plate")),
        "{reasons:?}"
    );
}

/// Seen from behind, the body hides the hands for most of the pull (BlazePose then reports them
/// with a visibility near zero). The arms hang straight, so the bar is followed an arm's length
/// below the shoulders and the reps are still counted.
#[test]
fn reps_counted_when_the_body_hides_the_hands() {
    let spec = Spec {
        yaw_deg: 90.0,
        ..Spec::default()
    };
    let mut clip = synth::generate(&spec);
    for pose in clip.frames.iter_mut().filter_map(|f| f.pose.as_mut()) {
        let mid_thigh_y = 0.5 * (pose.keypoints[lm::LEFT_HIP].y + pose.keypoints[lm::LEFT_KNEE].y);
        for wrist in [lm::LEFT_WRIST, lm::RIGHT_WRIST] {
            // Hidden whenever the hands are below mid-thigh: set-up, pull and lowering.
            if pose.keypoints[wrist].y > mid_thigh_y {
                pose.keypoints[wrist].visibility = 0.03;
            }
        }
    }
    let a = analyze_clip(&clip, LiftVariant::Auto, &all_rules());
    assert_eq!(a.reps.len(), 3, "{:?}", a.notes);
    assert!(a.details.iter().any(|n| n.contains("hands hidden")), "{:?}", a.details);
}

/// A deeper Romanian deadlift (knees bent 40 degrees at the bottom, hips dropping ~0.18 leg
/// lengths) is still told from a conventional pull (~0.3), side and front.
#[test]
fn deep_romanian_deadlift_is_still_romanian() {
    let cases = [
        ("side", 0.0, Lift::Romanian, LiftVariant::Romanian),
        ("front", 90.0, Lift::Romanian, LiftVariant::Romanian),
        ("conventional, side", 0.0, Lift::Conventional, LiftVariant::Conventional),
        (
            "conventional, front",
            90.0,
            Lift::Conventional,
            LiftVariant::Conventional,
        ),
    ];
    for (name, yaw_deg, lift, want) in cases {
        let a = run(&Spec {
            lift,
            yaw_deg,
            rdl_knee_flex: 40.0,
            ..Spec::default()
        });
        assert_eq!(a.variant, want, "{name}");
    }
}

/// The hands are often first seen as they reach down for the bar, a few pixels below where they
/// grip it. That dip must not become the floor level: lift-off is where the bar leaves its
/// resting level, not the moment the hands were first seen.
#[test]
fn hands_first_seen_below_the_bar_do_not_move_lift_off() {
    let spec = Spec::default();
    let want = run(&spec).reps[0].lift_off.map(|e| e.frame).unwrap_or_default();
    let mut clip = synth::generate(&spec);
    let first_seen = want - 30;
    for (f, frame) in clip.frames.iter_mut().enumerate() {
        let Some(pose) = frame.pose.as_mut() else { continue };
        for wrist in [lm::LEFT_WRIST, lm::RIGHT_WRIST] {
            if f < first_seen {
                pose.keypoints[wrist].visibility = 0.0;
            } else if f < first_seen + 2 {
                pose.keypoints[wrist].y += 4.0;
            }
        }
    }
    let a = analyze_clip(&clip, LiftVariant::Auto, &all_rules());
    let got = a.reps[0].lift_off.map(|e| e.frame).unwrap_or_default();
    assert!(got.abs_diff(want) <= 2, "lift-off at frame {got}, want {want}");
}

/// A generated front view of two good reps, with rep 2's lift-off and lockout frames: the clip
/// the left/right tests edit.
fn front_view_rep2() -> (Spec, usize, usize) {
    let spec = Spec {
        yaw_deg: 90.0,
        ..Spec::default()
    };
    let clean = run(&spec);
    let rep2 = &clean.reps[1];
    let lift_off = rep2.lift_off.map(|e| e.frame).unwrap_or_default();
    let lockout = rep2.lockout.map(|e| e.frame).unwrap_or_default();
    (spec, lift_off, lockout)
}

/// The left leg's length (hip to knee to ankle) on the first frame of `spec`'s clip, pixels.
fn leg_px_standing(spec: &Spec) -> f32 {
    let clip = synth::generate(spec);
    let pose = clip.frames[0].pose.as_ref().expect("a pose on the first frame");
    let at = |i: usize| (pose.keypoints[i].x, pose.keypoints[i].y);
    let dist = |a: (f32, f32), b: (f32, f32)| (a.0 - b.0).hypot(a.1 - b.1);
    dist(at(lm::LEFT_HIP), at(lm::LEFT_KNEE)) + dist(at(lm::LEFT_KNEE), at(lm::LEFT_ANKLE))
}

/// Tilts the line from the right keypoint to the left one by `tilt_deg`, moving the left one
/// (positive: the left one goes down in the image).
fn tilt_line(frame: &mut crate::pose::PoseFrame, left: usize, right: usize, tilt_deg: f32) {
    let Some(pose) = frame.pose.as_mut() else { return };
    let width = (pose.keypoints[left].x - pose.keypoints[right].x).abs();
    pose.keypoints[left].y += width * tilt_deg.to_radians().tan();
}

/// Front view: the wrist line's tilt is the noisiest of the left/right measures, so the hands
/// alone tilting as far as good rendered reps read (7-8 degrees measured) is no finding, while a
/// bar well off level is. (The edit raises one hand from lift-off on, as a bar tipping off the
/// floor does; lowering it instead put that hand below the floor and moved the detected set-up
/// into the step, so the change measured from it fell short: 16.4 degrees for 20.)
#[test]
fn a_tilted_wrist_line_needs_more_than_keypoint_noise() {
    let (spec, from, to) = front_view_rep2();
    for (tilt_deg, want) in [(8.0_f32, false), (20.0, true)] {
        let mut clip = synth::generate(&spec);
        for frame in &mut clip.frames[from..=to] {
            tilt_line(frame, lm::LEFT_WRIST, lm::RIGHT_WRIST, -tilt_deg);
        }
        let a = analyze_clip(&clip, LiftVariant::Auto, &all_rules());
        let found = checks_of(&a, 2).contains(&CheckId::LeftRightImbalance);
        let measured = a.reps[1].metrics.max_bar_tilt_change_deg;
        assert_eq!(found, want, "tilt {tilt_deg} (measured {measured:?}): {:?}", a.findings);
    }
}

/// Front view: a bar rests level on the floor, and the shoulders and hips of a lifter gripping it
/// are level too, so a line read tilted through the set-up and level in the pull (hands misread
/// in front of the shins, as on rendered seed 403 clip 002) is no imbalance, while the same
/// change the other way, a level set-up and a line tipping in the pull, is.
#[test]
fn a_line_coming_level_off_the_floor_is_no_imbalance() {
    let (spec, lift_off, lockout) = front_view_rep2();
    let lines = [
        ("wrists", lm::LEFT_WRIST, lm::RIGHT_WRIST, 15.0_f32),
        ("shoulders", lm::LEFT_SHOULDER, lm::RIGHT_SHOULDER, 12.0),
        ("hips", lm::LEFT_HIP, lm::RIGHT_HIP, 12.0),
    ];
    for (name, left, right, tilt) in lines {
        // (tilt through the set-up, tilt in the pull, want a finding)
        for (at_setup, in_pull, want) in [(tilt, 0.0, false), (0.0, tilt, true)] {
            let mut clip = synth::generate(&spec);
            for frame in &mut clip.frames[lift_off - 60..lift_off] {
                tilt_line(frame, left, right, -at_setup);
            }
            for frame in &mut clip.frames[lift_off..=lockout] {
                tilt_line(frame, left, right, -in_pull);
            }
            let a = analyze_clip(&clip, LiftVariant::Auto, &all_rules());
            let found = checks_of(&a, 2).contains(&CheckId::LeftRightImbalance);
            // Judged, not set aside: the rep's lines were read.
            let unassessed = not_assessed(&a, CheckId::LeftRightImbalance, 2);
            assert_eq!(
                (found, unassessed),
                (want, false),
                "{name}: {at_setup} degrees at set-up, {in_pull} in the pull: {:?} {:?}",
                a.findings,
                a.not_assessable
            );
        }
    }
}

/// Front view: a hand drawn up by the head through the set-up (the pose model losing a bent-over
/// lifter's hand, as on held-out seed 404 clip 001) would lift the bar's height there; the arm
/// then points far from straight down (`MAX_ARM_FROM_DOWN_DEG`), so that wrist is treated as
/// hidden and the reps are counted as without it; at 50 degrees too. An arm swung 30 degrees out,
/// as far as the rendered arms ever hang, is kept, and so are both arms raised together.
#[test]
fn a_hand_drawn_above_the_shoulder_is_not_the_bar() {
    let (spec, lift_off, _) = front_view_rep2();
    let clean = run(&spec);
    // (arm's direction from straight down, degrees; both arms raised, or the left one only;
    // want the wrists kept)
    let cases = [
        (150.0_f32, false, false),
        (50.0, false, false),
        (30.0, false, true),
        (150.0, true, true),
    ];
    for (from_down, both, kept) in cases {
        let mut clip = synth::generate(&spec);
        let arms: &[(usize, usize)] = if both {
            &[
                (lm::LEFT_SHOULDER, lm::LEFT_WRIST),
                (lm::RIGHT_SHOULDER, lm::RIGHT_WRIST),
            ]
        } else {
            &[(lm::LEFT_SHOULDER, lm::LEFT_WRIST)]
        };
        edit_poses(&mut clip, lift_off - 30..lift_off, |pose| {
            for &(shoulder, wrist) in arms {
                let shoulder = (pose.keypoints[shoulder].x, pose.keypoints[shoulder].y);
                let wrist = &mut pose.keypoints[wrist];
                let arm = (wrist.x - shoulder.0).hypot(wrist.y - shoulder.1);
                let outward = (wrist.x - shoulder.0).signum();
                let (sin, cos) = from_down.to_radians().sin_cos();
                wrist.x = shoulder.0 + outward * arm * sin;
                wrist.y = shoulder.1 + arm * cos;
            }
        });
        let a = analyze_clip(&clip, LiftVariant::Auto, &all_rules());
        let dropped = a
            .details
            .iter()
            .any(|d| d.contains("from straight down treated as hidden"));
        assert_eq!(
            dropped, !kept,
            "arm {from_down} degrees from down, both {both}: {:?}",
            a.details
        );
        if both {
            // Both hands up come with the whole upper body misdrawn: left to the trunk's limits.
            continue;
        }
        // The wrist kept at 30 degrees rides a little higher, which may move lift-off a frame or
        // two; a wrist by the head read as the bar would move it far more, or lose the rep.
        let lift_offs = |a: &Analysis| {
            a.reps
                .iter()
                .map(|r| r.lift_off.map_or(0, |e| e.frame))
                .collect::<Vec<_>>()
        };
        let (got, want) = (lift_offs(&a), lift_offs(&clean));
        assert!(
            got.len() == want.len() && got.iter().zip(&want).all(|(g, w)| g.abs_diff(*w) <= 3),
            "arm {from_down} degrees from down: lift-offs {got:?}, clean {want:?}"
        );
    }
}

/// Front view: a wrist line tilting further than a loaded bar can (the pose model losing the
/// lifter's sides, as on a rendered rear view) discredits the rep's other left/right lines too:
/// a hip line tilted as far as a real imbalance then goes unjudged, "not assessable", while the
/// same hip line with the wrists level is found. A wrist line that wild at the set-up and level
/// in the pull discredits them as well (held-out seed 404 clip 001), although the bar's own
/// change counts only away from level.
#[test]
fn an_impossible_bar_tilt_makes_left_right_not_assessable() {
    let (spec, from, to) = front_view_rep2();
    // (wrist line tilt through the set-up, in the pull; hip line tilt; want a finding, want
    // "not assessable")
    let cases = [
        (0.0_f32, 0.0, 20.0, true, false),
        (0.0, 45.0, 20.0, false, true),
        (40.0, 0.0, 20.0, false, true),
    ];
    for (wrists_at_setup, wrists, hips, found_wanted, unassessed_wanted) in cases {
        let mut clip = synth::generate(&spec);
        // Turned about their midpoint, so neither arm reads short enough to be dropped.
        edit_poses(&mut clip, from - 60..from, |pose| {
            let [l, r] = [lm::LEFT_WRIST, lm::RIGHT_WRIST].map(|i| (pose.keypoints[i].x, pose.keypoints[i].y));
            let (cx, cy) = ((l.0 + r.0) / 2.0, (l.1 + r.1) / 2.0);
            let (sin, cos) = wrists_at_setup.to_radians().sin_cos();
            for (i, (x, y)) in [(lm::LEFT_WRIST, l), (lm::RIGHT_WRIST, r)] {
                let (dx, dy) = (x - cx, y - cy);
                pose.keypoints[i].x = cx + cos * dx - sin * dy;
                pose.keypoints[i].y = cy + sin * dx + cos * dy;
            }
        });
        // Over a third of a second, as a pose drifting off the lifter's sides does; the left
        // wrist goes down.
        for (i, frame) in clip.frames[from..=to].iter_mut().enumerate() {
            let ramp = (i as f32 / 10.0).min(1.0);
            tilt_line(frame, lm::LEFT_WRIST, lm::RIGHT_WRIST, wrists * ramp);
            tilt_line(frame, lm::LEFT_HIP, lm::RIGHT_HIP, hips * ramp);
        }
        let a = analyze_clip(&clip, LiftVariant::Auto, &all_rules());
        let found = checks_of(&a, 2).contains(&CheckId::LeftRightImbalance);
        let unassessed = not_assessed_because(&a, CheckId::LeftRightImbalance, 2, "lost the lifter's sides");
        assert_eq!(a.reps.len(), 3, "wrists {wrists_at_setup} then {wrists}, hips {hips}");
        assert_eq!(
            (found, unassessed),
            (found_wanted, unassessed_wanted),
            "wrists {wrists_at_setup} then {wrists}, hips {hips}: {:?} / {:?}",
            a.findings,
            a.not_assessable
        );
    }
}

/// Front view: a shoulder line tipping in the pull is an imbalance when the shoulders are as far
/// apart as usual at the set-up, but not when one shoulder is drawn well inside the body there
/// (as the pose model drew a bent-over lifter from the rear, seed 335 clip 007): widths across
/// the body hardly change with bending, so the line is not read there, the set-up gives no
/// reference, and the rep is "not assessable".
#[test]
fn a_shoulder_drawn_inside_the_body_gives_no_left_right_line() {
    let (spec, lift_off, lockout) = front_view_rep2();
    // (span kept at the set-up, as a fraction of the usual, want a finding)
    for (kept, found_wanted) in [(1.0_f32, true), (0.45, false)] {
        let mut clip = synth::generate(&spec);
        edit_poses(&mut clip, lift_off - 60..lift_off, |pose| {
            let left_x = pose.keypoints[lm::LEFT_SHOULDER].x;
            let right = &mut pose.keypoints[lm::RIGHT_SHOULDER];
            right.x = left_x + (right.x - left_x) * kept;
        });
        for frame in &mut clip.frames[lift_off..=lockout] {
            tilt_line(frame, lm::LEFT_SHOULDER, lm::RIGHT_SHOULDER, 15.0);
        }
        let a = analyze_clip(&clip, LiftVariant::Auto, &all_rules());
        let found = checks_of(&a, 2).contains(&CheckId::LeftRightImbalance);
        let measured = a.reps[1].metrics.max_shoulder_tilt_change_deg;
        let drawn_inside = not_assessed_because(&a, CheckId::LeftRightImbalance, 2, "drawn inside the body");
        assert_eq!(
            (found, drawn_inside),
            (found_wanted, !found_wanted),
            "span kept {kept} (shoulder tilt change {measured:?}): {:?} {:?}",
            a.findings,
            a.not_assessable
        );
    }
}

/// Front view: the hips shifted sideways over the feet through the pull are an imbalance past
/// `imbalance_shift_max_leg_frac` (4% of leg length) and not below it. The shift is judged at the
/// level it holds for [`Config::finding_min_hold_s`]: a brief sway that peaks past the limit is
/// found without a hold and not under a hold longer than it.
#[test]
fn a_sideways_hip_shift_counts_when_held_past_its_limit() {
    let (spec, lift_off, lockout) = front_view_rep2();
    let leg_px = leg_px_standing(&spec);
    let hold = |s: f64| Config {
        finding_min_hold_s: s,
        ..all_rules()
    };
    let mid = (lift_off + lockout) / 2;
    let sway = mid - 5..mid + 6;
    // (most shift, a fraction of leg length; frames shifted; ramped up and down (a sway) or
    // held; hold, seconds; want a finding)
    let cases = [
        (0.03_f32, lift_off..lockout + 1, false, 0.15, false),
        (0.06, lift_off..lockout + 1, false, 0.15, true),
        (0.10, sway.clone(), true, 0.0, true),
        (0.10, sway, true, 0.5, false),
    ];
    for (most, frames, ramped, hold_s, want) in cases {
        let mut clip = synth::generate(&spec);
        let shown = format!("{most} of a leg over frames {frames:?}, ramped {ramped}, hold {hold_s} s");
        let (first, n) = (frames.start, frames.len() as f32);
        for (f, frame) in clip.frames[frames].iter_mut().enumerate() {
            let Some(pose) = frame.pose.as_mut() else { continue };
            let share = if ramped {
                1.0 - (2.0 * f as f32 / (n - 1.0) - 1.0).abs()
            } else {
                1.0
            };
            for hip in [lm::LEFT_HIP, lm::RIGHT_HIP] {
                pose.keypoints[hip].x += most * share * leg_px;
            }
        }
        let a = analyze_clip(&clip, LiftVariant::Auto, &hold(hold_s));
        let found = a
            .findings
            .iter()
            .any(|f| f.check == CheckId::LeftRightImbalance && f.rep == 2 && f.measure.contains("hip shift"));
        let measured = a.reps[1].metrics.max_hip_shift_change_pct_leg;
        assert_eq!(
            found, want,
            "{shown} from frame {first} (measured {measured:?}): {:?}",
            a.findings
        );
    }
}

/// Front view: a knee drawn inside the hip-ankle line through the pull is found; with the hips
/// drawn inside the body on those frames (a misplaced hip, as on held-out seed 404 clip 002,
/// whose good rear view read a 7.5% knee valgus) the hip-ankle lines are not read there and the
/// rep's knees are "not assessable", not a fault.
#[test]
fn knees_are_not_judged_against_hips_drawn_inside_the_body() {
    let (spec, lift_off, lockout) = front_view_rep2();
    let leg_px = leg_px_standing(&spec);
    // (share of the hips' span kept, want a knee finding)
    for (kept, want) in [(1.0_f32, true), (0.45, false)] {
        let mut clip = synth::generate(&spec);
        edit_poses(&mut clip, lift_off..lockout + 1, |pose| {
            let centre = (pose.keypoints[lm::LEFT_HIP].x + pose.keypoints[lm::RIGHT_HIP].x) / 2.0;
            let knee = &mut pose.keypoints[lm::LEFT_KNEE];
            knee.x += (centre - knee.x).signum() * 0.10 * leg_px;
            let left_x = pose.keypoints[lm::LEFT_HIP].x;
            let right = &mut pose.keypoints[lm::RIGHT_HIP];
            right.x = left_x + (right.x - left_x) * kept;
        });
        let a = analyze_clip(&clip, LiftVariant::Auto, &all_rules());
        let found = checks_of(&a, 2).contains(&CheckId::KneesOverMidfoot);
        let unassessed = not_assessed_because(&a, CheckId::KneesOverMidfoot, 2, "drawn inside the body");
        assert_eq!(
            (found, unassessed),
            (want, !want),
            "hips' span kept {kept}: {:?} {:?}",
            a.findings,
            a.not_assessable
        );
    }
}

/// Front view: hips read sliding a fifth of a leg sideways over the feet (a camera far from
/// square to the lifter, where the hinge itself moves the hips sideways, as on held-out seed 337
/// clip 001) discredit the rep's left/right lines: a hip line tilted past its limit is then "not
/// assessable", while with a shift a lifter can make it is found.
#[test]
fn a_hip_shift_no_lifter_could_make_is_the_view() {
    let (spec, lift_off, lockout) = front_view_rep2();
    let leg_px = leg_px_standing(&spec);
    // (sideways shift, a fraction of leg length; want a finding, want "not square")
    for (shift, found_wanted, not_square_wanted) in [(0.02_f32, true, false), (0.20, false, true)] {
        let mut clip = synth::generate(&spec);
        for frame in &mut clip.frames[lift_off..=lockout] {
            tilt_line(frame, lm::LEFT_HIP, lm::RIGHT_HIP, 12.0);
            let Some(pose) = frame.pose.as_mut() else { continue };
            for hip in [lm::LEFT_HIP, lm::RIGHT_HIP] {
                pose.keypoints[hip].x += shift * leg_px;
            }
        }
        let a = analyze_clip(&clip, LiftVariant::Auto, &all_rules());
        let found = checks_of(&a, 2).contains(&CheckId::LeftRightImbalance);
        let not_square = not_assessed_because(&a, CheckId::LeftRightImbalance, 2, "not square");
        assert_eq!(
            (found, not_square),
            (found_wanted, not_square_wanted),
            "shift {shift}: {:?} {:?}",
            a.findings,
            a.not_assessable
        );
    }
}

/// Front view: a hip line that swings wildly just before the set-up (a pose model losing a
/// bent-over lifter) gives no reference, so a change from it is "not assessable", not an
/// imbalance; the same pull from a steady set-up is found, although the low-pass smears its
/// sharp start back into the set-up.
#[test]
fn an_unsteady_set_up_is_no_left_right_reference() {
    let (spec, lift_off, lockout) = front_view_rep2();
    for (swing_at_setup, found_wanted) in [(false, true), (true, false)] {
        let mut clip = synth::generate(&spec);
        for frame in &mut clip.frames[lift_off..=lockout] {
            tilt_line(frame, lm::LEFT_HIP, lm::RIGHT_HIP, 25.0);
        }
        if swing_at_setup {
            // As a rear view read at seed 303 clip 006: the hip line at -12 degrees, then at
            // +12, for 0.4 s each, around the set-up (the hips start rising about 0.6 s before
            // lift-off in these clips).
            for (i, frame) in clip.frames[lift_off - 30..lift_off - 6].iter_mut().enumerate() {
                tilt_line(frame, lm::LEFT_HIP, lm::RIGHT_HIP, if i < 12 { -12.0 } else { 12.0 });
            }
        }
        let a = analyze_clip(&clip, LiftVariant::Auto, &all_rules());
        let found = checks_of(&a, 2).contains(&CheckId::LeftRightImbalance);
        let rep_notes: Vec<_> = a.not_assessable.iter().filter(|n| n.rep.is_some()).collect();
        assert_eq!(
            found, found_wanted,
            "swing at set-up {swing_at_setup}: {:?} {rep_notes:?}",
            a.findings
        );
        let unsteady = not_assessed_because(&a, CheckId::LeftRightImbalance, 2, "too unsteady");
        assert_eq!(unsteady, swing_at_setup, "{:?}", a.not_assessable);
    }
}

/// Front view: each left/right line is judged on its own, so hands hidden through the pull (as
/// behind a plate or out of frame) leave the tilted hip line to be found; with the hips level the
/// rule is "not assessable" for the hidden hands rather than clean.
#[test]
fn hidden_hands_leave_the_other_left_right_lines_to_judge() {
    let (spec, lift_off, lockout) = front_view_rep2();
    for (hip_tilt_deg, found_wanted) in [(25.0_f32, true), (0.0, false)] {
        let mut clip = synth::generate(&spec);
        for frame in &mut clip.frames[lift_off.saturating_sub(60)..=lockout] {
            let Some(pose) = frame.pose.as_mut() else { continue };
            for wrist in [lm::LEFT_WRIST, lm::RIGHT_WRIST] {
                pose.keypoints[wrist].visibility = 0.0;
            }
        }
        for frame in &mut clip.frames[lift_off..=lockout] {
            tilt_line(frame, lm::LEFT_HIP, lm::RIGHT_HIP, hip_tilt_deg);
        }
        let a = analyze_clip(&clip, LiftVariant::Auto, &all_rules());
        let found = checks_of(&a, 2).contains(&CheckId::LeftRightImbalance);
        let unassessed = not_assessed(&a, CheckId::LeftRightImbalance, 2);
        assert_eq!(
            found, found_wanted,
            "hip tilt {hip_tilt_deg}: {:?} {:?}",
            a.findings, a.not_assessable
        );
        assert_eq!(
            unassessed, !found_wanted,
            "hip tilt {hip_tilt_deg}: {:?}",
            a.not_assessable
        );
    }
}

/// A knee keypoint dragged forward at lockout (as BlazePose does when the plate hides the knee)
/// reads a squat's bend at the top: no incomplete-lockout finding, but "not assessable" with the
/// reason. A genuinely soft lockout (knees 28 degrees short) is still found.
#[test]
fn a_squat_bend_at_lockout_is_a_keypoint_error() {
    let spec = Spec::default();
    let clean = run(&spec);
    let rep2 = &clean.reps[1];
    let (from, to) = (
        rep2.lockout.map(|e| e.frame).unwrap_or_default(),
        rep2.set_down.map(|e| e.frame).unwrap_or_default(),
    );
    let mut clip = synth::generate(&spec);
    for frame in &mut clip.frames[from..=to] {
        let Some(pose) = frame.pose.as_mut() else { continue };
        for (knee, hip) in [(lm::LEFT_KNEE, lm::LEFT_HIP), (lm::RIGHT_KNEE, lm::RIGHT_HIP)] {
            // Nearly half the thigh's length forward of the leg line: the knee reads about 140.
            let thigh = (pose.keypoints[knee].y - pose.keypoints[hip].y).abs();
            let forward = if pose.keypoints[lm::LEFT_FOOT_INDEX].x > pose.keypoints[lm::LEFT_HEEL].x {
                1.0
            } else {
                -1.0
            };
            pose.keypoints[knee].x += forward * 0.45 * thigh;
        }
    }
    let a = analyze_clip(&clip, LiftVariant::Auto, &all_rules());
    assert!(
        !checks_of(&a, 2).contains(&CheckId::IncompleteLockout),
        "{:?}",
        a.findings
    );
    assert!(
        not_assessed_because(&a, CheckId::IncompleteLockout, 2, "squat"),
        "{:?}",
        a.not_assessable
    );
    let soft = run(&Spec {
        faults: vec![None, Some(Fault::IncompleteLockout), None],
        ..Spec::default()
    });
    assert!(checks_of(&soft, 2).contains(&CheckId::IncompleteLockout));
}

/// The lower half of the back outline bends further as the hips open, with no change in the
/// spine (rendered good reps: about 1.3 degrees per degree of trunk rise). Only frames within
/// `back_outline_max_trunk_change_deg` of the set-up's trunk angle are compared with it, and an
/// added bend must last `back_bend_min_hold_s`, so that climb is no rounding. With 15 degrees and
/// no hold it was (1.3 x 15 = 19.5 against a 15-degree limit); either guard alone keeps it out.
#[test]
fn outline_bending_as_the_hips_open_is_not_rounding() {
    let spec = Spec {
        hip_crease_bend_per_deg: 1.3,
        ..Spec::default()
    };
    for (name, spec) in clean_mirrored_noisy(spec.clone()) {
        let a = run(&spec);
        assert_eq!(a.reps.len(), 3, "{name}");
        let rounding: Vec<_> = a
            .findings
            .iter()
            .filter(|f| f.check == CheckId::LowerBackRounding)
            .collect();
        assert!(rounding.is_empty(), "{name}: {rounding:?}");
    }
    // (case, comparable trunk change, hold, whether the climb reads as rounding)
    let cases = [
        ("15 degrees, no hold", 15.0, 0.0, true),
        ("15 degrees, held", 15.0, all_rules().back_bend_min_hold_s, false),
        ("10 degrees, no hold", 10.0, 0.0, false),
    ];
    for (case, window, hold, rounding) in cases {
        let cfg = Config {
            back_outline_max_trunk_change_deg: window,
            back_bend_min_hold_s: hold,
            ..all_rules()
        };
        let a = run_with(&spec, LiftVariant::Auto, &cfg);
        let found = a.findings.iter().any(|f| f.check == CheckId::LowerBackRounding);
        let changes: Vec<_> = a.reps.iter().map(|r| r.metrics.lower_back_change_deg).collect();
        assert_eq!(found, rounding, "{case}: {changes:?}");
    }
}

/// An outline that bends further than a spine can (here the lower half, by about 80 degrees
/// within the frames comparable to set-up) has stopped following the back: not assessable, with
/// the reason, rather than a rounding fault.
#[test]
fn implausible_back_outline_is_not_assessable() {
    let a = run(&Spec {
        hip_crease_bend_per_deg: 8.0,
        ..Spec::default()
    });
    assert!(
        !a.findings.iter().any(|f| f.check == CheckId::LowerBackRounding),
        "{:?}",
        a.findings
    );
    assert!(
        a.not_assessable
            .iter()
            .any(|n| n.check == CheckId::LowerBackRounding && n.reason.contains("implausible")),
        "{:?}",
        a.not_assessable
    );
}

/// The back's absolute shape at lift-off is judged only near side-on: a fold that reads as a back
/// rounded before the pull from the side is not taken as one from 20 degrees off side-on (still
/// a side view for the other rules), where the view itself changes the outline's shape.
#[test]
fn rounded_before_the_pull_is_judged_only_near_side_on() {
    for (yaw_deg, found) in [(0.0, true), (20.0, false)] {
        let a = run(&Spec {
            yaw_deg,
            faults: vec![None, Some(Fault::RoundedAtSetup), None],
            ..Spec::default()
        });
        assert_eq!(a.view.view, View::Side, "yaw {yaw_deg}: {:?}", a.view);
        assert_eq!(
            checks_of(&a, 2).contains(&CheckId::UpperBackRounding),
            found,
            "yaw {yaw_deg}: view {:?}, rep 2 {:?}",
            a.view,
            a.reps[1].metrics.lift_off_mid_back_fold_deg
        );
    }
}

/// Hips that rise first and then hold still before the bar breaks pause a second time, higher:
/// the hips' rise is measured from the pause with the hips lowest, so it is still found (the
/// last pause before lift-off would hide it, as on rendered seed 329 clip 000).
#[test]
fn hips_rising_first_are_found_when_they_hold_before_the_bar_breaks() {
    for (kind, spec) in clean_mirrored_noisy(Spec {
        faults: vec![None, Some(Fault::HipsRiseFirstThenHold), None],
        ..Spec::default()
    }) {
        let a = run(&spec);
        assert_eq!(a.reps.len(), 3, "{kind}");
        assert!(
            checks_of(&a, 2).contains(&CheckId::HipsRiseFirst),
            "{kind}: rep 2 {:?}, early trunk change {:?}",
            checks_of(&a, 2),
            a.reps[1].metrics.early_trunk_change_deg
        );
        assert!(checks_of(&a, 1).is_empty() && checks_of(&a, 3).is_empty(), "{kind}");
    }
}

/// The lower-back, RDL locked-knee and set-up position rules judge only when asked
/// ([`Config::lower_back_findings`], [`Config::rdl_knee_findings`],
/// [`Config::setup_position_findings`]): by default a rep with the fault is reported not
/// assessable, saying how to turn the rule on.
#[test]
fn rules_off_by_default_judge_only_when_asked() {
    // (rule, the fault it finds, the lift, the config field that turns it on)
    let cases = [
        (
            CheckId::LowerBackRounding,
            Fault::LowerRounding,
            Lift::Conventional,
            "lower_back_findings = true",
        ),
        (
            CheckId::RdlKneesLocked,
            Fault::RdlKneesLocked,
            Lift::Romanian,
            "rdl_knee_findings = true",
        ),
        (
            CheckId::ShouldersOverBar,
            Fault::ShouldersBehindBar,
            Lift::Conventional,
            "setup_position_findings = true",
        ),
        (
            CheckId::BarOverMidfoot,
            Fault::BarAheadOfMidfoot,
            Lift::Conventional,
            "setup_position_findings = true",
        ),
    ];
    for (check, fault, lift, switch) in cases {
        let spec = Spec {
            lift,
            faults: vec![None, Some(fault), None],
            ..Spec::default()
        };
        for (name, cfg, judged) in [("default", Config::default(), false), ("on", all_rules(), true)] {
            let a = run_with(&spec, LiftVariant::Auto, &cfg);
            assert_eq!(checks_of(&a, 2).contains(&check), judged, "{check:?} {name}");
            let off = a
                .not_assessable
                .iter()
                .any(|n| n.check == check && n.reason.contains(switch));
            assert_eq!(off, !judged, "{check:?} {name}: {:?}", a.not_assessable);
        }
    }
}

/// The upper back is judged on the fold at mid-trunk by default; the added bend of the outline's
/// upper half, which reads rounded and other backs alike on the renders, judges only with
/// [`Config::upper_back_bend_findings`], and its reading stays in the rep's metrics either way.
#[test]
fn the_upper_half_bend_judges_only_when_asked() {
    let bend_on = Config {
        upper_back_bend_findings: true,
        ..Config::default()
    };
    // (fault, config, whether the upper back is found)
    let cases = [
        (Fault::UpperRounding, Config::default(), false),
        (Fault::UpperRounding, bend_on.clone(), true),
        (Fault::MidBackFold, Config::default(), true),
        (Fault::MidBackFold, bend_on, true),
    ];
    for (fault, cfg, found) in cases {
        let a = run_with(
            &Spec {
                faults: vec![None, Some(fault), None],
                ..Spec::default()
            },
            LiftVariant::Auto,
            &cfg,
        );
        let bend_switch = cfg.upper_back_bend_findings;
        assert_eq!(
            checks_of(&a, 2).contains(&CheckId::UpperBackRounding),
            found,
            "{fault:?}, bend {bend_switch}: {:?}",
            a.findings
        );
        assert!(
            a.reps[1].metrics.upper_back_change_deg.is_some(),
            "{fault:?}, bend {bend_switch}: the bend's reading is kept"
        );
        assert!(
            checks_of(&a, 1).is_empty() && checks_of(&a, 3).is_empty(),
            "{fault:?}, bend {bend_switch}"
        );
    }
}

/// The upper half's bend, judging nothing by default, still vouches for the outline: bent past
/// what a spine can show, the upper-back rule is not assessable rather than judged on the fold
/// of an outline that has left the back.
#[test]
fn an_implausible_upper_half_leaves_the_upper_back_not_assessable() {
    let good = synth::generate(&Spec::default());
    let rounded = synth::generate(&Spec {
        faults: vec![None, Some(Fault::UpperRounding), None],
        ..Spec::default()
    });
    assert_eq!(good.frames.len(), rounded.frames.len(), "same timing");
    // The upper half's bulge (35 degrees of bend) four times over: past 45 degrees.
    let mut clip = rounded.clone();
    for (outline, (good, rounded)) in clip.back.iter_mut().zip(good.back.iter().zip(&rounded.back)) {
        let (Some(outline), Some(good), Some(rounded)) = (outline, good, rounded) else {
            continue;
        };
        for (p, (g, r)) in outline.points.iter_mut().zip(good.points.iter().zip(&rounded.points)) {
            p.x = g.x + 4.0 * (r.x - g.x);
            p.y = g.y + 4.0 * (r.y - g.y);
        }
    }
    for (name, clip, implausible) in [("35 degrees", &rounded, false), ("four times over", &clip, true)] {
        let a = analyze_clip(clip, LiftVariant::Auto, &Config::default());
        assert!(
            !checks_of(&a, 2).contains(&CheckId::UpperBackRounding),
            "{name}: {:?}",
            a.findings
        );
        let vetoed = a
            .not_assessable
            .iter()
            .any(|n| n.check == CheckId::UpperBackRounding && n.rep == Some(2) && n.reason.contains("implausible"));
        assert_eq!(vetoed, implausible, "{name}: {:?}", a.not_assessable);
    }
}

/// Rounding added during the pull is judged only near side-on too: seen from 20 degrees off
/// side-on (a side view for the other rules) the hinge turns the back against the camera, and
/// the back rules say so instead of judging (two front-oblique rendered clips read as side views
/// gave flat backs an added fold at mid-trunk).
#[test]
fn rounding_during_the_pull_is_judged_only_near_side_on() {
    // (the fault, its lift, the rule that finds it)
    let cases = [
        (Fault::MidBackFold, Lift::Conventional, CheckId::UpperBackRounding),
        (Fault::LowerRounding, Lift::Conventional, CheckId::LowerBackRounding),
        (Fault::RdlRounding, Lift::Romanian, CheckId::RdlBackRounding),
    ];
    for (fault, lift, check) in cases {
        for (yaw_deg, found) in [(0.0, true), (20.0, false)] {
            let a = run(&Spec {
                lift,
                yaw_deg,
                faults: vec![None, Some(fault), None],
                ..Spec::default()
            });
            assert_eq!(a.view.view, View::Side, "{fault:?} yaw {yaw_deg}: {:?}", a.view);
            assert_eq!(checks_of(&a, 2).contains(&check), found, "{fault:?} yaw {yaw_deg}");
            let off_side_on = a
                .not_assessable
                .iter()
                .any(|n| n.check == check && n.reason.contains("off side-on"));
            assert_eq!(off_side_on, !found, "{fault:?} yaw {yaw_deg}: {:?}", a.not_assessable);
            // The rep's back readings follow the rules: none where the outline is not read.
            let m = &a.reps[1].metrics;
            let readings = if lift == Lift::Romanian {
                vec![m.bottom_mid_back_fold_deg]
            } else {
                vec![
                    m.upper_back_change_deg,
                    m.lower_back_change_deg,
                    m.mid_back_fold_change_deg,
                    m.lift_off_mid_back_fold_deg,
                ]
            };
            assert!(
                readings.iter().all(|r| r.is_some() == found),
                "{fault:?} yaw {yaw_deg}: {readings:?}"
            );
        }
    }
}

/// Turns the head's keypoints (nose to mouth) about the mid-shoulder by `deg`, as a pose model
/// that misplaces the head for a moment does.
fn tip_head(pose: &mut crate::pose::Pose, deg: f32) {
    let k = &pose.keypoints;
    let (cx, cy) = (
        0.5 * (k[lm::LEFT_SHOULDER].x + k[lm::RIGHT_SHOULDER].x),
        0.5 * (k[lm::LEFT_SHOULDER].y + k[lm::RIGHT_SHOULDER].y),
    );
    let (sin, cos) = deg.to_radians().sin_cos();
    for p in &mut pose.keypoints[lm::NOSE..lm::LEFT_SHOULDER] {
        let (dx, dy) = (p.x - cx, p.y - cy);
        p.x = cx + cos * dx - sin * dy;
        p.y = cy + sin * dx + cos * dy;
    }
}

/// A reading past its limit for a moment (the head misplaced on a few frames) is not a finding
/// ([`Config::finding_min_hold_s`]); the same reading held is, and without the hold the moment is
/// too, so the hold is what tells them apart.
#[test]
fn a_moment_past_the_head_limit_is_not_a_finding() {
    let spec = Spec::default();
    let clean = run(&spec);
    assert!(clean.findings.is_empty(), "{:?}", clean.findings);
    let rep1 = &clean.reps[0];
    let lift_off = frame_of(rep1.lift_off, "lift-off");
    let lockout = frame_of(rep1.lockout, "lockout");
    let mid = (lift_off + lockout) / 2;
    let no_hold = Config {
        finding_min_hold_s: 0.0,
        ..all_rules()
    };
    // (frames with the head turned 60 degrees towards the chest, config, head finding on rep 1)
    let cases = [(3, all_rules(), false), (3, no_hold, true), (14, all_rules(), true)];
    for (frames, cfg, want) in cases {
        let mut clip = synth::generate(&spec);
        edit_poses(&mut clip, mid - frames / 2..mid + frames - frames / 2, |pose| {
            tip_head(pose, 60.0)
        });
        let a = analyze_clip(&clip, LiftVariant::Auto, &cfg);
        let head: Vec<&Finding> = a
            .findings
            .iter()
            .filter(|f| f.check == CheckId::HeadPosition && f.rep == 1)
            .collect();
        assert_eq!(
            !head.is_empty(),
            want,
            "{frames} frames turned, hold {} s",
            cfg.finding_min_hold_s
        );
        // The finding's time span lies around the frames turned (the low-pass smears them by a
        // few frames).
        let first = clip.frames[mid - frames / 2].time_s;
        let last = clip.frames[mid + frames - frames / 2 - 1].time_s;
        for f in head {
            assert!(
                f.start_s >= first - 0.15 && f.end_s <= last + 0.15,
                "{frames} frames: finding {:.2}-{:.2} s, turned {first:.2}-{last:.2} s",
                f.start_s,
                f.end_s
            );
        }
    }
}

/// At lockout the hip and knee angles are judged only where the pose model sees the knee
/// (`LOCKOUT_KNEE_MIN_VISIBILITY`): a knee it guesses behind the plate reads bent on straight
/// legs. The same bent knee is a finding when seen and not assessable when guessed (no back
/// outline to fall back on here).
#[test]
fn a_knee_the_model_guesses_at_lockout_is_not_judged() {
    let spec = Spec {
        faults: vec![None, Some(Fault::IncompleteLockout), None],
        back_outline: false,
        ..Spec::default()
    };
    // (case, knee visibility, incomplete lockout found on rep 2)
    let cases = [("seen", None, true), ("guessed", Some(0.6), false)];
    for (case, visibility, want) in cases {
        for (kind, spec) in clean_mirrored_noisy(spec.clone()) {
            let mut clip = synth::generate(&spec);
            if let Some(v) = visibility {
                let all = 0..clip.frames.len();
                edit_poses(&mut clip, all, |pose| {
                    for knee in [lm::LEFT_KNEE, lm::RIGHT_KNEE] {
                        pose.keypoints[knee].visibility = v;
                    }
                });
            }
            let a = analyze_clip(&clip, LiftVariant::Auto, &all_rules());
            assert_eq!(a.reps.len(), 3, "{case}, {kind}");
            let context = format!("{case}, {kind}");
            let unread = "does not see the knee clearly";
            assert_found_or_not_assessed(&a, CheckId::IncompleteLockout, 2, want, unread, &context);
            if !want {
                assert_eq!(a.reps[1].metrics.lockout_knee_deg, None, "{context}");
            }
        }
    }
}

/// An incomplete lockout read on the back outline stands only while the shoulders stay over the
/// feet, as they do with the hips left back: the same rep with the shoulder keypoints moved well
/// behind the mid-foot over its lockout (as if the lifter stood tall and the outline were off) is
/// not assessable.
#[test]
fn an_outline_lockout_under_shoulders_far_back_is_not_judged() {
    let base = incomplete_second_lockout_behind_the_plate();
    // (case, shoulders moved back by this share of the leg, incomplete lockout found on rep 2)
    let cases = [("as rendered", 0.0, true), ("shoulders far back", 0.25, false)];
    for (case, shift, want) in cases {
        for (kind, spec) in clean_mirrored_noisy(base.clone()) {
            let mut clip = synth::generate(&spec);
            let rep2 = analyze_clip(&clip, LiftVariant::Auto, &all_rules()).reps[1].clone();
            let lockout = frame_of(rep2.lockout, "lockout");
            let end = frame_of(rep2.set_down, "set-down");
            edit_poses(&mut clip, lockout..end, |pose| {
                let k = &mut pose.keypoints;
                let leg = (k[lm::LEFT_ANKLE].y - k[lm::LEFT_HIP].y).abs();
                let forward = (k[lm::LEFT_FOOT_INDEX].x - k[lm::LEFT_HEEL].x).signum();
                for shoulder in [lm::LEFT_SHOULDER, lm::RIGHT_SHOULDER] {
                    k[shoulder].x -= shift * leg * forward;
                }
            });
            let a = analyze_clip(&clip, LiftVariant::Auto, &all_rules());
            assert_eq!(a.reps.len(), 3, "{case}, {kind}");
            let context = format!("{case}, {kind}");
            let unread = "the outline is likely off";
            assert_found_or_not_assessed(&a, CheckId::IncompleteLockout, 2, want, unread, &context);
        }
    }
}

/// A knee the pose model reads bent on a straight leg at lockout: the same good reps with the knee
/// keypoints pushed forward while standing are incomplete lockouts when nothing contradicts them,
/// and not assessable when the back outline shows the trunk upright.
#[test]
fn a_bent_knee_under_an_upright_back_outline_is_not_judged() {
    // (case, back outline read, incomplete lockouts found)
    let cases = [("no outline", false, 3), ("upright outline", true, 0)];
    for (case, back_outline, want) in cases {
        let spec = Spec {
            back_outline,
            ..Spec::default()
        };
        for (kind, spec) in clean_mirrored_noisy(spec) {
            let mut clip = synth::generate(&spec);
            let n = clip.frames.len();
            edit_poses(&mut clip, 0..n, |pose| {
                let k = &mut pose.keypoints;
                for (hip, knee, ankle, heel, toe) in [
                    (
                        lm::LEFT_HIP,
                        lm::LEFT_KNEE,
                        lm::LEFT_ANKLE,
                        lm::LEFT_HEEL,
                        lm::LEFT_FOOT_INDEX,
                    ),
                    (
                        lm::RIGHT_HIP,
                        lm::RIGHT_KNEE,
                        lm::RIGHT_ANKLE,
                        lm::RIGHT_HEEL,
                        lm::RIGHT_FOOT_INDEX,
                    ),
                ] {
                    let thigh = (k[knee].y - k[hip].y).hypot(k[knee].x - k[hip].x);
                    let shin = (k[ankle].y - k[knee].y).hypot(k[ankle].x - k[knee].x);
                    let leg = (k[ankle].y - k[hip].y).hypot(k[ankle].x - k[hip].x);
                    // Knees within about 23 degrees of straight.
                    if leg > 0.98 * (thigh + shin) {
                        // Forward is where the toes point; 0.2 thigh lengths bends the knee by
                        // about 22 degrees.
                        k[knee].x += 0.2 * thigh * (k[toe].x - k[heel].x).signum();
                    }
                }
            });
            let a = analyze_clip(&clip, LiftVariant::Auto, &all_rules());
            assert_eq!(a.reps.len(), 3, "{case}, {kind}");
            let found = a
                .findings
                .iter()
                .filter(|f| f.check == CheckId::IncompleteLockout)
                .count();
            assert_eq!(found, want, "{case}, {kind}: {:?}", a.findings);
            if want == 0 {
                for rep in 1..=3 {
                    assert!(
                        not_assessed_because(&a, CheckId::IncompleteLockout, rep, "shows the trunk upright"),
                        "{case}, {kind}: rep {rep}: {:?}",
                        a.not_assessable
                    );
                }
            }
        }
    }
}

/// Turns everything above the hips (head, shoulders, arms) back about the left hip by `deg`, away
/// from where the feet point.
fn lean_back_about_hip(pose: &mut crate::pose::Pose, deg: f32) {
    let k = &mut pose.keypoints;
    let (hx, hy) = (k[lm::LEFT_HIP].x, k[lm::LEFT_HIP].y);
    let back = if k[lm::LEFT_FOOT_INDEX].x > k[lm::LEFT_HEEL].x {
        -1.0
    } else {
        1.0
    };
    let (sin, cos) = (back * deg).to_radians().sin_cos();
    for p in &mut k[lm::NOSE..=lm::RIGHT_WRIST] {
        let (dx, dy) = (p.x - hx, p.y - hy);
        p.x = hx + cos * dx - sin * dy;
        p.y = hy + sin * dx + cos * dy;
    }
}

/// A trunk read leaning back further than anyone can stand (a pose model swapping the shoulders
/// behind the hips for a few frames at lockout) is a keypoint error: the rep's lean-back is not
/// assessable, not a fault.
#[test]
fn a_lean_back_no_lifter_could_hold_is_a_keypoint_error() {
    // No back outline, whose reading would judge the lean-back on its own.
    let spec = Spec {
        back_outline: false,
        ..Spec::default()
    };
    let clean = run(&spec);
    let rep1 = &clean.reps[0];
    let lockout = frame_of(rep1.lockout, "lockout");
    let mut clip = synth::generate(&spec);
    // Everything above the hips swung back to horizontal.
    edit_poses(&mut clip, lockout..lockout + 12, |pose| lean_back_about_hip(pose, 90.0));
    let a = analyze_clip(&clip, LiftVariant::Auto, &all_rules());
    assert_eq!(a.reps.len(), 3, "{:?}", a.notes);
    assert!(
        !checks_of(&a, 1).contains(&CheckId::LeanBackAtLockout),
        "{:?}",
        a.findings
    );
    assert!(
        not_assessed_because(&a, CheckId::LeanBackAtLockout, 1, "more than a lifter can lean"),
        "{:?} (lean-back read {:?})",
        a.not_assessable,
        a.reps[0].metrics.lockout_lean_back_deg
    );
}

/// A lean-back is judged on its single most-leaning frame (`LEAN_BACK_HOLD_S`): lockouts can be
/// brief, and held-out renders had true lean-backs past their limit for only 0.07 s. So a lean
/// past the limit for a couple of frames at lockout is a finding, although a head turned as
/// briefly is not ([`Config::finding_min_hold_s`]).
#[test]
fn a_brief_lean_back_at_lockout_is_a_finding() {
    let spec = Spec {
        back_outline: false,
        ..Spec::default()
    };
    let clean = run(&spec);
    assert!(clean.findings.is_empty(), "{:?}", clean.findings);
    let lockout = frame_of(clean.reps[0].lockout, "lockout");
    let mut clip = synth::generate(&spec);
    // Everything above the hips leaning back about the hip and returning, a smooth bump over
    // eight frames from lockout that peaks 12 degrees back: past the 10-degree limit for two
    // or three frames.
    let (n, peak) = (8, 12.0_f32);
    for (i, f) in (lockout..lockout + n).enumerate() {
        let deg = peak * (std::f32::consts::PI * (i as f32 + 0.5) / n as f32).sin();
        edit_poses(&mut clip, f..f + 1, |pose| lean_back_about_hip(pose, deg));
    }
    let a = analyze_clip(&clip, LiftVariant::Auto, &all_rules());
    assert_eq!(a.reps.len(), 3, "{:?}", a.notes);
    assert!(
        checks_of(&a, 1).contains(&CheckId::LeanBackAtLockout),
        "{:?} (lean-back read {:?})",
        a.findings,
        a.reps[0].metrics.lockout_lean_back_deg
    );
}

/// A trunk line leaning back over shoulders that stay where they stand at a good lockout is the
/// hip keypoint pulled off (towards the plate beside it), not a lean-back: the shoulders go back
/// with a trunk that leans back. The rep's lean-back is then not assessable from the keypoints,
/// while a true lean-back, shoulders and all, is still found.
#[test]
fn a_trunk_leaning_back_over_shoulders_that_stay_put_is_not_a_lean_back() {
    let spec = Spec {
        back_outline: false,
        ..Spec::default()
    };
    let clean = run(&spec);
    assert!(clean.findings.is_empty(), "{:?}", clean.findings);
    // The premise: at the generated good lockout the shoulders sit no further behind the
    // mid-foot than standing tall.
    let shoulders = clean.reps[0].metrics.lockout_body_lean_back_deg;
    assert!(
        shoulders.is_some_and(|v| f64::from(v) <= crate::analysis::config::BODY_LEAN_NEUTRAL_BACK_DEG),
        "shoulders behind the mid-foot {shoulders:?}"
    );
    let lockout = frame_of(clean.reps[0].lockout, "lockout");
    // The hips slid towards the toes by a third of the trunk's length: the hip-to-shoulder line
    // reads about 18 degrees back, the shoulders have not moved.
    let mut clip = synth::generate(&spec);
    edit_poses(&mut clip, lockout..lockout + 12, |pose| {
        let k = &mut pose.keypoints;
        let toes = (k[lm::LEFT_FOOT_INDEX].x - k[lm::LEFT_HEEL].x).signum();
        let trunk = (k[lm::LEFT_SHOULDER].y - k[lm::LEFT_HIP].y).abs();
        for hip in [lm::LEFT_HIP, lm::RIGHT_HIP] {
            k[hip].x += toes * trunk / 3.0;
        }
    });
    let a = analyze_clip(&clip, LiftVariant::Auto, &all_rules());
    assert_eq!(a.reps.len(), 3, "{:?}", a.notes);
    let trunk_lean = a.reps[0].metrics.lockout_lean_back_deg;
    assert!(trunk_lean.is_some_and(|v| v > 15.0), "trunk read {trunk_lean:?}");
    assert!(
        !checks_of(&a, 1).contains(&CheckId::LeanBackAtLockout),
        "{:?}",
        a.findings
    );
    assert!(
        not_assessed_because(&a, CheckId::LeanBackAtLockout, 1, "the hip keypoint is likely off"),
        "{:?}",
        a.not_assessable
    );

    // The same trunk lean with the shoulders going back: a lean-back.
    let mut clip = synth::generate(&spec);
    edit_poses(&mut clip, lockout..lockout + 12, |pose| lean_back_about_hip(pose, 18.0));
    let a = analyze_clip(&clip, LiftVariant::Auto, &all_rules());
    assert!(
        checks_of(&a, 1).contains(&CheckId::LeanBackAtLockout),
        "{:?} (trunk {:?}, shoulders over mid-foot {:?})",
        a.findings,
        a.reps[0].metrics.lockout_lean_back_deg,
        a.reps[0].metrics.lockout_body_lean_back_deg
    );
}

/// Knee angles of a side view stand on the still ankle (the feet stay put through a set), not on
/// an ankle keypoint the pose model pulls towards the plate's hub while it hides the shin; a
/// pose standing elsewhere (the model on someone else for a while) keeps its own ankle.
#[test]
fn a_knee_angle_stands_on_the_still_ankle() {
    let mae = |a: &Analysis, clip: &synth::Clip, frames: std::ops::Range<usize>| {
        let errors: Vec<f64> = frames
            .filter_map(|f| Some((a.frames[f].knee_deg? as f64 - clip.truth[f].knee).abs()))
            .collect();
        assert!(!errors.is_empty(), "no knee angles");
        errors.iter().sum::<f64>() / errors.len() as f64
    };
    for (kind, spec) in clean_mirrored_noisy(Spec::default()) {
        // The ankle pulled a third of the way up the shin and forward by as much on every frame
        // where a bent knee moves (the pulls and descents, not the pauses at the floor), as
        // behind a plate: under half of the frames, as on the rendered clips.
        let mut clip = synth::generate(&spec);
        let n = clip.frames.len();
        let bent: Vec<usize> = (1..n - 1)
            .filter(|&f| {
                let truth = &clip.truth;
                truth[f].knee < 150.0 && (truth[f + 1].knee - truth[f - 1].knee).abs() > 0.2
            })
            .collect();
        assert!(2 * bent.len() < n, "{kind}: {} of {n} frames pulled", bent.len());
        assert!(bent.len() > 20, "{kind}: {} frames with a bent knee", bent.len());
        for &f in &bent {
            edit_poses(&mut clip, f..f + 1, |pose| {
                for (knee, ankle) in [(lm::LEFT_KNEE, lm::LEFT_ANKLE), (lm::RIGHT_KNEE, lm::RIGHT_ANKLE)] {
                    let (k, a) = (pose.keypoints[knee], pose.keypoints[ankle]);
                    let third = ((k.x - a.x) / 3.0, (k.y - a.y) / 3.0);
                    let forward = if spec.mirror { -1.0 } else { 1.0 } * third.1.abs();
                    pose.keypoints[ankle].x += third.0 + forward;
                    pose.keypoints[ankle].y += third.1;
                }
            });
        }
        let a = analyze_clip(&clip, LiftVariant::Auto, &all_rules());
        let read = bent.iter().filter(|&&f| a.frames[f].knee_deg.is_some()).count();
        assert!(
            2 * read > bent.len(),
            "{kind}: knee angles on {read} of {} pulled frames",
            bent.len()
        );
        let pulled = mae(&a, &clip, bent[0]..bent[bent.len() - 1] + 1);
        assert!(
            pulled < 3.0,
            "{kind}: knee MAE {pulled:.1} with the ankle keypoint pulled"
        );

        // The first second standing, shifted a third of the frame away: its knee angles stay
        // those of a straight leg.
        let mut clip = synth::generate(&spec);
        let shift = clip.width as f32 / 3.0;
        let second = clip.fps.round() as usize;
        edit_poses(&mut clip, 0..second, |pose| {
            for k in pose.keypoints.iter_mut() {
                k.x += shift;
            }
        });
        let a = analyze_clip(&clip, LiftVariant::Auto, &all_rules());
        let elsewhere = mae(&a, &clip, 0..second);
        assert!(
            elsewhere < 3.0,
            "{kind}: knee MAE {elsewhere:.1} on a pose standing elsewhere"
        );
    }
}

/// Where the plate hides the knee of a standing lifter, the legs are seen whole only bent, with
/// the hidden ankle guessed up the shin: their length would read short and put the knee out of
/// the still ankle's reach. The hip's height over the still ankle gives it (rendered seed 501
/// clip 006: 87 px against 121, knee angles at set-up 1-68 degrees against 115).
#[test]
fn a_leg_seen_whole_only_bent_keeps_its_length() {
    let spec = Spec::default();
    let clean = run(&spec);
    let leg = f64::from(clean.leg_length_px.expect("leg length"));
    let mut clip = synth::generate(&spec);
    let n = clip.frames.len();
    for f in 0..n {
        let straight = clip.truth[f].knee >= 150.0;
        edit_poses(&mut clip, f..f + 1, |pose| {
            for (knee, ankle) in [(lm::LEFT_KNEE, lm::LEFT_ANKLE), (lm::RIGHT_KNEE, lm::RIGHT_ANKLE)] {
                if straight {
                    pose.keypoints[knee].visibility = 0.0;
                } else {
                    // Guessed, as the pose model does behind the plate: with a visibility the
                    // tracks take, below the still ankle's.
                    let (k, a) = (pose.keypoints[knee], pose.keypoints[ankle]);
                    pose.keypoints[ankle].x += (k.x - a.x) / 3.0;
                    pose.keypoints[ankle].y += (k.y - a.y) / 3.0;
                    pose.keypoints[ankle].visibility = 0.4;
                }
            }
        });
    }
    let a = analyze_clip(&clip, LiftVariant::Auto, &all_rules());
    let read = f64::from(a.leg_length_px.expect("leg length"));
    assert!((read / leg - 1.0).abs() < 0.08, "leg {read:.1} px against {leg:.1}");
}

/// A set-up check needs the joint it reads on most of the set-up: with the knees hidden for a
/// second up to lift-off (longer than the gaps cleaning fills in), the knees-forward fault of that
/// rep is "not assessable at set-up", while the same fault on the other reps is still found.
#[test]
fn a_set_up_check_with_its_joint_hidden_at_set_up_is_not_assessable() {
    let spec = Spec {
        faults: vec![Some(Fault::KneesForward); 3],
        ..Spec::default()
    };
    let open = run(&spec);
    assert_eq!(open.reps.len(), 3);
    for rep in 1..=3 {
        assert!(
            checks_of(&open, rep).contains(&CheckId::KneesOverMidfoot),
            "rep {rep} with the knees seen"
        );
    }
    let mut clip = synth::generate(&spec);
    let lift_off = frame_of(open.reps[1].lift_off, "lift-off of rep 2");
    let second = clip.fps.round() as usize;
    edit_poses(&mut clip, lift_off - second..lift_off + 1, |pose| {
        for knee in [lm::LEFT_KNEE, lm::RIGHT_KNEE] {
            pose.keypoints[knee].visibility = 0.0;
        }
    });
    let hidden = analyze_clip(&clip, LiftVariant::Auto, &all_rules());
    assert_eq!(hidden.reps.len(), 3);
    for rep in [1, 3] {
        assert!(
            checks_of(&hidden, rep).contains(&CheckId::KneesOverMidfoot),
            "rep {rep}"
        );
    }
    assert!(!checks_of(&hidden, 2).contains(&CheckId::KneesOverMidfoot));
    assert!(
        not_assessed_because(
            &hidden,
            CheckId::KneesOverMidfoot,
            2,
            "knee hidden or out of frame at set-up"
        ),
        "{:?}",
        hidden.not_assessable
    );
}

/// A Romanian deadlift's rounding is read at the bottom, on its own shape: a fold of the back
/// outline on the way down (where the dorsal edge is not yet the back, seed 303 clip 003) is
/// not a finding, the same fold at the bottom is.
#[test]
fn rdl_rounding_is_read_at_the_bottom_only() {
    let spec = |fault| Spec {
        lift: Lift::Romanian,
        faults: vec![None, fault, None],
        ..Spec::default()
    };
    let (good, rounded) = (
        synth::generate(&spec(None)),
        synth::generate(&spec(Some(Fault::RdlRounding))),
    );
    assert_eq!(good.frames.len(), rounded.frames.len(), "same timing");
    let rep2 = analyze_clip(&rounded, LiftVariant::Auto, &all_rules()).reps[1].clone();
    let (start, bottom) = (
        frame_of(rep2.descent_start, "descent start"),
        frame_of(rep2.bottom, "bottom"),
    );
    let bent = rounded.back[bottom].clone();
    assert!(bent.is_some(), "an outline at the bottom");
    // (case, frames given the bottom's bent outline, whether it is a fault)
    let descent = (start + bottom) / 2;
    let cases = [
        ("a third of a second on the way down", descent - 5..descent + 5, false),
        ("a third of a second at the bottom", bottom - 5..bottom + 5, true),
    ];
    for (name, frames, want) in cases {
        let mut clip = synth::generate(&spec(None));
        for f in frames {
            clip.back[f] = bent.clone();
        }
        let a = analyze_clip(&clip, LiftVariant::Romanian, &all_rules());
        let found = checks_of(&a, 2).contains(&CheckId::RdlBackRounding);
        assert_eq!(found, want, "{name}: {:?}", a.findings);
    }
}

/// A Romanian deadlift's back is judged on the bottom's own shape: with no back outline while
/// standing (the near plate hides the hips there in most side views, so the outline's halves
/// cannot be measured), a rounded bottom is still found and a flat one still passes, rather than
/// both being not assessable for want of a reference.
#[test]
fn rdl_rounding_needs_no_outline_while_standing() {
    for (name, fault, want) in [("flat", None, false), ("rounded", Some(Fault::RdlRounding), true)] {
        let mut clip = synth::generate(&Spec {
            lift: Lift::Romanian,
            faults: vec![None, fault, None],
            ..Spec::default()
        });
        let bottoms: Vec<usize> = analyze_clip(&clip, LiftVariant::Romanian, &all_rules())
            .reps
            .iter()
            .map(|r| frame_of(r.bottom, "bottom"))
            .collect();
        assert_eq!(bottoms.len(), 3, "{name}: three reps");
        for (f, outline) in clip.back.iter_mut().enumerate() {
            if !bottoms.iter().any(|&b| f + 10 >= b && f <= b + 10) {
                *outline = None;
            }
        }
        let a = analyze_clip(&clip, LiftVariant::Romanian, &all_rules());
        assert!(
            !not_assessed(&a, CheckId::RdlBackRounding, 2),
            "{name}: {:?}",
            a.not_assessable
        );
        let found = checks_of(&a, 2).contains(&CheckId::RdlBackRounding);
        assert_eq!(found, want, "{name}: {:?}", a.findings);
        assert!(
            a.reps[1].metrics.bottom_mid_back_fold_deg.is_some(),
            "{name}: the fold is reported"
        );
    }
}

/// With the hips never seen standing (a plate in front of them at the top) and the knees never
/// seen at all, the lift type cannot be told from the motion: conventional is assumed, the notes
/// say so, and the report does not call it inferred.
#[test]
fn a_lift_type_assumed_is_not_reported_as_inferred() {
    let spec = Spec::default();
    let open = run(&spec);
    assert!(open.variant_inferred);
    let mut clip = synth::generate(&spec);
    let hide_hips = |pose: &mut crate::pose::Pose| {
        for hip in [lm::LEFT_HIP, lm::RIGHT_HIP] {
            pose.keypoints[hip].visibility = 0.0;
        }
    };
    // Seen only over half a second of each set-up.
    let half_second = (clip.fps / 2.0) as usize;
    let mut from = 0;
    for rep in &open.reps {
        let lift_off = frame_of(rep.lift_off, "lift-off");
        edit_poses(&mut clip, from..lift_off - half_second, hide_hips);
        from = lift_off;
    }
    let end = clip.frames.len();
    edit_poses(&mut clip, from..end, hide_hips);
    edit_poses(&mut clip, 0..end, |pose| {
        for knee in [lm::LEFT_KNEE, lm::RIGHT_KNEE] {
            pose.keypoints[knee].visibility = 0.0;
        }
    });
    let a = analyze_clip(&clip, LiftVariant::Auto, &all_rules());
    assert_eq!(
        (a.variant, a.variant_inferred),
        (LiftVariant::Conventional, false),
        "{:?}",
        a.details
    );
    assert!(
        a.notes.iter().any(|n| n.contains("could not be inferred")),
        "{:?}",
        a.notes
    );
}

/// The timestamps' last bits do not change the analysis: the same clip with every time a unit
/// in the last place later, or earlier, gives the same reps, events and findings (a window of
/// 0.15 s at 30 fps spanned 4 or 5 frames depending on them).
#[test]
fn timestamps_last_bits_change_nothing() {
    let spec = Spec {
        faults: vec![None, Some(Fault::HipsRiseFirst), Some(Fault::LeanBack)],
        plates: true,
        ..Spec::default()
    };
    let nudged = |up: bool| {
        let mut clip = synth::generate(&spec);
        for f in &mut clip.frames {
            f.time_s = if up { f.time_s.next_up() } else { f.time_s.next_down() };
        }
        analyze_clip(&clip, LiftVariant::Auto, &all_rules())
    };
    let (later, earlier) = (nudged(true), nudged(false));
    assert_eq!(later.reps.len(), earlier.reps.len());
    for (a, b) in later.reps.iter().zip(&earlier.reps) {
        let frames =
            |r: &Rep| [r.lift_off, r.knee_pass, r.lockout, r.descent_start, r.set_down].map(|e| e.map(|e| e.frame));
        assert_eq!(frames(a), frames(b), "rep {}", a.number);
    }
    let checks = |a: &Analysis| a.findings.iter().map(|f| (f.rep, f.check)).collect::<Vec<_>>();
    assert_eq!(checks(&later), checks(&earlier));
}

/// A clip that ends at the last rep's lockout: the hands alone cannot tell that last pull from
/// letting go of the bar and standing up, so it is not counted; where the plate is seen rising
/// with them, the bar was lifted and it is. A clip that ends standing without the bar keeps its
/// reps either way (the plate stays on the floor).
#[test]
fn a_last_pull_ending_the_clip_counts_where_the_plate_rose() {
    #[derive(Clone, Copy, PartialEq)]
    enum End {
        /// Cut at the last rep's lockout.
        AtLockout,
        /// Standing up without the bar, the plate left on the floor.
        Standing,
        /// Standing up without the bar, the plate not seen after the last set-down.
        StandingPlateUnseen,
    }
    use End::*;
    // (name, plates drawn, touch-and-go, how the clip ends, reps wanted)
    let cases = [
        ("plate seen, ends at lockout", true, false, AtLockout, 2),
        ("plate seen, touch-and-go, ends at lockout", true, true, AtLockout, 2),
        ("hands only, ends at lockout", false, false, AtLockout, 1),
        ("plate seen, ends standing without the bar", true, false, Standing, 2),
        (
            "plate unseen after the set, ends standing",
            true,
            false,
            StandingPlateUnseen,
            2,
        ),
        ("hands only, ends standing without the bar", false, false, Standing, 2),
    ];
    for (name, plates, touch_and_go, end, want) in cases {
        let spec = Spec {
            reps: 2,
            plates,
            touch_and_go,
            ..Spec::default()
        };
        let mut clip = synth::generate(&spec);
        // Drawn ahead of the bar, so that they do not hide the hips (see
        // `plates_on_the_floor_mean_conventional`).
        for plate in clip.plates.iter_mut().flatten() {
            plate.center.x += 2.0 * plate.radius;
        }
        let full = analyze_clip(&clip, LiftVariant::Auto, &all_rules());
        match end {
            AtLockout => {
                let last = frame_of(full.reps[1].lockout, "lockout") + 10;
                clip.truncate(last);
            }
            StandingPlateUnseen => {
                let set_down = frame_of(full.reps[1].set_down, "set-down");
                clip.plates[set_down + 1..].iter_mut().for_each(|p| *p = None);
            }
            Standing => {}
        }
        let a = analyze_clip(&clip, LiftVariant::Auto, &all_rules());
        assert_eq!(a.reps.len(), want, "{name}: {:?}", a.notes);
        if end == AtLockout && want == 2 {
            let last = &a.reps[1];
            assert!(last.lift_off.is_some() && last.lockout.is_some(), "{name}: {last:?}");
            assert_eq!(last.touch_and_go, touch_and_go, "{name}: {last:?}");
            assert!(
                a.notes.iter().any(|n| n.contains("plate seen up")),
                "{name}: {:?}",
                a.notes
            );
        }
    }
}

/// From an angle, a pose model that folds the near hand up against the chest while the lifter
/// stands (before the first rep and after the last, as on a rendered oblique Romanian deadlift)
/// put the bar there, above every lockout, so the lockouts between reps no longer read as the
/// top and the reps ran together. Both hands hold one bar, so a hand whose arm reads far shorter
/// than the other's is dropped and the bar follows the other hand.
#[test]
fn a_hand_folded_to_the_chest_from_an_angle_does_not_merge_reps() {
    for lift in [Lift::Romanian, Lift::Conventional] {
        let spec = Spec {
            lift,
            yaw_deg: 45.0,
            ..Spec::default()
        };
        let clean = run(&spec);
        let n = clean.frames.len();
        assert_eq!(clean.reps.len(), spec.reps, "{lift:?}: {:?}", clean.notes);
        let near = clean.view.near_side.expect("an oblique view has a near side");
        let (shoulder, wrist) = match near {
            BodySide::Left => (lm::LEFT_SHOULDER, lm::LEFT_WRIST),
            BodySide::Right => (lm::RIGHT_SHOULDER, lm::RIGHT_WRIST),
        };
        let first = clean.reps[0].start_s;
        let last = clean.reps[spec.reps - 1].end_s;
        let standing: Vec<usize> = (0..n)
            .filter(|&f| clean.frames[f].time_s < first - 0.2 || clean.frames[f].time_s > last + 0.2)
            .collect();
        assert!(standing.len() > 20, "{lift:?}: {} standing frames", standing.len());
        let mut clip = synth::generate(&spec);
        for &f in &standing {
            edit_poses(&mut clip, f..f + 1, |pose| {
                let k = &mut pose.keypoints;
                // The hand a quarter of the arm below the shoulder, at the chest.
                let arm = (k[wrist].y - k[shoulder].y).abs();
                k[wrist].y = k[shoulder].y + 0.25 * arm;
            });
        }
        let a = analyze_clip(&clip, LiftVariant::Auto, &all_rules());
        assert_eq!(a.reps.len(), spec.reps, "{lift:?}: {:?}", a.notes);
        // The folded hand was dropped against the other arm; the true arms never were.
        let dropped = |a: &Analysis| a.details.iter().any(|d| d.contains("than the other arm"));
        assert!(dropped(&a), "{lift:?}: {:?}", a.details);
        assert!(!dropped(&clean), "{lift:?}: {:?}", clean.details);
    }
}

/// Where no knee angle is read (front, rear and oblique views), a Romanian deadlift whose hips
/// drop a little past `rdl_max_hip_drop_leg_frac` is told from a conventional pull by its thighs
/// staying upright at the bottom; without the knees in sight the hip drop alone decides. The
/// generated Romanian deadlift drops its hips that far only with the knees bent 60 degrees
/// (deeper than a real one, which a side view would read as conventional from the knee angle);
/// what is tested is the front view's path, with its readings checked to lie where the rule
/// decides: hips 0.2-0.3 leg lengths down, and the thighs on either side of 0.6.
#[test]
fn upright_thighs_keep_a_deeper_romanian_deadlift_romanian() {
    // (name, lift, yaw, knee bend at the bottom, knees hidden, want)
    let cases = [
        ("RDL, front", Lift::Romanian, 90.0, 60.0, false, LiftVariant::Romanian),
        ("RDL, rear", Lift::Romanian, -90.0, 60.0, false, LiftVariant::Romanian),
        ("RDL, oblique", Lift::Romanian, 45.0, 60.0, false, LiftVariant::Romanian),
        (
            "RDL, front, knees hidden",
            Lift::Romanian,
            90.0,
            60.0,
            true,
            LiftVariant::Conventional,
        ),
        (
            "conventional, front",
            Lift::Conventional,
            90.0,
            0.0,
            false,
            LiftVariant::Conventional,
        ),
        (
            "conventional, oblique",
            Lift::Conventional,
            45.0,
            0.0,
            false,
            LiftVariant::Conventional,
        ),
    ];
    for (name, lift, yaw_deg, rdl_knee_flex, knees_hidden, want) in cases {
        let spec = Spec {
            lift,
            yaw_deg,
            rdl_knee_flex: if lift == Lift::Romanian {
                rdl_knee_flex
            } else {
                Spec::default().rdl_knee_flex
            },
            ..Spec::default()
        };
        let mut clip = synth::generate(&spec);
        if knees_hidden {
            for pose in clip.frames.iter_mut().filter_map(|f| f.pose.as_mut()) {
                pose.keypoints[lm::LEFT_KNEE].visibility = 0.0;
                pose.keypoints[lm::RIGHT_KNEE].visibility = 0.0;
            }
        }
        let a = analyze_clip(&clip, LiftVariant::Auto, &all_rules());
        let evidence: Vec<&String> = a
            .notes
            .iter()
            .chain(&a.details)
            .filter(|n| n.contains("hips drop") || n.contains("thighs at the bottom"))
            .collect();
        assert_eq!(a.variant, want, "{name}: {evidence:?}");
        // The number after `prefix` in the evidence.
        let reading = |prefix: &str| {
            evidence.iter().find_map(|n| {
                let rest = n.strip_prefix(prefix)?;
                rest.split_whitespace().next()?.parse::<f64>().ok()
            })
        };
        let (drop, thighs) = (reading("hips drop "), reading("thighs at the bottom "));
        let cfg = all_rules();
        assert!(
            drop.is_some_and(
                |d| (cfg.rdl_max_hip_drop_leg_frac..cfg.rdl_upright_thighs_max_hip_drop_leg_frac).contains(&d)
            ),
            "{name}: {evidence:?}"
        );
        let upright = thighs.map(|t| t >= cfg.rdl_min_bottom_thigh_frac);
        let want_upright = if knees_hidden {
            None
        } else {
            Some(lift == Lift::Romanian)
        };
        assert_eq!(upright, want_upright, "{name}: {evidence:?}");
        if !knees_hidden {
            assert_eq!(a.reps.len(), 3, "{name}");
        }
    }
}

/// `clip` as a camera turned `roll_deg` clockwise about its lens axis films it, with upright
/// background lines spread across the frame when `lines`.
fn rolled(clip: &synth::Clip, roll_deg: f64, lines: bool) -> synth::Clip {
    let roll = level::Leveller::new(roll_deg, clip.width, clip.height);
    let mut out = clip.clone();
    for pose in out.frames.iter_mut().filter_map(|f| f.pose.as_mut()) {
        for k in pose.keypoints.iter_mut() {
            let p = roll.unlevel(Point::new(k.x, k.y));
            (k.x, k.y) = (p.x, p.y);
        }
    }
    for b in out.back.iter_mut().flatten() {
        b.points.iter_mut().for_each(|p| *p = roll.unlevel(*p));
    }
    for p in out.plates.iter_mut().flatten() {
        p.center = roll.unlevel(p.center);
    }
    let h = clip.height as f32;
    out.lines = if lines {
        (0..8)
            .map(|i| {
                let x = 60.0 + 160.0 * i as f32;
                level::LineSegment {
                    a: roll.unlevel(Point::new(x, 0.1 * h)),
                    b: roll.unlevel(Point::new(x, 0.6 * h)),
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    out
}

/// A camera rolled a few degrees reads every lean off by the roll; with the background's upright
/// lines the analysis undoes it and reads what a level camera reads, and gives pixel positions
/// back in the rolled frame's pixels.
#[test]
fn a_rolled_camera_is_levelled_by_the_background() {
    let clip = synth::generate(&Spec {
        faults: vec![None, Some(Fault::LeanBack)],
        ..Spec::default()
    });
    let level = analyze_clip(&clip, LiftVariant::Auto, &all_rules());
    assert_eq!(level.camera_roll_deg, None, "no lines, no roll read");
    let levelling = Config {
        level_camera: true,
        ..all_rules()
    };
    for roll in [-6.0, 5.0] {
        let as_filmed = analyze_clip(&rolled(&clip, roll, false), LiftVariant::Auto, &levelling);
        let levelled = analyze_clip(&rolled(&clip, roll, true), LiftVariant::Auto, &levelling);
        assert!(levelled.camera_roll_corrected, "roll {roll}");
        // Off (the default), the roll is read and reported, not undone.
        let read_only = analyze_clip(&rolled(&clip, roll, true), LiftVariant::Auto, &all_rules());
        assert!(!read_only.camera_roll_corrected && read_only.camera_roll_deg.is_some());
        assert!((f64::from(levelled.camera_roll_deg.expect("roll read")) - roll).abs() < 0.1);
        let ids = |x: &Analysis| x.findings.iter().map(|f| (f.rep, f.check)).collect::<Vec<_>>();
        assert_eq!(ids(&levelled), ids(&level), "roll {roll}");
        let undo = level::Leveller::new(roll, clip.width, clip.height);
        let (mut off_as_filmed, mut compared) = (0.0f32, 0);
        for ((l, r), f) in level.frames.iter().zip(&levelled.frames).zip(&as_filmed.frames) {
            if let (Some(a), Some(b), Some(c)) = (l.trunk_deg, r.trunk_deg, f.trunk_deg) {
                assert!((a - b).abs() < 0.2, "roll {roll}, frame {}: trunk {a} vs {b}", l.index);
                off_as_filmed = off_as_filmed.max((a - c).abs());
                compared += 1;
            }
            if let (Some(x), Some(y), Some(rx), Some(ry)) = (l.bar_x_px, l.bar_y_px, r.bar_x_px, r.bar_y_px) {
                let want = undo.unlevel(Point::new(x, y));
                assert!(
                    want.distance(Point::new(rx, ry)) < 0.5,
                    "roll {roll}, frame {}",
                    l.index
                );
            }
        }
        assert!(compared > 100);
        assert!(
            off_as_filmed > 0.8 * roll.abs() as f32,
            "roll {roll}: as filmed off by {off_as_filmed}"
        );
    }
}

/// From the front, a camera rolled a few degrees turns the hips' rise from the set-up into a
/// sideways shift (here 2.9% of leg length at 7 degrees, where the level clip reads none). The
/// standing lifter's midline gives the roll, and a rolled clip reads as the level one does.
#[test]
fn a_rolled_front_view_is_read_against_the_standing_lifter() {
    let clip = synth::generate(&Spec {
        yaw_deg: 90.0,
        faults: vec![None, None],
        ..Spec::default()
    });
    let level = analyze_clip(&clip, LiftVariant::Auto, &all_rules());
    assert_eq!(level.view.view, View::Front);
    assert!(level.findings.is_empty(), "{:?}", level.findings);
    for roll in [-7.0, 7.0] {
        let a = analyze_clip(&rolled(&clip, roll, false), LiftVariant::Auto, &all_rules());
        let read = format!(
            "leans {:.1} degrees {}",
            f64::abs(roll),
            if roll > 0.0 { "clockwise" } else { "counter-clockwise" }
        );
        assert!(
            a.details.iter().any(|d| d.contains(&read)),
            "roll {roll}: {:?}",
            a.details
        );
        assert!(a.findings.is_empty(), "roll {roll}: {:?}", a.findings);
        assert_eq!(a.reps.len(), level.reps.len());
        for (r, l) in a.reps.iter().zip(&level.reps) {
            let (got, want) = (
                r.metrics.max_hip_shift_change_pct_leg,
                l.metrics.max_hip_shift_change_pct_leg,
            );
            let (got, want) = (got.expect("shift read"), want.expect("shift read"));
            assert!(
                (got - want).abs() < 0.5,
                "roll {roll}, rep {}: {got} vs {want}",
                r.number
            );
        }
    }
}
