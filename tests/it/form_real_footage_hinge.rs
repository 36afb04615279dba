//! The hip hinge on real footage (../shared/corpus), through the whole pipeline: model, tracking,
//! smoothing, form engine. Expectations come from the corpus's MANIFEST.toml labels.

use formcheck::form::{Exercise, FaultId, Severity};
use formcheck::pipeline::analyze::Analysis;
use std::sync::Arc;

fn run(rel: &str, exercise: Exercise) -> Arc<Analysis> {
    crate::support::analyze_corpus(rel, Some(exercise))
}

#[test]
fn good_mornings_three_clean_reps_before_17s_and_three_to_five_in_all() {
    let a = run("clips/wahoo_good_mornings.mp4", Exercise::Hinge);
    let report = &a.exercise.as_ref().expect("exercise verdict").report;
    for r in &report.reps {
        eprintln!(
            "rep {}: {:.2}-{:.2} s faults {:?} spine {:?}",
            r.index,
            r.start_s,
            r.end_s,
            r.faults,
            r.hinge.as_ref().map(|h| h.spine_method)
        );
    }
    let before: Vec<_> = report.reps.iter().filter(|r| r.end_s < 17.0).collect();
    assert_eq!(before.len(), 3, "reps completed before 17.0 s");
    // Each lies on one labelled full-view rep (6.5-9.0, 10.0-12.0, 13.3-15.8, labels +-0.5 s).
    for (rep, (from, to)) in before.iter().zip([(6.5, 9.0), (10.0, 12.0), (13.3, 15.8)]) {
        let overlap = rep.end_s.min(to + 0.5) - rep.start_s.max(from - 0.5);
        assert!(overlap > 0.5 * (to - from), "rep {:.1}-{:.1} s vs label {from}-{to}", rep.start_s, rep.end_s);
        let major: Vec<FaultId> = rep.faults.iter().copied().filter(|f| f.severity() == Severity::Major).collect();
        assert!(major.is_empty(), "rep {} has major faults {major:?}", rep.index);
        assert!(!rep.faults.contains(&FaultId::RoundedBack), "rep {}: rounded_back on a neutral spine", rep.index);
        // Where the mask judged the back, the gap is that of a neutral spine.
        let gap = rep.hinge.as_ref().and_then(|h| h.max_thoracic_gap);
        assert!(gap.is_none_or(|g| g <= 0.08), "rep {}: max thoracic gap {gap:?}", rep.index);
    }
    // The mask cannot see her back on these reps: her near arm, elbow drawn back toward the hip,
    // lies along it from the shoulder down, so the outline over the thoracic back is the arm's
    // (tests/back_real.rs, and the corpus close-up still wahoo_good_morning_closeup_hinge_t21.png).
    // No rep may carry a thoracic gap read off the arm; each says why it has none, and the reason
    // is the arm over the back, nothing else.
    for rep in &before {
        let h = rep.hinge.as_ref().expect("hinge measures");
        assert_eq!(h.max_thoracic_gap, None, "rep {}: a thoracic gap read off her arm", rep.index);
        assert_eq!(
            h.mask_refused.as_deref(),
            Some("arm_on_back"),
            "rep {}: no thoracic gap, and the reason given is {:?}",
            rep.index,
            h.mask_refused
        );
    }
    assert!((3..=5).contains(&report.reps.len()), "{} reps in all", report.reps.len());
    // The close-up from 18.5 s cuts the legs: that time is "not in view", not judged.
    assert!(report.not_in_view_s >= 3.0, "not in view {:.1} s", report.not_in_view_s);
}

#[test]
fn stills_rounded_folds_flagged_flat_backs_not() {
    for (rel, rounded) in [
        ("stills/yoga_uttanasana.png", true),
        ("stills/istock_forward_fold_rounded_t3.png", true),
        ("stills/yoga_ardha_uttanasana.png", false),
        ("stills/istock_half_lift_flatback_t9.png", false),
    ] {
        let a = run(rel, Exercise::Hinge);
        let spine = &a.exercise.as_ref().expect("exercise verdict").spine;
        assert_eq!(spine.len(), 1, "{rel}: one still, one spine check");
        let c = &spine[0].check;
        assert!(c.judged, "{rel}: not judged ({:?})", c.reason);
        assert_eq!(c.rounded_back, rounded, "{rel}: rounded_back {} ({c:?})", c.rounded_back);
        if rounded {
            // The person mask sees these rounded backs itself (the flat backs' masks are refused
            // as unreliable on these bright backgrounds, and the keypoint proxies judge them).
            assert_eq!(c.method, formcheck::form::SpineMethod::Contour, "{rel}: judged by {:?}", c.method);
        }
    }
}
