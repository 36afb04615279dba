//! Clip review (telehealth): a recorded video analysed in the background, then a timeline of reps,
//! holds and faults with a playhead, the frame at the playhead with the skeleton and the dowel from
//! the analysis (no inference again), the angle readouts, a plot of the angles over time and the
//! list of reps.
//!
//! The analysis is the pipeline's ([`crate::pipeline::analyze`], on a thread: [`job`]) with the
//! form config of the prescription in force. The pure part is [`Timeline`]: spans, fault bands,
//! the next and previous fault onset and the frame nearest a time. Frames are decoded on demand
//! ([`FrameFetcher`]): `ffmpeg -ss` seeks on a worker thread, the newest request wins, and a batch
//! of the following frames is cached so that stepping forward is immediate. Nothing of the picture
//! is kept in memory beyond that cache.

mod draw_timeline;
mod job;
mod ready;
mod timeline;

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::mpsc::TryRecvError;

use egui::{Color32, RichText};

use crate::form::{Exercise, FaultId, FormConfig, Severity};
use crate::pipeline::analyze::Analysis;
use crate::pipeline::seek::FrameFetcher;
use crate::pose::ModelKind;
use job::{Job, start_job};
use ready::{Ready, angle_series};
pub use timeline::{FaultBand, FaultRow, Span, Timeline};

/// Keyboard help on the review screen.
pub const REVIEW_KEYS_HELP: &str = "Left / Right arrow: step a frame · Esc: back";

/// A fault as people read it: "rounded back".
#[must_use]
pub(crate) fn fault_name(f: FaultId) -> String {
    f.id().replace('_', " ")
}

/// Colour of a fault band: major red-orange, minor amber.
#[must_use]
pub(crate) fn severity_color(s: Severity) -> Color32 {
    match s {
        Severity::Major => Color32::from_rgb(225, 70, 40),
        Severity::Minor => Color32::from_rgb(235, 185, 40),
    }
}

/// Longest side of the pictures kept for review: a 1080p clip is decoded at 960x540 (1.5 MB a
/// frame).
const THUMB_MAX_SIDE: u32 = 960;

/// The size the review decodes a `w` x `h` clip at: even numbers, the longer side at most
/// [`THUMB_MAX_SIDE`].
#[must_use]
pub(crate) fn thumb_size(w: u32, h: u32) -> (u32, u32) {
    let long = w.max(h);
    let f = if long > THUMB_MAX_SIDE { f64::from(THUMB_MAX_SIDE) / f64::from(long) } else { 1.0 };
    let even = |x: u32| ((f64::from(x) * f / 2.0).round() as u32 * 2).max(2);
    (even(w), even(h))
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
    /// Starts analysing `path` for `exercise` on a background thread, judged with `config` (the
    /// prescription in force: [`crate::session::prescription::effective_config`]); a `mirrored`
    /// clip is flipped back, for the analysis and the pictures shown.
    #[must_use]
    pub(crate) fn start(
        path: PathBuf,
        exercise: Exercise,
        config: FormConfig,
        model: ModelKind,
        mirrored: bool,
        ctx: &egui::Context,
    ) -> Self {
        let job = start_job(path.clone(), exercise, config, model, mirrored, ctx.clone());
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
            Err(TryRecvError::Disconnected) => Err(anyhow::anyhow!("the analysis stopped unexpectedly")),
        };
        self.state = match answer {
            Err(e) => State::Failed(format!("{e:#}")),
            Ok(a) if a.frames.is_empty() => State::Failed(format!("{}: no frames to review", self.path.display())),
            Ok(analysis) => {
                let timeline = Timeline::new(&analysis.frames, analysis.exercise.as_ref().map(|e| &e.report));
                let size = thumb_size(analysis.source.width, analysis.source.height);
                let repaint = ctx.clone();
                let mirrored = analysis.source.mirrored;
                let fetcher =
                    FrameFetcher::start(self.path.clone(), timeline.times.clone(), size, mirrored, move || {
                        repaint.request_repaint();
                    });
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
    pub(crate) fn show(&mut self, ui: &mut egui::Ui) -> bool {
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

/// The "Review a recording" group of the start screen: a path and the button. Returns the path
/// to analyse when the button was pressed (the exercise comes from the picker above it).
pub(crate) fn start_group(ui: &mut egui::Ui, path: &mut String, exercise: Option<Exercise>) -> Option<PathBuf> {
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

    #[test]
    fn thumbnails_keep_the_aspect_and_even_sizes() {
        assert_eq!(thumb_size(1920, 1080), (960, 540));
        assert_eq!(thumb_size(1080, 1920), (540, 960));
        assert_eq!(thumb_size(640, 481), (640, 482));
        assert_eq!(thumb_size(3840, 2160), (960, 540));
    }
}
