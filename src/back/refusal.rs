//! Why the mask could not judge a frame, and how that is said to people.

use serde::{Deserialize, Serialize};

/// Why the contour could not be used (the caller falls back to keypoints).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum Unreliable {
    #[error("shoulder or hip missing")]
    MissingKeypoints,
    #[error("not a profile view (shoulders and hips too wide apart)")]
    NotProfile,
    #[error("torso too small in the mask")]
    TooSmall,
    #[error("mask area too small or too large")]
    Area,
    #[error("hip or shoulder outside the mask")]
    AxisOutsideMask,
    #[error("dorsal edge not found along enough of the back")]
    EdgeNotFound,
    #[error("dorsal edge too ragged or blurred")]
    RaggedEdge,
    #[error("an arm lies on the back's outline")]
    ArmOnBack,
    #[error("measurement jumped from the previous frame")]
    Inconsistent,
}

impl Unreliable {
    pub const ALL: [Unreliable; 9] = [
        Unreliable::MissingKeypoints,
        Unreliable::NotProfile,
        Unreliable::TooSmall,
        Unreliable::Area,
        Unreliable::AxisOutsideMask,
        Unreliable::EdgeNotFound,
        Unreliable::RaggedEdge,
        Unreliable::ArmOnBack,
        Unreliable::Inconsistent,
    ];

    /// A short stable id (as serialised), for records and reports.
    #[must_use]
    pub fn id(self) -> &'static str {
        match self {
            Unreliable::MissingKeypoints => "missing_keypoints",
            Unreliable::NotProfile => "not_profile",
            Unreliable::TooSmall => "too_small",
            Unreliable::Area => "area",
            Unreliable::AxisOutsideMask => "axis_outside_mask",
            Unreliable::EdgeNotFound => "edge_not_found",
            Unreliable::RaggedEdge => "ragged_edge",
            Unreliable::ArmOnBack => "arm_on_back",
            Unreliable::Inconsistent => "inconsistent",
        }
    }

    /// The reason with this id.
    #[must_use]
    pub(crate) fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|u| u.id() == id)
    }
}

/// The words for a refusal id in records (the id itself when unknown: a newer version wrote it).
#[must_use]
pub fn refusal_text(id: &str) -> String {
    Unreliable::from_id(id).map_or_else(|| id.replace('_', " "), |u| u.to_string())
}

/// " (the words)" for a rep's refusal id, or nothing: appended to "not judged".
#[must_use]
pub(crate) fn refusal_note(id: Option<&str>) -> String {
    id.map_or_else(String::new, |id| format!(" ({})", refusal_text(id)))
}
