//! Bilinear resampling of a square region of a frame (RGB or YUV) into the model's input.

use super::CropRegion;
use crate::frame::{Frame, PixelFormat, yuv_to_rgb};

/// Bilinear sampling positions for one axis: for each output index, the first source index and the
/// weight of the second. Computed once per axis (the same for every row or column).
pub(super) fn axis_taps(origin: f32, scale: f32, n: usize) -> Vec<(i64, f32)> {
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
pub(super) fn sample_plane(
    plane: &[u8],
    w: i64,
    h: i64,
    (x0, wx): (i64, f32),
    (y0, wy): (i64, f32),
    outside: f32,
) -> f32 {
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
pub(super) fn round_small(x: f32) -> i32 {
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
