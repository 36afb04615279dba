//! One frame's judgement of the back ([`BackReading`]), what the screens draw of it, what the form
//! engine takes from it, and the per-rep summary.

use serde::{Deserialize, Serialize};

use super::{P2, RealDowel};
use crate::form::{BackMeasure, SpineMethod};

/// Which method produced a [`BackReading`] (maps onto the form engine's `SpineMethod`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackMethod {
    /// Virtual dowel on the mask contour.
    Contour,
    /// A detected real dowel.
    Dowel,
}

/// The three dowel contacts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactName {
    Head,
    Thoracic,
    Sacrum,
}

/// A contact point for the overlay.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OverlayContact {
    pub name: ContactName,
    /// Source-frame pixels.
    pub at: P2,
    /// Gap, torso lengths (0 = touching).
    pub gap: f32,
    /// Contact holds (green) or is lost (red).
    pub ok: bool,
}

/// What the UI draws, in source-frame pixels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackOverlay {
    /// Traced back contour, sacrum to head.
    pub contour: Vec<P2>,
    /// The dowel line (real when `dowel_detected`, else virtual), end points.
    pub dowel: [P2; 2],
    /// "dowel detected".
    pub dowel_detected: bool,
    /// Head (when traced), thoracic, sacrum.
    pub contacts: Vec<OverlayContact>,
}

/// Signed measurements against the virtual dowel (torso lengths); see [`VirtualDowel`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BackGaps {
    /// + thoracic back past the line (rounded), - below it.
    pub thoracic: f32,
    /// + lower back past the line (lumbar flexion).
    pub lumbar_bulge: f32,
    /// Depth of the lumbar hollow (>= 0).
    pub lumbar_sag: f32,
    /// - head below the line (bowed), + past it (pushed back). None when the head was not traced.
    pub head: Option<f32>,
    /// Thoracic back past the line through the sacrum and the back of the head (the literal
    /// head-sacrum dowel; a bowed head raises it as much as a rounded back does).
    pub thoracic_vs_head_line: Option<f32>,
}

/// One frame's judgement of the back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackReading {
    /// Frame time (s).
    pub t: f64,
    /// Carried forward from the masked frame at this time (s) (see `BackConfig::mask_every`):
    /// `None` when the mask ran on this frame.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carried_from: Option<f64>,
    /// Real dowel when one was found, otherwise the contour.
    pub method: BackMethod,
    /// Contour measurements (always present: the real dowel is found along the contour).
    pub gaps: BackGaps,
    /// Unsigned gaps at the three contacts (0 = touching), for the form engine's `BackMeasure`:
    /// from the real dowel when detected, else from the virtual dowel.
    pub head_gap: Option<f32>,
    pub thoracic_gap: Option<f32>,
    pub sacrum_gap: Option<f32>,
    /// Contact lost at the thoracic or sacrum point.
    pub rounded_back: bool,
    /// Back of the head off the dowel while the trunk holds (a rounded back already names the head in its cue).
    pub head_off_dowel: bool,
    /// Lumbar hollow deeper than `arch_max_sag` (contour only; no fault id in the form rules yet).
    pub arched_back: bool,
    /// The real dowel, when found (mask coordinates).
    pub dowel: Option<RealDowel>,
    /// Torso length in source pixels.
    pub torso_px: f32,
    /// Contour quality: fraction of trunk stations traced, roughness, edge contrast.
    pub trunk_found: f32,
    pub roughness: f32,
    pub edge_contrast: f32,
    pub soft_fraction: f32,
    pub overlay: BackOverlay,
}

impl BackReading {
    /// This reading as the form engine's back measurement.
    #[must_use]
    pub fn measure(&self) -> BackMeasure {
        BackMeasure {
            method: match self.method {
                BackMethod::Contour => SpineMethod::Contour,
                BackMethod::Dowel => SpineMethod::Dowel,
            },
            head_gap: self.head_gap,
            thoracic_gap: self.thoracic_gap,
            sacrum_gap: self.sacrum_gap,
            refused: None,
        }
    }
}
