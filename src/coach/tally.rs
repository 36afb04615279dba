//! What the session counted: each set's tally, the session's summary, the pain ratings and what
//! they mean.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Coach, Stage};
use crate::form::{AttemptRecord, Exercise, FaultId, HoldRecord, RepRecord, Side};

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

/// A finished (or running) set.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SetTally {
    /// 1-based set number.
    pub set: u32,
    /// Reps counted in this set.
    pub reps: Vec<RepRecord>,
    /// Holds that ended during this set.
    pub holds: Vec<HoldRecord>,
    /// Attempts during this set: movements that were not reps (not counted).
    #[serde(default)]
    pub attempts: Vec<AttemptRecord>,
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
    pub(crate) fn fault_counts(&self) -> BTreeMap<FaultId, u32> {
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

impl Coach {
    /// Pain (0–10) before the session, asked on the setup screen.
    /// The first answer stands (it is written to the record at once).
    pub fn set_pain_before(&mut self, pain: u8) {
        self.pain_before.get_or_insert(pain.min(10));
    }

    #[must_use]
    pub(crate) fn pain_before(&self) -> Option<u8> {
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
