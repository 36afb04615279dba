//! Sets and sides: beginning and ending a set, counting its reps and hold seconds, the side plank's
//! two sides, and the progress shown while a set runs.

use super::{Coach, Inputs, SetTally, Stage};
use crate::form::cues::number_word;
use crate::form::{CuePriority, Exercise, FormEvent, Side};

fn side_index(s: Side) -> usize {
    match s {
        Side::Left => 0,
        Side::Right => 1,
    }
}

fn side_name(i: usize) -> &'static str {
    if i == 0 { "Left" } else { "Right" }
}

impl Coach {
    /// The large readout: reps in this set, or seconds held on this side.
    #[must_use]
    pub(crate) fn readout(&self) -> String {
        let Some(s) = self.sets.last() else { return "-".into() };
        match self.exercise {
            Exercise::SidePlank => {
                let side = self.current_side();
                format!("{:.0} s", s.hold_s[side].floor())
            }
            _ => format!("{}", s.reps.len()),
        }
    }

    /// "Set 2 of 3 · rep 4 of 6", "Set 1 of 1 · left 3 of 6 · right 2 of 6", "Left side · 12 of 20 s".
    #[must_use]
    pub fn progress(&self) -> String {
        let Some(s) = self.sets.last() else { return "Setup check".into() };
        let set = format!("Set {} of {}", s.set, self.dose.sets);
        match self.exercise {
            Exercise::Hinge => format!("{set} · rep {} of {}", s.reps.len(), self.dose.reps),
            Exercise::BirdDog => {
                let n = s.reps_per_side();
                format!("{set} · left arm {} of {} · right arm {} of {}", n[0], self.dose.reps, n[1], self.dose.reps)
            }
            Exercise::SidePlank => {
                let side = self.current_side();
                let sides = format!(
                    "{} side down · {:.0} of {:.0} s",
                    side_name(side),
                    s.hold_s[side].floor().min(self.dose.hold_s),
                    self.dose.hold_s
                );
                if self.dose.sets > 1 { format!("{set} · {sides}") } else { sides }
            }
        }
    }

    pub(super) fn next_side(&self) -> usize {
        usize::from(self.sides_done[0])
    }

    /// Side plank: the side being held (0 left, 1 right), else the next side to do.
    pub(super) fn current_side(&self) -> usize {
        self.hold_side.map_or_else(|| self.next_side(), side_index)
    }

    pub(super) fn dose_reached(&self, s: &SetTally) -> bool {
        match self.exercise {
            Exercise::Hinge => s.reps.len() as u32 >= self.dose.reps,
            Exercise::BirdDog => s.reps_per_side().iter().all(|&n| n >= self.dose.reps),
            Exercise::SidePlank => self.sides_done.iter().all(|&d| d),
        }
    }

    pub(super) fn begin_set(&mut self, t: f64) {
        let n = self.sets.len() as u32 + 1;
        self.sets.push(SetTally { set: n, ..SetTally::default() });
        self.stage = Stage::Active;
        self.sides_done = [false; 2];
        self.hold_side = None;
        let text = if self.dose.sets > 1 { format!("Set {}. Begin.", number_word(n)) } else { "Begin.".into() };
        self.say(t, &format!("set.begin.{n}"), &text, CuePriority::Encouragement);
    }

    pub(super) fn end_set(&mut self, t: f64, cut_short: bool) {
        if let Some(s) = self.sets.last_mut() {
            s.cut_short = cut_short;
        }
        if self.sets.len() as u32 >= self.dose.sets {
            self.stage = Stage::Done;
            self.say(
                t,
                "session.done",
                "All done. Well done. How is your pain, from zero to ten?",
                CuePriority::Encouragement,
            );
        } else {
            self.stage = Stage::Rest;
            self.rest_left = self.dose.rest_s;
            self.say(
                t,
                "set.complete",
                "Set complete. Rest. How is your pain, from zero to ten?",
                CuePriority::Encouragement,
            );
        }
    }

    pub(super) fn update_active(&mut self, inp: &Inputs) {
        let t = inp.t;
        let counting = !self.paused;
        for e in inp.events {
            match e {
                FormEvent::RepCompleted(r) if counting => {
                    if let Some(s) = self.sets.last_mut() {
                        let mut r = r.clone();
                        r.index = s.reps.len() as u32 + 1;
                        s.reps.push(r);
                    }
                }
                FormEvent::Attempt(a) if counting => {
                    if let Some(s) = self.sets.last_mut() {
                        let mut a = a.clone();
                        a.index = s.attempts.len() as u32 + 1;
                        s.attempts.push(a);
                    }
                }
                FormEvent::HoldStarted { side, .. } => {
                    self.hold_side = *side;
                }
                FormEvent::HoldEnded(h) if counting => {
                    if let Some(s) = self.sets.last_mut() {
                        s.holds.push(h.clone());
                    }
                }
                _ => {}
            }
        }
        if self.exercise == Exercise::SidePlank {
            let now = inp.live.hold_seconds_in_form;
            let gained = if inp.live.holding { (now - self.last_hold_s).max(0.0) } else { 0.0 };
            if counting && let (Some(side), Some(s)) = (self.hold_side, self.sets.last_mut()) {
                let i = side_index(side);
                if !self.sides_done[i] {
                    s.hold_s[i] = (s.hold_s[i] + gained).min(self.dose.hold_s);
                    if s.hold_s[i] >= self.dose.hold_s {
                        self.sides_done[i] = true;
                        if !self.sides_done[1 - i] {
                            self.say(t, "hold.switch_sides", "Switch sides.", CuePriority::Encouragement);
                        }
                    }
                }
            }
            if !inp.live.holding {
                self.hold_side = None;
            }
        }
        if self.next_requested {
            self.next_requested = false;
            if self.exercise == Exercise::SidePlank && !self.sides_done.iter().all(|&d| d) {
                let i = self.current_side();
                self.sides_done[i] = true;
                if !self.sides_done[1 - i] {
                    self.hold_side = None;
                    self.say(t, "hold.switch_sides", "Switch sides.", CuePriority::Encouragement);
                    return;
                }
                self.end_set(t, true);
                return;
            }
            let reached = self.sets.last().is_some_and(|s| self.dose_reached(s));
            self.end_set(t, !reached);
            return;
        }
        if self.sets.last().is_some_and(|s| self.dose_reached(s)) {
            self.end_set(t, false);
        }
    }
}
