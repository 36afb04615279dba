//! MediaPipe's landmark smoothing, as its `LandmarksSmoothingCalculator` (one-euro mode) and
//! `VisibilitySmoothingCalculator` (low-pass mode) do it: the speed that raises the cutoff is
//! measured against the previous *raw* value and multiplied by a value scale (one over the
//! person's size in pixels, or 1 for world landmarks in metres).

/// One-euro settings (MediaPipe's `OneEuroFilter` options).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EuroParams {
    pub min_cutoff: f64,
    pub beta: f64,
    pub derivate_cutoff: f64,
}

/// MediaPipe's `LowPassFilter`: `stored = α·value + (1 − α)·stored`; the first value passes.
#[derive(Debug, Clone, Copy, Default)]
struct LowPass {
    raw: Option<f64>,
    stored: f64,
}

impl LowPass {
    fn apply(&mut self, value: f64, alpha: f64) -> f64 {
        self.stored = if self.raw.is_some() { alpha * value + (1.0 - alpha) * self.stored } else { value };
        self.raw = Some(value);
        self.stored
    }
}

/// MediaPipe's `OneEuroFilter` for one scalar.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Euro {
    x: LowPass,
    dx: LowPass,
    last_t: Option<f64>,
}

fn alpha(cutoff: f64, frequency: f64) -> f64 {
    let te = 1.0 / frequency;
    let tau = 1.0 / (2.0 * std::f64::consts::PI * cutoff);
    1.0 / (1.0 + tau / te)
}

impl Euro {
    /// Filters `value` at time `t` (seconds). A time that does not move forward passes the value
    /// through unfiltered, as MediaPipe does.
    pub(crate) fn apply(&mut self, p: &EuroParams, t: f64, value_scale: f64, value: f64) -> f64 {
        let frequency = match self.last_t {
            Some(last) if t > last => 1.0 / (t - last),
            Some(_) => return value,
            None => 30.0, // unused: the first value passes through
        };
        self.last_t = Some(t);
        let dvalue = self.x.raw.map_or(0.0, |raw| (value - raw) * value_scale * frequency);
        let edvalue = self.dx.apply(dvalue, alpha(p.derivate_cutoff, frequency));
        let cutoff = p.min_cutoff + p.beta * edvalue.abs();
        self.x.apply(value, alpha(cutoff, frequency))
    }
}

/// A bank of one-euro filters over `n` values (e.g. 33 landmarks × 2 coordinates).
#[derive(Debug, Clone)]
pub(crate) struct EuroBank {
    params: EuroParams,
    filters: Vec<Euro>,
}

impl EuroBank {
    pub(crate) fn new(params: EuroParams, n: usize) -> Self {
        Self { params, filters: vec![Euro::default(); n] }
    }

    pub(crate) fn reset(&mut self) {
        self.filters.fill(Euro::default());
    }

    /// Filters `values` in place (all with the same value scale).
    pub(crate) fn apply(&mut self, t: f64, value_scale: f64, values: &mut [f32]) {
        for (f, v) in self.filters.iter_mut().zip(values.iter_mut()) {
            *v = f.apply(&self.params, t, value_scale, f64::from(*v)) as f32;
        }
    }
}

/// MediaPipe's `VisibilitySmoothingCalculator` in low-pass mode over `n` values.
#[derive(Debug, Clone)]
pub(crate) struct LowPassBank {
    alpha: f64,
    filters: Vec<LowPass>,
}

impl LowPassBank {
    pub(crate) fn new(alpha: f64, n: usize) -> Self {
        Self { alpha, filters: vec![LowPass::default(); n] }
    }

    pub(crate) fn reset(&mut self) {
        self.filters.fill(LowPass::default());
    }

    pub(crate) fn apply(&mut self, values: &mut [f32]) {
        for (f, v) in self.filters.iter_mut().zip(values.iter_mut()) {
            *v = f.apply(f64::from(*v), self.alpha) as f32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: EuroParams = EuroParams { min_cutoff: 0.05, beta: 80.0, derivate_cutoff: 1.0 };

    #[test]
    fn a_still_value_stays_and_jitter_is_damped() {
        let mut f = Euro::default();
        assert_eq!(f.apply(&P, 0.0, 0.01, 100.0), 100.0, "the first value passes");
        // ±1 px jitter at 30 fps on a 100-px person: cutoff stays low, output barely moves.
        let mut out = 0.0;
        for i in 1..60 {
            let v = if i % 2 == 0 { 101.0 } else { 99.0 };
            out = f.apply(&P, f64::from(i) / 30.0, 0.01, v);
        }
        assert!((out - 100.0).abs() < 0.5, "{out}");
        // Time that does not advance: passes through.
        assert_eq!(f.apply(&P, 1.0, 0.01, 250.0), 250.0);
    }

    #[test]
    fn a_fast_move_is_followed_closely() {
        let mut f = Euro::default();
        let mut out = 0.0;
        // 300 px/s on a 100-px person (3 sizes per second) for one second.
        for i in 0..=30 {
            out = f.apply(&P, f64::from(i) / 30.0, 0.01, f64::from(i) * 10.0);
        }
        assert!((300.0 - out) < 15.0, "lag {}", 300.0 - out);
        let mut lp = LowPassBank::new(0.1, 1);
        let mut v = [1.0f32];
        lp.apply(&mut v);
        let mut v = [0.0f32];
        lp.apply(&mut v);
        assert!((v[0] - 0.9).abs() < 1e-6);
    }
}
