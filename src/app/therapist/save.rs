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
        let notes = Some(record.notes.trim()).filter(|n| !n.is_empty());
        let session = match &self.session {
            Some((_, id)) => {
                store.set_session_notes(*id, notes)?;
                *id
            }
            None => {
                let consent = Consent::confirm(CONSENT_STATEMENT, &local_user(), &record.source, at)?;
                let mut call = CallSession::for_patient(&store, record.patient.trim(), consent)?;
                call.keep_key_frames = record.keep_key_frames;
                call.notes = notes.map(str::to_string);
                // The plan that judged the call (the patient's own, else the usual one) is
                // snapshotted with the session, like a home session's.
                let plan = store.plan_for_patient(call.patient.id)?;
                let id = store.begin(&call.new_session(Some(&plan)))?;
                self.session = Some((path.clone(), id));
                self.pictures_allowed = record.keep_key_frames;
                id
            }
        };
        for (i, part) in record.parts.iter().enumerate() {
            if i >= self.parts.len() {
                let set = store.begin_set(session, part.exercise)?;
                self.parts.push(Stored { set, ..Stored::default() });
            }
            let s = &mut self.parts[i];
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
                && self.pictures_allowed
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
        let mut said = format!("Saved as session {session} of {} in {}", record.patient.trim(), path.display());
        if record.keep_key_frames && !self.pictures_allowed {
            said.push_str(" (no key frames: they were off when this session was first saved)");
        }
        Ok(said)
    }
}

fn jpeg(p: &super::recent::Picture) -> Option<Vec<u8>> {
    let img = image::RgbImage::from_raw(p.width, p.height, p.rgb.clone())?;
    let mut out = Vec::new();
    let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80);
    img.write_with_encoder(enc).ok()?;
    Some(out)
}
