//! The form engine with world landmarks (BlazePose): the same synthetic movements, turned about the
//! vertical axis as a person at home would stand, give the same verdicts and reps; the view comes
//! from the body's turn, the turn hint says which way and how far, and a refusal names the hidden
//! joint. The movements are the stick figures of `demo::figure`, given depth by `with_world`.

use crate::common::{faults_raised, holds, reps_of, run};
use formcheck::coach::{Coach, Dose, Inputs};
use formcheck::demo::figure::{FrontFig, Noise, Plane, SideFig, keys, record, with_world};
use formcheck::form::{
    Analyzer, Exercise, FaultId, FormConfig, FormEvent, LiveState, Side, SpineMethod, View, spine_check_sample,
};
use formcheck::pose::skeleton::{Joint, PoseSample};

/// The side figures face image right; their right side is nearer the camera, as for a real body.
const SIDE: Plane = Plane::Side { facing: 1.0 };
/// Turns from side-on (front-on for the side plank), positive = the person turned to their left.
const YAWS: [f32; 5] = [0.0, 30.0, 45.0, -30.0, -45.0];

fn turned(samples: &[PoseSample], yaw: f32, plane: Plane) -> Vec<PoseSample> {
    samples.iter().map(|s| with_world(*s, yaw, plane)).collect()
}

fn without_world(samples: &[PoseSample]) -> Vec<PoseSample> {
    samples.iter().map(|s| PoseSample { body: None, ..*s }).collect()
}

#[derive(Clone, Copy)]
struct HRep {
    depth: f32,
    thigh: f32,
    shank: f32,
    thoracic: f32,
    neck: f32,
}

const GOOD: HRep = HRep { depth: 60.0, thigh: 10.0, shank: -8.0, thoracic: 0.0, neck: 0.0 };
const ROUNDED: HRep = HRep { thoracic: 55.0, ..GOOD };
const SQUAT: HRep = HRep { depth: 45.0, thigh: 55.0, shank: -15.0, ..GOOD };

/// Standing 1.5 s, then per rep: lower 2.5 s, pause 0.4 s, rise 2 s, stand 2 s.
fn hinge(reps: &[HRep], seed: u64, hide_ears: bool) -> Vec<PoseSample> {
    let mut trunk = vec![(0.0, 0.0f32), (1.5, 0.0)];
    let mut thigh = vec![(0.0, 8.0f32), (1.5, 8.0)];
    let mut shank = vec![(0.0, -8.0f32), (1.5, -8.0)];
    let mut thor = vec![(0.0, 0.0f32), (1.5, 0.0)];
    let mut neck = vec![(0.0, 0.0f32), (1.5, 0.0)];
    let mut t = 1.5;
    for r in reps {
        let (bottom, up) = (t + 2.5, t + 2.9);
        let end = up + 2.0;
        trunk.extend([(bottom, r.depth), (up, r.depth), (end, 0.0), (end + 2.0, 0.0)]);
        thigh.extend([(bottom, r.thigh), (up, r.thigh), (end, 8.0), (end + 2.0, 8.0)]);
        shank.extend([(bottom, r.shank), (up, r.shank), (end, -8.0), (end + 2.0, -8.0)]);
        thor.extend([(t + 1.25, r.thoracic), (end - 1.0, r.thoracic), (end, 0.0), (end + 2.0, 0.0)]);
        neck.extend([(t + 1.25, r.neck), (end - 1.0, r.neck), (end, 0.0), (end + 2.0, 0.0)]);
        t = end + 2.0;
    }
    record(t + 1.0, seed, Noise::default(), |tt| {
        let (k, s) = (keys(tt, &thigh), keys(tt, &shank));
        let mut p = SideFig {
            near: Side::Right,
            trunk: keys(tt, &trunk),
            thigh: [k, k],
            shank: [s, s],
            thoracic: keys(tt, &thor),
            neck: keys(tt, &neck),
            upper_arm: [10.0, 10.0],
            forearm: [20.0, 20.0],
            ..SideFig::default()
        }
        .pose();
        if hide_ears {
            p = formcheck::demo::figure::hide(p, &[Joint::LeftEar, Joint::RightEar]);
        }
        p
    })
}

/// Per rep: its faults and the method that judged its spine.
fn hinge_verdicts(samples: &[PoseSample]) -> Vec<(Vec<FaultId>, SpineMethod, f32)> {
    let (ev, _) = run(Exercise::Hinge, samples);
    reps_of(&ev)
        .iter()
        .map(|r| {
            let h = r.hinge.as_ref().unwrap();
            (r.faults.clone(), h.spine_method, h.peak_trunk_deg)
        })
        .collect()
}

#[test]
fn hinge_is_judged_alike_from_side_on_to_45_degrees_with_world_landmarks() {
    let flat = hinge(&[GOOD, ROUNDED, GOOD, SQUAT], 3, false);
    let expected = vec![vec![], vec![FaultId::RoundedBack], vec![], vec![FaultId::Squatting]];
    for yaw in YAWS {
        let v = hinge_verdicts(&turned(&flat, yaw, SIDE));
        let faults: Vec<Vec<FaultId>> = v.iter().map(|r| r.0.clone()).collect();
        assert_eq!(faults, expected, "yaw {yaw}: {v:?}");
        assert!(v.iter().all(|r| r.1 == SpineMethod::Keypoints), "yaw {yaw}: every rep judged: {v:?}");
        for (r, depth) in v.iter().zip([60.0, 60.0, 60.0, 45.0]) {
            assert!((r.2 - depth).abs() < 4.0, "yaw {yaw}: peak trunk {} for {depth}", r.2);
        }
    }
    // Side-on without world landmarks (MoveNet): the same verdicts from the 2D keypoints.
    let v = hinge_verdicts(&flat);
    assert_eq!(v.iter().map(|r| r.0.clone()).collect::<Vec<_>>(), expected, "2D: {v:?}");
    // The same pictures without the world landmarks: from 45 degrees the 2D keypoints judge no spine
    // (their proxies need a side view), so the rounded back goes unseen.
    let v = hinge_verdicts(&without_world(&turned(&flat, 45.0, SIDE)));
    assert!(v.iter().all(|r| r.1 != SpineMethod::Keypoints && !r.0.contains(&FaultId::RoundedBack)), "{v:?}");
}

#[test]
fn hidden_ears_refuse_the_head_and_back_and_say_so() {
    let flat = hinge(&[GOOD, GOOD], 5, true);
    for (yaw, world) in [(0.0, false), (30.0, true), (-45.0, true)] {
        let s = if world { turned(&flat, yaw, SIDE) } else { flat.clone() };
        let (ev, _) = run(Exercise::Hinge, &s);
        let reps = reps_of(&ev);
        assert_eq!(reps.len(), 2, "yaw {yaw}: reps still count");
        for r in &reps {
            let h = r.hinge.as_ref().unwrap();
            assert_eq!(h.spine_method, SpineMethod::NotJudged, "yaw {yaw}");
            assert_eq!(h.spine_not_judged.as_deref(), Some("ears hidden"), "yaw {yaw}");
        }
    }
    // A still at the bottom of a rep: judged from 30 degrees, refused with its reason otherwise.
    let cfg = FormConfig::default();
    let bottom = |ears: bool| {
        let p = SideFig { near: Side::Right, trunk: 60.0, thigh: [10.0, 10.0], ..SideFig::default() }.pose();
        let p = if ears { p } else { formcheck::demo::figure::hide(p, &[Joint::LeftEar, Joint::RightEar]) };
        PoseSample { t: 0.0, frame_size: (1280, 720), present: true, pose: p, body: None }
    };
    let c = spine_check_sample(&with_world(bottom(true), 30.0, SIDE), &cfg);
    assert!(c.judged && !c.rounded_back && !c.head_off_dowel, "{c:?}");
    let c = spine_check_sample(&with_world(bottom(false), 30.0, SIDE), &cfg);
    assert_eq!((c.judged, c.reason), (false, Some("ears hidden")));
    let c = spine_check_sample(&with_world(bottom(true), 70.0, SIDE), &cfg);
    assert_eq!((c.judged, c.reason), (false, Some("not a side view")));
}

#[derive(Clone, Copy)]
struct Reach {
    leg: Side,
    thigh: f32,
}

/// Quadruped 2 s, then per reach: lift 1.2 s, hold 2 s, return 1.2 s, rest 2 s.
fn bird_dog(reaches: &[Reach], seed: u64) -> Vec<PoseSample> {
    let idx = |s: Side| usize::from(s == Side::Right);
    let mut thigh = [vec![(0.0, 0.0f32)], vec![(0.0, 0.0f32)]];
    let mut shank = [vec![(0.0, -90.0f32)], vec![(0.0, -90.0f32)]];
    let mut arm = [vec![(0.0, 0.0f32)], vec![(0.0, 0.0f32)]];
    let mut t = 2.0;
    for r in reaches {
        for i in 0..2 {
            thigh[i].push((t, 0.0));
            shank[i].push((t, -90.0));
            arm[i].push((t, 0.0));
        }
        let (full, back) = (t + 1.2, t + 3.2);
        let (l, a) = (idx(r.leg), idx(r.leg.other()));
        thigh[l].extend([(full, r.thigh), (back, r.thigh), (back + 1.2, 0.0)]);
        shank[l].extend([(full, r.thigh), (back, r.thigh), (back + 1.2, -90.0)]);
        arm[a].extend([(full, 100.0), (back, 100.0), (back + 1.2, 0.0)]);
        t = back + 3.2;
    }
    record(t, seed, Noise::default(), |tt| {
        let u = [keys(tt, &arm[0]), keys(tt, &arm[1])];
        SideFig {
            near: Side::Right,
            hip: (450.0, 330.0),
            trunk: 80.0,
            thigh: [keys(tt, &thigh[0]), keys(tt, &thigh[1])],
            shank: [keys(tt, &shank[0]), keys(tt, &shank[1])],
            upper_arm: u,
            forearm: u,
            ..SideFig::default()
        }
        .pose()
    })
}

#[test]
fn bird_dog_is_judged_alike_from_side_on_to_45_degrees_with_world_landmarks() {
    let flat = bird_dog(
        &[
            Reach { leg: Side::Left, thigh: -80.0 },
            Reach { leg: Side::Right, thigh: -80.0 },
            Reach { leg: Side::Left, thigh: -110.0 },
        ],
        2,
    );
    for yaw in YAWS {
        let (ev, _) = run(Exercise::BirdDog, &turned(&flat, yaw, SIDE));
        let reps = reps_of(&ev);
        let got: Vec<(Option<Side>, Vec<FaultId>)> = reps.iter().map(|r| (r.side, r.faults.clone())).collect();
        // The side is the reaching arm; the third reach lifts the leg too high.
        assert_eq!(
            got,
            vec![
                (Some(Side::Right), vec![]),
                (Some(Side::Left), vec![]),
                (Some(Side::Right), vec![FaultId::ReachHigh])
            ],
            "yaw {yaw}"
        );
        for r in &reps {
            assert!(r.bird_dog.as_ref().unwrap().max_hip_extension_deg > 165.0, "yaw {yaw}: {r:?}");
        }
    }
}

/// Lying propped 2 s, lift 0.6 s, hold 8 s (from 5 s on with the hips `offset` off the line),
/// lower 0.4 s, lying 2 s.
fn plank(offset: f32, seed: u64) -> Vec<PoseSample> {
    let k = [(0.0, -0.45), (2.0, -0.45), (2.6, 0.0), (5.0, 0.0), (5.5, offset), (10.6, offset), (11.0, -0.45)];
    record(13.0, seed, Noise::default(), |t| FrontFig { hip_offset: keys(t, &k), ..FrontFig::default() }.pose())
}

#[test]
fn side_plank_is_judged_alike_from_front_on_to_45_degrees_with_world_landmarks() {
    for (offset, fault) in [(0.0, None), (-0.2, Some(FaultId::HipsSag))] {
        let flat = plank(offset, 4);
        let mut first: Option<f64> = None;
        for yaw in YAWS {
            let (ev, _) = run(Exercise::SidePlank, &turned(&flat, yaw, Plane::Front));
            let h = holds(&ev);
            let raised = faults_raised(&ev);
            match fault {
                None => {
                    assert_eq!(h.len(), 1, "yaw {yaw}: {h:#?}");
                    assert!(raised.is_empty() && h[0].faults.is_empty(), "yaw {yaw}: {raised:?} {h:#?}");
                    assert_eq!(h[0].side, Some(Side::Left), "yaw {yaw}");
                    let s = h[0].seconds_in_form;
                    assert!((s - first.unwrap_or(s)).abs() <= 0.2, "yaw {yaw}: {s} s vs {first:?}");
                    first.get_or_insert(s);
                }
                Some(f) => {
                    assert_eq!(h.len(), 1, "yaw {yaw}: {h:#?}");
                    assert_eq!(raised, vec![f], "yaw {yaw}");
                }
            }
        }
    }
}

/// The analyzer's live state and cues over a standing hinge figure turned `yaw` degrees.
fn stand_turned(yaw: f32) -> (LiveState, Vec<FormEvent>) {
    let flat = record(3.0, 1, Noise::default(), |_| SideFig { near: Side::Right, ..SideFig::default() }.pose());
    let mut a = Analyzer::new(Exercise::Hinge, FormConfig::default());
    let mut ev = vec![];
    for s in turned(&flat, yaw, SIDE) {
        ev.extend(a.push(&s));
    }
    (a.live(), ev)
}

#[test]
fn the_view_comes_from_the_yaw_and_the_hint_says_which_way_and_how_far() {
    // The figure's far side is drawn a little behind the near one: the body stands turned a few
    // degrees already. Every turn is measured from there.
    let turn0 = stand_turned(0.0).0.turn_deg.expect("world landmarks give the turn");
    assert!(turn0.abs() < 5.0, "{turn0}");
    for (yaw, view, said) in [
        (30.0, View::Side, None),
        (-40.0, View::Side, None),
        (70.0, View::Front, Some("right")),
        (-70.0, View::Front, Some("left")),
    ] {
        let (live, ev) = stand_turned(yaw);
        assert_eq!(live.view, view, "yaw {yaw}");
        let turn = live.turn_deg.expect("world landmarks give the turn");
        let truth = turn0 - yaw;
        assert!((turn - truth).abs() < 1.0, "yaw {yaw}: turn {turn}, expected {truth}");
        // "Turn about N degrees to your left/right": N the turn to the nearest 5 degrees.
        let said = said.map(|way| {
            let n = (truth.abs() / 5.0).round() * 5.0;
            format!("Turn about {n:.0} degrees to your {way}, side-on to the camera.")
        });
        let said = said.as_deref();
        let cue = ev.iter().find_map(|e| match e {
            FormEvent::Cue(c) if c.id == "view.turn_side_on" => Some(c.text.clone()),
            _ => None,
        });
        assert_eq!(cue.as_deref(), said, "yaw {yaw}");
        // The setup check says the same before counting starts.
        let mut coach = Coach::new(Exercise::Hinge, Dose::default_for(Exercise::Hinge));
        for i in 0..60 {
            let t = f64::from(i) / 30.0;
            let l = LiveState { t, in_view: true, phase: "standing".into(), ..live.clone() };
            coach.update(&Inputs { t, live: &l, events: &[], confidence: 0.9 });
        }
        let item = coach.checklist().iter().find(|c| c.id == "setup.view").unwrap().clone();
        assert_eq!(item.ok, view == View::Side, "yaw {yaw}");
        if let Some(text) = said {
            assert_eq!(item.hint, text);
            assert!(coach.issued().iter().any(|c| c.text == text), "{:?}", coach.issued());
        }
    }
}

#[test]
fn the_dowel_is_drawn_on_the_body_in_the_picture() {
    // Bent 60 degrees, 45 degrees from side-on: the rules measure the body turned side-on, the
    // screens draw on the picture.
    let flat = record(1.5, 2, Noise::default(), |_| {
        SideFig { near: Side::Right, trunk: 60.0, thigh: [10.0, 10.0], ..SideFig::default() }.pose()
    });
    let mut a = Analyzer::new(Exercise::Hinge, FormConfig::default());
    let samples = turned(&flat, 45.0, SIDE);
    for s in &samples {
        a.push(s);
    }
    let d = a.live().dowel.expect("the hinge draws its dowel");
    let p = samples.last().unwrap().pose;
    let mid = |a: Joint, b: Joint| {
        let (l, r) = (p.get(a), p.get(b));
        ((l.x + r.x) / 2.0, (l.y + r.y) / 2.0)
    };
    let (sh, hip) = (mid(Joint::LeftShoulder, Joint::RightShoulder), mid(Joint::LeftHip, Joint::RightHip));
    let torso = (sh.0 - hip.0).hypot(sh.1 - hip.1);
    // Distance of the thoracic contact from the picture's trunk line, and along it.
    let u = ((sh.0 - hip.0) / torso, (sh.1 - hip.1) / torso);
    let v = (d.thoracic.0 - hip.0, d.thoracic.1 - hip.1);
    let (along, across) = ((v.0 * u.0 + v.1 * u.1) / torso, (v.0 * u.1 - v.1 * u.0).abs() / torso);
    assert!((0.5..=0.9).contains(&along) && across < 0.25, "along {along}, across {across}: {d:?}");
}

/// Turned past 45 degrees from the exercise's view and its band (here 70 and 80), world landmarks
/// still count the reps and holds and judge what needs no projection (trunk lean, hip and knee flexion, limb
/// elevation, the body line: angles in the body's own planes); only the hinge's dowel contacts,
/// which need the picture to show the back's profile, are refused, saying why, and the person is
/// told which way to turn.
#[test]
fn past_45_degrees_world_landmarks_count_reps_and_refuse_only_the_contacts() {
    let flat = hinge(&[GOOD, ROUNDED, GOOD, SQUAT], 3, false);
    for yaw in [70.0, -70.0, 80.0, -80.0] {
        let samples = turned(&flat, yaw, SIDE);
        let (ev, _) = run(Exercise::Hinge, &samples);
        let reps = reps_of(&ev);
        let faults: Vec<Vec<FaultId>> = reps.iter().map(|r| r.faults.clone()).collect();
        // The squat is a knee angle: judged. The rounded back is a contact: not judged.
        assert_eq!(faults, vec![vec![], vec![], vec![], vec![FaultId::Squatting]], "yaw {yaw}");
        for (r, depth) in reps.iter().zip([60.0, 60.0, 60.0, 45.0]) {
            let h = r.hinge.as_ref().unwrap();
            assert!((h.peak_trunk_deg - depth).abs() < 4.0, "yaw {yaw}: peak trunk {}", h.peak_trunk_deg);
            assert_eq!(h.spine_method, SpineMethod::NotJudged, "yaw {yaw}");
            let why = h.spine_not_judged.as_deref().unwrap_or("");
            assert!(why.contains("side-on"), "yaw {yaw}: the refusal names the view: {why:?}");
            // Range of motion is view-free: the trunk's peak lean is reported against the target.
            assert!(!r.rom.is_empty(), "yaw {yaw}: range of motion reported");
        }
        // Told which way to turn, and how far.
        let way = if yaw > 0.0 { "right" } else { "left" };
        let cue = ev.iter().find_map(|e| match e {
            FormEvent::Cue(c) if c.id == "view.turn_side_on" => Some(c.text.clone()),
            _ => None,
        });
        assert!(cue.as_deref().is_some_and(|c| c.contains(way)), "yaw {yaw}: {cue:?}");
    }
    // Bird dog and side plank: every verdict as side-on (front-on), no turn asked.
    let flat = bird_dog(&[Reach { leg: Side::Left, thigh: -80.0 }, Reach { leg: Side::Right, thigh: -80.0 }], 2);
    for yaw in [70.0, -80.0] {
        let (ev, _) = run(Exercise::BirdDog, &turned(&flat, yaw, SIDE));
        let got: Vec<(Option<Side>, Vec<FaultId>)> = reps_of(&ev).iter().map(|r| (r.side, r.faults.clone())).collect();
        assert_eq!(got, vec![(Some(Side::Right), vec![]), (Some(Side::Left), vec![])], "bird dog, yaw {yaw}");
        assert!(!crate::common::cue_ids(&ev).iter().any(|c| c.starts_with("view.")), "bird dog, yaw {yaw}");
    }
    for (offset, fault) in [(0.0, vec![]), (-0.2, vec![FaultId::HipsSag])] {
        for yaw in [70.0, -80.0] {
            let (ev, _) = run(Exercise::SidePlank, &turned(&plank(offset, 4), yaw, Plane::Front));
            let h = holds(&ev);
            assert_eq!(h.len(), 1, "side plank, yaw {yaw}: {h:#?}");
            assert_eq!(h[0].side, Some(Side::Left), "side plank, yaw {yaw}");
            assert_eq!(faults_raised(&ev), fault, "side plank {offset}, yaw {yaw}");
        }
    }
}
