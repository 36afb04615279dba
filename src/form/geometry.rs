//! Plane geometry on image points. **Every angle in the form engine is computed here, in degrees.**
//!
//! Image coordinates: x to the right, y **down** (pixels). "Up" in the world is `-y` in the image,
//! which is what the rules assume when they talk about "above" or "toward the floor" (the camera is
//! upright; a rotated camera would need the frame rotated before the pose stage).

/// A point or vector in image pixels.
pub(crate) type Pt = (f32, f32);

/// `a + b`.
#[must_use]
pub fn add(a: Pt, b: Pt) -> Pt {
    (a.0 + b.0, a.1 + b.1)
}

/// `a - b`.
#[must_use]
pub fn sub(a: Pt, b: Pt) -> Pt {
    (a.0 - b.0, a.1 - b.1)
}

/// `a * k`.
#[must_use]
pub fn scale(a: Pt, k: f32) -> Pt {
    (a.0 * k, a.1 * k)
}

/// Midpoint of `a` and `b`.
#[must_use]
pub fn mid(a: Pt, b: Pt) -> Pt {
    ((a.0 + b.0) * 0.5, (a.1 + b.1) * 0.5)
}

/// Dot product.
#[must_use]
pub fn dot(a: Pt, b: Pt) -> f32 {
    a.0 * b.0 + a.1 * b.1
}

/// 2-D cross product (z of the 3-D cross product).
#[must_use]
pub(crate) fn cross(a: Pt, b: Pt) -> f32 {
    a.0 * b.1 - a.1 * b.0
}

/// Length of a vector.
#[must_use]
pub fn norm(a: Pt) -> f32 {
    a.0.hypot(a.1)
}

/// Distance between two points.
#[must_use]
pub(crate) fn dist(a: Pt, b: Pt) -> f32 {
    norm(sub(a, b))
}

/// Unit vector (zero stays zero).
#[must_use]
pub fn unit(a: Pt) -> Pt {
    let n = norm(a);
    if n > f32::EPSILON { scale(a, 1.0 / n) } else { (0.0, 0.0) }
}

/// Interior angle `a-b-c` at `b`, in degrees, 0..=180 (180 = straight). NaN if a segment is empty.
#[must_use]
pub(crate) fn angle_at(a: Pt, b: Pt, c: Pt) -> f32 {
    let u = sub(a, b);
    let v = sub(c, b);
    let (nu, nv) = (norm(u), norm(v));
    if nu < f32::EPSILON || nv < f32::EPSILON {
        return f32::NAN;
    }
    (dot(u, v) / (nu * nv)).clamp(-1.0, 1.0).acos().to_degrees()
}

/// Signed rotation from `u` to `v` in degrees, in (-180, 180]. Positive = clockwise **on screen**
/// (because y points down).
#[must_use]
pub(crate) fn signed_angle(u: Pt, v: Pt) -> f32 {
    cross(u, v).atan2(dot(u, v)).to_degrees()
}

/// Unsigned inclination of the segment `from -> to` away from straight up, degrees 0..=180
/// (0 = `to` directly above `from`, 90 = horizontal, 180 = straight down).
#[must_use]
pub(crate) fn inclination_from_vertical(from: Pt, to: Pt) -> f32 {
    let v = sub(to, from);
    if norm(v) < f32::EPSILON {
        return f32::NAN;
    }
    signed_angle((0.0, -1.0), v).abs()
}

/// Lean of `from -> to` away from vertical, signed: positive toward `facing` (+1 = image right,
/// -1 = image left), negative = leaning backwards. Degrees in (-180, 180].
#[must_use]
pub(crate) fn signed_lean(from: Pt, to: Pt, facing: f32) -> f32 {
    let v = sub(to, from);
    (facing * v.0).atan2(-v.1).to_degrees()
}

/// Acute angle between the line through `a`, `b` and the horizontal, degrees 0..=90.
#[must_use]
pub(crate) fn incline_from_horizontal(a: Pt, b: Pt) -> f32 {
    let v = sub(b, a);
    v.1.abs().atan2(v.0.abs()).to_degrees()
}

/// Elevation (deg) of `root -> end` against the direction `along` (unit), toward `up` (unit,
/// perpendicular to `along`): 0 = along, + toward `up`, − away from it, in (-180, 180].
#[must_use]
pub(crate) fn elevation(root: Pt, end: Pt, along: Pt, up: Pt) -> f32 {
    let w = sub(end, root);
    dot(w, up).atan2(dot(w, along)).to_degrees()
}

/// Signed offset of the hip from the straight line `shoulder -> end` (end = ankle, or knee on the
/// knees), **in torso lengths** (torso = shoulder to hip distance of the same points).
///
/// Sign convention: **positive = hip above the line** (toward smaller image y, away from the floor:
/// hips piking), **negative = hip below the line** (toward the floor: hips sagging). This assumes
/// the floor is at the bottom of the image. For an exactly vertical line, positive = image right.
/// Returns NaN when the line or the torso has zero length.
#[must_use]
pub fn body_line_offset(shoulder: Pt, hip: Pt, end: Pt) -> f32 {
    let d = sub(end, shoulder);
    let l = norm(d);
    let torso = dist(shoulder, hip);
    if l < f32::EPSILON || torso < f32::EPSILON {
        return f32::NAN;
    }
    // Unit normal of the line, chosen to point up on screen (negative y).
    let mut n = (d.1 / l, -d.0 / l);
    if n.1 > 0.0 || (n.1 == 0.0 && n.0 < 0.0) {
        n = (-n.0, -n.1);
    }
    dot(sub(hip, shoulder), n) / torso
}

/// `p` moved by the similarity (turn, uniform scale, shift) that takes `a0` to `b0` and `a1` to
/// `b1`; a shift alone when `a0` and `a1` coincide.
#[must_use]
pub(crate) fn similarity(a0: Pt, a1: Pt, b0: Pt, b1: Pt, p: Pt) -> Pt {
    let (u, v) = (sub(a1, a0), sub(b1, b0));
    let d = dot(u, u);
    let q = sub(p, a0);
    if d < f32::EPSILON {
        return add(b0, q);
    }
    // v / u as complex numbers, applied to q.
    let k = (dot(v, u) / d, cross(u, v) / d);
    add(b0, (k.0 * q.0 - k.1 * q.1, k.0 * q.1 + k.1 * q.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn angles() {
        assert!((angle_at((0.0, 0.0), (1.0, 0.0), (2.0, 0.0)) - 180.0).abs() < 1e-3);
        assert!((angle_at((0.0, 0.0), (1.0, 0.0), (1.0, 1.0)) - 90.0).abs() < 1e-3);
        assert!(inclination_from_vertical((0.0, 0.0), (0.0, -1.0)).abs() < 1e-3);
        assert!((inclination_from_vertical((0.0, 0.0), (1.0, 0.0)) - 90.0).abs() < 1e-3);
        assert!((signed_lean((0.0, 0.0), (1.0, -1.0), 1.0) - 45.0).abs() < 1e-3);
        assert!((signed_lean((0.0, 0.0), (1.0, -1.0), -1.0) + 45.0).abs() < 1e-3);
        assert!((incline_from_horizontal((0.0, 0.0), (-1.0, 1.0)) - 45.0).abs() < 1e-3);
    }

    #[test]
    fn similarity_maps_the_anchors_and_keeps_shape() {
        let (a0, a1, b0, b1) = ((0.0, 0.0), (0.0, -10.0), (100.0, 50.0), (120.0, 50.0));
        let close = |p: Pt, q: Pt| dist(p, q) < 1e-3;
        assert!(close(similarity(a0, a1, b0, b1, a0), b0));
        assert!(close(similarity(a0, a1, b0, b1, a1), b1));
        // A quarter turn clockwise on screen and twice the size: (5, 0) -> (0, 10) from b0.
        assert!(
            close(similarity(a0, a1, b0, b1, (5.0, 0.0)), (100.0, 60.0)),
            "{:?}",
            similarity(a0, a1, b0, b1, (5.0, 0.0))
        );
    }

    #[test]
    fn body_line_sign() {
        // Body lying left to right, hip above the line: pike (positive), either direction.
        let o = body_line_offset((0.0, 0.0), (100.0, -20.0), (300.0, 0.0));
        assert!((o - 20.0 / 101.98).abs() < 1e-3, "{o}");
        let o2 = body_line_offset((300.0, 0.0), (200.0, -20.0), (0.0, 0.0));
        assert!(o2 > 0.0);
        assert!(body_line_offset((0.0, 0.0), (100.0, 30.0), (300.0, 0.0)) < 0.0);
    }
}
