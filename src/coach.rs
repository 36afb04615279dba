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

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::form::cues::number_word;
use crate::form::{Cue, CuePriority, Exercise, FaultId, FormEvent, HoldRecord, LiveState, RepRecord, Side, View};

/// What a set asks for.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Dose {
    /// Sets.
    pub sets: u32,
    /// Reps per set (per side for the bird dog). Unused for the side plank.
    pub reps: u32,
    /// Seconds in form per side (side plank). Unused otherwise.
    pub hold_s: f64,
    /// Rest between sets (s).
    pub rest_s: f64,
}

impl Dose {
    /// The spec's usual dose: hinge 3 sets of 6, bird dog 6 per side, side plank 20 s per side.
    #[must_use]
    pub fn default_for(exercise: Exercise) -> Self {
        match exercise {
            Exercise::Hinge => Dose { sets: 3, reps: 6, hold_s: 0.0, rest_s: 60.0 },
            Exercise::BirdDog => Dose { sets: 1, reps: 6, hold_s: 0.0, rest_s: 60.0 },
            Exercise::SidePlank => Dose { sets: 1, reps: 0, hold_s: 20.0, rest_s: 60.0 },
        }
    }

    /// "3 sets of 6", "6 per side", "20 s per side" (with the set count when more than one).
    #[must_use]
    pub fn describe(&self, exercise: Exercise) -> String {
        let per = match exercise {
            Exercise::Hinge => format!("{} reps", self.reps),
            Exercise::BirdDog => format!("{} per side", self.reps),
            Exercise::SidePlank => format!("{:.0} s per side", self.hold_s),
        };
        if self.sets == 1 { per } else { format!("{} sets of {per}", self.sets) }
    }
}

/// How to do an exercise and where to put the camera (from `form-rules.md`).
#[derive(Debug, Clone, Copy)]
pub struct HowTo {
    /// Short steps, read before starting.
    pub steps: &'static [&'static str],
    /// Where the camera goes.
    pub camera: &'static str,
}

/// The how-to of each exercise.
#[must_use]
pub fn how_to(exercise: Exercise) -> HowTo {
    match exercise {
        Exercise::Hinge => HowTo {
            steps: &[
                "Hold a dowel along your spine: it touches the back of your head, between your shoulder blades and your tailbone.",
                "Knees soft, push your hips back and bend forward at the hips, slowly.",
                "Keep all three contacts on the dowel.",
                "Stand tall again by squeezing your glutes.",
            ],
            camera: "Side-on to you, about 3 m away, at hip height, so your whole body and the dowel fit in the picture.",
        },
        Exercise::BirdDog => HowTo {
            steps: &[
                "On hands and knees: hands under shoulders, knees under hips, back flat.",
                "Reach one arm forward and the opposite leg back until both are in line with your back: long, not high.",
                "Keep your hips level, hold briefly, come back, then switch sides.",
            ],
            camera: "Side-on to you, at floor level, about 2.5 m away, so your hands, knees and feet all fit in the picture.",
        },
        Exercise::SidePlank => HowTo {
            steps: &[
                "Lie on your side, elbow under your shoulder, feet stacked (or knees bent for the easier version).",
                "Lift your hips until your body is a straight line from ear to ankle.",
                "Hold and breathe; then lower and do the other side.",
            ],
            camera: "Facing you (your chest towards the camera), at floor level, about 2.5 m away, so your whole body fits.",
        },
    }
}

/// The spec's red-flag notice: shown before the first session and whenever pain is severe.
pub const RED_FLAGS: &str = "Stop and seek urgent medical evaluation if you have: loss of bowel or bladder control, \
progressive leg weakness, fever, a history of cancer with unexplained weight loss, or night sweats. \
formcheck does not diagnose.";

/// Pain at or above this (0–10) is severe: the red-flag notice is shown.
pub const SEVERE_PAIN: u8 = 7;
/// Pain above this (0–10) is more than the mild ache the spec allows during exercise.
pub const MILD_PAIN: u8 = 3;

/// What a pain rating means for the person, in a sentence (None when it is within a mild ache).
#[must_use]
pub fn pain_advice(pain: u8) -> Option<&'static str> {
    if pain >= SEVERE_PAIN {
        Some("That is severe pain. Stop for today. If it does not settle, contact your therapist or doctor.")
    } else if pain > MILD_PAIN {
        Some("More than a mild ache. Stop this exercise for today; next time, do fewer reps or shorter holds.")
    } else {
        None
    }
}

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

/// One item of the setup checklist.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckItem {
    /// Stable id, e.g. "setup.in_view".
    pub id: &'static str,
    /// What is checked, e.g. "Whole body in view".
    pub label: &'static str,
    /// Whether it passes now.
    pub ok: bool,
    /// What to say when it fails.
    pub hint: &'static str,
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

/// Mean of the better score of each left/right joint pair: a light and visibility measure that
/// does not punish the far side of a side view.
#[must_use]
pub fn body_confidence(pose: &crate::pose::skeleton::Pose) -> f32 {
    use crate::pose::skeleton::Joint as J;
    let pairs = [
        (J::LeftEar, J::RightEar),
        (J::LeftShoulder, J::RightShoulder),
        (J::LeftElbow, J::RightElbow),
        (J::LeftWrist, J::RightWrist),
        (J::LeftHip, J::RightHip),
        (J::LeftKnee, J::RightKnee),
        (J::LeftAnkle, J::RightAnkle),
    ];
    pairs.iter().map(|&(a, b)| pose.get(a).score.max(pose.get(b).score)).sum::<f32>() / pairs.len() as f32
}

/// A finished (or running) set.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SetTally {
    /// 1-based set number.
    pub set: u32,
    /// Reps counted in this set.
    pub reps: Vec<RepRecord>,
    /// Holds that ended during this set.
    pub holds: Vec<HoldRecord>,
    /// Seconds in form credited per side (left, right), side plank.
    pub hold_s: [f64; 2],
    /// Pain 0–10 reported after the set.
    pub pain: Option<u8>,
    /// The set was cut short (N or Esc) before its dose.
    pub cut_short: bool,
}

impl SetTally {
    /// Reps with no fault at all.
    #[must_use]
    pub fn clean_reps(&self) -> usize {
        self.reps.iter().filter(|r| r.faults.is_empty()).count()
    }

    /// Reps (or holds) with at least one fault.
    #[must_use]
    pub fn faulty_reps(&self) -> usize {
        self.reps.len() - self.clean_reps()
    }

    /// Reps per side (left, right) by the reaching arm (bird dog).
    #[must_use]
    pub fn reps_per_side(&self) -> [u32; 2] {
        let mut n = [0, 0];
        for r in &self.reps {
            match r.side {
                Some(Side::Left) => n[0] += 1,
                Some(Side::Right) => n[1] += 1,
                None => {}
            }
        }
        n
    }

    /// How many reps or holds each fault appeared in.
    #[must_use]
    pub fn fault_counts(&self) -> BTreeMap<FaultId, u32> {
        let mut m = BTreeMap::new();
        for f in self.reps.iter().flat_map(|r| &r.faults).chain(self.holds.iter().flat_map(|h| &h.faults)) {
            *m.entry(*f).or_insert(0) += 1;
        }
        m
    }
}

/// The most frequent fault over some sets: (fault, how many reps or holds), majors first on a tie.
#[must_use]
pub fn most_frequent_fault<'a>(sets: impl IntoIterator<Item = &'a SetTally>) -> Option<(FaultId, u32)> {
    let mut m: BTreeMap<FaultId, u32> = BTreeMap::new();
    for s in sets {
        for (f, n) in s.fault_counts() {
            *m.entry(f).or_insert(0) += n;
        }
    }
    m.into_iter().max_by_key(|&(f, n)| (n, f.severity() == crate::form::Severity::Major, std::cmp::Reverse(f)))
}

/// The coach's timings and its light check.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CoachTiming {
    /// "Enough light" needs [`body_confidence`] at least this: a margin over the keypoint floor
    /// (0.3), since a dim or blurred picture lowers every score.
    pub light_min_confidence: f32,
    /// The checklist must pass this long before counting starts by itself (s).
    pub ready_hold_s: f64,
    /// A checklist item must fail this long before its hint is spoken (s).
    pub hint_after_s: f64,
    /// The same hint is not repeated within this (s; the spec's 5 s for "step back").
    pub hint_cooldown_s: f64,
}

impl Default for CoachTiming {
    fn default() -> Self {
        Self { light_min_confidence: 0.45, ready_hold_s: 1.0, hint_after_s: 1.0, hint_cooldown_s: 5.0 }
    }
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
    /// A session of `dose` for `exercise`, starting with the setup check.
    #[must_use]
    pub fn new(exercise: Exercise, dose: Dose) -> Self {
        Self::with_timing(exercise, dose, CoachTiming::default())
    }

    /// Same, with other timings.
    #[must_use]
    pub fn with_timing(exercise: Exercise, dose: Dose, timing: CoachTiming) -> Self {
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
    pub fn dose(&self) -> Dose {
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
    pub fn set_number(&self) -> u32 {
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
    pub fn take_cues(&mut self) -> Vec<Cue> {
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
    pub fn stop(&mut self) {
        if self.stage == Stage::Active {
            let short = self.sets.last().is_some_and(|s| !self.dose_reached(s));
            if let Some(s) = self.sets.last_mut() {
                s.cut_short = short;
            }
        }
        self.stage = Stage::Done;
        self.paused = false;
    }

    /// Pain (0–10) before the session, asked on the setup screen.
    /// The first answer stands (it is written to the record at once).
    pub fn set_pain_before(&mut self, pain: u8) {
        self.pain_before.get_or_insert(pain.min(10));
    }

    #[must_use]
    pub fn pain_before(&self) -> Option<u8> {
        self.pain_before
    }

    /// Records the pain rating (0–10) for the last finished set (the first answer stands).
    pub fn set_pain(&mut self, pain: u8) {
        let pain = pain.min(10);
        let last_done = match self.stage {
            Stage::Active => self.sets.len().checked_sub(2),
            _ => self.sets.len().checked_sub(1),
        };
        // The first answer stands: it is written to the record at once.
        if let Some(i) = last_done {
            self.sets[i].pain.get_or_insert(pain);
        }
    }

    /// The set whose summary is shown now (Rest and Done: the last finished one).
    #[must_use]
    pub fn last_finished_set(&self) -> Option<&SetTally> {
        match self.stage {
            Stage::Rest | Stage::Done => self.sets.last(),
            _ => None,
        }
    }

    /// The large readout: reps in this set, or seconds held on this side.
    #[must_use]
    pub fn readout(&self) -> String {
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

    fn next_side(&self) -> usize {
        usize::from(self.sides_done[0])
    }

    /// Side plank: the side being held (0 left, 1 right), else the next side to do.
    fn current_side(&self) -> usize {
        self.hold_side.map_or_else(|| self.next_side(), side_index)
    }

    fn dose_reached(&self, s: &SetTally) -> bool {
        match self.exercise {
            Exercise::Hinge => s.reps.len() as u32 >= self.dose.reps,
            Exercise::BirdDog => s.reps_per_side().iter().all(|&n| n >= self.dose.reps),
            Exercise::SidePlank => self.sides_done.iter().all(|&d| d),
        }
    }

    fn say(&mut self, t: f64, id: &str, text: &str, priority: CuePriority) {
        let cue = Cue { t, id: id.to_string(), text: text.to_string(), priority };
        self.last_said.insert(id.to_string(), t);
        self.pending.push(cue.clone());
        self.issued.push(cue);
    }

    fn build_checklist(&self, inp: &Inputs) -> Vec<CheckItem> {
        let live = inp.live;
        let view_ok = live.view == self.exercise.required_view();
        let (view_label, view_hint) = match self.exercise.required_view() {
            View::Front => ("Facing the camera", "Turn to face the camera."),
            _ => ("Side-on to the camera", "Turn side-on to the camera."),
        };
        let (start_label, start_hint, start_ok) = match self.exercise {
            Exercise::Hinge => (
                "Standing tall, dowel on your back",
                "Stand tall with the dowel on your back.",
                matches!(live.phase.as_str(), "standing" | "top"),
            ),
            Exercise::BirdDog => ("On hands and knees", "Get on your hands and knees.", live.phase == "quadruped"),
            // Lying on the side or already up: both are a fine start for a hold.
            Exercise::SidePlank => {
                ("On your side, elbow under shoulder", "Lie on your side, elbow under your shoulder.", true)
            }
        };
        vec![
            CheckItem {
                id: "setup.in_view",
                label: "Whole body in view",
                ok: live.in_view,
                hint: "Step back so your whole body is in view.",
            },
            CheckItem { id: "setup.view", label: view_label, ok: view_ok, hint: view_hint },
            CheckItem {
                id: "setup.light",
                label: "Enough light",
                ok: inp.confidence >= self.timing.light_min_confidence,
                hint: "I can't see you clearly. Turn on more light.",
            },
            CheckItem {
                id: "setup.start_position",
                label: start_label,
                ok: start_ok && live.in_view,
                hint: start_hint,
            },
        ]
    }

    fn begin_set(&mut self, t: f64) {
        let n = self.sets.len() as u32 + 1;
        self.sets.push(SetTally { set: n, ..SetTally::default() });
        self.stage = Stage::Active;
        self.sides_done = [false; 2];
        self.hold_side = None;
        let text = if self.dose.sets > 1 { format!("Set {}. Begin.", number_word(n)) } else { "Begin.".into() };
        self.say(t, &format!("set.begin.{n}"), &text, CuePriority::Encouragement);
    }

    fn end_set(&mut self, t: f64, cut_short: bool) {
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

    fn update_setup(&mut self, inp: &Inputs) {
        let t = inp.t;
        self.checklist = self.build_checklist(inp);
        let all_ok = self.checklist.iter().all(|c| c.ok);
        for c in &self.checklist {
            if c.ok {
                self.failing_since.remove(c.id);
            } else {
                self.failing_since.entry(c.id).or_insert(t);
            }
        }
        if self.start_requested {
            self.start_requested = false;
            self.begin_set(t);
            return;
        }
        if all_ok {
            let since = *self.ready_since.get_or_insert(t);
            if t - since >= self.timing.ready_hold_s {
                self.begin_set(t);
            }
            return;
        }
        self.ready_since = None;
        // One hint at a time: the first failing item in checklist order.
        let first = self.checklist.iter().find(|c| !c.ok).map(|c| (c.id, c.hint));
        if let Some((id, hint)) = first {
            let failing_for = t - self.failing_since.get(id).copied().unwrap_or(t);
            let cooled = self.last_said.get(id).is_none_or(|&l| t - l >= self.timing.hint_cooldown_s);
            if failing_for >= self.timing.hint_after_s && cooled {
                self.say(t, id, hint, CuePriority::Safety);
            }
        }
    }

    fn update_active(&mut self, inp: &Inputs) {
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

    /// Whole-session summary numbers.
    #[must_use]
    pub fn summary(&self) -> SessionSummary {
        let reps: usize = self.sets.iter().map(|s| s.reps.len()).sum();
        let clean: usize = self.sets.iter().map(SetTally::clean_reps).sum();
        let mut hold_s = [0.0; 2];
        for s in &self.sets {
            hold_s[0] += s.hold_s[0];
            hold_s[1] += s.hold_s[1];
        }
        SessionSummary {
            exercise: self.exercise,
            sets_done: self.sets.len() as u32,
            sets_prescribed: self.dose.sets,
            reps: reps as u32,
            clean_reps: clean as u32,
            hold_s,
            top_fault: most_frequent_fault(&self.sets),
            worst_pain: self.sets.iter().filter_map(|s| s.pain).max(),
        }
    }
}

/// The numbers the summary screen shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionSummary {
    pub exercise: Exercise,
    pub sets_done: u32,
    pub sets_prescribed: u32,
    pub reps: u32,
    pub clean_reps: u32,
    /// Seconds in form per side (left, right).
    pub hold_s: [f64; 2],
    /// The most frequent fault and how many reps or holds had it.
    pub top_fault: Option<(FaultId, u32)>,
    pub worst_pain: Option<u8>,
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
