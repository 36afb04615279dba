//! The frame type every source produces: pixels with the time they were captured.
//!
//! Most sources give RGB. Video files for analysis come as planar YUV 4:2:0 instead: it is what the
//! decoder produces, so ffmpeg skips a colour conversion of every pixel and the pipe carries half
//! the bytes; the pose stage converts only the pixels it samples.

use std::borrow::Cow;
use std::sync::Arc;

/// How a frame's bytes are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PixelFormat {
    /// Packed RGB, 3 bytes a pixel, row-major.
    #[default]
    Rgb24,
    /// Planar YUV 4:2:0 (BT.601, limited range): a full-size Y plane, then U and V at half size
    /// (rounded up), as ffmpeg's `yuv420p`.
    Yuv420p,
}

impl PixelFormat {
    /// Bytes of one frame of `width x height`.
    #[must_use]
    pub fn frame_len(self, width: u32, height: u32) -> usize {
        let (w, h) = (width as usize, height as usize);
        match self {
            PixelFormat::Rgb24 => w * h * 3,
            PixelFormat::Yuv420p => w * h + 2 * w.div_ceil(2) * h.div_ceil(2),
        }
    }

    /// ffmpeg's name for it.
    #[must_use]
    pub(crate) fn ffmpeg_name(self) -> &'static str {
        match self {
            PixelFormat::Rgb24 => "rgb24",
            PixelFormat::Yuv420p => "yuv420p",
        }
    }
}

/// One video frame, shared cheaply between threads.
#[derive(Debug, Clone)]
pub struct Frame {
    /// Position in the source, from 0.
    pub index: u64,
    /// Seconds from the start of the source: the file's presentation time, or the capture time.
    pub t: f64,
    pub width: u32,
    pub height: u32,
    pub format: PixelFormat,
    pub data: Arc<Vec<u8>>,
}

/// BT.601 limited-range YUV to RGB, rounded and clamped.
#[must_use]
pub(crate) fn yuv_to_rgb(y: f32, u: f32, v: f32) -> [f32; 3] {
    let c = 1.164_383 * (y - 16.0);
    let (d, e) = (u - 128.0, v - 128.0);
    [
        (c + 1.596_027 * e).clamp(0.0, 255.0),
        (c - 0.391_762 * d - 0.812_968 * e).clamp(0.0, 255.0),
        (c + 2.017_232 * d).clamp(0.0, 255.0),
    ]
}

impl Frame {
    /// Builds an RGB frame.
    ///
    /// # Panics
    /// If the buffer length does not match the dimensions (a programming error in a source).
    #[must_use]
    pub fn new(index: u64, t: f64, width: u32, height: u32, rgb: Vec<u8>) -> Self {
        Self::with_format(index, t, width, height, PixelFormat::Rgb24, rgb)
    }

    /// Builds a frame of the given format.
    ///
    /// # Panics
    /// If the buffer length does not match the dimensions and format.
    #[must_use]
    pub fn with_format(index: u64, t: f64, width: u32, height: u32, format: PixelFormat, data: Vec<u8>) -> Self {
        assert_eq!(data.len(), format.frame_len(width, height), "buffer does not match {width}x{height} {format:?}");
        Self { index, t, width, height, format, data: Arc::new(data) }
    }

    /// Builds a frame of the given format around a shared buffer (a source reusing its buffers).
    ///
    /// # Panics
    /// If the buffer length does not match the dimensions and format.
    #[must_use]
    pub(crate) fn with_shared(
        index: u64,
        t: f64,
        width: u32,
        height: u32,
        format: PixelFormat,
        data: Arc<Vec<u8>>,
    ) -> Self {
        assert_eq!(data.len(), format.frame_len(width, height), "buffer does not match {width}x{height} {format:?}");
        Self { index, t, width, height, format, data }
    }

    /// The Y, U and V planes of a YUV frame, with the chroma plane width.
    fn planes(&self) -> (&[u8], &[u8], &[u8], usize) {
        let (w, h) = (self.width as usize, self.height as usize);
        let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
        let (y, rest) = self.data.split_at(w * h);
        let (u, v) = rest.split_at(cw * ch);
        (y, u, v, cw)
    }

    /// The frame as packed RGB (borrowed when it already is).
    #[must_use]
    pub fn rgb(&self) -> Cow<'_, [u8]> {
        match self.format {
            PixelFormat::Rgb24 => Cow::Borrowed(self.data.as_slice()),
            PixelFormat::Yuv420p => {
                let (w, h) = (self.width as usize, self.height as usize);
                let (yp, up, vp, cw) = self.planes();
                let mut out = Vec::with_capacity(w * h * 3);
                for y in 0..h {
                    for x in 0..w {
                        let c = (y / 2) * cw + x / 2;
                        let p = yuv_to_rgb(f32::from(yp[y * w + x]), f32::from(up[c]), f32::from(vp[c]));
                        out.extend(p.map(|v| v.round() as u8));
                    }
                }
                Cow::Owned(out)
            }
        }
    }

    /// The pixel at (x, y) as [r, g, b]; black outside the frame.
    #[must_use]
    pub fn pixel(&self, x: i64, y: i64) -> [u8; 3] {
        if x < 0 || y < 0 || x >= i64::from(self.width) || y >= i64::from(self.height) {
            return [0, 0, 0];
        }
        let (x, y) = (x as usize, y as usize);
        match self.format {
            PixelFormat::Rgb24 => {
                let i = (y * self.width as usize + x) * 3;
                [self.data[i], self.data[i + 1], self.data[i + 2]]
            }
            PixelFormat::Yuv420p => {
                let (yp, up, vp, cw) = self.planes();
                let c = (y / 2) * cw + x / 2;
                yuv_to_rgb(f32::from(yp[y * self.width as usize + x]), f32::from(up[c]), f32::from(vp[c]))
                    .map(|v| v.round() as u8)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuv_frame_converts_to_the_expected_rgb() {
        // 4x2 frame: Y ramps, chroma neutral (grey) on the left block, red-ish on the right.
        let y = vec![16, 126, 235, 235, 16, 126, 235, 235];
        let u = vec![128, 90];
        let v = vec![128, 240];
        let data = [y, u, v].concat();
        let f = Frame::with_format(0, 0.0, 4, 2, PixelFormat::Yuv420p, data);
        assert_eq!(f.pixel(0, 0), [0, 0, 0], "Y=16 is black");
        assert_eq!(f.pixel(1, 1), [128, 128, 128], "Y=126 neutral is mid grey");
        let red = f.pixel(2, 0);
        assert!(red[0] == 255 && red[1] < 200 && red[2] > 150, "{red:?}");
        let rgb = f.rgb();
        assert_eq!(rgb.len(), 4 * 2 * 3);
        assert_eq!(&rgb[6..9], &red);
    }

    #[test]
    fn frame_lengths_round_chroma_up() {
        assert_eq!(PixelFormat::Yuv420p.frame_len(3, 3), 9 + 2 * 2 * 2);
        assert_eq!(PixelFormat::Rgb24.frame_len(3, 3), 27);
    }
}
