//! Patients: the list, finding one by name, adding one, and each patient's plan in force.
//!
//! Every session is filed under one patient. The home flow never names one: its sessions go to
//! the implicit default patient ([`DEFAULT_PATIENT_ID`], named [`DEFAULT_PATIENT_NAME`]), which
//! every store has from schema 4 on. A therapist names patients (`--patient NAME`); names are
//! stored as typed and matched without regard to ASCII case.
//!
//! A patient's plan (prescription) is stored in the store with the patient
//! ([`Store::set_patient_plan`]); [`Store::plan_for_patient`] gives the plan in force: theirs, else
//! the usual plan. Each session still snapshots the plan it was judged with.

use rusqlite::{OptionalExtension, params};

use super::{DEFAULT_PATIENT_ID, MAX_PATIENT_NAME_CHARS, Patient, PatientSummary, Result, Store, StoreError};
use crate::session::prescription::Prescription;

/// Why a patient name cannot be used (None: it can). Names are stored as given, so this only
/// refuses: empty, too long, spaces around it, control characters (line breaks, tabs).
#[must_use]
pub fn patient_name_problem(name: &str) -> Option<String> {
    let n = name.chars().count();
    if name.trim().is_empty() {
        Some("is empty".into())
    } else if n > MAX_PATIENT_NAME_CHARS {
        Some(format!("is {n} characters long"))
    } else if name.trim() != name {
        Some("has spaces around it".into())
    } else if name.chars().any(char::is_control) {
        Some("has a line break, tab or other control character".into())
    } else {
        None
    }
}

fn patient_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Patient> {
    Ok(Patient { id: r.get(0)?, name: r.get(1)?, is_default: r.get::<_, i64>(2)? != 0, created_at: r.get(3)? })
}

impl Store {
    /// Checks a patient name ([`patient_name_problem`]).
    ///
    /// # Errors
    /// [`StoreError::PatientName`] saying what is wrong.
    pub fn check_patient_name(&self, name: &str) -> Result<()> {
        match patient_name_problem(name) {
            Some(why) => Err(StoreError::PatientName { path: self.path.clone(), name: name.to_string(), why }),
            None => Ok(()),
        }
    }

    /// The implicit patient of the home flow.
    ///
    /// # Errors
    /// On a database error.
    pub fn default_patient(&self) -> Result<Patient> {
        self.db(
            self.conn.query_row(
                "SELECT id, name, is_default, created_at FROM patients WHERE id = ?1",
                [DEFAULT_PATIENT_ID],
                patient_row,
            ),
            "reading the default patient",
        )
    }

    /// The patient with this id.
    ///
    /// # Errors
    /// When there is none, or on a database error.
    pub fn patient(&self, id: i64) -> Result<Patient> {
        let what = format!("reading patient {id}");
        self.db(
            self.conn
                .query_row("SELECT id, name, is_default, created_at FROM patients WHERE id = ?1", [id], patient_row)
                .optional(),
            &what,
        )?
        .ok_or_else(|| StoreError::record(&self.path, what, "no such patient"))
    }

    /// The patient named `name` (ASCII case ignored), if any.
    ///
    /// # Errors
    /// On a database error.
    pub fn find_patient(&self, name: &str) -> Result<Option<Patient>> {
        self.db(
            self.conn
                .query_row(
                    "SELECT id, name, is_default, created_at FROM patients WHERE name = ?1 COLLATE NOCASE",
                    [name],
                    patient_row,
                )
                .optional(),
            "finding a patient",
        )
    }

    /// The patient named `name`, which must exist: for reading their sessions and reports.
    ///
    /// # Errors
    /// [`StoreError::UnknownPatient`] listing the known names, or on a database error.
    pub fn patient_named(&self, name: &str) -> Result<Patient> {
        if let Some(p) = self.find_patient(name)? {
            return Ok(p);
        }
        let known = self.patients()?.into_iter().map(|p| p.patient.name).collect();
        Err(StoreError::UnknownPatient { path: self.path.clone(), name: name.to_string(), known })
    }

    /// The patient named `name`, added if new (the name checked first): for saving a session.
    /// The second value says whether it was added.
    ///
    /// # Errors
    /// [`StoreError::PatientName`] for a name that cannot be used, or on a database error.
    pub fn ensure_patient(&self, name: &str) -> Result<(Patient, bool)> {
        self.check_patient_name(name)?;
        self.in_tx("adding a patient", || {
            if let Some(p) = self.find_patient(name)? {
                return Ok((p, false));
            }
            let now = self.now();
            self.db(
                self.conn.execute("INSERT INTO patients (name, created_at) VALUES (?1, ?2)", params![name, now]),
                "adding a patient",
            )?;
            let id = self.conn.last_insert_rowid();
            Ok((Patient { id, name: name.to_string(), is_default: false, created_at: now }, true))
        })
    }

    /// Every patient with their number of sessions and the newest one: the default patient first,
    /// then by name.
    ///
    /// # Errors
    /// On a database error.
    pub fn patients(&self) -> Result<Vec<PatientSummary>> {
        self.db(
            self.conn
                .prepare(
                    "SELECT p.id, p.name, p.is_default, p.created_at,
                            (SELECT COUNT(*) FROM sessions s WHERE s.patient_id = p.id),
                            (SELECT MAX(started_at) FROM sessions s WHERE s.patient_id = p.id),
                            p.prescription_toml IS NOT NULL
                     FROM patients p ORDER BY p.is_default DESC, p.name COLLATE NOCASE, p.id",
                )
                .and_then(|mut st| {
                    st.query_map([], |r| {
                        Ok(PatientSummary {
                            patient: patient_row(r)?,
                            sessions: r.get(4)?,
                            last_session_at: r.get(5)?,
                            has_plan: r.get(6)?,
                        })
                    })?
                    .collect()
                }),
            "listing the patients",
        )
    }

    /// Stores `plan` as the patient's plan in force (None: back to the usual plan). Sessions
    /// already stored keep the plan they were judged with.
    ///
    /// # Errors
    /// When there is no such patient, or on a database error.
    pub fn set_patient_plan(&self, patient_id: i64, plan: Option<&Prescription>) -> Result<()> {
        let what = format!("storing the plan of patient {patient_id}");
        let n = self.db(
            self.conn.execute(
                "UPDATE patients SET prescription_toml = ?1 WHERE id = ?2",
                params![plan.map(Prescription::to_toml), patient_id],
            ),
            &what,
        )?;
        if n == 0 {
            return Err(StoreError::record(&self.path, what, "no such patient"));
        }
        Ok(())
    }

    /// The patient's own plan, if one is stored.
    ///
    /// # Errors
    /// When there is no such patient, the stored plan does not read back, or on a database error.
    pub fn patient_plan(&self, patient_id: i64) -> Result<Option<Prescription>> {
        let what = format!("reading the plan of patient {patient_id}");
        let toml: Option<Option<String>> = self.db(
            self.conn
                .query_row("SELECT prescription_toml FROM patients WHERE id = ?1", [patient_id], |r| r.get(0))
                .optional(),
            &what,
        )?;
        let Some(toml) = toml else { return Err(StoreError::record(&self.path, what, "no such patient")) };
        toml.map(|t| Prescription::from_toml(&t).map_err(|e| StoreError::record(&self.path, &what, e))).transpose()
    }

    /// The plan in force for the patient: their own ([`Store::patient_plan`]), else the usual plan.
    ///
    /// # Errors
    /// As [`Store::patient_plan`].
    pub fn plan_for_patient(&self, patient_id: i64) -> Result<Prescription> {
        Ok(self.patient_plan(patient_id)?.unwrap_or_else(Prescription::default_plan))
    }
}
