//! A guided session reaches the store as it happens: reps the frame they are counted, pain when
//! given, sets and the session when they end; a session cut off mid-set keeps every counted rep.

use formcheck::coach::{Coach, Dose, Inputs, Stage};
use formcheck::form::{Cue, CuePriority, Exercise, FaultId, FormEvent, LiveState, View};
use formcheck::session::pacing::PainKind;
use formcheck::session::prescription::Prescription;
use formcheck::session::recorder::Recorder;
use formcheck::session::store::{SourceKind, Store};

fn standing(t: f64) -> LiveState {
    LiveState { view: View::Side, in_view: true, phase: "standing".into(), ..LiveState::empty(t) }
}

fn rep(faults: &[FaultId]) -> FormEvent {
    crate::common::rep_completed(None, faults)
}

struct Rig {
    coach: Coach,
    rec: Recorder,
    t: f64,
}

impl Rig {
    fn step(&mut self, events: &[FormEvent]) {
        self.t += 1.0 / 30.0;
        let s = standing(self.t);
        self.coach.update(&Inputs { t: self.t, live: &s, events, confidence: 0.9 });
        self.rec.sync(&self.coach).expect("the store writes");
    }
}

fn db(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("formcheck-recorder-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("formcheck.db")
}

fn rig(path: &std::path::Path, dose: Dose) -> Rig {
    let store = Store::open(path).unwrap();
    let rec = Recorder::new(store, SourceKind::Camera, None, Prescription::default_plan());
    Rig { coach: Coach::new(Exercise::Hinge, dose), rec, t: 0.0 }
}

#[test]
fn a_guided_session_is_recorded_as_it_happens() {
    let path = db("whole");
    let mut r = rig(&path, Dose { sets: 2, reps: 2, hold_s: 0.0, rest_s: 1.0 });
    r.coach.set_pain_before(2);
    for _ in 0..40 {
        r.step(&[]);
    }
    assert_eq!(r.coach.stage(), Stage::Active);
    let id = r.rec.session().expect("the session began");
    r.step(&[rep(&[])]);
    // The rep is on disk the frame it was counted: another connection sees it.
    let other = Store::open(&path).unwrap();
    assert_eq!(other.load_session(id).unwrap().set_records[0].reps.len(), 1);
    r.rec
        .cue(&Cue { t: r.t, id: "rep.count.1".into(), text: "one".into(), priority: CuePriority::Encouragement })
        .unwrap();
    r.step(&[rep(&[FaultId::RoundedBack])]);
    assert_eq!(r.coach.stage(), Stage::Rest);
    r.coach.set_pain(4);
    r.coach.set_pain(1); // the first answer stands
    r.step(&[]);
    for _ in 0..40 {
        r.step(&[]);
    }
    assert_eq!(r.coach.stage(), Stage::Active);
    r.step(&[rep(&[])]);
    r.step(&[rep(&[])]);
    assert_eq!(r.coach.stage(), Stage::Done);
    r.coach.set_pain(3);
    r.step(&[]);

    let s = other.load_session(id).unwrap();
    assert!(s.summary.ended_at.is_some(), "the session ended");
    assert_eq!(s.set_records.len(), 2);
    assert!(s.set_records.iter().all(|set| set.ended_at.is_some()));
    let reps: Vec<Vec<FaultId>> =
        s.set_records.iter().flat_map(|set| set.reps.iter().map(|r| r.faults.clone())).collect();
    assert_eq!(reps, vec![vec![], vec![FaultId::RoundedBack], vec![], vec![]]);
    assert_eq!(s.set_records[0].reps.iter().map(|r| r.index).collect::<Vec<_>>(), vec![1, 2]);
    assert_eq!(s.set_records[0].cues.len(), 1);
    let pain: Vec<(PainKind, u8, Option<i64>)> = s.pain.iter().map(|p| (p.kind, p.score, p.set_id)).collect();
    assert_eq!(
        pain,
        vec![
            (PainKind::Before, 2, None),
            (PainKind::After, 4, Some(s.set_records[0].id)),
            (PainKind::After, 3, Some(s.set_records[1].id))
        ]
    );
    assert_eq!(s.prescription, Some(Prescription::default_plan()));
}

#[test]
fn a_session_cut_off_mid_set_keeps_every_counted_rep() {
    let path = db("cut");
    let id = {
        let mut r = rig(&path, Dose { sets: 3, reps: 6, hold_s: 0.0, rest_s: 60.0 });
        for _ in 0..40 {
            r.step(&[]);
        }
        for _ in 0..3 {
            r.step(&[rep(&[])]);
        }
        r.rec.session().unwrap()
        // Dropped here mid-set: no end_set, no end_session (as when the app is killed).
    };
    let store = Store::open(&path).unwrap();
    assert_eq!(store.integrity_check().unwrap(), "ok");
    let s = store.load_session(id).unwrap();
    assert_eq!(s.set_records.len(), 1);
    assert_eq!(s.set_records[0].reps.len(), 3);
    assert!(s.set_records[0].ended_at.is_none() && s.summary.ended_at.is_none());
}
