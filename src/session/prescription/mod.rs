//! The therapist's prescription: a TOML file saying which exercises, how many sets and reps (or hold
//! seconds per side), tempo, side-plank variant, rest, patient-facing notes, and per-exercise
//! overrides of any [`FormConfig`] threshold.
//!
//! ```toml
//! notes = "Move slowly. A mild ache (up to 3/10) is fine; sharp pain is not."
//!
//! [[exercise]]
//! name = "hinge"
//! sets = 3
//! reps = 6
//! tempo = "3-1-2"        # seconds down - pause - up
//! rest_s = 60
//! target_trunk_lean_deg = 60   # optional range-of-motion targets, see ROM_TARGET_RANGES
//! [exercise.overrides.hinge]
//! min_depth_trunk_deg = 35.0
//!
//! [[exercise]]
//! name = "side-plank"
//! sets = 1
//! hold_s = 20            # per side
//! variant = "elbow-knees"
//! ```
//!
//! Parsing is strict (`deny_unknown_fields` everywhere, including the overrides, which reuse
//! [`FormConfig`]'s serde) and every error, syntactic or semantic, says where: line, column and the
//! key path (e.g. `exercise[1].reps`), see [`PrescriptionError`].

use crate::form::{Exercise, FormConfig, RomTargets};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::Range;
use std::path::Path;

pub mod limits;
mod locate;

pub use locate::{PrescriptionError, line_col};
use locate::{Seg, SpanIndex, path_string};

/// Rep limits a prescription may ask for (per set; per side for the bird dog).
pub(crate) const REPS_RANGE: std::ops::RangeInclusive<u32> = 1..=50;
/// Set limits.
pub(crate) const SETS_RANGE: std::ops::RangeInclusive<u32> = 1..=10;
/// Hold limits (s per side).
pub(crate) const HOLD_RANGE_S: std::ops::RangeInclusive<f64> = 5.0..=120.0;
/// Rest limits (s).
pub(crate) const REST_RANGE_S: std::ops::RangeInclusive<f64> = 0.0..=600.0;
/// Range-of-motion targets: the key, the exercise it applies to, the limits (deg) and what the
/// angle is. Trunk lean: 0 upright, 90 horizontal (a hinge rep needs about 30 to count).
/// Hip flexion: 0 trunk in line with the thigh. The bird dog's elevations are against the trunk
/// line, 0 = in line ("reach long"), negative = below it; above 15 is the `reach_high` fault, so no
/// target may ask for it.
pub const ROM_TARGET_RANGES: [(&str, Exercise, std::ops::RangeInclusive<f32>, &str); 4] = [
    ("target_trunk_lean_deg", Exercise::Hinge, 15.0..=120.0, "degrees from vertical, 90 = trunk horizontal"),
    ("target_hip_flexion_deg", Exercise::Hinge, 15.0..=150.0, "degrees, 0 = trunk in line with the thigh"),
    (
        "target_arm_elevation_deg",
        Exercise::BirdDog,
        -60.0..=15.0,
        "degrees against the trunk line, 0 = in line, negative = below it",
    ),
    (
        "target_leg_elevation_deg",
        Exercise::BirdDog,
        -60.0..=15.0,
        "degrees against the trunk line, 0 = in line, negative = below it",
    ),
];

/// A whole prescription.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prescription {
    /// A title for the plan, e.g. "Weeks 1-2: calm things down".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Notes shown to the patient before the session.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub notes: String,
    /// The exercises, in the order they are done.
    #[serde(rename = "exercise", default)]
    pub exercises: Vec<ExercisePlan>,
}

/// One prescribed exercise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExercisePlan {
    /// Which exercise: "hinge", "bird-dog" or "side-plank".
    pub name: Exercise,
    /// Number of sets.
    pub sets: u32,
    /// Reps per set (per side for the bird dog). Required for the hinge and the bird dog.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reps: Option<u32>,
    /// Side plank: seconds in form per side per set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hold_s: Option<f64>,
    /// Tempo, seconds per phase: "down-pause-up", e.g. "3-1-2" (2 to 4 numbers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tempo: Option<String>,
    /// Side plank variant: "elbow-knees", "elbow-feet", "hand-knees", "hand-feet" (also "knees" and
    /// "feet", on the elbow).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<SidePlankVariant>,
    /// Rest between sets (s).
    #[serde(default = "default_rest_s")]
    pub rest_s: f64,
    /// Notes for this exercise shown to the patient.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Hinge: the peak trunk lean from vertical each rep should reach (deg, see
    /// [`ROM_TARGET_RANGES`]); each rep reports its peak against it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_trunk_lean_deg: Option<f32>,
    /// Hinge: the peak hip flexion each rep should reach (deg; 180 − shoulder-hip-knee).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_hip_flexion_deg: Option<f32>,
    /// Bird dog: the peak elevation of the reaching arm against the trunk line (deg; 0 = in line,
    /// negative = below it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_arm_elevation_deg: Option<f32>,
    /// Bird dog: the peak elevation of the extended leg against the trunk line (deg; 0 = in line,
    /// negative = below it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_leg_elevation_deg: Option<f32>,
    /// Threshold overrides, as a partial [`FormConfig`] (`[exercise.overrides.hinge]`,
    /// `[exercise.overrides.cues]`, ...). Kept as written so a saved plan round-trips; validated
    /// against [`FormConfig`] when parsed.
    #[serde(default, skip_serializing_if = "toml::Table::is_empty")]
    pub overrides: toml::Table,
}

fn default_rest_s() -> f64 {
    60.0
}

/// Side plank variant: support (elbow or hand) and base (knees or feet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SidePlankVariant {
    /// On the hand (straight arm) rather than the forearm.
    pub hand: bool,
    /// On the feet rather than the knees (harder).
    pub feet: bool,
}

impl SidePlankVariant {
    /// Forearm and knees: the easiest.
    pub const ELBOW_KNEES: Self = Self { hand: false, feet: false };
    /// Forearm and feet.
    pub const ELBOW_FEET: Self = Self { hand: false, feet: true };

    /// "elbow-knees", ... as in [`crate::form::HoldRecord::variant`].
    #[must_use]
    pub(crate) fn name(self) -> &'static str {
        match (self.hand, self.feet) {
            (false, false) => "elbow-knees",
            (false, true) => "elbow-feet",
            (true, false) => "hand-knees",
            (true, true) => "hand-feet",
        }
    }
}

/// A side plank variant that is not one of the four.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown side plank variant `{0}`, expected one of `knees`, `feet`, `elbow-knees`, `elbow-feet`, `hand-knees`, `hand-feet`"
)]
pub struct UnknownVariant(pub String);

impl TryFrom<String> for SidePlankVariant {
    type Error = UnknownVariant;
    fn try_from(s: String) -> Result<Self, UnknownVariant> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "knees" | "elbow-knees" => Ok(Self { hand: false, feet: false }),
            "feet" | "elbow-feet" => Ok(Self { hand: false, feet: true }),
            "hand-knees" => Ok(Self { hand: true, feet: false }),
            "hand-feet" => Ok(Self { hand: true, feet: true }),
            _ => Err(UnknownVariant(s)),
        }
    }
}

impl From<SidePlankVariant> for String {
    fn from(v: SidePlankVariant) -> String {
        v.name().to_string()
    }
}

impl fmt::Display for SidePlankVariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Only the overrides, deserialised as [`FormConfig`] in place so unknown or mistyped thresholds
/// are reported with their position in the file.
#[derive(Deserialize)]
struct OverridesOnly {
    #[serde(rename = "exercise", default)]
    #[allow(dead_code)] // read only to validate
    exercises: Vec<OverridesPlan>,
}

#[derive(Deserialize)]
struct OverridesPlan {
    #[serde(default)]
    #[allow(dead_code)] // read only to validate
    overrides: FormConfig,
}

impl Prescription {
    /// The day-one plan of the source article: 3 x 6 hip hinges (slow), 6 bird dogs per side,
    /// 20 s side plank per side (on the knees, the easier variant, to start).
    #[must_use]
    pub fn default_plan() -> Self {
        Self {
            title: Some("Day one".into()),
            notes: "Move slowly and breathe. A mild ache (up to 3 out of 10) is fine and should settle \
                    within a day; sharp or lingering pain means stop and tell your therapist."
                .into(),
            exercises: vec![
                ExercisePlan {
                    name: Exercise::Hinge,
                    sets: 3,
                    reps: Some(6),
                    hold_s: None,
                    tempo: Some("3-1-2".into()),
                    variant: None,
                    rest_s: 60.0,
                    notes: Some("Keep the dowel on your head, upper back and tailbone.".into()),
                    overrides: toml::Table::new(),
                    target_trunk_lean_deg: None,
                    target_hip_flexion_deg: None,
                    target_arm_elevation_deg: None,
                    target_leg_elevation_deg: None,
                },
                ExercisePlan {
                    name: Exercise::BirdDog,
                    sets: 1,
                    reps: Some(6),
                    hold_s: None,
                    tempo: None,
                    variant: None,
                    rest_s: 30.0,
                    notes: Some("Reach long, not high. Pause at full reach.".into()),
                    overrides: toml::Table::new(),
                    target_trunk_lean_deg: None,
                    target_hip_flexion_deg: None,
                    target_arm_elevation_deg: None,
                    target_leg_elevation_deg: None,
                },
                ExercisePlan {
                    name: Exercise::SidePlank,
                    sets: 1,
                    reps: None,
                    hold_s: Some(20.0),
                    tempo: None,
                    variant: Some(SidePlankVariant::ELBOW_KNEES),
                    rest_s: 30.0,
                    notes: None,
                    overrides: toml::Table::new(),
                    target_trunk_lean_deg: None,
                    target_hip_flexion_deg: None,
                    target_arm_elevation_deg: None,
                    target_leg_elevation_deg: None,
                },
            ],
        }
    }

    /// Reads and parses a prescription file.
    ///
    /// # Errors
    /// When the file cannot be read (line 1, column 1) or does not parse or validate.
    pub fn from_file(path: &Path) -> Result<Self, PrescriptionError> {
        let file = Some(path.display().to_string());
        let text = std::fs::read_to_string(path).map_err(|e| PrescriptionError {
            line: 1,
            column: 1,
            path: String::new(),
            message: format!("cannot read the file: {e}"),
            file: file.clone(),
        })?;
        Self::from_toml(&text).map_err(|e| PrescriptionError { file, ..e })
    }

    /// Parses and validates a prescription.
    ///
    /// # Errors
    /// The first problem found, with line, column and key path.
    pub fn from_toml(text: &str) -> Result<Self, PrescriptionError> {
        let index = SpanIndex::new(text);
        let at_span = |span: Option<Range<usize>>, path: String, message: String| {
            let (line, column) = span.map_or((1, 1), |s| line_col(text, s.start));
            PrescriptionError { line, column, path, message, file: None }
        };
        let from_toml_err = |e: toml::de::Error| {
            let span = e.span();
            let mut path = span.as_ref().map(|s| index.path_at(text, s.start)).unwrap_or_default();
            let message = e.message().trim().to_string();
            // "missing field `sets`" points at the table: name the field in the path.
            if let Some(field) = message.strip_prefix("missing field `").and_then(|m| m.split('`').next()) {
                path.push(Seg::Key(field.to_string()));
            }
            at_span(span, path_string(&path), message)
        };
        let plan: Prescription = toml::from_str(text).map_err(from_toml_err)?;
        toml::from_str::<OverridesOnly>(text).map_err(from_toml_err)?;
        let err = |path: Vec<Seg>, message: String| {
            let span = index.span_of(&path).or_else(|| index.span_of(&path[..path.len().saturating_sub(1)]));
            at_span(span, path_string(&path), message)
        };
        if plan.exercises.is_empty() {
            return Err(err(vec![], "no exercise: add at least one [[exercise]] table".into()));
        }
        for (i, ex) in plan.exercises.iter().enumerate() {
            let field = |name: &str| vec![Seg::Key("exercise".into()), Seg::Index(i), Seg::Key(name.into())];
            if let Some(j) = plan.exercises[..i].iter().position(|o| o.name == ex.name) {
                let (line, _) = index
                    .span_of(&[Seg::Key("exercise".into()), Seg::Index(j)])
                    .map_or((0, 0), |s| line_col(text, s.start));
                return Err(err(
                    field("name"),
                    format!(
                        "{} is already prescribed (exercise[{j}], line {line}): give it more sets instead",
                        ex.name
                    ),
                ));
            }
            if !SETS_RANGE.contains(&ex.sets) {
                return Err(err(
                    field("sets"),
                    format!("sets must be {} to {}, not {}", SETS_RANGE.start(), SETS_RANGE.end(), ex.sets),
                ));
            }
            match ex.name {
                Exercise::Hinge | Exercise::BirdDog => {
                    let Some(reps) = ex.reps else {
                        let per = if ex.name == Exercise::BirdDog { " per side" } else { "" };
                        return Err(err(field("name"), format!("{} needs `reps` (per set{per})", ex.name)));
                    };
                    if !REPS_RANGE.contains(&reps) {
                        return Err(err(
                            field("reps"),
                            format!("reps must be {} to {}, not {reps}", REPS_RANGE.start(), REPS_RANGE.end()),
                        ));
                    }
                    if ex.hold_s.is_some() {
                        return Err(err(
                            field("hold_s"),
                            format!("{} is counted in reps: `hold_s` is for the side plank", ex.name),
                        ));
                    }
                    if ex.variant.is_some() {
                        return Err(err(field("variant"), "`variant` is for the side plank".into()));
                    }
                }
                Exercise::SidePlank => {
                    let Some(hold) = ex.hold_s else {
                        return Err(err(field("name"), "side-plank needs `hold_s` (seconds per side)".into()));
                    };
                    if !HOLD_RANGE_S.contains(&hold) {
                        return Err(err(
                            field("hold_s"),
                            format!("hold_s must be {} to {} s, not {hold}", HOLD_RANGE_S.start(), HOLD_RANGE_S.end()),
                        ));
                    }
                    if ex.reps.is_some() {
                        return Err(err(field("reps"), "the side plank is held: use `hold_s`, not `reps`".into()));
                    }
                }
            }
            if !REST_RANGE_S.contains(&ex.rest_s) {
                return Err(err(
                    field("rest_s"),
                    format!("rest_s must be {} to {} s, not {}", REST_RANGE_S.start(), REST_RANGE_S.end(), ex.rest_s),
                ));
            }
            if let Some(t) = &ex.tempo
                && let Err(m) = parse_tempo(t)
            {
                return Err(err(field("tempo"), m.to_string()));
            }
            if let Err((key, m)) = ex.check_rom_targets() {
                return Err(err(field(key), m));
            }
            let own = match ex.name {
                Exercise::Hinge => "hinge",
                Exercise::BirdDog => "bird_dog",
                Exercise::SidePlank => "side_plank",
            };
            for key in ex.overrides.keys() {
                let other = ["hinge", "bird_dog", "side_plank"].contains(&key.as_str()) && key != own;
                if other {
                    let mut p = field("overrides");
                    p.push(Seg::Key(key.clone()));
                    return Err(err(
                        p,
                        format!("overrides for {key} have no effect on {}: use [exercise.overrides.{own}]", ex.name),
                    ));
                }
            }
            // Every numeric override in its range (see `limits`): the table's leaves, by path.
            let mut leaves = Vec::new();
            numeric_leaves(&ex.overrides, &mut Vec::new(), &mut leaves);
            for (keys, value) in leaves {
                if let Err(e) = limits::check(&keys.join("."), value) {
                    let mut p = field("overrides");
                    p.extend(keys.into_iter().map(Seg::Key));
                    return Err(err(p, e.to_string()));
                }
            }
        }
        Ok(plan)
    }

    /// The plan as TOML (round-trips through [`Prescription::from_toml`]).
    ///
    /// # Panics
    /// Never: every field serialises.
    #[must_use]
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("a prescription serialises")
    }

    /// The plan for an exercise, if prescribed.
    #[must_use]
    pub fn plan_for(&self, exercise: Exercise) -> Option<&ExercisePlan> {
        self.exercises.iter().find(|e| e.name == exercise)
    }

    /// The form engine's thresholds for an exercise under this plan: [`effective_config`].
    #[must_use]
    pub fn config_for(&self, exercise: Exercise) -> FormConfig {
        effective_config(Some(self), exercise)
    }

    /// A few lines for a terminal: the dose of each exercise.
    #[must_use]
    pub fn summary(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        if let Some(t) = &self.title {
            let _ = writeln!(out, "{t}");
        }
        for ex in &self.exercises {
            let _ = writeln!(out, "  {}", ex.dose_text());
        }
        if !self.notes.is_empty() {
            let _ = writeln!(out, "  notes: {}", self.notes);
        }
        out
    }
}

impl ExercisePlan {
    /// The range-of-motion targets this plan sets (none set: all `None`).
    #[must_use]
    pub fn rom_targets(&self) -> RomTargets {
        RomTargets {
            trunk_lean_deg: self.target_trunk_lean_deg,
            hip_flexion_deg: self.target_hip_flexion_deg,
            arm_elevation_deg: self.target_arm_elevation_deg,
            leg_elevation_deg: self.target_leg_elevation_deg,
        }
    }

    /// Each target set is for this exercise and within [`ROM_TARGET_RANGES`]; else the key and
    /// what is wrong.
    fn check_rom_targets(&self) -> Result<(), (&'static str, String)> {
        let set = [
            self.target_trunk_lean_deg,
            self.target_hip_flexion_deg,
            self.target_arm_elevation_deg,
            self.target_leg_elevation_deg,
        ];
        for ((key, exercise, range, what), value) in ROM_TARGET_RANGES.iter().zip(set) {
            let Some(v) = value else { continue };
            if *exercise != self.name {
                return Err((key, format!("`{key}` is a {} target, not one for {}", exercise, self.name)));
            }
            if !v.is_finite() || !range.contains(&v) {
                return Err((key, format!("{key} must be {} to {} ({what}), not {v}", range.start(), range.end())));
            }
        }
        Ok(())
    }

    /// "Hip hinge: 3 x 6 reps, tempo 3-1-2, rest 60 s" and the like.
    #[must_use]
    pub fn dose_text(&self) -> String {
        let mut s = format!("{}: {} x ", self.name.label(), self.sets);
        match (self.name, self.reps, self.hold_s) {
            (Exercise::BirdDog, Some(r), _) => s.push_str(&format!("{r} reps per side")),
            (_, Some(r), _) => s.push_str(&format!("{r} reps")),
            (_, None, Some(h)) => s.push_str(&format!("{h:.0} s hold per side")),
            _ => s.push('?'),
        }
        if let Some(v) = self.variant {
            s.push_str(&format!(", {v}"));
        }
        if let Some(t) = &self.tempo {
            s.push_str(&format!(", tempo {t}"));
        }
        s.push_str(&format!(", rest {:.0} s", self.rest_s));
        let targets = self.rom_targets();
        for m in crate::form::RomMeasure::ALL {
            if let Some(t) = targets.get(m) {
                s.push_str(&format!(", target {} {t:.0}°", m.label()));
            }
        }
        if !self.overrides.is_empty() {
            s.push_str(&format!(", {} threshold override(s)", count_leaves(&self.overrides)));
        }
        s
    }

    /// Total reps prescribed for the exercise (both sides for the bird dog), if counted in reps.
    #[must_use]
    pub(crate) fn total_reps(&self) -> Option<u32> {
        let per_side = if self.name == Exercise::BirdDog { 2 } else { 1 };
        self.reps.map(|r| r * self.sets * per_side)
    }

    /// Holds prescribed (one per side per set), if held.
    #[must_use]
    pub(crate) fn total_holds(&self) -> Option<u32> {
        self.hold_s.map(|_| self.sets * 2)
    }
}

/// THE form engine's config for `exercise`: the defaults, then the prescription's overrides for
/// it, then the side plank's hold target from `hold_s` and the range-of-motion targets from the
/// `target_*_deg` keys. Every path that judges form uses it: live,
/// `analyze` (with or without `--save`), re-judging a saved JSON, the review and the report. No
/// prescription (or none for this exercise): the defaults.
#[must_use]
pub fn effective_config(plan: Option<&Prescription>, exercise: Exercise) -> FormConfig {
    let Some(p) = plan.and_then(|plan| plan.plan_for(exercise)) else { return FormConfig::default() };
    // Validated when parsed; a plan built in code with bad overrides gets the defaults.
    let mut cfg = toml::Value::Table(p.overrides.clone()).try_into::<FormConfig>().unwrap_or_default();
    if let (Exercise::SidePlank, Some(h)) = (exercise, p.hold_s) {
        cfg.side_plank.target_s = h;
    }
    cfg.rom = p.rom_targets();
    cfg
}

/// Every numeric leaf of an overrides table: its key path and value.
fn numeric_leaves(t: &toml::Table, prefix: &mut Vec<String>, out: &mut Vec<(Vec<String>, f64)>) {
    for (k, v) in t {
        prefix.push(k.clone());
        match v {
            toml::Value::Table(t) => numeric_leaves(t, prefix, out),
            toml::Value::Float(f) => out.push((prefix.clone(), *f)),
            #[allow(clippy::cast_precision_loss)] // a threshold is not near 2^53
            toml::Value::Integer(i) => out.push((prefix.clone(), *i as f64)),
            _ => {}
        }
        prefix.pop();
    }
}

fn count_leaves(t: &toml::Table) -> usize {
    t.values().map(|v| if let toml::Value::Table(t) = v { count_leaves(t) } else { 1 }).sum()
}

/// A tempo that is not 2 to 4 numbers of seconds joined by '-'.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("tempo `{0}` should be 2 to 4 numbers of seconds (0 to 10) joined by '-', e.g. \"3-1-2\"")]
pub(crate) struct BadTempo(pub String);

/// Parses a tempo "3-1-2" into seconds per phase.
///
/// # Errors
/// [`BadTempo`], which says what a tempo looks like.
pub(crate) fn parse_tempo(t: &str) -> Result<Vec<f64>, BadTempo> {
    let parts: Vec<&str> = t.split('-').map(str::trim).collect();
    let bad = || BadTempo(t.to_string());
    if !(2..=4).contains(&parts.len()) {
        return Err(bad());
    }
    parts.iter().map(|p| p.parse::<f64>().ok().filter(|v| (0.0..=10.0).contains(v)).ok_or_else(bad)).collect()
}
