//! Painters for what is drawn over the camera image: the skeleton, the virtual or real dowel and
//! its contacts, and the back contour from the person mask; and the small widgets several screens
//! share (the pain scale, a report's outcome).

use std::path::PathBuf;

use egui::{Color32, RichText};

use crate::form::DowelOverlay;
use crate::pose::skeleton::{BONES, Joint, MIN_KEYPOINT_SCORE, Pose};

/// Colour of a joint by the model's confidence: red under the floor ([`MIN_KEYPOINT_SCORE`], the one the
/// engine judges on), amber when unsure, green when sure.
#[must_use]
pub(crate) fn confidence_color(score: f32) -> Color32 {
    if score < MIN_KEYPOINT_SCORE {
        Color32::from_rgb(220, 50, 47)
    } else if score < 0.6 {
        Color32::from_rgb(240, 170, 30)
    } else {
        Color32::from_rgb(40, 200, 90)
    }
}

/// Colour of a dowel contact: green while it holds, red when lost, grey when not judged.
#[must_use]
pub(crate) fn contact_color(ok: Option<bool>) -> Color32 {
    match ok {
        Some(true) => Color32::from_rgb(40, 200, 90),
        Some(false) => Color32::from_rgb(230, 40, 40),
        None => Color32::from_gray(150),
    }
}

/// The virtual dowel: a line through the head, upper-back and sacrum estimates, each contact
/// coloured by whether it holds.
pub(crate) fn draw_dowel(painter: &egui::Painter, rect: egui::Rect, scale: f32, d: &DowelOverlay) {
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
pub(crate) fn draw_back(painter: &egui::Painter, rect: egui::Rect, scale: f32, o: &crate::back::BackOverlay) {
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

/// Draws bones and joints over the image shown in `rect` (frame pixels times `scale`).
pub(crate) fn draw_skeleton(painter: &egui::Painter, rect: egui::Rect, scale: f32, pose: &Pose, present: bool) {
    if !present {
        return;
    }
    let at = |j: Joint| {
        let k = pose.get(j);
        egui::pos2(rect.min.x + k.x * scale, rect.min.y + k.y * scale)
    };
    for (a, b) in BONES {
        let s = pose.get(a).score.min(pose.get(b).score);
        if s >= MIN_KEYPOINT_SCORE {
            painter.line_segment([at(a), at(b)], egui::Stroke::new(3.0, confidence_color(s).gamma_multiply(0.8)));
        }
    }
    for j in Joint::ALL {
        let s = pose.get(j).score;
        painter.circle_filled(at(j), 5.0, confidence_color(s));
        painter.circle_stroke(at(j), 5.0, egui::Stroke::new(1.0, Color32::BLACK));
    }
}

/// The 0–10 pain buttons in a row (`large`: finger-sized, for the summary screen); the rating
/// clicked, if any. `chosen` is shown selected.
pub(crate) fn pain_scale(ui: &mut egui::Ui, chosen: Option<u8>, large: bool) -> Option<u8> {
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

/// Where a report was written, or why it was not.
pub(crate) fn report_outcome<E: std::fmt::Display>(ui: &mut egui::Ui, report: Option<&Result<PathBuf, E>>) {
    match report {
        Some(Ok(p)) => {
            ui.label(format!("Report written: {}", p.display()));
        }
        Some(Err(e)) => {
            ui.colored_label(Color32::from_rgb(230, 80, 60), format!("No report: {e:#}"));
        }
        None => {}
    }
}
