//! The Windows and macOS backend, through the `xcap` crate: on Windows `PrintWindow` (GDI) for a
//! window, which draws a covered window whole, and a GDI copy of the screen for a region; on macOS
//! CoreGraphics (`CGWindowListCreateImage`). Built for both (Windows is type-checked on Linux with
//! `scripts/check-cross.sh`); neither has been run: see `docs/capture.md` for what is untested.
//!
//! `xcap` reads a whole window per frame, so a tile is cut out here ([`super::crop_scaled`]), and a picture
//! whose pixels are not the window's size (macOS's Retina backing scale, Windows' display scaling)
//! is sampled down to the window's own size, so a tile is always in the units `formcheck windows`
//! prints.
//!
//! **macOS**: `xcap` lists only the windows on screen, so a minimised window (or one on another
//! Space) simply disappears from it, exactly as a closed one does. A window that disappears is
//! therefore reported, after [`super::CLOSING_GRACE`], as [`SourceError::WindowOffScreen`] ("restore
//! the call window"), never as the end of the call nor as black frames.

use super::{Backend, Geometry, Grab, SourceError, WindowInfo, crop_scaled};

fn capture_err(what: &str, e: impl std::fmt::Display) -> SourceError {
    SourceError::Capture { reason: format!("{what}: {e}") }
}

/// The `xcap` backend: the window being captured, once chosen.
pub(super) struct Xcap {
    window: Option<xcap::Window>,
    /// The window's last known position and size, and whether it has since left the screen
    /// (macOS: minimised, or closed; the two cannot be told apart there).
    last: Option<Geometry>,
    off_screen: bool,
}

impl Xcap {
    pub(super) fn new() -> Self {
        Self { window: None, last: None, off_screen: false }
    }
}

fn info_of(w: &xcap::Window) -> Option<WindowInfo> {
    let title = w.title().ok().filter(|t| !t.trim().is_empty())?;
    Some(WindowInfo {
        id: w.id().ok()?,
        title,
        x: w.x().ok()?,
        y: w.y().ok()?,
        width: w.width().ok()?,
        height: w.height().ok()?,
        minimised: w.is_minimized().unwrap_or(false),
    })
}

impl Backend for Xcap {
    fn windows(&mut self) -> Result<Vec<WindowInfo>, SourceError> {
        let all = xcap::Window::all().map_err(|e| capture_err("listing the windows", e))?;
        Ok(all.iter().filter_map(info_of).collect())
    }

    fn check_region(&mut self, x: i32, y: i32, width: u32, height: u32) -> Result<(), SourceError> {
        let monitor = xcap::Monitor::from_point(x, y).map_err(|e| SourceError::Capture {
            reason: format!("the point {x},{y} is on no screen ({e}); pick a region on the screen"),
        })?;
        let (mx, my, mw, mh) = monitor_rect(&monitor)?;
        if i64::from(x) + i64::from(width) <= i64::from(mx) + i64::from(mw)
            && i64::from(y) + i64::from(height) <= i64::from(my) + i64::from(mh)
        {
            Ok(())
        } else {
            Err(SourceError::Capture {
                reason: format!(
                    "the region {width}x{height} at {x},{y} is not inside the {mw}x{mh} screen at {mx},{my}; pick a region on one screen"
                ),
            })
        }
    }

    fn watch(&mut self, id: u32) -> Result<(), SourceError> {
        let all = xcap::Window::all().map_err(|e| capture_err("listing the windows", e))?;
        let window = all
            .into_iter()
            .find(|w| w.id().ok() == Some(id))
            .ok_or_else(|| SourceError::Capture { reason: "the window closed before its capture started".into() })?;
        self.window = Some(window);
        Ok(())
    }

    fn prepare(&mut self, _width: u32, _height: u32) {}

    fn geometry(&mut self, _id: u32) -> Option<Geometry> {
        let w = self.window.as_ref()?;
        let now = (|| Some((w.x().ok()?, w.y().ok()?, w.width().ok()?, w.height().ok()?)))();
        match now {
            Some(g) => {
                self.last = Some(g);
                self.off_screen = false;
                Some(g)
            }
            // macOS lists only windows on screen: gone may be minimised, so it is reported as
            // hidden (see the module's documentation), with the size it had.
            None if cfg!(target_os = "macos") => {
                self.off_screen = true;
                self.last
            }
            None => None,
        }
    }

    fn hidden(&mut self, _id: u32) -> bool {
        self.off_screen || self.window.as_ref().is_some_and(|w| w.is_minimized().unwrap_or(false))
    }

    fn hidden_error(&mut self, title: &str) -> SourceError {
        if self.off_screen {
            SourceError::WindowOffScreen { title: title.to_string() }
        } else {
            SourceError::WindowHidden { title: title.to_string() }
        }
    }

    fn grab(&mut self, what: &Grab, out: &mut Vec<u8>) -> Result<(), SourceError> {
        match *what {
            Grab::Window { size, rect, .. } => {
                let w = self.window.as_ref().ok_or_else(|| capture_err("capturing", "no window chosen"))?;
                let img = w.capture_image().map_err(|e| capture_err("capturing the window", e))?;
                let (iw, ih) = img.dimensions();
                crop_scaled(img.as_raw(), (iw, ih), size, rect, out)
            }
            Grab::Screen { x, y, width, height } => {
                let monitor = xcap::Monitor::from_point(x, y).map_err(|e| capture_err("finding the screen", e))?;
                let (mx, my, _, _) = monitor_rect(&monitor)?;
                let (rx, ry) = (u32::try_from(x - mx).unwrap_or(0), u32::try_from(y - my).unwrap_or(0));
                let img = monitor
                    .capture_region(rx, ry, width, height)
                    .map_err(|e| capture_err("capturing the screen", e))?;
                let (iw, ih) = img.dimensions();
                crop_scaled(img.as_raw(), (iw, ih), (width, height), (0, 0, width, height), out)
            }
        }
    }
}

fn monitor_rect(m: &xcap::Monitor) -> Result<Geometry, SourceError> {
    let e = |e| capture_err("reading the screen's size", e);
    Ok((m.x().map_err(e)?, m.y().map_err(e)?, m.width().map_err(e)?, m.height().map_err(e)?))
}
