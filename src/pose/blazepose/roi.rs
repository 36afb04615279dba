//! The rotated square region the landmark model looks at, and the affine warp of a frame into it.
//!
//! MediaPipe's `AlignmentPointsRectsCalculator` then `RectTransformationCalculator` (see the table
//! in [`super`]): centred on an alignment point, side twice the distance to the second point times
//! a margin of 1.25, rotated so that the second point is straight up in the crop.

use crate::frame::{Frame, PixelFormat, yuv_to_rgb};

/// A rotated square of the source frame, in pixels.
///
/// Normalised ROI coordinates `(u, v)` in `0..1` (u right, v down in the crop) map to the frame as
/// `centre + R(angle) · ((u − ½)·side, (v − ½)·side)`, with `R(a) = [[cos a, −sin a], [sin a, cos a]]`
/// (MediaPipe's `LandmarkProjectionCalculator`). With y down, a positive angle turns clockwise on screen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RotatedRoi {
    pub cx: f32,
    pub cy: f32,
    pub side: f32,
    /// Radians, in `[-π, π)`.
    pub angle: f32,
}

/// MediaPipe's `NormalizeRadians`: into `[-π, π)`.
fn normalize_radians(a: f32) -> f32 {
    use std::f32::consts::PI;
    a - 2.0 * PI * ((a + PI) / (2.0 * PI)).floor()
}

impl RotatedRoi {
    /// The region from two alignment points (pixels): centred on `centre`, side `2·|end − centre|·scale`,
    /// rotated by `π/2 − atan2(−(end.y − centre.y), end.x − centre.x)` (target angle 90°: `end` up).
    #[must_use]
    pub fn from_alignment(centre: [f32; 2], end: [f32; 2], scale: f32) -> Self {
        let (dx, dy) = (end[0] - centre[0], end[1] - centre[1]);
        let side = 2.0 * dx.hypot(dy) * scale;
        let angle = normalize_radians(std::f32::consts::FRAC_PI_2 - (-dy).atan2(dx));
        Self { cx: centre[0], cy: centre[1], side, angle }
    }

    /// Normalised ROI coordinates to frame pixels.
    #[must_use]
    pub fn to_frame(&self, u: f32, v: f32) -> [f32; 2] {
        let (s, c) = self.angle.sin_cos();
        let (x, y) = ((u - 0.5) * self.side, (v - 0.5) * self.side);
        [self.cx + c * x - s * y, self.cy + s * x + c * y]
    }

    /// Frame pixels to normalised ROI coordinates.
    #[must_use]
    pub fn to_roi(&self, x: f32, y: f32) -> [f32; 2] {
        let (s, c) = self.angle.sin_cos();
        let (dx, dy) = (x - self.cx, y - self.cy);
        [(c * dx + s * dy) / self.side + 0.5, (-s * dx + c * dy) / self.side + 0.5]
    }

    /// A vector of the ROI's axes (e.g. a world landmark's x, y) turned into the frame's axes.
    #[must_use]
    pub fn rotate_to_frame(&self, v: [f32; 2]) -> [f32; 2] {
        let (s, c) = self.angle.sin_cos();
        [c * v[0] - s * v[1], s * v[0] + c * v[1]]
    }

    /// Whether the square is usable (finite, at least a pixel wide).
    #[must_use]
    pub fn is_valid(&self) -> bool {
        self.cx.is_finite()
            && self.cy.is_finite()
            && self.angle.is_finite()
            && self.side.is_finite()
            && self.side >= 1.0
    }
}

/// Output pixels from which the warp is split over two threads (below, one thread is quicker).
const SPLIT_MIN_PIXELS: usize = 128 * 128;

/// Warps `roi` of `frame` into `out` as `side x side` RGB floats in `[0, 1]` (NHWC, batch 1),
/// bilinear, the frame's edge repeated outside it (MediaPipe's `ImageToTensorCalculator` default,
/// `BORDER_REPLICATE`). Output pixel `(i, j)` samples the frame at ROI coordinates
/// `((i + ½)/side, (j + ½)/side)`, pixel centres at integer + ½ in the frame. YUV frames are
/// converted only at the sampled points.
///
/// The warp is on every frame's critical path (the model waits for it, and it waits for the
/// previous frame's landmarks), so a large output is made in two bands of rows at once, the lower
/// one on a scoped thread; each pixel is computed exactly as on one thread, so the output is the same.
/// A YUV row is made in passes ([`YuvRows`]) that give the same values as one pixel at a time.
pub fn warp_into(frame: &Frame, roi: &RotatedRoi, side: usize, out: &mut Vec<f32>) {
    out.clear();
    out.resize(side * side * 3, 0.0);
    let (w, h) = (frame.width as usize, frame.height as usize);
    if w == 0 || h == 0 || side == 0 {
        return;
    }
    let step = 1.0 / side as f32;
    // Source position (pixel-centre coordinates: subtract ½) is affine in (i, j).
    let warp = Warp {
        frame,
        side,
        origin: roi.to_frame(0.5 * step, 0.5 * step),
        right: roi.rotate_to_frame([roi.side * step, 0.0]),
        down: roi.rotate_to_frame([0.0, roi.side * step]),
    };
    let split = side * side >= SPLIT_MIN_PIXELS;
    if split {
        let half = side / 2;
        let (top, bottom) = out.split_at_mut(half * side * 3);
        let done = std::thread::scope(|s| {
            let lower = std::thread::Builder::new().spawn_scoped(s, || warp.rows(half, side, bottom));
            match lower {
                Ok(handle) => {
                    warp.rows(0, half, top);
                    handle.join().is_ok()
                }
                Err(_) => false,
            }
        });
        if done {
            return;
        }
    }
    warp.rows(0, side, out);
}

/// The bilinear tap at `p` on an axis of `max + 1` pixels: the pixel before it and the weight of the
/// one after. Clamped, so the edge repeats; after the clamp `p >= 0`, so truncation is the floor
/// (`f32::floor` is a library call on baseline x86-64).
fn tap(p: f32, max: f32) -> (u32, f32) {
    let p = p.clamp(0.0, max);
    let i = p as u32;
    (i, p - i as f32)
}

/// One warp's geometry (see [`warp_into`]).
struct Warp<'a> {
    frame: &'a Frame,
    side: usize,
    origin: [f32; 2],
    right: [f32; 2],
    down: [f32; 2],
}

impl Warp<'_> {
    /// Output rows `j0..j1` into `out` (`(j1 − j0)·side·3` values).
    fn rows(&self, j0: usize, j1: usize, out: &mut [f32]) {
        let (origin, right, down, side) = (self.origin, self.right, self.down, self.side);
        match self.frame.format {
            PixelFormat::Rgb24 => {
                let (w, h) = (self.frame.width as usize, self.frame.height as usize);
                let (maxx, maxy) = ((w - 1) as f32, (h - 1) as f32);
                let data = self.frame.data.as_slice();
                let mut px = out.chunks_exact_mut(3);
                for j in j0..j1 {
                    for i in 0..side {
                        let x = origin[0] + right[0] * i as f32 + down[0] * j as f32 - 0.5;
                        let y = origin[1] + right[1] * i as f32 + down[1] * j as f32 - 0.5;
                        let ((x0, wx), (y0, wy)) = (tap(x, maxx), tap(y, maxy));
                        let (x0, y0) = (x0 as usize, y0 as usize);
                        let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
                        let (a, b, c, d) = ((y0 * w + x0) * 3, (y0 * w + x1) * 3, (y1 * w + x0) * 3, (y1 * w + x1) * 3);
                        let Some(o) = px.next() else { return };
                        for k in 0..3 {
                            let top = f32::from(data[a + k]) * (1.0 - wx) + f32::from(data[b + k]) * wx;
                            let bottom = f32::from(data[c + k]) * (1.0 - wx) + f32::from(data[d + k]) * wx;
                            o[k] = (top * (1.0 - wy) + bottom * wy) * (1.0 / 255.0);
                        }
                    }
                }
            }
            PixelFormat::Yuv420p => {
                let mut rows = YuvRows::new(self.frame, side);
                for (j, o) in (j0..j1).zip(out.chunks_exact_mut(side * 3)) {
                    rows.row(origin, right, [down[0] * j as f32, down[1] * j as f32], o);
                }
            }
        }
    }
}

/// The YUV warp of one output row in three passes over the row, so that the arithmetic of the
/// first and the last runs on vectors: where each pixel samples the planes (taps and weights),
/// the samples themselves (the only scattered reads), then the bilinear blend and the conversion
/// to RGB. Each value is computed with the same operations in the same order as one pixel at a
/// time would, so the output is the same to the bit.
struct YuvRows<'a> {
    y: &'a [u8],
    u: &'a [u8],
    v: &'a [u8],
    w: usize,
    h: usize,
    cw: usize,
    ch: usize,
    /// Per output pixel: luma column and row (tap 0), their weights; the same for chroma.
    lx: Vec<u32>,
    ly: Vec<u32>,
    lwx: Vec<f32>,
    lwy: Vec<f32>,
    cx: Vec<u32>,
    cy: Vec<u32>,
    cwx: Vec<f32>,
    cwy: Vec<f32>,
    /// The samples: 4 luma, 4 U and 4 V values per pixel (top left, top right, bottom left, bottom right).
    samples: [Vec<f32>; 12],
}

impl<'a> YuvRows<'a> {
    fn new(frame: &'a Frame, side: usize) -> Self {
        let (w, h) = (frame.width as usize, frame.height as usize);
        let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
        let (y, rest) = frame.data.split_at(w * h);
        let (u, v) = rest.split_at(cw * ch);
        let f = || vec![0.0f32; side];
        let n = || vec![0u32; side];
        Self {
            y,
            u,
            v,
            w,
            h,
            cw,
            ch,
            lx: n(),
            ly: n(),
            lwx: f(),
            lwy: f(),
            cx: n(),
            cy: n(),
            cwx: f(),
            cwy: f(),
            samples: std::array::from_fn(|_| f()),
        }
    }

    /// Output row with offset `row` (= down · j) into `out` (side · 3 values).
    fn row(&mut self, origin: [f32; 2], right: [f32; 2], row: [f32; 2], out: &mut [f32]) {
        let (w, h, cw, ch) = (self.w, self.h, self.cw, self.ch);
        let (maxx, maxy) = ((w - 1) as f32, (h - 1) as f32);
        let (cmaxx, cmaxy) = ((cw - 1) as f32, (ch - 1) as f32);
        // 1. Taps and weights.
        let n = self.lx.len();
        for i in 0..n {
            let xs = origin[0] + right[0] * i as f32 + row[0];
            let ys = origin[1] + right[1] * i as f32 + row[1];
            (self.lx[i], self.lwx[i]) = tap(xs - 0.5, maxx);
            (self.ly[i], self.lwy[i]) = tap(ys - 0.5, maxy);
            // Chroma sample k sits at luma coordinate 2k + 1 (centre): chroma position (s − 1) / 2.
            (self.cx[i], self.cwx[i]) = tap((xs - 1.0) / 2.0, cmaxx);
            (self.cy[i], self.cwy[i]) = tap((ys - 1.0) / 2.0, cmaxy);
        }
        // 2. The samples. `corners`: where the four pixels around a tap lie in a plane `pw` × `ph`
        // (top left, top right, bottom left, bottom right; the edge repeats). U and V share theirs.
        let corners = |pw: usize, ph: usize, x0: u32, y0: u32| {
            let (x0, y0) = (x0 as usize, y0 as usize);
            let (x1, y1) = ((x0 + 1).min(pw - 1), (y0 + 1).min(ph - 1));
            let (top, bottom) = (y0 * pw, y1 * pw);
            [top + x0, top + x1, bottom + x0, bottom + x1]
        };
        let [y00, y01, y10, y11, u00, u01, u10, u11, v00, v01, v10, v11] = &mut self.samples;
        for i in 0..n {
            let luma = corners(w, h, self.lx[i], self.ly[i]);
            [y00[i], y01[i], y10[i], y11[i]] = luma.map(|k| f32::from(self.y[k]));
            let chroma = corners(cw, ch, self.cx[i], self.cy[i]);
            [u00[i], u01[i], u10[i], u11[i]] = chroma.map(|k| f32::from(self.u[k]));
            [v00[i], v01[i], v10[i], v11[i]] = chroma.map(|k| f32::from(self.v[k]));
        }
        // 3. Blend and convert.
        let bilinear = |s00: f32, s01: f32, s10: f32, s11: f32, wx: f32, wy: f32| {
            let top = s00 * (1.0 - wx) + s01 * wx;
            let bottom = s10 * (1.0 - wx) + s11 * wx;
            top * (1.0 - wy) + bottom * wy
        };
        for (i, o) in out.chunks_exact_mut(3).enumerate().take(n) {
            let luma = bilinear(y00[i], y01[i], y10[i], y11[i], self.lwx[i], self.lwy[i]);
            let (wx, wy) = (self.cwx[i], self.cwy[i]);
            let u = bilinear(u00[i], u01[i], u10[i], u11[i], wx, wy);
            let v = bilinear(v00[i], v01[i], v10[i], v11[i], wx, wy);
            let rgb = yuv_to_rgb(luma, u, v);
            o[0] = rgb[0] * (1.0 / 255.0);
            o[1] = rgb[1] * (1.0 / 255.0);
            o[2] = rgb[2] * (1.0 / 255.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f32::consts::{FRAC_PI_2, PI};

    fn close(a: [f32; 2], b: [f32; 2]) -> bool {
        (a[0] - b[0]).abs() < 1e-3 && (a[1] - b[1]).abs() < 1e-3
    }

    #[test]
    fn upright_alignment_points_give_an_unrotated_square() {
        // Hip centre (100, 100), the size point 50 px straight above it.
        let r = RotatedRoi::from_alignment([100.0, 100.0], [100.0, 50.0], 1.25);
        assert_eq!((r.cx, r.cy), (100.0, 100.0));
        assert_eq!(r.side, 125.0, "2 x 50 x 1.25");
        assert!(r.angle.abs() < 1e-6);
        assert!(close(r.to_frame(0.0, 0.0), [37.5, 37.5]));
        assert!(close(r.to_frame(0.5, 0.1), [100.0, 50.0]), "straight up in the crop is up in the frame");
    }

    #[test]
    fn a_body_lying_to_the_right_turns_the_square_a_quarter() {
        // The size point to the right of the hips: the head is to the right, the ROI turns +90°.
        let r = RotatedRoi::from_alignment([100.0, 100.0], [140.0, 100.0], 1.25);
        assert_eq!(r.side, 100.0);
        assert!((r.angle - FRAC_PI_2).abs() < 1e-6, "{}", r.angle);
        // The crop's top (v = 0.1) is toward the end point, its right (u = 1) is down in the frame.
        assert!(close(r.to_frame(0.5, 0.1), [140.0, 100.0]));
        assert!(close(r.to_frame(1.0, 0.5), [100.0, 150.0]));
        // Upside down (end point below): ±π.
        let r = RotatedRoi::from_alignment([0.0, 0.0], [0.0, 10.0], 1.0);
        assert!((r.angle.abs() - PI).abs() < 1e-6);
        // 45° to the upper right: the crop's up is along (1, -1).
        let r = RotatedRoi::from_alignment([0.0, 0.0], [10.0, -10.0], 1.0);
        assert!((r.angle - PI / 4.0).abs() < 1e-6);
        let up = r.rotate_to_frame([0.0, -1.0]);
        assert!(close(up, [std::f32::consts::FRAC_1_SQRT_2, -std::f32::consts::FRAC_1_SQRT_2]));
    }

    #[test]
    fn to_roi_inverts_to_frame() {
        let r = RotatedRoi { cx: 320.0, cy: 200.0, side: 180.0, angle: 0.7 };
        for (u, v) in [(0.0, 0.0), (0.25, 0.8), (1.0, 0.5)] {
            let p = r.to_frame(u, v);
            let back = r.to_roi(p[0], p[1]);
            assert!(close(back, [u, v]), "{back:?}");
        }
    }

    #[test]
    fn the_two_band_warp_is_the_one_thread_warp() {
        // A noisy 1080p-ish frame in both formats, a turned region partly outside the frame: the
        // split warp (256 px, two threads) gives exactly what one pass over all rows gives.
        let (w, h) = (641u32, 361u32);
        let noise = |n: usize| (0..n).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect::<Vec<u8>>();
        let roi = RotatedRoi { cx: 300.0, cy: 150.0, side: 420.0, angle: 0.7 };
        for frame in [
            Frame::new(0, 0.0, w, h, noise((w * h * 3) as usize)),
            Frame::with_format(0, 0.0, w, h, PixelFormat::Yuv420p, noise(PixelFormat::Yuv420p.frame_len(w, h))),
        ] {
            let side = 256;
            assert!(side * side >= SPLIT_MIN_PIXELS, "the test must take the split path");
            let mut split = Vec::new();
            warp_into(&frame, &roi, side, &mut split);
            let step = 1.0 / side as f32;
            let warp = Warp {
                frame: &frame,
                side,
                origin: roi.to_frame(0.5 * step, 0.5 * step),
                right: roi.rotate_to_frame([roi.side * step, 0.0]),
                down: roi.rotate_to_frame([0.0, roi.side * step]),
            };
            let mut one = vec![-1.0; side * side * 3];
            warp.rows(0, side, &mut one);
            assert_eq!(split.len(), one.len());
            assert!(split.iter().zip(&one).all(|(a, b)| a.to_bits() == b.to_bits()), "{:?}", frame.format);
            assert!(one.iter().all(|v| (0.0..=1.0).contains(v)));
        }
    }

    #[test]
    fn the_staged_yuv_warp_is_the_pixel_by_pixel_warp() {
        // A noisy YUV frame of odd size, a turned region partly outside it: each output value is
        // the one the formulas give pixel by pixel, to the bit.
        let (w, h) = (203usize, 117usize);
        let data: Vec<u8> = (0..PixelFormat::Yuv420p.frame_len(w as u32, h as u32))
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
            .collect();
        let frame = Frame::with_format(0, 0.0, w as u32, h as u32, PixelFormat::Yuv420p, data.clone());
        let roi = RotatedRoi { cx: 150.0, cy: 40.0, side: 160.0, angle: -0.9 };
        let side = 48;
        let mut out = Vec::new();
        warp_into(&frame, &roi, side, &mut out);
        let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
        let (yp, rest) = data.split_at(w * h);
        let (up, vp) = rest.split_at(cw * ch);
        let sample = |plane: &[u8], pw: usize, ph: usize, x: f32, y: f32| {
            let (x, y) = (x.clamp(0.0, (pw - 1) as f32), y.clamp(0.0, (ph - 1) as f32));
            let (x0, y0) = (x.floor() as usize, y.floor() as usize);
            let (wx, wy) = (x - x0 as f32, y - y0 as f32);
            let (x1, y1) = ((x0 + 1).min(pw - 1), (y0 + 1).min(ph - 1));
            let at = |x: usize, y: usize| f32::from(plane[y * pw + x]);
            let top = at(x0, y0) * (1.0 - wx) + at(x1, y0) * wx;
            let bottom = at(x0, y1) * (1.0 - wx) + at(x1, y1) * wx;
            top * (1.0 - wy) + bottom * wy
        };
        let step = 1.0 / side as f32;
        let origin = roi.to_frame(0.5 * step, 0.5 * step);
        let (right, down) = (roi.rotate_to_frame([roi.side * step, 0.0]), roi.rotate_to_frame([0.0, roi.side * step]));
        for j in 0..side {
            for i in 0..side {
                let xs = origin[0] + right[0] * i as f32 + down[0] * j as f32;
                let ys = origin[1] + right[1] * i as f32 + down[1] * j as f32;
                let luma = sample(yp, w, h, xs - 0.5, ys - 0.5);
                let (cx, cy) = ((xs - 1.0) / 2.0, (ys - 1.0) / 2.0);
                let rgb = yuv_to_rgb(luma, sample(up, cw, ch, cx, cy), sample(vp, cw, ch, cx, cy));
                let got = &out[(j * side + i) * 3..(j * side + i) * 3 + 3];
                for k in 0..3 {
                    assert_eq!(got[k].to_bits(), (rgb[k] * (1.0 / 255.0)).to_bits(), "({i}, {j}) channel {k}");
                }
            }
        }
    }

    #[test]
    fn the_warp_puts_a_known_pixel_where_expected() {
        // A 64x48 black frame with one white pixel at (40, 10).
        let (w, h) = (64u32, 48u32);
        let mut rgb = vec![0u8; (w * h * 3) as usize];
        let at = |x: usize, y: usize| (y * w as usize + x) * 3;
        rgb[at(40, 10)..at(40, 10) + 3].fill(255);
        let frame = Frame::new(0, 0.0, w, h, rgb);
        // A 16-px square centred on (41, 18), turned +90°. Output (i, j) samples ROI ((i + ½)/16, (j + ½)/16),
        // i.e. local (i − 7.5, j − 7.5), i.e. frame (41 − (j − 7.5), 18 + (i − 7.5)): the white pixel's
        // centre (40.5, 10.5) is output (0, 8), the crop's left edge (the crop's left is the frame's up).
        let roi = RotatedRoi { cx: 41.0, cy: 18.0, side: 16.0, angle: FRAC_PI_2 };
        let mut out = Vec::new();
        warp_into(&frame, &roi, 16, &mut out);
        assert_eq!(out.len(), 16 * 16 * 3);
        let px = |out: &[f32], i: usize, j: usize| out[(j * 16 + i) * 3];
        assert!((px(&out, 0, 8) - 1.0).abs() < 1e-5, "white lands on output (0, 8)");
        let lit: Vec<(usize, usize)> =
            (0..16).flat_map(|j| (0..16).map(move |i| (i, j))).filter(|&(i, j)| px(&out, i, j) > 0.0).collect();
        assert_eq!(lit, vec![(0, 8)], "and nowhere else");
        // The same from YUV: a white pixel (Y 235) in a black (Y 16) frame, neutral chroma.
        let mut yuv = vec![16u8; (w * h) as usize];
        yuv[10 * w as usize + 40] = 235;
        yuv.extend(std::iter::repeat_n(128u8, 2 * (w as usize / 2) * (h as usize / 2)));
        let frame = Frame::with_format(0, 0.0, w, h, PixelFormat::Yuv420p, yuv);
        warp_into(&frame, &roi, 16, &mut out);
        assert!((px(&out, 0, 8) - 1.0).abs() < 1e-3 && px(&out, 1, 8) < 1e-3 && px(&out, 0, 7) < 1e-3);
    }
}
