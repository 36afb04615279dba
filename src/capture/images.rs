//! A still image, or a folder of images (in name order), as independent frames.
//!
//! The format comes from the file's content, not its name (a browser saves WebP as `.jpg`). An
//! image's size is read from its header and checked before any pixel is decoded, so a small file
//! declaring a huge picture is refused instead of exhausting memory. In a folder, a file that is
//! not a readable image is skipped with a warning; the rest are analysed.

use std::path::{Path, PathBuf};

use super::{FrameSource, SourceError, SourceInfo, SourceKind, is_image_content, is_image_path};
use crate::frame::Frame;

/// The longest side read (pixels).
pub const MAX_SIDE: u32 = 16_384;
/// The most pixels read (megapixels): a 48 MP phone photo fits.
pub const MAX_MEGAPIXELS: u32 = 100;

/// A reader for `path` that knows its format from the content and will not allocate past the size
/// limits.
fn reader(path: &Path) -> Result<image::ImageReader<std::io::BufReader<std::fs::File>>, SourceError> {
    let unreadable = |reason: String| SourceError::Unreadable { path: path.to_path_buf(), reason };
    let mut r = image::ImageReader::open(path)
        .map_err(|e| unreadable(e.to_string()))?
        .with_guessed_format()
        .map_err(|e| unreadable(e.to_string()))?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    // The decoded RGBA picture at the largest size, with room for the decoder's own buffers.
    limits.max_alloc = Some(u64::from(MAX_MEGAPIXELS) * 1_000_000 * 4 * 2);
    r.limits(limits);
    Ok(r)
}

/// The picture's size from its header, refused when larger than [`MAX_SIDE`] or
/// [`MAX_MEGAPIXELS`].
///
/// # Errors
/// Not an image, or too large ([`SourceError::TooLarge`]).
pub fn checked_dimensions(path: &Path) -> Result<(u32, u32), SourceError> {
    let mut r = reader(path)?;
    // The header only: no limit on the size here, so the refusal can say how large it is.
    r.no_limits();
    let (width, height) =
        r.into_dimensions().map_err(|e| SourceError::Unreadable { path: path.to_path_buf(), reason: e.to_string() })?;
    if width > MAX_SIDE
        || height > MAX_SIDE
        || u64::from(width) * u64::from(height) > u64::from(MAX_MEGAPIXELS) * 1_000_000
    {
        return Err(SourceError::TooLarge {
            path: path.to_path_buf(),
            width,
            height,
            max_side: MAX_SIDE,
            max_mp: MAX_MEGAPIXELS,
        });
    }
    Ok((width, height))
}

/// Decodes `path` to RGB after checking its size.
fn decode(path: &Path) -> Result<image::RgbImage, SourceError> {
    checked_dimensions(path)?;
    Ok(reader(path)?
        .decode()
        .map_err(|e| SourceError::Unreadable { path: path.to_path_buf(), reason: e.to_string() })?
        .into_rgb8())
}

/// Still images, one frame each. Frame `i` is given the time `i` seconds.
#[derive(Debug)]
pub(crate) struct ImageSource {
    info: SourceInfo,
    paths: Vec<PathBuf>,
    next: usize,
    /// A folder (skip what is not an image) rather than one file (refuse it).
    folder: bool,
    warnings: Vec<String>,
}

impl ImageSource {
    /// Opens an image file, or every image in a folder (skipping, with a warning, any that is not
    /// a readable image).
    ///
    /// # Errors
    /// A missing path, a folder without images, or a single file that is not a readable image.
    pub fn open(path: &Path) -> Result<Self, SourceError> {
        let mut warnings = Vec::new();
        let folder = path.is_dir();
        let (paths, (width, height)) = if folder {
            let mut v: Vec<PathBuf> = std::fs::read_dir(path)?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_file() && (is_image_path(p) || is_image_content(p)))
                .collect();
            v.sort();
            let mut kept = Vec::with_capacity(v.len());
            let mut first = None;
            for p in v {
                match checked_dimensions(&p) {
                    Ok(d) => {
                        first.get_or_insert(d);
                        kept.push(p);
                    }
                    Err(e) => warnings.push(format!("skipped: {e}")),
                }
            }
            let Some(first) = first else {
                if let Some(w) = warnings.first() {
                    return Err(SourceError::Unreadable {
                        path: path.to_path_buf(),
                        reason: format!("no readable image in the folder; {w}"),
                    });
                }
                return Err(SourceError::EmptyFolder { path: path.to_path_buf() });
            };
            (kept, first)
        } else if path.is_file() {
            (vec![path.to_path_buf()], checked_dimensions(path)?)
        } else {
            return Err(SourceError::NotFound { path: path.to_path_buf() });
        };
        let name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
        Ok(Self {
            info: SourceInfo {
                kind: SourceKind::Images,
                name,
                width,
                height,
                fps: None,
                duration_s: None,
                frame_count: Some(paths.len() as u64),
                stills: true,
                paced: false,
                mirrored: false,
            },
            paths,
            next: 0,
            folder,
            warnings,
        })
    }

    /// The file behind frame `index`.
    #[must_use]
    pub(crate) fn path_of(&self, index: u64) -> Option<&Path> {
        self.paths.get(index as usize).map(PathBuf::as_path)
    }
}

impl FrameSource for ImageSource {
    fn info(&self) -> &SourceInfo {
        &self.info
    }

    fn next_frame(&mut self) -> Result<Option<Frame>, SourceError> {
        loop {
            let Some(path) = self.paths.get(self.next) else { return Ok(None) };
            let index = self.next as u64;
            self.next += 1;
            let img = match decode(path) {
                Ok(img) => img,
                // In a folder, one bad file does not stop the others.
                Err(e) if self.folder => {
                    self.warnings.push(format!("skipped: {e}"));
                    continue;
                }
                Err(e) => return Err(e),
            };
            let (w, h) = img.dimensions();
            self.info.width = w;
            self.info.height = h;
            return Ok(Some(Frame::new(index, index as f64, w, h, img.into_raw())));
        }
    }

    fn frame_name(&self, frame: &Frame) -> Option<String> {
        self.path_of(frame.index).and_then(Path::file_name).map(|n| n.to_string_lossy().into_owned())
    }

    fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }
}
