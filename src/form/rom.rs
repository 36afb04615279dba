//! Range of motion per rep, against the therapist's target.
//!
//! **The measures** (one function each, all in this file, built on [`super::geometry`]'s plane
//! primitives, so a 3D version from world landmarks can replace a 2D one in one place; the engines
//! call only these):
//!
//! | measure | function | definition | exercise |
//! |---|---|---|---|
//! | trunk lean | [`trunk_lean_deg`] | hip→shoulder from vertical, + toward the facing direction (0 = upright, 90 = trunk horizontal) | hinge |
//! | hip flexion | [`hip_flexion_deg`] | 180 − the shoulder-hip-knee angle (0 = trunk in line with the thigh) | hinge |
//! | arm elevation | [`arm_elevation_deg`] | shoulder→wrist (elbow when the wrist is unseen) against the trunk line, forward | bird dog |
//! | leg elevation | [`leg_elevation_deg`] | hip→ankle (knee when the ankle is unseen) against the trunk line, backward | bird dog |
//!
//! The elevations are signed against the **trunk line** (shoulder midpoint to hip midpoint), as the
//! bird dog's rules are: 0 = the limb in line with the trunk ("reach long"), negative = below it
//! (−90 = hanging straight down to the floor), positive = above it (past
//! [`super::BirdDogConfig::reach_high_deg`], 15 by default, is the `reach_high` fault).
//!
//! **Per rep** the engine keeps the peak (largest value) of each measure and reports it as a
//! [`RomReading`]: the peak, the prescription's target when it sets one, and whether the peak
//! reached it. A target is the least the rep should reach: a rep whose peak is within half a
//! degree of it (to the nearest whole degree) has reached it; otherwise it is short by the
//! difference.

use super::geometry::{Pt, angle_at, elevation, inclination_from_vertical, signed_lean};
use serde::{Deserialize, Serialize};

/// One range-of-motion measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RomMeasure {
    /// Hinge: trunk lean from vertical (deg).
    TrunkLean,
    /// Hinge: hip flexion (deg; 180 − shoulder-hip-knee).
    HipFlexion,
    /// Bird dog: the reaching arm's elevation against the trunk line (deg; 0 = in line).
    ArmElevation,
    /// Bird dog: the extended leg's elevation against the trunk line (deg; 0 = in line).
    LegElevation,
}

impl RomMeasure {
    /// Every measure, in display order.
    pub const ALL: [RomMeasure; 4] =
        [RomMeasure::TrunkLean, RomMeasure::HipFlexion, RomMeasure::ArmElevation, RomMeasure::LegElevation];

    /// Machine name, as in JSON and CSV: "trunk_lean", "hip_flexion", ...
    #[must_use]
    pub fn id(self) -> &'static str {
        match self {
            RomMeasure::TrunkLean => "trunk_lean",
            RomMeasure::HipFlexion => "hip_flexion",
            RomMeasure::ArmElevation => "arm_elevation",
            RomMeasure::LegElevation => "leg_elevation",
        }
    }

    /// Words for people: "trunk lean", "hip flexion", ...
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            RomMeasure::TrunkLean => "trunk lean",
            RomMeasure::HipFlexion => "hip flexion",
            RomMeasure::ArmElevation => "arm elevation",
            RomMeasure::LegElevation => "leg elevation",
        }
    }
}

/// The therapist's targets (deg), from the prescription's `target_*_deg` keys (see
/// [`crate::session::prescription::effective_config`]). None = no target: the peak is reported
/// alone.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct RomTargets {
    /// Hinge: least peak trunk lean.
    pub trunk_lean_deg: Option<f32>,
    /// Hinge: least peak hip flexion.
    pub hip_flexion_deg: Option<f32>,
    /// Bird dog: least peak arm elevation against the trunk line.
    pub arm_elevation_deg: Option<f32>,
    /// Bird dog: least peak leg elevation against the trunk line.
    pub leg_elevation_deg: Option<f32>,
}

impl RomTargets {
    /// The target for `m`, if set.
    #[must_use]
    pub fn get(&self, m: RomMeasure) -> Option<f32> {
        match m {
            RomMeasure::TrunkLean => self.trunk_lean_deg,
            RomMeasure::HipFlexion => self.hip_flexion_deg,
            RomMeasure::ArmElevation => self.arm_elevation_deg,
            RomMeasure::LegElevation => self.leg_elevation_deg,
        }
    }

    /// Whether any target is set.
    #[must_use]
    pub fn any(&self) -> bool {
        RomMeasure::ALL.iter().any(|&m| self.get(m).is_some())
    }
}

/// One measure's peak in a rep, against its target.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RomReading {
    /// Which measure.
    pub measure: RomMeasure,
    /// The rep's peak (deg).
    pub peak_deg: f32,
    /// The prescription's target (deg), when it sets one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_deg: Option<f32>,
    /// Whether the peak reached the target (None without a target).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reached: Option<bool>,
    /// How far short of the target the peak stayed (deg, whole degrees; 0 when reached; None
    /// without a target).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_by_deg: Option<f32>,
}

impl RomReading {
    /// The reading of `peak` against `target`.
    #[must_use]
    pub fn new(measure: RomMeasure, peak_deg: f32, target_deg: Option<f32>) -> Self {
        let short = target_deg.map(|t| (t - peak_deg).round().max(0.0));
        Self { measure, peak_deg, target_deg, reached: short.map(|s| s <= 0.0), short_by_deg: short }
    }

    /// "trunk lean 62°", "trunk lean 62° (target 60°: reached)", "hip flexion 70° (target 80°:
    /// short by 10°)".
    #[must_use]
    pub fn text(&self) -> String {
        let peak = format!("{} {:.0}°", self.measure.label(), self.peak_deg);
        match (self.target_deg, self.short_by_deg) {
            (Some(t), Some(s)) if s > 0.0 => format!("{peak} (target {t:.0}°: short by {s:.0}°)"),
            (Some(t), _) => format!("{peak} (target {t:.0}°: reached)"),
            _ => peak,
        }
    }
}

/// The readings of a rep's peaks (`None` peaks, e.g. an arm never seen, give no reading).
#[must_use]
pub fn readings(peaks: &[(RomMeasure, Option<f32>)], targets: &RomTargets) -> Vec<RomReading> {
    peaks.iter().filter_map(|&(m, p)| p.map(|p| RomReading::new(m, p, targets.get(m)))).collect()
}

/// Trunk lean from vertical (deg) of `hip -> shoulder`: signed, + toward `facing` (+1 = image
/// right, -1 = image left), negative = leaning back; unsigned (0..=180) when the facing is unknown.
#[must_use]
pub(crate) fn trunk_lean_deg(hip: Pt, shoulder: Pt, facing: Option<f32>) -> f32 {
    match facing {
        Some(f) => signed_lean(hip, shoulder, f),
        None => inclination_from_vertical(hip, shoulder),
    }
}

/// Hip flexion (deg): 180 − the shoulder-hip-knee angle; 0 = trunk in line with the thigh.
#[must_use]
pub(crate) fn hip_flexion_deg(shoulder: Pt, hip: Pt, knee: Pt) -> f32 {
    180.0 - angle_at(shoulder, hip, knee)
}

/// Arm elevation against the trunk line (deg): `shoulder -> end` (wrist, or elbow) against the
/// trunk's direction toward the head `head_dir` (unit), `up` the trunk's normal away from the
/// floor (unit). 0 = in line with the trunk, − below, + above.
#[must_use]
pub(crate) fn arm_elevation_deg(shoulder: Pt, end: Pt, head_dir: Pt, up: Pt) -> f32 {
    elevation(shoulder, end, head_dir, up)
}

/// Leg elevation against the trunk line (deg): `hip -> end` (ankle, or knee) against the trunk's
/// direction away from the head; as [`arm_elevation_deg`] otherwise.
#[must_use]
pub(crate) fn leg_elevation_deg(hip: Pt, end: Pt, head_dir: Pt, up: Pt) -> f32 {
    elevation(hip, end, (-head_dir.0, -head_dir.1), up)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures() {
        // Trunk 45° forward toward image right.
        assert!((trunk_lean_deg((0.0, 0.0), (1.0, -1.0), Some(1.0)) - 45.0).abs() < 1e-3);
        assert!((trunk_lean_deg((0.0, 0.0), (1.0, -1.0), Some(-1.0)) + 45.0).abs() < 1e-3);
        assert!((trunk_lean_deg((0.0, 0.0), (1.0, -1.0), None) - 45.0).abs() < 1e-3);
        // Standing straight: no hip flexion; trunk horizontal over a vertical thigh: 90.
        assert!(hip_flexion_deg((0.0, -1.0), (0.0, 0.0), (0.0, 1.0)).abs() < 1e-3);
        assert!((hip_flexion_deg((1.0, 0.0), (0.0, 0.0), (0.0, 1.0)) - 90.0).abs() < 1e-3);
        // Quadruped facing image right: head direction +x, up = -y.
        let (u, up) = ((1.0, 0.0), (0.0, -1.0));
        assert!(arm_elevation_deg((0.0, 0.0), (1.0, 0.0), u, up).abs() < 1e-3, "arm in line");
        assert!((arm_elevation_deg((0.0, 0.0), (0.0, 1.0), u, up) + 90.0).abs() < 1e-3, "arm hanging");
        assert!((arm_elevation_deg((0.0, 0.0), (1.0, -1.0), u, up) - 45.0).abs() < 1e-3, "arm high");
        assert!(leg_elevation_deg((0.0, 0.0), (-1.0, 0.0), u, up).abs() < 1e-3, "leg in line");
        assert!((leg_elevation_deg((0.0, 0.0), (-1.0, 0.5), u, up) + 26.565).abs() < 1e-2, "leg low");
    }

    #[test]
    fn readings_against_targets() {
        let r = RomReading::new(RomMeasure::TrunkLean, 62.4, Some(60.0));
        assert_eq!((r.reached, r.short_by_deg), (Some(true), Some(0.0)));
        assert_eq!(r.text(), "trunk lean 62° (target 60°: reached)");
        let r = RomReading::new(RomMeasure::HipFlexion, 70.2, Some(80.0));
        assert_eq!((r.reached, r.short_by_deg), (Some(false), Some(10.0)));
        assert_eq!(r.text(), "hip flexion 70° (target 80°: short by 10°)");
        // Within half a degree: reached.
        assert_eq!(RomReading::new(RomMeasure::TrunkLean, 59.6, Some(60.0)).reached, Some(true));
        let r = RomReading::new(RomMeasure::ArmElevation, -12.0, None);
        assert_eq!((r.reached, r.short_by_deg, r.text().as_str()), (None, None, "arm elevation -12°"));
        let t = RomTargets { leg_elevation_deg: Some(-5.0), ..Default::default() };
        let v = readings(&[(RomMeasure::ArmElevation, None), (RomMeasure::LegElevation, Some(-8.0))], &t);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].short_by_deg, Some(3.0));
    }
}
