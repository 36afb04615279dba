//! The local store: a full round trip, the next-day check-in query, export and delete, schema
//! versioning, and durability when the writer is killed mid-set (SIGKILL).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use formcheck::form::{
    BirdDogRep, Cue, CuePriority, Exercise, ExerciseReport, FaultId, HingeRep, HoldRecord, RepRecord, RomMeasure,
    RomReading, Side, SpineMethod,
};
use formcheck::session::pacing::{PainKind, RedFlag};
use formcheck::session::prescription::Prescription;
use formcheck::session::store::{CHECKIN_AFTER_S, KeyFrame, SCHEMA_V1, SCHEMA_VERSION, SourceKind, Store, StoreError};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

fn hinge_rep(index: u32, faults: &[FaultId]) -> RepRecord {
    RepRecord {
        index,
        side: None,
        start_s: f64::from(index) * 5.0,
        end_s: f64::from(index) * 5.0 + 4.25,
        faults: faults.to_vec(),
        fault_durations: faults.iter().map(|f| (*f, 0.75)).collect(),
        hinge: Some(HingeRep {
            bottom_s: f64::from(index) * 5.0 + 2.0,
            peak_trunk_deg: 55.5 + index as f32,
            peak_hip_deg: 101.25,
            peak_knee_deg: Some(12.5),
            bottom_knee_flexion_deg: Some(11.0),
            top_hip_deg: 177.0,
            lowering_s: 2.0,
            rising_s: 1.5,
            max_thoracic_offset: Some(0.125),
            worst_head_deg: Some(171.0),
            spine_method: SpineMethod::Contour,
            mask_refused: None,
            spine_not_judged: None,
            started_at_bottom: false,
            max_thoracic_gap: Some(0.0625 + index as f32 / 100.0),
            worst_gap_s: Some(f64::from(index) * 5.0 + 2.5),
            head_contact: Some(index.is_multiple_of(2)),
        }),
        bird_dog: None,
        rom: vec![],
    }
}

fn bird_dog_rep(index: u32) -> RepRecord {
    RepRecord {
        index,
        side: Some(Side::Right),
        start_s: 1.0,
        end_s: 4.0,
        faults: vec![FaultId::ReachHigh],
        fault_durations: BTreeMap::from([(FaultId::ReachHigh, 0.5)]),
        hinge: None,
        bird_dog: Some(BirdDogRep {
            arm: Some(Side::Right),
            leg: Side::Left,
            reach_s: Some(2.0),
            hold_s: 1.5,
            max_shoulder_flexion_deg: Some(160.0),
            max_hip_extension_deg: 170.0,
            max_knee_deg: None,
            max_reach_high_deg: Some(18.0),
            max_back_tilt_deg: 4.0,
        }),
        rom: vec![
            RomReading::new(RomMeasure::ArmElevation, -4.0, Some(0.0)),
            RomReading::new(RomMeasure::LegElevation, 3.0, None),
        ],
    }
}

fn hold(index: u32) -> HoldRecord {
    HoldRecord {
        index,
        side: Some(if index.is_multiple_of(2) { Side::Right } else { Side::Left }),
        variant: "elbow-knees".into(),
        support: "elbow".into(),
        base: "knees".into(),
        start_s: 3.0,
        end_s: 25.0,
        seconds_in_form: 19.5,
        faults: vec![FaultId::HipsSag],
        fault_durations: BTreeMap::from([(FaultId::HipsSag, 1.25)]),
        mean_line_offset: -0.05,
    }
}

fn cue(t: f64) -> Cue {
    Cue {
        t,
        id: "fault.rounded_back".into(),
        text: FaultId::RoundedBack.cue_text().into(),
        priority: CuePriority::MajorFault,
    }
}

#[test]
fn round_trip_of_a_whole_session() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/dir/formcheck.db");
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    store.set_now(Some(1_800_000_000));
    let plan = Prescription::default_plan();
    let s = store.begin_session(SourceKind::Camera, None, Some(&plan)).unwrap();
    store.record_pain(s, PainKind::Before, 2, None, &[]).unwrap();
    let set1 = store.begin_set(s, Exercise::Hinge).unwrap();
    let reps: Vec<RepRecord> =
        vec![hinge_rep(1, &[]), hinge_rep(2, &[FaultId::RoundedBack, FaultId::TooFast]), hinge_rep(3, &[])];
    for r in &reps {
        store.record_rep(set1, r).unwrap();
    }
    store.record_cue(set1, &cue(11.0)).unwrap();
    store.end_set(set1, 1.5).unwrap();
    store.record_pain(s, PainKind::After, 3, Some(set1), &[]).unwrap();
    let set2 = store.begin_set(s, Exercise::BirdDog).unwrap();
    store.record_rep(set2, &bird_dog_rep(1)).unwrap();
    store.end_set(set2, 0.0).unwrap();
    let set3 = store.begin_set(s, Exercise::SidePlank).unwrap();
    store.record_hold(set3, &hold(1)).unwrap();
    store.record_hold(set3, &hold(2)).unwrap();
    store.end_set(set3, 0.25).unwrap();
    store.set_now(Some(1_800_000_900));
    store.end_session(s).unwrap();
    drop(store);

    // Reopen: everything reads back exactly.
    let store = Store::open(&path).unwrap();
    assert_eq!(store.integrity_check().unwrap(), "ok");
    let rec = store.load_session(s).unwrap();
    assert_eq!(rec.summary.started_at, 1_800_000_000);
    assert_eq!(rec.summary.ended_at, Some(1_800_000_900));
    assert_eq!(rec.summary.source_kind, SourceKind::Camera);
    assert_eq!(rec.summary.exercises, vec![Exercise::Hinge, Exercise::BirdDog, Exercise::SidePlank]);
    assert_eq!((rec.summary.sets, rec.summary.reps, rec.summary.holds), (3, 4, 2));
    assert_eq!(rec.prescription.as_ref(), Some(&plan));
    assert_eq!(rec.set_records.len(), 3);
    let h = &rec.set_records[0];
    assert_eq!((h.set_number, h.exercise, h.target_reps, h.not_in_view_s), (1, Exercise::Hinge, Some(6), Some(1.5)));
    assert_eq!(h.reps, reps);
    assert_eq!(h.cues, vec![cue(11.0)]);
    assert_eq!(rec.set_records[1].reps, vec![bird_dog_rep(1)]);
    let p = &rec.set_records[2];
    assert_eq!((p.target_hold_s, p.variant.as_deref()), (Some(20.0), Some("elbow-knees")));
    assert_eq!(p.holds, vec![hold(1), hold(2)]);
    let pain: Vec<(PainKind, u8, Option<i64>)> = rec.pain.iter().map(|r| (r.kind, r.score, r.set_id)).collect();
    assert_eq!(pain, vec![(PainKind::Before, 2, None), (PainKind::After, 3, Some(set1))]);
    assert_eq!(store.list_sessions().unwrap()[0], rec.summary);
    assert_eq!(store.last_session_id().unwrap(), Some(s));

    // A pain score out of range and a rep number twice are refused.
    assert!(store.record_pain(s, PainKind::After, 11, None, &[]).is_err());
    assert!(store.record_rep(set1, &hinge_rep(2, &[])).is_err());

    // Export has it all; delete_all leaves nothing.
    let export = store.export_all().unwrap();
    assert_eq!(export["schema_version"], SCHEMA_VERSION);
    assert_eq!(export["sessions"][0]["set_records"][0]["reps"][1]["faults"][0], "rounded_back");
    assert_eq!(
        export["sessions"][0]["set_records"][0]["reps"][1]["max_thoracic_gap"].as_f64().unwrap(),
        f64::from(0.0625_f32 + 2.0 / 100.0)
    );
    store.delete_all().unwrap();
    assert!(store.list_sessions().unwrap().is_empty());
    assert_eq!(store.export_all().unwrap()["sessions"].as_array().unwrap().len(), 0);
    assert_eq!(store.integrity_check().unwrap(), "ok");
}

#[test]
fn next_day_checkin_is_pending_between_12_and_72_hours() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("f.db")).unwrap();
    let t0 = 1_800_000_000;
    store.set_now(Some(t0));
    let s = store.begin_session(SourceKind::Camera, None, None).unwrap();
    let set = store.begin_set(s, Exercise::Hinge).unwrap();
    store.record_rep(set, &hinge_rep(1, &[])).unwrap();
    store.end_set(set, 0.0).unwrap();
    store.end_session(s).unwrap();
    // An empty session (opened and closed) is never asked about.
    let empty = store.begin_session(SourceKind::Camera, None, None).unwrap();
    store.end_session(empty).unwrap();
    let pending = |at: i64| store.pending_checkins(at).unwrap().iter().map(|x| x.id).collect::<Vec<_>>();
    assert_eq!(pending(t0 + 3600), Vec::<i64>::new());
    assert_eq!(pending(t0 + CHECKIN_AFTER_S), vec![s]);
    assert_eq!(pending(t0 + 30 * 3600), vec![s]);
    assert_eq!(pending(t0 + 80 * 3600), Vec::<i64>::new());
    store.set_now(Some(t0 + 20 * 3600));
    assert_eq!(store.pending_checkin().unwrap().map(|x| x.id), Some(s));
    store.record_pain(s, PainKind::NextDay, 2, None, &[RedFlag::Fever]).unwrap();
    assert_eq!(pending(t0 + 30 * 3600), Vec::<i64>::new());
    let hist = store.pain_history().unwrap();
    assert_eq!(hist[0].next_day(), Some(2));
    assert_eq!(hist[0].red_flags(), vec![RedFlag::Fever]);
}

#[test]
fn a_newer_schema_is_refused_and_a_report_saves_as_a_session() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.db");
    {
        let store = Store::open(&path).unwrap();
        let report = ExerciseReport {
            name: "hinge".into(),
            reps: vec![hinge_rep(1, &[FaultId::Squatting]), hinge_rep(2, &[])],
            holds: vec![],
            attempts: vec![],
            cues: vec![cue(3.0)],
            not_in_view_s: 2.5,
        };
        let id = store.save_report(&report, Path::new("/clips/a.mp4"), Some(&Prescription::default_plan())).unwrap();
        let rec = store.load_session(id).unwrap();
        assert_eq!(rec.summary.source_kind, SourceKind::Clip);
        assert_eq!(rec.summary.clip_path.as_deref(), Some("/clips/a.mp4"));
        assert!(rec.summary.ended_at.is_some());
        assert_eq!(rec.set_records[0].reps, report.reps);
        assert_eq!(rec.set_records[0].cues, report.cues);
        assert_eq!(rec.set_records[0].not_in_view_s, Some(2.5));
    }
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(&format!("PRAGMA user_version = {}", SCHEMA_VERSION + 1)).unwrap();
    drop(conn);
    let err = Store::open(&path).err().expect("a newer schema must be refused");
    assert!(matches!(err, StoreError::Newer { version, .. } if version == SCHEMA_VERSION + 1), "{err}");
    assert!(err.to_string().contains("newer formcheck"), "{err}");
    assert!(err.to_string().contains(&path.display().to_string()), "the error names the file: {err}");
}

/// A store written by a version-1 formcheck (its DDL, its rows) opens in this one: the schema is
/// migrated to the current version, the key-frame table appears, and every old row reads back.
#[test]
fn a_version_1_store_is_migrated_and_keeps_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.db");
    let rep = hinge_rep(1, &[FaultId::Squatting]);
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(SCHEMA_V1).unwrap();
        conn.execute_batch("PRAGMA user_version = 1").unwrap();
        conn.execute(
            "INSERT INTO sessions (id, started_at, ended_at, source_kind, clip_path) VALUES (7, 1000, 1600, 'clip', '/clips/old.mp4')",
            [],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO sets (id, session_id, set_number, exercise, started_at, ended_at) VALUES (3, 7, 1, 'hinge', 1000, 1500)",
            [],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO reps (set_id, rep_index, start_s, end_s, faults, measurements, recorded_at) VALUES (3, 1, ?1, ?2, ?3, ?4, 1100)",
            rusqlite::params![
                rep.start_s,
                rep.end_s,
                serde_json::to_string(&rep.faults).unwrap(),
                serde_json::to_string(&rep).unwrap()
            ],
        )
        .unwrap();
        conn.execute("INSERT INTO pain (session_id, kind, score, recorded_at) VALUES (7, 'before', 3, 1000)", [])
            .unwrap();
        assert!(conn.prepare("SELECT 1 FROM key_frames").is_err(), "version 1 has no key frames");
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(SCHEMA_VERSION, 4);
    assert_eq!(store.schema_version().unwrap(), 4);
    assert_eq!(store.integrity_check().unwrap(), "ok");
    let rec = store.load_session(7).unwrap();
    assert_eq!(rec.summary.clip_path.as_deref(), Some("/clips/old.mp4"));
    assert_eq!((rec.summary.started_at, rec.summary.ended_at), (1000, Some(1600)));
    assert_eq!(rec.set_records.len(), 1);
    assert_eq!(rec.set_records[0].reps, vec![rep]);
    assert_eq!(rec.pain.len(), 1);
    assert_eq!(rec.pain[0].score, 3);
    assert!(rec.key_frames.is_empty());
    assert!(rec.set_records[0].attempts.is_empty(), "version 1 had no attempts; the table is new and empty");

    // The old session did not allow key frames: no picture is added to it now.
    let jpeg = vec![0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9];
    let k = KeyFrame { rep_index: 1, t_s: 2.5, jpeg: jpeg.clone(), caption: "Rep 1 at 2.5 s".into() };
    assert!(matches!(store.save_key_frame(7, &k), Err(StoreError::KeyFramesNotAllowed { id: 7, .. })));
    // The new table works for a session that allows them, is exported (base64) and deleted with
    // everything.
    let s = store.begin(&formcheck::session::store::NewSession::new(SourceKind::Clip).keep_key_frames(true)).unwrap();
    store.save_key_frame(s, &k).unwrap();
    assert_eq!(store.key_frames(s).unwrap(), vec![k.clone()]);
    let export = store.export_all().unwrap();
    assert_eq!(export["schema_version"], 4);
    assert_eq!(export["sessions"][1]["id"], s);
    assert_eq!(export["sessions"][1]["key_frames"][0]["jpeg_base64"], BASE64.encode(&jpeg));
    assert_eq!(export["sessions"][1]["key_frames"][0]["caption"], "Rep 1 at 2.5 s");
    assert_eq!(export["sessions"][0]["patient"], "default");
    assert_eq!(export["patients"][0]["name"], "default");
    drop(store);
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), 4, "opening again does not migrate again");
    assert_eq!(store.load_session(s).unwrap().key_frames, vec![k]);
    store.delete_all().unwrap();
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let n: i64 = conn.query_row("SELECT COUNT(*) FROM key_frames", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 0, "delete_all deletes the key frames");
}

/// The key frame's `jpeg_base64` field is standard base64 with padding (RFC 4648), as before:
/// exports written by earlier versions read back, and what is not base64 is refused.
#[test]
fn key_frames_keep_their_base64_json_field() {
    let k = |jpeg: &[u8]| KeyFrame { rep_index: 2, t_s: 1.5, jpeg: jpeg.to_vec(), caption: "Rep 2".into() };
    for (bytes, text) in [(&b""[..], ""), (b"f", "Zg=="), (b"fo", "Zm8="), (b"foo", "Zm9v"), (b"foobar", "Zm9vYmFy")] {
        let json = serde_json::to_value(k(bytes)).unwrap();
        assert_eq!(json["jpeg_base64"], text);
        assert_eq!(serde_json::from_value::<KeyFrame>(json).unwrap(), k(bytes));
    }
    let bytes: Vec<u8> = (0..=255).chain((0..=255).rev()).collect();
    for n in [1, 2, 3, 100, 511, 512] {
        let back: KeyFrame = serde_json::from_value(serde_json::to_value(k(&bytes[..n])).unwrap()).unwrap();
        assert_eq!(back.jpeg, &bytes[..n]);
    }
    let bad = serde_json::json!({ "rep_index": 1, "t_s": 0.0, "jpeg_base64": "Zm9v!", "caption": "" });
    let err = serde_json::from_value::<KeyFrame>(bad).unwrap_err();
    assert!(err.to_string().contains("jpeg_base64 is not base64"), "{err}");
}

/// Every store error names the database file, and says what was being done.
#[test]
fn store_errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("errors.db");
    let file = path.display().to_string();
    let store = Store::open(&path).unwrap();
    let s = store.begin_session(SourceKind::Camera, None, None).unwrap();
    let set = store.begin_set(s, Exercise::Hinge).unwrap();
    store.record_rep(set, &hinge_rep(1, &[])).unwrap();
    let errors = [
        store.record_pain(s, PainKind::After, 11, None, &[]).unwrap_err(),
        store.record_rep(set, &hinge_rep(1, &[])).unwrap_err(),
        store.load_session(s + 1).unwrap_err(),
        store.begin_set(s + 1, Exercise::Hinge).unwrap_err(),
        store.end_set(set + 1, 0.0).unwrap_err(),
        store.end_session(s + 1).unwrap_err(),
    ];
    for e in &errors {
        assert!(e.to_string().contains(&file), "{e}");
    }
    assert!(matches!(errors[0], StoreError::PainScore { score: 11, .. }), "{}", errors[0]);
    assert!(errors[1].to_string().contains("recording rep 1 of set"), "{}", errors[1]);
    assert!(matches!(errors[2], StoreError::NoSession { id, .. } if id == s + 1), "{}", errors[2]);
    assert!(matches!(errors[4], StoreError::NoSet { .. }), "{}", errors[4]);
    // A folder that cannot be created.
    let blocked = dir.path().join("a-file");
    std::fs::write(&blocked, "").unwrap();
    let e = Store::open(&blocked.join("sub/formcheck.db")).err().expect("no folder inside a file");
    assert!(matches!(e, StoreError::CreateDir { .. }), "{e}");
    assert!(e.to_string().contains("sub/formcheck.db"), "{e}");
}

/// Runs the formcheck binary with only these variables of the data and cache folders set.
fn formcheck_with(env: &[(&str, &Path)], args: &[&str], extra: &[(&str, &str)]) -> String {
    let mut cmd = Command::new(crate::support::formcheck_bin());
    for v in ["FORMCHECK_DATA", "XDG_DATA_HOME", "XDG_CACHE_HOME", "HOME", "TZ"] {
        cmd.env_remove(v);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let out = cmd.args(args).output().expect("run formcheck");
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "formcheck {args:?} failed\nstdout:\n{stdout}\nstderr:\n{stderr}");
    stdout.into_owned()
}

/// The data folder is `FORMCHECK_DATA`, else `$XDG_DATA_HOME/formcheck`, else
/// `~/.local/share/formcheck`; spoken cues are cached in `$XDG_CACHE_HOME/formcheck/cues`, else
/// `~/.cache/formcheck/cues`.
#[test]
fn the_data_and_cache_folders_are_where_the_documentation_says() {
    let tmp = tempfile::tempdir().unwrap();
    let (home, xdg, own) = (tmp.path().join("home"), tmp.path().join("xdg"), tmp.path().join("own"));
    std::fs::create_dir_all(&home).unwrap();
    let db_in = |stdout: &str| {
        stdout
            .trim()
            .strip_prefix("no session stored in ")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| panic!("{stdout}"))
    };
    let out = formcheck_with(&[("HOME", &home)], &["sessions"], &[]);
    assert_eq!(db_in(&out), home.join(".local/share/formcheck/formcheck.db"));
    let out = formcheck_with(&[("HOME", &home), ("XDG_DATA_HOME", &xdg)], &["sessions"], &[]);
    assert_eq!(db_in(&out), xdg.join("formcheck/formcheck.db"));
    let out = formcheck_with(&[("HOME", &home), ("XDG_DATA_HOME", &xdg), ("FORMCHECK_DATA", &own)], &["sessions"], &[]);
    assert_eq!(db_in(&out), own.join("formcheck.db"));
    assert!(own.join("formcheck.db").is_file());

    let cues = |stdout: &str| {
        let line = stdout.lines().find(|l| l.contains("spoken cues ready in ")).unwrap_or_else(|| panic!("{stdout}"));
        std::path::PathBuf::from(line.split_once(" ready in ").unwrap().1.trim())
    };
    let cache = tmp.path().join("cache");
    let out = formcheck_with(&[("HOME", &home), ("XDG_CACHE_HOME", &cache)], &["cues", "--prepare"], &[]);
    assert_eq!(cues(&out), cache.join("formcheck/cues"));
    assert!(std::fs::read_dir(cache.join("formcheck/cues")).unwrap().count() > 0, "the cues are cached there");
    let out = formcheck_with(&[("HOME", &home)], &["cues", "--prepare"], &[]);
    assert_eq!(cues(&out), home.join(".cache/formcheck/cues"));
}

/// Times are shown in the local time zone (`TZ`), whatever the machine's zone is.
#[test]
fn sessions_are_listed_in_local_time() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(&dir.path().join("formcheck.db")).unwrap();
        store.set_now(Some(1_777_903_400)); // 2026-05-04 14:03:20 UTC
        let s = store.begin_session(SourceKind::Camera, None, None).unwrap();
        store.end_session(s).unwrap();
    }
    let list = |tz: &str| formcheck_with(&[("FORMCHECK_DATA", dir.path())], &["sessions"], &[("TZ", tz)]);
    assert!(list("UTC0").contains("2026-05-04 14:03 UTC"), "{}", list("UTC0"));
    let paris = list("CET-1CEST,M3.5.0,M10.5.0/3");
    assert!(paris.contains("2026-05-04 16:03 CEST"), "{paris}");
    let new_york = list("EST5EDT,M3.2.0,M11.1.0");
    assert!(new_york.contains("2026-05-04 10:03 EDT"), "{new_york}");
}

#[test]
fn killing_the_writer_mid_set_loses_at_most_the_rep_in_progress() {
    let dir = tempfile::tempdir().unwrap();
    for (round, kill_after) in [40_u32, 150, 400].into_iter().enumerate() {
        let db = dir.path().join(format!("kill{round}.db"));
        let mut child = Command::new(crate::support::formcheck_bin())
            .args(["store-writer", "--db"])
            .arg(&db)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn formcheck store-writer");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let header = lines.next().expect("writer started").unwrap();
        let set_id: i64 = header.strip_prefix("set ").expect("set line").parse().unwrap();
        let mut confirmed = 0_u32;
        for line in lines.by_ref() {
            confirmed = line.unwrap().parse().unwrap();
            if confirmed >= kill_after {
                break;
            }
        }
        child.kill().expect("SIGKILL the writer");
        // Reps confirmed after our last read but before the kill are in the pipe.
        for line in lines {
            match line {
                Ok(l) => confirmed = l.parse().unwrap(),
                Err(_) => break,
            }
        }
        let status = child.wait().unwrap();
        assert!(!status.success(), "the writer was killed, not finished");
        assert!(confirmed >= kill_after);

        let store = Store::open(&db).unwrap();
        assert_eq!(store.integrity_check().unwrap(), "ok");
        let session = store.last_session_id().unwrap().unwrap();
        let rec = store.load_session(session).unwrap();
        let set = rec.set_records.iter().find(|s| s.id == set_id).expect("the set");
        assert_eq!(set.ended_at, None, "killed mid-set");
        let got: Vec<u32> = set.reps.iter().map(|r| r.index).collect();
        assert!(
            got.len() as u32 == confirmed || got.len() as u32 == confirmed + 1,
            "round {round}: {confirmed} reps confirmed, {} stored",
            got.len()
        );
        assert_eq!(got, (1..=got.len() as u32).collect::<Vec<_>>(), "reps are 1..n with no gap");
        // Every stored rep is whole: its faults rows match its record.
        for r in &set.reps {
            assert_eq!(r.faults.is_empty(), !r.index.is_multiple_of(3), "rep {} read back whole", r.index);
        }
    }
}
