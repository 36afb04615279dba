//! The dorsal contour and the virtual dowel.
//!
//! **Tracing.** The trunk axis runs hip -> shoulder (torso length `T` = its length), the neck/head
//! axis shoulder -> ear. At every mask pixel along these axes a ray goes out on the dorsal side,
//! perpendicular to the axis, and the contour point is where the mask first drops below the
//! threshold (sub-pixel, and only if it stays outside for 2 px so specks do not stop it). Each point
//! keeps its *station* `s`: trunk points have `s` in torso lengths from the hip (0 = hip level,
//! 1 = shoulder level); neck and head points continue past 1 by their distance along the neck axis.
//!
//! **The virtual dowel.** A dowel held on the back lies on the sacrum and on the upper back; the
//! back of the head then touches it or not. So the dowel line runs through the contour at hip
//! level (the sacrum point `S`, mean of the points with `|s| <= 0.04`) and at shoulder level (the
//! upper-back point `U`, mean of `0.94 <= s <= 1`). Against this line, in torso lengths:
//! - `thoracic`: the furthest the contour between the shoulder blades (`0.45..0.92`) goes *past*
//!   the line (positive: the upper back rounds out through where the dowel would be; a rounded
//!   spine is an arc from sacrum to shoulders, which bulges past its chord), or how far it stays
//!   below it (negative);
//! - `lumbar_bulge` / `lumbar_sag`: the same in the lower back (`0.10..0.45`): past the line (the
//!   lower back flexing, the sacrum contact lost) or the depth of the hollow (lordosis; over-arch);
//! - `head`: the outermost point of the back of the head (ear-axis stations `0.6..1.5`) against the
//!   line: negative = below it (head bowed, chin to chest), positive = past it (head pushed back or
//!   looking up, which would lift the dowel off the upper back).
//!
//! Why not rest the line on the head and the sacrum? Because then a bowed head on a flat back tilts
//! the line and the upper back "crosses" it exactly as a rounded one does: the confusion the mask
//! is meant to remove. The trunk chord separates the two: a bowed head leaves the trunk straight.
//! The literal head-sacrum measure is still reported (`thoracic_vs_head_line`).

use serde::{Deserialize, Serialize};

use super::BackConfig;
use super::seg::PersonMask;
use crate::pose::skeleton::{Joint, Pose};

/// A 2-D point or vector.
pub type P2 = [f32; 2];

pub(crate) fn sub(a: P2, b: P2) -> P2 {
    [a[0] - b[0], a[1] - b[1]]
}
pub(crate) fn add(a: P2, b: P2) -> P2 {
    [a[0] + b[0], a[1] + b[1]]
}
pub(crate) fn mul(a: P2, k: f32) -> P2 {
    [a[0] * k, a[1] * k]
}
pub(crate) fn dot(a: P2, b: P2) -> f32 {
    a[0] * b[0] + a[1] * b[1]
}
pub(crate) fn norm(a: P2) -> f32 {
    dot(a, a).sqrt()
}
pub(crate) fn unit(a: P2) -> P2 {
    let n = norm(a);
    if n > 0.0 { mul(a, 1.0 / n) } else { [0.0, 0.0] }
}
/// Distance from `p` to the segment `a-b`.
pub(crate) fn seg_dist(p: P2, a: P2, b: P2) -> f32 {
    let ab = sub(b, a);
    let l2 = dot(ab, ab);
    let t = if l2 > 0.0 { (dot(sub(p, a), ab) / l2).clamp(0.0, 1.0) } else { 0.0 };
    norm(sub(p, add(a, mul(ab, t))))
}
/// `a` rotated by -90 degrees in image coordinates (x right, y down): (x, y) -> (y, -x).
pub(crate) fn perp(a: P2) -> P2 {
    [a[1], -a[0]]
}

/// Station ranges (torso lengths from the hip along the trunk axis).
pub const SACRUM_WINDOW: (f32, f32) = (-0.04, 0.04);
pub const UPPER_BACK_WINDOW: (f32, f32) = (0.94, 1.0);
pub const LUMBAR_ZONE: (f32, f32) = (0.10, 0.45);
pub const THORACIC_ZONE: (f32, f32) = (0.45, 0.92);
/// Sacrum contact zone for a real dowel.
pub const SACRUM_ZONE: (f32, f32) = (-0.05, 0.15);
/// Head zone: ear-axis stations as a fraction of the shoulder-ear distance.
pub const HEAD_ZONE: (f32, f32) = (0.6, 1.5);
/// Trunk stations traced below the hip.
const TRUNK_START: f32 = -0.05;

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
    pub fn torso_unit(&self) -> f32 {
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
    pub fn dorsal_sign(&self) -> f32 {
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

/// Which part of the back a contour point belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// Traced perpendicular to hip -> shoulder.
    Trunk,
    /// Traced perpendicular to shoulder -> ear, below the head zone.
    Neck,
    /// The back of the head.
    Head,
}

/// One point of the dorsal contour, in mask coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ContourPoint {
    /// Station: torso lengths from the hip along the trunk axis (past 1: along the neck axis).
    pub s: f32,
    /// Position in mask coordinates.
    pub p: P2,
    pub part: Part,
}

/// The traced dorsal contour with its quality figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackContour {
    /// Points from the sacrum to the head, in station order (stations where no edge was found are left out).
    pub points: Vec<ContourPoint>,
    /// The length gaps are measured in, mask pixels: the torso length, unforeshortened
    /// ([`BackKeypoints::torso_unit`]).
    pub torso: f32,
    /// Unit hip -> shoulder axis (mask coordinates).
    pub axis: P2,
    /// Dorsal unit normal of the axis.
    pub dorsal: P2,
    /// Hip, shoulder and ear in mask coordinates.
    pub hip: P2,
    pub shoulder: P2,
    pub ear: Option<P2>,
    /// Fraction of trunk stations where an edge was found.
    pub trunk_found: f32,
    /// Fraction of head stations (ear axis 0.6..1.2) where an edge was found (0 without an ear).
    pub head_found: f32,
    /// Mean |second difference| of the trunk contour's dorsal offset, torso lengths (jaggedness).
    pub roughness: f32,
    /// Fraction of adjacent trunk points whose offsets jump more than `BackConfig::max_step`.
    pub jumps: f32,
    /// Mean probability drop across the edge (inside minus outside, 1.5 px each side): 1 = crisp.
    pub edge_contrast: f32,
    /// Fraction of contour points whose edge is soft (drop below 0.5): where the model hesitates
    /// (clothes the colour of the background), the edge is not where the body is.
    pub soft_fraction: f32,
    /// Fraction of the thoracic zone's traced stations not hidden by an arm.
    pub thoracic_seen: f32,
}

/// Why the contour could not be used (the caller falls back to keypoints).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum Unreliable {
    #[error("shoulder or hip missing")]
    MissingKeypoints,
    #[error("not a profile view (shoulders and hips too wide apart)")]
    NotProfile,
    #[error("torso too small in the mask")]
    TooSmall,
    #[error("mask area too small or too large")]
    Area,
    #[error("hip or shoulder outside the mask")]
    AxisOutsideMask,
    #[error("dorsal edge not found along enough of the back")]
    EdgeNotFound,
    #[error("dorsal edge too ragged or blurred")]
    RaggedEdge,
    #[error("an arm lies on the back's outline")]
    ArmOnBack,
    #[error("measurement jumped from the previous frame")]
    Inconsistent,
}

impl Unreliable {
    pub const ALL: [Unreliable; 9] = [
        Unreliable::MissingKeypoints,
        Unreliable::NotProfile,
        Unreliable::TooSmall,
        Unreliable::Area,
        Unreliable::AxisOutsideMask,
        Unreliable::EdgeNotFound,
        Unreliable::RaggedEdge,
        Unreliable::ArmOnBack,
        Unreliable::Inconsistent,
    ];

    /// A short stable id (as serialised), for records and reports.
    #[must_use]
    pub fn id(self) -> &'static str {
        match self {
            Unreliable::MissingKeypoints => "missing_keypoints",
            Unreliable::NotProfile => "not_profile",
            Unreliable::TooSmall => "too_small",
            Unreliable::Area => "area",
            Unreliable::AxisOutsideMask => "axis_outside_mask",
            Unreliable::EdgeNotFound => "edge_not_found",
            Unreliable::RaggedEdge => "ragged_edge",
            Unreliable::ArmOnBack => "arm_on_back",
            Unreliable::Inconsistent => "inconsistent",
        }
    }

    /// The reason with this id.
    #[must_use]
    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|u| u.id() == id)
    }
}

/// The words for a refusal id in records (the id itself when unknown: a newer version wrote it).
#[must_use]
pub fn refusal_text(id: &str) -> String {
    Unreliable::from_id(id).map_or_else(|| id.replace('_', " "), |u| u.to_string())
}

/// " (the words)" for a rep's refusal id, or nothing: appended to "not judged".
#[must_use]
pub fn refusal_note(id: Option<&str>) -> String {
    id.map_or_else(String::new, |id| format!(" ({})", refusal_text(id)))
}

/// First exit from the mask along `dir` from `start`, within `max_len` mask pixels.
/// Returns (distance, contrast across the edge).
fn dorsal_exit(mask: &PersonMask, start: P2, dir: P2, max_len: f32, max_entry: f32, thr: f32) -> Option<(f32, f32)> {
    const STEP: f32 = 0.5;
    let at = |d: f32| {
        let q = add(start, mul(dir, d));
        mask.sample(q[0], q[1])
    };
    let mut prev = at(0.0);
    let mut inside = prev >= thr;
    let steps = (max_len / STEP) as usize;
    for i in 1..=steps {
        let d = i as f32 * STEP;
        let p = at(d);
        if inside {
            if p < thr {
                let x = d - STEP + STEP * (prev - thr) / (prev - p);
                if at(x + 1.0) < thr && at(x + 2.0) < thr {
                    let e = add(start, mul(dir, x));
                    // An edge at the crop's or the frame's border is that border, not the body.
                    if !mask.well_inside(e, 1.5) {
                        return None;
                    }
                    return Some((x, at(x - 1.5) - at(x + 1.5)));
                }
            }
        } else if p >= thr {
            inside = true;
        } else if d > max_entry {
            return None;
        }
        prev = p;
    }
    None
}

/// The gates on what arms hide: the thoracic zone must be mostly the back, and the two ends of
/// the virtual dowel line (the sacrum and shoulder-level windows) visible.
///
/// # Errors
/// [`Unreliable::ArmOnBack`].
pub fn check_arms(c: BackContour, cfg: &BackConfig) -> Result<BackContour, Unreliable> {
    let has = |w: (f32, f32)| c.points.iter().any(|p| p.part == Part::Trunk && in_zone(p.s, w));
    if c.thoracic_seen < cfg.min_thoracic_visible || !has(SACRUM_WINDOW) || !has(UPPER_BACK_WINDOW) {
        return Err(Unreliable::ArmOnBack);
    }
    Ok(c)
}

/// The contour's edge-quality gates (jaggedness, jumps, contrast, soft edge).
///
/// # Errors
/// [`Unreliable::RaggedEdge`].
pub fn check_edge(c: BackContour, cfg: &BackConfig) -> Result<BackContour, Unreliable> {
    if c.roughness > cfg.max_roughness
        || c.jumps > cfg.max_jumps
        || c.edge_contrast < cfg.min_edge_contrast
        || c.soft_fraction > cfg.max_soft_fraction
    {
        return Err(Unreliable::RaggedEdge);
    }
    Ok(c)
}

/// Traces the dorsal contour from the sacrum to the back of the head. The edge's quality
/// ([`check_edge`]) and what arms hide ([`check_arms`]) are gated by the caller, after it has
/// looked for a held dowel: the mask partly takes a dowel in as the body, which makes the edge
/// ragged until it is erased, and the hands holding it hide parts of the back.
///
/// # Errors
/// [`Unreliable`] when the mask cannot show the back: not a profile, too small, mask area, axis
/// outside the mask, edge not found along the back, or an arm going on past its keypoints.
pub fn trace_contour(mask: &PersonMask, kp: &BackKeypoints, cfg: &BackConfig) -> Result<BackContour, Unreliable> {
    // A profile or a three-quarter view shows the back as the outline; turned to face the camera,
    // the outline is a shoulder blade or the far arm.
    if kp.scaled_width_ratio().is_some_and(|w| w >= cfg.max_width_ratio) {
        return Err(Unreliable::NotProfile);
    }
    let hip = mask.to_mask(kp.hip);
    let shoulder = mask.to_mask(kp.shoulder);
    let ear = kp.ear.map(|e| mask.to_mask(e));
    let torso = norm(sub(shoulder, hip));
    if torso < cfg.min_torso_px {
        return Err(Unreliable::TooSmall);
    }
    let area = mask.area_fraction(cfg.mask_threshold);
    if !(cfg.min_area_fraction..=cfg.max_area_fraction).contains(&area) {
        return Err(Unreliable::Area);
    }
    let thr = cfg.mask_threshold;
    if mask.sample(hip[0], hip[1]) < thr || mask.sample(shoulder[0], shoulder[1]) < thr {
        return Err(Unreliable::AxisOutsideMask);
    }
    let sign = kp.dorsal_sign();
    let axis = unit(sub(shoulder, hip));
    let dorsal = mul(perp(axis), sign);
    // Lengths across the back are measured in the unforeshortened torso length (see
    // `BackKeypoints::torso_scale`); stations along it follow this frame's own axis.
    let unit_len = (kp.torso_unit() / mask.scale()).max(torso);
    let max_len = cfg.max_ray * unit_len;
    let max_entry = 0.2 * unit_len;
    let mut points = Vec::with_capacity(3 * torso as usize);
    let mut contrast_sum = 0.0;
    let mut soft = 0usize;
    // Trunk stations: one per mask pixel.
    let n_trunk = ((1.0 - TRUNK_START) * torso).ceil() as usize;
    let mut trunk_hits = 0usize;
    let arm_radius = cfg.arm_radius * unit_len * mask.scale();
    let on_arm = |p: P2| kp.on_arm(mask.to_source(p), arm_radius, cfg.arm_along_back_deg);
    let (mut arm_hidden, mut arm_hidden_thoracic, mut n_thoracic) = (0usize, 0usize, 0usize);
    // Across a stretch hidden by an arm the back goes on where it left off: a step in the outline's
    // depth there means the outline on one side is still the arm, reaching past where its
    // keypoints put it (a far elbow placed short of where it is, or a forearm along the back).
    let (mut last_depth, mut hidden_before, mut arm_step) = (None::<f32>, false, false);
    for i in 0..=n_trunk {
        let s = TRUNK_START + (1.0 - TRUNK_START) * i as f32 / n_trunk as f32;
        let start = add(hip, mul(sub(shoulder, hip), s));
        if let Some((d, c)) = dorsal_exit(mask, start, dorsal, max_len, max_entry, thr) {
            trunk_hits += 1;
            let p = add(start, mul(dorsal, d));
            if on_arm(p) {
                arm_hidden += 1;
                arm_hidden_thoracic += usize::from(in_zone(s, THORACIC_ZONE));
                hidden_before = true;
                continue;
            }
            let depth = d / unit_len;
            arm_step |= hidden_before && last_depth.is_some_and(|l| (depth - l).abs() > cfg.max_step);
            (last_depth, hidden_before) = (Some(depth), false);
            contrast_sum += c;
            soft += usize::from(c < 0.5);
            n_thoracic += usize::from(in_zone(s, THORACIC_ZONE));
            points.push(ContourPoint { s, p, part: Part::Trunk });
        }
    }
    let trunk_found = trunk_hits as f32 / (n_trunk + 1) as f32;
    // Neck and head stations along shoulder -> ear.
    let mut head_found = 0.0;
    let mut n_hits = trunk_hits - arm_hidden;
    if let Some(ear) = ear {
        let v = sub(ear, shoulder);
        let len = norm(v);
        if len > 1.0 {
            let nh = mul(perp(unit(v)), sign);
            let n_neck = (HEAD_ZONE.1 * len).ceil() as usize;
            let (mut head_total, mut head_hits) = (0usize, 0usize);
            for i in 1..=n_neck {
                let t = HEAD_ZONE.1 * i as f32 / n_neck as f32;
                let start = add(shoulder, mul(v, t));
                let in_core = (HEAD_ZONE.0..=1.2).contains(&t);
                head_total += usize::from(in_core);
                if let Some((d, c)) = dorsal_exit(mask, start, nh, max_len, max_entry, thr) {
                    let p = add(start, mul(nh, d));
                    if on_arm(p) {
                        continue;
                    }
                    head_hits += usize::from(in_core);
                    n_hits += 1;
                    contrast_sum += c;
                    soft += usize::from(c < 0.5);
                    let part = if t >= HEAD_ZONE.0 { Part::Head } else { Part::Neck };
                    points.push(ContourPoint { s: 1.0 + t * len / torso, p, part });
                }
            }
            head_found = head_hits as f32 / head_total.max(1) as f32;
        }
    }
    // Jaggedness of the trunk contour (offsets from the axis, torso lengths).
    let offs: Vec<f32> =
        points.iter().filter(|p| p.part == Part::Trunk).map(|p| dot(sub(p.p, hip), dorsal) / unit_len).collect();
    let d2: Vec<f32> = offs.windows(3).map(|w| (w[0] - 2.0 * w[1] + w[2]).abs()).collect();
    let roughness = if d2.is_empty() { 1.0 } else { d2.iter().sum::<f32>() / d2.len() as f32 };
    let jumps =
        offs.windows(2).filter(|w| (w[1] - w[0]).abs() > cfg.max_step).count() as f32 / offs.len().max(2) as f32;
    let edge_contrast = if n_hits == 0 { 0.0 } else { contrast_sum / n_hits as f32 };
    let soft_fraction = soft as f32 / n_hits.max(1) as f32;
    let c = BackContour {
        points,
        torso: unit_len,
        axis,
        dorsal,
        hip,
        shoulder,
        ear,
        trunk_found,
        head_found,
        roughness,
        jumps,
        edge_contrast,
        soft_fraction,
        thoracic_seen: n_thoracic as f32 / (n_thoracic + arm_hidden_thoracic).max(1) as f32,
    };
    if c.trunk_found < cfg.min_trunk_found {
        return Err(Unreliable::EdgeNotFound);
    }
    if arm_step {
        return Err(Unreliable::ArmOnBack);
    }
    Ok(c)
}

/// The virtual dowel line and the gaps measured against it (torso lengths).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct VirtualDowel {
    /// Sacrum point (contour at hip level), mask coordinates.
    pub sacrum: P2,
    /// Upper-back point (contour at shoulder level), mask coordinates.
    pub upper_back: P2,
    /// Unit direction sacrum -> upper back.
    pub dir: P2,
    /// Dorsal unit normal of the line.
    pub normal: P2,
    /// Thoracic contour past the line (+, rounded) or below it (-), at its furthest point.
    pub thoracic: f32,
    /// Where that is (mask coordinates).
    pub thoracic_point: P2,
    /// Lower back past the line (+: lumbar flexion), at its furthest point (can be negative).
    pub lumbar_bulge: f32,
    /// Depth of the lumbar hollow below the line (>= 0).
    pub lumbar_sag: f32,
    /// Back of the head against the line: - below (bowed), + past (pushed back). None without head points.
    pub head: Option<f32>,
    /// Outermost back-of-head point (mask coordinates).
    pub head_point: Option<P2>,
    /// The spec's literal measure: thoracic contour past the line through the sacrum and the back of the head.
    pub thoracic_vs_head_line: Option<f32>,
}

impl VirtualDowel {
    /// Signed offset of `p` from the line, in torso lengths (+ = dorsal, past the line).
    #[must_use]
    pub fn offset(&self, p: P2, torso: f32) -> f32 {
        dot(sub(p, self.sacrum), self.normal) / torso
    }
}

fn mean_point(pts: impl Iterator<Item = P2>) -> Option<P2> {
    let (mut acc, mut n) = ([0.0, 0.0], 0usize);
    for p in pts {
        acc = add(acc, p);
        n += 1;
    }
    (n > 0).then(|| mul(acc, 1.0 / n as f32))
}

fn in_zone(s: f32, z: (f32, f32)) -> bool {
    s >= z.0 && s <= z.1
}

/// Fits the virtual dowel on the contour and measures the gaps. `None` when the contour has no
/// points at hip or shoulder level.
#[must_use]
pub fn fit_virtual_dowel(c: &BackContour) -> Option<VirtualDowel> {
    let trunk = || c.points.iter().filter(|p| p.part == Part::Trunk);
    let sacrum = mean_point(trunk().filter(|p| in_zone(p.s, SACRUM_WINDOW)).map(|p| p.p))?;
    let upper_back = mean_point(trunk().filter(|p| in_zone(p.s, UPPER_BACK_WINDOW)).map(|p| p.p))?;
    measure_against(c, sacrum, upper_back)
}

/// A straight line fitted (least squares) to the whole visible trunk contour, as a
/// [`VirtualDowel`]: where arms hide the sacrum or shoulder-level window, the line along which to
/// look for a held dowel. Its gaps are measured as [`fit_virtual_dowel`]'s, against this line.
/// `None` with too few trunk points, or none in the lumbar or thoracic zone.
#[must_use]
pub fn fit_trunk_line(c: &BackContour) -> Option<VirtualDowel> {
    let pts: Vec<(f64, f64)> = c
        .points
        .iter()
        .filter(|p| p.part == Part::Trunk)
        .map(|p| {
            let d = sub(p.p, c.hip);
            (f64::from(dot(d, c.axis)), f64::from(dot(d, c.dorsal)))
        })
        .collect();
    if pts.len() < 8 {
        return None;
    }
    let n = pts.len() as f64;
    let (sa, so) = pts.iter().fold((0.0, 0.0), |(a, o), p| (a + p.0, o + p.1));
    let (ma, mo) = (sa / n, so / n);
    let (saa, sao) = pts.iter().fold((0.0, 0.0), |(aa, ao), p| (aa + (p.0 - ma).powi(2), ao + (p.0 - ma) * (p.1 - mo)));
    if saa < 1e-6 {
        return None;
    }
    let slope = sao / saa;
    let at = |a: f64| {
        let o = mo + slope * (a - ma);
        add(c.hip, add(mul(c.axis, a as f32), mul(c.dorsal, o as f32)))
    };
    let len = f64::from(norm(sub(c.shoulder, c.hip)));
    measure_against(c, at(0.0), at(len))
}

/// The gaps of the contour `c` against the line through `sacrum` and `upper_back`.
fn measure_against(c: &BackContour, sacrum: P2, upper_back: P2) -> Option<VirtualDowel> {
    let trunk = || c.points.iter().filter(|p| p.part == Part::Trunk);
    let dir = unit(sub(upper_back, sacrum));
    let mut normal = perp(dir);
    if dot(normal, c.dorsal) < 0.0 {
        normal = mul(normal, -1.0);
    }
    let off = |p: P2| dot(sub(p, sacrum), normal) / c.torso;
    let extreme = |zone: (f32, f32), max: bool| {
        trunk().filter(|p| in_zone(p.s, zone)).map(|p| (off(p.p), p.p)).reduce(
            |a, b| {
                if (b.0 > a.0) == max { b } else { a }
            },
        )
    };
    let (thoracic, thoracic_point) = extreme(THORACIC_ZONE, true)?;
    let (lumbar_bulge, _) = extreme(LUMBAR_ZONE, true)?;
    let (lumbar_low, _) = extreme(LUMBAR_ZONE, false)?;
    let head = c
        .points
        .iter()
        .filter(|p| p.part == Part::Head)
        .map(|p| (off(p.p), p.p))
        .reduce(|a, b| if b.0 > a.0 { b } else { a });
    let thoracic_vs_head_line = head.map(|(_, h)| {
        let d = unit(sub(h, sacrum));
        let mut n = perp(d);
        if dot(n, c.dorsal) < 0.0 {
            n = mul(n, -1.0);
        }
        trunk()
            .filter(|p| in_zone(p.s, THORACIC_ZONE))
            .map(|p| dot(sub(p.p, sacrum), n) / c.torso)
            .fold(f32::NEG_INFINITY, f32::max)
    });
    Some(VirtualDowel {
        sacrum,
        upper_back,
        dir,
        normal,
        thoracic,
        thoracic_point,
        lumbar_bulge,
        lumbar_sag: (-lumbar_low).max(0.0),
        head: head.map(|h| h.0),
        head_point: head.map(|h| h.1),
        thoracic_vs_head_line,
    })
}
