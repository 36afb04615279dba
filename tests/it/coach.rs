//! The guided session (setup check, sets, sides, rest, pause, summary), driven frame by frame with
//! hand-made form-engine states and events: every transition the live screen relies on.

use formcheck::coach::{Coach, Dose, Inputs, Stage, pain_advice};
use formcheck::form::{Cue, CuePriority, Exercise, FaultId, FormEvent, HoldRecord, LiveState, Side, View};

fn live(t: f64, in_view: bool, view: View, phase: &str) -> LiveState {
    LiveState { in_view, view, phase: phase.into(), ..LiveState::empty(t) }
}

fn rep(side: Option<Side>, faults: &[FaultId]) -> FormEvent {
    crate::common::rep_completed(side, faults)
}

/// Runs `coach` at 30 fps from `t0` for `secs` with the same state, `events` on the first frame.
fn run(coach: &mut Coach, t0: f64, secs: f64, state: &LiveState, events: &[FormEvent], confidence: f32) -> f64 {
    let n = (secs * 30.0).round() as usize;
    let mut t = t0;
    for i in 0..n {
        t = t0 + i as f64 / 30.0;
        let s = LiveState { t, ..state.clone() };
        let ev: &[FormEvent] = if i == 0 { events } else { &[] };
        coach.update(&Inputs { t, live: &s, events: ev, confidence });
    }
    t + 1.0 / 30.0
}

fn said(coach: &Coach) -> Vec<String> {
    coach.issued().iter().map(|c| c.id.clone()).collect()
}

#[test]
fn setup_check_turns_green_item_by_item_and_speaks_one_hint_at_a_time() {
    let mut c = Coach::new(Exercise::Hinge, Dose::default_for(Exercise::Hinge));
    // Out of view, wrong view, dim: only the first failing item is spoken, after 1 s, then every 5 s.
    let t = run(&mut c, 0.0, 6.5, &live(0.0, false, View::Front, "unknown"), &[], 0.2);
    assert_eq!(c.stage(), Stage::Setup);
    assert!(c.checklist().iter().all(|i| !i.ok), "{:?}", c.checklist());
    let hints: Vec<(f64, String)> = c.issued().iter().map(|q| (q.t, q.id.clone())).collect();
    assert_eq!(hints.len(), 2, "{hints:?}");
    assert!(hints.iter().all(|(_, id)| id == "setup.in_view"));
    assert!((hints[0].0 - 1.0).abs() < 0.05 && (hints[1].0 - hints[0].0 - 5.0).abs() < 0.05, "{hints:?}");
    // In view but facing the camera: the view item fails next and its hint is the one spoken.
    let t = run(&mut c, t, 1.5, &live(0.0, true, View::Front, "standing"), &[], 0.8);
    let items: Vec<bool> = c.checklist().iter().map(|i| i.ok).collect();
    assert_eq!(items, vec![true, false, true, true]);
    assert_eq!(c.issued().last().unwrap().text, "Turn side-on to the camera.");
    // Side-on and standing: counting starts after the check has passed for a second, not before.
    let t = run(&mut c, t, 0.9, &live(0.0, true, View::Side, "standing"), &[], 0.8);
    assert_eq!(c.stage(), Stage::Setup);
    run(&mut c, t, 0.3, &live(0.0, true, View::Side, "standing"), &[], 0.8);
    assert_eq!(c.stage(), Stage::Active);
    assert_eq!(c.progress(), "Set 1 of 3 · rep 0 of 6");
    assert_eq!(said(&c).last().unwrap(), "set.begin.1");
}

#[test]
fn space_starts_counting_without_waiting_for_the_check() {
    let mut c = Coach::new(Exercise::BirdDog, Dose::default_for(Exercise::BirdDog));
    let t = run(&mut c, 0.0, 0.5, &live(0.0, true, View::Unknown, "unknown"), &[], 0.8);
    c.space();
    run(&mut c, t, 0.1, &live(0.0, true, View::Unknown, "unknown"), &[], 0.8);
    assert_eq!(c.stage(), Stage::Active);
}

#[test]
fn sets_rest_and_summary_follow_the_dose_and_pause_stops_counting() {
    let dose = Dose { sets: 2, reps: 3, hold_s: 0.0, rest_s: 10.0 };
    let mut c = Coach::new(Exercise::Hinge, dose);
    let standing = live(0.0, true, View::Side, "standing");
    let mut t = run(&mut c, 0.0, 1.2, &standing, &[], 0.9);
    assert_eq!(c.stage(), Stage::Active);
    t = run(&mut c, t, 1.0, &standing, &[rep(None, &[])], 0.9);
    t = run(&mut c, t, 1.0, &standing, &[rep(None, &[FaultId::RoundedBack])], 0.9);
    // Paused: a rep the engine completes now is not counted.
    c.space();
    t = run(&mut c, t, 1.0, &standing, &[rep(None, &[])], 0.9);
    assert_eq!(c.progress(), "Set 1 of 2 · rep 2 of 3");
    c.space();
    t = run(&mut c, t, 1.0, &standing, &[rep(None, &[FaultId::RoundedBack, FaultId::LockedKnees])], 0.9);
    assert_eq!(c.stage(), Stage::Rest, "three reps end the set");
    let set1 = c.last_finished_set().unwrap().clone();
    assert_eq!((set1.reps.len(), set1.clean_reps(), set1.faulty_reps()), (3, 1, 2));
    assert_eq!(set1.reps.iter().map(|r| r.index).collect::<Vec<_>>(), vec![1, 2, 3]);
    // Rest: 10 s of frame time, frozen while paused.
    c.space();
    t = run(&mut c, t, 20.0, &standing, &[], 0.9);
    assert_eq!(c.stage(), Stage::Rest);
    c.space();
    t = run(&mut c, t, 5.0, &standing, &[], 0.9);
    let left = c.rest_left().unwrap();
    assert!((4.0..=6.0).contains(&left), "rest left {left}");
    c.set_pain(2);
    t = run(&mut c, t, 5.5, &standing, &[], 0.9);
    assert_eq!(c.stage(), Stage::Active);
    assert_eq!(c.progress(), "Set 2 of 2 · rep 0 of 3");
    assert_eq!(c.sets()[0].pain, Some(2));
    // N ends a short set: the summary says so.
    c.next();
    run(&mut c, t, 0.1, &standing, &[rep(None, &[])], 0.9);
    assert_eq!(c.stage(), Stage::Done);
    let s = c.summary();
    assert_eq!((s.sets_done, s.reps, s.clean_reps), (2, 4, 2));
    assert_eq!(s.top_fault, Some((FaultId::RoundedBack, 2)));
    assert!(c.sets()[1].cut_short && !c.sets()[0].cut_short);
    let ids = said(&c);
    assert!(ids.contains(&"set.complete".to_string()) && ids.ends_with(&["session.done".to_string()]), "{ids:?}");
}

#[test]
fn bird_dog_needs_the_dose_on_both_sides() {
    let dose = Dose { sets: 1, reps: 2, hold_s: 0.0, rest_s: 30.0 };
    let mut c = Coach::new(Exercise::BirdDog, dose);
    let quad = live(0.0, true, View::Side, "quadruped");
    let mut t = run(&mut c, 0.0, 1.2, &quad, &[], 0.9);
    for side in [Side::Left, Side::Left, Side::Left, Side::Right] {
        assert_eq!(c.stage(), Stage::Active);
        t = run(&mut c, t, 1.0, &quad, &[rep(Some(side), &[])], 0.9);
    }
    assert_eq!(c.stage(), Stage::Active, "three left and one right is not 2 per side");
    assert_eq!(c.progress(), "Set 1 of 1 · left arm 3 of 2 · right arm 1 of 2");
    run(&mut c, t, 1.0, &quad, &[rep(Some(Side::Right), &[FaultId::ReachHigh])], 0.9);
    assert_eq!(c.stage(), Stage::Done);
}

#[test]
fn side_plank_times_each_side_and_says_switch_sides_once() {
    let dose = Dose { sets: 1, reps: 0, hold_s: 5.0, rest_s: 30.0 };
    let mut c = Coach::new(Exercise::SidePlank, dose);
    let setup = live(0.0, true, View::Front, "setup");
    let mut t = run(&mut c, 0.0, 1.2, &setup, &[], 0.9);
    assert_eq!(c.stage(), Stage::Active);
    let started = FormEvent::HoldStarted { t, side: Some(Side::Left), variant: "elbow-feet".into() };
    // The engine's in-form seconds grow 1 per second, except 2 s paused by a fault (frozen).
    let mut secs = 0.0;
    for i in 0..240 {
        let frozen = (60..120).contains(&i);
        if !frozen {
            secs += 1.0 / 30.0;
        }
        let s = LiveState { hold_seconds_in_form: secs, holding: true, phase: "hold".into(), ..setup.clone() };
        let ev = if i == 0 { vec![started.clone()] } else { vec![] };
        c.update(&Inputs { t, live: &s, events: &ev, confidence: 0.9 });
        if i == 150 {
            assert_eq!(c.progress(), "Left side down · 3 of 5 s", "151 frames, 60 of them frozen: 3.03 s");
        }
        t += 1.0 / 30.0;
    }
    assert_eq!(said(&c).iter().filter(|i| *i == "hold.switch_sides").count(), 1);
    assert_eq!(c.stage(), Stage::Active);
    // The hold ends; the right side up to 5 s ends the set.
    let ended = FormEvent::HoldEnded(HoldRecord {
        index: 1,
        side: Some(Side::Left),
        variant: "elbow-feet".into(),
        support: "elbow".into(),
        base: "feet".into(),
        start_s: 1.0,
        end_s: t,
        seconds_in_form: secs,
        faults: vec![FaultId::HipsSag],
        fault_durations: Default::default(),
        mean_line_offset: -0.05,
    });
    t = run(&mut c, t, 1.0, &setup, &[ended], 0.9);
    let started = FormEvent::HoldStarted { t, side: Some(Side::Right), variant: "elbow-feet".into() };
    let mut secs = 0.0;
    for i in 0..200 {
        secs += 1.0 / 30.0;
        let s = LiveState { hold_seconds_in_form: secs, holding: true, ..setup.clone() };
        let ev = if i == 0 { vec![started.clone()] } else { vec![] };
        c.update(&Inputs { t, live: &s, events: &ev, confidence: 0.9 });
        t += 1.0 / 30.0;
    }
    assert_eq!(c.stage(), Stage::Done);
    let s = c.summary();
    assert!((s.hold_s[0] - 5.0).abs() < 1e-9 && (s.hold_s[1] - 5.0).abs() < 1e-9, "{:?}", s.hold_s);
    assert_eq!(s.top_fault, Some((FaultId::HipsSag, 1)));
    assert_eq!(said(&c).iter().filter(|i| *i == "hold.switch_sides").count(), 1, "no switch after the last side");
}

#[test]
fn engine_cues_are_rewritten_to_the_set_and_silenced_outside_it() {
    let dose = Dose { sets: 2, reps: 1, hold_s: 0.0, rest_s: 30.0 };
    let mut c = Coach::new(Exercise::Hinge, dose);
    let standing = live(0.0, true, View::Side, "standing");
    let cue = |id: &str, text: &str, p| Cue { t: 0.0, id: id.into(), text: text.into(), priority: p };
    // Setup: the engine's view hint is left to the checklist.
    assert!(
        c.filter_engine_cue(&cue("view.turn_side_on", "Turn side-on to the camera.", CuePriority::Safety)).is_none()
    );
    let mut t = run(&mut c, 0.0, 1.2, &standing, &[], 0.9);
    t = run(&mut c, t, 0.5, &standing, &[rep(None, &[])], 0.9);
    assert_eq!(c.stage(), Stage::Rest);
    // Rest: counts and praise are silent, faults are not.
    assert!(c.filter_engine_cue(&cue("rep.count.2", "two", CuePriority::Encouragement)).is_none());
    let fault = cue(
        "fault.rounded_back",
        "Keep the dowel touching your head, upper back and tailbone.",
        CuePriority::MajorFault,
    );
    assert_eq!(c.filter_engine_cue(&fault), Some(fault.clone()));
    c.next();
    run(&mut c, t, 0.1, &standing, &[], 0.9);
    assert_eq!(c.stage(), Stage::Active);
    c.update(&Inputs { t: t + 1.0, live: &standing, events: &[rep(None, &[])], confidence: 0.9 });
    // The engine says "seven" for its seventh rep of the session; the person hears this set's count.
    let mut c2 = Coach::new(Exercise::Hinge, Dose { sets: 1, reps: 5, hold_s: 0.0, rest_s: 0.0 });
    let t = run(&mut c2, 0.0, 1.2, &standing, &[], 0.9);
    run(&mut c2, t, 0.5, &standing, &[rep(None, &[])], 0.9);
    let rewritten = c2.filter_engine_cue(&cue("rep.count.7", "seven", CuePriority::Encouragement)).unwrap();
    assert_eq!((rewritten.id.as_str(), rewritten.text.as_str()), ("rep.count.1", "one"));
}

#[test]
fn pain_ratings_follow_the_spec() {
    assert_eq!(pain_advice(0), None);
    assert_eq!(pain_advice(3), None, "a mild ache (3/10) is allowed");
    assert!(pain_advice(4).unwrap().contains("More than a mild ache"));
    assert!(pain_advice(7).unwrap().contains("severe"));
}

#[test]
fn every_cue_the_coach_speaks_is_in_the_prepared_catalogue() {
    let catalogue = formcheck::coach::spoken_cues();
    let has = |id: &str, text: &str| catalogue.iter().any(|(i, t)| i == id && t == text);
    for f in FaultId::ALL {
        for e in Exercise::ALL {
            assert!(has(&format!("fault.{}", f.id()), f.cue_text_for(e)), "{f:?} for {e:?}");
        }
    }
    // A whole session's coach cues: setup hints of every kind, set begin/complete, switch sides.
    for e in Exercise::ALL {
        let dose = Dose { sets: 2, reps: 1, hold_s: 1.0, rest_s: 1.0 };
        let mut c = Coach::new(e, dose);
        let mut t = run(&mut c, 0.0, 2.0, &live(0.0, false, View::Unknown, "unknown"), &[], 0.1);
        t = run(&mut c, t, 6.0, &live(0.0, true, View::Unknown, "unknown"), &[], 0.1);
        t = run(&mut c, t, 6.0, &live(0.0, true, e.required_view(), "unknown"), &[], 0.1);
        c.space();
        for _ in 0..2 {
            t = run(&mut c, t, 0.1, &live(0.0, true, e.required_view(), "unknown"), &[], 0.9);
            c.next();
            t = run(&mut c, t, 0.1, &live(0.0, true, e.required_view(), "unknown"), &[], 0.9);
            c.next();
            t = run(&mut c, t, 0.1, &live(0.0, true, e.required_view(), "unknown"), &[], 0.9);
            c.next();
        }
        let issued = c.issued();
        assert!(issued.len() >= 5, "{e:?}: {issued:?}");
        for q in issued {
            assert!(has(&q.id, &q.text), "{e:?}: {} {:?} is not in the catalogue", q.id, q.text);
        }
    }
}
