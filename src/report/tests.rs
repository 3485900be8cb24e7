//! Report tests: formatting units, and golden files for the terminal and JSON reports of a
//! generated clip. Set `LIFTCHECK_BLESS=1` to accept new output after reviewing the diff.

use super::*;
use crate::analysis::synth::{self, Fault, Spec};
use crate::analysis::{Config, analyze};

fn sample(spec: &Spec) -> Analysis {
    let clip = synth::generate(spec);
    match analyze(&clip.input(), LiftVariant::Auto, &Config::default()) {
        Ok(a) => a,
        Err(e) => panic!("analysis failed: {e}"),
    }
}

fn faulty_side_clip() -> Analysis {
    sample(&Spec {
        faults: vec![None, Some(Fault::HipsRiseFirst), Some(Fault::LeanBack)],
        ..Spec::default()
    })
}

// The golden-file comparison shared with the integration tests.
#[path = "../../tests/common/golden.rs"]
mod golden_file;
use golden_file::golden;

#[test]
fn terminal_report_golden() {
    golden(
        "terminal_side_faults.txt",
        &terminal(&faulty_side_clip(), "generated-side.mp4", false),
    );
}

#[test]
fn terminal_report_front_view_golden() {
    let a = sample(&Spec {
        yaw_deg: 90.0,
        faults: vec![None, Some(Fault::ShoulderTilt)],
        reps: 2,
        ..Spec::default()
    });
    golden("terminal_front.txt", &terminal(&a, "generated-front.mp4", false));
}

#[test]
fn json_report_golden() {
    json_golden("report_side_faults.json", &faulty_side_clip(), "generated-side.mp4");
}

/// [`golden`] for the JSON report (without frames) of `analysis`.
fn json_golden(name: &str, analysis: &Analysis, video: &str) {
    let meta = ReportMeta {
        video,
        include_frames: false,
    };
    let mut buf = Vec::new();
    write_json(analysis, &meta, &mut buf).expect("json");
    let text = String::from_utf8(buf).expect("utf8");
    // The tool version changes with releases, not with the layout.
    let version = format!("\"version\": \"{}\"", env!("CARGO_PKG_VERSION"));
    golden(name, &text.replacen(&version, "\"version\": \"test\"", 1));
}

/// A Romanian set with one rep's back rounded at the bottom: the Romanian rep table, its finding
/// and the locked-knee rule off by default in the terminal and JSON reports. (The generated
/// Romanian bottom takes the plates to the floor, which reads as a stiff-legged conventional
/// pull, so this one has none.)
#[test]
fn romanian_golden() {
    let a = sample(&Spec {
        lift: synth::Lift::Romanian,
        reps: 2,
        faults: vec![None, Some(Fault::RdlRounding)],
        ..Spec::default()
    });
    golden("terminal_romanian.txt", &terminal(&a, "generated-rdl.mp4", false));
    json_golden("report_romanian.json", &a, "generated-rdl.mp4");
}

/// Touch-and-go reps with plates, and the per-frame CSV whole: every column's values, not only
/// its shape.
#[test]
fn touch_and_go_with_plates_golden() {
    let a = sample(&Spec {
        plates: true,
        touch_and_go: true,
        reps: 3,
        ..Spec::default()
    });
    golden("terminal_touch_and_go.txt", &terminal(&a, "generated-tng.mp4", true));
    let mut buf = Vec::new();
    frames_csv(&a, &mut buf).expect("csv");
    golden("frames_touch_and_go.csv", &String::from_utf8(buf).expect("utf8"));
}

#[test]
fn json_has_schema_and_findings() {
    let a = faulty_side_clip();
    let meta = ReportMeta {
        video: "x.mp4",
        include_frames: true,
    };
    let doc = json(&a, &meta).expect("json");
    assert_eq!(doc["schema_version"], json!(JSON_SCHEMA_VERSION));
    assert_eq!(doc["has_faults"], json!(true));
    assert_eq!(doc["frames"].as_array().map(|f| f.len()), Some(a.frames.len()));
    let findings = doc["findings"].as_array().expect("findings");
    assert!(
        findings
            .iter()
            .any(|f| f["check"] == "hips_rise_first" && f["rep"] == 2)
    );
    assert!(findings.iter().all(|f| f["title"].is_string() && f["cue"].is_string()));
    let mut buf = Vec::new();
    write_json(&a, &meta, &mut buf).expect("write");
    assert!(buf.ends_with(b"}\n"));
}

#[test]
fn csv_has_one_row_per_frame() {
    let a = faulty_side_clip();
    let mut buf = Vec::new();
    frames_csv(&a, &mut buf).expect("csv");
    let text = String::from_utf8(buf).expect("utf8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), a.frames.len() + 1);
    assert_eq!(lines[0], CSV_COLUMNS.join(","));
    assert!(lines.iter().all(|l| l.split(',').count() == CSV_COLUMNS.len()));
    // A frame inside rep 1's pull has its rep, phase and angles.
    let pull = lines.iter().find(|l| l.contains(",1,pull,")).expect("a pull frame");
    assert!(pull.split(',').nth(4).is_some_and(|hip| hip.parse::<f32>().is_ok()));
}

#[test]
fn terminal_mentions_disclaimer_and_not_assessed() {
    let a = sample(&Spec {
        back_outline: false,
        ..Spec::default()
    });
    let text = terminal(&a, "v.mp4", false);
    assert!(text.contains("not medical advice"));
    assert!(text.contains("Findings: none"));
    assert!(
        text.contains("Upper/mid back rounding (rep 1, 2, 3)") || text.contains("Upper/mid back rounding: "),
        "{text}"
    );
}

/// How the clip was read (keypoints set aside, estimates) is shown on request only, after the
/// notes a lifter needs.
#[test]
fn terminal_shows_how_the_clip_was_read_on_request() {
    let a = sample(&Spec::default());
    assert!(!a.details.is_empty(), "the variant's evidence at least");
    let heading = "How the clip was read:";
    assert!(!terminal(&a, "v.mp4", false).contains(heading));
    let text = terminal(&a, "v.mp4", true);
    let unwrapped = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains(heading), "{text}");
    for d in &a.details {
        assert!(unwrapped.contains(d.as_str()), "{d}: {text}");
    }
}

/// The camera's roll is in the report's header when it was undone, or when it was left as filmed
/// and large enough to move the leans; a small one stays among the details.
#[test]
fn the_header_names_a_camera_roll_that_moves_the_leans() {
    let cases = [
        // (roll read, undone, header note expected)
        (None, false, None),
        (Some(2.0), true, Some("rolled 2.0 degrees clockwise")),
        (Some(-6.5), false, Some("rolled 6.5 degrees counter-clockwise")),
        (Some(ROLL_NOTED_DEG), false, Some("left as filmed")),
        (Some(2.9), false, None),
    ];
    let base = sample(&Spec::default());
    for (roll, corrected, expected) in cases {
        let mut a = base.clone();
        a.camera_roll_deg = roll;
        a.camera_roll_corrected = corrected;
        let text = terminal(&a, "v.mp4", false);
        let header = text
            .split("Reps:")
            .next()
            .unwrap_or_default()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        match expected {
            Some(note) => {
                assert!(header.contains("Camera: "), "{roll:?} {corrected}: {text}");
                assert!(header.contains(note), "{roll:?} {corrected}: {header}");
                assert_eq!(
                    header.contains("left as filmed"),
                    !corrected,
                    "{roll:?} {corrected}: {header}"
                );
            }
            None => assert!(!header.contains("Camera:"), "{roll:?} {corrected}: {header}"),
        }
    }
}

/// A clip without reps says so once, under "Reps:", instead of once per check.
#[test]
fn terminal_says_once_that_no_rep_was_found() {
    // A set-up and a partial pull, no rep.
    let a = sample(&Spec {
        reps: 0,
        walk_in_out: false,
        partial_pull: true,
        ..Spec::default()
    });
    let reason = a.no_reps_reason.clone().expect("no reps");
    let text = terminal(&a, "v.mp4", false);
    let unwrapped = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        unwrapped.contains(&format!("Reps: 0 (no reps found, so nothing was judged: {reason})")),
        "{text}"
    );
    assert_eq!(text.matches("no reps found").count(), 1, "{text}");
    // The JSON report keeps one entry per check: for lack of reps, or for the view.
    let for_lack_of_reps = checks::no_reps_not_assessable(&reason);
    let folded = a.not_assessable.iter().filter(|n| n.reason == for_lack_of_reps).count();
    assert!(folded >= 5, "{folded} checks not assessed for lack of reps");
    assert!(
        a.not_assessable
            .iter()
            .all(|n| n.reason == for_lack_of_reps || n.reason.contains("view")),
        "{:?}",
        a.not_assessable
    );
}

#[test]
fn one_line_verdicts() {
    let faulty = faulty_side_clip();
    let good = sample(&Spec::default());
    let none = sample(&Spec {
        reps: 0,
        walk_in_out: false,
        partial_pull: true,
        ..Spec::default()
    });
    // (analysis, how the line starts, what it must name)
    let cases = [
        (
            &faulty,
            "3 reps, ",
            vec![CheckId::HipsRiseFirst.title(), "(rep 2)", "(rep 3)"],
        ),
        (&good, "3 reps, no findings", vec![]),
        (&none, "no reps found, so nothing was judged: ", vec!["leg length"]),
    ];
    for (a, starts, names) in cases {
        let line = one_line(a);
        assert!(line.starts_with(starts), "{line}");
        assert!(!line.contains('\n'), "{line}");
        for n in names {
            assert!(line.contains(n), "{line} should name {n}");
        }
    }
}

#[test]
fn with_unit_cases() {
    let cases = [
        (12.34, "deg", "12.3 deg"),
        (1.666, "ratio", "1.67"),
        (7.0, "% leg length", "7.0% of leg length"),
    ];
    for (v, unit, want) in cases {
        assert_eq!(with_unit(v, unit), want);
    }
}

#[test]
fn time_span_cases() {
    let cases = [
        ((2.0, 2.4), "2.00-2.40 s"),
        ((2.0, 2.0), "2.00 s"),
        ((2.001, 2.004), "2.00 s"),
    ];
    for ((start, end), want) in cases {
        assert_eq!(time_span(start, end), want);
    }
}

#[test]
fn wrap_cases() {
    let cases = [
        ("short text", 2, 20, "  short text\n"),
        ("one two three four", 4, 14, "    one two\n    three four\n"),
        ("", 2, 10, ""),
        ("- one two three", 2, 12, "  - one two\n    three\n"),
    ];
    for (text, indent, width, want) in cases {
        assert_eq!(wrap(text, indent, width), want, "{text:?}");
    }
}
