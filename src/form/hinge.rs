//! Hip hinge with a dowel (side view).
//!
//! Measures on the near side (the side with higher keypoint confidence): trunk = inclination of
//! hip->shoulder from vertical (signed: + toward the facing direction); hip = shoulder-hip-knee
//! angle; knee flexion = 180 - hip-knee-ankle angle; head = ear-shoulder-hip angle.
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
//! **A rep**: standing (trunk < `standing_max_trunk_deg`) -> lowering -> bottom (peak trunk >=
//! `min_depth_trunk_deg`) -> rising -> standing, then a short top window (`top_window_s`) judges
//! lockout and lean-back. Start and end times are where the trunk leaves / returns to within
//! `rep_boundary_margin_deg` of upright, so the lowering time covers the whole descent.

use super::config::{FormConfig, HingeConfig};
use super::cues::{CuePriority, CueRequest, FaultId, number_word};
use super::faults::FaultSet;
use super::geometry::{Pt, add, angle_at, dot, inclination_from_vertical, scale, signed_lean, sub, unit};
use super::view::{Body, Side, View};
use super::{Ctx, FormEvent, HingeRep, LiveAngles, LiveState, Out, RepRecord};
use crate::pose::skeleton::{Joint, Pose};
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
    /// (`crate::back::Unreliable::id`). The gaps are then `None` and the keypoint proxies judge.
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
    /// Why not judged ("missing shoulder or hip", "not a side view", "not bent forward").
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
struct Limbs {
    side: Side,
    shoulder: Option<Pt>,
    hip: Option<Pt>,
    knee: Option<Pt>,
    ankle: Option<Pt>,
    ear: Option<Pt>,
}

fn limbs(body: &Body<'_>) -> Limbs {
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

/// Dorsal unit normal of the axis `u` for a person facing `facing` (+1 image right, -1 left).
fn dorsal(u: Pt, facing: f32) -> Pt {
    (facing * u.1, -facing * u.0)
}

/// The keypoint judgement of one frame.
fn judge_keypoints(l: &Limbs, facing: f32, torso: f32, cfg: &HingeConfig) -> SpineCheck {
    let (Some(sh), Some(hip)) = (l.shoulder, l.hip) else {
        return SpineCheck { reason: Some("missing shoulder or hip"), ..Default::default() };
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
        r.reason = Some("missing ear");
    }
    r
}

fn judge_back(m: &BackMeasure, cfg: &HingeConfig) -> Option<(Option<bool>, Option<bool>, Option<bool>)> {
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
        return SpineCheck { reason: Some("missing shoulder or hip"), ..Default::default() };
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Phase {
    #[default]
    Unknown,
    Standing,
    Lowering,
    Rising,
    Top,
}

#[derive(Debug, Clone, Default)]
struct RepAcc {
    start_t: f64,
    peak_trunk: f32,
    bottom_t: f64,
    min_hip: f32,
    max_knee_flex: Option<f32>,
    bottom_samples: Vec<(f32, f32)>, // (trunk, knee flexion)
    max_thoracic: Option<f32>,
    worst_head: Option<f32>,
    /// Frames judged by each method: keypoints, contour, dowel, not judged.
    methods: [u32; 4],
    cross_t: f64,
    top_max_hip: f32,
    lean_back_s: f64,
    top_min_trunk: f32,
    /// At the top: since when the trunk has been past the standing threshold.
    above_since: Option<f64>,
    /// Largest thoracic gap a back measurement (mask or dowel) gave, and when.
    max_gap: Option<(f32, f64)>,
    /// Head contact over the frames a back measurement judged it.
    head_contact: Option<bool>,
    /// Bent frames the mask looked at and could not judge, by reason id.
    refusals: Vec<(&'static str, u32)>,
}

/// Hip hinge state machine.
#[derive(Debug, Clone, Default)]
pub struct HingeEngine {
    pub(crate) faults: FaultSet,
    phase: Phase,
    phase_since: f64,
    facing: Option<f32>,
    series: Vec<(f64, f32)>,
    baseline: f32,
    rep: Option<RepAcc>,
    count: u32,
    last_praise: Option<f64>,
    angles: LiveAngles,
    dowel: Option<DowelOverlay>,
}

impl HingeEngine {
    pub(crate) fn missing(&self, body: &Body<'_>) -> Vec<Joint> {
        let l = limbs(body);
        let mut m = vec![];
        for (p, j) in [
            (l.shoulder, Joint::LeftShoulder),
            (l.hip, Joint::LeftHip),
            (l.knee, Joint::LeftKnee),
            (l.ankle, Joint::LeftAnkle),
        ] {
            if p.is_none() {
                m.push(l.side.joint(j));
            }
        }
        m
    }

    fn set_phase(&mut self, p: Phase, t: f64) {
        self.phase = p;
        self.phase_since = t;
    }

    pub(crate) fn suspend(&mut self, t: f64, out: &mut Out) {
        self.faults.clear_all(t, out);
        self.rep = None;
        self.series.clear();
        self.dowel = None;
        if self.phase != Phase::Unknown {
            self.set_phase(Phase::Unknown, t);
        }
    }

    pub(crate) fn step(&mut self, ctx: &Ctx<'_>, out: &mut Out) {
        let cfg = &ctx.cfg.hinge;
        let common = &ctx.cfg.common;
        let t = ctx.t;
        let l = limbs(&ctx.body);
        let (Some(sh), Some(hip), Some(knee)) = (l.shoulder, l.hip, l.knee) else {
            return;
        };
        let incl = inclination_from_vertical(hip, sh);
        // Facing: a forward bend shows it directly; upright, the nose is in front of the ear.
        if incl > 25.0 {
            self.facing = Some(if sh.0 >= hip.0 { 1.0 } else { -1.0 });
        } else if self.facing.is_none()
            && let (Some(nose), Some(ear)) = (ctx.body.pt(Joint::Nose), l.ear)
            && (nose.0 - ear.0).abs() > 0.05 * ctx.torso
        {
            self.facing = Some((nose.0 - ear.0).signum());
        }
        let trunk = match self.facing {
            Some(f) => signed_lean(hip, sh, f),
            None => incl,
        };
        let hip_deg = angle_at(sh, hip, knee);
        let knee_flex = l.ankle.map(|a| 180.0 - angle_at(hip, knee, a));

        // Spine judgement for this frame.
        let facing = self.facing.unwrap_or(1.0);
        let kp = judge_keypoints(&l, facing, ctx.torso, cfg);
        let external = ctx.back.and_then(|m| judge_back(m, cfg).map(|j| (m.method, j)));
        // The keypoint proxies are 2D angles and distances: in a three-quarter view they change with
        // the body's turn as the trunk bends, not with the spine's shape. Only a confirmed side view
        // lets them judge; otherwise the contacts are "not judged" (reps still count).
        let proxies_valid = ctx.view == View::Side;
        let (method, head_ok, thor_ok, sacrum_ok) = match external {
            Some((m, (h, th, sa))) => (m, h, th, sa),
            None if kp.judged && proxies_valid => {
                (SpineMethod::Keypoints, kp.head_deg.map(|_| !kp.head_off_dowel), Some(!kp.rounded_back), None)
            }
            None => (SpineMethod::NotJudged, None, None, None),
        };
        let rounded = match (thor_ok, sacrum_ok) {
            (None, None) => None,
            (a, b) => Some(a == Some(false) || b == Some(false)),
        };
        let head_off = head_ok.map(|ok| !ok && rounded != Some(true));
        self.angles = LiveAngles {
            trunk_deg: Some(trunk),
            hip_deg: Some(hip_deg),
            knee_flexion_deg: knee_flex,
            head_deg: kp.head_deg,
            thoracic_offset: kp.thoracic_offset,
            ..Default::default()
        };
        {
            let u = unit(sub(sh, hip));
            let n = dorsal(u, facing);
            let tp = ctx.torso;
            let head = l.ear.unwrap_or_else(|| add(sh, scale(u, 0.35 * tp)));
            self.dowel = Some(DowelOverlay {
                head: add(head, scale(n, 0.12 * tp)),
                thoracic: add(add(sh, scale(sub(hip, sh), 0.3)), scale(n, 0.15 * tp)),
                sacrum: add(add(hip, scale(sub(hip, sh), 0.1)), scale(n, 0.15 * tp)),
                head_ok,
                thoracic_ok: thor_ok,
                sacrum_ok,
                method,
            });
        }

        let in_rep = matches!(self.phase, Phase::Lowering | Phase::Rising);
        let bent = in_rep && trunk >= cfg.spine_min_trunk_deg;
        let side = Some(l.side);
        let judge = |c: Option<bool>| if bent { c } else { None };
        self.faults.update(t, ctx.dt, FaultId::RoundedBack, judge(rounded), side, common, out);
        self.faults.update(t, ctx.dt, FaultId::HeadOffDowel, judge(head_off), side, common, out);
        let squat = knee_flex.map(|k| k > cfg.squat_knee_flexion_deg);
        self.faults.update(t, ctx.dt, FaultId::Squatting, judge(squat), side, common, out);

        match self.phase {
            Phase::Unknown => {
                if trunk < cfg.standing_max_trunk_deg {
                    if self.series.is_empty() {
                        self.phase_since = t;
                    }
                    self.series.push((t, trunk));
                    if t - self.phase_since >= common.state_min_s {
                        self.baseline = self.series.iter().map(|s| s.1).fold(f32::INFINITY, f32::min);
                        self.set_phase(Phase::Standing, self.phase_since);
                    }
                } else {
                    self.series.clear();
                }
            }
            Phase::Standing => {
                self.series.push((t, trunk));
                self.baseline = self.baseline.min(trunk);
                if self.series.len() > 600 {
                    self.series.drain(..300);
                }
                if trunk > cfg.standing_max_trunk_deg {
                    let thr = self.baseline + cfg.rep_boundary_margin_deg;
                    let start_t = self.series.iter().rev().find(|s| s.1 <= thr).map_or(t, |s| s.0);
                    self.series.retain(|s| s.0 >= start_t);
                    self.faults.reset_window();
                    self.rep = Some(RepAcc {
                        start_t,
                        peak_trunk: trunk,
                        bottom_t: t,
                        min_hip: hip_deg,
                        top_min_trunk: f32::INFINITY,
                        ..Default::default()
                    });
                    self.set_phase(Phase::Lowering, t);
                }
            }
            Phase::Lowering | Phase::Rising => {
                self.series.push((t, trunk));
                let Some(r) = self.rep.as_mut() else {
                    self.set_phase(Phase::Unknown, t);
                    return;
                };
                let deeper = trunk > r.peak_trunk;
                if deeper {
                    r.peak_trunk = trunk;
                    r.bottom_t = t;
                }
                r.min_hip = r.min_hip.min(hip_deg);
                if let Some(k) = knee_flex {
                    r.max_knee_flex = Some(r.max_knee_flex.map_or(k, |m| m.max(k)));
                    r.bottom_samples.push((trunk, k));
                }
                if bent {
                    if let Some(th) = kp.thoracic_offset {
                        r.max_thoracic = Some(r.max_thoracic.map_or(th, |m| m.max(th)));
                    }
                    if let Some(h) = kp.head_deg {
                        r.worst_head = Some(match r.worst_head {
                            Some(w) if (w - 180.0).abs() >= (h - 180.0).abs() => w,
                            _ => h,
                        });
                    }
                    if let Some(why) = ctx.back.and_then(|b| b.refused) {
                        match r.refusals.iter_mut().find(|(id, _)| *id == why) {
                            Some((_, n)) => *n += 1,
                            None => r.refusals.push((why, 1)),
                        }
                    }
                    if external.is_some() {
                        if let Some(g) = ctx.back.and_then(|b| b.thoracic_gap)
                            && r.max_gap.is_none_or(|(worst, _)| g > worst)
                        {
                            r.max_gap = Some((g, t));
                        }
                        if let Some(ok) = head_ok {
                            r.head_contact = Some(r.head_contact.unwrap_or(true) && ok);
                        }
                    }
                    let i = match method {
                        SpineMethod::Keypoints => 0,
                        SpineMethod::Contour => 1,
                        SpineMethod::Dowel => 2,
                        SpineMethod::NotJudged => 3,
                    };
                    r.methods[i] += 1;
                }
                let rising = r.peak_trunk >= cfg.min_depth_trunk_deg && trunk < r.peak_trunk - 5.0;
                let deep = r.peak_trunk >= cfg.min_depth_trunk_deg;
                if trunk < cfg.standing_max_trunk_deg && deep {
                    r.cross_t = t;
                    r.top_max_hip = hip_deg;
                    r.top_min_trunk = trunk;
                }
                if self.phase == Phase::Lowering && rising {
                    self.set_phase(Phase::Rising, t);
                } else if self.phase == Phase::Rising && deeper {
                    // A pause or a wobble on the way down, then deeper than before: still lowering.
                    self.set_phase(Phase::Lowering, t);
                }
                if trunk < cfg.standing_max_trunk_deg {
                    if deep {
                        self.set_phase(Phase::Top, t);
                    } else {
                        // A shallow dip: not a rep.
                        self.rep = None;
                        self.faults.clear_all(t, out);
                        self.faults.reset_window();
                        self.baseline = trunk;
                        self.set_phase(Phase::Standing, t);
                    }
                }
            }
            Phase::Top => {
                self.series.push((t, trunk));
                // Leaving the top needs the trunk past the standing threshold for a minimum time: one
                // jittery frame must not end the rep before the hips reach lockout.
                let above = trunk > cfg.standing_max_trunk_deg;
                let mut done = false;
                if let Some(r) = self.rep.as_mut() {
                    r.above_since = if above { r.above_since.or(Some(t)) } else { None };
                    done = r.above_since.is_some_and(|since| t - since >= common.state_min_s);
                    r.top_max_hip = r.top_max_hip.max(hip_deg);
                    r.top_min_trunk = r.top_min_trunk.min(trunk);
                    if trunk < -cfg.lean_back_deg {
                        r.lean_back_s += ctx.dt;
                    }
                    done |= t - r.cross_t >= cfg.top_window_s;
                }
                if done {
                    self.complete(t, ctx.cfg, out);
                    // The top window is the new standing phase.
                    let keep_from = self.phase_since;
                    self.series.retain(|s| s.0 >= keep_from);
                    self.baseline = self.series.iter().map(|s| s.1).fold(f32::INFINITY, f32::min);
                    self.set_phase(Phase::Standing, keep_from);
                    if trunk > cfg.standing_max_trunk_deg {
                        // Already going down again: re-run this frame as standing.
                        self.series.pop();
                        self.step(ctx, out);
                    }
                }
            }
        }
    }

    fn complete(&mut self, t: f64, cfg: &FormConfig, out: &mut Out) {
        let Some(r) = self.rep.take() else { return };
        let h = &cfg.hinge;
        let end_thr = r.top_min_trunk + h.rep_boundary_margin_deg;
        let end_t = self.series.iter().find(|s| s.0 > r.bottom_t && s.1 <= end_thr).map_or(r.cross_t, |s| s.0);
        let lowering_s = r.bottom_t - r.start_t;
        let rising_s = end_t - r.bottom_t;
        let mut durations = self.faults.take_window();
        let bottom: Vec<f32> = {
            let mut v: Vec<f32> = r.bottom_samples.iter().filter(|s| s.0 >= 0.8 * r.peak_trunk).map(|s| s.1).collect();
            v.sort_by(f32::total_cmp);
            v
        };
        let bottom_knee = (!bottom.is_empty()).then(|| bottom[bottom.len() / 2]);
        let mut rep_faults: Vec<(FaultId, f64)> = vec![];
        if bottom_knee.is_some_and(|k| k < h.locked_knee_flexion_deg) {
            rep_faults.push((FaultId::LockedKnees, end_t - r.start_t));
        }
        if r.top_max_hip < h.lockout_hip_deg {
            rep_faults.push((FaultId::NoLockout, t - r.cross_t));
        }
        if r.lean_back_s >= h.rep_fault_min_s {
            rep_faults.push((FaultId::LeaningBack, r.lean_back_s));
        }
        if lowering_s < h.min_lowering_s {
            rep_faults.push((FaultId::TooFast, lowering_s));
        }
        super::faults::emit_rep_faults(out, t, None, super::Exercise::Hinge, &rep_faults, &mut durations);
        self.count += 1;
        // The method that judged most of the frames that were judged: frames nothing could judge
        // do not outvote a measurement (a rep seen by the mask on a few frames was judged by it).
        let method = match r.methods[..3].iter().enumerate().max_by_key(|(_, c)| **c) {
            Some((0, c)) if *c > 0 => SpineMethod::Keypoints,
            Some((1, c)) if *c > 0 => SpineMethod::Contour,
            Some((2, c)) if *c > 0 => SpineMethod::Dowel,
            _ => SpineMethod::NotJudged,
        };
        let rec = RepRecord {
            index: self.count,
            side: None,
            start_s: r.start_t,
            end_s: end_t,
            faults: durations.keys().copied().collect(),
            fault_durations: durations,
            hinge: Some(HingeRep {
                bottom_s: r.bottom_t,
                peak_trunk_deg: r.peak_trunk,
                peak_hip_deg: r.min_hip,
                peak_knee_deg: r.max_knee_flex,
                bottom_knee_flexion_deg: bottom_knee,
                top_hip_deg: r.top_max_hip,
                lowering_s,
                rising_s,
                max_thoracic_offset: r.max_thoracic,
                worst_head_deg: r.worst_head,
                max_thoracic_gap: r.max_gap.map(|g| g.0),
                worst_gap_s: r.max_gap.map(|g| g.1),
                head_contact: r.head_contact,
                spine_method: method,
                // Why the mask gave no thoracic gap: its most frequent reason on the bent frames.
                mask_refused: if r.max_gap.is_none() {
                    r.refusals.iter().max_by_key(|(_, n)| *n).map(|(id, _)| (*id).to_string())
                } else {
                    None
                },
            }),
            bird_dog: None,
        };
        push_rep_cues(&rec, t, cfg, &mut self.last_praise, out);
        out.events.push(FormEvent::RepCompleted(rec));
    }

    pub(crate) fn live(&self, live: &mut LiveState) {
        live.phase = match self.phase {
            Phase::Unknown => "unknown",
            Phase::Standing => "standing",
            Phase::Lowering => "lowering",
            Phase::Rising => "rising",
            Phase::Top => "top",
        }
        .into();
        live.angles = self.angles;
        live.dowel = self.dowel;
    }
}

/// Rep count and (now and then) praise for a clean rep.
pub(crate) fn push_rep_cues(rec: &RepRecord, t: f64, cfg: &FormConfig, last_praise: &mut Option<f64>, out: &mut Out) {
    if cfg.cues.count_reps {
        out.requests.push(CueRequest {
            id: format!("rep.count.{}", rec.index),
            text: number_word(rec.index),
            priority: CuePriority::Encouragement,
            since: t,
        });
    }
    if rec.faults.is_empty() && last_praise.is_none_or(|p| t - p >= cfg.cues.praise_every_s) {
        *last_praise = Some(t);
        out.requests.push(CueRequest {
            id: "rep.good".into(),
            text: "Good rep.".into(),
            priority: CuePriority::Encouragement,
            since: t,
        });
    }
}
