//! Webcams through nokhwa (V4L2 on Linux).
//!
//! The camera lives on its own thread (nokhwa's camera is not `Send`); frames come over a channel.
//! When the camera fails mid-session (unplugged), the thread reports it once and ends: the session
//! keeps everything it had and the window shows the message.

use std::sync::mpsc::{Receiver, sync_channel};
use std::time::Instant;

use nokhwa::Camera;
use nokhwa::pixel_format::RgbFormat;
use nokhwa::utils::{
    ApiBackend, CameraFormat, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType, Resolution,
};

use super::{FrameSource, SourceError, SourceInfo, SourceKind};
use crate::frame::Frame;

/// A camera the system offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CameraEntry {
    pub index: u32,
    pub name: String,
}

/// Lists the cameras. An empty list (not an error) when there are none or the system cannot be asked.
#[must_use]
pub fn list_cameras() -> Vec<CameraEntry> {
    match nokhwa::query(ApiBackend::Auto) {
        Ok(list) => list
            .into_iter()
            .enumerate()
            .map(|(i, c)| CameraEntry {
                index: match c.index() {
                    CameraIndex::Index(n) => *n,
                    CameraIndex::String(_) => i as u32,
                },
                name: c.human_name(),
            })
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// A resolution to ask the camera for; the camera picks the closest it supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CameraRequest {
    pub index: u32,
    /// `None` = the camera's highest frame rate at any size.
    pub resolution: Option<(u32, u32)>,
}

enum Msg {
    Frame(Frame),
    Lost(String),
}

/// A running camera.
#[derive(Debug)]
pub(crate) struct CameraSource {
    info: SourceInfo,
    rx: Receiver<Msg>,
    ended: bool,
}

impl std::fmt::Debug for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Msg::Frame(_) => "Frame",
            Msg::Lost(_) => "Lost",
        })
    }
}

impl CameraSource {
    /// Opens a camera. Checks the camera list first: with no camera, opening index 0 would fail obscurely.
    ///
    /// # Errors
    /// [`SourceError::NoCamera`] when the system lists none, [`SourceError::CameraOpen`] when it will not open.
    pub fn open(req: CameraRequest) -> Result<Self, SourceError> {
        let cams = list_cameras();
        if cams.is_empty() {
            return Err(SourceError::NoCamera);
        }
        let name = cams.iter().find(|c| c.index == req.index).map(|c| c.name.clone()).ok_or_else(|| {
            SourceError::CameraOpen {
                index: req.index,
                reason: format!(
                    "no such camera; available: {}",
                    cams.iter().map(|c| c.index.to_string()).collect::<Vec<_>>().join(", ")
                ),
            }
        })?;
        let (ready_tx, ready_rx) = sync_channel::<Result<(u32, u32, u32), SourceError>>(1);
        // Capacity 2: the newest frames wait; if nobody reads, the camera thread drops older ones.
        let (tx, rx) = sync_channel::<Msg>(2);
        std::thread::Builder::new()
            .name(format!("camera-{}", req.index))
            .spawn(move || {
                let format =
                    match req.resolution {
                        Some((w, h)) => RequestedFormat::new::<RgbFormat>(RequestedFormatType::Closest(
                            CameraFormat::new(Resolution::new(w, h), FrameFormat::MJPEG, 30),
                        )),
                        None => RequestedFormat::new::<RgbFormat>(RequestedFormatType::AbsoluteHighestFrameRate),
                    };
                let mut cam = match Camera::new(CameraIndex::Index(req.index), format).and_then(|mut c| {
                    c.open_stream()?;
                    Ok(c)
                }) {
                    Ok(c) => c,
                    Err(e) => {
                        let _ = ready_tx.send(Err(SourceError::CameraOpen { index: req.index, reason: e.to_string() }));
                        return;
                    }
                };
                let f = cam.camera_format();
                let _ = ready_tx.send(Ok((f.resolution().width(), f.resolution().height(), f.frame_rate())));
                let start = Instant::now();
                let mut index = 0;
                loop {
                    let msg = match cam.frame().and_then(|b| b.decode_image::<RgbFormat>()) {
                        Ok(img) => {
                            let (w, h) = img.dimensions();
                            let f = Frame::new(index, start.elapsed().as_secs_f64(), w, h, img.into_raw());
                            index += 1;
                            Msg::Frame(f)
                        }
                        Err(e) => Msg::Lost(e.to_string()),
                    };
                    if matches!(msg, Msg::Lost(_)) {
                        // Always deliver the loss, waiting for the reader if need be.
                        let _ = tx.send(msg);
                        break;
                    }
                    // A reader that is behind misses this frame: the camera never builds a queue.
                    if let Err(std::sync::mpsc::TrySendError::Disconnected(_)) = tx.try_send(msg) {
                        break;
                    }
                }
                let _ = cam.stop_stream();
            })
            .map_err(SourceError::Io)?;
        let (width, height, fps) = ready_rx
            .recv()
            .map_err(|_| SourceError::CameraOpen { index: req.index, reason: "the camera thread stopped".into() })??;
        Ok(Self {
            info: SourceInfo {
                kind: SourceKind::Camera,
                name,
                width,
                height,
                fps: Some(f64::from(fps)),
                duration_s: None,
                frame_count: None,
                stills: false,
                paced: false,
                mirrored: false,
            },
            rx,
            ended: false,
        })
    }
}

impl FrameSource for CameraSource {
    fn info(&self) -> &SourceInfo {
        &self.info
    }

    fn next_frame(&mut self) -> Result<Option<Frame>, SourceError> {
        if self.ended {
            return Ok(None);
        }
        match self.rx.recv() {
            Ok(Msg::Frame(f)) => Ok(Some(f)),
            Ok(Msg::Lost(reason)) => {
                self.ended = true;
                Err(SourceError::CameraLost { reason })
            }
            Err(_) => {
                self.ended = true;
                Err(SourceError::CameraLost { reason: "the camera thread ended".into() })
            }
        }
    }
}
