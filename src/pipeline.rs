//! Decoding and pose inference overlapped: a decoder thread fills frame buffers from a small
//! recycled pool while the calling thread runs the models, so neither waits on the other and no
//! frame buffer is allocated after the first few. Per-frame work that needs the pose but that
//! the next frame's pose does not wait for (the plate search, the segmentation head) runs on a
//! third thread, off the models' path.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::pose::blazepose::{BlazePose, PoseError, PoseTimings};
use crate::pose::{Pose, PoseFrame};
use crate::video::{Frame, VideoError, VideoInfo, VideoReader};

/// Fewest frame buffers in the pool: one being estimated, one decoding ahead, one queued for the
/// frame worker and one it works on. The buffers beyond the first three may all queue for the
/// worker, so there must be more than three.
const MIN_FRAMES_IN_FLIGHT: usize = 4;
const _: () = assert!(MIN_FRAMES_IN_FLIGHT > 3);
/// Most frame buffers in the pool. The frame worker's work comes in bursts (the background-line
/// search takes 6 ms on one frame a second), and while it is behind, the frames it holds are
/// frames the decoder cannot fill: more buffers let decoding and inference go on meanwhile.
const MAX_FRAMES_IN_FLIGHT: usize = 8;
/// Memory the pool may take beyond [`MIN_FRAMES_IN_FLIGHT`] buffers, bytes: two more 1080p BGR
/// frames (6.2 MB each), none for 4K ones. Measured on the 1080p benchmark clip: about 2% faster
/// than four buffers, for about 12 MB (`scripts/bench/README.md`, "Deeper queues").
const EXTRA_FRAMES_BUDGET_BYTES: usize = 14 << 20;

/// Frame buffers for a clip of `width` x `height` (BGR, 3 bytes a pixel).
fn frames_in_flight(width: u32, height: u32) -> usize {
    let frame_bytes = (width as usize * height as usize * 3).max(1);
    (MIN_FRAMES_IN_FLIGHT + EXTRA_FRAMES_BUDGET_BYTES / frame_bytes).min(MAX_FRAMES_IN_FLIGHT)
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
    /// Time spent in the caller's per-frame callback on the inference thread (collecting the
    /// frame; the back outline too when the mask came with the keypoints, and the segmentation
    /// head when it runs right after them: `track::track_opened`).
    pub per_frame_consumer: Duration,
    /// Frame-worker thread time (plate search, the segmentation head), overlapped with inference.
    pub frame_worker: Duration,
    /// Time the inference thread waited to hand a frame to the busy frame worker.
    pub waiting_for_worker: Duration,
    /// Whether the frame worker ran the segmentation head (set by `track::track_opened`).
    pub mask_head_on_worker: bool,
    pub wall: Duration,
    pub models: PoseTimings,
}

/// Decodes the clip `reader` opened and runs `estimator` on every frame, handing each frame and
/// its pose to `on_frame` in order. `on_frame` may stop the run by returning an error message.
/// `mask_after(info, next_index, pose)` says whether the frame after one with `pose` needs the
/// segmentation mask (the first frame, and any after a frame without a pose, get it). It is called
/// once for each frame with a pose, right after that frame's pose and before `on_frame` gets the
/// frame, so state it keeps about frame `next_index - 1` is current when `on_frame` runs.
///
/// `on_frame` may return a job for the frame: `frame_worker(frame, job)` then runs on a thread
/// of its own, in frame order, while inference goes on with the next frames; the frame's buffer
/// goes back to the decoder after it.
pub fn run_pose<F, J, W>(
    mut reader: VideoReader,
    estimator: &mut BlazePose,
    mut mask_after: impl FnMut(&VideoInfo, usize, &Pose) -> bool,
    mut on_frame: F,
    mut frame_worker: W,
) -> Result<(VideoInfo, RunStats), PipelineError>
where
    F: FnMut(&VideoInfo, &Frame, &PoseFrame, &mut BlazePose) -> Result<Option<J>, String>,
    J: Send,
    W: FnMut(&Frame, J) + Send,
{
    let started = Instant::now();
    let info = reader.info().clone();
    let path = info.path.as_path();
    estimator.start_clip(info.fps);
    let models_before = estimator.timings();
    let mut stats = RunStats::default();

    let pool = frames_in_flight(info.width, info.height);
    let (full_tx, full_rx) = mpsc::sync_channel::<Result<Frame, VideoError>>(pool);
    let (empty_tx, empty_rx) = mpsc::channel::<Frame>();
    for _ in 0..pool {
        let _ = empty_tx.send(Frame::default());
    }
    // Every buffer beyond the one being estimated, one decoding and one with the worker may wait
    // for the worker.
    let (job_tx, job_rx) = mpsc::sync_channel::<(Frame, J)>(pool - 3);
    let worker_recycles = empty_tx.clone();

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
        let worker = scope.spawn(move || {
            let mut busy = Duration::ZERO;
            // Every job is done, even after an error elsewhere: it is cheap, and stopping early
            // would need a second way out.
            for (frame, job) in job_rx {
                let t = Instant::now();
                frame_worker(&frame, job);
                busy += t.elapsed();
                let _ = worker_recycles.send(frame);
            }
            busy
        });

        let mut result = Ok(());
        let mut with_mask = true;
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
            // No pose: nothing is known about the next frame, so it gets the mask.
            with_mask = pose.as_ref().is_none_or(|p| mask_after(&info, frame.index + 1, p));
            let pose_frame = PoseFrame {
                index: frame.index,
                time_s: frame.time_s,
                pose,
            };
            let t = Instant::now();
            let consumed = on_frame(&info, &frame, &pose_frame, estimator);
            stats.per_frame_consumer += t.elapsed();
            match consumed {
                Err(reason) => {
                    result = Err(PipelineError::Stopped {
                        path: path.to_path_buf(),
                        reason,
                    });
                    break;
                }
                // The worker recycles the buffer when done with it. It is gone only if it
                // panicked: keep the buffer in the pool, and the panic goes on when it is joined.
                Ok(Some(job)) => {
                    let t = Instant::now();
                    let sent = job_tx.send((frame, job));
                    stats.waiting_for_worker += t.elapsed();
                    if let Err(mpsc::SendError((frame, _))) = sent {
                        let _ = empty_tx.send(frame);
                    }
                }
                // Recycle the buffer. The decoder may already have finished (it runs ahead): the
                // frames it queued must still be drained, so a closed channel is not a reason to
                // stop.
                Ok(None) => {
                    let _ = empty_tx.send(frame);
                }
            }
        }
        // Let the worker finish its queue, then unblock and join the decoder whatever happened.
        drop(job_tx);
        stats.frame_worker = match worker.join() {
            Ok(busy) => busy,
            // A panic in the caller's worker is the caller's, as it would be on this thread.
            Err(panic) => std::panic::resume_unwind(panic),
        };
        drop(empty_tx);
        drop(full_rx);
        stats.decode = match decoder.join() {
            Ok(busy) => busy,
            Err(panic) => std::panic::resume_unwind(panic),
        };
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
    fn the_pool_grows_for_small_frames_and_stays_at_its_least_for_large_ones() {
        for (width, height, expected) in [
            (640, 360, MAX_FRAMES_IN_FLIGHT),
            (1280, 720, 8),
            (1920, 1080, 6),
            (1080, 1920, 6),
            (2560, 1440, 5),
            (3840, 2160, MIN_FRAMES_IN_FLIGHT),
            (7680, 4320, MIN_FRAMES_IN_FLIGHT),
            (0, 0, MAX_FRAMES_IN_FLIGHT),
        ] {
            assert_eq!(frames_in_flight(width, height), expected, "{width}x{height}");
        }
    }
}
