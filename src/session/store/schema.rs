//! The schema: [`SCHEMA_VERSION`] in `PRAGMA user_version`, and the tables each version adds.

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = 4;

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

/// Version 3 adds the attempts: movements that started and were not reps (short of the rep's
/// range, or unfinished when the person left or the recording ended). Not counted, kept so the
/// report can show them. `measurements` is the attempt as JSON.
pub const SCHEMA_V3: &str = r"
CREATE TABLE attempts (
    id             INTEGER PRIMARY KEY,
    set_id         INTEGER NOT NULL REFERENCES sets(id) ON DELETE CASCADE,
    attempt_index  INTEGER NOT NULL,
    side           TEXT,
    start_s        REAL NOT NULL,
    end_s          REAL NOT NULL,
    reason         TEXT NOT NULL,
    measurements   TEXT NOT NULL,
    recorded_at    INTEGER NOT NULL,
    UNIQUE (set_id, attempt_index)
);
CREATE INDEX attempts_set ON attempts(set_id);
";

/// Version 4 adds the patients, and what a session records beyond its numbers.
///
/// - `patients`: one row per person whose sessions are kept. The row with `is_default = 1` (id 1,
///   named `default`) is the implicit patient of the single-user home flow: every session from
///   before version 4 is filed under it, and a session begun without a patient goes to it. Names
///   are unique without regard to ASCII case and stored as given. `prescription_toml` is the
///   patient's plan in force (None: the usual plan), see `Store::patient_plan`.
/// - `sessions` is rebuilt (SQLite cannot change a CHECK in place; the rebuild keeps every row and
///   id) with: `patient_id` (required); the source kind `call` (a window or screen region of a
///   video call, with `capture`, e.g. `window:Zoom Meeting`); `mirrored` (whether the picture was
///   declared mirrored, None for older sessions); `keep_key_frames` (whether pictures could be
///   kept: for older sessions, whether one was); the therapist's `notes`; and the consent
///   (`consent_statement`, `consent_by`, `consent_at`, `consent_source`), which a `call` session
///   cannot be stored without.
pub const SCHEMA_V4: &str = r"
CREATE TABLE patients (
    id                 INTEGER PRIMARY KEY,
    name               TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(trim(name)) > 0),
    is_default         INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    created_at         INTEGER NOT NULL,
    prescription_toml  TEXT
);
CREATE UNIQUE INDEX patients_one_default ON patients(is_default) WHERE is_default = 1;
INSERT INTO patients (id, name, is_default, created_at)
    VALUES (1, 'default', 1, COALESCE((SELECT MIN(started_at) FROM sessions), CAST(strftime('%s', 'now') AS INTEGER)));
CREATE TABLE sessions_v4 (
    id                 INTEGER PRIMARY KEY,
    patient_id         INTEGER NOT NULL REFERENCES patients(id),
    started_at         INTEGER NOT NULL,
    ended_at           INTEGER,
    source_kind        TEXT NOT NULL CHECK (source_kind IN ('camera', 'clip', 'demo', 'call')),
    clip_path          TEXT,
    prescription_toml  TEXT,
    capture            TEXT,
    mirrored           INTEGER CHECK (mirrored IN (0, 1)),
    keep_key_frames    INTEGER NOT NULL DEFAULT 0 CHECK (keep_key_frames IN (0, 1)),
    notes              TEXT,
    consent_statement  TEXT,
    consent_by         TEXT,
    consent_at         INTEGER,
    consent_source     TEXT,
    CHECK ((consent_at IS NULL) = (consent_statement IS NULL)),
    CHECK (source_kind <> 'call' OR consent_at IS NOT NULL)
);
INSERT INTO sessions_v4 (id, patient_id, started_at, ended_at, source_kind, clip_path, prescription_toml, keep_key_frames)
    SELECT s.id, 1, s.started_at, s.ended_at, s.source_kind, s.clip_path, s.prescription_toml,
           EXISTS (SELECT 1 FROM key_frames k WHERE k.session_id = s.id)
    FROM sessions s;
DROP TABLE sessions;
ALTER TABLE sessions_v4 RENAME TO sessions;
CREATE INDEX sessions_patient ON sessions(patient_id, started_at);
";

/// Migrates the open file at `path` to [`SCHEMA_VERSION`] in one transaction and marks it as
/// formcheck's ([`super::APPLICATION_ID`]); a file from a newer formcheck is refused.
pub(super) fn migrate(conn: &rusqlite::Connection, path: &std::path::Path) -> Result<(), super::StoreError> {
    use super::error::At;
    // Version 4 rebuilds `sessions`: with foreign keys enforced, dropping the old table would
    // delete every set, rep and rating through their cascades, so they are off while migrating
    // (SQLite's documented way to change a table; the pragma is ignored inside a transaction).
    conn.execute_batch("PRAGMA foreign_keys = OFF").at(path, "migrating the schema")?;
    let r = migrate_in_tx(conn, path);
    conn.execute_batch("PRAGMA foreign_keys = ON").at(path, "migrating the schema")?;
    r
}

fn migrate_in_tx(conn: &rusqlite::Connection, path: &std::path::Path) -> Result<(), super::StoreError> {
    use super::error::At;
    // One immediate transaction: two formchecks opening a new store at once do not both create it.
    let what = "migrating the schema";
    conn.execute_batch("BEGIN IMMEDIATE").at(path, what)?;
    let r = (|| {
        let version: i64 =
            conn.query_row("PRAGMA user_version", [], |r| r.get(0)).at(path, "reading the schema version")?;
        if version > SCHEMA_VERSION {
            return Err(super::StoreError::Newer { path: path.to_path_buf(), version, known: SCHEMA_VERSION });
        }
        let steps: [(i64, &str); 4] = [(1, SCHEMA_V1), (2, SCHEMA_V2), (3, SCHEMA_V3), (4, SCHEMA_V4)];
        for (to, sql) in steps {
            if version < to {
                conn.execute_batch(sql).at(path, &format!("migrating to schema {to}"))?;
                conn.execute_batch(&format!("PRAGMA user_version = {to}")).at(path, what)?;
            }
        }
        let app_id: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0)).at(path, what)?;
        if app_id != super::APPLICATION_ID {
            conn.execute_batch(&format!("PRAGMA application_id = {}", super::APPLICATION_ID)).at(path, what)?;
        }
        if version < 4 {
            // Every session kept its rows: the rebuilt table's references all resolve.
            let broken: i64 = conn
                .query_row("SELECT COUNT(*) FROM pragma_foreign_key_check('sets')", [], |r| r.get(0))
                .at(path, what)?;
            if broken > 0 {
                return Err(super::StoreError::record(
                    path,
                    what,
                    format!("{broken} set(s) lost their session; nothing was changed"),
                ));
            }
        }
        conn.execute_batch("COMMIT").at(path, what)
    })();
    if r.is_err() && !conn.is_autocommit() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    r?;
    Ok(())
}
