//! The window (eframe): pick a source, see the frames with the skeleton on them, fps and latency.
//!
//! The app owns the state; each screen is a method that lays out its panels. Per-frame work is cheap:
//! the UI takes the newest result from the live pipeline ([`live::LivePipeline::poll`]) and never waits.

pub mod live;

use std::path::PathBuf;

use egui::{Color32, RichText};

use crate::form::{DowelOverlay, Exercise, FormConfig, LiveState};
use crate::pose::ModelKind;
use crate::pose::skeleton::{BONES, Joint, Pose};
use crate::source::camera::{CameraEntry, CameraRequest, CameraSource};
use crate::source::demo::DemoSource;
use crate::source::{self, FrameSource, SourceKind, SourceSpec};
use live::{LivePipeline, LiveResult, LiveStatus};

/// How the window was asked to start.
#[derive(Debug, Clone, Default)]
pub struct Launch {
    pub source: Option<SourceSpec>,
    pub model: ModelKind,
    /// The exercise to check (None: show the pose only).
    pub exercise: Option<Exercise>,
}

/// Opens the window and runs until it is closed.
///
/// # Errors
/// When no window can be created (no display).
pub fn run(launch: Launch) -> anyhow::Result<()> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default().with_title("formcheck").with_inner_size([1100.0, 760.0]),
        ..Default::default()
    };
    eframe::run_native(
        "formcheck",
        options,
        Box::new(move |_cc| Ok(Box::new(FormcheckApp::new(launch, source::camera::list_cameras())))),
    )
    .map_err(|e| {
        anyhow::anyhow!("could not open the window ({e}). On a machine without a display, run it under `xvfb-run`.")
    })
}

/// Colour of a joint by the model's confidence: red under the floor, amber when unsure, green when sure.
#[must_use]
pub fn confidence_color(score: f32) -> Color32 {
    if score < 0.3 {
        Color32::from_rgb(220, 50, 47)
    } else if score < 0.6 {
        Color32::from_rgb(240, 170, 30)
    } else {
        Color32::from_rgb(40, 200, 90)
    }
}

enum Screen {
    Start,
    Live(Box<LiveView>),
}

struct LiveView {
    pipeline: LivePipeline,
    texture: Option<egui::TextureHandle>,
    last: Option<LiveResult>,
    /// Speaks the form engine's cues (None when no exercise is checked).
    speaker: Option<crate::speech::Speaker>,
    /// The last cue handed to the speaker (time, id), so each is spoken once.
    spoken: Option<(f64, String)>,
}

/// The application state.
pub struct FormcheckApp {
    launch: Launch,
    cameras: Vec<CameraEntry>,
    /// `Err` holds the message for the "ONNX Runtime not found" screen.
    runtime: Result<String, String>,
    file_input: String,
    camera_resolution: (u32, u32),
    screen: Screen,
    message: Option<String>,
    pending_source: Option<SourceSpec>,
}

impl FormcheckApp {
    /// A new app; `cameras` is the list the system offers (empty: the start screen offers demo and files).
    #[must_use]
    pub fn new(launch: Launch, cameras: Vec<CameraEntry>) -> Self {
        // The library's file name only: where it lives depends on the machine.
        let runtime = crate::runtime::environment()
            .map(|(_, p)| p.file_name().map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into_owned()))
            .map_err(|e| e.to_string());
        let pending_source = launch.source.clone();
        Self {
            launch,
            cameras,
            runtime,
            file_input: String::new(),
            camera_resolution: (1280, 720),
            screen: Screen::Start,
            message: None,
            pending_source,
        }
    }

    /// Whether the live view is showing.
    #[must_use]
    pub fn is_live(&self) -> bool {
        matches!(self.screen, Screen::Live(_))
    }

    fn open(&mut self, spec: &SourceSpec, ctx: &egui::Context) {
        let src: Result<Box<dyn FrameSource>, String> = match spec {
            // The demo shows the chosen exercise; with none chosen (pose only), the hip hinge.
            SourceSpec::Demo => Ok(Box::new(DemoSource::new(self.launch.exercise.unwrap_or(Exercise::Hinge), true))),
            SourceSpec::Camera(i) => {
                CameraSource::open(CameraRequest { index: *i, resolution: Some(self.camera_resolution) })
                    .map(|c| Box::new(c) as Box<dyn FrameSource>)
                    .map_err(|e| e.to_string())
            }
            SourceSpec::Path(p) => source::open_path(p, crate::frame::PixelFormat::Rgb24).map_err(|e| e.to_string()),
        };
        let src = match src {
            Ok(s) => s,
            Err(e) => {
                self.message = Some(e);
                return;
            }
        };
        let needs_model = src.info().kind != SourceKind::Demo;
        let (model, model_error) = if needs_model {
            match live::load_model(self.launch.model) {
                Ok(m) => (Some(m), None),
                Err(e) => {
                    self.message = Some(e);
                    return;
                }
            }
        } else {
            (None, None)
        };
        let repaint = ctx.clone();
        let chosen = self.launch.exercise;
        let exercise = chosen.map(|e| (e, FormConfig::default()));
        let pipeline = LivePipeline::start(src, model, model_error, exercise, move || repaint.request_repaint());
        self.message = None;
        let speaker = chosen.map(|_| crate::speech::Speaker::start());
        self.screen = Screen::Live(Box::new(LiveView { pipeline, texture: None, last: None, speaker, spoken: None }));
    }

    /// Lays out the whole window.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        if let Some(spec) = self.pending_source.take() {
            let ctx = ui.ctx().clone();
            self.open(&spec, &ctx);
        }
        let mut back = false;
        match &mut self.screen {
            Screen::Start => self.start_screen(ui),
            Screen::Live(view) => back = live_screen(view, ui),
        }
        if back {
            self.screen = Screen::Start;
        }
    }

    fn start_screen(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        egui::CentralPanel::default().show(ui, |ui| {
            ui.heading("formcheck");
            ui.label("Form coaching for the hip hinge, bird dog and side plank. Everything stays on this computer.");
            ui.add_space(8.0);
            if let Err(e) = &self.runtime {
                egui::Frame::group(ui.style()).fill(Color32::from_rgb(90, 30, 30)).show(ui, |ui| {
                    ui.label(
                        RichText::new("ONNX Runtime not found: pose estimation is unavailable")
                            .strong()
                            .color(Color32::WHITE),
                    );
                    ui.label(RichText::new(e.as_str()).color(Color32::WHITE));
                    ui.label(RichText::new("The demo below still works without it.").color(Color32::WHITE));
                });
                ui.add_space(8.0);
            }
            if let Some(m) = &self.message {
                ui.colored_label(Color32::from_rgb(220, 80, 60), m.as_str());
                ui.add_space(8.0);
            }
            ui.group(|ui| {
                ui.label(RichText::new("Exercise").strong());
                ui.horizontal(|ui| {
                    ui.radio_value(&mut self.launch.exercise, None, "Pose only");
                    for e in [Exercise::Hinge, Exercise::BirdDog, Exercise::SidePlank] {
                        ui.radio_value(&mut self.launch.exercise, Some(e), e.label());
                    }
                });
            });
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
                    let mut chosen = None;
                    for c in &self.cameras {
                        if ui.button(format!("Use camera {}: {}", c.index, c.name)).clicked() {
                            chosen = Some(c.index);
                        }
                    }
                    if let Some(i) = chosen {
                        self.open(&SourceSpec::Camera(i), &ctx);
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
                        self.open(&SourceSpec::Path(p), &ctx);
                    }
                });
            });
            ui.group(|ui| {
                ui.label(RichText::new("Demo").strong());
                ui.label("A simulated person doing the chosen exercise (the hip hinge if none is chosen), with some faults to correct: see what formcheck does without a camera.");
                if ui.button("Start the demo").clicked() {
                    self.open(&SourceSpec::Demo, &ctx);
                }
            });
            ui.add_space(8.0);
            match &self.runtime {
                Ok(p) => ui.weak(format!("Pose model: MoveNet {} · ONNX Runtime: {p}", self.launch.model.name())),
                Err(_) => ui.weak("Pose model: unavailable (no ONNX Runtime)"),
            };
        });
    }
}

/// The live screen. Returns true when the user asked to go back.
fn live_screen(view: &mut LiveView, ui: &mut egui::Ui) -> bool {
    let ctx = ui.ctx().clone();
    if let Some(r) = view.pipeline.poll() {
        let image = egui::ColorImage::from_rgb([r.frame.width as usize, r.frame.height as usize], &r.frame.rgb());
        match &mut view.texture {
            Some(t) => t.set(image, egui::TextureOptions::LINEAR),
            None => view.texture = Some(ctx.load_texture("frame", image, egui::TextureOptions::LINEAR)),
        }
        if let (Some(speaker), Some(cue)) = (&view.speaker, r.form.as_ref().and_then(|f| f.current_cue.as_ref())) {
            let key = (cue.t, cue.id.clone());
            if view.spoken.as_ref() != Some(&key) {
                speaker.say(&cue.id, &cue.text);
                view.spoken = Some(key);
            }
        }
        view.last = Some(r);
    }
    let status = view.pipeline.status();
    let mut back = false;
    egui::Panel::top("live-top").show(ui, |ui| {
        ui.horizontal(|ui| {
            if ui.button("Back to sources").clicked() {
                back = true;
            }
            if view.pipeline.info.kind == SourceKind::Demo {
                ui.label(RichText::new(" DEMO ").strong().color(Color32::BLACK).background_color(Color32::from_rgb(255, 190, 40)));
                ui.label("simulated person, no camera");
            } else {
                ui.label(RichText::new(&view.pipeline.info.name).strong());
            }
            if let Some(speaker) = view.speaker.as_mut() {
                ui.separator();
                let mut muted = speaker.muted();
                if ui.checkbox(&mut muted, "Mute").changed() {
                    speaker.set_muted(muted);
                }
                let mut volume = speaker.volume();
                if ui.add(egui::Slider::new(&mut volume, 0.0..=1.0).text("Volume").show_value(false)).changed() {
                    speaker.set_volume(volume);
                }
            }
            if let Some(r) = &view.last {
                ui.separator();
                ui.label(format!("{:.0} fps", r.fps));
                ui.separator();
                if r.from_demo {
                    ui.label(format!("latency {:.1} ms (no model: the demo knows its pose)", r.latency_ms));
                } else {
                    ui.label(format!(
                        "capture {:.1} ms · preprocess {:.1} ms · inference {:.1} ms · postprocess {:.1} ms · latency {:.0} ms · dropped {}",
                        r.capture_ms, r.times.preprocess_ms, r.times.inference_ms, r.times.postprocess_ms, r.latency_ms, r.dropped
                    ));
                }
                ui.separator();
                ui.label(if r.sample.present { "person in view" } else { "no person" });
            }
        });
    });
    egui::CentralPanel::default().show(ui, |ui| {
        if let Some(problem) = view.speaker.as_ref().and_then(|s| s.status().problem()) {
            ui.weak(problem);
        }
        match &status {
            LiveStatus::Failed(m) => {
                ui.colored_label(Color32::from_rgb(230, 80, 60), m.as_str());
            }
            LiveStatus::Ended => {
                ui.label("End of the video.");
            }
            LiveStatus::Starting if view.last.is_none() => {
                ui.spinner();
            }
            _ => {}
        }
        if let Some(form) = view.last.as_ref().and_then(|r| r.form.as_ref()) {
            exercise_panel(ui, form);
        }
        if let (Some(tex), Some(r)) = (&view.texture, &view.last) {
            let avail = ui.available_size();
            let (fw, fh) = (r.frame.width as f32, r.frame.height as f32);
            let scale = (avail.x / fw).min(avail.y / fh).max(0.01);
            let size = egui::vec2(fw * scale, fh * scale);
            let resp = ui.add(egui::Image::new((tex.id(), size)));
            draw_skeleton(ui.painter(), resp.rect, scale, &r.sample.pose, r.sample.present);
            // The mask's reading, when reliable, outranks the keypoint estimate of the dowel.
            if let Some(b) = &r.back {
                draw_back(ui.painter(), resp.rect, scale, &b.overlay);
            } else if let Some(d) = r.form.as_ref().and_then(|f| f.dowel.as_ref()) {
                draw_dowel(ui.painter(), resp.rect, scale, d);
            }
        }
    });
    back
}

/// Colour of a dowel contact: green while it holds, red when lost, grey when not judged.
#[must_use]
pub fn contact_color(ok: Option<bool>) -> Color32 {
    match ok {
        Some(true) => Color32::from_rgb(40, 200, 90),
        Some(false) => Color32::from_rgb(230, 40, 40),
        None => Color32::from_gray(150),
    }
}

/// The virtual dowel: a line through the head, upper-back and sacrum estimates, each contact
/// coloured by whether it holds.
pub fn draw_dowel(painter: &egui::Painter, rect: egui::Rect, scale: f32, d: &DowelOverlay) {
    let at = |p: (f32, f32)| egui::pos2(rect.min.x + p.0 * scale, rect.min.y + p.1 * scale);
    let contacts = [(at(d.head), d.head_ok), (at(d.thoracic), d.thoracic_ok), (at(d.sacrum), d.sacrum_ok)];
    paint_dowel(painter, [at(d.head), at(d.sacrum)], &contacts);
}

/// The dowel line, green while no contact is lost and red otherwise, and each contact's dot.
fn paint_dowel(painter: &egui::Painter, ends: [egui::Pos2; 2], contacts: &[(egui::Pos2, Option<bool>)]) {
    let all_ok = contacts.iter().all(|c| c.1 != Some(false));
    painter.line_segment(ends, egui::Stroke::new(5.0, contact_color(Some(all_ok)).gamma_multiply(0.85)));
    for &(p, ok) in contacts {
        painter.circle_filled(p, 8.0, contact_color(ok));
        painter.circle_stroke(p, 8.0, egui::Stroke::new(2.0, Color32::WHITE));
    }
}

/// The back as the person mask sees it: the traced contour, the dowel line (real or virtual) and
/// the contacts, green or red; "dowel detected" when a real one is held.
pub fn draw_back(painter: &egui::Painter, rect: egui::Rect, scale: f32, o: &crate::back::BackOverlay) {
    let at = |p: [f32; 2]| egui::pos2(rect.min.x + p[0] * scale, rect.min.y + p[1] * scale);
    let contour: Vec<egui::Pos2> = o.contour.iter().map(|&p| at(p)).collect();
    painter.add(egui::Shape::line(contour, egui::Stroke::new(3.0, Color32::from_rgb(60, 200, 230))));
    let contacts: Vec<(egui::Pos2, Option<bool>)> = o.contacts.iter().map(|c| (at(c.at), Some(c.ok))).collect();
    paint_dowel(painter, [at(o.dowel[0]), at(o.dowel[1])], &contacts);
    if o.dowel_detected {
        painter.text(
            at(o.dowel[0]) + egui::vec2(12.0, -12.0),
            egui::Align2::LEFT_BOTTOM,
            "dowel detected",
            egui::FontId::proportional(18.0),
            Color32::WHITE,
        );
    }
}

/// The exercise readout: a large rep count or hold time, the current cue and the fault behind it.
fn exercise_panel(ui: &mut egui::Ui, form: &LiveState) {
    ui.horizontal(|ui| {
        let big = if form.holding || form.hold_seconds_in_form > 0.0 {
            format!("{:.0} s", form.hold_seconds_in_form.floor())
        } else {
            format!("{} {}", form.rep_count, if form.rep_count == 1 { "rep" } else { "reps" })
        };
        ui.label(RichText::new(big).size(40.0).strong());
        ui.separator();
        ui.vertical(|ui| {
            match &form.current_cue {
                Some(c) => {
                    ui.label(RichText::new(&c.text).size(24.0).color(Color32::from_rgb(255, 210, 80)));
                }
                None => {
                    ui.label(RichText::new(" ").size(24.0));
                }
            }
            let faults: Vec<&str> = form.active_faults.iter().map(|f| f.id()).collect();
            let view = format!("{:?}", form.view).to_lowercase();
            ui.label(format!(
                "phase: {} · view: {view}{} · faults: {}",
                form.phase,
                if form.in_view { "" } else { " · NOT IN VIEW" },
                if faults.is_empty() { "none".to_string() } else { faults.join(", ") }
            ));
            if form.dowel.is_some() {
                ui.weak("Dowel contacts: green = touching, red = lost, grey = not judged");
            }
        });
    });
}

/// Draws bones and joints over the image shown in `rect` (frame pixels times `scale`).
pub fn draw_skeleton(painter: &egui::Painter, rect: egui::Rect, scale: f32, pose: &Pose, present: bool) {
    if !present {
        return;
    }
    let at = |j: Joint| {
        let k = pose.get(j);
        egui::pos2(rect.min.x + k.x * scale, rect.min.y + k.y * scale)
    };
    for (a, b) in BONES {
        let s = pose.get(a).score.min(pose.get(b).score);
        if s >= 0.3 {
            painter.line_segment([at(a), at(b)], egui::Stroke::new(3.0, confidence_color(s).gamma_multiply(0.8)));
        }
    }
    for j in Joint::ALL {
        let s = pose.get(j).score;
        painter.circle_filled(at(j), 5.0, confidence_color(s));
        painter.circle_stroke(at(j), 5.0, egui::Stroke::new(1.0, Color32::BLACK));
    }
}

impl eframe::App for FormcheckApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }
}
