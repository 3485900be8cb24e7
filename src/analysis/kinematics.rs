//! From keypoints to cleaned tracks and per-frame angles and offsets.
//!
//! Side-view quantities are computed in a canonical frame: `X` points the way the lifter faces,
//! `Y` points up. A mirrored clip (x -> width - x, left and right swapped) has the opposite facing
//! and the other near side, so it lands on the same canonical numbers.

use crate::pose::landmark as lm;

use super::back;
use super::config::Config;
use super::level::Leveller;
use super::reps::Detected;
use super::signal::{self, CleanParams};
use super::view::{BodySide, View, ViewEstimate};
use super::{AnalysisError, AnalysisInput, BarSource, FrameMetrics, Phase};

/// Landmarks the analysis uses; the others are not cleaned.
const USED: [usize; 21] = [
    lm::NOSE,
    lm::LEFT_EAR,
    lm::RIGHT_EAR,
    lm::LEFT_SHOULDER,
    lm::RIGHT_SHOULDER,
    lm::LEFT_ELBOW,
    lm::RIGHT_ELBOW,
    lm::LEFT_WRIST,
    lm::RIGHT_WRIST,
    lm::LEFT_HIP,
    lm::RIGHT_HIP,
    lm::LEFT_KNEE,
    lm::RIGHT_KNEE,
    lm::LEFT_ANKLE,
    lm::RIGHT_ANKLE,
    lm::LEFT_HEEL,
    lm::RIGHT_HEEL,
    lm::LEFT_FOOT_INDEX,
    lm::RIGHT_FOOT_INDEX,
    2, // left eye
    5, // right eye
];

/// Landmarks a plate in front of the lifter can hide in a side view.
const PLATE_HIDES: [usize; 10] = [
    lm::LEFT_HIP,
    lm::RIGHT_HIP,
    lm::LEFT_KNEE,
    lm::RIGHT_KNEE,
    lm::LEFT_ANKLE,
    lm::RIGHT_ANKLE,
    lm::LEFT_HEEL,
    lm::RIGHT_HEEL,
    lm::LEFT_FOOT_INDEX,
    lm::RIGHT_FOOT_INDEX,
];

/// A found plate stands for the frames within this time of it (the plate search runs at ~15 Hz
/// and misses some frames), moved with the hands in between, seconds.
const PLATE_HOLD_S: f64 = 0.25;

/// A wrist nearer its shoulder than this fraction of the arm's length is dropped as a guess
/// ([`Tracks::drop_short_arms`]). Measured with `scripts/synth/measure.py sanity` on the rendered
/// suites: true arms (shoulder to wrist) during the reps are never shorter than 0.81 of their
/// length (1st percentile 0.90), while the model's wrists nearer than 0.7 are off by a median of
/// 0.34-0.67 arm lengths (0.07 for those at 0.9 or more). Oblique views hold an arm against the
/// other arm on the same frame too ([`Tracks::drop_arms_shorter_than_their_partner`]): on the 61
/// rendered oblique clips the shorter true arm is never under 0.84 of the longer one
/// (`scripts/synth/measure.py arms`).
const STRAIGHT_ARM_MIN_FRAC: f64 = 0.7;

/// A wrist whose arm (from its shoulder) points further than this from straight down in the
/// image, degrees, is the pose model misplacing a hand: gripping a bar, or walking up to it, the
/// arms hang. On the rendered suites (`python3 scripts/synth/measure.py arm-angle DIR...`, the
/// fixtures and seeds 97, 201, 301, 303, 304, 306 and 333-336, every view) the true arm is at most
/// 30.5 degrees from straight down (99th percentile 15.9), while the model's wrists with the arm
/// past 30 degrees are off by a median of 0.73-0.93 arm lengths (0.05 under 30). The limit leaves
/// room for grips wider than the renders'. From the front such a hand, drawn up by the head,
/// lifted the bar's height at the bottom of the pull and cost a rep (held-out seed 404 clip 001).
pub const MAX_ARM_FROM_DOWN_DEG: f64 = 45.0;

/// Fewest usable frames for any analysis.
const MIN_USABLE_FRAMES: usize = 3;

/// A pose whose shoulders lie further than this from straight above the hips, degrees, is a
/// failed detection and the frame is treated as having no pose. No deadlift takes the trunk much
/// past horizontal (90); a pose turned upside down (150-180) is the pose model losing a small or
/// half-hidden lifter. Measured with `scripts/synth/measure.py sanity` on the rendered suites: the
/// true trunk reaches at most 94 degrees, the model's poses pass 120 on 155 frames; the bar
/// height read from such poses broke rep counting.
const MAX_TRUNK_FROM_UPRIGHT_DEG: f64 = 120.0;

/// A clip with a pose on most frames whose hip-to-ankle line is, on most of those frames, further
/// than this from straight down, degrees, is refused as rotated: a deadlifter's feet stay on the
/// floor under the hips (the true line is at most 29 degrees from straight down on the rendered
/// suites), whereas a video turned a quarter or half turn reads about 90 or 180. Over the
/// fixtures, every rendered suite and the real clips, the model's median is at most 34.3 degrees
/// on clips with a pose on most frames; two clips where the model mostly loses the lifter read 88
/// and 163, with a pose on 48% and 16% of their frames (`python3 scripts/synth/measure.py upright
/// DIR...`). A real clip turned a half turn (the sample, flipped with ffmpeg) still gets upright
/// skeletons on some frames from the pose stage's half-turn retry, so the median and not a low
/// percentile decides.
const NEVER_UPRIGHT_MIN_DEG: f64 = 60.0;

/// Likewise a pose whose ankles lie further than this from straight below the hips, degrees: the
/// feet stay on the floor under a deadlifter, so ankles level with or above the hips are a failed
/// detection (true hip-to-ankle line at most 29 degrees from vertical on the rendered suites; the
/// model's poses past 90 on 276 frames; with the trunk limit, 23 clips have such frames;
/// `scripts/synth/measure.py sanity`).
const MAX_LEGS_FROM_DOWN_DEG: f64 = 90.0;

/// The filter cut-off is lowered to this fraction of the frame rate when the configured one is too
/// close to the Nyquist frequency (half the frame rate).
const MAX_CUTOFF_FPS_FRAC: f64 = 0.4;

/// Below this frame rate the low-pass is skipped (too few samples per movement to filter).
const MIN_FILTER_FPS: f64 = 4.0;

/// Half-width of the running median over front/rear-view differences, seconds (calibrate: a
/// real imbalance lasts a good part of the pull, a glitch a frame or two).
const SUSTAIN_HALF_WINDOW_S: f64 = 0.1;

/// In a front or rear view, a left/right pair (shoulders, hips) whose horizontal span reads
/// under this fraction of its usual span (the clip's [`LR_SPAN_REFERENCE_PERCENTILE`]) is taken
/// as a misplaced joint, and the pair's tilt (the hips' also their sideways shift and the
/// hip-ankle lines the knees are judged against) is not read on that frame. Bending over the bar barely changes widths across the body seen from the front or
/// the rear (a rear camera 3.5 m away sees the shoulders about 0.5 m further off at the set-up:
/// 0.88 of their standing width). On the front and rear views of the rendered fixtures and seeds
/// 303, 304 and 333-335, the shoulder line's tilt (from the raw keypoints; the gate reads the
/// cleaned tracks) is off the render's by a median of 0.9 degrees where its span is 0.85-1.0 of
/// the usual, 5.3 between 0.65 and 0.75, and 11.8 under 0.5 (`python3 scripts/synth/measure.py
/// lr-span DIR...`), the hips a weaker step. The wrists are not gated: their span before the lift
/// (hands at the sides) can be wider than a sumo grip's. A good rear view there (seed 335 clip
/// 007) drew its shoulders 21-37 px apart at the set-up against 54 standing and read a 20-degree
/// imbalance from it. The left/right sets 401 and 403 have fewer narrow frames, read less off
/// (medians of 1.3-2.3 degrees between 0.5 and 0.75), and judge the same with or without this.
const LR_SPAN_MIN_FRACTION: f64 = 0.75;
/// Percentile of a left/right pair's span over the clip taken as its usual span (a high one: the
/// misplaced frames read narrow).
const LR_SPAN_REFERENCE_PERCENTILE: f64 = 90.0;
/// Front and rear views: a lifter standing tall holds the mid-shoulder over the mid-ankle, so the
/// line between them leans in the image by the camera's roll. It is read on frames before the
/// lifter first bends ([`BENT_HEIGHT_FRACTION`]) where the shoulders stand at least this fraction
/// of their greatest height above the ankles, as the median over at least
/// [`MIN_STANDING_FRAMES`] of them, and the left/right and knee lines are read turned back by
/// it. Measured (`python3 scripts/synth/measure.py roll DIR...`, the midline columns): 61 front
/// and rear clips filmed level (the fixtures, seeds 303, 333-336, 338, 401, 403-405) read -0.6 to
/// +1.0 degrees, hip shifts and uneven bars included; 6 clips rolled 1.0-7.7 degrees (seeds
/// 601, 602) read within 1.4 of the roll. A rolled camera otherwise turns the hips' rise from
/// the set-up into a sideways shift: 4 of the 11 false findings of seeds 601 and 602 were
/// left/right imbalances on front and rear views.
const STANDING_HEIGHT_FRACTION: f64 = 0.9;
/// The lifter has bent (reached for the bar) once the shoulders come under this fraction of
/// their greatest height above the ankles; only standing frames before that are read.
const BENT_HEIGHT_FRACTION: f64 = 0.8;
const MIN_STANDING_FRAMES: usize = 10;
/// The shoulders' greatest height above the ankles is taken as this percentile over the clip.
const TALLEST_PERCENTILE: f64 = 95.0;
/// A standing midline leaning further than this is not taken as the camera's roll.
const MAX_BODY_ROLL_DEG: f64 = 15.0;

/// Front/rear views: the lean of the standing lifter's mid-ankle-to-mid-shoulder line, degrees
/// clockwise on screen (the camera's roll, `STANDING_HEIGHT_FRACTION`); `None` when too few
/// standing frames show both shoulders and both ankles, or the lean is implausible.
pub fn standing_midline_lean_deg(t: &Tracks) -> Option<f64> {
    let mid = |j: Joint, f: usize| mean_point(t, j, &[BodySide::Left, BodySide::Right], f);
    // (shoulders' height above the ankles, lean) per frame with both pairs.
    let frames: Vec<(f64, f64)> = (0..t.n)
        .filter_map(|f| {
            let (s, a) = (mid(Joint::Shoulder, f)?, mid(Joint::Ankle, f)?);
            let height = a.1 - s.1;
            (height > 0.0).then(|| (height, (s.0 - a.0).atan2(height).to_degrees()))
        })
        .collect();
    // A high percentile, not the maximum: one misdrawn frame would raise it.
    let tallest = signal::percentile(frames.iter().map(|f| f.0), TALLEST_PERCENTILE);
    // Only before the lifter first bends: a lockout after a pull can hold the fault itself
    // (hips shifted to one side lean the midline: rendered seed 401 clip 000 read 1.0 degree
    // from its lockouts and lost its true hip shift).
    let first_bend = frames
        .iter()
        .position(|f| f.0 < BENT_HEIGHT_FRACTION * tallest)
        .unwrap_or(frames.len());
    let mut standing: Vec<f64> = frames[..first_bend]
        .iter()
        .filter(|f| f.0 >= STANDING_HEIGHT_FRACTION * tallest)
        .map(|f| f.1)
        .collect();
    if standing.len() < MIN_STANDING_FRAMES {
        return None;
    }
    let lean = signal::median_in_place(&mut standing);
    (lean.abs() <= MAX_BODY_ROLL_DEG).then_some(lean)
}

/// Standard competition plate diameter, cm: the image scale when a plate is seen.
pub const PLATE_DIAMETER_CM: f64 = 45.0;

/// The plate centre becomes the bar position when a plate is seen on at least this fraction of
/// the frames with a pose (calibrate): fewer sightings and the wrists are the steadier track.
const PLATE_MIN_FRACTION: f64 = 0.3;

/// Fewest frames with the near heel and toe confidently visible for a mid-foot (calibrate: a
/// third of a second at 30 fps; the feet do not move during a set, so a median over these is the
/// mid-foot).
const MIDFOOT_MIN_FRAMES: usize = 10;

/// A frame's knee further than this from the still ankle ([`Body::ankle`]), in leg lengths, is not
/// standing over it, and the frame's own ankle and toe give its knee and ankle angles. The shin is
/// about half the leg (Drillis & Contini: 0.246 and 0.245 of stature for shank and thigh) and
/// shows at most its length in the image; the rest is room for keypoint noise.
const STILL_ANKLE_MAX_SHIN_LEG_FRAC: f64 = 0.65;

/// Fewest plate sightings for a scale (a median over fewer is not robust).
const PLATE_MIN_SIGHTINGS: usize = 5;

/// Leg (hip-knee-ankle) length relative to the shoulder-hip distance, used when the legs are never
/// visible (anthropometric segment proportions, Drillis & Contini: ~0.49 vs ~0.29 of stature).
const LEG_PER_TRUNK: f64 = 1.7;
/// How far the bar sits below the wrist keypoint in the hands, leg lengths: the bar lies across
/// the fingers, a hand's width below the wrist (rendered side views, true keypoints: median 0.107,
/// 0.06-0.15 from the 10th to the 90th percentile with the arm's angle and the camera's,
/// `scripts/synth/measure.py wrist-bar`; a palm of about 9 cm on a leg of about 85 cm gives the
/// same).
const WRIST_ABOVE_BAR_LEG_FRAC: f64 = 0.1;

/// Least time with the hip, knee and ankle all in the cleaned tracks for a leg length from the
/// legs (at least [`MIDFOOT_MIN_FRAMES`] frames); with less the trunk gives it ([`LEG_PER_TRUNK`]).
/// The frames where a lifter leaving the picture or stepping out from behind the plate shows the
/// legs are few and foreshortened: on a clip that slides the lifter out of view after the
/// fixture's first rep, 2 such frames read a leg of 59 pixels against the trunk's 103, which put
/// the bar 25% of a leg ahead of mid-foot on a good rep (`tests/robustness.rs`,
/// `people_in_and_out_of_frame`). The same third of a second as the mid-foot's.
const LEG_MIN_S: f64 = 1.0 / 3.0;

/// Percentile of per-frame segment lengths taken as the true length: foreshortening only ever
/// shortens a segment in the image, so a high percentile is close to its full length.
const SEGMENT_LENGTH_PERCENTILE: f64 = 90.0;

/// Cleaned keypoint tracks, frame pixels, `NaN` where missing.
pub struct Tracks {
    pub n: usize,
    pub times: Vec<f64>,
    pub fps: f64,
    pub height: f64,
    /// Cleaned coordinates per landmark (empty for unused landmarks).
    pub x: Vec<Vec<f64>>,
    pub y: Vec<Vec<f64>>,
    /// Raw coordinates gated only by the presence of a pose and the landmark being in the frame
    /// (the view estimate needs the far side, whose visibility is low in a side view).
    pub raw_x: Vec<Vec<f64>>,
    pub raw_y: Vec<Vec<f64>>,
    /// Visibility per landmark and frame, 0 without a pose.
    pub vis: Vec<Vec<f64>>,
    /// Visibility-gated coordinates before cleaning (what [`Tracks::hide_behind_plate`] edits).
    pre_x: Vec<Vec<f64>>,
    pre_y: Vec<Vec<f64>>,
    pub params: CleanParams,
}

impl Tracks {
    /// What limits the numbers' precision goes into `notes` (a frame rate too low to filter),
    /// how the clip was read into `details`.
    /// `leveller`, when given, turns each keypoint into the levelled frame (the camera's roll
    /// undone) after the in-frame test, which reads the frame's own pixels.
    pub fn build(
        input: &AnalysisInput,
        leveller: Option<&Leveller>,
        cfg: &Config,
        notes: &mut Vec<String>,
        details: &mut Vec<String>,
    ) -> Result<Tracks, AnalysisError> {
        let n = input.frames.len();
        // The filters' windows and cut-off follow the frames' own timestamps, as every event and
        // duration does ([`Series::frames`]); the container's nominal rate can be far off (a
        // variable-rate phone clip, or the 1000 fps OpenCV reports for some WebM files).
        let fps = mean_frame_rate(&input.frames.iter().map(|f| f.time_s).collect::<Vec<_>>()).unwrap_or(input.fps);
        let (w, h) = (input.width as f64, input.height as f64);
        let params = clean_params(fps, h, cfg, notes);
        let k = crate::pose::NUM_KEYPOINTS;
        let mut x = vec![Vec::new(); k];
        let mut y = vec![Vec::new(); k];
        let mut raw_x = vec![Vec::new(); k];
        let mut raw_y = vec![Vec::new(); k];
        let mut vis = vec![vec![0.0; n]; k];
        let mut pre_x = vec![Vec::new(); k];
        let mut pre_y = vec![Vec::new(); k];
        let upside_down = upside_down_frames(input, details)?;
        for &i in &USED {
            let mut gx = vec![f64::NAN; n];
            let mut gy = vec![f64::NAN; n];
            let mut rx = vec![f64::NAN; n];
            let mut ry = vec![f64::NAN; n];
            for (f, frame) in input.frames.iter().enumerate() {
                let Some(pose) = &frame.pose else { continue };
                if upside_down[f] {
                    continue;
                }
                let kp = pose.keypoints[i];
                let (px, py) = (kp.x as f64, kp.y as f64);
                let in_frame = px.is_finite() && py.is_finite() && (0.0..=w).contains(&px) && (0.0..=h).contains(&py);
                let (px, py) = match leveller {
                    Some(lev) => {
                        let p = lev.level(crate::pose::geometry::Point::new(kp.x, kp.y));
                        (p.x as f64, p.y as f64)
                    }
                    None => (px, py),
                };
                vis[i][f] = kp.visibility as f64;
                if !in_frame || (kp.presence as f64) < cfg.min_presence {
                    continue;
                }
                rx[f] = px;
                ry[f] = py;
                if (kp.visibility as f64) >= cfg.min_visibility {
                    gx[f] = px;
                    gy[f] = py;
                }
            }
            x[i] = signal::clean(&gx, &params);
            y[i] = signal::clean(&gy, &params);
            pre_x[i] = gx;
            pre_y[i] = gy;
            raw_x[i] = rx;
            raw_y[i] = ry;
        }
        let usable = (0..n)
            .filter(|&f| {
                [lm::LEFT_SHOULDER, lm::RIGHT_SHOULDER]
                    .iter()
                    .any(|&s| !x[s][f].is_nan())
                    && [lm::LEFT_HIP, lm::RIGHT_HIP].iter().any(|&s| !x[s][f].is_nan())
            })
            .count();
        if n < MIN_USABLE_FRAMES {
            return Err(AnalysisError::TooShort {
                frames: n,
                needed: MIN_USABLE_FRAMES,
            });
        }
        if usable < MIN_USABLE_FRAMES {
            return Err(AnalysisError::NoLifter {
                usable,
                total: n,
                needed: MIN_USABLE_FRAMES,
            });
        }
        let times = input.frames.iter().map(|f| f.time_s).collect();
        Ok(Tracks {
            n,
            times,
            fps,
            height: h,
            x,
            y,
            raw_x,
            raw_y,
            vis,
            pre_x,
            pre_y,
            params,
        })
    }

    /// Side views: drops hip, knee, ankle, heel and toe samples that lie inside the plate's disc
    /// (a plate in front of a joint hides it whatever visibility the pose model reports; BlazePose
    /// then guesses the joint, typically pulled towards the plate hub) and re-cleans those tracks.
    /// Returns how many samples were dropped.
    pub fn hide_behind_plate(&mut self, discs: &[Option<Disc>]) -> usize {
        let mut dropped = 0;
        for &i in &PLATE_HIDES {
            let inside: Vec<usize> = discs
                .iter()
                .enumerate()
                .take(self.n)
                .filter_map(|(f, disc)| {
                    let d = disc.as_ref()?;
                    let (x, y) = self.pre_at(i, f)?;
                    ((x - d.x).hypot(y - d.y) < d.r).then_some(f)
                })
                .collect();
            dropped += self.drop_samples(i, &inside);
        }
        dropped
    }

    /// Drops landmark `i`'s uncleaned samples on `frames` and re-cleans its track when any went;
    /// returns how many.
    fn drop_samples(&mut self, i: usize, frames: &[usize]) -> usize {
        for &f in frames {
            self.pre_x[i][f] = f64::NAN;
            self.pre_y[i][f] = f64::NAN;
        }
        if !frames.is_empty() {
            self.x[i] = signal::clean(&self.pre_x[i], &self.params);
            self.y[i] = signal::clean(&self.pre_y[i], &self.params);
        }
        frames.len()
    }

    /// Drops wrist samples closer to their shoulder than `STRAIGHT_ARM_MIN_FRAC` of the arm's
    /// length (a high percentile of the shoulder-to-wrist distance over the clip) and re-cleans
    /// those tracks. The arms hang straight through a deadlift, so such a wrist is the pose model
    /// guessing a hand it cannot see (typically behind the plate at lockout, pulled up towards the
    /// shoulder), and as the bar it would lift the lockout out of reach of the rep detector.
    /// Returns how many samples were dropped.
    pub fn drop_short_arms(&mut self) -> usize {
        self.drop_wrists_where(|t, side, length, f| {
            t.arm_px(side, f).is_some_and(|a| a < STRAIGHT_ARM_MIN_FRAC * length)
        })
    }

    /// Drops wrist samples whose arm points further than [`MAX_ARM_FROM_DOWN_DEG`] from straight
    /// down (frames are upright) while the other arm does not, and re-cleans those tracks. Both
    /// arms swung up together come with the whole upper body misdrawn (the trunk's own limits
    /// judge that), and are left alone, as both hands folded are in
    /// [`Tracks::drop_arms_shorter_than_their_partner`]. Returns how many were dropped.
    pub fn drop_raised_arms(&mut self) -> usize {
        let raised = |t: &Self, side: BodySide, f: usize| {
            let (Some(shoulder), Some(wrist)) = (
                t.pre_at(Joint::Shoulder.index(side), f),
                t.pre_at(Joint::Wrist.index(side), f),
            ) else {
                return false;
            };
            let from_down = (wrist.0 - shoulder.0).abs().atan2(wrist.1 - shoulder.1).to_degrees();
            from_down > MAX_ARM_FROM_DOWN_DEG
        };
        self.drop_wrists_where(|t, side, _, f| raised(t, side, f) && !raised(t, side.other(), f))
    }

    /// Oblique views: drops a wrist sample whose arm reads shorter than `STRAIGHT_ARM_MIN_FRAC`
    /// both of the other arm on the same frame and of its own length over the clip, and re-cleans
    /// that track. From an angle an arm's image length changes with how far it leans towards the
    /// camera, so [`Tracks::drop_short_arms`] does not apply there alone (on real rear-oblique
    /// clip 17 both arms read short together); but both hands hold one bar and the two arms lean
    /// alike (on the rendered oblique clips the shorter true arm is never under 0.84 of the
    /// other), so an arm far shorter than its partner and than itself is the pose model folding a
    /// hand it cannot see up against the chest. Both hands folded are left alone. Returns how many
    /// samples were dropped.
    pub fn drop_arms_shorter_than_their_partner(&mut self) -> usize {
        self.drop_wrists_where(|t, side, length, f| {
            let (Some(this), Some(other)) = (t.arm_px(side, f), t.arm_px(side.other(), f)) else {
                return false;
            };
            this < STRAIGHT_ARM_MIN_FRAC * other && this < STRAIGHT_ARM_MIN_FRAC * length
        })
    }

    /// Drops the wrist samples (either side) where `short(tracks, side, arm length, frame)`
    /// holds, all decided before any is dropped; returns how many.
    fn drop_wrists_where(&mut self, short: impl Fn(&Self, BodySide, f64, usize) -> bool) -> usize {
        let frames = [BodySide::Left, BodySide::Right].map(|side| {
            let length = self.arm_length_px(side);
            let frames: Vec<usize> = (0..self.n).filter(|&f| short(self, side, length, f)).collect();
            (side, frames)
        });
        frames
            .iter()
            .map(|(side, frames)| self.drop_samples(Joint::Wrist.index(*side), frames))
            .sum()
    }

    /// Shoulder-to-wrist distance on frame `f` (uncleaned), pixels.
    fn arm_px(&self, side: BodySide, f: usize) -> Option<f64> {
        Some(dist(
            self.pre_at(Joint::Shoulder.index(side), f)?,
            self.pre_at(Joint::Wrist.index(side), f)?,
        ))
    }

    /// The arm's length over the clip: a high percentile of its shoulder-to-wrist distance
    /// (`NaN` when never seen, which no arm is shorter than).
    fn arm_length_px(&self, side: BodySide) -> f64 {
        signal::percentile(
            (0..self.n).filter_map(|f| self.arm_px(side, f)),
            SEGMENT_LENGTH_PERCENTILE,
        )
    }

    /// Uncleaned position of landmark `i` on frame `f` (visibility-gated, plate-hidden dropped).
    pub fn pre_at(&self, i: usize, f: usize) -> Option<(f64, f64)> {
        let (x, y) = (*self.pre_x.get(i)?.get(f)?, *self.pre_y.get(i)?.get(f)?);
        (!x.is_nan() && !y.is_nan()).then_some((x, y))
    }

    /// Cleaned position of landmark `i` on frame `f`.
    pub fn at(&self, i: usize, f: usize) -> Option<(f64, f64)> {
        let (x, y) = (*self.x.get(i)?.get(f)?, *self.y.get(i)?.get(f)?);
        (!x.is_nan() && !y.is_nan()).then_some((x, y))
    }
}

/// Signal-cleaning parameters for a clip's frame rate and height, from the config; a note says
/// when the frame rate forces a lower cut-off or no filter.
pub fn clean_params(fps: f64, height: f64, cfg: &Config, notes: &mut Vec<String>) -> CleanParams {
    let lowpass = if fps < MIN_FILTER_FPS {
        notes.push(format!(
            "frame rate {fps:.1} fps is too low to filter; keypoints used unfiltered"
        ));
        None
    } else {
        let max_cutoff = MAX_CUTOFF_FPS_FRAC * fps;
        let cutoff = if cfg.cutoff_hz > max_cutoff {
            notes.push(format!(
                "filter cut-off lowered from {:.1} Hz to {max_cutoff:.1} Hz for {fps:.1} fps",
                cfg.cutoff_hz
            ));
            max_cutoff
        } else {
            cfg.cutoff_hz
        };
        Some(signal::butterworth4_lowpass(cutoff, fps))
    };
    CleanParams {
        hampel_half_window: ((cfg.hampel_half_window_s * fps).round() as usize).max(1),
        hampel_sigmas: cfg.hampel_sigmas,
        hampel_min_sigma: cfg.hampel_min_sigma_frac * height,
        max_gap: (cfg.max_gap_s * fps).round() as usize,
        lowpass,
    }
}

/// A joint on one side of the body, resolved to a landmark index.
#[derive(Clone, Copy, Debug)]
pub enum Joint {
    Ear,
    Shoulder,
    Wrist,
    Hip,
    Knee,
    Ankle,
    Heel,
    Toe,
}

impl Joint {
    pub fn index(self, side: BodySide) -> usize {
        let (l, r) = match self {
            Joint::Ear => (lm::LEFT_EAR, lm::RIGHT_EAR),
            Joint::Shoulder => (lm::LEFT_SHOULDER, lm::RIGHT_SHOULDER),
            Joint::Wrist => (lm::LEFT_WRIST, lm::RIGHT_WRIST),
            Joint::Hip => (lm::LEFT_HIP, lm::RIGHT_HIP),
            Joint::Knee => (lm::LEFT_KNEE, lm::RIGHT_KNEE),
            Joint::Ankle => (lm::LEFT_ANKLE, lm::RIGHT_ANKLE),
            Joint::Heel => (lm::LEFT_HEEL, lm::RIGHT_HEEL),
            Joint::Toe => (lm::LEFT_FOOT_INDEX, lm::RIGHT_FOOT_INDEX),
        };
        match side {
            BodySide::Left => l,
            BodySide::Right => r,
        }
    }
}

/// Per-clip facts about the lifter: orientation, size, feet, bar.
pub struct Body {
    /// +1 when the lifter faces image right, -1 when left (only meaningful in side views).
    pub facing: f64,
    /// The side nearer the camera (side and oblique views), chosen once per clip.
    pub near: Option<BodySide>,
    pub leg_px: Option<f64>,
    /// Mid-foot (between heel and toe of the near foot), frame pixels; robust over the clip.
    pub midfoot: Option<(f64, f64)>,
    /// The near ankle and toe, frame pixels; robust over the clip like the mid-foot. The knee and
    /// ankle angles of side views use these: the feet stay put through a set, whereas the
    /// per-frame ankle keypoint behind the plate is a guess pulled towards the plate's hub.
    pub ankle: Option<(f64, f64)>,
    pub toe: Option<(f64, f64)>,
    /// Height (up positive, pixels) of the near knee standing, shin vertical (`knee_top_height`).
    /// Stands in for the knee where the plate hides it, for the knee pass (the shins are close to
    /// vertical as the bar passes the knees).
    pub knee_top_h: Option<f64>,
    pub bar_x: Vec<f64>,
    pub bar_y: Vec<f64>,
    /// What gave the bar's height on each frame: the bar speed is read only between frames of
    /// one source, since the sources disagree by up to tens of pixels.
    pub bar_height_from: Vec<BarHeightFrom>,
    pub bar_source: BarSource,
    pub cm_per_px: Option<f64>,
    /// Side views with a plate seen: the plate centre's x per frame (see `BarTrack::plate_x`).
    pub plate_x: Option<Vec<f64>>,
}

/// Where a frame's bar height comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BarHeightFrom {
    /// The plate's centre.
    Plate,
    /// A wrist keypoint (shifted by the plate's median offset where the plate gives the bar).
    Hands,
    /// The shoulders' height and the median hand offset (`fill_hidden_hands`): hands hidden.
    Shoulders,
    /// Nothing.
    Unknown,
}

impl Body {
    pub fn build(
        input: &AnalysisInput,
        t: &Tracks,
        view: &ViewEstimate,
        cfg: &Config,
        notes: &mut Vec<String>,
        details: &mut Vec<String>,
    ) -> Body {
        let facing = match view.facing {
            Some(super::view::Facing::Left) => -1.0,
            _ => 1.0,
        };
        let near = view.near_side;
        let sides: Vec<BodySide> = match near {
            Some(s) => vec![s],
            None => vec![BodySide::Left, BodySide::Right],
        };
        let leg_px = leg_length(t, &sides).map(Some).unwrap_or_else(|legs_seen| {
            let trunk = signal::percentile(
                (0..t.n).filter_map(|f| {
                    let s = mean_point(t, Joint::Shoulder, &sides, f)?;
                    let h = mean_point(t, Joint::Hip, &sides, f)?;
                    Some(dist(s, h))
                }),
                SEGMENT_LENGTH_PERCENTILE,
            );
            (trunk.is_finite() && trunk > 0.0).then(|| {
                notes.push(if legs_seen == 0 {
                    "legs never visible: leg length estimated from the trunk".into()
                } else if legs_seen >= leg_min_frames(t.fps) {
                    "legs seen but their length unreadable: leg length estimated from the trunk".into()
                } else {
                    format!(
                        "legs seen whole on only {legs_seen} frame{} (fewer than {}): leg length estimated \
                         from the trunk",
                        if legs_seen == 1 { "" } else { "s" },
                        leg_min_frames(t.fps)
                    )
                });
                trunk * LEG_PER_TRUNK
            })
        });
        // Mid-foot only from frames where the near heel and toe are confidently visible and
        // outside the plate's disc (hide_behind_plate has already dropped those inside it from
        // the uncleaned tracks): elsewhere BlazePose guesses them, pulled towards the plate hub.
        let midfoot = near.and_then(|s| {
            still_point(
                t,
                &[Joint::Heel.index(s), Joint::Toe.index(s)],
                cfg.midfoot_min_visibility,
            )
            .map_err(|seen| {
                details.push(format!(
                    "near heel and toe confidently visible outside the plate on {seen} frames (mid-foot \
                         needs {MIDFOOT_MIN_FRAMES})"
                ))
            })
            .ok()
        });
        let still =
            |joint: Joint| near.and_then(|s| still_point(t, &[joint.index(s)], cfg.midfoot_min_visibility).ok());
        let (ankle, toe) = (still(Joint::Ankle), still(Joint::Toe));
        // A standing lifter's hip is about a leg's length above the still ankle. Where the plate
        // covers the standing knee, the legs are seen whole only bent, with the hidden ankle
        // guessed high, and read short (rendered seed 501 clip 006: 87 px against 121), which
        // put the knee out of the still ankle's reach.
        let leg_px = match (leg_px, ankle, near) {
            (Some(leg), Some(ankle), Some(side)) => {
                let hip_to_ankle = signal::percentile(
                    (0..t.n).filter_map(|f| Some(dist(t.at(Joint::Hip.index(side), f)?, ankle))),
                    SEGMENT_LENGTH_PERCENTILE,
                );
                Some(if hip_to_ankle.is_finite() {
                    leg.max(hip_to_ankle)
                } else {
                    leg
                })
            }
            (leg, ..) => leg,
        };
        let knee_top_h = near.and_then(|side| knee_top_height(t, side));
        // Side views: the near hand, or the far one where the near one is hidden (both grip the
        // bar, which points at the camera, so they project to nearly the same place).
        let wrist: Vec<Option<(f64, f64)>> = (0..t.n)
            .map(|f| match near {
                Some(s) => t
                    .at(Joint::Wrist.index(s), f)
                    .or_else(|| t.at(Joint::Wrist.index(s.other()), f)),
                None => mean_point(t, Joint::Wrist, &sides, f),
            })
            .collect();
        let mut wx: Vec<f64> = wrist.iter().map(|p| p.map_or(f64::NAN, |p| p.0)).collect();
        let mut wy: Vec<f64> = wrist.iter().map(|p| p.map_or(f64::NAN, |p| p.1)).collect();
        let hands_seen: Vec<bool> = wy.iter().map(|y| !y.is_nan()).collect();
        fill_hidden_hands(t, &sides, view.view, &mut wx, &mut wy, details);
        let from_hands = |f: usize, y: f64| match (hands_seen[f], y.is_nan()) {
            (_, true) => BarHeightFrom::Unknown,
            (true, false) => BarHeightFrom::Hands,
            (false, false) => BarHeightFrom::Shoulders,
        };
        let bar = bar_track(input, t, wx, wy, view.view == View::Side, details);
        let bar_height_from = (0..t.n)
            .map(|f| match &bar.plate_y {
                Some(py) if !py[f].is_nan() => BarHeightFrom::Plate,
                _ => from_hands(f, bar.y[f]),
            })
            .collect();
        Body {
            facing,
            near,
            leg_px,
            midfoot,
            ankle,
            toe,
            knee_top_h,
            bar_x: bar.x,
            bar_y: bar.y,
            bar_height_from,
            bar_source: bar.source,
            cm_per_px: bar.cm_per_px,
            plate_x: bar.plate_x,
        }
    }

    /// Canonical coordinates (forward, up) of a frame point.
    pub fn canon(&self, p: (f64, f64)) -> (f64, f64) {
        (p.0 * self.facing, -p.1)
    }
}

fn dist(a: (f64, f64), b: (f64, f64)) -> f64 {
    (a.0 - b.0).hypot(a.1 - b.1)
}

/// Fewest frames with both hands and shoulders seen for [`fill_hidden_hands`] to trust their
/// offset.
const MIN_HAND_OFFSETS: usize = 5;

/// The arms hang straight in a deadlift, so the hands stay about an arm's length below the
/// shoulders (rendered rear view: 64 px standing, 58 px at the floor); frames without hands take
/// the shoulders' height moved by the median hand-to-shoulder offset of the frames with both.
///
/// Front and rear views take the horizontal position the same way: the body hides the
/// hands on many frames (from behind, most of the pull: on rendered rear views BlazePose gives the
/// wrists a visibility of 0.02-0.2 from set-up to lockout, so they are gated out and no rep could
/// be found). Side views take the height alone: there the shoulders move forward and back over
/// the bar with the posture, and the plate often hides the hands at lockout (see
/// [`Tracks::drop_short_arms`]), which would otherwise leave a rep without its top. Oblique views
/// are not filled: there a hanging arm leans towards or away from the camera, so its image length,
/// and the hand's offset below the shoulder, change with the posture.
fn fill_hidden_hands(
    t: &Tracks,
    sides: &[BodySide],
    view: View,
    wx: &mut [f64],
    wy: &mut [f64],
    details: &mut Vec<String>,
) {
    let frontal = match view {
        View::Front | View::Rear => true,
        View::Side => false,
        View::Oblique => return,
    };
    let shoulder = |f: usize| mean_point(t, Joint::Shoulder, sides, f);
    let offsets: Vec<(f64, f64)> = (0..t.n)
        .filter(|&f| !wx[f].is_nan() && !wy[f].is_nan())
        .filter_map(|f| Some(sub((wx[f], wy[f]), shoulder(f)?)))
        .collect();
    if offsets.len() < MIN_HAND_OFFSETS {
        return;
    }
    let dx = signal::median(offsets.iter().map(|o| o.0));
    let dy = signal::median(offsets.iter().map(|o| o.1));
    let mut filled = 0;
    for f in 0..t.n {
        if wy[f].is_nan()
            && let Some(s) = shoulder(f)
        {
            wy[f] = s.1 + dy;
            if frontal {
                wx[f] = s.0 + dx;
            }
            filled += 1;
        }
    }
    // A frame or two is the gap filling's business; only say so when it matters.
    if filled * 20 >= t.n {
        let what = if frontal { "the bar" } else { "the bar's height" };
        details.push(format!(
            "hands hidden on {filled} of {} frames: {what} is taken an arm's length below the shoulders there",
            t.n
        ));
    }
}

/// Whether a knee at `knee` stands over the still ankle at `ankle` (both frame pixels, or both
/// mirrored), for a leg `leg` pixels long (`STILL_ANKLE_MAX_SHIN_LEG_FRAC`): where it does, the
/// knee and ankle angles use the still ankle.
pub fn stands_over_still_ankle(knee: (f64, f64), ankle: (f64, f64), leg: f64) -> bool {
    dist(ankle, knee) <= STILL_ANKLE_MAX_SHIN_LEG_FRAC * leg
}

/// Where keypoints that stay put through a set (a foot's) are, robust over the clip: the median,
/// over frames where all of `joints` are confidently visible (at least `min_visibility`) outside
/// the plate's disc, of their mean: right while fewer than half of those frames are guesses.
/// `Err` holds how many such frames there were, when fewer than [`MIDFOOT_MIN_FRAMES`].
fn still_point(t: &Tracks, joints: &[usize], min_visibility: f64) -> Result<(f64, f64), usize> {
    let pts: Vec<(f64, f64)> = (0..t.n)
        .filter(|&f| joints.iter().all(|&j| t.vis[j][f] >= min_visibility))
        .filter_map(|f| {
            let mut sum = (0.0, 0.0);
            for &j in joints {
                let (x, y) = t.pre_at(j, f)?;
                sum = (sum.0 + x, sum.1 + y);
            }
            let k = joints.len() as f64;
            Some((sum.0 / k, sum.1 / k))
        })
        .collect();
    if pts.len() < MIDFOOT_MIN_FRAMES {
        return Err(pts.len());
    }
    Ok((
        signal::median(pts.iter().map(|p| p.0)),
        signal::median(pts.iter().map(|p| p.1)),
    ))
}

/// Fewest frames with the knee confidently seen for [`knee_top_height`].
const KNEE_TOP_MIN_FRAMES: usize = 10;

/// Least visibility of a knee keypoint that counts as confidently seen for [`knee_top_height`]
/// (BlazePose's guesses behind a plate mostly read lower; the same bar as the mid-foot's heel and
/// toe, `midfoot_min_visibility`, kept separate so tuning one leaves the other).
const KNEE_TOP_MIN_VISIBILITY: f64 = 0.5;

/// See [`Body::knee_top_h`]: a high percentile of the near knee's height over the frames where it
/// is confidently seen, which is its height standing (before the set-up, at lockout), straight
/// legs over the ankle. The plate hides it at the knee pass but seldom while the lifter stands
/// behind a bar on the floor.
fn knee_top_height(t: &Tracks, side: BodySide) -> Option<f64> {
    let k = Joint::Knee.index(side);
    let heights: Vec<f64> = (0..t.n)
        .filter(|&f| t.vis[k][f] >= KNEE_TOP_MIN_VISIBILITY)
        .filter_map(|f| Some(-t.pre_at(k, f)?.1))
        .collect();
    (heights.len() >= KNEE_TOP_MIN_FRAMES)
        .then(|| signal::percentile(heights.iter().copied(), SEGMENT_LENGTH_PERCENTILE))
}

/// Mean position of `joint` over `sides` on frame `f` (missing if any side is missing, so the
/// mean never jumps when one side drops out).
pub fn mean_point(t: &Tracks, joint: Joint, sides: &[BodySide], f: usize) -> Option<(f64, f64)> {
    let mut sx = 0.0;
    let mut sy = 0.0;
    for &s in sides {
        let (x, y) = t.at(joint.index(s), f)?;
        sx += x;
        sy += y;
    }
    let k = sides.len() as f64;
    Some((sx / k, sy / k))
}

fn leg_length(t: &Tracks, sides: &[BodySide]) -> Result<f64, usize> {
    let joints = [Joint::Hip, Joint::Knee, Joint::Ankle];
    // Frames with the whole leg on either side in the cleaned tracks, whose short gaps are filled
    // (`max_gap_s`). Counting only the frames the model saw it whole was tried: behind the plate
    // that is rare (5 frames on a Romanian deadlift of seed 314 whose cleaned legs span more),
    // and the trunk's estimate then put the still ankle out of the knee's reach and gave false
    // locked knees.
    let seen = (0..t.n)
        .filter(|&f| {
            sides
                .iter()
                .any(|&s| joints.iter().all(|j| t.at(j.index(s), f).is_some()))
        })
        .count();
    if seen < leg_min_frames(t.fps) {
        return Err(seen);
    }
    let per_frame = (0..t.n).flat_map(|f| {
        sides.iter().filter_map(move |&s| {
            let h = t.at(Joint::Hip.index(s), f)?;
            let k = t.at(Joint::Knee.index(s), f)?;
            let a = t.at(Joint::Ankle.index(s), f)?;
            Some(dist(h, k) + dist(k, a))
        })
    });
    let v = signal::percentile(per_frame, SEGMENT_LENGTH_PERCENTILE);
    if v.is_finite() && v > 0.0 { Ok(v) } else { Err(seen) }
}

/// [`LEG_MIN_S`] in frames at `fps`, and never fewer than [`MIDFOOT_MIN_FRAMES`].
fn leg_min_frames(fps: f64) -> usize {
    ((LEG_MIN_S * fps).round() as usize).max(MIDFOOT_MIN_FRAMES)
}

/// A plate's disc in frame pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Disc {
    pub x: f64,
    pub y: f64,
    pub r: f64,
}

/// The near plate's disc on every frame where it can be placed: a found circle (held for
/// `PLATE_HOLD_S` around each sighting and moved with the hands), else the hands shifted by the
/// clip's median hand-to-plate offset with the median radius; none when no plate was found.
pub fn plate_discs(input: &AnalysisInput, t: &Tracks, near: BodySide) -> Vec<Option<Disc>> {
    let wrist: Vec<Option<(f64, f64)>> = (0..t.n)
        .map(|f| {
            t.at(Joint::Wrist.index(near), f)
                .or_else(|| t.at(Joint::Wrist.index(near.other()), f))
        })
        .collect();
    let sightings: Vec<(usize, Disc)> = input
        .plates
        .iter()
        .enumerate()
        .filter_map(|(f, p)| {
            let p = p.as_ref()?;
            let ok = p.radius.is_finite() && p.radius > 0.0 && p.center.x.is_finite() && p.center.y.is_finite();
            ok.then_some((
                f,
                Disc {
                    x: p.center.x as f64,
                    y: p.center.y as f64,
                    r: p.radius as f64,
                },
            ))
        })
        .collect();
    let hold = t.times.len().max(2) as f64 / (t.times.last().unwrap_or(&1.0) - t.times[0]).max(1e-9) * PLATE_HOLD_S;
    let hold = hold.round().max(1.0) as usize;
    if sightings.is_empty() {
        // No plate found: nothing to gate on. A standard plate could be assumed around the hands,
        // but the lift may use smaller discs or none in that spot (trap bar, synthetic clips), and
        // a wrong guess would hide visible knees.
        return vec![None; t.n];
    }
    let off_x = signal::median(sightings.iter().filter_map(|(f, d)| wrist[*f].map(|w| d.x - w.0)));
    let off_y = signal::median(sightings.iter().filter_map(|(f, d)| wrist[*f].map(|w| d.y - w.1)));
    let radius = signal::median(sightings.iter().map(|(_, d)| d.r));
    let mut out: Vec<Option<Disc>> = (0..t.n)
        .map(|f| {
            let w = wrist[f]?;
            (!off_x.is_nan() && !off_y.is_nan()).then_some(Disc {
                x: w.0 + off_x,
                y: w.1 + off_y,
                r: radius,
            })
        })
        .collect();
    for &(f, d) in &sightings {
        for g in f.saturating_sub(hold)..=(f + hold).min(t.n - 1) {
            let moved = match (wrist[f], wrist[g]) {
                (Some(a), Some(b)) => Disc {
                    x: d.x + b.0 - a.0,
                    y: d.y + b.1 - a.1,
                    r: d.r,
                },
                _ => d,
            };
            // The nearest sighting wins.
            let nearer = sightings.iter().filter(|(h, _)| h.abs_diff(g) < f.abs_diff(g)).count() == 0;
            if nearer {
                out[g] = Some(moved);
            }
        }
    }
    out
}

/// Where the bar is on each frame, and how that is known.
struct BarTrack {
    x: Vec<f64>,
    y: Vec<f64>,
    source: BarSource,
    cm_per_px: Option<f64>,
    /// Side views where a plate was seen: its cleaned centre's x, `NaN` where it went unseen for
    /// longer than the gap fill. The near hand grips the bar behind that plate, so its keypoint is
    /// the pose model's guess (rendered suite 23 clip 003: up to 17 px off the true bar, where the
    /// true wrist stays within 2 px of it; `scripts/synth/measure.py wrists`); the bar's forward
    /// travel is followed on the plate instead.
    plate_x: Option<Vec<f64>>,
    /// Where the plate gives the bar's height ([`BarSource::Plate`]): its cleaned centre's y,
    /// `NaN` on the frames the hands fill.
    plate_y: Option<Vec<f64>>,
}

/// The bar: the wrists, or the plate centre when the plate is seen often enough (with the wrists
/// shifted by their median offset to the plate filling the frames where it is not).
fn bar_track(
    input: &AnalysisInput,
    t: &Tracks,
    wx: Vec<f64>,
    wy: Vec<f64>,
    side_view: bool,
    details: &mut Vec<String>,
) -> BarTrack {
    let wrists_only = |wx: Vec<f64>, wy: Vec<f64>, cm_per_px: Option<f64>, plate_x: Option<Vec<f64>>| BarTrack {
        x: wx,
        y: wy,
        source: BarSource::Wrists,
        cm_per_px,
        plate_x,
        plate_y: None,
    };
    let sightings: Vec<(usize, f64, f64, f64)> = input
        .plates
        .iter()
        .enumerate()
        .filter_map(|(f, p)| {
            let p = p.as_ref()?;
            let ok = p.radius.is_finite() && p.radius > 0.0 && p.center.x.is_finite() && p.center.y.is_finite();
            ok.then_some((f, p.center.x as f64, p.center.y as f64, p.radius as f64))
        })
        .collect();
    if sightings.len() < PLATE_MIN_SIGHTINGS {
        return wrists_only(wx, wy, None, None);
    }
    let radius = signal::median(sightings.iter().map(|s| s.3));
    let cm_per_px = PLATE_DIAMETER_CM / (2.0 * radius);
    if !side_view {
        return wrists_only(wx, wy, Some(cm_per_px), None);
    }
    let mut px = vec![f64::NAN; t.n];
    let mut py = vec![f64::NAN; t.n];
    for &(f, x, y, _) in &sightings {
        px[f] = x;
        py[f] = y;
    }
    // Plate circles are cleaned the way keypoints are.
    let px = signal::clean(&px, &t.params);
    let py = signal::clean(&py, &t.params);
    let with_pose = input.frames.iter().filter(|f| f.pose.is_some()).count().max(1);
    if (sightings.len() as f64) < PLATE_MIN_FRACTION * with_pose as f64 {
        return wrists_only(wx, wy, Some(cm_per_px), Some(px));
    }
    let dx = signal::median((0..t.n).map(|f| px[f] - wx[f]));
    let dy = signal::median((0..t.n).map(|f| py[f] - wy[f]));
    if dx.is_nan() || dy.is_nan() {
        details.push("plate never seen together with the wrists: bar taken from the wrists".into());
        return wrists_only(wx, wy, Some(cm_per_px), Some(px));
    }
    // Horizontally the hands stay the bar: the plate sits further from the body's plane, so
    // perspective shifts it sideways against the feet and shins. Vertically the plate centre is the
    // bar itself (the wrists ride a few centimetres above it).
    let bx = (0..t.n)
        .map(|f| if wx[f].is_nan() { px[f] - dx } else { wx[f] })
        .collect();
    let by = (0..t.n)
        .map(|f| if py[f].is_nan() { wy[f] + dy } else { py[f] })
        .collect();
    BarTrack {
        x: bx,
        y: by,
        source: BarSource::Plate,
        cm_per_px: Some(cm_per_px),
        plate_x: Some(px),
        plate_y: Some(py),
    }
}

/// Per frame, whether its pose cannot be a deadlifter's: shoulders below the hips or feet level
/// with or above them ([`MAX_TRUNK_FROM_UPRIGHT_DEG`], [`MAX_LEGS_FROM_DOWN_DEG`]); those frames
/// count as having no pose, with a note. The pose stage already retries a skeleton that lands
/// upside down with its region turned over (`pose::blazepose`); this catches what the retry
/// leaves. A clip where that is most frames is refused as rotated ([`NEVER_UPRIGHT_MIN_DEG`]).
fn upside_down_frames(input: &AnalysisInput, details: &mut Vec<String>) -> Result<Vec<bool>, AnalysisError> {
    // (legs from straight down, trunk from upright) per frame with a pose.
    let angles: Vec<Option<(f64, f64)>> = input
        .frames
        .iter()
        .map(|f| {
            let p = f.pose.as_ref()?;
            Some((
                f64::from(p.legs_from_down_deg()),
                f64::from(p.trunk_from_vertical_deg()),
            ))
        })
        .collect();
    let legs: Vec<f64> = angles.iter().flatten().map(|a| a.0).collect();
    if legs.len() >= MIN_USABLE_FRAMES
        && 2 * legs.len() > input.frames.len()
        && signal::median(legs.iter().copied()) > NEVER_UPRIGHT_MIN_DEG
    {
        return Err(AnalysisError::NotUpright {
            frames: legs.len(),
            min_deg: NEVER_UPRIGHT_MIN_DEG,
        });
    }
    let upside_down: Vec<bool> = angles
        .iter()
        .map(|a| a.is_some_and(|(legs, trunk)| trunk > MAX_TRUNK_FROM_UPRIGHT_DEG || legs >= MAX_LEGS_FROM_DOWN_DEG))
        .collect();
    let dropped = upside_down.iter().filter(|&&u| u).count();
    if dropped > 0 {
        details.push(format!(
            "{dropped} frame{} with the pose upside down (shoulders below or feet above the hips) treated as no pose",
            if dropped == 1 { "" } else { "s" }
        ));
    }
    Ok(upside_down)
}

/// Angle of a canonical vector, degrees in (-180, 180].
fn heading(v: (f64, f64)) -> f64 {
    v.1.atan2(v.0).to_degrees()
}

/// `a - b` wrapped into [0, 360).
fn ccw(a: f64, b: f64) -> f64 {
    (a - b).rem_euclid(360.0)
}

fn sub(a: (f64, f64), b: (f64, f64)) -> (f64, f64) {
    (a.0 - b.0, a.1 - b.1)
}

/// Signed joint angle at `vertex` from the ray to `from` counter-clockwise to the ray to `to`, in
/// canonical coordinates: 180 = straight.
pub fn joint_angle(from: (f64, f64), vertex: (f64, f64), to: (f64, f64)) -> f64 {
    ccw(heading(sub(to, vertex)), heading(sub(from, vertex)))
}

/// The interior angle (0..=180) of a signed joint angle: hip, knee and ankle are reported the
/// usual way, so a knee a few degrees past straight reads 177, not 183.
fn interior(a: f64) -> f64 {
    if a > 180.0 { 360.0 - a } else { a }
}

/// Hip-to-shoulder line from vertical, forward positive, canonical coordinates.
pub fn trunk_angle(hip: (f64, f64), shoulder: (f64, f64)) -> f64 {
    let v = sub(shoulder, hip);
    v.0.atan2(v.1).to_degrees()
}

/// Per-frame series, `NaN` where missing. Angles in degrees, offsets as fractions of leg length.
#[derive(Default)]
pub struct Series {
    pub n: usize,
    pub times: Vec<f64>,
    /// [`crate::pose::PoseFrame::index`] per position.
    pub index: Vec<usize>,
    pub hip: Vec<f64>,
    pub knee: Vec<f64>,
    /// The pose model's visibility of the knee the angles use (the least of both where both are
    /// used), 0 without a pose: how sure it is that the knee is in sight rather than guessed.
    pub knee_visibility: Vec<f64>,
    pub ankle: Vec<f64>,
    pub trunk: Vec<f64>,
    pub neck: Vec<f64>,
    pub bar_x: Vec<f64>,
    pub bar_y: Vec<f64>,
    /// Bar height, canonical (up positive), pixels.
    pub bar_h: Vec<f64>,
    /// Bar height to set against the body's heights (the knee pass), pixels: [`Series::bar_h`]
    /// lowered by `WRIST_ABOVE_BAR_LEG_FRAC` where it comes from the hands (or the shoulders
    /// standing in for them), which sit above the bar, and no plate put them onto it.
    pub bar_grip_h: Vec<f64>,
    pub shoulder_bar_deg: Vec<f64>,
    /// Whole-body lean: angle of the mid-foot-to-shoulder line from vertical, degrees, forward
    /// positive (side views). Vets the trunk's and the back outline's lockout readings
    /// (`checks::lockout`).
    pub body_lean: Vec<f64>,
    pub shoulder_bar: Vec<f64>,
    /// Bar position forward, fraction of leg length: the plate centre where a plate hides the
    /// hands (side views), else the hands; for the bar's travel, not its place over the feet.
    pub bar_fwd: Vec<f64>,
    pub bar_midfoot: Vec<f64>,
    pub knee_midfoot: Vec<f64>,
    /// Heights (up positive, pixels) of the hip, shoulder and knee used for rise and knee pass;
    /// where the knee is hidden (the plate covers the near knee for much of the pull in most side
    /// views), its standing height, [`Body::knee_top_h`].
    pub hip_h: Vec<f64>,
    pub shoulder_h: Vec<f64>,
    pub knee_h: Vec<f64>,
    /// Height of the hip over the knee (pixels), only where the knee itself is in the tracks: the
    /// thigh's projection on the vertical, which shrinks as the knee bends and the thigh tips
    /// forward, from any view (the lift variant where no knee angle is read).
    pub thigh_h: Vec<f64>,
    pub speed: Vec<f64>,
    /// Cleaned bends of the back outline's halves (Hampel, gap fill, zero-phase low-pass at
    /// [`Config::back_cutoff_hz`]).
    pub upper_back: Vec<f64>,
    pub lower_back: Vec<f64>,
    /// Cleaned fold of the back outline at mid-trunk ([`back::Bend::fold_deg`]).
    pub mid_back: Vec<f64>,
    /// Cleaned forward lean of the back from the outline alone ([`back::lean`]), degrees: the
    /// trunk's lean where the plate hides the hip.
    pub outline_lean: Vec<f64>,
    /// Cleaned lean of the whole back outline's line ([`back::whole_lean`]), degrees: the lean-back
    /// check's reading where the plate hides the hip.
    pub outline_whole_lean: Vec<f64>,
    /// The same per frame before cleaning (for the steadiness of the set-up reference).
    pub upper_back_raw: Vec<f64>,
    pub lower_back_raw: Vec<f64>,
    pub mid_back_raw: Vec<f64>,
    /// The outline lean per frame before cleaning (which frames had an outline at lockout).
    pub outline_lean_raw: Vec<f64>,
    pub shoulder_tilt: Vec<f64>,
    pub hip_tilt: Vec<f64>,
    pub bar_tilt: Vec<f64>,
    pub hip_shift: Vec<f64>,
    /// Inward travel of each knee from its hip-ankle line (front/rear), fraction of leg length.
    pub knee_in_left: Vec<f64>,
    pub knee_in_right: Vec<f64>,
    /// Front/rear views: the camera's roll read from the standing lifter, which the left/right
    /// lines and knee lines are read turned back by ([`standing_midline_lean_deg`]).
    pub frontal_roll_deg: Option<f64>,
    /// Whether head, feet and back-outline data exist at all (for "not assessable" reasons).
    pub has_back_outline: bool,
}

impl Series {
    pub fn build(input: &AnalysisInput, t: &Tracks, body: &Body, view: &ViewEstimate, cfg: &Config) -> Series {
        let n = t.n;
        let nan = || vec![f64::NAN; n];
        let leg = body.leg_px.unwrap_or(f64::NAN);
        let mut s = Series {
            n,
            times: t.times.clone(),
            index: input.frames.iter().map(|f| f.index).collect(),
            hip: nan(),
            knee: nan(),
            knee_visibility: nan(),
            ankle: nan(),
            trunk: nan(),
            neck: nan(),
            bar_x: body.bar_x.clone(),
            bar_y: body.bar_y.clone(),
            bar_h: body.bar_y.iter().map(|y| -y).collect(),
            bar_grip_h: body
                .bar_y
                .iter()
                .zip(&body.bar_height_from)
                .map(|(y, from)| match from {
                    // Where the plate gives the bar, the hands' frames are already shifted onto
                    // it; without a leg length the hands' height stands as it is.
                    BarHeightFrom::Hands | BarHeightFrom::Shoulders
                        if body.bar_source == BarSource::Wrists && leg.is_finite() =>
                    {
                        -y - WRIST_ABOVE_BAR_LEG_FRAC * leg
                    }
                    _ => -y,
                })
                .collect(),
            shoulder_bar_deg: nan(),
            shoulder_bar: nan(),
            bar_fwd: body
                .plate_x
                .as_ref()
                .unwrap_or(&body.bar_x)
                .iter()
                .map(|x| x * body.facing / leg)
                .collect(),
            bar_midfoot: nan(),
            body_lean: nan(),
            knee_midfoot: nan(),
            hip_h: nan(),
            shoulder_h: nan(),
            knee_h: nan(),
            thigh_h: nan(),
            speed: nan(),
            upper_back: nan(),
            lower_back: nan(),
            mid_back: nan(),
            outline_lean: nan(),
            outline_whole_lean: nan(),
            upper_back_raw: nan(),
            lower_back_raw: nan(),
            mid_back_raw: nan(),
            outline_lean_raw: nan(),
            shoulder_tilt: nan(),
            hip_tilt: nan(),
            bar_tilt: nan(),
            hip_shift: nan(),
            knee_in_left: nan(),
            knee_in_right: nan(),
            frontal_roll_deg: None,
            has_back_outline: false,
        };
        let sides: Vec<BodySide> = match body.near {
            Some(side) => vec![side],
            None => vec![BodySide::Left, BodySide::Right],
        };
        // Joint and trunk angles in the image are the body's only from the side: from 25-60 degrees off
        // side-on (an oblique view) the projection bends them by tens of degrees (`liftcheck eval`
        // on rendered seed 306: hip angle MAE 29.3 degrees with its three oblique-front clips, 9.0
        // without), so they are not reported there.
        let sagittal = view.view == View::Side;
        let frontal = matches!(view.view, View::Front | View::Rear);
        let span = |j: Joint, f: usize| match (t.at(j.index(BodySide::Left), f), t.at(j.index(BodySide::Right), f)) {
            (Some(a), Some(b)) => (a.0 - b.0).abs(),
            _ => f64::NAN,
        };
        let least_span = |j: Joint| {
            LR_SPAN_MIN_FRACTION * signal::percentile((0..n).map(|f| span(j, f)), LR_SPAN_REFERENCE_PERCENTILE)
        };
        let (least_shoulders, least_hips) = if frontal {
            (least_span(Joint::Shoulder), least_span(Joint::Hip))
        } else {
            (f64::NAN, f64::NAN)
        };
        s.frontal_roll_deg = frontal.then(|| standing_midline_lean_deg(t)).flatten();
        let leveller = s
            .frontal_roll_deg
            .map(|roll| Leveller::new(roll, input.width, input.height));
        let unroll = |q: (f64, f64)| leveller.map_or(q, |lev| lev.level_xy(q));
        for f in 0..n {
            let p = |j: Joint| mean_point(t, j, &sides, f);
            let c = |j: Joint| p(j).map(|q| body.canon(q));
            s.hip_h[f] = p(Joint::Hip).map_or(f64::NAN, |q| -q.1);
            s.shoulder_h[f] = p(Joint::Shoulder).map_or(f64::NAN, |q| -q.1);
            s.knee_h[f] = p(Joint::Knee).map_or(body.knee_top_h.unwrap_or(f64::NAN), |q| -q.1);
            s.thigh_h[f] = p(Joint::Knee).map_or(f64::NAN, |q| s.hip_h[f] + q.1);
            s.knee_visibility[f] = sides
                .iter()
                .filter_map(|&side| t.vis.get(Joint::Knee.index(side)).map(|v| v[f]))
                .fold(f64::NAN, f64::min);
            let bar = (!s.bar_x[f].is_nan() && !s.bar_y[f].is_nan()).then(|| body.canon((s.bar_x[f], s.bar_y[f])));
            if sagittal {
                let (sh, hip, knee, ear) = (c(Joint::Shoulder), c(Joint::Hip), c(Joint::Knee), c(Joint::Ear));
                // The still ankle and toe where this frame's knee stands over them; elsewhere the
                // pose is not the lifter on those feet (the model on someone else for a few frames,
                // say), and the frame's own ankle and toe keep its angles consistent with it.
                let over_still_foot = match (body.ankle, knee) {
                    (Some(a), Some(k)) => stands_over_still_ankle(k, body.canon(a), leg),
                    _ => false,
                };
                let (ankle, toe) = if over_still_foot {
                    (
                        body.ankle.map(|a| body.canon(a)),
                        body.toe.map(|t| body.canon(t)).or_else(|| c(Joint::Toe)),
                    )
                } else {
                    (c(Joint::Ankle), c(Joint::Toe))
                };
                if let (Some(a), Some(b), Some(d)) = (sh, hip, knee) {
                    s.hip[f] = interior(joint_angle(d, b, a));
                }
                if let (Some(a), Some(b), Some(d)) = (hip, knee, ankle) {
                    s.knee[f] = interior(joint_angle(a, b, d));
                }
                if let (Some(a), Some(b), Some(d)) = (knee, ankle, toe) {
                    s.ankle[f] = interior(joint_angle(d, b, a));
                }
                if let (Some(a), Some(b)) = (hip, sh) {
                    s.trunk[f] = trunk_angle(a, b);
                }
                if let (Some(a), Some(b), Some(d)) = (ear, sh, hip) {
                    s.neck[f] = joint_angle(d, b, a);
                }
                if let (Some(b), Some(a)) = (bar, sh) {
                    s.shoulder_bar_deg[f] = trunk_angle(b, a);
                    s.shoulder_bar[f] = (a.0 - b.0) / leg;
                }
                if let Some(mf) = body.midfoot.map(|m| body.canon(m)) {
                    if let Some(a) = sh {
                        s.body_lean[f] = trunk_angle(mf, a);
                    }
                    if let Some(b) = bar {
                        s.bar_midfoot[f] = (b.0 - mf.0) / leg;
                    }
                    if let Some(k) = knee {
                        s.knee_midfoot[f] = (k.0 - mf.0) / leg;
                    }
                }
                if let Some(outline) = input.back.get(f).and_then(|b| b.as_ref()) {
                    s.has_back_outline = true;
                    let pts: Vec<(f64, f64)> = outline
                        .points
                        .iter()
                        .map(|q| body.canon((q.x as f64, q.y as f64)))
                        .collect();
                    s.outline_lean[f] = back::lean(&pts).unwrap_or(f64::NAN);
                    s.outline_whole_lean[f] = back::whole_lean(&pts).unwrap_or(f64::NAN);
                    if let (Some(hip), Some(sh)) = (hip, sh)
                        && let Some(b) = back::bend(&pts, sub(sh, hip))
                    {
                        s.upper_back[f] = b.upper_deg;
                        s.lower_back[f] = b.lower_deg;
                        s.mid_back[f] = b.fold_deg;
                    }
                }
            }
            if frontal {
                let l = |j: Joint| t.at(j.index(BodySide::Left), f).map(unroll);
                let r = |j: Joint| t.at(j.index(BodySide::Right), f).map(unroll);
                // A pair read narrower than the body is a misplaced joint (a NaN limit passes).
                let wide_enough = |j: Joint, least: f64| span(j, f) >= least || least.is_nan();
                let tilt = |j: Joint, least: f64| match (l(j), r(j)) {
                    // Left higher = positive; |dx| keeps the angle away from +-180 on mirroring.
                    (Some(a), Some(b)) if wide_enough(j, least) => (b.1 - a.1).atan2((a.0 - b.0).abs()).to_degrees(),
                    _ => f64::NAN,
                };
                s.shoulder_tilt[f] = tilt(Joint::Shoulder, least_shoulders);
                s.hip_tilt[f] = tilt(Joint::Hip, least_hips);
                s.bar_tilt[f] = tilt(Joint::Wrist, f64::NAN);
                // The hip shift and the hip-ankle lines stand on the hips as much as their tilt.
                if let (Some(hl), Some(hr), Some(al), Some(ar)) =
                    (l(Joint::Hip), r(Joint::Hip), l(Joint::Ankle), r(Joint::Ankle))
                    && wide_enough(Joint::Hip, least_hips)
                {
                    s.hip_shift[f] = (0.5 * (hl.0 + hr.0) - 0.5 * (al.0 + ar.0)) / leg;
                    let centre = 0.5 * (hl.0 + hr.0);
                    let inward = |hip: (f64, f64), knee: Option<(f64, f64)>, ankle: (f64, f64)| {
                        let Some(k) = knee else { return f64::NAN };
                        let dy = ankle.1 - hip.1;
                        if dy.abs() < 1e-6 {
                            return f64::NAN;
                        }
                        let line_x = hip.0 + (ankle.0 - hip.0) * (k.1 - hip.1) / dy;
                        (k.0 - line_x) * (centre - line_x).signum() / leg
                    };
                    s.knee_in_left[f] = inward(hl, l(Joint::Knee), al);
                    s.knee_in_right[f] = inward(hr, r(Joint::Knee), ar);
                }
            }
        }
        // No unwrapping: hip, knee and ankle are interior angles (0-180), the trunk angle only
        // reaches +-180 with the shoulders straight below the hips, and the ear-shoulder-hip angle
        // only reaches 0/360 with the ear on the hips: none wraps in a real pose. Unwrapping turned
        // a single garbled frame into a 360-degree offset for the rest of the clip (real clip 12:
        // set-up trunk read -268 instead of 92 after a walk-in frame at -91).
        if frontal {
            // Left/right differences matter when sustained: a running median drops the single-joint
            // glitches that outlier removal lets through during fast motion.
            let half = ((SUSTAIN_HALF_WINDOW_S * t.fps).round() as usize).max(1);
            for v in [
                &mut s.shoulder_tilt,
                &mut s.hip_tilt,
                &mut s.bar_tilt,
                &mut s.hip_shift,
                &mut s.knee_in_left,
                &mut s.knee_in_right,
            ] {
                *v = signal::running_median(v, half);
            }
        }
        if s.has_back_outline {
            // The outline comes from a mask and swings far more than keypoints (+-15 degrees frame
            // to frame at a still set-up on real clips): the same chain, with the outlier floor in
            // degrees and a lower cut-off (see the config fields).
            let mut p = t.params;
            p.hampel_min_sigma = cfg.back_hampel_min_sigma_deg;
            if p.lowpass.is_some() {
                let cutoff = cfg.back_cutoff_hz.min(MAX_CUTOFF_FPS_FRAC * t.fps);
                p.lowpass = Some(signal::butterworth4_lowpass(cutoff, t.fps));
            }
            s.upper_back_raw = s.upper_back.clone();
            s.lower_back_raw = s.lower_back.clone();
            s.mid_back_raw = s.mid_back.clone();
            s.outline_lean_raw = s.outline_lean.clone();
            s.upper_back = signal::clean(&s.upper_back, &p);
            s.lower_back = signal::clean(&s.lower_back, &p);
            s.mid_back = signal::clean(&s.mid_back, &p);
            s.outline_lean = signal::clean(&s.outline_lean, &p);
            s.outline_whole_lean = signal::clean(&s.outline_whole_lean, &p);
        }
        if let Some(cm) = body.cm_per_px {
            let from = &body.bar_height_from;
            for f in 0..n {
                let (a, b) = (f.saturating_sub(1), (f + 1).min(n - 1));
                let dt = s.times[b] - s.times[a];
                // Across a change of source the height jumps (a hand seen again 68 px above
                // where the shoulders put it, on real clip 12): that is no bar speed.
                let one_source = from[a] == from[f] && from[f] == from[b];
                if b > a && dt > 0.0 && one_source {
                    s.speed[f] = (s.bar_h[b] - s.bar_h[a]) / dt * cm / 100.0;
                }
            }
        }
        s
    }

    /// Time of frame position `f`.
    pub fn t(&self, f: usize) -> f64 {
        self.times.get(f).copied().unwrap_or(f64::NAN)
    }

    /// The clip's mean frame rate, to a millionth of a frame per second: the timestamps' last
    /// bits (30 fps came out as 29.999999999999996 or 30.000000000000004 from one clip to the
    /// next) must not decide how many frames a duration spans ([`Series::frames`]).
    pub fn fps(&self) -> f64 {
        let span = (self.t(self.n.saturating_sub(1)) - self.t(0)).max(1e-9);
        let fps = (self.n.max(2) - 1) as f64 / span;
        (fps * FPS_QUANTUM).round() / FPS_QUANTUM
    }

    /// Frames in `secs` at the clip's mean frame rate, at least one; a duration of a whole and
    /// a half frames (0.15 s at 30 fps) rounds up, whatever the product's last bit.
    pub fn frames(&self, secs: f64) -> usize {
        ((secs * self.fps() + HALF_FRAME_SLACK).round() as usize).max(1)
    }
}

/// The mean frame rate of timestamps `times` (seconds), rounded as [`Series::fps`]; `None` when
/// fewer than two frames or timestamps that do not advance.
fn mean_frame_rate(times: &[f64]) -> Option<f64> {
    let (first, last) = (*times.first()?, *times.last()?);
    let span = last - first;
    (times.len() >= 2 && span.is_finite() && span > 0.0).then(|| {
        let fps = (times.len() - 1) as f64 / span;
        (fps * FPS_QUANTUM).round() / FPS_QUANTUM
    })
}

/// [`Series::fps`] is rounded to 1 / this.
const FPS_QUANTUM: f64 = 1e6;
/// Added before rounding a frame count: far below any real fraction of a frame, far above a
/// product's rounding error.
const HALF_FRAME_SLACK: f64 = 1e-9;

fn opt(v: f64) -> Option<f32> {
    v.is_finite().then_some(v as f32)
}

fn pct(v: f64) -> Option<f32> {
    opt(100.0 * v)
}

/// The per-frame output rows.
pub fn frame_metrics(input: &AnalysisInput, s: &Series, reps: &Detected) -> Vec<FrameMetrics> {
    let mut rows: Vec<FrameMetrics> = input
        .frames
        .iter()
        .enumerate()
        .map(|(f, frame)| FrameMetrics {
            index: frame.index,
            time_s: frame.time_s,
            rep: None,
            phase: None,
            hip_deg: opt(s.hip[f]),
            knee_deg: opt(s.knee[f]),
            ankle_deg: opt(s.ankle[f]),
            trunk_deg: opt(s.trunk[f]),
            body_lean_deg: opt(s.body_lean[f]),
            neck_deg: opt(s.neck[f]),
            bar_x_px: opt(s.bar_x[f]),
            bar_y_px: opt(s.bar_y[f]),
            shoulder_bar_deg: opt(s.shoulder_bar_deg[f]),
            shoulder_bar_pct_leg: pct(s.shoulder_bar[f]),
            bar_midfoot_pct_leg: pct(s.bar_midfoot[f]),
            knee_midfoot_pct_leg: pct(s.knee_midfoot[f]),
            bar_speed_mps: opt(s.speed[f]),
            upper_back_deg: opt(s.upper_back[f]),
            lower_back_deg: opt(s.lower_back[f]),
            mid_back_fold_deg: opt(s.mid_back[f]),
            outline_lean_deg: opt(s.outline_lean[f]),
            shoulder_tilt_deg: opt(s.shoulder_tilt[f]),
            hip_tilt_deg: opt(s.hip_tilt[f]),
            bar_tilt_deg: opt(s.bar_tilt[f]),
            hip_shift_pct_leg: pct(s.hip_shift[f]),
        })
        .collect();
    for rep in &reps.reps {
        for (f, row) in rows.iter_mut().enumerate().take(rep.end + 1).skip(rep.start) {
            row.rep = Some(rep.number);
            row.phase = Some(rep.phase_at(f));
        }
    }
    rows
}

/// Phase of frame `f` inside a rep.
pub(crate) fn phase_between(f: usize, pull: (usize, usize), lockout_end: usize) -> Phase {
    if f >= pull.0 && f < pull.1 {
        Phase::Pull
    } else if f >= pull.1 && f <= lockout_end {
        Phase::Lockout
    } else {
        Phase::Lower
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joint_angle_cases() {
        // (from, vertex, to, expected) in canonical coordinates (forward, up).
        let cases = [
            ((0.0, -1.0), (0.0, 0.0), (0.0, 1.0), 180.0),   // straight
            ((1.0, -1.0), (0.0, 0.0), (1.0, 1.0), 90.0),    // folded forward
            ((0.0, -1.0), (0.0, 0.0), (-0.17, 1.0), 189.6), // past straight
        ];
        for (from, v, to, want) in cases {
            let got = joint_angle(from, v, to);
            assert!((got - want).abs() < 0.1, "{from:?} {to:?}: {got}");
        }
    }

    #[test]
    fn trunk_angle_cases() {
        let cases = [
            ((0.0, 0.0), (0.0, 1.0), 0.0),
            ((0.0, 0.0), (1.0, 1.0), 45.0),
            ((0.0, 0.0), (1.0, 0.0), 90.0),
            ((0.0, 0.0), (-0.2, 1.0), -11.3),
        ];
        for (hip, sh, want) in cases {
            let got = trunk_angle(hip, sh);
            assert!((got - want).abs() < 0.1, "{sh:?}: {got}");
        }
    }
}
