//! Home webcam conditions (issue 14, item 5): the verdicts on the real corpus clips hold when the
//! picture is mirrored, small, slow and heavily compressed, or dim, flat and noisy.
//!
//! Each clip is cut to the part its labels cover and re-encoded by ffmpeg, inside the test, into a
//! temporary folder: a near-lossless reference, then one variant per condition, and one with all of
//! them at once. Each is analysed once per model of [`MODELS`] and must give the reference's
//! verdict (its reps, holds and attempts, with their sides) and the clip's labelled verdict. A
//! mirrored picture is analysed as the user would declare it (`--mirrored`,
//! [`formcheck::capture::mirror`]), and the sides must come out as in the original; undeclared,
//! the side plank's side must come out swapped, which shows the side check can fail.
//!
//! Where a model gets a variant wrong, [`KNOWN_WRONG`] says so; where it gets the clip itself wrong,
//! [`REFERENCE_WRONG`] does (its variants are then held to the reference alone). Both are checked
//! both ways, so the test fails when such a case starts passing too.

use std::path::{Path, PathBuf};
use std::process::Command;

use formcheck::form::{Exercise, ExerciseReport, FaultId, FormConfig, Severity, Side};
use formcheck::pipeline::analyze::Analysis;
use formcheck::pose::{ModelKind, PoseModel};

/// The pose models every verdict must hold for: the default, and the lightest BlazePose (its
/// detector, rotated region and tracking at 480 lines, 15 fps and in dim light; full and heavy run
/// the same pipeline on a larger landmark model).
const MODELS: &[ModelKind] = &[ModelKind::Thunder, ModelKind::BlazePoseLite];

/// (model, clip, why) whose reference, the clip itself, is judged wrong by the labels: the same
/// misses as `corpus_models::KNOWN_WRONG` lists on the whole clips. The variants are then compared
/// with the reference only (unchanged), since the labels would repeat the reference's miss.
const REFERENCE_WRONG: &[(ModelKind, &str, &str)] = &[
    (
        ModelKind::BlazePoseLite,
        "clips/wahoo_good_mornings.mp4",
        "rounded_back and head_off_dowel on her neutral spine: the proxies on a body turned about 45 degrees",
    ),
    (
        ModelKind::BlazePoseLite,
        "clips/polybag_bird_dog.mp4",
        "no rep: both reaches are attempts (the leg out of the frame, the far arm placed hanging), with the right sides",
    ),
];

/// (model, clip, variant) whose verdict is known to change: reported, and checked to still fail.
const KNOWN_WRONG: &[(ModelKind, &str, &str)] = &[
    // Dim, flat, noisy light: the first rep is found 0.54 s earlier than in the reference (6.25 s
    // against 6.79 s; the label is 6.5 +- 0.5 s). Counts and faults are unchanged.
    (ModelKind::Thunder, "clips/wahoo_good_mornings.mp4", "720p_dim_noisy_1200k"),
    // Dim, flat, noisy light: the second rep (the other side, 8.0-12.5 s) is not counted, and the
    // first gets `hips_rotate`; with everything at once, the second rep is lost too.
    (ModelKind::Thunder, "clips/polybag_bird_dog.mp4", "720p_dim_noisy_1200k"),
    (ModelKind::Thunder, "clips/polybag_bird_dog.mp4", "all_mirrored_480p_15fps_dim_noisy_400k"),
    // Dim, flat, noisy light: no person is found in the rounded fold, so its back is not judged.
    (ModelKind::Thunder, "stills/istock_forward_fold_rounded_t3.png", "dim_noisy"),
    // Lite on the good mornings: the reference's false spine faults (REFERENCE_WRONG) come and go
    // rep by rep: rounded_back and head_off_dowel each hold for about the fault's minimum time, so
    // a variant flags a different subset of them.
    (ModelKind::BlazePoseLite, "clips/wahoo_good_mornings.mp4", "mirrored"),
    (ModelKind::BlazePoseLite, "clips/wahoo_good_mornings.mp4", "480p_15fps_400k"),
    (ModelKind::BlazePoseLite, "clips/wahoo_good_mornings.mp4", "720p_dim_noisy_1200k"),
    (ModelKind::BlazePoseLite, "clips/wahoo_good_mornings.mp4", "all_mirrored_480p_15fps_dim_noisy_400k"),
    // Lite on the bird dog, dim and noisy: the first reach is reported as two attempts (1.8-2.1
    // and 3.6-4.6 s, both on the left) instead of one; the sides stay right.
    (ModelKind::BlazePoseLite, "clips/polybag_bird_dog.mp4", "720p_dim_noisy_1200k"),
    // Lite on the side plank at 480 lines and 15 fps: the hold ends 0.57 s after the reference's
    // (6.33 against 5.76 s of the segment; 4.27 s in form against 3.80), past the labels' 0.5 s.
    (ModelKind::BlazePoseLite, "clips/wahoo_side_plank.mp4", "480p_15fps_400k"),
];

/// Short side 480 (854x480 landscape, 480x854 portrait): the low end of laptop webcams.
const SCALE_480: &str = "scale=w='if(gt(iw,ih),-2,480)':h='if(gt(iw,ih),480,-2)'";
/// Short side 720 (1280x720 landscape): the high end of laptop webcams.
const SCALE_720: &str = "scale=w='if(gt(iw,ih),-2,720)':h='if(gt(iw,ih),720,-2)'";
/// A dim room: exposure down (black stays near black, white reaches about 55 %), contrast halved,
/// mid-tones darkened, and the sensor's noise at the gain that takes (temporal, every plane,
/// about 7 levels of 255 standard deviation).
const DIM_NOISY: &str = "eq=contrast=0.5:brightness=-0.2:gamma=0.85,noise=alls=12:allf=t";

/// How a variant is made from the clip, and how it is declared.
#[derive(Debug, Clone, Copy)]
struct Variant {
    name: &'static str,
    /// ffmpeg video filters (in order).
    filters: &'static [&'static str],
    /// Output frame rate (None: the clip's).
    fps: Option<u32>,
    /// Capped bitrate in kbit/s (None: near-lossless, CRF 12).
    kbps: Option<u32>,
    /// The picture is a mirror image, declared so to formcheck.
    mirrored: bool,
}

const REFERENCE: Variant = Variant { name: "reference", filters: &[], fps: None, kbps: None, mirrored: false };

const VARIANTS: [Variant; 4] = [
    Variant { name: "mirrored", filters: &["hflip"], fps: None, kbps: None, mirrored: true },
    Variant { name: "480p_15fps_400k", filters: &[SCALE_480], fps: Some(15), kbps: Some(400), mirrored: false },
    Variant {
        name: "720p_dim_noisy_1200k",
        filters: &[SCALE_720, DIM_NOISY],
        fps: None,
        kbps: Some(1200),
        mirrored: false,
    },
    Variant {
        name: "all_mirrored_480p_15fps_dim_noisy_400k",
        filters: &["hflip", SCALE_480, DIM_NOISY],
        fps: Some(15),
        kbps: Some(400),
        mirrored: true,
    },
];

/// Runs ffmpeg, failing the test with its message if it fails.
fn ffmpeg(args: &[&str]) {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-nostdin", "-loglevel", "error", "-y"])
        .args(args)
        .output()
        .expect("ffmpeg runs (it is needed to read video anyway)");
    assert!(out.status.success(), "ffmpeg {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
}

/// `clip` from `from` seconds for `len` seconds (all of it with None), made into `v` in `dir`.
fn make_clip(dir: &Path, clip: &Path, from: f64, len: Option<f64>, v: &Variant) -> PathBuf {
    let out = dir.join(format!("{}.mp4", v.name));
    let vf = if v.filters.is_empty() { "null".to_string() } else { v.filters.join(",") };
    let (from, len) = (format!("{from:.3}"), len.map(|l| format!("{l:.3}")));
    let fps = v.fps.map(|f| f.to_string());
    let (rate, maxrate, bufsize) =
        v.kbps.map_or_else(Default::default, |k| (format!("{k}k"), format!("{k}k"), format!("{}k", 2 * k)));
    let mut args: Vec<&str> = vec!["-ss", &from];
    if let Some(l) = &len {
        args.extend(["-t", l]);
    }
    args.extend(["-i", clip.to_str().expect("utf-8 path"), "-an", "-vf", &vf]);
    if let Some(f) = &fps {
        args.extend(["-r", f]);
    }
    args.extend(["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-threads", "2"]);
    if v.kbps.is_some() {
        args.extend(["-b:v", &rate, "-maxrate", &maxrate, "-bufsize", &bufsize]);
    } else {
        args.extend(["-crf", "12"]);
    }
    args.push(out.to_str().expect("utf-8 path"));
    ffmpeg(&args);
    out
}

/// The whole pipeline on `path` with `model`, the source declared mirrored or not.
pub(crate) fn analyze(path: &Path, model: ModelKind, mirrored: bool, exercise: Exercise) -> Analysis {
    let name = path.display().to_string();
    let src = formcheck::capture::open_path(path, formcheck::frame::PixelFormat::Yuv420p)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let src = formcheck::capture::mirror::unmirror_if(src, mirrored);
    let pose = PoseModel::load(model, 2).unwrap_or_else(|e| panic!("{e}"));
    let a = formcheck::pipeline::analyze::analyze(
        &name,
        src,
        pose,
        Some((exercise, FormConfig::default())),
        &mut |_, _| {},
    )
    .expect("analysis");
    assert!(a.error.is_none(), "{name}: {:?}", a.error);
    assert_eq!(a.source.mirrored, mirrored, "{name}: the analysis records whether the picture was flipped back");
    a
}

fn report(a: &Analysis) -> &ExerciseReport {
    &a.exercise.as_ref().expect("exercise verdict").report
}

fn major(faults: &[FaultId]) -> Vec<FaultId> {
    faults.iter().copied().filter(|f| f.severity() == Severity::Major).collect()
}

/// One line per rep and hold, with times on the original clip's clock.
fn describe(r: &ExerciseReport, offset: f64) -> String {
    let mut s = String::new();
    for rep in &r.reps {
        s += &format!(
            "\n    rep {} {:?} {:.2}-{:.2} s faults {:?}",
            rep.index,
            rep.side,
            rep.start_s + offset,
            rep.end_s + offset,
            rep.faults
        );
    }
    for h in &r.holds {
        s += &format!(
            "\n    hold {} {:?} {:.2}-{:.2} s in form {:.2} s faults {:?}",
            h.index,
            h.side,
            h.start_s + offset,
            h.end_s + offset,
            h.seconds_in_form,
            h.faults
        );
    }
    for a in &r.attempts {
        s += &format!("\n    attempt {:?} {:.2}-{:.2} s {:?}", a.side, a.start_s + offset, a.end_s + offset, a.reason);
    }
    s
}

/// A clip's labelled verdict: what is wrong with `r` (times on the segment's clock, which starts
/// at `offset` s of the original); the labelled times only when `times`. Empty: right.
type Check = fn(r: &ExerciseReport, offset: f64, times: bool) -> Vec<String>;

/// The labels' time precision (MANIFEST: +-0.5 s): a variant's reps and holds must start and end
/// within it of the reference's, and count as many seconds in form.
const TIME_TOLERANCE_S: f64 = 0.5;

/// How the verdict on a variant differs from the verdict on the reference: the reps and holds, in
/// order, with their sides, their major faults, their times (within [`TIME_TOLERANCE_S`]) and a
/// hold's seconds in form; and the attempts (not counted, but reported), their number and sides.
/// Minor faults (cues about tempo, soft knees, reach height) are printed, not compared. Empty:
/// unchanged.
fn changes(r: &ExerciseReport, reference: &ExerciseReport) -> Vec<String> {
    let mut bad = Vec::new();
    if r.reps.len() != reference.reps.len() || r.holds.len() != reference.holds.len() {
        bad.push(format!(
            "{} reps and {} holds, the reference has {} and {}",
            r.reps.len(),
            r.holds.len(),
            reference.reps.len(),
            reference.holds.len()
        ));
    }
    if sides(r) != sides(reference) {
        bad.push(format!("sides {:?}, the reference's are {:?}", sides(r), sides(reference)));
    }
    let attempts = |r: &ExerciseReport| r.attempts.iter().map(|a| a.side).collect::<Vec<_>>();
    if attempts(r) != attempts(reference) {
        bad.push(format!("attempts on sides {:?}, the reference's on {:?}", attempts(r), attempts(reference)));
    }
    let near = |a: f64, b: f64| (a - b).abs() <= TIME_TOLERANCE_S;
    for (x, y) in r.reps.iter().zip(&reference.reps) {
        if major(&x.faults) != major(&y.faults) {
            bad.push(format!(
                "rep {}: major faults {:?}, the reference's {:?}",
                x.index,
                major(&x.faults),
                major(&y.faults)
            ));
        }
        if !near(x.start_s, y.start_s) || !near(x.end_s, y.end_s) {
            bad.push(format!(
                "rep {} at {:.2}-{:.2} s, the reference's at {:.2}-{:.2} s",
                x.index, x.start_s, x.end_s, y.start_s, y.end_s
            ));
        }
    }
    for (x, y) in r.holds.iter().zip(&reference.holds) {
        if major(&x.faults) != major(&y.faults) {
            bad.push(format!(
                "hold {}: major faults {:?}, the reference's {:?}",
                x.index,
                major(&x.faults),
                major(&y.faults)
            ));
        }
        if !near(x.start_s, y.start_s) || !near(x.end_s, y.end_s) || !near(x.seconds_in_form, y.seconds_in_form) {
            bad.push(format!(
                "hold {} at {:.2}-{:.2} s, {:.2} s in form; the reference's at {:.2}-{:.2} s, {:.2} s",
                x.index, x.start_s, x.end_s, x.seconds_in_form, y.start_s, y.end_s, y.seconds_in_form
            ));
        }
    }
    bad
}

/// The sides of the reps and holds, in order.
fn sides(r: &ExerciseReport) -> Vec<Option<Side>> {
    r.reps.iter().map(|x| x.side).chain(r.holds.iter().map(|h| h.side)).collect()
}

/// wahoo_good_mornings.mp4 (MANIFEST): 3 full-view reps completed before 17.0 s, on the labels
/// 6.5-9.0, 10.0-12.0, 13.3-15.8 (+-0.5 s), no major fault on them.
pub(crate) fn good_mornings(r: &ExerciseReport, offset: f64, times: bool) -> Vec<String> {
    let mut bad = Vec::new();
    let before: Vec<_> = r.reps.iter().filter(|x| x.end_s + offset < 17.0).collect();
    if before.len() != 3 {
        bad.push(format!("{} reps completed before 17.0 s, not 3", before.len()));
    }
    for (rep, (from, to)) in before.iter().zip([(6.5, 9.0), (10.0, 12.0), (13.3, 15.8)]) {
        let overlap = (rep.end_s + offset).min(to + 0.5) - (rep.start_s + offset).max(from - 0.5);
        if times && overlap <= 0.5 * (to - from) {
            bad.push(format!("rep {} off its label {from}-{to} s", rep.index));
        }
        if !major(&rep.faults).is_empty() {
            bad.push(format!("rep {}: major faults {:?}", rep.index, major(&rep.faults)));
        }
    }
    bad
}

/// wahoo_side_plank.mp4 (MANIFEST): one hold within 12.0-15.8 (+-0.5 s; the setup ends at 11.8,
/// the close-up starts at 16.0) with 2.5 to 5.5 s in form, no rep, on a side.
pub(crate) fn side_plank(r: &ExerciseReport, offset: f64, times: bool) -> Vec<String> {
    let mut bad = Vec::new();
    if !r.reps.is_empty() {
        bad.push(format!("{} reps in a side plank", r.reps.len()));
    }
    if r.holds.len() != 1 {
        bad.push(format!("{} holds, not 1", r.holds.len()));
    }
    if let Some(h) = r.holds.first() {
        if times && (h.start_s + offset < 11.8 - 0.5 || h.end_s + offset > 16.0 + 0.5) {
            bad.push(format!("hold at {:.2}-{:.2} s, outside 11.3-16.5 s", h.start_s + offset, h.end_s + offset));
        }
        if !(2.5..=5.5).contains(&h.seconds_in_form) {
            bad.push(format!("{:.2} s in form", h.seconds_in_form));
        }
        if h.side.is_none() {
            bad.push("no lower side".into());
        }
    }
    bad
}

/// polybag_bird_dog.mp4 (MANIFEST): reps 1.0-5.5 and 8.0-12.5 (+-0.5 s), one per side; each
/// rep's side is its reaching arm, opposite its leg.
pub(crate) fn bird_dog(r: &ExerciseReport, offset: f64, times: bool) -> Vec<String> {
    let mut bad = Vec::new();
    if r.reps.len() != 2 {
        bad.push(format!("{} reps, not 2", r.reps.len()));
    }
    for (rep, (from, to)) in r.reps.iter().zip([(1.0, 5.5), (8.0, 12.5)]) {
        if times && (rep.start_s + offset < from - 0.5 || rep.end_s + offset > to + 0.5) {
            let (a, b) = (rep.start_s + offset, rep.end_s + offset);
            bad.push(format!("rep {} at {a:.2}-{b:.2} s, label {from}-{to} s", rep.index));
        }
        if rep.side != rep.bird_dog.as_ref().map(|b| b.leg.other()) {
            bad.push(format!("rep {}: the side is not the arm opposite the leg", rep.index));
        }
    }
    if r.reps.len() == 2 && r.reps[0].side == r.reps[1].side {
        bad.push("both reps on one side".into());
    }
    bad
}

/// One clip's variants (in a temporary folder that lives as long as this) and each model's
/// analysis of the reference.
struct Made {
    _dir: tempfile::TempDir,
    clips: Vec<(Variant, PathBuf)>,
    references: Vec<(ModelKind, Analysis)>,
}

/// Makes the variants of one clip's segment, analyses each with every model, and checks each.
fn check_clip(clip: &str, exercise: Exercise, from: f64, len: Option<f64>, check: Check) -> Made {
    let src = crate::support::corpus_file(clip);
    let dir = tempfile::tempdir().expect("temporary folder");
    let made: Vec<(Variant, PathBuf)> =
        std::iter::once(REFERENCE).chain(VARIANTS).map(|v| (v, make_clip(dir.path(), &src, from, len, &v))).collect();
    let mut failures = Vec::new();
    let mut references = Vec::new();
    for &model in MODELS {
        let reference = analyze(&made[0].1, model, false, exercise);
        let problems = check(report(&reference), from, true);
        eprintln!("{clip} {} reference: {problems:?}{}", model.name(), describe(report(&reference), from));
        // The reference is the clip itself: it must be right (its verdict is the other tests' too),
        // unless the model is known to get the clip wrong.
        let reference_wrong = REFERENCE_WRONG.iter().any(|&(m, c, _)| (m, c) == (model, clip));
        match (problems.is_empty(), reference_wrong) {
            (false, false) => failures.push(format!("{}: the reference is wrong: {problems:?}", model.name())),
            (true, true) => failures.push(format!(
                "{}: the reference is listed in REFERENCE_WRONG but now right: take it off the list",
                model.name()
            )),
            _ => {}
        }
        for (v, path) in &made[1..] {
            let a = analyze(path, model, v.mirrored, exercise);
            // Unchanged from the reference (times within the labels' precision of its times), and
            // right by the labels' counts, sides and faults as well (unless the reference is not).
            let mut problems = changes(report(&a), report(&reference));
            if !reference_wrong {
                problems.extend(check(report(&a), from, false));
            }
            let known = KNOWN_WRONG.contains(&(model, clip, v.name));
            eprintln!(
                "{clip} {} {} ({}x{}): {}{}",
                model.name(),
                v.name,
                a.source.width,
                a.source.height,
                if problems.is_empty() { "right".to_string() } else { format!("WRONG {problems:?}") },
                describe(report(&a), from)
            );
            match (problems.is_empty(), known) {
                (false, false) => failures.push(format!("{} {}: {problems:?}", model.name(), v.name)),
                (true, true) => failures.push(format!(
                    "{} {}: listed in KNOWN_WRONG but now right: take it off the list",
                    model.name(),
                    v.name
                )),
                _ => {}
            }
        }
        references.push((model, reference));
    }
    assert!(failures.is_empty(), "{clip} under webcam conditions:\n{}", failures.join("\n"));
    Made { _dir: dir, clips: made, references }
}

#[test]
fn good_mornings_three_reps_no_major_fault_under_webcam_conditions() {
    // 4.0-18.5 s: after the title card, up to the close-up (the 4th rep, from 17.0 s, finishes in it).
    check_clip("clips/wahoo_good_mornings.mp4", Exercise::Hinge, 4.0, Some(14.5), good_mornings);
}

#[test]
fn side_plank_one_hold_on_its_side_under_webcam_conditions() {
    // 10.0-17.5 s: the end of the setup, the full-body hold, the start of the close-up.
    let made = check_clip("clips/wahoo_side_plank.mp4", Exercise::SidePlank, 10.0, Some(7.5), side_plank);
    // Undeclared, a mirror image is a person lying on the other side: the lower side comes out
    // swapped. (This is why the picture must be declared mirrored, and shows the side check bites.)
    let (v, mirrored) = &made.clips[1];
    assert!(v.mirrored && v.filters == ["hflip"]);
    for (model, reference) in &made.references {
        let original = report(reference).holds.first().and_then(|h| h.side);
        let undeclared =
            report(&analyze(mirrored, *model, false, Exercise::SidePlank)).holds.first().and_then(|h| h.side);
        assert!(original.is_some(), "{}: the original hold has a side", model.name());
        assert_eq!(
            undeclared,
            original.map(Side::other),
            "{}: a mirrored picture not declared mirrored reads as the other side",
            model.name()
        );
    }
}

#[test]
fn bird_dog_two_reps_sides_right_under_webcam_conditions() {
    check_clip("clips/polybag_bird_dog.mp4", Exercise::BirdDog, 0.0, None, bird_dog);
}

/// The stills path: a rounded fold and a flat back, each mirrored (declared), small and heavily
/// compressed (JPEG), and dim and noisy: judged, with the labelled verdict.
#[test]
fn spine_stills_keep_their_verdict_under_webcam_conditions() {
    let dir = tempfile::tempdir().expect("temporary folder");
    // (name, filters, JPEG quality (2 best, 31 worst), declared mirrored). The stills are 768x432
    // already, below a webcam's 480 lines: kept at their size, not scaled up.
    let variants: [(&str, &[&str], &str, bool); 3] = [
        ("mirrored", &["hflip"], "2", true),
        ("jpeg_q12", &["null"], "12", false),
        ("dim_noisy", &[DIM_NOISY], "5", false),
    ];
    let mut failures = Vec::new();
    for (rel, rounded) in
        [("stills/istock_forward_fold_rounded_t3.png", true), ("stills/istock_half_lift_flatback_t9.png", false)]
    {
        let src = crate::support::corpus_file(rel);
        for (name, filters, quality, mirrored) in variants {
            let out = dir.path().join(format!("{}_{name}.jpg", src.file_stem().unwrap().to_string_lossy()));
            let vf = filters.join(",");
            ffmpeg(&[
                "-i",
                src.to_str().unwrap(),
                "-vf",
                &vf,
                "-frames:v",
                "1",
                "-q:v",
                quality,
                out.to_str().unwrap(),
            ]);
            for &model in MODELS {
                let a = analyze(&out, model, mirrored, Exercise::Hinge);
                let spine = &a.exercise.as_ref().expect("exercise verdict").spine;
                assert!(spine.len() <= 1, "{rel}: one still, at most one spine check");
                // No spine check: no person seen in the still.
                let c = spine.first().map(|s| &s.check);
                let right = c.is_some_and(|c| c.judged && c.rounded_back == rounded);
                eprintln!("{rel} {} {name}: {}{c:?}", model.name(), if right { "" } else { "WRONG " });
                let known = KNOWN_WRONG.contains(&(model, rel, name));
                if right == known {
                    failures.push(format!(
                        "{rel} {} {name}: {}",
                        model.name(),
                        if known { "listed in KNOWN_WRONG but now right".to_string() } else { format!("wrong: {c:?}") }
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "spine stills under webcam conditions:\n{}", failures.join("\n"));
}

/// `formcheck analyze --mirrored` end to end: a still flipped by ffmpeg (losslessly) and declared
/// mirrored is flipped back to the very picture it was, so every keypoint, by name, is the
/// original's; the JSON says the picture was flipped back. A saved analysis has no picture to flip:
/// `--mirrored` there is refused, saying what to do.
#[test]
fn analyze_mirrored_flips_the_picture_back_before_the_model() {
    let src = crate::support::corpus_file("stills/polybag_bird_dog_ext_t4.png");
    let dir = tempfile::tempdir().expect("temporary folder");
    let flipped = dir.path().join("flipped.png");
    ffmpeg(&["-i", src.to_str().unwrap(), "-vf", "hflip", "-frames:v", "1", flipped.to_str().unwrap()]);
    let run = |path: &Path, mirrored: bool| -> serde_json::Value {
        let mut cmd = Command::new(crate::support::formcheck_bin());
        cmd.args(["analyze", "--quiet", "--json", "-"]).arg(path);
        if mirrored {
            cmd.arg("--mirrored");
        }
        let out = cmd.output().expect("formcheck runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).expect("JSON on standard output")
    };
    let keypoints = |v: &serde_json::Value| -> Vec<(String, f64, f64, f64)> {
        v["frames"][0]["keypoints"]
            .as_array()
            .expect("keypoints")
            .iter()
            .map(|k| {
                let f = |n: &str| k[n].as_f64().expect("number");
                (k["name"].as_str().expect("name").to_string(), f("x"), f("y"), f("score"))
            })
            .collect()
    };
    let (original, declared) = (run(&src, false), run(&flipped, true));
    assert_eq!(original["source"]["mirrored"], false);
    assert_eq!(declared["source"]["mirrored"], true);
    let (a, b) = (keypoints(&original), keypoints(&declared));
    assert_eq!(a.len(), 17);
    assert!(a.iter().filter(|k| k.3 >= 0.3).count() >= 10, "the original still is seen: {a:?}");
    for (ka, kb) in a.iter().zip(&b) {
        assert_eq!(ka.0, kb.0);
        let close = (ka.1 - kb.1).abs() < 0.5 && (ka.2 - kb.2).abs() < 0.5 && (ka.3 - kb.3).abs() < 1e-3;
        assert!(close, "{}: {ka:?} in the original, {kb:?} flipped back", ka.0);
    }

    let out = Command::new(crate::support::formcheck_bin())
        .args(["analyze", "saved.json", "--exercise", "bird-dog", "--mirrored"])
        .output()
        .expect("formcheck runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("--mirrored") && err.contains("Drop --mirrored"), "{err}");
}
