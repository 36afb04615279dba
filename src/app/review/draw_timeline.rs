//! Drawing the timeline: rep and hold spans, one row per fault, the time axis and the playhead.

use egui::Color32;

use super::timeline::Timeline;
use super::{fault_name, severity_color};

/// Height of one timeline row.
const ROW_H: f32 = 20.0;
/// Width of the row names at the left of the timeline.
const LABEL_W: f32 = 120.0;

/// Draws the timeline: rep and hold spans, one row per fault, the time axis and the playhead.
/// Returns the frame to move the playhead to when it was clicked or dragged.
pub(super) fn timeline_ui(ui: &mut egui::Ui, tl: &Timeline, playhead: usize) -> Option<usize> {
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
