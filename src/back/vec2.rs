//! 2-D points and vectors in image pixels, and the few operations the back's geometry needs.

/// A 2-D point or vector.
pub type P2 = [f32; 2];

pub(crate) fn sub(a: P2, b: P2) -> P2 {
    [a[0] - b[0], a[1] - b[1]]
}
pub(crate) fn add(a: P2, b: P2) -> P2 {
    [a[0] + b[0], a[1] + b[1]]
}
pub(crate) fn mul(a: P2, k: f32) -> P2 {
    [a[0] * k, a[1] * k]
}
pub(crate) fn dot(a: P2, b: P2) -> f32 {
    a[0] * b[0] + a[1] * b[1]
}
pub(crate) fn norm(a: P2) -> f32 {
    dot(a, a).sqrt()
}
pub(crate) fn unit(a: P2) -> P2 {
    let n = norm(a);
    if n > 0.0 { mul(a, 1.0 / n) } else { [0.0, 0.0] }
}
/// Distance from `p` to the segment `a-b`.
pub(crate) fn seg_dist(p: P2, a: P2, b: P2) -> f32 {
    let ab = sub(b, a);
    let l2 = dot(ab, ab);
    let t = if l2 > 0.0 { (dot(sub(p, a), ab) / l2).clamp(0.0, 1.0) } else { 0.0 };
    norm(sub(p, add(a, mul(ab, t))))
}
/// `a` rotated by -90 degrees in image coordinates (x right, y down): (x, y) -> (y, -x).
pub(crate) fn perp(a: P2) -> P2 {
    [a[1], -a[0]]
}
