//! The therapist's screen: analysing a patient in a video call, live, on the therapist's own
//! computer ("Call (therapist)" on the start screen, or `--source window:TITLE`).
//!
//! Two pages. **Setup** ([`setup`]): the patient, the consent (nothing is captured before it is
//! confirmed: no screenshot, no preview, no analysis), the exercise, the call's picture (a window
//! picked by title from a refreshable list, a screen region dragged out on a screenshot, a
//! recording, or the demo's simulated patient), and an optional crop to the patient's tile dragged
//! on the captured picture. **Live** ([`live`]): the picture with the skeleton, the "Analysing"
//! badge for as long as analysis runs, the rep count, hold time, current faults and the key
//! angles, as the engine measured them (nothing is recomputed here); a freeze frame with its
//! angles and a three-click goniometer ([`goniometer`]); the timeline of the call so far, kept in
//! memory within a stated bound ([`recent`]); the exercise, switchable mid-call (the engine
//! restarts; what was counted stays as a part of the session, [`record`]); the therapist's notes,
//! "keep key frames" (off by default) and Save.
//!
//! Cues are not spoken by default (the therapist is talking); a box turns speech on. The view is
//! stepped from eframe's `App::logic` ([`TherapistView::step`]), never from drawing.

pub mod crop;
pub mod goniometer;
mod live;
pub mod recent;
pub mod record;
mod save;
mod setup;

use std::path::PathBuf;

use crate::capture::window::{ScreenTarget, Tile, WindowInfo};
use crate::capture::{self, FrameSource, SourceError, SourceInfo};
use crate::demo::DemoSource;
use crate::form::{Cue, Exercise, FormEvent};
use crate::frame::Frame;
use crate::pipeline::live::{self as live_pipeline, LivePipeline, LiveResult, LiveStatus};
use crate::pipeline::watch::{PatientStatus, PatientWatch};
use crate::pose::ModelKind;
use crate::session::speech::Speaker;
use crop::{Crop, CropSource};
use goniometer::Goniometer;
use recent::{Entry, Picture, Recent};
use record::{CallRecord, Part};

/// Where the call's picture comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum CallSource {
    /// A window or a region of the screen.
    Screen(ScreenTarget),
    /// A recording of a call (a video file), played as if live.
    File(PathBuf),
    /// The built-in demo: a simulated patient doing the chosen exercise (to try the screen).
    Demo,
}

impl CallSource {
    /// How the session names it: `window:TITLE`, `screen:X,Y,W,H`, the file, `demo`.
    #[must_use]
    pub fn spec(&self) -> String {
        match self {
            CallSource::Screen(ScreenTarget::Region { x, y, width, height }) => {
                format!("screen:{x},{y},{width},{height}")
            }
            CallSource::Screen(ScreenTarget::Window(t)) => format!("window:{t}"),
            CallSource::Screen(ScreenTarget::WindowTile { title, tile }) => {
                format!("window:{title}@{},{},{},{}", tile.x, tile.y, tile.width, tile.height)
            }
            CallSource::File(p) => p.display().to_string(),
            CallSource::Demo => "demo".into(),
        }
    }
}

/// Which page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Page {
    Setup,
    Live,
}

/// What the setup page's picture is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PreviewFor {
    /// A screenshot of the whole screen, to drag out a region.
    Region,
    /// The chosen source's picture, to drag out the patient's tile.
    Crop,
}

/// A captured picture on the setup page, and the rectangle being dragged on it.
struct Preview {
    purpose: PreviewFor,
    frame: Frame,
    texture: Option<egui::TextureHandle>,
    drag_from: Option<[f32; 2]>,
    drag_to: Option<[f32; 2]>,
}

/// The running analysis of one part: the pipeline and where its frames sit on the call's clock.
struct Engine {
    pipeline: LivePipeline,
    info: SourceInfo,
    /// The first frame's own time (its source's clock), once seen.
    t0: Option<f64>,
    /// The call time at which this part began.
    offset: f64,
    /// The engine's last cue handled (time, id).
    cue: Option<(f64, String)>,
    /// The thresholds it judges with.
    config: crate::form::FormConfig,
}

/// The frame on hold: a picture, its numbers, the goniometer on it.
pub(crate) struct Frozen {
    pub(crate) picture: Picture,
    pub(crate) entry: Entry,
    pub(crate) texture: Option<egui::TextureHandle>,
    pub(crate) goniometer: Goniometer,
}

/// The therapist's screen.
pub struct TherapistView {
    stepped: Option<usize>,
    model: ModelKind,
    page: Page,
    // The setup.
    patient: String,
    consent_box: bool,
    exercise: Exercise,
    source: Option<CallSource>,
    windows: Result<Vec<WindowInfo>, String>,
    region_text: String,
    file_text: String,
    preview: Option<Preview>,
    crop: Option<Crop>,
    message: Option<String>,
    // The call.
    record: CallRecord,
    engine: Option<Engine>,
    status: Option<LiveStatus>,
    last: Option<LiveResult>,
    results: u64,
    shown: u64,
    texture: Option<egui::TextureHandle>,
    recent: Recent,
    /// Call time of the last frame.
    now_t: f64,
    /// Whether the patient is still in the picture (on the call's clock, every source).
    watch: PatientWatch,
    lost: bool,
    frozen: Option<Frozen>,
    speak: bool,
    speaker: Option<Speaker>,
    saved: Option<Result<String, String>>,
    saver: save::Saver,
    data_dir: Option<PathBuf>,
    /// The patients in the store, to choose from (names).
    patients: Vec<String>,
}

impl TherapistView {
    /// A new call's setup. `stepped`: process that many frames per pass on the UI thread (tests).
    /// `data_dir`: where sessions are saved (None: the usual data folder).
    #[must_use]
    pub(crate) fn new(
        exercise: Option<Exercise>,
        model: ModelKind,
        stepped: Option<usize>,
        data_dir: Option<PathBuf>,
    ) -> Self {
        let mut v = Self {
            stepped,
            model,
            page: Page::Setup,
            patient: String::new(),
            consent_box: false,
            exercise: exercise.unwrap_or(Exercise::Hinge),
            source: None,
            windows: Ok(Vec::new()),
            region_text: String::new(),
            file_text: String::new(),
            preview: None,
            crop: None,
            message: None,
            record: CallRecord::default(),
            engine: None,
            status: None,
            last: None,
            results: 0,
            shown: 0,
            texture: None,
            recent: Recent::default(),
            now_t: 0.0,
            watch: PatientWatch::new(None),
            lost: false,
            frozen: None,
            speak: false,
            speaker: None,
            saved: None,
            saver: save::Saver::default(),
            patients: Vec::new(),
            data_dir,
        };
        v.refresh_windows();
        v.patients = v.known_patients();
        v
    }

    /// The same, with the call's window or region already chosen (`--source window:TITLE`).
    #[must_use]
    pub(crate) fn with_source(mut self, source: CallSource) -> Self {
        self.source = Some(source);
        self
    }

    /// Lists the open windows again (titles only: no picture is captured).
    pub(crate) fn refresh_windows(&mut self) {
        self.windows = capture::window::list_windows().map_err(|e| e.to_string());
    }

    /// Whether the patient's consent has been confirmed for this call.
    #[must_use]
    pub fn consented(&self) -> bool {
        self.record.consent_at.is_some()
    }

    /// Whether analysis is running now (the "Analysing" badge shows exactly then).
    #[must_use]
    pub fn is_analysing(&self) -> bool {
        self.engine.is_some() && !matches!(self.status, Some(LiveStatus::Ended | LiveStatus::Failed(_)))
    }

    /// Whether anything has captured a picture of the call so far (a screenshot, a preview, or
    /// analysis).
    #[must_use]
    pub fn has_captured(&self) -> bool {
        self.preview.is_some() || self.engine.is_some() || !self.recent.is_empty()
    }

    /// The exercise being judged (or to be judged).
    #[must_use]
    pub fn exercise(&self) -> Exercise {
        self.exercise
    }

    /// The session so far: a part per exercise chosen, with what the engine counted.
    #[must_use]
    pub fn record(&self) -> &CallRecord {
        &self.record
    }

    /// The newest analysed result.
    #[must_use]
    pub fn last(&self) -> Option<&LiveResult> {
        self.last.as_ref()
    }

    /// The picture on hold, if any: (width, height) of the picture shown.
    #[must_use]
    pub fn frozen_size(&self) -> Option<(u32, u32)> {
        self.frozen.as_ref().map(|f| (f.picture.width, f.picture.height))
    }

    /// The goniometer's angle on the frozen frame, once three points are clicked.
    #[must_use]
    pub fn goniometer_angle(&self) -> Option<f32> {
        self.frozen.as_ref().and_then(|f| f.goniometer.angle())
    }

    /// The goniometer's points on the frozen frame (picture pixels).
    #[must_use]
    pub fn goniometer_points(&self) -> Vec<[f32; 2]> {
        self.frozen.as_ref().map_or_else(Vec::new, |f| f.goniometer.points().to_vec())
    }

    /// Takes the newest result and advances the call by it (from `App::logic`; never waits).
    pub(crate) fn step(&mut self) {
        let Some(engine) = self.engine.as_mut() else { return };
        let Some(r) = engine.pipeline.poll() else {
            self.status = Some(engine.pipeline.status());
            self.after_status();
            return;
        };
        let events = engine.pipeline.drain_events();
        let status = engine.pipeline.status();
        let t0 = *engine.t0.get_or_insert(r.sample.t);
        let t = engine.offset + (r.sample.t - t0).max(0.0);
        let part_index = self.record.parts.len().saturating_sub(1);
        if let Some(part) = self.record.parts.last_mut() {
            part.t0.get_or_insert(t0);
            part.offset = engine.offset;
            for e in events {
                match e {
                    FormEvent::RepCompleted(rep) => part.reps.push(rep),
                    FormEvent::Attempt(a) => part.attempts.push(a),
                    FormEvent::HoldEnded(h) => part.holds.push(h),
                    _ => {}
                }
            }
        }
        // A cue, spoken only when the therapist turned speech on.
        if let Some(c) = r.form.as_ref().and_then(|f| f.current_cue.as_ref()) {
            let key = (c.t, c.id.clone());
            if engine.cue.as_ref() != Some(&key) {
                engine.cue = Some(key);
                self.say(c);
                if let Some(part) = self.record.parts.last_mut() {
                    part.cues.push(c.clone());
                }
            }
        }
        self.now_t = t;
        self.watch.push(t, r.sample.present);
        // The capture's own watch (a window or region), else the screen's on the call's clock.
        self.lost = r.patient.unwrap_or_else(|| self.watch.status()) == PatientStatus::Lost;
        let entry = Entry {
            t,
            part: part_index,
            exercise: self.exercise,
            present: r.sample.present,
            pose: r.sample.pose,
            size: (r.frame.width, r.frame.height),
            form: r.form.clone(),
            thoracic_gap: r.back.as_ref().and_then(|b| b.thoracic_gap),
            head_gap: r.back.as_ref().and_then(|b| b.head_gap),
        };
        self.recent.push(entry, &r.frame);
        self.last = Some(r);
        self.results += 1;
        self.status = Some(if status == LiveStatus::Starting { LiveStatus::Running } else { status });
        self.after_status();
    }

    /// A source that failed or ended stops the analysis (the record stays).
    fn after_status(&mut self) {
        if let Some(LiveStatus::Failed(m)) = &self.status {
            if m.starts_with("lost the patient") || m.contains("lost the patient: pick the region again") {
                self.lost = true;
            }
            self.message = Some(m.clone());
        }
    }

    fn say(&mut self, c: &Cue) {
        if !self.speak {
            return;
        }
        let s = self.speaker.get_or_insert_with(Speaker::start);
        s.say(&c.id, &c.text);
    }

    /// Opens the chosen source (cropped when a tile is set).
    fn open_source(&self, exercise: Exercise) -> Result<Box<dyn FrameSource>, SourceError> {
        let Some(source) = &self.source else {
            return Err(SourceError::Capture { reason: "no window or region chosen: pick one first".into() });
        };
        let paced = self.stepped.is_none();
        let tile = self.crop.map(|c| Tile { x: c.x, y: c.y, width: c.width, height: c.height });
        let src: Box<dyn FrameSource> = match (source, self.crop) {
            // A window's tile is cropped by the capture itself: only those pixels are read.
            (CallSource::Screen(t @ (ScreenTarget::Window(_) | ScreenTarget::WindowTile { .. })), _) => {
                return capture::window::WindowSource::open(&t.clone().with_tile(tile));
            }
            // A region's tile is a smaller region.
            (CallSource::Screen(ScreenTarget::Region { x, y, .. }), Some(c)) => {
                return capture::window::WindowSource::open(&ScreenTarget::Region {
                    x: x + c.x as i32,
                    y: y + c.y as i32,
                    width: c.width,
                    height: c.height,
                });
            }
            (CallSource::Screen(t), None) => capture::window::WindowSource::open(t)?,
            (CallSource::File(p), _) => capture::open_path(p, crate::frame::PixelFormat::Rgb24)?,
            (CallSource::Demo, _) => Box::new(DemoSource::new(exercise, paced)),
        };
        match self.crop {
            Some(c) => Ok(Box::new(CropSource::new(src, c)?)),
            None => Ok(src),
        }
    }

    /// Captures one picture for the setup page (only after consent).
    fn capture_preview(&mut self, purpose: PreviewFor, screen: Option<(u32, u32)>) {
        if !self.consented() {
            self.message = Some("Confirm the patient's consent first: nothing is captured before it.".into());
            return;
        }
        let opened = match purpose {
            PreviewFor::Region => match screen {
                Some((w, h)) => {
                    capture::window::WindowSource::open(&ScreenTarget::Region { x: 0, y: 0, width: w, height: h })
                }
                None => Err(SourceError::Capture {
                    reason: "the screen's size is not known here: type the region as X,Y,WIDTH,HEIGHT".into(),
                }),
            },
            PreviewFor::Crop => {
                // The whole picture, whatever crop was set before.
                let crop = self.crop.take();
                let r = self.open_source(self.exercise);
                self.crop = crop;
                r
            }
        };
        let frame = opened.and_then(|mut s| {
            s.next_frame()?.ok_or_else(|| SourceError::Capture { reason: "the source gave no picture".into() })
        });
        match frame {
            Ok(frame) => {
                self.message = None;
                self.preview = Some(Preview { purpose, frame, texture: None, drag_from: None, drag_to: None });
            }
            Err(e) => self.message = Some(e.to_string()),
        }
    }

    /// Starts (or resumes) analysis: a new part of the session for the current exercise.
    pub(crate) fn start(&mut self) {
        if !self.consented() {
            self.message = Some("Confirm the patient's consent first: no analysis starts before it.".into());
            return;
        }
        let src = match self.open_source(self.exercise) {
            Ok(s) => s,
            Err(e) => {
                self.message = Some(e.to_string());
                return;
            }
        };
        let model = match live_pipeline::model_for(src.info(), self.model) {
            Ok(m) => m,
            Err(e) => {
                self.message = Some(e.to_string());
                return;
            }
        };
        // The patient's own plan when the store has one for them, else the usual thresholds.
        let plan = self.patient_plan();
        let config = crate::session::prescription::effective_config(plan.as_ref(), self.exercise);
        let info = src.info().clone();
        let exercise = Some((self.exercise, config.clone()));
        let pipeline = match self.stepped {
            Some(k) => LivePipeline::stepped(src, model, None, exercise, k),
            None => LivePipeline::start(src, model, None, exercise, || {}),
        };
        let offset = if self.recent.is_empty() { 0.0 } else { self.now_t + 1.0 / 30.0 };
        if self.record.source.is_empty()
            && let Some(s) = &self.source
        {
            self.record.source = s.spec();
        }
        self.record.parts.push(Part::new(self.exercise, offset));
        self.engine = Some(Engine { pipeline, info, t0: None, offset, cue: None, config });
        self.status = Some(LiveStatus::Starting);
        // A new part (a new tile, another exercise): the patient is looked for afresh.
        self.watch = PatientWatch::new(None);
        self.now_t = offset;
        self.lost = false;
        self.message = None;
        self.preview = None;
        self.page = Page::Live;
    }

    /// Stops analysis (the record stays, for the timeline and Save).
    pub(crate) fn stop(&mut self) {
        self.engine = None;
        self.status = Some(LiveStatus::Ended);
    }

    /// Switches the exercise: the engine restarts for it; what was counted stays a part of the
    /// session.
    pub(crate) fn switch_exercise(&mut self, e: Exercise) {
        if e == self.exercise {
            return;
        }
        self.exercise = e;
        if self.engine.is_some() {
            self.engine = None;
            self.start();
        }
    }

    /// Back to the setup page to pick the region (or the tile) again; the record stays.
    pub(crate) fn pick_again(&mut self) {
        self.stop();
        self.frozen = None;
        self.page = Page::Setup;
    }

    /// The source's description while analysing.
    fn source_name(&self) -> Option<&str> {
        self.engine.as_ref().map(|e| e.info.name.as_str())
    }

    /// Saves the call's session under the patient, with the consent, the notes and (when ticked)
    /// the key frames; again later, what was counted since.
    fn save(&mut self) -> Result<String, String> {
        let r = self.saver.save(self.data_dir.as_deref(), &self.record, &self.recent).map_err(|e| e.to_string());
        if r.is_ok() {
            self.patients = self.known_patients();
        }
        r
    }

    /// The names of the patients in the store (the home flow's implicit one left out); empty
    /// when there is no store yet.
    fn known_patients(&self) -> Vec<String> {
        let dir = match &self.data_dir {
            Some(d) => d.clone(),
            None => match crate::paths::data_dir() {
                Ok(d) => d,
                Err(_) => return Vec::new(),
            },
        };
        let path = dir.join("formcheck.db");
        if !path.is_file() {
            return Vec::new();
        }
        crate::session::store::Store::open_to_read(&path)
            .and_then(|s| s.patients())
            .map(|ps| ps.into_iter().filter(|p| !p.patient.is_default).map(|p| p.patient.name).collect())
            .unwrap_or_default()
    }

    /// The plan the store keeps for the chosen patient (`formcheck patients --patient NAME
    /// --prescription FILE`), if any. A patient not yet in the store, or a store that cannot be read,
    /// has none: the usual thresholds judge, as for a new patient.
    fn patient_plan(&self) -> Option<crate::session::prescription::Prescription> {
        let name = self.patient.trim();
        if name.is_empty() {
            return None;
        }
        let dir = match &self.data_dir {
            Some(d) => d.clone(),
            None => crate::paths::data_dir().ok()?,
        };
        let path = dir.join("formcheck.db");
        if !path.is_file() {
            return None;
        }
        let store = crate::session::store::Store::open_to_read(&path).ok()?;
        let patient = store.find_patient(name).ok()??;
        store.patient_plan(patient.id).ok()?
    }

    /// The thresholds the running analysis judges with (the patient's own plan, else the usual
    /// ones); None when nothing is being analysed.
    #[must_use]
    pub fn config(&self) -> Option<&crate::form::FormConfig> {
        self.engine.as_ref().map(|e| &e.config)
    }

    /// The stored session of this call, once saved.
    #[must_use]
    pub fn saved_session(&self) -> Option<i64> {
        self.saver.session()
    }

    /// Lays out the screen; true when the therapist asked to leave.
    pub(crate) fn show(&mut self, ui: &mut egui::Ui) -> bool {
        match self.page {
            Page::Setup => self.setup_page(ui),
            Page::Live => self.live_page(ui),
        }
    }
}

/// The unix time now (s).
fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}
