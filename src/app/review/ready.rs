//! The review itself, once analysed: the frame at the playhead with the overlay, the readouts,
//! the angle plot, the rep list and the timeline at the bottom.

use egui::{Color32, RichText};

use super::draw_timeline::timeline_ui;
use super::timeline::{Span, Timeline};
use super::{fault_name, severity_color};
use crate::app::draw::{draw_back, draw_dowel, draw_skeleton};
use crate::form::{Exercise, FaultId};
use crate::pipeline::analyze::{Analysis, FrameOut};
use crate::pipeline::seek::FrameFetcher;
use crate::pose::skeleton::{Joint, Keypoint, Pose};

/// The angle plot's series: (name, colour, segments of [t, degrees] where the angle was measured).
pub(super) type Series = (&'static str, Color32, Vec<Vec<[f64; 2]>>);

/// The review of a finished analysis.
pub(super) struct Ready {
    pub(super) analysis: Analysis,
    pub(super) timeline: Timeline,
    pub(super) playhead: usize,
    pub(super) fetcher: FrameFetcher,
    pub(super) texture: Option<egui::TextureHandle>,
    /// The frame whose picture the texture holds.
    pub(super) shown: Option<usize>,
    pub(super) series: Vec<Series>,
}

/// The angles over time, in segments where each was measured.
pub(super) fn angle_series(frames: &[FrameOut]) -> Vec<Series> {
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
    pub(super) fn show(&mut self, ui: &mut egui::Ui, ctx: &egui::Context, exercise: Exercise) {
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
            // A stage the analysis did without (the person mask): said once, at the top.
            for w in &self.analysis.warnings {
                ui.colored_label(Color32::from_rgb(240, 170, 30), w);
            }
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
                ui.label(format!(
                    "phase: {} · reps so far: {} · attempts (not counted): {}",
                    s.phase, s.rep_count, s.attempts
                ));
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
            Some(e.to_string())
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
            for m in &rep.rom {
                let text = RichText::new(m.text());
                ui.label(if m.reached == Some(false) { text.color(Color32::from_rgb(255, 190, 40)) } else { text });
            }
            if let Some(h) = &rep.hinge {
                // The peak trunk lean is the range-of-motion line above.
                ui.label(format!("deepest at {:.1} s", h.bottom_s));
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
