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
//!
//! Every processed frame's frame-to-cue latency (from its capture to its events being queued; see
//! [`super::latency`]) goes into a histogram, [`LivePipeline::stats`]; [`run_realtime`] plays a
//! source through the threads at its own pace and reports it (`formcheck analyze --realtime`).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::latency::{LatencyHistogram, LatencySummary, capture_moment, frame_to_cue_ms};
use super::stage::{Frames, Stage, StageError};
use super::watch::{PatientStatus, PatientWatch};
use crate::capture::{FrameSource, SourceInfo, SourceKind};
use crate::form::{Exercise, ExerciseReport, FormConfig, FormEvent, LiveState};
use crate::frame::Frame;
use crate::latest::Latest;
use crate::pose::skeleton::{Pose, PoseSample};
use crate::pose::{ModelError, ModelKind, PoseModel, StageTimes};

/// A frame as it left the capture thread.
struct Captured {
    frame: Frame,
    known: Option<Pose>,
    /// The frame's capture moment ([`capture_moment`]): a paced file's due time, else when the
    /// source returned it.
    arrived: Instant,
    capture_ms: f64,
}

/// What the UI shows for one frame.
#[derive(Debug, Clone)]
pub struct LiveResult {
    pub frame: Frame,
    pub sample: PoseSample,
    pub times: StageTimes,
    /// When the frame was captured (a file played at its pace: when it was due; see
    /// [`super::latency`]): the start of the latencies measured.
    pub arrived: Instant,
    /// Milliseconds from the frame's capture to its result being ready.
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

/// What the live pipeline measured so far (shared with the inference thread).
#[derive(Debug, Clone, Default)]
pub struct LiveStats {
    /// Frame-to-cue latency of every processed frame.
    pub latency: LatencyHistogram,
    /// Frames through the stage.
    pub processed: u64,
    /// Frames dropped because the model was busy.
    pub dropped: u64,
    /// The form engine's verdict, once the source has ended (streams with an exercise).
    pub report: Option<ExerciseReport>,
}

type Stats = Arc<Mutex<LiveStats>>;

fn lock_stats(stats: &Stats) -> std::sync::MutexGuard<'_, LiveStats> {
    stats.lock().unwrap_or_else(PoisonError::into_inner)
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
    stats: Stats,
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
        let stats: Stats = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let set_status = {
            let status = Arc::clone(&status);
            move |s: LiveStatus| {
                let mut current = status.lock().unwrap_or_else(PoisonError::into_inner);
                // Running only follows Starting: a source that ended (or failed) before the first
                // result was ready stays ended, or whoever waits for the end would wait forever.
                if s != LiveStatus::Running || *current == LiveStatus::Starting {
                    *current = s;
                }
            }
        };

        let capture = {
            let (frames, stop, set_status) = (Arc::clone(&frames), Arc::clone(&stop), set_status.clone());
            let paced = info.paced && info.kind == crate::capture::SourceKind::Video;
            std::thread::Builder::new().name("capture".into()).spawn(move || {
                let mut source = source;
                let mut first: Option<(Instant, f64)> = None;
                while !stop.load(Ordering::Relaxed) {
                    let t0 = Instant::now();
                    match source.next_frame() {
                        Ok(Some(frame)) => {
                            let returned = Instant::now();
                            let capture_ms = (returned - t0).as_secs_f64() * 1e3;
                            let due = paced.then(|| {
                                // Show a file at its own speed: each frame is captured when due.
                                let (start, t0) = *first.get_or_insert((returned, frame.t));
                                let due = start + Duration::from_secs_f64((frame.t - t0).max(0.0));
                                if let Some(wait) = due.checked_duration_since(Instant::now()) {
                                    std::thread::sleep(wait);
                                }
                                due
                            });
                            let known = source.known_pose(&frame);
                            let arrived = capture_moment(due, returned);
                            frames.put(Captured { frame, known, arrived, capture_ms });
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
            let stats = Arc::clone(&stats);
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
                    let dropped = frames.overwritten();
                    match worker.process(c, dropped, &mut batch) {
                        Ok(r) => {
                            if !running {
                                running = true;
                                set_status(LiveStatus::Running);
                            }
                            if !batch.is_empty() {
                                events.lock().unwrap_or_else(PoisonError::into_inner).append(&mut batch);
                            }
                            // The frame's events are out: its cue is emitted.
                            let latency = frame_to_cue_ms(r.arrived, Instant::now());
                            {
                                let mut s = lock_stats(&stats);
                                s.latency.record(latency);
                                s.processed += 1;
                                s.dropped = dropped;
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
                if frames.is_closed() && !stop.load(Ordering::Relaxed) {
                    // The source ended: close the open rep or hold, for whoever asks for the verdict.
                    let mut s = lock_stats(&stats);
                    s.dropped = frames.overwritten();
                    s.report = worker.stage.finish();
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
        Self { info, events, warnings, stats, mode: Mode::Threads { results, status, stop, threads } }
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
            stats: Arc::default(),
            mode: Mode::Stepped { source, worker, per_poll: per_poll.max(1), status: LiveStatus::Starting },
        }
    }

    /// The newest result since the last call, if any. Never waits (in stepped mode it does the
    /// work of `per_poll` frames first).
    pub fn poll(&mut self) -> Option<LiveResult> {
        match &mut self.mode {
            Mode::Threads { results, .. } => results.take_timeout(Duration::ZERO),
            Mode::Stepped { source, worker, per_poll, status } => {
                let stats = &self.stats;
                let mut last = None;
                let mut batch = Vec::new();
                let mut arrivals = Vec::new();
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
                    let c = Captured { frame, known, arrived: capture_moment(None, Instant::now()), capture_ms };
                    match worker.process(c, 0, &mut batch) {
                        Ok(r) => {
                            *status = LiveStatus::Running;
                            // The batch is queued when this poll ends; the cue is emitted then.
                            arrivals.push(r.arrived);
                            last = Some(r);
                        }
                        Err(e) => *status = LiveStatus::Failed(e.to_string()),
                    }
                }
                self.events.lock().unwrap_or_else(PoisonError::into_inner).append(&mut batch);
                let emitted = Instant::now();
                let mut s = lock_stats(stats);
                for a in arrivals {
                    s.latency.record(frame_to_cue_ms(a, emitted));
                    s.processed += 1;
                }
                if *status == LiveStatus::Ended && s.report.is_none() {
                    s.report = worker.stage.finish();
                }
                last
            }
        }
    }

    /// What the pipeline measured so far: latency, frames processed and dropped, and (once the
    /// source ended) the verdict.
    #[must_use]
    pub fn stats(&self) -> LiveStats {
        lock_stats(&self.stats).clone()
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

    /// Whether the inference thread has finished (threads), or the source ended (stepped).
    fn finished(&self) -> bool {
        match &self.mode {
            Mode::Threads { threads, .. } => threads.iter().all(std::thread::JoinHandle::is_finished),
            Mode::Stepped { status, .. } => matches!(status, LiveStatus::Ended | LiveStatus::Failed(_)),
        }
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

/// The model a live source needs: none for the built-in demo (its pose is known), else
/// [`load_model`]'s.
///
/// # Errors
/// When the model or the runtime is missing or wrong.
pub(crate) fn model_for(info: &SourceInfo, kind: ModelKind) -> Result<Option<PoseModel>, ModelError> {
    if info.kind == SourceKind::Demo { Ok(None) } else { load_model(kind).map(Some) }
}

/// What [`run_realtime`] measured.
#[derive(Debug, Clone)]
pub struct RealtimeRun {
    /// Frames through the stage.
    pub processed: u64,
    /// Frames dropped because the model was still busy with an earlier one.
    pub dropped: u64,
    pub wall_seconds: f64,
    /// Frame-to-cue latency of the processed frames.
    pub latency: LatencySummary,
    /// The form engine's verdict (with an exercise, when the source ended).
    pub report: Option<ExerciseReport>,
    /// Every form-engine event, in order.
    pub events: Vec<FormEvent>,
    /// Peak resident memory of the process, MB.
    pub peak_memory_mb: f64,
    /// What the stage worked around (e.g. the person mask unavailable).
    pub warnings: Vec<String>,
    /// Set when the source or the model failed.
    pub error: Option<String>,
}

impl RealtimeRun {
    /// One line a person can compare across runs.
    #[must_use]
    pub fn summary(&self) -> String {
        let seen = self.processed + self.dropped;
        format!(
            "real time: {} frames processed, {} dropped ({:.1}%) in {:.2} s: {:.1} fps | {} | peak memory {:.0} MB",
            self.processed,
            self.dropped,
            100.0 * self.dropped as f64 / seen.max(1) as f64,
            self.wall_seconds,
            if self.wall_seconds > 0.0 { self.processed as f64 / self.wall_seconds } else { 0.0 },
            self.latency.line(),
            self.peak_memory_mb
        )
    }
}

/// Plays `source` through the live pipeline's threads, as the window would (a file at its own
/// pace, frames dropped when the model is busy), until it ends, and reports the frame-to-cue
/// latency and the verdict. For `formcheck analyze --realtime`.
#[must_use]
pub fn run_realtime(
    source: Box<dyn FrameSource>,
    model: Option<PoseModel>,
    exercise: Option<(Exercise, FormConfig)>,
) -> RealtimeRun {
    let start = Instant::now();
    let mut pipeline = LivePipeline::start(source, model, None, exercise, || {});
    let mut events = Vec::new();
    let error = loop {
        // The UI's side: take the newest result (and drop it), drain the events.
        let _ = pipeline.poll();
        events.extend(pipeline.drain_events());
        match pipeline.status() {
            LiveStatus::Failed(e) => break Some(e),
            LiveStatus::Ended if pipeline.finished() => break None,
            _ => std::thread::sleep(Duration::from_millis(5)),
        }
    };
    events.extend(pipeline.drain_events());
    let stats = pipeline.stats();
    RealtimeRun {
        processed: stats.processed,
        dropped: stats.dropped,
        wall_seconds: start.elapsed().as_secs_f64(),
        latency: stats.latency.summary(),
        report: stats.report,
        events,
        peak_memory_mb: super::analyze::peak_memory_mb(),
        warnings: pipeline.warnings(),
        error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::{SourceError, SourceKind};
    use crate::demo::DemoSource;

    /// A short clip "played" at its pace: `n` frames 10 ms apart, whose pose is known.
    struct Clip {
        info: SourceInfo,
        next: u64,
        n: u64,
    }

    impl Clip {
        fn new(n: u64) -> Self {
            let info = SourceInfo {
                kind: SourceKind::Video,
                name: "clip".into(),
                width: 4,
                height: 4,
                fps: Some(100.0),
                duration_s: None,
                frame_count: Some(n),
                stills: false,
                paced: true,
                mirrored: false,
            };
            Self { info, next: 0, n }
        }
    }

    impl FrameSource for Clip {
        fn info(&self) -> &SourceInfo {
            &self.info
        }

        fn next_frame(&mut self) -> Result<Option<Frame>, SourceError> {
            if self.next == self.n {
                return Ok(None);
            }
            self.next += 1;
            Ok(Some(Frame::new(self.next - 1, (self.next - 1) as f64 * 0.01, 4, 4, vec![0; 48])))
        }

        fn known_pose(&self, _: &Frame) -> Option<Pose> {
            Some(Pose::default())
        }
    }

    #[test]
    fn every_processed_frame_gets_one_latency_within_the_run() {
        // Stepped: 3 polls of 10 demo frames, 30 latencies, none longer than the whole test.
        let t0 = Instant::now();
        let config = FormConfig::default();
        let mut live = LivePipeline::stepped(
            Box::new(DemoSource::new(Exercise::Hinge, false)),
            None,
            None,
            Some((Exercise::Hinge, config)),
            10,
        );
        for _ in 0..3 {
            assert!(live.poll().is_some());
        }
        let bound = t0.elapsed().as_secs_f64() * 1e3;
        let s = live.stats();
        assert_eq!((s.processed, s.latency.count()), (30, 30));
        let l = s.latency.summary();
        assert!(l.p50_ms <= l.p95_ms && l.p95_ms <= l.max_ms && l.max_ms <= bound, "{l:?} within {bound} ms");
        assert!(s.report.is_none(), "the demo has not ended");
    }

    #[test]
    fn a_realtime_run_accounts_for_every_frame_and_gives_the_verdict() {
        let t0 = Instant::now();
        let config = FormConfig::default();
        let run = run_realtime(Box::new(Clip::new(12)), None, Some((Exercise::Hinge, config)));
        let bound = t0.elapsed().as_secs_f64() * 1e3;
        assert_eq!(run.error, None);
        // Each frame is either processed (with one latency) or dropped, never both or neither.
        assert_eq!(run.processed + run.dropped, 12, "{run:?}");
        assert_eq!(run.latency.frames, run.processed);
        assert!(run.processed >= 1);
        assert!(run.latency.max_ms <= bound && run.latency.p95_ms <= run.latency.max_ms, "{:?}", run.latency);
        // Played at its pace: 11 frame intervals of 10 ms take at least 110 ms.
        assert!(run.wall_seconds >= 0.11, "{}", run.wall_seconds);
        assert!(run.report.is_some(), "the source ended: the verdict is there");
        assert!(run.summary().contains("frame-to-cue latency p50"));
    }
}
