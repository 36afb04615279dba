//! Telehealth: a session analysed from a video call's picture on the therapist's computer, filed
//! under a patient, with the patient's consent logged.
//!
//! The flow, for the window (the therapist's screen) and the command line alike:
//!
//! 1. The therapist picks the patient ([`Store::ensure_patient`] for a new name, or one of
//!    [`Store::patients`]) and the call's window or region.
//! 2. Before the first frame is analysed, the therapist confirms that the patient was told and
//!    agrees: [`Consent::confirm`] (e.g. with [`STANDARD_STATEMENT`]). Without it nothing starts:
//!    the store refuses a call session without consent ([`StoreError::NoConsent`]).
//! 3. [`CallSession`] carries the patient, the consent, whether the picture is mirrored, whether
//!    key frames may be kept (off by default: numbers only), and the therapist's notes;
//!    [`CallSession::new_session`] gives the [`NewSession`] to begin the stored session with
//!    ([`Store::begin`], a [`crate::session::recorder::Recorder`] via
//!    [`CallSession::recorder`], or [`Store::save_analysis_as`]).
//! 4. Notes can be changed afterwards with [`Store::set_session_notes`]; the report
//!    ([`crate::report`]) marks the session "telehealth: analysed from the call picture" with the
//!    patient, the consent line and whether pictures were kept.
//!
//! Nothing here captures or sends anything: the capture is [`crate::capture::window`], and frames
//! never leave the computer.

use crate::session::prescription::Prescription;
use crate::session::recorder::Recorder;
pub use crate::session::store::Consent;
use crate::session::store::{NewSession, Patient, SourceKind, Store, StoreError};

/// The statement stored when the therapist simply confirms (`--consent yes`, the window's tick).
pub const STANDARD_STATEMENT: &str = "The patient was told that formcheck analyses the video call's picture on the \
     therapist's computer (nothing is sent anywhere, and no picture is kept unless the therapist asks) and agreed.";

/// Why a consent cannot be logged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConsentError {
    /// No statement.
    #[error(
        "the consent is empty.\nFix: confirm that the patient was told and agrees: `--consent yes`, or the statement in words."
    )]
    Empty,
    /// The words say no.
    #[error("the consent says {0:?}: without the patient's agreement the call is not analysed.")]
    Refused(String),
    /// Nobody to name as having confirmed it.
    #[error("the consent names nobody who confirmed it.\nFix: give the therapist's name.")]
    NoOneConfirmed,
    /// Nothing named to analyse.
    #[error("the consent names no source: say which window or region of the call is analysed.")]
    NoSource,
}

impl Consent {
    /// The therapist's confirmation, checked: `words` is "yes" (any case; then the
    /// [`STANDARD_STATEMENT`] is stored) or the statement itself, stored verbatim; "no" and the
    /// like are refused. `confirmed_by` is who confirmed it (the therapist), `source` what is
    /// analysed (`window:TITLE`, `screen:X,Y,W,H`), `at` the time it was confirmed (unix s).
    ///
    /// # Errors
    /// [`ConsentError`] when it is empty, says no, or names no one or no source.
    pub fn confirm(words: &str, confirmed_by: &str, source: &str, at: i64) -> Result<Self, ConsentError> {
        let w = words.trim();
        if w.is_empty() {
            return Err(ConsentError::Empty);
        }
        let lower = w.to_ascii_lowercase();
        if ["no", "n", "false", "0", "refused", "declined"].contains(&lower.as_str()) {
            return Err(ConsentError::Refused(w.to_string()));
        }
        if confirmed_by.trim().is_empty() {
            return Err(ConsentError::NoOneConfirmed);
        }
        if source.trim().is_empty() {
            return Err(ConsentError::NoSource);
        }
        let statement = if ["yes", "y", "true", "1", "agreed", "agrees"].contains(&lower.as_str()) {
            STANDARD_STATEMENT.to_string()
        } else {
            w.to_string()
        };
        Ok(Self { statement, confirmed_by: confirmed_by.to_string(), confirmed_at: at, source: source.to_string() })
    }

    /// One line for a report or a list: "Consent confirmed by NAME at TIME: STATEMENT".
    #[must_use]
    pub fn line(&self) -> String {
        format!(
            "Consent confirmed by {} at {} for {}: {}",
            self.confirmed_by,
            crate::session::store::format_time(self.confirmed_at),
            self.source,
            self.statement
        )
    }
}

/// The person at this computer, to name as having confirmed a consent when no name is given:
/// `$USER`, else `$LOGNAME`, else "the therapist".
#[must_use]
pub fn local_user() -> String {
    ["USER", "LOGNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.trim().is_empty()))
        .unwrap_or_else(|| "the therapist".to_string())
}

/// A call being analysed: the patient, their consent, and what the stored session records.
#[derive(Debug, Clone, PartialEq)]
pub struct CallSession {
    /// The patient the sessions are filed under.
    pub patient: Patient,
    /// The consent, confirmed before the first analysis (its `source` is the capture).
    pub consent: Consent,
    /// Whether the call's picture was declared mirrored (a remote patient usually is not).
    pub mirrored: bool,
    /// Whether key frames may be kept (the therapist's tick; off: numbers only).
    pub keep_key_frames: bool,
    /// The therapist's notes.
    pub notes: Option<String>,
}

impl CallSession {
    /// A call of `patient` with their `consent`: not mirrored, no key frames, no notes.
    #[must_use]
    pub fn new(patient: Patient, consent: Consent) -> Self {
        Self { patient, consent, mirrored: false, keep_key_frames: false, notes: None }
    }

    /// A call of the patient named `patient_name` (added to the store if new).
    ///
    /// # Errors
    /// When the name cannot be used, or on a database error.
    pub fn for_patient(store: &Store, patient_name: &str, consent: Consent) -> Result<Self, StoreError> {
        Ok(Self::new(store.ensure_patient(patient_name)?.0, consent))
    }

    /// The stored session to begin for this call under `plan` (snapshotted with it): source
    /// `call`, the capture, the patient, the consent, mirrored, key frames, notes.
    #[must_use]
    pub fn new_session(&self, plan: Option<&Prescription>) -> NewSession {
        let mut s = NewSession::new(SourceKind::Call)
            .patient(self.patient.id)
            .prescription(plan)
            .mirrored(self.mirrored)
            .keep_key_frames(self.keep_key_frames)
            .notes(self.notes.as_deref());
        s.capture = Some(self.consent.source.clone());
        s.consent = Some(self.consent.clone());
        s
    }

    /// A recorder writing this call's guided session into `store` under `plan` as it happens.
    #[must_use]
    pub fn recorder(&self, store: Store, plan: Prescription) -> Recorder {
        Recorder::for_session(store, self.new_session(Some(&plan)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consent_words() {
        let c = Consent::confirm(" Yes ", "dr k", "window:Zoom", 5).unwrap();
        assert_eq!(c.statement, STANDARD_STATEMENT);
        assert_eq!((c.confirmed_by.as_str(), c.source.as_str(), c.confirmed_at), ("dr k", "window:Zoom", 5));
        let own = Consent::confirm("Told on the call; agreed verbally.", "dr k", "window:Zoom", 5).unwrap();
        assert_eq!(own.statement, "Told on the call; agreed verbally.");
        assert_eq!(Consent::confirm("  ", "dr k", "w", 5), Err(ConsentError::Empty));
        assert_eq!(Consent::confirm("No", "dr k", "w", 5), Err(ConsentError::Refused("No".into())));
        assert_eq!(Consent::confirm("yes", " ", "w", 5), Err(ConsentError::NoOneConfirmed));
        assert_eq!(Consent::confirm("yes", "dr k", "", 5), Err(ConsentError::NoSource));
    }
}
