//! The session driver with no window at all: the demo (deterministic, its known pose, stepped on
//! this thread) through the setup check, a full set of the hinge dose, the rest, a second set
//! stopped early, the summary and the pain ratings; the set's reps, the cues shown and spoken, and
//! the session written to a store in a temporary folder.

use formcheck::coach::{Coach, Dose, Stage};
use formcheck::demo::{DemoSource, HINGE_FAULT, HINGE_FAULTY_REP, SET_REPS};
use formcheck::form::cues::number_word;
use formcheck::form::{Exercise, FormConfig};
use formcheck::pipeline::live::LivePipeline;
use formcheck::session::driver::{Command, SessionDriver, ShownCue, Voice};
use formcheck::session::pacing::PainKind;
use formcheck::session::prescription::Prescription;
use formcheck::session::recorder::Recorder;
use formcheck::session::store::{SourceKind, Store};

/// Demo frames per step (as the window tests replay it).
const PER_STEP: usize = 8;

fn hinge_driver(dose: Dose, db: &std::path::Path) -> SessionDriver {
    let coach = Coach::new(Exercise::Hinge, dose);
    let config = coach.engine_config(FormConfig::default());
    let source = Box::new(DemoSource::new(Exercise::Hinge, false));
    let pipeline = LivePipeline::stepped(source, None, None, Some((Exercise::Hinge, config)), PER_STEP);
    let recorder = Recorder::new(Store::open(db).unwrap(), SourceKind::Clip, None, Prescription::default_plan());
    SessionDriver::new(pipeline, Some(coach), Some(recorder), Voice::Speak)
}

fn stage(d: &SessionDriver) -> Stage {
    d.stage().expect("a guided session")
}

/// Steps until `done` holds (at most `max` steps); every step brings a new result.
fn step_until(d: &mut SessionDriver, what: &str, max: usize, done: impl Fn(&SessionDriver) -> bool) {
    for _ in 0..max {
        if done(d) {
            return;
        }
        assert!(d.step(), "the demo stopped giving results before it {what}");
    }
    panic!("after {max} steps: never {what}");
}

fn ids(cues: &[ShownCue]) -> Vec<&str> {
    cues.iter().map(|c| c.cue.id.as_str()).collect()
}

#[test]
fn a_whole_guided_set_steps_without_any_window() {
    // Nothing here needs a Ui or a Context: the driver does not even name egui.
    let src = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/src/session/driver.rs"));
    assert!(!src.contains("egui"), "the session driver depends on the UI");

    let dose = Dose { sets: 2, rest_s: 5.0, ..Dose::default_for(Exercise::Hinge) };
    assert_eq!(dose.reps, SET_REPS, "the demo's set is the hinge dose");
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("formcheck.db");
    let mut d = hinge_driver(dose, &db);

    // Setup: nothing before the first result; the pain before is asked and kept.
    assert_eq!(stage(&d), Stage::Setup);
    assert!(d.last().is_none() && d.banner().is_none());
    d.command(Command::PainBefore(2));
    step_until(&mut d, "passed the setup check", 100, |d| stage(d) == Stage::Active);
    let checklist = d.coach().unwrap().checklist().to_vec();
    assert_eq!(checklist.len(), 4, "{checklist:?}");
    assert!(checklist.iter().all(|c| c.ok), "counting began with a failing check: {checklist:?}");
    assert_eq!(ids(d.shown_cues()), ["set.begin.1"], "the demo is well filmed: no setup hint");
    assert_eq!(d.banner().map(|c| c.text.as_str()), Some("Set one. Begin."));

    // The whole first set: the dose's reps, the demo's one faulty rep.
    step_until(&mut d, "finished set 1", 600, |d| stage(d) != Stage::Active);
    assert_eq!(stage(&d), Stage::Rest);
    let set1 = d.coach().unwrap().sets()[0].clone();
    assert_eq!(set1.reps.len(), SET_REPS as usize, "{:#?}", set1.reps);
    assert!(!set1.cut_short);
    for (i, r) in set1.reps.iter().enumerate() {
        let expect = if i as u32 == HINGE_FAULTY_REP { vec![HINGE_FAULT] } else { vec![] };
        assert_eq!(r.faults, expect, "rep {}", i + 1);
        assert_eq!(r.index, i as u32 + 1);
    }
    let during_set1: Vec<ShownCue> = d.shown_cues().to_vec();
    assert_eq!(during_set1.last().map(|c| c.cue.id.as_str()), Some("set.complete"));
    assert_eq!(d.banner().map(|c| c.text.as_str()), Some("Set complete. Rest. How is your pain, from zero to ten?"));
    // The counts the person heard are this set's, in order, in words; the faulty rep was named.
    let counts: Vec<&ShownCue> = during_set1.iter().filter(|c| c.cue.id.starts_with("rep.count.")).collect();
    assert!(!counts.is_empty(), "no rep was counted aloud: {:?}", ids(&during_set1));
    let mut previous = 0;
    for c in &counts {
        let n: u32 = c.cue.id["rep.count.".len()..].parse().unwrap();
        assert!(n > previous && n <= SET_REPS, "counts out of order: {:?}", ids(&during_set1));
        assert_eq!(c.cue.text, number_word(n));
        previous = n;
    }
    let fault = format!("fault.{}", HINGE_FAULT.id());
    assert!(ids(&during_set1).contains(&fault.as_str()), "{fault} not said: {:?}", ids(&during_set1));
    assert!(during_set1.iter().all(|c| c.spoken), "unmuted cues are spoken");

    // The rest: the pain after the set, muted; the rest ends by itself and set 2 begins unspoken.
    d.command(Command::PainRating(3));
    d.command(Command::PainRating(9));
    assert_eq!(d.coach().unwrap().sets()[0].pain, Some(3), "the first answer stands");
    d.command(Command::ToggleMute);
    assert!(d.speaker().unwrap().muted());
    let rest_t = d.last().unwrap().sample.t;
    step_until(&mut d, "began set 2", 100, |d| stage(d) == Stage::Active);
    let rested = d.last().unwrap().sample.t - rest_t;
    assert!((4.99..6.0).contains(&rested), "rested {rested:.2} s of a 5 s rest");
    let begin2 = d.shown_cues().last().unwrap();
    assert_eq!((begin2.cue.id.as_str(), begin2.spoken), ("set.begin.2", false), "muted: shown, not spoken");
    d.command(Command::ToggleMute);

    // A few seconds into set 2, Esc: the summary, set 2 cut short, its pain.
    let t2 = d.last().unwrap().sample.t;
    step_until(&mut d, "ran 3 s of set 2", 100, |d| d.last().unwrap().sample.t - t2 >= 3.0);
    d.command(Command::Stop);
    assert_eq!(stage(&d), Stage::Done);
    d.command(Command::PainRating(5));
    let coach = d.coach().unwrap();
    assert_eq!(coach.sets().len(), 2);
    assert!(coach.sets()[1].cut_short);
    assert_eq!(coach.sets()[1].pain, Some(5));
    let summary = coach.summary();
    assert_eq!((summary.sets_done, summary.worst_pain), (2, Some(5)));
    assert!(d.record_error().is_none(), "{:?}", d.record_error());

    // The record, read back from the store: both sets, the reps, the pain, the cues of set 1.
    let id = d.recorder().unwrap().session().expect("the session was recorded");
    let shown = d.shown_cues().to_vec();
    drop(d);
    let rec = Store::open(&db).unwrap().load_session(id).unwrap();
    assert!(rec.summary.ended_at.is_some(), "the session did not end in the record");
    assert_eq!(rec.set_records.len(), 2);
    let stored1 = &rec.set_records[0];
    assert_eq!(stored1.reps.len(), SET_REPS as usize);
    assert_eq!(
        stored1.reps.iter().map(|r| r.faults.clone()).collect::<Vec<_>>(),
        set1.reps.iter().map(|r| r.faults.clone()).collect::<Vec<_>>()
    );
    assert!(stored1.ended_at.is_some() && rec.set_records[1].ended_at.is_some());
    let pain: Vec<(PainKind, u8, Option<i64>)> = rec.pain.iter().map(|p| (p.kind, p.score, p.set_id)).collect();
    assert_eq!(
        pain,
        [
            (PainKind::Before, 2, None),
            (PainKind::After, 3, Some(stored1.id)),
            (PainKind::After, 5, Some(rec.set_records[1].id))
        ]
    );
    // Every cue shown while set 1 ran is in its record, in order (the closing "set complete"
    // comes after the set ended).
    let stored_ids: Vec<&str> = stored1.cues.iter().map(|c| c.id.as_str()).collect();
    let expect: Vec<&str> = ids(&during_set1[..during_set1.len() - 1]).to_vec();
    assert_eq!(stored_ids, expect);
    assert!(shown.len() > during_set1.len(), "set 2 showed no cue");
}
