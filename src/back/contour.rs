//! The dorsal contour: tracing the back's outline on the person mask, and the gates on it.
//!
//! **Tracing.** The trunk axis runs hip -> shoulder (torso length `T` = its length), the neck/head
//! axis shoulder -> ear. At every mask pixel along these axes a ray goes out on the dorsal side,
//! perpendicular to the axis, and the contour point is where the mask first drops below the
//! threshold (sub-pixel, and only if it stays outside for 2 px so specks do not stop it). Each point
//! keeps its *station* `s`: trunk points have `s` in torso lengths from the hip (0 = hip level,
//! 1 = shoulder level); neck and head points continue past 1 by their distance along the neck axis.
//!
//! The back's keypoints are in [`super::keypoints`], the virtual dowel fitted to the contour in
//! [`super::virtual_dowel`], the reasons a frame is refused in [`super::refusal`].

use serde::{Deserialize, Serialize};

use super::BackConfig;
use super::keypoints::BackKeypoints;
use super::refusal::Unreliable;
use super::seg::PersonMask;

pub use super::vec2::P2;
pub(crate) use super::vec2::{add, dot, mul, norm, perp, sub, unit};

/// Station ranges (torso lengths from the hip along the trunk axis).
pub(crate) const SACRUM_WINDOW: (f32, f32) = (-0.04, 0.04);
pub(crate) const UPPER_BACK_WINDOW: (f32, f32) = (0.94, 1.0);
pub(crate) const LUMBAR_ZONE: (f32, f32) = (0.10, 0.45);
pub(crate) const THORACIC_ZONE: (f32, f32) = (0.45, 0.92);
/// Sacrum contact zone for a real dowel.
pub(crate) const SACRUM_ZONE: (f32, f32) = (-0.05, 0.15);
/// Head zone: ear-axis stations as a fraction of the shoulder-ear distance.
pub(crate) const HEAD_ZONE: (f32, f32) = (0.6, 1.5);
/// Trunk stations traced below the hip.
const TRUNK_START: f32 = -0.05;

/// Which part of the back a contour point belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Part {
    /// Traced perpendicular to hip -> shoulder.
    Trunk,
    /// Traced perpendicular to shoulder -> ear, below the head zone.
    Neck,
    /// The back of the head.
    Head,
}

/// One point of the dorsal contour, in mask coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(crate) struct ContourPoint {
    /// Station: torso lengths from the hip along the trunk axis (past 1: along the neck axis).
    pub s: f32,
    /// Position in mask coordinates.
    pub p: P2,
    pub part: Part,
}

/// The traced dorsal contour with its quality figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct BackContour {
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
pub(crate) fn check_arms(c: BackContour, cfg: &BackConfig) -> Result<BackContour, Unreliable> {
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
pub(crate) fn check_edge(c: BackContour, cfg: &BackConfig) -> Result<BackContour, Unreliable> {
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
pub(crate) fn trace_contour(
    mask: &PersonMask,
    kp: &BackKeypoints,
    cfg: &BackConfig,
) -> Result<BackContour, Unreliable> {
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

pub(super) fn in_zone(s: f32, z: (f32, f32)) -> bool {
    s >= z.0 && s <= z.1
}
