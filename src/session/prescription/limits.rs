//! The range every threshold override must lie in: one table, [`LIMITS`], keyed by the override's
//! path in [`FormConfig`] (`section.field`). A prescription whose override is not a finite number
//! in its range is refused with the field, its range and the value. A test checks that every
//! numeric field of [`FormConfig`] has a row, so a new threshold cannot ship without its range:
//! add one row here.
//!
//! The ranges are wide (a therapist may tune a lot) but keep the engine meaningful: a confidence
//! floor is a probability, angles are angles, and times are long enough not to flood the user
//! (one cue per nanosecond exhausts memory) and short enough to happen in a session.
//!
//! [`FormConfig`]: crate::form::FormConfig

/// One threshold's allowed range (inclusive) and its unit, for messages.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limit {
    /// `section.field`, e.g. `side_plank.mark_every_s`.
    pub field: &'static str,
    pub min: f64,
    pub max: f64,
    /// "s", "deg", "torso lengths"...; empty for a plain number.
    pub unit: &'static str,
}

const fn l(field: &'static str, min: f64, max: f64, unit: &'static str) -> Limit {
    Limit { field, min, max, unit }
}

const S: &str = "s";
const DEG: &str = "deg";
const TL: &str = "torso lengths";
const HZ: &str = "Hz";

/// Every threshold's range.
pub const LIMITS: &[Limit] = &[
    // common
    l("common.min_score", 0.05, 0.95, ""),
    l("common.filter_min_cutoff_hz", 0.01, 30.0, HZ),
    l("common.filter_beta", 0.0, 10.0, ""),
    l("common.filter_d_cutoff_hz", 0.01, 30.0, HZ),
    l("common.side_view_max_width", 0.05, 1.5, TL),
    l("common.front_view_min_width", 0.05, 2.0, TL),
    l("common.view_min_s", 0.0, 5.0, S),
    l("common.wrong_view_cue_after_s", 0.0, 30.0, S),
    l("common.not_in_view_after_s", 0.0, 10.0, S),
    l("common.fault_min_s", 0.0, 5.0, S),
    l("common.fault_clear_s", 0.0, 5.0, S),
    l("common.state_min_s", 0.0, 5.0, S),
    l("common.max_frame_gap_s", 0.05, 5.0, S),
    l("common.torso_decay_per_s", 0.0, 1.0, "per s"),
    l("common.world_view_max_deg", 0.0, 90.0, DEG),
    l("common.world_view_band_deg", 0.0, 45.0, DEG),
    // hinge
    l("hinge.standing_max_trunk_deg", 0.0, 45.0, DEG),
    l("hinge.min_depth_trunk_deg", 5.0, 90.0, DEG),
    l("hinge.rep_boundary_margin_deg", 0.0, 30.0, DEG),
    l("hinge.spine_min_trunk_deg", 0.0, 90.0, DEG),
    l("hinge.head_min_deg", 90.0, 270.0, DEG),
    l("hinge.head_max_deg", 90.0, 270.0, DEG),
    l("hinge.thoracic_max_offset", 0.0, 0.5, TL),
    l("hinge.fold_max_hip_deg", 0.0, 180.0, DEG),
    l("hinge.fold_min_knee_deg", 0.0, 180.0, DEG),
    l("hinge.contour_max_gap", 0.0, 0.5, TL),
    l("hinge.dowel_max_gap", 0.0, 0.5, TL),
    l("hinge.squat_knee_flexion_deg", 0.0, 120.0, DEG),
    l("hinge.locked_knee_flexion_deg", 0.0, 60.0, DEG),
    l("hinge.lockout_hip_deg", 90.0, 180.0, DEG),
    l("hinge.lean_back_deg", 0.0, 45.0, DEG),
    l("hinge.min_lowering_s", 0.0, 10.0, S),
    l("hinge.top_window_s", 0.0, 10.0, S),
    l("hinge.rep_fault_min_s", 0.0, 5.0, S),
    l("hinge.attempt_min_trunk_deg", 0.0, 90.0, DEG),
    // bird dog
    l("bird_dog.quadruped_max_tilt_deg", 0.0, 60.0, DEG),
    l("bird_dog.setup_max_offset", 0.0, 1.0, TL),
    l("bird_dog.arm_reach_deg", 90.0, 180.0, DEG),
    l("bird_dog.leg_reach_hip_deg", 90.0, 180.0, DEG),
    l("bird_dog.leg_reach_knee_deg", 90.0, 180.0, DEG),
    l("bird_dog.leg_reach_min_behind", 0.0, 2.0, TL),
    l("bird_dog.leg_lift_hip_deg", 90.0, 180.0, DEG),
    l("bird_dog.reach_high_deg", 0.0, 90.0, DEG),
    l("bird_dog.back_tilt_deg", 0.0, 45.0, DEG),
    l("bird_dog.hip_shift_max", 0.0, 1.0, TL),
    l("bird_dog.hip_rotation_max", 0.0, 1.0, TL),
    l("bird_dog.min_pause_s", 0.0, 10.0, S),
    l("bird_dog.full_reach_margin_deg", 0.0, 45.0, DEG),
    l("bird_dog.reach_hysteresis_deg", 0.0, 45.0, DEG),
    l("bird_dog.leg_unseen_max_s", 0.0, 30.0, S),
    // side plank
    l("side_plank.sag_max_offset", 0.0, 1.0, TL),
    l("side_plank.pike_max_offset", 0.0, 1.0, TL),
    l("side_plank.hips_down_offset", 0.0, 2.0, TL),
    l("side_plank.head_drop_deg", 0.0, 90.0, DEG),
    l("side_plank.elbow_max_offset", 0.0, 1.0, TL),
    l("side_plank.support_min_drop", 0.0, 1.0, TL),
    l("side_plank.max_body_incline_deg", 0.0, 90.0, DEG),
    l("side_plank.knees_variant_max_knee_deg", 0.0, 180.0, DEG),
    l("side_plank.knees_variant_max_shin_ratio", 0.0, 1.0, ""),
    l("side_plank.hand_variant_min_elbow_deg", 90.0, 180.0, DEG),
    l("side_plank.major_fault_pause_s", 0.0, 30.0, S),
    l("side_plank.hold_start_min_s", 0.0, 10.0, S),
    l("side_plank.hold_end_min_s", 0.0, 10.0, S),
    l("side_plank.hold_lost_view_s", 0.0, 30.0, S),
    l("side_plank.max_line_change", 0.0, 1.0, "fraction"),
    l("side_plank.target_s", 5.0, 120.0, S),
    l("side_plank.mark_every_s", 1.0, 120.0, S),
    // cues
    l("cues.fault_persist_s", 0.0, 10.0, S),
    l("cues.repeat_cooldown_s", 0.0, 120.0, S),
    l("cues.not_in_view_cooldown_s", 0.0, 120.0, S),
    l("cues.not_in_view_cue_after_s", 0.0, 30.0, S),
    l("cues.speak_s", 0.1, 10.0, S),
    l("cues.event_expiry_s", 0.0, 30.0, S),
    l("cues.praise_every_s", 0.0, 600.0, S),
];

/// The range of `field` (`section.field`), if it has one.
#[must_use]
pub fn limit_for(field: &str) -> Option<&'static Limit> {
    LIMITS.iter().find(|l| l.field == field)
}

/// Why an override's value is refused: a sentence naming the field, its range and the value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{field} must be a number from {min} to {max}{unit}, not {value}")]
pub struct OutOfRange {
    pub field: String,
    pub min: f64,
    pub max: f64,
    /// " s", " deg"... (with its space), or empty.
    pub unit: String,
    pub value: String,
}

/// Checks one numeric override `field` = `value` against its range. A field without a row is
/// only required to be finite (a test keeps that from happening for [`crate::form::FormConfig`]).
///
/// # Errors
/// [`OutOfRange`] for a value that is not finite or outside the range.
pub fn check(field: &str, value: f64) -> Result<(), OutOfRange> {
    let limit = limit_for(field);
    let ok = value.is_finite() && limit.is_none_or(|l| (l.min..=l.max).contains(&value));
    if ok {
        return Ok(());
    }
    let (min, max, unit) = limit.map_or((f64::MIN, f64::MAX, ""), |l| (l.min, l.max, l.unit));
    Err(OutOfRange {
        field: field.to_string(),
        min,
        max,
        unit: if unit.is_empty() { String::new() } else { format!(" {unit}") },
        value: value.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::FormConfig;

    /// Every numeric leaf of a TOML table, as `section.field` and its value.
    fn numeric_leaves(t: &toml::Table, prefix: &str, out: &mut Vec<(String, f64)>) {
        for (k, v) in t {
            let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
            match v {
                toml::Value::Table(t) => numeric_leaves(t, &path, out),
                toml::Value::Float(f) => out.push((path, *f)),
                toml::Value::Integer(i) => out.push((path, *i as f64)),
                _ => {}
            }
        }
    }

    #[test]
    fn every_threshold_has_a_range_that_holds_its_default() {
        let defaults = toml::Table::try_from(FormConfig::default()).expect("the config serialises");
        let mut leaves = Vec::new();
        numeric_leaves(&defaults, "", &mut leaves);
        assert!(leaves.len() > 50, "{} thresholds", leaves.len());
        for (field, value) in &leaves {
            let l = limit_for(field).unwrap_or_else(|| panic!("{field} has no range: add a row to LIMITS"));
            assert!(l.min < l.max, "{field}");
            assert!(check(field, *value).is_ok(), "{field}'s default {value} is outside {}..={}", l.min, l.max);
        }
        for l in LIMITS {
            assert!(leaves.iter().any(|(f, _)| f == l.field), "{} is not a threshold of FormConfig", l.field);
        }
    }

    #[test]
    fn out_of_range_and_non_finite_values_are_refused_with_the_field_and_range() {
        let e = check("side_plank.mark_every_s", 1e-9).unwrap_err().to_string();
        assert_eq!(e, "side_plank.mark_every_s must be a number from 1 to 120 s, not 0.000000001");
        assert!(check("common.min_score", 7.0).unwrap_err().to_string().contains("from 0.05 to 0.95"));
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert!(check("hinge.min_depth_trunk_deg", bad).is_err(), "{bad}");
        }
        assert!(check("common.not_in_view_after_s", -562.6).is_err());
        assert!(check("side_plank.mark_every_s", 1.0).is_ok());
        assert!(check("side_plank.mark_every_s", 120.0).is_ok());
    }
}
