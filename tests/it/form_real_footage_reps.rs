//! Rep counting on real footage that does not start standing or end tidily (../shared/corpus),
//! through the whole pipeline with the default model: barbell deadlifts from the floor, a
//! single-leg RDL that cuts to close-ups mid-rep.
//!
//! The manifest gives no rep counts for the bichraix deadlifts. Counted by eye from their frames,
//! each clip shows exactly one lift to lockout: seven start with the bar on the floor (good008,
//! good014, good018, good019, good020, bad005, bad018; good008 holds the lockout about 5 s), and
//! bad011 starts standing, hinges down to the floor and comes back up. All but good019 and bad011
//! end on the way back down or with the bar on the floor again: a set that began at the bottom
//! ends at the bottom, which is the bar set down, neither a rep nor an attempt.

use formcheck::form::{AttemptReason, Exercise, ExerciseReport};

fn run(rel: &str) -> ExerciseReport {
    let r = crate::support::analyze_corpus(rel, Some(Exercise::Hinge))
        .exercise
        .as_ref()
        .expect("exercise verdict")
        .report
        .clone();
    eprintln!("{rel}: {} reps, {} attempts, not in view {:.1} s", r.reps.len(), r.attempts.len(), r.not_in_view_s);
    for rep in &r.reps {
        let h = rep.hinge.as_ref().expect("hinge measures");
        eprintln!(
            "  rep {} {:.2}-{:.2} s peak trunk {:.0} from bottom {} faults {:?}",
            rep.index, rep.start_s, rep.end_s, h.peak_trunk_deg, h.started_at_bottom, rep.faults
        );
    }
    for a in &r.attempts {
        eprintln!(
            "  attempt {} {:.2}-{:.2} s {:?} {} {:?}",
            a.index, a.start_s, a.end_s, a.reason, a.measure, a.reached_deg
        );
    }
    r
}

/// (clip, starts with the bar on the floor).
const DEADLIFTS: [(&str, bool); 8] = [
    ("bichraix_deadlift_good008", true),
    ("bichraix_deadlift_good014", true),
    ("bichraix_deadlift_good018", true),
    ("bichraix_deadlift_good019", true),
    ("bichraix_deadlift_good020", true),
    ("bichraix_deadlift_bad005", true),
    ("bichraix_deadlift_bad011", false),
    ("bichraix_deadlift_bad018", true),
];

/// Where the default model (Thunder) miscounts, and why. Checked both ways: a clip listed here
/// must still be miscounted, so the list is corrected when the model improves.
/// - good020: the knees fall under the confidence floor (plates and bar in front of them) for the
///   whole lift, 0.9 s: the lift is out of view, so it is not counted (the movement is reported as
///   an unfinished attempt when the knees go).
const KNOWN_WRONG: [&str; 1] = ["bichraix_deadlift_good020"];

#[test]
fn every_bichraix_deadlift_counts_its_one_lift() {
    let mut wrong = vec![];
    for (clip, from_floor) in DEADLIFTS {
        let r = run(&format!("clips/{clip}.mp4"));
        if r.reps.len() != 1 {
            wrong.push(clip);
            continue;
        }
        let rep = &r.reps[0];
        let h = rep.hinge.as_ref().expect("hinge measures");
        assert_eq!(h.started_at_bottom, from_floor, "{clip}: rep started at the bottom {}", h.started_at_bottom);
        assert!(h.peak_trunk_deg >= 60.0, "{clip}: a lift from the floor peaks at {:.0} deg", h.peak_trunk_deg);
        if from_floor {
            assert!(
                rep.start_s < 0.5,
                "{clip}: the set's first sighting is at the bottom, rep from {:.2} s",
                rep.start_s
            );
        }
        // The set-down at the end is not an attempt; no other movement is one either.
        assert!(r.attempts.is_empty(), "{clip}: {:?}", r.attempts);
    }
    assert_eq!(wrong, KNOWN_WRONG, "clips not counted as one lift (the known-wrong list must match)");
}

#[test]
fn single_leg_rdl_keeps_its_two_reps_and_reports_the_reps_cut_by_close_ups() {
    // She is in full view for two whole reps (0.6-3.3 s and 15.8-18.5 s). Three more go down in full
    // view and the video cuts to a close-up (about 4.4 s and 11.1 s) or ends (20 s) before she is
    // back up; twice she comes back into view at the bottom (8.1 s, 14.4 s), whose lowering was not
    // seen: those rises are not reps, and not a set's start.
    let r = run("clips/wahoo_single_leg_rdl.mp4");
    assert_eq!(r.reps.len(), 2, "reps {:?}", r.reps.iter().map(|x| (x.start_s, x.end_s)).collect::<Vec<_>>());
    for (rep, (from, to)) in r.reps.iter().zip([(0.6, 3.3), (15.8, 18.5)]) {
        assert!((rep.start_s - from).abs() < 0.5 && (rep.end_s - to).abs() < 0.5, "rep {rep:?}");
        assert!(!rep.hinge.as_ref().unwrap().started_at_bottom);
    }
    let unfinished: Vec<f64> =
        r.attempts.iter().filter(|a| a.reason == AttemptReason::Unfinished).map(|a| a.start_s).collect();
    assert_eq!(unfinished.len(), 3, "{:?}", r.attempts);
    for (s, label) in unfinished.iter().zip([3.6, 10.0, 18.6]) {
        assert!((s - label).abs() < 0.8, "unfinished rep from {s:.2} s, by eye {label} s");
    }
    assert!(r.attempts.iter().all(|a| a.reason == AttemptReason::Unfinished), "{:?}", r.attempts);
}
