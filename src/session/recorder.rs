//! Keeps the store in step with a guided session: the session opens with the first set (or the
//! pain-before rating, under the patient, source, plan, consent and notes of its [`NewSession`]), every rep and hold is written the frame the coach counts it (one
//! transaction each, so a crash loses at most the rep in progress), sets end when the coach ends
//! them, pain ratings are written as they are given, and the session ends with the coach.

use std::path::PathBuf;

use crate::coach::{Coach, Stage};
use crate::form::Cue;
use crate::session::pacing::PainKind;
use crate::session::prescription::Prescription;
use crate::session::store::{NewSession, SourceKind, Store, StoreError};

#[derive(Debug, Clone, Copy, Default)]
struct SetIds {
    id: i64,
    reps: usize,
    holds: usize,
    attempts: usize,
    ended: bool,
    pain: bool,
}

/// Writes a [`Coach`]'s session into a [`Store`] as it happens.
pub struct Recorder {
    store: Store,
    new: NewSession,
    session: Option<i64>,
    sets: Vec<SetIds>,
    pain_before: bool,
    ended: bool,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder").field("session", &self.session).field("sets", &self.sets.len()).finish()
    }
}

impl Recorder {
    /// A recorder for a session of the default patient from `source` (`clip` for a recorded
    /// video) under `plan`.
    #[must_use]
    pub fn new(store: Store, source: SourceKind, clip: Option<PathBuf>, plan: Prescription) -> Self {
        let mut new = NewSession::new(source).prescription(Some(&plan));
        new.clip_path = clip;
        Self::for_session(store, new)
    }

    /// A recorder for a session begun as `new` says (a patient, a call with its consent, notes,
    /// key frames allowed or not: see [`crate::session::telehealth::CallSession::recorder`]).
    /// Nothing is written until the first set or pain rating.
    #[must_use]
    pub fn for_session(store: Store, new: NewSession) -> Self {
        Self { store, new, session: None, sets: Vec::new(), pain_before: false, ended: false }
    }

    /// Records whether the picture was declared mirrored (before the session begins).
    #[must_use]
    pub fn with_mirrored(mut self, mirrored: bool) -> Self {
        self.new.mirrored = mirrored;
        self
    }

    /// Sets the therapist's notes: stored at once when the session has begun, else with it.
    ///
    /// # Errors
    /// On a database error.
    pub fn set_notes(&mut self, notes: Option<&str>) -> Result<(), StoreError> {
        self.new = self.new.clone().notes(notes);
        match self.session {
            Some(id) => self.store.set_session_notes(id, notes),
            None => Ok(()),
        }
    }

    /// The session's id, once it has begun.
    #[must_use]
    pub fn session(&self) -> Option<i64> {
        self.session
    }

    /// The store written to.
    #[must_use]
    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    fn session_id(&mut self) -> Result<i64, StoreError> {
        if let Some(s) = self.session {
            return Ok(s);
        }
        let s = self.store.begin(&self.new)?;
        self.session = Some(s);
        Ok(s)
    }

    /// Writes whatever the coach has counted since the last call.
    ///
    /// # Errors
    /// On a database error (the caller shows it; the session goes on).
    pub fn sync(&mut self, coach: &Coach) -> Result<(), StoreError> {
        if coach.sets().is_empty() && coach.pain_before().is_none() {
            return Ok(());
        }
        let session = self.session_id()?;
        if let Some(p) = coach.pain_before()
            && !self.pain_before
        {
            self.store.record_pain(session, PainKind::Before, p, None, &[])?;
            self.pain_before = true;
        }
        let n = coach.sets().len();
        for (i, set) in coach.sets().iter().enumerate() {
            if i >= self.sets.len() {
                let id = self.store.begin_set(session, coach.exercise())?;
                self.sets.push(SetIds { id, ..SetIds::default() });
            }
            let ids = &mut self.sets[i];
            for r in &set.reps[ids.reps.min(set.reps.len())..] {
                self.store.record_rep(ids.id, r)?;
                ids.reps += 1;
            }
            for h in &set.holds[ids.holds.min(set.holds.len())..] {
                self.store.record_hold(ids.id, h)?;
                ids.holds += 1;
            }
            for a in &set.attempts[ids.attempts.min(set.attempts.len())..] {
                self.store.record_attempt(ids.id, a)?;
                ids.attempts += 1;
            }
            let finished = i + 1 < n || matches!(coach.stage(), Stage::Rest | Stage::Done);
            if finished && !ids.ended {
                self.store.end_set(ids.id, 0.0)?;
                ids.ended = true;
            }
            if let Some(p) = set.pain
                && !ids.pain
            {
                self.store.record_pain(session, PainKind::After, p, Some(ids.id), &[])?;
                ids.pain = true;
            }
        }
        if coach.stage() == Stage::Done && !self.ended {
            self.store.end_session(session)?;
            self.ended = true;
        }
        Ok(())
    }

    /// Records a cue spoken during the current set (ignored outside a set).
    ///
    /// # Errors
    /// On a database error.
    pub fn cue(&mut self, cue: &Cue) -> Result<(), StoreError> {
        match self.sets.last() {
            Some(s) if !s.ended => Ok(self.store.record_cue(s.id, cue)?),
            _ => Ok(()),
        }
    }
}
