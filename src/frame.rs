//! The frame type every source produces: 8-bit RGB pixels with the time they were captured.

use std::sync::Arc;

/// One video frame, tightly packed RGB8 (row-major, 3 bytes a pixel), shared cheaply between threads.
#[derive(Debug, Clone)]
pub struct Frame {
    /// Position in the source, from 0.
    pub index: u64,
    /// Seconds from the start of the source: the file's presentation time, or the capture time.
    pub t: f64,
    pub width: u32,
    pub height: u32,
    pub rgb: Arc<Vec<u8>>,
}

impl Frame {
    /// Builds a frame, checking that the buffer holds `width * height * 3` bytes.
    ///
    /// # Panics
    /// If the buffer length does not match the dimensions (a programming error in a source).
    #[must_use]
    pub fn new(index: u64, t: f64, width: u32, height: u32, rgb: Vec<u8>) -> Self {
        assert_eq!(rgb.len(), width as usize * height as usize * 3, "RGB buffer does not match {width}x{height}");
        Self { index, t, width, height, rgb: Arc::new(rgb) }
    }

    /// The pixel at (x, y) as [r, g, b]; black outside the frame.
    #[must_use]
    pub fn pixel(&self, x: i64, y: i64) -> [u8; 3] {
        if x < 0 || y < 0 || x >= i64::from(self.width) || y >= i64::from(self.height) {
            return [0, 0, 0];
        }
        let i = (y as usize * self.width as usize + x as usize) * 3;
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }
}
