//! The local store: sessions, sets, reps, holds, faults, cues and pain ratings in one SQLite file
//! on this computer (nothing leaves it).
//!
//! Durability: WAL journal with `synchronous=FULL`. Every `record_*` call is its own transaction,
//! so killing the app mid-set loses at most the rep in progress: a call that returned is on disk.
//! WAL with `NORMAL` would already survive the app being killed (the WAL is in the OS's page cache),
//! but not a power cut or an OS crash, which could lose the last reps; `FULL` adds one fsync of
//! the WAL per commit, i.e. per rep: a few milliseconds every several seconds, nothing next to the
//! pose model, and "the rep was recorded" then means recorded. `secure_delete` is on so
//! [`Store::delete_all`] overwrites what it deletes.
//!
//! Schema (version [`SCHEMA_VERSION`] in `PRAGMA user_version`; older files are migrated on open,
//! newer ones refused): see [`SCHEMA_V1`], [`SCHEMA_V2`] which adds the `key_frames` table, and
//! [`SCHEMA_V3`] which adds the `attempts` table.
//!
//! Key frames (one annotated JPEG of a session's worst rep) are stored only when the user allows
//! them (`formcheck analyze ... --save --key-frames`); otherwise the store holds numbers only.
//!
//! Layout: this file opens the store; `schema` creates and migrates the tables, `write` records a
//! session as it happens, `read` lists and loads sessions, `export` exports or deletes everything;
//! `records` holds the values, `time` the clock and how times are shown, `error` the errors.

mod error;
mod export;
mod read;
mod records;
mod schema;
mod time;
mod write;

pub use error::StoreError;
pub use records::{KeyFrame, SessionRecord, SessionSummary, SetRecord, SourceKind};
pub use schema::{SCHEMA_V1, SCHEMA_V2, SCHEMA_V3, SCHEMA_VERSION};
pub use time::{format_time, format_time_in, unix_now};

use error::At;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use std::cell::Cell;
use std::path::{Path, PathBuf};

/// A next-day check-in is asked this long after a session ended (s)...
pub const CHECKIN_AFTER_S: i64 = 12 * 3600;
/// ...and no longer after this (s): older sessions are no longer "the day before".
pub(crate) const CHECKIN_WITHIN_S: i64 = 72 * 3600;

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
    /// Opens (creating if needed) the database in the data folder ([`crate::paths::database_path`]).
    ///
    /// # Errors
    /// When there is no data folder, or see [`Store::open`].
    pub fn open_default() -> Result<Self> {
        Self::open(&crate::paths::database_path()?)
    }

    /// Opens (creating if needed, with its folder) the database at `path`, in WAL mode, and
    /// migrates its schema to [`SCHEMA_VERSION`].
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
        let conn = Connection::open(path).at(path, "cannot open the file")?;
        conn.busy_timeout(std::time::Duration::from_secs(5)).at(path, "setting the busy timeout")?;
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
