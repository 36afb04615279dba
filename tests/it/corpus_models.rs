//! Every pose model on the labelled corpus (issue 14): each BlazePose variant and Thunder, through
//! the whole pipeline (decoding, the model and its tracking, smoothing, the back stage, the form
//! engine), against the clip's labels in `MANIFEST.toml`.
//!
//! Each (model, file) is analysed once ([`run`] keeps the verdicts in a shared cache), so the
//! checks of [`matrix`] and the thoracic-gap table of
//! [`thoracic_gap_of_rounded_and_flat_backs_per_model`] share the analyses. Thunder analyses
//! whole files through [`crate::support::analysis`], so its analyses are the ones the
//! `form_real_footage_*` tests make (one per test binary). The BlazePose variants analyse only the
//! span of the two long clips that their labels concern ([`span`]): the clip's own frames, on its
//! clock (nothing re-encoded); the verdicts on the spans were checked to be the whole clips'.
//!
//! Where a model gets a check wrong, [`KNOWN_WRONG`] says so with the reason; it is checked both
//! ways: a listed case that now passes fails the test, saying to take it off the list.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use formcheck::form::{Exercise, ExerciseReport, FaultId, Severity, SpineMethod};
use formcheck::pipeline::analyze::StillSpine;
use formcheck::pose::ModelKind;

use crate::support::{Span, analysis, analyze_span};
use crate::webcam::{bird_dog, good_mornings, side_plank};

/// The models of the matrix: the three BlazePose variants and Thunder (the default).
const MODELS: [ModelKind; 4] =
    [ModelKind::BlazePoseLite, ModelKind::BlazePoseFull, ModelKind::BlazePoseHeavy, ModelKind::Thunder];

const GOOD_MORNINGS: &str = "clips/wahoo_good_mornings.mp4";
const SIDE_PLANK: &str = "clips/wahoo_side_plank.mp4";
const BIRD_DOG: &str = "clips/polybag_bird_dog.mp4";
const DONKEY_KICKS: &str = "clips/istock_donkey_kicks.mp4";
const CAT_COW: &str = "clips/istock_cat_cow.mp4";
const SINGLE_LEG_RDL: &str = "clips/wahoo_single_leg_rdl.mp4";

/// The part of `file` a BlazePose variant analyses: None for all of it. Each span starts on the
/// title card (so the tracker starts with no one in view, as on the whole clip) and holds all that
/// the checks concern (MANIFEST):
/// - good mornings: the checks are on the reps completed before 17.0 s (labels 6.5-15.8); the
///   title card ends at 3.8 s, the close-up starts at 18.5 s;
/// - side plank: the setup (4.5-11.8, no hold may be counted there), the full-body hold
///   (12.0-15.8) and the close-up (16.0-19.8, none there either); only the title card (to 4.5 s)
///   and the end card (from 20.5 s) are left out.
///
/// Every other check is on the whole clip (no rep anywhere, one rep, no major fault on any rep).
fn span(file: &str) -> Option<Span> {
    match file {
        GOOD_MORNINGS => Some(Span { from: 3.5, to: 18.5 }),
        SIDE_PLANK => Some(Span { from: 4.0, to: 21.0 }),
        _ => None,
    }
}

/// The spine stills and their labels (MANIFEST `spine`: flexed = rounded).
const STILLS: [(&str, bool); 4] = [
    ("stills/yoga_uttanasana.png", true),
    ("stills/istock_forward_fold_rounded_t3.png", true),
    ("stills/yoga_ardha_uttanasana.png", false),
    ("stills/istock_half_lift_flatback_t9.png", false),
];

/// The barbell deadlifts and their spine label: Some(true) a visibly rounded back (bad011, bad018),
/// Some(false) a flat one, None for bad005 (MANIFEST: pose 1 of a quiz whose answer is "all 3",
/// no reliable spine label). Each shows exactly one lift to lockout (counted by eye, see
/// `form_real_footage_reps`).
const DEADLIFTS: [(&str, Option<bool>); 8] = [
    ("clips/bichraix_deadlift_good008.mp4", Some(false)),
    ("clips/bichraix_deadlift_good014.mp4", Some(false)),
    ("clips/bichraix_deadlift_good018.mp4", Some(false)),
    ("clips/bichraix_deadlift_good019.mp4", Some(false)),
    ("clips/bichraix_deadlift_good020.mp4", Some(false)),
    ("clips/bichraix_deadlift_bad005.mp4", None),
    ("clips/bichraix_deadlift_bad011.mp4", Some(true)),
    ("clips/bichraix_deadlift_bad018.mp4", Some(true)),
];

const LITE: ModelKind = ModelKind::BlazePoseLite;
const FULL: ModelKind = ModelKind::BlazePoseFull;
const HEAVY: ModelKind = ModelKind::BlazePoseHeavy;
const THUNDER: ModelKind = ModelKind::Thunder;

/// Why the BlazePose variants miss the bird dog (measured on polybag_bird_dog.mp4, full; lite and
/// heavy alike): the view is right (the body 0-9 degrees from side-on) and nothing is refused.
/// The first reach's lifted leg runs out of the frame: its ankle is unseen, so the knee must sit half
/// a torso behind the hip, and BlazePose's world thigh there is 0.24 m long (half a thigh), 0.4
/// torso lengths. In the second the reaching arm is the far one: BlazePose gives its wrist a
/// visibility of 0.2-0.3 and places the arm hanging (93 degrees of the 150 a reach needs). Both
/// are reported as attempts, with the right sides. Thunder sees both reps.
///
/// The model, not the pipeline: in the first reach the picture shows only the upper thigh (the
/// knee is past the frame's right edge), and BlazePose puts its knee at the end of the shorts,
/// 70 px inside the edge, and its ankle 120-170 px outside it, which formcheck takes as not in
/// the picture (`decode::confine_keypoints`). MediaPipe's own pipeline (the peer, full) puts the
/// knee within 25 px of formcheck's full, frame by frame.
const BIRD_DOG_WHY: &str = "the lifted leg's world thigh is half its length with the ankle out of frame; the far reaching arm is placed hanging";
/// Why a good lift gets `head_off_dowel`: the head is extended, not dropped. The mask's head gap
/// and the keypoints' ear-shoulder-hip angle agree (198-216 degrees on the deadlifts, 229-269 on the
/// single-leg RDL, against 165-195): the lifters look ahead as they pull from the floor, and in the
/// RDL she turns her head to the camera at the bottom (lite reads good019's head dropped instead,
/// 151 degrees, on a thoracic offset of 0.13). The labels call these lifts good; the rule
/// (form-rules: the head stays on the dowel) calls an extended neck a fault. A rule-label
/// disagreement, not an engine bug: listed, not loosened.
const HEAD_WHY: &str = "head extended (looking ahead, or turned to the camera): the rule flags it, the label does not";

/// (model, file, check, why) that the model gets wrong. Checked both ways.
const KNOWN_WRONG: &[(ModelKind, &str, &str, &str)] = &[
    // Good mornings: a three-quarter view. Thunder's 2D proxies need a side view, and the mask is
    // refused (her arm lies along her back), so no rep is judged. BlazePose full turns her 49-60
    // degrees from side-on (MediaPipe's own pipeline, full, says 50-55), past the 45 degree
    // limit: counted, the contacts refused with that reason.
    (THUNDER, GOOD_MORNINGS, "reps judged", "2D proxies need a side view; the mask sees her arm, not her back"),
    (FULL, GOOD_MORNINGS, "reps judged", "world landmarks put her 49-60 degrees from side-on"),
    // Lite and heavy judge her within 45 degrees, on depth that is not good enough for a
    // contact: rounded_back / head_off_dowel on a neutral spine (as Lightning's 2D proxies did);
    // heavy also reads a lean back of more than 10 degrees at the top.
    (
        LITE,
        GOOD_MORNINGS,
        "3 reps before 17 s, no major fault",
        "keypoint proxies on the turned body flag a neutral spine",
    ),
    (
        HEAVY,
        GOOD_MORNINGS,
        "3 reps before 17 s, no major fault",
        "keypoint proxies flag a neutral spine; lean back at the top",
    ),
    (LITE, BIRD_DOG, "2 reps, one per side", BIRD_DOG_WHY),
    (FULL, BIRD_DOG, "2 reps, one per side", BIRD_DOG_WHY),
    (HEAVY, BIRD_DOG, "2 reps, one per side", BIRD_DOG_WHY),
    // Single-leg RDL: she looks at the camera at the bottom (head turned): head_off_dowel (full
    // also rounded_back on the first rep).
    (LITE, SINGLE_LEG_RDL, "no major fault", HEAD_WHY),
    (FULL, SINGLE_LEG_RDL, "no major fault", HEAD_WHY),
    (HEAVY, SINGLE_LEG_RDL, "no major fault", HEAD_WHY),
    (THUNDER, SINGLE_LEG_RDL, "no major fault", HEAD_WHY),
    // The good deadlifts: head up, looking ahead.
    (FULL, "clips/bichraix_deadlift_good008.mp4", "no spine fault", HEAD_WHY),
    (HEAVY, "clips/bichraix_deadlift_good008.mp4", "no spine fault", HEAD_WHY),
    (HEAVY, "clips/bichraix_deadlift_good014.mp4", "no spine fault", HEAD_WHY),
    (FULL, "clips/bichraix_deadlift_good018.mp4", "no spine fault", HEAD_WHY),
    (HEAVY, "clips/bichraix_deadlift_good018.mp4", "no spine fault", HEAD_WHY),
    (THUNDER, "clips/bichraix_deadlift_good018.mp4", "no spine fault", HEAD_WHY),
    (LITE, "clips/bichraix_deadlift_good019.mp4", "no spine fault", HEAD_WHY),
    (FULL, "clips/bichraix_deadlift_good019.mp4", "no spine fault", HEAD_WHY),
    (HEAVY, "clips/bichraix_deadlift_good019.mp4", "no spine fault", HEAD_WHY),
    (FULL, "clips/bichraix_deadlift_good020.mp4", "no spine fault", HEAD_WHY),
    (HEAVY, "clips/bichraix_deadlift_good020.mp4", "no spine fault", HEAD_WHY),
    // good020: Thunder's knees fall under the confidence floor (plates in front) for the whole
    // lift (form_real_footage_reps).
    (THUNDER, "clips/bichraix_deadlift_good020.mp4", "one rep", "knees under the confidence floor behind the plates"),
    // bad005: the lift is not counted by lite and heavy.
    (LITE, "clips/bichraix_deadlift_bad005.mp4", "one rep", "the lift is not counted"),
    (HEAVY, "clips/bichraix_deadlift_bad005.mp4", "one rep", "the lift is not counted"),
    // bad018's rounded back: the thoracic gap and proxies stay within a flat back's range (see
    // the gap table: the clips do not separate).
    (LITE, "clips/bichraix_deadlift_bad018.mp4", "a spine fault", "the rounded back reads as flat"),
    (THUNDER, "clips/bichraix_deadlift_bad018.mp4", "a spine fault", "the rounded back reads as flat"),
];

/// What the matrix keeps of one analysis.
struct Run {
    report: ExerciseReport,
    spine: Vec<StillSpine>,
    /// Largest thoracic gap (torso lengths) a back measurement gave on any frame with the trunk
    /// bent past 30 degrees (the hinge's spine_min_trunk_deg is 30).
    max_gap: Option<f32>,
    frames: usize,
    seconds: f64,
}

type Cache = Mutex<HashMap<(ModelKind, &'static str), Arc<OnceLock<Arc<Run>>>>>;

/// `file` analysed by `model` as `exercise`, once per test binary: Thunder on the whole file
/// (shared with the other modules), a BlazePose variant on its [`span`].
fn run(model: ModelKind, file: &'static str, exercise: Exercise) -> Arc<Run> {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cell = CACHE.get_or_init(Cache::default).lock().unwrap().entry((model, file)).or_default().clone();
    cell.get_or_init(|| {
        let start = std::time::Instant::now();
        let shared;
        let spanned;
        let a = if model == THUNDER {
            shared = analysis(model, file, Some(exercise));
            &*shared
        } else {
            spanned = analyze_span(model, file, Some(exercise), span(file));
            &spanned
        };
        let max_gap = a
            .frames
            .iter()
            .filter(|f| f.form.as_ref().is_none_or(|s| s.angles.trunk_deg.is_none_or(|t| t >= 30.0)))
            .filter_map(|f| f.back.as_ref().and_then(|b| b.thoracic_gap))
            .fold(None, |m: Option<f32>, g| Some(m.map_or(g, |m| m.max(g))));
        let ex = a.exercise.as_ref().expect("exercise verdict");
        let r = Run {
            report: ex.report.clone(),
            spine: ex.spine.clone(),
            max_gap,
            frames: a.frames.len(),
            seconds: start.elapsed().as_secs_f64(),
        };
        let part = match span(file).filter(|_| model != THUNDER) {
            Some(s) => format!(" ({:.1}-{:.1} s)", s.from, s.to),
            None => String::new(),
        };
        eprintln!("{} {file}{part}: {} frames in {:.1} s{}", model.name(), r.frames, r.seconds, describe(&r.report));
        Arc::new(r)
    })
    .clone()
}

/// One line per rep, hold and attempt, with what the spine rules measured.
fn describe(r: &ExerciseReport) -> String {
    let mut s = String::new();
    for rep in &r.reps {
        s += &format!(
            "\n    rep {} {:?} {:.2}-{:.2} s faults {:?}",
            rep.index, rep.side, rep.start_s, rep.end_s, rep.faults
        );
        if let Some(h) = &rep.hinge {
            s += &format!(
                " trunk {:.0} spine {:?} ({:?}) thoracic offset {:?} head {:?} gap {:?} mask {:?}",
                h.peak_trunk_deg,
                h.spine_method,
                h.spine_not_judged,
                h.max_thoracic_offset,
                h.worst_head_deg,
                h.max_thoracic_gap,
                h.mask_refused
            );
        }
    }
    for h in &r.holds {
        s += &format!(
            "\n    hold {} {:?} {:.2}-{:.2} s in form {:.2} s",
            h.index, h.side, h.start_s, h.end_s, h.seconds_in_form
        );
    }
    for a in &r.attempts {
        s += &format!(
            "\n    attempt {} {:?} {:.2}-{:.2} s {:?} {} {:?} of {}",
            a.index, a.side, a.start_s, a.end_s, a.reason, a.measure, a.reached_deg, a.needed_deg
        );
    }
    s
}

fn major(faults: &[FaultId]) -> Vec<FaultId> {
    faults.iter().copied().filter(|f| f.severity() == Severity::Major).collect()
}

const SPINE_FAULTS: [FaultId; 2] = [FaultId::RoundedBack, FaultId::HeadOffDowel];

/// The checks of one model: (file, check, what is wrong: empty = right).
fn checks(model: ModelKind) -> Vec<(&'static str, &'static str, Vec<String>)> {
    let mut out = Vec::new();

    // Good mornings: 3 reps before 17 s on their labels, no major fault; each rep names how its
    // spine was judged, or why it was not (always required); judged (the goal).
    let r = run(model, GOOD_MORNINGS, Exercise::Hinge);
    out.push((GOOD_MORNINGS, "3 reps before 17 s, no major fault", good_mornings(&r.report, 0.0, true)));
    let mut named = Vec::new();
    let mut judged = Vec::new();
    for rep in r.report.reps.iter().filter(|x| x.end_s < 17.0) {
        let h = rep.hinge.as_ref().expect("hinge measures");
        eprintln!(
            "{} good morning rep {} {:.2}-{:.2} s: {:?} (not judged: {:?}, mask: {:?}) faults {:?}",
            model.name(),
            rep.index,
            rep.start_s,
            rep.end_s,
            h.spine_method,
            h.spine_not_judged,
            h.mask_refused,
            rep.faults
        );
        if h.spine_method == SpineMethod::NotJudged {
            if h.spine_not_judged.is_none() && h.mask_refused.is_none() {
                named.push(format!("rep {}: not judged and no reason given", rep.index));
            }
            judged.push(format!("rep {}: not judged ({:?}, mask {:?})", rep.index, h.spine_not_judged, h.mask_refused));
        }
    }
    assert!(named.is_empty(), "{}: good mornings: {named:?}", model.name());
    out.push((GOOD_MORNINGS, "reps judged", judged));

    let r = run(model, SIDE_PLANK, Exercise::SidePlank);
    out.push((SIDE_PLANK, "one hold of 2.5-5.5 s", side_plank(&r.report, 0.0, true)));

    let r = run(model, BIRD_DOG, Exercise::BirdDog);
    out.push((BIRD_DOG, "2 reps, one per side", bird_dog(&r.report, 0.0, true)));

    for file in [DONKEY_KICKS, CAT_COW] {
        let r = run(model, file, Exercise::BirdDog);
        let bad =
            if r.report.reps.is_empty() { vec![] } else { vec![format!("{} bird-dog reps", r.report.reps.len())] };
        out.push((file, "no bird-dog rep", bad));
    }

    for (file, rounded) in STILLS {
        let r = run(model, file, Exercise::Hinge);
        let c = r.spine.first().map(|s| &s.check);
        let bad = match c {
            None => vec!["no person seen".to_string()],
            Some(c) if !c.judged => vec![format!("not judged: {:?}", c.reason)],
            Some(c) if c.rounded_back != rounded => vec![format!("rounded_back {} ({:?})", c.rounded_back, c.method)],
            Some(_) => vec![],
        };
        out.push((file, "spine right", bad));
    }

    let r = run(model, SINGLE_LEG_RDL, Exercise::Hinge);
    let bad: Vec<String> = r
        .report
        .reps
        .iter()
        .filter(|x| !major(&x.faults).is_empty())
        .map(|x| format!("rep {} {:.2}-{:.2} s: {:?}", x.index, x.start_s, x.end_s, major(&x.faults)))
        .collect();
    out.push((SINGLE_LEG_RDL, "no major fault", bad));

    for (file, rounded) in DEADLIFTS {
        let r = run(model, file, Exercise::Hinge);
        let reps = &r.report.reps;
        let bad = if reps.len() == 1 { vec![] } else { vec![format!("{} reps, not 1", reps.len())] };
        out.push((file, "one rep", bad));
        let spine: Vec<FaultId> =
            reps.iter().flat_map(|x| x.faults.iter().copied()).filter(|f| SPINE_FAULTS.contains(f)).collect();
        match rounded {
            Some(false) => {
                let bad = if spine.is_empty() { vec![] } else { vec![format!("spine faults {spine:?}")] };
                out.push((file, "no spine fault", bad));
            }
            Some(true) => {
                let bad = if spine.is_empty() { vec!["no spine fault".to_string()] } else { vec![] };
                out.push((file, "a spine fault", bad));
            }
            None => {}
        }
    }
    out
}

/// Runs every check of `model` and holds them to [`KNOWN_WRONG`], both ways.
fn matrix(model: ModelKind) {
    let mut failures = Vec::new();
    let results = checks(model);
    for (file, check, bad) in &results {
        let known = KNOWN_WRONG.iter().any(|k| k.0 == model && k.1 == *file && k.2 == *check);
        eprintln!(
            "MATRIX {} | {file} | {check} | {}",
            model.name(),
            match (bad.is_empty(), known) {
                (true, _) => "pass".to_string(),
                (false, true) => format!("known wrong: {bad:?}"),
                (false, false) => format!("WRONG: {bad:?}"),
            }
        );
        match (bad.is_empty(), known) {
            (false, false) => failures.push(format!("{file} {check}: {bad:?}")),
            (true, true) => {
                failures.push(format!("{file} {check}: listed in KNOWN_WRONG but now right: take it off the list"));
            }
            _ => {}
        }
    }
    // Every listed case is a check the matrix runs (no stale entries).
    for k in KNOWN_WRONG.iter().filter(|k| k.0 == model) {
        assert!(
            results.iter().any(|(f, c, _)| *f == k.1 && *c == k.2),
            "KNOWN_WRONG entry {k:?} names no check of the matrix"
        );
    }
    assert!(failures.is_empty(), "{} on the corpus:\n{}", model.name(), failures.join("\n"));
}

#[test]
fn blazepose_lite_on_the_corpus() {
    matrix(ModelKind::BlazePoseLite);
}

#[test]
fn blazepose_full_on_the_corpus() {
    matrix(ModelKind::BlazePoseFull);
}

#[test]
fn blazepose_heavy_on_the_corpus() {
    matrix(ModelKind::BlazePoseHeavy);
}

#[test]
fn thunder_on_the_corpus() {
    matrix(ModelKind::Thunder);
}

/// The thoracic gap (the mask's, torso lengths; and the keypoint proxy's thoracic offset) of the
/// visibly rounded backs and the flat ones, per model, printed as a table.
#[test]
fn thoracic_gap_of_rounded_and_flat_backs_per_model() {
    let mut rows = Vec::new();
    for model in MODELS {
        for (file, rounded) in STILLS {
            let r = run(model, file, Exercise::Hinge);
            let c = r.spine.first().map(|s| s.check);
            rows.push((model, file, rounded, r.max_gap, c.and_then(|c| c.thoracic_offset)));
        }
        for (file, rounded) in DEADLIFTS {
            let Some(rounded) = rounded else { continue };
            let r = run(model, file, Exercise::Hinge);
            let offset = r
                .report
                .reps
                .iter()
                .filter_map(|x| x.hinge.as_ref().and_then(|h| h.max_thoracic_offset))
                .fold(None, |m: Option<f32>, g| Some(m.map_or(g, |m| m.max(g))));
            rows.push((model, file, rounded, r.max_gap, offset));
        }
    }
    let f = |v: Option<f32>| v.map_or("-".to_string(), |v| format!("{v:.3}"));
    eprintln!("GAP model | file | label | mask thoracic gap | keypoint thoracic offset");
    for (m, file, rounded, gap, off) in &rows {
        eprintln!(
            "GAP {} | {file} | {} | {} | {}",
            m.name(),
            if *rounded { "rounded" } else { "flat" },
            f(*gap),
            f(*off)
        );
    }
    // Per model and kind of input: the smallest rounded figure against the largest flat one.
    type Row<'a> = (ModelKind, &'a str, bool, Option<f32>, Option<f32>);
    let gap: fn(&Row<'_>) -> Option<f32> = |r| r.3;
    let offset: fn(&Row<'_>) -> Option<f32> = |r| r.4;
    for model in MODELS {
        for kind in ["stills/", "clips/"] {
            for (name, g) in [("mask gap", gap), ("keypoint offset", offset)] {
                let pick = |want: bool| -> Vec<f32> {
                    rows.iter().filter(|r| r.0 == model && r.1.starts_with(kind) && r.2 == want).filter_map(g).collect()
                };
                let (rd, fl) = (pick(true), pick(false));
                let lo = rd.iter().copied().fold(f32::INFINITY, f32::min);
                let hi = fl.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                eprintln!(
                    "GAP separation {} {kind} {name}: rounded min {lo:.3} ({} values), flat max {hi:.3} ({} values): margin {:.3}",
                    model.name(),
                    rd.len(),
                    fl.len(),
                    lo - hi
                );
                // What holds on this corpus: on the stills (a full fold against a flat half lift,
                // bare backs), the mask's gap of every rounded back is above every flat one, for
                // every model whose mask measured a flat still. On the deadlift clips it does not
                // (plates, bar and clothing over the back: see the printed table), and the keypoint
                // offset orders neither: nothing is asserted there.
                if kind == "stills/" && name == "mask gap" && !fl.is_empty() {
                    assert_eq!(rd.len(), 2, "{}: the mask measures both rounded stills", model.name());
                    assert!(
                        lo > hi,
                        "{}: a flat still's mask gap {hi:.3} is not under the rounded ones' {lo:.3}",
                        model.name()
                    );
                }
            }
        }
    }
}
