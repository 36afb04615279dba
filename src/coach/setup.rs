//! The setup check before counting: is the whole body in view, from the right side, in enough
//! light, in the start position; one spoken hint at a time for what fails.

use super::{Coach, Inputs};
use crate::form::{CuePriority, Exercise, View, turn_hint};

/// One item of the setup checklist.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckItem {
    /// Stable id, e.g. "setup.in_view".
    pub id: &'static str,
    /// What is checked, e.g. "Whole body in view".
    pub label: &'static str,
    /// Whether it passes now.
    pub ok: bool,
    /// What to say when it fails.
    pub hint: String,
}

/// Mean of the better score of each left/right joint pair: a light and visibility measure that
/// does not punish the far side of a side view.
#[must_use]
pub fn body_confidence(pose: &crate::pose::skeleton::Pose) -> f32 {
    use crate::pose::skeleton::Joint as J;
    let pairs = [
        (J::LeftEar, J::RightEar),
        (J::LeftShoulder, J::RightShoulder),
        (J::LeftElbow, J::RightElbow),
        (J::LeftWrist, J::RightWrist),
        (J::LeftHip, J::RightHip),
        (J::LeftKnee, J::RightKnee),
        (J::LeftAnkle, J::RightAnkle),
    ];
    pairs.iter().map(|&(a, b)| pose.get(a).score.max(pose.get(b).score)).sum::<f32>() / pairs.len() as f32
}

/// The coach's timings and its light check.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CoachTiming {
    /// "Enough light" needs [`body_confidence`] at least this: a margin over the keypoint floor
    /// (0.3), since a dim or blurred picture lowers every score.
    pub light_min_confidence: f32,
    /// The checklist must pass this long before counting starts by itself (s).
    pub ready_hold_s: f64,
    /// A checklist item must fail this long before its hint is spoken (s).
    pub hint_after_s: f64,
    /// The same hint is not repeated within this (s; the spec's 5 s for "step back").
    pub hint_cooldown_s: f64,
}

impl Default for CoachTiming {
    fn default() -> Self {
        Self { light_min_confidence: 0.45, ready_hold_s: 1.0, hint_after_s: 1.0, hint_cooldown_s: 5.0 }
    }
}

impl Coach {
    pub(super) fn build_checklist(&self, inp: &Inputs) -> Vec<CheckItem> {
        let live = inp.live;
        let view_ok = live.view == self.exercise.required_view();
        // With world landmarks the hint says which way to turn, and about how far.
        let (view_label, view_hint) = match self.exercise.required_view() {
            View::Front => ("Facing the camera", "Turn to face the camera.".to_string()),
            _ => ("Side-on to the camera", turn_hint(live.turn_deg)),
        };
        let (start_label, start_hint, start_ok) = match self.exercise {
            Exercise::Hinge => (
                "Standing tall, dowel on your back",
                "Stand tall with the dowel on your back.",
                matches!(live.phase.as_str(), "standing" | "top"),
            ),
            Exercise::BirdDog => ("On hands and knees", "Get on your hands and knees.", live.phase == "quadruped"),
            // Lying on the side or already up: both are a fine start for a hold.
            Exercise::SidePlank => {
                ("On your side, elbow under shoulder", "Lie on your side, elbow under your shoulder.", true)
            }
        };
        vec![
            CheckItem {
                id: "setup.in_view",
                label: "Whole body in view",
                ok: live.in_view,
                hint: "Step back so your whole body is in view.".into(),
            },
            CheckItem { id: "setup.view", label: view_label, ok: view_ok, hint: view_hint },
            CheckItem {
                id: "setup.light",
                label: "Enough light",
                ok: inp.confidence >= self.timing.light_min_confidence,
                hint: "I can't see you clearly. Turn on more light.".into(),
            },
            CheckItem {
                id: "setup.start_position",
                label: start_label,
                ok: start_ok && live.in_view,
                hint: start_hint.into(),
            },
        ]
    }

    pub(super) fn update_setup(&mut self, inp: &Inputs) {
        let t = inp.t;
        self.checklist = self.build_checklist(inp);
        let all_ok = self.checklist.iter().all(|c| c.ok);
        for c in &self.checklist {
            if c.ok {
                self.failing_since.remove(c.id);
            } else {
                self.failing_since.entry(c.id).or_insert(t);
            }
        }
        if self.start_requested {
            self.start_requested = false;
            self.begin_set(t);
            return;
        }
        if all_ok {
            let since = *self.ready_since.get_or_insert(t);
            if t - since >= self.timing.ready_hold_s {
                self.begin_set(t);
            }
            return;
        }
        self.ready_since = None;
        // One hint at a time: the first failing item in checklist order.
        let first = self.checklist.iter().find(|c| !c.ok).map(|c| (c.id, c.hint.clone()));
        if let Some((id, hint)) = first {
            let failing_for = t - self.failing_since.get(id).copied().unwrap_or(t);
            let cooled = self.last_said.get(id).is_none_or(|&l| t - l >= self.timing.hint_cooldown_s);
            if failing_for >= self.timing.hint_after_s && cooled {
                self.say(t, id, &hint, CuePriority::Safety);
            }
        }
    }
}
