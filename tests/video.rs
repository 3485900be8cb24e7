//! Video decoding on real files made with ffmpeg: phone rotation metadata, timestamps, streaming.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use liftcheck::video::{Frame, VideoReader};
use opencv::prelude::*;

/// Decodes `path` with the ffmpeg CLI (which applies rotation metadata itself) as BGR frames.
fn ffmpeg_frames(path: &Path) -> (Vec<Vec<u8>>, u32, u32) {
    let probe = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=width,height:stream_side_data=rotation",
            "-of",
            "json",
        ])
        .arg(path)
        .output()
        .expect("ffprobe runs");
    let json: serde_json::Value = serde_json::from_slice(&probe.stdout).expect("ffprobe json");
    let stream = &json["streams"][0];
    let (w, h) = (
        stream["width"].as_u64().expect("width") as u32,
        stream["height"].as_u64().expect("height") as u32,
    );
    let rotation = stream["side_data_list"][0]["rotation"].as_i64().unwrap_or(0);
    let (w, h) = if rotation.rem_euclid(180) == 90 { (h, w) } else { (w, h) };
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args(["-f", "rawvideo", "-pix_fmt", "bgr24", "-"])
        .output()
        .expect("ffmpeg runs");
    assert!(out.status.success());
    let frame_bytes = (w * h * 3) as usize;
    (out.stdout.chunks_exact(frame_bytes).map(<[u8]>::to_vec).collect(), w, h)
}

fn liftcheck_frames(path: &Path) -> (Vec<Vec<u8>>, Vec<f64>, u32, u32, u32) {
    let mut reader = VideoReader::open(path).expect("opens");
    let info = reader.info().clone();
    let mut frame = Frame::default();
    let (mut frames, mut times) = (Vec::new(), Vec::new());
    while reader.read_into(&mut frame).expect("decodes") {
        assert_eq!(
            (frame.image.cols() as u32, frame.image.rows() as u32),
            (info.width, info.height)
        );
        frames.push(frame.image.data_bytes().expect("continuous").to_vec());
        times.push(frame.time_s);
    }
    (frames, times, info.width, info.height, info.rotation_applied)
}

fn mean_abs_diff(a: &[u8], b: &[u8]) -> f64 {
    a.iter().zip(b).map(|(&x, &y)| (x as f64 - y as f64).abs()).sum::<f64>() / a.len() as f64
}

#[test]
fn phone_rotation_metadata_gives_upright_frames() {
    let dir = tempfile::tempdir().expect("dir");
    let upright = dir.path().join("upright.mp4");
    // An asymmetric test pattern, so any wrong rotation or mirror shows.
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=320x240:rate=30:duration=0.5",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        upright.to_str().expect("utf-8"),
    ]);
    // ffmpeg's `rotate=90` writes the opposite display matrix to the one phones write, so all
    // three angles cover both directions.
    for rotate in [0, 90, 180, 270] {
        let tagged = dir.path().join(format!("rotate{rotate}.mp4"));
        ffmpeg(&[
            "-i",
            upright.to_str().expect("utf-8"),
            "-c",
            "copy",
            "-metadata:s:v:0",
            &format!("rotate={rotate}"),
            tagged.to_str().expect("utf-8"),
        ]);
        let (ours, times, w, h, applied) = liftcheck_frames(&tagged);
        let (reference, rw, rh) = ffmpeg_frames(&tagged);
        assert_eq!((w, h), (rw, rh), "rotate={rotate}: size");
        assert_eq!(ours.len(), reference.len(), "rotate={rotate}: frame count");
        assert_eq!(ours.len(), 15);
        if rotate % 180 == 90 {
            assert_eq!((w, h), (240, 320), "rotate={rotate}: portrait");
            assert!(applied == 90 || applied == 270);
        }
        for (i, (a, b)) in ours.iter().zip(&reference).enumerate() {
            let diff = mean_abs_diff(a, b);
            // Same decoder, so only colour-conversion rounding may differ; a wrong rotation
            // differs by tens of levels.
            assert!(
                diff < 3.0,
                "rotate={rotate} frame {i}: mean abs diff {diff:.2} from ffmpeg's upright frame"
            );
        }
        for (i, t) in times.iter().enumerate() {
            assert!((t - i as f64 / 30.0).abs() < 1e-3, "rotate={rotate}: frame {i} at {t}");
        }
    }
}

#[test]
fn variable_frame_rate_timestamps_are_real() {
    let dir = tempfile::tempdir().expect("dir");
    let vfr = dir.path().join("vfr.mp4");
    // 10 frames at 30 fps, then 10 at 10 fps, kept with their own timestamps (no frame duplication).
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=160x120:rate=30:duration=1",
        "-vf",
        "setpts='if(lt(N,10),N/30,10/30+(N-10)/10)/TB'",
        "-fps_mode",
        "vfr",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        vfr.to_str().expect("utf-8"),
    ]);
    let (_, times, ..) = liftcheck_frames(&vfr);
    // The container's presentation times, as ffprobe reads them, are the truth.
    let probe = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "frame=pts_time",
            "-of",
            "csv=p=0",
        ])
        .arg(&vfr)
        .output()
        .expect("ffprobe runs");
    let truth: Vec<f64> = String::from_utf8_lossy(&probe.stdout)
        .lines()
        .filter_map(|l| l.trim().trim_end_matches(',').parse().ok())
        .collect();
    assert_eq!(times.len(), truth.len(), "frame count");
    for (i, (t, want)) in times.iter().zip(&truth).enumerate() {
        assert!((t - want).abs() < 1e-3, "frame {i}: {t} s, container says {want} s");
    }
    // And the clip really is variable-rate: 30 fps first, 10 fps after frame 10.
    assert!((truth[5] - truth[4] - 1.0 / 30.0).abs() < 0.005);
    assert!(truth[20] - truth[19] > 0.06);
}

/// Skipping frames (decoded, not converted) leaves the frames read in between exactly as a
/// reader that reads every frame gives them, with the same indices and times, and ends at the
/// same frame; also on a clip with rotation metadata.
#[test]
fn skipped_frames_leave_the_others_unchanged() {
    for clip in [
        "tests/fixtures/side_good_2reps.mp4",
        "tests/fixtures/portrait_rot90_1rep.mp4",
    ] {
        let path = repo_path(clip);
        let (all, times, ..) = liftcheck_frames(&path);
        let mut reader = VideoReader::open(&path).expect("opens");
        let mut frame = Frame::default();
        let mut index = 0;
        let mut compared = 0;
        loop {
            let wanted = index % 3 == 2;
            let more = if wanted {
                reader.read_into(&mut frame).expect("decodes")
            } else {
                reader.skip().expect("decodes")
            };
            if !more {
                break;
            }
            if wanted {
                assert_eq!(frame.index, index, "{clip}");
                assert_eq!(frame.time_s, times[index], "{clip}: frame {index}");
                assert!(
                    frame.image.data_bytes().expect("continuous") == &all[index][..],
                    "{clip}: frame {index} differs"
                );
                compared += 1;
            }
            index += 1;
        }
        assert_eq!(index, all.len(), "{clip}: frame count");
        assert!(compared > 30, "{clip}: {compared} frames compared");
    }
}
