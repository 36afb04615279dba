//! The plan and the record in the window: the prescription in force (loaded, edited, saved), the
//! pacing suggestion to confirm, the next-day check-in, where the data lives, export-all and
//! delete-all, and the report of a session.

use std::path::{Path, PathBuf};

use egui::{Color32, RichText};

use crate::coach::Dose;
use crate::form::{Exercise, FormConfig};
use crate::paths::PathsError;
use crate::session::pacing::{Decision, PacingRules, PainKind, Suggestion};
use crate::session::prescription::Prescription;
use crate::session::recorder::Recorder;
use crate::session::store::{SessionSummary, SourceKind, Store, StoreError};

/// Why the record (the store) could not give or write something.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RecordsError {
    /// The store did not open (the start screen says why).
    #[error("the record could not be opened")]
    NoStore,
    /// A store error.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A file could not be written.
    #[error("cannot write {}: {cause}", path.display())]
    Write { path: PathBuf, cause: std::io::Error },
}

/// Where a report was written, or why it was not.
pub(crate) type ReportOutcome = Result<PathBuf, RecordsError>;

/// What the start screen asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RecordsAction {
    EditPlan,
    History,
}

struct Editor {
    text: String,
    error: Option<String>,
}

/// The plan in force and the store behind the window.
pub(crate) struct Records {
    data_dir: Result<PathBuf, PathsError>,
    store: Result<Store, StoreError>,
    plan: Prescription,
    /// Where the plan came from, for the screen ("the usual plan" or a path).
    plan_from: String,
    /// Where "Save" writes the plan.
    plan_path: Option<PathBuf>,
    /// A problem with a prescription file (the previous plan stays in force).
    pub plan_error: Option<String>,
    suggestion: Option<Suggestion>,
    checkin: Option<SessionSummary>,
    confirm_delete: bool,
    /// The last thing done (export path, deleted, saved...).
    pub message: Option<String>,
    editor: Option<Editor>,
    /// The "open a prescription file" field.
    open_input: String,
    /// The file dialog choosing a prescription, while open.
    dialog: Option<super::file_dialog::FileDialog>,
}

fn saved_plan_path(dir: &Path) -> PathBuf {
    dir.join("prescription.toml")
}

impl Records {
    /// Opens the store in `data_dir` (default: [`crate::paths::data_dir`]) and loads the plan:
    /// `prescription` if given, else the plan last saved in the app, else the usual plan. A bad
    /// file leaves the previous plan in force and says why.
    #[must_use]
    pub(crate) fn load(data_dir: Option<&Path>, prescription: Option<&Path>) -> Self {
        let data_dir = match data_dir {
            Some(d) => Ok(d.to_path_buf()),
            None => crate::paths::data_dir(),
        };
        let store = match &data_dir {
            Ok(d) => Store::open(&d.join("formcheck.db")),
            Err(e) => Err(StoreError::NoDataDir(e.clone())),
        };
        let mut r = Self {
            plan: Prescription::default_plan(),
            plan_from: "the usual plan".into(),
            plan_path: data_dir.as_ref().ok().map(|d| saved_plan_path(d)),
            data_dir,
            store,
            plan_error: None,
            suggestion: None,
            checkin: None,
            confirm_delete: false,
            message: None,
            editor: None,
            open_input: String::new(),
            dialog: None,
        };
        if let Some(p) = r.plan_path.clone().filter(|p| p.is_file()) {
            r.use_file(&p);
        }
        if let Some(p) = prescription {
            r.use_file(p);
        }
        r.refresh();
        r
    }

    fn use_file(&mut self, path: &Path) {
        match Prescription::from_file(path) {
            Ok(p) => {
                self.plan = p;
                self.plan_from = path.display().to_string();
                self.plan_path = Some(path.to_path_buf());
                self.plan_error = None;
            }
            Err(e) => {
                self.plan_error = Some(format!("{e}. The plan in force is still {}.", self.plan_from));
            }
        }
    }

    fn open_plan(&mut self, p: &Path) {
        self.use_file(p);
        if self.plan_error.is_none() {
            self.message = Some(format!("Now using the plan in {}.", p.display()));
            self.refresh();
        }
    }

    /// Re-reads the pacing suggestion and the pending check-in from the store.
    pub(crate) fn refresh(&mut self) {
        let Ok(store) = &self.store else { return };
        self.checkin = store.pending_checkin().ok().flatten();
        self.suggestion = store
            .pain_history()
            .ok()
            .map(|h| crate::session::pacing::suggest(&self.plan, &h, store.now(), &PacingRules::default()))
            .filter(|s| s.decision != Decision::Keep);
    }

    /// The store, when it opened.
    #[must_use]
    pub(crate) fn store(&self) -> Option<&Store> {
        self.store.as_ref().ok()
    }

    /// The dose of `exercise` in the plan (the usual dose when the plan leaves it out).
    #[must_use]
    pub(crate) fn dose_for(&self, exercise: Exercise) -> Dose {
        let usual = Dose::default_for(exercise);
        self.plan.plan_for(exercise).map_or(usual, |p| Dose {
            sets: p.sets,
            reps: p.reps.unwrap_or(usual.reps),
            hold_s: p.hold_s.unwrap_or(usual.hold_s),
            rest_s: p.rest_s,
        })
    }

    /// The form engine's thresholds for `exercise`, with the plan's overrides.
    #[must_use]
    pub(crate) fn config_for(&self, exercise: Exercise) -> FormConfig {
        self.plan.config_for(exercise)
    }

    /// The therapist's notes for `exercise` (and the plan's), if any.
    #[must_use]
    pub(crate) fn notes_for(&self, exercise: Exercise) -> Option<String> {
        self.plan.plan_for(exercise).and_then(|p| p.notes.clone())
    }

    /// A recorder on its own connection to the store (None when the store did not open).
    #[must_use]
    pub(crate) fn recorder(&self, source: SourceKind, clip: Option<PathBuf>) -> Option<Recorder> {
        let store = Store::open(self.store.as_ref().ok()?.path()).ok()?;
        Some(Recorder::new(store, source, clip, self.plan.clone()))
    }

    /// Writes the HTML report of session `id` beside the data; returns its path.
    ///
    /// # Errors
    /// When the store is not open or the file cannot be written.
    pub(crate) fn write_report(&self, id: i64) -> ReportOutcome {
        let (Ok(store), Ok(dir)) = (&self.store, &self.data_dir) else { return Err(RecordsError::NoStore) };
        let report = crate::report::build(store, id)?;
        let dir = dir.join("reports");
        std::fs::create_dir_all(&dir).map_err(|cause| RecordsError::Write { path: dir.clone(), cause })?;
        let out = dir.join(format!("session-{id}.html"));
        std::fs::write(&out, crate::report::to_html(&report))
            .map_err(|cause| RecordsError::Write { path: out.clone(), cause })?;
        Ok(out)
    }

    /// What needs an answer first (top of the start screen): a bad prescription file, the
    /// next-day check-in, the pacing suggestion.
    pub(crate) fn alerts_ui(&mut self, ui: &mut egui::Ui) {
        if let Some(e) = &self.plan_error {
            ui.colored_label(Color32::from_rgb(230, 80, 60), e.as_str());
        }
        if self.checkin.is_none() && self.suggestion.is_none() {
            return;
        }
        ui.group(|ui| {
            self.checkin_ui(ui);
            self.suggestion_ui(ui);
        });
    }

    /// The start screen's "Your plan and record" group.
    pub(crate) fn ui(&mut self, ui: &mut egui::Ui) -> Option<RecordsAction> {
        let mut action = None;
        ui.group(|ui| {
            ui.horizontal(|ui| {
                ui.label(RichText::new("Your plan").strong());
                ui.label(format!("from {}", self.plan_from));
                if ui.button("Edit plan").clicked() {
                    action = Some(RecordsAction::EditPlan);
                }
                if ui.button("History").clicked() {
                    action = Some(RecordsAction::History);
                }
            });
            if let Some(t) = &self.plan.title {
                ui.label(RichText::new(t).strong());
            }
            if !self.plan.notes.trim().is_empty() {
                ui.label(format!("From your therapist: {}", self.plan.notes.trim()));
            }
            ui.horizontal(|ui| {
                let label = ui.label("Open a prescription file:");
                ui.add(egui::TextEdit::singleline(&mut self.open_input).hint_text("/path/to/prescription.toml"))
                    .labelled_by(label.id);
                if ui.button("Use this plan").clicked() && !self.open_input.trim().is_empty() {
                    let p = PathBuf::from(self.open_input.trim());
                    self.open_plan(&p);
                }
                if ui.button("Choose a file...").clicked() {
                    let start = self.plan_path.as_ref().and_then(|p| p.parent()).map(Path::to_path_buf);
                    self.dialog =
                        Some(super::file_dialog::FileDialog::new("Open a prescription", &["toml"], start.as_deref()));
                }
            });
            if let Some(d) = self.dialog.as_mut() {
                match d.show(ui.ctx()) {
                    super::file_dialog::DialogResult::Open => {}
                    super::file_dialog::DialogResult::Cancelled => self.dialog = None,
                    super::file_dialog::DialogResult::Chosen(p) => {
                        self.dialog = None;
                        self.open_input = p.display().to_string();
                        self.open_plan(&p);
                    }
                }
            }
            self.data_ui(ui);
            if let Some(m) = &self.message {
                ui.label(RichText::new(m.as_str()).color(Color32::from_rgb(120, 200, 255)));
            }
        });
        action
    }

    fn checkin_ui(&mut self, ui: &mut egui::Ui) {
        let Some(s) = self.checkin.clone() else { return };
        ui.label(
            RichText::new(format!(
                "Next-day check-in: how is your back today, after the session of {}? (0 = no pain, 10 = worst)",
                crate::session::store::format_time(s.started_at)
            ))
            .strong(),
        );
        if let Some(v) = super::draw::pain_scale(ui, None, false)
            && let Ok(store) = &self.store
        {
            self.message = Some(match store.record_pain(s.id, PainKind::NextDay, v, None, &[]) {
                Ok(_) => format!("Thank you: {v}/10 recorded for that session."),
                Err(e) => format!("Could not record the check-in: {e}"),
            });
            self.refresh();
        }
    }

    fn suggestion_ui(&mut self, ui: &mut egui::Ui) {
        let Some(s) = self.suggestion.clone() else { return };
        ui.separator();
        let title = match s.decision {
            Decision::Stop => "Stop for now",
            Decision::Regress => "Suggested: an easier dose",
            Decision::Progress => "Suggested: a little more",
            Decision::Keep => "Keep the plan",
        };
        ui.label(RichText::new(title).strong().size(18.0));
        ui.label(s.text());
        if !s.changes.is_empty() {
            ui.horizontal(|ui| {
                if ui.button("Apply this change").clicked() {
                    let new = s.apply(&self.plan);
                    self.save_plan(new, "the suggested change");
                }
                if ui.button("Not now").clicked() {
                    self.suggestion = None;
                }
            });
        }
    }

    fn data_ui(&mut self, ui: &mut egui::Ui) {
        ui.separator();
        match &self.store {
            Ok(store) => {
                ui.label(format!("Your record is kept only on this computer: {}", store.path().display()));
                let (mut export, mut delete, mut keep) = (false, false, false);
                ui.horizontal(|ui| {
                    export = ui.button("Export all").clicked();
                    let label = if self.confirm_delete { "Really delete everything?" } else { "Delete all" };
                    delete = ui.button(label).clicked();
                    keep = self.confirm_delete && ui.button("Keep my data").clicked();
                });
                if export {
                    self.message = Some(self.export_all());
                }
                if keep {
                    self.confirm_delete = false;
                }
                if delete {
                    if self.confirm_delete {
                        if let Ok(store) = &self.store {
                            self.message = Some(match store.delete_all() {
                                Ok(()) => "Every session, rep and rating was deleted.".into(),
                                Err(e) => format!("Could not delete: {e}"),
                            });
                        }
                        self.confirm_delete = false;
                        self.refresh();
                    } else {
                        self.confirm_delete = true;
                    }
                }
            }
            Err(e) => {
                ui.colored_label(
                    Color32::from_rgb(230, 80, 60),
                    format!("Sessions cannot be saved ({e}). Coaching still works; nothing is recorded."),
                );
            }
        }
    }

    fn export_all(&self) -> String {
        let (Ok(store), Ok(dir)) = (&self.store, &self.data_dir) else { return "Nothing to export.".into() };
        let out = dir.join(format!("formcheck-export-{}.json", store.now()));
        match store.export_all().map(|v| serde_json::to_string_pretty(&v).unwrap_or_default()) {
            Ok(text) => match std::fs::write(&out, text) {
                Ok(()) => format!("Everything exported to {}", out.display()),
                Err(e) => format!("Could not write {}: {e}", out.display()),
            },
            Err(e) => format!("Could not export: {e}"),
        }
    }

    fn save_plan(&mut self, plan: Prescription, what: &str) {
        let Some(path) = self.plan_path.clone() else {
            self.plan = plan;
            self.message = Some(format!("Using {what} (not saved: no data folder)."));
            return;
        };
        if let Some(d) = path.parent() {
            let _ = std::fs::create_dir_all(d);
        }
        // Written beside and renamed, so a crash never leaves half a plan.
        let tmp = path.with_extension("toml.tmp");
        let written = std::fs::write(&tmp, plan.to_toml()).and_then(|()| std::fs::rename(&tmp, &path));
        match written {
            Ok(()) => {
                self.plan = plan;
                self.plan_from = path.display().to_string();
                self.plan_error = None;
                self.message = Some(format!("Plan saved to {} ({what}).", path.display()));
                self.refresh();
            }
            Err(e) => self.message = Some(format!("Could not save the plan to {}: {e}", path.display())),
        }
    }

    /// Opens the plan editor on the plan in force.
    pub(crate) fn open_editor(&mut self) {
        let text = self
            .plan_path
            .as_ref()
            .filter(|p| p.is_file())
            .and_then(|p| std::fs::read_to_string(p).ok())
            .unwrap_or_else(|| self.plan.to_toml());
        self.editor = Some(Editor { text, error: None });
    }

    /// The plan editor screen. Returns true when it closes.
    pub(crate) fn editor_ui(&mut self, ui: &mut egui::Ui) -> bool {
        let Some(ed) = self.editor.as_mut() else { return true };
        let mut close = false;
        let mut save = None;
        egui::CentralPanel::default().show(ui, |ui| {
            ui.heading("Edit the plan (prescription)");
            ui.label("Exercises, sets, reps or hold seconds per side, tempo, variant, rest, notes, and threshold overrides. See assets/prescription-example.toml.");
            ui.horizontal(|ui| {
                if ui.button("Check").clicked() {
                    ed.error = Some(match Prescription::from_toml(&ed.text) {
                        Ok(p) => format!("Valid.\n{}", p.summary()),
                        Err(e) => e.to_string(),
                    });
                }
                if ui.button("Save and use").clicked() {
                    match Prescription::from_toml(&ed.text) {
                        Ok(p) => save = Some(p),
                        Err(e) => ed.error = Some(format!("{e}\nNot saved: the plan in force is unchanged.")),
                    }
                }
                if ui.button("Cancel").clicked() {
                    close = true;
                }
            });
            if let Some(e) = &ed.error {
                ui.label(RichText::new(e.as_str()).monospace());
            }
            let label = ui.label(RichText::new("The plan (TOML):").strong());
            egui::ScrollArea::vertical().show(ui, |ui| {
                ui.add(egui::TextEdit::multiline(&mut ed.text).code_editor().desired_width(f32::INFINITY).desired_rows(30))
                    .labelled_by(label.id);
            });
        });
        if let Some(p) = save {
            self.save_plan(p, "edited in the app");
            close = true;
        }
        if close {
            self.editor = None;
        }
        close
    }
}
