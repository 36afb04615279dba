//! Skeleton types shared by every stage: named COCO-17 joints, keypoints in pixels, poses with time.
//!
//! Coordinates are **pixels of the original frame** (x to the right, y down). Pixels and not
//! normalised coordinates, because the form rules measure angles, and angles measured in
//! normalised coordinates of a non-square frame are distorted.

use serde::{Deserialize, Serialize};

/// The keypoint-confidence floor: a keypoint scored at or above it counts as seen. The default of
/// the pose stage's presence rule and smoothing, of the form engine (`CommonConfig::min_score`),
/// of the back stage and of the overlays.
pub(crate) const MIN_KEYPOINT_SCORE: f32 = 0.3;

/// The 17 COCO keypoints, in the order MoveNet emits them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Joint {
    Nose = 0,
    LeftEye,
    RightEye,
    LeftEar,
    RightEar,
    LeftShoulder,
    RightShoulder,
    LeftElbow,
    RightElbow,
    LeftWrist,
    RightWrist,
    LeftHip,
    RightHip,
    LeftKnee,
    RightKnee,
    LeftAnkle,
    RightAnkle,
}

/// Number of joints in a [`Pose`].
pub(crate) const JOINT_COUNT: usize = 17;

impl Joint {
    /// All joints in model order.
    pub const ALL: [Joint; JOINT_COUNT] = [
        Joint::Nose,
        Joint::LeftEye,
        Joint::RightEye,
        Joint::LeftEar,
        Joint::RightEar,
        Joint::LeftShoulder,
        Joint::RightShoulder,
        Joint::LeftElbow,
        Joint::RightElbow,
        Joint::LeftWrist,
        Joint::RightWrist,
        Joint::LeftHip,
        Joint::RightHip,
        Joint::LeftKnee,
        Joint::RightKnee,
        Joint::LeftAnkle,
        Joint::RightAnkle,
    ];

    /// Index of the joint in the model's output.
    #[must_use]
    pub const fn index(self) -> usize {
        self as usize
    }

    /// snake_case name used in JSON and reports.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Joint::Nose => "nose",
            Joint::LeftEye => "left_eye",
            Joint::RightEye => "right_eye",
            Joint::LeftEar => "left_ear",
            Joint::RightEar => "right_ear",
            Joint::LeftShoulder => "left_shoulder",
            Joint::RightShoulder => "right_shoulder",
            Joint::LeftElbow => "left_elbow",
            Joint::RightElbow => "right_elbow",
            Joint::LeftWrist => "left_wrist",
            Joint::RightWrist => "right_wrist",
            Joint::LeftHip => "left_hip",
            Joint::RightHip => "right_hip",
            Joint::LeftKnee => "left_knee",
            Joint::RightKnee => "right_knee",
            Joint::LeftAnkle => "left_ankle",
            Joint::RightAnkle => "right_ankle",
        }
    }

    /// The same joint on the other side of the body (the nose maps to itself).
    #[must_use]
    pub(crate) const fn mirrored(self) -> Joint {
        match self {
            Joint::Nose => Joint::Nose,
            Joint::LeftEye => Joint::RightEye,
            Joint::RightEye => Joint::LeftEye,
            Joint::LeftEar => Joint::RightEar,
            Joint::RightEar => Joint::LeftEar,
            Joint::LeftShoulder => Joint::RightShoulder,
            Joint::RightShoulder => Joint::LeftShoulder,
            Joint::LeftElbow => Joint::RightElbow,
            Joint::RightElbow => Joint::LeftElbow,
            Joint::LeftWrist => Joint::RightWrist,
            Joint::RightWrist => Joint::LeftWrist,
            Joint::LeftHip => Joint::RightHip,
            Joint::RightHip => Joint::LeftHip,
            Joint::LeftKnee => Joint::RightKnee,
            Joint::RightKnee => Joint::LeftKnee,
            Joint::LeftAnkle => Joint::RightAnkle,
            Joint::RightAnkle => Joint::LeftAnkle,
        }
    }
}

/// Bones drawn for the skeleton overlay.
pub(crate) const BONES: [(Joint, Joint); 16] = [
    (Joint::LeftEar, Joint::LeftEye),
    (Joint::RightEar, Joint::RightEye),
    (Joint::LeftEye, Joint::Nose),
    (Joint::RightEye, Joint::Nose),
    (Joint::LeftShoulder, Joint::RightShoulder),
    (Joint::LeftShoulder, Joint::LeftElbow),
    (Joint::LeftElbow, Joint::LeftWrist),
    (Joint::RightShoulder, Joint::RightElbow),
    (Joint::RightElbow, Joint::RightWrist),
    (Joint::LeftShoulder, Joint::LeftHip),
    (Joint::RightShoulder, Joint::RightHip),
    (Joint::LeftHip, Joint::RightHip),
    (Joint::LeftHip, Joint::LeftKnee),
    (Joint::LeftKnee, Joint::LeftAnkle),
    (Joint::RightHip, Joint::RightKnee),
    (Joint::RightKnee, Joint::RightAnkle),
];

/// One detected joint: position in pixels of the original frame and the model's confidence in 0..=1.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Keypoint {
    pub x: f32,
    pub y: f32,
    pub score: f32,
}

impl Keypoint {
    #[must_use]
    pub const fn new(x: f32, y: f32, score: f32) -> Self {
        Self { x, y, score }
    }
}

/// The 17 keypoints of one person in one frame.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Pose {
    pub keypoints: [Keypoint; JOINT_COUNT],
}

impl Pose {
    #[must_use]
    pub fn get(&self, joint: Joint) -> Keypoint {
        self.keypoints[joint.index()]
    }

    pub fn set(&mut self, joint: Joint, kp: Keypoint) {
        self.keypoints[joint.index()] = kp;
    }

    /// The joint if its confidence reaches `min_score`, otherwise `None` ("missing", not zero).
    #[must_use]
    pub fn visible(&self, joint: Joint, min_score: f32) -> Option<Keypoint> {
        let kp = self.get(joint);
        (kp.score >= min_score && kp.x.is_finite() && kp.y.is_finite()).then_some(kp)
    }
}

/// A pose with the time of its frame, as the form engine consumes it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PoseSample {
    /// Seconds from the start of the source, from the frame's own timestamp.
    pub t: f64,
    /// Width and height of the frame in pixels.
    pub frame_size: (u32, u32),
    /// Whether the pose stage decided a person is present.
    pub present: bool,
    pub pose: Pose,
    /// BlazePose only: its 33 landmarks and the 3D world landmarks (`None` for MoveNet and the demo).
    /// The COCO-17 [`Pose`] above is filled from the same landmarks, so every rule still works on it.
    #[serde(skip)]
    pub body: Option<Body3d>,
}

/// Number of BlazePose landmarks (MediaPipe's order, see [`Landmark`]).
pub const LANDMARK_COUNT: usize = 33;

/// BlazePose's 33 landmarks, in MediaPipe's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Landmark {
    Nose = 0,
    LeftEyeInner,
    LeftEye,
    LeftEyeOuter,
    RightEyeInner,
    RightEye,
    RightEyeOuter,
    LeftEar,
    RightEar,
    MouthLeft,
    MouthRight,
    LeftShoulder,
    RightShoulder,
    LeftElbow,
    RightElbow,
    LeftWrist,
    RightWrist,
    LeftPinky,
    RightPinky,
    LeftIndex,
    RightIndex,
    LeftThumb,
    RightThumb,
    LeftHip,
    RightHip,
    LeftKnee,
    RightKnee,
    LeftAnkle,
    RightAnkle,
    LeftHeel,
    RightHeel,
    LeftFootIndex,
    RightFootIndex,
}

impl Landmark {
    #[must_use]
    pub const fn index(self) -> usize {
        self as usize
    }
}

/// What BlazePose gives beyond COCO-17, for one frame.
///
/// * `image`: the 33 landmarks in pixels of the original frame; `score` is the landmark's
///   visibility (sigmoid of the model's visibility logit), as for MoveNet's keypoint score.
/// * `presence`: the sigmoid of the model's presence logit per landmark (is it in the crop at all).
/// * `world`: the 3D world landmarks in metres, origin at the centre of the hips, MediaPipe's axes
///   rotated back into the frame: x to the image's right, y down, z away from the camera. Angles
///   measured on them do not depend on the camera's yaw.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Body3d {
    pub image: [Keypoint; LANDMARK_COUNT],
    pub presence: [f32; LANDMARK_COUNT],
    pub world: [[f32; 3]; LANDMARK_COUNT],
}

impl Body3d {
    #[must_use]
    pub fn world(&self, l: Landmark) -> [f32; 3] {
        self.world[l.index()]
    }

    #[must_use]
    pub fn image(&self, l: Landmark) -> Keypoint {
        self.image[l.index()]
    }
}
