//! Running BlazePose (person detector + landmark model) on frames through ONNX Runtime.
//!
//! Per frame: if no region of interest is being tracked, the detector finds the lifter on the
//! letterboxed frame (or, when nobody is found there, on larger-scale tiles); the landmark model
//! then runs on the rotated ROI crop, its landmarks are refined with the heatmap and projected
//! back, and the auxiliary landmarks give next frame's ROI. When the model says the ROI holds no
//! person, the detector runs again on the same frame, and for the next two seconds or so the lost
//! ROI is tried again first.

use std::time::{Duration, Instant};

use ndarray::ArrayView4;
use opencv::core::{self, Mat, Scalar, Size};
use opencv::imgproc;
use opencv::prelude::*;
use ort::session::{HasSelectedOutputs, OutputSelector, RunOptions, Session};
use ort::value::TensorRef;

use super::Pose;
use super::detector::{self, DETECTOR_INPUT_SIZE, Detection, LifterHint};
use super::geometry::{Point, Roi};
use super::landmarks::{self, CropLandmark, LANDMARK_INPUT_SIZE, MIN_POSE_PRESENCE, NUM_MODEL_LANDMARKS};
use super::mask_head::{FEATURE_OUTPUTS, FeatureWindow, MaskFeatures, MaskHead, copy_output};
use super::silhouette::{CropMask, MaskArea};
use crate::models::{ModelError, ModelStore, SessionOptions};
use crate::runtime::Runtime;
use crate::video::frames_in;

/// Name of the detector in the model manifest.
pub const DETECTOR_MODEL: &str = "pose_detection";

#[derive(Debug, thiserror::Error)]
pub enum PoseError {
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error("pose inference failed: {0}")]
    Inference(#[from] ort::Error),
    #[error("image processing failed: {0}")]
    Image(#[from] opencv::Error),
    #[error("model output `{0}` missing or of the wrong size")]
    Output(&'static str),
}

/// Which BlazePose landmark model to run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LandmarkModel {
    /// BlazePose GHUM full: the best speed/accuracy balance on real deadlift footage.
    #[default]
    Full,
    /// BlazePose GHUM heavy: about 3.5x slower; places keypoints hidden behind the plates better.
    Heavy,
}

impl LandmarkModel {
    pub fn manifest_name(self) -> &'static str {
        match self {
            LandmarkModel::Full => "pose_landmark_full",
            LandmarkModel::Heavy => "pose_landmark_heavy",
        }
    }

    /// The same model without its segmentation head (`scripts/models/prune_mask.py`): same
    /// keypoints, no mask, half the cost. Heavy has none (it is the slow option
    /// anyway, and a second copy would add 28 MB to the repository).
    pub fn manifest_name_without_mask(self) -> Option<&'static str> {
        match self {
            LandmarkModel::Full => Some("pose_landmark_full_nomask"),
            LandmarkModel::Heavy => None,
        }
    }

    /// The segmentation head alone, which reads the backbone tensors the model without the mask
    /// also outputs ([`crate::pose::mask_head`]).
    pub fn manifest_name_mask_head(self) -> Option<&'static str> {
        match self {
            LandmarkModel::Full => Some("pose_segmentation_head_full"),
            LandmarkModel::Heavy => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BlazePoseConfig {
    pub model: LandmarkModel,
    pub lifter: LifterHint,
    pub session: SessionOptions,
    /// Compute and keep the segmentation mask (for the back outline) on the frames that ask for it
    /// ([`BlazePose::estimate_with_mask`]); without it no frame gets a mask.
    pub keep_mask: bool,
    /// Run the segmentation head on another thread, beside the next frame's keypoints
    /// ([`BlazePose::mask_on_worker`]). Worth it with a core to spare; with one core per clip
    /// (`batch` with as many jobs as cores) the two threads would only take turns (`batch --jobs
    /// 2` on 2 cores with the head on the worker in every clip: 1.93x real time in
    /// `scripts/bench.sh` at `5ec8969`, against 2.20x with the mask computed with the
    /// keypoints), so the pose stage runs it right after the keypoints instead. Either way the
    /// head is a model of its own where the models folder has one ([`BlazePose::take_mask_head`]),
    /// which the pose stage (`track::track_clip`) runs on the part of the crop the back outline
    /// reads; [`BlazePose::estimate_with_mask`] with the head left in runs it on the whole crop.
    pub mask_on_worker: bool,
}

impl Default for BlazePoseConfig {
    fn default() -> Self {
        Self {
            model: LandmarkModel::Full,
            lifter: LifterHint::Auto,
            session: SessionOptions::default(),
            keep_mask: false,
            mask_on_worker: true,
        }
    }
}

/// Time spent in each model since the estimator was created.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PoseTimings {
    /// Time inside ONNX Runtime's `run` for both models: the models' own cost.
    pub inference: Duration,
    pub detector_runs: usize,
    pub detector: Duration,
    pub landmark_runs: usize,
    /// Landmark runs with the segmentation head (the others ran without it).
    pub mask_runs: usize,
    pub landmark: Duration,
}

/// A BlazePose estimator for one clip at a time; buffers are allocated once and reused.
pub struct BlazePose {
    detector: Session,
    /// The whole landmark model, keypoints and mask in one run; not loaded when the mask head is
    /// a model of its own (`mask_head`).
    landmark: Option<Session>,
    /// The landmark model without its segmentation head, for frames that need no mask; with
    /// [`Self::mask_head`], for all frames.
    landmark_without_mask: Option<Session>,
    /// The segmentation head alone, when the models folder has it and masks are kept. Frames that
    /// want a mask then run it after `landmark_without_mask`, here or, taken out with
    /// [`Self::take_mask_head`], on another thread.
    mask_head: Option<MaskHead>,
    /// The head's inputs from the last pose found, while it has no mask yet (the head was taken
    /// out): for [`Self::take_mask_features`].
    features: MaskFeatures,
    features_pending: bool,
    features_before_turn: MaskFeatures,
    /// The outputs a landmark run fetches: keypoints only, with the head's inputs, or with the
    /// mask. ONNX Runtime fills only these; the model without the mask would otherwise hand over
    /// the 1.8 MB of head inputs on every frame.
    keypoint_outputs: RunOptions<HasSelectedOutputs>,
    feature_outputs: RunOptions<HasSelectedOutputs>,
    mask_outputs: RunOptions<HasSelectedOutputs>,
    config: BlazePoseConfig,
    anchors: Vec<Point>,
    affine: Mat,
    detector_crop: Mat,
    detector_input: Vec<f32>,
    landmark_crop: Mat,
    landmark_input: Vec<f32>,
    detections: Vec<Detection>,
    crop_landmarks: [CropLandmark; NUM_MODEL_LANDMARKS],
    segmentation: Vec<f32>,
    /// Whether `segmentation` belongs to the last pose found (it was run with the mask).
    mask_valid: bool,
    /// The mask of the first try while a turned-over region is tried ([`BlazePose::upright_landmarks`]).
    segmentation_before_turn: Vec<f32>,
    /// ROI the landmark model ran on for the last pose found.
    last_roi: Option<Roi>,
    /// ROI to try on the next frame (from the last pose's auxiliary landmarks).
    tracking: Option<Roi>,
    /// The region where tracking last lost the lifter, tried again for a while.
    lost: LostRegion,
    /// Torso length of the last pose found, frame pixels (what a pose found again in the lost
    /// region must match: no pose is found while the region is retried).
    last_torso_px: Option<f32>,
    /// Hip centre of the last pose found: keeps the same person after a re-detection.
    last_hip_center: Option<Point>,
    /// The clip's first pose, for [`Self::larger_person`].
    first_pose: Option<FirstPose>,
    /// Frames estimated since the clip began, and the one where tracking last moved to a larger
    /// person ([`Self::switched_person_at`]).
    frames_seen: usize,
    switched_person_at: Option<usize>,
    /// The time spans above counted in the clip's frames ([`Self::start_clip`]).
    spans: FrameSpans,
    timings: PoseTimings,
}

/// Where and how large the clip's first pose was: the second look for the lifter runs for a
/// while after it, and a person must outgrow it to take over ([`BlazePose::larger_person`]).
#[derive(Clone, Copy, Debug)]
struct FirstPose {
    frame: usize,
    /// Side of the region the landmark model found it in, and its torso, pixels.
    side: f32,
    torso: f32,
}

fn set_affine(m: &mut Mat, a: [[f64; 3]; 2]) -> opencv::Result<()> {
    for (r, row) in a.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            *m.at_2d_mut::<f64>(r as i32, c as i32)? = *v;
        }
    }
    Ok(())
}

/// Cuts `roi` from `frame` into a square `size`-pixel crop with one bilinear warp (public for
/// the benchmarks).
pub fn warp_roi(
    frame: &Mat,
    roi: &Roi,
    size: u32,
    border: i32,
    affine: &mut Mat,
    crop: &mut Mat,
) -> opencv::Result<()> {
    set_affine(affine, roi.crop_to_frame_affine(size))?;
    imgproc::warp_affine(
        frame,
        crop,
        affine,
        Size::new(size as i32, size as i32),
        imgproc::INTER_LINEAR | imgproc::WARP_INVERSE_MAP,
        border,
        Scalar::all(0.0),
    )
}

/// Writes a BGR u8 crop into an RGB f32 NHWC buffer as `pixel * scale + offset`.
pub fn fill_rgb_input(crop: &Mat, scale: f32, offset: f32, out: &mut [f32]) -> opencv::Result<()> {
    let bytes = crop.data_bytes()?;
    for (dst, bgr) in out.chunks_exact_mut(3).zip(bytes.chunks_exact(3)) {
        dst[0] = bgr[2] as f32 * scale + offset;
        dst[1] = bgr[1] as f32 * scale + offset;
        dst[2] = bgr[0] as f32 * scale + offset;
    }
    Ok(())
}

/// How far above the hips the ankles, or below them the shoulders, must be, in torso lengths,
/// for a skeleton to count as upside down (a margin for keypoint error). In a deadlift the ankles
/// are always below the hips, and the shoulders never far below them: a trunk past horizontal by
/// 30 degrees puts them half a torso below, and the steepest trunk of the rendered suites' ground
/// truth is 94 degrees from vertical.
const UPSIDE_DOWN_MARGIN_TORSOS: f32 = 0.5;

/// Whether the skeleton stands on its head in the frame: both ankles well above both hips, or
/// the shoulders well below the hips (on a rendered side view, seed 201 clip 007, tracking slid
/// onto the legs at lockout and drew the trunk hanging down, 160 degrees from vertical, while
/// the ankles stayed low).
fn upside_down(pose: &Pose) -> bool {
    use super::landmark as lm;
    let y = |i: usize| pose.keypoints[i].y;
    let hips = pose.midpoint(lm::LEFT_HIP, lm::RIGHT_HIP);
    let shoulders = pose.midpoint(lm::LEFT_SHOULDER, lm::RIGHT_SHOULDER);
    let torso = pose.torso_px();
    let margin = UPSIDE_DOWN_MARGIN_TORSOS * torso;
    let lowest_ankle_y = y(lm::LEFT_ANKLE).max(y(lm::RIGHT_ANKLE));
    let highest_hip_y = y(lm::LEFT_HIP).min(y(lm::RIGHT_HIP));
    torso > 0.0 && (lowest_ankle_y < highest_hip_y - margin || shoulders.1 > hips.1 + margin)
}

/// How long after tracking loses the lifter the lost region is tried again, before the
/// detector, seconds. The landmark model's presence can dip under its limit for one frame on a
/// lifter standing still (rendered seed 301 clip 008, frame 278 at a lockout, 30 fps), and the
/// detector, which keys on the face, then offered a wrong region for the next 35 frames (1.2 s),
/// losing the lockout and the rep. A region that finds nobody costs one landmark run per frame.
const LOST_REGION_RETRY_S: f64 = 2.0;

/// A pose found again in a lost region must have a torso within this factor of the last pose's
/// (either way). Over two seconds the lifter's distance from the camera barely changes; a torso
/// seen from the front shortens as the lifter bends over, which at worst sends the frame to the
/// detector, as before lost regions were retried.
const LOST_REGION_TORSO_FACTOR: f32 = 1.6;

/// For how long after the clip's first pose the detector takes a second look for a larger
/// person than the one tracked ([`BlazePose::larger_person`]), and how often, seconds: three
/// seconds, the lifter's walk-up and set-up in most clips (the rendered ones grip the bar 1.3 s
/// in), every half second, so at most six more looks a clip (the window is six strides of the
/// half second rounded to whole frames: 3.12 s at 25 fps). Later in the clip a larger person
/// is more likely someone passing close to the camera than a lifter missed so far, and taking
/// them would lose the set.
const LIFTER_SECOND_LOOK_S: f64 = 3.0;
const LIFTER_SECOND_LOOK_EVERY_S: f64 = 0.5;

/// The frame rate the time spans above are counted at when the video gives none.
const ASSUMED_FPS: f64 = 30.0;

/// The pose stage's time spans in frames of the clip at hand: counted in frames, a span given in
/// seconds at 30 fps would last half as long at 60.
#[derive(Clone, Copy, Debug, PartialEq)]
struct FrameSpans {
    /// Frames a lost region is retried for ([`LOST_REGION_RETRY_S`]).
    lost_region_retry: u32,
    /// The second look's window after the first pose and its stride, frames
    /// ([`LIFTER_SECOND_LOOK_S`], [`LIFTER_SECOND_LOOK_EVERY_S`]).
    second_look_window: usize,
    second_look_every: usize,
}

impl FrameSpans {
    fn at(fps: f64) -> Self {
        let frames = |seconds: f64| frames_in(seconds, fps).or(frames_in(seconds, ASSUMED_FPS)).unwrap_or(1);
        let every = frames(LIFTER_SECOND_LOOK_EVERY_S);
        let looks = (LIFTER_SECOND_LOOK_S / LIFTER_SECOND_LOOK_EVERY_S).round() as usize;
        Self {
            lost_region_retry: u32::try_from(frames(LOST_REGION_RETRY_S)).unwrap_or(u32::MAX),
            second_look_window: every.saturating_mul(looks),
            second_look_every: every,
        }
    }

    /// Whether the second look runs `since_first` frames after the clip's first pose.
    fn second_look_due(&self, since_first: usize) -> bool {
        since_first <= self.second_look_window && since_first.is_multiple_of(self.second_look_every)
    }
}

impl Default for FrameSpans {
    fn default() -> Self {
        Self::at(ASSUMED_FPS)
    }
}
/// How much larger another person must be than the tracked one to take over: their region (the
/// detector's body circle, which the landmark model is given), and then the torso of the pose
/// found there, against both the tracked person's and the clip's first pose's. On the rendered
/// clips that followed a bystander the lifter's circle was 1.8-2.1
/// times theirs (seed 901 clip 006: 362-410 px against 199 when first found; seed 904 clip 003:
/// 343 against 186) and the torso about 2 times (79 against 38 px; 74 against 35); a person of
/// about the tracked one's size is as likely to be a training partner or coach as the lifter.
/// The torso check keeps a spurious region on the tracked lifter from taking over where the
/// landmark model draws them there at their size.
const LIFTER_SECOND_LOOK_SIZE_RATIO: f32 = 1.5;
/// The largest region a person found by the second look may have, in frame heights: a body
/// standing whole in the frame spans at most its height, and the region is 1.25 times that
/// (the lifters of the rendered clips that followed a bystander: 0.57-0.64 and 0.95).
const LIFTER_SECOND_LOOK_MAX_SIDE_PER_HEIGHT: f32 = 1.3;

/// The largest of `bodies` (the detector's regions) at least [`LIFTER_SECOND_LOOK_SIZE_RATIO`]
/// times both the `tracked` region and the region of the clip's first pose (`first_side`), no
/// wider than [`LIFTER_SECOND_LOOK_MAX_SIDE_PER_HEIGHT`] times the `frame_height` (the detector
/// can offer a spurious region, rendered seed 97 clip 011: 635 px across in a 360 px frame, and
/// the landmark model then draws a giant skeleton in it), and centred outside the tracked region
/// (further from its centre than half its side): someone else. The first pose's size keeps a tracked region that has shrunk onto part of the lifter
/// (the collapsed skeletons of rendered seed 402 clip 007) from handing over to the lifter's
/// own region and dropping their frames. The detector's region on the tracked person themselves is centred near
/// the tracked one's, though it can be 1.6 times its size (rendered seed 408 clip 007, 0.16 of
/// the tracked side away; seeds 343 clip 002 and 344 clip 008, upside-down regions on side-on
/// lifters, 0.36 and 0.22), while the lifter beside a tracked bystander is about 0.6 of it away
/// (seed 901 clip 006, from the detector's regions on the two).
fn larger_body(bodies: impl Iterator<Item = Roi>, tracked: Roi, first_side: f32, frame_height: f32) -> Option<Roi> {
    bodies
        .filter(|body| {
            body.side >= LIFTER_SECOND_LOOK_SIZE_RATIO * tracked.side.max(first_side)
                && body.side <= LIFTER_SECOND_LOOK_MAX_SIDE_PER_HEIGHT * frame_height
                && body.center.distance(tracked.center) > tracked.side / 2.0
        })
        .max_by(|a, b| a.side.total_cmp(&b.side))
}

fn same_size(torso: f32, before: f32) -> bool {
    torso * LOST_REGION_TORSO_FACTOR >= before && torso <= before * LOST_REGION_TORSO_FACTOR
}

/// The region where tracking last lost the lifter and how many more frames to try it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct LostRegion {
    roi: Option<Roi>,
    frames_left: u32,
}

impl LostRegion {
    /// Tracking found nobody in `roi`; it is tried for the next `frames`.
    fn lost_in(&mut self, roi: Roi, frames: u32) {
        *self = LostRegion {
            roi: Some(roi),
            frames_left: frames,
        };
    }

    /// The lifter was found: nothing to retry.
    fn found(&mut self) {
        *self = LostRegion::default();
    }

    /// The region to try on this frame, if any; counts the frame.
    fn retry(&mut self) -> Option<Roi> {
        let roi = self.roi?;
        self.frames_left = self.frames_left.saturating_sub(1);
        if self.frames_left == 0 {
            self.roi = None;
        }
        Some(roi)
    }
}

/// The landmark model's outputs every run reads.
const KEYPOINT_OUTPUTS: [&str; 3] = ["pose_flag", "landmarks", "heatmap"];

/// Run options that fetch [`KEYPOINT_OUTPUTS`] and `extra`.
fn select_outputs(extra: &[&str]) -> Result<RunOptions<HasSelectedOutputs>, PoseError> {
    let selector = KEYPOINT_OUTPUTS
        .iter()
        .chain(extra)
        .fold(OutputSelector::no_default(), |selector, name| selector.with(*name));
    Ok(RunOptions::new()?.with_outputs(selector))
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

impl BlazePose {
    pub fn new(runtime: &Runtime, models: &ModelStore, config: BlazePoseConfig) -> Result<Self, PoseError> {
        let detector = models.session(runtime, DETECTOR_MODEL, config.session)?;
        // A models folder from before the pruned model existed still works: every frame then
        // runs the full model.
        let landmark_without_mask = match config.model.manifest_name_without_mask() {
            Some(name) if models.entry(name).is_ok() => Some(models.session(runtime, name, config.session)?),
            _ => None,
        };
        let mask_head = match config.model.manifest_name_mask_head() {
            Some(name) if config.keep_mask && landmark_without_mask.is_some() && models.entry(name).is_ok() => {
                Some(MaskHead::new(runtime, models, name, config.session)?)
            }
            _ => None,
        };
        // With a separate head the whole model never runs.
        let landmark = match mask_head {
            Some(_) => None,
            None => Some(models.session(runtime, config.model.manifest_name(), config.session)?),
        };
        let det = DETECTOR_INPUT_SIZE as usize;
        let lm = LANDMARK_INPUT_SIZE as usize;
        Ok(Self {
            detector,
            landmark,
            landmark_without_mask,
            mask_head,
            features: MaskFeatures::default(),
            features_pending: false,
            features_before_turn: MaskFeatures::default(),
            config,
            anchors: detector::anchors(),
            affine: Mat::new_rows_cols_with_default(2, 3, core::CV_64F, Scalar::all(0.0))?,
            detector_crop: Mat::default(),
            detector_input: vec![0.0; det * det * 3],
            landmark_crop: Mat::default(),
            landmark_input: vec![0.0; lm * lm * 3],
            detections: Vec::new(),
            crop_landmarks: [CropLandmark::default(); NUM_MODEL_LANDMARKS],
            segmentation: vec![0.0; lm * lm],
            mask_valid: false,
            segmentation_before_turn: vec![0.0; lm * lm],
            last_roi: None,
            tracking: None,
            lost: LostRegion::default(),
            last_torso_px: None,
            last_hip_center: None,
            first_pose: None,
            frames_seen: 0,
            switched_person_at: None,
            spans: FrameSpans::default(),
            timings: PoseTimings::default(),
            keypoint_outputs: select_outputs(&[])?,
            feature_outputs: select_outputs(&FEATURE_OUTPUTS)?,
            mask_outputs: select_outputs(&["segmentation"])?,
        })
    }

    /// Forgets the tracked person and counts time spans at the next clip's `fps` (0 when the
    /// video gives none): call before each clip.
    pub fn start_clip(&mut self, fps: f64) {
        self.spans = FrameSpans::at(fps);
        self.tracking = None;
        self.lost = LostRegion::default();
        self.last_torso_px = None;
        self.last_roi = None;
        self.last_hip_center = None;
        self.first_pose = None;
        self.frames_seen = 0;
        self.switched_person_at = None;
        self.mask_valid = false;
        self.features_pending = false;
    }

    /// Takes the segmentation head out, to run it outside [`Self::estimate_with_mask`] (on
    /// another thread, or on the part of the crop the back outline reads): frames that want a
    /// mask then leave its inputs for [`Self::take_mask_features`] instead of a
    /// [`Self::crop_mask`]. `None` when the estimator has no separate head (the mask then comes
    /// with the keypoints).
    pub fn take_mask_head(&mut self) -> Option<MaskHead> {
        self.mask_head.take()
    }

    /// Whether the segmentation head is meant to run on a thread of its own
    /// ([`BlazePoseConfig::mask_on_worker`]).
    pub fn mask_on_worker(&self) -> bool {
        self.config.mask_on_worker
    }

    /// Gives back a head taken with [`Self::take_mask_head`].
    pub fn restore_mask_head(&mut self, head: MaskHead) {
        self.mask_head = Some(head);
    }

    /// Swaps the mask head's inputs for the last pose found into `into`, when that frame wanted a
    /// mask and the head is taken out; `false` (and `into` untouched) otherwise.
    pub fn take_mask_features(&mut self, into: &mut MaskFeatures) -> bool {
        if !self.features_pending {
            return false;
        }
        std::mem::swap(&mut self.features, into);
        self.features_pending = false;
        true
    }

    pub fn timings(&self) -> PoseTimings {
        self.timings
    }

    /// The lifter's pose on `frame` (BGR, upright), or `None` when nobody is found; with the
    /// segmentation mask when the config keeps it.
    pub fn estimate(&mut self, frame: &Mat) -> Result<Option<Pose>, PoseError> {
        self.estimate_with_mask(frame, self.config.keep_mask)
    }

    /// [`Self::estimate`], choosing whether this frame gets a mask: without one the landmark
    /// model runs without its segmentation head where the models folder has that version, and
    /// [`Self::crop_mask`] is `None` until a frame gets one again.
    ///
    /// Each frame tries, in turn: the region tracked from the last pose; else, for a while after
    /// tracking lost the lifter, the region where it did (`LostRegion`); else the detector.
    pub fn estimate_with_mask(&mut self, frame: &Mat, with_mask: bool) -> Result<Option<Pose>, PoseError> {
        let with_mask = with_mask && self.config.keep_mask;
        let pose = self.find_lifter(frame, with_mask)?;
        if let Some(pose) = &pose {
            self.lost.found();
            self.last_torso_px = Some(pose.torso_px());
        }
        if self.first_pose.is_none()
            && let (Some(pose), Some(roi)) = (&pose, self.last_roi)
        {
            self.first_pose = Some(FirstPose {
                frame: self.frames_seen,
                side: roi.side,
                torso: pose.torso_px(),
            });
        }
        self.frames_seen += 1;
        Ok(pose)
    }

    /// The frame (counted from the clip's first, [`Self::start_clip`]) where tracking last
    /// moved to a larger person, found by the detector's second look early in the clip: the
    /// poses before it are someone else's.
    pub fn switched_person_at(&self) -> Option<usize> {
        self.switched_person_at
    }

    fn find_lifter(&mut self, frame: &Mat, with_mask: bool) -> Result<Option<Pose>, PoseError> {
        if let Some(roi) = self.tracking.take() {
            if let Some(pose) = self.larger_person(frame, roi, with_mask)? {
                return Ok(Some(pose));
            }
            if let Some(pose) = self.upright_landmarks(frame, roi, with_mask)? {
                return Ok(Some(pose));
            }
            self.lost.lost_in(roi, self.spans.lost_region_retry);
        } else if let Some(pose) = self.retry_lost_region(frame, with_mask)? {
            return Ok(Some(pose));
        }
        match self.detect(frame)? {
            Some(roi) => self.upright_landmarks(frame, roi, with_mask),
            None => Ok(None),
        }
    }

    /// The lifter found again in the region tracking lost them in, if there is one to retry and
    /// the pose found there has the lifter's size. In the region of a lifter who moved on, the
    /// landmark model can draw a collapsed skeleton, a torso a fraction of the lifter's (rendered
    /// seed 402 clip 007 lost its rep to a run of them; `scripts/synth/measure.py torso`), which
    /// would then be tracked.
    fn retry_lost_region(&mut self, frame: &Mat, with_mask: bool) -> Result<Option<Pose>, PoseError> {
        let Some(roi) = self.lost.retry() else {
            return Ok(None);
        };
        let torso_before = self.last_torso_px;
        let before = (self.last_roi, self.last_hip_center);
        let Some(pose) = self.upright_landmarks(frame, roi, with_mask)? else {
            return Ok(None);
        };
        if torso_before.is_none_or(|torso| same_size(pose.torso_px(), torso)) {
            return Ok(Some(pose));
        }
        self.forget_pose(before);
        Ok(None)
    }

    /// Forgets the pose just found (tried and refused), going back to the last pose's region and
    /// hips (`before`): nothing is tracked from it, and its mask or mask inputs are not used.
    fn forget_pose(&mut self, before: (Option<Roi>, Option<Point>)) {
        self.tracking = None;
        self.mask_valid = false;
        self.features_pending = false;
        (self.last_roi, self.last_hip_center) = before;
    }

    /// [`Self::run_landmarks`], with the region turned half a turn and tried again when the person
    /// comes out upside down. The detector sometimes turns the region over (seen on a small,
    /// distant lifter walking up to the bar); the landmark model then still draws an upright
    /// skeleton in its crop, which lands upside down in the frame, and tracking keeps it so for
    /// the rest of the clip. Frames are upright (rotation metadata is applied), and in a deadlift
    /// the feet are always below the hips, so an upside-down skeleton is wrong. When the turned
    /// region does no better (an upside-down video without rotation metadata), the first answer
    /// stands.
    fn upright_landmarks(&mut self, frame: &Mat, roi: Roi, with_mask: bool) -> Result<Option<Pose>, PoseError> {
        let Some(pose) = self.run_landmarks(frame, roi, with_mask)? else {
            return Ok(None);
        };
        if !upside_down(&pose) {
            return Ok(Some(pose));
        }
        let first = (
            self.tracking,
            self.last_roi,
            self.last_hip_center,
            self.mask_valid,
            self.features_pending,
        );
        self.segmentation_before_turn.copy_from_slice(&self.segmentation);
        std::mem::swap(&mut self.features, &mut self.features_before_turn);
        let turned = Roi {
            rotation: roi.rotation + std::f32::consts::PI,
            ..roi
        };
        if let Some(upright) = self.run_landmarks(frame, turned, with_mask)?
            && !upside_down(&upright)
        {
            return Ok(Some(upright));
        }
        (
            self.tracking,
            self.last_roi,
            self.last_hip_center,
            self.mask_valid,
            self.features_pending,
        ) = first;
        std::mem::swap(&mut self.segmentation, &mut self.segmentation_before_turn);
        std::mem::swap(&mut self.features, &mut self.features_before_turn);
        Ok(Some(pose))
    }

    /// Early in the clip, every [`LIFTER_SECOND_LOOK_EVERY_S`], the pose of a larger,
    /// upright person the detector finds elsewhere in the frame ([`larger_body`]), once the
    /// landmark model finds them there with a torso [`LIFTER_SECOND_LOOK_SIZE_RATIO`] times the
    /// tracked one's and the first pose's: the lifter, where tracking started on someone else
    /// (recorded in [`Self::switched_person_at`]). Otherwise `None`, and tracking goes on as it
    /// was. The detector keys on the face, and a lifter seen side-on can go unfound while a
    /// bystander facing the camera is found: rendered seed 901 clip 006 found only the bystander,
    /// half the lifter's size, for its first 25 frames, and tracking kept them for the whole clip.
    /// Only with the automatic choice of lifter ([`LifterHint::Auto`]).
    fn larger_person(&mut self, frame: &Mat, tracked: Roi, with_mask: bool) -> Result<Option<Pose>, PoseError> {
        let Some(first) = self.first_pose else {
            return Ok(None);
        };
        let since_first = self.frames_seen - first.frame;
        if !self.spans.second_look_due(since_first) || self.config.lifter != LifterHint::Auto {
            return Ok(None);
        }
        let people = self.detect_people(frame)?;
        let bodies = people.iter().filter(|d| d.upright()).map(Detection::roi);
        let Some(larger) = larger_body(bodies, tracked, first.side, frame.rows() as f32) else {
            return Ok(None);
        };
        let before = (self.last_roi, self.last_hip_center);
        let Some(pose) = self.upright_landmarks(frame, larger, with_mask)? else {
            return Ok(None);
        };
        let torso_before = self.last_torso_px.unwrap_or(0.0).max(first.torso);
        if pose.torso_px() >= LIFTER_SECOND_LOOK_SIZE_RATIO * torso_before {
            self.switched_person_at = Some(self.frames_seen);
            return Ok(Some(pose));
        }
        self.forget_pose(before);
        Ok(None)
    }

    /// Runs the detector and returns the chosen lifter's ROI.
    fn detect(&mut self, frame: &Mat) -> Result<Option<Roi>, PoseError> {
        let people = self.detect_people(frame)?;
        let (width, height) = (frame.cols() as u32, frame.rows() as u32);
        Ok(
            detector::choose_lifter(&people, width, height, self.config.lifter, self.last_hip_center)
                .map(Detection::roi),
        )
    }

    /// Everyone the detector finds on `frame`, after suppression. When the whole letterboxed frame
    /// shows nobody, the detector looks again at [`Roi::zoom_tiles`]: BlazePose's detector keys on
    /// the face, and a lifter filmed from a few metres away in a landscape frame has too few
    /// pixels of it at the letterbox's scale (rendered lifters 120-140 px tall in 640x360 went
    /// unfound for seconds).
    fn detect_people(&mut self, frame: &Mat) -> Result<Vec<Detection>, PoseError> {
        let started = Instant::now();
        let (width, height) = (frame.cols() as u32, frame.rows() as u32);
        let mut people = Vec::new();
        self.detect_in(frame, &Roi::letterbox(width, height), &mut people)?;
        if people.is_empty() {
            for tile in Roi::zoom_tiles(width, height) {
                self.detect_in(frame, &tile, &mut people)?;
            }
        }
        let people = detector::weighted_nms(people);
        self.timings.detector += started.elapsed();
        Ok(people)
    }

    /// Runs the detector on the square `region` of `frame` and appends its detections (frame
    /// pixels, before suppression) to `people`.
    fn detect_in(&mut self, frame: &Mat, region: &Roi, people: &mut Vec<Detection>) -> Result<(), PoseError> {
        warp_roi(
            frame,
            region,
            DETECTOR_INPUT_SIZE,
            core::BORDER_CONSTANT,
            &mut self.affine,
            &mut self.detector_crop,
        )?;
        // Detector input range is [-1, 1]; the zero border becomes -1 as in MediaPipe.
        fill_rgb_input(&self.detector_crop, 1.0 / 127.5, -1.0, &mut self.detector_input)?;
        let size = DETECTOR_INPUT_SIZE as usize;
        let input =
            ArrayView4::from_shape((1, size, size, 3), &self.detector_input).map_err(|_| PoseError::Output("input"))?;
        let run_started = Instant::now();
        let outputs = self
            .detector
            .run(ort::inputs!["input" => TensorRef::from_array_view(input)?])?;
        self.timings.inference += run_started.elapsed();
        let (_, scores) = outputs
            .get("scores")
            .ok_or(PoseError::Output("scores"))?
            .try_extract_tensor::<f32>()?;
        let (_, regressors) = outputs
            .get("regressors")
            .ok_or(PoseError::Output("regressors"))?
            .try_extract_tensor::<f32>()?;
        if scores.len() != detector::NUM_ANCHORS || regressors.len() != detector::NUM_ANCHORS * detector::NUM_COORDS {
            return Err(PoseError::Output("scores/regressors"));
        }
        detector::decode(scores, regressors, &self.anchors, region, &mut self.detections);
        people.append(&mut self.detections);
        self.timings.detector_runs += 1;
        Ok(())
    }

    /// Runs the landmark model on `roi`; `None` when the model sees no person there.
    fn run_landmarks(&mut self, frame: &Mat, roi: Roi, with_mask: bool) -> Result<Option<Pose>, PoseError> {
        let started = Instant::now();
        warp_roi(
            frame,
            &roi,
            LANDMARK_INPUT_SIZE,
            core::BORDER_REPLICATE,
            &mut self.affine,
            &mut self.landmark_crop,
        )?;
        fill_rgb_input(&self.landmark_crop, 1.0 / 255.0, 0.0, &mut self.landmark_input)?;
        let size = LANDMARK_INPUT_SIZE as usize;
        let input =
            ArrayView4::from_shape((1, size, size, 3), &self.landmark_input).map_err(|_| PoseError::Output("input"))?;
        let run_started = Instant::now();
        // With a separate head (the whole model is then not loaded), every frame runs the model
        // without the mask; the head follows for frames that want one.
        let split = with_mask && self.landmark.is_none();
        let (session, masked) = match (&mut self.landmark_without_mask, &mut self.landmark) {
            (Some(without), _) if !with_mask || split => (without, split),
            (_, Some(whole)) => (whole, true),
            // Not reached: without a separate head the whole model is loaded.
            _ => return Err(PoseError::Output("landmarks")),
        };
        let wanted = if split {
            &self.feature_outputs
        } else if masked {
            &self.mask_outputs
        } else {
            &self.keypoint_outputs
        };
        let outputs = session.run_with_options(ort::inputs!["input" => TensorRef::from_array_view(input)?], wanted)?;
        self.timings.inference += run_started.elapsed();
        self.timings.mask_runs += usize::from(masked);
        let (_, flag) = outputs
            .get("pose_flag")
            .ok_or(PoseError::Output("pose_flag"))?
            .try_extract_tensor::<f32>()?;
        let score = *flag.first().ok_or(PoseError::Output("pose_flag"))?;
        self.timings.landmark_runs += 1;
        if score < MIN_POSE_PRESENCE {
            self.timings.landmark += started.elapsed();
            return Ok(None);
        }
        let (_, raw) = outputs
            .get("landmarks")
            .ok_or(PoseError::Output("landmarks"))?
            .try_extract_tensor::<f32>()?;
        if raw.len() != NUM_MODEL_LANDMARKS * landmarks::VALUES_PER_LANDMARK {
            return Err(PoseError::Output("landmarks"));
        }
        landmarks::decode(raw, &mut self.crop_landmarks);
        let (_, heatmap) = outputs
            .get("heatmap")
            .ok_or(PoseError::Output("heatmap"))?
            .try_extract_tensor::<f32>()?;
        if heatmap.len() != landmarks::HEATMAP_SIZE * landmarks::HEATMAP_SIZE * NUM_MODEL_LANDMARKS {
            return Err(PoseError::Output("heatmap"));
        }
        landmarks::refine_with_heatmap(heatmap, &mut self.crop_landmarks);
        // Only a frame that asked for the mask gets one, whichever model ran: the analysis must not
        // depend on whether the models folder has the model without the mask.
        let keep_mask = with_mask && masked;
        if split {
            self.features.copy_from(&outputs, roi)?;
        } else if keep_mask {
            copy_output(&outputs, "segmentation", &mut self.segmentation)?;
        }
        drop(outputs);
        self.features_pending = split;
        self.mask_valid = keep_mask && !split;
        if split && let Some(head) = &mut self.mask_head {
            let run_started = Instant::now();
            let mask = head.run(&self.features, FeatureWindow::WHOLE)?;
            self.segmentation.copy_from_slice(mask.logits);
            self.timings.inference += run_started.elapsed();
            self.features_pending = false;
            self.mask_valid = true;
        }
        let keypoints = landmarks::project(&self.crop_landmarks, &roi);
        self.tracking = Some(landmarks::next_roi(&self.crop_landmarks, &roi));
        self.last_roi = Some(roi);
        self.last_hip_center = Some(roi.project(self.crop_landmarks[33].u, self.crop_landmarks[33].v));
        self.timings.landmark += started.elapsed();
        Ok(Some(Pose { keypoints, score }))
    }

    /// The last pose's segmentation mask in its crop (logits: > 0 is the person). Needs `keep_mask`
    /// and a frame run with the mask.
    pub fn crop_mask(&self) -> Option<CropMask<'_>> {
        let roi = self.last_roi.filter(|_| self.mask_valid)?;
        Some(CropMask {
            logits: &self.segmentation,
            size: LANDMARK_INPUT_SIZE as usize,
            area: MaskArea::whole(LANDMARK_INPUT_SIZE as usize),
            roi,
        })
    }

    /// The last pose's segmentation mask (person probability 0..1) pasted into a
    /// `width` x `height` single-channel f32 image; zero outside the crop. Needs `keep_mask` and a
    /// frame run with the mask.
    pub fn mask_in_frame(&self, width: u32, height: u32, out: &mut Mat) -> Result<bool, PoseError> {
        let Some(roi) = self.last_roi.filter(|_| self.mask_valid) else {
            return Ok(false);
        };
        let size = LANDMARK_INPUT_SIZE as i32;
        let probabilities: Vec<f32> = self.segmentation.iter().map(|&v| sigmoid(v)).collect();
        let crop = Mat::new_rows_cols_with_data(size, size, &probabilities)?;
        let mut affine = Mat::new_rows_cols_with_default(2, 3, core::CV_64F, Scalar::all(0.0))?;
        set_affine(&mut affine, roi.crop_to_frame_affine(LANDMARK_INPUT_SIZE))?;
        imgproc::warp_affine(
            &crop,
            out,
            &affine,
            Size::new(width as i32, height as i32),
            imgproc::INTER_LINEAR,
            core::BORDER_CONSTANT,
            Scalar::all(0.0),
        )?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pose::{landmark as lm, test_trunk};

    /// [`test_trunk`] with the ankles `ankle_dy` px below the hips.
    fn skeleton(trunk_deg: f32, ankle_dy: f32) -> Pose {
        let mut pose = test_trunk(trunk_deg);
        for ankle in [lm::LEFT_ANKLE, lm::RIGHT_ANKLE] {
            pose.keypoints[ankle].x = 100.0;
            pose.keypoints[ankle].y = 200.0 + ankle_dy;
        }
        pose
    }

    #[test]
    fn a_lost_region_is_retried_for_a_while() {
        let roi = Roi {
            center: Point::new(100.0, 200.0),
            side: 150.0,
            rotation: 0.0,
        };
        let mut lost = LostRegion::default();
        assert_eq!(lost.retry(), None, "nothing lost yet");
        lost.lost_in(roi, 60);
        for frame in 0..60 {
            assert_eq!(lost.retry(), Some(roi), "frame {frame} after the loss");
        }
        assert_eq!(lost.retry(), None, "given up after 60 frames");
        lost.lost_in(roi, 60);
        lost.retry();
        lost.found();
        assert_eq!(lost.retry(), None, "found again");
    }

    #[test]
    fn time_spans_are_counted_in_the_clips_frames() {
        // (fps, lost region retried for, second look's window and stride, frames)
        let cases = [
            (30.0, 60, 90, 15),
            (60.0, 120, 180, 30),
            (25.0, 50, 78, 13),
            (120.0, 240, 360, 60),
            (1.0, 2, 6, 1),
            // Unknown rate: counted at 30 fps.
            (0.0, 60, 90, 15),
            (f64::NAN, 60, 90, 15),
        ];
        for (fps, retry, window, every) in cases {
            let spans = FrameSpans::at(fps);
            assert_eq!(
                (
                    spans.lost_region_retry,
                    spans.second_look_window,
                    spans.second_look_every
                ),
                (retry, window, every),
                "{fps} fps"
            );
        }
        let at_60 = FrameSpans::at(60.0);
        let looks: Vec<usize> = (0..400).filter(|&frame| at_60.second_look_due(frame)).collect();
        assert_eq!(
            looks,
            [0, 30, 60, 90, 120, 150, 180],
            "looks at 60 fps, frames after the first pose"
        );
    }

    #[test]
    fn a_pose_found_again_must_keep_the_lifters_size() {
        // (torso now, torso before the loss, same size)
        let cases = [
            (45.0, 45.0, true),
            (30.0, 45.0, true),
            (27.0, 45.0, false),
            (6.0, 45.0, false),
            (70.0, 45.0, true),
            (75.0, 45.0, false),
        ];
        for (torso, before, want) in cases {
            assert_eq!(same_size(torso, before), want, "torso {torso} px after {before} px");
        }
    }

    #[test]
    fn upside_down_cases() {
        // (trunk from vertical, ankles below the hips, upside down)
        let cases = [
            (0.0, 180.0, false),
            (60.0, 120.0, false),
            (95.0, 120.0, false),
            (115.0, 120.0, false),
            (125.0, 120.0, true),
            (160.0, 120.0, true),
            (0.0, -80.0, true),
            (0.0, -40.0, false),
        ];
        for (trunk, ankle_dy, want) in cases {
            assert_eq!(
                upside_down(&skeleton(trunk, ankle_dy)),
                want,
                "trunk {trunk}, ankles {ankle_dy} px below the hips"
            );
        }
    }

    #[test]
    fn the_second_look_takes_only_a_larger_person_elsewhere() {
        let body = |x: f32, y: f32, side: f32| Roi {
            center: Point::new(x, y),
            side,
            rotation: 0.0,
        };
        // Rendered seed 901 clip 006 (360x640): a bystander tracked at the frame's edge, the
        // lifter found side-on to their right. Seed 408 clip 007 (640x360): a lifter tracked
        // from the front, the detector's larger region on the same lifter.
        let bystander = body(39.0, 256.0, 199.0);
        let lifter = body(147.0, 325.0, 362.0);
        let tracked_front = body(317.2, 204.8, 228.8);
        let same_lifter_larger = body(325.1, 169.2, 366.9);
        // Tracking shrunk onto part of a lifter first found at full size.
        let shrunk = body(100.0, 200.0, 80.0);
        let whole_lifter = body(160.0, 230.0, 230.0);
        // (case, bodies found, tracked region, first pose's region side, the body taken over)
        let cases = [
            (
                "the lifter, larger and elsewhere",
                vec![bystander, lifter],
                bystander,
                199.0,
                Some(lifter),
            ),
            (
                "not large enough",
                vec![body(147.0, 325.0, 290.0)],
                bystander,
                199.0,
                None,
            ),
            (
                "the tracked person's own larger region",
                vec![same_lifter_larger],
                tracked_front,
                228.8,
                None,
            ),
            (
                "the largest of two",
                vec![body(300.0, 300.0, 320.0), lifter],
                bystander,
                199.0,
                Some(lifter),
            ),
            ("no larger than the first pose", vec![whole_lifter], shrunk, 220.0, None),
            ("nobody", vec![], bystander, 199.0, None),
        ];
        for (case, bodies, tracked, first_side, want) in cases {
            assert_eq!(
                larger_body(bodies.into_iter(), tracked, first_side, 640.0),
                want,
                "{case}"
            );
        }
        // Seed 97 clip 011 (640x360): a spurious region wider than a body standing in the frame.
        let spurious = body(137.5, 196.7, 635.2);
        let tracked = body(280.5, 191.8, 251.6);
        assert_eq!(larger_body([spurious].into_iter(), tracked, 257.1, 360.0), None);
        assert_eq!(
            larger_body([spurious].into_iter(), tracked, 257.1, 640.0),
            Some(spurious)
        );
    }
}
