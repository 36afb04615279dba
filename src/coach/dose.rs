//! What a set asks for ([`Dose`]) and how to do each exercise ([`how_to`]).

use serde::{Deserialize, Serialize};

use crate::form::Exercise;

/// What a set asks for.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Dose {
    /// Sets.
    pub sets: u32,
    /// Reps per set (per side for the bird dog). Unused for the side plank.
    pub reps: u32,
    /// Seconds in form per side (side plank). Unused otherwise.
    pub hold_s: f64,
    /// Rest between sets (s).
    pub rest_s: f64,
}

impl Dose {
    /// The spec's usual dose: hinge 3 sets of 6, bird dog 6 per side, side plank 20 s per side.
    #[must_use]
    pub fn default_for(exercise: Exercise) -> Self {
        match exercise {
            Exercise::Hinge => Dose { sets: 3, reps: 6, hold_s: 0.0, rest_s: 60.0 },
            Exercise::BirdDog => Dose { sets: 1, reps: 6, hold_s: 0.0, rest_s: 60.0 },
            Exercise::SidePlank => Dose { sets: 1, reps: 0, hold_s: 20.0, rest_s: 60.0 },
        }
    }

    /// "3 sets of 6", "6 per side", "20 s per side" (with the set count when more than one).
    #[must_use]
    pub(crate) fn describe(&self, exercise: Exercise) -> String {
        let per = match exercise {
            Exercise::Hinge => format!("{} reps", self.reps),
            Exercise::BirdDog => format!("{} per side", self.reps),
            Exercise::SidePlank => format!("{:.0} s per side", self.hold_s),
        };
        if self.sets == 1 { per } else { format!("{} sets of {per}", self.sets) }
    }
}

/// How to do an exercise and where to put the camera (from `form-rules.md`).
#[derive(Debug, Clone, Copy)]
pub struct HowTo {
    /// Short steps, read before starting.
    pub steps: &'static [&'static str],
    /// Where the camera goes.
    pub camera: &'static str,
}

/// The how-to of each exercise.
#[must_use]
pub fn how_to(exercise: Exercise) -> HowTo {
    match exercise {
        Exercise::Hinge => HowTo {
            steps: &[
                "Hold a dowel along your spine: it touches the back of your head, between your shoulder blades and your tailbone.",
                "Knees soft, push your hips back and bend forward at the hips, slowly.",
                "Keep all three contacts on the dowel.",
                "Stand tall again by squeezing your glutes.",
            ],
            camera: "Side-on to you, about 3 m away, at hip height, so your whole body and the dowel fit in the picture.",
        },
        Exercise::BirdDog => HowTo {
            steps: &[
                "On hands and knees: hands under shoulders, knees under hips, back flat.",
                "Reach one arm forward and the opposite leg back until both are in line with your back: long, not high.",
                "Keep your hips level, hold briefly, come back, then switch sides.",
            ],
            camera: "Side-on to you, at floor level, about 2.5 m away, so your hands, knees and feet all fit in the picture.",
        },
        Exercise::SidePlank => HowTo {
            steps: &[
                "Lie on your side, elbow under your shoulder, feet stacked (or knees bent for the easier version).",
                "Lift your hips until your body is a straight line from ear to ankle.",
                "Hold and breathe; then lower and do the other side.",
            ],
            camera: "Facing you (your chest towards the camera), at floor level, about 2.5 m away, so your whole body fits.",
        },
    }
}
