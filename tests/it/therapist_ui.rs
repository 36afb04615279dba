//! The therapist's call screen with egui_kittest (no display needed): the freeze frame's goniometer
//! measures a drawn right angle through real clicks on the screen (so the screen-to-picture
//! mapping is tested too), nothing is captured or analysed before the consent, the "Analysing"
//! badge shows exactly while analysis runs, and the exercise switches mid-call with the first
//! part's reps kept. The demo's simulated patient (or a still picture) stands in for the call.

use std::time::Duration;

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use formcheck::app::therapist::record::CONSENT_STATEMENT;
use formcheck::app::{FormcheckApp, Launch};
use formcheck::form::Exercise;

const BADGE: &str = " Analysing ";

fn launch(stepped: usize) -> (Launch, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    (Launch { data_dir: Some(dir.path().join("data")), stepped: Some(stepped), ..Launch::default() }, dir)
}

fn harness(app: FormcheckApp) -> Harness<'static, FormcheckApp> {
    crate::support::app_harness(app, egui::vec2(1280.0, 860.0), false)
}

/// Opens the call screen from the start screen.
fn open_call(h: &mut Harness<'_, FormcheckApp>) {
    h.run();
    h.get_by_label("Call (therapist)").scroll_to_me();
    h.run();
    h.get_by_label("Call (therapist)").click();
    h.run();
    assert!(h.state().therapist().is_some(), "the call screen opened");
}

fn consent(h: &mut Harness<'_, FormcheckApp>) {
    h.get_by_label(CONSENT_STATEMENT).click();
    h.run();
    assert!(h.state().therapist().unwrap().consented());
}

fn choose_demo_and_start(h: &mut Harness<'_, FormcheckApp>) {
    h.get_by_label("Demo patient (simulated)").click();
    h.run();
    h.get_by_label("Start analysing").scroll_to_me();
    h.run();
    h.get_by_label("Start analysing").click();
    h.run_steps(3);
}

fn step_until(h: &mut Harness<'_, FormcheckApp>, what: &str, max_steps: usize, done: impl Fn(&FormcheckApp) -> bool) {
    for _ in 0..max_steps {
        if done(h.state()) {
            return;
        }
        h.step();
    }
    assert!(done(h.state()), "after {max_steps} steps: never {what}");
}

fn click_at(h: &mut Harness<'_, FormcheckApp>, pos: egui::Pos2) {
    h.event(egui::Event::PointerMoved(pos));
    h.step();
    for pressed in [true, false] {
        h.event(egui::Event::PointerButton {
            pos,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: egui::Modifiers::NONE,
        });
    }
    h.step();
    h.step();
}

#[test]
fn the_goniometer_measures_a_drawn_right_angle() {
    // A still picture, 900x560, with a right angle drawn on it: its vertex, and the two arm ends.
    let (w, h_px) = (900u32, 560u32);
    let (end_a, vertex, end_c) = ([260.0f32, 90.0], [260.0f32, 430.0], [700.0f32, 430.0]);
    let mut img = image::RgbImage::from_pixel(w, h_px, image::Rgb([30, 34, 40]));
    let mut line = |a: [f32; 2], b: [f32; 2]| {
        let n = (b[0] - a[0]).abs().max((b[1] - a[1]).abs()) as i32;
        for i in 0..=n {
            let f = i as f32 / n as f32;
            let (x, y) = (a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f);
            for dx in -3..=3 {
                for dy in -3..=3 {
                    img.put_pixel((x as i32 + dx) as u32, (y as i32 + dy) as u32, image::Rgb([250, 250, 250]));
                }
            }
        }
    };
    line(end_a, vertex);
    line(vertex, end_c);
    let (launch, dir) = launch(1);
    let pic = dir.path().join("right-angle.png");
    img.save(&pic).unwrap();

    let mut h = harness(FormcheckApp::new(launch, Vec::new()));
    open_call(&mut h);
    consent(&mut h);
    h.get_by_label("File:").focus();
    h.run();
    h.get_by_label("File:").type_text(&pic.display().to_string());
    h.run();
    h.get_by_label("Use file").click();
    h.run();
    h.get_by_label("Start analysing").scroll_to_me();
    h.run();
    h.get_by_label("Start analysing").click();
    // The still is analysed (the pose model runs on it), then the source ends.
    step_until(&mut h, "analysed the picture", 200, |app| app.therapist().unwrap().last().is_some());
    h.run_steps(2);
    h.get_by_label("Freeze frame (F)").click();
    h.run_steps(2);
    assert_eq!(h.state().therapist().unwrap().frozen_size(), Some((w, h_px)));

    // Where the picture is on the screen, as the screen draws it (fitted, so scaled).
    let rect = h.get_by_label("Frozen frame").rect();
    let sx = rect.width() / w as f32;
    let sy = rect.height() / h_px as f32;
    assert!((sx - sy).abs() < 0.01, "the picture keeps its proportions: {sx} {sy}");
    assert!((sx - 1.0).abs() > 0.05, "the picture is drawn scaled ({sx}), so the mapping matters");
    let at = |p: [f32; 2]| egui::pos2(rect.min.x + p[0] * sx, rect.min.y + p[1] * sy);
    for p in [end_a, vertex, end_c] {
        click_at(&mut h, at(p));
    }
    let view = h.state().therapist().unwrap();
    // The clicks landed on the drawn points, in the picture's own pixels.
    let points = view.goniometer_points();
    assert_eq!(points.len(), 3, "three points: {points:?}");
    for (got, want) in points.iter().zip([end_a, vertex, end_c]) {
        assert!(
            (got[0] - want[0]).abs() <= 2.0 && (got[1] - want[1]).abs() <= 2.0,
            "clicked {want:?}, measured at {got:?}"
        );
    }
    // And the screen shows the angle.
    let node = h.get_by_label_contains("Goniometer: ");
    let readout = node.accesskit_node().label().or_else(|| node.value()).expect("a readout");
    let shown: f32 = readout
        .trim_start_matches("Goniometer: ")
        .trim_end_matches('°')
        .parse()
        .unwrap_or_else(|_| panic!("a number of degrees: {readout}"));
    assert!((shown - 90.0).abs() <= 1.0, "a drawn right angle measured {shown}°");
    assert_eq!(view.goniometer_angle().map(|a| (a * 10.0).round() / 10.0), Some(shown));
}

#[test]
fn nothing_is_captured_or_analysed_before_the_consent() {
    let (launch, _dir) = launch(4);
    let mut h = harness(FormcheckApp::new(launch, Vec::new()));
    open_call(&mut h);
    h.get_by_label("Demo patient (simulated)").click();
    h.run();
    h.get_by_label_contains("Nothing is captured until the consent is confirmed");
    // Every capture is refused: the picture for the tile, the screenshot, the analysis.
    for button in ["Show the call's picture", "Take a screenshot to drag it out", "Start analysing"] {
        h.get_by_label(button).scroll_to_me();
        h.run();
        h.get_by_label(button).click();
        h.run_steps(3);
    }
    let view = h.state().therapist().unwrap();
    assert!(!view.consented());
    assert!(!view.has_captured(), "a picture was captured before the consent");
    assert!(!view.is_analysing());
    assert!(view.record().parts.is_empty());
    assert!(h.query_by_label(BADGE).is_none());

    // With the consent, the same button starts the analysis, and the consent is in the record.
    consent(&mut h);
    h.get_by_label("Start analysing").scroll_to_me();
    h.run();
    h.get_by_label("Start analysing").click();
    h.run_steps(3);
    let view = h.state().therapist().unwrap();
    assert!(view.is_analysing());
    assert!(view.record().consent_at.is_some());
    assert_eq!(view.record().source, "demo");
}

#[test]
fn a_call_window_from_the_command_line_waits_for_the_consent_too() {
    let (mut launch, _dir) = launch(4);
    launch.source = Some(formcheck::capture::SourceSpec::Screen(formcheck::capture::window::ScreenTarget::Window(
        "Video call".into(),
    )));
    let mut h = harness(FormcheckApp::new(launch, Vec::new()));
    h.run_steps(3);
    let view = h.state().therapist().expect("a call's window opens the therapist's screen");
    assert!(!view.has_captured() && !view.is_analysing());
    assert!(!h.state().is_live(), "not the patient's live screen");
    h.get_by_label("Chosen: window:Video call");
}

#[test]
fn the_analysing_badge_shows_exactly_while_analysis_runs() {
    let (launch, _dir) = launch(4);
    let mut h = harness(FormcheckApp::new(launch, Vec::new()));
    open_call(&mut h);
    consent(&mut h);
    choose_demo_and_start(&mut h);
    step_until(&mut h, "analysed a frame", 50, |app| app.therapist().unwrap().last().is_some());
    for i in 0..40 {
        // Freezing a frame does not stop the analysis, nor hide the badge.
        if i == 20 {
            h.get_by_label("Freeze frame (F)").click();
        }
        h.step();
        assert!(h.state().therapist().unwrap().is_analysing(), "step {i}");
        h.get_by_label(BADGE);
    }
    assert!(h.state().therapist().unwrap().frozen_size().is_some());
    h.get_by_label("Stop").click();
    h.run_steps(2);
    assert!(!h.state().therapist().unwrap().is_analysing());
    assert!(h.query_by_label(BADGE).is_none(), "the badge outlived the analysis");
    h.get_by_label(" Not analysing ");
    std::thread::sleep(Duration::from_millis(10));
}

#[test]
fn the_exercise_switches_mid_call_and_the_first_part_is_kept_and_saved() {
    let (mut launch, dir) = launch(10);
    launch.exercise = Some(Exercise::Hinge);
    let mut h = harness(FormcheckApp::new(launch, Vec::new()));
    open_call(&mut h);
    consent(&mut h);
    choose_demo_and_start(&mut h);
    // The demo's first hinge rep ends after 10 s (300 frames).
    step_until(&mut h, "counted a hinge rep", 120, |app| {
        app.therapist().unwrap().record().parts.first().is_some_and(|p| !p.reps.is_empty())
    });
    let hinge_reps = h.state().therapist().unwrap().record().parts[0].reps.len();
    h.get_by_label("Now: Hip hinge");
    h.get_by_label("Bird dog").click();
    h.run_steps(3);
    let view = h.state().therapist().unwrap();
    assert_eq!(view.exercise(), Exercise::BirdDog);
    assert!(view.is_analysing(), "the engine restarted for the new exercise");
    let parts = &view.record().parts;
    assert_eq!(parts.len(), 2);
    assert_eq!((parts[0].exercise, parts[1].exercise), (Exercise::Hinge, Exercise::BirdDog));
    // The new engine judges the bird dog, from zero.
    step_until(&mut h, "showed the bird dog's numbers", 20, |app| {
        app.therapist().unwrap().last().and_then(|r| r.form.as_ref()).is_some_and(|f| f.rep_count == 0)
            && app.therapist().unwrap().record().parts.len() == 2
    });
    h.get_by_label("Now: Bird dog");
    h.get_by_label_contains("Arm elevation (against the back): ");
    // During a reach the panel shows the arm's and the leg's elevation against the back: the
    // engine's own per-frame figures (None outside a reach; the demo's full reach is level).
    let shown = |h: &Harness<'_, FormcheckApp>, label: &str| -> Option<f32> {
        let node = h.get_by_label_contains(label);
        let text = node.accesskit_node().label().or_else(|| node.value())?;
        text.rsplit(": ").next()?.trim_end_matches('°').parse::<f32>().ok()
    };
    let mut measured = None;
    for _ in 0..120 {
        h.step();
        let angles = h.state().therapist().unwrap().last().and_then(|r| r.form.as_ref()).map(|f| f.angles);
        let shown_now =
            (shown(&h, "Arm elevation (against the back): "), shown(&h, "Leg elevation (against the back): "));
        // The reach at its full extension (the demo holds it level).
        if let (Some(a), (Some(arm), Some(leg))) = (angles, shown_now)
            && a.arm_elevation_deg.is_some_and(|e| e.abs() < 5.0)
            && a.leg_elevation_deg.is_some_and(|e| e.abs() < 5.0)
        {
            measured = Some((arm, leg, a.arm_elevation_deg.unwrap(), a.leg_elevation_deg.unwrap()));
            break;
        }
    }
    let (arm, leg, arm_state, leg_state) =
        measured.expect("the panel never showed the arm's and leg's elevation at a level reach");
    assert!(
        (arm - arm_state).abs() <= 2.0 && (leg - leg_state).abs() <= 2.0,
        "the panel shows arm {arm} and leg {leg} degrees, the engine measured {arm_state} and {leg_state}"
    );
    step_until(&mut h, "counted a bird dog rep", 120, |app| {
        !app.therapist().unwrap().record().parts[1].reps.is_empty()
    });
    let view = h.state().therapist().unwrap();
    assert_eq!(view.record().parts[0].reps.len(), hinge_reps, "the hinge part is kept as it was");
    assert!(view.record().parts[1].reps.iter().all(|r| r.bird_dog.is_some()), "bird dog reps");
    assert!(view.record().parts[0].reps.iter().all(|r| r.hinge.is_some()), "hinge reps");
    h.get_by_label_contains(&format!("Part 1: Hip hinge: {hinge_reps} rep(s)"));
    h.get_by_label_contains("Part 2: Bird dog: ");

    // Saved under the patient: both parts as sets, the consent, the notes, and no picture.
    h.get_by_label("Stop").click();
    h.run_steps(2);
    let record = h.state().therapist().unwrap().record().clone();
    h.get_by_label("Patient:").focus();
    h.step();
    h.get_by_label("Patient:").type_text("Ada Example");
    h.step();
    h.get_by_label("Notes:").focus();
    h.step();
    h.get_by_label("Notes:").type_text("hinge from the hips; arm drifts");
    h.step();
    h.get_by_label("Save").click();
    h.run_steps(2);
    let id = h.state().therapist().unwrap().saved_session().expect("saved");
    h.get_by_label_contains(&format!("Saved as session {id} of Ada Example"));
    let store = formcheck::session::store::Store::open(&dir.path().join("data/formcheck.db")).unwrap();
    let s = store.load_session(id).unwrap();
    assert_eq!(s.summary.source_kind, formcheck::session::store::SourceKind::Call);
    assert_eq!(s.summary.patient, "Ada Example");
    assert_eq!(s.summary.capture.as_deref(), Some("demo"));
    assert_eq!(s.notes.as_deref(), Some("hinge from the hips; arm drifts"));
    let consent = s.consent.expect("the consent is stored with the session");
    assert_eq!(Some(consent.confirmed_at), record.consent_at);
    assert!(!s.keep_key_frames && s.key_frames.is_empty(), "no picture unless asked");
    let sets: Vec<(Exercise, usize)> = s.set_records.iter().map(|x| (x.exercise, x.reps.len())).collect();
    assert_eq!(
        sets,
        vec![(Exercise::Hinge, record.parts[0].reps.len()), (Exercise::BirdDog, record.parts[1].reps.len())]
    );
}

#[test]
fn a_stored_patients_own_plan_judges_the_call_and_is_saved_with_it() {
    use formcheck::session::prescription::{Prescription, effective_config};
    use formcheck::session::store::Store;
    let (mut launch, dir) = launch(10);
    launch.exercise = Some(Exercise::Hinge);
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let plan = Prescription::from_toml(
        "[[exercise]]\nname = \"hinge\"\nsets = 1\nreps = 6\n\n[exercise.overrides.hinge]\nmin_lowering_s = 10.0\n",
    )
    .unwrap();
    let own = effective_config(Some(&plan), Exercise::Hinge);
    assert_ne!(own, effective_config(None, Exercise::Hinge), "the plan must differ from the usual thresholds");
    {
        let store = Store::open(&data.join("formcheck.db")).unwrap();
        let (p, _) = store.ensure_patient("Ana Ruiz").unwrap();
        store.set_patient_plan(p.id, Some(&plan)).unwrap();
    }
    let mut h = harness(FormcheckApp::new(launch, Vec::new()));
    open_call(&mut h);
    // The stored patient is offered; choosing her brings her plan to the analysis.
    h.get_by_label("Ana Ruiz").click();
    h.run();
    consent(&mut h);
    choose_demo_and_start(&mut h);
    assert_eq!(h.state().therapist().unwrap().config(), Some(&own), "the call is judged under the patient's plan");
    step_until(&mut h, "counted a hinge rep", 120, |app| {
        app.therapist().unwrap().record().parts.first().is_some_and(|p| !p.reps.is_empty())
    });
    h.get_by_label("Stop").click();
    h.run_steps(2);
    h.get_by_label("Save").click();
    h.run_steps(2);
    let id = h.state().therapist().unwrap().saved_session().expect("saved");
    let store = Store::open(&data.join("formcheck.db")).unwrap();
    let s = store.load_session(id).unwrap();
    assert_eq!(s.summary.patient, "Ana Ruiz");
    assert_eq!(s.prescription, Some(plan), "the session keeps the plan that judged it");
}
