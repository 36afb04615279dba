//! Mirrored pictures, un-mirrored before anything judges them.
//!
//! Many webcam programs and front cameras show (and record) the picture as a mirror does. A mirror
//! image of a person looks exactly like a real person with left and right swapped, so no model can
//! tell: the pose model calls the person's right arm their left, and a bird dog's reaching side or
//! a side plank's lower side comes out the wrong way round. Only the user knows the picture is
//! mirrored. When they say so, the source's frames are flipped back here, at capture, before the
//! pose stage: everything after it (the model, the person mask, the form engine, the overlay, the
//! recorded session) then sees the scene as it was, with no left/right bookkeeping anywhere else.

use std::sync::Arc;

use super::{FrameSource, SourceError, SourceInfo};
use crate::frame::{Frame, PixelFormat};

/// Reverses the pixels of each row of `src` (a plane `width` pixels of `bpp` bytes wide) into `dst`.
fn flip_rows(src: &[u8], dst: &mut [u8], width: usize, bpp: usize) {
    let row = width * bpp;
    if row == 0 {
        return;
    }
    for (s, d) in src.chunks_exact(row).zip(dst.chunks_exact_mut(row)) {
        for (sp, dp) in s.chunks_exact(bpp).zip(d.chunks_exact_mut(bpp).rev()) {
            dp.copy_from_slice(sp);
        }
    }
}

/// Writes the left-right mirror image of `frame`'s pixels into `out` (of the frame's length).
fn flip_into(frame: &Frame, out: &mut [u8]) {
    let (w, h) = (frame.width as usize, frame.height as usize);
    match frame.format {
        PixelFormat::Rgb24 => flip_rows(&frame.data, out, w, 3),
        PixelFormat::Yuv420p => {
            let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
            let (ys, cs) = frame.data.split_at(w * h);
            let (yd, cd) = out.split_at_mut(w * h);
            flip_rows(ys, yd, w, 1);
            // Both chroma planes at once: same width, consecutive rows. An odd-width frame's last
            // chroma sample covers one luma column only; mirrored, it still pairs with that column.
            flip_rows(&cs[..2 * cw * ch], &mut cd[..2 * cw * ch], cw, 1);
        }
    }
}

/// The left-right mirror image of `frame` (same index, time, size and format).
#[must_use]
pub fn mirror_frame(frame: &Frame) -> Frame {
    let mut out = vec![0u8; frame.data.len()];
    flip_into(frame, &mut out);
    Frame::with_format(frame.index, frame.t, frame.width, frame.height, frame.format, out)
}

/// A source whose picture is mirrored, flipped back frame by frame.
struct Unmirrored {
    inner: Box<dyn FrameSource>,
    /// The inner source's description, marked mirrored (its size follows the inner one's).
    info: SourceInfo,
    /// Buffers handed out lately, reused once no frame holds them (as the video source does).
    pool: Vec<Arc<Vec<u8>>>,
}

/// Buffers kept for reuse: the frames in flight in a pipeline, with one to spare.
const POOL: usize = 6;

impl FrameSource for Unmirrored {
    fn info(&self) -> &SourceInfo {
        &self.info
    }

    fn next_frame(&mut self) -> Result<Option<Frame>, SourceError> {
        let next = self.inner.next_frame();
        self.info = SourceInfo { mirrored: true, ..self.inner.info().clone() };
        let Some(f) = next? else { return Ok(None) };
        let len = f.data.len();
        self.pool.retain(|b| b.len() == len);
        let mut data = match self.pool.iter_mut().position(|b| Arc::get_mut(b).is_some()) {
            Some(i) => self.pool.swap_remove(i),
            None => Arc::new(vec![0u8; len]),
        };
        flip_into(&f, Arc::get_mut(&mut data).expect("no frame holds a pooled buffer"));
        if self.pool.len() < POOL {
            self.pool.push(Arc::clone(&data));
        }
        Ok(Some(Frame::with_shared(f.index, f.t, f.width, f.height, f.format, data)))
    }

    // No `known_pose`: a drawn source's pose is that of its own picture, not of the flipped one.

    fn frame_name(&self, frame: &Frame) -> Option<String> {
        self.inner.frame_name(frame)
    }
}

/// `src` un-mirrored when `mirrored` (the user says its picture is a mirror image), else as it is.
#[must_use]
pub fn unmirror_if(src: Box<dyn FrameSource>, mirrored: bool) -> Box<dyn FrameSource> {
    if mirrored {
        let info = SourceInfo { mirrored: true, ..src.info().clone() };
        Box::new(Unmirrored { inner: src, info, pool: Vec::with_capacity(POOL) })
    } else {
        src
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rgb_rows_are_reversed_pixel_by_pixel() {
        // 3x2: pixels numbered 1..=6, each (n, 10n, 100+n).
        let px = |n: u8| [n, 10 * n, 100 + n];
        let data: Vec<u8> = (1..=6).flat_map(px).collect();
        let f = Frame::new(4, 1.5, 3, 2, data);
        let m = mirror_frame(&f);
        assert_eq!((m.index, m.t, m.width, m.height, m.format), (4, 1.5, 3, 2, PixelFormat::Rgb24));
        let want: Vec<u8> = [3, 2, 1, 6, 5, 4].into_iter().flat_map(px).collect();
        assert_eq!(*m.data, want);
        assert_eq!(*mirror_frame(&m).data, *f.data, "mirroring twice gives the picture back");
    }

    #[test]
    fn yuv_planes_are_each_reversed() {
        // 4x2 luma, 2x1 chroma: the colour of the right half moves to the left.
        let y = vec![1, 2, 3, 4, 5, 6, 7, 8];
        let (u, v) = (vec![10, 20], vec![30, 40]);
        let f = Frame::with_format(0, 0.0, 4, 2, PixelFormat::Yuv420p, [y, u, v].concat());
        let m = mirror_frame(&f);
        assert_eq!(*m.data, vec![4, 3, 2, 1, 8, 7, 6, 5, 20, 10, 40, 30]);
        assert_eq!(m.pixel(0, 0), {
            let g = Frame::with_format(0, 0.0, 4, 2, PixelFormat::Yuv420p, vec![4, 0, 0, 0, 0, 0, 0, 0, 20, 0, 40, 0]);
            g.pixel(0, 0)
        });
        // Odd sizes: 3x3 luma, 2x2 chroma.
        let f = Frame::with_format(0, 0.0, 3, 3, PixelFormat::Yuv420p, (0..17).collect());
        let m = mirror_frame(&f);
        assert_eq!(*m.data, vec![2, 1, 0, 5, 4, 3, 8, 7, 6, 10, 9, 12, 11, 14, 13, 16, 15]);
        assert_eq!(*mirror_frame(&m).data, *f.data);
    }

    struct Two(SourceInfo, u64);
    impl FrameSource for Two {
        fn info(&self) -> &SourceInfo {
            &self.0
        }
        fn next_frame(&mut self) -> Result<Option<Frame>, SourceError> {
            self.1 += 1;
            Ok((self.1 <= 2).then(|| Frame::new(self.1, self.1 as f64 / 30.0, 2, 1, vec![1, 2, 3, 4, 5, 6])))
        }
    }

    #[test]
    fn a_mirrored_source_hands_out_flipped_frames_and_ends_with_its_source() {
        let info = SourceInfo {
            kind: super::super::SourceKind::Video,
            name: "x".into(),
            width: 2,
            height: 1,
            fps: Some(30.0),
            duration_s: None,
            frame_count: Some(2),
            stills: false,
            paced: true,
            mirrored: false,
        };
        let mut plain = unmirror_if(Box::new(Two(info.clone(), 0)), false);
        assert!(!plain.info().mirrored);
        assert_eq!(*plain.next_frame().unwrap().unwrap().data, vec![1, 2, 3, 4, 5, 6]);
        let mut s = unmirror_if(Box::new(Two(info, 0)), true);
        assert!(s.info().mirrored, "the description says the picture is flipped back");
        let a = s.next_frame().unwrap().unwrap();
        let b = s.next_frame().unwrap().unwrap();
        assert_eq!((a.index, b.index), (1, 2));
        assert_eq!(*a.data, vec![4, 5, 6, 1, 2, 3]);
        assert_eq!(*b.data, vec![4, 5, 6, 1, 2, 3], "a buffer in use is not overwritten");
        assert_eq!(*a.data, vec![4, 5, 6, 1, 2, 3]);
        assert!(s.next_frame().unwrap().is_none());
    }
}
