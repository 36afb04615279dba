//! Pain-guided pacing (docs/form-rules.md, "Pain-guided pacing"): pure functions from the pain log
//! and the current prescription to a [`Suggestion`], which changes nothing until the patient (or
//! therapist) confirms it and the caller applies it with [`Suggestion::apply`].
//!
//! Rules, in order:
//! 1. **Red flag** reported in the latest session (loss of bowel or bladder control, progressive leg
//!    weakness, fever, cancer history with unexplained weight loss, night sweats): stop, and show
//!    [`URGENT_CARE_NOTICE`]. No plan change is suggested.
//! 2. **Flare**: in the latest session, pain after a set (or after the session) above [`MILD_PAIN`]/10, or its
//!    next-day check-in worse than its baseline (the pain before): suggest the regression (fewer
//!    reps, shorter holds, easier variant). Severe pain (≥ [`SEVERE_PAIN`]/10) also shows the notice.
//! 3. **Tolerated week**: at least [`PacingRules::tolerated_sessions`] sessions in the last 7 days
//!    on the current prescription, each with all pain (before, after, next day) ≤ [`MILD_PAIN`] and a next-day check-in no worse
//!    than baseline: suggest the progression (one small step per exercise).
//! 4. Otherwise keep the plan, saying why.

use crate::form::Exercise;
use crate::session::prescription::{ExercisePlan, Prescription, SidePlankVariant};
use serde::{Deserialize, Serialize};

/// The spec's pain limits, defined once, in the coach (the lower layer, which the live session's
/// pain advice uses too): above [`MILD_PAIN`] is more than the mild ache the spec allows (after a
/// set it is a flare, rule 2; a tolerated session stays at or below it, rule 3); at or above
/// [`SEVERE_PAIN`] is severe (the urgent-care notice).
pub(crate) use crate::coach::{MILD_PAIN, SEVERE_PAIN};

/// What the patient must read when pain is severe or a red flag is reported (from the spec).
pub const URGENT_CARE_NOTICE: &str = "Stop and seek urgent medical evaluation if you have any of these: loss of \
bowel or bladder control, progressive leg weakness, fever, a history of cancer with unexplained weight loss, or \
night sweats. Severe pain also needs to be checked by a clinician before you continue. formcheck does not diagnose.";

/// When a pain rating was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PainKind {
    /// Before the session: the baseline.
    Before,
    /// After a set, or after the whole session.
    After,
    /// The next-day check-in about a session.
    NextDay,
}

impl PainKind {
    /// "before", "after", "next_day".
    #[must_use]
    pub(crate) fn name(self) -> &'static str {
        match self {
            PainKind::Before => "before",
            PainKind::After => "after",
            PainKind::NextDay => "next_day",
        }
    }

    /// From [`PainKind::name`].
    #[must_use]
    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "before" => Some(PainKind::Before),
            "after" => Some(PainKind::After),
            "next_day" => Some(PainKind::NextDay),
            _ => None,
        }
    }
}

/// The red flags of the spec: each means stop and seek urgent medical evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RedFlag {
    /// Loss of bowel or bladder control.
    BowelBladder,
    /// Progressive leg weakness.
    LegWeakness,
    /// Fever.
    Fever,
    /// A history of cancer with unexplained weight loss.
    CancerWeightLoss,
    /// Night sweats.
    NightSweats,
}

impl RedFlag {
    /// What to ask or show.
    #[must_use]
    pub(crate) fn label(self) -> &'static str {
        match self {
            RedFlag::BowelBladder => "Loss of bowel or bladder control",
            RedFlag::LegWeakness => "Progressive leg weakness",
            RedFlag::Fever => "Fever",
            RedFlag::CancerWeightLoss => "A history of cancer with unexplained weight loss",
            RedFlag::NightSweats => "Night sweats",
        }
    }
}

/// One pain rating (0 = none, 10 = worst imaginable).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PainRating {
    /// When it was taken.
    pub kind: PainKind,
    /// 0..=10.
    pub score: u8,
    /// For `After`: the set it followed (None = after the session).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_id: Option<i64>,
    /// Unix time (s, UTC) it was recorded.
    pub recorded_at: i64,
    /// Red flags reported with it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub red_flags: Vec<RedFlag>,
}

/// A session as pacing sees it: when, on which plan, and its pain ratings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionPain {
    /// The session.
    pub session_id: i64,
    /// Unix time (s, UTC) it started.
    pub started_at: i64,
    /// The prescription in force (its snapshot), if any.
    pub prescription: Option<Prescription>,
    /// Every rating about this session (including its next-day check-in).
    pub ratings: Vec<PainRating>,
}

impl SessionPain {
    /// The baseline: the last rating before the session.
    #[must_use]
    pub(crate) fn before(&self) -> Option<u8> {
        self.ratings.iter().filter(|r| r.kind == PainKind::Before).map(|r| r.score).next_back()
    }
    /// The worst rating after a set or the session.
    #[must_use]
    pub(crate) fn worst_after(&self) -> Option<u8> {
        self.ratings.iter().filter(|r| r.kind == PainKind::After).map(|r| r.score).max()
    }
    /// The next-day check-in (the last one if repeated).
    #[must_use]
    pub fn next_day(&self) -> Option<u8> {
        self.ratings.iter().filter(|r| r.kind == PainKind::NextDay).map(|r| r.score).next_back()
    }
    /// The worst rating of any kind.
    #[must_use]
    pub(crate) fn worst(&self) -> Option<u8> {
        self.ratings.iter().map(|r| r.score).max()
    }
    /// Red flags reported with any rating.
    #[must_use]
    pub fn red_flags(&self) -> Vec<RedFlag> {
        let mut v: Vec<RedFlag> = self.ratings.iter().flat_map(|r| r.red_flags.iter().copied()).collect();
        v.sort();
        v.dedup();
        v
    }
}

/// The thresholds of the rules (the spec's numbers by default).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PacingRules {
    /// Pain above this (out of 10) after a set is a flare.
    pub max_tolerated: u8,
    /// Pain at or above this is severe: show the urgent-care notice.
    pub severe: u8,
    /// Sessions needed in the window for a tolerated week.
    pub tolerated_sessions: usize,
    /// The window (days).
    pub window_days: i64,
}

impl Default for PacingRules {
    fn default() -> Self {
        Self { max_tolerated: MILD_PAIN, severe: SEVERE_PAIN, tolerated_sessions: 3, window_days: 7 }
    }
}

/// What pacing suggests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// A red flag: stop exercising and seek urgent care.
    Stop,
    /// Step back.
    Regress,
    /// Keep the plan.
    Keep,
    /// Step up.
    Progress,
}

/// One change to one exercise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// The exercise.
    pub exercise: Exercise,
    /// e.g. "reps per set 6 -> 4".
    pub text: String,
    /// The exercise's plan after the change.
    pub new_plan: ExercisePlan,
}

/// A suggestion, applied only when confirmed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    /// The decision.
    pub decision: Decision,
    /// Why, in words a patient understands.
    pub reason: String,
    /// The plan changes (empty for keep and stop).
    pub changes: Vec<Change>,
    /// [`URGENT_CARE_NOTICE`] when pain was severe or a red flag was reported.
    pub urgent_notice: Option<String>,
}

impl Suggestion {
    /// The prescription with the changes applied (a new value: `plan` is untouched). Call only after
    /// the patient or therapist confirmed.
    #[must_use]
    pub fn apply(&self, plan: &Prescription) -> Prescription {
        let mut out = plan.clone();
        for c in &self.changes {
            if let Some(p) = out.exercises.iter_mut().find(|p| p.name == c.exercise) {
                *p = c.new_plan.clone();
            }
        }
        out
    }

    /// One line per change, after the reason.
    #[must_use]
    pub(crate) fn text(&self) -> String {
        let mut s = self.reason.clone();
        for c in &self.changes {
            s.push_str(&format!("\n  {}: {}", c.exercise.label(), c.text));
        }
        if let Some(n) = &self.urgent_notice {
            s.push_str(&format!("\n{n}"));
        }
        s
    }
}

/// The suggestion for `plan` given the pain log (`history`, any order) at unix time `now`.
#[must_use]
pub fn suggest(plan: &Prescription, history: &[SessionPain], now: i64, rules: &PacingRules) -> Suggestion {
    let mut sessions: Vec<&SessionPain> = history.iter().filter(|s| s.started_at <= now).collect();
    sessions.sort_by_key(|s| (s.started_at, s.session_id));
    let Some(latest) = sessions.last().copied() else {
        return keep("No session logged yet: start with the prescribed dose.".into(), None);
    };
    let severe = latest.worst().filter(|&w| w >= rules.severe);
    let flags = latest.red_flags();
    if !flags.is_empty() {
        let names: Vec<&str> = flags.iter().map(|f| f.label()).collect();
        return Suggestion {
            decision: Decision::Stop,
            reason: format!(
                "Red flag reported ({}): stop the exercises and seek urgent medical evaluation.",
                names.join(", ")
            ),
            changes: vec![],
            urgent_notice: Some(URGENT_CARE_NOTICE.into()),
        };
    }
    let urgent = severe.map(|_| URGENT_CARE_NOTICE.to_string());
    // Flare: pain after above the tolerated level, or next day worse than baseline.
    let mut flare = Vec::new();
    if let Some(a) = latest.worst_after().filter(|&a| a > rules.max_tolerated) {
        flare.push(format!("pain reached {a}/10 after exercising (more than {}/10)", rules.max_tolerated));
    }
    if let (Some(b), Some(n)) = (latest.before(), latest.next_day())
        && n > b
    {
        flare.push(format!("the next day pain was {n}/10, worse than {b}/10 before the session"));
    }
    if !flare.is_empty() {
        let changes = step(plan, regress_one);
        let reason = format!(
            "Your back did not tolerate the last session: {}. Suggest stepping back{}.",
            flare.join(" and "),
            if changes.is_empty() { " (the plan is already at its easiest: talk to your therapist)" } else { "" }
        );
        return Suggestion { decision: Decision::Regress, reason, changes, urgent_notice: urgent };
    }
    if let Some(s) = severe {
        // Severe before the session without a flare rule firing (e.g. a bad day): keep, with the notice.
        return keep(format!("Pain was severe ({s}/10): do not add anything; check with a clinician."), urgent);
    }
    // Tolerated week on the current plan.
    let from = now - rules.window_days * 86_400;
    let week: Vec<&SessionPain> =
        sessions.iter().copied().filter(|s| s.started_at >= from && s.prescription.as_ref() == Some(plan)).collect();
    let mut untolerated = 0;
    let mut unknown = 0;
    for s in &week {
        // "All pain <= 3": before, after and the next day.
        let all_ok = s.worst().is_none_or(|w| w <= rules.max_tolerated);
        match (s.before(), s.next_day()) {
            _ if !all_ok => untolerated += 1,
            (Some(b), Some(n)) if n > b => untolerated += 1,
            (_, None) => unknown += 1,
            _ => {}
        }
    }
    let tolerated = week.len() - untolerated - unknown;
    if untolerated == 0 && tolerated >= rules.tolerated_sessions {
        let changes = step(plan, progress_one);
        if changes.is_empty() {
            return keep(format!("{tolerated} sessions tolerated this week, and the plan is at its full dose."), None);
        }
        let reason = format!(
            "Your back tolerated the last week: {tolerated} sessions in {} days with pain at most {}/10 and no worse the next day. Suggest a small step up.",
            rules.window_days, rules.max_tolerated
        );
        return Suggestion { decision: Decision::Progress, reason, changes, urgent_notice: None };
    }
    let reason = if untolerated > 0 {
        format!("{untolerated} session(s) this week were not fully tolerated: keep the current dose.")
    } else {
        let more = rules.tolerated_sessions.saturating_sub(tolerated);
        let pending = if unknown > 0 { format!(" ({unknown} awaiting the next-day check-in)") } else { String::new() };
        format!(
            "{tolerated} tolerated session(s) on this plan in the last {} days{pending}: keep the current dose; {more} more before stepping up.",
            rules.window_days
        )
    };
    keep(reason, None)
}

fn keep(reason: String, urgent: Option<String>) -> Suggestion {
    Suggestion { decision: Decision::Keep, reason, changes: vec![], urgent_notice: urgent }
}

fn step(plan: &Prescription, f: fn(&ExercisePlan) -> Option<(ExercisePlan, String)>) -> Vec<Change> {
    plan.exercises
        .iter()
        .filter_map(|p| f(p).map(|(new_plan, text)| Change { exercise: p.name, text, new_plan }))
        .collect()
}

/// Most reps a progression goes to (the spec's bird dog range tops at 10 per side).
pub(crate) const MAX_REPS: u32 = 10;
/// Fewest reps a regression goes to.
pub(crate) const MIN_REPS: u32 = 3;
/// Longest hold a progression goes to (the spec: "building toward 30 to 45 s").
pub(crate) const MAX_HOLD_S: f64 = 45.0;
/// Shortest hold a regression goes to.
pub(crate) const MIN_HOLD_S: f64 = 10.0;
/// A hold on the knees this long or longer progresses to the feet (at [`FEET_START_HOLD_S`]).
pub(crate) const KNEES_TO_FEET_AT_S: f64 = 30.0;
/// The hold after moving from the knees to the feet.
pub(crate) const FEET_START_HOLD_S: f64 = 20.0;
/// Most sets a progression goes to.
pub(crate) const MAX_SETS: u32 = 3;

/// One regression step: fewer reps (a third fewer, at least [`MIN_REPS`]) then fewer sets; side
/// plank on the feet goes to the knees, otherwise 5 s shorter (at least [`MIN_HOLD_S`]).
#[must_use]
pub fn regress_one(p: &ExercisePlan) -> Option<(ExercisePlan, String)> {
    let mut n = p.clone();
    match (p.reps, p.hold_s, p.variant) {
        (Some(r), _, _) if r > MIN_REPS => {
            let to = (r - r.div_ceil(3)).max(MIN_REPS);
            n.reps = Some(to);
            Some((n, format!("{r} -> {to} reps{} per set", per_side(p.name))))
        }
        (Some(_), _, _) if p.sets > 1 => {
            n.sets = p.sets - 1;
            let text = format!("{} -> {} sets", p.sets, n.sets);
            Some((n, text))
        }
        (None, Some(_), Some(v)) if v.feet => {
            let to = SidePlankVariant { feet: false, ..v };
            n.variant = Some(to);
            Some((n, format!("variant {v} -> {to} (easier)")))
        }
        (None, Some(h), _) if h > MIN_HOLD_S => {
            let to = (h - 5.0).max(MIN_HOLD_S);
            n.hold_s = Some(to);
            Some((n, format!("hold {h:.0} s -> {to:.0} s per side")))
        }
        _ => None,
    }
}

/// One progression step: two more reps (to [`MAX_REPS`]) then one more set (to [`MAX_SETS`]); side
/// plank 5 s longer (to [`MAX_HOLD_S`]), or from the knees to the feet once the knees hold
/// reaches [`KNEES_TO_FEET_AT_S`].
#[must_use]
pub fn progress_one(p: &ExercisePlan) -> Option<(ExercisePlan, String)> {
    let mut n = p.clone();
    match (p.reps, p.hold_s, p.variant) {
        (Some(r), _, _) if r < MAX_REPS => {
            let to = (r + 2).min(MAX_REPS);
            n.reps = Some(to);
            Some((n, format!("{r} -> {to} reps{} per set", per_side(p.name))))
        }
        (Some(_), _, _) if p.sets < MAX_SETS => {
            n.sets = p.sets + 1;
            let text = format!("{} -> {} sets", p.sets, n.sets);
            Some((n, text))
        }
        (None, Some(h), Some(v)) if !v.feet && h >= KNEES_TO_FEET_AT_S => {
            let to = SidePlankVariant { feet: true, ..v };
            n.variant = Some(to);
            n.hold_s = Some(FEET_START_HOLD_S);
            Some((n, format!("variant {v} -> {to}, hold {h:.0} s -> {FEET_START_HOLD_S:.0} s per side")))
        }
        (None, Some(h), _) if h < MAX_HOLD_S => {
            let to = (h + 5.0).min(MAX_HOLD_S);
            n.hold_s = Some(to);
            Some((n, format!("hold {h:.0} s -> {to:.0} s per side")))
        }
        _ => None,
    }
}

fn per_side(e: Exercise) -> &'static str {
    if e == Exercise::BirdDog { " per side" } else { "" }
}
