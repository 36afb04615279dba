//! The Linux/X11 backend: one persistent connection, the MIT-SHM extension's `GetImage` into a
//! shared segment the X server allocated (no copy through the socket), and the Composite extension,
//! which keeps a redirected window's picture in an off-screen pixmap, so a window covered by another
//! one is still captured as it is. Without MIT-SHM the plain `GetImage` is used (about 8 ms a 720p
//! frame instead of under 1); without Composite a covered window's visible part is what is captured.
//! With a tile, only the tile's rectangle is asked of the X server.

use x11rb::connection::{Connection, RequestConnection as _};
use x11rb::protocol::composite::{ConnectionExt as _, Redirect};
use x11rb::protocol::shm::ConnectionExt as _;
use x11rb::protocol::xproto::{AtomEnum, ConnectionExt as _, ImageFormat, MapState, Window};
use x11rb::rust_connection::RustConnection;

use super::{Backend, Geometry, Grab, SourceError, WindowInfo};

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
    let state_hidden =
        property(conn, win, atoms.wm_state, AtomEnum::ATOM.into()).is_some_and(|v| u32s(&v).contains(&atoms.hidden));
    unmapped || state_hidden
}

/// The window's size and its top-left corner on the screen, or `None` once it is gone.
fn geometry(conn: &RustConnection, root: Window, win: Window) -> Option<Geometry> {
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

/// A shared-memory segment the X server allocated, mapped here.
struct Shm {
    seg: u32,
    map: memmap2::MmapMut,
}

/// One connection to the X server, for one capture.
pub(super) struct X11 {
    conn: RustConnection,
    root: Window,
    root_size: (u32, u32),
    atoms: Atoms,
    /// The window redirected off screen with Composite, if any.
    composite: Option<Window>,
    shm: Option<Shm>,
}

impl X11 {
    /// Connects to the display.
    ///
    /// # Errors
    /// [`SourceError::NoDisplay`] without an X display.
    pub(super) fn connect() -> Result<Self, SourceError> {
        let (conn, screen) = connect()?;
        let (root, root_w, root_h) = {
            let s = &conn.setup().roots[screen];
            (s.root, u32::from(s.width_in_pixels), u32::from(s.height_in_pixels))
        };
        let atoms = Atoms::new(&conn)?;
        Ok(Self { conn, root, root_size: (root_w, root_h), atoms, composite: None, shm: None })
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
}

impl Backend for X11 {
    fn windows(&mut self) -> Result<Vec<WindowInfo>, SourceError> {
        windows_on(&self.conn, self.root, &self.atoms)
    }

    fn check_region(&mut self, x: i32, y: i32, width: u32, height: u32) -> Result<(), SourceError> {
        let (root_w, root_h) = self.root_size;
        let fits = x >= 0
            && y >= 0
            && i64::from(x) + i64::from(width) <= i64::from(root_w)
            && i64::from(y) + i64::from(height) <= i64::from(root_h);
        if fits {
            Ok(())
        } else {
            Err(SourceError::Capture {
                reason: format!(
                    "the region {width}x{height} at {x},{y} is not inside the {root_w}x{root_h} screen; pick a region on the screen"
                ),
            })
        }
    }

    fn watch(&mut self, id: u32) -> Result<(), SourceError> {
        // Composite: a covered window keeps its own picture off screen.
        let composite = self
            .conn
            .extension_information(x11rb::protocol::composite::X11_EXTENSION_NAME)
            .ok()
            .flatten()
            .is_some()
            && self.conn.composite_query_version(0, 4).ok().and_then(|c| c.reply().ok()).is_some()
            && self.conn.composite_redirect_window(id, Redirect::AUTOMATIC).ok().and_then(|c| c.check().ok()).is_some();
        self.composite = composite.then_some(id);
        Ok(())
    }

    fn prepare(&mut self, width: u32, height: u32) {
        if let Some(old) = self.shm.take() {
            let _ = self.conn.shm_detach(old.seg);
        }
        self.shm = self.make_shm(width, height);
    }

    fn geometry(&mut self, id: u32) -> Option<Geometry> {
        geometry(&self.conn, self.root, id)
    }

    fn hidden(&mut self, id: u32) -> bool {
        hidden(&self.conn, &self.atoms, id)
    }

    fn grab(&mut self, what: &Grab, out: &mut Vec<u8>) -> Result<(), SourceError> {
        let (drawable, x, y, w, h) = match *what {
            Grab::Window { id, at: (wx, wy), rect: (tx, ty, w, h), .. } => {
                if self.composite == Some(id) {
                    (id, tx as i32, ty as i32, w, h)
                } else {
                    (self.root, wx + tx as i32, wy + ty as i32, w, h)
                }
            }
            Grab::Screen { x, y, width, height } => (self.root, x, y, width, height),
        };
        // With Composite, the window's own off-screen pixmap, named for this frame.
        let pixmap = if self.composite == Some(drawable) {
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
                    super::bgrx_to_rgb(&shm.map[..(w * h * 4) as usize], out);
                }),
            None => self
                .conn
                .get_image(ImageFormat::Z_PIXMAP, source, x, y, w as u16, h as u16, !0)
                .map_err(|e| capture_err("X11", e))
                .and_then(|c| c.reply().map_err(|e| capture_err("capturing", e)))
                .map(|reply| super::bgrx_to_rgb(&reply.data, out)),
        };
        if let Some(p) = pixmap {
            let _ = self.conn.free_pixmap(p);
        }
        result
    }

    fn uses_shm(&self) -> bool {
        self.shm.is_some()
    }

    fn uses_composite(&self) -> bool {
        self.composite.is_some()
    }
}

impl Drop for X11 {
    fn drop(&mut self) {
        if let Some(shm) = &self.shm {
            let _ = self.conn.shm_detach(shm.seg);
        }
        if let Some(id) = self.composite {
            let _ = self.conn.composite_unredirect_window(id, Redirect::AUTOMATIC);
        }
        let _ = self.conn.flush();
    }
}
