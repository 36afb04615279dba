//! Bird dog (side view, on hands and knees).
//!
//! **Setup** (judged at rest): trunk within `quadruped_max_tilt_deg` of horizontal, the near
//! wrist under the shoulder and the near knee under the hip (horizontal offset within
//! `setup_max_offset` torso lengths).
//!
//! **A rep**: quadruped -> a leg lifts (shoulder-hip-knee angle past `leg_lift_hip_deg`) -> the
//! leg is *extended* (hip angle >= `leg_reach_hip_deg` and knee angle >= `leg_reach_knee_deg`; if
//! the ankle is out of view, the knee must be at least `leg_reach_min_behind` torso lengths behind
//! the hip along the trunk line) with the opposite arm reaching (shoulder flexion
//! hip-shoulder-wrist/elbow >= `arm_reach_deg`) -> the leg returns. Both legs are checked, so the
//! far leg counts too (lifted, it rises above the body into view).
//!
//! **Minimally required** for a rep: the trunk (a shoulder and a hip) and the lifted leg's knee,
//! with the extension seen for at least 0.2 s. The arm may be unseen (the hand and elbow can leave
//! the frame at full reach): then the rep counts with `arm: null`. It is *not* a rep when the leg
//! never extends (donkey kick: knee stays bent; cat-cow: no leg lift), or when the opposite arm is
//! seen staying down for most of the reach (a leg-only lift). An arm reaching on the same side as
//! the leg counts as a rep with the `same_side` fault.
//!
//! **Real footage**: the trunk line runs through the shoulder and hip midpoints (one side's points
//! jump whenever the "near side" flips); limb angles are taken against that line. A limb's reach has
//! hysteresis (`reach_hysteresis_deg`); a knee unseen right after it was seen extended (past the
//! frame edge) keeps the rep open for up to `leg_unseen_max_s`, and a pause partly unseen is never
//! called too short. The pelvis height is read on the supporting leg's hip; pelvic roll only when
//! the lifted leg is the near one (a lifted far leg's hidden hip is placed from the moving thigh).
//! After a rep the quadruped must be re-established before the next one starts.
//!
//! **Attempts** ([`FormEvent::Attempt`], not counted, never silently dropped): a lift whose leg
//! never straightened into the reach, or whose opposite arm was seen staying down
//! (`short_of_range`, naming the measure that fell short); a reach under way when the person left
//! the picture or the input ended (`unfinished` if the leg had reached, else `short_of_range`).
//!
//! **Side naming**: a rep's `side` is the **reaching arm** ("right" = right arm + left leg), as the
//! spec says "right arm with left leg"; `leg` is recorded too. With the arm unseen, `side` is the
//! arm opposite the extended leg.

use super::config::FormConfig;
use super::cues::FaultId;
use super::faults::FaultSet;
use super::geometry::{Pt, add, angle_at, dot, mid, sub, unit};
use super::hinge::push_rep_cues;
use super::rom::{self, RomMeasure};
use super::track::{Debounced, Edge};
use super::view::{Body, Side};
use super::{AttemptReason, AttemptRecord, BirdDogRep, Ctx, FormEvent, LiveAngles, LiveState, Out, RepRecord};
use crate::pose::skeleton::Joint;

const SIDE_JOINTS: [Joint; 6] =
    [Joint::LeftShoulder, Joint::LeftHip, Joint::LeftKnee, Joint::LeftElbow, Joint::LeftWrist, Joint::LeftAnkle];

/// The leg must be seen extended this long (s) for a rep.
const MIN_EXTENDED_S: f64 = 0.2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Phase {
    #[default]
    Unknown,
    Rest,
    Reach,
}

#[derive(Debug, Clone, Copy, Default)]
struct Baseline {
    tilt: f32,
    /// Each hip's image height (left, right; pixels).
    hip_y: [Option<f32>; 2],
    /// Vertical separation of the hips (left minus right; pixels).
    hip_sep: Option<f32>,
}

#[derive(Debug, Clone, Copy, Default)]
struct LegM {
    /// Shoulder-hip-knee angle (deg; 180 = in line with the trunk).
    hip_deg: f32,
    /// Angle swept by the thigh from hanging under the hip (perpendicular to the trunk): 0 at
    /// rest, 90 in line with the trunk, more when lifted high. Monotone through the lift.
    sweep: f32,
    knee_deg: Option<f32>,
    lifting: bool,
    extended: bool,
    /// Still close enough to the reach to stay extended (hysteresis exit condition).
    stay: bool,
    elev: f32,
}

#[derive(Debug, Clone, Copy, Default)]
struct ArmM {
    flex: f32,
    /// Measured to the wrist (the whole arm seen), not to the elbow alone.
    whole: bool,
    extended: bool,
    /// Still close enough to the reach to stay extended (hysteresis exit condition).
    stay: bool,
    elev: f32,
}

#[derive(Debug, Clone, Default)]
struct ReachAcc {
    leg: Option<Side>,
    start_t: f64,
    leg_ext_s: f64,
    arm_ext_s: [f64; 2],
    arm_down_s: [f64; 2],
    /// Per frame while the leg is extended: (credited dt, leg sweep, opposite arm ok, same arm extended).
    frames: Vec<(f64, f32, bool, bool)>,
    reach_t: Option<f64>,
    max_hip: f32,
    max_knee: Option<f32>,
    max_flex: [Option<f32>; 2],
    max_high: Option<f32>,
    max_tilt: f32,
    /// Range of motion: peak elevation of the lifted leg, and of each arm (left, right), against
    /// the trunk line over the reach.
    max_leg_elev: Option<f32>,
    max_arm_elev: [Option<f32>; 2],
    dur_s: f64,
    /// Time the extended leg's knee was out of view (the reach held open).
    unseen_s: f64,
}

fn idx(s: Side) -> usize {
    match s {
        Side::Left => 0,
        Side::Right => 1,
    }
}

/// Bird dog state machine.
#[derive(Debug, Clone, Default)]
pub(crate) struct BirdDogEngine {
    pub(crate) faults: FaultSet,
    phase: Phase,
    rest_deb: Debounced,
    lift_deb: Debounced,
    lift_side: Option<Side>,
    rest: Vec<(f64, Baseline)>,
    baseline: Baseline,
    acc: Option<ReachAcc>,
    count: u32,
    last_praise: Option<f64>,
    angles: LiveAngles,
    sh_mid: PairMid,
    hip_mid: PairMid,
    /// Per side (left, right): the leg / arm is in its reach (with hysteresis).
    leg_ext: [bool; 2],
    arm_ext: [bool; 2],
    /// Per side: when the knee was last seen.
    leg_seen_t: [Option<f64>; 2],
    /// The near side at the last rest (the side facing the camera).
    rest_near: Option<Side>,
}

/// Midpoint of a left/right pair that survives a blink of one member: the last seen offset from
/// each member to the midpoint is remembered. Used for the trunk line: the midpoints of the
/// shoulders and of the hips lie on the body's axis whichever side is nearer, whereas one side's
/// shoulder and hip jump whenever the "near side" flips (both sides are drawn apart when the camera
/// is a little above or in front of the person).
#[derive(Debug, Clone, Copy, Default)]
struct PairMid {
    half: Option<Pt>,
}

impl PairMid {
    fn mid(&mut self, b: &Body<'_>, j: Joint) -> Option<Pt> {
        match (b.pt(j), b.pt(j.mirrored())) {
            (Some(l), Some(r)) => {
                let m = mid(l, r);
                self.half = Some(sub(m, l));
                Some(m)
            }
            (Some(l), None) => Some(self.half.map_or(l, |h| add(l, h))),
            (None, Some(r)) => Some(self.half.map_or(r, |h| sub(r, h))),
            (None, None) => None,
        }
    }

    /// The member of the pair on `side` (named by its left variant `j`), estimated from the
    /// midpoint when it blinked.
    fn member(&self, b: &Body<'_>, j: Joint, side: Side, m: Pt) -> Pt {
        b.side_pt(side, j).unwrap_or_else(|| match (self.half, side) {
            (Some(h), Side::Left) => sub(m, h),
            (Some(h), Side::Right) => add(m, h),
            (None, _) => m,
        })
    }
}

fn max_opt(a: Option<f32>, b: f32) -> Option<f32> {
    Some(a.map_or(b, |a| a.max(b)))
}

impl BirdDogEngine {
    pub(crate) fn missing(&self, body: &Body<'_>) -> Vec<Joint> {
        let side = body.near_side(&SIDE_JOINTS);
        let mut m = vec![];
        for j in [Joint::LeftShoulder, Joint::LeftHip] {
            if body.side_pt(side, j).or_else(|| body.side_pt(side.other(), j)).is_none() {
                m.push(side.joint(j));
            }
        }
        if body.pt(Joint::LeftKnee).is_none() && body.pt(Joint::RightKnee).is_none() {
            m.push(side.joint(Joint::LeftKnee));
        }
        m
    }

    /// The person left the picture, or the view turned wrong: a reach under way is reported as an
    /// attempt, and the next rep waits for the quadruped.
    pub(crate) fn suspend(&mut self, t: f64, cfg: &FormConfig, out: &mut Out) {
        if self.phase == Phase::Reach
            && let Some(acc) = self.acc.take()
            && let Some(leg) = acc.leg
        {
            let ev = if acc.leg_ext_s >= MIN_EXTENDED_S {
                Self::attempt(&acc, leg, AttemptReason::Unfinished, t, "leg_hip_deg", Some(acc.max_hip), cfg)
            } else {
                Self::short_leg(&acc, leg, t, cfg)
            };
            out.events.push(ev);
        }
        self.faults.clear_all(t, out);
        self.acc = None;
        self.rest.clear();
        self.rest_deb.clear();
        self.lift_deb.clear();
        self.phase = Phase::Unknown;
        self.leg_ext = [false; 2];
        self.arm_ext = [false; 2];
    }

    #[allow(clippy::too_many_lines)]
    pub(crate) fn step(&mut self, ctx: &Ctx<'_>, out: &mut Out) {
        let cfg = &ctx.cfg.bird_dog;
        let common = &ctx.cfg.common;
        let (t, dt, tp) = (ctx.t, ctx.dt, ctx.torso);
        let b = &ctx.body;
        let near = b.near_side(&SIDE_JOINTS);
        // The trunk line runs through the shoulder and hip midpoints (see `PairMid`).
        let (Some(sh), Some(hip)) = (self.sh_mid.mid(b, Joint::LeftShoulder), self.hip_mid.mid(b, Joint::LeftHip))
        else {
            return;
        };
        let (sh_mid, hip_mid) = (self.sh_mid, self.hip_mid);
        let u = unit(sub(sh, hip)); // toward the head
        let mut up: Pt = (u.1, -u.0);
        if up.1 > 0.0 {
            up = (-up.0, -up.1);
        }
        let tilt = (sh.1 - hip.1).atan2((sh.0 - hip.0).abs()).to_degrees();
        let quadruped = tilt.abs() <= cfg.quadruped_max_tilt_deg;
        let (lh, rh) = (b.pt(Joint::LeftHip), b.pt(Joint::RightHip));
        let hip_sep = match (lh, rh) {
            (Some(l), Some(r)) => Some(l.1 - r.1),
            _ => None,
        };
        let cur = Baseline { tilt, hip_y: [lh.map(|p| p.1), rh.map(|p| p.1)], hip_sep };

        let leg = |s: Side| -> Option<LegM> {
            let knee = b.side_pt(s, Joint::LeftKnee)?;
            let h = hip_mid.member(b, Joint::LeftHip, s, hip);
            // Shoulder-hip-knee angle with the shoulder taken along the trunk line.
            let hip_deg = angle_at(add(h, u), h, knee);
            let ankle = b.side_pt(s, Joint::LeftAnkle);
            let knee_deg = ankle.map(|a| angle_at(h, knee, a));
            let behind = dot(sub(knee, h), (-u.0, -u.1)) / tp;
            let straight = match knee_deg {
                Some(k) => k >= cfg.leg_reach_knee_deg,
                None => behind >= cfg.leg_reach_min_behind,
            };
            // Leaving the reach needs evidence of flexion: the thigh leaving the trunk line, or the
            // knee *seen* bent. The knee's distance from the hip does not change when the knee bends,
            // so with the ankle unseen a shorter-looking thigh (foreshortened, or cut by the frame
            // edge) is no reason to leave.
            let stay = hip_deg >= cfg.leg_reach_hip_deg - cfg.reach_hysteresis_deg
                && knee_deg.is_none_or(|k| k >= cfg.leg_reach_knee_deg - cfg.reach_hysteresis_deg);
            let floor_dir = (h.0 - up.0, h.1 - up.1);
            Some(LegM {
                hip_deg,
                sweep: angle_at(floor_dir, h, knee),
                knee_deg,
                lifting: hip_deg >= cfg.leg_lift_hip_deg,
                extended: hip_deg >= cfg.leg_reach_hip_deg && straight,
                stay,
                elev: rom::leg_elevation_deg(h, ankle.unwrap_or(knee), u, up),
            })
        };
        let arm = |s: Side| -> Option<ArmM> {
            let wrist = b.side_pt(s, Joint::LeftWrist);
            let end = wrist.or_else(|| b.side_pt(s, Joint::LeftElbow))?;
            let shs = sh_mid.member(b, Joint::LeftShoulder, s, sh);
            // Hip-shoulder-wrist angle with the hip taken along the trunk line.
            let flex = angle_at(sub(shs, u), shs, end);
            Some(ArmM {
                flex,
                whole: wrist.is_some(),
                extended: flex >= cfg.arm_reach_deg,
                stay: flex >= cfg.arm_reach_deg - cfg.reach_hysteresis_deg,
                elev: rom::arm_elevation_deg(shs, end, u, up),
            })
        };
        let mut legs = [leg(Side::Left), leg(Side::Right)];
        let mut arms = [arm(Side::Left), arm(Side::Right)];
        // Hysteresis: a limb that reached stays "extended" while it keeps within
        // `reach_hysteresis_deg` of the entry thresholds. An unseen limb keeps its state (missing is
        // not "down"); the leg's state is what holds a rep open while its knee is out of view.
        for s in [Side::Left, Side::Right] {
            let i = idx(s);
            if let Some(l) = legs[i].as_mut() {
                l.extended = l.extended || (self.leg_ext[i] && l.stay);
                self.leg_ext[i] = l.extended;
                self.leg_seen_t[i] = Some(t);
            }
            if let Some(a) = arms[i].as_mut() {
                a.extended = a.extended || (self.arm_ext[i] && a.stay);
                self.arm_ext[i] = a.extended;
            }
        }
        // The lifted leg's knee unseen right after it was seen extended (e.g. beyond the frame edge
        // at full reach): the reach goes on, for at most `leg_unseen_max_s`.
        let held = match (self.phase, self.acc.as_ref().and_then(|a| a.leg)) {
            (Phase::Reach, Some(ls)) => {
                legs[idx(ls)].is_none()
                    && self.leg_ext[idx(ls)]
                    && self.leg_seen_t[idx(ls)].is_some_and(|s| t - s <= cfg.leg_unseen_max_s)
            }
            _ => false,
        };
        let lifting_side = [Side::Left, Side::Right]
            .into_iter()
            .filter(|&s| legs[idx(s)].is_some_and(|l| l.lifting))
            .max_by(|&a, &c| legs[idx(a)].unwrap().hip_deg.total_cmp(&legs[idx(c)].unwrap().hip_deg));
        self.angles = LiveAngles {
            trunk_deg: Some(tilt),
            hip_deg: lifting_side.and_then(|s| legs[idx(s)]).map(|l| l.hip_deg),
            knee_flexion_deg: lifting_side.and_then(|s| legs[idx(s)]).and_then(|l| l.knee_deg.map(|k| 180.0 - k)),
            shoulder_flexion_deg: lifting_side.and_then(|s| arms[idx(s.other())]).map(|a| a.flex),
            arm_elevation_deg: lifting_side.and_then(|s| arms[idx(s.other())]).map(|a| a.elev),
            leg_elevation_deg: lifting_side.and_then(|s| legs[idx(s)]).map(|l| l.elev),
            ..Default::default()
        };

        // Leg lift debounced in time (the lifting side is remembered at the rise).
        let lift_edge = self.lift_deb.update(t, lifting_side.is_some() || held, common.state_min_s, common.state_min_s);
        if lifting_side.is_some() && self.lift_side.is_none() {
            self.lift_side = lifting_side;
        }
        if !self.lift_deb.active() && self.lift_deb.since().is_none() {
            self.lift_side = None;
        }

        match self.phase {
            Phase::Unknown | Phase::Rest => {
                let resting = quadruped && lifting_side.is_none();
                if let Edge::Rose(_) = self.rest_deb.update(t, resting, common.state_min_s, common.state_min_s) {
                    self.phase = Phase::Rest;
                }
                if self.phase == Phase::Rest && resting {
                    self.rest.push((t, cur));
                    self.rest_near = Some(near);
                    self.rest.retain(|r| t - r.0 <= 1.0);
                }
                // Setup check at rest, on the near side.
                let setup = if self.phase == Phase::Rest && resting {
                    match (b.side_pt(near, Joint::LeftWrist), b.side_pt(near, Joint::LeftKnee)) {
                        (Some(w), Some(k)) => Some(
                            (w.0 - sh_mid.member(b, Joint::LeftShoulder, near, sh).0).abs() / tp > cfg.setup_max_offset
                                || (k.0 - hip_mid.member(b, Joint::LeftHip, near, hip).0).abs() / tp
                                    > cfg.setup_max_offset,
                        ),
                        _ => None,
                    }
                } else {
                    None
                };
                self.faults.update(t, dt, FaultId::Setup, setup, Some(near), common, out);
                if let Edge::Rose(onset) = lift_edge
                    && quadruped
                    && self.phase == Phase::Rest
                {
                    self.faults.update(t, dt, FaultId::Setup, None, None, common, out);
                    self.baseline = if self.rest.is_empty() {
                        cur
                    } else {
                        let n = self.rest.len() as f32;
                        let mean = |v: Vec<f32>| (!v.is_empty()).then(|| v.iter().sum::<f32>() / v.len() as f32);
                        Baseline {
                            tilt: self.rest.iter().map(|r| r.1.tilt).sum::<f32>() / n,
                            hip_y: [0, 1].map(|i| mean(self.rest.iter().filter_map(|r| r.1.hip_y[i]).collect())),
                            hip_sep: mean(self.rest.iter().filter_map(|r| r.1.hip_sep).collect()),
                        }
                    };
                    self.faults.reset_window();
                    self.acc = Some(ReachAcc { leg: self.lift_side, start_t: onset, ..Default::default() });
                    self.phase = Phase::Reach;
                }
            }
            Phase::Reach => {
                let Some(acc) = self.acc.as_mut() else {
                    self.phase = Phase::Unknown;
                    return;
                };
                if acc.leg.is_none() {
                    acc.leg = lifting_side;
                }
                let Some(ls) = acc.leg else { return };
                acc.dur_s += dt;
                if held {
                    acc.unseen_s += dt;
                }
                let lm = legs[idx(ls)];
                let opp = ls.other();
                let leg_ext = lm.is_some_and(|l| l.extended);
                if let Some(l) = lm {
                    acc.max_leg_elev = max_opt(acc.max_leg_elev, l.elev);
                    acc.max_hip = acc.max_hip.max(l.hip_deg);
                    if let Some(k) = l.knee_deg {
                        acc.max_knee = max_opt(acc.max_knee, k);
                    }
                }
                for s in [Side::Left, Side::Right] {
                    if let Some(a) = arms[idx(s)] {
                        acc.max_arm_elev[idx(s)] = max_opt(acc.max_arm_elev[idx(s)], a.elev);
                    }
                    match arms[idx(s)] {
                        Some(a) if a.extended => {
                            acc.arm_ext_s[idx(s)] += dt;
                            acc.max_flex[idx(s)] = max_opt(acc.max_flex[idx(s)], a.flex);
                        }
                        Some(a) => {
                            // "Seen staying down" needs the whole arm: an elbow alone (the hand
                            // beyond the frame edge) is no evidence the arm did not reach.
                            if a.whole {
                                acc.arm_down_s[idx(s)] += dt;
                            }
                            acc.max_flex[idx(s)] = max_opt(acc.max_flex[idx(s)], a.flex);
                        }
                        None => {}
                    }
                }
                let opp_ok = arms[idx(opp)].is_none_or(|a| a.extended);
                let same_ext = arms[idx(ls)].is_some_and(|a| a.extended);
                if leg_ext {
                    acc.leg_ext_s += dt;
                    if opp_ok {
                        acc.reach_t.get_or_insert(t);
                    }
                    acc.frames.push((dt, lm.map_or(0.0, |l| l.sweep), opp_ok, same_ext));
                }
                let tilt_change = (tilt - self.baseline.tilt).abs();
                if leg_ext {
                    acc.max_tilt = acc.max_tilt.max(tilt_change);
                }
                // Faults judged while the leg is extended.
                let reaching_arm = if same_ext && !arms[idx(opp)].is_some_and(|a| a.extended) { ls } else { opp };
                let high = {
                    let mut e = lm.map(|l| l.elev);
                    if let Some(a) = arms[idx(reaching_arm)].filter(|a| a.extended) {
                        e = Some(e.map_or(a.elev, |x| x.max(a.elev)));
                    }
                    e
                };
                if leg_ext && let Some(h) = high {
                    acc.max_high = max_opt(acc.max_high, h);
                }
                let during = |c: Option<bool>| if leg_ext { c } else { None };
                self.faults.update(
                    t,
                    dt,
                    FaultId::ReachHigh,
                    during(high.map(|h| h > cfg.reach_high_deg)),
                    Some(reaching_arm),
                    common,
                    out,
                );
                self.faults.update(
                    t,
                    dt,
                    FaultId::BackNotFlat,
                    during(Some(tilt_change > cfg.back_tilt_deg)),
                    Some(reaching_arm),
                    common,
                    out,
                );
                // Pelvis: height from the supporting leg's hip (its thigh does not move, so its keypoint
                // stays tied to the pelvis; the lifted thigh drags its own hip keypoint, which sits
                // at the greater trochanter, about 0.1 torso lengths from the joint centre).
                // Rotation (the hips' vertical separation) only when the lifted leg is the near
                // one: a lifted far leg's hip is hidden behind the pelvis and the model places it
                // from the moving thigh, so pelvic roll is not observable then.
                let sup = idx(opp);
                let shift = match (cur.hip_y[sup], self.baseline.hip_y[sup]) {
                    (Some(a), Some(b)) => Some((a - b).abs() / tp > cfg.hip_shift_max),
                    _ => None,
                };
                let roll = match (cur.hip_sep, self.baseline.hip_sep) {
                    (Some(a), Some(b)) if Some(ls) == self.rest_near => Some((a - b).abs() / tp > cfg.hip_rotation_max),
                    _ => None,
                };
                let hips = match (shift, roll) {
                    (None, None) => None,
                    (a, b) => Some(a == Some(true) || b == Some(true)),
                };
                self.faults.update(t, dt, FaultId::HipsRotate, during(hips), Some(reaching_arm), common, out);

                if let Edge::Fell(last) = lift_edge {
                    self.faults.update(t, dt, FaultId::ReachHigh, None, None, common, out);
                    self.faults.update(t, dt, FaultId::BackNotFlat, None, None, common, out);
                    self.faults.update(t, dt, FaultId::HipsRotate, None, None, common, out);
                    self.complete(last, ctx, out);
                    // The next rep starts only from the quadruped again (rest re-established).
                    self.phase = Phase::Unknown;
                    self.rest_deb.clear();
                    self.rest.clear();
                    self.leg_ext = [false; 2];
                    self.arm_ext = [false; 2];
                }
            }
        }
    }

    fn complete(&mut self, t: f64, ctx: &Ctx<'_>, out: &mut Out) {
        let cfg = &ctx.cfg.bird_dog;
        let Some(acc) = self.acc.take() else { return };
        let Some(leg) = acc.leg else { return };
        let mut durations = self.faults.take_window();
        if acc.leg_ext_s < MIN_EXTENDED_S {
            // The leg never straightened (a donkey kick, a hydrant...): an attempt, not a rep.
            out.events.push(Self::short_leg(&acc, leg, t, ctx.cfg));
            return;
        }
        // Time at full reach: the leg within `full_reach_margin_deg` of its peak sweep.
        let peak = acc.frames.iter().map(|f| f.1).fold(0.0f32, f32::max);
        let near_peak = |f: &&(f64, f32, bool, bool)| f.1 >= peak - cfg.full_reach_margin_deg;
        let full_opp_s: f64 = acc.frames.iter().filter(near_peak).filter(|f| f.2).map(|f| f.0).sum();
        let full_same_s: f64 = acc.frames.iter().filter(near_peak).filter(|f| f.3).map(|f| f.0).sum();
        let opp = leg.other();
        let opp_ext = acc.arm_ext_s[idx(opp)] >= 0.2;
        let same_ext = acc.arm_ext_s[idx(leg)] >= 0.2;
        let (arm, same_side, hold_s) = if opp_ext {
            (Some(opp), false, full_opp_s)
        } else if same_ext {
            (Some(leg), true, full_same_s)
        } else if acc.arm_down_s[idx(opp)] > 0.5 * acc.dur_s {
            // The opposite arm was seen staying down: a leg lift, an attempt, not a bird dog.
            let flex = acc.max_flex[idx(opp)];
            let ev = Self::attempt(&acc, leg, AttemptReason::ShortOfRange, t, "arm_flexion_deg", flex, ctx.cfg);
            out.events.push(ev);
            return;
        } else {
            (None, false, full_opp_s)
        };
        let mut rep_faults = vec![];
        if same_side {
            rep_faults.push((FaultId::SameSide, full_same_s));
        }
        // With the knee out of view at full reach the pause cannot be judged short: silent.
        if hold_s + acc.unseen_s < cfg.min_pause_s {
            rep_faults.push((FaultId::TooFast, hold_s));
        }
        super::faults::emit_rep_faults(out, t, arm, super::Exercise::BirdDog, &rep_faults, &mut durations);
        self.count += 1;
        let side = arm.unwrap_or(opp);
        let rec = RepRecord {
            index: self.count,
            side: Some(side),
            start_s: acc.start_t,
            end_s: t,
            faults: durations.keys().copied().collect(),
            fault_durations: durations,
            hinge: None,
            bird_dog: Some(BirdDogRep {
                arm,
                leg,
                reach_s: acc.reach_t,
                hold_s,
                max_shoulder_flexion_deg: acc.max_flex[idx(side)],
                max_hip_extension_deg: acc.max_hip,
                max_knee_deg: acc.max_knee,
                max_reach_high_deg: acc.max_high,
                max_back_tilt_deg: acc.max_tilt,
            }),
            rom: rom::readings(
                &[
                    (RomMeasure::ArmElevation, arm.and_then(|a| acc.max_arm_elev[idx(a)])),
                    (RomMeasure::LegElevation, acc.max_leg_elev),
                ],
                &ctx.cfg.rom,
            ),
        };
        push_rep_cues(&rec, t, ctx.cfg, &mut self.last_praise, out);
        out.events.push(FormEvent::RepCompleted(rec));
    }

    /// End of input: as when the person leaves.
    pub(crate) fn finish(&mut self, t: f64, cfg: &FormConfig, out: &mut Out) {
        self.suspend(t, cfg, out);
    }

    fn attempt(
        acc: &ReachAcc,
        leg: Side,
        reason: AttemptReason,
        end_s: f64,
        measure: &str,
        reached_deg: Option<f32>,
        cfg: &FormConfig,
    ) -> FormEvent {
        let b = &cfg.bird_dog;
        let needed_deg = match measure {
            "leg_hip_deg" => b.leg_reach_hip_deg,
            "leg_knee_deg" => b.leg_reach_knee_deg,
            _ => b.arm_reach_deg,
        };
        FormEvent::Attempt(AttemptRecord {
            index: 0,
            side: Some(leg.other()),
            start_s: acc.start_t,
            end_s,
            reason,
            measure: measure.into(),
            reached_deg,
            needed_deg,
        })
    }

    /// A lift whose leg never straightened into the reach: the hip's extension, or else the knee's,
    /// fell short.
    fn short_leg(acc: &ReachAcc, leg: Side, end_s: f64, cfg: &FormConfig) -> FormEvent {
        let r = AttemptReason::ShortOfRange;
        if acc.max_hip < cfg.bird_dog.leg_reach_hip_deg {
            Self::attempt(acc, leg, r, end_s, "leg_hip_deg", Some(acc.max_hip), cfg)
        } else {
            Self::attempt(acc, leg, r, end_s, "leg_knee_deg", acc.max_knee, cfg)
        }
    }

    pub(crate) fn live(&self, live: &mut LiveState) {
        live.phase = match self.phase {
            Phase::Unknown => "unknown",
            Phase::Rest => "quadruped",
            Phase::Reach => "reach",
        }
        .into();
        live.angles = self.angles;
    }
}
