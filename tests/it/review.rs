//! The clip review screen with egui_kittest: a corpus clip analysed in the background, the rep
//! list, jumping to reps and to the worst frame, the angle readouts, the arrow keys, the fault
//! buttons, cancelling, an unreadable file, and a snapshot of the screen at a fixed frame.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use formcheck::app::review::Timeline;
use formcheck::app::{FormcheckApp, Launch};
use formcheck::form::Exercise;
use formcheck::pipeline::analyze::Analysis;
use formcheck::pose::ModelKind;

fn harness(app: FormcheckApp) -> Harness<'static, FormcheckApp> {
    crate::support::app_harness(app, egui::vec2(1280.0, 800.0), true)
}

fn review_launch(clip: PathBuf) -> Launch {
    // Thunder, the default model: on this clip Lightning's far-arm keypoints are too rough for the
    // mask to judge any rep (see the closing notes).
    Launch { review: Some(clip), exercise: Some(Exercise::Hinge), model: ModelKind::Thunder, ..Launch::default() }
}

/// Steps the app (with real time passing: the work is on other threads) until `done`, at most `secs`.
fn wait_for(h: &mut Harness<'_, FormcheckApp>, what: &str, secs: u64, done: impl Fn(&FormcheckApp) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !done(h.state()) {
        assert!(Instant::now() < deadline, "after {secs} s: never {what}");
        std::thread::sleep(Duration::from_millis(40));
        h.step();
    }
    h.step();
}

/// Waits for the review's analysis to finish without an error; its analysis and timeline.
fn analysed(h: &mut Harness<'_, FormcheckApp>) -> (Analysis, Timeline) {
    wait_for(h, "finished the analysis", 240, |app| app.review().is_some_and(|r| !r.is_analysing()));
    let review = h.state().review().unwrap();
    assert_eq!(review.error(), None);
    (review.analysis().expect("analysis done").clone(), review.timeline().unwrap().clone())
}

fn playhead(h: &Harness<'_, FormcheckApp>) -> usize {
    h.state().review().and_then(|r| r.playhead()).expect("the review is showing")
}

fn deg(v: Option<f32>) -> String {
    v.map_or("—".into(), |v| format!("{v:.0}°"))
}

/// The readouts the screen must show for frame `k` of the analysis.
fn expected_readouts(a: &Analysis, k: usize) -> Vec<String> {
    let f = &a.frames[k];
    let angles = f.form.as_ref().expect("form state on every frame").angles;
    let gap = f.back.as_ref().and_then(|b| b.thoracic_gap);
    vec![
        format!("Trunk {}", deg(angles.trunk_deg)),
        format!("Hip {}", deg(angles.hip_deg)),
        format!("Knee {}", deg(angles.knee_flexion_deg)),
        format!("Head {}", deg(angles.head_deg)),
        format!("Thoracic gap {}", gap.map_or("—".into(), |g| format!("{g:.3}"))),
    ]
}

fn frame_label(a: &Analysis, k: usize) -> String {
    format!("Frame {} of {} · {:.2} s", k + 1, a.frames.len(), a.frames[k].t)
}

#[test]
fn reviewing_the_good_mornings_clip_as_a_hinge() {
    let clip = crate::support::corpus_file("clips/wahoo_good_mornings.mp4");
    // Judged under a plan with a trunk-lean target: each rep shows its range of motion against it.
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.toml");
    std::fs::write(&plan, "[[exercise]]\nname = \"hinge\"\nsets = 1\nreps = 3\ntarget_trunk_lean_deg = 60\n").unwrap();
    let launch = Launch { prescription: Some(plan), data_dir: Some(dir.path().join("data")), ..review_launch(clip) };
    let mut h = harness(FormcheckApp::new(launch, Vec::new()));
    h.run_steps(2);
    // The analysis runs in the background: the screen shows its progress and stays responsive.
    assert!(h.state().review().is_some_and(formcheck::app::review::ReviewView::is_analysing));
    h.get_by_label_contains("Analysing the recording");
    h.get_by_label("Cancel");
    let (a, timeline) = analysed(&mut h);
    let report = &a.exercise.as_ref().expect("hinge verdict").report;

    // The rep list shows what the analysis found: 3 or more reps, each with its span.
    let n = report.reps.len();
    assert!(n >= 3, "the clip has 3 full reps in view; the analysis found {n}");
    let clean = report.reps.iter().filter(|r| r.faults.is_empty()).count();
    h.get_by_label(&format!("{n} reps · {clean} clean"));
    let rep_button = |i: usize| {
        let r = &report.reps[i];
        format!("Rep {}: {:.1}–{:.1} s", r.index, r.start_s, r.end_s)
    };
    for i in 0..n {
        h.get_by_label(&rep_button(i));
    }
    assert!(h.query_by_label_contains(&format!("Rep {}:", n + 1)).is_none(), "no rep beyond the analysis's");
    assert_eq!(timeline.reps.len(), n);
    // Range of motion: each rep's trunk lean against the plan's target, and its hip flexion.
    let rom: Vec<String> =
        report.reps.iter().flat_map(|r| r.rom.iter().map(formcheck::form::RomReading::text)).collect();
    assert_eq!(rom.len(), 2 * n, "trunk lean and hip flexion per rep: {rom:?}");
    assert_eq!(rom.iter().filter(|t| t.contains("(target 60°: ")).count(), n, "{rom:?}");
    for label in &rom {
        let want = rom.iter().filter(|l| *l == label).count();
        assert_eq!(h.query_all_by_label(label).count(), want, "{label}");
    }

    // Jump to rep 2: the playhead goes to its start and the readouts show numbers for that frame.
    h.get_by_label(&rep_button(1)).click();
    h.run_steps(3);
    let k = playhead(&h);
    assert_eq!(k, timeline.nearest_frame(report.reps[1].start_s));
    h.get_by_label(&frame_label(&a, k));
    let readouts = expected_readouts(&a, k);
    for r in &readouts {
        h.get_by_label(r);
    }
    assert!(!readouts[0].contains('—') && !readouts[1].contains('—'), "trunk and hip measured at a rep's start");

    // A rep the mask could not judge says why (on this clip, every full-view rep: her near arm
    // lies along the back; see tests/back_real.rs). A judged rep's worst frame: the next test.
    let mut refused: Vec<String> = report
        .reps
        .iter()
        .filter_map(|r| r.hinge.as_ref())
        .filter(|h| h.max_thoracic_gap.is_none())
        .filter_map(|h| h.mask_refused.as_ref())
        .map(|why| format!("max thoracic gap: not judged ({})", formcheck::back::refusal_text(why)))
        .collect();
    assert!(refused.len() >= 3, "the full-view reps do not all say why the mask could not judge them: {refused:?}");
    refused.sort();
    for label in refused.iter().collect::<std::collections::BTreeSet<_>>() {
        let want = refused.iter().filter(|l| *l == label).count();
        assert_eq!(h.query_all_by_label(label).count(), want, "{label}");
    }
    // The arrow keys step one frame (from rep 2's start).
    h.key_press(egui::Key::ArrowRight);
    h.run_steps(2);
    assert_eq!(playhead(&h), k + 1);
    h.get_by_label(&frame_label(&a, k + 1));
    h.key_press(egui::Key::ArrowLeft);
    h.run_steps(2);
    h.key_press(egui::Key::ArrowLeft);
    h.run_steps(2);
    assert_eq!(playhead(&h), k - 1);
    for r in expected_readouts(&a, k - 1) {
        h.get_by_label(&r);
    }

    // A click on the timeline in the middle of rep 3 puts the playhead there.
    let rect = h.get_by_label("Timeline").rect();
    let rep3 = &report.reps[2];
    let mid = 0.5 * (rep3.start_s + rep3.end_s);
    let (x0, x1) = (rect.left() + 120.0, rect.right() - 8.0);
    let f = (mid - timeline.start()) / (timeline.end() - timeline.start());
    let pos = egui::pos2(x0 + (x1 - x0) * f as f32, rect.center().y);
    h.event(egui::Event::PointerMoved(pos));
    let button = |pressed| egui::Event::PointerButton {
        pos,
        button: egui::PointerButton::Primary,
        pressed,
        modifiers: egui::Modifiers::NONE,
    };
    h.event(button(true));
    h.step();
    h.event(button(false));
    h.run_steps(2);
    let t = timeline.times[playhead(&h)];
    assert!((t - mid).abs() < 0.2, "clicked the timeline at {mid:.2} s, the playhead went to {t:.2} s");

    // Next / previous fault jump between onsets, from rep 1's start.
    assert!(!timeline.faults.is_empty(), "the analysis reported faults on this clip");
    h.get_by_label(&rep_button(0)).click();
    h.run_steps(2);
    let start = playhead(&h);
    let next = timeline.next_fault(start).expect("a fault after rep 1's start");
    h.get_by_label("Next fault").click();
    h.run_steps(2);
    assert_eq!(playhead(&h), next);
    let prev = timeline.previous_fault(next).expect("a fault before");
    h.get_by_label("Previous fault").click();
    h.run_steps(2);
    assert_eq!(playhead(&h), prev);
    assert!(prev < next);

    // A fixed frame for the snapshot: rep 2's start, once its picture has been decoded.
    h.get_by_label(&rep_button(1)).click();
    h.run_steps(2);
    let k = playhead(&h);
    wait_for(&mut h, "showed the picture of rep 2's first frame", 60, |app| {
        app.review().and_then(|r| r.frame_shown()) == Some(k)
    });
    h.run_steps(2);
    assert!(h.query_by_label_contains("loading the picture").is_none());
    let options = egui_kittest::SnapshotOptions::default()
        .output_path(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots"));
    h.snapshot_options("review_hinge_rep2", &options);
}

/// A rep whose back the mask judged (the single-leg deadlift, seen from the side) shows its largest
/// thoracic gap, and its worst frame is one click away.
#[test]
fn a_judged_rep_shows_its_largest_gap_and_goes_to_its_worst_frame() {
    let clip = crate::support::corpus_file("clips/wahoo_single_leg_rdl.mp4");
    let mut h = harness(FormcheckApp::new(review_launch(clip), Vec::new()));
    h.run_steps(2);
    let (a, timeline) = analysed(&mut h);
    let report = &a.exercise.as_ref().expect("hinge verdict").report;
    let (index, hinge) = report
        .reps
        .iter()
        .find_map(|r| r.hinge.as_ref().filter(|h| h.worst_gap_s.is_some()).map(|h| (r.index, h)))
        .expect("the mask judged the thoracic gap of at least one rep");
    let worst = hinge.worst_gap_s.unwrap();
    h.get_by_label_contains(&format!("max thoracic gap {:.3}", hinge.max_thoracic_gap.unwrap()));
    h.get_by_label(&format!("Go to worst frame of rep {index}")).click();
    h.run_steps(3);
    let k = playhead(&h);
    assert_eq!(k, timeline.nearest_frame(worst));
    for r in expected_readouts(&a, k) {
        h.get_by_label(&r);
    }
}

#[test]
fn the_start_screen_reviews_a_file_and_an_unreadable_one_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("notes.mp4");
    std::fs::write(&bad, b"this is not a video").unwrap();
    let mut h = harness(FormcheckApp::new(Launch::default(), Vec::new()));
    h.run();
    h.get_by_label("Review a recording");
    h.get_by_label_contains("Choose the exercise above first");
    h.get_by_label("Hip hinge").click();
    h.run();
    h.get_by_label("Recording:").scroll_to_me();
    h.run();
    h.get_by_label("Recording:").focus();
    h.run();
    h.get_by_label("Recording:").type_text(&bad.display().to_string());
    h.run();
    assert_eq!(h.get_by_label("Recording:").value(), Some(bad.display().to_string()));
    h.get_by_label("Analyse and review").click();
    h.run_steps(2);
    assert!(h.state().review().is_some(), "the review screen opened");
    wait_for(&mut h, "gave up on the unreadable file", 60, |app| app.review().is_some_and(|r| r.error().is_some()));
    h.get_by_label("The recording could not be analysed");
    h.get_by_label_contains("cannot be read as a video");
    h.get_by_label("Choose another recording").click();
    h.run_steps(2);
    assert!(h.state().review().is_none(), "back on the start screen");
}

#[test]
fn a_running_analysis_can_be_cancelled() {
    let clip = crate::support::corpus_file("clips/wahoo_good_mornings.mp4");
    let mut h = harness(FormcheckApp::new(review_launch(clip), Vec::new()));
    h.run_steps(2);
    h.get_by_label("Cancel").click();
    h.run_steps(2);
    assert!(h.state().review().is_none(), "cancel goes back to the start screen at once");
    h.get_by_label("Review a recording");
}

/// The review's on-demand seek gives the same picture as decoding the clip from its start, for
/// frames after a keyframe (the seek decodes from the keyframe and drops what is before).
#[test]
fn seeking_to_a_frame_gives_that_frame() {
    use formcheck::capture::FrameSource;
    use formcheck::pipeline::seek::{decode_at, seek_time};
    let clip = crate::support::corpus_file("clips/wahoo_good_mornings.mp4");
    let mut src = formcheck::capture::video::VideoSource::open(&clip, formcheck::frame::PixelFormat::Yuv420p).unwrap();
    let mut times = Vec::new();
    while times.len() < 140 {
        times.push(src.next_frame().unwrap().expect("140 frames").t);
    }
    let (w, h) = (96, 54);
    let from_start = decode_at(&clip, 0.0, 140, w, h).unwrap();
    assert_eq!(from_start.len(), 140);
    // The clip's keyframes are at 0, 3.96 and 5.34 s: frames 100 and 130 are decoded from one.
    for k in [100, 130, 139] {
        let t = seek_time(&times, k);
        let one = decode_at(&clip, t, 1, w, h).unwrap();
        assert_eq!(one.len(), 1);
        assert!(one[0] == from_start[k], "the seek for frame {k} ({t:.3} s) gave another picture");
        assert!(one[0] != from_start[k - 1], "frames {} and {k} differ in the clip", k - 1);
    }
}
