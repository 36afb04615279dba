//! Drawing the demo's mannequin.

use crate::form::Side;
use crate::pose::skeleton::{BONES, Joint, Keypoint, Pose};

/// Draws the mannequin of `pose` on a plain room background, RGB8: filled limbs, trunk and head,
/// the far side (lower keypoint scores) darker and behind.
#[must_use]
pub(crate) fn render(pose: &Pose, width: u32, height: u32) -> Vec<u8> {
    let (w, h) = (width as usize, height as usize);
    let mut px = vec![0u8; w * h * 3];
    let floor = (h as f32 * 0.9) as usize;
    for y in 0..h {
        let c: [u8; 3] = if y < floor { [222, 226, 230] } else { [170, 150, 128] };
        for x in 0..w {
            px[(y * w + x) * 3..(y * w + x) * 3 + 3].copy_from_slice(&c);
        }
    }
    let mut canvas = Canvas { px: &mut px, w, h };
    // The far side: the one the pose model would be less sure of; from the front (equal scores)
    // the side nearer the floor.
    let score = |s: Side| {
        [Joint::LeftShoulder, Joint::LeftHip, Joint::LeftKnee].iter().map(|&j| pose.get(s.joint(j)).score).sum::<f32>()
    };
    let far = match score(Side::Left).total_cmp(&score(Side::Right)) {
        std::cmp::Ordering::Less => Side::Left,
        std::cmp::Ordering::Greater => Side::Right,
        std::cmp::Ordering::Equal => {
            if pose.get(Joint::LeftHip).y > pose.get(Joint::RightHip).y {
                Side::Left
            } else {
                Side::Right
            }
        }
    };
    let on_side = |j: Joint, s: Side| j.name().starts_with(if s == Side::Left { "left" } else { "right" });
    let far_color = [60, 80, 120];
    let near_color = [70, 110, 170];
    let trunk_color = [90, 130, 190];
    // Far side first, then the trunk, then the near side on top.
    for (a, b) in BONES {
        if on_side(a, far) && on_side(b, far) {
            canvas.capsule(pose.get(a), pose.get(b), 11.0, far_color);
        }
    }
    let g = |j: Joint| pose.get(j);
    let mid = |a: Joint, b: Joint| {
        let (p, q) = (g(a), g(b));
        Keypoint::new((p.x + q.x) / 2.0, (p.y + q.y) / 2.0, 1.0)
    };
    // The trunk: the quad between shoulders and hips (wide from the front), rounded by a capsule.
    let quad = [g(Joint::LeftShoulder), g(Joint::RightShoulder), g(Joint::RightHip), g(Joint::LeftHip)];
    for tri in [[quad[0], quad[1], quad[2]], [quad[0], quad[2], quad[3]]] {
        let edge = |a: Keypoint, b: Keypoint, x: f32, y: f32| (b.x - a.x) * (y - a.y) - (b.y - a.y) * (x - a.x);
        let inside = |x: f32, y: f32| {
            let e = [edge(tri[0], tri[1], x, y), edge(tri[1], tri[2], x, y), edge(tri[2], tri[0], x, y)];
            e.iter().all(|&v| v >= 0.0) || e.iter().all(|&v| v <= 0.0)
        };
        let xs = tri.map(|k| k.x);
        let ys = tri.map(|k| k.y);
        let (x0, x1) = (xs.iter().copied().fold(f32::MAX, f32::min), xs.iter().copied().fold(f32::MIN, f32::max));
        let (y0, y1) = (ys.iter().copied().fold(f32::MAX, f32::min), ys.iter().copied().fold(f32::MIN, f32::max));
        canvas.fill((x0, x1, y0, y1), trunk_color, inside);
    }
    canvas.capsule(
        mid(Joint::LeftShoulder, Joint::RightShoulder),
        mid(Joint::LeftHip, Joint::RightHip),
        24.0,
        trunk_color,
    );
    for (a, b) in BONES {
        if on_side(a, far.other()) && on_side(b, far.other()) {
            canvas.capsule(g(a), g(b), 12.0, near_color);
        }
    }
    // The head: on the near ear from the side, between the ears from the front.
    let (le, re) = (g(Joint::LeftEar), g(Joint::RightEar));
    let head = if le.score >= 0.5 && re.score >= 0.5 {
        mid(Joint::LeftEar, Joint::RightEar)
    } else if le.score >= re.score {
        le
    } else {
        re
    };
    canvas.capsule(head, head, 24.0, [236, 200, 170]);
    px
}

/// An RGB8 image to paint shapes on.
struct Canvas<'a> {
    px: &'a mut [u8],
    w: usize,
    h: usize,
}

impl Canvas<'_> {
    /// Paints the pixels inside the box `(x0, x1, y0, y1)` for which `inside(x, y)` holds.
    fn fill(&mut self, (x0, x1, y0, y1): (f32, f32, f32, f32), color: [u8; 3], inside: impl Fn(f32, f32) -> bool) {
        let (x0, x1) = (x0.max(0.0) as usize, (x1.max(0.0) as usize).min(self.w - 1));
        let (y0, y1) = (y0.max(0.0) as usize, (y1.max(0.0) as usize).min(self.h - 1));
        for y in y0..=y1 {
            for x in x0..=x1 {
                if inside(x as f32, y as f32) {
                    let i = (y * self.w + x) * 3;
                    self.px[i..i + 3].copy_from_slice(&color);
                }
            }
        }
    }

    /// Paints the points within `r` of the segment `a`-`b`.
    fn capsule(&mut self, a: Keypoint, b: Keypoint, r: f32, color: [u8; 3]) {
        let (dx, dy) = (b.x - a.x, b.y - a.y);
        let len2 = (dx * dx + dy * dy).max(1e-6);
        let inside = |x: f32, y: f32| {
            let (px, py) = (x - a.x, y - a.y);
            let t = ((px * dx + py * dy) / len2).clamp(0.0, 1.0);
            let (ex, ey) = (px - t * dx, py - t * dy);
            ex * ex + ey * ey <= r * r
        };
        self.fill((a.x.min(b.x) - r, a.x.max(b.x) + r, a.y.min(b.y) - r, a.y.max(b.y) + r), color, inside);
    }
}
