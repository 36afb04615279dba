//! The keypoints the back's contour needs, on the body's midline, and the view they show.

use serde::{Deserialize, Serialize};

use super::vec2::{P2, add, dot, mul, norm, perp, seg_dist, sub, unit};
use crate::pose::skeleton::{Joint, Pose};

/// The keypoints the contour needs, in source pixels (near side).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BackKeypoints {
    pub hip: P2,
    pub shoulder: P2,
    pub ear: Option<P2>,
    pub nose: Option<P2>,
    pub knee: Option<P2>,
    /// Both arms (shoulder, elbow, wrist, each when visible): where an arm lies on the back's
    /// outline (hands behind the head, elbows out), the silhouette there is the arm, not the back.
    pub arms: [[Option<P2>; 3]; 2],
    /// Which of `arms` (0 left, 1 right) is on the camera's side (see
    /// [`BackKeypoints::with_near_arm`]): a near arm is drawn over the body, a far one is hidden
    /// by it except where it reaches past the outline. `None` when not known: both are then taken
    /// as near.
    #[serde(default)]
    pub near_arm: Option<usize>,
    /// Mean shoulder and hip width over the torso length (as the form engine's view test): near 0
    /// in a true profile. `None` when neither pair is seen (one side hidden: a profile).
    pub width_ratio: Option<f32>,
    /// The person's running torso length in source pixels (the longest seen lately, see
    /// [`crate::form::view::TorsoScale`]), when known (video; `None` for a still). A trunk bent
    /// toward the camera is foreshortened in the picture while the shoulders keep their width and
    /// the back's depth keeps its height: measured against this frame's own torso, a three-quarter
    /// view would look "turned" and every gap would grow at each bend. The view test and the gaps
    /// use the longer of the two.
    pub torso_scale: Option<f32>,
}

impl BackKeypoints {
    /// Shoulder, hip and ear on the body's midline: the midpoint of the left and right joints when
    /// both are seen, else the one seen. The spine lies in the body's mid-plane: in a profile the
    /// pairs overlap and the midpoint is the near joint, but turned toward the camera (a
    /// three-quarter view) the near hip projects onto the front of the pelvis and the far one onto
    /// the buttock, and which of them is "near" flips from frame to frame with their confidences.
    /// The knee (near side: the side with the higher summed confidence) and the nose help decide
    /// which side is the back. `None` without a shoulder and a hip at `min_score`.
    #[must_use]
    pub fn from_pose(pose: &Pose, min_score: f32) -> Option<Self> {
        let score = |js: [Joint; 3]| js.iter().map(|&j| pose.get(j).score).sum::<f32>();
        let left = score([Joint::LeftShoulder, Joint::LeftHip, Joint::LeftEar]);
        let right = score([Joint::RightShoulder, Joint::RightHip, Joint::RightEar]);
        let pairs = |l: Joint, r: Joint| if left >= right { (l, r) } else { (r, l) };
        let pick = |l: Joint, r: Joint| {
            let (a, b) = pairs(l, r);
            pose.visible(a, min_score).or_else(|| pose.visible(b, min_score)).map(|k| [k.x, k.y])
        };
        let mid = |l: Joint, r: Joint| match (pose.visible(l, min_score), pose.visible(r, min_score)) {
            (Some(a), Some(b)) => Some([(a.x + b.x) / 2.0, (a.y + b.y) / 2.0]),
            _ => pick(l, r),
        };
        Some(
            Self {
                hip: mid(Joint::LeftHip, Joint::RightHip)?,
                shoulder: mid(Joint::LeftShoulder, Joint::RightShoulder)?,
                ear: mid(Joint::LeftEar, Joint::RightEar),
                nose: pose.visible(Joint::Nose, min_score).map(|k| [k.x, k.y]),
                knee: pick(Joint::LeftKnee, Joint::RightKnee),
                arms: [
                    [Joint::LeftShoulder, Joint::LeftElbow, Joint::LeftWrist],
                    [Joint::RightShoulder, Joint::RightElbow, Joint::RightWrist],
                ]
                .map(|js| js.map(|j| pose.visible(j, min_score).map(|k| [k.x, k.y]))),
                near_arm: None,
                width_ratio: width_ratio(pose, min_score),
                torso_scale: None,
            }
            .with_near_arm(),
        )
    }

    /// Sets [`BackKeypoints::near_arm`] from the way the person faces: facing image-right, the
    /// camera sees the right side (and the left facing left), in a profile or turned either way.
    /// The confidences of the two arms do not tell it in a three-quarter view (the near arm lying
    /// along the back scores lower than the far one there).
    #[must_use]
    pub fn with_near_arm(self) -> Self {
        Self { near_arm: Some(if self.dorsal_sign() > 0.0 { 1 } else { 0 }), ..self }
    }

    /// The length gaps are measured in (source pixels): the longer of this frame's torso and
    /// [`BackKeypoints::torso_scale`].
    #[must_use]
    pub(crate) fn torso_unit(&self) -> f32 {
        norm(sub(self.shoulder, self.hip)).max(self.torso_scale.unwrap_or(0.0))
    }

    /// [`BackKeypoints::width_ratio`] against [`BackKeypoints::torso_unit`] (as the form engine's
    /// view test measures it against its running torso length).
    #[must_use]
    pub fn scaled_width_ratio(&self) -> Option<f32> {
        let own = norm(sub(self.shoulder, self.hip)).max(1.0);
        self.width_ratio.map(|w| w * own / self.torso_unit().max(1.0))
    }

    /// Whether `p` (source pixels) lies on an arm: within `radius` of the elbow, the wrist, the
    /// forearm or the outer 60% of the upper arm (the part near the shoulder is part of the back).
    /// A near arm whose upper arm runs along the back (within `along_deg` of it, see
    /// [`BackKeypoints::upper_arm_along_back`]) covers the back's outline from the shoulder on, up
    /// to a whole arm's width from its bone.
    #[must_use]
    pub fn on_arm(&self, p: P2, radius: f32, along_deg: f32) -> bool {
        let dorsal = mul(perp(unit(sub(self.shoulder, self.hip))), self.dorsal_sign());
        self.arms.iter().enumerate().any(|(i, &[sh, el, wr])| {
            let far = self.near_arm.is_some_and(|n| n != i);
            let near = |q: Option<P2>| q.is_some_and(|q| norm(sub(p, q)) <= radius);
            let along = |a: Option<P2>, b: Option<P2>, r: f32| match (a, b) {
                (Some(a), Some(b)) => seg_dist(p, a, b) <= r,
                _ => false,
            };
            let on_upper = match (sh, el) {
                // A near arm lying along the back is drawn over it: the outline there is the
                // arm's far edge, up to a whole arm's width from the line its keypoints give
                // (they lie on its bone, which the model places anywhere across a limb seen
                // lengthwise). A far arm lies behind the back and shows only where it reaches
                // past it: the rule below.
                (Some(s), Some(e)) if !far && self.upper_arm_along_back(s, e, dorsal, along_deg) => {
                    along(Some(s), Some(e), 2.0 * radius)
                }
                (Some(s), Some(e)) => along(Some(add(s, mul(sub(e, s), 0.4))), Some(e), radius),
                _ => false,
            };
            near(el) || near(wr) || on_upper || along(el, wr, radius)
        })
    }

    /// Whether the upper arm from `shoulder` to `elbow` runs along the back: within `max_deg`
    /// (`BackConfig::arm_along_back_deg`) of the shoulder -> hip direction, with the elbow on the back's side
    /// of the trunk axis (`dorsal`: the dorsal unit normal). Elbows drawn back beside the trunk
    /// (hands behind the head in a good morning, seen three-quarter on) lay the upper arm over
    /// the back's outline from the shoulder on: the outline there is the arm's, not the back's.
    /// An arm hanging from a bent trunk, or one along the front of the body, is not.
    #[must_use]
    pub fn upper_arm_along_back(&self, shoulder: P2, elbow: P2, dorsal: P2, max_deg: f32) -> bool {
        let arm = sub(elbow, shoulder);
        let down = sub(self.hip, self.shoulder);
        if norm(arm) < 1e-3 || norm(down) < 1e-3 {
            return false;
        }
        let cos = dot(unit(arm), unit(down));
        cos >= max_deg.to_radians().cos() && dot(sub(elbow, self.hip), dorsal) > 0.0
    }

    /// The dorsal unit normal of the hip -> shoulder axis: votes from the thigh (in a hinge it lies
    /// in front of the trunk), the face (nose in front of the ear) and the bend direction (the trunk
    /// leans toward where the person faces). Works in any coordinates that are a similarity of the source.
    #[must_use]
    pub(crate) fn dorsal_sign(&self) -> f32 {
        let u = unit(sub(self.shoulder, self.hip));
        let n0 = perp(u); // dorsal for a person facing image-right
        let torso = norm(sub(self.shoulder, self.hip)).max(1e-3);
        let mut vote = 0.0;
        if let Some(k) = self.knee {
            vote -= dot(unit(sub(k, self.hip)), n0);
        }
        if let (Some(nose), Some(ear)) = (self.nose, self.ear) {
            vote -= dot(unit(sub(nose, ear)), n0);
        }
        let dx = (self.shoulder[0] - self.hip[0]) / torso;
        if dx.abs() > 0.25 {
            vote += dx.signum();
        }
        if vote >= 0.0 { 1.0 } else { -1.0 }
    }
}

fn width_ratio(pose: &Pose, min_score: f32) -> Option<f32> {
    let pair = |a: Joint, b: Joint| Some((pose.visible(a, min_score)?, pose.visible(b, min_score)?));
    let mid = |(a, b): (crate::pose::skeleton::Keypoint, crate::pose::skeleton::Keypoint)| {
        ([(a.x + b.x) / 2.0, (a.y + b.y) / 2.0], norm([a.x - b.x, a.y - b.y]))
    };
    let sh = pair(Joint::LeftShoulder, Joint::RightShoulder).map(mid);
    let hip = pair(Joint::LeftHip, Joint::RightHip).map(mid);
    let (sh, hip) = (sh?, hip?);
    let torso = norm(sub(sh.0, hip.0)).max(1.0);
    Some((sh.1 + hip.1) / 2.0 / torso)
}
