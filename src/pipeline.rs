//! Decoding and pose inference overlapped: a decoder thread fills frame buffers from a small
//! recycled pool while the calling thread runs the models, so neither waits on the other and no
//! frame buffer is allocated after the first few.

use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::pose::blazepose::{BlazePose, PoseError, PoseTimings};
use crate::pose::{Pose, PoseFrame};
use crate::video::{Frame, VideoError, VideoInfo, VideoReader};

/// Frames decoded ahead of inference. Two keeps both threads busy; more only costs memory.
const FRAMES_IN_FLIGHT: usize = 3;

/// The segmentation mask serves only the back outline, which is read on side views
/// ([`crate::track::outline_readable`]) and used while the trunk is inclined
/// (`back_outline_min_trunk_deg`, 30 degrees by default) and, for a Romanian deadlift's
/// reference, over half a second of standing. Side-view frames whose previous pose had the trunk
/// at least this far from vertical get the mask on every frame: a margin below 30 for a lower
/// configured limit and for the one frame the decision lags.
pub const MASK_EVERY_FRAME_TRUNK_DEG: f32 = 20.0;

/// On other side-view frames the mask is computed this often per second of video: 7-8 outlines in a
/// standing reference window of 0.5 s (`back_reference_window_s`), and a rate far above the
/// outline's 2 Hz low-pass (`back_cutoff_hz`). The frames in between run the landmark model
/// without its segmentation head, which is 40% of the model at one thread (16.1 vs 9.6 ms,
/// `cargo bench --bench pose -- 'model/landmark_full'`).
pub const MASK_HZ: f64 = 15.0;

/// Every how many frames a standing lifter gets the mask at `fps` (1: every frame).
pub fn mask_stride(fps: f64) -> usize {
    if fps.is_finite() && fps > MASK_HZ {
        (fps / MASK_HZ).round().max(1.0) as usize
    } else {
        1
    }
}

/// What the previous frame's pose says about the next frame's need for a mask.
#[derive(Clone, Copy, Debug)]
struct LastPose {
    trunk_deg: f32,
    outline_readable: bool,
}

impl LastPose {
    fn of(pose: &Pose) -> Self {
        Self {
            trunk_deg: pose.trunk_from_vertical_deg(),
            outline_readable: crate::track::outline_readable(pose),
        }
    }
}

/// Whether frame `index` gets the segmentation mask, given the previous frame's pose (`None`: no
/// pose there, so nothing is known and the mask is computed).
fn wants_mask(index: usize, stride: usize, last: Option<LastPose>) -> bool {
    last.is_none_or(|p| {
        p.outline_readable && (index.is_multiple_of(stride) || p.trunk_deg >= MASK_EVERY_FRAME_TRUNK_DEG)
    })
}

#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error(transparent)]
    Video(#[from] VideoError),
    // The cause is part of the message, not a `source`: error chains would print it twice.
    #[error("{}: {error}", path.display())]
    Pose { path: std::path::PathBuf, error: PoseError },
    #[error("{}: stopped: {reason}", path.display())]
    Stopped { path: std::path::PathBuf, reason: String },
}

/// Where the time went, summed over the clip.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RunStats {
    pub frames: usize,
    pub frames_with_pose: usize,
    /// Decoder thread time (demux, decode, rotation), overlapped with inference.
    pub decode: Duration,
    /// Inference-thread time in the pose estimator (crops, models, post-processing).
    pub pose: Duration,
    /// Time the inference thread waited for decoded frames.
    pub waiting_for_frames: Duration,
    /// Time spent in the caller's per-frame callback (back outline, plate search, collection).
    pub per_frame_consumer: Duration,
    pub wall: Duration,
    pub models: PoseTimings,
}

/// Decodes `path` and runs `estimator` on every frame, handing each frame and its pose to
/// `on_frame` in order. `on_frame` may stop the run by returning an error message.
pub fn run_pose<F>(
    path: &Path,
    estimator: &mut BlazePose,
    mut on_frame: F,
) -> Result<(VideoInfo, RunStats), PipelineError>
where
    F: FnMut(&VideoInfo, &Frame, &PoseFrame, &BlazePose) -> Result<(), String>,
{
    let started = Instant::now();
    let mut reader = VideoReader::open(path)?;
    let info = reader.info().clone();
    let stride = mask_stride(info.fps);
    estimator.reset();
    let models_before = estimator.timings();
    let mut stats = RunStats::default();

    let (full_tx, full_rx) = mpsc::sync_channel::<Result<Frame, VideoError>>(FRAMES_IN_FLIGHT);
    let (empty_tx, empty_rx) = mpsc::channel::<Frame>();
    for _ in 0..FRAMES_IN_FLIGHT {
        let _ = empty_tx.send(Frame::default());
    }

    let outcome = std::thread::scope(|scope| -> Result<(), PipelineError> {
        let decoder = scope.spawn(move || {
            let mut busy = Duration::ZERO;
            // Stops when the video ends, on error, or when the consumer hangs up.
            while let Ok(mut frame) = empty_rx.recv() {
                let t = Instant::now();
                let result = reader.read_into(&mut frame);
                busy += t.elapsed();
                match result {
                    Ok(true) => {
                        if full_tx.send(Ok(frame)).is_err() {
                            break;
                        }
                    }
                    Ok(false) => break,
                    Err(e) => {
                        let _ = full_tx.send(Err(e));
                        break;
                    }
                }
            }
            busy
        });

        let mut result = Ok(());
        let mut last_pose = None;
        loop {
            let wait = Instant::now();
            let Ok(next) = full_rx.recv() else { break };
            stats.waiting_for_frames += wait.elapsed();
            let frame = match next {
                Ok(frame) => frame,
                Err(e) => {
                    result = Err(e.into());
                    break;
                }
            };
            let t = Instant::now();
            if crate::cancel::requested() {
                result = Err(PipelineError::Stopped {
                    path: path.to_path_buf(),
                    reason: crate::cancel::INTERRUPTED.into(),
                });
                break;
            }
            let with_mask = wants_mask(frame.index, stride, last_pose);
            let pose = match estimator.estimate_with_mask(&frame.image, with_mask) {
                Ok(p) => p,
                Err(error) => {
                    result = Err(PipelineError::Pose {
                        path: path.to_path_buf(),
                        error,
                    });
                    break;
                }
            };
            stats.pose += t.elapsed();
            stats.frames += 1;
            stats.frames_with_pose += usize::from(pose.is_some());
            last_pose = pose.as_ref().map(LastPose::of);
            let pose_frame = PoseFrame {
                index: frame.index,
                time_s: frame.time_s,
                pose,
            };
            let t = Instant::now();
            let consumed = on_frame(&info, &frame, &pose_frame, estimator);
            stats.per_frame_consumer += t.elapsed();
            if let Err(reason) = consumed {
                result = Err(PipelineError::Stopped {
                    path: path.to_path_buf(),
                    reason,
                });
                break;
            }
            // Recycle the buffer. The decoder may already have finished (it runs ahead): the
            // frames it queued must still be drained, so a closed channel is not a reason to stop.
            let _ = empty_tx.send(frame);
        }
        // Unblock and join the decoder whatever happened.
        drop(empty_tx);
        drop(full_rx);
        stats.decode = decoder.join().unwrap_or_default();
        result
    });
    outcome?;

    let models_after = estimator.timings();
    stats.models = PoseTimings {
        inference: models_after.inference - models_before.inference,
        detector_runs: models_after.detector_runs - models_before.detector_runs,
        detector: models_after.detector - models_before.detector,
        landmark_runs: models_after.landmark_runs - models_before.landmark_runs,
        mask_runs: models_after.mask_runs - models_before.mask_runs,
        landmark: models_after.landmark - models_before.landmark,
    };
    stats.wall = started.elapsed();
    Ok((info, stats))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_cases() {
        let side = |trunk_deg| {
            Some(LastPose {
                trunk_deg,
                outline_readable: true,
            })
        };
        let front = |trunk_deg| {
            Some(LastPose {
                trunk_deg,
                outline_readable: false,
            })
        };
        // (fps, frame index, previous pose, mask wanted)
        let cases = [
            (30.0, 0, side(5.0), true),
            (30.0, 1, side(5.0), false),
            (30.0, 2, side(5.0), true),
            (30.0, 1, side(25.0), true),
            (30.0, 1, None, true),
            (30.0, 1, front(60.0), false),
            (30.0, 0, front(5.0), false),
            (60.0, 2, side(0.0), false),
            (60.0, 4, side(0.0), true),
            (10.0, 7, side(0.0), true),
            (f64::NAN, 3, side(0.0), true),
        ];
        for (fps, index, last, want) in cases {
            assert_eq!(
                wants_mask(index, mask_stride(fps), last),
                want,
                "{fps} fps, frame {index}, {last:?}"
            );
        }
    }
}
