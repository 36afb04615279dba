//! Reading sessions back: lists, whole sessions, pain history, pending check-ins, key frames.

use rusqlite::{OptionalExtension, params};

use super::{
    CHECKIN_AFTER_S, CHECKIN_WITHIN_S, Consent, KeyFrame, Result, SessionRecord, SessionSummary, SetRecord, SourceKind,
};
use super::{Store, StoreError};
use crate::form::{Cue, CuePriority, Exercise};
use crate::session::pacing::{PainKind, PainRating, SessionPain};
use crate::session::prescription::Prescription;

impl Store {
    /// Sessions awaiting their next-day check-in at `now`: ended between [`CHECKIN_AFTER_S`] and
    /// [`CHECKIN_WITHIN_S`] ago, with at least one set, and no next-day rating yet; newest first.
    /// Only the home flow's sessions (the default patient's): the person at this computer is asked
    /// about their own back, never about a therapist's patient.
    ///
    /// # Errors
    /// On a database error.
    pub fn pending_checkins(&self, now: i64) -> Result<Vec<SessionSummary>> {
        let what = "listing the sessions awaiting a check-in";
        let ids: Vec<i64> = self.db(
            self.conn
                .prepare(
                    "SELECT s.id FROM sessions s
                     WHERE s.ended_at IS NOT NULL AND s.ended_at <= ?1 AND s.ended_at >= ?2
                       AND s.patient_id = ?3
                       AND EXISTS (SELECT 1 FROM sets WHERE session_id = s.id)
                       AND NOT EXISTS (SELECT 1 FROM pain WHERE session_id = s.id AND kind = 'next_day')
                     ORDER BY s.ended_at DESC, s.id DESC",
                )
                .and_then(|mut st| {
                    st.query_map(
                        params![now - CHECKIN_AFTER_S, now - CHECKIN_WITHIN_S, super::DEFAULT_PATIENT_ID],
                        |r| r.get(0),
                    )?
                    .collect()
                }),
            what,
        )?;
        ids.into_iter().map(|id| self.summary(id)).collect()
    }

    /// The most recent session awaiting its next-day check-in now, if any.
    ///
    /// # Errors
    /// On a database error.
    pub fn pending_checkin(&self) -> Result<Option<SessionSummary>> {
        Ok(self.pending_checkins(self.now())?.into_iter().next())
    }

    /// Every session of every patient, newest first.
    ///
    /// # Errors
    /// On a database error.
    pub fn list_sessions(&self) -> Result<Vec<SessionSummary>> {
        let ids: Vec<i64> = self.db(
            self.conn
                .prepare("SELECT id FROM sessions ORDER BY started_at DESC, id DESC")
                .and_then(|mut st| st.query_map([], |r| r.get(0))?.collect()),
            "listing the sessions",
        )?;
        ids.into_iter().map(|id| self.summary(id)).collect()
    }

    /// The sessions of one patient, newest first.
    ///
    /// # Errors
    /// On a database error.
    pub fn list_sessions_of(&self, patient_id: i64) -> Result<Vec<SessionSummary>> {
        let ids: Vec<i64> = self.db(
            self.conn
                .prepare("SELECT id FROM sessions WHERE patient_id = ?1 ORDER BY started_at DESC, id DESC")
                .and_then(|mut st| st.query_map([patient_id], |r| r.get(0))?.collect()),
            &format!("listing the sessions of patient {patient_id}"),
        )?;
        ids.into_iter().map(|id| self.summary(id)).collect()
    }

    /// The newest session's id (of any patient).
    ///
    /// # Errors
    /// On a database error.
    pub fn last_session_id(&self) -> Result<Option<i64>> {
        self.db(
            self.conn
                .query_row("SELECT id FROM sessions ORDER BY started_at DESC, id DESC LIMIT 1", [], |r| r.get(0))
                .optional(),
            "finding the last session",
        )
    }

    /// The newest session of one patient.
    ///
    /// # Errors
    /// On a database error.
    pub fn last_session_id_of(&self, patient_id: i64) -> Result<Option<i64>> {
        self.db(
            self.conn
                .query_row(
                    "SELECT id FROM sessions WHERE patient_id = ?1 ORDER BY started_at DESC, id DESC LIMIT 1",
                    [patient_id],
                    |r| r.get(0),
                )
                .optional(),
            &format!("finding the last session of patient {patient_id}"),
        )
    }

    fn summary(&self, id: i64) -> Result<SessionSummary> {
        let what = format!("reading session {id}");
        let row = self.db(
            self.conn
                .query_row(
                    "SELECT started_at, ended_at, source_kind, clip_path,
                            (SELECT COUNT(*) FROM sets WHERE session_id = s.id),
                            (SELECT COUNT(*) FROM reps r JOIN sets t ON r.set_id = t.id WHERE t.session_id = s.id),
                            (SELECT COUNT(*) FROM holds h JOIN sets t ON h.set_id = t.id WHERE t.session_id = s.id),
                            s.patient_id, p.name, s.capture
                     FROM sessions s JOIN patients p ON p.id = s.patient_id WHERE s.id = ?1",
                    [id],
                    |r| {
                        Ok((
                            r.get::<_, i64>(0)?,
                            r.get::<_, Option<i64>>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, Option<String>>(3)?,
                            r.get::<_, u32>(4)?,
                            r.get::<_, u32>(5)?,
                            r.get::<_, u32>(6)?,
                            (r.get::<_, i64>(7)?, r.get::<_, String>(8)?, r.get::<_, Option<String>>(9)?),
                        ))
                    },
                )
                .optional(),
            &what,
        )?;
        let Some((started_at, ended_at, kind, clip_path, sets, reps, holds, (patient_id, patient, capture))) = row
        else {
            return Err(StoreError::NoSession { path: self.path.clone(), id });
        };
        let names: Vec<String> = self.db(
            self.conn
                .prepare("SELECT exercise FROM sets WHERE session_id = ?1 ORDER BY set_number")
                .and_then(|mut st| st.query_map([id], |r| r.get(0))?.collect()),
            &what,
        )?;
        let mut exercises = Vec::new();
        for name in names {
            let e = self.exercise(&name, id)?;
            if !exercises.contains(&e) {
                exercises.push(e);
            }
        }
        let source_kind = SourceKind::parse(&kind).ok_or_else(|| {
            StoreError::record(&self.path, format!("session {id}"), format!("unknown source kind {kind:?}"))
        })?;
        Ok(SessionSummary {
            id,
            started_at,
            ended_at,
            source_kind,
            clip_path,
            patient_id,
            patient,
            capture,
            exercises,
            sets,
            reps,
            holds,
        })
    }

    fn exercise(&self, name: &str, session: i64) -> Result<Exercise> {
        name.parse().map_err(|e| StoreError::record(&self.path, format!("an exercise of session {session}"), e))
    }

    /// A session with its sets, reps, holds, cues, pain ratings and prescription snapshot.
    ///
    /// # Errors
    /// When there is no such session, or a stored record does not read back.
    pub fn load_session(&self, id: i64) -> Result<SessionRecord> {
        let summary = self.summary(id)?;
        let what = format!("reading session {id}");
        type Details = (Option<String>, Option<bool>, bool, Option<String>, Option<Consent>);
        let (snapshot, mirrored, keep_key_frames, notes, consent): Details = self.db(
            self.conn.query_row(
                "SELECT prescription_toml, mirrored, keep_key_frames, notes,
                        consent_statement, consent_by, consent_at, consent_source
                 FROM sessions WHERE id = ?1",
                [id],
                |r| {
                    let consent = match (r.get::<_, Option<String>>(4)?, r.get::<_, Option<i64>>(6)?) {
                        (Some(statement), Some(confirmed_at)) => Some(Consent {
                            statement,
                            confirmed_by: r.get::<_, Option<String>>(5)?.unwrap_or_default(),
                            confirmed_at,
                            source: r.get::<_, Option<String>>(7)?.unwrap_or_default(),
                        }),
                        _ => None,
                    };
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, consent))
                },
            ),
            &what,
        )?;
        let prescription = snapshot
            .map(|t| {
                Prescription::from_toml(&t)
                    .map_err(|e| StoreError::record(&self.path, format!("session {id}'s prescription"), e))
            })
            .transpose()?;
        type SetRow = (i64, u32, String, Option<u32>, Option<f64>, Option<String>, i64, Option<i64>, Option<f64>);
        let rows: Vec<SetRow> = self.db(
            self.conn
                .prepare(
                    "SELECT id, set_number, exercise, target_reps, target_hold_s, variant, started_at, ended_at, not_in_view_s
                     FROM sets WHERE session_id = ?1 ORDER BY set_number",
                )
                .and_then(|mut st| {
                    st.query_map([id], |r| {
                        Ok((
                            r.get(0)?,
                            r.get(1)?,
                            r.get(2)?,
                            r.get(3)?,
                            r.get(4)?,
                            r.get(5)?,
                            r.get(6)?,
                            r.get(7)?,
                            r.get(8)?,
                        ))
                    })?
                    .collect()
                }),
            &what,
        )?;
        let mut set_records = Vec::new();
        for (sid, set_number, ex, target_reps, target_hold_s, variant, started_at, ended_at, not_in_view_s) in rows {
            let mut set = SetRecord {
                id: sid,
                set_number,
                exercise: self.exercise(&ex, id)?,
                target_reps,
                target_hold_s,
                variant,
                started_at,
                ended_at,
                not_in_view_s,
                reps: vec![],
                holds: vec![],
                attempts: vec![],
                cues: vec![],
            };
            self.fill_set(&mut set)?;
            set_records.push(set);
        }
        let pain = self.pain_of(id)?;
        let key_frames = self.key_frames(id)?;
        Ok(SessionRecord {
            summary,
            prescription,
            set_records,
            pain,
            key_frames,
            keep_key_frames,
            mirrored,
            notes,
            consent,
        })
    }

    /// Reads a set's reps, holds and cues.
    fn fill_set(&self, set: &mut SetRecord) -> Result<()> {
        let what = format!("reading set {}", set.id);
        let strings = |sql: &str| -> Result<Vec<String>> {
            self.db(self.conn.prepare(sql).and_then(|mut st| st.query_map([set.id], |r| r.get(0))?.collect()), &what)
        };
        for m in strings("SELECT measurements FROM reps WHERE set_id = ?1 ORDER BY rep_index")? {
            set.reps.push(serde_json::from_str(&m).map_err(|e| {
                StoreError::record(&self.path, format!("a rep of set {} does not read back", set.id), e)
            })?);
        }
        for m in strings("SELECT measurements FROM attempts WHERE set_id = ?1 ORDER BY attempt_index")? {
            set.attempts.push(serde_json::from_str(&m).map_err(|e| {
                StoreError::record(&self.path, format!("an attempt of set {} does not read back", set.id), e)
            })?);
        }
        for m in strings("SELECT measurements FROM holds WHERE set_id = ?1 ORDER BY hold_index")? {
            set.holds.push(serde_json::from_str(&m).map_err(|e| {
                StoreError::record(&self.path, format!("a hold of set {} does not read back", set.id), e)
            })?);
        }
        let cues: Vec<(f64, String, String, String)> = self.db(
            self.conn.prepare("SELECT t_s, cue_id, text, priority FROM cues WHERE set_id = ?1 ORDER BY id").and_then(
                |mut st| st.query_map([set.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?.collect(),
            ),
            &what,
        )?;
        for (t, cue_id, text, priority) in cues {
            let priority: CuePriority = self.parse_name(&priority, &format!("a cue priority of set {}", set.id))?;
            set.cues.push(Cue { t, id: cue_id, text, priority });
        }
        Ok(())
    }

    fn pain_of(&self, session_id: i64) -> Result<Vec<PainRating>> {
        let what = format!("reading the pain ratings of session {session_id}");
        let rows: Vec<(String, u8, Option<i64>, i64, String)> = self.db(
            self.conn
                .prepare(
                    "SELECT kind, score, set_id, recorded_at, red_flags FROM pain WHERE session_id = ?1 ORDER BY recorded_at, id",
                )
                .and_then(|mut st| {
                    st.query_map([session_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
                        .collect()
                }),
            &what,
        )?;
        rows.into_iter()
            .map(|(kind, score, set_id, recorded_at, flags)| {
                Ok(PainRating {
                    kind: PainKind::parse(&kind)
                        .ok_or_else(|| StoreError::record(&self.path, &what, format!("unknown pain kind {kind:?}")))?,
                    score,
                    set_id,
                    recorded_at,
                    red_flags: serde_json::from_str(&flags).map_err(|e| StoreError::record(&self.path, &what, e))?,
                })
            })
            .collect()
    }

    /// The home flow's pain history: the default patient's sessions' pain ratings and
    /// prescriptions, oldest first (a therapist's patients are never mixed into it). For a named
    /// patient use [`Store::pain_history_of`].
    ///
    /// # Errors
    /// On a database error.
    pub fn pain_history(&self) -> Result<Vec<SessionPain>> {
        self.pain_history_of(super::DEFAULT_PATIENT_ID)
    }

    /// One patient's sessions' pain ratings and prescriptions, oldest first: the input of
    /// [`crate::session::pacing::suggest`] and the report's pain trend.
    ///
    /// # Errors
    /// On a database error.
    pub fn pain_history_of(&self, patient_id: i64) -> Result<Vec<SessionPain>> {
        let rows: Vec<(i64, i64, Option<String>)> = self.db(
            self.conn
                .prepare("SELECT id, started_at, prescription_toml FROM sessions WHERE patient_id = ?1 ORDER BY started_at, id")
                .and_then(|mut st| {
                    st.query_map([patient_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect()
                }),
            "reading the pain history",
        )?;
        rows.into_iter()
            .map(|(id, started_at, toml)| {
                Ok(SessionPain {
                    session_id: id,
                    started_at,
                    prescription: toml.and_then(|t| Prescription::from_toml(&t).ok()),
                    ratings: self.pain_of(id)?,
                })
            })
            .collect()
    }

    /// A session's key frames, by rep.
    ///
    /// # Errors
    /// On a database error.
    pub fn key_frames(&self, session_id: i64) -> Result<Vec<KeyFrame>> {
        self.db(
            self.conn
                .prepare(
                    "SELECT rep_index, t_s, jpeg, caption FROM key_frames WHERE session_id = ?1 ORDER BY rep_index, id",
                )
                .and_then(|mut st| {
                    st.query_map([session_id], |r| {
                        Ok(KeyFrame { rep_index: r.get(0)?, t_s: r.get(1)?, jpeg: r.get(2)?, caption: r.get(3)? })
                    })?
                    .collect()
                }),
            &format!("reading the key frames of session {session_id}"),
        )
    }
}
