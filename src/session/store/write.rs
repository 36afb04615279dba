//! Recording a session as it happens: sessions, sets, reps, holds, cues, pain ratings, key frames;
//! and storing a finished analysis as a session.

use rusqlite::{OptionalExtension, params};
use std::path::Path;

use super::{KeyFrame, NewSession, Result, SourceKind, Store, StoreError};
use crate::form::{AttemptRecord, Cue, Exercise, ExerciseReport, HoldRecord, RepRecord};
use crate::pipeline::analyze::Analysis;
use crate::session::pacing::{PainKind, RedFlag};
use crate::session::prescription::Prescription;

impl Store {
    /// Starts a session of the default patient; `prescription` is snapshotted (as TOML) so later
    /// edits do not rewrite history. See [`Store::begin`] for a patient, a call, notes.
    ///
    /// # Errors
    /// On a database error.
    pub fn begin_session(
        &self,
        source: SourceKind,
        clip_path: Option<&Path>,
        prescription: Option<&Prescription>,
    ) -> Result<i64> {
        let mut new = NewSession::new(source).prescription(prescription);
        new.clip_path = clip_path.map(Path::to_path_buf);
        self.begin(&new)
    }

    /// Starts a session as `new` says: under its patient (the default one when None), with its
    /// plan snapshotted, its notes, whether the picture was mirrored and whether key frames are
    /// allowed, and for a call its capture and the patient's consent.
    ///
    /// # Errors
    /// [`StoreError::NoConsent`] for a call without consent; when the patient does not exist, or
    /// on a database error.
    pub fn begin(&self, new: &NewSession) -> Result<i64> {
        if new.source == SourceKind::Call && new.consent.is_none() {
            return Err(StoreError::NoConsent { path: self.path.clone() });
        }
        let patient = new.patient_id.unwrap_or(super::DEFAULT_PATIENT_ID);
        let c = new.consent.as_ref();
        self.db(
            self.conn.execute(
                "INSERT INTO sessions (started_at, patient_id, source_kind, clip_path, prescription_toml, capture,
                                       mirrored, keep_key_frames, notes,
                                       consent_statement, consent_by, consent_at, consent_source)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                params![
                    self.now(),
                    patient,
                    new.source.name(),
                    new.clip_path.as_ref().map(|p| p.display().to_string()),
                    new.prescription.as_ref().map(Prescription::to_toml),
                    new.capture,
                    new.mirrored,
                    new.keep_key_frames,
                    new.notes,
                    c.map(|c| &c.statement),
                    c.map(|c| &c.confirmed_by),
                    c.map(|c| c.confirmed_at),
                    c.map(|c| &c.source),
                ],
            ),
            &format!("starting a session of patient {patient}"),
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Sets (or with None or empty text, clears) the therapist's notes of a session.
    ///
    /// # Errors
    /// When the session does not exist, or on a database error.
    pub fn set_session_notes(&self, session_id: i64, notes: Option<&str>) -> Result<()> {
        let notes = notes.filter(|n| !n.trim().is_empty());
        let n = self.db(
            self.conn.execute("UPDATE sessions SET notes = ?1 WHERE id = ?2", params![notes, session_id]),
            &format!("storing the notes of session {session_id}"),
        )?;
        if n == 0 {
            return Err(StoreError::NoSession { path: self.path.clone(), id: session_id });
        }
        Ok(())
    }

    /// Starts the next set of `exercise` in the session; its targets come from the session's
    /// prescription.
    ///
    /// # Errors
    /// When the session does not exist, or on a database error.
    pub fn begin_set(&self, session_id: i64, exercise: Exercise) -> Result<i64> {
        let what = format!("starting a set of session {session_id}");
        self.in_tx(&what, || {
            let tx = &self.conn;
            let snapshot: Option<Option<String>> = self.db(
                tx.query_row("SELECT prescription_toml FROM sessions WHERE id = ?1", [session_id], |r| r.get(0))
                    .optional(),
                &what,
            )?;
            let Some(snapshot) = snapshot else {
                return Err(StoreError::NoSession { path: self.path.clone(), id: session_id });
            };
            let plan = snapshot.and_then(|t| Prescription::from_toml(&t).ok());
            let ex = plan.as_ref().and_then(|p| p.plan_for(exercise));
            let number: i64 = self.db(
                tx.query_row(
                    "SELECT COALESCE(MAX(set_number), 0) + 1 FROM sets WHERE session_id = ?1",
                    [session_id],
                    |r| r.get(0),
                ),
                &what,
            )?;
            self.db(
            tx.execute(
                "INSERT INTO sets (session_id, set_number, exercise, target_reps, target_hold_s, variant, started_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    session_id,
                    number,
                    exercise.name(),
                    ex.and_then(|e| e.reps),
                    ex.and_then(|e| e.hold_s),
                    ex.and_then(|e| e.variant).map(|v| v.name()),
                    self.now()
                ],
            ),
            &what,
        )?;
            Ok(tx.last_insert_rowid())
        })
    }

    /// Records a completed rep and its faults, in one transaction: when this returns, the rep is
    /// on disk.
    ///
    /// # Errors
    /// When the set does not exist, the rep number is already recorded, or on a database error.
    pub fn record_rep(&self, set_id: i64, rep: &RepRecord) -> Result<i64> {
        let what = format!("recording rep {} of set {set_id}", rep.index);
        self.in_tx(&what, || {
            let tx = &self.conn;
            self.db(
                tx.execute(
                    "INSERT INTO reps (set_id, rep_index, side, start_s, end_s, faults, measurements, recorded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![
                        set_id,
                        rep.index,
                        rep.side.map(|s| s.name()),
                        rep.start_s,
                        rep.end_s,
                        self.to_json(&rep.faults)?,
                        self.to_json(rep)?,
                        self.now()
                    ],
                ),
                &what,
            )?;
            let rep_id = tx.last_insert_rowid();
            let t = rep.hinge.as_ref().map_or(rep.start_s, |h| h.bottom_s);
            for f in &rep.faults {
                self.db(
                    tx.execute(
                        "INSERT INTO faults (set_id, rep_id, fault, t_s, duration_s) VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![set_id, rep_id, f.id(), t, rep.fault_durations.get(f)],
                    ),
                    &what,
                )?;
            }
            Ok(rep_id)
        })
    }

    /// Records an attempt (a movement that was not a rep), in one transaction.
    ///
    /// # Errors
    /// When the set does not exist, the attempt number is already recorded, or on a database error.
    pub fn record_attempt(&self, set_id: i64, attempt: &AttemptRecord) -> Result<i64> {
        let what = format!("recording attempt {} of set {set_id}", attempt.index);
        self.db(
            self.conn.execute(
                "INSERT INTO attempts (set_id, attempt_index, side, start_s, end_s, reason, measurements, recorded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    set_id,
                    attempt.index,
                    attempt.side.map(|s| s.name()),
                    attempt.start_s,
                    attempt.end_s,
                    attempt.reason.id(),
                    self.to_json(attempt)?,
                    self.now()
                ],
            ),
            &what,
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Records a completed hold and its faults, in one transaction.
    ///
    /// # Errors
    /// As [`Store::record_rep`].
    pub fn record_hold(&self, set_id: i64, hold: &HoldRecord) -> Result<i64> {
        let what = format!("recording hold {} of set {set_id}", hold.index);
        self.in_tx(&what, || {
        let tx = &self.conn;
        self.db(
            tx.execute(
                "INSERT INTO holds (set_id, hold_index, side, variant, start_s, end_s, seconds_in_form, faults, measurements, recorded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    set_id,
                    hold.index,
                    hold.side.map(|s| s.name()),
                    hold.variant,
                    hold.start_s,
                    hold.end_s,
                    hold.seconds_in_form,
                    self.to_json(&hold.faults)?,
                    self.to_json(hold)?,
                    self.now()
                ],
            ),
            &what,
        )?;
        let hold_id = tx.last_insert_rowid();
        for f in &hold.faults {
            self.db(
                tx.execute(
                    "INSERT INTO faults (set_id, hold_id, fault, t_s, duration_s) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![set_id, hold_id, f.id(), hold.start_s, hold.fault_durations.get(f)],
                ),
                &what,
            )?;
        }
        Ok(hold_id)
        })
    }

    /// Records a cue that was spoken.
    ///
    /// # Errors
    /// On a database error.
    pub fn record_cue(&self, set_id: i64, cue: &Cue) -> Result<()> {
        self.db(
            self.conn.execute(
                "INSERT INTO cues (set_id, t_s, cue_id, text, priority) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![set_id, cue.t, cue.id, cue.text, self.enum_name(&cue.priority)?],
            ),
            &format!("recording a cue of set {set_id}"),
        )?;
        Ok(())
    }

    /// Ends a set.
    ///
    /// # Errors
    /// When the set does not exist, or on a database error.
    pub fn end_set(&self, set_id: i64, not_in_view_s: f64) -> Result<()> {
        let n = self.db(
            self.conn.execute(
                "UPDATE sets SET ended_at = ?1, not_in_view_s = ?2 WHERE id = ?3",
                params![self.now(), not_in_view_s, set_id],
            ),
            &format!("ending set {set_id}"),
        )?;
        if n == 0 {
            return Err(StoreError::NoSet { path: self.path.clone(), id: set_id });
        }
        Ok(())
    }

    /// Ends a session.
    ///
    /// # Errors
    /// When the session does not exist, or on a database error.
    pub fn end_session(&self, session_id: i64) -> Result<()> {
        let n = self.db(
            self.conn.execute("UPDATE sessions SET ended_at = ?1 WHERE id = ?2", params![self.now(), session_id]),
            &format!("ending session {session_id}"),
        )?;
        if n == 0 {
            return Err(StoreError::NoSession { path: self.path.clone(), id: session_id });
        }
        Ok(())
    }

    /// Records a pain rating (0..=10) about a session: before it, after a set (`set_id`) or the
    /// session, or the next-day check-in (recorded against the session it refers to).
    ///
    /// # Errors
    /// When the score is above 10, the session does not exist, or on a database error.
    pub fn record_pain(
        &self,
        session_id: i64,
        kind: PainKind,
        score: u8,
        set_id: Option<i64>,
        red_flags: &[RedFlag],
    ) -> Result<i64> {
        if score > 10 {
            return Err(StoreError::PainScore { path: self.path.clone(), score });
        }
        self.db(
            self.conn.execute(
                "INSERT INTO pain (session_id, set_id, kind, score, red_flags, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![session_id, set_id, kind.name(), score, self.to_json(&red_flags)?, self.now()],
            ),
            &format!("recording pain for session {session_id}"),
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Stores a key frame of a session's rep (replacing one of the same rep). Only a session that
    /// allowed key frames ([`NewSession::keep_key_frames`]) takes one.
    ///
    /// # Errors
    /// [`StoreError::KeyFramesNotAllowed`]; when the session does not exist, or on a database error.
    pub fn save_key_frame(&self, session_id: i64, k: &KeyFrame) -> Result<i64> {
        let what = format!("storing the key frame of session {session_id}");
        self.in_tx(&what, || {
            let allowed: Option<bool> = self.db(
                self.conn
                    .query_row("SELECT keep_key_frames FROM sessions WHERE id = ?1", [session_id], |r| r.get(0))
                    .optional(),
                &what,
            )?;
            match allowed {
                None => return Err(StoreError::NoSession { path: self.path.clone(), id: session_id }),
                Some(false) => return Err(StoreError::KeyFramesNotAllowed { path: self.path.clone(), id: session_id }),
                Some(true) => {}
            }
            self.db(
                self.conn.execute(
                    "INSERT OR REPLACE INTO key_frames (session_id, rep_index, t_s, jpeg, caption) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![session_id, k.rep_index, k.t_s, k.jpeg, k.caption],
                ),
                &what,
            )?;
            Ok(self.conn.last_insert_rowid())
        })
    }

    /// Stores an exercise report (e.g. of a recorded clip) as a finished session with one set of the
    /// default patient. See [`Store::save_report_as`].
    ///
    /// # Errors
    /// As [`Store::save_report_as`].
    pub fn save_report(
        &self,
        report: &ExerciseReport,
        clip: &Path,
        prescription: Option<&Prescription>,
    ) -> Result<i64> {
        self.save_report_as(report, &NewSession::new(SourceKind::Clip).clip(clip).prescription(prescription))
    }

    /// Stores an exercise report as a finished session with one set, begun as `new` says (its
    /// patient, source, plan, notes, consent), in one transaction: the session is stored whole or
    /// not at all (a kill or a full disk midway leaves the store as it was). The set's targets come
    /// from the plan.
    ///
    /// # Errors
    /// When the report names no known exercise, as [`Store::begin`], or on a database error.
    pub fn save_report_as(&self, report: &ExerciseReport, new: &NewSession) -> Result<i64> {
        let exercise: Exercise =
            report.name.parse().map_err(|e| StoreError::record(&self.path, "the report's exercise", e))?;
        self.in_tx("saving the session", || {
            let session = self.begin(new)?;
            let set = self.begin_set(session, exercise)?;
            for rep in &report.reps {
                self.record_rep(set, rep)?;
            }
            for hold in &report.holds {
                self.record_hold(set, hold)?;
            }
            for attempt in &report.attempts {
                self.record_attempt(set, attempt)?;
            }
            for cue in &report.cues {
                self.record_cue(set, cue)?;
            }
            self.end_set(set, report.not_in_view_s)?;
            self.end_session(session)?;
            Ok(session)
        })
    }

    /// Stores the exercise verdict of an analysis as a finished session whose source is `clip`
    /// (default patient).
    ///
    /// # Errors
    /// When the analysis checked no exercise, or as [`Store::save_report`].
    pub fn save_analysis(&self, analysis: &Analysis, clip: &Path, prescription: Option<&Prescription>) -> Result<i64> {
        self.save_analysis_as(analysis, &NewSession::new(SourceKind::Clip).clip(clip).prescription(prescription))
    }

    /// Stores the exercise verdict of an analysis as a finished session begun as `new` says.
    ///
    /// # Errors
    /// When the analysis checked no exercise, or as [`Store::save_report_as`].
    pub fn save_analysis_as(&self, analysis: &Analysis, new: &NewSession) -> Result<i64> {
        let result = analysis.exercise.as_ref().ok_or_else(|| StoreError::NothingToSave { path: self.path.clone() })?;
        self.save_report_as(&result.report, new)
    }
}
