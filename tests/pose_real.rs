//! The real BlazePose models on real pixels: a rendered deadlift whose keypoint positions are
//! known exactly from the renderer's geometry (`tests/fixtures/*.json`, see scripts/synth).

mod common;

use std::path::Path;

use common::*;
use serde_json::Value;

/// Body keypoints compared (face and hand points derived from mesh vertices are left out).
const BODY: [usize; 13] = [0, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28];
/// Ground-truth visibility flag: 2 = visible, 1 = hidden by the bar or plates, 0 = hidden by the
/// body or out of frame.
const VISIBLE: i64 = 2;

/// Runs `liftcheck analyze --keypoints` and returns the per-frame keypoints (x, y).
fn keypoints_of(clip: &Path, out_dir: &Path) -> Vec<Option<Vec<(f64, f64)>>> {
    let out = out_dir.join(format!("{}.json", clip.file_stem().expect("stem").to_string_lossy()));
    let result = run(&[&"analyze", &"--quiet", &"--no-cache", &"--keypoints", &out, &clip]);
    assert!(
        matches!(result.status.code(), Some(0) | Some(1)),
        "analyze failed: {}",
        stderr(&result)
    );
    let json: Value = read_json(&out);
    json["frames"]
        .as_array()
        .expect("frames")
        .iter()
        .map(|f| {
            f["keypoints"].as_array().map(|kps| {
                kps.iter()
                    .map(|k| (k[0].as_f64().expect("x"), k[1].as_f64().expect("y")))
                    .collect()
            })
        })
        .collect()
}

fn ground_truth(name: &str) -> Value {
    serde_json::from_slice(&std::fs::read(repo_path(&format!("tests/fixtures/{name}.json"))).expect("ground truth"))
        .expect("json")
}

/// Appends to `errors` the distance of each visible body keypoint of `ours` from the ground
/// truth of frame `gt` (placed in our frame by `to_frame`), in torso lengths (shoulder centre to
/// hip centre).
fn visible_errors(gt: &Value, ours: &[(f64, f64)], to_frame: impl Fn((f64, f64)) -> (f64, f64), errors: &mut Vec<f64>) {
    let kp = gt["blazepose33"].as_array().expect("keypoints");
    let at = |i: usize| to_frame((kp[i][0].as_f64().expect("x"), kp[i][1].as_f64().expect("y")));
    let mid = |a: usize, b: usize| ((at(a).0 + at(b).0) / 2.0, (at(a).1 + at(b).1) / 2.0);
    let (sh, hp) = (mid(11, 12), mid(23, 24));
    let torso = (sh.0 - hp.0).hypot(sh.1 - hp.1);
    for &j in &BODY {
        if kp[j][2].as_i64() == Some(VISIBLE) {
            let (gx, gy) = at(j);
            errors.push((ours[j].0 - gx).hypot(ours[j].1 - gy) / torso);
        }
    }
}

fn percentile(values: &mut [f64], p: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    values[((values.len() - 1) as f64 * p).round() as usize]
}

#[test]
fn keypoints_land_on_the_rendered_body() {
    let dir = tempfile::tempdir().expect("dir");
    let clip = repo_path("tests/fixtures/side_good_2reps.mp4");
    let gt = ground_truth("side_good_2reps");
    let ours = keypoints_of(&clip, dir.path());
    let gt_frames = gt["frames"].as_array().expect("frames");
    assert_eq!(ours.len(), gt_frames.len(), "every frame is analysed");

    let (mut errors, mut found) = (Vec::new(), 0);
    for (g, o) in gt_frames.iter().zip(&ours) {
        let Some(o) = o else { continue };
        found += 1;
        visible_errors(g, o, |p| p, &mut errors);
    }
    // Every frame of the set (first set-up to last set-down) must have the lifter; before it the
    // lifter stands behind the bar, where the detector may take a few frames to find them.
    let reps = gt["reps"].as_array().expect("reps");
    let first = reps[0]["setup_frame"].as_u64().expect("setup") as usize;
    let last = reps[reps.len() - 1]["setdown_frame"].as_u64().expect("setdown") as usize;
    let missing: Vec<usize> = (first..=last.min(ours.len() - 1))
        .filter(|&i| ours[i].is_none())
        .collect();
    assert!(missing.is_empty(), "no pose during the set on frames {missing:?}");
    assert!(
        found * 10 >= ours.len() * 9,
        "lifter found on {found} of {} frames",
        ours.len()
    );
    assert!(errors.len() > 500, "{} visible keypoints compared", errors.len());
    // Stated tolerance, in torso lengths (shoulder centre to hip centre): the median visible
    // body keypoint within 10% of the torso and 90% of them within 25%. Published BlazePose
    // accuracy is PCK@0.2 of 90-97 (of torso-sized references), and the renderer's joint
    // centres are not an annotator's.
    let median = percentile(&mut errors, 0.5);
    let p90 = percentile(&mut errors, 0.9);
    assert!(median <= 0.10, "median error {median:.3} torso lengths");
    assert!(p90 <= 0.25, "90th percentile error {p90:.3} torso lengths");
}

/// A lifter filmed from twice as far: the fixture shrunk to half size inside a frame of the same
/// size. BlazePose's detector keys on the face, which is then too small at the letterboxed whole
/// frame's scale; liftcheck looks again at larger-scale tiles and must find the lifter, with
/// keypoints on the body.
#[test]
fn a_lifter_filmed_from_afar_is_found() {
    let dir = tempfile::tempdir().expect("dir");
    let clip = dir.path().join("afar.mp4");
    let (scale, dx, dy) = (0.5, 160.0, 120.0);
    ffmpeg(&[
        "-i",
        repo_path("tests/fixtures/side_good_2reps.mp4")
            .to_str()
            .expect("utf-8 path"),
        "-vf",
        "scale=320:180,pad=640:360:160:120",
        "-c:v",
        "libx264",
        "-crf",
        "18",
        "-pix_fmt",
        "yuv420p",
        clip.to_str().expect("utf-8 path"),
    ]);
    let gt = ground_truth("side_good_2reps");
    let ours = keypoints_of(&clip, dir.path());
    let gt_frames = gt["frames"].as_array().expect("frames");
    let found = ours.iter().filter(|o| o.is_some()).count();
    assert!(
        found * 10 >= ours.len() * 8,
        "lifter found on {found} of {} frames",
        ours.len()
    );
    // Over the set (first set-up to last set-down): before it, as the small lifter walks up, the
    // model may return a few skeletons that are not on the body.
    let reps = gt["reps"].as_array().expect("reps");
    let first = reps[0]["setup_frame"].as_u64().expect("setup") as usize;
    let last = reps[reps.len() - 1]["setdown_frame"].as_u64().expect("setdown") as usize;
    let mut errors = Vec::new();
    for (i, (g, o)) in gt_frames.iter().zip(&ours).enumerate().take(last + 1).skip(first) {
        let Some(o) = o else {
            panic!("no pose during the set on frame {i}");
        };
        visible_errors(g, o, |(x, y)| (x * scale + dx, y * scale + dy), &mut errors);
    }
    // Half the pixels give coarser keypoints (0.06 and 0.27 torso lengths when this test was
    // written, against 0.10 and 0.25 allowed at full size above): the bounds are there to catch a
    // skeleton that is not on the lifter (a torso length or more off), not to grade accuracy.
    let median = percentile(&mut errors, 0.5);
    let p90 = percentile(&mut errors, 0.9);
    assert!(median <= 0.10, "median error {median:.3} torso lengths");
    assert!(p90 <= 0.4, "90th percentile error {p90:.3} torso lengths");
}

/// A bystander facing the camera can be found before the lifter, who is side-on and whose face
/// the detector misses for the first 25 frames (rendered seed 901 clip 006, kept in
/// `tests/fixtures/bystander/`; the bystander stands at the frame's edge, half the lifter's size):
/// tracking must move to the lifter and stay on them over the set. Before the detector's second
/// look it followed the bystander for the whole clip and found no rep.
#[test]
fn a_bystander_found_first_gives_way_to_the_lifter() {
    let dir = tempfile::tempdir().expect("dir");
    let gt = ground_truth("bystander/bystander_first_1rep");
    let ours = keypoints_of(
        &repo_path("tests/fixtures/bystander/bystander_first_1rep.mp4"),
        dir.path(),
    );
    let rep = &gt["reps"][0];
    let first = rep["setup_frame"].as_u64().expect("setup") as usize;
    let last = rep["setdown_frame"].as_u64().expect("setdown") as usize;
    let gt_frames = gt["frames"].as_array().expect("frames");
    // Every pose, the frames before the set included (those on the bystander are dropped).
    let mut errors = Vec::new();
    for (i, (g, o)) in gt_frames.iter().zip(&ours).enumerate() {
        match o {
            Some(o) => visible_errors(g, o, |p| p, &mut errors),
            None => assert!(!(first..=last).contains(&i), "no pose during the set on frame {i}"),
        }
    }
    // The bounds catch a skeleton on someone else (the bystander is several torso lengths
    // away), not the keypoints' accuracy.
    let median = percentile(&mut errors, 0.5);
    let p90 = percentile(&mut errors, 0.9);
    assert!(median <= 0.15, "median error {median:.3} torso lengths");
    assert!(p90 <= 0.5, "90th percentile error {p90:.3} torso lengths");
}

/// The track records where tracking moved from the bystander to the lifter, so that the reports
/// can say someone else was followed before it rather than that nobody was found; the frames
/// before it hold no pose, the frame itself the lifter's.
#[test]
fn the_track_records_the_move_to_the_lifter() {
    // As `analyze` runs it: with the segmentation mask where the back outline is read.
    let mut estimator = pose_estimator();
    let clip = repo_path("tests/fixtures/bystander/bystander_first_1rep.mp4");
    let (track, _) = liftcheck::track::track_clip(&clip, &mut estimator, |_, _| {}).expect("pose stage");
    let moved = track.switched_to_lifter_at.expect("tracking moved to the lifter");
    assert!(moved > 0, "moved at frame {moved}");
    assert!(
        track.frames[..moved].iter().all(|f| f.pose.is_none()),
        "a pose before frame {moved}"
    );
    assert!(track.frames[moved].pose.is_some(), "no pose on frame {moved}");
}

/// A phone held sideways or upside down stores its frames turned and tags the stream with the
/// turn that makes them upright: liftcheck must apply the tag and see the same upright frames,
/// hence the same keypoints. The copies are encoded losslessly, so the frames liftcheck turns
/// back are the base clip's decoded pixels exactly.
#[test]
fn rotated_phone_clips_give_the_same_keypoints() {
    let dir = tempfile::tempdir().expect("dir");
    let upright = repo_path("tests/fixtures/side_good_2reps.mp4");
    let base = keypoints_of(&upright, dir.path());
    // (rotation tag: counter-clockwise turn for display, as ffmpeg writes it; filter storing the
    // upright frame turned the other way)
    for (rotate, store_turned) in [(90, "transpose=1"), (180, "hflip,vflip"), (270, "transpose=2")] {
        let turned = dir.path().join(format!("turned{rotate}.mp4"));
        ffmpeg(&[
            "-i",
            upright.to_str().expect("utf-8"),
            "-vf",
            store_turned,
            "-c:v",
            "libx264",
            "-qp",
            "0",
            turned.to_str().expect("utf-8"),
        ]);
        // Tagging is a stream copy (ffmpeg drops the tag when it encodes).
        let tagged = dir.path().join(format!("rotate{rotate}.mp4"));
        ffmpeg(&[
            "-i",
            turned.to_str().expect("utf-8"),
            "-c",
            "copy",
            "-metadata:s:v:0",
            &format!("rotate={rotate}"),
            tagged.to_str().expect("utf-8"),
        ]);
        let info = run(&[&"analyze", &"--quiet", &"--verbose", &tagged]);
        let text = stdout(&info);
        let applied: u32 = text
            .split("rotated ")
            .nth(1)
            .and_then(|s| s.split_whitespace().next())
            .and_then(|s| s.parse().ok())
            .expect("rotation reported");
        assert_ne!(applied, 0, "rotate={rotate} must be applied");
        let rotated = keypoints_of(&tagged, dir.path());
        assert_eq!(rotated.len(), base.len());
        let mut errors = Vec::new();
        for (a, b) in base.iter().zip(&rotated) {
            let (Some(a), Some(b)) = (a, b) else { continue };
            for &j in &BODY {
                errors.push((b[j].0 - a[j].0).hypot(b[j].1 - a[j].1));
            }
        }
        let median = percentile(&mut errors, 0.5);
        let p75 = percentile(&mut errors, 0.75);
        // Same pixels, same keypoints, up to floating-point differences in the resampling of
        // the crops; a wrong or missing rotation is off by hundreds of pixels everywhere.
        assert!(
            median <= 3.0 && p75 <= 8.0,
            "rotate={rotate}: median {median:.2} px, p75 {p75:.2} px"
        );
    }
}

#[test]
fn the_plate_gives_the_scale() {
    let dir = tempfile::tempdir().expect("dir");
    let clip = repo_path("tests/fixtures/side_good_2reps.mp4");
    let report = dir.path().join("report.json");
    let out = run(&[&"analyze", &"--quiet", &clip, &"--json", &report]);
    assert!(matches!(out.status.code(), Some(0) | Some(1)), "{}", stderr(&out));
    let json: Value = read_json(&report);
    let scale = json["scale_cm_per_px"].as_f64().expect("a plate was found");
    // The renderer's near plate: 45 cm across, radius in pixels from the ground truth.
    let gt = ground_truth("side_good_2reps");
    let mut radii: Vec<f64> = gt["frames"]
        .as_array()
        .expect("frames")
        .iter()
        .filter_map(|f| f["bar"]["plate_near"]["radius"].as_f64())
        .collect();
    let true_scale = 22.5 / percentile(&mut radii, 0.5);
    assert!(
        (scale - true_scale).abs() / true_scale < 0.08,
        "scale {scale:.3} cm/px, true {true_scale:.3} cm/px"
    );
}

/// The lifter never stands on their head: on the rendered fixtures the detector turns the
/// region over while the lifter walks up to the bar (tests/fixtures/side_faults_3reps.mp4, first
/// second), and the landmark model's upright skeleton then lands upside down in the frame unless
/// the region is turned back. Every pose found has its ankles below its hips and its shoulders
/// never far below them.
#[test]
fn no_skeleton_is_upside_down() {
    let dir = tempfile::tempdir().expect("temp dir");
    for name in ["side_faults_3reps", "side_good_2reps"] {
        let frames = keypoints_of(&repo_path(&format!("tests/fixtures/{name}.mp4")), dir.path());
        let upside_down: Vec<usize> = frames
            .iter()
            .enumerate()
            .filter_map(|(i, kps)| {
                let k = kps.as_ref()?;
                let mid = |a: usize, b: usize| ((k[a].0 + k[b].0) / 2.0, (k[a].1 + k[b].1) / 2.0);
                let (hips, shoulders) = (mid(23, 24), mid(11, 12));
                let ankles = (k[27].1 + k[28].1) / 2.0;
                // A trunk just past horizontal (this clip's hips-rise-first rep) is a real pose.
                let half_torso = 0.5 * (shoulders.0 - hips.0).hypot(shoulders.1 - hips.1);
                (ankles < hips.1 || shoulders.1 > hips.1 + half_torso).then_some(i)
            })
            .collect();
        assert!(upside_down.is_empty(), "{name}: upside down on frames {upside_down:?}");
        let found = frames.iter().filter(|f| f.is_some()).count();
        assert!(
            found * 10 >= frames.len() * 9,
            "{name}: pose on only {found} of {} frames",
            frames.len()
        );
    }
}

/// Frames run without the mask use the landmark model without its segmentation head
/// (`models/pose_landmark_full_nomask.onnx`): the keypoints are exactly those of the whole full
/// model (here from a models folder without the separate head) on every frame, and no mask is
/// offered for them (the pose stage skips the mask where the back
/// outline is not read: front and rear views, and every other frame of a standing lifter at 30
/// fps, `track::MASK_HZ`).
#[test]
fn frames_without_the_mask_keep_the_keypoints() {
    use liftcheck::video::{Frame, VideoReader};

    let (_models, mut with_mask) = estimator_with_the_whole_model();
    let mut without_mask = pose_estimator();
    let mut reader = VideoReader::open(&repo_path("tests/fixtures/side_good_2reps.mp4")).expect("fixture");
    let mut frame = Frame::default();
    let mut compared = 0;
    while compared < 40 && reader.read_into(&mut frame).expect("decode") {
        let a = with_mask.estimate_with_mask(&frame.image, true).expect("with mask");
        let b = without_mask
            .estimate_with_mask(&frame.image, false)
            .expect("without mask");
        assert_eq!(a, b, "frame {}: keypoints differ", frame.index);
        if a.is_some() {
            assert!(with_mask.crop_mask().is_some(), "frame {}: no mask", frame.index);
            assert!(
                without_mask.crop_mask().is_none(),
                "frame {}: a stale mask",
                frame.index
            );
            compared += 1;
        }
    }
    assert_eq!(compared, 40, "the lifter is found on the fixture");
}

/// The segmentation head run on the window the back outline reads (`FeatureWindow::around` its
/// reach) gives exactly the whole crop's mask over that reach, on real features of the fixture,
/// for either facing: the margin `WINDOW_MARGIN_CELLS` covers what each mask pixel depends on.
#[test]
fn the_mask_head_on_the_backs_window_matches_the_whole_crop_there() {
    use liftcheck::pose::landmark::{LEFT_HIP, LEFT_SHOULDER};
    use liftcheck::pose::landmarks::LANDMARK_INPUT_SIZE;
    use liftcheck::pose::mask_head::{FeatureWindow, MaskFeatures};
    use liftcheck::pose::silhouette::back_outline_reach;
    use liftcheck::video::{Frame, VideoReader};

    let mut estimator = pose_estimator();
    let mut head = estimator.take_mask_head().expect("the full model's separate head");
    let mut reader = VideoReader::open(&repo_path("tests/fixtures/side_good_2reps.mp4")).expect("fixture");
    let mut frame = Frame::default();
    let mut features = MaskFeatures::default();
    let size = LANDMARK_INPUT_SIZE as usize;
    let mut compared = 0;
    while reader.read_into(&mut frame).expect("decode") {
        let pose = estimator.estimate_with_mask(&frame.image, true).expect("pose");
        // Every 15th frame with a pose: standing, bent over and in between.
        let Some(pose) = pose.filter(|_| frame.index % 15 == 0) else {
            continue;
        };
        assert!(
            estimator.take_mask_features(&mut features),
            "frame {}: no features",
            frame.index
        );
        let point = |i: usize| liftcheck::pose::geometry::Point::new(pose.keypoints[i].x, pose.keypoints[i].y);
        let whole = head
            .run(&features, FeatureWindow::WHOLE)
            .expect("head, whole crop")
            .logits
            .to_vec();
        for facing in [1.0, -1.0] {
            let Some(reach) = back_outline_reach(&features.roi(), size, point(LEFT_SHOULDER), point(LEFT_HIP), facing)
            else {
                continue;
            };
            let mask = head.run(&features, FeatureWindow::around(reach)).expect("head, window");
            assert!(
                mask.logits.len() < whole.len(),
                "frame {}: the window is the whole crop",
                frame.index
            );
            let area = mask.area;
            for row in reach.y..reach.y + reach.height {
                for col in reach.x..reach.x + reach.width {
                    let windowed = mask.logits[(row - area.y) * area.width + col - area.x];
                    assert_eq!(
                        windowed.to_bits(),
                        whole[row * size + col].to_bits(),
                        "frame {}, facing {facing}: pixel ({col}, {row})",
                        frame.index
                    );
                }
            }
            compared += 1;
        }
    }
    assert!(compared >= 20, "only {compared} windows compared");
}

/// When tracking loses the lifter for a frame (here a black one), the next frame tries the
/// region where they were lost before the detector, and finds them there: the detector, which
/// keys on the face, can offer a wrong region for a second or more.
#[test]
fn a_lifter_lost_for_a_frame_is_found_again_where_they_were() {
    use liftcheck::video::{Frame, VideoReader};
    use opencv::core::Scalar;
    use opencv::prelude::MatTrait;

    let mut estimator = pose_estimator();
    let mut reader = VideoReader::open(&repo_path("tests/fixtures/side_good_2reps.mp4")).expect("fixture");
    let mut frame = Frame::default();
    for _ in 0..30 {
        assert!(reader.read_into(&mut frame).expect("decode"), "a second of frames");
        assert!(
            estimator.estimate(&frame.image).expect("estimate").is_some(),
            "frame {}: the lifter is tracked",
            frame.index
        );
    }
    let mut black = frame.image.clone();
    black.set_to_def(&Scalar::all(0.0)).expect("black frame");
    assert!(
        estimator.estimate(&black).expect("estimate").is_none(),
        "nobody on a black frame"
    );
    let detector_runs = estimator.timings().detector_runs;
    assert!(reader.read_into(&mut frame).expect("decode"), "the clip goes on");
    assert!(
        estimator.estimate(&frame.image).expect("estimate").is_some(),
        "found again"
    );
    assert_eq!(
        estimator.timings().detector_runs,
        detector_runs,
        "found in the lost region, without the detector"
    );
}

/// The whole pipeline (real models on the rendered pixels, the mask schedule, the analysis) on
/// the clip with a fault on two of its three reps (`tests/fixtures/side_faults_3reps.json`): the
/// hips rising first on rep 2 and the upper back rounded from the set-up on rep 3 (seen in the
/// fold of the back outline at lift-off) are found, and so is rep 3's incomplete lockout, read
/// from the back outline where the plate hides the hip; nothing else.
#[test]
fn labelled_faults_are_found_on_their_reps() {
    let dir = tempfile::tempdir().expect("dir");
    let json = dir.path().join("report.json");
    let clip = repo_path("tests/fixtures/side_faults_3reps.mp4");
    let out = run(&[&"analyze", &"--quiet", &"--no-cache", &"--json", &json, &clip]);
    assert_eq!(out.status.code(), Some(1), "faults found: {}", stderr(&out));
    let report: Value = read_json(&json);
    let found: Vec<(u64, String)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rep"].as_u64().expect("rep"),
                f["check"].as_str().expect("check").to_string(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (2, "hips_rise_first".to_string()),
            (3, "upper_back_rounding".to_string()),
            (3, "incomplete_lockout".to_string())
        ],
        "{}",
        stdout(&out)
    );
    let measure = |i: usize| report["findings"][i]["measure"].as_str().expect("measure").to_string();
    assert!(measure(1).contains("leaves the floor"), "{}", measure(1));
    assert!(measure(2).contains("back outline"), "{}", measure(2));
}

/// The pipeline's frame worker gets every job with the frame it was made for, in frame order,
/// while inference runs ahead: more jobs than the pool has buffers, so a buffer the worker failed
/// to return would stall the run.
#[test]
fn the_frame_worker_gets_each_job_with_its_frame_in_order() {
    use opencv::prelude::MatTraitConst;
    let clip = repo_path("tests/fixtures/side_good_2reps.mp4");
    let mut estimator = pose_estimator();
    let (mut frames, mut jobs) = (0, 0);
    let mut seen: Vec<(usize, usize, bool)> = Vec::new();
    let (_, stats) = liftcheck::pipeline::run_pose(
        liftcheck::video::VideoReader::open(&clip).expect("open"),
        &mut estimator,
        |_, _, _| true,
        |_, frame, _, _| {
            frames += 1;
            // A job naming the frame, on every third one.
            let job = frame.index.is_multiple_of(3).then_some(frame.index);
            jobs += usize::from(job.is_some());
            Ok(job)
        },
        |frame, index| seen.push((index, frame.index, frame.image.empty())),
    )
    .expect("pose stage");
    assert_eq!(stats.frames, frames, "every frame estimated");
    assert!(jobs > 20, "{jobs} jobs");
    assert_eq!(seen.len(), jobs, "every job done");
    for (k, &(job, frame, empty)) in seen.iter().enumerate() {
        assert_eq!(job, frame, "job {k} came with another frame");
        assert_eq!(job, 3 * k, "job {k} out of order");
        assert!(!empty, "frame {frame} empty");
    }
}

/// The order `run_pose` promises to the side-view memory in `track.rs`: `mask_after` is asked
/// about the next frame right after a frame's pose and before `on_frame` gets that frame, never
/// for a frame without a pose, and its answer decides whether the next frame runs with the
/// segmentation mask (here: every third frame asked for, so both answers are exercised).
#[test]
fn mask_after_runs_between_a_frames_pose_and_its_consumer() {
    use std::cell::RefCell;
    #[derive(Debug, PartialEq)]
    enum Call {
        MaskAfter(usize),
        OnFrame(usize),
    }
    let clip = repo_path("tests/fixtures/side_good_2reps.mp4");
    let mut estimator = pose_estimator();
    let calls = RefCell::new(Vec::new());
    // (frame, had a pose, has a mask)
    let mut frames: Vec<(usize, bool, bool)> = Vec::new();
    liftcheck::pipeline::run_pose(
        liftcheck::video::VideoReader::open(&clip).expect("open"),
        &mut estimator,
        |_, next, _| {
            calls.borrow_mut().push(Call::MaskAfter(next));
            next.is_multiple_of(3)
        },
        |_, frame, pose_frame, estimator| {
            calls.borrow_mut().push(Call::OnFrame(frame.index));
            frames.push((frame.index, pose_frame.pose.is_some(), estimator.crop_mask().is_some()));
            Ok(None::<()>)
        },
        |_, _| {},
    )
    .expect("pose stage");
    let calls = calls.into_inner();
    assert!(frames.len() > 100, "{} frames", frames.len());
    let mut k = 0;
    for &(index, has_pose, _) in &frames {
        if has_pose {
            assert_eq!(calls[k], Call::MaskAfter(index + 1), "call {k}");
            k += 1;
        }
        assert_eq!(calls[k], Call::OnFrame(index), "call {k}");
        k += 1;
    }
    assert_eq!(k, calls.len(), "no other calls");
    let mut checked = [0, 0];
    for pair in frames.windows(2) {
        let ((_, before_has_pose, _), (index, has_pose, has_mask)) = (pair[0], pair[1]);
        if before_has_pose && has_pose {
            let asked = index.is_multiple_of(3);
            assert_eq!(has_mask, asked, "frame {index}: mask asked for {asked}");
            checked[usize::from(asked)] += 1;
        }
    }
    assert!(
        checked[0] > 30 && checked[1] > 30,
        "frames checked without/with a mask: {checked:?}"
    );
}

/// The same frames have a back outline in `a` and `b`, their points within
/// [`OUTLINE_ROUNDING_PX`].
fn assert_same_outlines(
    a: &[Option<Vec<liftcheck::pose::geometry::Point>>],
    b: &[Option<Vec<liftcheck::pose::geometry::Point>>],
) {
    assert_eq!(a.len(), b.len(), "frames");
    let mut largest = 0.0_f32;
    for (frame, (a, b)) in a.iter().zip(b).enumerate() {
        match (a, b) {
            (Some(a), Some(b)) => {
                assert_eq!(a.len(), b.len(), "frame {frame}: outline points");
                for (p, q) in a.iter().zip(b) {
                    largest = largest.max(p.distance(*q));
                }
            }
            (None, None) => {}
            _ => panic!(
                "frame {frame}: an outline in one track only ({} / {})",
                a.is_some(),
                b.is_some()
            ),
        }
    }
    assert!(
        largest <= OUTLINE_ROUNDING_PX,
        "outline points up to {largest} px apart"
    );
}

/// Back outline points computed from masks that differ by float rounding alone: a hundredth of
/// a pixel apart at most (the edge is placed where the mask's logits cross zero, and rounding
/// moves logits by about 1e-5 of their range).
const OUTLINE_ROUNDING_PX: f32 = 0.01;

/// A models folder converted before the segmentation head took windows: its head
/// (`tests/fixtures/models/pose_segmentation_head_full_fixed_shape.onnx`, the same weights with
/// fixed 64x64 and 128x128 inputs and the full model's 1x256x256x1 output) still works, on the
/// whole crop: the same keypoints, and the back outline on the same frames within float rounding.
#[test]
fn a_head_with_fixed_shapes_still_works_on_the_whole_crop() {
    use liftcheck::track;

    let old_head = repo_path("tests/fixtures/models/pose_segmentation_head_full_fixed_shape.onnx");
    let (_folder, mut old) = estimator_on_models(|models, folder| {
        use_head(models, folder, &old_head, [[1, 48, 64, 64], [1, 16, 128, 128]]);
    });
    let mut new = pose_estimator();
    let clip = repo_path("tests/fixtures/side_good_2reps.mp4");
    let (a, _) = track::track_clip(&clip, &mut old, |_, _| {}).expect("pose stage, fixed-shape head");
    let (b, _) = track::track_clip(&clip, &mut new, |_, _| {}).expect("pose stage");
    assert_eq!(a.frames, b.frames, "keypoints");
    assert!(a.back.iter().filter(|o| o.is_some()).count() > 100, "back outlines");
    assert_same_outlines(&a.back, &b.back);
}

/// A segmentation head that loads but fails on every run (its declared inputs are half the size
/// of the features it is given: `tests/fixtures/models/pose_segmentation_head_full_wrong_input.onnx`)
/// stops the pose stage with the head's own error soon after the first frame that wants a mask,
/// whether the head runs on the frame worker or right after the keypoints, instead of after the
/// whole clip.
#[test]
fn a_failing_segmentation_head_stops_the_clip_early() {
    use liftcheck::pose::blazepose::BlazePoseConfig;
    use liftcheck::track;

    let broken = repo_path("tests/fixtures/models/pose_segmentation_head_full_wrong_input.onnx");
    let clip = repo_path("tests/fixtures/side_good_2reps.mp4");
    for mask_on_worker in [true, false] {
        let config = BlazePoseConfig {
            keep_mask: true,
            mask_on_worker,
            ..BlazePoseConfig::default()
        };
        let (_folder, mut estimator) = estimator_on_models_with(config, |models, folder| {
            use_head(models, folder, &broken, [[1, 48, 32, 32], [1, 16, 64, 64]]);
        });
        let mut frames_done = 0;
        let error = track::track_clip(&clip, &mut estimator, |done, _| frames_done = done)
            .expect_err("a head that cannot run fails the clip");
        let message = error.to_string();
        assert!(message.contains("features_64"), "not the head's error: {message}");
        assert!(
            frames_done < 30,
            "went on for {frames_done} frames after the head failed (on the worker: {mask_on_worker})"
        );
    }
}

/// Makes a models folder's manifest (`models`, being edited for `estimator_on_models`) list the
/// segmentation head at `file` instead of the checkout's, with fixed `inputs` shapes (features 64
/// and 128) and the whole crop's mask as output, and copies the file into `folder`.
fn use_head(models: &mut [serde_json::Value], folder: &Path, file: &Path, inputs: [[i64; 4]; 2]) {
    use liftcheck::pose::blazepose::LandmarkModel;

    let name = LandmarkModel::Full.manifest_name_mask_head().expect("a separate head");
    let head = models
        .iter_mut()
        .find(|m| m["name"] == name)
        .expect("the checkout's manifest lists the head");
    let bytes = std::fs::read(file).expect("head model");
    head["sha256"] = liftcheck::models::sha256_hex(&bytes).into();
    head["bytes"] = bytes.len().into();
    head["inputs"][0]["shape"] = serde_json::json!(inputs[0]);
    head["inputs"][1]["shape"] = serde_json::json!(inputs[1]);
    head["outputs"][0]["shape"] = serde_json::json!([1, 256, 256, 1]);
    let listed = head["file"].as_str().expect("file name");
    std::fs::write(folder.join(listed), bytes).expect("copy head");
}

/// A models folder made from the checkout's: its manifest's model list after `edit` (which may
/// also write model files into the folder), every listed file not written there linked to the
/// checkout's; and an estimator on it that keeps the mask.
fn estimator_on_models(
    edit: impl FnOnce(&mut Vec<serde_json::Value>, &Path),
) -> (tempfile::TempDir, liftcheck::pose::blazepose::BlazePose) {
    let config = liftcheck::pose::blazepose::BlazePoseConfig {
        keep_mask: true,
        ..Default::default()
    };
    estimator_on_models_with(config, edit)
}

/// [`estimator_on_models`] with an estimator of the given settings.
fn estimator_on_models_with(
    config: liftcheck::pose::blazepose::BlazePoseConfig,
    edit: impl FnOnce(&mut Vec<serde_json::Value>, &Path),
) -> (tempfile::TempDir, liftcheck::pose::blazepose::BlazePose) {
    use liftcheck::pose::blazepose::BlazePose;

    let checkout = repo_path("models");
    let folder = tempfile::tempdir().expect("temp dir");
    let mut manifest = read_json(&checkout.join("manifest.json"));
    let models = manifest["models"].as_array_mut().expect("models list");
    edit(models, folder.path());
    for m in models.iter() {
        let file = folder.path().join(m["file"].as_str().expect("file name"));
        if !file.exists() {
            let name = file.file_name().expect("file name");
            std::os::unix::fs::symlink(checkout.join(name), &file).expect("link model");
        }
    }
    std::fs::write(
        folder.path().join("manifest.json"),
        serde_json::to_vec(&manifest).expect("manifest"),
    )
    .expect("write manifest");
    let runtime = liftcheck::runtime::load().expect("ONNX Runtime (scripts/setup.sh)");
    let store = liftcheck::models::ModelStore::open(Some(folder.path())).expect("models folder");
    let estimator = BlazePose::new(&runtime, &store, config).expect("pose models");
    (folder, estimator)
}

/// A models folder like the checkout's but without the separate segmentation head (links to the
/// checkout's files), and an estimator on it: frames that want a mask run the whole full model,
/// as before the head was split off.
fn estimator_with_the_whole_model() -> (tempfile::TempDir, liftcheck::pose::blazepose::BlazePose) {
    use liftcheck::pose::blazepose::LandmarkModel;

    let head = LandmarkModel::Full
        .manifest_name_mask_head()
        .expect("the full model has a separate head");
    estimator_on_models(|models, _| {
        let before = models.len();
        models.retain(|m| m["name"] != head);
        assert_eq!(models.len(), before - 1, "the checkout's manifest lists {head}");
    })
}

/// The full model's segmentation head runs on the frame worker, a frame behind the keypoints
/// (right after them with one core per clip), and only on the part of the crop the back outline
/// reads (`liftcheck::pose::mask_head`). The
/// pose stage must give the same track as with the mask computed with the keypoints: here, a
/// models folder without the separate head, where frames that want a mask run the whole full
/// model. Same keypoints bit for bit; the back outline on the same frames, its points within
/// float rounding (ONNX Runtime runs the head with other kernels on a window than on the whole
/// model's fixed shapes).
#[test]
fn the_mask_head_on_its_own_thread_gives_the_same_track() {
    use liftcheck::pose::blazepose::{BlazePose, BlazePoseConfig};
    use liftcheck::track;

    let (_models, mut inline) = estimator_with_the_whole_model();
    let mut split = pose_estimator();

    let clip = repo_path("tests/fixtures/side_good_2reps.mp4");
    let (a, _) = track::track_clip(&clip, &mut inline, |_, _| {}).expect("pose stage, mask inline");
    let (b, stats) = track::track_clip(&clip, &mut split, |_, _| {}).expect("pose stage, head on the worker");
    assert_eq!(a.frames, b.frames, "keypoints");
    let outlines = b.back.iter().filter(|o| o.is_some()).count();
    assert!(outlines > 100, "only {outlines} back outlines on a side-view clip");
    assert_same_outlines(&a.back, &b.back);
    assert!(
        stats.models.mask_runs >= outlines,
        "{} mask runs",
        stats.models.mask_runs
    );
    // With one core per clip (`batch` with as many jobs as cores) the head runs right after the
    // keypoints, on the same window: the same track.
    let one_core = BlazePoseConfig {
        keep_mask: true,
        mask_on_worker: false,
        ..BlazePoseConfig::default()
    };
    let runtime = liftcheck::runtime::load().expect("ONNX Runtime");
    let checkout_store = liftcheck::models::ModelStore::open(Some(&repo_path("models"))).expect("models");
    let mut one_core = BlazePose::new(&runtime, &checkout_store, one_core).expect("pose models");
    assert!(!one_core.mask_on_worker());
    let (inline_head, inline_stats) =
        track::track_clip(&clip, &mut one_core, |_, _| {}).expect("pose stage, head inline");
    assert_eq!(inline_head.frames, b.frames, "keypoints, head inline");
    assert_eq!(inline_head.back, b.back, "back outlines, head inline");
    assert!(!inline_stats.mask_head_on_worker);
    // The head comes back to the estimator: a second clip gets its masks too.
    let (again, _) = track::track_clip(&clip, &mut split, |_, _| {}).expect("pose stage, second clip");
    assert_eq!(again.back, b.back, "back outlines on a second run");
}
