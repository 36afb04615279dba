//! Keypoint smoothing: a One Euro filter (Casiez et al. 2012) per coordinate, driven by frame time.
//!
//! A missing keypoint resets its filter, so a joint that reappears elsewhere is not dragged across
//! the frame.

use crate::pose::skeleton::{JOINT_COUNT, Joint, Keypoint, Pose};
use std::f32::consts::PI;

fn alpha(cutoff_hz: f32, dt: f32) -> f32 {
    let tau = 1.0 / (2.0 * PI * cutoff_hz.max(1e-3));
    1.0 / (1.0 + tau / dt.max(1e-4))
}

/// One Euro filter for one scalar.
#[derive(Debug, Clone, Copy, Default)]
pub struct OneEuro {
    x: Option<f32>,
    dx: f32,
}

impl OneEuro {
    /// Filter `x` sampled `dt` seconds after the previous sample. `speed_scale` divides the speed
    /// before `beta` applies (so beta is per torso length/s when it is the torso length in pixels).
    pub fn filter(&mut self, x: f32, dt: f32, min_cutoff: f32, beta: f32, d_cutoff: f32, speed_scale: f32) -> f32 {
        let Some(prev) = self.x else {
            self.x = Some(x);
            self.dx = 0.0;
            return x;
        };
        if dt <= 0.0 {
            return prev;
        }
        let raw_dx = (x - prev) / dt;
        let ad = alpha(d_cutoff, dt);
        self.dx = ad * raw_dx + (1.0 - ad) * self.dx;
        let cutoff = min_cutoff + beta * self.dx.abs() / speed_scale.max(1e-3);
        let a = alpha(cutoff, dt);
        let y = a * x + (1.0 - a) * prev;
        self.x = Some(y);
        y
    }

    /// Forget the state.
    pub fn reset(&mut self) {
        self.x = None;
        self.dx = 0.0;
    }
}

/// Filters all 17 joints of a pose.
#[derive(Debug, Clone, Default)]
pub struct PoseFilter {
    xs: [OneEuro; JOINT_COUNT],
    ys: [OneEuro; JOINT_COUNT],
    last_t: Option<f64>,
}

impl PoseFilter {
    /// Smooth `pose`; joints under `min_score` are passed through and reset their filter.
    #[allow(clippy::too_many_arguments)]
    pub fn apply(
        &mut self,
        t: f64,
        pose: &Pose,
        min_score: f32,
        min_cutoff: f32,
        beta: f32,
        d_cutoff: f32,
        torso_px: f32,
    ) -> Pose {
        let dt = self.last_t.map_or(0.0, |l| (t - l) as f32);
        self.last_t = Some(t);
        let mut out = *pose;
        for j in Joint::ALL {
            let i = j.index();
            match pose.visible(j, min_score) {
                Some(kp) => {
                    let x = self.xs[i].filter(kp.x, dt, min_cutoff, beta, d_cutoff, torso_px);
                    let y = self.ys[i].filter(kp.y, dt, min_cutoff, beta, d_cutoff, torso_px);
                    out.set(j, Keypoint::new(x, y, kp.score));
                }
                None => {
                    self.xs[i].reset();
                    self.ys[i].reset();
                }
            }
        }
        out
    }

    /// Forget everything (e.g. after the person left the frame).
    pub fn reset(&mut self) {
        *self = Self::default();
    }
}
