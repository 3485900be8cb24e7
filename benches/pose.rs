//! Micro-benchmarks of the pose stage on a 1080p frame: pre-processing (warps and input fill),
//! post-processing (detector decode and weighted NMS, landmark decode, heatmap refinement,
//! projection), the back outline and the plate finder, the models alone through ONNX Runtime at
//! 1 and 2 threads, and one whole tracked frame.
//!
//! `cargo bench --bench pose` (needs `scripts/setup.sh` for ONNX Runtime). Filter with a
//! substring, e.g. `cargo bench --bench pose -- model/`. The frame is the synthetic fixture
//! `tests/fixtures/side_good_2reps.mp4` (640x360, a rendered lifter) upscaled to 1920x1080, so
//! the models, the mask and the plate search see a real-looking lifter and plate.
//!
//! The crop warp and RGB fill that `pose::blazepose` runs are private there, so they are
//! reproduced here with the same OpenCV calls (keep them in step with `src/pose/blazepose.rs`).

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use ndarray::ArrayView4;
use opencv::core::{self, Mat, Rect, Scalar, Size};
use opencv::imgproc;
use opencv::prelude::*;
use ort::session::Session;
use ort::value::TensorRef;

use liftcheck::lines::LineFinder;
use liftcheck::models::{ModelStore, SessionOptions};
use liftcheck::plate::PlateFinder;
use liftcheck::pose::blazepose::{self, BlazePose, BlazePoseConfig, DETECTOR_MODEL, LandmarkModel};
use liftcheck::pose::detector::{self, DETECTOR_INPUT_SIZE, LifterHint};
use liftcheck::pose::geometry::{Point, Roi};
use liftcheck::pose::landmarks::{self, CropLandmark, LANDMARK_INPUT_SIZE, NUM_MODEL_LANDMARKS};
use liftcheck::pose::mask_head::{FeatureWindow, MaskFeatures, MaskHead};
use liftcheck::pose::silhouette::{self, CropMask, MaskArea};
use liftcheck::pose::{Pose, landmark};
use liftcheck::runtime;
use liftcheck::video::{Frame, VideoReader};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/side_good_2reps.mp4");
/// A frame of the fixture near the knee pass: bent over, plate and back in view.
const FIXTURE_FRAME: usize = 70;
const BACK_SAMPLES: usize = 11;

/// Frame `index` of the fixture, resized to `width` x `height` (portrait: the middle 9:16
/// column, as scripts/bench.sh crops its portrait clip).
fn fixture_frame(index: usize, width: i32, height: i32) -> Mat {
    let mut reader = VideoReader::open(Path::new(FIXTURE)).expect("fixture clip (tests/fixtures)");
    let mut frame = Frame::default();
    for _ in 0..=index {
        assert!(reader.read_into(&mut frame).expect("decode"), "fixture too short");
    }
    let source = if height > width {
        let (w, h) = (frame.image.cols(), frame.image.rows());
        let crop_w = h * 9 / 16;
        let x = w * 35 / 100; // the lifter stands a little left of centre
        Mat::roi(&frame.image, Rect::new(x.min(w - crop_w), 0, crop_w, h))
            .expect("crop")
            .try_clone()
            .expect("clone")
    } else {
        frame.image
    };
    let mut out = Mat::default();
    imgproc::resize(
        &source,
        &mut out,
        Size::new(width, height),
        0.0,
        0.0,
        imgproc::INTER_LINEAR,
    )
    .expect("resize");
    out
}

// --- The pre-processing of src/pose/blazepose.rs, panicking on error -------------------------

fn warp_roi(frame: &Mat, roi: &Roi, size: u32, border: i32, affine: &mut Mat, crop: &mut Mat) {
    blazepose::warp_roi(frame, roi, size, border, affine, crop).expect("warp");
}

fn fill_rgb_input(crop: &Mat, scale: f32, offset: f32, out: &mut [f32]) {
    blazepose::fill_rgb_input(crop, scale, offset, out).expect("continuous crop");
}

fn new_affine() -> Mat {
    Mat::new_rows_cols_with_default(2, 3, core::CV_64F, Scalar::all(0.0)).expect("affine")
}

// --- Real model outputs on the frame, as inputs for the post-processing benchmarks ------------

struct ModelOutputs {
    scores: Vec<f32>,
    regressors: Vec<f32>,
    /// ROI the landmark model ran on (the detector's choice).
    roi: Roi,
    landmarks: Vec<f32>,
    heatmap: Vec<f32>,
    segmentation: Vec<f32>,
}

fn output(outputs: &ort::session::SessionOutputs, name: &str) -> Vec<f32> {
    let (_, data) = outputs
        .get(name)
        .unwrap_or_else(|| panic!("model output `{name}`"))
        .try_extract_tensor::<f32>()
        .expect("f32 output");
    data.to_vec()
}

fn run_detector(session: &mut Session, input: &[f32]) -> (Vec<f32>, Vec<f32>) {
    let n = DETECTOR_INPUT_SIZE as usize;
    let view = ArrayView4::from_shape((1, n, n, 3), input).expect("shape");
    let outputs = session
        .run(ort::inputs!["input" => TensorRef::from_array_view(view).expect("tensor")])
        .expect("detector run");
    (output(&outputs, "scores"), output(&outputs, "regressors"))
}

/// Runs a landmark model and copies out the named outputs, in order.
fn landmark_outputs<const N: usize>(session: &mut Session, input: &[f32], names: [&str; N]) -> [Vec<f32>; N] {
    let n = LANDMARK_INPUT_SIZE as usize;
    let view = ArrayView4::from_shape((1, n, n, 3), input).expect("shape");
    let outputs = session
        .run(ort::inputs!["input" => TensorRef::from_array_view(view).expect("tensor")])
        .expect("landmark run");
    names.map(|name| output(&outputs, name))
}

fn run_landmarks(session: &mut Session, input: &[f32]) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let [landmarks, heatmap, segmentation] = landmark_outputs(session, input, ["landmarks", "heatmap", "segmentation"]);
    (landmarks, heatmap, segmentation)
}

fn inputs_for(frame: &Mat, roi: &Roi) -> (Vec<f32>, Vec<f32>) {
    let (det, lm) = (DETECTOR_INPUT_SIZE as usize, LANDMARK_INPUT_SIZE as usize);
    let (mut affine, mut crop) = (new_affine(), Mat::default());
    let letterbox = Roi::letterbox(frame.cols() as u32, frame.rows() as u32);
    warp_roi(
        frame,
        &letterbox,
        DETECTOR_INPUT_SIZE,
        core::BORDER_CONSTANT,
        &mut affine,
        &mut crop,
    );
    let mut det_input = vec![0.0; det * det * 3];
    fill_rgb_input(&crop, 1.0 / 127.5, -1.0, &mut det_input);
    warp_roi(
        frame,
        roi,
        LANDMARK_INPUT_SIZE,
        core::BORDER_REPLICATE,
        &mut affine,
        &mut crop,
    );
    let mut lm_input = vec![0.0; lm * lm * 3];
    fill_rgb_input(&crop, 1.0 / 255.0, 0.0, &mut lm_input);
    (det_input, lm_input)
}

fn model_outputs(store: &ModelStore, rt: &runtime::Runtime, frame: &Mat) -> ModelOutputs {
    let options = SessionOptions {
        intra_threads: 1,
        spinning: false,
    };
    let mut det = store.session(rt, DETECTOR_MODEL, options).expect("detector session");
    let mut lm = store
        .session(rt, LandmarkModel::Full.manifest_name(), options)
        .expect("landmark session");
    let letterbox = Roi::letterbox(frame.cols() as u32, frame.rows() as u32);
    let (det_input, _) = inputs_for(frame, &letterbox);
    let (scores, regressors) = run_detector(&mut det, &det_input);
    let mut found = Vec::new();
    detector::decode(&scores, &regressors, &detector::anchors(), &letterbox, &mut found);
    let people = detector::weighted_nms(found);
    let first = detector::choose_lifter(
        &people,
        frame.cols() as u32,
        frame.rows() as u32,
        LifterHint::Auto,
        None,
    )
    .expect("the detector finds the lifter on the fixture frame")
    .roi();
    // One tracking step, as on a steady-state frame: the ROI from the landmarks' own alignment points.
    let (_, lm_input) = inputs_for(frame, &first);
    let (raw, heatmap, _) = run_landmarks(&mut lm, &lm_input);
    let mut crop = [CropLandmark::default(); NUM_MODEL_LANDMARKS];
    landmarks::decode(&raw, &mut crop);
    landmarks::refine_with_heatmap(&heatmap, &mut crop);
    let roi = landmarks::next_roi(&crop, &first);
    let (_, lm_input) = inputs_for(frame, &roi);
    let (landmarks, heatmap, segmentation) = run_landmarks(&mut lm, &lm_input);
    ModelOutputs {
        scores,
        regressors,
        roi,
        landmarks,
        heatmap,
        segmentation,
    }
}

// --- Benchmarks --------------------------------------------------------------------------------

fn preprocess(c: &mut Criterion, landscape: &Mat, portrait: &Mat, roi: &Roi) {
    let (det, lm) = (DETECTOR_INPUT_SIZE as usize, LANDMARK_INPUT_SIZE as usize);
    let mut g = c.benchmark_group("preprocess");
    let (mut affine, mut crop) = (new_affine(), Mat::default());
    for (name, frame) in [("1920x1080", landscape), ("1080x1920", portrait)] {
        let letterbox = Roi::letterbox(frame.cols() as u32, frame.rows() as u32);
        g.bench_function(BenchmarkId::new("detector_letterbox_warp", name), |b| {
            b.iter(|| {
                warp_roi(
                    black_box(frame),
                    &letterbox,
                    DETECTOR_INPUT_SIZE,
                    core::BORDER_CONSTANT,
                    &mut affine,
                    &mut crop,
                )
            })
        });
    }
    let letterbox = Roi::letterbox(landscape.cols() as u32, landscape.rows() as u32);
    warp_roi(
        landscape,
        &letterbox,
        DETECTOR_INPUT_SIZE,
        core::BORDER_CONSTANT,
        &mut affine,
        &mut crop,
    );
    let mut input = vec![0.0f32; det * det * 3];
    g.bench_function("detector_fill_input", |b| {
        b.iter(|| fill_rgb_input(black_box(&crop), 1.0 / 127.5, -1.0, &mut input))
    });
    g.bench_function(BenchmarkId::new("landmark_crop_warp", "1920x1080"), |b| {
        b.iter(|| {
            warp_roi(
                black_box(landscape),
                roi,
                LANDMARK_INPUT_SIZE,
                core::BORDER_REPLICATE,
                &mut affine,
                &mut crop,
            )
        })
    });
    warp_roi(
        landscape,
        roi,
        LANDMARK_INPUT_SIZE,
        core::BORDER_REPLICATE,
        &mut affine,
        &mut crop,
    );
    let mut input = vec![0.0f32; lm * lm * 3];
    g.bench_function("landmark_fill_input", |b| {
        b.iter(|| fill_rgb_input(black_box(&crop), 1.0 / 255.0, 0.0, &mut input))
    });
    g.bench_function(BenchmarkId::new("landmark_warp_and_fill", "1920x1080"), |b| {
        b.iter(|| {
            warp_roi(
                black_box(landscape),
                roi,
                LANDMARK_INPUT_SIZE,
                core::BORDER_REPLICATE,
                &mut affine,
                &mut crop,
            );
            fill_rgb_input(&crop, 1.0 / 255.0, 0.0, &mut input)
        })
    });
    // OpenCV spreads each warp over its thread pool; on a 2-core machine where inference runs
    // beside decoding, a single-threaded warp may cost less wall time than the hand-offs.
    let pool = core::get_num_threads().expect("opencv threads");
    core::set_num_threads(1).expect("opencv threads");
    g.bench_function(
        BenchmarkId::new("detector_letterbox_warp_cv1thread", "1920x1080"),
        |b| {
            b.iter(|| {
                warp_roi(
                    black_box(landscape),
                    &letterbox,
                    DETECTOR_INPUT_SIZE,
                    core::BORDER_CONSTANT,
                    &mut affine,
                    &mut crop,
                )
            })
        },
    );
    g.bench_function(BenchmarkId::new("landmark_crop_warp_cv1thread", "1920x1080"), |b| {
        b.iter(|| {
            warp_roi(
                black_box(landscape),
                roi,
                LANDMARK_INPUT_SIZE,
                core::BORDER_REPLICATE,
                &mut affine,
                &mut crop,
            )
        })
    });
    core::set_num_threads(pool).expect("opencv threads");
    g.finish();
}

fn postprocess(c: &mut Criterion, frame: &Mat, out: &ModelOutputs) {
    let mut g = c.benchmark_group("postprocess");
    let anchors = detector::anchors();
    let letterbox = Roi::letterbox(frame.cols() as u32, frame.rows() as u32);
    let (w, h) = (frame.cols() as u32, frame.rows() as u32);
    let mut found = Vec::new();
    g.bench_function("detector_anchors", |b| b.iter(detector::anchors));
    g.bench_function("detector_decode", |b| {
        b.iter(|| {
            detector::decode(
                black_box(&out.scores),
                &out.regressors,
                &anchors,
                &letterbox,
                &mut found,
            )
        })
    });
    detector::decode(&out.scores, &out.regressors, &anchors, &letterbox, &mut found);
    let candidates = found.clone();
    g.bench_function(format!("detector_weighted_nms ({} boxes)", candidates.len()), |b| {
        b.iter_batched(
            || candidates.clone(),
            detector::weighted_nms,
            criterion::BatchSize::SmallInput,
        )
    });
    g.bench_function("detector_decode_nms_choose", |b| {
        b.iter(|| {
            detector::decode(
                black_box(&out.scores),
                &out.regressors,
                &anchors,
                &letterbox,
                &mut found,
            );
            let people = detector::weighted_nms(std::mem::take(&mut found));
            detector::choose_lifter(&people, w, h, LifterHint::Auto, None).map(|d| d.roi())
        })
    });
    let mut crop = [CropLandmark::default(); NUM_MODEL_LANDMARKS];
    g.bench_function("landmark_decode", |b| {
        b.iter(|| landmarks::decode(black_box(&out.landmarks), &mut crop))
    });
    landmarks::decode(&out.landmarks, &mut crop);
    let decoded = crop;
    g.bench_function("landmark_refine_heatmap", |b| {
        b.iter(|| {
            let mut lms = decoded;
            landmarks::refine_with_heatmap(black_box(&out.heatmap), &mut lms);
            lms
        })
    });
    g.bench_function("landmark_project_and_next_roi", |b| {
        b.iter(|| {
            let kps = landmarks::project(black_box(&decoded), &out.roi);
            (kps, landmarks::next_roi(&decoded, &out.roi))
        })
    });
    g.bench_function("landmark_decode_refine_project", |b| {
        b.iter(|| {
            let mut lms = [CropLandmark::default(); NUM_MODEL_LANDMARKS];
            landmarks::decode(black_box(&out.landmarks), &mut lms);
            landmarks::refine_with_heatmap(&out.heatmap, &mut lms);
            (landmarks::project(&lms, &out.roi), landmarks::next_roi(&lms, &out.roi))
        })
    });
    g.finish();
}

/// The near side's shoulder, hip, wrist and the facing direction, as `track.rs` picks them.
fn near_side(pose_kps: &[liftcheck::pose::Keypoint]) -> (Point, Point, Point, f32) {
    use landmark::*;
    let left = [LEFT_SHOULDER, LEFT_HIP, LEFT_WRIST, LEFT_HEEL, LEFT_FOOT_INDEX];
    let right = [RIGHT_SHOULDER, RIGHT_HIP, RIGHT_WRIST, RIGHT_HEEL, RIGHT_FOOT_INDEX];
    let score = |s: &[usize; 5]| -> f32 { s.iter().map(|&i| pose_kps[i].visibility).sum() };
    let s = if score(&left) >= score(&right) { left } else { right };
    let p = |i: usize| Point::new(pose_kps[i].x, pose_kps[i].y);
    (
        p(s[0]),
        p(s[1]),
        p(s[2]),
        (pose_kps[s[4]].x - pose_kps[s[3]].x).signum(),
    )
}

/// [`near_side`] of the pose in `out`: its keypoints decoded, refined and projected to the frame
/// as `BlazePose::estimate` does.
fn near_side_of(out: &ModelOutputs) -> (Point, Point, Point, f32) {
    let mut lms = [CropLandmark::default(); NUM_MODEL_LANDMARKS];
    landmarks::decode(&out.landmarks, &mut lms);
    landmarks::refine_with_heatmap(&out.heatmap, &mut lms);
    near_side(&landmarks::project(&lms, &out.roi))
}

/// The back outline on the landscape frame; the plate search on both frames (its cost follows
/// the lifter's size in pixels, which the portrait crop enlarges), and the background's lines.
fn image_extras(c: &mut Criterion, frame: &Mat, out: &ModelOutputs, portrait: &Mat, portrait_out: &ModelOutputs) {
    let mut g = c.benchmark_group("extras");
    let (shoulder, hip, _, facing) = near_side_of(out);
    let mask = CropMask {
        logits: &out.segmentation,
        size: LANDMARK_INPUT_SIZE as usize,
        area: MaskArea::whole(LANDMARK_INPUT_SIZE as usize),
        roi: out.roi,
    };
    g.bench_function("back_outline", |b| {
        b.iter(|| silhouette::back_outline(black_box(&mask), shoulder, hip, facing, BACK_SAMPLES))
    });
    for (name, frame, out) in [("1920x1080", frame, out), ("1080x1920", portrait, portrait_out)] {
        let (shoulder, hip, wrist, _) = near_side_of(out);
        let torso = shoulder.distance(hip);
        let mut finder = PlateFinder::default();
        g.bench_function(BenchmarkId::new("plate_find", name), |b| {
            b.iter(|| finder.find(black_box(frame), wrist, torso).expect("plate search"))
        });
        // Once a second for the first 12 s (the camera's roll), whole frame.
        let mut lines = LineFinder::new().expect("line detector");
        g.bench_function(BenchmarkId::new("background_lines", name), |b| {
            b.iter(|| lines.find(black_box(frame), None).expect("line search"))
        });
    }
    g.finish();
}

/// The window of the crop the segmentation head runs on for the back outline of `out`'s pose.
fn back_window(out: &ModelOutputs) -> FeatureWindow {
    let (shoulder, hip, _, facing) = near_side_of(out);
    FeatureWindow::for_back_outline(&out.roi, shoulder, hip, facing).expect("the fixture frame's back within the crop")
}

fn models(
    c: &mut Criterion,
    store: &ModelStore,
    rt: &runtime::Runtime,
    frame: &Mat,
    roi: &Roi,
    back_window: FeatureWindow,
) {
    let letterbox = Roi::letterbox(frame.cols() as u32, frame.rows() as u32);
    let (det_input, _) = inputs_for(frame, &letterbox);
    let (_, lm_input) = inputs_for(frame, roi);
    let mut g = c.benchmark_group("model");
    g.sample_size(30).measurement_time(Duration::from_secs(6));
    // liftcheck's default with the full model is half the cores per model run (the mask head
    // runs beside the keypoint model), without spinning; all cores, and spinning, for comparison.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut settings = vec![(1, false), (2, false), (2, true)];
    for threads in [cores / 2, cores] {
        if threads > 2 && !settings.contains(&(threads, false)) {
            settings.push((threads, false));
        }
    }
    for (threads, spinning) in settings {
        let options = SessionOptions {
            intra_threads: threads,
            spinning,
        };
        let id = format!("{threads}t{}", if spinning { "_spin" } else { "" });
        let mut lm = store
            .session(rt, LandmarkModel::Full.manifest_name(), options)
            .expect("landmark session");
        g.bench_function(BenchmarkId::new("landmark_full", &id), |b| {
            b.iter(|| run_landmarks(&mut lm, black_box(&lm_input)))
        });
        // Without the segmentation head: what the frames that need no mask cost.
        if !spinning {
            let name = LandmarkModel::Full
                .manifest_name_without_mask()
                .expect("pruned full model");
            let mut pruned = store.session(rt, name, options).expect("pruned landmark session");
            g.bench_function(BenchmarkId::new("landmark_full_nomask", &id), |b| {
                b.iter(|| landmark_outputs(&mut pruned, black_box(&lm_input), ["landmarks", "heatmap"]))
            });
            // The segmentation head alone, on the tensors the pruned model gives it, over the
            // whole crop and over the window the back outline reads (what a frame that gets
            // the mask adds on the frame worker: `pose::mask_head`, `track_clip`).
            let [coarse, fine] = landmark_outputs(&mut pruned, &lm_input, ["features_64", "features_128"]);
            let features = MaskFeatures::from_tensors(&coarse, &fine, *roi).expect("mask head inputs");
            let head_name = LandmarkModel::Full.manifest_name_mask_head().expect("mask head");
            let mut head = MaskHead::new(rt, store, head_name, options).expect("mask head session");
            for (name, window) in [
                ("mask_head", FeatureWindow::WHOLE),
                ("mask_head_back_window", back_window),
            ] {
                g.bench_function(BenchmarkId::new(name, &id), |b| {
                    b.iter(|| {
                        head.run(black_box(&features), window)
                            .map(|mask| mask.logits.len())
                            .expect("mask head run")
                    })
                });
            }
        }
        let mut det = store.session(rt, DETECTOR_MODEL, options).expect("detector session");
        g.bench_function(BenchmarkId::new("detector", &id), |b| {
            b.iter(|| run_detector(&mut det, black_box(&det_input)))
        });
    }
    g.finish();
}

/// One steady-state frame through `BlazePose::estimate` (crop, landmark model without the mask
/// then the mask head on the same thread, post-processing, next ROI): the pose stage's cost on a
/// frame that gets the mask when nothing overlaps (`track_clip` runs the head on the frame
/// worker; frames without the mask run `model/landmark_full_nomask` alone).
fn whole_frame(c: &mut Criterion, store: &ModelStore, rt: &runtime::Runtime, frame: &Mat) {
    let mut g = c.benchmark_group("pose_frame");
    g.sample_size(30).measurement_time(Duration::from_secs(6));
    for threads in [1, 2] {
        let config = BlazePoseConfig {
            model: LandmarkModel::Full,
            lifter: LifterHint::Auto,
            session: SessionOptions {
                intra_threads: threads,
                spinning: false,
            },
            keep_mask: true,
            mask_on_worker: true,
        };
        let mut estimator = BlazePose::new(rt, store, config).expect("estimator");
        let first: Option<Pose> = estimator.estimate(frame).expect("estimate");
        assert!(first.is_some(), "lifter found on the fixture frame");
        g.bench_function(
            BenchmarkId::new("estimate_tracking_1920x1080", format!("{threads}t")),
            |b| b.iter(|| estimator.estimate(black_box(frame)).expect("estimate")),
        );
    }
    g.finish();
}

fn benches(c: &mut Criterion) {
    liftcheck::video::quiet_opencv_logging();
    let landscape = fixture_frame(FIXTURE_FRAME, 1920, 1080);
    let portrait = fixture_frame(FIXTURE_FRAME, 1080, 1920);
    let rt = runtime::load().expect("ONNX Runtime (run scripts/setup.sh)");
    let store = ModelStore::open(None).expect("models/");
    let out = model_outputs(&store, &rt, &landscape);
    preprocess(c, &landscape, &portrait, &out.roi);
    postprocess(c, &landscape, &out);
    let portrait_out = model_outputs(&store, &rt, &portrait);
    image_extras(c, &landscape, &out, &portrait, &portrait_out);
    models(c, &store, &rt, &landscape, &out.roi, back_window(&out));
    whole_frame(c, &store, &rt, &landscape);
}

criterion_group! {
    name = pose;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = benches
}
criterion_main!(pose);
