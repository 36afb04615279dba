//! Consent before a video call is analysed, and what a call's session keeps.
//!
//! End to end (Xvfb with Openbox, a corpus clip played by `ffplay` in a titled window, as
//! `screen_capture.rs` does): `formcheck analyze window:TITLE` without `--consent` refuses to start,
//! captures nothing and stores nothing; with it, the session is stored under the patient with the
//! consent (who, when, the statement, the source), the notes, the key frame asked for, and its
//! report carries the telehealth marker, the consent line and the pictures statement.
//!
//! Library: the store refuses a call session without consent and a picture for a session that
//! did not allow key frames; a [`CallSession`]'s recorder stores its consent and notes; the report's
//! marker and statements are present exactly when they apply.

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use formcheck::form::{Exercise, ExerciseReport, RepRecord};
use formcheck::report::{KEPT_BY_THERAPIST, NO_PICTURES, TELEHEALTH_MARKER};
use formcheck::session::prescription::Prescription;
use formcheck::session::store::{KeyFrame, NewSession, SourceKind, Store, StoreError};
use formcheck::session::telehealth::{CallSession, Consent, STANDARD_STATEMENT};

use crate::support::{Desktop, corpus_file};

/// `text` as the report's template writes it (escaped by maud).
fn esc(text: &str) -> String {
    maud::html! { (text) }.into_string()
}

fn rep(index: u32) -> RepRecord {
    RepRecord {
        index,
        side: None,
        start_s: f64::from(index) * 5.0,
        end_s: f64::from(index) * 5.0 + 4.0,
        faults: vec![],
        fault_durations: Default::default(),
        hinge: None,
        bird_dog: None,
        rom: vec![],
    }
}

#[test]
fn a_call_session_needs_consent_and_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("formcheck.db")).unwrap();
    store.set_now(Some(1_800_000_500));
    // No consent: refused, nothing stored.
    let err = store.begin(&NewSession::new(SourceKind::Call)).unwrap_err();
    assert!(matches!(err, StoreError::NoConsent { .. }), "{err}");
    assert!(err.to_string().contains("--consent yes"), "says how to give it: {err}");
    assert!(store.list_sessions().unwrap().is_empty());
    // The database itself refuses a call without consent, whatever writes it.
    let conn = rusqlite::Connection::open(store.path()).unwrap();
    let raw = conn.execute("INSERT INTO sessions (patient_id, started_at, source_kind) VALUES (1, 1, 'call')", []);
    assert!(raw.is_err(), "a call row without consent was accepted");
    drop(conn);

    // A consent that says no, or says nothing, is no consent.
    assert!(Consent::confirm("no", "Dr K", "window:Call", 1).is_err());
    assert!(Consent::confirm("", "Dr K", "window:Call", 1).is_err());

    // With it: a guided call recorded as it happens, through the recorder the window uses.
    let consent = Consent::confirm("yes", "Dr K", "window:Zoom Meeting", 1_800_000_400).unwrap();
    let mut call = CallSession::for_patient(&store, "Ana Ruiz", consent.clone()).unwrap();
    call.notes = Some("Left knee sore <b>today</b>".into());
    let plan = Prescription::default_plan();
    let mut recorder = call.recorder(Store::open(store.path()).unwrap(), plan.clone());
    let mut coach = formcheck::coach::Coach::new(Exercise::Hinge, formcheck::coach::Dose::default_for(Exercise::Hinge));
    coach.set_pain_before(2);
    recorder.sync(&coach).unwrap();
    let id = recorder.session().expect("the session began");
    recorder.set_notes(Some("Left knee sore; review next week")).unwrap();
    let rec = store.load_session(id).unwrap();
    assert_eq!(rec.summary.source_kind, SourceKind::Call);
    assert_eq!(rec.summary.patient, "Ana Ruiz");
    assert_eq!(rec.summary.capture.as_deref(), Some("window:Zoom Meeting"));
    assert_eq!(rec.consent.as_ref(), Some(&consent));
    assert_eq!(rec.consent.as_ref().unwrap().statement, STANDARD_STATEMENT);
    assert_eq!(rec.notes.as_deref(), Some("Left knee sore; review next week"));
    assert_eq!((rec.keep_key_frames, rec.mirrored), (false, Some(false)));
    assert_eq!(rec.prescription.as_ref(), Some(&plan));
    // Key frames were not allowed: no picture is taken for it.
    let k = KeyFrame { rep_index: 1, t_s: 1.0, jpeg: vec![0xff, 0xd8, 0xff, 0xd9], caption: "Rep 1".into() };
    let err = store.save_key_frame(id, &k).unwrap_err();
    assert!(matches!(err, StoreError::KeyFramesNotAllowed { .. }), "{err}");
    assert!(store.key_frames(id).unwrap().is_empty());

    // The report: marked, with the patient, the consent line, notes, and no pictures.
    let html = formcheck::report::to_html(&formcheck::report::build(&store, id).unwrap());
    assert!(html.contains(TELEHEALTH_MARKER), "the telehealth marker");
    assert!(html.contains("Patient: <b>Ana Ruiz</b>"));
    assert!(html.contains(&esc(&consent.line())), "the consent line");
    assert!(html.contains(&esc(STANDARD_STATEMENT)));
    assert!(html.contains(&esc(NO_PICTURES)) && !html.contains(&esc(KEPT_BY_THERAPIST)));
    assert!(html.contains("Left knee sore; review next week"));

    // A saved call analysis that allowed key frames, with the notes escaped in the report.
    let mut call2 = call.clone();
    call2.keep_key_frames = true;
    call2.mirrored = true;
    call2.notes = Some("<script>alert(1)</script> & more".into());
    let report = ExerciseReport {
        name: "hinge".into(),
        reps: vec![rep(1)],
        holds: vec![],
        attempts: vec![],
        cues: vec![],
        not_in_view_s: 0.0,
    };
    let id2 = store.save_report_as(&report, &call2.new_session(Some(&plan))).unwrap();
    store.save_key_frame(id2, &k).unwrap();
    let r = formcheck::report::build(&store, id2).unwrap();
    let html = formcheck::report::to_html(&r);
    assert!(html.contains(TELEHEALTH_MARKER) && html.contains(&esc(KEPT_BY_THERAPIST)));
    assert!(!html.contains(&esc(NO_PICTURES)));
    assert!(html.contains("declared mirrored and flipped back"), "the mirrored statement");
    assert!(!html.contains("<script>"), "notes are text, never markup");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; more"));
    let csv = formcheck::report::to_csv(&r);
    assert!(csv.lines().any(|l| l.starts_with("telehealth,") && l.contains("window:Zoom Meeting")), "{csv}");
    assert!(csv.lines().any(|l| l.starts_with("consent,") && l.contains("Dr K")), "{csv}");
    assert!(csv.lines().any(|l| l.starts_with("pictures,") && l.contains(KEPT_BY_THERAPIST)), "{csv}");
    assert!(csv.lines().any(|l| l.starts_with("patient,Ana Ruiz") || l.starts_with("patient,") && l.contains("Ana")));
    let json = formcheck::report::to_json(&r);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["about"]["telehealth"], TELEHEALTH_MARKER);
    assert_eq!(v["about"]["consent"]["confirmed_by"], "Dr K");

    // A home clip's report has none of it.
    let home = store.save_report(&report, Path::new("/clips/home.mp4"), Some(&plan)).unwrap();
    let r = formcheck::report::build(&store, home).unwrap();
    let html = formcheck::report::to_html(&r);
    assert!(!html.contains(TELEHEALTH_MARKER) && !html.contains("Patient: ") && !html.contains("Consent confirmed"));
    assert!(html.contains(&esc(NO_PICTURES)));
    let csv = formcheck::report::to_csv(&r);
    assert!(!csv.lines().any(|l| l.starts_with("telehealth,") || l.starts_with("consent,")), "{csv}");
}

/// `formcheck ARGS` on the desktop, with its data in `data`, as a therapist logged in as
/// `therapist-login`.
fn formcheck(desk: &Desktop, data: &Path, args: &[&str]) -> Output {
    desk.formcheck(args).env("FORMCHECK_DATA", data).env("USER", "therapist-login").output().expect("formcheck runs")
}

#[test]
fn a_call_is_analysed_only_with_the_patients_consent() {
    let clip = corpus_file("clips/wahoo_good_mornings.mp4");
    let data = tempfile::tempdir().unwrap();
    let mut desk = Desktop::start();
    let title = "Call with Ana";
    desk.play(&[clip.to_str().unwrap()], title, (1280, 720), (0, 0));
    desk.wait_for_window(title);
    let source = format!("window:{title}");
    let json = data.path().join("live.json");
    let base = ["analyze", source.as_str(), "--exercise", "hinge", "--quiet", "--json", json.to_str().unwrap()];

    // Without consent: refused at once, nothing captured, nothing stored.
    let started = Instant::now();
    let mut args = base.to_vec();
    args.extend(["--seconds", "20", "--save", "--patient", "Ana Ruiz"]);
    let out = formcheck(&desk, data.path(), &args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("analysed only with the patient's consent"), "{err}");
    assert!(err.contains("nothing was captured"), "{err}");
    assert!(err.contains("--consent yes"), "says how to give it: {err}");
    assert!(out.stdout.is_empty(), "no analysis was printed: {}", String::from_utf8_lossy(&out.stdout));
    assert!(!json.exists(), "no frame was analysed");
    assert!(!data.path().join("formcheck.db").exists(), "nothing stored, not even an empty store");
    assert!(started.elapsed() < Duration::from_secs(10), "it refused before capturing");
    // Nor without --save.
    let mut args = base.to_vec();
    args.extend(["--seconds", "5"]);
    let out = formcheck(&desk, data.path(), &args);
    assert_eq!(out.status.code(), Some(2));
    assert!(!json.exists());

    // With consent: analysed, and stored with the consent, the notes and the key frame.
    let before = formcheck::session::store::unix_now();
    let mut args = base.to_vec();
    args.extend(["--seconds", "20", "--save", "--patient", "Ana Ruiz", "--consent", "yes"]);
    args.extend(["--therapist", "Dr Kowalski", "--notes", "First call: hinge with a broom", "--keep-keyframes"]);
    let out = formcheck(&desk, data.path(), &args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "stdout: {stdout}\nstderr: {stderr}");
    let after = formcheck::session::store::unix_now();
    let id = crate::support::saved_session_id(&stdout);
    assert!(stderr.contains("new patient: Ana Ruiz"), "{stderr}");
    let store = Store::open(&data.path().join("formcheck.db")).unwrap();
    let rec = store.load_session(id).unwrap();
    assert_eq!(rec.summary.source_kind, SourceKind::Call);
    assert_eq!(rec.summary.patient, "Ana Ruiz");
    assert_eq!(rec.summary.capture.as_deref(), Some(source.as_str()));
    let c = rec.consent.as_ref().expect("the consent is stored with the session");
    assert_eq!(
        (c.statement.as_str(), c.confirmed_by.as_str(), c.source.as_str()),
        (STANDARD_STATEMENT, "Dr Kowalski", source.as_str())
    );
    assert!(c.confirmed_at >= before && c.confirmed_at <= rec.summary.started_at && rec.summary.started_at <= after);
    assert_eq!(rec.notes.as_deref(), Some("First call: hinge with a broom"));
    assert_eq!((rec.keep_key_frames, rec.mirrored), (true, Some(false)));
    let reps = &rec.set_records[0].reps;
    assert!(!reps.is_empty(), "20 s of good mornings gave no rep: {stdout}");
    assert_eq!(rec.key_frames.len(), 1, "the key frame asked for: {stderr}");
    let k = &rec.key_frames[0];
    let worst = formcheck::session::keyframe::worst_rep(reps).unwrap();
    assert_eq!(k.rep_index, worst.index);
    assert!((k.t_s - formcheck::session::keyframe::key_time(worst)).abs() < 0.5, "{} s", k.t_s);
    let pic = image::load_from_memory_with_format(&k.jpeg, image::ImageFormat::Jpeg).unwrap().to_rgb8();
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let (w, h) = (v["source"]["width"].as_f64().unwrap(), v["source"]["height"].as_f64().unwrap());
    assert!(w > 960.0, "the call window is {w}x{h}");
    assert_eq!(pic.width(), 960, "the window's picture scaled to 960 wide");
    assert!((f64::from(pic.height()) - 960.0 * h / w).abs() <= 2.0, "{:?} for a {w}x{h} window", pic.dimensions());
    let mean = pic.pixels().map(|p| f64::from(p.0[1])).sum::<f64>() / f64::from(960 * 540);
    let sd = (pic.pixels().map(|p| (f64::from(p.0[1]) - mean).powi(2)).sum::<f64>() / f64::from(960 * 540)).sqrt();
    assert!(sd > 20.0, "the key frame is blank (sd {sd:.1})");

    // Its report, through the command line.
    let html = data.path().join("call.html");
    let out = formcheck(&desk, data.path(), &["report", "--patient", "ana ruiz", "--out", html.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains(TELEHEALTH_MARKER));
    assert!(page.contains("Patient: <b>Ana Ruiz</b>"));
    assert!(page.contains("Consent confirmed by Dr Kowalski"));
    assert!(page.contains(&esc(KEPT_BY_THERAPIST)));
    assert!(page.contains("First call: hinge with a broom"));
    let out = formcheck(&desk, data.path(), &["sessions", "--patient", "Ana Ruiz"]);
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(listed.lines().any(|l| l.trim_start().starts_with(&id.to_string()) && l.contains("call")), "{listed}");
}
