use super::resample::round_small;
use super::*;
use crate::frame::{Frame, PixelFormat, yuv_to_rgb};
use crate::pose::skeleton::{Keypoint, MIN_KEYPOINT_SCORE};

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
    assert!(region_from_pose(&pose, 1920, 1080, MIN_KEYPOINT_SCORE, 1.25).is_none());
    // A standing person 400 px tall around x = 1500.
    for (i, j) in Joint::ALL.iter().enumerate() {
        pose.set(*j, Keypoint::new(1480.0 + (i % 3) as f32 * 20.0, 300.0 + i as f32 * 25.0, 0.9));
    }
    let r = region_from_pose(&pose, 1920, 1080, MIN_KEYPOINT_SCORE, 1.25).expect("region");
    let (cx, cy) = (r.x0 + r.size / 2.0, r.y0 + r.size / 2.0);
    assert!((cx - 1500.0).abs() < 1.0 && (cy - 500.0).abs() < 1.0);
    assert!(r.size >= 400.0 * 1.25 - 1.0 && r.size < 1080.0, "size {}", r.size);
    for j in Joint::ALL {
        let (u, v) = r.to_crop(pose.get(j).x, pose.get(j).y);
        assert!((0.0..=1.0).contains(&u) && (0.0..=1.0).contains(&v));
    }
}
