//! Per-video state around the one-frame measurement: the consistency gate and the running torso.

use super::measure::{Resegment, measure_back_with};
use super::reading::BackReading;
use super::{BackConfig, BackKeypoints, DowelDetector, PersonMask, Unreliable, contour};
use crate::form::view::TorsoScale;
use crate::pose::skeleton::Pose;

/// Per-video state: the consistency gate, the running torso length and the dowel detector's buffers.
#[derive(Debug, Clone, Default)]
pub struct BackAnalyzer {
    pub config: BackConfig,
    detector: DowelDetector,
    prev: Option<(f64, f32, Option<f32>)>,
    torso: TorsoScale,
    last_t: Option<f64>,
}

impl BackAnalyzer {
    #[must_use]
    pub fn new(config: BackConfig) -> Self {
        Self { config, ..Self::default() }
    }

    /// Forgets the previous frames (new source, independent stills, or a jump in time).
    pub fn reset(&mut self) {
        self.prev = None;
        self.torso = TorsoScale::default();
        self.last_t = None;
    }

    /// The running torso length (source pixels), when a frame has shown one.
    #[must_use]
    pub fn torso_scale(&self) -> Option<f32> {
        self.torso.get()
    }

    /// Follows the running torso length on a frame the mask does not run on (see
    /// `BackConfig::mask_min_trunk_deg`), so that the first masked frame is measured against the
    /// torso seen upright, as when every frame is masked; [`BackAnalyzer::analyze`] does the same.
    /// Returns the running torso length.
    pub(crate) fn track_torso(&mut self, t: f64, kp: &BackKeypoints) -> Option<f32> {
        let dt = self.last_t.map_or(0.0, |l| (t - l).max(0.0));
        self.last_t = Some(t);
        let own = contour::norm(contour::sub(kp.shoulder, kp.hip));
        self.torso.update(Some(own), dt, self.config.torso_decay_per_s)
    }

    /// Judges the back in one frame from its mask, its pose (source pixels) and, optionally, the
    /// RGB crop the mask was computed from (enables real-dowel detection).
    ///
    /// Consistency: a frame whose thoracic or head measure moved more than `max_frame_change` from
    /// the previous frame (within `consistency_window_s`) is [`Unreliable::Inconsistent`]; the first
    /// frame, or one after a pause, is taken as it is.
    ///
    /// # Errors
    /// [`Unreliable`]: fall back to the keypoint proxies for this frame.
    pub fn analyze(
        &mut self,
        t: f64,
        mask: &PersonMask,
        pose: &Pose,
        min_score: f32,
        crop: Option<&[i32]>,
    ) -> Result<BackReading, Unreliable> {
        self.analyze_with(t, mask, pose, min_score, crop, None)
    }

    /// [`BackAnalyzer::analyze`], segmenting again with a held dowel painted out (see
    /// [`measure_back_with`]).
    ///
    /// # Errors
    /// [`Unreliable`]: fall back to the keypoint proxies for this frame.
    pub(crate) fn analyze_with(
        &mut self,
        t: f64,
        mask: &PersonMask,
        pose: &Pose,
        min_score: f32,
        crop: Option<&[i32]>,
        resegment: Option<Resegment<'_>>,
    ) -> Result<BackReading, Unreliable> {
        let Some(mut kp) = BackKeypoints::from_pose(pose, min_score) else {
            self.prev = None;
            return Err(Unreliable::MissingKeypoints);
        };
        kp.torso_scale = self.track_torso(t, &kp);
        let r = match measure_back_with(mask, &kp, crop, &mut self.detector, &self.config, t, resegment) {
            Ok(r) => r,
            Err(e) => {
                self.prev = None;
                return Err(e);
            }
        };
        let prev = self.prev.replace((t, r.gaps.thoracic, r.gaps.head));
        if let Some((pt, thor, head)) = prev {
            let recent = (t - pt).abs() <= self.config.consistency_window_s;
            let jump = (r.gaps.thoracic - thor).abs() > self.config.max_frame_change
                || matches!((r.gaps.head, head), (Some(a), Some(b)) if (a - b).abs() > self.config.max_frame_change);
            if recent && jump {
                return Err(Unreliable::Inconsistent);
            }
        }
        Ok(r)
    }
}
