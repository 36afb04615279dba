//! Decoding MoveNet's output and deciding whether a person is present.

use crate::pose::crop::CropRegion;
use crate::pose::skeleton::{JOINT_COUNT, Joint, Keypoint, MIN_KEYPOINT_SCORE, Pose};

/// Errors in the model's output, which mean a wrong model file rather than a bad frame.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DecodeError {
    #[error("the model returned {0} values; a MoveNet single-pose output has 51 (1x1x17x3)")]
    WrongLength(usize),
}

/// Turns the model's `[1,1,17,3]` output (y, x, score, normalised to the crop) into keypoints in
/// source-frame pixels.
///
/// # Errors
/// [`DecodeError::WrongLength`] when the output is not 51 values.
pub fn decode_movenet(output: &[f32], region: &CropRegion) -> Result<Pose, DecodeError> {
    if output.len() != JOINT_COUNT * 3 {
        return Err(DecodeError::WrongLength(output.len()));
    }
    let mut pose = Pose::default();
    for (i, j) in Joint::ALL.iter().enumerate() {
        let (v, u, score) = (output[i * 3], output[i * 3 + 1], output[i * 3 + 2]);
        let (x, y) = region.to_source(u, v);
        let score = if score.is_finite() { score.clamp(0.0, 1.0) } else { 0.0 };
        pose.set(*j, Keypoint::new(x, y, score));
    }
    Ok(pose)
}

/// Keeps keypoints inside the frame. The model can place a joint past the frame's edge (it sees a
/// padded crop); such a joint is not in the picture. Within `tolerance` pixels of the edge it is
/// put on the edge (the model's precision is about that); further out it becomes missing (score 0).
pub(crate) fn confine_to_frame(pose: &mut Pose, width: u32, height: u32, tolerance: f32) {
    confine_keypoints(&mut pose.keypoints, width, height, tolerance);
}

/// [`confine_to_frame`] for any set of keypoints (BlazePose's 33 landmarks).
pub(crate) fn confine_keypoints(keypoints: &mut [Keypoint], width: u32, height: u32, tolerance: f32) {
    let (w, h) = (width as f32, height as f32);
    for kp in keypoints {
        let outside = (-kp.x).max(kp.x - w).max(-kp.y).max(kp.y - h);
        if outside > tolerance {
            kp.score = 0.0;
        }
        kp.x = kp.x.clamp(0.0, w);
        kp.y = kp.y.clamp(0.0, h);
    }
}

/// When a frame counts as showing a person.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PresenceRule {
    /// A keypoint at or above this confidence counts as seen (the spec's confidence floor).
    pub min_score: f32,
    /// At least this many keypoints must be seen: a face alone or a stray limb is not a person.
    pub min_joints: usize,
    /// At least this many of the four torso joints (shoulders, hips) must be seen: a body needs a trunk.
    pub min_torso_joints: usize,
}

impl Default for PresenceRule {
    fn default() -> Self {
        Self { min_score: MIN_KEYPOINT_SCORE, min_joints: 6, min_torso_joints: 2 }
    }
}

impl PresenceRule {
    /// Whether `pose` shows a person under this rule.
    #[must_use]
    pub(crate) fn is_present(&self, pose: &Pose) -> bool {
        let seen = Joint::ALL.iter().filter(|&&j| pose.get(j).score >= self.min_score).count();
        let torso = [Joint::LeftShoulder, Joint::RightShoulder, Joint::LeftHip, Joint::RightHip]
            .iter()
            .filter(|&&j| pose.get(j).score >= self.min_score)
            .count();
        seen >= self.min_joints && torso >= self.min_torso_joints
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_y_x_score_into_source_pixels() {
        let mut out = vec![0.0f32; 51];
        // Joint 5 (left shoulder): y = 0.25, x = 0.75 of the crop.
        out[15] = 0.25;
        out[16] = 0.75;
        out[17] = 0.9;
        let region = CropRegion { x0: 100.0, y0: -20.0, size: 400.0 };
        let pose = decode_movenet(&out, &region).unwrap();
        let kp = pose.get(Joint::LeftShoulder);
        assert_eq!((kp.x, kp.y, kp.score), (400.0, 80.0, 0.9));
        assert_eq!(pose.get(Joint::Nose).score, 0.0);
    }

    #[test]
    fn rejects_wrong_output_size_and_sanitises_scores() {
        assert_eq!(decode_movenet(&[0.0; 34], &CropRegion::full_frame(10, 10)), Err(DecodeError::WrongLength(34)));
        let mut out = vec![0.5f32; 51];
        out[2] = f32::NAN;
        out[5] = 1.7;
        let pose = decode_movenet(&out, &CropRegion::full_frame(10, 10)).unwrap();
        assert_eq!(pose.get(Joint::Nose).score, 0.0);
        assert_eq!(pose.get(Joint::LeftEye).score, 1.0);
    }

    #[test]
    fn keypoints_outside_the_frame_are_clamped_or_missing() {
        let mut pose = Pose::default();
        pose.set(Joint::Nose, Keypoint::new(50.0, 50.0, 0.9));
        pose.set(Joint::LeftAnkle, Keypoint::new(103.0, 50.0, 0.8));
        pose.set(Joint::RightAnkle, Keypoint::new(150.0, -40.0, 0.8));
        confine_to_frame(&mut pose, 100, 80, 5.0);
        assert_eq!(pose.get(Joint::Nose), Keypoint::new(50.0, 50.0, 0.9));
        assert_eq!(pose.get(Joint::LeftAnkle), Keypoint::new(100.0, 50.0, 0.8), "just past the edge: on the edge");
        assert_eq!(pose.get(Joint::RightAnkle), Keypoint::new(100.0, 0.0, 0.0), "far outside: missing");
    }

    #[test]
    fn presence_needs_enough_joints_and_a_torso() {
        let rule = PresenceRule::default();
        let mut pose = Pose::default();
        assert!(!rule.is_present(&pose));
        // A face only: five confident joints, no torso.
        for j in [Joint::Nose, Joint::LeftEye, Joint::RightEye, Joint::LeftEar, Joint::RightEar] {
            pose.set(j, Keypoint::new(1.0, 1.0, 0.9));
        }
        assert!(!rule.is_present(&pose));
        pose.set(Joint::LeftShoulder, Keypoint::new(1.0, 1.0, 0.8));
        assert!(!rule.is_present(&pose), "one torso joint is not a body");
        pose.set(Joint::LeftHip, Keypoint::new(1.0, 1.0, 0.8));
        assert!(rule.is_present(&pose));
        // Scores just under the floor do not count.
        pose.set(Joint::LeftHip, Keypoint::new(1.0, 1.0, 0.29));
        assert!(!rule.is_present(&pose));
    }
}
