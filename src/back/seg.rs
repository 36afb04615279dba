//! The person mask: MediaPipe selfie segmentation (`models/selfie.onnx`) run on the tracked person crop.
//!
//! Input `input_1:0` float32 `[1, 256, 256, 3]`, RGB scaled to `[0, 1]`; output `activation_10:0`
//! float32 `[1, 256, 256, 1]`, person probability (the graph ends in a sigmoid). See models/README.md.
//!
//! **Coordinates.** A [`PersonMask`] is `side x side` probabilities over a square [`CropRegion`] of
//! the source frame. Continuous mask coordinates put pixel `i` on `[i, i + 1)` (its centre at
//! `i + 0.5`), so mask `(u, v)` is source `(x0 + u * size / side, y0 + v * size / side)`, the same
//! convention as [`crop_resize_into`].

use std::path::{Path, PathBuf};
use std::time::Instant;

use ort::session::Session;
use ort::value::{TensorElementType, TensorRef};

use crate::frame::Frame;
use crate::pose::blazepose::PoseMask;
use crate::pose::crop::{CropRegion, crop_resize_into};
use crate::pose::model::model_dirs;
use crate::pose::skeleton::{Joint, Pose};
use crate::runtime::RuntimeError;

/// Side of the selfie model's square input and output.
pub(crate) const SEG_SIDE: usize = 256;

/// File name of the segmentation model in `models/`.
pub(crate) const SEG_FILE: &str = "selfie.onnx";

/// Why the segmentation model could not be used. Each message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum SegError {
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    #[error(
        "segmentation model not found: {path}\nFix: selfie.onnx ships in the package's lib/formcheck/models/ folder (reinstall formcheck) or in the project's models/ folder; set FORMCHECK_MODELS to that folder if the executable was moved."
    )]
    Missing { path: PathBuf },
    #[error(
        "segmentation model {path} cannot be read ({reason}).\nFix: give your user permission to read it (e.g. `chmod a+r {path}`), or reinstall formcheck."
    )]
    Unreadable { path: PathBuf, reason: String },
    #[error(
        "segmentation model {path} could not be loaded as an ONNX model ({reason}).\nFix: the file is damaged or not a model; restore it from the repository (models/README.md lists its SHA-256)."
    )]
    Corrupt { path: PathBuf, reason: String },
    #[error(
        "model file {path} is not the selfie segmentation model: {what}.\nFix: use models/selfie.onnx as shipped (see models/README.md)."
    )]
    WrongShape { path: PathBuf, what: String },
    #[error("segmentation inference failed: {0}")]
    Inference(String),
}

/// Milliseconds spent in each step of one [`SegModel::segment`] call.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct SegTimes {
    /// Crop + resize to 256x256 + scaling to `[0, 1]`.
    pub preprocess_ms: f64,
    /// ONNX Runtime.
    pub inference_ms: f64,
    /// Copying the probabilities out.
    pub postprocess_ms: f64,
}

/// Where `selfie.onnx` is: the first model folder that has it, or the first place looked (to report).
#[must_use]
pub(crate) fn locate_seg_model() -> PathBuf {
    let dirs = model_dirs();
    dirs.iter().map(|d| d.join(SEG_FILE)).find(|p| p.is_file()).unwrap_or_else(|| dirs[0].join(SEG_FILE))
}

/// A person-probability mask over a square crop of the source frame.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonMask {
    /// Width and height of the mask in pixels.
    pub side: usize,
    /// Row-major probabilities in 0..=1, `side * side` values.
    pub prob: Vec<f32>,
    /// The source-frame square the mask covers.
    pub region: CropRegion,
    /// The part of the mask inside the source frame, `[u0, v0, u1, v1]` in mask coordinates: an
    /// edge found on its border is the frame's edge, not the body's.
    pub inside: [f32; 4],
}

impl PersonMask {
    /// A mask from probabilities (row-major, `side * side`) over `region`.
    ///
    /// # Panics
    /// If `prob.len() != side * side`.
    #[must_use]
    pub fn new(side: usize, prob: Vec<f32>, region: CropRegion) -> Self {
        assert_eq!(prob.len(), side * side, "mask must have side*side values");
        let s = side as f32;
        Self { side, prob, region, inside: [0.0, 0.0, s, s] }
    }

    /// BlazePose's own person mask read over `region` of a `width x height` frame, `side x side`.
    #[must_use]
    pub fn from_pose_mask(mask: &PoseMask, region: CropRegion, side: usize, (width, height): (u32, u32)) -> Self {
        let mut prob = Vec::new();
        mask.resample_into(&region, side, &mut prob);
        let mut m = Self::new(side, prob, region);
        m.set_frame(width, height);
        m
    }

    fn set_frame(&mut self, width: u32, height: u32) {
        let s = self.side as f32;
        let a = self.to_mask([0.0, 0.0]);
        let b = self.to_mask([width as f32, height as f32]);
        self.inside = [a[0].max(0.0), a[1].max(0.0), b[0].min(s), b[1].min(s)];
    }

    /// Whether mask point `p` is at least `margin` px inside the frame and the crop.
    #[must_use]
    pub(crate) fn well_inside(&self, p: [f32; 2], margin: f32) -> bool {
        let [u0, v0, u1, v1] = self.inside;
        p[0] >= u0 + margin && p[1] >= v0 + margin && p[0] <= u1 - margin && p[1] <= v1 - margin
    }

    /// Probability at pixel (x, y); 0 outside.
    #[must_use]
    pub fn at(&self, x: i64, y: i64) -> f32 {
        let s = self.side as i64;
        if x < 0 || y < 0 || x >= s || y >= s { 0.0 } else { self.prob[(y * s + x) as usize] }
    }

    /// Bilinear probability at continuous mask coordinates (pixel centres at `i + 0.5`); 0 outside.
    #[must_use]
    pub fn sample(&self, u: f32, v: f32) -> f32 {
        let (x, y) = (u - 0.5, v - 0.5);
        let (fx, fy) = (x.floor(), y.floor());
        let (wx, wy) = (x - fx, y - fy);
        let (ix, iy) = (fx as i64, fy as i64);
        let top = self.at(ix, iy) * (1.0 - wx) + self.at(ix + 1, iy) * wx;
        let bottom = self.at(ix, iy + 1) * (1.0 - wx) + self.at(ix + 1, iy + 1) * wx;
        top * (1.0 - wy) + bottom * wy
    }

    /// This mask with a straight dowel from `a` to `b` (mask coordinates, centre line) erased: the
    /// band from `near` pixels on the body's side of the centre line (`toward`: a unit vector
    /// pointing away from the body) to `far` pixels beyond it, along the dowel's length. The
    /// segmentation model often takes a held dowel in as part of the person; erased, the outline
    /// is the body's again.
    #[must_use]
    pub(crate) fn without_dowel(&self, a: [f32; 2], b: [f32; 2], toward: [f32; 2], near: f32, far: f32) -> Self {
        let mut m = self.clone();
        let d = [b[0] - a[0], b[1] - a[1]];
        let len = d[0].hypot(d[1]);
        if len < 1.0 {
            return m;
        }
        let u = [d[0] / len, d[1] / len];
        let mut n = [-u[1], u[0]];
        if n[0] * toward[0] + n[1] * toward[1] < 0.0 {
            n = [-n[0], -n[1]];
        }
        for y in 0..m.side {
            for x in 0..m.side {
                let p = [x as f32 + 0.5 - a[0], y as f32 + 0.5 - a[1]];
                let along = p[0] * u[0] + p[1] * u[1];
                let across = p[0] * n[0] + p[1] * n[1];
                if (-2.0..=len + 2.0).contains(&along) && (-near..=far).contains(&across) {
                    m.prob[y * m.side + x] = 0.0;
                }
            }
        }
        m
    }

    /// Source pixels per mask pixel.
    #[must_use]
    pub fn scale(&self) -> f32 {
        self.region.size / self.side as f32
    }

    /// Mask coordinates to source-frame pixels.
    #[must_use]
    pub fn to_source(&self, p: [f32; 2]) -> [f32; 2] {
        let s = self.scale();
        [self.region.x0 + p[0] * s, self.region.y0 + p[1] * s]
    }

    /// Source-frame pixels to mask coordinates.
    #[must_use]
    pub fn to_mask(&self, p: [f32; 2]) -> [f32; 2] {
        let s = self.scale();
        [(p[0] - self.region.x0) / s, (p[1] - self.region.y0) / s]
    }

    /// Fraction of mask pixels with probability at least `threshold`.
    #[must_use]
    pub(crate) fn area_fraction(&self, threshold: f32) -> f32 {
        let n = self.prob.iter().filter(|&&p| p >= threshold).count();
        n as f32 / self.prob.len().max(1) as f32
    }

    /// Writes the mask as an 8-bit grey PNG (for debugging).
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn save_png(&self, path: &Path) -> Result<(), image::ImageError> {
        let px: Vec<u8> = self.prob.iter().map(|&p| (p.clamp(0.0, 1.0) * 255.0).round() as u8).collect();
        image::GrayImage::from_raw(self.side as u32, self.side as u32, px).expect("side*side bytes").save(path)
    }
}

/// The square crop to segment: every visible keypoint with half a torso length of margin on each
/// side (the buttocks, the back's surface and the back of the head lie outside the joints).
/// MoveNet's tracked crop can cut them off on a folded body (its margin scales with the joint
/// spread), so use this region for the mask; the cost is the same (the crop is always 256x256).
/// `None` without a visible shoulder and hip.
#[must_use]
pub fn seg_region(pose: &Pose, min_score: f32) -> Option<CropRegion> {
    let mid = |a: Joint, b: Joint| match (pose.visible(a, min_score), pose.visible(b, min_score)) {
        (Some(a), Some(b)) => Some(((a.x + b.x) / 2.0, (a.y + b.y) / 2.0)),
        (Some(k), None) | (None, Some(k)) => Some((k.x, k.y)),
        (None, None) => None,
    };
    let sh = mid(Joint::LeftShoulder, Joint::RightShoulder)?;
    let hip = mid(Joint::LeftHip, Joint::RightHip)?;
    let torso = (sh.0 - hip.0).hypot(sh.1 - hip.1).max(1.0);
    let (mut x0, mut x1, mut y0, mut y1) = (f32::INFINITY, f32::NEG_INFINITY, f32::INFINITY, f32::NEG_INFINITY);
    for j in Joint::ALL {
        if let Some(k) = pose.visible(j, min_score) {
            (x0, x1, y0, y1) = (x0.min(k.x), x1.max(k.x), y0.min(k.y), y1.max(k.y));
        }
    }
    let size = (x1 - x0).max(y1 - y0) + torso;
    Some(CropRegion::centred((x0 + x1) / 2.0, (y0 + y1) / 2.0, size))
}

/// `region` shrunk to at most the frame's longer side and shifted (never past the person's
/// keypoint box it was built from) to overlap the frame as much as possible: less padding.
#[must_use]
pub fn fit_to_frame(region: CropRegion, width: u32, height: u32) -> CropRegion {
    let size = region.size.min(width.max(height) as f32);
    let c = (region.x0 + region.size / 2.0, region.y0 + region.size / 2.0);
    let fit = |centre: f32, len: f32| {
        let lo = centre - size / 2.0;
        if size <= len { lo.clamp(0.0, len - size) } else { (len - size) / 2.0 }
    };
    CropRegion { x0: fit(c.0, width as f32), y0: fit(c.1, height as f32), size }
}

/// Fills the crop's pixels that fall outside the frame with the nearest inside pixel (the frame's
/// edge repeated) instead of black: black padding next to dark clothes makes the model lose them.
pub(crate) fn replicate_edges(crop: &mut [i32], side: usize, region: &CropRegion, width: u32, height: u32) {
    let scale = region.size / side as f32;
    // Output index range whose pixel centres fall inside the frame, per axis.
    let range = |origin: f32, len: u32| {
        let first = ((-origin) / scale - 0.5).ceil().max(0.0) as usize;
        let last = ((len as f32 - origin) / scale - 0.5).floor().min(side as f32 - 1.0);
        if last < first as f32 { None } else { Some((first.min(side - 1), last as usize)) }
    };
    let (Some((cx0, cx1)), Some((cy0, cy1))) = (range(region.x0, width), range(region.y0, height)) else {
        return;
    };
    if cx0 == 0 && cy0 == 0 && cx1 == side - 1 && cy1 == side - 1 {
        return;
    }
    for y in 0..side {
        let sy = y.clamp(cy0, cy1);
        for x in 0..side {
            let sx = x.clamp(cx0, cx1);
            if (sx, sy) != (x, y) {
                let (d, s) = ((y * side + x) * 3, (sy * side + sx) * 3);
                crop.copy_within(s..s + 3, d);
            }
        }
    }
}

/// The loaded and verified selfie segmentation model, with its reusable buffers.
pub struct SegModel {
    session: Session,
    input_name: String,
    path: PathBuf,
    crop: Vec<i32>,
    input: Vec<f32>,
    /// Times of the last [`SegModel::segment`] call.
    pub last_times: SegTimes,
}

impl std::fmt::Debug for SegModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SegModel").field("path", &self.path).finish_non_exhaustive()
    }
}

impl SegModel {
    /// Loads the shipped `selfie.onnx` from the model folders with `threads` intra-op threads.
    ///
    /// # Errors
    /// See [`SegModel::load_file`].
    pub fn load(threads: usize) -> Result<Self, SegError> {
        Self::load_file(&locate_seg_model(), threads)
    }

    /// Loads `path` and checks it takes float32 `[1, 256, 256, 3]` and gives float32 `[1, 256, 256, 1]`.
    ///
    /// # Errors
    /// A missing runtime or file, a file that is not an ONNX model, or a model of another shape.
    pub fn load_file(path: &Path, threads: usize) -> Result<Self, SegError> {
        use crate::pose::model::{OpenError, open_checked};
        let s = SEG_SIDE as i64;
        let (session, input_name) = open_checked(
            path,
            threads,
            (TensorElementType::Float32, &[1, s, s, 3]),
            (TensorElementType::Float32, &[1, s, s, 1]),
        )
        .map_err(|e| match e {
            OpenError::Runtime(e) => SegError::Runtime(e),
            OpenError::Missing => SegError::Missing { path: path.to_path_buf() },
            OpenError::Unreadable(reason) => SegError::Unreadable { path: path.to_path_buf(), reason },
            OpenError::Corrupt(reason) => SegError::Corrupt { path: path.to_path_buf(), reason },
            OpenError::WrongShape(what) => SegError::WrongShape { path: path.to_path_buf(), what },
        })?;
        Ok(Self {
            session,
            input_name,
            path: path.to_path_buf(),
            crop: Vec::new(),
            input: Vec::new(),
            last_times: SegTimes::default(),
        })
    }

    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The RGB crop (0..255, NHWC 256x256) the last [`SegModel::segment`] call ran on: the real-dowel
    /// detector reuses it instead of cropping again.
    #[must_use]
    pub fn last_crop(&self) -> &[i32] {
        &self.crop
    }

    /// Takes [`SegModel::last_crop`] out (to read it while the model runs on an edited copy);
    /// give it back with [`SegModel::restore_crop`].
    pub(crate) fn take_crop(&mut self) -> Vec<i32> {
        std::mem::take(&mut self.crop)
    }

    /// Puts back the crop taken by [`SegModel::take_crop`].
    pub(crate) fn restore_crop(&mut self, crop: Vec<i32>) {
        self.crop = crop;
    }

    /// Segments the person in `region` of `frame` (use the pose stage's tracked crop).
    ///
    /// # Errors
    /// [`SegError::Inference`] if ONNX Runtime fails.
    pub fn segment(&mut self, frame: &Frame, region: &CropRegion) -> Result<PersonMask, SegError> {
        let mut mask = PersonMask::new(SEG_SIDE, vec![0.0; SEG_SIDE * SEG_SIDE], *region);
        self.segment_into(frame, region, &mut mask)?;
        Ok(mask)
    }

    /// As [`SegModel::segment`], reusing `mask`'s buffer.
    ///
    /// # Errors
    /// [`SegError::Inference`] if ONNX Runtime fails.
    pub fn segment_into(&mut self, frame: &Frame, region: &CropRegion, mask: &mut PersonMask) -> Result<(), SegError> {
        let t0 = Instant::now();
        crop_resize_into(frame, region, SEG_SIDE, &mut self.crop);
        replicate_edges(&mut self.crop, SEG_SIDE, region, frame.width, frame.height);
        self.input.clear();
        self.input.extend(self.crop.iter().map(|&v| v as f32 * (1.0 / 255.0)));
        self.run(t0, region, (frame.width, frame.height), mask)
    }

    /// Segments an already prepared crop (RGB 0..255, NHWC, `SEG_SIDE x SEG_SIDE`: a
    /// [`SegModel::last_crop`] that was edited, e.g. with a held dowel painted out) of `region` in a
    /// `frame_size` frame. [`SegModel::last_crop`] is left as it was.
    ///
    /// # Errors
    /// [`SegError::Inference`] if ONNX Runtime fails or the crop has the wrong size.
    pub fn segment_crop(
        &mut self,
        crop: &[i32],
        region: &CropRegion,
        frame_size: (u32, u32),
    ) -> Result<PersonMask, SegError> {
        let t0 = Instant::now();
        if crop.len() != SEG_SIDE * SEG_SIDE * 3 {
            return Err(SegError::Inference(format!(
                "crop has {} values, expected {}",
                crop.len(),
                SEG_SIDE * SEG_SIDE * 3
            )));
        }
        self.input.clear();
        self.input.extend(crop.iter().map(|&v| v as f32 * (1.0 / 255.0)));
        let mut mask = PersonMask::new(SEG_SIDE, vec![0.0; SEG_SIDE * SEG_SIDE], *region);
        self.run(t0, region, frame_size, &mut mask)?;
        Ok(mask)
    }

    /// Runs the model on `self.input` into `mask`.
    fn run(
        &mut self,
        t0: Instant,
        region: &CropRegion,
        (width, height): (u32, u32),
        mask: &mut PersonMask,
    ) -> Result<(), SegError> {
        let t1 = Instant::now();
        let tensor = TensorRef::from_array_view(([1usize, SEG_SIDE, SEG_SIDE, 3], &self.input[..]))
            .map_err(|e| SegError::Inference(e.to_string()))?;
        let outputs = self
            .session
            .run(ort::inputs![self.input_name.as_str() => tensor])
            .map_err(|e| SegError::Inference(e.to_string()))?;
        let t2 = Instant::now();
        let (_, data) = outputs[0].try_extract_tensor::<f32>().map_err(|e| SegError::Inference(e.to_string()))?;
        if data.len() != SEG_SIDE * SEG_SIDE {
            return Err(SegError::Inference(format!(
                "output has {} values, expected {}",
                data.len(),
                SEG_SIDE * SEG_SIDE
            )));
        }
        mask.side = SEG_SIDE;
        mask.region = *region;
        mask.prob.clear();
        mask.prob.extend_from_slice(data);
        mask.set_frame(width, height);
        let t3 = Instant::now();
        self.last_times = SegTimes {
            preprocess_ms: (t1 - t0).as_secs_f64() * 1e3,
            inference_ms: (t2 - t1).as_secs_f64() * 1e3,
            postprocess_ms: (t3 - t2).as_secs_f64() * 1e3,
        };
        Ok(())
    }
}
