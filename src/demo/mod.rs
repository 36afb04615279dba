//! The built-in demo: an animated mannequin doing one of the three exercises, drawn frame by frame,
//! with no camera and no model. The demo knows the pose it drew and hands it on
//! ([`FrameSource::known_pose`]), so everything after the pose stage (smoothing, form checks, cues)
//! runs on it for real. Everything that shows it labels it as a demo.
//!
//! Each exercise is a guided script of known poses that loops forever, filmed the way the exercise
//! needs (side view for the hinge and the bird dog, front view for the side plank), and shows the
//! engine at work on clean and on faulty movement:
//!
//! - **Hip hinge** (side view): [`LEAD_IN_S`] standing tall, then sets of [`SET_REPS`] slow reps of
//!   [`HINGE_REP_S`] each ([`hinge_angles`]); rep [`HINGE_FAULTY_REP`] (0-based) of every set is done
//!   looking up, so the head leaves the dowel line (`head_off_dowel`).
//! - **Bird dog** (side view, left side to the camera): [`LEAD_IN_S`] on hands and knees, then sets
//!   of [`SET_REPS`] reps of [`BIRD_DOG_REP_S`] alternating sides, the first with the left leg and
//!   right arm: reach for [`BIRD_DOG_LIFT_S`], hold level for [`BIRD_DOG_HOLD_S`], return in
//!   [`BIRD_DOG_RETURN_S`], rest [`BIRD_DOG_REST_S`]. Rep [`BIRD_DOG_FAULTY_REP`] of every set lifts the
//!   leg well above the trunk line (`reach_high`).
//! - **Side plank** (front view, camera facing the chest): lying propped on the left forearm for
//!   [`PLANK_LIE_S`], lift in [`PLANK_LIFT_S`], hold [`PLANK_HOLD_S`] with the hips on the line
//!   except a sag of [`PLANK_SAG_S`] starting [`PLANK_SAG_AT_S`] into the hold (`hips_sag`), lower
//!   in [`PLANK_LOWER_S`]; turn over ([`PLANK_TURN_S`]: get up and lie down facing the camera on
//!   the other side); the same on the right side without the sag; rest [`PLANK_REST_S`] and turn
//!   back. One loop is [`cycle_s`]`(Exercise::SidePlank)`.

pub mod figure;
mod render;
mod script;

use std::time::{Duration, Instant};

use crate::capture::{FrameSource, SourceError, SourceInfo, SourceKind};
use crate::form::Exercise;
use crate::frame::Frame;
#[cfg(test)]
use crate::pose::skeleton::Joint;
use crate::pose::skeleton::Pose;
pub(crate) use render::render;
pub use script::*;

/// The demo as a frame source: an exercise's script, looping, at 30 fps, paced in real time when
/// `paced` is set.
#[derive(Debug)]
pub struct DemoSource {
    info: SourceInfo,
    exercise: Exercise,
    index: u64,
    started: Option<Instant>,
    last_pose: Pose,
    /// Stop after this many seconds (None = endless).
    pub limit_s: Option<f64>,
}

impl DemoSource {
    /// The demo of `exercise`; `paced`: frames come at their own times (the window) rather than as
    /// fast as they are asked for (tests, analysis).
    #[must_use]
    pub fn new(exercise: Exercise, paced: bool) -> Self {
        Self {
            info: SourceInfo {
                kind: SourceKind::Demo,
                name: format!("Demo: {} (simulated person, no camera)", exercise.label().to_lowercase()),
                width: DEMO_SIZE.0,
                height: DEMO_SIZE.1,
                fps: Some(DEMO_FPS),
                duration_s: None,
                frame_count: None,
                stills: false,
                paced,
                mirrored: false,
            },
            exercise,
            index: 0,
            started: None,
            last_pose: Pose::default(),
            limit_s: None,
        }
    }

    /// The exercise shown.
    #[must_use]
    pub fn exercise(&self) -> Exercise {
        self.exercise
    }

    /// The pose the demo of `exercise` shows at time `t` (s from its start).
    #[must_use]
    pub(crate) fn pose_at(exercise: Exercise, t: f64) -> Pose {
        match exercise {
            Exercise::Hinge => hinge_pose(hinge_script(t), DEMO_SIZE.0 as f32 * 0.55, FLOOR_Y),
            Exercise::BirdDog => bird_dog_script(t),
            Exercise::SidePlank => side_plank_script(t),
        }
    }
}

impl FrameSource for DemoSource {
    fn info(&self) -> &SourceInfo {
        &self.info
    }

    fn next_frame(&mut self) -> Result<Option<Frame>, SourceError> {
        let t = self.index as f64 / DEMO_FPS;
        if self.limit_s.is_some_and(|l| t > l) {
            return Ok(None);
        }
        if self.info.paced {
            let start = *self.started.get_or_insert_with(Instant::now);
            let due = start + Duration::from_secs_f64(t);
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
        }
        let pose = Self::pose_at(self.exercise, t);
        let rgb = render(&pose, DEMO_SIZE.0, DEMO_SIZE.1);
        self.last_pose = pose;
        let f = Frame::new(self.index, t, DEMO_SIZE.0, DEMO_SIZE.1, rgb);
        self.index += 1;
        Ok(Some(f))
    }

    fn known_pose(&self, _frame: &Frame) -> Option<Pose> {
        Some(self.last_pose)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_hinges_and_stays_in_frame() {
        let mut src = DemoSource::new(Exercise::Hinge, false);
        src.limit_s = Some(LEAD_IN_S + HINGE_REP_S);
        let mut max_trunk: f32 = 0.0;
        let mut n = 0;
        while let Some(f) = src.next_frame().unwrap() {
            let p = src.known_pose(&f).unwrap();
            let (s, hip) = (p.get(Joint::LeftShoulder), p.get(Joint::LeftHip));
            max_trunk = max_trunk.max((s.x - hip.x).atan2(hip.y - s.y).to_degrees());
            n += 1;
        }
        assert_eq!(n, 301);
        assert!((65.0..=75.0).contains(&max_trunk), "trunk peaks at {max_trunk}");
    }

    #[test]
    fn every_script_stays_in_frame_and_on_the_floor() {
        for ex in Exercise::ALL {
            let end = lead_in_s(ex) + cycle_s(ex);
            let mut t = 0.0;
            while t < end {
                let p = DemoSource::pose_at(ex, t);
                let mut lowest = f32::MIN;
                for j in Joint::ALL {
                    let k = p.get(j);
                    assert!(
                        k.x >= LIMB_R && k.x < DEMO_SIZE.0 as f32 - LIMB_R && k.y >= LIMB_R && k.y < DEMO_SIZE.1 as f32,
                        "{ex} at {t:.2} s: {j:?} out of frame at ({}, {})",
                        k.x,
                        k.y
                    );
                    lowest = lowest.max(k.y);
                }
                assert!((lowest - FLOOR_Y).abs() < 2.0 * LIMB_R, "{ex} at {t:.2} s: lowest joint at {lowest}");
                t += 0.1;
            }
        }
    }

    #[test]
    fn scripts_loop_without_jumps() {
        // The end of each loop meets its start: no joint jumps more than a few pixels a frame.
        for ex in Exercise::ALL {
            let (lead, cycle) = (lead_in_s(ex), cycle_s(ex));
            let mut t = 0.0;
            let mut prev = DemoSource::pose_at(ex, 0.0);
            while t < lead + 2.0 * cycle {
                t += 1.0 / DEMO_FPS;
                let p = DemoSource::pose_at(ex, t);
                for j in Joint::ALL {
                    let (a, b) = (prev.get(j), p.get(j));
                    let d = (a.x - b.x).hypot(a.y - b.y);
                    assert!(d < 25.0, "{ex} at {t:.2} s: {j:?} jumps {d} px");
                }
                prev = p;
            }
        }
    }

    #[test]
    fn render_draws_the_body_where_the_pose_is() {
        for ex in Exercise::ALL {
            let p = DemoSource::pose_at(ex, 0.0);
            let px = render(&p, DEMO_SIZE.0, DEMO_SIZE.1);
            for j in [Joint::LeftHip, Joint::LeftShoulder, Joint::RightKnee] {
                let k = p.get(j);
                let i = (k.y as usize * DEMO_SIZE.0 as usize + k.x as usize) * 3;
                assert_ne!(&px[i..i + 3], &[222, 226, 230], "{ex}: {j:?} is painted, not background");
            }
            assert_eq!(&px[0..3], &[222, 226, 230]);
        }
    }
}
