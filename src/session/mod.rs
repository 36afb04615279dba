//! Everything about a person's sessions outside the window: the driver that advances a guided
//! session (sets, sides, rest, cues, speech and recording) from the live pipeline's results and the
//! user's commands; the therapist's plan ([`prescription`]) and the pain-guided pacing; the local
//! record ([`store`], kept in step by the [`recorder`]) and its optional key frames; patients and
//! a video call's consent ([`telehealth`]); spoken cues.

pub mod driver;
pub mod keyframe;
pub mod pacing;
pub mod prescription;
pub mod recorder;
pub mod speech;
pub mod store;
pub mod telehealth;
