//! Capturing a window or a region of the screen: the therapist's view of a video call.
//!
//! One [`WindowSource`] for every platform, over a small per-platform [`Backend`] that only lists
//! windows and reads pixels:
//!
//! - **Linux/X11** (`x11.rs`, the only backend run and tested): one persistent connection,
//!   MIT-SHM `GetImage`, and Composite so a covered window is still captured as it is.
//! - **Windows and macOS** (`xcap_backend.rs`, the `xcap` crate): built for Windows here (a
//!   type check, `scripts/check-cross.sh`), never run; macOS is not even built here. See
//!   `docs/capture.md` for exactly what is untested.
//!
//! Everything else is shared and the same everywhere: the target (`window:TITLE`,
//! `window:TITLE@X,Y,W,H`, `screen:X,Y,W,H`) and picking the window by title, the pacing
//! ([`CAPTURE_FPS`]), frame times, a minimised window, a window that is closing
//! ([`CLOSING_GRACE`]), and a window that changes size.
//!
//! **The patient's tile.** A video call's window holds more than the patient: the therapist's
//! self-view, name labels, other participants. [`ScreenTarget::WindowTile`] (`window:TITLE@X,Y,W,H`
//! on the command line) captures only a rectangle of the window, given in the window's own pixels
//! (on X11 the shared-memory `GetImage` asks the X server for that rectangle alone; `xcap` reads
//! the whole window and the tile is cut out, `crop_scaled`). The tile is checked against the
//! window's size when the capture opens ([`SourceError::TileOutside`]); when the window later
//! changes size the layout has moved, and the capture ends with [`SourceError::PatientLost`]
//! ("lost the patient: pick the region again"). A whole window that changes size is captured at
//! its new size.
//!
//! **The call's picture as it is.** The remote patient's video is not mirrored (their right is on
//! the screen's left, as a camera facing them sees it), so this source never flips it and reports
//! `mirrored: false`; `--mirrored` must stay off for a call.
//!
//! A minimised (or otherwise unmapped) window has no picture: capturing it ends the source with
//! [`SourceError::WindowHidden`] ("restore the call window"; on macOS, where a minimised window
//! cannot be told from a closed one, [`SourceError::WindowOffScreen`]), never a black frame judged
//! as "no person". A window that closes ends the source normally.

use std::time::{Duration, Instant};

use crate::capture::{FrameSource, SourceError, SourceInfo, SourceKind};
use crate::frame::Frame;

/// A rectangle inside a window, in the window's own pixels from its top-left corner (inside its
/// frame, as `formcheck windows` reports the window's size): the patient's tile of a video call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Tile {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

impl Tile {
    /// The smallest tile side the pose model can work with.
    pub const MIN_SIDE: u32 = 16;

    /// Whether the tile lies wholly inside a window of `width` x `height`.
    #[must_use]
    pub fn fits(&self, width: u32, height: u32) -> bool {
        u64::from(self.x) + u64::from(self.width) <= u64::from(width)
            && u64::from(self.y) + u64::from(self.height) <= u64::from(height)
    }

    /// Parses `X,Y,W,H` (the part after `@` in `window:TITLE@X,Y,W,H`).
    ///
    /// # Errors
    /// A message saying what is expected.
    pub fn parse(s: &str) -> Result<Tile, String> {
        let bad = || {
            format!(
                "`@{s}`: give the patient's tile as window:TITLE@X,Y,WIDTH,HEIGHT in the window's pixels, e.g. window:Zoom Meeting@0,60,960,540"
            )
        };
        let parts: Vec<&str> = s.split(',').map(str::trim).collect();
        let [x, y, w, h] = parts.as_slice() else { return Err(bad()) };
        let n = |v: &str| v.parse::<u32>().map_err(|_| bad());
        let tile = Tile { x: n(x)?, y: n(y)?, width: n(w)?, height: n(h)? };
        if tile.width < Self::MIN_SIDE || tile.height < Self::MIN_SIDE || tile.width > 8192 || tile.height > 8192 {
            return Err(format!("`@{s}`: the tile must be 16 to 8192 pixels wide and high"));
        }
        Ok(tile)
    }
}

impl std::fmt::Display for Tile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}x{} at {},{}", self.width, self.height, self.x, self.y)
    }
}

/// What to capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScreenTarget {
    /// The window whose title is this (exactly, or else the one window whose title contains it,
    /// ignoring case).
    Window(String),
    /// Only a rectangle of that window: the patient's tile in a video call (`window:TITLE@X,Y,W,H`).
    /// Checked against the window's size when the capture opens; if the window changes size later,
    /// the capture ends with [`SourceError::PatientLost`].
    WindowTile { title: String, tile: Tile },
    /// A rectangle of the screen, in pixels from its top-left corner.
    Region { x: i32, y: i32, width: u32, height: u32 },
}

impl std::fmt::Display for ScreenTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ScreenTarget::Window(t) => write!(f, "window \"{t}\""),
            ScreenTarget::WindowTile { title, tile } => write!(f, "the tile {tile} of window \"{title}\""),
            ScreenTarget::Region { x, y, width, height } => write!(f, "screen region {width}x{height} at {x},{y}"),
        }
    }
}

impl ScreenTarget {
    /// The same window, cropped to `tile` (`None`: the whole window). A screen region is returned
    /// unchanged: crop it by giving a smaller region instead.
    #[must_use]
    pub fn with_tile(self, tile: Option<Tile>) -> ScreenTarget {
        match (self, tile) {
            (ScreenTarget::Window(title) | ScreenTarget::WindowTile { title, .. }, Some(tile)) => {
                ScreenTarget::WindowTile { title, tile }
            }
            (ScreenTarget::Window(title) | ScreenTarget::WindowTile { title, .. }, None) => ScreenTarget::Window(title),
            (region @ ScreenTarget::Region { .. }, _) => region,
        }
    }

    /// The tile, when only part of a window is captured.
    #[must_use]
    pub fn tile(&self) -> Option<Tile> {
        match self {
            ScreenTarget::WindowTile { tile, .. } => Some(*tile),
            _ => None,
        }
    }

    /// Parses what follows `window:`: `TITLE`, or `TITLE@X,Y,W,H` for a tile of it. A title that
    /// itself contains `@` followed by anything but numbers and commas stays a title.
    ///
    /// # Errors
    /// An empty title, or a tile that is not four numbers in range.
    pub fn parse_window(s: &str) -> Result<ScreenTarget, String> {
        let no_title = || {
            "`window:` needs a title after it, e.g. window:Zoom Meeting (`formcheck windows` lists them)".to_string()
        };
        if let Some((title, tile)) = s.rsplit_once('@')
            && !tile.trim().is_empty()
            && tile.chars().all(|c| c.is_ascii_digit() || c == ',' || c == ' ' || c == '-' || c == '+')
        {
            if title.trim().is_empty() {
                return Err(no_title());
            }
            return Ok(ScreenTarget::WindowTile { title: title.to_string(), tile: Tile::parse(tile)? });
        }
        if s.trim().is_empty() {
            return Err(no_title());
        }
        Ok(ScreenTarget::Window(s.to_string()))
    }
}

/// One window that can be captured.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WindowInfo {
    /// The platform's window id: the X window, a Windows `HWND` (as `xcap` gives it), a macOS `CGWindowID`.
    pub id: u32,
    pub title: String,
    /// Position of its top-left corner on the screen.
    pub x: i32,
    pub y: i32,
    pub width: u32,
    pub height: u32,
    /// Minimised or otherwise not shown: it has no picture until it is restored.
    pub minimised: bool,
}

/// How often a capture source delivers a frame at most.
pub const CAPTURE_FPS: f64 = 30.0;

/// How long a window seen unmapped is given to be destroyed (closed) before it is reported as
/// minimised or hidden.
pub const CLOSING_GRACE: Duration = Duration::from_millis(500);

/// Picks the window a title names: the exact title, else the single window whose title contains
/// it (ignoring case).
///
/// # Errors
/// [`SourceError::WindowNotFound`] or [`SourceError::WindowAmbiguous`], naming the candidates.
pub fn pick_window<'a>(windows: &'a [WindowInfo], title: &str) -> Result<&'a WindowInfo, SourceError> {
    if let Some(w) = windows.iter().find(|w| w.title == title) {
        return Ok(w);
    }
    let needle = title.to_lowercase();
    let matches: Vec<&WindowInfo> = windows.iter().filter(|w| w.title.to_lowercase().contains(&needle)).collect();
    match matches.as_slice() {
        [one] => Ok(one),
        [] => Err(SourceError::WindowNotFound {
            title: title.to_string(),
            available: windows.iter().map(|w| format!("\"{}\"", w.title)).collect::<Vec<_>>().join(", "),
        }),
        many => Err(SourceError::WindowAmbiguous {
            title: title.to_string(),
            matches: many.iter().map(|w| format!("\"{}\"", w.title)).collect::<Vec<_>>().join(", "),
        }),
    }
}

/// Parses the `X,Y,W,H` of `screen:X,Y,W,H`.
///
/// # Errors
/// A message saying what is expected.
pub fn parse_region(s: &str) -> Result<ScreenTarget, String> {
    let parts: Vec<&str> = s.split(',').map(str::trim).collect();
    let bad =
        || format!("`screen:{s}`: give the region as screen:X,Y,WIDTH,HEIGHT in pixels, e.g. screen:0,0,1280,720");
    let [x, y, w, h] = parts.as_slice() else { return Err(bad()) };
    let (x, y) = (x.parse::<i32>().map_err(|_| bad())?, y.parse::<i32>().map_err(|_| bad())?);
    let (width, height) = (w.parse::<u32>().map_err(|_| bad())?, h.parse::<u32>().map_err(|_| bad())?);
    if width < 16 || height < 16 || width > 8192 || height > 8192 {
        return Err(format!("`screen:{s}`: the region must be 16 to 8192 pixels wide and high"));
    }
    Ok(ScreenTarget::Region { x, y, width, height })
}

#[cfg(any(test, target_os = "linux"))]
/// Converts packed 32-bit BGRX (X11's usual 24-bit-depth layout, little-endian) to packed RGB.
pub(crate) fn bgrx_to_rgb(src: &[u8], out: &mut Vec<u8>) {
    let n = src.len() / 4;
    out.clear();
    out.resize(n * 3, 0);
    for (d, s) in out.chunks_exact_mut(3).zip(src.chunks_exact(4)) {
        d[0] = s[2];
        d[1] = s[1];
        d[2] = s[0];
    }
}

#[cfg(any(test, windows, target_os = "macos"))]
/// Cuts `rect` (`x, y, width, height`, in units of a `size`-sized window) out of an RGBA picture of
/// that window which is `image_size` pixels, into packed RGB of `width * height` pixels. A picture
/// at the window's own size is copied pixel for pixel; a larger or smaller one (a backing scale,
/// display scaling) is sampled at the nearest pixel.
///
/// # Errors
/// [`SourceError::Capture`] for an empty picture or one shorter than its size says.
pub(crate) fn crop_scaled(
    rgba: &[u8],
    image_size: (u32, u32),
    size: (u32, u32),
    rect: (u32, u32, u32, u32),
    out: &mut Vec<u8>,
) -> Result<(), SourceError> {
    let (iw, ih) = (image_size.0 as usize, image_size.1 as usize);
    let (sw, sh) = (size.0.max(1) as usize, size.1.max(1) as usize);
    let (rx, ry, rw, rh) = (rect.0 as usize, rect.1 as usize, rect.2 as usize, rect.3 as usize);
    if iw == 0 || ih == 0 || rgba.len() < iw * ih * 4 {
        return Err(SourceError::Capture {
            reason: format!("the window gave an empty or short picture ({iw}x{ih}); is it still open and shown?"),
        });
    }
    out.clear();
    out.reserve(rw * rh * 3);
    for row in ry..ry + rh {
        let sy = (row * ih / sh).min(ih - 1);
        let line = &rgba[sy * iw * 4..(sy + 1) * iw * 4];
        for col in rx..rx + rw {
            let sx = (col * iw / sw).min(iw - 1);
            out.extend_from_slice(&line[sx * 4..sx * 4 + 3]);
        }
    }
    Ok(())
}

/// A window's top-left corner on the screen and its size: `(x, y, width, height)`.
pub(crate) type Geometry = (i32, i32, u32, u32);

/// What one frame is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Grab {
    /// A rectangle `rect` (`x, y, width, height`, in the window's own pixels) of the window `id`,
    /// whose top-left corner is at `at` on the screen and whose size is `size`.
    Window { id: u32, at: (i32, i32), size: (u32, u32), rect: (u32, u32, u32, u32) },
    /// A rectangle of the screen.
    Screen { x: i32, y: i32, width: u32, height: u32 },
}

/// One platform's way of listing windows and reading their pixels: X11 on Linux, `xcap` on
/// Windows and macOS. Everything else (picking the window by title, the tile and its check,
/// pacing, frame times, a minimised window and a window that is closing, a window that changes
/// size) is [`WindowSource`]'s, the same on every platform.
pub(crate) trait Backend: Send {
    /// The windows that can be captured.
    ///
    /// # Errors
    /// No display, or the platform refused the list.
    fn windows(&mut self) -> Result<Vec<WindowInfo>, SourceError>;

    /// Whether a rectangle of the screen can be captured.
    ///
    /// # Errors
    /// [`SourceError::Capture`] saying the screen's size, when the region is not on the screen.
    fn check_region(&mut self, x: i32, y: i32, width: u32, height: u32) -> Result<(), SourceError>;

    /// Frames will come from the window `id` (X11 redirects it off screen, so a covered window is
    /// still captured whole).
    ///
    /// # Errors
    /// The window cannot be captured.
    fn watch(&mut self, id: u32) -> Result<(), SourceError>;

    /// Frames will be `width` x `height` from now on (X11 makes its shared segment that size).
    fn prepare(&mut self, width: u32, height: u32);

    /// The window's position and size, or `None` once it is gone (closed).
    fn geometry(&mut self, id: u32) -> Option<Geometry>;

    /// Whether the window is minimised or otherwise has no picture.
    fn hidden(&mut self, id: u32) -> bool;

    /// Reads one frame as packed RGB into `out` (`width * height * 3` bytes of the rectangle asked).
    ///
    /// # Errors
    /// [`SourceError::Capture`] saying why.
    fn grab(&mut self, what: &Grab, out: &mut Vec<u8>) -> Result<(), SourceError>;

    /// The error for a window that stayed hidden past [`CLOSING_GRACE`].
    fn hidden_error(&mut self, title: &str) -> SourceError {
        SourceError::WindowHidden { title: title.to_string() }
    }

    /// Whether frames come through shared memory (X11's fast path).
    fn uses_shm(&self) -> bool {
        false
    }

    /// Whether a covered window is still captured whole (X11's Composite).
    fn uses_composite(&self) -> bool {
        false
    }
}

/// This platform's backend, connected.
#[cfg(target_os = "linux")]
fn connect_backend() -> Result<Box<dyn Backend>, SourceError> {
    Ok(Box::new(x11::X11::connect()?))
}

#[cfg(any(windows, target_os = "macos"))]
fn connect_backend() -> Result<Box<dyn Backend>, SourceError> {
    Ok(Box::new(xcap_backend::Xcap::new()))
}

#[cfg(not(any(target_os = "linux", windows, target_os = "macos")))]
fn connect_backend() -> Result<Box<dyn Backend>, SourceError> {
    Err(SourceError::CaptureUnavailable {
        reason: "window capture is built for Linux (X11), Windows and macOS only".into(),
    })
}

/// The windows that can be captured, in the platform's order (X11: the window manager's).
///
/// # Errors
/// [`SourceError::NoDisplay`] without an X display on Linux; what the platform reports elsewhere.
pub fn list_windows() -> Result<Vec<WindowInfo>, SourceError> {
    connect_backend()?.windows()
}

#[cfg(target_os = "linux")]
mod x11;
#[cfg(any(windows, target_os = "macos"))]
mod xcap_backend;

/// Captures a window or a screen region as a stream of RGB frames, through this platform's
/// [`Backend`].
pub struct WindowSource {
    backend: Box<dyn Backend>,
    /// The window captured (`None` for a screen region).
    window: Option<(u32, String)>,
    /// The window's (or the region's) position on the screen and size.
    region: Geometry,
    /// Only this rectangle of the window (the patient's tile).
    tile: Option<Tile>,
    info: SourceInfo,
    started: Option<Instant>,
    next_at: Instant,
    index: u64,
    rgb: Vec<u8>,
}

impl WindowSource {
    /// Connects to the display and finds the target.
    ///
    /// # Errors
    /// No display, no such window (or several), a minimised window, or a region off the screen.
    pub fn open(target: &ScreenTarget) -> Result<Box<dyn FrameSource>, SourceError> {
        Ok(Box::new(Self::open_window(target)?))
    }

    /// As [`WindowSource::open`], the concrete source (benchmarks, [`WindowSource::uses_shm`]).
    ///
    /// # Errors
    /// As [`WindowSource::open`].
    pub fn open_window(target: &ScreenTarget) -> Result<Self, SourceError> {
        Self::with_backend(connect_backend()?, target)
    }

    /// Opens `target` through `backend`.
    pub(crate) fn with_backend(mut backend: Box<dyn Backend>, target: &ScreenTarget) -> Result<Self, SourceError> {
        let (window, region, name) = match target {
            ScreenTarget::Window(title) | ScreenTarget::WindowTile { title, .. } => {
                let list = backend.windows()?;
                let w = pick_window(&list, title)?;
                if w.minimised {
                    return Err(SourceError::WindowHidden { title: w.title.clone() });
                }
                let name = match target.tile() {
                    Some(tile) if !tile.fits(w.width, w.height) => {
                        return Err(SourceError::TileOutside {
                            title: w.title.clone(),
                            tile,
                            width: w.width,
                            height: w.height,
                        });
                    }
                    Some(tile) => format!("the tile {tile} of window \"{}\"", w.title),
                    None => format!("window \"{}\"", w.title),
                };
                (Some((w.id, w.title.clone())), (w.x, w.y, w.width, w.height), name)
            }
            ScreenTarget::Region { x, y, width, height } => {
                backend.check_region(*x, *y, *width, *height)?;
                (None, (*x, *y, *width, *height), target.to_string())
            }
        };
        if let Some((id, _)) = &window {
            backend.watch(*id)?;
        }
        let tile = target.tile();
        let (width, height) = tile.map_or((region.2, region.3), |t| (t.width, t.height));
        let info = SourceInfo {
            kind: SourceKind::Screen,
            name,
            width,
            height,
            fps: Some(CAPTURE_FPS),
            duration_s: None,
            frame_count: None,
            stills: false,
            paced: false,
            // A call's picture is the remote camera's own: never mirrored, never flipped here.
            mirrored: false,
        };
        backend.prepare(width, height);
        Ok(Self {
            backend,
            window,
            region,
            tile,
            info,
            started: None,
            next_at: Instant::now(),
            index: 0,
            rgb: Vec::new(),
        })
    }

    /// Whether frames come through shared memory (the fast path, X11).
    #[must_use]
    pub fn uses_shm(&self) -> bool {
        self.backend.uses_shm()
    }

    /// Whether a covered window is still captured whole (Composite, X11).
    #[must_use]
    pub fn uses_composite(&self) -> bool {
        self.backend.uses_composite()
    }

    /// The size of the frames the next capture gives: the tile's, else the window's (or the
    /// region's).
    fn out_size(&self) -> (u32, u32) {
        self.tile.map_or((self.region.2, self.region.3), |t| (t.width, t.height))
    }

    /// Grabs one frame without pacing (benchmarks): the frame's RGB bytes stay in the source.
    ///
    /// # Errors
    /// As [`FrameSource::next_frame`].
    #[doc(hidden)]
    pub fn grab_once(&mut self) -> Result<bool, SourceError> {
        self.grab()
    }

    /// Grabs one picture into `self.rgb`. `Ok(false)`: the window is gone.
    fn grab(&mut self) -> Result<bool, SourceError> {
        let what = match &self.window {
            Some((id, title)) => {
                let id = *id;
                if self.backend.geometry(id).is_none() {
                    return Ok(false);
                }
                if self.backend.hidden(id) {
                    // A window being closed is unmapped a moment before it is destroyed: wait
                    // that moment, so the end of a call is not reported as a minimised window.
                    let until = Instant::now() + CLOSING_GRACE;
                    loop {
                        std::thread::sleep(Duration::from_millis(25));
                        if self.backend.geometry(id).is_none() {
                            return Ok(false);
                        }
                        if !self.backend.hidden(id) {
                            break;
                        }
                        if Instant::now() >= until {
                            return Err(self.backend.hidden_error(title));
                        }
                    }
                }
                let Some((wx, wy, w, h)) = self.backend.geometry(id) else {
                    return Ok(false);
                };
                if (w, h) != (self.region.2, self.region.3) {
                    if let Some(tile) = self.tile {
                        // The call's layout moved: the tile no longer shows the patient.
                        return Err(SourceError::PatientLost {
                            reason: format!(
                                "the window \"{title}\" changed size from {}x{} to {w}x{h}, so the tile {tile} may no longer be the patient's",
                                self.region.2, self.region.3
                            ),
                        });
                    }
                    // The whole window: go on at its new size.
                    self.region = (wx, wy, w, h);
                    self.backend.prepare(w, h);
                    if w == 0 || h == 0 {
                        return Err(SourceError::WindowHidden { title: title.clone() });
                    }
                }
                self.region.0 = wx;
                self.region.1 = wy;
                let rect = self.tile.map_or((0, 0, w, h), |t| (t.x, t.y, t.width, t.height));
                Grab::Window { id, at: (wx, wy), size: (w, h), rect }
            }
            None => {
                let (x, y, width, height) = self.region;
                Grab::Screen { x, y, width, height }
            }
        };
        self.backend.grab(&what, &mut self.rgb)?;
        Ok(true)
    }
}

impl FrameSource for WindowSource {
    fn info(&self) -> &SourceInfo {
        &self.info
    }

    fn next_frame(&mut self) -> Result<Option<Frame>, SourceError> {
        let now = Instant::now();
        if self.next_at > now {
            std::thread::sleep(self.next_at - now);
        }
        self.next_at = Instant::now().max(self.next_at) + Duration::from_secs_f64(1.0 / CAPTURE_FPS);
        if !self.grab()? {
            return Ok(None); // the window closed: the capture ends
        }
        let started = *self.started.get_or_insert_with(Instant::now);
        let (width, height) = self.out_size();
        let frame =
            Frame::new(self.index, started.elapsed().as_secs_f64(), width, height, std::mem::take(&mut self.rgb));
        self.index += 1;
        Ok(Some(frame))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn win(title: &str) -> WindowInfo {
        WindowInfo { id: 1, title: title.into(), x: 0, y: 0, width: 10, height: 10, minimised: false }
    }

    #[test]
    fn a_title_picks_the_exact_window_then_a_unique_substring() {
        let list = [win("Zoom Meeting"), win("Zoom"), win("Terminal")];
        assert_eq!(pick_window(&list, "Zoom").unwrap().title, "Zoom");
        assert_eq!(pick_window(&list, "meeting").unwrap().title, "Zoom Meeting");
        assert!(matches!(pick_window(&list, "zoo"), Err(SourceError::WindowAmbiguous { .. })));
        let err = pick_window(&list, "Teams").unwrap_err();
        assert!(err.to_string().contains("\"Terminal\""), "{err}");
    }

    #[test]
    fn regions_parse_and_bad_ones_say_the_format() {
        assert_eq!(
            parse_region("10,20,640,360").unwrap(),
            ScreenTarget::Region { x: 10, y: 20, width: 640, height: 360 }
        );
        assert!(parse_region("10,20,640").unwrap_err().contains("screen:X,Y,WIDTH,HEIGHT"));
        assert!(parse_region("0,0,4,4").is_err());
    }

    #[test]
    fn a_tile_follows_the_title_after_the_last_at() {
        let tile = Tile { x: 0, y: 60, width: 960, height: 540 };
        assert_eq!(
            ScreenTarget::parse_window("Zoom Meeting@0,60,960,540").unwrap(),
            ScreenTarget::WindowTile { title: "Zoom Meeting".into(), tile }
        );
        // An @ in a title followed by words is part of the title.
        assert_eq!(ScreenTarget::parse_window("Call @ work").unwrap(), ScreenTarget::Window("Call @ work".into()));
        assert!(ScreenTarget::parse_window("Zoom@0,60,960").unwrap_err().contains("window:TITLE@X,Y,WIDTH,HEIGHT"));
        assert!(ScreenTarget::parse_window("Zoom@-5,0,100,100").is_err());
        assert!(ScreenTarget::parse_window("Zoom@0,0,8,8").unwrap_err().contains("16 to 8192"));
        assert!(ScreenTarget::parse_window("@0,0,100,100").unwrap_err().contains("needs a title"));
        assert!(ScreenTarget::parse_window(" ").unwrap_err().contains("needs a title"));
        assert!(tile.fits(960, 600) && !tile.fits(959, 600) && !tile.fits(960, 599));
        assert_eq!(ScreenTarget::Window("Zoom".into()).with_tile(Some(tile)).tile(), Some(tile));
        assert_eq!(
            ScreenTarget::WindowTile { title: "Zoom".into(), tile }.with_tile(None),
            ScreenTarget::Window("Zoom".into())
        );
    }

    #[test]
    fn a_picture_is_cropped_to_the_tile_and_sampled_back_to_the_window_size() {
        // A 4x2 window whose pixel (x, y) is RGBA (x, y, 7, 255).
        let picture = |scale: u32| -> Vec<u8> {
            let mut v = Vec::new();
            for y in 0..2 * scale {
                for x in 0..4 * scale {
                    v.extend_from_slice(&[(x / scale) as u8, (y / scale) as u8, 7, 255]);
                }
            }
            v
        };
        let mut out = Vec::new();
        crop_scaled(&picture(1), (4, 2), (4, 2), (1, 1, 2, 1), &mut out).unwrap();
        assert_eq!(out, vec![1, 1, 7, 2, 1, 7]);
        // A Retina-like picture at twice the window's size gives the same tile, at the window's size.
        let mut retina = Vec::new();
        crop_scaled(&picture(2), (8, 4), (4, 2), (1, 1, 2, 1), &mut retina).unwrap();
        assert_eq!(retina, out);
        crop_scaled(&picture(2), (8, 4), (4, 2), (0, 0, 4, 2), &mut retina).unwrap();
        assert_eq!(retina.len(), 4 * 2 * 3);
        assert_eq!(&retina[..6], &[0, 0, 7, 1, 0, 7]);
        assert!(crop_scaled(&picture(1)[..20], (4, 2), (4, 2), (0, 0, 4, 2), &mut out).is_err());
        assert!(crop_scaled(&[], (0, 0), (4, 2), (0, 0, 4, 2), &mut out).is_err());
    }

    /// A backend whose window the test moves, hides and closes.
    #[derive(Clone, Default)]
    struct Fake(std::sync::Arc<std::sync::Mutex<FakeState>>);

    #[derive(Default)]
    struct FakeState {
        geometry: Option<Geometry>,
        hidden: bool,
        grabs: Vec<Grab>,
        prepared: Vec<(u32, u32)>,
    }

    impl Backend for Fake {
        fn windows(&mut self) -> Result<Vec<WindowInfo>, SourceError> {
            let s = self.0.lock().unwrap();
            Ok(s.geometry
                .map(|(x, y, width, height)| {
                    vec![WindowInfo { id: 7, title: "Zoom Meeting".into(), x, y, width, height, minimised: s.hidden }]
                })
                .unwrap_or_default())
        }
        fn check_region(&mut self, _x: i32, _y: i32, _w: u32, _h: u32) -> Result<(), SourceError> {
            Ok(())
        }
        fn watch(&mut self, id: u32) -> Result<(), SourceError> {
            assert_eq!(id, 7);
            Ok(())
        }
        fn prepare(&mut self, width: u32, height: u32) {
            self.0.lock().unwrap().prepared.push((width, height));
        }
        fn geometry(&mut self, _id: u32) -> Option<Geometry> {
            self.0.lock().unwrap().geometry
        }
        fn hidden(&mut self, _id: u32) -> bool {
            self.0.lock().unwrap().hidden
        }
        fn grab(&mut self, what: &Grab, out: &mut Vec<u8>) -> Result<(), SourceError> {
            let (w, h) = match *what {
                Grab::Window { rect, .. } => (rect.2, rect.3),
                Grab::Screen { width, height, .. } => (width, height),
            };
            self.0.lock().unwrap().grabs.push(*what);
            out.clear();
            out.resize((w * h * 3) as usize, 9);
            Ok(())
        }
    }

    fn fake(geometry: Option<Geometry>, hidden: bool) -> Fake {
        let f = Fake::default();
        {
            let mut s = f.0.lock().unwrap();
            s.geometry = geometry;
            s.hidden = hidden;
        }
        f
    }

    /// What every platform shares: the tile, a window that moves, changes size, is minimised or
    /// closes, checked on a backend the test drives.
    #[test]
    fn the_shared_source_crops_follows_and_ends_as_the_window_does() {
        let tile = Tile { x: 10, y: 20, width: 64, height: 48 };
        let tiled = ScreenTarget::WindowTile { title: "zoom".into(), tile };
        // Opening: a tile outside the window, a minimised window, a missing one.
        let small = fake(Some((0, 0, 60, 60)), false);
        assert!(matches!(
            WindowSource::with_backend(Box::new(small), &tiled),
            Err(SourceError::TileOutside { width: 60, height: 60, .. })
        ));
        let minimised = fake(Some((0, 0, 640, 360)), true);
        assert!(matches!(
            WindowSource::with_backend(Box::new(minimised), &tiled),
            Err(SourceError::WindowHidden { .. })
        ));
        assert!(matches!(
            WindowSource::with_backend(Box::new(fake(None, false)), &tiled),
            Err(SourceError::WindowNotFound { .. })
        ));

        // A tile: frames of the tile's size, asked of the window where it now is.
        let f = fake(Some((5, 6, 640, 360)), false);
        let mut src = WindowSource::with_backend(Box::new(f.clone()), &tiled).unwrap();
        assert_eq!((src.info().width, src.info().height, src.info().mirrored), (64, 48, false));
        let frame = src.next_frame().unwrap().unwrap();
        assert_eq!((frame.width, frame.height, frame.index), (64, 48, 0));
        f.0.lock().unwrap().geometry = Some((50, 60, 640, 360));
        let second = src.next_frame().unwrap().unwrap();
        assert!(second.t > frame.t, "frame times go on: {} then {}", frame.t, second.t);
        assert_eq!(
            f.0.lock().unwrap().grabs.last().copied(),
            Some(Grab::Window { id: 7, at: (50, 60), size: (640, 360), rect: (10, 20, 64, 48) })
        );
        // The window changes size under the tile: lost the patient.
        f.0.lock().unwrap().geometry = Some((50, 60, 800, 450));
        assert!(matches!(src.next_frame(), Err(SourceError::PatientLost { .. })));

        // A whole window that changes size is captured at its new size.
        let f = fake(Some((0, 0, 320, 180)), false);
        let mut src = WindowSource::with_backend(Box::new(f.clone()), &ScreenTarget::Window("Zoom".into())).unwrap();
        f.0.lock().unwrap().geometry = Some((0, 0, 400, 200));
        let frame = src.next_frame().unwrap().unwrap();
        assert_eq!((frame.width, frame.height), (400, 200));
        assert_eq!(f.0.lock().unwrap().prepared, vec![(320, 180), (400, 200)]);

        // Minimised: after the grace for a closing window, the clear error, never a frame.
        f.0.lock().unwrap().hidden = true;
        let before = f.0.lock().unwrap().grabs.len();
        let started = Instant::now();
        let err = src.next_frame().unwrap_err();
        assert!(err.to_string().contains("Restore the call window"), "{err}");
        assert!(started.elapsed() >= CLOSING_GRACE);
        assert_eq!(f.0.lock().unwrap().grabs.len(), before, "no picture of a minimised window");

        // Closed: the capture ends normally.
        f.0.lock().unwrap().hidden = false;
        f.0.lock().unwrap().geometry = None;
        assert!(src.next_frame().unwrap().is_none());
    }

    #[test]
    fn bgrx_converts_to_rgb() {
        let mut out = Vec::new();
        bgrx_to_rgb(&[1, 2, 3, 0, 10, 20, 30, 255], &mut out);
        assert_eq!(out, vec![3, 2, 1, 30, 20, 10]);
    }
}
