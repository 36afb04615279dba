//! Cropping the call's picture to the patient's tile (the self-view thumbnail, name labels and the
//! other tiles left out), in the app: a [`FrameSource`] that hands on a rectangle of another's
//! frames. The rectangle is in the captured picture's pixels; it is clamped to the picture, so a
//! window that shrinks keeps what is left of it.

use crate::capture::{FrameSource, SourceError, SourceInfo};
use crate::frame::Frame;
use crate::pose::skeleton::Pose;

/// A rectangle of the captured picture, in its pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Crop {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

/// The smallest crop side (px): a tile smaller than this has too little of the person to find.
pub const MIN_CROP: u32 = 32;

impl Crop {
    /// The rectangle between two corners (picture pixels, any order), clamped to a `w` x `h`
    /// picture. None when it is smaller than [`MIN_CROP`] a side.
    #[must_use]
    pub fn from_corners(a: [f32; 2], b: [f32; 2], w: u32, h: u32) -> Option<Crop> {
        let clamp = |v: f32, max: u32| v.round().clamp(0.0, max as f32) as u32;
        let (x0, x1) = (clamp(a[0].min(b[0]), w), clamp(a[0].max(b[0]), w));
        let (y0, y1) = (clamp(a[1].min(b[1]), h), clamp(a[1].max(b[1]), h));
        let c = Crop { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
        (c.width >= MIN_CROP && c.height >= MIN_CROP).then_some(c)
    }

    /// This crop clamped to a `w` x `h` picture; None when too little of it is left.
    #[must_use]
    pub fn within(self, w: u32, h: u32) -> Option<Crop> {
        Crop::from_corners(
            [self.x as f32, self.y as f32],
            [(self.x + self.width) as f32, (self.y + self.height) as f32],
            w,
            h,
        )
    }
}

impl std::fmt::Display for Crop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}x{} at {},{}", self.width, self.height, self.x, self.y)
    }
}

/// Copies the `crop` of an RGB picture `w` pixels wide.
#[must_use]
pub fn crop_rgb(rgb: &[u8], w: u32, crop: Crop) -> Vec<u8> {
    let mut out = Vec::with_capacity((crop.width * crop.height * 3) as usize);
    for y in crop.y..crop.y + crop.height {
        let start = ((y * w + crop.x) * 3) as usize;
        out.extend_from_slice(&rgb[start..start + (crop.width * 3) as usize]);
    }
    out
}

/// Another source's frames, cropped.
pub struct CropSource {
    inner: Box<dyn FrameSource>,
    crop: Crop,
    info: SourceInfo,
}

impl CropSource {
    /// `inner` cropped to `crop` (clamped to its picture).
    ///
    /// # Errors
    /// When the crop lies outside the source's picture.
    pub fn new(inner: Box<dyn FrameSource>, crop: Crop) -> Result<Self, SourceError> {
        let (w, h) = (inner.info().width, inner.info().height);
        let crop = crop.within(w, h).ok_or_else(|| lost_region(crop, w, h))?;
        let mut info = inner.info().clone();
        info.name = format!("{}, cropped to {crop}", info.name);
        info.width = crop.width;
        info.height = crop.height;
        Ok(Self { inner, crop, info })
    }
}

fn lost_region(crop: Crop, w: u32, h: u32) -> SourceError {
    SourceError::PatientLost { reason: format!("the patient's tile ({crop}) is no longer inside the {w}x{h} picture") }
}

impl FrameSource for CropSource {
    fn info(&self) -> &SourceInfo {
        &self.info
    }

    fn next_frame(&mut self) -> Result<Option<Frame>, SourceError> {
        let Some(f) = self.inner.next_frame()? else { return Ok(None) };
        // The crop is fixed for the session: a picture that changed size loses what was outside.
        let c = self
            .crop
            .within(f.width, f.height)
            .filter(|c| *c == self.crop)
            .ok_or_else(|| lost_region(self.crop, f.width, f.height))?;
        let rgb = crop_rgb(&f.rgb(), f.width, c);
        Ok(Some(Frame::new(f.index, f.t, c.width, c.height, rgb)))
    }

    fn known_pose(&self, frame: &Frame) -> Option<Pose> {
        // The demo's pose is in its whole picture: moved into the crop.
        let mut pose = self.inner.known_pose(frame)?;
        for k in &mut pose.keypoints {
            k.x -= self.crop.x as f32;
            k.y -= self.crop.y as f32;
        }
        Some(pose)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corners_in_any_order_clamped_to_the_picture() {
        let c = Crop::from_corners([500.0, 400.0], [100.0, -20.0], 640, 360).unwrap();
        assert_eq!(c, Crop { x: 100, y: 0, width: 400, height: 360 });
        assert_eq!(Crop::from_corners([10.0, 10.0], [20.0, 200.0], 640, 360), None, "too narrow");
        assert_eq!(c.within(300, 300), Some(Crop { x: 100, y: 0, width: 200, height: 300 }));
        assert_eq!(c.within(120, 300), None);
    }

    #[test]
    fn crops_the_pixels() {
        // 4x3 picture, pixel value = index.
        let rgb: Vec<u8> = (0..12u8).flat_map(|i| [i, i, i]).collect();
        let out = crop_rgb(&rgb, 4, Crop { x: 1, y: 1, width: 2, height: 2 });
        assert_eq!(out, vec![5, 5, 5, 6, 6, 6, 9, 9, 9, 10, 10, 10]);
    }
}
