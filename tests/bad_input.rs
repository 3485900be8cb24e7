//! Bad input gets one clear line naming the file, exit code 2, no panic, and the input untouched.

mod common;

use std::path::Path;

use common::*;

fn analyze(path: &Path) -> std::process::Output {
    run(&[&"analyze", &"--quiet", &path])
}

#[test]
fn files_that_are_not_videos() {
    let dir = tempfile::tempdir().expect("temp dir");
    let empty = dir.path().join("empty.mp4");
    std::fs::write(&empty, b"").expect("write");
    let text = dir.path().join("notes.mp4");
    std::fs::write(&text, b"this is not a video, just text renamed to .mp4\n").expect("write");
    let audio = dir.path().join("audio only.m4a");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:duration=1",
        "-c:a",
        "aac",
        audio.to_str().expect("utf-8"),
    ]);
    let missing = dir.path().join("missing.mp4");
    // A named pipe (nothing writes to it: reading it would wait for ever) and a device.
    let fifo = dir.path().join("pipe.mp4");
    let fifo_c = std::ffi::CString::new(fifo.to_str().expect("utf-8")).expect("path");
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(fifo_c.as_ptr(), 0o600) }, 0, "mkfifo");

    // (input, what the message must say)
    let cases: [(&Path, &str); 7] = [
        (&empty, "empty"),
        (&text, "not a video"),
        (&audio, "not a video"),
        (&missing, "no such file"),
        (dir.path(), "directory"),
        (&fifo, "not a regular file"),
        (Path::new("/dev/zero"), "not a regular file"),
    ];
    for (path, says) in cases {
        let before = (path.is_file() && path.starts_with(dir.path())).then(|| file_hash(path));
        let out = analyze(path);
        let name = path.file_name().expect("name").to_string_lossy();
        assert_clean_error(&out, &name, says);
        if let Some(hash) = before {
            assert_eq!(file_hash(path), hash, "{} was modified", path.display());
        }
    }
}

/// A clip turned a quarter turn without rotation metadata (the lifter lies on their side) is
/// refused with the likely cause, not analysed as nonsense; the input is left as it was, and the
/// keypoints asked for are still written, since they show why.
#[test]
fn a_clip_turned_on_its_side_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let turned = dir.path().join("turned.mp4");
    let fixture = repo_path("tests/fixtures/side_good_2reps.mp4");
    ffmpeg(&[
        "-i",
        fixture.to_str().expect("utf-8"),
        "-vf",
        "transpose=1",
        "-an",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        turned.to_str().expect("utf-8"),
    ]);
    let before = file_hash(&turned);
    let keypoints = dir.path().join("keypoints.json");
    let out = run(&[&"analyze", &"--quiet", &turned, &"--keypoints", &keypoints]);
    assert_clean_error(&out, "turned.mp4", "re-export the clip upright");
    assert_eq!(file_hash(&turned), before);
    let saved: serde_json::Value = read_json(&keypoints);
    let posed = saved["frames"]
        .as_array()
        .expect("frames")
        .iter()
        .filter(|f| !f["keypoints"].is_null())
        .count();
    assert!(posed > 0, "the poses that made it refuse the clip are there");
}

/// `--resolution` without an annotated clip to apply to is refused, not silently ignored.
#[test]
fn resolution_without_annotate_is_a_usage_error() {
    let clip = repo_path("tests/fixtures/side_good_2reps.mp4");
    let folder = repo_path("tests/fixtures");
    for (command, input) in [("analyze", &clip), ("batch", &folder)] {
        let out = run(&[&command, &input, &"--resolution", &"source"]);
        assert_eq!(out.status.code(), Some(2), "{command}");
        assert!(stderr(&out).contains("add --annotate"), "{command}: {}", stderr(&out));
        assert_eq!(stderr(&out).lines().count(), 1, "{command}: {}", stderr(&out));
    }
}

#[test]
fn bad_lifter_hint_is_a_usage_error() {
    let out = run(&[&"analyze", &"x.mp4", &"--lifter", &"2,5"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("fractions between 0 and 1"));
}

/// A small valid video (no person in it) for tests that fail before the video matters.
fn test_pattern_clip(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("pattern.mp4");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=320x240:rate=30:duration=1",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        path.to_str().expect("utf-8"),
    ]);
    path
}

#[test]
fn missing_or_unusable_onnx_runtime() {
    let dir = tempfile::tempdir().expect("dir");
    let clip = test_pattern_clip(dir.path());
    let not_a_library = dir.path().join("libonnxruntime.so");
    std::fs::write(&not_a_library, b"not a shared library").expect("write");
    for (lib, says) in [
        (dir.path().join("missing.so"), "not found"),
        (not_a_library, "cannot use"),
    ] {
        let out = liftcheck()
            .env("ORT_DYLIB_PATH", &lib)
            .args(["analyze", "--quiet", "--no-cache"])
            .arg(&clip)
            .output()
            .expect("runs");
        assert_clean_error(&out, &lib.file_name().expect("name").to_string_lossy(), says);
        assert!(
            stderr(&out).contains("scripts/setup.sh"),
            "names the fix: {}",
            stderr(&out)
        );
    }
}

#[test]
fn missing_or_corrupt_model_files() {
    let dir = tempfile::tempdir().expect("dir");
    let clip = test_pattern_clip(dir.path());
    let models = repo_path("models");
    // The models `analyze` loads by default: the keypoint model and the mask head (the whole
    // full model is not loaded when the head is a model of its own).
    for file in ["pose_landmark_full_nomask.onnx", "pose_segmentation_head_full.onnx"] {
        for (case, says) in [("missing", "missing"), ("corrupt", "corrupt")] {
            let copy = dir.path().join(format!("{case}-{file}"));
            std::fs::create_dir(&copy).expect("mkdir");
            for entry in std::fs::read_dir(&models).expect("models dir") {
                let name = entry.expect("entry").file_name();
                if name != file {
                    std::os::unix::fs::symlink(models.join(&name), copy.join(&name)).expect("link");
                }
            }
            if case == "corrupt" {
                let mut bytes = std::fs::read(models.join(file)).expect("read");
                let middle = bytes.len() / 2;
                bytes[middle] ^= 0xff;
                std::fs::write(copy.join(file), bytes).expect("write");
            }
            let out = run(&[&"analyze", &"--quiet", &"--no-cache", &"--models", &copy, &clip]);
            assert_clean_error(&out, file, says);
        }
    }
}

#[test]
fn a_clip_with_nobody_in_it() {
    let dir = tempfile::tempdir().expect("dir");
    let clip = test_pattern_clip(dir.path());
    let before = file_hash(&clip);
    let out = analyze(&clip);
    // Either the detector finds nobody, or it takes a shape in the pattern for a person (it
    // looks again at larger-scale tiles when the whole frame shows nobody) and the analysis
    // finds no shoulders and hips on it.
    assert_clean_error(&out, "pattern.mp4", "found");
    let err = stderr(&out);
    assert!(
        err.contains("no person found") || err.contains("no lifter found"),
        "error should say nobody was found: {err}"
    );
    assert_eq!(file_hash(&clip), before);
}

/// Regression: the pose stage stopped as soon as the decoder thread finished, dropping the
/// frames it had already queued (the last one or two of every clip).
#[test]
fn every_frame_reaches_the_pose_stage() {
    let dir = tempfile::tempdir().expect("dir");
    let clip = dir.path().join("with audio.mp4");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=320x240:rate=30:duration=2",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:duration=2",
        "-shortest",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        clip.to_str().expect("utf-8"),
    ]);
    let out = analyze(&clip);
    // Nobody is in a test pattern, and the error says how many frames were searched.
    assert_clean_error(&out, "with audio.mp4", "in any of its 60 frames");
}

/// Annotated clips need the `ffmpeg` command: without it, `annotate`, `analyze --annotate` and
/// `batch --annotate` stop at once with one line saying so, before reading the video (here a
/// text file, which would otherwise be the error) or running the pose stage.
#[test]
fn annotating_without_ffmpeg_fails_first() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = dir.path().join("notes.mp4");
    std::fs::write(&text, b"not a video\n").expect("write");
    let out_mp4 = dir.path().join("out.mp4");
    let runs: [&[&dyn AsRef<std::ffi::OsStr>]; 3] = [
        &[&"annotate", &"--quiet", &text, &"-o", &out_mp4],
        &[&"analyze", &"--quiet", &text, &"--annotate", &out_mp4],
        &[
            &"batch",
            &"--quiet",
            &"--annotate",
            &dir.path(),
            &"-o",
            &dir.path().join("reports"),
        ],
    ];
    for args in runs {
        let out = liftcheck()
            .env("PATH", dir.path().join("no such folder"))
            .args(args.iter().map(|a| a.as_ref()))
            .output()
            .expect("liftcheck runs");
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("annotated clips need the ffmpeg command"), "{err}");
        assert!(!out_mp4.exists());
    }
}

/// A folder without videos is one error line, and the report folder the run would have made is
/// not left behind (one that was there already stays).
#[test]
fn batch_on_a_folder_without_videos() {
    let dir = tempfile::tempdir().expect("temp dir");
    let videos = dir.path().join("videos");
    std::fs::create_dir(&videos).expect("mkdir");
    std::fs::write(videos.join("notes.txt"), b"no video here\n").expect("write");
    let existing = dir.path().join("existing");
    std::fs::create_dir(&existing).expect("mkdir");
    for (reports, kept) in [(dir.path().join("reports"), false), (existing, true)] {
        let out = run(&[&"batch", &"--quiet", &videos, &"-o", &reports]);
        assert_clean_error(&out, "videos", "no video files found");
        assert_eq!(reports.is_dir(), kept, "{}", reports.display());
    }
    let out = run(&[&"batch", &"--quiet", &videos]);
    assert_clean_error(&out, "videos", "no video files found");
    assert!(!videos.join("liftcheck-reports").exists());
    // Every folder the run made is removed, not just the last.
    let nested = dir.path().join("a").join("b").join("c");
    let out = run(&[&"batch", &"--quiet", &videos, &"-o", &nested]);
    assert_clean_error(&out, "videos", "no video files found");
    assert!(!dir.path().join("a").exists());
    // Missing models stop the run before any folder is made.
    std::fs::write(videos.join("clip.mp4"), b"not a video\n").expect("write");
    let reports = dir.path().join("reports");
    let out = run(&[
        &"batch",
        &"--quiet",
        &videos,
        &"-o",
        &reports,
        &"--models",
        &dir.path().join("no models"),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(!reports.exists());
}

/// Standard output that cannot be written (a full disk) is one error line and exit 2, not a
/// panic with a backtrace.
#[test]
fn a_full_standard_output_is_an_error_line() {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let out = liftcheck().arg("config").stdout(full).output().expect("liftcheck runs");
    assert_clean_error(&out, "standard output", "no space left on device");
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let out = liftcheck().arg("doctor").stdout(full).output().expect("liftcheck runs");
    assert_clean_error(&out, "standard output", "no space left on device");
}
