//! The pose stage's result for one clip (keypoints, back outline, plate per frame, background
//! lines), and its
//! on-disk cache: re-analysing a clip with other thresholds skips decoding and inference.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use serde::{Deserialize, Serialize};

use crate::analysis::level::LineSegment;
use crate::analysis::{Analysis, AnalysisError, AnalysisInput, BackOutline, Config, LiftVariant, PlateCircle};
use crate::lines::{LifterBox, LineFinder};
use crate::output::{OutputError, write_atomically};
use crate::pipeline::{self, PipelineError, RunStats};
use crate::plate::{Plate, PlateFinder};
use crate::pose::blazepose::{BlazePose, LandmarkModel, PoseError};
use crate::pose::geometry::{Point, Roi};
use crate::pose::mask_head::{FeatureWindow, MaskFeatures, MaskHead};
use crate::pose::silhouette::{self, CropMask};
use crate::pose::{Pose, PoseFrame, landmark};
use crate::video::{Frame, VideoInfo, VideoReader, frames_in};

/// Stations sampled along the back, shoulder to hip (every 10% of the torso).
pub const BACK_OUTLINE_SAMPLES: usize = 11;
/// A foot is taken as pointing left or right when toe and heel differ by more than this fraction
/// of the shoulder-hip distance horizontally; less means the camera looks along the foot
/// (front or rear view) and the back outline is not measured.
const SIDE_VIEW_FOOT_FRACTION: f32 = 0.15;
/// Plates are searched at most this often per second of video: the Hough search costs about as
/// much as a fifth of the landmark model on 1080p frames, and the bar path is low-pass filtered
/// well below this rate anyway.
const PLATE_SEARCH_HZ: f64 = 15.0;
/// The background's straight lines (for the camera's roll) are searched on one frame a second,
/// on at most [`LINE_SEARCH_FRAMES`] frames: a still camera's background does not change, and
/// the lifter, moving, hides different parts of it. 10 ms a 1080p frame on the frame worker
/// (`cargo bench --bench pose -- extras/background_lines`), about 0.1 s a clip.
const LINE_SEARCH_HZ: f64 = 1.0;
const LINE_SEARCH_FRAMES: usize = 12;
/// The segmentation mask serves only the back outline, which is read on side views
/// ([`SideView`]): its shape while the trunk is inclined (`back_outline_min_trunk_deg`, 30
/// degrees by default), and its lean at lockout, where the plate hides the hip. Side-view
/// frames whose previous pose had the trunk at least this far from vertical
/// get the mask: a margin below 30 for a lower configured limit and for the frame the decision
/// lags.
const MASK_EVERY_FRAME_TRUNK_DEG: f32 = 20.0;
/// Other side-view frames get the mask at least this often per second of video: 3 or more
/// outlines in a lockout held 0.2 s (`checks::lockout::MIN_LOCKOUT_OUTLINES`), far above the
/// outline's 2 Hz low-pass (`back_cutoff_hz`). The frames in between run the landmark model
/// without its segmentation head, half the cost at one thread (`cargo bench --bench pose --
/// 'model/'`: 13.5 ms with the head, 6.6 without, the head alone 7.1).
const MASK_HZ: f64 = 15.0;

/// Every how many frames a standing lifter gets the mask at `fps`, so that it comes at least
/// [`MASK_HZ`] times a second (1: every frame, also when the rate is unknown).
fn mask_stride(fps: f64) -> usize {
    if fps.is_finite() && fps > MASK_HZ {
        (fps / MASK_HZ).floor() as usize
    } else {
        1
    }
}

/// Every how many frames a search that runs `hz` times a second runs at `fps` (1: every frame,
/// also when the rate is unknown).
fn search_stride(fps: f64, hz: f64) -> usize {
    if fps.is_finite() && fps > 0.0 {
        (fps / hz).round().max(1.0) as usize
    } else {
        1
    }
}

/// How long a side view is trusted after the near foot last pointed clearly left or right,
/// seconds. The foot test flickers from frame to frame (toe and heel keypoints behind a plate or
/// seen end-on for a moment): over the rendered side-view clips it fails on up to 38% of frames
/// (`python3 scripts/synth/measure.py side-on DIR...`), often at lockout, where the lean-back and
/// incomplete-lockout rules read the outline (rendered seed 203 clip 009 had outlines on 2 frames
/// of its lockout without this memory). The camera does not move, so a side view seen a moment
/// ago still is one.
const SIDE_VIEW_MEMORY_S: f64 = 0.3;

/// The per-frame side-view test with [`SIDE_VIEW_MEMORY_S`] of memory: whether the back outline
/// is read on a frame, and which way the lifter faces.
#[derive(Clone, Copy, Debug, Default)]
struct SideView {
    /// Index of the last frame whose near foot pointed left or right, and that direction on
    /// screen (+1 right, -1 left).
    last: Option<(usize, f32)>,
}

impl SideView {
    /// Takes the pose of frame `index` into account.
    fn see(&mut self, index: usize, pose: &Pose) {
        if let Some(facing) = foot_direction(pose) {
            self.last = Some((index, facing));
        }
    }

    /// The facing direction when frame `index` of a clip at `fps` counts as a side view.
    fn facing_at(&self, index: usize, fps: f64) -> Option<f32> {
        // At least the frame just seen: the mask for a frame is decided on the one before.
        let memory = frames_in(SIDE_VIEW_MEMORY_S, fps).unwrap_or(1);
        self.last
            .filter(|&(seen, _)| index.saturating_sub(seen) <= memory)
            .map(|(_, facing)| facing)
    }
}

/// Whether frame `next` gets the segmentation mask, after a frame whose pose was `last`.
fn mask_after(info: &VideoInfo, next: usize, last: &Pose, side: &SideView) -> bool {
    side.facing_at(next, info.fps).is_some()
        && (next.is_multiple_of(mask_stride(info.fps)) || last.trunk_from_vertical_deg() >= MASK_EVERY_FRAME_TRUNK_DEG)
}

/// Bump when the cached layout or the pose stage's output changes.
pub const CACHE_FORMAT_VERSION: u32 = 23;

/// Everything the analysis needs from the video, frame by frame.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PoseTrack {
    pub video: VideoInfo,
    pub frames: Vec<PoseFrame>,
    /// Dorsal edge of the silhouette from shoulder to hip (side views), frame pixels; only on
    /// frames that got the segmentation mask (see `MASK_HZ`).
    pub back: Vec<Option<Vec<Point>>>,
    /// The near plate around the hands, where one was found (searched at about
    /// `PLATE_SEARCH_HZ`; `None` on frames in between).
    pub plates: Vec<Option<Plate>>,
    /// Long, near-upright straight lines of the background, from a few frames (see
    /// `LINE_SEARCH_HZ`), frame pixels: they show the camera's roll.
    pub lines: Vec<LineSegment>,
    /// The frame from which tracking follows the lifter, where it followed someone else from the
    /// start of the clip until then ([`BlazePose::switched_person_at`]); the frames before hold
    /// no pose. (Format 23; a track without it still reads, as no move.)
    #[serde(default)]
    pub switched_to_lifter_at: Option<usize>,
}

/// The near side's (shoulder, hip, wrist, heel, toe) indices: the side with the higher
/// visibility on this frame.
fn near_side(pose: &Pose) -> [usize; 5] {
    use landmark::*;
    let left = [LEFT_SHOULDER, LEFT_HIP, LEFT_WRIST, LEFT_HEEL, LEFT_FOOT_INDEX];
    let right = [RIGHT_SHOULDER, RIGHT_HIP, RIGHT_WRIST, RIGHT_HEEL, RIGHT_FOOT_INDEX];
    let score = |side: &[usize; 5]| -> f32 { side.iter().map(|&i| pose.keypoints[i].visibility).sum() };
    if score(&left) >= score(&right) { left } else { right }
}

fn side_on(foot_dx: f32, torso: f32) -> bool {
    foot_dx.abs() > SIDE_VIEW_FOOT_FRACTION * torso
}

/// Which way the near foot points on screen (+1 right, -1 left), when it clearly points left or
/// right (a side view).
fn foot_direction(pose: &Pose) -> Option<f32> {
    let [shoulder, hip, _, heel, toe] = near_side(pose);
    let foot_dx = point(pose, toe).x - point(pose, heel).x;
    side_on(foot_dx, point(pose, shoulder).distance(point(pose, hip))).then(|| foot_dx.signum())
}

fn point(pose: &Pose, i: usize) -> Point {
    Point::new(pose.keypoints[i].x, pose.keypoints[i].y)
}

/// What the back outline needs from a frame's pose, besides the mask: the near shoulder and hip
/// and the lifter's direction on screen (+1 right, -1 left).
#[derive(Clone, Copy)]
struct OutlineSpan {
    shoulder: Point,
    hip: Point,
    facing: f32,
}

impl OutlineSpan {
    /// `facing` where the frame counts as a side view ([`SideView`]); otherwise no outline.
    fn new(pose: &Pose, facing: Option<f32>) -> Option<Self> {
        let [shoulder, hip, ..] = near_side(pose);
        facing.map(|facing| OutlineSpan {
            shoulder: point(pose, shoulder),
            hip: point(pose, hip),
            facing,
        })
    }

    fn outline(self, mask: &CropMask) -> Option<Vec<Point>> {
        silhouette::back_outline(mask, self.shoulder, self.hip, self.facing, BACK_OUTLINE_SAMPLES)
    }

    /// The part of the crop `roi` the segmentation head needs to run on for [`Self::outline`]
    /// (the outline's reach and the head's margin); `None` when there is no outline to read.
    fn mask_window(self, roi: &Roi) -> Option<FeatureWindow> {
        FeatureWindow::for_back_outline(roi, self.shoulder, self.hip, self.facing)
    }
}

/// A frame's segmentation mask still to compute (see [`BlazePose::take_mask_head`]), and the
/// back outline to read from it.
struct MaskJob {
    position: usize,
    features: MaskFeatures,
    span: OutlineSpan,
}

impl MaskJob {
    /// Runs the head on the part of the crop the back outline reads (a fraction of the whole
    /// crop's cost) and reads the outline.
    fn outline(&self, head: &mut MaskHead) -> Result<Option<Vec<Point>>, PoseError> {
        let Some(window) = self.span.mask_window(&self.features.roi()) else {
            return Ok(None);
        };
        let mask = head.run(&self.features, window)?;
        Ok(self.span.outline(&mask))
    }
}

/// What the plate search needs from a frame's pose: its position in the clip, the near wrist
/// and the torso length in pixels.
struct PlateSearch {
    position: usize,
    wrist: Point,
    torso: f32,
}

impl PlateSearch {
    fn new(position: usize, pose: &Pose) -> Self {
        let [shoulder, hip, wrist, _, _] = near_side(pose);
        PlateSearch {
            position,
            wrist: point(pose, wrist),
            torso: point(pose, shoulder).distance(point(pose, hip)),
        }
    }
}

/// The box around all of a pose's keypoints.
fn lifter_box(pose: &Pose) -> LifterBox {
    let mut b = LifterBox {
        min: Point::new(f32::INFINITY, f32::INFINITY),
        max: Point::new(f32::NEG_INFINITY, f32::NEG_INFINITY),
    };
    for k in pose.keypoints.iter().filter(|k| k.x.is_finite() && k.y.is_finite()) {
        b.min = Point::new(b.min.x.min(k.x), b.min.y.min(k.y));
        b.max = Point::new(b.max.x.max(k.x), b.max.y.max(k.y));
    }
    b
}

/// What the frame worker does with a frame: search it for the plate, for background lines
/// (around the lifter's box), compute its mask and back outline, or several of these.
struct FrameJob {
    plate: Option<PlateSearch>,
    lines: Option<LifterBox>,
    mask: Option<MaskJob>,
    /// The first job since the pose stage moved to another person
    /// ([`BlazePose::switched_person_at`]): what the worker kept of the one before (the plate
    /// finder's torso, background lines found around them) goes.
    new_person: bool,
}

/// Runs the pose stage on a clip. `on_progress(done, total)` is called after every frame.
///
/// The plate search runs on the pipeline's frame worker, in frame order, so the plate finder
/// sees the frames as it would on one thread. So does the segmentation head when the estimator
/// has one of its own ([`BlazePose::take_mask_head`]) and a core to spare
/// ([`BlazePose::mask_on_worker`]): the next frame's pose does not wait for it. Otherwise the
/// head runs right after each frame's keypoints. The masks, and so the back outlines, are the
/// same either way.
pub fn track_clip(
    path: &Path,
    estimator: &mut BlazePose,
    on_progress: impl FnMut(usize, usize),
) -> Result<(PoseTrack, RunStats), PipelineError> {
    track_opened(VideoReader::open(path)?, estimator, on_progress)
}

/// [`track_clip`] on a clip already opened (by a caller that opened it to check it first:
/// opening probes the stream, which decodes a few frames).
pub fn track_opened(
    reader: VideoReader,
    estimator: &mut BlazePose,
    mut on_progress: impl FnMut(usize, usize),
) -> Result<(PoseTrack, RunStats), PipelineError> {
    let path = reader.info().path.clone();
    let mut frames = Vec::new();
    let mut back = Vec::new();
    let mut found_plates: Vec<(usize, Plate)> = Vec::new();
    let mut finder = PlateFinder::default();
    let mut lines = Vec::new();
    let mut line_searches = 0;
    // Without the detector the clip is still analysed, as filmed.
    let mut line_finder = LineFinder::new().ok();
    let mask_head = estimator.take_mask_head();
    let head_time_before = mask_head.as_ref().map(MaskHead::time).unwrap_or_default();
    let defer_masks = mask_head.is_some();
    // The head runs on the frame worker, or here, right after the keypoints.
    let (mut inline_head, mut worker_head) = if estimator.mask_on_worker() {
        (None, mask_head)
    } else {
        (mask_head, None)
    };
    let mut found_backs: Vec<(usize, Vec<Point>)> = Vec::new();
    let mut mask_error = None;
    let mut inline_mask_error = None;
    // A failing segmentation head fails every frame alike: the run stops at the first failure
    // instead of going through the clip (the worker's failure shows at the next frame's consumer).
    let head_failed = AtomicBool::new(false);
    const HEAD_FAILED: &str = "the segmentation head failed";
    // Feature buffers go back and forth between the two threads instead of being allocated per
    // frame: a handful in all.
    let (spare_features_tx, spare_features) = std::sync::mpsc::channel::<MaskFeatures>();
    let worker_spares = spare_features_tx.clone();
    // Updated with each frame's pose before the mask decision for the next frame and before that
    // frame's extras, which both read it.
    let side = std::cell::Cell::new(SideView::default());
    let decide_mask = |info: &VideoInfo, next: usize, last: &Pose| {
        let mut seen = side.get();
        seen.see(next.saturating_sub(1), last);
        side.set(seen);
        mask_after(info, next, last, &seen)
    };
    // Set when the pose stage moves to another person, until a job takes it to the worker.
    let mut new_person = false;
    let on_frame = |info: &VideoInfo, frame: &Frame, pose_frame: &PoseFrame, estimator: &mut BlazePose| {
        if head_failed.load(Ordering::Relaxed) {
            return Err(HEAD_FAILED.to_string());
        }
        if estimator.switched_person_at() == Some(frames.len()) {
            // Someone else was followed so far: their facing and line searches do not count.
            let mut seen = SideView::default();
            if let Some(pose) = &pose_frame.pose {
                seen.see(frame.index, pose);
            }
            side.set(seen);
            line_searches = 0;
            new_person = true;
        }
        let search_plate = frame.index.is_multiple_of(search_stride(info.fps, PLATE_SEARCH_HZ));
        let search_lines =
            line_searches < LINE_SEARCH_FRAMES && frame.index.is_multiple_of(search_stride(info.fps, LINE_SEARCH_HZ));
        let (b, job) = match &pose_frame.pose {
            Some(pose) => {
                let span = OutlineSpan::new(pose, side.get().facing_at(frame.index, info.fps));
                let mut outline = None;
                let mut mask = None;
                if let Some(span) = span {
                    if defer_masks {
                        let mut features = spare_features.try_recv().unwrap_or_default();
                        if estimator.take_mask_features(&mut features) {
                            let job = MaskJob {
                                position: frames.len(),
                                features,
                                span,
                            };
                            match inline_head.as_mut() {
                                Some(head) => {
                                    match job.outline(head) {
                                        Ok(found) => outline = found,
                                        Err(error) => {
                                            inline_mask_error = Some(error);
                                            return Err(HEAD_FAILED.to_string());
                                        }
                                    }
                                    let _ = spare_features_tx.send(job.features);
                                }
                                None => mask = Some(job),
                            }
                        } else {
                            let _ = spare_features_tx.send(features);
                        }
                    } else {
                        outline = estimator.crop_mask().and_then(|mask| span.outline(&mask));
                    }
                }
                let mut job = FrameJob {
                    plate: search_plate.then(|| PlateSearch::new(frames.len(), pose)),
                    lines: search_lines.then(|| lifter_box(pose)),
                    mask,
                    new_person: false,
                };
                line_searches += usize::from(search_lines);
                let wanted = job.plate.is_some() || job.lines.is_some() || job.mask.is_some();
                if wanted {
                    job.new_person = std::mem::take(&mut new_person);
                }
                (outline, wanted.then_some(job))
            }
            None => (None, None),
        };
        frames.push(pose_frame.clone());
        back.push(b);
        on_progress(frames.len(), info.frame_count);
        Ok(job)
    };
    let search = |frame: &Frame, job: FrameJob| {
        if job.new_person {
            finder.forget_torso();
            lines.clear();
        }
        if let (Some(masking), Some(head)) = (job.mask, worker_head.as_mut()) {
            match masking.outline(head) {
                Ok(Some(outline)) => found_backs.push((masking.position, outline)),
                Ok(None) => {}
                Err(error) => {
                    mask_error.get_or_insert(error);
                    head_failed.store(true, Ordering::Relaxed);
                }
            }
            let _ = worker_spares.send(masking.features);
        }
        // A failed plate search is not worth failing the clip for: the wrists still give the bar.
        if let Some(plate_search) = job.plate
            && let Ok(Some(plate)) = finder.find(&frame.image, plate_search.wrist, plate_search.torso)
        {
            found_plates.push((plate_search.position, plate));
        }
        // Nor is a failed line search: the clip is then analysed as filmed.
        if let (Some(lifter), Some(line_finder)) = (job.lines, line_finder.as_mut())
            && let Ok(found) = line_finder.find(&frame.image, Some(lifter))
        {
            lines.extend(found);
        }
    };
    let mut run = pipeline::run_pose(reader, estimator, decide_mask, on_frame, search);
    let mask_error = inline_mask_error.or(mask_error);
    if let Some(head) = inline_head.or(worker_head) {
        // The head's time is the models' time too, wherever it ran.
        let head_time = head.time() - head_time_before;
        estimator.restore_mask_head(head);
        if let Ok((_, stats)) = &mut run {
            stats.mask_head_on_worker = estimator.mask_on_worker();
            stats.models.inference += head_time;
            stats.models.landmark += head_time;
        }
    }
    // The head's own error, not the stop it caused.
    if let Some(error) = mask_error {
        return Err(PipelineError::Pose { path, error });
    }
    let (video, mut stats) = run?;
    // Tracking moved early to a larger person, the lifter: the frames before were someone else.
    if new_person {
        // No job after the move took the news to the worker.
        lines.clear();
    }
    let someone_else = estimator.switched_person_at().unwrap_or(0).min(frames.len());
    for frame in &mut frames[..someone_else] {
        stats.frames_with_pose -= usize::from(frame.pose.take().is_some());
    }
    back[..someone_else].fill(None);
    found_backs.retain(|&(position, _)| position >= someone_else);
    found_plates.retain(|&(position, _)| position >= someone_else);
    for (position, outline) in found_backs {
        if let Some(slot) = back.get_mut(position) {
            *slot = Some(outline);
        }
    }
    let mut plates = vec![None; frames.len()];
    for (position, plate) in found_plates {
        if let Some(slot) = plates.get_mut(position) {
            *slot = Some(plate);
        }
    }
    keep_consistent_plates(&frames, &mut plates);
    Ok((
        PoseTrack {
            video,
            frames,
            back,
            plates,
            lines,
            switched_to_lifter_at: (someone_else > 0).then_some(someone_else),
        },
        stats,
    ))
}

/// A found plate must keep this offset from the wrist (within this fraction of its radius) to
/// count: the plate moves rigidly with the hands, whereas stray circles (knees, background
/// discs) stay put or move differently. Wrist keypoints behind a plate jitter by about a quarter
/// of the plate's radius (measured on the real calibration clips), hence 0.35.
const PLATE_OFFSET_TOLERANCE_RADII: f32 = 0.35;
/// Unless at least this share of the found plates agree with each other, none is trusted.
const PLATE_MIN_AGREEMENT: f32 = 0.5;
/// The plate is a circle only when the camera looks along the bar (a side view), where the two
/// shoulders nearly overlap: above this shoulder-to-shoulder distance (in torso lengths, median
/// over the clip) the view is frontal or oblique, plates are ellipses and none is trusted.
const PLATE_MAX_SHOULDER_SPREAD: f32 = 0.35;

fn median(mut values: Vec<f32>) -> Option<f32> {
    values.sort_by(f32::total_cmp);
    values.get(values.len() / 2).copied()
}

/// Median shoulder-to-shoulder distance over torso length: about 0 in a side view, 0.6-0.8 from
/// the front or back.
fn shoulder_spread(frames: &[PoseFrame]) -> Option<f32> {
    median(
        frames
            .iter()
            .filter_map(|f| f.pose.as_ref())
            .filter_map(|p| {
                let (ls, rs) = (point(p, landmark::LEFT_SHOULDER), point(p, landmark::RIGHT_SHOULDER));
                let (lh, rh) = (point(p, landmark::LEFT_HIP), point(p, landmark::RIGHT_HIP));
                let mid = |a: Point, b: Point| Point::new((a.x + b.x) / 2.0, (a.y + b.y) / 2.0);
                let torso = mid(ls, rs).distance(mid(lh, rh));
                (torso > 1.0).then(|| ls.distance(rs) / torso)
            })
            .collect(),
    )
}

/// Keeps only plate detections that are the bar's plate: in a side view, moving rigidly with
/// the hands. Each detection's offset from the wrist is compared with the clip's median offset;
/// if too few agree, the circles were something else and all are dropped. The plate's size
/// does not change, so agreeing detections get the clip's median radius (the Hough search also
/// finds a bumper plate's inner rim, with the same centre).
pub fn keep_consistent_plates(frames: &[PoseFrame], plates: &mut [Option<Plate>]) {
    if shoulder_spread(frames).is_none_or(|s| s > PLATE_MAX_SHOULDER_SPREAD) {
        plates.iter_mut().for_each(|p| *p = None);
        return;
    }
    let offsets: Vec<(usize, Point, f32)> = frames
        .iter()
        .zip(plates.iter())
        .enumerate()
        .filter_map(|(i, (f, p))| {
            let (pose, plate) = (f.pose.as_ref()?, p.as_ref()?);
            let wrist = point(pose, near_side(pose)[2]);
            Some((
                i,
                Point::new(plate.center.x - wrist.x, plate.center.y - wrist.y),
                plate.radius,
            ))
        })
        .collect();
    let (Some(dx), Some(dy), Some(radius)) = (
        median(offsets.iter().map(|o| o.1.x).collect()),
        median(offsets.iter().map(|o| o.1.y).collect()),
        median(offsets.iter().map(|o| o.2).collect()),
    ) else {
        return;
    };
    let typical = Point::new(dx, dy);
    let agrees = |o: &(usize, Point, f32)| o.1.distance(typical) <= PLATE_OFFSET_TOLERANCE_RADII * radius;
    let agreeing: Vec<&(usize, Point, f32)> = offsets.iter().filter(|o| agrees(o)).collect();
    let trusted = agreeing.len() as f32 >= PLATE_MIN_AGREEMENT * offsets.len() as f32;
    let plate_radius = median(agreeing.iter().map(|o| o.2).collect()).unwrap_or(radius);
    for o in &offsets {
        match &mut plates[o.0] {
            Some(p) if trusted && agrees(o) => p.radius = plate_radius,
            p => *p = None,
        }
    }
}

/// Where cached tracks live: `$LIFTCHECK_CACHE`, else `$XDG_CACHE_HOME/liftcheck`, else
/// `~/.cache/liftcheck`.
pub fn default_cache_dir() -> Option<PathBuf> {
    cache_dir_from(
        std::env::var_os("LIFTCHECK_CACHE"),
        std::env::var_os("XDG_CACHE_HOME"),
        std::env::var_os("HOME"),
    )
}

/// [`default_cache_dir`] from the variables' values. An empty value counts as unset (a shell's
/// `LIFTCHECK_CACHE= liftcheck ...` would otherwise fill the working folder with cache files),
/// and so does a relative `XDG_CACHE_HOME`, which the XDG base directory specification says to
/// ignore.
fn cache_dir_from(
    liftcheck_cache: Option<OsString>,
    xdg_cache_home: Option<OsString>,
    home: Option<OsString>,
) -> Option<PathBuf> {
    let set = |value: Option<OsString>| value.filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(dir) = set(liftcheck_cache) {
        return Some(dir);
    }
    if let Some(dir) = set(xdg_cache_home).filter(|d| d.is_absolute()) {
        return Some(dir.join("liftcheck"));
    }
    set(home).map(|h| h.join(".cache/liftcheck"))
}

/// What makes two pose runs interchangeable: the video's bytes and the pose settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheKey {
    pub video_sha256: String,
    pub model: LandmarkModel,
    /// The model files the keypoints came from ([`crate::models::ModelStore::digest`]): other
    /// weights under the same names (`--models`) give other keypoints.
    pub models_sha256: String,
    pub lifter: String,
    pub format: u32,
    pub liftcheck_version: String,
}

impl CacheKey {
    /// The key for a video whose bytes hash to `video_sha256` ([`crate::models::file_sha256_hex`]).
    pub fn new(video_sha256: String, model: LandmarkModel, models_sha256: String, lifter: String) -> Self {
        Self {
            video_sha256,
            model,
            models_sha256,
            lifter,
            format: CACHE_FORMAT_VERSION,
            liftcheck_version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }

    /// File name for this key in the cache folder.
    pub fn file_name(&self) -> String {
        let settings = serde_json::to_string(self).unwrap_or_default();
        let digest = crate::models::sha256_hex(settings.as_bytes());
        format!("track-{}.json", &digest[..32])
    }
}

#[derive(Serialize, Deserialize)]
struct CacheFile {
    key: CacheKey,
    track: PoseTrack,
}

/// A cached track for `key`, if one exists and is intact; anything unreadable is ignored (and
/// will be overwritten by the next store).
pub fn load_cached(dir: &Path, key: &CacheKey) -> Option<PoseTrack> {
    let bytes = std::fs::read(dir.join(key.file_name())).ok()?;
    let file: CacheFile = serde_json::from_slice(&bytes).ok()?;
    let consistent = file.key == *key
        && file.track.frames.len() == file.track.back.len()
        && file.track.frames.len() == file.track.plates.len();
    consistent.then_some(file.track)
}

pub fn store_cached(dir: &Path, key: &CacheKey, track: &PoseTrack) -> Result<(), OutputError> {
    std::fs::create_dir_all(dir).map_err(|error| OutputError::Write {
        path: dir.to_path_buf(),
        error,
    })?;
    let file = CacheFile {
        key: key.clone(),
        track: track.clone(),
    };
    write_atomically(&dir.join(key.file_name()), |w| {
        serde_json::to_writer(w, &file).map_err(std::io::Error::other)
    })
}

impl PoseTrack {
    /// The back outlines and plates in the analysis engine's types, for [`PoseTrack::input`].
    pub fn analysis_extras(&self) -> AnalysisExtras {
        AnalysisExtras {
            back: self
                .back
                .iter()
                .map(|b| b.as_ref().map(|points| BackOutline { points: points.clone() }))
                .collect(),
            plates: self
                .plates
                .iter()
                .map(|p| {
                    p.map(|p| PlateCircle {
                        center: p.center,
                        radius: p.radius,
                    })
                })
                .collect(),
        }
    }

    /// The analysis engine's input: this track's frames with `extras` from
    /// [`PoseTrack::analysis_extras`].
    pub fn input<'a>(&'a self, extras: &'a AnalysisExtras) -> AnalysisInput<'a> {
        AnalysisInput {
            width: self.video.width,
            height: self.video.height,
            fps: self.video.fps,
            frames: &self.frames,
            back: &extras.back,
            plates: &extras.plates,
            lines: &self.lines,
        }
    }

    /// Runs the analysis engine on this track.
    pub fn analyze(&self, variant: LiftVariant, config: &Config) -> Result<Analysis, AnalysisError> {
        let extras = self.analysis_extras();
        crate::analysis::analyze(&self.input(&extras), variant, config)
    }
}

/// Per-frame back outlines and plates converted for the analysis engine, which borrows them.
pub struct AnalysisExtras {
    pub back: Vec<Option<BackOutline>>,
    pub plates: Vec<Option<PlateCircle>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`crate::pose::test_trunk`] with the feet seen from the side or from the front.
    fn pose(trunk_deg: f32, side_view: bool) -> Pose {
        let mut pose = crate::pose::test_trunk(trunk_deg);
        for (heel, toe) in [
            (landmark::LEFT_HEEL, landmark::LEFT_FOOT_INDEX),
            (landmark::RIGHT_HEEL, landmark::RIGHT_FOOT_INDEX),
        ] {
            (pose.keypoints[heel].x, pose.keypoints[heel].y) = (100.0, 400.0);
            (pose.keypoints[toe].x, pose.keypoints[toe].y) = (if side_view { 125.0 } else { 102.0 }, 400.0);
        }
        pose
    }

    #[test]
    fn mask_cases() {
        let at = |fps: f64| VideoInfo {
            path: PathBuf::from("clip.mp4"),
            width: 640,
            height: 360,
            fps,
            frame_count: 100,
            rotation_applied: 0,
            codec: "h264".into(),
        };
        // (fps, next frame's index, previous pose's trunk angle, side view, mask wanted)
        let cases = [
            (30.0, 2, 5.0, true, true),
            (30.0, 1, 5.0, true, false),
            (30.0, 1, 25.0, true, true),
            (30.0, 1, 60.0, false, false),
            (30.0, 2, 5.0, false, false),
            (25.0, 1, 5.0, true, true),
            (60.0, 2, 0.0, true, false),
            (60.0, 4, 0.0, true, true),
            (f64::NAN, 3, 0.0, true, true),
        ];
        for (fps, index, trunk, side, want) in cases {
            let last = pose(trunk, side);
            let mut seen = SideView::default();
            seen.see(index - 1, &last);
            assert_eq!(
                mask_after(&at(fps), index, &last, &seen),
                want,
                "{fps} fps, frame {index}, trunk {trunk}, side view {side}"
            );
        }
    }

    #[test]
    fn plate_search_rate() {
        // (fps, searched every how many frames)
        let cases = [
            (30.0, 2),
            (29.97, 2),
            (60.0, 4),
            (59.94, 4),
            (25.0, 2),
            (24.0, 2),
            (15.0, 1),
            (10.0, 1),
            (0.0, 1),
            (f64::NAN, 1),
            (f64::INFINITY, 1),
        ];
        for (fps, want) in cases {
            assert_eq!(search_stride(fps, PLATE_SEARCH_HZ), want, "{fps} fps");
        }
    }

    /// A side view stays one for a moment after the foot last pointed left or right, with the
    /// direction it pointed, however the foot is seen meanwhile (end-on here); after that moment
    /// it ends.
    #[test]
    fn side_view_is_remembered_for_a_moment() {
        let fps = 30.0;
        let memory = (SIDE_VIEW_MEMORY_S * fps).round() as usize;
        let mut seen = SideView::default();
        assert_eq!(seen.facing_at(0, fps), None, "nothing seen yet");
        seen.see(10, &pose(5.0, true));
        // (frame, foot end-on on it, facing wanted)
        let cases = [
            (10, false, Some(1.0)),
            (11, true, Some(1.0)),
            (10 + memory, true, Some(1.0)),
            (11 + memory, true, None),
        ];
        for (index, end_on, want) in cases {
            let mut now = seen;
            if end_on {
                now.see(index, &pose(5.0, false));
            }
            assert_eq!(now.facing_at(index, fps), want, "frame {index}");
        }
        let mut mirrored = pose(5.0, true);
        for toe in [landmark::LEFT_FOOT_INDEX, landmark::RIGHT_FOOT_INDEX] {
            mirrored.keypoints[toe].x = 75.0;
        }
        seen.see(12, &mirrored);
        assert_eq!(seen.facing_at(12, fps), Some(-1.0), "facing left");
    }

    #[test]
    fn cache_dir_from_the_environment() {
        // (case, LIFTCHECK_CACHE, XDG_CACHE_HOME, HOME, the cache folder); "-" is unset.
        let cases = [
            ("liftcheck's own variable first", "/c", "/x", "/h", Some("/c")),
            ("a relative one is the user's choice", "cache", "-", "/h", Some("cache")),
            ("an empty one counts as unset", "", "/x", "/h", Some("/x/liftcheck")),
            ("XDG, relative, is ignored", "-", "x", "/h", Some("/h/.cache/liftcheck")),
            ("XDG, empty, is ignored", "-", "", "/h", Some("/h/.cache/liftcheck")),
            ("nothing set: no cache", "-", "-", "", None),
        ];
        let var = |s: &str| (s != "-").then(|| OsString::from(s));
        for (name, own, xdg, home, want) in cases {
            assert_eq!(
                cache_dir_from(var(own), var(xdg), var(home)),
                want.map(PathBuf::from),
                "{name}"
            );
        }
    }

    fn key() -> CacheKey {
        CacheKey {
            video_sha256: "ab".repeat(32),
            model: LandmarkModel::Full,
            models_sha256: "cd".repeat(32),
            lifter: "auto".into(),
            format: CACHE_FORMAT_VERSION,
            liftcheck_version: "0".into(),
        }
    }

    fn track() -> PoseTrack {
        PoseTrack {
            video: VideoInfo {
                path: "clip.mp4".into(),
                width: 64,
                height: 48,
                fps: 30.0,
                frame_count: 1,
                rotation_applied: 0,
                codec: "h264".into(),
            },
            frames: vec![PoseFrame {
                index: 0,
                time_s: 0.0,
                pose: None,
            }],
            back: vec![None],
            plates: vec![Some(Plate {
                center: Point::new(1.0, 2.0),
                radius: 3.0,
            })],
            lines: vec![LineSegment {
                a: Point::new(0.1, 0.2),
                b: Point::new(3.3, 40.7),
            }],
            switched_to_lifter_at: None,
        }
    }

    /// A cached track is the track, to the last bit: the analysis of a clip must not depend on
    /// whether its keypoints came from the cache. JSON numbers parsed the fast way came back a
    /// unit in the last place off for 17 of a rendered clip's 300 frame times (0.23333333333333336
    /// for 7/30), which moved its lockout by a frame and changed a finding between the first and
    /// the second run (seed 201 clip 007).
    #[test]
    fn a_cached_track_is_bit_for_bit_the_stored_one() {
        let dir = tempfile::tempdir().expect("dir");
        let mut stored = track();
        let pose = Pose {
            keypoints: [crate::pose::Keypoint {
                x: 123.456_79,
                y: 0.1 + 0.2,
                z: -1.0e-7,
                visibility: 0.999_999_9,
                presence: 1.0 / 3.0,
            }; crate::pose::NUM_KEYPOINTS],
            score: 0.7,
        };
        stored.frames = (0..300)
            .map(|i| PoseFrame {
                index: i,
                time_s: i as f64 / 30.0,
                pose: Some(pose.clone()),
            })
            .collect();
        stored.back = vec![None; 300];
        stored.plates = vec![None; 300];
        stored.back[7] = Some(vec![Point::new(1.0 / 3.0, 2.0 / 3.0)]);
        store_cached(dir.path(), &key(), &stored).expect("store");
        let loaded = load_cached(dir.path(), &key()).expect("cached");
        let times = |t: &PoseTrack| t.frames.iter().map(|f| f.time_s.to_bits()).collect::<Vec<_>>();
        assert_eq!(times(&loaded), times(&stored));
        assert_eq!(loaded.frames, stored.frames);
        assert_eq!(loaded.back, stored.back);
    }

    /// The move to the lifter is kept; a track written without it still reads, as no move.
    #[test]
    fn the_move_to_the_lifter_is_kept_and_may_be_missing() {
        let mut moved = track();
        moved.switched_to_lifter_at = Some(3);
        let mut json = serde_json::to_value(&moved).expect("serialise");
        let read: PoseTrack = serde_json::from_value(json.clone()).expect("read");
        assert_eq!(read.switched_to_lifter_at, Some(3));
        let removed = json.as_object_mut().and_then(|o| o.remove("switched_to_lifter_at"));
        assert_eq!(removed, Some(serde_json::json!(3)));
        let read: PoseTrack = serde_json::from_value(json).expect("a track without it reads");
        assert_eq!(read.switched_to_lifter_at, None);
    }

    #[test]
    fn round_trip_and_key_mismatch() {
        let dir = tempfile::tempdir().expect("dir");
        store_cached(dir.path(), &key(), &track()).expect("store");
        let loaded = load_cached(dir.path(), &key()).expect("cached");
        assert_eq!(loaded.plates, track().plates);
        let mut other = key();
        other.model = LandmarkModel::Heavy;
        assert!(load_cached(dir.path(), &other).is_none());
        let mut other_weights = key();
        other_weights.models_sha256 = "ef".repeat(32);
        assert!(load_cached(dir.path(), &other_weights).is_none());
    }

    /// Every part of the key gives its own file name, and a file whose stored key is not the one
    /// asked for (renamed, or a name clash) is not served.
    #[test]
    fn every_part_of_the_key_counts() {
        let changes: [fn(&mut CacheKey); 6] = [
            |k| k.video_sha256 = "01".repeat(32),
            |k| k.model = LandmarkModel::Heavy,
            |k| k.models_sha256 = "23".repeat(32),
            |k| k.lifter = "0.3,0.6".into(),
            |k| k.format += 1,
            |k| k.liftcheck_version = "1".into(),
        ];
        let dir = tempfile::tempdir().expect("dir");
        for change in changes {
            let mut other = key();
            change(&mut other);
            assert_ne!(other.file_name(), key().file_name(), "{other:?}");
            // The other key's track stored under this key's file name.
            store_cached(dir.path(), &other, &track()).expect("store");
            std::fs::rename(dir.path().join(other.file_name()), dir.path().join(key().file_name())).expect("rename");
            assert!(load_cached(dir.path(), &key()).is_none(), "{other:?}");
        }
    }

    fn pose_with_wrist(x: f32, y: f32) -> PoseFrame {
        let mut keypoints = [crate::pose::Keypoint::default(); crate::pose::NUM_KEYPOINTS];
        let at = |x: f32, y: f32| crate::pose::Keypoint {
            x,
            y,
            z: 0.0,
            visibility: 1.0,
            presence: 1.0,
        };
        keypoints[landmark::LEFT_WRIST] = at(x, y);
        // A side view: both shoulders (and hips) in the same place.
        keypoints[landmark::LEFT_SHOULDER] = at(300.0, 100.0);
        keypoints[landmark::RIGHT_SHOULDER] = at(302.0, 100.0);
        keypoints[landmark::LEFT_HIP] = at(300.0, 250.0);
        keypoints[landmark::RIGHT_HIP] = at(302.0, 250.0);
        PoseFrame {
            index: 0,
            time_s: 0.0,
            pose: Some(Pose { keypoints, score: 1.0 }),
        }
    }

    fn plate(x: f32, y: f32, radius: f32) -> Option<Plate> {
        Some(Plate {
            center: Point::new(x, y),
            radius,
        })
    }

    #[test]
    fn plates_that_move_with_the_hands_are_kept_and_strays_dropped() {
        // The bar rises 100 px; the plate follows the wrist 20 px lower; one stray circle.
        let frames: Vec<PoseFrame> = (0..5)
            .map(|i| pose_with_wrist(300.0, 400.0 - 25.0 * i as f32))
            .collect();
        let mut plates: Vec<Option<Plate>> = (0..5).map(|i| plate(302.0, 420.0 - 25.0 * i as f32, 60.0)).collect();
        plates[3] = plate(250.0, 300.0, 60.0);
        keep_consistent_plates(&frames, &mut plates);
        assert_eq!(plates.iter().filter(|p| p.is_some()).count(), 4);
        assert!(plates[3].is_none());
    }

    #[test]
    fn plates_are_not_trusted_in_frontal_views() {
        let mut frames: Vec<PoseFrame> = (0..5)
            .map(|i| pose_with_wrist(300.0, 400.0 - 25.0 * i as f32))
            .collect();
        for f in &mut frames {
            if let Some(p) = f.pose.as_mut() {
                p.keypoints[landmark::RIGHT_SHOULDER].x = 400.0; // shoulders 100 px apart, torso 150
            }
        }
        let mut plates: Vec<Option<Plate>> = (0..5).map(|i| plate(302.0, 420.0 - 25.0 * i as f32, 60.0)).collect();
        keep_consistent_plates(&frames, &mut plates);
        assert!(plates.iter().all(Option::is_none));
    }

    #[test]
    fn circles_that_stay_put_while_the_hands_move_are_all_dropped() {
        // A knee-sized circle fixed in place while the wrist travels 200 px.
        let frames: Vec<PoseFrame> = (0..6)
            .map(|i| pose_with_wrist(300.0, 500.0 - 40.0 * i as f32))
            .collect();
        let mut plates: Vec<Option<Plate>> = (0..6).map(|_| plate(310.0, 420.0, 50.0)).collect();
        keep_consistent_plates(&frames, &mut plates);
        assert!(plates.iter().all(Option::is_none), "{plates:?}");
    }

    #[test]
    fn corrupt_cache_files_are_ignored() {
        let dir = tempfile::tempdir().expect("dir");
        for garbage in [&b""[..], b"{", b"{\"key\": 1}", b"\xff\xfe"] {
            std::fs::write(dir.path().join(key().file_name()), garbage).expect("write");
            assert!(load_cached(dir.path(), &key()).is_none());
        }
    }
}
