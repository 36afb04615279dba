//! Fault ids and the cue policy: one cue at a time, by priority, with persistence and cooldown.
//!
//! Priority (highest first): safety and not-in-view (and the view guidance), then the major fault
//! that has lasted longest, then minor faults, then encouragement (rep counts, hold marks, praise).
//! A fault is cued only after it persisted `fault_persist_s`; the same cue id is not repeated within
//! `repeat_cooldown_s` (the step-back cue within `not_in_view_cooldown_s`); a spoken cue occupies
//! the voice for `speak_s`, during which nothing else starts.

use super::config::CueConfig;
use serde::{Deserialize, Serialize};

/// How serious a fault is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Changes what the exercise trains or loads the back: pauses hold timers, spoken first.
    Major,
    /// Worth a reminder.
    Minor,
}

/// The fault ids of `form-rules.md` (serialised exactly as the spec's ids).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultId {
    /// Hinge: thoracic or sacrum contact lost.
    RoundedBack,
    /// Hinge: back of the head off the dowel.
    HeadOffDowel,
    /// Hinge: knees bend instead of hips moving back.
    Squatting,
    /// Hinge: knees fully straight through the rep (minor).
    LockedKnees,
    /// Hinge: the rep ends without hip extension.
    NoLockout,
    /// Hinge: leaning back at the top.
    LeaningBack,
    /// Hinge: lowering too fast; bird dog: no pause at full reach (minor).
    TooFast,
    /// Bird dog: wrist or ankle above the trunk line.
    ReachHigh,
    /// Bird dog: trunk tilts or bends during the reach.
    BackNotFlat,
    /// Bird dog: pelvis shifts or rotates as the leg lifts.
    HipsRotate,
    /// Bird dog: arm and leg of the same side.
    SameSide,
    /// Bird dog: hands not under shoulders or knees not under hips.
    Setup,
    /// Side plank: hips below the body line.
    HipsSag,
    /// Side plank: hips above the body line.
    HipsPike,
    /// Side plank: head off the line (minor).
    HeadDrop,
    /// Side plank: elbow not under the shoulder.
    ElbowPosition,
}

impl FaultId {
    /// Every fault id.
    pub const ALL: [FaultId; 16] = [
        FaultId::RoundedBack,
        FaultId::HeadOffDowel,
        FaultId::Squatting,
        FaultId::LockedKnees,
        FaultId::NoLockout,
        FaultId::LeaningBack,
        FaultId::TooFast,
        FaultId::ReachHigh,
        FaultId::BackNotFlat,
        FaultId::HipsRotate,
        FaultId::SameSide,
        FaultId::Setup,
        FaultId::HipsSag,
        FaultId::HipsPike,
        FaultId::HeadDrop,
        FaultId::ElbowPosition,
    ];

    /// The spec's id, as serialised.
    #[must_use]
    pub fn id(self) -> &'static str {
        match self {
            FaultId::RoundedBack => "rounded_back",
            FaultId::HeadOffDowel => "head_off_dowel",
            FaultId::Squatting => "squatting",
            FaultId::LockedKnees => "locked_knees",
            FaultId::NoLockout => "no_lockout",
            FaultId::LeaningBack => "leaning_back",
            FaultId::TooFast => "too_fast",
            FaultId::ReachHigh => "reach_high",
            FaultId::BackNotFlat => "back_not_flat",
            FaultId::HipsRotate => "hips_rotate",
            FaultId::SameSide => "same_side",
            FaultId::Setup => "setup",
            FaultId::HipsSag => "hips_sag",
            FaultId::HipsPike => "hips_pike",
            FaultId::HeadDrop => "head_drop",
            FaultId::ElbowPosition => "elbow_position",
        }
    }

    /// The fault in plain words, for the patient's own screens (the id stays in the reports, the
    /// JSON and the store, as the spec asks).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            FaultId::RoundedBack => "rounded back",
            FaultId::HeadOffDowel => "head off the dowel",
            FaultId::Squatting => "squatting instead of hinging",
            FaultId::LockedKnees => "locked knees",
            FaultId::NoLockout => "not standing tall at the top",
            FaultId::LeaningBack => "leaning back at the top",
            FaultId::TooFast => "too fast",
            FaultId::ReachHigh => "reaching high",
            FaultId::BackNotFlat => "back not flat",
            FaultId::HipsRotate => "hips rotating",
            FaultId::SameSide => "arm and leg on the same side",
            FaultId::Setup => "hands or knees out of place",
            FaultId::HipsSag => "hips sagging",
            FaultId::HipsPike => "hips too high",
            FaultId::HeadDrop => "head dropping",
            FaultId::ElbowPosition => "elbow not under the shoulder",
        }
    }

    /// Major or minor, per the spec (minor: locked_knees, too_fast, head_drop).
    #[must_use]
    pub fn severity(self) -> Severity {
        match self {
            FaultId::LockedKnees | FaultId::TooFast | FaultId::HeadDrop => Severity::Minor,
            _ => Severity::Major,
        }
    }

    /// The spoken correction. `too_fast` differs by exercise; this is the hinge wording, see
    /// [`FaultId::cue_text_for`].
    #[must_use]
    pub fn cue_text(self) -> &'static str {
        match self {
            FaultId::RoundedBack => "Keep the dowel touching your head, upper back and tailbone.",
            FaultId::HeadOffDowel => "Keep the back of your head on the dowel.",
            FaultId::Squatting => "Push your hips back, not down.",
            FaultId::LockedKnees => "Keep your knees soft.",
            FaultId::NoLockout => "Stand tall and squeeze your glutes at the top.",
            FaultId::LeaningBack => "Stand tall, don't lean back.",
            FaultId::TooFast => "Slow down on the way down.",
            FaultId::ReachHigh => "Reach long, not high.",
            FaultId::BackNotFlat => "Keep your back flat like a table.",
            FaultId::HipsRotate => "Keep your hips level.",
            FaultId::SameSide => "Opposite arm and opposite leg.",
            FaultId::Setup => "Hands under shoulders, knees under hips.",
            FaultId::HipsSag => "Lift your hips.",
            FaultId::HipsPike => "Lower your hips into a straight line.",
            FaultId::HeadDrop => "Keep your head in line with your spine.",
            FaultId::ElbowPosition => "Stack your shoulder over your elbow.",
        }
    }

    /// The spoken correction for this exercise (bird dog's `too_fast` is about the pause).
    #[must_use]
    pub fn cue_text_for(self, exercise: super::Exercise) -> &'static str {
        match (self, exercise) {
            (FaultId::TooFast, super::Exercise::BirdDog) => "Pause at full reach.",
            _ => self.cue_text(),
        }
    }
}

impl std::fmt::Display for FaultId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

/// Cue priority classes, highest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CuePriority {
    /// Safety, not in view, wrong view.
    Safety,
    /// A major fault.
    MajorFault,
    /// A minor fault.
    MinorFault,
    /// Rep counts, hold marks, praise, switch sides.
    Encouragement,
}

/// One spoken (and shown) cue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cue {
    /// Frame time when it was issued (s).
    pub t: f64,
    /// Stable id: "fault.rounded_back", "rep.count.3", "rep.good", "hold.mark.10",
    /// "hold.switch_sides", "view.turn_side_on", "view.face_camera", "visibility.step_back".
    pub id: String,
    /// What to say.
    pub text: String,
    /// Its priority class.
    pub priority: CuePriority,
}

/// A cue that wants to be spoken.
#[derive(Debug, Clone, PartialEq)]
pub struct CueRequest {
    /// Stable id.
    pub id: String,
    /// Text.
    pub text: String,
    /// Priority class.
    pub priority: CuePriority,
    /// Within a class, the earlier `since` wins (the fault that has lasted longest).
    pub since: f64,
}

/// A continuously active condition offered to the scheduler each frame (a fault, not-in-view...).
#[derive(Debug, Clone, PartialEq)]
pub struct ActiveCondition {
    /// The request (its `since` is the condition's onset).
    pub request: CueRequest,
    /// Speak only once it has lasted this long (s).
    pub persist_s: f64,
    /// Cooldown for this id (s).
    pub cooldown_s: f64,
}

/// Decides which single cue, if any, is spoken at each frame.
#[derive(Debug, Clone, Default)]
pub struct CueScheduler {
    busy_until: f64,
    last_spoken: Vec<(String, f64)>,
    pending: Vec<(CueRequest, f64)>, // one-shot requests with their expiry time
}

/// Number word for rep counts ("three"); digits beyond twenty.
#[must_use]
pub fn number_word(n: u32) -> String {
    const W: [&str; 21] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
    ];
    W.get(n as usize).map_or_else(|| n.to_string(), |w| (*w).to_string())
}

impl CueScheduler {
    /// Queue a one-shot cue (rep count, hold mark, a rep-level fault). It is spoken when nothing of
    /// higher priority is due, or dropped after `event_expiry_s`.
    pub fn request(&mut self, t: f64, req: CueRequest, cfg: &CueConfig) {
        self.pending.push((req, t + cfg.event_expiry_s));
    }

    fn cooled(&self, id: &str, t: f64, cooldown: f64) -> bool {
        self.last_spoken.iter().find(|(i, _)| i == id).is_none_or(|(_, last)| t - last >= cooldown)
    }

    /// Pick the cue to speak at `t` given the conditions active now; `None` if the voice is busy or
    /// nothing is due.
    pub fn tick(&mut self, t: f64, active: &[ActiveCondition], cfg: &CueConfig) -> Option<Cue> {
        self.pending.retain(|(_, exp)| *exp >= t);
        if t < self.busy_until {
            return None;
        }
        let mut best: Option<CueRequest> = None;
        let better = |a: &CueRequest, b: &Option<CueRequest>| match b {
            None => true,
            Some(b) => (a.priority, a.since) < (b.priority, b.since),
        };
        for c in active {
            if t - c.request.since + 1e-9 >= c.persist_s
                && self.cooled(&c.request.id, t, c.cooldown_s)
                && better(&c.request, &best)
            {
                best = Some(c.request.clone());
            }
        }
        for (r, _) in &self.pending {
            if self.cooled(&r.id, t, cfg.repeat_cooldown_s) && better(r, &best) {
                best = Some(r.clone());
            }
        }
        let chosen = best?;
        self.pending.retain(|(r, _)| r.id != chosen.id);
        self.busy_until = t + cfg.speak_s;
        match self.last_spoken.iter_mut().find(|(i, _)| *i == chosen.id) {
            Some(e) => e.1 = t,
            None => self.last_spoken.push((chosen.id.clone(), t)),
        }
        Some(Cue { t, id: chosen.id, text: chosen.text, priority: chosen.priority })
    }
}

#[cfg(test)]
mod tests {
    use super::FaultId;

    #[test]
    fn every_fault_has_its_own_plain_name() {
        let names: Vec<&str> = FaultId::ALL.iter().map(|f| f.name()).collect();
        for (f, n) in FaultId::ALL.iter().zip(&names) {
            assert!(!n.contains('_') && !n.is_empty() && *n != f.id(), "{f:?}: {n:?}");
        }
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "two faults share a name: {names:?}");
    }
}
