//! The live page: the badge, the numbers, the picture (live or frozen, with the goniometer), the
//! timeline, the exercise switch, notes and Save.

use egui::{Color32, RichText};

use super::goniometer::Goniometer;
use super::recent::{Entry, reduce};
use super::setup::fitted_image;
use super::{Frozen, TherapistView};
use crate::app::draw::{contact_color, draw_dowel, draw_skeleton};
use crate::form::{Exercise, LiveState};
use crate::pipeline::live::LiveStatus;
use crate::pipeline::watch::LOST_PATIENT;

/// The badge's text: on screen the whole time analysis runs.
pub const ANALYSING: &str = "Analysing";

fn deg(v: Option<f32>) -> String {
    v.map_or("—".into(), |v| format!("{v:.0}°"))
}

fn contact(ok: Option<bool>) -> &'static str {
    match ok {
        Some(true) => "touching",
        Some(false) => "lost",
        None => "not judged",
    }
}

/// The key numbers of one analysed frame, as the engine measured them: (label, value, colour).
#[must_use]
pub(crate) fn key_numbers(exercise: Exercise, e: &Entry) -> Vec<(String, String, Option<Color32>)> {
    let Some(f) = e.form.as_ref() else { return vec![("Angles".into(), "no exercise judged".into(), None)] };
    let a = &f.angles;
    match exercise {
        Exercise::Hinge => {
            let d = f.dowel.as_ref();
            let thoracic = match (e.thoracic_gap, a.thoracic_offset) {
                (Some(g), _) => format!("{g:.3} torso lengths (mask)"),
                (None, Some(o)) => format!("{o:.3} torso lengths (keypoints)"),
                (None, None) => "—".into(),
            };
            vec![
                ("Trunk lean".into(), deg(a.trunk_deg), None),
                ("Hip angle".into(), deg(a.hip_deg), None),
                ("Knee flexion".into(), deg(a.knee_flexion_deg), None),
                ("Thoracic gap".into(), thoracic, None),
                (
                    "Thoracic contact".into(),
                    contact(d.and_then(|d| d.thoracic_ok)).into(),
                    Some(contact_color(d.and_then(|d| d.thoracic_ok))),
                ),
                (
                    "Head contact".into(),
                    contact(d.and_then(|d| d.head_ok)).into(),
                    Some(contact_color(d.and_then(|d| d.head_ok))),
                ),
                ("Head (ear-shoulder-hip)".into(), deg(a.head_deg), None),
            ]
        }
        Exercise::BirdDog => vec![
            ("Arm elevation (against the back)".into(), deg(a.arm_elevation_deg), None),
            ("Leg elevation (against the back)".into(), deg(a.leg_elevation_deg), None),
            ("Shoulder flexion".into(), deg(a.shoulder_flexion_deg), None),
            ("Leg (hip angle)".into(), deg(a.hip_deg), None),
            ("Knee flexion".into(), deg(a.knee_flexion_deg), None),
            ("Trunk tilt".into(), deg(a.trunk_deg), None),
        ],
        Exercise::SidePlank => vec![(
            "Body line (hip off the line)".into(),
            a.body_line_offset.map_or("—".into(), |o| format!("{o:+.3} torso lengths")),
            None,
        )],
    }
}

fn numbers_grid(ui: &mut egui::Ui, rows: &[(String, String, Option<Color32>)]) {
    for (label, value, color) in rows {
        let text = RichText::new(format!("{label}: {value}")).size(17.0).strong();
        ui.label(match color {
            Some(c) => text.color(*c),
            None => text,
        });
    }
}

fn counts(ui: &mut egui::Ui, exercise: Exercise, f: &LiveState) {
    match exercise {
        Exercise::SidePlank => {
            ui.label(RichText::new(format!("{:.0} s", f.hold_seconds_in_form)).size(64.0).strong());
            ui.label(if f.holding { "holding, in form" } else { "not holding" });
        }
        _ => {
            ui.label(RichText::new(format!("{}", f.rep_count)).size(64.0).strong());
            let mut line = "reps".to_string();
            if exercise == Exercise::BirdDog {
                line = format!("reps · left arm {} · right arm {}", f.reps_per_side.left, f.reps_per_side.right);
            }
            if f.attempts > 0 {
                line.push_str(&format!(" · {} attempt(s) not counted", f.attempts));
            }
            ui.label(line);
        }
    }
    if f.active_faults.is_empty() {
        ui.colored_label(Color32::from_rgb(40, 200, 90), "Faults now: none");
    } else {
        let names: Vec<String> = f.active_faults.iter().map(|x| crate::app::review::fault_name(*x)).collect();
        ui.colored_label(Color32::from_rgb(230, 90, 50), format!("Faults now: {}", names.join(", ")));
    }
    ui.weak(format!("Phase: {} · view {:?}", if f.phase.is_empty() { "—" } else { &f.phase }, f.view));
}

impl TherapistView {
    pub(super) fn live_page(&mut self, ui: &mut egui::Ui) -> bool {
        let ctx = ui.ctx().clone();
        self.upload(&ctx);
        let mut back = false;
        if ui.input(|i| i.key_pressed(egui::Key::F)) && !ctx.egui_wants_keyboard_input() {
            self.toggle_freeze();
        }
        egui::Panel::top("call-top").show(ui, |ui| back = self.top_bar(ui));
        egui::Panel::right("call-panel").min_size(360.0).show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| self.side_panel(ui));
        });
        egui::Panel::bottom("call-timeline").show(ui, |ui| self.timeline(ui));
        egui::CentralPanel::default().show(ui, |ui| self.picture(ui));
        back
    }

    /// The newest frame into the texture, once per new result.
    fn upload(&mut self, ctx: &egui::Context) {
        if self.results == self.shown {
            return;
        }
        self.shown = self.results;
        let Some(r) = &self.last else { return };
        let img = egui::ColorImage::from_rgb([r.frame.width as usize, r.frame.height as usize], &r.frame.rgb());
        match &mut self.texture {
            Some(t) => t.set(img, egui::TextureOptions::LINEAR),
            None => self.texture = Some(ctx.load_texture("call-frame", img, egui::TextureOptions::LINEAR)),
        }
    }

    fn top_bar(&mut self, ui: &mut egui::Ui) -> bool {
        let mut back = false;
        ui.horizontal_wrapped(|ui| {
            if ui.button("End the call's analysis").clicked() {
                back = true;
            }
            if self.is_analysing() {
                // A red dot, then the word on red: on screen the whole time analysis runs.
                let (dot, _) = ui.allocate_exact_size(egui::vec2(18.0, 18.0), egui::Sense::hover());
                ui.painter().circle_filled(dot.center(), 8.0, Color32::from_rgb(230, 30, 30));
                ui.label(
                    RichText::new(format!(" {ANALYSING} "))
                        .size(20.0)
                        .strong()
                        .color(Color32::WHITE)
                        .background_color(Color32::from_rgb(200, 30, 30)),
                );
                if ui.button("Stop").clicked() {
                    self.stop();
                }
            } else {
                ui.label(RichText::new(" Not analysing ").size(20.0).strong());
                if self.consented() && ui.button("Resume analysis").clicked() {
                    self.start();
                }
            }
            if let Some(n) = self.source_name() {
                ui.label(RichText::new(n).strong());
            }
            ui.separator();
            if ui.button("Pick the region again").clicked() {
                self.pick_again();
            }
            ui.separator();
            let mut speak = self.speak;
            if ui.checkbox(&mut speak, "Speak the cues (off: you are talking)").changed() {
                self.speak = speak;
                if let Some(s) = self.speaker.as_mut() {
                    s.set_muted(!speak);
                }
            }
            if let Some(r) = &self.last {
                ui.separator();
                ui.label(if r.sample.present { "patient in view" } else { "no person" });
                ui.weak(format!("{:.0} fps", r.fps));
            }
        });
        if self.lost {
            egui::Frame::new().fill(Color32::from_rgb(190, 30, 30)).inner_margin(6.0).show(ui, |ui| {
                ui.horizontal(|ui| {
                    ui.label(RichText::new(LOST_PATIENT).size(22.0).strong().color(Color32::WHITE));
                    if ui.button("Pick it again").clicked() {
                        self.pick_again();
                    }
                });
            });
        }
        if let Some(m) = &self.message {
            ui.colored_label(Color32::from_rgb(230, 80, 60), m.as_str());
        }
        if let Some(LiveStatus::Ended) = self.status
            && self.engine.is_some()
        {
            ui.label("The source ended.");
        }
        back
    }

    fn side_panel(&mut self, ui: &mut egui::Ui) {
        ui.label(RichText::new("Exercise").strong());
        let mut switch = None;
        ui.horizontal_wrapped(|ui| {
            for e in Exercise::ALL {
                if ui.selectable_label(self.exercise == e, e.label()).clicked() && e != self.exercise {
                    switch = Some(e);
                }
            }
        });
        if let Some(e) = switch {
            self.switch_exercise(e);
        }
        ui.weak("Switching restarts the count; what was counted stays in the session.");
        ui.separator();
        let current = self.recent.entry_at(self.now_t).filter(|e| e.part + 1 == self.record.parts.len()).cloned();
        match current.as_ref().and_then(|e| e.form.as_ref().map(|f| (e, f))) {
            Some((e, f)) => {
                ui.label(RichText::new(format!("Now: {}", self.exercise.label())).size(20.0).strong());
                counts(ui, self.exercise, f);
                ui.add_space(4.0);
                numbers_grid(ui, &key_numbers(self.exercise, e));
            }
            None => {
                ui.label("Waiting for the first analysed frame...");
            }
        }
        ui.separator();
        ui.label(RichText::new("This call").strong());
        for (i, p) in self.record.parts.iter().enumerate() {
            ui.label(format!("Part {}: {}", i + 1, p.summary()));
        }
        ui.separator();
        ui.horizontal(|ui| {
            let l = ui.label("Patient:");
            ui.add(egui::TextEdit::singleline(&mut self.patient).desired_width(180.0)).labelled_by(l.id);
            self.record.patient = self.patient.trim().to_string();
        });
        let l = ui.label("Notes:");
        ui.add(
            egui::TextEdit::multiline(&mut self.record.notes)
                .desired_rows(4)
                .hint_text("what you saw, what you told the patient"),
        )
        .labelled_by(l.id);
        ui.checkbox(&mut self.record.keep_key_frames, "Keep key frames (a picture of each part's worst rep)");
        ui.weak("Off: only keypoints, angles and verdicts are kept, never pictures.");
        if ui.button("Save").clicked() {
            self.saved = Some(self.save());
        }
        match &self.saved {
            Some(Ok(m)) => {
                ui.colored_label(Color32::from_rgb(40, 200, 90), m.as_str());
            }
            Some(Err(e)) => {
                ui.colored_label(Color32::from_rgb(230, 80, 60), e.as_str());
            }
            None => {}
        }
    }

    fn toggle_freeze(&mut self) {
        if self.frozen.is_some() {
            self.frozen = None;
            return;
        }
        let Some(r) = &self.last else { return };
        let Some(entry) = self.recent.entry_at(self.now_t).cloned() else { return };
        self.frozen = Some(Frozen {
            picture: reduce_full(&r.frame, entry.t),
            entry,
            texture: None,
            goniometer: Goniometer::default(),
        });
    }

    /// Freezes on the call at time `t` (a kept picture), from the timeline.
    fn freeze_at(&mut self, t: f64) {
        let Some(entry) = self.recent.entry_at(t).cloned() else { return };
        match self.recent.picture_at(entry.t) {
            Some(p) => {
                self.frozen =
                    Some(Frozen { picture: p.clone(), entry, texture: None, goniometer: Goniometer::default() });
            }
            None => {
                self.message = Some(format!(
                    "The picture at {t:.1} s is no longer kept (the last {:.0} s are); its numbers are shown below the timeline.",
                    self.recent.span().zip(self.recent.pictures_from()).map_or(0.0, |(s, p)| s.1 - p)
                ));
                self.frozen = None;
            }
        }
    }

    fn picture(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            let label = if self.frozen.is_some() { "Back to live (F)" } else { "Freeze frame (F)" };
            if ui.button(label).clicked() {
                self.toggle_freeze();
            }
            if let Some(f) = &self.frozen {
                ui.label(RichText::new(format!("Frozen at {:.2} s", f.entry.t)).strong());
            }
        });
        let max = ui.available_size();
        if let Some(f) = self.frozen.as_mut() {
            let ctx = ui.ctx().clone();
            let tex = f.texture.get_or_insert_with(|| {
                let img =
                    egui::ColorImage::from_rgb([f.picture.width as usize, f.picture.height as usize], &f.picture.rgb);
                ctx.load_texture("call-frozen", img, egui::TextureOptions::LINEAR)
            });
            let size = [f.picture.width as f32, f.picture.height as f32];
            let max = egui::vec2(max.x, (max.y - 200.0).max(120.0));
            let (resp, map) = fitted_image(ui, tex, size, max, egui::Sense::click(), "Frozen frame");
            // The skeleton was measured on the analysed picture; the kept one may be reduced.
            let scale = map.rect.width() / size[0] * f.picture.scale;
            draw_skeleton(ui.painter(), map.rect, scale, &f.entry.pose, f.entry.present);
            if let Some(d) = f.entry.form.as_ref().and_then(|s| s.dowel.as_ref()) {
                draw_dowel(ui.painter(), map.rect, scale, d);
            }
            if resp.clicked()
                && let Some(p) = resp.interact_pointer_pos().and_then(|q| map.to_image(q))
            {
                f.goniometer.click(p);
            }
            let pts: Vec<egui::Pos2> = f.goniometer.points().iter().map(|&p| map.to_screen(p)).collect();
            let yellow = Color32::from_rgb(255, 220, 40);
            if pts.len() >= 2 {
                ui.painter().line_segment([pts[0], pts[1]], egui::Stroke::new(3.0, yellow));
            }
            if pts.len() == 3 {
                ui.painter().line_segment([pts[1], pts[2]], egui::Stroke::new(3.0, yellow));
            }
            for p in &pts {
                ui.painter().circle_stroke(*p, 6.0, egui::Stroke::new(2.0, yellow));
            }
            ui.horizontal(|ui| {
                ui.label(RichText::new(f.goniometer.readout()).size(20.0).strong());
                if ui.button("Clear the points").clicked() {
                    f.goniometer.clear();
                }
            });
            let e = f.entry.clone();
            ui.label(RichText::new(format!("Measured on this frame ({}):", e.exercise.label())).strong());
            numbers_grid(ui, &key_numbers(e.exercise, &e));
            return;
        }
        let (Some(tex), Some(r)) = (&self.texture, &self.last) else {
            if self.is_analysing() {
                ui.spinner();
            }
            return;
        };
        let size = [r.frame.width as f32, r.frame.height as f32];
        let (_, map) = fitted_image(ui, tex, size, max, egui::Sense::hover(), "Call picture, analysed");
        let scale = map.rect.width() / size[0];
        draw_skeleton(ui.painter(), map.rect, scale, &r.sample.pose, r.sample.present);
        if let Some(d) = r.form.as_ref().and_then(|f| f.dowel.as_ref()) {
            draw_dowel(ui.painter(), map.rect, scale, d);
        }
    }

    /// The call so far: a strip from its start to now, each rep marked; click to freeze there.
    fn timeline(&mut self, ui: &mut egui::Ui) {
        ui.add_space(4.0);
        let Some((t0, t1)) = self.recent.span() else {
            ui.weak("The timeline fills as the call is analysed.");
            return;
        };
        let mut jump = None;
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(format!("Timeline: {:.0} s analysed", t1 - t0)).strong());
            for (pi, p) in self.record.parts.iter().enumerate() {
                for r in &p.reps {
                    let t = p.call_time(crate::session::keyframe::key_time(r));
                    let faults =
                        if r.faults.is_empty() { "clean".into() } else { format!("{} fault(s)", r.faults.len()) };
                    if ui.small_button(format!("Part {} rep {} ({faults})", pi + 1, r.index)).clicked() {
                        jump = Some(t);
                    }
                }
            }
        });
        let (rect, resp) =
            ui.allocate_exact_size(egui::vec2(ui.available_width(), 28.0), egui::Sense::click_and_drag());
        let painter = ui.painter();
        painter.rect_filled(rect, 3.0, Color32::from_gray(45));
        let span = (t1 - t0).max(1e-3);
        let x_of = |t: f64| rect.min.x + ((t - t0) / span) as f32 * rect.width();
        if let Some(from) = self.recent.pictures_from() {
            let kept = egui::Rect::from_x_y_ranges(x_of(from)..=rect.max.x, rect.min.y..=rect.min.y + 5.0);
            painter.rect_filled(kept, 0.0, Color32::from_rgb(60, 120, 200));
        }
        for (t, _, _) in self.recent.reps() {
            let x = x_of(*t);
            painter.line_segment(
                [egui::pos2(x, rect.min.y), egui::pos2(x, rect.max.y)],
                egui::Stroke::new(2.0, Color32::from_rgb(40, 200, 90)),
            );
        }
        if let Some(f) = &self.frozen {
            let x = x_of(f.entry.t);
            painter.line_segment(
                [egui::pos2(x, rect.min.y), egui::pos2(x, rect.max.y)],
                egui::Stroke::new(3.0, Color32::WHITE),
            );
        }
        if (resp.clicked() || resp.dragged())
            && let Some(p) = resp.interact_pointer_pos()
        {
            jump = Some(t0 + f64::from((p.x - rect.min.x) / rect.width().max(1.0)) * span);
        }
        ui.weak(
            "Green: a rep counted · blue: the stretch whose pictures are kept (in memory only) · click to freeze there",
        );
        if let Some(t) = jump {
            self.freeze_at(t);
        }
        ui.add_space(4.0);
    }
}

/// The newest frame, kept whole for the freeze (not reduced: the goniometer gets every pixel).
fn reduce_full(frame: &crate::frame::Frame, t: f64) -> super::recent::Picture {
    if frame.width <= super::recent::PICTURE_MAX_WIDTH {
        return reduce(frame, t);
    }
    super::recent::Picture { t, width: frame.width, height: frame.height, rgb: frame.rgb().into_owned(), scale: 1.0 }
}
