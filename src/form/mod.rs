//! The form engine: timestamped keypoints in, events out. Pure: no model, no UI, no clock, no I/O.
//!
//! ```text
//! PoseSample ─▶ Analyzer::push ─▶ smoothing (filter) ─▶ view + visibility + torso scale
//!                                   ─▶ exercise state machine (hinge / bird_dog / side_plank)
//!                                   ─▶ faults (debounced) ─▶ cue policy (cues) ─▶ Vec<FormEvent>
//! ```
//! Invariants: time comes only from `PoseSample::t`; a rule whose keypoints are missing is silent;
//! nothing is counted and no hold time accrues while the exercise's key joints are out of view
//! (gaps shorter than `common.not_in_view_after_s` are detector blinks and are bridged); every
//! reported state is debounced (hysteresis in value and a minimum duration). Angles are computed
//! only in [`geometry`], in degrees; distances are in torso lengths.

pub mod bird_dog;
pub mod config;
pub mod cues;
pub mod faults;
pub mod geometry;
pub mod hinge;
pub mod side_plank;
pub mod track;
pub mod view;

pub use config::{BirdDogConfig, CommonConfig, CueConfig, FormConfig, HingeConfig, SidePlankConfig};
pub use cues::{Cue, CuePriority, FaultId, Severity};
pub use geometry::body_line_offset;
pub use hinge::{BackMeasure, DowelOverlay, SpineCheck, SpineMethod, spine_check};
pub use view::{Side, View};

use crate::pose::skeleton::{Joint, PoseSample};
use crate::pose::smooth::{OneEuroParams, PoseSmoother};
use cues::{ActiveCondition, CueRequest, CueScheduler};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use view::{Body, TorsoScale, ViewTracker};

/// The exercises the engine knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Exercise {
    /// Hip hinge with a dowel (side view).
    #[serde(rename = "hinge", alias = "hip-hinge", alias = "hip_hinge")]
    Hinge,
    /// Bird dog (side view).
    #[serde(rename = "bird-dog", alias = "bird_dog")]
    BirdDog,
    /// Side plank (front view).
    #[serde(rename = "side-plank", alias = "side_plank")]
    SidePlank,
}

impl Exercise {
    /// Every exercise.
    pub const ALL: [Exercise; 3] = [Exercise::Hinge, Exercise::BirdDog, Exercise::SidePlank];

    /// Machine name: "hinge", "bird-dog", "side-plank".
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Exercise::Hinge => "hinge",
            Exercise::BirdDog => "bird-dog",
            Exercise::SidePlank => "side-plank",
        }
    }

    /// Human label.
    #[must_use]
    pub fn label(&self) -> &'static str {
        match self {
            Exercise::Hinge => "Hip hinge",
            Exercise::BirdDog => "Bird dog",
            Exercise::SidePlank => "Side plank",
        }
    }

    /// The view the exercise needs.
    #[must_use]
    pub fn required_view(&self) -> View {
        match self {
            Exercise::Hinge | Exercise::BirdDog => View::Side,
            Exercise::SidePlank => View::Front,
        }
    }
}

/// Error for an unknown exercise name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownExercise(pub String);

impl std::fmt::Display for UnknownExercise {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown exercise '{}': use one of hinge, bird-dog, side-plank", self.0)
    }
}

impl std::error::Error for UnknownExercise {}

impl std::str::FromStr for Exercise {
    type Err = UnknownExercise;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace(' ', "-").as_str() {
            "hinge" | "hip-hinge" | "hip_hinge" => Ok(Exercise::Hinge),
            "bird-dog" | "bird_dog" | "birddog" => Ok(Exercise::BirdDog),
            "side-plank" | "side_plank" | "sideplank" => Ok(Exercise::SidePlank),
            _ => Err(UnknownExercise(s.to_string())),
        }
    }
}

impl std::fmt::Display for Exercise {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

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
    /// them (an id of `crate::back::Unreliable`, e.g. `arm_on_back`; see `back::refusal_text`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mask_refused: Option<String>,
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
}

impl RepRecord {
    /// Whether any major fault was seen.
    #[must_use]
    pub fn has_major_fault(&self) -> bool {
        self.faults.iter().any(|f| f.severity() == Severity::Major)
    }
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
}

impl LiveState {
    /// Nothing seen yet at time `t`: no reps, no hold, not in view, view unknown.
    #[must_use]
    pub fn empty(t: f64) -> Self {
        Self {
            t,
            rep_count: 0,
            reps_per_side: SideCounts::default(),
            hold_seconds_in_form: 0.0,
            holding: false,
            current_cue: None,
            active_faults: Vec::new(),
            view: View::Unknown,
            in_view: false,
            phase: String::new(),
            dowel: None,
            angles: LiveAngles::default(),
        }
    }
}

/// Per-frame input to an exercise engine.
pub(crate) struct Ctx<'a> {
    pub cfg: &'a FormConfig,
    pub t: f64,
    /// Time credited to this frame (bridges detector blinks; 0 after a real absence).
    pub dt: f64,
    pub body: Body<'a>,
    /// Running torso length in pixels.
    pub torso: f32,
    pub back: Option<&'a BackMeasure>,
    /// The camera view now (unknown = not yet judged, or a three-quarter view).
    pub view: View,
}

/// What an engine produces for the analyzer.
#[derive(Default)]
pub(crate) struct Out {
    pub events: Vec<FormEvent>,
    pub requests: Vec<CueRequest>,
}

enum Engine {
    Hinge(Box<hinge::HingeEngine>),
    BirdDog(Box<bird_dog::BirdDogEngine>),
    SidePlank(Box<side_plank::SidePlankEngine>),
}

impl Engine {
    fn missing(&self, body: &Body<'_>) -> Vec<Joint> {
        match self {
            Engine::Hinge(e) => e.missing(body),
            Engine::BirdDog(e) => e.missing(body),
            Engine::SidePlank(e) => e.missing(body),
        }
    }
    fn step(&mut self, ctx: &Ctx<'_>, out: &mut Out) {
        match self {
            Engine::Hinge(e) => e.step(ctx, out),
            Engine::BirdDog(e) => e.step(ctx, out),
            Engine::SidePlank(e) => e.step(ctx, out),
        }
    }
    fn suspend(&mut self, t: f64, cfg: &FormConfig, out: &mut Out) {
        match self {
            Engine::Hinge(e) => e.suspend(t, out),
            Engine::BirdDog(e) => e.suspend(t, out),
            Engine::SidePlank(e) => e.suspend(t, cfg, out),
        }
    }
    fn finish(&mut self, t: f64, cfg: &FormConfig, out: &mut Out) {
        match self {
            Engine::Hinge(e) => e.suspend(t, out),
            Engine::BirdDog(e) => e.suspend(t, out),
            Engine::SidePlank(e) => e.finish(t, cfg, out),
        }
    }
    fn faults(&self) -> &faults::FaultSet {
        match self {
            Engine::Hinge(e) => &e.faults,
            Engine::BirdDog(e) => &e.faults,
            Engine::SidePlank(e) => &e.faults,
        }
    }
    fn live(&self, live: &mut LiveState) {
        match self {
            Engine::Hinge(e) => e.live(live),
            Engine::BirdDog(e) => e.live(live),
            Engine::SidePlank(e) => e.live(live),
        }
    }
}

/// The form engine for one exercise. Feed samples in time order with [`Analyzer::push`].
pub struct Analyzer {
    exercise: Exercise,
    cfg: FormConfig,
    filter: PoseSmoother,
    torso: TorsoScale,
    view: ViewTracker,
    engine: Engine,
    scheduler: CueScheduler,
    last_t: Option<f64>,
    last_usable_t: Option<f64>,
    missing_since: Option<f64>,
    missing_counted: bool,
    in_view: bool,
    person_seen: bool,
    wrong_view_since: Option<f64>,
    not_in_view_s: f64,
    reps: Vec<RepRecord>,
    holds: Vec<HoldRecord>,
    cue_log: Vec<Cue>,
    current_cue: Option<Cue>,
}

impl Analyzer {
    /// A new analyzer for `exercise` with thresholds `config`.
    #[must_use]
    pub fn new(exercise: Exercise, config: FormConfig) -> Self {
        let engine = match exercise {
            Exercise::Hinge => Engine::Hinge(Box::default()),
            Exercise::BirdDog => Engine::BirdDog(Box::default()),
            Exercise::SidePlank => Engine::SidePlank(Box::default()),
        };
        Self {
            exercise,
            cfg: config,
            filter: PoseSmoother::new(OneEuroParams::default()),
            torso: TorsoScale::default(),
            view: ViewTracker::default(),
            engine,
            scheduler: CueScheduler::default(),
            last_t: None,
            last_usable_t: None,
            missing_since: None,
            missing_counted: false,
            in_view: false,
            person_seen: false,
            wrong_view_since: None,
            not_in_view_s: 0.0,
            reps: vec![],
            holds: vec![],
            cue_log: vec![],
            current_cue: None,
        }
    }

    /// The exercise analysed.
    #[must_use]
    pub fn exercise(&self) -> Exercise {
        self.exercise
    }

    /// The thresholds in use.
    #[must_use]
    pub fn config(&self) -> &FormConfig {
        &self.cfg
    }

    /// Analyse one frame. Samples must arrive in time order (older or equal times are ignored).
    pub fn push(&mut self, sample: &PoseSample) -> Vec<FormEvent> {
        self.push_with_back(sample, None)
    }

    /// Like [`Analyzer::push`], with an optional back-contour (or real dowel) measurement for this
    /// frame from another method (segmentation mask, dowel detector). When given, it judges the
    /// hinge's `rounded_back` / `head_off_dowel` instead of the keypoint proxies.
    pub fn push_with_back(&mut self, sample: &PoseSample, back: Option<&BackMeasure>) -> Vec<FormEvent> {
        let t = sample.t;
        if self.last_t.is_some_and(|l| t <= l) || !t.is_finite() {
            return vec![];
        }
        let cfg = self.cfg.clone();
        let c = &cfg.common;
        let dt_raw = self.last_t.map_or(0.0, |l| (t - l).min(c.max_frame_gap_s));
        self.last_t = Some(t);
        let mut out = Out::default();

        // Smoothing, scale, view.
        // The pose stage's One Euro filter, again here in torso units: the engine may be fed
        // keypoints that were never smoothed (tests, saved analyses, other pose sources).
        let filtered = if sample.present {
            let torso_px = self.torso.get().unwrap_or(100.0);
            self.filter.params = OneEuroParams {
                min_cutoff: f64::from(c.filter_min_cutoff_hz),
                beta: f64::from(c.filter_beta),
                d_cutoff: f64::from(c.filter_d_cutoff_hz),
            };
            self.filter.min_score = c.min_score;
            let mut pose = sample.pose;
            self.filter.apply(t, &mut pose, torso_px);
            Some(pose)
        } else {
            self.filter.reset();
            None
        };
        let body = filtered.as_ref().map(|p| Body { pose: p, min_score: c.min_score });
        self.torso.update(body.as_ref().and_then(Body::torso_px), dt_raw, c.torso_decay_per_s);
        if let Some(v) = self.view.update(t, body.as_ref(), self.torso.get(), c) {
            out.events.push(FormEvent::ViewChanged { t, view: v, ok: self.view_ok() });
        }
        let view_ok = self.view_ok();
        if view_ok {
            self.wrong_view_since = None;
        } else if body.is_some() {
            self.wrong_view_since.get_or_insert(t);
        }

        // Visibility of the key joints, with blink bridging.
        let missing = match &body {
            Some(b) => self.engine.missing(b),
            None => vec![Joint::Nose],
        };
        let usable = body.is_some() && missing.is_empty() && self.torso.get().is_some();
        if sample.present {
            self.person_seen = true;
        }
        let mut credit = 0.0;
        if usable {
            if let Some(lu) = self.last_usable_t
                && t - lu <= c.not_in_view_after_s
            {
                credit = (t - lu).min(c.max_frame_gap_s);
            }
            self.last_usable_t = Some(t);
            self.missing_since = None;
            self.missing_counted = false;
            if !self.in_view {
                self.in_view = true;
                out.events.push(FormEvent::VisibilityChanged { t, in_view: true, missing: vec![] });
            }
        } else {
            let since = *self.missing_since.get_or_insert(t);
            if t - since >= c.not_in_view_after_s {
                if self.missing_counted {
                    self.not_in_view_s += dt_raw;
                } else {
                    // The whole gap counts once it turns out to be a real absence.
                    self.missing_counted = true;
                    self.not_in_view_s += t - since;
                }
                if self.in_view {
                    self.in_view = false;
                    let missing = if body.is_some() { missing.clone() } else { vec![] };
                    out.events.push(FormEvent::VisibilityChanged { t, in_view: false, missing });
                }
            }
        }

        // The exercise itself.
        if usable && view_ok {
            let torso = self.torso.get().unwrap_or(1.0);
            let ctx = Ctx { cfg: &cfg, t, dt: credit, body: body.unwrap(), torso, back, view: self.view.view() };
            self.engine.step(&ctx, &mut out);
        } else if !view_ok || !self.in_view {
            self.engine.suspend(t, &cfg, &mut out);
        }

        self.collect(&mut out);
        self.schedule(t, &mut out);
        out.events
    }

    /// End of input: close open holds and faults. A half-finished rep is not counted.
    pub fn finish(&mut self) -> Vec<FormEvent> {
        let t = self.last_t.unwrap_or(0.0);
        let cfg = self.cfg.clone();
        let mut out = Out::default();
        self.engine.finish(t, &cfg, &mut out);
        self.collect(&mut out);
        self.schedule(t, &mut out);
        out.events
    }

    fn view_ok(&self) -> bool {
        let v = self.view.view();
        v == View::Unknown || v == self.exercise.required_view()
    }

    fn collect(&mut self, out: &mut Out) {
        for e in &out.events {
            match e {
                FormEvent::RepCompleted(r) => self.reps.push(r.clone()),
                FormEvent::HoldEnded(h) => self.holds.push(h.clone()),
                _ => {}
            }
        }
    }

    fn schedule(&mut self, t: f64, out: &mut Out) {
        let cc = &self.cfg.cues;
        for r in out.requests.drain(..) {
            self.scheduler.request(t, r, cc);
        }
        let mut active = vec![];
        if let Some(since) = self.missing_since
            && self.person_seen
        {
            active.push(ActiveCondition {
                request: CueRequest {
                    id: "visibility.step_back".into(),
                    text: "Step back so your whole body is in view.".into(),
                    priority: CuePriority::Safety,
                    since,
                },
                persist_s: cc.not_in_view_cue_after_s,
                cooldown_s: cc.not_in_view_cooldown_s,
            });
        }
        if let Some(since) = self.wrong_view_since {
            let (id, text) = match self.exercise.required_view() {
                View::Front => ("view.face_camera", "Turn to face the camera."),
                _ => ("view.turn_side_on", "Turn side-on to the camera."),
            };
            active.push(ActiveCondition {
                request: CueRequest { id: id.into(), text: text.into(), priority: CuePriority::Safety, since },
                persist_s: self.cfg.common.wrong_view_cue_after_s,
                cooldown_s: cc.repeat_cooldown_s,
            });
        }
        for (id, since) in self.engine.faults().active() {
            let priority = match id.severity() {
                Severity::Major => CuePriority::MajorFault,
                Severity::Minor => CuePriority::MinorFault,
            };
            active.push(ActiveCondition {
                request: CueRequest {
                    id: format!("fault.{}", id.id()),
                    text: id.cue_text_for(self.exercise).into(),
                    priority,
                    since,
                },
                persist_s: cc.fault_persist_s,
                cooldown_s: cc.repeat_cooldown_s,
            });
        }
        if let Some(cue) = self.scheduler.tick(t, &active, cc) {
            self.cue_log.push(cue.clone());
            self.current_cue = Some(cue.clone());
            out.events.push(FormEvent::Cue(cue));
        }
    }

    /// Serializable summary so far.
    #[must_use]
    pub fn report(&self) -> ExerciseReport {
        ExerciseReport {
            name: self.exercise.name().to_string(),
            reps: self.reps.clone(),
            holds: self.holds.clone(),
            cues: self.cue_log.clone(),
            not_in_view_s: self.not_in_view_s,
        }
    }

    /// What the UI draws right now.
    #[must_use]
    pub fn live(&self) -> LiveState {
        let t = self.last_t.unwrap_or(0.0);
        let mut counts = SideCounts::default();
        for r in &self.reps {
            match r.side {
                Some(Side::Left) => counts.left += 1,
                Some(Side::Right) => counts.right += 1,
                None => {}
            }
        }
        let mut live = LiveState {
            t,
            rep_count: self.reps.len() as u32,
            reps_per_side: counts,
            hold_seconds_in_form: 0.0,
            holding: false,
            current_cue: self.current_cue.clone().filter(|c| t - c.t <= 3.0),
            active_faults: self.engine.faults().active().into_iter().map(|(id, _)| id).collect(),
            view: self.view.view(),
            in_view: self.in_view,
            phase: String::new(),
            dowel: None,
            angles: LiveAngles::default(),
        };
        self.engine.live(&mut live);
        live
    }
}
