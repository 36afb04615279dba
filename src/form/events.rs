//! What the engine reports: events, completed reps and holds, the set's summary and the live state.

use super::cues::{Cue, FaultId, Severity};
use super::rom::RomReading;
use super::spine::{DowelOverlay, SpineMethod};
use super::view::{Side, View};
use crate::pose::skeleton::Joint;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Hinge-specific measurements of a rep (flattened into [`RepRecord`]'s JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HingeRep {
    /// Time of the deepest trunk angle (s).
    pub bottom_s: f64,
    /// Largest trunk inclination from vertical (deg).
    pub peak_trunk_deg: f32,
    /// Smallest shoulder-hip-knee angle (deg; 180 = straight): the deepest hip flexion.
    pub peak_hip_deg: f32,
    /// Largest knee flexion (deg; 0 = straight).
    pub peak_knee_deg: Option<f32>,
    /// Knee flexion at the bottom (median over the bottom of the rep, deg).
    pub bottom_knee_flexion_deg: Option<f32>,
    /// Largest hip angle at the top after the rep (deg): the lockout.
    pub top_hip_deg: f32,
    /// Start to bottom (s).
    pub lowering_s: f64,
    /// Bottom to end (s).
    pub rising_s: f64,
    /// Largest thoracic proxy (shoulder's dorsal offset from the ear-hip line, torso lengths).
    pub max_thoracic_offset: Option<f32>,
    /// Most extreme head angle (ear-shoulder-hip, deg; 180 = in line; <180 head down).
    pub worst_head_deg: Option<f32>,
    /// Which method judged the dowel contacts on most judged frames.
    pub spine_method: SpineMethod,
    /// Largest gap between the upper back and the dowel (virtual or real), torso lengths, over the
    /// frames the mask or a real dowel judged (None when none did).
    pub max_thoracic_gap: Option<f32>,
    /// When that largest gap was seen (s): the frame to look at in review.
    pub worst_gap_s: Option<f64>,
    /// Whether the back of the head stayed on the dowel on every frame the mask or dowel judged
    /// it (None when none did).
    pub head_contact: Option<bool>,
    /// When the mask judged none of the rep's bent frames although it looked: why, on most of
    /// them (the back stage's reason id, e.g. `arm_on_back`, which the back stage words for people).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mask_refused: Option<String>,
    /// When no method judged the rep's spine: why the keypoints could not, on most bent frames
    /// (the joint they need that was hidden, e.g. "ears hidden", or the view).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spine_not_judged: Option<String>,
    /// The set began with the person already at the bottom (a deadlift from the floor): the rep
    /// runs from the first sighting up to the top, its lowering was never seen, so `lowering_s` is
    /// only the time from the first sighting to the deepest point and `too_fast` is not judged.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub started_at_bottom: bool,
}

/// Bird-dog-specific measurements of a rep (flattened into [`RepRecord`]'s JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BirdDogRep {
    /// The reaching arm (None if no arm was seen reaching, e.g. it left the frame).
    pub arm: Option<Side>,
    /// The extended leg.
    pub leg: Side,
    /// When full reach was first reached (s).
    pub reach_s: Option<f64>,
    /// Time spent at full reach (s).
    pub hold_s: f64,
    /// Largest shoulder flexion of the reaching arm (deg).
    pub max_shoulder_flexion_deg: Option<f32>,
    /// Largest shoulder-hip-knee angle of the leg (deg; 180 = in line with the trunk).
    pub max_hip_extension_deg: f32,
    /// Largest knee angle of the leg when the ankle was seen (deg; 180 = straight).
    pub max_knee_deg: Option<f32>,
    /// Largest elevation of wrist/ankle above the trunk line (deg).
    pub max_reach_high_deg: Option<f32>,
    /// Largest trunk tilt change from the quadruped baseline (deg).
    pub max_back_tilt_deg: f32,
}

/// One completed rep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepRecord {
    /// 1-based rep number in the set.
    pub index: u32,
    /// Bird dog: the reaching arm's side (see [`BirdDogRep::leg`] for the leg). Hinge: null.
    pub side: Option<Side>,
    /// Start of the rep (s).
    pub start_s: f64,
    /// End of the rep (s).
    pub end_s: f64,
    /// Fault ids seen during the rep.
    pub faults: Vec<FaultId>,
    /// How long each fault lasted within the rep (s; for faults judged once per rep, the time the
    /// condition held, e.g. the lowering time for `too_fast`).
    pub fault_durations: BTreeMap<FaultId, f64>,
    /// Hinge measurements.
    #[serde(flatten, default, skip_serializing_if = "Option::is_none")]
    pub hinge: Option<HingeRep>,
    /// Bird dog measurements.
    #[serde(flatten, default, skip_serializing_if = "Option::is_none")]
    pub bird_dog: Option<BirdDogRep>,
    /// Range of motion: each measure's peak in the rep against the prescription's target
    /// (hinge: trunk lean, hip flexion; bird dog: arm and leg elevation), see [`super::rom`].
    /// Empty in reps recorded before it was measured.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rom: Vec<RomReading>,
}

impl RepRecord {
    /// Whether any major fault was seen.
    #[must_use]
    pub(crate) fn has_major_fault(&self) -> bool {
        self.faults.iter().any(|f| f.severity() == Severity::Major)
    }
}

/// Why a movement was an attempt and not a rep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttemptReason {
    /// It started but never reached the rep's range (a shallow dip, a reach that stayed short).
    ShortOfRange,
    /// It reached the rep's range, but the person left the picture or the input ended before it
    /// came back.
    Unfinished,
}

impl AttemptReason {
    /// Machine id: "short_of_range", "unfinished".
    #[must_use]
    pub fn id(&self) -> &'static str {
        match self {
            AttemptReason::ShortOfRange => "short_of_range",
            AttemptReason::Unfinished => "unfinished",
        }
    }

    /// Words for people.
    #[must_use]
    pub fn label(&self) -> &'static str {
        match self {
            AttemptReason::ShortOfRange => "did not reach the range of a rep",
            AttemptReason::Unfinished => "not finished before the person left or the recording ended",
        }
    }
}

/// A movement that started but was not counted as a rep: reported, never silently dropped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptRecord {
    /// 1-based attempt number in the set (attempts are numbered apart from reps).
    pub index: u32,
    /// Bird dog: the lifted leg's opposite side (the arm that should have reached). Hinge: null.
    pub side: Option<Side>,
    /// Start (s).
    pub start_s: f64,
    /// End (s): when it came back, or when the person left or the input ended.
    pub end_s: f64,
    /// Why it is not a rep.
    pub reason: AttemptReason,
    /// The measure a rep is counted on (`trunk_deg`: the hinge's trunk lean from vertical;
    /// `leg_hip_deg`: the bird dog's shoulder-hip-knee angle of the lifted leg; `leg_knee_deg`: its
    /// knee angle; `arm_flexion_deg`: the opposite arm's shoulder flexion).
    pub measure: String,
    /// The most of that measure the movement reached (deg; None when it was never seen).
    pub reached_deg: Option<f32>,
    /// What a rep needs of it (deg).
    pub needed_deg: f32,
}

/// One completed hold (side plank).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HoldRecord {
    /// 1-based hold number.
    pub index: u32,
    /// The side of the body that is down (supporting).
    pub side: Option<Side>,
    /// "elbow-feet", "elbow-knees", "hand-feet" or "hand-knees".
    pub variant: String,
    /// "elbow" or "hand".
    pub support: String,
    /// "feet" or "knees".
    pub base: String,
    /// Start (s).
    pub start_s: f64,
    /// End (s).
    pub end_s: f64,
    /// Seconds counted by the timer (only time in form).
    pub seconds_in_form: f64,
    /// Fault ids seen during the hold.
    pub faults: Vec<FaultId>,
    /// How long each fault lasted (s).
    pub fault_durations: BTreeMap<FaultId, f64>,
    /// Mean hip offset from the body line (torso lengths; + = above, - = below).
    pub mean_line_offset: f32,
}

/// Everything the engine reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FormEvent {
    /// A rep was completed (never emitted for a half-finished one).
    RepCompleted(RepRecord),
    /// A movement started and was not a rep: it stayed short of the range, or was not finished.
    Attempt(AttemptRecord),
    /// A hold started at `t` (backdated to when the position was reached).
    HoldStarted {
        /// Start (s).
        t: f64,
        /// The side that is down.
        side: Option<Side>,
        /// Variant, e.g. "elbow-feet".
        variant: String,
    },
    /// Once per whole second of hold time in form.
    HoldTick {
        /// Now (s).
        t: f64,
        /// Seconds in form so far.
        seconds_in_form: f64,
    },
    /// A hold ended.
    HoldEnded(HoldRecord),
    /// A fault started (t = onset, backdated past the persistence window).
    FaultStarted {
        /// Onset (s).
        t: f64,
        /// Which fault.
        id: FaultId,
        /// Side, when it has one.
        side: Option<Side>,
    },
    /// A fault ended.
    FaultEnded {
        /// When it was last seen (s).
        t: f64,
        /// Which fault.
        id: FaultId,
        /// How long it lasted (s).
        duration_s: f64,
    },
    /// The camera view changed.
    ViewChanged {
        /// Now (s).
        t: f64,
        /// The new view.
        view: View,
        /// Whether it is the view the exercise needs (unknown counts as acceptable).
        ok: bool,
    },
    /// The exercise's key joints came into or left the view.
    VisibilityChanged {
        /// Now (s).
        t: f64,
        /// In view?
        in_view: bool,
        /// The key joints missing (empty when in view).
        missing: Vec<Joint>,
    },
    /// A cue to speak and show.
    Cue(Cue),
}

/// Summary of the set so far (serialisable for the report).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExerciseReport {
    /// Exercise name ("hinge", "bird-dog", "side-plank").
    pub name: String,
    /// Completed reps.
    pub reps: Vec<RepRecord>,
    /// Completed holds.
    pub holds: Vec<HoldRecord>,
    /// Movements that started and were not reps (not counted).
    #[serde(default)]
    pub attempts: Vec<AttemptRecord>,
    /// Every cue issued.
    pub cues: Vec<Cue>,
    /// Seconds during which the key joints were not in view.
    pub not_in_view_s: f64,
}

/// Rep counts per side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SideCounts {
    /// Left.
    pub left: u32,
    /// Right.
    pub right: u32,
}

/// Angles and measures for display (None when not measurable this frame).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct LiveAngles {
    /// Trunk inclination from vertical (deg; hinge) or tilt from horizontal (bird dog).
    pub trunk_deg: Option<f32>,
    /// Shoulder-hip-knee angle (deg).
    pub hip_deg: Option<f32>,
    /// Knee flexion (deg; 0 = straight).
    pub knee_flexion_deg: Option<f32>,
    /// Ear-shoulder-hip angle (deg; 180 = in line).
    pub head_deg: Option<f32>,
    /// Thoracic proxy (torso lengths).
    pub thoracic_offset: Option<f32>,
    /// Side plank: hip offset from the body line (torso lengths; + above).
    pub body_line_offset: Option<f32>,
    /// Bird dog: shoulder flexion of the reaching arm (deg).
    pub shoulder_flexion_deg: Option<f32>,
    /// Bird dog: elevation of the reaching arm against the trunk line (deg; 0 = level with the
    /// back, + above it), the measure whose peak is the rep's range of motion.
    #[serde(default)]
    pub arm_elevation_deg: Option<f32>,
    /// Bird dog: elevation of the lifted leg against the trunk line (deg; 0 = level, + above).
    #[serde(default)]
    pub leg_elevation_deg: Option<f32>,
}

/// What the UI draws right now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveState {
    /// Time of the last sample (s).
    pub t: f64,
    /// Completed reps.
    pub rep_count: u32,
    /// Completed reps per side (bird dog).
    pub reps_per_side: SideCounts,
    /// Attempts so far: movements that started and were not reps (not counted).
    #[serde(default)]
    pub attempts: u32,
    /// Seconds in form of the current hold (0 when not holding).
    pub hold_seconds_in_form: f64,
    /// A hold is running.
    pub holding: bool,
    /// The cue being spoken / shown, if recent.
    pub current_cue: Option<Cue>,
    /// Faults active now.
    pub active_faults: Vec<FaultId>,
    /// Camera view.
    pub view: View,
    /// Key joints in view.
    pub in_view: bool,
    /// State-machine phase, e.g. "standing", "lowering", "reach", "hold".
    pub phase: String,
    /// Hinge: the estimated dowel contacts.
    pub dowel: Option<DowelOverlay>,
    /// Angles for display.
    pub angles: LiveAngles,
    /// World landmarks, side-view exercises: how far the person should turn about the vertical to
    /// be side-on to the camera (deg; + to their left, - to their right). None without world
    /// landmarks, or when the exercise needs a front view.
    #[serde(default)]
    pub turn_deg: Option<f32>,
}

impl LiveState {
    /// Nothing seen yet at time `t`: no reps, no hold, not in view, view unknown.
    #[must_use]
    pub fn empty(t: f64) -> Self {
        Self {
            t,
            rep_count: 0,
            reps_per_side: SideCounts::default(),
            attempts: 0,
            hold_seconds_in_form: 0.0,
            holding: false,
            current_cue: None,
            active_faults: Vec::new(),
            view: View::Unknown,
            in_view: false,
            phase: String::new(),
            dowel: None,
            angles: LiveAngles::default(),
            turn_deg: None,
        }
    }
}
