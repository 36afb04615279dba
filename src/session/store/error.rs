//! The store's errors: each names the database file it is about.

use std::path::{Path, PathBuf};

/// What went wrong with the store (every variant names the file, except a missing data folder).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No data folder to put the store in.
    #[error(transparent)]
    NoDataDir(#[from] crate::paths::PathsError),
    /// The data folder could not be created.
    #[error(
        "cannot create the data folder {} for the store {}: {cause}.\nFix: create it yourself with write permission, or set {} to a folder you can write.",
        dir.display(), path.display(), crate::paths::DATA_ENV
    )]
    CreateDir { path: PathBuf, dir: PathBuf, cause: std::io::Error },
    /// A database error while doing `what`.
    #[error("store {}: {what}: {}.\nFix: {}", path.display(), describe(cause), fix(cause, path))]
    Db { path: PathBuf, what: String, cause: rusqlite::Error },
    /// The file would not switch to WAL journaling.
    #[error(
        "store {}: the store needs WAL journaling, got {mode}.\nFix: keep the store on a local disk (not a network share), or set {} to a local folder.",
        path.display(), crate::paths::DATA_ENV
    )]
    NotWal { path: PathBuf, mode: String },
    /// The file was written by a newer formcheck.
    #[error(
        "store {}: the store is from a newer formcheck (schema {version}, this one knows {known}).\nFix: update formcheck; this one leaves the file untouched.",
        path.display()
    )]
    Newer { path: PathBuf, version: i64, known: i64 },
    /// The file is a database of another program (or not a database at all): never written.
    #[error(
        "store {}: this file is not formcheck's store ({detail}); formcheck left it untouched.\nFix: move or rename that file if it is yours, or set {} to another folder for formcheck's data.",
        path.display(), crate::paths::DATA_ENV
    )]
    Foreign { path: PathBuf, detail: String },
    /// The store cannot be changed (read-only file, folder or disk), and the command must write.
    #[error(
        "store {}: the store is read-only, so nothing could be saved ({cause}).\nFix: give your user write permission to the file and its folder, or set {} to a writable folder. Listing and reports still work.",
        path.display(), crate::paths::DATA_ENV
    )]
    ReadOnly { path: PathBuf, cause: String },
    /// The store is older than this formcheck and cannot be migrated while read-only.
    #[error(
        "store {}: the store is from an older formcheck (schema {version}) and is read-only, so it cannot be upgraded.\nFix: give your user write permission to it once and run `formcheck sessions`.",
        path.display()
    )]
    OldReadOnly { path: PathBuf, version: i64 },
    /// No session with this id.
    #[error("store {}: no session {id}. Fix: `formcheck sessions` lists the stored sessions and their ids.", path.display())]
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
    /// No patient of that name (the known ones are listed).
    #[error(
        "store {}: no patient named {name:?}. Known patients: {}.\nFix: use one of those names (`formcheck patients` lists them); a new patient is added by saving a session with `--patient NAME`.",
        path.display(), known_list(known)
    )]
    UnknownPatient { path: PathBuf, name: String, known: Vec<String> },
    /// A patient name that cannot be used.
    #[error("store {}: the patient name {name:?} {why}.\nFix: give a name of 1 to {} characters, without line breaks or spaces around it.", path.display(), super::MAX_PATIENT_NAME_CHARS)]
    PatientName { path: PathBuf, name: String, why: String },
    /// A call session needs the patient's consent.
    #[error(
        "store {}: a session from a video call is stored only with the patient's consent, and none was given.\nFix: confirm that the patient was told and agrees (`--consent yes`, or the consent box in the window).",
        path.display()
    )]
    NoConsent { path: PathBuf },
    /// Key frames were not allowed for this session: no picture is stored with it.
    #[error(
        "store {}: session {id} was recorded without key frames, so no picture is stored with it.\nFix: allow key frames when the session starts (`--key-frames`).",
        path.display()
    )]
    KeyFramesNotAllowed { path: PathBuf, id: i64 },
    /// A stored record does not read back (or a record does not serialise).
    #[error("store {}: {what}: {detail}", path.display())]
    Record { path: PathBuf, what: String, detail: String },
}

/// "Alice, Bob" (or "none yet").
fn known_list(known: &[String]) -> String {
    if known.is_empty() { "none yet".to_string() } else { known.join(", ") }
}

/// The database error in words (SQLite's own text, without "Error code N").
fn describe(cause: &rusqlite::Error) -> String {
    match cause {
        rusqlite::Error::SqliteFailure(e, Some(msg)) if !msg.is_empty() => {
            format!("{msg} ({})", code_words(e.code))
        }
        rusqlite::Error::SqliteFailure(e, _) => code_words(e.code).to_string(),
        other => other.to_string(),
    }
}

fn code_words(code: rusqlite::ErrorCode) -> &'static str {
    use rusqlite::ErrorCode as C;
    match code {
        C::DiskFull => "the disk is full",
        C::NotADatabase => "the file is not a database",
        C::DatabaseCorrupt => "the file is damaged",
        C::ReadOnly => "the file or its folder is read-only",
        C::CannotOpen => "the file cannot be opened",
        C::PermissionDenied => "permission denied",
        C::DatabaseBusy | C::DatabaseLocked => "another program is using the store",
        C::SystemIoFailure => "a disk read or write failed",
        _ => "database error",
    }
}

/// What to do about a database error on the store at `path`.
fn fix(cause: &rusqlite::Error, path: &Path) -> String {
    use rusqlite::ErrorCode as C;
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let env = crate::paths::DATA_ENV;
    match cause.sqlite_error_code() {
        Some(C::DiskFull) => format!(
            "free some space on the disk holding {} (`df -h {}` shows how much is left) and try again; nothing was half-saved",
            dir.display(),
            dir.display()
        ),
        Some(C::NotADatabase | C::DatabaseCorrupt) => format!(
            "the store is damaged: move {} aside (formcheck then starts an empty store), and keep it for recovery with `sqlite3 {} .recover`",
            path.display(),
            path.display()
        ),
        Some(C::ReadOnly | C::PermissionDenied | C::CannotOpen) => format!(
            "check that you may read and write {} and its folder, or set {env} to a folder you can write",
            path.display()
        ),
        Some(C::DatabaseBusy | C::DatabaseLocked) => {
            "another formcheck is writing to the store: wait until it has finished and try again".to_string()
        }
        Some(C::SystemIoFailure) => {
            format!("check the disk holding {} (is it full or unplugged?) and try again", dir.display())
        }
        _ => format!("try again; if it persists, move {} aside and formcheck starts an empty store", path.display()),
    }
}

impl StoreError {
    /// Whether the error says the store cannot be written (read-only file, folder or disk).
    #[must_use]
    pub fn is_read_only(&self) -> bool {
        use rusqlite::ErrorCode as C;
        match self {
            Self::ReadOnly { .. } | Self::CreateDir { .. } => true,
            Self::Db { cause, .. } => {
                matches!(cause.sqlite_error_code(), Some(C::ReadOnly | C::CannotOpen | C::PermissionDenied))
            }
            _ => false,
        }
    }

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
