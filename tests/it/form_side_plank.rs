//! Side plank on synthetic stick-figure sequences.

use crate::common::{cue_ids, faults_raised, holds, run};
use formcheck::demo::figure::{FrontFig, Noise, SideFig, hide, keys, record};
use formcheck::form::{Exercise, FaultId, FormEvent, Side};
use formcheck::pose::skeleton::{Joint, PoseSample};

/// Hips-down offset while lying propped on the elbow before the lift.
const DOWN: f32 = -0.45;

/// Lying propped 2 s, lift 0.6 s, hold `hold` s, lower 0.4 s, lying 2 s. `fig(t)` customises
/// the figure (the hip offset is set by the timeline unless `fig` overrides it).
fn plank(hold: f64, seed: u64, fig: impl Fn(f64, FrontFig) -> FrontFig) -> (Vec<PoseSample>, f64) {
    let k = [(0.0, DOWN), (2.0, DOWN), (2.6, 0.0), (2.6 + hold, 0.0), (3.0 + hold, DOWN)];
    let total = 5.0 + hold;
    let samples = record(total, seed, Noise::default(), |t| {
        fig(t, FrontFig { hip_offset: keys(t, &k), ..FrontFig::default() }).pose()
    });
    // Ground truth: time with the hips within 0.10 of the line.
    let mut inform = 0.0;
    let step = 0.001;
    let mut t = 0.0;
    while t < total {
        if keys(t, &k).abs() <= 0.10 {
            inform += step;
        }
        t += step;
    }
    (samples, inform)
}

#[test]
fn clean_hold_is_timed_within_a_fifth_of_a_second() {
    for seed in 1..=3 {
        let (s, truth) = plank(20.0, seed, |_, f| f);
        let (ev, report) = run(Exercise::SidePlank, &s);
        let h = holds(&ev);
        assert_eq!(h.len(), 1, "seed {seed}: {h:#?}");
        assert!((h[0].seconds_in_form - truth).abs() <= 0.2, "seed {seed}: {} vs {truth}", h[0].seconds_in_form);
        assert!(h[0].faults.is_empty(), "seed {seed}: {:?}", h[0].faults);
        assert!(faults_raised(&ev).is_empty(), "seed {seed}: {:?}", faults_raised(&ev));
        assert_eq!(h[0].side, Some(Side::Left));
        assert_eq!(h[0].variant, "elbow-feet");
        assert!(report.reps.is_empty());
        let cues = cue_ids(&ev);
        for id in ["hold.mark.10", "hold.mark.20", "hold.switch_sides"] {
            assert!(cues.contains(&id.to_string()), "seed {seed}: {cues:?}");
        }
        assert!(!cues.iter().any(|c| c.starts_with("fault.")), "{cues:?}");
        let ticks = ev.iter().filter(|e| matches!(e, FormEvent::HoldTick { .. })).count();
        assert_eq!(ticks, 20);
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["holds"][0]["variant"], "elbow-feet");
        assert_eq!(json["holds"][0]["side"], "left");
    }
}

#[test]
fn variants_and_sides() {
    let (s, _) =
        plank(8.0, 2, |_, f| FrontFig { knees: true, lower: Side::Right, dir: -1.0, shoulder: (950.0, 300.0), ..f });
    let (ev, _) = run(Exercise::SidePlank, &s);
    let h = holds(&ev);
    assert_eq!(h.len(), 1, "{h:#?}");
    assert_eq!((h[0].variant.as_str(), h[0].side), ("elbow-knees", Some(Side::Right)));
    assert!(faults_raised(&ev).is_empty(), "{:?}", faults_raised(&ev));
    let (s, _) = plank(8.0, 3, |_, f| FrontFig { hand: true, incline: 25.0, shoulder: (330.0, 200.0), ..f });
    let (ev, _) = run(Exercise::SidePlank, &s);
    let h = holds(&ev);
    assert_eq!(h.len(), 1, "{h:#?}");
    assert_eq!(h[0].variant, "hand-feet");
    assert!(faults_raised(&ev).is_empty(), "{:?}", faults_raised(&ev));
}

/// A 20 s hold with a fault between 8 and 12 s into it.
fn faulty(id: FaultId, apply: impl Fn(FrontFig) -> FrontFig) {
    let (s, truth) = plank(20.0, 4, |t, f| if (10.6..14.6).contains(&t) { apply(f) } else { f });
    let (ev, _) = run(Exercise::SidePlank, &s);
    let h = holds(&ev);
    assert_eq!(h.len(), 1, "{id}: {h:#?}");
    assert_eq!(h[0].faults, vec![id], "{id}");
    assert_eq!(faults_raised(&ev), vec![id]);
    assert!(cue_ids(&ev).contains(&format!("fault.{}", id.id())), "{:?}", cue_ids(&ev));
    let d = h[0].fault_durations[&id];
    assert!((d - 4.0).abs() < 0.7, "{id}: duration {d}");
    if id.severity() == formcheck::form::Severity::Major {
        // Timer paused after the first second of the fault.
        let expect = truth - 3.0;
        assert!((h[0].seconds_in_form - expect).abs() < 0.5, "{id}: {} vs {expect}", h[0].seconds_in_form);
    } else {
        assert!((h[0].seconds_in_form - truth).abs() < 0.3, "{id}: minor faults do not pause");
    }
}

#[test]
fn hips_sag_on_its_own() {
    faulty(FaultId::HipsSag, |f| FrontFig { hip_offset: -0.2, ..f });
}

#[test]
fn hips_pike_on_its_own() {
    faulty(FaultId::HipsPike, |f| FrontFig { hip_offset: 0.45, ..f });
}

#[test]
fn mild_pike_below_the_pike_threshold_is_not_a_fault() {
    // 0.2 torso lengths above the line: within what real "correct" planks show (see plank_csv.rs).
    let (s, _) = plank(12.0, 5, |_, f| FrontFig { hip_offset: 0.2, ..f });
    let (ev, _) = run(Exercise::SidePlank, &s);
    assert_eq!(holds(&ev).len(), 1);
    assert!(faults_raised(&ev).is_empty(), "{:?}", faults_raised(&ev));
}

#[test]
fn head_drop_on_its_own() {
    faulty(FaultId::HeadDrop, |f| FrontFig { head_drop: 40.0, ..f });
}

#[test]
fn elbow_position_on_its_own() {
    faulty(FaultId::ElbowPosition, |f| FrontFig { elbow_dx: 0.5, ..f });
}

#[test]
fn no_hold_while_standing_kneeling_lying_or_lifting() {
    // Standing 0-3 s, kneeling upright 3-5 s, lying flat (arm overhead) 5-8 s, propped with the
    // hips down 8-10 s, lift 10-10.6 s, hold 5 s, down.
    let samples = record(20.0, 5, Noise::default(), |t| {
        let base = FrontFig::default();
        let f = if t < 3.0 {
            FrontFig { incline: 90.0, shoulder: (640.0, 150.0), propped: true, ..base }
        } else if t < 5.0 {
            FrontFig { incline: 85.0, knees: true, shoulder: (640.0, 250.0), ..base }
        } else if t < 8.0 {
            FrontFig { incline: 0.0, propped: false, shoulder: (330.0, 500.0), ..base }
        } else {
            let off = keys(t, &[(10.0, DOWN), (10.6, 0.0), (15.6, 0.0), (16.0, DOWN)]);
            FrontFig { hip_offset: off, ..base }
        };
        f.pose()
    });
    let (ev, _) = run(Exercise::SidePlank, &samples);
    let h = holds(&ev);
    assert_eq!(h.len(), 1, "{h:#?}");
    assert!(h[0].start_s > 10.0, "hold started during setup: {}", h[0].start_s);
    assert!((h[0].seconds_in_form - 5.3).abs() < 0.3, "{}", h[0].seconds_in_form);
}

#[test]
fn no_hold_time_while_ankles_missing() {
    let (s, truth) = plank(20.0, 6, |_, f| f);
    let s: Vec<PoseSample> = s
        .into_iter()
        .map(|mut x| {
            if (10.0..11.5).contains(&x.t) {
                x.pose = hide(x.pose, &[Joint::LeftAnkle, Joint::RightAnkle]);
            }
            x
        })
        .collect();
    let (ev, report) = run(Exercise::SidePlank, &s);
    let h = holds(&ev);
    assert_eq!(h.len(), 1, "{h:#?}");
    assert!((h[0].seconds_in_form - (truth - 1.5)).abs() < 0.25, "{} vs {}", h[0].seconds_in_form, truth - 1.5);
    assert!((report.not_in_view_s - 1.5).abs() < 0.1, "{}", report.not_in_view_s);
    // A long absence (legs out of frame) ends the hold and nothing is counted meanwhile.
    let (s, _) = plank(20.0, 7, |_, f| f);
    let s: Vec<PoseSample> = s
        .into_iter()
        .map(|mut x| {
            if x.t >= 12.0 {
                x.pose = hide(x.pose, &[Joint::LeftAnkle, Joint::RightAnkle, Joint::LeftKnee, Joint::RightKnee]);
            }
            x
        })
        .collect();
    let (ev, _) = run(Exercise::SidePlank, &s);
    let h = holds(&ev);
    assert_eq!(h.len(), 1);
    assert!((h[0].seconds_in_form - (12.0 - 2.4)).abs() < 0.3, "{}", h[0].seconds_in_form);
    assert!(cue_ids(&ev).contains(&"visibility.step_back".to_string()));
}

#[test]
fn side_view_asks_to_face_the_camera() {
    let samples = record(15.0, 8, Noise::default(), |_| {
        SideFig {
            trunk: 80.0,
            thigh: [-100.0, -100.0],
            shank: [-100.0, -100.0],
            upper_arm: [0.0, 0.0],
            forearm: [-90.0, -90.0],
            ..SideFig::default()
        }
        .pose()
    });
    let (ev, _) = run(Exercise::SidePlank, &samples);
    assert!(holds(&ev).is_empty());
    assert!(cue_ids(&ev).contains(&"view.face_camera".to_string()), "{:?}", cue_ids(&ev));
}

#[test]
fn legs_cut_by_the_frame_edge_are_not_in_view_and_start_no_new_hold() {
    // 20 s hold; from 8 s on the camera is close: the knees and ankles leave the frame and the model
    // puts them at the frame edge (x = 5), with confidence. The line then ends far too close to the
    // hips, and knee and ankle coincide (which on its own would look like the knees variant).
    let (s, _) = plank(20.0, 21, |_, f| f);
    let s: Vec<PoseSample> = s
        .into_iter()
        .map(|mut x| {
            if x.t >= 8.0 {
                let hip_y = x.pose.get(Joint::LeftHip).y;
                for j in [Joint::LeftKnee, Joint::RightKnee, Joint::LeftAnkle, Joint::RightAnkle] {
                    let mut k = x.pose.get(j);
                    let hip_x = x.pose.get(Joint::LeftHip).x;
                    k.x = hip_x + (5.0 - hip_x) * 0.25;
                    k.y = hip_y + 10.0;
                    k.score = 0.6;
                    x.pose.set(j, k);
                }
            }
            x
        })
        .collect();
    let (ev, report) = run(Exercise::SidePlank, &s);
    let h = holds(&ev);
    assert_eq!(h.len(), 1, "{h:#?}");
    assert_eq!(h[0].variant, "elbow-feet");
    // In form from the lift (about 2.4 s) until the cut at 8 s.
    assert!((h[0].seconds_in_form - 5.6).abs() < 0.5, "{}", h[0].seconds_in_form);
    assert!(h[0].end_s < 8.1, "{}", h[0].end_s);
    assert!(report.not_in_view_s > 10.0, "{}", report.not_in_view_s);
    assert!(cue_ids(&ev).contains(&"visibility.step_back".to_string()));
}

#[test]
fn a_new_plank_after_the_hips_went_down_may_change_variant() {
    // Feet hold, hips down, then a knees hold: two holds with their own variants.
    let feet = plank(6.0, 22, |_, f| f).0;
    let end = feet.last().unwrap().t;
    let knees = plank(6.0, 23, |_, f| FrontFig { knees: true, ..f }).0;
    let s: Vec<PoseSample> = feet
        .into_iter()
        .chain(knees.into_iter().map(|mut x| {
            x.t += end + 1.0 / 30.0;
            x
        }))
        .collect();
    let (ev, _) = run(Exercise::SidePlank, &s);
    let v: Vec<String> = holds(&ev).iter().map(|h| h.variant.clone()).collect();
    assert_eq!(v, vec!["elbow-feet", "elbow-knees"]);
}

#[test]
fn a_hidden_ear_is_not_a_head_drop() {
    // One ear is often hidden on real footage (by the arm, the hair, the turn of the head). For
    // 8 s of the hold only the lower ear is seen: the head is judged from the nose, on the
    // midline, not from the lone ear half a head off it (which read as a head drop).
    let (s, _) = plank(20.0, 4, |_, f| f);
    let s: Vec<PoseSample> = s
        .into_iter()
        .map(|mut x| {
            if (8.0..16.0).contains(&x.t) {
                x.pose = hide(x.pose, &[Joint::RightEar]);
            }
            x
        })
        .collect();
    let (ev, _) = run(Exercise::SidePlank, &s);
    assert!(faults_raised(&ev).is_empty(), "{:?}", faults_raised(&ev));
    assert_eq!(holds(&ev).len(), 1);
}
