//! BlazePose on real footage: the person found on stills and tracked through a clip, with plausible
//! landmarks, world landmarks and mask; and clear errors for a missing or wrong model file.
//! (The pipeline's geometry is unit-tested beside the code in `src/pose/blazepose/`.)

use std::path::Path;

use formcheck::frame::{Frame, PixelFormat};
use formcheck::pose::skeleton::{Joint, Landmark, PoseSample};
use formcheck::pose::{EstimatorOptions, ModelKind, PoseEstimator, PoseModel, PoseResult};

use crate::support::corpus_file;

fn load_frame(path: &Path) -> Frame {
    let img = image::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).to_rgb8();
    let (w, h) = img.dimensions();
    Frame::new(0, 0.0, w, h, img.into_raw())
}

fn estimator(options: EstimatorOptions) -> PoseEstimator {
    PoseEstimator::new(PoseModel::load(ModelKind::BlazePoseFull, 2).unwrap_or_else(|e| panic!("{e}")), options)
}

/// A standing person, in the frame's pixels and in the world landmarks: head over shoulders over
/// hips over knees over ankles. Returns a description of what failed, if anything.
fn standing_problems(s: &PoseSample) -> Vec<String> {
    let mut bad = Vec::new();
    if !s.present {
        return vec!["no person".into()];
    }
    let y = |j: Joint| (s.pose.get(j).y, s.pose.get(j).score);
    let chains = [
        [Joint::Nose, Joint::LeftShoulder, Joint::LeftHip, Joint::LeftKnee, Joint::LeftAnkle],
        [Joint::Nose, Joint::RightShoulder, Joint::RightHip, Joint::RightKnee, Joint::RightAnkle],
    ];
    for chain in chains {
        for w in chain.windows(2) {
            if y(w[0]).0 >= y(w[1]).0 {
                bad.push(format!(
                    "{} (y {:.0}) not above {} (y {:.0})",
                    w[0].name(),
                    y(w[0]).0,
                    w[1].name(),
                    y(w[1]).0
                ));
            }
        }
    }
    let Some(body) = s.body else {
        bad.push("no body (33 landmarks)".into());
        return bad;
    };
    // World landmarks: metres, hip-centred, y down.
    let hips = [body.world(Landmark::LeftHip), body.world(Landmark::RightHip)];
    let centre = [(hips[0][0] + hips[1][0]) / 2.0, (hips[0][1] + hips[1][1]) / 2.0];
    if centre[0].abs() > 0.05 || centre[1].abs() > 0.05 {
        bad.push(format!("world origin not between the hips: {centre:?}"));
    }
    let nose = body.world(Landmark::Nose)[1];
    let ankle = body.world(Landmark::LeftAnkle)[1].max(body.world(Landmark::RightAnkle)[1]);
    if !(-0.9..=-0.4).contains(&nose) || !(0.6..=1.1).contains(&ankle) {
        bad.push(format!("world heights implausible for a standing adult: nose {nose:.2} m, ankle {ankle:.2} m"));
    }
    // The heels and foot tips exist and sit at the ankles' height (within a foot).
    for (heel, ankle) in [(Landmark::LeftHeel, Landmark::LeftAnkle), (Landmark::RightHeel, Landmark::RightAnkle)] {
        let (h, a) = (body.image(heel), body.image(ankle));
        let shin = (s.pose.get(Joint::LeftKnee).y - s.pose.get(Joint::LeftAnkle).y).abs();
        if (h.y - a.y).abs() > shin * 0.5 {
            bad.push(format!("{heel:?} {:.0} px from its ankle", (h.y - a.y).abs()));
        }
    }
    bad
}

/// The mask covers the hips' centre and not the frame's top corners.
fn mask_problems(r: &PoseResult) -> Vec<String> {
    let Some(mask) = &r.mask else { return vec!["no mask".into()] };
    let (l, rt) = (r.sample.pose.get(Joint::LeftHip), r.sample.pose.get(Joint::RightHip));
    let (ls, rs) = (r.sample.pose.get(Joint::LeftShoulder), r.sample.pose.get(Joint::RightShoulder));
    // Between hips and shoulders: the trunk.
    let trunk = ((l.x + rt.x + ls.x + rs.x) / 4.0, (l.y + rt.y + ls.y + rs.y) / 4.0);
    let mut bad = Vec::new();
    if mask.at_frame(trunk.0, trunk.1) < 0.8 {
        bad.push(format!("mask at the trunk {:.2}", mask.at_frame(trunk.0, trunk.1)));
    }
    if mask.at_frame(2.0, 2.0) > 0.1 {
        bad.push("mask at the frame's corner".into());
    }
    bad
}

#[test]
fn blazepose_full_finds_standing_and_hinged_people_on_stills() {
    let mut est = estimator(EstimatorOptions::still());
    let standing = est.estimate(&load_frame(&corpus_file("stills/wahoo_good_morning_standing_t4.png"))).unwrap();
    let problems = [standing_problems(&standing.sample), mask_problems(&standing)].concat();
    assert!(problems.is_empty(), "standing still: {problems:?}");
    // A hinge at the bottom: the trunk near horizontal, shoulders well above the knees, hips above the ankles.
    est.reset();
    let hinge = est.estimate(&load_frame(&corpus_file("stills/wahoo_good_morning_hinge_t14.png"))).unwrap();
    let s = &hinge.sample;
    assert!(s.present && s.body.is_some(), "hinge still: no person");
    let p = |j: Joint| s.pose.get(j);
    // The trunk's inclination from vertical: a standing trunk is within about 15°, this one is bent.
    let trunk = |s: &PoseSample| {
        let (sh, hip) = (s.pose.get(Joint::LeftShoulder), s.pose.get(Joint::LeftHip));
        (sh.x - hip.x).abs().atan2((sh.y - hip.y).abs()).to_degrees()
    };
    assert!(trunk(&standing.sample) < 15.0, "standing still: trunk {:.0}° from vertical", trunk(&standing.sample));
    assert!(trunk(s) > 30.0, "hinge still: trunk only {:.0}° from vertical", trunk(s));
    assert!(p(Joint::LeftHip).y < p(Joint::LeftAnkle).y && p(Joint::LeftShoulder).y < p(Joint::LeftKnee).y);
    assert!(mask_problems(&hinge).is_empty(), "hinge still: {:?}", mask_problems(&hinge));
}

#[test]
fn blazepose_full_tracks_a_clip_segment() {
    // wahoo_good_mornings.mp4 from 3.0 s to 6.0 s: a title card until 3.8 s (MANIFEST `no_person`),
    // then the person standing at the top before the first rep. The card has no person; from 4.0 s
    // every frame has one, standing.
    let mut src = formcheck::capture::open_path(&corpus_file("clips/wahoo_good_mornings.mp4"), PixelFormat::Yuv420p)
        .unwrap_or_else(|e| panic!("{e}"));
    let mut est = estimator(EstimatorOptions::default());
    let (mut frames, mut present, mut tracked, mut passes) = (0, 0, 0, 0);
    let mut problems = Vec::new();
    let mut card_frames = 0;
    while let Some(frame) = src.next_frame().expect("decode") {
        if frame.t < 3.0 {
            continue;
        }
        if frame.t > 6.0 {
            break;
        }
        let r = est.estimate(&frame).unwrap();
        if frame.t < 3.7 {
            card_frames += 1;
            assert!(!r.sample.present, "t {:.2}: a person found on the title card", frame.t);
            continue;
        }
        if frame.t < 4.0 {
            continue; // the cut from the card
        }
        frames += 1;
        present += usize::from(r.sample.present);
        tracked += usize::from(r.tracked);
        passes += r.passes;
        for p in standing_problems(&r.sample).into_iter().chain(mask_problems(&r)) {
            problems.push(format!("t {:.2}: {p}", frame.t));
        }
    }
    assert!(frames > 30 && card_frames > 10, "only {frames} + {card_frames} frames decoded");
    assert_eq!(present, frames, "the person is in every frame");
    // The detector runs when tracking starts, not every frame: MediaPipe's tracking works.
    assert!(tracked + 1 >= frames, "{tracked} of {frames} frames tracked");
    assert!(passes as usize <= frames + 2, "{passes} landmark passes for {frames} frames");
    assert!(problems.is_empty(), "{} frames implausible: {problems:?}", problems.len());
}

/// What a frame's result says, without its times.
fn outcome(r: &PoseResult) -> impl PartialEq + std::fmt::Debug + '_ {
    (&r.sample, r.region, r.roi, &r.mask, r.tracked, r.passes)
}

#[test]
fn an_unchanged_empty_picture_reuses_the_detectors_no_one() {
    let lite = || PoseModel::load(ModelKind::BlazePoseLite, 2).unwrap_or_else(|e| panic!("{e}"));
    let every_frame = EstimatorOptions { reuse_empty_detections: false, ..EstimatorOptions::default() };
    // wahoo_good_mornings.mp4 to 5.0 s: the title card (MANIFEST `no_person`, to 3.8 s), then the
    // person standing. With the reuse and without it (the detector on every frame with no one, as in
    // MediaPipe), every frame's result is the same, bit for bit.
    let mut reuse = PoseEstimator::new(lite(), EstimatorOptions::default());
    let mut every = PoseEstimator::new(lite(), every_frame);
    let mut src = formcheck::capture::open_path(&corpus_file("clips/wahoo_good_mornings.mp4"), PixelFormat::Yuv420p)
        .unwrap_or_else(|e| panic!("{e}"));
    let (mut empty, mut first_seen) = (0u64, None);
    while let Some(frame) = src.next_frame().expect("decode") {
        if frame.t > 5.0 {
            break;
        }
        let (a, b) = (reuse.estimate(&frame).unwrap(), every.estimate(&frame).unwrap());
        assert_eq!(outcome(&a), outcome(&b), "t {:.2}", frame.t);
        if a.sample.present {
            first_seen.get_or_insert(frame.t);
        } else if first_seen.is_none() {
            empty += 1;
        }
    }
    let first = first_seen.expect("no person found after the title card");
    assert!((3.7..4.3).contains(&first), "the person first found at {first:.2} s");
    assert_eq!(every.detector_skips(), 0);
    let skips = reuse.detector_skips();
    assert!(skips * 2 > empty, "the detector ran again on the unchanged card: {skips} of {empty} frames reused");
    // It looked again at least every 0.5 s (the card is not quite still: it fades in and out).
    assert!(empty - skips >= (first / 0.5) as u64, "{} detector runs in {first:.2} s", empty - skips);

    // A still grey picture at 25 fps for 2 s: the detector runs every 0.5 s, not every frame.
    let mut est = PoseEstimator::new(lite(), EstimatorOptions::default());
    let grey = |k: u64| Frame::new(k, k as f64 * 0.04, 640, 480, vec![128; 640 * 480 * 3]);
    for k in 0..50 {
        assert!(!est.estimate(&grey(k)).unwrap().sample.present);
    }
    assert_eq!(est.detector_skips(), 46, "runs at 0, 0.52, 1.04 and 1.56 s");
    // A patch of 40×40 pixels (0.5% of the picture) changes it: the detector looks at once.
    let patched = |k: u64| {
        let mut data = vec![128; 640 * 480 * 3];
        for y in 200..240 {
            for x in 300..340 {
                data[3 * (y * 640 + x)..3 * (y * 640 + x) + 3].copy_from_slice(&[230, 40, 40]);
            }
        }
        Frame::new(k, k as f64 * 0.04, 640, 480, data)
    };
    est.estimate(&patched(50)).unwrap();
    assert_eq!(est.detector_skips(), 46, "the patch was not looked at");
    est.estimate(&patched(51)).unwrap();
    assert_eq!(est.detector_skips(), 47, "the patched picture, unchanged since, was looked at again");
    // A reset (a new source, a jump in time) forgets the empty picture.
    est.reset();
    est.estimate(&patched(52)).unwrap();
    assert_eq!(est.detector_skips(), 47, "a reset kept the empty picture");
}

/// A temporary models folder with BlazePose `variant`'s landmark model and the detector, but not
/// the landmark model's points copy: every pass computes the mask there.
fn models_without_points(variant: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
    for f in ["blazepose-detector.onnx".to_string(), format!("blazepose-{variant}.onnx")] {
        std::fs::copy(models.join(&f), dir.path().join(&f)).unwrap();
    }
    let landmark = dir.path().join(format!("blazepose-{variant}.onnx"));
    (dir, landmark)
}

#[test]
fn the_points_model_gives_the_same_landmarks_and_the_mask_on_demand() {
    // wahoo_good_mornings.mp4 from 4.0 s to 8.5 s: standing, then the first rep down to its bottom.
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
    assert!(models.join("blazepose-lite-points.onnx").is_file(), "models/blazepose-lite-points.onnx is missing");
    let (_dir, landmark) = models_without_points("lite");
    let load = |p: &Path| PoseModel::load_file(p, ModelKind::BlazePoseLite, 2).unwrap_or_else(|e| panic!("{e}"));
    // Without the points copy, every pass computes the mask whatever is asked.
    let mut whole = PoseEstimator::new(load(&landmark), EstimatorOptions::default());
    whole.set_want_mask(false);
    let mut points = PoseEstimator::new(load(&models.join("blazepose-lite.onnx")), EstimatorOptions::default());
    points.set_want_mask(false);
    let mut src = formcheck::capture::open_path(&corpus_file("clips/wahoo_good_mornings.mp4"), PixelFormat::Yuv420p)
        .unwrap_or_else(|e| panic!("{e}"));
    let (mut frames, mut masks) = (0, 0);
    while let Some(frame) = src.next_frame().expect("decode") {
        if frame.t < 4.0 {
            continue;
        }
        if frame.t > 8.5 {
            break;
        }
        let (a, b) = (whole.estimate(&frame).unwrap(), points.estimate(&frame).unwrap());
        assert!(a.sample.present, "t {:.2}: no person", frame.t);
        // Bit for bit: the same nodes and weights up to the landmarks.
        assert_eq!(a.sample, b.sample, "t {:.2}", frame.t);
        assert_eq!((a.roi, a.passes), (b.roi, b.passes), "t {:.2}", frame.t);
        assert!(b.mask.is_none(), "t {:.2}: the points model made a mask", frame.t);
        let whole_mask = a.mask.as_ref().unwrap_or_else(|| panic!("t {:.2}: no mask from the whole model", frame.t));
        if frames % 10 == 0 {
            // The mask made on demand is the one the whole model gives in its pass.
            let on_demand = points.mask_of(&frame, &b.roi.expect("a region")).unwrap().expect("a BlazePose mask");
            assert_eq!(&on_demand, whole_mask, "t {:.2}", frame.t);
            masks += 1;
        }
        frames += 1;
    }
    assert!(frames > 90 && masks > 9, "only {frames} frames, {masks} masks compared");
}

#[test]
fn the_hinge_is_judged_the_same_with_or_without_the_points_model() {
    // The back stage guesses which frames need the mask; a wrong guess costs a pass, not a verdict.
    let (_dir, landmark) = models_without_points("lite");
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
    let run = |path: &Path| {
        let rel = "clips/wahoo_good_mornings.mp4";
        let src = formcheck::capture::open_path(&corpus_file(rel), PixelFormat::Yuv420p).unwrap();
        let model = PoseModel::load_file(path, ModelKind::BlazePoseLite, 2).unwrap_or_else(|e| panic!("{e}"));
        let form = Some((formcheck::form::Exercise::Hinge, formcheck::form::FormConfig::default()));
        let a = formcheck::pipeline::analyze::analyze(rel, src, model, form, &mut |_, _| {}).expect("analysis");
        assert!(a.error.is_none(), "{:?}", a.error);
        let masked = (a.timing.masked_fraction * a.timing.frames as f64).round();
        (serde_json::to_value(&a.frames).unwrap(), serde_json::to_value(&a.exercise).unwrap(), masked, a.timing)
    };
    let (frames_p, verdict_p, masked_p, timing_p) = run(&models.join("blazepose-lite.onnx"));
    let (frames_w, verdict_w, masked_w, timing_w) = run(&landmark);
    assert!(masked_p > 50.0, "the mask ran on {masked_p} frames");
    assert_eq!(masked_p, masked_w);
    assert_eq!(verdict_p, verdict_w, "the verdicts differ");
    assert!(frames_p == frames_w, "the frames differ");
    // The guess is right on most frames: a wrong one adds a pass.
    let extra = (timing_p.passes_per_frame - timing_w.passes_per_frame) * timing_p.frames as f64;
    assert!((0.0..30.0).contains(&extra.round()), "{extra} more passes: {timing_p:?} against {timing_w:?}");
}

#[test]
fn a_missing_or_wrong_blazepose_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
    // The landmark model without its detector beside it.
    let landmark = dir.path().join("blazepose-full.onnx");
    std::fs::copy(models.join("blazepose-full.onnx"), &landmark).unwrap();
    let e = PoseModel::load_file(&landmark, ModelKind::BlazePoseFull, 1).unwrap_err().to_string();
    assert!(e.contains("model file not found") && e.contains("blazepose-detector.onnx") && e.contains("Fix"), "{e}");
    // A MoveNet file where the detector should be.
    std::fs::copy(models.join("movenet-lightning.onnx"), dir.path().join("blazepose-detector.onnx")).unwrap();
    let e = PoseModel::load_file(&landmark, ModelKind::BlazePoseFull, 1).unwrap_err().to_string();
    assert!(e.contains("is not a BlazePose detector model") && e.contains("blazepose-detector.onnx"), "{e}");
    // The detector where the landmark model should be.
    std::fs::copy(models.join("blazepose-detector.onnx"), dir.path().join("blazepose-detector.onnx")).unwrap();
    std::fs::copy(models.join("blazepose-detector.onnx"), &landmark).unwrap();
    let e = PoseModel::load_file(&landmark, ModelKind::BlazePoseFull, 1).unwrap_err().to_string();
    assert!(e.contains("is not a BlazePose full model") && e.contains("blazepose-full.onnx"), "{e}");
    // The detector where the landmark model's points copy should be (the copy is optional, but
    // one that is there must be right).
    std::fs::copy(models.join("blazepose-full.onnx"), &landmark).unwrap();
    std::fs::copy(models.join("blazepose-detector.onnx"), dir.path().join("blazepose-full-points.onnx")).unwrap();
    let e = PoseModel::load_file(&landmark, ModelKind::BlazePoseFull, 1).unwrap_err().to_string();
    assert!(e.contains("is not a BlazePose full model") && e.contains("blazepose-full-points.onnx"), "{e}");
}
