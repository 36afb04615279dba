//! Clip review (telehealth): a recorded video analysed in the background, then a timeline of reps,
//! holds and faults with a playhead, the frame at the playhead with the skeleton and the dowel from
//! the analysis (no inference again), the angle readouts, a plot of the angles over time and the
//! list of reps.
//!
//! The pure part is [`Timeline`]: spans, fault bands, the next and previous fault onset and the
//! frame nearest a time. Frames are decoded on demand ([`FrameFetcher`]): `ffmpeg -ss` seeks on a
//! worker thread, the newest request wins, and a batch of the following frames is cached so that
//! stepping forward is immediate. Nothing of the picture is kept in memory beyond that cache.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use egui::{Color32, RichText};

use super::draw::{draw_back, draw_dowel, draw_skeleton};
use crate::analyze::{Analysis, FrameOut};
use crate::form::{Exercise, ExerciseReport, FaultId, FormConfig, Severity};
use crate::frame::{Frame, PixelFormat};
use crate::latest::Latest;
use crate::pose::ModelKind;
use crate::pose::skeleton::{Joint, Keypoint, Pose};
use crate::source::{FrameSource, SourceError, SourceInfo};

/// Keyboard help on the review screen.
pub const REVIEW_KEYS_HELP: &str = "Left / Right arrow: step a frame · Esc: back";

/// A rep or a hold on the timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    /// The rep's or hold's number (from 1).
    pub index: u32,
    pub start_s: f64,
    pub end_s: f64,
    /// Whether it had any fault.
    pub faulty: bool,
}

/// A stretch of time during which a fault was active.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaultBand {
    pub start_s: f64,
    pub end_s: f64,
    /// The fault was only reported for the whole rep (no frame had it active): the band is the rep.
    pub whole_rep: bool,
}

/// One fault's row on the timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultRow {
    pub fault: FaultId,
    pub severity: Severity,
    /// In time order, not overlapping.
    pub bands: Vec<FaultBand>,
}

/// The timeline's content, built once from an analysis: pure, no UI.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Timeline {
    /// Time of each frame (s), ascending.
    pub times: Vec<f64>,
    pub reps: Vec<Span>,
    pub holds: Vec<Span>,
    /// Major faults first, then by id.
    pub faults: Vec<FaultRow>,
}

impl Timeline {
    /// Builds the timeline from the analysed frames (their `active_faults`) and the report (reps,
    /// holds and the faults each rep or hold was given).
    #[must_use]
    pub fn new(frames: &[FrameOut], report: Option<&ExerciseReport>) -> Self {
        let times: Vec<f64> = frames.iter().map(|f| f.t).collect();
        let mut rows: Vec<FaultRow> = Vec::new();
        let row_of = |rows: &mut Vec<FaultRow>, fault: FaultId| -> usize {
            if let Some(i) = rows.iter().position(|r| r.fault == fault) {
                return i;
            }
            rows.push(FaultRow { fault, severity: fault.severity(), bands: Vec::new() });
            rows.len() - 1
        };
        // Runs of consecutive frames with the fault active; a band ends where the next frame begins.
        let mut open: Vec<(FaultId, f64)> = Vec::new();
        for (i, f) in frames.iter().enumerate() {
            let active: &[FaultId] = f.form.as_ref().map_or(&[], |s| s.active_faults.as_slice());
            let end_t = f.t;
            open.retain(|&(fault, start)| {
                if active.contains(&fault) {
                    return true;
                }
                let r = row_of(&mut rows, fault);
                rows[r].bands.push(FaultBand { start_s: start, end_s: end_t, whole_rep: false });
                false
            });
            for &fault in active {
                if !open.iter().any(|o| o.0 == fault) {
                    open.push((fault, f.t));
                }
            }
            if i + 1 == frames.len() {
                for &(fault, start) in &open {
                    let r = row_of(&mut rows, fault);
                    rows[r].bands.push(FaultBand { start_s: start, end_s: f.t, whole_rep: false });
                }
            }
        }
        let mut reps = Vec::new();
        let mut holds = Vec::new();
        if let Some(report) = report {
            let spans = report
                .reps
                .iter()
                .map(|r| (r.start_s, r.end_s, &r.faults))
                .chain(report.holds.iter().map(|h| (h.start_s, h.end_s, &h.faults)));
            for (start_s, end_s, faults) in spans {
                // A fault the rep was given but no frame showed active is drawn over the whole rep.
                for &fault in faults {
                    let r = row_of(&mut rows, fault);
                    let seen = rows[r].bands.iter().any(|b| b.start_s <= end_s && b.end_s >= start_s);
                    if !seen {
                        rows[r].bands.push(FaultBand { start_s, end_s, whole_rep: true });
                    }
                }
            }
            reps = report
                .reps
                .iter()
                .map(|r| Span { index: r.index, start_s: r.start_s, end_s: r.end_s, faulty: !r.faults.is_empty() })
                .collect();
            holds = report
                .holds
                .iter()
                .map(|h| Span { index: h.index, start_s: h.start_s, end_s: h.end_s, faulty: !h.faults.is_empty() })
                .collect();
        }
        for r in &mut rows {
            r.bands.sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
        }
        rows.sort_by_key(|r| (r.severity, r.fault));
        Self { times, reps, holds, faults: rows }
    }

    /// Time of the first frame (0 without frames).
    #[must_use]
    pub fn start(&self) -> f64 {
        self.times.first().copied().unwrap_or(0.0)
    }

    /// Time of the last frame (0 without frames).
    #[must_use]
    pub fn end(&self) -> f64 {
        self.times.last().copied().unwrap_or(0.0)
    }

    /// The frame whose time is nearest `t` (the earlier one on a tie); 0 without frames.
    #[must_use]
    pub fn nearest_frame(&self, t: f64) -> usize {
        let n = self.times.len();
        if n == 0 {
            return 0;
        }
        let i = self.times.partition_point(|&x| x < t);
        if i == 0 {
            0
        } else if i >= n {
            n - 1
        } else if (self.times[i] - t) < (t - self.times[i - 1]) {
            i
        } else {
            i - 1
        }
    }

    /// Frame `i` moved by `delta` frames, kept within the clip.
    #[must_use]
    pub fn step(&self, i: usize, delta: i64) -> usize {
        let last = self.times.len().saturating_sub(1) as i64;
        (i as i64 + delta).clamp(0, last.max(0)) as usize
    }

    /// Every fault onset (the start of each band), ascending, without repeats.
    #[must_use]
    pub fn onsets(&self) -> Vec<f64> {
        let mut v: Vec<f64> = self.faults.iter().flat_map(|r| r.bands.iter().map(|b| b.start_s)).collect();
        v.sort_by(f64::total_cmp);
        v.dedup_by(|a, b| (*a - *b).abs() < 1e-9);
        v
    }

    /// The frame of the first fault onset after frame `i` (None when there is none).
    #[must_use]
    pub fn next_fault(&self, i: usize) -> Option<usize> {
        self.onsets().into_iter().map(|t| self.nearest_frame(t)).find(|&k| k > i)
    }

    /// The frame of the last fault onset before frame `i` (None when there is none).
    #[must_use]
    pub fn previous_fault(&self, i: usize) -> Option<usize> {
        self.onsets().into_iter().rev().map(|t| self.nearest_frame(t)).find(|&k| k < i)
    }

    /// The horizontal position of `t` on a timeline drawn from `x0` to `x1`.
    #[must_use]
    pub fn x_of(&self, t: f64, x0: f32, x1: f32) -> f32 {
        let (a, b) = (self.start(), self.end());
        let f = if b > a { ((t - a) / (b - a)).clamp(0.0, 1.0) } else { 0.0 };
        x0 + (x1 - x0) * f as f32
    }

    /// The time at horizontal position `x` on a timeline drawn from `x0` to `x1`.
    #[must_use]
    pub fn t_at(&self, x: f32, x0: f32, x1: f32) -> f64 {
        let f = if x1 > x0 { f64::from(((x - x0) / (x1 - x0)).clamp(0.0, 1.0)) } else { 0.0 };
        self.start() + (self.end() - self.start()) * f
    }
}

/// A fault as people read it: "rounded back".
#[must_use]
pub fn fault_name(f: FaultId) -> String {
    f.id().replace('_', " ")
}

/// Colour of a fault band: major red-orange, minor amber.
#[must_use]
pub fn severity_color(s: Severity) -> Color32 {
    match s {
        Severity::Major => Color32::from_rgb(225, 70, 40),
        Severity::Minor => Color32::from_rgb(235, 185, 40),
    }
}

// ---------------------------------------------------------------------------------------------
// Frames on demand.

/// Longest side of the pictures kept for review: a 1080p clip is decoded at 960x540 (1.5 MB a
/// frame).
const THUMB_MAX_SIDE: u32 = 960;
/// Frames decoded per seek: the requested one and the ones after it (stepping forward is free).
const BATCH: usize = 8;
/// Frames kept (24 x 1.5 MB = 37 MB at most).
const CACHE: usize = 24;

/// The size the review decodes a `w` x `h` clip at: even numbers, the longer side at most
/// [`THUMB_MAX_SIDE`].
#[must_use]
pub fn thumb_size(w: u32, h: u32) -> (u32, u32) {
    let long = w.max(h);
    let f = if long > THUMB_MAX_SIDE { f64::from(THUMB_MAX_SIDE) / f64::from(long) } else { 1.0 };
    let even = |x: u32| ((f64::from(x) * f / 2.0).round() as u32 * 2).max(2);
    (even(w), even(h))
}

/// Where to seek for frame `k` of frames at `times`: half a frame before it, so that the seek lands
/// on frame `k` whatever the rounding of the times.
#[must_use]
pub fn seek_time(times: &[f64], k: usize) -> f64 {
    match k {
        0 => 0.0,
        _ => times[k] - 0.5 * (times[k] - times[k - 1]),
    }
}

/// Decodes `count` frames from time `t` (seconds from the start) of `path`, scaled to `w` x `h`
/// RGB. The seek is exact (ffmpeg decodes from the keyframe before `t` and drops what is before).
///
/// # Errors
/// When ffmpeg is missing or fails; the message says why.
pub fn decode_at(path: &Path, t: f64, count: usize, w: u32, h: u32) -> Result<Vec<Vec<u8>>, String> {
    let out = std::process::Command::new("ffmpeg")
        .args(["-hide_banner", "-nostdin", "-loglevel", "error", "-ss", &format!("{:.6}", t.max(0.0)), "-i"])
        .arg(path)
        .args(["-map", "0:v:0", "-frames:v", &count.to_string(), "-vf", &format!("scale={w}:{h}")])
        .args(["-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                SourceError::FfmpegMissing.to_string()
            } else {
                e.to_string()
            }
        })?;
    let len = (w * h * 3) as usize;
    if !out.status.success() && out.stdout.len() < len {
        let err = String::from_utf8_lossy(&out.stderr);
        let line = err.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("ffmpeg failed");
        return Err(format!("{}: could not decode the frame at {t:.2} s ({line})", path.display()));
    }
    Ok(out.stdout.chunks_exact(len).map(<[u8]>::to_vec).collect())
}

type Batch = Result<Vec<(usize, Vec<u8>)>, String>;

/// Fetches the picture of any frame: requests go to a worker thread (newest wins), answers come
/// back in batches and are cached.
struct FrameFetcher {
    requests: Arc<Latest<usize>>,
    answers: Receiver<Batch>,
    cache: VecDeque<(usize, Vec<u8>)>,
    pending: Option<usize>,
    error: Option<String>,
    size: (u32, u32),
}

impl FrameFetcher {
    fn start(path: PathBuf, times: Vec<f64>, size: (u32, u32), ctx: egui::Context) -> Self {
        let requests = Arc::new(Latest::<usize>::new());
        let (tx, answers) = channel();
        let req = Arc::clone(&requests);
        let spawned = std::thread::Builder::new().name("review-frames".into()).spawn(move || {
            while !req.is_closed() {
                let Some(k) = req.take_timeout(Duration::from_millis(500)) else { continue };
                let t = seek_time(&times, k);
                let answer = decode_at(&path, t, BATCH, size.0, size.1)
                    .map(|frames| frames.into_iter().enumerate().map(|(j, px)| (k + j, px)).collect());
                if tx.send(answer).is_err() {
                    break;
                }
                ctx.request_repaint();
            }
        });
        let error = spawned.err().map(|e| format!("could not start the frame decoder: {e}"));
        Self { requests, answers, cache: VecDeque::new(), pending: None, error, size }
    }

    /// Takes in whatever the worker decoded; returns the picture of frame `k` if it is cached, and
    /// asks for it otherwise.
    fn get(&mut self, k: usize) -> Option<&[u8]> {
        loop {
            match self.answers.try_recv() {
                Ok(Ok(batch)) => {
                    for (i, px) in batch {
                        self.cache.retain(|c| c.0 != i);
                        self.cache.push_back((i, px));
                    }
                    while self.cache.len() > CACHE {
                        self.cache.pop_front();
                    }
                    self.pending = None;
                    self.error = None;
                }
                Ok(Err(e)) => {
                    self.pending = None;
                    self.error = Some(e);
                }
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
            }
        }
        let cached = self.cache.iter().position(|c| c.0 == k);
        if cached.is_none() && self.pending != Some(k) && self.error.is_none() {
            self.pending = Some(k);
            self.requests.put(k);
        }
        cached.map(|i| self.cache[i].1.as_slice())
    }
}

impl Drop for FrameFetcher {
    fn drop(&mut self) {
        self.requests.close();
    }
}

// ---------------------------------------------------------------------------------------------
// The analysis in the background.

/// A source that ends (cleanly) as soon as `cancel` is set: stopping an analysis mid-way.
struct Cancellable {
    inner: Box<dyn FrameSource>,
    cancel: Arc<AtomicBool>,
}

impl FrameSource for Cancellable {
    fn info(&self) -> &SourceInfo {
        self.inner.info()
    }

    fn next_frame(&mut self) -> Result<Option<Frame>, SourceError> {
        if self.cancel.load(Ordering::Relaxed) { Ok(None) } else { self.inner.next_frame() }
    }

    fn known_pose(&self, frame: &Frame) -> Option<Pose> {
        self.inner.known_pose(frame)
    }

    fn frame_name(&self, frame: &Frame) -> Option<String> {
        self.inner.frame_name(frame)
    }
}

struct Job {
    done: Arc<AtomicU64>,
    /// Frames expected (0: unknown).
    total: Arc<AtomicU64>,
    cancel: Arc<AtomicBool>,
    result: Receiver<Result<Analysis, String>>,
    stage: Arc<Mutex<&'static str>>,
}

fn start_job(path: PathBuf, exercise: Exercise, model: ModelKind, ctx: egui::Context) -> Job {
    let done = Arc::new(AtomicU64::new(0));
    let total = Arc::new(AtomicU64::new(0));
    let cancel = Arc::new(AtomicBool::new(false));
    let stage = Arc::new(Mutex::new("opening the video"));
    let (tx, result) = channel();
    let ctx2 = ctx.clone();
    let (d, n, c, s) = (Arc::clone(&done), Arc::clone(&total), Arc::clone(&cancel), Arc::clone(&stage));
    let run = move || -> Result<Analysis, String> {
        let src = crate::source::open_path(&path, PixelFormat::Yuv420p).map_err(|e| e.to_string())?;
        if src.info().stills {
            return Err(format!(
                "{}: review needs a video clip, and this is a photo or a folder of photos. Open it with \"Open file\" instead.",
                path.display()
            ));
        }
        n.store(src.info().frame_count.unwrap_or(0), Ordering::Relaxed);
        *s.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = "loading the pose model";
        let model = super::live::load_model(model)?;
        *s.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = "analysing";
        let src = Box::new(Cancellable { inner: src, cancel: Arc::clone(&c) });
        let repaint = ctx.clone();
        let mut progress = |k: u64, _: Option<u64>| {
            d.store(k, Ordering::Relaxed);
            if k.is_multiple_of(8) {
                repaint.request_repaint();
            }
        };
        let input = path.display().to_string();
        crate::analyze::analyze(&input, src, model, Some((exercise, FormConfig::default())), &mut progress)
            .map_err(|e| format!("{e:#}"))
    };
    let failed = tx.clone();
    let spawned = std::thread::Builder::new().name("review-analysis".into()).spawn(move || {
        let _ = tx.send(run());
        ctx2.request_repaint();
    });
    if let Err(e) = spawned {
        let _ = failed.send(Err(format!("could not start the analysis: {e}")));
    }
    Job { done, total, cancel, result, stage }
}

// ---------------------------------------------------------------------------------------------
// The screen.

/// The angle plot's series: (name, colour, segments of [t, degrees] where the angle was measured).
type Series = (&'static str, Color32, Vec<Vec<[f64; 2]>>);

struct Ready {
    analysis: Analysis,
    timeline: Timeline,
    playhead: usize,
    fetcher: FrameFetcher,
    texture: Option<egui::TextureHandle>,
    /// The frame whose picture the texture holds.
    shown: Option<usize>,
    series: Vec<Series>,
}

enum State {
    Analysing(Job),
    Failed(String),
    Ready(Box<Ready>),
}

/// The review screen: analysing (progress, cancel), failed (the reason), or the review itself.
pub struct ReviewView {
    path: PathBuf,
    exercise: Exercise,
    state: State,
}

impl ReviewView {
    /// Starts analysing `path` for `exercise` on a background thread.
    #[must_use]
    pub fn start(path: PathBuf, exercise: Exercise, model: ModelKind, ctx: &egui::Context) -> Self {
        let job = start_job(path.clone(), exercise, model, ctx.clone());
        Self { path, exercise, state: State::Analysing(job) }
    }

    /// The analysis, once done.
    #[must_use]
    pub fn analysis(&self) -> Option<&Analysis> {
        match &self.state {
            State::Ready(r) => Some(&r.analysis),
            _ => None,
        }
    }

    /// Whether the analysis is still running.
    #[must_use]
    pub fn is_analysing(&self) -> bool {
        matches!(self.state, State::Analysing(_))
    }

    /// Why the analysis failed.
    #[must_use]
    pub fn error(&self) -> Option<&str> {
        match &self.state {
            State::Failed(e) => Some(e),
            _ => None,
        }
    }

    /// The frame at the playhead.
    #[must_use]
    pub fn playhead(&self) -> Option<usize> {
        match &self.state {
            State::Ready(r) => Some(r.playhead),
            _ => None,
        }
    }

    /// The frame whose picture is on screen.
    #[must_use]
    pub fn frame_shown(&self) -> Option<usize> {
        match &self.state {
            State::Ready(r) => r.shown,
            _ => None,
        }
    }

    /// The timeline, once analysed.
    #[must_use]
    pub fn timeline(&self) -> Option<&Timeline> {
        match &self.state {
            State::Ready(r) => Some(&r.timeline),
            _ => None,
        }
    }

    fn poll(&mut self, ctx: &egui::Context) {
        let State::Analysing(job) = &self.state else { return };
        let answer = match job.result.try_recv() {
            Ok(a) => a,
            Err(TryRecvError::Empty) => return,
            Err(TryRecvError::Disconnected) => Err("the analysis stopped unexpectedly".into()),
        };
        self.state = match answer {
            Err(e) => State::Failed(e),
            Ok(a) if a.frames.is_empty() => State::Failed(format!("{}: no frames to review", self.path.display())),
            Ok(analysis) => {
                let timeline = Timeline::new(&analysis.frames, analysis.exercise.as_ref().map(|e| &e.report));
                let size = thumb_size(analysis.source.width, analysis.source.height);
                let fetcher = FrameFetcher::start(self.path.clone(), timeline.times.clone(), size, ctx.clone());
                let series = angle_series(&analysis.frames);
                // Start on the first rep (or hold) when there is one, else on the first frame.
                let first = timeline.reps.first().or(timeline.holds.first()).map(|s| s.start_s);
                let playhead = first.map_or(0, |t| timeline.nearest_frame(t));
                State::Ready(Box::new(Ready {
                    analysis,
                    timeline,
                    playhead,
                    fetcher,
                    texture: None,
                    shown: None,
                    series,
                }))
            }
        };
    }

    /// Lays out the screen. Returns true when the user asked to go back to the start screen.
    pub fn show(&mut self, ui: &mut egui::Ui) -> bool {
        let ctx = ui.ctx().clone();
        self.poll(&ctx);
        let mut back = ui.input(|i| i.key_pressed(egui::Key::Escape));
        let title = format!(
            "Review: {} · {}",
            self.path.file_name().map_or_else(|| self.path.display().to_string(), |n| n.to_string_lossy().into()),
            self.exercise.label()
        );
        egui::Panel::top("review-top").show(ui, |ui| {
            ui.horizontal_wrapped(|ui| {
                if ui.button("Back to start").clicked() {
                    back = true;
                }
                ui.label(RichText::new(&title).strong());
                if let State::Ready(r) = &self.state {
                    ui.separator();
                    ui.label(summary_line(&r.analysis, self.exercise));
                    ui.separator();
                    ui.label(REVIEW_KEYS_HELP);
                }
            });
        });
        match &mut self.state {
            State::Analysing(job) => {
                let cancel = analysing_ui(ui, job);
                if cancel {
                    job.cancel.store(true, Ordering::Relaxed);
                    back = true;
                }
            }
            State::Failed(e) => {
                let e = e.clone();
                egui::CentralPanel::default().show(ui, |ui| {
                    ui.add_space(20.0);
                    ui.label(RichText::new("The recording could not be analysed").strong().size(20.0));
                    ui.colored_label(Color32::from_rgb(230, 80, 60), e);
                    if ui.button("Choose another recording").clicked() {
                        back = true;
                    }
                });
            }
            State::Ready(r) => r.show(ui, &ctx, self.exercise),
        }
        back
    }
}

fn analysing_ui(ui: &mut egui::Ui, job: &Job) -> bool {
    let mut cancel = false;
    egui::CentralPanel::default().show(ui, |ui| {
        ui.add_space(20.0);
        let stage = *job.stage.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let (done, total) = (job.done.load(Ordering::Relaxed), job.total.load(Ordering::Relaxed));
        ui.label(RichText::new(format!("Analysing the recording: {stage}…")).strong().size(20.0));
        let bar = if total > 0 {
            let f = (done as f32 / total as f32).clamp(0.0, 1.0);
            egui::ProgressBar::new(f).text(format!("{done} of {total} frames"))
        } else {
            egui::ProgressBar::new(0.0).text(format!("{done} frames")).animate(true)
        };
        ui.add(bar.desired_width(ui.available_width().min(700.0)));
        ui.add_space(8.0);
        if ui.button("Cancel").clicked() {
            cancel = true;
        }
    });
    cancel
}

/// "3 reps (1 clean) · 574 frames, 23.9 s · model Lightning".
fn summary_line(a: &Analysis, exercise: Exercise) -> String {
    let dur = a.frames.last().map_or(0.0, |f| f.t) - a.frames.first().map_or(0.0, |f| f.t);
    let counts = a.exercise.as_ref().map_or(String::new(), |e| {
        let r = &e.report;
        if exercise == Exercise::SidePlank {
            format!("{} hold(s) · ", r.holds.len())
        } else {
            let clean = r.reps.iter().filter(|x| x.faults.is_empty()).count();
            format!("{} reps ({clean} clean) · ", r.reps.len())
        }
    });
    format!("{counts}{} frames, {dur:.1} s · model {}", a.frames.len(), a.model.name())
}

fn angle_series(frames: &[FrameOut]) -> Vec<Series> {
    type Pick = fn(&crate::form::LiveAngles) -> Option<f32>;
    let picks: [(&'static str, Color32, Pick); 3] = [
        ("trunk", Color32::from_rgb(80, 170, 255), |a| a.trunk_deg),
        ("hip", Color32::from_rgb(120, 220, 120), |a| a.hip_deg),
        ("knee flexion", Color32::from_rgb(240, 140, 220), |a| a.knee_flexion_deg),
    ];
    picks
        .into_iter()
        .map(|(name, color, pick)| {
            let mut segs: Vec<Vec<[f64; 2]>> = Vec::new();
            let mut cur = Vec::new();
            for f in frames {
                match f.form.as_ref().and_then(|s| pick(&s.angles)) {
                    Some(v) => cur.push([f.t, f64::from(v)]),
                    None if !cur.is_empty() => segs.push(std::mem::take(&mut cur)),
                    None => {}
                }
            }
            if !cur.is_empty() {
                segs.push(cur);
            }
            (name, color, segs)
        })
        .collect()
}

fn pose_of(f: &FrameOut) -> Pose {
    let mut pose = Pose::default();
    for (j, k) in Joint::ALL.iter().zip(&f.keypoints) {
        pose.set(*j, Keypoint::new(k.x, k.y, k.score));
    }
    pose
}

fn deg(v: Option<f32>) -> String {
    v.map_or("—".into(), |v| format!("{v:.0}°"))
}

impl Ready {
    fn show(&mut self, ui: &mut egui::Ui, ctx: &egui::Context, exercise: Exercise) {
        let n = self.timeline.times.len();
        let (left, right) = ui.input(|i| (i.key_pressed(egui::Key::ArrowLeft), i.key_pressed(egui::Key::ArrowRight)));
        if left {
            self.playhead = self.timeline.step(self.playhead, -1);
        }
        if right {
            self.playhead = self.timeline.step(self.playhead, 1);
        }
        egui::Panel::bottom("review-timeline").show(ui, |ui| {
            ui.add_space(4.0);
            ui.horizontal(|ui| {
                let prev = self.timeline.previous_fault(self.playhead);
                let next = self.timeline.next_fault(self.playhead);
                if ui.add_enabled(prev.is_some(), egui::Button::new("Previous fault")).clicked()
                    && let Some(k) = prev
                {
                    self.playhead = k;
                }
                if ui.add_enabled(next.is_some(), egui::Button::new("Next fault")).clicked()
                    && let Some(k) = next
                {
                    self.playhead = k;
                }
                ui.separator();
                let t = self.timeline.times[self.playhead];
                ui.label(RichText::new(format!("Frame {} of {n} · {t:.2} s", self.playhead + 1)).monospace());
            });
            if let Some(k) = timeline_ui(ui, &self.timeline, self.playhead) {
                self.playhead = k;
            }
            ui.add_space(4.0);
        });
        egui::Panel::right("review-reps").min_size(300.0).show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                if let Some(k) = self.rep_list(ui, exercise) {
                    self.playhead = k;
                }
            });
        });
        egui::CentralPanel::default().show(ui, |ui| {
            if let Some(e) = &self.analysis.error {
                ui.colored_label(Color32::from_rgb(240, 170, 30), e.lines().next().unwrap_or(e));
            }
            self.readouts(ui);
            let plot_h = (ui.available_height() * 0.32).clamp(120.0, 260.0);
            let image_h = (ui.available_height() - plot_h - 8.0).max(60.0);
            self.frame_image(ui, ctx, image_h);
            if let Some(k) = self.plot(ui, plot_h) {
                self.playhead = k;
            }
        });
    }

    fn readouts(&self, ui: &mut egui::Ui) {
        let f = &self.analysis.frames[self.playhead];
        let a = f.form.as_ref().map(|s| s.angles).unwrap_or_default();
        let gap = f.back.as_ref().and_then(|b| b.thoracic_gap);
        ui.horizontal_wrapped(|ui| {
            for text in [
                format!("Trunk {}", deg(a.trunk_deg)),
                format!("Hip {}", deg(a.hip_deg)),
                format!("Knee {}", deg(a.knee_flexion_deg)),
                format!("Head {}", deg(a.head_deg)),
                format!("Thoracic gap {}", gap.map_or("—".into(), |g| format!("{g:.3}"))),
            ] {
                ui.label(RichText::new(text).strong().size(17.0));
                ui.separator();
            }
        });
        ui.horizontal_wrapped(|ui| {
            if !f.present {
                ui.label("no person in this frame");
            }
            if let Some(s) = &f.form {
                ui.label(format!("phase: {} · reps so far: {}", s.phase, s.rep_count));
                if !s.active_faults.is_empty() {
                    for &fault in &s.active_faults {
                        ui.label(
                            RichText::new(fault_name(fault))
                                .color(Color32::BLACK)
                                .background_color(severity_color(fault.severity())),
                        );
                    }
                }
            }
            if let Some(b) = &f.back {
                ui.label(format!(
                    "back: {}{}{}",
                    if b.rounded_back { "rounded" } else { "neutral" },
                    if b.head_off_dowel { ", head off the dowel" } else { "" },
                    if b.dowel_detected { ", dowel detected" } else { "" }
                ));
            }
        });
    }

    fn frame_image(&mut self, ui: &mut egui::Ui, ctx: &egui::Context, max_h: f32) {
        let k = self.playhead;
        let (tw, th) = self.fetcher.size;
        if self.shown != Some(k)
            && let Some(px) = self.fetcher.get(k)
        {
            let image = egui::ColorImage::from_rgb([tw as usize, th as usize], px);
            match &mut self.texture {
                Some(t) => t.set(image, egui::TextureOptions::LINEAR),
                None => self.texture = Some(ctx.load_texture("review-frame", image, egui::TextureOptions::LINEAR)),
            }
            self.shown = Some(k);
        }
        let (fw, fh) = (self.analysis.source.width as f32, self.analysis.source.height as f32);
        let scale = (ui.available_width() / fw).min(max_h / fh).max(0.01);
        let size = egui::vec2(fw * scale, fh * scale);
        let (rect, _) = ui.allocate_exact_size(size, egui::Sense::hover());
        let painter = ui.painter_at(rect);
        match &self.texture {
            Some(t) => {
                painter.image(
                    t.id(),
                    rect,
                    egui::Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0)),
                    Color32::WHITE,
                );
            }
            None => {
                painter.rect_filled(rect, 0.0, Color32::from_gray(25));
            }
        }
        let f = &self.analysis.frames[k];
        draw_skeleton(&painter, rect, scale, &pose_of(f), f.present);
        // The mask's reading, when there is one, outranks the keypoint estimate of the dowel.
        if let Some(o) = f.back.as_ref().and_then(|b| b.overlay.as_ref()) {
            draw_back(&painter, rect, scale, o);
        } else if let Some(d) = f.form.as_ref().and_then(|s| s.dowel.as_ref()) {
            draw_dowel(&painter, rect, scale, d);
        }
        let note = if let Some(e) = &self.fetcher.error {
            Some(e.clone())
        } else if self.shown != Some(k) {
            Some("loading the picture…".to_string())
        } else {
            None
        };
        if let Some(text) = note {
            let galley = painter.layout(text, egui::FontId::proportional(15.0), Color32::WHITE, rect.width() - 16.0);
            let pos = rect.left_top() + egui::vec2(8.0, 8.0);
            painter.rect_filled(
                egui::Rect::from_min_size(pos, galley.size()).expand(4.0),
                3.0,
                Color32::from_black_alpha(190),
            );
            painter.galley(pos, galley, Color32::WHITE);
        }
    }

    fn plot(&self, ui: &mut egui::Ui, height: f32) -> Option<usize> {
        use egui_plot::{Legend, Line, Plot, Span as PlotSpan, VLine};
        let t = self.timeline.times[self.playhead];
        let (t0, t1) = (self.timeline.start(), self.timeline.end());
        let spans: Vec<&Span> = self.timeline.reps.iter().chain(&self.timeline.holds).collect();
        let response = Plot::new("review-angles")
            .height(height)
            .legend(Legend::default())
            .allow_zoom(false)
            .allow_drag(false)
            .allow_scroll(false)
            .allow_boxed_zoom(false)
            .allow_double_click_reset(false)
            .default_x_bounds(t0, t1.max(t0 + 0.1))
            .default_y_bounds(0.0, 180.0)
            .x_axis_label("s")
            .y_axis_label("degrees")
            .show(ui, |p| {
                for s in &spans {
                    let c = if s.faulty { Color32::from_rgb(225, 70, 40) } else { Color32::from_rgb(60, 160, 255) };
                    p.span(PlotSpan::new("", s.start_s..=s.end_s).fill(c.gamma_multiply(0.12)).border_width(0.0));
                }
                for (name, color, segs) in &self.series {
                    for (i, seg) in segs.iter().enumerate() {
                        p.line(Line::new(*name, seg.clone()).color(*color).width(1.5).id((*name, i)));
                    }
                }
                p.vline(VLine::new("", t).color(Color32::WHITE).width(1.5));
                (p.response().clicked() || p.response().dragged()).then(|| p.pointer_coordinate()).flatten()
            });
        response.inner.map(|pt| self.timeline.nearest_frame(pt.x))
    }

    /// The reps (or holds) with their faults; returns the frame to jump to when one was clicked.
    fn rep_list(&self, ui: &mut egui::Ui, exercise: Exercise) -> Option<usize> {
        let mut jump = None;
        let Some(result) = &self.analysis.exercise else {
            ui.label("No exercise was checked.");
            return None;
        };
        let r = &result.report;
        let faults = |f: &[FaultId]| {
            if f.is_empty() {
                "clean".to_string()
            } else {
                f.iter().map(|&x| fault_name(x)).collect::<Vec<_>>().join(", ")
            }
        };
        if exercise == Exercise::SidePlank {
            ui.label(RichText::new(format!("{} hold(s)", r.holds.len())).strong().size(18.0));
            for h in &r.holds {
                ui.separator();
                let side = h.side.map_or(String::new(), |s| format!(" {s:?} side down").to_lowercase());
                if ui.button(format!("Hold {}:{side} {:.1}–{:.1} s", h.index, h.start_s, h.end_s)).clicked() {
                    jump = Some(self.timeline.nearest_frame(h.start_s));
                }
                ui.label(format!("{:.1} s in form · {}", h.seconds_in_form, faults(&h.faults)));
            }
            return jump;
        }
        let clean = r.reps.iter().filter(|x| x.faults.is_empty()).count();
        ui.label(RichText::new(format!("{} reps · {clean} clean", r.reps.len())).strong().size(18.0));
        if r.reps.is_empty() {
            ui.label("No rep was counted in this recording.");
        }
        for rep in &r.reps {
            ui.separator();
            let side = rep.side.map_or(String::new(), |s| format!(" ({s:?})").to_lowercase());
            if ui.button(format!("Rep {}{side}: {:.1}–{:.1} s", rep.index, rep.start_s, rep.end_s)).clicked() {
                jump = Some(self.timeline.nearest_frame(rep.start_s));
            }
            let text = RichText::new(faults(&rep.faults));
            ui.label(if rep.faults.is_empty() { text.color(Color32::from_rgb(40, 200, 90)) } else { text });
            if let Some(h) = &rep.hinge {
                ui.label(format!("trunk {:.0}° at the bottom ({:.1} s)", h.peak_trunk_deg, h.bottom_s));
                ui.label(h.max_thoracic_gap.map_or_else(
                    || format!("max thoracic gap: not judged{}", crate::back::refusal_note(h.mask_refused.as_deref())),
                    |g| format!("max thoracic gap {g:.3} torso lengths"),
                ));
                ui.label(match h.head_contact {
                    Some(true) => "head contact: held",
                    Some(false) => "head contact: lost",
                    None => "head contact: not judged",
                });
                match h.worst_gap_s {
                    Some(w) => {
                        if ui.button(format!("Go to worst frame of rep {}", rep.index)).clicked() {
                            jump = Some(self.timeline.nearest_frame(w));
                        }
                    }
                    None => {
                        if ui.button(format!("Go to the bottom of rep {}", rep.index)).clicked() {
                            jump = Some(self.timeline.nearest_frame(h.bottom_s));
                        }
                    }
                }
            }
        }
        jump
    }
}

/// Height of one timeline row.
const ROW_H: f32 = 20.0;
/// Width of the row names at the left of the timeline.
const LABEL_W: f32 = 120.0;

/// Draws the timeline: rep and hold spans, one row per fault, the time axis and the playhead.
/// Returns the frame to move the playhead to when it was clicked or dragged.
fn timeline_ui(ui: &mut egui::Ui, tl: &Timeline, playhead: usize) -> Option<usize> {
    let mut rows: Vec<(String, Color32)> = vec![("Reps".into(), Color32::from_gray(200))];
    if !tl.holds.is_empty() {
        rows.push(("Holds".into(), Color32::from_gray(200)));
    }
    for r in &tl.faults {
        rows.push((fault_name(r.fault), severity_color(r.severity)));
    }
    let axis_h = 16.0;
    let height = rows.len() as f32 * ROW_H + axis_h;
    let (rect, response) =
        ui.allocate_exact_size(egui::vec2(ui.available_width(), height), egui::Sense::click_and_drag());
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Slider, true, "Timeline"));
    let painter = ui.painter_at(rect);
    let (x0, x1) = (rect.left() + LABEL_W, rect.right() - 8.0);
    let visuals = ui.visuals();
    painter.rect_filled(egui::Rect::from_x_y_ranges(x0..=x1, rect.y_range()), 2.0, visuals.extreme_bg_color);
    let row_rect = |i: usize| {
        let y = rect.top() + i as f32 * ROW_H;
        egui::Rect::from_x_y_ranges(x0..=x1, (y + 2.0)..=(y + ROW_H - 2.0))
    };
    let font = egui::FontId::proportional(13.0);
    for (i, (name, color)) in rows.iter().enumerate() {
        let r = row_rect(i);
        painter.text(
            egui::pos2(rect.left() + 2.0, r.center().y),
            egui::Align2::LEFT_CENTER,
            name,
            font.clone(),
            *color,
        );
    }
    let span_rect = |r: egui::Rect, a: f64, b: f64| {
        let (xa, xb) = (tl.x_of(a, x0, x1), tl.x_of(b, x0, x1));
        egui::Rect::from_x_y_ranges(xa..=xb.max(xa + 2.0), r.y_range())
    };
    let mut row = 0;
    for (spans, kind) in [(&tl.reps, "rep"), (&tl.holds, "hold")] {
        if kind == "hold" && tl.holds.is_empty() {
            continue;
        }
        let r = row_rect(row);
        for s in spans {
            let c = if s.faulty { Color32::from_rgb(225, 70, 40) } else { Color32::from_rgb(40, 200, 90) };
            let sr = span_rect(r, s.start_s, s.end_s);
            painter.rect_filled(sr, 3.0, c.gamma_multiply(0.35));
            painter.rect_stroke(sr, 3.0, egui::Stroke::new(1.0, c), egui::StrokeKind::Inside);
            painter.text(sr.center(), egui::Align2::CENTER_CENTER, s.index.to_string(), font.clone(), Color32::WHITE);
        }
        row += 1;
    }
    for f in &tl.faults {
        let r = row_rect(row);
        let c = severity_color(f.severity);
        for b in &f.bands {
            let sr = span_rect(r, b.start_s, b.end_s);
            if b.whole_rep {
                painter.rect_stroke(sr, 2.0, egui::Stroke::new(1.5, c), egui::StrokeKind::Inside);
            } else {
                painter.rect_filled(sr, 2.0, c);
            }
        }
        row += 1;
    }
    // Time axis: a tick every 1, 2, 5, 10 ... s, at least 50 px apart.
    let dur = (tl.end() - tl.start()).max(1e-3);
    let step = [0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0]
        .into_iter()
        .find(|s| f64::from(x1 - x0) * s / dur >= 50.0)
        .unwrap_or(600.0);
    let y_axis = rect.bottom() - axis_h;
    let mut t = (tl.start() / step).ceil() * step;
    while t <= tl.end() + 1e-9 {
        let x = tl.x_of(t, x0, x1);
        painter.line_segment(
            [egui::pos2(x, y_axis), egui::pos2(x, y_axis + 4.0)],
            visuals.widgets.noninteractive.fg_stroke,
        );
        painter.text(
            egui::pos2(x, y_axis + 4.0),
            egui::Align2::CENTER_TOP,
            format!("{t:.0}"),
            egui::FontId::proportional(11.0),
            visuals.weak_text_color(),
        );
        t += step;
    }
    // The playhead.
    if let Some(&t) = tl.times.get(playhead) {
        let x = tl.x_of(t, x0, x1);
        painter
            .line_segment([egui::pos2(x, rect.top()), egui::pos2(x, y_axis)], egui::Stroke::new(2.0, Color32::WHITE));
        painter.add(egui::Shape::convex_polygon(
            vec![egui::pos2(x - 6.0, rect.top()), egui::pos2(x + 6.0, rect.top()), egui::pos2(x, rect.top() + 8.0)],
            Color32::WHITE,
            egui::Stroke::NONE,
        ));
    }
    if response.clicked() || response.dragged() {
        let pos = response.interact_pointer_pos()?;
        return Some(tl.nearest_frame(tl.t_at(pos.x, x0, x1)));
    }
    None
}

/// The "Review a recording" group of the start screen: a path and the button. Returns the path
/// to analyse when the button was pressed (the exercise comes from the picker above it).
pub fn start_group(ui: &mut egui::Ui, path: &mut String, exercise: Option<Exercise>) -> Option<PathBuf> {
    let mut go = None;
    ui.group(|ui| {
        ui.label(RichText::new("Review a recording").strong());
        ui.label(
            "For a therapist: analyse a recorded video of the chosen exercise, then step through its reps and faults.",
        );
        ui.horizontal(|ui| {
            let label = ui.label("Recording:");
            ui.add(egui::TextEdit::singleline(path).hint_text("/path/to/session.mp4")).labelled_by(label.id);
            let ready = exercise.is_some() && !path.trim().is_empty();
            if ui.add_enabled(ready, egui::Button::new("Analyse and review")).clicked() {
                go = Some(PathBuf::from(path.trim()));
            }
        });
        if exercise.is_none() {
            ui.weak("Choose the exercise above first.");
        }
    });
    go
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::FormState;
    use crate::form::{LiveAngles, RepRecord, View};

    fn frame(i: usize, faults: &[FaultId]) -> FrameOut {
        FrameOut {
            index: i as u64,
            t: i as f64 * 0.1,
            present: true,
            keypoints: Vec::new(),
            file: None,
            back_refused: None,
            form: Some(FormState {
                view: View::Side,
                in_view: true,
                phase: "standing".into(),
                rep_count: 0,
                hold_seconds_in_form: 0.0,
                active_faults: faults.to_vec(),
                angles: LiveAngles::default(),
                dowel: None,
            }),
            back: None,
        }
    }

    fn rep(index: u32, start_s: f64, end_s: f64, faults: &[FaultId]) -> RepRecord {
        RepRecord {
            index,
            side: None,
            start_s,
            end_s,
            faults: faults.to_vec(),
            fault_durations: Default::default(),
            hinge: None,
            bird_dog: None,
        }
    }

    fn report(reps: Vec<RepRecord>) -> ExerciseReport {
        ExerciseReport { name: "hinge".into(), reps, holds: Vec::new(), cues: Vec::new(), not_in_view_s: 0.0 }
    }

    /// 20 frames at 0.1 s: rounded back in frames 3-5 and 12-13, head drop in 8-9, and too fast
    /// only on rep 2 (no frame shows it).
    fn sample() -> Timeline {
        use FaultId::{HeadDrop, RoundedBack};
        let frames: Vec<FrameOut> = (0..20)
            .map(|i| match i {
                3..=5 | 12 | 13 => frame(i, &[RoundedBack]),
                8 | 9 => frame(i, &[HeadDrop]),
                _ => frame(i, &[]),
            })
            .collect();
        let reps =
            vec![rep(1, 0.2, 0.9, &[RoundedBack, HeadDrop]), rep(2, 1.05, 1.8, &[RoundedBack, FaultId::TooFast])];
        Timeline::new(&frames, Some(&report(reps)))
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn fault_bands_follow_the_frames_and_the_reps() {
        let tl = sample();
        let names: Vec<FaultId> = tl.faults.iter().map(|r| r.fault).collect();
        // Major first (rounded back, too fast), then minor (head drop).
        assert_eq!(names, vec![FaultId::RoundedBack, FaultId::TooFast, FaultId::HeadDrop]);
        let rb = &tl.faults[0].bands;
        assert_eq!(rb.len(), 2);
        assert!(close(rb[0].start_s, 0.3) && close(rb[0].end_s, 0.6), "{rb:?}");
        assert!(close(rb[1].start_s, 1.2) && close(rb[1].end_s, 1.4), "{rb:?}");
        assert!(rb.iter().all(|b| !b.whole_rep));
        // too_fast was only given to rep 2: its band is the rep.
        let tf = &tl.faults[1].bands;
        assert_eq!(tf.len(), 1);
        assert!(tf[0].whole_rep && close(tf[0].start_s, 1.05) && close(tf[0].end_s, 1.8));
        assert_eq!(tl.faults[2].severity, Severity::Minor);
        assert_eq!(tl.reps.len(), 2);
        assert!(tl.reps[0].faulty);
    }

    #[test]
    fn a_fault_still_active_at_the_end_closes_on_the_last_frame() {
        let frames: Vec<FrameOut> = (0..5).map(|i| frame(i, if i >= 3 { &[FaultId::HipsSag] } else { &[] })).collect();
        let tl = Timeline::new(&frames, None);
        assert_eq!(tl.faults.len(), 1);
        let b = tl.faults[0].bands[0];
        assert!(close(b.start_s, 0.3) && close(b.end_s, 0.4), "{b:?}");
    }

    #[test]
    fn nearest_frame_and_steps_stay_in_the_clip() {
        let tl = sample();
        assert_eq!(tl.nearest_frame(-5.0), 0);
        assert_eq!(tl.nearest_frame(0.34), 3);
        assert_eq!(tl.nearest_frame(0.36), 4);
        assert_eq!(tl.nearest_frame(99.0), 19);
        assert_eq!(tl.step(0, -1), 0);
        assert_eq!(tl.step(5, 1), 6);
        assert_eq!(tl.step(19, 1), 19);
        let halves = Timeline { times: vec![0.0, 0.5, 1.0], ..Timeline::default() };
        assert_eq!(halves.nearest_frame(0.25), 0, "a tie goes to the earlier frame");
        assert_eq!(halves.nearest_frame(0.75), 1);
        assert_eq!(Timeline::default().nearest_frame(1.0), 0);
        assert_eq!(Timeline::default().step(0, 1), 0);
    }

    #[test]
    fn next_and_previous_fault_visit_every_onset_in_order() {
        let tl = sample();
        // Onsets: 0.3 (rounded back), 0.8 (head drop), 1.05 (too fast, whole rep 2), 1.2 (rounded back).
        let mut at = 0;
        let mut visited = Vec::new();
        while let Some(k) = tl.next_fault(at) {
            visited.push(k);
            at = k;
        }
        // 1.05 s is nearest frame 10 (a tie between 10 and 11 goes to 10).
        assert_eq!(visited, vec![3, 8, 10, 12]);
        let mut back = Vec::new();
        while let Some(k) = tl.previous_fault(at) {
            back.push(k);
            at = k;
        }
        assert_eq!(back, vec![10, 8, 3]);
        assert_eq!(tl.previous_fault(3), None);
        assert_eq!(tl.next_fault(12), None);
    }

    #[test]
    fn positions_and_times_map_both_ways() {
        let tl = sample();
        assert!((tl.x_of(0.0, 100.0, 290.0) - 100.0).abs() < 1e-3);
        assert!((tl.x_of(1.9, 100.0, 290.0) - 290.0).abs() < 1e-3);
        assert!((tl.x_of(0.95, 100.0, 290.0) - 195.0).abs() < 1e-3);
        assert!(close(tl.t_at(195.0, 100.0, 290.0), 0.95));
        assert!(close(tl.t_at(0.0, 100.0, 290.0), 0.0), "left of the timeline is its start");
    }

    #[test]
    fn thumbnails_keep_the_aspect_and_even_sizes() {
        assert_eq!(thumb_size(1920, 1080), (960, 540));
        assert_eq!(thumb_size(1080, 1920), (540, 960));
        assert_eq!(thumb_size(640, 481), (640, 482));
        assert_eq!(thumb_size(3840, 2160), (960, 540));
    }
}
