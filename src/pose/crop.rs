//! Crop geometry and preprocessing: from a frame and a square region to the model's int32 NHWC input.
//!
//! The region may extend past the frame (a person near an edge, or letterboxing a whole non-square
//! frame); pixels outside are black, as MoveNet's own letterboxing pads them.

use crate::frame::{Frame, PixelFormat, yuv_to_rgb};
use crate::pose::skeleton::{Joint, Pose};

/// A square region of the source frame in pixels: top-left corner and side length.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CropRegion {
    pub x0: f32,
    pub y0: f32,
    pub size: f32,
}

impl CropRegion {
    /// The square that letterboxes the whole frame: side = the longer dimension, centred.
    #[must_use]
    pub fn full_frame(width: u32, height: u32) -> Self {
        let size = width.max(height) as f32;
        Self { x0: (width as f32 - size) / 2.0, y0: (height as f32 - size) / 2.0, size }
    }

    /// A square of side `size` centred on (cx, cy).
    #[must_use]
    pub fn centred(cx: f32, cy: f32, size: f32) -> Self {
        Self { x0: cx - size / 2.0, y0: cy - size / 2.0, size }
    }

    /// Normalised crop coordinates (0..1) to source pixels.
    #[must_use]
    pub fn to_source(&self, u: f32, v: f32) -> (f32, f32) {
        (self.x0 + u * self.size, self.y0 + v * self.size)
    }

    /// Source pixels to normalised crop coordinates (0..1 inside the crop).
    #[must_use]
    pub fn to_crop(&self, x: f32, y: f32) -> (f32, f32) {
        ((x - self.x0) / self.size, (y - self.y0) / self.size)
    }
}

/// Bilinear sampling positions for one axis: for each output index, the first source index and the
/// weight of the second. Computed once per axis (the same for every row or column).
fn axis_taps(origin: f32, scale: f32, n: usize) -> Vec<(i64, f32)> {
    (0..n)
        .map(|o| {
            let s = origin + (o as f32 + 0.5) * scale - 0.5;
            let f = s.floor();
            (f as i64, s - f)
        })
        .collect()
}

/// Bilinear sample of a one-byte-per-pixel plane at integer tap (x0, y0) with weights (wx, wy);
/// pixels outside the plane count as `outside`.
#[inline]
fn sample_plane(plane: &[u8], w: i64, h: i64, (x0, wx): (i64, f32), (y0, wy): (i64, f32), outside: f32) -> f32 {
    let at = |x: i64, y: i64| {
        if x < 0 || y < 0 || x >= w || y >= h { outside } else { f32::from(plane[(y * w + x) as usize]) }
    };
    let top = at(x0, y0) * (1.0 - wx) + at(x0 + 1, y0) * wx;
    let bottom = at(x0, y0 + 1) * (1.0 - wx) + at(x0 + 1, y0 + 1) * wx;
    top * (1.0 - wy) + bottom * wy
}

/// `x.round() as i32` (halves away from zero) for `0 <= x < 2^23`, and 0 for NaN, exactly, in
/// operations that vectorise on baseline x86-64: `f32::round` is a libm call there (no SSE4.1), and
/// the saturating `as i32` is done one lane at a time. Adding 2^23 rounds `x` to the nearest
/// integer, ties to even, in the sum's low mantissa bits; a tie that went down (`x - n` is then
/// exactly 0.5, the subtraction being exact) goes up instead. The values rounded here are
/// about 255 at most (interpolations of bytes, or clamped).
#[inline]
fn round_small(x: f32) -> i32 {
    const TWO_23: f32 = 8_388_608.0;
    let x = if x > 0.0 { x } else { 0.0 }; // NaN (and -0.0) to 0
    let n = (x + TWO_23).to_bits() as i32 - TWO_23.to_bits() as i32;
    n + i32::from(x - n as f32 == 0.5)
}

/// Resamples `region` of `frame` into `out` as `side x side` RGB values (NHWC, batch 1), bilinear.
///
/// `out` is resized to `side * side * 3`. Values are 0..=255 as the MoveNet graph expects; pixels
/// outside the frame are black. YUV frames are converted only at the sampled points.
///
/// Every output row runs in passes over contiguous per-row arrays, so the arithmetic vectorises:
/// the source bytes each output value reads are first gathered (through source indices computed
/// once per call), then interpolated, converted and rounded in plain loops. Bounds are settled once
/// per call too: taps outside the frame get an in-range index and a zero weight (RGB), or their
/// columns are listed and redone or blanked after the loop (YUV). Each output value comes from the
/// same f32 operations in the same order as the plain per-pixel formulas in the comments, so the
/// result is the same to the bit (the test `crop_resize_matches_the_reference_exactly` checks it).
pub fn crop_resize_into(frame: &Frame, region: &CropRegion, side: usize, out: &mut Vec<i32>) {
    // Not cleared first: every value is written below, black ones included.
    out.resize(side * side * 3, 0);
    let scale = region.size / side as f32;
    let cols = axis_taps(region.x0, scale, side);
    let rows = axis_taps(region.y0, scale, side);
    match frame.format {
        PixelFormat::Rgb24 => crop_rgb(frame, &cols, &rows, out),
        PixelFormat::Yuv420p => crop_yuv(frame, region, scale, &cols, &rows, out),
    }
}

/// Whether both taps `i` and `i + 1` of an axis of `n` pixels are inside, one of them is, or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Span {
    Inside,
    Straddling,
    Outside,
}

impl Span {
    fn of(i: i64, n: i64) -> Self {
        if i < -1 || i >= n {
            Span::Outside
        } else if i >= 0 && i < n - 1 {
            Span::Inside
        } else {
            Span::Straddling
        }
    }
}

/// The RGB path. Per output value (pixel and channel), with the taps' weights `wy0 = 1 - wy`,
/// `wy1 = wy`, `wx0 = 1 - wx`, `wx1 = wx`:
///
/// `((wy0 * wx0) * p00 + (wy0 * wx1) * p01) + (wy1 * wx0) * p10 + (wy1 * wx1) * p11`
///
/// summed left to right, where a tap outside the frame (black) or of zero weight adds nothing.
/// Here such a tap gets weight 0 and a pixel inside the frame, which adds exactly `+0.0` instead:
/// the same sum, without branches. Each column reads two adjacent pixels of a line (one slice);
/// when only one of its taps is inside, that pixel takes the slot it falls in, with its weight,
/// and the other slot weight 0: of the four terms, the two nonzero ones are then summed alone in
/// either arrangement, so the value is the same.
fn crop_rgb(frame: &Frame, cols: &[(i64, f32)], rows: &[(i64, f32)], out: &mut [i32]) {
    let (w, h) = (frame.width as usize, frame.height as usize);
    let n = cols.len() * 3;
    if w == 0 || h == 0 || n == 0 {
        out.fill(0); // nothing to sample: all black
        return;
    }
    let src = frame.data.as_slice();
    let stride = w * 3;
    // Per output column: the byte offset (in a line) of the pair of pixels it reads; per output
    // value: the weights of the pair's left and right pixels.
    let mut offsets = Vec::with_capacity(cols.len());
    let (mut wl, mut wr) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for &(x0, wx) in cols {
        let (start, left, right) = match Span::of(x0, w as i64) {
            Span::Inside => (x0 as usize, 1.0 - wx, wx),
            Span::Outside => (0, 0.0, 0.0),
            Span::Straddling => {
                // One tap inside: pixel 0 (x0 = -1, weight wx) or the last one (x0 = w - 1, 1 - wx).
                let (pixel, weight) = if x0 < 0 { (0, wx) } else { (w - 1, 1.0 - wx) };
                let start = pixel.min(w.saturating_sub(2));
                if start == pixel { (start, weight, 0.0) } else { (start, 0.0, weight) }
            }
        };
        offsets.push(start * 3);
        wl.extend([left; 3]);
        wr.extend([right; 3]);
    }
    // Per row: the left and right pixels of each column in the top and bottom lines, gathered.
    let (mut top_l, mut top_r, mut bottom_l, mut bottom_r) = (vec![0u8; n], vec![0u8; n], vec![0u8; n], vec![0u8; n]);
    let gather = |line: &[u8], left: &mut [u8], right: &mut [u8]| {
        let pixels = left.chunks_exact_mut(3).zip(right.chunks_exact_mut(3));
        match line.len().checked_sub(6) {
            Some(last) => {
                for ((l, r), &i) in pixels.zip(&offsets) {
                    // `min` is a no-op (every offset is at most `last`) that spares the bounds checks.
                    let i = i.min(last);
                    l.copy_from_slice(&line[i..i + 3]);
                    r.copy_from_slice(&line[i + 3..i + 6]);
                }
            }
            // A one-pixel-wide frame: that pixel is in the left slot, the right one has weight 0.
            None => pixels.for_each(|(l, _)| l.copy_from_slice(line)),
        }
    };
    // A row tap: its line and weight, or any line and weight 0 when outside.
    let line = |y: i64, wgt: f32| {
        let (y, wgt) = if y >= 0 && y < h as i64 { (y as usize, wgt) } else { (0, 0.0) };
        (&src[y * stride..(y + 1) * stride], wgt)
    };
    for (&(y0, wy), row) in rows.iter().zip(out.chunks_exact_mut(n)) {
        if Span::of(y0, h as i64) == Span::Outside {
            row.fill(0); // the whole row is outside: black
            continue;
        }
        let ((top, wy0), (bottom, wy1)) = (line(y0, 1.0 - wy), line(y0 + 1, wy));
        gather(top, &mut top_l, &mut top_r);
        gather(bottom, &mut bottom_l, &mut bottom_r);
        let weights = wl.iter().zip(&wr);
        let pixels = top_l.iter().zip(&top_r).zip(bottom_l.iter().zip(&bottom_r));
        for ((o, (&wl, &wr)), ((&p00, &p01), (&p10, &p11))) in row.iter_mut().zip(weights).zip(pixels) {
            let acc = (wy0 * wl) * f32::from(p00)
                + (wy0 * wr) * f32::from(p01)
                + (wy1 * wl) * f32::from(p10)
                + (wy1 * wr) * f32::from(p11);
            *o = round_small(acc);
        }
    }
}

/// Interpolates one line of a plane at every output column: `a + (b - a) * t` with `a`, `b` the
/// bytes at the column's two taps, indices `i` and `i + 1` clamped to the line (chroma repeats its
/// edge). The adjacent pairs are gathered first, so the arithmetic is one loop; the columns whose
/// taps were clamped are redone one by one after it.
struct LineSampler {
    /// Per output column: the first of two adjacent source indices, both inside the line when the
    /// line has two bytes or more.
    start: Vec<u32>,
    /// Per output column: the weight of the second tap.
    t: Vec<f32>,
    /// Columns whose taps are not adjacent bytes of the line, with their clamped indices.
    edges: Vec<(usize, usize, usize)>,
    /// Scratch: the gathered pairs, first byte low.
    pairs: Vec<u16>,
}

impl LineSampler {
    /// For taps `(i, t)` over lines of `n` bytes. Without `edges`, the columns whose taps are not
    /// both inside get an arbitrary value (the caller replaces it).
    fn new(taps: &[(i64, f32)], n: usize, edges: bool) -> Self {
        let n = n as i64;
        let mut sampler = Self { start: Vec::new(), t: Vec::new(), edges: Vec::new(), pairs: vec![0; taps.len()] };
        for (k, &(i, t)) in taps.iter().enumerate() {
            let inside = i >= 0 && i < n - 1;
            sampler.start.push(if inside { i as u32 } else { 0 });
            sampler.t.push(t);
            if edges && !inside {
                let clamp = |i: i64| i.clamp(0, n - 1) as usize;
                sampler.edges.push((k, clamp(i), clamp(i.saturating_add(1))));
            }
        }
        sampler
    }

    fn lerp(&mut self, line: &[u8], out: &mut [f32]) {
        if let Some(last) = line.len().checked_sub(2) {
            for (pair, &i) in self.pairs.iter_mut().zip(&self.start) {
                // `min` is a no-op (every start is at most `last`) that spares a bounds check.
                let i = (i as usize).min(last);
                *pair = u16::from_le_bytes([line[i], line[i + 1]]);
            }
        }
        for ((o, &t), &pair) in out.iter_mut().zip(&self.t).zip(&self.pairs) {
            let (a, b) = (f32::from(pair as u8), f32::from((pair >> 8) as u8));
            *o = a + (b - a) * t;
        }
        for &(k, i0, i1) in &self.edges {
            let (a, b) = (f32::from(line[i0]), f32::from(line[i1]));
            out[k] = a + (b - a) * self.t[k];
        }
    }
}

/// The last two interpolated lines of a plane, by line index: consecutive output rows often read a
/// line the previous row read (always when upsampling; chroma, at half resolution, about every other
/// row at the usual crops), and the interpolated line is the same.
struct LineCache {
    keys: [Option<usize>; 2],
    lines: [Vec<f32>; 2],
}

impl LineCache {
    fn new(n: usize) -> Self {
        Self { keys: [None; 2], lines: [vec![0.0; n], vec![0.0; n]] }
    }

    /// Lines `a` and `b`, computing with `fill` those not kept (without evicting the other one).
    fn pair(&mut self, a: usize, b: usize, mut fill: impl FnMut(usize, &mut [f32])) -> (&[f32], &[f32]) {
        let mut slot = |line: usize, keep: Option<usize>, this: &mut Self| {
            if let Some(s) = this.keys.iter().position(|&k| k == Some(line)) {
                return s;
            }
            let s = keep.map_or(0, |k| 1 - k);
            fill(line, &mut this.lines[s]);
            this.keys[s] = Some(line);
            s
        };
        let keep_b = self.keys.iter().position(|&k| k == Some(b));
        let sa = slot(a, keep_b, self);
        let sb = slot(b, Some(sa), self);
        (&self.lines[sa], &self.lines[sb])
    }
}

/// Line `i` of a plane `width` bytes wide.
fn plane_line(plane: &[u8], width: usize, i: usize) -> &[u8] {
    &plane[i * width..(i + 1) * width]
}

/// The YUV 4:2:0 path. Per output pixel, with luma taps (x0, wx), (y0, wy) and chroma taps at half
/// resolution clamped to the plane (chroma repeats its edge), `lerp(a, b, t) = a + (b - a) * t`:
///
/// - Y = `lerp(lerp(Y[y0][x0], Y[y0][x0 + 1], wx), lerp(Y[y0 + 1][x0], Y[y0 + 1][x0 + 1], wx), wy)`
///   when all four luma taps are inside; when some are outside, [`sample_plane`] with black (Y = 16)
///   outside; when none are, the pixel is black (0, 0, 0) without conversion.
/// - U and V: the same nested `lerp` of the chroma plane.
/// - RGB = [`yuv_to_rgb`], rounded.
///
/// The `lerp`s along a line are per (line, column), so lines are interpolated whole and kept for
/// the next row ([`LineCache`]); the pixels that straddle the frame's edge are redone afterwards.
fn crop_yuv(frame: &Frame, region: &CropRegion, scale: f32, cols: &[(i64, f32)], rows: &[(i64, f32)], out: &mut [i32]) {
    let side = cols.len();
    let (w, h) = (i64::from(frame.width), i64::from(frame.height));
    let (cw, ch) = ((w + 1) / 2, (h + 1) / 2);
    let data = frame.data.as_slice();
    let (yp, rest) = data.split_at((w * h) as usize);
    let (up, vp) = rest.split_at((cw * ch) as usize);
    // Chroma taps: the same source positions at half resolution. Chroma sample j sits at luma
    // coordinate 2j + 0.5, so luma coordinate s is chroma (s - 0.5) / 2: origin x0 / 2.
    let ccols = axis_taps(region.x0 / 2.0, scale / 2.0, side);
    let crows = axis_taps(region.y0 / 2.0, scale / 2.0, side);
    // Chroma repeats its edge: clamp the chroma rows once (the columns' clamping is the sampler's).
    let crows: Vec<(usize, usize, f32)> = crows
        .into_iter()
        .map(|(i, wgt)| (i.clamp(0, ch - 1) as usize, (i + 1).clamp(0, ch - 1) as usize, wgt))
        .collect();
    let (wu, cwu) = (w as usize, cw as usize);
    // Luma columns: the interpolated lines are used only at the inside columns; the others are
    // listed, to be sampled with black around the frame or left black.
    let spans: Vec<Span> = cols.iter().map(|&(x0, _)| Span::of(x0, w)).collect();
    let straddling: Vec<usize> = (0..side).filter(|&k| spans[k] == Span::Straddling).collect();
    let outside: Vec<usize> = (0..side).filter(|&k| spans[k] == Span::Outside).collect();
    let mut luma = LineSampler::new(cols, wu, false);
    let mut chroma = LineSampler::new(&ccols, cwu, true);
    let (mut yc, mut uc, mut vc) = (LineCache::new(side), LineCache::new(side), LineCache::new(side));
    let mut ys = vec![0f32; side];
    for ((&ry, &(cy0, cy1, cwy)), row) in rows.iter().zip(&crows).zip(out.chunks_exact_mut(side * 3)) {
        match Span::of(ry.0, h) {
            Span::Outside => {
                row.fill(0); // the whole row is outside: black
                continue;
            }
            Span::Inside => {
                let y0 = ry.0 as usize;
                let (top, bottom) = yc.pair(y0, y0 + 1, |i, dst| luma.lerp(plane_line(yp, wu, i), dst));
                for ((y, &t), &b) in ys.iter_mut().zip(top).zip(bottom) {
                    *y = t + (b - t) * ry.1;
                }
                for &k in &straddling {
                    ys[k] = sample_plane(yp, w, h, cols[k], ry, 16.0);
                }
            }
            Span::Straddling => {
                for ((y, &rx), &span) in ys.iter_mut().zip(cols).zip(&spans) {
                    if span != Span::Outside {
                        *y = sample_plane(yp, w, h, rx, ry, 16.0);
                    }
                }
            }
        }
        let (u0, u1) = uc.pair(cy0, cy1, |i, dst| chroma.lerp(plane_line(up, cwu, i), dst));
        let (v0, v1) = vc.pair(cy0, cy1, |i, dst| chroma.lerp(plane_line(vp, cwu, i), dst));
        let chroma_px = u0.iter().zip(u1).zip(v0.iter().zip(v1));
        for ((o, &y), ((&u0, &u1), (&v0, &v1))) in row.chunks_exact_mut(3).zip(&ys).zip(chroma_px) {
            let rgb = yuv_to_rgb(y, u0 + (u1 - u0) * cwy, v0 + (v1 - v0) * cwy);
            o[0] = round_small(rgb[0]);
            o[1] = round_small(rgb[1]);
            o[2] = round_small(rgb[2]);
        }
        for &k in &outside {
            row[k * 3..k * 3 + 3].fill(0); // wholly outside: black
        }
    }
}

/// Joints whose spread sets the crop size (MoveNet's own cropping algorithm uses the torso and the body).
const TORSO: [Joint; 4] = [Joint::LeftShoulder, Joint::RightShoulder, Joint::LeftHip, Joint::RightHip];

/// The square to crop in the next frame, from this frame's keypoints (MoveNet's "determine crop
/// region" idea): centred between the hips (or on the visible joints), big enough to hold the body
/// spread with margin, and never smaller than `min_fraction` of the frame's shorter side.
///
/// Returns `None` when too few joints are visible to place a crop: the caller falls back to the full frame.
#[must_use]
pub fn region_from_pose(pose: &Pose, width: u32, height: u32, min_score: f32, margin: f32) -> Option<CropRegion> {
    let visible: Vec<(f32, f32)> =
        Joint::ALL.iter().filter_map(|&j| pose.visible(j, min_score)).map(|k| (k.x, k.y)).collect();
    if visible.len() < 5 {
        return None;
    }
    let (minx, maxx, miny, maxy) = visible
        .iter()
        .fold((f32::INFINITY, f32::NEG_INFINITY, f32::INFINITY, f32::NEG_INFINITY), |(a, b, c, d), &(x, y)| {
            (a.min(x), b.max(x), c.min(y), d.max(y))
        });
    let cx = (minx + maxx) / 2.0;
    let cy = (miny + maxy) / 2.0;
    let body_span = (maxx - minx).max(maxy - miny);
    // A crouched or folded body has a small joint spread; the torso keeps the crop from collapsing.
    let torso_span = TORSO
        .iter()
        .filter_map(|&j| pose.visible(j, min_score))
        .map(|k| (k.x - cx).abs().max((k.y - cy).abs()) * 2.0)
        .fold(0.0f32, f32::max);
    let shorter = width.min(height) as f32;
    let size = (body_span * margin).max(torso_span * 1.9).max(shorter * 0.25);
    // Never bigger than the letterbox of the whole frame.
    let size = size.min(width.max(height) as f32);
    Some(CropRegion::centred(cx, cy, size))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pose::skeleton::Keypoint;

    fn gradient(w: u32, h: u32) -> Frame {
        let mut v = Vec::with_capacity((w * h * 3) as usize);
        for y in 0..h {
            for x in 0..w {
                v.extend_from_slice(&[(x % 256) as u8, (y % 256) as u8, 7]);
            }
        }
        Frame::new(0, 0.0, w, h, v)
    }

    /// `x.round() as i32` for `x >= 0` (NaN gives 0, as the cast does), exactly, halves away from
    /// zero: `f32::round` is a libm call on baseline x86-64 (no SSE4.1), three of them per output
    /// pixel. `x - trunc(x)` is exact, so the comparison with 0.5 decides as `round` does.
    /// (The rounding of [`reference_crop_resize_into`]; [`round_small`] replaced it.)
    fn round_nonneg(x: f32) -> i32 {
        let t = x as i32;
        t + i32::from(x - t as f32 >= 0.5)
    }

    #[test]
    fn round_small_rounds_as_round_does() {
        // Every half up to 1100 (past the largest RGB sum, 4 * 255), its neighbours, and every 97th
        // float from 0 to 1100.
        let mut xs = vec![0.0f32, -0.0, f32::NAN, f32::from_bits(1), 255.0, 1100.0];
        for k in 0..=1100u16 {
            let h = f32::from(k) + 0.5;
            xs.extend([h, h.next_down(), h.next_up(), f32::from(k).next_up(), f32::from(k).next_down().max(0.0)]);
        }
        xs.extend((0..=1100f32.to_bits()).step_by(97).map(f32::from_bits));
        for x in xs {
            assert_eq!(round_small(x), x.round() as i32, "{x}");
            assert_eq!(round_small(x), round_nonneg(x), "{x}");
        }
    }

    #[test]
    fn round_nonneg_rounds_as_round_does() {
        // Every half, its neighbours, and a dense sweep of 0..=255.
        let mut xs = vec![0.0f32, f32::NAN, 255.0];
        for k in 0..=255u16 {
            let h = f32::from(k) + 0.5;
            xs.extend([h, h.next_down(), h.next_up(), f32::from(k).next_up(), f32::from(k).next_down().max(0.0)]);
        }
        xs.extend((0..=2_550_000).map(|i| i as f32 / 10_000.0));
        for x in xs {
            assert_eq!(round_nonneg(x), x.round() as i32, "{x}");
        }
    }

    #[test]
    fn crop_coordinates_round_trip() {
        for region in [CropRegion::full_frame(1920, 1080), CropRegion::centred(300.0, 500.0, 257.0)] {
            for &(x, y) in &[(0.0, 0.0), (1919.0, 1079.0), (123.4, 987.6), (-50.0, 2000.0)] {
                let (u, v) = region.to_crop(x, y);
                let (x2, y2) = region.to_source(u, v);
                assert!((x - x2).abs() < 1e-3 && (y - y2).abs() < 1e-3, "{x},{y} -> {x2},{y2}");
            }
        }
    }

    #[test]
    fn full_frame_letterbox_is_centred_square() {
        let r = CropRegion::full_frame(1920, 1080);
        assert_eq!(r.size, 1920.0);
        assert_eq!(r.x0, 0.0);
        assert_eq!(r.y0, -420.0);
        // The frame's top-left corner lands at v = 420/1920 in the crop.
        let (u, v) = r.to_crop(0.0, 0.0);
        assert_eq!(u, 0.0);
        assert!((v - 420.0 / 1920.0).abs() < 1e-6);
    }

    #[test]
    fn preprocess_samples_the_right_pixels_and_pads_black() {
        let f = gradient(200, 100);
        let mut out = Vec::new();
        // Identity-scale crop: side 50 over a 50-pixel region starting at (10, 20).
        crop_resize_into(&f, &CropRegion { x0: 10.0, y0: 20.0, size: 50.0 }, 50, &mut out);
        assert_eq!(out.len(), 50 * 50 * 3);
        assert_eq!(&out[0..3], &[10, 20, 7]);
        let last = (49 * 50 + 49) * 3;
        assert_eq!(&out[last..last + 3], &[59, 69, 7]);
        // Letterbox: the top rows of the square lie above the frame and must be black.
        crop_resize_into(&f, &CropRegion::full_frame(200, 100), 100, &mut out);
        assert_eq!(&out[0..3], &[0, 0, 0]);
        // Middle row is inside the frame: green channel ~ source y.
        let mid = (50 * 100 + 50) * 3;
        assert!(out[mid + 2] == 7 && (out[mid + 1] - 50).abs() <= 1, "{:?}", &out[mid..mid + 3]);
    }

    #[test]
    fn keypoint_through_crop_and_back_matches_source_pixel() {
        // A point at known crop coordinates maps to the same place the resampler read it from.
        let f = gradient(640, 480);
        let region = CropRegion::centred(320.0, 240.0, 200.0);
        let mut out = Vec::new();
        crop_resize_into(&f, &region, 100, &mut out);
        let (ox, oy) = (37usize, 61usize);
        let (x, y) = region.to_source((ox as f32 + 0.5) / 100.0, (oy as f32 + 0.5) / 100.0);
        let i = (oy * 100 + ox) * 3;
        // The gradient stores x and y modulo 256.
        assert!((out[i] - x.round() as i32 % 256).abs() <= 1, "red {} vs x {x}", out[i]);
        assert!((out[i + 1] - y.round() as i32 % 256).abs() <= 1, "green {} vs y {y}", out[i + 1]);
    }

    #[test]
    fn yuv_and_rgb_frames_of_the_same_picture_preprocess_alike() {
        // A smooth picture in YUV, and the same picture converted to RGB.
        let (w, h) = (64u32, 48u32);
        let mut data = Vec::new();
        data.extend((0..w * h).map(|i| (40 + (i % w) * 2 + (i / w)) as u8));
        let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
        // Chroma near neutral so no colour clips (clipping before or after interpolation differs).
        data.extend((0..cw * ch).map(|i| (115 + (i % cw)) as u8));
        data.extend((0..cw * ch).map(|i| (140 - (i / cw)) as u8));
        let yuv = Frame::with_format(0, 0.0, w, h, PixelFormat::Yuv420p, data);
        let rgb = Frame::new(0, 0.0, w, h, yuv.rgb().into_owned());
        let region = CropRegion::centred(30.0, 20.0, 40.0);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        crop_resize_into(&yuv, &region, 32, &mut a);
        crop_resize_into(&rgb, &region, 32, &mut b);
        let worst = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).max().unwrap();
        // Rounding twice, and nearest (rgb()) vs interpolated chroma: a few levels at most.
        assert!(worst <= 3, "largest difference {worst}");
        // And outside the frame both are black.
        crop_resize_into(&yuv, &CropRegion::full_frame(w, h), 32, &mut a);
        assert_eq!(&a[0..3], &[0, 0, 0]);
    }

    /// The implementation as it was before the vectorised rewrite, kept verbatim as the oracle the
    /// rewrite must match bit for bit (per-pixel scalar code: bilinear taps with bounds checks).
    fn reference_crop_resize_into(frame: &Frame, region: &CropRegion, side: usize, out: &mut Vec<i32>) {
        fn axis_taps(origin: f32, scale: f32, n: usize) -> Vec<(i64, f32)> {
            (0..n)
                .map(|o| {
                    let s = origin + (o as f32 + 0.5) * scale - 0.5;
                    let f = s.floor();
                    (f as i64, s - f)
                })
                .collect()
        }
        fn sample_plane(plane: &[u8], w: i64, h: i64, (x0, wx): (i64, f32), (y0, wy): (i64, f32), outside: f32) -> f32 {
            let at = |x: i64, y: i64| {
                if x < 0 || y < 0 || x >= w || y >= h { outside } else { f32::from(plane[(y * w + x) as usize]) }
            };
            let top = at(x0, y0) * (1.0 - wx) + at(x0 + 1, y0) * wx;
            let bottom = at(x0, y0 + 1) * (1.0 - wx) + at(x0 + 1, y0 + 1) * wx;
            top * (1.0 - wy) + bottom * wy
        }
        out.clear();
        out.resize(side * side * 3, 0);
        let scale = region.size / side as f32;
        let cols = axis_taps(region.x0, scale, side);
        let rows = axis_taps(region.y0, scale, side);
        let (w, h) = (i64::from(frame.width), i64::from(frame.height));
        match frame.format {
            PixelFormat::Rgb24 => {
                let src = frame.data.as_slice();
                let stride = frame.width as usize * 3;
                for (oy, &(y0, wy)) in rows.iter().enumerate() {
                    let row = &mut out[oy * side * 3..(oy + 1) * side * 3];
                    for (ox, &(x0, wx)) in cols.iter().enumerate() {
                        let mut acc = [0f32; 3];
                        for (dy, wyv) in [(0i64, 1.0 - wy), (1, wy)] {
                            let yy = y0 + dy;
                            if wyv == 0.0 || yy < 0 || yy >= h {
                                continue;
                            }
                            let line = &src[yy as usize * stride..(yy as usize + 1) * stride];
                            for (dx, wxv) in [(0i64, 1.0 - wx), (1, wx)] {
                                let xx = x0 + dx;
                                if wxv == 0.0 || xx < 0 || xx >= w {
                                    continue;
                                }
                                let wgt = wyv * wxv;
                                let p = &line[xx as usize * 3..xx as usize * 3 + 3];
                                acc[0] += wgt * f32::from(p[0]);
                                acc[1] += wgt * f32::from(p[1]);
                                acc[2] += wgt * f32::from(p[2]);
                            }
                        }
                        let o = &mut row[ox * 3..ox * 3 + 3];
                        for c in 0..3 {
                            o[c] = round_nonneg(acc[c]);
                        }
                    }
                }
            }
            PixelFormat::Yuv420p => {
                let (cw, ch) = ((w + 1) / 2, (h + 1) / 2);
                let data = frame.data.as_slice();
                let (yp, rest) = data.split_at((w * h) as usize);
                let (up, vp) = rest.split_at((cw * ch) as usize);
                let ccols = axis_taps(region.x0 / 2.0, scale / 2.0, side);
                let crows = axis_taps(region.y0 / 2.0, scale / 2.0, side);
                let clamp_taps = |taps: Vec<(i64, f32)>, n: i64| -> Vec<(usize, usize, f32)> {
                    taps.into_iter()
                        .map(|(i, wgt)| (i.clamp(0, n - 1) as usize, (i + 1).clamp(0, n - 1) as usize, wgt))
                        .collect()
                };
                let (ccols, crows) = (clamp_taps(ccols, cw), clamp_taps(crows, ch));
                let cwu = cw as usize;
                let wu = w as usize;
                let lerp = |a: u8, b: u8, t: f32| f32::from(a) + (f32::from(b) - f32::from(a)) * t;
                for ((&ry, &(cy0, cy1, cwy)), row) in rows.iter().zip(&crows).zip(out.chunks_exact_mut(side * 3)) {
                    if ry.0 + 1 < 0 || ry.0 >= h {
                        continue;
                    }
                    let lines = (ry.0 >= 0 && ry.0 + 1 < h).then(|| {
                        let y0 = ry.0 as usize;
                        (&yp[y0 * wu..(y0 + 1) * wu], &yp[(y0 + 1) * wu..(y0 + 2) * wu])
                    });
                    let (u0, u1) = (&up[cy0 * cwu..(cy0 + 1) * cwu], &up[cy1 * cwu..(cy1 + 1) * cwu]);
                    let (v0, v1) = (&vp[cy0 * cwu..(cy0 + 1) * cwu], &vp[cy1 * cwu..(cy1 + 1) * cwu]);
                    for ((&rx, &(cx0, cx1, cwx)), o) in cols.iter().zip(&ccols).zip(row.chunks_exact_mut(3)) {
                        if rx.0 + 1 < 0 || rx.0 >= w {
                            continue;
                        }
                        let y = match lines {
                            Some((l0, l1)) if rx.0 >= 0 && rx.0 + 1 < w => {
                                let x0 = rx.0 as usize;
                                let top = lerp(l0[x0], l0[x0 + 1], rx.1);
                                let bottom = lerp(l1[x0], l1[x0 + 1], rx.1);
                                top + (bottom - top) * ry.1
                            }
                            _ => sample_plane(yp, w, h, rx, ry, 16.0),
                        };
                        let chroma = |p0: &[u8], p1: &[u8]| {
                            let top = lerp(p0[cx0], p0[cx1], cwx);
                            let bottom = lerp(p1[cx0], p1[cx1], cwx);
                            top + (bottom - top) * cwy
                        };
                        let rgb = yuv_to_rgb(y, chroma(u0, u1), chroma(v0, v1));
                        o[0] = round_nonneg(rgb[0]);
                        o[1] = round_nonneg(rgb[1]);
                        o[2] = round_nonneg(rgb[2]);
                    }
                }
            }
        }
    }

    /// Pseudo-random bytes (xorshift64*), the same on every run.
    fn noise(len: usize, seed: u64) -> Vec<u8> {
        let mut s = seed | 1;
        (0..len)
            .map(|_| {
                s ^= s >> 12;
                s ^= s << 25;
                s ^= s >> 27;
                (s.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8
            })
            .collect()
    }

    /// Crop regions over a `w x h` frame for an output of `side`: inside, straddling each edge and
    /// corner, wholly outside, the letterbox, scales up and down, pixel-aligned and half-pixel offsets
    /// (weights of 0 and 0.5, where rounding ties), and degenerate ones (negative size, NaN).
    fn regions(w: u32, h: u32, side: usize) -> Vec<CropRegion> {
        let (wf, hf, sf) = (w as f32, h as f32, side as f32);
        let mut out = vec![CropRegion::full_frame(w, h)];
        for size in [sf, sf * 0.37, sf * 1.7 + 0.3, wf.min(hf) * 0.6, wf.max(hf) * 1.3, 2.5] {
            let (cx, cy) = (wf / 2.0 + 0.31, hf / 2.0 - 0.17);
            // Inside (when it fits), then the centre moved onto each edge and corner.
            for (dx, dy) in [(0.0, 0.0), (-1.0, 0.0), (1.0, 0.0), (0.0, -1.0), (0.0, 1.0)] {
                out.push(CropRegion::centred(cx + dx * wf / 2.0, cy + dy * hf / 2.0, size));
            }
            for (x, y) in [(0.0, 0.0), (wf, 0.0), (0.0, hf), (wf, hf)] {
                out.push(CropRegion::centred(x, y, size));
            }
            // Wholly outside, on each side.
            out.push(CropRegion { x0: -size - 3.0, y0: cy, size });
            out.push(CropRegion { x0: wf + 1.0, y0: cy, size });
            out.push(CropRegion { x0: cx, y0: -size - 1.5, size });
            out.push(CropRegion { x0: cx, y0: hf + 0.5, size });
        }
        // Pixel-aligned identity scale, and half-pixel offsets.
        out.push(CropRegion { x0: 1.0, y0: 2.0, size: sf });
        out.push(CropRegion { x0: 0.5, y0: -0.5, size: sf });
        out.push(CropRegion { x0: -1.5, y0: 1.5, size: sf * 2.0 });
        out.push(CropRegion { x0: wf / 3.0, y0: hf / 4.0, size: -sf * 0.8 });
        out.push(CropRegion { x0: f32::NAN, y0: 1.0, size: sf });
        // And some anywhere: corners from -w to 2w (-h to 2h), sides up to twice the longer side.
        let r = noise(48, u64::from(w * 31 + h) + side as u64);
        let unit = |b: u8| f32::from(b) / 255.0;
        for k in r.chunks_exact(3) {
            let size = 1.0 + unit(k[2]) * 2.0 * wf.max(hf);
            out.push(CropRegion { x0: (unit(k[0]) * 3.0 - 1.0) * wf, y0: (unit(k[1]) * 3.0 - 1.0) * hf, size });
        }
        out
    }

    #[test]
    fn crop_resize_matches_the_reference_exactly() {
        let (mut got, mut want) = (Vec::new(), Vec::new());
        let mut checked = 0;
        for (i, &(w, h)) in [(1920u32, 1080u32), (641, 359), (7, 5), (2, 3), (1, 1)].iter().enumerate() {
            for format in [PixelFormat::Rgb24, PixelFormat::Yuv420p] {
                let data = noise(format.frame_len(w, h), i as u64 * 2 + 1 + u64::from(format == PixelFormat::Rgb24));
                let frame = Frame::with_format(0, 0.0, w, h, format, data);
                for side in [256, 192, 5] {
                    for region in regions(w, h, side) {
                        crop_resize_into(&frame, &region, side, &mut got);
                        reference_crop_resize_into(&frame, &region, side, &mut want);
                        assert_eq!(got.len(), want.len());
                        if let Some(k) = (0..got.len()).find(|&k| got[k] != want[k]) {
                            let (ox, oy, c) = (k / 3 % side, k / 3 / side, k % 3);
                            panic!(
                                "{format:?} {w}x{h} side {side} {region:?}: output ({ox}, {oy}) channel {c} is {}, \
                                 the reference gives {}",
                                got[k], want[k]
                            );
                        }
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 500, "{checked}");
    }

    #[test]
    fn region_follows_the_person_and_needs_enough_joints() {
        let mut pose = Pose::default();
        assert!(region_from_pose(&pose, 1920, 1080, 0.3, 1.25).is_none());
        // A standing person 400 px tall around x = 1500.
        for (i, j) in Joint::ALL.iter().enumerate() {
            pose.set(*j, Keypoint::new(1480.0 + (i % 3) as f32 * 20.0, 300.0 + i as f32 * 25.0, 0.9));
        }
        let r = region_from_pose(&pose, 1920, 1080, 0.3, 1.25).expect("region");
        let (cx, cy) = (r.x0 + r.size / 2.0, r.y0 + r.size / 2.0);
        assert!((cx - 1500.0).abs() < 1.0 && (cy - 500.0).abs() < 1.0);
        assert!(r.size >= 400.0 * 1.25 - 1.0 && r.size < 1080.0, "size {}", r.size);
        for j in Joint::ALL {
            let (u, v) = r.to_crop(pose.get(j).x, pose.get(j).y);
            assert!((0.0..=1.0).contains(&u) && (0.0..=1.0).contains(&v));
        }
    }
}
