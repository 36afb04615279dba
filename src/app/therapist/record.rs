//! What a call's session holds until it is saved: the patient, the consent, the notes, the key
//! frame opt-in, and one part per exercise chosen (the engine restarts when the exercise changes;
//! each part keeps what was counted in it).

use crate::form::{AttemptRecord, Cue, Exercise, HoldRecord, RepRecord};

/// The words the therapist confirms before the first analysis of a call.
pub const CONSENT_STATEMENT: &str = "I have told the patient that the picture of this call is analysed on this computer (nothing is sent anywhere, and only numbers are kept unless I keep key frames), and they agree.";

/// One exercise's stretch of the call.
#[derive(Debug, Clone)]
pub struct Part {
    pub exercise: Exercise,
    /// The call time (s) at which it began.
    pub offset: f64,
    /// Its first frame's own time (the source's clock): frame time `t` is call time
    /// `offset + t - t0`.
    pub t0: Option<f64>,
    pub reps: Vec<RepRecord>,
    pub holds: Vec<HoldRecord>,
    pub attempts: Vec<AttemptRecord>,
    pub cues: Vec<Cue>,
}

impl Part {
    #[must_use]
    pub fn new(exercise: Exercise, offset: f64) -> Self {
        Self { exercise, offset, t0: None, reps: Vec::new(), holds: Vec::new(), attempts: Vec::new(), cues: Vec::new() }
    }

    /// Call time of the part's frame time `t`.
    #[must_use]
    pub fn call_time(&self, t: f64) -> f64 {
        self.offset + (t - self.t0.unwrap_or(0.0)).max(0.0)
    }

    /// Seconds held in form, all holds of the part.
    #[must_use]
    pub fn held_s(&self) -> f64 {
        self.holds.iter().map(|h| h.seconds_in_form).sum()
    }

    /// "Hip hinge: 3 reps (2 clean)", "Side plank: 2 holds, 41 s in form".
    #[must_use]
    pub fn summary(&self) -> String {
        match self.exercise {
            Exercise::SidePlank => {
                format!("{}: {} hold(s), {:.0} s in form", self.exercise.label(), self.holds.len(), self.held_s())
            }
            _ => format!(
                "{}: {} rep(s) ({} clean)",
                self.exercise.label(),
                self.reps.len(),
                self.reps.iter().filter(|r| r.faults.is_empty()).count()
            ),
        }
    }
}

/// The call's session.
#[derive(Debug, Clone, Default)]
pub struct CallRecord {
    /// The patient's name as the therapist typed or chose it.
    pub patient: String,
    /// When the therapist confirmed the consent (unix s); None: not confirmed, nothing may run.
    pub consent_at: Option<i64>,
    /// What was captured: `window:TITLE`, `screen:X,Y,W,H`, a file, or `demo`.
    pub source: String,
    pub notes: String,
    /// Keep key frames (a picture of each part's worst rep) with the session: off by default.
    pub keep_key_frames: bool,
    pub parts: Vec<Part>,
}

impl CallRecord {
    /// Whether anything was counted (a rep, a hold or an attempt).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.parts.iter().all(|p| p.reps.is_empty() && p.holds.is_empty() && p.attempts.is_empty())
    }
}
