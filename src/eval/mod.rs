//! Scores liftcheck against labelled synthetic clips (`clip.mp4` + `clip.json` from
//! `scripts/synth`): keypoint error, angle error, rep count, event timing, per-fault precision /
//! recall / F1 and false alarms on good clips.
//!
//! Pure: the caller decodes and analyses each clip (pose track + [`Analysis`]), this module
//! only lists the folder ([`find_clips`]) and reads the ground-truth JSON
//! ([`GroundTruth::load`]). Per clip, [`score_clip`] gives a [`ClipScore`] ([`score_failed_clip`]
//! when the clip could not be analysed, so failures count against the totals); over a folder,
//! [`Summary::new`] pools them (exact medians, summed counts) and renders a table for people
//! ([`Summary::table`]) or JSON for machines (`serde_json::to_string(&summary)`,
//! `"schema_version": 1`).
//!
//! Conventions (details where they are defined): GT fault kinds map to rules in
//! [`check_for_fault`]; angles pair up as listed in [`ANGLES`], on the GT's near side
//! ([`GroundTruth::near_side`]); reps pair up by time overlap, and faults count per (rule, rep).
//!
//! Frames are aligned by index (`GtFrame::i` = `PoseFrame::index` = `FrameMetrics::index`) and
//! only frames present on both sides are scored: the decoder may drop a clip's last frame.
//!
//! [`Analysis`]: crate::analysis::Analysis

mod score;
mod summary;
mod truth;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

pub use score::{
    AngleScore, ClipScore, EventKind, EventScore, FaultOutcome, FrameCounts, JointScore, KeypointScore, KeypointStats,
    Outcome, PCK_TORSO_FRACTION, RepCount, RepMatch, score_clip, score_failed_clip,
};
pub use summary::{
    CheckScore, ClipBrief, EventSummary, FaultSummary, GoodClips, RepSummary, SEVERITY_BAND_FROM,
    SUMMARY_SCHEMA_VERSION, SeverityBand, Summary, Target, TruthCounts,
};
pub use truth::{
    ANGLES, AngleDef, GroundTruth, GtAngles, GtCamera, GtFault, GtFrame, GtJoints3d, GtLift, GtRep, GtSubject, GtVideo,
    REF_GT, REF_LUMBAR, REF_SAGITTAL, REF_THORACIC, SCHEMA_VERSION, check_for_fault,
};

/// Errors of the evaluation layer: reading a ground-truth file or its content.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    // The cause is part of the message, not a `source`: error chains would print it twice.
    #[error("{}: {error}", path.display())]
    Read { path: PathBuf, error: std::io::Error },
    #[error("{}: not valid ground truth: {error}", path.display())]
    Parse { path: PathBuf, error: serde_json::Error },
    #[error("{}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
}

impl EvalError {
    /// The same error attributed to `path`.
    fn at(self, path: &Path) -> Self {
        let path = path.to_path_buf();
        match self {
            EvalError::Read { error, .. } => EvalError::Read { path, error },
            EvalError::Parse { error, .. } => EvalError::Parse { path, error },
            EvalError::Invalid { message, .. } => EvalError::Invalid { path, message },
        }
    }
}

/// Video file endings looked for by [`find_clips`].
const VIDEO_EXTENSIONS: [&str; 6] = ["mp4", "mov", "m4v", "mkv", "avi", "webm"];

/// A clip and its ground truth.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClipFiles {
    pub video: PathBuf,
    pub truth: PathBuf,
}

/// The videos in `dir` (not recursive) that have a `.json` of the same stem beside them, sorted
/// by path; videos without one are left out (nothing to score them against).
pub fn find_clips(dir: &Path) -> Result<Vec<ClipFiles>, EvalError> {
    let read_err = |error| EvalError::Read {
        path: dir.to_path_buf(),
        error,
    };
    let mut clips = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_err)? {
        let video = entry.map_err(read_err)?.path();
        let is_video = video
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| VIDEO_EXTENSIONS.iter().any(|v| v.eq_ignore_ascii_case(e)));
        let truth = video.with_extension("json");
        if is_video && video.is_file() && truth.is_file() {
            clips.push(ClipFiles { video, truth });
        }
    }
    clips.sort_by(|a, b| a.video.cmp(&b.video));
    Ok(clips)
}
