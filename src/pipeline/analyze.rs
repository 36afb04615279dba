//! The pipeline without a window: every frame of a source through the [`Stage`], with timing;
//! the JSON it writes, re-judging a saved one, and the summaries a therapist reads.
//!
//! Decoding runs on its own thread, one frame ahead of the model (a bounded channel, so memory stays
//! flat). Unlike the live window, nothing is dropped here: every frame of a file is analysed.

use std::sync::mpsc::sync_channel;
use std::time::Instant;

use serde::Serialize;

use super::stage::{Frames, Stage, StageError};
use crate::capture::{FrameSource, SourceError, SourceInfo};
use crate::form::{Analyzer, Exercise, ExerciseReport, FormConfig, SpineCheck, spine_check_sample};
use crate::pose::skeleton::{Body3d, Joint, Keypoint, LANDMARK_COUNT, PoseSample};
use crate::pose::{ModelKind, PoseModel, StageTimes};

/// Why an analysis could not run (or a saved one could not be re-judged).
#[derive(Debug, thiserror::Error)]
pub enum AnalyzeError {
    #[error("could not start the decoding thread: {0}")]
    Thread(std::io::Error),
    #[error(transparent)]
    Stage(#[from] StageError),
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error("could not read {}: {cause}", path.display())]
    Read { path: std::path::PathBuf, cause: std::io::Error },
    #[error("{} is not JSON written by `formcheck analyze --json`: {cause}", path.display())]
    NotJson { path: std::path::PathBuf, cause: serde_json::Error },
    #[error("{}: no `frames` with keypoints: not written by `formcheck analyze --json`", path.display())]
    NoFrames { path: std::path::PathBuf },
    #[error(
        "{}: frame {index} has a `body3d` that is not 33 landmarks of [x, y, visibility, presence] and 33 world points of [x, y, z]: not written by `formcheck analyze --json`; analyse the video again",
        path.display()
    )]
    BadBody3d { path: std::path::PathBuf, index: u64 },
}

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
    /// The form engine's state after this frame (with `--exercise`): view, phase, angles, faults.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub form: Option<FormState>,
    /// Hip hinge: the back measured on the person mask, when the mask was reliable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub back: Option<BackOut>,
    /// Hip hinge: why the mask did not judge this frame, when it looked and refused (an id of
    /// `back::Unreliable`, e.g. `arm_on_back`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub back_refused: Option<&'static str>,
    /// BlazePose: its 33 landmarks and world landmarks, which the form engine measures on, so that
    /// re-judging the JSON sees what the engine saw.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body3d: Option<Body3dOut>,
}

/// BlazePose's landmarks of one frame as written to JSON, in MediaPipe's order.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Body3dOut {
    /// `[x, y, visibility, presence]`, x and y in pixels of the frame.
    pub landmarks: Vec<[f32; 4]>,
    /// `[x, y, z]` in metres, centred on the hips: x to the image's right, y down, z away from the
    /// camera.
    pub world: Vec<[f32; 3]>,
}

impl Body3dOut {
    fn from_body(b: &Body3d) -> Self {
        Self {
            landmarks: (0..LANDMARK_COUNT)
                .map(|i| [b.image[i].x, b.image[i].y, b.image[i].score, b.presence[i]])
                .collect(),
            world: b.world.to_vec(),
        }
    }

    /// Reads what [`Body3dOut`] wrote; None when it is not that.
    fn parse(v: &serde_json::Value) -> Option<Body3d> {
        let rows = |key: &str, n: usize| -> Option<Vec<Vec<f32>>> {
            let a = v[key].as_array().filter(|a| a.len() == LANDMARK_COUNT)?;
            a.iter()
                .map(|r| {
                    let r = r.as_array().filter(|r| r.len() == n)?;
                    r.iter().map(|x| x.as_f64().map(|x| x as f32)).collect()
                })
                .collect()
        };
        let (lm, world) = (rows("landmarks", 4)?, rows("world", 3)?);
        let mut b = Body3d {
            image: [Keypoint::default(); LANDMARK_COUNT],
            presence: [0.0; LANDMARK_COUNT],
            world: [[0.0; 3]; LANDMARK_COUNT],
        };
        for i in 0..LANDMARK_COUNT {
            b.image[i] = Keypoint::new(lm[i][0], lm[i][1], lm[i][2]);
            b.presence[i] = lm[i][3];
            b.world[i] = [world[i][0], world[i][1], world[i][2]];
        }
        Some(b)
    }
}

/// The back measured on the mask in one frame (torso lengths; see `back::BackReading`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BackOut {
    pub method: crate::back::BackMethod,
    pub thoracic_gap: Option<f32>,
    pub head_gap: Option<f32>,
    pub sacrum_gap: Option<f32>,
    pub rounded_back: bool,
    pub head_off_dowel: bool,
    pub dowel_detected: bool,
    /// Carried from the masked frame at this time (the mask runs every `mask_every` frames).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub carried_from: Option<f64>,
    /// What the screens draw (contour, dowel line, contacts); not written to JSON.
    #[serde(skip)]
    pub overlay: Option<crate::back::BackOverlay>,
}

/// The per-frame form state written to JSON (the live state without the cue text).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FormState {
    pub view: crate::form::View,
    pub in_view: bool,
    pub phase: String,
    pub rep_count: u32,
    /// Movements so far that started and were not reps (not counted).
    pub attempts: u32,
    pub hold_seconds_in_form: f64,
    pub active_faults: Vec<crate::form::FaultId>,
    pub angles: crate::form::LiveAngles,
    /// Hinge: the estimated dowel contacts the screens draw; not written to JSON.
    #[serde(skip)]
    pub dowel: Option<crate::form::DowelOverlay>,
}

impl FormState {
    fn from_live(l: crate::form::LiveState) -> Self {
        Self {
            view: l.view,
            in_view: l.in_view,
            phase: l.phase,
            rep_count: l.rep_count,
            attempts: l.attempts,
            hold_seconds_in_form: l.hold_seconds_in_form,
            active_faults: l.active_faults,
            angles: l.angles,
            dowel: l.dowel,
        }
    }
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
        Self {
            index,
            t: s.t,
            present: s.present,
            keypoints,
            file,
            form: None,
            back: None,
            back_refused: None,
            body3d: s.body.as_ref().map(Body3dOut::from_body),
        }
    }
}

/// Mean milliseconds per frame of each stage.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq)]
pub struct MeanMs {
    pub decode: f64,
    pub preprocess: f64,
    pub inference: f64,
    pub postprocess: f64,
    /// Person mask and back contour (hip hinge only; 0 otherwise), averaged over all frames.
    pub mask: f64,
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
    /// Fraction of the frames the person mask ran on (hip hinge only; 0 otherwise).
    pub masked_fraction: f64,
    /// Peak resident memory of the process, in MB (Linux; 0 where unknown).
    pub peak_memory_mb: f64,
    /// BlazePose: frames with no one on which the detector was not run again, the picture being
    /// unchanged since it last found no one ([`crate::pose::EstimatorOptions::reuse_empty_detections`]).
    pub detector_skipped: u64,
}

/// The single-frame spine check of one still (hip hinge on images).
#[derive(Debug, Clone, Serialize)]
pub struct StillSpine {
    pub index: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(flatten)]
    pub check: SpineCheck,
}

/// The form engine's verdict on the input.
#[derive(Debug, Clone, Serialize)]
pub struct ExerciseResult {
    #[serde(flatten)]
    pub report: ExerciseReport,
    /// For still images and the hinge: the spine check of each image (reps need time, stills have none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub spine: Vec<StillSpine>,
}

/// The result of `formcheck analyze`.
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    pub input: String,
    pub source: SourceInfo,
    pub model: ModelKind,
    pub frames: Vec<FrameOut>,
    pub timing: Timing,
    /// The exercise verdict when one was asked for (`--exercise`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exercise: Option<ExerciseResult>,
    /// Set when the input failed part-way; the frames before it are still here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What an optional stage could not do (e.g. the person mask was unavailable), each said once;
    /// not written to JSON.
    #[serde(skip)]
    pub warnings: Vec<String>,
    /// A live capture (a window or a screen region): frames analysed and dropped, and every time
    /// the patient was lost ([`super::watch`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capture: Option<super::watch::CaptureReport>,
}

/// Peak resident set size of this process in MB, from /proc (0 where unavailable).
#[must_use]
pub(crate) fn peak_memory_mb() -> f64 {
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
pub(crate) type Progress<'a> = &'a mut dyn FnMut(u64, Option<u64>);

/// Runs every frame of `source` through the [`Stage`], judging `exercise` with its config (the
/// effective one: [`crate::session::prescription::effective_config`]) when given.
///
/// The source is consumed on a decoding thread. A source error mid-way ends the analysis with the
/// frames so far and the error in [`Analysis::error`]; an error on the first frame is returned. A
/// failed optional stage (the person mask) does not stop the analysis: it is in
/// [`Analysis::warnings`], once.
///
/// # Errors
/// When the source fails before giving any frame, or the model fails.
pub fn analyze(
    input: &str,
    source: Box<dyn FrameSource>,
    model: PoseModel,
    exercise: Option<(Exercise, FormConfig)>,
    progress: Progress<'_>,
) -> Result<Analysis, AnalyzeError> {
    let info = source.info().clone();
    let kind = model.kind();
    let frames_kind = if info.stills { Frames::Stills } else { Frames::Stream };
    let mut stage = Stage::new(Some(model), None, exercise, frames_kind);
    let expected = info.frame_count;
    let (tx, rx) = sync_channel(2);
    let start = Instant::now();
    let decoder = std::thread::Builder::new()
        .name("decode".into())
        .spawn(move || {
            let mut source = source;
            let mut warnings = Vec::new();
            loop {
                let t0 = Instant::now();
                let next = source.next_frame();
                let ms = t0.elapsed().as_secs_f64() * 1e3;
                let (known, name) = match &next {
                    Ok(Some(f)) => (source.known_pose(f), source.frame_name(f)),
                    _ => (None, None),
                };
                let end = !matches!(next, Ok(Some(_)));
                warnings.extend(source.take_warnings());
                if tx.send((next, known, name, ms)).is_err() || end {
                    break;
                }
            }
            warnings
        })
        .map_err(AnalyzeError::Thread)?;
    let mut frames = Vec::new();
    let mut sum = StageTimes::default();
    let mut decode_ms = 0.0;
    let mut passes = 0u64;
    let mut error: Option<SourceError> = None;
    let mut last_t = 0.0;
    let mut spine = Vec::new();
    let mut watch =
        (info.kind == crate::capture::SourceKind::Screen).then(|| super::watch::PatientWatch::new(info.fps));
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
        let r = stage.process(&frame, known)?;
        sum.preprocess_ms += r.times.preprocess_ms;
        sum.inference_ms += r.times.inference_ms;
        sum.postprocess_ms += r.times.postprocess_ms;
        passes += u64::from(r.passes);
        if let Some(check) = r.spine {
            spine.push(StillSpine { index: frame.index, file: name.clone(), check });
        }
        let mut out = FrameOut::from_sample(frame.index, &r.sample, name);
        out.back = r.back.as_ref().map(|b| BackOut {
            method: b.method,
            thoracic_gap: b.thoracic_gap,
            head_gap: b.head_gap,
            sacrum_gap: b.sacrum_gap,
            rounded_back: b.rounded_back,
            head_off_dowel: b.head_off_dowel,
            dowel_detected: b.dowel.is_some(),
            carried_from: b.carried_from,
            overlay: Some(b.overlay.clone()),
        });
        out.back_refused = r.back_refused.map(crate::back::Unreliable::id);
        out.form = r.form.map(FormState::from_live);
        if let Some(w) = &mut watch {
            w.push(frame.t, out.present);
        }
        frames.push(out);
        last_t = frame.t;
        progress(frames.len() as u64, expected);
    }
    let source_warnings = decoder.join().unwrap_or_default();
    if let (Some(w), Some(SourceError::PatientLost { reason })) = (&mut watch, &error) {
        w.source_lost(reason);
    }
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
    let (mask_ms, masked) = stage.mask_totals();
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
            mask: per(mask_ms),
        },
        passes_per_frame: per(passes as f64),
        masked_fraction: per(masked as f64),
        peak_memory_mb: peak_memory_mb(),
        detector_skipped: stage.detector_skips(),
    };
    let mut warnings = source_warnings;
    warnings.extend(stage.warnings().iter().cloned());
    let exercise = stage.finish().map(|report| ExerciseResult { report, spine });
    Ok(Analysis {
        input: input.to_string(),
        source: info,
        model: kind,
        frames,
        timing,
        exercise,
        error: error.map(|e| e.to_string()),
        warnings,
        capture: watch.map(|w| w.report()),
    })
}

/// Re-judges a saved analysis (the JSON `formcheck analyze --json` wrote) for `exercise`, without
/// the model: the saved keypoints go through the form engine again (e.g. with another config).
///
/// # Errors
/// When the file cannot be read or is not such a JSON.
pub fn rejudge(
    path: &std::path::Path,
    exercise: Exercise,
    config: FormConfig,
) -> Result<(ExerciseResult, Vec<(f64, FormState)>), AnalyzeError> {
    let text = std::fs::read_to_string(path).map_err(|cause| AnalyzeError::Read { path: path.to_path_buf(), cause })?;
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|cause| AnalyzeError::NotJson { path: path.to_path_buf(), cause })?;
    let bad = || AnalyzeError::NoFrames { path: path.to_path_buf() };
    let size = (v["source"]["width"].as_u64().unwrap_or(0) as u32, v["source"]["height"].as_u64().unwrap_or(0) as u32);
    let stills = v["source"]["stills"].as_bool().unwrap_or(false);
    let frames = v["frames"].as_array().ok_or_else(bad)?;
    let mut analyzer = Analyzer::new(exercise, config.clone());
    let mut spine = Vec::new();
    let mut states = Vec::new();
    for f in frames {
        let kps = f["keypoints"].as_array().filter(|k| k.len() == Joint::ALL.len()).ok_or_else(bad)?;
        let mut pose = crate::pose::skeleton::Pose::default();
        for (j, k) in Joint::ALL.iter().zip(kps) {
            let num = |key: &str| k[key].as_f64().unwrap_or(0.0) as f32;
            pose.set(*j, Keypoint::new(num("x"), num("y"), num("score")));
        }
        let body = match &f["body3d"] {
            serde_json::Value::Null => None,
            b => Some(Body3dOut::parse(b).ok_or_else(|| AnalyzeError::BadBody3d {
                path: path.to_path_buf(),
                index: f["index"].as_u64().unwrap_or(0),
            })?),
        };
        let sample = PoseSample {
            t: f["t"].as_f64().ok_or_else(bad)?,
            frame_size: size,
            present: f["present"].as_bool().unwrap_or(false),
            pose,
            body,
        };
        if stills {
            if exercise == Exercise::Hinge && sample.present {
                let file = f["file"].as_str().map(str::to_string);
                let index = f["index"].as_u64().unwrap_or(0);
                spine.push(StillSpine { index, file, check: spine_check_sample(&sample, &config) });
            }
        } else {
            analyzer.push(&sample);
            states.push((sample.t, FormState::from_live(analyzer.live())));
        }
    }
    analyzer.finish();
    Ok((ExerciseResult { report: analyzer.report(), spine }, states))
}

impl ExerciseResult {
    /// What a therapist reads on the terminal: counts, per-rep or per-hold lines, faults, cues.
    #[must_use]
    pub fn summary(&self, exercise: Exercise) -> String {
        use std::fmt::Write;
        let r = &self.report;
        let mut out = String::new();
        let faults = |f: &[crate::form::FaultId]| {
            if f.is_empty() { "clean".to_string() } else { f.iter().map(|x| x.id()).collect::<Vec<_>>().join(", ") }
        };
        if !self.spine.is_empty() {
            let _ = writeln!(out, "{}: spine check of {} image(s)", exercise.label(), self.spine.len());
            for s in &self.spine {
                let name = s.file.clone().unwrap_or_else(|| format!("frame {}", s.index));
                let c = &s.check;
                let verdict = if !c.judged {
                    format!("not judged ({})", c.reason.unwrap_or("?"))
                } else {
                    let mut v = Vec::new();
                    if c.rounded_back {
                        v.push("rounded_back");
                    }
                    if c.head_off_dowel {
                        v.push("head_off_dowel");
                    }
                    if v.is_empty() { "neutral spine".into() } else { v.join(", ") }
                };
                let num = |x: Option<f32>| x.map_or("-".into(), |v| format!("{v:.0}"));
                let _ = writeln!(
                    out,
                    "  {name}: {verdict}, judged by {} (trunk {} deg, hip {} deg, head {} deg, thoracic offset {})",
                    serde_json::to_value(c.method)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default(),
                    num(c.trunk_deg),
                    num(c.hip_deg),
                    num(c.head_deg),
                    c.thoracic_offset.map_or("-".into(), |v| format!("{v:.2}"))
                );
            }
            return out;
        }
        let clean = r.reps.iter().filter(|x| x.faults.is_empty()).count();
        match exercise {
            Exercise::SidePlank => {
                let total = r.holds.iter().map(|h| h.seconds_in_form).fold(0.0, |a, b| a + b);
                let _ = writeln!(out, "{}: {} hold(s), {total:.1} s in form", exercise.label(), r.holds.len());
                for h in &r.holds {
                    let side = h.side.map_or("?".into(), |s| format!("{s:?}").to_lowercase());
                    let _ = writeln!(
                        out,
                        "  hold {}: {side} side down, {}, {:.1}-{:.1} s, {:.1} s in form, {}",
                        h.index,
                        h.variant,
                        h.start_s,
                        h.end_s,
                        h.seconds_in_form,
                        faults(&h.faults)
                    );
                }
            }
            _ => {
                let _ = writeln!(out, "{}: {} rep(s), {clean} clean", exercise.label(), r.reps.len());
                for rep in &r.reps {
                    let side = rep.side.map_or(String::new(), |s| format!(" {s:?}").to_lowercase());
                    let detail = rep.hinge.as_ref().map_or(String::new(), |h| {
                        let gap = h.max_thoracic_gap.map_or_else(
                            || {
                                let why = crate::back::refusal_note(h.mask_refused.as_deref());
                                format!("thoracic gap not judged by the mask{why}")
                            },
                            |g| format!("max thoracic gap {g:.3} torso lengths"),
                        );
                        let gap = match &h.spine_not_judged {
                            Some(why) => format!("{gap}, spine not judged: {why}"),
                            None => gap,
                        };
                        let lowering = if h.started_at_bottom {
                            "started at the bottom".to_string()
                        } else {
                            format!("lowering {:.1} s", h.lowering_s)
                        };
                        format!(", trunk {:.0} deg, {lowering}, rising {:.1} s, {gap}", h.peak_trunk_deg, h.rising_s)
                    });
                    let _ = writeln!(
                        out,
                        "  rep {}{side}: {:.1}-{:.1} s{detail}, {}",
                        rep.index,
                        rep.start_s,
                        rep.end_s,
                        faults(&rep.faults)
                    );
                    if !rep.rom.is_empty() {
                        let rom: Vec<String> = rep.rom.iter().map(crate::form::RomReading::text).collect();
                        let _ = writeln!(out, "    range of motion: {}", rom.join(", "));
                    }
                }
                if !r.attempts.is_empty() {
                    let _ = writeln!(out, "  {} attempt(s), not counted:", r.attempts.len());
                }
                for a in &r.attempts {
                    let _ = writeln!(out, "  {}", attempt_line(a));
                }
            }
        }
        let _ = writeln!(out, "  not in view: {:.1} s; {} cue(s) spoken", r.not_in_view_s, r.cues.len());
        out
    }
}

impl Timing {
    /// One line a person can compare across runs.
    #[must_use]
    pub fn summary(&self) -> String {
        let skipped = if self.detector_skipped > 0 {
            format!(", detector not rerun on {} unchanged empty frames", self.detector_skipped)
        } else {
            String::new()
        };
        format!(
            "{} frames ({:.1} s of input) in {:.2} s: {:.1} fps | per frame: decode {:.1} ms, preprocess {:.2} ms, inference {:.1} ms, postprocess {:.2} ms, mask {:.2} ms ({:.0}% of frames masked), {:.2} model passes{skipped} | peak memory {:.0} MB",
            self.frames,
            self.input_seconds,
            self.wall_seconds,
            self.fps,
            self.mean_ms.decode,
            self.mean_ms.preprocess,
            self.mean_ms.inference,
            self.mean_ms.postprocess,
            self.mean_ms.mask,
            self.masked_fraction * 100.0,
            self.passes_per_frame,
            self.peak_memory_mb
        )
    }
}

/// One attempt, as `analyze` prints it: when, why it is not a rep, and how far it got against what a
/// rep needs (short of range: how much of it; unfinished: it had reached it and did not come back).
fn attempt_line(a: &crate::form::AttemptRecord) -> String {
    let side = a.side.map_or(String::new(), |s| format!(" {s:?}").to_lowercase());
    let (m, n) = (&a.measure, a.needed_deg);
    let how_far = match a.reached_deg {
        None => format!("{m} not seen (a rep needs {n:.0} deg)"),
        Some(d) if d >= n => format!("{m} reached {d:.0} deg, past the {n:.0} deg a rep needs"),
        Some(d) => format!("{m} reached {d:.0} deg of the {n:.0} deg a rep needs"),
    };
    format!("attempt {}{side}: {:.1}-{:.1} s, {}: {how_far}", a.index, a.start_s, a.end_s, a.reason.label())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::figure::{Noise, Plane, SideFig, keys, record, with_world};
    use crate::form::{FaultId, SpineMethod, View};

    /// A hinge of a good rep and a rounded one, turned 45 degrees from side-on, with world landmarks.
    fn turned_hinge() -> Vec<PoseSample> {
        let trunk = [(0.0, 0.0), (1.5, 0.0), (4.0, 60.0), (4.4, 60.0), (6.4, 0.0), (8.4, 0.0), (10.9, 60.0)];
        let trunk = [&trunk[..], &[(11.3, 60.0), (13.3, 0.0), (15.3, 0.0)]].concat();
        let thor = [(0.0, 0.0), (8.4, 0.0), (9.6, 55.0), (12.3, 55.0), (13.3, 0.0)];
        record(15.3, 9, Noise::default(), |t| {
            let th = if keys(t, &trunk) > 5.0 { 10.0 } else { 8.0 };
            SideFig {
                near: crate::form::Side::Right,
                trunk: keys(t, &trunk),
                thoracic: keys(t, &thor),
                thigh: [th, th],
                ..SideFig::default()
            }
            .pose()
        })
        .into_iter()
        .map(|s| with_world(s, 45.0, Plane::Side { facing: 1.0 }))
        .collect()
    }

    fn saved(samples: &[PoseSample], world: bool) -> tempfile::NamedTempFile {
        let frames: Vec<FrameOut> = samples
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let mut f = FrameOut::from_sample(i as u64, s, None);
                if !world {
                    f.body3d = None;
                }
                f
            })
            .collect();
        let v = serde_json::json!({ "source": { "width": 1280, "height": 720, "stills": false }, "frames": frames });
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), serde_json::to_string(&v).unwrap()).unwrap();
        file
    }

    #[test]
    fn an_attempt_says_how_far_it_got_against_what_a_rep_needs() {
        use crate::form::{AttemptReason, AttemptRecord, Side};
        let mut a = AttemptRecord {
            index: 1,
            side: None,
            start_s: 16.7,
            end_s: 18.5,
            reason: AttemptReason::Unfinished,
            measure: "trunk_deg".into(),
            reached_deg: Some(67.2),
            needed_deg: 30.0,
        };
        let unfinished = attempt_line(&a);
        assert!(unfinished.starts_with("attempt 1: 16.7-18.5 s, not finished"), "{unfinished}");
        assert!(unfinished.ends_with("trunk_deg reached 67 deg, past the 30 deg a rep needs"), "{unfinished}");
        (a.reason, a.reached_deg, a.side) = (AttemptReason::ShortOfRange, Some(24.4), Some(Side::Left));
        let short = attempt_line(&a);
        assert!(short.starts_with("attempt 1 left: 16.7-18.5 s"), "{short}");
        assert!(short.ends_with("trunk_deg reached 24 deg of the 30 deg a rep needs"), "{short}");
        a.reached_deg = None;
        assert!(attempt_line(&a).ends_with("trunk_deg not seen (a rep needs 30 deg)"), "{}", attempt_line(&a));
    }

    #[test]
    fn rejudging_keeps_the_world_landmarks_and_the_verdicts() {
        let samples = turned_hinge();
        let mut a = Analyzer::new(Exercise::Hinge, FormConfig::default());
        for s in &samples {
            a.push(s);
        }
        a.finish();
        let direct = a.report();
        let verdicts = |r: &ExerciseReport| -> Vec<(Vec<FaultId>, SpineMethod)> {
            r.reps.iter().map(|x| (x.faults.clone(), x.hinge.as_ref().unwrap().spine_method)).collect()
        };
        assert_eq!(
            verdicts(&direct),
            vec![(vec![], SpineMethod::Keypoints), (vec![FaultId::RoundedBack], SpineMethod::Keypoints)]
        );
        let file = saved(&samples, true);
        let (again, states) = rejudge(file.path(), Exercise::Hinge, FormConfig::default()).unwrap();
        // The same reps, the angles to the last bit (times pass through JSON's decimals, which
        // serde_json reads back to within an ulp).
        type Angles = (Vec<FaultId>, SpineMethod, f32, f32, Option<f32>, Option<f32>);
        let angles = |r: &ExerciseReport| -> Vec<Angles> {
            r.reps
                .iter()
                .map(|x| {
                    let h = x.hinge.as_ref().unwrap();
                    (
                        x.faults.clone(),
                        h.spine_method,
                        h.peak_trunk_deg,
                        h.peak_hip_deg,
                        h.max_thoracic_offset,
                        h.worst_head_deg,
                    )
                })
                .collect()
        };
        assert_eq!(angles(&again.report), angles(&direct));
        for (a, b) in again.report.reps.iter().zip(&direct.reps) {
            assert!((a.start_s - b.start_s).abs() < 1e-9 && (a.end_s - b.end_s).abs() < 1e-9, "{a:?} vs {b:?}");
        }
        assert!(states.iter().all(|(_, s)| s.view != View::Front));
        // Without the landmarks the same keypoints, 45 degrees from side-on, judge no spine.
        let file = saved(&samples, false);
        let (flat, _) = rejudge(file.path(), Exercise::Hinge, FormConfig::default()).unwrap();
        assert!(verdicts(&flat.report).iter().all(|v| v.1 != SpineMethod::Keypoints), "{:?}", verdicts(&flat.report));
    }

    #[test]
    fn a_damaged_body3d_is_a_clear_error() {
        let samples = turned_hinge();
        let file = saved(&samples[..3], true);
        let text = std::fs::read_to_string(file.path()).unwrap();
        let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v["frames"][1]["body3d"]["world"] = serde_json::json!([[0.0, 1.0]]);
        std::fs::write(file.path(), v.to_string()).unwrap();
        let err = rejudge(file.path(), Exercise::Hinge, FormConfig::default()).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("frame 1") && msg.contains("body3d") && msg.contains("analyse the video again"), "{msg}");
    }
}
