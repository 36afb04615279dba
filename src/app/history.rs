//! The history screen: per exercise, charts over sessions (reps, share of clean reps, hold
//! seconds, peak hinge depth, pain before and after) drawn with `egui_plot`, and the sessions
//! themselves with a report button each.

use egui::{Color32, RichText};

use super::records::RecordsError;
use crate::form::Exercise;
use crate::session::pacing::PainKind;
use crate::session::store::{SessionRecord, SourceKind, Store, StoreError};

/// One session's numbers for one exercise.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct HistoryPoint {
    pub session_id: i64,
    pub started_at: i64,
    /// Interrupted before it ended (the app or computer stopped mid-session).
    pub incomplete: bool,
    pub source: SourceKind,
    pub sets: u32,
    pub reps: u32,
    pub clean_reps: u32,
    /// Seconds in form over all holds (side plank).
    pub hold_s: f64,
    /// Deepest trunk inclination over the session's hinge reps (deg).
    pub peak_trunk_deg: Option<f32>,
    pub pain_before: Option<u8>,
    /// The worst pain after a set.
    pub pain_after: Option<u8>,
    pub pain_next_day: Option<u8>,
}

impl HistoryPoint {
    /// The numbers of `exercise` in a session (None when the session has no set of it).
    #[must_use]
    pub(crate) fn from_record(rec: &SessionRecord, exercise: Exercise) -> Option<Self> {
        let sets: Vec<_> = rec.sets_of(exercise).collect();
        if sets.is_empty() {
            return None;
        }
        let q = crate::report::exercise_quality(rec, exercise);
        let pain = |k: PainKind| rec.pain.iter().filter(move |p| p.kind == k).map(|p| p.score);
        Some(Self {
            session_id: rec.summary.id,
            started_at: rec.summary.started_at,
            incomplete: rec.summary.ended_at.is_none(),
            source: rec.summary.source_kind,
            sets: q.sets_done,
            reps: q.reps_done,
            clean_reps: q.clean_reps,
            hold_s: q.hold_seconds,
            peak_trunk_deg: sets
                .iter()
                .flat_map(|s| &s.reps)
                .filter_map(|r| r.hinge.as_ref().map(|h| h.peak_trunk_deg))
                .reduce(f32::max),
            pain_before: pain(PainKind::Before).next_back(),
            pain_after: pain(PainKind::After).max(),
            pain_next_day: pain(PainKind::NextDay).next_back(),
        })
    }

    /// Share of clean reps, 0..=1 (None without reps).
    #[must_use]
    pub(crate) fn clean_share(&self) -> Option<f64> {
        (self.reps > 0).then(|| f64::from(self.clean_reps) / f64::from(self.reps))
    }
}

/// Every session of `exercise` in the store, oldest first.
///
/// # Errors
/// On a database error.
pub(crate) fn load(store: &Store, exercise: Exercise) -> Result<Vec<HistoryPoint>, StoreError> {
    let mut out = Vec::new();
    for s in store.list_sessions()? {
        if let Some(p) = HistoryPoint::from_record(&store.load_session(s.id)?, exercise) {
            out.push(p);
        }
    }
    out.sort_by_key(|p| (p.started_at, p.session_id));
    Ok(out)
}

/// The history screen's state.
pub(crate) struct HistoryView {
    exercise: Exercise,
    points: Result<Vec<HistoryPoint>, RecordsError>,
    report: Option<super::records::ReportOutcome>,
}

impl HistoryView {
    #[must_use]
    pub(crate) fn new(records: &super::records::Records, exercise: Exercise) -> Self {
        let mut v = Self { exercise, points: Ok(Vec::new()), report: None };
        v.reload(records);
        v
    }

    fn reload(&mut self, records: &super::records::Records) {
        self.points = match records.store() {
            Some(s) => load(s, self.exercise).map_err(RecordsError::from),
            None => Err(RecordsError::NoStore),
        };
    }

    /// Lays out the screen; returns true to go back.
    pub(crate) fn show(&mut self, ui: &mut egui::Ui, records: &super::records::Records) -> bool {
        let mut back = false;
        egui::CentralPanel::default().show(ui, |ui| {
            ui.horizontal(|ui| {
                back = ui.button("Back to exercises").clicked();
                ui.heading("History");
                let before = self.exercise;
                for e in Exercise::ALL {
                    ui.selectable_value(&mut self.exercise, e, e.label());
                }
                if before != self.exercise {
                    self.reload(records);
                }
            });
            let points = match &self.points {
                Ok(p) => p.clone(),
                Err(e) => {
                    ui.colored_label(Color32::from_rgb(230, 80, 60), format!("No history: {e}"));
                    return;
                }
            };
            if points.is_empty() {
                ui.label(format!("No {} session recorded yet.", self.exercise.label().to_lowercase()));
                return;
            }
            ui.label(format!("{} sessions of the {}", points.len(), self.exercise.label().to_lowercase()));
            egui::ScrollArea::vertical().show(ui, |ui| {
                charts(ui, self.exercise, &points);
                ui.separator();
                if let Some(id) = sessions_table(ui, &points) {
                    self.report = Some(records.write_report(id));
                }
                super::draw::report_outcome(ui, self.report.as_ref());
            });
        });
        back
    }
}

fn series(points: &[HistoryPoint], f: impl Fn(&HistoryPoint) -> Option<f64>) -> Vec<[f64; 2]> {
    points.iter().enumerate().filter_map(|(i, p)| f(p).map(|v| [i as f64 + 1.0, v])).collect()
}

fn chart(ui: &mut egui::Ui, id: &str, title: &str, y_max: f64, lines: &[(&str, Color32, Vec<[f64; 2]>)]) {
    use egui_plot::{Legend, Line, Plot, PlotPoint, Points, Text};
    ui.label(RichText::new(title).strong());
    let n = lines.iter().flat_map(|l| l.2.iter().map(|p| p[0])).fold(1.0, f64::max);
    Plot::new(id)
        .height(150.0)
        .legend(Legend::default())
        .allow_zoom(false)
        .allow_drag(false)
        .allow_scroll(false)
        .default_x_bounds(0.5, n + 0.5)
        .default_y_bounds(0.0, y_max)
        .x_axis_label("session")
        .y_axis_min_width(36.0)
        .include_y(0.0)
        .include_y(y_max)
        .show(ui, |p| {
            for (name, color, pts) in lines {
                p.line(Line::new(*name, pts.clone()).color(*color).width(2.0));
                p.points(Points::new(*name, pts.clone()).color(*color).radius(4.0));
                // The value beside each point: a therapist reads numbers, not slopes.
                for &[x, y] in pts {
                    let label = RichText::new(format!("{y:.0}")).color(*color).size(13.0);
                    p.text(Text::new("", PlotPoint::new(x, y), label).anchor(egui::Align2::LEFT_BOTTOM));
                }
            }
        });
}

fn charts(ui: &mut egui::Ui, exercise: Exercise, points: &[HistoryPoint]) {
    let blue = Color32::from_rgb(60, 160, 255);
    let green = Color32::from_rgb(40, 200, 90);
    let orange = Color32::from_rgb(240, 150, 40);
    let red = Color32::from_rgb(230, 70, 60);
    if exercise == Exercise::SidePlank {
        chart(ui, "hist-hold", "Seconds held in form", 60.0, &[("seconds", blue, series(points, |p| Some(p.hold_s)))]);
    } else {
        let max = points.iter().map(|p| p.reps).max().unwrap_or(1).max(1);
        chart(
            ui,
            "hist-reps",
            "Reps",
            f64::from(max) + 1.0,
            &[("reps", blue, series(points, |p| Some(f64::from(p.reps))))],
        );
        chart(
            ui,
            "hist-clean",
            "Clean reps (%)",
            100.0,
            &[("clean %", green, series(points, |p| p.clean_share().map(|s| s * 100.0)))],
        );
    }
    if exercise == Exercise::Hinge {
        chart(
            ui,
            "hist-depth",
            "Peak hinge depth (trunk angle from vertical, degrees)",
            90.0,
            &[("depth", orange, series(points, |p| p.peak_trunk_deg.map(f64::from)))],
        );
    }
    chart(
        ui,
        "hist-pain",
        "Pain (0-10): before, after, next day",
        10.0,
        &[
            ("before", blue, series(points, |p| p.pain_before.map(f64::from))),
            ("after", red, series(points, |p| p.pain_after.map(f64::from))),
            ("next day", orange, series(points, |p| p.pain_next_day.map(f64::from))),
        ],
    );
}

/// The sessions as a table; returns the session whose report was asked for.
fn sessions_table(ui: &mut egui::Ui, points: &[HistoryPoint]) -> Option<i64> {
    let mut report = None;
    egui::Grid::new("hist-sessions").striped(true).show(ui, |ui| {
        for h in ["#", "When", "Source", "Sets", "Reps (clean)", "Held", "Pain before / after / next day", ""] {
            ui.label(RichText::new(h).strong());
        }
        ui.end_row();
        let pain = |p: Option<u8>| p.map_or("-".to_string(), |v| v.to_string());
        for (i, p) in points.iter().enumerate() {
            ui.label(format!("{}", i + 1));
            let when = crate::session::store::format_time(p.started_at);
            ui.label(if p.incomplete { format!("{when} (incomplete)") } else { when });
            ui.label(p.source.name());
            ui.label(format!("{}", p.sets));
            ui.label(format!("{} ({})", p.reps, p.clean_reps));
            ui.label(if p.hold_s > 0.0 { format!("{:.0} s", p.hold_s) } else { "-".into() });
            ui.label(format!("{} / {} / {}", pain(p.pain_before), pain(p.pain_after), pain(p.pain_next_day)));
            if ui.button(format!("Report of session {}", p.session_id)).clicked() {
                report = Some(p.session_id);
            }
            ui.end_row();
        }
    });
    report
}
