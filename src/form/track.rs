//! Debounced boolean states: hysteresis in time (minimum on and off durations).
//!
//! Every state the engine reports (a fault, "in view", a hold position) goes through one of these,
//! so a single jittery frame never starts or ends anything. Times come only from the samples.

/// A boolean that turns on after its raw condition held `on_s` and off after it was absent `off_s`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Debounced {
    active: bool,
    /// Since when the raw condition has been continuously true (tolerating gaps shorter than `off_s`).
    raw_since: Option<f64>,
    /// Since when the raw condition has been false while active.
    off_since: Option<f64>,
    /// Last time the raw condition was true.
    last_true: Option<f64>,
}

/// What changed on an update.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Edge {
    /// Nothing changed.
    None,
    /// Turned on; the condition started at this time (backdated onset).
    Rose(f64),
    /// Turned off; the condition was last seen true at this time.
    Fell(f64),
}

impl Debounced {
    /// Feed the raw condition at time `t`.
    pub fn update(&mut self, t: f64, raw: bool, on_s: f64, off_s: f64) -> Edge {
        if raw {
            self.last_true = Some(t);
            self.off_since = None;
            let since = *self.raw_since.get_or_insert(t);
            if !self.active && t - since >= on_s {
                self.active = true;
                return Edge::Rose(since);
            }
        } else {
            if self.active {
                let off = *self.off_since.get_or_insert(t);
                if t - off >= off_s {
                    self.active = false;
                    self.raw_since = None;
                    self.off_since = None;
                    return Edge::Fell(self.last_true.unwrap_or(off));
                }
            } else if let Some(lt) = self.last_true {
                // Short gaps while still pending do not restart the onset.
                if t - lt >= off_s {
                    self.raw_since = None;
                }
            } else {
                self.raw_since = None;
            }
        }
        Edge::None
    }

    /// Force off (e.g. the rule lost sight of its joints). Returns the onset if it was active.
    pub fn clear(&mut self) -> Option<f64> {
        let was = self.active.then(|| self.raw_since.unwrap_or(0.0));
        *self = Self::default();
        was
    }

    /// Whether the state is on.
    #[must_use]
    pub fn active(&self) -> bool {
        self.active
    }

    /// Onset of the current (or pending) raw condition.
    #[must_use]
    pub fn since(&self) -> Option<f64> {
        self.raw_since
    }

    /// Last time the raw condition was true.
    #[must_use]
    pub(crate) fn last_true(&self) -> Option<f64> {
        self.last_true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debounce() {
        let mut d = Debounced::default();
        let mut edges = vec![];
        for i in 0..100 {
            let t = f64::from(i) * 0.1;
            let raw = (20..50).contains(&i) && i != 30;
            let e = d.update(t, raw, 0.5, 0.3);
            if e != Edge::None {
                edges.push((i, e));
            }
        }
        assert_eq!(edges.len(), 2, "{edges:?}");
        assert!(matches!(edges[0], (25, Edge::Rose(s)) if (s - 2.0).abs() < 1e-9));
        assert!(matches!(edges[1], (53 | 54, Edge::Fell(s)) if (s - 4.9).abs() < 1e-9), "{edges:?}");
    }
}
