//! A real dowel: a long, straight, thin, high-contrast line lying along the dorsal contour.
//!
//! Works on the same 256x256 RGB crop the mask was computed from ([`super::SegModel::last_crop`]),
//! in mask coordinates, inside a band along the virtual dowel line (from just inside the back to
//! `0.35` torso lengths behind it, from below the sacrum to past the head).
//!
//! 1. **Thin-line response**: at each band pixel, the grey level against the two pixels `w` away
//!    across the band (`w` = 1.5 and 2.5 px): a thin bar is darker (or lighter) than *both* sides,
//!    a step edge (the body's own outline, a wall corner) only than one, so it scores ~0.
//! 2. **Hough transform** restricted to lines within +-15 degrees of the virtual dowel: votes over
//!    (angle, offset). The top peaks are checked for *coverage* (the fraction of the sacrum-to-head
//!    length with line pixels on them): a dowel runs the whole length, clutter does not.
//! 3. **Refit** by least squares on the inliers; then the three contacts: at each zone (sacrum,
//!    mid-thoracic, back of the head) the smallest gap between the contour and the dowel's near
//!    edge, over the stretch the dowel is seen along; contact when that is at most
//!    `dowel_contact_max_gap` torso lengths (none judged in a zone past the dowel's end, or where
//!    the body reaches through the dowel's line by more than that).

use serde::{Deserialize, Serialize};

use super::BackConfig;
use super::contour::{BackContour, ContourPoint, P2, Part, SACRUM_ZONE, THORACIC_ZONE, add, dot, mul, sub};
use super::virtual_dowel::VirtualDowel;

/// One contact of the dowel with the back.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DowelContact {
    /// Contour point nearest the dowel in this zone (mask coordinates).
    pub point: P2,
    /// Gap between the back and the dowel's near edge, torso lengths (<= 0: touching or pressed in).
    pub gap: f32,
    pub ok: bool,
}

/// A detected real dowel, in mask coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RealDowel {
    /// End points of the detected segment (its extent along the back).
    pub ends: [P2; 2],
    /// Fraction of the sacrum-to-head length covered by line pixels.
    pub coverage: f32,
    /// Contacts: head (None when the head was not traced), mid-thoracic, sacrum.
    pub head: Option<DowelContact>,
    pub thoracic: Option<DowelContact>,
    pub sacrum: Option<DowelContact>,
}

/// Paints a detected dowel out of `crop` (RGB 0..255, NHWC, `side x side`, mask coordinates): every
/// pixel within `half_width + 1.5` px of the segment `ends` (and 3 px past its ends) takes the
/// colour found `half_width + 3` px from its centre line on the `dorsal` side, the background just
/// beyond the dowel. The segmentation model takes a held dowel in as part of the person and fills
/// the wedge between it and a back it does not touch; run on the painted crop, it sees the back
/// against the background as without a dowel, so a gap under the dowel stays a gap.
pub fn paint_out_dowel(crop: &mut [i32], side: usize, ends: [P2; 2], dorsal: P2, half_width: f32) {
    if crop.len() != side * side * 3 {
        return;
    }
    let d = sub(ends[1], ends[0]);
    let len = dot(d, d).sqrt();
    if len < 1.0 {
        return;
    }
    let u = mul(d, 1.0 / len);
    let mut n = [-u[1], u[0]];
    if dot(n, dorsal) < 0.0 {
        n = mul(n, -1.0);
    }
    let reach = half_width + 1.5;
    let (pad, beyond) = (3.0, half_width + 3.0);
    // Bounding box of the band.
    let corners = [(-pad, -reach), (-pad, reach), (len + pad, -reach), (len + pad, reach)]
        .map(|(a, o)| add(ends[0], add(mul(u, a), mul(n, o))));
    let lo = |k: usize| corners.iter().map(|c| c[k]).fold(f32::INFINITY, f32::min).floor().max(0.0) as usize;
    let hi = |k: usize| {
        (corners.iter().map(|c| c[k]).fold(f32::NEG_INFINITY, f32::max).ceil().max(0.0) as usize).min(side - 1)
    };
    let clamp = |v: f32| (v.floor().max(0.0) as usize).min(side - 1);
    for y in lo(1)..=hi(1) {
        for x in lo(0)..=hi(0) {
            let p = sub([x as f32 + 0.5, y as f32 + 0.5], ends[0]);
            let (a, o) = (dot(p, u), dot(p, n));
            if !(-pad..=len + pad).contains(&a) || o.abs() > reach {
                continue;
            }
            let q = add(ends[0], add(mul(u, a.clamp(0.0, len)), mul(n, beyond)));
            let (i, j) = ((y * side + x) * 3, (clamp(q[1]) * side + clamp(q[0])) * 3);
            for c in 0..3 {
                crop[i + c] = crop[j + c];
            }
        }
    }
}

/// Reusable buffers of the detector.
#[derive(Debug, Default, Clone)]
pub struct DowelDetector {
    cand: Vec<(f32, f32)>,
    acc: Vec<u32>,
}

const ANGLES: usize = 61; // -15..=15 degrees in 0.5 degree steps
const RHO_BIN: f32 = 0.5;

impl DowelDetector {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Looks for a dowel along the back in `crop` (RGB 0..255, NHWC, `side x side`, the mask's crop).
    pub(crate) fn detect(
        &mut self,
        crop: &[i32],
        side: usize,
        contour: &BackContour,
        line: &VirtualDowel,
        cfg: &BackConfig,
    ) -> Option<RealDowel> {
        if crop.len() != side * side * 3 {
            return None;
        }
        let t = contour.torso;
        let grey = |x: i64, y: i64| -> f32 {
            let (x, y) = (x.clamp(0, side as i64 - 1) as usize, y.clamp(0, side as i64 - 1) as usize);
            let i = (y * side + x) * 3;
            0.299 * crop[i] as f32 + 0.587 * crop[i + 1] as f32 + 0.114 * crop[i + 2] as f32
        };
        let bil = |p: P2| -> f32 {
            let (x, y) = (p[0] - 0.5, p[1] - 0.5);
            let (fx, fy) = (x.floor(), y.floor());
            let (wx, wy) = (x - fx, y - fy);
            let (ix, iy) = (fx as i64, fy as i64);
            (grey(ix, iy) * (1.0 - wx) + grey(ix + 1, iy) * wx) * (1.0 - wy)
                + (grey(ix, iy + 1) * (1.0 - wx) + grey(ix + 1, iy + 1) * wx) * wy
        };
        // Band along the line, in (along, offset) from the sacrum point.
        let along = |p: P2| dot(sub(p, line.sacrum), line.dir);
        let offset = |p: P2| dot(sub(p, line.sacrum), line.normal);
        let a_end = contour.points.iter().map(|p| along(p.p)).fold(t, f32::max) + 0.05 * t;
        let a_start = -0.1 * t;
        let (o_min, o_max) = (-0.05 * t, 0.35 * t);
        let corners = [(a_start, o_min), (a_start, o_max), (a_end, o_min), (a_end, o_max)]
            .map(|(a, o)| add(line.sacrum, add(mul(line.dir, a), mul(line.normal, o))));
        let lo = |k: usize| corners.iter().map(|c| c[k]).fold(f32::INFINITY, f32::min).floor().max(0.0) as usize;
        let hi = |k: usize| {
            (corners.iter().map(|c| c[k]).fold(f32::NEG_INFINITY, f32::max).ceil() as usize).min(side.saturating_sub(1))
        };
        self.cand.clear();
        for y in lo(1)..=hi(1) {
            for x in lo(0)..=hi(0) {
                let c = [x as f32 + 0.5, y as f32 + 0.5];
                let (a, o) = (along(c), offset(c));
                if a < a_start || a > a_end || o < o_min || o > o_max {
                    continue;
                }
                let i0 = grey(x as i64, y as i64);
                let mut best = 0.0f32;
                for w in [1.5f32, 2.5] {
                    let ip = bil(add(c, mul(line.normal, w)));
                    let im = bil(sub(c, mul(line.normal, w)));
                    best = best.max((ip - i0).min(im - i0)).max((i0 - ip).min(i0 - im));
                }
                if best >= cfg.dowel_min_contrast {
                    self.cand.push((a, o));
                }
            }
        }
        if self.cand.len() < (cfg.dowel_min_coverage * (a_end - a_start)) as usize {
            return None;
        }
        // Hough over (angle, offset at the sacrum).
        // |sin| <= sin(15 deg) < 0.26 bounds rho = o cos - a sin.
        let reach = 0.26 * a_start.abs().max(a_end.abs());
        let rho0 = o_min - reach - 1.0;
        let n_rho = ((o_max + reach + 1.0 - rho0) / RHO_BIN) as usize + 2;
        self.acc.clear();
        self.acc.resize(ANGLES * n_rho, 0);
        let trig: Vec<(f32, f32)> = (0..ANGLES)
            .map(|k| {
                let th = ((k as f32) * 0.5 - 15.0).to_radians();
                (th.sin(), th.cos())
            })
            .collect();
        for &(a, o) in &self.cand {
            for (k, &(sn, cs)) in trig.iter().enumerate() {
                let rho = o * cs - a * sn;
                let bin = ((rho - rho0) / RHO_BIN).round();
                if bin >= 0.0 && (bin as usize) < n_rho {
                    self.acc[k * n_rho + bin as usize] += 1;
                }
            }
        }
        // Best few peaks (greedy, suppressing neighbours), judged by coverage.
        let length = a_end - a_start;
        let mut best: Option<(f32, f32, f32)> = None; // (coverage, slope k, intercept o0) in o = o0 + k a
        let mut acc = self.acc.clone();
        for _ in 0..6 {
            let (idx, &votes) = acc.iter().enumerate().max_by_key(|&(_, v)| *v)?;
            if (votes as f32) < cfg.dowel_min_coverage * length * 0.5 {
                break;
            }
            let (k, b) = (idx / n_rho, idx % n_rho);
            for dk in -4i64..=4 {
                for db in -6i64..=6 {
                    let (kk, bb) = (k as i64 + dk, b as i64 + db);
                    if kk >= 0 && bb >= 0 && (kk as usize) < ANGLES && (bb as usize) < n_rho {
                        acc[kk as usize * n_rho + bb as usize] = 0;
                    }
                }
            }
            let (sn, cs) = trig[k];
            let rho = rho0 + b as f32 * RHO_BIN;
            // o * cs - a * sn = rho  ->  o = (rho + a sn) / cs
            let (slope, icpt) = (sn / cs, rho / cs);
            if let Some((cov, s2, i2)) = self.refine(slope, icpt, a_start, length)
                && best.is_none_or(|bst| cov > bst.0)
            {
                best = Some((cov, s2, i2));
            }
        }
        let (coverage, slope, icpt) = best?;
        if coverage < cfg.dowel_min_coverage {
            return None;
        }
        // Extent of the inliers along the back.
        let on: Vec<f32> =
            self.cand.iter().filter(|&&(a, o)| (o - (icpt + slope * a)).abs() <= 1.0).map(|&(a, _)| a).collect();
        let (amin, amax) = on.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(l, h), &a| (l.min(a), h.max(a)));
        let at = |a: f32| add(line.sacrum, add(mul(line.dir, a), mul(line.normal, icpt + slope * a)));
        // The dowel's half width: the thin-line detector responds across about +-1 px of the centre.
        let half_width = 1.0;
        let dowel_off = |p: P2| icpt + slope * along(p);
        // A contact is judged only where the dowel is seen: a back of the head beyond the end of
        // a dowel that stops short of it touches nothing.
        let reach = 0.05 * t;
        let seen = |p: &ContourPoint| (amin - reach..=amax + reach).contains(&along(p.p));
        let contact = |filter: &dyn Fn(&ContourPoint) -> bool| {
            {
                contour
                    .points
                    .iter()
                    .filter(|p| filter(p) && seen(p))
                    .map(|p| (dowel_off(p.p) - half_width - offset(p.p), p.p))
                    .reduce(|a, b| if b.0 < a.0 { b } else { a })
            }
            .and_then(|(gap_px, point)| {
                // Gaps are measured perpendicular to the dowel, not to the virtual line.
                let gap = gap_px / (1.0 + slope * slope).sqrt() / t;
                // The body reaching through the dowel's line (a head raised past a dowel that
                // stops at the shoulders): the dowel does not lie there, so nothing touches.
                (gap >= -cfg.dowel_contact_max_gap).then_some(DowelContact {
                    point,
                    gap,
                    ok: gap <= cfg.dowel_contact_max_gap,
                })
            })
        };
        let head = contact(&|p| p.part == Part::Head);
        let thoracic = contact(&|p| p.part == Part::Trunk && (THORACIC_ZONE.0..=THORACIC_ZONE.1).contains(&p.s));
        let sacrum = contact(&|p| p.part == Part::Trunk && (SACRUM_ZONE.0..=SACRUM_ZONE.1).contains(&p.s));
        Some(RealDowel { ends: [at(amin), at(amax)], coverage, head, thoracic, sacrum })
    }

    /// Least-squares refit on the candidates within 1.5 px of `o = icpt + slope * a`, twice; returns
    /// (coverage, slope, intercept). Coverage: fraction of 1-px bins along the band with an inlier.
    fn refine(&self, mut slope: f32, mut icpt: f32, a_start: f32, length: f32) -> Option<(f32, f32, f32)> {
        for tol in [1.5f32, 1.0] {
            let (mut n, mut sa, mut so, mut saa, mut sao) = (0.0f64, 0.0f64, 0.0f64, 0.0f64, 0.0f64);
            for &(a, o) in &self.cand {
                if (o - (icpt + slope * a)).abs() <= tol {
                    let (a, o) = (f64::from(a), f64::from(o));
                    n += 1.0;
                    sa += a;
                    so += o;
                    saa += a * a;
                    sao += a * o;
                }
            }
            let det = n * saa - sa * sa;
            if n < 3.0 || det.abs() < 1e-9 {
                return None;
            }
            slope = ((n * sao - sa * so) / det) as f32;
            icpt = ((so - f64::from(slope) * sa) / n) as f32;
        }
        let bins = length.ceil().max(1.0) as usize;
        let mut hit = vec![false; bins];
        for &(a, o) in &self.cand {
            if (o - (icpt + slope * a)).abs() <= 1.0 {
                let b = (a - a_start).floor();
                if b >= 0.0 && (b as usize) < bins {
                    hit[b as usize] = true;
                }
            }
        }
        Some((hit.iter().filter(|&&h| h).count() as f32 / bins as f32, slope, icpt))
    }
}
