//! The form engine: timestamped keypoints in, events out. Pure: no model, no UI, no clock, no I/O.
//!
//! ```text
//! PoseSample ─▶ Analyzer::push ─▶ smoothing (filter) ─▶ view + visibility + torso scale
//!                                   ─▶ exercise state machine (hinge / bird_dog / side_plank)
//!                                   ─▶ faults (debounced) ─▶ cue policy (cues) ─▶ Vec<FormEvent>
//! ```
//! Invariants: time comes only from `PoseSample::t`; a rule whose keypoints are missing is silent;
//! nothing is counted and no hold time accrues while the exercise's key joints are out of view
//! (gaps shorter than `common.not_in_view_after_s` are detector blinks and are bridged); every
//! reported state is debounced (hysteresis in value and a minimum duration). Angles are computed
//! only in [`geometry`], in degrees; distances are in torso lengths.

mod analyzer;
pub mod bird_dog;
pub mod config;
pub mod cues;
mod events;
pub mod faults;
pub mod geometry;
pub mod hinge;
pub mod rom;
pub mod side_plank;
pub mod spine;
pub(crate) mod track;
pub mod view;
pub(crate) mod world;

pub use config::{BirdDogConfig, CommonConfig, CueConfig, FormConfig, HingeConfig, SidePlankConfig};
pub use cues::{Cue, CuePriority, FaultId, Severity};
pub use geometry::body_line_offset;
pub use rom::{RomMeasure, RomReading, RomTargets};
pub use spine::{BackMeasure, DowelOverlay, SpineCheck, SpineMethod, spine_check, spine_check_sample};
pub use view::{Side, View};
pub use world::{landmark as world_landmark, turn_hint};

pub use analyzer::Analyzer;
pub(crate) use analyzer::{Ctx, Out};
pub use events::{
    AttemptReason, AttemptRecord, BirdDogRep, ExerciseReport, FormEvent, HingeRep, HoldRecord, LiveAngles, LiveState,
    RepRecord, SideCounts,
};

use serde::{Deserialize, Serialize};

/// The exercises the engine knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Exercise {
    /// Hip hinge with a dowel (side view).
    #[serde(rename = "hinge", alias = "hip-hinge", alias = "hip_hinge")]
    Hinge,
    /// Bird dog (side view).
    #[serde(rename = "bird-dog", alias = "bird_dog")]
    BirdDog,
    /// Side plank (front view).
    #[serde(rename = "side-plank", alias = "side_plank")]
    SidePlank,
}

impl Exercise {
    /// Every exercise.
    pub const ALL: [Exercise; 3] = [Exercise::Hinge, Exercise::BirdDog, Exercise::SidePlank];

    /// Machine name: "hinge", "bird-dog", "side-plank".
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Exercise::Hinge => "hinge",
            Exercise::BirdDog => "bird-dog",
            Exercise::SidePlank => "side-plank",
        }
    }

    /// Human label.
    #[must_use]
    pub fn label(&self) -> &'static str {
        match self {
            Exercise::Hinge => "Hip hinge",
            Exercise::BirdDog => "Bird dog",
            Exercise::SidePlank => "Side plank",
        }
    }

    /// The view the exercise needs.
    #[must_use]
    pub fn required_view(&self) -> View {
        match self {
            Exercise::Hinge | Exercise::BirdDog => View::Side,
            Exercise::SidePlank => View::Front,
        }
    }
}

/// Error for an unknown exercise name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown exercise '{0}': use one of hinge, bird-dog, side-plank")]
pub struct UnknownExercise(pub String);

impl std::str::FromStr for Exercise {
    type Err = UnknownExercise;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace(' ', "-").as_str() {
            "hinge" | "hip-hinge" | "hip_hinge" => Ok(Exercise::Hinge),
            "bird-dog" | "bird_dog" | "birddog" => Ok(Exercise::BirdDog),
            "side-plank" | "side_plank" | "sideplank" => Ok(Exercise::SidePlank),
            _ => Err(UnknownExercise(s.to_string())),
        }
    }
}

impl std::fmt::Display for Exercise {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
