//! Side plank (front view: the camera faces the chest or the back).
//!
//! Body line = shoulder mid -> ankle mid (knee mid on the knees); the hip mid's signed offset from
//! it, in torso lengths ([`super::geometry::body_line_offset`]; + above = pike, - below = sag).
//! Midpoints are used because in a front view the shoulders, hips and ankles are stacked one above
//! the other and the midpoints lie on the body's long axis (the lower-side joints do not: the
//! shoulders are wider than the hips).
//!
//! **A hold** starts (backdated) once the body has been in a plank line for `hold_start_min_s`:
//! body within `max_body_incline_deg` of horizontal with the head end higher, the lower elbow (or
//! hand) at least `support_min_drop` below the lower shoulder and within `elbow_max_offset`
//! sideways, and the hips within `sag_max_offset` below / `pike_max_offset` above the line. Standing, kneeling upright (body
//! steep), lying flat (no support under the shoulder, or hips on the floor) and the lift (hips
//! still below the line) never start a hold. The hold ends when the hips return to the floor
//! (`hips_down_offset` below the line) or the plank position is lost, for `hold_end_min_s`, or when
//! the body is out of view longer than `hold_lost_view_s`.
//!
//! **Legs cut by the frame**: a plank is rigid, so the body line keeps its length in torso lengths
//! (turning toward the camera shortens torso and legs alike). From a hold's start until the hips
//! are seen back on the floor, the base (feet / knees) is kept and a line whose length changed by
//! more than `max_line_change` counts as legs not in view (the model puts joints beyond the frame
//! at its edge, with confidence): no time, no faults, no new hold on "knees" at the frame edge.
//!
//! **The timer** counts only time in form: it pauses once a major fault (hips_sag, hips_pike,
//! elbow_position) has lasted `major_fault_pause_s`; detector blinks are bridged, real absences
//! are not counted; the final descent (after the last frame in form) is not counted.

use super::cues::{CuePriority, CueRequest, FaultId};
use super::faults::FaultSet;
use super::geometry::{Pt, angle_at, body_line_offset, dot, incline_from_horizontal, sub, unit};
use super::track::{Debounced, Edge};
use super::view::{Body, Side};
use super::{Ctx, FormConfig, FormEvent, HoldRecord, LiveAngles, LiveState, Out};
use crate::pose::skeleton::Joint;

#[derive(Debug, Clone, Default)]
struct HoldAcc {
    start_t: f64,
    side: Option<Side>,
    support: &'static str,
    base: &'static str,
    accrued: f64,
    accrued_good: f64,
    last_good_t: f64,
    ticks: u32,
    marks: u32,
    switched: bool,
    offset_sum: f64,
    offset_n: u32,
}

/// The body as it was in the last hold, kept until the hips are seen back on the floor: the plank
/// cannot change its base (feet / knees) or its length with the hips up.
#[derive(Debug, Clone, Copy)]
struct BodyRef {
    base: &'static str,
    /// Body-line length (shoulder mid to the line's end) in torso lengths.
    line_len: f32,
    /// `SidePlankConfig::max_line_change` (kept here for [`SidePlankEngine::missing`]).
    max_change: f32,
}

/// Side plank hold tracker.
#[derive(Debug, Clone, Default)]
pub(crate) struct SidePlankEngine {
    pub(crate) faults: FaultSet,
    plank_deb: Debounced,
    down_deb: Debounced,
    hold: Option<HoldAcc>,
    count: u32,
    last_usable_t: f64,
    lower: Option<Side>,
    mids: PairMids,
    angles: LiveAngles,
    body_ref: Option<BodyRef>,
}

struct Measure {
    line_len: f32,
    side: Option<Side>,
    support: &'static str,
    base: &'static str,
    offset: f32,
    in_line: bool,
    hips_down: bool,
    head_drop: Option<f32>,
    support_dx: f32,
}

/// The side that is down: the lower shoulder when both are seen; otherwise the last known lower
/// side (a blink of one shoulder must not flip it), else the visible shoulder's side.
fn lower_side(b: &Body<'_>, last: Option<Side>) -> Option<Side> {
    match (b.pt(Joint::LeftShoulder), b.pt(Joint::RightShoulder)) {
        (Some(l), Some(r)) => Some(if l.1 >= r.1 { Side::Left } else { Side::Right }),
        (Some(_), None) => last.or(Some(Side::Left)),
        (None, Some(_)) => last.or(Some(Side::Right)),
        (None, None) => None,
    }
}

/// Midpoints of left/right pairs that survive a blink of one member: the last seen offset from
/// each member to the midpoint is remembered (in a front view the pair is spread across the body,
/// so the lone visible joint is *not* the midpoint).
#[derive(Debug, Clone, Default)]
struct PairMids {
    half: [Option<Pt>; 4],
}

const PAIRS: [Joint; 4] = [Joint::LeftShoulder, Joint::LeftHip, Joint::LeftKnee, Joint::LeftAnkle];

impl PairMids {
    /// Like [`PairMids::mid`], without learning from this frame.
    fn peek(&self, b: &Body<'_>, i: usize) -> Option<Pt> {
        self.clone().mid(b, i)
    }

    fn mid(&mut self, b: &Body<'_>, i: usize) -> Option<Pt> {
        let j = PAIRS[i];
        match (b.pt(j), b.pt(j.mirrored())) {
            (Some(l), Some(r)) => {
                let m = super::geometry::mid(l, r);
                self.half[i] = Some(sub(m, l));
                Some(m)
            }
            (Some(l), None) => Some(self.half[i].map_or(l, |h| (l.0 + h.0, l.1 + h.1))),
            (None, Some(r)) => Some(self.half[i].map_or(r, |h| (r.0 - h.0, r.1 - h.1))),
            (None, None) => None,
        }
    }

    /// The member of pair `i` on `side`, estimated from the midpoint when it blinked.
    fn member(&mut self, b: &Body<'_>, i: usize, side: Side) -> Option<Pt> {
        if let Some(p) = b.side_pt(side, PAIRS[i]) {
            return Some(p);
        }
        let m = self.mid(b, i)?;
        let h = self.half[i]?;
        Some(match side {
            Side::Left => sub(m, h),
            Side::Right => (m.0 + h.0, m.1 + h.1),
        })
    }
}

/// Length of the body line (shoulder mid to `end`) in torso lengths of this frame.
fn line_len(s: Pt, h: Pt, end: Pt) -> f32 {
    super::geometry::dist(s, end) / super::geometry::dist(s, h).max(1.0)
}

fn measure(ctx: &Ctx<'_>, last_lower: Option<Side>, mids: &mut PairMids, base: Option<&str>) -> Option<Measure> {
    let cfg = &ctx.cfg.side_plank;
    let b = &ctx.body;
    let tp = ctx.torso;
    let side = lower_side(b, last_lower)?;
    let s = mids.mid(b, 0)?;
    let h = mids.mid(b, 1)?;
    let k = mids.mid(b, 2)?;
    let a = mids.mid(b, 3)?;
    let ls = mids.member(b, 0, side)?;
    let e = b.side_pt(side, Joint::LeftElbow)?;
    // On the knees the shins point back, away from the camera: a bent knee in the image, or a
    // foreshortened shin.
    // During a hold the base is the hold's: going from the feet to the knees (or back) needs the
    // hips down, which ends the hold.
    let knees = match base {
        Some(b) => b == "knees",
        None => {
            angle_at(h, k, a) < cfg.knees_variant_max_knee_deg
                || super::geometry::dist(k, a) < cfg.knees_variant_max_shin_ratio * super::geometry::dist(h, k)
        }
    };
    let end = if knees { k } else { a };
    let offset = body_line_offset(s, h, end);
    let incline = incline_from_horizontal(s, end);
    let hand = b
        .side_pt(side, Joint::LeftWrist)
        .filter(|&w| angle_at(ls, e, w) >= cfg.hand_variant_min_elbow_deg && (w.1 - e.1) / tp > 0.2);
    let p = hand.unwrap_or(e);
    let drop = (p.1 - ls.1) / tp;
    let support_dx = (p.0 - ls.0).abs() / tp;
    let base_ok = incline <= cfg.max_body_incline_deg && drop >= cfg.support_min_drop && s.1 < end.1;
    let in_line =
        base_ok && (-cfg.sag_max_offset..=cfg.pike_max_offset).contains(&offset) && support_dx <= cfg.elbow_max_offset;
    let hips_down = !base_ok || offset < -cfg.hips_down_offset;
    // The head's midline: between the ears, else the nose. In this front view a lone ear sits
    // half a head off the midline (above or below it when lying on the side), which would read
    // as the head dropping or lifting; the nose is on the midline.
    let head = match (b.pt(Joint::LeftEar), b.pt(Joint::RightEar)) {
        (Some(l), Some(r)) => Some(super::geometry::mid(l, r)),
        (l, r) => b.pt(Joint::Nose).or(l).or(r),
    };
    // Head relative to the body line (end -> shoulder), so a sagging hip does not tilt the axis.
    let head_drop = head.map(|hd| {
        let u = unit(sub(s, end));
        let mut down = (u.1, -u.0);
        if down.1 < 0.0 {
            down = (-down.0, -down.1);
        }
        let v = sub(hd, s);
        dot(v, down).atan2(dot(v, u)).to_degrees()
    });
    Some(Measure {
        line_len: line_len(s, h, end),
        side: Some(side),
        support: if hand.is_some() { "hand" } else { "elbow" },
        base: if knees { "knees" } else { "feet" },
        offset,
        in_line,
        hips_down,
        head_drop,
        support_dx,
    })
}

impl SidePlankEngine {
    pub(crate) fn missing(&self, body: &Body<'_>) -> Vec<Joint> {
        let mut m = vec![];
        for j in [Joint::LeftShoulder, Joint::LeftHip, Joint::LeftKnee, Joint::LeftAnkle] {
            if body.mid_or_one(j).is_none() {
                m.push(j);
            }
        }
        if let Some(side) = lower_side(body, self.lower)
            && body.side_pt(side, Joint::LeftElbow).is_none()
        {
            m.push(side.joint(Joint::LeftElbow));
        }
        // A plank is a rigid position: the body line keeps its length in torso lengths (whatever
        // the body's turn toward the camera, which shortens torso and legs alike). A line much
        // shorter or longer than in the hold does not end at the real ankles (knees): they are
        // cut by the frame edge (the model then puts them at the edge, with some confidence) or
        // mistaken, so the legs are not in view.
        if m.is_empty()
            && let Some(r) = &self.body_ref
            && let (Some(s), Some(h), Some(end)) = (
                self.mids.peek(body, 0),
                self.mids.peek(body, 1),
                self.mids.peek(body, if r.base == "knees" { 2 } else { 3 }),
            )
            && (line_len(s, h, end) / r.line_len - 1.0).abs() > r.max_change
        {
            let end = if r.base == "knees" { Joint::LeftKnee } else { Joint::LeftAnkle };
            m.extend([end, end.mirrored()]);
        }
        m
    }

    pub(crate) fn step(&mut self, ctx: &Ctx<'_>, out: &mut Out) {
        let cfg = &ctx.cfg.side_plank;
        let common = &ctx.cfg.common;
        let (t, dt) = (ctx.t, ctx.dt);
        self.last_usable_t = t;
        let base = self.hold.as_ref().map(|h| h.base).or(self.body_ref.map(|r| r.base));
        let Some(m) = measure(ctx, self.lower, &mut self.mids, base) else {
            return;
        };
        if m.hips_down && self.hold.is_none() {
            self.body_ref = None; // back on the floor (or up): the next plank may differ
        }
        if ctx.body.pt(Joint::LeftShoulder).is_some() && ctx.body.pt(Joint::RightShoulder).is_some() {
            self.lower = m.side;
        }
        self.angles = LiveAngles { body_line_offset: Some(m.offset), ..Default::default() };

        if self.hold.is_none() {
            if let Edge::Rose(onset) = self.plank_deb.update(t, m.in_line, cfg.hold_start_min_s, common.fault_clear_s) {
                self.faults.reset_window();
                self.down_deb.clear();
                self.count += 1;
                let already = t - onset;
                self.body_ref = Some(BodyRef { base: m.base, line_len: m.line_len, max_change: cfg.max_line_change });
                self.hold = Some(HoldAcc {
                    start_t: onset,
                    side: m.side,
                    support: m.support,
                    base: m.base,
                    accrued: already,
                    accrued_good: already,
                    last_good_t: t,
                    ..Default::default()
                });
                out.events.push(FormEvent::HoldStarted {
                    t: onset,
                    side: m.side,
                    variant: format!("{}-{}", m.support, m.base),
                });
            } else {
                return;
            }
        }

        // Holding: faults, timer, end.
        // With the hips back on the floor the hold is ending: that is not judged as a fault.
        let side = m.side;
        let sag = m.offset < -cfg.sag_max_offset;
        let pike = m.offset > cfg.pike_max_offset;
        let elbow = m.support_dx > cfg.elbow_max_offset;
        let judged = |c: bool| (!m.hips_down).then_some(c);
        self.faults.update(t, dt, FaultId::HipsSag, judged(sag), side, common, out);
        self.faults.update(t, dt, FaultId::HipsPike, judged(pike), side, common, out);
        self.faults.update(t, dt, FaultId::ElbowPosition, judged(elbow), side, common, out);
        let head = m.head_drop.map(|d| d > cfg.head_drop_deg).filter(|_| !m.hips_down);
        self.faults.update(t, dt, FaultId::HeadDrop, head, side, common, out);
        let paused = [FaultId::HipsSag, FaultId::HipsPike, FaultId::ElbowPosition]
            .iter()
            .any(|&id| self.faults.raw_since(id).is_some_and(|s| t - s > cfg.major_fault_pause_s));
        let good_now = !(sag || pike || elbow);
        let ended =
            matches!(self.down_deb.update(t, m.hips_down, cfg.hold_end_min_s, common.fault_clear_s), Edge::Rose(_));
        let Some(h) = self.hold.as_mut() else { return };
        if !paused && !m.hips_down {
            h.accrued += dt;
        }
        if good_now && !m.hips_down {
            h.accrued_good = h.accrued;
            h.last_good_t = t;
        }
        if !m.hips_down {
            h.offset_sum += f64::from(m.offset);
            h.offset_n += 1;
        }
        while f64::from(h.ticks + 1) <= h.accrued {
            h.ticks += 1;
            out.events.push(FormEvent::HoldTick { t, seconds_in_form: f64::from(h.ticks) });
        }
        while cfg.mark_every_s > 0.0 && f64::from(h.marks + 1) * cfg.mark_every_s <= h.accrued {
            h.marks += 1;
            let secs = (f64::from(h.marks) * cfg.mark_every_s).round() as u32;
            out.requests.push(CueRequest {
                id: format!("hold.mark.{secs}"),
                text: format!("{secs} seconds."),
                priority: CuePriority::Encouragement,
                since: t,
            });
        }
        if !h.switched && cfg.target_s > 0.0 && h.accrued >= cfg.target_s {
            h.switched = true;
            out.requests.push(CueRequest {
                id: "hold.switch_sides".into(),
                text: "Switch sides.".into(),
                priority: CuePriority::Encouragement,
                since: t,
            });
        }
        if ended {
            self.end_hold(t, ctx.cfg, out);
        }
    }

    fn end_hold(&mut self, t: f64, _cfg: &FormConfig, out: &mut Out) {
        self.faults.clear_all(t, out);
        self.plank_deb.clear();
        self.down_deb.clear();
        let Some(h) = self.hold.take() else { return };
        let durations = self.faults.take_window();
        let rec = HoldRecord {
            index: self.count,
            side: h.side,
            variant: format!("{}-{}", h.support, h.base),
            support: h.support.into(),
            base: h.base.into(),
            start_s: h.start_t,
            end_s: h.last_good_t.max(h.start_t),
            seconds_in_form: h.accrued_good,
            faults: durations.keys().copied().collect(),
            fault_durations: durations,
            mean_line_offset: if h.offset_n > 0 { (h.offset_sum / f64::from(h.offset_n)) as f32 } else { 0.0 },
        };
        out.events.push(FormEvent::HoldEnded(rec));
    }

    pub(crate) fn suspend(&mut self, t: f64, cfg: &FormConfig, out: &mut Out) {
        self.faults.clear_all(t, out);
        self.plank_deb.clear();
        if self.hold.is_some() && t - self.last_usable_t > cfg.side_plank.hold_lost_view_s {
            self.end_hold(t, cfg, out);
        }
    }

    pub(crate) fn finish(&mut self, t: f64, cfg: &FormConfig, out: &mut Out) {
        if self.hold.is_some() {
            self.end_hold(t, cfg, out);
        }
        self.faults.clear_all(t, out);
    }

    pub(crate) fn live(&self, live: &mut LiveState) {
        live.holding = self.hold.is_some();
        live.hold_seconds_in_form = self.hold.as_ref().map_or(0.0, |h| h.accrued);
        live.phase = if live.holding { "hold" } else { "setup" }.into();
        live.angles = self.angles;
    }
}
