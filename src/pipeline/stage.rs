//! The one per-frame stage: a [`Frame`] in, the frame's result out.
//!
//! pose (the model, or the source's known pose) → the back on the person mask (hip hinge only) →
//! the form engine (state and events), with the time each step took. Live, `analyze` and the
//! review all run their frames through a [`Stage`]; they differ only in who pulls the frames and
//! what they do with the results.
//!
//! # A failed optional stage
//! The person mask is optional: the hip hinge's back is judged on it when it is reliable, and on the
//! keypoints otherwise. When its model cannot be loaded the stage keeps working without it and
//! says so once, as a [`Stage::warnings`] line ("person mask unavailable: ...; the hinge's back is
//! judged on keypoints only"): `analyze` prints it once to standard error, the windows show it.
//! A patient mid-exercise would rather keep going on keypoints than lose the session to a missing
//! file. The pose model is not optional: without it (and without a known pose) a frame fails.

use crate::back::{BackReading, BackStage, Unreliable};
use crate::form::{Analyzer, Exercise, FormConfig, FormEvent, LiveState, SpineCheck, spine_check_sample};
use crate::frame::Frame;
use crate::pose::skeleton::{MIN_KEYPOINT_SCORE, Pose, PoseSample};
use crate::pose::{EstimatorOptions, ModelError, PoseEstimator, PoseModel, StageTimes};

/// Threads the person mask's model uses.
const MASK_THREADS: usize = 2;

/// Why a frame could not be processed.
#[derive(Debug, thiserror::Error)]
pub enum StageError {
    /// The source has no known pose and no pose model is loaded; the message says why.
    #[error("{0}")]
    NoModel(String),
    #[error(transparent)]
    Model(#[from] ModelError),
}

/// How the frames relate to each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Frames {
    /// A stream (video, camera, demo): tracked from frame to frame, through the form engine.
    Stream,
    /// Independent stills, judged one by one (`analyze` on images): each frame is found afresh,
    /// and the hinge gets a single-frame spine check instead of the form engine.
    Stills,
    /// Stills shown one after another as a stream (the live window on a folder of images): still
    /// detection, but through the form engine.
    Slideshow,
}

/// One frame's result.
#[derive(Debug, Clone)]
pub(crate) struct FrameResult {
    pub sample: PoseSample,
    /// The pose model's time (zero for a known pose).
    pub times: StageTimes,
    /// Model runs for this frame (0 for a known pose).
    pub passes: u32,
    /// The pose came from the source (the demo), not the model.
    pub known: bool,
    /// Hip hinge: the back measured on the person mask, when the mask was reliable.
    pub back: Option<BackReading>,
    /// Hip hinge: why the mask did not judge this frame, when it looked and refused.
    pub back_refused: Option<Unreliable>,
    /// The form engine's state after this frame (streams with an exercise).
    pub form: Option<LiveState>,
    /// The form engine's events of this frame, in order.
    pub events: Vec<FormEvent>,
    /// Stills of the hinge: the single-frame spine check.
    pub spine: Option<SpineCheck>,
}

/// The per-frame work: see the module's documentation.
pub(crate) struct Stage {
    estimator: Option<PoseEstimator>,
    no_model: Option<String>,
    back: Option<BackStage>,
    analyzer: Option<Analyzer>,
    min_score: f32,
    frames: Frames,
    warnings: Vec<String>,
}

impl std::fmt::Debug for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stage").field("frames", &self.frames).field("warnings", &self.warnings).finish_non_exhaustive()
    }
}

impl Stage {
    /// A stage with `model` (may be `None` for sources that know their pose; a frame without one
    /// then fails with `no_model`'s message), judging `exercise` with its effective config (see
    /// [`crate::session::prescription::effective_config`]) when given.
    #[must_use]
    pub(crate) fn new(
        model: Option<PoseModel>,
        no_model: Option<String>,
        exercise: Option<(Exercise, FormConfig)>,
        frames: Frames,
    ) -> Self {
        let options = if frames == Frames::Stream { EstimatorOptions::default() } else { EstimatorOptions::still() };
        let mut warnings = Vec::new();
        // The hinge's dowel contacts are judged on the person mask when it is reliable; without
        // the segmentation model the keypoint proxies judge alone.
        let own_mask = model.as_ref().is_some_and(|m| m.kind().is_blazepose());
        let back = match exercise.as_ref() {
            // BlazePose gives its own person mask: no second model.
            Some((Exercise::Hinge, _)) if own_mask => Some(BackStage::with_pose_mask()),
            Some((Exercise::Hinge, _)) => match BackStage::load(MASK_THREADS) {
                Ok(b) => Some(b),
                Err(e) => {
                    warnings
                        .push(format!("person mask unavailable: {e}; the hinge's back is judged on keypoints only"));
                    None
                }
            },
            _ => None,
        };
        let min_score = exercise.as_ref().map_or(MIN_KEYPOINT_SCORE, |(_, c)| c.common.min_score);
        Self {
            estimator: model.map(|m| PoseEstimator::new(m, options)),
            no_model,
            back,
            analyzer: exercise.map(|(e, c)| Analyzer::new(e, c)),
            min_score,
            frames,
            warnings,
        }
    }

    /// What the stage could not do and works around (said once; empty when all is well).
    #[must_use]
    pub(crate) fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// BlazePose: frames on which the detector's "no one" was reused on an unchanged picture.
    #[must_use]
    pub(crate) fn detector_skips(&self) -> u64 {
        self.estimator.as_ref().map_or(0, PoseEstimator::detector_skips)
    }

    /// Milliseconds spent on the person mask and the back so far, and the frames it ran on.
    #[must_use]
    pub(crate) fn mask_totals(&self) -> (f64, u64) {
        self.back.as_ref().map_or((0.0, 0), |b| (b.total_ms, b.masked_frames))
    }

    /// Processes one frame; `known` is the source's own pose of it (the demo), which stands in for
    /// the model.
    ///
    /// # Errors
    /// When the model fails, or there is neither a known pose nor a model.
    pub(crate) fn process(&mut self, frame: &Frame, known: Option<Pose>) -> Result<FrameResult, StageError> {
        let stills = self.frames == Frames::Stills;
        let from_known = known.is_some();
        if stills && let Some(est) = self.estimator.as_mut() {
            est.reset();
        }
        let (sample, times, passes, pose_mask) = if let Some(pose) = known {
            (
                PoseSample { t: frame.t, frame_size: (frame.width, frame.height), present: true, pose, body: None },
                StageTimes::default(),
                0,
                Err(None),
            )
        } else if let Some(est) = self.estimator.as_mut() {
            // BlazePose's mask only where the back stage will read it (else the quicker model).
            est.set_want_mask(self.back.as_ref().is_some_and(BackStage::wants_pose_mask));
            let r = est.estimate(frame)?;
            (r.sample, r.times, r.passes, r.mask.ok_or(r.roi))
        } else {
            return Err(StageError::NoModel(self.no_model.clone().unwrap_or_else(|| "no pose model is loaded".into())));
        };
        if stills && let Some(b) = self.back.as_mut() {
            b.reset();
        }
        // The frame's mask, or the region to make it on when the guess was wrong.
        let (mut pose_mask, mut mask_error, mut passes) = (pose_mask, None, passes);
        let estimator = &mut self.estimator;
        let mut mask_now = || match std::mem::replace(&mut pose_mask, Err(None)) {
            Ok(m) => Some(m),
            Err(Some(roi)) => {
                passes += 1;
                estimator.as_mut()?.mask_of(frame, &roi).map_err(|e| mask_error = Some(e)).ok()?
            }
            Err(None) => None,
        };
        let back = self.back.as_mut().and_then(|b| b.measure(frame, &sample, self.min_score, &mut mask_now));
        if let Some(e) = mask_error {
            return Err(e.into());
        }
        let back_refused = self.back.as_ref().and_then(BackStage::refusal);
        let mut events = Vec::new();
        let mut form = None;
        let mut spine = None;
        if let Some(analyzer) = self.analyzer.as_mut() {
            if stills {
                if analyzer.exercise() == Exercise::Hinge && sample.present {
                    let mut check = spine_check_sample(&sample, analyzer.config());
                    if let Some(r) = &back {
                        // The mask saw the back itself: its verdict outranks the keypoint proxies.
                        check.judged = true;
                        check.reason = None;
                        check.rounded_back = r.rounded_back;
                        check.head_off_dowel = r.head_off_dowel;
                        check.method = r.measure().method;
                    }
                    spine = Some(check);
                }
            } else {
                let input = self.back.as_ref().and_then(|b| b.engine_input(back.as_ref()));
                events = analyzer.push_with_back(&sample, input.as_ref());
                form = Some(analyzer.live());
            }
        }
        Ok(FrameResult { sample, times, passes, known: from_known, back, back_refused, form, events, spine })
    }

    /// Ends the exercise (closes an open rep or hold) and gives the engine's verdict.
    #[must_use]
    pub(crate) fn finish(&mut self) -> Option<crate::form::ExerciseReport> {
        self.analyzer.as_mut().map(|a| {
            a.finish();
            a.report()
        })
    }
}
