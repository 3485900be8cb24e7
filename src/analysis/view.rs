//! Camera view from the keypoints: side (facing left or right), front, rear or oblique.
//!
//! The body's yaw is estimated from how wide the shoulders and hips appear relative to the trunk:
//! seen from the side they overlap, seen from the front they are about 0.55 trunk lengths apart.
//! Front and rear differ in where the lifter's left side appears.

use serde::Serialize;

use crate::pose::landmark as lm;

use super::config::Config;
use super::kinematics::Tracks;
use super::signal;

/// Mean apparent width of shoulders and hips over the shoulder-hip distance, seen square on
/// (anthropometric joint-centre breadths, Drillis & Contini: shoulders ~0.2, hip joints ~0.12,
/// trunk ~0.29 of stature; calibrate on the synthetic suite).
const FRONTAL_WIDTH_RATIO: f64 = 0.55;

/// Margin (degrees of yaw) from a view boundary at which the view is called with full confidence.
const FULL_CONFIDENCE_MARGIN_DEG: f64 = 15.0;

/// Percentile of the shoulder-hip distance taken as the trunk's full length (standing frames).
const TRUNK_LENGTH_PERCENTILE: f64 = 90.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum View {
    Side,
    Front,
    Rear,
    Oblique,
}

impl View {
    pub fn name(self) -> &'static str {
        match self {
            View::Side => "side",
            View::Front => "front",
            View::Rear => "rear",
            View::Oblique => "oblique",
        }
    }
}

/// Which way a side-view lifter faces in the image.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Facing {
    Left,
    Right,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BodySide {
    Left,
    Right,
}

impl BodySide {
    pub fn other(self) -> BodySide {
        match self {
            BodySide::Left => BodySide::Right,
            BodySide::Right => BodySide::Left,
        }
    }
}

/// The view with how sure it is (0..1).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ViewEstimate {
    pub view: View,
    pub confidence: f32,
    /// Estimated rotation of the body away from side-on: 0 = side view, 90 = square on.
    pub yaw_deg: f32,
    /// Side and oblique views.
    pub facing: Option<Facing>,
    /// The lifter's side nearer the camera, chosen once per clip (side and oblique views).
    pub near_side: Option<BodySide>,
}

pub fn estimate(t: &Tracks, cfg: &Config) -> ViewEstimate {
    let raw = |i: usize, f: usize| {
        let (x, y) = (t.raw_x[i][f], t.raw_y[i][f]);
        (!x.is_nan() && !y.is_nan()).then_some((x, y))
    };
    let mut widths = Vec::new();
    let mut trunks = Vec::new();
    let mut lr_sign = Vec::new();
    for f in 0..t.n {
        let (Some(ls), Some(rs), Some(lh), Some(rh)) = (
            raw(lm::LEFT_SHOULDER, f),
            raw(lm::RIGHT_SHOULDER, f),
            raw(lm::LEFT_HIP, f),
            raw(lm::RIGHT_HIP, f),
        ) else {
            continue;
        };
        let dx = 0.5 * ((ls.0 - rs.0) + (lh.0 - rh.0));
        widths.push(dx.abs());
        lr_sign.push(dx);
        let ms = (0.5 * (ls.0 + rs.0), 0.5 * (ls.1 + rs.1));
        let mh = (0.5 * (lh.0 + rh.0), 0.5 * (lh.1 + rh.1));
        trunks.push((ms.0 - mh.0).hypot(ms.1 - mh.1));
    }
    let trunk = signal::percentile(trunks.iter().copied(), TRUNK_LENGTH_PERCENTILE);
    let width = signal::median(widths.iter().copied());
    // Rotation away from side-on: 0 = side view, 90 = square on (front or rear).
    let yaw = if trunk.is_finite() && trunk > 0.0 && width.is_finite() {
        (width / trunk / FRONTAL_WIDTH_RATIO)
            .clamp(0.0, 1.0)
            .asin()
            .to_degrees()
    } else {
        f64::NAN
    };
    let coverage = trunks.len() as f64 / t.n.max(1) as f64;
    let (view, margin) = if yaw.is_nan() {
        (View::Oblique, 0.0)
    } else if yaw <= cfg.side_max_yaw_deg {
        (View::Side, cfg.side_max_yaw_deg - yaw)
    } else if yaw >= cfg.frontal_min_yaw_deg {
        let positive = lr_sign.iter().filter(|d| **d > 0.0).count();
        // Lifter's left on image right: they face the camera.
        let v = if 2 * positive >= lr_sign.len() {
            View::Front
        } else {
            View::Rear
        };
        (v, yaw - cfg.frontal_min_yaw_deg)
    } else {
        (
            View::Oblique,
            (yaw - cfg.side_max_yaw_deg).min(cfg.frontal_min_yaw_deg - yaw),
        )
    };
    let confidence = ((0.5 + 0.5 * (margin / FULL_CONFIDENCE_MARGIN_DEG).min(1.0)) * coverage.min(1.0)) as f32;
    let (facing, near_side) = if matches!(view, View::Side | View::Oblique) {
        let near = near_side(t);
        (Some(facing(t, near)), Some(near))
    } else {
        (None, None)
    };
    ViewEstimate {
        view,
        confidence,
        yaw_deg: yaw as f32,
        facing,
        near_side,
    }
}

/// The side whose key joints are more visible over the whole clip.
fn near_side(t: &Tracks) -> BodySide {
    let sum = |idx: &[usize]| -> f64 { idx.iter().map(|&i| t.vis[i].iter().sum::<f64>()).sum() };
    let left = sum(&[
        lm::LEFT_SHOULDER,
        lm::LEFT_HIP,
        lm::LEFT_KNEE,
        lm::LEFT_ANKLE,
        lm::LEFT_WRIST,
        lm::LEFT_EAR,
    ]);
    let right = sum(&[
        lm::RIGHT_SHOULDER,
        lm::RIGHT_HIP,
        lm::RIGHT_KNEE,
        lm::RIGHT_ANKLE,
        lm::RIGHT_WRIST,
        lm::RIGHT_EAR,
    ]);
    if left >= right { BodySide::Left } else { BodySide::Right }
}

/// Facing from the near foot (toe ahead of heel), else the nose ahead of the ears.
fn facing(t: &Tracks, near: BodySide) -> Facing {
    let (heel, toe) = match near {
        BodySide::Left => (lm::LEFT_HEEL, lm::LEFT_FOOT_INDEX),
        BodySide::Right => (lm::RIGHT_HEEL, lm::RIGHT_FOOT_INDEX),
    };
    let foot = signal::median((0..t.n).map(|f| t.raw_x[toe][f] - t.raw_x[heel][f]));
    let sign = if foot.is_finite() && foot != 0.0 {
        foot
    } else {
        signal::median(
            (0..t.n).map(|f| t.raw_x[lm::NOSE][f] - 0.5 * (t.raw_x[lm::LEFT_EAR][f] + t.raw_x[lm::RIGHT_EAR][f])),
        )
    };
    if sign < 0.0 { Facing::Left } else { Facing::Right }
}
