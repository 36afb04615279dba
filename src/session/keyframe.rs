//! Key frames: one picture of the session's worst rep, with the skeleton and (for the hip hinge)
//! the dowel line and its three contacts drawn on it, for the therapist's report.
//!
//! Kept only when the user allows it (`formcheck analyze CLIP --save --key-frames`, or
//! `--keep-keyframes` on a call; the session records it, and the store refuses a picture for a
//! session that did not allow them): by default the store holds numbers only, and nothing here
//! runs. For a clip the frame is decoded again from the clip with ffmpeg (exact seek); a live
//! capture (a video call) cannot be read again, so [`FrameTap`] keeps a few snapshots while it is
//! analysed, in memory only, and only when key frames were allowed. The picture is drawn on with
//! the `image` crate, scaled to at most [`MAX_WIDTH`] pixels wide and encoded as a JPEG of quality
//! [`JPEG_QUALITY`].

use std::path::Path;
use std::sync::{Arc, Mutex};

use image::RgbImage;

use crate::capture::{FrameSource, SourceError, SourceInfo};
use crate::frame::Frame;

use crate::form::{FaultId, RepRecord, Severity};
use crate::pipeline::analyze::Analysis;
use crate::pipeline::overlay::draw_overlay;
use crate::pipeline::seek::{decode_at_unmirrored, seek_time};
use crate::pose::skeleton::MIN_KEYPOINT_SCORE;
use crate::session::store::KeyFrame;

/// Why the key frame could not be made (the session is still saved without it).
#[derive(Debug, thiserror::Error)]
pub enum KeyFrameError {
    #[error("the analysis has no frame")]
    NoFrame,
    #[error("the source has no picture size")]
    NoPictureSize,
    #[error("{}: ffmpeg gave no frame at {t:.2} s", clip.display())]
    NoFrameAt { clip: std::path::PathBuf, t: f64 },
    #[error("the decoded frame has the wrong size")]
    WrongSize,
    #[error(transparent)]
    Seek(#[from] crate::pipeline::seek::SeekError),
    #[error("encoding the key frame: {0}")]
    Encode(image::ImageError),
}

/// Widest key frame (px); narrower clips keep their size.
pub(crate) const MAX_WIDTH: u32 = 960;
/// JPEG quality (0-100).
pub(crate) const JPEG_QUALITY: u8 = 80;

fn major_faults(r: &RepRecord) -> usize {
    r.faults.iter().filter(|f| f.severity() == Severity::Major).count()
}

/// The worst rep: the one with the most major faults, then the most faults of any kind; among those, the largest thoracic gap
/// (`max_thoracic_gap`, a rep without one counting as smallest); then the deepest (largest peak
/// trunk angle); then the earliest. None without reps.
#[must_use]
pub fn worst_rep(reps: &[RepRecord]) -> Option<&RepRecord> {
    let key = |r: &RepRecord| {
        let h = r.hinge.as_ref();
        (
            (major_faults(r), r.faults.len()),
            h.and_then(|h| h.max_thoracic_gap).unwrap_or(f32::NEG_INFINITY),
            h.map_or(f32::NEG_INFINITY, |h| h.peak_trunk_deg),
        )
    };
    let mut best: Option<&RepRecord> = None;
    for r in reps {
        let better = best.is_none_or(|b| {
            let (kr, kb) = (key(r), key(b));
            kr.0.cmp(&kb.0).then(kr.1.total_cmp(&kb.1)).then(kr.2.total_cmp(&kb.2)).is_gt()
        });
        if better {
            best = Some(r);
        }
    }
    best
}

/// The moment to show of a rep: its worst thoracic gap, else the bottom of a hinge rep, else the
/// middle of the rep.
#[must_use]
pub fn key_time(r: &RepRecord) -> f64 {
    r.hinge.as_ref().map_or(0.5 * (r.start_s + r.end_s), |h| h.worst_gap_s.unwrap_or(h.bottom_s))
}

/// "Rep 3 at 12.4 s: rounded_back, too_fast; thoracic gap 0.08 torso lengths".
#[must_use]
pub(crate) fn caption(r: &RepRecord, t: f64) -> String {
    let faults = if r.faults.is_empty() {
        "no fault".to_string()
    } else {
        r.faults.iter().map(|f: &FaultId| f.id()).collect::<Vec<_>>().join(", ")
    };
    let gap = match r.hinge.as_ref() {
        Some(h) => match h.max_thoracic_gap {
            Some(g) => format!("; thoracic gap {g:.2} torso lengths"),
            None => "; thoracic gap not measured".to_string(),
        },
        None => String::new(),
    };
    format!("Rep {} at {t:.1} s: {faults}{gap}", r.index)
}

/// The key frame's size for a `w` x `h` source: at most [`MAX_WIDTH`] wide, even sides.
#[must_use]
pub(crate) fn frame_size(w: u32, h: u32) -> (u32, u32) {
    let f = if w > MAX_WIDTH { f64::from(MAX_WIDTH) / f64::from(w) } else { 1.0 };
    let even = |x: u32| ((f64::from(x) * f / 2.0).round() as u32 * 2).max(2);
    (even(w), even(h))
}

/// The key frame of the worst rep of `analysis` (see [`worst_rep`]), decoded from `clip`.
/// None when the analysis counted no rep.
///
/// # Errors
/// When ffmpeg cannot decode the frame, or the picture cannot be encoded.
pub fn of_worst_rep(analysis: &Analysis, clip: &Path) -> Result<Option<KeyFrame>, KeyFrameError> {
    let Some(result) = &analysis.exercise else { return Ok(None) };
    let Some(rep) = worst_rep(&result.report.reps) else { return Ok(None) };
    render(analysis, clip, rep).map(Some)
}

/// The key frame of `rep`: the analysed frame nearest [`key_time`], with its overlay.
///
/// # Errors
/// When the analysis has no frame, ffmpeg cannot decode it, or the JPEG cannot be encoded.
pub(crate) fn render(analysis: &Analysis, clip: &Path, rep: &RepRecord) -> Result<KeyFrame, KeyFrameError> {
    let t = key_time(rep);
    let k = analysis
        .frames
        .iter()
        .enumerate()
        .min_by(|a, b| (a.1.t - t).abs().total_cmp(&(b.1.t - t).abs()))
        .map(|(k, _)| k)
        .ok_or(KeyFrameError::NoFrame)?;
    let frame = &analysis.frames[k];
    let (sw, sh) = (analysis.source.width, analysis.source.height);
    if sw == 0 || sh == 0 {
        return Err(KeyFrameError::NoPictureSize);
    }
    let (w, h) = frame_size(sw, sh);
    let times: Vec<f64> = analysis.frames.iter().map(|f| f.t).collect();
    let seek = seek_time(&times, k);
    let pixels = decode_at_unmirrored(clip, seek, 1, w, h, analysis.source.mirrored)?
        .into_iter()
        .next()
        .ok_or_else(|| KeyFrameError::NoFrameAt { clip: clip.to_path_buf(), t: frame.t })?;
    let mut img = RgbImage::from_raw(w, h, pixels).ok_or(KeyFrameError::WrongSize)?;
    draw_overlay(&mut img, frame, w as f32 / sw as f32, MIN_KEYPOINT_SCORE);
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, JPEG_QUALITY)
        .encode_image(&img)
        .map_err(KeyFrameError::Encode)?;
    Ok(KeyFrame { rep_index: rep.index, t_s: frame.t, jpeg, caption: caption(rep, frame.t) })
}

/// Snapshots at most this often (s of the source's time) while there is room...
const TAP_SPACING_S: f64 = 0.25;
/// ...and at most this many (each a JPEG of at most [`MAX_WIDTH`] pixels, some 50-100 kB): when
/// full, every other one is dropped and the spacing doubles, so a long call keeps evenly spread
/// snapshots in bounded memory.
const TAP_MAX: usize = 480;

/// Snapshots of a live source, kept by [`FrameTap`]: (time, JPEG).
#[derive(Debug, Default)]
struct Snapshots {
    spacing: f64,
    shots: Vec<(f64, Vec<u8>)>,
}

/// What [`FrameTap`] kept, read after the analysis.
#[derive(Debug, Clone, Default)]
pub struct TapHandle(Arc<Mutex<Snapshots>>);

impl TapHandle {
    /// How many snapshots are kept.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.lock().map_or(0, |s| s.shots.len())
    }

    /// Whether none is kept.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The snapshot nearest `t`: (its time, its picture).
    fn nearest(&self, t: f64) -> Option<(f64, RgbImage)> {
        let s = self.0.lock().ok()?;
        let (ts, jpeg) = s.shots.iter().min_by(|a, b| (a.0 - t).abs().total_cmp(&(b.0 - t).abs()))?;
        let img = image::load_from_memory_with_format(jpeg, image::ImageFormat::Jpeg).ok()?.to_rgb8();
        Some((*ts, img))
    }
}

/// A live source that keeps a snapshot of its frames every [`TAP_SPACING_S`] (at most
/// [`TAP_MAX`], see there), scaled to the key frame's size, so the worst rep's picture can be
/// drawn after a live analysis. Use only when key frames were allowed: the snapshots stay in
/// memory and only the key frame chosen from them is stored.
pub struct FrameTap {
    inner: Box<dyn FrameSource>,
    kept: TapHandle,
    last: Option<f64>,
}

impl FrameTap {
    /// Wraps `inner`; the handle reads the snapshots afterwards.
    #[must_use]
    pub fn new(inner: Box<dyn FrameSource>) -> (Self, TapHandle) {
        let kept = TapHandle(Arc::new(Mutex::new(Snapshots { spacing: TAP_SPACING_S, shots: Vec::new() })));
        (Self { inner, kept: kept.clone(), last: None }, kept)
    }

    fn keep(&mut self, f: &Frame) {
        let Ok(mut s) = self.kept.0.lock() else { return };
        if self.last.is_some_and(|l| f.t - l < s.spacing) || f.width == 0 || f.height == 0 {
            return;
        }
        let Some(img) = RgbImage::from_raw(f.width, f.height, f.rgb().into_owned()) else { return };
        let (w, h) = frame_size(f.width, f.height);
        let small = if (w, h) == (f.width, f.height) { img } else { image::imageops::thumbnail(&img, w, h) };
        let mut jpeg = Vec::new();
        if image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90).encode_image(&small).is_err() {
            return;
        }
        self.last = Some(f.t);
        s.shots.push((f.t, jpeg));
        if s.shots.len() > TAP_MAX {
            let mut i = 0;
            s.shots.retain(|_| {
                i += 1;
                i % 2 == 1
            });
            s.spacing *= 2.0;
        }
    }
}

impl FrameSource for FrameTap {
    fn info(&self) -> &SourceInfo {
        self.inner.info()
    }

    fn next_frame(&mut self) -> Result<Option<Frame>, SourceError> {
        let f = self.inner.next_frame()?;
        if let Some(f) = &f {
            self.keep(f);
        }
        Ok(f)
    }

    fn take_warnings(&mut self) -> Vec<String> {
        self.inner.take_warnings()
    }
}

/// The key frame of the worst rep of a live analysis (see [`worst_rep`]), from the snapshot
/// [`FrameTap`] kept nearest its [`key_time`], with the overlay of the analysed frame at that
/// snapshot's time. None when no rep was counted or nothing was kept.
///
/// # Errors
/// When the picture cannot be encoded.
pub fn of_worst_rep_live(analysis: &Analysis, kept: &TapHandle) -> Result<Option<KeyFrame>, KeyFrameError> {
    let Some(result) = &analysis.exercise else { return Ok(None) };
    let Some(rep) = worst_rep(&result.report.reps) else { return Ok(None) };
    let Some((t, mut img)) = kept.nearest(key_time(rep)) else { return Ok(None) };
    let frame = analysis
        .frames
        .iter()
        .min_by(|a, b| (a.t - t).abs().total_cmp(&(b.t - t).abs()))
        .ok_or(KeyFrameError::NoFrame)?;
    let sw = analysis.source.width;
    if sw == 0 {
        return Err(KeyFrameError::NoPictureSize);
    }
    let scale = img.width() as f32 / sw as f32;
    draw_overlay(&mut img, frame, scale, MIN_KEYPOINT_SCORE);
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, JPEG_QUALITY)
        .encode_image(&img)
        .map_err(KeyFrameError::Encode)?;
    Ok(Some(KeyFrame { rep_index: rep.index, t_s: frame.t, jpeg, caption: caption(rep, frame.t) }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::{HingeRep, SpineMethod};

    fn rep(index: u32, faults: &[FaultId], gap: Option<f32>, trunk: f32) -> RepRecord {
        RepRecord {
            index,
            side: None,
            start_s: 0.0,
            end_s: 4.0,
            faults: faults.to_vec(),
            fault_durations: Default::default(),
            hinge: Some(HingeRep {
                bottom_s: 2.0,
                peak_trunk_deg: trunk,
                peak_hip_deg: 100.0,
                peak_knee_deg: None,
                bottom_knee_flexion_deg: None,
                top_hip_deg: 175.0,
                lowering_s: 2.0,
                rising_s: 2.0,
                max_thoracic_offset: None,
                worst_head_deg: None,
                spine_method: SpineMethod::Contour,
                mask_refused: None,
                spine_not_judged: None,
                started_at_bottom: false,
                max_thoracic_gap: gap,
                worst_gap_s: gap.map(|_| 2.5),
                head_contact: None,
            }),
            bird_dog: None,
            rom: vec![],
        }
    }

    #[test]
    fn worst_rep_rule() {
        let major = FaultId::ALL.iter().copied().find(|f| f.severity() == Severity::Major).unwrap();
        let reps =
            vec![rep(1, &[], Some(0.2), 80.0), rep(2, &[major], Some(0.05), 40.0), rep(3, &[major], Some(0.1), 30.0)];
        assert_eq!(worst_rep(&reps).unwrap().index, 3, "most major faults, then the largest gap");
        let reps = vec![rep(1, &[], Some(0.1), 50.0), rep(2, &[], Some(0.1), 60.0), rep(3, &[], None, 90.0)];
        assert_eq!(worst_rep(&reps).unwrap().index, 2, "then the deepest");
        let minor = FaultId::ALL.iter().copied().find(|f| f.severity() == Severity::Minor).unwrap();
        let minor_vs_gap = vec![rep(1, &[minor], None, 50.0), rep(2, &[], Some(0.3), 60.0)];
        assert_eq!(worst_rep(&minor_vs_gap).unwrap().index, 1, "then the most faults of any kind");
        assert!(worst_rep(&[]).is_none());
        assert!((key_time(&reps[0]) - 2.5).abs() < 1e-9 && (key_time(&reps[2]) - 2.0).abs() < 1e-9);
        assert_eq!(frame_size(1920, 1080), (960, 540));
        assert_eq!(frame_size(640, 480), (640, 480));
    }
}
