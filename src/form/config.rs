//! Every threshold of the form engine, with the defaults of `docs/form-rules.md`.
//!
//! One serde struct so a therapist's prescription (TOML) can override any field; missing fields keep
//! their defaults (`#[serde(default)]` everywhere). Distances are in **torso lengths** (shoulder mid
//! to hip mid), angles in **degrees**, times in **seconds** of frame time.

use crate::pose::skeleton::MIN_KEYPOINT_SCORE;
use serde::{Deserialize, Serialize};

/// Mean shoulder and hip width over the torso length from which the view is a front view (the
/// default of `CommonConfig::front_view_min_width`, and of the back stage's profile gate).
pub(crate) const FRONT_VIEW_MIN_WIDTH: f32 = 0.5;
/// How fast a running torso length shrinks toward a shorter torso, per second (the default of
/// `CommonConfig::torso_decay_per_s`, and of the back stage's own running torso).
pub(crate) const TORSO_DECAY_PER_S: f32 = 0.1;

/// All thresholds, grouped by exercise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct FormConfig {
    /// Machinery shared by every exercise (visibility, view, smoothing, persistence).
    pub common: CommonConfig,
    /// Hip hinge with a dowel.
    pub hinge: HingeConfig,
    /// Bird dog.
    pub bird_dog: BirdDogConfig,
    /// Side plank.
    pub side_plank: SidePlankConfig,
    /// Cue policy.
    pub cues: CueConfig,
    /// Range-of-motion targets per rep. Not a threshold and not overridable here: set from the
    /// prescription's `target_*_deg` keys by `effective_config`.
    #[serde(skip)]
    pub rom: super::rom::RomTargets,
}

impl FormConfig {
    /// Parse a (partial) TOML prescription; absent fields keep the defaults.
    pub fn from_toml(text: &str) -> Result<Self, toml::de::Error> {
        toml::from_str(text)
    }
}

/// Shared machinery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CommonConfig {
    /// Keypoint confidence floor (0..1): below it a keypoint is *missing*, not zero.
    pub min_score: f32,
    /// One Euro filter minimum cutoff (Hz): lower = smoother but laggier when still.
    pub filter_min_cutoff_hz: f32,
    /// One Euro filter speed coefficient (per torso length/s): raises the cutoff when moving fast.
    pub filter_beta: f32,
    /// One Euro filter cutoff for the speed estimate (Hz).
    pub filter_d_cutoff_hz: f32,
    /// View is *side* when mean shoulder/hip width is below this many torso lengths (shoulders overlap).
    pub side_view_max_width: f32,
    /// View is *front* when mean shoulder/hip width is above this many torso lengths; in between the
    /// view keeps its last value (hysteresis band).
    pub front_view_min_width: f32,
    /// With world landmarks (BlazePose): the view is the exercise's own (side-on for the hinge and
    /// the bird dog, front-on for the side plank) while the body is turned at most this many
    /// degrees from it about the vertical; the rules then measure the body turned to that view
    /// (`form::world`), so a three-quarter view is judged.
    pub world_view_max_deg: f32,
    /// With world landmarks: the view turns to the other one only beyond `world_view_max_deg` plus
    /// this (deg); in between it keeps its last value (hysteresis band).
    pub world_view_band_deg: f32,
    /// A new view must persist this long (s) before the view changes.
    pub view_min_s: f64,
    /// The wrong view must last this long (s) before "turn" guidance is spoken.
    pub wrong_view_cue_after_s: f64,
    /// Key joints must be missing this long (s) before the body is "not in view"; shorter gaps are
    /// detector blinks and are bridged (states keep going, hold time is credited).
    pub not_in_view_after_s: f64,
    /// A fault condition must persist this long (s) before the fault starts (keypoint jitter).
    pub fault_min_s: f64,
    /// A fault condition must be absent this long (s) before the fault ends.
    pub fault_clear_s: f64,
    /// Minimum time (s) in a movement state before the state machine accepts the next transition.
    pub state_min_s: f64,
    /// Frame gaps longer than this (s) are not credited to any duration (dropped video, pauses).
    pub max_frame_gap_s: f64,
    /// Running torso-length estimate decays by this fraction per second toward the current
    /// measurement when that is shorter (torso foreshortens when bending toward the camera).
    pub torso_decay_per_s: f32,
}

impl Default for CommonConfig {
    fn default() -> Self {
        Self {
            min_score: MIN_KEYPOINT_SCORE,
            filter_min_cutoff_hz: 1.5,
            filter_beta: 0.5,
            filter_d_cutoff_hz: 1.0,
            side_view_max_width: 0.35,
            front_view_min_width: FRONT_VIEW_MIN_WIDTH,
            world_view_max_deg: 45.0,
            world_view_band_deg: 15.0,
            view_min_s: 0.5,
            wrong_view_cue_after_s: 1.0,
            not_in_view_after_s: 0.4,
            fault_min_s: 0.5,
            fault_clear_s: 0.3,
            state_min_s: 0.2,
            max_frame_gap_s: 0.5,
            torso_decay_per_s: TORSO_DECAY_PER_S,
        }
    }
}

/// Hip hinge with a dowel (side view).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HingeConfig {
    /// Standing: trunk (hip->shoulder) within this many degrees of vertical.
    pub standing_max_trunk_deg: f32,
    /// A rep must reach at least this trunk angle (deg) at the bottom; shallower dips are not reps.
    pub min_depth_trunk_deg: f32,
    /// A shallower dip is reported as an attempt (not counted) once the trunk stays past this angle
    /// (deg) for `common.state_min_s`; below it, it is a sway while standing.
    pub attempt_min_trunk_deg: f32,
    /// A rep starts/ends where the trunk is within this many degrees of its upright baseline.
    pub rep_boundary_margin_deg: f32,
    /// Spine rules are judged only when the trunk is inclined at least this much (deg).
    pub spine_min_trunk_deg: f32,
    /// Head contact proxy: ear-shoulder-hip angle must stay at or above this (deg; head down).
    pub head_min_deg: f32,
    /// Head contact proxy: ear-shoulder-hip angle must stay at or below this (deg; head up).
    pub head_max_deg: f32,
    /// Thoracic contact proxy: shoulder's dorsal distance from the ear-hip line above this (torso
    /// lengths) = upper back rounded off the dowel.
    pub thoracic_max_offset: f32,
    /// Fold evidence: hip angle (shoulder-hip-knee) below this (deg) with near-straight knees cannot
    /// come from the hips alone (hamstrings stop the pelvis), so the spine must be flexing.
    pub fold_max_hip_deg: f32,
    /// Fold evidence applies only when the knee angle is at least this (deg; legs near straight).
    pub fold_min_knee_deg: f32,
    /// Contour method (segmentation mask): gap between the back and the virtual dowel above this
    /// (torso lengths) = contact lost. The spec's thoracic figure; the mask's edge is not sharper.
    pub contour_max_gap: f32,
    /// Real dowel: gap between the back and the detected dowel above this (torso lengths) = contact
    /// lost. Tighter than the contour: a real stick is a sharp, straight reference.
    pub dowel_max_gap: f32,
    /// Squatting: knee flexion above this (deg) at the bottom = bending the knees instead of hinging.
    pub squat_knee_flexion_deg: f32,
    /// Locked knees (minor): knee flexion at the bottom below this (deg) = knees locked straight.
    pub locked_knee_flexion_deg: f32,
    /// No lockout: the rep ends with the hip angle never reaching this (deg; 180 = fully extended).
    pub lockout_hip_deg: f32,
    /// Leaning back: trunk more than this (deg) behind vertical at the top.
    pub lean_back_deg: f32,
    /// Too fast (minor): lowering phase shorter than this (s).
    pub min_lowering_s: f64,
    /// After the trunk returns upright, watch the top this long (s) for lockout and lean-back.
    pub top_window_s: f64,
    /// Faults judged once per rep (lean-back at the top) must hold at least this long (s).
    pub rep_fault_min_s: f64,
}

impl Default for HingeConfig {
    fn default() -> Self {
        Self {
            standing_max_trunk_deg: 15.0,
            min_depth_trunk_deg: 30.0,
            attempt_min_trunk_deg: 20.0,
            rep_boundary_margin_deg: 5.0,
            spine_min_trunk_deg: 15.0,
            head_min_deg: 165.0,
            head_max_deg: 195.0,
            thoracic_max_offset: 0.08,
            fold_max_hip_deg: 60.0,
            fold_min_knee_deg: 150.0,
            contour_max_gap: 0.08,
            dowel_max_gap: 0.05,
            squat_knee_flexion_deg: 40.0,
            locked_knee_flexion_deg: 8.0,
            lockout_hip_deg: 165.0,
            lean_back_deg: 10.0,
            min_lowering_s: 1.5,
            top_window_s: 1.5,
            rep_fault_min_s: 0.25,
        }
    }
}

/// Bird dog (side view, hands and knees).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BirdDogConfig {
    /// Quadruped: trunk within this many degrees of horizontal.
    pub quadruped_max_tilt_deg: f32,
    /// Setup: wrist under shoulder and knee under hip within this many torso lengths (horizontally).
    pub setup_max_offset: f32,
    /// Reach: shoulder flexion (hip-shoulder-elbow/wrist angle) at least this (deg).
    pub arm_reach_deg: f32,
    /// Reach: hip extension (shoulder-hip-knee angle) at least this (deg).
    pub leg_reach_hip_deg: f32,
    /// Reach: knee angle (hip-knee-ankle) at least this (deg) when the ankle is visible.
    pub leg_reach_knee_deg: f32,
    /// Reach with the ankle out of view: knee at least this far behind the hip along the trunk
    /// line (torso lengths); a bent-knee kick keeps the ankle in view, so it is still rejected.
    pub leg_reach_min_behind: f32,
    /// A leg is "lifting" once the shoulder-hip-knee angle passes this (deg); a rep starts there.
    pub leg_lift_hip_deg: f32,
    /// Reach high: wrist/ankle more than this (deg) above the trunk line.
    pub reach_high_deg: f32,
    /// Back not flat: trunk line tilts more than this (deg) away from its quadruped baseline.
    pub back_tilt_deg: f32,
    /// Hips rotate: hip height shifts more than this (torso lengths) from the quadruped baseline.
    pub hip_shift_max: f32,
    /// Hips rotate: the two hips' vertical separation changes more than this (torso lengths).
    pub hip_rotation_max: f32,
    /// Too fast (minor): pause at full reach shorter than this (s).
    pub min_pause_s: f64,
    /// "At full reach" = the thigh within this many degrees of its highest sweep in the rep.
    pub full_reach_margin_deg: f32,
    /// Hysteresis (deg): a leg or arm that reached stays "extended" until its angle falls this far
    /// below the reach threshold (keypoint jitter of a few degrees must not end a reach).
    pub reach_hysteresis_deg: f32,
    /// A reach stays open while the extended leg's knee is out of view (e.g. past the frame edge at
    /// full reach) for at most this long (s); "hold briefly" at full reach is a few seconds.
    pub leg_unseen_max_s: f64,
}

impl Default for BirdDogConfig {
    fn default() -> Self {
        Self {
            quadruped_max_tilt_deg: 30.0,
            setup_max_offset: 0.25,
            arm_reach_deg: 150.0,
            leg_reach_hip_deg: 150.0,
            leg_reach_knee_deg: 150.0,
            leg_reach_min_behind: 0.5,
            leg_lift_hip_deg: 120.0,
            reach_high_deg: 15.0,
            back_tilt_deg: 10.0,
            hip_shift_max: 0.15,
            hip_rotation_max: 0.12,
            min_pause_s: 1.0,
            full_reach_margin_deg: 8.0,
            reach_hysteresis_deg: 10.0,
            leg_unseen_max_s: 3.0,
        }
    }
}

/// Side plank (front view).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SidePlankConfig {
    /// Hips sag: hip more than this (torso lengths) below the shoulder->ankle line. The spec's 0.10:
    /// sagging hips bend the lumbar spine into extension, the fault that matters most for back pain.
    pub sag_max_offset: f32,
    /// Hips pike: hip more than this (torso lengths, about 25 degrees at the hip) above the line.
    /// Not the spec's symmetric 0.10: real planks labelled correct sit up to ~0.28 above the line
    /// (keypoints mark joint centres, not the back's surface), labelled "hips high" from ~0.5; and a
    /// mild pike unloads the lumbar spine rather than loading it. See the plank CSV test.
    pub pike_max_offset: f32,
    /// Hips back on the floor: hip this far (torso lengths) below the line ends the hold.
    pub hips_down_offset: f32,
    /// Head drop (minor): head more than this (deg) below the trunk line (toward the floor).
    pub head_drop_deg: f32,
    /// Elbow position: support point more than this (torso lengths) sideways from under the shoulder.
    pub elbow_max_offset: f32,
    /// Support: the supporting elbow/hand must be at least this far (torso lengths) below the shoulder.
    pub support_min_drop: f32,
    /// Plank line: body (shoulder->ankle) within this many degrees of horizontal (not standing or
    /// kneeling upright).
    pub max_body_incline_deg: f32,
    /// Knees variant: knee angle below this (deg) = on the knees.
    pub knees_variant_max_knee_deg: f32,
    /// Knees variant: apparent shin shorter than this fraction of the thigh (shin points away from
    /// the camera in a front view).
    pub knees_variant_max_shin_ratio: f32,
    /// Hand variant: elbow angle at least this (deg) with the wrist below the elbow = straight arm.
    pub hand_variant_min_elbow_deg: f32,
    /// The hold timer pauses once a major fault has lasted longer than this (s).
    pub major_fault_pause_s: f64,
    /// Plank position must persist this long (s) before a hold starts.
    pub hold_start_min_s: f64,
    /// Hips on the floor (or leaving the plank) must persist this long (s) before the hold ends.
    pub hold_end_min_s: f64,
    /// A hold ends when the body is out of view longer than this (s).
    pub hold_lost_view_s: f64,
    /// During a hold the body is rigid: a body line (shoulder to ankle, or knee) whose length in
    /// torso lengths differs from the hold's start by more than this fraction does not end at the
    /// real ankles (e.g. legs cut by the frame edge): the legs count as not in view. Sag or pike
    /// within the fault thresholds changes the length by under 2%, keypoint jitter by about 10%.
    pub max_line_change: f32,
    /// Target hold (s): "Switch sides" is spoken when reached.
    pub target_s: f64,
    /// Speak the hold time every this many seconds in form.
    pub mark_every_s: f64,
}

impl Default for SidePlankConfig {
    fn default() -> Self {
        Self {
            sag_max_offset: 0.10,
            pike_max_offset: 0.30,
            hips_down_offset: 0.30,
            head_drop_deg: 20.0,
            elbow_max_offset: 0.3,
            support_min_drop: 0.3,
            max_body_incline_deg: 40.0,
            knees_variant_max_knee_deg: 130.0,
            knees_variant_max_shin_ratio: 0.5,
            hand_variant_min_elbow_deg: 140.0,
            major_fault_pause_s: 1.0,
            hold_start_min_s: 0.5,
            hold_end_min_s: 0.5,
            hold_lost_view_s: 2.0,
            max_line_change: 0.25,
            target_s: 20.0,
            mark_every_s: 10.0,
        }
    }
}

/// How cues are scheduled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CueConfig {
    /// A fault must persist this long (s) before it is cued.
    pub fault_persist_s: f64,
    /// The same cue is not repeated within this many seconds.
    pub repeat_cooldown_s: f64,
    /// "Step back so your whole body is in view" at most this often (s).
    pub not_in_view_cooldown_s: f64,
    /// Not in view this long (s) before the step-back cue is spoken.
    pub not_in_view_cue_after_s: f64,
    /// Time (s) reserved for speaking one cue: no other cue starts within it (one at a time).
    pub speak_s: f64,
    /// One-shot cues (rep counts, marks, rep-level faults) are dropped if not spoken within this (s).
    pub event_expiry_s: f64,
    /// Praise ("Good rep") a clean rep at most this often (s).
    pub praise_every_s: f64,
    /// Speak rep counts aloud.
    pub count_reps: bool,
}

impl Default for CueConfig {
    fn default() -> Self {
        Self {
            fault_persist_s: 0.5,
            repeat_cooldown_s: 4.0,
            not_in_view_cooldown_s: 5.0,
            not_in_view_cue_after_s: 1.0,
            speak_s: 1.5,
            event_expiry_s: 3.0,
            praise_every_s: 15.0,
            count_reps: true,
        }
    }
}
