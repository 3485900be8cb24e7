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
/// A detection whose body points further than this from straight up (radians; 120 degrees, the
/// head 30 degrees below the hips' level) is upside down ([`Detection::upright`]). The steepest
/// trunk in the rendered suites' ground truth is 94 degrees from vertical.
const UPSIDE_DOWN_ROTATION_RAD: f32 = 2.0 * std::f32::consts::FRAC_PI_3;

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

    /// Whether the body stands head up: frames are upright (rotation metadata is applied), and
    /// in a deadlift the head never drops far below the hips, while the detector sometimes
    /// offers a second, upside-down region on a lifter (rendered seed 201 clip 000: score 0.52
    /// against the upright region's 0.56, with a larger body circle).
    pub fn upright(&self) -> bool {
        self.roi().rotation.abs() <= UPSIDE_DOWN_ROTATION_RAD
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
    /// The most confident, largest person near the frame centre (size and place from the body's
    /// circle, [`Detection::roi`]; an upside-down region inside an upright one left out).
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
    // An upside-down region inside an upright one is a second, wrong look at that person.
    let twin = |d: &Detection| {
        let body = d.roi();
        !d.upright()
            && detections
                .iter()
                .filter(|u| u.upright())
                .any(|u| u.roi().center.distance(body.center) <= u.roi().side / 2.0)
    };
    let rank = |d: &Detection| -> f32 {
        match (previous_center, hint) {
            (Some(prev), _) => -d.keypoints[0].distance(prev),
            (None, LifterHint::Near { x, y }) => -d.center().distance(Point::new(x * w, y * h)),
            // The detector's box is the face's, and need not follow the body's size (rendered
            // seed 904 clip 003: 72 px on both the lifter and a bystander half their height, who
            // won on score), so size and place come from the body's circle.
            (None, LifterHint::Auto) => {
                let body = d.roi();
                let centrality = 1.0 - body.center.distance(Point::new(w / 2.0, h / 2.0)) / diagonal;
                d.score * (body.side / diagonal) * centrality
            }
        }
    };
    let first_automatic_choice = previous_center.is_none() && hint == LifterHint::Auto;
    detections
        .iter()
        .filter(|d| !(first_automatic_choice && twin(d)))
        .max_by(|a, b| rank(a).total_cmp(&rank(b)))
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

    /// A detection with a face box of `face` px at `face_at` and a body circle from the hip centre
    /// `hip` up to `top` (the alignment points the landmark region is built from).
    fn person(score: f32, face_at: (f32, f32), face: f32, hip: (f32, f32), top: (f32, f32)) -> Detection {
        let (x, y) = face_at;
        Detection {
            score,
            bbox: [x - face / 2.0, y - face / 2.0, x + face / 2.0, y + face / 2.0],
            keypoints: [
                Point::new(hip.0, hip.1),
                Point::new(top.0, top.1),
                Point::new(x, y),
                Point::new(x, y),
            ],
        }
    }

    #[test]
    fn lifter_choice_prefers_large_central_bodies_then_continuity() {
        // Rendered seed 904 clip 003's first frame (640x360): a bystander facing the camera,
        // found with more confidence, and the lifter side-on, twice the size; the face boxes
        // are the same size.
        let bystander = person(0.91, (230.0, 155.0), 72.0, (234.7, 193.2), (225.4, 119.6));
        let lifter = person(0.64, (308.0, 90.0), 72.0, (285.6, 173.9), (316.4, 40.3));
        // 1920x1080: a confident small body in the corner and a larger one in the middle.
        let small_corner = person(0.95, (50.0, 40.0), 40.0, (50.0, 120.0), (50.0, 20.0));
        // Seed 201 clip 000's first frame (640x360): the lifter standing, and a second,
        // upside-down region on them with a larger circle.
        let upright = person(0.56, (307.0, 104.0), 128.0, (320.0, 170.0), (305.0, 65.0));
        let upside_down = person(0.52, (316.0, 254.0), 128.0, (329.0, 177.0), (343.0, 305.0));
        let big_centre = person(0.8, (950.0, 300.0), 80.0, (950.0, 600.0), (950.0, 250.0));
        let cases = [
            (
                "larger body wins over a higher score",
                (640, 360),
                vec![bystander.clone(), lifter.clone()],
                LifterHint::Auto,
                None,
                Some(&lifter),
            ),
            (
                "the order of the detections does not matter",
                (640, 360),
                vec![lifter.clone(), bystander.clone()],
                LifterHint::Auto,
                None,
                Some(&lifter),
            ),
            (
                "large and central",
                (1920, 1080),
                vec![small_corner.clone(), big_centre.clone()],
                LifterHint::Auto,
                None,
                Some(&big_centre),
            ),
            (
                "a hint picks the nearest",
                (1920, 1080),
                vec![small_corner.clone(), big_centre.clone()],
                LifterHint::Near { x: 0.0, y: 0.0 },
                None,
                Some(&small_corner),
            ),
            (
                "the last position keeps the same person",
                (1920, 1080),
                vec![small_corner.clone(), big_centre.clone()],
                LifterHint::Auto,
                Some(Point::new(60.0, 110.0)),
                Some(&small_corner),
            ),
            (
                "not an upside-down twin",
                (640, 360),
                vec![upside_down.clone(), upright.clone()],
                LifterHint::Auto,
                None,
                Some(&upright),
            ),
            (
                "an upside-down region alone",
                (640, 360),
                vec![upside_down.clone()],
                LifterHint::Auto,
                None,
                Some(&upside_down),
            ),
            ("nobody", (1920, 1080), vec![], LifterHint::Auto, None, None),
        ];
        for (name, (w, h), people, hint, previous, expected) in cases {
            assert_eq!(choose_lifter(&people, w, h, hint, previous), expected, "{name}");
        }
    }
}
