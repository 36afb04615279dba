//! All integration tests in one binary (linking the whole stack once instead of once per file).
//! Each module is one area; `support` finds the real-footage corpus, `common` drives the form engine.

mod back_real;
mod back_synthetic;
// Unix permissions, `setpriv` and root: the bad-input cases run on Linux only.
#[cfg(unix)]
mod bad_input;
mod blazepose;
mod cli;
mod coach;
mod common;
mod corpus_models;
mod corpus_pose;
mod demo;
mod driver;
mod form_bird_dog;
mod form_cues_config;
mod form_hinge;
mod form_real_footage_birddog_plank;
mod form_real_footage_hinge;
mod form_real_footage_reps;
mod form_rep_edges;
mod form_side_plank;
mod form_world;
mod layers;
mod pacing;
mod package;
mod patients;
mod plan;
mod plank_csv;
mod prescription;
mod recorder;
mod report;
mod report_escape;
mod review;
mod rom;
mod screen_capture;
mod store;
mod support;
mod telehealth_consent;
mod therapist_ui;
mod webcam;
mod window;
