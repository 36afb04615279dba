//! The store's errors: each names the database file it is about.

use std::path::{Path, PathBuf};

/// What went wrong with the store (every variant names the file, except a missing data folder).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No data folder to put the store in.
    #[error(transparent)]
    NoDataDir(#[from] crate::paths::PathsError),
    /// The data folder could not be created.
    #[error("cannot create the data folder {} for the store {}: {cause}", dir.display(), path.display())]
    CreateDir { path: PathBuf, dir: PathBuf, cause: std::io::Error },
    /// A database error while doing `what`.
    #[error("store {}: {what}: {cause}", path.display())]
    Db { path: PathBuf, what: String, cause: rusqlite::Error },
    /// The file would not switch to WAL journaling.
    #[error("store {}: the store needs WAL journaling, got {mode}", path.display())]
    NotWal { path: PathBuf, mode: String },
    /// The file was written by a newer formcheck.
    #[error("store {}: the store is from a newer formcheck (schema {version}, this one knows {known})", path.display())]
    Newer { path: PathBuf, version: i64, known: i64 },
    /// No session with this id.
    #[error("store {}: no session {id}", path.display())]
    NoSession { path: PathBuf, id: i64 },
    /// No set with this id.
    #[error("store {}: no set {id}", path.display())]
    NoSet { path: PathBuf, id: i64 },
    /// A pain score outside 0..=10.
    #[error("store {}: pain is rated 0 to 10, not {score}", path.display())]
    PainScore { path: PathBuf, score: u8 },
    /// An analysis without an exercise verdict cannot be saved.
    #[error("store {}: the analysis checked no exercise: nothing to save (add --exercise)", path.display())]
    NothingToSave { path: PathBuf },
    /// A stored record does not read back (or a record does not serialise).
    #[error("store {}: {what}: {detail}", path.display())]
    Record { path: PathBuf, what: String, detail: String },
}

impl StoreError {
    /// A [`StoreError::Record`] about `path`.
    pub(crate) fn record(path: &Path, what: impl Into<String>, detail: impl std::fmt::Display) -> Self {
        Self::Record { path: path.to_path_buf(), what: what.into(), detail: detail.to_string() }
    }
}

/// Attaches the store's file and what was being done to a database or JSON error.
pub(crate) trait At<T> {
    /// The error as a [`StoreError`] about `path` while doing `what`.
    fn at(self, path: &Path, what: &str) -> Result<T, StoreError>;
}

impl<T> At<T> for rusqlite::Result<T> {
    fn at(self, path: &Path, what: &str) -> Result<T, StoreError> {
        self.map_err(|cause| StoreError::Db { path: path.to_path_buf(), what: what.to_string(), cause })
    }
}

impl<T> At<T> for serde_json::Result<T> {
    fn at(self, path: &Path, what: &str) -> Result<T, StoreError> {
        self.map_err(|e| StoreError::record(path, what, e))
    }
}
