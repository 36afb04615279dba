//! Patients: a schema-3 store migrates with every session filed under the implicit default
//! patient; two patients' sessions never mix in `sessions`, reports (and their pain trend) or
//! plans; an unknown patient is an error listing the known ones; the home flow (no `--patient`)
//! is unchanged.

use formcheck::form::{ExerciseReport, FaultId, RepRecord};
use formcheck::session::pacing::PainKind;
use formcheck::session::prescription::Prescription;
use formcheck::session::store::{
    DEFAULT_PATIENT_ID, DEFAULT_PATIENT_NAME, MAX_PATIENT_NAME_CHARS, NewSession, SCHEMA_V1, SCHEMA_V2, SCHEMA_V3,
    SCHEMA_VERSION, SourceKind, Store, StoreError, patient_name_problem,
};
use std::path::Path;
use std::process::{Command, Output};

fn rep(index: u32, faults: &[FaultId]) -> RepRecord {
    RepRecord {
        index,
        side: None,
        start_s: f64::from(index) * 5.0,
        end_s: f64::from(index) * 5.0 + 4.0,
        faults: faults.to_vec(),
        fault_durations: Default::default(),
        hinge: None,
        bird_dog: None,
        rom: vec![],
    }
}

fn hinge_report(reps: u32) -> ExerciseReport {
    ExerciseReport {
        name: "hinge".into(),
        reps: (1..=reps).map(|i| rep(i, &[])).collect(),
        holds: vec![],
        attempts: vec![],
        cues: vec![],
        not_in_view_s: 0.0,
    }
}

/// A store written by formcheck's schema 3 (its DDL and rows) migrates to the current schema in
/// one go: every session, set, rep, rating and key frame is kept, with its id, under the default
/// patient; the rebuilt sessions table is still the one the other tables cascade from.
#[test]
fn a_schema_3_store_migrates_under_the_default_patient_and_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v3.db");
    let r1 = rep(1, &[FaultId::RoundedBack]);
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(&format!(
            "{SCHEMA_V1}{SCHEMA_V2}{SCHEMA_V3} PRAGMA user_version = 3; PRAGMA application_id = {};",
            formcheck::session::store::APPLICATION_ID
        ))
        .unwrap();
        let toml = Prescription::default_plan().to_toml();
        conn.execute(
            "INSERT INTO sessions (id, started_at, ended_at, source_kind, clip_path, prescription_toml)
             VALUES (5, 1000, 1600, 'clip', '/clips/a.mp4', ?1), (9, 2000, NULL, 'camera', NULL, NULL)",
            [toml],
        )
        .unwrap();
        conn.execute_batch(
            "INSERT INTO sets (id, session_id, set_number, exercise, started_at, ended_at) VALUES
                 (3, 5, 1, 'hinge', 1000, 1500), (4, 9, 1, 'hinge', 2000, NULL);
             INSERT INTO pain (session_id, kind, score, recorded_at) VALUES (5, 'before', 3, 1000), (9, 'after', 4, 2100);
             INSERT INTO key_frames (session_id, rep_index, t_s, jpeg, caption) VALUES (5, 1, 2.5, x'ffd8ffd9', 'Rep 1');",
        )
        .unwrap();
        conn.execute(
            "INSERT INTO reps (set_id, rep_index, start_s, end_s, faults, measurements, recorded_at) VALUES (3, 1, ?1, ?2, ?3, ?4, 1100)",
            rusqlite::params![
                r1.start_s,
                r1.end_s,
                serde_json::to_string(&r1.faults).unwrap(),
                serde_json::to_string(&r1).unwrap()
            ],
        )
        .unwrap();
        conn.execute("INSERT INTO faults (set_id, rep_id, fault, t_s) VALUES (3, 1, 'rounded_back', 7.0)", []).unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(SCHEMA_VERSION, 4);
    assert_eq!(store.schema_version().unwrap(), 4);
    assert_eq!(store.integrity_check().unwrap(), "ok");
    let patients = store.patients().unwrap();
    assert_eq!(patients.len(), 1, "{patients:?}");
    let p = &patients[0];
    assert_eq!((p.patient.id, p.patient.name.as_str(), p.patient.is_default), (DEFAULT_PATIENT_ID, "default", true));
    assert_eq!((p.sessions, p.last_session_at), (2, Some(2000)));
    assert_eq!(p.patient.created_at, 1000, "the default patient dates from the first session");

    let a = store.load_session(5).unwrap();
    assert_eq!((a.summary.patient_id, a.summary.patient.as_str()), (DEFAULT_PATIENT_ID, DEFAULT_PATIENT_NAME));
    assert_eq!((a.summary.started_at, a.summary.ended_at), (1000, Some(1600)));
    assert_eq!(a.summary.clip_path.as_deref(), Some("/clips/a.mp4"));
    assert_eq!(a.prescription, Some(Prescription::default_plan()));
    assert_eq!(a.set_records[0].reps, vec![r1]);
    assert_eq!(a.pain.len(), 1);
    assert_eq!(a.key_frames.len(), 1);
    assert!(a.keep_key_frames, "a session that kept a key frame had allowed them");
    assert_eq!((a.mirrored, a.notes.as_ref(), a.consent.as_ref()), (None, None, None), "not recorded before 4");
    let b = store.load_session(9).unwrap();
    assert_eq!((b.summary.source_kind, b.summary.ended_at), (SourceKind::Camera, None), "still incomplete");
    assert!(!b.keep_key_frames);
    assert_eq!(b.pain[0].score, 4);
    assert_eq!(store.list_sessions().unwrap().iter().map(|s| s.id).collect::<Vec<_>>(), vec![9, 5]);
    assert_eq!(
        store.list_sessions_of(DEFAULT_PATIENT_ID).unwrap(),
        store.list_sessions().unwrap(),
        "all of them the default patient's"
    );
    drop(store);

    // The other tables still reference the rebuilt sessions table: deleting a session cascades.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();
    let broken: i64 = conn.query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| r.get(0)).unwrap();
    assert_eq!(broken, 0, "every reference resolves");
    conn.execute("DELETE FROM sessions WHERE id = 5", []).unwrap();
    let count = |t: &str| -> i64 { conn.query_row(&format!("SELECT COUNT(*) FROM {t}"), [], |r| r.get(0)).unwrap() };
    assert_eq!((count("sets"), count("reps"), count("faults"), count("key_frames"), count("pain")), (1, 0, 0, 0, 1));
    drop(conn);
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), 4, "opening again does not migrate again");
    assert_eq!(store.patients().unwrap().len(), 1);
}

fn formcheck(data: &Path, args: &[&str]) -> Output {
    Command::new(crate::support::formcheck_bin())
        .env("FORMCHECK_DATA", data)
        .env("TZ", "UTC")
        .args(args)
        .output()
        .expect("formcheck runs")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "failed:\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A saved analysis with a few frames and nobody in them: re-judging it needs no model.
fn empty_analysis(dir: &Path) -> std::path::PathBuf {
    let kp: Vec<serde_json::Value> = (0..17).map(|_| serde_json::json!({ "x": 0.0, "y": 0.0, "score": 0.0 })).collect();
    let frames: Vec<serde_json::Value> = (0..10)
        .map(|i| serde_json::json!({ "index": i, "t": f64::from(i) / 10.0, "present": false, "keypoints": kp, "body3d": null }))
        .collect();
    let path = dir.join("nobody.json");
    let v = serde_json::json!({ "source": { "width": 640, "height": 480, "stills": false }, "frames": frames });
    std::fs::write(&path, v.to_string()).unwrap();
    path
}

fn report_json(data: &Path, args: &[&str]) -> serde_json::Value {
    let out = data.join("r.json");
    let mut all = vec!["report", "--json", out.to_str().unwrap()];
    all.extend_from_slice(args);
    ok(&formcheck(data, &all));
    serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap()
}

/// Two patients and the home flow in one store: each one's sessions, reports, pain trends and
/// plans are their own, through the command line.
#[test]
fn two_patients_never_mix() {
    let data = tempfile::tempdir().unwrap();
    let db = data.path().join("formcheck.db");
    let (ana, ben, home);
    {
        let store = Store::open(&db).unwrap();
        let (a, added) = store.ensure_patient("Ana Ruiz").unwrap();
        assert!(added);
        let (b, _) = store.ensure_patient("Ben O'Neil").unwrap();
        assert_eq!(store.ensure_patient("ana ruiz").unwrap(), (a.clone(), false), "ASCII case is ignored");
        store.set_now(Some(1_800_000_000));
        let save = |patient: Option<i64>, reps: u32, pain: u8| {
            let mut new = NewSession::new(SourceKind::Clip).clip(Path::new("/clips/x.mp4"));
            new.patient_id = patient;
            let id = store.save_report_as(&hinge_report(reps), &new).unwrap();
            store.record_pain(id, PainKind::After, pain, None, &[]).unwrap();
            id
        };
        ana = [save(Some(a.id), 2, 2), save(Some(a.id), 3, 3)];
        store.set_now(Some(1_800_000_100));
        ben = [save(Some(b.id), 5, 7)];
        home = [save(None, 1, 1)];
    }

    // `sessions --patient`: only theirs.
    let ids = |text: &str| -> Vec<i64> {
        text.lines().filter_map(|l| l.split_whitespace().next()?.parse().ok()).collect::<Vec<i64>>()
    };
    let listed = ok(&formcheck(data.path(), &["sessions", "--patient", "Ana Ruiz"]));
    assert_eq!(ids(&listed), vec![ana[1], ana[0]], "{listed}");
    assert!(listed.lines().all(|l| l.contains("patient Ana Ruiz")), "{listed}");
    assert_eq!(ids(&ok(&formcheck(data.path(), &["sessions", "--patient", "ben o'neil"]))), ben.to_vec());
    let all = ok(&formcheck(data.path(), &["sessions"]));
    assert_eq!(ids(&all).len(), 4, "without --patient, every session: {all}");
    let home_line = all.lines().find(|l| ids(l) == home.to_vec()).unwrap();
    assert!(!home_line.contains("patient"), "the home flow's sessions are listed as before: {home_line}");

    // An unknown patient: a clear error naming the known ones, on `sessions` and `report`.
    let x_html = data.path().join("x.html");
    let y_html = data.path().join("y.html");
    for args in [
        &["sessions", "--patient", "Cleo"][..],
        &["report", "--patient", "Cleo", "--out", x_html.to_str().unwrap()][..],
    ] {
        let out = formcheck(data.path(), args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("no patient named \"Cleo\""), "{err}");
        assert!(err.contains("Known patients: default, Ana Ruiz, Ben O'Neil."), "{err}");
        assert!(err.contains(&db.display().to_string()), "names the store: {err}");
    }

    // Reports: the patient's newest by default; pain trend and sessions from that patient only.
    let r = report_json(data.path(), &["--patient", "Ana Ruiz"]);
    assert_eq!(r["session"]["id"], ana[1]);
    assert_eq!(r["about"]["patient"], "Ana Ruiz");
    let trend: Vec<i64> =
        r["pain_trend"].as_array().unwrap().iter().map(|p| p["session_id"].as_i64().unwrap()).collect();
    assert_eq!(trend, ana.to_vec(), "Ana's pain trend is Ana's sessions only");
    let r = report_json(data.path(), &["--patient", "Ben O'Neil"]);
    assert_eq!(r["session"]["id"], ben[0]);
    assert_eq!(r["about"]["patient"], "Ben O'Neil");
    assert_eq!(r["pain_trend"].as_array().unwrap().len(), 1);
    assert_eq!(r["pain_trend"][0]["after"], 7);
    let r = report_json(data.path(), &["--session", &home[0].to_string()]);
    assert_eq!(r["about"]["patient"], serde_json::Value::Null, "the home flow's patient is not named");
    assert_eq!(r["pain_trend"].as_array().unwrap().len(), 1, "nobody else's pain in the home trend");
    // Another patient's session asked for under a patient's name is refused.
    let out = formcheck(
        data.path(),
        &["report", "--patient", "Ana Ruiz", "--session", &ben[0].to_string(), "--out", y_html.to_str().unwrap()],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("is not Ana Ruiz's but Ben O'Neil's"), "{err}");
    assert!(!y_html.exists() && !x_html.exists(), "no report written");

    // Plans: each patient's own, used when a session of theirs is saved; the home flow's is the usual.
    let plan_a = data.path().join("a.toml");
    std::fs::write(&plan_a, "[[exercise]]\nname = \"hinge\"\nsets = 2\nreps = 4\n").unwrap();
    let plan_b = data.path().join("b.toml");
    std::fs::write(&plan_b, "[[exercise]]\nname = \"hinge\"\nsets = 1\nreps = 9\n").unwrap();
    ok(&formcheck(data.path(), &["patients", "--patient", "Ana Ruiz", "--prescription", plan_a.to_str().unwrap()]));
    ok(&formcheck(data.path(), &["--prescription", plan_b.to_str().unwrap(), "patients", "--patient", "Ben O'Neil"]));
    let nobody = empty_analysis(data.path());
    let save = |extra: &[&str]| -> i64 {
        let mut args = vec!["analyze", nobody.to_str().unwrap(), "--exercise", "hinge", "--save"];
        args.extend_from_slice(extra);
        crate::support::saved_session_id(&ok(&formcheck(data.path(), &args)))
    };
    let (sa, sb, sh) = (save(&["--patient", "Ana Ruiz"]), save(&["--patient", "Ben O'Neil"]), save(&[]));
    let store = Store::open(&db).unwrap();
    let reps_of = |id: i64| store.load_session(id).unwrap().prescription.unwrap().exercises[0].reps;
    assert_eq!((reps_of(sa), reps_of(sb)), (Some(4), Some(9)), "each session judged under its patient's plan");
    assert_eq!(store.load_session(sh).unwrap().prescription, Some(Prescription::default_plan()), "home: usual");
    assert_eq!(store.load_session(sa).unwrap().set_records[0].target_reps, Some(4));
    assert_eq!(store.load_session(sh).unwrap().summary.patient_id, DEFAULT_PATIENT_ID);
    // Back to the usual plan.
    ok(&formcheck(data.path(), &["patients", "--patient", "Ana Ruiz", "--usual-plan"]));
    let a = store.find_patient("Ana Ruiz").unwrap().unwrap();
    assert_eq!(store.patient_plan(a.id).unwrap(), None);
    assert_eq!(store.plan_for_patient(a.id).unwrap(), Prescription::default_plan());

    // `formcheck patients`: name, sessions, last session, plan.
    let list = ok(&formcheck(data.path(), &["patients"]));
    let line = |name: &str| list.lines().find(|l| l.starts_with(name)).unwrap_or_else(|| panic!("{name}: {list}"));
    assert!(line("default (home)").split_whitespace().any(|w| w == "2"), "{list}");
    let ana_line = line("Ana Ruiz");
    assert!(ana_line.contains(" 3  ") && ana_line.ends_with("usual"), "{ana_line}");
    let ben_line = line("Ben O'Neil");
    assert!(ben_line.contains(" 2  ") && ben_line.ends_with("their own"), "{ben_line}");
    assert_eq!(list.lines().count(), 4, "a header and three patients: {list}");
}

/// Patient names are checked (not changed): empty, too long, spaces around, line breaks are
/// refused, by the store and by `analyze --save`, which then stores nothing.
#[test]
fn patient_names_are_checked() {
    assert_eq!(patient_name_problem("Ana Ruiz"), None);
    assert_eq!(patient_name_problem("Zoë 李"), None);
    assert_eq!(patient_name_problem(&"x".repeat(MAX_PATIENT_NAME_CHARS)), None);
    for bad in ["", "   ", " Ana", "Ana\nRuiz", "Ana\tR"] {
        assert!(patient_name_problem(bad).is_some(), "{bad:?}");
    }
    assert!(patient_name_problem(&"x".repeat(MAX_PATIENT_NAME_CHARS + 1)).is_some());
    let data = tempfile::tempdir().unwrap();
    let store = Store::open(&data.path().join("formcheck.db")).unwrap();
    let err = store.ensure_patient("").unwrap_err();
    assert!(matches!(err, StoreError::PatientName { .. }), "{err}");
    assert!(err.to_string().contains("is empty"), "{err}");
    assert_eq!(store.patients().unwrap().len(), 1);
    drop(store);

    let nobody = empty_analysis(data.path());
    let out = formcheck(
        data.path(),
        &["analyze", nobody.to_str().unwrap(), "--exercise", "hinge", "--save", "--patient", "Ana\nRuiz"],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("line break"), "{err}");
    let store = Store::open(&data.path().join("formcheck.db")).unwrap();
    assert!(store.list_sessions().unwrap().is_empty(), "nothing stored");
    assert_eq!(store.patients().unwrap().len(), 1, "no patient added");
}

/// The home flow (no `--patient`): the session goes to the default patient, whose plan is the
/// usual one, and the next-day check-in asks only about the home flow's own sessions.
#[test]
fn the_home_flow_keeps_one_implicit_patient() {
    let data = tempfile::tempdir().unwrap();
    let store = Store::open(&data.path().join("formcheck.db")).unwrap();
    let t0 = 1_800_000_000;
    store.set_now(Some(t0));
    let home = store.begin_session(SourceKind::Camera, None, None).unwrap();
    let set = store.begin_set(home, formcheck::form::Exercise::Hinge).unwrap();
    store.record_rep(set, &rep(1, &[])).unwrap();
    store.end_session(home).unwrap();
    let (p, _) = store.ensure_patient("Ana Ruiz").unwrap();
    let theirs = store.save_report_as(&hinge_report(2), &NewSession::new(SourceKind::Clip).patient(p.id)).unwrap();
    assert_eq!(store.load_session(home).unwrap().summary.patient, DEFAULT_PATIENT_NAME);
    assert_eq!(store.default_patient().unwrap().id, DEFAULT_PATIENT_ID);
    let pending: Vec<i64> = store.pending_checkins(t0 + 20 * 3600).unwrap().into_iter().map(|s| s.id).collect();
    assert_eq!(pending, vec![home], "a therapist's patient ({theirs}) is never asked about at this computer");
    assert_eq!(store.pain_history_of(p.id).unwrap().iter().map(|s| s.session_id).collect::<Vec<_>>(), vec![theirs]);
    assert_eq!(store.last_session_id_of(DEFAULT_PATIENT_ID).unwrap(), Some(home));
    assert_eq!(store.last_session_id().unwrap(), Some(theirs));
    // Delete-all forgets the patients too, keeping the implicit one.
    store.delete_all().unwrap();
    let left = store.patients().unwrap();
    assert_eq!(left.len(), 1);
    assert!(left[0].patient.is_default && left[0].sessions == 0 && !left[0].has_plan);
}
