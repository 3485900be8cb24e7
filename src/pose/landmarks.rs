//! BlazePose landmark-model post-processing: raw landmarks, heatmap refinement, projection from
//! the crop back to the frame, and the next frame's region of interest.

use super::geometry::{Point, Roi};
use super::{Keypoint, NUM_KEYPOINTS};

/// Landmark model input side in pixels.
pub const LANDMARK_INPUT_SIZE: u32 = 256;
/// Landmarks in the model output: the 33 body landmarks plus 6 auxiliary ones used for tracking.
pub const NUM_MODEL_LANDMARKS: usize = 39;
/// Values per landmark in the `landmarks` output: x, y, z, visibility logit, presence logit.
pub const VALUES_PER_LANDMARK: usize = 5;
/// Heatmap side and channel count (`heatmap` output is `[1, 64, 64, 39]`, HWC).
pub const HEATMAP_SIZE: usize = 64;
/// Auxiliary landmarks giving the next ROI: hip centre and scale point.
const AUX_CENTER: usize = 33;
const AUX_SCALE: usize = 34;
/// Refinement window side. MediaPipe's graph sets `kernel_size: 7`, but its official build
/// (PyPI `mediapipe` 0.10.21, same weights) behaves exactly as a 9x9 window: matched to under
/// 0.01 heatmap cell on every keypoint tried, where 7x7 leaves 0.5-15 px differences
/// (`scripts/models/compare_mediapipe.py`).
const REFINE_KERNEL: usize = 9;
/// A landmark is refined only when its window holds a heatmap value at least this confident
/// (MediaPipe's `min_confidence_to_refine`).
const REFINE_MIN_CONFIDENCE: f32 = 0.5;
/// Below this `pose_flag` the ROI holds no person and the detector must run again
/// (MediaPipe's pose-presence threshold).
pub const MIN_POSE_PRESENCE: f32 = 0.5;

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// A landmark in ROI-normalised coordinates (0..1 across the crop), with raw logits.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CropLandmark {
    pub u: f32,
    pub v: f32,
    pub z: f32,
    pub visibility_logit: f32,
    pub presence_logit: f32,
}

/// Reads the `landmarks` output (`NUM_MODEL_LANDMARKS * 5` values) into ROI-normalised landmarks.
pub fn decode(raw: &[f32], out: &mut [CropLandmark; NUM_MODEL_LANDMARKS]) {
    let size = LANDMARK_INPUT_SIZE as f32;
    for (lm, r) in out.iter_mut().zip(raw.chunks_exact(VALUES_PER_LANDMARK)) {
        *lm = CropLandmark {
            u: r[0] / size,
            v: r[1] / size,
            z: r[2] / size,
            visibility_logit: r[3],
            presence_logit: r[4],
        };
    }
}

/// MediaPipe's heatmap refinement: replaces each landmark's position by the sigmoid-weighted
/// centroid of a `REFINE_KERNEL`-sided heatmap window around it, when that window is
/// confident enough.
pub fn refine_with_heatmap(heatmap: &[f32], landmarks: &mut [CropLandmark; NUM_MODEL_LANDMARKS]) {
    let (hm, channels) = (HEATMAP_SIZE as i64, NUM_MODEL_LANDMARKS);
    let offset = (REFINE_KERNEL as i64 - 1) / 2;
    for (index, lm) in landmarks.iter_mut().enumerate() {
        let col = (lm.u * hm as f32) as i64;
        let row = (lm.v * hm as f32) as i64;
        if col < 0 || col >= hm || row < 0 || row >= hm {
            continue;
        }
        let (mut sum, mut weighted_col, mut weighted_row, mut max) = (0.0f32, 0.0f32, 0.0f32, 0.0f32);
        for r in (row - offset).max(0)..(row + offset + 1).min(hm) {
            for c in (col - offset).max(0)..(col + offset + 1).min(hm) {
                let confidence = sigmoid(heatmap[((r * hm + c) as usize) * channels + index]);
                sum += confidence;
                max = max.max(confidence);
                weighted_col += c as f32 * confidence;
                weighted_row += r as f32 * confidence;
            }
        }
        if max >= REFINE_MIN_CONFIDENCE && sum > 0.0 {
            lm.u = weighted_col / hm as f32 / sum;
            lm.v = weighted_row / hm as f32 / sum;
        }
    }
}

/// Projects the 33 body landmarks into frame pixels.
pub fn project(landmarks: &[CropLandmark; NUM_MODEL_LANDMARKS], roi: &Roi) -> [Keypoint; NUM_KEYPOINTS] {
    let mut out = [Keypoint::default(); NUM_KEYPOINTS];
    for (kp, lm) in out.iter_mut().zip(landmarks.iter()) {
        let p = roi.project(lm.u, lm.v);
        *kp = Keypoint {
            x: p.x,
            y: p.y,
            z: lm.z * roi.side,
            visibility: sigmoid(lm.visibility_logit),
            presence: sigmoid(lm.presence_logit),
        };
    }
    out
}

/// The ROI for the next frame, from the auxiliary alignment landmarks.
pub fn next_roi(landmarks: &[CropLandmark; NUM_MODEL_LANDMARKS], roi: &Roi) -> Roi {
    let at = |i: usize| -> Point { roi.project(landmarks[i].u, landmarks[i].v) };
    Roi::from_alignment(at(AUX_CENTER), at(AUX_SCALE))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blank_heatmap() -> Vec<f32> {
        vec![-20.0; HEATMAP_SIZE * HEATMAP_SIZE * NUM_MODEL_LANDMARKS]
    }

    fn set(hm: &mut [f32], row: usize, col: usize, ch: usize, logit: f32) {
        hm[(row * HEATMAP_SIZE + col) * NUM_MODEL_LANDMARKS + ch] = logit;
    }

    #[test]
    fn refinement_moves_to_the_confident_peak() {
        let mut hm = blank_heatmap();
        set(&mut hm, 20, 30, 5, 10.0);
        let mut lms = [CropLandmark::default(); NUM_MODEL_LANDMARKS];
        lms[5].u = 32.0 / 64.0; // two cells right of the peak
        lms[5].v = 21.0 / 64.0;
        refine_with_heatmap(&hm, &mut lms);
        // Nearly all weight on (30, 20); the 48 other cells carry sigmoid(-20) each.
        assert!((lms[5].u * 64.0 - 30.0).abs() < 1e-3, "{}", lms[5].u * 64.0);
        assert!((lms[5].v * 64.0 - 20.0).abs() < 1e-3);
    }

    #[test]
    fn refinement_skips_unconfident_and_outside_landmarks() {
        let mut hm = blank_heatmap();
        set(&mut hm, 20, 30, 1, 0.0); // sigmoid(0) = 0.5 is confident enough...
        set(&mut hm, 20, 30, 2, -0.1); // ...this is not
        let mut lms = [CropLandmark::default(); NUM_MODEL_LANDMARKS];
        for lm in lms.iter_mut() {
            lm.u = 31.0 / 64.0;
            lm.v = 20.0 / 64.0;
        }
        lms[3].u = 1.2; // outside the crop
        let before = lms;
        refine_with_heatmap(&hm, &mut lms);
        assert_ne!(lms[1], before[1]);
        assert_eq!(lms[2], before[2]);
        assert_eq!(lms[3], before[3]);
    }

    #[test]
    fn decode_project_round_trip() {
        let mut raw = vec![0.0f32; NUM_MODEL_LANDMARKS * VALUES_PER_LANDMARK];
        raw[0] = 128.0; // nose at crop centre
        raw[1] = 64.0;
        raw[3] = 2.0;
        raw[4] = -2.0;
        let mut lms = [CropLandmark::default(); NUM_MODEL_LANDMARKS];
        decode(&raw, &mut lms);
        let roi = Roi {
            center: Point::new(500.0, 400.0),
            side: 512.0,
            rotation: 0.0,
        };
        let kps = project(&lms, &roi);
        assert!((kps[0].x - 500.0).abs() < 1e-3 && (kps[0].y - 272.0).abs() < 1e-3);
        assert!((kps[0].visibility - 0.880797).abs() < 1e-5);
        assert!((kps[0].presence - 0.119203).abs() < 1e-5);
    }
}
