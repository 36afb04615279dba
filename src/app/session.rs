//! The live screen: the camera image with the skeleton and the dowel, the setup checklist, the
//! large rep counter or hold timer, the cue banner, set and side progress, the rest timer, the
//! end-of-set summary with the pain prompt, and the keyboard (Space, N, M, D, Esc).

use std::collections::VecDeque;
use std::path::PathBuf;

use egui::{Color32, RichText};

use super::draw::{draw_back, draw_dowel, draw_skeleton, pain_scale, report_outcome};
use super::{Settings, settings_row};
use crate::capture::SourceKind;
use crate::coach::{Coach, RED_FLAGS, SetTally, Stage, most_frequent_fault, pain_advice};
use crate::form::{Cue, CuePriority, Exercise, FaultId, LiveState};
use crate::pipeline::live::{LiveResult, LiveStatus};
use crate::session::driver::{Command, SessionDriver};

/// Colours of the cue banner by priority: safety red, major fault orange, minor amber, praise green.
#[must_use]
pub(crate) fn banner_colors(p: CuePriority) -> (Color32, Color32) {
    match p {
        CuePriority::Safety => (Color32::from_rgb(190, 30, 30), Color32::WHITE),
        CuePriority::MajorFault => (Color32::from_rgb(225, 100, 10), Color32::BLACK),
        CuePriority::MinorFault => (Color32::from_rgb(240, 200, 50), Color32::BLACK),
        CuePriority::Encouragement => (Color32::from_rgb(30, 140, 70), Color32::WHITE),
    }
}

/// Keyboard help, always on screen.
pub const KEYS_HELP: &str = "Space start / pause · N next set or side · M mute · D debug · Esc stop";

/// The 95th (or any) percentile of `xs`, nearest rank.
#[must_use]
pub(crate) fn percentile(xs: &[f64], p: f64) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * v.len() as f64).ceil().max(1.0) as usize;
    Some(v[rank.min(v.len()) - 1])
}

/// What the live screen asks of the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LiveAction {
    /// Back to the start screen (the session ends).
    Back,
    /// Write the report of this stored session.
    WriteReport(i64),
}

/// The live screen's own state: the picture on screen and its latency, the debug overlay, the
/// report written. The session itself is the [`SessionDriver`], which the app steps.
pub(crate) struct LiveView {
    texture: Option<egui::TextureHandle>,
    /// The driver's result count when the texture was last uploaded.
    shown: u64,
    /// Milliseconds from a frame's arrival to the UI pass that puts it (and its cue) on screen.
    latency: VecDeque<f64>,
    latency_all: Vec<f64>,
    /// The written report, or why not.
    report: Option<anyhow::Result<PathBuf>>,
    debug: bool,
    /// Log the latency to standard error (every `LOG_EVERY` of frame time).
    log: bool,
    last_log: Option<std::time::Instant>,
}

impl LiveView {
    pub(crate) fn new(debug: bool) -> Self {
        Self {
            texture: None,
            shown: 0,
            latency: VecDeque::new(),
            latency_all: Vec::new(),
            report: None,
            debug,
            log: debug,
            last_log: None,
        }
    }

    /// The outcome of the report the user asked for.
    pub(crate) fn set_report(&mut self, report: anyhow::Result<PathBuf>) {
        self.report = Some(report);
    }

    /// Puts the driver's newest frame in the texture, once per new result.
    fn upload_frame(&mut self, ctx: &egui::Context, driver: &SessionDriver) {
        if driver.results() == self.shown {
            return;
        }
        self.shown = driver.results();
        let Some(r) = driver.last() else { return };
        let image = egui::ColorImage::from_rgb([r.frame.width as usize, r.frame.height as usize], &r.frame.rgb());
        match &mut self.texture {
            Some(t) => t.set(image, egui::TextureOptions::LINEAR),
            None => self.texture = Some(ctx.load_texture("frame", image, egui::TextureOptions::LINEAR)),
        }
        // The frame (and any cue it brought) is painted in this pass.
        let ms = r.arrived.elapsed().as_secs_f64() * 1e3;
        self.latency.push_back(ms);
        if self.latency.len() > 300 {
            self.latency.pop_front();
        }
        if self.latency_all.len() < 1_000_000 {
            self.latency_all.push(ms);
        }
        if self.log && self.last_log.is_none_or(|l| l.elapsed().as_secs_f64() >= 10.0) {
            self.last_log = Some(std::time::Instant::now());
            let recent: Vec<f64> = self.latency.iter().copied().collect();
            if let (Some(p50), Some(p95)) = (percentile(&recent, 50.0), percentile(&recent, 95.0)) {
                eprintln!(
                    "formcheck: frame-to-screen latency (last {} frames) p50 {p50:.1} ms, p95 {p95:.1} ms; {:.0} fps; inference {:.1} ms",
                    recent.len(),
                    r.fps,
                    r.times.inference_ms
                );
            }
        }
    }

    /// The keys, as commands to the driver. Returns true when the user asked to leave.
    fn keys(&mut self, ui: &egui::Ui, driver: &mut SessionDriver) -> bool {
        let (space, next, mute, debug, esc) = ui.input(|i| {
            use egui::Key;
            (
                i.key_pressed(Key::Space),
                i.key_pressed(Key::N),
                i.key_pressed(Key::M),
                i.key_pressed(Key::D),
                i.key_pressed(Key::Escape),
            )
        });
        if debug {
            self.debug = !self.debug;
        }
        if mute {
            driver.command(Command::ToggleMute);
        }
        let Some(stage) = driver.stage() else { return esc };
        if space {
            driver.command(Command::StartPause);
        }
        if next {
            driver.command(Command::NextSetOrSide);
        }
        if esc {
            if stage == Stage::Done {
                return true;
            }
            driver.command(Command::Stop);
        }
        false
    }

    /// Lays out the live screen of `driver`'s session and sends it the user's commands.
    pub(crate) fn show(
        &mut self,
        ui: &mut egui::Ui,
        driver: &mut SessionDriver,
        settings: &mut Settings,
    ) -> Option<LiveAction> {
        let ctx = ui.ctx().clone();
        self.upload_frame(&ctx, driver);
        let mut back = self.keys(ui, driver);
        egui::Panel::top("live-top").show(ui, |ui| back |= self.top_bar(ui, driver, settings));
        if let Some(coach) = driver.coach() {
            let mut pain_before = None;
            egui::Panel::right("coach-panel")
                .min_size(330.0)
                .show(ui, |ui| coach_panel(ui, coach, driver.last(), &mut pain_before));
            if let Some(p) = pain_before {
                driver.command(Command::PainBefore(p));
            }
        }
        let report = egui::CentralPanel::default().show(ui, |ui| self.central(ui, driver)).inner;
        if back { Some(LiveAction::Back) } else { report.map(LiveAction::WriteReport) }
    }

    fn top_bar(&mut self, ui: &mut egui::Ui, driver: &mut SessionDriver, settings: &mut Settings) -> bool {
        let mut back = false;
        ui.horizontal_wrapped(|ui| {
            if ui.button("Back to exercises").clicked() {
                back = true;
            }
            if driver.source().kind == SourceKind::Demo {
                ui.label(
                    RichText::new(" DEMO ")
                        .strong()
                        .color(Color32::BLACK)
                        .background_color(Color32::from_rgb(255, 190, 40)),
                );
                ui.label("simulated person, no camera");
            } else {
                ui.label(RichText::new(&driver.source().name).strong());
            }
            if let Some((mut muted, mut volume)) = driver.speaker().map(|s| (s.muted(), s.volume())) {
                ui.separator();
                if ui.checkbox(&mut muted, "Mute (M)").changed() {
                    driver.command(Command::SetMuted(muted));
                }
                if ui.add(egui::Slider::new(&mut volume, 0.0..=1.0).text("Volume").show_value(false)).changed() {
                    driver.command(Command::SetVolume(volume));
                }
            }
            ui.separator();
            ui.checkbox(&mut self.debug, "Debug (D)");
            if let Some(r) = driver.last() {
                ui.separator();
                if self.debug {
                    ui.label(format!("{:.0} fps", r.fps));
                }
                ui.label(if r.sample.present { "person in view" } else { "no person" });
            }
        });
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(KEYS_HELP).strong());
            ui.separator();
            settings_row(ui, settings);
        });
        if let Some(problem) = driver.speaker().and_then(|s| s.status().problem()) {
            ui.weak(problem);
        }
        back
    }

    /// The central panel; the session to write a report of, when asked.
    fn central(&mut self, ui: &mut egui::Ui, driver: &mut SessionDriver) -> Option<i64> {
        if let Some(e) = driver.record_error() {
            ui.colored_label(Color32::from_rgb(230, 80, 60), e);
        }
        for w in driver.warnings() {
            ui.colored_label(Color32::from_rgb(200, 140, 20), w);
        }
        match &driver.status() {
            LiveStatus::Failed(m) => {
                ui.colored_label(Color32::from_rgb(230, 80, 60), m.as_str());
            }
            LiveStatus::Ended => {
                ui.label("End of the video. Press Esc for the summary.");
            }
            LiveStatus::Starting if driver.last().is_none() => {
                ui.spinner();
            }
            _ => {}
        }
        cue_banner(ui, driver.banner());
        match driver.coach() {
            Some(coach) if matches!(coach.stage(), Stage::Rest | Stage::Done) => {
                if let Some(p) = summary_card(ui, coach) {
                    driver.command(Command::PainRating(p));
                }
                self.record_line(ui, driver)
            }
            _ => {
                self.camera_image(ui, driver);
                None
            }
        }
    }

    /// Where the session is kept, and the report button; the session to report on, when clicked.
    fn record_line(&self, ui: &mut egui::Ui, driver: &SessionDriver) -> Option<i64> {
        let mut report = None;
        ui.add_space(8.0);
        match (driver.recorder(), driver.source().kind) {
            (_, SourceKind::Demo) => {
                ui.weak("Demo sessions are not saved.");
            }
            (Some(rec), _) => {
                if let Some(id) = rec.session() {
                    ui.horizontal(|ui| {
                        ui.label(format!("Saved as session {id} in {}", rec.store().path().display()));
                        if ui.button("Write report").clicked() {
                            report = Some(id);
                        }
                    });
                }
            }
            (None, _) => {
                ui.weak("This session is not saved (the record could not be opened).");
            }
        }
        report_outcome(ui, self.report.as_ref());
        report
    }

    fn camera_image(&self, ui: &mut egui::Ui, driver: &SessionDriver) {
        let (Some(tex), Some(r)) = (&self.texture, driver.last()) else { return };
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
        if self.debug {
            let recent: Vec<f64> = self.latency.iter().copied().collect();
            let p95 = percentile(&recent, 95.0);
            let mut lines = vec![format!(
                "frame-to-screen latency: p95 {} ms, p50 {} ms (last {} frames)",
                p95.map_or("-".into(), |v| format!("{v:.0}")),
                percentile(&recent, 50.0).map_or("-".into(), |v| format!("{v:.0}")),
                self.latency.len()
            )];
            if r.from_demo {
                lines.push(format!("{:.0} fps · no model: the demo knows its pose", r.fps));
            } else {
                lines.push(format!(
                    "{:.0} fps · capture {:.1} ms · preprocess {:.1} ms · inference {:.1} ms · postprocess {:.1} ms · dropped {}",
                    r.fps, r.capture_ms, r.times.preprocess_ms, r.times.inference_ms, r.times.postprocess_ms, r.dropped
                ));
            }
            if let Some(f) = &r.form {
                lines.push(debug_form_line(f));
            }
            let text = lines.join("\n");
            let pos = resp.rect.left_top() + egui::vec2(8.0, 8.0);
            let galley = ui.painter().layout_no_wrap(text, egui::FontId::monospace(13.0), Color32::WHITE);
            let bg = egui::Rect::from_min_size(pos, galley.size()).expand(6.0);
            ui.painter().rect_filled(bg, 4.0, Color32::from_black_alpha(190));
            ui.painter().galley(pos, galley, Color32::WHITE);
        }
    }
}

impl Drop for LiveView {
    fn drop(&mut self) {
        // The measured figure, for the record (the debug overlay shows it live).
        if let (Some(p50), Some(p95)) = (percentile(&self.latency_all, 50.0), percentile(&self.latency_all, 95.0)) {
            eprintln!(
                "formcheck: frame-to-screen latency p50 {p50:.1} ms, p95 {p95:.1} ms over {} frames",
                self.latency_all.len()
            );
        }
    }
}

fn debug_form_line(f: &LiveState) -> String {
    let a = &f.angles;
    let deg = |v: Option<f32>| v.map_or("-".into(), |v| format!("{v:.0}°"));
    format!(
        "phase {} · view {:?} · trunk {} · hip {} · knee {} · head {} · faults {}",
        f.phase,
        f.view,
        deg(a.trunk_deg),
        deg(a.hip_deg),
        deg(a.knee_flexion_deg),
        deg(a.head_deg),
        if f.active_faults.is_empty() {
            "none".into()
        } else {
            f.active_faults.iter().map(|x| x.id()).collect::<Vec<_>>().join(", ")
        }
    )
}

/// The current cue as a large banner across the screen, coloured by priority.
fn cue_banner(ui: &mut egui::Ui, cue: Option<&Cue>) {
    let height = 64.0;
    let width = ui.available_width();
    match cue {
        Some(c) => {
            let (bg, fg) = banner_colors(c.priority);
            egui::Frame::new().fill(bg).inner_margin(egui::Margin::symmetric(16, 8)).corner_radius(6.0).show(
                ui,
                |ui| {
                    ui.set_min_size(egui::vec2(width - 32.0, height - 16.0));
                    ui.label(RichText::new(&c.text).size(36.0).strong().color(fg));
                },
            );
        }
        None => {
            ui.allocate_space(egui::vec2(width, height));
        }
    }
}

/// The right-hand panel: setup checklist, or the big counter and the set progress.
fn coach_panel(ui: &mut egui::Ui, coach: &Coach, last: Option<&LiveResult>, pain_before: &mut Option<u8>) {
    ui.label(RichText::new(coach.exercise().label()).size(26.0).strong());
    ui.label(format!("Dose: {}", coach.dose().describe(coach.exercise())));
    ui.separator();
    match coach.stage() {
        Stage::Setup => {
            ui.label(RichText::new("Setup check").size(28.0).strong());
            if coach.checklist().is_empty() {
                ui.label("Waiting for the camera...");
            }
            for item in coach.checklist() {
                let (mark, color) = if item.ok {
                    ("[ok]", Color32::from_rgb(40, 200, 90))
                } else {
                    ("[  ]", Color32::from_rgb(230, 70, 60))
                };
                ui.label(RichText::new(format!("{mark} {}", item.label)).size(24.0).color(color));
            }
            ui.add_space(8.0);
            ui.label("Counting starts by itself when every item is green, or press Space to start now.");
            ui.add_space(8.0);
            ui.label(RichText::new("Pain before you start (0 = none, 10 = worst):").strong());
            match coach.pain_before() {
                Some(p) => {
                    ui.label(format!("Recorded: {p}/10"));
                }
                None => *pain_before = pain_scale(ui, None, false),
            }
            ui.label(RichText::new(format!("Camera: {}", crate::coach::how_to(coach.exercise()).camera)).italics());
        }
        Stage::Active => {
            let unit = if coach.exercise() == Exercise::SidePlank { "seconds in form" } else { "reps" };
            ui.label(RichText::new(coach.readout()).size(140.0).strong());
            ui.label(RichText::new(unit).size(22.0));
            ui.label(RichText::new(coach.progress()).size(24.0).strong());
            if let Some(line) = last_rep_rom(coach) {
                ui.label(RichText::new(line).size(22.0));
            }
            if let Some(n) = coach.sets().last().map(|s| s.attempts.len()).filter(|&n| n > 0) {
                ui.label(
                    RichText::new(format!("{n} attempt(s) not counted: short of a rep's range, or not finished"))
                        .size(18.0),
                );
            }
            if coach.paused() {
                ui.label(
                    RichText::new(" PAUSED: press Space to resume ")
                        .size(26.0)
                        .strong()
                        .color(Color32::BLACK)
                        .background_color(Color32::from_rgb(255, 190, 40)),
                );
            }
            if let Some(f) = last.and_then(|r| r.form.as_ref()) {
                if !f.in_view {
                    ui.label(RichText::new("Not in view: nothing is counted").color(Color32::from_rgb(230, 70, 60)));
                }
                if f.dowel.is_some() || last.is_some_and(|r| r.back.is_some()) {
                    ui.weak("Dowel contacts: green = touching, red = lost, grey = not judged");
                }
            }
        }
        Stage::Rest => {
            ui.label(RichText::new("Rest").size(40.0).strong());
            ui.label(RichText::new(format!("{:.0} s", coach.rest_left().unwrap_or(0.0).ceil())).size(100.0).strong());
            ui.label(format!("Next: set {} of {}", coach.set_number() + 1, coach.dose().sets));
            if coach.paused() {
                ui.label(RichText::new("Rest timer paused (Space)").strong());
            }
            ui.label("Press N to start the next set now.");
        }
        Stage::Done => {
            ui.label(RichText::new("Session complete").size(32.0).strong());
            ui.label("Press Esc to go back to the exercises.");
        }
    }
}

/// The last rep's range of motion against the plan's targets: "Last rep: trunk lean 62° (target
/// 60°: reached) · hip flexion 70°". Only when the plan sets a target: on the patient's screen a
/// number without a goal is noise (the review and the report show every rep's measures).
#[must_use]
pub(crate) fn last_rep_rom(coach: &Coach) -> Option<String> {
    let rep = coach.sets().last()?.reps.last()?;
    if !rep.rom.iter().any(|m| m.target_deg.is_some()) {
        return None;
    }
    Some(format!("Last rep: {}", rep.rom.iter().map(crate::form::RomReading::text).collect::<Vec<_>>().join(" · ")))
}

fn fault_line(f: FaultId, n: u32, exercise: Exercise) -> String {
    format!("Most frequent fault: {} ({n}×): \"{}\"", f.name(), f.cue_text_for(exercise))
}

fn set_lines(ui: &mut egui::Ui, s: &SetTally, exercise: Exercise) {
    match exercise {
        Exercise::SidePlank => {
            ui.label(
                RichText::new(format!(
                    "Held in form: left side {:.0} s · right side {:.0} s",
                    s.hold_s[0], s.hold_s[1]
                ))
                .size(22.0),
            );
            let faulty = s.holds.iter().filter(|h| !h.faults.is_empty()).count();
            ui.label(RichText::new(format!("Holds with a fault: {faulty} of {}", s.holds.len())).size(22.0));
        }
        _ => {
            ui.label(
                RichText::new(format!(
                    "Reps: {} · clean: {} · with faults: {}",
                    s.reps.len(),
                    s.clean_reps(),
                    s.faulty_reps()
                ))
                .size(26.0)
                .strong(),
            );
        }
    }
    match most_frequent_fault(std::iter::once(s)) {
        Some((f, n)) => ui.label(RichText::new(fault_line(f, n, exercise)).size(20.0)),
        None => ui.label(RichText::new("No faults seen. Well done.").size(20.0)),
    };
    if s.cut_short {
        ui.weak("This set was ended before its dose.");
    }
}

/// The end-of-set (Rest) or end-of-session (Done) card: numbers, most frequent fault, pain prompt.
/// Returns the pain rating clicked, if any.
fn summary_card(ui: &mut egui::Ui, coach: &Coach) -> Option<u8> {
    let exercise = coach.exercise();
    let Some(set) = coach.last_finished_set() else {
        ui.label(RichText::new("Stopped before the first set.").size(26.0));
        return None;
    };
    let mut rating = None;
    egui::ScrollArea::vertical().show(ui, |ui| {
        if coach.stage() == Stage::Done {
            let s = coach.summary();
            ui.label(RichText::new("Session summary").size(32.0).strong());
            ui.label(RichText::new(format!("Sets: {} of {}", s.sets_done, s.sets_prescribed)).size(22.0));
            if exercise != Exercise::SidePlank && s.sets_done > 1 {
                ui.label(RichText::new(format!("All sets: {} reps, {} clean", s.reps, s.clean_reps)).size(22.0));
            }
            ui.add_space(6.0);
        }
        ui.label(RichText::new(format!("Set {} summary", set.set)).size(28.0).strong());
        set_lines(ui, set, exercise);
        ui.add_space(10.0);
        ui.label(RichText::new("How is your pain now? (0 = none, 10 = worst)").size(22.0).strong());
        rating = pain_scale(ui, set.pain, true);
        if let Some(p) = set.pain {
            ui.label(RichText::new(format!("Pain recorded: {p}/10")).size(20.0));
            if let Some(advice) = pain_advice(p) {
                ui.label(RichText::new(advice).size(20.0).color(Color32::from_rgb(255, 190, 40)));
            }
            if p >= crate::coach::SEVERE_PAIN {
                egui::Frame::group(ui.style()).fill(Color32::from_rgb(120, 20, 20)).show(ui, |ui| {
                    ui.label(RichText::new(RED_FLAGS).size(20.0).strong().color(Color32::WHITE));
                });
            }
        }
    });
    rating
}
