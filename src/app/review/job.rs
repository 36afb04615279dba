//! The analysis of the recording in the background: the pipeline's [`analyze`] on a thread, with
//! progress and cancel.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};

use anyhow::anyhow;

use crate::capture::{FrameSource, SourceError, SourceInfo};
use crate::form::{Exercise, FormConfig};
use crate::frame::{Frame, PixelFormat};
use crate::pipeline::analyze::{Analysis, analyze};
use crate::pose::ModelKind;
use crate::pose::skeleton::Pose;

/// A source that ends (cleanly) as soon as `cancel` is set: stopping an analysis mid-way.
struct Cancellable {
    inner: Box<dyn FrameSource>,
    cancel: Arc<AtomicBool>,
}

impl FrameSource for Cancellable {
    fn info(&self) -> &SourceInfo {
        self.inner.info()
    }

    fn next_frame(&mut self) -> Result<Option<Frame>, SourceError> {
        if self.cancel.load(Ordering::Relaxed) { Ok(None) } else { self.inner.next_frame() }
    }

    fn known_pose(&self, frame: &Frame) -> Option<Pose> {
        self.inner.known_pose(frame)
    }

    fn frame_name(&self, frame: &Frame) -> Option<String> {
        self.inner.frame_name(frame)
    }
}

/// The analysis running: its progress, its cancel switch and (once done) its result.
pub(super) struct Job {
    pub(super) done: Arc<AtomicU64>,
    /// Frames expected (0: unknown).
    pub(super) total: Arc<AtomicU64>,
    pub(super) cancel: Arc<AtomicBool>,
    pub(super) result: Receiver<anyhow::Result<Analysis>>,
    pub(super) stage: Arc<Mutex<&'static str>>,
}

/// Starts analysing `path` for `exercise`, judged with `config`; a `mirrored` clip is flipped back.
pub(super) fn start_job(
    path: PathBuf,
    exercise: Exercise,
    config: FormConfig,
    model: ModelKind,
    mirrored: bool,
    ctx: egui::Context,
) -> Job {
    let done = Arc::new(AtomicU64::new(0));
    let total = Arc::new(AtomicU64::new(0));
    let cancel = Arc::new(AtomicBool::new(false));
    let stage = Arc::new(Mutex::new("opening the video"));
    let (tx, result) = channel();
    let ctx2 = ctx.clone();
    let (d, n, c, s) = (Arc::clone(&done), Arc::clone(&total), Arc::clone(&cancel), Arc::clone(&stage));
    let run = move || -> anyhow::Result<Analysis> {
        let src =
            crate::capture::mirror::unmirror_if(crate::capture::open_path(&path, PixelFormat::Yuv420p)?, mirrored);
        if src.info().stills {
            return Err(anyhow!(
                "{}: review needs a video clip, and this is a photo or a folder of photos. Open it with \"Open file\" instead.",
                path.display()
            ));
        }
        n.store(src.info().frame_count.unwrap_or(0), Ordering::Relaxed);
        *s.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = "loading the pose model";
        let model = crate::pipeline::live::load_model(model)?;
        *s.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = "analysing";
        let src = Box::new(Cancellable { inner: src, cancel: Arc::clone(&c) });
        let repaint = ctx.clone();
        let mut progress = |k: u64, _: Option<u64>| {
            d.store(k, Ordering::Relaxed);
            if k.is_multiple_of(8) {
                repaint.request_repaint();
            }
        };
        let input = path.display().to_string();
        Ok(analyze(&input, src, model, Some((exercise, config)), &mut progress)?)
    };
    let failed = tx.clone();
    let spawned = std::thread::Builder::new().name("review-analysis".into()).spawn(move || {
        let _ = tx.send(run());
        ctx2.request_repaint();
    });
    if let Err(e) = spawned {
        let _ = failed.send(Err(anyhow!("could not start the analysis: {e}")));
    }
    Job { done, total, cancel, result, stage }
}
