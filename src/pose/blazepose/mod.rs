//! BlazePose GHUM in Rust: MediaPipe's pose pipeline (detector → rotated region → landmark model →
//! next region from the landmarks) on ONNX Runtime.
//!
//! Per frame: while a person is tracked, the landmark model runs on the rotated square the previous
//! frame's auxiliary landmarks give; otherwise (first frame, pose flag under 0.5) the detector finds
//! the person on the letterboxed frame and its hip and size keypoints give the square. The model's
//! 39 points are 33 landmarks and 2 auxiliary ones (the next region); its world landmarks are
//! turned back by the region's angle; its 256×256 person mask stays in region coordinates
//! ([`PoseMask`]) and is read at frame pixels only where needed.
//!
//! # MediaPipe's settings, and where each comes from
//!
//! Files under `mediapipe/modules/` of google-ai-edge/mediapipe (read at commits a715f1e and
//! 17e7fd9; the same values in the Presage-Security fork at ff4b809):
//!
//! | setting | value | source |
//! |---|---|---|
//! | detector input | 224×224, keep aspect (letterbox), range −1..1, zero border | `pose_detection/pose_detection_cpu.pbtxt`, `ImageToTensorCalculator` |
//! | SSD anchors | 5 layers, scale 0.1484375..0.75, strides 8,16,32,32,32, offsets 0.5, aspect 1, fixed size → 2254 | same file, `SsdAnchorsCalculator` |
//! | box decoding | 2254 boxes, 12 coords, box at 0, 4 keypoints at 4, x/y/w/h scale 224, `reverse_output_order` (x before y), sigmoid score clipped at ±100 | same file, `TensorsToDetectionsCalculator` |
//! | score threshold | 0.5 (the graph's 0.2 is overridden by the solution's `min_detection_confidence` 0.5, the peer's setting) | `python/solutions/pose.py` |
//! | non-max suppression | weighted, IoU 0.3; the first detection is used | same file, `NonMaxSuppressionCalculator`; `pose_landmark/pose_landmark_cpu.pbtxt` |
//! | detection → region | alignment keypoints 0 (hips) → 1, target angle 90°, scale 1.25, square on the long side | `pose_landmark/pose_detection_to_roi.pbtxt` |
//! | landmark input | 256×256 from the rotated region, range 0..1, border replicated (the calculator's default) | `pose_landmark/pose_landmark_by_roi_cpu.pbtxt` |
//! | landmarks | 39 × (x, y, z, visibility, presence) in input pixels, sigmoid on visibility and presence | `pose_landmark/tensors_to_pose_landmarks_and_segmentation.pbtxt` |
//! | pose flag | present at ≥ 0.5 | same file, `ThresholdingCalculator` |
//! | heatmap refinement | kernel 7, refine at max confidence ≥ 0.5 (default) | same file, `RefineLandmarksFromHeatmapCalculator` |
//! | world landmarks | 39 × 3 metres, first 33 kept, x/y rotated by the region's angle | same file; `calculators/util/world_landmark_projection_calculator.cc` |
//! | landmarks → next region | auxiliary points 33 → 34, target 90°, scale 1.25 | `pose_landmark/pose_landmarks_to_roi.pbtxt` |
//! | landmark smoothing | one-euro min_cutoff 0.05, beta 80, derivate_cutoff 1, value scale 1/person size | `pose_landmark/pose_landmark_filtering.pbtxt` |
//! | world smoothing | one-euro 0.1, 40, 1, no value scaling | same file |
//! | auxiliary smoothing | one-euro 0.01, 10, 1, value scale 1/person size | same file |
//! | visibility smoothing | low-pass α 0.1 | same file |
//! | person size (value scale) | side of the unscaled region from the auxiliary points, `2·|aux34 − aux33|` | same file (`OBJECT_SCALE_ROI`) |
//!
//! The converted models (tf2onnx from the TF.js graphs) already apply the sigmoid to the pose flag,
//! heatmap and mask; the landmarks' visibility and presence are logits (checked on stills).
//! Not reproduced: MediaPipe's temporal blending of the mask with the previous frame's.
//!
//! # formcheck's own addition: no second look at an unchanged empty picture
//!
//! MediaPipe runs the detector on every frame with no one tracked. formcheck reuses the detector's
//! "no one" while the picture has not changed since it said so: the detector's letterboxed input
//! (224×224, the frame averaged down, so sensor noise mostly cancels) is compared with the one it
//! last ran on and found no one in. Fewer than [`EMPTY_CHANGED_FRACTION`] of its pixels moved by
//! more than [`EMPTY_CHANGE_LEVEL`] levels, and less than [`EMPTY_REUSE_S`] since that run: the
//! same input gives the same answer, so the detector is skipped. A person walking in changes far
//! more than that; a person who stood still and was missed is looked for again within
//! [`EMPTY_REUSE_S`]. An empty room or a title card then costs the letterbox, not the detector
//! (12 ms of the 2 cores here). Tracking, stills and any frame after a person was found are
//! unaffected. Off with [`crate::pose::EstimatorOptions::reuse_empty_detections`].

pub mod detector;
pub mod roi;
pub(crate) mod smooth;

use std::path::{Path, PathBuf};
use std::time::Instant;

use ort::session::Session;
use ort::value::{TensorElementType, TensorRef, ValueType};

use crate::frame::Frame;
use crate::pose::crop::{CropRegion, crop_resize_into};
use crate::pose::skeleton::{Body3d, Joint, Keypoint, LANDMARK_COUNT, Landmark, Pose};
use crate::runtime;
use detector::{Anchor, DETECTOR_SIDE, Detection};
pub use roi::RotatedRoi;
use smooth::{EuroBank, EuroParams, LowPassBank};

/// Side of the landmark model's square input, and of its mask.
pub const LANDMARK_SIDE: usize = 256;
/// Points the landmark model gives: 33 landmarks, 2 auxiliary, 4 unused.
const POINTS: usize = 39;
/// Side of the landmark model's heatmap.
const HEATMAP_SIDE: usize = 64;
/// The person detector's score threshold: MediaPipe Pose's `min_detection_confidence` (0.5 in
/// `python/solutions/pose.py`, which overrides `min_score_thresh: 0.2` of
/// `pose_detection/pose_detection_cpu.pbtxt`'s `TensorsToDetectionsCalculator`; the peer runs it).
const DETECTOR_MIN_SCORE: f32 = 0.5;
const POSE_FLAG_MIN: f32 = 0.5;
const ROI_SCALE: f32 = 1.25;
const HEATMAP_KERNEL: usize = 7;
const HEATMAP_MIN_CONFIDENCE: f32 = 0.5;
const LANDMARK_EURO: EuroParams = EuroParams { min_cutoff: 0.05, beta: 80.0, derivate_cutoff: 1.0 };
const WORLD_EURO: EuroParams = EuroParams { min_cutoff: 0.1, beta: 40.0, derivate_cutoff: 1.0 };
const AUX_EURO: EuroParams = EuroParams { min_cutoff: 0.01, beta: 10.0, derivate_cutoff: 1.0 };
const VISIBILITY_ALPHA: f64 = 0.1;
/// How far a value of the detector's input (0..255) must move to count as changed (see the module's
/// documentation): far above what averaging leaves of a webcam's noise, far below a person's edge.
const EMPTY_CHANGE_LEVEL: i32 = 16;
/// The fraction of the detector's input pixels that must change before the detector looks again at
/// a picture it found empty: 0.2% of 224×224 is 100 pixels, a patch of about 10×10 (a 1080p frame's
/// 90×90 pixels), smaller than a person's head at the distance a whole body fits the frame.
const EMPTY_CHANGED_FRACTION: f64 = 0.002;
/// The longest an empty answer is reused: the detector looks again at least this often (seconds).
const EMPTY_REUSE_S: f64 = 0.5;

/// The COCO-17 joints and the BlazePose landmarks they are read from.
pub const COCO_FROM_LANDMARK: [(Joint, Landmark); 17] = [
    (Joint::Nose, Landmark::Nose),
    (Joint::LeftEye, Landmark::LeftEye),
    (Joint::RightEye, Landmark::RightEye),
    (Joint::LeftEar, Landmark::LeftEar),
    (Joint::RightEar, Landmark::RightEar),
    (Joint::LeftShoulder, Landmark::LeftShoulder),
    (Joint::RightShoulder, Landmark::RightShoulder),
    (Joint::LeftElbow, Landmark::LeftElbow),
    (Joint::RightElbow, Landmark::RightElbow),
    (Joint::LeftWrist, Landmark::LeftWrist),
    (Joint::RightWrist, Landmark::RightWrist),
    (Joint::LeftHip, Landmark::LeftHip),
    (Joint::RightHip, Landmark::RightHip),
    (Joint::LeftKnee, Landmark::LeftKnee),
    (Joint::RightKnee, Landmark::RightKnee),
    (Joint::LeftAnkle, Landmark::LeftAnkle),
    (Joint::RightAnkle, Landmark::RightAnkle),
];

/// Why a BlazePose model file was refused: what to report.
#[derive(Debug)]
pub(crate) enum NetError {
    Runtime(runtime::RuntimeError),
    Missing(PathBuf),
    Corrupt(PathBuf, String),
    WrongShape(PathBuf, String),
}

/// The landmark model's named outputs; the points copy has the first [`POINTS_OUTPUTS`].
const LANDMARK_OUTPUTS: [(&str, &[i64]); 5] = [
    ("ld_3d", &[195]),
    ("world_3d", &[117]),
    ("output_poseflag", &[1]),
    ("activation_heatmap", &[64, 64, 39]),
    ("activation_segmentation", &[256, 256, 1]),
];

/// How many of [`LANDMARK_OUTPUTS`] the points copy of a landmark model gives (all but the mask).
const POINTS_OUTPUTS: usize = 4;

fn open(path: &Path, threads: usize) -> Result<Session, NetError> {
    let (env, _) = runtime::environment().map_err(NetError::Runtime)?;
    if !path.is_file() {
        return Err(NetError::Missing(path.to_path_buf()));
    }
    runtime::session(env, path, threads).map_err(|e| NetError::Corrupt(path.to_path_buf(), e))
}

/// Checks a tensor's type and trailing dimensions (the batch is 1 or dynamic).
fn check_tensor(t: &ValueType, what: &str, dims: &[i64]) -> Result<(), String> {
    match t {
        ValueType::Tensor { ty: TensorElementType::Float32, shape, .. }
            if shape.len() == dims.len() + 1
                && (shape[0] == 1 || shape[0] < 0)
                && shape.iter().skip(1).zip(dims).all(|(a, b)| a == b || *a < 0) =>
        {
            Ok(())
        }
        other => Err(format!("{what} is {other:?}, expected float32 [1, {dims:?}]")),
    }
}

/// The two BlazePose networks: the detector and one landmark model (with, when it is beside the
/// landmark model, that model's copy without the segmentation head).
pub struct BlazeNets {
    detector: Session,
    detector_input: String,
    landmark: Session,
    landmark_input: String,
    /// `<landmark>-points.onnx`: the landmark model cut before its segmentation head
    /// (`models/points.py`; the same nodes and weights, so bit-identical landmarks), run when no
    /// mask is wanted. ONNX Runtime runs a whole graph whatever outputs are asked for, and the
    /// mask's decoder is about 40% of the lite model's time. `None`: the whole model always runs.
    points: Option<(Session, String)>,
    anchors: Vec<Anchor>,
}

/// File name of the points copy of the landmark model `landmark` (`blazepose-lite.onnx` →
/// `blazepose-lite-points.onnx`).
#[must_use]
pub fn points_file(landmark: &Path) -> PathBuf {
    let stem = landmark.file_stem().map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    landmark.with_file_name(format!("{stem}-points.onnx"))
}

/// Checks a landmark model's single input and its named outputs (`outputs`).
fn check_landmark(lm: &Session, path: &Path, outputs: &[(&str, &[i64])]) -> Result<String, NetError> {
    let wrong = |w: String| NetError::WrongShape(path.to_path_buf(), w);
    let [lin] = lm.inputs() else {
        return Err(wrong(format!("it has {} inputs, expected 1", lm.inputs().len())));
    };
    check_tensor(lin.dtype(), "input", &[256, 256, 3]).map_err(wrong)?;
    for (name, dims) in outputs {
        let out = lm.outputs().iter().find(|o| o.name() == *name).ok_or_else(|| {
            wrong(format!(
                "it has no output `{name}` (a BlazePose landmark model converted as in models/convert.sh has)"
            ))
        })?;
        check_tensor(out.dtype(), &format!("output `{name}`"), dims).map_err(wrong)?;
    }
    Ok(lin.name().to_string())
}

impl BlazeNets {
    /// Loads and checks `detector` (input float `[1,224,224,3]`, output `[1,2254,13]`) and
    /// `landmark` (input float `[1,256,256,3]`, the five named outputs).
    pub(crate) fn load(detector: &Path, landmark: &Path, threads: usize) -> Result<Self, NetError> {
        let det = open(detector, threads)?;
        let wrong = |p: &Path, w: String| NetError::WrongShape(p.to_path_buf(), w);
        let [din] = det.inputs() else {
            return Err(wrong(detector, format!("it has {} inputs, expected 1", det.inputs().len())));
        };
        check_tensor(din.dtype(), "input", &[224, 224, 3]).map_err(|w| wrong(detector, w))?;
        let [dout] = det.outputs() else {
            return Err(wrong(detector, format!("it has {} outputs, expected 1", det.outputs().len())));
        };
        // The converted detector's output dimensions are all dynamic; checked on the first run too.
        check_tensor(dout.dtype(), "output", &[detector::ANCHOR_COUNT as i64, detector::VALUES_PER_ANCHOR as i64])
            .map_err(|w| wrong(detector, w))?;
        let detector_input = din.name().to_string();
        let lm = open(landmark, threads)?;
        let landmark_input = check_landmark(&lm, landmark, &LANDMARK_OUTPUTS)?;
        // The points copy is optional (without it every pass computes the mask), but one that is
        // there must load and have every output but the mask.
        let points_path = points_file(landmark);
        let points = if points_path.is_file() {
            let p = open(&points_path, threads)?;
            let name = check_landmark(&p, &points_path, &LANDMARK_OUTPUTS[..POINTS_OUTPUTS])?;
            Some((p, name))
        } else {
            None
        };
        Ok(Self { detector: det, detector_input, landmark: lm, landmark_input, points, anchors: detector::anchors() })
    }

    /// Whether a pass without the mask runs the cheaper points copy of the landmark model.
    #[must_use]
    pub fn has_points_model(&self) -> bool {
        self.points.is_some()
    }

    /// Runs the detector on a 224×224 letterboxed input in −1..1; the best detection, if any.
    ///
    /// # Errors
    /// When ONNX Runtime fails or the output has the wrong size.
    pub fn detect(&mut self, input: &[f32]) -> Result<Option<Detection>, String> {
        let tensor = TensorRef::from_array_view(([1usize, DETECTOR_SIDE, DETECTOR_SIDE, 3], input))
            .map_err(|e| e.to_string())?;
        let outputs =
            self.detector.run(ort::inputs![self.detector_input.as_str() => tensor]).map_err(|e| e.to_string())?;
        let (_, raw) = outputs[0].try_extract_tensor::<f32>().map_err(|e| e.to_string())?;
        if raw.len() != self.anchors.len() * detector::VALUES_PER_ANCHOR {
            return Err(format!("the detector gave {} values, expected 2254 x 13", raw.len()));
        }
        Ok(detector::best_weighted(&detector::decode(raw, &self.anchors, DETECTOR_MIN_SCORE)))
    }

    /// Runs the landmark model on a 256×256 input in 0..1, with the person mask.
    ///
    /// # Errors
    /// When ONNX Runtime fails or an output has the wrong size.
    pub fn landmarks(&mut self, input: &[f32], raw: &mut RawLandmarks) -> Result<(), String> {
        self.landmarks_with(input, raw, true)
    }

    /// Runs the landmark model on a 256×256 input in 0..1; without `mask`, the points copy when
    /// there is one, and `raw.mask` is left empty.
    ///
    /// # Errors
    /// When ONNX Runtime fails or an output has the wrong size.
    pub fn landmarks_with(&mut self, input: &[f32], raw: &mut RawLandmarks, mask: bool) -> Result<(), String> {
        let tensor = TensorRef::from_array_view(([1usize, LANDMARK_SIDE, LANDMARK_SIDE, 3], input))
            .map_err(|e| e.to_string())?;
        let mask = mask || self.points.is_none();
        let (session, input_name) = match self.points.as_mut() {
            Some((s, name)) if !mask => (s, name.as_str()),
            _ => (&mut self.landmark, self.landmark_input.as_str()),
        };
        let outputs = session.run(ort::inputs![input_name => tensor]).map_err(|e| e.to_string())?;
        let get = |name: &str, len: usize| -> Result<&[f32], String> {
            let (_, d) = outputs[name].try_extract_tensor::<f32>().map_err(|e| e.to_string())?;
            if d.len() == len { Ok(d) } else { Err(format!("output `{name}` has {} values, expected {len}", d.len())) }
        };
        raw.flag = get("output_poseflag", 1)?[0];
        raw.landmarks.clear();
        raw.landmarks.extend_from_slice(get("ld_3d", POINTS * 5)?);
        raw.world.clear();
        raw.world.extend_from_slice(get("world_3d", POINTS * 3)?);
        raw.heatmap.clear();
        raw.heatmap.extend_from_slice(get("activation_heatmap", HEATMAP_SIDE * HEATMAP_SIDE * POINTS)?);
        raw.mask.clear();
        if mask {
            raw.mask.extend_from_slice(get("activation_segmentation", LANDMARK_SIDE * LANDMARK_SIDE)?);
        }
        Ok(())
    }
}

/// The landmark model's outputs for one crop.
#[derive(Debug, Clone, Default)]
pub struct RawLandmarks {
    pub flag: f32,
    /// 39 × (x, y, z, visibility logit, presence logit), x and y in input pixels.
    pub landmarks: Vec<f32>,
    /// 39 × (x, y, z) metres.
    pub world: Vec<f32>,
    /// 64 × 64 × 39, sigmoid applied.
    pub heatmap: Vec<f32>,
    /// 256 × 256, sigmoid applied; empty when the pass did not compute it.
    pub mask: Vec<f32>,
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// One crop's landmarks, decoded: ROI-normalised positions refined on the heatmap, scores, world.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decoded {
    /// 35 points (33 landmarks, 2 auxiliary) in normalised ROI coordinates.
    pub uv: [[f32; 2]; 35],
    pub visibility: [f32; LANDMARK_COUNT],
    pub presence: [f32; LANDMARK_COUNT],
    /// World landmarks in the ROI's axes (not yet turned back).
    pub world: [[f32; 3]; LANDMARK_COUNT],
}

/// Decodes the raw outputs (see [`RawLandmarks`]); the heatmap refinement is MediaPipe's
/// `RefineLandmarksFromHeatmapCalculator` (a 7×7 confidence-weighted mean of heatmap cells around
/// the point, where the window's peak reaches 0.5; cell index / 64, as MediaPipe has it).
#[must_use]
pub fn decode(raw: &RawLandmarks) -> Decoded {
    let s = LANDMARK_SIDE as f32;
    let mut d = Decoded {
        uv: [[0.0; 2]; 35],
        visibility: [0.0; LANDMARK_COUNT],
        presence: [0.0; LANDMARK_COUNT],
        world: [[0.0; 3]; LANDMARK_COUNT],
    };
    let hm = HEATMAP_SIDE as i64;
    let off = (HEATMAP_KERNEL as i64 - 1) / 2;
    for k in 0..35 {
        let l = &raw.landmarks[k * 5..k * 5 + 5];
        let (mut u, mut v) = (l[0] / s, l[1] / s);
        let (col, row) = ((u * hm as f32) as i64, (v * hm as f32) as i64);
        if u >= 0.0 && v >= 0.0 && col < hm && row < hm {
            let (mut sum, mut wc, mut wr, mut peak) = (0.0f32, 0.0f32, 0.0f32, 0.0f32);
            for r in (row - off).max(0)..(row + off + 1).min(hm) {
                for c in (col - off).max(0)..(col + off + 1).min(hm) {
                    let conf = raw.heatmap[((r * hm + c) as usize) * POINTS + k];
                    sum += conf;
                    peak = peak.max(conf);
                    wc += c as f32 * conf;
                    wr += r as f32 * conf;
                }
            }
            if peak >= HEATMAP_MIN_CONFIDENCE && sum > 0.0 {
                u = wc / hm as f32 / sum;
                v = wr / hm as f32 / sum;
            }
        }
        d.uv[k] = [u, v];
        if k < LANDMARK_COUNT {
            d.visibility[k] = sigmoid(l[3]);
            d.presence[k] = sigmoid(l[4]);
            d.world[k] = [raw.world[k * 3], raw.world[k * 3 + 1], raw.world[k * 3 + 2]];
        }
    }
    d
}

/// BlazePose's person mask of one frame: the model's 256×256 probabilities over its rotated region.
/// Read at frame pixels with [`PoseMask::at_frame`]; nothing is warped over the whole frame.
#[derive(Debug, Clone, PartialEq)]
pub struct PoseMask {
    pub roi: RotatedRoi,
    pub side: usize,
    /// Row-major person probabilities in 0..=1 over the region, `side * side` values.
    pub prob: Vec<f32>,
}

impl PoseMask {
    /// Bilinear probability at frame pixel coordinates (continuous, pixel centres at integer + ½);
    /// 0 outside the region.
    #[must_use]
    pub fn at_frame(&self, x: f32, y: f32) -> f32 {
        let [u, v] = self.roi.to_roi(x, y);
        let s = self.side as f32;
        let (mx, my) = (u * s - 0.5, v * s - 0.5);
        let (fx, fy) = (mx.floor(), my.floor());
        let (wx, wy) = (mx - fx, my - fy);
        let n = self.side as i64;
        let at = |i: i64, j: i64| {
            if i < 0 || j < 0 || i >= n || j >= n { 0.0 } else { self.prob[(j * n + i) as usize] }
        };
        let (i, j) = (fx as i64, fy as i64);
        let top = at(i, j) * (1.0 - wx) + at(i + 1, j) * wx;
        let bottom = at(i, j + 1) * (1.0 - wx) + at(i + 1, j + 1) * wx;
        top * (1.0 - wy) + bottom * wy
    }

    /// The mask resampled over an axis-aligned square `region` of the frame, `side x side`
    /// (row-major into `out`; pixel `(i, j)` is read at frame `(x0 + (i + ½)·s, y0 + (j + ½)·s)`,
    /// `s = size / side`): only those `side²` points are touched, never the whole frame.
    pub fn resample_into(&self, region: &CropRegion, side: usize, out: &mut Vec<f32>) {
        out.clear();
        out.reserve(side * side);
        let s = region.size / side as f32;
        let n = self.side as f32;
        // Mask coordinates are affine in (i, j).
        let at = |x: f32, y: f32| {
            let [u, v] = self.roi.to_roi(x, y);
            [u * n - 0.5, v * n - 0.5]
        };
        let o = at(region.x0 + 0.5 * s, region.y0 + 0.5 * s);
        let ox = at(region.x0 + 1.5 * s, region.y0 + 0.5 * s);
        let oy = at(region.x0 + 0.5 * s, region.y0 + 1.5 * s);
        let (di, dj) = ([ox[0] - o[0], ox[1] - o[1]], [oy[0] - o[0], oy[1] - o[1]]);
        let m = self.side as i64;
        let px =
            |i: i64, j: i64| if i < 0 || j < 0 || i >= m || j >= m { 0.0 } else { self.prob[(j * m + i) as usize] };
        for j in 0..side {
            for i in 0..side {
                let mx = o[0] + di[0] * i as f32 + dj[0] * j as f32;
                let my = o[1] + di[1] * i as f32 + dj[1] * j as f32;
                if mx < -1.0 || my < -1.0 || mx >= n || my >= n {
                    out.push(0.0);
                    continue;
                }
                let (fx, fy) = (mx.floor(), my.floor());
                let (wx, wy) = (mx - fx, my - fy);
                let (a, b) = (fx as i64, fy as i64);
                let top = px(a, b) * (1.0 - wx) + px(a + 1, b) * wx;
                let bottom = px(a, b + 1) * (1.0 - wx) + px(a + 1, b + 1) * wx;
                out.push(top * (1.0 - wy) + bottom * wy);
            }
        }
    }
}

/// What one BlazePose frame gives the pose stage.
#[derive(Debug, Clone)]
pub(crate) struct BlazeFrame {
    pub present: bool,
    pub pose: Pose,
    pub body: Option<Body3d>,
    pub mask: Option<PoseMask>,
    /// The region of the final landmark pass.
    pub roi: Option<RotatedRoi>,
    pub tracked: bool,
    pub passes: u32,
}

/// Step times, added into the pose stage's [`crate::pose::StageTimes`].
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct BlazeTimes {
    pub preprocess_ms: f64,
    pub inference_ms: f64,
    pub postprocess_ms: f64,
}

/// BlazePose's tracking state between frames.
pub(crate) struct BlazeTracker {
    roi: Option<RotatedRoi>,
    smoothing: bool,
    tracking: bool,
    landmarks: EuroBank,
    aux: EuroBank,
    world: EuroBank,
    visibility: LowPassBank,
    det_input: Vec<i32>,
    det_float: Vec<f32>,
    lm_input: Vec<f32>,
    raw: RawLandmarks,
    /// The region of the pass whose outputs `raw` holds.
    raw_roi: Option<RotatedRoi>,
    /// Whether this frame's passes compute the person mask (default); without it a frame's
    /// [`BlazeFrame::mask`] is `None` and [`BlazeTracker::mask_of`] makes it on demand.
    pub want_mask: bool,
    /// Whether an unchanged empty picture reuses the detector's last "no one" (see the module's
    /// documentation); only while tracking.
    reuse_empty: bool,
    /// The detector's input the last time it found no one, and that frame's time.
    empty: Option<(Vec<i32>, f64)>,
    /// Frames on which the detector's "no one" was reused instead of running it.
    pub(crate) detector_skips: u64,
}

impl std::fmt::Debug for BlazeTracker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlazeTracker").field("roi", &self.roi).finish_non_exhaustive()
    }
}

fn ms(a: Instant, b: Instant) -> f64 {
    (b - a).as_secs_f64() * 1e3
}

/// Whether the detector's input `now` differs from `seen` (see the module's documentation): more
/// than [`EMPTY_CHANGED_FRACTION`] of its pixels have a value that moved more than
/// [`EMPTY_CHANGE_LEVEL`]. Inputs of different sizes always differ.
fn picture_changed(seen: &[i32], now: &[i32]) -> bool {
    if seen.len() != now.len() || !seen.len().is_multiple_of(3) {
        return true;
    }
    let allowed = (EMPTY_CHANGED_FRACTION * (seen.len() / 3) as f64) as usize;
    let mut changed = 0;
    for (a, b) in seen.chunks_exact(3).zip(now.chunks_exact(3)) {
        if a.iter().zip(b).any(|(x, y)| (x - y).abs() > EMPTY_CHANGE_LEVEL) {
            changed += 1;
            if changed > allowed {
                return true;
            }
        }
    }
    false
}

impl BlazeTracker {
    pub(crate) fn new(smoothing: bool, tracking: bool, reuse_empty: bool) -> Self {
        Self {
            roi: None,
            smoothing,
            tracking,
            landmarks: EuroBank::new(LANDMARK_EURO, LANDMARK_COUNT * 2),
            aux: EuroBank::new(AUX_EURO, 4),
            world: EuroBank::new(WORLD_EURO, LANDMARK_COUNT * 3),
            visibility: LowPassBank::new(VISIBILITY_ALPHA, LANDMARK_COUNT),
            det_input: Vec::new(),
            det_float: Vec::new(),
            lm_input: Vec::new(),
            raw: RawLandmarks::default(),
            raw_roi: None,
            want_mask: true,
            reuse_empty: reuse_empty && tracking,
            empty: None,
            detector_skips: 0,
        }
    }

    /// Forgets the person and the last empty picture: the next frame runs the detector, and
    /// smoothing restarts.
    pub(crate) fn reset(&mut self) {
        self.empty = None;
        self.forget();
    }

    /// Forgets the person (tracking lost): smoothing restarts.
    fn forget(&mut self) {
        self.roi = None;
        self.landmarks.reset();
        self.aux.reset();
        self.world.reset();
        self.visibility.reset();
    }

    /// The region the detector gives on `frame`, if it finds a person.
    fn detect(
        &mut self,
        nets: &mut BlazeNets,
        frame: &Frame,
        times: &mut BlazeTimes,
    ) -> Result<Option<RotatedRoi>, String> {
        let t0 = Instant::now();
        let letterbox = CropRegion::full_frame(frame.width, frame.height);
        crop_resize_into(frame, &letterbox, DETECTOR_SIDE, &mut self.det_input);
        if let Some((seen, t)) = &self.empty
            && (0.0..EMPTY_REUSE_S).contains(&(frame.t - t))
            && !picture_changed(seen, &self.det_input)
        {
            self.detector_skips += 1;
            times.preprocess_ms += ms(t0, Instant::now());
            return Ok(None);
        }
        self.det_float.clear();
        self.det_float.extend(self.det_input.iter().map(|&v| v as f32 * (2.0 / 255.0) - 1.0));
        let t1 = Instant::now();
        let det = nets.detect(&self.det_float)?;
        let t2 = Instant::now();
        times.preprocess_ms += ms(t0, t1);
        times.inference_ms += ms(t1, t2);
        let roi = det.and_then(|d| {
            let to_frame = |p: [f32; 2]| {
                let (x, y) = letterbox.to_source(p[0], p[1]);
                [x, y]
            };
            let roi = RotatedRoi::from_alignment(to_frame(d.keypoints[0]), to_frame(d.keypoints[1]), ROI_SCALE);
            roi.is_valid().then_some(roi)
        });
        // Keep this empty picture (in the last one's buffer) for the next frames to compare with.
        let last = self.empty.take();
        if roi.is_none() && self.reuse_empty {
            let mut seen = last.map(|(seen, _)| seen).unwrap_or_default();
            seen.clone_from(&self.det_input);
            self.empty = Some((seen, frame.t));
        }
        Ok(roi)
    }

    /// One landmark pass on `roi`: the decoded points when the pose flag says a person is there.
    fn landmark_pass(
        &mut self,
        nets: &mut BlazeNets,
        frame: &Frame,
        roi: &RotatedRoi,
        times: &mut BlazeTimes,
    ) -> Result<Option<Decoded>, String> {
        let t0 = Instant::now();
        roi::warp_into(frame, roi, LANDMARK_SIDE, &mut self.lm_input);
        let t1 = Instant::now();
        self.raw_roi = None;
        nets.landmarks_with(&self.lm_input, &mut self.raw, self.want_mask)?;
        self.raw_roi = Some(*roi);
        let t2 = Instant::now();
        let out = (self.raw.flag >= POSE_FLAG_MIN).then(|| decode(&self.raw));
        times.preprocess_ms += ms(t0, t1);
        times.inference_ms += ms(t1, t2);
        times.postprocess_ms += ms(t2, Instant::now());
        Ok(out)
    }

    /// Runs the pipeline on `frame` (time `frame.t`).
    pub(crate) fn estimate(
        &mut self,
        nets: &mut BlazeNets,
        frame: &Frame,
        times: &mut BlazeTimes,
    ) -> Result<BlazeFrame, String> {
        let mut passes = 0;
        let tracked_roi = if self.tracking { self.roi } else { None };
        let mut tracked = tracked_roi.is_some();
        let mut found = None;
        if let Some(roi) = tracked_roi {
            passes += 1;
            found = self.landmark_pass(nets, frame, &roi, times)?.map(|d| (roi, d));
        }
        if found.is_none() {
            // Lost (or never had) the person: the detector, now, on this frame.
            self.forget();
            tracked = false;
            if let Some(roi) = self.detect(nets, frame, times)? {
                passes += 1;
                found = self.landmark_pass(nets, frame, &roi, times)?.map(|d| (roi, d));
                // The detector's region is coarse: refine once on the region the landmarks give,
                // as the next frame of a video would.
                if let Some((roi0, d)) = found {
                    let next = aux_roi(&roi0, &d.uv[33], &d.uv[34]);
                    if next.is_valid() {
                        passes += 1;
                        if let Some(d2) = self.landmark_pass(nets, frame, &next, times)? {
                            found = Some((next, d2));
                        }
                    }
                }
            }
        }
        let t0 = Instant::now();
        let Some((roi, d)) = found else {
            self.forget();
            return Ok(BlazeFrame {
                present: false,
                pose: Pose::default(),
                body: None,
                mask: None,
                roi: None,
                tracked,
                passes,
            });
        };
        let mut out = self.finish(frame, &roi, &d);
        out.tracked = tracked;
        out.passes = passes;
        times.postprocess_ms += ms(t0, Instant::now());
        Ok(out)
    }

    /// The person mask of `roi` in `frame` (the region of a frame's result whose passes did not
    /// make one): one more pass of the whole landmark model on the same crop. Tracking and
    /// smoothing are left as they are.
    ///
    /// # Errors
    /// When ONNX Runtime fails.
    pub(crate) fn mask_of(
        &mut self,
        nets: &mut BlazeNets,
        frame: &Frame,
        roi: &RotatedRoi,
        times: &mut BlazeTimes,
    ) -> Result<PoseMask, String> {
        let t0 = Instant::now();
        roi::warp_into(frame, roi, LANDMARK_SIDE, &mut self.lm_input);
        let t1 = Instant::now();
        self.raw_roi = None;
        nets.landmarks_with(&self.lm_input, &mut self.raw, true)?;
        self.raw_roi = Some(*roi);
        times.preprocess_ms += ms(t0, t1);
        times.inference_ms += ms(t1, Instant::now());
        Ok(PoseMask { roi: *roi, side: LANDMARK_SIDE, prob: self.raw.mask.clone() })
    }

    /// Landmarks to frame pixels, smoothing, the next region, the COCO-17 pose and the mask.
    fn finish(&mut self, frame: &Frame, roi: &RotatedRoi, d: &Decoded) -> BlazeFrame {
        let mut xy = [0.0f32; LANDMARK_COUNT * 2];
        for k in 0..LANDMARK_COUNT {
            let p = roi.to_frame(d.uv[k][0], d.uv[k][1]);
            xy[2 * k] = p[0];
            xy[2 * k + 1] = p[1];
        }
        let a0 = roi.to_frame(d.uv[33][0], d.uv[33][1]);
        let a1 = roi.to_frame(d.uv[34][0], d.uv[34][1]);
        let mut aux = [a0[0], a0[1], a1[0], a1[1]];
        let mut world = [0.0f32; LANDMARK_COUNT * 3];
        for k in 0..LANDMARK_COUNT {
            let [x, y, z] = d.world[k];
            let r = roi.rotate_to_frame([x, y]);
            world[3 * k..3 * k + 3].copy_from_slice(&[r[0], r[1], z]);
        }
        let mut visibility = d.visibility;
        if self.smoothing {
            // The person's size: the side of the unscaled region the auxiliary points span.
            let size = 2.0 * f64::from((a1[0] - a0[0]).hypot(a1[1] - a0[1]));
            if size > 1e-6 {
                let t = frame.t;
                self.landmarks.apply(t, 1.0 / size, &mut xy);
                self.aux.apply(t, 1.0 / size, &mut aux);
                self.world.apply(t, 1.0, &mut world);
                self.visibility.apply(&mut visibility);
            }
        }
        if self.tracking {
            let next = RotatedRoi::from_alignment([aux[0], aux[1]], [aux[2], aux[3]], ROI_SCALE);
            self.roi = next.is_valid().then_some(next);
        }
        let mut image = [Keypoint::default(); LANDMARK_COUNT];
        let mut world3 = [[0.0f32; 3]; LANDMARK_COUNT];
        for k in 0..LANDMARK_COUNT {
            image[k] = Keypoint::new(xy[2 * k], xy[2 * k + 1], visibility[k].clamp(0.0, 1.0));
            world3[k] = [world[3 * k], world[3 * k + 1], world[3 * k + 2]];
        }
        let body = Body3d { image, presence: d.presence, world: world3 };
        let mut pose = Pose::default();
        for (j, l) in COCO_FROM_LANDMARK {
            pose.set(j, body.image(l));
        }
        // The mask of this region's pass (a refining pass that lost the person leaves `raw` on
        // another region), when the pass made one.
        let mask = (self.raw_roi == Some(*roi) && !self.raw.mask.is_empty()).then(|| PoseMask {
            roi: *roi,
            side: LANDMARK_SIDE,
            prob: self.raw.mask.clone(),
        });
        BlazeFrame { present: true, pose, body: Some(body), mask, roi: Some(*roi), tracked: false, passes: 0 }
    }
}

/// The region the auxiliary points (normalised in `roi`) give (MediaPipe's `pose_landmarks_to_roi`).
fn aux_roi(roi: &RotatedRoi, a0: &[f32; 2], a1: &[f32; 2]) -> RotatedRoi {
    RotatedRoi::from_alignment(roi.to_frame(a0[0], a0[1]), roi.to_frame(a1[0], a1[1]), ROI_SCALE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_picture_changes_by_a_patch_not_by_noise_or_a_few_pixels() {
        let side = DETECTOR_SIDE * DETECTOR_SIDE;
        let seen: Vec<i32> = (0..side * 3).map(|i| (i * 7 % 200) as i32).collect();
        assert!(!picture_changed(&seen, &seen));
        // Noise and a light change: every value moves, none by more than the level.
        let noisy: Vec<i32> = seen.iter().enumerate().map(|(i, v)| v + [-9, 4, 16, -16][i % 4]).collect();
        assert!(!picture_changed(&seen, &noisy), "noise of up to the level is no change");
        let lighter: Vec<i32> = seen.iter().map(|v| v + 17).collect();
        assert!(picture_changed(&seen, &lighter), "every pixel moved past the level");
        // A patch: 100 pixels (the allowed 0.2%) is no change, 101 is.
        let patch = |n: usize| {
            let mut p = seen.clone();
            for k in 0..n {
                p[3 * (k * 97 % side) + 1] += 40;
            }
            p
        };
        assert_eq!((EMPTY_CHANGED_FRACTION * side as f64) as usize, 100);
        assert!(!picture_changed(&seen, &patch(100)));
        assert!(picture_changed(&seen, &patch(101)));
        assert!(picture_changed(&seen, &seen[3..]), "another size");
    }

    #[test]
    fn world_landmarks_turn_back_with_the_region() {
        // A region turned +90° (the body lies with its head to the right). In the crop the nose is
        // 0.6 m above the hips (y −0.6); in the frame's axes it is 0.6 m to the right.
        let roi = RotatedRoi { cx: 0.0, cy: 0.0, side: 100.0, angle: std::f32::consts::FRAC_PI_2 };
        let r = roi.rotate_to_frame([0.0, -0.6]);
        assert!((r[0] - 0.6).abs() < 1e-6 && r[1].abs() < 1e-6, "{r:?}");
        // And the full path through `finish`.
        let mut tracker = BlazeTracker::new(false, true, true);
        let mut raw = RawLandmarks {
            flag: 1.0,
            landmarks: vec![128.0; POINTS * 5],
            world: vec![0.0; POINTS * 3],
            heatmap: vec![0.0; HEATMAP_SIDE * HEATMAP_SIDE * POINTS],
            mask: vec![0.0; LANDMARK_SIDE * LANDMARK_SIDE],
        };
        raw.landmarks[3] = 0.0; // nose visibility logit
        raw.world[1] = -0.6; // nose y
        raw.world[2] = 0.25; // nose z
        // Auxiliary points: 33 at the crop's centre, 34 a quarter side above it.
        raw.landmarks[34 * 5 + 1] = 64.0;
        let d = decode(&raw);
        let frame = Frame::new(0, 0.0, 4, 4, vec![0; 48]);
        let out = tracker.finish(&frame, &roi, &d);
        let body = out.body.unwrap();
        let nose = body.world(Landmark::Nose);
        assert!((nose[0] - 0.6).abs() < 1e-6 && nose[1].abs() < 1e-6 && nose[2] == 0.25, "{nose:?}");
        // The next region: centred on the crop's centre, side 2 · 25 · 1.25, still turned +90°.
        let next = tracker.roi.unwrap();
        assert!((next.side - 62.5).abs() < 1e-3 && (next.angle - roi.angle).abs() < 1e-5, "{next:?}");
        // Logit 0 → visibility 0.5; the COCO nose is the landmark nose.
        assert_eq!(body.image(Landmark::Nose).score, 0.5);
        assert_eq!(out.pose.get(Joint::Nose), body.image(Landmark::Nose));
        assert_eq!(out.pose.get(Joint::RightAnkle), body.image(Landmark::RightAnkle));
    }

    #[test]
    fn heatmap_refinement_moves_a_point_to_the_confident_cells() {
        let mut raw = RawLandmarks {
            flag: 1.0,
            landmarks: vec![0.0; POINTS * 5],
            world: vec![0.0; POINTS * 3],
            heatmap: vec![0.0; HEATMAP_SIDE * HEATMAP_SIDE * POINTS],
            mask: Vec::new(),
        };
        // Landmark 11 at input pixel (100, 100): heatmap cell (25, 25). A confident cell at (27, 24).
        raw.landmarks[55] = 100.0;
        raw.landmarks[56] = 100.0;
        raw.heatmap[(24 * 64 + 27) * POINTS + 11] = 0.9;
        let d = decode(&raw);
        let close = |a: [f32; 2], b: [f32; 2]| (a[0] - b[0]).abs() < 1e-6 && (a[1] - b[1]).abs() < 1e-6;
        assert!(close(d.uv[11], [27.0 / 64.0, 24.0 / 64.0]), "{:?}", d.uv[11]);
        // Under the confidence floor: unrefined.
        raw.heatmap[(24 * 64 + 27) * POINTS + 11] = 0.4;
        assert!(close(decode(&raw).uv[11], [100.0 / 256.0, 100.0 / 256.0]));
    }

    #[test]
    fn the_mask_is_read_at_frame_pixels_through_the_rotation() {
        // A 4x4 mask whose top-left cell is 1, over a region centred at (10, 10), side 8, turned +90°:
        // the crop's top-left is the frame's top-right.
        let mut prob = vec![0.0; 16];
        prob[0] = 1.0;
        let m = PoseMask {
            roi: RotatedRoi { cx: 10.0, cy: 10.0, side: 8.0, angle: std::f32::consts::FRAC_PI_2 },
            side: 4,
            prob,
        };
        // Mask cell (0, 0) centre is ROI (1/8, 1/8): local (−3, −3) → frame (10 + 3, 10 − 3).
        assert!((m.at_frame(13.0, 7.0) - 1.0).abs() < 1e-5);
        assert_eq!(m.at_frame(7.0, 7.0), 0.0);
        assert_eq!(m.at_frame(100.0, 7.0), 0.0, "outside the region");
        // Resampled over the frame square (0, 0)-(20, 20) at 20 px: pixel (12, 6) has centre (12.5, 6.5).
        let mut out = Vec::new();
        m.resample_into(&CropRegion { x0: 0.0, y0: 0.0, size: 20.0 }, 20, &mut out);
        for j in 0..20 {
            for i in 0..20 {
                let want = m.at_frame(i as f32 + 0.5, j as f32 + 0.5);
                assert!((out[j * 20 + i] - want).abs() < 1e-4, "({i}, {j}): {} vs {want}", out[j * 20 + i]);
            }
        }
        assert!(out[6 * 20 + 12] > 0.2);
    }
}
