//! The pose stage: frame in, smoothed keypoints out, with region-of-interest tracking.
//!
//! A person in a 1080p frame is small: letterboxed whole into 256x256 they span a few dozen pixels.
//! So after the first detection we crop a square around the previous frame's keypoints (with margin)
//! and run the model on that; when the person is lost we go back to the whole frame. A detection on
//! the whole frame is refined at once by a second pass on the crop it suggests.

use std::time::Instant;

use crate::frame::Frame;
use crate::pose::blazepose::{BlazeTimes, BlazeTracker, PoseMask, RotatedRoi};
use crate::pose::crop::{CropRegion, crop_resize_into, region_from_pose};
use crate::pose::decode::{PresenceRule, confine_keypoints, confine_to_frame, decode_movenet};
use crate::pose::model::{ModelError, PoseModel};
use crate::pose::skeleton::{Pose, PoseSample};
use crate::pose::smooth::{OneEuroParams, PoseSmoother};

/// Milliseconds spent in each step for one frame (summed over passes when a frame needed two).
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct StageTimes {
    pub preprocess_ms: f64,
    pub inference_ms: f64,
    pub postprocess_ms: f64,
}

/// How far past the frame's edge (in crop sides) a joint is still taken as on the edge.
const EDGE_TOLERANCE: f32 = 0.02;

/// What the pose stage found in one frame.
#[derive(Debug, Clone, PartialEq)]
pub struct PoseResult {
    pub sample: PoseSample,
    /// The region the final pass looked at (BlazePose: the square around its rotated region).
    pub region: CropRegion,
    /// BlazePose: the rotated region of the final landmark pass.
    pub roi: Option<RotatedRoi>,
    /// BlazePose: its person mask of this frame (the hip hinge's back is read on it); `None`
    /// also when [`PoseEstimator::set_want_mask`] said no mask is wanted (see
    /// [`PoseEstimator::mask_of`]).
    pub mask: Option<PoseMask>,
    /// Whether that region came from tracking (true) or the whole frame (false).
    pub tracked: bool,
    /// Model runs used for this frame (1, or 2 when a detection was refined or a track was lost).
    pub passes: u32,
    pub times: StageTimes,
}

/// Settings of the pose stage.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EstimatorOptions {
    /// Smooth keypoints over time (on for video and camera, off for single images).
    pub smoothing: bool,
    /// Crop around the previous frame's person (on for video and camera; stills still get one refinement pass).
    pub tracking: bool,
    /// Crop side = joint spread x this margin.
    pub crop_margin: f32,
    pub presence: PresenceRule,
    pub one_euro: OneEuroParams,
    /// BlazePose while tracking: reuse the detector's "no one" on a picture that has not changed
    /// since (see [`crate::pose::blazepose`]; on by default; off, the detector runs on every frame
    /// with no one tracked, as in MediaPipe).
    pub reuse_empty_detections: bool,
}

impl Default for EstimatorOptions {
    fn default() -> Self {
        Self {
            smoothing: true,
            tracking: true,
            crop_margin: 1.4,
            presence: PresenceRule::default(),
            one_euro: OneEuroParams::default(),
            reuse_empty_detections: true,
        }
    }
}

impl EstimatorOptions {
    /// For independent still images: no smoothing, no tracking across images.
    #[must_use]
    pub fn still() -> Self {
        Self { smoothing: false, tracking: false, ..Self::default() }
    }
}

/// Runs the model on frames, keeping the tracking region and smoothing state between them.
#[derive(Debug)]
pub struct PoseEstimator {
    model: PoseModel,
    options: EstimatorOptions,
    track: Option<CropRegion>,
    smoother: PoseSmoother,
    input: Vec<i32>,
    output: Vec<f32>,
    /// BlazePose's own tracking and smoothing (MediaPipe's), when the model is BlazePose.
    blaze: Option<BlazeTracker>,
}

struct Pass {
    pose: Pose,
    present: bool,
}

impl PoseEstimator {
    #[must_use]
    pub fn new(model: PoseModel, options: EstimatorOptions) -> Self {
        let mut smoother = PoseSmoother::new(options.one_euro);
        smoother.min_score = options.presence.min_score;
        let blaze = model
            .kind()
            .is_blazepose()
            .then(|| BlazeTracker::new(options.smoothing, options.tracking, options.reuse_empty_detections));
        Self { model, options, track: None, smoother, input: Vec::new(), output: Vec::new(), blaze }
    }

    #[must_use]
    pub fn model(&self) -> &PoseModel {
        &self.model
    }

    /// Forgets the tracked person and the smoothing history (a new source, or a jump in time).
    pub fn reset(&mut self) {
        self.track = None;
        self.smoother.reset();
        if let Some(b) = self.blaze.as_mut() {
            b.reset();
        }
    }

    /// BlazePose: the frames on which the detector's "no one" was reused on an unchanged picture
    /// instead of running it again (see [`EstimatorOptions::reuse_empty_detections`]); 0 for MoveNet.
    #[must_use]
    pub fn detector_skips(&self) -> u64 {
        self.blaze.as_ref().map_or(0, |b| b.detector_skips)
    }

    /// Whether the next frames' BlazePose passes compute the person mask (on by default). Off, they
    /// run the landmark model's points copy when there is one (quicker), and a frame whose mask is
    /// needed after all gets it from [`PoseEstimator::mask_of`]. MoveNet: no effect.
    pub fn set_want_mask(&mut self, want: bool) {
        if let Some(b) = self.blaze.as_mut() {
            b.want_mask = want;
        }
    }

    /// BlazePose: the person mask of `frame` in the region `roi` of its [`PoseResult`], made now
    /// (one more pass of the whole landmark model); its time is the caller's. `None` for MoveNet.
    ///
    /// # Errors
    /// [`ModelError::Inference`] when ONNX Runtime fails.
    pub fn mask_of(&mut self, frame: &Frame, roi: &RotatedRoi) -> Result<Option<PoseMask>, ModelError> {
        let (Some(tracker), Some(nets)) = (self.blaze.as_mut(), self.model.blazepose()) else {
            return Ok(None);
        };
        let mut bt = BlazeTimes::default();
        tracker.mask_of(nets, frame, roi, &mut bt).map(Some).map_err(ModelError::Inference)
    }

    /// BlazePose: MediaPipe's pipeline (see [`crate::pose::blazepose`]).
    fn estimate_blazepose(&mut self, frame: &Frame) -> Result<PoseResult, ModelError> {
        let (Some(tracker), Some(nets)) = (self.blaze.as_mut(), self.model.blazepose()) else {
            return Err(ModelError::Inference("the BlazePose model is not loaded".into()));
        };
        let mut bt = BlazeTimes::default();
        let out = tracker.estimate(nets, frame, &mut bt).map_err(ModelError::Inference)?;
        let t0 = Instant::now();
        let mut pose = out.pose;
        let roi = out.roi;
        let region = roi.map_or_else(
            || CropRegion::full_frame(frame.width, frame.height),
            |r| {
                let (s, c) = r.angle.sin_cos();
                CropRegion::centred(r.cx, r.cy, r.side * (s.abs() + c.abs()))
            },
        );
        let mut body = out.body;
        let tolerance = EDGE_TOLERANCE * region.size;
        confine_to_frame(&mut pose, frame.width, frame.height, tolerance);
        if let Some(b) = body.as_mut() {
            // The same rule for the 33 landmarks: past the frame's edge is not in the picture.
            confine_keypoints(&mut b.image, frame.width, frame.height, tolerance);
        }
        let present = out.present && self.options.presence.is_present(&pose);
        if !present {
            body = None;
        }
        let times = StageTimes {
            preprocess_ms: bt.preprocess_ms,
            inference_ms: bt.inference_ms,
            postprocess_ms: bt.postprocess_ms + t0.elapsed().as_secs_f64() * 1e3,
        };
        Ok(PoseResult {
            sample: PoseSample { t: frame.t, frame_size: (frame.width, frame.height), present, pose, body },
            region,
            roi,
            mask: if present { out.mask } else { None },
            tracked: out.tracked,
            passes: out.passes,
            times,
        })
    }

    fn pass(&mut self, frame: &Frame, region: &CropRegion, times: &mut StageTimes) -> Result<Pass, ModelError> {
        let side = self.model.kind().input_side();
        let t0 = Instant::now();
        crop_resize_into(frame, region, side, &mut self.input);
        let t1 = Instant::now();
        self.model.infer(&self.input, &mut self.output)?;
        let t2 = Instant::now();
        let mut pose = decode_movenet(&self.output, region).map_err(|e| ModelError::Inference(e.to_string()))?;
        confine_to_frame(&mut pose, frame.width, frame.height, EDGE_TOLERANCE * region.size);
        let present = self.options.presence.is_present(&pose);
        let t3 = Instant::now();
        times.preprocess_ms += (t1 - t0).as_secs_f64() * 1e3;
        times.inference_ms += (t2 - t1).as_secs_f64() * 1e3;
        times.postprocess_ms += (t3 - t2).as_secs_f64() * 1e3;
        Ok(Pass { pose, present })
    }

    fn region_for(&self, pose: &Pose, frame: &Frame) -> Option<CropRegion> {
        region_from_pose(pose, frame.width, frame.height, self.options.presence.min_score, self.options.crop_margin)
    }

    /// Estimates the pose in `frame`.
    ///
    /// # Errors
    /// [`ModelError::Inference`] when ONNX Runtime fails on this input.
    pub fn estimate(&mut self, frame: &Frame) -> Result<PoseResult, ModelError> {
        if self.blaze.is_some() {
            return self.estimate_blazepose(frame);
        }
        let mut times = StageTimes::default();
        let full = CropRegion::full_frame(frame.width, frame.height);
        let mut passes = 1;
        let tracked_from = if self.options.tracking { self.track } else { None };
        let (mut region, mut result) = match tracked_from {
            Some(r) => (r, self.pass(frame, &r, &mut times)?),
            None => (full, self.pass(frame, &full, &mut times)?),
        };
        let mut tracked = tracked_from.is_some();
        if tracked && !result.present {
            // Lost the person in the crop: look at the whole frame again, now.
            passes += 1;
            region = full;
            tracked = false;
            result = self.pass(frame, &full, &mut times)?;
        }
        if !tracked && result.present {
            // Found on the whole frame, where the person is small: refine on the crop it suggests.
            if let Some(r) = self.region_for(&result.pose, frame) {
                passes += 1;
                let refined = self.pass(frame, &r, &mut times)?;
                if refined.present {
                    region = r;
                    result = refined;
                }
            }
        }
        let t0 = Instant::now();
        let Pass { mut pose, present } = result;
        if present {
            if self.options.smoothing {
                self.smoother.apply(frame.t, &mut pose, region.size);
            }
            self.track = self.region_for(&pose, frame);
        } else {
            self.track = None;
            self.smoother.reset();
        }
        times.postprocess_ms += t0.elapsed().as_secs_f64() * 1e3;
        Ok(PoseResult {
            sample: PoseSample { t: frame.t, frame_size: (frame.width, frame.height), present, pose, body: None },
            region,
            roi: None,
            mask: None,
            tracked,
            passes,
            times,
        })
    }
}
