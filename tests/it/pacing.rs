//! Pain-guided pacing: the rule table of docs/form-rules.md, and suggestions applied only on request.

use formcheck::form::Exercise;
use formcheck::session::pacing::{
    Decision, PacingRules, PainKind, PainRating, RedFlag, SessionPain, URGENT_CARE_NOTICE, progress_one, regress_one,
    suggest,
};
use formcheck::session::prescription::{Prescription, SidePlankVariant};

const DAY: i64 = 86_400;
const NOW: i64 = 1_800_000_000;

fn rating(kind: PainKind, score: u8) -> PainRating {
    PainRating { kind, score, set_id: None, recorded_at: 0, red_flags: vec![] }
}

/// A session `days_ago` on `plan` with pain before, after, next day (None = not asked).
fn session(id: i64, days_ago: i64, plan: &Prescription, before: u8, after: u8, next: Option<u8>) -> SessionPain {
    let mut ratings = vec![rating(PainKind::Before, before), rating(PainKind::After, after)];
    if let Some(n) = next {
        ratings.push(rating(PainKind::NextDay, n));
    }
    SessionPain { session_id: id, started_at: NOW - days_ago * DAY - 3600, prescription: Some(plan.clone()), ratings }
}

fn reps(p: &Prescription, e: Exercise) -> Option<u32> {
    p.plan_for(e).unwrap().reps
}

#[test]
fn rule_table() {
    let plan = Prescription::default_plan();
    let other = {
        let mut p = plan.clone();
        p.exercises[0].reps = Some(8);
        p
    };
    let s = |id, days, b, a, n| session(id, days, &plan, b, a, n);
    let rules = PacingRules::default();
    // (name, history, decision, urgent notice shown)
    let cases: Vec<(&str, Vec<SessionPain>, Decision, bool)> = vec![
        ("no history", vec![], Decision::Keep, false),
        ("one calm session", vec![s(1, 1, 1, 2, Some(1))], Decision::Keep, false),
        ("after 3/10 is still tolerated", vec![s(1, 0, 2, 3, None)], Decision::Keep, false),
        ("after 4/10 is a flare", vec![s(1, 0, 2, 4, None)], Decision::Regress, false),
        (
            "a set above 3 among fine sets",
            vec![{
                let mut x = s(1, 0, 1, 2, None);
                x.ratings.push(PainRating { set_id: Some(7), ..rating(PainKind::After, 5) });
                x
            }],
            Decision::Regress,
            false,
        ),
        ("next day worse than baseline", vec![s(1, 1, 2, 3, Some(3))], Decision::Regress, false),
        ("next day equal to baseline", vec![s(1, 1, 2, 3, Some(2))], Decision::Keep, false),
        (
            "next day without a baseline is not judged",
            vec![SessionPain { ratings: vec![rating(PainKind::NextDay, 3)], ..s(1, 1, 0, 0, None) }],
            Decision::Keep,
            false,
        ),
        ("severe after: regress and notice", vec![s(1, 0, 2, 7, None)], Decision::Regress, true),
        ("6/10 is not severe", vec![s(1, 0, 2, 6, None)], Decision::Regress, false),
        ("severe before only: keep with notice", vec![s(1, 0, 8, 3, None)], Decision::Keep, true),
        (
            "red flag: stop",
            vec![{
                let mut x = s(1, 0, 1, 1, None);
                x.ratings[1].red_flags = vec![RedFlag::LegWeakness];
                x
            }],
            Decision::Stop,
            true,
        ),
        (
            "only the latest session's flare counts",
            vec![s(1, 3, 2, 6, None), s(2, 1, 2, 2, Some(2))],
            Decision::Keep,
            false,
        ),
        (
            "tolerated week",
            vec![s(1, 6, 2, 2, Some(2)), s(2, 4, 1, 3, Some(1)), s(3, 2, 2, 2, Some(2))],
            Decision::Progress,
            false,
        ),
        (
            "tolerated week, latest awaiting its check-in",
            vec![s(1, 6, 2, 2, Some(2)), s(2, 4, 1, 3, Some(1)), s(3, 2, 2, 2, Some(2)), s(4, 0, 2, 2, None)],
            Decision::Progress,
            false,
        ),
        ("two sessions are not a week", vec![s(1, 4, 1, 3, Some(1)), s(2, 2, 2, 2, Some(2))], Decision::Keep, false),
        (
            "one outside the 7 days",
            vec![s(1, 8, 2, 2, Some(2)), s(2, 4, 1, 3, Some(1)), s(3, 2, 2, 2, Some(2))],
            Decision::Keep,
            false,
        ),
        (
            "one on another plan",
            vec![session(1, 6, &other, 2, 2, Some(2)), s(2, 4, 1, 3, Some(1)), s(3, 2, 2, 2, Some(2))],
            Decision::Keep,
            false,
        ),
        (
            "one without its next-day check-in",
            vec![s(1, 6, 2, 2, None), s(2, 4, 1, 3, Some(1)), s(3, 2, 2, 2, Some(2))],
            Decision::Keep,
            false,
        ),
        (
            "an untolerated session in the week",
            vec![s(1, 6, 2, 5, Some(2)), s(2, 4, 1, 3, Some(1)), s(3, 2, 2, 2, Some(2)), s(4, 1, 2, 2, Some(2))],
            Decision::Keep,
            false,
        ),
        (
            "baseline above 3 in the week",
            vec![s(1, 6, 4, 3, Some(3)), s(2, 4, 1, 3, Some(1)), s(3, 2, 2, 2, Some(2))],
            Decision::Keep,
            false,
        ),
    ];
    let mut failures = Vec::new();
    for (name, history, decision, notice) in cases {
        let got = suggest(&plan, &history, NOW, &rules);
        if got.decision != decision || got.urgent_notice.is_some() != notice {
            failures.push(format!(
                "{name}: got {:?} (notice {}): {}",
                got.decision,
                got.urgent_notice.is_some(),
                got.reason
            ));
        }
        if got.urgent_notice.is_some() && got.urgent_notice.as_deref() != Some(URGENT_CARE_NOTICE) {
            failures.push(format!("{name}: wrong notice text"));
        }
        if matches!(got.decision, Decision::Keep | Decision::Stop) && !got.changes.is_empty() {
            failures.push(format!("{name}: {:?} with changes", got.decision));
        }
        if got.reason.is_empty() {
            failures.push(format!("{name}: no reason"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn regression_and_progression_steps() {
    let plan = Prescription::default_plan();
    let flare = suggest(&plan, &[session(1, 0, &plan, 2, 5, None)], NOW, &PacingRules::default());
    assert!(flare.reason.contains("5/10"), "{}", flare.reason);
    let texts: Vec<String> = flare.changes.iter().map(|c| format!("{}: {}", c.exercise, c.text)).collect();
    assert_eq!(
        texts,
        [
            "hinge: 6 -> 4 reps per set",
            "bird-dog: 6 -> 4 reps per side per set",
            "side-plank: hold 20 s -> 15 s per side"
        ]
    );
    let easier = flare.apply(&plan);
    assert_eq!(plan, Prescription::default_plan(), "apply does not touch the plan it was given");
    assert_eq!(reps(&easier, Exercise::Hinge), Some(4));
    assert_eq!(easier.plan_for(Exercise::SidePlank).unwrap().hold_s, Some(15.0));
    // The applied plan is a valid prescription that round-trips.
    assert_eq!(Prescription::from_toml(&easier.to_toml()).unwrap(), easier);

    let week: Vec<SessionPain> = (0..3).map(|i| session(i, 1 + 2 * i, &plan, 1, 2, Some(1))).collect();
    let up = suggest(&plan, &week, NOW, &PacingRules::default());
    assert_eq!(up.decision, Decision::Progress);
    let harder = up.apply(&plan);
    assert_eq!(reps(&harder, Exercise::Hinge), Some(8));
    assert_eq!(reps(&harder, Exercise::BirdDog), Some(8));
    assert_eq!(harder.plan_for(Exercise::SidePlank).unwrap().hold_s, Some(25.0));
    // The same sessions do not count for the new plan: no second step.
    assert_eq!(suggest(&harder, &week, NOW, &PacingRules::default()).decision, Decision::Keep);

    // Side plank: feet -> knees on a flare; knees at 30 s -> feet at 20 s on progress.
    let mut p = plan.plan_for(Exercise::SidePlank).unwrap().clone();
    p.variant = Some(SidePlankVariant::ELBOW_FEET);
    let (r, text) = regress_one(&p).unwrap();
    assert_eq!(
        (r.variant, r.hold_s, text.as_str()),
        (Some(SidePlankVariant::ELBOW_KNEES), Some(20.0), "variant elbow-feet -> elbow-knees (easier)")
    );
    p.variant = Some(SidePlankVariant::ELBOW_KNEES);
    p.hold_s = Some(30.0);
    let (n, _) = progress_one(&p).unwrap();
    assert_eq!((n.variant, n.hold_s), (Some(SidePlankVariant::ELBOW_FEET), Some(20.0)));
    p.hold_s = Some(10.0);
    assert!(regress_one(&p).is_none(), "10 s on the knees is the floor");
    // Reps: floor 3, then sets; ceiling 10, then sets up to 3.
    let mut h = plan.plan_for(Exercise::Hinge).unwrap().clone();
    h.reps = Some(3);
    assert_eq!(regress_one(&h).map(|(x, _)| (x.sets, x.reps)), Some((2, Some(3))));
    h.sets = 1;
    assert!(regress_one(&h).is_none());
    h.reps = Some(10);
    assert_eq!(progress_one(&h).map(|(x, _)| (x.sets, x.reps)), Some((2, Some(10))));
    h.sets = 3;
    assert!(progress_one(&h).is_none());
}
