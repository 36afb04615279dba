//! The live screen: the camera image with the skeleton and the dowel, the setup checklist, the
//! large rep counter or hold timer, the cue banner, set and side progress, the rest timer, the
//! end-of-set summary with the pain prompt, and the keyboard (Space, N, M, D, Esc).

use std::collections::VecDeque;

use egui::{Color32, RichText};

use super::draw::{draw_back, draw_dowel, draw_skeleton};
use super::{Settings, settings_row};
use crate::coach::{Coach, Inputs, RED_FLAGS, SetTally, Stage, body_confidence, most_frequent_fault, pain_advice};
use crate::form::{Cue, CuePriority, Exercise, FaultId, LiveState};
use crate::pipeline::live::{LivePipeline, LiveResult, LiveStatus};
use crate::source::SourceKind;

/// Colours of the cue banner by priority: safety red, major fault orange, minor amber, praise green.
#[must_use]
pub fn banner_colors(p: CuePriority) -> (Color32, Color32) {
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
pub fn percentile(xs: &[f64], p: f64) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * v.len() as f64).ceil().max(1.0) as usize;
    Some(v[rank.min(v.len()) - 1])
}

/// The live screen's state.
pub struct LiveView {
    pipeline: LivePipeline,
    texture: Option<egui::TextureHandle>,
    last: Option<LiveResult>,
    /// The guided session (None: pose only).
    pub(crate) coach: Option<Coach>,
    speaker: Option<crate::speech::Speaker>,
    /// The last engine cue seen (time, id), so each is handled once.
    engine_cue: Option<(f64, String)>,
    /// The cue on the banner.
    banner: Option<Cue>,
    /// Milliseconds from a frame's arrival to the UI pass that puts it (and its cue) on screen.
    latency: VecDeque<f64>,
    latency_all: Vec<f64>,
    /// Writes the session to the store as it happens (None: demo, or no store).
    recorder: Option<crate::recorder::Recorder>,
    /// The last problem saving (the session goes on).
    record_error: Option<String>,
    /// The written report, or why not.
    report: Option<Result<std::path::PathBuf, String>>,
    debug: bool,
    /// Log the latency to standard error (every `LOG_EVERY` of frame time).
    log: bool,
    last_log: Option<std::time::Instant>,
}

impl LiveView {
    pub(crate) fn new(
        pipeline: LivePipeline,
        coach: Option<Coach>,
        recorder: Option<crate::recorder::Recorder>,
        stepped: bool,
        debug: bool,
    ) -> Self {
        let speaker = coach.as_ref().map(|_| crate::speech::Speaker::start());
        if stepped && let Some(s) = &speaker {
            // A replay shows the same screens every time: wait for the audio device's answer.
            s.wait_started(std::time::Duration::from_secs(10));
        }
        Self {
            pipeline,
            texture: None,
            last: None,
            coach,
            speaker,
            engine_cue: None,
            banner: None,
            latency: VecDeque::new(),
            latency_all: Vec::new(),
            recorder,
            record_error: None,
            report: None,
            debug,
            log: debug,
            last_log: None,
        }
    }

    /// Frame-to-screen latency percentile over the last 300 frames (ms).
    #[must_use]
    pub fn latency_percentile(&self, p: f64) -> Option<f64> {
        percentile(&self.latency.iter().copied().collect::<Vec<_>>(), p)
    }

    fn take_result(&mut self, ctx: &egui::Context) {
        let Some(r) = self.pipeline.poll() else { return };
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
        let events = self.pipeline.drain_events();
        let mut said: Vec<Cue> = Vec::new();
        if let (Some(coach), Some(form)) = (self.coach.as_mut(), r.form.as_ref()) {
            coach.update(&Inputs {
                t: r.sample.t,
                live: form,
                events: &events,
                confidence: body_confidence(&r.sample.pose),
            });
            said.extend(coach.take_cues());
            if let Some(rec) = self.recorder.as_mut()
                && let Err(e) = rec.sync(coach)
            {
                self.record_error = Some(format!("Could not save to the record: {e:#}. The session goes on."));
            }
            if let Some(c) = &form.current_cue {
                let key = (c.t, c.id.clone());
                if self.engine_cue.as_ref() != Some(&key) {
                    self.engine_cue = Some(key);
                    said.extend(coach.filter_engine_cue(c));
                }
            }
        }
        // One cue at a time: the most urgent of what arrived with this frame.
        if let Some(cue) = said.into_iter().min_by_key(|c| c.priority) {
            if let Some(s) = &self.speaker {
                s.say(&cue.id, &cue.text);
            }
            if let Some(rec) = self.recorder.as_mut() {
                let _ = rec.cue(&cue);
            }
            self.banner = Some(cue);
        }
        self.last = Some(r);
    }

    fn keys(&mut self, ui: &egui::Ui) -> bool {
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
        if mute && let Some(s) = self.speaker.as_mut() {
            s.set_muted(!s.muted());
        }
        let Some(coach) = self.coach.as_mut() else { return esc };
        if space {
            coach.space();
        }
        if next {
            coach.next();
        }
        if esc {
            if coach.stage() == Stage::Done {
                return true;
            }
            coach.stop();
        }
        false
    }

    /// Lays out the live screen. Returns true when the user asked to go back to the start screen.
    pub fn show(&mut self, ui: &mut egui::Ui, settings: &mut Settings, records: &super::records::Records) -> bool {
        let ctx = ui.ctx().clone();
        self.take_result(&ctx);
        if let Some(r) = &self.last
            && let Some(b) = &self.banner
            && r.sample.t - b.t > 3.0
        {
            self.banner = None;
        }
        let mut back = self.keys(ui);
        egui::Panel::top("live-top").show(ui, |ui| back |= self.top_bar(ui, settings));
        if let Some(coach) = self.coach.as_mut() {
            let mut pain_before = None;
            egui::Panel::right("coach-panel")
                .min_size(330.0)
                .show(ui, |ui| coach_panel(ui, coach, self.last.as_ref(), &mut pain_before));
            if let Some(p) = pain_before {
                coach.set_pain_before(p);
            }
        }
        egui::CentralPanel::default().show(ui, |ui| self.central(ui, records));
        back
    }

    fn top_bar(&mut self, ui: &mut egui::Ui, settings: &mut Settings) -> bool {
        let mut back = false;
        ui.horizontal_wrapped(|ui| {
            if ui.button("Back to exercises").clicked() {
                back = true;
            }
            if self.pipeline.info.kind == SourceKind::Demo {
                ui.label(
                    RichText::new(" DEMO ")
                        .strong()
                        .color(Color32::BLACK)
                        .background_color(Color32::from_rgb(255, 190, 40)),
                );
                ui.label("simulated person, no camera");
            } else {
                ui.label(RichText::new(&self.pipeline.info.name).strong());
            }
            if let Some(speaker) = self.speaker.as_mut() {
                ui.separator();
                let mut muted = speaker.muted();
                if ui.checkbox(&mut muted, "Mute (M)").changed() {
                    speaker.set_muted(muted);
                }
                let mut volume = speaker.volume();
                if ui.add(egui::Slider::new(&mut volume, 0.0..=1.0).text("Volume").show_value(false)).changed() {
                    speaker.set_volume(volume);
                }
            }
            ui.separator();
            ui.checkbox(&mut self.debug, "Debug (D)");
            if let Some(r) = &self.last {
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
        if let Some(problem) = self.speaker.as_ref().and_then(|s| s.status().problem()) {
            ui.weak(problem);
        }
        back
    }

    fn central(&mut self, ui: &mut egui::Ui, records: &super::records::Records) {
        if let Some(e) = &self.record_error {
            ui.colored_label(Color32::from_rgb(230, 80, 60), e.as_str());
        }
        match &self.pipeline.status() {
            LiveStatus::Failed(m) => {
                ui.colored_label(Color32::from_rgb(230, 80, 60), m.as_str());
            }
            LiveStatus::Ended => {
                ui.label("End of the video. Press Esc for the summary.");
            }
            LiveStatus::Starting if self.last.is_none() => {
                ui.spinner();
            }
            _ => {}
        }
        cue_banner(ui, self.banner.as_ref());
        let stage = self.coach.as_ref().map(Coach::stage);
        match stage {
            Some(Stage::Rest | Stage::Done) => {
                if let Some(coach) = self.coach.as_mut() {
                    summary_card(ui, coach);
                    // Pain given on this screen reaches the record now, not at the next frame.
                    if let Some(rec) = self.recorder.as_mut()
                        && let Err(e) = rec.sync(coach)
                    {
                        self.record_error = Some(format!("Could not save to the record: {e:#}."));
                    }
                }
                self.record_line(ui, records);
            }
            _ => self.camera_image(ui),
        }
    }

    /// Where the session is kept, and the report button.
    fn record_line(&mut self, ui: &mut egui::Ui, records: &super::records::Records) {
        ui.add_space(8.0);
        match (&self.recorder, self.pipeline.info.kind) {
            (_, SourceKind::Demo) => {
                ui.weak("Demo sessions are not saved.");
            }
            (Some(rec), _) => {
                if let Some(id) = rec.session() {
                    ui.horizontal(|ui| {
                        ui.label(format!("Saved as session {id} in {}", rec.store().path().display()));
                        if ui.button("Write report").clicked() {
                            self.report = Some(records.write_report(id));
                        }
                    });
                }
            }
            (None, _) => {
                ui.weak("This session is not saved (the record could not be opened).");
            }
        }
        super::records::report_outcome(ui, self.report.as_ref());
    }

    fn camera_image(&self, ui: &mut egui::Ui) {
        let (Some(tex), Some(r)) = (&self.texture, &self.last) else { return };
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

/// The 0–10 pain buttons in a row (`large`: finger-sized, for the summary screen); the rating
/// clicked, if any. `chosen` is shown selected.
pub fn pain_scale(ui: &mut egui::Ui, chosen: Option<u8>, large: bool) -> Option<u8> {
    let mut clicked = None;
    ui.horizontal_wrapped(|ui| {
        for v in 0..=10u8 {
            let b = if large {
                egui::Button::new(RichText::new(format!("{v}")).size(24.0)).min_size(egui::vec2(44.0, 44.0))
            } else {
                egui::Button::new(format!("{v}"))
            };
            if ui.add(b.selected(chosen == Some(v))).clicked() {
                clicked = Some(v);
            }
        }
    });
    clicked
}

fn fault_line(f: FaultId, n: u32, exercise: Exercise) -> String {
    format!("Most frequent fault: {} ({n}×): \"{}\"", f.id(), f.cue_text_for(exercise))
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
fn summary_card(ui: &mut egui::Ui, coach: &mut Coach) {
    let exercise = coach.exercise();
    let Some(set) = coach.last_finished_set().cloned() else {
        ui.label(RichText::new("Stopped before the first set.").size(26.0));
        return;
    };
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
        set_lines(ui, &set, exercise);
        ui.add_space(10.0);
        ui.label(RichText::new("How is your pain now? (0 = none, 10 = worst)").size(22.0).strong());
        if let Some(v) = pain_scale(ui, set.pain, true) {
            coach.set_pain(v);
        }
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
}
