#![allow(dead_code)]

use formcheck::form::{Analyzer, Exercise, ExerciseReport, FaultId, FormConfig, FormEvent, HoldRecord, RepRecord};
use formcheck::pose::skeleton::PoseSample;

/// Run a whole sequence through a fresh analyzer.
pub fn run(ex: Exercise, samples: &[PoseSample]) -> (Vec<FormEvent>, ExerciseReport) {
    run_cfg(ex, FormConfig::default(), samples)
}

pub fn run_cfg(ex: Exercise, cfg: FormConfig, samples: &[PoseSample]) -> (Vec<FormEvent>, ExerciseReport) {
    let mut a = Analyzer::new(ex, cfg);
    let mut ev = vec![];
    for s in samples {
        ev.extend(a.push(s));
    }
    ev.extend(a.finish());
    (ev, a.report())
}

/// Every fault id started in the events.
pub fn faults_raised(ev: &[FormEvent]) -> Vec<FaultId> {
    let mut v: Vec<FaultId> = ev
        .iter()
        .filter_map(|e| match e {
            FormEvent::FaultStarted { id, .. } => Some(*id),
            _ => None,
        })
        .collect();
    v.sort();
    v.dedup();
    v
}

pub fn cue_ids(ev: &[FormEvent]) -> Vec<String> {
    ev.iter()
        .filter_map(|e| match e {
            FormEvent::Cue(c) => Some(c.id.clone()),
            _ => None,
        })
        .collect()
}

/// The reps completed, in order.
pub fn reps_of(ev: &[FormEvent]) -> Vec<RepRecord> {
    ev.iter()
        .filter_map(|e| match e {
            FormEvent::RepCompleted(r) => Some(r.clone()),
            _ => None,
        })
        .collect()
}

/// The holds ended, in order.
pub fn holds(ev: &[FormEvent]) -> Vec<HoldRecord> {
    ev.iter()
        .filter_map(|e| match e {
            FormEvent::HoldEnded(h) => Some(h.clone()),
            _ => None,
        })
        .collect()
}

/// A completed rep with these faults, as the form engine reports it (the coach renumbers it).
pub fn rep_completed(side: Option<formcheck::form::Side>, faults: &[FaultId]) -> FormEvent {
    FormEvent::RepCompleted(RepRecord {
        index: 0,
        side,
        start_s: 0.0,
        end_s: 0.0,
        faults: faults.to_vec(),
        fault_durations: Default::default(),
        hinge: None,
        bird_dog: None,
        rom: vec![],
    })
}
