//! The pose stage on real footage (../shared/corpus): people found where they are, and not where
//! they are not. Labels and tolerances come from the corpus's MANIFEST.toml.

use crate::support::{corpus_dir, manifest_stills};
use formcheck::form::Exercise;
use formcheck::pipeline::analyze::Analysis;
use std::sync::Arc;

/// `rel` through the pipeline (Thunder), with the form engine for `exercise` when given. The pose
/// stage runs first and alone decides who is where (the back and form stages only read its
/// sample), so the clips are checked on the analyses the form tests make of them, shared.
fn run(rel: &str, exercise: Option<Exercise>) -> Arc<Analysis> {
    crate::support::analyze_corpus(rel, exercise)
}

fn presence_share(a: &Analysis, from: f64, to: f64) -> (f64, usize) {
    let window: Vec<_> = a.frames.iter().filter(|f| f.t >= from && f.t <= to).collect();
    assert!(!window.is_empty(), "no frames between {from} and {to} s");
    (window.iter().filter(|f| f.present).count() as f64 / window.len() as f64, window.len())
}

#[test]
fn every_manifest_still_has_a_person_inside_the_image() {
    let stills = manifest_stills();
    assert!(stills.len() >= 10, "the manifest lists {} stills", stills.len());
    for rel in stills {
        let a = run(&rel, None);
        assert_eq!(a.frames.len(), 1);
        let f = &a.frames[0];
        assert!(f.present, "{rel}: no person found");
        let (w, h) = (a.source.width as f32, a.source.height as f32);
        for k in f.keypoints.iter().filter(|k| k.score >= 0.3) {
            assert!(
                (0.0..=w).contains(&k.x) && (0.0..=h).contains(&k.y),
                "{rel}: {} at ({}, {}) lies outside the {w}x{h} image",
                k.name,
                k.x,
                k.y
            );
        }
    }
}

#[test]
fn side_plank_clip_person_only_between_the_cards() {
    let a = run("clips/wahoo_side_plank.mp4", Some(Exercise::SidePlank));
    // Title card 0.0-4.5 s and end card 20.5-26.3 s (labels are +-0.5 s): nobody there.
    let (title, n) = presence_share(&a, 0.0, 4.0);
    assert_eq!(title, 0.0, "a person was reported on the title card ({n} frames)");
    let (end, n) = presence_share(&a, 21.0, 26.3);
    assert_eq!(end, 0.0, "a person was reported on the end card ({n} frames)");
    // The full-body hold 12.0-15.8 s: a person in every frame.
    let (hold, n) = presence_share(&a, 12.0, 15.8);
    assert_eq!(hold, 1.0, "the person was missed during the hold ({n} frames)");
}

#[test]
fn good_mornings_clip_person_present_from_4_to_17_s() {
    let a = run("clips/wahoo_good_mornings.mp4", Some(Exercise::Hinge));
    let (share, n) = presence_share(&a, 4.0, 17.0);
    assert!(share >= 0.95, "person present in {:.1}% of {n} frames from 4 to 17 s; need 95%", share * 100.0);
    // Frame times come from the file: 23.98 fps, about 24 s.
    let last = a.frames.last().expect("frames").t;
    assert!((23.5..24.2).contains(&last), "last frame at {last} s");
    assert!(a.frames.windows(2).all(|w| w[1].t > w[0].t), "frame times must increase");
}

#[test]
fn corpus_is_where_the_tests_say() {
    // Guards the guard: the helper must point at a real corpus with clips in it.
    assert!(corpus_dir().join("clips").is_dir());
}
