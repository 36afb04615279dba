//! The live pipeline behind the window: a capture thread and an inference thread running the
//! [`Stage`].
//!
//! capture ──newest frame──▶ inference ──newest result──▶ UI
//! Each arrow is a [`Latest`] mailbox: when the model is slower than the camera, frames are dropped
//! (and counted), never queued, and the UI always shows the newest result without waiting. The
//! form engine's events are different: every one is kept (a queue the UI drains), so no rep is
//! lost when the UI skips a result.
//!
//! [`LivePipeline::stepped`] runs the same work on the caller's thread, a fixed number of frames
//! per [`LivePipeline::poll`]: the UI tests use it to replay the demo deterministically.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::stage::{Frames, Stage, StageError};
use super::watch::{PatientStatus, PatientWatch};
use crate::capture::{FrameSource, SourceInfo};
use crate::form::{Exercise, FormConfig, FormEvent, LiveState};
use crate::frame::Frame;
use crate::latest::Latest;
use crate::pose::skeleton::{Pose, PoseSample};
use crate::pose::{ModelError, ModelKind, PoseModel, StageTimes};

/// A frame as it left the capture thread.
struct Captured {
    frame: Frame,
    known: Option<Pose>,
    arrived: Instant,
    capture_ms: f64,
}

/// What the UI shows for one frame.
#[derive(Debug, Clone)]
pub struct LiveResult {
    pub frame: Frame,
    pub sample: PoseSample,
    pub times: StageTimes,
    /// When the frame arrived from the source (the start of the latency the UI measures).
    pub arrived: Instant,
    /// Milliseconds from the frame's arrival at the capture thread to its result being ready.
    pub latency_ms: f64,
    /// Milliseconds the source took to deliver the frame (decode or camera read).
    pub capture_ms: f64,
    /// Results per second over the last second.
    pub fps: f64,
    /// Frames dropped so far because the model was busy.
    pub dropped: u64,
    /// The frame came from the demo's known pose, not the model.
    pub from_demo: bool,
    /// The form engine's state after this frame, when an exercise is chosen.
    pub form: Option<LiveState>,
    /// Hip hinge: the back measured on the person mask, when the mask was reliable.
    pub back: Option<crate::back::BackReading>,
    /// A video call's window or screen region: whether the patient is still in the picture. On
    /// [`PatientStatus::Lost`] show [`super::watch::LOST_PATIENT`]. `None` for other sources.
    pub patient: Option<PatientStatus>,
}

/// Something the UI should know about the pipeline.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum LiveStatus {
    Starting,
    Running,
    /// The source ended normally (end of a file).
    Ended,
    /// The source or the model failed; the message says what to do.
    Failed(String),
}

/// The per-frame work after capture: the [`Stage`], plus the live figures (latency, fps).
struct Worker {
    stage: Stage,
    recent: VecDeque<Instant>,
    /// A screen capture's watch on the patient.
    watch: Option<PatientWatch>,
}

impl Worker {
    fn new(
        model: Option<PoseModel>,
        model_error: Option<String>,
        exercise: Option<(Exercise, FormConfig)>,
        info: &SourceInfo,
    ) -> Self {
        let frames = if info.stills { Frames::Slideshow } else { Frames::Stream };
        let watch = (info.kind == crate::capture::SourceKind::Screen).then(|| PatientWatch::new(info.fps));
        Self { stage: Stage::new(model, model_error, exercise, frames), recent: VecDeque::new(), watch }
    }

    fn process(&mut self, c: Captured, dropped: u64, events: &mut Vec<FormEvent>) -> Result<LiveResult, StageError> {
        let r = self.stage.process(&c.frame, c.known)?;
        events.extend(r.events);
        let patient = self.watch.as_mut().map(|w| {
            w.push(c.frame.t, r.sample.present);
            w.status()
        });
        let now = Instant::now();
        self.recent.push_back(now);
        while self.recent.front().is_some_and(|&t| now - t > Duration::from_secs(1)) {
            self.recent.pop_front();
        }
        Ok(LiveResult {
            latency_ms: (now - c.arrived).as_secs_f64() * 1e3,
            arrived: c.arrived,
            capture_ms: c.capture_ms,
            frame: c.frame,
            sample: r.sample,
            times: r.times,
            fps: self.recent.len() as f64,
            dropped,
            from_demo: r.known,
            form: r.form,
            back: r.back,
            patient,
        })
    }
}

type Events = Arc<Mutex<Vec<FormEvent>>>;

enum Mode {
    Threads {
        results: Arc<Latest<LiveResult>>,
        status: Arc<Mutex<LiveStatus>>,
        stop: Arc<AtomicBool>,
        threads: Vec<std::thread::JoinHandle<()>>,
    },
    Stepped {
        source: Box<dyn FrameSource>,
        worker: Box<Worker>,
        per_poll: usize,
        status: LiveStatus,
    },
}

/// A running live pipeline. Dropping it stops the threads.
pub struct LivePipeline {
    pub info: SourceInfo,
    events: Events,
    /// What the stage works around (the person mask unavailable), each said once.
    warnings: Arc<Mutex<Vec<String>>>,
    mode: Mode,
}

impl std::fmt::Debug for LivePipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LivePipeline").field("info", &self.info).finish_non_exhaustive()
    }
}

impl LivePipeline {
    /// Starts capture and inference. `model` may be `None` for sources that know their pose (the
    /// demo); a source that needs the model and has none fails with `model_error`'s message.
    /// `notify` is called after each new result (the window's repaint request).
    #[must_use]
    pub(crate) fn start(
        source: Box<dyn FrameSource>,
        model: Option<PoseModel>,
        model_error: Option<String>,
        exercise: Option<(Exercise, FormConfig)>,
        notify: impl Fn() + Send + 'static,
    ) -> Self {
        let info = source.info().clone();
        let frames = Arc::new(Latest::<Captured>::new());
        let results = Arc::new(Latest::<LiveResult>::new());
        let events: Events = Arc::new(Mutex::new(Vec::new()));
        let warnings = Arc::new(Mutex::new(Vec::new()));
        let status = Arc::new(Mutex::new(LiveStatus::Starting));
        let stop = Arc::new(AtomicBool::new(false));
        let set_status = {
            let status = Arc::clone(&status);
            move |s: LiveStatus| *status.lock().unwrap_or_else(PoisonError::into_inner) = s
        };

        let capture = {
            let (frames, stop, set_status) = (Arc::clone(&frames), Arc::clone(&stop), set_status.clone());
            let paced = info.paced && info.kind == crate::capture::SourceKind::Video;
            std::thread::Builder::new().name("capture".into()).spawn(move || {
                let mut source = source;
                let start = Instant::now();
                let mut first_t = None;
                while !stop.load(Ordering::Relaxed) {
                    let t0 = Instant::now();
                    match source.next_frame() {
                        Ok(Some(frame)) => {
                            let capture_ms = t0.elapsed().as_secs_f64() * 1e3;
                            if paced {
                                // Show a file at its own speed.
                                let t0 = *first_t.get_or_insert(frame.t);
                                let due = start + Duration::from_secs_f64((frame.t - t0).max(0.0));
                                if let Some(wait) = due.checked_duration_since(Instant::now()) {
                                    std::thread::sleep(wait);
                                }
                            }
                            let known = source.known_pose(&frame);
                            frames.put(Captured { frame, known, arrived: Instant::now(), capture_ms });
                        }
                        Ok(None) => {
                            set_status(LiveStatus::Ended);
                            break;
                        }
                        Err(e) => {
                            set_status(LiveStatus::Failed(e.to_string()));
                            break;
                        }
                    }
                }
                frames.close();
            })
        };

        let inference = {
            let (frames, results, events, stop, set_status) =
                (Arc::clone(&frames), Arc::clone(&results), Arc::clone(&events), Arc::clone(&stop), set_status);
            let warned = Arc::clone(&warnings);
            let info = info.clone();
            std::thread::Builder::new().name("inference".into()).spawn(move || {
                // Loaded here, not on the UI's thread: the person mask's model takes a moment.
                let mut worker = Worker::new(model, model_error, exercise, &info);
                warned.lock().unwrap_or_else(PoisonError::into_inner).extend_from_slice(worker.stage.warnings());
                let mut running = false;
                let mut batch = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let Some(c) = frames.take_timeout(Duration::from_millis(100)) else {
                        if frames.is_closed() {
                            break;
                        }
                        continue;
                    };
                    match worker.process(c, frames.overwritten(), &mut batch) {
                        Ok(r) => {
                            if !running {
                                running = true;
                                set_status(LiveStatus::Running);
                            }
                            if !batch.is_empty() {
                                events.lock().unwrap_or_else(PoisonError::into_inner).append(&mut batch);
                            }
                            results.put(r);
                            notify();
                        }
                        Err(e) => {
                            set_status(LiveStatus::Failed(e.to_string()));
                            break;
                        }
                    }
                }
                results.close();
                notify();
            })
        };
        let mut threads = Vec::new();
        for t in [capture, inference] {
            match t {
                Ok(h) => threads.push(h),
                Err(e) => *status.lock().unwrap_or_else(PoisonError::into_inner) = LiveStatus::Failed(e.to_string()),
            }
        }
        Self { info, events, warnings, mode: Mode::Threads { results, status, stop, threads } }
    }

    /// The same work on the caller's thread: each [`poll`](Self::poll) reads and processes
    /// `per_poll` frames and returns the last. For deterministic replays (UI tests).
    #[must_use]
    pub fn stepped(
        source: Box<dyn FrameSource>,
        model: Option<PoseModel>,
        model_error: Option<String>,
        exercise: Option<(Exercise, FormConfig)>,
        per_poll: usize,
    ) -> Self {
        let info = source.info().clone();
        let worker = Box::new(Worker::new(model, model_error, exercise, &info));
        Self {
            info,
            events: Arc::new(Mutex::new(Vec::new())),
            warnings: Arc::new(Mutex::new(worker.stage.warnings().to_vec())),
            mode: Mode::Stepped { source, worker, per_poll: per_poll.max(1), status: LiveStatus::Starting },
        }
    }

    /// The newest result since the last call, if any. Never waits (in stepped mode it does the
    /// work of `per_poll` frames first).
    pub fn poll(&mut self) -> Option<LiveResult> {
        match &mut self.mode {
            Mode::Threads { results, .. } => results.take_timeout(Duration::ZERO),
            Mode::Stepped { source, worker, per_poll, status } => {
                let mut last = None;
                let mut batch = Vec::new();
                for _ in 0..*per_poll {
                    if matches!(status, LiveStatus::Ended | LiveStatus::Failed(_)) {
                        break;
                    }
                    let t0 = Instant::now();
                    let frame = match source.next_frame() {
                        Ok(Some(f)) => f,
                        Ok(None) => {
                            *status = LiveStatus::Ended;
                            break;
                        }
                        Err(e) => {
                            *status = LiveStatus::Failed(e.to_string());
                            break;
                        }
                    };
                    let known = source.known_pose(&frame);
                    let capture_ms = t0.elapsed().as_secs_f64() * 1e3;
                    let c = Captured { frame, known, arrived: Instant::now(), capture_ms };
                    match worker.process(c, 0, &mut batch) {
                        Ok(r) => {
                            *status = LiveStatus::Running;
                            last = Some(r);
                        }
                        Err(e) => *status = LiveStatus::Failed(e.to_string()),
                    }
                }
                self.events.lock().unwrap_or_else(PoisonError::into_inner).append(&mut batch);
                last
            }
        }
    }

    /// Every form-engine event since the last call, in order.
    #[must_use]
    pub fn drain_events(&self) -> Vec<FormEvent> {
        std::mem::take(&mut *self.events.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// What the pipeline works around, each said once (e.g. "person mask unavailable: ...; the
    /// hinge's back is judged on keypoints only"); empty when all is well. The window shows them.
    #[must_use]
    pub(crate) fn warnings(&self) -> Vec<String> {
        self.warnings.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    #[must_use]
    pub(crate) fn status(&self) -> LiveStatus {
        match &self.mode {
            Mode::Threads { status, .. } => status.lock().unwrap_or_else(PoisonError::into_inner).clone(),
            Mode::Stepped { status, .. } => status.clone(),
        }
    }
}

impl Drop for LivePipeline {
    fn drop(&mut self) {
        if let Mode::Threads { stop, threads, .. } = &mut self.mode {
            stop.store(true, Ordering::Relaxed);
            // The capture thread may be blocked in a camera or pipe read; don't hang the UI on it.
            for t in threads.drain(..) {
                if t.is_finished() {
                    let _ = t.join();
                }
            }
        }
    }
}

/// Loads the model for the window, on every core (the window shows the error; the demo still works).
///
/// # Errors
/// When the model or the runtime is missing or wrong.
pub(crate) fn load_model(kind: ModelKind) -> Result<PoseModel, ModelError> {
    let threads = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    PoseModel::load(kind, threads)
}
