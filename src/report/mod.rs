//! The session report a therapist reads after a telehealth call: one self-contained HTML file
//! (inline CSS, charts as inline SVG, no script, no external URL), and the same data as CSV and
//! JSON.
//!
//! Contents: dose completed vs prescribed, form quality per exercise (clean vs faulty reps, hold
//! seconds), faults by frequency with examples (set, rep and time), per-rep hinge measurements
//! (trunk depth, largest thoracic gap and when, head contact, whether a real dowel was detected),
//! each rep's range of motion against the plan's targets,
//! the key frame of the worst rep when the user allowed key frames (an inline `data:` JPEG; the
//! JSON gives its caption and size, not its bytes), the pain trend across sessions, and the pacing
//! suggestion. Times are shown in the computer's local time zone.
//!
//! Who and how: the patient (for a therapist's patient; the home flow's implicit patient is not
//! named), a video call's marker "telehealth: analysed from the call picture" with the consent
//! line, whether pictures were kept ("key frames kept at the therapist's request" / "no pictures
//! were kept"), whether the picture was declared mirrored, and the therapist's notes. The pain
//! trend and the pacing come from the session's own patient only.
//!
//! Layout: this file gathers the report's data ([`build`], [`from_record`]); `html` lays out the
//! page with `maud`, whose templates escape every piece of text they insert (a therapist's note or
//! a patient's words come out as text, never as markup); `svg` draws the charts; `csv` writes the
//! CSV. The HTML is also well-formed XML (every element closed, text escaped), which the tests
//! check with an XML parser.

mod csv;
mod html;
mod svg;

pub use csv::{CSV_COLUMNS, to_csv};
pub use html::to_html;

use crate::form::{Exercise, FaultId, RomReading, Severity, SpineMethod};
use crate::session::pacing::{self, PacingRules, PainRating, Suggestion};
use crate::session::prescription::Prescription;
use crate::session::store::{Consent, SessionRecord, SessionSummary, SourceKind, Store, StoreError};
use serde::Serialize;
use std::collections::BTreeMap;

/// Dose and quality of one exercise in the session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExerciseQuality {
    /// The exercise.
    pub exercise: Exercise,
    /// Sets done.
    pub sets_done: u32,
    /// Sets prescribed (None without a prescription for it).
    pub sets_prescribed: Option<u32>,
    /// Reps done (both sides for the bird dog).
    pub reps_done: u32,
    /// Reps prescribed over all sets (both sides for the bird dog).
    pub reps_prescribed: Option<u32>,
    /// Reps without any fault.
    pub clean_reps: u32,
    /// Reps with at least one fault.
    pub faulty_reps: u32,
    /// Reps with a major fault.
    pub major_fault_reps: u32,
    /// Holds done.
    pub holds_done: u32,
    /// Holds prescribed (one per side per set).
    pub holds_prescribed: Option<u32>,
    /// Seconds in form over all holds.
    pub hold_seconds: f64,
    /// Prescribed seconds per hold.
    pub hold_target_s: Option<f64>,
    /// Holds that reached the target.
    pub holds_on_target: u32,
}

/// Where a fault was seen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaultExample {
    /// Set number.
    pub set: u32,
    /// Rep (or hold) number in the set.
    pub index: u32,
    /// "rep" or "hold".
    pub kind: &'static str,
    /// Media time (s): the bottom of a hinge rep, else the start.
    pub t_s: f64,
    /// How long the fault lasted (s).
    pub duration_s: Option<f64>,
}

/// A fault's frequency in the session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaultSummary {
    /// The spec's id.
    pub fault: FaultId,
    /// Major or minor.
    pub severity: Severity,
    /// Exercise it was seen in.
    pub exercise: Exercise,
    /// Reps or holds with it.
    pub count: u32,
    /// The cue that corrects it.
    pub cue: String,
    /// Where (all occurrences, in order).
    pub examples: Vec<FaultExample>,
}

/// One rep's row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RepRow {
    /// Exercise.
    pub exercise: Exercise,
    /// Set number.
    pub set: u32,
    /// Rep number in the set.
    pub index: u32,
    /// Side (bird dog).
    pub side: Option<String>,
    /// Start (s).
    pub start_s: f64,
    /// End (s).
    pub end_s: f64,
    /// No fault.
    pub clean: bool,
    /// Fault ids.
    pub faults: Vec<FaultId>,
    /// Hinge: peak trunk angle (deg).
    pub peak_trunk_deg: Option<f32>,
    /// Hinge: deepest hip angle (deg).
    pub peak_hip_deg: Option<f32>,
    /// Hinge: lowering time (s).
    pub lowering_s: Option<f64>,
    /// Hinge: rising time (s).
    pub rising_s: Option<f64>,
    /// Hinge: largest gap between the upper back and the dowel (torso lengths).
    pub max_thoracic_gap: Option<f32>,
    /// Hinge: when that gap was seen (s).
    pub worst_gap_s: Option<f64>,
    /// Hinge: why the mask judged none of the rep's bent frames (its most frequent reason), when
    /// it gave no thoracic gap although it looked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mask_refused: Option<String>,
    /// Hinge: the back of the head stayed on the dowel.
    pub head_contact: Option<bool>,
    /// Hinge: how the dowel contacts were judged on most frames ("contour", "dowel",
    /// "keypoints", "not_judged").
    pub spine_method: Option<String>,
    /// Hinge: the keypoint proxy of the thoracic contact (shoulder's offset from the ear-hip
    /// line, torso lengths), measured even when the spine was not judged.
    pub thoracic_proxy: Option<f32>,
    /// Hinge: most extreme ear-shoulder-hip angle (deg; 180 = in line).
    pub worst_head_deg: Option<f32>,
    /// Hinge: a real dowel was detected (the dowel contacts were judged on a detected dowel on
    /// most judged frames, `spine_method` = dowel).
    pub real_dowel: Option<bool>,
    /// Range of motion: each measure's peak against the target in force when the rep was recorded
    /// (hinge: trunk lean, hip flexion; bird dog: arm and leg elevation against the trunk line).
    pub rom: Vec<RomReading>,
}

/// The session's key frame (kept only when the user allowed key frames).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyFrameView {
    /// The rep it shows (index in the set).
    pub rep_index: u32,
    /// Media time (s).
    pub t_s: f64,
    /// Rep, time, faults, thoracic gap.
    pub caption: String,
    /// Size of the JPEG (bytes); the JPEG itself is only in the HTML.
    pub jpeg_bytes: usize,
    /// The JPEG.
    #[serde(skip)]
    pub jpeg: Vec<u8>,
}

/// One hold's row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HoldRow {
    /// Set number.
    pub set: u32,
    /// Hold number in the set.
    pub index: u32,
    /// Side down.
    pub side: Option<String>,
    /// Variant.
    pub variant: String,
    /// Start (s).
    pub start_s: f64,
    /// End (s).
    pub end_s: f64,
    /// Seconds in form.
    pub seconds_in_form: f64,
    /// Prescribed seconds.
    pub target_s: Option<f64>,
    /// Fault ids.
    pub faults: Vec<FaultId>,
}

/// One session on the pain trend.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PainPoint {
    /// Session id.
    pub session_id: i64,
    /// Unix time (s).
    pub started_at: i64,
    /// Pain before.
    pub before: Option<u8>,
    /// Worst pain after a set or the session.
    pub after: Option<u8>,
    /// Next-day check-in.
    pub next_day: Option<u8>,
}

/// A movement that started and was not a rep (not counted), in the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttemptRow {
    /// The exercise.
    pub exercise: Exercise,
    /// Set number.
    pub set: u32,
    /// Attempt number in the set.
    pub index: u32,
    /// Side (bird dog: the arm that should have reached).
    pub side: Option<String>,
    /// Start (s).
    pub start_s: f64,
    /// End (s).
    pub end_s: f64,
    /// Why it is not a rep: "`short_of_range`" or "unfinished".
    pub reason: String,
    /// The same, for people.
    pub reason_text: String,
    /// The measure a rep is counted on (see `AttemptRecord::measure`).
    pub measure: String,
    /// How far it got (deg).
    pub reached_deg: Option<f32>,
    /// What a rep needs (deg).
    pub needed_deg: f32,
}

/// Everything in a report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Unix time (s) the report was made.
    pub generated_at: i64,
    /// The session.
    pub session: SessionSummary,
    /// Its prescription snapshot.
    pub prescription: Option<Prescription>,
    /// Dose and quality per exercise (prescribed ones first, in plan order).
    pub exercises: Vec<ExerciseQuality>,
    /// Faults, most frequent first.
    pub faults: Vec<FaultSummary>,
    /// Every rep.
    pub reps: Vec<RepRow>,
    /// Every hold.
    pub holds: Vec<HoldRow>,
    /// Every attempt: movements that started and were not reps (not counted).
    pub attempts: Vec<AttemptRow>,
    /// Pain ratings of this session.
    pub pain: Vec<PainRating>,
    /// The session's sets: (store id, set number, exercise), to name the set a rating followed.
    pub sets: Vec<(i64, u32, Exercise)>,
    /// Pain across sessions up to this one (at most the last 30).
    pub pain_trend: Vec<PainPoint>,
    /// The pacing suggestion for the session's plan.
    pub pacing: Suggestion,
    /// The thoracic gap threshold in force for the hinge (torso lengths).
    pub thoracic_gap_limit: f32,
    /// The keypoint proxy's threshold in force for the hinge (torso lengths).
    pub thoracic_proxy_limit: f32,
    /// The key frame of the worst rep, when one was stored.
    pub key_frame: Option<KeyFrameView>,
    /// Who the session was, how it was analysed and what was kept.
    pub about: About,
}

/// The marker a call's report carries.
pub const TELEHEALTH_MARKER: &str = "telehealth: analysed from the call picture";
/// The pictures statement when key frames were kept at the therapist's request (a call or a
/// named patient).
pub const KEPT_BY_THERAPIST: &str = "Key frames kept at the therapist's request.";
/// The pictures statement when key frames were kept at the user's request (home flow).
pub const KEPT_BY_USER: &str = "Key frames kept at your request.";
/// The pictures statement when no picture was kept.
pub const NO_PICTURES: &str = "No pictures were kept: only keypoints, angles and verdicts.";

/// Who the session was, how it was analysed and what was kept.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct About {
    /// The patient's name, for a therapist's patient (None: the home flow's implicit patient).
    pub patient: Option<String>,
    /// [`TELEHEALTH_MARKER`] for a call, else None.
    pub telehealth: Option<&'static str>,
    /// For a call: what was captured (`window:TITLE`).
    pub capture: Option<String>,
    /// The consent, as stored.
    pub consent: Option<Consent>,
    /// The consent in one line (see [`Consent::line`]).
    pub consent_line: Option<String>,
    /// Whether pictures were kept ([`KEPT_BY_THERAPIST`], [`KEPT_BY_USER`], [`NO_PICTURES`], or
    /// that key frames were allowed and none was made).
    pub pictures: String,
    /// Whether the picture was declared mirrored, in words.
    pub mirrored: String,
    /// The therapist's notes.
    pub notes: Option<String>,
}

impl About {
    fn of(rec: &SessionRecord) -> Self {
        let s = &rec.summary;
        let call = s.source_kind == SourceKind::Call;
        let named = s.patient_id != crate::session::store::DEFAULT_PATIENT_ID;
        let pictures = match (rec.key_frames.is_empty(), rec.keep_key_frames) {
            (false, _) if call || named => KEPT_BY_THERAPIST.to_string(),
            (false, _) => KEPT_BY_USER.to_string(),
            (true, true) => "No pictures were kept: key frames were allowed, but no rep gave one.".to_string(),
            (true, false) => NO_PICTURES.to_string(),
        };
        let mirrored = match rec.mirrored {
            Some(true) => {
                "The picture was declared mirrored and flipped back before judging, so the sides are the person's own."
            }
            Some(false) => "The picture was analysed as it was shown (not declared mirrored).",
            None => {
                "Whether the picture was mirrored was not recorded (a session stored before formcheck recorded it)."
            }
        };
        Self {
            patient: (named || call).then(|| s.patient.clone()),
            telehealth: call.then_some(TELEHEALTH_MARKER),
            capture: s.capture.clone(),
            consent: rec.consent.clone(),
            consent_line: rec.consent.as_ref().map(Consent::line),
            pictures,
            mirrored: mirrored.to_string(),
            notes: rec.notes.clone(),
        }
    }
}

/// Builds the report of session `id` from the store (pacing judged at the store's clock). The
/// pain trend and the pacing come from the session's own patient's sessions only.
///
/// # Errors
/// When the session does not exist or does not read back.
pub fn build(store: &Store, id: i64) -> Result<Report, StoreError> {
    let rec = store.load_session(id)?;
    let history = store.pain_history_of(rec.summary.patient_id)?;
    let now = store.now();
    Ok(from_record(&rec, &history, now))
}

/// One exercise's dose and form quality in a session (the report's table, the history's charts).
#[must_use]
pub(crate) fn exercise_quality(rec: &SessionRecord, e: Exercise) -> ExerciseQuality {
    let p = rec.prescription.as_ref().and_then(|p| p.plan_for(e));
    let sets: Vec<_> = rec.sets_of(e).collect();
    let reps = sets.iter().flat_map(|s| &s.reps);
    let holds: Vec<_> = sets.iter().flat_map(|s| &s.holds).collect();
    let target = p.and_then(|p| p.hold_s).or_else(|| sets.iter().find_map(|s| s.target_hold_s));
    ExerciseQuality {
        exercise: e,
        sets_done: sets.len() as u32,
        sets_prescribed: p.map(|p| p.sets),
        reps_done: reps.clone().count() as u32,
        reps_prescribed: p.and_then(|p| p.total_reps()),
        clean_reps: reps.clone().filter(|r| r.faults.is_empty()).count() as u32,
        faulty_reps: reps.clone().filter(|r| !r.faults.is_empty()).count() as u32,
        major_fault_reps: reps.filter(|r| r.has_major_fault()).count() as u32,
        holds_done: holds.len() as u32,
        holds_prescribed: p.and_then(|p| p.total_holds()),
        hold_seconds: holds.iter().map(|h| h.seconds_in_form).fold(0.0, |a, b| a + b),
        hold_target_s: target,
        holds_on_target: holds.iter().filter(|h| target.is_some_and(|t| h.seconds_in_form >= t - 0.05)).count() as u32,
    }
}

/// Builds a report from a loaded session and the pain log.
#[must_use]
pub(crate) fn from_record(rec: &SessionRecord, history: &[pacing::SessionPain], now: i64) -> Report {
    let plan = rec.prescription.clone();
    let mut exercises: Vec<Exercise> =
        plan.as_ref().map(|p| p.exercises.iter().map(|e| e.name).collect()).unwrap_or_default();
    for s in &rec.set_records {
        if !exercises.contains(&s.exercise) {
            exercises.push(s.exercise);
        }
    }
    let quality = exercises.iter().map(|&e| exercise_quality(rec, e)).collect();
    let mut reps = Vec::new();
    let mut holds = Vec::new();
    let mut attempts = Vec::new();
    let mut faults: BTreeMap<(&'static str, FaultId), FaultSummary> = BTreeMap::new();
    for s in &rec.set_records {
        for r in &s.reps {
            let h = r.hinge.as_ref();
            reps.push(RepRow {
                exercise: s.exercise,
                set: s.set_number,
                index: r.index,
                side: r.side.map(|x| x.name().to_string()),
                start_s: r.start_s,
                end_s: r.end_s,
                clean: r.faults.is_empty(),
                faults: r.faults.clone(),
                peak_trunk_deg: h.map(|h| h.peak_trunk_deg),
                peak_hip_deg: h.map(|h| h.peak_hip_deg),
                // A rep started at the bottom had no lowering to time.
                lowering_s: h.filter(|h| !h.started_at_bottom).map(|h| h.lowering_s),
                rising_s: h.map(|h| h.rising_s),
                max_thoracic_gap: h.and_then(|h| h.max_thoracic_gap),
                worst_gap_s: h.and_then(|h| h.worst_gap_s),
                mask_refused: h.and_then(|h| h.mask_refused.as_deref()).map(crate::back::refusal_text),
                head_contact: h.and_then(|h| h.head_contact),
                spine_method: h.and_then(|h| enum_text(&h.spine_method)),
                thoracic_proxy: h.and_then(|h| h.max_thoracic_offset),
                worst_head_deg: h.and_then(|h| h.worst_head_deg),
                real_dowel: h.map(|h| h.spine_method == SpineMethod::Dowel),
                rom: r.rom.clone(),
            });
            for &f in &r.faults {
                let e = faults.entry((s.exercise.name(), f)).or_insert_with(|| fault_summary(s.exercise, f));
                e.count += 1;
                e.examples.push(FaultExample {
                    set: s.set_number,
                    index: r.index,
                    kind: "rep",
                    t_s: h.map_or(r.start_s, |h| h.bottom_s),
                    duration_s: r.fault_durations.get(&f).copied(),
                });
            }
        }
        for a in &s.attempts {
            attempts.push(AttemptRow {
                exercise: s.exercise,
                set: s.set_number,
                index: a.index,
                side: a.side.map(|x| x.name().to_string()),
                start_s: a.start_s,
                end_s: a.end_s,
                reason: a.reason.id().to_string(),
                reason_text: a.reason.label().to_string(),
                measure: a.measure.clone(),
                reached_deg: a.reached_deg,
                needed_deg: a.needed_deg,
            });
        }
        for hd in &s.holds {
            holds.push(HoldRow {
                set: s.set_number,
                index: hd.index,
                side: hd.side.map(|x| x.name().to_string()),
                variant: hd.variant.clone(),
                start_s: hd.start_s,
                end_s: hd.end_s,
                seconds_in_form: hd.seconds_in_form,
                target_s: s.target_hold_s,
                faults: hd.faults.clone(),
            });
            for &f in &hd.faults {
                let e = faults.entry((s.exercise.name(), f)).or_insert_with(|| fault_summary(s.exercise, f));
                e.count += 1;
                e.examples.push(FaultExample {
                    set: s.set_number,
                    index: hd.index,
                    kind: "hold",
                    t_s: hd.start_s,
                    duration_s: hd.fault_durations.get(&f).copied(),
                });
            }
        }
    }
    let mut faults: Vec<FaultSummary> = faults.into_values().collect();
    faults.sort_by(|a, b| b.count.cmp(&a.count).then(a.severity.cmp(&b.severity)).then(a.fault.cmp(&b.fault)));
    let mut trend: Vec<PainPoint> = history
        .iter()
        .filter(|s| s.started_at <= rec.summary.started_at)
        .map(|s| PainPoint {
            session_id: s.session_id,
            started_at: s.started_at,
            before: s.before(),
            after: s.worst_after(),
            next_day: s.next_day(),
        })
        .collect();
    trend.sort_by_key(|p| (p.started_at, p.session_id));
    if trend.len() > 30 {
        trend.drain(..trend.len() - 30);
    }
    let pacing_plan = plan.clone().unwrap_or_else(Prescription::default_plan);
    let pacing = pacing::suggest(&pacing_plan, history, now, &PacingRules::default());
    let hinge_cfg = crate::session::prescription::effective_config(plan.as_ref(), Exercise::Hinge).hinge;
    Report {
        generated_at: now,
        session: rec.summary.clone(),
        prescription: plan,
        exercises: quality,
        faults,
        reps,
        holds,
        attempts,
        pain: rec.pain.clone(),
        sets: rec.set_records.iter().map(|s| (s.id, s.set_number, s.exercise)).collect(),
        pain_trend: trend,
        pacing,
        thoracic_gap_limit: hinge_cfg.contour_max_gap,
        thoracic_proxy_limit: hinge_cfg.thoracic_max_offset,
        key_frame: rec.key_frames.first().map(|k| KeyFrameView {
            rep_index: k.rep_index,
            t_s: k.t_s,
            caption: k.caption.clone(),
            jpeg_bytes: k.jpeg.len(),
            jpeg: k.jpeg.clone(),
        }),
        about: About::of(rec),
    }
}

fn enum_text<T: Serialize>(v: &T) -> Option<String> {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_string))
}

fn fault_summary(e: Exercise, f: FaultId) -> FaultSummary {
    FaultSummary {
        fault: f,
        severity: f.severity(),
        exercise: e,
        count: 0,
        cue: f.cue_text_for(e).to_string(),
        examples: vec![],
    }
}

/// Whether a real dowel was used, over the hinge reps: "A real dowel was detected on N of M reps"
/// or "No real dowel was detected: ...".
#[must_use]
pub(crate) fn dowel_text(hinge: &[&RepRow]) -> String {
    let m = hinge.len();
    let n = hinge.iter().filter(|x| x.real_dowel == Some(true)).count();
    if n == 0 {
        "No real dowel was detected: the dowel contacts were judged on the virtual dowel fitted to the back contour, or by keypoints.".to_string()
    } else {
        format!(
            "A real dowel was detected on {n} of {m} rep{} (the dowel contacts of those reps were judged on it; the others on the virtual dowel fitted to the back contour, or by keypoints).",
            if m == 1 { "" } else { "s" }
        )
    }
}

/// The report as pretty JSON.
///
/// # Panics
/// Never: every field serialises.
#[must_use]
pub fn to_json(r: &Report) -> String {
    serde_json::to_string_pretty(r).expect("a report serialises")
}
