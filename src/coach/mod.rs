//! The guided session around the form engine: setup check, sets and sides, rest, pause, and the
//! end-of-set summary with the pain prompt. Pure: frame times and the form engine's events in,
//! state and cues out; no UI, no clock, no I/O (the window draws it, the tests drive it).
//!
//! ```text
//! Setup ──check passes for `ready_hold_s` (or Space)──▶ Active(set 1) ──dose reached (or N)──▶
//!   Rest(rest_s) ──timer (or N)──▶ Active(set 2) … ──last set──▶ Done (summary, pain prompt)
//! Space pauses and resumes Active and Rest; Esc stops and goes to Done from anywhere.
//! ```
//! Time comes only from the frames (`Inputs::t`), so a recorded clip or the demo replays the same.
//!
//! The parts: `dose` (what a set asks for, how to do each exercise), `setup` (the checklist
//! before counting), `sets` (sets, sides and their progress), `tally` (what each set counted,
//! the summary and the pain ratings). This file holds the session's state and its stage machine.

mod dose;
mod sets;
mod setup;
mod tally;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::form::cues::number_word;
use crate::form::{Cue, CuePriority, Exercise, FaultId, FormEvent, LiveState, Side};

pub use dose::{Dose, HowTo, how_to};
pub use setup::{CheckItem, CoachTiming, body_confidence};
pub use tally::{MILD_PAIN, RED_FLAGS, SEVERE_PAIN, SessionSummary, SetTally, most_frequent_fault, pain_advice};

/// Where the session is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Stage {
    /// Checking the camera set-up; nothing is counted.
    Setup,
    /// A set is running.
    Active,
    /// Resting between sets.
    Rest,
    /// Finished (or stopped): the summary.
    Done,
}

/// Per-frame input.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    /// Frame time (s).
    pub t: f64,
    /// The form engine's state after this frame.
    pub live: &'a LiveState,
    /// The form engine's events since the last update.
    pub events: &'a [FormEvent],
    /// How sure the model is of the body (mean of the better score of each left/right joint pair).
    pub confidence: f32,
}

/// The guided session.
#[derive(Debug, Clone)]
pub struct Coach {
    exercise: Exercise,
    dose: Dose,
    timing: CoachTiming,
    stage: Stage,
    paused: bool,
    /// Sets so far; the last one is running while Active.
    sets: Vec<SetTally>,
    checklist: Vec<CheckItem>,
    failing_since: BTreeMap<&'static str, f64>,
    ready_since: Option<f64>,
    rest_left: f64,
    last_t: Option<f64>,
    /// Side plank: the side of the hold now running, and its in-form seconds last frame.
    hold_side: Option<Side>,
    last_hold_s: f64,
    sides_done: [bool; 2],
    /// Coach cues not yet taken by the window; and every cue issued (for tests and the record).
    pending: Vec<Cue>,
    issued: Vec<Cue>,
    last_said: BTreeMap<String, f64>,
    /// Set when the user asked to start/skip/stop; applied on the next update (it needs a time).
    start_requested: bool,
    next_requested: bool,
    pain_before: Option<u8>,
}

impl Coach {
    /// A session of `dose` for `exercise`, starting with the setup check.
    #[must_use]
    pub fn new(exercise: Exercise, dose: Dose) -> Self {
        Self::with_timing(exercise, dose, CoachTiming::default())
    }

    /// Same, with other timings.
    #[must_use]
    pub(crate) fn with_timing(exercise: Exercise, dose: Dose, timing: CoachTiming) -> Self {
        let dose = Dose { sets: dose.sets.max(1), reps: dose.reps.max(1), hold_s: dose.hold_s.max(1.0), ..dose };
        Self {
            exercise,
            dose,
            timing,
            stage: Stage::Setup,
            paused: false,
            sets: Vec::new(),
            checklist: Vec::new(),
            failing_since: BTreeMap::new(),
            ready_since: None,
            rest_left: 0.0,
            last_t: None,
            hold_side: None,
            last_hold_s: 0.0,
            sides_done: [false; 2],
            pending: Vec::new(),
            issued: Vec::new(),
            last_said: BTreeMap::new(),
            start_requested: false,
            next_requested: false,
            pain_before: None,
        }
    }

    #[must_use]
    pub fn exercise(&self) -> Exercise {
        self.exercise
    }

    #[must_use]
    pub(crate) fn dose(&self) -> Dose {
        self.dose
    }

    #[must_use]
    pub fn stage(&self) -> Stage {
        self.stage
    }

    #[must_use]
    pub fn paused(&self) -> bool {
        self.paused
    }

    /// The setup checklist as of the last frame (empty before the first).
    #[must_use]
    pub fn checklist(&self) -> &[CheckItem] {
        &self.checklist
    }

    /// Every set so far (the last is the running one while Active).
    #[must_use]
    pub fn sets(&self) -> &[SetTally] {
        &self.sets
    }

    /// 1-based number of the current (or last) set; 0 before the first.
    #[must_use]
    pub(crate) fn set_number(&self) -> u32 {
        self.sets.len() as u32
    }

    /// Seconds of rest left (Rest only).
    #[must_use]
    pub fn rest_left(&self) -> Option<f64> {
        (self.stage == Stage::Rest).then_some(self.rest_left.max(0.0))
    }

    /// Every cue the coach issued, in order.
    #[must_use]
    pub fn issued(&self) -> &[Cue] {
        &self.issued
    }

    /// The coach's own cues since the last call (setup hints, set and side changes).
    pub(crate) fn take_cues(&mut self) -> Vec<Cue> {
        std::mem::take(&mut self.pending)
    }

    /// The form engine's config for this session: the coach owns "switch sides" (it knows which
    /// sides are done), so the engine's own switch cue is turned off.
    #[must_use]
    pub fn engine_config(&self, mut cfg: crate::form::FormConfig) -> crate::form::FormConfig {
        cfg.side_plank.target_s = 0.0;
        cfg
    }

    /// Whether an engine cue should reach the person now, rewritten to the set's count: rep counts
    /// and praise only while a set runs (the engine counts over the whole session).
    #[must_use]
    pub fn filter_engine_cue(&self, cue: &Cue) -> Option<Cue> {
        let counting = self.stage == Stage::Active && !self.paused;
        if cue.id.starts_with("rep.count.") {
            if !counting {
                return None;
            }
            let n = self.sets.last().map_or(0, |s| s.reps.len()) as u32;
            if n == 0 {
                return None;
            }
            return Some(Cue { id: format!("rep.count.{n}"), text: number_word(n), ..cue.clone() });
        }
        if cue.id == "hold.switch_sides" {
            return None;
        }
        if cue.priority == CuePriority::Encouragement && !counting {
            return None;
        }
        // Setup guidance is the coach's job before counting starts; the engine's view and
        // visibility cues would say the same twice.
        if self.stage == Stage::Setup && cue.priority == CuePriority::Safety {
            return None;
        }
        Some(cue.clone())
    }

    /// Space: start counting now (setup), or pause / resume.
    pub fn space(&mut self) {
        match self.stage {
            Stage::Setup => self.start_requested = true,
            Stage::Active | Stage::Rest => self.paused = !self.paused,
            Stage::Done => {}
        }
    }

    /// N: next side or set (Active), end the rest (Rest), start now (Setup).
    pub fn next(&mut self) {
        match self.stage {
            Stage::Setup => self.start_requested = true,
            Stage::Active | Stage::Rest => self.next_requested = true,
            Stage::Done => {}
        }
    }

    /// Esc: stop the session and show the summary.
    pub(crate) fn stop(&mut self) {
        if self.stage == Stage::Active {
            let short = self.sets.last().is_some_and(|s| !self.dose_reached(s));
            if let Some(s) = self.sets.last_mut() {
                s.cut_short = short;
            }
        }
        self.stage = Stage::Done;
        self.paused = false;
    }

    fn say(&mut self, t: f64, id: &str, text: &str, priority: CuePriority) {
        let cue = Cue { t, id: id.to_string(), text: text.to_string(), priority };
        self.last_said.insert(id.to_string(), t);
        self.pending.push(cue.clone());
        self.issued.push(cue);
    }

    /// Advances by one frame.
    pub fn update(&mut self, inp: &Inputs) {
        let t = inp.t;
        // A hold that reached its target keeps running until the person lowers: its record arrives
        // after the set ended, and still belongs to it.
        if matches!(self.stage, Stage::Rest | Stage::Done)
            && let Some(s) = self.sets.last_mut()
        {
            for e in inp.events {
                if let FormEvent::HoldEnded(h) = e {
                    s.holds.push(h.clone());
                }
            }
        }
        let dt = self.last_t.map_or(0.0, |l| (t - l).clamp(0.0, 1.0));
        self.last_t = Some(t);
        match self.stage {
            Stage::Setup => self.update_setup(inp),
            Stage::Active => self.update_active(inp),
            Stage::Rest => {
                if !self.paused {
                    self.rest_left -= dt;
                }
                if self.next_requested || self.rest_left <= 0.0 {
                    self.next_requested = false;
                    self.paused = false;
                    self.begin_set(t);
                }
            }
            Stage::Done => {}
        }
        // The hold's seconds are tracked across stages so a resumed hold does not jump.
        self.last_hold_s = inp.live.hold_seconds_in_form;
    }
}

/// Every cue the app can speak, as (id, text): the form engine's (faults per exercise, rep counts,
/// praise, hold marks, view and visibility) and the coach's (setup hints, sets, sides). The speech
/// cache is filled from this list ahead of time (`formcheck cues --prepare`).
#[must_use]
pub fn spoken_cues() -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = Vec::new();
    let mut add = |id: String, text: String| {
        if !v.iter().any(|(i, t)| *i == id && *t == text) {
            v.push((id, text));
        }
    };
    for e in Exercise::ALL {
        for f in FaultId::ALL {
            add(format!("fault.{}", f.id()), f.cue_text_for(e).to_string());
        }
    }
    for n in 1..=20 {
        add(format!("rep.count.{n}"), number_word(n));
    }
    add("rep.good".into(), "Good rep.".into());
    for secs in (10..=60).step_by(10) {
        add(format!("hold.mark.{secs}"), format!("{secs} seconds."));
    }
    add("hold.switch_sides".into(), "Switch sides.".into());
    add("visibility.step_back".into(), "Step back so your whole body is in view.".into());
    add("view.turn_side_on".into(), "Turn side-on to the camera.".into());
    add("view.face_camera".into(), "Turn to face the camera.".into());
    let probe = LiveState::empty(0.0);
    for e in Exercise::ALL {
        let c = Coach::new(e, Dose::default_for(e));
        for item in c.build_checklist(&Inputs { t: 0.0, live: &probe, events: &[], confidence: 0.0 }) {
            add(item.id.to_string(), item.hint.to_string());
        }
    }
    add("set.begin.1".into(), "Begin.".into());
    for n in 1..=5 {
        add(format!("set.begin.{n}"), format!("Set {}. Begin.", number_word(n)));
    }
    add("set.complete".into(), "Set complete. Rest. How is your pain, from zero to ten?".into());
    add("session.done".into(), "All done. Well done. How is your pain, from zero to ten?".into());
    v
}
