//! The virtual dowel. A dowel held on the back lies on the sacrum and on the upper back; the
//! back of the head then touches it or not. So the dowel line runs through the contour at hip
//! level (the sacrum point `S`, mean of the points with `|s| <= 0.04`) and at shoulder level (the
//! upper-back point `U`, mean of `0.94 <= s <= 1`). Against this line, in torso lengths:
//! - `thoracic`: the furthest the contour between the shoulder blades (`0.45..0.92`) goes *past*
//!   the line (positive: the upper back rounds out through where the dowel would be; a rounded
//!   spine is an arc from sacrum to shoulders, which bulges past its chord), or how far it stays
//!   below it (negative);
//! - `lumbar_bulge` / `lumbar_sag`: the same in the lower back (`0.10..0.45`): past the line (the
//!   lower back flexing, the sacrum contact lost) or the depth of the hollow (lordosis; over-arch);
//! - `head`: the outermost point of the back of the head (ear-axis stations `0.6..1.5`) against the
//!   line: negative = below it (head bowed, chin to chest), positive = past it (head pushed back or
//!   looking up, which would lift the dowel off the upper back).
//!
//! Why not rest the line on the head and the sacrum? Because then a bowed head on a flat back tilts
//! the line and the upper back "crosses" it exactly as a rounded one does: the confusion the mask
//! is meant to remove. The trunk chord separates the two: a bowed head leaves the trunk straight.
//! The literal head-sacrum measure is still reported (`thoracic_vs_head_line`).

use serde::{Deserialize, Serialize};

use super::contour::{
    BackContour, LUMBAR_ZONE, P2, Part, SACRUM_WINDOW, THORACIC_ZONE, UPPER_BACK_WINDOW, add, dot, in_zone, mul, norm,
    perp, sub, unit,
};

/// The virtual dowel line and the gaps measured against it (torso lengths).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(crate) struct VirtualDowel {
    /// Sacrum point (contour at hip level), mask coordinates.
    pub sacrum: P2,
    /// Upper-back point (contour at shoulder level), mask coordinates.
    pub upper_back: P2,
    /// Unit direction sacrum -> upper back.
    pub dir: P2,
    /// Dorsal unit normal of the line.
    pub normal: P2,
    /// Thoracic contour past the line (+, rounded) or below it (-), at its furthest point.
    pub thoracic: f32,
    /// Where that is (mask coordinates).
    pub thoracic_point: P2,
    /// Lower back past the line (+: lumbar flexion), at its furthest point (can be negative).
    pub lumbar_bulge: f32,
    /// Depth of the lumbar hollow below the line (>= 0).
    pub lumbar_sag: f32,
    /// Back of the head against the line: - below (bowed), + past (pushed back). None without head points.
    pub head: Option<f32>,
    /// Outermost back-of-head point (mask coordinates).
    pub head_point: Option<P2>,
    /// The spec's literal measure: thoracic contour past the line through the sacrum and the back of the head.
    pub thoracic_vs_head_line: Option<f32>,
}

fn mean_point(pts: impl Iterator<Item = P2>) -> Option<P2> {
    let (mut acc, mut n) = ([0.0, 0.0], 0usize);
    for p in pts {
        acc = add(acc, p);
        n += 1;
    }
    (n > 0).then(|| mul(acc, 1.0 / n as f32))
}

/// Fits the virtual dowel on the contour and measures the gaps. `None` when the contour has no
/// points at hip or shoulder level.
#[must_use]
pub(crate) fn fit_virtual_dowel(c: &BackContour) -> Option<VirtualDowel> {
    let trunk = || c.points.iter().filter(|p| p.part == Part::Trunk);
    let sacrum = mean_point(trunk().filter(|p| in_zone(p.s, SACRUM_WINDOW)).map(|p| p.p))?;
    let upper_back = mean_point(trunk().filter(|p| in_zone(p.s, UPPER_BACK_WINDOW)).map(|p| p.p))?;
    measure_against(c, sacrum, upper_back)
}

/// A straight line fitted (least squares) to the whole visible trunk contour, as a
/// [`VirtualDowel`]: where arms hide the sacrum or shoulder-level window, the line along which to
/// look for a held dowel. Its gaps are measured as [`fit_virtual_dowel`]'s, against this line.
/// `None` with too few trunk points, or none in the lumbar or thoracic zone.
#[must_use]
pub(crate) fn fit_trunk_line(c: &BackContour) -> Option<VirtualDowel> {
    let pts: Vec<(f64, f64)> = c
        .points
        .iter()
        .filter(|p| p.part == Part::Trunk)
        .map(|p| {
            let d = sub(p.p, c.hip);
            (f64::from(dot(d, c.axis)), f64::from(dot(d, c.dorsal)))
        })
        .collect();
    if pts.len() < 8 {
        return None;
    }
    let n = pts.len() as f64;
    let (sa, so) = pts.iter().fold((0.0, 0.0), |(a, o), p| (a + p.0, o + p.1));
    let (ma, mo) = (sa / n, so / n);
    let (saa, sao) = pts.iter().fold((0.0, 0.0), |(aa, ao), p| (aa + (p.0 - ma).powi(2), ao + (p.0 - ma) * (p.1 - mo)));
    if saa < 1e-6 {
        return None;
    }
    let slope = sao / saa;
    let at = |a: f64| {
        let o = mo + slope * (a - ma);
        add(c.hip, add(mul(c.axis, a as f32), mul(c.dorsal, o as f32)))
    };
    let len = f64::from(norm(sub(c.shoulder, c.hip)));
    measure_against(c, at(0.0), at(len))
}

/// The gaps of the contour `c` against the line through `sacrum` and `upper_back`.
fn measure_against(c: &BackContour, sacrum: P2, upper_back: P2) -> Option<VirtualDowel> {
    let trunk = || c.points.iter().filter(|p| p.part == Part::Trunk);
    let dir = unit(sub(upper_back, sacrum));
    let mut normal = perp(dir);
    if dot(normal, c.dorsal) < 0.0 {
        normal = mul(normal, -1.0);
    }
    let off = |p: P2| dot(sub(p, sacrum), normal) / c.torso;
    let extreme = |zone: (f32, f32), max: bool| {
        trunk().filter(|p| in_zone(p.s, zone)).map(|p| (off(p.p), p.p)).reduce(
            |a, b| {
                if (b.0 > a.0) == max { b } else { a }
            },
        )
    };
    let (thoracic, thoracic_point) = extreme(THORACIC_ZONE, true)?;
    let (lumbar_bulge, _) = extreme(LUMBAR_ZONE, true)?;
    let (lumbar_low, _) = extreme(LUMBAR_ZONE, false)?;
    let head = c
        .points
        .iter()
        .filter(|p| p.part == Part::Head)
        .map(|p| (off(p.p), p.p))
        .reduce(|a, b| if b.0 > a.0 { b } else { a });
    let thoracic_vs_head_line = head.map(|(_, h)| {
        let d = unit(sub(h, sacrum));
        let mut n = perp(d);
        if dot(n, c.dorsal) < 0.0 {
            n = mul(n, -1.0);
        }
        trunk()
            .filter(|p| in_zone(p.s, THORACIC_ZONE))
            .map(|p| dot(sub(p.p, sacrum), n) / c.torso)
            .fold(f32::NEG_INFINITY, f32::max)
    });
    Some(VirtualDowel {
        sacrum,
        upper_back,
        dir,
        normal,
        thoracic,
        thoracic_point,
        lumbar_bulge,
        lumbar_sag: (-lumbar_low).max(0.0),
        head: head.map(|h| h.0),
        head_point: head.map(|h| h.1),
        thoracic_vs_head_line,
    })
}
