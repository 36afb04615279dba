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
}

impl SourceKind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            SourceKind::Camera => "camera",
            SourceKind::Clip => "clip",
            SourceKind::Demo => "demo",
        }
    }

    pub(super) fn parse(s: &str) -> Option<Self> {
        match s {
            "camera" => Some(SourceKind::Camera),
            "clip" => Some(SourceKind::Clip),
            "demo" => Some(SourceKind::Demo),
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
}

impl SessionRecord {
    /// The sets of one exercise.
    pub(crate) fn sets_of(&self, e: Exercise) -> impl Iterator<Item = &SetRecord> {
        self.set_records.iter().filter(move |s| s.exercise == e)
    }
}
