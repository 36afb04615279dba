//! Hip hinge with a dowel (side view).
//!
//! Measures on the near side (the side with higher keypoint confidence): trunk = inclination of
//! hip->shoulder from vertical (signed: + toward the facing direction); hip = shoulder-hip-knee
//! angle; knee flexion = 180 - hip-knee-ankle angle; head = ear-shoulder-hip angle.
//!
//! The dowel contacts are judged per frame in [`super::spine`]: from keypoint proxies, or from a
//! [`super::BackMeasure`] another method (the back stage's mask or a real dowel) hands the engine.
//! With world landmarks the engine runs in any view (the analyzer turns the body side-on), but
//! the contacts (keypoint proxies in a side view only; the mask and a dowel not in a front view)
//! and the few-degree lean-back check (not in a front view) stay gated by the view: past it, they
//! would be read off the model's depth. A rep not judged says why (`spine_not_judged`).
//!
//! **A rep**: standing (trunk < `standing_max_trunk_deg`) -> lowering -> bottom (peak trunk >=
//! `min_depth_trunk_deg`) -> rising -> standing, then a short top window (`top_window_s`) judges
//! lockout and lean-back. Start and end times are where the trunk leaves / returns to within
//! `rep_boundary_margin_deg` of upright, so the lowering time covers the whole descent.
//!
//! **Sets that do not start standing or end tidily**:
//! - A set may start at the bottom (a deadlift from the floor): when the first sighting of the set
//!   is at rep depth for `common.state_min_s`, the first rep runs from there up to the top
//!   (`started_at_bottom`; its lowering was never seen, so `too_fast` is not judged). Only the set's
//!   first sighting: after the person was out of view, coming back at the bottom means the rep's
//!   lowering was missed, and it is not counted.
//! - A rep back at the top counts even when the person leaves the picture or the input ends within
//!   the top window; a lockout not yet reached in a top window cut short is not judged missing.
//! - A set ends where it started: in a set begun at the bottom, a last descent to the bottom is the
//!   bar being set down, not a rep in progress.
//!
//! **Attempts** ([`FormEvent::Attempt`], not counted, never silently dropped): a dip past
//! `attempt_min_trunk_deg` for at least `common.state_min_s` that comes back up short of
//! `min_depth_trunk_deg` (`short_of_range`); a rep that reached depth and had not come back to the
//! top when the person left or the input ended (`unfinished`).

use super::config::FormConfig;
use super::cues::{CuePriority, CueRequest, FaultId, number_word};
use super::faults::FaultSet;
use super::geometry::{add, angle_at, inclination_from_vertical, scale, sub, unit};
use super::rom::{self, RomMeasure};
use super::spine::{DowelOverlay, SpineMethod, dorsal, judge_back, judge_keypoints, limbs};
use super::view::{Body, View};
use super::{AttemptReason, AttemptRecord, Ctx, FormEvent, HingeRep, LiveAngles, LiveState, Out, RepRecord};
use crate::pose::skeleton::Joint;

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
    /// Largest hip flexion (range of motion).
    max_hip_flex: f32,
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
    /// Bent frames no method judged, by why the keypoints could not (a hidden joint, the view).
    not_judged: Vec<(&'static str, u32)>,
    /// The rep began with the set, at the bottom (its lowering was not seen).
    from_bottom: bool,
    /// Time the trunk spent past `attempt_min_trunk_deg` (s): a dip held that long is an attempt.
    attempt_s: f64,
}

/// Hip hinge state machine.
#[derive(Debug, Clone, Default)]
pub(crate) struct HingeEngine {
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
    /// A frame of this set has been judged.
    stepped: bool,
    /// The person was out of view (or the view wrong) after the set began: a bottom seen on coming
    /// back is not a set's start.
    resumed: bool,
    /// The set began at the bottom (a deadlift from the floor): it ends at the bottom too.
    set_from_bottom: bool,
    /// Since when the first sighting has been at rep depth.
    bottom_since: Option<f64>,
}

impl HingeEngine {
    /// The key joints: shoulder, hip and knee (trunk lean and hip angle). The ankle is not one: it
    /// only serves the knee's flexion, which is judged when the ankle is seen and silent otherwise,
    /// and a barbell's plates hide the ankles through every deadlift from the floor.
    pub(crate) fn missing(&self, body: &Body<'_>) -> Vec<Joint> {
        let l = limbs(body);
        let mut m = vec![];
        for (p, j) in [(l.shoulder, Joint::LeftShoulder), (l.hip, Joint::LeftHip), (l.knee, Joint::LeftKnee)] {
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

    /// The person left the picture (or the view turned wrong): a rep already at the top counts, a
    /// movement under way is reported as an attempt, and the next rep waits for standing.
    pub(crate) fn suspend(&mut self, t: f64, cfg: &FormConfig, out: &mut Out) {
        self.close(t, cfg, out);
        if self.stepped {
            self.resumed = true;
        }
    }

    /// End of input: as when the person leaves.
    pub(crate) fn finish(&mut self, t: f64, cfg: &FormConfig, out: &mut Out) {
        self.close(t, cfg, out);
    }

    /// Ends what is open at `t`, when the frames stop coming.
    fn close(&mut self, t: f64, cfg: &FormConfig, out: &mut Out) {
        match self.phase {
            Phase::Top => self.complete(t, cfg, true, out),
            Phase::Lowering | Phase::Rising => {
                if let Some(r) = self.rep.take() {
                    let deep = r.peak_trunk >= cfg.hinge.min_depth_trunk_deg;
                    // A set ends where it started: in a set begun at the bottom, going back down
                    // from the top is the bar set down.
                    let set_down = deep && self.set_from_bottom && !r.from_bottom;
                    if deep && !set_down {
                        out.events.push(self.attempt(&r, AttemptReason::Unfinished, t, cfg));
                    } else if !deep && r.attempt_s >= cfg.common.state_min_s {
                        out.events.push(self.attempt(&r, AttemptReason::ShortOfRange, t, cfg));
                    }
                }
            }
            Phase::Unknown | Phase::Standing => {}
        }
        self.faults.clear_all(t, out);
        self.rep = None;
        self.series.clear();
        self.dowel = None;
        self.bottom_since = None;
        if self.phase != Phase::Unknown {
            self.set_phase(Phase::Unknown, t);
        }
    }

    fn attempt(&self, r: &RepAcc, reason: AttemptReason, end_s: f64, cfg: &FormConfig) -> FormEvent {
        FormEvent::Attempt(AttemptRecord {
            index: 0,
            side: None,
            start_s: r.start_t,
            end_s,
            reason,
            measure: "trunk_deg".into(),
            reached_deg: Some(r.peak_trunk),
            needed_deg: cfg.hinge.min_depth_trunk_deg,
        })
    }

    pub(crate) fn step(&mut self, ctx: &Ctx<'_>, out: &mut Out) {
        let cfg = &ctx.cfg.hinge;
        let common = &ctx.cfg.common;
        let t = ctx.t;
        let l = limbs(&ctx.body);
        let (Some(sh), Some(hip), Some(knee)) = (l.shoulder, l.hip, l.knee) else {
            return;
        };
        self.stepped = true;
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
        let trunk = rom::trunk_lean_deg(hip, sh, self.facing);
        let hip_deg = angle_at(sh, hip, knee);
        let hip_flex = rom::hip_flexion_deg(sh, hip, knee);
        let knee_flex = l.ankle.map(|a| 180.0 - angle_at(hip, knee, a));

        // Spine judgement for this frame.
        let facing = self.facing.unwrap_or(1.0);
        let kp = judge_keypoints(&l, facing, ctx.torso, cfg);
        // The keypoint proxies are 2D angles and distances: in a three-quarter view they change with
        // the body's turn as the trunk bends, not with the spine's shape. Only a confirmed side view
        // lets them judge; otherwise the contacts are "not judged" (reps still count). With world
        // landmarks the engine runs in any view (the body turned side-on), but a body turned far
        // from side-on is turned back mostly on the model's depth, its least reliable axis: the
        // same gate holds. The mask's outline and a held dowel are the picture's own: they show
        // the back's profile only when the view is not a front one.
        let proxies_valid = ctx.view == View::Side;
        let external =
            ctx.back.filter(|_| ctx.view != View::Front).and_then(|m| judge_back(m, cfg).map(|j| (m.method, j)));
        // Why the keypoints cannot judge this frame: the joint they need that is hidden, or the view.
        let kp_refusal = if !kp.judged {
            kp.reason
        } else if !proxies_valid {
            Some(if ctx.world {
                "not side-on (world landmarks judge up to 45 degrees from side-on)"
            } else {
                "not side-on (2D keypoints judge the spine only in a side view)"
            })
        } else {
            None
        };
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
                    self.bottom_since = None;
                    if self.series.is_empty() {
                        self.phase_since = t;
                    }
                    self.series.push((t, trunk));
                    if t - self.phase_since >= common.state_min_s {
                        self.baseline = self.series.iter().map(|s| s.1).fold(f32::INFINITY, f32::min);
                        self.set_phase(Phase::Standing, self.phase_since);
                    }
                } else if !self.resumed && trunk >= cfg.min_depth_trunk_deg {
                    // The set's first sighting is at the bottom (a deadlift from the floor).
                    if self.bottom_since.is_none() {
                        self.series.clear();
                    }
                    let since = *self.bottom_since.get_or_insert(t);
                    self.series.push((t, trunk));
                    if t - since >= common.state_min_s {
                        let (bottom_t, peak) =
                            self.series.iter().fold((t, f32::NEG_INFINITY), |b, s| if s.1 > b.1 { *s } else { b });
                        self.faults.reset_window();
                        self.rep = Some(RepAcc {
                            start_t: since,
                            peak_trunk: peak,
                            bottom_t,
                            min_hip: hip_deg,
                            top_min_trunk: f32::INFINITY,
                            from_bottom: true,
                            attempt_s: t - since,
                            ..Default::default()
                        });
                        self.set_from_bottom = true;
                        self.bottom_since = None;
                        self.set_phase(Phase::Lowering, t);
                    }
                } else {
                    self.series.clear();
                    self.bottom_since = None;
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
                        max_hip_flex: hip_flex,
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
                if trunk >= cfg.attempt_min_trunk_deg {
                    r.attempt_s += ctx.dt;
                }
                let deeper = trunk > r.peak_trunk;
                if deeper {
                    r.peak_trunk = trunk;
                    r.bottom_t = t;
                }
                r.min_hip = r.min_hip.min(hip_deg);
                r.max_hip_flex = r.max_hip_flex.max(hip_flex);
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
                    if method == SpineMethod::NotJudged
                        && let Some(why) = kp_refusal
                    {
                        match r.not_judged.iter_mut().find(|(id, _)| *id == why) {
                            Some((_, n)) => *n += 1,
                            None => r.not_judged.push((why, 1)),
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
                        // A shallow dip: not a rep. Held past the attempt angle, it was an attempt.
                        if let Some(r) = self.rep.take()
                            && r.attempt_s >= common.state_min_s
                        {
                            let ev = self.attempt(&r, AttemptReason::ShortOfRange, t, ctx.cfg);
                            out.events.push(ev);
                        }
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
                    // A lean back of a few degrees is judged only where the picture confirms the
                    // view: turned past it, with world landmarks, most of the trunk's sagittal
                    // tilt lies in the model's depth, whose bias is of that size.
                    if trunk < -cfg.lean_back_deg && ctx.view != View::Front {
                        r.lean_back_s += ctx.dt;
                    }
                    done |= t - r.cross_t >= cfg.top_window_s;
                }
                if done {
                    self.complete(t, ctx.cfg, false, out);
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

    /// Counts the rep at the top. `cut_short`: the person left or the input ended during the top
    /// window, so a lockout not yet reached is not judged missing.
    fn complete(&mut self, t: f64, cfg: &FormConfig, cut_short: bool, out: &mut Out) {
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
        if r.top_max_hip < h.lockout_hip_deg && !cut_short {
            rep_faults.push((FaultId::NoLockout, t - r.cross_t));
        }
        if r.lean_back_s >= h.rep_fault_min_s {
            rep_faults.push((FaultId::LeaningBack, r.lean_back_s));
        }
        if lowering_s < h.min_lowering_s && !r.from_bottom {
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
                spine_not_judged: if method == SpineMethod::NotJudged {
                    r.not_judged.iter().max_by_key(|(_, n)| *n).map(|(why, _)| (*why).to_string())
                } else {
                    None
                },
                started_at_bottom: r.from_bottom,
            }),
            bird_dog: None,
            rom: rom::readings(
                &[(RomMeasure::TrunkLean, Some(r.peak_trunk)), (RomMeasure::HipFlexion, Some(r.max_hip_flex))],
                &cfg.rom,
            ),
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
