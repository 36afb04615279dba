//! The pipeline without a window: every frame of a source through the pose stage, with timing.
//!
//! Decoding runs on its own thread, one frame ahead of the model (a bounded channel, so memory stays
//! flat). Unlike the live window, nothing is dropped here: every frame of a file is analysed.

use std::sync::mpsc::sync_channel;
use std::time::Instant;

use serde::Serialize;

use crate::pose::skeleton::{Joint, PoseSample};
use crate::pose::{EstimatorOptions, ModelKind, PoseEstimator, PoseModel, StageTimes};
use crate::source::{FrameSource, SourceError, SourceInfo};

/// One keypoint as written to JSON.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct KeypointOut {
    pub name: &'static str,
    pub x: f32,
    pub y: f32,
    pub score: f32,
}

/// One frame as written to JSON.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FrameOut {
    pub index: u64,
    /// Seconds from the start of the input.
    pub t: f64,
    pub present: bool,
    pub keypoints: Vec<KeypointOut>,
    /// The image file, when the input is a folder of images.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

impl FrameOut {
    fn from_sample(index: u64, s: &PoseSample, file: Option<String>) -> Self {
        let keypoints = Joint::ALL
            .iter()
            .map(|&j| {
                let k = s.pose.get(j);
                KeypointOut { name: j.name(), x: k.x, y: k.y, score: k.score }
            })
            .collect();
        Self { index, t: s.t, present: s.present, keypoints, file }
    }
}

/// Mean milliseconds per frame of each stage.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq)]
pub struct MeanMs {
    pub decode: f64,
    pub preprocess: f64,
    pub inference: f64,
    pub postprocess: f64,
}

/// How long the analysis took.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Timing {
    pub frames: u64,
    /// Seconds of video analysed (0 for stills).
    pub input_seconds: f64,
    pub wall_seconds: f64,
    /// Frames analysed per wall-clock second, decoding included.
    pub fps: f64,
    pub mean_ms: MeanMs,
    /// Model runs per frame on average (tracking needs 1; finding or losing a person costs 2).
    pub passes_per_frame: f64,
    /// Peak resident memory of the process, in MB (Linux; 0 where unknown).
    pub peak_memory_mb: f64,
}

/// The result of `formcheck analyze`.
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    pub input: String,
    pub source: SourceInfo,
    pub model: ModelKind,
    pub frames: Vec<FrameOut>,
    pub timing: Timing,
    /// Set when the input failed part-way; the frames before it are still here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Peak resident set size of this process in MB, from /proc (0 where unavailable).
#[must_use]
pub fn peak_memory_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse::<f64>().ok()))
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Called after each frame with (frames done, frames expected if known).
pub type Progress<'a> = &'a mut dyn FnMut(u64, Option<u64>);

/// What the pose stage produced for one frame, for consumers beyond the JSON (the form engine).
pub type OnSample<'a> = &'a mut dyn FnMut(&PoseSample);

/// Runs every frame of `source` through the pose stage.
///
/// The source is consumed on a decoding thread. A source error mid-way ends the analysis with the
/// frames so far and the error in [`Analysis::error`]; an error on the first frame is returned.
///
/// # Errors
/// When the source fails before giving any frame, or the model fails.
pub fn analyze(
    input: &str,
    source: Box<dyn FrameSource>,
    model: PoseModel,
    progress: Progress<'_>,
    on_sample: OnSample<'_>,
) -> anyhow::Result<Analysis> {
    let info = source.info().clone();
    let options = if info.stills { EstimatorOptions::still() } else { EstimatorOptions::default() };
    let kind = model.kind();
    let mut estimator = PoseEstimator::new(model, options);
    let expected = info.frame_count;
    let (tx, rx) = sync_channel(2);
    let start = Instant::now();
    let decoder = std::thread::Builder::new().name("decode".into()).spawn(move || {
        let mut source = source;
        loop {
            let t0 = Instant::now();
            let next = source.next_frame();
            let ms = t0.elapsed().as_secs_f64() * 1e3;
            let (known, name) = match &next {
                Ok(Some(f)) => (source.known_pose(f), source.frame_name(f)),
                _ => (None, None),
            };
            let end = !matches!(next, Ok(Some(_)));
            if tx.send((next, known, name, ms)).is_err() || end {
                break;
            }
        }
    })?;
    let mut frames = Vec::new();
    let mut sum = StageTimes::default();
    let mut decode_ms = 0.0;
    let mut passes = 0u64;
    let mut error: Option<SourceError> = None;
    let mut last_t = 0.0;
    for (next, known, name, ms) in rx {
        let frame = match next {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                error = Some(e);
                break;
            }
        };
        decode_ms += ms;
        if info.stills {
            estimator.reset();
        }
        let sample = if let Some(pose) = known {
            PoseSample { t: frame.t, frame_size: (frame.width, frame.height), present: true, pose }
        } else {
            let r = estimator.estimate(&frame)?;
            sum.preprocess_ms += r.times.preprocess_ms;
            sum.inference_ms += r.times.inference_ms;
            sum.postprocess_ms += r.times.postprocess_ms;
            passes += u64::from(r.passes);
            r.sample
        };
        on_sample(&sample);
        frames.push(FrameOut::from_sample(frame.index, &sample, name));
        last_t = frame.t;
        progress(frames.len() as u64, expected);
    }
    let _ = decoder.join();
    if frames.is_empty()
        && let Some(e) = error
    {
        return Err(e.into());
    }
    let wall = start.elapsed().as_secs_f64();
    let n = frames.len() as u64;
    let per = |total: f64| if n == 0 { 0.0 } else { total / n as f64 };
    let input_seconds =
        if info.stills || n == 0 { 0.0 } else { last_t - frames[0].t + info.fps.map_or(0.0, |f| 1.0 / f) };
    let timing = Timing {
        frames: n,
        input_seconds,
        wall_seconds: wall,
        fps: if wall > 0.0 { n as f64 / wall } else { 0.0 },
        mean_ms: MeanMs {
            decode: per(decode_ms),
            preprocess: per(sum.preprocess_ms),
            inference: per(sum.inference_ms),
            postprocess: per(sum.postprocess_ms),
        },
        passes_per_frame: per(passes as f64),
        peak_memory_mb: peak_memory_mb(),
    };
    Ok(Analysis {
        input: input.to_string(),
        source: info,
        model: kind,
        frames,
        timing,
        error: error.map(|e| e.to_string()),
    })
}

impl Timing {
    /// One line a person can compare across runs.
    #[must_use]
    pub fn summary(&self) -> String {
        format!(
            "{} frames ({:.1} s of input) in {:.2} s: {:.1} fps | per frame: decode {:.1} ms, preprocess {:.2} ms, inference {:.1} ms, postprocess {:.2} ms, {:.2} model passes | peak memory {:.0} MB",
            self.frames,
            self.input_seconds,
            self.wall_seconds,
            self.fps,
            self.mean_ms.decode,
            self.mean_ms.preprocess,
            self.mean_ms.inference,
            self.mean_ms.postprocess,
            self.passes_per_frame,
            self.peak_memory_mb
        )
    }
}
