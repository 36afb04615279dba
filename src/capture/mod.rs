//! Frame sources behind one trait: webcam, video file, still image or folder of images (the demo,
//! which draws poses of the form engine's exercises, is a source too but lives above it, in `demo`).
//!
//! A source hands out frames in time order until it ends. Errors say what happened and what to do;
//! a source that fails mid-way (a camera unplugged, a truncated file) ends with an error after the
//! frames it could deliver, so nothing already seen is lost.
//!
//! A source the user says is mirrored (`--mirrored`, the window's "mirrored picture" setting) is
//! flipped back here, before the pose stage ([`mirror`]), so sides come out as they really are.

pub mod camera;
pub mod images;
pub mod mirror;
pub mod video;
pub mod window;

use std::path::{Path, PathBuf};

use crate::frame::{Frame, PixelFormat};
use crate::pose::skeleton::Pose;

/// What kind of source a frame came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    Camera,
    Video,
    Images,
    Demo,
    /// A window or a region of the screen (a video call, for the therapist).
    Screen,
}

/// A description of a source, for the window and the JSON.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SourceInfo {
    pub kind: SourceKind,
    /// A human-readable name: the file, the camera's name, or "Demo".
    pub name: String,
    pub width: u32,
    pub height: u32,
    /// Frames per second the source delivers, if known.
    pub fps: Option<f64>,
    /// Length in seconds, for files.
    pub duration_s: Option<f64>,
    /// Number of frames, if known in advance (files, image folders).
    pub frame_count: Option<u64>,
    /// Whether frames are independent stills (no smoothing or tracking across them).
    pub stills: bool,
    /// Whether frames should be shown at their own pace (files, demo) rather than as fast as they come.
    pub paced: bool,
    /// Whether the source's picture is a mirror image that is flipped back before analysis
    /// ([`mirror`]): the frames handed out are un-mirrored; a clip re-read later must be flipped too.
    pub mirrored: bool,
}

/// Why a source could not start or could not go on.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error(
        "ffmpeg is not installed, and formcheck reads video files with it.\nFix: run `scripts/setup.sh`, or `apt-get install ffmpeg`."
    )]
    FfmpegMissing,
    #[error("{path}: file not found. Check the path.")]
    NotFound { path: PathBuf },
    #[error(
        "{path}: cannot be read as a video or image ({reason}). Check that it is a video file a phone or camera recorded, not damaged or renamed."
    )]
    Unreadable { path: PathBuf, reason: String },
    #[error("{path}: has no video stream (audio only?). Pick a file with video.")]
    NoVideo { path: PathBuf },
    #[error(
        "{path}: the video ends early or is damaged after {frames} frames ({reason}). The frames before that were analysed; re-export or re-record the clip to analyse the rest."
    )]
    Truncated { path: PathBuf, frames: u64, reason: String },
    #[error("{path}: no images found (looked for .png, .jpg, .jpeg, .webp, .bmp). Pick a folder with photos in it.")]
    EmptyFolder { path: PathBuf },
    #[error(
        "{path}: the image is {width} x {height} pixels, larger than formcheck reads ({max_side} pixels a side, {max_mp} megapixels). Scale it down (a photo of 4000 x 3000 is plenty) and try again."
    )]
    TooLarge { path: PathBuf, width: u32, height: u32, max_side: u32, max_mp: u32 },
    #[error("no camera found. Plug in a webcam, or use the demo or a video file instead.")]
    NoCamera,
    #[error("camera {index} could not be opened ({reason}). Check that no other program is using it, or pick another.")]
    CameraOpen { index: u32, reason: String },
    #[error(
        "the camera stopped sending frames ({reason}); was it unplugged? Plug it back in and start again: everything before this was kept."
    )]
    CameraLost { reason: String },
    #[error(
        "cannot reach the X display to capture a window ({reason}). Window capture needs a desktop session with DISPLAY set (X11, or XWayland for X11 apps)."
    )]
    NoDisplay { reason: String },
    #[error(
        "no window titled \"{title}\". Windows that can be captured: {available}. Run `formcheck windows` to list them."
    )]
    WindowNotFound { title: String, available: String },
    #[error("\"{title}\" matches several windows: {matches}. Give more of the title.")]
    WindowAmbiguous { title: String, matches: String },
    #[error(
        "the tile {tile} is not inside the window \"{title}\", which is {width}x{height}. Pick the patient's tile inside the window (its size is in `formcheck windows`), as window:TITLE@X,Y,WIDTH,HEIGHT."
    )]
    TileOutside { title: String, tile: window::Tile, width: u32, height: u32 },
    #[error("lost the patient: pick the region again ({reason}). Everything analysed so far was kept.")]
    PatientLost { reason: String },
    #[error(
        "the window \"{title}\" is minimised or hidden, so it has no picture to analyse. Restore the call window, then start again: everything analysed so far was kept."
    )]
    WindowHidden { title: String },
    #[error(
        "the window \"{title}\" is no longer on screen: minimised, on another desktop, or closed. If the call goes on, restore the call window, then start again: everything analysed so far was kept."
    )]
    WindowOffScreen { title: String },
    #[error("screen capture failed: {reason}")]
    Capture { reason: String },
    #[error("{reason}. Record the exercise as a clip and analyse the file instead.")]
    CaptureUnavailable { reason: String },
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// A stream of frames.
pub trait FrameSource: Send {
    fn info(&self) -> &SourceInfo;

    /// The next frame, `Ok(None)` at the end, or an error that ends the source.
    ///
    /// # Errors
    /// A [`SourceError`] saying why the source cannot go on.
    fn next_frame(&mut self) -> Result<Option<Frame>, SourceError>;

    /// For a synthetic source that knows the pose it drew (the demo): that pose, so no model is needed.
    fn known_pose(&self, _frame: &Frame) -> Option<Pose> {
        None
    }

    /// A name for the frame when frames are separate files (an image folder): the file name.
    fn frame_name(&self, _frame: &Frame) -> Option<String> {
        None
    }

    /// What the source skipped and why (a file in a folder of stills that is not an image), since
    /// the last call: each a line for the user.
    fn take_warnings(&mut self) -> Vec<String> {
        Vec::new()
    }
}

/// Image file extensions read as stills.
pub(crate) const IMAGE_EXTENSIONS: [&str; 5] = ["png", "jpg", "jpeg", "webp", "bmp"];

/// Whether the file's first bytes are an image formcheck decodes (PNG, JPEG, WebP, BMP), whatever
/// its name says: a browser saves WebP as `.jpg`, and a photo may be renamed `.mp4`.
#[must_use]
pub(crate) fn is_image_content(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 32];
    let Ok(n) = std::fs::File::open(path).and_then(|mut f| f.read(&mut head)) else { return false };
    matches!(
        image::guess_format(&head[..n]),
        Ok(image::ImageFormat::Png | image::ImageFormat::Jpeg | image::ImageFormat::WebP | image::ImageFormat::Bmp)
    )
}

/// Whether `path` names an image file by its extension.
#[must_use]
pub(crate) fn is_image_path(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// Opens a file or folder: a folder or an image file as stills, anything else as video. Video frames
/// come in `video_format` (RGB for showing, YUV for the fastest analysis); stills are always RGB.
///
/// # Errors
/// A missing path, or what [`video::VideoSource::open`] / [`images::ImageSource::open`] report.
pub fn open_path(path: &Path, video_format: PixelFormat) -> Result<Box<dyn FrameSource>, SourceError> {
    if !path.exists() {
        return Err(SourceError::NotFound { path: path.to_path_buf() });
    }
    if path.is_dir() || is_image_path(path) || is_image_content(path) {
        Ok(Box::new(images::ImageSource::open(path)?))
    } else {
        Ok(Box::new(video::VideoSource::open(path, video_format)?))
    }
}

/// What `--source` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceSpec {
    Demo,
    Camera(u32),
    Path(PathBuf),
    /// `window:TITLE`, `window:TITLE@X,Y,W,H` (only the patient's tile, in the window's pixels), or
    /// `screen:X,Y,W,H`.
    Screen(window::ScreenTarget),
}

/// A `--source` that names no source.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourceSpecError {
    #[error("`{0}`: the camera number after `camera:` must be 0, 1, 2, ...")]
    CameraNumber(String),
    #[error("{0}")]
    Region(String),
    /// An empty title or a bad tile after `window:`.
    #[error("{0}")]
    Window(String),
}

impl std::str::FromStr for SourceSpec {
    type Err = SourceSpecError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "demo" => Ok(SourceSpec::Demo),
            "camera" => Ok(SourceSpec::Camera(0)),
            _ => {
                if let Some(n) = s.strip_prefix("camera:") {
                    n.parse().map(SourceSpec::Camera).map_err(|_| SourceSpecError::CameraNumber(s.to_string()))
                } else if let Some(title) = s.strip_prefix("window:") {
                    window::ScreenTarget::parse_window(title).map(SourceSpec::Screen).map_err(SourceSpecError::Window)
                } else if let Some(region) = s.strip_prefix("screen:") {
                    window::parse_region(region).map(SourceSpec::Screen).map_err(SourceSpecError::Region)
                } else {
                    Ok(SourceSpec::Path(PathBuf::from(s)))
                }
            }
        }
    }
}

/// A source cut off after a number of seconds of its own time (`analyze window:... --seconds N`).
pub struct Limited {
    inner: Box<dyn FrameSource>,
    seconds: f64,
}

impl Limited {
    #[must_use]
    pub fn new(inner: Box<dyn FrameSource>, seconds: f64) -> Self {
        Self { inner, seconds }
    }
}

impl FrameSource for Limited {
    fn info(&self) -> &SourceInfo {
        self.inner.info()
    }

    fn next_frame(&mut self) -> Result<Option<Frame>, SourceError> {
        Ok(self.inner.next_frame()?.filter(|f| f.t <= self.seconds))
    }

    fn known_pose(&self, frame: &Frame) -> Option<Pose> {
        self.inner.known_pose(frame)
    }

    fn frame_name(&self, frame: &Frame) -> Option<String> {
        self.inner.frame_name(frame)
    }
}
