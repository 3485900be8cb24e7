//! BlazePose person-detector post-processing: SSD anchors, box/keypoint decoding and weighted
//! non-maximum suppression, as MediaPipe's `pose_detection` graph does it.

use super::geometry::{Point, Roi};

/// Detector input side in pixels.
pub const DETECTOR_INPUT_SIZE: u32 = 224;
/// Number of anchors (and of rows in the `scores`/`regressors` outputs).
pub const NUM_ANCHORS: usize = 2254;
/// Values per anchor in `regressors`: box centre x, y, width, height, then 4 keypoints (x, y).
pub const NUM_COORDS: usize = 12;
/// Raw logits are clipped to this magnitude before the sigmoid (MediaPipe's `score_clipping_thresh`).
const SCORE_CLIP: f32 = 100.0;
/// Detections scoring below this are dropped (MediaPipe's `min_score_thresh` for pose detection).
pub const MIN_DETECTION_SCORE: f32 = 0.5;
/// Overlap above which detections are merged (MediaPipe's `min_suppression_threshold`).
const NMS_IOU_THRESHOLD: f32 = 0.3;

/// SSD feature-map strides of the detector; layers with equal strides share a grid.
const ANCHOR_STRIDES: [u32; 5] = [8, 16, 32, 32, 32];
/// Anchors per layer per grid cell (one aspect ratio plus the interpolated scale).
const ANCHORS_PER_LAYER_CELL: usize = 2;

/// A person found by the detector, in frame pixels.
#[derive(Clone, Debug, PartialEq)]
pub struct Detection {
    pub score: f32,
    /// Axis-aligned box: min x, min y, max x, max y.
    pub bbox: [f32; 4],
    /// Keypoint 0 is the hip centre, 1 the scale/rotation point (above the head), 2-3 the face.
    pub keypoints: [Point; 4],
}

impl Detection {
    /// The landmark model's region of interest for this person.
    pub fn roi(&self) -> Roi {
        Roi::from_alignment(self.keypoints[0], self.keypoints[1])
    }

    fn area(&self) -> f32 {
        (self.bbox[2] - self.bbox[0]).max(0.0) * (self.bbox[3] - self.bbox[1]).max(0.0)
    }

    fn center(&self) -> Point {
        Point::new(0.5 * (self.bbox[0] + self.bbox[2]), 0.5 * (self.bbox[1] + self.bbox[3]))
    }
}

/// Anchor centres in the detector's normalised input space, in output order
/// (layer group, row, column, anchor).
pub fn anchors() -> Vec<Point> {
    let mut out = Vec::with_capacity(NUM_ANCHORS);
    let mut layer = 0;
    while layer < ANCHOR_STRIDES.len() {
        let stride = ANCHOR_STRIDES[layer];
        let mut same = 0;
        while layer + same < ANCHOR_STRIDES.len() && ANCHOR_STRIDES[layer + same] == stride {
            same += 1;
        }
        let cells = DETECTOR_INPUT_SIZE.div_ceil(stride);
        for y in 0..cells {
            for x in 0..cells {
                let centre = Point::new((x as f32 + 0.5) / cells as f32, (y as f32 + 0.5) / cells as f32);
                for _ in 0..same * ANCHORS_PER_LAYER_CELL {
                    out.push(centre);
                }
            }
        }
        layer += same;
    }
    out
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// Decodes raw detector outputs into detections in frame pixels (before suppression).
/// `letterbox` is the square the detector input was cut from.
pub fn decode(scores: &[f32], regressors: &[f32], anchors: &[Point], letterbox: &Roi, out: &mut Vec<Detection>) {
    out.clear();
    let size = DETECTOR_INPUT_SIZE as f32;
    for (a, anchor) in anchors.iter().enumerate() {
        let score = sigmoid(scores[a].clamp(-SCORE_CLIP, SCORE_CLIP));
        if score < MIN_DETECTION_SCORE {
            continue;
        }
        let r = &regressors[a * NUM_COORDS..(a + 1) * NUM_COORDS];
        let (cx, cy) = (r[0] / size + anchor.x, r[1] / size + anchor.y);
        let (w, h) = (r[2] / size, r[3] / size);
        let min = letterbox.project(cx - w / 2.0, cy - h / 2.0);
        let max = letterbox.project(cx + w / 2.0, cy + h / 2.0);
        let mut keypoints = [Point::default(); 4];
        for (k, kp) in keypoints.iter_mut().enumerate() {
            *kp = letterbox.project(r[4 + 2 * k] / size + anchor.x, r[5 + 2 * k] / size + anchor.y);
        }
        out.push(Detection {
            score,
            bbox: [min.x, min.y, max.x, max.y],
            keypoints,
        });
    }
}

fn iou(a: &[f32; 4], b: &[f32; 4]) -> f32 {
    let ix = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
    let iy = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
    let inter = ix * iy;
    let union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
    if union <= 0.0 { 0.0 } else { inter / union }
}

/// MediaPipe's weighted non-maximum suppression: each kept detection is the score-weighted
/// average of all candidates overlapping the best remaining one by more than the IoU threshold;
/// it keeps the best one's score.
pub fn weighted_nms(mut detections: Vec<Detection>) -> Vec<Detection> {
    detections.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut kept = Vec::new();
    while let Some(best) = detections.first().cloned() {
        let (overlapping, rest): (Vec<_>, Vec<_>) = detections
            .into_iter()
            .partition(|d| iou(&d.bbox, &best.bbox) > NMS_IOU_THRESHOLD);
        let total: f32 = overlapping.iter().map(|d| d.score).sum();
        let mut merged = best.clone();
        merged.bbox = [0.0; 4];
        merged.keypoints = [Point::default(); 4];
        for d in &overlapping {
            let w = d.score / total;
            for (m, v) in merged.bbox.iter_mut().zip(d.bbox) {
                *m += w * v;
            }
            for (m, v) in merged.keypoints.iter_mut().zip(d.keypoints) {
                m.x += w * v.x;
                m.y += w * v.y;
            }
        }
        kept.push(merged);
        detections = rest;
    }
    kept
}

/// Which person to follow when several are detected.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LifterHint {
    /// The most confident, largest person near the frame centre.
    Auto,
    /// The person nearest this point, as fractions of frame width and height.
    Near { x: f32, y: f32 },
}

/// Picks the lifter among detections. With a previous position (tracking was lost mid-clip) the
/// detection nearest to it wins, so a bystander does not take over; otherwise `hint` decides.
pub fn choose_lifter(
    detections: &[Detection],
    frame_width: u32,
    frame_height: u32,
    hint: LifterHint,
    previous_center: Option<Point>,
) -> Option<&Detection> {
    let (w, h) = (frame_width as f32, frame_height as f32);
    let diagonal = w.hypot(h);
    let rank = |d: &Detection| -> f32 {
        match (previous_center, hint) {
            (Some(prev), _) => -d.keypoints[0].distance(prev),
            (None, LifterHint::Near { x, y }) => -d.center().distance(Point::new(x * w, y * h)),
            (None, LifterHint::Auto) => {
                let centrality = 1.0 - d.center().distance(Point::new(w / 2.0, h / 2.0)) / diagonal;
                d.score * (d.area() / (w * h)).sqrt() * centrality
            }
        }
    };
    detections.iter().max_by(|a, b| rank(a).total_cmp(&rank(b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchor_layout_matches_the_model() {
        let a = anchors();
        assert_eq!(a.len(), NUM_ANCHORS);
        // First layer: 28x28 grid, 2 anchors per cell.
        assert_eq!(a[0], Point::new(0.5 / 28.0, 0.5 / 28.0));
        assert_eq!(a[1], a[0]);
        assert_eq!(a[2], Point::new(1.5 / 28.0, 0.5 / 28.0));
        // Second layer starts after 28*28*2 anchors on a 14x14 grid.
        assert_eq!(a[1568], Point::new(0.5 / 14.0, 0.5 / 14.0));
        // The three stride-32 layers share a 7x7 grid with 6 anchors per cell.
        assert_eq!(a[1568 + 392], Point::new(0.5 / 7.0, 0.5 / 7.0));
        assert_eq!(a[1568 + 392 + 5], Point::new(0.5 / 7.0, 0.5 / 7.0));
        assert_eq!(a[1568 + 392 + 6], Point::new(1.5 / 7.0, 0.5 / 7.0));
    }

    fn raw_for(anchor: usize, anchors: &[Point], centre: (f32, f32), size: f32) -> Vec<f32> {
        let mut r = vec![0.0; NUM_ANCHORS * NUM_COORDS];
        let s = DETECTOR_INPUT_SIZE as f32;
        let row = &mut r[anchor * NUM_COORDS..(anchor + 1) * NUM_COORDS];
        row[0] = (centre.0 - anchors[anchor].x) * s;
        row[1] = (centre.1 - anchors[anchor].y) * s;
        row[2] = size * s;
        row[3] = size * s;
        // hip centre at the box centre, scale point above it
        row[4] = row[0];
        row[5] = row[1];
        row[6] = row[0];
        row[7] = row[1] - 0.2 * s;
        r
    }

    #[test]
    fn decode_projects_through_the_letterbox() {
        let a = anchors();
        let mut scores = vec![-10.0; NUM_ANCHORS];
        scores[100] = 5.0;
        let reg = raw_for(100, &a, (0.5, 0.5), 0.4);
        let letterbox = Roi::letterbox(1920, 1080);
        let mut out = Vec::new();
        decode(&scores, &reg, &a, &letterbox, &mut out);
        assert_eq!(out.len(), 1);
        let d = &out[0];
        assert!((d.keypoints[0].x - 960.0).abs() < 1e-2 && (d.keypoints[0].y - 540.0).abs() < 1e-2);
        // 0.2 of the 1920-px letterbox square above the centre.
        assert!((d.keypoints[1].y - (540.0 - 384.0)).abs() < 1e-2);
        assert!((d.bbox[2] - d.bbox[0] - 768.0).abs() < 1e-2);
        let roi = d.roi();
        assert!((roi.side - 2.0 * 384.0 * 1.25).abs() < 1e-2);
        assert!(roi.rotation.abs() < 1e-5);
    }

    fn det(score: f32, bbox: [f32; 4]) -> Detection {
        Detection {
            score,
            bbox,
            keypoints: [Point::new(bbox[0], bbox[1]); 4],
        }
    }

    #[test]
    fn weighted_nms_merges_overlaps_and_keeps_separate_people() {
        let merged = weighted_nms(vec![
            det(0.6, [10.0, 10.0, 110.0, 110.0]),
            det(0.9, [0.0, 0.0, 100.0, 100.0]),
            det(0.8, [500.0, 0.0, 600.0, 100.0]),
        ]);
        assert_eq!(merged.len(), 2);
        assert_eq!(merged[0].score, 0.9);
        // Score-weighted: (0.9*0 + 0.6*10) / 1.5 = 4.
        assert!((merged[0].bbox[0] - 4.0).abs() < 1e-4);
        assert_eq!(merged[1].bbox, [500.0, 0.0, 600.0, 100.0]);
    }

    #[test]
    fn lifter_choice_prefers_large_central_people_then_continuity() {
        let small_corner = det(0.95, [0.0, 0.0, 100.0, 150.0]);
        let big_centre = det(0.8, [700.0, 200.0, 1200.0, 1000.0]);
        let people = vec![small_corner.clone(), big_centre.clone()];
        let pick = choose_lifter(&people, 1920, 1080, LifterHint::Auto, None);
        assert_eq!(pick, Some(&big_centre));
        let pick = choose_lifter(&people, 1920, 1080, LifterHint::Near { x: 0.0, y: 0.0 }, None);
        assert_eq!(pick, Some(&small_corner));
        let pick = choose_lifter(&people, 1920, 1080, LifterHint::Auto, Some(Point::new(10.0, 10.0)));
        assert_eq!(pick, Some(&small_corner));
        assert_eq!(choose_lifter(&[], 1920, 1080, LifterHint::Auto, None), None);
    }
}
