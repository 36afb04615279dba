//! Cue scheduling (priority, persistence, cooldown, one at a time) and the config / id contract.
use formcheck::demo::figure::{FrontFig, Noise, hide, keys, record};
use formcheck::form::cues::{ActiveCondition, CueRequest, CueScheduler};
use formcheck::form::{Analyzer, CueConfig, CuePriority, Exercise, FaultId, FormConfig, FormEvent, Severity};
use formcheck::pose::skeleton::Joint;

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

/// A cue as spoken: time and id.
type Spoken = (f64, String);

/// A side plank on the left side, as keypoints from the stick figure, with scripted faults; returns
/// every cue spoken and the onset of every fault the engine started.
fn plank_with_faults(
    dur: f64,
    fault: impl Fn(f64, FrontFig) -> FrontFig,
    hidden: impl Fn(f64) -> bool,
) -> (Vec<Spoken>, Vec<(f64, FaultId)>) {
    // Lying propped 2 s, lift 0.6 s, hold until 24 s, lower 0.4 s, lying.
    let hips = [(2.0, -0.45), (2.6, 0.0), (24.0, 0.0), (24.4, -0.45)];
    let samples = record(dur, 31, Noise::default(), |t| {
        let pose = fault(t, FrontFig { hip_offset: keys(t, &hips), ..FrontFig::default() }).pose();
        if hidden(t) { hide(pose, &Joint::ALL) } else { pose }
    });
    let mut a = Analyzer::new(Exercise::SidePlank, FormConfig::default());
    let mut ev = vec![];
    for s in &samples {
        ev.extend(a.push(s));
    }
    ev.extend(a.finish());
    let cues =
        ev.iter().filter_map(|e| if let FormEvent::Cue(c) = e { Some((c.t, c.id.clone())) } else { None }).collect();
    let onsets = ev
        .iter()
        .filter_map(|e| if let FormEvent::FaultStarted { t, id, .. } = e { Some((*t, *id)) } else { None })
        .collect();
    (cues, onsets)
}

#[test]
fn overlapping_faults_from_keypoints_are_spoken_by_the_cue_policy() {
    // End to end: keypoints -> Analyzer -> spoken cues. The times below come from the policy's
    // defaults; a frame is 1/30 s.
    let cfg = CueConfig::default();
    let frame = 1.0 / 30.0;
    let sag = |f: FrontFig| FrontFig { hip_offset: -0.22, ..f };
    let head = |f: FrontFig| FrontFig { head_drop: 40.0, ..f };
    // In the hold: a head drop too short to be cued (6.0-6.3 s), a lone head drop (8.0-9.0 s), then
    // from just after the "10 seconds" mark two overlapping faults: the minor head drop first
    // (12.7 s), the major hip sag 0.3 s later (13.0 s), both until 21 s. Then the person leaves the
    // view for 7 s (27-34 s). Onsets are taken from the engine's FaultStarted events: keypoint
    // noise and blinks move them by a few frames.
    let (minor_from, major_from, faults_to) = (12.7, 13.0, 21.0);
    let fault = |t: f64, f: FrontFig| {
        let f = if (6.0..6.3).contains(&t) || (8.0..9.0).contains(&t) || (minor_from..faults_to).contains(&t) {
            head(f)
        } else {
            f
        };
        if (major_from..faults_to).contains(&t) { sag(f) } else { f }
    };
    let (gone_from, gone_to) = (27.0, 34.0);
    let (cues, onsets) = plank_with_faults(36.0, fault, |t| (gone_from..gone_to).contains(&t));
    let ids: Vec<&str> = cues.iter().map(|c| c.1.as_str()).collect();
    let at = |i: usize| cues[i].0;
    let near = |a: f64, b: f64| (a - b).abs() < 1.5 * frame;

    // Persistence: the 0.3 s head drop is neither a fault nor a cue; the lone one is cued as soon
    // as it has lasted `fault_persist_s` from its onset (which the engine reports).
    assert!(!onsets.iter().any(|o| o.0 < 7.0), "{onsets:?}");
    let lone = onsets.iter().find(|o| o.1 == FaultId::HeadDrop).unwrap().0;
    assert!((8.0..8.2).contains(&lone), "onset {lone}");
    assert_eq!(ids[0], "fault.head_drop", "{cues:?}");
    assert!(near(at(0), lone + cfg.fault_persist_s), "{cues:?} onset {lone}");

    // The "10 seconds" mark (encouragement) finds the voice free; the two faults start while it is
    // spoken. When the voice is free again both have persisted: the major one is spoken first even
    // though the minor one is older; then the minor one; then each again once its cooldown is over.
    assert_eq!(ids[1], "hold.mark.10", "{cues:?}");
    let mark = at(1);
    assert!(mark > 12.0 && mark < minor_from, "mark at {mark}");
    let minor = onsets.iter().rfind(|o| o.1 == FaultId::HeadDrop).unwrap().0;
    let major = onsets.iter().find(|o| o.1 == FaultId::HipsSag).unwrap().0;
    assert!(minor < major && major + cfg.fault_persist_s < mark + cfg.speak_s, "{onsets:?}");
    let first = mark + cfg.speak_s;
    let expect = [
        (first, "fault.hips_sag"),
        (first + cfg.speak_s, "fault.head_drop"),
        (first + cfg.repeat_cooldown_s, "fault.hips_sag"),
        (first + cfg.speak_s + cfg.repeat_cooldown_s, "fault.head_drop"),
    ];
    // The next hip-sag cue would be due after the faults ended: none.
    assert!(first + 2.0 * cfg.repeat_cooldown_s > faults_to + 0.3);

    // Out of view: "step back" once it has lasted `not_in_view_cue_after_s`, again after its
    // own cooldown, and nothing else meanwhile.
    let step_back = [
        (gone_from + cfg.not_in_view_cue_after_s, "visibility.step_back"),
        (gone_from + cfg.not_in_view_cue_after_s + cfg.not_in_view_cooldown_s, "visibility.step_back"),
    ];
    assert!(step_back[1].0 < gone_to);
    let want: Vec<(f64, &str)> = expect.iter().chain(&step_back).copied().collect();
    assert_eq!(cues.len(), 2 + want.len(), "{cues:?}");
    for (i, (t, id)) in want.iter().enumerate() {
        assert_eq!(ids[2 + i], *id, "cue {}: {cues:?}", 2 + i);
        assert!(near(at(2 + i), *t), "cue {} ({id}) at {:.3} s, expected {t:.3}: {cues:?}", 2 + i, at(2 + i));
    }
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
