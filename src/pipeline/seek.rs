//! Frames of a recorded clip on demand: an exact `ffmpeg -ss` seek ([`decode_at`]), and a worker
//! that serves the newest request and caches a batch of the following frames ([`FrameFetcher`]),
//! so that stepping forward is immediate. The review screen shows frames with it; key frames are
//! decoded with it.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, TryRecvError, channel};
use std::time::Duration;

use crate::capture::SourceError;
use crate::latest::Latest;

/// Frames decoded per seek: the requested one and the ones after it (stepping forward is free).
const BATCH: usize = 8;
/// Frames kept (24 x 1.5 MB = 37 MB at most for 960x540 pictures).
const CACHE: usize = 24;

/// Why a seek gave no picture.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SeekError {
    #[error("{0}")]
    FfmpegMissing(String),
    #[error("could not run ffmpeg: {0}")]
    Run(String),
    #[error("{path}: could not decode the frame at {t:.2} s ({line})")]
    Decode { path: String, t: f64, line: String },
    #[error("could not start the frame decoder: {0}")]
    Thread(String),
}

/// Where to seek for frame `k` of frames at `times`: half a frame before it, so that the seek lands
/// on frame `k` whatever the rounding of the times.
#[must_use]
pub fn seek_time(times: &[f64], k: usize) -> f64 {
    match k {
        0 => 0.0,
        _ => times[k] - 0.5 * (times[k] - times[k - 1]),
    }
}

/// Decodes `count` frames from time `t` (seconds from the start) of `path`, scaled to `w` x `h`
/// RGB. The seek is exact (ffmpeg decodes from the keyframe before `t` and drops what is before).
///
/// # Errors
/// When ffmpeg is missing or fails; the message says why.
pub fn decode_at(path: &Path, t: f64, count: usize, w: u32, h: u32) -> Result<Vec<Vec<u8>>, SeekError> {
    decode_at_unmirrored(path, t, count, w, h, false)
}

/// [`decode_at`], flipping a mirrored clip's picture back when `mirrored` (the clip was analysed
/// un-mirrored: `SourceInfo::mirrored`), so the pictures match the analysis.
///
/// # Errors
/// As [`decode_at`].
pub fn decode_at_unmirrored(
    path: &Path,
    t: f64,
    count: usize,
    w: u32,
    h: u32,
    mirrored: bool,
) -> Result<Vec<Vec<u8>>, SeekError> {
    let filter = if mirrored { format!("hflip,scale={w}:{h}") } else { format!("scale={w}:{h}") };
    let out = std::process::Command::new("ffmpeg")
        .args(["-hide_banner", "-nostdin", "-loglevel", "error", "-ss", &format!("{:.6}", t.max(0.0)), "-i"])
        .arg(crate::capture::video::ffmpeg_arg(path))
        .args(["-map", "0:v:0", "-frames:v", &count.to_string(), "-vf", &filter])
        .args(["-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                SeekError::FfmpegMissing(SourceError::FfmpegMissing.to_string())
            } else {
                SeekError::Run(e.to_string())
            }
        })?;
    let len = (w * h * 3) as usize;
    if !out.status.success() && out.stdout.len() < len {
        let err = String::from_utf8_lossy(&out.stderr);
        let line = err.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("ffmpeg failed").to_string();
        return Err(SeekError::Decode { path: path.display().to_string(), t, line });
    }
    Ok(out.stdout.chunks_exact(len).map(<[u8]>::to_vec).collect())
}

type Batch = Result<Vec<(usize, Vec<u8>)>, SeekError>;

/// Fetches the picture of any frame: requests go to a worker thread (newest wins), answers come
/// back in batches and are cached.
pub(crate) struct FrameFetcher {
    requests: Arc<Latest<usize>>,
    answers: Receiver<Batch>,
    cache: VecDeque<(usize, Vec<u8>)>,
    pending: Option<usize>,
    /// Why the last request gave no picture.
    pub error: Option<SeekError>,
    /// The pictures' size.
    pub size: (u32, u32),
}

impl std::fmt::Debug for FrameFetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FrameFetcher").field("size", &self.size).field("error", &self.error).finish_non_exhaustive()
    }
}

impl FrameFetcher {
    /// Starts the worker on `path`, whose frames are at `times`, decoding at `size` (flipped back
    /// when the clip is `mirrored`); `notify` is called when an answer is ready (the window's
    /// repaint request).
    #[must_use]
    pub(crate) fn start(
        path: PathBuf,
        times: Vec<f64>,
        size: (u32, u32),
        mirrored: bool,
        notify: impl Fn() + Send + 'static,
    ) -> Self {
        let requests = Arc::new(Latest::<usize>::new());
        let (tx, answers) = channel();
        let req = Arc::clone(&requests);
        let spawned = std::thread::Builder::new().name("review-frames".into()).spawn(move || {
            while !req.is_closed() {
                let Some(k) = req.take_timeout(Duration::from_millis(500)) else { continue };
                let t = seek_time(&times, k);
                let answer = decode_at_unmirrored(&path, t, BATCH, size.0, size.1, mirrored)
                    .map(|frames| frames.into_iter().enumerate().map(|(j, px)| (k + j, px)).collect());
                if tx.send(answer).is_err() {
                    break;
                }
                notify();
            }
        });
        let error = spawned.err().map(|e| SeekError::Thread(e.to_string()));
        Self { requests, answers, cache: VecDeque::new(), pending: None, error, size }
    }

    /// Takes in whatever the worker decoded; returns the picture of frame `k` if it is cached, and
    /// asks for it otherwise.
    pub(crate) fn get(&mut self, k: usize) -> Option<&[u8]> {
        loop {
            match self.answers.try_recv() {
                Ok(Ok(batch)) => {
                    for (i, px) in batch {
                        self.cache.retain(|c| c.0 != i);
                        self.cache.push_back((i, px));
                    }
                    while self.cache.len() > CACHE {
                        self.cache.pop_front();
                    }
                    self.pending = None;
                    self.error = None;
                }
                Ok(Err(e)) => {
                    self.pending = None;
                    self.error = Some(e);
                }
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
            }
        }
        let cached = self.cache.iter().position(|c| c.0 == k);
        if cached.is_none() && self.pending != Some(k) && self.error.is_none() {
            self.pending = Some(k);
            self.requests.put(k);
        }
        cached.map(|i| self.cache[i].1.as_slice())
    }
}

impl Drop for FrameFetcher {
    fn drop(&mut self) {
        self.requests.close();
    }
}
