//! The back itself, beyond keypoints: a person mask, the dorsal contour, a virtual dowel fitted to
//! it, and a real dowel when one is held (hip hinge, side view).
//!
//! Per frame (see [`BackAnalyzer::analyze`]):
//! 1. [`SegModel::segment`] runs the selfie model on the pose stage's tracked crop -> [`PersonMask`];
//! 2. [`trace_contour`] follows the back edge from the sacrum to the back of the head, and gates the
//!    mask (area, edge found along the back, an arm going on past its keypoints);
//! 3. [`DowelDetector::detect`] looks for a real dowel along the back in the same crop; when it
//!    finds one, the dowel is erased from the mask, the back traced again, and the three contacts
//!    checked against it where the back is seen. Without one, [`check_arms`] and [`check_edge`]
//!    gate the contour (arms over the back, ragged or blurred edge);
//! 4. [`fit_virtual_dowel`] rests a line on the sacrum and the upper back and measures, in torso
//!    lengths, how far the thoracic and lumbar back go past it or sag away, and where the back of
//!    the head is;
//! 5. [`BackAnalyzer`] adds the frame-to-frame consistency gate, decides `rounded_back`,
//!    `head_off_dowel` (and `arched_back`, reported only), and builds the [`BackOverlay`].
//!
//! A frame the mask cannot judge returns [`Unreliable`]: the caller falls back to the keypoint proxies.
//!
//! Thresholds ([`BackConfig`]) come from geometry, in torso lengths (shoulder-hip distance,
//! about 50 cm in an adult): 0.08 (about 4 cm) is the form rules' thoracic limit and is used for a
//! lost contact of the trunk and of the head; a normal lumbar hollow under a dowel is about a hand's
//! thickness (3-4 cm, 0.06-0.08), so an over-arch is a hollow deeper than 0.12 (6 cm).

mod analyzer;
pub mod contour;
pub mod dowel;
mod keypoints;
mod measure;
mod reading;
mod refusal;
pub mod seg;
mod stage;
pub mod vec2;
mod virtual_dowel;

use serde::{Deserialize, Serialize};

use crate::form::config::{FRONT_VIEW_MIN_WIDTH, TORSO_DECAY_PER_S};

pub use analyzer::BackAnalyzer;
pub use measure::{measure_back, measure_back_with};
pub use reading::{BackGaps, BackMethod, BackOverlay, BackReading, ContactName, OverlayContact};
pub(crate) use stage::BackStage;

pub use contour::P2;
pub(crate) use contour::{BackContour, check_arms, check_edge, trace_contour};
pub use dowel::{DowelContact, DowelDetector, RealDowel};
pub use keypoints::BackKeypoints;
pub(crate) use refusal::refusal_note;
pub use refusal::{Unreliable, refusal_text};
pub use seg::{PersonMask, SegError, SegModel, SegTimes, fit_to_frame, seg_region};
pub(crate) use virtual_dowel::{VirtualDowel, fit_trunk_line, fit_virtual_dowel};

/// Settings of the back module. Distances in torso lengths unless noted.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BackConfig {
    /// Not turned to the camera: mean shoulder/hip width over the running torso length (see
    /// [`BackKeypoints::torso_scale`]) below this (the form engine's `front_view_min_width`: what
    /// it would call a front view). A three-quarter view (up to about 45 degrees, ratio about 0.45
    /// for adult proportions) still shows the back's outline: bent over, the back rounds *up*,
    /// across the turn, so the rounding keeps its full size in the picture, and the trunk's
    /// foreshortening along its length is undone by the running torso length.
    pub max_width_ratio: f32,
    /// Mask probability at and above which a pixel is the person.
    pub mask_threshold: f32,
    /// The person must cover at least this fraction of the crop...
    pub min_area_fraction: f32,
    /// ...and at most this (a mask filling the crop has no edge to trace).
    pub max_area_fraction: f32,
    /// Torso length in mask pixels below which the back is too small to trace.
    pub min_torso_px: f32,
    /// Longest dorsal ray from the axis to the edge.
    pub max_ray: f32,
    /// Fraction of trunk stations that must find the edge.
    pub min_trunk_found: f32,
    /// Contour points within this distance of an arm (elbow, wrist, forearm, outer upper arm) are
    /// the arm, not the back, and are dropped.
    pub arm_radius: f32,
    /// An upper arm within this angle (degrees) of the trunk (shoulder -> hip), its elbow on the
    /// back's side, lies along the back: a near one covers the outline from the shoulder on.
    pub arm_along_back_deg: f32,
    /// Fraction of the thoracic zone that must remain after dropping arm points.
    pub min_thoracic_visible: f32,
    /// Largest mean |second difference| of the trunk contour (jaggedness).
    pub max_roughness: f32,
    /// Largest fraction of adjacent trunk points jumping more than `max_step`.
    pub max_jumps: f32,
    /// A step between neighbouring contour points (torso lengths) that a back's outline does not
    /// make: counted by `max_jumps`, and across a stretch an arm hides it refuses the frame (the
    /// arm goes on past where its keypoints put it).
    pub max_step: f32,
    /// Half the width of a held dowel (torso lengths; a 2-3 cm dowel on a torso of about 50 cm):
    /// the band erased from the mask around a detected dowel starts this far (less half a pixel)
    /// on the body's side of its centre line.
    pub dowel_half_width: f32,
    /// Smallest mean probability drop across the edge (1 = crisp, 0.5 = very soft).
    pub min_edge_contrast: f32,
    /// Largest fraction of contour points with a soft edge (probability drop below 0.5).
    pub max_soft_fraction: f32,
    /// Thoracic or lumbar back past the dowel line by more than this = contact lost (`rounded_back`).
    pub round_max_bulge: f32,
    /// Back of the head off the line (either way) by more than this = `head_off_dowel`.
    pub head_max_gap: f32,
    /// Lumbar hollow deeper than this = over-arched (reported, not a contact loss).
    pub arch_max_sag: f32,
    /// Consistency: largest change of the thoracic or head measure from the previous frame.
    pub max_frame_change: f32,
    /// Consistency: the previous frame counts only when at most this old (s).
    pub consistency_window_s: f64,
    /// Cadence (video): the mask runs on every `mask_every`-th frame (1 = every frame). In between,
    /// the last reading is carried forward only while the person holds still (see
    /// `carry_max_motion`); otherwise the frame is not judged by the mask.
    pub mask_every: u32,
    /// Largest movement of the hip, shoulder or ear (torso lengths) since the masked frame for its
    /// reading to stand for this frame: a stale reading must not judge another posture.
    pub carry_max_motion: f32,
    /// Video: the mask runs only while the trunk (hip to shoulder on the body's midline, see
    /// [`BackKeypoints::from_pose`]) leans at least this far from vertical (degrees); an upright
    /// frame is not judged by the mask (the form engine judges the contacts only from its
    /// `spine_min_trunk_deg`, 15 degrees). Below the engine's threshold, so that the first frame it
    /// judges has a masked predecessor for the consistency gate, and so that the engine's near-side
    /// trunk line, which can differ from the midline by a few degrees, never lands on an unmasked
    /// frame. 0 masks every frame.
    pub mask_min_trunk_deg: f32,
    /// Running torso length (video): how fast it shrinks toward a shorter torso, per second (as
    /// the form engine's `torso_decay_per_s`; it follows a longer one at once).
    pub torso_decay_per_s: f32,
    /// Real dowel: gap between the back and the dowel above this = contact lost.
    pub dowel_contact_max_gap: f32,
    /// Real dowel: fraction of the sacrum-to-head length the line must cover.
    pub dowel_min_coverage: f32,
    /// Real dowel: grey-level difference between the line and both its sides (0..255).
    pub dowel_min_contrast: f32,
}

impl Default for BackConfig {
    fn default() -> Self {
        Self {
            max_width_ratio: FRONT_VIEW_MIN_WIDTH,
            mask_threshold: 0.5,
            min_area_fraction: 0.02,
            max_area_fraction: 0.8,
            min_torso_px: 16.0,
            max_ray: 0.8,
            min_trunk_found: 0.85,
            arm_radius: 0.15,
            arm_along_back_deg: 35.0,
            min_thoracic_visible: 0.6,
            max_roughness: 0.03,
            max_jumps: 0.05,
            max_step: 0.08,
            dowel_half_width: 0.025,
            min_edge_contrast: 0.6,
            max_soft_fraction: 0.15,
            round_max_bulge: 0.08,
            head_max_gap: 0.08,
            arch_max_sag: 0.12,
            max_frame_change: 0.1,
            consistency_window_s: 0.25,
            torso_decay_per_s: TORSO_DECAY_PER_S,
            mask_every: 2,
            carry_max_motion: 0.03,
            mask_min_trunk_deg: 10.0,
            dowel_contact_max_gap: 0.05,
            dowel_min_coverage: 0.6,
            dowel_min_contrast: 20.0,
        }
    }
}
