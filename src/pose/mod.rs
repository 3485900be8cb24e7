//! Pose estimation: BlazePose (33 landmarks) on video frames.

pub mod blazepose;
pub mod detector;
pub mod geometry;
pub mod landmarks;
pub mod mask_head;
pub mod silhouette;

use serde::{Deserialize, Serialize};

/// Number of BlazePose landmarks reported per frame.
pub const NUM_KEYPOINTS: usize = 33;

/// BlazePose landmark names, in model order (odd indices from 7 up are the person's left side).
pub const KEYPOINT_NAMES: [&str; NUM_KEYPOINTS] = [
    "nose",
    "left_eye_inner",
    "left_eye",
    "left_eye_outer",
    "right_eye_inner",
    "right_eye",
    "right_eye_outer",
    "left_ear",
    "right_ear",
    "mouth_left",
    "mouth_right",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_pinky",
    "right_pinky",
    "left_index",
    "right_index",
    "left_thumb",
    "right_thumb",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_heel",
    "right_heel",
    "left_foot_index",
    "right_foot_index",
];

/// Indices of the landmarks the analysis relies on, by name.
pub mod landmark {
    pub const NOSE: usize = 0;
    pub const LEFT_EAR: usize = 7;
    pub const RIGHT_EAR: usize = 8;
    pub const LEFT_SHOULDER: usize = 11;
    pub const RIGHT_SHOULDER: usize = 12;
    pub const LEFT_ELBOW: usize = 13;
    pub const RIGHT_ELBOW: usize = 14;
    pub const LEFT_WRIST: usize = 15;
    pub const RIGHT_WRIST: usize = 16;
    pub const LEFT_HIP: usize = 23;
    pub const RIGHT_HIP: usize = 24;
    pub const LEFT_KNEE: usize = 25;
    pub const RIGHT_KNEE: usize = 26;
    pub const LEFT_ANKLE: usize = 27;
    pub const RIGHT_ANKLE: usize = 28;
    pub const LEFT_HEEL: usize = 29;
    pub const RIGHT_HEEL: usize = 30;
    pub const LEFT_FOOT_INDEX: usize = 31;
    pub const RIGHT_FOOT_INDEX: usize = 32;

    /// Joints whose visibility summarises whether the lifter is usable for a deadlift check.
    pub const KEY_JOINTS: [usize; 12] = [
        LEFT_SHOULDER,
        RIGHT_SHOULDER,
        LEFT_HIP,
        RIGHT_HIP,
        LEFT_KNEE,
        RIGHT_KNEE,
        LEFT_ANKLE,
        RIGHT_ANKLE,
        LEFT_WRIST,
        RIGHT_WRIST,
        LEFT_EAR,
        RIGHT_EAR,
    ];
}

/// One landmark in frame pixels (continuous coordinates: the top-left pixel spans `[0, 1)`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Keypoint {
    pub x: f32,
    pub y: f32,
    /// Depth relative to the hips, in the same pixel scale as `x` (smaller = nearer the camera).
    pub z: f32,
    /// Probability that the landmark is visible (not occluded), 0..1.
    pub visibility: f32,
    /// Probability that the landmark is inside the frame, 0..1.
    pub presence: f32,
}

/// The lifter's pose on one frame.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pose {
    #[serde(with = "serde_big_array::BigArray")]
    pub keypoints: [Keypoint; NUM_KEYPOINTS],
    /// The landmark model's confidence that a person is in the region of interest, 0..1.
    pub score: f32,
}

impl Pose {
    /// Midpoint of landmarks `a` and `b`, frame pixels.
    fn midpoint(&self, a: usize, b: usize) -> (f32, f32) {
        let (p, q) = (self.keypoints[a], self.keypoints[b]);
        ((p.x + q.x) / 2.0, (p.y + q.y) / 2.0)
    }

    /// Distance from the hips' midpoint to the shoulders' midpoint, frame pixels.
    pub fn torso_px(&self) -> f32 {
        let shoulder = self.midpoint(landmark::LEFT_SHOULDER, landmark::RIGHT_SHOULDER);
        let hip = self.midpoint(landmark::LEFT_HIP, landmark::RIGHT_HIP);
        (shoulder.0 - hip.0).hypot(shoulder.1 - hip.1)
    }

    /// Angle of the line from the hips' midpoint to the shoulders' midpoint away from vertical,
    /// degrees (0 upright, 90 horizontal), either facing.
    pub fn trunk_from_vertical_deg(&self) -> f32 {
        let shoulder = self.midpoint(landmark::LEFT_SHOULDER, landmark::RIGHT_SHOULDER);
        let hip = self.midpoint(landmark::LEFT_HIP, landmark::RIGHT_HIP);
        (shoulder.0 - hip.0).abs().atan2(hip.1 - shoulder.1).to_degrees()
    }

    /// Angle of the line from the hips' midpoint to the ankles' midpoint away from straight down,
    /// degrees (0 standing, 90 ankles level with the hips), either facing.
    pub fn legs_from_down_deg(&self) -> f32 {
        let hip = self.midpoint(landmark::LEFT_HIP, landmark::RIGHT_HIP);
        let ankle = self.midpoint(landmark::LEFT_ANKLE, landmark::RIGHT_ANKLE);
        (ankle.0 - hip.0).abs().atan2(ankle.1 - hip.1).to_degrees()
    }

    /// Mean visibility over [`landmark::KEY_JOINTS`].
    pub fn key_joint_visibility(&self) -> f32 {
        let sum: f32 = landmark::KEY_JOINTS.iter().map(|&i| self.keypoints[i].visibility).sum();
        sum / landmark::KEY_JOINTS.len() as f32
    }
}

/// The pose found on one decoded frame (if any), with the frame's timestamp.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PoseFrame {
    pub index: usize,
    pub time_s: f64,
    pub pose: Option<Pose>,
}

/// A test skeleton: every keypoint fully visible, both hips at (100, 200) and both shoulders
/// 100 px away at `trunk_deg` from vertical (0 = straight above the hips, facing right); callers
/// place the other joints they need.
#[cfg(test)]
pub(crate) fn test_trunk(trunk_deg: f32) -> Pose {
    let mut keypoints = [Keypoint {
        visibility: 1.0,
        presence: 1.0,
        ..Keypoint::default()
    }; NUM_KEYPOINTS];
    let (sin, cos) = trunk_deg.to_radians().sin_cos();
    for (shoulder, hip) in [
        (landmark::LEFT_SHOULDER, landmark::LEFT_HIP),
        (landmark::RIGHT_SHOULDER, landmark::RIGHT_HIP),
    ] {
        keypoints[hip] = Keypoint {
            x: 100.0,
            y: 200.0,
            ..keypoints[hip]
        };
        keypoints[shoulder] = Keypoint {
            x: 100.0 + 100.0 * sin,
            y: 200.0 - 100.0 * cos,
            ..keypoints[shoulder]
        };
    }
    Pose { keypoints, score: 1.0 }
}
