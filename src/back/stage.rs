//! The back stage of a pipeline: the mask's cadence, carrying readings across still frames, and
//! what the form engine gets for each frame.

use super::reading::BackReading;
use super::seg::{SEG_SIDE, replicate_edges};
use super::{BackAnalyzer, BackConfig, BackKeypoints, P2, PersonMask, SegError, SegModel, Unreliable, contour};
use super::{fit_to_frame, seg_region};
use crate::form::BackMeasure;
use crate::form::geometry::inclination_from_vertical;
use crate::frame::Frame;
use crate::pose::blazepose::PoseMask;
use crate::pose::crop::crop_resize_into;
use crate::pose::skeleton::PoseSample;

/// The mask stage of the hip hinge in a pipeline: the selfie model on a crop sized from the
/// keypoints (MoveNet), or BlazePose's own mask read over that crop, then the back contour. A frame it cannot judge gives `None`: the form engine's
/// keypoint proxies judge it instead.
///
/// Cadence: the mask runs on every `BackConfig::mask_every`-th frame. On the frames between, the
/// last reading stands (marked `carried_from`) only if it was judged on the previous masked frame
/// and the person has not moved since (hip, shoulder and ear within `carry_max_motion` torso
/// lengths); a frame that moved, or follows a refused mask, is not judged by the mask.
///
/// Upright frames (trunk below `BackConfig::mask_min_trunk_deg`) are not masked at all, and
/// nothing is carried to them: the form engine does not judge the contacts there. The cadence
/// counts them, and on those the mask would have run they keep the running torso length up to
/// date, so the bent frames are masked, and measured against the torso seen upright, as before.
pub(crate) struct BackStage {
    /// The selfie model (MoveNet), or `None` when the pose model gives its own mask (BlazePose).
    seg: Option<SegModel>,
    /// The RGB crop of the last masked frame when the pose model's mask is used (for the dowel).
    crop: Vec<i32>,
    mask: Option<PersonMask>,
    analyzer: BackAnalyzer,
    /// Frames since the last masked one (0: mask this frame).
    since_mask: u32,
    /// The last masked frame's reading (when judged) and its keypoints.
    last: Option<(BackReading, BackKeypoints)>,
    /// Why the last masked frame was not judged, when the mask refused it.
    last_refusal: Option<Unreliable>,
    /// Why the mask did not judge the frame last given to [`BackStage::measure`]: set when it
    /// looked (that frame was masked, or follows a refused masked frame) and refused.
    refusal: Option<Unreliable>,
    /// Milliseconds spent so far (mask and contour), for timing reports.
    pub total_ms: f64,
    /// Frames the mask ran on.
    pub masked_frames: u64,
    /// Whether the last frame given to [`BackStage::measure`] was upright (so not masked).
    last_upright: bool,
}

impl std::fmt::Debug for BackStage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackStage")
            .field("total_ms", &self.total_ms)
            .field("masked_frames", &self.masked_frames)
            .finish_non_exhaustive()
    }
}

impl BackStage {
    /// Loads the segmentation model, with the default [`BackConfig`].
    ///
    /// # Errors
    /// [`SegError`] when the model or the runtime is missing or wrong.
    pub fn load(threads: usize) -> Result<Self, SegError> {
        Self::load_with(threads, BackConfig::default())
    }

    /// Loads the segmentation model, with `config`.
    ///
    /// # Errors
    /// [`SegError`] when the model or the runtime is missing or wrong.
    pub(crate) fn load_with(threads: usize, config: BackConfig) -> Result<Self, SegError> {
        Ok(Self::with_seg(Some(SegModel::load(threads)?), config))
    }

    /// A back stage for a pose model that gives its own person mask (BlazePose): no selfie model is
    /// loaded; each frame's mask comes with its pose (see [`BackStage::measure`]).
    #[must_use]
    pub(crate) fn with_pose_mask() -> Self {
        Self::with_seg(None, BackConfig::default())
    }

    fn with_seg(seg: Option<SegModel>, config: BackConfig) -> Self {
        Self {
            seg,
            crop: Vec::new(),
            mask: None,
            analyzer: BackAnalyzer::new(config),
            since_mask: 0,
            last: None,
            last_refusal: None,
            refusal: None,
            total_ms: 0.0,
            masked_frames: 0,
            last_upright: false,
        }
    }

    /// Forgets the previous frames (independent stills, or a jump in time): the next frame is masked.
    pub fn reset(&mut self) {
        self.analyzer.reset();
        self.since_mask = 0;
        self.last = None;
        self.last_refusal = None;
        self.refusal = None;
        self.last_upright = false;
    }

    /// Whether the next frame will likely need the pose model's own mask: this stage reads that
    /// mask, the next frame is due in the cadence and the last one was not upright. A guess made
    /// before the frame's pose is known, so that the pose model computes the mask only where it
    /// will be read; a frame that needs it all the same gets it from `measure`'s `pose_mask`.
    #[must_use]
    pub(crate) fn wants_pose_mask(&self) -> bool {
        self.seg.is_none()
            && self.since_mask.is_multiple_of(self.analyzer.config.mask_every.max(1))
            && !self.last_upright
    }

    /// Why the mask did not judge the frame last given to [`BackStage::measure`], when it looked
    /// and refused (`None` when it judged it, or did not look: no person, or a frame between
    /// masked ones on which the person moved).
    #[must_use]
    pub fn refusal(&self) -> Option<Unreliable> {
        self.refusal
    }

    /// What the form engine gets for the frame last given to [`BackStage::measure`] (whose result
    /// is `reading`): the measurement, or the mask's refusal with its reason, or nothing.
    #[must_use]
    pub(crate) fn engine_input(&self, reading: Option<&BackReading>) -> Option<BackMeasure> {
        reading.map(BackReading::measure).or_else(|| self.refusal.map(|u| BackMeasure::refused(u.id())))
    }

    /// Judges the back in `frame`, whose pose is `sample`; `pose_mask` gives the pose model's own
    /// person mask of the frame (BlazePose), used instead of the selfie model when this stage has
    /// none. It is called only when the mask is read (at most once).
    pub fn measure(
        &mut self,
        frame: &Frame,
        sample: &PoseSample,
        min_score: f32,
        pose_mask: &mut dyn FnMut() -> Option<PoseMask>,
    ) -> Option<BackReading> {
        if !sample.present {
            self.reset();
            return None;
        }
        let t0 = std::time::Instant::now();
        let every = self.analyzer.config.mask_every.max(1);
        let upright = BackKeypoints::from_pose(&sample.pose, min_score)
            .filter(|kp| trunk_inclination_deg(kp) < self.analyzer.config.mask_min_trunk_deg);
        self.last_upright = upright.is_some();
        let due = self.since_mask.is_multiple_of(every);
        let reading = if let Some(kp) = upright {
            // Not masked, but the cadence runs on and the running torso follows the frames the
            // mask would have run on: the bent frames are masked and measured as before.
            if due {
                self.analyzer.track_torso(frame.t, &kp);
            }
            self.since_mask = if due { 1 } else { self.since_mask + 1 };
            self.last = None;
            // The mask did not look: no reading, and no refusal either.
            self.last_refusal = None;
            self.refusal = None;
            None
        } else if due {
            self.masked_frames += 1;
            let (r, why) = match self.mask_and_measure(frame, sample, min_score, pose_mask) {
                Ok(r) => (Some(r), None),
                Err(why) => (None, why),
            };
            let kp = BackKeypoints::from_pose(&sample.pose, min_score)
                .map(|k| BackKeypoints { torso_scale: self.analyzer.torso_scale(), ..k });
            self.last = r.clone().zip(kp);
            self.last_refusal = why;
            self.refusal = why;
            self.since_mask = 1;
            r
        } else {
            self.since_mask += 1;
            let r = self.carry(frame.t, sample, min_score);
            // Between masked frames, a refusal stands as a reading would.
            self.refusal = if r.is_none() { self.last_refusal } else { None };
            r
        };
        self.total_ms += t0.elapsed().as_secs_f64() * 1e3;
        reading
    }

    /// The mask's reading of this frame; `Err(Some(why))` when the mask refused it, `Err(None)`
    /// when the mask could not run (no shoulder and hip to place the crop, or the model failed).
    fn mask_and_measure(
        &mut self,
        frame: &Frame,
        sample: &PoseSample,
        min_score: f32,
        pose_mask: &mut dyn FnMut() -> Option<PoseMask>,
    ) -> Result<BackReading, Option<Unreliable>> {
        let region = fit_to_frame(seg_region(&sample.pose, min_score).ok_or(None)?, frame.width, frame.height);
        let frame_size = (frame.width, frame.height);
        let Some(seg) = self.seg.as_mut() else {
            // The pose model's own mask, read over the same crop (no second model). The RGB crop
            // is still made for the held-dowel detector; a painted-out dowel cannot be re-segmented.
            let mask = PersonMask::from_pose_mask(&pose_mask().ok_or(None)?, region, SEG_SIDE, frame_size);
            crop_resize_into(frame, &region, SEG_SIDE, &mut self.crop);
            replicate_edges(&mut self.crop, SEG_SIDE, &region, frame.width, frame.height);
            let r = self.analyzer.analyze_with(frame.t, &mask, &sample.pose, min_score, Some(&self.crop), None);
            self.mask = Some(mask);
            return r.map_err(Some);
        };
        match self.mask.as_mut() {
            Some(mask) => seg.segment_into(frame, &region, mask).map_err(|_| None)?,
            None => self.mask = Some(seg.segment(frame, &region).map_err(|_| None)?),
        }
        let mask = self.mask.as_ref().ok_or(None)?;
        // The crop is lent out while the model may run again on an edited copy of it.
        let crop = seg.take_crop();
        let mut resegment = |painted: &[i32]| seg.segment_crop(painted, &region, frame_size).ok();
        let r = self.analyzer.analyze_with(frame.t, mask, &sample.pose, min_score, Some(&crop), Some(&mut resegment));
        seg.restore_crop(crop);
        r.map_err(Some)
    }

    /// The last masked frame's reading for this frame, if the person has held still since.
    fn carry(&self, t: f64, sample: &PoseSample, min_score: f32) -> Option<BackReading> {
        let (last, then) = self.last.as_ref()?;
        let now = BackKeypoints::from_pose(&sample.pose, min_score)?;
        let unit = then.torso_unit().max(1.0);
        let moved = |a: P2, b: P2| contour::norm(contour::sub(a, b)) / unit;
        let ear = match (now.ear, then.ear) {
            (Some(a), Some(b)) => moved(a, b),
            (None, None) => 0.0,
            _ => f32::INFINITY,
        };
        let motion = moved(now.hip, then.hip).max(moved(now.shoulder, then.shoulder)).max(ear);
        (motion <= self.analyzer.config.carry_max_motion).then(|| BackReading {
            t,
            carried_from: Some(last.t),
            ..last.clone()
        })
    }
}

/// Inclination of the midline trunk (hip to shoulder) from vertical, degrees (NaN when they coincide).
fn trunk_inclination_deg(kp: &BackKeypoints) -> f32 {
    inclination_from_vertical((kp.hip[0], kp.hip[1]), (kp.shoulder[0], kp.shoulder[1]))
}
