//! Capturing a window or a region of the screen: the therapist's view of a video call.
//!
//! **Linux/X11** (the only platform built and tested here): one persistent connection, the
//! MIT-SHM extension's `GetImage` into a shared segment the X server allocated (no copy through
//! the socket), and the Composite extension, which keeps a redirected window's picture in an
//! off-screen pixmap, so a window covered by another one is still captured as it is. Without
//! MIT-SHM the plain `GetImage` is used (about 8 ms a 720p frame instead of under 1); without
//! Composite a covered window's visible part is what is captured.
//!
//! **The patient's tile.** A video call's window holds more than the patient: the therapist's
//! self-view, name labels, other participants. [`ScreenTarget::WindowTile`] (`window:TITLE@X,Y,W,H`
//! on the command line) captures only a rectangle of the window, given in the window's own pixels:
//! the shared-memory `GetImage` asks the X server for that rectangle alone, so the other pixels are
//! never copied nor converted. The tile is checked against the window's size when the capture
//! opens ([`SourceError::TileOutside`]); when the window later changes size the layout has moved,
//! and the capture ends with [`SourceError::PatientLost`] ("lost the patient: pick the region
//! again"). A whole window that changes size is captured at its new size (the shared segment is
//! made again).
//!
//! **The call's picture as it is.** The remote patient's video is not mirrored (their right is on
//! the screen's left, as a camera facing them sees it), so this source never flips it and reports
//! `mirrored: false`; `--mirrored` must stay off for a call.
//!
//! A minimised (or otherwise unmapped) window has no picture: capturing it ends the source with
//! [`SourceError::WindowHidden`] ("restore the call window"), never a black frame judged as
//! "no person". A window that closes ends the source normally.
//!
//! **macOS and Windows** would sit behind the same [`FrameSource`] (ScreenCaptureKit, Windows
//! Graphics Capture); they are not built here, and on those systems this source reports that
//! window capture is not available in this build.

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
    /// The X window id.
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

#[cfg(target_os = "linux")]
pub use x11::{WindowSource, list_windows};

#[cfg(not(target_os = "linux"))]
mod unsupported {
    use super::{ScreenTarget, SourceError, WindowInfo};

    /// Window capture is built for Linux/X11 only.
    pub fn list_windows() -> Result<Vec<WindowInfo>, SourceError> {
        Err(SourceError::CaptureUnavailable { reason: "window capture is built for Linux (X11) only so far".into() })
    }

    pub struct WindowSource;

    impl WindowSource {
        pub fn open(_target: &ScreenTarget) -> Result<Box<dyn super::FrameSource>, SourceError> {
            Err(SourceError::CaptureUnavailable {
                reason: "window capture is built for Linux (X11) only so far".into(),
            })
        }
    }
}
#[cfg(not(target_os = "linux"))]
pub use unsupported::{WindowSource, list_windows};

#[cfg(target_os = "linux")]
mod x11 {
    use super::{
        CAPTURE_FPS, CLOSING_GRACE, Duration, Frame, FrameSource, Instant, ScreenTarget, SourceError, SourceInfo,
        SourceKind, Tile, WindowInfo,
    };
    use x11rb::connection::{Connection, RequestConnection as _};
    use x11rb::protocol::composite::{ConnectionExt as _, Redirect};
    use x11rb::protocol::shm::ConnectionExt as _;
    use x11rb::protocol::xproto::{AtomEnum, ConnectionExt as _, ImageFormat, MapState, Window};
    use x11rb::rust_connection::RustConnection;

    fn capture_err(what: &str, e: impl std::fmt::Display) -> SourceError {
        SourceError::Capture { reason: format!("{what}: {e}") }
    }

    fn connect() -> Result<(RustConnection, usize), SourceError> {
        x11rb::connect(None).map_err(|e| SourceError::NoDisplay { reason: e.to_string() })
    }

    struct Atoms {
        client_list: u32,
        net_wm_name: u32,
        utf8: u32,
        wm_state: u32,
        hidden: u32,
    }

    impl Atoms {
        fn new(conn: &RustConnection) -> Result<Self, SourceError> {
            let atom = |name: &str| -> Result<u32, SourceError> {
                Ok(conn
                    .intern_atom(false, name.as_bytes())
                    .map_err(|e| capture_err("X11", e))?
                    .reply()
                    .map_err(|e| capture_err("X11", e))?
                    .atom)
            };
            Ok(Self {
                client_list: atom("_NET_CLIENT_LIST")?,
                net_wm_name: atom("_NET_WM_NAME")?,
                utf8: atom("UTF8_STRING")?,
                wm_state: atom("_NET_WM_STATE")?,
                hidden: atom("_NET_WM_STATE_HIDDEN")?,
            })
        }
    }

    fn property(conn: &RustConnection, win: Window, prop: u32, ty: u32) -> Option<Vec<u8>> {
        let reply = conn.get_property(false, win, prop, ty, 0, 4096).ok()?.reply().ok()?;
        (reply.format != 0).then_some(reply.value)
    }

    fn u32s(bytes: &[u8]) -> Vec<u32> {
        bytes.chunks_exact(4).map(|c| u32::from_ne_bytes([c[0], c[1], c[2], c[3]])).collect()
    }

    fn title(conn: &RustConnection, atoms: &Atoms, win: Window) -> Option<String> {
        property(conn, win, atoms.net_wm_name, atoms.utf8)
            .or_else(|| property(conn, win, AtomEnum::WM_NAME.into(), AtomEnum::STRING.into()))
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .filter(|t| !t.is_empty())
    }

    fn hidden(conn: &RustConnection, atoms: &Atoms, win: Window) -> bool {
        let unmapped = conn
            .get_window_attributes(win)
            .ok()
            .and_then(|c| c.reply().ok())
            .is_none_or(|a| a.map_state != MapState::VIEWABLE);
        let state_hidden = property(conn, win, atoms.wm_state, AtomEnum::ATOM.into())
            .is_some_and(|v| u32s(&v).contains(&atoms.hidden));
        unmapped || state_hidden
    }

    /// The window's size and its top-left corner on the screen, or `None` once it is gone.
    fn geometry(conn: &RustConnection, root: Window, win: Window) -> Option<(i32, i32, u32, u32)> {
        let g = conn.get_geometry(win).ok()?.reply().ok()?;
        let t = conn.translate_coordinates(win, root, 0, 0).ok()?.reply().ok()?;
        Some((i32::from(t.dst_x), i32::from(t.dst_y), u32::from(g.width), u32::from(g.height)))
    }

    fn windows_on(conn: &RustConnection, root: Window, atoms: &Atoms) -> Result<Vec<WindowInfo>, SourceError> {
        // The window manager's list of client windows; without a window manager, the top-level
        // windows that have a title.
        let ids = match property(conn, root, atoms.client_list, AtomEnum::WINDOW.into()) {
            Some(v) => u32s(&v),
            None => {
                conn.query_tree(root)
                    .map_err(|e| capture_err("X11", e))?
                    .reply()
                    .map_err(|e| capture_err("X11", e))?
                    .children
            }
        };
        let mut out = Vec::new();
        for id in ids {
            let (Some(title), Some((x, y, width, height))) = (title(conn, atoms, id), geometry(conn, root, id)) else {
                continue;
            };
            out.push(WindowInfo { id, title, x, y, width, height, minimised: hidden(conn, atoms, id) });
        }
        Ok(out)
    }

    /// The windows that can be captured, in the window manager's order.
    ///
    /// # Errors
    /// [`SourceError::NoDisplay`] without an X display.
    pub fn list_windows() -> Result<Vec<WindowInfo>, SourceError> {
        let (conn, screen) = connect()?;
        let root = conn.setup().roots[screen].root;
        let atoms = Atoms::new(&conn)?;
        windows_on(&conn, root, &atoms)
    }

    /// A shared-memory segment the X server allocated, mapped here.
    struct Shm {
        seg: u32,
        map: memmap2::MmapMut,
    }

    /// Captures a window or a screen region as a stream of RGB frames.
    pub struct WindowSource {
        conn: RustConnection,
        root: Window,
        atoms: Atoms,
        /// The window captured (`None` for a screen region).
        window: Option<(Window, String)>,
        /// The window's (or the region's) position on the screen and size.
        region: (i32, i32, u32, u32),
        /// Only this rectangle of the window (the patient's tile).
        tile: Option<Tile>,
        composite: bool,
        shm: Option<Shm>,
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
            let (conn, screen) = connect()?;
            let (root, root_w, root_h) = {
                let s = &conn.setup().roots[screen];
                (s.root, u32::from(s.width_in_pixels), u32::from(s.height_in_pixels))
            };
            let atoms = Atoms::new(&conn)?;
            let (window, region, name) = match target {
                ScreenTarget::Window(title) | ScreenTarget::WindowTile { title, .. } => {
                    let list = windows_on(&conn, root, &atoms)?;
                    let w = super::pick_window(&list, title)?;
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
                    let fits = *x >= 0
                        && *y >= 0
                        && i64::from(*x) + i64::from(*width) <= i64::from(root_w)
                        && i64::from(*y) + i64::from(*height) <= i64::from(root_h);
                    if !fits {
                        return Err(SourceError::Capture {
                            reason: format!(
                                "the region {width}x{height} at {x},{y} is not inside the {root_w}x{root_h} screen; pick a region on the screen"
                            ),
                        });
                    }
                    (None, (*x, *y, *width, *height), target.to_string())
                }
            };
            // Composite: a covered window keeps its own picture off screen.
            let composite = window.is_some()
                && conn.extension_information(x11rb::protocol::composite::X11_EXTENSION_NAME).ok().flatten().is_some()
                && conn.composite_query_version(0, 4).ok().and_then(|c| c.reply().ok()).is_some()
                && window.as_ref().is_some_and(|(id, _)| {
                    conn.composite_redirect_window(*id, Redirect::AUTOMATIC).ok().and_then(|c| c.check().ok()).is_some()
                });
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
            let mut src = Self {
                conn,
                root,
                atoms,
                window,
                region,
                tile,
                composite,
                shm: None,
                info,
                started: None,
                next_at: Instant::now(),
                index: 0,
                rgb: Vec::new(),
            };
            src.shm = src.make_shm(width, height);
            Ok(src)
        }

        /// Whether frames come through shared memory (the fast path).
        #[must_use]
        pub fn uses_shm(&self) -> bool {
            self.shm.is_some()
        }

        /// Whether a covered window is still captured whole (Composite).
        #[must_use]
        pub fn uses_composite(&self) -> bool {
            self.composite
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

        fn make_shm(&self, width: u32, height: u32) -> Option<Shm> {
            use x11rb::protocol::shm::X11_EXTENSION_NAME;
            self.conn.extension_information(X11_EXTENSION_NAME).ok().flatten()?;
            let version = self.conn.shm_query_version().ok()?.reply().ok()?;
            if (version.major_version, version.minor_version) < (1, 2) {
                return None; // no server-allocated segments before 1.2
            }
            let size = width.checked_mul(height)?.checked_mul(4)?;
            let seg = self.conn.generate_id().ok()?;
            let reply = self.conn.shm_create_segment(seg, size, false).ok()?.reply().ok()?;
            let file = std::fs::File::from(reply.shm_fd);
            // SAFETY: the segment is private to this connection and the X server; the server writes
            // into it only during a GetImage whose reply this source waits for before reading.
            let map = unsafe { memmap2::MmapOptions::new().len(size as usize).map_mut(&file) }.ok()?;
            Some(Shm { seg, map })
        }

        /// Grabs one picture as BGRX bytes into `self.rgb` (converted to RGB). `Ok(false)`: the
        /// window is gone.
        fn grab(&mut self) -> Result<bool, SourceError> {
            let (drawable, x, y) = match &self.window {
                Some((id, title)) => {
                    if geometry(&self.conn, self.root, *id).is_none() {
                        return Ok(false);
                    }
                    if hidden(&self.conn, &self.atoms, *id) {
                        // A window being closed is unmapped a moment before it is destroyed: wait
                        // that moment, so the end of a call is not reported as a minimised window.
                        let until = Instant::now() + CLOSING_GRACE;
                        loop {
                            std::thread::sleep(Duration::from_millis(25));
                            if geometry(&self.conn, self.root, *id).is_none() {
                                return Ok(false);
                            }
                            if !hidden(&self.conn, &self.atoms, *id) {
                                break;
                            }
                            if Instant::now() >= until {
                                return Err(SourceError::WindowHidden { title: title.clone() });
                            }
                        }
                    }
                    let Some((wx, wy, w, h)) = geometry(&self.conn, self.root, *id) else {
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
                        // The whole window: go on at its new size, with a segment of that size.
                        if let Some(old) = self.shm.take() {
                            let _ = self.conn.shm_detach(old.seg);
                        }
                        self.region = (wx, wy, w, h);
                        self.shm = self.make_shm(w, h);
                        if w == 0 || h == 0 {
                            return Err(SourceError::WindowHidden { title: title.clone() });
                        }
                    }
                    self.region.0 = wx;
                    self.region.1 = wy;
                    if self.composite { (*id, 0, 0) } else { (self.root, wx, wy) }
                }
                None => (self.root, self.region.0, self.region.1),
            };
            let (tx, ty) = self.tile.map_or((0, 0), |t| (t.x as i32, t.y as i32));
            let (x, y) = (x + tx, y + ty);
            let (w, h) = self.out_size();
            // With Composite, the window's own off-screen pixmap, named for this frame.
            let pixmap = if self.composite {
                let p = self.conn.generate_id().map_err(|e| capture_err("X11", e))?;
                self.conn
                    .composite_name_window_pixmap(drawable, p)
                    .map_err(|e| capture_err("X11", e))?
                    .check()
                    .map_err(|e| capture_err("naming the window's pixmap", e))?;
                Some(p)
            } else {
                None
            };
            let source = pixmap.unwrap_or(drawable);
            let (x, y) = (
                x.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16,
                y.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16,
            );
            let result = match &self.shm {
                Some(shm) => self
                    .conn
                    .shm_get_image(source, x, y, w as u16, h as u16, !0, ImageFormat::Z_PIXMAP.into(), shm.seg, 0)
                    .map_err(|e| capture_err("X11", e))
                    .and_then(|c| c.reply().map_err(|e| capture_err("capturing", e)))
                    .map(|_| {
                        super::bgrx_to_rgb(&shm.map[..(w * h * 4) as usize], &mut self.rgb);
                    }),
                None => self
                    .conn
                    .get_image(ImageFormat::Z_PIXMAP, source, x, y, w as u16, h as u16, !0)
                    .map_err(|e| capture_err("X11", e))
                    .and_then(|c| c.reply().map_err(|e| capture_err("capturing", e)))
                    .map(|reply| super::bgrx_to_rgb(&reply.data, &mut self.rgb)),
            };
            if let Some(p) = pixmap {
                let _ = self.conn.free_pixmap(p);
            }
            result.map(|()| true)
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

    impl Drop for WindowSource {
        fn drop(&mut self) {
            if let Some(shm) = &self.shm {
                let _ = self.conn.shm_detach(shm.seg);
            }
            if let (Some((id, _)), true) = (&self.window, self.composite) {
                let _ = self.conn.composite_unredirect_window(*id, Redirect::AUTOMATIC);
            }
            let _ = self.conn.flush();
        }
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
    fn bgrx_converts_to_rgb() {
        let mut out = Vec::new();
        bgrx_to_rgb(&[1, 2, 3, 0, 10, 20, 30, 255], &mut out);
        assert_eq!(out, vec![3, 2, 1, 30, 20, 10]);
    }
}
