//! What the store holds, as values: sessions, sets, key frames.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};

use crate::form::{AttemptRecord, Cue, Exercise, HoldRecord, RepRecord};
use crate::session::pacing::PainRating;
use crate::session::prescription::Prescription;

/// A key frame: one picture of a rep with the overlay drawn on it (see [`crate::session::keyframe`]).
///
/// In JSON (e.g. [`super::Store::export_all`]) the JPEG is written as standard base64 with padding
/// (`jpeg_base64`), so an export holds everything the store holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyFrame {
    /// The rep (its index in its set; the session's first hinge set).
    pub rep_index: u32,
    /// Media time of the frame (s).
    pub t_s: f64,
    /// The picture, JPEG.
    #[serde(rename = "jpeg_base64", serialize_with = "ser_base64", deserialize_with = "de_base64")]
    pub jpeg: Vec<u8>,
    /// What it shows: rep, time, faults, thoracic gap.
    pub caption: String,
}

fn ser_base64<S: serde::Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&BASE64.encode(v))
}

fn de_base64<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    let text = String::deserialize(d)?;
    BASE64.decode(text).map_err(|e| serde::de::Error::custom(format!("jpeg_base64 is not base64: {e}")))
}

/// Where a session's frames came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// A live camera.
    Camera,
    /// A recorded clip (see [`SessionSummary::clip_path`]).
    Clip,
    /// The built-in demo.
    Demo,
    /// A video call: a window or a screen region captured on the therapist's computer (see
    /// [`SessionSummary::capture`]). Stored only with the patient's consent ([`Consent`]).
    Call,
}

impl SourceKind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            SourceKind::Camera => "camera",
            SourceKind::Clip => "clip",
            SourceKind::Demo => "demo",
            SourceKind::Call => "call",
        }
    }

    pub(super) fn parse(s: &str) -> Option<Self> {
        match s {
            "camera" => Some(SourceKind::Camera),
            "clip" => Some(SourceKind::Clip),
            "demo" => Some(SourceKind::Demo),
            "call" => Some(SourceKind::Call),
            _ => None,
        }
    }
}

/// A session in a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionSummary {
    /// Its id.
    pub id: i64,
    /// Unix time (s, UTC).
    pub started_at: i64,
    /// Unix time (s, UTC); None while running (or when the app was killed).
    pub ended_at: Option<i64>,
    /// Camera, clip or demo.
    pub source_kind: SourceKind,
    /// The clip, for clip sessions.
    pub clip_path: Option<String>,
    /// The patient the session is filed under (see [`Patient`]).
    #[serde(default = "default_patient_id")]
    pub patient_id: i64,
    /// That patient's name (`default` for the home flow's implicit patient).
    #[serde(default = "default_patient_name")]
    pub patient: String,
    /// For a call: what was captured, e.g. `window:Zoom Meeting` or `screen:0,0,1280,720`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capture: Option<String>,
    /// Exercises done, in set order, without repeats.
    pub exercises: Vec<Exercise>,
    /// Sets, reps and holds recorded.
    pub sets: u32,
    /// Reps recorded.
    pub reps: u32,
    /// Holds recorded.
    pub holds: u32,
}

/// One set with everything recorded in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetRecord {
    /// Its id.
    pub id: i64,
    /// 1-based within the session.
    pub set_number: u32,
    /// The exercise.
    pub exercise: Exercise,
    /// Prescribed reps (per side for the bird dog), from the session's prescription.
    pub target_reps: Option<u32>,
    /// Prescribed hold per side (s).
    pub target_hold_s: Option<f64>,
    /// Prescribed side-plank variant.
    pub variant: Option<String>,
    /// Unix time (s).
    pub started_at: i64,
    /// Unix time (s); None if the set never ended (app killed).
    pub ended_at: Option<i64>,
    /// Seconds the body was out of view.
    pub not_in_view_s: Option<f64>,
    /// Reps, in order.
    pub reps: Vec<RepRecord>,
    /// Holds, in order.
    pub holds: Vec<HoldRecord>,
    /// Attempts (movements that were not reps, not counted), in order.
    #[serde(default)]
    pub attempts: Vec<AttemptRecord>,
    /// Cues, in order.
    pub cues: Vec<Cue>,
}

/// A session with everything.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionRecord {
    /// The summary.
    #[serde(flatten)]
    pub summary: SessionSummary,
    /// The prescription in force (snapshot).
    pub prescription: Option<Prescription>,
    /// The sets.
    pub set_records: Vec<SetRecord>,
    /// Pain ratings about this session (before, after sets, next day).
    pub pain: Vec<PainRating>,
    /// Key frames (only when the user allowed them), by rep.
    #[serde(default)]
    pub key_frames: Vec<KeyFrame>,
    /// Whether key frames were allowed for this session (`--key-frames` / `--keep-keyframes`, or
    /// the therapist's tick). False: no picture may be stored with it.
    #[serde(default)]
    pub keep_key_frames: bool,
    /// Whether the picture was declared mirrored (`--mirrored`); None for sessions stored before
    /// schema 4, which did not record it.
    #[serde(default)]
    pub mirrored: Option<bool>,
    /// The therapist's notes.
    #[serde(default)]
    pub notes: Option<String>,
    /// The patient's consent, confirmed by the therapist before the call was analysed (always
    /// present for a [`SourceKind::Call`] session).
    #[serde(default)]
    pub consent: Option<Consent>,
}

fn default_patient_id() -> i64 {
    DEFAULT_PATIENT_ID
}

fn default_patient_name() -> String {
    DEFAULT_PATIENT_NAME.to_string()
}

/// The id of the implicit patient of the single-user home flow.
pub const DEFAULT_PATIENT_ID: i64 = 1;
/// Its name.
pub const DEFAULT_PATIENT_NAME: &str = "default";
/// The longest patient name (in characters).
pub const MAX_PATIENT_NAME_CHARS: usize = 80;

/// A person whose sessions are kept. Sessions, history, reports and the plan in force are per
/// patient; the home flow uses the implicit default patient ([`DEFAULT_PATIENT_ID`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Patient {
    /// Its id.
    pub id: i64,
    /// The name, as the therapist typed it (unique without regard to ASCII case).
    pub name: String,
    /// Whether this is the home flow's implicit patient.
    pub is_default: bool,
    /// Unix time (s) it was added (for the default patient of a migrated store: its first session).
    pub created_at: i64,
}

/// A patient in the list (`formcheck patients`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientSummary {
    /// The patient.
    #[serde(flatten)]
    pub patient: Patient,
    /// Sessions stored.
    pub sessions: u32,
    /// When the newest started (unix s).
    pub last_session_at: Option<i64>,
    /// Whether a plan of their own is stored (else the usual plan).
    pub has_plan: bool,
}

/// The therapist's confirmation that the patient was told their call picture is analysed and
/// agreed, logged with the session. Made with [`crate::session::telehealth::Consent::confirm`]
/// (which checks it) before the first frame of a call is analysed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    /// What was confirmed, in words, stored verbatim.
    pub statement: String,
    /// Who confirmed it: the therapist (their name, or the computer's user name).
    pub confirmed_by: String,
    /// When it was confirmed (unix s, UTC): before the analysis began.
    pub confirmed_at: i64,
    /// What was to be analysed: the captured window or region (`window:Zoom Meeting`).
    pub source: String,
}

/// What a new session is filed under and records beyond its numbers (see [`super::Store::begin`]).
///
/// `NewSession::new(SourceKind::Camera)` is the home flow: the default patient, no notes, no
/// pictures. A call is made with [`crate::session::telehealth::CallSession::new_session`].
#[derive(Debug, Clone, PartialEq)]
pub struct NewSession {
    /// Where the frames come from.
    pub source: SourceKind,
    /// The patient (None: the default patient).
    pub patient_id: Option<i64>,
    /// The clip, for a clip session.
    pub clip_path: Option<std::path::PathBuf>,
    /// The captured window or region, for a call.
    pub capture: Option<String>,
    /// The plan in force, snapshotted with the session.
    pub prescription: Option<Prescription>,
    /// Whether the picture was declared mirrored.
    pub mirrored: bool,
    /// Whether key frames may be stored with the session (off unless asked).
    pub keep_key_frames: bool,
    /// The therapist's notes.
    pub notes: Option<String>,
    /// The patient's consent (required for [`SourceKind::Call`]).
    pub consent: Option<Consent>,
}

impl NewSession {
    /// A session of the default patient from `source`: no clip, plan, notes or pictures.
    #[must_use]
    pub fn new(source: SourceKind) -> Self {
        Self {
            source,
            patient_id: None,
            clip_path: None,
            capture: None,
            prescription: None,
            mirrored: false,
            keep_key_frames: false,
            notes: None,
            consent: None,
        }
    }

    /// Files it under patient `id`.
    #[must_use]
    pub fn patient(mut self, id: i64) -> Self {
        self.patient_id = Some(id);
        self
    }

    /// The clip it analyses.
    #[must_use]
    pub fn clip(mut self, path: &std::path::Path) -> Self {
        self.clip_path = Some(path.to_path_buf());
        self
    }

    /// The plan in force.
    #[must_use]
    pub fn prescription(mut self, plan: Option<&Prescription>) -> Self {
        self.prescription = plan.cloned();
        self
    }

    /// Whether the picture was declared mirrored.
    #[must_use]
    pub fn mirrored(mut self, mirrored: bool) -> Self {
        self.mirrored = mirrored;
        self
    }

    /// Whether key frames may be stored.
    #[must_use]
    pub fn keep_key_frames(mut self, keep: bool) -> Self {
        self.keep_key_frames = keep;
        self
    }

    /// The therapist's notes (empty text: none).
    #[must_use]
    pub fn notes(mut self, notes: Option<&str>) -> Self {
        self.notes = notes.filter(|n| !n.trim().is_empty()).map(str::to_string);
        self
    }
}

impl SessionRecord {
    /// The sets of one exercise.
    pub(crate) fn sets_of(&self, e: Exercise) -> impl Iterator<Item = &SetRecord> {
        self.set_records.iter().filter(move |s| s.exercise == e)
    }
}
