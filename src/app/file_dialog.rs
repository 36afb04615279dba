//! A small file dialog drawn by egui itself (no system dialog: none is guaranteed on a machine
//! without a desktop): the folders and the matching files of one folder, up one level, home, and a
//! path field.
//!
//! Why not a crate. Checked on crates.io in December 2026:
//! - `egui-file-dialog` (pure egui, so the window tests would keep working): no release builds
//!   against the egui this app uses (0.37). Its newest, 0.15.0, requires `egui = "^0.36.0"`, and each
//!   earlier one an older egui (0.14.x: ^0.35, 0.13: ^0.34, 0.12: ^0.33, 0.11: ^0.32); two egui
//!   versions cannot share one window.
//! - `egui_file` 0.29.0 does depend on egui 0.37, but it labels folders, files and its buttons with
//!   emoji (📂 🗀 🗋 ⬆ ⟲) that egui 0.37's built-in fonts no longer have: in the window tests the
//!   first frame panics ("No glyph for 📂"), and in the app they would draw as empty boxes, so a
//!   patient could not tell a folder from a file. Tried and reverted.
//!
//! Replace this file with one of them once it builds against this egui and draws with its fonts.

use std::path::{Path, PathBuf};

use egui::RichText;

/// One folder's entries: sub-folders, then files with one of the extensions, sorted by name.
///
/// # Errors
/// When the folder cannot be read.
pub(crate) fn entries(dir: &Path, extensions: &[&str]) -> std::io::Result<(Vec<PathBuf>, Vec<PathBuf>)> {
    let (mut dirs, mut files) = (Vec::new(), Vec::new());
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        let hidden = p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if hidden {
            continue;
        }
        if p.is_dir() {
            dirs.push(p);
        } else if p
            .extension()
            .is_some_and(|x| extensions.iter().any(|want| x.to_string_lossy().eq_ignore_ascii_case(want)))
        {
            files.push(p);
        }
    }
    dirs.sort();
    files.sort();
    Ok((dirs, files))
}

/// An open file dialog.
#[derive(Debug, Clone)]
pub(crate) struct FileDialog {
    title: String,
    extensions: Vec<String>,
    dir: PathBuf,
    typed: String,
}

/// What the dialog did this frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DialogResult {
    Open,
    Chosen(PathBuf),
    Cancelled,
}

impl FileDialog {
    /// A dialog titled `title` listing files with these extensions, starting in `start` (or the
    /// home folder).
    #[must_use]
    pub(crate) fn new(title: &str, extensions: &[&str], start: Option<&Path>) -> Self {
        let dir = start
            .filter(|d| d.is_dir())
            .map(Path::to_path_buf)
            .or_else(crate::paths::home_dir)
            .unwrap_or_else(|| PathBuf::from("/"));
        Self {
            title: title.into(),
            extensions: extensions.iter().map(|s| (*s).to_string()).collect(),
            dir,
            typed: String::new(),
        }
    }

    /// Draws the dialog in a window over the screen.
    pub(crate) fn show(&mut self, ctx: &egui::Context) -> DialogResult {
        let mut result = DialogResult::Open;
        let exts: Vec<&str> = self.extensions.iter().map(String::as_str).collect();
        egui::Window::new(self.title.as_str()).collapsible(false).default_size([560.0, 460.0]).show(ctx, |ui| {
            ui.horizontal(|ui| {
                if ui.button("Up one folder").clicked()
                    && let Some(p) = self.dir.parent()
                {
                    self.dir = p.to_path_buf();
                }
                if ui.button("Home").clicked()
                    && let Some(h) = crate::paths::home_dir()
                {
                    self.dir = h;
                }
                ui.label(RichText::new(self.dir.display().to_string()).monospace());
            });
            ui.separator();
            egui::ScrollArea::vertical().max_height(320.0).show(ui, |ui| match entries(&self.dir, &exts) {
                Ok((dirs, files)) => {
                    for d in dirs {
                        let name = d.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
                        if ui.button(format!("[folder] {name}")).clicked() {
                            self.dir = d;
                        }
                    }
                    if files.is_empty() {
                        ui.weak(format!("No {} file in this folder.", exts.join(" or ")));
                    }
                    for f in files {
                        let name = f.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
                        if ui.button(name).clicked() {
                            result = DialogResult::Chosen(f);
                        }
                    }
                }
                Err(e) => {
                    ui.colored_label(egui::Color32::from_rgb(230, 80, 60), format!("Cannot read this folder: {e}"));
                }
            });
            ui.separator();
            ui.horizontal(|ui| {
                let label = ui.label("Or type a path:");
                ui.add(egui::TextEdit::singleline(&mut self.typed)).labelled_by(label.id);
                if ui.button("Open").clicked() && !self.typed.trim().is_empty() {
                    result = DialogResult::Chosen(PathBuf::from(self.typed.trim()));
                }
                if ui.button("Cancel").clicked() {
                    result = DialogResult::Cancelled;
                }
            });
        });
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_folders_then_matching_files_sorted_without_hidden_ones() {
        let d = std::env::temp_dir().join(format!("formcheck-dialog-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        for sub in ["b_dir", "a_dir", ".hidden_dir"] {
            std::fs::create_dir_all(d.join(sub)).unwrap();
        }
        for f in ["z.toml", "a.TOML", "notes.txt", ".secret.toml"] {
            std::fs::write(d.join(f), "").unwrap();
        }
        let (dirs, files) = entries(&d, &["toml"]).unwrap();
        let names =
            |v: &[PathBuf]| v.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect::<Vec<_>>();
        assert_eq!(names(&dirs), vec!["a_dir", "b_dir"]);
        assert_eq!(names(&files), vec!["a.TOML", "z.toml"]);
        assert!(entries(&d.join("missing"), &["toml"]).is_err());
        let _ = std::fs::remove_dir_all(&d);
    }
}
