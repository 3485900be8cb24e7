//! The HTML report of a real clip: the pose stage on `tests/fixtures/side_good_2reps.mp4`, the
//! analysis, key frames decoded from the video and, when Debian's `chromium` is installed, a
//! screenshot through `scripts/check_html.sh`. Set `LIFTCHECK_HTML_KEEP=DIR` to keep the report
//! and the screenshot for a look.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use common::*;
use liftcheck::analysis::{Analysis, Config, LiftVariant};
use liftcheck::render::annotate::RenderError;
use liftcheck::render::html::{self, IndexRow};
use liftcheck::track::{self, PoseTrack};

const CLIP: &str = "tests/fixtures/side_good_2reps.mp4";

/// The fixture tracked once (real models) and analysed.
fn fixture() -> &'static (PoseTrack, Analysis) {
    static CELL: OnceLock<(PoseTrack, Analysis)> = OnceLock::new();
    CELL.get_or_init(|| {
        let mut pose = pose_estimator();
        let (track, _) = track::track_clip(&repo_path(CLIP), &mut pose, |_, _| {}).expect("pose stage");
        let analysis = track.analyze(LiftVariant::Auto, &Config::default()).expect("analysis");
        (track, analysis)
    })
}

/// Where outputs go: `LIFTCHECK_HTML_KEEP` if set, else a temporary folder.
fn out_dir() -> (PathBuf, Option<tempfile::TempDir>) {
    match std::env::var_os("LIFTCHECK_HTML_KEEP") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            std::fs::create_dir_all(&dir).expect("create LIFTCHECK_HTML_KEEP");
            (dir, None)
        }
        None => {
            let tmp = tempfile::tempdir().expect("dir");
            (tmp.path().to_path_buf(), Some(tmp))
        }
    }
}

fn chromium_installed() -> bool {
    ["chromium", "chromium-browser"].iter().any(|name| {
        Command::new("sh")
            .args(["-c", &format!("command -v {name}")])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// Renders `report` with headless Chromium and checks the screenshot is a real page.
fn screenshot(report: &Path) {
    if !chromium_installed() {
        eprintln!("note: chromium is not installed: screenshot check skipped (scripts/check_html.sh installs it)");
        return;
    }
    let png = report.with_extension("png");
    let out = Command::new(repo_path("scripts/check_html.sh"))
        .arg(report)
        .arg(&png)
        .output()
        .expect("run scripts/check_html.sh");
    assert!(
        out.status.success(),
        "check_html.sh failed: {}{}",
        stdout(&out),
        stderr(&out)
    );
    let image = image::open(&png).expect("screenshot is a PNG").to_rgb8();
    assert_eq!(image.dimensions(), (1280, 2400));
    // A rendered page, not a blank one: text and boxes cover a fair part of it.
    let background = image.get_pixel(0, 0).0;
    let drawn = image.pixels().filter(|p| p.0 != background).count();
    let share = drawn as f64 / f64::from(image.width() * image.height());
    assert!(
        share > 0.05,
        "only {:.1}% of the screenshot differs from the background",
        share * 100.0
    );
}

#[test]
fn clip_report_of_a_real_clip_is_self_contained_with_key_frames_and_plots() {
    let (track, analysis) = fixture();
    assert_eq!(analysis.reps.len(), 2, "the fixture has two reps");
    let (dir, _keep) = out_dir();
    let report = dir.join("side_good_2reps.report.html");
    html::write_clip_report(&repo_path(CLIP), "side_good_2reps.mp4", track, analysis, &report).expect("report");
    let page = std::fs::read_to_string(&report).expect("read report");
    // Set-up, lift-off and lockout of both reps; a touch-and-go rep has no set-up of its own.
    let set_ups = 2 - analysis.reps.iter().filter(|r| r.touch_and_go).count();
    assert_eq!(page.matches("src=\"data:image/jpeg;base64,").count(), 4 + set_ups);
    for label in [
        "Rep 1 set-up",
        "Rep 1 lift-off",
        "Rep 1 lockout",
        "Rep 2 lift-off",
        "Rep 2 lockout",
    ] {
        assert!(page.contains(label), "{label}");
    }
    assert_eq!(page.matches("<svg").count(), 2, "angles and bar path");
    assert!(page.contains("<table class=\"reps\">"));
    assert!(page.contains(&html::escape(liftcheck::report::DISCLAIMER)));
    for bad in ["http:", "https:", "src=\"//", "<script"] {
        assert!(!page.contains(bad), "not self-contained: {bad}");
    }
    assert!(page.len() < 1_500_000, "report is {} bytes", page.len());
    screenshot(&report);
}

#[test]
fn batch_index_renders() {
    let (dir, _keep) = out_dir();
    let index = dir.join("index.html");
    let rows = vec![
        IndexRow {
            file: "side_good_2reps.mp4".into(),
            status: "clean".into(),
            reps: Some(2),
            faults: Some(0),
            report: Some("side_good_2reps.report.html".into()),
            ..IndexRow::default()
        },
        IndexRow {
            file: "sets/<odd> & name.mp4".into(),
            status: "faults".into(),
            reps: Some(3),
            faults: Some(2),
            fault_checks: vec!["hips_rise_first".into(), "bar_drift".into()],
            report: Some("sets/<odd> & name.report.html".into()),
            ..IndexRow::default()
        },
        IndexRow {
            file: "broken.mp4".into(),
            status: "error".into(),
            error: Some("broken.mp4: not a video OpenCV/FFmpeg can decode".into()),
            ..IndexRow::default()
        },
    ];
    html::write_batch_index(&rows, &index).expect("index");
    let page = std::fs::read_to_string(&index).expect("read");
    assert!(page.contains("href=\"sets/%3Codd%3E%20%26%20name.report.html\""));
    screenshot(&index);
}

#[test]
fn key_frames_from_another_clip_fail_with_a_clear_error() {
    let (track, analysis) = fixture();
    let dir = tempfile::tempdir().expect("dir");
    let short = dir.path().join("short.mp4");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=640x360:rate=30:duration=1",
        "-pix_fmt",
        "yuv420p",
        short.to_str().expect("utf-8 path"),
    ]);
    let out = dir.path().join("report.html");
    let err = html::write_clip_report(&short, "short.mp4", track, analysis, &out).expect_err("frames missing");
    assert!(matches!(err, RenderError::FrameMismatch { .. }), "{err}");
    assert!(err.to_string().contains("short.mp4"), "{err}");
    assert!(!out.exists(), "nothing written on failure");
}

/// Key frames far into a clip (here after a four-second still intro) are reached by seeking, and
/// they are the very frames a decode from the start gives: same pictures, same captions.
#[test]
fn key_frames_reached_by_seeking_are_the_frames_decoded_in_order() {
    use liftcheck::render::keyframes;
    let dir = tempfile::tempdir().expect("dir");
    let late = dir.path().join("late.mp4");
    ffmpeg(&[
        "-i",
        repo_path(CLIP).to_str().expect("utf-8 path"),
        "-vf",
        "tpad=start_duration=4:start_mode=clone",
        "-c:v",
        "libx264",
        "-g",
        "30",
        "-pix_fmt",
        "yuv420p",
        late.to_str().expect("utf-8 path"),
    ]);
    let mut pose = pose_estimator();
    let (track, _) = track::track_clip(&late, &mut pose, |_, _| {}).expect("pose stage");
    let analysis = track.analyze(LiftVariant::Auto, &Config::default()).expect("analysis");
    assert_eq!(analysis.reps.len(), 2);
    let first = keyframes::pick(&analysis).first().map(|p| p.pos).expect("a key frame");
    assert!(first > 90, "the first key frame is {first} frames in: too near to seek");
    let seeking = keyframes::key_frames_seeking(&late, &track, &analysis)
        .expect("decodes")
        .expect("every frame reached by seeking is the one wanted");
    let in_order = keyframes::key_frames_in_order(&late, &track, &analysis).expect("decodes");
    assert_eq!(seeking.len(), in_order.len());
    assert!(seeking.len() >= 4, "{} key frames", seeking.len());
    for (a, b) in seeking.iter().zip(&in_order) {
        assert_eq!((&a.label, a.time_s), (&b.label, b.time_s));
        assert!(a.jpeg == b.jpeg, "{}: the pictures differ", a.label);
    }
}
