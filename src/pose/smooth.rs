//! The One Euro filter (Casiez, Roussel and Vogel, CHI 2012): a low-pass filter whose cutoff rises
//! with speed, so a still joint stops jittering and a moving one does not lag.

use crate::pose::skeleton::{JOINT_COUNT, MIN_KEYPOINT_SCORE, Pose};

/// Tuning of the One Euro filter.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OneEuroParams {
    /// Cutoff (Hz) when still: lower = less jitter, more lag at rest.
    pub min_cutoff: f64,
    /// How fast the cutoff rises with speed (per unit/s of the filtered signal): higher = less lag when moving.
    pub beta: f64,
    /// Cutoff (Hz) of the speed estimate itself.
    pub d_cutoff: f64,
}

impl Default for OneEuroParams {
    /// Tuned for coordinates in units of the person's size (crop side), see [`PoseSmoother`].
    fn default() -> Self {
        Self { min_cutoff: 1.0, beta: 2.0, d_cutoff: 1.0 }
    }
}

fn alpha(cutoff: f64, dt: f64) -> f64 {
    let tau = 1.0 / (2.0 * std::f64::consts::PI * cutoff);
    1.0 / (1.0 + tau / dt)
}

/// One Euro filter of one scalar signal over time.
#[derive(Debug, Clone, Default)]
pub(crate) struct OneEuro {
    last: Option<(f64, f64, f64)>, // (t, x_hat, dx_hat)
}

impl OneEuro {
    /// Filters `x` sampled at time `t` (seconds). The first sample, and any sample that does not
    /// move time forward, passes through (and restarts the filter if time went back). The
    /// unscaled filter of the tests; the pose stage scales by the person's size.
    #[cfg(test)]
    pub(crate) fn filter(&mut self, p: &OneEuroParams, t: f64, x: f64) -> f64 {
        self.filter_scaled(p, t, x, 1.0)
    }

    /// Like [`OneEuro::filter`], with the speed measured in units of `speed_scale` (e.g. the
    /// person's size in pixels): `x` stays in its own units, only `beta` sees speed / scale. The
    /// scale may change from sample to sample without moving the filtered value.
    pub(crate) fn filter_scaled(&mut self, p: &OneEuroParams, t: f64, x: f64, speed_scale: f64) -> f64 {
        let Some((t0, x0, dx0)) = self.last else {
            self.last = Some((t, x, 0.0));
            return x;
        };
        let dt = t - t0;
        if dt <= 0.0 {
            if dt < 0.0 {
                self.last = Some((t, x, 0.0));
                return x;
            }
            return x0;
        }
        let dx = (x - x0) / dt;
        let dx_hat = dx0 + alpha(p.d_cutoff, dt) * (dx - dx0);
        let cutoff = p.min_cutoff + p.beta * dx_hat.abs() / speed_scale.max(1e-9);
        let x_hat = x0 + alpha(cutoff, dt) * (x - x0);
        self.last = Some((t, x_hat, dx_hat));
        x_hat
    }

    pub fn reset(&mut self) {
        self.last = None;
    }
}

/// Smooths every coordinate of a pose with its own One Euro filter.
///
/// Speeds are measured in units of `scale` (the person's size in pixels, e.g. the crop side or the
/// torso length), so the same parameters work for a person near or far; positions stay in pixels,
/// so a scale that changes between frames does not move them. A joint unseen (score under `min_score`) for
/// longer than `reset_after_s` restarts its filters, so it does not glide in from where it was lost.
#[derive(Debug, Clone)]
pub struct PoseSmoother {
    pub params: OneEuroParams,
    pub min_score: f32,
    pub reset_after_s: f64,
    filters: [(OneEuro, OneEuro); JOINT_COUNT],
    last_seen: [f64; JOINT_COUNT],
}

impl PoseSmoother {
    #[must_use]
    pub fn new(params: OneEuroParams) -> Self {
        Self {
            params,
            min_score: MIN_KEYPOINT_SCORE,
            reset_after_s: 0.5,
            filters: std::array::from_fn(|_| (OneEuro::default(), OneEuro::default())),
            last_seen: [f64::NEG_INFINITY; JOINT_COUNT],
        }
    }

    /// Forgets all history (a new source, or the person was lost).
    pub fn reset(&mut self) {
        for (fx, fy) in &mut self.filters {
            fx.reset();
            fy.reset();
        }
        self.last_seen = [f64::NEG_INFINITY; JOINT_COUNT];
    }

    /// Smooths `pose` in place; `scale` in pixels (> 0).
    pub fn apply(&mut self, t: f64, pose: &mut Pose, scale: f32) {
        let s = f64::from(scale.max(1.0));
        let p = self.params;
        for (i, kp) in pose.keypoints.iter_mut().enumerate() {
            if kp.score < self.min_score {
                continue;
            }
            let (fx, fy) = &mut self.filters[i];
            if t - self.last_seen[i] > self.reset_after_s {
                fx.reset();
                fy.reset();
            }
            self.last_seen[i] = t;
            kp.x = fx.filter_scaled(&p, t, f64::from(kp.x), s) as f32;
            kp.y = fy.filter_scaled(&p, t, f64::from(kp.y), s) as f32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noise(i: usize) -> f64 {
        // Deterministic white noise in -1..1 (splitmix64 of the index).
        let mut z = (i as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    }

    #[test]
    fn first_sample_passes_through() {
        let mut f = OneEuro::default();
        assert_eq!(f.filter(&OneEuroParams::default(), 0.0, 5.0), 5.0);
    }

    #[test]
    fn reduces_jitter_of_a_still_signal() {
        let p = OneEuroParams::default();
        let mut f = OneEuro::default();
        let (mut raw_var, mut out_var) = (0.0, 0.0);
        for i in 0..300 {
            let x = 1.0 + 0.02 * noise(i);
            let y = f.filter(&p, i as f64 / 30.0, x);
            if i > 30 {
                raw_var += (x - 1.0).powi(2);
                out_var += (y - 1.0).powi(2);
            }
        }
        assert!(out_var < raw_var * 0.25, "filtered variance {out_var} vs raw {raw_var}");
    }

    #[test]
    fn follows_fast_motion_with_little_lag() {
        let p = OneEuroParams::default();
        let mut f = OneEuro::default();
        // A step to a ramp moving one unit per second: after 0.5 s the lag is small.
        let mut last = 0.0;
        for i in 0..=15 {
            let t = i as f64 / 30.0;
            last = f.filter(&p, t, t);
        }
        assert!((0.5 - last).abs() < 0.05, "lag {}", 0.5 - last);
        // A heavily smoothed filter (no speed adaptation) lags much more: the beta term does its job.
        let slow = OneEuroParams { beta: 0.0, ..p };
        let mut g = OneEuro::default();
        let mut last_slow = 0.0;
        for i in 0..=15 {
            let t = i as f64 / 30.0;
            last_slow = g.filter(&slow, t, t);
        }
        assert!(0.5 - last_slow > 2.0 * (0.5 - last), "beta=0 lag {} vs {}", 0.5 - last_slow, 0.5 - last);
    }

    #[test]
    fn time_going_back_restarts_the_filter() {
        let p = OneEuroParams::default();
        let mut f = OneEuro::default();
        f.filter(&p, 1.0, 0.0);
        f.filter(&p, 1.1, 0.0);
        assert_eq!(f.filter(&p, 0.5, 10.0), 10.0);
    }

    #[test]
    fn a_changing_scale_does_not_move_a_still_point() {
        use crate::pose::skeleton::{Joint, Keypoint};
        let mut s = PoseSmoother::new(OneEuroParams::default());
        for (i, scale) in [400.0, 410.0, 390.0, 450.0, 300.0].into_iter().enumerate() {
            let mut pose = Pose::default();
            pose.set(Joint::Nose, Keypoint::new(1000.0, 500.0, 0.9));
            s.apply(i as f64 / 30.0, &mut pose, scale);
            let k = pose.get(Joint::Nose);
            assert!((k.x - 1000.0).abs() < 1e-3 && (k.y - 500.0).abs() < 1e-3, "scale {scale}: {k:?}");
        }
    }

    #[test]
    fn speed_is_measured_in_units_of_the_scale() {
        // The same motion relative to the person's size is smoothed the same, near or far.
        let p = OneEuroParams::default();
        let run = |size: f64| {
            let mut f = OneEuro::default();
            let mut last = 0.0;
            for i in 0..=15 {
                let t = f64::from(i) / 30.0;
                last = f.filter_scaled(&p, t, t * size, size) / size;
            }
            last
        };
        assert!((run(100.0) - run(1000.0)).abs() < 1e-9);
    }

    #[test]
    fn smoother_skips_unseen_joints_and_resets_after_a_gap() {
        use crate::pose::skeleton::{Joint, Keypoint};
        let mut s = PoseSmoother::new(OneEuroParams::default());
        let mut pose = Pose::default();
        pose.set(Joint::Nose, Keypoint::new(100.0, 100.0, 0.9));
        s.apply(0.0, &mut pose, 200.0);
        // Unseen joint: left untouched.
        pose.set(Joint::Nose, Keypoint::new(500.0, 500.0, 0.1));
        s.apply(0.1, &mut pose, 200.0);
        assert_eq!(pose.get(Joint::Nose).x, 500.0);
        // Seen again after a long gap: starts fresh at the new position instead of gliding.
        pose.set(Joint::Nose, Keypoint::new(500.0, 500.0, 0.9));
        s.apply(2.0, &mut pose, 200.0);
        assert_eq!(pose.get(Joint::Nose).x, 500.0);
    }
}
