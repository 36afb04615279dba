//! The setup page: patient, consent, exercise, the call's picture, the patient's tile.

use std::path::PathBuf;

use egui::{Color32, RichText};

use super::crop::Crop;
use super::goniometer::ImageMap;
use super::record::CONSENT_STATEMENT;
use super::{CallSource, PreviewFor, TherapistView, unix_now};
use crate::capture::window::{ScreenTarget, parse_region};
use crate::form::Exercise;

/// Draws `frame` fitted into `max` (points); returns the response and the picture's screen map.
pub(super) fn fitted_image(
    ui: &mut egui::Ui,
    texture: &egui::TextureHandle,
    size: [f32; 2],
    max: egui::Vec2,
    sense: egui::Sense,
    label: &str,
) -> (egui::Response, ImageMap) {
    let scale = (max.x / size[0]).min(max.y / size[1]).max(0.01);
    let shown = egui::vec2(size[0] * scale, size[1] * scale);
    let resp = ui.add(egui::Image::new((texture.id(), shown)).sense(sense));
    let label = label.to_string();
    resp.widget_info(|| egui::WidgetInfo::labeled(egui::accesskit::Role::Image, true, label.clone()));
    let map = ImageMap { rect: resp.rect, size };
    (resp, map)
}

impl TherapistView {
    pub(super) fn setup_page(&mut self, ui: &mut egui::Ui) -> bool {
        let mut back = false;
        let screen = ui.ctx().input(|i| {
            let ppp = i.viewport().native_pixels_per_point.unwrap_or(1.0);
            i.viewport().monitor_size.map(|s| ((s.x * ppp).round() as u32, (s.y * ppp).round() as u32))
        });
        egui::CentralPanel::default().show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                ui.horizontal(|ui| {
                    if ui.button("Back to the start").clicked() {
                        back = true;
                    }
                    ui.heading("Call (therapist): analyse the patient in a video call");
                });
                ui.label("The call's window (or a part of the screen) is analysed on this computer: no frame is sent anywhere, and only numbers are kept unless you keep key frames.");
                if let Some(m) = &self.message {
                    ui.colored_label(Color32::from_rgb(230, 80, 60), m.as_str());
                }
                if !self.record.parts.is_empty() {
                    ui.label(
                        RichText::new(format!(
                            "This call so far: {}. Starting again adds a part.",
                            self.record.parts.iter().map(super::record::Part::summary).collect::<Vec<_>>().join("; ")
                        ))
                        .strong(),
                    );
                }
                ui.add_space(6.0);
                self.patient_and_consent(ui);
                ui.add_space(6.0);
                self.exercise_row(ui);
                ui.add_space(6.0);
                self.source_group(ui, screen);
                ui.add_space(6.0);
                self.preview_group(ui);
                ui.add_space(8.0);
                let ready = self.consented() && self.source.is_some();
                let start = ui
                    .add_enabled(ready, egui::Button::new(RichText::new("Start analysing").size(20.0).strong()))
                    .on_disabled_hover_text("Confirm the consent and choose the call's window or region first.");
                if start.clicked() {
                    self.start();
                }
                if !self.consented() {
                    ui.weak("Nothing is captured until the consent is confirmed.");
                }
            });
        });
        back
    }

    fn patient_and_consent(&mut self, ui: &mut egui::Ui) {
        ui.group(|ui| {
            ui.label(RichText::new("1. Patient and consent").strong().size(18.0));
            ui.horizontal(|ui| {
                let l = ui.label("Patient:");
                ui.add(egui::TextEdit::singleline(&mut self.patient).hint_text("the patient's name")).labelled_by(l.id);
                self.record.patient = self.patient.trim().to_string();
            });
            if !self.patients.is_empty() {
                ui.horizontal_wrapped(|ui| {
                    ui.label("Or choose:");
                    for name in &self.patients {
                        if ui.selectable_label(self.patient.trim() == name, name.as_str()).clicked() {
                            self.patient.clone_from(name);
                            self.record.patient.clone_from(name);
                        }
                    }
                });
            }
            // Once analysis has begun, the consent it ran under stands.
            let locked = !self.record.parts.is_empty();
            let changed =
                ui.add_enabled(!locked, egui::Checkbox::new(&mut self.consent_box, CONSENT_STATEMENT)).changed();
            if changed {
                self.record.consent_at = self.consent_box.then(unix_now);
                if !self.consent_box {
                    self.preview = None;
                }
            }
            match self.record.consent_at {
                Some(_) => {
                    ui.colored_label(Color32::from_rgb(40, 200, 90), "Consent confirmed: it is saved with the session.")
                }
                None => ui.colored_label(Color32::from_rgb(240, 170, 30), "Consent not confirmed yet."),
            };
        });
    }

    fn exercise_row(&mut self, ui: &mut egui::Ui) {
        ui.group(|ui| {
            ui.label(RichText::new("2. Exercise").strong().size(18.0));
            ui.horizontal(|ui| {
                for e in Exercise::ALL {
                    if ui.selectable_label(self.exercise == e, e.label()).clicked() {
                        self.exercise = e;
                    }
                }
                ui.weak("(you can switch it during the call)");
            });
        });
    }

    fn source_group(&mut self, ui: &mut egui::Ui, screen: Option<(u32, u32)>) {
        ui.group(|ui| {
            ui.label(RichText::new("3. The call's picture").strong().size(18.0));
            ui.horizontal(|ui| {
                ui.label(RichText::new("A window:").strong());
                if ui.button("Refresh the list").clicked() {
                    self.refresh_windows();
                }
            });
            let mut chosen = None;
            match &self.windows {
                Ok(list) if list.is_empty() => {
                    ui.weak("No window to capture (is a call open?). Press Refresh once it is.");
                }
                Ok(list) => {
                    for w in list {
                        let this = CallSource::Screen(ScreenTarget::Window(w.title.clone()));
                        let text = if w.minimised {
                            format!("{} ({}x{}, minimised: restore it first)", w.title, w.width, w.height)
                        } else {
                            format!("{} ({}x{})", w.title, w.width, w.height)
                        };
                        if ui.selectable_label(self.source.as_ref() == Some(&this), text).clicked() {
                            chosen = Some(this);
                        }
                    }
                }
                Err(e) => {
                    ui.weak(e.as_str());
                }
            }
            ui.horizontal(|ui| {
                ui.label(RichText::new("Or a region of the screen:").strong());
                if ui
                    .add_enabled(self.consented(), egui::Button::new("Take a screenshot to drag it out"))
                    .on_disabled_hover_text("Confirm the consent first")
                    .clicked()
                {
                    self.capture_preview(PreviewFor::Region, screen);
                }
                let l = ui.label("or type X,Y,W,H:");
                let edit = ui
                    .add(
                        egui::TextEdit::singleline(&mut self.region_text)
                            .hint_text("0,0,1280,720")
                            .desired_width(140.0),
                    )
                    .labelled_by(l.id);
                let enter = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                if (ui.button("Use region").clicked() || enter) && !self.region_text.trim().is_empty() {
                    match parse_region(self.region_text.trim()) {
                        Ok(t) => chosen = Some(CallSource::Screen(t)),
                        Err(e) => self.message = Some(e),
                    }
                }
            });
            ui.horizontal(|ui| {
                ui.label(RichText::new("Or a recording of a call:").strong());
                let l = ui.label("File:");
                ui.add(egui::TextEdit::singleline(&mut self.file_text).hint_text("/path/to/call.mp4"))
                    .labelled_by(l.id);
                if ui.button("Use file").clicked() && !self.file_text.trim().is_empty() {
                    chosen = Some(CallSource::File(PathBuf::from(self.file_text.trim())));
                }
            });
            ui.horizontal(|ui| {
                ui.label(RichText::new("Or try the screen:").strong());
                if ui.selectable_label(self.source == Some(CallSource::Demo), "Demo patient (simulated)").clicked() {
                    chosen = Some(CallSource::Demo);
                }
            });
            if let Some(c) = chosen {
                self.choose(c);
            }
            match &self.source {
                Some(s) => ui.label(format!("Chosen: {}", s.spec())),
                None => ui.weak("Nothing chosen yet."),
            };
        });
    }

    /// A new source: any tile drawn on the old one no longer applies.
    fn choose(&mut self, c: CallSource) {
        if self.source.as_ref() != Some(&c) {
            self.crop = None;
            if self.preview.as_ref().is_some_and(|p| p.purpose == PreviewFor::Crop) {
                self.preview = None;
            }
        }
        self.source = Some(c);
        self.message = None;
    }

    fn preview_group(&mut self, ui: &mut egui::Ui) {
        ui.group(|ui| {
            ui.label(RichText::new("4. The patient's tile (optional)").strong().size(18.0));
            ui.label("Drag a rectangle around the patient on the call's picture, leaving out your own self-view and the name labels. If the layout changes (speaker view swaps the tiles), pick it again.");
            ui.horizontal(|ui| {
                let can = self.consented() && self.source.is_some();
                if ui
                    .add_enabled(can, egui::Button::new("Show the call's picture"))
                    .on_disabled_hover_text("Confirm the consent and choose the window or region first")
                    .clicked()
                {
                    self.capture_preview(PreviewFor::Crop, None);
                }
                if let Some(c) = self.crop {
                    ui.label(format!("Tile: {c}"));
                    if ui.button("Use the whole picture").clicked() {
                        self.crop = None;
                    }
                }
            });
            let Some(p) = self.preview.as_mut() else { return };
            let ctx = ui.ctx().clone();
            let tex = p.texture.get_or_insert_with(|| {
                let img = egui::ColorImage::from_rgb(
                    [p.frame.width as usize, p.frame.height as usize],
                    &p.frame.rgb(),
                );
                ctx.load_texture("call-preview", img, egui::TextureOptions::LINEAR)
            });
            let size = [p.frame.width as f32, p.frame.height as f32];
            ui.label(match p.purpose {
                PreviewFor::Region => "Drag out the region of the screen the call shows:",
                PreviewFor::Crop => "Drag out the patient's tile:",
            });
            let max = egui::vec2(ui.available_width().min(900.0), 480.0);
            let (resp, map) = fitted_image(ui, tex, size, max, egui::Sense::drag(), "Call picture");
            if resp.drag_started()
                && let Some(q) = resp.interact_pointer_pos().and_then(|q| map.to_image(q))
            {
                p.drag_from = Some(q);
                p.drag_to = Some(q);
            }
            if resp.dragged()
                && let Some(q) = resp.interact_pointer_pos()
            {
                let clamped = q.clamp(map.rect.min, map.rect.max - egui::vec2(0.01, 0.01));
                p.drag_to = map.to_image(clamped);
            }
            let (w, h) = (p.frame.width, p.frame.height);
            let rect = p.drag_from.zip(p.drag_to).and_then(|(a, b)| Crop::from_corners(a, b, w, h));
            if let Some(c) = rect {
                let r = egui::Rect::from_two_pos(
                    map.to_screen([c.x as f32, c.y as f32]),
                    map.to_screen([(c.x + c.width) as f32, (c.y + c.height) as f32]),
                );
                ui.painter().rect_stroke(r, 0.0, egui::Stroke::new(3.0, Color32::from_rgb(60, 200, 230)), egui::StrokeKind::Middle);
            }
            if resp.drag_stopped() {
                let purpose = p.purpose;
                p.drag_from = None;
                p.drag_to = None;
                match (rect, purpose) {
                    (Some(c), PreviewFor::Region) => {
                        self.source = Some(CallSource::Screen(ScreenTarget::Region {
                            x: c.x as i32,
                            y: c.y as i32,
                            width: c.width,
                            height: c.height,
                        }));
                        self.crop = None;
                        self.preview = None;
                    }
                    (Some(c), PreviewFor::Crop) => self.crop = Some(c),
                    (None, _) => self.message = Some(format!("Drag a larger rectangle (at least {} pixels a side).", super::crop::MIN_CROP)),
                }
            }
        });
    }
}
