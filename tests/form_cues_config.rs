//! Cue scheduling (priority, persistence, cooldown, one at a time) and the config / id contract.
use formcheck::form::cues::{ActiveCondition, CueRequest, CueScheduler};
use formcheck::form::{CueConfig, CuePriority, Exercise, FaultId, FormConfig, Severity};

fn fault(id: FaultId, since: f64) -> ActiveCondition {
    ActiveCondition {
        request: CueRequest {
            id: format!("fault.{}", id.id()),
            text: id.cue_text().into(),
            priority: if id.severity() == Severity::Major { CuePriority::MajorFault } else { CuePriority::MinorFault },
            since,
        },
        persist_s: 0.5,
        cooldown_s: 4.0,
    }
}

#[test]
fn overlapping_faults_are_spoken_by_priority_persistence_and_cooldown() {
    let cfg = CueConfig::default();
    let mut s = CueScheduler::default();
    let mut spoken = vec![];
    for k in 0..=109 {
        let t = f64::from(k) / 10.0;
        // A minor fault from 0 s, two major faults from 0.2 s and 0.4 s, all lasting; the person
        // leaves the view at 6.3 s; a rep count is queued at 1.0 s.
        let mut active = vec![fault(FaultId::HeadDrop, 0.0)];
        if t >= 0.2 {
            active.push(fault(FaultId::HipsSag, 0.2));
        }
        if t >= 0.4 {
            active.push(fault(FaultId::ElbowPosition, 0.4));
        }
        if t >= 6.3 {
            active.push(ActiveCondition {
                request: CueRequest {
                    id: "visibility.step_back".into(),
                    text: "Step back so your whole body is in view.".into(),
                    priority: CuePriority::Safety,
                    since: 6.3,
                },
                persist_s: 0.0,
                cooldown_s: 5.0,
            });
        }
        if k == 10 {
            s.request(
                t,
                CueRequest {
                    id: "rep.count.1".into(),
                    text: "one".into(),
                    priority: CuePriority::Encouragement,
                    since: t,
                },
                &cfg,
            );
        }
        if let Some(c) = s.tick(t, &active, &cfg) {
            spoken.push((format!("{:.1}", c.t), c.id));
        }
    }
    let expect: Vec<(String, String)> = [
        ("0.5", "fault.head_drop"),      // only the minor fault has persisted 0.5 s
        ("2.0", "fault.hips_sag"),       // voice free: the longest-lasting major fault
        ("3.5", "fault.elbow_position"), // the other major fault (hips_sag cooling down)
        ("5.0", "fault.head_drop"),      // majors cooling down, the minor one's cooldown is over
        ("6.5", "visibility.step_back"), // not in view beats everything
        ("8.0", "fault.hips_sag"),
        ("9.5", "fault.elbow_position"),
    ]
    .iter()
    .map(|(a, b)| ((*a).to_string(), (*b).to_string()))
    .collect();
    assert_eq!(spoken, expect);
    // The rep count was never free to be spoken and expired.
}

#[test]
fn encouragement_waits_for_a_free_voice() {
    let cfg = CueConfig::default();
    let mut s = CueScheduler::default();
    s.request(
        0.0,
        CueRequest { id: "rep.count.3".into(), text: "three".into(), priority: CuePriority::Encouragement, since: 0.0 },
        &cfg,
    );
    s.request(
        0.0,
        CueRequest {
            id: "rep.good".into(),
            text: "Good rep.".into(),
            priority: CuePriority::Encouragement,
            since: 0.0,
        },
        &cfg,
    );
    let a = s.tick(0.0, &[], &cfg).unwrap();
    assert_eq!(a.id, "rep.count.3");
    assert!(s.tick(1.0, &[], &cfg).is_none());
    assert_eq!(s.tick(1.5, &[], &cfg).unwrap().id, "rep.good");
    assert!(s.tick(2.0, &[], &cfg).is_none());
}

#[test]
fn fault_ids_serialise_as_the_spec_ids() {
    for id in FaultId::ALL {
        assert_eq!(serde_json::to_value(id).unwrap(), id.id());
        assert!(!id.cue_text().is_empty());
    }
    let minors: Vec<FaultId> = FaultId::ALL.into_iter().filter(|f| f.severity() == Severity::Minor).collect();
    assert_eq!(minors, vec![FaultId::LockedKnees, FaultId::TooFast, FaultId::HeadDrop]);
}

#[test]
fn exercise_names() {
    for (s, e) in [
        ("hinge", Exercise::Hinge),
        ("hip-hinge", Exercise::Hinge),
        ("bird-dog", Exercise::BirdDog),
        ("bird_dog", Exercise::BirdDog),
        ("side-plank", Exercise::SidePlank),
        ("side_plank", Exercise::SidePlank),
    ] {
        assert_eq!(s.parse::<Exercise>().unwrap(), e);
    }
    assert!("plank".parse::<Exercise>().is_err());
    assert_eq!(serde_json::to_value(Exercise::BirdDog).unwrap(), "bird-dog");
    assert_eq!(serde_json::from_str::<Exercise>("\"hip-hinge\"").unwrap(), Exercise::Hinge);
    assert_eq!(Exercise::SidePlank.label(), "Side plank");
}

#[test]
fn config_defaults_follow_the_spec_and_toml_overrides_fields() {
    let d = FormConfig::default();
    assert_eq!(d.common.min_score, 0.3);
    assert_eq!(d.hinge.standing_max_trunk_deg, 15.0);
    assert_eq!(d.hinge.min_depth_trunk_deg, 30.0);
    assert_eq!((d.hinge.head_min_deg, d.hinge.head_max_deg), (165.0, 195.0));
    assert_eq!(d.hinge.thoracic_max_offset, 0.08);
    assert_eq!(d.hinge.squat_knee_flexion_deg, 40.0);
    assert_eq!(d.hinge.lockout_hip_deg, 165.0);
    assert_eq!(d.hinge.lean_back_deg, 10.0);
    assert_eq!(d.hinge.min_lowering_s, 1.5);
    assert_eq!(d.bird_dog.setup_max_offset, 0.25);
    assert_eq!(d.bird_dog.arm_reach_deg, 150.0);
    assert_eq!(d.bird_dog.reach_high_deg, 15.0);
    assert_eq!(d.bird_dog.back_tilt_deg, 10.0);
    assert_eq!(d.bird_dog.min_pause_s, 1.0);
    assert_eq!(d.side_plank.sag_max_offset, 0.10);
    assert_eq!(d.side_plank.pike_max_offset, 0.30);
    assert_eq!(d.side_plank.elbow_max_offset, 0.3);
    assert_eq!(d.side_plank.major_fault_pause_s, 1.0);
    assert_eq!(d.side_plank.target_s, 20.0);
    assert_eq!(d.side_plank.mark_every_s, 10.0);
    assert_eq!(d.cues.fault_persist_s, 0.5);
    assert_eq!(d.cues.repeat_cooldown_s, 4.0);
    assert_eq!(d.cues.not_in_view_cooldown_s, 5.0);
    let p = FormConfig::from_toml("[side_plank]\ntarget_s = 30.0\n[hinge]\nmin_lowering_s = 2.0\n").unwrap();
    assert_eq!(p.side_plank.target_s, 30.0);
    assert_eq!(p.hinge.min_lowering_s, 2.0);
    assert_eq!(p.hinge.min_depth_trunk_deg, 30.0);
    let back: FormConfig = toml::from_str(&toml::to_string(&d).unwrap()).unwrap();
    assert_eq!(back, d);
}
