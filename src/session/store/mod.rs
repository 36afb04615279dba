//! The local store: sessions, sets, reps, holds, faults, cues and pain ratings in one SQLite file
//! on this computer (nothing leaves it).
//!
//! Durability: WAL journal with `synchronous=FULL`. Every `record_*` call is its own transaction,
//! so killing the app mid-set loses at most the rep in progress: a call that returned is on disk.
//! WAL with `NORMAL` would already survive the app being killed (the WAL is in the OS's page cache),
//! but not a power cut or an OS crash, which could lose the last reps; `FULL` adds one fsync of
//! the WAL per commit, i.e. per rep: a few milliseconds every several seconds, nothing next to the
//! pose model, and "the rep was recorded" then means recorded. `secure_delete` is on so
//! [`Store::delete_all`] overwrites what it deletes. A series of writes that belong together (a
//! saved analysis, the therapist's Save of a call) runs in [`Store::transaction`]: stored whole or
//! not at all; the `record_*` calls inside it join that one transaction.
//!
//! Schema (version [`SCHEMA_VERSION`] in `PRAGMA user_version`; older files are migrated on open,
//! newer ones refused): see [`SCHEMA_V1`], [`SCHEMA_V2`] which adds the `key_frames` table, and
//! [`SCHEMA_V3`] which adds the `attempts` table, and [`SCHEMA_V4`] which adds the `patients`
//! (every session filed under one; the home flow's under the implicit default patient) and, with
//! each session, the call's consent, the therapist's notes, whether the picture was declared
//! mirrored and whether key frames were allowed.
//!
//! Key frames (one annotated JPEG of a session's worst rep) are stored only when the user allows
//! them (`formcheck analyze ... --save --key-frames`, recorded as the session's
//! `keep_key_frames`); otherwise the store holds numbers only, and [`Store::save_key_frame`]
//! refuses a picture for a session that did not allow them.
//!
//! Layout: this file opens the store; `schema` creates and migrates the tables, `write` records a
//! session as it happens, `read` lists and loads sessions, `patients` keeps the patients and their
//! plans, `export` exports or deletes everything;
//! `records` holds the values, `time` the clock and how times are shown, `error` the errors.

mod error;
mod export;
mod patients;
mod read;
mod records;
mod schema;
mod time;
mod write;

pub use error::StoreError;
pub use patients::patient_name_problem;
pub use records::{
    Consent, DEFAULT_PATIENT_ID, DEFAULT_PATIENT_NAME, KeyFrame, MAX_PATIENT_NAME_CHARS, NewSession, Patient,
    PatientSummary, SessionRecord, SessionSummary, SetRecord, SourceKind,
};
pub use schema::{SCHEMA_V1, SCHEMA_V2, SCHEMA_V3, SCHEMA_V4, SCHEMA_VERSION};
pub use time::{format_time, format_time_in, unix_now};

use error::At;
use rusqlite::{Connection, OpenFlags};
use serde::{Deserialize, Serialize};
use std::cell::Cell;
use std::path::{Path, PathBuf};

/// A next-day check-in is asked this long after a session ended (s)...
pub const CHECKIN_AFTER_S: i64 = 12 * 3600;
/// ...and no longer after this (s): older sessions are no longer "the day before".
pub(crate) const CHECKIN_WITHIN_S: i64 = 72 * 3600;

/// formcheck's mark in the SQLite file's header (`PRAGMA application_id`, "FCHK"): a file with
/// another program's mark, or with tables formcheck does not know, is refused before anything is
/// written to it.
pub const APPLICATION_ID: i32 = 0x4643_484B;

/// The tables formcheck creates (a store from before [`APPLICATION_ID`] is recognised by them).
const OUR_TABLES: [&str; 10] =
    ["sessions", "sets", "reps", "holds", "faults", "cues", "pain", "key_frames", "attempts", "patients"];

/// The store's results.
pub(crate) type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The store. One connection; not shared between threads (open one per thread if needed: WAL lets
/// readers and one writer work at once).
pub struct Store {
    conn: Connection,
    path: PathBuf,
    now_override: Cell<Option<i64>>,
}

impl Store {
    /// Where the store lives: `formcheck.db` in the data folder ([`crate::paths::database_path`]).
    ///
    /// # Errors
    /// When there is no data folder.
    pub fn default_path() -> Result<PathBuf> {
        Ok(crate::paths::database_path()?)
    }

    /// Opens (creating if needed) the database in the data folder ([`crate::paths::database_path`]).
    ///
    /// # Errors
    /// When there is no data folder, or see [`Store::open`].
    pub fn open_default() -> Result<Self> {
        Self::open(&crate::paths::database_path()?)
    }

    /// Opens (creating if needed, with its folder) the database at `path`, in WAL mode, and
    /// migrates its schema to [`SCHEMA_VERSION`]. An existing file is first checked, read-only,
    /// to be formcheck's ([`APPLICATION_ID`], or formcheck's tables): another program's database
    /// is refused and never written to.
    ///
    /// # Errors
    /// When the file cannot be opened, is not a formcheck database, or is from a newer formcheck.
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|cause| StoreError::CreateDir {
                path: path.to_path_buf(),
                dir: dir.to_path_buf(),
                cause,
            })?;
        }
        let existing = std::fs::metadata(path).is_ok_and(|m| m.len() > 0);
        if existing {
            identify(path)?;
        }
        let conn = Connection::open(path).at(path, "cannot open the file")?;
        conn.busy_timeout(std::time::Duration::from_secs(10)).at(path, "setting the busy timeout")?;
        let mode: String =
            conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)).at(path, "switching to WAL journaling")?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::NotWal { path: path.to_path_buf(), mode });
        }
        conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;")
            .at(path, "setting the pragmas")?;
        schema::migrate(&conn, path)?;
        Ok(Self { conn, path: path.to_path_buf(), now_override: Cell::new(None) })
    }

    /// Opens the store at `path` for reading only: nothing is created, migrated or written, so a
    /// read-only file, folder or disk can still be listed and reported.
    ///
    /// # Errors
    /// When the file is missing or unreadable, is not formcheck's, or its schema is not this
    /// formcheck's.
    pub fn open_read_only(path: &Path) -> Result<Self> {
        let version = identify(path)?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::Newer { path: path.to_path_buf(), version, known: SCHEMA_VERSION });
        }
        if version < SCHEMA_VERSION {
            return Err(StoreError::OldReadOnly { path: path.to_path_buf(), version });
        }
        let conn = read_only_connection(path).at(path, "opening the file to read")?;
        conn.busy_timeout(std::time::Duration::from_secs(10)).at(path, "setting the busy timeout")?;
        Ok(Self { conn, path: path.to_path_buf(), now_override: Cell::new(None) })
    }

    /// Opens the store to read: as [`Store::open`], or read-only when the file, its folder or the
    /// disk cannot be written.
    ///
    /// # Errors
    /// As [`Store::open_read_only`].
    pub fn open_to_read(path: &Path) -> Result<Self> {
        match Self::open(path) {
            Ok(s) => Ok(s),
            Err(e) if e.is_read_only() && path.is_file() => Self::open_read_only(path),
            Err(e) => Err(e),
        }
    }

    /// Opens the store to save into it, checked up front: as [`Store::open`], then
    /// [`Store::check_writable`]; a store that cannot be written is [`StoreError::ReadOnly`].
    ///
    /// # Errors
    /// As [`Store::open`], or [`StoreError::ReadOnly`].
    pub fn open_to_write(path: &Path) -> Result<Self> {
        let store = match Self::open(path) {
            Err(e @ StoreError::Db { .. }) if e.is_read_only() && path.is_file() => {
                let cause = match &e {
                    StoreError::Db { cause, .. } => cause.to_string(),
                    _ => String::new(),
                };
                return Err(StoreError::ReadOnly { path: path.to_path_buf(), cause });
            }
            r => r?,
        };
        store.check_writable()?;
        Ok(store)
    }

    /// Checks that the store can be written (a save is refused up front, before a long analysis,
    /// rather than after it).
    ///
    /// # Errors
    /// [`StoreError::ReadOnly`] when the file, its folder or the disk is read-only.
    pub fn check_writable(&self) -> Result<()> {
        let ro = self.conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(false);
        let probe = if ro {
            Err("the file is read-only".to_string())
        } else {
            // Takes the write lock and gives it back: fails on a read-only folder or disk.
            self.conn.execute_batch("BEGIN IMMEDIATE; ROLLBACK;").map_err(|e| e.to_string())
        };
        probe.map_err(|cause| StoreError::ReadOnly { path: self.path.clone(), cause })
    }

    /// The database file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of the open file.
    ///
    /// # Errors
    /// On a database error.
    pub fn schema_version(&self) -> Result<i64> {
        self.conn.query_row("PRAGMA user_version", [], |r| r.get(0)).at(&self.path, "reading the schema version")
    }

    /// `PRAGMA integrity_check`: "ok" when the file is sound.
    ///
    /// # Errors
    /// On a database error.
    pub fn integrity_check(&self) -> Result<String> {
        let what = "checking the file's integrity";
        let mut st = self.conn.prepare("PRAGMA integrity_check").at(&self.path, what)?;
        let rows: Vec<String> = st.query_map([], |r| r.get(0)).and_then(Iterator::collect).at(&self.path, what)?;
        Ok(rows.join("\n"))
    }

    /// Pins the clock (unix s) used for new records; None = the system clock. For tests and imports.
    pub fn set_now(&self, now: Option<i64>) {
        self.now_override.set(now);
    }

    /// The store's clock.
    #[must_use]
    pub(crate) fn now(&self) -> i64 {
        self.now_override.get().unwrap_or_else(unix_now)
    }

    /// Runs `f` in one transaction (`BEGIN IMMEDIATE`: a concurrent writer waits for the lock
    /// instead of failing midway), or inside the transaction already open: everything `f` writes is
    /// stored, or nothing.
    fn in_tx<T>(&self, what: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
        self.transaction(what, f)
    }

    /// Runs `f`, a series of writes to this store, as one transaction: everything it writes is
    /// stored, or, when it returns an error (its own or the store's) or the program is killed
    /// midway, nothing is. Inside a transaction already open, `f` simply joins it. `what` names
    /// the work in a database error ("saving the call").
    ///
    /// # Errors
    /// `f`'s error, or the store's when the transaction cannot begin or commit.
    pub fn transaction<T, E: From<StoreError>>(&self, what: &str, f: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
        if !self.conn.is_autocommit() {
            return f();
        }
        self.db(self.conn.execute_batch("BEGIN IMMEDIATE"), what)?;
        let r = f().and_then(|v| Ok(self.db(self.conn.execute_batch("COMMIT"), what).map(|()| v)?));
        if r.is_err() && !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        r
    }

    /// A database error while doing `what`, naming this store's file.
    fn db<T>(&self, r: rusqlite::Result<T>, what: &str) -> Result<T> {
        r.at(&self.path, what)
    }

    /// `v` as JSON (a record that does not serialise is an error about this store).
    fn to_json<T: Serialize>(&self, v: &T) -> Result<String> {
        serde_json::to_string(v).at(&self.path, "a record does not serialise")
    }

    /// An enum's serde name ("minor", "next_day"...).
    fn enum_name<T: Serialize>(&self, v: &T) -> Result<String> {
        match serde_json::to_value(v).at(&self.path, "a name does not serialise")? {
            serde_json::Value::String(s) => Ok(s),
            other => Ok(other.to_string()),
        }
    }

    /// The enum named `s` (see [`Store::enum_name`]).
    fn parse_name<T: for<'de> Deserialize<'de>>(&self, s: &str, what: &str) -> Result<T> {
        serde_json::from_value(serde_json::Value::String(s.to_string())).at(&self.path, what)
    }
}

/// A read-only connection to `path`. A WAL store on a read-only folder or disk cannot get its
/// shared-memory file: it is then opened as immutable (what a clean shutdown left is all there is).
fn read_only_connection(path: &Path) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let plain = Connection::open_with_flags(path, flags)
        .and_then(|c| c.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)).map(|_| c));
    match plain {
        Err(e)
            if matches!(
                e.sqlite_error_code(),
                Some(rusqlite::ErrorCode::CannotOpen | rusqlite::ErrorCode::ReadOnly)
            ) =>
        {
            let p = path.display().to_string().replace('%', "%25").replace('?', "%3f").replace('#', "%23");
            Connection::open_with_flags(format!("file:{p}?immutable=1"), flags | OpenFlags::SQLITE_OPEN_URI)
        }
        other => other,
    }
}

/// Checks, without writing, that the file at `path` is formcheck's store (or an empty database),
/// and returns its schema version.
fn identify(path: &Path) -> Result<i64> {
    let foreign = |detail: String| StoreError::Foreign { path: path.to_path_buf(), detail };
    let not_a_db = |e: &rusqlite::Error| e.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase);
    let conn = match read_only_connection(path) {
        Err(e) if not_a_db(&e) => return Err(foreign("it is not a SQLite database".into())),
        r => r.at(path, "opening the file to check it")?,
    };
    let app_id: i32 = match conn.query_row("PRAGMA application_id", [], |r| r.get(0)) {
        Ok(id) => id,
        Err(e) if not_a_db(&e) => return Err(foreign("it is not a SQLite database".into())),
        Err(e) => return Err(e).at(path, "reading the file's header"),
    };
    let version: i64 =
        conn.query_row("PRAGMA user_version", [], |r| r.get(0)).at(path, "reading the schema version")?;
    if app_id == APPLICATION_ID {
        return Ok(version);
    }
    if app_id != 0 {
        return Err(foreign(format!("it is another program's database (application id {app_id:#x})")));
    }
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .and_then(|mut st| st.query_map([], |r| r.get(0))?.collect())
        .at(path, "listing the file's tables")?;
    if tables.is_empty() && version == 0 {
        return Ok(0);
    }
    let ours = tables.iter().all(|t| OUR_TABLES.contains(&t.as_str())) && tables.iter().any(|t| t == "sessions");
    if ours && version >= 1 {
        return Ok(version);
    }
    let list: Vec<&str> = tables.iter().take(5).map(String::as_str).collect();
    Err(foreign(format!("it is another program's database, with tables {}", list.join(", "))))
}
