//! The hip hinge's spine, one frame at a time: whether the back and the head keep the dowel's
//! three contacts.
//!
//! **Dowel contacts.** With keypoints alone all three contacts are *proxies*:
//! - head contact (PROXY): ear-shoulder-hip angle within `head_min_deg..=head_max_deg`
//!   (signed: below 180 = head dropped toward the chest, above = looking up);
//! - thoracic contact (PROXY): the shoulder's perpendicular distance from the ear-hip line, on the
//!   dorsal side, in torso lengths (`thoracic_max_offset`); plus *fold evidence*: a hip angle below
//!   `fold_max_hip_deg` with near-straight knees cannot come from the hips alone (the hamstrings
//!   stop the pelvis), so the spine must be flexing;
//! - sacrum contact: NOT observable from COCO keypoints (no pelvis orientation); it is judged only
//!   when a [`BackMeasure`] from a back-contour (segmentation) or real-dowel detector is supplied.
//!
//! Keypoints cannot tell chin-to-chest from a rounded upper back (both drop the ear below the
//! trunk line). A thoracic proxy above threshold is reported as `rounded_back` (whose cue already
//! names the head); `head_off_dowel` is reported when the head is off the line while the thoracic
//! proxy is within limits (typically looking up, or a small nod). A [`BackMeasure`] separates them.
//!
//! [`BackMeasure`] is what the engine takes from a method above it (the back stage) through
//! `Analyzer::push_with_back`: the form engine defines it, the back stage produces it.

use super::config::{FormConfig, HingeConfig};
use super::geometry::{Pt, angle_at, dot, inclination_from_vertical, sub, unit};
use super::view::{Body, Side, View};
use super::world::World;
use crate::pose::skeleton::{Joint, Pose, PoseSample};
use serde::{Deserialize, Serialize};

/// Which method judged the dowel contacts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SpineMethod {
    /// Keypoint proxies (ear-shoulder-hip angle, thoracic offset, fold evidence).
    #[default]
    Keypoints,
    /// A back contour from a segmentation mask, with a virtual dowel fitted to it.
    Contour,
    /// A detected real dowel.
    Dowel,
    /// Not judged: no method could see the back (keypoint proxies need a true side view).
    NotJudged,
}

/// An external measurement of the back for one frame (segmentation contour or detected dowel):
/// the gap between the dowel line and the body at each contact, in torso lengths (0 = touching).
/// `None` = not measured at that contact.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BackMeasure {
    /// How it was measured (`Contour` or `Dowel`).
    pub method: SpineMethod,
    /// Gap at the back of the head.
    pub head_gap: Option<f32>,
    /// Gap at the mid-thoracic spine (between the shoulder blades).
    pub thoracic_gap: Option<f32>,
    /// Gap at the sacrum.
    pub sacrum_gap: Option<f32>,
    /// Set when the mask looked at this frame and could not judge the back: why, as a short id
    /// (the back stage's reason id, e.g. `arm_on_back`). The gaps are then `None` and the keypoint proxies judge.
    #[serde(skip)]
    pub refused: Option<&'static str>,
}

impl BackMeasure {
    /// A frame the mask looked at and could not judge, with the reason's id.
    #[must_use]
    pub fn refused(reason: &'static str) -> Self {
        Self {
            method: SpineMethod::NotJudged,
            head_gap: None,
            thoracic_gap: None,
            sacrum_gap: None,
            refused: Some(reason),
        }
    }
}

/// Result of the single-frame spine check.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct SpineCheck {
    /// False when keypoints are missing or the pose is not a side-view hinge; then no flag is set.
    pub judged: bool,
    /// Why not judged: the joint the rule needs that is hidden ("shoulders hidden", "hips hidden",
    /// "ears hidden"), "not a side view", or "not bent forward".
    pub reason: Option<&'static str>,
    /// Upper back (or lower back) off the dowel line.
    pub rounded_back: bool,
    /// Back of the head off the dowel line.
    pub head_off_dowel: bool,
    /// The side measured.
    pub side: Option<Side>,
    /// Trunk inclination from vertical (deg).
    pub trunk_deg: Option<f32>,
    /// Ear-shoulder-hip angle (deg; 180 = in line, below = head down).
    pub head_deg: Option<f32>,
    /// Shoulder's dorsal distance from the ear-hip line (torso lengths).
    pub thoracic_offset: Option<f32>,
    /// Shoulder-hip-knee angle (deg).
    pub hip_deg: Option<f32>,
    /// Hip-knee-ankle angle (deg).
    pub knee_deg: Option<f32>,
    /// Fold evidence fired (hip angle too small for a neutral spine with straight knees).
    pub fold_evidence: bool,
    /// Method used.
    pub method: SpineMethod,
}

/// Where the UI draws the (estimated) dowel and whether each contact holds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DowelOverlay {
    /// Estimated back of the head (pixels).
    pub head: Pt,
    /// Estimated mid-thoracic contact (pixels).
    pub thoracic: Pt,
    /// Estimated sacrum contact (pixels).
    pub sacrum: Pt,
    /// Head contact holds (None = not judged).
    pub head_ok: Option<bool>,
    /// Thoracic contact holds (None = not judged).
    pub thoracic_ok: Option<bool>,
    /// Sacrum contact holds (None = not observable with keypoints alone).
    pub sacrum_ok: Option<bool>,
    /// Method behind the judgement.
    pub method: SpineMethod,
}

const SIDE_JOINTS: [Joint; 5] =
    [Joint::LeftShoulder, Joint::LeftHip, Joint::LeftKnee, Joint::LeftAnkle, Joint::LeftEar];

/// The joints of the near side, falling back to the other side joint by joint.
pub(super) struct Limbs {
    pub(super) side: Side,
    pub(super) shoulder: Option<Pt>,
    pub(super) hip: Option<Pt>,
    pub(super) knee: Option<Pt>,
    pub(super) ankle: Option<Pt>,
    pub(super) ear: Option<Pt>,
}

pub(super) fn limbs(body: &Body<'_>) -> Limbs {
    let side = body.near_side(&SIDE_JOINTS);
    // A near-side joint the model missed is taken from the far side, moved by how far the far
    // side sits from the near one on the joints both show. In a side view that offset is about
    // zero; in a three-quarter view the far side is shifted, and mixing sides unshifted would bend
    // the trunk line by tens of degrees for one frame (and split a rep in two).
    let both: Vec<(Pt, Pt)> =
        SIDE_JOINTS.iter().filter_map(|&j| Some((body.side_pt(side, j)?, body.side_pt(side.other(), j)?))).collect();
    let offset = (!both.is_empty()).then(|| {
        let n = both.len() as f32;
        (both.iter().map(|(a, b)| a.0 - b.0).sum::<f32>() / n, both.iter().map(|(a, b)| a.1 - b.1).sum::<f32>() / n)
    });
    let pick = |j: Joint| {
        body.side_pt(side, j).or_else(|| {
            let (far, (dx, dy)) = (body.side_pt(side.other(), j)?, offset?);
            Some((far.0 + dx, far.1 + dy))
        })
    };
    Limbs {
        side,
        shoulder: pick(Joint::LeftShoulder),
        hip: pick(Joint::LeftHip),
        knee: pick(Joint::LeftKnee),
        ankle: pick(Joint::LeftAnkle),
        ear: pick(Joint::LeftEar),
    }
}

/// Which trunk joint the spine rules need and cannot see (on both sides).
fn trunk_hidden(l: &Limbs) -> &'static str {
    if l.shoulder.is_none() { "shoulders hidden" } else { "hips hidden" }
}

/// Dorsal unit normal of the axis `u` for a person facing `facing` (+1 image right, -1 left).
pub(super) fn dorsal(u: Pt, facing: f32) -> Pt {
    (facing * u.1, -facing * u.0)
}

/// The keypoint judgement of one frame.
pub(super) fn judge_keypoints(l: &Limbs, facing: f32, torso: f32, cfg: &HingeConfig) -> SpineCheck {
    let (Some(sh), Some(hip)) = (l.shoulder, l.hip) else {
        return SpineCheck { reason: Some(trunk_hidden(l)), ..Default::default() };
    };
    let u = unit(sub(sh, hip));
    let n = dorsal(u, facing);
    let hip_deg = l.knee.map(|k| angle_at(sh, hip, k));
    let knee_deg = match (l.knee, l.ankle) {
        (Some(k), Some(a)) => Some(angle_at(hip, k, a)),
        _ => None,
    };
    let fold =
        matches!((hip_deg, knee_deg), (Some(h), Some(k)) if h < cfg.fold_max_hip_deg && k >= cfg.fold_min_knee_deg);
    let mut r = SpineCheck {
        judged: true,
        side: Some(l.side),
        trunk_deg: Some(inclination_from_vertical(hip, sh)),
        hip_deg,
        knee_deg,
        fold_evidence: fold,
        method: SpineMethod::Keypoints,
        ..Default::default()
    };
    if let Some(ear) = l.ear {
        let v = sub(ear, sh);
        let dev = dot(v, n).atan2(dot(v, u)).to_degrees();
        let head = 180.0 + dev;
        let w = unit(sub(ear, hip));
        let thor = dot(sub(sh, hip), dorsal(w, facing)) / torso.max(1.0);
        let rounded = thor > cfg.thoracic_max_offset || fold;
        r.head_deg = Some(head);
        r.thoracic_offset = Some(thor);
        r.rounded_back = rounded;
        r.head_off_dowel = !rounded && !(cfg.head_min_deg..=cfg.head_max_deg).contains(&head);
    } else if fold {
        r.rounded_back = true;
    } else {
        r.judged = false;
        r.reason = Some("ears hidden");
    }
    r
}

pub(super) fn judge_back(m: &BackMeasure, cfg: &HingeConfig) -> Option<(Option<bool>, Option<bool>, Option<bool>)> {
    if m.head_gap.is_none() && m.thoracic_gap.is_none() && m.sacrum_gap.is_none() {
        return None;
    }
    let limit = if m.method == SpineMethod::Dowel { cfg.dowel_max_gap } else { cfg.contour_max_gap };
    let f = |g: Option<f32>| g.map(|g| g <= limit);
    Some((f(m.head_gap), f(m.thoracic_gap), f(m.sacrum_gap)))
}

/// Single-frame hip-hinge spine check for a still image: flags `rounded_back` / `head_off_dowel`
/// from the best keypoint evidence available (thoracic proxy, head angle, fold evidence).
/// Not judged (`judged == false`) when the shoulder/hip are missing, the view is not a side view,
/// or the trunk is not bent forward at least `spine_min_trunk_deg`.
#[must_use]
pub fn spine_check(pose: &Pose, config: &FormConfig) -> SpineCheck {
    let body = Body { pose, min_score: config.common.min_score };
    let l = limbs(&body);
    let (Some(sh), Some(hip)) = (l.shoulder, l.hip) else {
        return SpineCheck { reason: Some(trunk_hidden(&l)), ..Default::default() };
    };
    // The proxies are 2D geometry: only a side view shows the spine's profile (as for video).
    if body.width_ratio().is_some_and(|r| r >= config.common.side_view_max_width) {
        return SpineCheck { reason: Some("not a side view"), ..Default::default() };
    }
    let trunk = inclination_from_vertical(hip, sh);
    if trunk.is_nan() || trunk < config.hinge.spine_min_trunk_deg {
        return SpineCheck { reason: Some("not bent forward"), trunk_deg: Some(trunk), ..Default::default() };
    }
    let facing = if sh.0 >= hip.0 { 1.0 } else { -1.0 };
    let torso = super::geometry::dist(sh, hip);
    judge_keypoints(&l, facing, torso, &config.hinge)
}

/// [`spine_check`] for a frame as the pose stage gives it: with world landmarks (BlazePose), on the
/// body turned side-on (see `world`), so a three-quarter view up to `world_view_max_deg` is
/// judged and a view beyond it is "not a side view"; without them, on the image keypoints.
#[must_use]
pub fn spine_check_sample(sample: &PoseSample, config: &FormConfig) -> SpineCheck {
    let c = &config.common;
    if let Some(b) = sample.body.as_ref() {
        let w = World { body: b, pose: &sample.pose, min_score: c.min_score };
        if let (Some(dev), Some(pose)) = (w.deviation(View::Side), w.view_pose(View::Side)) {
            if dev > c.world_view_max_deg {
                return SpineCheck { reason: Some("not a side view"), ..Default::default() };
            }
            return spine_check(&pose, config);
        }
    }
    spine_check(&sample.pose, config)
}
