//! Crop geometry and preprocessing: from a frame and a square region to the model's int32 NHWC input.
//!
//! The region may extend past the frame (a person near an edge, or letterboxing a whole non-square
//! frame); pixels outside are black, as MoveNet's own letterboxing pads them. This file: the
//! regions (where to crop, and tracking the person from frame to frame); [`resample`]: the
//! bilinear resampling into the model's input.

mod resample;
#[cfg(test)]
mod tests;

pub use resample::crop_resize_into;

use crate::pose::skeleton::{Joint, Pose};

/// A square region of the source frame in pixels: top-left corner and side length.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CropRegion {
    pub x0: f32,
    pub y0: f32,
    pub size: f32,
}

impl CropRegion {
    /// The square that letterboxes the whole frame: side = the longer dimension, centred.
    #[must_use]
    pub fn full_frame(width: u32, height: u32) -> Self {
        let size = width.max(height) as f32;
        Self { x0: (width as f32 - size) / 2.0, y0: (height as f32 - size) / 2.0, size }
    }

    /// A square of side `size` centred on (cx, cy).
    #[must_use]
    pub fn centred(cx: f32, cy: f32, size: f32) -> Self {
        Self { x0: cx - size / 2.0, y0: cy - size / 2.0, size }
    }

    /// Normalised crop coordinates (0..1) to source pixels.
    #[must_use]
    pub fn to_source(&self, u: f32, v: f32) -> (f32, f32) {
        (self.x0 + u * self.size, self.y0 + v * self.size)
    }

    /// Source pixels to normalised crop coordinates (0..1 inside the crop).
    #[cfg(test)]
    pub(crate) fn to_crop(self, x: f32, y: f32) -> (f32, f32) {
        ((x - self.x0) / self.size, (y - self.y0) / self.size)
    }
}

/// Joints whose spread sets the crop size (MoveNet's own cropping algorithm uses the torso and the body).
const TORSO: [Joint; 4] = [Joint::LeftShoulder, Joint::RightShoulder, Joint::LeftHip, Joint::RightHip];

/// The square to crop in the next frame, from this frame's keypoints (MoveNet's "determine crop
/// region" idea): centred between the hips (or on the visible joints), big enough to hold the body
/// spread with margin, and never smaller than `min_fraction` of the frame's shorter side.
///
/// Returns `None` when too few joints are visible to place a crop: the caller falls back to the full frame.
#[must_use]
pub(crate) fn region_from_pose(
    pose: &Pose,
    width: u32,
    height: u32,
    min_score: f32,
    margin: f32,
) -> Option<CropRegion> {
    let visible: Vec<(f32, f32)> =
        Joint::ALL.iter().filter_map(|&j| pose.visible(j, min_score)).map(|k| (k.x, k.y)).collect();
    if visible.len() < 5 {
        return None;
    }
    let (minx, maxx, miny, maxy) = visible
        .iter()
        .fold((f32::INFINITY, f32::NEG_INFINITY, f32::INFINITY, f32::NEG_INFINITY), |(a, b, c, d), &(x, y)| {
            (a.min(x), b.max(x), c.min(y), d.max(y))
        });
    let cx = (minx + maxx) / 2.0;
    let cy = (miny + maxy) / 2.0;
    let body_span = (maxx - minx).max(maxy - miny);
    // A crouched or folded body has a small joint spread; the torso keeps the crop from collapsing.
    let torso_span = TORSO
        .iter()
        .filter_map(|&j| pose.visible(j, min_score))
        .map(|k| (k.x - cx).abs().max((k.y - cy).abs()) * 2.0)
        .fold(0.0f32, f32::max);
    let shorter = width.min(height) as f32;
    let size = (body_span * margin).max(torso_span * 1.9).max(shorter * 0.25);
    // Never bigger than the letterbox of the whole frame.
    let size = size.min(width.max(height) as f32);
    Some(CropRegion::centred(cx, cy, size))
}
