//! A still image, or a folder of images (in name order), as independent frames.

use std::path::{Path, PathBuf};

use super::{FrameSource, SourceError, SourceInfo, SourceKind, is_image_path};
use crate::frame::Frame;

/// Still images, one frame each. Frame `i` is given the time `i` seconds.
#[derive(Debug)]
pub(crate) struct ImageSource {
    info: SourceInfo,
    paths: Vec<PathBuf>,
    next: usize,
}

impl ImageSource {
    /// Opens an image file, or every image in a folder.
    ///
    /// # Errors
    /// A missing path or a folder without images.
    pub fn open(path: &Path) -> Result<Self, SourceError> {
        let paths = if path.is_dir() {
            let mut v: Vec<PathBuf> = std::fs::read_dir(path)?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| is_image_path(p))
                .collect();
            v.sort();
            if v.is_empty() {
                return Err(SourceError::EmptyFolder { path: path.to_path_buf() });
            }
            v
        } else if path.is_file() {
            vec![path.to_path_buf()]
        } else {
            return Err(SourceError::NotFound { path: path.to_path_buf() });
        };
        // Size of the first image, without decoding it.
        let (width, height) = image::image_dimensions(&paths[0])
            .map_err(|e| SourceError::Unreadable { path: paths[0].clone(), reason: e.to_string() })?;
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
        let Some(path) = self.paths.get(self.next) else { return Ok(None) };
        let img = image::open(path)
            .map_err(|e| SourceError::Unreadable { path: path.clone(), reason: e.to_string() })?
            .into_rgb8();
        let (w, h) = img.dimensions();
        let index = self.next as u64;
        self.next += 1;
        self.info.width = w;
        self.info.height = h;
        Ok(Some(Frame::new(index, index as f64, w, h, img.into_raw())))
    }

    fn frame_name(&self, frame: &Frame) -> Option<String> {
        self.path_of(frame.index).and_then(Path::file_name).map(|n| n.to_string_lossy().into_owned())
    }
}
