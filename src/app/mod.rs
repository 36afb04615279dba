//! The window (eframe): pick an exercise and a source, pass the setup check, do the sets with
//! spoken cues, and see the summary.
//!
//! The app owns the state; each screen is a method that lays out its panels. The guided session
//! (setup check, sets, sides, rest, cues, speech, recording) is the
//! [`SessionDriver`](crate::session::driver::SessionDriver), which the app steps from
//! [`eframe::App::logic`] (called every pass, and also while the window is minimised or covered
//! when the pipeline asks for a repaint), never from drawing: the live screen ([`session`]) only
//! draws the driver's state and sends it the user's commands. Per-pass work is cheap: the driver
//! takes the newest result from the live pipeline and never waits.

pub(crate) mod draw;
pub(crate) mod file_dialog;
pub(crate) mod history;
pub(crate) mod records;
pub mod review;
pub mod session;
pub mod therapist;

use std::path::PathBuf;

use egui::{Color32, RichText};

use crate::capture::camera::{CameraEntry, CameraRequest, CameraSource};
use crate::capture::{self, FrameSource, SourceError, SourceSpec};
use crate::coach::{Coach, Dose, RED_FLAGS, how_to};
use crate::demo::DemoSource;
use crate::form::Exercise;
use crate::pipeline::live::{self as live, LivePipeline};
use crate::pose::ModelKind;
use crate::session::driver::{SessionDriver, Voice};
use session::{LiveAction, LiveView};

/// How the window was asked to start.
#[derive(Debug, Clone, Default)]
pub struct Launch {
    pub source: Option<SourceSpec>,
    pub model: ModelKind,
    /// The exercise to check (None: show the pose only).
    pub exercise: Option<Exercise>,
    /// The dose to guide (None: the exercise's usual dose).
    pub dose: Option<Dose>,
    /// Replay deterministically: process this many frames per UI update on the UI thread, and run
    /// the demo unpaced (UI tests). None: the normal threaded pipeline.
    pub stepped: Option<usize>,
    /// Start with the debug overlay on, and log the latency to standard error.
    pub debug: bool,
    /// The therapist's prescription to use (else the plan saved in the app, else the usual plan).
    pub prescription: Option<PathBuf>,
    /// Where sessions are kept (None: `FORMCHECK_DATA`, `$XDG_DATA_HOME/formcheck` or
    /// `~/.local/share/formcheck`).
    pub data_dir: Option<PathBuf>,
    /// Open straight on the review of this recording, for `exercise` (`formcheck review`).
    pub review: Option<PathBuf>,
    /// The camera's or the clip's picture is a mirror image: flip it back before judging
    /// (`--mirrored`; the start screen's "mirrored picture" setting changes it).
    pub mirrored: bool,
}

/// What the user set for readability.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Multiplies every size on screen (1 = normal).
    pub font_scale: f32,
    /// Black background, white text, saturated colours.
    pub high_contrast: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self { font_scale: 1.0, high_contrast: false }
    }
}

/// Opens the window and runs until it is closed.
///
/// # Errors
/// When no window can be created (no display).
pub fn run(launch: Launch) -> anyhow::Result<()> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default().with_title("formcheck").with_inner_size([1200.0, 800.0]),
        ..Default::default()
    };
    eframe::run_native(
        "formcheck",
        options,
        Box::new(move |_cc| Ok(Box::new(FormcheckApp::new(launch, capture::camera::list_cameras())))),
    )
    .map_err(|e| {
        anyhow::anyhow!("could not open the window ({e}). On a machine without a display, run it under `xvfb-run`.")
    })
}

enum Screen {
    Start,
    Live(Box<LiveView>),
    Plan,
    History(Box<history::HistoryView>),
    Review(Box<review::ReviewView>),
    /// The therapist's screen: a video call analysed live.
    Therapist(Box<therapist::TherapistView>),
}

/// The application state.
pub struct FormcheckApp {
    launch: Launch,
    cameras: Vec<CameraEntry>,
    /// The runtime library's file name, or why it did not load (the "ONNX Runtime not found" panel).
    runtime: Result<String, crate::runtime::RuntimeError>,
    file_input: String,
    camera_resolution: (u32, u32),
    screen: Screen,
    /// The guided session (or the pose alone) while the live screen shows.
    driver: Option<Box<SessionDriver>>,
    message: Option<String>,
    pending_source: Option<SourceSpec>,
    settings: Settings,
    applied: Option<Settings>,
    records: records::Records,
    review_input: String,
}

impl FormcheckApp {
    /// A new app; `cameras` is the list the system offers (empty: the start screen offers demo and files).
    #[must_use]
    pub fn new(launch: Launch, cameras: Vec<CameraEntry>) -> Self {
        // The library's file name only: where it lives depends on the machine.
        let runtime = crate::runtime::environment()
            .map(|(_, p)| p.file_name().map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into_owned()));
        let pending_source = launch.source.clone();
        let records = records::Records::load(launch.data_dir.as_deref(), launch.prescription.as_deref());
        Self {
            records,
            launch,
            cameras,
            runtime,
            file_input: String::new(),
            camera_resolution: (1280, 720),
            screen: Screen::Start,
            driver: None,
            message: None,
            pending_source,
            settings: Settings::default(),
            applied: None,
            review_input: String::new(),
        }
    }

    /// Whether the live view is showing.
    #[must_use]
    pub fn is_live(&self) -> bool {
        matches!(self.screen, Screen::Live(_))
    }

    /// The guided session, when one is running.
    #[must_use]
    pub fn coach(&self) -> Option<&Coach> {
        self.driver.as_ref().and_then(|d| d.coach())
    }

    /// The clip review, when it is showing.
    #[must_use]
    pub fn review(&self) -> Option<&review::ReviewView> {
        match &self.screen {
            Screen::Review(v) => Some(v),
            _ => None,
        }
    }

    /// The therapist's call screen, when it is showing.
    #[must_use]
    pub fn therapist(&self) -> Option<&therapist::TherapistView> {
        match &self.screen {
            Screen::Therapist(v) => Some(v),
            _ => None,
        }
    }

    /// Opens the therapist's call screen (the start screen's "Call (therapist)").
    fn open_call(&mut self, source: Option<therapist::CallSource>) {
        let mut v = therapist::TherapistView::new(
            self.launch.exercise,
            self.launch.model,
            self.launch.stepped,
            self.launch.data_dir.clone(),
        );
        if let Some(s) = source {
            v = v.with_source(s);
        }
        self.message = None;
        self.driver = None;
        self.screen = Screen::Therapist(Box::new(v));
    }

    /// The readability settings.
    pub fn settings_mut(&mut self) -> &mut Settings {
        &mut self.settings
    }

    fn open(&mut self, spec: &SourceSpec, ctx: &egui::Context) {
        // A call's window or region is someone else's picture: the therapist's screen, which asks
        // for the patient's consent before anything is captured.
        if let SourceSpec::Screen(target) = spec {
            self.open_call(Some(therapist::CallSource::Screen(target.clone())));
            return;
        }
        let paced = self.launch.stepped.is_none();
        let src: Result<Box<dyn FrameSource>, SourceError> = match spec {
            // The demo shows the chosen exercise; with none chosen (pose only), the hip hinge.
            SourceSpec::Demo => Ok(Box::new(DemoSource::new(self.launch.exercise.unwrap_or(Exercise::Hinge), paced))),
            SourceSpec::Camera(i) => {
                CameraSource::open(CameraRequest { index: *i, resolution: Some(self.camera_resolution) })
                    .map(|c| capture::mirror::unmirror_if(Box::new(c), self.launch.mirrored))
            }
            SourceSpec::Path(p) => capture::open_path(p, crate::frame::PixelFormat::Rgb24)
                .map(|s| capture::mirror::unmirror_if(s, self.launch.mirrored)),
            SourceSpec::Screen(_) => return,
        };
        let src = match src {
            Ok(s) => s,
            Err(e) => {
                self.message = Some(e.to_string());
                return;
            }
        };
        let model = match live::model_for(src.info(), self.launch.model) {
            Ok(m) => m,
            Err(e) => {
                self.message = Some(e.to_string());
                return;
            }
        };
        let chosen = self.launch.exercise;
        let coach = chosen.map(|e| Coach::new(e, self.launch.dose.unwrap_or_else(|| self.records.dose_for(e))));
        let exercise = chosen.map(|e| {
            let base = self.records.config_for(e);
            (e, coach.as_ref().map_or(base.clone(), |c| c.engine_config(base)))
        });
        // The demo is a tour, not the person's exercise: it is not recorded.
        let recorder = match spec {
            _ if coach.is_none() => None,
            SourceSpec::Demo => None,
            SourceSpec::Camera(_) => self.records.recorder(crate::session::store::SourceKind::Camera, None),
            SourceSpec::Path(p) => self.records.recorder(crate::session::store::SourceKind::Clip, Some(p.clone())),
            // A call is someone else's picture: not recorded until consent and patients exist.
            SourceSpec::Screen(_) => None,
        };
        let pipeline = match self.launch.stepped {
            Some(k) => LivePipeline::stepped(src, model, None, exercise, k),
            None => {
                let repaint = ctx.clone();
                LivePipeline::start(src, model, None, exercise, move || repaint.request_repaint())
            }
        };
        self.message = None;
        // A replay shows the same screens every time: wait for the audio device's answer.
        let voice = if self.launch.stepped.is_some() { Voice::SpeakWaitReady } else { Voice::Speak };
        self.driver = Some(Box::new(SessionDriver::new(pipeline, coach, recorder, voice)));
        self.screen = Screen::Live(Box::new(LiveView::new(self.launch.debug)));
    }

    /// Opens the review screen on `path`, analysed for the chosen exercise in the background.
    fn open_review(&mut self, path: PathBuf, ctx: &egui::Context) {
        let Some(e) = self.launch.exercise else {
            self.message = Some("Choose the exercise the recording shows, then review it.".into());
            return;
        };
        self.message = None;
        // Judged with the prescription in force, as live is.
        let config = self.records.config_for(e);
        self.screen = Screen::Review(Box::new(review::ReviewView::start(
            path,
            e,
            config,
            self.launch.model,
            self.launch.mirrored,
            ctx,
        )));
    }

    fn apply_settings(&mut self, ctx: &egui::Context) {
        if self.applied == Some(self.settings) {
            return;
        }
        self.applied = Some(self.settings);
        ctx.set_zoom_factor(self.settings.font_scale.clamp(0.75, 2.5));
        let mut visuals = egui::Visuals::dark();
        if self.settings.high_contrast {
            visuals.override_text_color = Some(Color32::WHITE);
            visuals.panel_fill = Color32::BLACK;
            visuals.window_fill = Color32::BLACK;
            visuals.extreme_bg_color = Color32::BLACK;
            visuals.widgets.noninteractive.bg_stroke.color = Color32::WHITE;
            visuals.widgets.inactive.bg_stroke = egui::Stroke::new(1.5, Color32::WHITE);
            visuals.widgets.inactive.weak_bg_fill = Color32::from_gray(20);
            visuals.selection.bg_fill = Color32::from_rgb(0, 90, 200);
        }
        ctx.set_visuals(visuals);
    }

    /// The work of a pass before anything is drawn (eframe's `App::logic`): opens what the command
    /// line asked for, and advances the guided session by the pipeline's newest result. Needs no
    /// `Ui`: it also runs while the window is hidden.
    pub fn logic(&mut self, ctx: &egui::Context) {
        if let Some(spec) = self.pending_source.take() {
            self.open(&spec, ctx);
        }
        if let Some(path) = self.launch.review.take() {
            self.open_review(path, ctx);
        }
        if let Some(d) = self.driver.as_mut() {
            d.step();
        }
        if let Screen::Therapist(v) = &mut self.screen {
            v.step();
            if v.is_analysing() {
                // Frames arrive on other threads: keep the passes coming while analysis runs.
                ctx.request_repaint_after(std::time::Duration::from_millis(15));
            }
        }
    }

    /// Lays out the whole window (after [`Self::logic`]).
    pub fn show(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        self.apply_settings(&ctx);
        let mut back = false;
        match &mut self.screen {
            Screen::Start => self.start_screen(ui),
            Screen::Live(view) => match self.driver.as_deref_mut() {
                Some(driver) => match view.show(ui, driver, &mut self.settings) {
                    Some(LiveAction::Back) => back = true,
                    Some(LiveAction::WriteReport(id)) => {
                        view.set_report(self.records.write_report(id).map_err(anyhow::Error::msg));
                    }
                    None => {}
                },
                None => back = true,
            },
            Screen::Plan => back = self.records.editor_ui(ui),
            Screen::History(view) => back = view.show(ui, &self.records),
            Screen::Review(view) => back = view.show(ui),
            Screen::Therapist(view) => back = view.show(ui),
        }
        if back {
            self.screen = Screen::Start;
            self.driver = None;
            self.records.refresh();
        }
    }

    fn start_screen(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        egui::CentralPanel::default().show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                ui.horizontal(|ui| {
                    ui.heading("formcheck");
                    ui.label(
                        "Form coaching for the hip hinge, bird dog and side plank. Everything stays on this computer.",
                    );
                });
                ui.add_space(6.0);
                if let Err(e) = &self.runtime {
                    egui::Frame::group(ui.style()).fill(Color32::from_rgb(90, 30, 30)).show(ui, |ui| {
                        ui.label(
                            RichText::new("ONNX Runtime not found: pose estimation is unavailable")
                                .strong()
                                .color(Color32::WHITE),
                        );
                        ui.label(RichText::new(e.to_string()).color(Color32::WHITE));
                        ui.label(RichText::new("The demo below still works without it.").color(Color32::WHITE));
                    });
                    ui.add_space(6.0);
                }
                if let Some(m) = &self.message {
                    ui.colored_label(Color32::from_rgb(220, 80, 60), m.as_str());
                    ui.add_space(6.0);
                }
                self.records.alerts_ui(ui);
                self.exercise_picker(ui);
                ui.add_space(6.0);
                self.source_picker(ui, &ctx);
                if let Some(path) = review::start_group(ui, &mut self.review_input, self.launch.exercise) {
                    self.open_review(path, &ctx);
                }
                ui.add_space(6.0);
                ui.group(|ui| {
                    ui.label(RichText::new("For therapists").strong());
                    ui.label("Analyse a patient in a video call, live: pick the call's window, confirm the patient's consent, and see reps, faults and angles; freeze a frame and measure any angle.");
                    if ui.button("Call (therapist)").clicked() {
                        self.open_call(None);
                    }
                });
                ui.add_space(6.0);
                match self.records.ui(ui) {
                    Some(records::RecordsAction::EditPlan) => {
                        self.records.open_editor();
                        self.screen = Screen::Plan;
                    }
                    Some(records::RecordsAction::History) => {
                        let e = self.launch.exercise.unwrap_or(Exercise::Hinge);
                        self.screen = Screen::History(Box::new(history::HistoryView::new(&self.records, e)));
                    }
                    None => {}
                }
                ui.add_space(6.0);
                settings_row(ui, &mut self.settings);
                ui.add_space(6.0);
                ui.label(
                    RichText::new(format!("Before you start: {RED_FLAGS}")).color(Color32::from_rgb(255, 190, 40)),
                );
                match &self.runtime {
                    Ok(p) => ui.weak(format!("Pose model: MoveNet {} · ONNX Runtime: {p}", self.launch.model.name())),
                    Err(_) => ui.weak("Pose model: unavailable (no ONNX Runtime)"),
                };
            });
        });
    }

    fn exercise_picker(&mut self, ui: &mut egui::Ui) {
        ui.label(RichText::new("1. Choose an exercise").strong().size(18.0));
        ui.columns(3, |cols| {
            for (col, e) in cols.iter_mut().zip(Exercise::ALL) {
                let selected = self.launch.exercise == Some(e);
                let dose = self.launch.dose.filter(|_| selected).unwrap_or_else(|| self.records.dose_for(e));
                let notes = self.records.notes_for(e);
                let frame = egui::Frame::group(col.style()).stroke(if selected {
                    egui::Stroke::new(3.0, Color32::from_rgb(60, 160, 255))
                } else {
                    col.style().visuals.widgets.noninteractive.bg_stroke
                });
                frame.show(col, |ui| {
                    ui.set_min_width(ui.available_width());
                    if ui.selectable_label(selected, RichText::new(e.label()).size(20.0).strong()).clicked() {
                        self.launch.exercise = Some(e);
                    }
                    ui.label(RichText::new(format!("Dose: {}", dose.describe(e))).strong());
                    let h = how_to(e);
                    for s in h.steps {
                        ui.label(format!("• {s}"));
                    }
                    ui.label(RichText::new(format!("Camera: {}", h.camera)).italics());
                    if let Some(n) = &notes {
                        ui.label(RichText::new(format!("Your therapist: {n}")).color(Color32::from_rgb(120, 200, 255)));
                    }
                });
            }
        });
        ui.horizontal(|ui| {
            ui.radio_value(&mut self.launch.exercise, None, "Pose only (no exercise check)");
        });
    }

    fn source_picker(&mut self, ui: &mut egui::Ui, ctx: &egui::Context) {
        ui.label(RichText::new("2. Start").strong().size(18.0));
        ui.group(|ui| {
            ui.label(RichText::new("Camera").strong());
            if self.cameras.is_empty() {
                ui.label("No camera found. Try the demo, or open a recorded video below.");
            } else {
                ui.horizontal(|ui| {
                    ui.label("Resolution:");
                    for res in [(640, 480), (1280, 720), (1920, 1080)] {
                        ui.radio_value(&mut self.camera_resolution, res, format!("{}x{}", res.0, res.1));
                    }
                });
                ui.checkbox(
                    &mut self.launch.mirrored,
                    "Mirrored picture (a selfie view): flip it back, so left and right are your own",
                );
                let mut chosen = None;
                for c in &self.cameras {
                    if ui.button(format!("Use camera {}: {}", c.index, c.name)).clicked() {
                        chosen = Some(c.index);
                    }
                }
                if let Some(i) = chosen {
                    self.open(&SourceSpec::Camera(i), ctx);
                }
            }
        });
        ui.group(|ui| {
            ui.label(RichText::new("Recorded video or photos").strong());
            ui.horizontal(|ui| {
                let label = ui.label("File or folder:");
                let edit = ui
                    .add(egui::TextEdit::singleline(&mut self.file_input).hint_text("/path/to/clip.mp4"))
                    .labelled_by(label.id);
                let enter = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                if (ui.button("Open file").clicked() || enter) && !self.file_input.trim().is_empty() {
                    let p = PathBuf::from(self.file_input.trim());
                    self.open(&SourceSpec::Path(p), ctx);
                }
            });
        });
        ui.group(|ui| {
            ui.label(RichText::new("Demo").strong());
            ui.label("A simulated person doing the chosen exercise (the hip hinge if none is chosen), with some faults to correct: see a whole guided set without a camera.");
            if ui.button("Start the demo").clicked() {
                self.open(&SourceSpec::Demo, ctx);
            }
        });
    }
}

/// Font scale and high contrast, on the start screen and the live screen.
pub(crate) fn settings_row(ui: &mut egui::Ui, settings: &mut Settings) {
    ui.horizontal(|ui| {
        ui.label("Text size:");
        for (label, s) in [("normal", 1.0), ("large", 1.3), ("extra large", 1.7)] {
            if ui.selectable_label((settings.font_scale - s).abs() < 0.01, label).clicked() {
                settings.font_scale = s;
            }
        }
        ui.checkbox(&mut settings.high_contrast, "High contrast");
    });
}

impl eframe::App for FormcheckApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        FormcheckApp::logic(self, ctx);
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }
}
