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
//! newer ones refused): see [`SCHEMA_V1`], and [`SCHEMA_V2`] which adds the `key_frames` table.
//!
//! Key frames (one annotated JPEG of a session's worst rep) are stored only when the user allows
//! them (`formcheck analyze ... --save --key-frames`); otherwise the store holds numbers only.

use crate::form::{Cue, CuePriority, Exercise, ExerciseReport, HoldRecord, RepRecord};
use crate::pacing::{PainKind, PainRating, RedFlag, SessionPain};
use crate::pipeline::analyze::Analysis;
use crate::prescription::Prescription;
use anyhow::{Context, Result, anyhow, bail};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use std::cell::Cell;
use std::path::{Path, PathBuf};

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = 2;

/// The tables of version 1. Times named `*_at` are unix seconds (UTC); times named `*_s` are
/// seconds of the session's media time (the clip's or the camera's timestamps).
pub const SCHEMA_V1: &str = r"
CREATE TABLE sessions (
    id                INTEGER PRIMARY KEY,
    started_at        INTEGER NOT NULL,
    ended_at          INTEGER,
    source_kind       TEXT NOT NULL CHECK (source_kind IN ('camera', 'clip', 'demo')),
    clip_path         TEXT,
    prescription_toml TEXT
);
CREATE TABLE sets (
    id             INTEGER PRIMARY KEY,
    session_id     INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    set_number     INTEGER NOT NULL,
    exercise       TEXT NOT NULL,
    target_reps    INTEGER,
    target_hold_s  REAL,
    variant        TEXT,
    started_at     INTEGER NOT NULL,
    ended_at       INTEGER,
    not_in_view_s  REAL,
    UNIQUE (session_id, set_number)
);
CREATE TABLE reps (
    id            INTEGER PRIMARY KEY,
    set_id        INTEGER NOT NULL REFERENCES sets(id) ON DELETE CASCADE,
    rep_index     INTEGER NOT NULL,
    side          TEXT,
    start_s       REAL NOT NULL,
    end_s         REAL NOT NULL,
    faults        TEXT NOT NULL,
    measurements  TEXT NOT NULL,
    recorded_at   INTEGER NOT NULL,
    UNIQUE (set_id, rep_index)
);
CREATE TABLE holds (
    id               INTEGER PRIMARY KEY,
    set_id           INTEGER NOT NULL REFERENCES sets(id) ON DELETE CASCADE,
    hold_index       INTEGER NOT NULL,
    side             TEXT,
    variant          TEXT NOT NULL,
    start_s          REAL NOT NULL,
    end_s            REAL NOT NULL,
    seconds_in_form  REAL NOT NULL,
    faults           TEXT NOT NULL,
    measurements     TEXT NOT NULL,
    recorded_at      INTEGER NOT NULL,
    UNIQUE (set_id, hold_index)
);
CREATE TABLE faults (
    id          INTEGER PRIMARY KEY,
    set_id      INTEGER NOT NULL REFERENCES sets(id) ON DELETE CASCADE,
    rep_id      INTEGER REFERENCES reps(id) ON DELETE CASCADE,
    hold_id     INTEGER REFERENCES holds(id) ON DELETE CASCADE,
    fault       TEXT NOT NULL,
    t_s         REAL NOT NULL,
    duration_s  REAL
);
CREATE TABLE cues (
    id        INTEGER PRIMARY KEY,
    set_id    INTEGER NOT NULL REFERENCES sets(id) ON DELETE CASCADE,
    t_s       REAL NOT NULL,
    cue_id    TEXT NOT NULL,
    text      TEXT NOT NULL,
    priority  TEXT NOT NULL
);
CREATE TABLE pain (
    id           INTEGER PRIMARY KEY,
    session_id   INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    set_id       INTEGER REFERENCES sets(id) ON DELETE SET NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('before', 'after', 'next_day')),
    score        INTEGER NOT NULL CHECK (score BETWEEN 0 AND 10),
    red_flags    TEXT NOT NULL DEFAULT '[]',
    recorded_at  INTEGER NOT NULL
);
CREATE INDEX sets_session ON sets(session_id);
CREATE INDEX reps_set ON reps(set_id);
CREATE INDEX holds_set ON holds(set_id);
CREATE INDEX faults_set ON faults(set_id);
CREATE INDEX cues_set ON cues(set_id);
CREATE INDEX pain_session ON pain(session_id);
";

/// Version 2 adds the key frames: a JPEG of a rep's worst moment with the overlay drawn on it,
/// kept only when the user allowed key frames. Deleted with its session.
pub const SCHEMA_V2: &str = r"
CREATE TABLE key_frames (
    id          INTEGER PRIMARY KEY,
    session_id  INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    rep_index   INTEGER NOT NULL,
    t_s         REAL NOT NULL,
    jpeg        BLOB NOT NULL,
    caption     TEXT NOT NULL,
    UNIQUE (session_id, rep_index)
);
CREATE INDEX key_frames_session ON key_frames(session_id);
";

/// A key frame: one picture of a rep with the overlay drawn on it (see [`crate::keyframe`]).
///
/// In JSON (e.g. [`Store::export_all`]) the JPEG is written as base64 (`jpeg_base64`), so an
/// export holds everything the store holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyFrame {
    /// The rep (its index in its set; the session's first hinge set).
    pub rep_index: u32,
    /// Media time of the frame (s).
    pub t_s: f64,
    /// The picture, JPEG.
    #[serde(rename = "jpeg_base64", serialize_with = "ser_base64", deserialize_with = "de_base64")]
    pub jpeg: Vec<u8>,
    /// What it shows: rep, time, faults, thoracic gap.
    pub caption: String,
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding (RFC 4648).
#[must_use]
pub fn base64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let n =
            (u32::from(c[0]) << 16) | (u32::from(*c.get(1).unwrap_or(&0)) << 8) | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes [`base64`]'s output (None when it is not base64).
#[must_use]
pub fn from_base64(text: &str) -> Option<Vec<u8>> {
    let t = text.trim_end_matches('=').as_bytes();
    let mut out = Vec::with_capacity(t.len() * 3 / 4);
    let (mut acc, mut bits) = (0_u32, 0);
    for &b in t {
        let v = B64.iter().position(|&x| x == b)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

fn ser_base64<S: serde::Serializer>(v: &[u8], s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&base64(v))
}

fn de_base64<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Vec<u8>, D::Error> {
    let text = String::deserialize(d)?;
    from_base64(&text).ok_or_else(|| serde::de::Error::custom("jpeg_base64 is not base64"))
}

/// A next-day check-in is asked this long after a session ended (s)...
pub const CHECKIN_AFTER_S: i64 = 12 * 3600;
/// ...and no longer after this (s): older sessions are no longer "the day before".
pub const CHECKIN_WITHIN_S: i64 = 72 * 3600;

/// Where a session's frames came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// A live camera.
    Camera,
    /// A recorded clip (see [`SessionSummary::clip_path`]).
    Clip,
    /// The built-in demo.
    Demo,
}

impl SourceKind {
    pub fn name(self) -> &'static str {
        match self {
            SourceKind::Camera => "camera",
            SourceKind::Clip => "clip",
            SourceKind::Demo => "demo",
        }
    }
    fn parse(s: &str) -> Result<Self> {
        match s {
            "camera" => Ok(SourceKind::Camera),
            "clip" => Ok(SourceKind::Clip),
            "demo" => Ok(SourceKind::Demo),
            _ => bail!("unknown source kind {s:?} in the store"),
        }
    }
}

/// A session in a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionSummary {
    /// Its id.
    pub id: i64,
    /// Unix time (s, UTC).
    pub started_at: i64,
    /// Unix time (s, UTC); None while running (or when the app was killed).
    pub ended_at: Option<i64>,
    /// Camera, clip or demo.
    pub source_kind: SourceKind,
    /// The clip, for clip sessions.
    pub clip_path: Option<String>,
    /// Exercises done, in set order, without repeats.
    pub exercises: Vec<Exercise>,
    /// Sets, reps and holds recorded.
    pub sets: u32,
    /// Reps recorded.
    pub reps: u32,
    /// Holds recorded.
    pub holds: u32,
}

/// One set with everything recorded in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetRecord {
    /// Its id.
    pub id: i64,
    /// 1-based within the session.
    pub set_number: u32,
    /// The exercise.
    pub exercise: Exercise,
    /// Prescribed reps (per side for the bird dog), from the session's prescription.
    pub target_reps: Option<u32>,
    /// Prescribed hold per side (s).
    pub target_hold_s: Option<f64>,
    /// Prescribed side-plank variant.
    pub variant: Option<String>,
    /// Unix time (s).
    pub started_at: i64,
    /// Unix time (s); None if the set never ended (app killed).
    pub ended_at: Option<i64>,
    /// Seconds the body was out of view.
    pub not_in_view_s: Option<f64>,
    /// Reps, in order.
    pub reps: Vec<RepRecord>,
    /// Holds, in order.
    pub holds: Vec<HoldRecord>,
    /// Cues, in order.
    pub cues: Vec<Cue>,
}

/// A session with everything.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionRecord {
    /// The summary.
    #[serde(flatten)]
    pub summary: SessionSummary,
    /// The prescription in force (snapshot).
    pub prescription: Option<Prescription>,
    /// The sets.
    pub set_records: Vec<SetRecord>,
    /// Pain ratings about this session (before, after sets, next day).
    pub pain: Vec<PainRating>,
    /// Key frames (only when the user allowed them), by rep.
    #[serde(default)]
    pub key_frames: Vec<KeyFrame>,
}

impl SessionRecord {
    /// The sets of one exercise.
    pub fn sets_of(&self, e: Exercise) -> impl Iterator<Item = &SetRecord> {
        self.set_records.iter().filter(move |s| s.exercise == e)
    }
}

/// The store. One connection; not shared between threads (open one per thread if needed: WAL lets
/// readers and one writer work at once).
pub struct Store {
    conn: Connection,
    path: PathBuf,
    now_override: Cell<Option<i64>>,
}

/// The data folder: `FORMCHECK_DATA` if set, else `$XDG_DATA_HOME/formcheck`, else
/// `~/.local/share/formcheck`.
///
/// # Errors
/// When none of those variables is set.
pub fn data_dir() -> Result<PathBuf> {
    if let Some(d) = std::env::var_os("FORMCHECK_DATA").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(d));
    }
    if let Some(d) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(d).join("formcheck"));
    }
    let home = std::env::var_os("HOME").filter(|d| !d.is_empty()).ok_or_else(|| {
        anyhow!("no data folder: set FORMCHECK_DATA (or XDG_DATA_HOME or HOME) to where formcheck keeps its sessions")
    })?;
    Ok(PathBuf::from(home).join(".local/share/formcheck"))
}

/// The database file in [`data_dir`].
///
/// # Errors
/// See [`data_dir`].
pub fn default_path() -> Result<PathBuf> {
    Ok(data_dir()?.join("formcheck.db"))
}

/// Unix seconds now.
#[must_use]
pub fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// "2026-05-04 14:03 UTC".
#[must_use]
pub fn format_time(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02} UTC", secs / 3600, secs % 3600 / 60)
}

fn to_json<T: Serialize>(v: &T) -> Result<String> {
    Ok(serde_json::to_string(v)?)
}

fn enum_name<T: Serialize>(v: &T) -> Result<String> {
    match serde_json::to_value(v)? {
        serde_json::Value::String(s) => Ok(s),
        other => Ok(other.to_string()),
    }
}

fn from_name<T: for<'de> Deserialize<'de>>(s: &str) -> Result<T> {
    Ok(serde_json::from_value(serde_json::Value::String(s.to_string()))?)
}

impl Store {
    /// Opens (creating if needed) the database at [`default_path`].
    ///
    /// # Errors
    /// See [`Store::open`].
    pub fn open_default() -> Result<Self> {
        Self::open(&default_path()?)
    }

    /// Opens (creating if needed, with its folder) the database at `path`, in WAL mode, and
    /// migrates its schema to [`SCHEMA_VERSION`].
    ///
    /// # Errors
    /// When the file cannot be opened, is not a formcheck database, or is from a newer formcheck.
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create the data folder {}", dir.display()))?;
        }
        let conn = Connection::open(path).with_context(|| format!("cannot open the store {}", path.display()))?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            bail!("{}: the store needs WAL journaling, got {mode}", path.display());
        }
        conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;")?;
        let store = Self { conn, path: path.to_path_buf(), now_override: Cell::new(None) };
        store.migrate().with_context(|| format!("store {}", path.display()))?;
        Ok(store)
    }

    fn migrate(&self) -> Result<()> {
        let version: i64 = self.conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            bail!("the store is from a newer formcheck (schema {version}, this one knows {SCHEMA_VERSION})");
        }
        if version < 1 {
            let tx = self.conn.unchecked_transaction()?;
            tx.execute_batch(SCHEMA_V1)?;
            tx.execute_batch("PRAGMA user_version = 1")?;
            tx.commit()?;
        }
        if version < 2 {
            let tx = self.conn.unchecked_transaction()?;
            tx.execute_batch(SCHEMA_V2)?;
            tx.execute_batch("PRAGMA user_version = 2")?;
            tx.commit()?;
        }
        // Future versions: `if version < 3 { ... }`, each in its own transaction.
        Ok(())
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
        Ok(self.conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    /// `PRAGMA integrity_check`: "ok" when the file is sound.
    ///
    /// # Errors
    /// On a database error.
    pub fn integrity_check(&self) -> Result<String> {
        let mut st = self.conn.prepare("PRAGMA integrity_check")?;
        let rows: Vec<String> = st.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        Ok(rows.join("\n"))
    }

    /// Pins the clock (unix s) used for new records; None = the system clock. For tests and imports.
    pub fn set_now(&self, now: Option<i64>) {
        self.now_override.set(now);
    }

    /// The store's clock.
    #[must_use]
    pub fn now(&self) -> i64 {
        self.now_override.get().unwrap_or_else(unix_now)
    }

    /// Starts a session; `prescription` is snapshotted (as TOML) so later edits do not rewrite
    /// history.
    ///
    /// # Errors
    /// On a database error.
    pub fn begin_session(
        &self,
        source: SourceKind,
        clip_path: Option<&Path>,
        prescription: Option<&Prescription>,
    ) -> Result<i64> {
        self.conn.execute(
            "INSERT INTO sessions (started_at, source_kind, clip_path, prescription_toml) VALUES (?1, ?2, ?3, ?4)",
            params![
                self.now(),
                source.name(),
                clip_path.map(|p| p.display().to_string()),
                prescription.map(Prescription::to_toml)
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Starts the next set of `exercise` in the session; its targets come from the session's
    /// prescription.
    ///
    /// # Errors
    /// When the session does not exist, or on a database error.
    pub fn begin_set(&self, session_id: i64, exercise: Exercise) -> Result<i64> {
        let tx = self.conn.unchecked_transaction()?;
        let snapshot: Option<Option<String>> = tx
            .query_row("SELECT prescription_toml FROM sessions WHERE id = ?1", [session_id], |r| r.get(0))
            .optional()?;
        let Some(snapshot) = snapshot else { bail!("no session {session_id}") };
        let plan = snapshot.and_then(|t| Prescription::from_toml(&t).ok());
        let ex = plan.as_ref().and_then(|p| p.plan_for(exercise));
        let number: i64 = tx.query_row(
            "SELECT COALESCE(MAX(set_number), 0) + 1 FROM sets WHERE session_id = ?1",
            [session_id],
            |r| r.get(0),
        )?;
        tx.execute(
            "INSERT INTO sets (session_id, set_number, exercise, target_reps, target_hold_s, variant, started_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                session_id,
                number,
                exercise.name(),
                ex.and_then(|e| e.reps),
                ex.and_then(|e| e.hold_s),
                ex.and_then(|e| e.variant).map(|v| v.name()),
                self.now()
            ],
        )?;
        let id = tx.last_insert_rowid();
        tx.commit()?;
        Ok(id)
    }

    /// Records a completed rep and its faults, in one transaction: when this returns, the rep is
    /// on disk.
    ///
    /// # Errors
    /// When the set does not exist, the rep number is already recorded, or on a database error.
    pub fn record_rep(&self, set_id: i64, rep: &RepRecord) -> Result<i64> {
        let tx = self.conn.unchecked_transaction()?;
        tx.execute(
            "INSERT INTO reps (set_id, rep_index, side, start_s, end_s, faults, measurements, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                set_id,
                rep.index,
                rep.side.map(|s| s.name()),
                rep.start_s,
                rep.end_s,
                to_json(&rep.faults)?,
                to_json(rep)?,
                self.now()
            ],
        )
        .with_context(|| format!("recording rep {} of set {set_id}", rep.index))?;
        let rep_id = tx.last_insert_rowid();
        let t = rep.hinge.as_ref().map_or(rep.start_s, |h| h.bottom_s);
        for f in &rep.faults {
            tx.execute(
                "INSERT INTO faults (set_id, rep_id, fault, t_s, duration_s) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![set_id, rep_id, f.id(), t, rep.fault_durations.get(f)],
            )?;
        }
        tx.commit()?;
        Ok(rep_id)
    }

    /// Records a completed hold and its faults, in one transaction.
    ///
    /// # Errors
    /// As [`Store::record_rep`].
    pub fn record_hold(&self, set_id: i64, hold: &HoldRecord) -> Result<i64> {
        let tx = self.conn.unchecked_transaction()?;
        tx.execute(
            "INSERT INTO holds (set_id, hold_index, side, variant, start_s, end_s, seconds_in_form, faults, measurements, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                set_id,
                hold.index,
                hold.side.map(|s| s.name()),
                hold.variant,
                hold.start_s,
                hold.end_s,
                hold.seconds_in_form,
                to_json(&hold.faults)?,
                to_json(hold)?,
                self.now()
            ],
        )
        .with_context(|| format!("recording hold {} of set {set_id}", hold.index))?;
        let hold_id = tx.last_insert_rowid();
        for f in &hold.faults {
            tx.execute(
                "INSERT INTO faults (set_id, hold_id, fault, t_s, duration_s) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![set_id, hold_id, f.id(), hold.start_s, hold.fault_durations.get(f)],
            )?;
        }
        tx.commit()?;
        Ok(hold_id)
    }

    /// Records a cue that was spoken.
    ///
    /// # Errors
    /// On a database error.
    pub fn record_cue(&self, set_id: i64, cue: &Cue) -> Result<()> {
        self.conn.execute(
            "INSERT INTO cues (set_id, t_s, cue_id, text, priority) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![set_id, cue.t, cue.id, cue.text, enum_name(&cue.priority)?],
        )?;
        Ok(())
    }

    /// Ends a set.
    ///
    /// # Errors
    /// When the set does not exist, or on a database error.
    pub fn end_set(&self, set_id: i64, not_in_view_s: f64) -> Result<()> {
        let n = self.conn.execute(
            "UPDATE sets SET ended_at = ?1, not_in_view_s = ?2 WHERE id = ?3",
            params![self.now(), not_in_view_s, set_id],
        )?;
        if n == 0 {
            bail!("no set {set_id}");
        }
        Ok(())
    }

    /// Ends a session.
    ///
    /// # Errors
    /// When the session does not exist, or on a database error.
    pub fn end_session(&self, session_id: i64) -> Result<()> {
        let n =
            self.conn.execute("UPDATE sessions SET ended_at = ?1 WHERE id = ?2", params![self.now(), session_id])?;
        if n == 0 {
            bail!("no session {session_id}");
        }
        Ok(())
    }

    /// Records a pain rating (0..=10) about a session: before it, after a set (`set_id`) or the
    /// session, or the next-day check-in (recorded against the session it refers to).
    ///
    /// # Errors
    /// When the score is above 10, the session does not exist, or on a database error.
    pub fn record_pain(
        &self,
        session_id: i64,
        kind: PainKind,
        score: u8,
        set_id: Option<i64>,
        red_flags: &[RedFlag],
    ) -> Result<i64> {
        if score > 10 {
            bail!("pain is rated 0 to 10, not {score}");
        }
        self.conn
            .execute(
                "INSERT INTO pain (session_id, set_id, kind, score, red_flags, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![session_id, set_id, kind.name(), score, to_json(&red_flags)?, self.now()],
            )
            .with_context(|| format!("recording pain for session {session_id}"))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Sessions awaiting their next-day check-in at `now`: ended between [`CHECKIN_AFTER_S`] and
    /// [`CHECKIN_WITHIN_S`] ago, with at least one set, and no next-day rating yet; newest first.
    ///
    /// # Errors
    /// On a database error.
    pub fn pending_checkins(&self, now: i64) -> Result<Vec<SessionSummary>> {
        let ids: Vec<i64> = {
            let mut st = self.conn.prepare(
                "SELECT s.id FROM sessions s
                 WHERE s.ended_at IS NOT NULL AND s.ended_at <= ?1 AND s.ended_at >= ?2
                   AND EXISTS (SELECT 1 FROM sets WHERE session_id = s.id)
                   AND NOT EXISTS (SELECT 1 FROM pain WHERE session_id = s.id AND kind = 'next_day')
                 ORDER BY s.ended_at DESC, s.id DESC",
            )?;
            st.query_map(params![now - CHECKIN_AFTER_S, now - CHECKIN_WITHIN_S], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?
        };
        ids.into_iter().map(|id| self.summary(id)).collect()
    }

    /// The most recent session awaiting its next-day check-in now, if any.
    ///
    /// # Errors
    /// On a database error.
    pub fn pending_checkin(&self) -> Result<Option<SessionSummary>> {
        Ok(self.pending_checkins(self.now())?.into_iter().next())
    }

    /// Every session, newest first.
    ///
    /// # Errors
    /// On a database error.
    pub fn list_sessions(&self) -> Result<Vec<SessionSummary>> {
        let ids: Vec<i64> = {
            let mut st = self.conn.prepare("SELECT id FROM sessions ORDER BY started_at DESC, id DESC")?;
            st.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?
        };
        ids.into_iter().map(|id| self.summary(id)).collect()
    }

    /// The newest session's id.
    ///
    /// # Errors
    /// On a database error.
    pub fn last_session_id(&self) -> Result<Option<i64>> {
        Ok(self
            .conn
            .query_row("SELECT id FROM sessions ORDER BY started_at DESC, id DESC LIMIT 1", [], |r| r.get(0))
            .optional()?)
    }

    fn summary(&self, id: i64) -> Result<SessionSummary> {
        let row = self
            .conn
            .query_row(
                "SELECT started_at, ended_at, source_kind, clip_path,
                        (SELECT COUNT(*) FROM sets WHERE session_id = s.id),
                        (SELECT COUNT(*) FROM reps r JOIN sets t ON r.set_id = t.id WHERE t.session_id = s.id),
                        (SELECT COUNT(*) FROM holds h JOIN sets t ON h.set_id = t.id WHERE t.session_id = s.id)
                 FROM sessions s WHERE id = ?1",
                [id],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, Option<i64>>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, Option<String>>(3)?,
                        r.get::<_, u32>(4)?,
                        r.get::<_, u32>(5)?,
                        r.get::<_, u32>(6)?,
                    ))
                },
            )
            .optional()?;
        let Some((started_at, ended_at, kind, clip_path, sets, reps, holds)) = row else { bail!("no session {id}") };
        let mut exercises = Vec::new();
        let mut st = self.conn.prepare("SELECT exercise FROM sets WHERE session_id = ?1 ORDER BY set_number")?;
        for name in st.query_map([id], |r| r.get::<_, String>(0))? {
            let e: Exercise = name?.parse().map_err(|e| anyhow!("{e}"))?;
            if !exercises.contains(&e) {
                exercises.push(e);
            }
        }
        Ok(SessionSummary {
            id,
            started_at,
            ended_at,
            source_kind: SourceKind::parse(&kind)?,
            clip_path,
            exercises,
            sets,
            reps,
            holds,
        })
    }

    /// A session with its sets, reps, holds, cues, pain ratings and prescription snapshot.
    ///
    /// # Errors
    /// When there is no such session, or a stored record does not read back.
    pub fn load_session(&self, id: i64) -> Result<SessionRecord> {
        let summary = self.summary(id)?;
        let snapshot: Option<String> =
            self.conn.query_row("SELECT prescription_toml FROM sessions WHERE id = ?1", [id], |r| r.get(0))?;
        let prescription = snapshot
            .map(|t| Prescription::from_toml(&t).map_err(|e| anyhow!("session {id}'s prescription: {e}")))
            .transpose()?;
        let mut set_records = Vec::new();
        {
            let mut st = self.conn.prepare(
                "SELECT id, set_number, exercise, target_reps, target_hold_s, variant, started_at, ended_at, not_in_view_s
                 FROM sets WHERE session_id = ?1 ORDER BY set_number",
            )?;
            let rows = st.query_map([id], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, u32>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<u32>>(3)?,
                    r.get::<_, Option<f64>>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, i64>(6)?,
                    r.get::<_, Option<i64>>(7)?,
                    r.get::<_, Option<f64>>(8)?,
                ))
            })?;
            for row in rows {
                let (sid, set_number, ex, target_reps, target_hold_s, variant, started_at, ended_at, not_in_view_s) =
                    row?;
                set_records.push(SetRecord {
                    id: sid,
                    set_number,
                    exercise: ex.parse().map_err(|e| anyhow!("{e}"))?,
                    target_reps,
                    target_hold_s,
                    variant,
                    started_at,
                    ended_at,
                    not_in_view_s,
                    reps: vec![],
                    holds: vec![],
                    cues: vec![],
                });
            }
        }
        for set in &mut set_records {
            let mut st = self.conn.prepare("SELECT measurements FROM reps WHERE set_id = ?1 ORDER BY rep_index")?;
            for m in st.query_map([set.id], |r| r.get::<_, String>(0))? {
                set.reps.push(serde_json::from_str(&m?).context("a stored rep does not read back")?);
            }
            let mut st = self.conn.prepare("SELECT measurements FROM holds WHERE set_id = ?1 ORDER BY hold_index")?;
            for m in st.query_map([set.id], |r| r.get::<_, String>(0))? {
                set.holds.push(serde_json::from_str(&m?).context("a stored hold does not read back")?);
            }
            let mut st =
                self.conn.prepare("SELECT t_s, cue_id, text, priority FROM cues WHERE set_id = ?1 ORDER BY id")?;
            let rows = st.query_map([set.id], |r| {
                Ok((r.get::<_, f64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?))
            })?;
            for row in rows {
                let (t, cue_id, text, priority) = row?;
                set.cues.push(Cue { t, id: cue_id, text, priority: from_name::<CuePriority>(&priority)? });
            }
        }
        let pain = self.pain_of(id)?;
        let key_frames = self.key_frames(id)?;
        Ok(SessionRecord { summary, prescription, set_records, pain, key_frames })
    }

    fn pain_of(&self, session_id: i64) -> Result<Vec<PainRating>> {
        let mut st = self.conn.prepare(
            "SELECT kind, score, set_id, recorded_at, red_flags FROM pain WHERE session_id = ?1 ORDER BY recorded_at, id",
        )?;
        let rows = st.query_map([session_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, u8>(1)?,
                r.get::<_, Option<i64>>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (kind, score, set_id, recorded_at, flags) = row?;
            out.push(PainRating {
                kind: PainKind::parse(&kind).ok_or_else(|| anyhow!("unknown pain kind {kind:?}"))?,
                score,
                set_id,
                recorded_at,
                red_flags: serde_json::from_str(&flags)?,
            });
        }
        Ok(out)
    }

    /// Every session's pain ratings and prescription, oldest first: the input of
    /// [`crate::pacing::suggest`].
    ///
    /// # Errors
    /// On a database error.
    pub fn pain_history(&self) -> Result<Vec<SessionPain>> {
        let rows: Vec<(i64, i64, Option<String>)> = {
            let mut st =
                self.conn.prepare("SELECT id, started_at, prescription_toml FROM sessions ORDER BY started_at, id")?;
            st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?
        };
        rows.into_iter()
            .map(|(id, started_at, toml)| {
                Ok(SessionPain {
                    session_id: id,
                    started_at,
                    prescription: toml.and_then(|t| Prescription::from_toml(&t).ok()),
                    ratings: self.pain_of(id)?,
                })
            })
            .collect()
    }

    /// Stores a key frame of a session's rep (replacing one of the same rep).
    ///
    /// # Errors
    /// When the session does not exist, or on a database error.
    pub fn save_key_frame(&self, session_id: i64, k: &KeyFrame) -> Result<i64> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO key_frames (session_id, rep_index, t_s, jpeg, caption) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![session_id, k.rep_index, k.t_s, k.jpeg, k.caption],
            )
            .with_context(|| format!("storing the key frame of session {session_id}"))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// A session's key frames, by rep.
    ///
    /// # Errors
    /// On a database error.
    pub fn key_frames(&self, session_id: i64) -> Result<Vec<KeyFrame>> {
        let mut st = self.conn.prepare(
            "SELECT rep_index, t_s, jpeg, caption FROM key_frames WHERE session_id = ?1 ORDER BY rep_index, id",
        )?;
        let rows = st.query_map([session_id], |r| {
            Ok(KeyFrame { rep_index: r.get(0)?, t_s: r.get(1)?, jpeg: r.get(2)?, caption: r.get(3)? })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Everything, as JSON: `{ "schema_version", "exported_at", "sessions": [SessionRecord...] }`.
    /// Key frames are included with their JPEG as base64 (`key_frames[].jpeg_base64`): the export
    /// holds everything the store holds.
    ///
    /// # Errors
    /// As [`Store::load_session`].
    pub fn export_all(&self) -> Result<serde_json::Value> {
        let mut ids: Vec<i64> = self.list_sessions()?.into_iter().map(|s| s.id).collect();
        ids.reverse();
        let sessions = ids.into_iter().map(|id| self.load_session(id)).collect::<Result<Vec<_>>>()?;
        Ok(serde_json::json!({
            "schema_version": SCHEMA_VERSION,
            "exported_at": self.now(),
            "sessions": sessions,
        }))
    }

    /// Deletes every session, pain rating and key frame, and shrinks the file so nothing is left on disk
    /// (`secure_delete` overwrites the freed pages, the WAL is truncated).
    ///
    /// # Errors
    /// On a database error.
    pub fn delete_all(&self) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        tx.execute_batch(
            "DELETE FROM key_frames; DELETE FROM cues; DELETE FROM faults; DELETE FROM reps; DELETE FROM holds;
             DELETE FROM pain; DELETE FROM sets; DELETE FROM sessions;",
        )?;
        tx.commit()?;
        self.conn.execute_batch("VACUUM;")?;
        self.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// Stores an exercise report (e.g. of a recorded clip) as a finished session with one set.
    /// `prescription` is snapshotted; the set's targets come from it.
    ///
    /// # Errors
    /// When the report names no known exercise, or on a database error.
    pub fn save_report(
        &self,
        report: &ExerciseReport,
        clip: &Path,
        prescription: Option<&Prescription>,
    ) -> Result<i64> {
        let exercise: Exercise = report.name.parse().map_err(|e| anyhow!("{e}"))?;
        let session = self.begin_session(SourceKind::Clip, Some(clip), prescription)?;
        let set = self.begin_set(session, exercise)?;
        for rep in &report.reps {
            self.record_rep(set, rep)?;
        }
        for hold in &report.holds {
            self.record_hold(set, hold)?;
        }
        for cue in &report.cues {
            self.record_cue(set, cue)?;
        }
        self.end_set(set, report.not_in_view_s)?;
        self.end_session(session)?;
        Ok(session)
    }

    /// Stores the exercise verdict of an analysis as a finished session whose source is `clip`.
    ///
    /// # Errors
    /// When the analysis checked no exercise, or as [`Store::save_report`].
    pub fn save_analysis(&self, analysis: &Analysis, clip: &Path, prescription: Option<&Prescription>) -> Result<i64> {
        let result = analysis
            .exercise
            .as_ref()
            .ok_or_else(|| anyhow!("the analysis checked no exercise: nothing to save (add --exercise)"))?;
        self.save_report(&result.report, clip, prescription)
    }
}
