//! The three ways people use liftcheck, end to end on a rendered clip with the real models:
//! `analyze` (terminal, JSON, CSV), `annotate` (H.264 clip), `batch` (a folder).

mod common;

use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;

use common::*;
use serde_json::Value;

const CLIP: &str = "tests/fixtures/side_good_2reps.mp4";

/// `analyze --annotate` with the keypoints saved, plus `extra` arguments; the run must succeed
/// (exit 0 or 1: clean or faults found).
fn analyze_annotated(clip: &Path, annotated: &Path, keypoints: &Path, extra: &[&dyn AsRef<OsStr>]) {
    let mut args: Vec<&dyn AsRef<OsStr>> = vec![
        &"analyze",
        &"--quiet",
        &clip,
        &"--annotate",
        &annotated,
        &"--keypoints",
        &keypoints,
    ];
    args.extend_from_slice(extra);
    let out = run(&args);
    assert!(matches!(out.status.code(), Some(0) | Some(1)), "{}", stderr(&out));
}

/// The first video stream's facts and the container's duration, from ffprobe.
fn ffprobe_json(path: &Path) -> Value {
    ffprobe(
        path,
        &[
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=codec_name,pix_fmt,width,height,nb_read_frames:format=duration",
        ],
    )
}

/// ffprobe's JSON for `path`, frames counted, with `args` choosing what to show.
fn ffprobe(path: &Path, args: &[&str]) -> Value {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-count_frames", "-of", "json"])
        .args(args)
        .arg(path)
        .output()
        .expect("ffprobe runs");
    serde_json::from_slice(&out.stdout).expect("ffprobe json")
}

#[test]
fn analyze_writes_terminal_json_and_csv_reports() {
    let dir = tempfile::tempdir().expect("dir");
    let (json, csv) = (dir.path().join("report.json"), dir.path().join("frames.csv"));
    let clip = repo_path(CLIP);
    let before = file_hash(&clip);
    let out = run(&[&"analyze", &"--quiet", &clip, &"--json", &json, &"--csv", &csv]);
    let code = out.status.code();
    // The fixture is a good lift (its labels list no fault): no finding, exit 0.
    assert_eq!(code, Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("Reps: 2 (0 with faults)"), "{text}");
    assert!(text.contains("not medical advice"), "{text}");
    let report: Value = read_json(&json);
    assert_eq!(report["schema_version"], 2);
    assert_eq!(report["tool"]["name"], "liftcheck");
    assert_eq!(report["reps"].as_array().map(Vec::len), Some(2));
    assert_eq!(report["findings"].as_array().map(Vec::len), Some(0));
    let rows = std::fs::read_to_string(&csv).expect("csv written").lines().count();
    let frames = ffprobe_json(&clip)["streams"][0]["nb_read_frames"]
        .as_str()
        .and_then(|n| n.parse::<usize>().ok())
        .expect("frame count");
    assert_eq!(rows, frames + 1, "one CSV row per frame plus the header");
    assert_eq!(file_hash(&clip), before, "input untouched");
}

/// Lift-off and set-down land where the rendered sample's bar truly leaves and reaches the floor,
/// in the shipped clip and in copies encoded again, as phones and messaging apps do. The hands'
/// keypoints dip a few pixels while the bar rests (the lifter sets the hips for the next pull);
/// taking the lowest reading for the floor once put a re-encoded copy's first set-down 25 frames
/// late and called its dead-stop second rep touch-and-go.
#[test]
fn rep_events_follow_the_bar_in_the_sample_and_its_re_encodings() {
    /// Frames an event may sit from the truth: the median event errors over the rendered suites
    /// are 2-3 frames (`liftcheck eval`).
    const TOLERANCE_FRAMES: i64 = 3;
    let dir = tempfile::tempdir().expect("dir");
    let sample = repo_path("samples/deadlift_side.mp4");
    let truth = read_json(&repo_path("samples/deadlift_side.json"));
    let mut clips = vec![("shipped".to_string(), sample.clone())];
    for (name, args) in [
        (
            "x264 crf 28",
            &["-c:v", "libx264", "-crf", "28", "-pix_fmt", "yuv420p"][..],
        ),
        (
            "x264 crf 18",
            &["-c:v", "libx264", "-crf", "18", "-pix_fmt", "yuv420p"][..],
        ),
    ] {
        let out = dir.path().join(format!("{}.mp4", name.replace(' ', "_")));
        let mut all = vec!["-i", sample.to_str().expect("utf-8 path")];
        all.extend_from_slice(args);
        all.extend_from_slice(&["-an", out.to_str().expect("utf-8 path")]);
        ffmpeg(&all);
        clips.push((name.to_string(), out));
    }
    let true_reps = truth["reps"].as_array().expect("truth reps");
    for (name, clip) in clips {
        let json = dir.path().join("report.json");
        let out = run(&[&"analyze", &"--quiet", &clip, &"--json", &json]);
        assert!(matches!(out.status.code(), Some(0 | 1)), "{name}: {}", stderr(&out));
        let report = read_json(&json);
        let reps = report["reps"].as_array().expect("reps");
        assert_eq!(reps.len(), true_reps.len(), "{name}: rep count");
        for (rep, truth) in reps.iter().zip(true_reps) {
            for (event, true_event) in [("lift_off", "liftoff_frame"), ("set_down", "setdown_frame")] {
                let (got, want) = (rep[event]["frame"].as_i64(), truth[true_event].as_i64());
                let (Some(got), Some(want)) = (got, want) else {
                    panic!("{name}: rep {} {event} {got:?}, truth {want:?}", rep["number"]);
                };
                assert!(
                    (got - want).abs() <= TOLERANCE_FRAMES,
                    "{name}: rep {} {event} at frame {got}, truly {want}",
                    rep["number"]
                );
            }
            // The sample is dead-stop: each pull starts from a bar at rest.
            assert_eq!(rep["touch_and_go"], false, "{name}: rep {}", rep["number"]);
        }
    }
}

/// `liftcheck config` prints a file `--config` takes back, each field under its documentation.
#[test]
fn config_prints_a_commented_file_analyze_takes_back() {
    let dir = tempfile::tempdir().expect("dir");
    let out = run(&[&"config"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("# Global strictness"), "{text}");
    assert!(text.contains("\ncutoff_hz = 6.0\n"), "{text}");
    let file = dir.path().join("thresholds.toml");
    std::fs::write(&file, text.replace("\nstrictness = 1.0\n", "\nstrictness = 1.5\n")).expect("write");
    let out = run(&[&"analyze", &"--quiet", &repo_path(CLIP), &"--config", &file]);
    assert!(matches!(out.status.code(), Some(0) | Some(1)), "{}", stderr(&out));
    assert!(stdout(&out).contains("strictness 1.50"), "{}", stdout(&out));
}

#[test]
fn annotated_clip_plays_everywhere_and_draws_on_the_lifter() {
    let dir = tempfile::tempdir().expect("dir");
    let clip = repo_path(CLIP);
    let (annotated, keypoints) = (dir.path().join("annotated.mp4"), dir.path().join("kp.json"));
    analyze_annotated(&clip, &annotated, &keypoints, &[]);
    let saved: Value = read_json(&keypoints);
    assert_eq!(
        saved["tool"]["name"], "liftcheck",
        "the writer is named as in the reports"
    );
    let probe = ffprobe_json(&annotated);
    let input = ffprobe_json(&clip);
    let stream = &probe["streams"][0];
    assert_eq!(stream["codec_name"], "h264");
    assert_eq!(stream["pix_fmt"], "yuv420p");
    assert_eq!(
        stream["nb_read_frames"], input["streams"][0]["nb_read_frames"],
        "same frame count"
    );
    let duration = |v: &Value| {
        v["format"]["duration"]
            .as_str()
            .and_then(|d| d.parse::<f64>().ok())
            .expect("duration")
    };
    assert!((duration(&probe) - duration(&input)).abs() < 0.1, "same duration");
    // `+faststart`: the index (moov) comes before the media data (mdat).
    let bytes = std::fs::read(&annotated).expect("read");
    let find = |tag: &[u8]| bytes.windows(4).position(|w| w == tag).expect("box present");
    assert!(find(b"moov") < find(b"mdat"), "moov before mdat");

    // Pixel check on the first lockout frame: the overlay is drawn at the keypoints, not elsewhere.
    let gt: Value =
        serde_json::from_slice(&std::fs::read(repo_path("tests/fixtures/side_good_2reps.json")).expect("gt"))
            .expect("json");
    let frame_index = gt["reps"][0]["lockout_frame"].as_u64().expect("lockout frame") as usize;
    let size = (
        gt["video"]["width"].as_i64().expect("width"),
        gt["video"]["height"].as_i64().expect("height"),
    );
    assert_overlay_on_lifter(&clip, &annotated, &keypoints, frame_index, size, size);
}

/// One frame of `path` as RGB bytes, scaled to `w` x `h`.
fn frame_rgb(path: &Path, frame_index: usize, (w, h): (i64, i64)) -> Vec<u8> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args([
            "-vf",
            &format!("select=eq(n\\,{frame_index}),scale={w}:{h}"),
            "-frames:v",
            "1",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ])
        .output()
        .expect("ffmpeg runs");
    assert_eq!(
        out.stdout.len() as i64,
        w * h * 3,
        "frame {frame_index} of {}",
        path.display()
    );
    out.stdout
}

/// On frame `frame_index`, the annotated clip (`out_size`) differs from the input (`in_size`,
/// keypoints in its pixels) at the lifter's shoulder, hip, knee and ankle, and not at a point
/// far from the lifter and the panels.
fn assert_overlay_on_lifter(
    clip: &Path,
    annotated: &Path,
    keypoints: &Path,
    frame_index: usize,
    in_size: (i64, i64),
    out_size: (i64, i64),
) {
    let (w, h) = out_size;
    let (a, b) = (
        frame_rgb(clip, frame_index, out_size),
        frame_rgb(annotated, frame_index, out_size),
    );
    let kp: Value = read_json(keypoints);
    let pose = &kp["frames"][frame_index]["keypoints"];
    let changed_near = |x: f64, y: f64| -> bool {
        let (x, y) = (x as i64, y as i64);
        (-3..=3).any(|dy| {
            (-3..=3).any(|dx| {
                let (px, py) = (x + dx, y + dy);
                if !(0..w).contains(&px) || !(0..h).contains(&py) {
                    return false;
                }
                let i = ((py * w + px) * 3) as usize;
                (0..3)
                    .map(|c| (a[i + c] as i32 - b[i + c] as i32).abs())
                    .max()
                    .unwrap_or(0)
                    > 60
            })
        })
    };
    let (sx, sy) = (w as f64 / in_size.0 as f64, h as f64 / in_size.1 as f64);
    for joint in [11usize, 23, 25, 27] {
        let (x, y) = (
            pose[joint][0].as_f64().expect("x") * sx,
            pose[joint][1].as_f64().expect("y") * sy,
        );
        assert!(changed_near(x, y), "nothing drawn at keypoint {joint} ({x:.0}, {y:.0})");
    }
    // A corner far from the lifter and the panels stays as it was.
    assert!(
        !changed_near(w as f64 - 40.0, h as f64 * 0.55),
        "overlay drawn away from the lifter"
    );
}

/// The first `seconds` of the fixture re-encoded (x264 ultrafast) into `dir/name` with `extra`
/// output options (filters, pixel format, quality).
fn fixture_excerpt(dir: &Path, name: &str, seconds: &str, extra: &[&str]) -> std::path::PathBuf {
    let (input, out) = (repo_path(CLIP), dir.join(name));
    let mut args = vec!["-i", input.to_str().expect("utf-8"), "-t", seconds];
    args.extend(extra);
    args.extend(["-c:v", "libx264", "-preset", "ultrafast", out.to_str().expect("utf-8")]);
    ffmpeg(&args);
    out
}

/// Streams of `path` as (codec type, codec name, frames, duration s), from ffprobe.
fn streams(path: &Path) -> Vec<(String, String, u64, f64)> {
    let v = ffprobe(
        path,
        &["-show_entries", "stream=codec_type,codec_name,nb_read_frames,duration"],
    );
    let text = |s: &Value, k: &str| s[k].as_str().unwrap_or_default().to_string();
    v["streams"]
        .as_array()
        .expect("streams")
        .iter()
        .map(|s| {
            let number = |k: &str| text(s, k).parse::<f64>().unwrap_or(f64::NAN);
            (
                text(s, "codec_type"),
                text(s, "codec_name"),
                number("nb_read_frames") as u64,
                number("duration"),
            )
        })
        .collect()
}

/// A phone clip's sound (a coach's cues, say) goes into the annotated clip, re-encoded to AAC
/// whatever it was and cut to the video's length; a sound track shorter than the video never
/// cuts the video short; a clip without sound gets none.
#[test]
fn annotated_clip_keeps_the_sound_cut_to_the_video() {
    let dir = tempfile::tempdir().expect("dir");
    let input = repo_path(CLIP);
    let video = streams(&input);
    assert_eq!(video.len(), 1, "the fixture has no sound: {video:?}");
    let (frames, seconds) = (video[0].2, video[0].3);
    // (name, sound seconds, sound codec, container extension). The long sound ends 2 s after
    // the video: OpenCV 4.6's reader gives up after 512 packets of other streams in a row, so
    // sound running on for over ten seconds past the video costs its last, delayed frames.
    let cases = [
        ("long", seconds + 2.0, "aac", "mp4"),
        ("short", 2.0, "pcm_s16le", "mov"),
    ];
    for (name, sound_s, codec, ext) in cases {
        let clip = dir.path().join(format!("{name}.{ext}"));
        ffmpeg(&[
            "-i",
            input.to_str().expect("utf-8"),
            "-f",
            "lavfi",
            "-i",
            &format!("sine=frequency=440:duration={sound_s}"),
            "-map",
            "0:v",
            "-map",
            "1:a",
            "-c:v",
            "copy",
            "-c:a",
            codec,
            clip.to_str().expect("utf-8"),
        ]);
        let annotated = dir.path().join(format!("{name}-annotated.mp4"));
        let out = run(&[&"annotate", &"--quiet", &clip, &"-o", &annotated]);
        assert_eq!(out.status.code(), Some(0), "{name}: {}", stderr(&out));
        let got = streams(&annotated);
        assert_eq!(got.len(), 2, "{name}: {got:?}");
        assert_eq!((got[0].0.as_str(), got[0].2), ("video", frames), "{name}: {got:?}");
        assert!((got[0].3 - seconds).abs() < 0.05, "{name}: {got:?}");
        assert_eq!(
            (got[1].0.as_str(), got[1].1.as_str()),
            ("audio", "aac"),
            "{name}: {got:?}"
        );
        let want_sound_s = sound_s.min(seconds);
        assert!(
            (got[1].3 - want_sound_s).abs() < 0.1,
            "{name}: sound {want_sound_s} s: {got:?}"
        );
    }
    let annotated = dir.path().join("silent-annotated.mp4");
    let out = run(&[&"annotate", &"--quiet", &input, &"-o", &annotated]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let got = streams(&annotated);
    assert_eq!(got.len(), 1, "{got:?}");
}

/// Large inputs are annotated at 720p unless asked otherwise (never enlarged: the fixture above
/// keeps its 640x360), with the overlay scaled along.
#[test]
fn annotated_clip_is_720p_by_default_and_source_size_on_request() {
    let dir = tempfile::tempdir().expect("dir");
    // The fixture's first two seconds at 1440x810 (short side above 720).
    let clip = fixture_excerpt(dir.path(), "large.mp4", "2", &["-vf", "scale=1440:810", "-crf", "12"]);
    let keypoints = dir.path().join("kp.json");
    for (resolution, size) in [
        (None, (1280, 720)),
        (Some("source"), (1440, 810)),
        (Some("1080p"), (1440, 810)),
    ] {
        let annotated = dir
            .path()
            .join(format!("annotated-{}.mp4", resolution.unwrap_or("default")));
        let extra: Vec<&dyn AsRef<OsStr>> = match &resolution {
            Some(r) => vec![&"--resolution", r],
            None => Vec::new(),
        };
        analyze_annotated(&clip, &annotated, &keypoints, &extra);
        let stream = &ffprobe_json(&annotated)["streams"][0];
        assert_eq!(
            (stream["width"].as_i64(), stream["height"].as_i64()),
            (Some(size.0), Some(size.1)),
            "{resolution:?}"
        );
        assert_overlay_on_lifter(&clip, &annotated, &keypoints, 45, (1440, 810), size);
    }
}

#[test]
fn batch_checks_a_folder_carries_on_past_broken_files_and_skips_finished_ones() {
    let dir = tempfile::tempdir().expect("dir");
    let videos = dir.path().join("videos");
    std::fs::create_dir_all(videos.join("monday")).expect("mkdir");
    std::fs::copy(repo_path(CLIP), videos.join("monday/set 1.mp4")).expect("copy");
    let reports = dir.path().join("reports");
    let batch = || run(&[&"batch", &"--quiet", &videos, &"--output", &reports]);
    // Alone in its folder, the clip's reports take its name without the extension.
    let alone = batch();
    assert!(matches!(alone.status.code(), Some(0) | Some(1)), "{}", stderr(&alone));
    assert!(reports.join("monday/set 1.report.txt").is_file());
    // Same name, other extension: its reports must not overwrite the first clip's.
    std::fs::copy(repo_path(CLIP), videos.join("monday/set 1.mov")).expect("copy");
    std::fs::write(videos.join("broken.mp4"), b"not a video at all").expect("write");
    std::fs::write(videos.join("notes.txt"), b"ignored: not a video").expect("write");
    let out = batch();
    assert_eq!(
        out.status.code(),
        Some(2),
        "a failed clip makes the run fail: {}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("panicked"));
    assert!(stderr(&out).contains("broken.mp4"), "failures listed: {}", stderr(&out));
    let summary: Value = read_json(&reports.join("summary.json"));
    // The writer is named as in the reports.
    assert_eq!(summary["schema_version"], 2);
    assert_eq!(summary["tool"]["name"], "liftcheck");
    let clips = summary["clips"].as_array().expect("clips");
    assert_eq!(clips.len(), 3, "the text file is not a video: {clips:?}");
    let by_name = |name: &str| {
        clips
            .iter()
            .find(|c| c["file"].as_str().is_some_and(|f| f.ends_with(name)))
            .expect(name)
    };
    assert_eq!(by_name("broken.mp4")["status"], "error");
    let good = by_name("set 1.mp4");
    assert_eq!(good["status"], "clean", "the good fixture: {good}");
    assert_eq!(good["reps"], 2);
    assert!(reports.join("index.html").is_file(), "batch index page");
    // The summary and the index page point at each clip's HTML report.
    assert_eq!(good["report"], "monday/set 1.mp4.report.html");
    let index = std::fs::read_to_string(reports.join("index.html")).expect("index");
    assert!(index.contains("href=\"monday/set%201.mp4.report.html\""), "{index}");
    for suffix in ["report.txt", "report.json", "report.html", "frames.csv"] {
        for name in ["set 1.mp4", "set 1.mov"] {
            assert!(
                reports.join(format!("monday/{name}.{suffix}")).is_file(),
                "{name}: {suffix} mirrors the input tree, named in full beside a namesake"
            );
        }
    }
    // The reports the first clip had under its short name are gone, not left beside the new ones.
    for suffix in ["report.txt", "report.json", "report.html", "frames.csv", "stamp.json"] {
        assert!(
            !reports.join(format!("monday/set 1.{suffix}")).exists(),
            "old set 1.{suffix} left behind"
        );
    }
    let report_of =
        |name: &str| std::fs::read_to_string(reports.join(format!("monday/{name}.report.txt"))).expect("report");
    assert!(
        report_of("set 1.mov").contains("set 1.mov"),
        "each report is its own clip's"
    );
    assert!(report_of("set 1.mp4").contains("set 1.mp4"));
    assert!(
        std::fs::read_to_string(reports.join("summary.csv"))
            .expect("csv")
            .lines()
            .count()
            == 4
    );

    // A second run finds the good clips up to date and keeps what their reports say.
    let again = batch();
    assert_eq!(again.status.code(), Some(2));
    let summary: Value = read_json(&reports.join("summary.json"));
    let rerun = summary["clips"].as_array().expect("clips");
    let first = |file: &Value| clips.iter().find(|c| c["file"] == *file).expect("same clips");
    assert_eq!(rerun.len(), clips.len());
    for clip in rerun {
        let was = first(&clip["file"]);
        assert_eq!(clip["status"], was["status"], "{clip}");
        assert_eq!(clip["faults"], was["faults"], "{clip}");
        let skipped = clip["status"] != "error";
        assert_eq!(clip["up_to_date"], skipped, "{clip}");
    }
    assert!(stdout(&again).contains("2 up to date"), "{}", stdout(&again));
    // No temporary files are left anywhere.
    for entry in walk(&reports) {
        assert!(
            !entry.to_string_lossy().contains(".part"),
            "left over: {}",
            entry.display()
        );
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("ls").flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// Regression: each batch worker created its own ONNX Runtime environment, and the second one
/// failed ("only one environment is allowed per process") as soon as two clips ran at once.
#[test]
fn batch_runs_clips_in_parallel_workers() {
    let dir = tempfile::tempdir().expect("dir");
    let videos = dir.path().join("videos");
    std::fs::create_dir_all(&videos).expect("mkdir");
    for name in ["side_good_2reps", "front_good_1rep"] {
        std::fs::copy(
            repo_path(&format!("tests/fixtures/{name}.mp4")),
            videos.join(format!("{name}.mp4")),
        )
        .expect("copy");
    }
    let reports = dir.path().join("reports");
    let out = run(&[
        &"batch",
        &"--quiet",
        &"--no-cache",
        &"--jobs",
        &"2",
        &videos,
        &"--output",
        &reports,
    ]);
    // Both fixtures are good lifts: clean, exit 0.
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let summary: Value = read_json(&reports.join("summary.json"));
    let clips = summary["clips"].as_array().expect("clips");
    assert_eq!(clips.len(), 2);
    for clip in clips {
        assert_eq!(clip["status"], "clean", "{clip}");
    }
}

/// An odd-sized input (possible with 4:4:4 video) is annotated at the nearest even size below,
/// which YUV 4:2:0 needs, with every frame kept.
#[test]
fn odd_sized_clip_is_annotated_at_an_even_size() {
    let dir = tempfile::tempdir().expect("dir");
    let clip = fixture_excerpt(
        dir.path(),
        "odd.mp4",
        "1",
        &["-vf", "scale=641:361", "-pix_fmt", "yuv444p"],
    );
    let annotated = dir.path().join("annotated.mp4");
    let out = run(&[
        &"annotate",
        &"--quiet",
        &clip,
        &"-o",
        &annotated,
        &"--resolution",
        &"source",
    ]);
    assert!(matches!(out.status.code(), Some(0) | Some(1)), "{}", stderr(&out));
    let (probe, input) = (ffprobe_json(&annotated), ffprobe_json(&clip));
    let stream = &probe["streams"][0];
    assert_eq!(
        (stream["width"].as_i64(), stream["height"].as_i64()),
        (Some(640), Some(360))
    );
    assert_eq!(stream["pix_fmt"], "yuv420p");
    assert_eq!(stream["nb_read_frames"], input["streams"][0]["nb_read_frames"]);
}

/// Analysing a video leaves nothing behind but the outputs asked for: in particular no usage
/// telemetry from ONNX Runtime, whose builds since 1.29 write a device id and an event database
/// under the user's home (`runtime::TELEMETRY_OPT_OUT`).
#[test]
fn analysing_leaves_no_telemetry_behind() {
    let home = tempfile::tempdir().expect("home");
    let out = liftcheck()
        .env("HOME", home.path())
        .env("XDG_CACHE_HOME", home.path().join(".cache"))
        .env_remove(liftcheck::runtime::TELEMETRY_OPT_OUT)
        .args([OsStr::new("analyze"), OsStr::new("--quiet"), OsStr::new("--no-cache")])
        .arg(repo_path("tests/fixtures/front_good_1rep.mp4"))
        .output()
        .expect("liftcheck runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let left: Vec<_> = walk(home.path());
    assert!(left.is_empty(), "files written under HOME: {left:?}");
}

/// `LIFTCHECK_CACHE=` and `LIFTCHECK_MODELS=` (empty, as a shell line that clears them gives)
/// mean unset: the keypoints are cached under the home folder, not in the working folder, and
/// the models are found as usual rather than `--models` being refused as missing its value.
#[test]
fn empty_path_variables_count_as_unset() {
    let (home, work) = (tempfile::tempdir().expect("home"), tempfile::tempdir().expect("work"));
    let out = liftcheck()
        .current_dir(work.path())
        .env("HOME", home.path())
        .env_remove("XDG_CACHE_HOME")
        .env("LIFTCHECK_CACHE", "")
        .env("LIFTCHECK_MODELS", "")
        .args([OsStr::new("analyze"), OsStr::new("--quiet")])
        .arg(repo_path("tests/fixtures/front_good_1rep.mp4"))
        .output()
        .expect("liftcheck runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        walk(work.path()),
        Vec::<std::path::PathBuf>::new(),
        "files in the working folder"
    );
    let cached = walk(&home.path().join(".cache/liftcheck"));
    assert_eq!(cached.len(), 1, "one track cached under HOME: {cached:?}");
}

/// Which files a batch run takes as its clips: symbolic links are followed, a link loop is an
/// error row while the other clips are checked, an MPEG transport stream counts and a
/// TypeScript file of the same extension does not, an earlier run's annotated clips are not
/// inputs (even without its summary), videos inside the chosen output folder are skipped with a
/// warning, and an output folder holding the input is refused. A report deleted since the last
/// run is written again.
#[test]
fn batch_picks_its_clips_from_the_folder_and_refuses_an_output_holding_it() {
    let dir = tempfile::tempdir().expect("dir");
    let (videos, store) = (dir.path().join("videos"), dir.path().join("store"));
    std::fs::create_dir_all(store.join("day2")).expect("mkdir");
    std::fs::create_dir_all(videos.join("done")).expect("mkdir");
    let clip = fixture_excerpt(&store, "a.mp4", "2", &[]);
    std::fs::copy(&clip, store.join("day2/c.mp4")).expect("copy");
    std::fs::copy(&clip, videos.join("a.mp4")).expect("copy");
    std::os::unix::fs::symlink(&clip, videos.join("b.mp4")).expect("link");
    std::os::unix::fs::symlink(store.join("day2"), videos.join("day2")).expect("link");
    std::os::unix::fs::symlink(&videos, videos.join("loop")).expect("link");
    ffmpeg(&[
        "-i",
        clip.to_str().expect("utf-8"),
        "-c",
        "copy",
        "-f",
        "mpegts",
        videos.join("t.ts").to_str().expect("utf-8"),
    ]);
    std::fs::write(videos.join("code.ts"), b"const answer: number = 42;\n").expect("write");
    // An earlier run's clip report, interrupted before its summary.
    std::fs::copy(&clip, videos.join("done/old.annotated.mp4")).expect("copy");
    std::fs::write(videos.join("done/old.stamp.json"), b"{}").expect("write");
    // A video in the folder the reports will go to.
    let reports = videos.join("reports");
    std::fs::create_dir_all(&reports).expect("mkdir");
    std::fs::copy(&clip, reports.join("kept.mp4")).expect("copy");

    let batch = || run(&[&"batch", &"--quiet", &"--jobs", &"1", &videos, &"--output", &reports]);
    let out = batch();
    assert_eq!(
        out.status.code(),
        Some(2),
        "the link loop fails the run: {}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("1 video(s) in the output folder are not checked"),
        "{}",
        stderr(&out)
    );
    let summary: Value = read_json(&reports.join("summary.json"));
    let rows: Vec<(String, String)> = summary["clips"]
        .as_array()
        .expect("clips")
        .iter()
        .map(|c| {
            (
                c["file"].as_str().unwrap_or("").to_string(),
                c["status"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let files: Vec<&str> = rows.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(files, ["a.mp4", "b.mp4", "day2/c.mp4", "loop", "t.ts"], "{rows:?}");
    for (file, status) in &rows {
        let want_error = file == "loop";
        assert_eq!(status == "error", want_error, "{file}: {status}");
    }

    // A deleted report is written again; the others are up to date.
    std::fs::remove_file(reports.join("b.report.html")).expect("rm");
    let again = batch();
    assert!(reports.join("b.report.html").is_file(), "{}", stderr(&again));
    let summary: Value = read_json(&reports.join("summary.json"));
    let clips = summary["clips"].as_array().expect("clips");
    assert!(clips.iter().any(|c| c["file"] == "b.mp4"), "{clips:?}");
    for clip in clips {
        let file = clip["file"].as_str().unwrap_or("");
        if file != "loop" {
            assert_eq!(clip["up_to_date"], file != "b.mp4", "{file}");
        }
    }

    // Reports inside the videos, or the videos inside the reports: refused, nothing written.
    for output in [videos.as_path(), dir.path()] {
        let out = run(&[&"batch", &"--quiet", &videos, &"--output", &output]);
        assert_eq!(out.status.code(), Some(2));
        assert!(
            stderr(&out).contains("the output folder is the input folder or holds it"),
            "{}",
            stderr(&out)
        );
        assert!(!output.join("summary.json").exists());
    }
}

/// `eval` scores a folder of labelled clips against their ground truth and writes the summary as
/// JSON; its output path is checked before any clip is scored, and a ground-truth file is never
/// overwritten.
#[test]
fn eval_scores_labelled_clips_and_checks_its_output_first() {
    let dir = tempfile::tempdir().expect("dir");
    let suite = dir.path().join("suite");
    std::fs::create_dir(&suite).expect("mkdir");
    for ext in ["mp4", "json"] {
        std::fs::copy(
            repo_path(&CLIP.replace(".mp4", &format!(".{ext}"))),
            suite.join(format!("good.{ext}")),
        )
        .expect("copy");
    }
    let truth = suite.join("good.json");
    let truth_hash = file_hash(&truth);

    // Bad output paths: refused at once, with nothing scored (no table on stdout).
    for (json, says) in [
        (
            dir.path().join("no such folder").join("e.json"),
            "No such file or directory",
        ),
        (truth.clone(), "refusing to overwrite an input file"),
        (dir.path().to_path_buf(), "Is a directory"),
        (suite.clone(), "Is a directory"),
    ] {
        let out = run(&[&"eval", &"--quiet", &suite, &"--json", &json]);
        assert_eq!(out.status.code(), Some(2), "{}: {}", json.display(), stderr(&out));
        assert!(stderr(&out).contains(says), "{}: {}", json.display(), stderr(&out));
        assert!(stdout(&out).is_empty(), "scored before failing: {}", stdout(&out));
    }
    assert_eq!(file_hash(&truth), truth_hash, "the ground truth is unchanged");

    let json = dir.path().join("eval.json");
    let out = run(&[&"eval", &"--quiet", &suite, &"--json", &json]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let summary: Value = read_json(&json);
    assert_eq!(summary["schema_version"], 1);
    assert_eq!(summary["clips"], 1);
    // The labels say two reps and no fault: both found, and the good clip is clean.
    assert_eq!(summary["reps"]["exact_clips"], 1, "{}", summary["reps"]);
    assert_eq!(summary["good_clips"]["clean"], 1, "{}", summary["good_clips"]);
    assert!(
        stdout(&out).contains("Good clips (no ground-truth fault): 1, clean 1"),
        "{}",
        stdout(&out)
    );

    // A clip that cannot be read is scored as a miss and the run ends with exit 2, naming it; the
    // table and the JSON are still written.
    std::fs::write(suite.join("broken.mp4"), b"not a video").expect("write");
    std::fs::copy(&truth, suite.join("broken.json")).expect("copy");
    std::fs::remove_file(&json).expect("rm");
    let out = run(&[&"eval", &"--quiet", &suite, &"--json", &json]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("1 of 2 clips failed"), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("  {}: ", suite.join("broken.mp4").display())),
        "{}",
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("Good clips (no ground-truth fault): 2"),
        "{}",
        stdout(&out)
    );
    assert_eq!(read_json(&json)["clips"], 2);
}

/// A video whose file name is not UTF-8 (possible on Linux) is analysed, cached and its
/// keypoints written like any other; the name is written lossily where JSON needs text.
#[test]
fn a_file_name_that_is_not_utf8_is_no_problem() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().expect("dir");
    let clip = dir.path().join(OsStr::from_bytes(b"set \xff1.mp4"));
    std::fs::copy(repo_path(CLIP), &clip).expect("copy");
    let keypoints = dir.path().join("keypoints.json");
    for _ in 0..2 {
        let out = run(&[&"analyze", &"--quiet", &clip, &"--keypoints", &keypoints]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(!stderr(&out).contains("cache not written"), "{}", stderr(&out));
    }
    let saved: Value = read_json(&keypoints);
    assert_eq!(
        saved["video"]["path"].as_str().and_then(|p| p.rsplit('/').next()),
        Some("set \u{fffd}1.mp4")
    );
}

/// The fixture with faults (its labels: hips first on rep 2, rounding and an incomplete lockout
/// on rep 3): `annotate` exits 1 and says so in one line, and `batch` on it exits 1 with the
/// clip's status `faults`.
#[test]
fn faults_found_exit_1_in_annotate_and_batch() {
    let dir = tempfile::tempdir().expect("dir");
    let videos = dir.path().join("videos");
    std::fs::create_dir(&videos).expect("mkdir");
    let clip = videos.join("faults.mp4");
    std::fs::copy(repo_path("tests/fixtures/side_faults_3reps.mp4"), &clip).expect("copy");
    let out = run(&[&"annotate", &"--quiet", &clip, &"-o", &dir.path().join("a.mp4")]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.contains("faults.mp4: 3 reps,"), "{text}");
    assert!(text.contains("Hips rising before the shoulders (rep 2)"), "{text}");
    let reports = dir.path().join("reports");
    let out = run(&[&"batch", &"--quiet", &videos, &"-o", &reports]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let summary: Value = read_json(&reports.join("summary.json"));
    let clips = summary["clips"].as_array().expect("clips");
    assert_eq!(clips.len(), 1);
    assert_eq!(clips[0]["status"], "faults", "{}", clips[0]);
}

/// `--json -` (or `--csv -`, or `--html -`) prints that output alone on standard output, for a
/// pipe, instead of the terminal report; no file named `-` is written.
#[test]
fn json_csv_or_html_to_standard_output() {
    let dir = tempfile::tempdir().expect("dir");
    let clip = repo_path(CLIP);
    // Run in the temporary folder, where a file named `-` would land.
    let to_stdout = |option: &str| {
        let out = liftcheck()
            .current_dir(dir.path())
            .args([OsStr::new("analyze"), OsStr::new("--quiet"), clip.as_os_str()])
            .args([option, "-"])
            .output()
            .expect("liftcheck runs");
        assert_eq!(out.status.code(), Some(0), "{option}: {}", stderr(&out));
        out
    };
    let report: Value = serde_json::from_slice(&to_stdout("--json").stdout).expect("stdout is the JSON report alone");
    assert_eq!(report["reps"].as_array().map(Vec::len), Some(2));
    // With -v the video facts go to stderr, so stdout stays JSON.
    let verbose = run(&[&"analyze", &"--quiet", &"-v", &clip, &"--json", &"-"]);
    assert_eq!(verbose.status.code(), Some(0), "{}", stderr(&verbose));
    assert!(
        serde_json::from_slice::<Value>(&verbose.stdout).is_ok(),
        "{}",
        stdout(&verbose)
    );
    assert!(
        stderr(&verbose).contains("key-joint visibility"),
        "{}",
        stderr(&verbose)
    );
    // Only those three print; other outputs need a file.
    let keypoints = run(&[&"analyze", &"--quiet", &clip, &"--keypoints", &"-"]);
    assert_clean_error(&keypoints, "--keypoints -", "only --json, --csv and --html");
    let csv = stdout(&to_stdout("--csv"));
    assert!(csv.starts_with("frame,"), "{csv}");
    let page = stdout(&to_stdout("--html"));
    assert!(page.starts_with("<!DOCTYPE html>"), "{}", &page[..page.len().min(200)]);
    let both = run(&[&"analyze", &"--quiet", &clip, &"--json", &"-", &"--csv", &"-"]);
    assert_clean_error(&both, "--csv -", "both ask for standard output");
    assert!(!dir.path().join("-").exists());
}

/// `batch` and `analyze` share the keypoint cache: a clip checked by `batch` is analysed again
/// without inference (batch hands the cache the digest it computed for its own up-to-date check).
#[test]
fn a_clip_checked_by_batch_is_analysed_from_the_cache() {
    let dir = tempfile::tempdir().expect("dir");
    let cache = dir.path().join("cache");
    let clips = dir.path().join("clips");
    std::fs::create_dir(&clips).expect("mkdir");
    let clip = clips.join("set.mp4");
    std::fs::copy(repo_path(CLIP), &clip).expect("copy");
    let with_cache = |args: &[&dyn AsRef<OsStr>]| {
        liftcheck()
            .env("LIFTCHECK_CACHE", &cache)
            .args(args.iter().map(|a| a.as_ref()))
            .output()
            .expect("liftcheck runs")
    };
    let out = with_cache(&[&"batch", &"--quiet", &clips, &"-o", &dir.path().join("reports")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = with_cache(&[&"analyze", &"--quiet", &"-v", &clip]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let said = format!("{}{}", stdout(&out), stderr(&out));
    assert!(said.contains("keypoints from the cache"), "{said}");
}

/// A clip whose reports were being rewritten when the run stopped is checked again next time,
/// not called up to date from the stamp of the run before; an annotated clip of other settings
/// that a run without `--annotate` does not replace is removed rather than left showing the old
/// findings, and one of the same settings is kept.
#[test]
fn batch_never_calls_half_rewritten_reports_up_to_date() {
    let dir = tempfile::tempdir().expect("dir");
    let videos = dir.path().join("videos");
    let reports = dir.path().join("reports");
    std::fs::create_dir(&videos).expect("mkdir");
    std::fs::copy(repo_path(CLIP), videos.join("good.mp4")).expect("copy");
    let batch = |extra: &[&str]| {
        let mut args: Vec<&dyn AsRef<OsStr>> = vec![&"batch", &"--quiet", &videos, &"-o", &reports];
        args.extend(extra.iter().map(|a| a as &dyn AsRef<OsStr>));
        run(&args)
    };
    let annotated = reports.join("good.annotated.mp4");
    let csv = reports.join("good.frames.csv");
    let out = batch(&["--annotate"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(annotated.is_file());
    // Without --annotate, the same settings: up to date, and the annotated clip kept.
    let out = batch(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let summary: Value = read_json(&reports.join("summary.json"));
    assert_eq!(summary["clips"][0]["up_to_date"], true, "{}", summary["clips"][0]);
    assert!(
        annotated.is_file(),
        "an annotated clip of the same settings was removed"
    );
    // A report deleted: rewritten, and the annotated clip (same settings) still kept.
    std::fs::remove_file(reports.join("good.report.txt")).expect("rm");
    let out = batch(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        annotated.is_file(),
        "an annotated clip of the same settings was removed"
    );
    let out = batch(&["--annotate"]);
    let summary: Value = read_json(&reports.join("summary.json"));
    assert_eq!(
        summary["clips"][0]["up_to_date"],
        true,
        "{}: {}",
        summary["clips"][0],
        stderr(&out)
    );

    // Other settings, and the last report cannot be written: the run fails for the clip after
    // rewriting the first reports.
    std::fs::remove_file(&csv).expect("rm");
    std::fs::create_dir(&csv).expect("mkdir");
    let out = batch(&["--strictness", "4"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(!annotated.exists(), "an annotated clip of the earlier settings is left");

    // The first settings again, with every output present: the clip is checked anew.
    std::fs::remove_dir(&csv).expect("rmdir");
    std::fs::write(&csv, "left over").expect("write");
    let out = batch(&["--annotate"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let summary: Value = read_json(&reports.join("summary.json"));
    assert_eq!(summary["clips"][0]["up_to_date"], false, "{}", summary["clips"][0]);
    let report = std::fs::read_to_string(reports.join("good.report.txt")).expect("report");
    assert!(report.contains("strictness 1.00"), "{report}");
    assert!(std::fs::read_to_string(&csv).expect("csv").starts_with("frame"));
    assert!(annotated.is_file());
}

/// Videos in a folder that looks like an earlier run's reports (it holds summary.json,
/// summary.csv and index.html) are left out with a warning naming the folder, not silently; an
/// existing file given as the output folder is refused as such.
#[test]
fn batch_says_which_videos_it_leaves_out() {
    let dir = tempfile::tempdir().expect("dir");
    let videos = dir.path().join("videos");
    let old = videos.join("old");
    std::fs::create_dir_all(&old).expect("mkdir");
    std::fs::copy(repo_path(CLIP), videos.join("good.mp4")).expect("copy");
    std::fs::copy(repo_path(CLIP), old.join("kept.mp4")).expect("copy");
    for name in ["summary.json", "summary.csv", "index.html"] {
        std::fs::write(old.join(name), "").expect("write");
    }
    let out = run(&[&"batch", &"--quiet", &videos, &"-o", &dir.path().join("reports")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "liftcheck: warning: {}: 1 video(s) in an earlier run's report folder",
            old.display()
        )),
        "{}",
        stderr(&out)
    );
    let summary: Value = read_json(&dir.path().join("reports").join("summary.json"));
    assert_eq!(summary["clips"].as_array().map(Vec::len), Some(1), "{summary}");

    let file = dir.path().join("reports.csv");
    std::fs::write(&file, "mine").expect("write");
    let out = run(&[&"batch", &"--quiet", &videos, &"-o", &file]);
    assert_clean_error(&out, "reports.csv", "not a folder");
    assert_eq!(std::fs::read(&file).expect("read"), b"mine");
}

/// The batch summary of a folder with a clip with faults, a clean one and a broken file, as a
/// golden file (the times and the version, which vary, set to fixed values): the rows, their
/// order, the statuses, the fault checks and the error text.
#[test]
fn batch_summary_golden() {
    let dir = tempfile::tempdir().expect("dir");
    let videos = dir.path().join("videos");
    std::fs::create_dir(&videos).expect("mkdir");
    for name in ["side_faults_3reps.mp4", "front_good_1rep.mp4"] {
        std::fs::copy(repo_path(&format!("tests/fixtures/{name}")), videos.join(name)).expect("copy");
    }
    std::fs::write(videos.join("broken.mp4"), "not a video").expect("write");
    let reports = dir.path().join("reports");
    let out = run(&[&"batch", &"--quiet", &videos, &"-o", &reports]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let written = std::fs::read_to_string(reports.join("summary.json")).expect("summary");
    let version = format!("\"version\": \"{}\"", env!("CARGO_PKG_VERSION"));
    let text: String = written
        .lines()
        .map(|line| match line.split_once("\"seconds\": ") {
            Some((indent, value)) => {
                let comma = if value.ends_with(',') { "," } else { "" };
                format!("{indent}\"seconds\": 0.0{comma}\n")
            }
            None => format!("{}\n", line.replacen(&version, "\"version\": \"test\"", 1)),
        })
        .collect();
    golden("batch_summary.json", &text);
}
