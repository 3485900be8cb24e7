//! The full landmark model's segmentation head as a model of its own, so that the mask of one
//! frame can be computed on another thread while the next frame's keypoints are.
//!
//! `scripts/models/prune_mask.py` cuts `pose_landmark_full.onnx` in two: the keypoint part
//! (`pose_landmark_full_nomask.onnx`, which also outputs the two backbone tensors the head reads)
//! and the head (`pose_segmentation_head_full.onnx`). Together they give the full model's outputs
//! (the mask to float rounding). The head costs about as much as the keypoint part on the whole
//! crop (`cargo bench --bench pose -- model/`), and nothing on the next frame needs it: the next
//! crop comes from the keypoints.
//!
//! The head also runs on a window of the crop ([`FeatureWindow`]): the back outline reads the
//! mask only around the back, and each mask pixel depends only on the features near it.

use std::time::{Duration, Instant};

use ndarray::ArrayView4;
use ort::session::{Session, SessionOutputs};
use ort::value::TensorRef;

use super::blazepose::PoseError;
use super::geometry::{Point, Roi};
use super::landmarks::LANDMARK_INPUT_SIZE;
use super::silhouette::{self, CropMask, MaskArea};
use crate::models::{ModelStore, SessionOptions};
use crate::runtime::Runtime;

/// The backbone tensor the head reads at 64x64: (name, channels, side).
const COARSE: (&str, usize, usize) = ("features_64", 48, 64);
/// The backbone tensor the head reads at 128x128.
const FINE: (&str, usize, usize) = ("features_128", 16, 128);

/// The keypoint model's outputs the head reads.
pub(crate) const FEATURE_OUTPUTS: [&str; 2] = [COARSE.0, FINE.0];

/// Mask pixels per cell of the coarse feature grid, each way (256 / 64).
const MASK_PIXELS_PER_CELL: usize = LANDMARK_INPUT_SIZE as usize / COARSE.2;
/// Cells of the coarse grid a mask pixel depends on around it: the receptive field of the head's
/// 3x3 convolutions and 2x linear resizes is about 17 mask pixels (4.3 cells). Within a window
/// the head's mask is the whole crop's farther than this from the window's cut edges:
/// `scripts/models/prune_mask.py` (`WINDOW_MARGIN`, the same number) checks it on the model.
const WINDOW_MARGIN_CELLS: usize = 8;

/// A window of the crop on the coarse feature grid (cells `col..col + cols`, rows
/// `row..row + rows`; the fine grid's are twice these): the head runs on these features alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeatureWindow {
    col: usize,
    row: usize,
    cols: usize,
    rows: usize,
}

impl FeatureWindow {
    /// The whole crop.
    pub const WHOLE: Self = Self {
        col: 0,
        row: 0,
        cols: COARSE.2,
        rows: COARSE.2,
    };

    /// The window for the back outline between `shoulder` and `hip` (frame pixels) in the crop
    /// `roi`: around the outline's reach ([`silhouette::back_outline_reach`]). `None` when there
    /// is no outline to read.
    pub fn for_back_outline(roi: &Roi, shoulder: Point, hip: Point, facing_x: f32) -> Option<Self> {
        silhouette::back_outline_reach(roi, LANDMARK_INPUT_SIZE as usize, shoulder, hip, facing_x).map(Self::around)
    }

    /// A window whose mask equals the whole crop's over `area` (mask pixels): the
    /// cells under it and a margin of 8 more each way (`WINDOW_MARGIN_CELLS`), within the crop.
    pub fn around(area: MaskArea) -> Self {
        let grid = COARSE.2;
        let first = |pixel: usize| (pixel / MASK_PIXELS_PER_CELL).saturating_sub(WINDOW_MARGIN_CELLS);
        let end = |pixel_end: usize| (pixel_end.div_ceil(MASK_PIXELS_PER_CELL) + WINDOW_MARGIN_CELLS).min(grid);
        let (col, row) = (first(area.x).min(grid - 1), first(area.y).min(grid - 1));
        let (col_end, row_end) = (end(area.x + area.width), end(area.y + area.height));
        Self {
            col,
            row,
            cols: col_end.max(col + 1) - col,
            rows: row_end.max(row + 1) - row,
        }
    }

    /// The mask pixels the head gives for this window.
    fn mask_area(self) -> MaskArea {
        MaskArea {
            x: self.col * MASK_PIXELS_PER_CELL,
            y: self.row * MASK_PIXELS_PER_CELL,
            width: self.cols * MASK_PIXELS_PER_CELL,
            height: self.rows * MASK_PIXELS_PER_CELL,
        }
    }

    /// Copies this window of a `channels` x `side` x `side` tensor (`scale` times the coarse grid)
    /// into `into`, channel by channel, row by row.
    fn copy(self, tensor: &[f32], channels: usize, side: usize, scale: usize, into: &mut Vec<f32>) {
        let (col, cols) = (self.col * scale, self.cols * scale);
        let (row, rows) = (self.row * scale, self.rows * scale);
        into.clear();
        for channel in tensor.chunks_exact(side * side).take(channels) {
            for line in channel.chunks_exact(side).skip(row).take(rows) {
                into.extend_from_slice(&line[col..col + cols]);
            }
        }
    }
}

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

    /// Features from tensors computed elsewhere (benchmarks, tests): `coarse` 48x64x64 and `fine`
    /// 16x128x128, as the keypoint model outputs them on `roi`.
    pub fn from_tensors(coarse: &[f32], fine: &[f32], roi: Roi) -> Result<Self, PoseError> {
        if coarse.len() != len(COARSE) {
            return Err(PoseError::Output(COARSE.0));
        }
        if fine.len() != len(FINE) {
            return Err(PoseError::Output(FINE.0));
        }
        Ok(Self {
            coarse: coarse.to_vec(),
            fine: fine.to_vec(),
            roi,
        })
    }

    /// The crop these features were computed on.
    pub fn roi(&self) -> Roi {
        self.roi
    }
}

/// The segmentation head's session, its window's inputs and its output buffer (reused from
/// frame to frame).
pub struct MaskHead {
    session: Session,
    coarse: Vec<f32>,
    fine: Vec<f32>,
    logits: Vec<f32>,
    /// Whether the model takes a window of the crop: its inputs' height and width are free.
    /// A models folder converted before that (fixed 64x64 and 128x128 inputs) still works, on
    /// the whole crop.
    takes_windows: bool,
    /// Time inside ONNX Runtime since the head was made.
    time: Duration,
}

impl MaskHead {
    pub fn new(runtime: &Runtime, models: &ModelStore, name: &str, options: SessionOptions) -> Result<Self, PoseError> {
        let side = LANDMARK_INPUT_SIZE as usize;
        let session = models.session(runtime, name, options)?;
        // A free dimension reads -1.
        let takes_windows = session.inputs().iter().all(|input| {
            input
                .dtype()
                .tensor_shape()
                .is_some_and(|shape| shape.len() == 4 && shape[2] < 0 && shape[3] < 0)
        });
        Ok(Self {
            session,
            coarse: Vec::with_capacity(len(COARSE)),
            fine: Vec::with_capacity(len(FINE)),
            logits: vec![0.0; side * side],
            takes_windows,
            time: Duration::ZERO,
        })
    }

    /// The crop's segmentation mask (logits, > 0 is the person) over `window` (over the whole
    /// crop with a head that takes no windows).
    pub fn run(&mut self, features: &MaskFeatures, window: FeatureWindow) -> Result<CropMask<'_>, PoseError> {
        let window = if self.takes_windows {
            window
        } else {
            FeatureWindow::WHOLE
        };
        let (coarse, fine) = if window == FeatureWindow::WHOLE {
            (&features.coarse, &features.fine)
        } else {
            window.copy(&features.coarse, COARSE.1, COARSE.2, 1, &mut self.coarse);
            window.copy(&features.fine, FINE.1, FINE.2, FINE.2 / COARSE.2, &mut self.fine);
            (&self.coarse, &self.fine)
        };
        let scale = FINE.2 / COARSE.2;
        let coarse = ArrayView4::from_shape((1, COARSE.1, window.rows, window.cols), coarse)
            .map_err(|_| PoseError::Output(COARSE.0))?;
        let fine = ArrayView4::from_shape((1, FINE.1, window.rows * scale, window.cols * scale), fine)
            .map_err(|_| PoseError::Output(FINE.0))?;
        let area = window.mask_area();
        self.logits.resize(area.width * area.height, 0.0);
        let started = Instant::now();
        let outputs = self.session.run(ort::inputs![
            COARSE.0 => TensorRef::from_array_view(coarse)?,
            FINE.0 => TensorRef::from_array_view(fine)?,
        ])?;
        let (shape, values) = outputs
            .get("segmentation")
            .ok_or(PoseError::Output("segmentation"))?
            .try_extract_tensor::<f32>()?;
        // 1x1xHxW, or the whole model's 1xHxWx1 from an older models folder: the same order.
        let (h, w) = (area.height as i64, area.width as i64);
        if !(**shape == [1, 1, h, w] || **shape == [1, h, w, 1]) {
            return Err(PoseError::Output("segmentation"));
        }
        self.logits.copy_from_slice(values);
        drop(outputs);
        self.time += started.elapsed();
        Ok(CropMask {
            logits: &self.logits,
            size: LANDMARK_INPUT_SIZE as usize,
            area,
            roi: features.roi,
        })
    }

    /// Time inside ONNX Runtime since the head was made.
    pub fn time(&self) -> Duration {
        self.time
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn area(x: usize, y: usize, width: usize, height: usize) -> MaskArea {
        MaskArea { x, y, width, height }
    }

    /// The window covers the area's cells plus the margin, within the 64x64 grid, and the mask it
    /// gives covers the area.
    #[test]
    fn windows_cover_their_area_and_the_margin() {
        let m = WINDOW_MARGIN_CELLS;
        // (area in mask pixels, expected (col, row, cols, rows))
        let cases = [
            (area(100, 120, 40, 20), (25 - m, 30 - m, 10 + 2 * m, 5 + 2 * m)),
            (area(101, 121, 40, 20), (25 - m, 30 - m, 11 + 2 * m, 6 + 2 * m)),
            (area(0, 0, 10, 10), (0, 0, 3 + m, 3 + m)),
            (area(240, 250, 16, 6), (60 - m, 62 - m, 4 + m, 2 + m)),
            (area(0, 0, 256, 256), (0, 0, 64, 64)),
        ];
        for (area, (col, row, cols, rows)) in cases {
            let window = FeatureWindow::around(area);
            assert_eq!(window, FeatureWindow { col, row, cols, rows }, "{area:?}");
            let mask = window.mask_area();
            assert!(mask.x <= area.x && mask.y <= area.y, "{area:?}: {mask:?}");
            assert!(mask.x + mask.width >= area.x + area.width, "{area:?}: {mask:?}");
            assert!(mask.y + mask.height >= area.y + area.height, "{area:?}: {mask:?}");
        }
        assert_eq!(FeatureWindow::around(area(0, 0, 256, 256)), FeatureWindow::WHOLE);
    }

    /// A window of a channels x side x side tensor, channel by channel and row by row, at the
    /// coarse grid's scale and at twice it.
    #[test]
    fn windows_copy_their_cells() {
        let window = FeatureWindow {
            col: 1,
            row: 2,
            cols: 2,
            rows: 1,
        };
        // Value = channel * 100 + row * 10 + column, on a 2 x 4 x 4 tensor.
        let tensor: Vec<f32> = (0..2 * 4 * 4)
            .map(|i| ((i / 16) * 100 + (i % 16 / 4) * 10 + i % 4) as f32)
            .collect();
        let mut into = vec![7.0; 3];
        window.copy(&tensor, 2, 4, 1, &mut into);
        assert_eq!(into, [21.0, 22.0, 121.0, 122.0]);
        // At twice the scale, on an 8 x 8 grid: rows 4-5, columns 2-5.
        let fine: Vec<f32> = (0..8 * 8).map(|i| ((i / 8) * 10 + i % 8) as f32).collect();
        window.copy(&fine, 1, 8, 2, &mut into);
        assert_eq!(into, [42.0, 43.0, 44.0, 45.0, 52.0, 53.0, 54.0, 55.0]);
    }
}
