//! The window: the start screen with egui_kittest (no display needed), and the real release binary
//! in a real X window under Xvfb, showing frames from the demo.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::support::Xvfb;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use formcheck::app::{FormcheckApp, Launch};
use formcheck::coach::{Dose, Stage};
use formcheck::form::Exercise;

/// A launch whose sessions and plan live in a fresh folder of their own: tests never read or
/// write the user's record, and every screen starts from an empty one.
fn test_launch() -> Launch {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    launch_in(&format!("{}-{n}", std::process::id()))
}

/// Same, in a folder whose name is fixed (the start screen shows it: snapshots need it stable).
fn launch_in(name: &str) -> Launch {
    let dir = std::env::temp_dir().join(format!("formcheck-window-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    Launch { data_dir: Some(dir), ..Launch::default() }
}

fn snapshot_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots")
}

fn harness(app: FormcheckApp) -> Harness<'static, FormcheckApp> {
    harness_sized(app, egui::vec2(1000.0, 700.0))
}

/// A taller window: the start screen's lower groups (review, plan and record) in view.
fn tall_harness(app: FormcheckApp) -> Harness<'static, FormcheckApp> {
    harness_sized(app, egui::vec2(1100.0, 1400.0))
}

fn harness_sized(app: FormcheckApp, size: egui::Vec2) -> Harness<'static, FormcheckApp> {
    crate::support::app_harness(app, size, true)
}

fn snapshot(h: &mut Harness<'_, FormcheckApp>, name: &str) {
    let options = egui_kittest::SnapshotOptions::default().output_path(snapshot_dir());
    h.snapshot_options(name, &options);
}

#[test]
fn start_screen_without_camera_offers_demo_and_files() {
    let mut h = harness(FormcheckApp::new(launch_in("start-screen"), Vec::new()));
    h.run();
    h.get_by_label_contains("No camera found");
    h.get_by_label("Start the demo");
    h.get_by_label("Open file");
    assert!(h.query_by_label_contains("Use camera").is_none(), "no camera buttons without cameras");
    snapshot(&mut h, "start_screen_no_camera");
}

#[test]
fn start_screen_lists_cameras_when_there_are_some() {
    let cams = vec![formcheck::capture::camera::CameraEntry { index: 0, name: "Test Cam".into() }];
    let mut h = harness(FormcheckApp::new(test_launch(), cams));
    h.run();
    h.get_by_label("Use camera 0: Test Cam");
    assert!(h.query_by_label_contains("No camera found").is_none());
}

#[test]
fn opening_a_missing_file_shows_the_reason_and_stays_on_start() {
    let launch =
        Launch { source: Some(formcheck::capture::SourceSpec::Path("/nonexistent/clip.mp4".into())), ..test_launch() };
    let mut h = harness(FormcheckApp::new(launch, Vec::new()));
    h.run();
    h.get_by_label_contains("/nonexistent/clip.mp4: file not found");
    assert!(!h.state().is_live());
}

#[test]
fn demo_button_opens_the_live_view_labelled_as_demo() {
    let mut h = harness(FormcheckApp::new(test_launch(), Vec::new()));
    h.run();
    h.get_by_label("Start the demo").click();
    // The live view keeps repainting (new frames): step instead of waiting to settle.
    h.run_steps(2);
    assert!(h.state().is_live());
    h.get_by_label_contains("DEMO");
    // Frames arrive from the worker threads; wait (bounded) for the first result on screen.
    let deadline = Instant::now() + Duration::from_secs(20);
    while h.query_by_label_contains("person in view").is_none() {
        assert!(Instant::now() < deadline, "no demo frame reached the screen in 20 s");
        std::thread::sleep(Duration::from_millis(50));
        h.step();
    }
    h.get_by_label("Back to exercises").click();
    h.run_steps(2);
    assert!(!h.state().is_live());
}

fn count_near(img: &image::RgbImage, color: [u8; 3], tol: i32) -> usize {
    img.pixels().filter(|p| p.0.iter().zip(color).all(|(&a, b)| (i32::from(a) - i32::from(b)).abs() <= tol)).count()
}

/// Runs `bin args` on the X server until `ready(screenshot)` holds (or 40 s), then stops it and
/// returns whether it became ready. The last screenshot stays at `shot`.
fn run_until(
    x: &Xvfb,
    bin: &Path,
    args: &[&str],
    env: &[(&str, &str)],
    shot: &Path,
    ready: impl Fn(&image::RgbImage) -> bool,
) -> bool {
    let mut cmd = Command::new(bin);
    cmd.args(args)
        .env("DISPLAY", &x.display)
        .env("FORMCHECK_DATA", std::env::temp_dir().join(format!("formcheck-xvfb-{}", std::process::id())))
        .env_remove("WAYLAND_DISPLAY")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut app = cmd.spawn().expect("start formcheck");
    let deadline = Instant::now() + Duration::from_secs(40);
    let mut ok = false;
    while Instant::now() < deadline && !ok {
        std::thread::sleep(Duration::from_millis(1000));
        if let Ok(Some(status)) = app.try_wait() {
            let mut err = String::new();
            use std::io::Read;
            app.stderr.take().map(|mut e| e.read_to_string(&mut err));
            panic!("formcheck exited early ({status}): {err}");
        }
        ok = ready(&x.screenshot(shot));
    }
    let _ = app.kill();
    let _ = app.wait();
    ok
}

#[test]
fn without_onnx_runtime_the_window_says_so_and_still_offers_the_demo() {
    let x = Xvfb::start("1280x800x24");
    // The binary alone in a folder: no runtime beside it, no project around it.
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("formcheck");
    std::fs::copy(crate::support::formcheck_bin(), &bin).unwrap();
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("xvfb_no_runtime.png");
    // The warning panel's dark red, and the demo button still there (checked by the kittest tests).
    let shown = run_until(&x, &bin, &[], &[("ORT_DYLIB_PATH", "/nonexistent/libonnxruntime.so")], &shot, |img| {
        count_near(img, [90, 30, 30], 3) > 2_000
    });
    assert!(shown, "no 'ONNX Runtime not found' panel on screen (screenshot: {})", shot.display());
}

/// White pixels in the band of the right-hand panel where the large rep counter sits once a set
/// runs (below the exercise title, above the progress line; during the setup check the band holds
/// the coloured checklist, not white text).
fn counter_pixels(img: &image::RgbImage) -> usize {
    let (x0, y0, y1) = (img.width() * 2 / 3, img.height() * 21 / 100, img.height() * 36 / 100);
    let mut n = 0;
    for (x, y, p) in img.enumerate_pixels() {
        if x >= x0 && (y0..y1).contains(&y) && p.0.iter().all(|&c| c >= 245) {
            n += 1;
        }
    }
    n
}

#[test]
fn release_binary_runs_a_guided_demo_set_in_a_real_window() {
    let x = Xvfb::start("1280x800x24");
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("xvfb_demo.png");
    // The demo's mannequin is painted in this blue; the DEMO label in this amber; the large rep
    // counter (140 pt, white) appears in the right-hand panel once the setup check has passed.
    let (body, label) = ([70u8, 110, 170], [255u8, 190, 40]);
    let args = ["--source", "demo", "--exercise", "hinge"];
    let shown = run_until(&x, &crate::support::formcheck_bin(), &args, &[], &shot, |img| {
        count_near(img, body, 12) > 5_000 && count_near(img, label, 12) > 100 && counter_pixels(img) > 400
    });
    let img = image::open(&shot).unwrap().into_rgb8();
    assert!(
        shown,
        "the window did not show a running demo set: mannequin {} px, DEMO label {} px, counter region {} white px (screenshot: {})",
        count_near(&img, body, 12),
        count_near(&img, label, 12),
        counter_pixels(&img),
        shot.display()
    );
}

#[test]
fn asking_for_a_camera_that_is_not_there_says_so_and_stays_on_start() {
    // No camera at all (this machine, CI): "no camera found"; cameras but not this one: "no such
    // camera". Either way a message, not a crash, and the demo still offered.
    let launch = Launch { source: Some(formcheck::capture::SourceSpec::Camera(999)), ..test_launch() };
    let mut h = harness(FormcheckApp::new(launch, Vec::new()));
    h.run();
    let said =
        h.query_by_label_contains("no camera found").is_some() || h.query_by_label_contains("no such camera").is_some();
    assert!(said, "no camera message on the start screen");
    h.get_by_label("Start the demo");
    assert!(!h.state().is_live());
}

#[test]
fn the_demo_shows_and_checks_the_chosen_exercise() {
    // The side plank: its demo is filmed from the front, so the setup check passes ("Facing the
    // camera") and counting starts without any "turn" guidance.
    let launch = Launch {
        source: Some(formcheck::capture::SourceSpec::Demo),
        exercise: Some(formcheck::form::Exercise::SidePlank),
        stepped: Some(4),
        ..test_launch()
    };
    let mut h = harness(FormcheckApp::new(launch, Vec::new()));
    h.run_steps(2);
    assert!(h.state().is_live());
    assert_eq!(h.state().coach().map(formcheck::coach::Coach::exercise), Some(Exercise::SidePlank));
    step_until(&mut h, "passed the side plank's setup check", 200, |h| stage(h) == Some(Stage::Active));
    let issued = h.state().coach().unwrap().issued().to_vec();
    assert!(issued.iter().all(|c| !c.id.starts_with("setup.")), "setup hints on the side-plank demo: {issued:?}");
}

/// Steps the app until `done` holds (at most `max` steps).
fn step_until(
    h: &mut Harness<'_, FormcheckApp>,
    what: &str,
    max: usize,
    done: impl Fn(&Harness<'_, FormcheckApp>) -> bool,
) {
    for _ in 0..max {
        if done(h) {
            return;
        }
        h.step();
    }
    panic!("after {max} steps: never {what}");
}

fn stage(h: &Harness<'_, FormcheckApp>) -> Option<Stage> {
    h.state().coach().map(formcheck::coach::Coach::stage)
}

/// The whole guided flow on the demo, replayed deterministically (8 demo frames per UI step):
/// picker → setup check → live set → rest with the set summary → second set → session summary
/// and the pain prompt. Each screen is kept as a snapshot.
#[test]
fn guided_hinge_session_from_picker_to_summary() {
    let launch = Launch {
        dose: Some(Dose { sets: 2, reps: 2, hold_s: 0.0, rest_s: 5.0 }),
        stepped: Some(8),
        ..launch_in("flow-hinge")
    };
    let mut h = harness(FormcheckApp::new(launch, Vec::new()));
    h.set_size(egui::vec2(1280.0, 800.0));
    h.run();
    h.get_by_label("Hip hinge").click();
    h.run();
    h.get_by_label_contains("Dose: 2 sets of 2 reps");
    h.get_by_label_contains("Camera: Side-on to you, about 3 m away");
    snapshot(&mut h, "flow_1_picker");

    h.get_by_label("Start the demo").click();
    step_until(&mut h, "showed the setup checklist", 20, |h| h.query_by_label_contains("Whole body in view").is_some());
    assert_eq!(stage(&h), Some(Stage::Setup));
    h.get_by_label_contains("Setup check");
    h.get_by_label_contains(formcheck::app::session::KEYS_HELP);
    snapshot(&mut h, "flow_2_setup_check");

    step_until(&mut h, "started counting", 100, |h| stage(h) == Some(Stage::Active));
    h.step();
    h.get_by_label("Set 1 of 2 · rep 0 of 2");
    step_until(&mut h, "counted the first rep", 200, |h| h.query_by_label("Set 1 of 2 · rep 1 of 2").is_some());
    h.get_by_label("1");
    // The engine's rep count reaches the banner as this set's count.
    h.get_by_label("one");
    snapshot(&mut h, "flow_3_live_set");

    step_until(&mut h, "rested after set 1", 200, |h| stage(h) == Some(Stage::Rest));
    h.step();
    h.get_by_label("Set 1 summary");
    let set1 = h.state().coach().unwrap().sets()[0].clone();
    h.get_by_label(&format!("Reps: 2 · clean: {} · with faults: {}", set1.clean_reps(), set1.faulty_reps()));
    h.get_by_label("Set complete. Rest. How is your pain, from zero to ten?");
    h.get_by_label("2").click();
    h.run_steps(2);
    h.get_by_label("Pain recorded: 2/10");
    assert!(
        h.query_by_label_contains("urgent medical").is_none()
            || h.query_by_label_contains("Before you start").is_some()
    );
    snapshot(&mut h, "flow_4_rest_summary");

    step_until(&mut h, "began set 2", 100, |h| stage(h) == Some(Stage::Active));
    step_until(&mut h, "finished the session", 400, |h| stage(h) == Some(Stage::Done));
    h.step();
    h.get_by_label("Session summary");
    h.get_by_label("Sets: 2 of 2");
    h.get_by_label("8").click();
    h.run_steps(2);
    h.get_by_label("Pain recorded: 8/10");
    h.get_by_label_contains("That is severe pain");
    h.get_by_label_contains("Stop and seek urgent medical evaluation");
    snapshot(&mut h, "flow_5_session_summary");
    assert_eq!(h.state().coach().unwrap().sets()[1].pain, Some(8));
    // Esc on the summary goes back to the exercises.
    h.key_press(egui::Key::Escape);
    h.run_steps(2);
    assert!(!h.state().is_live());
}

/// The keyboard alone runs a set: Space starts counting and pauses, N ends the set, Esc stops.
#[test]
fn keyboard_controls_the_session() {
    let launch = Launch {
        source: Some(formcheck::capture::SourceSpec::Demo),
        exercise: Some(Exercise::Hinge),
        dose: Some(Dose { sets: 2, reps: 6, hold_s: 0.0, rest_s: 30.0 }),
        stepped: Some(2),
        ..test_launch()
    };
    let mut h = harness(FormcheckApp::new(launch, Vec::new()));
    h.run_steps(2);
    assert_eq!(stage(&h), Some(Stage::Setup), "--source demo --exercise hinge opens on the setup check");
    h.key_press(egui::Key::Space);
    h.run_steps(2);
    assert_eq!(stage(&h), Some(Stage::Active));
    h.key_press(egui::Key::Space);
    h.run_steps(2);
    h.get_by_label_contains("PAUSED");
    assert!(h.state().coach().unwrap().paused());
    h.key_press(egui::Key::Space);
    h.run_steps(2);
    assert!(!h.state().coach().unwrap().paused());
    h.key_press(egui::Key::N);
    h.run_steps(2);
    assert_eq!(stage(&h), Some(Stage::Rest));
    h.get_by_label_contains("This set was ended before its dose.");
    h.key_press(egui::Key::Escape);
    h.run_steps(2);
    assert_eq!(stage(&h), Some(Stage::Done));
    h.get_by_label("Session summary");
}

/// Bird dog and side plank: `--source demo --exercise X` opens on the setup check, the demo's set
/// runs to the end, and the summary shows the tally (snapshots of the live set and the summary).
#[test]
fn guided_bird_dog_set_runs_to_its_summary() {
    guided_set_runs_to_its_summary(Exercise::BirdDog, Dose { sets: 1, reps: 2, hold_s: 0.0, rest_s: 5.0 }, "bird_dog");
}

#[test]
fn guided_side_plank_set_runs_to_its_summary() {
    guided_set_runs_to_its_summary(
        Exercise::SidePlank,
        Dose { sets: 1, reps: 0, hold_s: 5.0, rest_s: 5.0 },
        "side_plank",
    );
}

fn guided_set_runs_to_its_summary(exercise: Exercise, dose: Dose, name: &str) {
    {
        let launch = Launch {
            source: Some(formcheck::capture::SourceSpec::Demo),
            exercise: Some(exercise),
            dose: Some(dose),
            stepped: Some(8),
            ..test_launch()
        };
        let mut h = harness(FormcheckApp::new(launch, Vec::new()));
        h.set_size(egui::vec2(1280.0, 800.0));
        h.run_steps(2);
        assert_eq!(stage(&h), Some(Stage::Setup), "{name}: opens on the setup check");
        step_until(&mut h, "started counting", 100, |h| stage(h) == Some(Stage::Active));
        match exercise {
            Exercise::SidePlank => {
                step_until(&mut h, "timed the first side", 300, |h| {
                    h.query_by_label_contains("side down · 3 of 5 s").is_some()
                });
            }
            _ => {
                step_until(&mut h, "counted a rep", 300, |h| h.query_by_label_contains("arm 1 of 2").is_some());
            }
        }
        snapshot(&mut h, &format!("flow_{name}_live"));
        step_until(&mut h, "finished the set", 800, |h| stage(h) == Some(Stage::Done));
        h.run_steps(2);
        h.get_by_label("Session summary");
        let set = h.state().coach().unwrap().sets()[0].clone();
        match exercise {
            Exercise::SidePlank => {
                h.get_by_label("Held in form: left side 5 s · right side 5 s");
                let ids: Vec<String> = h.state().coach().unwrap().issued().iter().map(|c| c.id.clone()).collect();
                assert_eq!(ids.iter().filter(|i| *i == "hold.switch_sides").count(), 1, "{ids:?}");
            }
            _ => {
                assert!(set.reps_per_side().iter().all(|&n| n >= 2), "{:?}", set.reps_per_side());
                h.get_by_label(&format!(
                    "Reps: {} · clean: {} · with faults: {}",
                    set.reps.len(),
                    set.clean_reps(),
                    set.faulty_reps()
                ));
            }
        }
        snapshot(&mut h, &format!("flow_{name}_summary"));
    }
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// `--prescription FILE`: the plan's doses and notes reach the picker; a malformed file says where
/// and what, and the previous plan stays in force.
#[test]
fn a_prescription_sets_the_doses_and_a_bad_one_leaves_the_plan_in_force() {
    let launch = test_launch();
    let dir = launch.data_dir.clone().unwrap().join("plans");
    let good = write(
        &dir,
        "good.toml",
        "notes = \"Slowly.\"\n[[exercise]]\nname = \"hinge\"\nsets = 2\nreps = 8\nnotes = \"Soft knees.\"\n",
    );
    let mut h =
        tall_harness(FormcheckApp::new(Launch { prescription: Some(good.clone()), ..launch.clone() }, Vec::new()));
    h.run();
    h.get_by_label("Hip hinge").click();
    h.run();
    h.get_by_label("Dose: 2 sets of 8 reps");
    h.get_by_label("Your therapist: Soft knees.");
    h.get_by_label("From your therapist: Slowly.");
    h.get_by_label_contains(&format!("from {}", good.display()));

    let bad = write(&dir, "bad.toml", "[[exercise]]\nname = \"hinge\"\nsets = 2\nreps = 80\n");
    let mut h = tall_harness(FormcheckApp::new(Launch { prescription: Some(bad), ..launch }, Vec::new()));
    h.run();
    h.get_by_label_contains("bad.toml:4:8: `exercise[0].reps`");
    h.get_by_label_contains("The plan in force is still the usual plan.");
    h.get_by_label("Hip hinge").click();
    h.run();
    h.get_by_label("Dose: 3 sets of 6 reps");
}

/// The plan editor saves a valid plan into the data folder, where the next launch finds it.
#[test]
fn the_plan_edited_in_the_app_is_saved_and_used_next_time() {
    let launch = test_launch();
    let mut h = tall_harness(FormcheckApp::new(launch.clone(), Vec::new()));
    h.run();
    h.get_by_label("Edit plan").click();
    h.run();
    h.get_by_label("Check").click();
    h.run();
    h.get_by_label_contains("Valid.");
    h.get_by_label("Save and use").click();
    h.run();
    let saved = launch.data_dir.clone().unwrap().join("prescription.toml");
    assert!(saved.is_file(), "the plan was not written to {}", saved.display());
    h.get_by_label_contains("Plan saved to");
    formcheck::session::prescription::Prescription::from_file(&saved).expect("the saved plan parses");
    let mut h = tall_harness(FormcheckApp::new(launch, Vec::new()));
    h.run();
    h.get_by_label_contains(&format!("from {}", saved.display()));
}

/// Pain above a mild ache after the last session: the start screen suggests the easier dose with
/// its reason, and the plan changes only when the user confirms.
#[test]
fn a_flare_suggests_an_easier_dose_applied_only_when_confirmed() {
    let launch = test_launch();
    let dir = launch.data_dir.clone().unwrap();
    std::fs::create_dir_all(&dir).unwrap();
    {
        let store = formcheck::session::store::Store::open(&dir.join("formcheck.db")).unwrap();
        let plan = formcheck::session::prescription::Prescription::default_plan();
        let s = store.begin_session(formcheck::session::store::SourceKind::Camera, None, Some(&plan)).unwrap();
        let set = store.begin_set(s, Exercise::Hinge).unwrap();
        store.record_pain(s, formcheck::session::pacing::PainKind::Before, 2, None, &[]).unwrap();
        store.end_set(set, 0.0).unwrap();
        store.record_pain(s, formcheck::session::pacing::PainKind::After, 6, Some(set), &[]).unwrap();
        store.end_session(s).unwrap();
    }
    let mut h = harness(FormcheckApp::new(launch, Vec::new()));
    h.run();
    h.get_by_label("Suggested: an easier dose");
    h.get_by_label("Hip hinge").click();
    h.run();
    h.get_by_label("Dose: 3 sets of 6 reps");
    h.get_by_label("Apply this change").click();
    h.run();
    h.get_by_label("Dose: 3 sets of 4 reps");
    h.get_by_label_contains("Plan saved to");
}

/// A session that ended yesterday asks for the next-day check-in, once.
#[test]
fn the_next_day_check_in_is_asked_and_recorded() {
    let launch = test_launch();
    let dir = launch.data_dir.clone().unwrap();
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("formcheck.db");
    let session = {
        let store = formcheck::session::store::Store::open(&db).unwrap();
        store.set_now(Some(formcheck::session::store::unix_now() - 20 * 3600));
        let s = store.begin_session(formcheck::session::store::SourceKind::Camera, None, None).unwrap();
        let set = store.begin_set(s, Exercise::Hinge).unwrap();
        store.end_set(set, 0.0).unwrap();
        store.end_session(s).unwrap();
        s
    };
    let mut h = harness(FormcheckApp::new(launch, Vec::new()));
    h.run();
    h.get_by_label_contains("Next-day check-in");
    h.get_by_label("5").click();
    h.run();
    h.get_by_label("Thank you: 5/10 recorded for that session.");
    assert!(h.query_by_label_contains("Next-day check-in").is_none(), "asked again after the answer");
    let store = formcheck::session::store::Store::open(&db).unwrap();
    let pain = store.load_session(session).unwrap().pain;
    assert_eq!(
        pain.iter().map(|p| (p.kind, p.score)).collect::<Vec<_>>(),
        vec![(formcheck::session::pacing::PainKind::NextDay, 5)]
    );
}

/// The history screen charts each session of an exercise from the store: reps, clean share,
/// depth and pain, with a report per session.
#[test]
fn history_charts_the_recorded_sessions() {
    use formcheck::form::{FaultId, HingeRep, RepRecord, SpineMethod};
    let launch = launch_in("history");
    let dir = launch.data_dir.clone().unwrap();
    std::fs::create_dir_all(&dir).unwrap();
    let rep = |i: u32, faults: Vec<FaultId>, depth: f32| RepRecord {
        index: i,
        side: None,
        start_s: f64::from(i) * 8.0,
        end_s: f64::from(i) * 8.0 + 6.0,
        faults,
        fault_durations: Default::default(),
        hinge: Some(HingeRep {
            bottom_s: f64::from(i) * 8.0 + 3.0,
            peak_trunk_deg: depth,
            peak_hip_deg: 110.0,
            peak_knee_deg: Some(20.0),
            bottom_knee_flexion_deg: Some(18.0),
            top_hip_deg: 175.0,
            lowering_s: 2.5,
            rising_s: 2.0,
            max_thoracic_offset: None,
            worst_head_deg: None,
            spine_method: SpineMethod::NotJudged,
            mask_refused: None,
            spine_not_judged: None,
            started_at_bottom: false,
            max_thoracic_gap: None,
            worst_gap_s: None,
            head_contact: None,
        }),
        bird_dog: None,
        rom: vec![],
    };
    {
        let store = formcheck::session::store::Store::open(&dir.join("formcheck.db")).unwrap();
        let day = 86_400;
        for (k, (reps, faulty, depth, before, after)) in
            [(6u32, 2u32, 55.0f32, 3u8, 4u8), (6, 1, 62.0, 3, 3), (5, 0, 66.0, 2, 2)].into_iter().enumerate()
        {
            store.set_now(Some(1_790_000_000 + k as i64 * day));
            let s = store.begin_session(formcheck::session::store::SourceKind::Camera, None, None).unwrap();
            store.record_pain(s, formcheck::session::pacing::PainKind::Before, before, None, &[]).unwrap();
            let set = store.begin_set(s, Exercise::Hinge).unwrap();
            for i in 1..=reps {
                let f = if i <= faulty { vec![FaultId::RoundedBack] } else { vec![] };
                store.record_rep(set, &rep(i, f, depth - i as f32)).unwrap();
            }
            store.end_set(set, 0.0).unwrap();
            store.record_pain(s, formcheck::session::pacing::PainKind::After, after, Some(set), &[]).unwrap();
            store.end_session(s).unwrap();
        }
    }
    let mut h = tall_harness(FormcheckApp::new(launch, Vec::new()));
    h.set_size(egui::vec2(1100.0, 1000.0));
    h.run();
    h.get_by_label("History").click();
    h.run();
    h.get_by_label("3 sessions of the hip hinge");
    h.get_by_label("6 (4)");
    h.get_by_label("6 (5)");
    h.get_by_label("5 (5)");
    h.get_by_label("3 / 4 / -");
    h.get_by_label("Peak hinge depth (trunk angle from vertical, degrees)");
    h.get_by_label("Clean reps (%)");
    snapshot(&mut h, "history_hinge");
    h.get_by_label("Report of session 3").click();
    h.run();
    h.get_by_label_contains("Report written:");
    let html = std::fs::read_to_string(dir.join("reports/session-3.html")).expect("the report was written");
    assert!(html.contains("<html") && html.contains("Hip hinge"), "not a report");
    h.get_by_label("Bird dog").click();
    h.run();
    h.get_by_label("No bird dog session recorded yet.");
}

/// A prescription opened from the start screen: a bad one says where and keeps the plan in force,
/// a good one is used.
#[test]
fn a_prescription_opened_in_the_app_is_checked_before_it_is_used() {
    let launch = test_launch();
    let dir = launch.data_dir.clone().unwrap().join("plans");
    let bad = write(&dir, "bad.toml", "[[exercise]]\nname = \"hinge\"\nsets = 0\nreps = 6\n");
    let good = write(&dir, "good.toml", "[[exercise]]\nname = \"hinge\"\nsets = 1\nreps = 5\n");
    let mut h = tall_harness(FormcheckApp::new(launch, Vec::new()));
    h.run();
    h.get_by_label("Hip hinge").click();
    h.run();
    h.get_by_label("Open a prescription file:").click();
    h.run();
    h.get_by_label("Open a prescription file:").type_text(&bad.display().to_string());
    h.run();
    h.get_by_label("Use this plan").click();
    h.run();
    h.get_by_label_contains("bad.toml:3:8: `exercise[0].sets`");
    h.get_by_label("Dose: 3 sets of 6 reps");
    let field = h.get_by_label("Open a prescription file:");
    field.click();
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_label("Open a prescription file:").type_text(&good.display().to_string());
    h.run();
    h.get_by_label("Use this plan").click();
    h.run();
    h.get_by_label("Dose: 5 reps");
    h.get_by_label_contains("Now using the plan in");
}

/// Text size and high contrast apply to the whole window (the live screen has the same row).
#[test]
fn text_size_and_high_contrast_apply_to_the_window() {
    let mut h = tall_harness(FormcheckApp::new(launch_in("contrast"), Vec::new()));
    h.run();
    assert!((h.ctx.zoom_factor() - 1.0).abs() < 1e-6);
    h.get_by_label("large").click();
    h.run();
    assert!((h.state_mut().settings_mut().font_scale - 1.3).abs() < 1e-6);
    h.run();
    assert!((h.ctx.zoom_factor() - 1.3).abs() < 1e-6, "zoom {}", h.ctx.zoom_factor());
    h.get_by_label("High contrast").click();
    h.run();
    let v = h.ctx.global_style().visuals.clone();
    assert_eq!(v.panel_fill, egui::Color32::BLACK);
    assert_eq!(v.override_text_color, Some(egui::Color32::WHITE));
    snapshot(&mut h, "start_screen_large_high_contrast");
}

/// "Choose a file..." opens formcheck's own file dialog: folders to walk into, the .toml files to
/// pick; the chosen plan is checked and used.
#[test]
fn a_prescription_is_chosen_in_the_file_dialog() {
    let launch = test_launch();
    let dir = launch.data_dir.clone().unwrap().join("plans");
    write(&dir.join("week3"), "plan.toml", "[[exercise]]\nname = \"hinge\"\nsets = 2\nreps = 7\n");
    write(&dir, "readme.txt", "not a plan");
    let mut h = tall_harness(FormcheckApp::new(launch, Vec::new()));
    h.run();
    h.get_by_label("Hip hinge").click();
    h.run();
    // Start the dialog in the plans folder: type it, then browse from there.
    h.get_by_label("Choose a file...").click();
    h.run();
    h.get_by_label("Or type a path:").click();
    h.run();
    h.get_by_label("Or type a path:").type_text(&dir.join("week3/plan.toml").display().to_string());
    h.run();
    h.get_by_label("Cancel").click();
    h.run();
    assert!(h.query_by_label("Or type a path:").is_none(), "the dialog closed");
    h.get_by_label("Dose: 3 sets of 6 reps");
    h.get_by_label("Choose a file...").click();
    h.run();
    // It starts in the folder of the plan in force (the data folder): walk down, up and down.
    h.get_by_label("[folder] plans").click();
    h.run();
    assert!(h.query_by_label("readme.txt").is_none(), "only .toml files are offered");
    h.get_by_label_contains("No toml file in this folder.");
    h.get_by_label("[folder] week3").click();
    h.run();
    h.get_by_label("Up one folder").click();
    h.run();
    h.get_by_label("[folder] week3").click();
    h.run();
    h.get_by_label("plan.toml").click();
    h.run();
    h.get_by_label("Dose: 2 sets of 7 reps");
    h.get_by_label_contains("Now using the plan in");
}
