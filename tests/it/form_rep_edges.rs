//! Reps that do not start standing or end tidily, and attempts, on synthetic stick figures: a set
//! started at the bottom (a deadlift from the floor), a rep back at the top just before the person
//! leaves or the input ends, and movements that start but never reach a rep's range.

use crate::common::{faults_raised, reps_of, run};
use formcheck::demo::figure::{Noise, SideFig, keys, record};
use formcheck::form::{Analyzer, AttemptReason, AttemptRecord, Exercise, FaultId, FormConfig, FormEvent, Side};
use formcheck::pose::skeleton::PoseSample;

/// A hinge whose trunk follows `trunk` (time, deg); the knees bend with the trunk as in a
/// deadlift (more near the floor), the hips extend fully when upright.
fn hinge(trunk: &[(f64, f32)], dur: f64, seed: u64) -> Vec<PoseSample> {
    record(dur, seed, Noise::default(), |t| {
        let a = keys(t, trunk);
        // Soft knees standing (8 deg thigh), 35 deg thigh at a 90 deg trunk.
        let thigh = 8.0 + 0.3 * a.max(0.0);
        let shank = -8.0 - 0.15 * a.max(0.0);
        SideFig { trunk: a, thigh: [thigh, thigh], shank: [shank, shank], ..SideFig::default() }.pose()
    })
}

fn attempts_of(ev: &[FormEvent]) -> Vec<AttemptRecord> {
    ev.iter()
        .filter_map(|e| match e {
            FormEvent::Attempt(a) => Some(a.clone()),
            _ => None,
        })
        .collect()
}

/// The person leaves the picture from `t` on (no one detected).
fn leave_at(samples: Vec<PoseSample>, t: f64) -> Vec<PoseSample> {
    samples.into_iter().map(|s| if s.t >= t { PoseSample { present: false, ..s } } else { s }).collect()
}

/// Floor, up, hold, down to the floor, up, hold, down again: two lifts from the floor, then the bar
/// set down (the set ends at the bottom, where it began).
const FROM_FLOOR: [(f64, f32); 10] = [
    (0.0, 82.0),
    (0.8, 82.0),
    (2.6, 0.0),
    (4.0, 0.0),
    (6.5, 82.0),
    (7.0, 82.0),
    (8.8, 0.0),
    (10.3, 0.0),
    (12.5, 82.0),
    (13.0, 82.0),
];

#[test]
fn a_set_started_at_the_bottom_counts_its_reps() {
    for seed in 1..=3 {
        let (ev, report) = run(Exercise::Hinge, &hinge(&FROM_FLOOR, 13.0, seed));
        let reps = reps_of(&ev);
        assert_eq!(reps.len(), 2, "seed {seed}: {:?}", reps.iter().map(|r| (r.start_s, r.end_s)).collect::<Vec<_>>());
        let (h0, h1) = (reps[0].hinge.as_ref().unwrap(), reps[1].hinge.as_ref().unwrap());
        // Rep 1 runs from the first sighting at the bottom up to the top.
        assert!(h0.started_at_bottom, "seed {seed}: rep 1 started at the bottom");
        assert!(reps[0].start_s < 0.3, "seed {seed}: rep 1 starts at {:.2} s", reps[0].start_s);
        assert!((reps[0].end_s - 2.6).abs() < 0.6, "seed {seed}: rep 1 ends at {:.2} s", reps[0].end_s);
        assert!(h0.peak_trunk_deg > 75.0, "seed {seed}: peak {}", h0.peak_trunk_deg);
        // Its lowering was never seen: it is not called too fast.
        assert!(!reps[0].faults.contains(&FaultId::TooFast), "seed {seed}: {:?}", reps[0].faults);
        // Rep 2 is an ordinary rep from the top, seen whole.
        assert!(!h1.started_at_bottom, "seed {seed}");
        assert!(h1.lowering_s > 1.5, "seed {seed}: lowering {}", h1.lowering_s);
        // The last descent is the bar set down (the set ends where it began): no attempt.
        assert!(attempts_of(&ev).is_empty(), "seed {seed}: {:?}", attempts_of(&ev));
        assert!(report.attempts.is_empty());
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["reps"][0]["started_at_bottom"], true);
        assert!(json["reps"][1].get("started_at_bottom").is_none(), "false is left out: {}", json["reps"][1]);
    }
}

#[test]
fn coming_back_into_view_at_the_bottom_is_not_a_set_start() {
    // Standing, out of the picture for 2 s, back in view at the bottom, then up: the lowering
    // happened out of view, so that rise is not a rep (only the set's first sighting may be the
    // bottom). A whole rep afterwards counts.
    let trunk = [
        (0.0, 0.0),
        (2.0, 0.0),
        (2.1, 82.0),
        (4.8, 82.0),
        (6.5, 0.0),
        (8.0, 0.0),
        (10.5, 70.0),
        (11.0, 70.0),
        (13.0, 0.0),
    ];
    let samples: Vec<PoseSample> = hinge(&trunk, 15.0, 4)
        .into_iter()
        .map(|s| if (2.0..4.5).contains(&s.t) { PoseSample { present: false, ..s } } else { s })
        .collect();
    let (ev, _) = run(Exercise::Hinge, &samples);
    let reps = reps_of(&ev);
    assert_eq!(reps.len(), 1, "{:?}", reps.iter().map(|r| (r.start_s, r.end_s)).collect::<Vec<_>>());
    assert!(reps[0].start_s > 7.5 && !reps[0].hinge.as_ref().unwrap().started_at_bottom, "{:?}", reps[0]);
    // Seen all along, the same drop to the bottom is a rep's lowering: two reps.
    let (ev, _) = run(Exercise::Hinge, &hinge(&trunk, 15.0, 4));
    assert_eq!(
        reps_of(&ev).len(),
        2,
        "seen all along: {:?}",
        reps_of(&ev).iter().map(|r| r.start_s).collect::<Vec<_>>()
    );
}

/// 0 deg -> 94 deg -> 13 deg (just under the standing threshold, hips not yet locked out).
const TO_THE_TOP: [(f64, f32); 5] = [(0.0, 0.0), (1.5, 0.0), (4.0, 94.0), (4.4, 94.0), (6.4, 13.0)];

#[test]
fn a_rep_back_at_the_top_counts_when_the_person_leaves_0_3_s_later() {
    for seed in 1..=3 {
        // The person walks out 0.3 s after the trunk is back at 13 deg; 2 s of empty picture follow.
        let samples = leave_at(hinge(&TO_THE_TOP, 8.7, seed), 6.7);
        let (ev, report) = run(Exercise::Hinge, &samples);
        let reps = reps_of(&ev);
        assert_eq!(reps.len(), 1, "seed {seed}: the rep back at the top is lost");
        assert_eq!(report.reps.len(), 1);
        let h = reps[0].hinge.as_ref().unwrap();
        assert!((h.peak_trunk_deg - 94.0).abs() < 5.0, "seed {seed}: peak {}", h.peak_trunk_deg);
        assert!(reps[0].end_s <= 6.8, "seed {seed}: ends at {:.2} s", reps[0].end_s);
        // The top was cut short before the hips could lock out: not judged a missing lockout.
        assert!(!reps[0].faults.contains(&FaultId::NoLockout), "seed {seed}: {:?}", reps[0].faults);
        assert!(attempts_of(&ev).is_empty(), "seed {seed}: {:?}", attempts_of(&ev));
    }
}

#[test]
fn a_rep_back_at_the_top_counts_when_the_clip_ends_there() {
    for seed in 1..=3 {
        // The recording stops 0.3 s after the trunk is back at 13 deg.
        let (ev, _) = run(Exercise::Hinge, &hinge(&TO_THE_TOP, 6.7, seed));
        assert_eq!(reps_of(&ev).len(), 1, "seed {seed}: the rep back at the top is lost");
        assert!(!faults_raised(&ev).contains(&FaultId::NoLockout), "seed {seed}: {:?}", faults_raised(&ev));
        // Stopped at the bottom instead: no rep, but not dropped either: an unfinished attempt.
        let (ev, report) = run(Exercise::Hinge, &hinge(&TO_THE_TOP, 4.3, seed));
        assert!(reps_of(&ev).is_empty(), "seed {seed}");
        let a = attempts_of(&ev);
        assert_eq!(a.len(), 1, "seed {seed}: {a:?}");
        assert_eq!(a[0].reason, AttemptReason::Unfinished);
        assert!(a[0].reached_deg.is_some_and(|d| d > 85.0), "seed {seed}: {a:?}");
        assert_eq!(report.attempts, a);
    }
}

#[test]
fn a_half_range_dip_is_an_attempt_not_a_rep() {
    // A sway to 17 deg (not an attempt), a dip to 24 deg (short of the 30 deg a rep needs), then a
    // whole rep to 60 deg.
    let trunk = [
        (0.0, 0.0),
        (1.5, 0.0),
        (2.5, 17.0),
        (3.5, 0.0),
        (5.0, 0.0),
        (6.5, 24.0),
        (7.0, 24.0),
        (8.5, 0.0),
        (10.0, 0.0),
        (12.5, 60.0),
        (12.9, 60.0),
        (14.9, 0.0),
    ];
    for seed in 1..=3 {
        let samples = hinge(&trunk, 17.0, seed);
        let mut a = Analyzer::new(Exercise::Hinge, FormConfig::default());
        let mut ev = vec![];
        let mut live_attempts = vec![];
        for s in &samples {
            ev.extend(a.push(s));
            live_attempts.push((s.t, a.live().attempts));
        }
        ev.extend(a.finish());
        let reps = reps_of(&ev);
        assert_eq!(reps.len(), 1, "seed {seed}: {reps:?}");
        assert!(reps[0].start_s > 9.0, "seed {seed}: the dip was counted as a rep");
        let att = attempts_of(&ev);
        assert_eq!(att.len(), 1, "seed {seed}: {att:?}");
        let x = &att[0];
        assert_eq!((x.index, x.reason, x.measure.as_str()), (1, AttemptReason::ShortOfRange, "trunk_deg"));
        assert!(x.reached_deg.is_some_and(|d| (d - 24.0).abs() < 4.0), "seed {seed}: {x:?}");
        assert!((x.needed_deg - 30.0).abs() < 1e-6);
        assert!(x.start_s > 5.0 && x.end_s < 9.5, "seed {seed}: {x:?}");
        // The live state shows it from when it ended, and not before.
        let first = live_attempts.iter().find(|(_, n)| *n == 1).map(|(t, _)| *t).expect("live attempt count");
        assert!(first > 7.0 && first < 9.5, "seed {seed}: live attempt from {first:.2} s");
        let report = a.report();
        assert_eq!(report.attempts, att);
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["attempts"][0]["reason"], "short_of_range");
    }
}

/// Quadruped (trunk horizontal), then the left leg and right arm lift to `thigh` / `arm` (deg; the
/// full reach is -80 / 100), hold 1.5 s, and return.
fn bird_dog_reach(thigh: f32, arm: f32, seed: u64) -> Vec<PoseSample> {
    let th = [(0.0, 0.0f32), (2.0, 0.0), (3.2, thigh), (4.7, thigh), (5.9, 0.0)];
    // The knee straightens as the thigh lifts: the shank ends in line with it.
    let sk = [(0.0, -90.0f32), (2.0, -90.0), (3.2, thigh), (4.7, thigh), (5.9, -90.0)];
    let ua = [(0.0, 0.0f32), (2.0, 0.0), (3.2, arm), (4.7, arm), (5.9, 0.0)];
    record(8.0, seed, Noise::default(), |t| {
        let (l, a) = (keys(t, &th), keys(t, &ua));
        SideFig {
            hip: (450.0, 330.0),
            trunk: 80.0,
            thigh: [l, 0.0],
            shank: [keys(t, &sk), -90.0],
            upper_arm: [0.0, a],
            forearm: [0.0, a],
            ..SideFig::default()
        }
        .pose()
    })
}

#[test]
fn a_bird_dog_reach_that_never_gets_to_range_is_an_attempt() {
    for seed in 1..=3 {
        // The whole reach: a rep, no attempt (the test sees the difference).
        let (ev, _) = run(Exercise::BirdDog, &bird_dog_reach(-80.0, 100.0, seed));
        assert_eq!(reps_of(&ev).len(), 1, "seed {seed}: the full reach");
        assert!(attempts_of(&ev).is_empty(), "seed {seed}: {:?}", attempts_of(&ev));
        // Half way: the thigh lifts to 40 deg behind vertical, the arm to 50: not a rep, an attempt.
        let (ev, report) = run(Exercise::BirdDog, &bird_dog_reach(-40.0, 50.0, seed));
        assert!(reps_of(&ev).is_empty(), "seed {seed}: {:?}", reps_of(&ev));
        let a = attempts_of(&ev);
        assert_eq!(a.len(), 1, "seed {seed}: {a:?}");
        assert_eq!(a[0].reason, AttemptReason::ShortOfRange);
        assert_eq!(a[0].measure, "leg_hip_deg", "seed {seed}: the leg's extension fell short");
        assert!(a[0].reached_deg.is_some_and(|d| d < a[0].needed_deg), "seed {seed}: {a:?}");
        // The reaching arm's side: the one opposite the lifted (left) leg.
        assert_eq!(a[0].side, Some(Side::Right));
        assert!(a[0].start_s > 1.5 && a[0].end_s < 6.5, "seed {seed}: {a:?}");
        assert_eq!(report.attempts, a);
    }
}

#[test]
fn attempts_are_stored_read_back_and_reported() {
    use formcheck::session::store::Store;
    // A dip short of range, then a whole rep: one rep and one attempt, through the store and the report.
    let trunk = [
        (0.0, 0.0),
        (1.5, 0.0),
        (3.0, 24.0),
        (3.5, 24.0),
        (5.0, 0.0),
        (6.5, 0.0),
        (9.0, 60.0),
        (9.4, 60.0),
        (11.4, 0.0),
    ];
    let (_, report) = run(Exercise::Hinge, &hinge(&trunk, 13.5, 2));
    assert_eq!((report.reps.len(), report.attempts.len()), (1, 1), "{report:?}");
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("f.db")).unwrap();
    let id = store.save_report(&report, std::path::Path::new("/clips/dip.mp4"), None).unwrap();
    let rec = store.load_session(id).unwrap();
    // As written (times through JSON to within a microsecond).
    let (got, want) = (&rec.set_records[0].attempts, &report.attempts);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!((got[0].index, got[0].reason, &got[0].measure), (want[0].index, want[0].reason, &want[0].measure));
    assert_eq!((got[0].reached_deg, got[0].needed_deg), (want[0].reached_deg, want[0].needed_deg));
    assert!((got[0].start_s - want[0].start_s).abs() < 1e-6 && (got[0].end_s - want[0].end_s).abs() < 1e-6, "{got:?}");
    assert_eq!(rec.set_records[0].reps.len(), 1, "the attempt is not counted as a rep");
    let r = formcheck::report::build(&store, id).unwrap();
    assert_eq!(r.attempts.len(), 1);
    assert_eq!((r.attempts[0].reason.as_str(), r.attempts[0].measure.as_str()), ("short_of_range", "trunk_deg"));
    assert_eq!(r.exercises[0].reps_done, 1, "attempts are not in the rep count");
    let html = formcheck::report::to_html(&r);
    assert!(html.contains("Attempts (not counted)") && html.contains("did not reach the range of a rep"), "{html}");
    let csv = formcheck::report::to_csv(&r);
    assert_eq!(csv.lines().filter(|l| l.starts_with("attempt,")).count(), 1, "{csv}");
    // A session without attempts shows no such section.
    let (_, whole) =
        run(Exercise::Hinge, &hinge(&trunk[4..].iter().map(|&(t, a)| (t - 5.0, a)).collect::<Vec<_>>(), 8.5, 2));
    assert!(whole.attempts.is_empty() && whole.reps.len() == 1, "{whole:?}");
    let id = store.save_report(&whole, std::path::Path::new("/clips/rep.mp4"), None).unwrap();
    assert!(
        !formcheck::report::to_html(&formcheck::report::build(&store, id).unwrap()).contains("Attempts (not counted)")
    );
}

#[test]
fn ankles_hidden_by_the_plates_do_not_stop_the_count_but_hidden_knees_do() {
    use formcheck::demo::figure::hide;
    use formcheck::pose::skeleton::Joint;
    // Both ankles under the confidence floor through the lift (a barbell's plates in front of them).
    let hidden = |joints: &[Joint]| -> Vec<PoseSample> {
        hinge(&FROM_FLOOR, 13.0, 5)
            .into_iter()
            .map(|mut s| {
                if s.t < 3.5 {
                    s.pose = hide(s.pose, joints);
                }
                s
            })
            .collect()
    };
    let (ev, report) = run(Exercise::Hinge, &hidden(&[Joint::LeftAnkle, Joint::RightAnkle]));
    assert_eq!(reps_of(&ev).len(), 2, "ankles hidden: {:?}", reps_of(&ev));
    assert!(report.not_in_view_s < 0.1, "not in view {:.2} s", report.not_in_view_s);
    // Without the knees the hip angle is unknown: the lift is not in view, not counted.
    let (ev, report) = run(Exercise::Hinge, &hidden(&[Joint::LeftKnee, Joint::RightKnee]));
    assert_eq!(reps_of(&ev).len(), 1, "knees hidden: {:?}", reps_of(&ev));
    assert!(report.not_in_view_s > 3.0, "not in view {:.2} s", report.not_in_view_s);
}
