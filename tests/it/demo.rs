//! The built-in demo through the real form engine: each exercise's script, run unpaced for a fixed
//! span of demo time, gives the reps, holds and faults its constants say it shows.
use formcheck::capture::FrameSource;
use formcheck::demo::{
    BIRD_DOG_FAULT, BIRD_DOG_FAULTY_REP, BIRD_DOG_HOLD_S, BIRD_DOG_REP_S, DemoSource, HINGE_FAULT, HINGE_FAULTY_REP,
    HINGE_REP_S, LEAD_IN_S, PLANK_HOLD_S, PLANK_SAG_S, SET_REPS, cycle_s, lead_in_s,
};
use formcheck::form::{Analyzer, Exercise, ExerciseReport, FaultId, FormConfig, FormEvent, Side};
use formcheck::pose::skeleton::PoseSample;

/// The demo of `ex` for `span_s` seconds of its own time (frame timestamps), through an analyzer.
fn run_demo(ex: Exercise, span_s: f64) -> (Vec<FormEvent>, ExerciseReport) {
    let mut src = DemoSource::new(ex, false);
    src.limit_s = Some(span_s);
    let mut a = Analyzer::new(ex, FormConfig::default());
    let mut ev = vec![];
    while let Some(f) = src.next_frame().unwrap() {
        let pose = src.known_pose(&f).expect("the demo knows its pose");
        ev.extend(a.push(&PoseSample { t: f.t, frame_size: (f.width, f.height), present: true, pose, body: None }));
    }
    ev.extend(a.finish());
    (ev, a.report())
}

fn cue_ids(ev: &[FormEvent]) -> Vec<String> {
    ev.iter().filter_map(|e| if let FormEvent::Cue(c) = e { Some(c.id.clone()) } else { None }).collect()
}

/// Nothing about the camera: the demo is filmed the way each exercise needs, whole body in view.
fn assert_well_filmed(ex: Exercise, ev: &[FormEvent], report: &ExerciseReport) {
    assert_eq!(report.not_in_view_s, 0.0, "{ex}");
    for e in ev {
        if let FormEvent::ViewChanged { ok, view, t } = e {
            assert!(ok, "{ex}: wrong view {view:?} at {t}");
        }
    }
    let cues = cue_ids(ev);
    assert!(!cues.iter().any(|c| c.starts_with("view.") || c.starts_with("visibility.")), "{ex}: {cues:?}");
}

#[test]
fn hinge_demo_shows_clean_reps_and_one_faulty_rep_per_set() {
    let sets = 2;
    let span = lead_in_s(Exercise::Hinge) + f64::from(sets) * cycle_s(Exercise::Hinge);
    let (ev, report) = run_demo(Exercise::Hinge, span);
    assert_well_filmed(Exercise::Hinge, &ev, &report);
    assert_eq!(report.reps.len(), (sets * SET_REPS) as usize, "{:#?}", report.reps);
    for (i, r) in report.reps.iter().enumerate() {
        let i = i as u32;
        let expect = if i % SET_REPS == HINGE_FAULTY_REP { vec![HINGE_FAULT] } else { vec![] };
        assert_eq!(r.faults, expect, "rep {i}: {r:#?}");
        // Each rep falls in its own slot of the script.
        let slot = LEAD_IN_S + f64::from(i) * HINGE_REP_S;
        assert!(r.start_s > slot && r.end_s < slot + HINGE_REP_S, "rep {i}: {} - {} s", r.start_s, r.end_s);
    }
    let cues = cue_ids(&ev);
    for id in ["rep.good".to_string(), format!("fault.{}", HINGE_FAULT.id())] {
        assert!(cues.contains(&id), "{id} not spoken: {cues:?}");
    }
}

#[test]
fn bird_dog_demo_alternates_sides_with_one_high_reach_per_set() {
    let span = lead_in_s(Exercise::BirdDog) + cycle_s(Exercise::BirdDog);
    let (ev, report) = run_demo(Exercise::BirdDog, span);
    assert_well_filmed(Exercise::BirdDog, &ev, &report);
    assert_eq!(report.reps.len(), SET_REPS as usize, "{:#?}", report.reps);
    for (i, r) in report.reps.iter().enumerate() {
        let i = i as u32;
        // The set starts with the left leg and right arm; a rep's side is its reaching arm.
        let leg = if i.is_multiple_of(2) { Side::Left } else { Side::Right };
        let b = r.bird_dog.as_ref().unwrap();
        assert_eq!((b.leg, b.arm, r.side), (leg, Some(leg.other()), Some(leg.other())), "rep {i}");
        let expect = if i == BIRD_DOG_FAULTY_REP { vec![BIRD_DOG_FAULT] } else { vec![] };
        assert_eq!(r.faults, expect, "rep {i}: {r:#?}");
        assert!((b.hold_s - BIRD_DOG_HOLD_S).abs() < 0.6, "rep {i}: hold {} s", b.hold_s);
        let slot = LEAD_IN_S + f64::from(i) * BIRD_DOG_REP_S;
        assert!(r.start_s > slot && r.end_s < slot + BIRD_DOG_REP_S, "rep {i}: {} - {} s", r.start_s, r.end_s);
    }
    let cues = cue_ids(&ev);
    let want = format!("fault.{}", BIRD_DOG_FAULT.id());
    assert!(cues.contains(&want), "{want} not spoken: {cues:?}");
    assert!(cues.contains(&format!("rep.count.{SET_REPS}")), "{cues:?}");
}

#[test]
fn side_plank_demo_holds_left_then_right_with_a_short_sag() {
    let (ev, report) = run_demo(Exercise::SidePlank, cycle_s(Exercise::SidePlank));
    assert_well_filmed(Exercise::SidePlank, &ev, &report);
    let h = &report.holds;
    assert_eq!(h.len(), 2, "{h:#?}");
    assert_eq!((h[0].side, h[1].side), (Some(Side::Left), Some(Side::Right)));
    for x in h {
        assert_eq!(x.variant, "elbow-feet");
        assert!(x.seconds_in_form >= 20.0, "{x:#?}");
    }
    // The sag: one major fault, the timer paused once it had lasted `major_fault_pause_s`.
    assert_eq!(h[0].faults, vec![FaultId::HipsSag]);
    assert!((h[0].fault_durations[&FaultId::HipsSag] - PLANK_SAG_S).abs() < 0.5, "{:?}", h[0].fault_durations);
    let pause = FormConfig::default().side_plank.major_fault_pause_s;
    let left = PLANK_HOLD_S - (PLANK_SAG_S - pause);
    assert!((h[0].seconds_in_form - left).abs() < 0.6, "left: {} s in form, expected {left}", h[0].seconds_in_form);
    assert!(h[1].faults.is_empty(), "{:?}", h[1].faults);
    assert!((h[1].seconds_in_form - PLANK_HOLD_S).abs() < 0.6, "right: {} s in form", h[1].seconds_in_form);
    assert!(report.reps.is_empty());
    let cues = cue_ids(&ev);
    for id in ["fault.hips_sag", "hold.mark.10", "hold.mark.20", "hold.switch_sides"] {
        assert!(cues.contains(&id.to_string()), "{id} not spoken: {cues:?}");
    }
}
