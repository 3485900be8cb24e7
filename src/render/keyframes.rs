//! Key frames for the HTML report: set-up, lift-off (RDL: bottom) and lockout of the first reps,
//! with the skeleton drawn, as small JPEGs. Which frames is decided from the analysis alone
//! ([`pick`]); the clip is then decoded once, up to the last frame needed.

use std::path::Path;

use opencv::core::{self, Mat, Size, Vector};
use opencv::prelude::*;
use opencv::{imgcodecs, imgproc};

use super::annotate::RenderError;
use super::html::KeyFrame;
use super::overlay::{self, Style};
use crate::analysis::{Analysis, Event, LiftVariant, Rep};
use crate::pose::Pose;
use crate::track::PoseTrack;
use crate::video::{Frame, VideoReader};

/// At most this many key frames per report (three per rep: the first two reps).
pub const MAX_KEY_FRAMES: usize = 6;
/// Key frames are scaled down to this height (never up): sharp enough to judge a position,
/// small enough that six of them keep the report under a megabyte.
pub const KEY_FRAME_HEIGHT: i32 = 480;
/// The start of an RDL (standing, before the descent) is shown this long before the descent,
/// as is a conventional set-up whose angles were not measured.
const SETUP_LEAD_S: f64 = 0.5;
/// A conventional set-up is searched for this far back from lift-off.
const SETUP_SEARCH_S: f64 = 3.0;
/// Frames whose angles are this close to the best match of the set-up angles (mean absolute
/// difference, degrees) count as the set-up too.
const SETUP_MATCH_TOLERANCE_DEG: f32 = 1.0;
const JPEG_QUALITY: i32 = 85;

/// A frame to show: its position in the track's frame list and its caption.
#[derive(Clone, Debug, PartialEq)]
pub struct Pick {
    pub pos: usize,
    pub label: String,
}

/// Position of the last frame at or before `t` (the first frame if `t` is earlier).
fn pos_at(analysis: &Analysis, t: f64) -> usize {
    analysis.frames.partition_point(|m| m.time_s <= t).saturating_sub(1)
}

/// The conventional set-up the analysis measured: of the frames in the `SETUP_SEARCH_S` before
/// lift-off (not before `from_s`), the one whose angles (hip, knee, trunk, neck, shoulders over
/// the bar) are nearest the rep's set-up metrics; the latest of those within
/// `SETUP_MATCH_TOLERANCE_DEG` of the best, since a lifter holds the set-up still for a while.
/// `None` when no set-up angle was measured.
fn measured_setup_pos(analysis: &Analysis, rep: &Rep, lift_off: Event, from_s: f64) -> Option<usize> {
    let m = &rep.metrics;
    let targets = [
        m.setup_hip_deg,
        m.setup_knee_deg,
        m.setup_trunk_deg,
        m.setup_neck_deg,
        m.setup_shoulder_bar_deg,
    ];
    let from = pos_at(analysis, (lift_off.time_s - SETUP_SEARCH_S).max(from_s));
    let distances: Vec<(usize, f32)> = analysis
        .frames
        .iter()
        .enumerate()
        .take(lift_off.pos)
        .skip(from)
        .filter_map(|(pos, f)| {
            let values = [f.hip_deg, f.knee_deg, f.trunk_deg, f.neck_deg, f.shoulder_bar_deg];
            let diffs: Vec<f32> = values
                .iter()
                .zip(&targets)
                .filter_map(|(v, t)| Some((v.as_ref()? - t.as_ref()?).abs()))
                .collect();
            (!diffs.is_empty()).then(|| (pos, diffs.iter().sum::<f32>() / diffs.len() as f32))
        })
        .collect();
    let best = distances.iter().map(|&(_, d)| d).min_by(f32::total_cmp)?;
    distances
        .iter()
        .rev()
        .find(|&&(_, d)| d <= best + SETUP_MATCH_TOLERANCE_DEG)
        .map(|&(pos, _)| pos)
}

/// The key frames of `analysis`, in time order: per rep the set-up (the position the set-up
/// angles in the report were measured on), lift-off (RDL: bottom) and
/// lockout, for as many reps as fit in [`MAX_KEY_FRAMES`]. A clip without reps gets its middle
/// frame. Touch-and-go reps have no set-up of their own.
pub fn pick(analysis: &Analysis) -> Vec<Pick> {
    let n = analysis.frames.len();
    if n == 0 {
        return Vec::new();
    }
    if analysis.reps.is_empty() {
        return vec![Pick {
            pos: n / 2,
            label: "Middle of the clip (no reps found)".into(),
        }];
    }
    let mut picks: Vec<Pick> = Vec::new();
    let mut prev_end_s = analysis.frames[0].time_s;
    for rep in &analysis.reps {
        let mut rep_picks = Vec::new();
        let (start, start_name) = match analysis.variant {
            LiftVariant::Romanian => (rep.descent_start, "start"),
            _ => (rep.lift_off, "set-up"),
        };
        let (low, low_name) = match analysis.variant {
            LiftVariant::Romanian => (rep.bottom, "bottom"),
            _ => (rep.lift_off, "lift-off"),
        };
        if let Some(e) = start.filter(|_| !rep.touch_and_go) {
            let measured = match analysis.variant {
                LiftVariant::Romanian => None,
                _ => measured_setup_pos(analysis, rep, e, prev_end_s),
            };
            let pos = measured.unwrap_or_else(|| pos_at(analysis, (e.time_s - SETUP_LEAD_S).max(prev_end_s)));
            if pos < e.pos.min(n - 1) {
                rep_picks.push((pos, start_name));
            }
        }
        if let Some(e) = low {
            rep_picks.push((e.pos.min(n - 1), low_name));
        }
        if let Some(e) = rep.lockout {
            rep_picks.push((e.pos.min(n - 1), "lockout"));
        }
        if picks.len() + rep_picks.len() > MAX_KEY_FRAMES {
            break;
        }
        for (pos, name) in rep_picks {
            if picks.last().is_none_or(|p| p.pos < pos) {
                picks.push(Pick {
                    pos,
                    label: format!("Rep {} {name}", rep.number),
                });
            }
        }
        prev_end_s = rep.set_down.map_or(rep.end_s, |e| e.time_s).max(prev_end_s);
    }
    picks
}

/// A key frame further ahead than this is reached by seeking rather than by decoding every
/// frame before it, seconds. A seek decodes from the key frame of the stream before the
/// target: phone clips have one about every second, so seeking pays from about two seconds
/// ahead (a walk-in before the first set-up, a long rest between reps).
const SEEK_MIN_S: f64 = 2.0;

/// The key frames with the skeleton drawn. `track` and `analysis` must come from this clip.
///
/// Far-apart key frames are reached by seeking; each frame read is checked against the
/// timestamp the pose stage read for it in order, and on any difference the clip is decoded
/// again from the start ([`key_frames_in_order`]), so the pictures are always those frames.
pub fn key_frames(video: &Path, track: &PoseTrack, analysis: &Analysis) -> Result<Vec<KeyFrame>, RenderError> {
    match key_frames_seeking(video, track, analysis)? {
        Some(frames) => Ok(frames),
        None => key_frames_in_order(video, track, analysis),
    }
}

/// [`key_frames`] by seeking; `None` when a frame read is not the one wanted (public for the
/// tests, which compare it with [`key_frames_in_order`]).
pub fn key_frames_seeking(
    video: &Path,
    track: &PoseTrack,
    analysis: &Analysis,
) -> Result<Option<Vec<KeyFrame>>, RenderError> {
    let picks = pick(analysis);
    let mut reader = VideoReader::open(video)?;
    let fps = if track.video.fps > 0.0 { track.video.fps } else { 30.0 };
    let seek_min_frames = (SEEK_MIN_S * fps).round() as usize;
    let mut frame = Frame::default();
    let mut out = Vec::with_capacity(picks.len());
    let mut next_index = 0;
    for p in &picks {
        // `pick` gives each frame once, in order.
        let Some(wanted) = track.frames.get(p.pos).filter(|w| w.index >= next_index) else {
            return Ok(None);
        };
        if wanted.index >= next_index + seek_min_frames && reader.seek(wanted.index).is_err() {
            return Ok(None);
        }
        loop {
            if crate::cancel::requested() {
                return Err(RenderError::Interrupted);
            }
            let at_wanted = reader.next_index() == wanted.index;
            let decoded = if at_wanted {
                reader.read_into(&mut frame)?
            } else {
                reader.skip()?
            };
            if !decoded {
                return Ok(None);
            }
            if at_wanted {
                break;
            }
        }
        next_index = wanted.index + 1;
        if frame.index != wanted.index || frame.time_s != wanted.time_s {
            return Ok(None);
        }
        out.push(KeyFrame {
            label: p.label.clone(),
            time_s: analysis.frames.get(p.pos).map_or(frame.time_s, |m| m.time_s),
            jpeg: encode_key_frame(&frame.image, wanted.pose.as_ref())?,
        });
    }
    Ok(Some(out))
}

/// Decodes `video` up to the last key frame and returns the key frames with the skeleton drawn.
/// `track` and `analysis` must come from this clip.
pub fn key_frames_in_order(video: &Path, track: &PoseTrack, analysis: &Analysis) -> Result<Vec<KeyFrame>, RenderError> {
    let picks = pick(analysis);
    let Some(last) = picks.iter().map(|p| p.pos).max() else {
        return Ok(Vec::new());
    };
    let mut reader = VideoReader::open(video)?;
    let mut frame = Frame::default();
    let mut out = Vec::with_capacity(picks.len());
    let mut next = picks.iter().peekable();
    for i in 0..=last {
        if crate::cancel::requested() {
            return Err(RenderError::Interrupted);
        }
        let wanted = next.peek().is_some_and(|p| p.pos == i);
        let decoded = if wanted {
            reader.read_into(&mut frame)?
        } else {
            reader.skip()?
        };
        if !decoded {
            return Err(RenderError::FrameMismatch {
                path: video.to_path_buf(),
                decoded: i,
                analysed: track.frames.len(),
            });
        }
        while let Some(p) = next.next_if(|p| p.pos == i) {
            let pose = track.frames.get(i).and_then(|f| f.pose.as_ref());
            out.push(KeyFrame {
                label: p.label.clone(),
                time_s: analysis.frames.get(i).map_or(frame.time_s, |m| m.time_s),
                jpeg: encode_key_frame(&frame.image, pose)?,
            });
        }
    }
    Ok(out)
}

/// Scales `image` to [`KEY_FRAME_HEIGHT`], draws the skeleton and encodes a JPEG.
pub fn encode_key_frame(image: &Mat, pose: Option<&Pose>) -> Result<Vec<u8>, RenderError> {
    let rows = image.rows();
    let scale = if rows > KEY_FRAME_HEIGHT {
        f64::from(KEY_FRAME_HEIGHT) / f64::from(rows)
    } else {
        1.0
    };
    let mut small = Mat::default();
    if scale < 1.0 {
        let width = ((f64::from(image.cols()) * scale).round() as i32).max(1);
        imgproc::resize(
            image,
            &mut small,
            Size::new(width, KEY_FRAME_HEIGHT),
            0.0,
            0.0,
            imgproc::INTER_AREA,
        )?;
    } else {
        image.copy_to(&mut small)?;
    }
    if let Some(pose) = pose {
        let mut scaled = pose.clone();
        for k in &mut scaled.keypoints {
            k.x *= scale as f32;
            k.y *= scale as f32;
        }
        let style = Style::for_frame(small.cols(), small.rows());
        overlay::draw_skeleton(&mut small, &scaled, &style)?;
    }
    let mut buf = Vector::<u8>::new();
    let params = Vector::<i32>::from_slice(&[imgcodecs::IMWRITE_JPEG_QUALITY, JPEG_QUALITY]);
    if !imgcodecs::imencode(".jpg", &small, &mut buf, &params)? {
        return Err(RenderError::Draw(opencv::Error::new(
            core::StsError,
            "JPEG encoding of a key frame failed",
        )));
    }
    Ok(buf.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::plots::tests::sample_clip;

    #[test]
    fn picks_set_up_lift_off_and_lockout_of_each_rep_in_order() {
        let (_, a) = sample_clip();
        let picks = pick(&a);
        let labels: Vec<&str> = picks.iter().map(|p| p.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "Rep 1 set-up",
                "Rep 1 lift-off",
                "Rep 1 lockout",
                "Rep 2 set-up",
                "Rep 2 lift-off",
                "Rep 2 lockout"
            ]
        );
        assert!(picks.windows(2).all(|w| w[0].pos < w[1].pos), "time order: {picks:?}");
        // The set-up frame shows the angles the report gives for the set-up.
        for (rep, pick) in a.reps.iter().zip([&picks[0], &picks[3]]) {
            let (m, f) = (&rep.metrics, &a.frames[pick.pos]);
            let pairs: Vec<(f32, f32)> = [
                (m.setup_hip_deg, f.hip_deg),
                (m.setup_knee_deg, f.knee_deg),
                (m.setup_trunk_deg, f.trunk_deg),
                (m.setup_neck_deg, f.neck_deg),
            ]
            .into_iter()
            .filter_map(|(want, got)| Some((want?, got?)))
            .collect();
            assert!(pairs.len() >= 2, "rep {}: set-up angles measured", rep.number);
            for (want, got) in pairs {
                assert!(
                    (want - got).abs() < 2.0,
                    "rep {}: set-up {want} vs frame {got}",
                    rep.number
                );
            }
            assert!(f.time_s < rep.lift_off.expect("lift-off").time_s);
        }
    }

    #[test]
    fn romanian_deadlift_shows_start_bottom_and_lockout() {
        use crate::analysis::synth::{self, Lift, Spec};
        use crate::analysis::{Config, analyze};
        let clip = synth::generate(&Spec {
            lift: Lift::Romanian,
            reps: 1,
            ..Spec::default()
        });
        let a = analyze(&clip.input(), LiftVariant::Auto, &Config::default()).expect("analysis");
        assert_eq!(a.variant, LiftVariant::Romanian);
        let labels: Vec<String> = pick(&a).into_iter().map(|p| p.label).collect();
        assert_eq!(labels, ["Rep 1 start", "Rep 1 bottom", "Rep 1 lockout"]);
    }

    #[test]
    fn no_more_than_the_maximum_and_whole_reps_only() {
        let (_, mut a) = sample_clip();
        let extra = a.reps[1].clone();
        a.reps.push(crate::analysis::Rep { number: 3, ..extra });
        let picks = pick(&a);
        assert!(picks.len() <= MAX_KEY_FRAMES);
        assert!(picks.iter().all(|p| !p.label.starts_with("Rep 3")));
    }

    #[test]
    fn no_reps_gives_the_middle_frame_and_no_frames_gives_nothing() {
        let (_, mut a) = sample_clip();
        a.reps.clear();
        let picks = pick(&a);
        assert_eq!(picks.len(), 1);
        assert_eq!(picks[0].pos, a.frames.len() / 2);
        a.frames.clear();
        assert!(pick(&a).is_empty());
    }

    #[test]
    fn key_frame_is_a_scaled_jpeg_with_the_skeleton() {
        let (clip, a) = sample_clip();
        let pos = pick(&a)[1].pos;
        let pose = clip.frames[pos].pose.as_ref().expect("pose on lift-off");
        // A 1280x720 black frame: the skeleton is the only thing drawn on it.
        let image = Mat::new_rows_cols_with_default(720, 1280, core::CV_8UC3, core::Scalar::all(0.0)).expect("frame");
        let jpeg = encode_key_frame(&image, Some(pose)).expect("encode");
        assert_eq!(&jpeg[..3], &[0xFF, 0xD8, 0xFF], "JPEG magic");
        let decoded = imgcodecs::imdecode(&Vector::<u8>::from_slice(&jpeg), imgcodecs::IMREAD_COLOR).expect("decode");
        assert_eq!((decoded.cols(), decoded.rows()), (853, KEY_FRAME_HEIGHT));
        let mut grey = Mat::default();
        imgproc::cvt_color(&decoded, &mut grey, imgproc::COLOR_BGR2GRAY, 0).expect("grey");
        let mut bright = Mat::default();
        imgproc::threshold(&grey, &mut bright, 40.0, 255.0, imgproc::THRESH_BINARY).expect("threshold");
        let lit = core::count_non_zero(&bright).expect("count");
        assert!(lit > 500, "skeleton pixels: {lit}");
        let plain = encode_key_frame(&image, None).expect("encode");
        assert!(plain.len() < jpeg.len(), "a frame without a pose has nothing drawn");
    }
}
