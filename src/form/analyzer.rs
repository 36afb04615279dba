//! The analyzer: smoothing, torso scale, view and visibility around the exercise's state machine,
//! then the cue policy.

use super::config::FormConfig;
use super::cues::{ActiveCondition, Cue, CuePriority, CueRequest, CueScheduler, Severity};
use super::events::{
    AttemptRecord, ExerciseReport, FormEvent, HoldRecord, LiveAngles, LiveState, RepRecord, SideCounts,
};
use super::geometry::{Pt, similarity};
use super::spine::BackMeasure;
use super::view::{Body, Side, TorsoScale, View, ViewTracker};
use super::world::World;
use super::{Exercise, bird_dog, faults, hinge, side_plank};
use crate::pose::skeleton::{Joint, PoseSample};
use crate::pose::smooth::{OneEuroParams, PoseSmoother};

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
    /// Whether the pose comes from world landmarks (the body turned to the exercise's view).
    pub world: bool,
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
            Engine::Hinge(e) => e.suspend(t, cfg, out),
            Engine::BirdDog(e) => e.suspend(t, cfg, out),
            Engine::SidePlank(e) => e.suspend(t, cfg, out),
        }
    }
    fn finish(&mut self, t: f64, cfg: &FormConfig, out: &mut Out) {
        match self {
            Engine::Hinge(e) => e.finish(t, cfg, out),
            Engine::BirdDog(e) => e.finish(t, cfg, out),
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
    attempts: Vec<AttemptRecord>,
    cue_log: Vec<Cue>,
    current_cue: Option<Cue>,
    /// The last frame's pose came from world landmarks (the body turned to the exercise's view).
    from_world: bool,
    /// World landmarks, side-view exercises: the turn that makes the person side-on (deg, + left).
    turn_deg: Option<f32>,
    /// Drawing a pose from world landmarks back onto the picture: the view pose's hip and shoulder
    /// centres, then the image's.
    overlay_map: Option<[Pt; 4]>,
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
            attempts: vec![],
            cue_log: vec![],
            current_cue: None,
            from_world: false,
            turn_deg: None,
            overlay_map: None,
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

        // World landmarks (BlazePose): the rules measure the body turned about the vertical to the
        // exercise's view, and the view is how far the body is turned from it (see `world`).
        let required = self.exercise.required_view();
        let world = sample.body.as_ref().filter(|_| sample.present).map(|b| World {
            body: b,
            pose: &sample.pose,
            min_score: c.min_score,
        });
        let deviation = world.and_then(|w| w.deviation(required));
        let view_pose = world.and_then(|w| w.view_pose(required));
        self.turn_deg = if required == View::Side { world.and_then(|w| w.turn_to_side()) } else { None };
        if view_pose.is_some() != self.from_world {
            // Another source of keypoints: the filter's state does not carry over.
            self.from_world = view_pose.is_some();
            self.filter.reset();
        }

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
            let mut pose = view_pose.unwrap_or(sample.pose);
            self.filter.apply(t, &mut pose, torso_px);
            Some(pose)
        } else {
            self.filter.reset();
            None
        };
        let body = filtered.as_ref().map(|p| Body { pose: p, min_score: c.min_score });
        self.overlay_map = match (&body, view_pose.is_some()) {
            (Some(b), true) => {
                let img = Body { pose: &sample.pose, min_score: c.min_score };
                let anchors = |b: &Body<'_>| Some((b.mid_or_one(Joint::LeftHip)?, b.mid_or_one(Joint::LeftShoulder)?));
                match (anchors(b), anchors(&img)) {
                    (Some((h, s)), Some((ih, is))) => Some([h, s, ih, is]),
                    _ => None,
                }
            }
            _ => None,
        };
        self.torso.update(body.as_ref().and_then(Body::torso_px), dt_raw, c.torso_decay_per_s);
        let raw_view = match deviation.filter(|_| view_pose.is_some()) {
            Some(d) => Some(self.view.raw_world(d, required, c)),
            None => self.view.raw_2d(body.as_ref(), self.torso.get(), c),
        };
        if let Some(v) = self.view.update(t, raw_view, c) {
            out.events.push(FormEvent::ViewChanged { t, view: v, ok: self.view_ok() });
        }
        let view_ok = self.view_ok();
        // With world landmarks the rules measure the body turned to the exercise's view whatever
        // the camera sees: reps, holds and the measures that need no projection (trunk lean from
        // vertical, hip and knee flexion, limb elevation, the body line: angles in the body's own
        // planes, unchanged by a turn about the vertical) go on in any view. Only what needs the
        // picture itself to show the view (the hinge's dowel contacts: keypoint proxies, the
        // mask's outline, a held dowel) is gated by it, in the exercise, which says why.
        let view_free = view_pose.is_some();
        // Asked to turn only when the view gates something.
        let wants_turn = !view_free || self.exercise == Exercise::Hinge;
        if view_ok || !wants_turn {
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
        if usable && (view_ok || view_free) {
            let torso = self.torso.get().unwrap_or(1.0);
            let ctx = Ctx {
                cfg: &cfg,
                t,
                dt: credit,
                body: body.unwrap(),
                torso,
                back,
                view: self.view.view(),
                world: view_free,
            };
            self.engine.step(&ctx, &mut out);
        } else if !(view_ok || view_free) || !self.in_view {
            self.engine.suspend(t, &cfg, &mut out);
        }

        self.collect(&mut out);
        self.schedule(t, &mut out);
        out.events
    }

    /// End of input: close open holds and faults. A rep already back at the top counts; a
    /// half-finished one is not counted but reported as an attempt (`FormEvent::Attempt`).
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
        for e in &mut out.events {
            match e {
                FormEvent::RepCompleted(r) => self.reps.push(r.clone()),
                FormEvent::HoldEnded(h) => self.holds.push(h.clone()),
                FormEvent::Attempt(a) => {
                    a.index = self.attempts.len() as u32 + 1;
                    self.attempts.push(a.clone());
                }
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
                View::Front => ("view.face_camera", "Turn to face the camera.".to_string()),
                _ => ("view.turn_side_on", super::world::turn_hint(self.turn_deg)),
            };
            active.push(ActiveCondition {
                request: CueRequest { id: id.into(), text, priority: CuePriority::Safety, since },
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
            attempts: self.attempts.clone(),
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
            attempts: self.attempts.len() as u32,
            hold_seconds_in_form: 0.0,
            holding: false,
            current_cue: self.current_cue.clone().filter(|c| t - c.t <= 3.0),
            active_faults: self.engine.faults().active().into_iter().map(|(id, _)| id).collect(),
            view: self.view.view(),
            in_view: self.in_view,
            phase: String::new(),
            dowel: None,
            angles: LiveAngles::default(),
            turn_deg: self.turn_deg,
        };
        self.engine.live(&mut live);
        // A pose from world landmarks is the body turned to the exercise's view: what the screens
        // draw on the picture goes back onto the body there.
        if let (Some([h, s, ih, is]), Some(d)) = (self.overlay_map, live.dowel.as_mut()) {
            for p in [&mut d.head, &mut d.thoracic, &mut d.sacrum] {
                *p = similarity(h, s, ih, is, *p);
            }
        }
        live
    }
}
