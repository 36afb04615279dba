//! Everything at once: export all as JSON, delete all.

use super::{Result, SCHEMA_VERSION, Store};

impl Store {
    /// Everything, as JSON: `{ "schema_version", "exported_at", "patients": [PatientSummary...],
    /// "sessions": [SessionRecord...] }` (each session names its patient, with its notes and consent).
    /// Key frames are included with their JPEG as base64 (`key_frames[].jpeg_base64`): the export
    /// holds everything the store holds.
    ///
    /// # Errors
    /// As [`Store::load_session`].
    pub fn export_all(&self) -> Result<serde_json::Value> {
        let mut ids: Vec<i64> = self.list_sessions()?.into_iter().map(|s| s.id).collect();
        ids.reverse();
        let sessions = ids.into_iter().map(|id| self.load_session(id)).collect::<Result<Vec<_>>>()?;
        Ok(serde_json::json!({
            "schema_version": SCHEMA_VERSION,
            "exported_at": self.now(),
            "patients": self.patients()?,
            "sessions": sessions,
        }))
    }

    /// Deletes every session, pain rating, key frame and patient (the default patient stays, without
    /// a plan of its own), and shrinks the file so nothing is left on disk
    /// (`secure_delete` overwrites the freed pages, the WAL is truncated).
    ///
    /// # Errors
    /// On a database error.
    pub fn delete_all(&self) -> Result<()> {
        let what = "deleting everything";
        let tx = self.db(self.conn.unchecked_transaction(), what)?;
        self.db(
            tx.execute_batch(
                "DELETE FROM key_frames; DELETE FROM attempts; DELETE FROM cues; DELETE FROM faults; DELETE FROM reps; DELETE FROM holds;
                 DELETE FROM pain; DELETE FROM sets; DELETE FROM sessions;
                 DELETE FROM patients WHERE is_default = 0; UPDATE patients SET prescription_toml = NULL;",
            ),
            what,
        )?;
        self.db(tx.commit(), what)?;
        self.db(self.conn.execute_batch("VACUUM;"), what)?;
        self.db(self.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())), what)?;
        Ok(())
    }
}
