//! The full landmark model's segmentation head as a model of its own, so that the mask of one
//! frame can be computed on another thread while the next frame's keypoints are.
//!
//! `scripts/models/prune_mask.py` cuts `pose_landmark_full.onnx` in two: the keypoint part
//! (`pose_landmark_full_nomask.onnx`, which also outputs the two backbone tensors the head reads)
//! and the head (`pose_segmentation_head_full.onnx`). Together they give the full model's outputs
//! bit for bit. The head costs about as much as the keypoint part (`cargo bench --bench pose --
//! model/`), and nothing on the next frame needs it: the next crop comes from the keypoints.

use std::time::{Duration, Instant};

use ndarray::ArrayView4;
use ort::session::{Session, SessionOutputs};
use ort::value::TensorRef;

use super::blazepose::PoseError;
use super::geometry::{Point, Roi};
use super::landmarks::LANDMARK_INPUT_SIZE;
use super::silhouette::CropMask;
use crate::models::{ModelStore, SessionOptions};
use crate::runtime::Runtime;

/// The backbone tensor the head reads at 64x64: (name, channels, side).
const COARSE: (&str, usize, usize) = ("features_64", 48, 64);
/// The backbone tensor the head reads at 128x128.
const FINE: (&str, usize, usize) = ("features_128", 16, 128);

/// The keypoint model's outputs the head reads.
pub(crate) const FEATURE_OUTPUTS: [&str; 2] = [COARSE.0, FINE.0];

fn len((_, channels, side): (&str, usize, usize)) -> usize {
    channels * side * side
}

/// Copies model output `name` into `into`, which must be its size.
pub(crate) fn copy_output(outputs: &SessionOutputs, name: &'static str, into: &mut [f32]) -> Result<(), PoseError> {
    let (_, values) = outputs
        .get(name)
        .ok_or(PoseError::Output(name))?
        .try_extract_tensor::<f32>()?;
    if values.len() != into.len() {
        return Err(PoseError::Output(name));
    }
    into.copy_from_slice(values);
    Ok(())
}

/// What the segmentation head needs for one crop: the two backbone tensors and the crop's region.
/// About 1.8 MB: reuse them ([`MaskFeatures::default`] allocates).
pub struct MaskFeatures {
    coarse: Vec<f32>,
    fine: Vec<f32>,
    roi: Roi,
}

impl Default for MaskFeatures {
    fn default() -> Self {
        Self {
            coarse: vec![0.0; len(COARSE)],
            fine: vec![0.0; len(FINE)],
            roi: Roi {
                center: Point::new(0.0, 0.0),
                side: 0.0,
                rotation: 0.0,
            },
        }
    }
}

impl MaskFeatures {
    /// Copies the two tensors from a run of the keypoint model on `roi`.
    pub(crate) fn copy_from(&mut self, outputs: &SessionOutputs, roi: Roi) -> Result<(), PoseError> {
        copy_output(outputs, COARSE.0, &mut self.coarse)?;
        copy_output(outputs, FINE.0, &mut self.fine)?;
        self.roi = roi;
        Ok(())
    }
}

/// The segmentation head's session and its output buffer.
pub struct MaskHead {
    session: Session,
    logits: Vec<f32>,
    /// Time inside ONNX Runtime since the head was made.
    time: Duration,
}

impl MaskHead {
    pub fn new(runtime: &Runtime, models: &ModelStore, name: &str, options: SessionOptions) -> Result<Self, PoseError> {
        let side = LANDMARK_INPUT_SIZE as usize;
        Ok(Self {
            session: models.session(runtime, name, options)?,
            logits: vec![0.0; side * side],
            time: Duration::ZERO,
        })
    }

    /// The crop's segmentation mask (logits, > 0 is the person).
    pub fn run(&mut self, features: &MaskFeatures) -> Result<CropMask<'_>, PoseError> {
        let coarse = ArrayView4::from_shape((1, COARSE.1, COARSE.2, COARSE.2), &features.coarse)
            .map_err(|_| PoseError::Output(COARSE.0))?;
        let fine = ArrayView4::from_shape((1, FINE.1, FINE.2, FINE.2), &features.fine)
            .map_err(|_| PoseError::Output(FINE.0))?;
        let started = Instant::now();
        let outputs = self.session.run(ort::inputs![
            COARSE.0 => TensorRef::from_array_view(coarse)?,
            FINE.0 => TensorRef::from_array_view(fine)?,
        ])?;
        copy_output(&outputs, "segmentation", &mut self.logits)?;
        drop(outputs);
        self.time += started.elapsed();
        Ok(CropMask {
            logits: &self.logits,
            size: LANDMARK_INPUT_SIZE as usize,
            roi: features.roi,
        })
    }

    /// Time inside ONNX Runtime since the head was made.
    pub fn time(&self) -> Duration {
        self.time
    }
}
