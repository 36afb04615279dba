//! Saving the call's session under the patient: the consent, the capture, the notes, the key
//! frame opt-in, one set per part, and (only when ticked) a key frame of each part's worst rep.
//!
//! Save can be pressed again as the call goes on: what was counted since is added to the same
//! stored session, and the notes are brought up to date.

use std::path::{Path, PathBuf};

use super::recent::Recent;
use super::record::{CONSENT_STATEMENT, CallRecord};
use crate::session::keyframe::{key_time, worst_rep};
use crate::session::store::{KeyFrame, Store, StoreError};
use crate::session::telehealth::{CallSession, Consent, local_user};

/// What of each part is stored already.
#[derive(Debug, Clone, Copy, Default)]
struct Stored {
    set: i64,
    reps: usize,
    holds: usize,
    attempts: usize,
    cues: usize,
    key_frame: bool,
}

/// Keeps the store in step with the call's record, each time the therapist saves.
#[derive(Debug, Default)]
pub(crate) struct Saver {
    session: Option<(PathBuf, i64)>,
    /// Whether the stored session allows key frames (fixed when it is first saved).
    pictures_allowed: bool,
    parts: Vec<Stored>,
}

/// Why the call was not saved, in words.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SaveError {
    #[error("Not saved: the patient's consent was not confirmed.")]
    NoConsent,
    #[error("Not saved: type the patient's name first.")]
    NoPatient,
    #[error("Nothing to save yet: no rep, hold or attempt has been counted.")]
    Empty,
    #[error("Not saved: {0}")]
    Consent(#[from] crate::session::telehealth::ConsentError),
    #[error("Not saved: {0}")]
    Store(#[from] StoreError),
    #[error("Not saved: no data folder ({0}).")]
    NoDataDir(String),
}

impl Saver {
    /// The stored session, once saved.
    pub(crate) fn session(&self) -> Option<i64> {
        self.session.as_ref().map(|s| s.1)
    }

    /// Writes what is new in `record` to the store in `data_dir` (None: the usual data folder).
    ///
    /// # Errors
    /// [`SaveError`]: no consent, no patient, nothing counted, or the store's error.
    pub(crate) fn save(
        &mut self,
        data_dir: Option<&Path>,
        record: &CallRecord,
        recent: &Recent,
    ) -> Result<String, SaveError> {
        let at = record.consent_at.ok_or(SaveError::NoConsent)?;
        if record.patient.trim().is_empty() {
            return Err(SaveError::NoPatient);
        }
        if record.is_empty() && self.session.is_none() {
            return Err(SaveError::Empty);
        }
        let path = match (&self.session, data_dir) {
            (Some((p, _)), _) => p.clone(),
            (None, Some(d)) => d.join("formcheck.db"),
            (None, None) => {
                crate::paths::data_dir().map_err(|e| SaveError::NoDataDir(e.to_string()))?.join("formcheck.db")
            }
        };
        let store = Store::open(&path)?;
        // One transaction: a save that fails midway (a full disk, the program killed) leaves the
        // store as it was, and this saver's idea of what is stored unchanged, so pressing Save
        // again writes it all, once.
        let (stored, pictures_allowed, parts) =
            store.transaction("saving the call", || self.write(&store, at, record, recent))?;
        self.session = Some((path.clone(), stored));
        self.pictures_allowed = pictures_allowed;
        self.parts = parts;
        let session = stored;
        let mut said = format!("Saved as session {session} of {} in {}", record.patient.trim(), path.display());
        if record.keep_key_frames && !self.pictures_allowed {
            said.push_str(" (no key frames: they were off when this session was first saved)");
        }
        Ok(said)
    }

    /// The writes of one save, on copies of what is stored: (the session, whether it allows key
    /// frames, what of each part is stored), for [`Saver::save`] to keep once they are committed.
    fn write(
        &self,
        store: &Store,
        at: i64,
        record: &CallRecord,
        recent: &Recent,
    ) -> Result<(i64, bool, Vec<Stored>), SaveError> {
        let notes = Some(record.notes.trim()).filter(|n| !n.is_empty());
        let mut pictures_allowed = self.pictures_allowed;
        let mut parts = self.parts.clone();
        let session = match &self.session {
            Some((_, id)) => {
                store.set_session_notes(*id, notes)?;
                *id
            }
            None => {
                let consent = Consent::confirm(CONSENT_STATEMENT, &local_user(), &record.source, at)?;
                let mut call = CallSession::for_patient(store, record.patient.trim(), consent)?;
                call.keep_key_frames = record.keep_key_frames;
                call.notes = notes.map(str::to_string);
                // The plan that judged the call (the patient's own, else the usual one) is
                // snapshotted with the session, like a home session's.
                let plan = store.plan_for_patient(call.patient.id)?;
                pictures_allowed = record.keep_key_frames;
                store.begin(&call.new_session(Some(&plan)))?
            }
        };
        for (i, part) in record.parts.iter().enumerate() {
            if i >= parts.len() {
                let set = store.begin_set(session, part.exercise)?;
                parts.push(Stored { set, ..Stored::default() });
            }
            let s = &mut parts[i];
            for r in &part.reps[s.reps.min(part.reps.len())..] {
                store.record_rep(s.set, r)?;
                s.reps += 1;
            }
            for h in &part.holds[s.holds.min(part.holds.len())..] {
                store.record_hold(s.set, h)?;
                s.holds += 1;
            }
            for a in &part.attempts[s.attempts.min(part.attempts.len())..] {
                store.record_attempt(s.set, a)?;
                s.attempts += 1;
            }
            for c in &part.cues[s.cues.min(part.cues.len())..] {
                store.record_cue(s.set, c)?;
                s.cues += 1;
            }
            store.end_set(s.set, 0.0)?;
            // A picture only when the therapist ticked it: the worst rep of the part, when its
            // picture is still kept in memory.
            if record.keep_key_frames
                && pictures_allowed
                && !s.key_frame
                && let Some(rep) = worst_rep(&part.reps)
            {
                let t = part.call_time(key_time(rep));
                if let Some(p) = recent.picture_at(t)
                    && let Some(jpeg) = jpeg(p)
                {
                    let caption = format!("{}, rep {} at {:.1} s of the call", part.exercise.label(), rep.index, t);
                    store.save_key_frame(session, &KeyFrame { rep_index: rep.index, t_s: t, jpeg, caption })?;
                    s.key_frame = true;
                }
            }
        }
        store.end_session(session)?;
        Ok((session, pictures_allowed, parts))
    }
}

fn jpeg(p: &super::recent::Picture) -> Option<Vec<u8>> {
    let img = image::RgbImage::from_raw(p.width, p.height, p.rgb.clone())?;
    let mut out = Vec::new();
    let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80);
    img.write_with_encoder(enc).ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::therapist::record::Part;
    use crate::form::{Cue, CuePriority, Exercise, RepRecord};

    fn rep(index: u32) -> RepRecord {
        RepRecord {
            index,
            side: None,
            start_s: f64::from(index) * 4.0,
            end_s: f64::from(index) * 4.0 + 3.0,
            faults: Vec::new(),
            fault_durations: Default::default(),
            hinge: None,
            bird_dog: None,
            rom: vec![],
        }
    }

    fn call() -> CallRecord {
        let mut part = Part::new(Exercise::Hinge, 0.0);
        part.reps = (1..=3).map(rep).collect();
        part.cues =
            vec![Cue { t: 3.0, id: "rep.good".into(), text: "Good".into(), priority: CuePriority::Encouragement }];
        CallRecord {
            patient: "Ada".into(),
            consent_at: Some(1_700_000_000),
            source: "window:Zoom Meeting".into(),
            notes: "first call".into(),
            keep_key_frames: false,
            parts: vec![part],
        }
    }

    fn count(db: &Path, sql: &str) -> i64 {
        rusqlite::Connection::open(db).unwrap().query_row(sql, [], |r| r.get(0)).unwrap()
    }

    /// A save that fails midway (here: writing the cues, after the session, its set and its reps)
    /// leaves nothing of the call in the store, not even its patient, and the saver as it was:
    /// the next save stores the whole call once.
    #[test]
    fn a_save_that_fails_midway_stores_nothing_and_the_next_stores_it_all_once() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("formcheck.db");
        drop(Store::open(&db).unwrap());
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(
            "CREATE TRIGGER fail_cues BEFORE INSERT ON cues BEGIN SELECT RAISE(ABORT, 'disk full'); END;",
        )
        .unwrap();
        let (record, recent) = (call(), Recent::default());
        let mut saver = Saver::default();
        let err = saver.save(Some(dir.path()), &record, &recent).unwrap_err();
        assert!(matches!(err, SaveError::Store(_)), "{err}");
        for table in ["sessions", "sets", "reps", "cues"] {
            assert_eq!(count(&db, &format!("SELECT count(*) FROM {table}")), 0, "{table} after a failed save");
        }
        assert_eq!(
            count(&db, "SELECT count(*) FROM patients WHERE name = 'Ada'"),
            0,
            "a patient made by a failed save"
        );
        assert_eq!(saver.session(), None);

        conn.execute_batch("DROP TRIGGER fail_cues").unwrap();
        let said = saver.save(Some(dir.path()), &record, &recent).unwrap();
        let session = saver.session().expect("saved");
        assert!(said.contains(&format!("session {session}")), "{said}");
        assert_eq!(count(&db, "SELECT count(*) FROM sessions"), 1);
        assert_eq!(count(&db, "SELECT count(*) FROM sets"), 1);
        assert_eq!(count(&db, "SELECT count(*) FROM reps"), 3);
        assert_eq!(count(&db, "SELECT count(*) FROM cues"), 1);
        assert_eq!(
            count(&db, "SELECT count(*) FROM sessions WHERE ended_at IS NOT NULL AND consent_at IS NOT NULL"),
            1
        );
    }
}
